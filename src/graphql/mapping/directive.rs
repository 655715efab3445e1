//! The `@graph` directive of a field definition read: its path, or
//! `key: true`, and a mutation's write, each checked where it is
//! defined.

use async_graphql_parser::types::{ConstDirective, FieldDefinition};
use async_graphql_value::ConstValue;

use super::super::error::{Error, ErrorKind};
use super::super::sdl::Place;
use super::{is_list, named_type, Argument, Field, Write};

/// The field `field` of the type `type_name`, defined at `place`, with
/// its `@graph` mapping read.
pub(super) fn read_field(
    type_name: &str,
    field: FieldDefinition,
    place: Place,
) -> Result<Field, Error> {
    let field_name = format!("{type_name}.{}", field.name.node);
    let mapping = |message: String| {
        let kind = ErrorKind::Mapping {
            field: field_name.clone(),
            message,
        };
        Error::at(kind, place.clone())
    };
    let write = graph_write(&field.directives).map_err(mapping)?;
    let key = graph_key(&field.directives).map_err(mapping)?;
    let path = graph_path(&field.directives, key).map_err(mapping)?;
    if key {
        check_key(type_name, &field).map_err(mapping)?;
        if write.is_some() {
            return Err(mapping("a key field writes nothing".to_owned()));
        }
    }
    Ok(Field {
        name: field.name.node.to_string(),
        description: field.description.map(|d| d.node),
        ty: field.ty.node,
        arguments: field
            .arguments
            .into_iter()
            .map(|argument| {
                let argument = argument.node;
                Argument {
                    name: argument.name.node.to_string(),
                    ty: argument.ty.node,
                    default: argument.default_value.map(|value| value.node),
                }
            })
            .collect(),
        fixed: None,
        keys: None,
        keyed: keyed(&path),
        path,
        key,
        write,
        place,
    })
}

/// The `@graph(path:)` of a field, empty for a key field (`key`), which
/// has none.
fn graph_path(
    directives: &[async_graphql_parser::Positioned<ConstDirective>],
    key: bool,
) -> Result<String, String> {
    match (graph_argument(directives, "path"), key) {
        (Some(path), false) => Ok(path),
        (None, true) => Ok(String::new()),
        (Some(_), true) => Err(
            "a key field reads where its object stands: @graph(key: true) takes no path".to_owned(),
        ),
        (None, false) => Err(
            "needs @graph(path: \"...\"): where it stands in the JSON Graph (or @graph(key: true): the key its object stands at)".to_owned(),
        ),
    }
}

/// The string argument `name` of the `@graph` directive.
fn graph_argument(
    directives: &[async_graphql_parser::Positioned<ConstDirective>],
    name: &str,
) -> Option<String> {
    let directive = directives.iter().find(|d| d.node.name.node == "graph")?;
    let (_, value) = directive
        .node
        .arguments
        .iter()
        .find(|(argument, _)| argument.node == name)?;
    match &value.node {
        ConstValue::String(text) => Some(text.clone()),
        _ => None,
    }
}

/// Whether the field's `@graph` says `key: true`.
fn graph_key(
    directives: &[async_graphql_parser::Positioned<ConstDirective>],
) -> Result<bool, String> {
    let Some(directive) = directives.iter().find(|d| d.node.name.node == "graph") else {
        return Ok(false);
    };
    match directive.node.get_argument("key").map(|value| &value.node) {
        None | Some(ConstValue::Boolean(false)) => Ok(false),
        Some(ConstValue::Boolean(true)) => Ok(true),
        Some(other) => Err(format!("@graph(key:) is true or false, not {other}")),
    }
}

/// A key field stands on an object reached by a path (not on `Query` or
/// `Mutation`), reads nothing else, and is an `Int`, `ID` or `String`.
fn check_key(type_name: &str, field: &FieldDefinition) -> Result<(), String> {
    if type_name == "Query" || type_name == "Mutation" {
        return Err(format!(
            "a key field is the key of an object reached by a path, and `{type_name}` is the root"
        ));
    }
    if !field.arguments.is_empty() {
        return Err("a key field takes no arguments".to_owned());
    }
    let ty = &field.ty.node;
    let named = named_type(ty);
    if is_list(ty) || !matches!(named, "Int" | "ID" | "String") {
        return Err(format!(
            "a key field is an `Int`, `ID` or `String`, not `{ty}`"
        ));
    }
    Ok(())
}

/// The write of a mutation's `@graph`, if it has one.
fn graph_write(
    directives: &[async_graphql_parser::Positioned<ConstDirective>],
) -> Result<Option<Write>, String> {
    let get = |name| graph_argument(directives, name);
    match (get("set"), get("value"), get("call"), get("arguments")) {
        (None, None, None, None) => Ok(None),
        (Some(path), Some(value), None, None) => Ok(Some(Write::Set { path, value })),
        (None, None, Some(function), arguments) => Ok(Some(Write::Call {
            function,
            arguments: arguments.unwrap_or_else(|| "[]".to_owned()),
        })),
        _ => Err("a write is either @graph(set:, value:) or @graph(call:, arguments:)".to_owned()),
    }
}

/// Whether the path template ends with one argument as its last key
/// (`videos[{id}]`, `lists[{name}]`): see [`Field::keyed`].
fn keyed(template: &str) -> bool {
    let names = super::placeholders(template);
    names
        .last()
        .is_some_and(|name| template.trim_end().ends_with(&format!("[{{{name}}}]")))
}
