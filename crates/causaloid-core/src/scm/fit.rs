//! Fitting a model's equations from data: ordinary least squares (by
//! Householder QR, which stays accurate when parents are correlated) for
//! linear variables, and an empirical noise distribution from the residuals
//! of every variable.

use super::kernel::Finish;
use super::{Equation, Noise, Scm, ScmError};

impl Scm {
    /// A new model fitted to `table` (one column per variable; extra columns
    /// are ignored). Linear variables — declared without an equation, or
    /// with linear coefficients — get least-squares coefficients with an
    /// intercept; every variable with noise gets the empirical distribution
    /// of its residuals. `self` is unchanged.
    pub fn fit(&self, table: &[(&str, &[f64])]) -> Result<Scm, ScmError> {
        if !self.interventions.is_empty() {
            return Err(ScmError::InvalidArgument {
                name: "fit",
                message:
                    "fit the model before do(): an intervened model describes no observed data"
                        .into(),
            });
        }
        let (cols, n) = self.resolve(table, "table")?;
        for &k in &self.order {
            if let Some(row) = cols[k].iter().position(|x| !x.is_finite()) {
                return Err(ScmError::Fit {
                    node: self.names[k].clone(),
                    message: format!("the value at row {row} is {}", cols[k][row]),
                });
            }
        }
        let mut out = self.clone();
        for &k in &self.order {
            let equation = match &self.equations[k] {
                Equation::Unfitted | Equation::Linear { .. } => {
                    let parents: Vec<&[f64]> = self.parents[k].iter().map(|&p| cols[p]).collect();
                    let (intercept, coefs) =
                        least_squares(&parents, cols[k], n).map_err(|message| ScmError::Fit {
                            node: self.names[k].clone(),
                            message,
                        })?;
                    Equation::Linear { intercept, coefs }
                }
                other => other.clone(),
            };
            let takes_noise = matches!(
                equation,
                Equation::External {
                    takes_noise: true,
                    ..
                }
            );
            if takes_noise {
                return Err(ScmError::Fit {
                    node: self.names[k].clone(),
                    message: "its equation takes the noise as an argument, so residuals do not define its noise".into(),
                });
            }
            let mut fitted = vec![0.0; n];
            out.compute(k, &equation, &cols, Finish::Store, &mut fitted)?;
            let residuals: Vec<f64> = cols[k].iter().zip(&fitted).map(|(x, f)| x - f).collect();
            if let Some(r) = residuals.iter().find(|r| !r.is_finite()) {
                return Err(ScmError::Fit {
                    node: self.names[k].clone(),
                    message: format!("the equation gives a non-finite residual ({r})"),
                });
            }
            out.equations[k] = equation;
            out.noises[k] = Noise::empirical(residuals);
        }
        Ok(out)
    }
}

/// Least squares `y ≈ b0 + Σ b_j x_j` by Householder QR of `[1, x_1, ...]`.
pub(crate) fn least_squares(xs: &[&[f64]], y: &[f64], n: usize) -> Result<(f64, Vec<f64>), String> {
    let p = xs.len() + 1;
    if n < p {
        return Err(format!(
            "{n} rows cannot determine {p} coefficients (intercept and {} parents)",
            p - 1
        ));
    }
    // Column-major design matrix.
    let mut a: Vec<Vec<f64>> = Vec::with_capacity(p);
    a.push(vec![1.0; n]);
    for x in xs {
        a.push(x.to_vec());
    }
    let mut b = y.to_vec();
    let scale = a
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .fold(0.0_f64, f64::max);
    for j in 0..p {
        let norm = a[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= 1e-12 * scale.max(f64::MIN_POSITIVE) {
            return Err(
                "its parents are collinear (or constant), so the coefficients are not identifiable"
                    .into(),
            );
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[j][j..].to_vec();
        v[0] -= alpha;
        let vnorm2 = v.iter().map(|t| t * t).sum::<f64>();
        if vnorm2 > 0.0 {
            for col in a.iter_mut().skip(j) {
                let dot: f64 = v.iter().zip(&col[j..]).map(|(s, t)| s * t).sum();
                let f = 2.0 * dot / vnorm2;
                for (c, s) in col[j..].iter_mut().zip(&v) {
                    *c -= f * s;
                }
            }
            let dot: f64 = v.iter().zip(&b[j..]).map(|(s, t)| s * t).sum();
            let f = 2.0 * dot / vnorm2;
            for (c, s) in b[j..].iter_mut().zip(&v) {
                *c -= f * s;
            }
        }
    }
    // Back substitution on R (upper triangle of the first p rows).
    let mut coef = vec![0.0; p];
    for i in (0..p).rev() {
        let mut s = b[i];
        for j in i + 1..p {
            s -= a[j][i] * coef[j];
        }
        coef[i] = s / a[i][i];
    }
    let intercept = coef[0];
    Ok((intercept, coef[1..].to_vec()))
}
