//! The error of the path module: path syntax that cannot be read.

use std::fmt;

use unicode_width::UnicodeWidthChar;

/// Path syntax that could not be parsed: what was expected, at which
/// offset, with the input around it shown (up to 60 characters each side)
/// and a caret under the spot.
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
    kind: Reason,
}

/// What kind of [`Error`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input held no key at all.
    EmptyPath,
    /// Something other than what the grammar allows.
    Syntax,
    /// A route token (`{integers}` and the like) where none may stand.
    RouteToken,
}

/// What exactly was wrong, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The input holds no key at all.
    Empty,
    /// Something other than what the grammar allows at this spot.
    Syntax(String),
    /// A route token (`{integers}`...) where none may stand.
    Token(String),
}

impl Error {
    pub(crate) fn new(input: &str, offset: usize, kind: Reason) -> Error {
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
            Reason::Empty => "a path needs at least one key",
            Reason::Syntax(message) | Reason::Token(message) => message,
        }
    }

    /// What kind of error it is.
    pub fn kind(&self) -> ErrorKind {
        match self.kind {
            Reason::Empty => ErrorKind::EmptyPath,
            Reason::Syntax(_) => ErrorKind::Syntax,
            Reason::Token(_) => ErrorKind::RouteToken,
        }
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
        let (shown, column) = window(&self.input, self.offset);
        write!(f, "\n  {shown}\n  {}^", " ".repeat(column))
    }
}

/// How many characters of the input an error shows on each side of its
/// offset: a request may send a 70,000-character path, and its error
/// must stay a line, not echo the whole input.
const SHOWN: usize = 60;

/// The input around `offset` on one line: up to [`SHOWN`] characters each
/// side, `…` where it is cut, control characters drawn as spaces (they
/// would break the caret's alignment). With it, the caret's column: the
/// terminal cells before the offset, where East Asian characters take
/// two.
fn window(input: &str, offset: usize) -> (String, usize) {
    let start = offset.saturating_sub(SHOWN);
    let mut shown = String::new();
    let mut column = 0;
    if start > 0 {
        shown.push('…');
        column += 1;
    }
    for (at, c) in (start..).zip(input.chars().skip(start)) {
        if at == offset + SHOWN {
            shown.push('…');
            break;
        }
        let c = if c.is_control() { ' ' } else { c };
        if at < offset {
            column += UnicodeWidthChar::width(c).unwrap_or(0);
        }
        shown.push(c);
    }
    (shown, column)
}

/// `text` from the input for an error message, cut to a few dozen
/// characters with `…`: the message names the word, the window shows
/// where it is.
pub(crate) fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    crate::excerpt::excerpt(text, 40)
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "path::Error({self})")
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two lines under the message: the window and the caret.
    fn shown(input: &str, offset: usize) -> (String, String) {
        let err = Error::new(input, offset, Reason::Syntax("bad".to_owned()));
        let text = err.to_string();
        let mut lines = text.lines().skip(1);
        let window = lines.next().expect("the window line").to_owned();
        let caret = lines.next().expect("the caret line").to_owned();
        (window, caret)
    }

    #[test]
    fn a_short_input_is_shown_whole_with_the_caret_under_the_offset() {
        let (window, caret) = shown("videos[0..2.title", 11);
        assert_eq!(window, "  videos[0..2.title");
        assert_eq!(caret, "             ^");
    }

    #[test]
    fn a_long_input_is_cut_to_sixty_characters_each_side_of_the_offset() {
        let input = format!("{}X{}", "a".repeat(69_999), "b".repeat(30_000));
        let (window, caret) = shown(&input, 69_999);
        let expected = format!("  …{}X{}…", "a".repeat(60), "b".repeat(59));
        assert_eq!(window, expected);
        // The caret stands under the X: two spaces, the `…`, 60 `a`s.
        assert_eq!(caret, format!("{}^", " ".repeat(63)));
    }

    #[test]
    fn the_window_is_cut_only_on_the_side_that_is_long() {
        let input = format!("ab{}", "c".repeat(500));
        let (window, caret) = shown(&input, 1);
        assert_eq!(window, format!("  ab{}…", "c".repeat(59)));
        assert_eq!(caret, "   ^");
        let input = format!("{}yz", "c".repeat(500));
        let (window, caret) = shown(&input, 502);
        assert_eq!(window, format!("  …{}yz", "c".repeat(58)));
        assert_eq!(caret, format!("{}^", " ".repeat(63)));
    }

    #[test]
    fn wide_characters_in_the_window_move_the_caret_two_columns_each() {
        let input = "日".repeat(33_000);
        let (window, caret) = shown(&input, 20_000);
        assert_eq!(window, format!("  …{}…", "日".repeat(120)));
        // `…` takes one column, each of the 60 characters before two.
        assert_eq!(caret, format!("{}^", " ".repeat(2 + 1 + 120)));
    }

    #[test]
    fn control_characters_are_drawn_as_spaces() {
        let (window, caret) = shown("a\tb\nc[", 5);
        assert_eq!(window, "  a b c[");
        assert_eq!(caret, "       ^");
    }

    #[test]
    fn clip_keeps_forty_characters_of_a_long_word() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(1000);
        assert_eq!(clip(&long), format!("{}…", "é".repeat(40)));
    }
}
