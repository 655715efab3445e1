//! The catalog graph of workload/CONTRACT.md §3 as route files
//! (`routes/catalog/*.toml`), built into the binary: the server's default
//! graph, and the fullest example of the format (docs/routes.md).

use std::path::PathBuf;
use std::sync::Arc;

use peregrine::route_file::{Declared, Error, ServiceSettings, Sources};
use peregrine::router::Router;

use crate::services::{Endpoints, Guards};

/// The catalog's route files: each file's name, as errors and `GET
/// /routes` show it, and its text.
pub const FILES: [(&str, &str); 5] = [
    (
        "<catalog>/services.toml",
        include_str!("catalog/services.toml"),
    ),
    (
        "<catalog>/genre_lists.toml",
        include_str!("catalog/genre_lists.toml"),
    ),
    ("<catalog>/lists.toml", include_str!("catalog/lists.toml")),
    ("<catalog>/videos.toml", include_str!("catalog/videos.toml")),
    (
        "<catalog>/my_list.toml",
        include_str!("catalog/my_list.toml"),
    ),
];

/// `sources` with the catalog's route files ([`FILES`]) first, their
/// services at `endpoints` behind `guards` (over what the files say).
pub fn sources(mut sources: Sources, endpoints: &Endpoints, guards: &Guards) -> Sources {
    let embedded = FILES
        .iter()
        .map(|(name, text)| (PathBuf::from(name), Arc::<str>::from(*text)));
    sources.embedded = embedded.chain(sources.embedded).collect();
    let services = [
        ("catalog", &endpoints.catalog, &guards.catalog),
        ("lists", &endpoints.lists, &guards.lists),
        ("ratings", &endpoints.ratings, &guards.ratings),
        ("mylist", &endpoints.my_list, &guards.my_list),
    ];
    for (name, url, guard) in services {
        sources.services.insert(
            name.to_owned(),
            ServiceSettings {
                url: Some(url.clone()),
                guard: Some(guard.clone()),
            },
        );
    }
    sources
}

/// The catalog's router, over every service at `backend` (the demo
/// backend's base URL): for tests and tools that route without a server.
pub fn router(backend: &str) -> Result<Router, Vec<Error>> {
    let sources = sources(
        Sources::default(),
        &Endpoints::all(backend),
        &Guards::default(),
    );
    Declared::load(&sources)?.build(Router::builder())
}
