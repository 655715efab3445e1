//! The demo's pages (the demo page, the explorer, GraphiQL), built from
//! `client-js/` into `client-js/demo/dist`. `peregrine demo` builds them
//! with npm when they are not built and Node is there, so that the first
//! `cargo run --release` on a fresh machine serves every page; until they
//! are, each page answers one that says what is going on, or exactly
//! what to run (never a blank 404). The server checks at each request, so
//! pages built while it runs are served without a restart.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError};

use peregrine::http::{Placeholder, Unbuilt};

/// The pages' folder and how building it goes.
#[derive(Debug, Clone)]
pub struct Pages {
    dir: PathBuf,
    /// `client-js/` of this checkout, when `dir` is its build folder: the
    /// pages can be built there.
    sources: Option<PathBuf>,
    build: Arc<Mutex<Build>>,
}

/// How building the pages goes.
#[derive(Debug, Clone)]
enum Build {
    /// Not started (npm missing, or not asked).
    Idle,
    /// npm is running.
    Running,
    /// npm failed: the end of what it printed.
    Failed(String),
}

/// The command that builds the pages, as a user types it.
const COMMAND: &str = "npm --prefix client-js ci && npm --prefix client-js run build";

impl Pages {
    /// The pages in `dir` (`--demo-dir`): served as they are, never built.
    pub fn in_dir(dir: PathBuf) -> Pages {
        Pages {
            dir,
            sources: None,
            build: Arc::new(Mutex::new(Build::Idle)),
        }
    }

    /// The pages of this checkout, `client-js/demo/dist`, which
    /// [`Pages::build_if_missing`] can build.
    pub fn checkout() -> Pages {
        let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../client-js");
        Pages {
            dir: sources.join("demo/dist"),
            sources: Some(sources),
            build: Arc::new(Mutex::new(Build::Idle)),
        }
    }

    /// The folder the pages are served from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the pages are built.
    pub fn built(&self) -> bool {
        self.dir.join("index.html").is_file()
    }

    /// Starts building the checkout's pages in the background (`npm ci`
    /// when `client-js` has no `node_modules`, then `npm run build`) when
    /// they are not built and npm is on the `PATH`; whether it started.
    pub fn build_if_missing(&self) -> bool {
        let Some(sources) = self.sources.clone() else {
            return false;
        };
        if self.built() || !sources.join("package.json").is_file() || !npm_runs() {
            return false;
        }
        *self.state() = Build::Running;
        tracing::info!(
            "building the demo pages (npm ci && npm run build in client-js/, about a minute the first time); they are served as soon as they are built"
        );
        let build = self.build.clone();
        std::thread::spawn(move || {
            let outcome = run_npm(&sources);
            let mut state = build.lock().unwrap_or_else(PoisonError::into_inner);
            *state = match outcome {
                Ok(()) => {
                    tracing::info!("the demo pages are built and served");
                    Build::Idle
                }
                Err(tail) => {
                    tracing::warn!(output = %tail, "building the demo pages failed; run `{COMMAND}`");
                    Build::Failed(tail)
                }
            };
        });
        true
    }

    /// The page answered in place of the pages while they are not built.
    pub fn unbuilt(&self) -> Unbuilt {
        let pages = self.clone();
        Unbuilt(Arc::new(move || pages.explain()))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Build> {
        self.build.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The page of [`Pages::unbuilt`], as the build stands now.
    fn explain(&self) -> Placeholder {
        let command = escape(COMMAND);
        let (title, body, building) = match &*self.state() {
            Build::Running => (
                "Building the pages",
                "<p><code>peregrine demo</code> is building them: <code>npm ci &amp;&amp; npm run build</code> in <code>client-js/</code>, about a minute the first time. This page reloads itself until they are ready.</p>".to_owned(),
                true,
            ),
            Build::Failed(tail) => (
                "Building the pages failed",
                format!(
                    "<p>npm said:</p><pre>{}</pre><p>Fix that, then run, from the repository:</p><pre>{command}</pre><p>and reload this page (no restart needed).</p>",
                    escape(tail)
                ),
                false,
            ),
            Build::Idle if self.sources.is_none() => (
                "The pages are not built",
                format!(
                    "<p><code>{}</code> (<code>--demo-dir</code>) has no <code>index.html</code>: put the built pages there (<code>{command}</code> builds them into <code>client-js/demo/dist</code>), then reload this page (no restart needed).</p>",
                    escape(&self.dir.display().to_string())
                ),
                false,
            ),
            Build::Idle => (
                "The pages are not built",
                format!(
                    "<p>The pages in <code>{}</code> are built from <code>client-js/</code> with Node.js 20 or later. From the repository, run:</p><pre>{command}</pre><p>then reload this page (no restart needed).</p>",
                    escape(&self.dir.display().to_string())
                ),
                false,
            ),
        };
        let head = if building {
            r#"<meta http-equiv="refresh" content="5">"#
        } else {
            ""
        };
        let html = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\">{head}<title>Peregrine: {title}</title></head><body><h1>{title}</h1>{body}<p>Meanwhile the graph answers at <code>/model.json</code> and <code>/graphql</code>.</p></body></html>"
        );
        Placeholder { html, building }
    }
}

/// Whether `npm` runs here.
fn npm_runs() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// `npm ci` (when `client-js`'s `node_modules` is missing or older than
/// its lock file) and `npm run build` in `sources`; the end of what npm
/// printed when one fails. npm runs in a process group of its own, so
/// that Ctrl-C stopping the demo does not cut `npm ci` short and leave
/// `node_modules` half written.
fn run_npm(sources: &Path) -> Result<(), String> {
    let mut steps: Vec<&[&str]> = Vec::new();
    if !installed(sources) {
        steps.push(&["ci"]);
    }
    steps.push(&["run", "build"]);
    for args in steps {
        let output = Command::new("npm")
            .args(args)
            .current_dir(sources)
            .process_group(0)
            .output()
            .map_err(|error| format!("npm {} could not start: {error}", args.join(" ")))?;
        if !output.status.success() {
            let text = String::from_utf8_lossy(&output.stderr).into_owned()
                + &String::from_utf8_lossy(&output.stdout);
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(20)..].join("\n");
            return Err(format!("npm {} failed:\n{tail}", args.join(" ")));
        }
    }
    Ok(())
}

/// Whether `sources/node_modules` is there and newer than the lock file
/// (`npm ci` touches it).
fn installed(sources: &Path) -> bool {
    let modified = |name: &str| {
        std::fs::metadata(sources.join(name))
            .and_then(|metadata| metadata.modified())
            .ok()
    };
    match (modified("node_modules"), modified("package-lock.json")) {
        (Some(modules), Some(lock)) => modules >= lock,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// `text` safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
