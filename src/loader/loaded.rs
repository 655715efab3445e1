//! `Loaded`: what one load answers, key by key.

use std::fmt;

use super::LoadError;

/// What [`Loader::load_many`](super::Loader::load_many) answers: each key
/// the backend answered with its value, and each key of a failed call
/// with the call's error; keys the backend left out are absent. Each key
/// is there once. Keys come in the order they were asked, those answered
/// from the cache first.
///
/// It is a list, not a map: a handler visits every key once, so
/// iterating it is all most need, and a map cost three hash operations
/// per key between the call's answer and the handler (docs/decisions/0006).
/// [`Loaded::get`] finds one key by a scan.
///
/// ```
/// use std::collections::HashMap;
/// use peregrine::loader::{Loader, Scope, Settings};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let squares = Loader::new(Settings::new("squares"), |_scope, keys: Vec<u64>| async move {
///     Ok(keys.into_iter().filter(|&k| k != 5).map(|k| (k, k * k)).collect::<HashMap<_, _>>())
/// });
/// let loaded = squares.load_many(Scope::shared(), [3, 5, 4]).await;
/// let answered: Vec<(u64, u64)> = loaded
///     .into_iter()
///     .filter_map(|(key, square)| Some((key, square.ok()?)))
///     .collect();
/// assert_eq!(answered, [(3, 9), (4, 16)]);
/// # }
/// ```
#[derive(Clone)]
pub struct Loaded<K, V> {
    entries: Vec<(K, Result<V, LoadError>)>,
}

impl<K, V> Loaded<K, V> {
    pub(super) fn with_capacity(capacity: usize) -> Loaded<K, V> {
        Loaded {
            entries: Vec::with_capacity(capacity),
        }
    }

    pub(super) fn push(&mut self, key: K, answer: Result<V, LoadError>) {
        self.entries.push((key, answer));
    }

    /// How many keys have an answer.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key has one.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Each key with its value or error.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &Result<V, LoadError>)> {
        self.entries.iter().map(|(key, answer)| (key, answer))
    }

    /// Each key's value or error.
    pub fn values(&self) -> impl Iterator<Item = &Result<V, LoadError>> {
        self.entries.iter().map(|(_, answer)| answer)
    }
}

impl<K: PartialEq, V> Loaded<K, V> {
    /// The value or error of `key`, if it has one (found by a scan).
    pub fn get(&self, key: &K) -> Option<&Result<V, LoadError>> {
        self.entries
            .iter()
            .find(|(entry, _)| entry == key)
            .map(|(_, answer)| answer)
    }
}

impl<K: PartialEq, V> std::ops::Index<&K> for Loaded<K, V> {
    type Output = Result<V, LoadError>;

    /// The value or error of `key`.
    ///
    /// # Panics
    ///
    /// If `key` has none, as a map's index does.
    fn index(&self, key: &K) -> &Result<V, LoadError> {
        match self.get(key) {
            Some(answer) => answer,
            None => panic!("the key has no answer in this load"),
        }
    }
}

impl<K: PartialEq, V: PartialEq> PartialEq for Loaded<K, V> {
    /// The same keys with the same answers, in any order.
    fn eq(&self, other: &Loaded<K, V>) -> bool {
        let within = |a: &Loaded<K, V>, b: &Loaded<K, V>| {
            a.iter().all(|(key, answer)| b.get(key) == Some(answer))
        };
        self.len() == other.len() && within(self, other) && within(other, self)
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Loaded<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V> Default for Loaded<K, V> {
    fn default() -> Loaded<K, V> {
        Loaded {
            entries: Vec::new(),
        }
    }
}

impl<K, V> IntoIterator for Loaded<K, V> {
    type Item = (K, Result<V, LoadError>);
    type IntoIter = std::vec::IntoIter<(K, Result<V, LoadError>)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K, V> FromIterator<(K, Result<V, LoadError>)> for Loaded<K, V> {
    /// The answers as given. Each key should come once: [`Loaded::get`]
    /// finds the first.
    fn from_iter<I: IntoIterator<Item = (K, Result<V, LoadError>)>>(iter: I) -> Loaded<K, V> {
        Loaded {
            entries: iter.into_iter().collect(),
        }
    }
}
