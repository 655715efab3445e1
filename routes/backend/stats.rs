//! What `GET /_stats` reports: calls received per route and the ids they
//! asked for, since start or the last `POST /_stats/reset`.
//!
//! Counters are atomics, one pair per route, so counting never takes a
//! lock on the path of a call.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// A route of the four services, as `/_stats` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    GetVideos,
    GetRows,
    GetLists,
    GetRatings,
    PutRatings,
    GetMyList,
    PostMyList,
    DeleteMyList,
}

impl Route {
    const ALL: [Route; 8] = [
        Route::GetVideos,
        Route::GetRows,
        Route::GetLists,
        Route::GetRatings,
        Route::PutRatings,
        Route::GetMyList,
        Route::PostMyList,
        Route::DeleteMyList,
    ];

    /// The key of this route in `/_stats`: method and path.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Route::GetVideos => "GET /videos",
            Route::GetRows => "GET /rows",
            Route::GetLists => "GET /lists",
            Route::GetRatings => "GET /ratings",
            Route::PutRatings => "PUT /ratings",
            Route::GetMyList => "GET /mylist",
            Route::PostMyList => "POST /mylist",
            Route::DeleteMyList => "DELETE /mylist",
        }
    }
}

/// The counters of every route.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    calls: [AtomicU64; Route::ALL.len()],
    items: [AtomicU64; Route::ALL.len()],
}

/// The answer of `GET /_stats`: every route, including those not called.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    calls: BTreeMap<&'static str, u64>,
    items: BTreeMap<&'static str, u64>,
}

impl Stats {
    /// Counts one call of `route`.
    pub(crate) fn call(&self, route: Route) {
        self.calls[route as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `items` ids asked for by a call of `route`.
    pub(crate) fn items(&self, route: Route, items: usize) {
        self.items[route as usize].fetch_add(items as u64, Ordering::Relaxed);
    }

    /// The counts as they are now.
    pub(crate) fn report(&self) -> Report {
        let read = |counters: &[AtomicU64; Route::ALL.len()]| {
            Route::ALL
                .iter()
                .map(|&route| {
                    let count = counters[route as usize].load(Ordering::Relaxed);
                    (route.name(), count)
                })
                .collect()
        };
        Report {
            calls: read(&self.calls),
            items: read(&self.items),
        }
    }

    /// Zeroes every counter.
    pub(crate) fn reset(&self) {
        for counter in self.calls.iter().chain(&self.items) {
            counter.store(0, Ordering::Relaxed);
        }
    }
}
