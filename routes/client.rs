//! Typed clients of the four backend services (CONTRACT.md §2), over one
//! pooled HTTP client.
//!
//! Each service has its own base URL (a deployment may run them apart) and
//! its own guards (an [`Upstream`]: timeout, bulkhead, retries of reads,
//! circuit breaker), but all of them share one `reqwest::Client`, so
//! connections are kept alive and reused across services and requests.
//! Failures become [`LoadError`]s whose messages name the service and the
//! call, never a host or URL: those go to the logs only.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use peregrine::loader::LoadError;
use peregrine::upstream::{Settings, Upstream, UpstreamError, UpstreamErrorKind};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Where each service answers: base URLs such as `http://127.0.0.1:9000`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The catalog service (`/videos`).
    pub catalog: String,
    /// The lists service (`/rows`, `/lists`).
    pub lists: String,
    /// The ratings service (`/ratings`).
    pub ratings: String,
    /// The my list service (`/mylist`).
    pub my_list: String,
}

/// The guards of each service (see [`peregrine::upstream::Settings`] for
/// the defaults).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guards {
    /// The catalog service's.
    pub catalog: Settings,
    /// The lists service's.
    pub lists: Settings,
    /// The ratings service's.
    pub ratings: Settings,
    /// The my list service's.
    pub my_list: Settings,
}

impl Guards {
    /// The same settings for every service.
    pub fn all(settings: &Settings) -> Guards {
        Guards {
            catalog: settings.clone(),
            lists: settings.clone(),
            ratings: settings.clone(),
            my_list: settings.clone(),
        }
    }

    /// The settings of the service called `name` (`catalog`, `lists`,
    /// `ratings` or `mylist`).
    pub fn service_mut(&mut self, name: &str) -> Option<&mut Settings> {
        match name {
            "catalog" => Some(&mut self.catalog),
            "lists" => Some(&mut self.lists),
            "ratings" => Some(&mut self.ratings),
            "mylist" => Some(&mut self.my_list),
            _ => None,
        }
    }
}

impl Endpoints {
    /// Every service at one base URL, as the demo backend serves them.
    pub fn all(base: &str) -> Endpoints {
        Endpoints {
            catalog: base.to_owned(),
            lists: base.to_owned(),
            ratings: base.to_owned(),
            my_list: base.to_owned(),
        }
    }
}

/// A video as the catalog service answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Video {
    /// The title.
    pub title: String,
    /// The release year.
    pub year: i64,
    /// A few sentences about it.
    pub synopsis: String,
    /// The URL of its box art.
    pub boxshot: String,
    /// The running time in minutes.
    pub runtime: i64,
    /// The audience rating (`G`, `PG`, ...).
    pub maturity: String,
}

/// A list as the lists service answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct List {
    /// Its display name.
    pub name: String,
    /// The ids of its videos, in order.
    pub videos: Vec<u64>,
}

/// The clients of the four services, sharing one connection pool.
/// Cloning is cheap.
#[derive(Debug, Clone)]
pub struct Clients {
    /// `GET /videos`.
    pub catalog: Catalog,
    /// `GET /rows`, `GET /lists`.
    pub lists: Lists,
    /// `GET /ratings`, `PUT /ratings`.
    pub ratings: Ratings,
    /// `GET`, `POST`, `DELETE /mylist`.
    pub my_list: MyList,
}

impl Clients {
    /// Clients of the services at `endpoints`, each with the default
    /// guards.
    pub fn new(endpoints: &Endpoints) -> Result<Clients, reqwest::Error> {
        Clients::with_guards(endpoints, &Guards::default())
    }

    /// Clients of the services at `endpoints`, each behind its `guards`.
    pub fn with_guards(endpoints: &Endpoints, guards: &Guards) -> Result<Clients, reqwest::Error> {
        // Timeouts are the guards' (per attempt); this one only bounds
        // connecting, which the attempt's timeout also covers.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .pool_max_idle_per_host(256)
            .build()?;
        let service = |name, base: &str, settings: &Settings| Service {
            name,
            upstream: Upstream::new(name, settings.clone(), http.clone()),
            http: http.clone(),
            base: Arc::from(base.trim_end_matches('/')),
        };
        Ok(Clients {
            catalog: Catalog(service("catalog", &endpoints.catalog, &guards.catalog)),
            lists: Lists(service("lists", &endpoints.lists, &guards.lists)),
            ratings: Ratings(service("ratings", &endpoints.ratings, &guards.ratings)),
            my_list: MyList(service("mylist", &endpoints.my_list, &guards.my_list)),
        })
    }
}

/// The catalog service.
#[derive(Debug, Clone)]
pub struct Catalog(Service);

impl Catalog {
    /// `GET /videos?ids=...`: the videos found, by id.
    pub async fn videos(&self, ids: &[u64]) -> Result<HashMap<u64, Video>, LoadError> {
        let answer: HashMap<String, Video> = self
            .0
            .call(Method::GET, "/videos", &[("ids", &join(ids))], None::<()>)
            .await?;
        Ok(by_number(answer))
    }
}

/// The lists service.
#[derive(Debug, Clone)]
pub struct Lists(Service);

impl Lists {
    /// `GET /rows?user=...`: the ids of the user's home rows, in order.
    pub async fn rows(&self, user: &str) -> Result<Vec<String>, LoadError> {
        #[derive(Deserialize)]
        struct Rows {
            rows: Vec<String>,
        }
        let answer: Rows = self
            .0
            .call(Method::GET, "/rows", &[("user", user)], None::<()>)
            .await?;
        Ok(answer.rows)
    }

    /// `GET /lists?ids=...`: the lists found, by id.
    pub async fn lists(&self, ids: &[String]) -> Result<HashMap<String, List>, LoadError> {
        self.0
            .call(
                Method::GET,
                "/lists",
                &[("ids", &ids.join(","))],
                None::<()>,
            )
            .await
    }
}

/// The ratings service.
#[derive(Debug, Clone)]
pub struct Ratings(Service);

#[derive(Serialize, Deserialize)]
struct Rating {
    rating: f64,
}

impl Ratings {
    /// `GET /ratings?user=...&ids=...`: the user's rating of each video
    /// found, by id.
    pub async fn ratings(&self, user: &str, ids: &[u64]) -> Result<HashMap<u64, f64>, LoadError> {
        let query = [("user", user), ("ids", &join(ids))];
        let answer: HashMap<String, f64> = self
            .0
            .call(Method::GET, "/ratings", &query, None::<()>)
            .await?;
        Ok(by_number(answer))
    }

    /// `PUT /ratings?user=...&id=...`: stores the user's rating of a
    /// video and answers the stored number, or `None` for an unknown
    /// video.
    pub async fn set(&self, user: &str, id: u64, rating: f64) -> Result<Option<f64>, LoadError> {
        #[derive(Deserialize)]
        struct Stored {
            rating: Option<f64>,
        }
        let query = [("user", user), ("id", &id.to_string())];
        let answer: Stored = self
            .0
            .call(Method::PUT, "/ratings", &query, Some(Rating { rating }))
            .await?;
        Ok(answer.rating)
    }
}

/// The my list service.
#[derive(Debug, Clone)]
pub struct MyList(Service);

#[derive(Deserialize)]
struct Length {
    length: u64,
}

impl MyList {
    /// `GET /mylist?user=...`: the ids of the user's list, in order.
    pub async fn videos(&self, user: &str) -> Result<Vec<u64>, LoadError> {
        #[derive(Deserialize)]
        struct Videos {
            videos: Vec<u64>,
        }
        let answer: Videos = self
            .0
            .call(Method::GET, "/mylist", &[("user", user)], None::<()>)
            .await?;
        Ok(answer.videos)
    }

    /// `POST /mylist?user=...`: appends a video; answers the new length.
    pub async fn push(&self, user: &str, id: u64) -> Result<u64, LoadError> {
        #[derive(Serialize)]
        struct Push {
            id: u64,
        }
        let answer: Length = self
            .0
            .call(
                Method::POST,
                "/mylist",
                &[("user", user)],
                Some(Push { id }),
            )
            .await?;
        Ok(answer.length)
    }

    /// `DELETE /mylist?user=...&index=...`: removes the item at `index`;
    /// answers the new length.
    pub async fn remove(&self, user: &str, index: u64) -> Result<u64, LoadError> {
        let query = [("user", user), ("index", &index.to_string())];
        let answer: Length = self
            .0
            .call(Method::DELETE, "/mylist", &query, None::<()>)
            .await?;
        Ok(answer.length)
    }
}

/// One service: its name (for messages), base URL and guards, over the
/// shared pool.
#[derive(Clone)]
struct Service {
    name: &'static str,
    upstream: Upstream,
    http: reqwest::Client,
    base: Arc<str>,
}

impl Service {
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        route: &str,
        query: &[(&str, &str)],
        body: Option<impl Serialize>,
    ) -> Result<T, LoadError> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{route}", self.base))
            .query(query);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let failed = |what: &dyn fmt::Display| {
            tracing::warn!(service = self.name, %method, route, base = %self.base, error = %what, "backend call failed");
            LoadError::backend(format!("{} service: {method} {route} {what}", self.name))
        };
        let request = request
            .build()
            .map_err(|error| failed(&Failure::from(error)))?;
        let response = self.upstream.send(request).await.map_err(load_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(&format_args!("answered {status}")));
        }
        response
            .json()
            .await
            .map_err(|error| failed(&Failure::from(error)))
    }
}

/// An upstream failure as the loaders report it: refused calls (breaker
/// open, bulkhead full) apart from timeouts and failures.
fn load_error(error: UpstreamError) -> LoadError {
    match error.kind() {
        UpstreamErrorKind::TimedOut => LoadError::timed_out(error.message()),
        _ if error.is_refused() => LoadError::unavailable(error.message()),
        _ => LoadError::backend(error.message()),
    }
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.name)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// A reqwest error told without its URL (messages may reach clients).
struct Failure(reqwest::Error);

impl From<reqwest::Error> for Failure {
    fn from(error: reqwest::Error) -> Failure {
        Failure(error.without_url())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.0.is_timeout() {
            "timed out"
        } else if self.0.is_connect() {
            "could not connect"
        } else if self.0.is_decode() {
            "answered unreadable JSON"
        } else {
            "failed"
        };
        write!(f, "{what} ({})", self.0)
    }
}

fn join(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// Turns an answer keyed by id strings into one keyed by number, leaving
/// out keys that are not numbers.
fn by_number<V>(answer: HashMap<String, V>) -> HashMap<u64, V> {
    answer
        .into_iter()
        .filter_map(|(id, value)| Some((id.parse().ok()?, value)))
        .collect()
}
