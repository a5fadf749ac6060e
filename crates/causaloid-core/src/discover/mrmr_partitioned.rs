//! mRMR over a table split into partitions, for every relevance of the
//! collected [`super::mrmr`]. Each partition computes sufficient statistics,
//! the statistics merge exactly in formula, and the same selection runs on
//! the merged ones:
//!
//! - F test, continuous target: count, means and the matrix of centred
//!   co-moments ([`CoMoments`]), merged pairwise (Chan, Golub & LeVeque);
//! - F test, classes (ANOVA): the features' co-moments, plus each class's
//!   count and feature sums ([`ClassStats`]);
//! - mutual information: a first pass for each column's range (and a
//!   discrete target's classes, [`MiRanges`]) fixes the bins of the whole
//!   table; a second counts every (feature, target) and (feature, feature)
//!   joint histogram ([`MiCounts`]). Integer counts add exactly, so the mutual
//!   information equals the collected table's to the last bit.
//!
//! The F statistics and correlations follow the collected formulas; their
//! sums only differ in rounding order (agreement to about 1e-12 relative).

use super::binning::{BinSpec, Binner};
use super::error::{DiscoverError, Result};
use super::mrmr::MrmrResult;
use std::cmp::Ordering;

/// Redundancy floor, as in the collected mRMR.
const FLOOR: f64 = 0.001;

/// Count, means and centred co-moments of `width` columns (features first,
/// the target last); `comoments[i * width + j] = Σ (x_i − mean_i)(x_j − mean_j)`.
#[derive(Clone, Debug, PartialEq)]
pub struct CoMoments {
    pub count: u64,
    pub width: usize,
    pub means: Vec<f64>,
    pub comoments: Vec<f64>,
}

impl CoMoments {
    pub fn empty(width: usize) -> CoMoments {
        CoMoments {
            count: 0,
            width,
            means: vec![0.0; width],
            comoments: vec![0.0; width * width],
        }
    }

    /// The statistics of one partition's columns (two passes: means, then
    /// centred products). A non-finite value is an error naming its column.
    pub fn of(names: &[&str], columns: &[&[f64]]) -> Result<CoMoments> {
        let width = columns.len();
        if names.len() != width {
            return Err(DiscoverError::InvalidArgument {
                parameter: "names",
                reason: format!("{} names for {width} columns", names.len()),
            });
        }
        let n = columns.first().map_or(0, |c| c.len());
        for (name, c) in names.iter().zip(columns) {
            if c.len() != n {
                return Err(DiscoverError::Length {
                    column: name.to_string(),
                    expected: n,
                    found: c.len(),
                });
            }
            if let Some(row) = c.iter().position(|v| !v.is_finite()) {
                return Err(DiscoverError::NonFinite {
                    column: name.to_string(),
                    row,
                    value: c[row],
                });
            }
        }
        let mut out = CoMoments::empty(width);
        if n == 0 {
            return Ok(out);
        }
        out.count = n as u64;
        for (m, c) in out.means.iter_mut().zip(columns) {
            *m = c.iter().sum::<f64>() / n as f64;
        }
        for i in 0..width {
            for j in i..width {
                let (mi, mj) = (out.means[i], out.means[j]);
                let s: f64 = columns[i]
                    .iter()
                    .zip(columns[j])
                    .map(|(a, b)| (a - mi) * (b - mj))
                    .sum();
                out.comoments[i * width + j] = s;
                out.comoments[j * width + i] = s;
            }
        }
        Ok(out)
    }

    /// The statistics of two partitions together.
    pub fn merge(&self, other: &CoMoments) -> Result<CoMoments> {
        if self.width != other.width {
            return Err(DiscoverError::Length {
                column: "co-moments".into(),
                expected: self.width,
                found: other.width,
            });
        }
        if other.count == 0 {
            return Ok(self.clone());
        }
        if self.count == 0 {
            return Ok(other.clone());
        }
        let w = self.width;
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta: Vec<f64> = other
            .means
            .iter()
            .zip(&self.means)
            .map(|(b, a)| b - a)
            .collect();
        let means = self
            .means
            .iter()
            .zip(&delta)
            .map(|(a, d)| a + d * nb / n)
            .collect();
        let mut comoments = vec![0.0; w * w];
        for i in 0..w {
            for j in 0..w {
                comoments[i * w + j] = self.comoments[i * w + j]
                    + other.comoments[i * w + j]
                    + delta[i] * delta[j] * na * nb / n;
            }
        }
        Ok(CoMoments {
            count: self.count + other.count,
            width: w,
            means,
            comoments,
        })
    }

    fn pearson(&self, i: usize, j: usize) -> f64 {
        let w = self.width;
        self.comoments[i * w + j]
            / (self.comoments[i * w + i].sqrt() * self.comoments[j * w + j].sqrt())
    }
}

/// Selects up to `k` of the features (every column but the last, the target)
/// by F-test mRMR from merged statistics; the same rules as [`super::mrmr`]:
/// features with no relevance are never chosen, ties go to the earlier one.
pub fn mrmr_from_comoments(names: &[&str], stats: &CoMoments, k: usize) -> Result<MrmrResult> {
    let w = stats.width;
    if w < 2 || names.len() != w {
        return Err(DiscoverError::InvalidArgument {
            parameter: "features",
            reason: format!(
                "{} names for {w} columns (features and the target)",
                names.len()
            ),
        });
    }
    let n = stats.count as usize;
    if n < 3 {
        return Err(DiscoverError::TooFewSamples {
            column: names[w - 1].to_string(),
            samples: n,
            bins: 3,
        });
    }
    for (i, name) in names.iter().enumerate() {
        if stats.comoments[i * w + i] == 0.0 {
            return Err(DiscoverError::Constant {
                column: name.to_string(),
                value: stats.means[i],
            });
        }
    }
    let target = w - 1;
    let dof = (n - 2) as f64;
    let relevance: Vec<f64> = (0..target)
        .map(|f| {
            let r = stats.pearson(f, target);
            let r2 = r * r;
            if r2 >= 1.0 {
                f64::MAX
            } else {
                r2 / (1.0 - r2) * dof
            }
        })
        .collect();
    Ok(select(relevance, k, true, |f, last| stats.pearson(f, last)))
}

/// The greedy selection of [`super::mrmr`]: `redundancy(f, last)` is the
/// correlation (quotient scores, floored absolute value) or the mutual
/// information (difference scores) of feature `f` with the last one chosen.
fn select(
    relevance: Vec<f64>,
    k: usize,
    quotient: bool,
    redundancy: impl Fn(usize, usize) -> f64,
) -> MrmrResult {
    let mut remaining: Vec<usize> = (0..relevance.len())
        .filter(|&f| relevance[f] > 0.0)
        .collect();
    let k = k.min(remaining.len());
    let mut redundancy_sum = vec![0.0; relevance.len()];
    let mut selected: Vec<usize> = Vec::with_capacity(k);
    let mut scores = Vec::with_capacity(k);
    for step in 0..k {
        if let Some(&last) = selected.last() {
            for &f in &remaining {
                redundancy_sum[f] += if quotient {
                    let r = redundancy(f, last).abs();
                    if r.is_nan() {
                        FLOOR
                    } else {
                        r.max(FLOOR)
                    }
                } else {
                    redundancy(f, last)
                };
            }
        }
        let mut best: Option<(usize, f64)> = None;
        for (position, &f) in remaining.iter().enumerate() {
            let score = if step == 0 {
                relevance[f]
            } else if quotient {
                let mean = redundancy_sum[f] / step as f64;
                relevance[f] / if mean == 1.0 { f64::INFINITY } else { mean }
            } else {
                relevance[f] - redundancy_sum[f] / step as f64
            };
            if !score.is_nan() && best.is_none_or(|(_, b)| score > b) {
                best = Some((position, score));
            }
        }
        let Some((position, score)) = best else { break };
        selected.push(remaining.remove(position));
        scores.push(score);
    }
    MrmrResult {
        selected,
        scores,
        relevance,
    }
}

/// Checks that every column has as many values as the first and only finite ones.
fn check_columns(names: &[&str], columns: &[&[f64]]) -> Result<usize> {
    if names.len() != columns.len() {
        return Err(DiscoverError::InvalidArgument {
            parameter: "names",
            reason: format!("{} names for {} columns", names.len(), columns.len()),
        });
    }
    let n = columns.first().map_or(0, |c| c.len());
    for (name, c) in names.iter().zip(columns) {
        if c.len() != n {
            return Err(DiscoverError::Length {
                column: name.to_string(),
                expected: n,
                found: c.len(),
            });
        }
        if let Some(row) = c.iter().position(|v| !v.is_finite()) {
            return Err(DiscoverError::NonFinite {
                column: name.to_string(),
                row,
                value: c[row],
            });
        }
    }
    Ok(n)
}

fn range_of(c: &[f64]) -> Option<(f64, f64)> {
    c.iter().fold(None, |acc, &v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

fn merge_range(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some((l1, h1)), Some((l2, h2))) => Some((l1.min(l2), h1.max(h2))),
        (x, None) | (None, x) => x,
    }
}

/// A constant column (its whole range one value) is an error naming it, as
/// in the collected mRMR.
fn check_not_constant(names: &[&str], ranges: &[Option<(f64, f64)>]) -> Result<()> {
    for (name, r) in names.iter().zip(ranges) {
        if let Some((lo, hi)) = r {
            if lo == hi {
                return Err(DiscoverError::Constant {
                    column: name.to_string(),
                    value: *lo,
                });
            }
        }
    }
    Ok(())
}

/// Sorted distinct values (total order, as the collected classes are).
fn distinct(values: &[f64]) -> Vec<f64> {
    let mut d = values.to_vec();
    d.sort_by(f64::total_cmp);
    d.dedup_by(|a, b| a.total_cmp(b) == Ordering::Equal);
    d
}

fn merge_distinct(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut all = [a, b].concat();
    all.sort_by(f64::total_cmp);
    all.dedup_by(|x, y| x.total_cmp(y) == Ordering::Equal);
    all
}

fn class_of(classes: &[f64], v: f64) -> usize {
    classes.binary_search_by(|d| d.total_cmp(&v)).unwrap_or(0)
}

/// F-test mRMR with a classification target (one-way ANOVA): the features'
/// co-moments and every class's count and feature sums.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassStats {
    /// Co-moments of the features (not the target).
    pub moments: CoMoments,
    /// Range of every feature, then of the target.
    pub ranges: Vec<Option<(f64, f64)>>,
    /// The target's distinct values, sorted.
    pub classes: Vec<f64>,
    /// Rows of each class.
    pub class_counts: Vec<u64>,
    /// `class_sums[c * features + f]`: sum of feature `f` over class `c`.
    pub class_sums: Vec<f64>,
}

impl ClassStats {
    /// One partition's statistics; `names` lists the features then the target.
    pub fn of(names: &[&str], features: &[&[f64]], target: &[f64]) -> Result<ClassStats> {
        let mut all: Vec<&[f64]> = features.to_vec();
        all.push(target);
        check_columns(names, &all)?;
        let width = features.len();
        let moments = CoMoments::of(&names[..width], features)?;
        let classes = distinct(target);
        let mut class_counts = vec![0u64; classes.len()];
        let mut class_sums = vec![0.0; classes.len() * width];
        for (row, &t) in target.iter().enumerate() {
            let c = class_of(&classes, t);
            class_counts[c] += 1;
            for (f, column) in features.iter().enumerate() {
                class_sums[c * width + f] += column[row];
            }
        }
        Ok(ClassStats {
            moments,
            ranges: all.iter().map(|c| range_of(c)).collect(),
            classes,
            class_counts,
            class_sums,
        })
    }

    /// The statistics of two partitions together.
    pub fn merge(&self, other: &ClassStats) -> Result<ClassStats> {
        let width = self.moments.width;
        if other.moments.width != width || other.ranges.len() != self.ranges.len() {
            return Err(DiscoverError::Length {
                column: "class statistics".into(),
                expected: width,
                found: other.moments.width,
            });
        }
        let classes = merge_distinct(&self.classes, &other.classes);
        let mut class_counts = vec![0u64; classes.len()];
        let mut class_sums = vec![0.0; classes.len() * width];
        for part in [self, other] {
            if part.class_counts.len() != part.classes.len()
                || part.class_sums.len() != part.classes.len() * width
            {
                return Err(DiscoverError::Length {
                    column: "class statistics".into(),
                    expected: part.classes.len() * width,
                    found: part.class_sums.len(),
                });
            }
            for (i, &v) in part.classes.iter().enumerate() {
                let c = class_of(&classes, v);
                class_counts[c] += part.class_counts[i];
                for f in 0..width {
                    class_sums[c * width + f] += part.class_sums[i * width + f];
                }
            }
        }
        Ok(ClassStats {
            moments: self.moments.merge(&other.moments)?,
            ranges: self
                .ranges
                .iter()
                .zip(&other.ranges)
                .map(|(a, b)| merge_range(*a, *b))
                .collect(),
            classes,
            class_counts,
            class_sums,
        })
    }
}

/// Selects up to `k` features by F-test mRMR against the target's classes,
/// from merged [`ClassStats`]; `names` lists the features then the target.
pub fn mrmr_from_class_stats(names: &[&str], stats: &ClassStats, k: usize) -> Result<MrmrResult> {
    let width = stats.moments.width;
    if names.len() != width + 1 || stats.ranges.len() != width + 1 || width == 0 {
        return Err(DiscoverError::InvalidArgument {
            parameter: "features",
            reason: format!("{} names for {width} features and the target", names.len()),
        });
    }
    let n = stats.moments.count as usize;
    if n < 3 {
        return Err(DiscoverError::TooFewSamples {
            column: names[width].to_string(),
            samples: n,
            bins: 3,
        });
    }
    let mut order: Vec<usize> = vec![width];
    order.extend(0..width);
    let ordered_names: Vec<&str> = order.iter().map(|&i| names[i]).collect();
    let ordered_ranges: Vec<Option<(f64, f64)>> = order.iter().map(|&i| stats.ranges[i]).collect();
    check_not_constant(&ordered_names, &ordered_ranges)?;
    let n_classes = stats.classes.len();
    if n_classes >= n {
        return Err(DiscoverError::InvalidArgument {
            parameter: "target",
            reason: format!("{n_classes} classes in {n} samples; an F test needs repeated classes"),
        });
    }
    let m = &stats.moments;
    let nf = n as f64;
    let kc = n_classes as f64;
    let relevance = (0..width)
        .map(|f| {
            let mean = m.means[f];
            let between: f64 = (0..n_classes)
                .map(|c| {
                    let count = stats.class_counts[c] as f64;
                    let s = stats.class_sums[c * width + f];
                    count * (s / count - mean) * (s / count - mean)
                })
                .sum();
            let total = m.comoments[f * width + f];
            let within = (total - between).max(0.0);
            (between / (kc - 1.0)) / (within / (nf - kc))
        })
        .collect();
    Ok(select(relevance, k, true, |f, last| m.pearson(f, last)))
}

/// Mutual-information mRMR, first pass: every column's range (features,
/// then the target) and, for a discrete target, its distinct values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MiRanges {
    pub count: u64,
    pub ranges: Vec<Option<(f64, f64)>>,
    pub classes: Vec<f64>,
}

impl MiRanges {
    /// One partition's ranges; `names` lists the features then the target.
    pub fn of(
        names: &[&str],
        features: &[&[f64]],
        target: &[f64],
        discrete_target: bool,
    ) -> Result<MiRanges> {
        let mut all: Vec<&[f64]> = features.to_vec();
        all.push(target);
        let n = check_columns(names, &all)?;
        Ok(MiRanges {
            count: n as u64,
            ranges: all.iter().map(|c| range_of(c)).collect(),
            classes: if discrete_target {
                distinct(target)
            } else {
                Vec::new()
            },
        })
    }

    /// The ranges of two partitions together.
    pub fn merge(&self, other: &MiRanges) -> Result<MiRanges> {
        if self.count == 0 && self.ranges.is_empty() {
            return Ok(other.clone());
        }
        if self.ranges.len() != other.ranges.len() {
            return Err(DiscoverError::Length {
                column: "ranges".into(),
                expected: self.ranges.len(),
                found: other.ranges.len(),
            });
        }
        Ok(MiRanges {
            count: self.count + other.count,
            ranges: self
                .ranges
                .iter()
                .zip(&other.ranges)
                .map(|(a, b)| merge_range(*a, *b))
                .collect(),
            classes: merge_distinct(&self.classes, &other.classes),
        })
    }
}

/// The bins of every column of the whole table (from merged [`MiRanges`]).
#[derive(Clone, Debug, PartialEq)]
pub struct MiPlan {
    binners: Vec<Binner>,
    /// A discrete target's classes; empty when the target is binned.
    classes: Vec<f64>,
    n_states: Vec<usize>,
    /// Where each joint table starts in [`MiCounts::cells`]: relevance
    /// tables (feature × target) first, then feature pairs `f < g`.
    offsets: Vec<usize>,
    cells: usize,
}

/// Most joint-histogram cells the mutual-information pass keeps per partition.
pub const MAX_MI_CELLS: usize = 1 << 27;

impl MiPlan {
    /// `names` lists the features then the target; `bins` equal-width bins per column.
    pub fn new(
        names: &[&str],
        ranges: &MiRanges,
        bins: usize,
        discrete_target: bool,
    ) -> Result<MiPlan> {
        let width = ranges.ranges.len();
        if width < 2 || names.len() != width {
            return Err(DiscoverError::InvalidArgument {
                parameter: "features",
                reason: format!("{} names for {width} columns", names.len()),
            });
        }
        let n = ranges.count as usize;
        if n < 3 {
            return Err(DiscoverError::TooFewSamples {
                column: names[width - 1].to_string(),
                samples: n,
                bins: 3,
            });
        }
        let mut order: Vec<usize> = vec![width - 1];
        order.extend(0..width - 1);
        let ordered_names: Vec<&str> = order.iter().map(|&i| names[i]).collect();
        let ordered: Vec<Option<(f64, f64)>> = order.iter().map(|&i| ranges.ranges[i]).collect();
        check_not_constant(&ordered_names, &ordered)?;
        let mut binners = Vec::with_capacity(width);
        let mut n_states = Vec::with_capacity(width);
        for (i, name) in names.iter().enumerate() {
            let (lo, hi) = ranges.ranges[i].unwrap_or((0.0, 0.0));
            if i == width - 1 && discrete_target {
                n_states.push(ranges.classes.len());
                continue;
            }
            let b = Binner::from_range(name, lo, hi, &BinSpec::EqualWidth(bins))?;
            n_states.push(b.n_states);
            binners.push(b);
        }
        let features = width - 1;
        let nt = n_states[features];
        let mut offsets = Vec::with_capacity(features + features * features / 2);
        let mut cells = 0usize;
        let too_many = || DiscoverError::InvalidArgument {
            parameter: "features",
            reason: format!(
                "{features} features on {bins} bins need more than {MAX_MI_CELLS} joint-histogram \
                 cells per partition; pass fewer features or bins, or collect the table"
            ),
        };
        for &s in &n_states[..features] {
            offsets.push(cells);
            cells = cells
                .checked_add(s.saturating_mul(nt))
                .ok_or_else(too_many)?;
        }
        for f in 0..features {
            for g in f + 1..features {
                offsets.push(cells);
                cells = cells
                    .checked_add(n_states[f].saturating_mul(n_states[g]))
                    .ok_or_else(too_many)?;
            }
        }
        if cells > MAX_MI_CELLS {
            return Err(too_many());
        }
        Ok(MiPlan {
            binners,
            classes: ranges.classes.clone(),
            n_states,
            offsets,
            cells,
        })
    }

    fn features(&self) -> usize {
        self.n_states.len() - 1
    }

    /// Offset of the pair table of features `f < g`.
    fn pair(&self, f: usize, g: usize) -> usize {
        let n = self.features();
        // Pairs (0,1), (0,2), ..., (0,n-1), (1,2), ...: those before row f, then g.
        let before = f * n - f * (f + 1) / 2;
        self.offsets[n + before + (g - f - 1)]
    }
}

/// Mutual-information mRMR, second pass: every joint histogram, with the
/// bins of the whole table.
#[derive(Clone, Debug, PartialEq)]
pub struct MiCounts {
    pub count: u64,
    pub cells: Vec<u64>,
}

impl MiCounts {
    /// One partition's joint counts (features then the target, in `plan`'s bins).
    pub fn of(
        plan: &MiPlan,
        names: &[&str],
        features: &[&[f64]],
        target: &[f64],
    ) -> Result<MiCounts> {
        let mut all: Vec<&[f64]> = features.to_vec();
        all.push(target);
        let n = check_columns(names, &all)?;
        if features.len() != plan.features() {
            return Err(DiscoverError::Length {
                column: "features".into(),
                expected: plan.features(),
                found: features.len(),
            });
        }
        let mut cells: Vec<u64> = Vec::new();
        cells
            .try_reserve_exact(plan.cells)
            .map_err(|_| DiscoverError::InvalidArgument {
                parameter: "features",
                reason: format!("cannot allocate {} joint-histogram cells", plan.cells),
            })?;
        cells.resize(plan.cells, 0);
        let nf = plan.features();
        let states: Vec<Vec<u32>> = (0..nf)
            .map(|f| {
                let b = &plan.binners[f];
                features[f].iter().map(|&v| b.state(clamp(b, v))).collect()
            })
            .collect();
        // A discrete target has no binner: its states are its classes.
        let target_states: Vec<u32> = if plan.binners.len() == nf {
            target
                .iter()
                .map(|&v| class_of(&plan.classes, v) as u32)
                .collect()
        } else {
            let b = &plan.binners[nf];
            target.iter().map(|&v| b.state(clamp(b, v))).collect()
        };
        let nt = plan.n_states[nf];
        for f in 0..nf {
            let base = plan.offsets[f];
            for (x, &t) in states[f].iter().zip(&target_states) {
                cells[base + *x as usize * nt + t as usize] += 1;
            }
            for g in f + 1..nf {
                let base = plan.pair(f, g);
                let ng = plan.n_states[g];
                for (x, y) in states[f].iter().zip(&states[g]) {
                    cells[base + *x as usize * ng + *y as usize] += 1;
                }
            }
        }
        Ok(MiCounts {
            count: n as u64,
            cells,
        })
    }

    /// The counts of two partitions together.
    pub fn merge(&self, other: &MiCounts) -> Result<MiCounts> {
        if self.cells.len() != other.cells.len() {
            return Err(DiscoverError::Length {
                column: "joint counts".into(),
                expected: self.cells.len(),
                found: other.cells.len(),
            });
        }
        Ok(MiCounts {
            count: self.count + other.count,
            cells: self
                .cells
                .iter()
                .zip(&other.cells)
                .map(|(a, b)| a + b)
                .collect(),
        })
    }
}

/// A value outside the merged range cannot occur (the range covers every
/// partition); a binner only needs values in it.
fn clamp(b: &Binner, v: f64) -> f64 {
    let lo = b.edges.first().copied().unwrap_or(v);
    let hi = b.edges.last().copied().unwrap_or(v);
    v.max(lo).min(hi)
}

/// Mutual information in bits from a joint count table read by `get(x, y)`,
/// with the arithmetic (and order) of the collected mRMR.
fn mi_from_counts(na: usize, nb: usize, get: impl Fn(usize, usize) -> u64) -> f64 {
    let mut pa = vec![0.0; na];
    let mut pb = vec![0.0; nb];
    let mut total = 0u64;
    for (x, row) in pa.iter_mut().enumerate() {
        for (y, col) in pb.iter_mut().enumerate() {
            let c = get(x, y);
            *row += c as f64;
            *col += c as f64;
            total += c;
        }
    }
    let n = total as f64;
    let mut info = 0.0;
    for (x, &px) in pa.iter().enumerate() {
        for (y, &py) in pb.iter().enumerate() {
            let c = get(x, y);
            if c > 0 {
                let c = c as f64;
                info += c / n * (c * n / (px * py)).log2();
            }
        }
    }
    info.max(0.0)
}

/// Selects up to `k` features by mutual-information mRMR from merged
/// [`MiCounts`]; the same numbers as the collected table's, bit for bit.
pub fn mrmr_from_mi_counts(plan: &MiPlan, counts: &MiCounts, k: usize) -> Result<MrmrResult> {
    if counts.cells.len() != plan.cells {
        return Err(DiscoverError::Length {
            column: "joint counts".into(),
            expected: plan.cells,
            found: counts.cells.len(),
        });
    }
    let nf = plan.features();
    let nt = plan.n_states[nf];
    let c = &counts.cells;
    let relevance = (0..nf)
        .map(|f| {
            let base = plan.offsets[f];
            mi_from_counts(plan.n_states[f], nt, |x, y| c[base + x * nt + y])
        })
        .collect();
    Ok(select(relevance, k, false, |f, last| {
        let (nf_, nl) = (plan.n_states[f], plan.n_states[last]);
        if f < last {
            let base = plan.pair(f, last);
            mi_from_counts(nf_, nl, |x, y| c[base + x * nl + y])
        } else {
            let base = plan.pair(last, f);
            mi_from_counts(nf_, nl, |x, y| c[base + y * nf_ + x])
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{mrmr, Relevance};

    #[test]
    fn merged_partitions_select_as_the_collected_table_does() {
        let n = 2000;
        let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let a: Vec<f64> = (0..n)
            .map(|i| y[i] + 0.3 * ((i * 7 % 13) as f64 / 13.0))
            .collect();
        let b: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 1.3).cos() + 0.2 * y[i])
            .collect();
        let c: Vec<f64> = (0..n).map(|i| a[i] * 0.9 + 0.1 * b[i]).collect();
        let names = ["a", "b", "c", "y"];
        let whole = mrmr(
            &["a".into(), "b".into(), "c".into()],
            &[&a, &b, &c],
            "y",
            &y,
            3,
            Relevance::FRegression,
        )
        .unwrap();
        for cuts in [vec![0, n], vec![0, 1, 700, 701, 1500, n]] {
            let mut total = CoMoments::empty(4);
            for w in cuts.windows(2) {
                let cols: Vec<&[f64]> = [&a, &b, &c, &y].iter().map(|v| &v[w[0]..w[1]]).collect();
                total = total.merge(&CoMoments::of(&names, &cols).unwrap()).unwrap();
            }
            let parts = mrmr_from_comoments(&names, &total, 3).unwrap();
            assert_eq!(parts.selected, whole.selected);
            for (p, q) in parts.relevance.iter().zip(&whole.relevance) {
                assert!((p - q).abs() <= 1e-9 * q.abs().max(1.0), "{p} vs {q}");
            }
            for (p, q) in parts.scores.iter().zip(&whole.scores) {
                assert!((p - q).abs() <= 1e-9 * q.abs().max(1.0), "{p} vs {q}");
            }
        }
    }

    /// Columns a, b, c and a target with a few classes.
    fn table(n: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
        let y: Vec<f64> = (0..n).map(|i| ((i * 7919) % 5) as f64).collect();
        let a: Vec<f64> = (0..n)
            .map(|i| y[i] + 0.7 * ((i as f64) * 0.37).sin())
            .collect();
        let b: Vec<f64> = (0..n)
            .map(|i| ((i as f64) * 1.3).cos() + 0.2 * y[i])
            .collect();
        let c: Vec<f64> = (0..n).map(|i| a[i] * 0.9 + 0.1 * b[i]).collect();
        (vec![a, b, c], y)
    }

    fn cuts_of(n: usize) -> Vec<Vec<usize>> {
        vec![
            vec![0, n],
            vec![0, 1, 700, 701, 1500, n],
            vec![0, 3, n - 3, n],
        ]
    }

    fn close(p: &[f64], q: &[f64]) {
        assert_eq!(p.len(), q.len());
        for (p, q) in p.iter().zip(q) {
            assert!((p - q).abs() <= 1e-12 * q.abs().max(1.0), "{p} vs {q}");
        }
    }

    #[test]
    fn merged_class_statistics_select_as_the_collected_anova_does() {
        let n = 2000;
        let (x, y) = table(n);
        let names = ["a", "b", "c", "y"];
        let owned: Vec<String> = names[..3].iter().map(|s| s.to_string()).collect();
        let refs: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        let whole = mrmr(&owned, &refs, "y", &y, 3, Relevance::FClassif).unwrap();
        for cuts in cuts_of(n) {
            let mut total: Option<ClassStats> = None;
            for w in cuts.windows(2) {
                let cols: Vec<&[f64]> = x.iter().map(|v| &v[w[0]..w[1]]).collect();
                let part = ClassStats::of(&names, &cols, &y[w[0]..w[1]]).unwrap();
                total = Some(match total {
                    None => part,
                    Some(t) => t.merge(&part).unwrap(),
                });
            }
            let parts = mrmr_from_class_stats(&names, &total.unwrap(), 3).unwrap();
            assert_eq!(parts.selected, whole.selected);
            close(&parts.relevance, &whole.relevance);
            close(&parts.scores, &whole.scores);
        }
    }

    #[test]
    fn merged_joint_counts_give_the_collected_mutual_information_bit_for_bit() {
        let n = 2000;
        let (x, y) = table(n);
        let names = ["a", "b", "c", "y"];
        let owned: Vec<String> = names[..3].iter().map(|s| s.to_string()).collect();
        let refs: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        for discrete in [false, true] {
            let kind = Relevance::MutualInfo {
                bins: 6,
                discrete_target: discrete,
            };
            let whole = mrmr(&owned, &refs, "y", &y, 3, kind).unwrap();
            for cuts in cuts_of(n) {
                let slices =
                    |w: &[usize]| -> Vec<&[f64]> { x.iter().map(|v| &v[w[0]..w[1]]).collect() };
                let mut ranges = MiRanges::default();
                for w in cuts.windows(2) {
                    let part = MiRanges::of(&names, &slices(w), &y[w[0]..w[1]], discrete).unwrap();
                    ranges = ranges.merge(&part).unwrap();
                }
                let plan = MiPlan::new(&names, &ranges, 6, discrete).unwrap();
                let mut counts: Option<MiCounts> = None;
                for w in cuts.windows(2) {
                    let part = MiCounts::of(&plan, &names, &slices(w), &y[w[0]..w[1]]).unwrap();
                    counts = Some(match counts {
                        None => part,
                        Some(c) => c.merge(&part).unwrap(),
                    });
                }
                let parts = mrmr_from_mi_counts(&plan, &counts.unwrap(), 3).unwrap();
                assert_eq!(parts, whole, "discrete target {discrete}");
            }
        }
    }

    #[test]
    fn a_constant_column_is_named() {
        let x = [1.0, 1.0, 1.0, 1.0];
        let y = [0.0, 1.0, 2.0, 4.0];
        let s = CoMoments::of(&["x", "y"], &[&x, &y]).unwrap();
        assert!(matches!(
            mrmr_from_comoments(&["x", "y"], &s, 1),
            Err(DiscoverError::Constant { ref column, .. }) if column == "x"
        ));
    }
}
