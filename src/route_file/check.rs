//! Checks of what a route file declares that TOML cannot check: the
//! shape of a pattern, what a route answers of each item, and guard
//! settings that could not work. Each answers why in words for the file's
//! author; `load.rs` places the answer in the file.

use toml::Spanned;

use crate::path::{Key, KeySet, Matcher, Pattern};

use super::format;
use super::route::Kind;

/// The shape a declared read's pattern has: literal keys, the ids' named
/// token, and the fields.
pub(super) const SHAPE: &str =
    "a route file's pattern is keys, then (for items by id) the ids as a \
                     named token, then the fields (`people[{integers:ids}]['name','born']`), the \
                     indices of a `list` (`shelves[{keys:ids}][{integers:indices}]`) or \
                     the key of a `length` (`shelves[{keys:ids}].length`)";

/// The literal keys before the ids, the ids' token name and the last
/// position, if `pattern` has the shape a declared read needs; else what is
/// wrong with it.
pub(super) fn shape(pattern: &Pattern) -> Result<(Vec<Key>, Option<String>, Matcher), String> {
    let wrong = |what: &str| Err(format!("{what}: {SHAPE}"));
    let Some((last, rest)) = pattern.split_last() else {
        return wrong("it is empty");
    };
    // The ids' token before the last position, or none: one item per
    // scope.
    let (ids, prefix) = match rest.split_last() {
        Some((Matcher::Token(token), prefix)) => {
            let Some(name) = token.name.as_deref() else {
                let kind = token.kind.as_str();
                return wrong(&format!(
                    "the ids' token `{{{kind}}}` has no name (write `{{{kind}:ids}}`)"
                ));
            };
            (Some(name.to_string()), prefix)
        }
        _ => (None, rest),
    };
    let prefix = prefix
        .iter()
        .map(|matcher| match matcher {
            Matcher::KeySet(KeySet::Key(key)) => Some(key.clone()),
            _ => None,
        })
        .collect::<Option<Vec<Key>>>();
    match prefix {
        Some(prefix) => Ok((prefix, ids, last.clone())),
        None => wrong("a position before the ids is not one key"),
    }
}

/// What `declared` answers of each item, given its pattern's `last`
/// position; else why it cannot.
pub(super) fn kind(declared: &format::Route, last: &Matcher) -> Result<Kind, String> {
    let text =
        |value: &Option<Spanned<String>>| value.as_ref().map(|value| value.get_ref().clone());
    let (list, length) = (text(&declared.list), text(&declared.length));
    let target = declared
        .reference
        .as_ref()
        .map(|target| target.get_ref().clone());
    for pointer in [&list, &length].into_iter().flatten() {
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(format!(
                "{pointer:?} is not a JSON Pointer (\"\" or starting with `/`)"
            ));
        }
    }
    if !declared.fields.is_empty() && (list.is_some() || length.is_some()) {
        return Err(
            "`fields` is for a route that answers fields, not a `list` or a `length`".into(),
        );
    }
    match (list, target, length, last) {
        (None, None, None, Matcher::KeySet(_)) => Ok(Kind::Fields),
        (None, None, None, Matcher::Token(_)) => Err(format!(
            "its last position is a token, not the fields: {SHAPE}"
        )),
        (Some(pointer), Some(target), None, Matcher::Token(token)) => {
            let Some(indices) = token.name.as_deref() else {
                return Err("a list's indices are a named token: `[{integers:indices}]`".into());
            };
            if token.kind == crate::path::TokenKind::Keys {
                return Err("a list's indices are integers: `[{integers:indices}]`".into());
            }
            if !target.iter().any(|key| key == "{value}") {
                return Err("`ref` names where each element points, with \"{value}\" for the element: [\"videos\", \"{value}\"]".into());
            }
            Ok(Kind::List {
                pointer,
                indices: indices.to_string(),
                target,
            })
        }
        (Some(_), Some(_), None, Matcher::KeySet(_)) => {
            Err("a route with a `list` ends in its indices: `[{integers:indices}]`".into())
        }
        (None, None, Some(pointer), Matcher::KeySet(KeySet::Key(_))) => {
            Ok(Kind::Length { pointer })
        }
        (None, None, Some(_), _) => {
            Err("a route with a `length` ends in one key, such as `.length`".into())
        }
        (Some(_), None, _, _) | (None, Some(_), _, _) => Err("`list` and `ref` go together".into()),
        (Some(_), Some(_), Some(_), _) => {
            Err("a route answers a `list` or a `length`, not both".into())
        }
    }
}

/// Why a service's guard settings cannot work, if they cannot.
pub(super) fn unusable(declared: &format::Service) -> Option<&'static str> {
    let ratio = declared.breaker_failure_ratio;
    if declared.timeout_ms == Some(0) {
        Some("`timeout_ms` must be more than 0: every call would time out")
    } else if declared.max_concurrent == Some(0) {
        Some("`max_concurrent` must be more than 0: no call could be made")
    } else if declared.max_answer_bytes == Some(0) {
        Some("`max_answer_bytes` must be more than 0: no answer could be read")
    } else if ratio.is_some_and(|ratio| !(ratio > 0.0 && ratio <= 1.0)) {
        Some("`breaker_failure_ratio` is a share of failed calls, more than 0 and at most 1")
    } else {
        None
    }
}
