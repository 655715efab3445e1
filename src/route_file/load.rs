//! Reading route files: every `*.toml` of the directories, parsed and
//! checked whole (services first, then the loads and routes that call
//! them), with every refusal found, each at its file, line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use toml::Spanned;

use super::declare::{self, read, Known, Names, ReadParts};
use super::declare_call;
use super::error::{Error, ErrorKind, Source};
use super::format::{self, File};
use super::item::Needs;
use super::live::Sources;
use super::read::Read;
use super::service::{self, Service};
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
    let mut files: Vec<PathBuf> = sources
        .embedded
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
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
    let services = services(&parsed, sources, previous, &mut refused, &mut errors);
    // Each service and load as declared, for identities.
    let texts: BTreeMap<String, String> = parsed
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
        .collect();
    let loads = loads(
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
    let routes = routes(&parsed, &known, &texts, previous, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let services = services
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
        .collect();
    Ok(Table {
        embedded: sources
            .embedded
            .iter()
            .map(|(name, _)| name.clone())
            .collect(),
        services,
        loads,
        routes,
    })
}

/// `value` printed back as TOML, for identities.
fn printed(value: &impl serde::Serialize) -> String {
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

/// The services declared, each once; a service declared as before keeps
/// its guards. Refused names go to `refused`, refusals to `errors`.
fn services(
    parsed: &[(Source, File)],
    sources: &Sources,
    previous: Option<&Table>,
    refused: &mut BTreeSet<String>,
    errors: &mut Vec<Error>,
) -> BTreeMap<String, (Service, Source)> {
    let mut services: BTreeMap<String, (Service, Source)> = BTreeMap::new();
    for (source, file) in parsed {
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
            let text = printed(declared.get_ref());
            let kept = previous
                .into_iter()
                .flat_map(|table| &table.services)
                .find(|old| old.name == *name && old.text == text)
                .map(|old| Ok(old.service.clone()));
            match kept.unwrap_or_else(|| service::declared(source, name, declared, sources)) {
                Ok(service) => {
                    services.insert(name.clone(), (service, source.clone()));
                }
                Err(error) => {
                    refused.insert(format!("service {name}"));
                    errors.push(error);
                }
            }
        }
    }
    services
}

/// The loads declared, each once; a load declared as before (its
/// service too) keeps its loader.
fn loads(
    parsed: &[(Source, File)],
    services: &BTreeMap<String, (Service, Source)>,
    texts: &BTreeMap<String, String>,
    sources: &Sources,
    previous: Option<&Table>,
    refused: &mut BTreeSet<String>,
    errors: &mut Vec<Error>,
) -> Vec<LoadDeclaration> {
    let mut loads: Vec<LoadDeclaration> = Vec::new();
    let no_loads = BTreeMap::new();
    let mut first: BTreeMap<&str, &Source> = BTreeMap::new();
    for (source, file) in parsed {
        for (name, declared) in &file.loads {
            if let Some(first) = first.insert(name, source) {
                errors.push(source.error(
                    ErrorKind::Load,
                    declared.span().start,
                    format!(
                        "the load `{name}` is declared in {} too: a load is declared once",
                        first.path.display()
                    ),
                ));
                continue;
            }
            let service = declared.get_ref().get.get_ref().service.get_ref();
            let needs = needs_of(parsed, name);
            // What its routes read is part of what it is: items kept
            // for other routes are not these.
            let text = format!(
                "{}\n{}\nkeeps {}",
                printed(declared.get_ref()),
                texts
                    .get(&format!("service {service}"))
                    .map_or("", String::as_str),
                needs.describe()
            );
            let kept = previous
                .into_iter()
                .flat_map(|table| &table.loads)
                .find(|old| old.name == *name && old.text == text)
                .map(|old| Ok(old.read.clone()));
            let known = Known {
                services,
                loads: &no_loads,
                refused,
                sources,
            };
            let parts = ReadParts::of_load(declared.get_ref());
            let at = declared.span().start;
            let built = kept.unwrap_or_else(|| {
                read(
                    source,
                    at,
                    &parts,
                    &known,
                    Names {
                        name: name.clone(),
                        tier_key: loader_name(name, &text),
                    },
                    Some("ids"),
                    needs,
                )
            });
            match built {
                Ok(read) => loads.push(LoadDeclaration {
                    name: name.clone(),
                    text,
                    read,
                }),
                Err(error) => {
                    let quiet = error.kind() == ErrorKind::Service
                        && refused.contains(&format!("service {service}"));
                    refused.insert(format!("load {name}"));
                    if !quiet {
                        errors.push(error);
                    }
                }
            }
        }
    }
    loads
}

/// What the routes naming the load `name` read of its items.
fn needs_of(parsed: &[(Source, File)], name: &str) -> Needs {
    let pointers: Vec<String> = parsed
        .iter()
        .flat_map(|(_, file)| &file.routes)
        .map(|route| route.get_ref())
        .filter(|route| {
            route
                .load
                .as_ref()
                .is_some_and(|load| load.get_ref() == name)
        })
        .flat_map(declare::route_pointers)
        .collect();
    Needs::of(pointers.iter().map(String::as_str))
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
    match &declared.get_ref().call {
        Some(call) => declare_call::call(source, declared, call, known).map(Routed::Call),
        None => {
            let pattern = declared.get_ref().pattern.get_ref();
            let names = Names {
                name: pattern.clone(),
                tier_key: loader_name(pattern, identity),
            };
            declare::get(source, declared, known, names).map(Routed::Get)
        }
    }
}

/// A loader's name in the Redis tier: what it serves and a hash of its
/// declaration, so that an edited route or load never reads the entries,
/// or takes the write notices, of the one it replaces.
fn loader_name(what: &str, identity: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    identity.hash(&mut hasher);
    format!("{what}#{:08x}", hasher.finish() as u32)
}
