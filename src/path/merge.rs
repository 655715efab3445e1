//! Merging path sets without expanding them: the router's cheap collapse.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHashMap;

use super::key_set::KeySet;
use super::path_set::PathSet;

/// Fewer path sets for the same paths, without expanding any: path sets
/// of one length that agree at every position but one become one, whose
/// key set at that position is the union of theirs. Positions are tried
/// from the last to the first, until nothing merges.
///
/// It costs a few hash lookups per path set, where [`collapse`](super::collapse)
/// costs one tree node per path; it finds the groupings that requests
/// through refs produce (`lists.L1[0..9].title`, `lists.L2[0..9].title`
/// → `lists['L1','L2'][0..9].title`), but not every grouping `collapse`
/// finds.
///
/// ```
/// use peregrine::path::{merge, PathSet};
///
/// let sets = ["videos[1]['title','year']", "videos[2]['title','year']", "videos[3].title"]
///     .map(|p| PathSet::parse(p).unwrap());
/// let merged: Vec<String> = merge(sets.to_vec()).iter().map(ToString::to_string).collect();
/// assert_eq!(merged, [r#"videos[1..2]["title","year"]"#, "videos[3].title"]);
/// ```
pub fn merge(mut sets: Vec<PathSet>) -> Vec<PathSet> {
    // What following refs usually gives (`videos[1].title`,
    // `videos[7].title`, ...): path sets that differ at one position
    // only, merged there without hashing any.
    if let Some(position) = lone_difference(&sets) {
        let keys: Vec<KeySet> = sets.iter().map(|set| set[position].clone()).collect();
        let mut key_sets = sets.swap_remove(0).into_key_sets();
        key_sets[position] = KeySet::union(&keys);
        return vec![PathSet::new(key_sets)];
    }
    let longest = sets.iter().map(|set| set.len()).max().unwrap_or(0);
    loop {
        let before = sets.len();
        for position in (0..longest).rev() {
            sets = merge_at(sets, position);
        }
        if sets.len() == before || sets.len() == 1 {
            return sets;
        }
    }
}

/// The one position at which two or more path sets of one length differ,
/// when they agree everywhere else.
fn lone_difference(sets: &[PathSet]) -> Option<usize> {
    let (first, others) = sets.split_first()?;
    let mut position = None;
    for set in others {
        if set.len() != first.len() {
            return None;
        }
        for (at, (mine, theirs)) in first.iter().zip(set.iter()).enumerate() {
            if mine != theirs {
                match position {
                    None => position = Some(at),
                    Some(known) if known == at => {}
                    Some(_) => return None,
                }
            }
        }
    }
    position
}

/// Merges the path sets that agree everywhere but at `position`.
fn merge_at(sets: Vec<PathSet>, position: usize) -> Vec<PathSet> {
    if sets.len() < 2 {
        return sets;
    }
    // Groups by everything but `position`, numbered in order of first
    // appearance; borrowed, so nothing is cloned to find them.
    let (placed, sizes) = {
        let mut index: FxHashMap<AllBut<'_>, usize> = FxHashMap::default();
        let mut sizes: Vec<usize> = Vec::new();
        let placed: Vec<Option<usize>> = sets
            .iter()
            .map(|set| {
                if set.len() <= position {
                    return None;
                }
                let next = index.len();
                let group = *index.entry(AllBut { set, position }).or_insert(next);
                if group == sizes.len() {
                    sizes.push(0);
                }
                sizes[group] += 1;
                Some(group)
            })
            .collect();
        (placed, sizes)
    };
    // The usual case once merged: nothing to merge at this position.
    if sizes.iter().all(|&size| size < 2) {
        return sets;
    }
    // Each group's first path set, and the key sets at `position` of all
    // of its members; the path sets are moved, not cloned.
    let mut groups: Vec<(Option<PathSet>, Vec<KeySet>)> = sizes
        .iter()
        .map(|&size| (None, Vec::with_capacity(size)))
        .collect();
    let mut out: Vec<PathSet> = Vec::new();
    for (set, group) in sets.into_iter().zip(placed) {
        let Some(group) = group else {
            out.push(set);
            continue;
        };
        let (first, keys) = &mut groups[group];
        keys.push(set[position].clone());
        if first.is_none() {
            *first = Some(set);
        }
    }
    for (first, keys) in groups {
        let Some(first) = first else { continue };
        if keys.len() == 1 {
            out.push(first);
            continue;
        }
        let mut key_sets = first.into_key_sets();
        key_sets[position] = KeySet::union(&keys);
        out.push(PathSet::new(key_sets));
    }
    out
}

/// A path set seen without its key set at `position`: two are equal when
/// they agree everywhere else.
struct AllBut<'a> {
    set: &'a PathSet,
    position: usize,
}

impl AllBut<'_> {
    fn others(&self) -> impl Iterator<Item = &KeySet> {
        let position = self.position;
        self.set
            .iter()
            .enumerate()
            .filter(move |&(i, _)| i != position)
            .map(|(_, keys)| keys)
    }
}

impl PartialEq for AllBut<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.set.len() == other.set.len() && self.others().eq(other.others())
    }
}

impl Eq for AllBut<'_> {}

impl Hash for AllBut<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.set.len().hash(state);
        for keys in self.others() {
            keys.hash(state);
        }
    }
}
