//! How much of a SURD decomposition is finite-sample bias: a permutation null.
//!
//! Plug-in information estimates are biased upward: on a few hundred rows and
//! many bins, independent noise "explains" most of a target. Shuffling the
//! target's states relative to its agents keeps every marginal histogram and
//! destroys any dependence; recomputing the decomposition on many shuffles
//! gives, for each component, what chance alone produces. From those:
//!
//! - a bias-corrected value, the observed component minus its null mean;
//! - a family-wise p-value per component (single-step max-T of Westfall and
//!   Young: each shuffle's largest component across the family),
//!   so "some component is significant at 1 %" holds 1 % of the time on noise,
//!   however many components there are;
//! - a p-value for the mutual information of all agents (a global test).
//!
//! Shuffle `b` draws from its own generator seeded by `(seed, b)`, so the
//! result is the same on any number of threads.

use super::error::{DiscoverError, Result};
use super::histogram::joint_counts;
use super::surd::{surd_from_states, SurdResult};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Most shuffles one test runs.
pub const MAX_PERMUTATIONS: usize = 100_000;

/// One component against its permutation null.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ComponentTest {
    /// The component as computed on the data (bits).
    pub observed: f64,
    /// Its mean over the shuffles: the finite-sample bias (bits).
    pub null_mean: f64,
    /// The 95th percentile of its shuffled values (bits).
    pub null_q95: f64,
    /// Family-wise p-value (max-T over every component of the decomposition);
    /// for the mutual information, the plain permutation p-value.
    pub p_value: f64,
}

impl ComponentTest {
    /// `observed - null_mean`: the component with its expected bias removed.
    pub fn corrected(&self) -> f64 {
        self.observed - self.null_mean
    }
}

/// Every component of a decomposition against its permutation null, and how
/// densely the samples fill the joint histogram of the target and all agents.
#[derive(Clone, Debug, PartialEq)]
pub struct SurdSignificance {
    pub permutations: usize,
    pub seed: u64,
    pub redundant: BTreeMap<Vec<usize>, ComponentTest>,
    pub unique: Vec<ComponentTest>,
    pub synergistic: BTreeMap<Vec<usize>, ComponentTest>,
    pub mutual_info: ComponentTest,
    /// Samples used.
    pub samples: usize,
    /// Cells of the joint histogram of the target and all agents that hold a sample.
    pub occupied_cells: usize,
}

impl SurdSignificance {
    /// Average number of samples in an occupied cell of the full joint histogram.
    pub fn samples_per_cell(&self) -> f64 {
        self.samples as f64 / self.occupied_cells.max(1) as f64
    }
}

/// SplitMix64: a small, well-mixed generator; one per shuffle.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (`bound >= 1`), without modulo bias.
    fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let x = self.next();
            if x < zone {
                return x % bound;
            }
        }
    }
}

/// Fisher–Yates shuffle of `values`, driven by shuffle `index` of `seed`.
pub fn shuffled(values: &[u32], seed: u64, index: u64) -> Vec<u32> {
    let mut rng = SplitMix(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
    // Warm the state up so neighbouring indices diverge at once.
    rng.next();
    let mut out = values.to_vec();
    for i in (1..out.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        out.swap(i, j);
    }
    out
}

/// The components of a result in a fixed order: the observed redundant keys,
/// every unique, the observed synergistic keys. Keys missing from `r` count 0.
fn flatten(
    r: &SurdResult,
    redundant: &[Vec<usize>],
    synergistic: &[Vec<usize>],
    n_agents: usize,
) -> Vec<f64> {
    let mut out = Vec::with_capacity(redundant.len() + n_agents + synergistic.len());
    out.extend(
        redundant
            .iter()
            .map(|k| r.redundant.get(k).copied().unwrap_or(0.0)),
    );
    out.extend((0..n_agents).map(|a| r.unique.get(a).copied().unwrap_or(0.0)));
    out.extend(
        synergistic
            .iter()
            .map(|k| r.synergistic.get(k).copied().unwrap_or(0.0)),
    );
    out
}

fn quantile95(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let position = ((values.len() - 1) as f64 * 0.95).round() as usize;
    values[position.min(values.len() - 1)]
}

/// Tests every component of `observed` (SURD of `target` on `agents`) against
/// `permutations` shuffles of the target. `max_order` must be the one
/// `observed` was computed with.
#[allow(clippy::too_many_arguments)]
pub fn permutation_test(
    target: &[u32],
    n_target: usize,
    agents: &[&[u32]],
    n_states: &[usize],
    observed: &SurdResult,
    permutations: usize,
    seed: u64,
) -> Result<SurdSignificance> {
    if permutations == 0 || permutations > MAX_PERMUTATIONS {
        return Err(DiscoverError::InvalidArgument {
            parameter: "permutations",
            reason: format!("{permutations} shuffles; give 1 to {MAX_PERMUTATIONS}"),
        });
    }
    let n_agents = agents.len();
    let redundant_keys: Vec<Vec<usize>> = observed.redundant.keys().cloned().collect();
    let synergistic_keys: Vec<Vec<usize>> = observed.synergistic.keys().cloned().collect();
    let obs = flatten(observed, &redundant_keys, &synergistic_keys, n_agents);
    let null: Vec<(Vec<f64>, f64)> = (0..permutations as u64)
        .into_par_iter()
        .map(|b| {
            let t = shuffled(target, seed, b);
            let r = surd_from_states(&t, n_target, agents, n_states, Some(observed.max_order))?;
            Ok((
                flatten(&r, &redundant_keys, &synergistic_keys, n_agents),
                r.mutual_info,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let b = permutations as f64;
    let m = obs.len();
    let mut mean = vec![0.0; m];
    for (row, _) in &null {
        for (s, v) in mean.iter_mut().zip(row) {
            *s += v;
        }
    }
    mean.iter_mut().for_each(|s| *s /= b);
    // Single-step max-T on the components themselves (all in bits of the
    // same target): each shuffle's largest component, over the whole family.
    let max_t: Vec<f64> = null
        .iter()
        .map(|(row, _)| row.iter().copied().fold(0.0, f64::max))
        .collect();
    let tests: Vec<ComponentTest> = (0..m)
        .map(|c| {
            // A component of (numerically) zero is never evidence of anything.
            let p_value = if obs[c] <= 1e-12 {
                1.0
            } else {
                let level = obs[c] * (1.0 - 1e-12);
                (1.0 + max_t.iter().filter(|&&t| t >= level).count() as f64) / (b + 1.0)
            };
            let mut column: Vec<f64> = null.iter().map(|(row, _)| row[c]).collect();
            ComponentTest {
                observed: obs[c],
                null_mean: mean[c],
                null_q95: quantile95(&mut column),
                p_value,
            }
        })
        .collect();
    let mut mi_null: Vec<f64> = null.iter().map(|(_, mi)| *mi).collect();
    let mi_mean = mi_null.iter().sum::<f64>() / b;
    let mi_tolerance = 1e-12 * (1.0 + observed.mutual_info);
    let mi_exceed = mi_null
        .iter()
        .filter(|&&v| v >= observed.mutual_info - mi_tolerance)
        .count();
    let mutual_info = ComponentTest {
        observed: observed.mutual_info,
        null_mean: mi_mean,
        null_q95: quantile95(&mut mi_null),
        p_value: (1.0 + mi_exceed as f64) / (b + 1.0),
    };
    let all: Vec<usize> = (0..n_agents).collect();
    let full = joint_counts(target, n_target, agents, n_states, &all);
    let occupied_cells = full.cells.iter().filter(|&&c| c > 0).count();
    let nr = redundant_keys.len();
    Ok(SurdSignificance {
        permutations,
        seed,
        redundant: redundant_keys
            .into_iter()
            .zip(tests[..nr].to_vec())
            .collect(),
        unique: tests[nr..nr + n_agents].to_vec(),
        synergistic: synergistic_keys
            .into_iter()
            .zip(tests[nr + n_agents..].to_vec())
            .collect(),
        mutual_info,
        samples: target.len(),
        occupied_cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, states: u32, seed: u64) -> Vec<u32> {
        let mut rng = SplitMix(seed);
        (0..n).map(|_| rng.below(states as u64) as u32).collect()
    }

    #[test]
    fn a_shuffle_is_a_permutation_and_depends_only_on_seed_and_index() {
        let v: Vec<u32> = (0..500).collect();
        let a = shuffled(&v, 7, 3);
        assert_eq!(a, shuffled(&v, 7, 3));
        assert_ne!(a, shuffled(&v, 7, 4));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, v);
    }

    #[test]
    fn noise_has_no_significant_component_and_a_real_cause_has_one() {
        let n = 400;
        let x1 = noise(n, 4, 1);
        let x2 = noise(n, 4, 2);
        let y = noise(n, 4, 3);
        let agents: Vec<&[u32]> = vec![&x1, &x2];
        let observed = surd_from_states(&y, 4, &agents, &[4, 4], None).unwrap();
        assert!(observed.mutual_info > 0.0, "plug-in bias is positive");
        let test = permutation_test(&y, 4, &agents, &[4, 4], &observed, 99, 5).unwrap();
        assert!(test.unique.iter().all(|t| t.p_value > 0.01));
        assert!(test.mutual_info.corrected().abs() < 0.05);
        // y copies x1 with a little noise: x1's unique component is far above chance.
        let y: Vec<u32> = x1
            .iter()
            .zip(noise(n, 10, 4))
            .map(|(&a, e)| if e == 0 { (a + 1) % 4 } else { a })
            .collect();
        let observed = surd_from_states(&y, 4, &agents, &[4, 4], None).unwrap();
        let test = permutation_test(&y, 4, &agents, &[4, 4], &observed, 99, 5).unwrap();
        assert!(test.unique[0].p_value <= 0.01);
        assert!(test.unique[0].corrected() > 1.0);
        assert!(test.mutual_info.p_value <= 0.01);
    }

    #[test]
    fn the_test_is_the_same_on_any_number_of_threads() {
        let x = noise(300, 3, 9);
        let z = noise(300, 3, 10);
        let y: Vec<u32> = x.iter().zip(&z).map(|(a, b)| (a + b) % 3).collect();
        let agents: Vec<&[u32]> = vec![&x, &z];
        let observed = surd_from_states(&y, 3, &agents, &[3, 3], None).unwrap();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| permutation_test(&y, 3, &agents, &[3, 3], &observed, 40, 11).unwrap())
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn zero_or_too_many_permutations_are_refused() {
        let x = noise(50, 2, 1);
        let agents: Vec<&[u32]> = vec![&x];
        let observed = surd_from_states(&x, 2, &agents, &[2], None).unwrap();
        for bad in [0, MAX_PERMUTATIONS + 1] {
            assert!(matches!(
                permutation_test(&x, 2, &agents, &[2], &observed, bad, 0),
                Err(DiscoverError::InvalidArgument {
                    parameter: "permutations",
                    ..
                })
            ));
        }
    }
}
