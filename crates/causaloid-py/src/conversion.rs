//! The one place Python objects become engine types and back: values, node
//! ids, uncertain cells, SPRT parameters. Every binding converts through here.

use causaloid_core::graph::Sampled;
use causaloid_core::uncertain::SprtParams;
use causaloid_core::{NodeId, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyString};

/// A bool or a number from Python as an engine value.
pub fn value_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    obj.extract::<f64>().map(Value::Num).map_err(|_| {
        let ty = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        PyTypeError::new_err(format!("expected a bool or a number, got {ty}"))
    })
}

pub fn value_to_py<'py>(py: Python<'py>, v: Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Value::Num(x) => x.into_pyobject(py)?.into_any(),
    })
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
        Err(_) if obj.is_instance_of::<pyo3::types::PyInt>() => Err(crate::errors::to_pyerr(
            obj.py(),
            &causaloid_core::CausalError::InvalidArgument {
                name: "id",
                message: format!(
                    "an int id must fit in 64 bits (-2**63 .. 2**63 - 1); got {}",
                    obj.str().map(|s| s.to_string()).unwrap_or_default()
                ),
            },
        )),
        Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a node id must be an int or a str, not {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))),
    }
}

/// A row cell or incoming value that may be uncertain (a `cl.Uncertain`'s
/// native node) or plain.
pub fn sampled_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Sampled> {
    if let Ok(u) = obj.cast::<crate::uncertain::PyUncertainNode>() {
        return Ok(Sampled::Uncertain(u.get().inner.clone()));
    }
    value_from_py(obj).map(Sampled::Certain)
}

/// SPRT parameters from `(threshold, confidence, epsilon, max_samples)`.
pub fn sprt_params(t: (f64, f64, f64, usize)) -> SprtParams {
    SprtParams {
        threshold: t.0,
        confidence: t.1,
        epsilon: t.2,
        max_samples: t.3,
    }
}

/// Borrowed views of NumPy float64 columns (contiguous, as the Python side
/// hands them over).
pub fn column_slices<'a>(
    columns: &'a [numpy::PyReadonlyArray1<'_, f64>],
) -> PyResult<Vec<&'a [f64]>> {
    columns
        .iter()
        .map(|c| c.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            pyo3::exceptions::PyValueError::new_err("columns must be contiguous float64 arrays")
        })
}

/// The incoming-value column of a batch, tagged with its kind.
pub fn value_slice<'a>(
    value: Option<&'a numpy::PyReadonlyArray1<'_, f64>>,
    is_bool: bool,
) -> PyResult<Option<(causaloid_core::Kind, &'a [f64])>> {
    let kind = if is_bool {
        causaloid_core::Kind::Bool
    } else {
        causaloid_core::Kind::Num
    };
    value
        .map(|v| {
            v.as_slice().map(|s| (kind, s)).map_err(|_| {
                pyo3::exceptions::PyValueError::new_err("value must be a contiguous float64 array")
            })
        })
        .transpose()
}
