//! The tier's connection to a Redis Cluster: redis-rs's cluster client
//! (it learns the slots from the seeds, sends each key to the node of
//! its slot, reconnects by itself), replaced by a new one when it has
//! answered nothing for [`STUCK`].
//!
//! The replacing is there because redis-rs 1.8's cluster client can stay
//! stuck after a master died under load: it begins a refresh of its map
//! of slots that never ends, and every command times out, even once the
//! master is back and the cluster ok; a new client on the same nodes
//! answers at once (docs/decisions/0016 has the run that showed it).
//! During a real outage this makes a new client every [`STUCK`], which
//! costs a connection to each node.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::cluster::{ClusterClient, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{ConnectionInfo, RedisResult};

use super::connection::certificates;
use super::nodes::{read_slots, Address, Nodes};
use super::TierSettings;

/// How long a cluster connection may fail every operation before a new
/// one replaces it (unless it is itself that young).
const STUCK: Duration = Duration::from_secs(3);

/// The tier's connection to a cluster, and the cluster's nodes.
pub(super) struct Cluster {
    nodes: Arc<Nodes>,
    timeout: Duration,
    ca_pem: Option<Vec<u8>>,
    state: Mutex<State>,
}

/// The connection in use.
struct State {
    connection: ClusterConnection,
    made: Instant,
    /// Since when every operation failed; none after a success.
    failing_since: Option<Instant>,
}

impl Cluster {
    /// A connection to the cluster of `seeds`, made in the background.
    pub(super) fn new(seeds: Vec<ConnectionInfo>, settings: &TierSettings) -> RedisResult<Cluster> {
        let connection = connect(seeds.clone(), settings.timeout, settings.ca_pem.as_deref())?;
        Ok(Cluster {
            nodes: Arc::new(Nodes::new(seeds, settings.ca_pem.clone())),
            timeout: settings.timeout,
            ca_pem: settings.ca_pem.clone(),
            state: Mutex::new(State {
                connection,
                made: Instant::now(),
                failing_since: None,
            }),
        })
    }

    /// The cluster's nodes.
    pub(super) fn nodes(&self) -> Arc<Nodes> {
        self.nodes.clone()
    }

    /// The connection for one operation, and the record of how it went:
    /// a failure unless [`Attempt::succeeded`] is called, so that an
    /// operation cut short by the tier's timeout counts as one.
    pub(super) fn attempt(&self) -> (ClusterConnection, Attempt<'_>) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let attempt = Attempt {
            cluster: self,
            succeeded: false,
        };
        (state.connection.clone(), attempt)
    }

    /// Notes how an operation went; replaces the connection when it has
    /// failed every operation for [`STUCK`].
    fn record(&self, succeeded: bool) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if succeeded {
            state.failing_since = None;
            return;
        }
        let since = *state.failing_since.get_or_insert_with(Instant::now);
        // A new connection runs in a task: not while the runtime is gone
        // (an operation dropped as the process ends).
        let runtime = tokio::runtime::Handle::try_current().is_ok();
        if since.elapsed() < STUCK || state.made.elapsed() < STUCK || !runtime {
            return;
        }
        match connect(self.nodes.all(), self.timeout, self.ca_pem.as_deref()) {
            Ok(connection) => {
                tracing::debug!(
                    "a new Redis Cluster connection replaces one failing for {STUCK:?}"
                );
                *state = State {
                    connection,
                    made: Instant::now(),
                    failing_since: None,
                };
            }
            Err(error) => tracing::debug!(%error, "cannot make a new Redis Cluster connection"),
        }
    }
}

/// One operation on the cluster; a failure unless it succeeded.
pub(super) struct Attempt<'a> {
    cluster: &'a Cluster,
    succeeded: bool,
}

impl Attempt<'_> {
    /// The operation succeeded.
    pub(super) fn succeeded(mut self) {
        self.succeeded = true;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        self.cluster.record(self.succeeded);
    }
}

/// A connection to the cluster of `nodes` (the first that answers tells
/// the others), made in the background; every command bounded by
/// `timeout`, retries included.
fn connect(
    nodes: Vec<ConnectionInfo>,
    timeout: Duration,
    ca_pem: Option<&[u8]>,
) -> RedisResult<ClusterConnection> {
    // Retries (a node that moved a slot, a refused connection) wait
    // briefly: the tier's timeout bounds the whole operation anyway.
    let mut builder = ClusterClient::builder(nodes)
        .connection_timeout(timeout)
        .response_timeout(timeout)
        .retries(2)
        .min_retry_wait(5)
        .max_retry_wait(50);
    if let Some(pem) = ca_pem {
        builder = builder.certs(certificates(pem));
    }
    let config = ClusterConfig::new()
        .set_connection_timeout(timeout)
        .set_response_timeout(timeout);
    Ok(builder
        .build()?
        .get_pending_async_connection_with_config(config))
}

/// The primaries of the cluster, each once, as the client names them (by
/// `CLUSTER SLOTS`, as it builds its map of slots), so that a command can
/// be routed to each by address.
pub(super) async fn primaries(connection: &mut ClusterConnection) -> RedisResult<Vec<Address>> {
    let mut command = redis::cmd("CLUSTER");
    command.arg("SLOTS");
    let anywhere = RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random);
    let answer = connection.route_command(command, anywhere).await?;
    let mut primaries: Vec<Address> = Vec::new();
    for shard in read_slots(answer)? {
        if let Some(primary) = shard.into_iter().next() {
            if !primaries.contains(&primary) {
                primaries.push(primary);
            }
        }
    }
    Ok(primaries)
}
