//! Refusals of services and reads, and good files listed.

use std::path::Path;

use super::{at, check, file, refused, refused_at, routes, Files, SERVICE, UNSET};

#[test]
fn good_files_are_all_good_and_list_their_routes() {
    let files = Files::new("good");
    let text = r#"[services.people]
url = "http://127.0.0.1:9100"
timeout_ms = 300
retries = 0

[[routes]]
pattern = "people[{integers:ids}]['name','born']"
get = { service = "people", path = "/people?ids={ids}" }
items = "/people"
ttl_secs = 300

[[routes]]
pattern = "notes[{integers:ids}].text"
get = { service = "people", path = "/notes?user={user}&ids={ids}" }
scope = "user"
"#;
    let people = files.write("people.toml", text);
    // Another team's file calls the service this one declares.
    let other = "[[routes]]\npattern = \"persons[{keys:ids}].name\"\nget = { service = \"people\", path = \"/v2/people?ids={ids}\" }\nitems = \"/data\"\nkey = \"id\"\n";
    let persons = files.write("persons.toml", other);
    files.write("README.md", "not a route file: ignored");

    let run = check(&[&files.dir]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "route files: 2, routes: 3; all good\n");
    assert_eq!(run.stderr, "");

    let run = routes("list", &[&files.dir], &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let place =
        |file: &Path, (line, column): (usize, usize)| format!("{}:{line}:{column}", file.display());
    let listed: Vec<Vec<String>> = run
        .stdout
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect();
    assert_eq!(
        listed,
        [
            [
                "people[{integers:ids}]['name','born']".to_owned(),
                "get".to_owned(),
                "people".to_owned(),
                "shared".to_owned(),
                place(&people, at(text, "[[routes]]\npattern = \"people")),
            ],
            [
                "notes[{integers:ids}].text".to_owned(),
                "get".to_owned(),
                "people".to_owned(),
                "user".to_owned(),
                place(&people, at(text, "[[routes]]\npattern = \"notes")),
            ],
            [
                "persons[{keys:ids}].name".to_owned(),
                "get".to_owned(),
                "people".to_owned(),
                "shared".to_owned(),
                place(&persons, (1, 1)),
            ],
        ]
    );
}

#[test]
fn a_toml_syntax_error_is_placed_where_the_toml_breaks() {
    let text = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?ids={ids}" }
scope = user
"#,
    );
    refused("syntax", &text, "user\n", &["quoted"]);
}

#[test]
fn an_unknown_member_is_named_with_the_members_there_are() {
    let text = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?ids={ids}" }
ttl = 3
"#,
    );
    refused(
        "member",
        &text,
        "ttl = 3",
        &["unknown field `ttl`", "`ttl_secs`"],
    );
}

#[test]
fn an_unknown_service_is_named_with_the_declared_ones() {
    let text = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "persons", path = "/people?ids={ids}" }
"#,
    );
    refused(
        "service",
        &text,
        r#""persons""#,
        &["no file declares the service `persons`", "`people`"],
    );
}

#[test]
fn a_url_that_cannot_be_called_says_why() {
    let text = r#"[services.people]
url = "ftp://people.example"

[[routes]]
pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?ids={ids}" }
"#;
    refused(
        "url",
        text,
        r#""ftp"#,
        &[
            "people service's URL",
            "it must start with http:// or https://",
        ],
    );
}

/// A file whose service's URL is the environment variable [`UNSET`].
fn url_from_the_environment() -> String {
    format!(
        r#"[services.people]
url = "http://${{{UNSET}}}"

[[routes]]
pattern = "people[{{integers:ids}}].name"
get = {{ service = "people", path = "/people?ids={{ids}}" }}
"#
    )
}

#[test]
fn an_unset_environment_variable_is_named() {
    refused(
        "environment",
        &url_from_the_environment(),
        "${",
        &[&format!("the environment variable `{UNSET}` is not set")],
    );
}

#[test]
fn a_set_environment_variable_expands() {
    let files = Files::new("environment-set");
    files.write("team.toml", &url_from_the_environment());
    let run = routes("check", &[&files.dir], &[(UNSET, "127.0.0.1:9100")]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "route files: 1, routes: 1; all good\n");
}

#[test]
fn a_pattern_that_does_not_parse_is_placed_at_the_fault() {
    let text = file(
        r#"pattern = "people[{integers:ids}.name"
get = { service = "people", path = "/people?ids={ids}" }
"#,
    );
    refused(
        "pattern",
        &text,
        ".name\"",
        &["expected `,` or `]` after `{integers:ids}`, found `.`"],
    );
}

#[test]
fn a_pattern_of_the_wrong_shape_says_the_shape() {
    // The ids' token has no name, so the call's path cannot name them.
    let text = file(
        r#"pattern = "people[{integers}].name"
get = { service = "people", path = "/people?ids={ids}" }
"#,
    );
    refused(
        "shape",
        &text,
        r#""people[{integers}]"#,
        &["has no name (write `{integers:ids}`)", "then the fields"],
    );
}

#[test]
fn an_unknown_placeholder_in_the_path_is_placed_and_named() {
    let text = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?ids={id}" }
"#,
    );
    refused(
        "placeholder",
        &text,
        "{id}",
        &["`{id}` is not a placeholder of this route", "`{ids}`"],
    );

    // `{user}` is a placeholder of a user's route only.
    let text = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?user={user}&ids={ids}" }
"#,
    );
    refused("placeholder-user", &text, "{user}", &["`{user}`"]);
}

#[test]
fn an_unknown_placeholder_after_an_environment_variable_is_placed_in_the_text_written() {
    let text = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/${PEREGRINE_ROUTE_FILES_CLI_PREFIX}/people?ids={id}" }
"#,
    );
    let files = Files::new("placeholder-environment");
    let path = files.write("team.toml", &text);
    let run = routes(
        "check",
        &[&files.dir],
        &[("PEREGRINE_ROUTE_FILES_CLI_PREFIX", "v1")],
    );
    refused_at(&run, 1, &path, at(&text, "{id}"), &["`{id}`"]);
}

#[test]
fn a_scope_other_than_shared_or_user_is_refused() {
    let text = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?ids={ids}" }
scope = "users"
"#,
    );
    refused(
        "scope",
        &text,
        r#""users""#,
        &["`scope` is \"shared\" or \"user\", not \"users\""],
    );
}

#[test]
fn items_that_are_not_a_json_pointer_are_refused() {
    let text = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?ids={ids}" }
items = "data"
"#,
    );
    refused(
        "items",
        &text,
        r#""data""#,
        &["`items` is a JSON Pointer", "not \"data\""],
    );
}

#[test]
fn a_service_declared_in_two_files_is_refused_in_the_second() {
    let files = Files::new("service-twice");
    let first = files.write("a.toml", SERVICE);
    let second = files.write("b.toml", SERVICE);
    refused_at(
        &check(&[&files.dir]),
        1,
        &second,
        (1, 1),
        &[
            "the service `people` is declared in",
            &first.display().to_string(),
        ],
    );
}

#[test]
fn a_route_colliding_with_the_catalogs_is_refused_at_the_route() {
    // The catalog serves `videos[{integers:ids}]` with `title` among its
    // fields.
    let text = file(
        r#"pattern = "videos[{integers:ids}].title"
get = { service = "people", path = "/people?ids={ids}" }
"#,
    );
    refused(
        "catalog",
        &text,
        "[[routes]]",
        &["`videos[{integers:ids}].title`", "match the same paths"],
    );
}

#[test]
fn a_route_colliding_with_the_catalogs_is_placed_however_its_pattern_is_written() {
    let text = file(
        r#"pattern = "videos[{integers:ids}]['title']"
get = { service = "people", path = "/people?ids={ids}" }
"#,
    );
    refused(
        "catalog-quoted",
        &text,
        "[[routes]]",
        &["videos[{integers:ids}]", "match the same paths"],
    );
}

#[test]
fn a_route_colliding_with_another_files_is_refused_at_the_later_naming_the_other() {
    // However the patterns are written: as the router prints them or not.
    for (test, pattern) in [
        ("collision", "people[{integers:ids}].name"),
        ("collision-quoted", "people[{integers:ids}]['name']"),
    ] {
        let files = Files::new(test);
        let first = file(
            r#"pattern = "people[{integers:ids}]['name','born']"
get = { service = "people", path = "/people?ids={ids}" }
"#,
        );
        let other = files.write("a.toml", &first);
        let second = format!(
            "[[routes]]\npattern = \"{pattern}\"\nget = {{ service = \"people\", path = \"/people?ids={{ids}}\" }}\n"
        );
        let file = files.write("b.toml", &second);
        let place = format!(
            "the other is at {}:{}:1",
            other.display(),
            at(&first, "[[routes]]").0
        );
        refused_at(
            &check(&[&files.dir]),
            1,
            &file,
            at(&second, "[[routes]]"),
            &["match the same paths", &place],
        );
    }
}

#[test]
fn a_directory_that_cannot_be_read_is_refused() {
    let files = Files::new("missing");
    let missing = files.dir.join("no-such-directory");
    let run = check(&[&missing]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let expected = format!("{}: cannot read the directory: ", missing.display());
    assert!(run.stderr.starts_with(&expected), "{run:?}");
    assert!(run.stderr.ends_with("\n1 refused\n"), "{run:?}");
}

#[test]
fn every_refusal_is_printed_each_at_its_place() {
    let files = Files::new("every");
    let first = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?ids={ids}" }
scope = "users"
"#,
    );
    let a = files.write("a.toml", &first);
    let second = r#"[[routes]]
pattern = "persons[{integers:ids}].name"
get = { service = "people", path = "/people?ids={id}" }
"#;
    let b = files.write("b.toml", second);
    let run = check(&[&files.dir]);
    refused_at(&run, 2, &a, at(&first, r#""users""#), &["`scope`"]);
    refused_at(&run, 2, &b, at(second, "{id}"), &["`{id}`"]);
}

#[test]
fn settings_that_cannot_work_are_refused_at_their_table() {
    let text = r#"[services.people]
url = "http://127.0.0.1:9100"
breaker_failure_ratio = nan
"#;
    refused(
        "ratio",
        text,
        "[services.people]",
        &["the service `people`: `breaker_failure_ratio` is a share of failed calls"],
    );
    let text = r#"[services.people]
url = "http://127.0.0.1:9100"
timeout_ms = 0
"#;
    refused(
        "timeout",
        text,
        "[services.people]",
        &["`timeout_ms` must be more than 0"],
    );
    let text = file(
        r#"pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?ids={ids}" }
ttl_secs = 9223372036854775807
"#,
    );
    refused(
        "ttl",
        &text,
        "[[routes]]",
        &["`ttl_secs` is at most a year"],
    );
}

#[test]
fn a_list_or_length_that_cannot_work_says_why() {
    let cases = [
        (
            "list-without-ref",
            "pattern = \"people[{integers:ids}][{integers:indices}]\"\nget = { service = \"people\", path = \"/people?ids={ids}\" }\nlist = \"/videos\"\n",
            "`list` and `ref` go together",
        ),
        (
            "list-without-indices",
            "pattern = \"people[{integers:ids}].friends\"\nget = { service = \"people\", path = \"/people?ids={ids}\" }\nlist = \"/friends\"\nref = [\"people\", \"{value}\"]\n",
            "a route with a `list` ends in its indices",
        ),
        (
            "ref-without-value",
            "pattern = \"people[{integers:ids}][{integers:indices}]\"\nget = { service = \"people\", path = \"/people?ids={ids}\" }\nlist = \"/friends\"\nref = [\"people\", \"1\"]\n",
            "\"{value}\" for the element",
        ),
        (
            "length-of-token",
            "pattern = \"people[{integers:ids}][{integers:indices}]\"\nget = { service = \"people\", path = \"/people?ids={ids}\" }\nlength = \"/friends\"\n",
            "a route with a `length` ends in one key",
        ),
    ];
    for (test, members, says) in cases {
        refused(test, &file(members), "[[routes]]", &[says]);
    }
}
