//! Model changes as data: an operation program (add, update and remove
//! causaloids, edges, edge transforms, graph states, contexts and their
//! contextoids, and the norms of the model's ethos) applied to a model all or nothing, and the modification log it
//! produces — replayable onto an equal model, comparable with another log,
//! serialisable (JSON, owned here) and explained in words. [`diff`] computes
//! the program that turns one model into another.
//!
//! A model here is what the engine evaluates: its causaloid (a causaloid, a
//! collection or a graph), its contexts by name and (optionally) the ethos
//! that vets the actions it proposes. Applying a program never
//! changes the model it is given: the work happens on copies (graphs and
//! contexts are copied on write), and the first failing operation returns
//! [`CausalError::ModelOperation`] with its index, its name and the precise
//! cause.

mod describe;
mod diff;
mod json;

use crate::context::{Context, Operation as ContextOp, SharedContext};
use crate::error::CausalError;
use crate::ethos::{Ethos, EthosError, Norm};
use crate::expr::{Contexts, Expr};
use crate::graph::{CausalGraph, Member, NodeId};
use std::sync::Arc;

pub(crate) use diff::same_member as same_member_pub;
pub use diff::{diff, diff_logs, LogDiff};
pub use json::{program_from_json, program_to_json};

/// A model as the engine sees it: its causaloid, its contexts by name and
/// its ethos (if any).
#[derive(Clone)]
pub struct ModelCore {
    pub root: Member,
    pub contexts: Contexts,
    pub ethos: Option<Arc<Ethos>>,
}

/// One change to a model.
#[derive(Clone)]
pub enum Operation {
    /// Adds a node to the model's graph, linked from `parents` and to `children`.
    AddCausaloid {
        node: Member,
        parents: Vec<NodeId>,
        children: Vec<NodeId>,
    },
    /// Replaces the node with the same id (its edges stay); when the model's
    /// causaloid is not a graph, replaces it if the id matches.
    UpdateCausaloid {
        node: Member,
    },
    /// Removes a node, its edges, their transforms and the states it writes.
    RemoveCausaloid {
        id: NodeId,
    },
    AddEdge {
        from: NodeId,
        to: NodeId,
        transform: Option<Expr>,
    },
    RemoveEdge {
        from: NodeId,
        to: NodeId,
    },
    /// Sets (or with `None` removes) the transform of an existing edge.
    SetTransform {
        from: NodeId,
        to: NodeId,
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
        context: Context,
    },
    /// Replaces the context with the same name.
    ReplaceContext {
        context: Context,
    },
    RemoveContext {
        name: String,
    },
    /// Applies context operations (add, replace, set a field, remove, link,
    /// unlink contextoids) to the named context.
    UpdateContext {
        name: String,
        ops: Vec<ContextOp>,
    },
    /// Replaces the model's causaloid.
    SetCausaloid {
        node: Member,
    },
    /// Adds a norm to the model's ethos (giving the model an empty ethos
    /// first if it has none).
    AddNorm {
        norm: Norm,
    },
    /// Replaces the norm of the same id.
    UpdateNorm {
        norm: Norm,
    },
    /// Removes a norm (no other norm may defeat or specialize it).
    RemoveNorm {
        id: NodeId,
    },
    /// Replaces the model's ethos (`None`: the model has none).
    SetEthos {
        ethos: Option<Ethos>,
    },
}

impl Operation {
    /// The operation's name in the JSON form and in errors.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::AddCausaloid { .. } => "add_causaloid",
            Operation::UpdateCausaloid { .. } => "update_causaloid",
            Operation::RemoveCausaloid { .. } => "remove_causaloid",
            Operation::AddEdge { .. } => "add_edge",
            Operation::RemoveEdge { .. } => "remove_edge",
            Operation::SetTransform { .. } => "set_transform",
            Operation::AddState { .. } => "add_state",
            Operation::UpdateState { .. } => "update_state",
            Operation::RemoveState { .. } => "remove_state",
            Operation::AddContext { .. } => "add_context",
            Operation::ReplaceContext { .. } => "replace_context",
            Operation::RemoveContext { .. } => "remove_context",
            Operation::UpdateContext { .. } => "update_context",
            Operation::SetCausaloid { .. } => "set_causaloid",
            Operation::AddNorm { .. } => "add_norm",
            Operation::UpdateNorm { .. } => "update_norm",
            Operation::RemoveNorm { .. } => "remove_norm",
            Operation::SetEthos { .. } => "set_ethos",
        }
    }
}

impl std::fmt::Debug for Operation {
    /// The operation's JSON form (its name when it holds a callable).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match json::program_to_json(std::slice::from_ref(self)) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "Operation({})", self.name()),
        }
    }
}

/// One applied operation and what it did, in words.
#[derive(Clone)]
pub struct LogEntry {
    pub operation: Operation,
    pub summary: String,
}

/// The operations a program applied, in order, each with its summary.
#[derive(Clone, Default)]
pub struct ModificationLog {
    pub entries: Vec<LogEntry>,
}

impl ModificationLog {
    /// The operations, for replaying the log onto another model.
    pub fn operations(&self) -> Vec<Operation> {
        self.entries.iter().map(|e| e.operation.clone()).collect()
    }

    /// The log in words, one numbered line per operation.
    pub fn explain(&self) -> Vec<String> {
        if self.entries.is_empty() {
            return vec!["no changes".into()];
        }
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{}. {}", i + 1, e.summary))
            .collect()
    }
}

/// The model being changed: copies of the parts that changed.
struct Work {
    root: Member,
    /// The model's graph, unfrozen, once a graph operation touched it.
    graph: Option<CausalGraph>,
    contexts: Contexts,
    ethos: Option<Arc<Ethos>>,
}

impl ModelCore {
    /// Applies `program` in order, all or nothing: the changed model and the
    /// log, or the first failing operation's error (this model is never
    /// changed).
    pub fn apply(
        &self,
        program: &[Operation],
    ) -> Result<(ModelCore, ModificationLog), CausalError> {
        let mut work = Work {
            root: self.root.clone(),
            graph: None,
            contexts: self.contexts.clone(),
            ethos: self.ethos.clone(),
        };
        let mut log = ModificationLog::default();
        let mut last_graph_op = None;
        for (index, op) in program.iter().enumerate() {
            let fail = |source: CausalError| CausalError::ModelOperation {
                index,
                op: op.name(),
                source: Box::new(source),
            };
            let summary = work.apply_one(op).map_err(fail)?;
            if work.graph.is_some() {
                last_graph_op = Some((index, op.name()));
            }
            log.entries.push(LogEntry {
                operation: op.clone(),
                summary,
            });
        }
        if let Some(mut g) = work.graph.take() {
            g.freeze().map_err(|source| {
                let (index, op) = last_graph_op.unwrap_or((program.len(), "freeze"));
                CausalError::ModelOperation {
                    index,
                    op,
                    source: Box::new(source),
                }
            })?;
            work.root = Member::Graph(Arc::new(g));
        }
        // The structure reads the changed contexts from now on.
        let changed: Vec<Arc<SharedContext>> = work
            .contexts
            .iter()
            .filter(|(name, c)| {
                self.contexts
                    .get(*name)
                    .is_none_or(|old| !Arc::ptr_eq(old, c))
            })
            .map(|(_, c)| Arc::clone(c))
            .collect();
        if !changed.is_empty() {
            work.root = work.root.with_contexts(&changed);
            // So do the norms' predicates that read a changed context.
            if let Some(ethos) = work.ethos.as_mut() {
                rebind_norms(Arc::make_mut(ethos), &changed).map_err(|source| {
                    CausalError::ModelOperation {
                        index: program.len().saturating_sub(1),
                        op: program.last().map_or("apply", Operation::name),
                        source: Box::new(source),
                    }
                })?;
            }
        }
        Ok((
            ModelCore {
                root: work.root,
                contexts: work.contexts,
                ethos: work.ethos,
            },
            log,
        ))
    }

    /// Replays a log (its operations) onto this model.
    pub fn replay(
        &self,
        log: &ModificationLog,
    ) -> Result<(ModelCore, ModificationLog), CausalError> {
        self.apply(&log.operations())
    }
}

impl Work {
    fn graph(&mut self) -> Result<&mut CausalGraph, CausalError> {
        if self.graph.is_none() {
            match &self.root {
                Member::Graph(g) => {
                    let mut g = (**g).clone();
                    g.unfreeze();
                    self.graph = Some(g);
                }
                other => {
                    return Err(CausalError::InvalidArgument {
                        name: "operation",
                        message: format!(
                            "the model's causaloid {} is a {}, not a graph: node, edge and state operations need a graph",
                            other.id(),
                            other.kind_name()
                        ),
                    })
                }
            }
        }
        self.graph.as_mut().ok_or(CausalError::NotFrozen)
    }

    fn context(&self, name: &str) -> Result<&Arc<SharedContext>, CausalError> {
        self.contexts
            .get(name)
            .ok_or_else(|| CausalError::UnknownContext {
                name: name.into(),
                known: self.contexts.keys().cloned().collect(),
            })
    }

    /// Applies one operation; the summary says what it did.
    fn apply_one(&mut self, op: &Operation) -> Result<String, CausalError> {
        use describe::*;
        match op {
            Operation::AddCausaloid {
                node,
                parents,
                children,
            } => {
                let g = self.graph()?;
                let id = g.add(node.clone())?;
                for p in parents {
                    g.link(p, &id)?;
                }
                for c in children {
                    g.link(&id, c)?;
                }
                check_acyclic(g)?;
                Ok(format!(
                    "added {}{}{}",
                    member_text(node),
                    ids_text(", linked from", parents),
                    ids_text(", linked to", children)
                ))
            }
            Operation::UpdateCausaloid { node } => {
                let root_matches =
                    !matches!(self.root, Member::Graph(_)) && self.root.id() == node.id();
                if root_matches {
                    let before = member_text(&self.root);
                    self.root = node.clone();
                    return Ok(format!("replaced {before} by {}", member_text(node)));
                }
                let g = self.graph()?;
                let before = member_text(g.node(node.id())?);
                g.replace(node.id(), node.clone())?;
                Ok(format!("updated {before}: now {}", member_text(node)))
            }
            Operation::RemoveCausaloid { id } => {
                let g = self.graph()?;
                let edges = g.parents_of(id)?.len() + g.children_of(id)?.len();
                let removed = g.remove(id)?;
                Ok(format!(
                    "removed {} and its {edges} edge{}",
                    member_text(&removed),
                    plural(edges)
                ))
            }
            Operation::AddEdge {
                from,
                to,
                transform,
            } => {
                let g = self.graph()?;
                g.link_with(from, to, transform.clone())?;
                check_acyclic(g)?;
                Ok(format!(
                    "added the edge {from} -> {to}{}",
                    transform_text(transform.as_ref())
                ))
            }
            Operation::RemoveEdge { from, to } => {
                let g = self.graph()?;
                g.unlink(from, to)?;
                Ok(format!("removed the edge {from} -> {to}"))
            }
            Operation::SetTransform {
                from,
                to,
                transform,
            } => {
                let g = self.graph()?;
                let before = g.transform(from, to).cloned();
                g.set_transform(from, to, transform.clone())?;
                Ok(format!(
                    "set the transform of the edge {from} -> {to} to {} (was {})",
                    transform
                        .as_ref()
                        .map_or("none".into(), ToString::to_string),
                    before.map_or("none".into(), |e| e.to_string())
                ))
            }
            Operation::AddState {
                name,
                initial,
                writer,
            } => {
                let g = self.graph()?;
                g.add_state(name, *initial)?;
                g.write_state(name, writer)?;
                Ok(format!(
                    "added the state {name:?} (initially {initial}), written by node {writer}"
                ))
            }
            Operation::UpdateState { name, initial } => {
                let g = self.graph()?;
                let before = g
                    .states()
                    .iter()
                    .find(|s| &s.name == name)
                    .map(|s| s.initial);
                g.set_state_initial(name, *initial)?;
                Ok(format!(
                    "set the initial value of the state {name:?} to {initial} (was {})",
                    before.map_or("unset".into(), |b| b.to_string())
                ))
            }
            Operation::RemoveState { name } => {
                self.graph()?.remove_state(name)?;
                Ok(format!("removed the state {name:?}"))
            }
            Operation::AddContext { context } => {
                let name = context.name().to_owned();
                if self.contexts.contains_key(&name) {
                    return Err(CausalError::ContextConflict { name });
                }
                let text = context_text(context);
                self.contexts
                    .insert(name, Arc::new(SharedContext::new(context.clone())));
                Ok(format!("added {text}"))
            }
            Operation::ReplaceContext { context } => {
                let name = context.name().to_owned();
                let before = context_text(&self.context(&name)?.snapshot());
                self.contexts
                    .insert(name, Arc::new(SharedContext::new(context.clone())));
                Ok(format!("replaced {before} by {}", context_text(context)))
            }
            Operation::RemoveContext { name } => {
                let before = context_text(&self.context(name)?.snapshot());
                self.contexts.remove(name);
                Ok(format!("removed {before}"))
            }
            Operation::UpdateContext { name, ops } => {
                // A copy of the current version: the model given keeps its own.
                let mut copy = (*self.context(name)?.snapshot()).clone();
                copy.apply(ops.clone())
                    .map_err(|e| CausalError::ContextRead {
                        read: format!("context {name:?} (its operation {})", e.index),
                        source: e.error,
                    })?;
                self.contexts
                    .insert(name.clone(), Arc::new(SharedContext::new(copy)));
                Ok(format!(
                    "changed the context {name:?}: {}",
                    context_ops_text(ops)
                ))
            }
            Operation::AddNorm { norm } => {
                let created = self.ethos.is_none();
                let ethos = Arc::make_mut(self.ethos.get_or_insert_with(Default::default));
                ethos.add(norm.clone()).map_err(ethos_error)?;
                Ok(format!(
                    "added {}{}",
                    norm_text(norm),
                    if created {
                        " (the model had no ethos: it now has one)"
                    } else {
                        ""
                    }
                ))
            }
            Operation::UpdateNorm { norm } => {
                let ethos = self.ethos_mut(&norm.id)?;
                let before = ethos
                    .get(&norm.id)
                    .map(norm_text)
                    .unwrap_or_else(|| format!("norm {}", norm.id));
                ethos.update(norm.clone()).map_err(ethos_error)?;
                Ok(format!("updated {before}: now {}", norm_text(norm)))
            }
            Operation::RemoveNorm { id } => {
                let ethos = self.ethos_mut(id)?;
                let removed = ethos.remove(id).map_err(ethos_error)?;
                Ok(format!("removed {}", norm_text(&removed)))
            }
            Operation::SetEthos { ethos } => {
                let before = self.ethos.as_deref().map_or("no ethos".into(), ethos_text);
                self.ethos = ethos.clone().map(Arc::new);
                Ok(format!(
                    "replaced the model's ethos ({before}) by {}",
                    ethos.as_ref().map_or("no ethos".into(), ethos_text)
                ))
            }
            Operation::SetCausaloid { node } => {
                node.check_nesting()?;
                if let Member::Graph(g) = node {
                    if !g.is_frozen() {
                        return Err(CausalError::NotFrozen);
                    }
                }
                let before = member_text(&self.root);
                self.graph = None;
                self.root = node.clone();
                Ok(format!(
                    "replaced the model's causaloid {before} by {}",
                    member_text(node)
                ))
            }
        }
    }
}

fn check_acyclic(g: &CausalGraph) -> Result<(), CausalError> {
    g.check_acyclic()
}

fn ethos_error(source: EthosError) -> CausalError {
    CausalError::Ethos {
        source: Box::new(source),
    }
}

impl Work {
    /// The model's ethos, copied on write; an error naming `norm` when the
    /// model has none.
    fn ethos_mut(&mut self, norm: &NodeId) -> Result<&mut Ethos, CausalError> {
        match self.ethos.as_mut() {
            Some(e) => Ok(Arc::make_mut(e)),
            None => Err(ethos_error(EthosError::UnknownNorm { id: norm.clone() })),
        }
    }
}

/// Points the norms reading one of `changed` (by name) at the new version
/// (the ethos is rebuilt: its column table holds the contexts it reads).
fn rebind_norms(ethos: &mut Ethos, changed: &[Arc<SharedContext>]) -> Result<(), CausalError> {
    let mut touched = false;
    let norms: Vec<Norm> = ethos
        .norms()
        .map(|n| {
            let contexts = n
                .contexts
                .iter()
                .map(|c| {
                    let name = c.snapshot().name().to_owned();
                    match changed.iter().find(|x| x.snapshot().name() == name) {
                        Some(x) => {
                            touched = true;
                            Arc::clone(x)
                        }
                        None => Arc::clone(c),
                    }
                })
                .collect();
            n.clone().with_contexts(contexts)
        })
        .collect();
    if !touched {
        return Ok(());
    }
    let mut rebuilt = Ethos::with_norms(norms).map_err(ethos_error)?;
    rebuilt.set_calculus(ethos.calculus());
    for (action, tags) in ethos.tagged_actions().to_vec() {
        rebuilt
            .set_action_tags(&action, tags)
            .map_err(ethos_error)?;
    }
    *ethos = rebuilt;
    Ok(())
}
