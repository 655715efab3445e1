//! The pages beside the graph: `/routes`, the page at `/` and the static
//! folders, as [`Config`] has them. A folder with an [`Unbuilt`] page
//! answers it (202 while a build is under way, else 503) while its
//! `index.html` is missing, checked at each request: pages built while
//! the server runs are served at once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::config::{Config, Unbuilt};
use super::AppState;

/// `app` with `/routes`, the page at `/` and the static folders added.
pub(super) fn pages(
    mut app: axum::Router<Arc<AppState>>,
    config: &Config,
) -> axum::Router<Arc<AppState>> {
    if let Some(live) = &config.route_files {
        let live = live.clone();
        app = app.route(
            "/routes",
            get(move || {
                let live = live.clone();
                async move { axum::Json(live.status()) }
            }),
        );
    }
    if let Some(page) = &config.index_page {
        let unbuilt = unbuilt_of(page, config);
        let page = page.clone();
        app = app.route(
            "/",
            get(move |request: Request| index_page(page.clone(), unbuilt.clone(), request)),
        );
    }
    for files in &config.static_files {
        let prefix = files.prefix.trim_end_matches('/');
        let index = ServeFile::new(files.dir.join("index.html"));
        let mut folder =
            axum::Router::new().fallback_service(ServeDir::new(&files.dir).fallback(index));
        if let Some(unbuilt) = files.unbuilt.clone() {
            let built = files.dir.join("index.html");
            folder = folder.layer(middleware::from_fn(move |request: Request, next: Next| {
                let (built, unbuilt) = (built.clone(), unbuilt.clone());
                async move {
                    match built.is_file() {
                        true => next.run(request).await,
                        false => not_built(&unbuilt),
                    }
                }
            }));
        }
        // `/demo` itself moves to `/demo/`, so that the page's relative
        // addresses resolve inside the folder.
        let slash = format!("{prefix}/");
        app = app
            .route(
                prefix,
                get(move || async move { axum::response::Redirect::permanent(&slash) }),
            )
            .nest_service(&format!("{prefix}/"), folder);
    }
    app
}

/// The answer at `/`: the file `page`, or the [`Unbuilt`] page of the
/// folder it lies in (`unbuilt`: that folder's `index.html` and page)
/// while that folder is not built.
async fn index_page(
    page: PathBuf,
    unbuilt: Option<(PathBuf, Unbuilt)>,
    request: Request,
) -> Response {
    if let Some((built, unbuilt)) = &unbuilt {
        if !built.is_file() {
            return not_built(unbuilt);
        }
    }
    if !page.is_file() {
        // Pages built without this one (an older folder): say so.
        let name = page.file_name().unwrap_or_default().to_string_lossy();
        let text = format!("this server's pages have no {name}");
        return (StatusCode::NOT_FOUND, text).into_response();
    }
    match ServeFile::new(&page).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// The folder `page` lies in, if it has an [`Unbuilt`] page: its
/// `index.html` and that page.
fn unbuilt_of(page: &Path, config: &Config) -> Option<(PathBuf, Unbuilt)> {
    let files = config
        .static_files
        .iter()
        .find(|files| page.starts_with(&files.dir))?;
    Some((files.dir.join("index.html"), files.unbuilt.clone()?))
}

/// The [`Unbuilt`] page: 202 while a build is under way, else 503; not
/// to be kept.
fn not_built(unbuilt: &Unbuilt) -> Response {
    let page = (unbuilt.0)();
    let status = match page.building {
        true => StatusCode::ACCEPTED,
        false => StatusCode::SERVICE_UNAVAILABLE,
    };
    let headers = [(header::CACHE_CONTROL, "no-store")];
    (status, headers, Html(page.html)).into_response()
}
