//! Tests of `write.rs`: the text is serde_json's, byte for byte.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{json, Value as Json};

use super::*;
use crate::path::PathSet;

/// Text to escape and text not to: quotes, backslashes, control
/// characters, DEL, a slash, accents and an emoji.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Dark".to_string()),
        Just("https://img.example/boxshot/7.jpg".to_string()),
        Just("say \"hi\"".to_string()),
        Just("a\\b".to_string()),
        Just("tab\there\nline\u{1}\u{1f}".to_string()),
        Just("\u{7f} é ☃ 🎬".to_string()),
        "[ -~]{0,40}",
        any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = Json> {
    prop_oneof![
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        Just(json!(1.5)),
        Just(json!(-0.0)),
        Just(json!(1e300)),
        (-1e6f64..1e6).prop_map(Json::from),
    ]
}

/// A member name: integer-like ones become integer keys.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("7".to_string()),
        Just("-1".to_string()),
        Just("01".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        text(),
    ]
}

fn metadata() -> impl Strategy<Value = Vec<(String, Json)>> {
    vec(
        prop_oneof![
            number().prop_map(|n| ("$expires".to_string(), n)),
            number().prop_map(|n| ("$size".to_string(), n)),
            text().prop_map(|t| ("$custom".to_string(), json!({"a": [1, t]}))),
        ],
        0..3,
    )
}

fn leaf() -> impl Strategy<Value = Json> {
    let sentinel = |kind: &'static str, value: Option<Json>, meta: Vec<(String, Json)>| {
        let mut object = serde_json::Map::new();
        object.insert("$type".into(), json!(kind));
        if let Some(value) = value {
            object.insert("value".into(), value);
        }
        object.extend(meta);
        Json::Object(object)
    };
    let ref_key = prop_oneof![
        text().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        Just(json!(true)),
        Just(json!(null)),
    ];
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        number(),
        text().prop_map(Json::from),
        (
            proptest::option::of(prop_oneof![number(), text().prop_map(Json::from)]),
            metadata()
        )
            .prop_map(move |(value, meta)| sentinel("atom", value, meta)),
        (vec(ref_key, 1..4), metadata()).prop_map(move |(path, meta)| sentinel(
            "ref",
            Some(Json::from(path)),
            meta
        )),
        (text(), metadata()).prop_map(move |(message, meta)| {
            sentinel("error", Some(json!({ "message": message })), meta)
        }),
    ]
}

fn graph() -> impl Strategy<Value = Graph> {
    leaf()
        .prop_recursive(4, 60, 6, |inner| {
            btree_map(name(), inner, 1..6)
                .prop_map(|members| Json::Object(members.into_iter().collect()))
        })
        .prop_filter_map("a graph", |root| {
            Graph::from_json(json!({ "root": root })).ok()
        })
}

proptest! {
    #[test]
    fn an_envelope_is_written_as_serde_json_writes_it(
        graph in graph(),
        paths in proptest::option::of(Just(vec![PathSet::parse("videos[0..2]['title','a\"b']").expect("a path set")])),
        invalidated in proptest::option::of(Just(vec![PathSet::parse("myList[5]").expect("a path set")])),
    ) {
        let envelope = Envelope { json_graph: graph, paths, invalidated };
        let by_hand = envelope.to_json().expect("written");
        let by_serde = serde_json::to_vec(&envelope).expect("written");
        prop_assert_eq!(String::from_utf8_lossy(&by_hand), String::from_utf8_lossy(&by_serde));
    }
}

#[test]
fn strings_to_escape_are_escaped_and_others_copied() {
    for text in ["plain", "", "q\"", "b\\", "\u{0}", "\u{1f}", "\u{7f}", "é"] {
        let mut out = Vec::new();
        string(text, &mut out);
        assert_eq!(out, serde_json::to_vec(text).expect("written"), "{text:?}");
    }
}
