//! The trace of a catalog request: each wave, each route call with what
//! it matched, each loader's load with its cache hits, each batch the
//! request fired; a warm request shows its hits and no batch.

use std::collections::HashMap;

use crate::support::{home, instant, Harness};
use serde_json::{json, Value};

/// `(loader, figure)` of each record of `kind` (`loads` or `batches`),
/// summed per loader.
fn per_loader(trace: &Value, kind: &str, figure: &str) -> HashMap<String, u64> {
    let mut sums = HashMap::new();
    for record in trace[kind].as_array().expect("a list") {
        let loader = record["loader"].as_str().expect("a loader").to_string();
        *sums.entry(loader).or_default() += record[figure].as_u64().expect("a count");
    }
    sums
}

fn counts(pairs: &[(&str, u64)]) -> HashMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[tokio::test]
async fn a_home_request_traces_its_waves_routes_loads_and_batches() {
    let harness = Harness::start(instant()).await;
    let body = harness.get_traced("u17", home()).await;
    assert!(body["jsonGraph"]["genreLists"].is_object());
    let trace = &body["trace"];
    // genreLists, then lists through the rows' refs, then videos.
    let waves = trace["waves"].as_array().expect("waves");
    assert_eq!(waves.len(), 3, "{trace}");
    assert!(waves[1]["paths"][0]
        .as_str()
        .is_some_and(|p| p.starts_with("lists[")));
    assert!(waves[2]["paths"][0]
        .as_str()
        .is_some_and(|p| p.starts_with("videos[")));
    let routes: Vec<(u64, &str)> = trace["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| {
            (
                r["wave"].as_u64().unwrap_or(99),
                r["route"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        routes.contains(&(0, "genreLists[{integers:indices}]")),
        "{routes:?}"
    );
    assert!(
        routes.contains(&(1, "lists[{keys:ids}].name")),
        "{routes:?}"
    );
    assert!(
        routes.contains(&(2, "videos[{integers:ids}].rating")),
        "{routes:?}"
    );
    // One batch per backend read: 1 user's rows, 10 lists, 100 videos and
    // their 100 ratings; nothing came from a cache.
    let expected = counts(&[
        ("rows", 1),
        ("lists", 10),
        ("videos", 100),
        ("ratings", 100),
    ]);
    assert_eq!(per_loader(trace, "batches", "keys"), expected);
    assert_eq!(
        per_loader(trace, "batches", "redisHits"),
        counts(&[("rows", 0), ("lists", 0), ("videos", 0), ("ratings", 0)])
    );
    assert!(per_loader(trace, "loads", "localHits")
        .values()
        .all(|hits| *hits == 0));
    // Each load and batch names the route call it ran under.
    let route_ids = trace["routes"].as_array().map_or(0, Vec::len) as u64;
    for record in trace["loads"]
        .as_array()
        .into_iter()
        .chain(trace["batches"].as_array())
        .flatten()
    {
        assert!(
            record["route"].as_u64().is_some_and(|id| id < route_ids),
            "{record}"
        );
        assert_eq!(record["error"].as_str(), None, "{record}");
    }

    // Warm: every key is a local hit, no batch is fired.
    let again = harness.get_traced("u17", home()).await;
    let trace = &again["trace"];
    assert_eq!(trace["batches"], json!([]), "{trace}");
    let keys = per_loader(trace, "loads", "keys");
    assert_eq!(per_loader(trace, "loads", "localHits"), keys);
    assert_eq!(keys.get("videos"), Some(&100));
}
