//! The README's "Add a route", run as written: each `sh` block of the
//! section in order, with bash, in a directory of its own; `cargo run
//! --release --` stands for the binary under test, the section's ports
//! (9100 and 8080) are replaced by free ones, and the server's port is set
//! with `PEREGRINE_PORT` as the README's set-up says.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The `sh` blocks of the README's "## Add a route" section.
fn blocks() -> Vec<String> {
    let readme = include_str!("../../../README.md");
    let start = readme.find("\n## Add a route\n").expect("the section") + 1;
    let section = &readme[start..];
    let end = section[1..]
        .find("\n## ")
        .map_or(section.len(), |end| end + 1);
    section[..end]
        .split("```sh\n")
        .skip(1)
        .map(|rest| rest[..rest.find("\n```").expect("a closing fence")].to_string())
        .collect()
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Waits until something listens on `port`.
fn listening(port: u16) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing on {port} in 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The directory the blocks run in, and the process groups they started,
/// all stopped and removed when the test ends.
struct Workspace {
    dir: PathBuf,
    groups: Vec<u32>,
}

impl Workspace {
    fn new() -> Workspace {
        let dir =
            std::env::temp_dir().join(format!("peregrine-add-a-route-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        Workspace {
            dir,
            groups: Vec::new(),
        }
    }

    /// Runs `script` with bash in the directory, in a process group of its
    /// own (what it starts in the background lives on in it), with `env`;
    /// what it printed. Its output goes to files, which what it leaves
    /// running may go on writing.
    fn run(&mut self, script: &str, env: &[(&str, String)]) -> String {
        let n = self.groups.len();
        let (out, err) = (
            self.dir.join(format!("out-{n}")),
            self.dir.join(format!("err-{n}")),
        );
        let file = |path: &PathBuf| std::fs::File::create(path).expect("an output file");
        let mut child = Command::new("bash")
            .args(["-euc", script])
            .current_dir(&self.dir)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(file(&out))
            .stderr(file(&err))
            .spawn()
            .expect("bash runs");
        self.groups.push(child.id());
        let status = child.wait().expect("the block ends");
        let read = |path: &PathBuf| std::fs::read_to_string(path).unwrap_or_default();
        assert!(status.success(), "{script}\nfailed: {}", read(&err));
        read(&out)
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        for group in &self.groups {
            let _ = Command::new("kill")
                .args(["--", &format!("-{group}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `block` as the test runs it: the binary under test for `cargo run
/// --release --`, and the free ports.
fn adapted(block: &str, binary: &Path, service: u16, server: u16) -> String {
    block
        .replace("cargo run --release --", &binary.display().to_string())
        .replace("9100", &service.to_string())
        .replace("8080", &server.to_string())
}

#[test]
fn the_readmes_add_a_route_steps_answer_the_new_key() {
    let blocks = blocks();
    assert_eq!(blocks.len(), 4, "{blocks:?}");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_peregrine"));
    let (service, server) = (free_port(), free_port());
    let mut workspace = Workspace::new();
    let step = |n: usize| adapted(&blocks[n], &binary, service, server);

    // The server's port as the README's set-up says it is set.
    let port = [("PEREGRINE_PORT", server.to_string())];
    workspace.run(&step(0), &[]);
    listening(service);
    let checked = workspace.run(&step(1), &[]);
    assert_eq!(checked, "route files: 1, routes: 1; all good\n");
    workspace.run(&step(2), &port);
    listening(server);
    let asked = workspace.run(&step(3), &[]);
    let answer: Value = serde_json::from_str(&asked).expect("a JSON answer");
    let expected = json!({"jsonGraph": {"people": {
        "1": {"born": 1815, "name": "Ada"},
        "2": {"born": 1912, "name": "Alan"},
    }}});
    assert_eq!(answer, expected);
    // The answer the README shows is the one served.
    let readme = include_str!("../../../README.md");
    let shown = readme
        .split("It answers\n`")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("the README shows the answer");
    assert_eq!(
        serde_json::from_str::<Value>(shown).expect("JSON"),
        expected
    );
}
