//! Batches of verdict-only graphs, bit-packed.
//!
//! When every node of a graph is an expression whose result is a bool and
//! every bool it handles comes from a comparison (or from a parent's verdict),
//! a batch needs no per-row numbers on the wires: each node's verdicts over a
//! block of rows are a few 64-bit words. A block of [`BLOCK`] rows goes through
//! the whole graph while its columns are in cache; numbers appear only inside a
//! node (`col("a") + col("b") * 2 > 1`), 64 rows at a time, in arrays on the
//! machine stack. `and` / `or` skip the 64-row words their first operand
//! already decides, so a gate that is false for a whole word costs nothing
//! downstream.
//!
//! The results are those of the general path bit for bit: the same IEEE
//! operations on the same `f64` values (`nan_min` / `nan_max` included),
//! comparisons with NaN false as there, and `and` / `or` / `not` on 0/1
//! verdicts are `min` / `max` / `1 - x`. A graph that does not fit (callables,
//! nested structures, numbers on the wires, a root reading the incoming
//! value, ...) is left to the general path by [`BitPlan::new`] returning
//! `None`. Anything added to graph evaluation that changes what travels along
//! an edge must make [`BitPlan::new`] refuse such graphs.

use super::causal_graph::CausalGraph;
use super::causaloid::Function;
use super::member::Member;
use crate::error::CausalError;
use crate::expr::{nan_max, nan_min, BinaryOp, Op, Operand, UnaryOp};
use crate::value::Kind;
use rayon::prelude::*;

/// Rows per block: a multiple of 64 small enough that a block's columns and
/// every node's verdict words stay in L2.
pub(crate) const BLOCK: usize = 2048;
const WORDS: usize = BLOCK / 64;

/// A number inside one node's expression.
#[derive(Clone, Debug)]
enum Num {
    Col(u32),
    Lit(f64),
    Neg(Box<Num>),
    Abs(Box<Num>),
    /// Add, Sub, Mul, Div, Min or Max.
    Bin(BinaryOp, Box<Num>, Box<Num>),
}

/// A bool inside one node's expression.
#[derive(Clone, Debug)]
enum Bit {
    Const(bool),
    /// The incoming value: the join (or) of the node's parents.
    Value,
    /// A parent's verdict, by plan slot.
    Node(u32),
    /// Lt, Le, Gt, Ge, Eq or Ne.
    Cmp(BinaryOp, Num, Num),
    Between(Num, Num, Num),
    /// A comparison with a computed operand, evaluated 64 rows at a time
    /// from the columns (see [`Fused`]).
    Fused(Box<Fused>),
    IsNan(Num),
    Not(Box<Bit>),
    And(Box<Bit>, Box<Bit>),
    Or(Box<Bit>, Box<Bit>),
}

enum Typed {
    Num(Num),
    Bit(Bit),
}

/// An operand of a [`Fused`] program: a column, a literal or the word an
/// earlier instruction computed.
#[derive(Clone, Copy, Debug)]
enum WSrc {
    Col(u32),
    Lit(f64),
    Slot(u16),
}

/// One instruction of a [`Fused`] program; its result is the word of the
/// slot numbered as the instruction.
#[derive(Clone, Copy, Debug)]
enum WInst {
    Neg(WSrc),
    Abs(WSrc),
    /// Add, Sub, Mul, Div, Min or Max.
    Bin(BinaryOp, WSrc, WSrc),
}

/// `a P b` with a computed operand, its numbers computed word by word (64
/// rows in arrays that stay in L1) and compared at once, rather than each
/// operation making a pass over the whole block. A comparison of a quotient
/// with a literal (`x / d > t`) mostly avoids the division, see
/// [`DivCmp`]. The trees `a` and `b` decide the rows of a last, partial
/// word, one by one.
#[derive(Clone, Debug)]
struct Fused {
    op: BinaryOp,
    a: Num,
    b: Num,
    prog: Vec<WInst>,
    sa: WSrc,
    sb: WSrc,
    div: Option<DivCmp>,
}

/// `x / d P t` (or `t P x / d` when `swapped`) for a literal `t` with
/// `2^-400 <= |t| <= 2^400`, decided without dividing on every row whose
/// `d` lies in `[2^-400, 2^400]` and whose `x` is not within a relative
/// `2^-50` of `t * d`:
///
/// with `p = fl(t * d)` (normal, relative error at most `2^-53`), `s = |p| *
/// 2^-50` (exact: a power-of-two scaling of a normal number that stays
/// normal), `hi = fl(p + s)` and `lo = fl(p - s)`, rounding errors give
/// `hi >= t*d + 0.74 * 2^-50 * |t*d|` and `lo <= t*d - 0.74 * 2^-50 * |t*d|`.
/// As `d > 0`, `x > hi` gives `x / d > t + 2^-52 |t|`, beyond the midpoint
/// between `t` and the next double up (at most `2^-53 |t|` away for a normal
/// `t`), so the rounded quotient is at least that next double: `> t`.
/// Likewise `x < lo` gives a rounded quotient `< t`. This holds for
/// `x = +-inf` too. Any other row (NaN, `d` out of range or negative, `x`
/// close to `t * d`) makes the word divide, as the row evaluator does, so
/// every verdict is that of `fl(x / d) P t`.
#[derive(Clone, Copy, Debug)]
struct DivCmp {
    x: WSrc,
    d: WSrc,
    t: f64,
    swapped: bool,
}

/// `2^-400` and `2^400`, the range of divisors and literals [`DivCmp`]
/// decides without dividing, and `2^-50`, its margin.
/// (Built from their exponent bits, biased by 1023.)
const DIV_LO: f64 = f64::from_bits((1023 - 400) << 52);
const DIV_HI: f64 = f64::from_bits((1023 + 400) << 52);
const DIV_MARGIN: f64 = f64::from_bits((1023 - 50) << 52);

/// The fused form of `a P b`, or `None` when both are columns or literals
/// (the plain compare kernels read them directly).
fn fuse(op: BinaryOp, a: &Num, b: &Num) -> Option<Fused> {
    let leaf = |n: &Num| matches!(n, Num::Col(_) | Num::Lit(_));
    if leaf(a) && leaf(b) {
        return None;
    }
    let mut prog = Vec::new();
    let literal = |n: &Num| match n {
        Num::Lit(t) if (DIV_LO..=DIV_HI).contains(&t.abs()) => Some(*t),
        _ => None,
    };
    let div = match (a, b) {
        (Num::Bin(BinaryOp::Div, x, d), t) | (t, Num::Bin(BinaryOp::Div, x, d))
            if literal(t).is_some() =>
        {
            let x = flatten(x, &mut prog)?;
            let d = flatten(d, &mut prog)?;
            Some(DivCmp {
                x,
                d,
                t: literal(t)?,
                swapped: matches!(a, Num::Lit(_)),
            })
        }
        _ => None,
    };
    let (sa, sb) = if div.is_some() {
        (WSrc::Lit(f64::NAN), WSrc::Lit(f64::NAN))
    } else {
        (flatten(a, &mut prog)?, flatten(b, &mut prog)?)
    };
    Some(Fused {
        op,
        a: a.clone(),
        b: b.clone(),
        prog,
        sa,
        sb,
        div,
    })
}

/// Appends the instructions computing `n` (operands first) to `prog`.
fn flatten(n: &Num, prog: &mut Vec<WInst>) -> Option<WSrc> {
    let inst = match n {
        Num::Col(s) => return Some(WSrc::Col(*s)),
        Num::Lit(x) => return Some(WSrc::Lit(*x)),
        Num::Neg(x) => WInst::Neg(flatten(x, prog)?),
        Num::Abs(x) => WInst::Abs(flatten(x, prog)?),
        Num::Bin(op, x, y) => {
            let x = flatten(x, prog)?;
            let y = flatten(y, prog)?;
            WInst::Bin(*op, x, y)
        }
    };
    let slot = u16::try_from(prog.len()).ok()?;
    prog.push(inst);
    Some(WSrc::Slot(slot))
}

/// `b` with its comparisons of computed numbers fused (see [`Fused`]).
fn fuse_bits(b: Bit) -> Bit {
    match b {
        Bit::Cmp(op, x, y) => match fuse(op, &x, &y) {
            Some(f) => Bit::Fused(Box::new(f)),
            None => Bit::Cmp(op, x, y),
        },
        Bit::Not(x) => Bit::Not(Box::new(fuse_bits(*x))),
        Bit::And(x, y) => Bit::And(Box::new(fuse_bits(*x)), Box::new(fuse_bits(*y))),
        Bit::Or(x, y) => Bit::Or(Box::new(fuse_bits(*x)), Box::new(fuse_bits(*y))),
        other => other,
    }
}

#[derive(Debug)]
struct BitStep {
    /// Plan slots of the parents, joined into the incoming value when read.
    parents: Vec<u32>,
    reads_value: bool,
    expr: Bit,
}

/// A verdict-only graph compiled for bit-packed batches.
#[derive(Debug)]
pub(crate) struct BitPlan {
    steps: Vec<BitStep>,
    /// The column slots the nodes read, each once: scanned block by block for
    /// missing values (NaN), see `graph/missing.rs`.
    used: Vec<u32>,
    /// Plan slots of the nodes without children; the graph decides their or.
    sinks: Vec<u32>,
}

/// One verdict per row, 64 rows a word (row `i` is bit `i % 64` of word `i / 64`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackedVerdicts {
    pub words: Vec<u64>,
    pub len: usize,
}

impl PackedVerdicts {
    /// Sets row `i`'s verdict (nothing past the end).
    pub fn set(&mut self, i: usize, v: bool) {
        if i < self.len {
            if let Some(w) = self.words.get_mut(i / 64) {
                let bit = 1u64 << (i % 64);
                if v {
                    *w |= bit;
                } else {
                    *w &= !bit;
                }
            }
        }
    }

    /// Row `i`'s verdict (false past the end).
    pub fn get(&self, i: usize) -> bool {
        i < self.len
            && self
                .words
                .get(i / 64)
                .is_some_and(|w| (w >> (i % 64)) & 1 == 1)
    }

    /// The verdicts one bool per row.
    pub fn to_bools(&self) -> Vec<bool> {
        let mut out = vec![false; self.len];
        // Whole words through a fixed 64-iteration loop (vectorised); the
        // last, partial word row by row.
        let mut chunks = out.chunks_exact_mut(64);
        for (c, &w) in (&mut chunks).zip(&self.words) {
            for (j, o) in c.iter_mut().enumerate() {
                *o = (w >> j) & 1 == 1;
            }
        }
        let rest = chunks.into_remainder();
        if let Some(&w) = self.words.get(self.len / 64) {
            for (j, o) in rest.iter_mut().enumerate() {
                *o = (w >> j) & 1 == 1;
            }
        }
        out
    }

    /// The verdicts as 0/1 numbers, as the general batch path gives them.
    pub fn to_f64(&self) -> Vec<f64> {
        self.unpack(|b| if b { 1.0 } else { 0.0 })
    }

    fn unpack<T>(&self, f: impl Fn(bool) -> T) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len);
        for (w, &word) in self.words.iter().enumerate() {
            let n = self.len.saturating_sub(w * 64).min(64);
            out.extend((0..n).map(|j| f((word >> j) & 1 == 1)));
        }
        out
    }
}

impl BitPlan {
    /// The bit-packed plan of `g`, or `None` when some node's value is not a
    /// verdict computed from comparisons and parents' verdicts.
    pub(crate) fn new(g: &CausalGraph) -> Option<BitPlan> {
        let fz = g.frozen().ok()?;
        if fz.has_callables {
            return None;
        }
        let mut steps = Vec::with_capacity(fz.plan.len());
        for step in &fz.plan {
            let iu = step.node as usize;
            let program = match (g.nodes().get(iu)?, &fz.links.get(iu)?.program) {
                (Member::Causaloid(c), Some(p))
                    if matches!(c.function(), Function::Expr { .. }) =>
                {
                    p
                }
                _ => return None,
            };
            let parents: Vec<u32> = fz.parents[step.parents.0 as usize..step.parents.1 as usize]
                .iter()
                .map(|&p| fz.step_of.get(p as usize).copied())
                .collect::<Option<_>>()?;
            let reads_value = program.reads_value();
            if reads_value && parents.is_empty() {
                // A root reads the batch's incoming value: the general path
                // handles (or reports the lack of) it.
                return None;
            }
            let reads: Vec<u32> = fz.node_reads[step.reads.0 as usize..step.reads.1 as usize]
                .iter()
                .map(|&t| fz.step_of.get(t as usize).copied())
                .collect::<Option<_>>()?;
            let expr = match typed(program.ops(), &reads)? {
                Typed::Bit(b) => fuse_bits(b),
                Typed::Num(_) => return None,
            };
            steps.push(BitStep {
                parents,
                reads_value,
                expr,
            });
        }
        let sinks = fz
            .plan
            .iter()
            .enumerate()
            .filter(|(_, s)| g.children[s.node as usize].is_empty())
            .map(|(k, _)| k as u32)
            .collect();
        let mut used = Vec::new();
        for step in &steps {
            bit_cols(&step.expr, &mut used);
        }
        used.sort_unstable();
        used.dedup();
        Some(BitPlan { steps, sinks, used })
    }

    /// Evaluates every row of `cols` (one full column per slot of the graph's
    /// table), blocks in parallel.
    /// Also says whether a column the plan reads holds a NaN (a missing
    /// value, which the caller then looks for precisely).
    pub(crate) fn run(
        &self,
        cols: &[&[f64]],
        len: usize,
    ) -> Result<(PackedVerdicts, bool), CausalError> {
        let n_words = len.div_ceil(64);
        let mut words: Vec<u64> = Vec::new();
        words
            .try_reserve_exact(n_words)
            .map_err(|_| CausalError::InvalidArgument {
                name: "batch",
                message: format!("cannot allocate the verdicts of {len} rows"),
            })?;
        words.resize(n_words, 0);
        // Several tasks per thread (so that a thread slowed down by other
        // work on the machine leaves its last tasks to the others), each
        // with its own buffers, running its blocks one after the other.
        let blocks = n_words.div_ceil(WORDS);
        let per_task = blocks.div_ceil(16 * rayon::current_num_threads()).max(1);
        let saw_nan = words
            .par_chunks_mut(WORDS * per_task)
            .enumerate()
            .map(|(t, chunk)| {
                let mut scratch = Scratch::new(self.steps.len());
                let mut nan = false;
                for (k, out) in chunk.chunks_mut(WORDS).enumerate() {
                    let start = (t * per_task + k) * BLOCK;
                    let end = (start + BLOCK).min(len);
                    nan |= self.run_block(cols, start, end, &mut scratch, out);
                }
                nan
            })
            .reduce(|| false, |a, b| a || b);
        Ok((PackedVerdicts { words, len }, saw_nan))
    }

    /// Evaluates rows `start..end` into `out`; says whether a column the
    /// plan reads holds a NaN on those rows.
    fn run_block(
        &self,
        cols: &[&[f64]],
        start: usize,
        end: usize,
        scratch: &mut Scratch,
        out: &mut [u64],
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                // SAFETY: as for AVX2 below, with the AVX-512 features just
                // detected: the same IEEE operations, compares written to
                // mask registers, no fused multiply-add.
                return unsafe { avx512::run_block(self, cols, start, end, scratch, out) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: `avx2::run_block` is safe code whose only requirement
                // is that the CPU executes AVX2 instructions, which the check
                // above has just confirmed. It computes exactly what the
                // baseline path computes: IEEE compares, add, mul, div and
                // the explicit NaN-aware min/max give the same bits at any
                // vector width, and no fused multiply-add is enabled.
                return unsafe { avx2::run_block(self, cols, start, end, scratch, out) };
            }
        }
        base::run_block(self, cols, start, end, scratch, out)
    }
}

/// The words of `c[r] op t` over a column (row `r` is bit `r % 64` of word
/// `r / 64`), for a comparison `op` (`Lt`, `Le`, `Gt`, `Ge`, `Eq`; anything
/// else is `Ne`), compared on the widest vector instructions the CPU has,
/// with the results of Rust's `<`, `<=`, `>`, `>=`, `==`, `!=`: the
/// comparison states of a state machine's batch.
pub(crate) fn compare_column(op: BinaryOp, c: &[f64], t: f64) -> Vec<u64> {
    let mut out = vec![0u64; c.len().div_ceil(64)];
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: safe code whose only requirement is the CPU features
            // just detected (see `BitPlan::run_block`).
            unsafe { avx512::compare_column(op, c, t, &mut out) };
            return out;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above, with AVX2 just detected.
            unsafe { avx2::compare_column(op, c, t, &mut out) };
            return out;
        }
    }
    base::compare_column(op, c, t, &mut out);
    out
}

/// Per-thread buffers, reused from block to block.
struct Scratch {
    /// Every node's verdict words over the block, by plan slot.
    masks: Vec<u64>,
    value: Vec<u64>,
    pool: Vec<Vec<u64>>,
    nums: Vec<Vec<f64>>,
    /// The words of a fused comparison's program (see [`Fused`]).
    slots: Vec<[f64; 64]>,
}

impl Scratch {
    fn new(nodes: usize) -> Scratch {
        Scratch {
            masks: vec![0; nodes * WORDS],
            value: vec![0; WORDS],
            pool: Vec::new(),
            nums: Vec::new(),
            slots: Vec::new(),
        }
    }
}

struct Block<'b, 'a> {
    cols: &'b [&'a [f64]],
    len: usize,
    words: usize,
}

struct Env<'e, 'b, 'a> {
    blk: &'e Block<'b, 'a>,
    done: &'e [u64],
    value: &'e [u64],
}

/// The column slots a verdict tree reads.
fn bit_cols(b: &Bit, out: &mut Vec<u32>) {
    match b {
        Bit::Const(_) | Bit::Value | Bit::Node(_) => {}
        Bit::Cmp(_, x, y) => {
            num_cols(x, out);
            num_cols(y, out);
        }
        Bit::Between(x, lo, hi) => {
            num_cols(x, out);
            num_cols(lo, out);
            num_cols(hi, out);
        }
        Bit::Fused(f) => {
            num_cols(&f.a, out);
            num_cols(&f.b, out);
        }
        Bit::IsNan(x) => num_cols(x, out),
        Bit::Not(x) => bit_cols(x, out),
        Bit::And(x, y) | Bit::Or(x, y) => {
            bit_cols(x, out);
            bit_cols(y, out);
        }
    }
}

fn num_cols(n: &Num, out: &mut Vec<u32>) {
    match n {
        Num::Col(s) => out.push(*s),
        Num::Lit(_) => {}
        Num::Neg(x) | Num::Abs(x) => num_cols(x, out),
        Num::Bin(_, x, y) => {
            num_cols(x, out);
            num_cols(y, out);
        }
    }
}

// ---- typing: the node's stack program as bool / number trees -------------------

fn typed(ops: &[Op], reads: &[u32]) -> Option<Typed> {
    let mut stack: Vec<Typed> = Vec::new();
    let leaf = |a: Operand, stack: &mut Vec<Typed>| -> Option<Typed> {
        Some(match a {
            Operand::Stack => stack.pop()?,
            Operand::Col(s) => Typed::Num(Num::Col(s)),
            Operand::Value => Typed::Bit(Bit::Value),
            Operand::Node(k) => Typed::Bit(Bit::Node(*reads.get(k as usize)?)),
            Operand::Lit(Kind::Bool, x) => Typed::Bit(Bit::Const(x != 0.0)),
            Operand::Lit(Kind::Num, x) => Typed::Num(Num::Lit(x)),
        })
    };
    for op in ops {
        let t = match *op {
            Op::Push(a) => leaf(a, &mut stack)?,
            Op::Unary(u, a) => match (u, leaf(a, &mut stack)?) {
                (UnaryOp::Neg, Typed::Num(n)) => Typed::Num(Num::Neg(Box::new(n))),
                (UnaryOp::Abs, Typed::Num(n)) => Typed::Num(Num::Abs(Box::new(n))),
                (UnaryOp::IsNan, Typed::Num(n)) => Typed::Bit(Bit::IsNan(n)),
                (UnaryOp::Not, Typed::Bit(b)) => Typed::Bit(Bit::Not(Box::new(b))),
                _ => return None,
            },
            Op::Binary(b, x, y) => {
                let ty = leaf(y, &mut stack)?;
                let tx = leaf(x, &mut stack)?;
                use BinaryOp::*;
                match (b, tx, ty) {
                    (Add | Sub | Mul | Div | Min | Max, Typed::Num(p), Typed::Num(q)) => {
                        Typed::Num(Num::Bin(b, Box::new(p), Box::new(q)))
                    }
                    (And, Typed::Num(p), Typed::Num(q)) => {
                        Typed::Num(Num::Bin(Min, Box::new(p), Box::new(q)))
                    }
                    (Or, Typed::Num(p), Typed::Num(q)) => {
                        Typed::Num(Num::Bin(Max, Box::new(p), Box::new(q)))
                    }
                    (Lt | Le | Gt | Ge | Eq | Ne, Typed::Num(p), Typed::Num(q)) => {
                        Typed::Bit(Bit::Cmp(b, p, q))
                    }
                    (And | Min, Typed::Bit(p), Typed::Bit(q)) => {
                        Typed::Bit(Bit::And(Box::new(p), Box::new(q)))
                    }
                    (Or | Max, Typed::Bit(p), Typed::Bit(q)) => {
                        Typed::Bit(Bit::Or(Box::new(p), Box::new(q)))
                    }
                    _ => return None,
                }
            }
            Op::Between => {
                let hi = stack.pop()?;
                let lo = stack.pop()?;
                let x = stack.pop()?;
                match (x, lo, hi) {
                    (Typed::Num(x), Typed::Num(lo), Typed::Num(hi)) => {
                        Typed::Bit(Bit::Between(x, lo, hi))
                    }
                    _ => return None,
                }
            }
            Op::BetweenLit(a, lo, hi) => match leaf(a, &mut stack)? {
                Typed::Num(x) => Typed::Bit(Bit::Between(x, Num::Lit(lo), Num::Lit(hi))),
                Typed::Bit(_) => return None,
            },
        };
        stack.push(t);
    }
    let top = stack.pop()?;
    if !stack.is_empty() {
        return None;
    }
    Some(top)
}

// ---- evaluation over a block ----------------------------------------------------

/// A number over the block: a column, a literal or a computed buffer.
#[derive(Clone, Copy)]
enum Arg<'x> {
    Slice(&'x [f64]),
    Scalar(f64),
}

/// Packs `f` of 64 (or, in the last word, fewer) consecutive rows into a word.
#[inline(always)]
fn pack(n: usize, f: impl Fn(usize) -> bool) -> u64 {
    if n == 64 {
        // A fixed-length loop of shifts: compiled to vector compares and
        // masks, no per-row branch.
        let mut word = 0u64;
        for j in 0..64 {
            word |= u64::from(f(j)) << j;
        }
        word
    } else {
        let mut word = 0u64;
        for j in 0..n {
            word |= u64::from(f(j)) << j;
        }
        word
    }
}

/// The rows of word `w`: (first row, count).
#[inline(always)]
fn rows_of(w: usize, len: usize) -> (usize, usize) {
    let lo = w * 64;
    (lo, (len - lo).min(64))
}

#[inline(always)]
fn word_of(x: &[f64], lo: usize, n: usize) -> &[f64] {
    x.get(lo..lo + n).unwrap_or(&[])
}

/// Comparison predicates, numbered as the x86 `_CMP_*` immediates (ordered,
/// quiet: false on NaN, except `NE`, true on NaN, and `UNORD`, true when an
/// operand is NaN) -- exactly Rust's `==`, `!=`, `<`, `<=`, `>=`, `>` and
/// `is_nan`.
mod pred {
    pub(super) const EQ: i32 = 0x00;
    pub(super) const UNORD: i32 = 0x03;
    pub(super) const NE: i32 = 0x04;
    pub(super) const LT: i32 = 0x11;
    pub(super) const LE: i32 = 0x12;
    pub(super) const GE: i32 = 0x1d;
    pub(super) const GT: i32 = 0x1e;
}

/// `a P b` for one row (the predicate is a constant: folded away).
#[inline(always)]
fn test<const P: i32>(a: f64, b: f64) -> bool {
    match P {
        pred::EQ => a == b,
        pred::UNORD => a.is_nan() || b.is_nan(),
        pred::NE => a != b,
        pred::LT => a < b,
        pred::LE => a <= b,
        pred::GE => a >= b,
        _ => a > b,
    }
}

/// Runs `$body` with `$p` the predicate of comparison `$op` and `$q` the same
/// test with its operands swapped (`a < b` is `b > a`).
macro_rules! with_pred {
    ($op:expr, $p:ident, $q:ident => $body:expr) => {
        match $op {
            BinaryOp::Lt => {
                const $p: i32 = pred::LT;
                const $q: i32 = pred::GT;
                $body
            }
            BinaryOp::Le => {
                const $p: i32 = pred::LE;
                const $q: i32 = pred::GE;
                $body
            }
            BinaryOp::Gt => {
                const $p: i32 = pred::GT;
                const $q: i32 = pred::LT;
                $body
            }
            BinaryOp::Ge => {
                const $p: i32 = pred::GE;
                const $q: i32 = pred::LE;
                $body
            }
            BinaryOp::Eq => {
                const $p: i32 = pred::EQ;
                const $q: i32 = pred::EQ;
                $body
            }
            _ => {
                const $p: i32 = pred::NE;
                const $q: i32 = pred::NE;
                $body
            }
        }
    };
}

/// The 64 rows of word `w` when it is a full word of `x` (`n` rows from `lo`).
#[inline(always)]
fn full(x: &[f64], lo: usize, n: usize) -> Option<&[f64; 64]> {
    if n == 64 {
        x.get(lo..lo + 64)?.first_chunk::<64>()
    } else {
        None
    }
}

/// Compares of 64 rows packed into a word, once per instruction set: the
/// portable shift loop (the compiler vectorises it, but packs the bits
/// slowly), and AVX2 / AVX-512 compares whose masks are the bits directly.
/// All give the bits `test::<P>` gives row by row.
mod lanes_base {
    use super::{pack, test};

    /// Nothing: the portable path leaves fetching to the hardware.
    #[inline(always)]
    pub(super) fn prefetch(_x: &f64) {}

    #[inline(always)]
    pub(super) fn cmp_s<const P: i32>(x: &[f64; 64], t: f64) -> u64 {
        pack(64, |j| test::<P>(x[j], t))
    }

    #[inline(always)]
    pub(super) fn cmp_v<const P: i32>(x: &[f64; 64], y: &[f64; 64]) -> u64 {
        pack(64, |j| test::<P>(x[j], y[j]))
    }

    #[inline(always)]
    pub(super) fn between_s(x: &[f64; 64], l: f64, h: f64) -> u64 {
        pack(64, |j| l <= x[j] && x[j] <= h)
    }

    #[inline(always)]
    pub(super) fn div_split(x: &[f64; 64], d: &[f64; 64], t: f64) -> (u64, u64, u64) {
        super::div_split_arrays(
            x,
            d,
            t,
            between_s,
            cmp_v::<{ super::pred::GT }>,
            cmp_v::<{ super::pred::LT }>,
        )
    }
}

/// Asks for the cache line holding `x` (into L2 and up): a hint with no
/// effect on results (SSE, part of every x86-64), used by the AVX2 and
/// AVX-512 paths.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse")]
#[inline]
fn prefetch_l2(x: &f64) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
    _mm_prefetch::<_MM_HINT_T1>(std::ptr::from_ref(x).cast::<i8>());
}

#[cfg(target_arch = "x86_64")]
mod lanes_avx2 {
    use std::arch::x86_64::*;

    pub(super) use super::prefetch_l2 as prefetch;

    #[target_feature(enable = "avx2")]
    #[inline]
    fn load(x: &[f64; 4]) -> __m256d {
        // SAFETY: `x` is a reference to 4 initialised `f64` (32 readable
        // bytes) and an unaligned load has no alignment requirement.
        unsafe { _mm256_loadu_pd(x.as_ptr()) }
    }

    /// The 4-bit mask of one compare (bit `i` = lane `i`).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn bits(v: __m256d) -> u64 {
        u64::from(_mm256_movemask_pd(v).unsigned_abs())
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn cmp_s<const P: i32>(x: &[f64; 64], t: f64) -> u64 {
        let tv = _mm256_set1_pd(t);
        let mut word = 0;
        for (g, c) in x.as_chunks::<4>().0.iter().enumerate() {
            word |= bits(_mm256_cmp_pd::<P>(load(c), tv)) << (4 * g);
        }
        word
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn cmp_v<const P: i32>(x: &[f64; 64], y: &[f64; 64]) -> u64 {
        let mut word = 0;
        let (x, y) = (x.as_chunks::<4>().0, y.as_chunks::<4>().0);
        for (g, (a, b)) in x.iter().zip(y).enumerate() {
            word |= bits(_mm256_cmp_pd::<P>(load(a), load(b))) << (4 * g);
        }
        word
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn between_s(x: &[f64; 64], l: f64, h: f64) -> u64 {
        let (lv, hv) = (_mm256_set1_pd(l), _mm256_set1_pd(h));
        let mut word = 0;
        for (g, c) in x.as_chunks::<4>().0.iter().enumerate() {
            let v = load(c);
            let m = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_LE_OQ>(lv, v),
                _mm256_cmp_pd::<_CMP_LE_OQ>(v, hv),
            );
            word |= bits(m) << (4 * g);
        }
        word
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn div_split(x: &[f64; 64], d: &[f64; 64], t: f64) -> (u64, u64, u64) {
        super::div_split_arrays(
            x,
            d,
            t,
            |d, l, h| between_s(d, l, h),
            |x, y| cmp_v::<_CMP_GT_OQ>(x, y),
            |x, y| cmp_v::<_CMP_LT_OQ>(x, y),
        )
    }
}

#[cfg(target_arch = "x86_64")]
mod lanes_avx512 {
    use std::arch::x86_64::*;

    pub(super) use super::prefetch_l2 as prefetch;

    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
    #[inline]
    fn load(x: &[f64; 8]) -> __m512d {
        // SAFETY: `x` is a reference to 8 initialised `f64` (64 readable
        // bytes) and an unaligned load has no alignment requirement.
        unsafe { _mm512_loadu_pd(x.as_ptr()) }
    }

    /// The 8-lane masks `m(0)`..`m(7)` as one word (mask `g` = bits
    /// `8g..8g + 8`), joined in mask registers.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
    #[inline]
    fn join(m: impl Fn(usize) -> u8) -> u64 {
        let m = |g| u16::from(m(g));
        let w0 = _mm512_kunpackb(m(1), m(0));
        let w1 = _mm512_kunpackb(m(3), m(2));
        let w2 = _mm512_kunpackb(m(5), m(4));
        let w3 = _mm512_kunpackb(m(7), m(6));
        let d0 = _mm512_kunpackw(u32::from(w1), u32::from(w0));
        let d1 = _mm512_kunpackw(u32::from(w3), u32::from(w2));
        _mm512_kunpackd(u64::from(d1), u64::from(d0))
    }

    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
    #[inline]
    pub(super) fn cmp_s<const P: i32>(x: &[f64; 64], t: f64) -> u64 {
        let tv = _mm512_set1_pd(t);
        let c = x.as_chunks::<8>().0;
        join(|g| _mm512_cmp_pd_mask::<P>(load(&c[g]), tv))
    }

    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
    #[inline]
    pub(super) fn cmp_v<const P: i32>(x: &[f64; 64], y: &[f64; 64]) -> u64 {
        let (x, y) = (x.as_chunks::<8>().0, y.as_chunks::<8>().0);
        join(|g| _mm512_cmp_pd_mask::<P>(load(&x[g]), load(&y[g])))
    }

    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
    #[inline]
    pub(super) fn between_s(x: &[f64; 64], l: f64, h: f64) -> u64 {
        let (lv, hv) = (_mm512_set1_pd(l), _mm512_set1_pd(h));
        let c = x.as_chunks::<8>().0;
        join(|g| {
            let v = load(&c[g]);
            _mm512_cmp_pd_mask::<_CMP_LE_OQ>(lv, v) & _mm512_cmp_pd_mask::<_CMP_LE_OQ>(v, hv)
        })
    }

    /// `div_split_arrays` in registers: the same products, margins, sums
    /// and compares, 8 rows at a time (no fused multiply-add).
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
    #[inline]
    pub(super) fn div_split(x: &[f64; 64], d: &[f64; 64], t: f64) -> (u64, u64, u64) {
        let (tv, mv) = (_mm512_set1_pd(t), _mm512_set1_pd(super::DIV_MARGIN));
        let (lov, hiv) = (_mm512_set1_pd(super::DIV_LO), _mm512_set1_pd(super::DIV_HI));
        let (x, d) = (x.as_chunks::<8>().0, d.as_chunks::<8>().0);
        let (mut ok, mut above, mut below) = ([0u8; 8], [0u8; 8], [0u8; 8]);
        for g in 0..8 {
            let (xv, dv) = (load(&x[g]), load(&d[g]));
            let p = _mm512_mul_pd(tv, dv);
            let s = _mm512_mul_pd(_mm512_abs_pd(p), mv);
            ok[g] = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(lov, dv)
                & _mm512_cmp_pd_mask::<_CMP_LE_OQ>(dv, hiv);
            above[g] = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(xv, _mm512_add_pd(p, s));
            below[g] = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(xv, _mm512_sub_pd(p, s));
        }
        (join(|g| ok[g]), join(|g| above[g]), join(|g| below[g]))
    }
}

#[inline(always)]
fn low_bits(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// Where a number's values are: a column or literal directly, or a buffer of
/// `bufs` it was computed into.
#[derive(Clone, Copy)]
enum Src<'x> {
    Arg(Arg<'x>),
    Buf(usize),
}

fn resolve<'x>(s: Src<'x>, bufs: &'x [Vec<f64>]) -> Arg<'x> {
    match s {
        Src::Arg(a) => a,
        Src::Buf(k) => Arg::Slice(bufs.get(k).map_or(&[][..], |b| b.as_slice())),
    }
}

#[inline(always)]
fn at(a: Arg<'_>, i: usize) -> f64 {
    match a {
        Arg::Slice(x) => x.get(i).copied().unwrap_or(f64::NAN),
        Arg::Scalar(x) => x,
    }
}

macro_rules! with_arith {
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
            BinaryOp::Min | BinaryOp::And => {
                let $f = nan_min;
                $body
            }
            _ => {
                let $f = nan_max;
                $body
            }
        }
    };
}

/// The value of `n` on row `r` of the block, as the row evaluator computes it.
fn num_at(n: &Num, cols: &[&[f64]], r: usize) -> f64 {
    match n {
        Num::Col(s) => cols
            .get(*s as usize)
            .and_then(|c| c.get(r))
            .copied()
            .unwrap_or(f64::NAN),
        Num::Lit(x) => *x,
        Num::Neg(x) => -num_at(x, cols, r),
        Num::Abs(x) => num_at(x, cols, r).abs(),
        Num::Bin(op, x, y) => {
            let (a, b) = (num_at(x, cols, r), num_at(y, cols, r));
            with_arith!(op, f => f(a, b))
        }
    }
}

/// The maximal runs of consecutive words with `care` non-zero, as row
/// ranges, so numeric loops run long spans rather than 64 rows at a time.
#[inline(always)]
fn for_runs(care: &[u64], len: usize, mut f: impl FnMut(usize, usize)) {
    let mut w = 0;
    while w < care.len() {
        if care[w] == 0 {
            w += 1;
            continue;
        }
        let w0 = w;
        while w < care.len() && care[w] != 0 {
            w += 1;
        }
        let (lo, hi) = (w0 * 64, (w * 64).min(len));
        if lo < hi {
            f(lo, hi);
        }
    }
}

#[inline(always)]
fn span(x: &[f64], lo: usize, hi: usize) -> &[f64] {
    x.get(lo..hi).unwrap_or(&[])
}

#[inline(always)]
fn map_words(a: Arg<'_>, len: usize, care: &[u64], out: &mut [f64], f: impl Fn(f64) -> f64) {
    for_runs(care, len, |lo, hi| {
        let Some(o) = out.get_mut(lo..hi) else {
            return;
        };
        match a {
            Arg::Slice(x) => {
                for (o, &p) in o.iter_mut().zip(span(x, lo, hi)) {
                    *o = f(p);
                }
            }
            Arg::Scalar(p) => o.fill(f(p)),
        }
    });
}

#[inline(always)]
fn zip_words(
    a: Arg<'_>,
    b: Arg<'_>,
    len: usize,
    care: &[u64],
    out: &mut [f64],
    f: impl Fn(f64, f64) -> f64,
) {
    for_runs(care, len, |lo, hi| {
        let Some(o) = out.get_mut(lo..hi) else {
            return;
        };
        match (a, b) {
            (Arg::Slice(x), Arg::Slice(y)) => {
                for ((o, &p), &q) in o.iter_mut().zip(span(x, lo, hi)).zip(span(y, lo, hi)) {
                    *o = f(p, q);
                }
            }
            (Arg::Slice(x), Arg::Scalar(q)) => {
                for (o, &p) in o.iter_mut().zip(span(x, lo, hi)) {
                    *o = f(p, q);
                }
            }
            (Arg::Scalar(p), Arg::Slice(y)) => {
                for (o, &q) in o.iter_mut().zip(span(y, lo, hi)) {
                    *o = f(p, q);
                }
            }
            (Arg::Scalar(p), Arg::Scalar(q)) => o.fill(f(p, q)),
        }
    });
}

/// The masks of [`DivCmp`] for 64 rows: `d` within the bounds, `x > hi`
/// and `x < lo`, with `hi` and `lo` the bounds of `t * d` (computed here
/// in arrays; AVX-512 computes them in registers, with the same operations).
#[inline(always)]
fn div_split_arrays(
    x: &[f64; 64],
    d: &[f64; 64],
    t: f64,
    between: impl Fn(&[f64; 64], f64, f64) -> u64,
    gt: impl Fn(&[f64; 64], &[f64; 64]) -> u64,
    lt: impl Fn(&[f64; 64], &[f64; 64]) -> u64,
) -> (u64, u64, u64) {
    let (mut hi, mut lo) = ([0.0; 64], [0.0; 64]);
    for j in 0..64 {
        let p = t * d[j];
        let s = p.abs() * DIV_MARGIN;
        hi[j] = p + s;
        lo[j] = p - s;
    }
    (between(d, DIV_LO, DIV_HI), gt(x, &hi), lt(x, &lo))
}

/// A fused operand over one full word: 64 values or one for every row.
#[derive(Clone, Copy)]
enum WArg<'x> {
    V(&'x [f64; 64]),
    S(f64),
}

/// Operand `s` over the full word of rows `lo..lo + 64` (a column's rows, a
/// literal or a computed slot).
#[inline(always)]
fn word_arg<'x>(s: WSrc, cols: &[&'x [f64]], lo: usize, slots: &'x [[f64; 64]]) -> WArg<'x> {
    let found = match s {
        WSrc::Lit(x) => return WArg::S(x),
        WSrc::Col(c) => cols.get(c as usize).and_then(|c| full(c, lo, 64)),
        WSrc::Slot(k) => slots.get(usize::from(k)),
    };
    // Out of range only in a malformed plan: NaN, as `at` reads.
    found.map_or(WArg::S(f64::NAN), WArg::V)
}

/// Operand `s` as 64 values, written into `buf` when it is one for all rows.
#[inline(always)]
fn word_in<'x>(
    s: WSrc,
    cols: &[&'x [f64]],
    lo: usize,
    slots: &'x [[f64; 64]],
    buf: &'x mut [f64; 64],
) -> &'x [f64; 64] {
    match word_arg(s, cols, lo, slots) {
        WArg::V(v) => v,
        WArg::S(x) => {
            buf.fill(x);
            buf
        }
    }
}

#[inline(always)]
fn unary_word(a: WArg<'_>, out: &mut [f64; 64], f: impl Fn(f64) -> f64) {
    match a {
        WArg::V(x) => {
            for j in 0..64 {
                out[j] = f(x[j]);
            }
        }
        WArg::S(x) => out.fill(f(x)),
    }
}

#[inline(always)]
fn binary_word(a: WArg<'_>, b: WArg<'_>, out: &mut [f64; 64], f: impl Fn(f64, f64) -> f64) {
    match (a, b) {
        (WArg::V(x), WArg::V(y)) => {
            for j in 0..64 {
                out[j] = f(x[j], y[j]);
            }
        }
        (WArg::V(x), WArg::S(y)) => {
            for j in 0..64 {
                out[j] = f(x[j], y);
            }
        }
        (WArg::S(x), WArg::V(y)) => {
            for j in 0..64 {
                out[j] = f(x, y[j]);
            }
        }
        (WArg::S(x), WArg::S(y)) => out.fill(f(x, y)),
    }
}

// ---- the evaluators, compiled twice: baseline and AVX2 ------------------------

/// The block evaluators, once per instruction set: `#[target_feature]` does
/// not reach into recursive calls, so the recursive evaluators are all
/// compiled with it.
macro_rules! evaluators {
    ($lanes:ident, $(#[$attr:meta])*) => {
    /// The words of `c[r] op t` (see [`super::compare_column`]); `out` holds
    /// `c.len().div_ceil(64)` words.
    $(#[$attr])*
    pub(super) fn compare_column(op: BinaryOp, c: &[f64], t: f64, out: &mut [u64]) {
        for (w, o) in out.iter_mut().enumerate() {
            let lo = w * 64;
            let x = c.get(lo..).unwrap_or(&[]);
            let n = x.len().min(64);
            *o = with_pred!(op, P, Q => {
                let _ = Q;
                match full(c, lo, n) {
                    Some(x) => $lanes::cmp_s::<P>(x, t),
                    None => pack(n, |j| test::<P>(x[j], t)),
                }
            });
        }
    }

    $(#[$attr])*
    pub(super) fn run_block(
        plan: &BitPlan,
        cols: &[&[f64]],
        start: usize,
        end: usize,
        scratch: &mut Scratch,
        out: &mut [u64],
    ) -> bool {
        let len = end - start;
        let words = len.div_ceil(64);
        let block: Vec<&[f64]> = cols
            .iter()
            .map(|c| c.get(start..end).unwrap_or(&[]))
            .collect();
        // Missing values (NaN) in the columns the plan reads: a branch-free
        // pass that also brings the block's columns into cache.
        let mut nan = false;
        for &s in &plan.used {
            if let Some(c) = block.get(s as usize) {
                nan |= c.iter().fold(false, |a, &x| a | x.is_nan());
            }
        }
        let blk = Block {
            cols: &block,
            len,
            words,
        };
        let care = [u64::MAX; WORDS];
        let care = &care[..words];
        let Scratch {
            masks,
            value,
            pool,
            nums,
            slots,
        } = scratch;
        // The rows this task evaluates next (the following block), fetched
        // into cache a share per node while this block computes, so the
        // next block's first pass does not wait on memory.
        let ahead: Vec<&[f64]> = plan
            .used
            .iter()
            .filter_map(|&s| cols.get(s as usize))
            .map(|c| c.get(end.min(c.len())..(end + BLOCK).min(c.len())).unwrap_or(&[]))
            .collect();
        const LINE: usize = 8; // f64 per 64-byte cache line
        let per_col = BLOCK / LINE;
        let lines = ahead.len() * per_col;
        let n_steps = plan.steps.len().max(1);
        for (k, step) in plan.steps.iter().enumerate() {
            for i in lines * k / n_steps..lines * (k + 1) / n_steps {
                if let Some(x) = ahead.get(i / per_col).and_then(|c| c.get(i % per_col * LINE)) {
                    $lanes::prefetch(x);
                }
            }
            let (done, rest) = masks.split_at_mut(k * WORDS);
            let target = &mut rest[..words];
            if step.reads_value {
                let v = &mut value[..words];
                v.fill(0);
                for &p in &step.parents {
                    let pm = &done[p as usize * WORDS..][..words];
                    for (a, &b) in v.iter_mut().zip(pm) {
                        *a |= b;
                    }
                }
            }
            let env = Env {
                blk: &blk,
                done,
                value: &value[..words],
            };
            eval_bit(&step.expr, &env, care, target, pool, nums, slots);
        }
        let out = &mut out[..words];
        out.fill(0);
        for &s in &plan.sinks {
            let m = &masks[s as usize * WORDS..][..words];
            for (o, &x) in out.iter_mut().zip(m) {
                *o |= x;
            }
        }
        if len % 64 != 0 {
            if let Some(last) = out.last_mut() {
                *last &= (1u64 << (len % 64)) - 1;
            }
        }
        nan
    }

/// `out[w]` = the word of `a P b` for every word with `care[w] != 0`; `Q`
/// is `P` with its operands swapped.
$(#[$attr])*
#[inline]
fn cmp_words<const P: i32, const Q: i32>(
    a: Arg<'_>,
    b: Arg<'_>,
    len: usize,
    care: &[u64],
    out: &mut [u64],
) {
    for (w, (o, &c)) in out.iter_mut().zip(care).enumerate() {
        if c == 0 {
            continue;
        }
        let (lo, n) = rows_of(w, len);
        *o = match (a, b) {
            (Arg::Slice(x), Arg::Scalar(t)) => match full(x, lo, n) {
                Some(x) => $lanes::cmp_s::<P>(x, t),
                None => {
                    let x = word_of(x, lo, n);
                    pack(x.len(), |j| test::<P>(x[j], t))
                }
            },
            (Arg::Scalar(s), Arg::Slice(y)) => match full(y, lo, n) {
                Some(y) => $lanes::cmp_s::<Q>(y, s),
                None => {
                    let y = word_of(y, lo, n);
                    pack(y.len(), |j| test::<P>(s, y[j]))
                }
            },
            (Arg::Slice(x), Arg::Slice(y)) => match (full(x, lo, n), full(y, lo, n)) {
                (Some(x), Some(y)) => $lanes::cmp_v::<P>(x, y),
                _ => {
                    let x = word_of(x, lo, n);
                    let y = word_of(y, lo, n);
                    let m = x.len().min(y.len());
                    pack(m, |j| test::<P>(x[j], y[j]))
                }
            },
            (Arg::Scalar(s), Arg::Scalar(t)) => {
                if test::<P>(s, t) {
                    low_bits(n)
                } else {
                    0
                }
            }
        };
    }
}

/// `out[w]` = the word of the fused comparison `f` (predicate `P`, `Q`
/// with operands swapped) for every word with `care[w] != 0`.
$(#[$attr])*
fn fused_words<const P: i32, const Q: i32>(
    f: &Fused,
    env: &Env<'_, '_, '_>,
    care: &[u64],
    out: &mut [u64],
    slots: &mut [[f64; 64]],
) {
    let len = env.blk.len;
    let cols = env.blk.cols;
    for (w, (o, &c)) in out.iter_mut().zip(care).enumerate() {
        if c == 0 {
            continue;
        }
        let (lo, n) = rows_of(w, len);
        if n < 64 {
            // The last, partial word: row by row.
            *o = pack(n, |j| test::<P>(num_at(&f.a, cols, lo + j), num_at(&f.b, cols, lo + j)));
            continue;
        }
        let (slots, spare) = slots.split_at_mut(f.prog.len().min(slots.len()));
        run_prog(&f.prog, cols, lo, slots);
        let slots = &*slots;
        *o = match (f.div, spare) {
            (Some(dc), [x, d, ..]) => {
                let x = word_in(dc.x, cols, lo, slots, x);
                let d = word_in(dc.d, cols, lo, slots, d);
                if dc.swapped {
                    div_cmp::<Q>(x, d, dc.t)
                } else {
                    div_cmp::<P>(x, d, dc.t)
                }
            }
            (Some(_), _) => pack(64, |j| {
                test::<P>(num_at(&f.a, cols, lo + j), num_at(&f.b, cols, lo + j))
            }),
            (None, _) => match (word_arg(f.sa, cols, lo, slots), word_arg(f.sb, cols, lo, slots)) {
                (WArg::V(x), WArg::V(y)) => $lanes::cmp_v::<P>(x, y),
                (WArg::V(x), WArg::S(t)) => $lanes::cmp_s::<P>(x, t),
                (WArg::S(s), WArg::V(y)) => $lanes::cmp_s::<Q>(y, s),
                (WArg::S(s), WArg::S(t)) => {
                    if test::<P>(s, t) {
                        u64::MAX
                    } else {
                        0
                    }
                }
            },
        };
    }
}

/// `fl(x / d) P t` for 64 rows, dividing only when some row is not decided
/// by the bounds of [`DivCmp`].
$(#[$attr])*
#[inline]
fn div_cmp<const P: i32>(x: &[f64; 64], d: &[f64; 64], t: f64) -> u64 {
    let (ok, above, below) = $lanes::div_split(x, d, t);
    if ok & (above | below) == u64::MAX {
        // Every row's quotient rounds to above `t` (`above`) or below it.
        match P {
            pred::GT | pred::GE => above,
            pred::LT | pred::LE => below,
            pred::NE => u64::MAX,
            _ => 0,
        }
    } else {
        let mut q = [0.0; 64];
        for j in 0..64 {
            q[j] = x[j] / d[j];
        }
        $lanes::cmp_s::<P>(&q, t)
    }
}

/// Runs a fused program on the full word of rows `lo..lo + 64`: slot `k`
/// receives instruction `k`'s word.
$(#[$attr])*
fn run_prog(prog: &[WInst], cols: &[&[f64]], lo: usize, slots: &mut [[f64; 64]]) {
    for (k, inst) in prog.iter().enumerate() {
        let (done, rest) = slots.split_at_mut(k);
        let Some(o) = rest.first_mut() else {
            return;
        };
        match *inst {
            WInst::Neg(a) => unary_word(word_arg(a, cols, lo, done), o, |x| -x),
            WInst::Abs(a) => unary_word(word_arg(a, cols, lo, done), o, f64::abs),
            WInst::Bin(op, a, b) => {
                let (a, b) = (word_arg(a, cols, lo, done), word_arg(b, cols, lo, done));
                with_arith!(op, f => binary_word(a, b, o, f));
            }
        }
    }
}

/// Evaluates `b` into `out` on every word whose `care` is non-zero (other
/// words are left as they are: nothing reads them).
$(#[$attr])*
fn eval_bit(
    b: &Bit,
    env: &Env<'_, '_, '_>,
    care: &[u64],
    out: &mut [u64],
    pool: &mut Vec<Vec<u64>>,
    nums: &mut Vec<Vec<f64>>,
    slots: &mut Vec<[f64; 64]>,
) {
    let len = env.blk.len;
    let words = env.blk.words;
    match b {
        Bit::Const(v) => {
            for (w, o) in out.iter_mut().enumerate().take(words) {
                *o = if *v { low_bits(rows_of(w, len).1) } else { 0 };
            }
        }
        Bit::Value => out.copy_from_slice(&env.value[..words]),
        Bit::Node(slot) => out.copy_from_slice(&env.done[*slot as usize * WORDS..][..words]),
        Bit::Cmp(op, x, y) => {
            let mut bufs = Vec::new();
            let a = num_arg(x, env, care, nums, &mut bufs);
            let b = num_arg(y, env, care, nums, &mut bufs);
            let (a, b) = (resolve(a, &bufs), resolve(b, &bufs));
            with_pred!(op, P, Q => cmp_words::<P, Q>(a, b, len, care, out));
            nums.extend(bufs);
        }
        Bit::Between(x, lo, hi) => {
            let mut bufs = Vec::new();
            let xa = num_arg(x, env, care, nums, &mut bufs);
            let la = num_arg(lo, env, care, nums, &mut bufs);
            let ha = num_arg(hi, env, care, nums, &mut bufs);
            let (xa, la, ha) = (
                resolve(xa, &bufs),
                resolve(la, &bufs),
                resolve(ha, &bufs),
            );
            match (xa, la, ha) {
                (Arg::Slice(x), Arg::Scalar(l), Arg::Scalar(h)) => {
                    for (w, (o, &c)) in out.iter_mut().zip(care).enumerate() {
                        if c != 0 {
                            let (r0, n) = rows_of(w, len);
                            *o = match full(x, r0, n) {
                                Some(x) => $lanes::between_s(x, l, h),
                                None => {
                                    let x = word_of(x, r0, n);
                                    pack(x.len(), |j| l <= x[j] && x[j] <= h)
                                }
                            };
                        }
                    }
                }
                _ => {
                    for (w, (o, &c)) in out.iter_mut().zip(care).enumerate() {
                        if c != 0 {
                            let (r0, n) = rows_of(w, len);
                            *o = pack(n, |j| {
                                let (x, l, h) = (at(xa, r0 + j), at(la, r0 + j), at(ha, r0 + j));
                                l <= x && x <= h
                            });
                        }
                    }
                }
            }
            nums.extend(bufs);
        }
        Bit::Fused(f) => {
            // The program's words, then two for literal operands of a quotient.
            if slots.len() < f.prog.len() + 2 {
                slots.resize(f.prog.len() + 2, [0.0; 64]);
            }
            with_pred!(f.op, P, Q => fused_words::<P, Q>(f, env, care, out, slots));
        }
        Bit::IsNan(x) => {
            let mut bufs = Vec::new();
            let a = num_arg(x, env, care, nums, &mut bufs);
            let a = resolve(a, &bufs);
            cmp_words::<{ pred::UNORD }, { pred::UNORD }>(a, Arg::Scalar(0.0), len, care, out);
            nums.extend(bufs);
        }
        Bit::Not(x) => {
            eval_bit(x, env, care, out, pool, nums, slots);
            for o in out.iter_mut() {
                *o = !*o;
            }
        }
        Bit::And(x, y) => {
            eval_bit(x, env, care, out, pool, nums, slots);
            // Words where the first operand is false everywhere are decided.
            let mut first = pool.pop().unwrap_or_default();
            first.clear();
            first.extend(out.iter().zip(care).map(|(&o, &c)| if c == 0 { 0 } else { o }));
            eval_bit(y, env, &first, out, pool, nums, slots);
            for (o, &f) in out.iter_mut().zip(&first) {
                *o &= f;
            }
            pool.push(first);
        }
        Bit::Or(x, y) => {
            eval_bit(x, env, care, out, pool, nums, slots);
            let mut first = pool.pop().unwrap_or_default();
            first.clear();
            first.extend_from_slice(out);
            // Words where the first operand is true on every row are decided.
            let mut rest = pool.pop().unwrap_or_default();
            rest.clear();
            rest.extend(
                out.iter()
                    .zip(care)
                    .enumerate()
                    .map(|(w, (&o, &c))| u64::from(c != 0 && o != low_bits(rows_of(w, len).1))),
            );
            eval_bit(y, env, &rest, out, pool, nums, slots);
            for ((o, &f), &r) in out.iter_mut().zip(&first).zip(&rest) {
                *o = if r == 0 { f } else { *o | f };
            }
            pool.push(first);
            pool.push(rest);
        }
    }
}

$(#[$attr])*
fn num_arg<'x>(
    n: &Num,
    env: &Env<'_, '_, 'x>,
    care: &[u64],
    nums: &mut Vec<Vec<f64>>,
    bufs: &mut Vec<Vec<f64>>,
) -> Src<'x> {
    match n {
        Num::Col(s) => Src::Arg(Arg::Slice(
            env.blk.cols.get(*s as usize).copied().unwrap_or(&[]),
        )),
        Num::Lit(x) => Src::Arg(Arg::Scalar(*x)),
        _ => {
            let mut buf = nums.pop().unwrap_or_default();
            buf.resize(BLOCK, 0.0);
            eval_num(n, env, care, &mut buf, nums);
            bufs.push(buf);
            Src::Buf(bufs.len() - 1)
        }
    }
}


/// Computes `n` into `out` on the rows of every word with `care` non-zero.
$(#[$attr])*
fn eval_num(
    n: &Num,
    env: &Env<'_, '_, '_>,
    care: &[u64],
    out: &mut [f64],
    nums: &mut Vec<Vec<f64>>,
) {
    let len = env.blk.len;
    match n {
        Num::Col(s) => {
            let x = env.blk.cols.get(*s as usize).copied().unwrap_or(&[]);
            let m = x.len().min(len);
            out[..m].copy_from_slice(&x[..m]);
        }
        Num::Lit(x) => out[..len].fill(*x),
        Num::Neg(a) | Num::Abs(a) => {
            let mut bufs = Vec::new();
            let s = num_arg(a, env, care, nums, &mut bufs);
            let a = resolve(s, &bufs);
            let neg = matches!(n, Num::Neg(_));
            let f = |x: f64| if neg { -x } else { x.abs() };
            map_words(a, len, care, out, f);
            nums.extend(bufs);
        }
        Num::Bin(op, x, y) => {
            let mut bufs = Vec::new();
            let sa = num_arg(x, env, care, nums, &mut bufs);
            let sb = num_arg(y, env, care, nums, &mut bufs);
            let (a, b) = (resolve(sa, &bufs), resolve(sb, &bufs));
            with_arith!(op, f => zip_words(a, b, len, care, out, f));
            nums.extend(bufs);
        }
    }
}


    };
}

mod base {
    use super::*;
    evaluators!(lanes_base,);
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;
    evaluators!(lanes_avx2, #[target_feature(enable = "avx2")]);
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::*;
    evaluators!(lanes_avx512, #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Expr;
    use crate::graph::{Causaloid, NodeId};
    use std::sync::Arc;

    fn c(name: &str) -> Expr {
        Expr::col(name)
    }

    fn l(x: f64) -> Expr {
        Expr::lit(x)
    }

    /// Every comparison form the kernels pack (column against literal,
    /// literal against column, column against column, computed numbers),
    /// ranges, NaN tests, and / or / not and the incoming value.
    fn every_form() -> CausalGraph {
        use BinaryOp::*;
        let cmps = [Lt, Le, Gt, Ge, Eq, Ne];
        let mut exprs = Vec::new();
        for op in cmps {
            exprs.push(c("a").binary(op, l(0.25)));
            exprs.push(l(-0.5).binary(op, c("b")));
            exprs.push(c("a").binary(op, c("b")));
            exprs.push(
                c("a")
                    .binary(Div, c("b"))
                    .binary(op, c("c").unary(UnaryOp::Abs)),
            );
        }
        exprs.push(c("a").between(l(-0.5), l(0.5)));
        exprs.push(c("b").between(c("a"), c("c")));
        exprs.push(c("a").binary(Sub, c("b")).unary(UnaryOp::IsNan));
        exprs.push(c("c").unary(UnaryOp::IsNan));
        let roots = exprs.len();
        exprs.push(Expr::Value.binary(And, c("a").binary(Mul, l(2.0)).binary(Gt, c("b"))));
        exprs.push(Expr::Value.binary(Or, c("c").binary(Lt, l(0.0))));
        exprs.push(Expr::Value.unary(UnaryOp::Not));
        let mut g = CausalGraph::new("g", "every form");
        for (i, e) in exprs.into_iter().enumerate() {
            let node = Causaloid::from_expr(i as i64, format!("n{i}"), e).expect("valid");
            g.add(Member::Causaloid(Arc::new(node))).expect("add");
        }
        for (child, parents) in [(roots, 0..roots / 2), (roots + 1, roots / 2..roots)] {
            for p in parents {
                g.link(&NodeId::Int(p as i64), &NodeId::Int(child as i64))
                    .expect("link");
            }
        }
        g.link(&NodeId::Int(roots as i64), &NodeId::Int(roots as i64 + 2))
            .expect("link");
        g.freeze().expect("freeze");
        g
    }

    /// Cells with every special value the comparisons treat apart.
    fn cell(i: usize, j: usize) -> f64 {
        let h = ((i as u64) << 8 | j as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let h = h ^ (h >> 29);
        match h % 23 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => 0.0,
            4 => -0.0,
            5 => 0.25,
            6 => -0.5,
            7 => f64::MIN_POSITIVE / 4.0,
            _ => (h >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0,
        }
    }

    /// Every instruction set's block over `cols`, checked against `want`
    /// (the rows' verdicts as the row evaluator gives them).
    fn check_blocks(g: &CausalGraph, cols: &[Vec<f64>]) {
        let plan = BitPlan::new(g).expect("a verdict-only graph");
        let member = Member::Graph(Arc::new(g.clone()));
        let cols: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let len = cols.first().map_or(0, |c| c.len());
        for start in (0..len).step_by(BLOCK) {
            let end = (start + BLOCK).min(len);
            // Rows with a NaN input are missing values, which the row
            // evaluator refuses and the batch decides by its policy: there
            // the instruction sets must only agree with each other.
            let (mut want, mut known) = (vec![0; WORDS], vec![0; WORDS]);
            for r in start..end {
                let row: Vec<f64> = cols.iter().map(|c| c[r]).collect();
                let e = member.evaluate(&crate::graph::Input {
                    value: None,
                    row: &row,
                    host: None,
                });
                if let Ok(v) = e.result() {
                    let k = r - start;
                    want[k / 64] |= u64::from(v.num() != 0.0) << (k % 64);
                    known[k / 64] |= 1 << (k % 64);
                }
            }
            let mut scratch = Scratch::new(plan.steps.len());
            let mut portable = vec![0; WORDS];
            base::run_block(&plan, &cols, start, end, &mut scratch, &mut portable);
            let masked: Vec<u64> = portable.iter().zip(&known).map(|(a, k)| a & k).collect();
            assert_eq!(masked, want, "portable, rows {start}..{end}");
            let want = portable;
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut got = vec![0; WORDS];
                    // SAFETY: AVX2 was just detected.
                    unsafe { avx2::run_block(&plan, &cols, start, end, &mut scratch, &mut got) };
                    assert_eq!(got, want, "AVX2, rows {start}..{end}");
                }
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                {
                    let mut got = vec![0; WORDS];
                    // SAFETY: the AVX-512 features were just detected.
                    unsafe { avx512::run_block(&plan, &cols, start, end, &mut scratch, &mut got) };
                    assert_eq!(got, want, "AVX-512, rows {start}..{end}");
                }
            }
        }
    }

    #[test]
    fn a_column_compared_with_a_literal_gives_rusts_compares_on_every_path() {
        use BinaryOp::*;
        let specials = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            5e-324,
            -5e-324,
            f64::MAX,
        ];
        // 64 * 3 + 5 rows: full words and a partial last one.
        let c: Vec<f64> = (0..197)
            .map(|i| specials[(i * 7) % specials.len()])
            .collect();
        for t in [0.0, -0.0, 0.5, f64::INFINITY, 5e-324, f64::NAN] {
            for op in [Lt, Le, Gt, Ge, Eq, Ne] {
                let want: Vec<bool> = c
                    .iter()
                    .map(|&x| match op {
                        Lt => x < t,
                        Le => x <= t,
                        Gt => x > t,
                        Ge => x >= t,
                        Eq => x == t,
                        _ => x != t,
                    })
                    .collect();
                let unpack = |words: &[u64]| -> Vec<bool> {
                    (0..c.len())
                        .map(|r| words[r / 64] >> (r % 64) & 1 == 1)
                        .collect()
                };
                let mut base = vec![0u64; c.len().div_ceil(64)];
                base::compare_column(op, &c, t, &mut base);
                assert_eq!(unpack(&base), want, "{op:?} {t}");
                assert_eq!(base.last().map(|w| w >> 5), Some(0), "no bit past the end");
                assert_eq!(compare_column(op, &c, t), base, "{op:?} {t}");
                #[cfg(target_arch = "x86_64")]
                {
                    if std::arch::is_x86_feature_detected!("avx2") {
                        let mut v = vec![0u64; base.len()];
                        // SAFETY: AVX2 was just detected.
                        unsafe { avx2::compare_column(op, &c, t, &mut v) };
                        assert_eq!(v, base, "AVX2 {op:?} {t}");
                    }
                    if std::arch::is_x86_feature_detected!("avx512f")
                        && std::arch::is_x86_feature_detected!("avx512dq")
                        && std::arch::is_x86_feature_detected!("avx512bw")
                        && std::arch::is_x86_feature_detected!("avx512vl")
                    {
                        let mut v = vec![0u64; base.len()];
                        // SAFETY: the AVX-512 features were just detected.
                        unsafe { avx512::compare_column(op, &c, t, &mut v) };
                        assert_eq!(v, base, "AVX-512 {op:?} {t}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_division_bounds_are_the_powers_of_two_they_name() {
        assert_eq!(DIV_LO, 2f64.powi(-400));
        assert_eq!(DIV_HI, 2f64.powi(400));
        assert_eq!(DIV_MARGIN, 2f64.powi(-50));
    }

    #[test]
    fn quotients_compared_with_literals_match_the_row_evaluator_at_every_edge() {
        use BinaryOp::*;
        // Literals inside the bounds (both signs, a power of two, tiny and
        // huge ones), just outside them, and zero (always divided).
        let ts = [
            0.25,
            -0.5,
            1.0,
            -3.7,
            1e-3,
            0.1,
            DIV_LO,
            -DIV_HI,
            DIV_LO / 2.0,
            DIV_HI * 2.0,
            0.0,
        ];
        let mut exprs = Vec::new();
        for &t in &ts {
            for op in [Lt, Le, Gt, Ge, Eq, Ne] {
                exprs.push(c("x").binary(Div, c("d")).binary(op, l(t)));
                exprs.push(l(t).binary(op, c("x").binary(Div, c("d"))));
                exprs.push(
                    c("x")
                        .binary(Div, c("d").unary(UnaryOp::Abs).binary(Add, l(1.0)))
                        .binary(op, l(t)),
                );
            }
        }
        let mut g = CausalGraph::new("g", "quotients");
        for (i, e) in exprs.into_iter().enumerate() {
            let node = Causaloid::from_expr(i as i64, format!("n{i}"), e).expect("valid");
            g.add(Member::Causaloid(Arc::new(node))).expect("add");
        }
        g.freeze().expect("freeze");
        // Divisors of every kind; numerators at t * d and a few ulps around
        // it (quotients that round onto t or next to it), and special values.
        let divisors = [
            1.0,
            3.0,
            0.1,
            -0.7,
            7.5e-3,
            1e100,
            1e-100,
            1e300,
            1e-300,
            f64::MIN_POSITIVE / 8.0,
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            DIV_LO,
            DIV_HI,
        ];
        let up = |x: f64, k: i64| {
            if x.is_finite() && x != 0.0 {
                f64::from_bits((x.to_bits() as i64 + k) as u64)
            } else {
                x
            }
        };
        let (mut xs, mut ds) = (Vec::new(), Vec::new());
        for &t in &ts {
            for &d in &divisors {
                for base in [t * d, t * (d.abs() + 1.0)] {
                    for k in -3..=3 {
                        xs.push(up(base, k));
                        ds.push(d);
                    }
                }
                for x in [
                    0.0,
                    -0.0,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NAN,
                    t,
                    f64::MIN_POSITIVE / 4.0,
                    -f64::MAX,
                ] {
                    xs.push(x);
                    ds.push(d);
                }
            }
        }
        // Put the special rows among plain ones in several word positions.
        let mut k = 0u64;
        while xs.len() % 64 != 17 || xs.len() < 3 * BLOCK {
            k = k
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            xs.push((k >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0);
            ds.push(((k >> 20) % 1000) as f64 / 100.0 + 0.01);
        }
        let names = g.columns().to_vec();
        let cols: Vec<Vec<f64>> = names
            .iter()
            .map(|n| {
                if n.as_str() == "x" {
                    xs.clone()
                } else {
                    ds.clone()
                }
            })
            .collect();
        check_blocks(&g, &cols);
    }

    #[test]
    fn fused_arithmetic_matches_the_row_evaluator_on_special_values() {
        use BinaryOp::*;
        let g = every_form();
        let len = 2 * BLOCK + 77;
        let cols: Vec<Vec<f64>> = (0..g.columns().len())
            .map(|j| (0..len).map(|i| cell(i, j)).collect())
            .collect();
        check_blocks(&g, &cols);
        // Two-level arithmetic, negation and min / max against a column.
        let exprs = [
            c("a")
                .binary(Add, c("b").binary(Mul, l(-0.755)))
                .binary(Gt, l(0.53)),
            c("a")
                .binary(Sub, c("b"))
                .unary(UnaryOp::Abs)
                .binary(Lt, l(0.25)),
            c("a")
                .unary(UnaryOp::Neg)
                .binary(Min, c("b"))
                .binary(Ge, c("c")),
            c("a")
                .binary(Max, l(0.0))
                .binary(Le, c("b").binary(Div, c("c"))),
            l(0.0).binary(Eq, c("a").binary(Mul, c("b"))),
        ];
        let mut g = CausalGraph::new("g", "fused");
        for (i, e) in exprs.into_iter().enumerate() {
            let node = Causaloid::from_expr(i as i64, format!("n{i}"), e).expect("valid");
            g.add(Member::Causaloid(Arc::new(node))).expect("add");
        }
        g.freeze().expect("freeze");
        let cols: Vec<Vec<f64>> = (0..g.columns().len())
            .map(|j| (0..len).map(|i| cell(i, j + 3)).collect())
            .collect();
        check_blocks(&g, &cols);
    }

    #[test]
    fn every_instruction_set_packs_the_same_verdicts() {
        let g = every_form();
        let plan = BitPlan::new(&g).expect("a verdict-only graph");
        let member = Member::Graph(Arc::new(g.clone()));
        let len = BLOCK + 131;
        let cols: Vec<Vec<f64>> = (0..g.columns().len())
            .map(|j| (0..len).map(|i| cell(i, j)).collect())
            .collect();
        let cols: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        for (start, end) in [(0, BLOCK), (BLOCK, len), (BLOCK + 64, len), (5, 70)] {
            let mut scratch = Scratch::new(plan.steps.len());
            let mut want = vec![0; WORDS];
            let nan = base::run_block(&plan, &cols, start, end, &mut scratch, &mut want);
            // The portable path against the row-by-row evaluator.
            for r in start..end {
                let row: Vec<f64> = cols.iter().map(|c| c[r]).collect();
                let e = member.evaluate(&crate::graph::Input {
                    value: None,
                    row: &row,
                    host: None,
                });
                let single = e.result().map(|v| v.num() != 0.0);
                if let Ok(v) = single {
                    let k = r - start;
                    assert_eq!((want[k / 64] >> (k % 64)) & 1 == 1, v, "row {r}");
                }
            }
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut got = vec![0; WORDS];
                    // SAFETY: AVX2 was just detected.
                    let n = unsafe {
                        avx2::run_block(&plan, &cols, start, end, &mut scratch, &mut got)
                    };
                    assert_eq!((got, n), (want.clone(), nan), "AVX2, rows {start}..{end}");
                }
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                {
                    let mut got = vec![0; WORDS];
                    // SAFETY: the AVX-512 features were just detected.
                    let n = unsafe {
                        avx512::run_block(&plan, &cols, start, end, &mut scratch, &mut got)
                    };
                    assert_eq!(
                        (got, n),
                        (want.clone(), nan),
                        "AVX-512, rows {start}..{end}"
                    );
                }
            }
        }
    }
}
