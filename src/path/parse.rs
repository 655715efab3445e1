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

use std::sync::Arc;

use super::error::{clip, Error, Reason};
use super::key::Key;
use super::key_set::{KeyOrRange, KeySet};
use super::path_set::PathSet;
use super::pattern::{Matcher, Pattern, Token, TokenKind};
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
            let element = clip(&self.input[start..self.pos]);
            self.skip_spaces();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
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
                    return Err(self.error(self.pos, message));
                }
            }
        }
        Ok(match token {
            Some(token) => Matcher::Token(token),
            None => Matcher::KeySet(KeySet::list(items)),
        })
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

    fn quoted(&mut self) -> Result<Key, Error> {
        let open = self.pos;
        let quote = self.bytes[open];
        self.pos += 1;
        let mut text = String::new();
        let mut chunk = self.pos;
        loop {
            match self.peek() {
                None => {
                    return Err(self.error(
                        open,
                        format!(
                            "the quoted key opened here is never closed: expected a closing {}",
                            quote as char
                        ),
                    ))
                }
                Some(b) if b == quote => {
                    text.push_str(&self.input[chunk..self.pos]);
                    self.pos += 1;
                    return Ok(Key::from(text));
                }
                Some(b'\\') => {
                    text.push_str(&self.input[chunk..self.pos]);
                    let escape = self.pos;
                    self.pos += 1;
                    match self.peek() {
                        Some(b @ (b'"' | b'\'' | b'\\')) => {
                            text.push(b as char);
                            self.pos += 1;
                            chunk = self.pos;
                        }
                        None => continue,
                        Some(_) => {
                            return Err(self.error(
                                escape,
                                format!(
                                    "invalid escape `\\{}`: only `\\\"`, `\\'` and `\\\\` are escapes in a quoted key",
                                    self.input[self.pos..].chars().next().unwrap_or(' ')
                                ),
                            ))
                        }
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn token(&mut self) -> Result<Token, Error> {
        self.pos += 1;
        let start = self.pos;
        let kind = match self.word() {
            "integers" => TokenKind::Integers,
            "ranges" => TokenKind::Ranges,
            "keys" => TokenKind::Keys,
            other => {
                let offset = self.input[..start].chars().count();
                let found = if other.is_empty() {
                    self.found(start)
                } else {
                    format!("`{}`", clip(other))
                };
                return Err(Error::new(
                    self.input,
                    offset,
                    Reason::Token(format!(
                        "expected `integers`, `ranges` or `keys` in a route token, found {found}"
                    )),
                ));
            }
        };
        let mut name = None;
        if self.peek() == Some(b':') {
            self.pos += 1;
            let at = self.pos;
            let word = self.word();
            if word.is_empty() {
                return Err(self.error(
                    at,
                    format!("expected a name after `:`, found {}", self.found(at)),
                ));
            }
            name = Some(Arc::from(word));
        }
        if self.peek() != Some(b'}') {
            return Err(self.error(
                self.pos,
                format!(
                    "expected `}}` to close the route token, found {}",
                    self.found(self.pos)
                ),
            ));
        }
        self.pos += 1;
        Ok(Token { kind, name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(input: &str) -> String {
        match PathSet::parse(input) {
            Ok(set) => serde_json::to_string(&set).expect("serializable"),
            Err(err) => panic!("{input}: {err}"),
        }
    }

    fn error(input: &str) -> Error {
        PathSet::parse(input).expect_err(input)
    }

    #[test]
    fn reads_the_forms_falcor_reads() {
        assert_eq!(json("genreLists[0].name"), r#"["genreLists",0,"name"]"#);
        assert_eq!(
            json("a[0..1,5,7...9]"),
            r#"["a",[{"from":0,"to":1},5,{"from":7,"to":8}]]"#
        );
        assert_eq!(
            json("a['it\\'s'][\"say \\\"hi\\\"\"]"),
            r#"["a","it's","say \"hi\""]"#
        );
        assert_eq!(json(" a . b."), r#"["a","b"]"#);
        assert_eq!(json("a[-3..-1]"), r#"["a",{"from":-3,"to":-1}]"#);
        assert_eq!(json("a.true.null"), r#"["a","true","null"]"#);
        assert_eq!(json("a\tb:c{"), "[\"a\\tb:c{\"]");
        assert_eq!(json("a['b.c','d[0]']"), r#"["a",["b.c","d[0]"]]"#);
        assert_eq!(json("a['\\\\']"), r#"["a","\\"]"#);
        assert_eq!(json("vidéos[0]"), r#"["vidéos",0]"#);
    }

    #[test]
    fn says_what_was_expected_and_where() {
        let cases = [
            (
                "videos[0..2.title",
                11,
                "expected `,` or `]` after `0..2`, found `.`",
            ),
            ("a[1.5]", 3, "found a single `.`"),
            ("a[0..]", 5, "expected a number right after `..`, found `]`"),
            ("a[0....2]", 3, "found `....`"),
            ("a[,1]", 2, "expected a key before `,`"),
            ("a[1,,2]", 4, "expected a key before `,`"),
            ("a[1,]", 4, "expected a key after `,`"),
            ("a[0", 3, "the indexer opened at offset 1 is not closed"),
            ("a[\"x", 2, "never closed"),
            ("a[]", 2, "`[]` has none"),
            ("a[[0]]", 2, "cannot be nested"),
            ("a[0 1]", 4, "expected `,` or `]` after `0`, found `1`"),
            ("a[true]", 2, "found `true`"),
            ("a[0x10]", 2, "found `0x10`"),
            ("a[1.. 3]", 5, "right after `..`, found ` `"),
            (".a", 0, "cannot start with `.`"),
            ("a.0", 2, "write `[0]`"),
            ("a]", 1, "expected a key, `.` or `[`, found `]`"),
            ("a,b", 1, "found `,`"),
            ("a['\\b']", 3, "invalid escape `\\b`"),
            ("a[99999999999999999999]", 2, "does not fit"),
            ("é[x]", 2, "found `x`"),
        ];
        for (input, offset, says) in cases {
            let err = error(input);
            assert!(err.to_string().contains(says), "{input}: {err}");
            assert_eq!(err.offset(), offset, "{input}: {err}");
        }
    }

    #[test]
    fn the_caret_stands_under_the_spot_for_wide_characters_too() {
        let err = error("日本[x]");
        assert_eq!(err.offset(), 3);
        assert!(err.to_string().ends_with("\n  日本[x]\n       ^"), "{err}");
    }

    #[test]
    fn a_long_input_gives_a_short_message_naming_the_offset() {
        let long = "9".repeat(70_000);
        for input in [
            format!("videos[{long}x]"),
            format!("videos.{long}"),
            format!("videos[0{}]", ".".repeat(70_000)),
            format!("videos[{}]", "日".repeat(33_000)),
            format!("videos['a'{long}]"),
        ] {
            let err = error(&input);
            let text = err.to_string();
            assert!(text.len() < 1_000, "{} bytes: {text}", text.len());
            assert!(text.starts_with(&format!("invalid path at offset {}", err.offset())));
        }
    }

    #[test]
    fn an_empty_path_is_refused() {
        for input in ["", " ", "  "] {
            assert_eq!(
                error(input).kind(),
                crate::path::ErrorKind::EmptyPath,
                "{input:?}"
            );
        }
    }

    #[test]
    fn route_tokens_only_in_route_syntax() {
        assert_eq!(
            error("a[{integers}]").kind(),
            crate::path::ErrorKind::RouteToken
        );
        let pattern = Pattern::parse("a[{keys:k}][{integers}]['b:c']").expect("valid pattern");
        assert_eq!(
            serde_json::to_string(&pattern).expect("serializable"),
            r#"["a",{"type":"keys","named":true,"name":"k"},{"type":"integers","named":false,"name":""},"b:c"]"#
        );
        for (input, says) in [
            ("a[{integer}]", "found `integer`"),
            ("a[{integers},1]", "alone in its indexer"),
            ("a[1,{integers}]", "alone in its indexer"),
            ("a[{ integers}]", "found ` `"),
            ("a[{integers:}]", "expected a name after `:`"),
            ("a[{integers]", "expected `}` to close"),
        ] {
            let err = Pattern::parse(input).expect_err(input);
            assert!(err.to_string().contains(says), "{input}: {err}");
        }
    }
}
