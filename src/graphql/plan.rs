//! Planning: a field's selection as the path sets a Falcor client would
//! ask for.

use async_graphql_parser::types::SelectionSet;
use async_graphql_value::ConstValue;

use crate::path::{KeySet, PathSet};

use super::mapping::{is_scalar, named_type, Field, Mapping};
use super::selection::Env;

/// The key sets of `field`'s path template with its arguments filled in
/// (`args` gives an argument's value, given or default).
pub(super) fn fill(
    field: &Field,
    args: &dyn Fn(&str) -> Option<ConstValue>,
) -> Result<Vec<KeySet>, String> {
    match &field.fixed {
        Some(fixed) => Ok(fixed.clone()),
        None => fill_path(&field.path, args),
    }
}

/// The key sets of a path template with its arguments filled in.
pub(super) fn fill_path(
    template: &str,
    args: &dyn Fn(&str) -> Option<ConstValue>,
) -> Result<Vec<KeySet>, String> {
    let text = substitute(template, args, |name, value| {
        if matches!(value, ConstValue::String(text) if text.is_empty()) {
            return Err(format!(
                "the argument `{name}` is empty, and no key of the graph is"
            ));
        }
        literal(value)
            .ok_or_else(|| format!("the argument `{name}` cannot stand in a path: {value}"))
    })?;
    // A template may start with an indexer (`[{from}..{to}]`): the parser
    // wants a key first, so one is lent and taken back.
    let indexer_first = text.starts_with('[');
    let parsed = if indexer_first {
        PathSet::parse(&format!("_{text}"))
    } else {
        PathSet::parse(&text)
    }
    .map_err(|error| format!("its path `{text}` is not valid: {error}"))?;
    let mut key_sets = parsed.into_key_sets();
    if indexer_first {
        key_sets.remove(0);
    }
    Ok(key_sets)
}

/// The JSON array of a call's `arguments` template, each `{name}` an
/// argument as JSON.
pub(super) fn fill_json(
    template: &str,
    args: &dyn Fn(&str) -> Option<ConstValue>,
) -> Result<Vec<serde_json::Value>, String> {
    let text = substitute(template, args, |name, value| {
        let json = value
            .clone()
            .into_json()
            .map_err(|error| format!("the argument `{name}`: {error}"))?;
        Ok(json.to_string())
    })?;
    serde_json::from_str(&text)
        .map_err(|error| format!("the call's arguments `{text}` are not a JSON array: {error}"))
}

/// `template` with each `{name}` replaced by `write(name, value)`. Only
/// braces around a name are placeholders: the braces of JSON stay.
fn substitute(
    template: &str,
    args: &dyn Fn(&str) -> Option<ConstValue>,
    write: impl Fn(&str, &ConstValue) -> Result<String, String>,
) -> Result<String, String> {
    let mut text = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((before, name, after)) = super::mapping::next_placeholder(rest) {
        text.push_str(before);
        let value = args(name).ok_or_else(|| format!("no value for the argument `{name}`"))?;
        text.push_str(&write(name, &value)?);
        rest = after;
    }
    text.push_str(rest);
    Ok(text)
}

/// An argument as path syntax: integers as they are, strings quoted.
fn literal(value: &ConstValue) -> Option<String> {
    let quote = |text: &str| format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"));
    match value {
        ConstValue::Number(number) => number.as_i64().map(|n| n.to_string()),
        ConstValue::String(text) => Some(quote(text)),
        ConstValue::Enum(name) => Some(quote(name.as_str())),
        _ => None,
    }
}

/// The path sets a root field's selection `set` needs: its own path
/// (`base`, arguments filled in) for a scalar, the paths of its selection
/// under it for an object.
pub(super) fn plan_root(
    model: &Mapping,
    env: &Env<'_>,
    field: &Field,
    set: &SelectionSet,
    base: &[KeySet],
) -> Result<Vec<PathSet>, String> {
    let type_name = named_type(&field.ty);
    if is_scalar(type_name) {
        return Ok(vec![PathSet::new(base.to_vec())]);
    }
    let mut paths = Vec::new();
    plan(model, env, type_name, set, base, &mut paths)?;
    if paths.is_empty() {
        // Only `__typename`: what tells whether the object exists.
        paths.extend(witness(model, type_name, base));
    }
    Ok(paths)
}

/// Adds to `out` the path sets the selection `set` (of object type
/// `type_name`, standing at `base`) needs.
pub(super) fn plan(
    model: &Mapping,
    env: &Env<'_>,
    type_name: &str,
    set: &SelectionSet,
    base: &[KeySet],
    out: &mut Vec<PathSet>,
) -> Result<(), String> {
    for group in env.collect(type_name, set) {
        for child in &group.fields {
            let child = &child.node;
            let Some(field) = model.field(type_name, child.name.node.as_str()) else {
                // `__typename` (and nothing else: validation) is no path.
                continue;
            };
            if field.key {
                // The key is where the object stands: the paths of its
                // other fields (or its witness) bring the refs that say.
                continue;
            }
            let args = |argument: &str| {
                env.argument(child, argument)
                    .or_else(|| field.default_of(argument))
            };
            let mut path = base.to_vec();
            path.extend(fill(field, &args)?);
            let child_type = named_type(&field.ty);
            if is_scalar(child_type) {
                out.push(PathSet::new(path));
                continue;
            }
            let before = out.len();
            plan(
                model,
                env,
                child_type,
                &child.selection_set.node,
                &path,
                out,
            )?;
            if out.len() == before {
                // Nothing but `__typename` (or fields skipped): an object
                // is one with something under it, so ask for something.
                out.extend(witness(model, child_type, &path));
            }
        }
    }
    Ok(())
}

/// The path that tells whether an object of type `type_name` stands at
/// `base`: its witness field's (see [`Object::witness`](super::model)),
/// when it has one.
fn witness(model: &Mapping, type_name: &str, base: &[KeySet]) -> Option<PathSet> {
    let witness = model.objects.get(type_name)?.witness.as_ref()?;
    Some(base.iter().chain(witness).cloned().collect())
}
