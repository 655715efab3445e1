//! Whose data a key is: everyone's, or one user's.

use std::fmt;
use std::sync::Arc;

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
    pub fn user(id: &str) -> Scope {
        Scope::User(Arc::from(id))
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
