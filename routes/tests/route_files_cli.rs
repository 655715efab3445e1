//! `peregrine routes check` and `peregrine routes list` as a team's CI
//! runs them: the binary, on route files written to a directory of the
//! test's own. Good files exit 0 and are listed; each kind of refusal
//! exits 1 with `file:line:column: message` on stderr, the place computed
//! here from the text written, and a message naming what is wrong.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory of route files, removed when the test ends.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new(test: &str) -> Files {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "peregrine-route-files-cli-{}-{}-{test}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        Files { dir }
    }

    /// Writes `text` to the file `name`; its path, as the binary prints it.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("the route file is written");
        path
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `peregrine routes <command> <dirs>`, with `env` set (and the variable
/// the tests leave unset, unset).
fn routes(command: &str, dirs: &[&Path], env: &[(&str, &str)]) -> Run {
    let mut run = Command::new(env!("CARGO_BIN_EXE_peregrine"));
    run.args(["routes", command])
        .args(dirs)
        .env_remove(UNSET)
        .env_remove("PEREGRINE_ROUTES");
    for (name, value) in env {
        run.env(name, value);
    }
    let output = run.output().expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn check(dirs: &[&Path]) -> Run {
    routes("check", dirs, &[])
}

/// The line and column (from 1, in characters) where `needle` starts in
/// `text`; it must be there once, so that the place is unambiguous.
fn at(text: &str, needle: &str) -> (usize, usize) {
    assert_eq!(text.matches(needle).count(), 1, "{needle:?} once in {text}");
    let offset = text.find(needle).expect("found");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Asserts `run` refused (exit 1) with `count` refusals, one of them at
/// `place` in `file` with a message containing each of `words`.
fn refused_at(run: &Run, count: usize, file: &Path, place: (usize, usize), words: &[&str]) {
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stdout, "", "nothing on stdout when refused");
    let lines: Vec<&str> = run.stderr.lines().collect();
    let last = format!("{count} refused");
    assert_eq!(lines.last().copied(), Some(last.as_str()), "{run:?}");
    let prefix = format!("{}:{}:{}: ", file.display(), place.0, place.1);
    let message = lines
        .iter()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("a refusal at {prefix:?} in:\n{}", run.stderr));
    for word in words {
        assert!(message.contains(word), "{word:?} in {message:?}");
    }
}

/// A refusal of one route file `team.toml` whose text is `text`, at
/// `needle`.
fn refused(test: &str, text: &str, needle: &str, words: &[&str]) {
    let files = Files::new(test);
    let file = files.write("team.toml", text);
    refused_at(&check(&[&files.dir]), 1, &file, at(text, needle), words);
}

/// The environment variable the tests never set.
const UNSET: &str = "PEREGRINE_ROUTE_FILES_CLI_UNSET";

/// The people service, as most files below declare it.
const SERVICE: &str = r#"[services.people]
url = "http://127.0.0.1:9100"
"#;

/// A route file: the service, then one route of `members`.
fn file(members: &str) -> String {
    format!("{SERVICE}\n[[routes]]\n{members}")
}

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
url = "https://people.example"

[[routes]]
pattern = "people[{integers:ids}].name"
get = { service = "people", path = "/people?ids={ids}" }
"#;
    refused(
        "url",
        text,
        r#""https"#,
        &["people service's URL", "https is not supported"],
    );
}

#[test]
fn an_unset_environment_variable_is_named_and_a_set_one_expands() {
    let text = format!(
        r#"[services.people]
url = "http://${{{UNSET}}}"

[[routes]]
pattern = "people[{{integers:ids}}].name"
get = {{ service = "people", path = "/people?ids={{ids}}" }}
"#
    );
    refused(
        "environment",
        &text,
        "${",
        &[&format!("the environment variable `{UNSET}` is not set")],
    );

    let files = Files::new("environment-set");
    files.write("team.toml", &text);
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
