//! `Direct`: the async-graphql extension that runs between validation and
//! execution. A query our executor answers (`executor.rs`) stops there, its
//! document kept for the next time (`document_cache.rs`); a mutation is checked
//! whole before its first write (`write.rs`), then goes on to the
//! resolvers, as introspection does.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::Value as GqlValue;
use async_graphql_parser::types::OperationType;

use crate::router::Router;

use super::document_cache::DocumentCache;
use super::mapping::Mapping;
use super::prepared::Prepared;
use super::write::preflight;

/// The extension (see the module).
pub(super) struct Direct {
    pub(super) known: Arc<DocumentCache>,
    pub(super) model: Arc<Mapping>,
    pub(super) router: Router,
}

impl ExtensionFactory for Direct {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Direct {
            known: self.known.clone(),
            model: self.model.clone(),
            router: self.router.clone(),
        })
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Direct {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        let Some(prepared) = ctx.data_opt::<Arc<Prepared>>() else {
            return next.run(ctx, operation_name).await;
        };
        if prepared.query(operation_name).is_some() {
            if let Some(key) = &prepared.key {
                self.known.keep(key.clone(), prepared.document.clone());
            }
            // `GraphQl::execute` answers it, and drops this response.
            prepared.validated.store(true, Ordering::Release);
            return async_graphql::Response::new(GqlValue::Null);
        }
        if let Some(operation) = prepared.operation(operation_name) {
            if operation.node.ty == OperationType::Mutation {
                let env = prepared.env(operation);
                if let Err(refused) = preflight(&self.model, &self.router, &env, operation) {
                    return async_graphql::Response::from_errors(vec![refused]);
                }
            }
        }
        next.run(ctx, operation_name).await
    }
}
