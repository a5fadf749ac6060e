//! Bindings of SURD on partitions (`causaloid.dask`, `causaloid.ray`): each
//! partition's ranges and joint counts, merged and decomposed by the engine.

use causaloid_core::discover::{
    merge_counts, merge_ranges, mrmr_from_comoments, partition_counts, partition_ranges,
    surd_from_counts, BinSpec, CoMoments, Partition,
};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::discover::{result_to_dict, slice, spec};
use crate::errors::IntoPy;

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
    agents: &'a [PyReadonlyArray1<'_, f64>],
    target: &'a PyReadonlyArray1<'_, f64>,
    halo: &'a PyReadonlyArray1<'_, f64>,
    lag: usize,
    samples: usize,
) -> PyResult<Partition<'a>> {
    Ok(Partition {
        agents: agents
            .iter()
            .map(|a| slice(a, "agent"))
            .collect::<PyResult<_>>()?,
        target: slice(target, "target")?,
        halo: slice(halo, "halo")?,
        lag,
        samples,
    })
}

/// Each column's (min, max) over a partition's samples (agents, then target).
#[pyfunction]
fn surd_partition_ranges(
    py: Python<'_>,
    agents: Vec<PyReadonlyArray1<'_, f64>>,
    target: PyReadonlyArray1<'_, f64>,
    halo: PyReadonlyArray1<'_, f64>,
    lag: usize,
    samples: usize,
    names: Vec<String>,
) -> PyResult<Ranges> {
    let p = partition(&agents, &target, &halo, lag, samples)?;
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
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let p = partition(&agents, &target, &halo, lag, samples)?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let specs = specs(bins, edges)?;
    let counts = py
        .detach(|| partition_counts(&p, &names, &specs, &ranges))
        .py(py)?;
    Ok(PyArray1::from_vec(py, counts))
}

/// SURD from every partition's counts: summed, then decomposed.
#[pyfunction]
#[pyo3(signature = (counts, names, bins, edges, ranges, max_order=None))]
fn surd_from_partition_counts<'py>(
    py: Python<'py>,
    counts: Vec<PyReadonlyArray1<'py, u64>>,
    names: Vec<String>,
    bins: Vec<usize>,
    edges: Vec<Option<Vec<f64>>>,
    ranges: Ranges,
    max_order: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let parts: Vec<Vec<u64>> = counts.iter().map(|c| c.as_array().to_vec()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let specs = specs(bins, edges)?;
    let outcome = py
        .detach(|| {
            let total = merge_counts(&parts)?;
            surd_from_counts(&total, &names, &specs, &ranges, max_order)
        })
        .py(py)?;
    let out = result_to_dict(py, &outcome.result)?;
    out.set_item("target_edges", outcome.target_edges)?;
    out.set_item("agent_edges", outcome.agent_edges)?;
    out.set_item("samples", outcome.samples)?;
    Ok(out)
}

type Stats = (u64, Vec<f64>, Vec<f64>);

/// One partition's mRMR statistics: (count, means, co-moments), features
/// first and the target last.
#[pyfunction]
fn mrmr_partition_stats(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
) -> PyResult<Stats> {
    let cols: Vec<&[f64]> = columns
        .iter()
        .zip(&names)
        .map(|(c, n)| slice(c, n))
        .collect::<PyResult<_>>()?;
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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mrmr_partition_stats, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_from_partition_stats, m)?)?;
    m.add_function(wrap_pyfunction!(surd_partition_ranges, m)?)?;
    m.add_function(wrap_pyfunction!(surd_merge_ranges, m)?)?;
    m.add_function(wrap_pyfunction!(surd_partition_counts, m)?)?;
    m.add_function(wrap_pyfunction!(surd_from_partition_counts, m)?)?;
    Ok(())
}
