//! `peregrine demo` (no command): the demo backend on a free loopback
//! port and the catalog graph over it.

use anyhow::Context;
use peregrine_routes::backend::{self, Settings};
use peregrine_routes::{Auth, Endpoints};

use super::listen::Listen;

/// The demo backend on a free loopback port, the graph over it, until
/// Ctrl-C or SIGTERM.
pub(super) async fn run(listen: Listen) -> anyhow::Result<()> {
    // The backend's URL is not known yet: any will do for the check.
    let placeholder = Endpoints::all("http://127.0.0.1:9000");
    listen.server(placeholder, Auth::Development)?.check()?;
    let backend_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen for the demo backend")?;
    let backend_url = format!(
        "http://{}",
        backend_listener.local_addr().context("no local address")?
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let backend = tokio::spawn(backend::serve(
        backend_listener,
        Settings::default(),
        async {
            // Stops when told, or when the sender is dropped.
            let _ = stopped.await;
        },
    ));
    let listener = listen.bind().await?;
    let local = listener.local_addr().context("no local address")?;
    let model = format!("http://{local}/model.json");
    println!("demo backend on {backend_url}");
    println!("peregrine demo listening on {model}\n");
    println!("The home screen of user u17 (10 rows of 10 videos):\n");
    println!("{}\n", home_curl(&model));
    println!("Ctrl-C stops.");
    let server = listen.server(Endpoints::all(&backend_url), Auth::Development)?;
    let pages = server.pages.clone().unwrap_or_else(|| listen.pages());
    let building = listen.builds_pages() && pages.build_if_missing();
    println!("The demo page (the TypeScript client in a React app): http://{local}/demo/");
    println!("The explorer (run path sets as u17, see what each request did): http://{local}/");
    if building {
        println!("(the pages are being built with npm, about a minute the first time: they show when ready)");
    } else if !pages.built() {
        println!(
            "(the pages in {} are not built: each page says what to run; no restart needed)",
            pages.dir().display()
        );
    }
    println!();
    let served = super::serve::serve(listener, server).await;
    let _ = stop.send(());
    backend
        .await
        .context("the demo backend's task failed")?
        .context("serving the demo backend")?;
    served
}

/// The curl of CONTRACT §4's home request, quoted for a POSIX shell.
fn home_curl(model: &str) -> String {
    let paths = r#"[["genreLists",{"from":0,"to":9},"name"],["genreLists",{"from":0,"to":9},{"from":0,"to":9},["title","boxshot","rating"]]]"#;
    format!(
        "curl -G '{model}' -H 'Authorization: Bearer u17' \\\n  --data-urlencode 'method=get' \\\n  --data-urlencode '{}'",
        format_args!("paths={paths}")
    )
}
