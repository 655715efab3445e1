//! `schema/` and the routes agree: every field of the GraphQL schema is
//! answered by some route, and every route (with each method it serves)
//! is reached by the schema's queries and mutations. A test process of its
//! own, so that the route calls it sees in the logs are its own.

mod support;

use serde_json::Value;

use support::{capture_logs, graphql, instant, Harness};

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
    let captured = capture_logs(tracing::Level::DEBUG);
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
    let (_, answer) = graphql(&harness, Some("u17"), &query).await;
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
    let (_, answer) = graphql(
        &harness,
        Some("u17"),
        &format!("mutation {{ {mutations} }}"),
    )
    .await;
    assert!(answer.get("errors").is_none(), "{mutations}\n{answer}");

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
    let logs = captured.text();
    for (pattern, methods) in router.routes() {
        for method in methods {
            let kind = match method {
                "get" => "kind=Get",
                "set" => "kind=Set",
                _ => "kind=Call",
            };
            let route = format!("route={pattern} ");
            assert!(
                logs.lines()
                    .any(|line| line.contains(&route) && line.contains(kind)),
                "no GraphQL field reaches the {method} route `{pattern}`"
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
