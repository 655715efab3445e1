//! `peregrine routes check|list`: route files checked or listed without
//! a server, for a team's own CI.

use peregrine::route_file::Served;
use peregrine::router::Router;
use peregrine_routes::{Auth, Endpoints, Server};

use super::RoutesCommand;

/// `peregrine routes check|list`.
pub(super) fn run(command: RoutesCommand) -> anyhow::Result<()> {
    let (RoutesCommand::Check { dirs, no_catalog } | RoutesCommand::List { dirs, no_catalog }) =
        &command;
    // The catalog's services are not called: any URL will do.
    let mut server = Server::new(Endpoints::all("http://127.0.0.1:9000"), Auth::Development);
    server.routes = dirs.clone();
    server.catalog = !no_catalog;
    let sources = server.sources();
    let served = match Served::load(&sources, Router::builder()) {
        Ok(served) => served,
        Err(errors) => {
            for error in &errors {
                eprintln!("{error}");
            }
            eprintln!("{} refused", errors.len());
            std::process::exit(1);
        }
    };
    let declared = &served.declared;
    match command {
        // The directories' files and routes (checked with the catalog's).
        RoutesCommand::Check { .. } => {
            let (graphql_files, unserved) = match &served.schema {
                Some(schema) => (schema.files().len(), schema.unserved()),
                None => (0, &[][..]),
            };
            // Warnings: a field no route serves is null, not refused.
            for field in unserved {
                eprintln!("{}: warning: {field}", field.place());
            }
            let graphql = match graphql_files {
                0 => String::new(),
                files => format!(", GraphQL files: {files}"),
            };
            let verdict = match unserved.len() {
                0 => "all good".to_owned(),
                1 => "1 warning".to_owned(),
                warnings => format!("{warnings} warnings"),
            };
            let routes = declared
                .table()
                .iter()
                .filter(|route| !route.embedded)
                .count();
            println!(
                "route files: {}, routes: {routes}{graphql}; {verdict}",
                declared.files().len() - sources.embedded.len(),
            );
        }
        RoutesCommand::List { .. } => {
            for route in declared.table().into_iter().filter(|route| !route.embedded) {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    route.pattern, route.method, route.service, route.scope, route.place
                );
            }
        }
    }
    Ok(())
}
