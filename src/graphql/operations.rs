//! `Operations`: an allowlist of the GraphQL operations a server runs
//! (`--graphql-operations FILE`), every other one refused: the UI teams'
//! queries, known before release, and nothing an attacker writes.
//!
//! An operation is named by the SHA-256 of its text (as persisted
//! queries are). The file is one of:
//! - an Apollo persisted query manifest (`{"format":
//!   "apollo-persisted-query-manifest", "operations": [{"id", "body"}]}`);
//! - a JSON object of hashes to texts (`{"<sha256>": "query { … }"}`);
//! - a JSON array of texts or hashes;
//! - text, one hash per line (`#` starts a comment).
//!
//! Texts given in the file are served by hash alone too, as persisted
//! queries the clients need not send first.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value as Json;

/// The operations a server runs, by the SHA-256 of their text.
#[derive(Debug, Clone, Default)]
pub struct Operations {
    allowed: HashSet<String>,
    texts: HashMap<String, Arc<str>>,
}

/// Why an allowlist file could not be read, naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationsError {
    kind: OperationsErrorKind,
    message: String,
}

/// What kind of [`OperationsError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperationsErrorKind {
    /// The file cannot be read.
    Unreadable,
    /// It holds something that is neither a hash nor a text, or nothing.
    Invalid,
}

impl OperationsError {
    /// What kind of error it is.
    pub fn kind(&self) -> OperationsErrorKind {
        self.kind
    }
}

impl fmt::Display for OperationsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OperationsError {}

/// The SHA-256 of `text`, as lowercase hex.
pub(crate) fn sha256(text: &str) -> String {
    sha256_hex(text.as_bytes(), 32)
}

/// The first `bytes` bytes of the SHA-256 of `data`, as lowercase hex
/// (persisted queries name texts by all 32; ETags use 16).
pub(crate) fn sha256_hex(data: &[u8], bytes: usize) -> String {
    use std::fmt::Write;
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    let mut hex = String::with_capacity(bytes * 2);
    for byte in digest.as_ref().iter().take(bytes) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Operations {
    /// The allowlist in the file at `path` (see the module for its forms).
    pub fn read(path: &Path) -> Result<Operations, OperationsError> {
        let shown = path.display();
        let invalid = |why: String| OperationsError {
            kind: OperationsErrorKind::Invalid,
            message: format!("the GraphQL operations file {shown}: {why}"),
        };
        let text = std::fs::read_to_string(path).map_err(|error| OperationsError {
            kind: OperationsErrorKind::Unreadable,
            message: format!("the GraphQL operations file {shown} cannot be read: {error}"),
        })?;
        let mut operations = Operations::default();
        match serde_json::from_str::<Json>(&text) {
            Ok(json) => operations.add_json(json).map_err(invalid)?,
            Err(_) if text.trim_start().starts_with(['{', '[']) => {
                return Err(invalid("it is not valid JSON".into()))
            }
            Err(_) => operations.add_lines(&text).map_err(invalid)?,
        }
        if operations.allowed.is_empty() {
            return Err(invalid("it names no operation".into()));
        }
        Ok(operations)
    }

    fn add_json(&mut self, json: Json) -> Result<(), String> {
        match json {
            Json::Object(mut object) if object.contains_key("operations") => {
                let Some(Json::Array(entries)) = object.remove("operations") else {
                    return Err("`operations` is not an array".into());
                };
                for entry in entries {
                    match entry.get("body").and_then(Json::as_str) {
                        Some(body) => self.add_text(body),
                        None => return Err(format!("an operation without a `body`: {entry}")),
                    }
                }
            }
            Json::Object(object) => {
                for (hash, body) in object {
                    let Some(body) = body.as_str() else {
                        return Err(format!("the text of `{hash}` is not a string"));
                    };
                    self.add_text(body);
                    self.allowed.insert(hash.to_ascii_lowercase());
                }
            }
            Json::Array(items) => {
                for item in items {
                    match item.as_str() {
                        Some(hash) if is_hash(hash) => self.add_hash(hash),
                        Some(text) => self.add_text(text),
                        None => return Err(format!("{item} is neither a hash nor a text")),
                    }
                }
            }
            other => return Err(format!("{other} is not a manifest, an object or an array")),
        }
        Ok(())
    }

    fn add_lines(&mut self, text: &str) -> Result<(), String> {
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            match line {
                "" => {}
                hash if is_hash(hash) => self.add_hash(hash),
                other => {
                    return Err(format!(
                        "line {}: `{other}` is not a SHA-256 in hex (64 characters)",
                        number + 1
                    ))
                }
            }
        }
        Ok(())
    }

    fn add_hash(&mut self, hash: &str) {
        self.allowed.insert(hash.to_ascii_lowercase());
    }

    fn add_text(&mut self, text: &str) {
        let hash = sha256(text);
        self.texts.insert(hash.clone(), text.into());
        self.allowed.insert(hash);
    }

    /// How many operations it allows.
    pub fn len(&self) -> usize {
        self.allowed.len()
    }

    /// Whether it allows none (never, once read).
    pub fn is_empty(&self) -> bool {
        self.allowed.is_empty()
    }

    /// Whether the operation of this text is allowed.
    pub fn allows(&self, text: &str) -> bool {
        self.allowed.contains(&sha256(text))
    }

    /// The text the file gave for `hash`, if it gave one.
    pub fn text(&self, hash: &str) -> Option<&str> {
        self.texts
            .get(&hash.to_ascii_lowercase())
            .map(|text| &**text)
    }
}
