//! Typed clients of the four backend services (CONTRACT.md §2), over one
//! pooled HTTP client.
//!
//! Each service has its own base URL (a deployment may run them apart) and
//! its own guards (an [`Upstream`]: timeout, bulkhead, retries of reads,
//! circuit breaker), but all of them share one connection [`Pool`], so
//! connections are kept alive and reused across services and requests.
//! Failures become [`LoadError`]s whose messages name the service and the
//! call, never a host or URL: those go to the logs only.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use http::{header, Method, Request};
use peregrine::loader::LoadError;
use peregrine::upstream::{endpoint, reason, Pool, Settings, Upstream};
pub use peregrine::upstream::{EndpointError, EndpointErrorKind};
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
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
    /// guards. Fails if a base URL is not `http://host[:port][/path]`.
    pub fn new(endpoints: &Endpoints) -> Result<Clients, EndpointError> {
        Clients::with_guards(endpoints, &Guards::default())
    }

    /// Clients of the services at `endpoints`, each behind its `guards`.
    /// Fails if a base URL is not `http://host[:port][/path]`.
    pub fn with_guards(endpoints: &Endpoints, guards: &Guards) -> Result<Clients, EndpointError> {
        // Timeouts are the guards' (per attempt); the pool's own only
        // bounds connecting, which the attempt's timeout also covers.
        let pool = Pool::default();
        let service = |name, base: &str, settings: &Settings| -> Result<Service, EndpointError> {
            Ok(Service {
                name,
                upstream: Upstream::new(name, settings.clone(), pool.clone()),
                base: Arc::from(endpoint(name, base)?),
            })
        };
        Ok(Clients {
            catalog: Catalog(service("catalog", &endpoints.catalog, &guards.catalog)?),
            lists: Lists(service("lists", &endpoints.lists, &guards.lists)?),
            ratings: Ratings(service("ratings", &endpoints.ratings, &guards.ratings)?),
            my_list: MyList(service("mylist", &endpoints.my_list, &guards.my_list)?),
        })
    }
}

/// The catalog service.
#[derive(Debug, Clone)]
pub struct Catalog(Service);

impl Catalog {
    /// `GET /videos?ids=...`: the videos found, with their ids.
    pub async fn videos(&self, ids: &[u64]) -> Result<Vec<(u64, Video)>, LoadError> {
        let answer: Entries<u64, Video> = self
            .0
            .call(Method::GET, "/videos", &[("ids", &join(ids))], None::<()>)
            .await?;
        Ok(answer.0)
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

    /// `GET /lists?ids=...`: the lists found, with their ids.
    pub async fn lists(&self, ids: &[String]) -> Result<Vec<(String, List)>, LoadError> {
        let answer: Entries<String, List> = self
            .0
            .call(
                Method::GET,
                "/lists",
                &[("ids", &ids.join(","))],
                None::<()>,
            )
            .await?;
        Ok(answer.0)
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
    /// found, with its id.
    pub async fn ratings(&self, user: &str, ids: &[u64]) -> Result<Vec<(u64, f64)>, LoadError> {
        let query = [("user", user), ("ids", &join(ids))];
        let answer: Entries<u64, f64> = self
            .0
            .call(Method::GET, "/ratings", &query, None::<()>)
            .await?;
        Ok(answer.0)
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
        let failed = |what: &dyn fmt::Display| {
            let message = format!("{} service: {method} {route} {what}", self.name);
            self.upstream.warn(&message);
            LoadError::backend(message)
        };
        let mut request = Request::builder()
            .method(method.clone())
            .uri(url(&self.base, route, query));
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                let json = serde_json::to_vec(&body)
                    .map_err(|error| failed(&format_args!("not sent: its body ({error})")))?;
                Bytes::from(json)
            }
            None => Bytes::new(),
        };
        let request = request
            .body(body)
            .map_err(|error| failed(&format_args!("not sent ({error})")))?;
        let response = self.upstream.send(request).await.map_err(LoadError::from)?;
        let status = response.status();
        if status.is_client_error() {
            // The service says what was wrong with the call (an unknown
            // user, say): that is what the client needs to hear, not that
            // the service failed.
            let why = reason(response.body()).unwrap_or_else(|| status.to_string());
            // At debug: a client's bad ids must not use up the warning
            // an outage gets (one per 10 s).
            tracing::debug!(service = self.name, %method, route, %status, %why, "backend refused a call");
            return Err(LoadError::rejected(why));
        }
        if !status.is_success() {
            return Err(failed(&format_args!("answered {status}")));
        }
        read_json(response.body()).map_err(|error| failed(&error))
    }
}

/// A service's JSON answer read as `T`. Its UTF-8 is checked in one pass
/// over the body: serde_json reading bytes checks it string by string,
/// and the calls of a home request answer some 1,300 strings (3.6% of
/// the server's instructions went to that).
fn read_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(body)
        .map_err(|error| format!("answered text that is not UTF-8 ({error})"))?;
    serde_json::from_str(text).map_err(|error| format!("answered unreadable JSON ({error})"))
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.name)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// The URL of `route` of the service at `base` with `query`: each value form-encoded, but for
/// the commas that separate ids (`ids=1,2,3`, as the contract writes
/// it). Writing them as `%2C` would nearly double what the backend
/// parses.
fn url(base: &str, route: &str, query: &[(&str, &str)]) -> String {
    let length: usize = query.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
    let mut url = String::with_capacity(base.len() + route.len() + length);
    url.push_str(base);
    url.push_str(route);
    for (index, (name, value)) in query.iter().enumerate() {
        url.push(if index == 0 { '?' } else { '&' });
        url.extend(form_urlencoded::byte_serialize(name.as_bytes()));
        url.push('=');
        // Ids and user names hold only what form encoding leaves as it
        // is: copied whole, not byte by byte through the encoder.
        if value.bytes().all(|byte| unencoded(byte) || byte == b',') {
            url.push_str(value);
            continue;
        }
        for (index, part) in value.split(',').enumerate() {
            if index > 0 {
                url.push(',');
            }
            url.extend(form_urlencoded::byte_serialize(part.as_bytes()));
        }
    }
    url
}

/// Whether form encoding writes `byte` as it is.
fn unencoded(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'*' | b'-' | b'.' | b'_')
}

/// The ids, comma-separated, written into one string (with `itoa`:
/// `write!` through `fmt` cost ~240 instructions an id, 1.7% of a
/// cache-off GraphQL home request's).
fn join(ids: &[u64]) -> String {
    let mut joined = String::with_capacity(ids.len() * 6);
    let mut digits = itoa::Buffer::new();
    for (index, &id) in ids.iter().enumerate() {
        if index > 0 {
            joined.push(',');
        }
        joined.push_str(digits.format(id));
    }
    joined
}

/// A JSON object answered by id (`{"17": {...}}`), read as its entries
/// with the ids parsed as `K`; an entry whose id is not a `K` (a number,
/// for videos) is left out. Read straight into a vector: a map here would
/// be hashed, grown and then iterated once, by the loader that makes its
/// own.
struct Entries<K, V>(Vec<(K, V)>);

impl<'de, K: FromStr, V: Deserialize<'de>> Deserialize<'de> for Entries<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

struct EntriesVisitor<K, V>(PhantomData<(K, V)>);

impl<'de, K: FromStr, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<K, V> {
    type Value = Entries<K, V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object by id")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(id) = map.next_key::<Id<'de>>()? {
            match id.0.parse() {
                Ok(key) => entries.push((key, map.next_value()?)),
                Err(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Entries(entries))
    }
}

/// An id as the answer writes it: borrowed from it unless escaped.
struct Id<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Id<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl<'de> Visitor<'de> for IdVisitor {
            type Value = Id<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id")
            }
            fn visit_borrowed_str<E: de::Error>(self, id: &'de str) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Borrowed(id)))
            }
            fn visit_str<E: de::Error>(self, id: &str) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Owned(id.to_owned())))
            }
        }
        deserializer.deserialize_str(IdVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::{join, read_json, url, Clients, EndpointErrorKind, Endpoints, Entries, List};

    /// A write's body goes out as JSON, saying so, with its query; what
    /// the service answers is read back.
    #[tokio::test]
    async fn a_write_sends_its_body_as_json() {
        use axum::http::{header, HeaderMap, StatusCode, Uri};
        let app = axum::Router::new().route(
            "/ratings",
            axum::routing::put(|uri: Uri, headers: HeaderMap, body: String| async move {
                let json = headers.get(header::CONTENT_TYPE)
                    == Some(&header::HeaderValue::from_static("application/json"));
                let expected = uri.query() == Some("user=u7&id=42") && body == r#"{"rating":4.5}"#;
                if json && expected {
                    (StatusCode::OK, r#"{"rating": 4.5}"#.to_owned())
                } else {
                    (StatusCode::BAD_REQUEST, format!("{headers:?} {uri} {body}"))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let clients = Clients::new(&Endpoints::all(&base)).expect("clients");
        let stored = clients.ratings.set("u7", 42, 4.5).await;
        assert_eq!(stored, Ok(Some(4.5)));
    }

    #[test]
    fn a_base_url_that_cannot_be_called_is_refused_at_start_naming_the_service() {
        let refused = |base: &str| {
            let mut endpoints = Endpoints::all("http://127.0.0.1:9000/");
            endpoints.ratings = base.to_owned();
            Clients::new(&endpoints).expect_err(base).to_string()
        };
        assert_eq!(
            refused("localhost:9000"),
            "the ratings service's URL \"localhost:9000\" cannot be called: it must start with http://"
        );
        assert!(refused("https://ratings.internal").contains("https is not supported"));
        assert!(
            refused("http://127.0.0.1:9000/?x=1").ends_with("must not have a query or a fragment")
        );
        assert!(refused("http://127.0.0.1:9000/base#top").ends_with("or a fragment"));
        assert!(
            refused("http://user:secret@127.0.0.1:9000").ends_with("credentials (user:password@)")
        );
        assert!(refused("http://")
            .starts_with("the ratings service's URL \"http://\" cannot be called"));
        let error = Clients::new(&Endpoints::all("ftp://files")).expect_err("not http");
        assert_eq!(
            (error.service(), error.kind()),
            ("catalog", EndpointErrorKind::NotHttp)
        );
        let clients = Clients::new(&Endpoints::all("http://127.0.0.1:9000/base/"));
        assert!(
            clients.is_ok(),
            "a path prefix and trailing slashes are fine"
        );
    }

    #[test]
    fn an_answer_by_id_reads_as_its_entries_leaving_out_ids_that_are_not_numbers() {
        let answer = br#"{"1": 4.5, "x": 3, "\u0032": 2.0, "3": 1}"#;
        let ratings: Entries<u64, f64> = serde_json::from_slice(answer).expect("entries");
        assert_eq!(ratings.0, vec![(1, 4.5), (2, 2.0), (3, 1.0)]);
        let answer = br#"{"list-1": {"name": "Drama", "videos": [1, 2]}}"#;
        let lists: Entries<String, List> = serde_json::from_slice(answer).expect("entries");
        assert_eq!(lists.0[0].0, "list-1");
        assert_eq!(lists.0[0].1.videos, vec![1, 2]);
        assert!(serde_json::from_slice::<Entries<u64, f64>>(b"[1, 2]").is_err());
    }

    #[test]
    fn an_answer_that_is_not_utf8_or_not_json_is_a_message_naming_which() {
        let ratings: Entries<u64, f64> = read_json(br#"{"1": 4.5}"#).expect("entries");
        assert_eq!(ratings.0, vec![(1, 4.5)]);
        let error = read_json::<Entries<u64, f64>>(b"{\"1\": \"\xff\"}")
            .err()
            .expect("not UTF-8");
        assert!(
            error.starts_with("answered text that is not UTF-8"),
            "{error}"
        );
        let error = read_json::<Entries<u64, f64>>(b"{\"1\": ")
            .err()
            .expect("cut short");
        assert!(error.starts_with("answered unreadable JSON"), "{error}");
    }

    #[test]
    fn a_url_keeps_the_commas_between_ids_and_encodes_the_rest() {
        assert_eq!(
            url(
                "http://127.0.0.1:9000",
                "/ratings",
                &[("user", "u1"), ("ids", "1,22,333")]
            ),
            "http://127.0.0.1:9000/ratings?user=u1&ids=1,22,333"
        );
        assert_eq!(
            url("http://b", "/lists", &[("ids", "list 1,a&b=c,é")]),
            "http://b/lists?ids=list+1,a%26b%3Dc,%C3%A9"
        );
        assert_eq!(url("http://b", "/rows", &[]), "http://b/rows");
    }

    #[test]
    fn ids_join_with_commas() {
        assert_eq!(join(&[1, 22, 333]), "1,22,333");
        assert_eq!(join(&[7]), "7");
        assert_eq!(join(&[]), "");
    }
}
