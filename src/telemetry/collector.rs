//! `Collector`: the HTTP client the OTLP exporter sends its batches with.
//!
//! The SDK's batch processor exports from a thread of its own, outside
//! the tokio runtime; the calls themselves are made on the runtime (the
//! connection pool needs it), by a task the export waits for. They go
//! through a [`Pool`] of their own, not through an [`Upstream`]: an
//! upstream call opens a `backend` span, and exporting would then make
//! spans to export.
//!
//! [`Upstream`]: crate::upstream::Upstream

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use tokio::runtime::Handle;

use crate::upstream::Pool;

/// The most a collector's answer may hold (they answer a few bytes).
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// Sends OTLP export requests over a pool of its own, each bounded by
/// the exporter's timeout.
#[derive(Debug, Clone)]
pub(super) struct Collector {
    pool: Pool,
    runtime: Handle,
    timeout: Duration,
}

impl Collector {
    /// A client whose calls run on `runtime`, each within `timeout`.
    pub(super) fn new(pool: Pool, runtime: Handle, timeout: Duration) -> Collector {
        Collector {
            pool,
            runtime,
            timeout,
        }
    }

    async fn send(
        pool: Pool,
        timeout: Duration,
        request: Request<Bytes>,
    ) -> Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, Full::new(body));
        let call = async {
            let response = pool.client().request(request).await?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_ANSWER_BYTES)
                .collect()
                .await?
                .to_bytes();
            Ok::<_, HttpError>(Response::from_parts(parts, body))
        };
        tokio::time::timeout(timeout, call)
            .await
            .map_err(|_| format!("the collector did not answer within {timeout:?}"))?
    }
}

#[async_trait::async_trait]
impl HttpClient for Collector {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let call = Collector::send(self.pool.clone(), self.timeout, request);
        self.runtime
            .spawn(call)
            .await
            .map_err(|_| HttpError::from("the export was stopped with the runtime"))?
    }
}
