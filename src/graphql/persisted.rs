//! Automatic persisted queries, in the protocol Apollo's clients (and
//! urql's `persistedExchange`) speak: a client sends a query's SHA-256
//! (`extensions.persistedQuery.sha256Hash`) instead of its text; the first
//! time the server answers `PersistedQueryNotFound`, the client sends the
//! hash and the text, and from then on the hash alone (a GET a CDN can
//! keep, for a query). Texts are kept by hash, bounded by their bytes.

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;

/// The most bytes of query text kept (the oldest-used go first).
const MAX_BYTES: u64 = 8 << 20;

/// Query texts by their SHA-256, as hex.
pub(super) struct PersistedQueries {
    texts: quick_cache::sync::Cache<String, Arc<str>, ByLength>,
}

#[derive(Clone)]
struct ByLength;

impl quick_cache::Weighter<String, Arc<str>> for ByLength {
    fn weight(&self, hash: &String, text: &Arc<str>) -> u64 {
        (hash.len() + text.len()) as u64
    }
}

/// Why a persisted query could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistedError {
    kind: PersistedErrorKind,
    message: String,
}

/// What kind of [`PersistedError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PersistedErrorKind {
    /// The hash alone, of a text the server does not hold: the client is
    /// to send the text too (`PersistedQueryNotFound`).
    NotFound,
    /// The text's SHA-256 is not the hash sent with it.
    HashMismatch,
    /// The `persistedQuery` extension is not one this server reads.
    Invalid,
}

impl PersistedError {
    /// What kind of error it is.
    pub fn kind(&self) -> PersistedErrorKind {
        self.kind
    }

    fn new(kind: PersistedErrorKind, message: String) -> PersistedError {
        PersistedError { kind, message }
    }
}

impl fmt::Display for PersistedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PersistedError {}

/// The extension as clients send it.
#[derive(Deserialize)]
struct Extension {
    version: i64,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

impl PersistedQueries {
    pub(super) fn new() -> PersistedQueries {
        PersistedQueries {
            texts: quick_cache::sync::Cache::with_weighter(4096, MAX_BYTES, ByLength),
        }
    }

    /// Gives `request` its text when it names a persisted one (kept here,
    /// or one of the `allowed` operations' texts), and keeps a text sent
    /// with its hash; a request without the extension is left as it is.
    pub(super) fn resolve(
        &self,
        request: &mut async_graphql::Request,
        allowed: Option<&super::Operations>,
    ) -> Result<(), PersistedError> {
        let Some(value) = request.extensions.remove("persistedQuery") else {
            return Ok(());
        };
        let invalid = |why: String| PersistedError::new(PersistedErrorKind::Invalid, why);
        let json = value
            .into_json()
            .map_err(|error| invalid(format!("the persistedQuery extension: {error}")))?;
        let extension: Extension = serde_json::from_value(json).map_err(|error| {
            invalid(format!(
                "the persistedQuery extension is {{\"version\": 1, \"sha256Hash\": \"…\"}}: {error}"
            ))
        })?;
        if extension.version != 1 {
            return Err(invalid(format!(
                "persistedQuery version {} is not served (version 1 is)",
                extension.version
            )));
        }
        let hash = extension.sha256_hash.to_ascii_lowercase();
        if request.query.is_empty() {
            let text = self.texts.get(&hash);
            let text = text
                .as_deref()
                .or_else(|| allowed.and_then(|operations| operations.text(&hash)))
                .ok_or_else(|| {
                    PersistedError::new(
                        PersistedErrorKind::NotFound,
                        "PersistedQueryNotFound".into(),
                    )
                })?;
            request.query = text.to_owned();
            return Ok(());
        }
        let actual = super::operations::sha256(&request.query);
        if actual != hash {
            return Err(PersistedError::new(
                PersistedErrorKind::HashMismatch,
                format!("provided sha does not match query: the query's SHA-256 is {actual}"),
            ));
        }
        self.texts.insert(hash, request.query.as_str().into());
        Ok(())
    }
}
