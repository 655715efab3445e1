//! The Redis tier on a Redis Cluster of three masters started here
//! (`support::cluster`): instances given one node's URL share what they
//! fetch and hear each other's writes, though a batch's keys lie on every
//! master; a master killed under load fails no request, and Redis is used
//! again once it is back. The server binary takes `--redis-cluster-url`.

mod support;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use peregrine::loader::{RedisTier, Scope, TierSettings};
use serde_json::{json, Value};
use support::cluster::RedisCluster;
use support::{
    answered_from_redis, capture_logs, has_errors, home, home_videos, instance, instant,
    start_backend, versioned, Harness,
};

/// The channel of write notices.
const WRITES: &str = "peregrine:writes";

/// A tier on the cluster of the node(s) at `url`, with the default
/// timeout (50 ms).
fn tier(url: &str) -> RedisTier {
    RedisTier::connect_cluster(url, TierSettings::default()).expect("valid node URLs")
}

/// As [`tier`], with 250 ms: where a test counts what was written, a fill
/// timed out on a busy machine (a debug build, the tests in parallel)
/// would fail it, and the timeout is not what it checks.
fn patient_tier(url: &str) -> RedisTier {
    let settings = TierSettings {
        timeout: Duration::from_millis(250),
        ..TierSettings::default()
    };
    RedisTier::connect_cluster(url, settings).expect("valid node URLs")
}

/// Waits (`within` at most) until `done` holds; `what` names it if not.
async fn eventually(within: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < within, "{what} within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A set of video 7's rating for u17.
fn set_rating(rating: f64) -> Value {
    json!({
        "method": "set",
        "jsonGraph": {"jsonGraph": {"videos": {"7": {"rating": rating}}}, "paths": [["videos", 7, "rating"]]},
    })
}

/// Has `reader` see a write through `writer` of video 7's rating for u17,
/// which `reader` holds in its own cache: within 2 s, by the notice
/// (without it, it would keep its copy for the user TTL, 60 s).
async fn a_write_reaches(writer: &Harness, reader: &Harness) {
    let rating = json!([["videos", 7, "rating"]]);
    let before = reader.get(Some("u17"), rating.clone()).await;
    assert_eq!(reader.get(Some("u17"), rating.clone()).await, before);
    let new_rating = if before["videos"]["7"]["rating"] == json!(1.0) {
        5.0
    } else {
        1.0
    };
    let (status, answer) = writer.post("u17", set_rating(new_rating)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let started = Instant::now();
    loop {
        let read = reader.get(Some("u17"), rating.clone()).await;
        if read["videos"]["7"]["rating"] == json!(new_rating) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the reader still answers {read} 2 s after the write"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two instances over one backend on one cluster: A knows one node, B
/// two others; each finds the rest.
async fn two_instances_on_a_cluster() -> (RedisCluster, Harness, Harness) {
    let cluster = RedisCluster::start();
    let backend = start_backend(instant()).await;
    let a = instance(&backend, &patient_tier(&cluster.url(0)));
    let b = instance(
        &backend,
        &patient_tier(&format!("{},{}", cluster.url(1), cluster.url(2))),
    );
    (cluster, a, b)
}

#[tokio::test]
async fn instances_on_a_cluster_share_what_they_fetch() {
    let (cluster, a, b) = two_instances_on_a_cluster().await;
    a.reset_calls().await;
    let through_a = a.get(Some("u17"), home()).await;
    let made = a.calls_made().await;
    for route in ["GET /rows", "GET /lists", "GET /videos", "GET /ratings"] {
        assert_eq!(made.get(route), Some(&1), "{route}: {made:?}");
    }
    // Every entry is written (1 row list, 10 lists, 100 videos, 100
    // ratings), to the master of its slot: all three hold some.
    eventually(Duration::from_secs(2), "211 entries in the cluster", || {
        cluster.keys() == 211
    })
    .await;
    for master in 0..3 {
        assert!(cluster.keys_on(master) > 0, "master {master} holds none");
    }
    // B has never seen the request: it answers the same, all from Redis.
    answered_from_redis(&a, &b, &through_a).await;
}

#[tokio::test]
async fn instances_on_a_cluster_hear_each_others_writes() {
    let (_cluster, a, b) = two_instances_on_a_cluster().await;
    // Writes reach the other instance's own cache, both ways.
    a_write_reaches(&a, &b).await;
    a_write_reaches(&b, &a).await;
}

#[tokio::test]
async fn dropping_a_scope_deletes_its_entries_on_every_master() {
    let cluster = RedisCluster::start();
    let version = Arc::new(AtomicU64::new(1));
    let calls = Arc::new(AtomicU64::new(0));
    let a = versioned(
        "items",
        &patient_tier(&cluster.url(0)),
        version.clone(),
        calls.clone(),
        None,
    );
    let keys: Vec<u64> = (0..60).collect();
    let (u1, u2) = (Scope::user("u1"), Scope::user("u2"));
    a.load_many(u1.clone(), keys.clone()).await;
    a.load_many(u2.clone(), keys.clone()).await;
    eventually(Duration::from_secs(2), "120 entries in the cluster", || {
        cluster.keys() == 120
    })
    .await;
    for master in 0..3 {
        assert!(cluster.keys_on(master) > 0, "master {master} holds none");
    }

    version.store(2, Ordering::SeqCst);
    a.invalidate_scope(u1.clone()).await;
    // u1's entries are gone from every master (a scan of each), u2's
    // are kept.
    eventually(Duration::from_secs(2), "u1's entries deleted", || {
        cluster.keys() == 60
    })
    .await;
    let b = versioned(
        "items",
        &patient_tier(&cluster.url(2)),
        version,
        calls.clone(),
        None,
    );
    let before = calls.load(Ordering::SeqCst);
    let theirs = b.load_many(u2, keys.clone()).await;
    assert_eq!(theirs.len(), 60);
    assert!(theirs.values().all(|value| value == &Ok(1)));
    assert_eq!(calls.load(Ordering::SeqCst), before, "u2's from Redis");
    let mine = b.load_many(u1, keys).await;
    assert_eq!(mine.len(), 60);
    assert!(mine.values().all(|value| value == &Ok(2)));
    assert_eq!(calls.load(Ordering::SeqCst), before + 1, "u1's read afresh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_a_master_under_load_loses_no_request_and_redis_is_used_again_once_it_is_back() {
    // The one test of this file that reads the logs (a process-wide
    // capture).
    let logs = capture_logs(tracing::Level::INFO);
    let mut cluster = RedisCluster::start();
    let backend = start_backend(instant()).await;
    let seed = cluster.url(0);
    let (tier_a, tier_b) = (tier(&seed), tier(&seed));
    let a = Arc::new(instance(&backend, &tier_a));
    let b = Arc::new(instance(&backend, &tier_b));
    // Both listen for notices on master 0, the first the cluster names.
    eventually(Duration::from_secs(5), "two listeners on master 0", || {
        cluster.subscribers_on(0, WRITES) == 2
    })
    .await;

    // Users open the app on both instances for 5 s; master 0, the node
    // both were given, dies after 300 ms (its slots are refused by the
    // others from then, and the whole cluster says it is down 2 to 4 s
    // later).
    let started = Instant::now();
    let mut users = Vec::new();
    for user in 0..8_u64 {
        let instance = if user % 2 == 0 { a.clone() } else { b.clone() };
        users.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for round in 0.. {
                if started.elapsed() > Duration::from_secs(5) {
                    break;
                }
                // u1 to u880 (the backend has u1 to u1000).
                let id = format!("u{}", 1 + (round * 8 + user) % 880);
                answers.push((id.clone(), instance.get(Some(&id), home()).await));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            answers
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.kill(0);
    let mut answered = 0;
    for user in users {
        for (id, answer) in user.await.expect("the user's task") {
            assert!(!has_errors(&answer), "{id}: {answer}");
            assert_eq!(home_videos(&answer).len(), 100, "{id}");
            answered += 1;
        }
    }
    assert!(answered >= 80, "only {answered} requests in 5 s");
    assert!(tier_a.is_down() && tier_b.is_down(), "the breakers opened");
    let warned = logs
        .text()
        .lines()
        .filter(|line| line.contains("Redis tier unavailable") && line.contains(&seed))
        .count();
    assert!(
        warned >= 2,
        "each tier warns, naming its seed: {}",
        logs.text()
    );
    // The listeners moved to the masters still running.
    eventually(
        Duration::from_secs(5),
        "two listeners on masters 1 and 2",
        || cluster.subscribers_on(1, WRITES) + cluster.subscribers_on(2, WRITES) == 2,
    )
    .await;

    // Master 0 back on its port with its nodes file: it rejoins with its
    // slots, and the tiers use the cluster again.
    cluster.restart(0);
    let back = Instant::now();
    let mut users = 901..=1000;
    loop {
        // A user not seen before: fetched through A, a Redis hit on B.
        let user = users.next().expect("a user not seen before");
        let id = format!("u{user}");
        let answer = a.get(Some(&id), home()).await;
        assert!(!has_errors(&answer), "{answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let traced = b.get_traced(&id, home()).await;
        assert!(!has_errors(&traced["jsonGraph"]), "{traced}");
        let batches = traced["trace"]["batches"].as_array().expect("batches");
        if !batches.is_empty()
            && batches
                .iter()
                .all(|batch| batch["redisHits"] == batch["keys"])
        {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(15),
            "Redis not used again 15 s after master 0 came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(cluster.keys_on(0) > 0, "master 0 holds entries again");
    assert!(!tier_a.is_down() && !tier_b.is_down());
    assert!(logs.text().contains("Redis tier back"), "{}", logs.text());
    // And writes still reach the other instance, from its new node.
    a_write_reaches(&a, &b).await;
}

/// What one run of the server binary did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stderr: String,
}

/// `peregrine serve` over an unreachable backend with `flags`, run until
/// it exits.
fn serve_refused(flags: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_peregrine"))
        .args(["serve", "--dev-auth", "--backend", "http://127.0.0.1:9"])
        .args(["--port", "0"])
        .args(flags)
        .env_remove("PEREGRINE_REDIS_URL")
        .env_remove("PEREGRINE_REDIS_CLUSTER_URL")
        .stdout(Stdio::null())
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn the_server_refuses_two_redis_tiers() {
    let both = serve_refused(&[
        "--redis-url",
        "redis://127.0.0.1:6379",
        "--redis-cluster-url",
        "redis://127.0.0.1:7000",
    ]);
    assert_eq!(both.code, Some(2), "{both:?}");
    assert!(
        both.stderr.contains("--redis-cluster-url") && both.stderr.contains("cannot be used with"),
        "{both:?}"
    );
    assert!(both.stderr.contains("--redis-url"), "{both:?}");
}

#[test]
fn the_server_refuses_bad_node_urls_naming_them_without_passwords() {
    let empty = serve_refused(&["--redis-cluster-url", "redis://127.0.0.1:7000,"]);
    assert_eq!(empty.code, Some(1), "{empty:?}");
    assert!(
        empty.stderr.contains("--redis-cluster-url")
            && empty
                .stderr
                .contains("an empty node in `redis://127.0.0.1:7000,`"),
        "{empty:?}"
    );

    let scheme = serve_refused(&["--redis-cluster-url", "http://:secret@10.0.0.1:7000"]);
    assert_eq!(scheme.code, Some(1), "{scheme:?}");
    assert!(
        scheme
            .stderr
            .contains("invalid Redis Cluster node URL `http://***@10.0.0.1:7000`"),
        "{scheme:?}"
    );
    assert!(!scheme.stderr.contains("secret"), "{scheme:?}");
}

/// `get` of `paths` as `user` from the server binary at `url`; the
/// answer as a falcor client reads it.
async fn get_from(url: &str, user: &str, paths: &Value) -> Value {
    let query = serde_urlencoded::to_string([("method", "get"), ("paths", &paths.to_string())])
        .expect("encodable");
    let answer: Value = reqwest::Client::new()
        .get(format!("{url}?{query}"))
        .header("Authorization", format!("Bearer {user}"))
        .send()
        .await
        .expect("the binary answers")
        .json()
        .await
        .expect("JSON");
    support::plain(answer)["jsonGraph"].clone()
}

#[tokio::test]
async fn the_server_binary_answers_from_the_cluster_given_one_node() {
    let cluster = RedisCluster::start();
    let backend = start_backend(instant()).await;
    let a = instance(&backend, &patient_tier(&cluster.url(0)));
    let seed = cluster.url(1);
    let server = support::process::Binary::serve(
        &backend,
        &[
            "--log-format",
            "json",
            "--answer-cache-mb",
            "0",
            "--redis-cluster-url",
            &seed,
        ],
        &[],
    );
    // Users fetched through A are answered by the binary with no backend
    // call, once it has connected to the cluster (in the background: its
    // first requests may come before).
    let started = Instant::now();
    for user in 17.. {
        let user = format!("u{user}");
        let through_a = a.get(Some(&user), home()).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        a.reset_calls().await;
        let answer = get_from(&server.url, &user, &home()).await;
        assert_eq!(answer, through_a);
        if a.calls_made().await.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the binary still calls the backend for what A fetched 10 s after it started"
        );
    }
    // Its log names the cluster by the node it was given.
    let logged = server.lines();
    assert!(
        logged.iter().any(|line| line.contains("Redis tier")
            && line.contains(&seed)
            && line.contains("\"cluster\":true")),
        "{logged:?}"
    );
}
