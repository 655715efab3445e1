//! Generators of keys, ranges, key sets, path sets and patterns.
//!
//! Two families: the syntax generators reach for everything the printer
//! must spell (quotes, backslashes, dots, brackets, digits first, integer
//! look-alikes, any Unicode, the extreme integers), and the `small_*`
//! generators keep the number of paths low enough to expand and collapse
//! them in every case.

use std::sync::Arc;

use peregrine::path::{
    Key, KeyOrRange, KeySet, Matcher, PathSet, Pattern, Range, Token, TokenKind,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Integers, with the extremes and the 32-bit boundary often enough to
/// matter.
fn integer() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -20i64..1000,
        2 => any::<i64>(),
        2 => select(vec![
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            1,
            4_294_967_295,
            i64::MAX - 1,
            i64::MAX,
        ]),
    ]
}

/// Strings as keys: what can stand bare and everything that cannot.
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        // Bare identifiers, as most real keys are.
        3 => "[a-zA-Z_$][a-zA-Z0-9_$-]{0,8}",
        // The characters that mean something in path and route syntax.
        3 => "[\"'\\\\. \\[\\],{}:a-z0-9-]{0,8}",
        // Digits first: must be quoted, or are integers.
        1 => "[0-9][0-9a-z.]{0,5}",
        // Integer-like strings, which `Key::from` turns into integers.
        1 => any::<i64>().prop_map(|n| n.to_string()),
        // Almost integers, which stay strings.
        1 => "0[0-9]{1,3}|-0|-|\\+[0-9]{1,3}|[0-9]{19,22}|-[0-9]{19,22}|1e3|1\\.5",
        1 => Just(String::new()),
        1 => select(vec!["true", "false", "null", "length", "$type", "integers", "{keys}"])
            .prop_map(String::from),
        // Any Unicode, control characters included.
        2 => vec(any::<char>(), 0..8).prop_map(String::from_iter),
    ]
}

/// Any key: strings, integers, and now and then a boolean or `null`.
pub(super) fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        6 => string().prop_map(Key::from),
        3 => integer().prop_map(Key::integer),
        1 => prop_oneof![any::<bool>().prop_map(Key::from), Just(Key::NULL)],
    ]
}

/// Any range, empty ones (`to < from`) included.
pub(super) fn range() -> impl Strategy<Value = Range> {
    prop_oneof![
        3 => (-20i64..1000, -3i64..20).prop_map(|(from, width)| Range::new(from, from + width)),
        2 => (integer(), integer()).prop_map(|(from, to)| Range::new(from, to)),
        1 => Just(Range::new(i64::MIN, i64::MAX)),
    ]
}

/// A key set built as the parser builds them: lists of one are unwrapped
/// by `KeySet::list`, and no list is empty (`[]` has no spelling).
pub(super) fn key_set() -> impl Strategy<Value = KeySet> {
    let element = prop_oneof![
        3 => key().prop_map(KeyOrRange::Key),
        1 => range().prop_map(KeyOrRange::Range),
    ];
    prop_oneof![
        3 => key().prop_map(KeySet::Key),
        1 => range().prop_map(KeySet::Range),
        2 => vec(element, 1..6).prop_map(KeySet::list),
    ]
}

/// A path set of one to five key sets.
pub(super) fn path_set() -> impl Strategy<Value = PathSet> {
    vec(key_set(), 1..6).prop_map(PathSet::new)
}

/// A route token, with or without a name.
fn token() -> impl Strategy<Value = Token> {
    let kind = select(vec![
        TokenKind::Integers,
        TokenKind::Ranges,
        TokenKind::Keys,
    ]);
    let name = prop::option::of(prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        // Whatever is not special in route syntax may name a token.
        "[^\\\\'\"\\[\\]., {}:]{1,6}",
    ]);
    (kind, name).prop_map(|(kind, name)| Token {
        kind,
        name: name.map(Arc::from),
    })
}

/// A route pattern: key sets with tokens mixed in.
pub(super) fn pattern() -> impl Strategy<Value = Pattern> {
    let matcher = prop_oneof![
        3 => key_set().prop_map(Matcher::KeySet),
        1 => token().prop_map(Matcher::Token),
    ];
    vec(matcher, 1..6).prop_map(Pattern::new)
}

/// Keys from a small alphabet, so that generated path sets share keys
/// and collapse has siblings to merge.
fn small_key() -> impl Strategy<Value = Key> {
    prop_oneof![
        4 => (-3i64..10).prop_map(Key::integer),
        3 => select(vec!["a", "b", "title", "rating", "07", ""]).prop_map(Key::from),
        1 => prop_oneof![
            any::<bool>().prop_map(Key::from),
            Just(Key::NULL),
            Just(Key::from("true")),
        ],
        1 => select(vec![i64::MIN, i64::MAX]).prop_map(Key::integer),
    ]
}

/// Ranges of at most six integers, empty ones and ones at the ends of
/// `i64` included.
fn small_range() -> impl Strategy<Value = Range> {
    prop_oneof![
        4 => (-3i64..10, 0i64..=6).prop_map(|(from, width)| Range::new(from, from + width - 1)),
        1 => Just(Range::new(5, 1)),
        1 => Just(Range::new(i64::MAX - 2, i64::MAX)),
        1 => Just(Range::new(i64::MIN, i64::MIN + 1)),
    ]
}

fn small_key_set() -> impl Strategy<Value = KeySet> {
    let element = prop_oneof![
        2 => small_key().prop_map(KeyOrRange::Key),
        1 => small_range().prop_map(KeyOrRange::Range),
    ];
    prop_oneof![
        3 => small_key().prop_map(KeySet::Key),
        1 => small_range().prop_map(KeySet::Range),
        2 => vec(element, 1..4).prop_map(KeySet::list),
    ]
}

/// A path set of one to four small key sets, standing for at most 2,000
/// paths.
pub(super) fn small_path_set() -> impl Strategy<Value = PathSet> {
    vec(small_key_set(), 1..=4)
        .prop_map(PathSet::new)
        .prop_filter("at most 2,000 paths", |set| set.count() <= 2_000)
}
