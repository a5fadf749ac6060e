//! mRMR (F-test, continuous target) over a table split into partitions: each
//! partition computes the sufficient statistics of every column — count,
//! means and the matrix of centred co-moments — which merge pairwise (Chan,
//! Golub & LeVeque), and the selection runs on the merged statistics. The
//! relevance (F statistic from the feature–target correlation) and the
//! redundancy (mean absolute correlation with the chosen features) follow the
//! collected [`super::mrmr`] exactly in formula; the sums differ only in
//! rounding order (agreement to about 1e-12 relative).

use super::error::{DiscoverError, Result};
use super::mrmr::MrmrResult;

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
    let mut remaining: Vec<usize> = (0..target).filter(|&f| relevance[f] > 0.0).collect();
    let k = k.min(remaining.len());
    let mut redundancy_sum = vec![0.0; target];
    let mut selected: Vec<usize> = Vec::with_capacity(k);
    let mut scores = Vec::with_capacity(k);
    for step in 0..k {
        if let Some(&last) = selected.last() {
            for &f in &remaining {
                let r = stats.pearson(f, last).abs();
                redundancy_sum[f] += if r.is_nan() { FLOOR } else { r.max(FLOOR) };
            }
        }
        let mut best: Option<(usize, f64)> = None;
        for (position, &f) in remaining.iter().enumerate() {
            let score = if step == 0 {
                relevance[f]
            } else {
                let mean = redundancy_sum[f] / step as f64;
                relevance[f] / if mean == 1.0 { f64::INFINITY } else { mean }
            };
            if !score.is_nan() && best.is_none_or(|(_, b)| score > b) {
                best = Some((position, score));
            }
        }
        let Some((position, score)) = best else { break };
        selected.push(remaining.remove(position));
        scores.push(score);
    }
    Ok(MrmrResult {
        selected,
        scores,
        relevance,
    })
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
