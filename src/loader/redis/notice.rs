//! Write notices between instances: after a write through one instance
//! (a prime or an invalidation), the others drop the entries their own
//! local tier holds for it, so that they read the new value from Redis
//! (or the backend) instead of serving the old one until its TTL ends.
//!
//! Notices go through a Redis pub/sub channel, `{namespace}:writes`, as
//! JSON: `{"from": <instance>, "loader": "ratings", "scope":
//! "user:u17", "key": "42"}` (no `key`: the whole scope). An instance
//! ignores its own. Delivery is at most once: a notice published while an
//! instance is disconnected is lost to it, which costs at most the TTL of
//! its local entry, as without notices.
//!
//! In a Redis Cluster, a message published on any node reaches the
//! subscribers of every node, so an instance listens on one node at a
//! time, and on another as soon as that one's connection ends: the nodes
//! the cluster names, then the seeds (docs/decisions/0016).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::Nodes;

/// A write, as published.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Notice {
    /// The instance that wrote.
    pub(super) from: String,
    pub(super) loader: String,
    /// `shared`, or `user:` and the escaped user id.
    pub(super) scope: String,
    /// The key as JSON text; none for the whole scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) key: Option<String>,
}

/// Drops a loader's local entries for a notice's scope and key.
pub(super) type Listener = Arc<dyn Fn(&str, Option<&str>) + Send + Sync>;

/// The loaders listening for notices, by name.
#[derive(Default)]
pub(super) struct Listeners {
    by_loader: Mutex<HashMap<String, Listener>>,
}

impl Listeners {
    pub(super) fn add(&self, loader: &str, listener: Listener) {
        let replaced = self
            .by_loader
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(loader.to_string(), listener);
        if replaced.is_some() {
            tracing::warn!(
                loader,
                "two loaders of one name share the Redis tier: they share its entries, \
                 and only the last hears write notices; give each loader its own name"
            );
        }
    }

    /// Hands a published payload to its loader, unless this instance
    /// wrote it.
    fn deliver(&self, instance: &str, payload: &[u8]) {
        let Ok(notice) = serde_json::from_slice::<Notice>(payload) else {
            tracing::debug!("ignoring a write notice that cannot be read");
            return;
        };
        if notice.from == instance {
            return;
        }
        let listener = self
            .by_loader
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&notice.loader)
            .cloned();
        if let Some(listener) = listener {
            listener(&notice.scope, notice.key.as_deref());
        }
    }
}

/// Where an instance hears the notices.
pub(super) enum Source {
    /// The tier's one Redis server.
    Server(Box<redis::Client>),
    /// Any node of the tier's Redis Cluster.
    Cluster(Arc<Nodes>),
}

impl Source {
    /// The servers to try to subscribe on, in order.
    fn clients(&self) -> Vec<redis::Client> {
        match self {
            Source::Server(client) => vec![(**client).clone()],
            Source::Cluster(nodes) => nodes.clients(),
        }
    }

    /// Learns where to subscribe next time from the server of `client`,
    /// just subscribed on (a cluster's nodes).
    async fn learn(&self, client: &redis::Client) {
        if let Source::Cluster(nodes) = self {
            nodes.learn(client).await;
        }
    }
}

/// How long connecting and subscribing to one server may take.
const SUBSCRIBE_WITHIN: Duration = Duration::from_secs(2);

/// How long to wait before trying again when no server could be
/// subscribed on, or when a subscription ended within it.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Subscribes to `channel` on the first server of `source` that takes the
/// subscription, and delivers its notices to `listeners` for as long as
/// they exist. When the connection is lost, subscribes again (on another
/// node of a cluster) at once, or after a second when that connection
/// lasted less than a second or no server could be subscribed on.
pub(super) async fn listen(
    source: Source,
    channel: String,
    instance: String,
    listeners: Weak<Listeners>,
) {
    loop {
        let mut since = None;
        for client in source.clients() {
            let node = client.get_connection_info().addr().to_string();
            let subscribed = tokio::time::timeout(SUBSCRIBE_WITHIN, async {
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.subscribe(&channel).await?;
                Ok::<_, redis::RedisError>(pubsub)
            })
            .await;
            let pubsub = match subscribed {
                Ok(Ok(pubsub)) => pubsub,
                Ok(Err(error)) => {
                    tracing::debug!(%node, %error, "cannot subscribe to write notices");
                    continue;
                }
                Err(_) => {
                    tracing::debug!(%node, "no subscription to write notices within {SUBSCRIBE_WITHIN:?}");
                    continue;
                }
            };
            tracing::debug!(%channel, %node, "listening for write notices");
            since = Some(Instant::now());
            source.learn(&client).await;
            let mut messages = pubsub.into_on_message();
            while let Some(message) = messages.next().await {
                let Some(listeners) = listeners.upgrade() else {
                    return;
                };
                listeners.deliver(&instance, message.get_payload_bytes());
            }
            tracing::debug!(%node, "the write notice connection closed");
            break;
        }
        if listeners.strong_count() == 0 {
            return;
        }
        if since.is_none_or(|since| since.elapsed() < RETRY_AFTER) {
            tokio::time::sleep(RETRY_AFTER).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn notices_reach_their_loader_except_from_this_instance() {
        let listeners = Listeners::default();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let log = heard.clone();
        listeners.add(
            "ratings",
            Arc::new(move |scope: &str, key: Option<&str>| {
                log.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((scope.to_string(), key.map(str::to_string)));
            }),
        );
        let other = AtomicUsize::new(0);
        let count = Arc::new(other);
        let counter = count.clone();
        listeners.add(
            "videos",
            Arc::new(move |_: &str, _: Option<&str>| {
                counter.fetch_add(1, Ordering::Relaxed);
            }),
        );
        let notice = |from: &str, key: Option<&str>| {
            serde_json::to_vec(&Notice {
                from: from.into(),
                loader: "ratings".into(),
                scope: "user:u17".into(),
                key: key.map(str::to_string),
            })
            .unwrap_or_default()
        };
        listeners.deliver("me", &notice("other", Some("42")));
        listeners.deliver("me", &notice("me", Some("43")));
        listeners.deliver("me", &notice("other", None));
        listeners.deliver("me", b"not json");
        let heard = heard.lock().unwrap_or_else(PoisonError::into_inner).clone();
        assert_eq!(
            heard,
            vec![
                ("user:u17".to_string(), Some("42".to_string())),
                ("user:u17".to_string(), None)
            ]
        );
        assert_eq!(count.load(Ordering::Relaxed), 0);
    }
}
