//! The error of the path module: path syntax that cannot be read.

use std::fmt;

use unicode_width::UnicodeWidthChar;

/// Path syntax that could not be parsed: what was expected, at which
/// offset, with the input shown and a caret under the spot.
///
/// ```
/// use peregrine::path::PathSet;
///
/// let err = PathSet::parse("videos[0..2.title").unwrap_err();
/// assert_eq!(err.offset(), 11);
/// assert_eq!(err.to_string(), "\
/// invalid path at offset 11: expected `,` or `]` after `0..2`, found `.`
///   videos[0..2.title
///              ^");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    input: String,
    offset: usize,
    kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// The input holds no key at all.
    Empty,
    /// Something other than what the grammar allows at this spot.
    Syntax(String),
    /// A route token (`{integers}`...) where none may stand.
    Token(String),
}

impl Error {
    pub(crate) fn new(input: &str, offset: usize, kind: ErrorKind) -> Error {
        Error {
            input: input.to_owned(),
            offset,
            kind,
        }
    }

    /// The position of the problem, in characters from the start.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The text that was parsed.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// What was wrong, without the input and the caret.
    pub fn message(&self) -> &str {
        match &self.kind {
            ErrorKind::Empty => "a path needs at least one key",
            ErrorKind::Syntax(message) | ErrorKind::Token(message) => message,
        }
    }

    /// Whether the input held no key at all.
    pub fn is_empty_path(&self) -> bool {
        matches!(self.kind, ErrorKind::Empty)
    }

    /// Whether the problem is about a route token (`{integers}` and the like).
    pub fn is_route_token(&self) -> bool {
        matches!(self.kind, ErrorKind::Token(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid path at offset {}: {}",
            self.offset,
            self.message()
        )?;
        // Show the input on one line: control characters would break the
        // caret's alignment, so they are drawn as spaces; the caret goes
        // under the spot on a terminal, where East Asian characters take
        // two columns.
        let shown: String = self
            .input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let column: usize = shown
            .chars()
            .take(self.offset)
            .map(|c| UnicodeWidthChar::width(c).unwrap_or(0))
            .sum();
        write!(f, "\n  {shown}\n  {:>width$}", "^", width = column + 1)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "path::Error({self})")
    }
}

impl std::error::Error for Error {}
