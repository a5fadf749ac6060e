//! Maps the engine's typed errors to the exception classes of
//! `causaloid.errors`, each carrying the structured detail of the error.

use causaloid_core::{CausalError, NodeId};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

/// Raises `causaloid.errors.<class_name>(message, detail)`.
pub fn raise(
    py: Python<'_>,
    class_name: &str,
    message: String,
    detail: Bound<'_, PyDict>,
) -> PyErr {
    raise_from(py, "causaloid.errors", class_name, message, detail)
}

/// Raises `<module>.<class_name>(message, detail)`.
pub fn raise_from(
    py: Python<'_>,
    module: &str,
    class_name: &str,
    message: String,
    detail: Bound<'_, PyDict>,
) -> PyErr {
    let class = py.import(module).and_then(|m| m.getattr(class_name));
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
        NodeId::Int(i) => match i.into_pyobject(py) {
            Ok(v) => v.into_any(),
            Err(_) => py.None().into_bound(py),
        },
        NodeId::Str(s) => PyString::new(py, s).into_any(),
    }
}

/// A node id from Python: an int or a str.
pub fn node_id(obj: &Bound<'_, PyAny>) -> PyResult<NodeId> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(NodeId::Str(s.extract::<String>()?));
    }
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "a node id must be an int or a str, not a bool",
        ));
    }
    match obj.extract::<i64>() {
        Ok(i) => Ok(NodeId::Int(i)),
        Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a node id must be an int or a str, not {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))),
    }
}

/// The Python exception for an engine error.
pub fn to_pyerr(py: Python<'_>, err: &CausalError) -> PyErr {
    let detail = PyDict::new(py);
    let message = err.to_string();
    let set = |k: &str, v: Bound<'_, PyAny>| {
        let _ = detail.set_item(k, v);
    };
    let id = |i: &NodeId| node_id_to_py(py, i);
    let int = |n: usize| match n.into_pyobject(py) {
        Ok(v) => v.into_any(),
        Err(_) => py.None().into_bound(py),
    };
    let class = match err {
        CausalError::UnknownNode { id: n } => {
            set("node_id", id(n));
            "UnknownNodeError"
        }
        CausalError::DuplicateId { id: n } => {
            set("node_id", id(n));
            "DuplicateIdError"
        }
        CausalError::DuplicateEdge { from, to } => {
            set("source", id(from));
            set("target", id(to));
            "DuplicateEdgeError"
        }
        CausalError::Cycle { path } => {
            let ids: Vec<Bound<'_, PyAny>> = path.iter().map(id).collect();
            if let Ok(list) = PyList::new(py, ids) {
                set("path", list.into_any());
            }
            "CycleError"
        }
        CausalError::NotFrozen => "NotFrozenError",
        CausalError::Frozen => "FrozenError",
        CausalError::EmptyGraph => "GraphError",
        CausalError::NoPath { from, to } => {
            set("source", id(from));
            set("target", id(to));
            "NoPathError"
        }
        CausalError::Callable { id: n, payload, .. } => {
            set("node_id", id(n));
            let e = raise(py, "CallableError", message, detail);
            if let Some(cause) = payload.as_ref().and_then(|p| p.0.downcast_ref::<PyErr>()) {
                e.set_cause(py, Some(cause.clone_ref(py)));
            }
            return e;
        }
        CausalError::InvalidVerdict { id: n, found, row } => {
            set("node_id", id(n));
            set("found", PyString::new(py, found).into_any());
            set("row", row.map_or(py.None().into_bound(py), int));
            "VerdictError"
        }
        CausalError::RelayLimit { limit, target } => {
            set("limit", int(*limit));
            set("target", id(target));
            "RelayLimitError"
        }
        CausalError::RelayNotAllowed { id: n, .. } => {
            set("node_id", id(n));
            "RelayError"
        }
        CausalError::MissingValue { id: n } => {
            set("node_id", id(n));
            "MissingValueError"
        }
        CausalError::UnknownColumn { name, known } => {
            set("column", PyString::new(py, name).into_any());
            if let Ok(list) = PyList::new(py, known) {
                set("available", list.into_any());
            }
            "UnknownColumnError"
        }
        CausalError::ColumnType { name, .. } => {
            set("column", PyString::new(py, name).into_any());
            "ColumnTypeError"
        }
        CausalError::Shape {
            what,
            expected,
            found,
        } => {
            set("what", PyString::new(py, what).into_any());
            set("expected", int(*expected));
            set("found", int(*found));
            "ShapeError"
        }
        CausalError::InvalidArgument { name, .. } => {
            set("parameter", PyString::new(py, name).into_any());
            "InvalidArgumentError"
        }
        CausalError::Serialization { .. } => "SerializationError",
    };
    raise(py, class, message, detail)
}

/// Shorthand for `Result<T, CausalError>` -> `PyResult<T>`.
pub trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, CausalError> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}
