//! Typed errors of the uncertain engine: bad distribution parameters, operands
//! of the wrong kind, and failures found while sampling (a zero denominator, a
//! mapped function that raised or returned the wrong shape).

use crate::diagnostic::{Area, Detail, DetailSink, Diagnostic, Payload};
use std::error::Error;
use std::sync::Arc;

/// Everything that can go wrong while building or sampling an uncertain value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UncertainError {
    /// A constructor or decision parameter outside its domain.
    #[error("{parameter} must be {expected}, got {value}")]
    InvalidParameter {
        parameter: &'static str,
        value: String,
        expected: &'static str,
    },
    /// An operation applied to an uncertain value of the wrong kind.
    #[error("{operation} needs uncertain {expected} operands, got an uncertain {found}")]
    KindMismatch {
        operation: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    /// A denominator drew exactly zero in some sample.
    #[error(
        "division by an uncertain value that is zero in sample {sample} (seed {seed}); \
         its support must exclude 0"
    )]
    DivisionByZero { sample: u64, seed: u64 },
    /// A mapped function raised.
    #[error("mapped function {name} failed: {source}")]
    MapFailed {
        name: String,
        #[source]
        source: Arc<dyn Error + Send + Sync>,
    },
    /// The samples asked for do not fit in memory.
    #[error("{parameter} = {value} samples do not fit in memory ({value} × 8 bytes could not be allocated)")]
    TooLarge {
        parameter: &'static str,
        value: usize,
    },
    /// A mapped function returned an array of the wrong shape.
    #[error("mapped function {name} must return a 1-d array of {expected} values (one per sample), got shape {found:?}")]
    MapShape {
        name: String,
        expected: usize,
        found: Vec<usize>,
    },
}

impl UncertainError {
    pub(crate) fn invalid(parameter: &'static str, value: f64, expected: &'static str) -> Self {
        UncertainError::InvalidParameter {
            parameter,
            value: format!("{value}"),
            expected,
        }
    }
}

impl Diagnostic for UncertainError {
    fn area(&self) -> Area {
        match self {
            UncertainError::MapShape { .. } => Area::Core,
            _ => Area::Uncertain,
        }
    }

    fn kind(&self) -> &'static str {
        use UncertainError::*;
        match self {
            InvalidParameter { .. } => "UncertainParameterError",
            KindMismatch { .. } => "UncertainKindError",
            DivisionByZero { .. } => "UncertainZeroDivisionError",
            TooLarge { .. } => "UncertainMemoryError",
            MapShape { .. } => "ShapeError",
            MapFailed { .. } => "MapError",
        }
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        use UncertainError::*;
        match self {
            InvalidParameter {
                parameter,
                value,
                expected,
            } => {
                out("parameter", Detail::Text(parameter));
                out("value", Detail::Text(value));
                out("expected", Detail::Text(expected));
            }
            KindMismatch {
                operation,
                expected,
                found,
            } => {
                out("operation", Detail::Text(operation));
                out("expected", Detail::Text(expected));
                out("found", Detail::Text(found));
            }
            DivisionByZero { sample, seed } => {
                out("sample", Detail::Int(*sample));
                out("seed", Detail::Int(*seed));
            }
            TooLarge { parameter, value } => {
                out("parameter", Detail::Text(parameter));
                out("value", Detail::int(*value));
            }
            MapShape {
                name,
                expected,
                found,
            } => {
                out("function", Detail::Text(name));
                out("expected", Detail::int(*expected));
                out("found", Detail::Ints(found));
            }
            MapFailed { name, .. } => out("function", Detail::Text(name)),
        }
    }

    fn payload(&self) -> Option<Payload<'_>> {
        match self {
            UncertainError::MapFailed { source, .. } => Some(Payload::Error(source.as_ref())),
            _ => None,
        }
    }
}
