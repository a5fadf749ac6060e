//! Errors of the state machine; each names the state, the column or the
//! argument that was wrong.

use super::window::WindowError;
use crate::diagnostic::{shape_detail, Area, Detail, DetailSink, Diagnostic, Payload};
use crate::error::{CausalError, ErrorPayload};
use crate::ethos::EthosError;
use crate::graph::NodeId;

#[derive(Clone, Debug, thiserror::Error)]
pub enum CsmError {
    #[error("unknown state id {id}")]
    UnknownState { id: NodeId },
    #[error("duplicate state id {id}: state ids must be unique within a state machine")]
    DuplicateState { id: NodeId },
    #[error("the observation has no column {column:?}{}", needed_by(.state))]
    MissingColumn {
        column: String,
        state: Option<NodeId>,
    },
    #[error("state {state}: {source}")]
    Evaluation { state: NodeId, source: CausalError },
    #[error("the states' context reads failed: {source}")]
    Read { source: CausalError },
    #[error("state {state}: the ethos failed to judge action {action:?}: {source}")]
    Ethos {
        state: NodeId,
        action: String,
        source: EthosError,
    },
    #[error("state {state}: action {action:?} raised: {message}")]
    Action {
        state: NodeId,
        action: String,
        message: String,
        payload: Option<ErrorPayload>,
    },
    #[error(transparent)]
    Window(#[from] WindowError),
    #[error("{what} has length {found}; expected {expected}")]
    Shape {
        what: String,
        expected: usize,
        found: usize,
    },
    #[error("invalid {name}: {message}")]
    InvalidArgument { name: &'static str, message: String },
}

fn needed_by(state: &Option<NodeId>) -> String {
    state
        .as_ref()
        .map(|s| format!(" (needed by state {s})"))
        .unwrap_or_default()
}

impl Diagnostic for CsmError {
    fn area(&self) -> Area {
        match self {
            CsmError::Shape { .. } | CsmError::InvalidArgument { .. } => Area::Core,
            CsmError::Read { source } => source.area(),
            _ => Area::StateMachine,
        }
    }

    fn kind(&self) -> &'static str {
        use CsmError::*;
        match self {
            UnknownState { .. } => "UnknownStateError",
            DuplicateState { .. } => "DuplicateStateError",
            MissingColumn { .. } => "ObservationError",
            // A missing input: both a state's failure and a missing value.
            Evaluation {
                source: CausalError::MissingInput { .. } | CausalError::MissingOutput { .. },
                ..
            } => "StateMissingValueError",
            Evaluation { .. } => "StateEvaluationError",
            // A context read failed: the precise error of the read itself.
            Read { source } => source.kind(),
            Ethos {
                source: EthosError::MissingValue { .. },
                ..
            } => "VettingMissingValueError",
            Ethos { .. } => "VettingError",
            Action { .. } => "ActionError",
            Window(w) => w.kind(),
            Shape { .. } => "ShapeError",
            InvalidArgument { .. } => "InvalidArgumentError",
        }
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        use CsmError::*;
        match self {
            UnknownState { id } | DuplicateState { id } => out("state_id", Detail::Id(id)),
            MissingColumn { column, state } => {
                out("column", Detail::Text(column));
                out(
                    "state_id",
                    state.as_ref().map_or(Detail::Nothing, Detail::Id),
                );
            }
            Evaluation { state, source } => {
                if matches!(
                    source,
                    CausalError::MissingInput { .. } | CausalError::MissingOutput { .. }
                ) {
                    // The missing value's column, row and causaloid.
                    source.detail(out);
                }
                out("state_id", Detail::Id(state));
            }
            Ethos {
                state,
                action,
                source: source @ EthosError::MissingValue { .. },
            } => {
                source.detail(out);
                out("state_id", Detail::Id(state));
                out("action", Detail::Text(action));
            }
            Read { source } => source.detail(out),
            Ethos { state, action, .. } | Action { state, action, .. } => {
                out("state_id", Detail::Id(state));
                out("action", Detail::Text(action));
            }
            Window(w) => w.detail(out),
            Shape {
                what,
                expected,
                found,
            } => shape_detail(out, what, *expected, *found),
            InvalidArgument { name, .. } => out("parameter", Detail::Text(name)),
        }
    }

    fn payload(&self) -> Option<Payload<'_>> {
        match self {
            CsmError::Action {
                payload: Some(p), ..
            } => Some(Payload::Host(p.0.as_ref())),
            CsmError::Read { source } => source.payload(),
            _ => None,
        }
    }

    fn caused_by(&self) -> Option<&dyn Diagnostic> {
        match self {
            CsmError::Evaluation { source, .. } => Some(source),
            CsmError::Ethos { source, .. } => Some(source),
            _ => None,
        }
    }
}
