//! Remote routers in route files: listed, and refused where they are
//! written wrong.

use super::{at, check, file, refused, refused_at, routes, Files, SERVICE};

#[test]
fn remote_routes_and_the_fallback_are_listed() {
    let files = Files::new("remotes-listed");
    let text = format!(
        "{SERVICE}\n[[routes]]\npattern = \"people[{{keys}}]\"\nremote = {{ service = \"people\" }}\nscope = \"shared\"\n\n\
         [fallback]\nremote = {{ service = \"people\", path = \"/legacy/model.json\" }}\nttl_secs = 60\n"
    );
    files.write("legacy.toml", &text);
    let run = check(&[&files.dir]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let run = routes("list", &[&files.dir], &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let listed: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|line| line.split('\t').take(4).collect())
        .collect();
    assert_eq!(
        listed,
        [
            ["people[{keys}]", "remote", "people", "shared"],
            ["(fallback)", "remote", "people", "user"]
        ]
    );
}

#[test]
fn a_remote_route_takes_no_read_of_its_own() {
    let text = file(
        "pattern = \"people[{keys}]\"\nremote = { service = \"people\" }\nget = { service = \"people\", path = \"/p?ids={ids}\" }\n",
    );
    refused(
        "remote-with-get",
        &text,
        "[[routes]]",
        &[
            "a route with a `remote` is answered by that router alone",
            "`get`",
        ],
    );
}

#[test]
fn a_remote_names_a_declared_service() {
    let unknown = file("pattern = \"people[{keys}]\"\nremote = { service = \"legacy\" }\n");
    refused(
        "remote-unknown-service",
        &unknown,
        "\"legacy\"",
        &["no file declares the service `legacy`", "people"],
    );
}

#[test]
fn a_remotes_path_is_from_the_root() {
    let relative = file(
        "pattern = \"people[{keys}]\"\nremote = { service = \"people\", path = \"model.json\" }\n",
    );
    refused(
        "remote-relative-path",
        &relative,
        "\"model.json\"",
        &["starts with `/`", "\"/model.json\""],
    );
}

#[test]
fn authorization_is_forward_drop_or_fixed() {
    let text = "[services.people]\nurl = \"http://127.0.0.1:9100\"\nauthorization = \"pass\"\n";
    refused(
        "remote-authorization",
        text,
        "\"pass\"",
        &[
            "`authorization = \"pass\"`",
            "\"forward\", \"drop\" or { fixed = \"...\" }",
        ],
    );
}

#[test]
fn there_is_one_fallback_in_all_the_files() {
    let files = Files::new("two-fallbacks");
    let fallback = "[fallback]\nremote = { service = \"people\" }\n";
    let first_text = format!("{SERVICE}\n{fallback}");
    let first = files.write("a.toml", &first_text);
    let second = files.write("b.toml", fallback);
    let run = check(&[&files.dir]);
    let place = at(&first_text, "[fallback]");
    refused_at(
        &run,
        1,
        &second,
        (1, 1),
        &[
            "a second `[fallback]`",
            &format!("{}:{}:{}", first.display(), place.0, place.1),
        ],
    );
}
