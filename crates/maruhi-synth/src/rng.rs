//! A small seeded pseudo-random generator, written here so that the output
//! depends on nothing but the seed (no crate upgrade can change a data set).
//!
//! xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64. Every
//! decision that must be reproducible on its own (whether a person is at work
//! on a day, what a person does on a day) gets its own generator derived from
//! the seed and a key ([`Rng::keyed`]), so a day can be generated without
//! generating the days before it.

use std::f64::consts::TAU;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a bijective 64-bit mix.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Keys that separate the independent streams derived from one seed.
pub(crate) mod key {
    pub(crate) const PEOPLE: u64 = 1;
    pub(crate) const FILES: u64 = 2;
    pub(crate) const SECRETS: u64 = 3;
    pub(crate) const HABITS: u64 = 4;
    pub(crate) const HR: u64 = 5;
    pub(crate) const INSIDERS: u64 = 6;
    pub(crate) const NOISE: u64 = 7;
    pub(crate) const PRESENCE: u64 = 8;
    pub(crate) const DAY: u64 = 9;
    pub(crate) const ACT: u64 = 10;
}

/// xoshiro256**.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose state is filled by SplitMix64 from `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(GOLDEN);
            mix(x)
        };
        Rng { s: [next(), next(), next(), next()] }
    }

    /// An independent generator for `key` under `seed`.
    pub(crate) fn keyed(seed: u64, key: &[u64]) -> Rng {
        let mut h = mix(seed ^ 0x6D61_7275_6869_7379); // "maruhisy"
        for &k in key {
            h = mix(h.rotate_left(29) ^ mix(k.wrapping_add(GOLDEN)));
        }
        Rng::new(h)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (0 when `n` is 0); Lemire's multiply-shift, whose
    /// bias of at most n/2^64 does not matter here.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform index into a collection of `len` items (0 when empty).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Uniform in `lo..=hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `[lo, hi)`.
    pub(crate) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Normally distributed (Box–Muller).
    pub(crate) fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]: ln stays finite
        let u2 = self.unit();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
    }

    /// Log-normally distributed around `median` (sigma of the log).
    pub(crate) fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * self.normal(0.0, sigma).exp()
    }

    /// Log-uniform in `[lo, hi)`: sizes of files spread over magnitudes.
    pub(crate) fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + (hi.ln() - lo.ln()) * self.unit()).exp()
    }

    /// Poisson distributed with mean `lambda` (Knuth's product method below
    /// 30, a rounded normal above).
    pub(crate) fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda >= 30.0 {
            return self.normal(lambda, lambda.sqrt()).round().max(0.0) as u32;
        }
        let limit = (-lambda).exp();
        let mut product = self.unit();
        let mut count = 0;
        while product > limit {
            product *= self.unit();
            count += 1;
        }
        count
    }

    /// One element, uniformly. Callers pass non-empty tables.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index drawn with the given relative weights.
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// An index skewed towards the front: the rank of a common name.
    pub(crate) fn skewed(&mut self, len: usize, power: f64) -> usize {
        ((self.unit().powf(power) * len as f64) as usize).min(len.saturating_sub(1))
    }

    /// Fisher–Yates.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }

    /// `k` distinct items of `items` (all of them when `k` is larger), in
    /// random order.
    pub(crate) fn sample<T: Copy>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut pool = items.to_vec();
        let k = k.min(pool.len());
        for i in 0..k {
            let j = i + self.index(pool.len() - i);
            pool.swap(i, j);
        }
        pool.truncate(k);
        pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_reference_output() {
        // Reference: the C implementation seeded with state [1, 2, 3, 4].
        let mut rng = Rng { s: [1, 2, 3, 4] };
        assert_eq!(rng.next_u64(), 11520);
        assert_eq!(rng.next_u64(), 0);
        assert_eq!(rng.next_u64(), 1509978240);
        assert_eq!(rng.next_u64(), 1215971899390074240);
    }

    #[test]
    fn keyed_streams_differ_and_repeat() {
        let a = Rng::keyed(7, &[key::DAY, 1, 2]).next_u64();
        let b = Rng::keyed(7, &[key::DAY, 2, 1]).next_u64();
        assert_ne!(a, b);
        assert_eq!(a, Rng::keyed(7, &[key::DAY, 1, 2]).next_u64());
    }

    #[test]
    fn poisson_mean_is_close() {
        let mut rng = Rng::new(1);
        let n = 20_000;
        let sum: u64 = (0..n).map(|_| u64::from(rng.poisson(4.0))).sum();
        let mean = sum as f64 / n as f64;
        assert!((mean - 4.0).abs() < 0.1, "{mean}");
    }
}
