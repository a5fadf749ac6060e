//! Programs compiled to nested closures for single-row evaluation.
//!
//! The stack interpreter pays for dispatching on every operand and pushing
//! and popping every intermediate; a closure per operator, specialised on
//! whether its operands are columns, literals, the incoming value or nested
//! operators, does not. The arithmetic is the same op table as the
//! interpreter and the block evaluator use, so results are bit-identical.

use super::program::{apply_binary, apply_unary, between, binary_kind, unary_kind, Op, Operand};
use crate::value::Kind;
use std::fmt;
use std::sync::Arc;

type Eval = dyn Fn(&[f64], (Kind, f64)) -> (Kind, f64) + Send + Sync;

/// A compiled expression: call it with the row and the incoming value.
#[derive(Clone)]
pub struct RowFn(Arc<Eval>);

impl fmt::Debug for RowFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RowFn(..)")
    }
}

impl RowFn {
    #[inline(always)]
    pub fn call(&self, row: &[f64], value: (Kind, f64)) -> (Kind, f64) {
        (self.0)(row, value)
    }
}

/// An operand while compiling: a leaf, or an already compiled operator.
enum Arg {
    Col(usize),
    Value,
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
            Operand::Lit(k, x) => Arg::Lit(k, x),
            Operand::Stack => Arg::Lit(Kind::Num, f64::NAN),
        }
    }

    fn into_fn(self) -> Arc<Eval> {
        match self {
            Arg::Col(s) => Arc::new(move |row: &[f64], _| (Kind::Num, col(row, s))),
            Arg::Value => Arc::new(|_: &[f64], v| v),
            Arg::Lit(k, x) => Arc::new(move |_: &[f64], _| (k, x)),
            Arg::F(f) => f,
        }
    }
}

fn unary(u: crate::expr::UnaryOp, a: Arg) -> Arg {
    match a {
        Arg::Lit(k, x) => Arg::Lit(unary_kind(u, k), apply_unary(u, x)),
        Arg::Col(s) => Arg::F(Arc::new(move |row: &[f64], _| {
            (unary_kind(u, Kind::Num), apply_unary(u, col(row, s)))
        })),
        Arg::Value => Arg::F(Arc::new(move |_: &[f64], (k, x)| {
            (unary_kind(u, k), apply_unary(u, x))
        })),
        Arg::F(f) => Arg::F(Arc::new(move |row: &[f64], v| {
            let (k, x) = f(row, v);
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
            F(Arc::new(move |row: &[f64], _| {
                (kind, apply_binary(b, col(row, s), c))
            }))
        }
        (Lit(k, a), Col(s)) => {
            let kind = binary_kind(b, k, Kind::Num);
            F(Arc::new(move |row: &[f64], _| {
                (kind, apply_binary(b, a, col(row, s)))
            }))
        }
        (Col(s), Col(t)) => {
            let kind = binary_kind(b, Kind::Num, Kind::Num);
            F(Arc::new(move |row: &[f64], _| {
                (kind, apply_binary(b, col(row, s), col(row, t)))
            }))
        }
        (Value, Lit(k, c)) => F(Arc::new(move |_: &[f64], (kv, v)| {
            (binary_kind(b, kv, k), apply_binary(b, v, c))
        })),
        (Lit(k, a), Value) => F(Arc::new(move |_: &[f64], (kv, v)| {
            (binary_kind(b, k, kv), apply_binary(b, a, v))
        })),
        (Value, Col(s)) => F(Arc::new(move |row: &[f64], (kv, v)| {
            (
                binary_kind(b, kv, Kind::Num),
                apply_binary(b, v, col(row, s)),
            )
        })),
        (Col(s), Value) => F(Arc::new(move |row: &[f64], (kv, v)| {
            (
                binary_kind(b, Kind::Num, kv),
                apply_binary(b, col(row, s), v),
            )
        })),
        (Value, F(f)) => F(Arc::new(move |row: &[f64], v| {
            let (k, c) = f(row, v);
            (binary_kind(b, v.0, k), apply_binary(b, v.1, c))
        })),
        (F(f), Value) => F(Arc::new(move |row: &[f64], v| {
            let (k, a) = f(row, v);
            (binary_kind(b, k, v.0), apply_binary(b, a, v.1))
        })),
        (F(f), Lit(k, c)) => F(Arc::new(move |row: &[f64], v| {
            let (kf, a) = f(row, v);
            (binary_kind(b, kf, k), apply_binary(b, a, c))
        })),
        (Lit(k, a), F(f)) => F(Arc::new(move |row: &[f64], v| {
            let (kf, c) = f(row, v);
            (binary_kind(b, k, kf), apply_binary(b, a, c))
        })),
        (x, y) => {
            let (f, g) = (x.into_fn(), y.into_fn());
            F(Arc::new(move |row: &[f64], v| {
                let (kx, a) = f(row, v);
                let (ky, c) = g(row, v);
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
                Arg::F(Arc::new(move |row: &[f64], v| {
                    (Kind::Bool, between(x(row, v).1, lo, hi))
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
                Arg::F(Arc::new(move |row: &[f64], v| {
                    (Kind::Bool, between(x(row, v).1, lo(row, v).1, hi(row, v).1))
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
