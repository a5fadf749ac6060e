//! Operation programs on models for Python: `Operation`, `ModificationLog`
//! and the functions that apply, replay and diff them (all in the engine).

use crate::context::{operation_from_py, ContextCore};
use crate::conversion::node_id;
use crate::errors::IntoPy;
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

fn model(root: &PyMember, contexts: &[PyRef<'_, ContextCore>]) -> ModelCore {
    let mut map = Contexts::new();
    for c in contexts {
        map.insert(c.snapshot().name().to_owned(), Arc::clone(&c.inner));
    }
    ModelCore {
        root: root.inner.clone(),
        contexts: map,
    }
}

/// The changed model: its causaloid, and (name, context, whether it is a new
/// context object) for each context.
type Changed = (PyMember, Vec<(String, ContextCore, bool)>, PyLog);

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
    (
        PyMember { inner: after.root },
        contexts,
        PyLog { inner: log },
    )
}

#[pyfunction]
fn apply_program(
    py: Python<'_>,
    root: &PyMember,
    contexts: Vec<PyRef<'_, ContextCore>>,
    program: Vec<PyRef<'_, PyOperation>>,
) -> PyResult<Changed> {
    let m = model(root, &contexts);
    let ops: Vec<Operation> = program.iter().map(|o| o.inner.clone()).collect();
    let (after, log) = m.apply(&ops).py(py)?;
    Ok(changed(&m, after, log))
}

#[pyfunction]
fn diff_models(
    py: Python<'_>,
    root_a: &PyMember,
    contexts_a: Vec<PyRef<'_, ContextCore>>,
    root_b: &PyMember,
    contexts_b: Vec<PyRef<'_, ContextCore>>,
) -> PyResult<Vec<PyOperation>> {
    let a = model(root_a, &contexts_a);
    let b = model(root_b, &contexts_b);
    Ok(model_ops::diff(&a, &b)
        .py(py)?
        .into_iter()
        .map(op)
        .collect())
}

/// The model's JSON form (its causaloid and its contexts).
#[pyfunction]
fn model_to_json(
    py: Python<'_>,
    root: &PyMember,
    contexts: Vec<PyRef<'_, ContextCore>>,
) -> PyResult<String> {
    model(root, &contexts).to_json().py(py)
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
    m.add_function(wrap_pyfunction!(program_from_json, m)?)?;
    Ok(())
}
