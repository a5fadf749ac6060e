//! The expression tree, its JSON form and its printed form.
//!
//! JSON is serde's externally tagged form, kept small on purpose:
//! `{"binary": ["gt", {"col": "x"}, {"lit": 0.5}]}`; the incoming value is the
//! string `"value"`.

use super::read::ContextRead;
use crate::graph::NodeId;
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The deepest expression the engine accepts (building, reading JSON,
/// compiling): deeper trees are refused with a clear error instead of
/// exhausting the stack.
pub const MAX_DEPTH: usize = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnaryOp {
    Neg,
    Not,
    Abs,
    IsNan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    /// Exclusive or: `a != b` on bools, `max(min(a, 1-b), min(1-a, b))` on degrees.
    Xor,
    Min,
    Max,
}

impl BinaryOp {
    pub const ALL: [BinaryOp; 15] = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::And,
        BinaryOp::Or,
        BinaryOp::Xor,
        BinaryOp::Min,
        BinaryOp::Max,
    ];

    /// The operator's name in the JSON form and in the bindings.
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Lt => "lt",
            BinaryOp::Le => "le",
            BinaryOp::Gt => "gt",
            BinaryOp::Ge => "ge",
            BinaryOp::Eq => "eq",
            BinaryOp::Ne => "ne",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Xor => "xor",
            BinaryOp::Min => "min",
            BinaryOp::Max => "max",
        }
    }

    pub fn from_name(name: &str) -> Option<BinaryOp> {
        BinaryOp::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn symbol(self) -> Option<&'static str> {
        Some(match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::And => "&",
            BinaryOp::Or => "|",
            BinaryOp::Xor => "^",
            BinaryOp::Min | BinaryOp::Max => return None,
        })
    }
}

impl UnaryOp {
    pub const ALL: [UnaryOp; 4] = [UnaryOp::Neg, UnaryOp::Not, UnaryOp::Abs, UnaryOp::IsNan];

    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Not => "not",
            UnaryOp::Abs => "abs",
            UnaryOp::IsNan => "is_nan",
        }
    }

    pub fn from_name(name: &str) -> Option<UnaryOp> {
        UnaryOp::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// A native causal expression. Sub-trees are shared, so combining two
/// expressions costs O(1) whatever their size.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// A column of the observation, by name.
    Col(String),
    /// The incoming value: the observation at a root, the join of the parents'
    /// verdicts further down a graph.
    Value,
    /// The value of one parent node of a graph, by id (a number or a verdict).
    Node(NodeId),
    /// A read of a named context, filled by the engine from the contexts the
    /// structure holds.
    Read(ContextRead),
    /// A literal boolean or number.
    Lit(Value),
    Unary(UnaryOp, Arc<Expr>),
    Binary(BinaryOp, Arc<Expr>, Arc<Expr>),
    /// `low <= x <= high`.
    Between(Arc<Expr>, Arc<Expr>, Arc<Expr>),
}

impl Expr {
    pub fn col(name: impl Into<String>) -> Expr {
        Expr::Col(name.into())
    }

    pub fn lit(v: impl Into<Value>) -> Expr {
        Expr::Lit(v.into())
    }

    pub fn value() -> Expr {
        Expr::Value
    }

    pub fn node(id: impl Into<NodeId>) -> Expr {
        Expr::Node(id.into())
    }

    pub fn binary(self, op: BinaryOp, other: Expr) -> Expr {
        Expr::Binary(op, Arc::new(self), Arc::new(other))
    }

    pub fn unary(self, op: UnaryOp) -> Expr {
        Expr::Unary(op, Arc::new(self))
    }

    pub fn between(self, low: Expr, high: Expr) -> Expr {
        Expr::Between(Arc::new(self), Arc::new(low), Arc::new(high))
    }

    /// The operands of this node, left to right.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Col(_) | Expr::Value | Expr::Lit(_) | Expr::Node(_) | Expr::Read(_) => Vec::new(),
            Expr::Unary(_, a) => vec![a],
            Expr::Binary(_, a, b) => vec![a, b],
            Expr::Between(a, b, c) => vec![a, b, c],
        }
    }

    /// Column names the observation must hold, in first-use order, without
    /// repeats: the columns read directly and the anchors of context reads.
    pub fn columns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        self.visit(&mut |e| {
            let name = match e {
                Expr::Col(name) => Some(name.as_str()),
                Expr::Read(r) => r.anchor(),
                _ => None,
            };
            if let Some(name) = name {
                if !out.iter().any(|n| n == name) {
                    out.push(name.to_owned());
                }
            }
        });
        out
    }

    /// The context reads, in first-use order, without repeats.
    pub fn reads(&self) -> Vec<ContextRead> {
        let mut out: Vec<ContextRead> = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Read(r) = e {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            }
        });
        out
    }

    /// The graph nodes read with `node(id)`, in first-use order, without repeats.
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Node(id) = e {
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
        });
        out
    }

    /// Whether the expression reads the incoming value.
    pub fn reads_value(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| found |= matches!(e, Expr::Value));
        found
    }

    /// Levels of the tree (a leaf is 1), computed without recursion.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((e, d)) = stack.pop() {
            deepest = deepest.max(d);
            for c in e.children() {
                stack.push((c, d + 1));
            }
        }
        deepest
    }

    /// Calls `f` on every node, parents before children, left to right;
    /// iterative, so a deep tree cannot exhaust the stack.
    pub fn visit(&self, f: &mut impl FnMut(&Expr)) {
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            f(e);
            for c in e.children().into_iter().rev() {
                stack.push(c);
            }
        }
    }

    /// The same expression with every context read that names no context
    /// reading `context` instead.
    pub fn bind_context(&self, context: &str) -> Expr {
        grow(|| self.bind_level(context))
    }

    fn bind_level(&self, context: &str) -> Expr {
        match self {
            Expr::Read(r) if r.context.is_empty() => Expr::Read(ContextRead {
                context: context.to_owned(),
                read: r.read.clone(),
            }),
            Expr::Unary(op, a) => Expr::Unary(*op, Arc::new(a.bind_context(context))),
            Expr::Binary(op, a, b) => Expr::Binary(
                *op,
                Arc::new(a.bind_context(context)),
                Arc::new(b.bind_context(context)),
            ),
            Expr::Between(a, b, c) => Expr::Between(
                Arc::new(a.bind_context(context)),
                Arc::new(b.bind_context(context)),
                Arc::new(c.bind_context(context)),
            ),
            other => other.clone(),
        }
    }

    /// Refuses trees deeper than [`MAX_DEPTH`].
    pub fn check_depth(&self) -> Result<(), crate::CausalError> {
        let depth = self.depth();
        if depth > MAX_DEPTH {
            return Err(crate::CausalError::TooDeep {
                what: "expression",
                depth,
                limit: MAX_DEPTH,
            });
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        // Serialising a tree of plain enums and finite or non-finite f64
        // (written as strings, see `Value`) cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Expr, crate::CausalError> {
        let expr: Expr = crate::json::from_str(text, "expression JSON")?;
        expr.check_depth()?;
        Ok(expr)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Num(x)
    }
}

/// Runs `f` with at least 64 KiB of stack left, growing it on the heap when a
/// deep tree would otherwise exhaust a small thread stack.
#[inline]
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, f)
}

// Written out (not derived) so that each level can grow the stack; the form is
// serde's externally tagged one, as `Deserialize` reads it.
impl Serialize for Expr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTupleVariant;
        grow(|| match self {
            Expr::Col(name) => s.serialize_newtype_variant("Expr", 0, "col", name),
            Expr::Value => s.serialize_unit_variant("Expr", 1, "value"),
            Expr::Node(id) => s.serialize_newtype_variant("Expr", 2, "node", id),
            Expr::Read(r) => s.serialize_newtype_variant("Expr", 3, "read", r),
            Expr::Lit(v) => s.serialize_newtype_variant("Expr", 4, "lit", v),
            Expr::Unary(op, a) => {
                let mut t = s.serialize_tuple_variant("Expr", 5, "unary", 2)?;
                t.serialize_field(op)?;
                t.serialize_field(&**a)?;
                t.end()
            }
            Expr::Binary(op, a, b) => {
                let mut t = s.serialize_tuple_variant("Expr", 6, "binary", 3)?;
                t.serialize_field(op)?;
                t.serialize_field(&**a)?;
                t.serialize_field(&**b)?;
                t.end()
            }
            Expr::Between(a, b, c) => {
                let mut t = s.serialize_tuple_variant("Expr", 7, "between", 3)?;
                t.serialize_field(&**a)?;
                t.serialize_field(&**b)?;
                t.serialize_field(&**c)?;
                t.end()
            }
        })
    }
}

impl Drop for Expr {
    // Iterative, so dropping a deep tree cannot exhaust the stack: children no
    // one else shares are taken apart one by one.
    fn drop(&mut self) {
        fn take(e: &mut Expr, out: &mut Vec<Arc<Expr>>) {
            let leaf = || Arc::new(Expr::Value);
            match e {
                Expr::Unary(_, a) => out.push(std::mem::replace(a, leaf())),
                Expr::Binary(_, a, b) => {
                    out.push(std::mem::replace(a, leaf()));
                    out.push(std::mem::replace(b, leaf()));
                }
                Expr::Between(a, b, c) => {
                    out.push(std::mem::replace(a, leaf()));
                    out.push(std::mem::replace(b, leaf()));
                    out.push(std::mem::replace(c, leaf()));
                }
                _ => {}
            }
        }
        if self.children().is_empty() {
            return;
        }
        let mut stack = Vec::new();
        take(self, &mut stack);
        while let Some(a) = stack.pop() {
            if let Ok(mut e) = Arc::try_unwrap(a) {
                take(&mut e, &mut stack);
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        grow(|| self.fmt_level(f))
    }
}

impl Expr {
    fn fmt_level(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Col(name) => write!(f, "col({name:?})"),
            Expr::Value => f.write_str("value()"),
            Expr::Node(NodeId::Int(i)) => write!(f, "node({i})"),
            Expr::Node(NodeId::Str(s)) => write!(f, "node({s:?})"),
            Expr::Read(r) => write!(f, "{r}"),
            Expr::Lit(Value::Bool(b)) => write!(f, "{}", if *b { "True" } else { "False" }),
            Expr::Lit(Value::Num(x)) => write!(f, "{x:?}"),
            Expr::Unary(UnaryOp::Neg, a) => write!(f, "-{a}"),
            Expr::Unary(UnaryOp::Not, a) => write!(f, "~{a}"),
            Expr::Unary(UnaryOp::Abs, a) => write!(f, "abs({a})"),
            Expr::Unary(UnaryOp::IsNan, a) => write!(f, "{a}.is_nan()"),
            Expr::Binary(op, a, b) => match op.symbol() {
                Some(sym) => write!(f, "({a} {sym} {b})"),
                None => write!(f, "{}({a}, {b})", op.name()),
            },
            Expr::Between(x, lo, hi) => write!(f, "{x}.between({lo}, {hi})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_is_compact_and_round_trips() {
        let e = Expr::col("x").binary(BinaryOp::Gt, Expr::lit(0.5));
        assert_eq!(e.to_json(), r#"{"binary":["gt",{"col":"x"},{"lit":0.5}]}"#);
        assert_eq!(Expr::from_json(&e.to_json()).ok(), Some(e));
        assert_eq!(Expr::Value.to_json(), r#""value""#);
    }

    #[test]
    fn prints_like_the_python_builder() {
        let e = Expr::col("t")
            .between(Expr::lit(1.0), Expr::lit(2.0))
            .binary(BinaryOp::And, Expr::value().unary(UnaryOp::Not));
        assert_eq!(e.to_string(), r#"(col("t").between(1.0, 2.0) & ~value())"#);
    }
}
