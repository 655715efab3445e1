//! A failing service's warnings, in a test binary of its own: it
//! captures the process's logs with a global subscriber, which a test
//! among others cannot (a thread's own subscriber misses callsites that
//! another test's thread met first).

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::any;
use bytes::Bytes;
use http::{Method, Request};
use peregrine::upstream::{BreakerSettings, Pool, Settings, Upstream};

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_failing_service_writes_one_warning_then_counts_the_rest() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    // A service that answers 503 to everything, counting the calls.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let app = axum::Router::new().route(
        "/down",
        any(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { StatusCode::SERVICE_UNAVAILABLE }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    // A breaker that never opens, so that every call reaches the service.
    let settings = Settings {
        retries: 0,
        breaker: BreakerSettings {
            min_calls: u32::MAX,
            ..Default::default()
        },
        ..Settings::default()
    };
    let upstream = Upstream::new("ratings", settings, Pool::default());
    for _ in 0..200 {
        let request = Request::builder()
            .method(Method::PUT)
            .uri(format!("{base}/down"))
            .body(Bytes::new())
            .expect("a request");
        assert!(upstream.send(request).await.is_err());
    }
    assert_eq!(calls.load(Ordering::SeqCst), 200);
    let text = String::from_utf8(lines.0.lock().expect("not poisoned").clone()).expect("UTF-8");
    let warnings = text.matches("upstream call failed").count();
    assert_eq!(
        warnings, 1,
        "one warning for 200 failed calls within 10 s:\n{text}"
    );
    assert!(text.contains("answered 503"), "{text}");
}
