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

use super::causal_graph::CausalGraph;
use super::causaloid::{Causaloid, Function};
use super::collection::{Collection, Logic};
use super::id::NodeId;
use super::member::Member;
use crate::error::CausalError;
use crate::expr::Expr;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const FORMAT: &str = "causaloid";
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Document {
    format: String,
    version: u32,
    root: MemberDto,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum MemberDto {
    Causaloid {
        id: NodeId,
        description: String,
        expr: Expr,
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
    },
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
        nodes: g.nodes().iter().map(to_dto).collect::<Result<_, _>>()?,
        edges: g.edges(),
    })
}

fn from_dto(d: MemberDto) -> Result<Member, CausalError> {
    Ok(match d {
        MemberDto::Causaloid {
            id,
            description,
            expr,
        } => Member::Causaloid(Arc::new(Causaloid::from_expr(id, description, expr)?)),
        MemberDto::Collection {
            id,
            description,
            logic,
            members,
        } => {
            let members = members
                .into_iter()
                .map(from_dto)
                .collect::<Result<_, _>>()?;
            Member::Collection(Arc::new(Collection::new(id, description, members, logic)?))
        }
        d @ MemberDto::Graph { .. } => {
            let mut g = graph_from_dto(d)?;
            g.freeze()?;
            Member::Graph(Arc::new(g))
        }
    })
}

fn graph_from_dto(d: MemberDto) -> Result<CausalGraph, CausalError> {
    let MemberDto::Graph {
        id,
        description,
        max_relays,
        frozen,
        nodes,
        edges,
    } = d
    else {
        return Err(CausalError::Serialization {
            message: "the root is not a graph".into(),
        });
    };
    let mut g = CausalGraph::new(id, description);
    g.set_max_relays(max_relays)?;
    for n in nodes {
        g.add(from_dto(n)?)?;
    }
    for (a, b) in &edges {
        g.link(a, b)?;
    }
    if frozen {
        g.freeze()?;
    }
    Ok(g)
}

fn write(root: MemberDto) -> Result<String, CausalError> {
    let doc = Document {
        format: FORMAT.into(),
        version: VERSION,
        root,
    };
    serde_json::to_string(&doc).map_err(|e| CausalError::Serialization {
        message: e.to_string(),
    })
}

fn read(text: &str) -> Result<MemberDto, CausalError> {
    let doc: Document = serde_json::from_str(text).map_err(|e| CausalError::Serialization {
        message: e.to_string(),
    })?;
    if doc.format != FORMAT || doc.version != VERSION {
        return Err(CausalError::Serialization {
            message: format!(
                "expected format {FORMAT:?} version {VERSION}, found {:?} version {}",
                doc.format, doc.version
            ),
        });
    }
    Ok(doc.root)
}

impl Member {
    /// The JSON form (expression causaloids only).
    pub fn to_json(&self) -> Result<String, CausalError> {
        write(to_dto(self)?)
    }

    pub fn from_json(text: &str) -> Result<Member, CausalError> {
        from_dto(read(text)?)
    }
}

impl CausalGraph {
    /// The JSON form of the graph, frozen or not.
    pub fn to_json(&self) -> Result<String, CausalError> {
        write(graph_dto(self)?)
    }

    /// Reads a graph; it comes back frozen if it was frozen when written.
    pub fn from_json(text: &str) -> Result<CausalGraph, CausalError> {
        graph_from_dto(read(text)?)
    }
}
