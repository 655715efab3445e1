//! The server that `tests/e2e-falcor` drives with the real falcor client.
//!
//! It serves a small video catalog from memory at `/model.json` on a free
//! port of `127.0.0.1`, prints exactly one line to stdout,
//! `listening on http://127.0.0.1:PORT`, and serves until its stdin closes
//! or it gets SIGTERM (or Ctrl-C), then drains and exits 0. Run with stdin
//! at EOF (`< /dev/null`) it stops at once: give it a pipe.
//!
//! ```text
//! cargo build --example e2e_server && target/debug/examples/e2e_server
//! ```
//!
//! # The graph
//!
//! | route | answers |
//! |---|---|
//! | `genreLists[{integers}]` | refs to `lists[id]`: 0 → `comedies`, 1 → `dramas`; past the end nothing |
//! | `genreLists.length` | 2 |
//! | `lists[{keys}].name` | `"Comedies"`, `"Dramas"` |
//! | `lists[{keys}].length` | 3, 2 |
//! | `lists[{keys}][{integers}]` | refs to `videos[id]`: comedies → 3, 5, 2; dramas → 1, 4; past the end nothing |
//! | `videos[{integers}]['title','year']` | ids 1 to 6 (below); other ids nothing |
//! | `videos[{integers}].rating` | the rating; fails with `ratings service unavailable` whenever video 3 is among the ids asked (one handler call: every rating it was asked becomes that error) |
//! | `videos[{integers}].userRating` | get: what was set, else nothing. set: stores an integer from 1 to 5, fails with `userRating must be an integer from 1 to 5` otherwise |
//! | `myList[{integers}]` | refs to `videos[id]`; starts as 1, 2 |
//! | `myList.length` | the list's length |
//! | call `myList.push(ref)` | appends the video the ref (`{"$type":"ref","value":["videos",6]}`) or path (`["videos",6]`) names; answers `myList[n]` (the new ref) and `myList.length` |
//! | call `myList.remove(index)` | removes the item at `index`; answers `myList.length` and invalidates `myList[index..old length - 1]` |
//!
//! | id | title | year | rating |
//! |---|---|---|---|
//! | 1 | Arrival | 2016 | 4 |
//! | 2 | Brazil | 1985 | 5 |
//! | 3 | Clue | 1985 | (the ratings service fails) |
//! | 4 | Dune | 2021 | 4 |
//! | 5 | Ed Wood | 1994 | 3 |
//! | 6 | Fargo | 1996 | 5 |
//!
//! Anything else (`videos[99].title`, `nowhere.at.all`) is answered by no
//! handler and comes back as an empty atom.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use peregrine::graph::{PathValue, Value};
use peregrine::http::{self, Config};
use peregrine::path::{Key, Path, PathSet};
use peregrine::router::{Builder, HandlerError, Matched, Output, Router};
use serde_json::Value as Json;

/// A video of the catalog.
struct Video {
    id: i64,
    title: &'static str,
    year: i64,
    /// `None`: the ratings service fails for this one.
    rating: Option<i64>,
}

const VIDEOS: &[Video] = &[
    Video {
        id: 1,
        title: "Arrival",
        year: 2016,
        rating: Some(4),
    },
    Video {
        id: 2,
        title: "Brazil",
        year: 1985,
        rating: Some(5),
    },
    Video {
        id: 3,
        title: "Clue",
        year: 1985,
        rating: None,
    },
    Video {
        id: 4,
        title: "Dune",
        year: 2021,
        rating: Some(4),
    },
    Video {
        id: 5,
        title: "Ed Wood",
        year: 1994,
        rating: Some(3),
    },
    Video {
        id: 6,
        title: "Fargo",
        year: 1996,
        rating: Some(5),
    },
];

/// A list of videos: its key under `lists`, its name, its video ids.
struct List {
    key: &'static str,
    name: &'static str,
    videos: &'static [i64],
}

/// `genreLists`, in order.
const LISTS: &[List] = &[
    List {
        key: "comedies",
        name: "Comedies",
        videos: &[3, 5, 2],
    },
    List {
        key: "dramas",
        name: "Dramas",
        videos: &[1, 4],
    },
];

/// What the requests change: the user's ratings and `myList`.
#[derive(Debug)]
struct State {
    user_ratings: HashMap<i64, i64>,
    my_list: Vec<i64>,
}

/// The state, shared by the handlers.
#[derive(Debug, Clone)]
struct Shared(Arc<Mutex<State>>);

impl Shared {
    fn new() -> Shared {
        Shared(Arc::new(Mutex::new(State {
            user_ratings: HashMap::new(),
            my_list: vec![1, 2],
        })))
    }

    /// The state; a handler that panicked holding it does not poison the
    /// others, whose data is still whole.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn video(id: i64) -> Option<&'static Video> {
    VIDEOS.iter().find(|video| video.id == id)
}

fn list(key: &Key) -> Option<&'static List> {
    let key = key.as_str()?;
    LISTS.iter().find(|list| list.key == key)
}

/// A path from its keys: `path(["videos".into(), 7.into()])`.
fn path<const N: usize>(keys: [Key; N]) -> Path {
    Path::from_iter(keys)
}

fn video_ref(id: i64) -> Value {
    Value::reference(path(["videos".into(), id.into()]))
}

/// An index of a list, if it is one (`0 <= index < len`).
fn position(index: &Key, len: usize) -> Option<usize> {
    let index = usize::try_from(index.as_integer()?).ok()?;
    (index < len).then_some(index)
}

/// Answers each path a route was asked with `value(path)`, leaving out
/// those it has nothing for (the router makes them empty atoms).
fn each_path(request: &Matched, value: impl Fn(&Path) -> Option<Value>) -> Output {
    request
        .every_path()
        .filter_map(|at| {
            let value = value(&at)?;
            Some(PathValue::new(at, value))
        })
        .collect()
}

fn router(shared: Shared) -> Result<Router, Box<dyn std::error::Error>> {
    let builder = catalog(Router::builder());
    let builder = user_ratings(builder, &shared);
    Ok(my_list(builder, &shared).build()?)
}

/// `genreLists`, `lists` and `videos`: read-only, two levels of refs, and
/// a ratings service that fails.
fn catalog(builder: Builder) -> Builder {
    builder
        .get("genreLists[{integers}]", |request, _ctx| async move {
            Ok::<_, HandlerError>(each_path(&request, |at| {
                let list = LISTS.get(position(&at[1], LISTS.len())?)?;
                Some(Value::reference(path(["lists".into(), list.key.into()])))
            }))
        })
        .get("genreLists.length", |_request, _ctx| async move {
            let length = LISTS.len() as i64;
            Ok::<_, HandlerError>(Output::new().value(PathSet::parse("genreLists.length")?, length))
        })
        .get("lists[{keys}].name", |request, _ctx| async move {
            Ok::<_, HandlerError>(each_path(&request, |at| Some(list(&at[1])?.name.into())))
        })
        .get("lists[{keys}].length", |request, _ctx| async move {
            Ok::<_, HandlerError>(each_path(&request, |at| {
                Some((list(&at[1])?.videos.len() as i64).into())
            }))
        })
        .get("lists[{keys}][{integers}]", |request, _ctx| async move {
            Ok::<_, HandlerError>(each_path(&request, |at| {
                let videos = list(&at[1])?.videos;
                Some(video_ref(videos[position(&at[2], videos.len())?]))
            }))
        })
        .get(
            "videos[{integers}]['title','year']",
            |request, _ctx| async move {
                Ok::<_, HandlerError>(each_path(&request, |at| {
                    let video = video(at[1].as_integer()?)?;
                    match at[2].as_str()? {
                        "title" => Some(video.title.into()),
                        _ => Some(video.year.into()),
                    }
                }))
            },
        )
        .get(
            "videos[{integers:ids}].rating",
            |request, _ctx| async move {
                let mut output = Output::new();
                for id in request.integers("ids")? {
                    let Some(video) = video(id) else { continue };
                    // One call to the ratings service for all the ids: when it
                    // fails, it fails for every one of them.
                    let rating = video
                        .rating
                        .ok_or_else(|| HandlerError::new("ratings service unavailable"))?;
                    output =
                        output.value(path(["videos".into(), id.into(), "rating".into()]), rating);
                }
                Ok::<_, HandlerError>(output)
            },
        )
}

/// `videos[id].userRating`: set stores it, get reads it back.
fn user_ratings(builder: Builder, shared: &Shared) -> Builder {
    let (read, write) = (shared.clone(), shared.clone());
    builder
        .get("videos[{integers}].userRating", move |request, _ctx| {
            let state = read.clone();
            async move {
                let state = state.lock();
                Ok::<_, HandlerError>(each_path(&request, |at| {
                    Some((*state.user_ratings.get(&at[1].as_integer()?)?).into())
                }))
            }
        })
        .set("videos[{integers}].userRating", move |request, _ctx| {
            let state = write.clone();
            async move {
                let mut written = Output::new();
                for (at, value) in request.values() {
                    let id = at[1].as_integer().filter(|id| video(*id).is_some());
                    let rating = match value {
                        Value::Number(n) => n.as_i64().filter(|n| (1..=5).contains(n)),
                        _ => None,
                    };
                    let (Some(id), Some(rating)) = (id, rating) else {
                        return Err(HandlerError::new(
                            "userRating must be an integer from 1 to 5",
                        ));
                    };
                    state.lock().user_ratings.insert(id, rating);
                    written.push(PathValue::new(at, rating));
                }
                Ok(written)
            }
        })
}

/// `myList`: refs to videos, with `push` and `remove` calls.
fn my_list(builder: Builder, shared: &Shared) -> Builder {
    let (items, length) = (shared.clone(), shared.clone());
    let (push, remove) = (shared.clone(), shared.clone());
    builder
        .get("myList[{integers}]", move |request, _ctx| {
            let state = items.clone();
            async move {
                let state = state.lock();
                Ok::<_, HandlerError>(each_path(&request, |at| {
                    Some(video_ref(
                        state.my_list[position(&at[1], state.my_list.len())?],
                    ))
                }))
            }
        })
        .get("myList.length", move |_request, _ctx| {
            let state = length.clone();
            async move {
                let length = state.lock().my_list.len() as i64;
                Ok::<_, HandlerError>(Output::new().value(PathSet::parse("myList.length")?, length))
            }
        })
        .call("myList.push", move |request, _ctx| {
            let state = push.clone();
            async move {
                let id = request
                    .arguments()
                    .first()
                    .and_then(pushed_video)
                    .ok_or_else(|| {
                        HandlerError::new("myList.push takes a ref to a video, as videos[id]")
                    })?;
                let mut state = state.lock();
                state.my_list.push(id);
                let length = state.my_list.len() as i64;
                Ok::<_, HandlerError>(
                    Output::new()
                        .value(path(["myList".into(), (length - 1).into()]), video_ref(id))
                        .value(PathSet::parse("myList.length")?, length),
                )
            }
        })
        .call("myList.remove", move |request, _ctx| {
            let state = remove.clone();
            async move {
                let mut state = state.lock();
                let old_length = state.my_list.len();
                let index = request
                    .arguments()
                    .first()
                    .and_then(Json::as_u64)
                    .and_then(|index| usize::try_from(index).ok())
                    .filter(|index| *index < old_length)
                    .ok_or_else(|| {
                        HandlerError::new(format!(
                            "myList.remove takes an index below {old_length}"
                        ))
                    })?;
                state.my_list.remove(index);
                // The items from `index` on moved: clients must drop them.
                let moved = PathSet::parse(&format!("myList[{index}..{}]", old_length - 1))?;
                Ok::<_, HandlerError>(
                    Output::new()
                        .value(PathSet::parse("myList.length")?, state.my_list.len() as i64)
                        .invalidate(moved),
                )
            }
        })
}

/// The id of the video a `myList.push` argument names: a ref
/// `{"$type": "ref", "value": ["videos", id]}` or the bare path.
fn pushed_video(argument: &Json) -> Option<i64> {
    let target = match argument {
        Json::Object(sentinel) if sentinel.get("$type") == Some(&Json::from("ref")) => {
            sentinel.get("value")?
        }
        other => other,
    };
    let [first, id] = target.as_array()?.as_slice() else {
        return None;
    };
    let id = id.as_i64().or_else(|| id.as_str()?.parse().ok())?;
    (first == "videos" && video(id).is_some()).then_some(id)
}

/// Completes when stdin reaches EOF (the test closed it or died), or on
/// SIGTERM or Ctrl-C.
async fn shutdown() {
    let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = [0u8; 256];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _receiver_gone = closed.send(());
    });
    tokio::select! {
        _ = stdin_closed => {}
        () = http::shutdown_signal() => {}
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let router = router(Shared::new())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{address}")?;
    stdout.flush()?;
    drop(stdout);
    http::serve(listener, router, Config::default(), shutdown()).await?;
    Ok(())
}
