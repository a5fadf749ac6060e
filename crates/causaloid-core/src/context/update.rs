//! Atomic updates: a list of operations applied whole or not at all. Each
//! primitive validates before it mutates and leaves an undo record; on the
//! first failure the records are replayed backwards, so the context returns to
//! exactly the state it had, and the error names the operation that failed.

use super::contextoid::{Contextoid, Relation};
use super::error::ContextError;
use super::store::{Context, Undo};
use crate::diagnostic::{Area, Detail, DetailSink, Diagnostic};
use crate::graph::NodeId;
use serde::{Deserialize, Serialize};

/// One change to a context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Adds a new contextoid; its id must be new.
    Add(Contextoid),
    /// Replaces an existing contextoid (kind and fields) with the same id.
    Replace(Contextoid),
    /// Adds the contextoid, or replaces the one with the same id.
    Upsert(Contextoid),
    /// Sets one field of an existing contextoid.
    SetField {
        id: NodeId,
        field: String,
        value: f64,
    },
    /// Removes a contextoid and every relation touching it.
    Remove(NodeId),
    Link(Relation),
    Unlink(Relation),
}

/// Which operation of an update failed, and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{error}")]
pub struct UpdateError {
    /// Position of the failing operation in the update.
    pub index: usize,
    pub error: ContextError,
}

impl Diagnostic for UpdateError {
    fn area(&self) -> Area {
        self.error.area()
    }

    fn kind(&self) -> &'static str {
        self.error.kind()
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        self.error.detail(out);
        out("operation", Detail::int(self.index));
    }
}

impl Context {
    /// Applies `ops` in order, all or none.
    pub fn apply(&mut self, ops: Vec<Operation>) -> Result<(), UpdateError> {
        let (n_fields, n_kinds) = (self.field_names.len(), self.relation_kinds.len());
        let mut undo: Vec<Undo> = Vec::with_capacity(ops.len());
        for (index, op) in ops.into_iter().enumerate() {
            if let Err(error) = self.apply_one(op, &mut undo) {
                while let Some(u) = undo.pop() {
                    self.undo(u);
                }
                self.truncate_tables(n_fields, n_kinds);
                return Err(UpdateError { index, error });
            }
        }
        Ok(())
    }

    fn apply_one(&mut self, op: Operation, undo: &mut Vec<Undo>) -> Result<(), ContextError> {
        let record = match op {
            Operation::Add(c) => self.insert(c)?,
            Operation::Replace(c) => self.replace(c)?,
            Operation::Upsert(c) if self.contains(&c.id) => self.replace(c)?,
            Operation::Upsert(c) => self.insert(c)?,
            Operation::SetField { id, field, value } => self.set_field(&id, &field, value)?,
            Operation::Remove(id) => return self.remove(&id, undo),
            Operation::Link(r) => self.link(&r)?,
            Operation::Unlink(r) => self.unlink(&r)?,
        };
        undo.push(record);
        Ok(())
    }

    /// Adds one contextoid (an update of one operation).
    pub fn add(&mut self, c: Contextoid) -> Result<(), ContextError> {
        self.apply(vec![Operation::Add(c)]).map_err(|e| e.error)
    }

    /// Adds one relation.
    pub fn relate(&mut self, r: Relation) -> Result<(), ContextError> {
        self.apply(vec![Operation::Link(r)]).map_err(|e| e.error)
    }
}
