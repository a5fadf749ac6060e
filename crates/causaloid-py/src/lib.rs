//! PyO3 bindings of causaloid-core, imported by Python as `causaloid._native`.
//!
//! Thin by design: conversions, error mapping and releasing the GIL. No
//! algorithm lives here; each file mirrors a module of the engine.

use pyo3::prelude::*;

mod context;
mod conversion;
mod csm;
mod discover;
mod errors;
mod ethos;
mod expr;
mod graph;
mod guard;
mod model_ops;
mod partitioned;
mod pc;
mod scm;
mod threads;
mod uncertain;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    guard::note_gil(m.py())?;
    expr::register(m)?;
    graph::register(m)?;
    uncertain::register(m)?;
    context::register(m)?;
    discover::register(m)?;
    ethos::register(m)?;
    csm::register(m)?;
    scm::register(m)?;
    pc::register(m)?;
    threads::register(m)?;
    partitioned::register(m)?;
    model_ops::register(m)?;
    Ok(())
}
