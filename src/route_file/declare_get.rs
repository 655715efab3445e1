//! From what a file says to a route that reads (a `get` of its own or a
//! `load` it names), with its set. Each check that fails answers an
//! [`Error`] placed in the file.

use std::time::Duration;

use toml::Spanned;

use crate::path::{KeyOrRange, KeySet, Matcher, Pattern};

use super::check::{kind, shape};
use super::declare::{named_load, parsed, read, Known, Names, ReadParts, YEAR};
use super::declare_write;
use super::error::{Error, ErrorKind, Source};
use super::format;
use super::item::Needs;
use super::read::Read;
use super::route::{pointers, Get, Kind, Spec};

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
    let pattern = parsed(source, &route.pattern)?;
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
            Some(declare_write::setter(
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
