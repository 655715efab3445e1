//! The one source of randomness of the backend: splitmix64.
//!
//! Written here rather than taken from a crate because the data must stay
//! the same for a seed across versions of the project, which a crate's
//! generator does not promise, and because ten lines suffice: the backend
//! needs well-spread numbers, not cryptographic ones. Nothing is global:
//! every draw comes from a generator or a hash the caller seeded.

/// The golden-ratio increment of splitmix64.
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// splitmix64's finalizer: a bijection of `u64` that spreads every input
/// bit over every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A well-spread hash of a sequence of numbers: the same parts always
/// give the same hash, and changing any part changes it.
pub(crate) fn hash(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(GAMMA, |state, &part| mix(state.wrapping_add(GAMMA) ^ part))
}

/// Maps a random `u64` into `0..n` without the bias of `%` (Lemire's
/// multiply-shift); `n` must not be 0.
fn below(x: u64, n: u64) -> u64 {
    ((u128::from(x) * u128::from(n)) >> 64) as u64
}

/// Maps a random `u64` to a float uniform in `0.0..1.0`.
pub(crate) fn unit(x: u64) -> f64 {
    // The top 53 bits are exactly what an f64 mantissa holds.
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A splitmix64 generator: a stream of numbers from one seed.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for one purpose, seeded by a hash of `parts` (say the
    /// seed, a tag naming the purpose and a user).
    pub(crate) fn new(parts: &[u64]) -> Self {
        Rng { state: hash(parts) }
    }

    /// The next number of the stream.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// A number uniform in `low..=high`.
    pub(crate) fn between(&mut self, low: u64, high: u64) -> u64 {
        low + below(self.next_u64(), high - low + 1)
    }

    /// One element of `items`, which must not be empty.
    pub(crate) fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[below(self.next_u64(), items.len() as u64) as usize]
    }

    /// `min(k, n)` distinct numbers of `0..n`, in random order.
    pub(crate) fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        if k * 2 <= n {
            // Few of many: draw and redraw repeats; fewer than two draws
            // per number on average, and no array of size n.
            let mut chosen = Vec::with_capacity(k);
            let mut seen = std::collections::HashSet::with_capacity(k);
            while chosen.len() < k {
                let x = below(self.next_u64(), n as u64) as usize;
                if seen.insert(x) {
                    chosen.push(x);
                }
            }
            chosen
        } else {
            // Most of them: the first k steps of a Fisher-Yates shuffle.
            let mut all: Vec<usize> = (0..n).collect();
            for i in 0..k {
                let j = i + below(self.next_u64(), (n - i) as u64) as usize;
                all.swap(i, j);
            }
            all.truncate(k);
            all
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_gives_distinct_numbers_below_n_in_both_regimes() {
        let mut rng = Rng::new(&[1]);
        for (n, k) in [(200, 40), (10, 9), (5, 7), (0, 3), (1000, 1000)] {
            let mut chosen = rng.distinct(n, k);
            assert_eq!(chosen.len(), k.min(n));
            assert!(chosen.iter().all(|&x| x < n));
            chosen.sort_unstable();
            chosen.dedup();
            assert_eq!(chosen.len(), k.min(n), "repeats for n={n} k={k}");
        }
    }

    /// Ten thousand years drawn between 1950 and 2026.
    fn years() -> Vec<u64> {
        let mut rng = Rng::new(&[2]);
        (0..10_000).map(|_| rng.between(1950, 2026)).collect()
    }

    #[test]
    fn between_stays_in_bounds() {
        assert!(years().iter().all(|year| (1950..=2026).contains(year)));
    }

    #[test]
    fn between_reaches_both_ends() {
        let draws = years();
        assert!(draws.contains(&1950) && draws.contains(&2026));
    }

    #[test]
    fn unit_is_below_one() {
        assert!(unit(u64::MAX) < 1.0);
        assert_eq!(unit(0), 0.0);
    }
}
