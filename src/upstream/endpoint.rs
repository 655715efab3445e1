//! Endpoints: the base URL a service is called at, checked before any
//! call is made, so that a URL that cannot work is refused at start
//! naming the service.

use std::fmt;

use http::Uri;

/// A base URL that is not one a service can be called at, naming the
/// service, the URL as configured and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError {
    service: String,
    kind: EndpointErrorKind,
    message: String,
}

/// What is wrong with a service's base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointErrorKind {
    /// It is not a URL at all.
    Unreadable,
    /// It is neither `http://` nor `https://`.
    NotHttp,
    /// It names no host.
    NoHost,
    /// It has a query, a fragment or credentials, which a base URL of
    /// calls cannot carry.
    Extra,
}

impl EndpointError {
    /// The service whose URL it is.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// What is wrong with it.
    pub fn kind(&self) -> EndpointErrorKind {
        self.kind
    }
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EndpointError {}

/// `base` (the `name` service's URL) without its trailing slashes, if it
/// is `http://host[:port][/path]` or `https://…` (TLS: see
/// [`Trust`](super::Trust)).
pub fn endpoint<'a>(name: &str, base: &'a str) -> Result<&'a str, EndpointError> {
    use EndpointErrorKind::{Extra, NoHost, NotHttp, Unreadable};
    let trimmed = base.trim_end_matches('/');
    let why = match trimmed.parse::<Uri>() {
        Err(error) => Some((Unreadable, error.to_string())),
        Ok(uri) => match uri.scheme_str() {
            Some("http" | "https") if uri.host().is_none_or(str::is_empty) => {
                Some((NoHost, "it names no host".to_owned()))
            }
            Some("http" | "https") if uri.query().is_some() || trimmed.contains('#') => {
                Some((Extra, "it must not have a query or a fragment".to_owned()))
            }
            Some("http" | "https") if uri.authority().is_some_and(|a| a.as_str().contains('@')) => {
                Some((
                    Extra,
                    "it must not carry credentials (user:password@)".to_owned(),
                ))
            }
            Some("http" | "https") => None,
            _ => Some((NotHttp, "it must start with http:// or https://".to_owned())),
        },
    };
    match why {
        None => Ok(trimmed),
        Some((kind, why)) => Err(EndpointError {
            service: name.to_string(),
            kind,
            message: format!("the {name} service's URL {base:?} cannot be called: {why}"),
        }),
    }
}
