//! The causal state machine: states that pair a causaloid with an action, fired
//! when the causaloid is active and vetted by an optional ethos; plus the
//! sliding window that gives causaloids the recent past of a stream.

mod batch;
mod binary;
mod carry;
mod error;
mod graph_state;
mod machine;
mod record;
mod state;
mod window;

pub use batch::BatchDecision;
pub use error::CsmError;
pub use machine::{Decision, EventError, EventUnknown, StateMachine, DEFAULT_LOG_LIMIT, VERDICT};
pub use record::{BatchFirings, FiringLog, SlotInfo};
pub use state::{Action, ActionFn, Firing, Observation, Outcome, State};
pub use window::{Window, WindowError, STATS};
