//! `lists`: lists by id (lists `GET /lists`), the same for every user.
//!
//! | path | value |
//! | --- | --- |
//! | `lists[{keys}].name` | the list's name |
//! | `lists[{keys}].length` | how many videos it holds |
//! | `lists[{keys}][{integers}]` | ref `["videos", id]` |
//!
//! An unknown list id, or an index past the end, has no value.

use std::sync::Arc;

use peregrine::graph::{PathValue, Value};
use peregrine::loader::Scope;
use peregrine::path::Key;
use peregrine::router::Builder;
use peregrine::router::{Context, HandlerError, Matched, Output};

use crate::client::List;
use crate::loaders::{at, loaders, unavailable, video_ref};

/// Adds the `lists` routes.
pub(crate) fn routes(builder: Builder) -> Builder {
    builder
        .get("lists[{keys:ids}].name", |request, ctx| async move {
            let lists = load(&request, &ctx).await?;
            let names = lists.into_iter().map(|(id, list)| {
                PathValue::new(
                    at([Key::from_static("lists"), id, Key::from_static("name")]),
                    list.name.as_str(),
                )
            });
            Ok::<_, HandlerError>(names.collect::<Output>())
        })
        .get("lists[{keys:ids}].length", |request, ctx| async move {
            let lists = load(&request, &ctx).await?;
            let lengths = lists.into_iter().map(|(id, list)| {
                let length = i64::try_from(list.videos.len()).unwrap_or(i64::MAX);
                PathValue::new(
                    at([Key::from_static("lists"), id, Key::from_static("length")]),
                    length,
                )
            });
            Ok::<_, HandlerError>(lengths.collect::<Output>())
        })
        .get(
            "lists[{keys:ids}][{integers:indices}]",
            |request, ctx| async move {
                let indices = request.integers("indices")?;
                let lists = load(&request, &ctx).await?;
                let mut refs = Output::with_capacity(lists.len() * indices.len());
                for (id, list) in lists {
                    for &index in &indices {
                        let Some(&video) =
                            usize::try_from(index).ok().and_then(|i| list.videos.get(i))
                        else {
                            continue;
                        };
                        refs.push(PathValue::new(
                            at([Key::from_static("lists"), id.clone(), index.into()]),
                            Value::reference(video_ref(video)),
                        ));
                    }
                }
                Ok::<_, HandlerError>(refs)
            },
        )
}

/// The lists asked for (`ids`) that exist, each with the key it was asked
/// by; one `/lists` call for every list route of the wave.
///
/// A key longer than [`MAX_ID`] cannot be a list id and is not asked
/// for: a batch's ids travel in one URL, and one request's overlong key
/// must not fail the batch it shares with others.
async fn load(request: &Matched, ctx: &Context) -> Result<Vec<(Key, Arc<List>)>, HandlerError> {
    let keys = request.keys("ids")?;
    let ids = keys
        .iter()
        .map(Key::to_member_name)
        .filter(|id| id.len() <= MAX_ID);
    let loaded = loaders(ctx)?.lists.load_many(Scope::shared(), ids).await;
    let mut found = Vec::with_capacity(loaded.len());
    for (id, list) in loaded {
        let list = list.map_err(unavailable("lists"))?;
        // The member the list was asked by: `lists[17]` asked for "17",
        // which is the member 17 (the graph stores keys as members).
        found.push((Key::from(id.as_str()), list));
    }
    Ok(found)
}

/// The longest list id asked of the lists service (the contract's are
/// `list-1` to `list-200`); a hundred of them, encoded, stay well within
/// a URL's 64 KB.
const MAX_ID: usize = 128;
