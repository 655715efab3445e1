//! The services and loads a set of route files declares, each once,
//! keeping those declared as before (their guards, their loaders and so
//! their caches).

use std::collections::{BTreeMap, BTreeSet};

use super::declare::{read, Known, Names, ReadParts};
use super::declare_get;
use super::error::{Error, ErrorKind, Source};
use super::format::{File, Load};
use super::item::Needs;
use super::live::Sources;
use super::load::{loader_name, printed, LoadDeclaration, Table};
use super::read::Read;
use super::service::{self, Service};

/// The services declared, each once; a service declared as before keeps
/// its guards. Refused names go to `refused`, refusals to `errors`.
pub(super) fn services(
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
                let at = declared.span().start;
                errors.push(declared_again(source, at, ErrorKind::Service, name, first));
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
pub(super) fn loads(
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
                let at = declared.span().start;
                errors.push(declared_again(source, at, ErrorKind::Load, name, first));
                continue;
            }
            let service = declared.get_ref().get.get_ref().service.get_ref();
            let needs = needs_of(parsed, name);
            let text = load_text(declared.get_ref(), texts, &needs);
            let known = Known {
                services,
                loads: &no_loads,
                refused,
                sources,
            };
            let built = match previous.and_then(|table| table.kept_load(name, &text)) {
                Some(read) => Ok(read),
                None => load_read(source, name, declared, &text, &known, needs),
            };
            match built {
                Ok(read) => loads.push(LoadDeclaration {
                    name: name.clone(),
                    text,
                    read,
                }),
                Err(error) => refuse_load(name, service, error, refused, errors),
            }
        }
    }
    loads
}

/// The refusal of a service or load (`kind` says which) declared again
/// at `at` in `source`, first declared in `first`.
fn declared_again(
    source: &Source,
    at: usize,
    kind: ErrorKind,
    name: &str,
    first: &Source,
) -> Error {
    let what = if kind == ErrorKind::Service {
        "service"
    } else {
        "load"
    };
    source.error(
        kind,
        at,
        format!(
            "the {what} `{name}` is declared in {} too: a {what} is declared once",
            first.path.display()
        ),
    )
}

/// What a load is, to tell whether it is declared as before: its own
/// text, its service's and what its routes read of its items.
fn load_text(declared: &Load, texts: &BTreeMap<String, String>, needs: &Needs) -> String {
    let service = declared.get.get_ref().service.get_ref();
    // What its routes read is part of what it is: items kept for other
    // routes are not these.
    format!(
        "{}\n{}\nkeeps {}",
        printed(declared),
        texts
            .get(&format!("service {service}"))
            .map_or("", String::as_str),
        needs.describe()
    )
}

/// Marks the load `name` refused and keeps its error, unless the error
/// only repeats that its service, already refused, was.
fn refuse_load(
    name: &str,
    service: &str,
    error: Error,
    refused: &mut BTreeSet<String>,
    errors: &mut Vec<Error>,
) {
    let quiet =
        error.kind() == ErrorKind::Service && refused.contains(&format!("service {service}"));
    refused.insert(format!("load {name}"));
    if !quiet {
        errors.push(error);
    }
}

/// The read of the load `name` as `declared`, `text` its description.
fn load_read(
    source: &Source,
    name: &str,
    declared: &toml::Spanned<Load>,
    text: &str,
    known: &Known<'_>,
    needs: Needs,
) -> Result<Read, Error> {
    let parts = ReadParts::of_load(declared.get_ref());
    let names = Names {
        name: name.to_owned(),
        tier_key: loader_name(name, text),
    };
    let at = declared.span().start;
    read(source, at, &parts, known, names, Some("ids"), needs)
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
        .flat_map(declare_get::route_pointers)
        .collect();
    Needs::of(pointers.iter().map(String::as_str))
}
