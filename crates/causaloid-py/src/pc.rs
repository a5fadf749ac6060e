//! Bindings of structure learning (stable PC) and CPDAG enumeration: numeric
//! columns in, edge lists out; `causaloid.discover.pc` and `CPDAG` name them.

use causaloid_core::discover::{
    ges, pc, pc_lagged, CiTest, Cpdag, GesOptions, PcColumn, PcError, PcOptions,
};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::errors::{to_pyerr, IntoPy};

type Edges = Vec<(usize, usize)>;

/// Stable PC; returns (directed edges, undirected edges, separating sets, tests, depth).
/// With `max_lag`, on the time window of lags 0..=max_lag (node `lag * columns + v`).
#[pyfunction]
#[pyo3(signature = (columns, names, alpha, test, max_depth=None, max_lag=None))]
#[allow(clippy::type_complexity)]
fn pc_learn(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    alpha: f64,
    test: &str,
    max_depth: Option<usize>,
    max_lag: Option<usize>,
) -> PyResult<(
    Edges,
    Edges,
    Vec<((usize, usize), Vec<usize>)>,
    usize,
    usize,
)> {
    if columns.len() != names.len() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "columns and names differ in length",
        ));
    }
    let test = CiTest::parse(test).ok_or_else(|| {
        to_pyerr(
            py,
            &PcError::InvalidArgument {
                parameter: "test",
                reason: format!("expected \"fisherz\", \"chisq\" or \"gsq\", got {test:?}"),
            },
        )
    })?;
    let mut cols = Vec::with_capacity(columns.len());
    for (array, name) in columns.iter().zip(&names) {
        let values = array.as_slice().map_err(|_| {
            pyo3::exceptions::PyValueError::new_err(format!("column {name:?} is not contiguous"))
        })?;
        cols.push(PcColumn { name, values });
    }
    let opts = PcOptions {
        alpha,
        test,
        max_depth,
    };
    let result = py
        .detach(|| {
            causaloid_core::threads::install(|| match max_lag {
                Some(lag) => pc_lagged(&cols, lag, &opts),
                None => pc(&cols, &opts),
            })
        })
        .py(py)?;
    let (directed, undirected) = result.marks.edges();
    Ok((
        directed,
        undirected,
        result.sepsets,
        result.tests,
        result.depth,
    ))
}

/// Greedy equivalence search (linear-Gaussian BIC); returns (directed, undirected, score).
#[pyfunction]
#[pyo3(signature = (columns, names, penalty=1.0, max_subset=10))]
fn ges_learn(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    penalty: f64,
    max_subset: usize,
) -> PyResult<(Edges, Edges, f64)> {
    if columns.len() != names.len() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "columns and names differ in length",
        ));
    }
    let mut cols = Vec::with_capacity(columns.len());
    for (array, name) in columns.iter().zip(&names) {
        let values = array.as_slice().map_err(|_| {
            pyo3::exceptions::PyValueError::new_err(format!("column {name:?} is not contiguous"))
        })?;
        cols.push(PcColumn { name, values });
    }
    let opts = GesOptions {
        penalty,
        max_subset,
    };
    let result = py
        .detach(|| causaloid_core::threads::install(|| ges(&cols, &opts)))
        .py(py)?;
    let (directed, undirected) = result.graph.edges();
    Ok((directed, undirected, result.score))
}

/// Up to `limit` DAGs of the equivalence class of a CPDAG, as directed edge lists.
#[pyfunction]
fn cpdag_dags(
    py: Python<'_>,
    n: usize,
    directed: Edges,
    undirected: Edges,
    limit: usize,
) -> PyResult<Vec<Edges>> {
    let graph = Cpdag::new(n, &directed, &undirected).py(py)?;
    py.detach(|| graph.dags(limit)).py(py)
}

/// Structural Hamming distance between two graphs over the same `n` nodes.
#[pyfunction]
fn cpdag_shd(
    py: Python<'_>,
    n: usize,
    first: (Edges, Edges),
    second: (Edges, Edges),
) -> PyResult<usize> {
    let a = Cpdag::new(n, &first.0, &first.1).py(py)?;
    let b = Cpdag::new(n, &second.0, &second.1).py(py)?;
    a.shd(&b).py(py)
}

/// The CPDAG of a DAG, as (directed, undirected) edges.
#[pyfunction]
fn cpdag_of_dag(py: Python<'_>, n: usize, directed: Edges) -> PyResult<(Edges, Edges)> {
    let g = Cpdag::of_dag(n, &directed).py(py)?;
    Ok(g.edges())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pc_learn, m)?)?;
    m.add_function(wrap_pyfunction!(ges_learn, m)?)?;
    m.add_function(wrap_pyfunction!(cpdag_dags, m)?)?;
    m.add_function(wrap_pyfunction!(cpdag_shd, m)?)?;
    m.add_function(wrap_pyfunction!(cpdag_of_dag, m)?)?;
    Ok(())
}
