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
    /// Batched reads that several routes answer from, by name.
    #[serde(default)]
    pub(super) loads: BTreeMap<String, Spanned<Load>>,
    /// Its routes, in order.
    #[serde(default)]
    pub(super) routes: Vec<Spanned<Route>>,
    /// Where every path no route serves goes (at most one in all files).
    pub(super) fallback: Option<Spanned<Fallback>>,
}

/// The fallback: a remote router answering every path no route serves.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Fallback {
    /// The remote router.
    pub(super) remote: Spanned<Remote>,
    /// `shared` or `user` (the default: a router's answers are taken for
    /// the signed-in user's unless said otherwise).
    pub(super) scope: Option<Spanned<String>>,
    /// How long its answers are cached, in seconds (default 0: not
    /// cached).
    pub(super) ttl_secs: Option<u64>,
    /// How many values (leaves) its cache holds at most (default 1,000,000).
    pub(super) max_entries: Option<u64>,
}

/// A remote Falcor router: a service and the path of its model.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Remote {
    /// The service's name, as in `[services.NAME]`.
    pub(super) service: Spanned<String>,
    /// The path of its `model.json` (default `/model.json`).
    pub(super) path: Option<Spanned<String>>,
}

/// What the calls to a service carry of the request's `Authorization`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub(super) enum Authorization {
    /// `forward` or `drop`.
    Mode(String),
    /// A fixed header: `{ fixed = "Bearer ${TOKEN}" }`.
    Fixed {
        /// The header's value; `${NAME}` expands an environment variable.
        fixed: String,
    },
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
    /// What a remote router's calls carry of the request's
    /// `Authorization`: `"forward"` (the default), `"drop"`, or
    /// `{ fixed = "..." }`.
    pub(super) authorization: Option<Spanned<Authorization>>,
    /// A private certificate authority (PEM) its `https://` URL is
    /// trusted by, beside the server's: a path relative to the file's
    /// directory; `${NAME}` expands.
    pub(super) ca_file: Option<Spanned<String>>,
}

/// A batched read that several routes answer from (`load = "NAME"`):
/// one call per batch answers all of them.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Load {
    /// The call, with `{ids}` for the ids of a batch (comma-separated);
    /// without `{ids}`, one item per scope (a user's rows, say).
    pub(super) get: Spanned<Get>,
    /// A JSON Pointer to the items in the answer (default `""`: the whole
    /// answer): an object by id, or, with `key`, an array.
    pub(super) items: Option<Spanned<String>>,
    /// With items in an array: the member of each item that holds its id.
    pub(super) key: Option<String>,
    /// `shared` (the default): the same for everyone; `user`: the
    /// signed-in user's, cached per user.
    pub(super) scope: Option<Spanned<String>>,
    /// How long answered items are cached, in seconds (default 0: not
    /// cached).
    pub(super) ttl_secs: Option<u64>,
    /// How many items are cached at most (default 10,000).
    pub(super) max_entries: Option<u64>,
    /// How many ids one call asks for at most (default 100).
    pub(super) max_batch: Option<usize>,
    /// The longest id asked of the service, in bytes (default 128): a
    /// longer one is not asked, and has no value.
    pub(super) max_id_bytes: Option<usize>,
}

/// A route: the paths it serves and the call that answers them.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Route {
    /// The route pattern, in path syntax with `{integers:name}`,
    /// `{ranges:name}` or `{keys:name}` at the position of the ids, and
    /// the fields at the last position; for a call, the function's path.
    pub(super) pattern: Spanned<String>,
    /// The batched read that answers it, its own.
    pub(super) get: Option<Spanned<Get>>,
    /// The batched read that answers it, a `[loads.NAME]` it shares.
    pub(super) load: Option<Spanned<String>>,
    /// With `get`, a JSON Pointer to the items in the answer (default `""`: the whole
    /// answer): an object by id, or, with `key`, an array.
    pub(super) items: Option<Spanned<String>>,
    /// With items in an array: the member of each item that holds its id.
    pub(super) key: Option<String>,
    /// `shared` (the default): the same for everyone; `user`: the
    /// signed-in user's, cached per user.
    pub(super) scope: Option<Spanned<String>>,
    /// How long answered items are cached, in seconds (default 0: not
    /// cached).
    pub(super) ttl_secs: Option<u64>,
    /// How many items are cached at most (default 10,000).
    pub(super) max_entries: Option<u64>,
    /// How many ids one call asks for at most (default 100).
    pub(super) max_batch: Option<usize>,
    /// The longest id asked of the service, in bytes (default 128): a
    /// longer one is not asked, and has no value.
    pub(super) max_id_bytes: Option<usize>,
    /// Where a field's value is in an item, when not in the member of its
    /// name: `{ field = "member" }`, a JSON Pointer (`"/a/b"`), or `""`
    /// for the item itself (an answer of id -> value).
    #[serde(default)]
    pub(super) fields: BTreeMap<String, String>,
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
    /// The write that sets the route's values (a Falcor `set`).
    pub(super) set: Option<Spanned<Set>>,
    /// The write a call makes: the route is the call (`myList.push`).
    pub(super) call: Option<Spanned<Call>>,
    /// A remote Falcor router that answers every path under the pattern
    /// (get, set and call).
    pub(super) remote: Option<Spanned<Remote>>,
}

/// A set: each value written by one call, then the value's cached item
/// dropped.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Set {
    /// The service's name, as in `[services.NAME]`.
    pub(super) service: Spanned<String>,
    /// `PUT`, `POST`, `PATCH` or `DELETE` (default: `PUT` for a set,
    /// `POST` for a call).
    pub(super) method: Option<Spanned<String>>,
    /// The path and query called, with placeholders.
    pub(super) path: Spanned<String>,
    /// The JSON body sent, its strings templates; none: no body.
    pub(super) body: Option<toml::Value>,
    /// A JSON Pointer to the stored value in the service's answer;
    /// default: the value sent. Where the answer has nothing, the path
    /// has no value (the service did not store it).
    pub(super) stored: Option<Spanned<String>>,
    /// The type a value must have: `number`, `integer`, `string`,
    /// `boolean` (default: any).
    #[serde(rename = "type")]
    pub(super) kind: Option<Spanned<String>>,
    /// The least number accepted.
    pub(super) min: Option<f64>,
    /// The greatest number accepted.
    pub(super) max: Option<f64>,
}

/// A call: its arguments checked, one write, the loads it changed
/// dropped, and what it returns.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Call {
    /// The service's name, as in `[services.NAME]`.
    pub(super) service: Spanned<String>,
    /// `PUT`, `POST`, `PATCH` or `DELETE` (default: `PUT` for a set,
    /// `POST` for a call).
    pub(super) method: Option<Spanned<String>>,
    /// The path and query called, with placeholders.
    pub(super) path: Spanned<String>,
    /// The JSON body sent, its strings templates; none: no body.
    pub(super) body: Option<toml::Value>,
    /// The arguments it takes, each `ref`, `integer`, `number`, `string`,
    /// `boolean` or `any`, or `{ type, about }` with words for refusals.
    #[serde(default)]
    pub(super) arguments: Vec<Argument>,
    /// Before writing: an item that must exist, read through a load.
    pub(super) requires: Option<Spanned<Requires>>,
    /// The loads whose cached items (in the call's scope) it drops: each
    /// a load's name (its one item) or `{ load, id }`.
    #[serde(default)]
    pub(super) drops: Vec<Spanned<Drop>>,
    /// The path values it answers: `{ path = [keys], value = template }`.
    #[serde(default)]
    pub(super) returns: Vec<Spanned<Return>>,
    /// Paths the client must forget, as key templates; `{ from, to }` is
    /// a range.
    #[serde(default)]
    pub(super) invalidates: Vec<Spanned<Vec<toml::Value>>>,
}

/// An argument a call takes.
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub(super) enum Argument {
    /// Its type alone.
    Type(String),
    /// Its type, and what it is in words (`"an index"`).
    About {
        /// Its type.
        #[serde(rename = "type")]
        kind: String,
        /// What it is, for refusals.
        about: String,
    },
}

impl Argument {
    /// Its type and, if given, its words.
    pub(super) fn parts(&self) -> (&str, Option<&str>) {
        match self {
            Argument::Type(kind) => (kind, None),
            Argument::About { kind, about } => (kind, Some(about)),
        }
    }
}

/// An item a call needs before it writes.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Requires {
    /// The load that reads it.
    pub(super) load: String,
    /// Its id, a template.
    pub(super) id: String,
}

/// A load's cached item a call drops.
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub(super) enum Drop {
    /// The one item of a load without ids.
    Whole(String),
    /// The item of `id` (a template) of a load by id.
    Item {
        /// The load.
        load: String,
        /// The id, a template.
        id: String,
    },
}

/// A path value a call answers.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Return {
    /// The path, as key templates.
    pub(super) path: Vec<toml::Value>,
    /// The value, a template (`"{answer/length}"`, `"{args/0}"`).
    pub(super) value: String,
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
