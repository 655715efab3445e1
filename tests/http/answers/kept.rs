//! Kept answers: answered again without routing, and only while true.

use super::*;

#[tokio::test]
async fn a_users_repeated_get_is_answered_as_first_without_routing_it_again() {
    let fixture = Fixture::new(Duration::from_secs(60));
    let first = fixture.get("u1", "scores[1..3]", &[]).await;
    assert_eq!(
        first.json(),
        json!({"jsonGraph": {"scores": {"1": "u1:1", "2": "u1:2", "3": "u1:3"}}})
    );
    assert_eq!(fixture.calls("scores"), 1);
    let second = fixture.get("u1", "scores[1..3]", &[]).await;
    assert_eq!(second.body, first.body);
    assert_eq!(
        fixture.calls("scores"),
        2,
        "asked once before: routed, and kept"
    );
    for _ in 0..3 {
        let again = fixture.get("u1", "scores[1..3]", &[]).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.body, first.body, "the same bytes");
        assert_eq!(
            again.header(header::CONTENT_TYPE),
            first.header(header::CONTENT_TYPE)
        );
    }
    assert_eq!(fixture.calls("scores"), 2, "answered from the answer cache");
    // Other paths are another answer.
    fixture.get("u1", "scores[1..2]", &[]).await;
    assert_eq!(fixture.calls("scores"), 3);
}

#[tokio::test]
async fn one_users_answer_never_reaches_another() {
    let fixture = Fixture::new(Duration::from_secs(60));
    fixture.get_twice("u1", "scores[7]").await;
    assert_eq!(fixture.calls("scores"), 2);
    let other = fixture.get_twice("u2", "scores[7]").await;
    assert_eq!(
        other.json(),
        json!({"jsonGraph": {"scores": {"7": "u2:7"}}})
    );
    assert_eq!(fixture.calls("scores"), 4, "u1's kept answer is not u2's");
    for (user, value) in [("u1", "u1:7"), ("u2", "u2:7")] {
        let kept = fixture.get(user, "scores[7]", &[]).await;
        assert_eq!(kept.json(), json!({"jsonGraph": {"scores": {"7": value}}}));
    }
    assert_eq!(
        fixture.calls("scores"),
        4,
        "each user's own answer, each kept"
    );
}

#[tokio::test]
async fn a_write_drops_the_writers_answers_and_no_one_elses() {
    let fixture = Fixture::new(Duration::from_secs(60));
    fixture.get_twice("u1", "scores[1]").await;
    fixture.get_twice("u2", "scores[1]").await;
    assert_eq!(fixture.calls("scores"), 4);

    let body = json!({"jsonGraph": {"scores": {"1": "new"}}, "paths": [["scores", 1]]});
    let form = query(&[("method", "set"), ("jsonGraph", &body.to_string())]);
    let mut set = post("/model.json", "application/x-www-form-urlencoded", form);
    set.headers_mut()
        .insert("x-user", HeaderValue::from_static("u1"));
    assert_eq!(send(&fixture.app, set).await.status, StatusCode::OK);

    let after = fixture.get("u1", "scores[1]", &[]).await;
    assert_eq!(after.json(), json!({"jsonGraph": {"scores": {"1": "new"}}}));
    assert_eq!(
        fixture.calls("scores"),
        5,
        "the writer's answer was routed again"
    );
    let other = fixture.get("u2", "scores[1]", &[]).await;
    assert_eq!(
        other.json(),
        json!({"jsonGraph": {"scores": {"1": "u2:1"}}})
    );
    assert_eq!(
        fixture.calls("scores"),
        5,
        "the other user's answer still kept"
    );

    // An invalidation (what another instance's write notice does) goes
    // the same way.
    fixture.scores.invalidate(Scope::user("u2"), 1).await;
    fixture.get("u2", "scores[1]", &[]).await;
    assert_eq!(fixture.calls("scores"), 6);
    // And a write in the shared scope drops every answer.
    // (u1's answer was asked once since the set: asked again, it is
    // kept.)
    fixture.get_twice("u1", "scores[1]").await;
    assert_eq!(fixture.calls("scores"), 7, "kept again");
    fixture.writes.wrote(&Scope::shared());
    fixture.get("u1", "scores[1]", &[]).await;
    assert_eq!(fixture.calls("scores"), 8);
}

#[tokio::test]
async fn an_answer_lives_no_longer_than_the_values_it_holds() {
    let fixture = Fixture::new(Duration::from_millis(300));
    fixture.get_twice("u1", "scores[1]").await;
    fixture.get("u1", "scores[1]", &[]).await;
    assert_eq!(fixture.calls("scores"), 2);
    tokio::time::sleep(Duration::from_millis(400)).await;
    fixture.get("u1", "scores[1]", &[]).await;
    assert_eq!(
        fixture.calls("scores"),
        3,
        "the value expired, so did the answer"
    );
}

#[tokio::test]
async fn answers_with_errors_or_values_no_loader_keeps_are_not_kept() {
    let fixture = Fixture::new(Duration::from_secs(60));
    let fine = fixture.get("u1", "flaky[1]", &[]).await;
    assert_eq!(fine.json(), json!({"jsonGraph": {"flaky": {"1": "u1:1"}}}));
    // Asked again: this one would be kept, but the route fails.
    let failed = fixture.get("u1", "flaky[1]", &[]).await;
    assert_eq!(failed.json()["jsonGraph"]["flaky"]["1"]["$type"], "error");
    let again = fixture.get("u1", "flaky[1]", &[]).await;
    assert_eq!(again.body, fine.body);
    assert_eq!(fixture.calls("flaky"), 3, "the error was not kept");
    let kept = fixture.get("u1", "flaky[1]", &[]).await;
    assert_eq!(kept.body, fine.body);
    assert_eq!(fixture.calls("flaky"), 3, "the good answer was");

    // Nothing read through a loader: nothing says how long it holds.
    for _ in 0..3 {
        let answer = fixture.get("u1", "notes[1]", &[]).await;
        assert_eq!(
            answer.json(),
            json!({"jsonGraph": {"notes": {"1": "a note"}}})
        );
    }
    assert_eq!(fixture.calls("notes"), 3);
}

#[tokio::test]
async fn a_client_that_accepts_gzip_gets_the_kept_bytes() {
    let fixture = Fixture::new(Duration::from_secs(60));
    let plain = fixture.get("u1", "scores[1..9]", &[]).await;
    for _ in 0..2 {
        let zipped = fixture
            .get("u1", "scores[1..9]", &[("accept-encoding", "gzip, br")])
            .await;
        assert_eq!(zipped.header(header::CONTENT_ENCODING), Some("gzip"));
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(zipped.body.as_ref())
            .read_to_end(&mut json)
            .expect("gzip");
        assert_eq!(json, plain.body);
    }
    assert_eq!(fixture.calls("scores"), 2, "kept on the first gzip request");
}

#[tokio::test]
async fn a_traced_request_is_routed_though_its_answer_is_kept() {
    let fixture = Fixture::new(Duration::from_secs(60));
    fixture.get_twice("u1", "scores[1..9]").await;
    fixture.get("u1", "scores[1..9]", &[]).await;
    assert_eq!(fixture.calls("scores"), 2, "kept on the second request");

    let traced = fixture
        .get("u1", "scores[1..9]", &[("peregrine-trace", "1")])
        .await;
    assert!(traced.json()["trace"]["routes"].is_array());
    assert_eq!(
        fixture.calls("scores"),
        3,
        "a trace shows the routing, so it routes"
    );
}

#[tokio::test]
async fn an_answer_asked_once_is_not_kept() {
    let fixture = Fixture::new(Duration::from_secs(60));
    for id in 1..=20 {
        fixture.get("u1", &format!("scores[{id}]"), &[]).await;
    }
    assert_eq!(fixture.calls("scores"), 20);
    assert_eq!(fixture.answers.size().0, 0, "nothing kept");
}

#[tokio::test]
async fn answers_holding_a_missing_key_another_users_data_or_unreported_writes_are_not_kept() {
    let fixture = Fixture::new(Duration::from_secs(60));
    for (route, paths) in [
        ("scores", "scores[404]"),
        ("others", "others[1]"),
        ("plain", "plain[1]"),
    ] {
        for _ in 0..3 {
            fixture.get("u1", paths, &[]).await;
        }
        assert_eq!(fixture.calls(route), 3, "{paths} routed each time");
    }
    assert_eq!(fixture.answers.size().0, 0);
}

#[tokio::test]
async fn an_answer_routed_while_a_write_lands_is_not_kept() {
    let fixture = Arc::new(Fixture::new(Duration::from_secs(60)));
    // Asked once (so that the next is kept), not held up.
    fixture.proceed.notify_one();
    fixture.get("u1", "slow[1]", &[]).await;
    assert_eq!(fixture.calls("slow"), 1);
    // (Its signal was stored, nobody waiting: take it.)
    fixture.loaded.notified().await;

    let asking = fixture.clone();
    let second = tokio::spawn(async move { asking.get("u1", "slow[1]", &[]).await });
    // The route has read the score; another user's write lands now.
    fixture.loaded.notified().await;
    fixture
        .scores
        .prime(Scope::user("u2"), 1, "new".to_owned())
        .await;
    fixture.proceed.notify_one();
    let second = second.await.expect("the request ends");
    assert_eq!(second.json(), json!({"jsonGraph": {"slow": {"1": "u1:1"}}}));
    assert_eq!(
        fixture.answers.size().0,
        0,
        "built across a write: not kept"
    );

    // Asked again without a write: kept.
    fixture.proceed.notify_one();
    fixture.get("u1", "slow[1]", &[]).await;
    assert_eq!(fixture.answers.size().0, 1);
    assert_eq!(fixture.calls("slow"), 3);
}

#[tokio::test]
async fn a_client_that_refuses_gzip_gets_json_from_a_kept_answer() {
    let fixture = Fixture::new(Duration::from_secs(60));
    let plain = fixture.get_twice("u1", "scores[1..9]").await;
    for refusal in ["gzip;q=0", "gzip;q=0, *", "identity"] {
        let answer = fixture
            .get("u1", "scores[1..9]", &[("accept-encoding", refusal)])
            .await;
        assert_eq!(answer.header(header::CONTENT_ENCODING), None, "{refusal}");
        assert_eq!(answer.body, plain.body, "{refusal}");
    }
    let zipped = fixture
        .get("u1", "scores[1..9]", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(zipped.header(header::CONTENT_ENCODING), Some("gzip"));
    assert!(zipped
        .headers
        .get_all(header::VARY)
        .iter()
        .any(|value| value.to_str().is_ok_and(|v| v.contains("accept-encoding"))));
    assert_eq!(
        zipped.header(header::CONTENT_LENGTH),
        Some(zipped.body.len().to_string().as_str())
    );
    assert_eq!(fixture.calls("scores"), 2, "all from the kept answer");
}
