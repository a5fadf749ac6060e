//! The engine's thread setting for Python: `set_threads`, `get_threads`.

use causaloid_core::threads::{self};
use pyo3::prelude::*;

use crate::errors::IntoPy;

/// Sets the engine's threads for every later call; None returns to the default.
#[pyfunction]
#[pyo3(signature = (n))]
fn set_threads(py: Python<'_>, n: Option<usize>) -> PyResult<()> {
    match n {
        Some(n) => py.detach(|| threads::set_threads(n)).py(py),
        None => {
            threads::reset_threads();
            Ok(())
        }
    }
}

/// Makes engine calls from this thread use `n` threads until the scope is
/// closed (`None`); returns the previous scope. `threads=` on heavy calls.
#[pyfunction]
#[pyo3(signature = (n))]
fn enter_threads_scope(py: Python<'_>, n: Option<usize>) -> PyResult<Option<usize>> {
    threads::enter_scope(n).py(py)
}

/// The number of threads an engine call started now would use.
#[pyfunction]
fn get_threads() -> usize {
    threads::threads()
}

/// Whether `set_threads` is in force (not the default pool).
#[pyfunction]
fn threads_set() -> bool {
    threads::is_set()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(set_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_threads, m)?)?;
    m.add_function(wrap_pyfunction!(threads_set, m)?)?;
    m.add_function(wrap_pyfunction!(enter_threads_scope, m)?)?;
    Ok(())
}
