//! The project's one implementation of the statistics: medians, 95% confidence intervals by the
//! percentile bootstrap, and the Mann-Whitney U test that `compare` uses (the test benchstat uses).
//!
//! Every bootstrap is seeded from a label (the record's name), so a report recomputed from the same
//! samples gives the same intervals.

use serde::{Deserialize, Serialize};

/// Resamples per bootstrap: enough that the 2.5% and 97.5% percentiles move by less than the
/// samples' own resolution between seeds.
pub const RESAMPLES: usize = 10_000;

/// A two-sided 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub fn contains(&self, value: f64) -> bool {
        self.lo <= value && value <= self.hi
    }
}

/// Median of a non-empty list.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    median_in_place(&mut sorted)
}

fn median_in_place(values: &mut [f64]) -> f64 {
    let (middle, odd) = (values.len() / 2, values.len() % 2 == 1);
    let (below, upper, _) = values.select_nth_unstable_by(middle, f64::total_cmp);
    let upper = *upper;
    if odd {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::MIN, f64::max);
        (lower + upper) / 2.0
    }
}

/// The `q` quantile (0..=1) of sorted values, interpolating between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

/// SplitMix64: small, fast and good enough to draw resampling indices.
struct Rng(u64);

impl Rng {
    fn seeded(label: &str) -> Rng {
        // FNV-1a of the label.
        let hash = label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        Rng(hash)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0); the modulo bias is below 2^-50 for the sizes here.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The 2.5% and 97.5% percentiles of `statistic` over RESAMPLES resamples.
fn percentile_interval(label: &str, mut statistic: impl FnMut(&mut Rng) -> f64) -> Interval {
    let mut rng = Rng::seeded(label);
    let mut values: Vec<f64> = (0..RESAMPLES).map(|_| statistic(&mut rng)).collect();
    values.sort_by(f64::total_cmp);
    Interval {
        lo: quantile(&values, 0.025),
        hi: quantile(&values, 0.975),
    }
}

/// 95% interval of the median of `samples`; None with fewer than two samples.
pub fn median_interval(label: &str, samples: &[f64]) -> Option<Interval> {
    if samples.len() < 2 {
        return None;
    }
    let mut resample = vec![0.0; samples.len()];
    Some(percentile_interval(label, |rng| {
        for slot in resample.iter_mut() {
            *slot = samples[rng.below(samples.len())];
        }
        median_in_place(&mut resample)
    }))
}

/// 95% interval of median(a) / median(b). Paired: a[i] and b[i] were measured in the same round,
/// and a resample draws rounds (keeping each pair together); else a and b are resampled apart.
/// None when either side has fewer than two samples, or pairing is asked of unequal lengths.
pub fn ratio_interval(label: &str, a: &[f64], b: &[f64], paired: bool) -> Option<Interval> {
    if a.len() < 2 || b.len() < 2 || (paired && a.len() != b.len()) {
        return None;
    }
    let (mut ra, mut rb) = (vec![0.0; a.len()], vec![0.0; b.len()]);
    Some(percentile_interval(label, |rng| {
        for i in 0..ra.len() {
            let j = rng.below(a.len());
            ra[i] = a[j];
            if paired {
                rb[i] = b[j];
            }
        }
        if !paired {
            for slot in rb.iter_mut() {
                *slot = b[rng.below(b.len())];
            }
        }
        median_in_place(&mut ra) / median_in_place(&mut rb)
    }))
}

/// Two-sided p-value of the Mann-Whitney U test that a and b come from the same distribution:
/// exact without ties (as benchstat), else the normal approximation with the tie correction.
/// None when a side is empty.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<f64> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    // Ranks of the pooled samples, ties sharing their mean rank.
    let mut pooled: Vec<(f64, bool)> = a
        .iter()
        .map(|&v| (v, true))
        .chain(b.iter().map(|&v| (v, false)))
        .collect();
    pooled.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut rank_sum_a, mut tie_term, mut ties) = (0.0, 0.0, false);
    let mut i = 0;
    while i < pooled.len() {
        let mut j = i;
        while j + 1 < pooled.len() && pooled[j + 1].0 == pooled[i].0 {
            j += 1;
        }
        let group = (j - i + 1) as f64;
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_a += rank * pooled[i..=j].iter().filter(|p| p.1).count() as f64;
        if group > 1.0 {
            ties = true;
            tie_term += group * group * group - group;
        }
        i = j + 1;
    }
    let u = rank_sum_a - (n1 * (n1 + 1)) as f64 / 2.0;
    let (f1, f2) = (n1 as f64, n2 as f64);
    if !ties && n1 * n2 <= 2500 {
        let counts = u_distribution(n1, n2);
        let total: f64 = counts.iter().sum();
        let u = u.round() as usize;
        let below: f64 = counts[..=u].iter().sum::<f64>() / total;
        let above: f64 = counts[u..].iter().sum::<f64>() / total;
        return Some((2.0 * below.min(above)).min(1.0));
    }
    let n = f1 + f2;
    let variance = f1 * f2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if variance <= 0.0 {
        return Some(1.0); // every value equal
    }
    let z = ((u - f1 * f2 / 2.0).abs() - 0.5).max(0.0) / variance.sqrt();
    Some((2.0 * normal_upper_tail(z)).min(1.0))
}

/// How many orderings of n1 and n2 distinct values give each U, 0..=n1*n2.
fn u_distribution(n1: usize, n2: usize) -> Vec<f64> {
    // counts[m][k][u] built up one sample at a time: f(m,k,u) = f(m-1,k,u-k) + f(m,k-1,u).
    let max_u = n1 * n2;
    let mut previous: Vec<Vec<f64>> = (0..=n2)
        .map(|_| {
            let mut row = vec![0.0; max_u + 1];
            row[0] = 1.0;
            row
        })
        .collect();
    for _ in 1..=n1 {
        let mut current = vec![vec![0.0; max_u + 1]; n2 + 1];
        current[0][0] = 1.0;
        for k in 1..=n2 {
            for u in 0..=max_u {
                let take_a = if u >= k { previous[k][u - k] } else { 0.0 };
                current[k][u] = take_a + current[k - 1][u];
            }
        }
        previous = current;
    }
    previous.swap_remove(n2)
}

/// P(Z > z) for a standard normal Z (Abramowitz and Stegun 7.1.26 via erfc, error < 1.5e-7).
fn normal_upper_tail(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    0.5 * poly * (-x * x).exp()
}

/// The smallest two-sided p-value a Mann-Whitney test can reach with n1 and n2 distinct samples:
/// 2 / C(n1 + n2, n1). Below 0.05 needs at least 4 samples a side (3 and 3 can reach only 0.1).
pub fn smallest_p(n1: usize, n2: usize) -> f64 {
    let mut combinations = 1.0;
    for i in 0..n1.min(n2) {
        combinations = combinations * (n1 + n2 - i) as f64 / (i + 1) as f64;
    }
    (2.0 / combinations).min(1.0)
}

/// A ratio with its significant digits: two decimals from 0.01 to 100 ("1.36"), else two
/// significant digits in scientific notation ("1.9e-4", "5.2e3"), never "0.00".
pub fn ratio_number(ratio: f64) -> String {
    if (0.01..100.0).contains(&ratio) || ratio == 0.0 || !ratio.is_finite() {
        format!("{ratio:.2}")
    } else {
        format!("{ratio:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
    }

    #[test]
    fn the_median_interval_of_five_samples_is_their_range() {
        // Resampling 5 values, the median falls on the smallest one with probability 5.8% and on
        // the largest with 5.8%, so the 2.5% and 97.5% percentiles are the extremes.
        let interval = median_interval("five", &[10.0, 11.0, 12.0, 13.0, 14.0]).unwrap();
        assert_eq!(interval, Interval { lo: 10.0, hi: 14.0 });
        assert_eq!(median_interval("one", &[10.0]), None);
    }

    #[test]
    fn the_median_interval_narrows_with_more_samples_and_holds_the_median() {
        // 101 evenly spaced values: the median's 95% interval spans about +-1.96 * sqrt(n)/2 ranks,
        // i.e. roughly ranks 40..60.
        let samples: Vec<f64> = (0..101).map(f64::from).collect();
        let interval = median_interval("hundred", &samples).unwrap();
        assert!(interval.contains(50.0));
        assert!((38.0..=43.0).contains(&interval.lo), "{interval:?}");
        assert!((57.0..=62.0).contains(&interval.hi), "{interval:?}");
    }

    #[test]
    fn intervals_are_reproducible_from_the_label() {
        let samples = [5.0, 7.0, 6.0, 9.0, 8.0, 5.5, 6.5, 7.5];
        assert_eq!(
            median_interval("x", &samples),
            median_interval("x", &samples)
        );
    }

    #[test]
    fn paired_ratios_cancel_the_rounds_noise() {
        // Each round slows both sides alike (a noisy machine): the ratio is 2 in every round.
        let base = [10.0, 20.0, 12.0, 30.0, 15.0, 25.0];
        let doubled: Vec<f64> = base.iter().map(|v| v * 2.0).collect();
        let paired = ratio_interval("r", &doubled, &base, true).unwrap();
        assert!(
            (paired.lo - 2.0).abs() < 1e-9 && (paired.hi - 2.0).abs() < 1e-9,
            "{paired:?}"
        );
        // Resampled apart, the same numbers say much less.
        let apart = ratio_interval("r", &doubled, &base, false).unwrap();
        assert!(apart.lo < 1.5 && apart.hi > 2.5, "{apart:?}");
        assert_eq!(ratio_interval("r", &doubled, &base[1..], true), None);
    }

    #[test]
    fn a_ratio_of_identical_distributions_contains_one() {
        let a = [10.1, 9.9, 10.3, 9.8, 10.0, 10.2, 9.7];
        let b = [10.0, 10.2, 9.9, 10.1, 9.8, 10.3, 9.9];
        assert!(ratio_interval("same", &a, &b, false).unwrap().contains(1.0));
    }

    #[test]
    fn mann_whitney_exact_values() {
        // Complete separation of 5 and 5: U = 0, p = 2 / C(10, 5) = 2 / 252.
        let low = [1.0, 2.0, 3.0, 4.0, 5.0];
        let high = [6.0, 7.0, 8.0, 9.0, 10.0];
        let p = mann_whitney(&low, &high).unwrap();
        assert!((p - 2.0 / 252.0).abs() < 1e-12, "{p}");
        assert!((mann_whitney(&high, &low).unwrap() - p).abs() < 1e-12);
        assert!((smallest_p(5, 5) - p).abs() < 1e-12);
        // 3 and 3 can never reach 0.05.
        let p = mann_whitney(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
        assert!((p - 0.1).abs() < 1e-12, "{p}");
        // Interleaved samples: U = 10 of 25; scipy's exact method gives 0.6905 (= 174 / 252).
        let p = mann_whitney(&[1.0, 3.0, 5.0, 7.0, 9.0], &[2.0, 4.0, 6.0, 8.0, 10.0]).unwrap();
        assert!((p - 174.0 / 252.0).abs() < 1e-12, "{p}");
    }

    #[test]
    fn mann_whitney_with_ties_uses_the_normal_approximation() {
        // scipy.stats.mannwhitneyu([1,2,2,3,4,5,5,6], [4,5,5,6,7,8,8,9], method="asymptotic")
        // gives p = 0.012638 (with the continuity correction).
        let a = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0];
        let b = [4.0, 5.0, 5.0, 6.0, 7.0, 8.0, 8.0, 9.0];
        let p = mann_whitney(&a, &b).unwrap();
        assert!((p - 0.012_638).abs() < 1e-5, "{p}");
        assert_eq!(mann_whitney(&[1.0, 1.0], &[1.0, 1.0]), Some(1.0));
        assert_eq!(mann_whitney(&[], &[1.0]), None);
    }

    #[test]
    fn normal_tail() {
        assert!((normal_upper_tail(1.959_964) - 0.025).abs() < 1e-6);
        assert!((normal_upper_tail(0.0) - 0.5).abs() < 1e-6);
    }
}
