//! The path-set algebra: count agrees with expand, expand takes one key
//! from each key set, and collapse stands for exactly the paths it was
//! given, in no more path sets than there are paths.

use peregrine::path::{collapse, count_all, merge, KeyOrRange, KeySet, PathSet};
use proptest::collection::vec;
use proptest::prelude::*;

use super::paths_of;
use super::strategy::{path_set, small_path_set};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn count_is_the_number_of_expanded_paths(sets in vec(small_path_set(), 1..4)) {
        for set in &sets {
            prop_assert_eq!(set.count(), set.expand().count() as u64, "{}", set);
        }
        let expanded: usize = sets.iter().map(|set| set.expand().count()).sum();
        prop_assert_eq!(count_all(&sets), expanded as u64);
    }

    #[test]
    fn count_is_the_product_of_key_set_sizes_saturated(set in path_set()) {
        // Worked out in u128 from the ranges' bounds, apart from the code
        // under test; every set here is counted, none expanded.
        let size = |key_set: &KeySet| -> u128 {
            let range = |from: i64, to: i64| (i128::from(to) - i128::from(from) + 1).max(0) as u128;
            match key_set {
                KeySet::Key(_) => 1,
                KeySet::Range(r) => range(r.from, r.to),
                KeySet::List(items) => items
                    .iter()
                    .map(|item| match item {
                        KeyOrRange::Key(_) => 1,
                        KeyOrRange::Range(r) => range(r.from, r.to),
                    })
                    .sum(),
            }
        };
        let exact = set.iter().map(size).fold(1u128, u128::saturating_mul);
        let expected = u64::try_from(exact).unwrap_or(u64::MAX);
        prop_assert_eq!(set.count(), expected, "{}", set);
    }

    #[test]
    fn expanding_takes_one_key_from_each_key_set(set in small_path_set()) {
        for path in set.expand() {
            prop_assert_eq!(path.len(), set.len());
            for (key, key_set) in path.iter().zip(set.iter()) {
                prop_assert!(key_set.contains(key), "{:?} is not in {}", key, key_set);
            }
        }
    }

    #[test]
    fn collapse_stands_for_the_same_paths(sets in vec(small_path_set(), 1..4)) {
        let paths = paths_of(&sets);
        let singles: Vec<PathSet> = sets
            .iter()
            .flat_map(PathSet::expand)
            .map(PathSet::from)
            .collect();
        let collapsed = collapse(&singles);
        prop_assert_eq!(paths_of(&collapsed), paths.clone(), "collapsed to {:?}", collapsed);
        prop_assert!(collapsed.len() <= paths.len(), "{:?}", collapsed);
        // No path twice: the path sets are disjoint and repeat no key.
        prop_assert_eq!(count_all(&collapsed), paths.len() as u64, "{:?}", collapsed);
        // Path sets or their paths, once or twice: the same tree. (A set
        // with no path still adds nodes, which can change the order of
        // string keys, so those are left out.)
        let nonempty = sets.iter().filter(|set| set.count() > 0);
        prop_assert_eq!(&collapse(nonempty), &collapsed);
        prop_assert_eq!(&collapse(&collapsed), &collapsed);
    }

    #[test]
    fn merge_stands_for_the_same_paths_in_no_more_path_sets(
        sets in vec(small_path_set(), 1..6),
        singles in any::<bool>(),
    ) {
        // As the router uses it: on path sets, or on single paths.
        let input: Vec<PathSet> = if singles {
            sets.iter().flat_map(PathSet::expand).map(PathSet::from).collect()
        } else {
            sets.clone()
        };
        let merged = merge(input.clone());
        prop_assert_eq!(paths_of(&merged), paths_of(&input), "merged to {:?}", merged);
        prop_assert!(merged.len() <= input.len().max(1), "{:?}", merged);
    }

    #[test]
    fn the_paths_of_one_path_set_collapse_to_one(
        (set, singles) in small_path_set().prop_flat_map(|set| {
            // In any order: a product of key sets is one path set however
            // its paths were asked for.
            let singles: Vec<PathSet> = set.expand().map(PathSet::from).collect();
            (Just(set), Just(singles).prop_shuffle())
        })
    ) {
        let collapsed = collapse(&singles);
        let expected = usize::from(set.count() > 0);
        prop_assert_eq!(collapsed.len(), expected, "{} collapsed to {:?}", set, collapsed);
    }
}
