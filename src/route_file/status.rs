//! What `GET /routes` shows of a [`Live`](super::Live) table: each file
//! with its state, the GraphQL files and the fields no route serves, and
//! the reloads (the shape is in docs/routes.md, "Serving and checking").

use std::path::Path;
use std::time::UNIX_EPOCH;

use serde_json::{json, Value as Json};

use super::error::Error;
use super::live::State;

/// `state` as JSON.
pub(super) fn status(state: &State) -> Json {
    let at = state
        .at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    json!({
        "files": route_files(state),
        "graphql": graphql(state),
        "lastReloadRefused": !state.refused.is_empty(),
        "reloadedAtMs": u64::try_from(at).unwrap_or(u64::MAX),
        "reloads": state.reloads,
    })
}

/// Whether `file` is a GraphQL file (its refusals are shown with the
/// GraphQL files).
fn is_graphql(file: &Path) -> bool {
    file.extension().is_some_and(|ext| ext == "graphql")
}

/// The refusals of the last reload in `file`, as `file:line:column:
/// message`.
fn errors_of(state: &State, file: &Path) -> Vec<String> {
    state
        .refused
        .iter()
        .filter(|error| error.file() == file)
        .map(ToString::to_string)
        .collect()
}

/// The files refused that the good table does not have (new ones), each
/// once, of the GraphQL files or the others.
fn refused_new<'s>(state: &'s State, graphql: bool, known: &[&Path]) -> Vec<&'s Path> {
    let mut new: Vec<&Path> = state
        .refused
        .iter()
        .map(Error::file)
        .filter(|file| is_graphql(file) == graphql && !known.contains(file))
        .collect();
    new.sort();
    new.dedup();
    new
}

/// The `*.toml` files, each with its state, errors, services and routes.
fn route_files(state: &State) -> Vec<Json> {
    let declared = &state.declared;
    let table = declared.table();
    let mut files: Vec<Json> = declared
        .files()
        .iter()
        .map(|file| {
            let shown = file.display().to_string();
            let services: Vec<&str> = declared
                .services()
                .filter(|(_, declaring)| *declaring == file.as_path())
                .map(|(name, _)| name)
                .collect();
            let routes: Vec<Json> = table
                .iter()
                .filter(|route| route.place.starts_with(&format!("{shown}:")))
                .map(|route| {
                    json!({"pattern": route.pattern, "method": route.method,
                           "service": route.service, "scope": route.scope, "place": route.place})
                })
                .collect();
            let errors = errors_of(state, file);
            let state = if errors.is_empty() {
                "loaded"
            } else {
                "refused"
            };
            json!({"file": shown, "state": state, "errors": errors,
                   "services": services, "routes": routes})
        })
        .collect();
    let known: Vec<&Path> = declared.files().iter().map(AsRef::as_ref).collect();
    for file in refused_new(state, false, &known) {
        files.push(
            json!({"file": file.display().to_string(), "state": "refused",
                          "errors": errors_of(state, file), "services": [], "routes": []}),
        );
    }
    files
}

/// The GraphQL files, each with its state and errors, and the fields of
/// the schema served that no route serves; null when no GraphQL is.
fn graphql(state: &State) -> Json {
    let Some(schema) = &state.schema else {
        return Json::Null;
    };
    let known = schema.files();
    let mut files: Vec<Json> = known
        .iter()
        .map(|file| {
            let errors = errors_of(state, file);
            let state = if errors.is_empty() {
                "loaded"
            } else {
                "refused"
            };
            json!({"file": file.display().to_string(), "state": state, "errors": errors})
        })
        .collect();
    for file in refused_new(state, true, &known) {
        files.push(
            json!({"file": file.display().to_string(), "state": "refused",
                          "errors": errors_of(state, file)}),
        );
    }
    let unserved: Vec<String> = schema
        .unserved()
        .iter()
        .map(|unserved| format!("{}: {unserved}", unserved.place()))
        .collect();
    json!({"files": files, "unserved": unserved})
}
