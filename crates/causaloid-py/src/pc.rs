//! Bindings of structure learning (stable PC) and CPDAG enumeration: numeric
//! columns in, edge lists out; `causaloid.discover.pc` and `CPDAG` name them.

use causaloid_core::discover::{
    learn_graph, pcmci_with, CiTest, Cpdag, GesOptions, GesScore, Learned, Learner, MissingRows,
    PcColumn, PcOptions, PcmciOptions, RowsUsed,
};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::errors::IntoPy;

type Edges = Vec<(usize, usize)>;

/// BOSS: directed, undirected, score, order, rows used and dropped.
type Boss = (Edges, Edges, f64, Vec<usize>, (usize, usize));

/// Rows (samples) used and dropped, as `(used, dropped)`.
fn counts(rows: RowsUsed) -> (usize, usize) {
    (rows.used, rows.dropped)
}

/// The named numeric columns as the engine reads them (borrowed, no copy).
fn pc_columns<'a>(
    columns: &'a [PyReadonlyArray1<'_, f64>],
    names: &'a [String],
) -> PyResult<Vec<PcColumn<'a>>> {
    if columns.len() != names.len() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "columns and names differ in length",
        ));
    }
    columns
        .iter()
        .zip(names)
        .map(|(array, name)| {
            let values = array.as_slice().map_err(|_| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "column {name:?} is not contiguous"
                ))
            })?;
            Ok(PcColumn { name, values })
        })
        .collect()
}

/// Stable PC; returns (directed edges, undirected edges, separating sets, tests, depth).
/// With `max_lag`, on the time window of lags 0..=max_lag (node `lag * columns + v`).
#[pyfunction]
#[pyo3(signature = (columns, names, alpha, test, max_depth=None, max_lag=None, missing="raise"))]
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn pc_learn(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    alpha: f64,
    test: &str,
    max_depth: Option<usize>,
    max_lag: Option<usize>,
    missing: &str,
) -> PyResult<(
    Edges,
    Edges,
    Vec<((usize, usize), Vec<usize>)>,
    usize,
    usize,
    (usize, usize),
)> {
    let test = CiTest::from_name(test).py(py)?;
    let missing = MissingRows::from_name(missing).py(py)?;
    let cols = pc_columns(&columns, &names)?;
    let opts = PcOptions {
        alpha,
        test,
        max_depth,
    };
    let (learned, rows) = py
        .detach(|| {
            causaloid_core::threads::install(|| {
                learn_graph(&cols, Learner::Pc(&opts, max_lag), missing)
            })
        })
        .py(py)?;
    let Learned::Pc(result) = learned else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "PC learned no PC result",
        ));
    };
    let (directed, undirected) = result.marks.edges();
    Ok((
        directed,
        undirected,
        result.sepsets,
        result.tests,
        result.depth,
        counts(rows),
    ))
}

/// Greedy equivalence search (linear-Gaussian BIC or BDeu); returns (directed, undirected, score).
#[pyfunction]
#[pyo3(signature = (columns, names, penalty=1.0, max_subset=10, score="bic", sample_prior=1.0, structure_prior=1.0, missing="raise"))]
#[allow(clippy::too_many_arguments)]
fn ges_learn(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    penalty: f64,
    max_subset: usize,
    score: &str,
    sample_prior: f64,
    structure_prior: f64,
    missing: &str,
) -> PyResult<(Edges, Edges, f64, (usize, usize))> {
    let score = GesScore::from_name(score, sample_prior, structure_prior).py(py)?;
    let missing = MissingRows::from_name(missing).py(py)?;
    let cols = pc_columns(&columns, &names)?;
    let opts = GesOptions {
        penalty,
        max_subset,
        score,
    };
    let (learned, rows) = py
        .detach(|| {
            causaloid_core::threads::install(|| learn_graph(&cols, Learner::Ges(&opts), missing))
        })
        .py(py)?;
    let Learned::Ges(result) = learned else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "GES learned no GES result",
        ));
    };
    let (directed, undirected) = result.graph.edges();
    Ok((directed, undirected, result.score, counts(rows)))
}

/// Best order score search (then BES); returns (directed, undirected, score, order).
#[pyfunction]
#[pyo3(signature = (columns, names, penalty=1.0, max_subset=10, score="bic", sample_prior=1.0, structure_prior=1.0, missing="raise"))]
#[allow(clippy::too_many_arguments)]
fn boss_learn(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    penalty: f64,
    max_subset: usize,
    score: &str,
    sample_prior: f64,
    structure_prior: f64,
    missing: &str,
) -> PyResult<Boss> {
    let score = GesScore::from_name(score, sample_prior, structure_prior).py(py)?;
    let missing = MissingRows::from_name(missing).py(py)?;
    let cols = pc_columns(&columns, &names)?;
    let opts = GesOptions {
        penalty,
        max_subset,
        score,
    };
    let (learned, rows) = py
        .detach(|| {
            causaloid_core::threads::install(|| learn_graph(&cols, Learner::Boss(&opts), missing))
        })
        .py(py)?;
    let Learned::Boss(result) = learned else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "BOSS learned no BOSS result",
        ));
    };
    let (directed, undirected) = result.graph.edges();
    Ok((
        directed,
        undirected,
        result.score,
        result.order,
        counts(rows),
    ))
}

/// PCMCI on a time series; returns (directed, undirected, links, tests) with
/// nodes `lag * columns + v` (lag 0..=max_lag) and links as
/// (source, lag, target, MCI p-value).
#[pyfunction]
#[pyo3(signature = (columns, names, max_lag, alpha, pc_alpha, test, max_conds=None, contemporaneous=true, missing="raise"))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn pcmci_learn(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    names: Vec<String>,
    max_lag: usize,
    alpha: f64,
    pc_alpha: f64,
    test: &str,
    max_conds: Option<usize>,
    contemporaneous: bool,
    missing: &str,
) -> PyResult<(
    Edges,
    Edges,
    Vec<(usize, usize, usize, f64)>,
    usize,
    (usize, usize),
)> {
    let test = CiTest::from_name(test).py(py)?;
    let missing = MissingRows::from_name(missing).py(py)?;
    let cols = pc_columns(&columns, &names)?;
    let opts = PcmciOptions {
        alpha,
        pc_alpha,
        test,
        max_lag,
        max_conds,
        contemporaneous,
    };
    let (result, rows) = py
        .detach(|| causaloid_core::threads::install(|| pcmci_with(&cols, &opts, missing)))
        .py(py)?;
    let (directed, undirected) = result.marks.edges();
    let links = result
        .links
        .iter()
        .map(|l| (l.source, l.lag, l.target, l.p_value))
        .collect();
    Ok((directed, undirected, links, result.tests, counts(rows)))
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
    m.add_function(wrap_pyfunction!(boss_learn, m)?)?;
    m.add_function(wrap_pyfunction!(pcmci_learn, m)?)?;
    m.add_function(wrap_pyfunction!(cpdag_dags, m)?)?;
    m.add_function(wrap_pyfunction!(cpdag_shd, m)?)?;
    m.add_function(wrap_pyfunction!(cpdag_of_dag, m)?)?;
    Ok(())
}
