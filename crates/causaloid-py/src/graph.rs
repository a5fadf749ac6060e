//! Causaloids, collections and graphs for Python: `Member`, `Graph` and
//! `Evaluation`, plus the bridge that lets the engine call Python callables.

use crate::context::ContextCore;
use crate::conversion::{
    node_id, node_id_to_py, sampled_from_py, sprt_params, value_from_py, value_to_py,
};
use crate::errors::{to_pyerr, IntoPy};
use crate::expr::PyExpr;
use crate::uncertain::PyDecision;
use causaloid_core::expr::Contexts;
use causaloid_core::graph::{
    BatchInput, CallError, HostRow, Missing, Output, SampledInput, SampledMode,
};
use causaloid_core::{
    CausalFunction, CausalGraph, Causaloid, Collection, ErrorPayload, Evaluation, Input, Kind,
    Logic, Member, Value,
};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use std::sync::Arc;

// ---- Python callables as causal functions ----------------------------------------

/// A Python adapter object with `call(value, row)` returning `(0, verdict)`,
/// `(1, target, value)` or `(2, what_it_was)`, and `call_batch(values, columns,
/// n)` returning an array or `(2, what_it_was)`. The adapter (in Python) does
/// the arity handling and type normalisation.
struct PyCallable {
    adapter: Py<PyAny>,
    label: String,
}

fn raised(py: Python<'_>, e: PyErr) -> CallError {
    let message = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    let ty = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    CallError::Raised {
        message: format!("{ty}: {message}"),
        payload: Some(ErrorPayload(Arc::new(e))),
    }
}

fn host_obj<'py>(py: Python<'py>, host: Option<&HostRow>) -> Bound<'py, PyAny> {
    host.and_then(|h| h.downcast_ref::<Py<PyAny>>())
        .map(|h| h.bind(py).clone())
        .unwrap_or_else(|| py.None().into_bound(py))
}

impl PyCallable {
    /// The adapter's `call(value, host)`, or `call_at(value, batch, row)` for
    /// one row of a batch.
    fn call_one(
        &self,
        value: Option<Value>,
        host: Option<&HostRow>,
        row: Option<usize>,
    ) -> Result<Output, CallError> {
        Python::attach(|py| {
            let v = match value {
                Some(v) => value_to_py(py, v).map_err(|e| raised(py, e))?,
                None => py.None().into_bound(py),
            };
            let adapter = self.adapter.bind(py);
            let r = match row {
                None => adapter.call_method1("call", (v, host_obj(py, host))),
                Some(row) => adapter.call_method1("call_at", (v, host_obj(py, host), row)),
            }
            .map_err(|e| raised(py, e))?;
            parse_output(&r).map_err(|e| raised(py, e))?
        })
    }
}

impl CausalFunction for PyCallable {
    fn call(&self, value: Option<Value>, host: Option<&HostRow>) -> Result<Output, CallError> {
        self.call_one(value, host, None)
    }

    fn call_at(
        &self,
        value: Option<Value>,
        batch: Option<&HostRow>,
        row: usize,
    ) -> Result<Output, CallError> {
        self.call_one(value, batch, Some(row))
    }

    fn call_batch(
        &self,
        value: Option<(Kind, &[f64])>,
        len: usize,
        host: Option<&HostRow>,
    ) -> Result<(Kind, Vec<f64>), CallError> {
        Python::attach(|py| {
            let v = match value {
                Some((Kind::Bool, xs)) => {
                    PyArray1::from_iter(py, xs.iter().map(|&x| x != 0.0)).into_any()
                }
                Some((Kind::Num, xs)) => PyArray1::from_slice(py, xs).into_any(),
                None => py.None().into_bound(py),
            };
            let r = self
                .adapter
                .bind(py)
                .call_method1("call_batch", (v, host_obj(py, host), len))
                .map_err(|e| raised(py, e))?;
            if let Ok(t) = r.cast::<PyTuple>() {
                let what: String = t.get_item(1).and_then(|w| w.extract()).unwrap_or_default();
                return Err(CallError::Invalid(what));
            }
            if let Ok(a) = r.extract::<PyReadonlyArray1<'_, bool>>() {
                return Ok((
                    Kind::Bool,
                    a.as_array()
                        .iter()
                        .map(|&b| if b { 1.0 } else { 0.0 })
                        .collect(),
                ));
            }
            match r.extract::<PyReadonlyArray1<'_, f64>>() {
                Ok(a) => Ok((Kind::Num, a.as_array().to_vec())),
                Err(_) => Err(CallError::Invalid(
                    "an array that is neither bool nor float64".into(),
                )),
            }
        })
    }

    fn label(&self) -> String {
        self.label.clone()
    }
}

fn parse_output(r: &Bound<'_, PyAny>) -> PyResult<Result<Output, CallError>> {
    let t = r
        .cast::<PyTuple>()
        .map_err(|_| PyValueError::new_err("adapter returned a non-tuple"))?;
    let tag: u8 = t.get_item(0)?.extract()?;
    Ok(match tag {
        0 => Ok(Output::Value(value_from_py(&t.get_item(1)?)?)),
        1 => Ok(Output::Relay(
            node_id(&t.get_item(1)?)?,
            value_from_py(&t.get_item(2)?)?,
        )),
        _ => Err(CallError::Invalid(t.get_item(1)?.extract()?)),
    })
}

// ---- rows in ------------------------------------------------------------------------

/// The row's values in the member's column order, read from a Python mapping.
/// A column outside `needed` (when given) may be missing: it reads as NaN, for
/// no node of the evaluated part reads it.
fn row_from_mapping(
    py: Python<'_>,
    columns: &[String],
    needed: Option<&[bool]>,
    row: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<f64>> {
    let is_needed = |k: usize| needed.is_none_or(|n| n.get(k).copied().unwrap_or(true));
    let Some(row) = row.filter(|r| !r.is_none()) else {
        if let Some(first) = columns
            .iter()
            .enumerate()
            .find(|(k, _)| is_needed(*k))
            .map(|(_, c)| c)
        {
            let err = causaloid_core::CausalError::UnknownColumn {
                name: first.clone(),
                known: Vec::new(),
            };
            return Err(to_pyerr(py, &err));
        }
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(columns.len());
    for (k, name) in columns.iter().enumerate() {
        let item = match row.get_item(name) {
            Ok(item) => item,
            Err(_) if !is_needed(k) => {
                out.push(f64::NAN);
                continue;
            }
            Err(_) => {
                let known: Vec<String> = row
                    .call_method0("keys")
                    .and_then(|k| {
                        k.try_iter()?
                            .map(|x| x?.str().map(|s| s.to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                return Err(to_pyerr(
                    py,
                    &causaloid_core::CausalError::UnknownColumn {
                        name: name.clone(),
                        known,
                    },
                ));
            }
        };
        let x = match value_from_py(&item) {
            Ok(v) => v.num(),
            // None, pandas NA / NaT: a missing value, decided by the engine's policy.
            Err(_) if is_missing(&item) => f64::NAN,
            Err(_) => {
                let found = item
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                return Err(to_pyerr(
                    py,
                    &causaloid_core::CausalError::ColumnType {
                        name: name.clone(),
                        found,
                    },
                ));
            }
        };
        out.push(x);
    }
    Ok(out)
}

/// Whether a Python cell is a missing value: `None`, pandas `NA` or `NaT`.
pub(crate) fn is_missing(item: &Bound<'_, PyAny>) -> bool {
    item.is_none()
        || item
            .get_type()
            .name()
            .is_ok_and(|n| n == "NAType" || n == "NaTType")
}

/// Parses a `missing=` policy.
fn policy(py: Python<'_>, missing: &str) -> PyResult<Missing> {
    Missing::from_name(missing).py(py)
}

fn opt_value(v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Value>> {
    match v {
        Some(v) if !v.is_none() => value_from_py(v).map(Some),
        _ => Ok(None),
    }
}

fn host_of(row: Option<&Bound<'_, PyAny>>) -> Option<Py<PyAny>> {
    row.filter(|r| !r.is_none()).map(|r| r.clone().unbind())
}

/// Below this many members, one observation takes well under a few
/// microseconds: releasing and re-taking the GIL would cost more than it lets
/// other threads gain.
const DETACH_MEMBERS: usize = 512;

/// Whether evaluating one observation of a structure of `members` members
/// (its direct ones) keeps the GIL: when Python callables inside need it, or
/// when the work is too small to be worth releasing it.
fn keeps_gil(has_callables: bool, members: usize) -> bool {
    has_callables || members < DETACH_MEMBERS
}

/// Reads one observation from Python and evaluates it with `f`, releasing
/// the GIL unless `keep_gil` (see [`keeps_gil`]).
fn evaluate_row(
    py: Python<'_>,
    columns: &[String],
    needed: Option<&[bool]>,
    keep_gil: bool,
    value: Option<&Bound<'_, PyAny>>,
    row: Option<&Bound<'_, PyAny>>,
    f: impl FnOnce(&Input<'_>) -> Result<Evaluation, causaloid_core::CausalError> + Send,
) -> PyResult<Evaluation> {
    let v = opt_value(value)?;
    let r = row_from_mapping(py, columns, needed, row)?;
    let host = host_of(row);
    let input = Input {
        value: v,
        row: &r,
        host: host.as_ref().map(|h| h as &HostRow),
    };
    let evaluation = if keep_gil {
        f(&input)
    } else {
        py.detach(|| f(&input))
    };
    evaluation.py(py)
}

/// A structure's direct members (a graph's nodes, a collection's members).
fn direct_members(m: &Member) -> usize {
    match m {
        Member::Causaloid(_) => 1,
        Member::Collection(c) => c.members().len(),
        Member::Graph(g) => g.len(),
    }
}

// ---- Member -------------------------------------------------------------------------

/// A causaloid, collection or frozen graph, ready to evaluate or nest.
#[pyclass(name = "Member", module = "causaloid._native", frozen)]
pub struct PyMember {
    pub inner: Member,
}

type SprtTuple = (f64, f64, f64, usize);

fn with_decide(py: Python<'_>, c: Causaloid, decide: Option<SprtTuple>) -> PyResult<Causaloid> {
    match decide {
        Some(t) => c.with_decide(sprt_params(t)).py(py),
        None => Ok(c),
    }
}

fn live_contexts(contexts: &[PyRef<'_, ContextCore>]) -> Contexts {
    contexts
        .iter()
        .map(|c| (c.inner.snapshot().name().to_owned(), Arc::clone(&c.inner)))
        .collect()
}

/// The evaluation mode of a graph on uncertain inputs, from Python.
fn sampled_mode(mode: Option<(String, Vec<Bound<'_, PyAny>>)>) -> PyResult<SampledMode> {
    let Some((name, ids)) = mode else {
        return Ok(SampledMode::Roots);
    };
    let id = |k: usize| -> PyResult<causaloid_core::NodeId> {
        ids.get(k)
            .map(node_id)
            .unwrap_or_else(|| Err(PyValueError::new_err("missing node id")))
    };
    Ok(match name.as_str() {
        "evaluate" => SampledMode::Roots,
        "evaluate_from" => SampledMode::From(id(0)?),
        "evaluate_path" => SampledMode::Path(id(0)?, id(1)?),
        "evaluate_single" => SampledMode::Single(id(0)?),
        other => return Err(PyValueError::new_err(format!("unknown mode {other:?}"))),
    })
}

/// Reads one observation with possibly uncertain cells and evaluates it.
#[allow(clippy::too_many_arguments)]
fn evaluate_sampled_row(
    py: Python<'_>,
    member: &Member,
    value: Option<&Bound<'_, PyAny>>,
    row: Option<&Bound<'_, PyAny>>,
    seed: u64,
    samples: usize,
    mode: &SampledMode,
    missing: &str,
) -> PyResult<Evaluation> {
    let missing = policy(py, missing)?;
    let value = match value {
        Some(v) if !v.is_none() => Some(sampled_from_py(v)?),
        _ => None,
    };
    let mut cells = Vec::with_capacity(member.columns().len());
    for name in member.columns() {
        let item = row
            .filter(|r| !r.is_none())
            .and_then(|r| r.get_item(name).ok())
            .ok_or_else(|| {
                to_pyerr(
                    py,
                    &causaloid_core::CausalError::UnknownColumn {
                        name: name.clone(),
                        known: Vec::new(),
                    },
                )
            })?;
        cells.push(sampled_from_py(&item).map_err(|_| {
            to_pyerr(
                py,
                &causaloid_core::CausalError::ColumnType {
                    name: name.clone(),
                    found: item
                        .get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                },
            )
        })?);
    }
    let host = host_of(row);
    let input = SampledInput {
        value,
        row: cells,
        host: host.as_ref().map(|h| h as &HostRow),
        seed,
        samples,
    };
    let run = || member.evaluate_sampled_with(&input, mode, missing);
    if member.has_callables() {
        run().py(py)
    } else {
        py.detach(run).py(py)
    }
}

#[pymethods]
impl PyMember {
    #[staticmethod]
    #[pyo3(signature = (id, description, expr, contexts=Vec::new(), decide=None))]
    fn causaloid_expr(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        description: String,
        expr: &PyExpr,
        contexts: Vec<PyRef<'_, ContextCore>>,
        decide: Option<SprtTuple>,
    ) -> PyResult<PyMember> {
        let held: Vec<_> = contexts.iter().map(|c| Arc::clone(&c.inner)).collect();
        let c =
            Causaloid::from_expr_in(node_id(id)?, description, expr.inner.clone(), &held).py(py)?;
        let c = with_decide(py, c, decide)?;
        Ok(PyMember {
            inner: Member::Causaloid(Arc::new(c)),
        })
    }

    #[staticmethod]
    #[pyo3(signature = (id, description, adapter, label, decide=None))]
    fn causaloid_fn(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        description: String,
        adapter: Py<PyAny>,
        label: String,
        decide: Option<SprtTuple>,
    ) -> PyResult<PyMember> {
        let f = Arc::new(PyCallable { adapter, label });
        let c = with_decide(py, Causaloid::from_fn(node_id(id)?, description, f), decide)?;
        Ok(PyMember {
            inner: Member::Causaloid(Arc::new(c)),
        })
    }

    #[staticmethod]
    fn collection(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        description: String,
        members: Vec<PyRef<'_, PyMember>>,
        logic: &str,
        k: usize,
    ) -> PyResult<PyMember> {
        let logic = Logic::from_name(logic, k).ok_or_else(|| {
            to_pyerr(
                py,
                &causaloid_core::CausalError::InvalidArgument {
                    name: "logic",
                    message: format!(
                        "unknown logic {logic:?}; expected one of {}",
                        Logic::NAMES.join(", ")
                    ),
                },
            )
        })?;
        let members = members.iter().map(|m| m.inner.clone()).collect();
        let c = Collection::new(node_id(id)?, description, members, logic).py(py)?;
        Ok(PyMember {
            inner: Member::Collection(Arc::new(c)),
        })
    }

    #[staticmethod]
    #[pyo3(signature = (text, contexts=Vec::new()))]
    fn from_json(
        py: Python<'_>,
        text: &str,
        contexts: Vec<PyRef<'_, ContextCore>>,
    ) -> PyResult<PyMember> {
        let live = live_contexts(&contexts);
        Ok(PyMember {
            inner: py.detach(|| Member::from_json_with(text, &live)).py(py)?,
        })
    }

    /// The same member also holding `contexts` (a model's), by name.
    fn with_contexts(&self, contexts: Vec<PyRef<'_, ContextCore>>) -> PyMember {
        let held: Vec<_> = contexts.iter().map(|c| Arc::clone(&c.inner)).collect();
        PyMember {
            inner: self.inner.with_contexts(&held),
        }
    }

    /// Names of the contexts the member holds.
    fn context_names(&self) -> Vec<String> {
        self.inner.layout().contexts().keys().cloned().collect()
    }

    /// Whether some context read is the value of an uncertain data
    /// contextoid, so that an evaluation must take the sampled path.
    fn reads_uncertain(&self, py: Python<'_>) -> PyResult<bool> {
        self.inner.layout().reads_uncertain().py(py)
    }

    /// The contexts a causaloid holds (for wrapping a structure the engine read).
    fn contexts(&self) -> Vec<ContextCore> {
        match &self.inner {
            Member::Causaloid(c) => c
                .table()
                .contexts()
                .values()
                .map(|c| ContextCore {
                    inner: Arc::clone(c),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A causaloid's expression (None for a callable or another kind).
    fn expr(&self) -> Option<PyExpr> {
        match &self.inner {
            Member::Causaloid(c) => c.expr().map(|e| PyExpr {
                inner: e.clone(),
                depth: e.depth(),
            }),
            _ => None,
        }
    }

    /// A collection's members.
    fn members(&self) -> Vec<PyMember> {
        match &self.inner {
            Member::Collection(c) => c
                .members()
                .iter()
                .map(|m| PyMember { inner: m.clone() })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A collection's logic as (name, k): ("all", 0), ("at_least", 2) ...
    fn logic(&self) -> Option<(&'static str, usize)> {
        match &self.inner {
            Member::Collection(c) => Some(c.logic().name()),
            _ => None,
        }
    }

    /// A graph member as a graph.
    fn as_graph(&self) -> Option<PyGraph> {
        match &self.inner {
            Member::Graph(g) => Some(PyGraph {
                inner: Arc::clone(g),
            }),
            _ => None,
        }
    }

    /// One observation whose cells may be `cl.Uncertain` (native nodes).
    #[pyo3(signature = (value=None, row=None, seed=0, samples=10_000, missing="raise"))]
    fn evaluate_sampled(
        &self,
        py: Python<'_>,
        value: Option<&Bound<'_, PyAny>>,
        row: Option<&Bound<'_, PyAny>>,
        seed: u64,
        samples: usize,
        missing: &str,
    ) -> PyResult<PyEvaluation> {
        let evaluation = evaluate_sampled_row(
            py,
            &self.inner,
            value,
            row,
            seed,
            samples,
            &SampledMode::Roots,
            missing,
        )?;
        Ok(PyEvaluation { inner: evaluation })
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        node_id_to_py(py, self.inner.id())
    }

    #[getter]
    fn description(&self) -> String {
        self.inner.description().to_owned()
    }

    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind_name()
    }

    #[getter]
    fn columns(&self) -> Vec<String> {
        self.inner.columns().to_vec()
    }

    #[getter]
    fn has_callables(&self) -> bool {
        self.inner.has_callables()
    }

    #[getter]
    fn size(&self) -> usize {
        self.inner.size()
    }

    #[pyo3(signature = (value=None, row=None, missing="raise"))]
    fn evaluate(
        &self,
        py: Python<'_>,
        value: Option<&Bound<'_, PyAny>>,
        row: Option<&Bound<'_, PyAny>>,
        missing: &str,
    ) -> PyResult<PyEvaluation> {
        let inner = &self.inner;
        let policy = policy(py, missing)?;
        let evaluation = evaluate_row(
            py,
            inner.columns(),
            None,
            keeps_gil(inner.has_callables(), direct_members(inner)),
            value,
            row,
            |i| Ok(inner.evaluate_with(i, policy)),
        )?;
        Ok(PyEvaluation { inner: evaluation })
    }

    /// `columns` in the order of `self.columns`, float64 and contiguous;
    /// `host` is what Python callables receive as their row.
    /// Returns (verdicts, activations, unknown): `unknown` is a bool array
    /// marking the rows whose verdict is unknown (`missing="propagate"`),
    /// or None when no row is. `seed` and `samples` apply when a context
    /// read is the value of an uncertain data contextoid (rows are then
    /// sampled one by one).
    #[pyo3(signature = (columns, n, value=None, value_is_bool=false, host=None, activations=false, seed=None, samples=None, missing="raise"))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_batch<'py>(
        &self,
        py: Python<'py>,
        columns: Vec<PyReadonlyArray1<'py, f64>>,
        n: usize,
        value: Option<PyReadonlyArray1<'py, f64>>,
        value_is_bool: bool,
        host: Option<Py<PyAny>>,
        activations: bool,
        seed: Option<u64>,
        samples: Option<usize>,
        missing: &str,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyList>, Bound<'py, PyAny>)> {
        let policy = policy(py, missing)?;
        let input = BatchInput {
            columns: crate::conversion::column_slices(&columns)?,
            len: n,
            value: crate::conversion::value_slice(value.as_ref(), value_is_bool)?,
            host: host.as_ref().map(|h| h as &HostRow),
        };
        let inner = &self.inner;
        if (seed.is_some() || samples.is_some()) && inner.reads_uncertain_context().py(py)? {
            let seed = seed.unwrap_or(causaloid_core::graph::DEFAULT_BATCH_SEED);
            let samples =
                samples.unwrap_or(causaloid_core::uncertain::SprtParams::default().max_samples);
            let out = py
                .detach(|| {
                    causaloid_core::threads::install(|| {
                        inner.evaluate_batch_sampled_with(
                            &input,
                            activations,
                            seed,
                            samples,
                            policy,
                        )
                    })
                })
                .py(py)?;
            let verdicts = column_to_numpy(py, out.kind, out.verdicts);
            let acts = PyList::empty(py);
            for (id, k, v) in out.activations {
                acts.append((node_id_to_py(py, &id), column_to_numpy(py, k, v)))?;
            }
            return Ok((verdicts, acts, py.None().into_bound(py)));
        }
        if !activations {
            // Verdict-only graphs: bit-packed in the engine, one bool per row here.
            let packed = py
                .detach(|| {
                    causaloid_core::threads::install(|| {
                        inner
                            .evaluate_batch_packed_with(&input, policy)
                            .map(|p| p.map(|p| p.to_bools()))
                    })
                })
                .py(py)?;
            if let Some(bools) = packed {
                return Ok((
                    PyArray1::from_vec(py, bools).into_any(),
                    PyList::empty(py),
                    py.None().into_bound(py),
                ));
            }
        }
        let out = py
            .detach(|| {
                causaloid_core::threads::install(|| {
                    inner.evaluate_batch_with(&input, activations, policy)
                })
            })
            .py(py)?;
        let unknown = if out.unknown.is_empty() {
            py.None().into_bound(py)
        } else {
            PyArray1::from_vec(py, out.unknown).into_any()
        };
        let verdicts = column_to_numpy(py, out.kind, out.verdicts);
        let acts = PyList::empty(py);
        for (id, k, v) in out.activations {
            acts.append((node_id_to_py(py, &id), column_to_numpy(py, k, v)))?;
        }
        Ok((verdicts, acts, unknown))
    }
}

fn column_to_numpy(py: Python<'_>, kind: Kind, v: Vec<f64>) -> Bound<'_, PyAny> {
    match kind {
        Kind::Bool => PyArray1::from_iter(py, v.into_iter().map(|x| x != 0.0)).into_any(),
        Kind::Num => PyArray1::from_vec(py, v).into_any(),
    }
}

// ---- Graph ----------------------------------------------------------------------------

/// A causal graph under construction or frozen. Changes copy on write, so an
/// evaluation or a nesting that holds the graph never sees it change.
#[pyclass(name = "Graph", module = "causaloid._native")]
pub struct PyGraph {
    inner: Arc<CausalGraph>,
}

impl PyGraph {
    fn edit<T>(
        &mut self,
        py: Python<'_>,
        f: impl FnOnce(&mut CausalGraph) -> Result<T, causaloid_core::CausalError>,
    ) -> PyResult<T> {
        f(Arc::make_mut(&mut self.inner)).py(py)
    }

    /// Evaluates one row on `part` of the graph: a row may leave out the
    /// columns that only nodes outside the part read.
    fn run(
        &self,
        py: Python<'_>,
        part: SampledMode,
        value: Option<&Bound<'_, PyAny>>,
        row: Option<&Bound<'_, PyAny>>,
        how: impl FnOnce(&Arc<CausalGraph>, &Input<'_>) -> Result<Evaluation, causaloid_core::CausalError>
            + Send,
    ) -> PyResult<PyEvaluation> {
        if !self.inner.is_frozen() {
            return Err(to_pyerr(py, &causaloid_core::CausalError::NotFrozen));
        }
        let g = &self.inner;
        let needed = match part {
            SampledMode::Roots => None,
            part => Some(g.columns_read_by(&part).py(py)?),
        };
        let evaluation = evaluate_row(
            py,
            g.columns(),
            needed.as_deref(),
            keeps_gil(g.has_callables(), g.len()),
            value,
            row,
            |i| how(g, i),
        )?;
        Ok(PyEvaluation { inner: evaluation })
    }
}

#[pymethods]
impl PyGraph {
    #[new]
    fn new(id: &Bound<'_, PyAny>, description: String) -> PyResult<PyGraph> {
        Ok(PyGraph {
            inner: Arc::new(CausalGraph::new(node_id(id)?, description)),
        })
    }

    #[staticmethod]
    #[pyo3(signature = (text, contexts=Vec::new()))]
    fn from_json(
        py: Python<'_>,
        text: &str,
        contexts: Vec<PyRef<'_, ContextCore>>,
    ) -> PyResult<PyGraph> {
        let live = live_contexts(&contexts);
        Ok(PyGraph {
            inner: Arc::new(
                py.detach(|| CausalGraph::from_json_with(text, &live))
                    .py(py)?,
            ),
        })
    }

    /// Whether some context read is the value of an uncertain data
    /// contextoid, so that an evaluation must take the sampled path.
    fn reads_uncertain(&self, py: Python<'_>) -> PyResult<bool> {
        let member = Member::Graph(Arc::clone(&self.inner));
        member.layout().reads_uncertain().py(py)
    }

    /// One observation whose cells may be uncertain; `mode` is the method
    /// name and its node ids, e.g. `("evaluate_from", [start])`.
    #[pyo3(signature = (value=None, row=None, seed=0, samples=10_000, mode=None, missing="raise"))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_sampled(
        &self,
        py: Python<'_>,
        value: Option<&Bound<'_, PyAny>>,
        row: Option<&Bound<'_, PyAny>>,
        seed: u64,
        samples: usize,
        mode: Option<(String, Vec<Bound<'_, PyAny>>)>,
        missing: &str,
    ) -> PyResult<PyEvaluation> {
        if !self.inner.is_frozen() {
            return Err(to_pyerr(py, &causaloid_core::CausalError::NotFrozen));
        }
        let mode = sampled_mode(mode)?;
        let member = Member::Graph(Arc::clone(&self.inner));
        let evaluation =
            evaluate_sampled_row(py, &member, value, row, seed, samples, &mode, missing)?;
        Ok(PyEvaluation { inner: evaluation })
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    fn add<'py>(&mut self, py: Python<'py>, member: &PyMember) -> PyResult<Bound<'py, PyAny>> {
        let id = self.edit(py, |g| g.add(member.inner.clone()))?;
        Ok(node_id_to_py(py, &id))
    }

    fn link(
        &mut self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let (a, b) = (node_id(source)?, node_id(target)?);
        self.edit(py, |g| g.link(&a, &b))
    }

    fn unlink(
        &mut self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let (a, b) = (node_id(source)?, node_id(target)?);
        self.edit(py, |g| g.unlink(&a, &b))
    }

    fn freeze(&mut self, py: Python<'_>) -> PyResult<()> {
        if self.inner.is_frozen() {
            return Ok(());
        }
        // Freeze a copy, so a failed freeze leaves the graph exactly as it was.
        let mut g = (*self.inner).clone();
        g.freeze().py(py)?;
        self.inner = Arc::new(g);
        Ok(())
    }

    fn unfreeze(&mut self) {
        if self.inner.is_frozen() {
            Arc::make_mut(&mut self.inner).unfreeze();
        }
    }

    fn set_max_relays(&mut self, py: Python<'_>, n: usize) -> PyResult<()> {
        self.edit(py, |g| g.set_max_relays(n))
    }

    #[getter]
    fn max_relays(&self) -> usize {
        self.inner.max_relays()
    }

    #[getter]
    fn is_frozen(&self) -> bool {
        self.inner.is_frozen()
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        node_id_to_py(py, self.inner.id())
    }

    #[getter]
    fn description(&self) -> String {
        self.inner.description().to_owned()
    }

    #[getter]
    fn columns(&self) -> Vec<String> {
        self.inner.columns().to_vec()
    }

    fn __len__(&self) -> usize {
        self.inner.declared_nodes().len()
    }

    /// Adds an edge carrying a transform of the parent's value (see `extend.rs`).
    #[pyo3(signature = (source, target, transform=None))]
    fn link_with(
        &mut self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
        transform: Option<PyRef<'_, PyExpr>>,
    ) -> PyResult<()> {
        let (a, b) = (node_id(source)?, node_id(target)?);
        let t = transform.map(|t| t.inner.clone());
        self.edit(py, |g| g.link_with(&a, &b, t))
    }

    #[pyo3(signature = (source, target, transform=None))]
    fn set_transform(
        &mut self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
        transform: Option<PyRef<'_, PyExpr>>,
    ) -> PyResult<()> {
        let (a, b) = (node_id(source)?, node_id(target)?);
        let t = transform.map(|t| t.inner.clone());
        self.edit(py, |g| g.set_transform(&a, &b, t))
    }

    /// (source, target, expression) of every transformed edge.
    fn transforms<'py>(
        &self,
        py: Python<'py>,
    ) -> Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>, PyExpr)> {
        self.inner
            .transforms()
            .iter()
            .map(|t| {
                (
                    node_id_to_py(py, &t.from),
                    node_id_to_py(py, &t.to),
                    PyExpr {
                        inner: t.expr.clone(),
                        depth: t.expr.depth(),
                    },
                )
            })
            .collect()
    }

    fn add_state(&mut self, py: Python<'_>, name: &str, initial: f64) -> PyResult<()> {
        self.edit(py, |g| g.add_state(name, initial))
    }

    fn write_state(&mut self, py: Python<'_>, name: &str, node: &Bound<'_, PyAny>) -> PyResult<()> {
        let n = node_id(node)?;
        self.edit(py, |g| g.write_state(name, &n))
    }

    /// (name, initial value) of every state.
    fn states(&self) -> Vec<(String, f64)> {
        self.inner
            .states()
            .iter()
            .map(|s| (s.name.clone(), s.initial))
            .collect()
    }

    /// (state, writer node) pairs.
    fn writers<'py>(&self, py: Python<'py>) -> Vec<(String, Bound<'py, PyAny>)> {
        self.inner
            .writers()
            .iter()
            .map(|(s, w)| (s.clone(), node_id_to_py(py, w)))
            .collect()
    }

    #[getter]
    fn sequence_columns(&self) -> Vec<String> {
        self.inner.sequence_columns()
    }

    /// Rows in order, threading the graph's state: (values, state after each
    /// row per state, final state, evaluations).
    /// `hosts`: one Python row mapping per row, for Python callables.
    #[pyo3(signature = (columns, n, value=None, value_is_bool=false, hosts=Vec::new(), state=None))]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn evaluate_sequence<'py>(
        &self,
        py: Python<'py>,
        columns: Vec<PyReadonlyArray1<'py, f64>>,
        n: usize,
        value: Option<PyReadonlyArray1<'py, f64>>,
        value_is_bool: bool,
        hosts: Vec<Py<PyAny>>,
        state: Option<Vec<f64>>,
    ) -> PyResult<(
        Bound<'py, PyAny>,
        Vec<Bound<'py, PyAny>>,
        Vec<f64>,
        Vec<PyEvaluation>,
    )> {
        let input = BatchInput {
            columns: crate::conversion::column_slices(&columns)?,
            len: n,
            value: crate::conversion::value_slice(value.as_ref(), value_is_bool)?,
            host: None,
        };
        let host_rows: Vec<&HostRow> = hosts.iter().map(|h| h as &HostRow).collect();
        let g = &self.inner;
        let out = if g.has_callables() {
            g.evaluate_sequence(&input, state.as_deref(), &host_rows)
        } else {
            py.detach(|| g.evaluate_sequence(&input, state.as_deref(), &host_rows))
        }
        .py(py)?;
        let values = column_to_numpy(py, out.kind, out.values);
        let states = out
            .states
            .into_iter()
            .map(|s| PyArray1::from_vec(py, s).into_any())
            .collect();
        let evaluations = out
            .evaluations
            .into_iter()
            .map(|inner| PyEvaluation { inner })
            .collect();
        Ok((values, states, out.final_state, evaluations))
    }

    fn node_ids<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        self.inner
            .declared_nodes()
            .iter()
            .map(|m| node_id_to_py(py, m.id()))
            .collect()
    }

    fn node(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<PyMember> {
        Ok(PyMember {
            inner: self.inner.node(&node_id(id)?).py(py)?.clone(),
        })
    }

    fn edges<'py>(&self, py: Python<'py>) -> Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        self.inner
            .edges()
            .iter()
            .map(|(a, b)| (node_id_to_py(py, a), node_id_to_py(py, b)))
            .collect()
    }

    fn parents<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let ids = self.inner.parents_of(&node_id(id)?).py(py)?;
        Ok(ids.iter().map(|i| node_id_to_py(py, i)).collect())
    }

    fn children<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let ids = self.inner.children_of(&node_id(id)?).py(py)?;
        Ok(ids.iter().map(|i| node_id_to_py(py, i)).collect())
    }

    /// The frozen graph as a member of other structures (or for batches).
    fn as_member(&self, py: Python<'_>) -> PyResult<PyMember> {
        if !self.inner.is_frozen() {
            return Err(to_pyerr(py, &causaloid_core::CausalError::NotFrozen));
        }
        Ok(PyMember {
            inner: Member::Graph(Arc::clone(&self.inner)),
        })
    }

    #[pyo3(signature = (value=None, row=None, missing="raise"))]
    fn evaluate(
        &self,
        py: Python<'_>,
        value: Option<&Bound<'_, PyAny>>,
        row: Option<&Bound<'_, PyAny>>,
        missing: &str,
    ) -> PyResult<PyEvaluation> {
        let p = policy(py, missing)?;
        let part = SampledMode::Roots;
        self.run(py, part.clone(), value, row, move |g, i| {
            g.evaluate_with(&part, i, p)
        })
    }

    #[pyo3(signature = (start, value=None, row=None, missing="raise"))]
    fn evaluate_from(
        &self,
        py: Python<'_>,
        start: &Bound<'_, PyAny>,
        value: Option<&Bound<'_, PyAny>>,
        row: Option<&Bound<'_, PyAny>>,
        missing: &str,
    ) -> PyResult<PyEvaluation> {
        let s = node_id(start)?;
        let part = SampledMode::From(s.clone());
        let p = policy(py, missing)?;
        let _ = s;
        self.run(py, part.clone(), value, row, move |g, i| {
            g.evaluate_with(&part, i, p)
        })
    }

    #[pyo3(signature = (source, target, value=None, row=None, missing="raise"))]
    fn evaluate_path(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
        value: Option<&Bound<'_, PyAny>>,
        row: Option<&Bound<'_, PyAny>>,
        missing: &str,
    ) -> PyResult<PyEvaluation> {
        let (a, b) = (node_id(source)?, node_id(target)?);
        let part = SampledMode::Path(a.clone(), b.clone());
        let p = policy(py, missing)?;
        let _ = (a, b);
        self.run(py, part.clone(), value, row, move |g, i| {
            g.evaluate_with(&part, i, p)
        })
    }

    #[pyo3(signature = (node, value=None, row=None, missing="raise"))]
    fn evaluate_single(
        &self,
        py: Python<'_>,
        node: &Bound<'_, PyAny>,
        value: Option<&Bound<'_, PyAny>>,
        row: Option<&Bound<'_, PyAny>>,
        missing: &str,
    ) -> PyResult<PyEvaluation> {
        let n = node_id(node)?;
        let part = SampledMode::Single(n.clone());
        let p = policy(py, missing)?;
        let _ = n;
        self.run(py, part.clone(), value, row, move |g, i| {
            g.evaluate_with(&part, i, p)
        })
    }
}

// ---- Evaluation ---------------------------------------------------------------------

/// The result of one evaluation: verdict or error, and the trace behind it.
#[pyclass(name = "Evaluation", module = "causaloid._native", frozen)]
pub struct PyEvaluation {
    inner: Evaluation,
}

#[pymethods]
impl PyEvaluation {
    #[getter]
    fn ok(&self) -> bool {
        self.inner.error().is_none()
    }

    /// Whether the verdict is unknown (a missing input, `missing="propagate"`).
    #[getter]
    fn unknown(&self) -> bool {
        self.inner.is_unknown()
    }

    /// The missing inputs a `missing=` policy decided, in words.
    #[getter]
    fn missing_inputs(&self) -> Vec<String> {
        self.inner.missing_inputs().to_vec()
    }

    /// The verdict (bool or degree), or None when the evaluation failed or
    /// the verdict is unknown.
    #[getter]
    fn verdict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if self.inner.is_unknown() {
            return Ok(py.None().into_bound(py));
        }
        match self.inner.result() {
            Ok(v) => value_to_py(py, v),
            Err(_) => Ok(py.None().into_bound(py)),
        }
    }

    /// The SPRT decisions taken on uncertain inputs: (causaloid id, Decision).
    fn decisions<'py>(&self, py: Python<'py>) -> Vec<(Bound<'py, PyAny>, PyDecision)> {
        self.inner
            .decisions()
            .iter()
            .map(|(id, d)| (node_id_to_py(py, id), PyDecision { inner: d.clone() }))
            .collect()
    }

    /// The error as a Python exception instance (not raised), or None.
    fn error<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.inner
            .error()
            .map(|e| to_pyerr(py, e).into_value(py).into_bound(py).into_any())
    }

    fn lines(&self) -> Vec<String> {
        self.inner.lines()
    }

    fn records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for r in self.inner.records() {
            let d = PyDict::new(py);
            d.set_item("depth", r.depth)?;
            d.set_item("kind", r.kind)?;
            d.set_item("id", node_id_to_py(py, &r.id))?;
            d.set_item("description", r.description)?;
            d.set_item("event", r.event)?;
            d.set_item("input", r.input.map(|v| value_to_py(py, v)).transpose()?)?;
            d.set_item(
                "verdict",
                r.verdict.map(|v| value_to_py(py, v)).transpose()?,
            )?;
            d.set_item(
                "relay_target",
                r.relay_target.map(|t| node_id_to_py(py, &t)),
            )?;
            d.set_item(
                "relay_value",
                r.relay_value.map(|v| value_to_py(py, v)).transpose()?,
            )?;
            out.append(d)?;
        }
        Ok(out)
    }

    fn __len__(&self) -> usize {
        self.inner.trace().entries().len()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMember>()?;
    m.add_class::<PyGraph>()?;
    m.add_class::<PyEvaluation>()?;
    Ok(())
}
