//! The ethos for Python: `Norm`, `Ethos`, `DeonticVerdict`, and the bridge that
//! lets norms decide with Python predicates. Engine errors map to the classes
//! of `causaloid.ethos.errors`.

use crate::errors::{node_id, node_id_to_py, IntoPy};
use crate::expr::{value_from_py, PyExpr};
use causaloid_core::ethos::{
    ActionContext, DeonticVerdict, Ethos, Modality, Norm, NormPredicate, Predicate,
};
use causaloid_core::{ErrorPayload, Verdict};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::{Arc, Mutex};

// ---- Python predicates ------------------------------------------------------------

/// A Python callable `fn(action, context)`; the context is the host's own
/// object when there is one (the mapping the user passed), else a dict of the
/// context's named values.
struct PyPredicate {
    callable: Py<PyAny>,
}

impl NormPredicate for PyPredicate {
    fn holds(
        &self,
        action: &str,
        context: &ActionContext<'_>,
    ) -> Result<bool, (String, Option<ErrorPayload>)> {
        Python::attach(|py| {
            let fail = |e: PyErr| {
                let ty = e
                    .get_type(py)
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                let msg = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
                (format!("{ty}: {msg}"), Some(ErrorPayload(Arc::new(e))))
            };
            let ctx = context_to_py(py, context).map_err(fail)?;
            let out = self.callable.bind(py).call1((action, ctx)).map_err(fail)?;
            let v = value_from_py(&out).map_err(|_| {
                let ty = out
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                (
                    format!("returned {ty}, not a bool or a degree in [0, 1]"),
                    None,
                )
            })?;
            Verdict::from_raw(v.kind(), v.num())
                .map(Verdict::is_active)
                .map_err(|bad| {
                    (
                        format!("returned {bad}, not a bool or a degree in [0, 1]"),
                        None,
                    )
                })
        })
    }
}

pub fn context_to_py<'py>(
    py: Python<'py>,
    context: &ActionContext<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(h) = context.host().and_then(|h| h.downcast_ref::<Py<PyAny>>()) {
        return Ok(h.bind(py).clone());
    }
    let d = PyDict::new(py);
    for name in context.names() {
        d.set_item(&name, context.get(&name).unwrap_or(f64::NAN))?;
    }
    Ok(d.into_any())
}

/// Numeric entries of a Python mapping as (names, values); other entries are
/// left to Python predicates, which receive the mapping itself.
pub fn mapping_to_context(context: Option<&Bound<'_, PyAny>>) -> PyResult<(Vec<String>, Vec<f64>)> {
    let mut names = Vec::new();
    let mut values = Vec::new();
    if let Some(ctx) = context.filter(|c| !c.is_none()) {
        let items = ctx.call_method0("items")?;
        for item in items.try_iter()? {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
            if let (Ok(name), Ok(x)) = (k.extract::<String>(), value_from_py(&v)) {
                names.push(name);
                values.push(x.num());
            }
        }
    }
    Ok((names, values))
}

// ---- Norm -----------------------------------------------------------------------------

#[pyclass(name = "Norm", module = "causaloid._native", frozen)]
pub struct PyNorm {
    pub inner: Norm,
}

#[pymethods]
impl PyNorm {
    #[new]
    #[pyo3(signature = (id, action, modality, priority=0, specificity=0, time=0.0, description=String::new(), expr=None, predicate=None, contexts=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        action: String,
        modality: &str,
        priority: i64,
        specificity: i64,
        time: f64,
        description: String,
        expr: Option<PyRef<'_, PyExpr>>,
        predicate: Option<Py<PyAny>>,
        contexts: Vec<PyRef<'_, crate::context::ContextCore>>,
    ) -> PyResult<PyNorm> {
        let modality = Modality::from_name(modality).py(py)?;
        let mut norm = Norm::new(node_id(id)?, action, modality)
            .priority(priority)
            .specificity(specificity)
            .time(time);
        norm.description = description;
        norm.contexts = contexts.iter().map(|c| Arc::clone(&c.inner)).collect();
        norm.predicate = match (expr, predicate) {
            (Some(e), _) => Predicate::Expr(e.inner.clone()),
            (None, Some(p)) => Predicate::Host(Arc::new(PyPredicate { callable: p })),
            (None, None) => Predicate::Always,
        };
        norm.validate().py(py)?;
        Ok(PyNorm { inner: norm })
    }
}

// ---- Ethos ----------------------------------------------------------------------------

/// Snapshot and swap: an evaluation works on the ethos as it was when the
/// call began (its Python predicates run unlocked), a change copies the norms
/// only while an evaluation still holds the old ones. Safe from any thread,
/// and from within its own predicates.
#[pyclass(name = "Ethos", module = "causaloid._native", frozen)]
pub struct PyEthos {
    inner: Mutex<Arc<Ethos>>,
}

impl PyEthos {
    /// The ethos as it is now.
    pub fn snapshot(&self) -> Arc<Ethos> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Applies a change to the current norms (a copy if an evaluation holds them).
    fn change<R>(&self, f: impl FnOnce(&mut Ethos) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(Arc::make_mut(&mut guard))
    }
}

#[pymethods]
impl PyEthos {
    #[new]
    fn new(py: Python<'_>, norms: Vec<PyRef<'_, PyNorm>>) -> PyResult<PyEthos> {
        let inner = Ethos::with_norms(norms.iter().map(|n| n.inner.clone())).py(py)?;
        Ok(PyEthos {
            inner: Mutex::new(Arc::new(inner)),
        })
    }

    fn add(&self, py: Python<'_>, norm: &PyNorm) -> PyResult<()> {
        self.change(|e| e.add(norm.inner.clone())).py(py)
    }

    fn update(&self, py: Python<'_>, norm: &PyNorm) -> PyResult<()> {
        self.change(|e| e.update(norm.inner.clone())).py(py)
    }

    fn remove(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = node_id(id)?;
        self.change(|e| e.remove(&id)).py(py).map(|_| ())
    }

    #[getter]
    fn columns(&self) -> Vec<String> {
        self.snapshot().columns().to_vec()
    }

    fn __len__(&self) -> usize {
        self.snapshot().len()
    }

    #[pyo3(signature = (action, context=None, time=None))]
    fn evaluate(
        &self,
        py: Python<'_>,
        action: &str,
        context: Option<&Bound<'_, PyAny>>,
        time: Option<f64>,
    ) -> PyResult<PyDeonticVerdict> {
        let (names, values) = mapping_to_context(context)?;
        let host: Option<Py<PyAny>> = context.filter(|c| !c.is_none()).map(|c| c.clone().unbind());
        let mut view = ActionContext::new(&names, &values);
        if let Some(h) = &host {
            view = view.with_host(h);
        }
        let ethos = self.snapshot();
        let v = ethos.evaluate(action, &view, time).py(py)?;
        Ok(PyDeonticVerdict { inner: v })
    }
}

// ---- DeonticVerdict -----------------------------------------------------------------

#[pyclass(name = "DeonticVerdict", module = "causaloid._native", frozen)]
pub struct PyDeonticVerdict {
    pub inner: DeonticVerdict,
}

fn ids<'py>(py: Python<'py>, v: &[causaloid_core::NodeId]) -> Vec<Bound<'py, PyAny>> {
    v.iter().map(|i| node_id_to_py(py, i)).collect()
}

#[pymethods]
impl PyDeonticVerdict {
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
        let inner = DeonticVerdict::from_bytes(data).py(py)?;
        Ok(PyDeonticVerdict { inner })
    }

    #[getter]
    fn action(&self) -> String {
        self.inner.action.clone()
    }

    #[getter]
    fn modality(&self) -> &'static str {
        self.inner.modality.name()
    }

    #[getter]
    fn permitted(&self) -> bool {
        self.inner.permitted()
    }

    #[getter]
    fn decided_by<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.inner.decided_by.as_ref().map(|i| node_id_to_py(py, i))
    }

    #[getter]
    fn applicable<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        ids(py, &self.inner.applicable)
    }

    #[getter]
    fn concurring<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        ids(py, &self.inner.concurring)
    }

    #[getter]
    fn unresolved<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        ids(py, &self.inner.unresolved)
    }

    /// (norm, by, rule, reason) for each defeated norm.
    #[getter]
    #[allow(clippy::type_complexity)]
    fn defeated<'py>(
        &self,
        py: Python<'py>,
    ) -> Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>, &'static str, String)> {
        self.inner
            .defeated
            .iter()
            .map(|d| {
                (
                    node_id_to_py(py, &d.norm),
                    node_id_to_py(py, &d.by),
                    d.rule.name(),
                    d.reason.clone(),
                )
            })
            .collect()
    }

    #[getter]
    fn justification(&self) -> String {
        self.inner.justification()
    }

    fn __bool__(&self) -> bool {
        self.inner.permitted()
    }

    fn __str__(&self) -> String {
        self.inner.justification()
    }

    fn __repr__(&self) -> String {
        let by = self
            .inner
            .decided_by
            .as_ref()
            .map_or("no norm".to_owned(), |i| format!("norm {i}"));
        format!(
            "DeonticVerdict({:?} {} by {by}, {} defeated)",
            self.inner.action,
            self.inner.modality,
            self.inner.defeated.len()
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyNorm>()?;
    m.add_class::<PyEthos>()?;
    m.add_class::<PyDeonticVerdict>()?;
    Ok(())
}
