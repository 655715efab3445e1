//! What a newcomer meets first: pages that say what to run until they are
//! built (then served with no restart), `--help` that names no folder of
//! the machine the binary was built on, and a configuration error that
//! is one line.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use peregrine_routes::{Auth, Endpoints, Pages, Server};

use crate::support::{self, Dir};

/// The development server with its pages in `dir` (not built there).
fn app_with_pages(dir: &Dir) -> axum::Router {
    let mut server = Server::new(Endpoints::all("http://127.0.0.1:9"), Auth::Development);
    server.pages = Some(Pages::in_dir(dir.0.clone()));
    let app = server.assemble().expect("the server assembles");
    peregrine::http::app(app.router, app.config)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let request = Request::get(uri).body(Body::empty()).expect("a request");
    let (status, body) = support::exchange(app, request).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn pages_not_built_answer_a_page_saying_what_to_run() {
    let dir = Dir::with(&[]);
    let app = app_with_pages(&dir);
    for uri in ["/", "/demo/", "/demo/graphiql.html"] {
        let (status, page) = get(&app, uri).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}: {page}");
        assert!(
            page.contains("npm --prefix client-js ci &amp;&amp; npm --prefix client-js run build"),
            "{uri}: {page}"
        );
    }
}

#[tokio::test]
async fn pages_built_while_the_server_runs_are_served_without_a_restart() {
    let dir = Dir::with(&[]);
    let app = app_with_pages(&dir);
    assert_eq!(get(&app, "/demo/").await.0, StatusCode::SERVICE_UNAVAILABLE);
    std::fs::write(dir.0.join("index.html"), "<p>the demo</p>").expect("written");
    std::fs::write(dir.0.join("explorer.html"), "<p>the explorer</p>").expect("written");
    assert_eq!(
        get(&app, "/demo/").await,
        (StatusCode::OK, "<p>the demo</p>".to_owned())
    );
    assert_eq!(
        get(&app, "/").await,
        (StatusCode::OK, "<p>the explorer</p>".to_owned())
    );
}

#[test]
fn help_names_no_folder_of_the_machine_it_was_built_on() {
    let checkout = env!("CARGO_MANIFEST_DIR");
    let checkout = std::path::Path::new(checkout)
        .parent()
        .expect("the repository")
        .display()
        .to_string();
    for command in [&["demo", "--help"][..], &["serve", "--help"], &["--help"]] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_peregrine"))
            .args(command)
            .output()
            .expect("the binary runs");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{command:?}");
        assert!(
            !help.contains(&checkout),
            "{command:?} names {checkout}:\n{help}"
        );
    }
}

#[test]
fn a_configuration_error_is_one_line_without_a_backtrace() {
    let (code, stderr) = support::process::refused(
        &["--graphql-operations", "/nonexistent/operations.json"],
        &[("RUST_BACKTRACE", "1"), ("RUST_LOG", "off")],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: the GraphQL operations file /nonexistent/operations.json cannot be read: No such file or directory (os error 2)"
    );
}
