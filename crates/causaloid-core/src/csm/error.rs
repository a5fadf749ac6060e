//! Errors of the state machine; each names the state, the column or the
//! argument that was wrong.

use super::window::WindowError;
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
