//! Maps every engine error to its Python exception, generically: the engine's
//! [`Diagnostic`] names the area and class and lists the detail; this file
//! only converts. Exception classes are looked up once and cached.

use causaloid_core::{Area, Detail, Diagnostic, Payload};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::IntoPyObjectExt;
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

/// The Python module holding an area's exception classes.
fn module(area: Area) -> String {
    match area {
        Area::Core => "causaloid.errors".to_owned(),
        other => format!("causaloid.{}.errors", other.name()),
    }
}

fn detail_to_py<'py>(py: Python<'py>, detail: Detail<'_>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match detail {
        Detail::Id(id) => node_id_to_py(py, id),
        Detail::Ids(ids) => PyList::new(py, ids.iter().map(|i| node_id_to_py(py, i)))?.into_any(),
        Detail::Int(n) => n.into_bound_py_any(py)?,
        Detail::Ints(ns) => PyList::new(py, ns)?.into_any(),
        Detail::Float(x) => x.into_bound_py_any(py)?,
        Detail::Range(low, high) => (low, high).into_bound_py_any(py)?,
        Detail::Text(t) => PyString::new(py, t).into_any(),
        Detail::Texts(ts) => PyList::new(py, ts)?.into_any(),
        Detail::Nothing => py.None().into_bound(py),
    })
}

/// The Python exception for any engine error: the class its kind names in its
/// area's module, its detail as attributes, chained to the Python exception it
/// carries or to the engine error that caused it.
pub fn to_pyerr<E: Diagnostic + ?Sized>(py: Python<'_>, err: &E) -> PyErr {
    let detail = PyDict::new(py);
    err.detail(&mut |key, value| {
        if let Ok(v) = detail_to_py(py, value) {
            let _ = detail.set_item(key, v);
        }
    });
    let e = raise_from(py, &module(err.area()), err.kind(), err.to_string(), detail);
    let cause = match err.payload() {
        Some(Payload::Host(any)) => any.downcast_ref::<PyErr>().map(|c| c.clone_ref(py)),
        Some(Payload::Error(error)) => error.downcast_ref::<PyErr>().map(|c| c.clone_ref(py)),
        None => err.caused_by().map(|inner| to_pyerr(py, inner)),
    };
    if cause.is_some() {
        e.set_cause(py, cause);
    }
    e
}

/// Shorthand for `Result<T, engine error>` -> `PyResult<T>`.
pub trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T, E: Diagnostic> IntoPy<T> for Result<T, E> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}
