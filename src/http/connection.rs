//! One client connection: HTTP/1.1 with keep-alive, under the limits that
//! keep slow and idle clients from holding sockets and memory.
//!
//! - A request head (request line and headers) larger than
//!   [`Config::max_header_bytes`](super::Config::max_header_bytes) is
//!   answered 431 and the connection closed (hyper does it).
//! - A connection that waits for a request head longer than
//!   [`Config::idle_timeout`](super::Config::idle_timeout), counted from
//!   when it is ready for one (accepted, or its last answer written), is
//!   closed: hyper's header read timer, which runs exactly then.
//! - A request head that takes longer than
//!   [`Config::header_timeout`](super::Config::header_timeout) from its
//!   first byte closes the connection. hyper cannot count from the first
//!   byte, so the connection's [`Activity`] does: its reads see the bytes
//!   arrive, the service being called sees the head end.
//!
//! It knows the application as a tower service, not what it answers.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::Request;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::Watcher;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;
use tower::ServiceExt;

/// The limits a connection lives under, from the [`Config`](super::Config).
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) header_timeout: Duration,
    pub(super) idle_timeout: Duration,
    pub(super) max_header_bytes: usize,
}

/// Serves `app` on `stream` until the client closes it, a limit closes it,
/// or `watcher` says the server shuts down (then the request in flight,
/// if any, is answered first).
pub(super) fn serve(
    stream: TcpStream,
    app: axum::Router,
    limits: Limits,
    watcher: Watcher,
) -> impl Future<Output = ()> + Send + 'static {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let busy = requests.request_started();
        let app = app.clone();
        async move {
            // Busy until the answer is sent whole: bytes read meanwhile
            // (the rest of the body, a pipelined request) start no head.
            let response = app.oneshot(request).await?;
            Ok::<_, Infallible>(response.map(|body| Body::new(Sending { body, _busy: busy })))
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(limits.idle_timeout)
        .max_header_size(limits.max_header_bytes);
    let connection = watcher.watch(builder.serve_connection(io, service));
    async move {
        tokio::select! {
            biased;
            served = connection => {
                if let Err(error) = served {
                    tracing::debug!(%error, "connection closed");
                }
            }
            () = activity.head_overdue(limits.header_timeout) => {
                tracing::debug!(
                    header_timeout = ?limits.header_timeout,
                    "connection closed: a request head took longer than header_timeout"
                );
            }
        }
    }
}

/// What a connection is doing, as far as its limits care.
#[derive(Debug)]
struct Activity {
    opened: Instant,
    /// Requests whose answer is being made (0 between requests).
    busy: AtomicUsize,
    /// When the first byte of a request head arrived, in milliseconds
    /// after `opened`, plus one; 0 when no head is arriving.
    head_since: AtomicU64,
    /// Told when a head begins to arrive.
    head_started: Notify,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            busy: AtomicUsize::new(0),
            head_since: AtomicU64::new(0),
            head_started: Notify::new(),
        }
    }

    /// Bytes were read. Between requests they are the start of the next
    /// one's head; during a request, its body.
    fn bytes_arrived(&self) {
        if self.busy.load(Ordering::Relaxed) == 0 && self.head_since.load(Ordering::Relaxed) == 0 {
            let elapsed = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
            self.head_since
                .store(elapsed.saturating_add(1), Ordering::Relaxed);
            self.head_started.notify_one();
        }
    }

    /// A request's head has been read and its answer is being made, until
    /// the returned guard is dropped.
    fn request_started(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::Relaxed);
        self.head_since.store(0, Ordering::Relaxed);
        Busy(self.clone())
    }

    /// Completes once a request head has been arriving for `timeout`
    /// without ending.
    async fn head_overdue(&self, timeout: Duration) {
        loop {
            let since = self.head_since.load(Ordering::Relaxed);
            if since == 0 || self.busy.load(Ordering::Relaxed) > 0 {
                self.head_started.notified().await;
                continue;
            }
            let began = self.opened + Duration::from_millis(since - 1);
            tokio::time::sleep_until(began + timeout).await;
            let still = self.head_since.load(Ordering::Relaxed) == since;
            if still && self.busy.load(Ordering::Relaxed) == 0 {
                return;
            }
        }
    }
}

/// A request being answered: see [`Activity::request_started`].
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.busy.fetch_sub(1, Ordering::Relaxed) == 1 {
            // What arrived while it was answered was not a head.
            self.0.head_since.store(0, Ordering::Relaxed);
        }
    }
}

/// A response body, holding its request's [`Busy`] until it is sent
/// whole (or dropped).
struct Sending {
    body: Body,
    _busy: Busy,
}

impl HttpBody for Sending {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket, telling its [`Activity`] when bytes arrive.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
