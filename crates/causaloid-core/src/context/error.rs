//! Typed errors of the context hypergraph. Each names the offending id (or
//! field, scale, row) so the bindings can raise a precise Python exception.

use crate::diagnostic::{shape_detail, Area, Detail, DetailSink, Diagnostic};
use crate::graph::NodeId;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ContextError {
    #[error("duplicate contextoid id {id}: ids must be unique within a context")]
    DuplicateId { id: NodeId },
    #[error("unknown contextoid id {id}")]
    UnknownId { id: NodeId },
    #[error("relation {from} -> {to} ({kind}) refers to missing contextoid {missing}")]
    MissingEndpoint {
        from: NodeId,
        to: NodeId,
        kind: String,
        missing: NodeId,
    },
    #[error("relation {from} -> {to} ({kind}) already exists")]
    DuplicateRelation {
        from: NodeId,
        to: NodeId,
        kind: String,
    },
    #[error("relation {from} -> {to} ({kind}) does not exist")]
    UnknownRelation {
        from: NodeId,
        to: NodeId,
        kind: String,
    },
    #[error("temporal relation {from} -> {to} goes back in time ({from_time} > {to_time})")]
    TimeOrder {
        from: NodeId,
        to: NodeId,
        from_time: i64,
        to_time: i64,
    },
    #[error("timestamps out of order at row {row} (id {id}): {previous} then {found}; sort the table by time first")]
    RowsOutOfOrder {
        row: usize,
        id: NodeId,
        previous: i64,
        found: i64,
    },
    #[error("temporal relation {from} -> {to} needs two contextoids with a time; {id} has none")]
    NotTemporal {
        from: NodeId,
        to: NodeId,
        id: NodeId,
    },
    #[error("contextoid {id}: {field} is {found}; coordinates must be finite numbers")]
    InvalidCoordinate {
        id: NodeId,
        field: &'static str,
        found: f64,
    },
    #[error("contextoid {id}: timestamp {found} is out of range; timestamps are seconds since 1970-01-01 UTC (milliseconds or nanoseconds are too large)")]
    TimestampUnit { id: NodeId, found: i64 },
    #[error("unknown time scale {name:?} (expected one of second, minute, hour, day, week, month, quarter, year)")]
    UnknownScale { name: String },
    #[error("scale {coarser} is not coarser than {finer}")]
    ScaleNotCoarser { finer: String, coarser: String },
    #[error("unknown aggregation {name:?} (expected first, last, min, max, sum, mean)")]
    UnknownAggregation { name: String },
    #[error("unknown field {name:?}{}", format_known(.known))]
    UnknownField { name: String, known: Vec<String> },
    #[error("contextoid {id} has kind {found}; this operation needs {expected}")]
    WrongKind {
        id: NodeId,
        found: &'static str,
        expected: &'static str,
    },
    #[error("{what} has length {found}; expected {expected}")]
    Shape {
        what: String,
        expected: usize,
        found: usize,
    },
    #[error("invalid {name}: {message}")]
    InvalidArgument { name: &'static str, message: String },
    #[error("cannot serialise the context: {message}")]
    Serialization { message: String },
}

fn format_known(known: &[String]) -> String {
    if known.is_empty() {
        " (the context has no fields)".to_owned()
    } else {
        let shown: Vec<&str> = known.iter().take(12).map(String::as_str).collect();
        format!(" (available: {})", shown.join(", "))
    }
}

impl ContextError {
    /// The id the error is about, when there is one.
    pub fn id(&self) -> Option<&NodeId> {
        use ContextError::*;
        match self {
            DuplicateId { id }
            | UnknownId { id }
            | RowsOutOfOrder { id, .. }
            | NotTemporal { id, .. }
            | InvalidCoordinate { id, .. }
            | TimestampUnit { id, .. }
            | WrongKind { id, .. } => Some(id),
            MissingEndpoint { missing, .. } => Some(missing),
            DuplicateRelation { from, .. }
            | UnknownRelation { from, .. }
            | TimeOrder { from, .. } => Some(from),
            _ => None,
        }
    }
}

impl Diagnostic for ContextError {
    fn area(&self) -> Area {
        match self {
            ContextError::Shape { .. } | ContextError::Serialization { .. } => Area::Core,
            _ => Area::Context,
        }
    }

    fn kind(&self) -> &'static str {
        use ContextError::*;
        match self {
            DuplicateId { .. } => "DuplicateContextoidError",
            UnknownId { .. } => "UnknownContextoidError",
            UnknownRelation { .. } => "UnknownRelationError",
            MissingEndpoint { .. } | DuplicateRelation { .. } => "RelationError",
            TimeOrder { .. } | RowsOutOfOrder { .. } | NotTemporal { .. } => "TimeOrderError",
            TimestampUnit { .. } => "TimestampUnitError",
            InvalidCoordinate { .. } => "CoordinateError",
            UnknownScale { .. } => "UnknownScaleError",
            UnknownField { .. } => "UnknownFieldError",
            WrongKind { .. } => "ContextoidKindError",
            Shape { .. } => "ShapeError",
            Serialization { .. } => "SerializationError",
            ScaleNotCoarser { .. } | UnknownAggregation { .. } | InvalidArgument { .. } => {
                "ContextArgumentError"
            }
        }
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        use ContextError::*;
        if let Some(id) = self.id() {
            out("node_id", Detail::Id(id));
        }
        match self {
            MissingEndpoint { from, to, kind, .. }
            | DuplicateRelation { from, to, kind }
            | UnknownRelation { from, to, kind } => {
                out("source", Detail::Id(from));
                out("target", Detail::Id(to));
                out("relation", Detail::Text(kind));
            }
            RowsOutOfOrder { row, .. } => out("row", Detail::int(*row)),
            UnknownScale { name } => out("scale", Detail::Text(name)),
            UnknownField { name, known } => {
                out("field", Detail::Text(name));
                out("available", Detail::Texts(known));
            }
            Shape {
                what,
                expected,
                found,
            } => shape_detail(out, what, *expected, *found),
            InvalidArgument { name, .. } => out("parameter", Detail::Text(name)),
            _ => {}
        }
    }
}
