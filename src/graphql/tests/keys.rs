//! Key fields (`@graph(key: true)`): the key an object stands at, what
//! normalized caches key objects by, answered alike by the executor and
//! the resolvers.

use serde_json::{json, Value as Json};

use super::super::mapping::Mapping;
use super::super::Sdl;
use super::{both, same};

#[tokio::test]
async fn a_key_field_answers_the_last_key_of_the_ref_followed_to_its_object() {
    let answer = same(
        "{ genreLists { id name videos { id title } } }",
        json!({}),
        None,
    )
    .await;
    let rows = &answer["data"]["genreLists"];
    assert_eq!(rows[0]["id"], "a", "{answer}");
    assert_eq!(rows[1]["id"], "b", "{answer}");
    assert_eq!(
        rows[1]["videos"],
        json!([{"id": 4, "title": "Video 4"}, {"id": 5, "title": "Video 5"}])
    );
}

#[tokio::test]
async fn a_key_field_of_an_object_reached_by_its_own_path_answers_its_last_key() {
    let answer = same(
        r#"{ video(id: 7) { id title } named(name: "b") { id } }"#,
        json!({}),
        None,
    )
    .await;
    assert_eq!(
        answer["data"],
        json!({"video": {"id": 7, "title": "Video 7"}, "named": {"id": "b"}}),
        "{answer}"
    );
}

#[tokio::test]
async fn a_key_field_selected_alone_answers_for_objects_that_exist_only() {
    // Nothing but the key is asked: as for `__typename`, the object's
    // witness field tells whether it exists, and brings the refs.
    let answer = same(
        "{ genreLists { id videos { id __typename } } missing: video(id: 99) { id } }",
        json!({}),
        None,
    )
    .await;
    assert_eq!(
        answer["data"]["genreLists"][0],
        json!({"id": "a", "videos": [
            {"id": 1, "__typename": "Video"},
            {"id": 2, "__typename": "Video"},
            {"id": 3, "__typename": "Video"}
        ]}),
        "{answer}"
    );
    assert_eq!(answer["data"]["missing"], Json::Null, "{answer}");
}

#[tokio::test]
async fn an_object_reached_neither_through_a_ref_nor_by_an_argument_has_no_key() {
    // `listA` is `lists.a`: its last key is where it stands, not an id
    // given to it, so `id` is an error rather than a key other objects
    // could share. (The resolvers give the same error; they do not null
    // the object for it, see an_error_in_a_non_null_place_...)
    let (answer, resolved) = both("{ listA { id name } }", json!({}), None).await;
    assert_eq!(answer["data"], json!({"listA": null}), "{answer}");
    for answer in [&answer, &resolved] {
        assert_eq!(
            answer["errors"][0]["path"],
            json!(["listA", "id"]),
            "{answer}"
        );
        assert!(
            answer["errors"][0]["message"]
                .as_str()
                .is_some_and(|message| message.contains("has no key of its own")),
            "{answer}"
        );
    }
}

#[test]
fn a_key_field_where_no_key_can_be_read_is_refused_naming_why() {
    let cases = [
        (
            r#"type Video { id: Int! @graph(key: true, path: "id") }"#,
            "takes no path",
        ),
        (
            "type Video { id: Float @graph(key: true) }",
            "is an `Int`, `ID` or `String`, not `Float`",
        ),
        (
            "type Video { id(as: Int): ID @graph(key: true) }",
            "takes no arguments",
        ),
        (
            "extend type Query { id: ID @graph(key: true) }",
            "`Query` is the root",
        ),
        ("type Video { id: ID }", "(or @graph(key: true)"),
    ];
    let base = r#"type Query { video(id: Int!): Video @graph(path: "videos[{id}]") }"#;
    for (file, expected) in cases {
        let video = if file.contains("type Video") {
            String::new()
        } else {
            "type Video { title: String @graph(path: \"title\") }".to_owned()
        };
        let sources = [
            Sdl::new("base.graphql", format!("{base}\n{video}")),
            Sdl::new("team.graphql", file),
        ];
        let error = Mapping::parse(&sources).expect_err(file).to_string();
        assert!(error.contains(expected), "{file}: {error}");
        assert!(error.starts_with("team.graphql:1:"), "{file}: {error}");
    }
}
