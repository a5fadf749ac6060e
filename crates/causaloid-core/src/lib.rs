//! causaloid-core: the pure-Rust engine of causaloid.
//!
//! It knows nothing about Python. Every algorithm lives here and is tested with
//! `cargo test`; the bindings crate only converts types and maps errors.

pub mod codec;
pub mod context;
pub mod csm;
pub mod diagnostic;
pub mod discover;
pub mod error;
pub mod ethos;
pub mod expr;
pub mod graph;
pub mod json;
pub mod model_ops;
pub mod scm;
pub mod threads;
pub mod uncertain;
pub mod value;

pub use diagnostic::{Area, Detail, Diagnostic, Payload};
pub use error::{CausalError, ErrorPayload};
pub use expr::Expr;
pub use graph::{
    AtLeast, BatchInput, BatchOutput, CallError, CausalFunction, CausalGraph, Causaloid,
    Collection, Evaluation, Function, Input, Logic, Member, NodeId, Output, PackedVerdicts,
};
pub use value::{Kind, Value, Verdict};
