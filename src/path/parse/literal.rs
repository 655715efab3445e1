//! The parser's literals: quoted keys and route tokens.

use std::sync::Arc;

use super::Parser;
use crate::path::error::{clip, Error, Reason};
use crate::path::key::Key;
use crate::path::pattern::{Token, TokenKind};

impl Parser<'_> {
    /// A quoted key (`"title"` or `'title'`), its escapes read.
    pub(super) fn quoted(&mut self) -> Result<Key, Error> {
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
                    if text.is_empty() {
                        // As falcor ("cannot have empty quoted keys."): an
                        // empty key is most often a template left unfilled.
                        return Err(self.error(open, "a quoted key cannot be empty".to_owned()));
                    }
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

    /// A route token (`{integers}`, `{keys:ids}`), after its `{`.
    pub(super) fn token(&mut self) -> Result<Token, Error> {
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
