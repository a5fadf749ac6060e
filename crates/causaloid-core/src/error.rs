//! The engine's typed errors. The bindings map each variant to one Python
//! exception class, so every variant names what was wrong and where.

use crate::diagnostic::{shape_detail, Area, Detail, DetailSink, Diagnostic, Payload};
use crate::graph::NodeId;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// An opaque error object from a host language (for example the Python
/// exception a callable raised), carried so the bindings can chain it.
#[derive(Clone)]
pub struct ErrorPayload(pub Arc<dyn Any + Send + Sync>);

impl fmt::Debug for ErrorPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorPayload(..)")
    }
}

/// Everything that can go wrong while building or evaluating causal structures.
#[derive(Clone, Debug, thiserror::Error)]
pub enum CausalError {
    #[error("unknown node id {id}")]
    UnknownNode { id: NodeId },
    #[error("duplicate id {id}: ids must be unique within a graph or collection")]
    DuplicateId { id: NodeId },
    #[error("edge {from} -> {to} already exists")]
    DuplicateEdge { from: NodeId, to: NodeId },
    #[error("the graph has a cycle through {}", format_path(.path))]
    Cycle { path: Vec<NodeId> },
    #[error("the graph is not frozen: call freeze() before evaluating it")]
    NotFrozen,
    #[error("the graph is frozen: call unfreeze() before changing it")]
    Frozen,
    #[error("the graph is empty: add at least one causaloid")]
    EmptyGraph,
    #[error("no path from {from} to {to}")]
    NoPath { from: NodeId, to: NodeId },
    #[error("causaloid {id} raised: {message}")]
    Callable {
        id: NodeId,
        message: String,
        payload: Option<ErrorPayload>,
    },
    #[error("{id} gave {found}{} where a verdict is needed (a bool or a degree in [0, 1]): a collection, the join of several parents, several final nodes, a state or a norm decide on verdicts", format_row(.row))]
    InvalidVerdict {
        id: NodeId,
        found: String,
        row: Option<usize>,
    },
    #[error("relay limit of {limit} rounds exceeded (last relay to {target}); the graph may be relaying in a loop")]
    RelayLimit { limit: usize, target: NodeId },
    #[error("causaloid {id} returned a relay, which {reason}")]
    RelayNotAllowed { id: NodeId, reason: &'static str },
    #[error("causaloid {id} reads value() but it received no incoming value (pass value= for the roots)")]
    MissingValue { id: NodeId },
    #[error("missing value (NaN / null) in column {column:?}{}, read by {id}: fill the gap, or pass missing=\"false\", \"true\" or \"propagate\" to decide such rows", format_row(.row))]
    MissingInput {
        /// The input column (or context read) the value is missing from.
        column: String,
        row: Option<usize>,
        /// The causaloid that reads it.
        id: NodeId,
    },
    #[error("causaloid {id} returned NaN (a missing value){}: return a verdict, or pass missing=\"false\", \"true\" or \"propagate\" to decide such rows", format_row(.row))]
    MissingOutput { id: NodeId, row: Option<usize> },
    #[error("unknown column {name:?}{}", format_known(.known))]
    UnknownColumn { name: String, known: Vec<String> },
    #[error("column {name:?} is {found}; expected numbers or booleans")]
    ColumnType { name: String, found: String },
    #[error("{what} has length {found}; expected {expected}")]
    Shape {
        what: String,
        expected: usize,
        found: usize,
    },
    #[error("invalid {name}: {message}")]
    InvalidArgument { name: &'static str, message: String },
    #[error("cannot serialise: {message}")]
    Serialization { message: String },
    #[error("the {what} is nested {depth} levels deep; the limit is {limit}")]
    TooDeep {
        what: &'static str,
        depth: usize,
        limit: usize,
    },
    #[error("the structure reads context {name:?}, which it does not hold{}", format_known(.known))]
    UnknownContext { name: String, known: Vec<String> },
    #[error(
        "two different contexts are named {name:?} in one structure; give them distinct names"
    )]
    ContextConflict { name: String },
    #[error("reading {read}: {source}")]
    ContextRead {
        read: String,
        source: crate::context::ContextError,
    },
    #[error("causaloid {id} reads node({target}), which {reason}")]
    NodeRead {
        id: NodeId,
        target: NodeId,
        reason: &'static str,
    },
    #[error("edge {} -> {}: {message}", .edge.0, .edge.1)]
    EdgeTransform {
        /// (source, target), boxed to keep the error small.
        edge: Box<(NodeId, NodeId)>,
        message: String,
    },
    #[error("graph state {name:?}: {message}")]
    State { name: String, message: String },
    /// A model's ethos refused a change (a norm operation of a program).
    #[error("{source}")]
    Ethos {
        source: Box<crate::ethos::EthosError>,
    },
    #[error("operation {index} ({op}) failed, the model is unchanged: {source}")]
    ModelOperation {
        index: usize,
        op: &'static str,
        source: Box<CausalError>,
    },
}

fn format_path(path: &[NodeId]) -> String {
    path.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" -> ")
}

fn format_row(row: &Option<usize>) -> String {
    row.map(|r| format!(" at row {r}")).unwrap_or_default()
}

fn format_known(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        let shown: Vec<&str> = known.iter().take(12).map(String::as_str).collect();
        let more = if known.len() > 12 { ", ..." } else { "" };
        format!(" (available: {}{more})", shown.join(", "))
    }
}

pub type Result<T, E = CausalError> = std::result::Result<T, E>;

impl Diagnostic for CausalError {
    fn area(&self) -> Area {
        match self {
            CausalError::ContextRead { source, .. } => source.area(),
            CausalError::ModelOperation { source, .. } => source.area(),
            CausalError::Ethos { source } => source.area(),
            // Python keeps these two with the other context errors.
            CausalError::UnknownContext { .. } | CausalError::ContextConflict { .. } => {
                Area::Context
            }
            _ => Area::Core,
        }
    }

    fn kind(&self) -> &'static str {
        use CausalError::*;
        match self {
            UnknownNode { .. } => "UnknownNodeError",
            DuplicateId { .. } => "DuplicateIdError",
            DuplicateEdge { .. } => "DuplicateEdgeError",
            Cycle { .. } => "CycleError",
            NotFrozen => "NotFrozenError",
            Frozen => "FrozenError",
            EmptyGraph => "GraphError",
            NoPath { .. } => "NoPathError",
            Callable { .. } => "CallableError",
            InvalidVerdict { .. } => "VerdictError",
            RelayLimit { .. } => "RelayLimitError",
            RelayNotAllowed { .. } => "RelayError",
            MissingValue { .. } | MissingInput { .. } | MissingOutput { .. } => "MissingValueError",
            UnknownColumn { .. } => "UnknownColumnError",
            ColumnType { .. } => "ColumnTypeError",
            Shape { .. } => "ShapeError",
            InvalidArgument { .. } => "InvalidArgumentError",
            Serialization { .. } => "SerializationError",
            TooDeep { .. } => "TooDeepError",
            NodeRead { .. } => "NodeReadError",
            UnknownContext { .. } => "UnknownContextError",
            ContextConflict { .. } => "ContextArgumentError",
            ContextRead { source, .. } => source.kind(),
            EdgeTransform { .. } => "EdgeTransformError",
            State { .. } => "StateError",
            // The cause's own class, naming the operation.
            ModelOperation { source, .. } => source.kind(),
            Ethos { source } => source.kind(),
        }
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        use CausalError::*;
        match self {
            UnknownNode { id } | DuplicateId { id } => out("node_id", Detail::Id(id)),
            MissingValue { id } => {
                out("node_id", Detail::Id(id));
                out("column", Detail::Nothing);
                out("row", Detail::Nothing);
            }
            MissingInput { column, row, id } => {
                out("node_id", Detail::Id(id));
                out("column", Detail::Text(column));
                out("row", row.map_or(Detail::Nothing, Detail::int));
            }
            MissingOutput { id, row } => {
                out("node_id", Detail::Id(id));
                out("column", Detail::Nothing);
                out("row", row.map_or(Detail::Nothing, Detail::int));
            }
            RelayNotAllowed { id, .. } | Callable { id, .. } => out("node_id", Detail::Id(id)),
            DuplicateEdge { from, to } | NoPath { from, to } => {
                out("source", Detail::Id(from));
                out("target", Detail::Id(to));
            }
            Cycle { path } => out("path", Detail::Ids(path)),
            InvalidVerdict { id, found, row } => {
                out("node_id", Detail::Id(id));
                out("found", Detail::Text(found));
                out("row", row.map_or(Detail::Nothing, Detail::int));
            }
            RelayLimit { limit, target } => {
                out("limit", Detail::int(*limit));
                out("target", Detail::Id(target));
            }
            UnknownColumn { name, known } => {
                out("column", Detail::Text(name));
                out("available", Detail::Texts(known));
            }
            ColumnType { name, .. } => out("column", Detail::Text(name)),
            Shape {
                what,
                expected,
                found,
            } => shape_detail(out, what, *expected, *found),
            InvalidArgument { name, .. } => out("parameter", Detail::Text(name)),
            TooDeep { what, limit, .. } => {
                out("what", Detail::Text(what));
                out("limit", Detail::int(*limit));
            }
            UnknownContext { name, known } => {
                out("context", Detail::Text(name));
                out("available", Detail::Texts(known));
            }
            ContextConflict { name } => out("context", Detail::Text(name)),
            ContextRead { source, .. } => source.detail(out),
            NodeRead { id, target, .. } => {
                out("node_id", Detail::Id(id));
                out("target", Detail::Id(target));
            }
            EdgeTransform { edge, .. } => {
                out("source", Detail::Id(&edge.0));
                out("target", Detail::Id(&edge.1));
            }
            State { name, .. } => out("state", Detail::Text(name)),
            Ethos { source } => source.detail(out),
            ModelOperation { index, op, source } => {
                source.detail(out);
                out("operation", Detail::int(*index));
                out("op", Detail::Text(op));
            }
            NotFrozen | Frozen | EmptyGraph | Serialization { .. } => {}
        }
    }

    fn payload(&self) -> Option<Payload<'_>> {
        match self {
            CausalError::Callable {
                payload: Some(p), ..
            } => Some(Payload::Host(p.0.as_ref())),
            CausalError::ModelOperation { source, .. } => source.payload(),
            CausalError::Ethos { source } => source.payload(),
            _ => None,
        }
    }
}
