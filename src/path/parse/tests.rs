//! Tests of `parse.rs`.

use super::*;

fn json(input: &str) -> String {
    match PathSet::parse(input) {
        Ok(set) => serde_json::to_string(&set).expect("serializable"),
        Err(err) => panic!("{input}: {err}"),
    }
}

fn error(input: &str) -> Error {
    PathSet::parse(input).expect_err(input)
}

#[test]
fn reads_the_forms_falcor_reads() {
    assert_eq!(json("genreLists[0].name"), r#"["genreLists",0,"name"]"#);
    assert_eq!(
        json("a[0..1,5,7...9]"),
        r#"["a",[{"from":0,"to":1},5,{"from":7,"to":8}]]"#
    );
    assert_eq!(
        json("a['it\\'s'][\"say \\\"hi\\\"\"]"),
        r#"["a","it's","say \"hi\""]"#
    );
    assert_eq!(json(" a . b."), r#"["a","b"]"#);
    assert_eq!(json("a[-3..-1]"), r#"["a",{"from":-3,"to":-1}]"#);
    assert_eq!(json("a.true.null"), r#"["a","true","null"]"#);
    assert_eq!(json("a\tb:c{"), "[\"a\\tb:c{\"]");
    assert_eq!(json("a['b.c','d[0]']"), r#"["a",["b.c","d[0]"]]"#);
    assert_eq!(json("a['\\\\']"), r#"["a","\\"]"#);
    assert_eq!(json("vidéos[0]"), r#"["vidéos",0]"#);
}

#[test]
fn says_what_was_expected_and_where() {
    let cases = [
        (
            "videos[0..2.title",
            11,
            "expected `,` or `]` after `0..2`, found `.`",
        ),
        ("a[1.5]", 3, "found a single `.`"),
        ("a[0..]", 5, "expected a number right after `..`, found `]`"),
        ("a[0....2]", 3, "found `....`"),
        ("a[,1]", 2, "expected a key before `,`"),
        ("a[1,,2]", 4, "expected a key before `,`"),
        ("a[1,]", 4, "expected a key after `,`"),
        ("a[0", 3, "the indexer opened at offset 1 is not closed"),
        ("a[\"x", 2, "never closed"),
        ("a[]", 2, "`[]` has none"),
        ("a[[0]]", 2, "cannot be nested"),
        ("a[0 1]", 4, "expected `,` or `]` after `0`, found `1`"),
        ("a[true]", 2, "found `true`"),
        ("a[0x10]", 2, "found `0x10`"),
        ("a[1.. 3]", 5, "right after `..`, found ` `"),
        (".a", 0, "cannot start with `.`"),
        ("a.0", 2, "write `[0]`"),
        ("a]", 1, "expected a key, `.` or `[`, found `]`"),
        ("a,b", 1, "found `,`"),
        ("a['\\b']", 3, "invalid escape `\\b`"),
        ("a[99999999999999999999]", 2, "does not fit"),
        ("é[x]", 2, "found `x`"),
    ];
    for (input, offset, says) in cases {
        let err = error(input);
        assert!(err.to_string().contains(says), "{input}: {err}");
        assert_eq!(err.offset(), offset, "{input}: {err}");
    }
}

#[test]
fn the_caret_stands_under_the_spot_for_wide_characters_too() {
    let err = error("日本[x]");
    assert_eq!(err.offset(), 3);
    assert!(err.to_string().ends_with("\n  日本[x]\n       ^"), "{err}");
}

#[test]
fn a_long_input_gives_a_short_message_naming_the_offset() {
    let long = "9".repeat(70_000);
    for input in [
        format!("videos[{long}x]"),
        format!("videos.{long}"),
        format!("videos[0{}]", ".".repeat(70_000)),
        format!("videos[{}]", "日".repeat(33_000)),
        format!("videos['a'{long}]"),
    ] {
        let err = error(&input);
        let text = err.to_string();
        assert!(text.len() < 1_000, "{} bytes: {text}", text.len());
        assert!(text.starts_with(&format!("invalid path at offset {}", err.offset())));
    }
}

#[test]
fn an_empty_path_is_refused() {
    for input in ["", " ", "  "] {
        assert_eq!(
            error(input).kind(),
            crate::path::ErrorKind::EmptyPath,
            "{input:?}"
        );
    }
}

#[test]
fn route_tokens_only_in_route_syntax() {
    assert_eq!(
        error("a[{integers}]").kind(),
        crate::path::ErrorKind::RouteToken
    );
    let pattern = Pattern::parse("a[{keys:k}][{integers}]['b:c']").expect("valid pattern");
    assert_eq!(
        serde_json::to_string(&pattern).expect("serializable"),
        r#"["a",{"type":"keys","named":true,"name":"k"},{"type":"integers","named":false,"name":""},"b:c"]"#
    );
    for (input, says) in [
        ("a[{integer}]", "found `integer`"),
        ("a[{integers},1]", "alone in its indexer"),
        ("a[1,{integers}]", "alone in its indexer"),
        ("a[{ integers}]", "found ` `"),
        ("a[{integers:}]", "expected a name after `:`"),
        ("a[{integers]", "expected `}` to close"),
    ] {
        let err = Pattern::parse(input).expect_err(input);
        assert!(err.to_string().contains(says), "{input}: {err}");
    }
}

#[test]
fn an_empty_quoted_key_is_refused_as_falcor_refuses_it() {
    for input in [r#"a[""]"#, "a['']", r#"a[0,""]"#] {
        let err = error(input);
        assert_eq!(err.kind(), crate::path::ErrorKind::Syntax, "{input}");
        assert!(
            err.to_string().contains("a quoted key cannot be empty"),
            "{input}: {err}"
        );
    }
    // A key that is only an escaped quote is not empty.
    assert!(PathSet::parse(r#"a["\""]"#).is_ok());
}
