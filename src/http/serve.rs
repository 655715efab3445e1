//! Taking connections: the accept loop, each connection served on a task
//! of its own under its limits (`connection.rs`), and graceful shutdown.

use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};

use super::connection::{self, Limits};
use super::Config;
use crate::router::Router;

/// Serves `router` on `listener` until `shutdown` completes; then reports
/// not ready (for [`Config::drain_delay`], still serving), stops taking
/// connections, and lets requests in flight finish before returning. The
/// one entry binaries call. A connection still open `request_timeout`
/// plus 5 s after it stopped taking them (a client not reading its
/// answer) is closed.
///
/// Connections are HTTP/1.1 with keep-alive, under
/// [`Config::header_timeout`], [`Config::idle_timeout`] and
/// [`Config::max_header_bytes`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let ready = Arc::new(AtomicBool::new(true));
    let drain_delay = config.drain_delay;
    let finish_within = config.request_timeout + FINISH_MARGIN;
    let limits = Limits {
        header_timeout: config.header_timeout,
        idle_timeout: config.idle_timeout,
        max_header_bytes: config.max_header_bytes,
    };
    let app = super::build(router, config, ready.clone());
    let draining = async move {
        shutdown.await;
        ready.store(false, Ordering::Relaxed);
        if !drain_delay.is_zero() {
            tracing::info!(
                ?drain_delay,
                "shutting down: not ready, still serving while load balancers notice"
            );
            tokio::time::sleep(drain_delay).await;
        }
        tracing::info!("shutting down: finishing the requests in flight");
    };
    let mut draining = std::pin::pin!(draining);
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            stream = accept(&listener) => stream,
            () = &mut draining => break,
        };
        let served = connection::serve(stream, app.clone(), limits, graceful.watcher());
        tokio::spawn(served);
    }
    drop(listener);
    // Every request in flight has had its deadline by then; what is left
    // is a client not reading its answer, which must not hold the
    // shutdown.
    if tokio::time::timeout(finish_within, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            ?finish_within,
            "shutting down: closing the connections still open"
        );
    }
    Ok(())
}

/// How long past the request timeout a shutdown waits for the answers in
/// flight to be sent.
const FINISH_MARGIN: Duration = Duration::from_secs(5);

/// The next connection. Errors of one connection (reset before it was
/// taken) are skipped; others (out of file descriptors) are retried after
/// a second, as the connections in flight close.
async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(error) if is_connection_error(&error) => {}
            Err(error) => {
                tracing::error!(%error, "cannot take a connection: retrying in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Completes on Ctrl-C or SIGTERM: the usual shutdown for [`serve`].
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
