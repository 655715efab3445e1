//! `route_file::Error`: why a route file was refused, with the file, the
//! line and the column.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a route file was refused: what is wrong, and where (`file:line:column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    file: PathBuf,
    line: usize,
    column: usize,
    message: String,
}

/// What kind of [`Error`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file or directory could not be read.
    Read,
    /// Not TOML, or not the route file format (an unknown or missing
    /// member, a value of the wrong type).
    Syntax,
    /// A route names a service no file declares, or two files declare
    /// one service.
    Service,
    /// A route names a load no file declares, or two files declare one
    /// load.
    Load,
    /// A service's URL cannot be called.
    Url,
    /// A `${NAME}` names an environment variable that is not set.
    Environment,
    /// A route pattern that does not parse, or that the format cannot
    /// serve.
    Pattern,
    /// A `{name}` in a call's path that the route does not have.
    Placeholder,
    /// A setting with a value it cannot have.
    Value,
    /// Two routes, in these files or beside them, serve the same paths.
    Collision,
    /// A `*.graphql` file does not parse, or its types do not make a
    /// schema with the server's and the other files' (a type or a field
    /// defined twice, a type not defined, a field without `@graph`).
    GraphQl,
}

impl Error {
    /// An error at byte `offset` of `text`, the contents of `file`.
    pub(super) fn at(
        kind: ErrorKind,
        file: &Path,
        text: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> Error {
        let before = text.get(..offset.min(text.len())).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        let column = before[line_start..].chars().count() + 1;
        Error::placed(kind, file, (line, column), message)
    }

    /// An error at `line` and `column` (from 1) of `file`.
    pub(super) fn placed(
        kind: ErrorKind,
        file: &Path,
        (line, column): (usize, usize),
        message: impl Into<String>,
    ) -> Error {
        Error {
            kind,
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    /// An error about `file` as a whole (it cannot be read, say).
    pub(super) fn whole(kind: ErrorKind, file: &Path, message: impl Into<String>) -> Error {
        Error {
            kind,
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }

    /// What kind of error it is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The file it is in.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Its line, from 1; 0 for an error about the whole file.
    pub fn line(&self) -> usize {
        self.line
    }

    /// Its column, in characters from 1; 0 for an error about the whole
    /// file.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong, without the place.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.file.display(), self.message),
            line => write!(
                f,
                "{}:{line}:{}: {}",
                self.file.display(),
                self.column,
                self.message
            ),
        }
    }
}

impl std::error::Error for Error {}

/// One file's text, for placing errors in it.
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub(super) path: PathBuf,
    pub(super) text: Arc<str>,
}

impl Source {
    /// An error at byte `offset` of the file.
    pub(super) fn error(
        &self,
        kind: ErrorKind,
        offset: usize,
        message: impl Into<String>,
    ) -> Error {
        Error::at(kind, &self.path, &self.text, offset, message)
    }

    /// Byte `offset` of the file as `file:line:column`.
    pub(super) fn place(&self, offset: usize) -> String {
        let at = self.error(ErrorKind::Value, offset, "");
        format!("{}:{}:{}", at.file().display(), at.line(), at.column())
    }

    /// An error at a character of a string value spanning `span` (quotes
    /// included): `offset` bytes into its text.
    pub(super) fn error_in(
        &self,
        kind: ErrorKind,
        span: &Range<usize>,
        offset: usize,
        message: impl Into<String>,
    ) -> Error {
        self.error(kind, span.start + 1 + offset, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_is_counted_in_lines_and_characters_from_one() {
        let text = "a = 1\nbé = \"x\"\n";
        let at = |offset| Error::at(ErrorKind::Value, Path::new("t.toml"), text, offset, "m");
        assert_eq!((at(0).line(), at(0).column()), (1, 1));
        assert_eq!((at(6).line(), at(6).column()), (2, 1));
        // `é` is two bytes, one column.
        assert_eq!((at(9).line(), at(9).column()), (2, 3));
        assert_eq!(at(9).to_string(), "t.toml:2:3: m");
    }
}
