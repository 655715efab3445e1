//! Tests of `answer_cache.rs`.

use super::*;
use axum::http::header;

fn headers(accept: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_str(accept).expect("a header value"),
    );
    headers
}

#[test]
fn kept_answers_inflate_to_their_json_and_damaged_ones_do_not() {
    let json = br#"{"jsonGraph":{"videos":{"1":{"title":"Ponyo"}}}}"#.repeat(40);
    let gzip = compress(&json).expect("compressed");
    assert!(gzip.len() < json.len() / 4);
    for _ in 0..2 {
        // twice: the thread's inflater is reused
        assert_eq!(inflate(&gzip).as_deref(), Some(json.as_slice()));
    }
    let mut longer = gzip.to_vec();
    let at = longer.len() - 4;
    longer[at] = longer[at].wrapping_add(1);
    assert_eq!(inflate(&longer), None, "a wrong length");
    assert_eq!(inflate(&gzip[..gzip.len() / 2]), None, "cut short");
    assert_eq!(inflate(b"not gzip at all"), None);
}

/// A cache holding u1's answer to the request `key`, kept for a client whose
/// `Accept-Encoding` is `accept`.
fn kept(accept: &str, key: &AnswerKey<'_>, json: &[u8]) -> (AnswerCache, Writes) {
    let writes = Writes::new();
    let cache = AnswerCache::new(1 << 20, &writes);
    let freshness = Freshness {
        until: Instant::now() + std::time::Duration::from_secs(60),
        private: true,
        etag: HeaderValue::from_static("\"e\""),
    };
    for _ in 0..2 {
        let ticket = cache.ticket();
        let headers = headers(accept);
        cache.keep(ticket, Some("u1"), key, json.to_vec(), &freshness, &headers);
    }
    (cache, writes)
}

async fn body_of(response: Response) -> (Option<HeaderValue>, Vec<u8>) {
    let encoding = response.headers().get(header::CONTENT_ENCODING).cloned();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    (encoding, body.to_vec())
}

#[tokio::test]
async fn each_client_gets_the_encoding_it_accepts_and_both_are_kept_once_asked() {
    let json = br#"{"jsonGraph":{"videos":{"1":{"title":"Ponyo"}}}}"#.repeat(40);
    let key = AnswerKey::query("method=get&key=%5B%5B%22videos%22%2C1%2C%22title%22%5D%5D");
    for (first, second) in [("gzip", "identity"), ("identity", "gzip")] {
        let (cache, _writes) = kept(first, &key, &json);
        let (_, one) = cache.size();
        for accept in [first, second, first, second] {
            let answer = cache.get(Some("u1"), &key, &headers(accept));
            let (encoding, body) = body_of(answer.expect("kept")).await;
            if accept == "gzip" {
                assert_eq!(encoding, Some(HeaderValue::from_static("gzip")));
                assert_eq!(inflate(&body).as_deref(), Some(json.as_slice()));
            } else {
                assert_eq!((encoding, body.as_slice()), (None, json.as_slice()));
            }
        }
        let (_, both) = cache.size();
        let gzip = compress(&json).expect("compressed").len() as u64;
        let added = if first == "gzip" {
            json.len() as u64
        } else {
            gzip
        };
        assert_eq!(both, one + added, "weighed with both, kept {first} first");
    }
}

#[test]
fn an_encoding_added_after_a_write_does_not_bring_the_answer_back() {
    let json = b"{}".repeat(100);
    let key = AnswerKey::query("method=get&key=%5B%5B%22videos%22%2C1%2C%22title%22%5D%5D");
    let (cache, writes) = kept("gzip", &key, &json);
    let scope = Scope::user("u1");
    let (answer, _) = cache.inner.entries.get(&scope, key.bytes()).expect("kept");
    // The write lands after the answer was read, before its JSON is kept
    // beside it (and after the epoch was read: the hooks run after it).
    writes.wrote(&scope);
    let ticket = cache.ticket();
    let made = cache.add_encoding(ticket, &scope, &key, &answer, false);
    assert_eq!(
        made.as_deref(),
        Some(json.as_slice()),
        "this client's answer"
    );
    assert!(cache.get(Some("u1"), &key, &HeaderMap::new()).is_none());
}

#[test]
fn an_answer_built_while_a_write_landed_is_not_kept() {
    let writes = Writes::new();
    let cache = AnswerCache::new(1 << 20, &writes);
    let key =
        AnswerKey::paths(&[PathSet::parse("scores[1]").expect("a path set")]).expect("written");
    let until = Instant::now() + std::time::Duration::from_secs(60);
    let none = HeaderMap::new();
    let freshness = Freshness {
        until,
        private: true,
        etag: HeaderValue::from_static("\"e\""),
    };
    let keep = |ticket| cache.keep(ticket, Some("u1"), &key, b"{}".to_vec(), &freshness, &none);

    keep(cache.ticket());
    assert!(
        cache.get(Some("u1"), &key, &none).is_none(),
        "kept when asked again"
    );
    let ticket = cache.ticket();
    // Any write: it may have changed what the answer read.
    writes.wrote(&Scope::user("u2"));
    keep(ticket);
    assert!(cache.get(Some("u1"), &key, &none).is_none());

    keep(cache.ticket());
    assert!(cache.get(Some("u1"), &key, &none).is_some());
    assert!(
        cache.get(Some("u2"), &key, &none).is_none(),
        "another user's"
    );
    assert!(cache.get(None, &key, &none).is_none(), "nobody's");
}

#[test]
fn gzip_is_accepted_unless_refused() {
    assert!(accepts_gzip(&headers("gzip, deflate, br")));
    assert!(accepts_gzip(&headers("br;q=1.0, GZIP;q=0.5")));
    assert!(accepts_gzip(&headers("*")));
    assert!(!accepts_gzip(&headers("gzip;q=0")));
    assert!(!accepts_gzip(&headers("gzip; Q=0")));
    assert!(!accepts_gzip(&headers("gzip;q=0, *")), "named beats *");
    assert!(!accepts_gzip(&headers("*;q=0")));
    assert!(accepts_gzip(&headers("x-gzip")));
    assert!(!accepts_gzip(&headers("br, deflate")));
    assert!(!accepts_gzip(&HeaderMap::new()));
}
