//! Refusals of loads, sets and calls, each at its place; and the
//! catalog's own files, which use them all, all good.

use super::{at, check, refused, routes, Files, SERVICE, UNSET};

/// A file of the people service, a `people` load by id, a `shelves` load of
/// one item per user, and `routes`.
fn with_loads(routes: &str) -> String {
    format!(
        r#"{SERVICE}
[loads.people]
get = {{ service = "people", path = "/people?ids={{ids}}" }}
items = "/people"

[loads.shelves]
get = {{ service = "people", path = "/rows?user={{user}}" }}
scope = "user"

{routes}"#
    )
}

#[test]
fn the_catalogs_own_files_are_all_good_and_list_every_method() {
    let files = Files::new("catalog");
    let run = routes("list", &[&files.dir], &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "", "an empty directory declares nothing");
    let run = routes("check", &[&files.dir], &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "route files: 0, routes: 0; all good\n");
    // The catalog's files alone, as its team's CI checks them.
    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog");
    let alone = |command: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_peregrine"))
            .args(["routes", command, "--no-catalog"])
            .arg(&catalog)
            .output()
            .expect("the binary runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, stdout) = alone("check");
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(stdout, "route files: 5, routes: 11; all good\n");
    let (code, listed) = alone("list");
    assert_eq!(code, Some(0));
    for (pattern, method) in [
        ("genreLists[{integers:indices}]", "get"),
        ("videos[{integers:ids}].rating", "get set"),
        ("myList.push", "call"),
        ("myList.remove", "call"),
    ] {
        assert!(
            listed
                .lines()
                .any(|line| line.starts_with(&format!("{pattern}\t{method}\t"))),
            "{pattern} {method} in:\n{listed}"
        );
    }
}

#[test]
fn an_unknown_load_is_named_with_the_declared_ones() {
    let text =
        with_loads("[[routes]]\npattern = \"people[{integers:ids}].name\"\nload = \"persons\"\n");
    refused(
        "unknown-load",
        &text,
        "\"persons\"",
        &["`persons`", "`people`", "`shelves`"],
    );
}

#[test]
fn a_route_with_a_load_and_its_own_read_settings_is_refused() {
    let text = with_loads(
        "[[routes]]\npattern = \"people[{integers:ids}].name\"\nload = \"people\"\nttl_secs = 5\n",
    );
    refused(
        "load-ttl",
        &text,
        "[[routes]]",
        &["`ttl_secs` belongs to the load `people`"],
    );
    let text = with_loads(
        "[[routes]]\npattern = \"people[{integers:ids}].name\"\nload = \"people\"\nget = { service = \"people\", path = \"/p?ids={ids}\" }\n",
    );
    refused(
        "load-and-get",
        &text,
        "[[routes]]",
        &["its own `get` or a shared `load`, not both"],
    );
}

#[test]
fn a_pattern_that_does_not_fit_its_loads_ids_says_why() {
    let text = with_loads(
        "[[routes]]\npattern = \"myRows.length\"\nload = \"people\"\nlength = \"/rows\"\n",
    );
    refused(
        "ids-missing",
        &text,
        "\"myRows.length\"",
        &["has `{ids}`", "no ids token"],
    );
    let text = with_loads(
        "[[routes]]\npattern = \"rowsOf[{integers:ids}].length\"\nload = \"shelves\"\nlength = \"/rows\"\n",
    );
    refused(
        "ids-extra",
        &text,
        "\"rowsOf[",
        &["its pattern has ids", "no `{ids}`"],
    );
}

#[test]
fn a_set_that_cannot_work_is_refused_at_its_place() {
    let set = |members: &str| {
        with_loads(&format!(
            "[[routes]]\npattern = \"people[{{integers:ids}}].name\"\nload = \"people\"\n\n[routes.set]\nservice = \"people\"\n{members}"
        ))
    };
    let text = set("path = \"/people?id={id}\"\n");
    refused(
        "set-placeholder",
        &text,
        "{id}",
        &["`{id}` is not a placeholder here", "`{value}`", "`{ids}`"],
    );
    // A body's `${NAME}` expands as the path's does: unset, refused.
    let text = set(&format!(
        "path = \"/people?id={{ids}}\"\nbody = {{ token = \"${{{UNSET}}}\" }}\n"
    ));
    refused(
        "set-body-env",
        &text,
        "[routes.set]",
        &[UNSET, "is not set"],
    );
    let text = set("path = \"/people?id={ids}\"\nmethod = \"GET\"\n");
    refused(
        "set-method",
        &text,
        "\"GET\"",
        &["PUT, POST, PATCH or DELETE"],
    );
    let text = set("path = \"/people?id={ids}\"\ntype = \"float\"\n");
    refused(
        "set-type",
        &text,
        "\"float\"",
        &["\"number\", \"integer\", \"string\" or \"boolean\""],
    );
    let text = with_loads(
        "[[routes]]\npattern = \"rowCount.length\"\nload = \"shelves\"\nlength = \"/rows\"\n\n[routes.set]\nservice = \"people\"\npath = \"/x\"\n",
    );
    refused(
        "set-length",
        &text,
        "[routes.set]",
        &["only a route that answers fields can be set"],
    );
}

#[test]
fn a_call_that_cannot_work_is_refused_at_its_place() {
    let call = |members: &str| {
        with_loads(&format!(
            "[[routes]]\npattern = \"people.add\"\n\n[routes.call]\nservice = \"people\"\npath = \"/people\"\n{members}"
        ))
    };
    let text = call("arguments = [\"float\"]\n");
    refused(
        "call-argument",
        &text,
        "[routes.call]",
        &["an argument is one of ref, integer", "\"float\""],
    );
    let text = call("drops = [\"people\"]\n");
    refused(
        "call-drop",
        &text,
        "\"people\"]",
        &["reads items by id: say which"],
    );
    let text = call("drops = [{ load = \"shelves\", id = \"{args/0}\" }]\n");
    refused(
        "call-drop-id",
        &text,
        "{ load = \"shelves\"",
        &["has one item", "without an `id`"],
    );
    let text = call("returns = [{ path = [\"people\", \"{answer/id}\"], value = \"{user}\" }]\n");
    refused(
        "call-user",
        &text,
        " path = [",
        &["`{user}` is not a placeholder here"],
    );
    let text = with_loads(
        "[[routes]]\npattern = \"people[{integers:ids}].add\"\n\n[routes.call]\nservice = \"people\"\npath = \"/people\"\n",
    );
    refused(
        "call-pattern",
        &text,
        "\"people[",
        &["one key at each position"],
    );
    let text = with_loads(
        "[[routes]]\npattern = \"people.add\"\nload = \"people\"\n\n[routes.call]\nservice = \"people\"\npath = \"/people\"\n",
    );
    refused(
        "call-load",
        &text,
        "[[routes]]",
        &["the call alone: `load`"],
    );
}

#[test]
fn a_load_declared_in_two_files_is_refused_in_the_second() {
    let files = Files::new("two-loads");
    let first = with_loads("");
    files.write("a.toml", &first);
    let second = "[loads.people]\nget = { service = \"people\", path = \"/other?ids={ids}\" }\n";
    let file = files.write("b.toml", second);
    super::refused_at(
        &check(&[&files.dir]),
        1,
        &file,
        at(second, "[loads.people]"),
        &[
            "the load `people` is declared in",
            "a load is declared once",
        ],
    );
}
