//! Servers a test runs as processes (nginx, a redis-server with TLS): on
//! a free loopback port, waited for, killed when dropped.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
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
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
