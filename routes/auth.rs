//! Who a request is for: the user named by its `Authorization: Bearer`
//! token.
//!
//! - [`Auth::Development`] (the demo's): the token is the user id itself,
//!   `u` and digits (`Bearer u17`).
//! - [`Auth::Jwt`] (production): the token is a JWT signed with HS256 by
//!   the configured secret; its `sub` is the user id, and its `exp` must
//!   be in the future (60 s of leeway for clock skew).
//!
//! No `Authorization` header is an anonymous request: shared data (video
//! titles) is answered, and the paths of routes that need a user are
//! errors (a call that needs one is a 401). A token that is present but
//! not valid is a 401 for the whole request, so that a client with an
//! expired token learns it at once instead of seeing its data vanish.
//! Error messages say what was wrong with a token, never the token: it
//! must not reach logs.

use std::fmt;
use std::sync::Arc;

use axum::http::{header, HeaderMap};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use peregrine::http::Error;
use serde::Deserialize;

/// How requests are authenticated.
#[derive(Clone)]
pub enum Auth {
    /// `Bearer u17`: the token is the user id (`u` and digits).
    Development,
    /// `Bearer <JWT>`: HS256 with this secret; `sub` is the user id.
    Jwt(Arc<DecodingKey>),
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

impl Auth {
    /// JWTs signed with `secret` (HS256).
    pub fn jwt(secret: &[u8]) -> Auth {
        Auth::Jwt(Arc::new(DecodingKey::from_secret(secret)))
    }

    /// The user the request is for: `Ok(None)` without an `Authorization`
    /// header, a 401 for credentials that are not valid.
    pub fn user(&self, headers: &HeaderMap) -> Result<Option<String>, Error> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                Error::unauthorized("the Authorization header must be `Bearer <token>`")
            })?;
        match self {
            Auth::Development => development_user(token).map(Some).ok_or_else(|| {
                Error::unauthorized(
                    "in development mode the bearer token is a user id: `u` and digits, such as u17",
                )
            }),
            Auth::Jwt(key) => {
                let validation = Validation::new(Algorithm::HS256);
                let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
                    .map_err(|error| Error::unauthorized(format!("the bearer token {}", why(&error))))?;
                if data.claims.sub.is_empty() {
                    return Err(Error::unauthorized("the bearer token's `sub` is empty"));
                }
                Ok(Some(data.claims.sub))
            }
        }
    }
}

/// Why a JWT was refused, in words for the client (never the token).
fn why(error: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "has expired",
        ErrorKind::InvalidSignature => "is not signed with this server's key",
        ErrorKind::InvalidAlgorithm => "is not signed with HS256",
        ErrorKind::MissingRequiredClaim(_) => "lacks a required claim (`exp` and `sub`)",
        ErrorKind::ImmatureSignature => "is not valid yet",
        _ => "is not a valid JWT",
    }
}

/// The user of a development token: `u` and 1 to 10 digits.
fn development_user(token: &str) -> Option<String> {
    let digits = token.strip_prefix('u')?;
    let valid =
        !digits.is_empty() && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| token.to_owned())
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Development => f.write_str("Development"),
            Auth::Jwt(_) => f.write_str("Jwt(..)"),
        }
    }
}
