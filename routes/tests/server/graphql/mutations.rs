//! Mutations: what they write is what later queries see, each user's
//! own; a write the route refuses is that field's error.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::support::{graphql, instant, Harness};

/// How many videos `user`'s list holds, as a query reads it.
pub(crate) async fn my_list_length(harness: &Harness, user: &str) -> i64 {
    let (_, answer) = graphql(harness, Some(user), "{ myList { length } }").await;
    answer["data"]["myList"]["length"]
        .as_i64()
        .unwrap_or_else(|| panic!("a length: {answer}"))
}

#[tokio::test]
async fn mutations_change_what_later_queries_see() {
    let harness = Harness::start(instant()).await;

    // Rate a video: the answer and a later query show the new rating.
    let (status, answer) = graphql(
        &harness,
        Some("u17"),
        "mutation { rateVideo(id: 7, rating: 4.5) { title rating } }",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["data"]["rateVideo"]["rating"],
        json!(4.5),
        "{answer}"
    );
    let (_, later) = graphql(&harness, Some("u17"), "{ video(id: 7) { rating } }").await;
    assert_eq!(later["data"]["video"]["rating"], json!(4.5), "{later}");
    // Another user's rating is untouched.
    let (_, theirs) = graphql(&harness, Some("u18"), "{ video(id: 7) { rating } }").await;
    assert_ne!(theirs["data"]["video"]["rating"], json!(4.5), "{theirs}");

    // Add to my list, then remove the first item.
    let query = "{ myList { length videos(from: 0, to: 9) { title } } }";
    let (_, before) = graphql(&harness, Some("u17"), query).await;
    let length = before["data"]["myList"]["length"]
        .as_i64()
        .expect("a length");
    let (_, added) = graphql(
        &harness,
        Some("u17"),
        "mutation { addToMyList(id: 123) { length } }",
    )
    .await;
    assert_eq!(
        added["data"]["addToMyList"]["length"],
        json!(length + 1),
        "{added}"
    );
    let (_, video) = graphql(&harness, Some("u17"), "{ video(id: 123) { title } }").await;
    let (_, after) = graphql(&harness, Some("u17"), query).await;
    let titles = after["data"]["myList"]["videos"]
        .as_array()
        .expect("videos");
    assert_eq!(titles.len() as i64, (length + 1).min(10));
    if length < 10 {
        assert_eq!(
            titles[length as usize]["title"],
            video["data"]["video"]["title"]
        );
    }
    let (_, removed) = graphql(
        &harness,
        Some("u17"),
        "mutation { removeFromMyList(index: 0) { length videos(from: 0, to: 0) { title } } }",
    )
    .await;
    assert_eq!(
        removed["data"]["removeFromMyList"]["length"],
        json!(length),
        "{removed}"
    );
    assert_eq!(
        removed["data"]["removeFromMyList"]["videos"][0]["title"],
        after["data"]["myList"]["videos"][1]["title"]
    );

    // Without a user a mutation is that field's error, naming why.
    let (_, refused) = graphql(&harness, None, "mutation { addToMyList(id: 5) { length } }").await;
    assert_eq!(refused["data"]["addToMyList"], Value::Null, "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("signed-in user"), "{refused}");
    // A rating out of range is refused by the route, as in Falcor.
    let (_, refused) = graphql(
        &harness,
        Some("u17"),
        "mutation { rateVideo(id: 7, rating: 9) { rating } }",
    )
    .await;
    assert_eq!(
        refused["errors"][0]["message"], "a rating is a number from 1 to 5",
        "{refused}"
    );
}
