//! Why a verdict holds, in words.
//!
//! A causaloid's expression is walked once more on the row it decided, and
//! only the sub-terms that decided the result are named: the true side of an
//! `or`, the false side of an `and`, each comparison as the relation that
//! holds ("close 65987 is above last month's high 52882.1 (2021-09)"). The
//! arithmetic is the engine's own op table, so the words agree with the
//! verdict.

use crate::expr::program::{apply_binary, apply_unary, between, binary_kind, unary_kind};
use crate::expr::{BinaryOp, ContextRead, Expr, UnaryOp};
use crate::graph::NodeId;
use crate::value::{Kind, Value, Verdict};

/// At most this many operands of one `and` / `or` are named; the rest are
/// counted.
const MAX_TERMS: usize = 3;

/// What the words need from the evaluation: the row's columns, the context
/// reads (value and the period they covered), the incoming value and the
/// values of sibling nodes.
pub(super) struct Env<'a> {
    pub col: &'a dyn Fn(&str) -> Option<f64>,
    pub read: &'a ReadLookup<'a>,
    pub value: Option<Value>,
    pub node: &'a dyn Fn(&NodeId) -> Option<Value>,
}

/// A context read's value and the periods it covered (`2021-09`).
pub(super) type ReadLookup<'a> = dyn Fn(&ContextRead) -> Option<(f64, Option<String>)> + 'a;

type Raw = (Kind, f64);

fn eval(e: &Expr, env: &Env<'_>) -> Raw {
    crate::expr::grow(|| match e {
        Expr::Col(name) => (Kind::Num, (env.col)(name).unwrap_or(f64::NAN)),
        Expr::Value => env.value.map_or((Kind::Num, f64::NAN), raw),
        Expr::Node(id) => (env.node)(id).map_or((Kind::Num, f64::NAN), raw),
        Expr::Read(r) => (Kind::Num, (env.read)(r).map_or(f64::NAN, |(x, _)| x)),
        Expr::Lit(v) => raw(*v),
        Expr::Unary(op, a) => {
            let (k, x) = eval(a, env);
            (unary_kind(*op, k), apply_unary(*op, x))
        }
        Expr::Binary(op, a, b) => {
            let (ka, xa) = eval(a, env);
            let (kb, xb) = eval(b, env);
            (binary_kind(*op, ka, kb), apply_binary(*op, xa, xb))
        }
        Expr::Between(x, lo, hi) => {
            let x = eval(x, env).1;
            let (lo, hi) = (eval(lo, env).1, eval(hi, env).1);
            (Kind::Bool, between(x, lo, hi))
        }
    })
}

fn raw(v: Value) -> Raw {
    (v.kind(), v.num())
}

fn truthy((k, x): Raw) -> bool {
    Verdict::from_raw(k, x).is_ok_and(Verdict::is_active)
}

fn shown((k, x): Raw) -> String {
    match k {
        Kind::Bool => (x != 0.0).to_string(),
        Kind::Num => super::trace::readable(x),
    }
}

/// Why `expr` evaluated as it did on `env`, as a clause ("close 3 is above 2
/// and smoke 0.9 is at least 0.5").
pub(super) fn reason(expr: &Expr, env: &Env<'_>) -> String {
    crate::expr::grow(|| clause(expr, env))
}

fn clause(e: &Expr, env: &Env<'_>) -> String {
    let v = eval(e, env);
    match e {
        Expr::Binary(op @ (BinaryOp::Or | BinaryOp::And), _, _) => {
            let mut terms = Vec::new();
            flatten(e, *op, &mut terms);
            // an `or` that holds and an `and` that fails are decided by the
            // operands that agree with the result; otherwise by all of them
            let want = truthy(v);
            let deciding: Vec<&Expr> = terms
                .iter()
                .copied()
                .filter(|t| truthy(eval(t, env)) == want)
                .collect();
            let named = if deciding.is_empty() { terms } else { deciding };
            let mut parts: Vec<String> = named
                .iter()
                .take(MAX_TERMS)
                .map(|t| reason(t, env))
                .collect();
            if named.len() > MAX_TERMS {
                parts.push(format!("{} more", named.len() - MAX_TERMS));
            }
            join_and(&parts)
        }
        Expr::Binary(BinaryOp::Xor, a, b) => join_and(&[reason(a, env), reason(b, env)]),
        Expr::Unary(UnaryOp::Not, a) => reason(a, env),
        Expr::Unary(UnaryOp::IsNan, a) => {
            let missing = if truthy(v) {
                "is missing"
            } else {
                "is present"
            };
            format!("{} {missing}", term(a, env))
        }
        Expr::Binary(op, a, b) if relation(*op, true).is_some() => {
            // a comparison with a missing side decided nothing about the
            // relation: say which side was missing
            let missing: Vec<String> = [a, b]
                .iter()
                .filter(|x| eval(x, env).1.is_nan())
                .map(|x| format!("{} is missing", missing_term(x, env)))
                .collect();
            if !missing.is_empty() {
                return join_and(&missing);
            }
            let rel = relation(*op, truthy(v)).unwrap_or("?");
            format!("{} {rel} {}", term(a, env), term(b, env))
        }
        Expr::Between(x, lo, hi) => {
            let rel = if truthy(v) { "is within" } else { "is outside" };
            format!(
                "{} {rel} {} to {}",
                term(x, env),
                term(lo, env),
                term(hi, env)
            )
        }
        Expr::Value => format!("its input is {}", shown(v)),
        Expr::Node(id) => format!("node {} is {}", quote(id), shown(v)),
        Expr::Col(name) => format!("{name} is {}", shown(v)),
        Expr::Read(r) => format!("{} is {}", read_term(r, env), shown(v)),
        Expr::Lit(_) => format!("the constant {}", shown(v)),
        _ => format!("{} = {}", infix(e), shown(v)),
    }
}

/// The relation `op` states, or its negation when it does not hold.
fn relation(op: BinaryOp, holds: bool) -> Option<&'static str> {
    use BinaryOp::*;
    Some(match (op, holds) {
        (Gt, true) | (Le, false) => "is above",
        (Gt, false) => "is not above",
        (Lt, true) | (Ge, false) => "is below",
        (Lt, false) => "is not below",
        (Ge, true) => "is at least",
        (Le, true) => "is at most",
        (Eq, true) | (Ne, false) => "equals",
        (Eq, false) | (Ne, true) => "differs from",
        _ => return None,
    })
}

/// A numeric operand with its value: "close 65987", "last month's high
/// 52882.1 (2021-09)", "2.5", "abs(x - y) = 0.3".
fn term(e: &Expr, env: &Env<'_>) -> String {
    let v = eval(e, env);
    match e {
        Expr::Col(name) => format!("{name} {}", shown(v)),
        Expr::Read(r) => read_term(r, env),
        Expr::Lit(_) => shown(v),
        Expr::Value => format!("its input {}", shown(v)),
        Expr::Node(id) => format!("node {} {}", quote(id), shown(v)),
        _ => format!("{} = {}", infix(e), shown(v)),
    }
}

/// An operand that has no value: by its name, without the NaN.
fn missing_term(e: &Expr, env: &Env<'_>) -> String {
    match e {
        Expr::Col(name) => name.clone(),
        Expr::Read(r) => read_term(r, env),
        Expr::Value => "its input".to_owned(),
        Expr::Node(id) => format!("node {}", quote(id)),
        _ => infix(e),
    }
}

fn read_term(r: &ContextRead, env: &Env<'_>) -> String {
    match (env.read)(r) {
        Some((x, Some(period))) if x.is_nan() => format!("{} ({period})", r.phrase()),
        Some((x, None)) if x.is_nan() => r.phrase(),
        Some((x, Some(period))) => {
            format!("{} {} ({period})", r.phrase(), super::trace::readable(x))
        }
        Some((x, None)) => format!("{} {}", r.phrase(), super::trace::readable(x)),
        None => r.phrase(),
    }
}

/// An expression with plain names: `abs(x - y)`, `[last month's high] * 1.05`.
fn infix(e: &Expr) -> String {
    crate::expr::grow(|| match e {
        Expr::Col(name) => name.clone(),
        Expr::Value => "input".to_owned(),
        Expr::Node(id) => format!("node {}", quote(id)),
        Expr::Read(r) => format!("[{}]", r.phrase()),
        Expr::Lit(v) => shown(raw(*v)),
        Expr::Unary(UnaryOp::Neg, a) => format!("-{}", infix(a)),
        Expr::Unary(UnaryOp::Not, a) => format!("not {}", infix(a)),
        Expr::Unary(UnaryOp::Abs, a) => format!("abs({})", infix(a)),
        Expr::Unary(UnaryOp::IsNan, a) => format!("{} is missing", infix(a)),
        Expr::Binary(op, a, b) => match op.symbol() {
            Some(sym) => format!("({} {sym} {})", infix(a), infix(b)),
            None => format!("{}({}, {})", op.name(), infix(a), infix(b)),
        },
        Expr::Between(x, lo, hi) => {
            format!("{} in [{}, {}]", infix(x), infix(lo), infix(hi))
        }
    })
}

fn flatten<'e>(e: &'e Expr, op: BinaryOp, out: &mut Vec<&'e Expr>) {
    // iterative, so a long chain of `|` cannot exhaust the stack
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match x {
            Expr::Binary(o, a, b) if *o == op => {
                stack.push(b);
                stack.push(a);
            }
            other => out.push(other),
        }
    }
}

/// "a", "a and b", "a, b and c".
pub(super) fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(super) fn quote(id: &NodeId) -> String {
    match id {
        NodeId::Int(i) => i.to_string(),
        NodeId::Str(s) => format!("{s:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with<'a>(
        col: &'a dyn Fn(&str) -> Option<f64>,
        read: &'a ReadLookup<'a>,
        node: &'a dyn Fn(&NodeId) -> Option<Value>,
        value: Option<Value>,
    ) -> Env<'a> {
        Env {
            col,
            read,
            value,
            node,
        }
    }

    #[test]
    fn names_only_the_operands_that_decided() {
        let col = |n: &str| match n {
            "smoke" => Some(0.9),
            "temp" => Some(20.0),
            _ => None,
        };
        let read = |_: &ContextRead| None;
        let node = |_: &NodeId| None;
        let env = env_with(&col, &read, &node, None);
        let e = Expr::col("smoke")
            .binary(BinaryOp::Gt, Expr::lit(0.5))
            .binary(
                BinaryOp::Or,
                Expr::col("temp").binary(BinaryOp::Gt, Expr::lit(60.0)),
            );
        assert_eq!(reason(&e, &env), "smoke 0.9 is above 0.5");
        let both = Expr::col("smoke")
            .binary(BinaryOp::Gt, Expr::lit(0.5))
            .binary(
                BinaryOp::And,
                Expr::col("temp").binary(BinaryOp::Gt, Expr::lit(60.0)),
            );
        assert_eq!(reason(&both, &env), "temp 20 is not above 60");
        let not = Expr::col("temp")
            .binary(BinaryOp::Lt, Expr::lit(10.0))
            .unary(UnaryOp::Not);
        assert_eq!(reason(&not, &env), "temp 20 is not below 10");
        let range = Expr::col("temp").between(Expr::lit(15.0), Expr::lit(25.0));
        assert_eq!(reason(&range, &env), "temp 20 is within 15 to 25");
        let dead = Expr::col("gone").binary(BinaryOp::Gt, Expr::lit(1.0));
        assert_eq!(reason(&dead, &env), "gone is missing");
    }

    #[test]
    fn long_chains_are_counted_not_listed_and_do_not_recurse() {
        let col = |_: &str| Some(1.0);
        let read = |_: &ContextRead| None;
        let node = |_: &NodeId| None;
        let env = env_with(&col, &read, &node, Some(Value::Bool(true)));
        let mut e = Expr::value();
        for i in 0..1_500 {
            e = e.binary(
                BinaryOp::And,
                Expr::col(format!("c{i}")).binary(BinaryOp::Ge, Expr::lit(1.0)),
            );
        }
        let text = reason(&e, &env);
        assert!(
            text.starts_with("its input is true, c0 1 is at least 1"),
            "{text}"
        );
        assert!(text.ends_with("and 1498 more"), "{text}");
    }
}
