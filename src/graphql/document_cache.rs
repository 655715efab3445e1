//! `DocumentCache`: the documents of queries answered before, by query text,
//! operation name and variables, so that a query sent again (as UIs do:
//! the same few queries, over and over) skips parsing, the limits and
//! async-graphql's validation, and goes straight to the executor.
//!
//! Only a document that async-graphql validated and our executor answered
//! is kept; mutations, introspection and refused queries never are. The
//! key holds everything validation reads from a request (the schema is
//! fixed for the life of a [`GraphQl`](super::GraphQl)), so a kept
//! document is one that would pass again: a different variable value is a
//! different key, and is validated afresh.

use std::sync::Arc;

use async_graphql::Positioned;
use async_graphql_parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql_value::Value;

/// How much the kept documents may weigh, as [`weight`] estimates their
/// memory.
const MAX_WEIGHT: u64 = 16 << 20;

/// A document heavier than this is not kept: one query must not push out
/// many (a 32nd of the bound, about 1,000 nodes; the home query is 11).
const HEAVIEST: u64 = 512 << 10;

/// A query whose key is longer than this is not kept (nor its key built).
const LONGEST: usize = 64 << 10;

/// What a parsed document holds per node (a field or fragment selected,
/// an argument's value, a directive, an operation, a variable), beside
/// its text. Measured with a counting allocator over
/// async-graphql-parser 7.2: 266 to 490 bytes per node across documents
/// of 10 to 11,000 nodes (2,980 `__typename`s: 849 KB for 33 KB of text,
/// 26 bytes per byte of text; 2,000 aliased fields with an argument:
/// 3.0 MB for 64 KB; the home query: 3.4 KB for 87 bytes). Rounded up,
/// so that no document measured weighs more than its estimate. Weighing
/// by text (8 bytes per byte, before) let a 16 MB bound hold ~100 MB.
const NODE_BYTES: u64 = 512;

/// What an entry costs beside its document: its key's allocation past
/// the key's length, the `Arc`, the cache's slot.
const ENTRY_BYTES: u64 = 256;

/// A kept document with its weight, worked out once.
#[derive(Clone)]
struct Kept {
    document: Arc<ExecutableDocument>,
    weight: u64,
}

/// The weigher of [`DocumentCache`]'s cache.
#[derive(Clone)]
struct ByWeight;

impl quick_cache::Weighter<String, Kept> for ByWeight {
    fn weight(&self, _: &String, kept: &Kept) -> u64 {
        kept.weight
    }
}

/// The documents of the queries answered before (see the module).
pub(super) struct DocumentCache {
    documents: quick_cache::sync::Cache<String, Kept, ByWeight>,
}

/// The memory `document`, kept under `key`, is estimated to hold.
fn weight(key: &str, document: &ExecutableDocument) -> u64 {
    let nodes: usize = document
        .operations
        .iter()
        .map(|(_, operation)| {
            let operation = &operation.node;
            1 + operation.variable_definitions.len()
                + directives(&operation.directives)
                + selections(&operation.selection_set.node)
        })
        .chain(document.fragments.values().map(|fragment| {
            1 + directives(&fragment.node.directives)
                + selections(&fragment.node.selection_set.node)
        }))
        .sum();
    let nodes = u64::try_from(nodes).unwrap_or(u64::MAX);
    let key = u64::try_from(key.len()).unwrap_or(u64::MAX);
    nodes
        .saturating_mul(NODE_BYTES)
        .saturating_add(key)
        .saturating_add(ENTRY_BYTES)
}

/// The nodes of a selection set: each selection, its arguments' values
/// and its directives, and what it selects.
fn selections(set: &SelectionSet) -> usize {
    let one = |item: &Positioned<Selection>| match &item.node {
        Selection::Field(field) => {
            let field = &field.node;
            let arguments: usize = field.arguments.iter().map(|(_, v)| values(&v.node)).sum();
            arguments + directives(&field.directives) + selections(&field.selection_set.node)
        }
        Selection::InlineFragment(fragment) => {
            directives(&fragment.node.directives) + selections(&fragment.node.selection_set.node)
        }
        Selection::FragmentSpread(spread) => directives(&spread.node.directives),
    };
    set.items.iter().map(|item| 1 + one(item)).sum()
}

fn directives(directives: &[Positioned<Directive>]) -> usize {
    let arguments = |directive: &Directive| -> usize {
        directive
            .arguments
            .iter()
            .map(|(_, v)| values(&v.node))
            .sum()
    };
    directives.iter().map(|d| 1 + arguments(&d.node)).sum()
}

/// The nodes of a value: itself and what a list or object holds.
fn values(value: &Value) -> usize {
    1 + match value {
        Value::List(items) => items.iter().map(values).sum(),
        Value::Object(members) => members.values().map(values).sum(),
        _ => 0,
    }
}

impl DocumentCache {
    pub(super) fn new() -> DocumentCache {
        DocumentCache {
            documents: quick_cache::sync::Cache::with_weighter(1024, MAX_WEIGHT, ByWeight),
        }
    }

    /// The key of `request`: its query, operation name and variables. None
    /// for a request too long to keep.
    ///
    /// Neither an operation name nor JSON holds a NUL, so reading from the
    /// end, the last two NULs part the three: different requests have
    /// different keys, whatever their query text holds.
    pub(super) fn key(request: &async_graphql::Request) -> Option<String> {
        if request.query.len() > LONGEST {
            return None;
        }
        let variables = serde_json::to_string(&request.variables).ok()?;
        let operation = request.operation_name.as_deref();
        let mut key = String::with_capacity(
            request.query.len() + variables.len() + operation.map_or(0, str::len) + 3,
        );
        key.push_str(&request.query);
        key.push('\0');
        if let Some(name) = operation {
            // `=` tells a name from none.
            key.push('=');
            key.push_str(name);
        }
        key.push('\0');
        key.push_str(&variables);
        (key.len() <= LONGEST).then_some(key)
    }

    /// The document kept under `key`.
    pub(super) fn get(&self, key: &str) -> Option<Arc<ExecutableDocument>> {
        let found = self.documents.get(key).map(|kept| kept.document);
        let outcome = if found.is_some() { "hit" } else { "miss" };
        metrics::counter!("peregrine_graphql_documents_total", "outcome" => outcome).increment(1);
        found
    }

    /// Keeps `document`, validated and answered, under `key`.
    pub(super) fn keep(&self, key: String, document: Arc<ExecutableDocument>) {
        let weight = weight(&key, &document);
        if weight <= HEAVIEST {
            self.documents.insert(key, Kept { document, weight });
        }
    }

    /// How many documents are kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.documents.len()
    }

    /// A cache bounded at `max_weight`, in one shard (the server's spreads
    /// its bound over shards, by the CPUs).
    #[cfg(test)]
    fn bounded(max_weight: u64) -> DocumentCache {
        let options = quick_cache::OptionsBuilder::new()
            .estimated_items_capacity(1024)
            .weight_capacity(max_weight)
            .shards(1)
            .build()
            .expect("options");
        DocumentCache {
            documents: quick_cache::sync::Cache::with_options(
                options,
                ByWeight,
                Default::default(),
                Default::default(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_holds_for_documents_heavy_for_their_text() {
        // 600 `__typename`s: 6.6 KB of text, and a node of at least
        // `Positioned<Selection>`'s size each in the document's list of
        // selections (175 KB measured in all).
        let bound: u64 = 4 << 20;
        let known = DocumentCache::bounded(bound);
        let text = format!("{{ {} }}", "__typename ".repeat(600));
        let floor = 600 * std::mem::size_of::<Positioned<Selection>>();
        for n in 0..80 {
            let document = async_graphql_parser::parse_query(&text).expect("parses");
            known.keep(format!("{text}\0\0{n}"), Arc::new(document));
        }
        let held = u64::try_from(known.len() * floor).expect("small");
        assert!(known.len() > 0, "some are kept");
        assert!(
            held <= bound,
            "{} documents of at least {floor} bytes each: {held} bytes, past the bound of {bound}",
            known.len()
        );
        // One heavier than a 32nd of the server's bound is not kept.
        let heavy = format!("{{ {} }}", "__typename ".repeat(2000));
        let document = async_graphql_parser::parse_query(&heavy).expect("parses");
        let weighed = weight(&heavy, &document);
        assert!(weighed > HEAVIEST, "{weighed}");
        let before = known.len();
        known.keep(heavy, Arc::new(document));
        assert_eq!(known.len(), before);
    }

    #[test]
    fn keys_tell_apart_what_validation_reads() {
        let key = |query: &str, operation: Option<&str>, variables: serde_json::Value| {
            let mut request = async_graphql::Request::new(query)
                .variables(async_graphql::Variables::from_json(variables));
            if let Some(name) = operation {
                request = request.operation_name(name);
            }
            DocumentCache::key(&request)
        };
        let plain = key("{ a }", None, serde_json::json!({}));
        assert!(plain.is_some());
        assert_eq!(plain, key("{ a }", None, serde_json::json!({})));
        assert_ne!(plain, key("{ a }", Some(""), serde_json::json!({})));
        assert_ne!(plain, key("{ a }", None, serde_json::json!({"id": 1})));
        assert_ne!(
            key("{ a }", None, serde_json::json!({"id": 1})),
            key("{ a }", None, serde_json::json!({"id": "1"}))
        );
        // A query that holds the separators is still its own key.
        assert_ne!(
            key("{ a }\0=One", None, serde_json::json!({})),
            key("{ a }", Some("One"), serde_json::json!({}))
        );
        assert_eq!(
            key(&"x".repeat(LONGEST + 1), None, serde_json::json!({})),
            None
        );
    }
}
