//! Graceful shutdown, over a real socket: the point is the connection.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use peregrine::http::{self, Config};
use peregrine::router::{HandlerError, Output};
use serde_json::{json, Value as Json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::{catalog, path_set};

/// How long the test waits for anything before it fails.
const PATIENCE: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_request_in_flight_then_serve_returns() {
    let (entered, in_flight) = oneshot::channel::<()>();
    let entered = Arc::new(Mutex::new(Some(entered)));
    let routes = catalog().get("slow", move |_req, _ctx| {
        if let Some(entered) = entered.lock().expect("not poisoned").take() {
            let _ = entered.send(());
        }
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok::<_, HandlerError>(Output::new().value(path_set("slow"), "finished"))
        }
    });
    let router = routes.build().expect("a valid route table");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, router, Config::default(), async {
        let _ = stopped.await;
    }));

    // A client on its own thread (tokio here has no io-util): HTTP/1.1
    // keeps the connection alive, so reading to the end also checks that
    // shutdown closes it.
    let client = tokio::task::spawn_blocking(move || {
        exchange(
            address,
            b"GET /model.json?method=get&paths=slow HTTP/1.1\r\nHost: peregrine\r\n\r\n",
        )
    });
    tokio::time::timeout(PATIENCE, in_flight)
        .await
        .expect("the handler is reached")
        .expect("the handler signals");
    stop.send(()).expect("the server listens for shutdown");

    let response = client
        .await
        .expect("the client thread ends")
        .expect("answered, then closed");
    let response = String::from_utf8(response).expect("text");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    let (_head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let body: Json = serde_json::from_str(body).expect("the whole JSON body");
    assert_eq!(body, json!({"jsonGraph": {"slow": "finished"}}));

    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("serve returns once the request is done")
        .expect("the server task ends")
        .expect("serve ends without error");
    assert!(
        TcpStream::connect(address).is_err(),
        "the port is closed once serve has returned"
    );
}

/// Sends `request` on a new connection to `address` and reads until the
/// server closes it.
fn exchange(address: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut connection = TcpStream::connect(address)?;
    connection.set_read_timeout(Some(PATIENCE))?;
    connection.write_all(request)?;
    let mut response = Vec::new();
    connection.read_to_end(&mut response)?;
    Ok(response)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_the_drain_delay_readyz_says_503_while_requests_are_still_served() {
    let router = catalog().build().expect("a valid route table");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = oneshot::channel::<()>();
    let config = Config {
        drain_delay: Duration::from_millis(600),
        ..Config::default()
    };
    let server = tokio::spawn(http::serve(listener, router, config, async {
        let _ = stopped.await;
    }));
    let ask = move |request: &'static [u8]| {
        tokio::task::spawn_blocking(move || {
            let response = exchange(address, request).expect("answered");
            String::from_utf8(response).expect("text")
        })
    };
    let ready = ask(b"GET /readyz HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n")
        .await
        .expect("a response");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    stop.send(()).expect("the server listens for shutdown");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let draining = ask(b"GET /readyz HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n")
        .await
        .expect("a response");
    assert!(draining.starts_with("HTTP/1.1 503"), "{draining}");
    assert!(
        draining.ends_with(r#"{"status":"shutting down"}"#),
        "{draining}"
    );
    let served = ask(b"GET /healthz HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n")
        .await
        .expect("a response");
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("serve returns after the drain delay")
        .expect("the server task ends")
        .expect("serve ends without error");
}
