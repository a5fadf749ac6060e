//! Joint histograms of the target with a combination of agents.
//!
//! A combination's joint state is a mixed-radix code of its agents' states.
//! When the code space would outgrow the data (many agents, many bins), codes
//! are renumbered densely by sorting, so a table never has more cells than a
//! small multiple of the number of samples. When the table of all agents fits,
//! every combination is summed out of it instead, level by level.

use rayon::prelude::*;

/// A dense (agent state, target state) table: `cells[a * n_target + t]`.
#[derive(Clone, Debug, PartialEq)]
pub struct JointTable<W> {
    pub n_target: usize,
    pub n_agent_states: usize,
    pub cells: Vec<W>,
}

impl<W: Copy + Into<f64>> JointTable<W> {
    pub fn get(&self, a: usize, t: usize) -> f64 {
        self.cells[a * self.n_target + t].into()
    }
}

/// Renumbers codes to `0..k` (k distinct codes) keeping their order.
pub(crate) fn compact(codes: &mut [u64]) -> u64 {
    let mut distinct = codes.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    for code in codes.iter_mut() {
        // The code is in `distinct` by construction; the fallback is unreachable.
        *code = distinct.binary_search(code).unwrap_or(0) as u64;
    }
    distinct.len() as u64
}

/// Counts of each (joint agent state, target state) pair over the samples.
///
/// `agents[i]` holds the states of agent `i` (values below `n_states[i]`);
/// `combo` lists the agents of the combination.
pub fn joint_counts(
    target: &[u32],
    n_target: usize,
    agents: &[&[u32]],
    n_states: &[usize],
    combo: &[usize],
) -> JointTable<u32> {
    let n = target.len();
    // Above this many cells a dense table costs more than it saves.
    let limit = (8 * n as u64).max(1 << 16);
    let mut codes = vec![0u64; n];
    let mut range: u64 = 1;
    for &agent in combo {
        let radix = n_states[agent] as u64;
        if range.saturating_mul(radix).saturating_mul(n_target as u64) > limit {
            range = compact(&mut codes);
        }
        for (code, &s) in codes.iter_mut().zip(agents[agent]) {
            *code = *code * radix + s as u64;
        }
        range *= radix;
    }
    if range.saturating_mul(n_target as u64) > limit {
        range = compact(&mut codes);
    }
    let n_agent_states = range as usize;
    let mut cells = vec![0u32; n_agent_states * n_target];
    for (&code, &t) in codes.iter().zip(target) {
        cells[code as usize * n_target + t as usize] += 1;
    }
    JointTable {
        n_target,
        n_agent_states,
        cells,
    }
}

/// The marginal of a dense joint distribution `p` (C order, shape `shape`,
/// first axis the target) over the target and the agents in `combo` (agent
/// `i` is axis `i + 1`).
pub fn marginal(p: &[f64], shape: &[usize], combo: &[usize]) -> JointTable<f64> {
    let n_target = shape[0];
    let agent_shape = &shape[1..];
    let mut multiplier = vec![0usize; agent_shape.len()];
    let mut n_agent_states = 1usize;
    for &agent in combo.iter().rev() {
        multiplier[agent] = n_agent_states;
        n_agent_states *= agent_shape[agent];
    }
    let mut cells = vec![0.0f64; n_agent_states * n_target];
    let block: usize = agent_shape.iter().product();
    let mut index = vec![0usize; agent_shape.len()];
    // Walk the agent cells in C order with an odometer; each visit adds the
    // whole target column, in a fixed order, so the sums are reproducible.
    for flat in 0..block {
        let code: usize = index.iter().zip(&multiplier).map(|(i, m)| i * m).sum();
        for t in 0..n_target {
            cells[code * n_target + t] += p[t * block + flat];
        }
        for axis in (0..index.len()).rev() {
            index[axis] += 1;
            if index[axis] < agent_shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    JointTable {
        n_target,
        n_agent_states,
        cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_compaction_agree() {
        let target = [0u32, 1, 1, 0, 1];
        let a = [0u32, 1, 2, 2, 1];
        let b = [1u32, 0, 1, 1, 0];
        let t = joint_counts(&target, 2, &[&a, &b], &[3, 2], &[0, 1]);
        assert_eq!(t.cells.iter().sum::<u32>(), 5);
        // (a=1,b=0) appears twice with target 1.
        assert_eq!(t.get(2, 1), 2.0);
        let mut codes = vec![10u64, 3, 10, 7];
        assert_eq!(compact(&mut codes), 3);
        assert_eq!(codes, vec![2, 0, 2, 1]);
    }

    #[test]
    fn marginal_sums_the_other_axes() {
        // shape (2, 2, 3): target, agent 0, agent 1.
        let p: Vec<f64> = (0..12).map(|i| i as f64).collect();
        let m = marginal(&p, &[2, 2, 3], &[1]);
        assert_eq!(m.n_agent_states, 3);
        // target 0, agent1 = 0: p[0,0,0] + p[0,1,0] = 0 + 3
        assert_eq!(m.get(0, 0), 3.0);
        assert_eq!(m.get(2, 1), 8.0 + 11.0);
    }
}

/// Above this many cells, a dense table of all agents costs more than counting
/// each combination from the samples.
pub fn dense_limit(samples: usize) -> u64 {
    (16 * samples as u64).max(1 << 22)
}

/// Counts of (all agents, target) as one dense table, when it fits under
/// [`dense_limit`]; `None` otherwise.
pub fn full_counts(
    target: &[u32],
    n_target: usize,
    agents: &[&[u32]],
    n_states: &[usize],
) -> Option<JointTable<u32>> {
    let n = target.len();
    let cells = n_states
        .iter()
        .try_fold(n_target as u64, |acc, &r| acc.checked_mul(r as u64))?;
    if cells > dense_limit(n) || cells > u32::MAX as u64 {
        return None;
    }
    let n_agent_states = (cells / n_target as u64) as usize;
    let cells = cells as usize;
    // Codes column by column: each pass is a simple, vectorisable loop.
    let mut codes: Vec<u32> = agents
        .first()
        .map(|a| a.to_vec())
        .unwrap_or_else(|| vec![0; n]);
    for (agent, &radix) in agents.iter().zip(n_states).skip(1) {
        let radix = radix as u32;
        for (code, &s) in codes.iter_mut().zip(agent.iter()) {
            *code = *code * radix + s;
        }
    }
    let nt = n_target as u32;
    for (code, &t) in codes.iter_mut().zip(target) {
        *code = *code * nt + t;
    }
    let cells_vec = count_codes(&codes, cells);
    Some(JointTable {
        n_target,
        n_agent_states,
        cells: cells_vec,
    })
}

/// How many times each code in `0..cells` occurs. Deterministic: integer
/// counts, whatever the number of threads.
pub(crate) fn count_codes(codes: &[u32], cells: usize) -> Vec<u32> {
    const REGION_BITS: u32 = 16;
    let n = codes.len();
    let threads = rayon::current_num_threads().min(n / (1 << 15)).max(1);
    if cells <= n && (cells >> REGION_BITS) < 2 {
        // A small table: one per thread over a contiguous share of the rows, then added.
        let share = n.div_ceil(threads);
        let tables: Vec<Vec<u32>> = codes
            .par_chunks(share.max(1))
            .map(|part| {
                let mut table = vec![0u32; cells];
                for &c in part {
                    table[c as usize] += 1;
                }
                table
            })
            .collect();
        let mut total = vec![0u32; cells];
        for table in tables {
            for (x, y) in total.iter_mut().zip(table) {
                *x += y;
            }
        }
        return total;
    }
    // A large table: increments scattered over it miss the cache. Partition the
    // codes by region first (a few dozen sequential write streams), then count
    // each region, which fits in cache, in parallel.
    let regions = cells.div_ceil(1 << REGION_BITS);
    let mut starts = vec![0usize; regions + 1];
    for &c in codes {
        starts[(c >> REGION_BITS) as usize + 1] += 1;
    }
    for r in 0..regions {
        starts[r + 1] += starts[r];
    }
    let mut next = starts.clone();
    let mut partitioned = vec![0u32; n];
    for &c in codes {
        let r = (c >> REGION_BITS) as usize;
        partitioned[next[r]] = c;
        next[r] += 1;
    }
    let mask = (1u32 << REGION_BITS) - 1;
    let mut table = vec![0u32; cells];
    table
        .par_chunks_mut(1 << REGION_BITS)
        .enumerate()
        .for_each(|(r, region)| {
            for &c in &partitioned[starts[r]..starts[r + 1]] {
                region[(c & mask) as usize] += 1;
            }
        });
    table
}

/// Sums out the agent at `position` of a table whose agent states are a
/// mixed-radix code over `radices` (first agent most significant).
pub fn sum_out(table: &JointTable<u32>, radices: &[usize], position: usize) -> JointTable<u32> {
    let outer: usize = radices[..position].iter().product();
    let mid = radices[position];
    let inner: usize = radices[position + 1..].iter().product::<usize>() * table.n_target;
    let mut cells = vec![0u32; outer * inner];
    for o in 0..outer {
        let out = &mut cells[o * inner..(o + 1) * inner];
        for m in 0..mid {
            let start = (o * mid + m) * inner;
            for (x, &y) in out.iter_mut().zip(&table.cells[start..start + inner]) {
                *x += y;
            }
        }
    }
    JointTable {
        n_target: table.n_target,
        n_agent_states: outer * inner / table.n_target,
        cells,
    }
}
