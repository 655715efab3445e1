//! The path-syntax printer: canonical syntax that parses back to the same
//! value (`genreLists[0..9]["title","rating"]`).
//!
//! Canonical means: a key that can stand bare is written bare (after a
//! `.` when it is not first), integers and ranges go in brackets, other
//! strings are quoted with `"` (escaping `"` and `\`), and lists are
//! written without spaces. The printer writes what both plain and route
//! syntax read the same way, so a printed path set is also a valid
//! pattern. Two values have no spelling: an empty list of keys, written
//! `[]`, and the empty key, written `[""]`, which path syntax refuses as
//! falcor does (JSON paths carry it).

use std::fmt::{self, Display, Write};

use super::key::{Key, KeyView};
use super::key_set::{KeyOrRange, KeySet};
use super::path_set::{Path, PathSet};
use super::pattern::{Matcher, Pattern};
use super::range::Range;

/// Whether `s` can be written as a bare key in both plain and route syntax.
fn is_bare(s: &str) -> bool {
    let Some(first) = s.bytes().next() else {
        return false;
    };
    !first.is_ascii_digit()
        && !s.bytes().any(|b| {
            matches!(
                b,
                b'\\' | b'\'' | b'"' | b'[' | b']' | b'.' | b',' | b' ' | b'{' | b'}' | b':'
            )
        })
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

/// Writes a key inside brackets.
fn write_element_key(f: &mut fmt::Formatter<'_>, key: &Key) -> fmt::Result {
    match key.view() {
        KeyView::Integer(n) => write!(f, "{n}"),
        KeyView::String(s) => write_quoted(f, s),
        KeyView::Bool(b) => write_quoted(f, if b { "true" } else { "false" }),
        KeyView::Null => write_quoted(f, "null"),
    }
}

fn write_range(f: &mut fmt::Formatter<'_>, range: &Range) -> fmt::Result {
    write!(f, "{}..{}", range.from, range.to)
}

/// Writes one position of a path, `first` telling whether it opens it.
fn write_key_set(f: &mut fmt::Formatter<'_>, set: &KeySet, first: bool) -> fmt::Result {
    match set {
        KeySet::Key(key) => {
            let bare = match key.view() {
                KeyView::String(s) if is_bare(s) => Some(s),
                KeyView::Bool(true) => Some("true"),
                KeyView::Bool(false) => Some("false"),
                KeyView::Null => Some("null"),
                _ => None,
            };
            match bare {
                Some(name) if first => f.write_str(name),
                Some(name) => write!(f, ".{name}"),
                None => {
                    f.write_char('[')?;
                    write_element_key(f, key)?;
                    f.write_char(']')
                }
            }
        }
        KeySet::Range(range) => {
            f.write_char('[')?;
            write_range(f, range)?;
            f.write_char(']')
        }
        KeySet::List(items) => {
            f.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_char(',')?;
                }
                match item {
                    KeyOrRange::Key(key) => write_element_key(f, key)?,
                    KeyOrRange::Range(range) => write_range(f, range)?,
                }
            }
            f.write_char(']')
        }
    }
}

impl Display for PathSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, set) in self.iter().enumerate() {
            write_key_set(f, set, i == 0)?;
        }
        Ok(())
    }
}

impl Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, key) in self.iter().enumerate() {
            write_key_set(f, &KeySet::Key(key.clone()), i == 0)?;
        }
        Ok(())
    }
}

impl Display for KeySet {
    /// Writes the key set as it would stand after another key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_key_set(f, self, false)
    }
}

impl Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, matcher) in self.iter().enumerate() {
            match matcher {
                Matcher::KeySet(set) => write_key_set(f, set, i == 0)?,
                Matcher::Token(token) => write!(f, "[{token}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_canonical_syntax() {
        for (input, printed) in [
            (
                "genreLists[0..9][0...3]['title',\"rating\"]",
                r#"genreLists[0..9][0..2]["title","rating"]"#,
            ),
            ("videos[1,2,3].title", "videos[1,2,3].title"),
            ("a['b.c'][\"5\"]['-1']", r#"a["b.c"][5][-1]"#),
            (
                "a['say \"hi\"']['back\\\\slash']",
                r#"a["say \"hi\""]["back\\slash"]"#,
            ),
            ("['0abc'].x", r#"["0abc"].x"#),
        ] {
            let set = PathSet::parse(input).expect(input);
            assert_eq!(set.to_string(), printed, "{input}");
            assert_eq!(PathSet::parse(printed).expect(printed), set, "{printed}");
        }
    }

    #[test]
    fn prints_patterns() {
        let text = r#"videos[{integers:ids}]["title","year"]"#;
        let pattern = Pattern::parse(text).expect(text);
        assert_eq!(pattern.to_string(), text);
    }
}
