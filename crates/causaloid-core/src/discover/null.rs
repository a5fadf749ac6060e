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
//! A decomposition depends on the samples only through the joint table of
//! (all agents, target). Under a uniformly random shuffle of the target, that
//! table is a random table with the observed margins (each joint agent state's
//! count and each target state's count): the multivariate hypergeometric
//! distribution. So a shuffle is never materialised: each one draws such a
//! table directly, agent row after agent row (in ascending order of the
//! agents' joint state), each row's target counts by sequential univariate
//! hypergeometric draws from what is left of the target's states. This needs
//! the margins only (a partitioned table has them once its counts are
//! merged), costs a few draws per occupied cell instead of a pass over the
//! samples, and gives the same null on one machine and on partitions.
//!
//! Shuffle `b` draws from its own generator seeded by `(seed, b)`, so the
//! result is the same on any number of threads.

use super::error::{DiscoverError, Result};
use super::histogram::{compact, JointTable};
use super::surd::{levels_fit, surd_from_states, surd_from_table, SurdResult};
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
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
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
/// (The null no longer shuffles: it draws each shuffle's joint table; this is
/// kept as the reference the tests compare that null with.)
pub fn shuffled(values: &[u32], seed: u64, index: u64) -> Vec<u32> {
    let mut rng = generator(seed, index);
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

/// How many cells a dense table of all agents and the target may have for
/// the null to draw it whole (the partitioned path's limit too).
const MAX_NULL_CELLS: u64 = 1 << 26;

/// The cells of the dense table of all agents and the target, when the null
/// draws that table whole and decomposes it level by level; `None` when the
/// table is too large (the null then works on the samples' own rows).
fn dense_null_cells(n_states: &[usize], n_target: usize) -> Option<usize> {
    let cells = n_states
        .iter()
        .try_fold(n_target as u64, |acc, &r| acc.checked_mul(r as u64))?;
    (cells <= MAX_NULL_CELLS && levels_fit(n_states, n_target)).then_some(cells as usize)
}

/// Uniform in `[0, 1)` with 53 random bits.
fn uniform(rng: &mut SplitMix) -> f64 {
    (rng.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `ln(k!)`: exact sums below 32, Stirling's series above (error below 1e-17).
fn ln_factorial(k: u64) -> f64 {
    static SMALL: std::sync::OnceLock<[f64; 32]> = std::sync::OnceLock::new();
    let small = SMALL.get_or_init(|| {
        let mut t = [0.0; 32];
        for i in 1..32 {
            t[i] = t[i - 1] + (i as f64).ln();
        }
        t
    });
    if k < 32 {
        return small[k as usize];
    }
    let x = k as f64;
    let r = 1.0 / x;
    let r2 = r * r;
    x * x.ln() - x
        + 0.5 * (std::f64::consts::TAU * x).ln()
        + r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 / 1680.0)))
}

/// The number of successes in `n` draws without replacement from an urn of
/// `total` items of which `good` are successes (`good, n <= total`).
///
/// Exact inversion, searching outward from the mode (expected work of the
/// order of the standard deviation): the mode's probability from
/// log-factorials, its neighbours by the ratio of consecutive probabilities.
/// If rounding leaves the searched mass short of the uniform, the draw starts
/// again with a fresh uniform.
pub(crate) fn hypergeometric(total: u64, good: u64, n: u64, rng: &mut SplitMix) -> u64 {
    if n == 0 || good == 0 {
        return 0;
    }
    if good >= total {
        return n;
    }
    if n >= total {
        return good;
    }
    // Draw from the smaller half of each margin, then map back.
    let flip_good = 2 * good > total;
    let k = if flip_good { total - good } else { good };
    let flip_n = 2 * n > total;
    let m = if flip_n { total - n } else { n };
    // Now k + m <= total: the support is 0..=min(k, m).
    let high = k.min(m);
    let rest = total - k - m; // >= 0
    let mode = (((m as u128 + 1) * (k as u128 + 1)) / (total as u128 + 2)) as u64;
    let mode = mode.min(high);
    let ln_p_mode = ln_factorial(k) - ln_factorial(mode) - ln_factorial(k - mode)
        + ln_factorial(total - k)
        - ln_factorial(m - mode)
        - ln_factorial(total - k - m + mode)
        - (ln_factorial(total) - ln_factorial(m) - ln_factorial(total - m));
    let p_mode = ln_p_mode.exp();
    // p(x+1)/p(x) and p(x-1)/p(x).
    let up = |x: u64| ((k - x) as f64 * (m - x) as f64) / ((x + 1) as f64 * (rest + x + 1) as f64);
    let down = |x: u64| (x as f64 * (rest + x) as f64) / ((k - x + 1) as f64 * (m - x + 1) as f64);
    let y = 'draw: loop {
        let mut u = uniform(rng);
        if u < p_mode {
            break 'draw mode;
        }
        u -= p_mode;
        let (mut lo, mut p_lo) = (mode, p_mode);
        let (mut hi, mut p_hi) = (mode, p_mode);
        loop {
            let mut moved = false;
            if lo > 0 {
                p_lo *= down(lo);
                lo -= 1;
                moved = true;
                if u < p_lo {
                    break 'draw lo;
                }
                u -= p_lo;
            }
            if hi < high {
                p_hi *= up(hi);
                hi += 1;
                moved = true;
                if u < p_hi {
                    break 'draw hi;
                }
                u -= p_hi;
            }
            if !moved || (p_lo == 0.0 && p_hi == 0.0) {
                continue 'draw;
            }
        }
    };
    let mut x = y;
    if flip_n {
        x = k - x;
    }
    if flip_good {
        x = n - x;
    }
    x
}

/// One random table with the given margins: `out[r * n_target + t]` for the
/// `r`-th row of `row_totals`, rows drawn in order, each row's target counts
/// by sequential hypergeometric draws from the target states still left.
pub(crate) fn draw_table(
    row_totals: &[u64],
    target_totals: &[u64],
    rng: &mut SplitMix,
    out: &mut [u32],
) {
    let nt = target_totals.len();
    let mut left_t = target_totals.to_vec();
    let mut left_total: u64 = target_totals.iter().sum();
    for (row, &size) in out.chunks_exact_mut(nt).zip(row_totals) {
        let mut need = size;
        let mut urn = left_total;
        for (t, cell) in row.iter_mut().enumerate() {
            if need == 0 {
                *cell = 0;
                continue;
            }
            let good = left_t[t];
            let x = if t + 1 == nt {
                need.min(good)
            } else {
                hypergeometric(urn, good, need, rng)
            };
            *cell = x as u32;
            left_t[t] -= x;
            need -= x;
            urn -= good;
        }
        left_total -= size;
    }
}

/// The generator of shuffle `index` of `seed`.
fn generator(seed: u64, index: u64) -> SplitMix {
    let mut rng = SplitMix(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
    // Warm the state up so neighbouring indices diverge at once.
    rng.next();
    rng
}

fn check_permutations(permutations: usize) -> Result<()> {
    if permutations == 0 || permutations > MAX_PERMUTATIONS {
        return Err(DiscoverError::InvalidArgument {
            parameter: "permutations",
            reason: format!("{permutations} shuffles; give 1 to {MAX_PERMUTATIONS}"),
        });
    }
    Ok(())
}

/// The occupied rows of a table of counts (`n_target` columns): their
/// indices, totals and target counts, and the target's totals.
struct Margins {
    rows: Vec<usize>,
    row_totals: Vec<u64>,
    target_totals: Vec<u64>,
}

impl Margins {
    fn of(cells: &[u32], n_target: usize) -> Self {
        let mut rows = Vec::new();
        let mut row_totals = Vec::new();
        let mut target_totals = vec![0u64; n_target];
        for (r, row) in cells.chunks_exact(n_target).enumerate() {
            let total: u64 = row.iter().map(|&c| c as u64).sum();
            if total > 0 {
                rows.push(r);
                row_totals.push(total);
                for (s, &c) in target_totals.iter_mut().zip(row) {
                    *s += c as u64;
                }
            }
        }
        Margins {
            rows,
            row_totals,
            target_totals,
        }
    }
}

/// Every component of `observed` against `permutations` random tables with
/// the margins of `full`, the dense table of counts of all agents and the
/// target (agent states a mixed-radix code over `n_states`, first agent most
/// significant, the target innermost) that `observed` was computed from.
/// This is the test the partitioned path runs on its merged counts.
pub fn permutation_test_counts(
    full: &JointTable<u32>,
    n_states: &[usize],
    observed: &SurdResult,
    permutations: usize,
    seed: u64,
) -> Result<SurdSignificance> {
    check_permutations(permutations)?;
    let nt = full.n_target;
    let expected = n_states
        .iter()
        .try_fold(nt, |acc, &r| acc.checked_mul(r))
        .filter(|&c| nt > 0 && c == full.cells.len() && full.n_agent_states * nt == c);
    if expected.is_none() || !levels_fit(n_states, nt) {
        return Err(DiscoverError::InvalidArgument {
            parameter: "n_states",
            reason: format!(
                "a table of {} cells is not the dense table of agents with {n_states:?} states \
                 and {nt} target states",
                full.cells.len()
            ),
        });
    }
    let margins = Margins::of(&full.cells, nt);
    let cells = full.cells.len();
    let occupied_cells = full.cells.iter().filter(|&&c| c > 0).count();
    let samples = margins.row_totals.iter().sum::<u64>() as usize;
    let null = null_results(
        observed,
        n_states.len(),
        &margins,
        nt,
        permutations,
        seed,
        |drawn| {
            let mut table = vec![0u32; cells];
            for (&r, row) in margins.rows.iter().zip(drawn.chunks_exact(nt)) {
                table[r * nt..(r + 1) * nt].copy_from_slice(row);
            }
            let full = JointTable {
                n_target: nt,
                n_agent_states: cells / nt,
                cells: table,
            };
            Ok(surd_from_table(full, n_states, observed.max_order))
        },
    )?;
    Ok(summarise(
        observed,
        n_states.len(),
        null,
        permutations,
        seed,
        samples,
        occupied_cells,
    ))
}

/// Tests every component of `observed` (SURD of `target` on `agents`) against
/// `permutations` shuffles of the target, each drawn as its joint table (see
/// the module's notes). `max_order` must be the one `observed` was computed
/// with. When the dense table of all agents fits, this is
/// [`permutation_test_counts`] on that table; otherwise the drawn tables are
/// turned back into a target column over the samples' own agent rows.
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
    check_permutations(permutations)?;
    let n = target.len();
    if agents.len() != n_states.len() || agents.is_empty() || n_target == 0 {
        return Err(DiscoverError::InvalidArgument {
            parameter: "n_states",
            reason: format!(
                "{} agents, {} state counts, {n_target} target states",
                agents.len(),
                n_states.len()
            ),
        });
    }
    super::surd::check_states(target, n_target, agents, n_states)?;
    if let Some(cells) = dense_null_cells(n_states, n_target) {
        let mut table = vec![0u32; cells];
        for i in 0..n {
            let mut code = 0usize;
            for (a, &r) in agents.iter().zip(n_states) {
                code = code * r + a[i] as usize;
            }
            table[code * n_target + target[i] as usize] += 1;
        }
        let full = JointTable {
            n_target,
            n_agent_states: cells / n_target,
            cells: table,
        };
        return permutation_test_counts(&full, n_states, observed, permutations, seed);
    }
    permutation_test_rows(
        target,
        n_target,
        agents,
        n_states,
        observed,
        permutations,
        seed,
    )
}

/// [`permutation_test`] for tables too large to hold dense (arguments
/// checked by the caller): the same drawn tables, each turned into a target
/// column over the samples' own agent rows.
fn permutation_test_rows(
    target: &[u32],
    n_target: usize,
    agents: &[&[u32]],
    n_states: &[usize],
    observed: &SurdResult,
    permutations: usize,
    seed: u64,
) -> Result<SurdSignificance> {
    let n = target.len();
    // Too many joint states for a dense table: number the occupied ones in
    // ascending order of the agents' joint state (the dense table's row order).
    let mut codes = vec![0u64; n];
    let mut range: u64 = 1;
    for (a, &r) in agents.iter().zip(n_states) {
        let radix = r as u64;
        if range.checked_mul(radix).is_none_or(|c| c > 1 << 40) {
            range = compact(&mut codes);
        }
        for (code, &s) in codes.iter_mut().zip(a.iter()) {
            *code = *code * radix + s as u64;
        }
        range *= radix;
    }
    let rows = compact(&mut codes) as usize;
    // The samples grouped by row (a counting sort), and each row's target counts.
    let mut starts = vec![0usize; rows + 1];
    let mut counts = vec![0u32; rows * n_target];
    for (&c, &t) in codes.iter().zip(target) {
        starts[c as usize + 1] += 1;
        counts[c as usize * n_target + t as usize] += 1;
    }
    for r in 0..rows {
        starts[r + 1] += starts[r];
    }
    let mut order = vec![0u32; n];
    let mut next = starts.clone();
    for (i, &c) in codes.iter().enumerate() {
        order[next[c as usize]] = i as u32;
        next[c as usize] += 1;
    }
    drop(codes);
    let margins = Margins::of(&counts, n_target);
    let occupied_cells = counts.iter().filter(|&&c| c > 0).count();
    let null = null_results(
        observed,
        agents.len(),
        &margins,
        n_target,
        permutations,
        seed,
        |drawn| {
            let mut shuffled = vec![0u32; n];
            for (r, row) in drawn.chunks_exact(n_target).enumerate() {
                let mut at = starts[r];
                for (t, &c) in row.iter().enumerate() {
                    for &i in &order[at..at + c as usize] {
                        shuffled[i as usize] = t as u32;
                    }
                    at += c as usize;
                }
            }
            surd_from_states(
                &shuffled,
                n_target,
                agents,
                n_states,
                Some(observed.max_order),
            )
        },
    )?;
    Ok(summarise(
        observed,
        agents.len(),
        null,
        permutations,
        seed,
        n,
        occupied_cells,
    ))
}

/// Each random table's flattened components and mutual information.
type NullRow = (Vec<f64>, f64);

fn null_results<F>(
    observed: &SurdResult,
    n_agents: usize,
    margins: &Margins,
    n_target: usize,
    permutations: usize,
    seed: u64,
    decompose: F,
) -> Result<Vec<NullRow>>
where
    F: Fn(&[u32]) -> Result<SurdResult> + Sync,
{
    let redundant_keys: Vec<Vec<usize>> = observed.redundant.keys().cloned().collect();
    let synergistic_keys: Vec<Vec<usize>> = observed.synergistic.keys().cloned().collect();
    let cells = margins.row_totals.len() * n_target;
    (0..permutations as u64)
        .into_par_iter()
        .map(|b| {
            let mut rng = generator(seed, b);
            let mut drawn = vec![0u32; cells];
            draw_table(
                &margins.row_totals,
                &margins.target_totals,
                &mut rng,
                &mut drawn,
            );
            let r = decompose(&drawn)?;
            Ok((
                flatten(&r, &redundant_keys, &synergistic_keys, n_agents),
                r.mutual_info,
            ))
        })
        .collect()
}

fn summarise(
    observed: &SurdResult,
    n_agents: usize,
    null: Vec<NullRow>,
    permutations: usize,
    seed: u64,
    samples: usize,
    occupied_cells: usize,
) -> SurdSignificance {
    let redundant_keys: Vec<Vec<usize>> = observed.redundant.keys().cloned().collect();
    let synergistic_keys: Vec<Vec<usize>> = observed.synergistic.keys().cloned().collect();
    let obs = flatten(observed, &redundant_keys, &synergistic_keys, n_agents);
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
    let nr = redundant_keys.len();
    SurdSignificance {
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
        samples,
        occupied_cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::chi2_sf;

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

    /// Exact hypergeometric probabilities by the product formula.
    fn pmf(total: u64, good: u64, n: u64) -> Vec<f64> {
        let ln_choose = |a: u64, b: u64| ln_factorial(a) - ln_factorial(b) - ln_factorial(a - b);
        (0..=n.min(good))
            .map(|x| {
                if n - x > total - good {
                    0.0
                } else {
                    (ln_choose(good, x) + ln_choose(total - good, n - x) - ln_choose(total, n))
                        .exp()
                }
            })
            .collect()
    }

    #[test]
    fn hypergeometric_draws_follow_the_exact_distribution() {
        // Small and skewed urns, each half of each margin (the flips).
        for &(total, good, n) in &[
            (20u64, 7u64, 5u64),
            (20, 15, 5),
            (20, 7, 16),
            (50, 48, 30),
            (1000, 3, 400),
            (60, 30, 30),
        ] {
            let p = pmf(total, good, n);
            let draws = 20_000;
            let mut seen = vec![0usize; p.len()];
            let mut rng = SplitMix(total * 31 + good * 7 + n);
            for _ in 0..draws {
                let x = hypergeometric(total, good, n, &mut rng) as usize;
                assert!(x < p.len() && p[x] > 0.0, "{x} outside the support");
                seen[x] += 1;
            }
            // Pearson's chi-square over cells expected to hold at least 5 draws.
            let (mut chi2, mut dof) = (0.0, 0usize);
            let (mut rest_seen, mut rest_expected) = (0usize, 0.0);
            for (&o, &q) in seen.iter().zip(&p) {
                let e = q * draws as f64;
                if e >= 5.0 {
                    chi2 += (o as f64 - e).powi(2) / e;
                    dof += 1;
                } else {
                    rest_seen += o;
                    rest_expected += e;
                }
            }
            if rest_expected > 0.0 {
                chi2 += (rest_seen as f64 - rest_expected).powi(2) / rest_expected.max(1.0);
                dof += 1;
            }
            let p_value = chi2_sf(chi2, dof.saturating_sub(1).max(1) as f64);
            assert!(
                p_value > 1e-4,
                "({total}, {good}, {n}): chi2 {chi2} on {dof} cells"
            );
        }
    }

    #[test]
    fn hypergeometric_draws_from_a_huge_urn_have_the_right_mean_and_variance() {
        let (total, good, n) = (100_000_000u64, 30_000_000u64, 20_000u64);
        let mut rng = SplitMix(3);
        let draws = 20_000;
        let xs: Vec<f64> = (0..draws)
            .map(|_| hypergeometric(total, good, n, &mut rng) as f64)
            .collect();
        let mean = xs.iter().sum::<f64>() / draws as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (draws - 1) as f64;
        let (nf, p) = (n as f64, good as f64 / total as f64);
        let true_var = nf * p * (1.0 - p) * (total - n) as f64 / (total - 1) as f64;
        assert!((mean - nf * p).abs() < 5.0 * (true_var / draws as f64).sqrt());
        assert!(
            (var / true_var - 1.0).abs() < 0.05,
            "variance {var} vs {true_var}"
        );
    }

    #[test]
    fn a_drawn_table_keeps_both_margins() {
        let rows = [5u64, 0, 17, 1, 40, 3];
        let targets = [20u64, 1, 30, 15];
        let mut rng = SplitMix(8);
        for _ in 0..200 {
            let mut out = vec![0u32; rows.len() * targets.len()];
            draw_table(&rows, &targets, &mut rng, &mut out);
            for (row, &r) in out.chunks_exact(4).zip(&rows) {
                assert_eq!(row.iter().map(|&c| c as u64).sum::<u64>(), r);
            }
            for (t, &c) in targets.iter().enumerate() {
                assert_eq!(
                    out.iter()
                        .skip(t)
                        .step_by(4)
                        .map(|&c| c as u64)
                        .sum::<u64>(),
                    c
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_drawn_table_keeps_both_margins_and_only_its_seed_decides_it(
            cells in proptest::collection::vec(0u32..40, 2..60),
            n_target in 1usize..5,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let rows = cells.len() / n_target;
            proptest::prop_assume!(rows > 0);
            let table = &cells[..rows * n_target];
            let m = Margins::of(table, n_target);
            let draw = |seed| {
                let mut out = vec![0u32; m.row_totals.len() * n_target];
                draw_table(&m.row_totals, &m.target_totals, &mut generator(seed, 0), &mut out);
                out
            };
            let out = draw(seed);
            proptest::prop_assert_eq!(&out, &draw(seed));
            for (row, &r) in out.chunks_exact(n_target).zip(&m.row_totals) {
                proptest::prop_assert_eq!(row.iter().map(|&c| c as u64).sum::<u64>(), r);
            }
            for (t, &c) in m.target_totals.iter().enumerate() {
                let column: u64 = out.iter().skip(t).step_by(n_target).map(|&c| c as u64).sum();
                proptest::prop_assert_eq!(column, c);
            }
        }
    }

    /// Two-sample Kolmogorov–Smirnov statistic.
    fn ks(a: &mut [f64], b: &mut [f64]) -> f64 {
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let (mut i, mut j, mut d) = (0, 0, 0.0f64);
        while i < a.len() && j < b.len() {
            let v = a[i].min(b[j]);
            while i < a.len() && a[i] <= v {
                i += 1;
            }
            while j < b.len() && b[j] <= v {
                j += 1;
            }
            d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
        }
        d
    }

    #[test]
    fn drawn_tables_give_the_null_that_shuffling_the_rows_gives() {
        // A small, dependent table: x1 drives y, x2 is noise.
        let n = 80;
        let x1 = noise(n, 3, 21);
        let x2 = noise(n, 2, 22);
        let e = noise(n, 4, 23);
        let y: Vec<u32> = x1
            .iter()
            .zip(&e)
            .map(|(&a, &e)| if e == 0 { (a + 1) % 3 } else { a })
            .collect();
        let agents: Vec<&[u32]> = vec![&x1, &x2];
        let observed = surd_from_states(&y, 3, &agents, &[3, 2], None).unwrap();
        let keys_r: Vec<Vec<usize>> = observed.redundant.keys().cloned().collect();
        let keys_s: Vec<Vec<usize>> = observed.synergistic.keys().cloned().collect();
        let b = 3000;
        let by_shuffle: Vec<(Vec<f64>, f64)> = (0..b)
            .map(|i| {
                let r = surd_from_states(&shuffled(&y, 1, i), 3, &agents, &[3, 2], None).unwrap();
                (flatten(&r, &keys_r, &keys_s, 2), r.mutual_info)
            })
            .collect();
        let table = {
            let mut cells = vec![0u32; 18];
            for i in 0..n {
                cells[(x1[i] as usize * 2 + x2[i] as usize) * 3 + y[i] as usize] += 1;
            }
            JointTable {
                n_target: 3,
                n_agent_states: 6,
                cells,
            }
        };
        let margins = Margins::of(&table.cells, 3);
        let by_table = null_results(&observed, 2, &margins, 3, b as usize, 2, |drawn| {
            let mut cells = vec![0u32; 18];
            for (&r, row) in margins.rows.iter().zip(drawn.chunks_exact(3)) {
                cells[r * 3..r * 3 + 3].copy_from_slice(row);
            }
            let full = JointTable {
                n_target: 3,
                n_agent_states: 6,
                cells,
            };
            Ok(surd_from_table(full, &[3, 2], 2))
        })
        .unwrap();
        // KS critical value at level 1e-3 for two samples of 3000: 1.95 * sqrt(2 / 3000).
        let critical = 1.95 * (2.0 / b as f64).sqrt();
        let column = |null: &[(Vec<f64>, f64)], c: Option<usize>| -> Vec<f64> {
            null.iter()
                .map(|(row, mi)| c.map_or(*mi, |c| row[c]))
                .collect()
        };
        let width = by_table[0].0.len();
        for c in std::iter::once(None).chain((0..width).map(Some)) {
            let d = ks(&mut column(&by_shuffle, c), &mut column(&by_table, c));
            assert!(d < critical, "component {c:?}: KS {d} >= {critical}");
        }
        // And the test does tell the two apart from a shifted null: a sanity
        // check that the statistic can fail.
        let mut shifted: Vec<f64> = column(&by_table, None).iter().map(|v| v + 0.02).collect();
        assert!(ks(&mut column(&by_shuffle, None), &mut shifted) > critical);
    }

    #[test]
    fn the_sparse_route_draws_the_same_tables_as_the_dense_one() {
        let n = 500;
        let x1 = noise(n, 4, 31);
        let x2 = noise(n, 3, 32);
        let x3 = noise(n, 2, 33);
        let y: Vec<u32> = x1.iter().zip(&x3).map(|(&a, &b)| (a + b) % 3).collect();
        let agents: Vec<&[u32]> = vec![&x1, &x2, &x3];
        let observed = surd_from_states(&y, 3, &agents, &[4, 3, 2], None).unwrap();
        let dense = permutation_test(&y, 3, &agents, &[4, 3, 2], &observed, 30, 4).unwrap();
        let rows = permutation_test_rows(&y, 3, &agents, &[4, 3, 2], &observed, 30, 4).unwrap();
        assert_eq!(dense.samples, rows.samples);
        assert_eq!(dense.occupied_cells, rows.occupied_cells);
        let close = |a: &ComponentTest, b: &ComponentTest| {
            assert!((a.observed - b.observed).abs() < 1e-12);
            assert!((a.null_mean - b.null_mean).abs() < 1e-12);
            assert!((a.null_q95 - b.null_q95).abs() < 1e-12);
            assert_eq!(a.p_value, b.p_value);
        };
        close(&dense.mutual_info, &rows.mutual_info);
        for (a, b) in dense.unique.iter().zip(&rows.unique) {
            close(a, b);
        }
        for (a, b) in dense.synergistic.values().zip(rows.synergistic.values()) {
            close(a, b);
        }
    }

    #[test]
    fn a_table_that_is_not_dense_is_refused() {
        let x = noise(50, 2, 1);
        let agents: Vec<&[u32]> = vec![&x];
        let observed = surd_from_states(&x, 2, &agents, &[2], None).unwrap();
        let wrong = JointTable {
            n_target: 2,
            n_agent_states: 3,
            cells: vec![1; 6],
        };
        assert!(permutation_test_counts(&wrong, &[2], &observed, 10, 0).is_err());
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
