//! SURD over a table split into row-ordered partitions (Dask, Ray), with the
//! same numbers as on the collected table.
//!
//! The collected path bins every column between its global minimum and
//! maximum and counts one joint table of (agents, target `lag` rows later).
//! Here each partition computes the part of both that it owns, and the parts
//! merge exactly (minimum and maximum are order-free; counts are integers):
//!
//! 1. each partition is given its *halo*: the `lag` target values after it
//!    (the heads of the partitions that follow), so a sample whose target row
//!    falls in the next partition is still formed, once, by the partition of
//!    its agent row; `samples` says how many samples the partition owns
//!    (its rows, less those within `lag` of the table's end);
//! 2. [`partition_ranges`] on every partition, merged by [`merge_ranges`],
//!    gives each column's global range;
//! 3. [`partition_counts`] bins with those ranges (the binner of a column
//!    depends on its range only) and counts the partition's joint table;
//!    the tables add up with [`merge_counts`];
//! 4. [`surd_from_counts`] decomposes the summed table with the collected
//!    path's own decomposition.

use super::binning::{BinSpec, Binner};
use super::columns::ColumnsSurd;
use super::error::{DiscoverError, Result};
use super::histogram::JointTable;
use super::missing::{complete_windows, gather, MissingRows};
use super::null::{permutation_test_counts, SurdSignificance};
use super::surd::{check_max_order, levels_fit, surd_from_table};
use std::borrow::Cow;

/// The largest joint table a partition counts (cells of agents × target).
pub const MAX_PARTITION_CELLS: u64 = 1 << 26;

/// One partition's columns: whole partition rows, the target's halo, and
/// how many samples (agent rows) the partition owns.
#[derive(Clone, Debug)]
pub struct Partition<'a> {
    pub agents: Vec<&'a [f64]>,
    pub target: &'a [f64],
    pub halo: &'a [f64],
    pub lag: usize,
    pub samples: usize,
    /// With `Drop`, the owned samples that read a missing value (NaN) are
    /// left out, as the collected path leaves them out: whether a sample is
    /// complete depends on its own cells only, so the partitions drop
    /// exactly the collected table's dropped samples.
    pub missing: MissingRows,
}

/// A partition's agent rows (borrowed, or the complete ones) and targets.
type Views<'a> = (Vec<Cow<'a, [f64]>>, Vec<f64>);

impl Partition<'_> {
    /// The agent rows and the target values of the owned samples (the
    /// complete ones under `Drop`).
    fn views(&self) -> Result<Views<'_>> {
        let n = self.target.len();
        if let Some(a) = self.agents.iter().find(|a| a.len() != n) {
            return Err(DiscoverError::Length {
                column: "agent".into(),
                expected: n,
                found: a.len(),
            });
        }
        if self.samples > n {
            return Err(DiscoverError::InvalidArgument {
                parameter: "samples",
                reason: format!(
                    "a partition of {n} rows cannot own {} samples",
                    self.samples
                ),
            });
        }
        let target: Vec<f64> = self
            .target
            .iter()
            .chain(self.halo)
            .skip(self.lag)
            .take(self.samples)
            .copied()
            .collect();
        if target.len() != self.samples {
            return Err(DiscoverError::InvalidArgument {
                parameter: "halo",
                reason: format!(
                    "{} target values after the partition; its {} samples need {}",
                    self.halo.len(),
                    self.samples,
                    (self.samples + self.lag).saturating_sub(n)
                ),
            });
        }
        let agents: Vec<&[f64]> = self.agents.iter().map(|a| &a[..self.samples]).collect();
        let nan = |xs: &[f64]| xs.iter().any(|x| x.is_nan());
        if self.missing == MissingRows::Drop && (nan(&target) || agents.iter().any(|a| nan(a))) {
            let mut cols = agents.clone();
            cols.push(&target);
            let keep = complete_windows(&cols, self.samples, 0)?;
            let agents = agents
                .iter()
                .map(|a| gather(a, &keep, 0).map(Cow::Owned))
                .collect::<Result<Vec<_>>>()?;
            let target = gather(&target, &keep, 0)?;
            return Ok((agents, target));
        }
        Ok((agents.into_iter().map(Cow::Borrowed).collect(), target))
    }
}

/// Each column's (min, max) over the partition's samples, agents first and
/// the target last; `None` for a partition that owns no sample. A
/// non-finite value is an error naming the column (and its row in the
/// partition).
pub fn partition_ranges(p: &Partition<'_>, names: &[&str]) -> Result<Vec<Option<(f64, f64)>>> {
    let (agents, target) = p.views()?;
    let columns: Vec<&[f64]> = agents
        .iter()
        .map(|a| a.as_ref())
        .chain([target.as_slice()])
        .collect();
    if names.len() != columns.len() {
        return Err(DiscoverError::InvalidArgument {
            parameter: "names",
            reason: format!("{} names for {} columns", names.len(), columns.len()),
        });
    }
    columns
        .iter()
        .zip(names)
        .map(|(values, name)| {
            let mut range: Option<(f64, f64)> = None;
            for (row, &v) in values.iter().enumerate() {
                if !v.is_finite() {
                    return Err(DiscoverError::NonFinite {
                        column: name.to_string(),
                        row,
                        value: v,
                    });
                }
                range = Some(match range {
                    None => (v, v),
                    Some((lo, hi)) => (lo.min(v), hi.max(v)),
                });
            }
            Ok(range)
        })
        .collect()
}

/// The ranges of the whole table from its partitions' ranges.
pub fn merge_ranges(parts: &[Vec<Option<(f64, f64)>>]) -> Vec<Option<(f64, f64)>> {
    let width = parts.iter().map(Vec::len).max().unwrap_or(0);
    (0..width)
        .map(|k| {
            parts
                .iter()
                .filter_map(|p| p.get(k).copied().flatten())
                .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
        })
        .collect()
}

/// The binners every partition shares: from each column's global range.
fn binners(
    names: &[&str],
    specs: &[BinSpec],
    ranges: &[Option<(f64, f64)>],
) -> Result<Vec<Binner>> {
    if specs.len() != names.len() || ranges.len() != names.len() {
        return Err(DiscoverError::InvalidArgument {
            parameter: "bins",
            reason: format!(
                "{} columns, {} bin specs, {} ranges",
                names.len(),
                specs.len(),
                ranges.len()
            ),
        });
    }
    names
        .iter()
        .zip(specs)
        .zip(ranges)
        .map(|((name, spec), range)| match range {
            // A binner depends on its column only through the column's range.
            Some((lo, hi)) => Binner::from_range(name, *lo, *hi, spec),
            None => Binner::new(name, &[], spec),
        })
        .collect()
}

/// One partition's joint counts (agents first, the target last, as the
/// collected path codes them).
pub fn partition_counts(
    p: &Partition<'_>,
    names: &[&str],
    specs: &[BinSpec],
    ranges: &[Option<(f64, f64)>],
) -> Result<Vec<u64>> {
    let binners = binners(names, specs, ranges)?;
    let cells = binners
        .iter()
        .try_fold(1u64, |acc, b| acc.checked_mul(b.n_states as u64))
        .filter(|c| *c <= MAX_PARTITION_CELLS)
        .ok_or_else(|| DiscoverError::InvalidArgument {
            parameter: "bins",
            reason: format!(
                "the joint table of every column has more than {MAX_PARTITION_CELLS} cells; \
                 use fewer bins or agents to run SURD on partitions"
            ),
        })? as usize;
    let (agents, target) = p.views()?;
    let columns: Vec<&[f64]> = agents
        .iter()
        .map(|a| a.as_ref())
        .chain([target.as_slice()])
        .collect();
    let samples = target.len();
    let mut table = Vec::new();
    table
        .try_reserve_exact(cells)
        .map_err(|_| DiscoverError::InvalidArgument {
            parameter: "bins",
            reason: format!("cannot allocate a joint table of {cells} cells"),
        })?;
    table.resize(cells, 0u64);
    const BLOCK: usize = 1 << 14;
    let mut codes = vec![0u32; BLOCK.min(samples)];
    let mut start = 0;
    while start < samples {
        let len = BLOCK.min(samples - start);
        let block = &mut codes[..len];
        block.fill(0);
        for (values, binner) in columns.iter().zip(&binners) {
            binner.push_code(block, &values[start..start + len]);
        }
        for &c in block.iter() {
            table[c as usize] += 1;
        }
        start += len;
    }
    Ok(table)
}

/// Adds partitions' joint counts.
pub fn merge_counts(parts: &[Vec<u64>]) -> Result<Vec<u64>> {
    let cells = parts.first().map_or(0, Vec::len);
    let mut out = vec![0u64; cells];
    for p in parts {
        if p.len() != cells {
            return Err(DiscoverError::Length {
                column: "joint counts".into(),
                expected: cells,
                found: p.len(),
            });
        }
        for (o, c) in out.iter_mut().zip(p) {
            *o = o
                .checked_add(*c)
                .ok_or_else(|| DiscoverError::InvalidArgument {
                    parameter: "samples",
                    reason: "counts overflow".into(),
                })?;
        }
    }
    Ok(out)
}

/// SURD from the summed counts of every partition, with the edges used.
pub fn surd_from_counts(
    counts: &[u64],
    names: &[&str],
    specs: &[BinSpec],
    ranges: &[Option<(f64, f64)>],
    max_order: Option<usize>,
) -> Result<ColumnsSurd> {
    surd_and_table(counts, names, specs, ranges, max_order, false).map(|(s, _)| s)
}

/// [`surd_from_counts`] with every component tested against `permutations`
/// random tables with the merged counts' margins, seeded by `seed`: the same
/// null, draw for draw, as [`super::surd_from_columns_tested`] on the
/// collected table, so the same significance numbers.
pub fn surd_from_counts_tested(
    counts: &[u64],
    names: &[&str],
    specs: &[BinSpec],
    ranges: &[Option<(f64, f64)>],
    max_order: Option<usize>,
    permutations: usize,
    seed: u64,
) -> Result<(ColumnsSurd, SurdSignificance)> {
    let (surd, (full, n_states)) = surd_and_table(counts, names, specs, ranges, max_order, true)?;
    let significance = permutation_test_counts(&full, &n_states, &surd.result, permutations, seed)?;
    Ok((surd, significance))
}

/// The dense table of all agents and the target, and the agents' state counts.
type DenseTable = (JointTable<u32>, Vec<usize>);

fn surd_and_table(
    counts: &[u64],
    names: &[&str],
    specs: &[BinSpec],
    ranges: &[Option<(f64, f64)>],
    max_order: Option<usize>,
    keep: bool,
) -> Result<(ColumnsSurd, DenseTable)> {
    if names.len() < 2 {
        return Err(DiscoverError::InvalidArgument {
            parameter: "agents",
            reason: "give at least one agent".into(),
        });
    }
    let binners = binners(names, specs, ranges)?;
    let n_agents = names.len() - 1;
    let max_order = check_max_order(max_order, n_agents)?;
    let samples: u64 = counts.iter().sum();
    if samples > u32::MAX as u64 {
        return Err(DiscoverError::InvalidArgument {
            parameter: "samples",
            reason: format!("{samples} samples; at most 2^32 - 1"),
        });
    }
    for (name, b) in names.iter().zip(&binners) {
        if (samples as usize) < b.n_states {
            return Err(DiscoverError::TooFewSamples {
                column: name.to_string(),
                samples: samples as usize,
                bins: b.n_states,
            });
        }
    }
    let n_states: Vec<usize> = binners[..n_agents].iter().map(|b| b.n_states).collect();
    let n_target = binners[n_agents].n_states;
    let cells: usize = binners.iter().map(|b| b.n_states).product();
    if counts.len() != cells {
        return Err(DiscoverError::Length {
            column: "joint counts".into(),
            expected: cells,
            found: counts.len(),
        });
    }
    if !levels_fit(&n_states, n_target) {
        return Err(DiscoverError::InvalidArgument {
            parameter: "bins",
            reason: "the marginal tables of this many agents and bins do not fit; \
                     use max_order or fewer bins"
                .into(),
        });
    }
    let full = JointTable {
        n_target,
        n_agent_states: cells / n_target,
        cells: counts.iter().map(|&c| c as u32).collect(),
    };
    let kept = if keep {
        full.clone()
    } else {
        JointTable {
            n_target,
            n_agent_states: 0,
            cells: Vec::new(),
        }
    };
    let surd = ColumnsSurd {
        result: surd_from_table(full, &n_states, max_order),
        target_edges: binners[n_agents].edges.clone(),
        agent_edges: binners[..n_agents]
            .iter()
            .map(|b| b.edges.clone())
            .collect(),
        samples: samples as usize,
    };
    Ok((surd, (kept, n_states)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{surd_from_columns, Column};

    fn series(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    fn split_surd(x: &[f64], z: &[f64], y: &[f64], lag: usize, cuts: &[usize]) -> ColumnsSurd {
        let n = y.len();
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(n);
        let names = ["x", "z", "y"];
        let specs = vec![BinSpec::EqualWidth(4); 3];
        let parts: Vec<Partition<'_>> = bounds
            .windows(2)
            .map(|w| Partition {
                agents: vec![&x[w[0]..w[1]], &z[w[0]..w[1]]],
                target: &y[w[0]..w[1]],
                halo: &y[w[1]..(w[1] + lag).min(n)],
                lag,
                samples: w[1].min(n - lag).saturating_sub(w[0]),
                missing: MissingRows::Raise,
            })
            .collect();
        let ranges = merge_ranges(
            &parts
                .iter()
                .map(|p| partition_ranges(p, &names).unwrap())
                .collect::<Vec<_>>(),
        );
        let counts = merge_counts(
            &parts
                .iter()
                .map(|p| partition_counts(p, &names, &specs, &ranges).unwrap())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        surd_from_counts(&counts, &names, &specs, &ranges, None).unwrap()
    }

    #[test]
    fn partitions_give_the_collected_numbers_exactly() {
        let n = 3000;
        let x = series(n, 1);
        let z = series(n, 2);
        let y: Vec<f64> = (0..n)
            .map(|i| {
                if i < 2 {
                    0.5
                } else {
                    0.7 * x[i - 2] + 0.3 * z[i - 1]
                }
            })
            .collect();
        for lag in [0usize, 1, 2, 5] {
            let whole = surd_from_columns(
                &Column {
                    name: "y",
                    values: &y,
                    bins: BinSpec::EqualWidth(4),
                },
                &[
                    Column {
                        name: "x",
                        values: &x,
                        bins: BinSpec::EqualWidth(4),
                    },
                    Column {
                        name: "z",
                        values: &z,
                        bins: BinSpec::EqualWidth(4),
                    },
                ],
                lag,
                None,
            )
            .unwrap();
            // Cuts include partitions shorter than the lag and an empty one.
            for cuts in [
                vec![1000, 2000],
                vec![1, 2, 3, 2998],
                vec![1500, 1500, 2999],
            ] {
                let parts = split_surd(&x, &z, &y, lag, &cuts);
                assert_eq!(parts, whole, "lag {lag}, cuts {cuts:?}");
            }
        }
    }

    #[test]
    fn the_permutation_test_on_merged_counts_equals_the_collected_one() {
        let n = 2000;
        let x = series(n, 5);
        let z = series(n, 6);
        let y: Vec<f64> = (0..n)
            .map(|i| {
                if i == 0 {
                    0.1
                } else {
                    0.8 * x[i - 1] + 0.2 * z[i]
                }
            })
            .collect();
        let col = |name, values| Column {
            name,
            values,
            bins: BinSpec::EqualWidth(4),
        };
        let (whole, whole_test) = crate::discover::surd_from_columns_tested(
            &col("y", &y),
            &[col("x", &x), col("z", &z)],
            1,
            None,
            60,
            9,
        )
        .unwrap();
        let names = ["x", "z", "y"];
        let specs = vec![BinSpec::EqualWidth(4); 3];
        let bounds = [0usize, 700, 701, 1500, n];
        let parts: Vec<Partition<'_>> = bounds
            .windows(2)
            .map(|w| Partition {
                agents: vec![&x[w[0]..w[1]], &z[w[0]..w[1]]],
                target: &y[w[0]..w[1]],
                halo: &y[w[1]..(w[1] + 1).min(n)],
                lag: 1,
                samples: w[1].min(n - 1).saturating_sub(w[0]),
                missing: MissingRows::Raise,
            })
            .collect();
        let ranges = merge_ranges(
            &parts
                .iter()
                .map(|p| partition_ranges(p, &names).unwrap())
                .collect::<Vec<_>>(),
        );
        let counts = merge_counts(
            &parts
                .iter()
                .map(|p| partition_counts(p, &names, &specs, &ranges).unwrap())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let (split, split_test) =
            surd_from_counts_tested(&counts, &names, &specs, &ranges, None, 60, 9).unwrap();
        assert_eq!(split, whole);
        assert_eq!(split_test, whole_test);
        assert!(whole_test.unique[0].p_value < 0.05);
    }

    #[test]
    fn a_short_halo_is_an_error_not_a_wrong_answer() {
        let y = [0.0, 1.0, 2.0, 3.0];
        let x = [0.0, 1.0, 0.0, 1.0];
        let p = Partition {
            agents: vec![&x[..2]],
            target: &y[..2],
            halo: &[],
            lag: 1,
            samples: 2,
            missing: MissingRows::Raise,
        };
        assert!(partition_ranges(&p, &["x", "y"]).is_err());
    }

    #[test]
    fn a_non_finite_value_is_named() {
        let y = [0.0, f64::NAN, 2.0];
        let x = [0.0, 1.0, 0.0];
        let p = Partition {
            agents: vec![&x],
            target: &y,
            halo: &[],
            lag: 0,
            samples: 3,
            missing: MissingRows::Raise,
        };
        assert!(matches!(
            partition_ranges(&p, &["x", "y"]),
            Err(DiscoverError::NonFinite { ref column, .. }) if column == "y"
        ));
    }
}
