//! Errors of structural causal models. Each variant names the variable (and
//! the row, for data) that was wrong; the bindings map each one to its own
//! Python exception class.

use crate::diagnostic::{shape_detail, Area, Detail, DetailSink, Diagnostic, Payload};
use crate::error::ErrorPayload;
use std::fmt;

#[derive(Clone, Debug, thiserror::Error)]
pub enum ScmError {
    #[error("unknown variable {name:?}{}", known_list(.known))]
    UnknownVariable { name: String, known: Vec<String> },
    #[error("variable {name:?} is declared twice")]
    DuplicateVariable { name: String },
    #[error("the structural causal model has a cycle through {}", .path.join(" -> "))]
    Cycle { path: Vec<String> },
    #[error("the equation of {node:?} reads {read:?}, which is not one of its parents ({})", if .parents.is_empty() { "it has none".to_owned() } else { .parents.join(", ") })]
    NotAParent {
        node: String,
        read: String,
        parents: Vec<String>,
    },
    #[error("{node:?} has no equation yet: give one, or call fit(table) to fit a linear one")]
    NotFitted { node: String },
    #[error("cannot abduct the noise of {node:?}: {reason}")]
    NotInvertible { node: String, reason: String },
    #[error("observed {node:?} is missing (NaN) at row {row}; a counterfactual needs every variable observed")]
    MissingObservation { node: String, row: usize },
    #[error("observed {node:?} = {observed} at row {row}, but its equation without noise gives {predicted}: the observation is impossible under this model")]
    Inconsistent {
        node: String,
        row: usize,
        observed: f64,
        predicted: f64,
    },
    #[error("observed row {row} needs noise U_{node} = {noise}, outside its distribution Uniform({low}, {high}): the observation is impossible under this model")]
    NoiseOutOfRange {
        node: String,
        row: usize,
        noise: f64,
        low: f64,
        high: f64,
    },
    #[error("observed row {row} needs noise U_{node} = {noise}, outside the range [{low}, {high}] of its empirical distribution ({values} values): the counterfactual would extrapolate the noise (strict mode)")]
    NoiseOutOfSupport {
        node: String,
        row: usize,
        noise: f64,
        low: f64,
        high: f64,
        values: usize,
    },
    #[error("the equation of {node:?} failed: {message}")]
    Equation {
        node: String,
        message: String,
        payload: Option<ErrorPayload>,
    },
    #[error("cannot fit {node:?}: {message}")]
    Fit { node: String, message: String },
    #[error("invalid {name}: {message}")]
    InvalidArgument { name: &'static str, message: String },
    #[error("{what} has length {found}; expected {expected}")]
    Shape {
        what: String,
        expected: usize,
        found: usize,
    },
    #[error("cannot allocate {what} ({rows} rows x {columns} columns)")]
    Allocation {
        what: &'static str,
        rows: usize,
        columns: usize,
    },
}

impl Diagnostic for ScmError {
    fn area(&self) -> Area {
        match self {
            ScmError::InvalidArgument { .. } | ScmError::Shape { .. } => Area::Core,
            _ => Area::Scm,
        }
    }

    fn kind(&self) -> &'static str {
        use ScmError::*;
        match self {
            UnknownVariable { .. } => "UnknownVariableError",
            DuplicateVariable { .. } => "DuplicateVariableError",
            Cycle { .. } => "SCMCycleError",
            NotAParent { .. } | Equation { .. } => "EquationError",
            NotFitted { .. } => "NotFittedError",
            NotInvertible { .. } => "NotInvertibleError",
            MissingObservation { .. } => "MissingObservationError",
            Inconsistent { .. } => "InconsistentObservationError",
            NoiseOutOfRange { .. } => "NoiseOutOfRangeError",
            NoiseOutOfSupport { .. } => "NoiseOutOfSupportError",
            Fit { .. } => "FitError",
            InvalidArgument { .. } => "InvalidArgumentError",
            Shape { .. } => "ShapeError",
            Allocation { .. } => "SCMMemoryError",
        }
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        use ScmError::*;
        match self {
            UnknownVariable { name, known } => {
                out("variable", Detail::Text(name));
                out("available", Detail::Texts(known));
            }
            DuplicateVariable { name } => out("variable", Detail::Text(name)),
            Cycle { path } => out("path", Detail::Texts(path)),
            NotAParent {
                node,
                read,
                parents,
            } => {
                out("variable", Detail::Text(node));
                out("reads", Detail::Text(read));
                out("parents", Detail::Texts(parents));
            }
            NotFitted { node }
            | NotInvertible { node, .. }
            | Equation { node, .. }
            | Fit { node, .. } => out("variable", Detail::Text(node)),
            MissingObservation { node, row } => {
                out("variable", Detail::Text(node));
                out("row", Detail::int(*row));
            }
            NoiseOutOfRange {
                node,
                row,
                noise,
                low,
                high,
            } => {
                out("variable", Detail::Text(node));
                out("row", Detail::int(*row));
                out("noise", Detail::Float(*noise));
                out("low", Detail::Float(*low));
                out("high", Detail::Float(*high));
            }
            NoiseOutOfSupport {
                node,
                row,
                noise,
                low,
                high,
                values,
            } => {
                out("variable", Detail::Text(node));
                out("row", Detail::int(*row));
                out("noise", Detail::Float(*noise));
                out("low", Detail::Float(*low));
                out("high", Detail::Float(*high));
                out("values", Detail::int(*values));
            }
            Inconsistent {
                node,
                row,
                observed,
                predicted,
            } => {
                out("variable", Detail::Text(node));
                out("row", Detail::int(*row));
                out("observed", Detail::Float(*observed));
                out("predicted", Detail::Float(*predicted));
            }
            InvalidArgument { name, .. } => out("parameter", Detail::Text(name)),
            Shape {
                what,
                expected,
                found,
            } => shape_detail(out, what, *expected, *found),
            Allocation { rows, columns, .. } => {
                out("rows", Detail::int(*rows));
                out("columns", Detail::int(*columns));
            }
        }
    }

    fn payload(&self) -> Option<Payload<'_>> {
        match self {
            ScmError::Equation {
                payload: Some(p), ..
            } => Some(Payload::Host(p.0.as_ref())),
            _ => None,
        }
    }
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = known.iter().take(12).map(String::as_str).collect();
    let more = if known.len() > 12 { ", ..." } else { "" };
    format!(" (variables: {}{more})", shown.join(", "))
}

/// What a host-language equation reports when it fails.
#[derive(Clone)]
pub struct EquationFailure {
    pub message: String,
    pub payload: Option<ErrorPayload>,
}

impl fmt::Debug for EquationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EquationFailure({:?})", self.message)
    }
}
