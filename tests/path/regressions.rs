//! Regressions, each named after what broke (in falcor or here).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use peregrine::path::{collapse, count_all, Key, KeySet, PathSet};

/// Runs `work` on its own thread and fails the test if it has not finished
/// within ten seconds, so that a hang is a failure rather than a stuck run.
fn within_ten_seconds<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, result) = mpsc::channel();
    thread::spawn(move || {
        // The receiver is gone only if the test has already failed.
        let _ = done.send(work());
    });
    match result.recv_timeout(Duration::from_secs(10)) {
        Ok(value) => value,
        Err(RecvTimeoutError::Timeout) => panic!("{what} did not finish within ten seconds"),
        Err(RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

fn parse(input: &str) -> PathSet {
    PathSet::parse(input).unwrap_or_else(|err| panic!("{input}: {err}"))
}

#[test]
fn an_empty_range_before_a_range_does_not_hang_the_key_iterator() {
    // falcor's iterator spins forever on this key set.
    let keys = within_ten_seconds("iterating [3..1, 0..2]", || {
        let set: KeySet = serde_json::from_str(r#"[{"from":3,"to":1},{"from":0,"to":2}]"#)
            .expect("a valid key set");
        set.keys().collect::<Vec<Key>>()
    });
    assert_eq!(keys, [0, 1, 2].map(Key::integer));

    let paths = within_ten_seconds("expanding a[3..1,0..2]", || {
        let paths: Vec<String> = parse("a[3..1,0..2]")
            .expand()
            .map(|p| p.to_string())
            .collect();
        paths
    });
    assert_eq!(paths, ["a[0]", "a[1]", "a[2]"]);
}

#[test]
fn a_four_billion_key_range_is_counted_not_expanded() {
    let (one, two) = within_ten_seconds("counting 2^32 and 2^64 paths", || {
        (
            parse("a[0..4294967295]").count(),
            parse("a[0..4294967295][0..4294967295]").count(),
        )
    });
    assert_eq!(one, 4_294_967_296);
    // 2^32 * 2^32 = 2^64 does not fit: the count saturates.
    assert_eq!(two, u64::MAX);

    let huge = parse("a[0..4294967295][0..4294967295]");
    assert_eq!(count_all([&huge, &huge]), u64::MAX);
    // Expanding is lazy: taking the first paths costs only those.
    let first: Vec<String> = huge.expand().take(2).map(|p| p.to_string()).collect();
    assert_eq!(first, ["a[0][0]", "a[0][1]"]);
}

#[test]
fn an_unclosed_range_indexer_is_reported_at_the_dot() {
    let err = PathSet::parse("videos[0..2.title").expect_err("the indexer is not closed");
    assert_eq!(err.offset(), 11);
    assert!(err.to_string().contains("expected `,` or `]`"), "{err}");
    assert!(
        err.to_string()
            .ends_with("\n  videos[0..2.title\n             ^"),
        "{err}"
    );
}

#[test]
fn collapsing_the_smallest_and_largest_integer_keys_does_not_overflow() {
    // `key_set_of` checked for one run with `abs_diff + 1`, which overflows
    // (a panic in debug builds) for the keys i64::MIN and i64::MAX.
    let printed = |paths: &[&str]| -> Vec<String> {
        let sets: Vec<PathSet> = paths.iter().map(|p| parse(p)).collect();
        collapse(&sets).iter().map(ToString::to_string).collect()
    };
    assert_eq!(
        printed(&["a[-9223372036854775808]", "a[9223372036854775807]"]),
        ["a[-9223372036854775808,9223372036854775807]"]
    );
    assert_eq!(
        printed(&[
            "a[9223372036854775805..9223372036854775807]",
            "a[-9223372036854775808]"
        ]),
        ["a[-9223372036854775808,9223372036854775805..9223372036854775807]"]
    );
}

#[test]
fn siblings_asked_for_in_different_orders_still_collapse_together() {
    // Once string keys kept their insertion order, `a` listing `x, y` and
    // `b` listing `y, x` no longer looked alike, and collapse gave two
    // path sets where falcor gives one.
    let sets: Vec<PathSet> = ["a.x", "a.y", "b.y", "b.x"].map(parse).into();
    let collapsed: Vec<String> = collapse(&sets).iter().map(ToString::to_string).collect();
    assert_eq!(collapsed, [r#"["a","b"]["x","y"]"#]);
}
