//! Missing values in discovery: `missing="raise"` (a NaN in a used column is
//! a `MissingValueError` naming its column and row) or `missing="drop"`
//! (listwise deletion: every row with a NaN in any column the method uses is
//! left out, and the result says how many rows were dropped and used).
//!
//! Time-lagged methods (SURD with `lag`, lagged PC, PCMCI) drop *samples*,
//! not rows: a sample is the window of rows it reads (`t - span ..= t`), and
//! a window that holds a missing cell is left out while the others keep
//! their true time offsets. Closing the gap instead (deleting the row and
//! shifting the later rows up) would pair values that were never `lag` rows
//! apart. So one missing cell removes up to `span + 1` samples.
//!
//! Only NaN is missing: an infinity is still a `NonFiniteError`.

use super::boss::{boss, BossResult};
use super::columns::{surd_from_columns, surd_from_columns_tested, Column, ColumnsSurd};
use super::error::{DiscoverError, Result};
use super::ges::{ges, GesOptions, GesResult};
use super::mrmr::{mrmr, MrmrResult, Relevance};
use super::null::SurdSignificance;
use super::pc::{pc, pc_lagged, pc_lagged_kept, PcColumn, PcError, PcOptions, PcResult};
use super::rca::{root_cause_scores, ColumnScore};

/// What discovery does with a row that has a missing value (NaN).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingRows {
    /// A missing value raises (the default).
    #[default]
    Raise,
    /// Rows (samples) with a missing value are left out.
    Drop,
}

impl MissingRows {
    /// `"raise"` or `"drop"`; anything else is an `InvalidArgument` naming
    /// the `missing` parameter.
    pub fn from_name(name: &str) -> Result<MissingRows> {
        match name {
            "raise" => Ok(MissingRows::Raise),
            "drop" => Ok(MissingRows::Drop),
            other => Err(DiscoverError::InvalidArgument {
                parameter: "missing",
                reason: format!("{other:?} is not one of \"raise\", \"drop\""),
            }),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MissingRows::Raise => "raise",
            MissingRows::Drop => "drop",
        }
    }
}

/// How many rows (samples, for a time-lagged method) a discovery used and
/// how many `missing="drop"` left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowsUsed {
    pub used: usize,
    pub dropped: usize,
}

/// The starts `w` of the windows `w ..= w + span` of rows (of columns of
/// equal length `rows`) that hold no NaN in any column, in order. With
/// `span = 0`, the complete rows.
pub fn complete_windows(columns: &[&[f64]], rows: usize, span: usize) -> Result<Vec<usize>> {
    let windows = rows.saturating_sub(span);
    // The last row with a NaN at or before each row, over every column.
    let mut bad = vec_of(rows, false)?;
    for c in columns {
        for (b, x) in bad.iter_mut().zip(c.iter()) {
            *b |= x.is_nan();
        }
    }
    let mut keep = Vec::new();
    keep.try_reserve_exact(windows)
        .map_err(|_| too_large("rows", windows))?;
    // Rows since the last NaN, sliding over the rows.
    let mut clean_run = 0usize;
    for (t, &b) in bad.iter().enumerate() {
        clean_run = if b { 0 } else { clean_run + 1 };
        if t >= span && clean_run > span {
            keep.push(t - span);
        }
    }
    Ok(keep)
}

/// `values[offset + k]` for each kept window start `k`.
pub fn gather(values: &[f64], keep: &[usize], offset: usize) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    out.try_reserve_exact(keep.len())
        .map_err(|_| too_large("rows", keep.len()))?;
    out.extend(
        keep.iter()
            .map(|&k| values.get(k + offset).copied().unwrap_or(f64::NAN)),
    );
    Ok(out)
}

fn vec_of<T: Clone>(n: usize, x: T) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| too_large("rows", n))?;
    v.resize(n, x);
    Ok(v)
}

fn too_large(parameter: &'static str, n: usize) -> DiscoverError {
    DiscoverError::InvalidArgument {
        parameter,
        reason: format!("cannot allocate {n} rows"),
    }
}

/// The message of a drop that left too few rows (samples).
pub(crate) fn too_few_after_drop(used: usize, dropped: usize, reason: &str) -> String {
    format!(
        "missing=\"drop\" left out {dropped} rows with a missing value and kept {used}, too few: \
         {reason}; fill the missing values instead (for example Pipeline.clean), or add rows"
    )
}

/// An allocation failure of this module as a structure-learning error.
pub(crate) fn as_pc_error(e: DiscoverError) -> PcError {
    match e {
        DiscoverError::InvalidArgument { parameter, reason } => {
            PcError::InvalidArgument { parameter, reason }
        }
        other => PcError::InvalidArgument {
            parameter: "missing",
            reason: other.to_string(),
        },
    }
}

/// After a drop, "too few rows" says so (a column left constant is still
/// named as such: a `ConstantColumnError`).
pub(crate) fn after_drop_pc(e: PcError, used: RowsUsed) -> PcError {
    if used.dropped == 0 {
        return e;
    }
    match e {
        PcError::TooFewRows { .. }
        | PcError::TooFewRowsForLags { .. }
        | PcError::Constant { .. } => PcError::TooFewAfterDrop {
            used: used.used,
            dropped: used.dropped,
            reason: e.to_string(),
        },
        other => other,
    }
}

/// [`after_drop_pc`] for the binning and selection kernels.
pub(crate) fn after_drop(e: DiscoverError, used: RowsUsed) -> DiscoverError {
    if used.dropped == 0 {
        return e;
    }
    match e {
        DiscoverError::TooFewSamples { .. } => DiscoverError::TooFewAfterDrop {
            used: used.used,
            dropped: used.dropped,
            reason: e.to_string(),
        },
        DiscoverError::InvalidArgument { parameter, reason }
            if parameter == "lag" || parameter == "samples" =>
        {
            DiscoverError::TooFewAfterDrop {
                used: used.used,
                dropped: used.dropped,
                reason: format!("invalid {parameter}: {reason}"),
            }
        }
        other => other,
    }
}

/// A row of the kept rows named by its row in the caller's table (`keep`
/// maps kept position to window start; `offset` is the column's lag).
fn remap_discover(
    e: DiscoverError,
    keep: &[usize],
    offset: impl Fn(&str) -> usize,
) -> DiscoverError {
    e.map_row(|column, row| keep.get(row).map_or(row, |&k| k + offset(column)))
}

fn remap_pc(e: PcError, keep: &[usize]) -> PcError {
    match e {
        PcError::NonFinite { column, row, value } => PcError::NonFinite {
            row: keep.get(row).copied().unwrap_or(row),
            column,
            value,
        },
        other => other,
    }
}

/// Complete rows of `columns` under `missing`: `None` when nothing is
/// dropped (the caller's columns are used as they are).
fn kept_rows(columns: &[&[f64]], rows: usize, missing: MissingRows) -> Result<Option<Vec<usize>>> {
    if missing == MissingRows::Raise || !columns.iter().any(|c| c.iter().any(|x| x.is_nan())) {
        return Ok(None);
    }
    complete_windows(columns, rows, 0).map(Some)
}

/// The complete rows of `columns` (of equal length) under `missing`: `None`
/// when nothing is dropped (read the columns as they are), else each
/// column's values on the rows with no NaN in any column. A partition's
/// statistics (mRMR on Dask / Ray) read these, so the partitions drop the
/// collected table's dropped rows: a row's completeness is its own.
pub fn complete_rows(columns: &[&[f64]], missing: MissingRows) -> Result<Option<Vec<Vec<f64>>>> {
    let n = columns.first().map_or(0, |c| c.len());
    if columns.iter().any(|c| c.len() != n) {
        // Lengths are the statistics' own check.
        return Ok(None);
    }
    match kept_rows(columns, n, missing)? {
        None => Ok(None),
        Some(keep) => columns
            .iter()
            .map(|c| gather(c, &keep, 0))
            .collect::<Result<Vec<_>>>()
            .map(Some),
    }
}

/// SURD from columns (see [`super::surd_from_columns`]) under `missing`,
/// tested against `permutations` shuffles when above zero. With `Drop`, a
/// sample (the agents at `t`, the target at `t + lag`) with a missing value
/// is left out; the other samples keep their pairing.
#[allow(clippy::too_many_arguments)]
pub fn surd_from_columns_missing(
    target: &Column<'_>,
    agents: &[Column<'_>],
    lag: usize,
    max_order: Option<usize>,
    permutations: usize,
    seed: u64,
    missing: MissingRows,
) -> Result<(ColumnsSurd, Option<SurdSignificance>, RowsUsed)> {
    let run = |target: &Column<'_>, agents: &[Column<'_>], lag: usize| {
        if permutations == 0 {
            surd_from_columns(target, agents, lag, max_order).map(|s| (s, None))
        } else {
            surd_from_columns_tested(target, agents, lag, max_order, permutations, seed)
                .map(|(s, t)| (s, Some(t)))
        }
    };
    let n = target.values.len();
    let nan = |c: &Column<'_>| c.values.iter().any(|x| x.is_nan());
    if missing == MissingRows::Raise
        || lag >= n
        || agents.iter().any(|a| a.values.len() != n)
        || !(nan(target) || agents.iter().any(nan))
    {
        let (s, t) = run(target, agents, lag)?;
        let used = RowsUsed {
            used: s.samples,
            dropped: 0,
        };
        return Ok((s, t, used));
    }
    let samples = n - lag;
    // Sample `s` reads the agents at row `s` and the target at row `s + lag`:
    // the target shifted back by `lag` lines them up as one row.
    let mut cols: Vec<&[f64]> = agents.iter().map(|a| &a.values[..samples]).collect();
    cols.push(&target.values[lag..]);
    let keep = complete_windows(&cols, samples, 0)?;
    let used = RowsUsed {
        used: keep.len(),
        dropped: samples - keep.len(),
    };
    let owned_target = gather(target.values, &keep, lag)?;
    let owned_agents = agents
        .iter()
        .map(|a| gather(a.values, &keep, 0))
        .collect::<Result<Vec<_>>>()?;
    let t = Column {
        name: target.name,
        values: &owned_target,
        bins: target.bins.clone(),
    };
    let a: Vec<Column<'_>> = agents
        .iter()
        .zip(&owned_agents)
        .map(|(c, v)| Column {
            name: c.name,
            values: v,
            bins: c.bins.clone(),
        })
        .collect();
    if keep.is_empty() {
        return Err(DiscoverError::TooFewAfterDrop {
            used: 0,
            dropped: used.dropped,
            reason: "no complete sample is left".into(),
        });
    }
    let (s, sig) = run(&t, &a, 0)
        .map_err(|e| remap_discover(e, &keep, |c| if c == target.name { lag } else { 0 }))
        .map_err(|e| after_drop(e, used))?;
    Ok((s, sig, used))
}

/// mRMR (see [`super::mrmr`]) under `missing`: with `Drop`, on the rows
/// complete in every feature and the target.
pub fn mrmr_missing(
    names: &[String],
    features: &[&[f64]],
    target_name: &str,
    target: &[f64],
    k: usize,
    relevance: Relevance,
    missing: MissingRows,
) -> Result<(MrmrResult, RowsUsed)> {
    let n = target.len();
    let mut cols: Vec<&[f64]> = features.to_vec();
    cols.push(target);
    let lengths_agree = features.iter().all(|f| f.len() == n);
    let keep = if lengths_agree {
        kept_rows(&cols, n, missing)?
    } else {
        None
    };
    let Some(keep) = keep else {
        let r = mrmr(names, features, target_name, target, k, relevance)?;
        return Ok((
            r,
            RowsUsed {
                used: n,
                dropped: 0,
            },
        ));
    };
    let used = RowsUsed {
        used: keep.len(),
        dropped: n - keep.len(),
    };
    let owned = features
        .iter()
        .map(|f| gather(f, &keep, 0))
        .collect::<Result<Vec<_>>>()?;
    let refs: Vec<&[f64]> = owned.iter().map(Vec::as_slice).collect();
    let t = gather(target, &keep, 0)?;
    let r = mrmr(names, &refs, target_name, &t, k, relevance)
        .map_err(|e| remap_discover(e, &keep, |_| 0))
        .map_err(|e| after_drop(e, used))?;
    Ok((r, used))
}

/// Root-cause scores (see [`super::root_cause_scores`]) under `missing`:
/// with `Drop`, each period keeps its rows complete in every column; the
/// counts add both periods.
pub fn root_cause_scores_missing(
    names: &[String],
    normal: &[&[f64]],
    anomalous: &[&[f64]],
    parents: &[Vec<usize>],
    missing: MissingRows,
) -> Result<(Vec<ColumnScore>, RowsUsed)> {
    let period = |cols: &[&[f64]]| -> Result<(Option<Vec<Vec<f64>>>, RowsUsed)> {
        let n = cols.first().map_or(0, |c| c.len());
        if cols.iter().any(|c| c.len() != n) {
            return Ok((
                None,
                RowsUsed {
                    used: n,
                    dropped: 0,
                },
            ));
        }
        match kept_rows(cols, n, missing)? {
            None => Ok((
                None,
                RowsUsed {
                    used: n,
                    dropped: 0,
                },
            )),
            Some(keep) => {
                let owned = cols
                    .iter()
                    .map(|c| gather(c, &keep, 0))
                    .collect::<Result<Vec<_>>>()?;
                Ok((
                    Some(owned),
                    RowsUsed {
                        used: keep.len(),
                        dropped: n - keep.len(),
                    },
                ))
            }
        }
    };
    let (xs, ux) = period(normal)?;
    let (ys, uy) = period(anomalous)?;
    let used = RowsUsed {
        used: ux.used + uy.used,
        dropped: ux.dropped + uy.dropped,
    };
    let xr: Vec<&[f64]> = match &xs {
        Some(o) => o.iter().map(Vec::as_slice).collect(),
        None => normal.to_vec(),
    };
    let yr: Vec<&[f64]> = match &ys {
        Some(o) => o.iter().map(Vec::as_slice).collect(),
        None => anomalous.to_vec(),
    };
    let scores = root_cause_scores(names, &xr, &yr, parents).map_err(|e| after_drop(e, used))?;
    Ok((scores, used))
}

/// The structure learners of [`learn_graph`].
#[derive(Clone, Copy, Debug)]
pub enum Learner<'o> {
    Pc(&'o PcOptions, Option<usize>),
    Ges(&'o GesOptions),
    Boss(&'o GesOptions),
}

/// What [`learn_graph`] learned.
#[derive(Clone, Debug)]
pub enum Learned {
    Pc(PcResult),
    Ges(GesResult),
    Boss(BossResult),
}

/// PC (lagged with `max_lag`), GES or BOSS under `missing`: with `Drop`, on
/// the complete rows (PC with `max_lag`: the complete windows of
/// `max_lag + 1` rows).
pub fn learn_graph(
    columns: &[PcColumn<'_>],
    learner: Learner<'_>,
    missing: MissingRows,
) -> Result<(Learned, RowsUsed), PcError> {
    let rows = columns.first().map_or(0, |c| c.values.len());
    let span = match learner {
        Learner::Pc(_, Some(lag)) => lag,
        _ => 0,
    };
    let raw: Vec<&[f64]> = columns.iter().map(|c| c.values).collect();
    let any_nan = raw.iter().any(|c| c.iter().any(|x| x.is_nan()));
    let ragged = raw.iter().any(|c| c.len() != rows);
    let all = rows.saturating_sub(span);
    if missing == MissingRows::Raise || !any_nan || ragged || rows <= span + 1 {
        let learned = match learner {
            Learner::Pc(o, None) => Learned::Pc(pc(columns, o)?),
            Learner::Pc(o, Some(lag)) => Learned::Pc(pc_lagged(columns, lag, o)?),
            Learner::Ges(o) => Learned::Ges(ges(columns, o)?),
            Learner::Boss(o) => Learned::Boss(boss(columns, o)?),
        };
        return Ok((
            learned,
            RowsUsed {
                used: all,
                dropped: 0,
            },
        ));
    }
    let keep = complete_windows(&raw, rows, span).map_err(as_pc_error)?;
    let used = RowsUsed {
        used: keep.len(),
        dropped: all - keep.len(),
    };
    if let Learner::Pc(o, Some(lag)) = learner {
        // Infinities are named by their row in the caller's table.
        if let Some((c, row, value)) = columns.iter().find_map(|c| {
            c.values
                .iter()
                .position(|x| x.is_infinite())
                .map(|r| (c.name, r, c.values[r]))
        }) {
            return Err(PcError::NonFinite {
                column: c.to_string(),
                row,
                value,
            });
        }
        let r = pc_lagged_kept(columns, lag, o, Some(&keep)).map_err(|e| after_drop_pc(e, used))?;
        return Ok((Learned::Pc(r), used));
    }
    let owned = raw
        .iter()
        .map(|c| gather(c, &keep, 0))
        .collect::<Result<Vec<_>>>()
        .map_err(as_pc_error)?;
    let cols: Vec<PcColumn<'_>> = columns
        .iter()
        .zip(&owned)
        .map(|(c, v)| PcColumn {
            name: c.name,
            values: v,
        })
        .collect();
    let learned = match learner {
        Learner::Pc(o, _) => pc(&cols, o).map(Learned::Pc),
        Learner::Ges(o) => ges(&cols, o).map(Learned::Ges),
        Learner::Boss(o) => boss(&cols, o).map(Learned::Boss),
    }
    .map_err(|e| remap_pc(e, &keep))
    .map_err(|e| after_drop_pc(e, used))?;
    Ok((learned, used))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_parse_and_garbage_names_the_parameter() {
        assert_eq!(MissingRows::from_name("drop"), Ok(MissingRows::Drop));
        assert_eq!(MissingRows::from_name("raise"), Ok(MissingRows::Raise));
        match MissingRows::from_name("skip") {
            Err(DiscoverError::InvalidArgument { parameter, .. }) => {
                assert_eq!(parameter, "missing")
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_missing_cell_removes_every_window_that_reads_it() {
        let a = [1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0, 7.0];
        let b = [1.0; 7];
        assert_eq!(
            complete_windows(&[&a, &b], 7, 0).unwrap(),
            vec![0, 1, 3, 4, 5, 6]
        );
        // Windows of 2 rows: those starting at 1 and 2 read row 2.
        assert_eq!(complete_windows(&[&a, &b], 7, 1).unwrap(), vec![0, 3, 4, 5]);
        assert_eq!(gather(&a, &[0, 3], 1).unwrap(), vec![2.0, 5.0]);
    }

    proptest! {
        #[test]
        fn kept_windows_are_exactly_those_without_a_missing_cell(
            cells in proptest::collection::vec(prop_oneof![Just(f64::NAN), -5.0f64..5.0], 0..60),
            span in 0usize..4,
        ) {
            let rows = cells.len() / 2;
            let (a, b) = cells.split_at(rows);
            let b = &b[..rows];
            let keep = complete_windows(&[a, b], rows, span).unwrap();
            let want: Vec<usize> = (0..rows.saturating_sub(span))
                .filter(|&w| (w..=w + span).all(|t| !a[t].is_nan() && !b[t].is_nan()))
                .collect();
            prop_assert_eq!(keep, want);
        }
    }
}
