//! One loader's use of the tier: its keys and values as Redis entries
//! (`{namespace}:{loader}:shared:{key}` or `...:user:{escaped id}:{key}`,
//! the key as JSON; the value as its expiry, 8 bytes of Unix ms, and its
//! JSON), read and written through the tier's operations.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use super::super::Scope;
use super::RedisTier;

/// One loader's use of the tier: its keys and values as Redis entries.
pub(in crate::loader) struct Remote<K, V> {
    tier: RedisTier,
    loader: String,
    /// `{namespace}:{loader}:`
    prefix: String,
    key: fn(&K) -> Option<String>,
    encode: fn(&V) -> Option<Vec<u8>>,
    decode: fn(&[u8]) -> Option<V>,
}

/// A value read from Redis, and when it expires.
pub(in crate::loader) struct Found<K, V> {
    pub(in crate::loader) key: K,
    pub(in crate::loader) value: V,
    pub(in crate::loader) expires: Instant,
}

impl<K: Serialize, V: Serialize + DeserializeOwned> Remote<K, V> {
    pub(in crate::loader) fn new(tier: RedisTier, loader: &str) -> Remote<K, V> {
        let prefix = format!("{}:{}:", tier.inner.settings.namespace, loader);
        Remote {
            tier,
            loader: loader.to_string(),
            prefix,
            key: |key| serde_json::to_string(key).ok(),
            encode: |value| serde_json::to_vec(value).ok(),
            decode: |bytes| serde_json::from_slice(bytes).ok(),
        }
    }
}

impl<K: Clone, V> Remote<K, V> {
    fn scope_prefix(&self, scope: &Scope) -> String {
        format!("{}{}:", self.prefix, scope_name(scope))
    }

    /// The Redis key of `key` in `scope`; none for a key that cannot be
    /// written as JSON (such a key never goes to Redis).
    fn entry_key(&self, scope: &Scope, key: &K) -> Option<String> {
        let mut entry = self.scope_prefix(scope);
        entry.push_str(&(self.key)(key)?);
        Some(entry)
    }

    /// A notice of a write to `key` (none: the whole scope) in `scope`.
    fn notice(&self, scope: &Scope, key: Option<&K>) -> Vec<u8> {
        let key = key.and_then(|key| (self.key)(key));
        self.tier.notice(&self.loader, scope_name(scope), key)
    }

    fn entry(&self, value: &V, expires_at: SystemTime) -> Option<Vec<u8>> {
        let millis = expires_at.duration_since(UNIX_EPOCH).map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
        let mut bytes = millis.to_be_bytes().to_vec();
        bytes.extend((self.encode)(value)?);
        Some(bytes)
    }

    /// The values of `keys` in `scope` that Redis holds and that have not
    /// expired; `None` when the tier was skipped or failed.
    pub(in crate::loader) async fn read(
        &self,
        scope: &Scope,
        keys: &[K],
    ) -> Option<Vec<Found<K, V>>> {
        let (keys, entry_keys): (Vec<&K>, Vec<String>) = keys
            .iter()
            .filter_map(|key| Some((key, self.entry_key(scope, key)?)))
            .unzip();
        let entries = self.tier.get(entry_keys).await?;
        let (now, clock) = (Instant::now(), SystemTime::now());
        let mut found = Vec::new();
        for (key, entry) in keys.into_iter().zip(entries) {
            // A tombstone (empty) is a miss.
            let Some(bytes) = entry else { continue };
            let Some((expires, json)) = bytes.split_first_chunk::<8>() else {
                continue;
            };
            let expires = UNIX_EPOCH + Duration::from_millis(u64::from_be_bytes(*expires));
            let Ok(left) = expires.duration_since(clock) else {
                continue;
            };
            // An entry this process cannot read (written by another
            // version, say) is a miss, and the next write replaces it.
            if let Some(value) = (self.decode)(json) {
                found.push(Found {
                    key: key.clone(),
                    value,
                    expires: now + left,
                });
            }
        }
        Some(found)
    }

    /// Writes what a backend answered, unless a write stored a newer value
    /// (or a tombstone) meanwhile.
    pub(in crate::loader) async fn fill<'a>(
        &self,
        scope: &Scope,
        values: impl Iterator<Item = (&'a K, &'a V)>,
        ttl: Duration,
    ) where
        K: 'a,
        V: 'a,
    {
        let expires = SystemTime::now() + ttl;
        let entries = values
            .filter_map(|(key, value)| {
                Some((self.entry_key(scope, key)?, self.entry(value, expires)?))
            })
            .collect();
        self.tier.put(entries, ttl, true, None).await;
    }

    /// Stores `value` for `key`, replacing what Redis held, and tells the
    /// other instances.
    pub(in crate::loader) async fn store(&self, scope: &Scope, key: &K, value: &V, ttl: Duration) {
        let (Some(entry_key), Some(entry)) = (
            self.entry_key(scope, key),
            self.entry(value, SystemTime::now() + ttl),
        ) else {
            return;
        };
        let notice = self.notice(scope, Some(key));
        self.tier
            .put(vec![(entry_key, entry)], ttl, false, Some(notice))
            .await;
    }

    /// Replaces the value of `key` with a tombstone, which reads as a miss
    /// and which fills do not overwrite, for [`TOMBSTONE`] (or the TTL if
    /// shorter), and tells the other instances.
    pub(in crate::loader) async fn invalidate(&self, scope: &Scope, key: &K, ttl: Duration) {
        let Some(entry_key) = self.entry_key(scope, key) else {
            return;
        };
        let notice = self.notice(scope, Some(key));
        let ttl = ttl.min(TOMBSTONE);
        self.tier
            .put(vec![(entry_key, Vec::new())], ttl, false, Some(notice))
            .await;
    }

    /// Deletes every entry of `scope`, and tells the other instances.
    pub(in crate::loader) async fn delete_scope(&self, scope: &Scope) {
        let notice = self.notice(scope, None);
        self.tier
            .delete_prefix(self.scope_prefix(scope), notice)
            .await;
    }
}

/// How long an invalidated key stays a tombstone: longer than a backend
/// call in flight during the write may take (the upstream bounds a call
/// by its timeout times its attempts, 2 s by default).
const TOMBSTONE: Duration = Duration::from_secs(5);

/// A scope as a key part: `shared`, or `user:` and the escaped id.
fn scope_name(scope: &Scope) -> String {
    match scope.user_id() {
        None => "shared".to_string(),
        Some(user) => format!("user:{}", escape_user(user)),
    }
}

/// The scope a key part names ([`scope_name`]'s inverse).
pub(in crate::loader) fn scope_named(name: &str) -> Option<Scope> {
    if name == "shared" {
        return Some(Scope::shared());
    }
    let user = name.strip_prefix("user:")?;
    Some(Scope::user(&unescape_user(user)))
}

fn unescape_user(user: &str) -> String {
    user.replace("%3A", ":").replace("%25", "%")
}

/// A user's id as a key part: `%` and `:` escaped, so that no id can
/// reach into another scope's keys.
fn escape_user(user: &str) -> String {
    user.replace('%', "%25").replace(':', "%3A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_cannot_reach_into_other_scopes() {
        assert_eq!(escape_user("u17"), "u17");
        assert_eq!(escape_user("a:shared:1"), "a%3Ashared%3A1");
        assert_eq!(escape_user("50%"), "50%25");
        for id in ["u17", "a:shared:1", "50%3A", "%"] {
            let scope = Scope::user(id);
            assert_eq!(scope_named(&scope_name(&scope)), Some(scope));
        }
        assert_eq!(scope_named("shared"), Some(Scope::shared()));
        assert_eq!(scope_named("other"), None);
    }
}
