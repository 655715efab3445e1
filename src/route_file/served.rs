//! `Served`: all that a set of route files makes the server serve: the
//! declared routes, the router with the server's own beside them, and
//! the GraphQL over it, built whole or refused with every refusal found.

use crate::graphql::Sdl;
use crate::router::{Builder, Router};

use super::error::Error;
use super::live::Sources;
use super::schema::{self, Schema};
use super::Declared;

/// A route table as served: what the files declare, the router, and the
/// GraphQL over it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Served {
    /// The routes the `*.toml` files declare.
    pub declared: Declared,
    /// The router of the server's routes (`base`) and the declared ones.
    pub router: Router,
    /// The GraphQL over the router, when [`Sources::schema`] is set.
    pub schema: Option<Schema>,
}

impl Served {
    /// Reads the route files and the `*.graphql` files of `sources` and
    /// builds the router of `base`'s routes and theirs, with the GraphQL
    /// over it. Answers every refusal found, the TOML files' and the
    /// GraphQL files' alike.
    pub fn load(sources: &Sources, base: Builder) -> Result<Served, Vec<Error>> {
        Served::assemble(
            sources,
            Declared::load(sources),
            schema::read(sources),
            base,
        )
    }

    /// The table of `declared` and the GraphQL files `files`, or every
    /// refusal of both.
    pub(super) fn assemble(
        sources: &Sources,
        declared: Result<Declared, Vec<Error>>,
        files: Result<Vec<Sdl>, Vec<Error>>,
        base: Builder,
    ) -> Result<Served, Vec<Error>> {
        match (declared, files) {
            (Ok(declared), Ok(files)) => {
                let router = declared.build(base)?;
                let schema = Schema::build(sources, files, &router)?;
                Ok(Served {
                    declared,
                    router,
                    schema,
                })
            }
            (declared, files) => {
                let mut errors = declared.err().unwrap_or_default();
                match files {
                    // Built over the server's routes alone, so that the
                    // files' own refusals are reported with the others.
                    Ok(files) => {
                        if let Ok(router) = base.build() {
                            errors.extend(
                                Schema::build(sources, files, &router)
                                    .err()
                                    .into_iter()
                                    .flatten(),
                            );
                        }
                    }
                    Err(more) => errors.extend(more),
                }
                Err(errors)
            }
        }
    }

    /// The GraphQL to serve, if any.
    pub(super) fn graphql(&self) -> Option<crate::graphql::GraphQl> {
        self.schema.as_ref().map(|schema| schema.graphql().clone())
    }
}
