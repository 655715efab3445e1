//! From what a file says to what the server runs: what every declaration
//! shares (the services and loads it names, a read, a pattern, a
//! pointer). A route that reads is made in `declare_get.rs`, its set in
//! `declare_write.rs`, a call in `declare_call.rs`. Each check that fails
//! answers an [`Error`] placed in the file.

use std::collections::BTreeMap;
use std::time::Duration;

use toml::Spanned;

use crate::path::Pattern;

use super::error::{Error, ErrorKind, Source};
use super::format;
use super::item::Needs;
use super::live::Sources;
use super::read::{self, Read};
use super::service::Service;
use super::template::{expand_environment, Template};

/// A year: longer would overflow the cache's expiry arithmetic, and no
/// value is right for that long.
pub(super) const YEAR: u64 = 365 * 24 * 3600;

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
    is_user_or(source, scope, false)
}

/// Whether `scope` says the user's (`user`) or everyone's (`shared`);
/// unsaid, `default`.
pub(super) fn is_user_or(
    source: &Source,
    scope: &Option<Spanned<String>>,
    default: bool,
) -> Result<bool, Error> {
    match scope
        .as_ref()
        .map(|scope| (scope.get_ref().as_str(), scope))
    {
        None => Ok(default),
        Some(("shared", _)) => Ok(false),
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

/// A route's pattern, parsed; else the refusal placed at its fault.
pub(super) fn parsed(source: &Source, pattern: &Spanned<String>) -> Result<Pattern, Error> {
    Pattern::parse(pattern.get_ref()).map_err(|error| {
        source.error_in(
            ErrorKind::Pattern,
            &pattern.span(),
            error.offset(),
            error.to_string(),
        )
    })
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
