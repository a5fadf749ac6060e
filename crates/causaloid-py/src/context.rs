//! Bindings of the context hypergraph: `causaloid._native.ContextCore`, a
//! handle on a shared context, plus the mapping of `ContextError` to the
//! exceptions of `causaloid.context.errors`. Contextoids cross the boundary
//! as tuples `(id, kind, params, fields)`; the Python façade builds them.

use causaloid_core::context::{
    Aggregation, Context, ContextError, Contextoid, ContextoidKind, Direction, Frame, Operation,
    Relation, RelationKind, RowIds, SharedContext, TimeScale, WindowRead,
};
use causaloid_core::NodeId;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use std::sync::Arc;

use crate::errors::node_id_to_py;

// ---- errors -------------------------------------------------------------------

use crate::errors::{to_pyerr, IntoPy};

type ContextoidTuple<'py> = (
    Bound<'py, PyAny>,
    String,
    Bound<'py, PyTuple>,
    Vec<(String, f64)>,
);
type TimesAndValues<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>);

// ---- conversions ------------------------------------------------------------------

pub fn node_id_from_py(obj: &Bound<'_, PyAny>) -> PyResult<NodeId> {
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(
            "a contextoid id must be an int or a str, not bool",
        ));
    }
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(NodeId::Int(i));
    }
    if let Ok(s) = obj.extract::<String>() {
        return Ok(NodeId::Str(s));
    }
    Err(PyTypeError::new_err(format!(
        "a contextoid id must be an int or a str; got {}",
        obj.get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    )))
}

fn scale_key(py: Python<'_>, scale: Option<&str>) -> PyResult<Option<TimeScale>> {
    scale.map(|s| TimeScale::parse(s).py(py)).transpose()
}

fn contextoid_from_py(py: Python<'_>, t: &Bound<'_, PyAny>) -> PyResult<Contextoid> {
    let (id, kind, params, fields): ContextoidTuple<'_> = t.extract()?;
    let id = node_id_from_py(&id)?;
    let kind = match kind.as_str() {
        "data" => ContextoidKind::Data,
        "time" => {
            let (scale, timestamp): (String, i64) = params.extract()?;
            let scale = TimeScale::parse(&scale).py(py)?;
            ContextoidKind::Time { scale, timestamp }
        }
        "space" => {
            let (x, y, z): (f64, f64, f64) = params.extract()?;
            ContextoidKind::Space { x, y, z }
        }
        "space_time" => {
            let (x, y, z, timestamp): (f64, f64, f64, i64) = params.extract()?;
            ContextoidKind::SpaceTime { x, y, z, timestamp }
        }
        "symbolic" => {
            let (symbol,): (String,) = params.extract()?;
            ContextoidKind::Symbolic { symbol }
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown contextoid kind {other:?}"
            )))
        }
    };
    Ok(Contextoid { id, kind, fields })
}

fn contextoid_to_py<'py>(py: Python<'py>, c: &Contextoid) -> PyResult<Bound<'py, PyTuple>> {
    let params = match &c.kind {
        ContextoidKind::Data => PyTuple::empty(py),
        ContextoidKind::Time { scale, timestamp } => {
            (scale.name(), *timestamp).into_pyobject(py)?
        }
        ContextoidKind::Space { x, y, z } => (*x, *y, *z).into_pyobject(py)?,
        ContextoidKind::SpaceTime { x, y, z, timestamp } => {
            (*x, *y, *z, *timestamp).into_pyobject(py)?
        }
        ContextoidKind::Symbolic { symbol } => (symbol.as_str(),).into_pyobject(py)?,
    };
    (
        node_id_to_py(py, &c.id),
        c.kind.name(),
        params,
        c.fields.clone(),
    )
        .into_pyobject(py)
}

fn relation_from_py(
    from: &Bound<'_, PyAny>,
    to: &Bound<'_, PyAny>,
    kind: &str,
) -> PyResult<Relation> {
    Ok(Relation {
        from: node_id_from_py(from)?,
        to: node_id_from_py(to)?,
        kind: RelationKind::parse(kind),
    })
}

fn operation_from_py(py: Python<'_>, op: &Bound<'_, PyAny>) -> PyResult<Operation> {
    let tuple = op
        .cast::<PyTuple>()
        .map_err(|_| PyTypeError::new_err("an operation is a tuple"))?;
    let name: String = tuple.get_item(0)?.extract()?;
    let arg = |i: usize| tuple.get_item(i);
    Ok(match name.as_str() {
        "add" => Operation::Add(contextoid_from_py(py, &arg(1)?)?),
        "replace" => Operation::Replace(contextoid_from_py(py, &arg(1)?)?),
        "upsert" => Operation::Upsert(contextoid_from_py(py, &arg(1)?)?),
        "set" => Operation::SetField {
            id: node_id_from_py(&arg(1)?)?,
            field: arg(2)?.extract()?,
            value: arg(3)?.extract()?,
        },
        "remove" => Operation::Remove(node_id_from_py(&arg(1)?)?),
        "link" => Operation::Link(relation_from_py(
            &arg(1)?,
            &arg(2)?,
            &arg(3)?.extract::<String>()?,
        )?),
        "unlink" => Operation::Unlink(relation_from_py(
            &arg(1)?,
            &arg(2)?,
            &arg(3)?.extract::<String>()?,
        )?),
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown operation {other:?}"
            )))
        }
    })
}

fn ids_to_list<'py>(py: Python<'py>, ids: &[NodeId]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, ids.iter().map(|id| node_id_to_py(py, id)))
}

// ---- the handle -----------------------------------------------------------------

/// A handle on a shared context (engine side of `causaloid.Context`).
#[pyclass(module = "causaloid._native", frozen)]
pub struct ContextCore {
    pub inner: Arc<SharedContext>,
}

impl ContextCore {
    pub fn snapshot(&self) -> Arc<Context> {
        self.inner.snapshot()
    }
}

#[pymethods]
impl ContextCore {
    #[new]
    fn new(id: &Bound<'_, PyAny>, name: String) -> PyResult<Self> {
        Ok(ContextCore {
            inner: Arc::new(SharedContext::new(Context::new(node_id_from_py(id)?, name))),
        })
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        node_id_to_py(py, self.snapshot().id())
    }

    #[getter]
    fn name(&self) -> String {
        self.snapshot().name().to_owned()
    }

    fn __len__(&self) -> usize {
        self.snapshot().len()
    }

    fn n_relations(&self) -> usize {
        self.snapshot().n_relations()
    }

    fn contains(&self, id: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.snapshot().contains(&node_id_from_py(id)?))
    }

    /// A read-only view of the current version (no copy): several reads
    /// through it see one version even while the context is updated.
    fn snapshot_view(&self) -> ContextCore {
        ContextCore {
            inner: Arc::new(SharedContext::from_snapshot(self.snapshot())),
        }
    }

    fn copy(&self) -> ContextCore {
        ContextCore {
            inner: Arc::new(SharedContext::new((*self.snapshot()).clone())),
        }
    }

    /// Applies a list of operation tuples, all or none.
    fn apply(&self, py: Python<'_>, ops: &Bound<'_, PyList>) -> PyResult<()> {
        let ops = ops
            .iter()
            .map(|op| operation_from_py(py, &op))
            .collect::<PyResult<Vec<_>>>()?;
        let inner = self.inner.clone();
        py.detach(move || inner.update(|c| c.apply(ops))).py(py)
    }

    fn get<'py>(&self, py: Python<'py>, id: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
        let c = self.snapshot().get(&node_id_from_py(id)?).py(py)?;
        contextoid_to_py(py, &c)
    }

    fn ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        ids_to_list(py, &self.snapshot().ids())
    }

    fn field_names(&self) -> Vec<String> {
        self.snapshot().field_names().to_vec()
    }

    fn value(&self, py: Python<'_>, id: &Bound<'_, PyAny>, field: &str) -> PyResult<f64> {
        self.snapshot().value(&node_id_from_py(id)?, field).py(py)
    }

    /// Values of `field` at many ids: a NumPy int64 array takes the fast path.
    fn values<'py>(
        &self,
        py: Python<'py>,
        ids: &Bound<'py, PyAny>,
        field: &str,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let ctx = self.snapshot();
        let out = if let Ok(arr) = ids.extract::<PyReadonlyArray1<'_, i64>>() {
            let slice = arr
                .as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            let field = field.to_owned();
            py.detach(|| ctx.values_int(slice, &field))
        } else {
            let ids = ids
                .try_iter()?
                .map(|o| node_id_from_py(&o?))
                .collect::<PyResult<Vec<_>>>()?;
            ctx.values(&ids, field)
        };
        Ok(PyArray1::from_vec(py, out.py(py)?))
    }

    #[pyo3(signature = (id, kind=None, direction="both"))]
    fn neighbours<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'_, PyAny>,
        kind: Option<&str>,
        direction: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let direction = match direction {
            "out" | "outgoing" => Direction::Outgoing,
            "in" | "incoming" => Direction::Incoming,
            "both" => Direction::Both,
            other => {
                return Err(PyValueError::new_err(format!(
                    "direction must be 'out', 'in' or 'both'; got {other:?}"
                )))
            }
        };
        let kind = kind.map(RelationKind::parse);
        let out = self
            .snapshot()
            .neighbours(&node_id_from_py(id)?, kind.as_ref(), direction)
            .py(py)?;
        ids_to_list(py, &out)
    }

    #[pyo3(signature = (kind=None))]
    fn relations<'py>(&self, py: Python<'py>, kind: Option<&str>) -> PyResult<Bound<'py, PyList>> {
        let kind = kind.map(RelationKind::parse);
        let rels = self.snapshot().relations(kind.as_ref());
        PyList::new(
            py,
            rels.iter().map(|r| {
                (
                    node_id_to_py(py, &r.from),
                    node_id_to_py(py, &r.to),
                    r.kind.name().to_owned(),
                )
            }),
        )
    }

    fn has_relation(
        &self,
        from: &Bound<'_, PyAny>,
        to: &Bound<'_, PyAny>,
        kind: &str,
    ) -> PyResult<bool> {
        let r = relation_from_py(from, to, kind)?;
        Ok(self.snapshot().has_relation(&r.from, &r.to, &r.kind))
    }

    fn scales(&self) -> Vec<&'static str> {
        self.snapshot()
            .scales()
            .into_iter()
            .map(TimeScale::name)
            .collect()
    }

    #[pyo3(signature = (scale, start, end))]
    fn window<'py>(
        &self,
        py: Python<'py>,
        scale: Option<&str>,
        start: i64,
        end: i64,
    ) -> PyResult<Bound<'py, PyList>> {
        let key = scale_key(py, scale)?;
        let ctx = self.snapshot();
        let slots = ctx.window_slots(key, start, end);
        PyList::new(
            py,
            slots
                .iter()
                .map(|(_, s)| node_id_to_py(py, ctx.id_of_slot(*s))),
        )
    }

    #[pyo3(signature = (scale, field, start, end))]
    fn window_values<'py>(
        &self,
        py: Python<'py>,
        scale: Option<&str>,
        field: &str,
        start: i64,
        end: i64,
    ) -> PyResult<TimesAndValues<'py>> {
        let key = scale_key(py, scale)?;
        let ctx = self.snapshot();
        let values = ctx.window_values(key, field, start, end).py(py)?;
        let times: Vec<i64> = ctx
            .window_slots(key, start, end)
            .iter()
            .map(|(t, _)| *t)
            .collect();
        Ok((
            PyArray1::from_vec(py, times),
            PyArray1::from_vec(py, values),
        ))
    }

    #[pyo3(signature = (scale, t=None, offset=0))]
    fn at<'py>(
        &self,
        py: Python<'py>,
        scale: Option<&str>,
        t: Option<i64>,
        offset: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = scale_key(py, scale)?;
        Ok(match self.snapshot().at(key, t, offset) {
            Some(id) => node_id_to_py(py, &id),
            None => py.None().into_bound(py),
        })
    }

    fn region<'py>(
        &self,
        py: Python<'py>,
        low: [f64; 3],
        high: [f64; 3],
    ) -> PyResult<Bound<'py, PyList>> {
        let ids = self.snapshot().region(low, high).py(py)?;
        ids_to_list(py, &ids)
    }

    /// Adds a time-indexed table. `ids` is "positions", "labels" or a list;
    /// `utc_offsets` (seconds east of UTC per row) sets the calendar of periods.
    #[pyo3(signature = (times, scale, fields, ids, coarser, aggregations, utc_offsets=None))]
    #[allow(clippy::too_many_arguments)]
    fn extend_from_frame(
        &self,
        py: Python<'_>,
        times: PyReadonlyArray1<'_, i64>,
        scale: &str,
        fields: Vec<(String, PyReadonlyArray1<'_, f64>)>,
        ids: &Bound<'_, PyAny>,
        coarser: Vec<String>,
        aggregations: Vec<(String, String)>,
        utc_offsets: Option<PyReadonlyArray1<'_, i64>>,
    ) -> PyResult<()> {
        let err = |e: ContextError| to_pyerr(py, &e);
        let offsets: Vec<i64> = match &utc_offsets {
            Some(arr) => arr
                .as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))?
                .to_vec(),
            None => Vec::new(),
        };
        let scale = TimeScale::parse(scale).map_err(err)?;
        let coarser = coarser
            .iter()
            .map(|s| TimeScale::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let aggregations = aggregations
            .iter()
            .map(|(f, a)| Aggregation::parse(a).map(|a| (f.clone(), a)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let times = times
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let mut owned: Vec<(String, &[f64])> = Vec::with_capacity(fields.len());
        for (name, arr) in &fields {
            owned.push((
                name.clone(),
                arr.as_slice()
                    .map_err(|e| PyValueError::new_err(e.to_string()))?,
            ));
        }
        let row_ids = if let Ok(mode) = ids.extract::<String>() {
            match mode.as_str() {
                "positions" => RowIds::Positions {
                    offset: self.snapshot().len() as i64,
                },
                "labels" => RowIds::Labels,
                other => return Err(PyValueError::new_err(format!("unknown id mode {other:?}"))),
            }
        } else {
            RowIds::Given(
                ids.try_iter()?
                    .map(|o| node_id_from_py(&o?))
                    .collect::<PyResult<Vec<_>>>()?,
            )
        };
        let frame = Frame {
            times,
            scale,
            fields: owned,
            ids: row_ids,
            coarser,
            aggregations,
        };
        let inner = self.inner.clone();
        py.detach(move || inner.update(|c| c.extend_from_frame_in_zone(frame, &offsets)))
            .map_err(err)
    }

    /// For each time in `at`, an aggregate of `field` over nodes of `scale`
    /// counted from the latest node at or before it.
    #[pyo3(signature = (scale, field, aggregation, at, start, stop))]
    #[allow(clippy::too_many_arguments)]
    fn window_aggregate<'py>(
        &self,
        py: Python<'py>,
        scale: Option<&str>,
        field: &str,
        aggregation: &str,
        at: PyReadonlyArray1<'_, f64>,
        start: i64,
        stop: i64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let key = scale_key(py, scale)?;
        let agg = Aggregation::parse(aggregation).py(py)?;
        let at = at
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let ctx = self.snapshot();
        let mut out = vec![0.0; at.len()];
        let field = field.to_owned();
        py.detach(|| ctx.window_aggregate(key, &field, agg, at, start, stop, &mut out))
            .py(py)?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// Several reads `(field, aggregation, start, stop)` anchored at the same
    /// times, sharing one anchor search; one array per read.
    fn window_aggregates<'py>(
        &self,
        py: Python<'py>,
        scale: Option<&str>,
        at: PyReadonlyArray1<'_, f64>,
        reads: Vec<(String, String, i64, i64)>,
    ) -> PyResult<Vec<Bound<'py, PyArray1<f64>>>> {
        let key = scale_key(py, scale)?;
        let reads = reads
            .into_iter()
            .map(|(field, agg, start, stop)| {
                Aggregation::parse(&agg).map(|aggregation| WindowRead {
                    field,
                    aggregation,
                    start,
                    stop,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .py(py)?;
        let at = at
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let ctx = self.snapshot();
        let cols = py
            .detach(|| ctx.window_aggregates(key, at, &reads))
            .py(py)?;
        Ok(cols
            .into_iter()
            .map(|c| PyArray1::from_vec(py, c))
            .collect())
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.snapshot().to_json().py(py)
    }

    /// The engine's compact binary form (what a pickle carries).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyBytes> {
        let snap = self.snapshot();
        let bytes = py.detach(|| snap.to_bytes());
        pyo3::types::PyBytes::new(py, &bytes)
    }

    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<ContextCore> {
        let ctx = py.detach(|| Context::from_bytes(data)).py(py)?;
        Ok(ContextCore {
            inner: Arc::new(SharedContext::new(ctx)),
        })
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<ContextCore> {
        let ctx = Context::from_json(text).py(py)?;
        Ok(ContextCore {
            inner: Arc::new(SharedContext::new(ctx)),
        })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ContextCore>()?;
    Ok(())
}
