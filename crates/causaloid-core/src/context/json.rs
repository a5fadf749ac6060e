//! The documented JSON form of a context:
//! `{"id": .., "name": .., "contextoids": [..], "relations": [..]}`, where a
//! contextoid is `{"id": 1, "kind": {"time": {"scale": "day", "timestamp": 0}},
//! "fields": [["close", 1.5]]}` and a relation `{"from": 1, "to": 2, "kind": "temporal"}`.

use super::contextoid::{Contextoid, Relation};
use super::error::ContextError;
use super::store::Context;
use super::update::Operation;
use crate::graph::NodeId;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct ContextJson {
    id: NodeId,
    name: String,
    contextoids: Vec<Contextoid>,
    relations: Vec<Relation>,
}

impl Context {
    pub fn to_json(&self) -> Result<String, ContextError> {
        let doc = ContextJson {
            id: self.id.clone(),
            name: self.name.clone(),
            contextoids: self.live_slots().map(|s| self.contextoid_at(s)).collect(),
            relations: self.relations(None),
        };
        serde_json::to_string(&doc).map_err(|e| ContextError::Serialization {
            message: e.to_string(),
        })
    }

    /// Rebuilds a context, validating it as if built by hand.
    pub fn from_json(text: &str) -> Result<Context, ContextError> {
        let doc: ContextJson =
            serde_json::from_str(text).map_err(|e| ContextError::Serialization {
                message: format!("context JSON: {e}"),
            })?;
        let mut ctx = Context::new(doc.id, doc.name);
        let ops = doc
            .contextoids
            .into_iter()
            .map(Operation::Add)
            .chain(doc.relations.into_iter().map(Operation::Link))
            .collect();
        ctx.apply(ops).map_err(|e| e.error)?;
        Ok(ctx)
    }
}
