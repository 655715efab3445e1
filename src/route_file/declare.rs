//! From what a file says to what the server runs: a read (a load's, or a
//! route's own `get`), a route answering from it and its set. Each check
//! that fails answers an [`Error`] placed in the file. Calls are in
//! `declare_call.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use http::Method;
use toml::Spanned;

use crate::path::{KeyOrRange, KeySet, Matcher, Pattern};

use super::check::{kind, shape};
use super::error::{Error, ErrorKind, Source};
use super::fill::{Fill, Root};
use super::format;
use super::item::Needs;
use super::live::Sources;
use super::read::{self, Read};
use super::route::{pointers, Get, Kind, Spec};
use super::service::Service;
use super::template::{expand_environment, Template};
use super::write::{Accepts, Body, SetInner, Setter, Writer};

/// A year: longer would overflow the cache's expiry arithmetic, and no
/// value is right for that long.
const YEAR: u64 = 365 * 24 * 3600;

/// What routes are declared against: the services and loads that
/// loaded, and the names of those refused (whose users are not refused
/// again for them).
pub(super) struct Known<'a> {
    pub(super) services: &'a BTreeMap<String, (Service, Source)>,
    pub(super) loads: &'a BTreeMap<String, Read>,
    pub(super) refused: &'a std::collections::BTreeSet<String>,
    pub(super) sources: &'a Sources,
}

/// A read's loader's names: in metrics, logs and traces, and in the
/// Redis tier (with a hash of its declaration: see
/// [`read::Spec::tier_key`]).
pub(super) struct Names {
    pub(super) name: String,
    pub(super) tier_key: String,
}

/// A read as a load or a route declares it.
pub(super) struct ReadParts<'a> {
    pub(super) get: &'a Spanned<format::Get>,
    pub(super) items: &'a Option<Spanned<String>>,
    pub(super) key: &'a Option<String>,
    pub(super) scope: &'a Option<Spanned<String>>,
    pub(super) ttl_secs: Option<u64>,
    pub(super) max_entries: Option<u64>,
    pub(super) max_batch: Option<usize>,
    pub(super) max_id_bytes: Option<usize>,
}

impl<'a> ReadParts<'a> {
    /// A load's.
    pub(super) fn of_load(load: &'a format::Load) -> ReadParts<'a> {
        ReadParts {
            get: &load.get,
            items: &load.items,
            key: &load.key,
            scope: &load.scope,
            ttl_secs: load.ttl_secs,
            max_entries: load.max_entries,
            max_batch: load.max_batch,
            max_id_bytes: load.max_id_bytes,
        }
    }
}

/// The service `name`, or the refusal naming the declared ones.
pub(super) fn service<'a>(
    source: &Source,
    name: &Spanned<String>,
    known: &'a Known<'_>,
) -> Result<&'a Service, Error> {
    known
        .services
        .get(name.get_ref())
        .map(|(service, _)| service)
        .ok_or_else(|| {
            let declared: Vec<&str> = known.services.keys().map(String::as_str).collect();
            source.error(
                ErrorKind::Service,
                name.span().start,
                format!(
                    "no file declares the service `{}` (declared: {})",
                    name.get_ref(),
                    list(&declared)
                ),
            )
        })
}

/// Whether `scope` says the user's (`user`) or everyone's (`shared`,
/// the default).
pub(super) fn is_user(source: &Source, scope: &Option<Spanned<String>>) -> Result<bool, Error> {
    match scope
        .as_ref()
        .map(|scope| (scope.get_ref().as_str(), scope))
    {
        None | Some(("shared", _)) => Ok(false),
        Some(("user", _)) => Ok(true),
        Some((other, scope)) => Err(source.error(
            ErrorKind::Value,
            scope.span().start,
            format!("`scope` is \"shared\" or \"user\", not {other:?}"),
        )),
    }
}

/// The read `parts` declare, named `names`; `ids` is the name its path
/// calls the ids of a batch by.
pub(super) fn read(
    source: &Source,
    at: usize,
    parts: &ReadParts<'_>,
    known: &Known<'_>,
    names: Names,
    ids: Option<&str>,
    needs: Needs,
) -> Result<Read, Error> {
    if parts.ttl_secs.is_some_and(|secs| secs > YEAR) {
        return Err(source.error(
            ErrorKind::Value,
            at,
            "`ttl_secs` is at most a year (31536000)",
        ));
    }
    if parts.max_batch == Some(0) {
        return Err(source.error(ErrorKind::Value, at, "`max_batch` must be more than 0"));
    }
    let user = is_user(source, parts.scope)?;
    let get = parts.get.get_ref();
    let service = service(source, &get.service, known)?;
    let path = template(source, &get.path, ids, user)?;
    let items = pointer(source, parts.items, "items")?;
    Ok(Read::new(
        read::Spec {
            name: names.name,
            tier_key: names.tier_key,
            service: service.clone(),
            path,
            user,
            items,
            key: parts.key.clone(),
            needs,
            ttl: Duration::from_secs(parts.ttl_secs.unwrap_or(0)),
            max_entries: parts.max_entries.unwrap_or(10_000),
            max_batch: parts.max_batch.unwrap_or(100).max(1),
            max_id_bytes: parts.max_id_bytes.unwrap_or(128),
        },
        known.sources,
    ))
}

/// A read's path, its placeholders checked and its variables expanded.
fn template(
    source: &Source,
    path: &Spanned<String>,
    ids: Option<&str>,
    user: bool,
) -> Result<Template, Error> {
    let span = path.span();
    let text = path.get_ref();
    expand_environment(text).map_err(|unknown| environment(source, &span, &unknown))?;
    let template = Template::parse(text, ids, user).map_err(|unknown| {
        let can = match (ids, user) {
            (Some(ids), true) => format!("`{{{ids}}}` and `{{user}}`"),
            (Some(ids), false) => format!("`{{{ids}}}`"),
            (None, true) => "`{user}`".to_string(),
            (None, false) => "none (its pattern has no ids)".to_string(),
        };
        let message = match unknown.name.as_str() {
            "user" => "`{user}` is the signed-in user's id, for a route with `scope = \"user\"`"
                .to_string(),
            name => format!("`{{{name}}}` is not a placeholder of this route: it has {can}"),
        };
        source.error_in(ErrorKind::Placeholder, &span, unknown.offset, message)
    })?;
    template
        .expand_environment()
        .map_err(|unknown| environment(source, &span, &unknown))
}

/// The refusal of an unset environment variable.
pub(super) fn environment(
    source: &Source,
    span: &std::ops::Range<usize>,
    unknown: &super::template::Unknown,
) -> Error {
    source.error_in(
        ErrorKind::Environment,
        span,
        unknown.offset,
        format!("the environment variable `{}` is not set", unknown.name),
    )
}

/// A JSON Pointer member (default `""`), checked.
pub(super) fn pointer(
    source: &Source,
    pointer: &Option<Spanned<String>>,
    member: &str,
) -> Result<String, Error> {
    let Some(pointer) = pointer else {
        return Ok(String::new());
    };
    let text = pointer.get_ref();
    if text.is_empty() || text.starts_with('/') {
        return Ok(text.clone());
    }
    Err(source.error(
        ErrorKind::Value,
        pointer.span().start,
        format!("`{member}` is a JSON Pointer, \"\" or starting with `/`, not {text:?}"),
    ))
}

/// The route `declared` reads for (not a call), with its set.
pub(super) fn get(
    source: &Source,
    declared: &Spanned<format::Route>,
    known: &Known<'_>,
    names: Names,
) -> Result<Get, Error> {
    let at = declared.span().start;
    let route = declared.get_ref();
    if route.expires_secs.is_some_and(|secs| secs > YEAR) {
        return Err(source.error(
            ErrorKind::Value,
            at,
            "`expires_secs` is at most a year (31536000)",
        ));
    }
    let pattern_span = route.pattern.span();
    let text = route.pattern.get_ref();
    let pattern = Pattern::parse(text).map_err(|error| {
        source.error_in(
            ErrorKind::Pattern,
            &pattern_span,
            error.offset(),
            error.to_string(),
        )
    })?;
    let (prefix, ids, last) =
        shape(&pattern).map_err(|why| source.error(ErrorKind::Pattern, pattern_span.start, why))?;
    let kind = kind(route, &last).map_err(|why| source.error(ErrorKind::Value, at, why))?;
    let fields = field_names(&last);
    let renamed: Vec<(String, String)> = route.fields.clone().into_iter().collect();
    let own = pointers(&kind, &fields, &renamed);
    let needs = Needs::of(own.iter().map(|(_, pointer)| pointer.as_str()));
    let read = route_read(source, declared, known, names, ids.as_deref(), needs)?;
    if read.is_by_id() != ids.is_some() {
        let why = match ids {
            Some(_) => "its pattern has ids, but its read's path has no `{ids}`: give the path the ids, or the pattern none",
            None => "its read's path has `{ids}`, but its pattern has no ids token before the last position",
        };
        return Err(source.error(ErrorKind::Pattern, pattern_span.start, why));
    }
    let expires = route.expires_secs.map(Duration::from_secs);
    let set = match &route.set {
        None => None,
        Some(set) if matches!(kind, Kind::Fields) => {
            let id_at = ids.as_ref().map(|_| prefix.len());
            Some(setter(
                source,
                set,
                known,
                &read,
                ids.as_deref(),
                id_at,
                expires,
            )?)
        }
        Some(set) => {
            return Err(source.error(
                ErrorKind::Value,
                set.span().start,
                "only a route that answers fields can be set, not a `list` or a `length`",
            ))
        }
    };
    Ok(Get::new(Spec {
        pattern: text.clone(),
        prefix,
        ids,
        fields,
        renamed,
        kind,
        expires,
        read,
        set,
    }))
}

/// The fields a route's last position names, as text.
fn field_names(last: &Matcher) -> Vec<String> {
    match last {
        Matcher::KeySet(KeySet::Key(key)) => vec![key.to_string()],
        Matcher::KeySet(KeySet::List(keys)) => keys
            .iter()
            .filter_map(|key| match key {
                KeyOrRange::Key(key) => Some(key.to_string()),
                KeyOrRange::Range(_) => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What `route` reads of each item (JSON Pointers from the item), for
/// the needs of the load it names; none if it cannot be served (its
/// refusal comes when it is declared).
pub(super) fn route_pointers(route: &format::Route) -> Vec<String> {
    let Ok(pattern) = Pattern::parse(route.pattern.get_ref()) else {
        return Vec::new();
    };
    let Ok((_, _, last)) = shape(&pattern) else {
        return Vec::new();
    };
    let Ok(kind) = kind(route, &last) else {
        return Vec::new();
    };
    let renamed: Vec<(String, String)> = route.fields.clone().into_iter().collect();
    pointers(&kind, &field_names(&last), &renamed)
        .into_iter()
        .map(|(_, pointer)| pointer)
        .collect()
}

/// A route's read: its own `get`, or the load it names.
fn route_read(
    source: &Source,
    declared: &Spanned<format::Route>,
    known: &Known<'_>,
    names: Names,
    ids: Option<&str>,
    needs: Needs,
) -> Result<Read, Error> {
    let at = declared.span().start;
    let route = declared.get_ref();
    match (&route.get, &route.load) {
        (Some(get), None) => {
            let parts = ReadParts {
                get,
                items: &route.items,
                key: &route.key,
                scope: &route.scope,
                ttl_secs: route.ttl_secs,
                max_entries: route.max_entries,
                max_batch: route.max_batch,
                max_id_bytes: route.max_id_bytes,
            };
            read(source, at, &parts, known, names, ids, needs)
        }
        (None, Some(load)) => {
            let own = [
                (route.items.is_some(), "items"),
                (route.key.is_some(), "key"),
                (route.scope.is_some(), "scope"),
                (route.ttl_secs.is_some(), "ttl_secs"),
                (route.max_entries.is_some(), "max_entries"),
                (route.max_batch.is_some(), "max_batch"),
                (route.max_id_bytes.is_some(), "max_id_bytes"),
            ];
            if let Some((_, member)) = own.iter().find(|(set, _)| *set) {
                return Err(source.error(
                    ErrorKind::Value,
                    at,
                    format!(
                        "`{member}` belongs to the load `{}`, not to a route that names it",
                        load.get_ref()
                    ),
                ));
            }
            named_load(source, load, known).cloned()
        }
        (Some(_), Some(_)) => Err(source.error(
            ErrorKind::Value,
            at,
            "a route reads with its own `get` or a shared `load`, not both",
        )),
        (None, None) => Err(source.error(
            ErrorKind::Value,
            at,
            "a route needs a `get` (its own read), a `load` (a shared one) or a `call`",
        )),
    }
}

/// The load `name`, or the refusal naming the declared ones.
pub(super) fn named_load<'a>(
    source: &Source,
    name: &Spanned<String>,
    known: &'a Known<'_>,
) -> Result<&'a Read, Error> {
    known.loads.get(name.get_ref()).ok_or_else(|| {
        let declared: Vec<&str> = known.loads.keys().map(String::as_str).collect();
        source.error(
            ErrorKind::Load,
            name.span().start,
            format!(
                "no file declares the load `{}` (declared: {})",
                name.get_ref(),
                list(&declared)
            ),
        )
    })
}

/// A route's set.
fn setter(
    source: &Source,
    declared: &Spanned<format::Set>,
    known: &Known<'_>,
    read: &Read,
    ids: Option<&str>,
    id_at: Option<usize>,
    expires: Option<Duration>,
) -> Result<Setter, Error> {
    let set = declared.get_ref();
    let mut roots = vec![Root::Value];
    roots.extend(read.is_user().then_some(Root::User));
    roots.extend(ids.map(|_| Root::Id));
    let parts = WriteParts {
        service: &set.service,
        method: &set.method,
        path: &set.path,
        body: &set.body,
        default: Method::PUT,
    };
    let writer = writer(source, declared.span().start, &parts, known, &roots, ids)?;
    let kind = set.kind.as_ref().map(|kind| kind.get_ref().clone());
    if let (Some(text), Some(kind)) = (&kind, &set.kind) {
        if !["number", "integer", "string", "boolean"].contains(&text.as_str()) {
            return Err(source.error(
                ErrorKind::Value,
                kind.span().start,
                format!(
                    "`type` is \"number\", \"integer\", \"string\" or \"boolean\", not {text:?}"
                ),
            ));
        }
    }
    Ok(Setter::new(SetInner {
        writer,
        stored: set
            .stored
            .as_ref()
            .map(|_| pointer(source, &set.stored, "stored"))
            .transpose()?,
        accepts: Accepts {
            kind,
            min: set.min,
            max: set.max,
        },
        id_at,
        read: read.clone(),
        expires,
    }))
}

/// A write as a set or a call declares it; `default` is its method when
/// it names none.
pub(super) struct WriteParts<'a> {
    pub(super) service: &'a Spanned<String>,
    pub(super) method: &'a Option<Spanned<String>>,
    pub(super) path: &'a Spanned<String>,
    pub(super) body: &'a Option<toml::Value>,
    pub(super) default: Method,
}

/// The write `parts` declare, its templates reading `roots`.
pub(super) fn writer(
    source: &Source,
    at: usize,
    parts: &WriteParts<'_>,
    known: &Known<'_>,
    roots: &[Root],
    ids: Option<&str>,
) -> Result<Writer, Error> {
    let service = service(source, parts.service, known)?.clone();
    let method = match parts.method {
        None => parts.default.clone(),
        Some(method) => match method.get_ref().to_ascii_uppercase().as_str() {
            "PUT" => Method::PUT,
            "POST" => Method::POST,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            other => {
                return Err(source.error(
                    ErrorKind::Value,
                    method.span().start,
                    format!("`method` is PUT, POST, PATCH or DELETE, not {other:?}"),
                ))
            }
        },
    };
    let span = parts.path.span();
    let path = Fill::parse(parts.path.get_ref(), roots, ids)
        .map_err(|unknown| placeholder(source, &span, &unknown, roots, ids))?
        .expand_environment()
        .map_err(|unknown| environment(source, &span, &unknown))?;
    let body = parts
        .body
        .as_ref()
        .map(|body| body_of(body, roots, ids))
        .transpose()
        .map_err(|unknown| {
            source.error(
                ErrorKind::Placeholder,
                at,
                placeholder_message(&unknown.name, roots, ids),
            )
        })?;
    Ok(Writer {
        service,
        method,
        path,
        body,
    })
}

/// A body's TOML as a template.
fn body_of(
    value: &toml::Value,
    roots: &[Root],
    ids: Option<&str>,
) -> Result<Body, super::template::Unknown> {
    Ok(match value {
        toml::Value::String(text) => Body::Fill(Fill::parse(text, roots, ids)?),
        toml::Value::Array(items) => Body::Array(
            items
                .iter()
                .map(|item| body_of(item, roots, ids))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(members) => Body::Object(
            members
                .iter()
                .map(|(name, member)| Ok((name.clone(), body_of(member, roots, ids)?)))
                .collect::<Result<_, _>>()?,
        ),
        other => Body::Fixed(serde_json::to_value(other).unwrap_or(serde_json::Value::Null)),
    })
}

/// The refusal of a placeholder a write's template cannot have.
pub(super) fn placeholder(
    source: &Source,
    span: &std::ops::Range<usize>,
    unknown: &super::template::Unknown,
    roots: &[Root],
    ids: Option<&str>,
) -> Error {
    let message = placeholder_message(&unknown.name, roots, ids);
    source.error_in(ErrorKind::Placeholder, span, unknown.offset, message)
}

fn placeholder_message(name: &str, roots: &[Root], ids: Option<&str>) -> String {
    let can: Vec<String> = roots
        .iter()
        .map(|root| match root {
            Root::User => "`{user}`".to_string(),
            Root::Value => "`{value}`".to_string(),
            Root::Id => format!("`{{{}}}`", ids.unwrap_or("ids")),
            Root::Args => "`{args/N}`".to_string(),
            Root::Answer => "`{answer/...}`".to_string(),
        })
        .collect();
    format!(
        "`{{{name}}}` is not a placeholder here: it can have {}",
        can.join(", ")
    )
}

/// `names` for a message: `a`, `b` or `none`.
pub(super) fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
