//! mRMR: maximum-relevance minimum-redundancy feature selection (Ding & Peng,
//! 2005). The F-test variant follows the scheme of Zhao et al. (2019) and of the
//! `mrmr-selection` package: relevance is an F statistic, redundancy the mean
//! absolute Pearson correlation with the features already chosen (floored at
//! 0.001), and the score their quotient. The mutual-information variant scores
//! relevance minus mean redundancy, both in bits on equal-width bins.

use super::binning::{bin_column, BinSpec, Binned};
use super::error::{DiscoverError, Result};
use rayon::prelude::*;

/// Redundancy never drops below this, so a feature uncorrelated with the
/// chosen ones does not get an infinite score.
const FLOOR: f64 = 0.001;

/// How relevance (and with it redundancy) is measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Relevance {
    /// F statistic of a linear regression on the feature (continuous target).
    FRegression,
    /// One-way ANOVA F statistic across the target's classes.
    FClassif,
    /// Mutual information in bits on `bins` equal-width bins; a discrete
    /// target uses its classes as states.
    MutualInfo { bins: usize, discrete_target: bool },
}

/// The selected features (indices, in selection order), the score each had
/// when it was chosen, and the relevance of every feature.
#[derive(Clone, Debug, PartialEq)]
pub struct MrmrResult {
    pub selected: Vec<usize>,
    pub scores: Vec<f64>,
    pub relevance: Vec<f64>,
}

struct Moments {
    mean: f64,
    norm: f64,
}

fn moments(x: &[f64]) -> Moments {
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let norm = x
        .iter()
        .map(|v| (v - mean) * (v - mean))
        .sum::<f64>()
        .sqrt();
    Moments { mean, norm }
}

fn pearson(x: &[f64], mx: &Moments, y: &[f64], my: &Moments) -> f64 {
    let dot: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| (a - mx.mean) * (b - my.mean))
        .sum();
    dot / (mx.norm * my.norm)
}

fn f_regression(x: &[f64], mx: &Moments, y: &[f64], my: &Moments) -> f64 {
    let r = pearson(x, mx, y, my);
    let r2 = r * r;
    let dof = (x.len() - 2) as f64;
    // A perfect fit has an infinite F; keep it finite and the largest, as
    // scikit-learn does.
    if r2 >= 1.0 {
        f64::MAX
    } else {
        r2 / (1.0 - r2) * dof
    }
}

fn f_classif(x: &[f64], classes: &[usize], n_classes: usize) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let mut sums = vec![0.0; n_classes];
    let mut counts = vec![0.0; n_classes];
    for (&v, &c) in x.iter().zip(classes) {
        sums[c] += v;
        counts[c] += 1.0;
    }
    let between: f64 = sums
        .iter()
        .zip(&counts)
        .map(|(s, c)| c * (s / c - mean) * (s / c - mean))
        .sum();
    let total: f64 = x.iter().map(|v| (v - mean) * (v - mean)).sum();
    let within = (total - between).max(0.0);
    let k = n_classes as f64;
    (between / (k - 1.0)) / (within / (n - k))
}

fn mutual_information(a: &Binned, b: &Binned) -> f64 {
    let (na, nb) = (a.n_states, b.n_states);
    let n = a.states.len() as f64;
    let mut pa = vec![0.0; na];
    let mut pb = vec![0.0; nb];
    for (&x, &y) in a.states.iter().zip(&b.states) {
        pa[x as usize] += 1.0;
        pb[y as usize] += 1.0;
    }
    // The joint table is dense when small, else the occupied cells are found
    // by sorting (never more cells than samples).
    let dense_limit = (8 * a.states.len()).max(1 << 16);
    let mut cells: Vec<(usize, usize, f64)> = Vec::new();
    if na.saturating_mul(nb) <= dense_limit {
        let mut joint = vec![0u32; na * nb];
        for (&x, &y) in a.states.iter().zip(&b.states) {
            joint[x as usize * nb + y as usize] += 1;
        }
        for (i, &c) in joint.iter().enumerate() {
            if c > 0 {
                cells.push((i / nb, i % nb, c as f64));
            }
        }
    } else {
        let mut codes: Vec<(u32, u32)> = a
            .states
            .iter()
            .copied()
            .zip(b.states.iter().copied())
            .collect();
        codes.sort_unstable();
        for run in codes.chunk_by(|p, q| p == q) {
            cells.push((run[0].0 as usize, run[0].1 as usize, run.len() as f64));
        }
    }
    let mut info = 0.0;
    for (x, y, c) in cells {
        info += c / n * (c * n / (pa[x] * pb[y])).log2();
    }
    info.max(0.0)
}

/// Classes of a discrete target: index of each value among the sorted distinct values.
fn classes_of(target: &[f64]) -> (Vec<usize>, usize) {
    let mut distinct = target.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let classes = target
        .iter()
        .map(|v| distinct.binary_search_by(|d| d.total_cmp(v)).unwrap_or(0))
        .collect();
    (classes, distinct.len())
}

fn validate(
    names: &[String],
    features: &[&[f64]],
    target_name: &str,
    target: &[f64],
) -> Result<()> {
    if names.len() != features.len() {
        return Err(DiscoverError::InvalidArgument {
            parameter: "names",
            reason: format!("{} names for {} features", names.len(), features.len()),
        });
    }
    let n = target.len();
    for (name, column) in std::iter::once((target_name, target)).chain(
        names
            .iter()
            .map(String::as_str)
            .zip(features.iter().copied()),
    ) {
        if column.len() != n {
            return Err(DiscoverError::Length {
                column: name.to_string(),
                expected: n,
                found: column.len(),
            });
        }
        if let Some(row) = column.iter().position(|v| !v.is_finite()) {
            return Err(DiscoverError::NonFinite {
                column: name.to_string(),
                row,
                value: column[row],
            });
        }
        if column.iter().all(|&v| v == column[0]) {
            return Err(DiscoverError::Constant {
                column: name.to_string(),
                value: column[0],
            });
        }
    }
    Ok(())
}

/// Selects up to `k` features by mRMR. Features with no relevance are never
/// selected, so fewer than `k` may come back. Ties go to the earlier feature.
pub fn mrmr(
    names: &[String],
    features: &[&[f64]],
    target_name: &str,
    target: &[f64],
    k: usize,
    relevance_kind: Relevance,
) -> Result<MrmrResult> {
    let n = target.len();
    if n < 3 {
        return Err(DiscoverError::TooFewSamples {
            column: target_name.to_string(),
            samples: n,
            bins: 3,
        });
    }
    validate(names, features, target_name, target)?;
    let moments_of: Vec<Moments> = features.par_iter().map(|x| moments(x)).collect();
    let mut binned: Vec<Binned> = Vec::new();
    let relevance: Vec<f64> = match relevance_kind {
        Relevance::FRegression => {
            let my = moments(target);
            features
                .par_iter()
                .zip(&moments_of)
                .map(|(x, mx)| f_regression(x, mx, target, &my))
                .collect()
        }
        Relevance::FClassif => {
            let (classes, n_classes) = classes_of(target);
            if n_classes >= n {
                return Err(DiscoverError::InvalidArgument {
                    parameter: "target",
                    reason: format!(
                        "{n_classes} classes in {n} samples; an F test needs repeated classes"
                    ),
                });
            }
            features
                .par_iter()
                .map(|x| f_classif(x, &classes, n_classes))
                .collect()
        }
        Relevance::MutualInfo {
            bins,
            discrete_target,
        } => {
            let target_binned = if discrete_target {
                let (classes, n_classes) = classes_of(target);
                Binned {
                    states: classes.iter().map(|&c| c as u32).collect(),
                    n_states: n_classes,
                    edges: Vec::new(),
                }
            } else {
                bin_column(target_name, target, &BinSpec::EqualWidth(bins))?
            };
            binned = names
                .par_iter()
                .zip(features.par_iter())
                .map(|(name, x)| bin_column(name, x, &BinSpec::EqualWidth(bins)))
                .collect::<Result<Vec<_>>>()?;
            binned
                .par_iter()
                .map(|b| mutual_information(b, &target_binned))
                .collect()
        }
    };
    let quotient = !matches!(relevance_kind, Relevance::MutualInfo { .. });
    let mut remaining: Vec<usize> = (0..features.len())
        .filter(|&f| relevance[f] > 0.0)
        .collect();
    let k = k.min(remaining.len());
    let mut redundancy_sum = vec![0.0; features.len()];
    let mut selected = Vec::with_capacity(k);
    let mut scores = Vec::with_capacity(k);
    for step in 0..k {
        if let Some(&last) = selected.last() {
            let added: Vec<f64> = remaining
                .par_iter()
                .map(|&f| {
                    if quotient {
                        let r = pearson(
                            features[f],
                            &moments_of[f],
                            features[last],
                            &moments_of[last],
                        )
                        .abs();
                        if r.is_nan() {
                            FLOOR
                        } else {
                            r.max(FLOOR)
                        }
                    } else {
                        mutual_information(&binned[f], &binned[last])
                    }
                })
                .collect();
            for (&f, a) in remaining.iter().zip(added) {
                redundancy_sum[f] += a;
            }
        }
        let mut best: Option<(usize, f64)> = None;
        for (position, &f) in remaining.iter().enumerate() {
            let score = if step == 0 {
                relevance[f]
            } else if quotient {
                let mean = redundancy_sum[f] / step as f64;
                // A feature that duplicates the chosen ones exactly is worthless.
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
    Ok(MrmrResult {
        selected,
        scores,
        relevance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relevant_feature_comes_first_and_its_duplicate_is_skipped() {
        let y: Vec<f64> = (0..50).map(|i| (i as f64 * 0.37).sin()).collect();
        let x1: Vec<f64> = y
            .iter()
            .enumerate()
            .map(|(i, v)| v + 0.1 * ((i * 7 % 5) as f64))
            .collect();
        let dup = x1.clone();
        let x2: Vec<f64> = (0..50)
            .map(|i| (i as f64 * 1.3).cos() + 0.5 * y[i])
            .collect();
        let names: Vec<String> = ["x1", "dup", "x2"].iter().map(|s| s.to_string()).collect();
        let r = mrmr(
            &names,
            &[&x1, &dup, &x2],
            "y",
            &y,
            3,
            Relevance::FRegression,
        )
        .unwrap();
        assert_eq!(r.selected[0], 0);
        assert_eq!(r.selected[1], 2);
        assert_eq!(r.selected[2], 1);
    }
}
