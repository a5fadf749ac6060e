//! What a graph declares beyond nodes and edges, compiled away at freeze so
//! the evaluation loops stay as they are:
//!
//! - **Edge transforms.** An edge `a -> b` may carry an expression over the
//!   parent's value (`value() * 2`). Freezing rewrites every transformed edge
//!   into a hidden expression node `"a -> b"` between the two (`a -> "a -> b"
//!   -> b`), and points `b`'s `node(a)` reads at it: `b` joins and reads the
//!   transformed value, on every evaluation path (one row, a batch, uncertain
//!   inputs, sub-graphs and paths), and explanations show the transform as a
//!   step. Unfreezing restores the graph as declared.
//! - **State.** Named numbers carried from one evaluation to the next (a
//!   Markovian process as a graph). A node reads state `s` as the input
//!   column `"state:s"`; exactly one node writes it: after each row of a
//!   sequence, the value that node decided becomes the state the next row
//!   reads. Freezing checks every state read names a declared state and every
//!   state has exactly one writer.
//! - **Structural edits** used by model operation programs: replacing and
//!   removing nodes of an unfrozen graph.

use super::causal_graph::CausalGraph;
use super::causaloid::Causaloid;
use super::id::NodeId;
use super::member::{Input, Member};
use super::trace::{Evaluation, Outcome};
use crate::error::CausalError;
use crate::expr::Expr;
use crate::value::{Kind, Value};
use std::sync::Arc;

/// The prefix of the input column a state read occupies: state `level` is
/// read as `cl.expr.state("level")`, i.e. the column `"state:level"`.
pub const STATE_PREFIX: &str = "state:";

/// A transform on the edge `from -> to`: an expression over the parent's
/// value (`value()`), applied before the child's join and node reads.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeTransform {
    pub from: NodeId,
    pub to: NodeId,
    pub expr: Expr,
}

/// A graph-level state variable.
#[derive(Clone, Debug, PartialEq)]
pub struct StateVar {
    pub name: String,
    pub initial: f64,
}

/// The graph as declared, kept while the frozen graph holds hidden nodes.
#[derive(Clone, Debug)]
pub(crate) struct Declared {
    len: usize,
    children: Vec<Vec<u32>>,
    parents: Vec<Vec<u32>>,
    /// (child, parent, hidden transform node) for node reads.
    reads: Vec<(u32, u32, u32)>,
}

/// What evaluating rows in order yields: each row's value, the state after
/// each row (one column per state variable) and the final state.
#[derive(Clone)]
pub struct SequenceOutput {
    pub kind: Kind,
    pub values: Vec<f64>,
    /// `states[k][r]`: state variable `k` after row `r`.
    pub states: Vec<Vec<f64>>,
    pub final_state: Vec<f64>,
    /// Each row's evaluation (for explanations).
    pub evaluations: Vec<Evaluation>,
}

/// The id of the hidden node on the edge `a -> b`.
pub fn transform_node_id(from: &NodeId, to: &NodeId) -> NodeId {
    let raw = |n: &NodeId| match n {
        NodeId::Int(i) => i.to_string(),
        NodeId::Str(s) => s.clone(),
    };
    NodeId::Str(format!("{} -> {}", raw(from), raw(to)))
}

impl CausalGraph {
    // ---- edge transforms ---------------------------------------------------------

    /// Adds the edge `from -> to`, with a transform of the parent's value
    /// when given. The transform may read `value()`, columns and contexts,
    /// never another node.
    pub fn link_with(
        &mut self,
        from: &NodeId,
        to: &NodeId,
        transform: Option<Expr>,
    ) -> Result<(), CausalError> {
        if let Some(expr) = &transform {
            if self.is_frozen() {
                return Err(CausalError::Frozen);
            }
            check_transform(from, to, expr)?;
        }
        self.link(from, to)?;
        if let Some(expr) = transform {
            self.transforms.push(EdgeTransform {
                from: from.clone(),
                to: to.clone(),
                expr,
            });
        }
        Ok(())
    }

    /// Sets (or with `None` removes) the transform of the existing edge `from -> to`.
    pub fn set_transform(
        &mut self,
        from: &NodeId,
        to: &NodeId,
        transform: Option<Expr>,
    ) -> Result<(), CausalError> {
        if self.is_frozen() {
            return Err(CausalError::Frozen);
        }
        let a = self.index_of(from)?;
        let b = self.index_of(to)?;
        if !self.children[a as usize].contains(&b) {
            return Err(CausalError::EdgeTransform {
                edge: Box::new((from.clone(), to.clone())),
                message: "there is no such edge: link it first".into(),
            });
        }
        self.transforms
            .retain(|t| !(&t.from == from && &t.to == to));
        if let Some(expr) = transform {
            check_transform(from, to, &expr)?;
            self.transforms.push(EdgeTransform {
                from: from.clone(),
                to: to.clone(),
                expr,
            });
        }
        Ok(())
    }

    /// The declared edge transforms, in declaration order.
    pub fn transforms(&self) -> &[EdgeTransform] {
        &self.transforms
    }

    /// The transform of the edge `from -> to`, if any.
    pub fn transform(&self, from: &NodeId, to: &NodeId) -> Option<&Expr> {
        self.transforms
            .iter()
            .find(|t| &t.from == from && &t.to == to)
            .map(|t| &t.expr)
    }

    /// The nodes as declared (without the hidden transform nodes).
    pub fn declared_nodes(&self) -> &[Member] {
        let n = self.declared.as_ref().map_or(self.len(), |d| d.len);
        &self.nodes()[..n.min(self.len())]
    }

    pub(crate) fn declared_children(&self) -> &[Vec<u32>] {
        match &self.declared {
            Some(d) => &d.children,
            None => &self.children,
        }
    }

    pub(crate) fn declared_parents(&self) -> &[Vec<u32>] {
        match &self.declared {
            Some(d) => &d.parents,
            None => &self.parents,
        }
    }

    /// The node that `child` reads when it reads parent `parent` by id: the
    /// hidden transform node of the edge when there is one.
    pub(crate) fn read_through(&self, parent: u32, child: u32) -> u32 {
        self.declared
            .as_ref()
            .and_then(|d| {
                d.reads
                    .iter()
                    .find(|&&(c, p, _)| c == child && p == parent)
                    .map(|&(_, _, h)| h)
            })
            .unwrap_or(parent)
    }

    /// A frozen copy in which every transformed edge runs through a hidden node.
    pub(crate) fn expanded(&self) -> Result<CausalGraph, CausalError> {
        let mut x = self.clone();
        let declared_len = x.len();
        let mut reads = Vec::with_capacity(self.transforms.len());
        let (children, parents) = (x.children.clone(), x.parents.clone());
        for t in &self.transforms {
            let a = x.index_of(&t.from)?;
            let b = x.index_of(&t.to)?;
            let id = transform_node_id(&t.from, &t.to);
            let description = format!("transform on the edge {} -> {}", t.from, t.to);
            let held: Vec<_> = x.nodes()[a as usize]
                .layout()
                .contexts()
                .values()
                .chain(x.nodes()[b as usize].layout().contexts().values())
                .cloned()
                .collect();
            let node = Causaloid::from_expr_in(id.clone(), description, t.expr.clone(), &held)
                .map_err(|e| CausalError::EdgeTransform {
                    edge: Box::new((t.from.clone(), t.to.clone())),
                    message: e.to_string(),
                })?;
            let h = match x.add(Member::Causaloid(Arc::new(node))) {
                Ok(_) => x.index_of(&id)?,
                Err(CausalError::DuplicateId { .. }) => {
                    return Err(CausalError::EdgeTransform {
 edge: Box::new((t.from.clone(), t.to.clone())),
 message: format!(
                            "its transform runs as the hidden node {id}, but the graph has a node with that id"
                        ),
                    })
                }
                Err(e) => return Err(e),
            };
            // Rewire a -> b into a -> h -> b, keeping b's parent order.
            if let Some(slot) = x.children[a as usize].iter_mut().find(|c| **c == b) {
                *slot = h;
            }
            if let Some(slot) = x.parents[b as usize].iter_mut().find(|p| **p == a) {
                *slot = h;
            }
            x.children[h as usize].push(b);
            x.parents[h as usize].push(a);
            reads.push((b, a, h));
        }
        x.declared = Some(Declared {
            len: declared_len,
            children,
            parents,
            reads,
        });
        x.freeze_plan()?;
        Ok(x)
    }

    /// Drops the hidden transform nodes, back to the graph as declared.
    pub(crate) fn restore_declared(&mut self) {
        let Some(d) = self.declared.take() else {
            return;
        };
        let hidden: Vec<Member> = self.nodes_mut().drain(d.len..).collect();
        for m in hidden {
            self.index.remove(m.id());
        }
        self.children = d.children;
        self.parents = d.parents;
    }

    // ---- structural edits ----------------------------------------------------------

    /// Replaces node `id` by `member` (same id), keeping its edges.
    pub fn replace(&mut self, id: &NodeId, member: Member) -> Result<(), CausalError> {
        if self.is_frozen() {
            return Err(CausalError::Frozen);
        }
        let i = self.index_of(id)?;
        if member.id() != id {
            return Err(CausalError::InvalidArgument {
                name: "member",
                message: format!(
                    "the replacement of node {id} has id {}; it must keep the id",
                    member.id()
                ),
            });
        }
        member.check_nesting()?;
        member.check_stateless()?;
        self.nodes_mut()[i as usize] = member;
        self.depth = self
            .nodes()
            .iter()
            .map(|m| m.depth() + 1)
            .max()
            .unwrap_or(1);
        Ok(())
    }

    /// Removes node `id`, its edges, their transforms and the state it writes.
    pub fn remove(&mut self, id: &NodeId) -> Result<Member, CausalError> {
        if self.is_frozen() {
            return Err(CausalError::Frozen);
        }
        let r = self.index_of(id)?;
        let member = self.nodes_mut().remove(r as usize);
        self.children.remove(r as usize);
        self.parents.remove(r as usize);
        let shift = |v: &mut Vec<u32>| {
            v.retain(|&x| x != r);
            for x in v.iter_mut() {
                if *x > r {
                    *x -= 1;
                }
            }
        };
        self.children.iter_mut().for_each(shift);
        self.parents.iter_mut().for_each(shift);
        self.index.clear();
        let ids: Vec<NodeId> = self.nodes().iter().map(|m| m.id().clone()).collect();
        for (k, id) in ids.into_iter().enumerate() {
            self.index.insert(id, k as u32);
        }
        self.transforms.retain(|t| &t.from != id && &t.to != id);
        self.writers.retain(|(_, w)| w != id);
        self.depth = self
            .nodes()
            .iter()
            .map(|m| m.depth() + 1)
            .max()
            .unwrap_or(1);
        Ok(member)
    }

    // ---- state -------------------------------------------------------------------------

    /// Declares state variable `name` with its initial value.
    pub fn add_state(&mut self, name: &str, initial: f64) -> Result<(), CausalError> {
        if self.is_frozen() {
            return Err(CausalError::Frozen);
        }
        if name.is_empty() {
            return Err(CausalError::State {
                name: name.into(),
                message: "a state needs a non-empty name".into(),
            });
        }
        if !initial.is_finite() {
            return Err(CausalError::State {
                name: name.into(),
                message: format!("the initial value must be a finite number, got {initial}"),
            });
        }
        if self.states.iter().any(|s| s.name == name) {
            return Err(CausalError::State {
                name: name.into(),
                message: "is already declared".into(),
            });
        }
        self.states.push(StateVar {
            name: name.into(),
            initial,
        });
        Ok(())
    }

    /// Sets the initial value of a declared state.
    pub fn set_state_initial(&mut self, name: &str, initial: f64) -> Result<(), CausalError> {
        if self.is_frozen() {
            return Err(CausalError::Frozen);
        }
        if !initial.is_finite() {
            return Err(CausalError::State {
                name: name.into(),
                message: format!("the initial value must be a finite number, got {initial}"),
            });
        }
        let k = self.state_index(name)?;
        self.states[k].initial = initial;
        Ok(())
    }

    /// Removes a declared state and its writer.
    pub fn remove_state(&mut self, name: &str) -> Result<(), CausalError> {
        if self.is_frozen() {
            return Err(CausalError::Frozen);
        }
        let k = self.state_index(name)?;
        self.states.remove(k);
        self.writers.retain(|(s, _)| s != name);
        Ok(())
    }

    /// Makes node `node` write state `name`: after each row of a sequence,
    /// the value it decided is the state the next row reads. Two writers of
    /// one state are refused by [`CausalGraph::freeze`].
    pub fn write_state(&mut self, name: &str, node: &NodeId) -> Result<(), CausalError> {
        if self.is_frozen() {
            return Err(CausalError::Frozen);
        }
        self.index_of(node)?;
        self.state_index(name)?;
        if !self.writers.iter().any(|(s, w)| s == name && w == node) {
            self.writers.push((name.into(), node.clone()));
        }
        Ok(())
    }

    /// The declared states, in declaration order.
    pub fn states(&self) -> &[StateVar] {
        &self.states
    }

    /// (state, writer node) pairs, in declaration order.
    pub fn writers(&self) -> &[(String, NodeId)] {
        &self.writers
    }

    fn state_index(&self, name: &str) -> Result<usize, CausalError> {
        self.states
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| CausalError::State {
                name: name.into(),
                message: format!(
                    "is not declared (declared: {})",
                    self.state_names().join(", ")
                ),
            })
    }

    fn state_names(&self) -> Vec<String> {
        self.states.iter().map(|s| s.name.clone()).collect()
    }

    /// Every state has exactly one writer, and every state read names a
    /// declared state.
    pub(crate) fn check_states(&self) -> Result<(), CausalError> {
        for s in &self.states {
            let writers: Vec<String> = self
                .writers
                .iter()
                .filter(|(n, _)| n == &s.name)
                .map(|(_, w)| w.to_string())
                .collect();
            match writers.len() {
                1 => {}
                0 => {
                    return Err(CausalError::State {
                        name: s.name.clone(),
                        message: "has no writer: make exactly one node write it".into(),
                    })
                }
                _ => {
                    return Err(CausalError::State {
                        name: s.name.clone(),
                        message: format!(
                            "has {} writers ({}); exactly one node may write a state",
                            writers.len(),
                            writers.join(", ")
                        ),
                    })
                }
            }
        }
        for m in self.nodes() {
            for col in m.columns() {
                if let Some(name) = col.strip_prefix(STATE_PREFIX) {
                    if !self.states.iter().any(|s| s.name == name) {
                        return Err(CausalError::State {
                            name: name.into(),
                            message: format!(
                                "node {} reads it, but the graph declares no such state (declared: {})",
                                m.id(),
                                self.state_names().join(", ")
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The input columns of a sequence: the graph's columns but its states.
    pub fn sequence_columns(&self) -> Vec<String> {
        self.columns()
            .iter()
            .filter(|c| !self.is_state_column(c))
            .cloned()
            .collect()
    }

    fn is_state_column(&self, col: &str) -> bool {
        col.strip_prefix(STATE_PREFIX)
            .is_some_and(|n| self.states.iter().any(|s| s.name == n))
    }

    /// Evaluates rows in order, threading the state: row `r` reads the state
    /// written by row `r - 1` (the initial values, or `state`, for row 0).
    /// `input.columns` follow [`CausalGraph::sequence_columns`]; host
    /// callables receive `hosts[r]` as row `r` (`input.host` is not used). A
    /// row that fails stops the sequence with its error (a verdict error
    /// names the row).
    pub fn evaluate_sequence(
        self: &Arc<Self>,
        input: &super::BatchInput<'_>,
        state: Option<&[f64]>,
        hosts: &[&super::HostRow],
    ) -> Result<SequenceOutput, CausalError> {
        self.frozen()?;
        if !hosts.is_empty() && hosts.len() != input.len {
            return Err(CausalError::Shape {
                what: "host rows".into(),
                expected: input.len,
                found: hosts.len(),
            });
        }
        let names = self.sequence_columns();
        if input.columns.len() != names.len() {
            return Err(CausalError::Shape {
                what: "columns".into(),
                expected: names.len(),
                found: input.columns.len(),
            });
        }
        for (name, col) in names.iter().zip(&input.columns) {
            if col.len() != input.len {
                return Err(CausalError::Shape {
                    what: format!("column {name:?}"),
                    expected: input.len,
                    found: col.len(),
                });
            }
        }
        if let Some((_, v)) = input.value {
            if v.len() != input.len {
                return Err(CausalError::Shape {
                    what: "value".into(),
                    expected: input.len,
                    found: v.len(),
                });
            }
        }
        let mut current: Vec<f64> = match state {
            Some(s) if s.len() != self.states.len() => {
                return Err(CausalError::Shape {
                    what: "state".into(),
                    expected: self.states.len(),
                    found: s.len(),
                })
            }
            Some(s) => s.to_vec(),
            None => self.states.iter().map(|s| s.initial).collect(),
        };
        // Where each column of a full row comes from: an input or a state.
        enum Source {
            Input(usize),
            State(usize),
        }
        let sources: Vec<Source> = self
            .columns()
            .iter()
            .map(|c| match c.strip_prefix(STATE_PREFIX) {
                Some(n) if self.is_state_column(c) => {
                    Source::State(self.states.iter().position(|s| s.name == n).unwrap_or(0))
                }
                _ => Source::Input(names.iter().position(|m| m == c).unwrap_or(0)),
            })
            .collect();
        let writers: Vec<u32> = self
            .states
            .iter()
            .map(|s| {
                let w = self
                    .writers
                    .iter()
                    .find(|(n, _)| n == &s.name)
                    .map(|(_, w)| w);
                match w {
                    Some(w) => self.index_of(w),
                    None => Err(CausalError::State {
                        name: s.name.clone(),
                        message: "has no writer".into(),
                    }),
                }
            })
            .collect::<Result<_, _>>()?;
        let mut out = SequenceOutput {
            kind: Kind::Bool,
            values: Vec::new(),
            states: vec![Vec::new(); self.states.len()],
            final_state: Vec::new(),
            evaluations: Vec::new(),
        };
        reserve(&mut out.values, input.len)?;
        reserve(&mut out.evaluations, input.len)?;
        for col in &mut out.states {
            reserve(col, input.len)?;
        }
        let mut row = vec![0.0; sources.len()];
        for r in 0..input.len {
            for (o, s) in row.iter_mut().zip(&sources) {
                *o = match s {
                    Source::Input(k) => input.columns[*k][r],
                    Source::State(k) => current[*k],
                };
            }
            let value = input.value.map(|(k, v)| Value::from_raw(k, v[r]));
            let e = self.evaluate(&Input {
                value,
                row: &row,
                host: hosts.get(r).copied(),
            })?;
            let v = match e.result() {
                Ok(v) => v,
                Err(CausalError::InvalidVerdict { id, found, .. }) => {
                    return Err(CausalError::InvalidVerdict {
                        id: id.clone(),
                        found: found.clone(),
                        row: Some(r),
                    })
                }
                Err(err) => return Err(err.clone()),
            };
            for (k, &w) in writers.iter().enumerate() {
                if let Some(x) = last_decision(&e, w) {
                    current[k] = x.num();
                }
                out.states[k].push(current[k]);
            }
            out.kind = if r == 0 {
                v.kind()
            } else {
                out.kind.both(v.kind())
            };
            out.values.push(v.num());
            out.evaluations.push(e);
        }
        out.final_state = current;
        Ok(out)
    }
}

/// The value node `node` of the top graph decided last in `e` (relays may
/// evaluate a node more than once).
pub(crate) fn last_decision(e: &Evaluation, node: u32) -> Option<Value> {
    e.trace()
        .decoded()
        .filter(|d| d.scope == 1 && d.member == node)
        .filter_map(|d| match d.outcome {
            Outcome::Decided(v) => Some(v),
            _ => None,
        })
        .last()
}

fn check_transform(from: &NodeId, to: &NodeId, expr: &Expr) -> Result<(), CausalError> {
    expr.check_depth()?;
    if let Some(n) = expr.nodes().first() {
        return Err(CausalError::EdgeTransform {
 edge: Box::new((from.clone(), to.clone())),
 message: format!(
                "a transform reads the parent's value (value()), not other nodes; it reads node({n})"
            ),
        });
    }
    if expr.columns().iter().any(|c| c.starts_with(STATE_PREFIX)) {
        return Err(CausalError::EdgeTransform {
            edge: Box::new((from.clone(), to.clone())),
            message: "a transform cannot read the graph's state".into(),
        });
    }
    Ok(())
}

/// Fallible reservation for sizes users pass.
fn reserve<T>(v: &mut Vec<T>, n: usize) -> Result<(), CausalError> {
    v.try_reserve_exact(n)
        .map_err(|_| CausalError::InvalidArgument {
            name: "rows",
            message: format!("cannot allocate a sequence of {n} rows"),
        })
}
