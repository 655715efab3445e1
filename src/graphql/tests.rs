//! The executor (`executor.rs`) against async-graphql's own execution
//! through the resolvers (`resolve.rs`): the same queries, over the same
//! router, must give the same response, data and errors alike.

use async_graphql::{Request, Variables};
use serde_json::{json, Value as Json};

use crate::graph::{PathValue, Value};
use crate::path::{Key, KeySet, Path, PathSet};
use crate::router::{Context, HandlerError, Output, Router};

use super::{GraphQl, Limits};

mod keys;

const SDL: &str = r#"
directive @graph(path: String, key: Boolean) on FIELD_DEFINITION
type Query {
  genreLists(from: Int! = 0, to: Int! = 1): [List!]! @graph(path: "genreLists[{from}..{to}]")
  genreListsLength: Int @graph(path: "genreLists.length")
  video(id: Int!): Video @graph(path: "videos[{id}]")
  named(name: String!): List @graph(path: "lists[{name}]")
  listA: List @graph(path: "lists.a")
}
type List {
  id: ID! @graph(key: true)
  name: String @graph(path: "name")
  videos(from: Int! = 0, to: Int! = 2): [Video!]! @graph(path: "[{from}..{to}]")
}
type Video {
  id: Int! @graph(key: true)
  title: String @graph(path: "title")
  year: Int @graph(path: "year")
  rating: Float @graph(path: "rating")
  strict: Float! @graph(path: "rating")
}
"#;

fn at(keys: Vec<Key>) -> PathSet {
    PathSet::new(keys.into_iter().map(KeySet::Key).collect())
}

/// Rows `a` (videos 1, 2, 3) and `b` (videos 4, 5); video 3's rating is
/// an error; videos past 50 do not exist.
fn router() -> Router {
    let lists = |id: &str| -> Option<(&'static str, Vec<i64>)> {
        match id {
            "a" => Some(("Row A", vec![1, 2, 3])),
            "b" => Some(("Row B", vec![4, 5])),
            _ => None,
        }
    };
    Router::builder()
        .get("genreLists.length", |_request, _ctx| async {
            Ok::<_, HandlerError>(
                Output::new().value(at(vec!["genreLists".into(), "length".into()]), 2),
            )
        })
        .get(
            "genreLists[{integers:indices}]",
            |request, _ctx| async move {
                let rows = ["a", "b"];
                let refs = request
                    .integers("indices")?
                    .into_iter()
                    .filter_map(|index| {
                        let row = rows.get(usize::try_from(index).ok()?)?;
                        let target = Path::from_iter(["lists".into(), (*row).into()]);
                        Some(PathValue::new(
                            at(vec!["genreLists".into(), index.into()]),
                            Value::reference(target),
                        ))
                    });
                Ok::<_, HandlerError>(refs.collect::<Output>())
            },
        )
        .get("lists[{keys:ids}].name", move |request, _ctx| async move {
            let names = request.keys("ids")?.into_iter().filter_map(|id| {
                let (name, _) = lists(id.as_str()?)?;
                Some(PathValue::new(
                    at(vec!["lists".into(), id, "name".into()]),
                    name,
                ))
            });
            Ok::<_, HandlerError>(names.collect::<Output>())
        })
        .get(
            "lists[{keys:ids}][{integers:indices}]",
            move |request, _ctx| async move {
                let indices = request.integers("indices")?;
                let mut output = Output::new();
                for id in request.keys("ids")? {
                    let Some((_, videos)) = id.as_str().and_then(lists) else {
                        continue;
                    };
                    for &index in &indices {
                        let Some(video) = usize::try_from(index).ok().and_then(|i| videos.get(i))
                        else {
                            continue;
                        };
                        output.push(PathValue::new(
                            at(vec!["lists".into(), id.clone(), index.into()]),
                            Value::reference(Path::from_iter(["videos".into(), (*video).into()])),
                        ));
                    }
                }
                Ok::<_, HandlerError>(output)
            },
        )
        .get(
            "videos[{integers:ids}]['title','year','rating']",
            |request, _ctx| async move {
                let mut output = Output::new();
                for id in request.integers("ids")?.into_iter().filter(|id| *id <= 50) {
                    for key in request.keys_at(2) {
                        let value = match key.as_str() {
                            Some("title") => Value::from(format!("Video {id}")),
                            Some("year") => Value::from(2000 + id),
                            Some("rating") if id == 3 => Value::error("no rating for 3"),
                            _ => Value::from(f64::from(i32::try_from(id).unwrap_or(0)) / 2.0),
                        };
                        output.push(PathValue::new(
                            at(vec!["videos".into(), id.into(), key]),
                            value,
                        ));
                    }
                }
                Ok::<_, HandlerError>(output)
            },
        )
        .build()
        .expect("the routes build")
}

/// The response of `query` (with `variables`, `operation`) both ways.
pub(super) async fn both(query: &str, variables: Json, operation: Option<&str>) -> (Json, Json) {
    let graphql = GraphQl::new(SDL, router(), Limits::default()).expect("the schema builds");
    let request = || {
        let mut request = Request::new(query).variables(Variables::from_json(variables.clone()));
        if let Some(name) = operation {
            request = request.operation_name(name);
        }
        request
    };
    let ctx = Context::new().with_user("u1");
    let direct = graphql.execute(request(), ctx.clone()).await;
    let resolved = graphql.execute_with_resolvers(request(), ctx).await;
    let json = |response: super::Reply| {
        let json = response.to_json().expect("a response is written");
        let mut json: Json = serde_json::from_slice(&json).expect("a response is JSON");
        // Resolvers run concurrently: their errors come in any order.
        if let Some(errors) = json.get_mut("errors").and_then(Json::as_array_mut) {
            errors.sort_by_key(|error| error["path"].to_string());
        }
        json
    };
    (json(direct), json(resolved))
}

pub(super) async fn same(query: &str, variables: Json, operation: Option<&str>) -> Json {
    let (direct, resolved) = both(query, variables, operation).await;
    assert_eq!(direct, resolved, "{query}");
    direct
}

/// A query of rows with aliases, fragments (named, inline, typed and
/// not) and `__typename`.
const ROWS: &str = r#"{
  __typename
  rows: genreLists { __typename name ...cards first: videos(to: 0) { t: title } }
  genreListsLength
}
fragment cards on List { videos { ... on Video { title year } ... { rating } } }"#;

#[tokio::test]
async fn a_query_of_rows_with_aliases_and_fragments_answers_as_the_resolvers_do() {
    let answer = same(ROWS, json!({}), None).await;
    assert_eq!(answer["data"]["rows"][0]["name"], "Row A");
    assert_eq!(answer["data"]["rows"][1]["videos"][1]["title"], "Video 5");
    assert_eq!(
        answer["data"]["rows"][0]["first"],
        json!([{"t": "Video 1"}])
    );
}

#[tokio::test]
async fn an_error_value_is_the_error_of_its_field_alone() {
    let answer = same(ROWS, json!({}), None).await;
    // Video 3's rating is an error, at its path; the rest is answered.
    assert_eq!(
        answer["errors"][0]["path"],
        json!(["rows", 0, "videos", 2, "rating"])
    );
    assert_eq!(answer["errors"][0]["message"], "no rating for 3");
    assert_eq!(answer["data"]["rows"][0]["videos"][2]["year"], 2003);
}

/// Two operations: `One` with variables, a default, `@skip` and
/// `@include`; `Two` with a string argument and a range past the end.
const OPERATIONS: &str = r#"
  query One($id: Int = 2, $hide: Boolean!) {
    video(id: $id) { title @skip(if: $hide) year @include(if: $hide) }
  }
  query Two($name: String!) { named(name: $name) { name videos(from: 1, to: 5) { title } } }"#;

#[tokio::test]
async fn variables_defaults_skip_and_include_answer_as_the_resolvers_do() {
    let one = same(OPERATIONS, json!({"hide": true}), Some("One")).await;
    assert_eq!(one["data"], json!({"video": {"year": 2002}}));
}

#[tokio::test]
async fn the_operation_named_is_the_one_answered_as_the_resolvers_do() {
    let two = same(OPERATIONS, json!({"name": "b"}), Some("Two")).await;
    assert_eq!(
        two["data"]["named"]["videos"],
        json!([{"title": "Video 5"}])
    );
}

#[tokio::test]
async fn a_field_selected_twice_is_one_object_with_both_selections() {
    let answer = same(
        "{ video(id: 1) { title } video(id: 1) { year } other: video(id: 99) { title } }",
        json!({}),
        None,
    )
    .await;
    assert_eq!(
        answer["data"],
        json!({"video": {"title": "Video 1", "year": 2001}, "other": null})
    );
}

#[tokio::test]
async fn an_error_in_a_non_null_place_nulls_the_nearest_nullable_parent() {
    // `strict` is non-null: video 3's error nulls the video, which is
    // non-null in its list, which nulls the row's list, ... up to `data`
    // (GraphQL spec §6.4.4), with the one error. Here the executor and
    // async-graphql's dynamic schema part: the resolvers leave a null in
    // `[Video!]!` and add a second error ("internal: non-null types
    // require a return value"). The executor does what the spec says.
    let (answer, _) = both("{ genreLists { videos { strict } } }", json!({}), None).await;
    assert_eq!(answer["data"], Json::Null, "{answer}");
    let errors = answer["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{answer}");
    assert_eq!(errors[0]["message"], "no rating for 3");
    assert_eq!(
        errors[0]["path"],
        json!(["genreLists", 0, "videos", 2, "strict"])
    );
    // Under a nullable field, the null stops there.
    let (answer, _) = both(
        "{ video(id: 3) { strict } other: video(id: 1) { strict } }",
        json!({}),
        None,
    )
    .await;
    assert_eq!(
        answer["data"],
        json!({"video": null, "other": {"strict": 0.5}}),
        "{answer}"
    );
    assert_eq!(
        answer["errors"].as_array().map(Vec::len),
        Some(1),
        "{answer}"
    );
    assert_eq!(answer["errors"][0]["path"], json!(["video", "strict"]));
}

#[tokio::test]
async fn a_selection_of_only_typename_answers_the_type_of_what_exists_as_the_resolvers_do() {
    // Nothing is selected under the objects: the executor asks for a
    // field that tells whether each exists (`title`, `name`).
    let answer = same(
        "{ video(id: 1) { __typename } missing: video(id: 99) { __typename } \
           genreLists { __typename } named(name: \"zzz\") { name } }",
        json!({}),
        None,
    )
    .await;
    assert_eq!(
        answer["data"],
        json!({
            "video": {"__typename": "Video"},
            "missing": null,
            "genreLists": [{"__typename": "List"}, {"__typename": "List"}],
            "named": null
        }),
        "{answer}"
    );
}

#[tokio::test]
async fn a_query_sent_again_is_answered_from_its_kept_document_the_same() {
    let graphql = GraphQl::new(SDL, router(), Limits::default()).expect("the schema builds");
    let ctx = Context::new().with_user("u1");
    let run = |query: &str, variables: Json| {
        let request = Request::new(query).variables(Variables::from_json(variables));
        let graphql = graphql.clone();
        let ctx = ctx.clone();
        async move {
            let response = graphql.execute(request, ctx).await;
            let json = response.to_json().expect("a response is written");
            serde_json::from_slice::<Json>(&json).expect("a response is JSON")
        }
    };
    let query = "query Q($id: Int!) { video(id: $id) { title rating } }";
    let first = run(query, json!({"id": 3})).await;
    assert_eq!(graphql.known.len(), 1, "the answered query is kept");
    let again = run(query, json!({"id": 3})).await;
    assert_eq!(first, again);
    assert_eq!(again["data"]["video"]["title"], "Video 3");
    assert_eq!(again["errors"][0]["path"], json!(["video", "rating"]));
    // Other variables are validated afresh: a wrong type is still refused.
    let wrong = run(query, json!({"id": "three"})).await;
    assert_eq!(wrong["data"], Json::Null, "{wrong}");
    assert!(
        wrong["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("Invalid value for argument \"id\"")),
        "{wrong}"
    );
    let other = run(query, json!({"id": 4})).await;
    assert_eq!(other["data"]["video"]["title"], "Video 4");
    // Introspection and refused queries are not kept.
    let schema = run("{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(schema["data"]["__schema"]["queryType"]["name"], "Query");
    let deep = run("{ a1: video(id: 1) { title } a2: video(id: 1) { title } a3: video(id: 1) { title } a4: video(id: 1) { title } a5: video(id: 1) { title } a6: video(id: 1) { title } a7: video(id: 1) { title } a8: video(id: 1) { title } a9: video(id: 1) { title } a10: video(id: 1) { title } a11: video(id: 1) { title } a12: video(id: 1) { title } a13: video(id: 1) { title } a14: video(id: 1) { title } a15: video(id: 1) { title } a16: video(id: 1) { title } }", json!({})).await;
    assert!(deep["errors"][0]["message"]
        .as_str()
        .is_some_and(|message| message.contains("(aliases)")));
    assert_eq!(graphql.known.len(), 2, "the two answered queries only");
}

#[tokio::test]
async fn an_empty_string_argument_in_a_path_is_refused_naming_it() {
    let answer = same(r#"{ named(name: "") { name } }"#, json!({}), None).await;
    assert_eq!(answer["data"], json!({"named": null}), "{answer}");
    assert_eq!(
        answer["errors"][0]["message"], "the argument `name` is empty, and no key of the graph is",
        "{answer}"
    );
}
