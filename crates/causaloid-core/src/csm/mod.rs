//! The causal state machine: states that pair a causaloid with an action, fired
//! when the causaloid is active and vetted by an optional ethos; plus the
//! sliding window that gives causaloids the recent past of a stream.

mod window;

pub use window::{Window, WindowError, STATS};
