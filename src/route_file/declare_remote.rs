//! From what a file says to a remote Falcor router: a route's `remote =
//! { service, path }`, or the `[fallback]`. Each check that fails answers
//! an [`Error`] placed in the file.

use std::collections::BTreeMap;
use std::time::Duration;

use toml::Spanned;

use super::cached::Spec;
use super::declare::{is_user_or, parsed, service, Known, YEAR};
use super::error::{Error, ErrorKind, Source};
use super::format;
use super::format::File;
use super::load::{printed, Loaded, Table};
use super::remote::{Remote, Routed};
use super::Routed as Routable;

/// The most values (leaves) a remote route caches, by default: a
/// thousand users' home screens of 420 values each, twice over (about 80
/// bytes a value).
const MAX_VALUES: u64 = 1_000_000;

/// What a remote is declared with, by a route or the fallback.
pub(super) struct RemoteParts<'a> {
    pub(super) remote: &'a Spanned<format::Remote>,
    pub(super) scope: &'a Option<Spanned<String>>,
    pub(super) ttl_secs: Option<u64>,
    pub(super) max_entries: Option<u64>,
}

/// The remote route `declared` (it has a `remote`): its pattern checked,
/// nothing else that a route of its own would read.
pub(super) fn route(
    source: &Source,
    declared: &Spanned<format::Route>,
    remote: &Spanned<format::Remote>,
    known: &Known<'_>,
    name: String,
) -> Result<Remote, Error> {
    let at = declared.span().start;
    let route = declared.get_ref();
    let own = [
        (route.get.is_some(), "get"),
        (route.load.is_some(), "load"),
        (route.set.is_some(), "set"),
        (route.call.is_some(), "call"),
        (route.list.is_some(), "list"),
        (route.length.is_some(), "length"),
        (!route.fields.is_empty(), "fields"),
        (route.items.is_some(), "items"),
        (route.key.is_some(), "key"),
        (route.max_batch.is_some(), "max_batch"),
        (route.max_id_bytes.is_some(), "max_id_bytes"),
        (route.expires_secs.is_some(), "expires_secs"),
    ];
    if let Some((_, member)) = own.iter().find(|(set, _)| *set) {
        return Err(source.error(
            ErrorKind::Value,
            at,
            format!(
                "a route with a `remote` is answered by that router alone: `{member}` is for a \
                 route that calls a service itself (a remote route takes `pattern`, `remote`, \
                 `scope`, `ttl_secs` and `max_entries`)"
            ),
        ));
    }
    parsed(source, &route.pattern)?;
    let parts = RemoteParts {
        remote,
        scope: &route.scope,
        ttl_secs: route.ttl_secs,
        max_entries: route.max_entries,
    };
    declare(source, &parts, known, name)
}

/// The remote `parts` declare, its cache named `name`.
pub(super) fn declare(
    source: &Source,
    parts: &RemoteParts<'_>,
    known: &Known<'_>,
    name: String,
) -> Result<Remote, Error> {
    let declared = parts.remote.get_ref();
    let service = service(source, &declared.service, known)?;
    let path = match &declared.path {
        None => "/model.json".to_owned(),
        Some(path) if path.get_ref().starts_with('/') => path.get_ref().clone(),
        Some(path) => {
            return Err(source.error(
                ErrorKind::Value,
                path.span().start,
                format!(
                    "the remote's `path` starts with `/`: \"/{}\"",
                    path.get_ref()
                ),
            ))
        }
    };
    // A router's answers may be anyone's: shared only when said.
    let user = is_user_or(source, parts.scope, true)?;
    let remote = Remote::new(service.clone(), path, user);
    let ttl = parts.ttl_secs.unwrap_or(0);
    if ttl > YEAR {
        return Err(source.error(
            ErrorKind::Value,
            parts.remote.span().start,
            "`ttl_secs` is at most a year (31536000)",
        ));
    }
    if ttl == 0 {
        return Ok(remote);
    }
    let spec = Spec {
        name,
        user,
        ttl: Duration::from_secs(ttl),
        max_values: parts.max_entries.unwrap_or(MAX_VALUES),
    };
    Ok(remote.cached(spec, known.sources))
}

/// The `[fallback]`, if a file has one: at most one in all the files.
/// One declared as before is kept, with its cache.
pub(super) fn fallback(
    parsed: &[(Source, File)],
    known: &Known<'_>,
    texts: &BTreeMap<String, String>,
    previous: Option<&Table>,
    errors: &mut Vec<Error>,
) -> Option<Loaded> {
    let mut found: Option<Loaded> = None;
    for (source, file) in parsed {
        let Some(declared) = &file.fallback else {
            continue;
        };
        let offset = declared.span().start;
        if let Some(first) = &found {
            errors.push(source.error(
                ErrorKind::Collision,
                offset,
                format!(
                    "a second `[fallback]`: every path no route serves goes to one place, \
                     and {} has it",
                    first.source.place(first.offset)
                ),
            ));
            continue;
        }
        let fallback = declared.get_ref();
        let service = fallback.remote.get_ref().service.get_ref();
        let identity = [
            printed(fallback),
            texts
                .get(&format!("service {service}"))
                .cloned()
                .unwrap_or_default(),
        ]
        .join("\n");
        let kept = previous
            .into_iter()
            .flat_map(|table| &table.routes)
            .find(|loaded| loaded.identity == identity);
        let route = match kept {
            Some(kept) => Ok((kept.route.clone(), true)),
            None => fallback_route(source, fallback, known).map(|route| (route, false)),
        };
        match route {
            Ok((route, kept)) => {
                found = Some(Loaded {
                    route,
                    source: source.clone(),
                    offset,
                    identity,
                    kept,
                })
            }
            Err(error) if known.refused.contains(&format!("service {service}")) => drop(error),
            Err(error) => errors.push(error),
        }
    }
    found
}

/// The route of a `[fallback]` as declared: a remote of the empty
/// pattern.
fn fallback_route(
    source: &Source,
    fallback: &format::Fallback,
    known: &Known<'_>,
) -> Result<Routable, Error> {
    let parts = RemoteParts {
        remote: &fallback.remote,
        scope: &fallback.scope,
        ttl_secs: fallback.ttl_secs,
        max_entries: fallback.max_entries,
    };
    let remote = declare(source, &parts, known, "fallback".to_owned())?;
    let pattern = Routed::FALLBACK.to_owned();
    Ok(Routable::Remote(Routed {
        canonical: pattern.clone(),
        pattern,
        remote,
    }))
}
