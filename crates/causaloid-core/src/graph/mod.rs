//! Causaloids, collections and graphs: one interface, nested recursively.

mod id;

pub use id::NodeId;
