//! The shortcut to kept answers: answered before the routes and the
//! inner layers, with what the whole way answers.

use super::*;

/// The headers of `answer` that say something of it (not its id or
/// date; nor a 304's length, which hyper never writes).
fn described(answer: &Answer) -> Vec<(String, String)> {
    let unwritten =
        |name: &str| answer.status == StatusCode::NOT_MODIFIED && name == header::CONTENT_LENGTH;
    let mut headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "x-request-id" | "date"))
        .filter(|(name, _)| !unwritten(name.as_str()))
        .map(|(name, value)| {
            let value = value.to_str().expect("a text header").to_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    headers.sort();
    headers
}

#[tokio::test]
async fn a_kept_answer_has_the_status_headers_and_body_of_the_answer_routed() {
    let fixture = Fixture::configured(Duration::from_secs(60), |config| {
        config.cors_origins = vec!["https://tv.example".to_owned()];
    });
    let origin = ("origin", "https://tv.example");
    let asked = [
        ("scores[1..3]", None),
        ("scores[4..6]", Some(("accept-encoding", "gzip"))),
    ];
    for (round, (paths, accept)) in asked.into_iter().enumerate() {
        let headers: Vec<_> = [Some(origin), accept].into_iter().flatten().collect();
        fixture.get("u1", paths, &headers).await;
        let routed = fixture.get("u1", paths, &headers).await;
        let kept = fixture.get("u1", paths, &headers).await;
        assert_eq!(
            fixture.calls("scores"),
            2 * (round + 1),
            "the third one kept"
        );
        assert_eq!(kept.status, routed.status);
        assert_eq!(described(&kept), described(&routed), "{accept:?}");
        assert_eq!(kept.body, routed.body);
        assert_eq!(
            kept.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            Some("https://tv.example")
        );
        assert!(kept.header(header::CACHE_CONTROL).is_some());
    }
}

#[tokio::test]
async fn a_kept_answer_the_client_holds_is_a_304_as_a_routed_one_is() {
    let fixture = Fixture::new(Duration::from_secs(60));
    let first = fixture.get("u1", "scores[1..3]", &[]).await;
    let etag = first.header(header::ETAG).expect("an ETag").to_owned();
    let held = [("if-none-match", etag.as_str())];
    let routed = fixture.get("u1", "scores[1..3]", &held).await;
    fixture.get("u1", "scores[1..3]", &[]).await;
    assert_eq!(fixture.calls("scores"), 3, "routed, then kept");
    let kept = fixture.get("u1", "scores[1..3]", &held).await;
    assert_eq!(fixture.calls("scores"), 3, "the kept answer's 304");
    assert_eq!(kept.status, StatusCode::NOT_MODIFIED);
    assert_eq!(routed.status, StatusCode::NOT_MODIFIED);
    assert!(kept.body.is_empty());
    assert_eq!(described(&kept), described(&routed));
    assert_eq!(kept.header(header::ETAG), Some(etag.as_str()));
    assert!(kept.header("x-request-id").is_some());
}

#[tokio::test]
async fn a_token_refused_is_refused_once_though_its_users_answer_is_kept() {
    let made = Arc::new(AtomicUsize::new(0));
    let counted = made.clone();
    let fixture = Fixture::configured(Duration::from_secs(60), move |config| {
        let user_of = config.context.clone();
        config.context = Arc::new(move |headers: &HeaderMap| {
            counted.fetch_add(1, Ordering::SeqCst);
            if headers.contains_key("x-refuse") {
                return Err(peregrine::http::Error::unauthorized(
                    "the token has expired",
                ));
            }
            user_of(headers)
        });
    });
    fixture.get_twice("u1", "scores[1]").await;
    let before = made.load(Ordering::SeqCst);
    let refused = fixture.get("u1", "scores[1]", &[("x-refuse", "1")]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json()["error"]["message"], "the token has expired");
    assert_eq!(made.load(Ordering::SeqCst), before + 1, "checked once");
    fixture.get("u1", "scores[2]", &[]).await;
    assert_eq!(made.load(Ordering::SeqCst), before + 2, "a miss: made once");
}

#[tokio::test]
async fn a_request_without_a_user_never_gets_a_users_kept_answer() {
    let fixture = Fixture::new(Duration::from_secs(60));
    fixture.get_twice("u1", "scores[1]").await;
    let uri = format!(
        "/model.json?{}",
        query(&[("method", "get"), ("paths", "[\"scores[1]\"]")])
    );
    let anonymous = send(&fixture.app, request(Method::GET, &uri)).await;
    assert_eq!(
        anonymous.json(),
        json!({"jsonGraph": {"scores": {"1": "nobody:1"}}})
    );
    assert_eq!(fixture.calls("scores"), 3, "routed");
}

#[tokio::test]
async fn a_kept_answer_echoes_the_request_id_sent_or_makes_one() {
    let fixture = Fixture::new(Duration::from_secs(60));
    fixture.get_twice("u1", "scores[1]").await;
    let sent = fixture
        .get("u1", "scores[1]", &[("x-request-id", "tv-42")])
        .await;
    assert_eq!(sent.header("x-request-id"), Some("tv-42"));
    let made = fixture.get("u1", "scores[1]", &[]).await;
    let id = made.header("x-request-id").expect("an id made");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(fixture.calls("scores"), 2, "both kept answers");
}

#[tokio::test]
async fn a_kept_answer_is_answered_while_every_concurrency_permit_is_held() {
    let fixture = Arc::new(Fixture::configured(Duration::from_secs(60), |config| {
        config.max_concurrent_requests = 1;
    }));
    fixture.get_twice("u1", "scores[1]").await;
    // A request that holds the one permit until told to go on.
    let holding = fixture.clone();
    let slow = tokio::spawn(async move { holding.get("u1", "slow[1]", &[]).await });
    fixture.loaded.notified().await;

    let kept = fixture.get("u1", "scores[1]", &[]).await;
    assert_eq!(kept.status, StatusCode::OK, "reaches no backend: no permit");
    assert_eq!(kept.json(), json!({"jsonGraph": {"scores": {"1": "u1:1"}}}));
    let routed = fixture.get("u1", "scores[2]", &[]).await;
    assert_eq!(routed.status, StatusCode::SERVICE_UNAVAILABLE, "shed");

    fixture.proceed.notify_one();
    assert_eq!(slow.await.expect("answered").status, StatusCode::OK);
}

#[tokio::test]
async fn a_client_accepting_br_but_not_gzip_gets_a_kept_answer_in_br() {
    let fixture = Fixture::new(Duration::from_secs(60));
    let plain = fixture.get_twice("u1", "scores[1..9]").await;
    let br = fixture
        .get("u1", "scores[1..9]", &[("accept-encoding", "br")])
        .await;
    assert_eq!(br.header(header::CONTENT_ENCODING), Some("br"));
    let mut json = Vec::new();
    brotli_decompressor::Decompressor::new(br.body.as_ref(), 4096)
        .read_to_end(&mut json)
        .expect("brotli");
    assert_eq!(json, plain.body);
    assert_eq!(fixture.calls("scores"), 2, "from the kept answer");
}
