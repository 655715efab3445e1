//! Reading route files: every `*.toml` of the directories, parsed and
//! checked whole (services first, then the routes that call them), with
//! every refusal found, each at its file, line and column.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use crate::path::Pattern;

use super::check::{kind, shape};
use super::error::{Error, ErrorKind, Source};
use super::format::{self, File};
use super::live::Sources;
use super::route::{Get, Spec};
use super::service::{self, Service};
use super::template::{expand_environment, Template};

/// A service read from a file: its declaration (printed back, for
/// reloads) and the service, whose guards a reload keeps when its
/// declaration is unchanged.
#[derive(Debug, Clone)]
pub(super) struct Declaration {
    pub(super) name: String,
    /// The file that declares it.
    pub(super) file: PathBuf,
    pub(super) text: String,
    pub(super) service: Service,
}

/// A route read from a file, and where it stands there.
#[derive(Debug, Clone)]
pub(super) struct Loaded {
    pub(super) route: Get,
    pub(super) source: Source,
    pub(super) offset: usize,
    /// The route and its service as declared, whatever their place: a
    /// reload keeps the route (and its loader's cache) of an unchanged
    /// one.
    pub(super) identity: String,
    /// Whether it is a route of the previous load, kept.
    pub(super) kept: bool,
}

/// The `*.toml` files of `dirs`, each directory's sorted by name.
pub(super) fn files(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Error>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) => {
                errors.push(Error::whole(
                    ErrorKind::Read,
                    dir,
                    format!("cannot read the directory: {error}"),
                ));
                continue;
            }
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml") && path.is_file())
            .collect();
        found.sort();
        files.extend(found);
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// Reads, parses and checks `files`; the routes, or every refusal. A
/// route declared as one of `previous` is that route, kept.
pub(super) fn load(
    files: &[PathBuf],
    sources: &Sources,
    previous: (&[Declaration], &[Loaded]),
) -> Result<(Vec<Declaration>, Vec<Loaded>), Vec<Error>> {
    let (previous_services, previous) = previous;
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for path in files {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let source = Source {
                    path: path.clone(),
                    text: text.into(),
                };
                match toml::from_str::<File>(&source.text) {
                    Ok(file) => parsed.push((source, file)),
                    Err(error) => {
                        let offset = error.span().map_or(0, |span| span.start);
                        let message = error.message().to_string();
                        errors.push(source.error(ErrorKind::Syntax, offset, message));
                    }
                }
            }
            Err(error) => errors.push(Error::whole(
                ErrorKind::Read,
                path,
                format!("cannot read the file: {error}"),
            )),
        }
    }
    let mut services: BTreeMap<String, (Service, Source)> = BTreeMap::new();
    // Declared but refused: their routes are not refused again for them.
    let mut refused = std::collections::BTreeSet::new();
    for (source, file) in &parsed {
        for (name, declared) in &file.services {
            if let Some((_, first)) = services.get(name) {
                errors.push(source.error(
                    ErrorKind::Service,
                    declared.span().start,
                    format!(
                        "the service `{name}` is declared in {} too: a service is declared once",
                        first.path.display()
                    ),
                ));
                continue;
            }
            let text = toml::to_string(declared.get_ref()).unwrap_or_default();
            let kept = previous_services
                .iter()
                .find(|old| old.name == *name && old.text == text)
                .map(|old| Ok(old.service.clone()));
            match kept.unwrap_or_else(|| service::declared(source, name, declared, sources)) {
                Ok(service) => {
                    services.insert(name.clone(), (service, source.clone()));
                }
                Err(error) => {
                    refused.insert(name.clone());
                    errors.push(error);
                }
            }
        }
    }
    let mut routes = Vec::new();
    // Each service as declared, for the routes' identities.
    let declarations: BTreeMap<&str, String> = parsed
        .iter()
        .flat_map(|(_, file)| &file.services)
        .map(|(name, service)| {
            let text = toml::to_string(service.get_ref()).unwrap_or_default();
            (name.as_str(), text)
        })
        .collect();
    for (source, file) in &parsed {
        for declared in &file.routes {
            let service = declared.get_ref().get.get_ref().service.get_ref();
            let identity = format!(
                "{}\n{}",
                toml::to_string(declared.get_ref()).unwrap_or_default(),
                declarations
                    .get(service.as_str())
                    .map_or("", String::as_str)
            );
            let place = (source.clone(), declared.span().start);
            if let Some(kept) = previous.iter().find(|loaded| loaded.identity == identity) {
                routes.push(Loaded {
                    route: kept.route.clone(),
                    source: place.0,
                    offset: place.1,
                    identity,
                    kept: true,
                });
                continue;
            }
            match route(source, declared, &services, sources.caching, &identity) {
                Ok(route) => routes.push(Loaded {
                    route,
                    source: place.0,
                    offset: place.1,
                    identity,
                    kept: false,
                }),
                Err(error)
                    if error.kind() == ErrorKind::Service
                        && refused.contains(declared.get_ref().get.get_ref().service.get_ref()) => {
                }
                Err(error) => errors.push(error),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let declarations = services
        .into_iter()
        .map(|(name, (service, source))| Declaration {
            text: declarations_text(&parsed, &name),
            file: source.path,
            name,
            service,
        })
        .collect();
    Ok((declarations, routes))
}

/// The declaration of the service `name` in `parsed`, printed back.
fn declarations_text(parsed: &[(Source, File)], name: &str) -> String {
    parsed
        .iter()
        .find_map(|(_, file)| file.services.get(name))
        .and_then(|service| toml::to_string(service.get_ref()).ok())
        .unwrap_or_default()
}

/// The route `declared` in `source`, checked against `services`.
fn route(
    source: &Source,
    declared: &Spanned<format::Route>,
    services: &BTreeMap<String, (Service, Source)>,
    caching: bool,
    identity: &str,
) -> Result<Get, Error> {
    let at = declared.span().start;
    let declared = declared.get_ref();
    // A year: longer would overflow the cache's expiry arithmetic, and no
    // value is right for that long.
    if declared.ttl_secs > 365 * 24 * 3600 {
        return Err(source.error(
            ErrorKind::Value,
            at,
            "`ttl_secs` is at most a year (31536000)",
        ));
    }
    if declared
        .expires_secs
        .is_some_and(|secs| secs > 365 * 24 * 3600)
    {
        return Err(source.error(
            ErrorKind::Value,
            at,
            "`expires_secs` is at most a year (31536000)",
        ));
    }
    if declared.max_batch == Some(0) {
        return Err(source.error(ErrorKind::Value, at, "`max_batch` must be more than 0"));
    }
    let pattern_span = declared.pattern.span();
    let text = declared.pattern.get_ref();
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
    let kind = kind(declared, &last).map_err(|why| source.error(ErrorKind::Value, at, why))?;
    let user = match declared
        .scope
        .as_ref()
        .map(|scope| (scope.get_ref().as_str(), scope.span()))
    {
        None | Some(("shared", _)) => false,
        Some(("user", _)) => true,
        Some((other, span)) => {
            return Err(source.error(
                ErrorKind::Value,
                span.start,
                format!("`scope` is \"shared\" or \"user\", not {other:?}"),
            ))
        }
    };
    let get = declared.get.get_ref();
    let name = get.service.get_ref();
    let Some((service, _)) = services.get(name) else {
        let known: Vec<&str> = services.keys().map(String::as_str).collect();
        return Err(source.error(
            ErrorKind::Service,
            get.service.span().start,
            format!(
                "no file declares the service `{name}` (declared: {})",
                list(&known)
            ),
        ));
    };
    let path_span = get.path.span();
    let path = get.path.get_ref();
    expand_environment(path).map_err(|unknown| {
        source.error_in(
            ErrorKind::Environment,
            &path_span,
            unknown.offset,
            format!("the environment variable `{}` is not set", unknown.name),
        )
    })?;
    let template = Template::parse(path, ids.as_deref(), user).map_err(|unknown| {
        let can = match (&ids, user) {
            (Some(ids), true) => format!("`{{{ids}}}` and `{{user}}`"),
            (Some(ids), false) => format!("`{{{ids}}}`"),
            (None, true) => "`{user}`".to_string(),
            (None, false) => "none (its pattern has no ids)".to_string(),
        };
        source.error_in(
            ErrorKind::Placeholder,
            &path_span,
            unknown.offset,
            match unknown.name.as_str() {
                "user" => {
                    "`{user}` is the signed-in user's id, for a route with `scope = \"user\"`"
                        .to_string()
                }
                name => format!("`{{{name}}}` is not a placeholder of this route: it has {can}"),
            },
        )
    })?;
    let template = template.expand_environment().map_err(|unknown| {
        source.error(
            ErrorKind::Environment,
            path_span.start,
            format!("the environment variable `{}` is not set", unknown.name),
        )
    })?;
    let items = declared
        .items
        .as_ref()
        .map_or(String::new(), |items| items.get_ref().clone());
    if !items.is_empty() && !items.starts_with('/') {
        let offset = declared
            .items
            .as_ref()
            .map_or(0, |items| items.span().start);
        return Err(source.error(
            ErrorKind::Value,
            offset,
            format!("`items` is a JSON Pointer, \"\" or starting with `/`, not {items:?}"),
        ));
    }
    Ok(Get::new(Spec {
        name: loader_name(text, identity),
        pattern: text.clone(),
        prefix,
        ids,
        renamed: declared.fields.clone().into_iter().collect(),
        kind,
        user,
        service: service.clone(),
        path: template,
        items,
        key: declared.key.clone(),
        ttl: Duration::from_secs(declared.ttl_secs),
        expires: declared.expires_secs.map(Duration::from_secs),
        max_entries: declared.max_entries.unwrap_or(10_000),
        max_batch: declared.max_batch.unwrap_or(100).max(1),
        caching,
    }))
}

/// A route's loader's name (in metrics, logs and Redis keys): its
/// pattern and a hash of its declaration, so that an edited route never
/// reads the entries, or takes the write notices, of the route it
/// replaces.
fn loader_name(pattern: &str, identity: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    identity.hash(&mut hasher);
    format!("{pattern}#{:08x}", hasher.finish() as u32)
}

/// `names` for a message: `a`, `b` or `none`.
fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
