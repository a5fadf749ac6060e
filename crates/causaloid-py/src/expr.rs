//! `causaloid._native.Expr`: the engine's expression tree, built by the
//! operators of the Python `causaloid.expr.Expr` wrapper.

use crate::errors::IntoPy;
use causaloid_core::expr::{BinaryOp, UnaryOp};
use causaloid_core::{Expr, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBool;

#[pyclass(name = "Expr", module = "causaloid._native", frozen)]
#[derive(Clone)]
pub struct PyExpr {
    pub inner: Expr,
}

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

#[pymethods]
impl PyExpr {
    #[staticmethod]
    fn col(name: String) -> PyExpr {
        PyExpr {
            inner: Expr::col(name),
        }
    }

    #[staticmethod]
    fn value() -> PyExpr {
        PyExpr { inner: Expr::Value }
    }

    #[staticmethod]
    fn lit(v: &Bound<'_, PyAny>) -> PyResult<PyExpr> {
        Ok(PyExpr {
            inner: Expr::Lit(value_from_py(v)?),
        })
    }

    #[staticmethod]
    fn unary(op: &str, a: &PyExpr) -> PyResult<PyExpr> {
        let op = UnaryOp::from_name(op)
            .ok_or_else(|| PyValueError::new_err(format!("unknown unary operator {op:?}")))?;
        Ok(PyExpr {
            inner: a.inner.clone().unary(op),
        })
    }

    #[staticmethod]
    fn binary(op: &str, a: &PyExpr, b: &PyExpr) -> PyResult<PyExpr> {
        let op = BinaryOp::from_name(op)
            .ok_or_else(|| PyValueError::new_err(format!("unknown binary operator {op:?}")))?;
        Ok(PyExpr {
            inner: a.inner.clone().binary(op, b.inner.clone()),
        })
    }

    #[staticmethod]
    fn between(x: &PyExpr, low: &PyExpr, high: &PyExpr) -> PyExpr {
        PyExpr {
            inner: x
                .inner
                .clone()
                .between(low.inner.clone(), high.inner.clone()),
        }
    }

    fn columns(&self) -> Vec<String> {
        self.inner.columns()
    }

    fn reads_value(&self) -> bool {
        self.inner.reads_value()
    }

    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyExpr> {
        Ok(PyExpr {
            inner: Expr::from_json(text).py(py)?,
        })
    }

    fn equals(&self, other: &PyExpr) -> bool {
        self.inner == other.inner
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyExpr>()
}
