//! What is refused before anything runs, each refusal naming why: query
//! text past its limit, fields past the complexity limit however they
//! are written, `Int`s past 32 bits, and a mutation whose read-back the
//! router would refuse (before it writes).

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use peregrine::graphql::Limits;

use super::support::{graphql, instant, Harness};
use super::{my_list_length, post, refusal};

#[tokio::test]
async fn query_text_past_its_limit_is_refused_before_it_is_parsed() {
    let harness = Harness::start(instant()).await;
    // 90,000 `__typename`s: about 1 MB, within the body limit.
    let query = format!("{{ {} }}", "__typename ".repeat(90_000));
    let (status, answer) = graphql(&harness, None, &query).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("{} bytes", query.len())) && message.contains("(query_bytes)"),
        "{message}"
    );
    assert!(answer.get("data").is_none_or(Value::is_null), "{message}");
    // A query at the limit is parsed and answered.
    let limit = Limits::default().query_bytes;
    let padded = format!("{{ __typename }}{}", " ".repeat(limit - 14));
    assert_eq!(padded.len(), limit);
    let (_, answer) = graphql(&harness, None, &padded).await;
    assert_eq!(answer["data"]["__typename"], "Query", "{answer}");
}

#[tokio::test]
async fn every_field_counts_toward_complexity_typename_and_introspection_too() {
    let limits = Limits {
        complexity: 4,
        ..Limits::default()
    };
    let typenames = format!("{{ {} }}", "__typename ".repeat(5));
    let message = refusal(limits, &typenames).await;
    assert!(
        message.contains("selects 5 fields") && message.contains("(complexity"),
        "{message}"
    );
    let introspection = "{ __schema { queryType { name } } __typename __typename }";
    let message = refusal(limits, introspection).await;
    assert!(
        message.contains("selects 5 fields") && message.contains("(complexity"),
        "{message}"
    );
}

#[test]
fn fragments_spread_many_ways_are_counted_at_once_and_refused() {
    // Each fragment spreads the one below ten times, nine deep: 10^9
    // `__typename`s in a 1 KB query. Counting them must not walk them.
    let mut query = String::from("{ ...F9 }\nfragment F0 on Query { __typename }\n");
    for level in 1..=9 {
        let spreads = format!("...F{} ", level - 1).repeat(10);
        query.push_str(&format!("fragment F{level} on Query {{ {spreads}}}\n"));
    }
    // On a thread of its own: a walk of every spread would not yield to
    // a timer.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let _ = sender.send(runtime.block_on(refusal(Limits::default(), &query)));
    });
    let refused = receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("refused at once, not after walking every spread");
    assert!(
        refused.contains("selects 1000000000 fields") && refused.contains("(complexity"),
        "{refused}"
    );
}

#[tokio::test]
async fn an_int_past_32_bits_is_refused_naming_the_argument() {
    let harness = Harness::start(instant()).await;
    let (_, answer) = graphql(&harness, None, "{ video(id: 2147483648) { title } }").await;
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`id`") && message.contains("2147483648") && message.contains("32-bit"),
        "{answer}"
    );
    assert!(answer.get("data").is_none_or(Value::is_null), "{answer}");

    let query = "query Detail($video: Int!) { video(id: $video) { title } }";
    for value in [json!(2_147_483_648_i64), json!(-2_147_483_649_i64)] {
        let body = json!({"query": query, "variables": {"video": value}});
        let (_, answer) = post(&harness, None, body).await;
        let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("`$video`") && message.contains(&value.to_string()),
            "{answer}"
        );
    }
    // The largest Int is an Int: an unknown video, null.
    let body = json!({"query": query, "variables": {"video": 2_147_483_647}});
    let (_, answer) = post(&harness, None, body).await;
    assert!(answer.get("errors").is_none(), "{answer}");
    assert_eq!(answer["data"]["video"], Value::Null, "{answer}");
}

#[tokio::test]
async fn a_mutation_whose_read_back_is_past_the_path_limit_writes_nothing() {
    let harness = Harness::start(instant()).await;
    let before = my_list_length(&harness, "u17").await;
    // 10,000 paths to read back, past the router's 9,000.
    let (status, answer) = graphql(
        &harness,
        Some("u17"),
        "mutation { addToMyList(id: 5) { videos(from: 0, to: 9999) { title } } }",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("addToMyList")
            && message.contains("10000 paths, more than the limit of 9000"),
        "{answer}"
    );
    assert_eq!(my_list_length(&harness, "u17").await, before, "{answer}");

    // Of two writes, the second one's refusal stops the first too.
    let (_, answer) = graphql(
        &harness,
        Some("u17"),
        "mutation { first: addToMyList(id: 5) { length } \
           second: addToMyList(id: 6) { videos(from: 0, to: 9999) { title } } }",
    )
    .await;
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("more than the limit of 9000"), "{answer}");
    assert_eq!(answer["errors"][0]["path"], json!(["second"]), "{answer}");
    assert_eq!(my_list_length(&harness, "u17").await, before, "{answer}");
}
