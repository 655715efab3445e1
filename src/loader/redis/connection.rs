//! The two ways the tier reaches Redis, and each operation of the tier
//! in both: one server through a `ConnectionManager`, or a Redis Cluster
//! through redis-rs's cluster client, which learns the nodes from the
//! seeds (`CLUSTER SLOTS`), sends each key to the node of its hash slot,
//! and reconnects and refreshes its map of slots by itself.
//!
//! What differs in a cluster: a pipeline goes to one node, so redis-rs
//! refuses one whose keys lie in different slots ("Received crossed slots
//! in pipeline"), and the keys of a batch always do; writes are single
//! commands instead, sent together (each node's connection pipelines
//! them). `MGET` needs nothing: the client splits it by slot and puts the
//! answers back in order. `PUBLISH` is sent to any node (a cluster passes
//! every message to all its nodes), not to the node of the channel's
//! slot, which may be the one that is down. `SCAN` runs on each primary.
//!
//! This file knows nothing of the breaker or of entry keys: the tier
//! wraps every call, in its timeout.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{AsyncCommands, Cmd, ConnectionAddr, ConnectionInfo, RedisResult};

use super::cluster::{self, Cluster};
use super::notice::Source;
use super::TierSettings;

/// A connection to the tier's Redis: cheap to clone, clones share it.
#[derive(Clone)]
pub(super) enum Connection {
    /// One Redis server.
    Server(ConnectionManager),
    /// Every node of a Redis Cluster.
    Cluster(Arc<Cluster>),
}

impl Connection {
    /// A connection to the server at `url`, made when first used, and
    /// where the tier hears write notices.
    pub(super) fn server(url: &str, settings: &TierSettings) -> RedisResult<(Connection, Source)> {
        let client = match &settings.ca_pem {
            Some(pem) => redis::Client::build_with_tls(url, certificates(pem))?,
            None => redis::Client::open(url)?,
        };
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok((
            Connection::Server(connection),
            Source::Server(Box::new(client)),
        ))
    }

    /// A connection to the cluster of the nodes at `seeds` (any of its
    /// nodes; the others are discovered), made in the background, and
    /// where the tier hears write notices. With a private CA, the seeds
    /// are `rediss://` ones.
    pub(super) fn cluster(
        seeds: Vec<ConnectionInfo>,
        settings: &TierSettings,
    ) -> RedisResult<(Connection, Source)> {
        let cluster = Cluster::new(seeds, settings)?;
        let nodes = cluster.nodes();
        Ok((
            Connection::Cluster(Arc::new(cluster)),
            Source::Cluster(nodes),
        ))
    }

    /// The values of `keys`, in their order (none where absent).
    pub(super) async fn get(&mut self, keys: Vec<String>) -> RedisResult<Vec<Option<Vec<u8>>>> {
        match self {
            Connection::Server(connection) => connection.mget(keys).await,
            Connection::Cluster(cluster) => {
                let (mut connection, attempt) = cluster.attempt();
                let values = connection.mget(keys).await?;
                attempt.succeeded();
                Ok(values)
            }
        }
    }

    /// Sets each of `entries` to expire in `millis`, only where absent
    /// with `only_new`, then publishes `notice` (channel, payload), so
    /// that an instance that hears it reads the new value.
    pub(super) async fn put(
        &mut self,
        entries: Vec<(String, Vec<u8>)>,
        millis: u64,
        only_new: bool,
        notice: Option<(&str, Vec<u8>)>,
    ) -> RedisResult<()> {
        let set = |key: String, value: Vec<u8>| {
            let mut command = redis::cmd("SET");
            command.arg(key).arg(value).arg("PX").arg(millis);
            if only_new {
                command.arg("NX");
            }
            command
        };
        match self {
            Connection::Server(connection) => {
                let mut pipe = redis::pipe();
                for (key, value) in entries {
                    pipe.add_command(set(key, value)).ignore();
                }
                if let Some((channel, payload)) = notice {
                    pipe.publish(channel, payload).ignore();
                }
                pipe.query_async::<()>(connection).await
            }
            Connection::Cluster(cluster) => {
                let (connection, attempt) = cluster.attempt();
                let sets = entries.into_iter().map(|(key, value)| {
                    let mut connection = connection.clone();
                    let command = set(key, value);
                    async move { command.query_async::<()>(&mut connection).await }
                });
                let written: RedisResult<Vec<()>> = join_all(sets).await.into_iter().collect();
                // Published even when a key's node failed, as a server
                // runs a pipeline's PUBLISH after a failed SET: the other
                // instances must drop what they hold.
                if let Some((channel, payload)) = notice {
                    publish_anywhere(connection, channel, payload).await?;
                }
                written?;
                attempt.succeeded();
                Ok(())
            }
        }
    }

    /// Publishes `payload` on `channel`.
    pub(super) async fn publish(&mut self, channel: &str, payload: Vec<u8>) -> RedisResult<()> {
        match self {
            Connection::Server(connection) => connection.publish(channel, payload).await,
            Connection::Cluster(cluster) => {
                let (connection, attempt) = cluster.attempt();
                publish_anywhere(connection, channel, payload).await?;
                attempt.succeeded();
                Ok(())
            }
        }
    }

    /// Deletes every key matching the glob `pattern`, scanning the
    /// keyspace (each primary's, in a cluster) 1,000 keys a step.
    pub(super) async fn delete_matching(&mut self, pattern: &str) -> RedisResult<()> {
        match self {
            Connection::Server(connection) => {
                let mut cursor = 0;
                loop {
                    let (next, keys) = scan(pattern, cursor).query_async(connection).await?;
                    cursor = delete(connection, keys, next).await?;
                    if cursor == 0 {
                        return Ok(());
                    }
                }
            }
            Connection::Cluster(cluster) => {
                let (mut connection, attempt) = cluster.attempt();
                let connection = &mut connection;
                for (host, port) in cluster::primaries(connection).await? {
                    let mut cursor = 0;
                    loop {
                        let on = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                            host: host.clone(),
                            port,
                        });
                        let answer = connection.route_command(scan(pattern, cursor), on).await?;
                        let (next, keys) = redis::from_redis_value(answer)?;
                        // DEL of keys in several slots: split by the client.
                        cursor = delete(connection, keys, next).await?;
                        if cursor == 0 {
                            break;
                        }
                    }
                }
                attempt.succeeded();
                Ok(())
            }
        }
    }
}

/// `SCAN cursor MATCH pattern COUNT 1000`.
fn scan(pattern: &str, cursor: u64) -> Cmd {
    let mut command = redis::cmd("SCAN");
    command
        .arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(1000);
    command
}

/// Deletes `keys` (a scan's step); answers the `next` cursor.
async fn delete<C: AsyncCommands>(
    connection: &mut C,
    keys: Vec<String>,
    next: u64,
) -> RedisResult<u64> {
    if !keys.is_empty() {
        connection.del::<_, ()>(keys).await?;
    }
    Ok(next)
}

/// `PUBLISH` through whichever node the cluster client has a connection
/// to: every node passes a message on to the others.
async fn publish_anywhere(
    mut connection: ClusterConnection,
    channel: &str,
    payload: Vec<u8>,
) -> RedisResult<()> {
    let mut command = redis::cmd("PUBLISH");
    command.arg(channel).arg(payload);
    let anywhere = RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random);
    connection.route_command(command, anywhere).await.map(drop)
}

/// A private CA as redis-rs takes it.
pub(super) fn certificates(pem: &[u8]) -> redis::TlsCertificates {
    redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(pem.to_vec()),
    }
}

/// Whether `node` is reached over TLS (`rediss://`).
pub(super) fn is_tls(node: &ConnectionInfo) -> bool {
    matches!(node.addr(), ConnectionAddr::TcpTls { .. })
}
