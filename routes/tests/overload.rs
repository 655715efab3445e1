//! Overload, as an operator sees it: the real `peregrine serve` binary
//! over a slow backend, hit with twice its concurrency limit. Past the
//! limit requests are answered 503 within milliseconds instead of queueing
//! to a timeout, the others are served, and the server's memory stays
//! bounded while the overload lasts.

mod support;

use std::time::{Duration, Instant};

use support::process::Binary;

/// The resident memory of `pid` in KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("a /proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_twice_the_concurrency_limit_the_excess_is_shed_at_once_and_memory_stays_bounded() {
    const LIMIT: usize = 8;
    // Every backend call takes 300 ms: requests hold their slot that long.
    let backend = Binary::start(&["backend", "--port", "0", "--latency-ms", "300"], &[]);
    let server = Binary::serve(
        &backend.url,
        &[
            "--no-cache",
            "--max-concurrent-requests",
            &LIMIT.to_string(),
        ],
        &[],
    );
    let pid = server.child.id();
    let model = &server.url;
    let http = reqwest::Client::new();
    let url = format!("{model}?method=get&paths=%5B%5B%22videos%22%2C1%2C%22title%22%5D%5D");
    let baseline = rss_kib(pid);

    let mut shed = Vec::new();
    let mut served = 0;
    let mut peak = baseline;
    for round in 0..6 {
        let requests: Vec<_> = (0..LIMIT * 2)
            .map(|_| {
                let http = http.clone();
                let url = url.clone();
                tokio::spawn(async move {
                    let started = Instant::now();
                    let response = http
                        .get(&url)
                        .header("Authorization", "Bearer u1")
                        .send()
                        .await
                        .expect("an answer");
                    (response.status().as_u16(), started.elapsed())
                })
            })
            .collect();
        for request in requests {
            let (status, took) = request.await.expect("the request task ends");
            match status {
                503 => shed.push(took),
                200 => served += 1,
                other => panic!("round {round}: status {other}"),
            }
        }
        peak = peak.max(rss_kib(pid));
    }
    assert!(
        served >= 6 * LIMIT / 2,
        "only {served} requests were served"
    );
    assert!(shed.len() >= 6 * LIMIT / 2, "only {} were shed", shed.len());
    shed.sort();
    let slowest = shed[shed.len() - 1];
    // Shed at once: well under the 300 ms a served request takes.
    assert!(
        slowest < Duration::from_millis(100),
        "a 503 took {slowest:?}: {shed:?}"
    );
    // Bounded: the overload adds little to what the server started with.
    assert!(
        peak < baseline + 32 * 1024,
        "RSS went from {baseline} KiB to {peak} KiB under overload"
    );
}
