//! Who a request is for: the user named by its `Authorization: Bearer`
//! token.
//!
//! - [`Auth::Development`] (the demo's): the token is the user id itself,
//!   `u` and digits (`Bearer u17`).
//! - [`Auth::Jwt`] (production): the token is a JWT signed with HS256 by
//!   the configured secret; its `sub` is the user id, its `exp` must be
//!   in the future and its `nbf`, if any, in the past (60 s of leeway
//!   for clock skew either way). With an audience configured its `aud`
//!   must name it, and without one a token with an `aud` is refused (it
//!   was meant for another service); with an issuer configured its `iss`
//!   must be it. See [`Jwt`].
//!
//! No `Authorization` header is an anonymous request: shared data (video
//! titles) is answered, and the paths of routes that need a user are
//! errors (a call that needs one is a 401). A token that is present but
//! not valid is a 401 for the whole request, so that a client with an
//! expired token learns it at once instead of seeing its data vanish; so
//! are two `Authorization` headers, since which one names the user would
//! be a guess. Error messages say what was wrong with a token, never the
//! token: it must not reach logs.

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
    /// `Bearer <JWT>`, checked as the [`Jwt`] says; `sub` is the user id.
    Jwt(Arc<Jwt>),
}

/// How bearer JWTs are checked: HS256 with a secret, `exp` required and
/// `nbf` honoured, and the audience and issuer when they are set.
///
/// ```
/// use peregrine_routes::auth::{Auth, Jwt};
///
/// let jwt = Jwt::new(b"a secret").audience("catalog").issuer("https://auth.example");
/// let auth = Auth::from(jwt);
/// # let _ = auth;
/// ```
pub struct Jwt {
    key: DecodingKey,
    validation: Validation,
    audience: bool,
}

#[derive(Deserialize)]
struct Claims {
    /// Missing is named as such, not as a token that does not parse.
    #[serde(default)]
    sub: Option<String>,
}

impl Jwt {
    /// Tokens signed with `secret` (HS256), for no audience in particular
    /// (a token with an `aud` is refused) and from any issuer.
    pub fn new(secret: &[u8]) -> Jwt {
        let mut validation = Validation::new(Algorithm::HS256);
        // jsonwebtoken leaves `nbf` unchecked unless asked: a token not
        // valid for another hour would be accepted.
        validation.validate_nbf = true;
        Jwt {
            key: DecodingKey::from_secret(secret),
            validation,
            audience: false,
        }
    }

    /// Tokens must be for `audience`: their `aud` must name it.
    pub fn audience(mut self, audience: &str) -> Jwt {
        self.validation.set_audience(&[audience]);
        self.require("aud");
        self.audience = true;
        self
    }

    /// Tokens must come from `issuer`: their `iss` must be it.
    pub fn issuer(mut self, issuer: &str) -> Jwt {
        self.validation.set_issuer(&[issuer]);
        self.require("iss");
        self
    }

    fn require(&mut self, claim: &str) {
        self.validation
            .required_spec_claims
            .insert(claim.to_owned());
    }

    /// The user a token names, or why it is refused.
    fn user(&self, token: &str) -> Result<String, Error> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(
            |error| Error::unauthorized(format!("the bearer token {}", self.why(&error))),
        )?;
        match data.claims.sub {
            None => Err(Error::unauthorized(
                "the bearer token lacks a required claim: `sub`",
            )),
            Some(sub) if sub.is_empty() => {
                Err(Error::unauthorized("the bearer token's `sub` is empty"))
            }
            Some(sub) => Ok(sub),
        }
    }

    /// Why a JWT was refused, in words for the client (never the token).
    fn why(&self, error: &jsonwebtoken::errors::Error) -> String {
        use jsonwebtoken::errors::ErrorKind;
        match error.kind() {
            ErrorKind::ExpiredSignature => "has expired".to_owned(),
            ErrorKind::ImmatureSignature => {
                "is not valid yet: its `nbf` (not before) is in the future".to_owned()
            }
            ErrorKind::InvalidSignature => "is not signed with this server's key".to_owned(),
            ErrorKind::InvalidAlgorithm => "is not signed with HS256".to_owned(),
            ErrorKind::MissingRequiredClaim(claim) => {
                format!("lacks a required claim: `{claim}`")
            }
            ErrorKind::InvalidAudience if self.audience => {
                "is for another audience: its `aud` does not name this server's".to_owned()
            }
            ErrorKind::InvalidAudience => "names an audience (`aud`), and this server has none \
                 configured (--jwt-audience): the token is meant for another service"
                .to_owned(),
            ErrorKind::InvalidIssuer => {
                "is from another issuer: its `iss` is not this server's".to_owned()
            }
            _ => "is not a valid JWT".to_owned(),
        }
    }
}

impl From<Jwt> for Auth {
    fn from(jwt: Jwt) -> Auth {
        Auth::Jwt(Arc::new(jwt))
    }
}

impl Auth {
    /// JWTs signed with `secret` (HS256), with no audience or issuer
    /// configured: [`Jwt::new`].
    pub fn jwt(secret: &[u8]) -> Auth {
        Auth::from(Jwt::new(secret))
    }

    /// The user the request is for: `Ok(None)` without an `Authorization`
    /// header, a 401 for credentials that are not valid or for two
    /// `Authorization` headers.
    pub fn user(&self, headers: &HeaderMap) -> Result<Option<String>, Error> {
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(Error::unauthorized(
                "the request has two Authorization headers, which is ambiguous: send one",
            ));
        }
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
            Auth::Jwt(jwt) => jwt.user(token).map(Some),
        }
    }
}

/// The user of a development token: `u` and 1 to 10 digits.
fn development_user(token: &str) -> Option<String> {
    let digits = token.strip_prefix('u')?;
    let valid =
        !digits.is_empty() && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| token.to_owned())
}

impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key stays out of logs.
        f.debug_struct("Jwt")
            .field("audience", &self.validation.aud)
            .field("issuer", &self.validation.iss)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Development => f.write_str("Development"),
            Auth::Jwt(_) => f.write_str("Jwt(..)"),
        }
    }
}
