//! Uncertain values for Python: `UncertainNode` (a handle on the engine's lazy
//! graph) and `Decision`, plus the bridge that lets the engine call a Python
//! function once per block of samples.

use crate::errors::IntoPy;
use causaloid_core::uncertain::{
    moments, quantiles, resolve_seed, BinaryOp, BlockFunction, CompareOp, Decision, LogicOp,
    MapFailure, Part, SprtParams, UnaryOp, Uncertain,
};
use causaloid_core::Kind;
use numpy::{PyArray1, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use std::sync::Arc;

/// A Python callable `fn(samples) -> array`, called once per block.
struct PyBlockFunction {
    function: Py<PyAny>,
    name: String,
}

impl BlockFunction for PyBlockFunction {
    fn call(&self, input: &[f64], input_kind: Kind) -> Result<Vec<f64>, MapFailure> {
        Python::attach(|py| {
            let raised = |e: PyErr| MapFailure::Raised(Box::new(e));
            let arg = match input_kind {
                Kind::Bool => PyArray1::from_iter(py, input.iter().map(|&x| x != 0.0)).into_any(),
                Kind::Num => PyArray1::from_slice(py, input).into_any(),
            };
            let result = self.function.bind(py).call1((arg,)).map_err(raised)?;
            let numpy = py.import("numpy").map_err(raised)?;
            let array = numpy
                .call_method1("asarray", (result, "float64"))
                .map_err(raised)?;
            let array = array
                .cast::<numpy::PyUntypedArray>()
                .map_err(|e| raised(PyErr::from(e)))?;
            if array.ndim() != 1 {
                return Err(MapFailure::Shape(array.shape().to_vec()));
            }
            let values: PyReadonlyArray1<'_, f64> =
                array.extract().map_err(|e| raised(PyErr::from(e)))?;
            Ok(values.as_array().to_vec())
        })
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn unary_name(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "neg",
        UnaryOp::Abs => "abs",
    }
}

fn binary_name(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "add",
        BinaryOp::Sub => "sub",
        BinaryOp::Mul => "mul",
        BinaryOp::Div => "div",
    }
}

fn compare_name(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Lt => "lt",
        CompareOp::Le => "le",
        CompareOp::Gt => "gt",
        CompareOp::Ge => "ge",
        CompareOp::Eq => "eq",
        CompareOp::Ne => "ne",
    }
}

fn logic_name(op: LogicOp) -> &'static str {
    match op {
        LogicOp::And => "and",
        LogicOp::Or => "or",
    }
}

/// One node as `(tag, params, is_bool, operand positions)` for pickling.
fn spec_entry<'py>(
    py: Python<'py>,
    node: &Uncertain,
    operands: Vec<usize>,
) -> PyResult<Bound<'py, PyTuple>> {
    let params: Bound<'py, PyAny> = match node.part() {
        Part::Point(v) => v.into_pyobject(py)?.into_any(),
        Part::Normal { mean, std } => (mean, std).into_pyobject(py)?.into_any(),
        Part::Uniform { low, high } => (low, high).into_pyobject(py)?.into_any(),
        Part::Bernoulli { p } => p.into_pyobject(py)?.into_any(),
        Part::Empirical(samples) => PyArray1::from_slice(py, samples).into_any(),
        Part::Mixture { weights } => weights.to_vec().into_pyobject(py)?.into_any(),
        Part::Unary(op) => unary_name(op).into_pyobject(py)?.into_any(),
        Part::Binary(op) => binary_name(op).into_pyobject(py)?.into_any(),
        Part::Compare(op, tolerance) => (compare_name(op), tolerance).into_pyobject(py)?.into_any(),
        Part::Logic(op) => logic_name(op).into_pyobject(py)?.into_any(),
        Part::Not | Part::Select => py.None().into_bound(py),
        Part::Map(function) => match function.as_any().downcast_ref::<PyBlockFunction>() {
            Some(f) => (f.function.clone_ref(py), f.name.clone())
                .into_pyobject(py)?
                .into_any(),
            None => {
                return Err(PyValueError::new_err(
                    "a mapped function that is not Python cannot be pickled",
                ))
            }
        },
    };
    let tag = match node.part() {
        Part::Point(_) => "point",
        Part::Normal { .. } => "normal",
        Part::Uniform { .. } => "uniform",
        Part::Bernoulli { .. } => "bernoulli",
        Part::Empirical(_) => "from_samples",
        Part::Mixture { .. } => "mixture",
        Part::Unary(_) => "unary",
        Part::Binary(_) => "binary",
        Part::Compare(..) => "compare",
        Part::Logic(_) => "logic",
        Part::Not => "not",
        Part::Select => "select",
        Part::Map(_) => "map",
    };
    PyTuple::new(
        py,
        [
            tag.into_pyobject(py)?.into_any(),
            params,
            pyo3::types::PyBool::new(py, node.kind() == Kind::Bool)
                .to_owned()
                .into_any(),
            operands.into_pyobject(py)?.into_any(),
        ],
    )
}

/// A handle on one node of the engine's lazy computation graph.
#[pyclass(name = "UncertainNode", module = "causaloid._native", frozen)]
pub struct PyUncertainNode {
    pub inner: Uncertain,
}

fn node(inner: Uncertain) -> PyUncertainNode {
    PyUncertainNode { inner }
}

#[pymethods]
impl PyUncertainNode {
    #[staticmethod]
    fn point(value: f64, boolean: bool) -> Self {
        node(if boolean {
            Uncertain::point_bool(value != 0.0)
        } else {
            Uncertain::point(value)
        })
    }

    #[staticmethod]
    fn normal(py: Python<'_>, mean: f64, std: f64) -> PyResult<Self> {
        Uncertain::normal(mean, std).map(node).py(py)
    }

    #[staticmethod]
    fn uniform(py: Python<'_>, low: f64, high: f64) -> PyResult<Self> {
        Uncertain::uniform(low, high).map(node).py(py)
    }

    #[staticmethod]
    fn bernoulli(py: Python<'_>, p: f64) -> PyResult<Self> {
        Uncertain::bernoulli(p).map(node).py(py)
    }

    #[staticmethod]
    fn from_samples(
        py: Python<'_>,
        samples: PyReadonlyArray1<'_, f64>,
        boolean: bool,
    ) -> PyResult<Self> {
        let kind = if boolean { Kind::Bool } else { Kind::Num };
        Uncertain::from_samples(samples.as_array().to_vec(), kind)
            .map(node)
            .py(py)
    }

    #[staticmethod]
    fn mixture(
        py: Python<'_>,
        components: Vec<PyRef<'_, Self>>,
        weights: Vec<f64>,
    ) -> PyResult<Self> {
        let components = components.iter().map(|c| c.inner.clone()).collect();
        Uncertain::mixture(components, weights).map(node).py(py)
    }

    fn unary(&self, op: &str) -> PyResult<Self> {
        let op = match op {
            "neg" => UnaryOp::Neg,
            "abs" => UnaryOp::Abs,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "unknown unary operation {op:?}"
                )))
            }
        };
        Ok(node(self.inner.unary(op)))
    }

    fn binary(&self, op: &str, other: &Self) -> PyResult<Self> {
        let op = match op {
            "add" => BinaryOp::Add,
            "sub" => BinaryOp::Sub,
            "mul" => BinaryOp::Mul,
            "div" => BinaryOp::Div,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "unknown arithmetic operation {op:?}"
                )))
            }
        };
        Ok(node(self.inner.binary(op, &other.inner)))
    }

    fn compare(&self, py: Python<'_>, op: &str, other: &Self, tolerance: f64) -> PyResult<Self> {
        let op = match op {
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            _ => return Err(PyValueError::new_err(format!("unknown comparison {op:?}"))),
        };
        self.inner
            .compare(op, &other.inner, tolerance)
            .map(node)
            .py(py)
    }

    fn logic(&self, py: Python<'_>, op: &str, other: &Self) -> PyResult<Self> {
        let op = match op {
            "and" => LogicOp::And,
            "or" => LogicOp::Or,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "unknown logic operation {op:?}"
                )))
            }
        };
        self.inner.logic(op, &other.inner).map(node).py(py)
    }

    fn logical_not(&self, py: Python<'_>) -> PyResult<Self> {
        self.inner.not().map(node).py(py)
    }

    fn select(&self, py: Python<'_>, then: &Self, otherwise: &Self) -> PyResult<Self> {
        self.inner
            .select(&then.inner, &otherwise.inner)
            .map(node)
            .py(py)
    }

    fn map(&self, function: Py<PyAny>, name: String, boolean: bool) -> Self {
        let kind = if boolean { Kind::Bool } else { Kind::Num };
        node(
            self.inner
                .map(Arc::new(PyBlockFunction { function, name }), kind),
        )
    }

    #[getter]
    fn is_bool(&self) -> bool {
        self.inner.kind() == Kind::Bool
    }

    /// Identity of the random variable (equal for handles on one node).
    #[getter]
    fn node_id(&self) -> usize {
        self.inner.id()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    /// The graph as a list of `(tag, params, is_bool, operand positions)`,
    /// operands first and the root last; shared nodes appear once.
    fn to_spec<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let nodes = self.inner.post_order();
        let position: std::collections::HashMap<usize, usize> =
            nodes.iter().enumerate().map(|(i, n)| (n.id(), i)).collect();
        let list = PyList::empty(py);
        for node in &nodes {
            let operands = node
                .operands()
                .iter()
                .map(|o| position.get(&o.id()).copied().unwrap_or(0))
                .collect();
            list.append(spec_entry(py, node, operands)?)?;
        }
        Ok(list)
    }

    fn node_count(&self) -> usize {
        causaloid_core::uncertain::Plan::compile(&self.inner).node_count()
    }

    /// `(samples, seed)`: booleans come back as a bool array.
    #[pyo3(signature = (n, seed=None))]
    fn sample<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        seed: Option<u64>,
    ) -> PyResult<(Bound<'py, PyAny>, u64)> {
        let seed = resolve_seed(seed);
        let inner = self.inner.clone();
        let values = py.detach(|| inner.sample(n, seed)).py(py)?;
        let array = match self.inner.kind() {
            Kind::Bool => PyArray1::from_iter(py, values.into_iter().map(|x| x != 0.0)).into_any(),
            Kind::Num => PyArray1::from_vec(py, values).into_any(),
        };
        Ok((array, seed))
    }

    /// `(mean, std, seed)` of `n` samples.
    #[pyo3(signature = (n, seed=None))]
    fn moments(&self, py: Python<'_>, n: usize, seed: Option<u64>) -> PyResult<(f64, f64, u64)> {
        let seed = resolve_seed(seed);
        let inner = self.inner.clone();
        let m = py.detach(|| moments(&inner, n, seed)).py(py)?;
        Ok((m.mean, m.std(), seed))
    }

    /// `(values, seed)`: the quantiles `qs` of `n` samples.
    #[pyo3(signature = (qs, n, seed=None))]
    fn quantiles(
        &self,
        py: Python<'_>,
        qs: Vec<f64>,
        n: usize,
        seed: Option<u64>,
    ) -> PyResult<(Vec<f64>, u64)> {
        let seed = resolve_seed(seed);
        let inner = self.inner.clone();
        let values = py.detach(|| quantiles(&inner, &qs, n, seed)).py(py)?;
        Ok((values, seed))
    }

    #[pyo3(signature = (threshold, confidence, epsilon, max_samples, seed=None))]
    fn probability_exceeds(
        &self,
        py: Python<'_>,
        threshold: f64,
        confidence: f64,
        epsilon: f64,
        max_samples: usize,
        seed: Option<u64>,
    ) -> PyResult<PyDecision> {
        let params = SprtParams {
            threshold,
            confidence,
            epsilon,
            max_samples,
        };
        let seed = resolve_seed(seed);
        let inner = self.inner.clone();
        let decision = py
            .detach(|| inner.probability_exceeds(params, seed))
            .py(py)?;
        Ok(PyDecision { inner: decision })
    }
}

/// The outcome of a sequential decision: truthy when the answer is yes.
#[pyclass(name = "Decision", module = "causaloid.uncertain", frozen)]
pub struct PyDecision {
    pub inner: Decision,
}

#[pymethods]
impl PyDecision {
    /// Pickle support: the engine's compact binary form.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, pyo3::types::PyBytes>,))> {
        let py = slf.py();
        let ctor = slf.get_type().getattr("_from_bytes")?;
        let bytes = slf.get().inner.to_bytes();
        Ok((ctor, (pyo3::types::PyBytes::new(py, &bytes),)))
    }

    /// Reads the binary form written for a pickle.
    #[staticmethod]
    fn _from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = Decision::from_bytes(data).py(py)?;
        Ok(PyDecision { inner })
    }

    /// The answer: is P(true) above the threshold?
    #[getter]
    fn outcome(&self) -> bool {
        self.inner.outcome
    }
    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.params.threshold
    }
    #[getter]
    fn confidence(&self) -> f64 {
        self.inner.params.confidence
    }
    #[getter]
    fn epsilon(&self) -> f64 {
        self.inner.params.epsilon
    }
    #[getter]
    fn max_samples(&self) -> usize {
        self.inner.params.max_samples
    }
    /// How many samples the test drew before it stopped.
    #[getter]
    fn samples(&self) -> usize {
        self.inner.samples
    }
    /// How many of them were true.
    #[getter]
    fn successes(&self) -> usize {
        self.inner.successes
    }
    /// The fraction of samples that were true.
    #[getter]
    fn estimate(&self) -> f64 {
        self.inner.estimate()
    }
    #[getter]
    fn log_ratio(&self) -> f64 {
        self.inner.log_ratio
    }
    /// Why the test stopped: "accepted_above", "accepted_below" or "max_samples".
    #[getter]
    fn reason(&self) -> &'static str {
        self.inner.reason.as_str()
    }
    /// The seed of the sampling stream (drawn from the OS when none was given).
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed
    }
    /// Plain text: the question, the samples drawn and why the test stopped.
    fn explain(&self) -> String {
        self.inner.explain()
    }
    fn __bool__(&self) -> bool {
        self.inner.outcome
    }
    fn __repr__(&self) -> String {
        format!(
            "Decision({}, P(true) > {}: {} samples, estimate {:.4}, {})",
            self.inner.outcome,
            self.inner.params.threshold,
            self.inner.samples,
            self.inner.estimate(),
            self.inner.reason.as_str()
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyUncertainNode>()?;
    m.add_class::<PyDecision>()?;
    Ok(())
}
