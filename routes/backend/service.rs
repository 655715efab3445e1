//! The HTTP routes of the four services (CONTRACT.md §2) and `/_stats`.
//!
//! Each route reads its query and body by hand rather than with axum's
//! extractors, so that every malformed request gets the contract's
//! `400 {"error": "..."}` naming the problem; [`Error`] is the one place
//! where that becomes a response.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize, Serializer};

use super::data::{Catalog, User};
use super::fault::{Faults, Rates};
use super::stats::{Route, Stats};
use super::store::Store;
use super::Settings;

/// Everything the routes share.
#[derive(Debug)]
struct Backend {
    catalog: Catalog,
    store: Store,
    stats: Stats,
    faults: Faults,
}

type Shared = State<Arc<Backend>>;

/// The four services and `/_stats` on one router, over the data
/// `settings` describe.
pub(crate) fn router(settings: &Settings) -> Router {
    let backend = Backend {
        catalog: Catalog::generate(settings),
        store: Store::new(),
        stats: Stats::default(),
        faults: Faults::new(settings),
    };
    Router::new()
        .route("/videos", get(videos))
        .route("/rows", get(rows))
        .route("/lists", get(lists))
        .route("/ratings", get(ratings).put(set_rating))
        .route("/mylist", get(my_list).post(push).delete(remove))
        .route("/_stats", get(stats))
        .route("/_stats/reset", post(reset))
        .route("/_faults", get(faults).put(set_faults))
        .fallback(|| async { Error::new(StatusCode::NOT_FOUND, "no such route".into()) })
        .method_not_allowed_fallback(|| async {
            Error::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed".into())
        })
        .with_state(Arc::new(backend))
}

impl Backend {
    /// Counts a call of `route` asking for `items` ids, then gives it its
    /// latency and, maybe, an injected failure.
    async fn work(&self, route: Route, items: usize) -> Result<(), Error> {
        self.stats.items(route, items);
        self.faults.apply(items).await
    }
}

/// `GET /videos?ids=1,2,3` → `{"1": {video}, ...}`.
async fn videos(State(backend): Shared, RawQuery(query): RawQuery) -> Result<Response, Error> {
    backend.stats.call(Route::GetVideos);
    let ids = Query::parse(query)?.video_ids()?;
    backend.work(Route::GetVideos, ids.len()).await?;
    let found: Vec<_> = distinct(ids)
        .filter_map(|id| Some((id, backend.catalog.video_json(id)?)))
        .collect();
    // Each entry: its JSON, the id and `"":,`.
    let size = found.iter().map(|(_, json)| json.get().len() + 24).sum();
    json_answer(&Entries(found), size)
}

/// `GET /rows?user=u1` → `{"rows": ["list-17", ...]}`.
async fn rows(State(backend): Shared, RawQuery(query): RawQuery) -> Result<Response, Error> {
    backend.stats.call(Route::GetRows);
    let user = Query::parse(query)?.user(&backend.catalog)?;
    backend.work(Route::GetRows, 1).await?;
    let rows = backend.catalog.rows(user);
    Ok(Json(serde_json::json!({ "rows": rows })).into_response())
}

/// `GET /lists?ids=list-17,list-3` → `{"list-17": {"name", "videos"}}`.
async fn lists(State(backend): Shared, RawQuery(query): RawQuery) -> Result<Response, Error> {
    backend.stats.call(Route::GetLists);
    let query = Query::parse(query)?;
    let ids = split_ids(query.get("ids")?)?;
    backend.work(Route::GetLists, ids.len()).await?;
    let found = distinct(ids).filter_map(|id| Some((id, backend.catalog.list(id)?)));
    Ok(Json(Entries(found.collect())).into_response())
}

/// `GET /ratings?user=u1&ids=1,2,3` → `{"1": 4.2, ...}`.
async fn ratings(State(backend): Shared, RawQuery(query): RawQuery) -> Result<Response, Error> {
    backend.stats.call(Route::GetRatings);
    let query = Query::parse(query)?;
    let user = query.user(&backend.catalog)?;
    let ids = query.video_ids()?;
    backend.work(Route::GetRatings, ids.len()).await?;
    let known: Vec<u64> = distinct(ids)
        .filter(|&id| backend.catalog.video(id).is_some())
        .collect();
    let ratings = backend.store.ratings(&backend.catalog, user, &known);
    // `"12345":4.5,` and room for a longer number.
    let size = 32 * ratings.len() + 2;
    json_answer(&Entries(ratings), size)
}

/// `PUT /ratings?user=u1&id=5` with `{"rating": 4.0}` → `{"rating": 4.0}`,
/// or `{}` for an unknown video (nothing is stored).
async fn set_rating(
    State(backend): Shared,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    #[derive(Deserialize)]
    struct Body {
        rating: f64,
    }
    backend.stats.call(Route::PutRatings);
    let query = Query::parse(query)?;
    let user = query.user(&backend.catalog)?;
    let id = query.video_id()?;
    let Body { rating } = parse_body(body)?;
    if !(1.0..=5.0).contains(&rating) {
        return Err(Error::bad_request(format!(
            "`rating` {rating} is outside 1..=5"
        )));
    }
    backend.work(Route::PutRatings, 1).await?;
    let Some(id) = id.filter(|&id| backend.catalog.video(id).is_some()) else {
        return Ok(Json(serde_json::json!({})).into_response());
    };
    backend.store.set_rating(user, id, rating);
    Ok(Json(serde_json::json!({ "rating": rating })).into_response())
}

/// `GET /mylist?user=u1` → `{"videos": [ids]}`.
async fn my_list(State(backend): Shared, RawQuery(query): RawQuery) -> Result<Response, Error> {
    backend.stats.call(Route::GetMyList);
    let user = Query::parse(query)?.user(&backend.catalog)?;
    backend.work(Route::GetMyList, 1).await?;
    let videos = backend.store.my_list(&backend.catalog, user);
    Ok(Json(serde_json::json!({ "videos": videos })).into_response())
}

/// `POST /mylist?user=u1` with `{"id": 5}` → `{"length": 6}`. An unknown
/// video is left out: the list and the length stay as they were.
async fn push(
    State(backend): Shared,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    #[derive(Deserialize)]
    struct Body {
        id: u64,
    }
    backend.stats.call(Route::PostMyList);
    let user = Query::parse(query)?.user(&backend.catalog)?;
    let Body { id } = parse_body(body)?;
    backend.work(Route::PostMyList, 1).await?;
    let known = backend.catalog.video(id).is_some();
    let length = backend
        .store
        .change_my_list(&backend.catalog, user, |list| {
            if known {
                list.push(id);
            }
        });
    Ok(Json(serde_json::json!({ "length": length })).into_response())
}

/// `DELETE /mylist?user=u1&index=0` → `{"length": 5}`. An index past the
/// end removes nothing.
async fn remove(State(backend): Shared, RawQuery(query): RawQuery) -> Result<Response, Error> {
    backend.stats.call(Route::DeleteMyList);
    let query = Query::parse(query)?;
    let user = query.user(&backend.catalog)?;
    let index = query.index()?;
    backend.work(Route::DeleteMyList, 1).await?;
    let length = backend
        .store
        .change_my_list(&backend.catalog, user, |list| {
            if index < list.len() {
                list.remove(index);
            }
        });
    Ok(Json(serde_json::json!({ "length": length })).into_response())
}

/// `GET /_stats` → `{"calls": {...}, "items": {...}}`.
async fn stats(State(backend): Shared) -> Response {
    Json(backend.stats.report()).into_response()
}

/// `POST /_stats/reset` → `{"reset": true}`, every counter zeroed.
async fn reset(State(backend): Shared) -> Response {
    backend.stats.reset();
    Json(serde_json::json!({ "reset": true })).into_response()
}

/// `GET /_faults` → `{"fail_rate": 0, "slow_rate": 0, "slow_ms": 1000}`.
async fn faults(State(backend): Shared) -> Response {
    Json(backend.faults.rates()).into_response()
}

/// `PUT /_faults` `{"fail_rate": 0.2}` → the rates now; members left out
/// keep their value.
async fn set_faults(State(backend): Shared, body: axum::body::Bytes) -> Result<Response, Error> {
    let rates: Rates = serde_json::from_slice(&body)
        .map_err(|error| Error::bad_request(format!("body: {error}")))?;
    Ok(Json(backend.faults.set(rates)?).into_response())
}

/// A request's query parameters.
struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn parse(query: Option<String>) -> Result<Query, Error> {
        let pairs = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
            .map_err(|error| Error::bad_request(format!("query string: {error}")))?;
        Ok(Query { pairs })
    }

    /// The one value of parameter `name`.
    fn get(&self, name: &str) -> Result<&str, Error> {
        let mut values = self.pairs.iter().filter(|(key, _)| key == name);
        match (values.next(), values.next()) {
            (Some((_, value)), None) => Ok(value),
            (None, _) => Err(Error::bad_request(format!("missing parameter `{name}`"))),
            (Some(_), Some(_)) => Err(Error::bad_request(format!(
                "parameter `{name}` is given more than once"
            ))),
        }
    }

    /// The user of parameter `user`, who must exist.
    fn user(&self, catalog: &Catalog) -> Result<User, Error> {
        let name = self.get("user")?;
        catalog.user(name).ok_or_else(|| {
            Error::bad_request(format!(
                "unknown user {name:?} in `user` (users are u1..u{})",
                catalog.user_count()
            ))
        })
    }

    /// The video ids of parameter `ids`, less those too large to be any
    /// video's.
    fn video_ids(&self) -> Result<Vec<u64>, Error> {
        split_ids(self.get("ids")?)?
            .into_iter()
            .filter_map(|id| video_id("ids", id).transpose())
            .collect()
    }

    /// The video id of parameter `id`; `None` for an id too large to be
    /// any video's.
    fn video_id(&self) -> Result<Option<u64>, Error> {
        video_id("id", self.get("id")?)
    }

    /// The index of parameter `index`.
    fn index(&self) -> Result<usize, Error> {
        let text = self.get("index")?;
        if !is_digits(text) {
            return Err(Error::bad_request(format!(
                "`index`: {text:?} is not an index (a whole number from 0)"
            )));
        }
        // Digits too many for a usize are past the end of any list.
        Ok(text.parse().unwrap_or(usize::MAX))
    }
}

/// The ids of a comma-separated list; none for an empty one.
fn split_ids(text: &str) -> Result<Vec<&str>, Error> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = text.split(',').collect();
    if ids.iter().any(|id| id.is_empty()) {
        return Err(Error::bad_request(format!(
            "`ids` has an empty id in {text:?} (ids are separated by single commas)"
        )));
    }
    Ok(ids)
}

/// A video id from parameter `name`: digits, `None` if too many for any.
fn video_id(name: &str, text: &str) -> Result<Option<u64>, Error> {
    if is_digits(text) {
        Ok(text.parse().ok())
    } else {
        Err(Error::bad_request(format!(
            "`{name}`: {text:?} is not a video id (a whole number)"
        )))
    }
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The JSON body of a request.
fn parse_body<T: for<'de> Deserialize<'de>>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Error> {
    let body = body.map_err(|error| Error::bad_request(format!("body: {error}")))?;
    serde_json::from_slice(&body)
        .map_err(|error| Error::bad_request(format!("body is not the expected JSON: {error}")))
}

/// The items in their first order, each once.
fn distinct<T: Eq + std::hash::Hash + Copy>(items: Vec<T>) -> impl Iterator<Item = T> {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items.into_iter().filter(move |item| seen.insert(*item))
}

/// A JSON object from key-value pairs, in their order, without building a
/// `serde_json::Value` first.
struct Entries<K, V>(Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Entries<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, value)| (key, value)))
    }
}

/// `value` as a JSON answer, written into a buffer of `size` bytes.
/// axum's `Json` starts at 128 bytes and doubles: growing to the 40 KB of
/// a hundred videos copied the answer some nine times, a tenth of the
/// backend's CPU (and the backend shares the benchmark's two cores).
fn json_answer(value: &impl Serialize, size: usize) -> Result<Response, Error> {
    let mut body = Vec::with_capacity(size);
    serde_json::to_writer(&mut body, value).map_err(|error| {
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the answer could not be written as JSON: {error}"),
        )
    })?;
    let json = [(header::CONTENT_TYPE, "application/json")];
    Ok((json, body).into_response())
}

/// A failed call, answered as `{"error": "..."}` with its status.
#[derive(Debug)]
pub(crate) struct Error {
    status: StatusCode,
    message: String,
}

impl Error {
    fn new(status: StatusCode, message: String) -> Error {
        Error { status, message }
    }

    /// A malformed request: 400, with a message naming the problem.
    pub(crate) fn bad_request(message: String) -> Error {
        Error::new(StatusCode::BAD_REQUEST, message)
    }

    /// A failure injected by `fail_rate`: 503.
    pub(crate) fn injected() -> Error {
        Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "injected failure".to_owned(),
        )
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message });
        (self.status, Json(body)).into_response()
    }
}
