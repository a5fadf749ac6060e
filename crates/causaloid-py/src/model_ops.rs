//! Operation programs on models for Python: `Operation`, `ModificationLog`
//! and the functions that apply, replay and diff them (all in the engine).

use crate::context::{operation_from_py, ContextCore};
use crate::conversion::node_id;
use crate::errors::IntoPy;
use crate::ethos::{PyEthos, PyNorm};
use crate::expr::PyExpr;
use crate::graph::PyMember;
use causaloid_core::expr::Contexts;
use causaloid_core::model_ops::{self, ModelCore, ModificationLog, Operation};
use pyo3::prelude::*;
use std::sync::Arc;

#[pyclass(name = "Operation", module = "causaloid._native", frozen)]
#[derive(Clone)]
pub struct PyOperation {
    inner: Operation,
}

fn ids(items: Vec<Bound<'_, PyAny>>) -> PyResult<Vec<causaloid_core::NodeId>> {
    items.iter().map(|i| node_id(i)).collect()
}

fn op(inner: Operation) -> PyOperation {
    PyOperation { inner }
}

#[pymethods]
impl PyOperation {
    #[staticmethod]
    #[pyo3(signature = (node, parents=Vec::new(), children=Vec::new()))]
    fn add_causaloid(
        node: &PyMember,
        parents: Vec<Bound<'_, PyAny>>,
        children: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<PyOperation> {
        Ok(op(Operation::AddCausaloid {
            node: node.inner.clone(),
            parents: ids(parents)?,
            children: ids(children)?,
        }))
    }

    #[staticmethod]
    fn update_causaloid(node: &PyMember) -> PyOperation {
        op(Operation::UpdateCausaloid {
            node: node.inner.clone(),
        })
    }

    #[staticmethod]
    fn remove_causaloid(id: &Bound<'_, PyAny>) -> PyResult<PyOperation> {
        Ok(op(Operation::RemoveCausaloid { id: node_id(id)? }))
    }

    #[staticmethod]
    #[pyo3(signature = (source, target, transform=None))]
    fn add_edge(
        source: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
        transform: Option<PyRef<'_, PyExpr>>,
    ) -> PyResult<PyOperation> {
        Ok(op(Operation::AddEdge {
            from: node_id(source)?,
            to: node_id(target)?,
            transform: transform.map(|t| t.inner.clone()),
        }))
    }

    #[staticmethod]
    fn remove_edge(source: &Bound<'_, PyAny>, target: &Bound<'_, PyAny>) -> PyResult<PyOperation> {
        Ok(op(Operation::RemoveEdge {
            from: node_id(source)?,
            to: node_id(target)?,
        }))
    }

    #[staticmethod]
    #[pyo3(signature = (source, target, transform=None))]
    fn set_transform(
        source: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
        transform: Option<PyRef<'_, PyExpr>>,
    ) -> PyResult<PyOperation> {
        Ok(op(Operation::SetTransform {
            from: node_id(source)?,
            to: node_id(target)?,
            transform: transform.map(|t| t.inner.clone()),
        }))
    }

    #[staticmethod]
    fn add_state(name: String, initial: f64, writer: &Bound<'_, PyAny>) -> PyResult<PyOperation> {
        Ok(op(Operation::AddState {
            name,
            initial,
            writer: node_id(writer)?,
        }))
    }

    #[staticmethod]
    fn update_state(name: String, initial: f64) -> PyOperation {
        op(Operation::UpdateState { name, initial })
    }

    #[staticmethod]
    fn remove_state(name: String) -> PyOperation {
        op(Operation::RemoveState { name })
    }

    #[staticmethod]
    fn add_context(context: &ContextCore) -> PyOperation {
        op(Operation::AddContext {
            context: (*context.snapshot()).clone(),
        })
    }

    #[staticmethod]
    fn replace_context(context: &ContextCore) -> PyOperation {
        op(Operation::ReplaceContext {
            context: (*context.snapshot()).clone(),
        })
    }

    #[staticmethod]
    fn remove_context(name: String) -> PyOperation {
        op(Operation::RemoveContext { name })
    }

    /// `ops` are the tuples `cl.Context` builds (`("add", contextoid)`, ...).
    #[staticmethod]
    fn update_context(
        py: Python<'_>,
        name: String,
        ops: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<PyOperation> {
        let ops = ops
            .iter()
            .map(|o| operation_from_py(py, o))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(op(Operation::UpdateContext { name, ops }))
    }

    #[staticmethod]
    fn set_causaloid(node: &PyMember) -> PyOperation {
        op(Operation::SetCausaloid {
            node: node.inner.clone(),
        })
    }

    #[staticmethod]
    fn add_norm(norm: &PyNorm) -> PyOperation {
        op(Operation::AddNorm {
            norm: norm.inner.clone(),
        })
    }

    #[staticmethod]
    fn update_norm(norm: &PyNorm) -> PyOperation {
        op(Operation::UpdateNorm {
            norm: norm.inner.clone(),
        })
    }

    #[staticmethod]
    fn remove_norm(id: &Bound<'_, PyAny>) -> PyResult<PyOperation> {
        Ok(op(Operation::RemoveNorm { id: node_id(id)? }))
    }

    #[staticmethod]
    #[pyo3(signature = (ethos=None))]
    fn set_ethos(ethos: Option<&PyEthos>) -> PyOperation {
        op(Operation::SetEthos {
            ethos: ethos.map(|e| (*e.snapshot()).clone()),
        })
    }

    /// The norm the operation carries, if any.
    fn norm(&self) -> Option<PyNorm> {
        match &self.inner {
            Operation::AddNorm { norm } | Operation::UpdateNorm { norm } => Some(PyNorm {
                inner: norm.clone(),
            }),
            _ => None,
        }
    }

    /// (whether the operation sets the ethos, the ethos it sets or None).
    fn ethos(&self) -> (bool, Option<PyEthos>) {
        match &self.inner {
            Operation::SetEthos { ethos } => {
                (true, ethos.clone().map(|e| PyEthos::from_arc(Arc::new(e))))
            }
            _ => (false, None),
        }
    }

    #[getter]
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    /// The causaloid the operation carries, if any.
    fn member(&self) -> Option<PyMember> {
        match &self.inner {
            Operation::AddCausaloid { node, .. }
            | Operation::UpdateCausaloid { node }
            | Operation::SetCausaloid { node } => Some(PyMember {
                inner: node.clone(),
            }),
            _ => None,
        }
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        model_ops::program_to_json(std::slice::from_ref(&self.inner)).py(py)
    }
}

#[pyclass(name = "ModificationLog", module = "causaloid._native", frozen)]
#[derive(Clone)]
pub struct PyLog {
    inner: ModificationLog,
}

#[pymethods]
impl PyLog {
    fn __len__(&self) -> usize {
        self.inner.entries.len()
    }

    fn summaries(&self) -> Vec<String> {
        self.inner
            .entries
            .iter()
            .map(|e| e.summary.clone())
            .collect()
    }

    fn explain(&self) -> Vec<String> {
        self.inner.explain()
    }

    fn operations(&self) -> Vec<PyOperation> {
        self.inner.operations().into_iter().map(op).collect()
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    /// A log from its operations and their summaries (how a log pickles).
    #[staticmethod]
    fn from_parts(program: Vec<PyRef<'_, PyOperation>>, summaries: Vec<String>) -> PyResult<PyLog> {
        if program.len() != summaries.len() {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "a log needs one summary per operation: {} operations, {} summaries",
                program.len(),
                summaries.len()
            )));
        }
        Ok(PyLog {
            inner: ModificationLog {
                entries: program
                    .iter()
                    .zip(summaries)
                    .map(|(o, summary)| model_ops::LogEntry {
                        operation: o.inner.clone(),
                        summary,
                    })
                    .collect(),
            },
        })
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyLog> {
        Ok(PyLog {
            inner: ModificationLog::from_json(text).py(py)?,
        })
    }

    /// (shared leading operations, positions only in self, positions only in other).
    fn diff(&self, other: &PyLog) -> (usize, Vec<usize>, Vec<usize>) {
        let d = model_ops::diff_logs(&self.inner, &other.inner);
        (d.common, d.only_left, d.only_right)
    }
}

fn model(
    root: &PyMember,
    contexts: &[PyRef<'_, ContextCore>],
    ethos: Option<&PyEthos>,
) -> ModelCore {
    let mut map = Contexts::new();
    for c in contexts {
        map.insert(c.snapshot().name().to_owned(), Arc::clone(&c.inner));
    }
    ModelCore {
        root: root.inner.clone(),
        contexts: map,
        ethos: ethos.map(PyEthos::snapshot),
    }
}

/// The changed model: its causaloid, (name, context, whether it is a new
/// context object) for each context, (whether the ethos changed, the ethos)
/// and the log.
type Changed = (
    PyMember,
    Vec<(String, ContextCore, bool)>,
    (bool, Option<PyEthos>),
    PyLog,
);

fn changed(before: &ModelCore, after: ModelCore, log: ModificationLog) -> Changed {
    let contexts = after
        .contexts
        .iter()
        .map(|(name, c)| {
            let new = before
                .contexts
                .get(name)
                .is_none_or(|old| !Arc::ptr_eq(old, c));
            (
                name.clone(),
                ContextCore {
                    inner: Arc::clone(c),
                },
                new,
            )
        })
        .collect();
    let ethos_changed = match (&before.ethos, &after.ethos) {
        (Some(a), Some(b)) => !Arc::ptr_eq(a, b),
        (None, None) => false,
        _ => true,
    };
    (
        PyMember { inner: after.root },
        contexts,
        (ethos_changed, after.ethos.map(PyEthos::from_arc)),
        PyLog { inner: log },
    )
}

#[pyfunction]
#[pyo3(signature = (root, contexts, program, ethos=None))]
fn apply_program(
    py: Python<'_>,
    root: &PyMember,
    contexts: Vec<PyRef<'_, ContextCore>>,
    program: Vec<PyRef<'_, PyOperation>>,
    ethos: Option<PyRef<'_, PyEthos>>,
) -> PyResult<Changed> {
    let m = model(root, &contexts, ethos.as_deref());
    let ops: Vec<Operation> = program.iter().map(|o| o.inner.clone()).collect();
    let (after, log) = m.apply(&ops).py(py)?;
    Ok(changed(&m, after, log))
}

#[pyfunction]
#[pyo3(signature = (root_a, contexts_a, root_b, contexts_b, ethos_a=None, ethos_b=None))]
fn diff_models(
    py: Python<'_>,
    root_a: &PyMember,
    contexts_a: Vec<PyRef<'_, ContextCore>>,
    root_b: &PyMember,
    contexts_b: Vec<PyRef<'_, ContextCore>>,
    ethos_a: Option<PyRef<'_, PyEthos>>,
    ethos_b: Option<PyRef<'_, PyEthos>>,
) -> PyResult<Vec<PyOperation>> {
    let a = model(root_a, &contexts_a, ethos_a.as_deref());
    let b = model(root_b, &contexts_b, ethos_b.as_deref());
    Ok(model_ops::diff(&a, &b)
        .py(py)?
        .into_iter()
        .map(op)
        .collect())
}

/// The model's JSON form (its causaloid, its contexts and its ethos).
#[pyfunction]
#[pyo3(signature = (root, contexts, ethos=None))]
fn model_to_json(
    py: Python<'_>,
    root: &PyMember,
    contexts: Vec<PyRef<'_, ContextCore>>,
    ethos: Option<PyRef<'_, PyEthos>>,
) -> PyResult<String> {
    model(root, &contexts, ethos.as_deref()).to_json().py(py)
}

/// A model from its JSON form: (causaloid, contexts, ethos or None).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn model_from_json(
    py: Python<'_>,
    text: &str,
) -> PyResult<(PyMember, Vec<ContextCore>, Option<PyEthos>)> {
    let m = py.detach(|| ModelCore::from_json(text)).py(py)?;
    let contexts = m
        .contexts
        .values()
        .map(|c| ContextCore {
            inner: Arc::clone(c),
        })
        .collect();
    Ok((
        PyMember { inner: m.root },
        contexts,
        m.ethos.map(PyEthos::from_arc),
    ))
}

#[pyfunction]
fn program_to_json(py: Python<'_>, program: Vec<PyRef<'_, PyOperation>>) -> PyResult<String> {
    let ops: Vec<Operation> = program.iter().map(|o| o.inner.clone()).collect();
    model_ops::program_to_json(&ops).py(py)
}

#[pyfunction]
fn program_from_json(py: Python<'_>, text: &str) -> PyResult<Vec<PyOperation>> {
    Ok(model_ops::program_from_json(text)
        .py(py)?
        .into_iter()
        .map(op)
        .collect())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyOperation>()?;
    m.add_class::<PyLog>()?;
    m.add_function(wrap_pyfunction!(apply_program, m)?)?;
    m.add_function(wrap_pyfunction!(diff_models, m)?)?;
    m.add_function(wrap_pyfunction!(program_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(model_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(model_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(program_from_json, m)?)?;
    Ok(())
}
