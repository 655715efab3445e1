//! `Known`: the documents of queries answered before, by query text,
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

use async_graphql_parser::types::ExecutableDocument;

/// How much the kept documents may weigh: a document is weighed at 8
/// bytes per byte of its key (the parsed document is a tree of a few
/// allocations per token), so this keeps about 2 MB of query text.
const MAX_WEIGHT: u64 = 16 << 20;

/// A query whose key is longer than this is not kept: one query must not
/// push out many.
const LONGEST: usize = 64 << 10;

/// The weigher of [`Known`]'s cache.
#[derive(Clone)]
struct ByLength;

impl quick_cache::Weighter<String, Arc<ExecutableDocument>> for ByLength {
    fn weight(&self, key: &String, _: &Arc<ExecutableDocument>) -> u64 {
        u64::try_from(key.len())
            .unwrap_or(u64::MAX)
            .saturating_mul(8)
    }
}

/// The documents of the queries answered before (see the module).
pub(super) struct Known {
    documents: quick_cache::sync::Cache<String, Arc<ExecutableDocument>, ByLength>,
}

impl Known {
    pub(super) fn new() -> Known {
        Known {
            documents: quick_cache::sync::Cache::with_weighter(1024, MAX_WEIGHT, ByLength),
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
        let found = self.documents.get(key);
        let outcome = if found.is_some() { "hit" } else { "miss" };
        metrics::counter!("peregrine_graphql_documents_total", "outcome" => outcome).increment(1);
        found
    }

    /// Keeps `document`, validated and answered, under `key`.
    pub(super) fn keep(&self, key: String, document: Arc<ExecutableDocument>) {
        self.documents.insert(key, document);
    }

    /// How many documents are kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.documents.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_apart_what_validation_reads() {
        let key = |query: &str, operation: Option<&str>, variables: serde_json::Value| {
            let mut request = async_graphql::Request::new(query)
                .variables(async_graphql::Variables::from_json(variables));
            if let Some(name) = operation {
                request = request.operation_name(name);
            }
            Known::key(&request)
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
