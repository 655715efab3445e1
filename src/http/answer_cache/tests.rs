//! Tests of `answer_cache.rs`.

use super::*;

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
        assert_eq!(inflate(&gzip, json.len()).as_deref(), Some(json.as_slice()));
    }
    assert_eq!(inflate(&gzip, json.len() + 1), None, "a wrong length");
    assert_eq!(
        inflate(&gzip[..gzip.len() / 2], json.len()),
        None,
        "cut short"
    );
    assert_eq!(inflate(b"not gzip at all", 3), None);
}

#[test]
fn an_answer_built_while_a_write_landed_is_not_kept() {
    let writes = Writes::new();
    let cache = AnswerCache::new(1 << 20, &writes);
    let paths = vec![PathSet::parse("scores[1]").expect("a path set")];
    let until = Instant::now() + std::time::Duration::from_secs(60);
    let none = HeaderMap::new();
    let freshness = Freshness {
        until,
        private: true,
        etag: HeaderValue::from_static("\"e\""),
    };
    let keep = |ticket| {
        cache.keep(
            ticket,
            Some("u1"),
            &paths,
            b"{}".to_vec(),
            &freshness,
            &none,
        )
    };

    keep(cache.ticket());
    assert!(
        cache.get(Some("u1"), &paths, &none).is_none(),
        "kept when asked again"
    );
    let ticket = cache.ticket();
    // Any write: it may have changed what the answer read.
    writes.wrote(&Scope::user("u2"));
    keep(ticket);
    assert!(cache.get(Some("u1"), &paths, &none).is_none());

    keep(cache.ticket());
    assert!(cache.get(Some("u1"), &paths, &none).is_some());
    assert!(
        cache.get(Some("u2"), &paths, &none).is_none(),
        "another user's"
    );
    assert!(cache.get(None, &paths, &none).is_none(), "nobody's");
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
