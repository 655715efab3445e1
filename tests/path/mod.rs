//! `peregrine::path`: the syntax round trip and error reporting, the
//! algebra (count, expand, collapse) as properties over generated path
//! sets, and regressions named after what broke.

mod algebra;
mod regressions;
mod strategy;
mod syntax;

use std::collections::BTreeSet;

use peregrine::path::{Key, KeyOrRange, KeySet, Matcher, Path, PathSet, Pattern};

/// The key a JSON Graph member is addressed by: booleans and `null` become
/// the strings `"true"`, `"false"` and `"null"`, which is what printing
/// and parsing them back gives.
fn member_set(set: &KeySet) -> KeySet {
    match set {
        KeySet::Key(key) => KeySet::Key(key.to_member()),
        KeySet::Range(range) => KeySet::Range(*range),
        KeySet::List(items) => KeySet::List(
            items
                .iter()
                .map(|item| match item {
                    KeyOrRange::Key(key) => KeyOrRange::Key(key.to_member()),
                    KeyOrRange::Range(range) => KeyOrRange::Range(*range),
                })
                .collect(),
        ),
    }
}

/// A path set with every key replaced by the member it addresses.
fn members(set: &PathSet) -> PathSet {
    set.iter().map(member_set).collect()
}

/// A pattern with every key replaced by the member it addresses.
fn pattern_members(pattern: &Pattern) -> Pattern {
    Pattern::new(
        pattern
            .iter()
            .map(|matcher| match matcher {
                Matcher::KeySet(set) => Matcher::KeySet(member_set(set)),
                Matcher::Token(token) => Matcher::Token(token.clone()),
            })
            .collect(),
    )
}

/// The distinct paths of some path sets, keys as the members they address.
fn paths_of(sets: &[PathSet]) -> BTreeSet<Path> {
    sets.iter()
        .flat_map(PathSet::expand)
        .map(|path| path.iter().map(Key::to_member).collect())
        .collect()
}
