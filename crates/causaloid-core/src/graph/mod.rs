//! Causaloids, collections and graphs: one interface, nested recursively,
//! evaluated one row at a time or a batch at a time with the same semantics.

mod batch;
pub(crate) mod bits;
mod causal_graph;
mod causaloid;
mod collection;
mod evaluate;
mod extend;
mod id;
mod json;
mod member;
pub(crate) mod missing;
mod sampled;
pub(crate) mod single;
mod trace;
mod why;

pub use batch::{BatchInput, BatchOutput};
pub use bits::PackedVerdicts;
pub use causal_graph::{CausalGraph, DEFAULT_MAX_RELAYS};
pub use causaloid::{CallError, CausalFunction, Causaloid, Function, HostRow, Output};
pub use collection::{AtLeast, Collection, Logic};
pub(crate) use extend::last_decision;
pub use extend::{transform_node_id, EdgeTransform, SequenceOutput, StateVar, STATE_PREFIX};
pub use id::NodeId;
pub use member::{Input, Member, MAX_NESTING};
pub use missing::Missing;
pub use sampled::{Sampled, SampledInput, SampledMode, DEFAULT_BATCH_SEED, MAX_SAMPLES};
pub use trace::{Decoded, Entry, Evaluation, Outcome, Record, Trace};
