//! What users change: the ratings they set and their "my list".
//!
//! A user nobody has changed has no entry: their ratings are the
//! predictions and their my list the one the catalog starts them with.
//! Entries are spread over a fixed number of locks by user, so users do
//! not wait on each other (bar the rare ones sharing a lock), and memory
//! grows with the users who changed something, not with `users`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::data::{Catalog, User};

/// How many locks the users are spread over.
const SHARDS: usize = 64;

/// What one user changed.
#[derive(Debug, Default)]
struct Changes {
    ratings: HashMap<u64, f64>,
    /// `None` until the user first changes their my list.
    my_list: Option<Vec<u64>>,
}

/// Every user's changes.
#[derive(Debug)]
pub(crate) struct Store {
    shards: Vec<Mutex<HashMap<User, Changes>>>,
}

impl Store {
    pub(crate) fn new() -> Self {
        Store {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    fn shard(&self, user: User) -> MutexGuard<'_, HashMap<User, Changes>> {
        // A panic cannot leave a map half changed (each change is one
        // insert or one Vec operation), so a poisoned lock is still good.
        self.shards[user.number() as usize % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The user's rating of each video of `videos` (all known to the
    /// catalog): the one they set, else the prediction.
    pub(crate) fn ratings(&self, catalog: &Catalog, user: User, videos: &[u64]) -> Vec<(u64, f64)> {
        let shard = self.shard(user);
        let set = shard.get(&user).map(|changes| &changes.ratings);
        videos
            .iter()
            .map(|&video| {
                let rating = set.and_then(|set| set.get(&video).copied());
                (
                    video,
                    rating.unwrap_or_else(|| catalog.predicted_rating(user, video)),
                )
            })
            .collect()
    }

    /// Stores the user's rating of the video, replacing the prediction.
    pub(crate) fn set_rating(&self, user: User, video: u64, rating: f64) {
        let mut shard = self.shard(user);
        shard.entry(user).or_default().ratings.insert(video, rating);
    }

    /// The user's my list as it is now.
    pub(crate) fn my_list(&self, catalog: &Catalog, user: User) -> Vec<u64> {
        let shard = self.shard(user);
        match shard
            .get(&user)
            .and_then(|changes| changes.my_list.as_ref())
        {
            Some(list) => list.clone(),
            None => catalog.starting_my_list(user),
        }
    }

    /// Changes the user's my list with `change` and returns its new length.
    pub(crate) fn change_my_list(
        &self,
        catalog: &Catalog,
        user: User,
        change: impl FnOnce(&mut Vec<u64>),
    ) -> usize {
        let mut shard = self.shard(user);
        let list = shard
            .entry(user)
            .or_default()
            .my_list
            .get_or_insert_with(|| catalog.starting_my_list(user));
        change(list);
        list.len()
    }
}
