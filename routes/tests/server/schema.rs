//! `schema/` and the routes agree: every field of the GraphQL schema is
//! answered by some route, and every route (with each method it serves)
//! is reached by the schema's queries and mutations, as their request
//! traces show.

use std::collections::HashSet;

use axum::body::Body;
use axum::http::{header, Request};
use serde_json::{json, Value};

use crate::support::{graphql, instant, Harness};

/// POSTs `query` to `/graphql` as u17 with a trace asked for: the answer
/// and each `(route, method)` its trace shows called.
async fn traced(harness: &Harness, query: &str) -> (Value, HashSet<(String, String)>) {
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, "Bearer u17")
        .header("peregrine-trace", "1")
        .body(Body::from(json!({ "query": query }).to_string()))
        .expect("a request");
    let (_, answer) = harness.send(request).await;
    let called = answer["extensions"]["trace"]["routes"]
        .as_array()
        .expect("a trace of the route calls")
        .iter()
        .map(|call| {
            let text = |name: &str| call[name].as_str().unwrap_or_default().to_owned();
            (text("route"), text("method"))
        })
        .collect();
    (answer, called)
}

/// A selection of every field of `type_name` (as introspection
/// describes `types`), required arguments given a sample value.
fn select_all(types: &[Value], type_name: &str) -> String {
    let Some(ty) = types.iter().find(|t| t["name"] == type_name) else {
        return String::new();
    };
    let mut fields = Vec::new();
    for field in ty["fields"].as_array().into_iter().flatten() {
        let name = field["name"].as_str().unwrap_or_default();
        let arguments: Vec<String> = field["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|arg| arg["type"]["kind"] == "NON_NULL" && arg["defaultValue"].is_null())
            .map(|arg| {
                let sample = match arg["type"]["ofType"]["name"].as_str() {
                    Some("Float") => "3.5",
                    Some("String") => "\"x\"",
                    _ => "1",
                };
                format!("{}: {sample}", arg["name"].as_str().unwrap_or_default())
            })
            .collect();
        let arguments = if arguments.is_empty() {
            String::new()
        } else {
            format!("({})", arguments.join(", "))
        };
        // The named type under lists and non-nulls.
        let mut of = &field["type"];
        while of["name"].is_null() && !of["ofType"].is_null() {
            of = &of["ofType"];
        }
        let inner = match of["kind"].as_str() {
            Some("OBJECT") => format!(
                " {{ {} }}",
                select_all(types, of["name"].as_str().unwrap_or_default())
            ),
            _ => String::new(),
        };
        fields.push(format!("{name}{arguments}{inner}"));
    }
    fields.join(" ")
}

/// Every `null` in `data`, by path.
fn nulls(data: &Value, path: &str, out: &mut Vec<String>) {
    match data {
        Value::Null => out.push(path.to_owned()),
        Value::Object(object) => {
            for (key, value) in object {
                nulls(value, &format!("{path}.{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, value) in items.iter().enumerate() {
                nulls(value, &format!("{path}[{index}]"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_schema_and_the_routes_agree() {
    let harness = Harness::start(instant()).await;

    let introspection = "{ __schema { types { name kind fields { name \
        args { name defaultValue type { kind name ofType { name } } } \
        type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";
    let (_, schema) = graphql(&harness, None, introspection).await;
    let types: Vec<Value> = schema["data"]["__schema"]["types"]
        .as_array()
        .expect("types")
        .clone();

    // Every field of the schema is served: a query of all of them, for a
    // user with data everywhere, has no error and no null.
    let query = format!("{{ {} }}", select_all(&types, "Query"));
    let (answer, mut called) = traced(&harness, &query).await;
    assert!(answer.get("errors").is_none(), "{query}\n{answer}");
    let mut empty = Vec::new();
    nulls(&answer["data"], "data", &mut empty);
    assert!(
        empty.is_empty(),
        "fields no route answers: {empty:?}\n{query}"
    );
    // And every mutation.
    let mutations = select_all(&types, "Mutation");
    assert!(!mutations.is_empty());
    let (answer, by_mutations) = traced(&harness, &format!("mutation {{ {mutations} }}")).await;
    assert!(answer.get("errors").is_none(), "{mutations}\n{answer}");
    called.extend(by_mutations);

    // Every key a route serves at its last position is a field's path
    // in the schema (keys before it may be reached through refs, which
    // the schema does not spell: `lists` is reached from `genreLists`).
    let router = peregrine_routes::catalog::router(&harness.backend).expect("the routes build");
    for (pattern, _) in router.routes() {
        let matchers = peregrine::path::Pattern::parse(&pattern)
            .expect("a route pattern")
            .into_matchers();
        let Some(peregrine::path::Matcher::KeySet(last)) = matchers.last() else {
            continue;
        };
        for key in last.keys() {
            let key = key.to_string().trim_matches('"').to_owned();
            let named = [format!("path: \"{key}\""), format!(".{key}\"")]
                .iter()
                .any(|spelled| peregrine_routes::SCHEMA.contains(spelled.as_str()));
            assert!(
                named,
                "the route `{pattern}` serves `{key}`, which no schema field reads"
            );
        }
    }

    // Every route (and each method it serves) was called by those.
    for (pattern, methods) in router.routes() {
        for method in methods {
            assert!(
                called.contains(&(pattern.clone(), method.to_owned())),
                "no GraphQL field reaches the {method} route `{pattern}`: {called:?}"
            );
        }
    }
}

#[test]
fn no_field_of_the_catalog_schema_is_left_without_a_route() {
    let router = peregrine_routes::catalog::router("http://127.0.0.1:9")
        .expect("the catalog's route files build");
    let graphql = peregrine::graphql::GraphQl::build(
        &[peregrine_routes::schema()],
        router,
        peregrine::graphql::Limits::default(),
    )
    .expect("the schema builds");
    let unserved: Vec<String> = graphql.unserved().iter().map(ToString::to_string).collect();
    assert_eq!(unserved, Vec::<String>::new());
}
