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
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// Written as a GraphQL response.
    graphql: bool,
    /// The methods a 405 names in its `Allow` header.
    allow: Option<&'static str>,
}

/// What kind of failure an [`Error`] is. Each kind has one status and
/// one name, the body's `error.kind` (in capitals, a GraphQL error's
/// `extensions.code`), listed here for client authors
/// (`client-js`'s `TransportError.kind` carries the name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400 `invalid_request`: the request's parameters do not make a
    /// request (a set without `jsonGraph`, say).
    InvalidRequest,
    /// 400 `invalid_json`: a parameter or body is not JSON.
    InvalidJson,
    /// 400 `invalid_json_graph`: a set's `jsonGraph` is not a JSON Graph
    /// envelope.
    InvalidJsonGraph,
    /// 400 `invalid_path`: a path or path set does not parse.
    InvalidPath,
    /// 400 `invalid_encoding`: the query or form body cannot be decoded.
    InvalidEncoding,
    /// 400 `duplicate_parameter`: a parameter sent twice.
    DuplicateParameter,
    /// 400 `parameter_missing`: a parameter the method needs is missing.
    ParameterMissing,
    /// 400 `method_missing`: no `method` parameter.
    MethodMissing,
    /// 400 `method_unknown`: a `method` other than get, set and call.
    MethodUnknown,
    /// 400 `unreadable_body`: the body could not be read.
    UnreadableBody,
    /// 400 `invalid_graphql_request`: not a GraphQL-over-HTTP request.
    InvalidGraphqlRequest,
    /// 400 `batch_not_supported`: several GraphQL operations in one body.
    BatchNotSupported,
    /// 200 `persisted_query_not_found` (message `PersistedQueryNotFound`):
    /// a persisted query's hash the server does not hold. Answered 200, as
    /// Apollo's and urql's clients expect, so that they send the query.
    PersistedQueryNotFound,
    /// 400 `persisted_query_invalid`: a `persistedQuery` extension this
    /// server does not read, or a query whose SHA-256 is not its hash.
    PersistedQueryInvalid,
    /// 400 `operation_not_allowed`: a GraphQL operation the server's
    /// allowlist (`--graphql-operations`) does not name.
    OperationNotAllowed,
    /// 401 `unauthorized`: missing or invalid credentials.
    Unauthorized,
    /// 404 `not_found`: nothing is served here.
    NotFound,
    /// 405 `method_not_allowed`: an HTTP method the endpoint does not
    /// answer (its `Allow` header names those it does).
    MethodNotAllowed,
    /// 413 `body_too_large`: a body over the limit.
    BodyTooLarge,
    /// 414 `url_too_long`: a URL over the limit.
    UrlTooLong,
    /// 415 `unsupported_media_type`: a body type the endpoint does not
    /// read.
    UnsupportedMediaType,
    /// 415 `unsupported_encoding`: a `Content-Encoding` the server does
    /// not decode.
    UnsupportedEncoding,
    /// 500 `internal`: the server's own fault.
    Internal,
    /// 503 `overloaded`: at the limit of concurrent requests.
    Overloaded,
    /// 504 `deadline`: the request did not finish within its time.
    Deadline,
    /// The router refused or failed the whole request: 401 for a call
    /// that needs a user, 400 for the request's fault, 500 otherwise; its
    /// name is the router's ([`router::ErrorKind::name`]).
    Route(router::ErrorKind),
}

impl ErrorKind {
    /// Its status and name, in one place.
    fn spec(self) -> (StatusCode, &'static str) {
        use ErrorKind::*;
        match self {
            InvalidRequest => (StatusCode::BAD_REQUEST, "invalid_request"),
            InvalidJson => (StatusCode::BAD_REQUEST, "invalid_json"),
            InvalidJsonGraph => (StatusCode::BAD_REQUEST, "invalid_json_graph"),
            InvalidPath => (StatusCode::BAD_REQUEST, "invalid_path"),
            InvalidEncoding => (StatusCode::BAD_REQUEST, "invalid_encoding"),
            DuplicateParameter => (StatusCode::BAD_REQUEST, "duplicate_parameter"),
            ParameterMissing => (StatusCode::BAD_REQUEST, "parameter_missing"),
            MethodMissing => (StatusCode::BAD_REQUEST, "method_missing"),
            MethodUnknown => (StatusCode::BAD_REQUEST, "method_unknown"),
            UnreadableBody => (StatusCode::BAD_REQUEST, "unreadable_body"),
            InvalidGraphqlRequest => (StatusCode::BAD_REQUEST, "invalid_graphql_request"),
            BatchNotSupported => (StatusCode::BAD_REQUEST, "batch_not_supported"),
            PersistedQueryNotFound => (StatusCode::OK, "persisted_query_not_found"),
            PersistedQueryInvalid => (StatusCode::BAD_REQUEST, "persisted_query_invalid"),
            OperationNotAllowed => (StatusCode::BAD_REQUEST, "operation_not_allowed"),
            Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            NotFound => (StatusCode::NOT_FOUND, "not_found"),
            MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            UrlTooLong => (StatusCode::URI_TOO_LONG, "url_too_long"),
            UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            UnsupportedEncoding => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_encoding"),
            Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            Deadline => (StatusCode::GATEWAY_TIMEOUT, "deadline"),
            Route(kind) => {
                let status = match kind {
                    router::ErrorKind::SignInRequired => StatusCode::UNAUTHORIZED,
                    kind if kind.is_bad_request() => StatusCode::BAD_REQUEST,
                    // Bad refs in the data, a failing call handler: the
                    // server's fault. The router's messages name paths
                    // and routes, which the client may see.
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                (status, kind.name())
            }
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(self) -> StatusCode {
        self.spec().0
    }

    /// Its name: the body's `error.kind`.
    pub fn name(self) -> &'static str {
        self.spec().1
    }
}

impl Error {
    /// An error of `kind` saying `message`.
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            graphql: false,
            allow: None,
        }
    }

    /// The request's credentials are missing or not valid (401): an
    /// expired or forged token, say. `message` says which, and must not
    /// repeat the token.
    pub fn unauthorized(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unauthorized, message)
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

    /// What kind of failure it is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// Whether the client is at fault (a 4xx).
    pub fn is_client_error(&self) -> bool {
        self.status().is_client_error()
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (status, name) = self.kind.spec();
        write!(f, "{status} ({name}): {}", self.message)
    }
}

impl From<router::Error> for Error {
    fn from(err: router::Error) -> Error {
        Error::new(ErrorKind::Route(err.kind()), err.to_string())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, kind) = self.kind.spec();
        if status.is_server_error() {
            tracing::warn!(%status, kind, message = %self.message, "request failed");
        } else {
            tracing::debug!(%status, kind, message = %self.message, "request refused");
        }
        let body = if self.graphql {
            let code = kind.to_ascii_uppercase();
            json!({"errors": [{"message": self.message, "extensions": {"code": code}}]})
        } else {
            json!({"error": {"kind": kind, "message": self.message}})
        };
        let mut response = (status, body.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(super::JSON));
        if let Some(methods) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(methods));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
