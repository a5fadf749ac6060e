//! `causaloid._native.Expr`: the engine's expression tree, built by the
//! operators of the Python `causaloid.expr.Expr` wrapper.

use crate::conversion::node_id;
use crate::errors::IntoPy;
use causaloid_core::context::{Aggregation, TimeScale};
use causaloid_core::expr::{BinaryOp, ContextRead, ReadKind, UnaryOp, MAX_DEPTH};
use causaloid_core::Expr;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

#[pyclass(name = "Expr", module = "causaloid._native", frozen)]
#[derive(Clone)]
pub struct PyExpr {
    pub inner: Expr,
    /// Levels of the tree, kept so building checks the depth limit in O(1).
    pub depth: usize,
}

fn leaf(inner: Expr) -> PyExpr {
    PyExpr { inner, depth: 1 }
}

/// A node over `children`, refused past the engine's depth limit.
fn over(py: Python<'_>, inner: Expr, children: &[&PyExpr]) -> PyResult<PyExpr> {
    let depth = 1 + children.iter().map(|c| c.depth).max().unwrap_or(0);
    if depth > MAX_DEPTH {
        return Err(crate::errors::to_pyerr(
            py,
            &causaloid_core::CausalError::TooDeep {
                what: "expression",
                depth,
                limit: MAX_DEPTH,
            },
        ));
    }
    Ok(PyExpr { inner, depth })
}

pub use crate::conversion::{value_from_py, value_to_py};

#[pymethods]
impl PyExpr {
    #[staticmethod]
    fn col(name: String) -> PyExpr {
        leaf(Expr::col(name))
    }

    #[staticmethod]
    fn value() -> PyExpr {
        leaf(Expr::Value)
    }

    /// The value of the parent node `id` of a graph.
    #[staticmethod]
    fn node(id: &Bound<'_, PyAny>) -> PyResult<PyExpr> {
        Ok(leaf(Expr::Node(node_id(id)?)))
    }

    /// `field` of the contextoid `id` of the context named `context`
    /// ("" for the causaloid's own).
    #[staticmethod]
    fn ctx_value(context: String, id: &Bound<'_, PyAny>, field: String) -> PyResult<PyExpr> {
        Ok(leaf(Expr::Read(ContextRead {
            context,
            read: ReadKind::Node {
                id: node_id(id)?,
                field,
            },
        })))
    }

    /// An aggregate over time contextoids (see `cl.expr.ctx_window`).
    #[staticmethod]
    #[pyo3(signature = (context, scale, field, how, start, stop, at=None))]
    #[allow(clippy::too_many_arguments)]
    fn ctx_window(
        py: Python<'_>,
        context: String,
        scale: Option<&str>,
        field: String,
        how: &str,
        start: i64,
        stop: i64,
        at: Option<String>,
    ) -> PyResult<PyExpr> {
        let scale = scale
            .map(|s| TimeScale::parse(s).map_err(|e| crate::errors::to_pyerr(py, &e)))
            .transpose()?;
        let how = Aggregation::parse(how).map_err(|e| crate::errors::to_pyerr(py, &e))?;
        Ok(leaf(Expr::Read(ContextRead {
            context,
            read: ReadKind::Window {
                scale,
                field,
                how,
                start,
                stop,
                at,
            },
        })))
    }

    #[staticmethod]
    fn lit(v: &Bound<'_, PyAny>) -> PyResult<PyExpr> {
        Ok(leaf(Expr::Lit(value_from_py(v)?)))
    }

    #[staticmethod]
    fn unary(py: Python<'_>, op: &str, a: &PyExpr) -> PyResult<PyExpr> {
        let op = UnaryOp::from_name(op)
            .ok_or_else(|| PyValueError::new_err(format!("unknown unary operator {op:?}")))?;
        over(py, a.inner.clone().unary(op), &[a])
    }

    #[staticmethod]
    fn binary(py: Python<'_>, op: &str, a: &PyExpr, b: &PyExpr) -> PyResult<PyExpr> {
        let op = BinaryOp::from_name(op)
            .ok_or_else(|| PyValueError::new_err(format!("unknown binary operator {op:?}")))?;
        over(py, a.inner.clone().binary(op, b.inner.clone()), &[a, b])
    }

    #[staticmethod]
    fn between(py: Python<'_>, x: &PyExpr, low: &PyExpr, high: &PyExpr) -> PyResult<PyExpr> {
        over(
            py,
            x.inner
                .clone()
                .between(low.inner.clone(), high.inner.clone()),
            &[x, low, high],
        )
    }

    /// The engine's operator vocabulary: binary and unary operator names.
    #[staticmethod]
    fn operators() -> (Vec<&'static str>, Vec<&'static str>) {
        (
            BinaryOp::ALL.iter().map(|o| o.name()).collect(),
            UnaryOp::ALL.iter().map(|o| o.name()).collect(),
        )
    }

    fn columns(&self) -> Vec<String> {
        self.inner.columns()
    }

    /// The node ids the expression reads with `node(id)`.
    fn nodes<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        self.inner
            .nodes()
            .iter()
            .map(|i| crate::conversion::node_id_to_py(py, i))
            .collect()
    }

    /// The context reads: (context name, description in words).
    fn reads(&self) -> Vec<(String, String)> {
        self.inner
            .reads()
            .iter()
            .map(|r| (r.context.clone(), r.describe()))
            .collect()
    }

    fn reads_value(&self) -> bool {
        self.inner.reads_value()
    }

    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyExpr> {
        let inner = py.detach(|| Expr::from_json(text)).py(py)?;
        let depth = inner.depth();
        Ok(PyExpr { inner, depth })
    }

    fn equals(&self, other: &PyExpr) -> bool {
        self.inner == other.inner
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }
}

/// The engine's names: time scales, aggregations and collection logics.
#[pyfunction]
fn vocabulary() -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    (
        TimeScale::ALL.iter().map(|s| s.name()).collect(),
        Aggregation::ALL.iter().map(|a| a.name()).collect(),
        causaloid_core::Logic::NAMES.to_vec(),
    )
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyExpr>()?;
    m.add_function(wrap_pyfunction!(vocabulary, m)?)
}
