//! Bad input: a corpus of malformed requests, each answered with a 4xx
//! whose JSON error names what was wrong, and the server healthy after
//! all of them.
//!
//! Most cases go through the app without a socket. What cannot be written
//! as a valid `http::Request` (raw bytes in the request line, malformed
//! HTTP, a body cut short) goes over a real socket as raw bytes; there
//! hyper answers some requests itself (400 without a body), which is fine:
//! never a 5xx, a panic, a hang or a connection dropped without an answer.
//!
//! What the server answers wrongly today, outside the wire decoding, is
//! kept apart in ignored tests that assert the right answer (`reported`,
//! `reported_raw_cases`), to be switched on with their fixes.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use peregrine::graph::PathValue;
use peregrine::http::{self, Config};
use peregrine::router::{Builder, HandlerError, Output};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::{app_of, catalog, get, query, send};

/// The body limit of the corpus's app: small, so that enormous bodies are
/// quick to send.
const MAX_BODY: usize = 64 * 1024;

/// How long a raw exchange may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(5);

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// The catalog, plus routes to set and call: `videos[{integers}].rating`
/// and `items[{keys}]` write back what they are sent (refs included),
/// `videos.rate` answers the rating it was called with.
fn routes() -> Builder {
    let echo = |req: peregrine::router::Set, _ctx| async move {
        Ok::<_, HandlerError>(
            req.values()
                .into_iter()
                .map(|(path, value)| PathValue::new(path.to_path_set(), value.clone()))
                .collect::<Output>(),
        )
    };
    catalog()
        .set("videos[{integers:ids}].rating", echo)
        .set("items[{keys:ids}]", echo)
        .call("videos.rate", |req, _ctx| async move {
            let rating = req.arguments().first().cloned().unwrap_or_default();
            Ok::<_, HandlerError>(Output::new().value(
                super::path_set("videos[1].rating"),
                peregrine::graph::Value::atom(rating),
            ))
        })
}

/// The default config with the corpus's small body limit.
fn config() -> Config {
    Config {
        max_body_bytes: MAX_BODY,
        ..Config::default()
    }
}

/// One malformed request and what it must be answered.
struct Case {
    name: String,
    method: Method,
    uri: String,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
    status: u16,
    kind: &'static str,
    /// What the error message must name.
    named: Vec<&'static str>,
}

impl Case {
    fn new(name: impl Into<String>, method: Method, uri: impl Into<String>) -> Case {
        Case {
            name: name.into(),
            method,
            uri: uri.into(),
            headers: Vec::new(),
            body: Vec::new(),
            status: 0,
            kind: "",
            named: Vec::new(),
        }
    }

    /// A GET of `/model.json?` and this raw query string.
    fn query(name: impl Into<String>, raw: &str) -> Case {
        Case::new(name, Method::GET, format!("/model.json?{raw}"))
    }

    /// A GET with these parameters, percent-encoded as a browser would.
    fn params(name: impl Into<String>, pairs: &[(&str, &str)]) -> Case {
        Case::query(name, &query(pairs))
    }

    /// A POST of a form body of these parameters, as falcor sends it.
    fn form(name: impl Into<String>, pairs: &[(&str, &str)]) -> Case {
        Case::body(name, Some(FORM), query(pairs))
    }

    /// A POST of a JSON body.
    fn json(name: impl Into<String>, body: impl Into<Vec<u8>>) -> Case {
        Case::body(name, Some(JSON), body)
    }

    /// A POST of `body` with this content type (or none).
    fn body(name: impl Into<String>, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Case {
        let mut case = Case::new(name, Method::POST, "/model.json");
        if let Some(content_type) = content_type {
            case.headers
                .push(("content-type", content_type.as_bytes().to_vec()));
        }
        case.body = body.into();
        case
    }

    /// The answer it must get: status, error kind, and what the message
    /// names.
    fn expect(mut self, status: u16, kind: &'static str, named: &[&'static str]) -> Case {
        self.status = status;
        self.kind = kind;
        self.named = named.to_vec();
        self
    }

    fn request(&self) -> Request<Body> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.uri.as_str());
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_slice());
        }
        builder
            .body(Body::from(self.body.clone()))
            .unwrap_or_else(|err| panic!("{}: not a valid request: {err}", self.name))
    }

    /// What is wrong with the answer, if anything.
    async fn check(&self, app: &axum::Router) -> Option<String> {
        let answer = send(app, self.request()).await;
        if answer.status.as_u16() != self.status {
            return Some(format!(
                "expected {}, got {} {}",
                self.status,
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ));
        }
        let content_type = answer.header(header::CONTENT_TYPE).unwrap_or_default();
        if !content_type.starts_with("application/json") {
            return Some(format!("not a JSON answer: {content_type:?}"));
        }
        let body: serde_json::Value = match serde_json::from_slice(&answer.body) {
            Ok(body) => body,
            Err(err) => return Some(format!("not a JSON body ({err})")),
        };
        let (Some(kind), Some(message)) = (
            body["error"]["kind"].as_str(),
            body["error"]["message"].as_str(),
        ) else {
            return Some(format!("not an error body: {body}"));
        };
        if kind != self.kind {
            return Some(format!(
                "expected kind {:?}, got {kind:?}: {message}",
                self.kind
            ));
        }
        let unnamed: Vec<&str> = self
            .named
            .iter()
            .copied()
            .filter(|name| !message.contains(name))
            .collect();
        if !unnamed.is_empty() {
            return Some(format!("the message does not name {unnamed:?}: {message}"));
        }
        None
    }
}

/// `n` arrays nested in each other: `[[[...]]]`.
fn nested_arrays(n: usize) -> String {
    format!("{}{}", "[".repeat(n), "]".repeat(n))
}

/// `n` objects nested in each other, each under the member `a`.
fn nested_objects(n: usize, leaf: &str) -> String {
    format!("{}{leaf}{}", r#"{"a":"#.repeat(n), "}".repeat(n))
}

fn url_encoding() -> Vec<Case> {
    let bad = "invalid_encoding";
    vec![
        Case::query("`%zz` in a value", "method=get&paths=videos%zz").expect(
            400,
            bad,
            &["`paths`", "%zz", "percent"],
        ),
        Case::query("`%` at the end", "method=get&paths=videos%").expect(
            400,
            bad,
            &["`paths`", "percent"],
        ),
        Case::query("`%` and one digit at the end", "method=get&paths=videos%4").expect(
            400,
            bad,
            &["`paths`", "%4"],
        ),
        Case::query("`%zz` in a name", "method=get&pa%zzths=videos[1].title").expect(
            400,
            bad,
            &["%zz"],
        ),
        Case::query("`%zz` in `method`", "method=g%zzet&paths=videos[1].title").expect(
            400,
            bad,
            &["`method`", "%zz"],
        ),
        Case::query("overlong UTF-8 `%C0%AF`", "method=get&paths=videos%C0%AF").expect(
            400,
            bad,
            &["`paths`", "UTF-8"],
        ),
        Case::query("invalid UTF-8 `%FF`", "method=get&paths=%FF").expect(
            400,
            bad,
            &["`paths`", "UTF-8"],
        ),
        Case::query(
            "an encoded surrogate `%ED%A0%80`",
            "method=get&paths=a%ED%A0%80",
        )
        .expect(400, bad, &["`paths`", "UTF-8"]),
        Case::query("a cut UTF-8 sequence `%E2%82`", "method=get&paths=a%E2%82").expect(
            400,
            bad,
            &["`paths`", "UTF-8"],
        ),
        Case::query(
            "invalid UTF-8 in a name",
            "method=get&%FF=1&paths=videos[1].title",
        )
        .expect(400, bad, &["UTF-8"]),
        Case::body(
            "`%zz` in a form body",
            Some(FORM),
            "method=get&paths=videos%zz",
        )
        .expect(400, bad, &["`paths`", "%zz"]),
        Case::body(
            "invalid UTF-8 `%FF` in a form body",
            Some(FORM),
            "method=get&paths=%FF%FE",
        )
        .expect(400, bad, &["`paths`", "UTF-8"]),
    ]
}

fn invalid_json() -> Vec<Case> {
    let get = |name: &str, paths: &str| Case::params(name, &[("method", "get"), ("paths", paths)]);
    let set =
        |name: &str, graph: &str| Case::form(name, &[("method", "set"), ("jsonGraph", graph)]);
    let call = |name: &str, extra: (&'static str, &str)| {
        Case::form(
            name,
            &[
                ("method", "call"),
                ("callPath", r#"["videos","rate"]"#),
                extra,
            ],
        )
    };
    let bad = "invalid_json";
    vec![
        get("truncated `paths`", r#"[["videos",1,"title""#).expect(
            400,
            bad,
            &["`paths`", "JSON", "column"],
        ),
        get(
            "trailing garbage after `paths`",
            r#"[["videos",1,"title"]]]"#,
        )
        .expect(400, bad, &["`paths`", "trailing"]),
        get("single quotes in `paths`", "[['videos',1,'title']]").expect(
            400,
            bad,
            &["`paths`", "JSON"],
        ),
        get("NaN in `paths`", r#"[["videos",NaN,"title"]]"#).expect(400, bad, &["`paths`", "JSON"]),
        get("Infinity in `paths`", r#"[["videos",Infinity]]"#).expect(
            400,
            bad,
            &["`paths`", "JSON"],
        ),
        get(
            "a comment in `paths`",
            r#"[/* the home row */["videos",1,"title"]]"#,
        )
        .expect(400, bad, &["`paths`", "JSON"]),
        get("a trailing comma in `paths`", r#"[["videos",1,"title"],]"#).expect(
            400,
            bad,
            &["`paths`", "JSON"],
        ),
        get(
            "a number out of range in `paths`",
            r#"[["videos",1e400,"title"]]"#,
        )
        .expect(400, bad, &["`paths`", "out of range"]),
        get("a lone surrogate in `paths`", r#"[["videos\ud800",1]]"#).expect(
            400,
            bad,
            &["`paths`", "JSON", "hex escape"],
        ),
        get("an unquoted key in `paths`", r#"[[videos,1,title]]"#).expect(
            400,
            bad,
            &["`paths`", "JSON"],
        ),
        set("truncated `jsonGraph`", r#"{"jsonGraph":{"videos":{"1":"#).expect(
            400,
            bad,
            &["`jsonGraph`", "JSON"],
        ),
        set("single quotes in `jsonGraph`", "{'jsonGraph':{}}").expect(
            400,
            bad,
            &["`jsonGraph`", "JSON"],
        ),
        set("trailing garbage after `jsonGraph`", r#"{"jsonGraph":{}}}"#).expect(
            400,
            bad,
            &["`jsonGraph`", "trailing"],
        ),
        set(
            "NaN in `jsonGraph`",
            r#"{"jsonGraph":{"videos":{"1":{"rating":NaN}}}}"#,
        )
        .expect(400, bad, &["`jsonGraph`"]),
        set(
            "a comment in `jsonGraph`",
            r#"{"jsonGraph":{} // set nothing
        }"#,
        )
        .expect(400, bad, &["`jsonGraph`"]),
        call("truncated `arguments`", ("arguments", "[1,")).expect(
            400,
            bad,
            &["`arguments`", "JSON"],
        ),
        call("single quotes in `arguments`", ("arguments", "['five']")).expect(
            400,
            bad,
            &["`arguments`", "JSON"],
        ),
        call("a bare word in `arguments`", ("arguments", "five")).expect(
            400,
            bad,
            &["`arguments`", "JSON"],
        ),
        call(
            "truncated `pathSuffixes`",
            ("pathSuffixes", r#"[["title"]"#),
        )
        .expect(400, bad, &["`pathSuffixes`", "JSON"]),
        Case::form(
            "truncated `callPath`",
            &[("method", "call"), ("callPath", r#"["videos","rate""#)],
        )
        .expect(400, bad, &["`callPath`", "JSON"]),
        Case::form(
            "`callPath` with trailing garbage",
            &[("method", "call"), ("callPath", r#"["videos","rate"]x"#)],
        )
        .expect(400, bad, &["`callPath`", "trailing"]),
        Case::json(
            "a JSON body with trailing garbage",
            r#"{"method":"get","paths":[["videos",1,"title"]]} and more"#,
        )
        .expect(400, bad, &["body", "trailing"]),
        Case::json("a JSON body in single quotes", "{'method':'get'}").expect(
            400,
            bad,
            &["body", "JSON"],
        ),
        Case::json("an empty JSON body", "   ").expect(400, bad, &["body", "JSON"]),
        Case::json(
            "a JSON body holding a string of bad JSON",
            r#"{"method":"get","paths":"[[\"videos\",1"}"#,
        )
        .expect(400, bad, &["`paths`", "JSON"]),
    ]
}

fn wrong_shapes() -> Vec<Case> {
    let get = |name: &str, paths: &str| Case::params(name, &[("method", "get"), ("paths", paths)]);
    let path = "invalid_path";
    let request = "invalid_request";
    vec![
        get("`paths` an object", r#"{"videos":1}"#).expect(
            400,
            path,
            &["`paths`", "list of paths", "an object"],
        ),
        get("`paths` a number", "42").expect(400, path, &["`paths`", "list of paths", "a number"]),
        get("`paths` true", "true").expect(400, path, &["`paths`", "a boolean"]),
        get("`paths` null", "null").expect(400, path, &["`paths`", "null"]),
        get("`paths` a JSON string of bad path syntax", r#""videos[1""#).expect(
            400,
            path,
            &["`paths`", "offset"],
        ),
        get("a path that is a number", "[42]").expect(
            400,
            path,
            &["`paths`", "array of keys", "a number"],
        ),
        get("a path that is an object", r#"[{"videos":1}]"#).expect(
            400,
            path,
            &["`paths`", "an object"],
        ),
        get(
            "the second path not an array",
            r#"[["videos",1,"title"],42]"#,
        )
        .expect(400, path, &["paths[1]", "a number"]),
        get(
            "the third path null",
            r#"[["videos",1,"title"],["videos",2,"title"],null]"#,
        )
        .expect(400, path, &["paths[2]", "null"]),
        get(
            "a range of non-integer bounds",
            r#"[["videos",{"from":1.5,"to":3},"title"]]"#,
        )
        .expect(400, path, &["`paths`", "1.5"]),
        get(
            "a range with only a fractional `from`",
            r#"[["videos",{"from":1.5},"title"]]"#,
        )
        .expect(400, path, &["`paths`", "1.5"]),
        get(
            "a range of strings",
            r#"[["videos",{"from":"a","to":"z"},"title"]]"#,
        )
        .expect(400, path, &["`paths`", "\"a\""]),
        get(
            "a key that is an object",
            r#"[["videos",{"id":1},"title"]]"#,
        )
        .expect(400, path, &["`paths`"]),
        get(
            "a key that is an empty object",
            r#"[["videos",{},"title"]]"#,
        )
        .expect(400, path, &["`paths`"]),
        get(
            "arrays nested in a key set",
            r#"[["videos",[[1,2]],"title"]]"#,
        )
        .expect(400, path, &["`paths`"]),
        get("a fractional key", r#"[["videos",1.5,"title"]]"#).expect(
            400,
            path,
            &["`paths`", "1.5"],
        ),
        get(
            "a key past 64-bit integers",
            r#"[["videos",18446744073709551616,"title"]]"#,
        )
        .expect(400, path, &["`paths`"]),
        get("an empty path", "[[]]").expect(400, path, &["`paths`", "at least one key set"]),
        get("a null key", r#"[["videos",null,"title"]]"#).expect(400, "null_key", &["null"]),
        get(
            "a null key in a key set",
            r#"[["videos",[1,null],"title"]]"#,
        )
        .expect(400, "null_key", &["null"]),
        get(
            "a path of 1000 keys",
            &format!("[[{}]]", vec!["\"a\""; 1000].join(",")),
        )
        .expect(400, "path_too_long", &["64"]),
        Case::json("a JSON body that is an array", r#"[["videos",1,"title"]]"#).expect(
            400,
            request,
            &["object of parameters", "an array"],
        ),
        Case::json("a JSON body that is a string", r#""method=get""#).expect(
            400,
            request,
            &["object of parameters", "a string"],
        ),
        Case::json("a JSON body that is a number", "42").expect(
            400,
            request,
            &["object of parameters", "a number (42)"],
        ),
        Case::json("a JSON body that is true", "true").expect(
            400,
            request,
            &["object of parameters", "a boolean"],
        ),
        Case::json("a JSON body that is null", "null").expect(
            400,
            request,
            &["object of parameters", "null"],
        ),
        Case::json("an empty JSON object", "{}").expect(400, request, &["no parameters", "method"]),
        Case::json(
            "`paths` an object in a JSON body",
            r#"{"method":"get","paths":{"0":["videos",1,"title"]}}"#,
        )
        .expect(400, path, &["`paths`", "an object"]),
        Case::json(
            "a path a number in a JSON body",
            r#"{"method":"get","paths":[["videos",1,"title"],7]}"#,
        )
        .expect(400, path, &["paths[1]", "a number"]),
    ]
}

fn path_syntax() -> Vec<Case> {
    let bare = |name: &str, text: &str, named: &'static str| {
        Case::params(name, &[("method", "get"), ("paths", text)]).expect(
            400,
            "invalid_path",
            &["`paths`", "offset", named],
        )
    };
    vec![
        bare("an unclosed bracket", "videos[1", "`]`"),
        bare(
            "an unclosed bracket before a dot",
            "videos[1.title",
            "offset 8",
        ),
        bare("a fractional index", "videos[1.5].title", "offset 8"),
        bare("an open-ended range", "videos[0..].title", "offset 10"),
        bare("an unterminated double quote", r#"videos["x"#, "offset"),
        bare("an unterminated single quote", "videos['x].title", "offset"),
        bare("a leading comma", "videos[,1].title", "offset 7"),
        bare("a trailing comma", "videos[1,].title", "offset 9"),
        bare("a hexadecimal index", "videos[0x10].title", "offset 7"),
        bare("an empty indexer", "videos[].title", "offset 7"),
        bare("a stray closing bracket", "videos]1", "offset 6"),
        bare("a range of three parts", "videos[1..2..3]", "offset"),
        bare(
            "a route token in a request",
            "videos[{integers}].title",
            "offset 7",
        ),
        bare("text after a quoted key", "videos['a'b]", "offset 10"),
        bare(
            "an exclusive range of four dots",
            "videos[0....9]",
            "offset",
        ),
        bare(
            "an index past 64-bit integers",
            "videos[99999999999999999999]",
            "offset 7",
        ),
        Case::params(
            "bad path syntax in the second of a list",
            &[
                ("method", "get"),
                ("paths", r#"["videos[1].title","videos[2"]"#),
            ],
        )
        .expect(400, "invalid_path", &["paths[1]", "offset"]),
        Case::form(
            "bad path syntax in `callPath`",
            &[("method", "call"), ("callPath", "videos.rate[")],
        )
        .expect(400, "invalid_path", &["`callPath`", "offset"]),
        Case::form(
            "bad path syntax in `pathSuffixes`",
            &[
                ("method", "call"),
                ("callPath", r#"["videos","rate"]"#),
                ("pathSuffixes", "title]"),
            ],
        )
        .expect(400, "invalid_path", &["`pathSuffixes`", "offset"]),
    ]
}

fn huge_ranges() -> Vec<Case> {
    let too_many = |name: &str, paths: &str, named: &'static str| {
        Case::params(name, &[("method", "get"), ("paths", paths)]).expect(
            400,
            "too_many_paths",
            &["limit of 9000", named],
        )
    };
    let ranges: Vec<String> = (0..20)
        .map(|i| format!("{}..{}", i * 1000, i * 1000 + 999))
        .collect();
    let keys: Vec<String> = (0..9001).map(|i| (i * 2).to_string()).collect();
    vec![
        too_many(
            "a range to 2^32-1",
            "videos[0..4294967295].title",
            "4294967296 paths",
        ),
        too_many(
            "a range to 2^53",
            "videos[0..9007199254740992].title",
            "9007199254740993 paths",
        ),
        too_many(
            "a range to i64::MAX",
            "videos[0..9223372036854775807].title",
            "paths",
        ),
        too_many(
            "an exclusive range to i64::MAX",
            "videos[0...9223372036854775807].title",
            "paths",
        ),
        too_many(
            "a range over every i64",
            "videos[-9223372036854775808..9223372036854775807].title",
            "paths",
        ),
        too_many(
            "three ranges whose product overflows",
            "videos[0..4294967295][0..4294967295][0..4294967295]",
            "paths",
        ),
        too_many(
            "twenty ranges in one key set",
            &format!("videos[{}].title", ranges.join(",")),
            "20000 paths",
        ),
        Case::json(
            "9001 keys in one key set",
            json!({"method": "get", "paths": [format!("videos[{}].title", keys.join(","))]})
                .to_string(),
        )
        .expect(400, "too_many_paths", &["limit of 9000", "9001 paths"]),
        Case::params(
            "a JSON range to u64::MAX",
            &[
                ("method", "get"),
                (
                    "paths",
                    r#"[["videos",{"from":0,"to":18446744073709551615}]]"#,
                ),
            ],
        )
        .expect(
            400,
            "invalid_path",
            &["`paths`", "18446744073709551615 is too large"],
        ),
        too_many(
            "a JSON range of i64::MAX length",
            r#"[["videos",{"from":0,"length":9223372036854775807}]]"#,
            "paths",
        ),
        too_many(
            "a JSON range over every i64",
            r#"[["videos",{"from":-9223372036854775808,"to":9223372036854775807}]]"#,
            "paths",
        ),
        too_many(
            "ten path sets of 1000",
            &format!("[{}]", [r#""videos[0..999].title""#; 10].join(",")),
            "10000 paths",
        ),
        Case::form(
            "a set of a huge range",
            &[
                ("method", "set"),
                (
                    "jsonGraph",
                    r#"{"jsonGraph":{},"paths":[["videos",{"from":0,"to":4294967295},"rating"]]}"#,
                ),
            ],
        )
        .expect(400, "too_many_paths", &["limit of 9000"]),
        Case::form(
            "a call with huge `pathSuffixes`",
            &[
                ("method", "call"),
                ("callPath", r#"["videos","rate"]"#),
                ("pathSuffixes", "[0..4294967295].title"),
            ],
        )
        .expect(400, "too_many_paths", &["limit of 9000"]),
        Case::form(
            "a call with huge `paths`",
            &[
                ("method", "call"),
                ("callPath", r#"["videos","rate"]"#),
                ("paths", "[[{\"from\":0,\"to\":99999}]]"),
            ],
        )
        .expect(400, "too_many_paths", &["limit of 9000"]),
        Case::form(
            "a `callPath` of a huge range",
            &[
                ("method", "call"),
                ("callPath", "videos[0..4294967295].rate"),
            ],
        )
        .expect(400, "too_many_paths", &["limit of 9000"]),
        Case::form(
            "a `callPath` of a small range",
            &[("method", "call"), ("callPath", "videos[0..2].rate")],
        )
        .expect(400, "invalid_call_path", &["names one function", "names 3"]),
    ]
}

fn enormous() -> Vec<Case> {
    let deep = nested_arrays(10_000);
    let big_form = format!("method=get&paths={}", "a".repeat(MAX_BODY));
    vec![
        Case::query(
            "8,000 nested arrays in `paths` in the URL",
            &format!("method=get&paths={}", nested_arrays(8_000)),
        )
        .expect(400, "invalid_json", &["`paths`", "recursion limit"]),
        Case::json("10,000 nested arrays as a JSON body", deep.clone()).expect(
            400,
            "invalid_json",
            &["body", "recursion limit"],
        ),
        Case::json(
            "10,000 nested arrays in a JSON body's `paths`",
            format!(r#"{{"method":"get","paths":{deep}}}"#),
        )
        .expect(400, "invalid_json", &["body", "recursion limit"]),
        Case::json(
            "10,000 nested objects in a jsonGraph",
            format!(
                r#"{{"method":"set","jsonGraph":{{"jsonGraph":{}}}}}"#,
                nested_objects(10_000, "1")
            ),
        )
        .expect(400, "invalid_json", &["body", "recursion limit"]),
        Case::form(
            "3,000 nested objects in a form's jsonGraph",
            &[
                ("method", "set"),
                (
                    "jsonGraph",
                    &format!(r#"{{"jsonGraph":{}}}"#, nested_objects(3_000, "1")),
                ),
            ],
        )
        .expect(400, "invalid_json", &["`jsonGraph`", "recursion limit"]),
        Case::form(
            "10,000 nested arrays in `arguments`",
            &[
                ("method", "call"),
                ("callPath", r#"["videos","rate"]"#),
                ("arguments", &deep),
            ],
        )
        .expect(400, "invalid_json", &["`arguments`", "recursion limit"]),
        Case::json(
            "a jsonGraph 100 objects deep",
            format!(
                r#"{{"method":"set","jsonGraph":{{"jsonGraph":{}}}}}"#,
                nested_objects(100, "1")
            ),
        )
        .expect(400, "path_too_long", &["64"]),
        Case::body(
            "a form body over max_body_bytes",
            Some(FORM),
            big_form.clone(),
        )
        .expect(413, "body_too_large", &["65536 bytes", "max_body_bytes"]),
        Case::json(
            "a JSON body over max_body_bytes",
            format!(r#"{{"method":"get","paths":["{}"]}}"#, "a".repeat(MAX_BODY)),
        )
        .expect(413, "body_too_large", &["max_body_bytes"]),
        Case::body(
            "a body over max_body_bytes without a content type",
            None,
            big_form,
        )
        .expect(413, "body_too_large", &["max_body_bytes"]),
        Case::body(
            "a body of another type over max_body_bytes",
            Some("text/plain"),
            vec![b'x'; MAX_BODY + 1],
        )
        .expect(413, "body_too_large", &["max_body_bytes"]),
        Case::query(
            "a URL over max_url_bytes",
            &format!("method=get&paths={}", "a".repeat(17 * 1024)),
        )
        .expect(414, "url_too_long", &["max_url_bytes", "POST"]),
    ]
}

fn invalid_utf8() -> Vec<Case> {
    vec![
        Case::body(
            "a form body of invalid UTF-8",
            Some(FORM),
            b"method=get&paths=videos\xff".to_vec(),
        )
        .expect(400, "invalid_encoding", &["form body", "UTF-8"]),
        Case::body(
            "a form body of Latin-1",
            Some(FORM),
            b"method=get&paths=vid\xe9os".to_vec(),
        )
        .expect(400, "invalid_encoding", &["form body", "UTF-8"]),
        Case::body(
            "a body without a content type, of invalid UTF-8",
            None,
            b"method=\xc0\xafget".to_vec(),
        )
        .expect(400, "invalid_encoding", &["UTF-8"]),
        Case::json(
            "invalid UTF-8 in a JSON string",
            b"{\"method\":\"get\",\"paths\":[[\"vid\xffeos\"]]}".to_vec(),
        )
        .expect(400, "invalid_json", &["body", "unicode"]),
        Case::json(
            "invalid UTF-8 outside a JSON string",
            b"{\"method\":\"get\"\xff}".to_vec(),
        )
        .expect(400, "invalid_json", &["body"]),
        Case::json(
            "a JSON body in UTF-16",
            "{\"method\":\"get\"}"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>(),
        )
        .expect(400, "invalid_json", &["body"]),
        Case::json(
            "a JSON body after a byte order mark",
            b"\xef\xbb\xbf{\"method\":\"get\"}".to_vec(),
        )
        .expect(400, "invalid_json", &["body", "line 1 column 1"]),
    ]
}

fn methods() -> Vec<Case> {
    let paths = r#"[["videos",1,"title"]]"#;
    vec![
        Case::params("method=delete", &[("method", "delete"), ("paths", paths)]).expect(
            400,
            "method_unknown",
            &["\"delete\"", "get, set or call"],
        ),
        Case::params(
            "method=GET in capitals",
            &[("method", "GET"), ("paths", paths)],
        )
        .expect(400, "method_unknown", &["\"GET\"", "get, set or call"]),
        Case::params(
            "method with a trailing space",
            &[("method", "get "), ("paths", paths)],
        )
        .expect(400, "method_unknown", &["\"get \""]),
        Case::params("an empty method", &[("method", ""), ("paths", paths)]).expect(
            400,
            "method_missing",
            &["`method`", "get, set or call"],
        ),
        Case::query(
            "method[]=get, as PHP writes lists",
            &format!("method[]=get&{}", query(&[("paths", paths)])),
        )
        .expect(400, "method_missing", &["`method`"]),
        Case::json(
            "a JSON method of 1",
            r#"{"method":1,"paths":[["videos",1,"title"]]}"#,
        )
        .expect(400, "method_unknown", &["`method`", "a number"]),
        Case::json(
            "a JSON method of null",
            r#"{"method":null,"paths":[["videos",1,"title"]]}"#,
        )
        .expect(400, "method_unknown", &["`method`", "null"]),
        Case::json(
            "a JSON method in a list",
            r#"{"method":["get"],"paths":[["videos",1,"title"]]}"#,
        )
        .expect(400, "method_unknown", &["`method`", "an array"]),
        Case::json(
            "a JSON body without method",
            r#"{"paths":[["videos",1,"title"]]}"#,
        )
        .expect(400, "method_missing", &["`method`"]),
        Case::form(
            "a set without jsonGraph",
            &[("method", "set"), ("paths", paths)],
        )
        .expect(400, "parameter_missing", &["method=set", "`jsonGraph`"]),
        Case::form(
            "a set with an empty jsonGraph",
            &[("method", "set"), ("jsonGraph", "")],
        )
        .expect(400, "parameter_missing", &["`jsonGraph`"]),
        Case::form(
            "a call without callPath",
            &[("method", "call"), ("arguments", "[1]")],
        )
        .expect(400, "parameter_missing", &["method=call", "`callPath`"]),
        Case::params(
            "a get with empty paths",
            &[("method", "get"), ("paths", "")],
        )
        .expect(400, "parameter_missing", &["`paths`"]),
        Case::params(
            "a get with `path` for `paths`",
            &[("method", "get"), ("path", paths)],
        )
        .expect(400, "parameter_missing", &["`paths`"]),
        Case::query("parameters without values", "method&paths").expect(
            400,
            "method_missing",
            &["`method`"],
        ),
        Case::query("only separators", "&&&=&=").expect(400, "method_missing", &["`method`"]),
    ]
}

fn call_shapes() -> Vec<Case> {
    let call = |name: &str, pairs: &[(&str, &str)]| {
        let mut all = vec![("method", "call")];
        all.extend_from_slice(pairs);
        Case::form(name, &all)
    };
    let rate = ("callPath", r#"["videos","rate"]"#);
    vec![
        call("`callPath` a number", &[("callPath", "42")]).expect(
            400,
            "invalid_path",
            &["`callPath`", "a number"],
        ),
        call(
            "`callPath` an object",
            &[("callPath", r#"{"videos":"rate"}"#)],
        )
        .expect(400, "invalid_path", &["`callPath`", "an object"]),
        call("`callPath` null", &[("callPath", "null")]).expect(
            400,
            "invalid_path",
            &["`callPath`", "null"],
        ),
        call(
            "`callPath` with a key set",
            &[("callPath", r#"["videos",["rate","remove"]]"#)],
        )
        .expect(400, "invalid_call_path", &["names one function", "names 2"]),
        call(
            "`callPath` with a null key",
            &[("callPath", r#"["videos",null]"#)],
        )
        .expect(400, "null_key", &["null"]),
        call(
            "`callPath` no route serves",
            &[("callPath", r#"["videos","rate","now"]"#)],
        )
        .expect(400, "call_not_found", &["videos.rate.now"]),
        call("`callPath` empty", &[("callPath", "[]")]).expect(
            400,
            "invalid_path",
            &["`callPath`", "at least one key set"],
        ),
        call("`pathSuffixes` a number", &[rate, ("pathSuffixes", "42")]).expect(
            400,
            "invalid_path",
            &["`pathSuffixes`", "a number"],
        ),
        call(
            "`pathSuffixes` with an object",
            &[rate, ("pathSuffixes", r#"[["title"],{"a":1}]"#)],
        )
        .expect(400, "invalid_path", &["pathSuffixes[1]", "an object"]),
        call(
            "`pathSuffixes` with a null key",
            &[rate, ("pathSuffixes", r#"[["title",null]]"#)],
        )
        .expect(400, "null_key", &["null"]),
        call(
            "`paths` of a call an object",
            &[rate, ("paths", r#"{"a":1}"#)],
        )
        .expect(400, "invalid_path", &["`paths`", "an object"]),
        call("`arguments` a bare word", &[rate, ("arguments", "five")]).expect(
            400,
            "invalid_json",
            &["`arguments`"],
        ),
    ]
}

fn set_shapes() -> Vec<Case> {
    let set =
        |name: &str, graph: &str| Case::form(name, &[("method", "set"), ("jsonGraph", graph)]);
    let envelope = "invalid_json_graph";
    vec![
        set("jsonGraph an array", "[]").expect(400, envelope, &["`jsonGraph`", "envelope"]),
        set("jsonGraph a number", "5").expect(400, envelope, &["`jsonGraph`", "envelope"]),
        set("jsonGraph without its `jsonGraph` member", r#"{"videos":{"1":{"rating":5}}}"#).expect(400, envelope, &["`jsonGraph`", "missing field `jsonGraph`"]),
        set("a jsonGraph that is an array", r#"{"jsonGraph":[]}"#).expect(400, envelope, &["a JSON Graph is an object", "an array"]),
        set("a bare array value", r#"{"jsonGraph":{"videos":{"1":{"rating":[5]}}}}"#).expect(400, envelope, &["videos[1].rating", "bare array"]),
        set("an unknown $type", r#"{"jsonGraph":{"videos":{"1":{"rating":{"$type":"number","value":5}}}}}"#).expect(400, envelope, &["videos[1].rating", "\"number\""]),
        set("a $type that is not a string", r#"{"jsonGraph":{"videos":{"1":{"rating":{"$type":1}}}}}"#).expect(400, envelope, &["videos[1].rating", "`$type`"]),
        set("a ref to a string", r#"{"jsonGraph":{"videos":{"1":{"$type":"ref","value":"videos[2]"}}}}"#).expect(400, envelope, &["videos[1]", "path"]),
        set("a ref without a value", r#"{"jsonGraph":{"videos":{"1":{"$type":"ref"}}}}"#).expect(400, envelope, &["videos[1]", "path"]),
        set("a ref through an object key", r#"{"jsonGraph":{"videos":{"1":{"$type":"ref","value":["videos",{"a":1}]}}}}"#).expect(400, envelope, &["videos[1]", "path of keys"]),
        set("`paths` a number", r#"{"jsonGraph":{},"paths":5}"#).expect(400, envelope, &["`jsonGraph`"]),
        set("`paths` with bad path syntax", r#"{"jsonGraph":{},"paths":["videos[1"]}"#).expect(400, envelope, &["`jsonGraph`", "\"videos[1\"", "expected a path set"]),
        set("a path without a value", r#"{"jsonGraph":{"videos":{"1":{"title":"x"}}},"paths":[["videos",1,"rating"]]}"#).expect(400, "set_value_missing", &["videos[1].rating"]),
        set("a path ending at a branch", r#"{"jsonGraph":{"videos":{"1":{"rating":{"stars":5}}}},"paths":[["videos",1,"rating"]]}"#).expect(400, "set_value_missing", &["videos[1].rating", "branch"]),
        set("a null key in `paths`", r#"{"jsonGraph":{"videos":{"1":{"rating":5}}},"paths":[["videos",null,"rating"]]}"#).expect(400, "null_key", &["null"]),
        set("`invalidated` of bad paths", r#"{"jsonGraph":{},"invalidated":[5]}"#).expect(400, envelope, &["`jsonGraph`"]),
    ]
}

fn ref_loops() -> Vec<Case> {
    let set = |name: &str, graph: serde_json::Value| {
        Case::form(
            name,
            &[("method", "set"), ("jsonGraph", &graph.to_string())],
        )
    };
    let reference = |path: serde_json::Value| json!({"$type": "ref", "value": path});
    vec![
        set(
            "a set through a ref loop a -> b -> a",
            json!({
                "jsonGraph": {"items": {"a": reference(json!(["items", "b"])), "b": reference(json!(["items", "a"]))}},
                "paths": [["items", "a", "name"]],
            }),
        )
        .expect(400, "set_value_missing", &["items.a.name"]),
        set(
            "a set through a ref to itself",
            json!({
                "jsonGraph": {"videos": {"1": reference(json!(["videos", 1]))}},
                "paths": [["videos", 1, "rating"]],
            }),
        )
        .expect(400, "set_value_missing", &["videos[1].rating"]),
        set(
            "a set through a ref to the root",
            json!({
                "jsonGraph": {"videos": {"1": reference(json!([]))}},
                "paths": [["videos", 1, "videos", 1, "rating"]],
            }),
        )
        .expect(400, "set_value_missing", &["videos[1].videos[1].rating"]),
        set(
            "a set through a long chain of refs",
            json!({
                "jsonGraph": {"items": (0..100).map(|i| (i.to_string(), reference(json!(["items", i + 1])))).collect::<serde_json::Map<_, _>>()},
                "paths": [["items", 0, "name"]],
            }),
        )
        .expect(400, "set_value_missing", &["items[0].name"]),
    ]
}

fn content_types() -> Vec<Case> {
    let get = "method=get&paths=videos[1].title";
    let json_get = r#"{"method":"get","paths":[["videos",1,"title"]]}"#;
    let unsupported = |name: &str, content_type: &str, named: &'static str| {
        Case::body(name, Some(content_type), get).expect(
            415,
            "unsupported_media_type",
            &[
                named,
                "application/x-www-form-urlencoded",
                "application/json",
            ],
        )
    };
    // Regression: a gzip body was read as text and refused as invalid JSON.
    let encoded = |coding: &'static str| {
        let mut case = Case::json(format!("a body with Content-Encoding {coding}"), json_get);
        case.headers
            .push(("content-encoding", coding.as_bytes().to_vec()));
        case.expect(415, "unsupported_encoding", &["Content-Encoding", coding])
    };
    vec![
        encoded("gzip"),
        encoded("br"),
        encoded("identity, gzip"),
        unsupported("application/xml", "application/xml", "application/xml"),
        unsupported(
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "multipart/form-data",
        ),
        unsupported(
            "application/octet-stream",
            "application/octet-stream",
            "application/octet-stream",
        ),
        unsupported("text/html", "text/html; charset=utf-8", "text/html"),
        unsupported(
            "a JSON suffix type",
            "application/merge-patch+json",
            "application/merge-patch+json",
        ),
        unsupported("a content type without a subtype", "json", "json"),
        Case::body("a JSON body without a content type", None, json_get).expect(
            400,
            "method_missing",
            &["content type", "application/json"],
        ),
        Case::body("a JSON body sent as a form", Some(FORM), json_get).expect(
            400,
            "method_missing",
            &["content type", "application/json"],
        ),
        Case::json("a form body sent as JSON", get).expect(400, "invalid_json", &["body", "JSON"]),
    ]
}

fn duplicates() -> Vec<Case> {
    let duplicate = "duplicate_parameter";
    vec![
        Case::query("two methods", "method=get&method=set&paths=videos[1].title").expect(
            400,
            duplicate,
            &["`method`", "twice"],
        ),
        Case::query(
            "two `paths`",
            "method=get&paths=videos[1].title&paths=videos[2].title",
        )
        .expect(400, duplicate, &["`paths`", "twice"]),
        Case::body(
            "two `jsonGraph` in a form",
            Some(FORM),
            r#"method=set&jsonGraph={"jsonGraph":{}}&jsonGraph={"jsonGraph":{}}"#,
        )
        .expect(400, duplicate, &["`jsonGraph`", "twice"]),
        Case::body(
            "two `callPath` in a form",
            Some(FORM),
            "method=call&callPath=videos.rate&callPath=videos.remove",
        )
        .expect(400, duplicate, &["`callPath`", "twice"]),
        Case::body(
            "two `arguments` in a form",
            Some(FORM),
            "method=call&callPath=videos.rate&arguments=[1]&arguments=[5]",
        )
        .expect(400, duplicate, &["`arguments`", "twice"]),
        Case::body(
            "two `pathSuffixes`, the second empty",
            Some(FORM),
            "method=call&callPath=videos.rate&pathSuffixes=title&pathSuffixes=",
        )
        .expect(400, duplicate, &["`pathSuffixes`", "twice"]),
        Case::json(
            "two methods in a JSON body",
            r#"{"method":"get","paths":["videos[1].title"],"method":"set"}"#,
        )
        .expect(400, duplicate, &["`method`", "twice"]),
        Case::json(
            "two `paths` in a JSON body",
            r#"{"method":"get","paths":["videos[1].title"],"paths":["videos[2].title"]}"#,
        )
        .expect(400, duplicate, &["`paths`", "twice"]),
        Case::query(
            "two `paths` in the query string, the first empty",
            "method=get&paths=&paths=videos[1].title",
        )
        .expect(400, duplicate, &["`paths`", "twice"]),
    ]
}

/// HTTP methods other than GET and POST (405, naming both), and a range
/// with both `to` and `length` (400: which one was meant?).
fn reported() -> Vec<Case> {
    let valid = "/model.json?method=get&paths=videos[1].title";
    let mut cases: Vec<Case> = ["PUT", "DELETE", "PATCH", "BREW", "get"]
        .into_iter()
        .map(|method| {
            Case::new(
                format!("HTTP {method}"),
                Method::from_bytes(method.as_bytes()).expect("a method"),
                valid,
            )
            .expect(405, "method_not_allowed", &["GET", "POST"])
        })
        .collect();
    // `videos..title`, `videos.` and `videos[1]title` are not here: falcor
    // reads dots and spaces at top level as separators, runs of them
    // included (falcor-spec.md §2, conformance case `a..b`), and so does
    // Peregrine's grammar.
    cases.extend([Case::params(
        "a range with both `to` and `length`",
        &[
            ("method", "get"),
            (
                "paths",
                r#"[["videos",{"from":0,"to":1,"length":2},"title"]]"#,
            ),
        ],
    )
    .expect(400, "invalid_path", &["`paths`", "length"])]);
    cases
}

/// Every case of the corpus by category (the HTTP methods and ambiguous
/// ranges apart: see `reported`).
fn corpus() -> Vec<(&'static str, Vec<Case>)> {
    vec![
        ("url encoding", url_encoding()),
        ("invalid JSON", invalid_json()),
        ("wrong shapes", wrong_shapes()),
        ("path syntax", path_syntax()),
        ("huge ranges", huge_ranges()),
        ("enormous and deep", enormous()),
        ("invalid UTF-8", invalid_utf8()),
        ("methods and parameters", methods()),
        ("call shapes", call_shapes()),
        ("set shapes", set_shapes()),
        ("ref loops", ref_loops()),
        ("content types", content_types()),
        ("duplicates", duplicates()),
    ]
}

/// Runs `cases` against `app`: what went wrong, case by case.
async fn run(app: &axum::Router, cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let answer = tokio::time::timeout(PATIENCE, case.check(app)).await;
        match answer {
            Err(_) => failures.push(format!("{}: no answer within {PATIENCE:?}", case.name)),
            Ok(Some(wrong)) => failures.push(format!("{}: {wrong}", case.name)),
            Ok(None) => {}
        }
    }
    failures
}

/// Fails with every case that went wrong.
fn assert_none_failed(failures: &[String], total: usize) {
    assert!(
        failures.is_empty(),
        "{} of {total} cases went wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The server still answers: health, and a valid get.
async fn still_healthy(app: &axum::Router) {
    let health = get(app, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK, "{health:?}");
    let answer = get(app, "/model.json?method=get&paths=videos[1..2].title").await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(
        answer.json(),
        json!({"jsonGraph": {"videos": {"1": {"title": "Video 1"}, "2": {"title": "Video 2"}}}})
    );
}

#[tokio::test]
async fn every_malformed_request_of_the_corpus_gets_a_4xx_naming_what_was_wrong() {
    let app = app_of(routes(), config());
    let corpus = corpus();
    let total: usize = corpus.iter().map(|(_, cases)| cases.len()).sum();
    assert!(total >= 100, "the corpus has {total} cases");
    let mut failures = Vec::new();
    for (category, cases) in &corpus {
        assert!(!cases.is_empty(), "{category}");
        failures.extend(run(&app, cases).await);
    }
    assert_none_failed(&failures, total);
    still_healthy(&app).await;
}

#[tokio::test]
async fn other_http_methods_get_405() {
    check_reported(405).await;
}

#[tokio::test]
async fn a_range_with_both_to_and_length_gets_400() {
    check_reported(400).await;
}

/// Runs the [`reported`] cases that expect `status`, at least one.
async fn check_reported(status: u16) {
    let app = app_of(routes(), config());
    let cases: Vec<Case> = reported()
        .into_iter()
        .filter(|case| case.status == status)
        .collect();
    assert!(!cases.is_empty(), "no reported case expects {status}");
    assert_none_failed(&run(&app, &cases).await, cases.len());
    still_healthy(&app).await;
}

#[tokio::test]
async fn a_set_of_a_ref_loop_is_answered_as_data_without_following_it() {
    let app = app_of(routes(), config());
    let graph = json!({"jsonGraph": {"items": {
        "a": {"$type": "ref", "value": ["items", "b"]},
        "b": {"$type": "ref", "value": ["items", "a"]},
        "c": {"$type": "ref", "value": ["items", "c"]},
    }}});
    let answer = send(
        &app,
        super::post(
            "/model.json",
            FORM,
            query(&[("method", "set"), ("jsonGraph", &graph.to_string())]),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.json(), graph);
    still_healthy(&app).await;
}

/// A raw request over a socket: what `http::Request` cannot express.
struct Raw {
    name: &'static str,
    bytes: Vec<u8>,
    /// Whether the client closes its sending side after the bytes.
    half_close: bool,
    status: u16,
    /// What the answer (head and body) must contain.
    named: Vec<&'static str>,
}

fn raw(name: &'static str, bytes: Vec<u8>, status: u16, named: Vec<&'static str>) -> Raw {
    Raw {
        name,
        bytes,
        half_close: false,
        status,
        named,
    }
}

const HOST: &str = "Host: peregrine\r\nConnection: close\r\n";

/// A request of this request line and no body.
fn head(line: &str) -> Vec<u8> {
    format!("{line}\r\n{HOST}\r\n").into_bytes()
}

/// A POST to the model with these extra header lines and this body.
fn post(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("POST /model.json HTTP/1.1\r\n{HOST}{headers}\r\n").into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn raw_cases() -> Vec<Raw> {
    let mut invalid_utf8 = b"GET /model.json?method=get&paths=vid".to_vec();
    invalid_utf8.extend_from_slice(b"\xff\xfeos HTTP/1.1\r\n");
    invalid_utf8.extend_from_slice(HOST.as_bytes());
    invalid_utf8.extend_from_slice(b"\r\n");
    vec![
        raw(
            "raw invalid UTF-8 in the request line",
            invalid_utf8,
            400,
            vec![],
        ),
        raw(
            "a NUL byte in the request line",
            head("GET /model.json?method=get&paths=vid\0eos HTTP/1.1"),
            400,
            vec![],
        ),
        raw(
            "a request line without a version",
            b"GET /model.json?method=get&paths=videos[1].title\r\n\r\n".to_vec(),
            400,
            vec![],
        ),
        raw(
            "a control byte in a header value",
            post("X-Client: a\x01b\r\n", b""),
            400,
            vec![],
        ),
        raw(
            "a negative Content-Length",
            post("Content-Length: -1\r\n", b""),
            400,
            vec![],
        ),
        raw(
            "a raw space in the URL",
            head("GET /model.json?method=get&paths=videos 1 HTTP/1.1"),
            400,
            vec![],
        ),
        raw(
            "a raw double quote in the URL",
            head(r#"GET /model.json?method=get&paths=videos["x"] HTTP/1.1"#),
            400,
            vec![],
        ),
        raw(
            "`%zz` in the raw URL",
            head("GET /model.json?method=get&paths=videos%zz HTTP/1.1"),
            400,
            vec!["invalid_encoding", "%zz"],
        ),
        raw(
            "`%FF` in the raw URL",
            head("GET /model.json?method=get&paths=%FF HTTP/1.1"),
            400,
            vec!["invalid_encoding", "UTF-8"],
        ),
        raw("a request line of garbage", head("GARBAGE"), 400, vec![]),
        raw(
            "an unknown HTTP version",
            head("GET /model.json HTTP/9.9"),
            400,
            vec![],
        ),
        raw(
            "a header without a colon",
            post("Content-Type application/json\r\n", b""),
            400,
            vec![],
        ),
        raw(
            "a Content-Length that is not a number",
            post("Content-Length: ten\r\n", b"method=get"),
            400,
            vec![],
        ),
        raw(
            "two different Content-Lengths",
            post("Content-Length: 3\r\nContent-Length: 4\r\n", b"abcd"),
            400,
            vec![],
        ),
        raw(
            "a header of 512 KiB",
            head(&format!(
                "GET /model.json HTTP/1.1\r\nX-Big: {}",
                "x".repeat(512 * 1024)
            )),
            431,
            vec![],
        ),
    ]
}

/// Raw requests about bodies and methods: a body that cannot be read
/// (bad chunk, cut short) is a 400, a Content-Length over the limit a 413
/// at once (not waited for), an unknown method a 405.
fn reported_raw_cases() -> Vec<Raw> {
    vec![
        raw(
            "a Content-Length over max_body_bytes, the body not yet sent",
            post(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n",
                b"method=get",
            ),
            413,
            vec!["body_too_large", "max_body_bytes"],
        ),
        raw(
            "a bad chunk size",
            post(
                "Transfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n",
                b"zz\r\nmethod=get\r\n0\r\n\r\n",
            ),
            400,
            vec!["body"],
        ),
        Raw {
            half_close: true,
            ..raw(
                "a body cut short: 10 bytes of a promised 100, then the client closes",
                post(
                    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n",
                    b"method=get",
                ),
                400,
                vec!["body"],
            )
        },
        raw(
            "an unknown method BREW",
            head("BREW /model.json?method=get&paths=videos[1].title HTTP/1.1"),
            405,
            vec!["GET", "POST"],
        ),
    ]
}

/// Sends `request` on a new connection and reads until the server closes
/// it (with `half_close`, after closing the sending side).
fn exchange(address: SocketAddr, request: &[u8], half_close: bool) -> std::io::Result<Vec<u8>> {
    let mut connection = TcpStream::connect(address)?;
    connection.set_read_timeout(Some(PATIENCE))?;
    connection.write_all(request)?;
    if half_close {
        connection.shutdown(Shutdown::Write)?;
    }
    let mut response = Vec::new();
    connection.read_to_end(&mut response)?;
    Ok(response)
}

/// Serves the corpus's routes on a real socket, sends each raw request
/// on a connection of its own, checks that the server still answers
/// `/healthz`, and stops it.
async fn run_raw(cases: Vec<Raw>) {
    let router = routes().build().expect("a valid route table");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, router, config(), async {
        let _ = stopped.await;
    }));
    let count = cases.len();
    let mut failures = Vec::new();
    for case in cases {
        let Raw {
            name,
            bytes,
            half_close,
            status,
            named,
        } = case;
        let answer = tokio::task::spawn_blocking(move || exchange(address, &bytes, half_close))
            .await
            .expect("the client thread ends");
        let answer = match answer {
            Ok(answer) => String::from_utf8_lossy(&answer).into_owned(),
            Err(err) => {
                failures.push(format!("{name}: no answer: {err}"));
                continue;
            }
        };
        let line = format!("HTTP/1.1 {status} ");
        if !answer.starts_with(&line) {
            failures.push(format!("{name}: expected {line:?}, got {answer:?}"));
            continue;
        }
        let unnamed: Vec<&str> = named
            .into_iter()
            .filter(|fragment| !answer.contains(fragment))
            .collect();
        if !unnamed.is_empty() {
            failures.push(format!(
                "{name}: the answer does not name {unnamed:?}: {answer}"
            ));
        }
    }
    let health = tokio::task::spawn_blocking(move || {
        exchange(address, &head("GET /healthz HTTP/1.1"), false)
    })
    .await
    .expect("the client thread ends")
    .expect("an answer");
    assert!(
        health.starts_with(b"HTTP/1.1 200 "),
        "{}",
        String::from_utf8_lossy(&health)
    );
    stop.send(()).expect("the server listens for shutdown");
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("serve returns")
        .expect("the server task ends")
        .expect("serve ends without error");
    assert!(
        failures.is_empty(),
        "{} of {count} raw cases went wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_malformed_http_gets_a_4xx_and_the_server_stays_up() {
    run_raw(raw_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_body_is_a_400() {
    run_raw(reported_raw_cases_of(400)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_length_over_max_body_bytes_is_a_413_at_once() {
    run_raw(reported_raw_cases_of(413)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_method_is_a_405() {
    run_raw(reported_raw_cases_of(405)).await;
}

/// The [`reported_raw_cases`] that expect `status`, at least one.
fn reported_raw_cases_of(status: u16) -> Vec<Raw> {
    let cases: Vec<Raw> = reported_raw_cases()
        .into_iter()
        .filter(|case| case.status == status)
        .collect();
    assert!(!cases.is_empty(), "no reported raw case expects {status}");
    cases
}
