//! Servers a test runs as processes (nginx, a redis-server with TLS, the
//! `peregrine` binary): on a free loopback port, waited for, killed when
//! dropped.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A port free right now on 127.0.0.1.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A process listening on a port of 127.0.0.1, killed when dropped.
pub(crate) struct Listening {
    child: Child,
    pub(crate) port: u16,
}

impl Listening {
    /// Starts `command` and waits (10 s at most) until `port` accepts.
    pub(crate) fn start(command: &mut Command, port: u16) -> Listening {
        let what = format!("{:?}", command.get_program());
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("{what} runs (scripts/test installs it): {error}"));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{what} did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Listening { child, port }
    }

    /// nginx in `dir` with `server` (its `server { … }` block, listening
    /// on `port`) and `http` directives beside it.
    pub(crate) fn nginx(dir: &Path, port: u16, http: &str, server: &str) -> Listening {
        let d = dir.display();
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             {http}\n  server {{\n    listen 127.0.0.1:{port}{server}\n  }}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), conf).expect("written");
        let mut command = Command::new("nginx");
        command
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"));
        Listening::start(&mut command, port)
    }
}

impl Drop for Listening {
    /// Asks the process to stop (SIGTERM: nginx's master then stops its
    /// workers, which a SIGKILL would leave running), and kills it if it
    /// has not within 5 s.
    fn drop(&mut self) {
        let asked = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while asked.is_ok() && Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `peregrine` binary running, killed when dropped; what it writes
/// to stdout is kept.
pub(crate) struct Binary {
    pub(crate) child: Child,
    /// The URL it printed it listens on (`http://…`).
    pub(crate) url: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Binary {
    /// Starts `peregrine serve` over `backend` with development sign-in on
    /// a free port, `more` flags and `env`, as [`Binary::start`].
    pub(crate) fn serve(backend: &str, more: &[&str], env: &[(&str, &str)]) -> Binary {
        let mut args = vec!["serve", "--dev-auth", "--port", "0", "--backend", backend];
        args.extend_from_slice(more);
        Binary::start(&args, env)
    }

    /// Starts `peregrine` with `args` and `env`; waits (30 s at most) for
    /// it to print `listening on` its URL.
    pub(crate) fn start(args: &[&str], env: &[(&str, &str)]) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_peregrine"))
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = lines.clone();
        let (sender, received) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                const SAYS: &str = "listening on ";
                if let (false, Some(at)) = (sent, line.find(SAYS)) {
                    let url = line[at + SAYS.len()..].split_whitespace().next();
                    let url = url.unwrap_or("");
                    let _ = sender.send(url.to_owned());
                    sent = true;
                }
                kept.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line);
            }
        });
        let url = received
            .recv_timeout(Duration::from_secs(30))
            .expect("the binary prints its URL");
        Binary { child, url, lines }
    }

    /// The lines it wrote to stdout so far.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `peregrine serve` over a backend that is never called, with `more`
/// arguments and `env`, run to its end (a server refusing its settings
/// exits): its exit code and what it wrote to stderr.
pub(crate) fn refused(more: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let args = [
        "serve",
        "--dev-auth",
        "--port",
        "0",
        "--backend",
        "http://127.0.0.1:9",
    ];
    let output = Command::new(env!("CARGO_BIN_EXE_peregrine"))
        .args(args)
        .args(more)
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}
