//! Reading route files: every `*.toml` of the directories, parsed and
//! checked whole (services first, then the loads and routes that call
//! them), with every refusal found, each at its file, line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use toml::Spanned;

use crate::path::Pattern;

use super::declaration;
use super::declare::{Known, Names};
use super::declare_call;
use super::declare_get;
use super::declare_remote;
use super::error::{Error, ErrorKind, Source};
use super::format::{self, File};
use super::live::Sources;
use super::read::Read;
use super::remote;
use super::service::Service;
use super::Routed;

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
    pub(super) route: Routed,
    pub(super) source: Source,
    pub(super) offset: usize,
    /// The route and its service as declared, whatever their place: a
    /// reload keeps the route (and its loader's cache) of an unchanged
    /// one.
    pub(super) identity: String,
    /// Whether it is a route of the previous load, kept.
    pub(super) kept: bool,
}

/// The embedded files of `sources`, then the `*.toml` files of its
/// directories, each directory's sorted by name.
pub(super) fn files(sources: &Sources) -> Result<Vec<PathBuf>, Vec<Error>> {
    let mut files = embedded_names(sources);
    let mut errors = Vec::new();
    for dir in &sources.dirs {
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

/// What a load gives the server: the services, loads and routes
/// declared.
pub(super) struct Table {
    /// The names of the embedded files.
    pub(super) embedded: Vec<PathBuf>,
    pub(super) services: Vec<Declaration>,
    pub(super) loads: Vec<LoadDeclaration>,
    pub(super) routes: Vec<Loaded>,
}

/// A load read from a file, kept by a reload when its declaration and
/// its service's are unchanged (and with it, its cache).
#[derive(Debug, Clone)]
pub(super) struct LoadDeclaration {
    pub(super) name: String,
    pub(super) text: String,
    pub(super) read: Read,
}

impl Table {
    /// The read of the load `name` if this table declared it as `text`
    /// says: kept as it is, with its loader and cache.
    pub(super) fn kept_load(&self, name: &str, text: &str) -> Option<Read> {
        self.loads
            .iter()
            .find(|old| old.name == name && old.text == text)
            .map(|old| old.read.clone())
    }
}

/// Reads, parses and checks `files`; the table, or every refusal. What
/// is declared as in `previous` is kept from it.
pub(super) fn load(
    files: &[PathBuf],
    sources: &Sources,
    previous: Option<&Table>,
) -> Result<Table, Vec<Error>> {
    let mut errors = Vec::new();
    let parsed = parse(files, sources, &mut errors);
    let mut refused = BTreeSet::new();
    let services = declaration::services(&parsed, sources, previous, &mut refused, &mut errors);
    let texts = texts(&parsed);
    let loads = declaration::loads(
        &parsed,
        &services,
        &texts,
        sources,
        previous,
        &mut refused,
        &mut errors,
    );
    let read_of: BTreeMap<String, Read> = loads
        .iter()
        .map(|load| (load.name.clone(), load.read.clone()))
        .collect();
    let known = Known {
        services: &services,
        loads: &read_of,
        refused: &refused,
        sources,
    };
    let mut routes = routes(&parsed, &known, &texts, previous, &mut errors);
    routes.extend(declare_remote::fallback(
        &parsed,
        &known,
        &texts,
        previous,
        &mut errors,
    ));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Table {
        embedded: embedded_names(sources),
        services: declarations(services, &texts),
        loads,
        routes,
    })
}

/// The names of the embedded files of `sources`, each shown as a file.
fn embedded_names(sources: &Sources) -> Vec<PathBuf> {
    sources
        .embedded
        .iter()
        .map(|(name, _)| name.clone())
        .collect()
}

/// The services declared, each with its text (from `texts`) and its file.
fn declarations(
    services: BTreeMap<String, (Service, Source)>,
    texts: &BTreeMap<String, String>,
) -> Vec<Declaration> {
    services
        .into_iter()
        .map(|(name, (service, source))| Declaration {
            text: texts
                .get(&format!("service {name}"))
                .cloned()
                .unwrap_or_default(),
            file: source.path,
            name,
            service,
        })
        .collect()
}

/// Each service and load as declared, for identities (`service NAME`,
/// `load NAME`).
fn texts(parsed: &[(Source, File)]) -> BTreeMap<String, String> {
    parsed
        .iter()
        .flat_map(|(_, file)| {
            let services = file
                .services
                .iter()
                .map(|(name, service)| (format!("service {name}"), printed(service.get_ref())));
            let loads = file
                .loads
                .iter()
                .map(|(name, load)| (format!("load {name}"), printed(load.get_ref())));
            services.chain(loads)
        })
        .collect()
}

/// `value` printed back as TOML, for identities.
pub(super) fn printed(value: &impl serde::Serialize) -> String {
    toml::to_string(value).unwrap_or_default()
}

/// Each file read (or found embedded) and parsed; refusals go to
/// `errors`.
fn parse(files: &[PathBuf], sources: &Sources, errors: &mut Vec<Error>) -> Vec<(Source, File)> {
    let mut parsed = Vec::new();
    for path in files {
        let embedded = sources.embedded.iter().find(|(name, _)| name == path);
        let read = match embedded {
            Some((_, text)) => Ok(Arc::clone(text)),
            None => std::fs::read_to_string(path).map(Arc::from),
        };
        let text = match read {
            Ok(text) => text,
            Err(error) => {
                errors.push(Error::whole(
                    ErrorKind::Read,
                    path,
                    format!("cannot read the file: {error}"),
                ));
                continue;
            }
        };
        let source = Source {
            path: path.clone(),
            text,
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
    parsed
}

/// The routes declared; one declared as before (its service and load
/// too) is kept, with its loader.
fn routes(
    parsed: &[(Source, File)],
    known: &Known<'_>,
    texts: &BTreeMap<String, String>,
    previous: Option<&Table>,
    errors: &mut Vec<Error>,
) -> Vec<Loaded> {
    let mut routes = Vec::new();
    for (source, file) in parsed {
        for declared in &file.routes {
            let names = names(declared.get_ref());
            let identity = std::iter::once(printed(declared.get_ref()))
                .chain(names.iter().filter_map(|name| texts.get(name).cloned()))
                .collect::<Vec<_>>()
                .join("\n");
            let offset = declared.span().start;
            let kept = previous
                .into_iter()
                .flat_map(|table| &table.routes)
                .find(|loaded| loaded.identity == identity);
            let built = match kept {
                Some(kept) => Ok((kept.route.clone(), true)),
                None => route(source, declared, known, &identity).map(|route| (route, false)),
            };
            match built {
                Ok((route, kept)) => routes.push(Loaded {
                    route,
                    source: source.clone(),
                    offset,
                    identity,
                    kept,
                }),
                // Already refused for what it names.
                Err(error)
                    if matches!(error.kind(), ErrorKind::Service | ErrorKind::Load)
                        && names.iter().any(|name| known.refused.contains(name)) => {}
                Err(error) => errors.push(error),
            }
        }
    }
    routes
}

/// The services and loads a route names, as `service NAME` and `load
/// NAME`.
fn names(route: &format::Route) -> Vec<String> {
    let mut names = Vec::new();
    let services = [
        route
            .get
            .as_ref()
            .map(|get| get.get_ref().service.get_ref()),
        route
            .set
            .as_ref()
            .map(|set| set.get_ref().service.get_ref()),
        route
            .call
            .as_ref()
            .map(|call| call.get_ref().service.get_ref()),
        route
            .remote
            .as_ref()
            .map(|remote| remote.get_ref().service.get_ref()),
    ];
    names.extend(
        services
            .into_iter()
            .flatten()
            .map(|name| format!("service {name}")),
    );
    names.extend(
        route
            .load
            .as_ref()
            .map(|load| format!("load {}", load.get_ref())),
    );
    if let Some(call) = &route.call {
        let call = call.get_ref();
        names.extend(
            call.requires
                .as_ref()
                .map(|requires| format!("load {}", requires.get_ref().load)),
        );
        names.extend(call.drops.iter().map(|dropped| match dropped.get_ref() {
            format::Drop::Whole(load) | format::Drop::Item { load, .. } => format!("load {load}"),
        }));
    }
    names
}

/// The route `declared` in `source`: a call, or a read with its set.
fn route(
    source: &Source,
    declared: &Spanned<format::Route>,
    known: &Known<'_>,
    identity: &str,
) -> Result<Routed, Error> {
    let route = declared.get_ref();
    if let Some(remote) = &route.remote {
        let pattern = route.pattern.get_ref();
        let name = format!("remote {pattern}");
        let remote = declare_remote::route(source, declared, remote, known, name)?;
        return Ok(Routed::Remote(remote::Routed {
            pattern: pattern.clone(),
            canonical: Pattern::parse(pattern).map_or_else(|_| pattern.clone(), |p| p.to_string()),
            remote,
        }));
    }
    match &route.call {
        Some(call) => declare_call::call(source, declared, call, known).map(Routed::Call),
        None => {
            let pattern = declared.get_ref().pattern.get_ref();
            let names = Names {
                name: pattern.clone(),
                tier_key: loader_name(pattern, identity),
            };
            declare_get::get(source, declared, known, names).map(Routed::Get)
        }
    }
}

/// A loader's name in the Redis tier: what it serves and a hash of its
/// declaration, so that an edited route or load never reads the entries,
/// or takes the write notices, of the one it replaces.
pub(super) fn loader_name(what: &str, identity: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    identity.hash(&mut hasher);
    format!("{what}#{:08x}", hasher.finish() as u32)
}
