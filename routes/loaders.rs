//! `Loaders`: one loader per backend read, built once per process and put
//! in every request's context, so that the handlers of a wave (and of
//! concurrent requests) share one call per operation.
//!
//! Also the few things every route file needs from the context: its
//! loaders, the user's scope, and backend failures as error values that
//! name the service and nothing more.

use std::sync::Arc;
use std::time::Duration;

use peregrine::loader::{LoadError, Loader, RedisTier, Scope, Settings, Writes};
use peregrine::path::{Key, KeySet, Path, PathSet};
use peregrine::router::{Context, HandlerError};

use crate::client::{Clients, List, Video};

/// The loaders of the backend reads. Shared scope for catalog data
/// (videos, lists); user scope for rows, ratings and my list, which must
/// never reach another user.
#[derive(Debug, Clone)]
pub struct Loaders {
    /// Videos by id (catalog `GET /videos`), shared.
    pub videos: Loader<u64, Arc<Video>>,
    /// Lists by id (lists `GET /lists`), shared.
    pub lists: Loader<String, Arc<List>>,
    /// The user's home rows (lists `GET /rows`), one key: `()`.
    pub rows: Loader<(), Arc<Vec<String>>>,
    /// The user's ratings by video id (ratings `GET /ratings`).
    pub ratings: Loader<u64, f64>,
    /// The user's my list (mylist `GET /mylist`), one key: `()`.
    pub my_list: Loader<(), Arc<Vec<u64>>>,
    /// The clients, for writes (which are not batched).
    pub clients: Clients,
}

/// How long each kind of data is cached, and how much of it: catalog data
/// changes rarely and is shared by every user; what is one user's is
/// cached briefly and refreshed by that user's own writes.
const CATALOG_TTL: Duration = Duration::from_secs(300);
/// How long one user's data is cached here, and how long a client may
/// keep it: user-scoped values go out with `$expires` of this (another
/// device of the same user may change them), catalog values without (they
/// change with catalog releases, and the home answer stays small).
pub(crate) const USER_TTL: Duration = Duration::from_secs(60);

impl Loaders {
    /// Loaders calling the services through `clients`, caching what they
    /// load when `cache` is on.
    pub fn new(clients: &Clients, cache: bool) -> Loaders {
        let settings = |name: &'static str, ttl: Duration, entries: u64| {
            Settings::new(name).cache(ttl, entries).caching(cache)
        };
        let catalog = clients.catalog.clone();
        let videos = Loader::new(
            settings("videos", CATALOG_TTL, 20_000),
            move |_scope, ids: Vec<u64>| {
                let catalog = catalog.clone();
                async move {
                    let found = catalog.videos(&ids).await?;
                    Ok(found.into_iter().map(|(id, video)| (id, Arc::new(video))))
                }
            },
        );
        let client = clients.lists.clone();
        let lists = Loader::new(
            settings("lists", CATALOG_TTL, 1_000),
            move |_scope, ids: Vec<String>| {
                let client = client.clone();
                async move {
                    let found = client.lists(&ids).await?;
                    Ok(found.into_iter().map(|(id, list)| (id, Arc::new(list))))
                }
            },
        );
        let client = clients.lists.clone();
        let rows = Loader::new(
            settings("rows", USER_TTL, 10_000).user_scoped(),
            move |scope: Scope, _keys: Vec<()>| {
                let client = client.clone();
                async move {
                    let rows = client.rows(user_of(&scope)?).await?;
                    Ok([((), Arc::new(rows))])
                }
            },
        );
        let client = clients.ratings.clone();
        let ratings = Loader::new(
            settings("ratings", USER_TTL, 1_000_000).user_scoped(),
            move |scope: Scope, ids: Vec<u64>| {
                let client = client.clone();
                async move { client.ratings(user_of(&scope)?, &ids).await }
            },
        );
        let client = clients.my_list.clone();
        let my_list = Loader::new(
            settings("mylist", USER_TTL, 10_000).user_scoped(),
            move |scope: Scope, _keys: Vec<()>| {
                let client = client.clone();
                async move {
                    let videos = client.videos(user_of(&scope)?).await?;
                    Ok([((), Arc::new(videos))])
                }
            },
        );
        Loaders {
            videos,
            lists,
            rows,
            ratings,
            my_list,
            clients: clients.clone(),
        }
    }
}

impl Loaders {
    /// The same loaders over the shared Redis tier (see
    /// [`RedisTier`]): a value one instance fetched is read by the
    /// others, and writes update it. Only loaders whose cache is on use
    /// it.
    pub fn with_tier(self, tier: &RedisTier) -> Loaders {
        Loaders {
            videos: self.videos.with_tier(tier),
            lists: self.lists.with_tier(tier),
            rows: self.rows.with_tier(tier),
            ratings: self.ratings.with_tier(tier),
            my_list: self.my_list.with_tier(tier),
            clients: self.clients,
        }
    }

    /// The same loaders reporting their writes (and other instances'
    /// write notices) to `writes`, which the server's answer cache
    /// listens to (see [`peregrine::http::AnswerCache`]).
    pub fn with_writes(self, writes: &Writes) -> Loaders {
        Loaders {
            videos: self.videos.with_writes(writes),
            lists: self.lists.with_writes(writes),
            rows: self.rows.with_writes(writes),
            ratings: self.ratings.with_writes(writes),
            my_list: self.my_list.with_writes(writes),
            clients: self.clients,
        }
    }
}

/// The user a user-scoped load is for (the loader refuses the shared
/// scope before calling, so this only guards the impossible).
fn user_of(scope: &Scope) -> Result<&str, LoadError> {
    scope
        .user_id()
        .ok_or_else(|| LoadError::refused("a user-scoped load without a user"))
}

/// The request's loaders.
pub(crate) fn loaders(ctx: &Context) -> Result<&Loaders, HandlerError> {
    ctx.get::<Loaders>().ok_or_else(|| {
        tracing::error!("the request context holds no Loaders: build it with context_maker");
        HandlerError::new("the server is not set up to reach its backends")
    })
}

/// The signed-in user's scope, or the error value telling clients to sign
/// in to see `what`.
pub(crate) fn user_scope(ctx: &Context, what: &str) -> Result<Scope, HandlerError> {
    ctx.user()
        .map(Scope::user)
        .ok_or_else(|| HandlerError::new(format!("sign in to see {what}")))
}

/// A failed load as the error value clients see: the service and, in
/// general terms, why (the log has the call and its error); when the
/// service refused the call as wrong, its own reason.
pub(crate) fn unavailable(service: &str) -> impl Fn(LoadError) -> HandlerError + '_ {
    move |error| {
        tracing::debug!(service, %error, "answering an error value");
        HandlerError::new(error.for_clients(service))
    }
}

/// The path set of one path.
pub(crate) fn at<const N: usize>(keys: [Key; N]) -> PathSet {
    PathSet::new(keys.into_iter().map(KeySet::Key).collect())
}

/// A ref to `["videos", id]`.
pub(crate) fn video_ref(id: u64) -> Path {
    Path::from_iter([Key::from_static("videos"), number(id)])
}

/// A video id or an index as a key.
pub(crate) fn number(n: u64) -> Key {
    Key::from(i64::try_from(n).unwrap_or(i64::MAX))
}
