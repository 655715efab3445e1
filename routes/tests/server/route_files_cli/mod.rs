//! `peregrine routes check` and `peregrine routes list` as a team's CI
//! runs them: the binary, on route files written to a directory of the
//! test's own. Good files exit 0 and are listed; each kind of refusal
//! exits 1 with `file:line:column: message` on stderr, the place computed
//! here from the text written, and a message naming what is wrong.
//!
//! `reads.rs`: services and reads; `writes.rs`: loads, sets and calls.

mod reads;
mod remotes;
mod writes;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory of route files, removed when the test ends.
pub(crate) struct Files {
    pub(crate) dir: PathBuf,
}

impl Files {
    pub(crate) fn new(test: &str) -> Files {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "peregrine-route-files-cli-{}-{}-{test}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        Files { dir }
    }

    /// Writes `text` to the file `name`; its path, as the binary prints it.
    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("the route file is written");
        path
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// `peregrine routes <command> <dirs>`, with `env` set (and the variable
/// the tests leave unset, unset).
pub(crate) fn routes(command: &str, dirs: &[&Path], env: &[(&str, &str)]) -> Run {
    let mut run = Command::new(env!("CARGO_BIN_EXE_peregrine"));
    run.args(["routes", command])
        .args(dirs)
        .env_remove(UNSET)
        .env_remove("PEREGRINE_ROUTES");
    for (name, value) in env {
        run.env(name, value);
    }
    let output = run.output().expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub(crate) fn check(dirs: &[&Path]) -> Run {
    routes("check", dirs, &[])
}

/// The line and column (from 1, in characters) where `needle` starts in
/// `text`; it must be there once, so that the place is unambiguous.
pub(crate) fn at(text: &str, needle: &str) -> (usize, usize) {
    assert_eq!(text.matches(needle).count(), 1, "{needle:?} once in {text}");
    let offset = text.find(needle).expect("found");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Asserts `run` refused (exit 1) with `count` refusals, one of them at
/// `place` in `file` with a message containing each of `words`.
pub(crate) fn refused_at(
    run: &Run,
    count: usize,
    file: &Path,
    place: (usize, usize),
    words: &[&str],
) {
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stdout, "", "nothing on stdout when refused");
    let lines: Vec<&str> = run.stderr.lines().collect();
    let last = format!("{count} refused");
    assert_eq!(lines.last().copied(), Some(last.as_str()), "{run:?}");
    let prefix = format!("{}:{}:{}: ", file.display(), place.0, place.1);
    let message = lines
        .iter()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("a refusal at {prefix:?} in:\n{}", run.stderr));
    for word in words {
        assert!(message.contains(word), "{word:?} in {message:?}");
    }
}

/// A refusal of one route file `team.toml` whose text is `text`, at
/// `needle`.
pub(crate) fn refused(test: &str, text: &str, needle: &str, words: &[&str]) {
    let files = Files::new(test);
    let file = files.write("team.toml", text);
    refused_at(&check(&[&files.dir]), 1, &file, at(text, needle), words);
}

/// The environment variable the tests never set.
pub(crate) const UNSET: &str = "PEREGRINE_ROUTE_FILES_CLI_UNSET";

/// The people service, as most files below declare it.
pub(crate) const SERVICE: &str = r#"[services.people]
url = "http://127.0.0.1:9100"
"#;

/// A route file: the service, then one route of `members`.
pub(crate) fn file(members: &str) -> String {
    format!("{SERVICE}\n[[routes]]\n{members}")
}
