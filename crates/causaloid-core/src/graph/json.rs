//! The JSON form of causaloids, collections and graphs built from expressions.
//!
//! ```json
//! {"format": "causaloid", "version": 1,
//!  "root": {"graph": {"id": "g", "description": "", "max_relays": 64, "frozen": true,
//!           "nodes": [{"causaloid": {"id": 1, "description": "hot",
//!                                    "expr": {"binary": ["gt", {"col": "t"}, {"lit": 30.0}]}}}],
//!           "edges": []}}}
//! ```
//! A collection is `{"collection": {"id", "description", "logic", "members"}}`
//! with `logic` one of `"all"`, `"any"`, `"none"`, `{"at_least": k}`.
//!
//! A causaloid that holds contexts names them (`"contexts": ["btc"]`), and the
//! document embeds each context once, in its own JSON form, under
//! `"contexts": {"btc": {...}}`. A reader may pass live contexts instead; a
//! named context found in neither place is an `UnknownContext` error.

use super::causal_graph::CausalGraph;
use super::causaloid::{Causaloid, Function};
use super::collection::{Collection, Logic};
use super::id::NodeId;
use super::member::Member;
use crate::context::{Context, SharedContext};
use crate::error::CausalError;
use crate::expr::{Contexts, Expr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const FORMAT: &str = "causaloid";
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Document {
    format: String,
    version: u32,
    root: MemberDto,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    contexts: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum MemberDto {
    Causaloid {
        id: NodeId,
        description: String,
        expr: Expr,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        contexts: Vec<String>,
    },
    Collection {
        id: NodeId,
        description: String,
        logic: Logic,
        members: Vec<MemberDto>,
    },
    Graph {
        id: NodeId,
        description: String,
        #[serde(default = "default_relays")]
        max_relays: usize,
        #[serde(default)]
        frozen: bool,
        nodes: Vec<MemberDto>,
        edges: Vec<(NodeId, NodeId)>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        transforms: Vec<TransformDto>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        states: Vec<StateDto>,
    },
}

/// A transform on the edge `from -> to` (see `extend.rs`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransformDto {
    from: NodeId,
    to: NodeId,
    expr: Expr,
}

/// A graph state, its initial value and the nodes that write it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateDto {
    name: String,
    initial: f64,
    #[serde(default)]
    writers: Vec<NodeId>,
}

fn default_relays() -> usize {
    super::causal_graph::DEFAULT_MAX_RELAYS
}

fn to_dto(m: &Member) -> Result<MemberDto, CausalError> {
    Ok(match m {
        Member::Causaloid(c) => match c.function() {
            Function::Expr { expr, .. } => MemberDto::Causaloid {
                id: c.id().clone(),
                description: c.description().to_owned(),
                expr: expr.clone(),
                contexts: c.table().contexts().keys().cloned().collect(),
            },
            Function::Callable(f) => {
                return Err(CausalError::Serialization {
                    message: format!(
                        "causaloid {} decides by a {}; only expression causaloids have a JSON form",
                        c.id(),
                        f.label()
                    ),
                })
            }
        },
        Member::Collection(c) => MemberDto::Collection {
            id: c.id().clone(),
            description: c.description().to_owned(),
            logic: c.logic(),
            members: c.members().iter().map(to_dto).collect::<Result<_, _>>()?,
        },
        Member::Graph(g) => graph_dto(g)?,
    })
}

fn graph_dto(g: &CausalGraph) -> Result<MemberDto, CausalError> {
    Ok(MemberDto::Graph {
        id: g.id().clone(),
        description: g.description().to_owned(),
        max_relays: g.max_relays(),
        frozen: g.is_frozen(),
        nodes: g
            .declared_nodes()
            .iter()
            .map(to_dto)
            .collect::<Result<_, _>>()?,
        edges: g.edges(),
        transforms: g
            .transforms()
            .iter()
            .map(|t| TransformDto {
                from: t.from.clone(),
                to: t.to.clone(),
                expr: t.expr.clone(),
            })
            .collect(),
        states: g
            .states()
            .iter()
            .map(|s| StateDto {
                name: s.name.clone(),
                initial: s.initial,
                writers: g
                    .writers()
                    .iter()
                    .filter(|(n, _)| n == &s.name)
                    .map(|(_, w)| w.clone())
                    .collect(),
            })
            .collect(),
    })
}

fn from_dto(d: MemberDto, ctx: &Contexts) -> Result<Member, CausalError> {
    Ok(match d {
        MemberDto::Causaloid {
            id,
            description,
            expr,
            contexts,
        } => {
            let held = contexts
                .iter()
                .map(|name| {
                    ctx.get(name)
                        .cloned()
                        .ok_or_else(|| CausalError::UnknownContext {
                            name: name.clone(),
                            known: ctx.keys().cloned().collect(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Member::Causaloid(Arc::new(Causaloid::from_expr_in(
                id,
                description,
                expr,
                &held,
            )?))
        }
        MemberDto::Collection {
            id,
            description,
            logic,
            members,
        } => {
            let members = members
                .into_iter()
                .map(|m| from_dto(m, ctx))
                .collect::<Result<_, _>>()?;
            Member::Collection(Arc::new(Collection::new(id, description, members, logic)?))
        }
        d @ MemberDto::Graph { .. } => {
            let mut g = graph_from_dto(d, ctx)?;
            g.freeze()?;
            Member::Graph(Arc::new(g))
        }
    })
}

fn graph_from_dto(d: MemberDto, ctx: &Contexts) -> Result<CausalGraph, CausalError> {
    let MemberDto::Graph {
        id,
        description,
        max_relays,
        frozen,
        nodes,
        edges,
        transforms,
        states,
    } = d
    else {
        return Err(CausalError::Serialization {
            message: "the root is not a graph".into(),
        });
    };
    let mut g = CausalGraph::new(id, description);
    g.set_max_relays(max_relays)?;
    for n in nodes {
        g.add(from_dto(n, ctx)?)?;
    }
    for (a, b) in &edges {
        let t = transforms
            .iter()
            .find(|t| &t.from == a && &t.to == b)
            .map(|t| t.expr.clone());
        g.link_with(a, b, t)?;
    }
    for t in &transforms {
        if g.transform(&t.from, &t.to).is_none() {
            return Err(CausalError::EdgeTransform {
                edge: Box::new((t.from.clone(), t.to.clone())),
                message: "the document gives a transform for an edge it does not list".into(),
            });
        }
    }
    for s in &states {
        g.add_state(&s.name, s.initial)?;
        for w in &s.writers {
            g.write_state(&s.name, w)?;
        }
    }
    if frozen {
        g.freeze()?;
    }
    Ok(g)
}

/// Every context held inside `m`, by name.
fn contexts_in(m: &Member, out: &mut Contexts) {
    match m {
        Member::Causaloid(c) => {
            for (name, c) in c.table().contexts() {
                out.insert(name.clone(), Arc::clone(c));
            }
        }
        Member::Collection(c) => c.members().iter().for_each(|m| contexts_in(m, out)),
        Member::Graph(g) => g.declared_nodes().iter().for_each(|m| contexts_in(m, out)),
    }
}

fn write(root: MemberDto, held: &Contexts) -> Result<String, CausalError> {
    let mut contexts = BTreeMap::new();
    for (name, c) in held {
        let text = c
            .snapshot()
            .to_json()
            .map_err(|e| CausalError::Serialization {
                message: format!("context {name:?}: {e}"),
            })?;
        let value = crate::json::from_str(&text, "context JSON")?;
        contexts.insert(name.clone(), value);
    }
    let doc = Document {
        format: FORMAT.into(),
        version: VERSION,
        root,
        contexts,
    };
    serde_json::to_string(&doc).map_err(|e| CausalError::Serialization {
        message: e.to_string(),
    })
}

/// The root and the contexts it may read: `live` ones first, then those the
/// document embeds.
fn read(text: &str, live: &Contexts) -> Result<(MemberDto, Contexts), CausalError> {
    let doc: Document = crate::json::from_str(text, "causaloid JSON")?;
    if doc.format != FORMAT || doc.version != VERSION {
        return Err(CausalError::Serialization {
            message: format!(
                "expected format {FORMAT:?} version {VERSION}, found {:?} version {}",
                doc.format, doc.version
            ),
        });
    }
    let mut ctx = live.clone();
    for (name, value) in doc.contexts {
        if ctx.contains_key(&name) {
            continue;
        }
        let context =
            Context::from_json(&value.to_string()).map_err(|e| CausalError::Serialization {
                message: format!("context {name:?}: {e}"),
            })?;
        ctx.insert(name, Arc::new(SharedContext::new(context)));
    }
    Ok((doc.root, ctx))
}

impl Member {
    /// The JSON form (expression causaloids only), embedding the contexts held.
    pub fn to_json(&self) -> Result<String, CausalError> {
        let mut held = Contexts::new();
        contexts_in(self, &mut held);
        write(to_dto(self)?, &held)
    }

    pub fn from_json(text: &str) -> Result<Member, CausalError> {
        Member::from_json_with(text, &Contexts::new())
    }

    /// Reads a structure; contexts named in `live` are used instead of the
    /// embedded copies (so updates to them are seen).
    pub fn from_json_with(text: &str, live: &Contexts) -> Result<Member, CausalError> {
        let (root, ctx) = read(text, live)?;
        from_dto(root, &ctx)
    }
}

impl CausalGraph {
    /// The JSON form of the graph, frozen or not, embedding the contexts held.
    pub fn to_json(&self) -> Result<String, CausalError> {
        let mut held = Contexts::new();
        for n in self.declared_nodes() {
            contexts_in(n, &mut held);
        }
        write(graph_dto(self)?, &held)
    }

    /// Reads a graph; it comes back frozen if it was frozen when written.
    pub fn from_json(text: &str) -> Result<CausalGraph, CausalError> {
        CausalGraph::from_json_with(text, &Contexts::new())
    }

    /// [`CausalGraph::from_json`] with live contexts (see [`Member::from_json_with`]).
    pub fn from_json_with(text: &str, live: &Contexts) -> Result<CausalGraph, CausalError> {
        let (root, ctx) = read(text, live)?;
        graph_from_dto(root, &ctx)
    }
}
