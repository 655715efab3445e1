//! A declared service: a base URL behind the upstream guards, answering
//! JSON.

use std::sync::Arc;

use bytes::Bytes;
use http::Request;
use serde_json::Value as Json;

use crate::loader::LoadError;
use crate::upstream::{reason, Upstream};

/// A service of a route file: its name, base URL and guards.
#[derive(Debug, Clone)]
pub(super) struct Service {
    name: Arc<str>,
    base: Arc<str>,
    upstream: Upstream,
}

impl Service {
    /// The service `name` at `base` (checked), called through `upstream`.
    pub(super) fn new(name: &str, base: &str, upstream: Upstream) -> Service {
        Service {
            name: name.into(),
            base: base.into(),
            upstream,
        }
    }

    /// Its name, as the route files write it.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// Logs a failure of this service's as a warning (rate-limited, see
    /// [`Upstream::warn`]).
    pub(super) fn warn(&self, error: &dyn std::fmt::Display) {
        self.upstream.warn(error);
    }

    /// `GET` of `path` (with its query), its answer read as JSON. A 4xx is
    /// a rejected load with the service's reason; a failure, a 5xx or an
    /// answer that is not JSON fails the load naming the service.
    pub(super) async fn get(&self, path: &str) -> Result<Json, LoadError> {
        let failed = |what: &dyn std::fmt::Display| {
            let message = format!("{} service: GET {} {what}", self.name, route_of(path));
            self.upstream.warn(&message);
            LoadError::backend(message)
        };
        let request = Request::get(format!("{}{path}", self.base))
            .body(Bytes::new())
            .map_err(|error| failed(&format_args!("not sent ({error})")))?;
        let response = self.upstream.send(request).await?;
        let status = response.status();
        if status.is_client_error() {
            let why = reason(response.body()).unwrap_or_else(|| status.to_string());
            tracing::debug!(service = %self.name, %status, %why, "backend refused a call");
            return Err(LoadError::rejected(why));
        }
        if !status.is_success() {
            return Err(failed(&format_args!("answered {status}")));
        }
        serde_json::from_slice(response.body())
            .map_err(|error| failed(&format_args!("answered unreadable JSON ({error})")))
    }
}

/// The path of a call without its query (messages may reach clients; ids
/// and users stay out of them).
fn route_of(path: &str) -> &str {
    path.split_once('?').map_or(path, |(route, _)| route)
}
