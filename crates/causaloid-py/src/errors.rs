//! Maps the engine's typed errors to the exception classes of
//! `causaloid.errors`, each carrying the structured detail of the error.

use causaloid_core::{CausalError, NodeId};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Raises `causaloid.errors.<class_name>(message, detail)`.
pub fn raise(py: Python<'_>, class_name: &str, message: String, detail: Bound<'_, PyDict>) -> PyErr {
    let class = py
        .import("causaloid.errors")
        .and_then(|module| module.getattr(class_name));
    match class {
        Ok(class) => match class.call1((message.clone(), detail)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(e) => e,
        },
        Err(_) => PyException::new_err(message),
    }
}

pub fn node_id_to_py<'py>(py: Python<'py>, id: &NodeId) -> Bound<'py, PyAny> {
    match id {
        NodeId::Int(i) => i.into_pyobject(py).map(|v| v.into_any()).unwrap_or_else(|_| py.None().into_bound(py)),
        NodeId::Str(s) => pyo3::types::PyString::new(py, s).into_any(),
    }
}
