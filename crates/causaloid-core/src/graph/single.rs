//! The compact single-row plan: one observation through a whole graph of
//! expression causaloids, from its roots, as a tight loop over flat arrays.
//!
//! Built once at freeze when every node is an expression causaloid that reads
//! no other node by id. Nodes are laid out in topological order and referred
//! to by their position in it (`u32`), as struct-of-arrays: parents as one
//! flat array with offsets, and each node's expression predecoded. The
//! commonest expressions, a comparison of the incoming value or a column with
//! a literal, are a tag byte and a literal (the comparison chosen without a
//! branch from a four-bit truth table); anything else calls the compiled
//! closure. A row allocates two arrays (each node's kind and raw value), which
//! are also the trace: entries are built only when someone reads them. When
//! every node is such a comparison, every node decides a bool and the row
//! runs on one byte a node (a join is the `or` of its parents' bytes), which
//! is then the whole record of the row; a node comparing its parents' joined
//! verdict with a literal is a two-entry lookup chosen at freeze (see
//! [`VerdictPlan`]).
//!
//! The loop computes exactly what the general path does, with the same
//! operators; when a row would make the general path report an error (a root
//! that reads a missing incoming value, a number among several joined
//! parents, a final node that is not a verdict) the loop gives up and the
//! general path runs the row, error and trace included.

use super::causal_graph::CausalGraph;
use super::causaloid::{check_verdict, Function};
use super::member::Member;
use super::trace::{Entry, Outcome};
use crate::expr::{BinaryOp, Op, Operand, RowFn};
use crate::value::{Kind, Value};

/// Code tags (high nibble of a node's tag byte); the low nibble is a
/// comparison's truth table, indexed by the class of `a` against `b`.
const VALUE_LIT: u8 = 0x00;
const COL_LIT: u8 = 0x10;
const CLOSURE: u8 = 0x20;
const CODE_MASK: u8 = 0x30;
/// The node's expression reads the incoming value.
const READS_VALUE: u8 = 0x40;

/// How a node receives its value: from the node just before it (kept in a
/// register), from one to three parents read without a branch (the parents
/// padded to three by repeating the last one, which leaves `max` unchanged),
/// or otherwise (a root, or more parents).
const PREVIOUS: u8 = 0;
const ONE: u8 = 1;
const FEW: u8 = 2;
const OTHER: u8 = 3;

/// Classes of `a` against `b`: the bit of the truth table to read.
const LESS: u32 = 0;
const EQUAL: u32 = 1;
const GREATER: u32 = 2;
const UNORDERED: u32 = 3;

/// A graph's single-row plan (see the module documentation).
#[derive(Debug)]
pub(crate) struct RowPlan {
    /// Per position: code tag, truth table and flags.
    tag: Vec<u8>,
    /// Per position: the comparison's literal.
    lit: Vec<f64>,
    /// Per position: the column slot, or the closure's index in `fns`.
    aux: Vec<u32>,
    fns: Vec<RowFn>,
    /// Per position: how it receives its value (`PREVIOUS`, `ONE`, `FEW`,
    /// `OTHER`), and up to three parents, padded (see `FEW`).
    shape: Vec<u8>,
    near: Vec<[u32; 3]>,
    /// Parents of position `k`: `parents[offsets[k]..offsets[k + 1]]`, as positions.
    offsets: Vec<u32>,
    parents: Vec<u32>,
    /// Position -> node index in the graph.
    pub node: Vec<u32>,
    /// Positions of the nodes without children, ascending.
    sinks: Vec<u32>,
    /// When every node compares the incoming value or a column with a
    /// literal: every node decides a bool, and a row runs on one byte a node
    /// (see [`VerdictPlan`]).
    verdicts: Option<VerdictPlan>,
}

/// Op byte of a [`VerdictPlan`] position: bits 0-1 are the node's verdict
/// on a joined input of 0 (bit 0) and of 1 (bit 1), a lookup that replaces
/// the comparison; bits 4-5 how it receives its input: from the position
/// just before (kept in a register), from one to three parents (the next
/// entry of `near`), or from a [`Slow`] record.
const V_PREVIOUS: u8 = 0;
const V_FEW: u8 = 1;
const V_SLOW: u8 = 2;

/// The plan of a graph whose every node compares the incoming value or a
/// column with a literal. Each node decides a bool, so its verdict is a
/// byte (0 or 1) and a join is the `or` of its parents' bytes. A node that
/// compares the joined verdicts of its parents with a literal decides one
/// of at most two things, known at freeze: its op byte holds both, and the
/// node costs a lookup (on a chain, a shift and a mask on the previous
/// verdict, kept in a register). Everything else (roots, which compare the
/// incoming value; column comparisons; joins of more than three parents) is
/// a [`Slow`] record, read in order.
#[derive(Debug)]
struct VerdictPlan {
    /// Per position: the op byte (see `V_PREVIOUS`).
    ops: Vec<u8>,
    /// The parents of each `V_FEW` position, in order: one to three, padded
    /// to three by repeating the last one (which leaves their `or` as is).
    near: Vec<[u32; 3]>,
    /// One record per `V_SLOW` position, in order.
    slow: Vec<Slow>,
}

/// A position of a [`VerdictPlan`] that compares a number: the incoming
/// value (a root), a column, or the join of more than three parents.
#[derive(Clone, Copy, Debug)]
struct Slow {
    /// The comparison's truth table (see [`truth_table`]).
    table: u8,
    /// The node reads a column (this slot) rather than its input.
    column: Option<u32>,
    lit: f64,
    /// Its parents: `RowPlan::parents[parents.0..parents.1]` (empty: a root).
    parents: (u32, u32),
}

impl VerdictPlan {
    /// The verdict-only plan of the positions of `plan`, or `None` when
    /// some node is not a comparison with a literal.
    fn new(plan: &RowPlan) -> Option<VerdictPlan> {
        let n = plan.len();
        let mut out = VerdictPlan {
            ops: Vec::with_capacity(n),
            near: Vec::new(),
            slow: Vec::new(),
        };
        for k in 0..n {
            let tag = *plan.tag.get(k)?;
            let (a, b) = (*plan.offsets.get(k)?, *plan.offsets.get(k + 1)?);
            let parents = plan.parents.get(a as usize..b as usize)?;
            let lit = *plan.lit.get(k)?;
            let slow = |column: Option<u32>| Slow {
                table: tag & 0x0f,
                column,
                lit,
                parents: (a, b),
            };
            let op = match tag & CODE_MASK {
                VALUE_LIT if !parents.is_empty() && parents.len() <= 3 => {
                    // The joined input is 0.0 or 1.0: the two verdicts.
                    let lut = u8::from(compare(tag, 0.0, lit) != 0.0)
                        | (u8::from(compare(tag, 1.0, lit) != 0.0) << 1);
                    if let [p] = *parents {
                        if p as usize + 1 == k {
                            out.ops.push(lut | (V_PREVIOUS << 4));
                            continue;
                        }
                    }
                    // Parents come before their child; `run` relies on
                    // every index here being below the number of positions.
                    if parents.iter().any(|&p| p as usize >= k) {
                        return None;
                    }
                    out.near.push(match *parents {
                        [p] => [p; 3],
                        [p, q] => [p, q, q],
                        [p, q, r] => [p, q, r],
                        _ => return None,
                    });
                    lut | (V_FEW << 4)
                }
                VALUE_LIT => {
                    out.slow.push(slow(None));
                    V_SLOW << 4
                }
                COL_LIT => {
                    out.slow.push(slow(Some(*plan.aux.get(k)?)));
                    V_SLOW << 4
                }
                _ => return None,
            };
            out.ops.push(op);
        }
        // `k < n` for every position above, so every index of `near` is
        // below `ops.len()`: what `run` reads unchecked.
        if out.ops.len() != n {
            return None;
        }
        Some(out)
    }

    /// Runs one row: each position's verdict into `bits` (as long as
    /// `ops`), `root` the incoming value of the roots and `row` the
    /// columns; `parents` are the [`RowPlan`]'s. `None` when the general
    /// path must run the row (a root that reads a missing incoming value).
    #[inline(never)]
    fn run(&self, parents: &[u32], root: Option<f64>, row: &[f64], bits: &mut [u8]) -> Option<()> {
        // The bound every index of `near` is checked against (see `new`).
        if bits.len() != self.ops.len() {
            return None;
        }
        let mut near = self.near.iter();
        let mut slow = self.slow.iter();
        let mut last = 0u8;
        for (k, &op) in self.ops.iter().enumerate() {
            let v = match op >> 4 {
                V_PREVIOUS => (op >> last) & 1,
                V_FEW => {
                    let &[p, q, r] = near.next()?;
                    // SAFETY: `new` returns a plan only when every entry of
                    // `near` is below `ops.len()` (checked there), the plan
                    // is never changed after (private fields, no `&mut`
                    // method), and `bits.len() == self.ops.len()` was
                    // checked on entry: `p`, `q` and `r` are in bounds.
                    let x = unsafe {
                        *bits.get_unchecked(p as usize)
                            | *bits.get_unchecked(q as usize)
                            | *bits.get_unchecked(r as usize)
                    };
                    (op >> x) & 1
                }
                _ => slow.next()?.verdict(parents, root, row, bits)?,
            };
            *bits.get_mut(k)? = v;
            last = v;
        }
        Some(())
    }
}

impl Slow {
    /// This position's verdict (0 or 1), its parents' in `bits`.
    fn verdict(&self, parents: &[u32], root: Option<f64>, row: &[f64], bits: &[u8]) -> Option<u8> {
        let x = match (self.column, self.parents) {
            (Some(slot), _) => row.get(slot as usize).copied().unwrap_or(f64::NAN),
            (None, (a, b)) if a == b => root?,
            (None, (a, b)) => {
                let mut joined = 0u8;
                for &p in parents.get(a as usize..b as usize)? {
                    joined |= *bits.get(p as usize)?;
                }
                f64::from(joined)
            }
        };
        Some(u8::from(compare(self.table, x, self.lit) != 0.0))
    }
}

/// One row run through a [`RowPlan`]: every node's value by position, and
/// the graph's result. The trace is built from it when read.
#[derive(Clone, Debug)]
pub(crate) struct RowRun {
    values: RunValues,
    pub result: Value,
}

/// Each node's value by position.
#[derive(Clone, Debug)]
enum RunValues {
    /// Every node decided a bool: one byte (0 or 1) a node.
    Verdicts(Vec<u8>),
    /// Each node's kind (0 bool, 1 number) and raw value.
    Wide { kinds: Vec<u8>, values: Vec<f64> },
}

impl RowRun {
    /// The number of nodes run.
    pub(crate) fn len(&self) -> usize {
        match &self.values {
            RunValues::Verdicts(bits) => bits.len(),
            RunValues::Wide { kinds, .. } => kinds.len(),
        }
    }

    /// The kind and raw value position `k` decided (`None` past the end).
    #[inline]
    fn get(&self, k: usize) -> Option<(Kind, f64)> {
        match &self.values {
            RunValues::Verdicts(bits) => bits.get(k).map(|&b| (Kind::Bool, f64::from(b))),
            RunValues::Wide { kinds, values } => Some((kind_of(*kinds.get(k)?), *values.get(k)?)),
        }
    }
}

/// Truth table of a comparison operator over the classes above.
pub(crate) fn truth_table(op: BinaryOp) -> Option<u8> {
    let bit = |c: u32| 1u8 << c;
    Some(match op {
        BinaryOp::Lt => bit(LESS),
        BinaryOp::Le => bit(LESS) | bit(EQUAL),
        BinaryOp::Gt => bit(GREATER),
        BinaryOp::Ge => bit(GREATER) | bit(EQUAL),
        BinaryOp::Eq => bit(EQUAL),
        BinaryOp::Ne => bit(LESS) | bit(GREATER) | bit(UNORDERED),
        _ => return None,
    })
}

/// The same table with the operands swapped (`lit < x` is `x > lit`).
fn mirrored(table: u8) -> u8 {
    let lt = table & 1;
    let gt = (table >> GREATER) & 1;
    (table & !(1 | (1 << GREATER))) | (gt << LESS) | (lt << GREATER)
}

/// `table` applied to `a` against `b`: the same truth as `a op b` in IEEE
/// arithmetic (every comparison with NaN is false except `!=`), as 1.0 / 0.0.
#[inline(always)]
pub(crate) fn compare(table: u8, a: f64, b: f64) -> f64 {
    // Without a branch: exactly one of the four holds.
    let (lt, eq, gt) = (u32::from(a < b), u32::from(a == b), u32::from(a > b));
    let unordered = 1 - (lt | eq | gt);
    let class = LESS * lt + EQUAL * eq + GREATER * gt + UNORDERED * unordered;
    f64::from((table >> class) & 1)
}

/// The values `x` on which `compare(table, x, lit)` is false, when they are
/// the numbers of one closed range `[lo, hi]` (NaN is never in it): `lo <=
/// x && x <= hi` then decides "does not hold" with two comparisons and no
/// branch. An empty set is the range `[inf, -inf]`. None for `==` against a
/// number (false on both sides of it).
pub(crate) fn false_range(table: u8, lit: f64) -> Option<(f64, f64)> {
    let holds = |class: u32| (table >> class) & 1 == 1;
    const ALL: (f64, f64) = (f64::NEG_INFINITY, f64::INFINITY);
    const NONE: (f64, f64) = (f64::INFINITY, f64::NEG_INFINITY);
    if lit.is_nan() {
        // Every number compares unordered with NaN.
        return Some(if holds(UNORDERED) { NONE } else { ALL });
    }
    Some(match (holds(LESS), holds(EQUAL), holds(GREATER)) {
        (false, false, false) => ALL,
        (true, true, true) => NONE,
        // Holds below: false from lit (or just above it) up.
        (true, false, false) => (lit, f64::INFINITY),
        (true, true, false) if lit == f64::INFINITY => NONE,
        (true, true, false) => (lit.next_up(), f64::INFINITY),
        // Holds above: false up to lit (or just below it).
        (false, false, true) => (f64::NEG_INFINITY, lit),
        (false, true, true) if lit == f64::NEG_INFINITY => NONE,
        (false, true, true) => (f64::NEG_INFINITY, lit.next_down()),
        // Holds only at lit, or everywhere but lit.
        (true, false, true) => (lit, lit),
        (false, true, false) => return None,
    })
}

/// A program that compares one column with a literal, predecoded:
/// (truth table, column slot, literal).
pub(crate) fn column_comparison(program: &crate::expr::Program) -> Option<(u8, u32, f64)> {
    match program.ops() {
        [Op::Binary(op, a, b)] => match (truth_table(*op)?, *a, *b) {
            (t, Operand::Col(s), Operand::Lit(_, x)) => Some((t, s, x)),
            (t, Operand::Lit(_, x), Operand::Col(s)) => Some((mirrored(t), s, x)),
            _ => None,
        },
        _ => None,
    }
}

impl RowPlan {
    /// The plan of frozen graph `g`, or `None` when some node is not an
    /// expression causaloid or reads another node by id.
    pub(crate) fn new(g: &CausalGraph) -> Option<RowPlan> {
        let fz = g.frozen().ok()?;
        if fz.has_callables || fz.plan.len() >= u32::MAX as usize {
            return None;
        }
        let n = fz.plan.len();
        let mut plan = RowPlan {
            tag: Vec::with_capacity(n),
            lit: Vec::with_capacity(n),
            aux: Vec::with_capacity(n),
            fns: Vec::new(),
            shape: Vec::with_capacity(n),
            near: Vec::with_capacity(n),
            offsets: Vec::with_capacity(n + 1),
            parents: Vec::with_capacity(fz.parents.len()),
            node: Vec::with_capacity(n),
            sinks: Vec::new(),
            verdicts: None,
        };
        plan.offsets.push(0);
        for (k, step) in fz.plan.iter().enumerate() {
            let iu = step.node as usize;
            let program = match (g.nodes().get(iu)?, &fz.links.get(iu)?.program) {
                (Member::Causaloid(c), Some(p))
                    if matches!(c.function(), Function::Expr { .. }) =>
                {
                    p
                }
                _ => return None,
            };
            if step.has_reads() || !program.nodes().is_empty() {
                return None;
            }
            let row_fn = step.row_fn.as_ref()?;
            let flags = if program.reads_value() {
                READS_VALUE
            } else {
                0
            };
            let (code, lit, aux) = match program.ops() {
                [Op::Binary(op, a, b)] => match (truth_table(*op), *a, *b) {
                    (Some(t), Operand::Value, Operand::Lit(_, x)) => (VALUE_LIT | t, x, 0),
                    (Some(t), Operand::Lit(_, x), Operand::Value) => {
                        (VALUE_LIT | mirrored(t), x, 0)
                    }
                    (Some(t), Operand::Col(s), Operand::Lit(_, x)) => (COL_LIT | t, x, s),
                    (Some(t), Operand::Lit(_, x), Operand::Col(s)) => (COL_LIT | mirrored(t), x, s),
                    _ => (CLOSURE, 0.0, plan.push_fn(row_fn)),
                },
                _ => (CLOSURE, 0.0, plan.push_fn(row_fn)),
            };
            plan.tag.push(code | flags);
            plan.lit.push(lit);
            plan.aux.push(aux);
            for &p in &fz.parents[step.parents.0 as usize..step.parents.1 as usize] {
                let pos = *fz.step_of.get(p as usize)?;
                if pos as usize >= k {
                    return None;
                }
                plan.parents.push(pos);
            }
            let mine = &plan.parents[*plan.offsets.last()? as usize..];
            let (shape, near) = match *mine {
                [p] if p as usize + 1 == k => (PREVIOUS, [p; 3]),
                [p] => (ONE, [p; 3]),
                [p, q] => (FEW, [p, q, q]),
                [p, q, r] => (FEW, [p, q, r]),
                _ => (OTHER, [0; 3]),
            };
            plan.shape.push(shape);
            plan.near.push(near);
            plan.offsets.push(plan.parents.len() as u32);
            plan.node.push(step.node);
            if g.children.get(iu)?.is_empty() {
                plan.sinks.push(k as u32);
            }
        }
        if plan.tag.iter().all(|&t| t & CODE_MASK != CLOSURE) {
            plan.verdicts = VerdictPlan::new(&plan);
        }
        Some(plan)
    }

    fn push_fn(&mut self, f: &RowFn) -> u32 {
        self.fns.push(f.clone());
        (self.fns.len() - 1) as u32
    }

    pub(crate) fn len(&self) -> usize {
        self.tag.len()
    }

    /// The final nodes (graph indices), in topological order.
    pub(crate) fn sink_nodes(&self) -> Vec<u32> {
        self.sinks.iter().map(|&k| self.node[k as usize]).collect()
    }

    /// What position `k` received: the join of its parents' values, or the
    /// graph's incoming value at a root.
    fn input_of(&self, k: usize, run: &RowRun, value: Option<Value>) -> Option<Value> {
        let (a, b) = (self.offsets[k] as usize, self.offsets[k + 1] as usize);
        let mut joined: Option<(Kind, f64)> = None;
        for &p in &self.parents[a..b] {
            let (k, x) = run.get(p as usize)?;
            joined = Some(match joined {
                Some((jk, jx)) => (jk.both(k), jx.max(x)),
                None => (k, x),
            });
        }
        match joined {
            Some((k, x)) => Some(Value::from_raw(k, x)),
            None => value,
        }
    }

    /// Runs one full row (the graph's columns and context reads) with the
    /// incoming `value`; `None` when the general path must run it instead.
    pub(crate) fn run(&self, g: &CausalGraph, value: Option<Value>, row: &[f64]) -> Option<RowRun> {
        if let Some(v) = &self.verdicts {
            return self.run_verdicts(v, value, row);
        }
        let n = self.len();
        let mut kinds: Vec<u8> = Vec::new();
        let mut values: Vec<f64> = Vec::new();
        kinds.try_reserve_exact(n).ok()?;
        values.try_reserve_exact(n).ok()?;
        let root = value.map_or((Kind::Num, f64::NAN), |v| (v.kind(), v.num()));
        // Verdicts are stored as 1.0 / 0.0 (what `Value::from_raw` makes of
        // them), so a child reads its parent's value as it is. The previous
        // node's value stays in a register: on a chain, the next node reads it
        // without waiting for the store.
        let mut last = (Kind::Num, f64::NAN);
        for k in 0..n {
            let tag = self.tag[k];
            let shape = self.shape[k];
            let incoming = if shape == PREVIOUS {
                last
            } else if shape != OTHER {
                // One to three parents, padded: no branch on their number.
                let [p, q, r] = self.near[k];
                let (p, q, r) = (p as usize, q as usize, r as usize);
                let numbers = kinds[p] | kinds[q] | kinds[r];
                if numbers != 0 && shape == FEW && tag & READS_VALUE != 0 {
                    // The general path checks each parent is a verdict.
                    return None;
                }
                (kind_of(numbers), values[p].max(values[q]).max(values[r]))
            } else {
                let (a, b) = (self.offsets[k] as usize, self.offsets[k + 1] as usize);
                if b == a {
                    if tag & READS_VALUE != 0 && value.is_none() {
                        return None;
                    }
                    root
                } else {
                    let first = self.parents[a] as usize;
                    let mut jk = kind_of(kinds[first]);
                    let mut jx = values[first];
                    for &p in &self.parents[a + 1..b] {
                        let p = p as usize;
                        jk = jk.both(kind_of(kinds[p]));
                        jx = jx.max(values[p]);
                    }
                    if jk == Kind::Num && tag & READS_VALUE != 0 {
                        return None;
                    }
                    (jk, jx)
                }
            };
            let (kind, x) = match tag & CODE_MASK {
                VALUE_LIT => (Kind::Bool, compare(tag, incoming.1, self.lit[k])),
                COL_LIT => {
                    let c = row.get(self.aux[k] as usize).copied().unwrap_or(f64::NAN);
                    (Kind::Bool, compare(tag, c, self.lit[k]))
                }
                _ => {
                    let (kind, x) = self.fns.get(self.aux[k] as usize)?.call(row, incoming, &[]);
                    let v = Value::from_raw(kind, x);
                    (v.kind(), v.num())
                }
            };
            kinds.push(state_of(kind));
            values.push(x);
            last = (kind, x);
        }
        let result = match self.sinks.as_slice() {
            [only] => {
                let o = *only as usize;
                Value::from_raw(kind_of(kinds[o]), values[o])
            }
            sinks => {
                let mut joined: Option<(Kind, f64)> = None;
                for &s in sinks {
                    let s = s as usize;
                    let node = g.nodes().get(self.node[s] as usize)?;
                    let v = check_verdict(node.id(), kind_of(kinds[s]), values[s], None).ok()?;
                    joined = Some(match joined {
                        Some((jk, jx)) => (jk.both(v.kind()), jx.max(v.degree())),
                        None => (v.kind(), v.degree()),
                    });
                }
                let (k, x) = joined.unwrap_or((Kind::Bool, 0.0));
                Value::from_raw(k, x)
            }
        };
        Some(RowRun {
            values: RunValues::Wide { kinds, values },
            result,
        })
    }

    /// [`RowPlan::run`] when every node is a comparison with a literal (see
    /// [`VerdictPlan`]): one byte a node, which is also the trace.
    fn run_verdicts(
        &self,
        plan: &VerdictPlan,
        value: Option<Value>,
        row: &[f64],
    ) -> Option<RowRun> {
        let n = plan.ops.len();
        let mut bits: Vec<u8> = Vec::new();
        bits.try_reserve_exact(n).ok()?;
        bits.resize(n, 0);
        let root = value.map(Value::num);
        plan.run(&self.parents, root, row, &mut bits)?;
        let mut any = 0u8;
        for &s in &self.sinks {
            any |= *bits.get(s as usize)?;
        }
        Some(RowRun {
            values: RunValues::Verdicts(bits),
            result: Value::Bool(any != 0),
        })
    }

    /// The trace entries of a run (`scope` holds the graph's nodes): the same
    /// entries the general path records, in the same order.
    pub(crate) fn entries(&self, run: &RowRun, value: Option<Value>, scope: u32) -> Vec<Entry> {
        let mut out = Vec::with_capacity(run.len() + 2);
        out.push(Entry::pack(0, 0, value, Outcome::Entered { scope }));
        for k in 0..run.len() {
            let input = self.input_of(k, run, value);
            let (kind, x) = run.get(k).unwrap_or((Kind::Bool, 0.0));
            let decided = Value::from_raw(kind, x);
            out.push(Entry::pack(
                scope,
                self.node[k],
                input,
                Outcome::Decided(decided),
            ));
        }
        out.push(Entry::pack(0, 0, value, Outcome::Decided(run.result)));
        out
    }
}

#[inline(always)]
fn kind_of(state: u8) -> Kind {
    if state == 0 {
        Kind::Bool
    } else {
        Kind::Num
    }
}

#[inline(always)]
fn state_of(kind: Kind) -> u8 {
    match kind {
        Kind::Bool => 0,
        Kind::Num => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_tables_agree_with_ieee_comparisons() {
        let xs = [
            f64::NAN,
            f64::NEG_INFINITY,
            -1.0,
            0.0,
            -0.0,
            0.5,
            1.0,
            f64::INFINITY,
        ];
        let ops = [
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Gt,
            BinaryOp::Ge,
            BinaryOp::Eq,
            BinaryOp::Ne,
        ];
        for op in ops {
            let t = truth_table(op).expect("a comparison");
            for &a in &xs {
                for &b in &xs {
                    let want = crate::expr::program::apply_binary(op, a, b);
                    assert_eq!(compare(t, a, b).to_bits(), want.to_bits(), "{op:?} {a} {b}");
                    assert_eq!(
                        compare(mirrored(t), b, a).to_bits(),
                        want.to_bits(),
                        "mirrored {op:?} {a} {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_false_range_holds_exactly_the_numbers_a_comparison_is_false_on() {
        let specials = [
            f64::NAN,
            f64::NEG_INFINITY,
            -f64::MAX,
            -1.0,
            -5e-324,
            -0.0,
            0.0,
            5e-324,
            0.5,
            1.0,
            f64::MAX,
            f64::INFINITY,
        ];
        // Every number next to a literal, and the specials.
        let mut xs: Vec<f64> = specials.to_vec();
        for &l in &specials {
            xs.extend([l.next_down(), l.next_up()]);
        }
        for table in 0u8..16 {
            for &lit in &specials {
                match false_range(table, lit) {
                    Some((lo, hi)) => {
                        for &x in &xs {
                            let inside = lo <= x && x <= hi;
                            let false_on = !x.is_nan() && compare(table, x, lit) == 0.0;
                            assert_eq!(inside, false_on, "table {table:04b} lit {lit} x {x}");
                        }
                    }
                    // Only `==` against a number has no range.
                    None => assert!(table & 0b0111 == 1 << EQUAL && !lit.is_nan()),
                }
            }
        }
    }

    use crate::expr::Expr;
    use crate::graph::{CausalGraph, Causaloid, Input, Member};
    use proptest::prelude::*;
    use std::sync::Arc;

    const OPS: [BinaryOp; 6] = [
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Eq,
        BinaryOp::Ne,
    ];

    /// Node expressions covering every code of the plan: comparisons of the
    /// value or a column with a literal (both ways round), closures deciding
    /// verdicts, and numbers on the wires (which the plan hands back to the
    /// general path when several are joined or a final node is not a verdict).
    fn node_expr(kind: u8, op: usize, col: usize, lit: f64) -> Expr {
        let op = OPS[op % OPS.len()];
        let c = Expr::col(format!("c{}", col % 3));
        match kind % 8 {
            0 => Expr::value().binary(op, Expr::lit(lit)),
            1 => Expr::lit(lit).binary(op, Expr::value()),
            2 => c.binary(op, Expr::lit(lit)),
            3 => Expr::lit(lit).binary(op, c),
            4 => Expr::value().binary(BinaryOp::And, c.binary(op, Expr::lit(lit))),
            5 => Expr::value().binary(BinaryOp::Mul, Expr::lit(lit)),
            6 => c,
            _ => Expr::value(),
        }
    }

    fn cell() -> impl Strategy<Value = f64> {
        prop_oneof![
            8 => -1.0f64..2.0,
            1 => Just(f64::NAN),
            1 => prop::sample::select(vec![0.0, 0.5, 1.0, -0.0, f64::INFINITY]),
        ]
    }

    fn incoming() -> impl Strategy<Value = Option<Value>> {
        prop_oneof![
            Just(None),
            any::<bool>().prop_map(|b| Some(Value::Bool(b))),
            cell().prop_map(|x| Some(Value::Num(x))),
        ]
    }

    type Spec = (u8, usize, usize, f64, Vec<usize>);

    fn spec() -> impl Strategy<Value = Vec<Spec>> {
        prop::collection::vec(
            (
                any::<u8>(),
                0usize..6,
                0usize..3,
                prop::sample::select(vec![0.0, 0.25, 0.5, 0.75, 1.0]),
                prop::collection::vec(any::<usize>(), 0..6),
            ),
            1..24,
        )
    }

    fn build(spec: &[Spec]) -> Arc<CausalGraph> {
        let mut g = CausalGraph::new("g", "");
        for (i, (kind, op, col, lit, _)) in spec.iter().enumerate() {
            let c = Causaloid::from_expr(i as i64, "", node_expr(*kind, *op, *col, *lit))
                .expect("a valid expression");
            g.add(Member::Causaloid(Arc::new(c))).expect("a new id");
        }
        for (i, (.., parents)) in spec.iter().enumerate().skip(1) {
            let mut seen = Vec::new();
            for p in parents {
                let p = p % i;
                if !seen.contains(&p) {
                    seen.push(p);
                    g.link(&(p as i64).into(), &(i as i64).into())
                        .expect("an edge to a later node");
                }
            }
        }
        g.freeze().expect("a DAG");
        Arc::new(g)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// The compact plan decides what the general path decides, with the
        /// same trace, records and explanation, or hands the row back to it.
        #[test]
        fn compact_plan_equals_general_path(
            spec in spec(),
            value in incoming(),
            row in prop::collection::vec(cell(), 3),
        ) {
            let g = build(&spec);
            prop_assert!(g.frozen().expect("frozen").row_plan.is_some());
            let columns = g.columns().to_vec();
            let cells: Vec<f64> = columns
                .iter()
                .map(|c| row[c[1..].parse::<usize>().expect("cN")])
                .collect();
            let input = Input { value, row: &cells, host: None };
            let fast = g.evaluate(&input).expect("frozen");
            let general = g.evaluate_general(&input).expect("frozen");
            prop_assert_eq!(format!("{:?}", fast.result()), format!("{:?}", general.result()));
            prop_assert_eq!(fast.trace().len(), general.trace().len());
            let a: Vec<String> = fast.trace().decoded().map(|d| format!("{d:?}")).collect();
            let b: Vec<String> = general.trace().decoded().map(|d| format!("{d:?}")).collect();
            prop_assert_eq!(a, b);
            prop_assert_eq!(format!("{:?}", fast.records()), format!("{:?}", general.records()));
            prop_assert_eq!(fast.lines(), general.lines());
        }
    }

    fn compare_spec() -> impl Strategy<Value = Vec<Spec>> {
        spec().prop_map(|v| {
            v.into_iter()
                .map(|(kind, op, col, lit, parents)| (kind % 4, op, col, lit, parents))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Graphs of comparisons only (one byte a node) agree with the general
        /// path too.
        #[test]
        fn comparison_graphs_equal_the_general_path(
            spec in compare_spec(),
            value in incoming(),
            row in prop::collection::vec(cell(), 3),
        ) {
            let g = build(&spec);
            let plan = g.frozen().expect("frozen").row_plan.clone().expect("a plan");
            prop_assert!(plan.verdicts.is_some());
            let columns = g.columns().to_vec();
            let cells: Vec<f64> = columns
                .iter()
                .map(|c| row[c[1..].parse::<usize>().expect("cN")])
                .collect();
            let input = Input { value, row: &cells, host: None };
            let fast = g.evaluate(&input).expect("frozen");
            let general = g.evaluate_general(&input).expect("frozen");
            prop_assert_eq!(format!("{:?}", fast.result()), format!("{:?}", general.result()));
            let a: Vec<String> = fast.trace().decoded().map(|d| format!("{d:?}")).collect();
            let b: Vec<String> = general.trace().decoded().map(|d| format!("{d:?}")).collect();
            prop_assert_eq!(a, b);
            prop_assert_eq!(fast.lines(), general.lines());
        }
    }

    proptest! {
        /// A state's column comparison, predecoded, decides what its program does.
        #[test]
        fn predecoded_column_comparisons_equal_the_program(
            op in 0usize..6,
            lit_first in any::<bool>(),
            lit in cell(),
            x in cell(),
        ) {
            let op = OPS[op];
            let (c, l) = (Expr::col("x"), Expr::lit(lit));
            let e = if lit_first { l.binary(op, c) } else { c.binary(op, l) };
            let mut table = crate::expr::ColumnTable::new();
            let program = crate::expr::Program::compile(&e, &mut table);
            let (t, slot, y) = column_comparison(&program).expect("a column comparison");
            let mut row = vec![f64::NAN; table.len()];
            row[slot as usize] = x;
            let (kind, want) = program.eval(&row, (Kind::Num, f64::NAN), &[], &mut Vec::new());
            prop_assert_eq!(kind, Kind::Bool);
            prop_assert_eq!(compare(t, row[slot as usize], y).to_bits(), want.to_bits());
        }
    }

    #[test]
    fn graphs_with_node_reads_keep_the_general_plan() {
        let mut g = CausalGraph::new("g", "");
        let a = Causaloid::from_expr(1, "", Expr::value()).expect("valid");
        let b = Causaloid::from_expr(2, "", Expr::node(1i64)).expect("valid");
        g.add(Member::Causaloid(Arc::new(a))).expect("new");
        g.add(Member::Causaloid(Arc::new(b))).expect("new");
        g.link(&1i64.into(), &2i64.into()).expect("edge");
        g.freeze().expect("a DAG");
        assert!(g.frozen().expect("frozen").row_plan.is_none());
    }

    /// A graph of `n` threshold rules on the incoming value (as the
    /// benchmark builds them), node `i` with the parents `parents(i)`.
    fn threshold_graph(n: usize, parents: impl Fn(usize) -> Vec<usize>) -> Arc<CausalGraph> {
        let mut g = CausalGraph::new("g", "");
        for i in 0..n {
            let t = [0.05, 0.25, 0.45, 0.65, 0.85][i % 5];
            let e = if i % 3 == 0 {
                Expr::value().binary(BinaryOp::Lt, Expr::lit(t))
            } else {
                Expr::value().binary(BinaryOp::Ge, Expr::lit(t))
            };
            let c = Causaloid::from_expr(i as i64, "", e).expect("valid");
            g.add(Member::Causaloid(Arc::new(c))).expect("new");
        }
        for i in 1..n {
            for p in parents(i) {
                g.link(&(p as i64).into(), &(i as i64).into())
                    .expect("edge");
            }
        }
        g.freeze().expect("a DAG");
        Arc::new(g)
    }

    fn assert_same_as_general(g: &Arc<CausalGraph>, value: Option<Value>) {
        let input = Input {
            value,
            row: &[],
            host: None,
        };
        let fast = g.evaluate(&input).expect("frozen");
        let general = g.evaluate_general(&input).expect("frozen");
        assert_eq!(
            format!("{:?}", fast.result()),
            format!("{:?}", general.result())
        );
        assert_eq!(fast.trace().len(), general.trace().len());
        assert!(fast.trace().decoded().eq(general.trace().decoded()));
    }

    #[test]
    fn a_deep_chain_is_run_by_the_verdict_plan_and_traced_like_the_general_path() {
        let g = threshold_graph(100_000, |i| vec![i - 1]);
        let plan = g
            .frozen()
            .expect("frozen")
            .row_plan
            .clone()
            .expect("a plan");
        let verdicts = plan.verdicts.as_ref().expect("verdict-only");
        assert_eq!(verdicts.slow.len(), 1, "the root alone compares a number");
        for value in [
            Some(Value::Num(0.99)),
            Some(Value::Num(0.3)),
            Some(Value::Bool(true)),
        ] {
            assert_same_as_general(&g, value);
        }
    }

    #[test]
    fn a_random_dag_is_traced_like_the_general_path() {
        // One to five parents among the earlier nodes (a deterministic
        // scramble): lookups, padded triples and joins of more than three.
        let g = threshold_graph(5_000, |i| {
            let k = 1 + (i * 7) % 5;
            let mut ps: Vec<usize> = (0..k)
                .map(|j| (i * 2_654_435_761 + j * 40_503) % i)
                .collect();
            ps.sort_unstable();
            ps.dedup();
            ps
        });
        let plan = g
            .frozen()
            .expect("frozen")
            .row_plan
            .clone()
            .expect("a plan");
        let verdicts = plan.verdicts.as_ref().expect("verdict-only");
        assert!(verdicts.slow.len() > 1 && !verdicts.near.is_empty());
        for value in [
            Some(Value::Num(0.99)),
            Some(Value::Num(0.5)),
            Some(Value::Bool(false)),
        ] {
            assert_same_as_general(&g, value);
        }
    }

    #[test]
    fn a_root_without_its_incoming_value_fails_naming_it() {
        let g = threshold_graph(50, |i| vec![i - 1]);
        let input = Input {
            value: None,
            row: &[],
            host: None,
        };
        let e = g.evaluate(&input).expect("frozen");
        let general = g.evaluate_general(&input).expect("frozen");
        assert_eq!(format!("{:?}", e.error()), format!("{:?}", general.error()));
        assert!(matches!(
            e.error(),
            Some(crate::CausalError::MissingValue { id }) if *id == 0i64.into()
        ));
        assert!(e.trace().decoded().eq(general.trace().decoded()));
    }

    #[test]
    fn a_missing_column_is_reported_with_the_node_that_reads_it() {
        let mut g = CausalGraph::new("g", "");
        let a = Causaloid::from_expr(1, "", Expr::col("t").binary(BinaryOp::Gt, Expr::lit(0.5)))
            .expect("valid");
        let b = Causaloid::from_expr(2, "", Expr::value().binary(BinaryOp::Ge, Expr::lit(0.5)))
            .expect("valid");
        g.add(Member::Causaloid(Arc::new(a))).expect("new");
        g.add(Member::Causaloid(Arc::new(b))).expect("new");
        g.link(&1i64.into(), &2i64.into()).expect("edge");
        g.freeze().expect("a DAG");
        let g = Arc::new(g);
        assert!(g
            .frozen()
            .expect("frozen")
            .row_plan
            .as_ref()
            .expect("a plan")
            .verdicts
            .is_some());
        let input = Input {
            value: None,
            row: &[f64::NAN],
            host: None,
        };
        let e = g.evaluate(&input).expect("frozen");
        match e.error() {
            Some(crate::CausalError::MissingInput { column, id, .. }) => {
                assert_eq!(column, "t");
                assert_eq!(*id, 1i64.into());
            }
            other => panic!("expected a missing input, got {other:?}"),
        }
    }
}
