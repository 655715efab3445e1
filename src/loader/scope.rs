//! Whose data a key is: everyone's, or one user's.

use std::fmt;
use std::sync::{Arc, OnceLock};

/// How many user ids [`Scope::user`] keeps interned (about 2 MB at most
/// for ids of a few bytes).
const INTERNED_USERS: usize = 65_536;

/// The scope of a load: keys of different scopes never share a backend
/// call, and (when the cache comes) never share an entry.
///
/// A user scope cannot be built without naming the user, so a route that
/// loads one user's data has to say whose; a loader declared user-scoped
/// ([`Settings::user_scoped`](super::Settings::user_scoped)) refuses
/// [`Scope::Shared`] instead of mixing users.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Data that is the same for every user: shared by all requests.
    Shared,
    /// Data of one user (the user's id): shared only by that user's
    /// requests.
    User(Arc<str>),
}

impl Scope {
    /// The scope of data that is the same for everyone.
    pub fn shared() -> Scope {
        Scope::Shared
    }

    /// The scope of one user's data.
    ///
    /// The id is interned: the scopes of one user's requests share one
    /// allocation, and so do all the cache entries they store (a user's
    /// thousand cached ratings hold one id, not a thousand copies of it,
    /// each pinning a page of small blocks the request freed around it).
    /// The interner is bounded (65,536 ids); a user it forgot gets
    /// a fresh id, equal to the old one: scopes compare by the id's text.
    pub fn user(id: &str) -> Scope {
        static USERS: OnceLock<quick_cache::sync::Cache<Arc<str>, Arc<str>>> = OnceLock::new();
        let users = USERS.get_or_init(|| quick_cache::sync::Cache::new(INTERNED_USERS));
        if let Some(interned) = users.get(id) {
            return Scope::User(interned);
        }
        let interned: Arc<str> = Arc::from(id);
        users.insert(interned.clone(), interned.clone());
        Scope::User(interned)
    }

    /// Whether this is the shared scope.
    pub fn is_shared(&self) -> bool {
        matches!(self, Scope::Shared)
    }

    /// The user's id, for a user scope.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Scope::Shared => None,
            Scope::User(id) => Some(id),
        }
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Shared => f.write_str("Shared"),
            Scope::User(id) => f.debug_tuple("User").field(id).finish(),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Shared => f.write_str("shared"),
            Scope::User(id) => write!(f, "user {id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_scopes_share_one_id() {
        let (first, again) = (Scope::user("u17"), Scope::user("u17"));
        let (Scope::User(a), Scope::User(b)) = (&first, &again) else {
            panic!("user scopes");
        };
        assert!(Arc::ptr_eq(a, b), "one allocation for one user");
    }

    #[test]
    fn user_scopes_compare_by_the_ids_text() {
        let first = Scope::user("u17");
        assert_eq!(first, Scope::User(Arc::from("u17")));
        assert_ne!(first, Scope::user("u18"));
    }
}
