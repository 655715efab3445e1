//! From what a file says to a call the server runs (`myList.push`): its
//! write, the items it needs and drops, what it returns. Each check that
//! fails answers an [`Error`] placed in the file.

use std::time::Duration;

use http::Method;
use toml::Spanned;

use crate::path::{Key, KeySet, Matcher};

use super::call::{Caller, Item, KeyFill, Spec};
use super::declare::{is_user, named_load, parsed, Known};
use super::declare_write::{placeholder, writer, WriteParts};
use super::error::{Error, ErrorKind, Source};
use super::fill::{Fill, Root};
use super::format;

/// A path a call answers, and its value.
type Returned = (Vec<KeyFill>, Fill);

/// The kinds of argument a call can take.
const ARGUMENTS: [&str; 6] = ["ref", "integer", "number", "string", "boolean", "any"];

/// The call `declared` makes.
pub(super) fn call(
    source: &Source,
    declared: &Spanned<format::Route>,
    call: &Spanned<format::Call>,
    known: &Known<'_>,
) -> Result<Caller, Error> {
    let route = declared.get_ref();
    only_the_call(source, declared.span().start, route)?;
    let pattern = parsed(source, &route.pattern)?;
    if !pattern
        .iter()
        .all(|matcher| matches!(matcher, Matcher::KeySet(KeySet::Key(_))))
    {
        return Err(source.error(
            ErrorKind::Pattern,
            route.pattern.span().start,
            "a call's pattern is the function's path, one key at each position (`myList.push`)",
        ));
    }
    let user = is_user(source, &route.scope)?;
    let spec = call.get_ref();
    let mut roots = vec![Root::Args];
    roots.extend(user.then_some(Root::User));
    let parts = WriteParts {
        service: &spec.service,
        method: &spec.method,
        path: &spec.path,
        body: &spec.body,
        default: Method::POST,
    };
    let writer = writer(source, call.span().start, &parts, known, &roots, None)?;
    let arguments = arguments(source, call)?;
    let (requires, drops) = touched(source, spec, known, &roots)?;
    roots.push(Root::Answer);
    let (returns, invalidates) = answered(source, spec, &roots)?;
    Ok(Caller::new(Spec {
        pattern: route.pattern.get_ref().clone(),
        user,
        writer,
        arguments,
        requires,
        drops,
        returns,
        invalidates,
        expires: route.expires_secs.map(Duration::from_secs),
    }))
}

/// Refuses a route that reads beside its call (placed at `at`).
fn only_the_call(source: &Source, at: usize, route: &format::Route) -> Result<(), Error> {
    let reads = [
        (route.get.is_some(), "get"),
        (route.load.is_some(), "load"),
        (route.set.is_some(), "set"),
        (route.list.is_some(), "list"),
        (route.length.is_some(), "length"),
        (!route.fields.is_empty(), "fields"),
        (route.items.is_some(), "items"),
        (route.key.is_some(), "key"),
        (route.ttl_secs.is_some(), "ttl_secs"),
    ];
    match reads.iter().find(|(set, _)| *set) {
        Some((_, member)) => Err(source.error(
            ErrorKind::Value,
            at,
            format!(
                "a route with a `call` is the call alone: `{member}` is for a route that reads"
            ),
        )),
        None => Ok(()),
    }
}

/// The call's arguments, each a kind of [`ARGUMENTS`] and its words.
fn arguments(
    source: &Source,
    call: &Spanned<format::Call>,
) -> Result<Vec<(String, Option<String>)>, Error> {
    let arguments: Vec<(String, Option<String>)> = call
        .get_ref()
        .arguments
        .iter()
        .map(|argument| {
            let (kind, about) = argument.parts();
            (kind.to_string(), about.map(str::to_string))
        })
        .collect();
    if let Some((kind, _)) = arguments
        .iter()
        .find(|(kind, _)| !ARGUMENTS.contains(&kind.as_str()))
    {
        return Err(source.error(
            ErrorKind::Value,
            call.span().start,
            format!(
                "an argument is one of {}, not {kind:?}",
                ARGUMENTS.join(", ")
            ),
        ));
    }
    Ok(arguments)
}

/// The items the call needs (`requires`) and those it changes (`drops`).
fn touched(
    source: &Source,
    spec: &format::Call,
    known: &Known<'_>,
    roots: &[Root],
) -> Result<(Option<Item>, Vec<Item>), Error> {
    let requires = spec
        .requires
        .as_ref()
        .map(|requires| {
            let place = requires.span().start;
            let requires = requires.get_ref();
            item(
                source,
                place,
                &requires.load,
                Some(&requires.id),
                known,
                roots,
            )
        })
        .transpose()?;
    let drops = spec
        .drops
        .iter()
        .map(|dropped| {
            let place = dropped.span().start;
            match dropped.get_ref() {
                format::Drop::Whole(load) => item(source, place, load, None, known, roots),
                format::Drop::Item { load, id } => {
                    item(source, place, load, Some(id), known, roots)
                }
            }
        })
        .collect::<Result<_, _>>()?;
    Ok((requires, drops))
}

/// What the call answers (`returns`) and the paths it says changed
/// (`invalidates`), read with the service's answer among the `roots`.
fn answered(
    source: &Source,
    spec: &format::Call,
    roots: &[Root],
) -> Result<(Vec<Returned>, Vec<Vec<KeyFill>>), Error> {
    let returns = spec
        .returns
        .iter()
        .map(|returned| {
            let place = returned.span().start;
            let path = keys(source, place, &returned.get_ref().path, roots)?;
            let value = fill(source, place, &returned.get_ref().value, roots)?;
            Ok((path, value))
        })
        .collect::<Result<_, Error>>()?;
    let invalidates = spec
        .invalidates
        .iter()
        .map(|path| keys(source, path.span().start, path.get_ref(), roots))
        .collect::<Result<_, _>>()?;
    Ok((returns, invalidates))
}

/// An item of the load `name`: with `id`, of a load by id; without, the
/// one item of a load without ids.
fn item(
    source: &Source,
    at: usize,
    name: &str,
    id: Option<&String>,
    known: &Known<'_>,
    roots: &[Root],
) -> Result<Item, Error> {
    let read = named_load(source, &Spanned::new(at..at, name.to_string()), known)?.clone();
    match (id, read.is_by_id()) {
        (Some(_), false) => {
            return Err(source.error(
                ErrorKind::Value,
                at,
                format!("the load `{name}` has one item (its path has no `{{ids}}`): name it alone, without an `id`"),
            ))
        }
        (None, true) => {
            return Err(source.error(
                ErrorKind::Value,
                at,
                format!("the load `{name}` reads items by id: say which, `{{ load = \"{name}\", id = \"{{args/0}}\" }}`"),
            ))
        }
        _ => {}
    }
    let id = id.map(|id| fill(source, at, id, roots)).transpose()?;
    Ok(Item {
        name: name.to_string(),
        read,
        id,
    })
}

/// A template of a call, its placeholders checked.
fn fill(source: &Source, at: usize, text: &str, roots: &[Root]) -> Result<Fill, Error> {
    Fill::parse(text, roots, None)
        .map_err(|unknown| placeholder(source, &(at..at), &unknown, roots, None))
}

/// A path of key templates: strings (with placeholders or not),
/// integers, and `{ from, to }` ranges.
fn keys(
    source: &Source,
    at: usize,
    path: &[toml::Value],
    roots: &[Root],
) -> Result<Vec<KeyFill>, Error> {
    let wrong = || {
        source.error(
            ErrorKind::Value,
            at,
            "a path is an array of keys: strings (with placeholders), integers, or `{ from, to }` ranges",
        )
    };
    path.iter()
        .map(|key| match key {
            toml::Value::String(text) if text.contains('{') => {
                Ok(KeyFill::Fill(fill(source, at, text, roots)?))
            }
            toml::Value::String(text) => Ok(KeyFill::Fixed(Key::from(text.as_str()))),
            toml::Value::Integer(integer) => Ok(KeyFill::Fixed(Key::from(*integer))),
            toml::Value::Table(range) => match (range.get("from"), range.get("to"), range.len()) {
                (Some(from), Some(to), 2) => Ok(KeyFill::Range(
                    bound(source, at, from, roots)?,
                    bound(source, at, to, roots)?,
                )),
                _ => Err(wrong()),
            },
            _ => Err(wrong()),
        })
        .collect()
}

/// A range's end: an integer or a template.
fn bound(source: &Source, at: usize, value: &toml::Value, roots: &[Root]) -> Result<Fill, Error> {
    match value {
        toml::Value::String(text) => fill(source, at, text, roots),
        toml::Value::Integer(integer) => fill(source, at, &integer.to_string(), roots),
        _ => Err(source.error(
            ErrorKind::Value,
            at,
            "a range's `from` and `to` are integers or templates",
        )),
    }
}
