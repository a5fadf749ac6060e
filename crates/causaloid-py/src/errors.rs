//! Maps the engine's typed errors to the exception classes of
//! `causaloid.errors`, each carrying the structured detail of the error.

use causaloid_core::context::ContextError;
use causaloid_core::{CausalError, NodeId};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Exception classes by "module.Class", looked up once.
static CLASSES: OnceLock<Mutex<HashMap<String, Py<PyAny>>>> = OnceLock::new();

fn class<'py>(py: Python<'py>, module: &str, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let key = format!("{module}.{name}");
    let cache = CLASSES.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(c) = cache
        .lock()
        .ok()
        .and_then(|m| m.get(&key).map(|c| c.clone_ref(py)))
    {
        return Ok(c.into_bound(py));
    }
    let c = py.import(module)?.getattr(name)?;
    if let Ok(mut m) = cache.lock() {
        m.insert(key, c.clone().unbind());
    }
    Ok(c)
}

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
    match class(py, module, class_name) {
        Ok(class) => match class.call1((message.clone(), detail)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(e) => e,
        },
        // Never a silent bare Exception: a missing class is a packaging bug.
        Err(e) => PyRuntimeError::new_err(format!(
            "causaloid: exception class {module}.{class_name} is missing ({e}); the error was: {message}"
        )),
    }
}

pub use crate::conversion::{node_id, node_id_to_py};

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
        CausalError::TooDeep { what, limit, .. } => {
            set("what", PyString::new(py, what).into_any());
            set("limit", int(*limit));
            "TooDeepError"
        }
        CausalError::UnknownContext { name, known } => {
            set("context", PyString::new(py, name).into_any());
            if let Ok(list) = PyList::new(py, known) {
                set("available", list.into_any());
            }
            return raise_from(
                py,
                "causaloid.context.errors",
                "UnknownContextError",
                message,
                detail,
            );
        }
        CausalError::ContextConflict { name } => {
            set("context", PyString::new(py, name).into_any());
            return raise_from(
                py,
                "causaloid.context.errors",
                "ContextArgumentError",
                message,
                detail,
            );
        }
        CausalError::ContextRead { source, .. } => {
            return context_error_with(py, source, message);
        }
        CausalError::NodeRead { id: n, target, .. } => {
            set("node_id", id(n));
            set("target", id(target));
            "NodeReadError"
        }
        CausalError::EdgeTransform { edge, .. } => {
            set("source", id(&edge.0));
            set("target", id(&edge.1));
            "EdgeTransformError"
        }
        CausalError::State { name, .. } => {
            set("state", PyString::new(py, name).into_any());
            "StateError"
        }
        CausalError::ModelOperation { index, op, source } => {
            // The cause's own exception class, naming the operation.
            let inner = to_pyerr(py, source);
            let value = inner.value(py);
            if let Ok(d) = value.getattr("detail") {
                if let Ok(d) = d.cast::<PyDict>() {
                    let _ = detail.update(d.as_mapping());
                }
            }
            set("operation", int(*index));
            set("op", PyString::new(py, op).into_any());
            return match value.get_type().call1((message, detail)) {
                Ok(instance) => PyErr::from_value(instance),
                Err(e) => e,
            };
        }
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

// ---- context errors ---------------------------------------------------------------

/// The exception of `causaloid.context.errors` for a context error; `operation`
/// is the failing operation's index in an update.
pub fn context_error(py: Python<'_>, err: &ContextError, operation: Option<usize>) -> PyErr {
    context_error_as(py, err, operation, err.to_string())
}

/// The exception for a context error met while evaluating, with the
/// evaluation's own message (which names the read).
pub fn context_error_with(py: Python<'_>, err: &ContextError, message: String) -> PyErr {
    context_error_as(py, err, None, message)
}

fn context_error_as(
    py: Python<'_>,
    err: &ContextError,
    operation: Option<usize>,
    message: String,
) -> PyErr {
    use ContextError::*;
    let detail = PyDict::new(py);
    let set = |k: &str, v: Bound<'_, PyAny>| {
        let _ = detail.set_item(k, v);
    };
    if let Some(id) = err.id() {
        set("node_id", node_id_to_py(py, id));
    }
    if let Some(i) = operation {
        set(
            "operation",
            i.into_pyobject(py)
                .map(|v| v.into_any())
                .unwrap_or_else(|_| py.None().into_bound(py)),
        );
    }
    let class = match err {
        DuplicateId { .. } => "DuplicateContextoidError",
        UnknownId { .. } => "UnknownContextoidError",
        MissingEndpoint { from, to, kind, .. }
        | DuplicateRelation { from, to, kind }
        | UnknownRelation { from, to, kind } => {
            set("source", node_id_to_py(py, from));
            set("target", node_id_to_py(py, to));
            set("relation", pyo3::types::PyString::new(py, kind).into_any());
            if matches!(err, UnknownRelation { .. }) {
                "UnknownRelationError"
            } else {
                "RelationError"
            }
        }
        TimeOrder { .. } | RowsOutOfOrder { .. } | NotTemporal { .. } => {
            if let RowsOutOfOrder { row, .. } = err {
                set(
                    "row",
                    row.into_pyobject(py)
                        .map(|v| v.into_any())
                        .unwrap_or_else(|_| py.None().into_bound(py)),
                );
            }
            "TimeOrderError"
        }
        TimestampUnit { .. } => "TimestampUnitError",
        InvalidCoordinate { .. } => "CoordinateError",
        UnknownScale { name } => {
            set("scale", pyo3::types::PyString::new(py, name).into_any());
            "UnknownScaleError"
        }
        UnknownField { name, .. } => {
            set("field", pyo3::types::PyString::new(py, name).into_any());
            "UnknownFieldError"
        }
        WrongKind { .. } => "ContextoidKindError",
        Shape { .. } => return raise_from(py, "causaloid.errors", "ShapeError", message, detail),
        Serialization { .. } => {
            return raise_from(
                py,
                "causaloid.errors",
                "SerializationError",
                message,
                detail,
            )
        }
        ScaleNotCoarser { .. } | UnknownAggregation { .. } | InvalidArgument { .. } => {
            "ContextArgumentError"
        }
    };
    raise_from(py, "causaloid.context.errors", class, message, detail)
}
