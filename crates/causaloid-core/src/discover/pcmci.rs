//! PCMCI (Runge et al. 2019): causal discovery on a time series in two stages.
//!
//! 1. **PC1** — for every variable `x_j(t)`, a condition-selection PC run over
//!    its lagged candidates `x_i(t-τ)`, τ = 1..=max_lag: at level p each
//!    candidate is tested against `x_j(t)` given the p strongest *other*
//!    candidates, those with a p-value above `pc_alpha` are dropped after the
//!    level, and the rest are re-sorted by strength (largest p-value seen,
//!    smallest first). What survives is a superset of the lagged parents.
//! 2. **MCI** — every link `x_i(t-τ) → x_j(t)` (τ ≥ 1, and the
//!    contemporaneous pairs τ = 0) is tested once, conditioning on the PC1
//!    parents of `x_j(t)` *and* the parents of `x_i(t-τ)` shifted by τ
//!    (momentary conditional independence). Conditioning on both ends removes
//!    the autocorrelation that inflates false positives of plain lagged PC.
//!
//! All tests use the same rows: the window that leaves room for lags up to
//! `2 * max_lag` (parents of a lagged source reach that far). Targets in PC1
//! and links in MCI are independent and run in parallel; the result does not
//! depend on the thread count.

use super::ci_test::{CiData, CiTest};
use super::missing::{after_drop_pc, as_pc_error, complete_windows, gather, MissingRows, RowsUsed};
use super::pc::{validate_columns, Marks, PcColumn, PcError, PcOptions};
use rayon::prelude::*;

/// Settings of [`pcmci`].
#[derive(Clone, Copy, Debug)]
pub struct PcmciOptions {
    /// Level of the MCI tests: a link is kept when its p-value is at most this.
    pub alpha: f64,
    /// Level of the PC1 condition selection (larger keeps more conditions).
    pub pc_alpha: f64,
    pub test: CiTest,
    /// Largest lag τ considered (at least 1).
    pub max_lag: usize,
    /// Largest conditioning set tried in PC1; `None` for no bound.
    pub max_conds: Option<usize>,
    /// Also test contemporaneous pairs (τ = 0); they stay unoriented.
    pub contemporaneous: bool,
}

/// One tested link `source` (variable, lag) → `target` variable at time t.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PcmciLink {
    pub source: usize,
    pub lag: usize,
    pub target: usize,
    pub p_value: f64,
}

/// What [`pcmci`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct PcmciResult {
    /// Graph over the nodes `lag * columns + variable`, lag 0..=max_lag:
    /// significant lagged links point into the present, contemporaneous ones
    /// are undirected.
    pub marks: Marks,
    /// Per variable, its PC1 parents `(variable, lag)`, strongest first.
    pub parents: Vec<Vec<(usize, usize)>>,
    /// Every MCI test, in (target, lag, source) order.
    pub links: Vec<PcmciLink>,
    /// Number of conditional-independence tests run (both stages).
    pub tests: usize,
}

fn check_level(parameter: &'static str, value: f64) -> Result<(), PcError> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(PcError::InvalidArgument {
            parameter,
            reason: format!("must lie strictly between 0 and 1, got {value}"),
        })
    }
}

/// p-value of `x ⫫ y | s`, refusing conditioning sets too large for the rows.
fn test_once(data: &CiData, test: CiTest, x: usize, y: usize, s: &[usize]) -> Result<f64, PcError> {
    let rows = data.rows();
    if test == CiTest::FisherZ && rows < s.len() + 4 {
        return Err(PcError::TooFewRows {
            rows,
            depth: s.len(),
            needed: s.len() + 4,
            test: test.name(),
        });
    }
    data.p_value(test, x, y, s)
}

/// PC1 for the variable at node `target` (lag 0): its lagged parents as
/// window nodes, strongest first, and the number of tests run.
fn pc1(
    data: &CiData,
    opts: &PcmciOptions,
    vars: usize,
    target: usize,
) -> Result<(Vec<usize>, usize), PcError> {
    // (node, largest p-value seen); sorted strongest (smallest) first, ties by node.
    let mut current: Vec<(usize, f64)> = (vars..vars * (opts.max_lag + 1))
        .map(|node| (node, 0.0))
        .collect();
    let mut tests = 0;
    let mut level = 0;
    while level < current.len() && opts.max_conds.is_none_or(|m| level <= m) {
        let order: Vec<usize> = current.iter().map(|c| c.0).collect();
        let mut keep = Vec::with_capacity(current.len());
        for (node, worst) in current.iter_mut() {
            let conds: Vec<usize> = order
                .iter()
                .copied()
                .filter(|&c| c != *node)
                .take(level)
                .collect();
            let p = test_once(data, opts.test, *node, target, &conds)?;
            tests += 1;
            if p > *worst {
                *worst = p;
            }
            keep.push(p <= opts.pc_alpha);
        }
        let mut flags = keep.into_iter();
        current.retain(|_| flags.next().unwrap_or(false));
        current.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        level += 1;
    }
    Ok((current.into_iter().map(|c| c.0).collect(), tests))
}

/// PCMCI on named columns read as a time series (rows in time order).
pub fn pcmci(columns: &[PcColumn<'_>], opts: &PcmciOptions) -> Result<PcmciResult, PcError> {
    pcmci_with(columns, opts, MissingRows::Raise).map(|(r, _)| r)
}

/// [`pcmci`] under a missing-value policy: with `Drop`, every sample whose
/// window (`2 * max_lag + 1` rows: a lagged source's parents reach that far)
/// holds a missing value is left out (see `missing.rs`).
pub fn pcmci_with(
    columns: &[PcColumn<'_>],
    opts: &PcmciOptions,
    missing: MissingRows,
) -> Result<(PcmciResult, RowsUsed), PcError> {
    let drop = missing == MissingRows::Drop;
    check_level("alpha", opts.alpha)?;
    check_level("pc_alpha", opts.pc_alpha)?;
    if opts.max_lag == 0 {
        return Err(PcError::InvalidArgument {
            parameter: "max_lag",
            reason: "PCMCI needs max_lag >= 1 (lagged links are what it learns)".into(),
        });
    }
    if columns.is_empty() {
        return Err(PcError::InvalidArgument {
            parameter: "table",
            reason: "needs at least one column".into(),
        });
    }
    let vars = columns.len();
    let rows = columns[0].values.len();
    for c in columns {
        if c.values.len() != rows {
            return Err(PcError::Length {
                column: c.name.to_string(),
                expected: rows,
                found: c.values.len(),
            });
        }
    }
    let span = opts
        .max_lag
        .checked_mul(2)
        .ok_or(PcError::InvalidArgument {
            parameter: "max_lag",
            reason: "too large".into(),
        })?;
    // Name a NaN or a constant column by the caller's column and row, not
    // by a lagged copy.
    for c in columns {
        if let Some((row, &value)) = c
            .values
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() || (drop && v.is_nan())))
        {
            return Err(PcError::NonFinite {
                column: c.name.to_string(),
                row,
                value,
            });
        }
        if let Some(&first) = c.values.first() {
            if c.values.iter().all(|&v| v == first) {
                return Err(PcError::Constant {
                    column: c.name.to_string(),
                    value: first,
                });
            }
        }
    }
    if rows <= span + 3 {
        return Err(PcError::TooFewRowsForLags {
            rows,
            max_lag: opts.max_lag,
            needed: span + 4,
        });
    }
    let keep = if drop {
        let raw: Vec<&[f64]> = columns.iter().map(|c| c.values).collect();
        Some(complete_windows(&raw, rows, span).map_err(as_pc_error)?)
    } else {
        None
    };
    let all = rows - span;
    let window = keep.as_ref().map_or(all, Vec::len);
    let used = RowsUsed {
        used: window,
        dropped: all - window,
    };
    if window <= 3 {
        return Err(PcError::TooFewAfterDrop {
            used: window,
            dropped: used.dropped,
            reason: format!(
                "PCMCI with max_lag {} needs at least 4 complete windows of {} rows",
                opts.max_lag,
                span + 1
            ),
        });
    }
    let nodes = vars.checked_mul(span + 1).ok_or(PcError::InvalidArgument {
        parameter: "max_lag",
        reason: "too many lagged columns".into(),
    })?;
    let mut names: Vec<String> = Vec::new();
    names
        .try_reserve_exact(nodes)
        .map_err(|_| PcError::InvalidArgument {
            parameter: "max_lag",
            reason: format!("cannot allocate {nodes} lagged columns"),
        })?;
    for lag in 0..=span {
        for c in columns {
            names.push(if lag == 0 {
                format!("{}(t)", c.name)
            } else {
                format!("{}(t-{lag})", c.name)
            });
        }
    }
    let owned: Vec<Vec<f64>> = match &keep {
        Some(k) => (0..nodes)
            .map(|node| gather(columns[node % vars].values, k, span - node / vars))
            .collect::<Result<_, _>>()
            .map_err(as_pc_error)?,
        None => Vec::new(),
    };
    let lagged: Vec<PcColumn<'_>> = (0..nodes)
        .map(|node| {
            let (lag, var) = (node / vars, node % vars);
            PcColumn {
                name: names[node].as_str(),
                values: match owned.get(node) {
                    Some(o) => o.as_slice(),
                    None => &columns[var].values[span - lag..span - lag + window],
                },
            }
        })
        .collect();
    validate_columns(
        &lagged,
        &PcOptions {
            alpha: opts.alpha,
            test: opts.test,
            max_depth: None,
        },
    )
    .map_err(|e| after_drop_pc(e, used))?;
    let values: Vec<&[f64]> = lagged.iter().map(|c| c.values).collect();
    let data = match opts.test {
        CiTest::FisherZ => CiData::gaussian(&values, window)?,
        CiTest::ChiSquare | CiTest::GSquare => CiData::discrete(&values, window)?,
    };

    let stage1: Vec<(Vec<usize>, usize)> = (0..vars)
        .into_par_iter()
        .map(|j| pc1(&data, opts, vars, j))
        .collect::<Result<_, _>>()?;
    let mut tests: usize = stage1.iter().map(|s| s.1).sum();
    let parents: Vec<Vec<usize>> = stage1.into_iter().map(|s| s.0).collect();

    let first_lag = if opts.contemporaneous { 0 } else { 1 };
    let candidates: Vec<(usize, usize, usize)> = (0..vars)
        .flat_map(|j| {
            (first_lag..=opts.max_lag).flat_map(move |lag| {
                (0..vars)
                    .filter(move |&i| lag > 0 || i < j)
                    .map(move |i| (j, lag, i))
            })
        })
        .collect();
    let links: Vec<PcmciLink> = candidates
        .par_iter()
        .map(|&(j, lag, i)| {
            let source = lag * vars + i;
            let mut conds: Vec<usize> = parents[j]
                .iter()
                .copied()
                .filter(|&p| p != source)
                .collect();
            // Parents of the source, shifted back by its lag (and, for a
            // contemporaneous pair, the source's own parents).
            conds.extend(parents[i].iter().map(|&p| p + lag * vars));
            conds.sort_unstable();
            conds.dedup();
            let p_value = test_once(&data, opts.test, source, j, &conds)?;
            Ok(PcmciLink {
                source: i,
                lag,
                target: j,
                p_value,
            })
        })
        .collect::<Result<_, PcError>>()?;
    tests += links.len();

    let out_nodes = vars * (opts.max_lag + 1);
    let mut marks = Marks::empty(out_nodes);
    for link in links.iter().filter(|l| l.p_value <= opts.alpha) {
        if link.lag == 0 {
            marks.set_undirected(link.source, link.target);
        } else {
            marks.set_directed(link.lag * vars + link.source, link.target);
        }
    }
    let parents = parents
        .into_iter()
        .map(|ps| ps.into_iter().map(|p| (p % vars, p / vars)).collect())
        .collect();
    Ok((
        PcmciResult {
            marks,
            parents,
            links,
            tests,
        },
        used,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::discover::test_data::normal;

    /// x(t) = 0.7 x(t-1) + e; y(t) = 0.6 y(t-1) + 0.5 x(t-2) + e; z independent, autocorrelated.
    fn series(rows: usize) -> Vec<Vec<f64>> {
        let mut seed = 7;
        let (mut x, mut y, mut z) = (vec![0.0; rows], vec![0.0; rows], vec![0.0; rows]);
        for t in 2..rows {
            x[t] = 0.7 * x[t - 1] + normal(&mut seed);
            y[t] = 0.6 * y[t - 1] + 0.5 * x[t - 2] + normal(&mut seed);
            z[t] = 0.8 * z[t - 1] + normal(&mut seed);
        }
        vec![x, y, z]
    }

    fn options(max_lag: usize) -> PcmciOptions {
        PcmciOptions {
            alpha: 0.01,
            pc_alpha: 0.2,
            test: CiTest::FisherZ,
            max_lag,
            max_conds: None,
            contemporaneous: true,
        }
    }

    #[test]
    fn pcmci_finds_the_lagged_links_of_a_var_process() {
        let data = series(3000);
        let names = ["x", "y", "z"];
        let cols: Vec<PcColumn<'_>> = data
            .iter()
            .zip(names)
            .map(|(v, name)| PcColumn { name, values: v })
            .collect();
        let result = pcmci(&cols, &options(3)).expect("learns");
        let (directed, undirected) = result.marks.edges();
        // Node lag * 3 + variable: x(t-1)=3, y(t-1)=4, z(t-1)=5, x(t-2)=6.
        let mut expected = vec![(3, 0), (4, 1), (5, 2), (6, 1)];
        expected.sort_unstable();
        let mut got = directed.clone();
        got.sort_unstable();
        assert_eq!(got, expected);
        assert!(undirected.is_empty());
        // PC1 keeps a superset of y's parents x(t-2) and y(t-1).
        assert!(result.parents[1].contains(&(0, 2)) && result.parents[1].contains(&(1, 1)));
        // Every lagged pair and every contemporaneous pair is tested once.
        assert_eq!(result.links.len(), 3 * 3 * 3 + 3);
    }

    #[test]
    fn pcmci_refuses_bad_settings() {
        let data = series(50);
        let cols = [
            PcColumn {
                name: "x",
                values: &data[0],
            },
            PcColumn {
                name: "y",
                values: &data[1],
            },
        ];
        assert!(matches!(
            pcmci(&cols, &options(0)),
            Err(PcError::InvalidArgument {
                parameter: "max_lag",
                ..
            })
        ));
        assert!(matches!(
            pcmci(&cols, &options(30)),
            Err(PcError::TooFewRowsForLags { needed: 64, .. })
        ));
        let mut bad = options(1);
        bad.pc_alpha = 1.5;
        assert!(matches!(
            pcmci(&cols, &bad),
            Err(PcError::InvalidArgument {
                parameter: "pc_alpha",
                ..
            })
        ));
    }
}
