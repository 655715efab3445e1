//! Micro-benchmarks of the path module on the workload's own shapes:
//! parsing the home and detail requests, collapsing a wave's worth of
//! single paths, and counting path sets far too large to expand.
//!
//! Run with `cargo bench --bench path`; `cargo test --benches` runs each
//! once as a smoke test.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use peregrine::path::{collapse, KeySet, PathSet, Range};

/// The path strings of the home page and of a video's detail page.
const REQUESTS: [(&str, &str); 3] = [
    ("home_names", "genreLists[0..9].name"),
    (
        "home_titles",
        "genreLists[0..9][0..9]['title','boxshot','rating']",
    ),
    (
        "detail",
        "videos[1234]['title','synopsis','year','runtime','maturity','rating']",
    ),
];

fn parse(input: &str) -> PathSet {
    PathSet::parse(input).unwrap_or_else(|err| panic!("a benchmark input: {err}"))
}

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, input) in REQUESTS {
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), input, |b, input| {
            b.iter(|| PathSet::parse(black_box(input)))
        });
    }
    group.finish();
}

/// 1,000 single paths: the expansion of one dense path set, which
/// collapses back to it.
fn dense_paths() -> Vec<PathSet> {
    let paths: Vec<PathSet> = parse("videos[0..199]['title','year','rating','boxshot','runtime']")
        .expand()
        .map(PathSet::from)
        .collect();
    assert_eq!(paths.len(), 1_000);
    paths
}

/// 1,000 single paths with gaps and uneven fields, in a scrambled order:
/// every third video is missing, and which fields a video asks for
/// depends on its id, so siblings fall into several groups.
fn gappy_paths() -> Vec<PathSet> {
    const FIELDS: [&str; 5] = ["title", "year", "rating", "boxshot", "runtime"];
    let mut paths = Vec::with_capacity(1_000);
    let mut id: i64 = 0;
    while paths.len() < 1_000 {
        id += 1;
        if id % 3 == 0 {
            continue;
        }
        let wanted = 2 + (id % 4) as usize;
        for field in FIELDS.iter().cycle().skip(id as usize % 5).take(wanted) {
            if paths.len() < 1_000 {
                paths.push(PathSet::new(vec![
                    KeySet::from("videos"),
                    KeySet::from(id * 7 % 1_000),
                    KeySet::from(*field),
                ]));
            }
        }
    }
    paths
}

fn collapsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("collapse");
    group.throughput(Throughput::Elements(1_000));
    for (name, paths) in [("dense_1000", dense_paths()), ("gaps_1000", gappy_paths())] {
        group.bench_with_input(BenchmarkId::from_parameter(name), &paths, |b, paths| {
            b.iter(|| collapse(black_box(paths)))
        });
    }
    group.finish();
}

fn counting(c: &mut Criterion) {
    let mut group = c.benchmark_group("count");
    let huge = parse("videos[0..4294967295][0..1000000]['a','b','c']");
    assert_eq!(huge.count(), 4_294_967_296 * 1_000_001 * 3);
    // Twenty positions, each a list of two ranges and a key: saturates.
    let wide: PathSet = (0..20)
        .map(|i| {
            KeySet::list(vec![
                Range::new(0, 9).into(),
                Range::new(100 * i, 100 * i + 49).into(),
                "length".into(),
            ])
        })
        .collect();
    assert_eq!(wide.count(), u64::MAX);
    for (name, set) in [("huge_ranges", &huge), ("twenty_positions", &wide)] {
        group.bench_with_input(BenchmarkId::from_parameter(name), set, |b, set| {
            b.iter(|| black_box(set).count())
        });
    }
    group.finish();
}

// What `criterion_group!` and `criterion_main!` expand to, written out so
// that no undocumented public function is generated.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    parsing(&mut c);
    collapsing(&mut c);
    counting(&mut c);
    c.final_summary();
}
