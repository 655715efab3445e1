//! A declared read: one batched call per wave, through one loader
//! (batched, shared in flight, cached by scope), that one route's `get`
//! makes for it or that several routes share as a `[loads.NAME]`.
//!
//! `lists[{keys:ids}].name`, `lists[{keys:ids}].length` and
//! `lists[{keys:ids}][{integers:indices}]` over one `[loads.lists]` make
//! one `GET /lists?ids=…` for a wave that asks all three.

use std::sync::Arc;
use std::time::Duration;

use http::Method;

use crate::loader::{LoadError, Loaded, Loader, Scope, Settings};
use crate::path::Key;

use super::answer::{Reading, Unreadable};
use super::item::{Accessor, Item, Needs};
use super::live::Sources;
use super::service::Service;
use super::template::Template;

/// A declared read, ready for the routes that answer from it. Cloning
/// is cheap and shares the loader.
#[derive(Debug, Clone)]
pub(super) struct Read {
    /// The service it calls.
    service: Service,
    /// Whether its items are the signed-in user's.
    user: bool,
    /// Whether it reads items by id (its path has the ids); else one
    /// item per scope.
    by_id: bool,
    /// The longest id asked, in bytes.
    max_id_bytes: usize,
    /// What it keeps of each item.
    needs: Arc<Needs>,
    loader: Loader<Key, Item>,
}

/// What a read calls and how it finds and caches items, as
/// [`Read::new`] takes it.
#[derive(Debug)]
pub(super) struct Spec {
    /// The loader's name (metrics, logs, traces).
    pub(super) name: String,
    /// Its name in the Redis tier: its name and a hash of its
    /// declaration, so that an edited read never reads the entries, or
    /// takes the write notices, of the one it replaces.
    pub(super) tier_key: String,
    pub(super) service: Service,
    pub(super) path: Template,
    pub(super) user: bool,
    /// The JSON Pointer to the items.
    pub(super) items: String,
    /// With items in an array, the member holding each one's id.
    pub(super) key: Option<String>,
    /// What its routes read of each item.
    pub(super) needs: Needs,
    pub(super) ttl: Duration,
    pub(super) max_entries: u64,
    pub(super) max_batch: usize,
    /// The longest id asked, in bytes.
    pub(super) max_id_bytes: usize,
}

impl Read {
    /// The read `spec` declares, cached as `sources` says (the server's
    /// cache switch, its Redis tier, its answer cache's writes).
    pub(super) fn new(spec: Spec, sources: &Sources) -> Read {
        let mut settings = Settings::new(spec.name)
            .tier_key(spec.tier_key)
            .max_batch_size(spec.max_batch)
            .caching(sources.caching);
        if !spec.ttl.is_zero() {
            settings = settings.cache(spec.ttl, spec.max_entries);
        }
        if spec.user {
            settings = settings.user_scoped();
        }
        let by_id = spec.path.has_ids();
        let service = spec.service.clone();
        let needs = Arc::new(spec.needs.clone());
        let reading = Reading {
            path: pointer_members(&spec.items),
            key: spec.key,
            needs: spec.needs,
            by_id,
        };
        let batch = Arc::new((spec.service, spec.path, spec.items, reading));
        let mut loader = Loader::new(settings, move |scope: Scope, ids: Vec<Key>| {
            let batch = Arc::clone(&batch);
            async move {
                let (service, path, items, reading) = &*batch;
                let path = path.render(&ids, scope.user_id());
                let answer = service.get(&path).await?;
                reading.items(&answer).map_err(|unreadable| match unreadable {
                    Unreadable::Syntax(error) => service.unreadable(&Method::GET, &path, &error),
                    Unreadable::Shape(what) => {
                        let error = LoadError::backend(format!(
                            "{} service: its answer {what} at `{items}`, where the route file expects its items",
                            service.name()
                        ));
                        // The route file and the service disagree: the
                        // operator needs to hear it.
                        service.warn(&error);
                        error
                    }
                })
            }
        });
        if let Some(tier) = &sources.tier {
            loader = loader.with_tier(tier);
        }
        if let Some(writes) = &sources.writes {
            loader = loader.with_writes(writes);
        }
        Read {
            service,
            user: spec.user,
            by_id,
            max_id_bytes: spec.max_id_bytes,
            needs,
            loader,
        }
    }

    /// The service it calls.
    pub(super) fn service(&self) -> &Service {
        &self.service
    }

    /// Whether its items are the signed-in user's.
    pub(super) fn is_user(&self) -> bool {
        self.user
    }

    /// Where `pointer` (from an item) reads in the items it keeps.
    pub(super) fn accessor(&self, pointer: &str) -> Accessor {
        self.needs.accessor(pointer)
    }

    /// Whether it reads items by id; else one item per scope.
    pub(super) fn is_by_id(&self) -> bool {
        self.by_id
    }

    /// Loads the items of `ids` in `scope` (for a read of one item per
    /// scope, give `None`: its one item). An id longer than the read's
    /// longest is not asked: it has no item.
    pub(super) async fn load(&self, scope: Scope, ids: Option<Vec<Key>>) -> Loaded<Key, Item> {
        let ids = match ids {
            Some(ids) => ids
                .into_iter()
                .filter(|id| id.as_str().is_none_or(|id| id.len() <= self.max_id_bytes))
                .collect(),
            None => vec![only()],
        };
        self.loader.load_many(scope, ids).await
    }

    /// Loads the item of `id` in `scope` (`None`: the one item).
    pub(super) async fn load_one(
        &self,
        scope: Scope,
        id: Option<Key>,
    ) -> Result<Option<Item>, LoadError> {
        self.loader.load_one(scope, id.unwrap_or_else(only)).await
    }

    /// Drops the cached item of `id` (`None`: the one item) in `scope`,
    /// here, in the Redis tier and at the other instances.
    pub(super) async fn invalidate(&self, scope: Scope, id: Option<Key>) {
        self.loader.invalidate(scope, id.unwrap_or_else(only)).await;
    }
}

/// The scope of what is the signed-in user's when `user` (none when
/// nobody is signed in), else the shared one: for reads, sets and calls.
pub(super) fn scope_of(user: bool, signed_in: Option<&str>) -> Option<Scope> {
    match (user, signed_in) {
        (false, _) => Some(Scope::shared()),
        (true, Some(user)) => Some(Scope::user(user)),
        (true, None) => None,
    }
}

/// The key of the one item of a read without ids.
fn only() -> Key {
    Key::from("")
}

/// The members a JSON Pointer goes through, unescaped.
fn pointer_members(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|member| member.replace("~1", "/").replace("~0", "~"))
        .collect()
}
