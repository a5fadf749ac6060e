//! Differences: the program that turns one model into another, and where two
//! logs part ways.

use super::{ModelCore, ModificationLog, Operation};
use crate::error::CausalError;
use crate::ethos::{same_norm, Ethos, Norm};
use crate::graph::{CausalGraph, Function, Member, NodeId};
use std::collections::BTreeSet;

/// Whether two structures are the same: the same object, or equal
/// expression structures (callables are equal only to themselves).
pub(crate) fn same_member(x: &Member, y: &Member) -> bool {
    match (x, y) {
        (Member::Causaloid(a), Member::Causaloid(b)) => {
            if std::sync::Arc::ptr_eq(a, b) {
                return true;
            }
            let same_fn = match (a.function(), b.function()) {
                (Function::Expr { expr: e, .. }, Function::Expr { expr: f, .. }) => e == f,
                _ => false,
            };
            same_fn
                && a.id() == b.id()
                && a.description() == b.description()
                && a.table().contexts().keys().eq(b.table().contexts().keys())
        }
        (Member::Collection(a), Member::Collection(b)) if std::sync::Arc::ptr_eq(a, b) => true,
        (Member::Graph(a), Member::Graph(b)) if std::sync::Arc::ptr_eq(a, b) => true,
        _ => match (x.to_json(), y.to_json()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
    }
}

/// The operations that turn `a` into `b`: applying them to `a` gives a model
/// equal to `b`.
pub fn diff(a: &ModelCore, b: &ModelCore) -> Result<Vec<Operation>, CausalError> {
    let mut ops = Vec::new();
    match (&a.root, &b.root) {
        (Member::Graph(ga), Member::Graph(gb))
            if ga.id() == gb.id()
                && ga.description() == gb.description()
                && ga.max_relays() == gb.max_relays() =>
        {
            diff_graphs(ga, gb, &mut ops)?
        }
        (x, y) if same_member(x, y) => {}
        (_, y) => ops.push(Operation::SetCausaloid { node: y.clone() }),
    }
    diff_ethos(a.ethos.as_deref(), b.ethos.as_deref(), &mut ops);
    for name in a.contexts.keys() {
        if !b.contexts.contains_key(name) {
            ops.push(Operation::RemoveContext { name: name.clone() });
        }
    }
    for (name, cb) in &b.contexts {
        let sb = cb.snapshot();
        match a.contexts.get(name) {
            None => ops.push(Operation::AddContext {
                context: (*sb).clone(),
            }),
            Some(ca) => {
                let sa = ca.snapshot();
                let differs = match (sa.to_json(), sb.to_json()) {
                    (Ok(x), Ok(y)) => x != y,
                    _ => true,
                };
                if differs {
                    ops.push(Operation::ReplaceContext {
                        context: (*sb).clone(),
                    });
                }
            }
        }
    }
    Ok(ops)
}

fn writer_of<'g>(g: &'g CausalGraph, state: &str) -> Option<&'g NodeId> {
    g.writers().iter().find(|(s, _)| s == state).map(|(_, w)| w)
}

fn diff_graphs(
    a: &CausalGraph,
    b: &CausalGraph,
    ops: &mut Vec<Operation>,
) -> Result<(), CausalError> {
    let ids_a: Vec<NodeId> = a.declared_nodes().iter().map(|m| m.id().clone()).collect();
    let ids_b: Vec<NodeId> = b.declared_nodes().iter().map(|m| m.id().clone()).collect();
    let set_a: BTreeSet<&NodeId> = ids_a.iter().collect();
    let set_b: BTreeSet<&NodeId> = ids_b.iter().collect();
    let edges_a = a.edges();
    let edges_b = b.edges();
    // States that go, or change writer, first (a removed node drops its writes).
    let mut re_add = Vec::new();
    for s in a.states() {
        let in_b = b.states().iter().find(|t| t.name == s.name);
        let same_writer = in_b.is_some() && writer_of(a, &s.name) == writer_of(b, &s.name);
        if in_b.is_none() || !same_writer {
            ops.push(Operation::RemoveState {
                name: s.name.clone(),
            });
            if in_b.is_some() {
                re_add.push(s.name.clone());
            }
        }
    }
    for (from, to) in &edges_a {
        if set_b.contains(from)
            && set_b.contains(to)
            && !edges_b.contains(&(from.clone(), to.clone()))
        {
            ops.push(Operation::RemoveEdge {
                from: from.clone(),
                to: to.clone(),
            });
        }
    }
    for id in &ids_a {
        if !set_b.contains(id) {
            ops.push(Operation::RemoveCausaloid { id: id.clone() });
        }
    }
    for m in b.declared_nodes() {
        if !set_a.contains(m.id()) {
            ops.push(Operation::AddCausaloid {
                node: m.clone(),
                parents: Vec::new(),
                children: Vec::new(),
            });
        } else if !same_member(a.node(m.id())?, m) {
            ops.push(Operation::UpdateCausaloid { node: m.clone() });
        }
    }
    for (from, to) in &edges_b {
        let t = b.transform(from, to).cloned();
        if !edges_a.contains(&(from.clone(), to.clone()))
            || !set_a.contains(from)
            || !set_a.contains(to)
        {
            ops.push(Operation::AddEdge {
                from: from.clone(),
                to: to.clone(),
                transform: t,
            });
        } else if a.transform(from, to) != t.as_ref() {
            ops.push(Operation::SetTransform {
                from: from.clone(),
                to: to.clone(),
                transform: t,
            });
        }
    }
    for s in b.states() {
        let in_a = a.states().iter().find(|t| t.name == s.name);
        let writer = writer_of(b, &s.name).cloned();
        match (in_a, writer) {
            (Some(old), _) if !re_add.contains(&s.name) => {
                if old.initial != s.initial {
                    ops.push(Operation::UpdateState {
                        name: s.name.clone(),
                        initial: s.initial,
                    });
                }
            }
            (_, Some(writer)) => ops.push(Operation::AddState {
                name: s.name.clone(),
                initial: s.initial,
                writer,
            }),
            (_, None) => {
                return Err(CausalError::State {
                    name: s.name.clone(),
                    message: "has no writer in the target model".into(),
                })
            }
        }
    }
    Ok(())
}

/// Where two logs part ways: the number of leading operations they share,
/// and the positions of the rest in each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogDiff {
    pub common: usize,
    pub only_left: Vec<usize>,
    pub only_right: Vec<usize>,
}

/// A key equal for equal operations: the JSON form, or (for callables) the
/// identity of the objects inside.
fn op_key(op: &Operation) -> String {
    match super::json::program_to_json(std::slice::from_ref(op)) {
        Ok(text) => text,
        Err(_) => {
            let ptr = |m: &Member| match m {
                Member::Causaloid(c) => format!("{:p}", std::sync::Arc::as_ptr(c)),
                Member::Collection(c) => format!("{:p}", std::sync::Arc::as_ptr(c)),
                Member::Graph(g) => format!("{:p}", std::sync::Arc::as_ptr(g)),
            };
            match op {
                Operation::AddCausaloid {
                    node,
                    parents,
                    children,
                } => format!("add {} {parents:?} {children:?}", ptr(node)),
                Operation::UpdateCausaloid { node } => format!("update {}", ptr(node)),
                Operation::SetCausaloid { node } => format!("set {}", ptr(node)),
                other => format!("{} (unserialisable)", other.name()),
            }
        }
    }
}

/// Compares two logs operation by operation.
pub fn diff_logs(left: &ModificationLog, right: &ModificationLog) -> LogDiff {
    let kl: Vec<String> = left.entries.iter().map(|e| op_key(&e.operation)).collect();
    let kr: Vec<String> = right.entries.iter().map(|e| op_key(&e.operation)).collect();
    let common = kl.iter().zip(&kr).take_while(|(a, b)| a == b).count();
    LogDiff {
        common,
        only_left: (common..kl.len()).collect(),
        only_right: (common..kr.len()).collect(),
    }
}

/// The norms `n` names (defeats, specializes).
fn named(n: &Norm) -> impl Iterator<Item = &NodeId> {
    n.defeats.iter().chain(n.inherits.iter())
}

/// The operations that turn ethos `a` into `b`, in an order every step of
/// which the ethos accepts: norms that go (or change their relations) are
/// removed after the norms naming them, then changed norms are updated, then
/// new ones are added after the norms they name.
fn diff_ethos(a: Option<&Ethos>, b: Option<&Ethos>, ops: &mut Vec<Operation>) {
    let (a, b) = match (a, b) {
        (None, None) => return,
        (_, None) => {
            ops.push(Operation::SetEthos { ethos: None });
            return;
        }
        (None, Some(b)) => {
            ops.push(Operation::SetEthos {
                ethos: Some(b.clone()),
            });
            return;
        }
        (Some(a), Some(b)) => (a, b),
    };
    let mut tags_a = a.tagged_actions().to_vec();
    let mut tags_b = b.tagged_actions().to_vec();
    tags_a.sort();
    tags_b.sort();
    if a.calculus() != b.calculus() || tags_a != tags_b {
        ops.push(Operation::SetEthos {
            ethos: Some(b.clone()),
        });
        return;
    }
    let in_b = |id: &NodeId| b.get(id);
    // Norms of `a` removed: gone from `b`, relations changed, or naming one of those.
    let mut removed: Vec<&Norm> = a
        .norms()
        .filter(|n| match in_b(&n.id) {
            None => true,
            Some(m) => n.defeats != m.defeats || n.inherits != m.inherits,
        })
        .collect();
    loop {
        let more: Vec<&Norm> = a
            .norms()
            .filter(|n| !removed.iter().any(|r| r.id == n.id))
            .filter(|n| named(n).any(|t| removed.iter().any(|r| &r.id == t)))
            .collect();
        if more.is_empty() {
            break;
        }
        removed.extend(more);
    }
    // Remove referrers first.
    let mut left: Vec<&Norm> = removed.clone();
    while !left.is_empty() {
        let Some(i) = (0..left.len()).find(|&i| {
            !left
                .iter()
                .any(|m| m.id != left[i].id && named(m).any(|t| *t == left[i].id))
        }) else {
            break; // a loop, which an ethos never holds
        };
        let n = left.remove(i);
        ops.push(Operation::RemoveNorm { id: n.id.clone() });
    }
    for n in a.norms() {
        if removed.iter().any(|r| r.id == n.id) {
            continue;
        }
        if let Some(m) = in_b(&n.id) {
            if !same_norm(n, m) {
                ops.push(Operation::UpdateNorm { norm: m.clone() });
            }
        }
    }
    // Add the new and the removed-to-be-re-added, the named first.
    let mut added: Vec<&Norm> = b
        .norms()
        .filter(|m| a.get(&m.id).is_none() || removed.iter().any(|r| r.id == m.id))
        .collect();
    while !added.is_empty() {
        let Some(i) = (0..added.len()).find(|&i| {
            !named(added[i]).any(|t| added.iter().any(|m| &m.id == t && m.id != added[i].id))
        }) else {
            break;
        };
        let m = added.remove(i);
        ops.push(Operation::AddNorm { norm: m.clone() });
    }
}
