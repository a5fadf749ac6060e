//! Uncertain values for Python: `UncertainNode` (a handle on the engine's lazy
//! graph) and `Decision`, plus the bridge that lets the engine call a Python
//! function once per block of samples.

use crate::errors::IntoPy;
use causaloid_core::uncertain::{
    moments, quantiles, resolve_seed, BinaryOp, BlockFunction, Decision, MapFailure, SprtParams,
    UnaryOp, Uncertain,
};
use causaloid_core::Kind;
use numpy::{PyArray1, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
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

    /// A unary operator of the engine's vocabulary (`neg`, `not`, `abs`, `is_nan`).
    fn unary(&self, py: Python<'_>, op: &str) -> PyResult<Self> {
        let op = UnaryOp::from_name(op)
            .ok_or_else(|| PyValueError::new_err(format!("unknown unary operator {op:?}")))?;
        self.inner.unary(op).map(node).py(py)
    }

    /// A binary operator of the engine's vocabulary; `tolerance` widens `eq` / `ne`.
    #[pyo3(signature = (op, other, tolerance=0.0))]
    fn binary(&self, py: Python<'_>, op: &str, other: &Self, tolerance: f64) -> PyResult<Self> {
        let op = BinaryOp::from_name(op)
            .ok_or_else(|| PyValueError::new_err(format!("unknown binary operator {op:?}")))?;
        self.inner
            .binary_within(op, &other.inner, tolerance)
            .map(node)
            .py(py)
    }

    fn within_range(&self, py: Python<'_>, low: f64, high: f64) -> PyResult<Self> {
        self.inner.within_range(low, high).map(node).py(py)
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

    /// The engine's binary form of the graph and the Python functions of its
    /// `map` nodes, `(callable, name)` in the order the bytes refer to them.
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyList>)> {
        let (bytes, functions) = self.inner.to_bytes();
        let list = PyList::empty(py);
        for f in &functions {
            match f.as_any().downcast_ref::<PyBlockFunction>() {
                Some(f) => list.append((f.function.clone_ref(py), f.name.clone()))?,
                None => {
                    return Err(PyValueError::new_err(
                        "a mapped function that is not Python cannot be pickled",
                    ))
                }
            }
        }
        Ok((PyBytes::new(py, &bytes), list))
    }

    /// Reads [`to_bytes`]: the bytes and the `(callable, name)` pairs.
    #[staticmethod]
    fn from_bytes(
        py: Python<'_>,
        data: &[u8],
        functions: Vec<(Py<PyAny>, String)>,
    ) -> PyResult<Self> {
        let functions: Vec<Arc<dyn BlockFunction>> = functions
            .into_iter()
            .map(|(function, name)| {
                Arc::new(PyBlockFunction { function, name }) as Arc<dyn BlockFunction>
            })
            .collect();
        Uncertain::from_bytes(data, &functions).map(node).py(py)
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

/// The engine's default sequential test: `(threshold, confidence, epsilon,
/// max_samples)`; Python's signatures take their defaults from here.
#[pyfunction]
fn sprt_defaults() -> (f64, f64, f64, usize) {
    let d = SprtParams::default();
    (d.threshold, d.confidence, d.epsilon, d.max_samples)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyUncertainNode>()?;
    m.add_class::<PyDecision>()?;
    m.add_function(wrap_pyfunction!(sprt_defaults, m)?)?;
    Ok(())
}
