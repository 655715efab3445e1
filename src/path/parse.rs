//! The path-syntax parser: `genreLists[0..9][0...3]['title',"rating"]`.
//!
//! The grammar is falcor-path-syntax's, less its lenient spots (see the
//! module docs of [`crate::path`]):
//!
//! ```text
//! path     := sep* key (sep* (key | indexer) | indexer)* sep*
//! sep      := "." | " "           -- a path may not start with "."
//! key      := run of non-special characters, not starting with a digit
//! indexer  := "[" " "* element (" "* "," " "* element)* " "* "]"
//! element  := integer [(".." | "...") integer]   -- a key or a range
//!           | quoted                             -- a string key
//!           | token                              -- route syntax only
//! integer  := "-"? digit+
//! quoted   := '"' ... '"' | "'" ... "'"   -- escapes: \" \' \\
//! token    := "{" ("integers" | "ranges" | "keys") [":" name] "}"
//! ```
//!
//! The special characters are `\ ' " [ ] . ,` and space, plus `{ } :` in
//! route syntax; anything else (tabs and non-ASCII letters included) may
//! stand in a bare key. They are all ASCII, so the parser walks bytes and
//! only counts characters to report an error's offset.

use super::error::{clip, Error, Reason};
use super::key::Key;
use super::key_set::{KeyOrRange, KeySet};
use super::path_set::PathSet;
use super::pattern::{Matcher, Pattern, Token};
use super::range::Range;

impl PathSet {
    /// Parses path syntax: `genreLists[0..9]['name', 'length']`.
    ///
    /// ```
    /// use peregrine::path::PathSet;
    ///
    /// let set = PathSet::parse("genreLists[0..9][0...3]['title',\"rating\"]")?;
    /// assert_eq!(set.count(), 10 * 3 * 2);
    /// assert_eq!(set.to_string(), r#"genreLists[0..9][0..2]["title","rating"]"#);
    /// # Ok::<(), peregrine::path::Error>(())
    /// ```
    pub fn parse(input: &str) -> Result<PathSet, Error> {
        let matchers = Parser::new(input, false).path()?;
        Ok(matchers
            .into_iter()
            .filter_map(|matcher| match matcher {
                Matcher::KeySet(set) => Some(set),
                // Plain syntax never produces tokens.
                Matcher::Token(_) => None,
            })
            .collect())
    }
}

impl Pattern {
    /// Parses route syntax: path syntax whose indexers may also hold one of
    /// `{integers}`, `{ranges}` or `{keys}`, each with an optional `:name`.
    ///
    /// ```
    /// use peregrine::path::{Matcher, Pattern, TokenKind};
    ///
    /// let pattern = Pattern::parse("videos[{integers:ids}]['title','year']")?;
    /// assert!(matches!(&pattern[1], Matcher::Token(t)
    ///     if t.kind == TokenKind::Integers && t.name.as_deref() == Some("ids")));
    /// # Ok::<(), peregrine::path::Error>(())
    /// ```
    pub fn parse(input: &str) -> Result<Pattern, Error> {
        Parser::new(input, true).path().map(Pattern::new)
    }
}

struct Parser<'a> {
    input: &'a str,
    bytes: &'a [u8],
    pos: usize,
    route: bool,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, route: bool) -> Parser<'a> {
        Parser {
            input,
            bytes: input.as_bytes(),
            pos: 0,
            route,
        }
    }

    fn is_special(&self, b: u8) -> bool {
        matches!(b, b'\\' | b'\'' | b'"' | b'[' | b']' | b'.' | b',' | b' ')
            || (self.route && matches!(b, b'{' | b'}' | b':'))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// An error at byte position `at`.
    fn error(&self, at: usize, message: String) -> Error {
        let offset = self.input[..at].chars().count();
        Error::new(self.input, offset, Reason::Syntax(message))
    }

    /// How the text at byte position `at` reads in an error message.
    fn found(&self, at: usize) -> String {
        match self.input[at..].chars().next() {
            None => "end of input".to_owned(),
            // Control characters are shown escaped, so that the message
            // stays on one line.
            Some(c) if c.is_control() => format!("`{}`", c.escape_default()),
            Some(c) => format!("`{c}`"),
        }
    }

    /// Moves past a run of non-special bytes and returns it.
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| !self.is_special(b)) {
            self.pos += 1;
        }
        &self.input[start..self.pos]
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn path(mut self) -> Result<Vec<Matcher>, Error> {
        let mut out = Vec::new();
        loop {
            while let Some(b @ (b' ' | b'.')) = self.peek() {
                if b == b'.' && out.is_empty() {
                    return Err(self.error(
                        self.pos,
                        "a path cannot start with `.`: write the first key bare, as in `videos.title`"
                            .to_owned(),
                    ));
                }
                self.pos += 1;
            }
            let Some(b) = self.peek() else { break };
            if b == b'[' {
                out.push(self.indexer()?);
            } else if self.is_special(b) {
                return Err(self.error(
                    self.pos,
                    format!("expected a key, `.` or `[`, found {}", self.found(self.pos)),
                ));
            } else {
                let start = self.pos;
                let name = self.word();
                if name.as_bytes()[0].is_ascii_digit() {
                    let digits = name.bytes().all(|b| b.is_ascii_digit());
                    let name = clip(name);
                    let hint = if digits {
                        format!("[{name}]")
                    } else {
                        format!("['{name}']")
                    };
                    return Err(self.error(
                        start,
                        format!("a key that starts with a digit goes in brackets: write `{hint}`, not `{name}`"),
                    ));
                }
                out.push(Matcher::KeySet(KeySet::Key(Key::from(name))));
            }
        }
        if out.is_empty() {
            let at = self.input.chars().count();
            return Err(Error::new(self.input, at, Reason::Empty));
        }
        Ok(out)
    }

    fn indexer(&mut self) -> Result<Matcher, Error> {
        let open = self.pos;
        self.pos += 1;
        let mut items: Vec<KeyOrRange> = Vec::new();
        let mut token: Option<Token> = None;
        loop {
            self.skip_spaces();
            let start = self.pos;
            let Some(b) = self.peek() else {
                return Err(self.error(
                    start,
                    format!(
                        "expected a key, found end of input (the indexer opened at offset {} is not closed)",
                        self.input[..open].chars().count()
                    ),
                ));
            };
            match b {
                b']' if items.is_empty() && token.is_none() => {
                    return Err(self.error(
                        start,
                        "an indexer needs at least one key, and `[]` has none".to_owned(),
                    ))
                }
                b']' => {
                    return Err(self.error(start, "expected a key after `,`, found `]`".to_owned()))
                }
                b',' => return Err(self.error(start, "expected a key before `,`".to_owned())),
                b'[' => {
                    return Err(self.error(
                        start,
                        "indexers cannot be nested: expected a key, found `[`".to_owned(),
                    ))
                }
                b'"' | b'\'' => items.push(KeyOrRange::Key(self.quoted()?)),
                b'{' if self.route => {
                    if !items.is_empty() {
                        return Err(self.token_alone(start));
                    }
                    token = Some(self.token()?);
                }
                b'-' | b'0'..=b'9' => items.push(self.integer_or_range()?),
                _ => return Err(self.not_a_key(start)),
            }
            if token.is_some() && !items.is_empty() {
                return Err(self.token_alone(start));
            }
            if self.closes_after(start, open)? {
                break;
            }
        }
        Ok(match token {
            Some(token) => Matcher::Token(token),
            None => Matcher::KeySet(KeySet::list(items)),
        })
    }

    /// Reads the `,` or `]` after the element that began at `start` (of
    /// the indexer opened at `open`): whether it was `]`.
    fn closes_after(&mut self, start: usize, open: usize) -> Result<bool, Error> {
        let element = clip(&self.input[start..self.pos]);
        self.skip_spaces();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b']') => {
                self.pos += 1;
                Ok(true)
            }
            _ => {
                let mut message = format!(
                    "expected `,` or `]` after `{element}`, found {}",
                    self.found(self.pos)
                );
                if self.pos == self.bytes.len() {
                    message.push_str(&format!(
                        " (the indexer opened at offset {} is not closed)",
                        self.input[..open].chars().count()
                    ));
                }
                Err(self.error(self.pos, message))
            }
        }
    }

    fn token_alone(&self, at: usize) -> Error {
        let offset = self.input[..at].chars().count();
        Error::new(
            self.input,
            offset,
            Reason::Token(
                "a route token such as `{integers}` must be alone in its indexer".to_owned(),
            ),
        )
    }

    /// The error for an unquoted word inside an indexer.
    fn not_a_key(&mut self, start: usize) -> Error {
        let word = clip(self.word());
        if word.is_empty() {
            return self.error(
                start,
                format!(
                    "expected a number, a range or a quoted key, found {}",
                    self.found(start)
                ),
            );
        }
        if word.starts_with('{') {
            let offset = self.input[..start].chars().count();
            return Error::new(
                self.input,
                offset,
                Reason::Token(format!(
                    "route tokens such as `{word}` belong in route patterns, not in requested paths"
                )),
            );
        }
        self.error(
            start,
            format!(
                "expected a number, a range or a quoted key, found `{word}`: \
                 keys other than numbers are quoted inside brackets, as in ['{word}']"
            ),
        )
    }

    fn integer(&mut self) -> Result<i64, Error> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits || self.peek().is_some_and(|b| !self.is_special(b)) {
            self.pos = start;
            return Err(self.not_a_key(start));
        }
        let text = &self.input[start..self.pos];
        text.parse().map_err(|_| {
            self.error(
                start,
                format!(
                    "the number `{}` does not fit in a 64-bit integer",
                    clip(text)
                ),
            )
        })
    }

    fn integer_or_range(&mut self) -> Result<KeyOrRange, Error> {
        let from = self.integer()?;
        // Spaces may stand before the dots of a range (`a[1 ..3]`), as in
        // falcor, though not after them.
        let spaces_at = self.pos;
        self.skip_spaces();
        if self.peek() != Some(b'.') {
            self.pos = spaces_at;
        }
        let dots_at = self.pos;
        while self.peek() == Some(b'.') {
            self.pos += 1;
        }
        let exclusive = match self.pos - dots_at {
            0 => return Ok(KeyOrRange::Key(Key::integer(from))),
            1 => {
                return Err(self.error(
                    dots_at,
                    "expected `..` or `...` for a range, found a single `.`: keys are integers, not decimals"
                        .to_owned(),
                ))
            }
            2 => false,
            3 => true,
            _ => {
                return Err(self.error(
                    dots_at,
                    format!("expected `..` or `...` for a range, found `{}`", clip(&self.input[dots_at..self.pos])),
                ))
            }
        };
        let op = if exclusive { "..." } else { ".." };
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return Err(self.error(
                self.pos,
                format!(
                    "expected a number right after `{op}`, found {}",
                    self.found(self.pos)
                ),
            ));
        }
        let end_at = self.pos;
        let end = self.integer()?;
        let to = if exclusive {
            end.checked_sub(1).ok_or_else(|| {
                self.error(
                    end_at,
                    format!("the range end `{end}` is below the smallest integer"),
                )
            })?
        } else {
            end
        };
        Ok(KeyOrRange::Range(Range::new(from, to)))
    }
}

mod literal;

#[cfg(test)]
mod tests;
