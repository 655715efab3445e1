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
    let expires = expiry(source, at, route)?;
    let pattern_at = route.pattern.span().start;
    let pattern = parsed(source, &route.pattern)?;
    let (prefix, ids, last) =
        shape(&pattern).map_err(|why| source.error(ErrorKind::Pattern, pattern_at, why))?;
    let kind = kind(route, &last).map_err(|why| source.error(ErrorKind::Value, at, why))?;
    let fields = field_names(&last);
    let renamed: Vec<(String, String)> = route.fields.clone().into_iter().collect();
    let own = pointers(&kind, &fields, &renamed);
    let needs = Needs::of(own.iter().map(|(_, pointer)| pointer.as_str()));
    let read = route_read(source, declared, known, names, ids.as_deref(), needs)?;
    ids_agree(source, pattern_at, &read, ids.as_deref())?;
    only_fields_are_set(source, route, &kind)?;
    let id_at = ids.as_ref().map(|_| prefix.len());
    let set = route
        .set
        .as_ref()
        .map(|set| declare_write::setter(source, set, known, &read, ids.as_deref(), id_at, expires))
        .transpose()?;
    Ok(Get::new(Spec {
        pattern: route.pattern.get_ref().clone(),
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

/// How long the route's values stay true (`expires_secs`), at most a year.
fn expiry(source: &Source, at: usize, route: &format::Route) -> Result<Option<Duration>, Error> {
    match route.expires_secs {
        Some(secs) if secs > YEAR => Err(source.error(
            ErrorKind::Value,
            at,
            "`expires_secs` is at most a year (31536000)",
        )),
        secs => Ok(secs.map(Duration::from_secs)),
    }
}

/// Refuses a pattern and a read that disagree on whether the route is
/// by id: ids in the pattern need `{ids}` in the read's path, and the
/// other way round.
fn ids_agree(
    source: &Source,
    pattern_at: usize,
    read: &Read,
    ids: Option<&str>,
) -> Result<(), Error> {
    if read.is_by_id() == ids.is_some() {
        return Ok(());
    }
    let why = match ids {
        Some(_) => "its pattern has ids, but its read's path has no `{ids}`: give the path the ids, or the pattern none",
        None => "its read's path has `{ids}`, but its pattern has no ids token before the last position",
    };
    Err(source.error(ErrorKind::Pattern, pattern_at, why))
}

/// Refuses a `set` on a route that answers a list or a length: only a
/// route's fields can be written.
fn only_fields_are_set(source: &Source, route: &format::Route, kind: &Kind) -> Result<(), Error> {
    match &route.set {
        Some(set) if !matches!(kind, Kind::Fields) => Err(source.error(
            ErrorKind::Value,
            set.span().start,
            "only a route that answers fields can be set, not a `list` or a `length`",
        )),
        _ => Ok(()),
    }
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
