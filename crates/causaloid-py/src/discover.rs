//! Bindings of the discovery kernels (SURD, mRMR): numeric columns in, plain
//! Python containers out; the Python package `causaloid.discover` names them.

use crate::errors::IntoPy;
use causaloid_core::discover::{
    mrmr_missing, root_cause_scores_missing, surd_from_columns_missing, surd_from_pdf, BinSpec,
    Column, ComponentTest, MissingRows, Relevance, SurdResult, SurdSignificance,
};
use numpy::{PyReadonlyArray1, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

fn combo_tuple<'py>(py: Python<'py>, combo: &[usize]) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, combo)
}

pub(crate) fn result_to_dict<'py>(py: Python<'py>, r: &SurdResult) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let map = |m: &std::collections::BTreeMap<Vec<usize>, f64>| -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for (k, v) in m {
            list.append((combo_tuple(py, k)?, *v))?;
        }
        Ok(list)
    };
    out.set_item("redundant", map(&r.redundant)?)?;
    out.set_item("unique", r.unique.clone())?;
    out.set_item("synergistic", map(&r.synergistic)?)?;
    out.set_item("information", map(&r.information)?)?;
    out.set_item("mutual_info", r.mutual_info)?;
    out.set_item("info_leak", r.info_leak)?;
    out.set_item("target_entropy", r.target_entropy)?;
    out.set_item("max_order", r.max_order)?;
    let states = PyDict::new(py);
    let per_state =
        |m: &std::collections::BTreeMap<Vec<usize>, Vec<f64>>| -> PyResult<Bound<'py, PyList>> {
            let list = PyList::empty(py);
            for (k, v) in m {
                list.append((combo_tuple(py, k)?, v.clone()))?;
            }
            Ok(list)
        };
    states.set_item("target_probability", r.states.target_probability.clone())?;
    states.set_item("redundant", per_state(&r.states.redundant)?)?;
    states.set_item("unique", r.states.unique.clone())?;
    states.set_item("synergistic", per_state(&r.states.synergistic)?)?;
    states.set_item("leak", r.states.leak.clone())?;
    out.set_item("states", states)?;
    Ok(out)
}

fn test_tuple(t: &ComponentTest) -> (f64, f64, f64, f64) {
    (t.observed, t.null_mean, t.null_q95, t.p_value)
}

/// Each test as `(observed, null_mean, null_q95, p_value)`, combos as tuples.
pub(crate) fn significance_to_dict<'py>(
    py: Python<'py>,
    s: &SurdSignificance,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let map = |m: &std::collections::BTreeMap<Vec<usize>, ComponentTest>| -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for (k, v) in m {
            list.append((combo_tuple(py, k)?, test_tuple(v)))?;
        }
        Ok(list)
    };
    out.set_item("redundant", map(&s.redundant)?)?;
    out.set_item(
        "unique",
        s.unique.iter().map(test_tuple).collect::<Vec<_>>(),
    )?;
    out.set_item("synergistic", map(&s.synergistic)?)?;
    out.set_item("mutual_info", test_tuple(&s.mutual_info))?;
    out.set_item("permutations", s.permutations)?;
    out.set_item("seed", s.seed)?;
    out.set_item("samples", s.samples)?;
    out.set_item("occupied_cells", s.occupied_cells)?;
    Ok(out)
}

pub(crate) fn slice<'a>(array: &'a PyReadonlyArray1<'_, f64>, name: &str) -> PyResult<&'a [f64]> {
    array.as_slice().map_err(|_| {
        pyo3::exceptions::PyValueError::new_err(format!("column {name:?} is not contiguous"))
    })
}

pub(crate) fn spec(bins: usize, edges: Option<Vec<f64>>) -> BinSpec {
    match edges {
        Some(edges) => BinSpec::Edges(edges),
        None => BinSpec::EqualWidth(bins),
    }
}

/// SURD of a target column on agent columns; see `causaloid.discover.surd`.
#[pyfunction]
#[pyo3(signature = (target, target_name, target_bins, target_edges, agents, agent_names, agent_bins, agent_edges, lag, max_order=None, permutations=0, seed=0, missing="raise"))]
#[allow(clippy::too_many_arguments)]
fn surd_columns<'py>(
    py: Python<'py>,
    target: PyReadonlyArray1<'py, f64>,
    target_name: String,
    target_bins: usize,
    target_edges: Option<Vec<f64>>,
    agents: Vec<PyReadonlyArray1<'py, f64>>,
    agent_names: Vec<String>,
    agent_bins: Vec<usize>,
    agent_edges: Vec<Option<Vec<f64>>>,
    lag: usize,
    max_order: Option<usize>,
    permutations: usize,
    seed: u64,
    missing: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let missing = MissingRows::from_name(missing).py(py)?;
    if agents.len() != agent_names.len()
        || agents.len() != agent_bins.len()
        || agents.len() != agent_edges.len()
    {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "agents, names, bins and edges differ in length",
        ));
    }
    let target_column = Column {
        name: &target_name,
        values: slice(&target, &target_name)?,
        bins: spec(target_bins, target_edges),
    };
    let mut columns = Vec::with_capacity(agents.len());
    for (((array, name), bins), edges) in agents
        .iter()
        .zip(&agent_names)
        .zip(agent_bins)
        .zip(agent_edges)
    {
        columns.push(Column {
            name,
            values: slice(array, name)?,
            bins: spec(bins, edges),
        });
    }
    let outcome = py.detach(|| {
        causaloid_core::threads::install(|| {
            surd_from_columns_missing(
                &target_column,
                &columns,
                lag,
                max_order,
                permutations,
                seed,
                missing,
            )
        })
    });
    let (outcome, significance, rows) = outcome.py(py)?;
    let out = result_to_dict(py, &outcome.result)?;
    if let Some(sig) = significance {
        out.set_item("significance", significance_to_dict(py, &sig)?)?;
    }
    out.set_item("target_edges", outcome.target_edges)?;
    out.set_item("agent_edges", outcome.agent_edges)?;
    out.set_item("samples", outcome.samples)?;
    out.set_item("rows_dropped", rows.dropped)?;
    Ok(out)
}

/// SURD of a joint probability array (first axis the target's future).
#[pyfunction]
#[pyo3(signature = (p, max_order=None))]
fn surd_pdf<'py>(
    py: Python<'py>,
    p: PyReadonlyArrayDyn<'py, f64>,
    max_order: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let shape = p.shape().to_vec();
    let values = p
        .as_slice()
        .map_err(|_| pyo3::exceptions::PyValueError::new_err("p must be C-contiguous"))?;
    let result = py
        .detach(|| causaloid_core::threads::install(|| surd_from_pdf(values, &shape, max_order)))
        .py(py)?;
    result_to_dict(py, &result)
}

/// Selected indices, scores, every feature's relevance, rows used and dropped.
type Selected = (Vec<usize>, Vec<f64>, Vec<f64>, usize, usize);

/// mRMR selection; returns (selected indices, scores, relevance of every feature).
#[pyfunction]
#[pyo3(signature = (features, names, target, target_name, k, method, bins=10, discrete_target=false, missing="raise"))]
#[allow(clippy::too_many_arguments)]
fn mrmr_select<'py>(
    py: Python<'py>,
    features: Vec<PyReadonlyArray1<'py, f64>>,
    names: Vec<String>,
    target: PyReadonlyArray1<'py, f64>,
    target_name: String,
    k: usize,
    method: &str,
    bins: usize,
    discrete_target: bool,
    missing: &str,
) -> PyResult<Selected> {
    let missing = MissingRows::from_name(missing).py(py)?;
    let relevance = match method {
        "f_regression" => Relevance::FRegression,
        "f_classif" => Relevance::FClassif,
        "mutual_info" => Relevance::MutualInfo {
            bins,
            discrete_target,
        },
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown method {other:?}"
            )))
        }
    };
    if names.len() != features.len() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "features and names differ in length",
        ));
    }
    let mut columns = Vec::with_capacity(features.len());
    for (array, name) in features.iter().zip(&names) {
        columns.push(slice(array, name)?);
    }
    let target_values = slice(&target, &target_name)?;
    let (result, rows) = py
        .detach(|| {
            causaloid_core::threads::install(|| {
                mrmr_missing(
                    &names,
                    &columns,
                    &target_name,
                    target_values,
                    k,
                    relevance,
                    missing,
                )
            })
        })
        .py(py)?;
    Ok((
        result.selected,
        result.scores,
        result.relevance,
        rows.used,
        rows.dropped,
    ))
}

/// Root-cause scores of every column; see `causaloid.discover.root_causes`.
/// Returns one `(shift, total_shift, z, rows_per_coefficient)` per column,
/// and the rows used and dropped (both periods).
#[pyfunction]
#[pyo3(signature = (names, normal, anomalous, parents, missing="raise"))]
#[allow(clippy::type_complexity)]
fn root_cause_columns(
    py: Python<'_>,
    names: Vec<String>,
    normal: Vec<PyReadonlyArray1<'_, f64>>,
    anomalous: Vec<PyReadonlyArray1<'_, f64>>,
    parents: Vec<Vec<usize>>,
    missing: &str,
) -> PyResult<(Vec<(f64, f64, f64, f64)>, usize, usize)> {
    let missing = MissingRows::from_name(missing).py(py)?;
    let mut xs = Vec::with_capacity(normal.len());
    for (a, name) in normal.iter().zip(&names) {
        xs.push(slice(a, name)?);
    }
    let mut ys = Vec::with_capacity(anomalous.len());
    for (a, name) in anomalous.iter().zip(&names) {
        ys.push(slice(a, name)?);
    }
    let (scores, rows) = py
        .detach(|| root_cause_scores_missing(&names, &xs, &ys, &parents, missing))
        .py(py)?;
    Ok((
        scores
            .into_iter()
            .map(|s| (s.shift, s.total_shift, s.z, s.rows_per_coefficient))
            .collect(),
        rows.used,
        rows.dropped,
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(root_cause_columns, m)?)?;
    m.add_function(wrap_pyfunction!(surd_columns, m)?)?;
    m.add_function(wrap_pyfunction!(surd_pdf, m)?)?;
    m.add_function(wrap_pyfunction!(mrmr_select, m)?)?;
    Ok(())
}
