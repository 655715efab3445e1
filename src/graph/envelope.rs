//! What producers and consumers of a JSON Graph exchange: path values and
//! envelopes.

use serde::{Deserialize, Serialize};

use super::node::Graph;
use super::value::Value;
use crate::path::PathSet;

/// A value at every path of a path set, `{"path": [...], "value": ...}`:
/// what route handlers answer most often.
///
/// ```
/// use peregrine::graph::{PathValue, Value};
/// use peregrine::path::PathSet;
///
/// let title = PathValue::new(PathSet::parse("videos[7].title")?, Value::from("Dark"));
/// assert_eq!(serde_json::to_string(&title)?, r#"{"path":["videos",7,"title"],"value":"Dark"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathValue {
    /// Where the value goes.
    pub path: PathSet,
    /// The value, written at every path of `path`.
    pub value: Value,
}

impl PathValue {
    /// The value `value` at every path of `path`.
    pub fn new(path: impl Into<PathSet>, value: impl Into<Value>) -> PathValue {
        PathValue {
            path: path.into(),
            value: value.into(),
        }
    }
}

/// A JSON Graph with the paths it answers and the paths it invalidates:
/// `{"jsonGraph": {...}, "paths": [...], "invalidated": [...]}`.
///
/// A get or set answer carries `jsonGraph` alone, as falcor-router's does;
/// a call answer also carries `paths` (what the call reports) and, when
/// not empty, `invalidated` (what clients must drop from their caches).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The graph.
    #[serde(rename = "jsonGraph")]
    pub json_graph: Graph,
    /// The paths the graph answers, when the producer says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<PathSet>>,
    /// Paths whose cached values are no longer valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalidated: Option<Vec<PathSet>>,
}

impl Envelope {
    /// An envelope of a graph alone.
    pub fn new(json_graph: Graph) -> Envelope {
        Envelope {
            json_graph,
            paths: None,
            invalidated: None,
        }
    }
}

impl Graph {
    /// Writes a path value: its value at every path of its path set.
    pub fn merge_path_value(&mut self, path_value: &PathValue) {
        self.set(&path_value.path, path_value.value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_read_the_wire_forms() {
        let set: Envelope = serde_json::from_str(
            r#"{"jsonGraph":{"videos":{"7":{"rating":4}}},"paths":[["videos",7,"rating"]]}"#,
        )
        .expect("valid envelope");
        assert_eq!(set.paths.as_ref().map(Vec::len), Some(1));
        assert_eq!(
            serde_json::to_string(&Envelope::new(set.json_graph)).expect("serializable"),
            r#"{"jsonGraph":{"videos":{"7":{"rating":4}}}}"#
        );
        let err = serde_json::from_str::<Envelope>(r#"{"paths":[]}"#).expect_err("no graph");
        assert!(
            err.to_string().contains("missing field `jsonGraph`"),
            "{err}"
        );
    }

    #[test]
    fn a_path_value_needs_a_value() {
        let err = serde_json::from_str::<PathValue>(r#"{"path":["a"]}"#).expect_err("no value");
        assert!(err.to_string().contains("missing field `value`"), "{err}");
        let null: PathValue =
            serde_json::from_str(r#"{"path":["a"],"value":null}"#).expect("null is a value");
        assert_eq!(null.value, Value::Null);
    }
}
