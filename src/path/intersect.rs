//! Set operations on key sets and path sets, computed on ranges rather
//! than on expanded keys: intersection, difference, and the integer part
//! of a key set.

use rustc_hash::FxHashSet;

use super::key::Key;
use super::key_set::{KeyOrRange, KeySet};
use super::path_set::PathSet;
use super::range::Range;

/// A key set in a normal form for set operations: sorted, disjoint,
/// non-adjacent integer ranges, and the other keys once each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Parts {
    integers: Vec<Range>,
    others: Vec<Key>,
}

impl Parts {
    fn of(set: &KeySet) -> Parts {
        // Room for the integers and ranges up front (a list of a hundred
        // ids grew its vector seven times); none for a set without them.
        let integers = match set {
            KeySet::List(items) => items
                .iter()
                .filter(|item| !matches!(item, KeyOrRange::Key(key) if key.as_integer().is_none()))
                .count(),
            KeySet::Range(_) => 1,
            KeySet::Key(key) => usize::from(key.as_integer().is_some()),
        };
        let mut parts = Parts {
            integers: Vec::with_capacity(integers),
            others: Vec::new(),
        };
        // Repeats are found by a linear search among the few keys of most
        // key sets, and through a hash set past that (thousands of quoted
        // keys must not cost a quadratic search).
        let mut seen: Option<FxHashSet<Key>> = None;
        let mut add = |item: &KeyOrRange| match item {
            KeyOrRange::Key(key) => match key.as_integer() {
                Some(n) => parts.integers.push(Range::new(n, n)),
                None if parts.others.len() < SMALL => {
                    if !parts.others.contains(key) {
                        parts.others.push(key.clone());
                    }
                }
                None => {
                    let seen = seen.get_or_insert_with(|| parts.others.iter().cloned().collect());
                    if seen.insert(key.clone()) {
                        parts.others.push(key.clone());
                    }
                }
            },
            KeyOrRange::Range(range) if !range.is_empty() => parts.integers.push(*range),
            KeyOrRange::Range(_) => {}
        };
        match set {
            KeySet::Key(key) => add(&KeyOrRange::Key(key.clone())),
            KeySet::Range(range) => add(&KeyOrRange::Range(*range)),
            KeySet::List(items) => items.iter().for_each(add),
        }
        parts.integers = normalize(parts.integers);
        parts
    }

    /// The other keys of `self` that `other` holds (`keep`) or lacks.
    fn others_filtered(self, other: &Parts, keep: bool) -> Vec<Key> {
        if other.others.len() <= SMALL {
            return self
                .others
                .into_iter()
                .filter(|key| other.others.contains(key) == keep)
                .collect();
        }
        let theirs: FxHashSet<&Key> = other.others.iter().collect();
        self.others
            .into_iter()
            .filter(|key| theirs.contains(key) == keep)
            .collect()
    }

    fn into_key_set(self) -> KeySet {
        let mut items: Vec<KeyOrRange> = self
            .integers
            .into_iter()
            .map(|range| {
                if range.from == range.to {
                    KeyOrRange::Key(Key::integer(range.from))
                } else {
                    KeyOrRange::Range(range)
                }
            })
            .collect();
        items.extend(self.others.into_iter().map(KeyOrRange::Key));
        KeySet::list(items)
    }
}

/// Up to this many keys, a linear search beats hashing.
const SMALL: usize = 16;

/// Sorts ranges and merges those that overlap or touch.
fn normalize(mut ranges: Vec<Range>) -> Vec<Range> {
    ranges.sort_unstable();
    let mut out: Vec<Range> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match out.last_mut() {
            Some(last) if range.from <= last.to.saturating_add(1) => {
                last.to = last.to.max(range.to);
            }
            _ => out.push(range),
        }
    }
    out
}

/// The intersection of two normalized range lists.
fn intersect_ranges(a: &[Range], b: &[Range]) -> Vec<Range> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let from = a[i].from.max(b[j].from);
        let to = a[i].to.min(b[j].to);
        if from <= to {
            out.push(Range::new(from, to));
        }
        if a[i].to < b[j].to {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The ranges of `a` less those of `b` (both normalized).
fn subtract_ranges(a: &[Range], b: &[Range]) -> Vec<Range> {
    let mut out = Vec::new();
    let mut j = 0;
    for range in a {
        // Ranges of `b` wholly before this one are before every later one.
        while j < b.len() && b[j].to < range.from {
            j += 1;
        }
        // The first integer of `range` not yet covered, if any.
        let mut uncovered = Some(range.from);
        for cut in b[j..].iter().take_while(|cut| cut.from <= range.to) {
            let Some(from) = uncovered else { break };
            if cut.from > from {
                out.push(Range::new(from, cut.from - 1));
            }
            uncovered = cut.to.checked_add(1).filter(|&next| next <= range.to);
        }
        if let Some(from) = uncovered {
            out.push(Range::new(from, range.to));
        }
    }
    out
}

impl KeySet {
    /// Whether the key set holds no key.
    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The keys of all the sets, each once, integers first as ranges.
    pub fn union<'a>(sets: impl IntoIterator<Item = &'a KeySet>) -> KeySet {
        let mut items = Vec::new();
        for set in sets {
            match set {
                KeySet::Key(key) => items.push(KeyOrRange::Key(key.clone())),
                KeySet::Range(range) => items.push(KeyOrRange::Range(*range)),
                KeySet::List(list) => items.extend(list.iter().cloned()),
            }
        }
        KeySet::List(items).normalized()
    }

    /// The keys in both sets, ranges kept as ranges.
    pub fn intersect(&self, other: &KeySet) -> KeySet {
        // The usual case in routing (a route takes all it was offered):
        // no normal form to build.
        if self == other {
            return self.clone();
        }
        let (a, b) = (Parts::of(self), Parts::of(other));
        let integers = intersect_ranges(&a.integers, &b.integers);
        Parts {
            integers,
            others: a.others_filtered(&b, true),
        }
        .into_key_set()
    }

    /// The keys of this set that are not in `other`.
    pub fn subtract(&self, other: &KeySet) -> KeySet {
        if self == other {
            return KeySet::List(Vec::new());
        }
        let (a, b) = (Parts::of(self), Parts::of(other));
        let integers = subtract_ranges(&a.integers, &b.integers);
        Parts {
            integers,
            others: a.others_filtered(&b, false),
        }
        .into_key_set()
    }

    /// The integer keys of the set (what `{integers}` and `{ranges}`
    /// match), as a key set.
    pub fn integers(&self) -> KeySet {
        Parts {
            integers: Parts::of(self).integers,
            others: Vec::new(),
        }
        .into_key_set()
    }

    /// The integer keys as sorted, disjoint runs of consecutive integers:
    /// what a `{ranges}` handler receives.
    pub fn integer_runs(&self) -> Vec<Range> {
        Parts::of(self).integers
    }

    /// The same keys without duplicates, integers first as ranges.
    pub fn normalized(&self) -> KeySet {
        Parts::of(self).into_key_set()
    }
}

impl PathSet {
    /// The paths in both path sets, or `None` if there are none. Path sets
    /// of different lengths share no path.
    pub fn intersect(&self, other: &PathSet) -> Option<PathSet> {
        if self.len() != other.len() {
            return None;
        }
        let mut out = Vec::with_capacity(self.len());
        for (a, b) in self.iter().zip(other.iter()) {
            let both = a.intersect(b);
            if both.is_empty() {
                return None;
            }
            out.push(both);
        }
        Some(PathSet::new(out))
    }

    /// The paths of this set that are not in `other` (of the same length),
    /// as disjoint path sets: for each position, the paths that agree with
    /// `other` before it and differ at it.
    pub fn subtract(&self, other: &PathSet) -> Vec<PathSet> {
        if self.len() != other.len() {
            return vec![self.clone()];
        }
        let mut out = Vec::new();
        let mut prefix: Vec<KeySet> = Vec::with_capacity(self.len());
        for (i, (mine, theirs)) in self.iter().zip(other.iter()).enumerate() {
            let outside = mine.subtract(theirs);
            if !outside.is_empty() {
                let mut piece = prefix.clone();
                piece.push(outside);
                piece.extend(self[i + 1..].iter().cloned());
                out.push(PathSet::new(piece));
            }
            let inside = mine.intersect(theirs);
            if inside.is_empty() {
                // No overlap at all: what was emitted so far plus nothing
                // else; the whole set is outside.
                return vec![self.clone()];
            }
            prefix.push(inside);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> KeySet {
        let parsed = PathSet::parse(&format!("x{text}")).expect(text);
        parsed[1].clone()
    }

    fn show(set: &KeySet) -> String {
        set.to_string()
    }

    #[test]
    fn intersects_ranges_without_expanding() {
        assert_eq!(
            show(&set("[0..4294967295]").intersect(&set("[5,7..9,'a']"))),
            "[5,7..9]"
        );
    }

    #[test]
    fn subtracts_ranges_without_expanding() {
        assert_eq!(show(&set("[0..9]").subtract(&set("[3..5]"))), "[0..2,6..9]");
        assert_eq!(
            show(&set("[0..9,'a','b']").subtract(&set("['a',0..9]"))),
            ".b"
        );
        assert!(set("[0..9]").subtract(&set("[-5..20]")).is_empty());
        assert_eq!(show(&set("[1,2,3,'x']").integers()), "[1..3]");
        let extremes = KeySet::Range(Range::new(i64::MIN, i64::MAX));
        assert_eq!(
            show(&extremes.subtract(&set("[0]"))),
            format!("[{}..-1,1..{}]", i64::MIN, i64::MAX)
        );
        assert!(extremes.subtract(&extremes).is_empty());
    }

    #[test]
    fn a_set_intersected_with_itself_is_all_of_it() {
        let same = set("[3,1,'a',1]");
        assert_eq!(same.intersect(&same).normalized(), same.normalized());
    }

    #[test]
    fn a_set_less_itself_is_empty() {
        let same = set("[3,1,'a',1]");
        assert!(same.subtract(&same).is_empty());
    }

    #[test]
    fn integer_runs_are_what_ranges_handlers_get() {
        assert_eq!(
            set("[0,1,2,5,7,8]").integer_runs(),
            vec![Range::new(0, 2), Range::new(5, 5), Range::new(7, 8)]
        );
    }

    #[test]
    fn path_set_difference_is_disjoint_and_complete() {
        let all = PathSet::parse("a[0..3]['x','y']").expect("valid");
        let taken = PathSet::parse("a[1..2].x").expect("valid");
        let rest = all.subtract(&taken);
        let printed: Vec<String> = rest.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["a[0,3][\"x\",\"y\"]", "a[1..2].y"]);
        let total: u64 = rest.iter().map(PathSet::count).sum();
        assert_eq!(total, all.count() - taken.count());
    }
}
