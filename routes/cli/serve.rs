//! `peregrine serve`: the catalog graph (and route files) over external
//! services.

use anyhow::Context;
use peregrine_routes::{Auth, Endpoints, Jwt};

use super::listen::Listen;

/// The flags of `peregrine serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    listen: Listen,
    /// The base URL of all four services, for those not given their own
    /// (not needed with --no-catalog).
    #[arg(
        long,
        env = "PEREGRINE_BACKEND_URL",
        required_unless_present = "no_catalog"
    )]
    backend: Option<String>,
    /// The catalog service's base URL (default: --backend).
    #[arg(long, env = "PEREGRINE_CATALOG_URL")]
    catalog_url: Option<String>,
    /// The lists service's base URL (default: --backend).
    #[arg(long, env = "PEREGRINE_LISTS_URL")]
    lists_url: Option<String>,
    /// The ratings service's base URL (default: --backend).
    #[arg(long, env = "PEREGRINE_RATINGS_URL")]
    ratings_url: Option<String>,
    /// The my list service's base URL (default: --backend).
    #[arg(long, env = "PEREGRINE_MYLIST_URL")]
    mylist_url: Option<String>,
    /// The secret JWTs are signed with (HS256): each request's user is
    /// its bearer token's `sub`. Prefer the environment variable: a flag
    /// shows in the process list.
    #[arg(
        long,
        env = "PEREGRINE_JWT_SECRET",
        hide_env_values = true,
        conflicts_with = "dev_auth"
    )]
    jwt_secret: Option<String>,
    /// The audience JWTs must be for: a token's `aud` must name it. Unset,
    /// tokens with an `aud` are refused (they are meant for another
    /// service).
    #[arg(long, env = "PEREGRINE_JWT_AUDIENCE")]
    jwt_audience: Option<String>,
    /// The issuer JWTs must come from: a token's `iss` must be it. Unset,
    /// any issuer is accepted.
    #[arg(long, env = "PEREGRINE_JWT_ISSUER")]
    jwt_issuer: Option<String>,
    /// Development mode: the bearer token is the user id (`Bearer u17`).
    /// Never in production: anyone can be anyone.
    #[arg(long, env = "PEREGRINE_DEV_AUTH")]
    dev_auth: bool,
}

impl ServeArgs {
    /// How users are told apart: JWTs with the secret, or development
    /// mode.
    fn auth(&self) -> anyhow::Result<Auth> {
        let jwt_only = self.jwt_audience.is_some() || self.jwt_issuer.is_some();
        match (&self.jwt_secret, self.dev_auth) {
            (Some(secret), _) if !secret.is_empty() => {
                let mut jwt = Jwt::new(secret.as_bytes());
                if let Some(audience) = &self.jwt_audience {
                    jwt = jwt.audience(audience);
                }
                if let Some(issuer) = &self.jwt_issuer {
                    jwt = jwt.issuer(issuer);
                }
                Ok(Auth::from(jwt))
            }
            (_, true) if jwt_only => anyhow::bail!(
                "--jwt-audience and --jwt-issuer check JWTs: they need --jwt-secret, not --dev-auth"
            ),
            (_, true) => {
                tracing::warn!("development authentication: the bearer token is the user id");
                Ok(Auth::Development)
            }
            _ => anyhow::bail!(
                "serve needs --jwt-secret (or PEREGRINE_JWT_SECRET) to check users' tokens, \
                 or --dev-auth for development mode (Bearer u17)"
            ),
        }
    }

    fn endpoints(&self) -> Endpoints {
        // Without --backend (--no-catalog), the catalog is not served.
        let backend = self.backend.clone().unwrap_or_default();
        let or_backend = |url: &Option<String>| url.clone().unwrap_or_else(|| backend.clone());
        Endpoints {
            catalog: or_backend(&self.catalog_url),
            lists: or_backend(&self.lists_url),
            ratings: or_backend(&self.ratings_url),
            my_list: or_backend(&self.mylist_url),
        }
    }
}

/// Serves until Ctrl-C or SIGTERM.
pub(super) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let server = args.listen.server(args.endpoints(), args.auth()?)?;
    server.check()?;
    let listener = args.listen.bind().await?;
    let local = listener.local_addr().context("no local address")?;
    println!("peregrine listening on http://{local}/model.json");
    serve(listener, server).await
}

/// Serves `server` on `listener` until Ctrl-C or SIGTERM.
pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    server: peregrine_routes::Server,
) -> anyhow::Result<()> {
    let app = server.assemble()?;
    peregrine::http::serve(
        listener,
        app.router,
        app.config,
        peregrine::http::shutdown_signal(),
    )
    .await
    .context("serving the graph")
}
