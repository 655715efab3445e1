//! How long an answer to a get may be kept by HTTP caches (a browser, a
//! TV's HTTP stack, a CDN), and the validator that lets them ask again
//! cheaply.
//!
//! What an answer read decides (its [`Reads`]):
//! - shared data only: `Cache-Control: public, max-age=N`, N the seconds
//!   until the earliest expiry among its values;
//! - any user's data: `Cache-Control: private, no-cache` and `Vary:
//!   Authorization`: kept by that user's own cache alone, and checked
//!   again on each use (a 304 when unchanged);
//! - errors, or values no cache keeps: `Cache-Control: no-store`.
//!
//! Every cacheable answer carries a strong `ETag` (a SHA-256 of its
//! JSON); `If-None-Match` with it answers 304 with no body.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use tokio::time::Instant;

use crate::loader::expiry::Reads;

/// How an answer may be kept, and its validator.
#[derive(Clone, Debug)]
pub(crate) struct Freshness {
    /// When its values' earliest expiry falls.
    pub(crate) until: Instant,
    /// Whether it holds a user's data.
    pub(crate) private: bool,
    /// Its strong validator.
    pub(crate) etag: HeaderValue,
}

impl Freshness {
    /// How the answer `json` may be kept, from what it read (`read`) and
    /// whether all its routes answered (`whole`); none: not at all.
    pub(crate) fn of(json: &[u8], read: &Reads, whole: bool) -> Option<Freshness> {
        let until = read.until().filter(|_| whole)?;
        Some(Freshness {
            until,
            private: read.read_users_data(),
            etag: etag(json),
        })
    }

    /// `Cache-Control` (and `Vary`, `ETag`) on `response`.
    pub(crate) fn mark(&self, response: &mut Response) {
        let headers = response.headers_mut();
        headers.insert(header::ETAG, self.etag.clone());
        if self.private {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            );
            headers.append(header::VARY, HeaderValue::from_static("Authorization"));
            return;
        }
        let seconds = self
            .until
            .saturating_duration_since(Instant::now())
            .as_secs();
        let control = format!("public, max-age={seconds}");
        if let Ok(control) = HeaderValue::from_str(&control) {
            headers.insert(header::CACHE_CONTROL, control);
        }
    }

    /// The 304 to answer when the request's `If-None-Match` names this
    /// answer's ETag.
    pub(crate) fn not_modified(&self, request: &HeaderMap) -> Option<Response> {
        let asked = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .any(|tag| tag == "*" || tag.as_bytes() == self.etag.as_bytes());
        if !asked {
            return None;
        }
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        self.mark(&mut response);
        Some(response)
    }

    /// `response` marked with this freshness, or the 304 the request asks
    /// for.
    pub(crate) fn respond(&self, request: &HeaderMap, mut response: Response) -> Response {
        if let Some(not_modified) = self.not_modified(request) {
            return not_modified;
        }
        self.mark(&mut response);
        response
    }
}

/// `Cache-Control: no-store` on `response`: an answer no cache may keep.
pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A strong ETag of `json`: the first 128 bits of its SHA-256, in hex.
fn etag(json: &[u8]) -> HeaderValue {
    let tag = format!("\"{}\"", crate::graphql::sha256_hex(json, 16));
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}
