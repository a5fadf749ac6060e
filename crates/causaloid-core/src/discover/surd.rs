//! SURD: the synergistic-unique-redundant decomposition of causality
//! (Martínez-Sánchez, Arranz & Lozano-Durán, Nat. Commun. 15, 9296, 2024).
//!
//! The mutual information between the target's future and its agents' past is
//! split, target state by target state, into increments of specific
//! information: redundant (shared by a set of agents), unique (one agent) and
//! synergistic (only a combination). What no agent explains is the causality
//! leak, H(target | all agents). Everything is in bits.

use super::error::{DiscoverError, Result};
use super::histogram::{full_counts, joint_counts, marginal, sum_out, JointTable};
use std::collections::HashMap;

use rayon::prelude::*;
use std::collections::BTreeMap;

/// Components keyed by agent combination.
pub type ByCombo = BTreeMap<Vec<usize>, f64>;
/// One combination's joint table and, when wanted, its specific information and H(T | A).
type LevelEntry = (Vec<usize>, JointTable<u32>, Option<(Vec<f64>, f64)>);

/// The decomposition. Agent combinations are sorted lists of agent indices.
#[derive(Clone, Debug, PartialEq)]
pub struct SurdResult {
    /// Redundant causality of each set of two or more agents.
    pub redundant: BTreeMap<Vec<usize>, f64>,
    /// Unique causality of each agent.
    pub unique: Vec<f64>,
    /// Synergistic causality of each combination of two or more agents.
    pub synergistic: BTreeMap<Vec<usize>, f64>,
    /// I(target; combination) for every combination considered.
    pub information: BTreeMap<Vec<usize>, f64>,
    /// I(target; all agents).
    pub mutual_info: f64,
    /// H(target | all agents): the causality leak.
    pub info_leak: f64,
    /// H(target).
    pub target_entropy: f64,
    /// Size of the largest combination considered.
    pub max_order: usize,
    /// The same components, target state by target state.
    pub states: StateMaps,
}

/// The state-dependent maps of a decomposition: for every state `t` of the
/// target, what each component and the leak contribute to it, in bits, already
/// weighted by `p(t)` so that each component's entries sum (in state order)
/// to its aggregated value.
///
/// The causal entries are `p(t)` times the increments of specific information
/// `i(T = t; A) = sum_a p(a | t) log2(p(t | a) / p(t))` that the decomposition
/// assigns to each component for that state. The leak entry is
/// `p(t) * (-log2 p(t) - i(T = t; all agents))` (never negative: the specific
/// information never exceeds the state's surprisal); the leaks sum to
/// `H(target | all agents)`. When every combination is considered, each
/// state's causal entries and leak add up to `-p(t) log2 p(t)`, its share of
/// the target's entropy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateMaps {
    /// p(t) for every target state.
    pub target_probability: Vec<f64>,
    /// Redundant contribution of each agent set, per target state.
    pub redundant: BTreeMap<Vec<usize>, Vec<f64>>,
    /// Unique contribution of each agent, per target state.
    pub unique: Vec<Vec<f64>>,
    /// Synergistic contribution of each combination, per target state.
    pub synergistic: BTreeMap<Vec<usize>, Vec<f64>>,
    /// Causality leak per target state.
    pub leak: Vec<f64>,
}

impl SurdResult {
    /// Sum of every redundant, unique and synergistic component. It equals
    /// `mutual_info` when every combination was considered.
    pub fn total(&self) -> f64 {
        self.redundant.values().sum::<f64>()
            + self.unique.iter().sum::<f64>()
            + self.synergistic.values().sum::<f64>()
    }
}

/// All combinations of `0..n` with sizes `1..=max_order`, by size then lexicographic order.
pub fn combinations(n: usize, max_order: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    for size in 1..=max_order.min(n) {
        let mut combo: Vec<usize> = (0..size).collect();
        loop {
            out.push(combo.clone());
            // Advance to the next combination in lexicographic order.
            let mut i = size;
            while i > 0 && combo[i - 1] == n - size + i - 1 {
                i -= 1;
            }
            if i == 0 {
                break;
            }
            combo[i - 1] += 1;
            for j in i..size {
                combo[j] = combo[j - 1] + 1;
            }
        }
    }
    out
}

/// Specific information i(T = t; A) = sum_a p(a | t) log2(p(t | a) / p(t)) for
/// every target state, and the conditional entropy H(T | A), from a joint table
/// of weights (counts or probabilities, any total).
fn specific_information<W: Copy + Into<f64>>(
    table: &JointTable<W>,
    target_weight: &[f64],
    total: f64,
) -> (Vec<f64>, f64) {
    let nt = table.n_target;
    let mut specific = vec![0.0; nt];
    let mut cond_entropy = 0.0;
    for a in 0..table.n_agent_states {
        let row = &table.cells[a * nt..(a + 1) * nt];
        let w_a: f64 = row.iter().map(|&w| w.into()).sum();
        if w_a <= 0.0 {
            continue;
        }
        for (t, &w) in row.iter().enumerate() {
            let w_ta: f64 = w.into();
            if w_ta <= 0.0 {
                continue;
            }
            // Differences of logarithms: ratios of tiny weights under- or overflow.
            let lg_ta = w_ta.log2() - w_a.log2();
            specific[t] +=
                w_ta / target_weight[t] * (lg_ta + total.log2() - target_weight[t].log2());
            cond_entropy -= w_ta / total * lg_ta;
        }
    }
    (specific, cond_entropy)
}

/// Base-2 logarithms of small counts, looked up instead of recomputed.
struct Log2Table(Vec<f64>);

impl Log2Table {
    /// The table, built once per process.
    fn new() -> &'static Self {
        static TABLE: std::sync::OnceLock<Log2Table> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| Log2Table((0..1u32 << 16).map(|c| (c as f64).log2()).collect()))
    }

    fn of(&self, count: u64) -> f64 {
        match self.0.get(count as usize) {
            Some(&v) => v,
            None => (count as f64).log2(),
        }
    }
}

/// [`specific_information`] for integer counts. With `acc_t = sum_a c_ta lg(c_ta / c_a)`
/// (never positive, so no cancellation while summing), the specific information
/// is `acc_t / c_t + lg N - lg c_t` and the conditional entropy `-sum_t acc_t / N`.
fn specific_from_counts(
    table: &JointTable<u32>,
    target_count: &[f64],
    total: f64,
    lg: &Log2Table,
) -> (Vec<f64>, f64) {
    let nt = table.n_target;
    let mut acc = vec![0.0; nt];
    for row in table.cells.chunks_exact(nt) {
        let c_a: u64 = row.iter().map(|&c| c as u64).sum();
        if c_a == 0 {
            continue;
        }
        let lg_a = lg.of(c_a);
        for (a, &c) in acc.iter_mut().zip(row) {
            if c != 0 {
                *a += c as f64 * (lg.of(c as u64) - lg_a);
            }
        }
    }
    let lg_total = total.log2();
    let specific = acc
        .iter()
        .zip(target_count)
        .map(|(&a, &c)| {
            if c > 0.0 {
                a / c + lg_total - c.log2()
            } else {
                0.0
            }
        })
        .collect();
    let cond_entropy = -acc.iter().sum::<f64>() / total;
    (specific, cond_entropy)
}

/// Combinations of exactly `size` agents out of `n`, in lexicographic order.
fn combinations_of_size(n: usize, size: usize) -> Vec<Vec<usize>> {
    combinations(n, size)
        .into_iter()
        .filter(|c| c.len() == size)
        .collect()
}

/// Specific information of every combination of at most `max_order` agents
/// (and of all agents), summing agents out of the full table level by level:
/// each combination comes from the one with its first missing agent added.
fn specific_by_levels(
    full: JointTable<u32>,
    n_states: &[usize],
    max_order: usize,
    target_count: &[f64],
    total: f64,
    lg: &Log2Table,
) -> HashMap<Vec<usize>, (Vec<f64>, f64)> {
    let n = n_states.len();
    let all: Vec<usize> = (0..n).collect();
    let next_level =
        |level: &HashMap<Vec<usize>, JointTable<u32>>, size: usize| -> Vec<LevelEntry> {
            combinations_of_size(n, size)
                .into_par_iter()
                .map(|combo| {
                    let missing = (0..n).find(|a| !combo.contains(a)).unwrap_or(0);
                    let mut parent = combo.clone();
                    parent.push(missing);
                    parent.sort_unstable();
                    let position = parent.iter().position(|&a| a == missing).unwrap_or(0);
                    let radices: Vec<usize> = parent.iter().map(|&a| n_states[a]).collect();
                    let table = sum_out(&level[&parent], &radices, position);
                    let specific = (size <= max_order)
                        .then(|| specific_from_counts(&table, target_count, total, lg));
                    (combo, table, specific)
                })
                .collect()
        };
    let mut out = HashMap::new();
    let mut level: HashMap<Vec<usize>, JointTable<u32>> = HashMap::from([(all.clone(), full)]);
    for size in (1..n).rev() {
        let next = if size == n - 1 {
            // The full table's own information runs beside the first level.
            let (full_specific, next) = rayon::join(
                || specific_from_counts(&level[&all], target_count, total, lg),
                || next_level(&level, size),
            );
            out.insert(all.clone(), full_specific);
            next
        } else {
            next_level(&level, size)
        };
        level = HashMap::with_capacity(next.len());
        for (combo, table, specific) in next {
            if let Some(s) = specific {
                out.insert(combo.clone(), s);
            }
            level.insert(combo, table);
        }
    }
    if n == 1 {
        out.insert(
            all.clone(),
            specific_from_counts(&level[&all], target_count, total, lg),
        );
    }
    out
}

/// Splits the specific information of every target state into redundant,
/// unique and synergistic increments (the core of SURD).
///
/// `specific[c][t]` is i(T = t; combos[c]); `p_target[t]` the target's marginal.
pub fn decompose(
    n_agents: usize,
    combos: &[Vec<usize>],
    specific: &[Vec<f64>],
    p_target: &[f64],
) -> (ByCombo, Vec<f64>, ByCombo) {
    let (redundant, unique, synergistic, _) =
        decompose_states(n_agents, combos, specific, p_target);
    (redundant, unique, synergistic)
}

/// [`decompose`], with the state-dependent maps of the causal components
/// (their leak entries empty; [`assemble`] fills them).
pub fn decompose_states(
    n_agents: usize,
    combos: &[Vec<usize>],
    specific: &[Vec<f64>],
    p_target: &[f64],
) -> (ByCombo, Vec<f64>, ByCombo, StateMaps) {
    let nt = p_target.len();
    let mut maps = StateMaps {
        target_probability: p_target.to_vec(),
        unique: vec![vec![0.0; nt]; n_agents],
        ..StateMaps::default()
    };
    for combo in combos.iter().filter(|c| c.len() > 1) {
        maps.redundant.insert(combo.clone(), vec![0.0; nt]);
        maps.synergistic.insert(combo.clone(), vec![0.0; nt]);
    }
    let mut redundant: BTreeMap<Vec<usize>, f64> = BTreeMap::new();
    let mut synergistic: BTreeMap<Vec<usize>, f64> = BTreeMap::new();
    for combo in combos.iter().filter(|c| c.len() > 1) {
        redundant.insert(combo.clone(), 0.0);
        synergistic.insert(combo.clone(), 0.0);
    }
    let mut unique = vec![0.0; n_agents];
    let max_len = combos.iter().map(Vec::len).max().unwrap_or(0);
    let mut values = vec![0.0; combos.len()];
    let mut order: Vec<usize> = (0..combos.len()).collect();
    for (t, &pt) in p_target.iter().enumerate() {
        if pt <= 0.0 {
            continue;
        }
        for (v, s) in values.iter_mut().zip(specific) {
            *v = s[t];
        }
        // A combination counts as synergy only where it knows more about this
        // target state than every smaller combination; otherwise it adds nothing.
        for len in 1..max_len {
            let lower_max = combos
                .iter()
                .zip(&values)
                .filter(|(c, _)| c.len() == len)
                .fold(f64::NEG_INFINITY, |m, (_, &v)| m.max(v));
            for (c, v) in combos.iter().zip(values.iter_mut()) {
                if c.len() == len + 1 && *v < lower_max {
                    *v = 0.0;
                }
            }
        }
        // Ties keep the canonical order (smaller combinations first), so exact
        // redundancy is never mistaken for synergy.
        order.sort_by(|&i, &j| values[i].total_cmp(&values[j]).then(i.cmp(&j)));
        let mut remaining: Vec<usize> = (0..n_agents).collect();
        let mut previous = 0.0;
        for &c in &order {
            let increment = (values[c] - previous) * pt;
            previous = values[c];
            let combo = &combos[c];
            if combo.len() == 1 {
                if remaining.len() == 1 {
                    unique[combo[0]] += increment;
                    maps.unique[combo[0]][t] += increment;
                } else {
                    *redundant.entry(remaining.clone()).or_insert(0.0) += increment;
                    maps.redundant
                        .entry(remaining.clone())
                        .or_insert_with(|| vec![0.0; nt])[t] += increment;
                }
                remaining.retain(|&a| a != combo[0]);
            } else {
                *synergistic.entry(combo.clone()).or_insert(0.0) += increment;
                maps.synergistic
                    .entry(combo.clone())
                    .or_insert_with(|| vec![0.0; nt])[t] += increment;
            }
        }
    }
    (redundant, unique, synergistic, maps)
}

/// Most agent combinations one decomposition considers; beyond it, ask for a
/// smaller `max_order` rather than run for hours.
pub const MAX_COMBINATIONS: f64 = 100_000.0;

pub(crate) fn check_max_order(max_order: Option<usize>, n_agents: usize) -> Result<usize> {
    let order = match max_order {
        Some(0) => {
            return Err(DiscoverError::InvalidArgument {
                parameter: "max_order",
                reason: "must be at least 1 (or None for every combination)".into(),
            })
        }
        Some(m) => m.min(n_agents),
        None => n_agents,
    };
    // Number of combinations of at most `order` of the agents.
    let mut count = 0.0;
    let mut binomial = 1.0;
    for k in 1..=order {
        binomial = binomial * (n_agents + 1 - k) as f64 / k as f64;
        count += binomial;
    }
    if count > MAX_COMBINATIONS {
        return Err(DiscoverError::InvalidArgument {
            parameter: "max_order",
            reason: format!(
                "{n_agents} agents up to order {order} make {count:.0} combinations (at most {MAX_COMBINATIONS:.0}); pass a smaller max_order"
            ),
        });
    }
    Ok(order)
}

/// Whether summing agents out of the full table, level by level, stays within
/// a small multiple of the full table's memory. The cells of all combinations
/// of `k` agents are the elementary symmetric polynomial `e_k` of the radices.
/// Every agent as long as the target, and every state below its count.
pub(crate) fn check_states(
    target: &[u32],
    n_target: usize,
    agents: &[&[u32]],
    n_states: &[usize],
) -> Result<()> {
    let n = target.len();
    for (k, a) in agents.iter().enumerate() {
        if a.len() != n {
            return Err(DiscoverError::Length {
                column: format!("agent {k}"),
                expected: n,
                found: a.len(),
            });
        }
        let states = n_states.get(k).copied().unwrap_or(0);
        if let Some(&s) = a.iter().find(|&&s| s as usize >= states) {
            return Err(DiscoverError::InvalidArgument {
                parameter: "agents",
                reason: format!("agent {k} has state {s} but only {states} states"),
            });
        }
    }
    if let Some(&s) = target.iter().find(|&&s| s as usize >= n_target) {
        return Err(DiscoverError::InvalidArgument {
            parameter: "target",
            reason: format!("state {s} but only {n_target} states"),
        });
    }
    Ok(())
}

pub(crate) fn levels_fit(n_states: &[usize], n_target: usize) -> bool {
    let mut e = vec![0.0f64; n_states.len() + 1];
    e[0] = 1.0;
    for (i, &r) in n_states.iter().enumerate() {
        for k in (1..=i + 1).rev() {
            e[k] += e[k - 1] * r as f64;
        }
    }
    let full = e[n_states.len()] * n_target as f64;
    let peak = e
        .windows(2)
        .map(|w| (w[0] + w[1]) * n_target as f64)
        .fold(0.0, f64::max);
    peak <= (4.0 * full).max((1u64 << 22) as f64)
}

fn entropy(p: &[f64]) -> f64 {
    -p.iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| x * x.log2())
        .sum::<f64>()
}

/// SURD from discrete samples: `target[i]` is the target's future state and
/// `agents[k][i]` agent k's past state for sample `i`.
pub fn surd_from_states(
    target: &[u32],
    n_target: usize,
    agents: &[&[u32]],
    n_states: &[usize],
    max_order: Option<usize>,
) -> Result<SurdResult> {
    let n = target.len();
    if agents.is_empty() {
        return Err(DiscoverError::InvalidArgument {
            parameter: "agents",
            reason: "give at least one agent".into(),
        });
    }
    if agents.len() != n_states.len() {
        return Err(DiscoverError::InvalidArgument {
            parameter: "n_states",
            reason: format!(
                "{} agents but {} state counts",
                agents.len(),
                n_states.len()
            ),
        });
    }
    if n == 0 || n > u32::MAX as usize {
        return Err(DiscoverError::InvalidArgument {
            parameter: "samples",
            reason: format!("{n} samples; need 1 to 2^32 - 1"),
        });
    }
    check_states(target, n_target, agents, n_states)?;
    let max_order = check_max_order(max_order, agents.len())?;
    if levels_fit(n_states, n_target) {
        if let Some(full) = full_counts(target, n_target, agents, n_states) {
            return Ok(surd_from_table(full, n_states, max_order));
        }
    }
    let mut target_weight = vec![0.0; n_target];
    for &t in target {
        target_weight[t as usize] += 1.0;
    }
    let total = n as f64;
    let lg = Log2Table::new();
    let combos = combinations(agents.len(), max_order);
    let all: Vec<usize> = (0..agents.len()).collect();
    let mut jobs: Vec<&[usize]> = combos.iter().map(Vec::as_slice).collect();
    if max_order < agents.len() {
        jobs.push(&all);
    }
    let computed: Vec<(Vec<f64>, f64)> = jobs
        .par_iter()
        .map(|combo| {
            specific_from_counts(
                &joint_counts(target, n_target, agents, n_states, combo),
                &target_weight,
                total,
                lg,
            )
        })
        .collect();
    let p_target: Vec<f64> = target_weight.iter().map(|w| w / total).collect();
    Ok(assemble(
        agents.len(),
        max_order,
        combos,
        computed,
        p_target,
    ))
}

/// SURD from the dense count table of all agents and the target (agent
/// states a mixed-radix code over `n_states`, target innermost). `max_order`
/// must be between 1 and the number of agents.
pub(crate) fn surd_from_table(
    full: JointTable<u32>,
    n_states: &[usize],
    max_order: usize,
) -> SurdResult {
    let nt = full.n_target;
    let mut target_count = vec![0.0; nt];
    for row in full.cells.chunks_exact(nt) {
        for (w, &c) in target_count.iter_mut().zip(row) {
            *w += c as f64;
        }
    }
    let total: f64 = target_count.iter().sum();
    let n_agents = n_states.len();
    let lg = Log2Table::new();
    let combos = combinations(n_agents, max_order);
    let all: Vec<usize> = (0..n_agents).collect();
    let mut by_combo = specific_by_levels(full, n_states, max_order, &target_count, total, lg);
    let mut computed: Vec<(Vec<f64>, f64)> = combos
        .iter()
        .map(|c| by_combo.remove(c).unwrap_or_default())
        .collect();
    if max_order < n_agents {
        computed.push(by_combo.remove(&all).unwrap_or_default());
    }
    let p_target: Vec<f64> = target_count.iter().map(|w| w / total).collect();
    assemble(n_agents, max_order, combos, computed, p_target)
}

/// SURD from a joint probability array `p` in C order with `shape`; the first
/// axis is the target's future, each further axis one agent. `p` is
/// normalised to sum to one.
pub fn surd_from_pdf(p: &[f64], shape: &[usize], max_order: Option<usize>) -> Result<SurdResult> {
    let bad = |reason: String| DiscoverError::BadDistribution { reason };
    if shape.len() < 2 {
        return Err(bad(format!(
            "needs at least 2 axes (target and one agent), got {}",
            shape.len()
        )));
    }
    if shape.contains(&0) {
        return Err(bad(format!("has an empty axis in shape {shape:?}")));
    }
    let cells = shape.iter().try_fold(1usize, |acc, &s| acc.checked_mul(s));
    if cells != Some(p.len()) {
        return Err(bad(format!(
            "{} values do not fill shape {shape:?}",
            p.len()
        )));
    }
    if let Some(i) = p.iter().position(|x| !x.is_finite() || *x < 0.0) {
        return Err(bad(format!(
            "entry {i} is {}; probabilities must be finite and non-negative",
            p[i]
        )));
    }
    let sum: f64 = p.iter().sum();
    if sum <= 0.0 {
        return Err(bad("sums to zero".into()));
    }
    let n_agents = shape.len() - 1;
    let max_order = check_max_order(max_order, n_agents)?;
    let nt = shape[0];
    let block = p.len() / nt;
    let target_weight: Vec<f64> = (0..nt)
        .map(|t| p[t * block..(t + 1) * block].iter().sum::<f64>())
        .collect();
    let combos = combinations(n_agents, max_order);
    let all: Vec<usize> = (0..n_agents).collect();
    let mut jobs: Vec<&[usize]> = combos.iter().map(Vec::as_slice).collect();
    if max_order < n_agents {
        jobs.push(&all);
    }
    let computed: Vec<(Vec<f64>, f64)> = jobs
        .par_iter()
        .map(|combo| specific_information(&marginal(p, shape, combo), &target_weight, sum))
        .collect();
    let p_target: Vec<f64> = target_weight.iter().map(|w| w / sum).collect();
    Ok(assemble(n_agents, max_order, combos, computed, p_target))
}

fn assemble(
    n_agents: usize,
    max_order: usize,
    combos: Vec<Vec<usize>>,
    mut computed: Vec<(Vec<f64>, f64)>,
    p_target: Vec<f64>,
) -> SurdResult {
    // The last job is always the full set of agents: it gives the leak.
    let info_leak = computed.last().map(|(_, h)| h.max(0.0)).unwrap_or(0.0);
    let full_specific = computed.last().map(|(s, _)| s.clone()).unwrap_or_default();
    if computed.len() > combos.len() {
        computed.pop();
    }
    let target_entropy = entropy(&p_target);
    let specific: Vec<Vec<f64>> = computed.into_iter().map(|(s, _)| s).collect();
    let information = combos
        .iter()
        .zip(&specific)
        .map(|(c, s)| {
            (
                c.clone(),
                s.iter().zip(&p_target).map(|(i, p)| i * p).sum::<f64>(),
            )
        })
        .collect();
    let (redundant, unique, synergistic, mut states) =
        decompose_states(n_agents, &combos, &specific, &p_target);
    // The leak of each state: its surprisal less what all agents tell about it.
    states.leak = p_target
        .iter()
        .zip(&full_specific)
        .map(|(&p, &i)| {
            if p > 0.0 {
                (p * (-p.log2() - i)).max(0.0)
            } else {
                0.0
            }
        })
        .collect();
    SurdResult {
        redundant,
        unique,
        synergistic,
        information,
        mutual_info: (target_entropy - info_leak).max(0.0),
        info_leak,
        target_entropy,
        max_order,
        states,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_are_ordered_by_size_then_lexicographically() {
        assert_eq!(
            combinations(3, 3),
            vec![
                vec![0],
                vec![1],
                vec![2],
                vec![0, 1],
                vec![0, 2],
                vec![1, 2],
                vec![0, 1, 2]
            ]
        );
        assert_eq!(combinations(4, 2).len(), 4 + 6);
    }

    #[test]
    fn many_binary_agents_do_not_build_every_level() {
        assert!(levels_fit(&[10; 6], 10));
        assert!(!levels_fit(&[2; 20], 2));
        assert!(check_max_order(None, 20).is_err());
        assert_eq!(check_max_order(Some(3), 20).unwrap(), 3);
    }

    #[test]
    fn summing_out_levels_matches_counting_each_combination() {
        let n = 3000;
        let mut state = 99u64;
        let mut next = |m: u32| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as u32) % m
        };
        let n_states = [3usize, 4, 2, 5];
        let agents: Vec<Vec<u32>> = n_states
            .iter()
            .map(|&r| (0..n).map(|_| next(r as u32)).collect())
            .collect();
        let target: Vec<u32> = (0..n)
            .map(|i| (agents[0][i] + agents[2][i] * agents[3][i] + next(2)) % 4)
            .collect();
        let refs: Vec<&[u32]> = agents.iter().map(Vec::as_slice).collect();
        let mut weight = vec![0.0; 4];
        for &t in &target {
            weight[t as usize] += 1.0;
        }
        let lg = Log2Table::new();
        let full = full_counts(&target, 4, &refs, &n_states).unwrap();
        let levels = specific_by_levels(full, &n_states, 4, &weight, n as f64, lg);
        for combo in combinations(4, 4) {
            let direct = specific_from_counts(
                &joint_counts(&target, 4, &refs, &n_states, &combo),
                &weight,
                n as f64,
                lg,
            );
            let (a, b) = (&levels[&combo], &direct);
            assert!((a.1 - b.1).abs() < 1e-12, "{combo:?}");
            for (x, y) in a.0.iter().zip(&b.0) {
                assert!((x - y).abs() < 1e-12, "{combo:?}");
            }
        }
    }
}
