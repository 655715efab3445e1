//! Connections over a real socket (the point is the connection): slow and
//! idle clients are closed at their timeouts, oversized heads refused.
//!
//! Regressions: connections trickling a request head, or idling between
//! requests, stayed open indefinitely, and each could hold ~400 KB of an
//! unfinished head.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use peregrine::http::{self, Config};
use peregrine::router::{Builder, HandlerError, Output};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::{catalog, path_set};

/// How long the test waits for anything before it fails.
const PATIENCE: Duration = Duration::from_secs(5);

/// A health check on a kept-alive connection.
const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: peregrine\r\n\r\n";

/// Serves `routes` with `config` on a free loopback port until the
/// returned sender is dropped.
async fn start(routes: Builder, config: Config) -> (SocketAddr, oneshot::Sender<()>) {
    let router = routes.build().expect("a valid route table");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, router, config, async {
        let _ = stopped.await;
    }));
    (address, stop)
}

fn connect(address: SocketAddr) -> TcpStream {
    let connection = TcpStream::connect(address).expect("connected");
    connection
        .set_read_timeout(Some(PATIENCE))
        .expect("a read timeout");
    connection
}

/// Reads one response (head and `Content-Length` body) off `connection`.
fn read_response(connection: &mut TcpStream) -> String {
    let mut response = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let read = connection.read(&mut chunk).expect("a response");
        assert!(read > 0, "closed before answering");
        response.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&response).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .and_then(|value| value.parse::<usize>().ok())
                .expect("a content length");
            if body.len() >= length {
                return text;
            }
        }
    }
}

/// How long until the server closes `connection`, reading what it sends;
/// fails if it is still open after [`PATIENCE`].
fn time_to_close(connection: &mut TcpStream) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut sent = Vec::new();
    match connection.read_to_end(&mut sent) {
        Ok(_) => {}
        Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
        Err(error) => panic!("still open after {:?}: {error}", started.elapsed()),
    }
    (started.elapsed(), sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_trickles_in_is_closed_at_the_header_timeout() {
    let config = Config {
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(30),
        ..Config::default()
    };
    let (address, _stop) = start(catalog(), config).await;
    let (took, sent) = tokio::task::spawn_blocking(move || {
        let mut connection = connect(address);
        let mut trickle = connection.try_clone().expect("a second handle");
        // A byte of the request line every 50 ms, never its end.
        std::thread::spawn(move || {
            for byte in b"GET /model.json?method=get&paths=videos[1].title".repeat(10) {
                if trickle.write_all(&[byte]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        time_to_close(&mut connection)
    })
    .await
    .expect("the client thread ends");
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "closed after {took:?}"
    );
    assert!(
        sent.is_empty(),
        "{}",
        String::from_utf8_lossy(&sent).into_owned()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_at_the_idle_timeout_not_the_header_timeout() {
    let config = Config {
        header_timeout: Duration::from_millis(200),
        idle_timeout: Duration::from_millis(800),
        ..Config::default()
    };
    let (address, _stop) = start(catalog(), config).await;
    let (first, second, took) = tokio::task::spawn_blocking(move || {
        let mut connection = connect(address);
        connection.write_all(HEALTH).expect("sent");
        let first = read_response(&mut connection);
        // Idle longer than the header timeout, less than the idle one: the
        // connection is still there for the next request.
        std::thread::sleep(Duration::from_millis(500));
        connection.write_all(HEALTH).expect("sent");
        let second = read_response(&mut connection);
        let (took, _) = time_to_close(&mut connection);
        (first, second, took)
    })
    .await
    .expect("the client thread ends");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(3),
        "closed {took:?} after the last answer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_over_max_header_bytes_is_answered_431() {
    let config = Config {
        max_header_bytes: 4 * 1024,
        ..Config::default()
    };
    let (address, _stop) = start(catalog(), config).await;
    let exchange = move |padding: usize| {
        tokio::task::spawn_blocking(move || {
            let mut connection = connect(address);
            let request = format!(
                "GET /healthz HTTP/1.1\r\nHost: peregrine\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
                "a".repeat(padding)
            );
            connection.write_all(request.as_bytes()).expect("sent");
            let (_, sent) = time_to_close(&mut connection);
            String::from_utf8_lossy(&sent).into_owned()
        })
    };
    let over = exchange(6 * 1024).await.expect("the client thread ends");
    assert!(
        over.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{over}"
    );
    let under = exchange(3 * 1024).await.expect("the client thread ends");
    assert!(under.starts_with("HTTP/1.1 200"), "{under}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_slower_than_both_timeouts_is_still_answered() {
    let routes = catalog().get("slow", |_req, _ctx| async {
        tokio::time::sleep(Duration::from_millis(900)).await;
        Ok::<_, HandlerError>(Output::new().value(path_set("slow"), "finished"))
    });
    let config = Config {
        header_timeout: Duration::from_millis(200),
        idle_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let (address, _stop) = start(routes, config).await;
    let response = tokio::task::spawn_blocking(move || {
        let mut connection = connect(address);
        let request = b"GET /model.json?method=get&paths=slow HTTP/1.1\r\nHost: peregrine\r\n\r\n";
        connection.write_all(request).expect("sent");
        read_response(&mut connection)
    })
    .await
    .expect("the client thread ends");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.ends_with(r#"{"jsonGraph":{"slow":"finished"}}"#),
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_head_past_max_header_bytes_is_not_held() {
    // The attack: heads that never end, each as large as the server will
    // buffer. The server refuses one as soon as it passes the limit, not
    // at the header timeout.
    let config = Config {
        max_header_bytes: 4 * 1024,
        header_timeout: Duration::from_secs(30),
        ..Config::default()
    };
    let (address, _stop) = start(catalog(), config).await;
    let (took, sent) = tokio::task::spawn_blocking(move || {
        let mut connection = connect(address);
        let head = format!(
            "GET /healthz HTTP/1.1\r\nHost: peregrine\r\nX-Padding: {}",
            "a".repeat(8 * 1024)
        );
        // The server may close while this is being written.
        let _ = connection.write_all(head.as_bytes());
        time_to_close(&mut connection)
    })
    .await
    .expect("the client thread ends");
    assert!(took < Duration::from_secs(2), "held for {took:?}");
    let sent = String::from_utf8_lossy(&sent).into_owned();
    assert!(
        sent.is_empty() || sent.starts_with("HTTP/1.1 431"),
        "{sent}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_slower_than_the_header_timeout_is_read_and_answered() {
    let config = Config {
        header_timeout: Duration::from_millis(200),
        ..Config::default()
    };
    let (address, _stop) = start(catalog(), config).await;
    let response = tokio::task::spawn_blocking(move || {
        let mut connection = connect(address);
        let body = br#"{"method": "get", "paths": [["videos", 7, "title"]]}"#;
        let head = format!(
            "POST /model.json HTTP/1.1\r\nHost: peregrine\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        connection.write_all(head.as_bytes()).expect("sent");
        // The body over ~800 ms, four times the header timeout.
        for chunk in body.chunks(8) {
            std::thread::sleep(Duration::from_millis(120));
            connection.write_all(chunk).expect("sent");
        }
        read_response(&mut connection)
    })
    .await
    .expect("the client thread ends");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.ends_with(r#"{"jsonGraph":{"videos":{"7":{"title":"Video 7"}}}}"#),
        "{response}"
    );
}
