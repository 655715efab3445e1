//! `Reply`: the answer to a GraphQL request, as it goes on the wire.

use async_graphql::{ServerError, Value as GqlValue};
use serde::ser::{Serialize, Serializer};
use serde_json::Value as Json;

/// The answer to a GraphQL request: written ([`Reply::to_json`]) as
/// `{"data": ..., "extensions": {...}, "errors": [...]}` (extensions and
/// errors only when there are some), as async-graphql's own responses are.
///
/// A query's `data` is JSON text already: the executor writes it as it
/// walks the answered graph, with no tree of values in between.
#[derive(Debug)]
pub struct Reply {
    body: Body,
}

#[derive(Debug)]
enum Body {
    /// A query the executor answered (`executor.rs`).
    Written(Written),
    /// async-graphql's own answer: mutations, introspection, refusals.
    Resolved(async_graphql::Response),
}

/// What the executor wrote for a query.
#[derive(Debug)]
pub(super) struct Written {
    /// The JSON text of `data`, as the executor wrote it.
    pub(super) data: Vec<u8>,
    pub(super) errors: Vec<ServerError>,
    pub(super) extensions: Vec<(String, Json)>,
}

impl Reply {
    pub(super) fn written(written: Written) -> Reply {
        Reply {
            body: Body::Written(written),
        }
    }

    pub(super) fn resolved(response: async_graphql::Response) -> Reply {
        Reply {
            body: Body::Resolved(response),
        }
    }

    /// Adds `value` to the reply's `extensions` under `name` (as a
    /// request's trace is).
    pub fn extend(&mut self, name: &str, value: Json) {
        match &mut self.body {
            Body::Written(written) => written.extensions.push((name.to_owned(), value)),
            Body::Resolved(response) => {
                if let Ok(value) = GqlValue::from_json(value) {
                    response.extensions.insert(name.to_owned(), value);
                }
            }
        }
    }

    /// The errors of the reply (field errors, refusals), as they are sent.
    pub fn errors(&self) -> &[ServerError] {
        match &self.body {
            Body::Written(written) => &written.errors,
            Body::Resolved(response) => &response.errors,
        }
    }
}

impl Reply {
    /// The reply as JSON text, as it goes on the wire.
    ///
    /// A query's `data` is copied in as the executor wrote it; only the
    /// errors and extensions are serialized here. Fails only where
    /// serde_json would (it does not for these values).
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let written = match &self.body {
            Body::Resolved(response) => return serde_json::to_vec(response),
            Body::Written(written) => written,
        };
        let mut json = Vec::with_capacity(written.data.len() + 16);
        json.extend_from_slice(b"{\"data\":");
        json.extend_from_slice(&written.data);
        if !written.extensions.is_empty() {
            json.extend_from_slice(b",\"extensions\":");
            serde_json::to_writer(&mut json, &Extensions(&written.extensions))?;
        }
        if !written.errors.is_empty() {
            json.extend_from_slice(b",\"errors\":");
            serde_json::to_writer(&mut json, &written.errors)?;
        }
        json.push(b'}');
        Ok(json)
    }
}

/// Extensions as a JSON object, in the order they were added.
struct Extensions<'a>(&'a [(String, Json)]);

impl Serialize for Extensions<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{PathSegment, Pos};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_written_reply_is_data_then_extensions_then_errors() {
        let mut error = ServerError::new("no rating", Some(Pos { line: 1, column: 9 }));
        error.path = vec![PathSegment::Field("video".into())];
        let mut reply = Reply::written(Written {
            data: br#"{"video":null}"#.to_vec(),
            errors: vec![error],
            extensions: Vec::new(),
        });
        reply.extend("trace", json!({"waves": 1}));
        let text = String::from_utf8(reply.to_json().expect("written")).expect("UTF-8");
        assert_eq!(
            text,
            r#"{"data":{"video":null},"extensions":{"trace":{"waves":1}},"errors":[{"message":"no rating","locations":[{"line":1,"column":9}],"path":["video"]}]}"#
        );
        let bare = Reply::written(Written {
            data: b"null".to_vec(),
            errors: Vec::new(),
            extensions: Vec::new(),
        });
        assert_eq!(bare.to_json().expect("written"), br#"{"data":null}"#);
    }
}
