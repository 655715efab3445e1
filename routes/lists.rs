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
async fn load(request: &Matched, ctx: &Context) -> Result<Vec<(Key, Arc<List>)>, HandlerError> {
    let keys = request.keys("ids")?;
    let ids: Vec<String> = keys.iter().map(Key::to_member_name).collect();
    let loaded = loaders(ctx)?
        .lists
        .load_many(Scope::shared(), ids.iter().cloned())
        .await;
    let mut found = Vec::with_capacity(loaded.len());
    for (id, list) in loaded {
        let list = list.map_err(unavailable("lists"))?;
        // The key the list was asked by (`lists[17]` asks for "17").
        let at = ids.iter().position(|asked| *asked == id);
        if let Some(key) = at.and_then(|at| keys.get(at)) {
            found.push((key.clone(), list));
        }
    }
    Ok(found)
}
