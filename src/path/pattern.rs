//! Route patterns: path sets whose positions may also be `{integers}`,
//! `{ranges}` or `{keys}`, as backend teams write them.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::key_set::KeySet;

/// A route pattern such as `videos[{integers:ids}]['title','year']`, as
/// [`Pattern::parse`] reads it from route syntax.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Pattern(Vec<Matcher>);

/// What one position of a [`Pattern`] matches.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Matcher {
    /// Exactly these keys.
    KeySet(KeySet),
    /// Any key of a class: `{integers}`, `{ranges}` or `{keys}`.
    Token(Token),
}

/// A routed token, `{integers:ids}`: a class of keys and an optional name
/// by which the handler reads what matched.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Token {
    /// The class of keys it matches.
    pub kind: TokenKind,
    /// The name after the colon, if any.
    pub name: Option<Arc<str>>,
}

/// The classes of keys a [`Token`] matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `{integers}`: integer keys, handed over one by one.
    Integers,
    /// `{ranges}`: integer keys, handed over as runs of ranges.
    Ranges,
    /// `{keys}`: any key.
    Keys,
}

impl TokenKind {
    /// The token's name in route syntax.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Integers => "integers",
            TokenKind::Ranges => "ranges",
            TokenKind::Keys => "keys",
        }
    }
}

impl Pattern {
    /// The pattern of these matchers.
    pub fn new(matchers: Vec<Matcher>) -> Pattern {
        Pattern(matchers)
    }

    /// The matchers, as a vector.
    pub fn into_matchers(self) -> Vec<Matcher> {
        self.0
    }
}

impl Deref for Pattern {
    type Target = [Matcher];
    fn deref(&self) -> &[Matcher] {
        &self.0
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({self})")
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::KeySet(set) => set.fmt(f),
            Matcher::Token(token) => write!(f, "{token}"),
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{{{}:{name}}}", self.kind.as_str()),
            None => write!(f, "{{{}}}", self.kind.as_str()),
        }
    }
}

impl Serialize for Matcher {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Matcher::KeySet(set) => set.serialize(serializer),
            Matcher::Token(token) => token.serialize(serializer),
        }
    }
}

impl Serialize for Token {
    /// Writes the token as falcor-path-syntax does:
    /// `{"type": "integers", "named": true, "name": "ids"}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Token", 3)?;
        s.serialize_field("type", self.kind.as_str())?;
        s.serialize_field("named", &self.name.is_some())?;
        s.serialize_field("name", self.name.as_deref().unwrap_or(""))?;
        s.end()
    }
}
