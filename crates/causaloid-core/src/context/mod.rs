//! The context: a hypergraph of contextoids (Data, Time, Space, SpaceTime,
//! Symbolic, Geo, Ecef, Ned, Oriented, SymbolicTime) with typed relations, indexed look-ups by id, time window and
//! region, atomic updates, and vectorised reads for native expressions.

mod binary;
mod contextoid;
mod error;
mod frame;
pub mod geo;
mod hash;
mod json;
mod kernels;
mod shared;
mod space;
mod store;
mod time;
mod time_kinds;
mod uncertain_data;
mod update;

pub use contextoid::{Contextoid, ContextoidKind, Relation, RelationKind, TimeDomain};
pub use error::ContextError;
pub use frame::{Aggregation, Frame, RowIds};
pub use kernels::WindowRead;
pub use shared::SharedContext;
pub use space::{check_geodetic, Geodetic};
pub use store::{Context, Direction};
pub use time::{civil_from_days, days_from_civil, period_label, TimeScale, MAX_ABS_SECONDS};
pub use uncertain_data::Distribution;
pub use update::{Operation, UpdateError};
