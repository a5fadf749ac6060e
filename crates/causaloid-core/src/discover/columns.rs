//! SURD straight from numeric columns: shift the target `lag` samples after
//! its agents, bin every column, then decompose. This is the path the Python
//! `surd()` takes. When the table of all agents fits in memory, binning and
//! the joint code are fused in one pass over the rows, without storing states.

use super::binning::{BinSpec, Binner};
use super::error::{DiscoverError, Result};
use super::histogram::{count_codes, dense_limit, JointTable};
use super::null::{permutation_test, permutation_test_counts, SurdSignificance};
use super::surd::{check_max_order, levels_fit, surd_from_states, surd_from_table, SurdResult};
use rayon::prelude::*;

/// Rows coded at a time: a block of codes stays in cache.
const BLOCK: usize = 1 << 14;
/// Joint tables up to this many cells are counted block by block.
const SMALL_TABLE: u64 = 1 << 17;

/// One named column and how to bin it.
#[derive(Clone, Debug)]
pub struct Column<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
    pub bins: BinSpec,
}

/// The decomposition and the bin edges used for the target and each agent.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnsSurd {
    pub result: SurdResult,
    pub target_edges: Vec<f64>,
    pub agent_edges: Vec<Vec<f64>>,
    pub samples: usize,
}

/// SURD of `target` (taken `lag` samples after its agents) on `agents`.
pub fn surd_from_columns(
    target: &Column<'_>,
    agents: &[Column<'_>],
    lag: usize,
    max_order: Option<usize>,
) -> Result<ColumnsSurd> {
    surd_and_table(target, agents, lag, max_order, false).map(|(s, _)| s)
}

/// The dense table of counts of all agents and the target, and the agents' state counts.
type KeptTable = Option<(JointTable<u32>, Vec<usize>)>;

/// [`surd_from_columns`], and (when `keep` and the fused dense path ran) the
/// dense table of all agents and the target it decomposed.
fn surd_and_table(
    target: &Column<'_>,
    agents: &[Column<'_>],
    lag: usize,
    max_order: Option<usize>,
    keep: bool,
) -> Result<(ColumnsSurd, KeptTable)> {
    let n = target.values.len();
    if agents.is_empty() {
        return Err(DiscoverError::InvalidArgument {
            parameter: "agents",
            reason: "give at least one agent".into(),
        });
    }
    for agent in agents {
        if agent.values.len() != n {
            return Err(DiscoverError::Length {
                column: agent.name.to_string(),
                expected: n,
                found: agent.values.len(),
            });
        }
    }
    if lag >= n {
        return Err(DiscoverError::InvalidArgument {
            parameter: "lag",
            reason: format!("lag {lag} leaves no samples out of {n}"),
        });
    }
    let max_order = check_max_order(max_order, agents.len())?;
    let samples = n - lag;
    if samples > u32::MAX as usize {
        return Err(DiscoverError::InvalidArgument {
            parameter: "samples",
            reason: format!("{samples} samples; at most 2^32 - 1"),
        });
    }
    // Agents first, the target last: the order of the joint code.
    let columns: Vec<(&Column<'_>, &[f64], usize)> = agents
        .iter()
        .map(|a| (a, &a.values[..samples], 0))
        .chain(std::iter::once((target, &target.values[lag..], lag)))
        .collect();
    // Rows in errors count from the start of the column, not of the shifted window.
    let binners = columns
        .par_iter()
        .map(|(column, values, offset)| {
            let binner = Binner::new(column.name, values, &column.bins)
                .map_err(|e| e.map_row(|_, r| r + *offset))?;
            if samples < binner.n_states {
                return Err(DiscoverError::TooFewSamples {
                    column: column.name.to_string(),
                    samples,
                    bins: binner.n_states,
                });
            }
            Ok(binner)
        })
        .collect::<Result<Vec<_>>>()?;
    let n_states: Vec<usize> = binners[..agents.len()].iter().map(|b| b.n_states).collect();
    let n_target = binners[agents.len()].n_states;
    let cells = binners
        .iter()
        .try_fold(1u64, |acc, b| acc.checked_mul(b.n_states as u64));
    let mut kept: KeptTable = None;
    let result = match cells {
        Some(cells) if cells <= SMALL_TABLE && levels_fit(&n_states, n_target) => {
            // Small tables: code and count each block of rows while it is in
            // cache, one table per rayon job, then add (integers: the same
            // total on any number of threads).
            let cells = cells as usize;
            let blocks = samples.div_ceil(BLOCK);
            let counts = (0..blocks)
                .into_par_iter()
                .fold(
                    || (vec![0u32; cells], vec![0u32; BLOCK]),
                    |(mut table, mut codes), b| {
                        let start = b * BLOCK;
                        let len = BLOCK.min(samples - start);
                        let codes_block = &mut codes[..len];
                        codes_block.fill(0);
                        for ((_, values, _), binner) in columns.iter().zip(&binners) {
                            binner.push_code(codes_block, &values[start..start + len]);
                        }
                        for &c in codes_block.iter() {
                            table[c as usize] += 1;
                        }
                        (table, codes)
                    },
                )
                .map(|(table, _)| table)
                .reduce(
                    || vec![0u32; cells],
                    |mut a, b| {
                        for (x, y) in a.iter_mut().zip(b) {
                            *x += y;
                        }
                        a
                    },
                );
            let full = JointTable {
                n_target,
                n_agent_states: cells / n_target,
                cells: counts,
            };
            if keep {
                kept = Some((full.clone(), n_states.clone()));
            }
            surd_from_table(full, &n_states, max_order)
        }
        Some(cells)
            if cells <= dense_limit(samples)
                && cells <= u32::MAX as u64
                && levels_fit(&n_states, n_target) =>
        {
            let mut codes = vec![0u32; samples];
            codes
                .par_chunks_mut(BLOCK)
                .enumerate()
                .for_each(|(i, part)| {
                    let start = i * BLOCK;
                    for ((_, values, _), binner) in columns.iter().zip(&binners) {
                        binner.push_code(part, &values[start..start + part.len()]);
                    }
                });
            let cells = count_codes(&codes, cells as usize);
            let full = JointTable {
                n_target,
                n_agent_states: cells.len() / n_target,
                cells,
            };
            if keep {
                kept = Some((full.clone(), n_states.clone()));
            }
            surd_from_table(full, &n_states, max_order)
        }
        _ => {
            let states: Vec<Vec<u32>> = columns
                .par_iter()
                .zip(&binners)
                .map(|((_, values, _), binner)| values.iter().map(|&v| binner.state(v)).collect())
                .collect();
            let refs: Vec<&[u32]> = states[..agents.len()].iter().map(Vec::as_slice).collect();
            surd_from_states(
                &states[agents.len()],
                n_target,
                &refs,
                &n_states,
                Some(max_order),
            )?
        }
    };
    Ok((
        ColumnsSurd {
            result,
            target_edges: binners[agents.len()].edges.clone(),
            agent_edges: binners[..agents.len()]
                .iter()
                .map(|b| b.edges.clone())
                .collect(),
            samples,
        },
        kept,
    ))
}

/// [`surd_from_columns`] and every component tested against `permutations`
/// shuffles of the target (see [`super::null`]), seeded by `seed`. The null
/// depends on the joint table of all agents and the target only, so it
/// equals the one the partitioned path draws from its merged counts.
pub fn surd_from_columns_tested(
    target: &Column<'_>,
    agents: &[Column<'_>],
    lag: usize,
    max_order: Option<usize>,
    permutations: usize,
    seed: u64,
) -> Result<(ColumnsSurd, SurdSignificance)> {
    let (surd, kept) = surd_and_table(target, agents, lag, max_order, true)?;
    if let Some((full, n_states)) = kept {
        // The table is at hand: the null needs nothing else.
        let significance =
            permutation_test_counts(&full, &n_states, &surd.result, permutations, seed)?;
        return Ok((surd, significance));
    }
    let samples = surd.samples;
    // The same checks passed above, so binning again gives the same states.
    let states = |column: &Column<'_>, values: &[f64]| -> Result<(Vec<u32>, usize)> {
        let binner = Binner::new(column.name, values, &column.bins)?;
        Ok((
            values.par_iter().map(|&v| binner.state(v)).collect(),
            binner.n_states,
        ))
    };
    let (target_states, n_target) = states(target, &target.values[lag..])?;
    let agent_states = agents
        .par_iter()
        .map(|a| states(a, &a.values[..samples]))
        .collect::<Result<Vec<_>>>()?;
    let refs: Vec<&[u32]> = agent_states.iter().map(|(s, _)| s.as_slice()).collect();
    let n_states: Vec<usize> = agent_states.iter().map(|(_, n)| *n).collect();
    let significance = permutation_test(
        &target_states,
        n_target,
        &refs,
        &n_states,
        &surd.result,
        permutations,
        seed,
    )?;
    Ok((surd, significance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fused_path_agrees_with_binning_then_counting() {
        let n = 5000;
        let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64 / 10.0).collect();
        let z: Vec<f64> = (0..n).map(|i| ((i * 104729) % 997) as f64).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| {
                if i == 0 {
                    0.0
                } else {
                    x[i - 1] + 0.3 * z[i - 1]
                }
            })
            .collect();
        let col = |name, values| Column {
            name,
            values,
            bins: BinSpec::EqualWidth(6),
        };
        let fused =
            surd_from_columns(&col("y", &y), &[col("x", &x), col("z", &z)], 1, None).unwrap();
        let b = |v: &[f64]| {
            super::super::binning::bin_column("c", v, &BinSpec::EqualWidth(6))
                .unwrap()
                .states
        };
        let (bx, bz, by) = (b(&x[..n - 1]), b(&z[..n - 1]), b(&y[1..]));
        let direct = surd_from_states(&by, 6, &[&bx, &bz], &[6, 6], None).unwrap();
        assert_eq!(fused.result, direct);
    }

    #[test]
    fn small_and_large_tables_agree_with_counting_states_on_any_thread_count() {
        let n = 6000;
        let mut state = 3u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let xs: Vec<Vec<f64>> = (0..5).map(|_| (0..n).map(|_| next()).collect()).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| {
                if i == 0 {
                    0.0
                } else {
                    xs[0][i - 1] + xs[1][i - 1] * xs[2][i - 1] + 0.2 * next()
                }
            })
            .collect();
        // 3 agents x 4 bins x 4 target bins: a small table; 5 agents x 8 bins x 8: a large one.
        for (agents, bins) in [(3usize, 4usize), (5, 8)] {
            let cols: Vec<Column> = xs[..agents]
                .iter()
                .map(|v| Column {
                    name: "x",
                    values: v,
                    bins: BinSpec::EqualWidth(bins),
                })
                .collect();
            let target = Column {
                name: "y",
                values: &y,
                bins: BinSpec::EqualWidth(bins),
            };
            let run = |threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| surd_from_columns(&target, &cols, 1, None).unwrap())
            };
            let (one, many) = (run(1), run(3));
            assert_eq!(one, many);
            let b = |v: &[f64]| {
                super::super::binning::bin_column("c", v, &BinSpec::EqualWidth(bins))
                    .unwrap()
                    .states
            };
            let states: Vec<Vec<u32>> = xs[..agents].iter().map(|v| b(&v[..n - 1])).collect();
            let refs: Vec<&[u32]> = states.iter().map(Vec::as_slice).collect();
            let direct =
                surd_from_states(&b(&y[1..]), bins, &refs, &vec![bins; agents], None).unwrap();
            assert_eq!(one.result, direct, "{agents} agents");
        }
    }
}
