//! Routing the home request of CONTRACT.md §4 through handlers that
//! answer from memory: the router's own cost per request, without
//! backends. `cargo bench --bench router`.
//!
//! `ROUTER_ITERATIONS=N` routes the home request N times without
//! criterion, for instruction counts: the difference between
//! `valgrind --tool=callgrind` runs of N=20 and N=220, over 200, is the
//! instructions of one request.

use criterion::Criterion;
use peregrine::graph::{PathValue, Value};
use peregrine::path::{Key, Path, PathSet};
use peregrine::router::{Builder, Context, HandlerError, Output, Router};

const ROWS: i64 = 40;
const LIST_LENGTH: i64 = 75;

fn path(keys: Vec<Key>) -> PathSet {
    Path::from(keys).to_path_set()
}

/// The catalog graph's routes, answered from memory with the shapes and
/// sizes of the demo data.
fn catalog() -> Router {
    videos(lists(rows(Router::builder())))
        .build()
        .expect("a valid route table")
}

/// The home page's rows: refs to lists.
fn rows(builder: Builder) -> Builder {
    builder.get("genreLists[{integers:rows}]", |req, _ctx| async move {
        Ok::<_, HandlerError>(
            req.integers("rows")?
                .into_iter()
                .filter(|row| (0..ROWS).contains(row))
                .map(|row| {
                    let list = Path::from(vec![
                        Key::from_static("lists"),
                        format!("list-{}", row + 1).into(),
                    ]);
                    PathValue::new(
                        path(vec![Key::from_static("genreLists"), row.into()]),
                        Value::reference(list),
                    )
                })
                .collect::<Output>(),
        )
    })
}

/// The lists: their names, and refs to their videos.
fn lists(builder: Builder) -> Builder {
    builder
        .get("lists[{keys:ids}].name", |req, _ctx| async move {
            Ok::<_, HandlerError>(
                req.keys("ids")?
                    .into_iter()
                    .map(|id| {
                        PathValue::new(
                            path(vec![
                                Key::from_static("lists"),
                                id.clone(),
                                Key::from_static("name"),
                            ]),
                            format!("Row {id}"),
                        )
                    })
                    .collect::<Output>(),
            )
        })
        .get(
            "lists[{keys:ids}][{integers:indices}]",
            |req, _ctx| async move {
                let mut out = Output::new();
                for (n, id) in req.keys("ids")?.into_iter().enumerate() {
                    for index in req
                        .integers("indices")?
                        .into_iter()
                        .filter(|i| (0..LIST_LENGTH).contains(i))
                    {
                        let video = Path::from(vec![
                            Key::from_static("videos"),
                            (1 + (n as i64 * 75 + index) % 10_000).into(),
                        ]);
                        out.push(PathValue::new(
                            path(vec![Key::from_static("lists"), id.clone(), index.into()]),
                            Value::reference(video),
                        ));
                    }
                }
                Ok::<_, HandlerError>(out)
            },
        )
}

/// The videos: their catalog fields, and each one's rating.
fn videos(builder: Builder) -> Builder {
    builder
        .get(
            "videos[{integers:ids}]['title','boxshot','year','synopsis','runtime','maturity']",
            |req, _ctx| async move {
                let fields = req.keys_at(2);
                let mut out = Output::new();
                for id in req.integers("ids")? {
                    for field in &fields {
                        let value = match field.as_str() {
                            Some("title") => Value::from(format!("Video {id}")),
                            Some("boxshot") => {
                                Value::from(format!("https://img.example/boxshot/{id}.jpg"))
                            }
                            _ => Value::from(1990 + id % 30),
                        };
                        out.push(PathValue::new(
                            path(vec![Key::from_static("videos"), id.into(), field.clone()]),
                            value,
                        ));
                    }
                }
                Ok::<_, HandlerError>(out)
            },
        )
        .get("videos[{integers:ids}].rating", |req, _ctx| async move {
            Ok::<_, HandlerError>(
                req.integers("ids")?
                    .into_iter()
                    .map(|id| {
                        PathValue::new(
                            path(vec![
                                Key::from_static("videos"),
                                id.into(),
                                Key::from_static("rating"),
                            ]),
                            (id % 50) as f64 / 10.0,
                        )
                    })
                    .collect::<Output>(),
            )
        })
}

/// The home request of CONTRACT.md §4.
fn home_paths() -> [PathSet; 2] {
    [
        PathSet::parse("genreLists[0..9].name").expect("valid"),
        PathSet::parse("genreLists[0..9][0..9]['title','boxshot','rating']").expect("valid"),
    ]
}

fn home(c: &mut Criterion) {
    let router = catalog();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let home = home_paths();
    let detail =
        [
            PathSet::parse("videos[1234]['title','synopsis','year','runtime','maturity','rating']")
                .expect("valid"),
        ];
    let ctx = Context::new().with_user("u17");
    let answer = runtime.block_on(router.get(&home, &ctx)).expect("answered");
    let bytes = serde_json::to_vec(&answer).expect("serializable").len();
    println!("home answer: {bytes} bytes of JSON");
    c.bench_function("route the home request (3 waves, 310 paths)", |b| {
        b.iter(|| runtime.block_on(router.get(&home, &ctx)))
    });
    c.bench_function("route the home request and write its JSON", |b| {
        b.iter(|| {
            let answer = runtime.block_on(router.get(&home, &ctx)).expect("answered");
            serde_json::to_vec(&answer).expect("serializable")
        })
    });
    c.bench_function("route the detail request", |b| {
        b.iter(|| runtime.block_on(router.get(&detail, &ctx)))
    });
}

// What `criterion_group!` and `criterion_main!` expand to, written out so
// that no undocumented public function is generated.
fn main() {
    // ROUTER_ITERATIONS=N: route the home request N times and stop, for
    // counting instructions (`valgrind --tool=callgrind`), steadier than
    // time on a shared machine.
    if let Some(n) = std::env::var("ROUTER_ITERATIONS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        let router = catalog();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let ctx = Context::new().with_user("u17");
        let home = home_paths();
        for _ in 0..n {
            let answer = runtime.block_on(router.get(&home, &ctx)).expect("answered");
            std::hint::black_box(answer);
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    home(&mut c);
    c.final_summary();
}
