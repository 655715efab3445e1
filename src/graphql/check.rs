//! What is checked of a request before async-graphql validates it, each
//! refusal naming why: the [`Limits`] (the query text's length before it
//! is parsed, then aliases, depth and complexity on the parsed document)
//! and `Int`s within 32 bits, which async-graphql's dynamic schema does
//! not check (it takes any `i64`).
//!
//! Everything here is linear in the size of the document: a fragment is
//! measured once however often it is spread (ten fragments each spreading
//! the one below ten times select 10^10 fields in a few hundred bytes).

use std::collections::{HashMap, HashSet};

use async_graphql::{Name, Positioned, ServerError, Variables};
use async_graphql_parser::types::{
    ExecutableDocument, Field as Selected, FragmentDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql_value::{ConstValue, Value};

use super::mapping::{is_scalar, named_type, Field, Mapping};

/// The query limits, on by default (graphql-armor's defaults, and a cap
/// on the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest query text accepted, in bytes (default 32 KiB), checked
    /// before it is parsed: parsing and validating cost CPU in proportion
    /// to the text (a 1 MB query, 130-250 ms), and nothing else bounds
    /// them but the body limit.
    pub query_bytes: usize,
    /// How deep a selection may nest (default 6). Introspection fields
    /// (`__schema`, `__type`) are not counted, as graphql-armor does not:
    /// GraphiQL's own introspection query nests deeper than that.
    pub depth: usize,
    /// How many aliases a query may use (default 15).
    pub aliases: usize,
    /// The most fields a query may select, each costing 1 (default 5000):
    /// every field, `__typename` and introspection fields too, each time a
    /// fragment spreads it.
    pub complexity: usize,
    /// Whether introspection (`__schema`, `__type`) is answered (default
    /// true). Off, a production schema is not given away, and GraphiQL
    /// (which needs it) is not served; `__typename` still works.
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            query_bytes: 32 << 10,
            depth: 6,
            aliases: 15,
            complexity: 5000,
            introspection: true,
        }
    }
}

fn refuse(message: String) -> Option<ServerError> {
    Some(ServerError::new(message, None))
}

/// The refusal of query text longer than the limit.
pub(super) fn text(limits: &Limits, query: &str) -> Option<ServerError> {
    if query.len() <= limits.query_bytes {
        return None;
    }
    refuse(format!(
        "the query is {} bytes, more than the limit of {} (query_bytes)",
        query.len(),
        limits.query_bytes
    ))
}

/// The refusal of a document past the alias, depth or complexity limit
/// (async-graphql's own complexity check stays as a backstop, in words
/// that do not name the limit).
pub(super) fn shape(limits: &Limits, document: &ExecutableDocument) -> Option<ServerError> {
    let fragments = &document.fragments;
    let mut measure = Measure {
        fragments,
        known: HashMap::new(),
        open: Vec::new(),
    };
    let mut aliases = 0;
    let mut depth = 0;
    let mut fields: u64 = 0;
    for (_, operation) in document.operations.iter() {
        let set = &operation.node.selection_set.node;
        aliases += count_aliases(set);
        let shape = measure.set(set, false);
        depth = depth.max(shape.depth);
        fields = fields.saturating_add(shape.fields);
    }
    for fragment in fragments.values() {
        aliases += count_aliases(&fragment.node.selection_set.node);
    }
    if aliases > limits.aliases {
        return refuse(format!(
            "the query uses {aliases} aliases, more than the limit of {} (aliases)",
            limits.aliases
        ));
    }
    if depth > limits.depth {
        return refuse(format!(
            "the query nests fields {depth} deep, more than the limit of {} (depth)",
            limits.depth
        ));
    }
    if fields > u64::try_from(limits.complexity).unwrap_or(u64::MAX) {
        return refuse(format!(
            "the query selects {fields} fields, more than the limit of {} (complexity, one per field)",
            limits.complexity
        ));
    }
    None
}

/// How deep fields nest in a selection set, and how many it selects.
#[derive(Clone, Copy, Default)]
struct Shape {
    depth: usize,
    fields: u64,
}

/// The measure of a document's selections, each fragment's kept once
/// measured (by whether it is measured inside introspection, where depth
/// is not counted).
struct Measure<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    known: HashMap<(&'a Name, bool), Shape>,
    /// The fragments being measured: one that spreads itself counts
    /// nothing the second time (validation refuses it anyway).
    open: Vec<&'a Name>,
}

impl<'a> Measure<'a> {
    /// The shape of `set`; `introspection` inside `__schema` or `__type`.
    fn set(&mut self, set: &'a SelectionSet, introspection: bool) -> Shape {
        let mut shape = Shape::default();
        for item in &set.items {
            let inner = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let inside = introspection || matches!(name, "__schema" | "__type");
                    let inner = self.set(&field.node.selection_set.node, inside);
                    Shape {
                        depth: if inside { 0 } else { inner.depth + 1 },
                        fields: inner.fields.saturating_add(1),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.set(&fragment.node.selection_set.node, introspection)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node, introspection)
                }
            };
            shape.depth = shape.depth.max(inner.depth);
            shape.fields = shape.fields.saturating_add(inner.fields);
        }
        shape
    }

    fn fragment(&mut self, name: &'a Name, introspection: bool) -> Shape {
        if let Some(shape) = self.known.get(&(name, introspection)) {
            return *shape;
        }
        let Some((key, fragment)) = self.fragments.get_key_value(name) else {
            return Shape::default();
        };
        if self.open.contains(&key) {
            return Shape::default();
        }
        self.open.push(key);
        let shape = self.set(&fragment.node.selection_set.node, introspection);
        self.open.pop();
        self.known.insert((key, introspection), shape);
        shape
    }
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// The refusal of an `Int` argument or variable outside 32 bits (GraphQL's
/// `Int` is a signed 32-bit integer, spec §3.5.1), naming it.
pub(super) fn ints(
    model: &Mapping,
    document: &ExecutableDocument,
    variables: &Variables,
) -> Option<ServerError> {
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            let definition = &definition.node;
            if named_type(&definition.var_type.node) != "Int" {
                continue;
            }
            let name = &definition.name.node;
            let value = variables
                .get(name.as_str())
                .or_else(|| definition.default_value());
            if let Some(number) = value.and_then(variable_past_32_bits) {
                return refuse(out_of_range(&format!("the variable `${name}`"), number));
            }
        }
        let root = match operation.node.ty {
            OperationType::Mutation => "Mutation",
            _ => "Query",
        };
        let mut arguments = Arguments {
            model,
            fragments: &document.fragments,
            seen: HashSet::new(),
        };
        if let Some(message) = arguments.set(root, &operation.node.selection_set.node) {
            return refuse(message);
        }
    }
    None
}

/// The message for `what` (an argument, a variable) holding `number`.
fn out_of_range(what: &str, number: &serde_json::Number) -> String {
    format!(
        "{what} is {number}, outside the range of Int ({} to {}): GraphQL's Int is 32-bit",
        i32::MIN,
        i32::MAX
    )
}

/// Whether `number` is not a 32-bit integer (past i64 too); a number that
/// is no integer is validation's to refuse.
fn outside(number: &serde_json::Number) -> bool {
    match number.as_i64() {
        Some(integer) => i32::try_from(integer).is_err(),
        None => number.as_u64().is_some(),
    }
}

/// The first integer of a literal `value` (a list's items too) that is
/// outside 32 bits. Variables in it are checked by their own type.
fn past_32_bits(value: &Value) -> Option<&serde_json::Number> {
    match value {
        Value::Number(number) => outside(number).then_some(number),
        Value::List(items) => items.iter().find_map(past_32_bits),
        _ => None,
    }
}

/// The same for a variable's value.
fn variable_past_32_bits(value: &ConstValue) -> Option<&serde_json::Number> {
    match value {
        ConstValue::Number(number) => outside(number).then_some(number),
        ConstValue::List(items) => items.iter().find_map(variable_past_32_bits),
        _ => None,
    }
}

/// The walk of a selection by type, for the literal `Int` arguments it
/// passes.
struct Arguments<'a> {
    model: &'a Mapping,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// Fragments already walked (as validation does, a fragment is looked
    /// at once).
    seen: HashSet<&'a Name>,
}

impl<'a> Arguments<'a> {
    /// The refusal of the first literal `Int` argument out of range under
    /// `set`, of type `type_name`. Fields not in the model (`__typename`,
    /// introspection, mistakes validation reports) are passed over.
    fn set(&mut self, type_name: &str, set: &'a SelectionSet) -> Option<String> {
        for item in &set.items {
            let found = match &item.node {
                Selection::Field(selected) => {
                    let selected = &selected.node;
                    match self.model.field(type_name, selected.name.node.as_str()) {
                        Some(field) => self.field(field, selected),
                        None => None,
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment.node.type_condition.as_ref();
                    let on = on.map_or(type_name, |condition| condition.node.on.node.as_str());
                    self.set(on, &fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    match self.fragments.get_key_value(name) {
                        Some((key, fragment)) if self.seen.insert(key) => {
                            let on = fragment.node.type_condition.node.on.node.as_str();
                            self.set(on, &fragment.node.selection_set.node)
                        }
                        _ => None,
                    }
                }
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// The refusal of `selected`'s first `Int` argument out of range, or
    /// else of one under it.
    fn field(&mut self, field: &Field, selected: &'a Selected) -> Option<String> {
        let int = |argument: &Name| {
            field.arguments.iter().any(|defined| {
                defined.name == argument.as_str() && named_type(&defined.ty) == "Int"
            })
        };
        let out = selected.arguments.iter().find_map(|(argument, value)| {
            let number = past_32_bits(&value.node).filter(|_| int(&argument.node))?;
            Some(out_of_range(
                &format!("the argument `{}`", argument.node),
                number,
            ))
        });
        let inner = named_type(&field.ty);
        if out.is_some() || is_scalar(inner) {
            return out;
        }
        self.set(inner, &selected.selection_set.node)
    }
}
