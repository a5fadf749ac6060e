//! Bindings of SURD on partitions (`causaloid.dask`, `causaloid.ray`): each
//! partition's ranges and joint counts, merged and decomposed by the engine.

use causaloid_core::discover::{
    complete_rows, merge_counts, merge_ranges, mrmr_from_class_stats, mrmr_from_comoments,
    mrmr_from_mi_counts, partition_counts, partition_ranges, rca_centres, rca_finish, rca_fit,
    rca_histograms, rca_moments, rca_offsets, rca_ranges, rca_square_sums, surd_from_counts,
    surd_from_counts_tested, BinSpec, ClassStats, CoMoments, DiscoverError, MiCounts, MiPlan,
    MiRanges, MissingRows, MrmrResult, Partition, RadixSelect, RcaFit,
};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::discover::{result_to_dict, significance_to_dict, slice, spec};
use crate::errors::{to_pyerr, IntoPy};

type Ranges = Vec<Option<(f64, f64)>>;

fn specs(bins: Vec<usize>, edges: Vec<Option<Vec<f64>>>) -> PyResult<Vec<BinSpec>> {
    if bins.len() != edges.len() {
        return Err(PyValueError::new_err("bins and edges differ in length"));
    }
    Ok(bins
        .into_iter()
        .zip(edges)
        .map(|(b, e)| spec(b, e))
        .collect())
}

fn partition<'a>(
    py: Python<'_>,
    agents: &'a [PyReadonlyArray1<'_, f64>],
    target: &'a PyReadonlyArray1<'_, f64>,
    halo: &'a PyReadonlyArray1<'_, f64>,
    lag: usize,
    samples: usize,
    missing: &str,
) -> PyResult<Partition<'a>> {
    let missing = MissingRows::from_name(missing).py(py)?;
    Ok(Partition {
        agents: agents
            .iter()
            .map(|a| slice(a, "agent"))
            .collect::<PyResult<_>>()?,
        target: slice(target, "target")?,
        halo: slice(halo, "halo")?,
        lag,
        samples,
        missing,
    })
}

/// Each column's (min, max) over a partition's samples (agents, then target).
#[pyfunction]
#[pyo3(signature = (agents, target, halo, lag, samples, names, missing="raise"))]
#[allow(clippy::too_many_arguments)]
fn surd_partition_ranges(
    py: Python<'_>,
    agents: Vec<PyReadonlyArray1<'_, f64>>,
    target: PyReadonlyArray1<'_, f64>,
    halo: PyReadonlyArray1<'_, f64>,
    lag: usize,
    samples: usize,
    names: Vec<String>,
    missing: &str,
) -> PyResult<Ranges> {
    let p = partition(py, &agents, &target, &halo, lag, samples, missing)?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    py.detach(|| partition_ranges(&p, &names)).py(py)
}

/// The table's ranges from its partitions' ranges.
#[pyfunction]
fn surd_merge_ranges(parts: Vec<Ranges>) -> Ranges {
    merge_ranges(&parts)
}

/// A partition's joint counts with the table's bins.
#[pyfunction]
#[pyo3(signature = (agents, target, halo, lag, samples, names, bins, edges, ranges, missing="raise"))]
#[allow(clippy::too_many_arguments)]
fn surd_partition_counts<'py>(
    py: Python<'py>,
    agents: Vec<PyReadonlyArray1<'py, f64>>,
    target: PyReadonlyArray1<'py, f64>,
    halo: PyReadonlyArray1<'py, f64>,
    lag: usize,
    samples: usize,
    names: Vec<String>,
    bins: Vec<usize>,
    edges: Vec<Option<Vec<f64>>>,
    ranges: Ranges,
    missing: &str,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let p = partition(py, &agents, &target, &halo, lag, samples, missing)?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let specs = specs(bins, edges)?;
    let counts = py
        .detach(|| partition_counts(&p, &names, &specs, &ranges))
        .py(py)?;
    Ok(PyArray1::from_vec(py, counts))
}

/// SURD from every partition's counts: summed, then decomposed.
#[pyfunction]
#[pyo3(signature = (counts, names, bins, edges, ranges, max_order=None, permutations=0, seed=0))]
#[allow(clippy::too_many_arguments)]
fn surd_from_partition_counts<'py>(
    py: Python<'py>,
    counts: Vec<PyReadonlyArray1<'py, u64>>,
    names: Vec<String>,
    bins: Vec<usize>,
    edges: Vec<Option<Vec<f64>>>,
    ranges: Ranges,
    max_order: Option<usize>,
    permutations: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let parts: Vec<Vec<u64>> = counts.iter().map(|c| c.as_array().to_vec()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let specs = specs(bins, edges)?;
    let (outcome, significance) = py
        .detach(|| {
            causaloid_core::threads::install(|| {
                let total = merge_counts(&parts)?;
                if permutations == 0 {
                    surd_from_counts(&total, &names, &specs, &ranges, max_order).map(|s| (s, None))
                } else {
                    surd_from_counts_tested(
                        &total,
                        &names,
                        &specs,
                        &ranges,
                        max_order,
                        permutations,
                        seed,
                    )
                    .map(|(s, t)| (s, Some(t)))
                }
            })
        })
        .py(py)?;
    let out = result_to_dict(py, &outcome.result)?;
    if let Some(sig) = significance {
        out.set_item("significance", significance_to_dict(py, &sig)?)?;
    }
    out.set_item("target_edges", outcome.target_edges)?;
    out.set_item("agent_edges", outcome.agent_edges)?;
    out.set_item("samples", outcome.samples)?;
    Ok(out)
}

type Stats = (u64, Vec<f64>, Vec<f64>);

/// One partition's mRMR statistics: (count, means, co-moments), features
/// first and the target last.
#[pyfunction]
#[pyo3(signature = (columns, names, missing="raise"))]
fn mrmr_partition_stats(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    missing: &str,
) -> PyResult<Stats> {
    let missing = MissingRows::from_name(missing).py(py)?;
    let cols: Vec<&[f64]> = columns
        .iter()
        .zip(&names)
        .map(|(c, n)| slice(c, n))
        .collect::<PyResult<_>>()?;
    let owned = complete_rows(&cols, missing).py(py)?;
    let cols: Vec<&[f64]> = match &owned {
        Some(o) => o.iter().map(Vec::as_slice).collect(),
        None => cols,
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let s = py.detach(|| CoMoments::of(&names, &cols)).py(py)?;
    Ok((s.count, s.means, s.comoments))
}

/// F-test mRMR from every partition's statistics: merged, then selected.
#[pyfunction]
fn mrmr_from_partition_stats(
    py: Python<'_>,
    parts: Vec<Stats>,
    names: Vec<String>,
    k: usize,
) -> PyResult<(Vec<usize>, Vec<f64>, Vec<f64>)> {
    let width = names.len();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let result = py
        .detach(|| {
            let mut total = CoMoments::empty(width);
            for (count, means, comoments) in parts {
                if means.len() != width || comoments.len() != width * width {
                    return Err(causaloid_core::discover::DiscoverError::Length {
                        column: "partition statistics".into(),
                        expected: width,
                        found: means.len(),
                    });
                }
                let part = CoMoments {
                    count,
                    width,
                    means,
                    comoments,
                };
                total = total.merge(&part)?;
            }
            mrmr_from_comoments(&names, &total, k)
        })
        .py(py)?;
    Ok((result.selected, result.scores, result.relevance))
}

/// A partition's class statistics: (count, means, co-moments of the
/// features, ranges of the features and the target, classes, class counts,
/// class sums).
type ClassTuple = (
    u64,
    Vec<f64>,
    Vec<f64>,
    Ranges,
    Vec<f64>,
    Vec<u64>,
    Vec<f64>,
);
/// Mutual-information ranges: (count, ranges, classes of a discrete target).
type MiRangesTuple = (u64, Ranges, Vec<f64>);
type Selection = (Vec<usize>, Vec<f64>, Vec<f64>);

fn columns_of<'a>(
    features: &'a [PyReadonlyArray1<'_, f64>],
    target: &'a PyReadonlyArray1<'_, f64>,
    names: &[String],
) -> PyResult<(Vec<&'a [f64]>, &'a [f64])> {
    if names.len() != features.len() + 1 {
        return Err(PyValueError::new_err(
            "give a name for every feature and the target",
        ));
    }
    let cols = features
        .iter()
        .zip(names)
        .map(|(c, n)| slice(c, n))
        .collect::<PyResult<_>>()?;
    Ok((cols, slice(target, &names[features.len()])?))
}

/// Features and target on a partition's complete rows.
type Complete = (Vec<Vec<f64>>, Vec<f64>);

/// A partition's features and target on its complete rows under `missing`
/// (the engine's `complete_rows`); `None` when nothing is dropped.
fn complete_of(
    py: Python<'_>,
    cols: &[&[f64]],
    target: &[f64],
    missing: &str,
) -> PyResult<Option<Complete>> {
    let missing = MissingRows::from_name(missing).py(py)?;
    let mut all = cols.to_vec();
    all.push(target);
    Ok(complete_rows(&all, missing).py(py)?.map(|mut o| {
        let t = o.pop().unwrap_or_default();
        (o, t)
    }))
}

fn selection(r: MrmrResult) -> Selection {
    (r.selected, r.scores, r.relevance)
}

/// One partition's statistics for F-test mRMR against the target's classes.
#[pyfunction]
#[pyo3(signature = (features, target, names, missing="raise"))]
fn mrmr_partition_class_stats(
    py: Python<'_>,
    features: Vec<PyReadonlyArray1<'_, f64>>,
    target: PyReadonlyArray1<'_, f64>,
    names: Vec<String>,
    missing: &str,
) -> PyResult<ClassTuple> {
    let (cols, t) = columns_of(&features, &target, &names)?;
    let owned = complete_of(py, &cols, t, missing)?;
    let (cols, t): (Vec<&[f64]>, &[f64]) = match &owned {
        Some((o, t)) => (o.iter().map(Vec::as_slice).collect(), t.as_slice()),
        None => (cols, t),
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let s = py.detach(|| ClassStats::of(&names, &cols, t)).py(py)?;
    Ok((
        s.moments.count,
        s.moments.means,
        s.moments.comoments,
        s.ranges,
        s.classes,
        s.class_counts,
        s.class_sums,
    ))
}

/// F-test mRMR against classes from every partition's statistics.
#[pyfunction]
fn mrmr_from_partition_class_stats(
    py: Python<'_>,
    parts: Vec<ClassTuple>,
    names: Vec<String>,
    k: usize,
) -> PyResult<Selection> {
    let width = names.len().saturating_sub(1);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let result = py
        .detach(|| {
            let mut total: Option<ClassStats> = None;
            for (count, means, comoments, ranges, classes, class_counts, class_sums) in parts {
                if means.len() != width || comoments.len() != width * width {
                    return Err(DiscoverError::Length {
                        column: "partition statistics".into(),
                        expected: width,
                        found: means.len(),
                    });
                }
                let part = ClassStats {
                    moments: CoMoments {
                        count,
                        width,
                        means,
                        comoments,
                    },
                    ranges,
                    classes,
                    class_counts,
                    class_sums,
                };
                total = Some(match total {
                    None => part,
                    Some(t) => t.merge(&part)?,
                });
            }
            let total = total.ok_or(DiscoverError::TooFewSamples {
                column: names.last().map_or(String::new(), |n| n.to_string()),
                samples: 0,
                bins: 3,
            })?;
            mrmr_from_class_stats(&names, &total, k)
        })
        .py(py)?;
    Ok(selection(result))
}

/// One partition's column ranges (and a discrete target's classes) for
/// mutual-information mRMR.
#[pyfunction]
#[pyo3(signature = (features, target, names, discrete_target, missing="raise"))]
fn mrmr_partition_mi_ranges(
    py: Python<'_>,
    features: Vec<PyReadonlyArray1<'_, f64>>,
    target: PyReadonlyArray1<'_, f64>,
    names: Vec<String>,
    discrete_target: bool,
    missing: &str,
) -> PyResult<MiRangesTuple> {
    let (cols, t) = columns_of(&features, &target, &names)?;
    let owned = complete_of(py, &cols, t, missing)?;
    let (cols, t): (Vec<&[f64]>, &[f64]) = match &owned {
        Some((o, t)) => (o.iter().map(Vec::as_slice).collect(), t.as_slice()),
        None => (cols, t),
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let r = py
        .detach(|| MiRanges::of(&names, &cols, t, discrete_target))
        .py(py)?;
    Ok((r.count, r.ranges, r.classes))
}

/// Every partition's ranges merged.
#[pyfunction]
fn mrmr_merge_mi_ranges(py: Python<'_>, parts: Vec<MiRangesTuple>) -> PyResult<MiRangesTuple> {
    let mut total = MiRanges::default();
    for (count, ranges, classes) in parts {
        total = total
            .merge(&MiRanges {
                count,
                ranges,
                classes,
            })
            .py(py)?;
    }
    Ok((total.count, total.ranges, total.classes))
}

fn mi_plan(
    names: &[&str],
    ranges: MiRangesTuple,
    bins: usize,
    discrete_target: bool,
) -> Result<MiPlan, DiscoverError> {
    let (count, ranges, classes) = ranges;
    MiPlan::new(
        names,
        &MiRanges {
            count,
            ranges,
            classes,
        },
        bins,
        discrete_target,
    )
}

/// One partition's joint counts for mutual-information mRMR, in the bins of
/// the merged ranges.
#[pyfunction]
#[pyo3(signature = (features, target, names, ranges, bins, discrete_target, missing="raise"))]
#[allow(clippy::too_many_arguments)]
fn mrmr_partition_mi_counts<'py>(
    py: Python<'py>,
    features: Vec<PyReadonlyArray1<'py, f64>>,
    target: PyReadonlyArray1<'py, f64>,
    names: Vec<String>,
    ranges: MiRangesTuple,
    bins: usize,
    discrete_target: bool,
    missing: &str,
) -> PyResult<(u64, Bound<'py, PyArray1<u64>>)> {
    let (cols, t) = columns_of(&features, &target, &names)?;
    let owned = complete_of(py, &cols, t, missing)?;
    let (cols, t): (Vec<&[f64]>, &[f64]) = match &owned {
        Some((o, t)) => (o.iter().map(Vec::as_slice).collect(), t.as_slice()),
        None => (cols, t),
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let counts = py
        .detach(|| {
            let plan = mi_plan(&names, ranges, bins, discrete_target)?;
            MiCounts::of(&plan, &names, &cols, t)
        })
        .py(py)?;
    Ok((counts.count, PyArray1::from_vec(py, counts.cells)))
}

/// Mutual-information mRMR from every partition's joint counts.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn mrmr_from_partition_mi_counts(
    py: Python<'_>,
    parts: Vec<(u64, PyReadonlyArray1<'_, u64>)>,
    names: Vec<String>,
    ranges: MiRangesTuple,
    bins: usize,
    discrete_target: bool,
    k: usize,
) -> PyResult<Selection> {
    let parts: Vec<MiCounts> = parts
        .iter()
        .map(|(count, cells)| MiCounts {
            count: *count,
            cells: cells.as_array().to_vec(),
        })
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let result = py
        .detach(|| {
            let plan = mi_plan(&names, ranges, bins, discrete_target)?;
            let mut total: Option<MiCounts> = None;
            for part in &parts {
                total = Some(match total {
                    None => part.clone(),
                    Some(t) => t.merge(part)?,
                });
            }
            let total = total.ok_or(DiscoverError::TooFewSamples {
                column: names.last().map_or(String::new(), |n| n.to_string()),
                samples: 0,
                bins: 3,
            })?;
            mrmr_from_mi_counts(&plan, &total, k)
        })
        .py(py)?;
    Ok(selection(result))
}

/// A root-cause fit: (normal rows, anomalous rows, offsets, means, parents, coefficients).
type FitTuple = (
    u64,
    u64,
    Vec<f64>,
    Vec<f64>,
    Vec<Vec<usize>>,
    Vec<Option<Vec<f64>>>,
);
/// A selection in progress: (ranks, prefixes, below, level).
type SelectTuple = (Vec<u64>, Vec<u64>, Vec<u64>, u32);

fn fit_of(t: FitTuple) -> RcaFit {
    let (n, na, offsets, means, parents, betas) = t;
    RcaFit {
        n,
        na,
        offsets,
        means,
        parents,
        betas,
    }
}

fn fit_tuple(f: RcaFit) -> FitTuple {
    (f.n, f.na, f.offsets, f.means, f.parents, f.betas)
}

fn select_of(t: SelectTuple) -> RadixSelect {
    let (ranks, prefixes, below, level) = t;
    RadixSelect {
        ranks,
        prefixes,
        below,
        level,
    }
}

fn plain_columns<'a>(
    cols: &'a [PyReadonlyArray1<'_, f64>],
    names: &[String],
) -> PyResult<Vec<&'a [f64]>> {
    if cols.len() != names.len() {
        return Err(PyValueError::new_err("give a name for every column"));
    }
    cols.iter().zip(names).map(|(c, n)| slice(c, n)).collect()
}

/// A partition's complete rows under `missing` (the engine's
/// `complete_rows`): `None` when nothing is dropped. Every pass of root
/// causes on partitions reads the same rows.
fn complete_plain(
    py: Python<'_>,
    cols: &[&[f64]],
    missing: &str,
) -> PyResult<Option<Vec<Vec<f64>>>> {
    let missing = MissingRows::from_name(missing).py(py)?;
    complete_rows(cols, missing).py(py)
}

/// The columns to read: the complete rows when some were dropped.
fn read_rows<'a>(owned: &'a Option<Vec<Vec<f64>>>, cols: Vec<&'a [f64]>) -> Vec<&'a [f64]> {
    match owned {
        Some(o) => o.iter().map(Vec::as_slice).collect(),
        None => cols,
    }
}

/// Root causes on partitions, pass 1: a partition's rows and column ranges.
#[pyfunction]
#[pyo3(signature = (columns, names, missing="raise"))]
fn rca_partition_ranges(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    missing: &str,
) -> PyResult<(u64, Ranges)> {
    let cols = plain_columns(&columns, &names)?;
    let owned = complete_plain(py, &cols, missing)?;
    let cols = read_rows(&owned, cols);
    py.detach(|| rca_ranges(&names, &cols)).py(py)
}

/// Rows of each period and each column's offset from every partition's ranges.
#[pyfunction]
fn rca_merge_offsets(
    py: Python<'_>,
    normal: Vec<(u64, Ranges)>,
    anomalous: Vec<(u64, Ranges)>,
    columns: usize,
) -> PyResult<(u64, u64, Vec<f64>)> {
    rca_offsets(&normal, &anomalous, columns).py(py)
}

/// Pass 2 (normal partitions): co-moments on the relative scale.
#[pyfunction]
#[pyo3(signature = (columns, names, offsets, missing="raise"))]
fn rca_partition_moments(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    offsets: Vec<f64>,
    missing: &str,
) -> PyResult<Stats> {
    let cols = plain_columns(&columns, &names)?;
    let owned = complete_plain(py, &cols, missing)?;
    let cols = read_rows(&owned, cols);
    let s = py.detach(|| rca_moments(&names, &cols, &offsets)).py(py)?;
    Ok((s.count, s.means, s.comoments))
}

/// Every column's fit on its parents from the normal partitions' co-moments.
#[pyfunction]
fn rca_fit_parents(
    py: Python<'_>,
    names: Vec<String>,
    parts: Vec<Stats>,
    parents: Vec<Vec<usize>>,
    offsets: Vec<f64>,
    n: u64,
    na: u64,
) -> PyResult<FitTuple> {
    let width = names.len();
    let fit = py
        .detach(|| {
            let mut total = CoMoments::empty(width);
            for (count, means, comoments) in parts {
                if means.len() != width || comoments.len() != width * width {
                    return Err(DiscoverError::Length {
                        column: "partition statistics".into(),
                        expected: width,
                        found: means.len(),
                    });
                }
                total = total.merge(&CoMoments {
                    count,
                    width,
                    means,
                    comoments,
                })?;
            }
            rca_fit(&names, &total, &parents, offsets, n, na)
        })
        .py(py)?;
    Ok(fit_tuple(fit))
}

/// A new selection of the medians of round 1 or 2.
#[pyfunction]
fn rca_select_start(fit: FitTuple, round: u8) -> SelectTuple {
    let fit = fit_of(fit);
    let ranks = if round == 1 {
        fit.round1_ranks()
    } else {
        fit.round2_ranks()
    };
    let s = RadixSelect::new(ranks);
    (s.ranks, s.prefixes, s.below, s.level)
}

/// One selection pass over one partition.
#[pyfunction]
#[pyo3(signature = (fit, select, centres, columns, names, anomalous, missing="raise"))]
#[allow(clippy::too_many_arguments)]
fn rca_partition_histogram<'py>(
    py: Python<'py>,
    fit: FitTuple,
    select: SelectTuple,
    centres: Option<Vec<f64>>,
    columns: Vec<PyReadonlyArray1<'py, f64>>,
    names: Vec<String>,
    anomalous: bool,
    missing: &str,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let cols = plain_columns(&columns, &names)?;
    let owned = complete_plain(py, &cols, missing)?;
    let cols = read_rows(&owned, cols);
    let (fit, select) = (fit_of(fit), select_of(select));
    let hist = py
        .detach(|| rca_histograms(&fit, &select, centres.as_deref(), &names, &cols, anomalous))
        .py(py)?;
    Ok(PyArray1::from_vec(py, hist))
}

/// The selection after one pass: (the new state, its values once done).
#[pyfunction]
fn rca_select_advance(
    py: Python<'_>,
    select: SelectTuple,
    parts: Vec<PyReadonlyArray1<'_, u64>>,
) -> PyResult<(SelectTuple, Option<Vec<f64>>)> {
    let mut s = select_of(select);
    let mut total = s.histogram();
    for part in &parts {
        let h = part.as_array();
        if h.len() != total.len() {
            return Err(to_pyerr(
                py,
                &DiscoverError::Length {
                    column: "selection histogram".into(),
                    expected: total.len(),
                    found: h.len(),
                },
            ));
        }
        for (a, b) in total.iter_mut().zip(h.iter()) {
            *a += b;
        }
    }
    s.advance(&total).py(py)?;
    let values = s.done().then(|| s.values());
    Ok(((s.ranks, s.prefixes, s.below, s.level), values))
}

/// The centre of each column's normal residuals, from round 1.
#[pyfunction]
fn rca_round_centres(fit: FitTuple, round1: Vec<f64>) -> Vec<f64> {
    rca_centres(&fit_of(fit), &round1)
}

/// A normal partition's sums of squared deviations from the centres.
#[pyfunction]
#[pyo3(signature = (fit, centres, columns, names, missing="raise"))]
fn rca_partition_squares(
    py: Python<'_>,
    fit: FitTuple,
    centres: Vec<f64>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    missing: &str,
) -> PyResult<Vec<f64>> {
    let cols = plain_columns(&columns, &names)?;
    let owned = complete_plain(py, &cols, missing)?;
    let cols = read_rows(&owned, cols);
    let fit = fit_of(fit);
    py.detach(|| rca_square_sums(&fit, &centres, &names, &cols))
        .py(py)
}

/// The scores: `(shift, total_shift, z, rows_per_coefficient)` per column.
#[pyfunction]
fn rca_scores_from_parts(
    py: Python<'_>,
    fit: FitTuple,
    round1: Vec<f64>,
    round2: Vec<f64>,
    squares: Vec<Vec<f64>>,
) -> PyResult<Vec<(f64, f64, f64, f64)>> {
    let fit = fit_of(fit);
    let mut total = vec![0.0; fit.offsets.len()];
    for part in &squares {
        for (a, b) in total.iter_mut().zip(part) {
            *a += b;
        }
    }
    let scores = rca_finish(&fit, &round1, &round2, &total).py(py)?;
    Ok(scores
        .into_iter()
        .map(|s| (s.shift, s.total_shift, s.z, s.rows_per_coefficient))
        .collect())
}

/// A new exact selection of the given 0-based ranks.
#[pyfunction]
fn select_start(ranks: Vec<u64>) -> SelectTuple {
    let s = RadixSelect::new(ranks);
    (s.ranks, s.prefixes, s.below, s.level)
}

/// One selection pass over one partition: target `t` counts the values of
/// `columns[targets[t]]`.
#[pyfunction]
fn select_partition_histogram<'py>(
    py: Python<'py>,
    select: SelectTuple,
    columns: Vec<PyReadonlyArray1<'py, f64>>,
    targets: Vec<usize>,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let select = select_of(select);
    if targets.len() != select.ranks.len() || targets.iter().any(|&c| c >= columns.len()) {
        return Err(PyValueError::new_err("one column per selection target"));
    }
    let cols = columns
        .iter()
        .map(|c| slice(c, "values"))
        .collect::<PyResult<Vec<_>>>()?;
    let hist = py.detach(|| {
        let mut hist = select.histogram();
        for (t, &c) in targets.iter().enumerate() {
            select.count(t, cols[c].iter().copied(), &mut hist);
        }
        hist
    });
    Ok(PyArray1::from_vec(py, hist))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(select_start, m)?)?;
    m.add_function(wrap_pyfunction!(select_partition_histogram, m)?)?;
    m.add_function(wrap_pyfunction!(rca_partition_ranges, m)?)?;
    m.add_function(wrap_pyfunction!(rca_merge_offsets, m)?)?;
    m.add_function(wrap_pyfunction!(rca_partition_moments, m)?)?;
    m.add_function(wrap_pyfunction!(rca_fit_parents, m)?)?;
    m.add_function(wrap_pyfunction!(rca_select_start, m)?)?;
    m.add_function(wrap_pyfunction!(rca_partition_histogram, m)?)?;
    m.add_function(wrap_pyfunction!(rca_select_advance, m)?)?;
    m.add_function(wrap_pyfunction!(rca_round_centres, m)?)?;
    m.add_function(wrap_pyfunction!(rca_partition_squares, m)?)?;
    m.add_function(wrap_pyfunction!(rca_scores_from_parts, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_partition_class_stats, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_from_partition_class_stats, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_partition_mi_ranges, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_merge_mi_ranges, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_partition_mi_counts, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_from_partition_mi_counts, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_partition_stats, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_from_partition_stats, m)?)?;
    m.add_function(wrap_pyfunction!(surd_partition_ranges, m)?)?;
    m.add_function(wrap_pyfunction!(surd_merge_ranges, m)?)?;
    m.add_function(wrap_pyfunction!(surd_partition_counts, m)?)?;
    m.add_function(wrap_pyfunction!(surd_from_partition_counts, m)?)?;
    Ok(())
}
