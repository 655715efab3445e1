//! `GuardArgs`: how every backend service is called (timeouts,
//! bulkheads, retries, breakers, trust), and one service's own settings
//! (`--upstream SERVICE.SETTING=VALUE`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use peregrine::upstream::{BreakerSettings, Pool, Settings as Guard, Trust};
use peregrine_routes::Guards;

use super::fraction;

/// The guards of every backend service (per service: --upstream).
#[derive(Debug, clap::Args)]
pub(super) struct GuardArgs {
    /// A private certificate authority (PEM) that `https://` services are
    /// trusted by, beside the system's roots; repeat for more.
    #[arg(
        long = "backend-ca",
        value_name = "FILE",
        env = "PEREGRINE_BACKEND_CA",
        value_delimiter = ':'
    )]
    backend_ca: Vec<PathBuf>,
    /// How long one backend call may take, in milliseconds.
    #[arg(long, env = "PEREGRINE_BACKEND_TIMEOUT_MS", default_value_t = 1_000)]
    backend_timeout_ms: u64,
    /// How many calls to one service may be in flight at once (more wait,
    /// the whole call bounded by the timeout times its attempts).
    #[arg(long, env = "PEREGRINE_BACKEND_MAX_CONCURRENT", default_value_t = 32)]
    backend_max_concurrent: usize,
    /// How many more attempts a failed read may make (within a budget of
    /// 20% of calls).
    #[arg(long, env = "PEREGRINE_BACKEND_RETRIES", default_value_t = 1)]
    backend_retries: u32,
    /// The circuit breaker opens after at least this many calls in its
    /// window...
    #[arg(long, env = "PEREGRINE_BREAKER_MIN_CALLS", default_value_t = 20)]
    breaker_min_calls: u32,
    /// ...of which at least this share failed (0 to 1).
    #[arg(long, env = "PEREGRINE_BREAKER_FAILURE_RATIO", default_value_t = 0.5, value_parser = fraction)]
    breaker_failure_ratio: f64,
    /// The breaker's window, in seconds.
    #[arg(long, env = "PEREGRINE_BREAKER_WINDOW_SECS", default_value_t = 10)]
    breaker_window_secs: u64,
    /// How long the breaker stays open before a trial call, in
    /// milliseconds.
    #[arg(long, env = "PEREGRINE_BREAKER_OPEN_MS", default_value_t = 5_000)]
    breaker_open_ms: u64,
    /// One service's own setting, as SERVICE.SETTING=VALUE (services:
    /// catalog, lists, ratings, mylist; settings: timeout_ms,
    /// max_concurrent, retries, breaker_min_calls, breaker_failure_ratio,
    /// breaker_window_secs, breaker_open_ms). Repeat for more.
    #[arg(long = "upstream", value_name = "SERVICE.SETTING=VALUE")]
    upstream: Vec<String>,
}

impl GuardArgs {
    /// The guards of the flags: the catalog's services', and the route
    /// files' where a file sets none of its own.
    /// The connections to the services, trusting the --backend-ca files.
    pub(super) fn pool(&self) -> anyhow::Result<Pool> {
        let mut trust = Trust::system();
        for file in &self.backend_ca {
            trust = trust.with_pem_file(file).context("--backend-ca")?;
        }
        Ok(Pool::from_trust(trust))
    }

    pub(super) fn settings(&self) -> Guard {
        Guard {
            timeout: Duration::from_millis(self.backend_timeout_ms),
            max_concurrent: self.backend_max_concurrent,
            retries: self.backend_retries,
            breaker: BreakerSettings {
                window: Duration::from_secs(self.breaker_window_secs),
                min_calls: self.breaker_min_calls,
                failure_ratio: self.breaker_failure_ratio,
                open_for: Duration::from_millis(self.breaker_open_ms),
            },
            ..Guard::default()
        }
    }

    pub(super) fn guards(&self) -> anyhow::Result<Guards> {
        let mut guards = Guards::all(&self.settings());
        for text in &self.upstream {
            override_guard(&mut guards, text).with_context(|| format!("--upstream {text:?}"))?;
        }
        Ok(guards)
    }
}

/// Applies one `SERVICE.SETTING=VALUE`.
fn override_guard(guards: &mut Guards, text: &str) -> anyhow::Result<()> {
    let (name, value) = text
        .split_once('=')
        .context("expected SERVICE.SETTING=VALUE")?;
    let (service, setting) = name
        .split_once('.')
        .context("expected SERVICE.SETTING=VALUE")?;
    let guard = guards
        .service_mut(service)
        .with_context(|| format!("no service {service:?}: catalog, lists, ratings or mylist"))?;
    let number = || -> anyhow::Result<u64> {
        value
            .parse()
            .with_context(|| format!("{value:?} is not a whole number"))
    };
    match setting {
        "timeout_ms" => guard.timeout = Duration::from_millis(number()?),
        "max_concurrent" => guard.max_concurrent = usize::try_from(number()?)?,
        "retries" => guard.retries = u32::try_from(number()?)?,
        "breaker_min_calls" => guard.breaker.min_calls = u32::try_from(number()?)?,
        "breaker_window_secs" => guard.breaker.window = Duration::from_secs(number()?),
        "breaker_open_ms" => guard.breaker.open_for = Duration::from_millis(number()?),
        "breaker_failure_ratio" => {
            guard.breaker.failure_ratio = fraction(value).map_err(anyhow::Error::msg)?
        }
        other => anyhow::bail!("no setting {other:?}"),
    }
    Ok(())
}
