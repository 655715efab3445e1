//! The Redis tier, with a real `redis-server` started on a free loopback
//! port: two instances (each with its own local cache) over one backend
//! and one Redis share what they fetch, see each other's writes, and lose
//! no request when Redis dies or stalls.

mod support;

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use peregrine::loader::{RedisTier, Scope, TierSettings};
use serde_json::json;
use support::{
    answered_from_redis, capture_logs, has_errors, home, home_videos, instance, instant,
    start_backend, versioned, Harness,
};

/// A `redis-server` of the test's own, killed when dropped.
struct RedisServer {
    child: Child,
    url: String,
}

impl RedisServer {
    fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        RedisServer::start_on(port)
    }

    fn start_on(port: u16) -> RedisServer {
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--enable-debug-command", "yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {binary} ({error}): install redis-server (scripts/test does)")
            });
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not listen on {port} within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        RedisServer {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A plain connection, to look at what the instances stored.
    async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url.as_str())
            .expect("a Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("Redis answers")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Instances A and B, each with its own tier and local cache, over one
/// new backend and `redis`.
async fn two_instances(redis: &RedisServer) -> (Harness, Harness) {
    let backend = start_backend(instant()).await;
    (
        instance(&backend, &tier(redis)),
        instance(&backend, &tier(redis)),
    )
}

fn tier(redis: &RedisServer) -> RedisTier {
    RedisTier::connect(&redis.url, TierSettings::default()).expect("a valid URL")
}

#[tokio::test]
async fn a_value_fetched_through_one_instance_is_a_redis_hit_on_the_other() {
    let redis = RedisServer::start();
    let (a, b) = two_instances(&redis).await;

    a.reset_calls().await;
    let through_a = a.get(Some("u17"), home()).await;
    let made = a.calls_made().await;
    for route in ["GET /rows", "GET /lists", "GET /videos", "GET /ratings"] {
        assert_eq!(made.get(route), Some(&1), "{route}: {made:?}");
    }
    // What A fetched goes to Redis (after A answered), each user's under
    // that user: 1 row list, 10 lists, 100 videos, 100 ratings.
    let started = Instant::now();
    loop {
        let size: u64 = redis::cmd("DBSIZE")
            .query_async(&mut redis.connection().await)
            .await
            .expect("DBSIZE");
        if size == 211 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "Redis holds {size} entries"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("peregrine:*")
        .query_async(&mut redis.connection().await)
        .await
        .expect("KEYS");
    let videos = home_videos(&through_a);
    let video = videos[0].0;
    // Each key is the loader's name (a route file's load's with a hash of
    // its declaration), its scope and the key.
    let kept = |loader: &str, rest: &[String]| {
        keys.iter().any(|key| {
            key.strip_prefix(&format!("peregrine:{loader}"))
                .map(|after| {
                    after.split_once(':').map_or(after, |(hash, tail)| {
                        if hash.is_empty() || hash.starts_with('#') {
                            tail
                        } else {
                            after
                        }
                    })
                })
                .is_some_and(|tail| rest.iter().any(|rest| tail == rest))
        })
    };
    assert!(kept("videos", &[format!("shared:{video}")]), "{keys:?}");
    assert!(kept("ratings", &[format!("user:u17:{video}")]), "{keys:?}");
    assert!(
        kept("rows", &["user:u17:null".into(), "user:u17:\"\"".into()]),
        "{keys:?}"
    );

    // B has never seen the request: it answers the same, all from Redis,
    // as its trace says.
    answered_from_redis(&a, &b, &through_a).await;
    // And so do the metrics, by tier (the recorder is the process's, so
    // other tests of this file may have added to the counts).
    let metrics = b.text("/metrics").await;
    let redis_video_hits = metrics
        .lines()
        .find(|line| {
            line.starts_with("peregrine_cache_hits_total")
                && line.contains("loader=\"videos\"")
                && line.contains("tier=\"redis\"")
        })
        .and_then(|line| line.rsplit(' ').next()?.parse::<f64>().ok());
    assert!(
        redis_video_hits.is_some_and(|hits| hits >= 100.0),
        "{metrics}"
    );

    // Another user on B, the same videos: the catalog comes from Redis,
    // the user's own ratings from the backend.
    let ids: Vec<u64> = videos.iter().map(|(id, _)| *id).collect();
    let theirs = b
        .get(Some("u18"), json!([["videos", ids, ["title", "rating"]]]))
        .await;
    assert!(!has_errors(&theirs), "{theirs}");
    let made = b.calls_made().await;
    assert_eq!(made.get("GET /ratings"), Some(&1), "{made:?}");
    assert_eq!(made.get("GET /videos"), None, "{made:?}");
}

#[tokio::test]
async fn a_write_through_one_instance_is_seen_through_the_other() {
    let redis = RedisServer::start();
    let (a, b) = two_instances(&redis).await;
    let rating = json!([["videos", 7, "rating"]]);
    let my_list = json!([["myList", "length"]]);
    // Both instances hold the user's rating and list in their own caches,
    // and B its answers too (kept the second time they are asked).
    let before = a.get(Some("u17"), rating.clone()).await;
    assert_eq!(b.get(Some("u17"), rating.clone()).await, before);
    assert_eq!(b.get(Some("u17"), rating.clone()).await, before);
    b.get(Some("u17"), my_list.clone()).await;
    let length = a.get(Some("u17"), my_list.clone()).await["myList"]["length"].clone();
    assert_eq!(
        b.get(Some("u17"), my_list.clone()).await["myList"]["length"],
        length
    );
    assert_eq!(
        b.answers.as_ref().expect("an answer cache").size().0,
        2,
        "B keeps both answers"
    );

    let new_rating = if before["videos"]["7"]["rating"] == json!(1.0) {
        5.0
    } else {
        1.0
    };
    let set = json!({
        "method": "set",
        "jsonGraph": {"jsonGraph": {"videos": {"7": {"rating": new_rating}}}, "paths": [["videos", 7, "rating"]]},
    });
    let (status, answer) = a.post("u17", set).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let push = json!({
        "method": "call",
        "callPath": ["myList", "push"],
        "arguments": [{"$type": "ref", "value": ["videos", 123]}],
    });
    let (status, answer) = a.post("u17", push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let new_length = answer["jsonGraph"]["myList"]["length"].clone();
    assert_ne!(new_length, length);

    // B drops its own copies on A's write notices and reads the new
    // values from the backend: A left tombstones in Redis, not the values
    // it wrote, as only the service knows which of two concurrent writes
    // was the last.
    a.reset_calls().await;
    let started = Instant::now();
    loop {
        let rated = b.get(Some("u17"), rating.clone()).await;
        let listed = b.get(Some("u17"), my_list.clone()).await;
        if rated["videos"]["7"]["rating"] == json!(new_rating)
            && listed["myList"]["length"] == new_length
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "B still answers {rated} and {listed} 2 s after the writes through A"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let made = b.calls_made().await;
    assert_eq!(
        made.get("GET /ratings"),
        Some(&1),
        "read afresh once, then kept: {made:?}"
    );
    // The other user's rating is untouched.
    let theirs = b.get(Some("u18"), rating.clone()).await;
    assert_eq!(theirs, a.get(Some("u18"), rating).await);
}

#[tokio::test]
async fn killing_redis_mid_run_loses_no_request() {
    // The one test of this file that reads the logs (a process-wide
    // capture): the other tests' lines name other Redis ports.
    let logs = capture_logs(tracing::Level::INFO);
    let mut redis = RedisServer::start();
    let backend = start_backend(instant()).await;
    let tier = tier(&redis);
    let a = std::sync::Arc::new(instance(&backend, &tier));
    let mut clients = Vec::new();
    for client in 0..8 {
        let a = a.clone();
        clients.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for round in 0..20 {
                let user = format!("u{}", 1 + client * 20 + round);
                answers.push((user.clone(), a.get(Some(&user), home()).await));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            answers
        }));
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    redis.kill();
    let mut answered = 0;
    for client in clients {
        for (user, answer) in client.await.expect("the client task") {
            assert!(!has_errors(&answer), "{user}: {answer}");
            assert_eq!(home_videos(&answer).len(), 100, "{user}");
            answered += 1;
        }
    }
    assert_eq!(answered, 160);
    assert!(
        tier.is_down(),
        "the tier's breaker opened while Redis was gone"
    );
    // One warning for the outage, naming where Redis is.
    let warned = logs
        .text()
        .lines()
        .filter(|line| line.contains("Redis tier unavailable") && line.contains(&redis.url))
        .count();
    assert_eq!(warned, 1, "{}", logs.text());

    // Redis back on the same port: the tier reconnects by itself and is
    // filled again.
    let port = redis
        .url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let redis = RedisServer::start_on(port);
    let started = Instant::now();
    for user in 900.. {
        // A user not seen before: misses, so the tier is tried.
        let answer = a.get(Some(&format!("u{user}")), home()).await;
        assert!(!has_errors(&answer), "{answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let size: u64 = redis::cmd("DBSIZE")
            .query_async(&mut redis.connection().await)
            .await
            .expect("DBSIZE");
        if size > 0 && !tier.is_down() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the tier did not come back within 10 s of Redis"
        );
    }
    assert!(logs.text().contains("Redis tier back"), "{}", logs.text());
}

#[tokio::test]
async fn a_stalled_redis_costs_at_most_its_timeout() {
    let redis = RedisServer::start();
    let backend = start_backend(instant()).await;
    let a = instance(&backend, &tier(&redis));
    a.get(Some("u17"), home()).await;
    // Redis answers nothing for 3 s.
    let mut connection = redis.connection().await;
    let stall = tokio::spawn(async move {
        let _: redis::RedisResult<()> = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg(3)
            .query_async(&mut connection)
            .await;
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let answer = a.get(Some("u18"), home()).await;
    let took = started.elapsed();
    assert!(!has_errors(&answer), "{answer}");
    assert_eq!(home_videos(&answer).len(), 100);
    // Three waves, each with one Redis read and one fill bounded by the
    // 100 ms timeout (fewer once the breaker opens).
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    stall.abort();
}

#[tokio::test]
async fn an_answer_fetched_before_a_write_does_not_reach_redis_after_it() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let redis = RedisServer::start();
    let version = Arc::new(AtomicU64::new(1));
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let calls = Arc::new(AtomicU64::new(0));
    let a = versioned(
        "items",
        &tier(&redis),
        version.clone(),
        calls.clone(),
        Some(gate.clone()),
    );
    // A's call reads version 1 and waits; meanwhile the value changes and
    // A invalidates it.
    let in_flight = tokio::spawn(a.load_one(Scope::shared(), 7));
    tokio::time::sleep(Duration::from_millis(100)).await;
    version.store(2, Ordering::SeqCst);
    a.invalidate(Scope::shared(), 7).await;
    gate.add_permits(10);
    // The call began before the write: its callers get what it read.
    assert_eq!(in_flight.await.expect("the load"), Ok(Some(1)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Another instance reads the new value: the old answer was not
    // written to Redis over the write.
    let b = versioned("items", &tier(&redis), version, calls, None);
    assert_eq!(b.load_one(Scope::shared(), 7).await, Ok(Some(2)));
    assert_eq!(a.load_one(Scope::shared(), 7).await, Ok(Some(2)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sets_through_two_instances_leave_both_agreeing_with_the_service() {
    let redis = RedisServer::start();
    let (a, b) = two_instances(&redis).await;
    let rating = json!([["videos", 7, "rating"]]);
    for round in 0..20_u32 {
        // Both instances hold the rating, and its answer, in their caches.
        for instance in [&a, &b] {
            instance.get(Some("u17"), rating.clone()).await;
            instance.get(Some("u17"), rating.clone()).await;
        }
        let sets = (0..4_u32).map(|writer| {
            let through = if writer % 2 == 0 { a.clone() } else { b.clone() };
            let sent = f64::from(1 + (round + writer) % 5);
            tokio::spawn(async move {
                let set = json!({
                    "method": "set",
                    "jsonGraph": {"jsonGraph": {"videos": {"7": {"rating": sent}}}, "paths": [["videos", 7, "rating"]]},
                });
                let (status, answer) = through.post("u17", set).await;
                assert_eq!(status, StatusCode::OK, "{answer}");
                assert_eq!(answer["jsonGraph"]["videos"]["7"]["rating"], json!(sent));
            })
        });
        for set in futures::future::join_all(sets).await {
            set.expect("the set answered");
        }
        let service = a
            .backend(reqwest::Method::GET, "/ratings?user=u17&ids=7")
            .await["7"]
            .clone();
        // The instance that wrote last agrees at once; the other as soon
        // as the write notices reach it (milliseconds). Without them it
        // would keep its copy for the user TTL (60 s).
        let started = Instant::now();
        loop {
            let from_a = a.get(Some("u17"), rating.clone()).await["videos"]["7"]["rating"].clone();
            let from_b = b.get(Some("u17"), rating.clone()).await["videos"]["7"]["rating"].clone();
            if from_a == service && from_b == service {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "round {round}: the service holds {service}, A answers {from_a} and B {from_b}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
