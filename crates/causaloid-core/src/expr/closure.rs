//! Programs compiled to nested closures for single-row evaluation.
//!
//! The stack interpreter pays for dispatching on every operand and pushing
//! and popping every intermediate; a closure per operator, specialised on
//! whether its operands are columns, literals, the incoming value or nested
//! operators, does not. The arithmetic is the same op table as the
//! interpreter and the block evaluator use, so results are bit-identical.

use super::program::{
    apply_binary, apply_unary, between, binary_kind, unary_kind, Env, Op, Operand,
};
use crate::value::Kind;
use std::fmt;
use std::sync::Arc;

type Eval = dyn Fn(&Env<'_>) -> (Kind, f64) + Send + Sync;

/// A compiled expression: call it with the row and the incoming value.
#[derive(Clone)]
pub struct RowFn(Arc<Eval>);

impl fmt::Debug for RowFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RowFn(..)")
    }
}

impl RowFn {
    /// `nodes` holds the values of the program's node reads, in order.
    #[inline(always)]
    pub fn call(&self, row: &[f64], value: (Kind, f64), nodes: &[(Kind, f64)]) -> (Kind, f64) {
        (self.0)(&Env { row, value, nodes })
    }
}

/// An operand while compiling: a leaf, or an already compiled operator.
enum Arg {
    Col(usize),
    Value,
    Node(usize),
    Lit(Kind, f64),
    F(Arc<Eval>),
}

#[inline(always)]
fn col(row: &[f64], s: usize) -> f64 {
    row.get(s).copied().unwrap_or(f64::NAN)
}

impl Arg {
    fn from_operand(a: Operand) -> Arg {
        match a {
            Operand::Col(s) => Arg::Col(s as usize),
            Operand::Value => Arg::Value,
            Operand::Node(k) => Arg::Node(k as usize),
            Operand::Lit(k, x) => Arg::Lit(k, x),
            Operand::Stack => Arg::Lit(Kind::Num, f64::NAN),
        }
    }

    fn into_fn(self) -> Arc<Eval> {
        match self {
            Arg::Col(s) => Arc::new(move |e: &Env<'_>| (Kind::Num, col(e.row, s))),
            Arg::Value => Arc::new(|e: &Env<'_>| e.value),
            Arg::Node(k) => Arc::new(move |e: &Env<'_>| node(e, k)),
            Arg::Lit(k, x) => Arc::new(move |_: &Env<'_>| (k, x)),
            Arg::F(f) => f,
        }
    }
}

#[inline(always)]
fn node(e: &Env<'_>, k: usize) -> (Kind, f64) {
    e.nodes.get(k).copied().unwrap_or((Kind::Num, f64::NAN))
}

fn unary(u: crate::expr::UnaryOp, a: Arg) -> Arg {
    match a {
        Arg::Lit(k, x) => Arg::Lit(unary_kind(u, k), apply_unary(u, x)),
        Arg::Col(s) => Arg::F(Arc::new(move |e: &Env<'_>| {
            (unary_kind(u, Kind::Num), apply_unary(u, col(e.row, s)))
        })),
        Arg::Value => Arg::F(Arc::new(move |e: &Env<'_>| {
            let (k, x) = e.value;
            (unary_kind(u, k), apply_unary(u, x))
        })),
        Arg::Node(n) => Arg::F(Arc::new(move |e: &Env<'_>| {
            let (k, x) = node(e, n);
            (unary_kind(u, k), apply_unary(u, x))
        })),
        Arg::F(f) => Arg::F(Arc::new(move |e: &Env<'_>| {
            let (k, x) = f(e);
            (unary_kind(u, k), apply_unary(u, x))
        })),
    }
}

fn binary(b: crate::expr::BinaryOp, x: Arg, y: Arg) -> Arg {
    use Arg::*;
    match (x, y) {
        (Lit(kx, a), Lit(ky, c)) => Lit(binary_kind(b, kx, ky), apply_binary(b, a, c)),
        (Col(s), Lit(k, c)) => {
            let kind = binary_kind(b, Kind::Num, k);
            F(Arc::new(move |e: &Env<'_>| {
                (kind, apply_binary(b, col(e.row, s), c))
            }))
        }
        (Lit(k, a), Col(s)) => {
            let kind = binary_kind(b, k, Kind::Num);
            F(Arc::new(move |e: &Env<'_>| {
                (kind, apply_binary(b, a, col(e.row, s)))
            }))
        }
        (Col(s), Col(t)) => {
            let kind = binary_kind(b, Kind::Num, Kind::Num);
            F(Arc::new(move |e: &Env<'_>| {
                (kind, apply_binary(b, col(e.row, s), col(e.row, t)))
            }))
        }
        (Value, Lit(k, c)) => F(Arc::new(move |e: &Env<'_>| {
            let (kv, v) = e.value;
            (binary_kind(b, kv, k), apply_binary(b, v, c))
        })),
        (Lit(k, a), Value) => F(Arc::new(move |e: &Env<'_>| {
            let (kv, v) = e.value;
            (binary_kind(b, k, kv), apply_binary(b, a, v))
        })),
        (Value, Col(s)) => F(Arc::new(move |e: &Env<'_>| {
            let (kv, v) = e.value;
            (
                binary_kind(b, kv, Kind::Num),
                apply_binary(b, v, col(e.row, s)),
            )
        })),
        (Col(s), Value) => F(Arc::new(move |e: &Env<'_>| {
            let (kv, v) = e.value;
            (
                binary_kind(b, Kind::Num, kv),
                apply_binary(b, col(e.row, s), v),
            )
        })),
        (F(f), Lit(k, c)) => F(Arc::new(move |e: &Env<'_>| {
            let (kf, a) = f(e);
            (binary_kind(b, kf, k), apply_binary(b, a, c))
        })),
        (Lit(k, a), F(f)) => F(Arc::new(move |e: &Env<'_>| {
            let (kf, c) = f(e);
            (binary_kind(b, k, kf), apply_binary(b, a, c))
        })),
        (x, y) => {
            let (f, g) = (x.into_fn(), y.into_fn());
            F(Arc::new(move |e: &Env<'_>| {
                let (kx, a) = f(e);
                let (ky, c) = g(e);
                (binary_kind(b, kx, ky), apply_binary(b, a, c))
            }))
        }
    }
}

/// Compiles a program's instructions (see `Program::compile`) to closures.
pub(crate) fn compile(ops: &[Op]) -> RowFn {
    let mut stack: Vec<Arg> = Vec::new();
    let take = |a: Operand, stack: &mut Vec<Arg>| {
        if a == Operand::Stack {
            stack.pop().unwrap_or(Arg::Lit(Kind::Num, f64::NAN))
        } else {
            Arg::from_operand(a)
        }
    };
    for op in ops {
        let next = match *op {
            Op::Push(a) => Arg::from_operand(a),
            Op::Unary(u, a) => {
                let a = take(a, &mut stack);
                unary(u, a)
            }
            Op::Binary(b, x, y) => {
                // Operands come off the stack right first, as the interpreter pops them.
                let y = take(y, &mut stack);
                let x = take(x, &mut stack);
                binary(b, x, y)
            }
            Op::BetweenLit(a, lo, hi) => {
                let x = take(a, &mut stack).into_fn();
                Arg::F(Arc::new(move |e: &Env<'_>| {
                    (Kind::Bool, between(x(e).1, lo, hi))
                }))
            }
            Op::Between => {
                let hi = stack
                    .pop()
                    .unwrap_or(Arg::Lit(Kind::Num, f64::NAN))
                    .into_fn();
                let lo = stack
                    .pop()
                    .unwrap_or(Arg::Lit(Kind::Num, f64::NAN))
                    .into_fn();
                let x = stack
                    .pop()
                    .unwrap_or(Arg::Lit(Kind::Num, f64::NAN))
                    .into_fn();
                Arg::F(Arc::new(move |e: &Env<'_>| {
                    (Kind::Bool, between(x(e).1, lo(e).1, hi(e).1))
                }))
            }
        };
        stack.push(next);
    }
    RowFn(
        stack
            .pop()
            .unwrap_or(Arg::Lit(Kind::Num, f64::NAN))
            .into_fn(),
    )
}
