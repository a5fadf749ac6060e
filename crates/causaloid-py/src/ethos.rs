//! The ethos for Python: `Norm`, `Ethos`, `DeonticVerdict`, and the bridge that
//! lets norms decide with Python predicates. Engine errors map to the classes
//! of `causaloid.ethos.errors`.

use crate::errors::{node_id, node_id_to_py, IntoPy};
use crate::expr::{value_from_py, PyExpr};
use causaloid_core::ethos::{
    ActionContext, Calculus, DeonticVerdict, Ethos, EthosError, Modality, Norm, NormPredicate,
    Predicate,
};
use causaloid_core::uncertain::Uncertain;
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
            let Ok(name) = k.extract::<String>() else {
                continue;
            };
            if crate::graph::is_missing(&v) {
                // None, a pandas NA: a missing value (see docs/missing.md).
                names.push(name);
                values.push(f64::NAN);
            } else if let Ok(x) = value_from_py(&v) {
                names.push(name);
                values.push(x.num());
            }
        }
    }
    Ok((names, values))
}

/// A Python context mapping split into certain values, uncertain values and
/// the mapping itself (for Python predicates).
struct ContextParts {
    names: Vec<String>,
    values: Vec<f64>,
    uncertain: Vec<(String, Uncertain)>,
    host: Option<Py<PyAny>>,
}

impl ContextParts {
    fn view(&self, seed: Option<u64>) -> ActionContext<'_> {
        let mut view = ActionContext::new(&self.names, &self.values).with_uncertain(
            &self.uncertain,
            seed.unwrap_or(causaloid_core::ethos::DEFAULT_SEED),
        );
        if let Some(h) = &self.host {
            view = view.with_host(h);
        }
        view
    }
}

fn split_context(context: Option<&Bound<'_, PyAny>>) -> PyResult<ContextParts> {
    let (names, values) = mapping_to_context(context)?;
    let mut uncertain = Vec::new();
    if let Some(ctx) = context.filter(|c| !c.is_none()) {
        for item in ctx.call_method0("items")?.try_iter()? {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
            let inner = match v.cast::<crate::uncertain::PyUncertainNode>() {
                Ok(u) => Some(u.get().inner.clone()),
                Err(_) => v.getattr("_node").ok().and_then(|n| {
                    n.cast::<crate::uncertain::PyUncertainNode>()
                        .ok()
                        .map(|u| u.get().inner.clone())
                }),
            };
            if let (Ok(name), Some(u)) = (k.extract::<String>(), inner) {
                uncertain.push((name, u));
            }
        }
    }
    let host = context.filter(|c| !c.is_none()).map(|c| c.clone().unbind());
    Ok(ContextParts {
        names,
        values,
        uncertain,
        host,
    })
}

// ---- Norm -----------------------------------------------------------------------------

#[pyclass(name = "Norm", module = "causaloid._native", frozen)]
pub struct PyNorm {
    pub inner: Norm,
}

#[pymethods]
impl PyNorm {
    #[new]
    #[pyo3(signature = (id, action, modality, priority=0, specificity=0, time=0.0, description=String::new(), expr=None, predicate=None, contexts=Vec::new(), tags=Vec::new(), cost=0.0, defeats=Vec::new(), inherits=None, decide=None, seed=None, member=None))]
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
        tags: Vec<String>,
        cost: f64,
        defeats: Vec<Bound<'_, PyAny>>,
        inherits: Option<&Bound<'_, PyAny>>,
        decide: Option<(f64, f64, f64, usize)>,
        seed: Option<u64>,
        member: Option<PyRef<'_, crate::graph::PyMember>>,
    ) -> PyResult<PyNorm> {
        let modality = Modality::from_name(modality).py(py)?;
        let mut norm = Norm::new(node_id(id)?, action, modality)
            .priority(priority)
            .specificity(specificity)
            .time(time)
            .tags(tags)
            .cost(cost);
        norm.description = description;
        norm.contexts = contexts.iter().map(|c| Arc::clone(&c.inner)).collect();
        norm.defeats = defeats.iter().map(node_id).collect::<PyResult<_>>()?;
        norm.inherits = inherits.map(node_id).transpose()?;
        norm.decide = decide.map(crate::conversion::sprt_params);
        norm.seed = seed;
        norm.predicate = match (expr, predicate, member) {
            (Some(e), _, _) => Predicate::Expr(e.inner.clone()),
            (None, Some(p), _) => Predicate::Host(Arc::new(PyPredicate { callable: p })),
            (None, None, Some(m)) => Predicate::Member(m.inner.clone()),
            (None, None, None) => Predicate::Always,
        };
        norm.validate().py(py)?;
        Ok(PyNorm { inner: norm })
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        crate::errors::node_id_to_py(py, &self.inner.id)
    }

    /// The engine's JSON form of the norm (no host predicate).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let v = causaloid_core::ethos::norm_to_value(&self.inner).py(py)?;
        Ok(v.to_string())
    }

    /// (expression, structure, contexts) of the predicate, for wrapping a
    /// norm the engine read (a host predicate gives neither).
    fn parts(
        &self,
    ) -> (
        Option<PyExpr>,
        Option<crate::graph::PyMember>,
        Vec<crate::context::ContextCore>,
    ) {
        let contexts = self
            .inner
            .contexts
            .iter()
            .map(|c| crate::context::ContextCore {
                inner: Arc::clone(c),
            })
            .collect();
        match &self.inner.predicate {
            Predicate::Expr(e) => (
                Some(PyExpr {
                    inner: e.clone(),
                    depth: e.depth(),
                }),
                None,
                contexts,
            ),
            Predicate::Member(m) => (
                None,
                Some(crate::graph::PyMember { inner: m.clone() }),
                contexts,
            ),
            Predicate::Always | Predicate::Host(_) => (None, None, contexts),
        }
    }

    /// Whether the predicate is a host-language callable.
    #[getter]
    fn has_host_predicate(&self) -> bool {
        matches!(self.inner.predicate, Predicate::Host(_))
    }

    /// A norm from the engine's JSON form.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyNorm> {
        let inner = causaloid_core::json::from_str(text, "norm JSON")
            .and_then(|v| {
                causaloid_core::ethos::norm_from_value(v, &causaloid_core::expr::Contexts::new())
            })
            .py(py)?;
        Ok(PyNorm { inner })
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
    /// Wraps an ethos the engine built (a model's, after a program).
    pub fn from_arc(ethos: Arc<Ethos>) -> PyEthos {
        PyEthos {
            inner: Mutex::new(ethos),
        }
    }

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
    #[pyo3(signature = (norms, calculus="priority", action_tags=Vec::new()))]
    fn new(
        py: Python<'_>,
        norms: Vec<PyRef<'_, PyNorm>>,
        calculus: &str,
        action_tags: Vec<(String, Vec<String>)>,
    ) -> PyResult<PyEthos> {
        let mut inner = Ethos::with_norms(norms.iter().map(|n| n.inner.clone())).py(py)?;
        inner.set_calculus(Calculus::from_name(calculus).py(py)?);
        for (action, tags) in action_tags {
            inner.set_action_tags(&action, tags).py(py)?;
        }
        Ok(PyEthos {
            inner: Mutex::new(Arc::new(inner)),
        })
    }

    #[getter]
    fn calculus(&self) -> &'static str {
        self.snapshot().calculus().name()
    }

    /// (action, tags) for every action with declared tags.
    #[getter]
    fn action_tags(&self) -> Vec<(String, Vec<String>)> {
        self.snapshot().tagged_actions().to_vec()
    }

    fn set_action_tags(&self, py: Python<'_>, action: &str, tags: Vec<String>) -> PyResult<()> {
        self.change(|e| e.set_action_tags(action, tags)).py(py)
    }

    /// A norm's tags with its ancestors', and its specificity as ranked.
    fn effective<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<(Vec<String>, i64)> {
        let id = node_id(id)?;
        let ethos = self.snapshot();
        ethos
            .effective(&id)
            .map(|(t, s)| (t.to_vec(), s))
            .ok_or(EthosError::UnknownNorm { id })
            .py(py)
    }

    /// Judges each alternative and chooses: (chosen index or None, verdicts, reason).
    #[pyo3(signature = (actions, context=None, time=None, seed=None, missing="raise"))]
    fn choose(
        &self,
        py: Python<'_>,
        actions: Vec<String>,
        context: Option<&Bound<'_, PyAny>>,
        time: Option<f64>,
        seed: Option<u64>,
        missing: &str,
    ) -> PyResult<(Option<usize>, Vec<PyDeonticVerdict>, String)> {
        let missing = causaloid_core::graph::Missing::from_name(missing).py(py)?;
        let parts = split_context(context)?;
        let view = parts.view(seed);
        let ethos = self.snapshot();
        let c = ethos.choose_with(&actions, &view, time, missing).py(py)?;
        let verdicts = c
            .verdicts
            .into_iter()
            .map(|inner| PyDeonticVerdict { inner })
            .collect();
        Ok((c.chosen, verdicts, c.reason))
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

    /// Vets `action` proposed by a structure deciding `verdict` (a bool or a
    /// degree): None when the verdict is not active, else the judgement with
    /// `"verdict"` in the context (the engine's `Ethos::vet`).
    #[pyo3(signature = (action, verdict, context=None, time=None, tags=Vec::new(), seed=None, missing="raise"))]
    #[allow(clippy::too_many_arguments)]
    fn vet(
        &self,
        py: Python<'_>,
        action: &str,
        verdict: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
        time: Option<f64>,
        tags: Vec<String>,
        seed: Option<u64>,
        missing: &str,
    ) -> PyResult<Option<PyDeonticVerdict>> {
        let missing = causaloid_core::graph::Missing::from_name(missing).py(py)?;
        let v = if let Ok(b) = verdict.cast::<pyo3::types::PyBool>() {
            causaloid_core::Verdict::Bool(b.is_true())
        } else {
            let x: f64 = verdict.extract()?;
            causaloid_core::Verdict::from_raw(causaloid_core::Kind::Num, x).map_err(|bad| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "a verdict is a bool or a degree in [0, 1]; got {bad}"
                ))
            })?
        };
        let parts = split_context(context)?;
        let view = parts.view(seed);
        let ethos = self.snapshot();
        let out = ethos
            .vet_with(action, &tags, v, &view, time, missing)
            .py(py)?;
        Ok(out.map(|inner| PyDeonticVerdict { inner }))
    }

    /// The engine's JSON form of the ethos (no host predicates).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.snapshot().to_json().py(py)
    }

    /// The norms, as the engine holds them.
    fn norms(&self) -> Vec<PyNorm> {
        self.snapshot()
            .norms()
            .map(|n| PyNorm { inner: n.clone() })
            .collect()
    }

    /// Judges `action` in `context`; a missing value a norm reads is
    /// decided by `missing` (see `Ethos::evaluate_tagged_with`).
    #[pyo3(signature = (action, context=None, time=None, tags=Vec::new(), seed=None, missing="raise"))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        py: Python<'_>,
        action: &str,
        context: Option<&Bound<'_, PyAny>>,
        time: Option<f64>,
        tags: Vec<String>,
        seed: Option<u64>,
        missing: &str,
    ) -> PyResult<PyDeonticVerdict> {
        let missing = causaloid_core::graph::Missing::from_name(missing).py(py)?;
        let parts = split_context(context)?;
        let view = parts.view(seed);
        let ethos = self.snapshot();
        let v = ethos
            .evaluate_tagged_with(action, &tags, &view, time, missing)
            .py(py)?;
        Ok(PyDeonticVerdict { inner: v })
    }
}

// ---- DeonticVerdict -----------------------------------------------------------------

/// What an ethos decided about an action: ``permitted`` (also ``bool(v)``), the
/// ``modality`` that won, the norm that ``decided_by`` it, the norms that were
/// ``applicable``, ``concurring``, ``unresolved`` and ``defeated``, and the
/// ``justification`` in words.
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

    #[getter]
    fn calculus(&self) -> &'static str {
        self.inner.calculus.name()
    }

    /// The action's tags the norms were matched against.
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.inner.tags.clone()
    }

    /// When optional: the summed cost of the optional norms that stand.
    #[getter]
    fn cost(&self) -> f64 {
        self.inner.cost
    }

    /// (norm id, Decision) for each predicate decided on uncertain values.
    #[getter]
    fn decisions<'py>(
        &self,
        py: Python<'py>,
    ) -> Vec<(Bound<'py, PyAny>, crate::uncertain::PyDecision)> {
        self.inner
            .decisions
            .iter()
            .map(|(id, d)| {
                (
                    node_id_to_py(py, id),
                    crate::uncertain::PyDecision { inner: d.clone() },
                )
            })
            .collect()
    }

    /// Norms whose predicate is unknown: it reads a missing value and the
    /// policy was ``missing="propagate"``.
    #[getter]
    fn unknown<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        ids(py, &self.inner.unknown)
    }

    /// The missing values the norms' predicates read, in words.
    #[getter]
    fn missing(&self) -> Vec<String> {
        self.inner.missing.clone()
    }

    /// Whether the unknown norms could change the status (then the status
    /// is the fail-safe one: refused if they could forbid the action).
    #[getter]
    fn undecided(&self) -> bool {
        self.inner.undecided
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
        let undecided = if self.inner.undecided {
            ", undecided"
        } else {
            ""
        };
        format!(
            "DeonticVerdict({:?} {} by {by}, {} defeated{undecided})",
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
