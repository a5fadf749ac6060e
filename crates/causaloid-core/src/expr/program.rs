//! Compiled expressions: a short stack program whose leaves (columns, the
//! incoming value, literals) are folded into the operators that read them, so
//! `col("x") > 0.5` is a single instruction.
//!
//! One op table serves both a single row and a block of rows: every operator is
//! one `fn(f64, f64) -> f64`, called element by element in both paths, which is
//! why a batch row always equals the same row evaluated alone.

use super::ast::{BinaryOp, Expr, UnaryOp};
use super::columns::ColumnTable;
use crate::graph::NodeId;
use crate::value::Kind;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Operand {
    Stack,
    Col(u32),
    Value,
    /// The value of the program's `k`-th node read (see [`Program::nodes`]).
    Node(u32),
    Lit(Kind, f64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Op {
    Push(Operand),
    Unary(UnaryOp, Operand),
    Binary(BinaryOp, Operand, Operand),
    Between,
    /// `low <= x <= high` with literal bounds, the common case, fused.
    BetweenLit(Operand, f64, f64),
}

/// A compiled expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    ops: Vec<Op>,
    reads_value: bool,
    /// The graph nodes read with `node(id)`, indexed by `Operand::Node`.
    nodes: Vec<NodeId>,
    /// Deepest the stack gets; programs up to [`SMALL_STACK`] deep run on an
    /// array on the machine stack instead of a heap vector.
    depth: usize,
}

const SMALL_STACK: usize = 4;

/// Reusable stack for single-row evaluation.
pub type Scratch = Vec<(Kind, f64)>;

// ---- the op table: shared by single-row and block evaluation ------------------

#[inline(always)]
pub(crate) fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

// min / max that propagate NaN, unlike f64::min, so a missing reading never
// silently becomes a verdict.
#[inline(always)]
pub(crate) fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

#[inline(always)]
pub(crate) fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[inline(always)]
pub(crate) fn apply_unary(op: UnaryOp, a: f64) -> f64 {
    match op {
        UnaryOp::Neg => -a,
        UnaryOp::Not => 1.0 - a,
        UnaryOp::Abs => a.abs(),
        UnaryOp::IsNan => truth(a.is_nan()),
    }
}

pub(crate) fn unary_kind(op: UnaryOp, a: Kind) -> Kind {
    match op {
        UnaryOp::Not => a,
        UnaryOp::Neg | UnaryOp::Abs => Kind::Num,
        UnaryOp::IsNan => Kind::Bool,
    }
}

pub(crate) fn binary_kind(op: BinaryOp, a: Kind, b: Kind) -> Kind {
    use BinaryOp::*;
    match op {
        Add | Sub | Mul | Div => Kind::Num,
        Lt | Le | Gt | Ge | Eq | Ne => Kind::Bool,
        And | Or | Xor | Min | Max => a.both(b),
    }
}

macro_rules! with_binary_fn {
    ($op:expr, $f:ident => $body:expr) => {
        match $op {
            BinaryOp::Add => {
                let $f = |a: f64, b: f64| a + b;
                $body
            }
            BinaryOp::Sub => {
                let $f = |a: f64, b: f64| a - b;
                $body
            }
            BinaryOp::Mul => {
                let $f = |a: f64, b: f64| a * b;
                $body
            }
            BinaryOp::Div => {
                let $f = |a: f64, b: f64| a / b;
                $body
            }
            BinaryOp::Lt => {
                let $f = |a: f64, b: f64| truth(a < b);
                $body
            }
            BinaryOp::Le => {
                let $f = |a: f64, b: f64| truth(a <= b);
                $body
            }
            BinaryOp::Gt => {
                let $f = |a: f64, b: f64| truth(a > b);
                $body
            }
            BinaryOp::Ge => {
                let $f = |a: f64, b: f64| truth(a >= b);
                $body
            }
            BinaryOp::Eq => {
                let $f = |a: f64, b: f64| truth(a == b);
                $body
            }
            BinaryOp::Ne => {
                let $f = |a: f64, b: f64| truth(a != b);
                $body
            }
            BinaryOp::And | BinaryOp::Min => {
                let $f = nan_min;
                $body
            }
            BinaryOp::Or | BinaryOp::Max => {
                let $f = nan_max;
                $body
            }
            BinaryOp::Xor => {
                let $f = |a: f64, b: f64| nan_max(nan_min(a, 1.0 - b), nan_min(1.0 - a, b));
                $body
            }
        }
    };
}

/// `out[i] = op(a[i], b[i])`, the operator chosen once for the whole slice.
pub(crate) fn binary_slice(op: BinaryOp, a: &[f64], b: &[f64], out: &mut [f64]) {
    with_binary_fn!(op, f => {
        for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
            *o = f(*x, *y);
        }
    })
}

/// `out[i] = op(a[i])`, the operator chosen once for the whole slice.
pub(crate) fn unary_slice(op: UnaryOp, a: &[f64], out: &mut [f64]) {
    macro_rules! each {
        ($f:expr) => {
            for (o, x) in out.iter_mut().zip(a) {
                *o = $f(*x);
            }
        };
    }
    match op {
        UnaryOp::Neg => each!(|x: f64| -x),
        UnaryOp::Not => each!(|x: f64| 1.0 - x),
        UnaryOp::Abs => each!(|x: f64| x.abs()),
        UnaryOp::IsNan => each!(|x: f64| truth(x.is_nan())),
    }
}

#[inline(always)]
pub(crate) fn apply_binary(op: BinaryOp, a: f64, b: f64) -> f64 {
    with_binary_fn!(op, f => f(a, b))
}

#[inline(always)]
pub(crate) fn between(x: f64, lo: f64, hi: f64) -> f64 {
    truth(lo <= x && x <= hi)
}

// ---- compilation ----------------------------------------------------------------

impl Program {
    /// Compiles `expr`, giving each column it reads a slot in `table`.
    /// Context reads take slots of `table` too; the engine fills them.
    pub fn compile(expr: &Expr, table: &mut ColumnTable) -> Program {
        let mut ops = Vec::new();
        let nodes = expr.nodes();
        emit(expr, table, &nodes, &mut ops);
        let depth = max_depth(&ops);
        Program {
            ops,
            reads_value: expr.reads_value(),
            nodes,
            depth,
        }
    }

    /// Whether the program reads the incoming value.
    pub fn reads_value(&self) -> bool {
        self.reads_value
    }

    /// The graph nodes the program reads by id; the caller passes their values
    /// in this order.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    pub(crate) fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The same program with column slots renumbered through `map` (old slot ->
    /// new slot), used when a causaloid joins a graph with a wider column table.
    pub fn relink(&self, map: &[u32]) -> Program {
        let fix = |o: Operand| match o {
            Operand::Col(s) => Operand::Col(map.get(s as usize).copied().unwrap_or(s)),
            other => other,
        };
        let ops = self
            .ops
            .iter()
            .map(|op| match *op {
                Op::Push(a) => Op::Push(fix(a)),
                Op::Unary(u, a) => Op::Unary(u, fix(a)),
                Op::Binary(b, x, y) => Op::Binary(b, fix(x), fix(y)),
                Op::Between => Op::Between,
                Op::BetweenLit(a, lo, hi) => Op::BetweenLit(fix(a), lo, hi),
            })
            .collect();
        Program {
            ops,
            reads_value: self.reads_value,
            nodes: self.nodes.clone(),
            depth: self.depth,
        }
    }

    /// Evaluates on one row. `value` is the incoming value (ignored unless the
    /// program reads it; the caller checks [`Program::reads_value`] first).
    /// `nodes` holds the values of [`Program::nodes`], in order.
    #[inline]
    pub fn eval(
        &self,
        row: &[f64],
        value: (Kind, f64),
        nodes: &[(Kind, f64)],
        stack: &mut Scratch,
    ) -> (Kind, f64) {
        let env = Env { row, value, nodes };
        // The common one-instruction program skips the stack entirely.
        if let [Op::Binary(op, a, b)] = self.ops.as_slice() {
            if *a != Operand::Stack && *b != Operand::Stack {
                let (ka, xa) = load(*a, &env);
                let (kb, xb) = load(*b, &env);
                return (binary_kind(*op, ka, kb), apply_binary(*op, xa, xb));
            }
        }
        if self.depth <= SMALL_STACK {
            let mut stack = Small {
                items: [(Kind::Num, 0.0); SMALL_STACK],
                len: 0,
            };
            return run(&self.ops, &env, &mut stack);
        }
        stack.clear();
        run(&self.ops, &env, stack)
    }

    /// Evaluates on a block of rows: `cols[slot]` holds the block's values of
    /// each column, `value` the incoming values. Writes `out` and returns its kind.
    /// `nodes` holds the columns of [`Program::nodes`], in order.
    pub fn eval_block(
        &self,
        cols: &[&[f64]],
        value: Option<(Kind, &[f64])>,
        nodes: &[(Kind, &[f64])],
        len: usize,
        scratch: &mut BlockScratch,
        out: &mut Vec<f64>,
    ) -> Kind {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: `eval_block_avx2` is safe code whose only requirement is
                // that the CPU executes AVX2 instructions, which the check above
                // has just confirmed. It computes exactly what the baseline path
                // computes: IEEE add, mul, div, compare and the explicit NaN-aware
                // min/max give the same bits at any vector width, and no fused
                // multiply-add is enabled.
                return unsafe { self.eval_block_avx2(cols, value, nodes, len, scratch, out) };
            }
        }
        self.eval_block_body(cols, value, nodes, len, scratch, out)
    }

    /// [`Program::eval_block`] compiled with AVX2 (4 doubles per instruction).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn eval_block_avx2(
        &self,
        cols: &[&[f64]],
        value: Option<(Kind, &[f64])>,
        nodes: &[(Kind, &[f64])],
        len: usize,
        scratch: &mut BlockScratch,
        out: &mut Vec<f64>,
    ) -> Kind {
        self.eval_block_body(cols, value, nodes, len, scratch, out)
    }

    #[inline(always)]
    fn eval_block_body(
        &self,
        cols: &[&[f64]],
        value: Option<(Kind, &[f64])>,
        nodes: &[(Kind, &[f64])],
        len: usize,
        scratch: &mut BlockScratch,
        out: &mut Vec<f64>,
    ) -> Kind {
        let value = value.unwrap_or((Kind::Num, &[]));
        let src = Sources { cols, value, nodes };
        scratch.reset();
        for op in &self.ops {
            match *op {
                Op::Push(a) => {
                    let (k, src) = scratch.arg(a, &src);
                    let mut buf = scratch.take(len);
                    map(&src, &mut buf, len, |x| x);
                    scratch.give(src);
                    scratch.stack.push((k, buf));
                }
                Op::Unary(u, a) => {
                    let (k, src) = scratch.arg(a, &src);
                    let mut buf = scratch.take(len);
                    // The operator is chosen once per block, so each loop vectorises.
                    match u {
                        UnaryOp::Neg => map(&src, &mut buf, len, |x| apply_unary(UnaryOp::Neg, x)),
                        UnaryOp::Not => map(&src, &mut buf, len, |x| apply_unary(UnaryOp::Not, x)),
                        UnaryOp::Abs => map(&src, &mut buf, len, |x| apply_unary(UnaryOp::Abs, x)),
                        UnaryOp::IsNan => {
                            map(&src, &mut buf, len, |x| apply_unary(UnaryOp::IsNan, x))
                        }
                    }
                    scratch.give(src);
                    scratch.stack.push((unary_kind(u, k), buf));
                }
                Op::BetweenLit(a, lo, hi) => {
                    let (_, src) = scratch.arg(a, &src);
                    let mut buf = scratch.take(len);
                    map(&src, &mut buf, len, |x| between(x, lo, hi));
                    scratch.give(src);
                    scratch.stack.push((Kind::Bool, buf));
                }
                Op::Binary(b, x, y) => {
                    let (ky, sy) = scratch.arg(y, &src);
                    let (kx, sx) = scratch.arg(x, &src);
                    let mut buf = scratch.take(len);
                    with_binary_fn!(b, f => zip(&sx, &sy, &mut buf, len, f));
                    scratch.give(sx);
                    scratch.give(sy);
                    scratch.stack.push((binary_kind(b, kx, ky), buf));
                }
                Op::Between => {
                    let (_, hi) = scratch.pop(len);
                    let (_, lo) = scratch.pop(len);
                    let (_, x) = scratch.pop(len);
                    let mut buf = scratch.take(len);
                    for (i, o) in buf.iter_mut().enumerate() {
                        *o = between(x[i], lo[i], hi[i]);
                    }
                    for b in [x, lo, hi] {
                        scratch.give(Arg::Owned(b));
                    }
                    scratch.stack.push((Kind::Bool, buf));
                }
            }
        }
        // Hand the result buffer over instead of copying it; the caller's old
        // buffer goes back to the pool.
        let (kind, mut buf) = scratch.pop(len);
        buf.truncate(len);
        std::mem::swap(out, &mut buf);
        scratch.give(Arg::Owned(buf));
        kind
    }
}

/// A value stack: a heap vector, or a fixed array for shallow programs.
trait Stack {
    fn push(&mut self, v: (Kind, f64));
    fn pop(&mut self) -> (Kind, f64);
}

impl Stack for Scratch {
    #[inline(always)]
    fn push(&mut self, v: (Kind, f64)) {
        Vec::push(self, v);
    }

    #[inline(always)]
    fn pop(&mut self) -> (Kind, f64) {
        Vec::pop(self).unwrap_or((Kind::Num, f64::NAN))
    }
}

struct Small {
    items: [(Kind, f64); SMALL_STACK],
    len: usize,
}

impl Stack for Small {
    #[inline(always)]
    fn push(&mut self, v: (Kind, f64)) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = v;
            self.len += 1;
        }
    }

    #[inline(always)]
    fn pop(&mut self) -> (Kind, f64) {
        if self.len == 0 {
            return (Kind::Num, f64::NAN);
        }
        self.len -= 1;
        self.items[self.len]
    }
}

/// What a single-row program reads.
pub(crate) struct Env<'a> {
    pub row: &'a [f64],
    pub value: (Kind, f64),
    pub nodes: &'a [(Kind, f64)],
}

#[inline(always)]
fn run(ops: &[Op], env: &Env<'_>, stack: &mut impl Stack) -> (Kind, f64) {
    for op in ops {
        match *op {
            Op::Push(a) => {
                let v = load(a, env);
                stack.push(v);
            }
            Op::Unary(u, a) => {
                let (k, x) = fetch(a, env, stack);
                stack.push((unary_kind(u, k), apply_unary(u, x)));
            }
            Op::Binary(b, x, y) => {
                let (ky, vy) = fetch(y, env, stack);
                let (kx, vx) = fetch(x, env, stack);
                stack.push((binary_kind(b, kx, ky), apply_binary(b, vx, vy)));
            }
            Op::Between => {
                let (_, hi) = stack.pop();
                let (_, lo) = stack.pop();
                let (_, x) = stack.pop();
                stack.push((Kind::Bool, between(x, lo, hi)));
            }
            Op::BetweenLit(a, lo, hi) => {
                let (_, x) = fetch(a, env, stack);
                stack.push((Kind::Bool, between(x, lo, hi)));
            }
        }
    }
    stack.pop()
}

/// The deepest the stack gets while running `ops`.
fn max_depth(ops: &[Op]) -> usize {
    let stacked = |o: &Operand| usize::from(*o == Operand::Stack);
    let (mut depth, mut deepest) = (0usize, 0usize);
    for op in ops {
        depth = match op {
            Op::Push(_) => depth + 1,
            Op::Unary(_, a) => depth - stacked(a).min(depth) + 1,
            Op::Binary(_, x, y) => depth - (stacked(x) + stacked(y)).min(depth) + 1,
            Op::Between => depth - 3.min(depth) + 1,
            Op::BetweenLit(a, ..) => depth - stacked(a).min(depth) + 1,
        };
        deepest = deepest.max(depth);
    }
    deepest
}

fn emit(expr: &Expr, table: &mut ColumnTable, nodes: &[NodeId], ops: &mut Vec<Op>) {
    super::ast::grow(|| emit_level(expr, table, nodes, ops))
}

fn emit_level(expr: &Expr, table: &mut ColumnTable, nodes: &[NodeId], ops: &mut Vec<Op>) {
    match expr {
        Expr::Col(_) | Expr::Value | Expr::Lit(_) | Expr::Node(_) | Expr::Read(_) => {
            let a = operand(expr, table, nodes, ops);
            ops.push(Op::Push(a));
        }
        Expr::Unary(u, a) => {
            let a = operand(a, table, nodes, ops);
            ops.push(Op::Unary(*u, a));
        }
        Expr::Binary(b, x, y) => {
            let x = operand(x, table, nodes, ops);
            let y = operand(y, table, nodes, ops);
            ops.push(Op::Binary(*b, x, y));
        }
        Expr::Between(x, lo, hi) if matches!((&**lo, &**hi), (Expr::Lit(_), Expr::Lit(_))) => {
            let bounds = match (&**lo, &**hi) {
                (Expr::Lit(l), Expr::Lit(h)) => (l.num(), h.num()),
                _ => (f64::NAN, f64::NAN),
            };
            let a = operand(x, table, nodes, ops);
            ops.push(Op::BetweenLit(a, bounds.0, bounds.1));
        }
        Expr::Between(x, lo, hi) => {
            emit(x, table, nodes, ops);
            emit(lo, table, nodes, ops);
            emit(hi, table, nodes, ops);
            ops.push(Op::Between);
        }
    }
}

/// A leaf becomes an operand; anything else is emitted and read from the stack.
fn operand(expr: &Expr, table: &mut ColumnTable, nodes: &[NodeId], ops: &mut Vec<Op>) -> Operand {
    match expr {
        Expr::Col(name) => Operand::Col(table.slot(name)),
        Expr::Read(read) => Operand::Col(table.read_slot(read)),
        Expr::Node(id) => Operand::Node(nodes.iter().position(|n| n == id).unwrap_or(0) as u32),
        Expr::Value => Operand::Value,
        Expr::Lit(v) => Operand::Lit(v.kind(), v.num()),
        _ => {
            emit(expr, table, nodes, ops);
            Operand::Stack
        }
    }
}

// ---- single-row helpers ---------------------------------------------------------

#[inline(always)]
fn load(a: Operand, env: &Env<'_>) -> (Kind, f64) {
    match a {
        Operand::Col(s) => (
            Kind::Num,
            env.row.get(s as usize).copied().unwrap_or(f64::NAN),
        ),
        Operand::Value => env.value,
        Operand::Node(k) => env
            .nodes
            .get(k as usize)
            .copied()
            .unwrap_or((Kind::Num, f64::NAN)),
        Operand::Lit(k, x) => (k, x),
        Operand::Stack => (Kind::Num, f64::NAN),
    }
}

#[inline(always)]
fn fetch(a: Operand, env: &Env<'_>, stack: &mut impl Stack) -> (Kind, f64) {
    if a == Operand::Stack {
        stack.pop()
    } else {
        load(a, env)
    }
}

// ---- block helpers --------------------------------------------------------------

/// An operand over a block: a borrowed column, a broadcast literal, or a
/// buffer popped from the stack (returned to the pool after use).
enum Arg<'a> {
    Slice(&'a [f64]),
    Scalar(f64),
    Owned(Vec<f64>),
}

impl Arg<'_> {
    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        match self {
            Arg::Slice(s) => s.get(i).copied().unwrap_or(f64::NAN),
            Arg::Scalar(x) => *x,
            Arg::Owned(v) => v.get(i).copied().unwrap_or(f64::NAN),
        }
    }

    fn slice(&self, len: usize) -> Option<&[f64]> {
        match self {
            Arg::Slice(s) if s.len() >= len => Some(&s[..len]),
            Arg::Owned(v) if v.len() >= len => Some(&v[..len]),
            _ => None,
        }
    }
}

#[inline(always)]
fn zip(a: &Arg<'_>, b: &Arg<'_>, out: &mut [f64], len: usize, f: impl Fn(f64, f64) -> f64) {
    let out = &mut out[..len];
    match (a.slice(len), b.slice(len), a, b) {
        (Some(x), Some(y), _, _) => {
            for ((o, &p), &q) in out.iter_mut().zip(x).zip(y) {
                *o = f(p, q);
            }
        }
        (Some(x), None, _, Arg::Scalar(q)) => {
            for (o, &p) in out.iter_mut().zip(x) {
                *o = f(p, *q);
            }
        }
        (None, Some(y), Arg::Scalar(p), _) => {
            for (o, &q) in out.iter_mut().zip(y) {
                *o = f(*p, q);
            }
        }
        _ => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = f(a.at(i), b.at(i));
            }
        }
    }
}

/// `out[i] = f(a[i])` over a block, choosing the operand's shape once.
#[inline(always)]
fn map(a: &Arg<'_>, out: &mut [f64], len: usize, f: impl Fn(f64) -> f64) {
    let out = &mut out[..len];
    match (a.slice(len), a) {
        (Some(x), _) => {
            for (o, &p) in out.iter_mut().zip(x) {
                *o = f(p);
            }
        }
        (None, Arg::Scalar(p)) => out.fill(f(*p)),
        _ => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = f(a.at(i));
            }
        }
    }
}

/// What a block program reads.
struct Sources<'s, 'a> {
    cols: &'s [&'a [f64]],
    value: (Kind, &'a [f64]),
    nodes: &'s [(Kind, &'a [f64])],
}

/// Reusable buffers for block evaluation.
#[derive(Default)]
pub struct BlockScratch {
    stack: Vec<(Kind, Vec<f64>)>,
    pool: Vec<Vec<f64>>,
    /// What a host callable's NaN result becomes (see `graph/missing.rs`).
    pub(crate) missing: crate::graph::Missing,
    /// Rows (of the batch) where a host callable returned NaN under
    /// `missing="propagate"`: the row evaluator decides them again.
    pub(crate) redo: Vec<usize>,
}

impl BlockScratch {
    fn reset(&mut self) {
        while let Some((_, b)) = self.stack.pop() {
            self.pool.push(b);
        }
    }

    fn take(&mut self, len: usize) -> Vec<f64> {
        let mut b = self.pool.pop().unwrap_or_default();
        b.resize(len, 0.0);
        b
    }

    fn give(&mut self, arg: Arg<'_>) {
        if let Arg::Owned(b) = arg {
            self.pool.push(b);
        }
    }

    fn pop(&mut self, len: usize) -> (Kind, Vec<f64>) {
        self.stack
            .pop()
            .unwrap_or_else(|| (Kind::Num, vec![f64::NAN; len]))
    }

    fn arg<'a>(&mut self, a: Operand, src: &Sources<'_, 'a>) -> (Kind, Arg<'a>) {
        match a {
            Operand::Col(s) => (
                Kind::Num,
                Arg::Slice(src.cols.get(s as usize).copied().unwrap_or(&[])),
            ),
            Operand::Value => (src.value.0, Arg::Slice(src.value.1)),
            Operand::Node(k) => match src.nodes.get(k as usize) {
                Some(&(kind, col)) => (kind, Arg::Slice(col)),
                None => (Kind::Num, Arg::Scalar(f64::NAN)),
            },
            Operand::Lit(k, x) => (k, Arg::Scalar(x)),
            Operand::Stack => {
                let (k, b) = self.stack.pop().unwrap_or((Kind::Num, Vec::new()));
                (k, Arg::Owned(b))
            }
        }
    }
}
