//! Root-cause scores: how far each column moved during an anomaly beyond what
//! its parents in a causal graph predict.
//!
//! Every column is put on a relative scale first (natural logarithm, shifted
//! when the column is not positive), so a move counts by how many times the
//! column's level changed, not by how quiet it was before: a latency with a
//! tiny normal spread does not outrank the CPU fault that slowed it down. A
//! column with parents is then regressed on them by least squares over the
//! normal period; the anomalous period's residuals say what the parents do not
//! explain. The score is the shift of the residuals' median between the two
//! periods (in log units); a robust z-score of that shift (against the normal
//! residuals' MAD) says whether the column is anomalous at all.

use super::error::{DiscoverError, Result};
use rayon::prelude::*;

/// One column's scores.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnScore {
    /// Shift of the median between the periods, on the relative scale, left
    /// after the parents' prediction (what the parents do not explain).
    pub shift: f64,
    /// Shift of the median with no parents: the column's whole move.
    pub total_shift: f64,
    /// `|shift|` over the normal residuals' robust spread (1.4826 MAD).
    pub z: f64,
    /// Normal rows per regression coefficient (parents + intercept).
    pub rows_per_coefficient: f64,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// The relative scale of a column: `ln(x + offset)`, the offset zero for a
/// positive column, else lifting the smallest value to 1 % of the range.
fn relative(normal: &[f64], anomalous: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (lo, hi) = normal
        .iter()
        .chain(anomalous)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let offset = offset_of(lo, hi);
    let t = |v: &[f64]| v.iter().map(|x| (x + offset).ln()).collect();
    (t(normal), t(anomalous))
}

/// What [`relative`] adds before the logarithm, from the column's range.
pub(crate) fn offset_of(lo: f64, hi: f64) -> f64 {
    if lo > 0.0 {
        0.0
    } else {
        -lo + 0.01 * (hi - lo) + f64::MIN_POSITIVE.sqrt()
    }
}

/// Solves the symmetric positive (semi-)definite system `a x = b` (`k x k`,
/// row-major) by Cholesky with a small ridge; `None` when it cannot.
pub(crate) fn solve_spd(mut a: Vec<f64>, mut b: Vec<f64>, k: usize) -> Option<Vec<f64>> {
    let trace: f64 = (0..k).map(|i| a[i * k + i]).sum();
    let ridge = 1e-10 * (trace / k as f64).max(1e-300);
    for i in 0..k {
        a[i * k + i] += ridge;
    }
    for j in 0..k {
        let mut d = a[j * k + j];
        for p in 0..j {
            d -= a[j * k + p] * a[j * k + p];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = s / d;
        }
    }
    for i in 0..k {
        let mut s = b[i];
        for p in 0..i {
            s -= a[i * k + p] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = b[i];
        for p in i + 1..k {
            s -= a[p * k + i] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    Some(b)
}

/// Residuals of `y` on `xs` (plus an intercept) fitted on the normal rows.
fn residuals(y: (&[f64], &[f64]), xs: &[(&[f64], &[f64])]) -> Option<(Vec<f64>, Vec<f64>)> {
    let k = xs.len() + 1;
    let n = y.0.len();
    // Centre on the normal means: the intercept is then the mean of y.
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let mx: Vec<f64> = xs.iter().map(|x| mean(x.0)).collect();
    let my = mean(y.0);
    let mut a = vec![0.0; k * k];
    let mut b = vec![0.0; k];
    a[0] = n as f64;
    b[0] = 0.0;
    for i in 0..xs.len() {
        for j in 0..=i {
            let s: f64 = xs[i]
                .0
                .iter()
                .zip(xs[j].0)
                .map(|(p, q)| (p - mx[i]) * (q - mx[j]))
                .sum();
            a[(i + 1) * k + j + 1] = s;
            a[(j + 1) * k + i + 1] = s;
        }
        b[i + 1] = xs[i]
            .0
            .iter()
            .zip(y.0)
            .map(|(p, q)| (p - mx[i]) * (q - my))
            .sum();
    }
    let beta = solve_spd(a, b, k)?;
    let predict = |row: usize, anomalous: bool| -> f64 {
        my + xs
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let v = if anomalous { x.1[row] } else { x.0[row] };
                beta[i + 1] * (v - mx[i])
            })
            .sum::<f64>()
    };
    let rn = (0..n).map(|r| y.0[r] - predict(r, false)).collect();
    let ra = (0..y.1.len()).map(|r| y.1[r] - predict(r, true)).collect();
    Some((rn, ra))
}

fn check(name: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(row) => Err(DiscoverError::NonFinite {
            column: name.to_string(),
            row,
            value: values[row],
        }),
        None => Ok(()),
    }
}

/// Scores every column: `normal[c]` and `anomalous[c]` hold column `c` in
/// each period, `parents[c]` the indices of its parents.
pub fn root_cause_scores(
    names: &[String],
    normal: &[&[f64]],
    anomalous: &[&[f64]],
    parents: &[Vec<usize>],
) -> Result<Vec<ColumnScore>> {
    let m = names.len();
    if normal.len() != m || anomalous.len() != m || parents.len() != m {
        return Err(DiscoverError::InvalidArgument {
            parameter: "columns",
            reason: format!(
                "{m} names, {} normal, {} anomalous columns and {} parent lists",
                normal.len(),
                anomalous.len(),
                parents.len()
            ),
        });
    }
    let (n, na) = match (normal.first(), anomalous.first()) {
        (Some(x), Some(y)) => (x.len(), y.len()),
        _ => {
            return Err(DiscoverError::InvalidArgument {
                parameter: "columns",
                reason: "no columns to rank".into(),
            })
        }
    };
    if n < 3 || na < 1 {
        return Err(DiscoverError::TooFewSamples {
            column: names[0].clone(),
            samples: n.min(na),
            bins: 3,
        });
    }
    for c in 0..m {
        for (values, expected) in [(normal[c], n), (anomalous[c], na)] {
            if values.len() != expected {
                return Err(DiscoverError::Length {
                    column: names[c].clone(),
                    expected,
                    found: values.len(),
                });
            }
            check(&names[c], values)?;
        }
        if let Some(&p) = parents[c].iter().find(|&&p| p >= m || p == c) {
            return Err(DiscoverError::InvalidArgument {
                parameter: "graph",
                reason: format!("parent {p} of column {:?} is not another column", names[c]),
            });
        }
    }
    let scaled: Vec<(Vec<f64>, Vec<f64>)> = (0..m)
        .into_par_iter()
        .map(|c| relative(normal[c], anomalous[c]))
        .collect();
    Ok((0..m)
        .into_par_iter()
        .map(|c| {
            let y = (&scaled[c].0[..], &scaled[c].1[..]);
            let total_shift = median(&mut y.1.to_vec()) - median(&mut y.0.to_vec());
            let mut ps = parents[c].clone();
            ps.sort_unstable();
            ps.dedup();
            // Fewer than 2 normal rows per coefficient: too few to fit, score alone.
            if ps.len() + 1 > n / 2 {
                ps.clear();
            }
            let xs: Vec<(&[f64], &[f64])> = ps
                .iter()
                .map(|&p| (&scaled[p].0[..], &scaled[p].1[..]))
                .collect();
            let (mut rn, mut ra) = if xs.is_empty() {
                (y.0.to_vec(), y.1.to_vec())
            } else {
                residuals(y, &xs).unwrap_or_else(|| (y.0.to_vec(), y.1.to_vec()))
            };
            let centre = median(&mut rn);
            let shift = median(&mut ra) - centre;
            let mut deviation: Vec<f64> = rn.iter().map(|r| (r - centre).abs()).collect();
            let mut spread = 1.4826 * median(&mut deviation);
            if spread <= 0.0 {
                let sd = (rn.iter().map(|r| (r - centre) * (r - centre)).sum::<f64>()
                    / rn.len() as f64)
                    .sqrt();
                spread = sd;
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
                rows_per_coefficient: n as f64 / (xs.len() + 1) as f64,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize, seed: u64, level: f64, noise: f64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                level + noise * (((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5)
            })
            .collect()
    }

    #[test]
    fn a_child_whose_parent_explains_its_move_scores_less_than_the_parent() {
        let n = 300;
        let cpu_n = series(n, 1, 10.0, 4.0);
        let cpu_a: Vec<f64> = series(80, 2, 40.0, 4.0);
        // latency grows with cpu, with a tiny spread of its own
        let lat = |cpu: &[f64], seed| -> Vec<f64> {
            cpu.iter()
                .zip(series(cpu.len(), seed, 0.0, 0.001))
                .map(|(c, e)| 0.02 * c.powf(0.9) + e)
                .collect()
        };
        let (lat_n, lat_a) = (lat(&cpu_n, 3), lat(&cpu_a, 4));
        let names = vec!["cpu".to_string(), "latency".to_string()];
        let normal: Vec<&[f64]> = vec![&cpu_n, &lat_n];
        let anomalous: Vec<&[f64]> = vec![&cpu_a, &lat_a];
        let with_graph =
            root_cause_scores(&names, &normal, &anomalous, &[vec![], vec![0]]).unwrap();
        assert!(with_graph[0].shift > 1.0);
        assert!(with_graph[1].shift.abs() < 0.2 * with_graph[0].shift);
        assert!(with_graph[1].total_shift > 1.0);
    }

    #[test]
    fn bad_input_is_refused() {
        let names = vec!["a".to_string()];
        let x = [1.0, 2.0, f64::NAN, 4.0];
        assert!(matches!(
            root_cause_scores(&names, &[&x], &[&[1.0]], &[vec![]]),
            Err(DiscoverError::NonFinite { row: 2, .. })
        ));
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!(root_cause_scores(&names, &[&x], &[&[1.0]], &[vec![0]]).is_err());
        assert!(root_cause_scores(&names, &[&x[..2]], &[&[1.0]], &[vec![]]).is_err());
    }
}
