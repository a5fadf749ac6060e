//! What every engine error tells a host language: its area, the name of its
//! kind, structured detail, the host's own exception it carries and the engine
//! error it was caused by. Each error enum describes itself here, next to its
//! messages; a binding maps any [`Diagnostic`] to an exception in one generic
//! function, so no binding keeps a second list of the engine's errors.
//!
//! The kind is the name of the host's exception class (for Python,
//! `causaloid.<area>.errors.<kind>`).

use crate::graph::NodeId;
use std::any::Any;
use std::error::Error;

/// The part of the library an error belongs to; a host keeps one exception
/// module per area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// Graphs, collections, expressions, batches, serialization, threads.
    Core,
    Context,
    StateMachine,
    Ethos,
    Discovery,
    Scm,
    Uncertain,
}

impl Area {
    /// Every area, in a fixed order.
    pub const ALL: [Area; 7] = [
        Area::Core,
        Area::Context,
        Area::StateMachine,
        Area::Ethos,
        Area::Discovery,
        Area::Scm,
        Area::Uncertain,
    ];

    /// The area's short name (`"core"`, `"context"`, `"csm"`, `"ethos"`,
    /// `"discover"`, `"scm"`, `"uncertain"`).
    pub fn name(self) -> &'static str {
        match self {
            Area::Core => "core",
            Area::Context => "context",
            Area::StateMachine => "csm",
            Area::Ethos => "ethos",
            Area::Discovery => "discover",
            Area::Scm => "scm",
            Area::Uncertain => "uncertain",
        }
    }
}

/// One item of structured detail.
#[derive(Clone, Copy, Debug)]
pub enum Detail<'a> {
    Id(&'a NodeId),
    Ids(&'a [NodeId]),
    Int(u64),
    Ints(&'a [usize]),
    Float(f64),
    /// A closed interval `(low, high)`.
    Range(f64, f64),
    Text(&'a str),
    Texts(&'a [String]),
    /// The key is present, its value unknown (Python `None`).
    Nothing,
}

impl Detail<'_> {
    /// An index or count.
    pub fn int(n: usize) -> Self {
        Detail::Int(n as u64)
    }
}

/// An exception of the host carried through the engine (for example the
/// Python exception a callable raised), for the binding to chain.
#[derive(Clone, Copy)]
pub enum Payload<'a> {
    Host(&'a (dyn Any + Send + Sync)),
    Error(&'a (dyn Error + Send + Sync + 'static)),
}

/// Receives the detail of an error, key by key.
pub type DetailSink<'s> = dyn FnMut(&'static str, Detail<'_>) + 's;

/// How an engine error presents itself to a host language.
pub trait Diagnostic: Error {
    /// The library part whose exception module holds the class.
    fn area(&self) -> Area;
    /// The kind: the name of the host's exception class.
    fn kind(&self) -> &'static str;
    /// Structured detail, key by key (`node_id`, `column`, `row` ...).
    fn detail(&self, _out: &mut DetailSink<'_>) {}
    /// The host's own exception this error carries, if any.
    fn payload(&self) -> Option<Payload<'_>> {
        None
    }
    /// The engine error that caused this one, raised as its own exception
    /// and chained under this one.
    fn caused_by(&self) -> Option<&dyn Diagnostic> {
        None
    }
}

/// The detail of a length mismatch, the same in every area.
pub(crate) fn shape_detail(out: &mut DetailSink<'_>, what: &str, expected: usize, found: usize) {
    out("what", Detail::Text(what));
    out("expected", Detail::int(expected));
    out("found", Detail::int(found));
}

/// The detail of a bad value in a data column, the same in every area.
pub(crate) fn cell_detail(out: &mut DetailSink<'_>, column: &str, row: Option<usize>, value: f64) {
    out("column", Detail::Text(column));
    if let Some(row) = row {
        out("row", Detail::int(row));
    }
    out("value", Detail::Float(value));
}
