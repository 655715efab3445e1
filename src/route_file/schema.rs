//! `*.graphql` files beside the route files: what they add to the
//! server's GraphQL schema ([`Sources::schema`]), built over the table's
//! router, and the fields of the whole schema that no route serves.
//!
//! A file that does not parse, or whose types clash with the others
//! (a type or a field defined twice, an unknown type, a field without
//! `@graph`), refuses the table as a TOML file does: at its file, line
//! and column. A field no route serves does not: it is reported (the
//! log, `GET /routes`, `peregrine routes check`), since a route may come
//! later, and meanwhile the field is null.

use std::path::{Path, PathBuf};

use crate::graphql::{self, GraphQl, Sdl, Unserved};
use crate::router::Router;

use super::error::{Error, ErrorKind};
use super::live::Sources;

/// The GraphQL served over a route table: the server's schema
/// ([`Sources::schema`]) with what each `*.graphql` file of the
/// directories adds, and the fields of it that no route serves.
#[derive(Debug, Clone)]
pub struct Schema {
    files: Vec<Sdl>,
    graphql: GraphQl,
    unserved: Vec<Unserved>,
}

impl Schema {
    /// Reads the `*.graphql` files of `sources` (in each directory, by
    /// name) and builds the schema over `router`: None when
    /// `sources.schema` is None (no GraphQL is served, and the files are
    /// not read). Refusals are [`ErrorKind::GraphQl`], each at its file,
    /// line and column.
    pub fn load(sources: &Sources, router: &Router) -> Result<Option<Schema>, Vec<Error>> {
        Schema::build(sources, read(sources)?, router)
    }

    /// The schema of `sources` with the files' SDL `files`, over `router`.
    pub(super) fn build(
        sources: &Sources,
        files: Vec<Sdl>,
        router: &Router,
    ) -> Result<Option<Schema>, Vec<Error>> {
        let Some(base) = &sources.schema else {
            return Ok(None);
        };
        // An empty base (a server without the catalog) and no files: no
        // GraphQL to serve.
        if files.is_empty() && base.text().trim().is_empty() {
            return Ok(None);
        }
        let all: Vec<Sdl> = std::iter::once(base.clone())
            .chain(files.iter().cloned())
            .collect();
        let graphql = GraphQl::build(&all, router.clone(), sources.graphql_limits)
            .map_err(|error| vec![refusal(&error, &all)])?;
        let unserved = graphql.unserved();
        Ok(Some(Schema {
            files,
            graphql,
            unserved,
        }))
    }

    /// The GraphQL to serve.
    pub fn graphql(&self) -> &GraphQl {
        &self.graphql
    }

    /// The `*.graphql` files read.
    pub fn files(&self) -> Vec<&Path> {
        self.files
            .iter()
            .map(|file| Path::new(file.origin()))
            .collect()
    }

    /// The fields of the schema (the server's and the files') that no
    /// route serves.
    pub fn unserved(&self) -> &[Unserved] {
        &self.unserved
    }

    /// The files' SDL, as read.
    pub(super) fn sources(&self) -> &[Sdl] {
        &self.files
    }

    /// Logs each field no route serves, at warn.
    pub(super) fn warn_unserved(&self) {
        for unserved in &self.unserved {
            tracing::warn!(
                place = %unserved.place(),
                "{unserved}: the GraphQL field is null until a route serves it"
            );
        }
    }
}

/// The `*.graphql` files of the directories of `sources`, each
/// directory's by name; none when `sources.schema` is None. A directory
/// that cannot be read is the route files' refusal, not repeated here.
pub(super) fn read(sources: &Sources) -> Result<Vec<Sdl>, Vec<Error>> {
    if sources.schema.is_none() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for dir in &sources.dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "graphql") && path.is_file())
            .collect();
        found.sort();
        for path in found {
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push(Sdl::new(path.display().to_string(), text)),
                Err(error) => errors.push(Error::whole(
                    ErrorKind::Read,
                    &path,
                    format!("cannot read the file: {error}"),
                )),
            }
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// A GraphQL `error` as a route file's refusal, at its place; one that
/// is at no place (a schema async-graphql refuses) is about the last of
/// `sources`.
fn refusal(error: &graphql::Error, sources: &[Sdl]) -> Error {
    match error.place() {
        Some(place) => Error::placed(
            ErrorKind::GraphQl,
            Path::new(place.origin()),
            (place.line(), place.column()),
            error.message(),
        ),
        None => {
            let last = sources.last().map_or("(graphql)", Sdl::origin);
            Error::whole(ErrorKind::GraphQl, Path::new(last), error.message())
        }
    }
}
