//! `Prepared`: a request's document and variables as the executor and
//! the `Direct` extension share them, and which operation runs.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use async_graphql::Positioned;
use async_graphql_parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};

use super::selection::Env;

/// A request's document and variables, kept for the executor (async-graphql
/// takes its own copy to validate).
pub(super) struct Prepared {
    pub(super) document: Arc<ExecutableDocument>,
    pub(super) variables: async_graphql::Variables,
    /// The request's key in [`DocumentCache`](super::document_cache::DocumentCache), where the
    /// document is kept once validated and answered (None: not kept).
    pub(super) key: Option<String>,
    /// Set once async-graphql has validated the request and stopped
    /// before executing it: the executor is to answer it.
    pub(super) validated: AtomicBool,
}

impl Prepared {
    pub(super) fn new(
        document: Arc<ExecutableDocument>,
        variables: async_graphql::Variables,
        key: Option<String>,
    ) -> Prepared {
        Prepared {
            document,
            variables,
            key,
            validated: AtomicBool::new(false),
        }
    }

    /// The operation `name` picks.
    pub(super) fn operation(&self, name: Option<&str>) -> Option<&Positioned<OperationDefinition>> {
        operation(&self.document, name)
    }

    /// The operation `name` picks, if it is a query this executor answers:
    /// one with no root introspection field (`__schema`, `__type`), which
    /// async-graphql answers.
    pub(super) fn query(&self, name: Option<&str>) -> Option<&Positioned<OperationDefinition>> {
        let operation = self.operation(name)?;
        if operation.node.ty != OperationType::Query {
            return None;
        }
        let env = self.env(operation);
        let introspects = env
            .collect("Query", &operation.node.selection_set.node)
            .iter()
            .flat_map(|group| &group.fields)
            .any(|field| matches!(field.node.name.node.as_str(), "__schema" | "__type"));
        (!introspects).then_some(operation)
    }

    /// What `operation`'s selection is read against.
    pub(super) fn env<'a>(&'a self, operation: &'a Positioned<OperationDefinition>) -> Env<'a> {
        Env {
            variables: &self.variables,
            definitions: &operation.node.variable_definitions,
            fragments: &self.document.fragments,
        }
    }
}

/// The operation of `document` that `name` picks: the one of that name,
/// or the only one when no name is given (GraphQL spec §6.1,
/// GetOperation).
pub(super) fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}
