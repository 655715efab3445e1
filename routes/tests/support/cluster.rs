//! A Redis Cluster of a test's own: three masters (redis-server in
//! cluster mode on free loopback ports, no replicas) joined by
//! `redis-cli --cluster create`, killed when dropped; with TLS alone if
//! asked. A master can be killed and started again on its port with its
//! nodes file, so that it rejoins with its slots.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::process::{free_port, Listening};
use super::Dir;

/// How many masters the cluster has.
const MASTERS: usize = 3;

/// Three masters holding all 16,384 slots between them.
pub(crate) struct RedisCluster {
    masters: Vec<Option<Listening>>,
    ports: Vec<u16>,
    /// The folder of `ca.pem`, `server.pem` and `server.key` when the
    /// nodes speak TLS alone (between themselves too).
    tls: Option<PathBuf>,
    /// Their nodes files, removed once they are killed (fields drop in
    /// order).
    dir: Dir,
}

impl RedisCluster {
    /// Starts the masters, joins them and waits until every one says the
    /// cluster is ok (30 s at most).
    pub(crate) fn start() -> RedisCluster {
        RedisCluster::start_with(None)
    }

    /// As [`RedisCluster::start`], the nodes speaking TLS alone with the
    /// certificates in `tls` (`ca.pem`, `server.pem`, `server.key`).
    pub(crate) fn start_tls(tls: &Path) -> RedisCluster {
        RedisCluster::start_with(Some(tls.to_path_buf()))
    }

    fn start_with(tls: Option<PathBuf>) -> RedisCluster {
        let dir = Dir::with(&[]);
        let mut ports = Vec::new();
        while ports.len() < MASTERS {
            let port = cluster_port();
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
        let masters = ports
            .iter()
            .map(|port| Some(master(&dir.0, *port, tls.as_deref())))
            .collect();
        let cluster = RedisCluster {
            masters,
            ports,
            tls,
            dir,
        };
        let mut create = cluster.cli();
        create.arg("--cluster").arg("create");
        for port in &cluster.ports {
            create.arg(format!("127.0.0.1:{port}"));
        }
        let created = create
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli runs (scripts/test installs it)");
        assert!(
            created.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&created.stdout),
            String::from_utf8_lossy(&created.stderr)
        );
        cluster.wait_until_ok();
        cluster
    }

    /// The URL of master `index` (0 holds slots 0 to 5460).
    pub(crate) fn url(&self, index: usize) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}", self.ports[index])
    }

    /// Kills master `index` (SIGKILL): its slots have no server until it
    /// is started again.
    pub(crate) fn kill(&mut self, index: usize) {
        self.masters[index] = None;
    }

    /// Starts master `index` again, on its port with its nodes file, and
    /// waits until the cluster is ok.
    pub(crate) fn restart(&mut self, index: usize) {
        let tls = self.tls.as_deref();
        self.masters[index] = Some(master(&self.dir.0, self.ports[index], tls));
        self.wait_until_ok();
    }

    /// Waits (30 s at most) until every running master says
    /// `cluster_state:ok`.
    pub(crate) fn wait_until_ok(&self) {
        let started = Instant::now();
        loop {
            let states: Vec<String> = self
                .running()
                .map(|index| self.ask(index, &["CLUSTER", "INFO"]))
                .collect();
            if states.iter().all(|info| info.contains("cluster_state:ok")) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the cluster is not ok after 30 s: {states:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// How many keys master `index` holds.
    pub(crate) fn keys_on(&self, index: usize) -> u64 {
        let answer = self.ask(index, &["DBSIZE"]);
        answer
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("DBSIZE answered {answer:?}"))
    }

    /// How many keys the running masters hold.
    pub(crate) fn keys(&self) -> u64 {
        self.running().map(|index| self.keys_on(index)).sum()
    }

    /// How many clients subscribe to `channel` on master `index` (pub/sub
    /// is per node: a node counts its own subscribers).
    pub(crate) fn subscribers_on(&self, index: usize, channel: &str) -> u64 {
        let answer = self.ask(index, &["PUBSUB", "NUMSUB", channel]);
        answer
            .lines()
            .nth(1)
            .and_then(|count| count.trim().parse().ok())
            .unwrap_or_else(|| panic!("PUBSUB NUMSUB answered {answer:?}"))
    }

    /// The masters running now.
    pub(crate) fn running(&self) -> impl Iterator<Item = usize> + '_ {
        (0..MASTERS).filter(|index| self.masters[*index].is_some())
    }

    /// `redis-cli`, with TLS when the nodes speak it.
    fn cli(&self) -> Command {
        let mut cli = Command::new("redis-cli");
        if let Some(tls) = &self.tls {
            cli.arg("--tls").arg("--cacert").arg(tls.join("ca.pem"));
        }
        cli
    }

    /// `redis-cli -p <port of index> <command>`'s output.
    fn ask(&self, index: usize, command: &[&str]) -> String {
        let output = self
            .cli()
            .args(["-h", "127.0.0.1", "-p", &self.ports[index].to_string()])
            .args(command)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// A master on `port`, its nodes file and data in `dir`; with TLS alone
/// (the certificates in `tls`) if given.
fn master(dir: &Path, port: u16, tls: Option<&Path>) -> Listening {
    let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
    let mut command = Command::new(binary);
    match tls {
        None => command.args(["--port", &port.to_string()]),
        Some(tls) => command
            .args(["--port", "0", "--tls-port", &port.to_string()])
            .args(["--tls-cluster", "yes", "--tls-auth-clients", "no"])
            .arg("--tls-cert-file")
            .arg(tls.join("server.pem"))
            .arg("--tls-key-file")
            .arg(tls.join("server.key"))
            .arg("--tls-ca-cert-file")
            .arg(tls.join("ca.pem")),
    };
    command
        .args(["--bind", "127.0.0.1"])
        .args(["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"])
        .arg("--cluster-config-file")
        .arg(dir.join(format!("nodes-{port}.conf")))
        .arg("--dir")
        .arg(dir)
        .args(["--save", "", "--appendonly", "no"]);
    Listening::start(&mut command, port)
}

/// A free port whose cluster bus port (10,000 above) is free too.
fn cluster_port() -> u16 {
    loop {
        let port = free_port();
        if port < 55_535 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}
