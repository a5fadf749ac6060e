//! The structural equations compiled for block evaluation.
//!
//! An expression becomes a short list of register instructions (common
//! sub-expressions computed once, temporaries reused as soon as they are
//! dead), run over a block of rows small enough for every operand to stay in
//! the first cache levels. Each instruction picks its operator and operand
//! shapes once per block, so its loop over the rows vectorises. The operators
//! compute exactly what the expression language computes (IEEE arithmetic,
//! comparisons as 0/1, NaN-propagating min/max), so results are bit-identical
//! to evaluating the expression row by row.

use crate::expr::{BinaryOp, Expr, UnaryOp};
use std::collections::HashMap;

/// Rows per evaluation block: large enough to amortise the instruction
/// dispatch, small enough that a block of every variable stays in L2.
pub const EVAL_BLOCK: usize = 1024;

/// Where an instruction reads an operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Arg {
    /// A variable of the model (its column in the current block).
    Var(u32),
    /// A temporary of the equation.
    Tmp(u32),
    Lit(f64),
    /// The variable's old value (soft interventions only).
    Value,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Code {
    Unary(UnaryOp),
    Binary(BinaryOp),
    Between,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Ins {
    code: Code,
    args: [Arg; 3],
    dst: u32,
}

/// An expression compiled to register instructions.
#[derive(Clone, Debug)]
pub(crate) struct Kernel {
    ins: Vec<Ins>,
    result: Arg,
    /// Temporaries needed at once.
    temps: usize,
}

/// Per-thread buffers of the kernels: temporaries of [`EVAL_BLOCK`] rows.
#[derive(Default)]
pub(crate) struct Temps {
    bufs: Vec<Vec<f64>>,
    /// The old value of a softly intervened variable.
    pub(crate) spare: Vec<f64>,
}

impl Temps {
    fn ensure(&mut self, count: usize, len: usize) {
        while self.bufs.len() < count {
            self.bufs.push(Vec::new());
        }
        for b in &mut self.bufs[..count] {
            if b.len() < len {
                b.resize(len, 0.0);
            }
        }
    }
}

/// A key for common sub-expressions: operator and operands, literals by bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Unary(UnaryOp, KArg),
    Binary(BinaryOp, KArg, KArg),
    Between(KArg, KArg, KArg),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum KArg {
    Var(u32),
    Tmp(u32),
    Lit(u64),
    Value,
}

fn karg(a: Arg) -> KArg {
    match a {
        Arg::Var(v) => KArg::Var(v),
        Arg::Tmp(t) => KArg::Tmp(t),
        Arg::Lit(x) => KArg::Lit(x.to_bits()),
        Arg::Value => KArg::Value,
    }
}

struct Builder<'a> {
    /// Variable index of each column name the expression reads.
    var: &'a dyn Fn(&str) -> Option<u32>,
    ins: Vec<Ins>,
    /// Value numbers: each instruction's result gets its own number first.
    seen: HashMap<Key, u32>,
    next: u32,
}

impl Builder<'_> {
    fn leaf(&self, e: &Expr) -> Option<Arg> {
        Some(match e {
            Expr::Col(name) => Arg::Var((self.var)(name)?),
            Expr::Lit(v) => Arg::Lit(v.num()),
            Expr::Value => Arg::Value,
            _ => return None,
        })
    }

    fn emit(&mut self, e: &Expr) -> Result<Arg, String> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.emit_level(e))
    }

    fn emit_level(&mut self, e: &Expr) -> Result<Arg, String> {
        if let Some(a) = self.leaf(e) {
            return Ok(a);
        }
        let (code, args, key) = match e {
            Expr::Unary(u, a) => {
                let a = self.emit(a)?;
                (Code::Unary(*u), [a, a, a], Key::Unary(*u, karg(a)))
            }
            Expr::Binary(b, x, y) => {
                let x = self.emit(x)?;
                let y = self.emit(y)?;
                (
                    Code::Binary(*b),
                    [x, y, y],
                    Key::Binary(*b, karg(x), karg(y)),
                )
            }
            Expr::Between(x, lo, hi) => {
                let x = self.emit(x)?;
                let lo = self.emit(lo)?;
                let hi = self.emit(hi)?;
                (
                    Code::Between,
                    [x, lo, hi],
                    Key::Between(karg(x), karg(lo), karg(hi)),
                )
            }
            Expr::Col(name) => return Err(format!("reads {name:?}, which is not a variable")),
            Expr::Node(_) | Expr::Read(_) => {
                return Err("reads a graph node or a context".to_owned())
            }
            Expr::Lit(_) | Expr::Value => return Err("unreachable leaf".to_owned()),
        };
        if let Some(&t) = self.seen.get(&key) {
            return Ok(Arg::Tmp(t));
        }
        let dst = self.next;
        self.next += 1;
        self.seen.insert(key, dst);
        self.ins.push(Ins { code, args, dst });
        Ok(Arg::Tmp(dst))
    }
}

impl Kernel {
    /// Compiles `expr`; `var` maps a column name to its variable index.
    pub(crate) fn compile(
        expr: &Expr,
        var: &dyn Fn(&str) -> Option<u32>,
    ) -> Result<Kernel, String> {
        let mut b = Builder {
            var,
            ins: Vec::new(),
            seen: HashMap::new(),
            next: 0,
        };
        let result = b.emit(expr)?;
        let mut k = Kernel {
            ins: b.ins,
            result,
            temps: 0,
        };
        k.allocate();
        Ok(k)
    }

    /// Renumbers value numbers to a few physical temporaries: a temporary is
    /// free again after its last read, and a destination never aliases an
    /// operand of its own instruction.
    fn allocate(&mut self) {
        let values = self.ins.len();
        let mut last_use = vec![0usize; values];
        for (i, ins) in self.ins.iter().enumerate() {
            for a in ins.args {
                if let Arg::Tmp(t) = a {
                    if let Some(l) = last_use.get_mut(t as usize) {
                        *l = i;
                    }
                }
            }
        }
        if let Arg::Tmp(t) = self.result {
            if let Some(l) = last_use.get_mut(t as usize) {
                *l = usize::MAX;
            }
        }
        let mut phys = vec![0u32; values];
        let mut free: Vec<u32> = Vec::new();
        let mut count = 0u32;
        for i in 0..self.ins.len() {
            let ins = self.ins[i];
            let map = |a: Arg| match a {
                Arg::Tmp(t) => Arg::Tmp(phys[t as usize]),
                other => other,
            };
            let args = ins.args.map(map);
            let dst = free.pop().unwrap_or_else(|| {
                count += 1;
                count - 1
            });
            phys[ins.dst as usize] = dst;
            // Operands whose last read is this instruction are free from now on.
            let mut dead: Vec<u32> = Vec::new();
            for a in ins.args {
                if let Arg::Tmp(t) = a {
                    if last_use[t as usize] == i && !dead.contains(&phys[t as usize]) {
                        dead.push(phys[t as usize]);
                    }
                }
            }
            free.extend(dead);
            self.ins[i] = Ins {
                code: ins.code,
                args,
                dst,
            };
        }
        if let Arg::Tmp(t) = self.result {
            self.result = Arg::Tmp(phys[t as usize]);
        }
        self.temps = count as usize;
    }

    /// Evaluates over one block: `vars(k)` is variable `k`'s values in the
    /// block, `value` the old value (soft interventions). Writes `out` as
    /// `finish` says, in the same pass as the result's last copy.
    pub(crate) fn eval<'a>(
        &self,
        vars: &dyn Fn(u32) -> &'a [f64],
        value: &[f64],
        temps: &mut Temps,
        out: &mut [f64],
        finish: Finish<'_>,
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: `eval_avx2` is safe code whose only requirement is
                // that the CPU executes AVX2 instructions, which the check
                // above has just confirmed. It computes exactly what the
                // baseline path computes (no fused multiply-add is enabled,
                // so every operation rounds as IEEE prescribes).
                return unsafe { self.eval_avx2(vars, value, temps, out, finish) };
            }
        }
        self.eval_body(vars, value, temps, out, finish);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn eval_avx2<'a>(
        &self,
        vars: &dyn Fn(u32) -> &'a [f64],
        value: &[f64],
        temps: &mut Temps,
        out: &mut [f64],
        finish: Finish<'_>,
    ) {
        self.eval_body(vars, value, temps, out, finish);
    }

    #[inline(always)]
    fn eval_body<'a>(
        &self,
        vars: &dyn Fn(u32) -> &'a [f64],
        value: &[f64],
        temps: &mut Temps,
        out: &mut [f64],
        finish: Finish<'_>,
    ) {
        let len = out.len();
        temps.ensure(self.temps, len);
        for ins in &self.ins {
            let Some(slot) = temps.bufs.get_mut(ins.dst as usize) else {
                continue;
            };
            let mut dst = std::mem::take(slot);
            {
                // Operands are at least `len` long by construction; a short one
                // would only leave rows unwritten, never read out of bounds.
                let lane = |a: Arg| -> Lane<'_> {
                    match a {
                        Arg::Var(v) => Lane::S(vars(v).get(..len).unwrap_or(&[])),
                        Arg::Tmp(t) => Lane::S(
                            temps
                                .bufs
                                .get(t as usize)
                                .and_then(|b| b.get(..len))
                                .unwrap_or(&[]),
                        ),
                        Arg::Lit(x) => Lane::C(x),
                        Arg::Value => Lane::S(value.get(..len).unwrap_or(&[])),
                    }
                };
                let n = len.min(dst.len());
                let d = &mut dst[..n];
                match ins.code {
                    Code::Unary(u) => unary(u, lane(ins.args[0]), d),
                    Code::Binary(b) => binary(b, lane(ins.args[0]), lane(ins.args[1]), d),
                    Code::Between => {
                        let (x, lo, hi) = (lane(ins.args[0]), lane(ins.args[1]), lane(ins.args[2]));
                        let n = d.len().min(x.len(len)).min(lo.len(len)).min(hi.len(len));
                        for (i, o) in d[..n].iter_mut().enumerate() {
                            *o = truth(lo.at(i) <= x.at(i) && x.at(i) <= hi.at(i));
                        }
                    }
                }
            }
            if let Some(slot) = temps.bufs.get_mut(ins.dst as usize) {
                *slot = dst;
            }
        }
        let src = match self.result {
            Arg::Var(v) => Lane::S(vars(v)),
            Arg::Tmp(t) => Lane::S(temps.bufs.get(t as usize).map_or(&[], Vec::as_slice)),
            Arg::Lit(x) => Lane::C(x),
            Arg::Value => Lane::S(value),
        };
        finish.apply(src, out);
    }
}

/// How a block's result `f` reaches the output.
#[derive(Clone, Copy)]
pub(crate) enum Finish<'a> {
    /// `out = f`.
    Store,
    /// `out = f + out` (the output holds the noise already).
    AddOut,
    /// `out = f + u`.
    Add(&'a [f64]),
    /// `out = x − f` (the residual: abducted additive noise).
    SubFrom(&'a [f64]),
}

impl Finish<'_> {
    #[inline(always)]
    pub(crate) fn apply(self, f: Lane<'_>, out: &mut [f64]) {
        match (self, f) {
            (Finish::Store, Lane::S(s)) => {
                for (o, &x) in out.iter_mut().zip(s) {
                    *o = x;
                }
            }
            (Finish::Store, Lane::C(c)) => out.fill(c),
            (Finish::AddOut, Lane::S(s)) => {
                for (o, &x) in out.iter_mut().zip(s) {
                    *o += x;
                }
            }
            (Finish::AddOut, Lane::C(c)) => {
                for o in out.iter_mut() {
                    *o += c;
                }
            }
            (Finish::Add(u), f) => map2(f, Lane::S(u), out, |a, b| a + b),
            (Finish::SubFrom(x), f) => map2(Lane::S(x), f, out, |a, b| a - b),
        }
    }
}

/// An operand over a block: a slice or a constant.
#[derive(Clone, Copy)]
pub(crate) enum Lane<'a> {
    S(&'a [f64]),
    C(f64),
}

impl Lane<'_> {
    fn len(&self, block: usize) -> usize {
        match self {
            Lane::S(s) => s.len(),
            Lane::C(_) => block,
        }
    }

    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        match self {
            Lane::S(s) => s[i],
            Lane::C(c) => *c,
        }
    }
}

#[inline(always)]
fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

// min / max that propagate NaN, as the expression language does.
#[inline(always)]
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

#[inline(always)]
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[inline(always)]
fn map1(a: Lane<'_>, out: &mut [f64], f: impl Fn(f64) -> f64) {
    match a {
        Lane::S(s) => {
            for (o, &x) in out.iter_mut().zip(s) {
                *o = f(x);
            }
        }
        Lane::C(c) => out.fill(f(c)),
    }
}

#[inline(always)]
fn map2(a: Lane<'_>, b: Lane<'_>, out: &mut [f64], f: impl Fn(f64, f64) -> f64) {
    match (a, b) {
        (Lane::S(x), Lane::S(y)) => {
            for ((o, &p), &q) in out.iter_mut().zip(x).zip(y) {
                *o = f(p, q);
            }
        }
        (Lane::S(x), Lane::C(q)) => {
            for (o, &p) in out.iter_mut().zip(x) {
                *o = f(p, q);
            }
        }
        (Lane::C(p), Lane::S(y)) => {
            for (o, &q) in out.iter_mut().zip(y) {
                *o = f(p, q);
            }
        }
        (Lane::C(p), Lane::C(q)) => out.fill(f(p, q)),
    }
}

#[inline(always)]
fn unary(op: UnaryOp, a: Lane<'_>, out: &mut [f64]) {
    match op {
        UnaryOp::Neg => map1(a, out, |x| -x),
        UnaryOp::Not => map1(a, out, |x| 1.0 - x),
        UnaryOp::Abs => map1(a, out, f64::abs),
        UnaryOp::IsNan => map1(a, out, |x| truth(x.is_nan())),
    }
}

#[inline(always)]
fn binary(op: BinaryOp, a: Lane<'_>, b: Lane<'_>, out: &mut [f64]) {
    match op {
        BinaryOp::Add => map2(a, b, out, |x, y| x + y),
        BinaryOp::Sub => map2(a, b, out, |x, y| x - y),
        BinaryOp::Mul => map2(a, b, out, |x, y| x * y),
        BinaryOp::Div => map2(a, b, out, |x, y| x / y),
        BinaryOp::Lt => map2(a, b, out, |x, y| truth(x < y)),
        BinaryOp::Le => map2(a, b, out, |x, y| truth(x <= y)),
        BinaryOp::Gt => map2(a, b, out, |x, y| truth(x > y)),
        BinaryOp::Ge => map2(a, b, out, |x, y| truth(x >= y)),
        BinaryOp::Eq => map2(a, b, out, |x, y| truth(x == y)),
        BinaryOp::Ne => map2(a, b, out, |x, y| truth(x != y)),
        BinaryOp::And | BinaryOp::Min => map2(a, b, out, nan_min),
        BinaryOp::Or | BinaryOp::Max => map2(a, b, out, nan_max),
        // (a and not b) or (not a and b), on degrees as on booleans.
        BinaryOp::Xor => map2(a, b, out, |x, y| {
            nan_max(nan_min(x, 1.0 - y), nan_min(1.0 - x, y))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str) -> Option<u32> {
        match name {
            "x" => Some(0),
            "y" => Some(1),
            _ => None,
        }
    }

    #[test]
    fn shared_sub_expressions_are_computed_once_and_temporaries_reused() {
        let x = Expr::col("x");
        let ax = x.clone().unary(UnaryOp::Abs);
        // x * |x| / (1 + |x|): |x| twice in the tree, once in the kernel.
        let e = x
            .clone()
            .binary(BinaryOp::Mul, ax.clone())
            .binary(BinaryOp::Div, Expr::lit(1.0).binary(BinaryOp::Add, ax));
        let k = Kernel::compile(&e, &var).expect("compiles");
        assert_eq!(k.ins.len(), 4);
        assert!(k.temps <= 3, "{}", k.temps);
        let xs = [-2.0, -0.5, 0.0, 0.5, 3.0];
        let mut out = [0.0; 5];
        let mut temps = Temps::default();
        k.eval(&|_| &xs[..], &[], &mut temps, &mut out, Finish::Store);
        for (o, x) in out.iter().zip(xs) {
            assert_eq!(o.to_bits(), (x * x.abs() / (1.0 + x.abs())).to_bits());
        }
    }

    #[test]
    fn comparisons_between_and_nan_aware_min_follow_the_expression_language() {
        let e = Expr::col("x")
            .between(Expr::lit(0.0), Expr::col("y"))
            .binary(
                BinaryOp::Min,
                Expr::col("y").binary(BinaryOp::Gt, Expr::lit(1.0)),
            );
        let k = Kernel::compile(&e, &var).expect("compiles");
        let xs = [0.5, 2.0, f64::NAN];
        let ys = [2.0, 3.0, 2.0];
        let cols = [&xs[..], &ys[..]];
        let mut out = [0.0; 3];
        k.eval(
            &|v| cols[v as usize],
            &[],
            &mut Temps::default(),
            &mut out,
            Finish::Store,
        );
        assert_eq!(out[0], 1.0);
        assert_eq!(out[1], 1.0);
        assert_eq!(out[2], 0.0);
        let m = Expr::col("x").binary(BinaryOp::Max, Expr::col("y"));
        let k = Kernel::compile(&m, &var).expect("compiles");
        k.eval(
            &|v| cols[v as usize],
            &[],
            &mut Temps::default(),
            &mut out,
            Finish::Store,
        );
        assert!(out[2].is_nan());
    }

    #[test]
    fn an_unknown_column_is_refused() {
        assert!(Kernel::compile(&Expr::col("z"), &var).is_err());
    }
}
