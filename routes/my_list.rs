//! `myList`: the signed-in user's list of videos to watch (mylist
//! service), read by index and changed by calls.
//!
//! | path | value |
//! | --- | --- |
//! | `myList.length` | how many videos it holds |
//! | `myList[{integers}]` | ref `["videos", id]` |
//! | call `myList.push` (`[ref ["videos", id]]`) | `myList[n-1]` and `myList.length` |
//! | call `myList.remove` (`[index]`) | `myList.length`; invalidates `myList[index..]` |
//!
//! Its values carry `$expires` of `USER_TTL` (loaders.rs), as every
//! user-scoped value: another of the user's devices may change the list.

use std::future::Future;
use std::sync::Arc;

use peregrine::excerpt::excerpt;
use peregrine::graph::{PathValue, Value};
use peregrine::loader::{LoadError, Scope};
use peregrine::path::{Key, KeySet, PathSet, Range};
use peregrine::router::{Builder, Context, HandlerError, Output};
use serde_json::Value as Json;

use crate::client::MyList as MyListClient;
use crate::loaders::{at, loaders, number, unavailable, user_scope, video_ref, Loaders, USER_TTL};
use peregrine::router::writes;

/// What a user must do to see or change the list.
const SIGN_IN: &str = "your list";

/// What each call takes, for its refusals.
const PUSH: &str = "myList.push takes one argument: a ref to a video, [\"videos\", id]";
const REMOVE: &str = "myList.remove takes one argument: an index";

/// Adds the `myList` routes.
pub(crate) fn routes(builder: Builder) -> Builder {
    // The list is the signed-in user's: without one, its paths are
    // errors and its calls 401.
    builder.signed_in(|builder| {
        builder
            .get("myList.length", |_request, ctx| async move {
                let videos = videos(&ctx).await?;
                Ok::<_, HandlerError>(length(videos.len() as u64))
            })
            .get("myList[{integers:indices}]", |request, ctx| async move {
                let indices = request.integers("indices")?;
                let videos = videos(&ctx).await?;
                let refs = indices.into_iter().filter_map(|index| {
                    let &video = videos.get(usize::try_from(index).ok()?)?;
                    Some(PathValue::new(
                        at([Key::from_static("myList"), index.into()]),
                        Value::reference(video_ref(video)).expires_in(USER_TTL),
                    ))
                });
                Ok::<_, HandlerError>(refs.collect::<Output>())
            })
            .call("myList.push", |request, ctx| async move {
                let scope = user_scope(&ctx, SIGN_IN)?;
                let id = only_argument(request.arguments(), PUSH, pushed_id)?;
                let loaders = loaders(&ctx)?;
                // The service ignores an unknown video; say so instead of
                // answering a ref to nothing.
                let known = loaders
                    .videos
                    .load_one(Scope::shared(), id)
                    .await
                    .map_err(unavailable("catalog"))?;
                if known.is_none() {
                    return Err(HandlerError::bad_request(format!("there is no video {id}")));
                }
                let new_length = change(loaders, &scope, move |client, user| async move {
                    client.push(&user, id).await
                })
                .await?;
                let last = number(new_length.saturating_sub(1));
                Ok(length(new_length).value(
                    at([Key::from_static("myList"), last]),
                    Value::reference(video_ref(id)).expires_in(USER_TTL),
                ))
            })
            .call("myList.remove", |request, ctx| async move {
                let scope = user_scope(&ctx, SIGN_IN)?;
                let index = only_argument(request.arguments(), REMOVE, index_of)?;
                let loaders = loaders(&ctx)?;
                let new_length = change(loaders, &scope, move |client, user| async move {
                    client.remove(&user, index).await
                })
                .await?;
                let mut output = length(new_length);
                // Items from `index` to the old end moved down or went away.
                // (Past the end nothing was removed, and index > new length.)
                if index <= new_length {
                    let to = i64::try_from(new_length).unwrap_or(i64::MAX);
                    let from = i64::try_from(index).unwrap_or(i64::MAX);
                    output = output.invalidate(PathSet::new(vec![
                        KeySet::from("myList"),
                        KeySet::from(Range::new(from, to)),
                    ]));
                }
                Ok::<_, HandlerError>(output)
            })
    })
}

/// Changes the list of `scope`'s user with `write` (given the client
/// and the user), then drops the cached list, whatever the write answered
/// (one that failed or timed out may still have been stored): the next
/// read fetches it. Both run on even if the request is dropped (see
/// `writes.rs`).
async fn change<F, Fut>(loaders: &Loaders, scope: &Scope, write: F) -> Result<u64, HandlerError>
where
    F: FnOnce(MyListClient, String) -> Fut + Send + 'static,
    Fut: Future<Output = Result<u64, LoadError>> + Send,
{
    let (loaders, scope) = (loaders.clone(), scope.clone());
    let user = scope.user_id().unwrap_or_default().to_owned();
    let written = writes::detached(async move {
        let written = write(loaders.clients.my_list.clone(), user).await;
        loaders.my_list.invalidate(scope, ()).await;
        written
    })
    .await?;
    written.map_err(unavailable("mylist"))
}

/// The user's list; one `GET /mylist` per user per wave.
async fn videos(ctx: &Context) -> Result<Arc<Vec<u64>>, HandlerError> {
    let scope = user_scope(ctx, SIGN_IN)?;
    let videos = loaders(ctx)?
        .my_list
        .load_one(scope, ())
        .await
        .map_err(unavailable("mylist"))?;
    Ok(videos.unwrap_or_default())
}

fn length(length: u64) -> Output {
    Output::new().value(
        at([Key::from_static("myList"), Key::from_static("length")]),
        Value::from(length).expires_in(USER_TTL),
    )
}

/// The one argument a call takes, read by `read`; anything else (no
/// argument, more than one, one `read` cannot read) is refused with
/// `takes`, before anything is written.
fn only_argument<T>(
    arguments: &[Json],
    takes: &str,
    read: impl Fn(&Json) -> Option<T>,
) -> Result<T, HandlerError> {
    let sent = match arguments {
        [argument] => {
            return read(argument).ok_or_else(|| {
                let sent = argument.to_string();
                HandlerError::bad_request(format!("{takes}; it was sent {}", excerpt(&sent, 80)))
            })
        }
        [] => "none".to_string(),
        more => more.len().to_string(),
    };
    Err(HandlerError::bad_request(format!(
        "{takes}; it was sent {sent}"
    )))
}

/// The video id of push's argument: a ref `{"$type": "ref", "value":
/// ["videos", id]}`, or the bare path `["videos", id]`.
fn pushed_id(argument: &Json) -> Option<u64> {
    let path = match argument {
        Json::Object(object) if object.get("$type")?.as_str()? == "ref" => object.get("value")?,
        path => path,
    };
    match path.as_array()?.as_slice() {
        [Json::String(videos), id] if videos == "videos" => index_of(id),
        _ => None,
    }
}

/// A non-negative integer, as a number or a string of digits.
fn index_of(argument: &Json) -> Option<u64> {
    match argument {
        Json::Number(number) => number.as_u64(),
        Json::String(text) => text.parse().ok(),
        _ => None,
    }
}
