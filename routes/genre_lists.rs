//! `genreLists`: the signed-in user's home rows (lists `GET /rows`).
//!
//! | path | value |
//! | --- | --- |
//! | `genreLists.length` | how many rows the user has |
//! | `genreLists[{integers}]` | ref `["lists", listId]` |
//!
//! Both carry `$expires` of `USER_TTL` (loaders.rs): the rows are the
//! user's own, and another of the user's devices may change them.

use std::sync::Arc;

use peregrine::graph::{PathValue, Value};
use peregrine::path::{Key, Path};
use peregrine::router::{Builder, Context, HandlerError, Output};

use crate::loaders::{at, loaders, unavailable, user_scope, USER_TTL};

/// Adds the `genreLists` routes.
pub(crate) fn routes(builder: Builder) -> Builder {
    // The rows are the signed-in user's.
    builder.signed_in(|builder| {
        builder
            .get("genreLists.length", |_request, ctx| async move {
                let rows = rows(&ctx).await?;
                let length = i64::try_from(rows.len()).unwrap_or(i64::MAX);
                Ok::<_, HandlerError>(Output::new().value(
                    at([Key::from_static("genreLists"), Key::from_static("length")]),
                    Value::from(length).expires_in(USER_TTL),
                ))
            })
            .get(
                "genreLists[{integers:indices}]",
                |request, ctx| async move {
                    let indices = request.integers("indices")?;
                    let rows = rows(&ctx).await?;
                    let refs = indices.into_iter().filter_map(|index| {
                        let list = rows.get(usize::try_from(index).ok()?)?;
                        let target =
                            Path::from_iter([Key::from_static("lists"), list.as_str().into()]);
                        Some(PathValue::new(
                            at([Key::from_static("genreLists"), index.into()]),
                            Value::reference(target).expires_in(USER_TTL),
                        ))
                    });
                    Ok::<_, HandlerError>(refs.collect::<Output>())
                },
            )
    })
}

/// The user's row ids; one `/rows` call per user per wave.
async fn rows(ctx: &Context) -> Result<Arc<Vec<String>>, HandlerError> {
    let scope = user_scope(ctx, "your rows")?;
    let rows = loaders(ctx)?
        .rows
        .load_one(scope, ())
        .await
        .map_err(unavailable("lists"))?;
    Ok(rows.unwrap_or_default())
}
