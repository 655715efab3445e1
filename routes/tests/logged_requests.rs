//! With debug logging on, every request is logged, a kept answer's too:
//! the shortcut to kept answers, which answers before a request's span
//! and its `answered` line, stands aside. In a test binary of its own:
//! the level is the process's (a global subscriber).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};

use support::{capture_logs, instant, start_backend, Build, Harness};

#[tokio::test]
async fn with_debug_logging_a_kept_answer_is_logged_like_every_request() {
    let captured = capture_logs(tracing::Level::DEBUG);
    let backend = start_backend(instant()).await;
    let harness = Harness::build(Build::over(&backend), |_| {});
    let query =
        serde_urlencoded::to_string([("method", "get"), ("paths", r#"[["videos", 7, "title"]]"#)])
            .expect("encodable");
    let uri = format!("/model.json?{query}");
    let mut answers = Vec::new();
    // The second ask keeps the answer; the third finds it kept.
    for _ in 0..3 {
        let request = Request::get(&uri).body(Body::empty()).expect("a request");
        answers.push(harness.send(request).await);
    }
    assert_eq!(answers[0].0, StatusCode::OK, "{:?}", answers[0].1);
    assert!(
        answers.iter().all(|answer| *answer == answers[0]),
        "{answers:?}"
    );
    let kept = harness.answers.as_ref().map(|answers| answers.size().0);
    assert_eq!(kept, Some(1), "the answer is kept");
    let logs = captured.text();
    let logged = logs
        .lines()
        .filter(|line| line.contains("answered"))
        .count();
    assert_eq!(logged, 3, "each request has its `answered` line:\n{logs}");
}
