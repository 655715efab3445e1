//! Authentication in production mode: bearer JWTs (HS256) whose `sub` is
//! the user; expired, forged and malformed tokens are refused with 401;
//! anonymous requests still get shared data; tokens never reach the logs.

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use jsonwebtoken::{EncodingKey, Header};
use peregrine_routes::{Auth, Jwt};
use peregrine_routes::{Endpoints, Guards};
use serde_json::{json, Value};

use support::{capture_logs, instant, start_backend, Harness};

const SECRET: &[u8] = b"a test secret of enough length for HS256";

async fn harness() -> Harness {
    harness_with(Auth::jwt(SECRET)).await
}

async fn harness_with(auth: Auth) -> Harness {
    let backend = start_backend(instant()).await;
    let endpoints = Endpoints::all(&backend);
    Harness::over(backend, &endpoints, &Guards::default(), true, auth)
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
    get_with(harness, authorization.as_slice()).await
}

/// A get of `videos[7]['title','rating']` with an `Authorization` header
/// for each of `authorizations`.
async fn get_with(harness: &Harness, authorizations: &[&str]) -> (StatusCode, Value) {
    let query = serde_urlencoded::to_string([
        ("method", "get"),
        ("paths", r#"[["videos", 7, ["title", "rating"]]]"#),
    ])
    .expect("encodable");
    let mut request = Request::get(format!("/model.json?{query}"));
    for authorization in authorizations {
        request = request.header(header::AUTHORIZATION, *authorization);
    }
    harness
        .send(request.body(Body::empty()).expect("a request"))
        .await
}

/// The status and the error message of a refused answer.
fn refusal((status, body): (StatusCode, Value)) -> (StatusCode, String) {
    assert_eq!(body["error"]["kind"], "unauthorized", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    (status, message.to_owned())
}

#[tokio::test]
async fn a_valid_jwt_names_the_user() {
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
}

#[tokio::test]
async fn without_a_token_only_the_users_paths_are_errors() {
    let harness = harness().await;
    // Anonymous: the title, and the rating as an error.
    let (status, body) = get(&harness, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["jsonGraph"]["videos"]["7"]["title"].is_string());
    assert_eq!(body["jsonGraph"]["videos"]["7"]["rating"]["$type"], "error");
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401_saying_why() {
    let harness = harness().await;
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
            "lacks a required claim: `exp`",
        ),
        (
            format!("Bearer {}", token(json!({"exp": now() + 600}), SECRET)),
            "lacks a required claim: `sub`",
        ),
        // Regression: `nbf` was not checked.
        (
            format!(
                "Bearer {}",
                token(
                    json!({"sub": "u42", "exp": now() + 7200, "nbf": now() + 3600}),
                    SECRET
                )
            ),
            "is not valid yet",
        ),
        // With no audience configured, a token meant for another service.
        (
            format!(
                "Bearer {}",
                token(
                    json!({"sub": "u42", "exp": now() + 600, "aud": "billing"}),
                    SECRET
                )
            ),
            "names an audience (`aud`), and this server has none",
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

#[tokio::test]
async fn two_authorization_headers_are_refused_as_ambiguous() {
    let harness = harness().await;
    let valid = format!(
        "Bearer {}",
        token(json!({"sub": "u42", "exp": now() + 600}), SECRET)
    );
    let other = format!(
        "Bearer {}",
        token(json!({"sub": "u7", "exp": now() + 600}), SECRET)
    );
    for pair in [
        [valid.as_str(), other.as_str()],
        [valid.as_str(), valid.as_str()],
    ] {
        let (status, message) = refusal(get_with(&harness, &pair).await);
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{message}");
        assert!(
            message.contains("two Authorization headers") && message.contains("ambiguous"),
            "{message}"
        );
    }
    let (status, body) = get_with(&harness, &[valid.as_str()]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_configured_audience_and_issuer_are_required_and_checked() {
    let jwt = Jwt::new(SECRET)
        .audience("catalog")
        .issuer("https://auth.example");
    let harness = harness_with(Auth::from(jwt)).await;
    let bearer = |claims: Value| format!("Bearer {}", token(claims, SECRET));
    let exp = now() + 600;
    let iss = "https://auth.example";

    let valid = bearer(json!({"sub": "u42", "exp": exp, "aud": "catalog", "iss": iss}));
    let (status, body) = get(&harness, Some(&valid)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The user's rating, not the error an anonymous request gets.
    let rating = &body["jsonGraph"]["videos"]["7"]["rating"];
    assert!(!rating.is_null() && rating["$type"] != "error", "{body}");

    let refused = [
        (
            json!({"sub": "u42", "exp": exp, "aud": "billing", "iss": iss}),
            "another audience",
        ),
        (
            json!({"sub": "u42", "exp": exp, "aud": "catalog", "iss": "https://evil.example"}),
            "another issuer",
        ),
        (json!({"sub": "u42", "exp": exp, "iss": iss}), "`aud`"),
        (json!({"sub": "u42", "exp": exp, "aud": "catalog"}), "`iss`"),
    ];
    for (claims, why) in refused {
        let (status, message) = refusal(get(&harness, Some(&bearer(claims.clone()))).await);
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{claims}: {message}");
        assert!(message.contains(why), "{claims}: {message}");
    }
}
