//! Loaders: one backend call per wave, shared in-flight calls, scopes that
//! never mix users, failures given to every caller, cancellation that
//! leaves the others alone; the cache: hits without calls, entries that
//! never cross users, expiry, the weight bound, writes, the switch and its
//! metrics.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::{join_all, BoxFuture, FutureExt};
use peregrine::loader::{LoadError, LoadErrorKind, Loaded, Loader, Scope, Settings};
use tokio::time::sleep;

/// One backend call: its scope and keys.
type Call = (Scope, Vec<u32>);

/// A fake backend operation that records each call and can be slow, fail,
/// panic or leave keys out. Values name the scope they were fetched in.
#[derive(Clone, Default)]
struct Backend {
    calls: Arc<Mutex<Vec<Call>>>,
    delay: Duration,
    fail: Option<LoadError>,
    panic: bool,
    missing: HashSet<u32>,
}

impl Backend {
    fn slow(delay: Duration) -> Backend {
        Backend {
            delay,
            ..Backend::default()
        }
    }

    fn loader(&self, settings: Settings) -> Loader<u32, String> {
        Loader::new(settings, self.batch())
    }

    /// The batch function of this backend.
    fn batch(
        &self,
    ) -> impl Fn(Scope, Vec<u32>) -> BoxFuture<'static, Result<HashMap<u32, String>, LoadError>>
           + Send
           + Sync
           + 'static {
        let backend = self.clone();
        move |scope: Scope, keys: Vec<u32>| {
            let backend = backend.clone();
            async move {
                backend
                    .calls
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((scope.clone(), keys.clone()));
                if !backend.delay.is_zero() {
                    sleep(backend.delay).await;
                }
                assert!(!backend.panic, "the backend exploded");
                if let Some(error) = backend.fail {
                    return Err(error);
                }
                Ok(keys
                    .into_iter()
                    .filter(|key| !backend.missing.contains(key))
                    .map(|key| (key, value(&scope, key)))
                    .collect::<HashMap<_, _>>())
            }
            .boxed()
        }
    }

    /// The calls so far, each call's keys sorted.
    fn calls(&self) -> Vec<Call> {
        let mut calls = self
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (_, keys) in &mut calls {
            keys.sort_unstable();
        }
        calls
    }

    fn call_keys(&self) -> Vec<Vec<u32>> {
        self.calls().into_iter().map(|(_, keys)| keys).collect()
    }
}

fn value(scope: &Scope, key: u32) -> String {
    format!("{scope}:{key}")
}

fn settings() -> Settings {
    Settings::new("test")
}

/// The values of `keys` as the backend answers them in `scope`.
fn expected(scope: &Scope, keys: impl IntoIterator<Item = u32>) -> Loaded<u32, String> {
    keys.into_iter()
        .map(|key| (key, Ok(value(scope, key))))
        .collect()
}

/// A cache long enough that nothing expires during a test, even in
/// paused time.
fn cached() -> Settings {
    settings().cache(Duration::from_secs(600), 1_000)
}

#[tokio::test(start_paused = true)]
async fn handlers_of_one_wave_make_one_call() {
    let backend = Backend::default();
    let loader = backend.loader(settings());
    let shared = Scope::shared();
    // As the router runs a wave: every handler in one join_all on one task.
    let answers = join_all(
        [vec![1, 2], vec![3], vec![4, 5, 6]].map(|keys| loader.load_many(shared.clone(), keys)),
    )
    .await;
    assert_eq!(backend.call_keys(), [vec![1, 2, 3, 4, 5, 6]]);
    assert_eq!(answers[0], expected(&shared, [1, 2]));
    assert_eq!(answers[1], expected(&shared, [3]));
    assert_eq!(answers[2], expected(&shared, [4, 5, 6]));
    assert!(loader.is_idle());
}

#[tokio::test(start_paused = true)]
async fn duplicate_keys_within_and_across_callers_are_asked_once() {
    let backend = Backend::default();
    let loader = backend.loader(settings());
    let shared = Scope::shared();
    let (a, b, c) = tokio::join!(
        loader.load_many(shared.clone(), [1, 1, 2, 1]),
        loader.load_many(shared.clone(), [2, 3, 2]),
        loader.load_one(shared.clone(), 1),
    );
    assert_eq!(backend.call_keys(), [vec![1, 2, 3]]);
    assert_eq!(a, expected(&shared, [1, 2]));
    assert_eq!(b, expected(&shared, [2, 3]));
    assert_eq!(c, Ok(Some(value(&shared, 1))));
}

#[tokio::test(start_paused = true)]
async fn keys_come_back_once_each_in_the_order_asked_cached_ones_first() {
    let backend = Backend::default();
    let loader = backend.loader(cached());
    let shared = Scope::shared();
    loader.load_many(shared.clone(), [20]).await;
    let loaded = loader.load_many(shared.clone(), [30, 10, 20, 30, 5]).await;
    let keys: Vec<u32> = loaded.into_iter().map(|(key, _)| key).collect();
    assert_eq!(keys, [20, 30, 10, 5]);
}

#[tokio::test(start_paused = true)]
async fn batches_split_at_the_max_batch_size() {
    let backend = Backend::default();
    let loader = backend.loader(settings().max_batch_size(3));
    let shared = Scope::shared();
    let all = loader.load_many(shared.clone(), 1..=7).await;
    assert_eq!(all, expected(&shared, 1..=7));
    let mut sizes: Vec<usize> = backend.call_keys().iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [1, 3, 3]);

    // Across callers of one wave too, each key asked once.
    let backend = Backend::default();
    let loader = backend.loader(settings().max_batch_size(4));
    let (a, b) = tokio::join!(
        loader.load_many(shared.clone(), 1..=4),
        loader.load_many(shared.clone(), 3..=6)
    );
    assert_eq!(backend.call_keys(), [vec![1, 2, 3, 4], vec![5, 6]]);
    assert_eq!(a, expected(&shared, 1..=4));
    assert_eq!(b, expected(&shared, 3..=6));
}

#[tokio::test(start_paused = true)]
async fn concurrent_requests_share_a_call_in_flight() {
    let backend = Backend::slow(Duration::from_millis(10));
    let loader = backend.loader(settings());
    let shared = Scope::shared();
    let first = tokio::spawn(loader.load_many(shared.clone(), [1, 2]));
    sleep(Duration::from_millis(1)).await;
    assert_eq!(
        backend.call_keys(),
        [vec![1, 2]],
        "the first request's call is in flight"
    );

    // A second request (another task) asks 2 again and 3: only 3 is new.
    let second = loader.load_many(shared.clone(), [2, 3]).await;
    assert_eq!(backend.call_keys(), [vec![1, 2], vec![3]]);
    assert_eq!(second, expected(&shared, [2, 3]));
    assert_eq!(first.await.ok(), Some(expected(&shared, [1, 2])));
    assert!(loader.is_idle());

    // Once the call is over, the key is asked again (this loader has no
    // cache).
    loader.load_one(shared.clone(), 2).await.ok();
    assert_eq!(backend.call_keys().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_window_coalesces_concurrent_requests() {
    let shared = Scope::shared();
    let backend = Backend::default();
    let loader = backend.loader(settings().window(Duration::from_millis(1)));
    let first = tokio::spawn(loader.load_many(shared.clone(), [1]));
    sleep(Duration::from_micros(500)).await;
    let second = loader.load_many(shared.clone(), [2]).await;
    assert_eq!(backend.call_keys(), [vec![1, 2]]);
    assert_eq!(second, expected(&shared, [2]));
    assert_eq!(first.await.ok(), Some(expected(&shared, [1])));

    // Without a window, the first request's batch has fired by then.
    let backend = Backend::default();
    let loader = backend.loader(settings());
    let first = tokio::spawn(loader.load_many(shared.clone(), [1]));
    sleep(Duration::from_micros(500)).await;
    loader.load_many(shared.clone(), [2]).await;
    first.await.ok();
    assert_eq!(backend.call_keys(), [vec![1], vec![2]]);
}

#[tokio::test(start_paused = true)]
async fn users_never_share_a_call_with_another_user_or_the_shared_scope() {
    let backend = Backend::slow(Duration::from_millis(10));
    let loader = backend.loader(settings().user_scoped());
    let (ann, bob) = (Scope::user("ann"), Scope::user("bob"));
    let (a, b) = tokio::join!(
        loader.load_many(ann.clone(), [1, 2]),
        loader.load_many(bob.clone(), [1, 2])
    );
    assert_eq!(a, expected(&ann, [1, 2]));
    assert_eq!(b, expected(&bob, [1, 2]));
    let mut calls = backend.calls();
    calls.sort_by_key(|(scope, _)| scope.to_string());
    assert_eq!(
        calls,
        [(ann.clone(), vec![1, 2]), (bob.clone(), vec![1, 2])]
    );

    // Nor while one user's call is in flight.
    let backend = Backend::slow(Duration::from_millis(10));
    let loader = backend.loader(settings().user_scoped());
    let first = tokio::spawn(loader.load_many(ann.clone(), [1]));
    sleep(Duration::from_millis(1)).await;
    let second = loader.load_many(bob.clone(), [1]).await;
    assert_eq!(second, expected(&bob, [1]));
    assert_eq!(first.await.ok(), Some(expected(&ann, [1])));
    assert_eq!(
        backend.calls(),
        [(ann.clone(), vec![1]), (bob.clone(), vec![1])]
    );

    // A loader that allows the shared scope keeps it apart from users.
    let backend = Backend::default();
    let loader = backend.loader(settings());
    let (shared, user) = tokio::join!(
        loader.load_one(Scope::shared(), 1),
        loader.load_one(ann.clone(), 1)
    );
    assert_eq!(shared, Ok(Some(value(&Scope::shared(), 1))));
    assert_eq!(user, Ok(Some(value(&ann, 1))));
    assert_eq!(backend.calls().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_user_scoped_loader_refuses_the_shared_scope() {
    let backend = Backend::default();
    let loader = backend.loader(settings().user_scoped());
    let answer = loader.load_many(Scope::shared(), [1, 2]).await;
    assert_eq!(answer.len(), 2);
    assert!(answer.values().all(|value| value
        .as_ref()
        .is_err_and(|error| error.kind() == LoadErrorKind::Refused)));
    assert!(backend.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_failing_call_fails_every_callers_keys() {
    let backend = Backend {
        fail: Some(LoadError::backend("videos service: 503")),
        ..Backend::default()
    };
    let loader = backend.loader(settings());
    let shared = Scope::shared();
    let (a, b) = tokio::join!(
        loader.load_many(shared.clone(), [1, 2]),
        loader.load_many(shared.clone(), [2, 3])
    );
    assert_eq!(backend.calls().len(), 1);
    for answer in [&a, &b] {
        assert_eq!(answer.len(), 2);
        for value in answer.values() {
            let error = value
                .as_ref()
                .err()
                .cloned()
                .unwrap_or_else(|| LoadError::refused("no error"));
            assert!(error.kind() == LoadErrorKind::Backend, "{error}");
            assert_eq!(error.message(), "videos service: 503");
        }
    }
    assert!(loader.is_idle());
}

#[tokio::test(start_paused = true)]
async fn keys_the_backend_left_out_are_absent() {
    let backend = Backend {
        missing: HashSet::from([2]),
        ..Backend::default()
    };
    let loader = backend.loader(settings());
    let shared = Scope::shared();
    assert_eq!(
        loader.load_many(shared.clone(), [1, 2]).await,
        expected(&shared, [1])
    );
    assert_eq!(loader.load_one(shared.clone(), 2).await, Ok(None));
}

#[tokio::test(start_paused = true)]
async fn a_slow_call_times_out() {
    let shared = Scope::shared();
    let backend = Backend::slow(Duration::from_millis(10));
    let loader = backend.loader(settings().timeout(Duration::from_millis(5)));
    let answer = loader.load_one(shared.clone(), 1).await;
    assert!(answer.is_err_and(|error| error.kind() == LoadErrorKind::TimedOut));
    assert!(loader.is_idle());
}

#[tokio::test(start_paused = true)]
async fn a_panicking_call_fails_its_keys() {
    let shared = Scope::shared();
    let backend = Backend {
        panic: true,
        ..Backend::default()
    };
    let loader = backend.loader(settings());
    let answer = loader.load_one(shared.clone(), 1).await;
    assert!(answer.is_err_and(|error| error.kind() == LoadErrorKind::Backend));
    assert!(loader.is_idle());
}

/// Asks `first_keys`, then keys 1 and 2 a millisecond later, and
/// cancels the first caller a millisecond after that: the second is
/// answered by one call of 1 and 2, and the loader is left idle.
async fn the_second_caller_is_answered(backend: Backend, settings: Settings, first_keys: &[u32]) {
    let shared = Scope::shared();
    let loader = backend.loader(settings);
    let first = tokio::spawn(loader.load_many(shared.clone(), first_keys.to_vec()));
    sleep(Duration::from_millis(1)).await;
    let second = tokio::spawn(loader.load_many(shared.clone(), [1, 2]));
    sleep(Duration::from_millis(1)).await;
    first.abort();
    assert_eq!(second.await.ok(), Some(expected(&shared, [1, 2])));
    assert_eq!(backend.call_keys(), [vec![1, 2]]);
    assert!(loader.is_idle());
}

#[tokio::test(start_paused = true)]
async fn a_caller_cancelled_while_its_call_is_in_flight_does_not_break_the_others() {
    let backend = Backend::slow(Duration::from_millis(10));
    the_second_caller_is_answered(backend, settings(), &[1, 2]).await;
}

#[tokio::test(start_paused = true)]
async fn a_caller_cancelled_before_its_batch_fired_leaves_it_to_the_others() {
    let settings = settings().window(Duration::from_millis(5));
    the_second_caller_is_answered(Backend::default(), settings, &[1]).await;
}

#[tokio::test(start_paused = true)]
async fn when_every_caller_is_cancelled_before_the_batch_fired_no_call_is_made() {
    let shared = Scope::shared();
    let backend = Backend::default();
    let loader = backend.loader(settings().window(Duration::from_millis(5)));
    let only = tokio::spawn(loader.load_many(shared.clone(), [1]));
    sleep(Duration::from_millis(1)).await;
    only.abort();
    assert!(only.await.is_err_and(|error| error.is_cancelled()));
    assert!(loader.is_idle());
    sleep(Duration::from_millis(10)).await;
    assert!(backend.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_second_load_of_cached_keys_makes_no_backend_call() {
    let backend = Backend::default();
    let loader = backend.loader(cached());
    let shared = Scope::shared();
    assert_eq!(
        loader.load_many(shared.clone(), [1, 2]).await,
        expected(&shared, [1, 2])
    );
    assert_eq!(
        loader.load_many(shared.clone(), [2, 1]).await,
        expected(&shared, [1, 2])
    );
    assert_eq!(
        loader.load_one(shared.clone(), 1).await,
        Ok(Some(value(&shared, 1)))
    );
    assert_eq!(backend.call_keys(), [vec![1, 2]]);

    // Only the misses go to the backend.
    assert_eq!(
        loader.load_many(shared.clone(), [1, 2, 3]).await,
        expected(&shared, [1, 2, 3])
    );
    assert_eq!(backend.call_keys(), [vec![1, 2], vec![3]]);
    assert_eq!(loader.cached_ttl(), Some(Duration::from_secs(600)));
    assert!(loader.is_idle());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_users_cached_value_is_never_served_to_another_user_or_the_shared_scope() {
    let backend = Backend::slow(Duration::from_millis(1));
    let loader = backend.loader(cached());
    let scopes: Vec<Scope> = (0..16)
        .map(|user| Scope::user(&format!("user{user}")))
        .chain([Scope::shared()])
        .collect();
    // Many tasks per scope, interleaved, each loading overlapping keys
    // several times: cold, in flight and cached answers all mix.
    let mut tasks = Vec::new();
    for round in 0..6 {
        for scope in &scopes {
            let (loader, scope) = (loader.clone(), scope.clone());
            tasks.push(tokio::spawn(async move {
                let mut wrong = Vec::new();
                for pass in 0..5u32 {
                    let keys: Vec<u32> = (0..4).map(|k| (k + pass + round) % 8).collect();
                    let answer = loader.load_many(scope.clone(), keys.clone()).await;
                    if answer != expected(&scope, keys.iter().copied()) {
                        wrong.push((scope.clone(), answer));
                    }
                }
                wrong
            }));
        }
    }
    let wrong: Vec<_> = join_all(tasks)
        .await
        .into_iter()
        .flat_map(|task| task.unwrap_or_default())
        .collect();
    assert!(wrong.is_empty(), "answers of another scope: {wrong:?}");
    // Each scope's keys were fetched, once or a few times, in that scope.
    let calls = backend.calls();
    assert!(calls.iter().all(|(scope, _)| scopes.contains(scope)));
    let asked: usize = calls.iter().map(|(_, keys)| keys.len()).sum();
    assert!(
        asked <= scopes.len() * 8,
        "cached keys were asked again: {asked} keys"
    );

    // A value primed for one user is that user's alone.
    let (ann, bob) = (Scope::user("ann"), Scope::user("bob"));
    loader
        .prime(ann.clone(), 1, "ann's secret".to_string())
        .await;
    assert_eq!(
        loader.load_one(ann.clone(), 1).await,
        Ok(Some("ann's secret".to_string()))
    );
    assert_eq!(
        loader.load_one(bob.clone(), 1).await,
        Ok(Some(value(&bob, 1)))
    );
    assert_eq!(
        loader.load_one(Scope::shared(), 1).await,
        Ok(Some(value(&Scope::shared(), 1)))
    );
}

#[tokio::test(start_paused = true)]
async fn a_user_scoped_loader_caches_nothing_in_the_shared_scope() {
    let backend = Backend::default();
    let loader = backend.loader(cached().user_scoped());
    loader
        .prime(Scope::shared(), 1, "everyone's".to_string())
        .await;
    assert!(loader
        .load_one(Scope::shared(), 1)
        .await
        .is_err_and(|error| error.kind() == LoadErrorKind::Refused));
    assert_eq!(loader.cached_size(), (0, 0));
    assert!(backend.calls().is_empty());
}

// Entries expire by tokio's clock, so paused time moves them past their TTL.
#[tokio::test(start_paused = true)]
async fn cached_values_expire_after_their_ttl() {
    let backend = Backend::default();
    let loader = backend.loader(settings().cache(Duration::from_millis(100), 100));
    let shared = Scope::shared();
    loader.load_one(shared.clone(), 1).await.ok();
    loader.load_one(shared.clone(), 1).await.ok();
    assert_eq!(backend.calls().len(), 1, "a hit within the TTL");
    sleep(Duration::from_millis(250)).await;
    assert_eq!(
        loader.load_one(shared.clone(), 1).await,
        Ok(Some(value(&shared, 1)))
    );
    assert_eq!(
        backend.call_keys(),
        [vec![1], vec![1]],
        "refetched once expired"
    );
}

/// A loader whose cache holds a weight of 100, where key 0 is in use
/// throughout while 500 others are each read once: the backend, the
/// loader, and the greatest weight held after any of those reads.
async fn one_key_in_use_while_500_pass() -> (Backend, Loader<u32, String>, u64) {
    let backend = Backend::default();
    // Each value weighs 4 ("shared:N" for N < 10 is 8 bytes; halved) or
    // 5 (N >= 10): at most 25 values fit in 100.
    let loader = Loader::with_weigher(
        settings().cache(Duration::from_secs(600), 100),
        |_key: &u32, value: &String| (value.len() / 2) as u32,
        backend.batch(),
    );
    let shared = Scope::shared();
    let mut heaviest = 0;
    for key in 1..=500 {
        loader.load_one(shared.clone(), key).await.ok();
        assert_eq!(
            loader.load_one(shared.clone(), 0).await,
            Ok(Some(value(&shared, 0)))
        );
        heaviest = heaviest.max(loader.cached_size().1);
    }
    (backend, loader, heaviest)
}

#[tokio::test(start_paused = true)]
async fn the_weight_bound_holds() {
    let (backend, loader, heaviest) = one_key_in_use_while_500_pass().await;
    assert!(heaviest <= 100, "{heaviest} is over the bound of 100");
    // The first of the passing values is long gone.
    let calls = backend.calls().len();
    loader.load_one(Scope::shared(), 1).await.ok();
    assert_eq!(backend.calls().len(), calls + 1, "1 was evicted");
}

#[tokio::test(start_paused = true)]
async fn a_value_in_use_is_kept_while_others_pass() {
    let (backend, _, _) = one_key_in_use_while_500_pass().await;
    let asked_0 = backend
        .call_keys()
        .iter()
        .filter(|keys| keys.contains(&0))
        .count();
    assert_eq!(asked_0, 1, "the value in use was never evicted");
}

/// A user-scoped caching loader that has loaded keys 1 and 2 for ann and
/// for bob, in two calls.
async fn ann_and_bob_loaded() -> (Backend, Loader<u32, String>, Scope, Scope) {
    let backend = Backend::default();
    let loader = backend.loader(cached().user_scoped());
    let (ann, bob) = (Scope::user("ann"), Scope::user("bob"));
    loader.load_many(ann.clone(), [1, 2]).await;
    loader.load_many(bob.clone(), [1, 2]).await;
    assert_eq!(backend.calls().len(), 2);
    (backend, loader, ann, bob)
}

#[tokio::test(start_paused = true)]
async fn a_primed_value_is_seen_without_a_call_in_its_scope_only() {
    let (backend, loader, ann, bob) = ann_and_bob_loaded().await;
    // set rating: the new value is primed, no call needed to see it.
    loader
        .prime(ann.clone(), 1, "ann rated 5".to_string())
        .await;
    assert_eq!(
        loader.load_one(ann.clone(), 1).await,
        Ok(Some("ann rated 5".to_string()))
    );
    assert_eq!(
        loader.load_one(bob.clone(), 1).await,
        Ok(Some(value(&bob, 1)))
    );
    assert_eq!(backend.calls().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_invalidated_key_is_asked_of_the_backend_alone() {
    let (backend, loader, ann, _) = ann_and_bob_loaded().await;
    loader.invalidate(ann.clone(), 1).await;
    assert_eq!(
        loader.load_many(ann.clone(), [1, 2]).await,
        expected(&ann, [1, 2])
    );
    assert_eq!(backend.calls().last(), Some(&(ann.clone(), vec![1])));
}

#[tokio::test(start_paused = true)]
async fn invalidating_a_users_scope_drops_only_that_users_entries() {
    let (backend, loader, ann, bob) = ann_and_bob_loaded().await;
    // push/remove on my list: the user's whole scope is dropped.
    loader.invalidate_scope(ann.clone()).await;
    loader.load_many(ann.clone(), [1, 2]).await;
    loader.load_many(bob.clone(), [1, 2]).await;
    assert_eq!(
        backend.calls()[2..],
        [(ann.clone(), vec![1, 2])],
        "bob's entries were kept"
    );
}

#[tokio::test(start_paused = true)]
async fn a_write_during_a_call_in_flight_is_not_overwritten_by_its_answer() {
    let backend = Backend::slow(Duration::from_millis(10));
    let loader = backend.loader(cached());
    let shared = Scope::shared();
    let before = tokio::spawn(loader.load_one(shared.clone(), 1));
    sleep(Duration::from_millis(1)).await;
    loader.prime(shared.clone(), 1, "written".to_string()).await;
    // The load that began before the write gets the old answer...
    assert_eq!(before.await.ok(), Some(Ok(Some(value(&shared, 1)))));
    // ...but the cache keeps the write.
    assert_eq!(
        loader.load_one(shared.clone(), 1).await,
        Ok(Some("written".to_string()))
    );

    // After an invalidation, a load does not join the older call.
    let backend = Backend::slow(Duration::from_millis(10));
    let loader = backend.loader(cached());
    let before = tokio::spawn(loader.load_one(shared.clone(), 1));
    sleep(Duration::from_millis(1)).await;
    loader.invalidate(shared.clone(), 1).await;
    let after = loader.load_one(shared.clone(), 1).await;
    assert_eq!(after, Ok(Some(value(&shared, 1))));
    before.await.ok();
    assert_eq!(backend.call_keys(), [vec![1], vec![1]]);
    loader.load_one(shared.clone(), 1).await.ok();
    assert_eq!(
        backend.calls().len(),
        2,
        "the newer call's answer is cached"
    );
    assert!(loader.is_idle());
}

#[tokio::test(start_paused = true)]
async fn errors_and_absent_keys_are_not_cached() {
    let shared = Scope::shared();
    let backend = Backend {
        fail: Some(LoadError::backend("videos service: 503")),
        ..Backend::default()
    };
    let loader = backend.loader(cached());
    for _ in 0..2 {
        assert!(loader
            .load_one(shared.clone(), 1)
            .await
            .is_err_and(|error| error.kind() == LoadErrorKind::Backend));
    }
    assert_eq!(backend.calls().len(), 2);

    let backend = Backend {
        missing: HashSet::from([2]),
        ..Backend::default()
    };
    let loader = backend.loader(cached());
    for _ in 0..2 {
        assert_eq!(
            loader.load_many(shared.clone(), [1, 2]).await,
            expected(&shared, [1])
        );
    }
    assert_eq!(backend.call_keys(), [vec![1, 2], vec![2]]);
}

#[tokio::test(start_paused = true)]
async fn with_the_cache_off_every_load_calls_the_backend() {
    let shared = Scope::shared();
    for settings in [settings(), cached().caching(false)] {
        let backend = Backend::default();
        let loader = backend.loader(settings);
        for _ in 0..3 {
            assert_eq!(
                loader.load_many(shared.clone(), [1, 2]).await,
                expected(&shared, [1, 2])
            );
        }
        assert_eq!(backend.calls().len(), 3);
        assert_eq!(loader.cached_ttl(), None);
        loader.prime(shared.clone(), 1, "written".to_string()).await;
        assert_eq!(loader.cached_size(), (0, 0));
    }
}

#[test]
fn cache_hits_and_misses_are_counted_by_kind_of_scope_and_tier() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let Ok(runtime) = runtime else {
        panic!("no runtime");
    };
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let backend = Backend::default();
            let loader =
                backend.loader(Settings::new("counted").cache(Duration::from_secs(600), 100));
            let ann = Scope::user("ann");
            loader.load_many(Scope::shared(), [1, 2]).await;
            loader.load_many(Scope::shared(), [1, 2, 3]).await;
            loader.load_many(ann.clone(), [1]).await;
            loader.load_many(ann.clone(), [1]).await;
        });
    });
    let rendered = handle.render();
    let count = |name: &str, scope: &str| {
        let series = format!("{name}{{loader=\"counted\",scope=\"{scope}\",tier=\"local\"}} ");
        rendered
            .lines()
            .find_map(|line| line.strip_prefix(&series))
            .and_then(|count| count.parse::<u64>().ok())
    };
    assert_eq!(
        count("peregrine_cache_hits_total", "shared"),
        Some(2),
        "{rendered}"
    );
    assert_eq!(
        count("peregrine_cache_misses_total", "shared"),
        Some(3),
        "{rendered}"
    );
    assert_eq!(
        count("peregrine_cache_hits_total", "user"),
        Some(1),
        "{rendered}"
    );
    assert_eq!(
        count("peregrine_cache_misses_total", "user"),
        Some(1),
        "{rendered}"
    );
    assert!(
        !rendered.contains("ann"),
        "no user id in labels: {rendered}"
    );
}
