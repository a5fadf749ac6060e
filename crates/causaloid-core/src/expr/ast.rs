//! The expression tree, its JSON form and its printed form.
//!
//! JSON is serde's externally tagged form, kept small on purpose:
//! `{"binary": ["gt", {"col": "x"}, {"lit": 0.5}]}`; the incoming value is the
//! string `"value"`.

use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::fmt;

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
    Min,
    Max,
}

impl BinaryOp {
    pub const ALL: [BinaryOp; 14] = [
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
            BinaryOp::Min => "min",
            BinaryOp::Max => "max",
        }
    }

    pub fn from_name(name: &str) -> Option<BinaryOp> {
        BinaryOp::ALL.into_iter().find(|op| op.name() == name)
    }

    fn symbol(self) -> Option<&'static str> {
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
            BinaryOp::Min | BinaryOp::Max => return None,
        })
    }
}

impl UnaryOp {
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Not => "not",
            UnaryOp::Abs => "abs",
            UnaryOp::IsNan => "is_nan",
        }
    }

    pub fn from_name(name: &str) -> Option<UnaryOp> {
        [UnaryOp::Neg, UnaryOp::Not, UnaryOp::Abs, UnaryOp::IsNan]
            .into_iter()
            .find(|op| op.name() == name)
    }
}

/// A native causal expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// A column of the observation, by name.
    Col(String),
    /// The incoming value: the observation at a root, the join of the parents'
    /// verdicts further down a graph.
    Value,
    /// A literal boolean or number.
    Lit(Value),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `low <= x <= high`.
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
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

    pub fn binary(self, op: BinaryOp, other: Expr) -> Expr {
        Expr::Binary(op, Box::new(self), Box::new(other))
    }

    pub fn unary(self, op: UnaryOp) -> Expr {
        Expr::Unary(op, Box::new(self))
    }

    pub fn between(self, low: Expr, high: Expr) -> Expr {
        Expr::Between(Box::new(self), Box::new(low), Box::new(high))
    }

    /// Column names the expression reads, in first-use order, without repeats.
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Col(name) = e {
                if !out.contains(name) {
                    out.push(name.clone());
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

    /// Calls `f` on every node, parents before children.
    pub fn visit(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Col(_) | Expr::Value | Expr::Lit(_) => {}
            Expr::Unary(_, a) => a.visit(f),
            Expr::Binary(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Expr::Between(a, b, c) => {
                a.visit(f);
                b.visit(f);
                c.visit(f);
            }
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising a tree of plain enums and f64 cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Expr, crate::CausalError> {
        serde_json::from_str(text).map_err(|e| crate::CausalError::Serialization {
            message: format!("expression JSON: {e}"),
        })
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

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Col(name) => write!(f, "col({name:?})"),
            Expr::Value => f.write_str("value()"),
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
