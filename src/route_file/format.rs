//! The route file format, as read from TOML: what a team writes. Every
//! table refuses members it does not know, so a misspelt setting is an
//! error at its line, not a setting silently ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// One route file: its services and its routes.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct File {
    /// The backend services its routes call, by name.
    #[serde(default)]
    pub(super) services: BTreeMap<String, Spanned<Service>>,
    /// Its routes, in order.
    #[serde(default)]
    pub(super) routes: Vec<Spanned<Route>>,
}

/// A backend service: where it is and how it is guarded. The guard
/// settings default to the built-in services' (see
/// [`crate::upstream::Settings`]).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Service {
    /// Its base URL, `http://host[:port][/path]`; `${NAME}` expands an
    /// environment variable.
    pub(super) url: Spanned<String>,
    /// How long one attempt may take, in milliseconds.
    pub(super) timeout_ms: Option<u64>,
    /// How many calls may be in flight to it at once.
    pub(super) max_concurrent: Option<usize>,
    /// How many times a failed read is tried again.
    pub(super) retries: Option<u32>,
    /// How many calls in the breaker's window open it, at least.
    pub(super) breaker_min_calls: Option<u32>,
    /// The share of failed calls in the window that opens the breaker.
    pub(super) breaker_failure_ratio: Option<f64>,
    /// The breaker's window, in seconds.
    pub(super) breaker_window_secs: Option<u64>,
    /// How long the breaker stays open before a trial call, in
    /// milliseconds.
    pub(super) breaker_open_ms: Option<u64>,
    /// The most bytes one answer may have (default 8 MiB): a larger one is
    /// refused, so one service cannot exhaust the server's memory.
    pub(super) max_answer_bytes: Option<usize>,
}

/// A route: the paths it serves and the call that answers them.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Route {
    /// The route pattern, in path syntax with `{integers:name}`,
    /// `{ranges:name}` or `{keys:name}` at the position of the ids, and
    /// the fields at the last position.
    pub(super) pattern: Spanned<String>,
    /// The batched read that answers it.
    pub(super) get: Spanned<Get>,
    /// A JSON Pointer to the items in the answer (default `""`: the whole
    /// answer): an object by id, or, with `key`, an array.
    pub(super) items: Option<Spanned<String>>,
    /// With items in an array: the member of each item that holds its id.
    pub(super) key: Option<String>,
    /// Where a field's value is in an item, when not in the member of its
    /// name: `{ field = "member" }`, a JSON Pointer (`"/a/b"`), or `""`
    /// for the item itself (an answer of id -> value).
    #[serde(default)]
    pub(super) fields: BTreeMap<String, String>,
    /// `shared` (the default): the same for everyone; `user`: the
    /// signed-in user's, cached per user.
    pub(super) scope: Option<Spanned<String>>,
    /// How long answered items are cached, in seconds (default 0: not
    /// cached).
    #[serde(default)]
    pub(super) ttl_secs: u64,
    /// With `ref`: a JSON Pointer, in each item, to an array whose
    /// elements the route answers as refs, by index (the pattern ends in
    /// `[{integers:indices}]`).
    pub(super) list: Option<Spanned<String>>,
    /// With `list`: where each element's ref points, as keys, `"{value}"`
    /// standing for the element: `["videos", "{value}"]`.
    #[serde(rename = "ref")]
    pub(super) reference: Option<Spanned<Vec<String>>>,
    /// A JSON Pointer, in each item, to an array whose length the route
    /// answers (the pattern ends in one key, such as `length`).
    pub(super) length: Option<Spanned<String>>,
    /// How long a client may keep the values answered, in seconds: they
    /// carry `$expires` of minus that many milliseconds (relative to when
    /// the client receives them). Default none: kept until the client's
    /// own policy drops them.
    pub(super) expires_secs: Option<u64>,
    /// How many items are cached at most (default 10,000).
    pub(super) max_entries: Option<u64>,
    /// How many ids one call asks for at most (default 100).
    pub(super) max_batch: Option<usize>,
}

/// A read: a service and the path called on it.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Get {
    /// The service's name, as in `[services.NAME]`.
    pub(super) service: Spanned<String>,
    /// The path and query called, with `{name}` for the ids of a batch
    /// (comma-separated) and `{user}` for the signed-in user.
    pub(super) path: Spanned<String>,
}
