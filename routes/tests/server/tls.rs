//! `https://` services: the demo backend behind nginx terminating TLS
//! with a certificate the test makes, called with the test's CA trusted
//! (`--backend-ca`, `Trust::with_pem_file`), and refused, naming why, when
//! it is not.

use crate::support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::cluster::RedisCluster;
use crate::support::process::{free_port, Listening};
use crate::support::{home, home_videos, instance, instant, start_backend, Build, Dir, Harness};
use peregrine::loader::{RedisTier, TierSettings};
use peregrine::upstream::{Pool, Trust};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use serde_json::json;

/// A CA and a certificate it signed for `localhost` and 127.0.0.1, as PEM
/// files in `dir`: `ca.pem`, `server.pem`, `server.key`.
fn certificates(dir: &Path) {
    let ca_key = KeyPair::generate().expect("a key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Peregrine test CA");
    let ca = ca.self_signed(&ca_key).expect("a CA certificate");
    let key = KeyPair::generate().expect("a key");
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let server = CertificateParams::new(names)
        .expect("server parameters")
        .signed_by(&key, &ca, &ca_key)
        .expect("a server certificate");
    std::fs::write(dir.join("ca.pem"), ca.pem()).expect("written");
    std::fs::write(dir.join("server.pem"), server.pem()).expect("written");
    std::fs::write(dir.join("server.key"), key.serialize_pem()).expect("written");
}

/// nginx terminating TLS on a free port of 127.0.0.1 in front of
/// `backend`, with the certificates of `dir` ([`certificates`]).
fn nginx_tls(dir: &Path, backend: &str) -> Listening {
    let upstream = backend.trim_start_matches("http://");
    let d = dir.display();
    Listening::nginx(
        dir,
        free_port(),
        &format!("upstream backend {{ server {upstream}; keepalive 16; }}"),
        &format!(
            " ssl;\n    ssl_certificate {d}/server.pem;\n    ssl_certificate_key {d}/server.key;\n    \
             location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }}"
        ),
    )
}

/// The catalog over `https://localhost:PORT` (nginx), its services
/// trusting `trust`.
fn serve_over_tls(backend: &str, nginx: &Listening, trust: Trust) -> Harness {
    let url = format!("https://localhost:{}", nginx.port);
    let build = Build {
        endpoints: peregrine_routes::Endpoints::all(&url),
        pool: Some(Pool::from_trust(trust)),
        ..Build::over(backend)
    };
    Harness::build(build, |_| {})
}

/// The demo backend behind nginx terminating TLS with a certificate of
/// the test's CA: the directory of the certificates, the backend, nginx.
async fn backend_behind_tls() -> (Dir, String, Listening) {
    let dir = Dir::with(&[]);
    certificates(&dir.0);
    let backend = start_backend(instant()).await;
    let nginx = nginx_tls(&dir.0, &backend);
    (dir, backend, nginx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_over_https_answer_with_the_ca_trusted() {
    let (dir, backend, nginx) = backend_behind_tls().await;

    let trust = Trust::system()
        .with_pem_file(dir.0.join("ca.pem"))
        .expect("the CA reads");
    let harness = serve_over_tls(&backend, &nginx, trust);
    let graph = harness.get(Some("u1"), home()).await;
    let videos = home_videos(&graph);
    assert_eq!(videos.len(), 100, "{graph}");
    let catalog = harness
        .backend(
            reqwest::Method::GET,
            &format!("/videos?ids={}", videos[0].0),
        )
        .await;
    assert_eq!(
        videos[0].1["title"],
        catalog[videos[0].0.to_string()]["title"],
        "{graph}"
    );
    assert!(
        videos.iter().all(|(_, video)| video["rating"].is_number()),
        "{graph}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_ca_a_services_paths_are_errors_naming_the_certificate_problem() {
    let (_dir, backend, nginx) = backend_behind_tls().await;
    // The system's roots alone: the test's CA is not among them.
    let harness = serve_over_tls(&backend, &nginx, Trust::system());
    let graph = harness
        .get(Some("u1"), json!([["genreLists", 0, "name"]]))
        .await;
    let error = &graph["genreLists"]["0"];
    assert_eq!(error["$type"], "error", "{graph}");
    assert_eq!(
        error["value"]["message"],
        "lists service unavailable: its TLS certificate is issued by an authority this server \
         does not trust (give the CA with --backend-ca or the service's `ca_file`)",
        "{graph}"
    );
}

#[test]
fn a_ca_file_that_is_not_pem_is_refused_naming_it() {
    let dir = Dir::with(&[("ca.pem", "not a certificate".to_owned())]);
    let error = Trust::system()
        .with_pem_file(dir.0.join("ca.pem"))
        .expect_err("no certificate");
    let text = error.to_string();
    assert!(
        text.contains("ca.pem") && text.contains("holds no PEM certificate"),
        "{text}"
    );
}

/// A `redis-server` listening with TLS alone (the certificates of `dir`)
/// on a free port.
fn tls_redis(dir: &Path) -> Listening {
    let port = free_port();
    let file = |name: &str| dir.join(name).display().to_string();
    let mut command = Command::new("redis-server");
    command
        .args([
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--tls-port", &port.to_string()])
        .args(["--tls-cert-file", &file("server.pem")])
        .args(["--tls-key-file", &file("server.key")])
        .args(["--tls-ca-cert-file", &file("ca.pem")])
        .args(["--tls-auth-clients", "no"]);
    Listening::start(&mut command, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rediss_tier_shares_what_one_instance_fetched_with_another() {
    let dir = Dir::with(&[]);
    certificates(&dir.0);
    let redis = tls_redis(&dir.0);
    let ca = std::fs::read(dir.0.join("ca.pem")).expect("the CA");
    let tier = || {
        let settings = TierSettings {
            timeout: Duration::from_millis(500),
            ca_pem: Some(ca.clone()),
            ..TierSettings::default()
        };
        RedisTier::connect(&format!("rediss://localhost:{}", redis.port), settings)
            .expect("a valid URL")
    };
    let backend = start_backend(instant()).await;
    let a = instance(&backend, &tier());
    let through_a = a.get(Some("u17"), home()).await;
    // Once A's values are in Redis, a new instance B (its local cache
    // empty) answers the same without the backend.
    let started = Instant::now();
    loop {
        let b = instance(&backend, &tier());
        b.reset_calls().await;
        let through_b = b.get(Some("u17"), home()).await;
        if b.calls_made().await.is_empty() {
            assert_eq!(through_b, through_a);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "B never read A's values from Redis"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_files_service_trusts_its_own_ca_file() {
    let (dir, backend, nginx) = backend_behind_tls().await;
    let file = format!(
        "[services.films]\nurl = \"https://localhost:{}\"\nca_file = \"ca.pem\"\n\n\
         [[routes]]\npattern = \"films[{{integers:ids}}].title\"\n\
         get = {{ service = \"films\", path = \"/videos?ids={{ids}}\" }}\n",
        nginx.port
    );
    std::fs::write(dir.0.join("films.toml"), file).expect("written");
    let build = Build {
        dirs: vec![dir.0.clone()],
        ..Build::over(&backend)
    };
    let harness = Harness::build(build, |_| {});
    let graph = harness.get(None, json!([["films", 7, "title"]])).await;
    let catalog = harness.backend(reqwest::Method::GET, "/videos?ids=7").await;
    assert_eq!(
        graph["films"]["7"]["title"], catalog["7"]["title"],
        "{graph}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_takes_backend_ca_and_redis_ca_for_https_services_and_rediss() {
    let (dir, _backend, nginx) = backend_behind_tls().await;
    let redis = tls_redis(&dir.0);
    let ca = dir.0.join("ca.pem").display().to_string();
    let services = format!("https://localhost:{}", nginx.port);
    let redis_url = format!("rediss://localhost:{}", redis.port);
    let server = support::process::Binary::serve(
        &services,
        &[
            "--backend-ca",
            &ca,
            "--redis-url",
            &redis_url,
            "--redis-ca",
            &ca,
            "--redis-timeout-ms",
            "500",
        ],
        &[],
    );
    let query = serde_urlencoded::to_string([("method", "get"), ("paths", &home().to_string())])
        .expect("encodable");
    let http = reqwest::Client::new();
    let answer = http
        .get(format!("{}?{query}", server.url))
        .header("authorization", "Bearer u1")
        .send()
        .await
        .expect("an answer");
    let graph: serde_json::Value = answer.json().await.expect("JSON");
    let videos = home_videos(&graph["jsonGraph"]);
    assert_eq!(videos.len(), 100, "{graph}");
    assert!(!graph.to_string().contains("\"error\""), "{graph}");
    // The values went through Redis: looked up there before each call.
    let metrics = http
        .get(server.url.replace("/model.json", "/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("peregrine_cache_misses_total")
                && line.contains("tier=\"redis\"")),
        "{metrics}"
    );
    assert!(
        !metrics.contains("peregrine_redis_errors_total"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rediss_cluster_shares_what_one_instance_fetched_and_tells_its_writes() {
    let dir = Dir::with(&[]);
    certificates(&dir.0);
    let cluster = RedisCluster::start_tls(&dir.0);
    let ca = std::fs::read(dir.0.join("ca.pem")).expect("the CA");
    let tier = |url: String| {
        let settings = TierSettings {
            timeout: Duration::from_millis(500),
            ca_pem: Some(ca.clone()),
            ..TierSettings::default()
        };
        RedisTier::connect_cluster(&url, settings).expect("valid node URLs")
    };
    let backend = start_backend(instant()).await;
    // Each knows one node, over TLS, and finds the others.
    let a = instance(&backend, &tier(cluster.url(0)));
    let b = instance(&backend, &tier(cluster.url(1)));
    let through_a = a.get(Some("u17"), home()).await;
    let started = Instant::now();
    while cluster.keys() < 211 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "A's values not in the cluster"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.reset_calls().await;
    assert_eq!(b.get(Some("u17"), home()).await, through_a);
    assert_eq!(b.calls_made().await, std::collections::HashMap::new());

    // A write through A reaches B's own cache, by a notice over TLS.
    let rating = json!([["videos", 7, "rating"]]);
    let before = b.get(Some("u17"), rating.clone()).await["videos"]["7"]["rating"].clone();
    let new_rating = if before == json!(1.0) { 5.0 } else { 1.0 };
    let set = json!({
        "method": "set",
        "jsonGraph": {"jsonGraph": {"videos": {"7": {"rating": new_rating}}}, "paths": [["videos", 7, "rating"]]},
    });
    let (status, answer) = a.post("u17", set).await;
    assert_eq!(status, axum::http::StatusCode::OK, "{answer}");
    let started = Instant::now();
    while b.get(Some("u17"), rating.clone()).await["videos"]["7"]["rating"] != json!(new_rating) {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "B still answers its own copy 2 s after the write"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
