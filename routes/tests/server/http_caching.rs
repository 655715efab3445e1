//! HTTP caching of get answers: `Cache-Control` from what an answer
//! read, a strong `ETag`, 304 for `If-None-Match`, and nginx's
//! `proxy_cache` in front keeping shared answers and never a user's.

use crate::support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::process::{free_port, Listening};
use crate::support::{home, instant, start_backend, Build, Dir, Harness};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

/// A get of `paths` as `user` (if any) with extra `headers`: the status,
/// the headers and the body.
async fn get(
    harness: &Harness,
    user: Option<&str>,
    paths: &Value,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let query = serde_urlencoded::to_string([("method", "get"), ("paths", &paths.to_string())])
        .expect("encodable");
    let mut request = Request::get(format!("/model.json?{query}"));
    if let Some(user) = user {
        request = request.header(header::AUTHORIZATION, format!("Bearer {user}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = tower::ServiceExt::oneshot(
        harness.app.clone(),
        request.body(Body::empty()).expect("a request"),
    )
    .await
    .expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = http_body_util::BodyExt::collect(body)
        .await
        .expect("a body")
        .to_bytes();
    (parts.status, parts.headers, bytes.to_vec())
}

fn header_of(headers: &axum::http::HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// Three videos' titles and years: shared values.
fn titles() -> Value {
    json!([["videos", [1, 2, 3], ["title", "year"]]])
}

#[tokio::test]
async fn shared_answers_are_public_for_their_values_life() {
    let harness = Harness::start(instant()).await;
    let (status, headers, _) = get(&harness, None, &titles(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let control = header_of(&headers, header::CACHE_CONTROL);
    let max_age: u64 = control
        .strip_prefix("public, max-age=")
        .and_then(|age| age.parse().ok())
        .unwrap_or_else(|| panic!("public with a max-age: {control:?}"));
    assert!(
        (1..=300).contains(&max_age),
        "the catalog's values live 300 s: {control}"
    );
}

#[tokio::test]
async fn a_shared_answers_etag_answers_304() {
    let harness = Harness::start(instant()).await;
    let titles = titles();
    let (status, headers, body) = get(&harness, None, &titles, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let etag = header_of(&headers, header::ETAG).to_owned();
    assert!(
        etag.starts_with('"') && etag.len() == 34,
        "a strong ETag: {etag}"
    );
    // The same answer again (then kept by the answer cache): the same tag;
    // asked with it, 304 and no body, from either path.
    for _ in 0..3 {
        let (status, headers, again) =
            get(&harness, None, &titles, &[("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert!(again.is_empty());
        assert_eq!(header_of(&headers, header::ETAG), etag);
    }
    let (status, _, fresh) = get(&harness, None, &titles, &[("if-none-match", "\"other\"")]).await;
    assert_eq!((status, fresh), (StatusCode::OK, body));
}

#[tokio::test]
async fn a_users_answer_is_private_and_checked_again_each_time() {
    let harness = Harness::start(instant()).await;
    let (status, headers, _) = get(&harness, Some("u1"), &home(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header_of(&headers, header::CACHE_CONTROL),
        "private, no-cache"
    );
    assert_eq!(header_of(&headers, header::VARY), "Authorization");
    let etag = header_of(&headers, header::ETAG).to_owned();
    let (status, _, _) = get(&harness, Some("u1"), &home(), &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    // Another user's answer is another.
    let (status, headers, _) =
        get(&harness, Some("u2"), &home(), &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(header_of(&headers, header::ETAG), etag);
}

#[tokio::test]
async fn errors_and_values_no_cache_keeps_are_not_stored() {
    let harness = Harness::start(instant()).await;
    // A user's rating asked without a user: an error value.
    let (_, headers, body) = get(&harness, None, &json!([["videos", 1, "rating"]]), &[]).await;
    assert!(String::from_utf8_lossy(&body).contains("\"$type\":\"error\""));
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-store");
    assert!(headers.get(header::ETAG).is_none());
    let uncached = Harness::start_with(instant(), false).await;
    let (_, headers, _) = get(&uncached, None, &json!([["videos", 1, "title"]]), &[]).await;
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-store");
}

/// nginx caching what Peregrine at `upstream` lets it (`proxy_cache`),
/// on a free port, saying HIT or MISS in `X-Cache-Status`.
fn nginx_cache(dir: &Path, upstream: &str) -> Listening {
    let d = dir.display();
    Listening::nginx(
        dir,
        free_port(),
        &format!("proxy_cache_path {d}/cache keys_zone=answers:1m;"),
        &format!(
            ";\n    location / {{ proxy_pass http://{upstream}; proxy_cache answers; \
             proxy_cache_revalidate on;\n      add_header X-Cache-Status $upstream_cache_status always; }}"
        ),
    )
}

/// `harness`'s app on a port behind an nginx cache: nginx, its
/// directory, and how many answers Peregrine gave whose status `counted`
/// picks.
async fn behind_nginx(
    harness: &Harness,
    counted: fn(StatusCode) -> bool,
) -> (Listening, Dir, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let app = harness.app.clone().layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counter = counter.clone();
            async move {
                let response = next.run(request).await;
                if counted(response.status()) {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                response
            }
        },
    ));
    let upstream = support::serve_app(app).await;
    let dir = Dir::with(&[]);
    let nginx = nginx_cache(&dir.0, upstream.trim_start_matches("http://"));
    (nginx, dir, count)
}

/// `paths` got through `nginx` as `user` (none: anonymous): its cache
/// status (`HIT`, `MISS`…) and the body.
async fn through(nginx: &Listening, paths: &Value, user: Option<&str>) -> (String, String) {
    let query = serde_urlencoded::to_string([("method", "get"), ("paths", &paths.to_string())])
        .expect("encodable");
    let url = format!("http://127.0.0.1:{}/model.json?{query}", nginx.port);
    let mut request = reqwest::Client::new().get(url);
    if let Some(user) = user {
        request = request.header("authorization", format!("Bearer {user}"));
    }
    let response = request.send().await.expect("nginx answers");
    let status = response
        .headers()
        .get("x-cache-status")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, response.text().await.expect("a body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_keeps_shared_answers() {
    let backend = start_backend(instant()).await;
    let harness = Harness::build(Build::over(&backend), |_| {});
    // Counting the requests that reach Peregrine.
    let (nginx, _dir, reached) = behind_nginx(&harness, |_| true).await;
    let titles = json!([["videos", [1, 2, 3], "title"]]);
    let (first, body) = through(&nginx, &titles, None).await;
    assert_eq!(first, "MISS");
    let before = reached.load(Ordering::SeqCst);
    for _ in 0..3 {
        let (status, again) = through(&nginx, &titles, None).await;
        assert_eq!((status.as_str(), &again), ("HIT", &body));
    }
    assert_eq!(
        reached.load(Ordering::SeqCst),
        before,
        "answered by nginx alone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_never_serves_a_users_answer_to_another() {
    let backend = start_backend(instant()).await;
    let harness = Harness::build(Build::over(&backend), |_| {});
    let (nginx, _dir, _) = behind_nginx(&harness, |_| true).await;
    // A user's answer: never from nginx, another user gets their own.
    let rows = json!([["genreLists", 0]]);
    let (_, mine) = through(&nginx, &rows, Some("u1")).await;
    let (status, theirs) = through(&nginx, &rows, Some("u2")).await;
    assert_ne!(status, "HIT");
    assert_ne!(mine, theirs, "u2 got u1's rows");
    let (status, again) = through(&nginx, &rows, Some("u1")).await;
    assert_ne!(status, "HIT");
    assert_eq!(again, mine);
}

#[tokio::test]
async fn graphql_gets_say_the_same_of_what_they_read() {
    let harness = Harness::start(instant()).await;
    let ask = |query: &str, user: Option<&str>, etag: Option<&str>| {
        let query = serde_urlencoded::to_string([("query", query)]).expect("encodable");
        let mut request = Request::get(format!("/graphql?{query}"));
        if let Some(user) = user {
            request = request.header(header::AUTHORIZATION, format!("Bearer {user}"));
        }
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        let request = request.body(Body::empty()).expect("a request");
        let app = harness.app.clone();
        async move {
            let response = tower::ServiceExt::oneshot(app, request)
                .await
                .expect("infallible");
            (response.status(), response.headers().clone())
        }
    };
    let (status, headers) = ask("{ video(id: 7) { title year } }", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        header_of(&headers, header::CACHE_CONTROL).starts_with("public, max-age="),
        "{headers:?}"
    );
    let etag = header_of(&headers, header::ETAG).to_owned();
    let (status, _) = ask("{ video(id: 7) { title year } }", None, Some(&etag)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (_, headers) = ask("{ genreLists(to: 1) { name } }", Some("u1"), None).await;
    assert_eq!(
        header_of(&headers, header::CACHE_CONTROL),
        "private, no-cache"
    );
    // Without a user, the rows are an error: not stored.
    let (_, headers) = ask("{ genreLists(to: 1) { name } }", None, None).await;
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_revalidates_an_expired_answer_and_peregrine_answers_304() {
    let backend = start_backend(instant()).await;
    // People of a service of the test's own, kept three seconds.
    let people = axum::Router::new().route(
        "/people",
        axum::routing::get(|| async {
            axum::Json(json!({"people": {"1": {"name": "Ada", "born": 1815}}}))
        }),
    );
    let service = support::serve_app(people).await;
    let file = format!(
        "[services.people]\nurl = \"{service}\"\n\n[[routes]]\n\
         pattern = \"people[{{integers:ids}}]['name','born']\"\n\
         get = {{ service = \"people\", path = \"/people?ids={{ids}}\" }}\n\
         items = \"/people\"\nscope = \"shared\"\nttl_secs = 3\n"
    );
    let files = Dir::with(&[("people.toml", file)]);
    let mut build = Build::over(&backend);
    build.dirs.push(files.0.clone());
    let harness = Harness::build(build, |_| {});
    // Counting the 304s Peregrine answers.
    let (nginx, _dir, not_modified) =
        behind_nginx(&harness, |status| status == StatusCode::NOT_MODIFIED).await;
    let query =
        serde_urlencoded::to_string([("method", "get"), ("paths", r#"[["people",1,"name"]]"#)])
            .expect("encodable");
    let url = format!("http://127.0.0.1:{}/model.json?{query}", nginx.port);
    let http = reqwest::Client::new();
    let first = http.get(&url).send().await.expect("nginx answers");
    let cache_control = first.headers()["cache-control"].clone();
    assert!(
        ["public, max-age=2", "public, max-age=3"].contains(&cache_control.to_str().unwrap_or("")),
        "{cache_control:?}: what is left of the 3 s, in whole seconds"
    );
    let etag = first.headers()["etag"].clone();
    let body = first.text().await.expect("a body");
    assert!(body.contains("Ada"), "{body}");
    // A client naming the ETag gets 304 from nginx.
    let again = http.get(&url).header("if-none-match", etag.clone());
    let again = again.send().await.expect("nginx answers");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // Once expired, nginx asks Peregrine with the ETag: 304, its copy stands.
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let later = http.get(&url).send().await.expect("nginx answers");
    assert_eq!(later.headers()["x-cache-status"], "REVALIDATED");
    assert_eq!(later.headers()["etag"], etag);
    assert_eq!(later.text().await.expect("a body"), body);
    assert_eq!(
        not_modified.load(Ordering::SeqCst),
        1,
        "Peregrine answered 304"
    );
}
