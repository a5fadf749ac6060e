//! `causaloid._native.Scm`: the engine's structural causal model. Conversion
//! of specs and arrays, error mapping, the GIL released around native work,
//! and the bridge that lets the engine call a Python equation once per batch.

use crate::errors::IntoPy;
use crate::expr::PyExpr;
use causaloid_core::scm::{
    Action, BlockEquation, Equation, EquationFailure, EquationSpec, NodeSpec, Noise, Scm,
};
use causaloid_core::uncertain::resolve_seed;
use causaloid_core::ErrorPayload;
use numpy::{
    PyArray1, PyReadonlyArray1, PyReadwriteArray1, PyReadwriteArray2, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::sync::Arc;

/// A Python function `fn(*parents[, noise]) -> array`, called once per batch.
struct PyEquation {
    function: Py<PyAny>,
    name: String,
}

impl BlockEquation for PyEquation {
    fn call(
        &self,
        parents: &[&[f64]],
        noise: Option<&[f64]>,
        len: usize,
    ) -> Result<Vec<f64>, EquationFailure> {
        Python::attach(|py| {
            let fail = |e: PyErr| EquationFailure {
                message: e.to_string(),
                payload: Some(ErrorPayload(Arc::new(e))),
            };
            let mut args: Vec<Bound<'_, PyAny>> = parents
                .iter()
                .map(|p| PyArray1::from_slice(py, p).into_any())
                .collect();
            if let Some(u) = noise {
                args.push(PyArray1::from_slice(py, u).into_any());
            }
            let args = PyTuple::new(py, args).map_err(fail)?;
            let result = self.function.bind(py).call1(args).map_err(fail)?;
            let numpy = py.import("numpy").map_err(fail)?;
            let array = numpy
                .call_method1("asarray", (result, "float64"))
                .map_err(fail)?;
            // A scalar result broadcasts over the batch.
            let array = numpy
                .call_method1("broadcast_to", (array, (len,)))
                .map_err(|_| EquationFailure {
                    message: format!("it must return one value per row ({len})"),
                    payload: None,
                })?;
            let values: PyReadonlyArray1<'_, f64> = numpy
                .call_method1("ascontiguousarray", (array,))
                .and_then(|a| a.extract().map_err(PyErr::from))
                .map_err(fail)?;
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

fn equation_spec(spec: &Bound<'_, PyTuple>) -> PyResult<EquationSpec> {
    let tag: String = spec.get_item(0)?.extract()?;
    Ok(match tag.as_str() {
        "unfitted" => EquationSpec::Unfitted,
        "linear" => EquationSpec::Linear {
            intercept: spec.get_item(1)?.extract()?,
            coefs: spec.get_item(2)?.extract()?,
        },
        "expr" => {
            let e = spec.get_item(1)?;
            let e = e.cast::<PyExpr>().map_err(PyErr::from)?;
            EquationSpec::Expr(e.get().inner.clone())
        }
        "python" => EquationSpec::External {
            function: Arc::new(PyEquation {
                function: spec.get_item(1)?.unbind(),
                name: spec.get_item(2)?.extract()?,
            }),
            takes_noise: spec.get_item(3)?.extract()?,
        },
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown equation kind {other:?}"
            )))
        }
    })
}

fn noise_spec(spec: &Bound<'_, PyTuple>) -> PyResult<Noise> {
    let tag: String = spec.get_item(0)?.extract()?;
    Ok(match tag.as_str() {
        "none" => Noise::None,
        "normal" => Noise::Normal {
            mean: spec.get_item(1)?.extract()?,
            std: spec.get_item(2)?.extract()?,
        },
        "uniform" => Noise::Uniform {
            low: spec.get_item(1)?.extract()?,
            high: spec.get_item(2)?.extract()?,
        },
        "empirical" => {
            let values: PyReadonlyArray1<'_, f64> = spec.get_item(1)?.extract()?;
            Noise::empirical(values.as_array().to_vec())
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown noise kind {other:?}"
            )))
        }
    })
}

fn actions(items: Vec<(String, Bound<'_, PyAny>)>) -> PyResult<Vec<(String, Action)>> {
    items
        .into_iter()
        .map(|(name, v)| {
            if let Ok(e) = v.cast::<PyExpr>() {
                return Ok((name, Action::Shift(e.get().inner.clone())));
            }
            match v.extract::<f64>() {
                Ok(x) => Ok((name, Action::Set(x))),
                Err(_) => Err(PyTypeError::new_err(format!(
                    "do({name}=...) takes a number or an expression over cl.expr.value()"
                ))),
            }
        })
        .collect()
}

/// The rows of a C-contiguous 2-D array, as mutable slices.
fn rows_mut<'a>(
    array: &'a mut PyReadwriteArray2<'_, f64>,
    what: &str,
) -> PyResult<Vec<&'a mut [f64]>> {
    let (rows, width) = (array.shape()[0], array.shape()[1]);
    let flat = array
        .as_slice_mut()
        .map_err(|_| PyValueError::new_err(format!("{what} is not a C-contiguous array")))?;
    if width == 0 {
        return Ok((0..rows).map(|_| <&mut [f64]>::default()).collect());
    }
    Ok(flat.chunks_mut(width).collect())
}

/// `(variable, description, cut edges)`.
type InterventionRow = (String, String, Vec<(String, String)>);

#[pyclass(name = "Scm", module = "causaloid._native", frozen)]
pub struct PyScm {
    inner: Arc<Scm>,
}

fn wrap(scm: Scm) -> PyScm {
    PyScm {
        inner: Arc::new(scm),
    }
}

#[pymethods]
impl PyScm {
    /// `nodes`: `(name, parents, equation spec, noise spec)` tuples.
    #[new]
    fn new(py: Python<'_>, nodes: Vec<Bound<'_, PyTuple>>) -> PyResult<PyScm> {
        let mut specs = Vec::with_capacity(nodes.len());
        for t in nodes {
            specs.push(NodeSpec {
                name: t.get_item(0)?.extract()?,
                parents: t.get_item(1)?.extract()?,
                equation: equation_spec(t.get_item(2)?.cast::<PyTuple>()?)?,
                noise: noise_spec(t.get_item(3)?.cast::<PyTuple>()?)?,
            });
        }
        Scm::new(specs).py(py).map(wrap)
    }

    /// The engine's JSON form (see `docs/scm.md`); Python equations by name.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Reads [`PyScm::to_json`]'s form; `functions` maps each variable with
    /// a Python equation to its function.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str, functions: Bound<'_, PyDict>) -> PyResult<PyScm> {
        let mut lookup = |node: &str, name: &str, _takes_noise: bool| {
            let f = functions.get_item(node).ok().flatten()?;
            let function: Arc<dyn BlockEquation> = Arc::new(PyEquation {
                function: f.unbind(),
                name: name.to_owned(),
            });
            Some(function)
        };
        Scm::from_json(text, &mut lookup).py(py).map(wrap)
    }

    /// `{variable: function}` of the Python equations (for pickling).
    fn functions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        fn find(e: &Equation) -> Option<&Arc<dyn BlockEquation>> {
            match e {
                Equation::External { function, .. } => Some(function),
                Equation::Soft { base, .. } => find(base),
                _ => None,
            }
        }
        let out = PyDict::new(py);
        for name in self.inner.names() {
            let eq = self.inner.equation(name).py(py)?;
            if let Some(f) = find(eq).and_then(|f| f.as_any().downcast_ref::<PyEquation>()) {
                out.set_item(name, f.function.bind(py))?;
            }
        }
        Ok(out)
    }

    fn names(&self) -> Vec<String> {
        self.inner.names().to_vec()
    }

    fn order(&self) -> Vec<String> {
        self.inner.order().into_iter().map(str::to_owned).collect()
    }

    fn edges(&self) -> Vec<(String, String)> {
        self.inner.edges()
    }

    fn parents(&self, py: Python<'_>, name: &str) -> PyResult<Vec<String>> {
        let ps = self.inner.parents_of(name).py(py)?;
        Ok(ps.into_iter().map(str::to_owned).collect())
    }

    fn describe(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        self.inner.describe(name).py(py)
    }

    /// `(kind, detail)`: `("linear", (intercept, coefs))`, `("expr", text)`,
    /// `("python", name)`, `("fixed", value)`, `("soft", text)`, `("unfitted", None)`.
    fn equation<'py>(&self, py: Python<'py>, name: &str) -> PyResult<(String, Bound<'py, PyAny>)> {
        let eq = self.inner.equation(name).py(py)?;
        Ok(match eq {
            Equation::Unfitted => ("unfitted".into(), py.None().into_bound(py)),
            Equation::Linear { intercept, coefs } => (
                "linear".into(),
                (*intercept, coefs.clone()).into_pyobject(py)?.into_any(),
            ),
            Equation::Expr(c) => (
                "expr".into(),
                c.expr.to_string().into_pyobject(py)?.into_any(),
            ),
            Equation::External { function, .. } => (
                "python".into(),
                function.name().into_pyobject(py)?.into_any(),
            ),
            Equation::Fixed(v) => ("fixed".into(), v.into_pyobject(py)?.into_any()),
            Equation::Soft { expr, .. } => (
                "soft".into(),
                expr.expr.to_string().into_pyobject(py)?.into_any(),
            ),
        })
    }

    /// `(kind, params)` of a variable's noise.
    fn noise<'py>(&self, py: Python<'py>, name: &str) -> PyResult<(String, Bound<'py, PyAny>)> {
        let n = self.inner.noise(name).py(py)?;
        Ok(match n {
            Noise::None => ("none".into(), py.None().into_bound(py)),
            Noise::Normal { mean, std } => {
                ("normal".into(), (*mean, *std).into_pyobject(py)?.into_any())
            }
            Noise::Uniform { low, high } => (
                "uniform".into(),
                (*low, *high).into_pyobject(py)?.into_any(),
            ),
            Noise::Empirical(v) => (
                "empirical".into(),
                PyArray1::from_slice(py, v.values()).into_any(),
            ),
        })
    }

    /// `(variable, description, cut edges)` of every intervention, oldest first.
    fn interventions(&self) -> Vec<InterventionRow> {
        self.inner
            .interventions()
            .iter()
            .map(|i| (i.node.clone(), i.description.clone(), i.cut.clone()))
            .collect()
    }

    fn intervene(&self, py: Python<'_>, items: Vec<(String, Bound<'_, PyAny>)>) -> PyResult<PyScm> {
        let acts = actions(items)?;
        self.inner.intervene(&acts).py(py).map(wrap)
    }

    /// Samples into `out` (one row per variable, model order; the caller
    /// allocates it, e.g. `np.zeros((len(names), n))`); returns the seed used.
    #[pyo3(signature = (out, seed=None))]
    fn sample_into(
        &self,
        py: Python<'_>,
        mut out: PyReadwriteArray2<'_, f64>,
        seed: Option<u64>,
    ) -> PyResult<u64> {
        let seed = resolve_seed(seed);
        let scm = self.inner.clone();
        let mut cols = rows_mut(&mut out, "out")?;
        py.detach(|| causaloid_core::threads::install(|| scm.sample_into(&mut cols, seed)))
            .py(py)?;
        Ok(seed)
    }

    /// The counterfactual written into `values` and `noise` (one row per
    /// variable, model order) and `in_support` (one flag per observed row);
    /// returns `(path, outside counts per variable, intervened model)`.
    #[allow(clippy::too_many_arguments)]
    fn counterfactual_into<'py>(
        &self,
        py: Python<'py>,
        observed: Vec<(String, PyReadonlyArray1<'py, f64>)>,
        items: Vec<(String, Bound<'py, PyAny>)>,
        strict: bool,
        mut values: PyReadwriteArray2<'py, f64>,
        mut noise: PyReadwriteArray2<'py, f64>,
        mut in_support: PyReadwriteArray1<'py, bool>,
    ) -> PyResult<(Vec<String>, Vec<usize>, PyScm)> {
        let acts = actions(items)?;
        let mut cols: Vec<(&str, &[f64])> = Vec::with_capacity(observed.len());
        for (name, arr) in &observed {
            let s = arr
                .as_slice()
                .map_err(|_| PyValueError::new_err(format!("column {name:?} is not contiguous")))?;
            cols.push((name.as_str(), s));
        }
        let mut vals = rows_mut(&mut values, "values")?;
        let mut us = rows_mut(&mut noise, "noise")?;
        let flags = in_support
            .as_slice_mut()
            .map_err(|_| PyValueError::new_err("in_support is not contiguous"))?;
        let scm = self.inner.clone();
        let info = py
            .detach(|| {
                causaloid_core::threads::install(|| {
                    scm.counterfactual_into(&cols, &acts, strict, &mut vals, &mut us, flags)
                })
            })
            .py(py)?;
        let names = info.model.names().to_vec();
        let path = info.path.iter().map(|&k| names[k].clone()).collect();
        Ok((path, info.outside, wrap(info.model)))
    }

    /// `(low, high)` an abducted noise value of `name` is checked against
    /// (a Uniform's bounds, an empirical distribution's range), or None.
    fn support(&self, py: Python<'_>, name: &str) -> PyResult<Option<(f64, f64)>> {
        Ok(self.inner.noise(name).py(py)?.support())
    }

    /// `(effect, std_error, mean_a, mean_b, n, seed)`.
    #[pyo3(signature = (treatment, outcome, a, b, n, seed=None))]
    #[allow(clippy::too_many_arguments)]
    fn effect(
        &self,
        py: Python<'_>,
        treatment: &str,
        outcome: &str,
        a: f64,
        b: f64,
        n: usize,
        seed: Option<u64>,
    ) -> PyResult<(f64, f64, f64, f64, usize, u64)> {
        let seed = resolve_seed(seed);
        let scm = self.inner.clone();
        let e = py
            .detach(|| {
                causaloid_core::threads::install(|| scm.effect(treatment, outcome, a, b, n, seed))
            })
            .py(py)?;
        Ok((e.effect, e.std_error, e.mean_a, e.mean_b, e.n, e.seed))
    }

    fn fit<'py>(
        &self,
        py: Python<'py>,
        table: Vec<(String, PyReadonlyArray1<'py, f64>)>,
    ) -> PyResult<PyScm> {
        let mut cols: Vec<(&str, &[f64])> = Vec::with_capacity(table.len());
        for (name, arr) in &table {
            let s = arr
                .as_slice()
                .map_err(|_| PyValueError::new_err(format!("column {name:?} is not contiguous")))?;
            cols.push((name.as_str(), s));
        }
        let scm = self.inner.clone();
        py.detach(|| scm.fit(&cols)).py(py).map(wrap)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScm>()
}
