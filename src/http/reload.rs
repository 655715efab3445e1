//! `Reload`: what a running server serves (its router, and the GraphQL
//! over it), replaced whole while it serves.
//!
//! Each request takes the current pair once, when it starts, and runs
//! wholly on it: a replacement never changes a request in flight, and
//! the old pair lives until the last request using it ends.

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::graphql::GraphQl;
use crate::router::Router;

/// A handle to what a server serves; clones share it. Give one to the
/// server in [`Config::reload`](super::Config::reload), keep a clone, and
/// [`replace`](Reload::replace) the router when its routes change.
#[derive(Clone)]
pub struct Reload {
    current: Arc<ArcSwap<Served>>,
}

/// One router and the GraphQL over it, as a request sees them.
#[derive(Debug)]
pub struct Served {
    /// The router.
    pub router: Router,
    /// GraphQL over the router, if served.
    pub graphql: Option<GraphQl>,
}

impl Reload {
    /// A handle serving `router` and `graphql`.
    pub fn new(router: Router, graphql: Option<GraphQl>) -> Reload {
        Reload {
            current: Arc::new(ArcSwap::from_pointee(Served { router, graphql })),
        }
    }

    /// Serves `router` and `graphql` from now on: requests that start
    /// later run on them; requests in flight finish on what they began
    /// with.
    pub fn replace(&self, router: Router, graphql: Option<GraphQl>) {
        self.current.store(Arc::new(Served { router, graphql }));
    }

    /// What is served now.
    pub fn current(&self) -> Arc<Served> {
        self.current.load_full()
    }
}

impl fmt::Debug for Reload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reload").finish_non_exhaustive()
    }
}
