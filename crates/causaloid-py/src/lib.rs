//! PyO3 bindings of causaloid-core, imported by Python as `causaloid._native`.
//!
//! Thin by design: conversions, error mapping and releasing the GIL. No
//! algorithm lives here; each file mirrors a module of the engine.

use pyo3::prelude::*;

/// The engine allocates small objects on its hot paths (a state machine's
/// firings and log entries, explanation traces): mimalloc serves them several
/// times faster than the system allocator, as in polars.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
