//! Root-cause scores ([`super::rca`]) over tables split into partitions,
//! holding one partition at a time.
//!
//! The collected scores need each column's range (for its relative scale),
//! a least-squares fit on its parents over the normal period, and medians:
//! of the column and of its residuals in each period, and of the normal
//! residuals' absolute deviations. Ranges merge exactly; the fit's centred
//! cross-products merge pairwise ([`CoMoments`], agreement to about 1e-12
//! relative); medians are order statistics, found exactly by a radix
//! selection over the values' total order ([`RadixSelect`]): each pass counts,
//! per partition, the next 8 bits of the values that agree with the bits
//! known so far, so eight passes pin every bit of the wanted values.
//!
//! The passes, in order: [`rca_ranges`] (then [`rca_offsets`]),
//! [`rca_moments`] (then [`rca_fit`]), eight rounds of [`rca_histograms`] for
//! the medians of round 1 (then [`rca_centres`]), eight more for round 2 with
//! [`rca_square_sums`], and [`rca_finish`].

use super::error::{DiscoverError, Result};
use super::mrmr_partitioned::CoMoments;
use super::rca::{offset_of, solve_spd, ColumnScore};

/// Bits a selection pass resolves.
pub const DIGIT_BITS: u32 = 8;
const BUCKETS: usize = 1 << DIGIT_BITS;

/// A key whose unsigned order is `f64::total_cmp`'s order.
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

fn from_key(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// Exact order statistics (0-based `ranks`, one per target) of values read
/// in passes over partitions.
#[derive(Clone, Debug, PartialEq)]
pub struct RadixSelect {
    pub ranks: Vec<u64>,
    /// The bits of each wanted value's key known so far.
    pub prefixes: Vec<u64>,
    /// Values below the current prefix, per target.
    pub below: Vec<u64>,
    /// How many leading bits are known (0 to 64).
    pub level: u32,
}

impl RadixSelect {
    pub fn new(ranks: Vec<u64>) -> RadixSelect {
        let n = ranks.len();
        RadixSelect {
            ranks,
            prefixes: vec![0; n],
            below: vec![0; n],
            level: 0,
        }
    }

    /// Whether every bit is known.
    pub fn done(&self) -> bool {
        self.level >= 64
    }

    /// An empty histogram for one pass (every target's buckets).
    pub fn histogram(&self) -> Vec<u64> {
        vec![0; self.ranks.len() * BUCKETS]
    }

    /// Counts target `t`'s values that match its prefix, by their next digit.
    pub fn count(&self, t: usize, values: impl Iterator<Item = f64>, hist: &mut [u64]) {
        if self.done() || t >= self.ranks.len() {
            return;
        }
        let shift = 64 - self.level - DIGIT_BITS;
        let prefix = self.prefixes[t];
        let h = &mut hist[t * BUCKETS..(t + 1) * BUCKETS];
        for v in values {
            let k = key(v);
            if self.level == 0 || k >> (64 - self.level) == prefix {
                h[((k >> shift) as usize) & (BUCKETS - 1)] += 1;
            }
        }
    }

    /// Moves on by one digit from the merged histogram of a pass.
    pub fn advance(&mut self, hist: &[u64]) -> Result<()> {
        if hist.len() != self.ranks.len() * BUCKETS {
            return Err(DiscoverError::Length {
                column: "selection histogram".into(),
                expected: self.ranks.len() * BUCKETS,
                found: hist.len(),
            });
        }
        if self.done() {
            return Ok(());
        }
        for t in 0..self.ranks.len() {
            let mut below = self.below[t];
            let mut chosen = None;
            for (digit, &c) in hist[t * BUCKETS..(t + 1) * BUCKETS].iter().enumerate() {
                if below + c > self.ranks[t] {
                    chosen = Some(digit as u64);
                    break;
                }
                below += c;
            }
            let digit = chosen.ok_or_else(|| DiscoverError::InvalidArgument {
                parameter: "partitions",
                reason: format!(
                    "fewer values than rank {} in a selection pass; the partitions changed \
                     between passes",
                    self.ranks[t]
                ),
            })?;
            self.below[t] = below;
            self.prefixes[t] = (self.prefixes[t] << DIGIT_BITS) | digit;
        }
        self.level += DIGIT_BITS;
        Ok(())
    }

    /// The wanted values (once [`RadixSelect::done`]).
    pub fn values(&self) -> Vec<f64> {
        self.prefixes.iter().map(|&k| from_key(k)).collect()
    }
}

type Ranges = Vec<Option<(f64, f64)>>;

fn check_columns(names: &[String], cols: &[&[f64]]) -> Result<usize> {
    if names.len() != cols.len() {
        return Err(DiscoverError::InvalidArgument {
            parameter: "columns",
            reason: format!("{} names for {} columns", names.len(), cols.len()),
        });
    }
    let n = cols.first().map_or(0, |c| c.len());
    for (name, c) in names.iter().zip(cols) {
        if c.len() != n {
            return Err(DiscoverError::Length {
                column: name.clone(),
                expected: n,
                found: c.len(),
            });
        }
        if let Some(row) = c.iter().position(|v| !v.is_finite()) {
            return Err(DiscoverError::NonFinite {
                column: name.clone(),
                row,
                value: c[row],
            });
        }
    }
    Ok(n)
}

/// Pass 1: a partition's row count and every column's range.
pub fn rca_ranges(names: &[String], cols: &[&[f64]]) -> Result<(u64, Ranges)> {
    let n = check_columns(names, cols)?;
    let ranges = cols
        .iter()
        .map(|c| {
            c.iter()
                .fold(None, |acc: Option<(f64, f64)>, &v| match acc {
                    None => Some((v, v)),
                    Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
                })
        })
        .collect();
    Ok((n as u64, ranges))
}

/// The rows of each period and each column's offset (its relative scale),
/// from every partition's ranges.
pub fn rca_offsets(
    normal: &[(u64, Ranges)],
    anomalous: &[(u64, Ranges)],
    columns: usize,
) -> Result<(u64, u64, Vec<f64>)> {
    let mut merged: Ranges = vec![None; columns];
    for (_, ranges) in normal.iter().chain(anomalous) {
        if ranges.len() != columns {
            return Err(DiscoverError::Length {
                column: "ranges".into(),
                expected: columns,
                found: ranges.len(),
            });
        }
        for (m, r) in merged.iter_mut().zip(ranges) {
            *m = match (*m, *r) {
                (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
                (x, None) | (None, x) => x,
            };
        }
    }
    let n = normal.iter().map(|p| p.0).sum();
    let na = anomalous.iter().map(|p| p.0).sum();
    let offsets = merged
        .iter()
        .map(|r| r.map_or(0.0, |(lo, hi)| offset_of(lo, hi)))
        .collect();
    Ok((n, na, offsets))
}

fn scaled(cols: &[&[f64]], offsets: &[f64]) -> Vec<Vec<f64>> {
    cols.iter()
        .zip(offsets)
        .map(|(c, &o)| c.iter().map(|x| (x + o).ln()).collect())
        .collect()
}

/// Pass 2 (normal partitions): the co-moments of every column on its relative scale.
pub fn rca_moments(names: &[String], cols: &[&[f64]], offsets: &[f64]) -> Result<CoMoments> {
    check_columns(names, cols)?;
    let logs = scaled(cols, offsets);
    let refs: Vec<&[f64]> = logs.iter().map(Vec::as_slice).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    CoMoments::of(&names, &refs)
}

/// Each column's fit on its parents over the normal period.
#[derive(Clone, Debug, PartialEq)]
pub struct RcaFit {
    pub n: u64,
    pub na: u64,
    pub offsets: Vec<f64>,
    /// Normal means on the relative scale.
    pub means: Vec<f64>,
    /// The parents each column is fitted on (sorted; none when too few rows).
    pub parents: Vec<Vec<usize>>,
    /// Intercept-first coefficients, when the fit could be solved.
    pub betas: Vec<Option<Vec<f64>>>,
}

/// Fits every column on its parents from the merged co-moments, with the
/// collected rules: parents sorted and deduplicated, none when there are
/// fewer than two normal rows per coefficient.
pub fn rca_fit(
    names: &[String],
    moments: &CoMoments,
    parents: &[Vec<usize>],
    offsets: Vec<f64>,
    n: u64,
    na: u64,
) -> Result<RcaFit> {
    let m = names.len();
    if parents.len() != m || offsets.len() != m || moments.width != m {
        return Err(DiscoverError::InvalidArgument {
            parameter: "columns",
            reason: format!(
                "{m} names, {} parent lists, {} offsets, {} co-moment columns",
                parents.len(),
                offsets.len(),
                moments.width
            ),
        });
    }
    if m == 0 {
        return Err(DiscoverError::InvalidArgument {
            parameter: "columns",
            reason: "no columns to rank".into(),
        });
    }
    if n < 3 || na < 1 {
        return Err(DiscoverError::TooFewSamples {
            column: names[0].clone(),
            samples: n.min(na) as usize,
            bins: 3,
        });
    }
    let mut fitted = Vec::with_capacity(m);
    let mut betas = Vec::with_capacity(m);
    for (c, ps) in parents.iter().enumerate() {
        if let Some(&p) = ps.iter().find(|&&p| p >= m || p == c) {
            return Err(DiscoverError::InvalidArgument {
                parameter: "graph",
                reason: format!("parent {p} of column {:?} is not another column", names[c]),
            });
        }
        let mut ps = ps.clone();
        ps.sort_unstable();
        ps.dedup();
        if ps.len() + 1 > (n / 2) as usize {
            ps.clear();
        }
        let beta = if ps.is_empty() {
            None
        } else {
            let k = ps.len() + 1;
            let mut a = vec![0.0; k * k];
            let mut b = vec![0.0; k];
            a[0] = n as f64;
            for (i, &pi) in ps.iter().enumerate() {
                for (j, &pj) in ps.iter().enumerate().take(i + 1) {
                    let s = moments.comoments[pi * m + pj];
                    a[(i + 1) * k + j + 1] = s;
                    a[(j + 1) * k + i + 1] = s;
                }
                b[i + 1] = moments.comoments[pi * m + c];
            }
            solve_spd(a, b, k)
        };
        fitted.push(ps);
        betas.push(beta);
    }
    Ok(RcaFit {
        n,
        na,
        offsets,
        means: moments.means.clone(),
        parents: fitted,
        betas,
    })
}

impl RcaFit {
    /// Column `c` on its relative scale (`.0`) and its residual given its
    /// parents (`.1`; the column itself when it has no fit), row by row.
    fn series(&self, logs: &[Vec<f64>], c: usize) -> (Vec<f64>, Vec<f64>) {
        let y = logs[c].clone();
        let Some(beta) = &self.betas[c] else {
            return (y.clone(), y);
        };
        let ps = &self.parents[c];
        let my = self.means[c];
        let r = (0..y.len())
            .map(|row| {
                let predicted = my
                    + ps.iter()
                        .enumerate()
                        .map(|(i, &p)| beta[i + 1] * (logs[p][row] - self.means[p]))
                        .sum::<f64>();
                y[row] - predicted
            })
            .collect();
        (y, r)
    }

    fn columns(&self) -> usize {
        self.offsets.len()
    }

    /// Ranks of round 1: per column, the two middle ranks of the column and
    /// of its residuals, normal then anomalous: `[y0, y0, y1, y1, r0, r0, r1, r1]`.
    pub fn round1_ranks(&self) -> Vec<u64> {
        let mid = |n: u64| [(n - 1) / 2, n / 2];
        let (a, b) = (mid(self.n), mid(self.na));
        (0..self.columns())
            .flat_map(|_| [a[0], a[1], b[0], b[1], a[0], a[1], b[0], b[1]])
            .collect()
    }

    /// Ranks of round 2: per column, the two middle ranks of the normal
    /// residuals' absolute deviations.
    pub fn round2_ranks(&self) -> Vec<u64> {
        let n = self.n;
        (0..self.columns())
            .flat_map(|_| [(n - 1) / 2, n / 2])
            .collect()
    }

    fn median(&self, values: &[f64], n: u64) -> f64 {
        if n % 2 == 1 {
            values[0]
        } else {
            0.5 * (values[0] + values[1])
        }
    }
}

/// One selection pass over one partition (`anomalous` says its period):
/// round 1 when `centres` is `None`, else round 2 about those centres.
pub fn rca_histograms(
    fit: &RcaFit,
    select: &RadixSelect,
    centres: Option<&[f64]>,
    names: &[String],
    cols: &[&[f64]],
    anomalous: bool,
) -> Result<Vec<u64>> {
    check_columns(names, cols)?;
    if cols.len() != fit.columns() {
        return Err(DiscoverError::Length {
            column: "columns".into(),
            expected: fit.columns(),
            found: cols.len(),
        });
    }
    let logs = scaled(cols, &fit.offsets);
    let mut hist = select.histogram();
    for c in 0..fit.columns() {
        let (y, r) = fit.series(&logs, c);
        match centres {
            None => {
                let base = c * 8 + if anomalous { 2 } else { 0 };
                for t in [base, base + 1] {
                    select.count(t, y.iter().copied(), &mut hist);
                    select.count(t + 4, r.iter().copied(), &mut hist);
                }
            }
            Some(centres) if !anomalous => {
                let centre = centres[c];
                for t in [c * 2, c * 2 + 1] {
                    select.count(t, r.iter().map(|v| (v - centre).abs()), &mut hist);
                }
            }
            Some(_) => {}
        }
    }
    Ok(hist)
}

/// The centre of each column's normal residuals, from round 1's values.
pub fn rca_centres(fit: &RcaFit, round1: &[f64]) -> Vec<f64> {
    (0..fit.columns())
        .map(|c| fit.median(&round1[c * 8 + 4..c * 8 + 6], fit.n))
        .collect()
}

/// A normal partition's sums of squared residual deviations from the centres.
pub fn rca_square_sums(
    fit: &RcaFit,
    centres: &[f64],
    names: &[String],
    cols: &[&[f64]],
) -> Result<Vec<f64>> {
    check_columns(names, cols)?;
    let logs = scaled(cols, &fit.offsets);
    Ok((0..fit.columns())
        .map(|c| {
            let (_, r) = fit.series(&logs, c);
            r.iter().map(|v| (v - centres[c]) * (v - centres[c])).sum()
        })
        .collect())
}

/// The scores, as the collected [`super::root_cause_scores`] computes them,
/// from both rounds' values and the merged sums of squares.
pub fn rca_finish(
    fit: &RcaFit,
    round1: &[f64],
    round2: &[f64],
    squares: &[f64],
) -> Result<Vec<ColumnScore>> {
    let m = fit.columns();
    if round1.len() != 8 * m || round2.len() != 2 * m || squares.len() != m {
        return Err(DiscoverError::Length {
            column: "selections".into(),
            expected: 8 * m,
            found: round1.len(),
        });
    }
    Ok((0..m)
        .map(|c| {
            let v = &round1[c * 8..c * 8 + 8];
            let total_shift = fit.median(&v[2..4], fit.na) - fit.median(&v[0..2], fit.n);
            let centre = fit.median(&v[4..6], fit.n);
            let shift = fit.median(&v[6..8], fit.na) - centre;
            let mut spread = 1.4826 * fit.median(&round2[c * 2..c * 2 + 2], fit.n);
            if spread <= 0.0 {
                spread = (squares[c] / fit.n as f64).sqrt();
            }
            let z = if spread > 0.0 {
                shift.abs() / spread
            } else if shift.abs() > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            ColumnScore {
                shift,
                total_shift,
                z,
                rows_per_coefficient: fit.n as f64 / (fit.parents[c].len() + 1) as f64,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::root_cause_scores;

    #[test]
    fn keys_keep_the_total_order() {
        let mut v = vec![3.5, -0.0, 0.0, -2.0, 1e-300, -1e300, f64::MAX, 7.0];
        let mut by_key = v.clone();
        v.sort_by(f64::total_cmp);
        by_key.sort_by_key(|&x| key(x));
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            by_key.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        for x in v {
            assert_eq!(from_key(key(x)).to_bits(), x.to_bits());
        }
    }

    #[test]
    fn radix_selection_over_parts_finds_the_exact_order_statistics() {
        let values: Vec<f64> = (0..1001)
            .map(|i| ((i * 7919) % 1009) as f64 * 0.37 - 100.0)
            .collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let mut s = RadixSelect::new(vec![0, 500, 1000, 17]);
        while !s.done() {
            let mut total = s.histogram();
            for part in values.chunks(97) {
                let mut h = s.histogram();
                for t in 0..4 {
                    s.count(t, part.iter().copied(), &mut h);
                }
                for (a, b) in total.iter_mut().zip(&h) {
                    *a += b;
                }
            }
            s.advance(&total).unwrap();
        }
        assert_eq!(
            s.values(),
            vec![sorted[0], sorted[500], sorted[1000], sorted[17]]
        );
    }

    fn as_refs(p: &[Vec<f64>]) -> Vec<&[f64]> {
        p.iter().map(Vec::as_slice).collect()
    }

    fn series(n: usize, seed: u64, level: f64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                level + ((state >> 33) as f64 / (1u64 << 31) as f64)
            })
            .collect()
    }

    #[test]
    fn partitioned_scores_equal_the_collected_ones() {
        let names: Vec<String> = ["cpu", "lat", "neg"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cpu0 = series(300, 1, 10.0);
        let cpu1 = series(41, 2, 40.0);
        let lat0: Vec<f64> = cpu0
            .iter()
            .zip(series(300, 3, 0.0))
            .map(|(c, e)| 0.02 * c + 0.01 * e)
            .collect();
        let lat1: Vec<f64> = cpu1
            .iter()
            .zip(series(41, 4, 0.0))
            .map(|(c, e)| 0.02 * c + 0.01 * e)
            .collect();
        let neg0 = series(300, 5, -3.0);
        let neg1 = series(41, 6, -2.5);
        let normal: Vec<&[f64]> = vec![&cpu0, &lat0, &neg0];
        let anomalous: Vec<&[f64]> = vec![&cpu1, &lat1, &neg1];
        let parents = vec![vec![], vec![0], vec![0, 1]];
        let want = root_cause_scores(&names, &normal, &anomalous, &parents).unwrap();
        let cut = |cols: &[&[f64]], at: &[usize]| -> Vec<Vec<Vec<f64>>> {
            at.windows(2)
                .map(|w| cols.iter().map(|c| c[w[0]..w[1]].to_vec()).collect())
                .collect()
        };
        let np = cut(&normal, &[0, 1, 120, 299, 300]);
        let ap = cut(&anomalous, &[0, 20, 41]);
        let refs = as_refs;
        let nr: Vec<_> = np
            .iter()
            .map(|p| rca_ranges(&names, &refs(p)).unwrap())
            .collect();
        let ar: Vec<_> = ap
            .iter()
            .map(|p| rca_ranges(&names, &refs(p)).unwrap())
            .collect();
        let (n, na, offsets) = rca_offsets(&nr, &ar, 3).unwrap();
        let mut moments = CoMoments::empty(3);
        for p in &np {
            moments = moments
                .merge(&rca_moments(&names, &refs(p), &offsets).unwrap())
                .unwrap();
        }
        let fit = rca_fit(&names, &moments, &parents, offsets, n, na).unwrap();
        let run = |mut s: RadixSelect, centres: Option<&[f64]>| -> Vec<f64> {
            while !s.done() {
                let mut total = s.histogram();
                for (parts, anomalous) in [(&np, false), (&ap, true)] {
                    for p in parts {
                        let h =
                            rca_histograms(&fit, &s, centres, &names, &refs(p), anomalous).unwrap();
                        for (a, b) in total.iter_mut().zip(&h) {
                            *a += b;
                        }
                    }
                }
                s.advance(&total).unwrap();
            }
            s.values()
        };
        let round1 = run(RadixSelect::new(fit.round1_ranks()), None);
        let centres = rca_centres(&fit, &round1);
        let round2 = run(RadixSelect::new(fit.round2_ranks()), Some(&centres));
        let mut squares = vec![0.0; 3];
        for p in &np {
            for (s, v) in squares
                .iter_mut()
                .zip(rca_square_sums(&fit, &centres, &names, &refs(p)).unwrap())
            {
                *s += v;
            }
        }
        let got = rca_finish(&fit, &round1, &round2, &squares).unwrap();
        for (g, w) in got.iter().zip(&want) {
            for (a, b) in [
                (g.shift, w.shift),
                (g.total_shift, w.total_shift),
                (g.z, w.z),
            ] {
                assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
            }
            assert_eq!(g.rows_per_coefficient, w.rows_per_coefficient);
        }
    }
}
