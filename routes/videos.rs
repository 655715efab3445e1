//! `videos`: videos by id. Their fields come from the catalog service and
//! are the same for everyone; `rating` is the signed-in user's (ratings
//! service), and setting it stores it.
//!
//! | path | value |
//! | --- | --- |
//! | `videos[{integers}]['title','year','synopsis','boxshot','runtime','maturity']` | atoms |
//! | `videos[{integers}].rating` | the user's rating, 1.0 to 5.0 |
//! | set `videos[{integers}].rating` | the stored rating, path by path: an error value where that write failed |
//!
//! An unknown id has no value.
//!
//! Ratings carry `$expires` of `USER_TTL` (loaders.rs), as every
//! user-scoped value; catalog fields do not.

use futures::stream::{self, StreamExt};
use peregrine::graph::{PathValue, Value};
use peregrine::loader::Scope;
use peregrine::path::{Key, Path};
use peregrine::router::{Builder, HandlerError, Output};

use crate::client::Video;
use crate::loaders::{at, loaders, number, unavailable, user_scope, Loaders, USER_TTL};

/// How many ratings of one set are written to the service at once (a set
/// writes at most the router's `max_set_values`): enough to finish a
/// screenful quickly, few enough to leave the service's other callers
/// their share of its connections.
const WRITES_AT_ONCE: usize = 8;

/// The catalog fields a video has in the graph.
const FIELDS: &str = "'title','year','synopsis','boxshot','runtime','maturity'";

/// Adds the `videos` routes.
pub(crate) fn routes(builder: Builder) -> Builder {
    builder
        .get(
            &format!("videos[{{integers:ids}}][{FIELDS}]"),
            |request, ctx| async move {
                let ids = video_ids(request.integers("ids")?);
                let fields = request.keys_at(2);
                let loaded = loaders(&ctx)?
                    .videos
                    .load_many(Scope::shared(), ids.iter().copied())
                    .await;
                let mut output = Output::with_capacity(ids.len() * fields.len());
                // Unknown ids are left out: they have no value.
                for (id, video) in loaded {
                    let video = video.map_err(unavailable("catalog"))?;
                    for field in &fields {
                        if let Some(value) = field_of(&video, field) {
                            output.push(PathValue::new(
                                at([Key::from_static("videos"), number(id), field.clone()]),
                                value,
                            ));
                        }
                    }
                }
                Ok(output)
            },
        )
        // Ratings are the signed-in user's.
        .signed_in(|builder| {
            builder
                .get("videos[{integers:ids}].rating", |request, ctx| async move {
                    let ids = video_ids(request.integers("ids")?);
                    let scope = user_scope(&ctx, "your ratings")?;
                    let loaded = loaders(&ctx)?
                        .ratings
                        .load_many(scope, ids.iter().copied())
                        .await;
                    let mut output = Output::with_capacity(ids.len());
                    for (id, rating) in loaded {
                        let rating = rating.map_err(unavailable("ratings"))?;
                        output.push(rating_at(id, rating));
                    }
                    Ok::<_, HandlerError>(output)
                })
                .set("videos[{integers:ids}].rating", |request, ctx| async move {
                    let scope = ctx
                        .user()
                        .map(Scope::user)
                        .ok_or_else(|| HandlerError::new("sign in to rate videos"))?;
                    let loaders = loaders(&ctx)?;
                    // Each path has its own outcome: one failed write does
                    // not hide the others that were stored.
                    let writes: Vec<_> = request
                        .values()
                        .into_iter()
                        .map(|(path, value)| write_rating(loaders, &scope, path, value))
                        .collect();
                    let written: Vec<Option<PathValue>> = stream::iter(writes)
                        .buffered(WRITES_AT_ONCE)
                        .collect()
                        .await;
                    Ok::<_, HandlerError>(written.into_iter().flatten().collect::<Output>())
                })
        })
}

/// The ids that can be videos (ids are positive).
fn video_ids(ids: Vec<i64>) -> Vec<u64> {
    ids.into_iter()
        .filter_map(|id| u64::try_from(id).ok())
        .collect()
}

fn field_of(video: &Video, field: &Key) -> Option<Value> {
    Some(match field.as_str()? {
        "title" => video.title.as_str().into(),
        "year" => video.year.into(),
        "synopsis" => video.synopsis.as_str().into(),
        "boxshot" => video.boxshot.as_str().into(),
        "runtime" => video.runtime.into(),
        "maturity" => video.maturity.as_str().into(),
        _ => return None,
    })
}

/// Writes one rating a client sent at `path` and answers what the service
/// stored there: the stored rating, an error value, or nothing for an
/// unknown video.
///
/// Afterwards the user's cached rating is dropped, not replaced by what
/// this write stored: two writes of one rating may reach the service in
/// one order and finish here in the other, so only the service knows the
/// last one, and the next read asks it. It is dropped whatever the write
/// answered, as a call that failed or timed out may still have been
/// stored.
async fn write_rating(
    loaders: &Loaders,
    scope: &Scope,
    path: Path,
    value: &Value,
) -> Option<PathValue> {
    let id = path
        .get(1)
        .and_then(Key::as_integer)
        .and_then(|id| u64::try_from(id).ok())?;
    let error_here =
        |message: String| Some(PathValue::new(path.to_path_set(), Value::error(message)));
    let Some(rating) = rating_of(value) else {
        return error_here("a rating is a number from 1 to 5".to_string());
    };
    let user = scope.user_id()?;
    let written = loaders.clients.ratings.set(user, id, rating).await;
    loaders.ratings.invalidate(scope.clone(), id).await;
    match written {
        Ok(stored) => stored.map(|stored| rating_at(id, stored)),
        Err(error) => error_here(unavailable("ratings")(error).message().to_string()),
    }
}

fn rating_at(id: u64, rating: f64) -> PathValue {
    PathValue::new(
        at([
            Key::from_static("videos"),
            number(id),
            Key::from_static("rating"),
        ]),
        Value::from(rating).expires_in(USER_TTL),
    )
}

/// A rating a client sent: a number from 1 to 5, bare or in an atom.
fn rating_of(value: &Value) -> Option<f64> {
    let rating = match value {
        Value::Number(number) => number.as_f64(),
        Value::Atom(atom) => atom.value.as_ref()?.as_f64(),
        _ => None,
    }?;
    (1.0..=5.0).contains(&rating).then_some(rating)
}
