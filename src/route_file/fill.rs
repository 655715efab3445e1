//! Fills: the templates of a write, filled from what the write has in
//! hand.
//!
//! A placeholder is `{name}` or `{name/pointer}` (a JSON Pointer into
//! that value), with an optional integer added or taken away:
//! `{answer/length - 1}`. The names: `user` (the signed-in user), `value`
//! (a set's value), the ids' token name (a set's id), `args` (a call's
//! arguments, an array) and `answer` (the service's answer, for what a
//! call returns). A string that is one placeholder gives that value as
//! JSON (a number stays a number); placeholders among other text are
//! written into it.

use serde_json::Value as Json;

use crate::path::Key;

use super::template::Unknown;

/// A text with placeholders.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Fill {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Slot(Slot),
}

#[derive(Debug, Clone, PartialEq)]
struct Slot {
    root: Root,
    pointer: String,
    add: i64,
}

/// What a placeholder reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Root {
    User,
    Value,
    Id,
    Args,
    Answer,
}

/// What a write has in hand to fill its templates with.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Values<'a> {
    pub(super) user: Option<&'a str>,
    pub(super) value: Option<&'a Json>,
    pub(super) id: Option<&'a Key>,
    pub(super) args: Option<&'a Json>,
    pub(super) answer: Option<&'a Json>,
}

impl Fill {
    /// Reads `text`, where the placeholders may read `roots`; `id` is the
    /// ids' token's name, if [`Root::Id`] is one of them. `${NAME}` is
    /// text here (expanded before, or never).
    pub(super) fn parse(text: &str, roots: &[Root], id: Option<&str>) -> Result<Fill, Unknown> {
        let mut pieces = Vec::new();
        let mut start = 0;
        let mut at = 0;
        while let Some(open) = text[at..].find('{').map(|found| found + at) {
            let Some(close) = text[open..].find('}').map(|found| found + open) else {
                break;
            };
            at = close + 1;
            if open > 0 && text.as_bytes()[open - 1] == b'$' {
                continue;
            }
            let inner = &text[open + 1..close];
            let slot = slot(inner, id)
                .filter(|slot| roots.contains(&slot.root))
                .ok_or_else(|| Unknown {
                    name: inner.to_string(),
                    offset: open,
                })?;
            if open > start {
                pieces.push(Piece::Text(text[start..open].to_string()));
            }
            pieces.push(Piece::Slot(slot));
            start = at;
        }
        if start < text.len() {
            pieces.push(Piece::Text(text[start..].to_string()));
        }
        Ok(Fill { pieces })
    }

    /// The filled value: for one placeholder alone, the JSON it reads;
    /// else the text with each placeholder written in. None when a
    /// placeholder reads nothing (or adds to what is not an integer).
    pub(super) fn json(&self, values: &Values<'_>) -> Option<Json> {
        match self.pieces.as_slice() {
            [Piece::Slot(slot)] => slot.read(values),
            _ => self.text(values, false).map(Json::String),
        }
    }

    /// The filled text, each placeholder's value form-encoded when
    /// `encode` (a URL's path and query).
    pub(super) fn text(&self, values: &Values<'_>, encode: bool) -> Option<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Slot(slot) => {
                    let value = match slot.read(values)? {
                        Json::String(text) => text,
                        Json::Number(number) => number.to_string(),
                        Json::Bool(flag) => flag.to_string(),
                        _ => return None,
                    };
                    match encode {
                        true => out.extend(form_urlencoded::byte_serialize(value.as_bytes())),
                        false => out.push_str(&value),
                    }
                }
            }
        }
        Some(out)
    }

    /// The same with each `${NAME}` in its text expanded.
    pub(super) fn expand_environment(self) -> Result<Fill, Unknown> {
        let pieces = self
            .pieces
            .into_iter()
            .map(|piece| match piece {
                Piece::Text(text) => super::template::expand_environment(&text).map(Piece::Text),
                slot => Ok(slot),
            })
            .collect::<Result<_, _>>()?;
        Ok(Fill { pieces })
    }
}

impl Slot {
    fn read(&self, values: &Values<'_>) -> Option<Json> {
        let base = match self.root {
            Root::User => Json::String(values.user?.to_string()),
            Root::Id => {
                let key = values.id?;
                match key.as_integer() {
                    Some(integer) => Json::from(integer),
                    None => Json::String(key.to_string()),
                }
            }
            // The others are read where they are, not copied whole.
            Root::Value => return self.within(values.value?),
            Root::Args => return self.within(values.args?),
            Root::Answer => return self.within(values.answer?),
        };
        self.within(&base)
    }

    /// What the slot reads in `base`, its integer added.
    fn within(&self, base: &Json) -> Option<Json> {
        let found = base.pointer(&self.pointer)?;
        if self.add == 0 {
            return Some(found.clone());
        }
        found.as_i64()?.checked_add(self.add).map(Json::from)
    }
}

/// The placeholder `inner` (between the braces), if it is one.
fn slot(inner: &str, id: Option<&str>) -> Option<Slot> {
    let (reference, add) = match inner.rsplit_once([' ']) {
        Some((left, number)) => {
            let left = left.trim_end();
            let (reference, sign) = if let Some(reference) = left.strip_suffix('-') {
                (reference, -1)
            } else {
                (left.strip_suffix('+')?, 1)
            };
            (reference.trim_end(), sign * number.parse::<i64>().ok()?)
        }
        None => (inner, 0),
    };
    let (name, pointer) = match reference.find('/') {
        Some(slash) => (&reference[..slash], &reference[slash..]),
        None => (reference, ""),
    };
    let root = match name {
        "user" => Root::User,
        "value" => Root::Value,
        "args" => Root::Args,
        "answer" => Root::Answer,
        _ if Some(name) == id => Root::Id,
        _ => return None,
    };
    Some(Slot {
        root,
        pointer: pointer.to_string(),
        add,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALL: &[Root] = &[Root::User, Root::Value, Root::Id, Root::Args, Root::Answer];

    /// A call's arguments: a ref to a video.
    fn args() -> Json {
        json!([{"$type": "ref", "value": ["videos", 5]}])
    }

    /// `text` filled as JSON from the answer `{"length": 6}` and [`args`].
    fn fill(text: &str) -> Option<Json> {
        let answer = json!({"length": 6});
        let args = args();
        let values = Values {
            answer: Some(&answer),
            args: Some(&args),
            ..Values::default()
        };
        Fill::parse(text, ALL, None).expect("valid").json(&values)
    }

    #[test]
    fn one_placeholder_alone_gives_its_json() {
        assert_eq!(fill("{answer/length}"), Some(json!(6)));
        assert_eq!(fill("{args/0/value/1}"), Some(json!(5)));
        assert_eq!(fill("{args/0}"), Some(args()[0].clone()));
        assert_eq!(fill("n={answer/length}"), Some(json!("n=6")));
        assert_eq!(fill("{answer/missing}"), None);
    }

    #[test]
    fn one_placeholder_alone_adds_a_whole_number() {
        assert_eq!(fill("{answer/length - 1}"), Some(json!(5)));
        assert_eq!(fill("{answer/length + 2}"), Some(json!(8)));
    }

    #[test]
    fn text_is_url_encoded() {
        let id = Key::from(5);
        let values = Values {
            user: Some("u 1"),
            id: Some(&id),
            ..Values::default()
        };
        let fill = Fill::parse("/r?user={user}&id={ids}", ALL, Some("ids")).expect("valid");
        assert_eq!(
            fill.text(&values, true).as_deref(),
            Some("/r?user=u+1&id=5")
        );
    }

    #[test]
    fn unknown_placeholders_are_placed() {
        let unknown = Fill::parse("/r?id={id}", ALL, Some("ids")).expect_err("unknown");
        assert_eq!((unknown.name.as_str(), unknown.offset), ("id", 6));
        let not_here = Fill::parse("{answer/x}", &[Root::Args], None).expect_err("not here");
        assert_eq!(not_here.offset, 0);
    }
}
