//! The one place where request failures become HTTP responses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::router;

/// Why a request to the server failed. Each becomes a status and a JSON
/// body `{"error": {"kind": "...", "message": "..."}}` naming what was
/// wrong: 4xx for what the client sent, 5xx for the server's own faults,
/// whose messages leak no internals. On the GraphQL endpoint the body is
/// a GraphQL response instead, as GraphQL clients read one:
/// `{"errors": [{"message": "...", "extensions": {"code": "KIND"}}]}`.
#[derive(Debug)]
pub struct Error {
    status: StatusCode,
    kind: &'static str,
    message: String,
    /// Written as a GraphQL response.
    graphql: bool,
    /// The methods a 405 names in its `Allow` header.
    allow: Option<&'static str>,
}

impl Error {
    /// A bad request (400) of this kind.
    pub(crate) fn bad_request(kind: &'static str, message: impl Into<String>) -> Error {
        Error::new(StatusCode::BAD_REQUEST, kind, message)
    }

    /// The request's credentials are missing or not valid (401): an
    /// expired or forged token, say. `message` says which, and must not
    /// repeat the token.
    pub fn unauthorized(message: impl Into<String>) -> Error {
        Error::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub(crate) fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Error {
        Error {
            status,
            kind,
            message: message.into(),
            graphql: false,
            allow: None,
        }
    }

    /// The same error, answered as a GraphQL response (the GraphQL
    /// endpoint's errors): its kind in capitals is the error's
    /// `extensions.code`.
    pub(crate) fn in_graphql(mut self) -> Error {
        self.graphql = true;
        self
    }

    /// The same error, naming in an `Allow` header the methods that are
    /// allowed (a 405).
    pub(crate) fn allowing(mut self, methods: &'static str) -> Error {
        self.allow = Some(methods);
        self
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The kind of failure, as the body's `kind` says it.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// Whether the client is at fault (a 4xx).
    pub fn is_client_error(&self) -> bool {
        self.status.is_client_error()
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.kind, self.message)
    }
}

impl From<router::Error> for Error {
    fn from(err: router::Error) -> Error {
        let status = if err.is_sign_in_required() {
            StatusCode::UNAUTHORIZED
        } else if err.is_bad_request() {
            StatusCode::BAD_REQUEST
        } else {
            // Bad refs in the data, a failing call handler: the server's
            // fault. The router's messages name paths and routes, which
            // the client may see; handler panics never reach here.
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Error::new(status, err.kind_name(), err.to_string())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = %self.status, kind = self.kind, message = %self.message, "request failed");
        } else {
            tracing::debug!(status = %self.status, kind = self.kind, message = %self.message, "request refused");
        }
        let body = if self.graphql {
            let code = self.kind.to_ascii_uppercase();
            json!({"errors": [{"message": self.message, "extensions": {"code": code}}]})
        } else {
            json!({"error": {"kind": self.kind, "message": self.message}})
        };
        let mut response = (self.status, body.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(super::JSON));
        if let Some(methods) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(methods));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
