//! The JSON form of operation programs and modification logs:
//!
//! ```json
//! {"format": "causaloid-ops", "version": 1,
//!  "operations": [{"op": "add_edge", "from": "a", "to": "b",
//!                  "transform": {"binary": ["mul", "value", {"lit": 2.0}]}},
//!                 {"op": "remove_causaloid", "id": "c"}],
//!  "summaries": ["added the edge \"a\" -> \"b\" ...", "removed causaloid \"c\" ..."]}
//! ```
//! A causaloid inside an operation is its own structure document (see
//! `graph/json.rs`), a context its context document; context operations use
//! the context update form. `summaries` is present in a log, absent in a program.

use super::{LogEntry, ModificationLog, Operation};
use crate::context::{Context, Operation as ContextOp};
use crate::error::CausalError;
use crate::ethos::Ethos;
use crate::expr::{Contexts, Expr};
use crate::graph::{Member, NodeId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const FORMAT: &str = "causaloid-ops";
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    version: u32,
    operations: Vec<OpDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    summaries: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op", deny_unknown_fields)]
enum OpDto {
    AddCausaloid {
        node: Value,
        #[serde(default)]
        parents: Vec<NodeId>,
        #[serde(default)]
        children: Vec<NodeId>,
    },
    UpdateCausaloid {
        node: Value,
    },
    RemoveCausaloid {
        id: NodeId,
    },
    AddEdge {
        from: NodeId,
        to: NodeId,
        #[serde(default)]
        transform: Option<Expr>,
    },
    RemoveEdge {
        from: NodeId,
        to: NodeId,
    },
    SetTransform {
        from: NodeId,
        to: NodeId,
        #[serde(default)]
        transform: Option<Expr>,
    },
    AddState {
        name: String,
        initial: f64,
        writer: NodeId,
    },
    UpdateState {
        name: String,
        initial: f64,
    },
    RemoveState {
        name: String,
    },
    AddContext {
        context: Value,
    },
    ReplaceContext {
        context: Value,
    },
    RemoveContext {
        name: String,
    },
    UpdateContext {
        name: String,
        ops: Vec<ContextOp>,
    },
    SetCausaloid {
        node: Value,
    },
    AddNorm {
        norm: Value,
    },
    UpdateNorm {
        norm: Value,
    },
    RemoveNorm {
        id: NodeId,
    },
    SetEthos {
        #[serde(default)]
        ethos: Option<Value>,
    },
}

fn member_value(m: &Member) -> Result<Value, CausalError> {
    crate::json::from_str(&m.to_json()?, "causaloid JSON")
}

fn member_from(v: &Value) -> Result<Member, CausalError> {
    Member::from_json(&v.to_string())
}

fn context_value(c: &Context) -> Result<Value, CausalError> {
    let text = c.to_json().map_err(|e| CausalError::Serialization {
        message: format!("context {:?}: {e}", c.name()),
    })?;
    crate::json::from_str(&text, "context JSON")
}

fn context_from(v: &Value) -> Result<Context, CausalError> {
    Context::from_json(&v.to_string()).map_err(|e| CausalError::Serialization {
        message: format!("context in an operation: {e}"),
    })
}

fn to_dto(op: &Operation) -> Result<OpDto, CausalError> {
    Ok(match op {
        Operation::AddCausaloid {
            node,
            parents,
            children,
        } => OpDto::AddCausaloid {
            node: member_value(node)?,
            parents: parents.clone(),
            children: children.clone(),
        },
        Operation::UpdateCausaloid { node } => OpDto::UpdateCausaloid {
            node: member_value(node)?,
        },
        Operation::RemoveCausaloid { id } => OpDto::RemoveCausaloid { id: id.clone() },
        Operation::AddEdge {
            from,
            to,
            transform,
        } => OpDto::AddEdge {
            from: from.clone(),
            to: to.clone(),
            transform: transform.clone(),
        },
        Operation::RemoveEdge { from, to } => OpDto::RemoveEdge {
            from: from.clone(),
            to: to.clone(),
        },
        Operation::SetTransform {
            from,
            to,
            transform,
        } => OpDto::SetTransform {
            from: from.clone(),
            to: to.clone(),
            transform: transform.clone(),
        },
        Operation::AddState {
            name,
            initial,
            writer,
        } => OpDto::AddState {
            name: name.clone(),
            initial: *initial,
            writer: writer.clone(),
        },
        Operation::UpdateState { name, initial } => OpDto::UpdateState {
            name: name.clone(),
            initial: *initial,
        },
        Operation::RemoveState { name } => OpDto::RemoveState { name: name.clone() },
        Operation::AddContext { context } => OpDto::AddContext {
            context: context_value(context)?,
        },
        Operation::ReplaceContext { context } => OpDto::ReplaceContext {
            context: context_value(context)?,
        },
        Operation::RemoveContext { name } => OpDto::RemoveContext { name: name.clone() },
        Operation::UpdateContext { name, ops } => OpDto::UpdateContext {
            name: name.clone(),
            ops: ops.clone(),
        },
        Operation::SetCausaloid { node } => OpDto::SetCausaloid {
            node: member_value(node)?,
        },
        Operation::AddNorm { norm } => OpDto::AddNorm {
            norm: crate::ethos::norm_to_value(norm)?,
        },
        Operation::UpdateNorm { norm } => OpDto::UpdateNorm {
            norm: crate::ethos::norm_to_value(norm)?,
        },
        Operation::RemoveNorm { id } => OpDto::RemoveNorm { id: id.clone() },
        Operation::SetEthos { ethos } => OpDto::SetEthos {
            ethos: ethos.as_ref().map(Ethos::to_json_value).transpose()?,
        },
    })
}

fn from_dto(d: OpDto) -> Result<Operation, CausalError> {
    Ok(match d {
        OpDto::AddCausaloid {
            node,
            parents,
            children,
        } => Operation::AddCausaloid {
            node: member_from(&node)?,
            parents,
            children,
        },
        OpDto::UpdateCausaloid { node } => Operation::UpdateCausaloid {
            node: member_from(&node)?,
        },
        OpDto::RemoveCausaloid { id } => Operation::RemoveCausaloid { id },
        OpDto::AddEdge {
            from,
            to,
            transform,
        } => Operation::AddEdge {
            from,
            to,
            transform,
        },
        OpDto::RemoveEdge { from, to } => Operation::RemoveEdge { from, to },
        OpDto::SetTransform {
            from,
            to,
            transform,
        } => Operation::SetTransform {
            from,
            to,
            transform,
        },
        OpDto::AddState {
            name,
            initial,
            writer,
        } => Operation::AddState {
            name,
            initial,
            writer,
        },
        OpDto::UpdateState { name, initial } => Operation::UpdateState { name, initial },
        OpDto::RemoveState { name } => Operation::RemoveState { name },
        OpDto::AddContext { context } => Operation::AddContext {
            context: context_from(&context)?,
        },
        OpDto::ReplaceContext { context } => Operation::ReplaceContext {
            context: context_from(&context)?,
        },
        OpDto::RemoveContext { name } => Operation::RemoveContext { name },
        OpDto::UpdateContext { name, ops } => Operation::UpdateContext { name, ops },
        OpDto::SetCausaloid { node } => Operation::SetCausaloid {
            node: member_from(&node)?,
        },
        OpDto::AddNorm { norm } => Operation::AddNorm {
            norm: crate::ethos::norm_from_value(norm, &Contexts::new())?,
        },
        OpDto::UpdateNorm { norm } => Operation::UpdateNorm {
            norm: crate::ethos::norm_from_value(norm, &Contexts::new())?,
        },
        OpDto::RemoveNorm { id } => Operation::RemoveNorm { id },
        OpDto::SetEthos { ethos } => Operation::SetEthos {
            ethos: ethos
                .map(|v| Ethos::from_json_value(v, &Contexts::new()))
                .transpose()?,
        },
    })
}

fn write(ops: &[Operation], summaries: Option<Vec<String>>) -> Result<String, CausalError> {
    let doc = Document {
        format: FORMAT.into(),
        version: VERSION,
        operations: ops.iter().map(to_dto).collect::<Result<_, _>>()?,
        summaries,
    };
    serde_json::to_string(&doc).map_err(|e| CausalError::Serialization {
        message: e.to_string(),
    })
}

fn read(text: &str) -> Result<(Vec<Operation>, Option<Vec<String>>), CausalError> {
    let doc: Document = crate::json::from_str(text, "operation program JSON")?;
    if doc.format != FORMAT || doc.version != VERSION {
        return Err(CausalError::Serialization {
            message: format!(
                "expected format {FORMAT:?} version {VERSION}, found {:?} version {}",
                doc.format, doc.version
            ),
        });
    }
    let ops = doc
        .operations
        .into_iter()
        .map(from_dto)
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(s) = &doc.summaries {
        if s.len() != ops.len() {
            return Err(CausalError::Serialization {
                message: format!(
                    "a log needs one summary per operation: {} operations, {} summaries",
                    ops.len(),
                    s.len()
                ),
            });
        }
    }
    Ok((ops, doc.summaries))
}

/// The JSON form of an operation program.
pub fn program_to_json(ops: &[Operation]) -> Result<String, CausalError> {
    write(ops, None)
}

/// Reads a program (a log's document reads as its operations).
pub fn program_from_json(text: &str) -> Result<Vec<Operation>, CausalError> {
    read(text).map(|(ops, _)| ops)
}

impl ModificationLog {
    pub fn to_json(&self) -> Result<String, CausalError> {
        write(
            &self.operations(),
            Some(self.entries.iter().map(|e| e.summary.clone()).collect()),
        )
    }

    pub fn from_json(text: &str) -> Result<ModificationLog, CausalError> {
        let (ops, summaries) = read(text)?;
        let Some(summaries) = summaries else {
            return Err(CausalError::Serialization {
                message: "a log needs \"summaries\" (this document is a program)".into(),
            });
        };
        Ok(ModificationLog {
            entries: ops
                .into_iter()
                .zip(summaries)
                .map(|(operation, summary)| LogEntry { operation, summary })
                .collect(),
        })
    }
}

impl super::ModelCore {
    /// The model's JSON form: `{"format": "causaloid-model", "version": 1,
    /// "root": <structure document>, "contexts": {name: <context document>},
    /// "ethos": <ethos document> or null}`. The contexts are the model's
    /// (they take precedence over the copies the structure document embeds).
    pub fn to_json(&self) -> Result<String, CausalError> {
        let root: Value = crate::json::from_str(&self.root.to_json()?, "causaloid JSON")?;
        let mut contexts = serde_json::Map::new();
        for (name, c) in &self.contexts {
            contexts.insert(name.clone(), context_value(&c.snapshot())?);
        }
        let doc = serde_json::json!({
            "format": "causaloid-model",
            "version": VERSION,
            "root": root,
            "contexts": Value::Object(contexts),
            "ethos": self.ethos.as_deref().map(Ethos::to_json_value).transpose()?,
        });
        serde_json::to_string(&doc).map_err(|e| CausalError::Serialization {
            message: e.to_string(),
        })
    }

    /// Reads [`ModelCore::to_json`]'s text: the structure and the norms read
    /// the model's contexts.
    pub fn from_json(text: &str) -> Result<super::ModelCore, CausalError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ModelDoc {
            format: String,
            version: u32,
            root: Value,
            #[serde(default)]
            contexts: serde_json::Map<String, Value>,
            #[serde(default)]
            ethos: Option<Value>,
        }
        let doc: ModelDoc = crate::json::from_str(text, "model JSON")?;
        if doc.format != "causaloid-model" || doc.version != VERSION {
            return Err(CausalError::Serialization {
                message: format!(
                    "expected format \"causaloid-model\" version {VERSION}, found {:?} version {}",
                    doc.format, doc.version
                ),
            });
        }
        let mut contexts = Contexts::new();
        for (name, v) in doc.contexts {
            let c = context_from(&v)?;
            if c.name() != name {
                return Err(CausalError::Serialization {
                    message: format!("the context under {name:?} is named {:?}", c.name()),
                });
            }
            contexts.insert(
                name,
                std::sync::Arc::new(crate::context::SharedContext::new(c)),
            );
        }
        let root = Member::from_json_with(&doc.root.to_string(), &contexts)?;
        let ethos = doc
            .ethos
            .map(|v| Ethos::from_json_value(v, &contexts).map(std::sync::Arc::new))
            .transpose()?;
        Ok(super::ModelCore {
            root,
            contexts,
            ethos,
        })
    }
}
