//! The words of a modification log.

use crate::context::{Context, Operation as ContextOp};
use crate::expr::Expr;
use crate::graph::{Function, Member, NodeId};

/// `causaloid "hot" (above the limit: temp > 30)`, `graph "g" (3 nodes)` ...
pub(crate) fn member_text(m: &Member) -> String {
    let what = match m {
        Member::Causaloid(c) => match c.function() {
            Function::Expr { expr, .. } => expr.to_string(),
            Function::Callable(f) => f.label(),
        },
        Member::Collection(c) => format!("{} members", c.members().len()),
        Member::Graph(g) => format!("{} nodes", g.declared_nodes().len()),
    };
    let desc = m.description();
    if desc.is_empty() {
        format!("{} {} ({what})", m.kind_name(), m.id())
    } else {
        format!("{} {} ({desc}: {what})", m.kind_name(), m.id())
    }
}

pub(crate) fn ids_text(prefix: &str, ids: &[NodeId]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let names: Vec<String> = ids.iter().map(ToString::to_string).collect();
    format!("{prefix} {}", names.join(", "))
}

pub(crate) fn transform_text(t: Option<&Expr>) -> String {
    t.map_or(String::new(), |e| {
        format!(", transforming the parent's value by {e}")
    })
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub(crate) fn context_text(c: &Context) -> String {
    format!(
        "context {:?} ({} contextoid{}, {} relation{})",
        c.name(),
        c.len(),
        plural(c.len()),
        c.n_relations(),
        plural(c.n_relations())
    )
}

pub(crate) fn context_ops_text(ops: &[ContextOp]) -> String {
    if ops.is_empty() {
        return "nothing".into();
    }
    let parts: Vec<String> = ops
        .iter()
        .map(|op| match op {
            ContextOp::Add(c) => format!("added contextoid {}", c.id),
            ContextOp::Replace(c) => format!("replaced contextoid {}", c.id),
            ContextOp::Upsert(c) => format!("added or replaced contextoid {}", c.id),
            ContextOp::SetField { id, field, value } => {
                format!("set {field} of contextoid {id} to {value}")
            }
            ContextOp::Remove(id) => format!("removed contextoid {id}"),
            ContextOp::Link(r) => format!("linked {} -> {}", r.from, r.to),
            ContextOp::Unlink(r) => format!("unlinked {} -> {}", r.from, r.to),
        })
        .collect();
    parts.join("; ")
}

/// `norm "no-lock-in" (impermissible "lock_doors" when (col("people") > 0), priority 5)`.
pub(crate) fn norm_text(n: &crate::ethos::Norm) -> String {
    use crate::ethos::Predicate;
    let when = match &n.predicate {
        Predicate::Always => String::new(),
        Predicate::Expr(e) => format!(" when {e}"),
        Predicate::Member(m) => format!(" when {} {} holds", m.kind_name(), m.id()),
        Predicate::Host(_) => " when its host predicate holds".into(),
    };
    let mut extra = Vec::new();
    if n.priority != 0 {
        extra.push(format!("priority {}", n.priority));
    }
    if n.specificity != 0 {
        extra.push(format!("specificity {}", n.specificity));
    }
    if !n.tags.is_empty() {
        extra.push(format!("tags {}", n.tags.join(", ")));
    }
    if n.cost != 0.0 {
        extra.push(format!("cost {}", n.cost));
    }
    if !n.defeats.is_empty() {
        let ids: Vec<String> = n.defeats.iter().map(ToString::to_string).collect();
        extra.push(format!("defeats {}", ids.join(", ")));
    }
    if let Some(p) = &n.inherits {
        extra.push(format!("specializes {p}"));
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(", {}", extra.join(", "))
    };
    let desc = if n.description.is_empty() {
        String::new()
    } else {
        format!("{}: ", n.description)
    };
    format!(
        "norm {} ({desc}{} {:?}{when}{extra})",
        n.id, n.modality, n.action
    )
}

/// `an ethos of 3 norms (priority calculus)`.
pub(crate) fn ethos_text(e: &crate::ethos::Ethos) -> String {
    format!(
        "an ethos of {} norm{} ({} calculus)",
        e.len(),
        plural(e.len()),
        e.calculus().name()
    )
}
