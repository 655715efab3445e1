//! The retry policy: idempotent reads only, after failures worth another
//! attempt, within the attempts left and the shared retry budget.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response};
use metrics::SharedString;
use tower::retry::budget::{Budget, TpsBudget};
use tower::BoxError;

/// How long to wait before the next attempt: enough for a connection
/// reset to clear, short against the attempt's timeout.
const PAUSE: Duration = Duration::from_millis(10);

/// One call's retries. `tower::retry` clones it per call, so `left`
/// counts that call's attempts; the budget is shared by every call.
#[derive(Clone)]
pub(super) struct RetryReads {
    pub(super) left: u32,
    pub(super) budget: Arc<TpsBudget>,
    pub(super) name: SharedString,
}

impl tower::retry::Policy<Request<Bytes>, Response<Bytes>, BoxError> for RetryReads {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        request: &mut Request<Bytes>,
        result: &mut Result<Response<Bytes>, BoxError>,
    ) -> Option<Self::Future> {
        let Err(error) = result else {
            return None;
        };
        // A timeout while waiting for a bulkhead slot says the upstream is
        // busy; the budget keeps such retries from adding much to it. An
        // answer past the size limit would only be too large again.
        if error.is::<super::guard::TooLarge>() {
            return None;
        }
        if self.left == 0 || !idempotent(request.method()) || !self.budget.withdraw() {
            return None;
        }
        self.left -= 1;
        metrics::counter!("peregrine_upstream_retries_total", "upstream" => self.name.clone())
            .increment(1);
        Some(tokio::time::sleep(PAUSE))
    }

    fn clone_request(&mut self, request: &Request<Bytes>) -> Option<Request<Bytes>> {
        if self.left == 0 || !idempotent(request.method()) {
            return None;
        }
        // The body is shared, not copied.
        let mut clone = Request::new(request.body().clone());
        *clone.method_mut() = request.method().clone();
        *clone.uri_mut() = request.uri().clone();
        *clone.version_mut() = request.version();
        *clone.headers_mut() = request.headers().clone();
        Some(clone)
    }
}

/// Reads that may be sent twice. PUT and DELETE are idempotent in HTTP's
/// terms too, but a write that timed out may have landed: never again
/// without the caller's say.
fn idempotent(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}
