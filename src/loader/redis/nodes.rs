//! Where a Redis Cluster's write notices can be heard: any of its nodes,
//! since a cluster passes every published message to all of them. The
//! listener subscribes on one node at a time and learns the others from
//! it (`CLUSTER SLOTS`), so that it has somewhere to go when that node
//! dies; the cluster connection starts again from them too.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisResult, Value};

use super::connection::{certificates, is_tls};
use super::{TierError, TierErrorKind};

/// A node's host and port, as the cluster announces it.
pub(super) type Address = (String, u16);

/// A cluster's nodes: the seeds given, and those the cluster named when
/// last asked. They are learnt from the node subscribed on, not through
/// the cluster client: while a node is down the client is busy recovering
/// its map of slots and answers nothing, when the listener most needs
/// another node.
pub(in crate::loader) struct Nodes {
    /// The nodes given; the first's credentials and TLS are every node's.
    seeds: Vec<ConnectionInfo>,
    ca_pem: Option<Vec<u8>>,
    /// The nodes the cluster named when last asked, primaries first.
    known: Mutex<Vec<Address>>,
}

/// How long learning the nodes from one node may take.
const LEARN_WITHIN: Duration = Duration::from_secs(2);

impl Nodes {
    pub(super) fn new(seeds: Vec<ConnectionInfo>, ca_pem: Option<Vec<u8>>) -> Nodes {
        Nodes {
            seeds,
            ca_pem,
            known: Mutex::new(Vec::new()),
        }
    }

    /// Each node to try, in order: the nodes the cluster named when last
    /// asked, then the seeds not among them; with the seeds' credentials
    /// and TLS.
    pub(super) fn all(&self) -> Vec<ConnectionInfo> {
        let known = self
            .known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let seeds = self.seeds.iter().filter_map(|seed| address(seed.addr()));
        let mut addresses: Vec<Address> = Vec::new();
        for address in known.into_iter().chain(seeds) {
            if !addresses.contains(&address) {
                addresses.push(address);
            }
        }
        addresses
            .into_iter()
            .filter_map(|(host, port)| self.node(host, port))
            .collect()
    }

    /// A client of each node to try, in the order of [`Nodes::all`].
    pub(in crate::loader) fn clients(&self) -> Vec<redis::Client> {
        let clients = self.all().into_iter().map(|node| match &self.ca_pem {
            Some(pem) if is_tls(&node) => redis::Client::build_with_tls(node, certificates(pem)),
            _ => redis::Client::open(node),
        });
        clients
            .filter_map(|client| {
                client
                    .inspect_err(|error| tracing::debug!(%error, "cannot make a client of a node"))
                    .ok()
            })
            .collect()
    }

    /// Asks the node of `client` which nodes the cluster has now, for
    /// [`Nodes::all`]; keeps what was known if it cannot tell.
    pub(in crate::loader) async fn learn(&self, client: &redis::Client) {
        let asked = tokio::time::timeout(LEARN_WITHIN, async {
            let mut connection = client.get_multiplexed_async_connection().await?;
            let answer = redis::cmd("CLUSTER")
                .arg("SLOTS")
                .query_async(&mut connection)
                .await?;
            read_slots(answer)
        })
        .await;
        let shards = match asked {
            Ok(Ok(shards)) => shards,
            Ok(Err(error)) => {
                tracing::debug!(%error, "cannot list the cluster's nodes");
                return;
            }
            Err(_) => {
                tracing::debug!("no list of the cluster's nodes within {LEARN_WITHIN:?}");
                return;
            }
        };
        // An empty endpoint is "the address you reached me on".
        let asked = address(client.get_connection_info().addr());
        let (primaries, replicas): (Vec<_>, Vec<_>) = shards
            .into_iter()
            .flat_map(|shard| shard.into_iter().enumerate())
            .partition(|(rank, _)| *rank == 0);
        let mut known: Vec<Address> = Vec::new();
        for (_, (host, port)) in primaries.into_iter().chain(replicas) {
            let address = match (host.is_empty(), &asked) {
                (true, Some((asked, _))) => (asked.clone(), port),
                (true, None) => continue,
                (false, _) => (host, port),
            };
            if !known.contains(&address) {
                known.push(address);
            }
        }
        *self.known.lock().unwrap_or_else(PoisonError::into_inner) = known;
    }

    /// The node at `host:port`, with the first seed's credentials and
    /// TLS.
    fn node(&self, host: String, port: u16) -> Option<ConnectionInfo> {
        let seed = self.seeds.first()?;
        let addr = match seed.addr() {
            ConnectionAddr::TcpTls { insecure, .. } => ConnectionAddr::TcpTls {
                host,
                port,
                insecure: *insecure,
                tls_params: None,
            },
            _ => ConnectionAddr::Tcp(host, port),
        };
        Some(seed.clone().set_addr(addr))
    }
}

/// The nodes of `url` (URLs separated by commas), over TLS all of them
/// when `tls` (a private CA is given); and `url` without passwords.
pub(super) fn seeds(url: &str, tls: bool) -> Result<(Vec<ConnectionInfo>, String), TierError> {
    let nodes: Vec<&str> = url.split(',').map(str::trim).collect();
    let shown = nodes
        .iter()
        .map(|node| redact(node))
        .collect::<Vec<_>>()
        .join(",");
    let invalid = |message: String| TierError {
        kind: TierErrorKind::InvalidUrl,
        message,
    };
    let mut seeds = Vec::with_capacity(nodes.len());
    for node in nodes {
        let seed = node.into_connection_info().map_err(|error| {
            let node = match node {
                "" => format!("an empty node in `{shown}`"),
                node => format!("`{}`", redact(node)),
            };
            invalid(format!("invalid Redis Cluster node URL {node}: {error}"))
        })?;
        if tls && !is_tls(&seed) {
            return Err(invalid(format!(
                "Redis Cluster node URL `{}`: a private CA is given, so nodes are reached \
                 over TLS: write `rediss://`",
                redact(node)
            )));
        }
        seeds.push(seed);
    }
    Ok((seeds, shown))
}

/// A TCP address's host and port.
fn address(addr: &ConnectionAddr) -> Option<Address> {
    match addr {
        ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => {
            Some((host.clone(), *port))
        }
        _ => None,
    }
}

/// `CLUSTER SLOTS`'s answer: `[[start, end, [host, port, id, …],
/// replicas…], …]`. A node whose endpoint is unknown (`?`) is left out;
/// an empty one means "the address you reached me on".
pub(super) fn read_slots(answer: Value) -> RedisResult<Vec<Vec<Address>>> {
    let ranges: Vec<Vec<Value>> = redis::from_redis_value(answer)?;
    let mut shards = Vec::with_capacity(ranges.len());
    for range in ranges {
        let mut nodes = Vec::new();
        for node in range.into_iter().skip(2) {
            let node: Vec<Value> = redis::from_redis_value(node)?;
            let mut parts = node.into_iter();
            let (Some(host), Some(port)) = (parts.next(), parts.next()) else {
                continue;
            };
            let host: String = redis::from_redis_value(host)?;
            let port: u16 = redis::from_redis_value(port)?;
            if host != "?" {
                nodes.push((host, port));
            }
        }
        shards.push(nodes);
    }
    Ok(shards)
}

/// `url` without its password, for logs and errors.
pub(super) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact("redis://:secret@cache:6379/0"),
            "redis://***@cache:6379/0"
        );
        assert_eq!(redact("redis://user:p@ss@cache"), "redis://***@cache");
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(redact("unix:/run/redis.sock"), "unix:/run/redis.sock");
    }

    fn node(host: &str, port: i64) -> Value {
        Value::Array(vec![
            Value::BulkString(host.as_bytes().to_vec()),
            Value::Int(port),
            Value::BulkString(b"0b543a7eca414ad98abcdd26663d51764c65da42".to_vec()),
        ])
    }

    #[test]
    fn seeds_are_urls_shown_without_their_passwords() {
        let (given, shown) = seeds(
            "redis://:pw@10.0.0.1:7000, redis://:pw@10.0.0.2:7000",
            false,
        )
        .expect("URLs");
        assert_eq!(given.len(), 2);
        assert_eq!(shown, "redis://***@10.0.0.1:7000,redis://***@10.0.0.2:7000");
        assert!(seeds("rediss://10.0.0.1:7000", true).is_ok());
    }

    #[test]
    fn a_seed_refused_is_named_without_its_password() {
        let refused = |url: &str, tls: bool| match seeds(url, tls) {
            Ok(_) => panic!("{url} accepted"),
            Err(error) => {
                assert_eq!(error.kind(), TierErrorKind::InvalidUrl);
                error.to_string()
            }
        };
        let empty = refused("redis://10.0.0.1:7000,", false);
        assert!(
            empty.starts_with(
                "invalid Redis Cluster node URL an empty node in `redis://10.0.0.1:7000,`"
            ),
            "{empty}"
        );
        let scheme = refused("redis://10.0.0.1:7000,http://:pw@10.0.0.2:7000", false);
        assert!(
            scheme.starts_with("invalid Redis Cluster node URL `http://***@10.0.0.2:7000`: "),
            "{scheme}"
        );
        assert!(!scheme.contains("pw"), "{scheme}");
        let plain = refused("rediss://10.0.0.1:7000,redis://10.0.0.2:7000", true);
        assert!(
            plain.contains("`redis://10.0.0.2:7000`") && plain.contains("write `rediss://`"),
            "{plain}"
        );
    }

    #[test]
    fn slots_name_each_range_s_nodes_primary_first() {
        let answer = Value::Array(vec![
            Value::Array(vec![
                Value::Int(0),
                Value::Int(5460),
                node("10.0.0.1", 6379),
                node("10.0.0.4", 6379),
            ]),
            Value::Array(vec![
                Value::Int(5461),
                Value::Int(10922),
                node("?", 6379),
                node("", 6380),
            ]),
            Value::Array(vec![Value::Int(10923), Value::Int(16383)]),
        ]);
        let shards = read_slots(answer).unwrap_or_default();
        assert_eq!(
            shards,
            vec![
                vec![
                    ("10.0.0.1".to_string(), 6379),
                    ("10.0.0.4".to_string(), 6379)
                ],
                vec![(String::new(), 6380)],
                vec![],
            ]
        );
        assert!(read_slots(Value::Int(3)).is_err());
    }
}
