//! Falcor's wire format: what clients send and what they get back.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{app, get, post, query, request, send};

/// The catalog's answer to `videos[1].title`.
fn video_1() -> serde_json::Value {
    json!({"jsonGraph": {"videos": {"1": {"title": "Video 1"}}}})
}

#[tokio::test]
async fn bad_requests_get_a_4xx_json_error_naming_what_was_wrong() {
    let app = app();
    let paths = r#"[["videos",1,"title"]]"#;
    // (what is wrong, the request, status, kind, what the message names)
    let cases = [
        (
            "no parameters",
            request(Method::GET, "/model.json"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            vec!["no parameters", "method"],
        ),
        (
            "no method",
            request(
                Method::GET,
                &format!("/model.json?{}", query(&[("paths", paths)])),
            ),
            StatusCode::BAD_REQUEST,
            "method_missing",
            vec!["`method`"],
        ),
        (
            "an unknown method",
            request(
                Method::GET,
                &format!(
                    "/model.json?{}",
                    query(&[("method", "fetch"), ("paths", paths)])
                ),
            ),
            StatusCode::BAD_REQUEST,
            "method_unknown",
            vec!["\"fetch\"", "get, set or call"],
        ),
        (
            "a get without paths",
            request(Method::GET, "/model.json?method=get"),
            StatusCode::BAD_REQUEST,
            "parameter_missing",
            vec!["`paths`"],
        ),
        (
            "malformed JSON in `paths`",
            request(
                Method::GET,
                &format!(
                    "/model.json?{}",
                    query(&[("method", "get"), ("paths", r#"[["videos",1"#)])
                ),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            vec!["`paths`", "line 1 column 12"],
        ),
        (
            "bad path syntax in `paths`",
            request(
                Method::GET,
                &format!(
                    "/model.json?{}",
                    query(&[("method", "get"), ("paths", r#"["videos[1.5].title"]"#)])
                ),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_path",
            vec!["`paths`", "offset 8"],
        ),
        (
            "a call to a path no route serves",
            post(
                "/model.json",
                "application/x-www-form-urlencoded",
                query(&[("method", "call"), ("callPath", r#"["videos","remove"]"#)]),
            ),
            StatusCode::BAD_REQUEST,
            "call_not_found",
            vec!["videos.remove"],
        ),
        (
            "a body of an unreadable content type",
            post(
                "/model.json",
                "text/plain",
                "method=get&paths=videos[1].title",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            vec![
                "text/plain",
                "application/x-www-form-urlencoded",
                "application/json",
            ],
        ),
        (
            "a JSON body that is not JSON",
            post(
                "/model.json",
                "application/json",
                r#"{"method": "get", "paths": [["#,
            ),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            vec!["body", "line 1 column"],
        ),
    ];
    for (what, request, status, kind, named) in cases {
        let answer = send(&app, request).await;
        assert_eq!(answer.status, status, "{what}: {answer:?}");
        let (their_kind, message) = answer.error();
        assert_eq!(their_kind, kind, "{what}: {message}");
        for name in named {
            assert!(
                message.contains(name),
                "{what}: the message should name {name:?}: {message}"
            );
        }
    }
}

#[tokio::test]
async fn a_json_post_body_reads_like_the_form_falcor_sends() {
    let app = app();
    let form = send(
        &app,
        post(
            "/model.json",
            "application/x-www-form-urlencoded",
            query(&[("method", "get"), ("paths", r#"[["videos",1,"title"]]"#)]),
        ),
    )
    .await;
    let json_body = send(
        &app,
        post(
            "/model.json",
            "application/json",
            json!({"method": "get", "paths": [["videos", 1, "title"]]}).to_string(),
        ),
    )
    .await;
    assert_eq!(form.status, StatusCode::OK, "{form:?}");
    assert_eq!(json_body.status, StatusCode::OK, "{json_body:?}");
    assert_eq!(form.json(), video_1());
    assert_eq!(json_body.json(), video_1());
    // `Content-Encoding: identity` says the body is as it is.
    let mut identity = post(
        "/model.json",
        "application/json",
        json!({"method": "get", "paths": [["videos", 1, "title"]]}).to_string(),
    );
    identity.headers_mut().insert(
        axum::http::header::CONTENT_ENCODING,
        axum::http::HeaderValue::from_static("identity"),
    );
    let identity = send(&app, identity).await;
    assert_eq!(identity.status, StatusCode::OK, "{identity:?}");
    assert_eq!(identity.json(), video_1());
}

#[tokio::test]
async fn paths_may_be_written_in_path_syntax() {
    let app = app();
    let listed = format!(
        "/model.json?{}",
        query(&[("method", "get"), ("paths", r#"["videos[1].title"]"#)])
    );
    // As someone types it into a browser or curl, unencoded.
    let bare = "/model.json?method=get&paths=videos[1].title";
    for uri in [listed.as_str(), bare] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {answer:?}");
        assert_eq!(answer.json(), video_1(), "{uri}");
    }
    let ranges = get(&app, "/model.json?method=get&paths=videos[1..2].title").await;
    assert_eq!(
        ranges.json(),
        json!({"jsonGraph": {"videos": {"1": {"title": "Video 1"}, "2": {"title": "Video 2"}}}})
    );
}

/// Regression: a path-syntax error past column 65,535 panicked while
/// being written (a format width over `u16::MAX`), and the connection
/// closed without an answer; the message also held the whole input.
#[tokio::test]
async fn a_path_syntax_error_in_a_huge_path_is_a_short_400_naming_the_offset() {
    let app = app();
    let long = format!("videos.{}]", "a".repeat(70_000));
    let wide = format!("videos.{}]", "日".repeat(33_000));
    let cases = [
        (
            "paths",
            vec![("method", "get"), ("paths", long.as_str())],
            70_007,
        ),
        (
            "paths",
            vec![("method", "get"), ("paths", wide.as_str())],
            33_007,
        ),
        (
            "callPath",
            vec![("method", "call"), ("callPath", long.as_str())],
            70_007,
        ),
        (
            "pathSuffixes",
            vec![
                ("method", "call"),
                ("callPath", "videos.rate"),
                ("pathSuffixes", long.as_str()),
            ],
            70_007,
        ),
    ];
    for (name, params, offset) in cases {
        let form = "application/x-www-form-urlencoded";
        let answer = send(&app, post("/model.json", form, query(&params))).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{name}: {answer:?}");
        let (kind, message) = answer.error();
        assert_eq!(kind, "invalid_path");
        assert!(
            message.contains(&format!("`{name}`")) && message.contains(&format!("offset {offset}")),
            "{name}: {message}"
        );
        // The input around the offset, not all of it.
        assert!(message.len() < 600, "{name}: {} bytes", message.len());
    }
}
