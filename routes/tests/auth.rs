//! Authentication in production mode: bearer JWTs (HS256) whose `sub` is
//! the user; expired, forged and malformed tokens are refused with 401;
//! anonymous requests still get shared data; tokens never reach the logs.

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use jsonwebtoken::{EncodingKey, Header};
use peregrine_routes::client::{Endpoints, Guards};
use peregrine_routes::Auth;
use serde_json::{json, Value};

use support::{capture_logs, instant, start_backend, Harness};

const SECRET: &[u8] = b"a test secret of enough length for HS256";

async fn harness() -> Harness {
    let backend = start_backend(instant()).await;
    let endpoints = Endpoints::all(&backend);
    Harness::over(
        backend,
        &endpoints,
        &Guards::default(),
        true,
        Auth::jwt(SECRET),
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// A token for `claims`, signed with `secret`.
fn token(claims: Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("a token")
}

/// A get of `videos[7]['title','rating']` with `authorization`.
async fn get(harness: &Harness, authorization: Option<&str>) -> (StatusCode, Value) {
    let query = serde_urlencoded::to_string([
        ("method", "get"),
        ("paths", r#"[["videos", 7, ["title", "rating"]]]"#),
    ])
    .expect("encodable");
    let mut request = Request::get(format!("/model.json?{query}"));
    if let Some(authorization) = authorization {
        request = request.header(header::AUTHORIZATION, authorization);
    }
    harness
        .send(request.body(Body::empty()).expect("a request"))
        .await
}

#[tokio::test]
async fn a_valid_jwt_names_the_user_and_bad_ones_are_refused_with_401() {
    let harness = harness().await;
    let truth = harness
        .backend(reqwest::Method::GET, "/ratings?user=u42&ids=7")
        .await;

    let valid = token(json!({"sub": "u42", "exp": now() + 600}), SECRET);
    let (status, body) = get(&harness, Some(&format!("Bearer {valid}"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["jsonGraph"]["videos"]["7"]["rating"], truth["7"],
        "{body}"
    );

    // Anonymous: the title, and the rating as an error.
    let (status, body) = get(&harness, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["jsonGraph"]["videos"]["7"]["title"].is_string());
    assert_eq!(body["jsonGraph"]["videos"]["7"]["rating"]["$type"], "error");

    let refused = [
        (
            format!(
                "Bearer {}",
                token(json!({"sub": "u42", "exp": now() - 3600}), SECRET)
            ),
            "has expired",
        ),
        (
            format!(
                "Bearer {}",
                token(json!({"sub": "u42", "exp": now() + 600}), b"another secret")
            ),
            "not signed with this server's key",
        ),
        (
            format!("Bearer {}", token(json!({"sub": "u42"}), SECRET)),
            "lacks a required claim",
        ),
        ("Bearer u42".to_owned(), "not a valid JWT"),
        ("Bearer ".to_owned(), "not a valid JWT"),
        (
            "Basic dTQyOnNlY3JldA==".to_owned(),
            "must be `Bearer <token>`",
        ),
    ];
    for (authorization, why) in refused {
        let (status, body) = get(&harness, Some(&authorization)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization}: {body}");
        assert_eq!(body["error"]["kind"], "unauthorized");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{authorization}: {message}");
        let secret_part = authorization.rsplit('.').next().unwrap_or_default();
        assert!(
            secret_part.len() < 8 || !message.contains(secret_part),
            "the token is in the message: {message}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn tokens_never_reach_the_logs() {
    let captured = capture_logs(tracing::Level::TRACE);

    let harness = harness().await;
    let valid = token(json!({"sub": "u42", "exp": now() + 600}), SECRET);
    let expired = token(json!({"sub": "u42", "exp": now() - 3600}), SECRET);
    let forged = token(json!({"sub": "u1", "exp": now() + 600}), b"another secret");
    for token in [&valid, &expired, &forged] {
        get(&harness, Some(&format!("Bearer {token}"))).await;
    }
    let logs = captured.text();
    assert!(logs.contains("request"), "nothing was logged: {logs}");
    for token in [&valid, &expired, &forged] {
        let signature = token.rsplit('.').next().expect("a signature");
        assert!(!logs.contains(signature), "a token in the logs:\n{logs}");
    }
}
