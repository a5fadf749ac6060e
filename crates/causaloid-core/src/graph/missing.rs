//! Missing values: one policy for every consumer.
//!
//! A *missing input* is a NaN (a null, a pandas `NA`, a `None`: the bindings
//! read them all as NaN) in a column (or a context read) that an evaluated
//! causaloid's expression reads, or a NaN a host callable returns. A
//! causaloid whose expression tests `is_nan` handles missing values itself:
//! its reads never count as missing. A NaN in a column no evaluated node
//! reads is fine.
//!
//! What happens is the caller's choice, [`Missing`]:
//!
//! - `Raise` (the default): a `MissingInput` / `MissingOutput` error naming the
//!   column, the row and the causaloid. In a graph or a collection every
//!   evaluated node counts: `any` / `all` do not skip a member's missing read.
//! - `False` / `True`: the causaloid that reads the missing input decides
//!   false / true (a callable that returns NaN likewise).
//! - `Propagate`: three-valued (Kleene) logic. The causaloid's expression is
//!   evaluated with the missing leaves unknown; unknown flows through `and`
//!   / `or` / `not`, comparisons and arithmetic, the join of parents and the
//!   aggregates of collections, and is decided only where the known operands
//!   already decide (`false and unknown = false`, `true or unknown = true`,
//!   `any` with one true member is true). The verdict may be unknown.
//!
//! Rows without a missing input never come here: single rows check the row
//! for NaN (one pass over its few cells) and batches scan their columns
//! once, so the fast paths (`evaluate.rs`, `batch.rs`, `bits.rs`) run
//! unchanged. A row with a missing input under `False` / `True` /
//! `Propagate` is evaluated here, by one row evaluator, whether it came alone
//! or in a batch: batch row `i` equals row `i` alone under every policy.

use super::causal_graph::CausalGraph;
use super::causaloid::{call_error, check_verdict, Causaloid, Function, HostRow, Output};
use super::collection::{Collection, Logic};
use super::evaluate::Mode;
use super::id::NodeId;
use super::member::{Ctx, Input, Link, Member};
use super::trace::{Evaluation, Outcome};
use crate::error::CausalError;
use crate::expr::program::{apply_binary, apply_unary, between, binary_kind, unary_kind};
use crate::expr::{BinaryOp, ColumnTable, Op, Operand, Program, Slot, UnaryOp};
use crate::value::{Kind, Value};
use std::sync::Arc;

/// What to do with a missing input a verdict depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Missing {
    /// Raise `MissingValueError` naming the column and the row (the default).
    #[default]
    Raise,
    /// The causaloid that reads the missing input decides false.
    False,
    /// The causaloid that reads the missing input decides true.
    True,
    /// Three-valued logic: the verdict may be unknown.
    Propagate,
}

impl Missing {
    /// Parses `"raise"`, `"false"`, `"true"` or `"propagate"`.
    pub fn from_name(name: &str) -> Result<Missing, CausalError> {
        Ok(match name {
            "raise" => Missing::Raise,
            "false" => Missing::False,
            "true" => Missing::True,
            "propagate" => Missing::Propagate,
            other => {
                return Err(CausalError::InvalidArgument {
                    name: "missing",
                    message: format!(
                        "{other:?} is not a policy: use \"raise\" (the default), \"false\", \"true\" or \"propagate\""
                    ),
                })
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Missing::Raise => "raise",
            Missing::False => "false",
            Missing::True => "true",
            Missing::Propagate => "propagate",
        }
    }
}

/// A value that may be unknown; an unknown keeps its kind (an unknown bool
/// lies in [0, 1], an unknown number anywhere).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Tri {
    pub kind: Kind,
    pub x: f64,
    pub known: bool,
}

impl Tri {
    fn known(kind: Kind, x: f64) -> Tri {
        Tri {
            kind,
            x,
            known: true,
        }
    }

    fn unknown(kind: Kind) -> Tri {
        Tri {
            kind,
            x: f64::NAN,
            known: false,
        }
    }

    fn of(v: Value) -> Tri {
        Tri::known(v.kind(), v.num())
    }

    fn value(self) -> Option<Value> {
        self.known.then(|| Value::from_raw(self.kind, self.x))
    }

    /// The least and the greatest value it may have.
    fn bounds(self, verdict: bool) -> (f64, f64) {
        if self.known {
            (self.x, self.x)
        } else if verdict || self.kind == Kind::Bool {
            (0.0, 1.0)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        }
    }
}

// ---- which slots count --------------------------------------------------------

/// Whether a program handles missing values itself (it tests `is_nan`).
fn handles_missing(p: &Program) -> bool {
    p.ops()
        .iter()
        .any(|op| matches!(op, Op::Unary(UnaryOp::IsNan, _)))
}

fn program_slots(p: &Program, mut f: impl FnMut(u32)) {
    let mut see = |a: &Operand| {
        if let Operand::Col(s) = a {
            f(*s)
        }
    };
    for op in p.ops() {
        match op {
            Op::Push(a) | Op::Unary(_, a) | Op::BetweenLit(a, ..) => see(a),
            Op::Binary(_, a, b) => {
                see(a);
                see(b);
            }
            Op::Between => {}
        }
    }
}

/// Per slot of the parent's table: the first causaloid whose read of it counts
/// as a read of a missing value, or `None`.
type Readers = Vec<Option<NodeId>>;

fn mark_link(member: &Member, link: &Link, out: &mut Readers) {
    match member {
        Member::Causaloid(c) => {
            if let (Function::Expr { .. }, Some(p)) = (c.function(), &link.program) {
                if !handles_missing(p) {
                    program_slots(p, |s| {
                        if let Some(r) = out.get_mut(s as usize) {
                            r.get_or_insert_with(|| c.id().clone());
                        }
                    });
                }
            }
        }
        _ => {
            let inner = readers(member, None);
            for (s, r) in inner.into_iter().enumerate() {
                if let (Some(r), Some(&t)) = (r, link.map.get(s)) {
                    if let Some(o) = out.get_mut(t as usize) {
                        o.get_or_insert(r);
                    }
                }
            }
        }
    }
}

/// The readers of every slot of `member`'s table; for a graph, only the
/// nodes in `evaluated` (all when `None`).
fn readers(member: &Member, evaluated: Option<&[bool]>) -> Readers {
    let mut out = vec![None; member.table().len()];
    match member {
        Member::Causaloid(_) => mark_link(member, &Link::identity(member), &mut out),
        Member::Collection(c) => {
            for (m, l) in c.members.iter().zip(&c.links) {
                mark_link(m, l, &mut out);
            }
        }
        Member::Graph(g) => {
            if let Ok(fz) = g.frozen() {
                for (i, (m, l)) in g.nodes().iter().zip(&fz.links).enumerate() {
                    if evaluated.is_none_or(|e| e.get(i).copied().unwrap_or(false)) {
                        mark_link(m, l, &mut out);
                    }
                }
            }
        }
    }
    out
}

/// The first slot a program reads that is missing in `row` (none when the
/// program tests `is_nan`: it handles missing values itself).
pub(crate) fn program_missing(p: &Program, row: &[f64]) -> Option<usize> {
    if handles_missing(p) {
        return None;
    }
    let mut first = None;
    program_slots(p, |s| {
        if first.is_none() && row.get(s as usize).is_some_and(|x| x.is_nan()) {
            first = Some(s as usize);
        }
    });
    first
}

/// Whether a slot flagged in `nan` (a column of the block holding a NaN, see
/// [`nan_columns`]) is read by the program and counts as missing: the
/// caller then takes the row-by-row path, which names the row.
pub(crate) fn flagged_missing(p: &Program, nan: &[bool]) -> bool {
    if handles_missing(p) {
        return false;
    }
    let mut hit = false;
    program_slots(p, |s| hit |= nan.get(s as usize).copied().unwrap_or(false));
    hit
}

/// Which columns of a block hold a NaN: one scan a column, shared by every
/// program that reads it.
pub(crate) fn nan_columns(cols: &[&[f64]]) -> Vec<bool> {
    cols.iter()
        .map(|c| c.iter().fold(false, |a, &x| a | x.is_nan()))
        .collect()
}

/// Whether a block of columns holds a NaN in a slot the program reads (and
/// counts as missing): the caller then takes the row-by-row path, which
/// names the row.
pub(crate) fn block_missing(p: &Program, cols: &[&[f64]]) -> bool {
    if handles_missing(p) {
        return false;
    }
    let mut nan = false;
    program_slots(p, |s| {
        if let Some(c) = cols.get(s as usize) {
            nan |= c.iter().fold(false, |a, &x| a | x.is_nan());
        }
    });
    nan
}

/// Under `False` / `True` (`fill` 0 / 1): the causaloid of program `p`
/// decides `fill` on every row of the block where a slot it reads is
/// missing, as the row evaluator decides it (see `Run::decided`). Returns
/// whether every row was so decided (the column is then a plain verdict).
/// Used on the sample columns of uncertain inputs, where a missing certain
/// cell is NaN in every sample.
pub(crate) fn fill_missing_reads(p: &Program, cols: &[&[f64]], out: &mut [f64], fill: f64) -> bool {
    if !block_missing(p, cols) {
        return false;
    }
    let mut hit = vec![false; out.len()];
    program_slots(p, |s| {
        if let Some(c) = cols.get(s as usize) {
            for (h, x) in hit.iter_mut().zip(c.iter()) {
                *h |= x.is_nan();
            }
        }
    });
    for (o, &h) in out.iter_mut().zip(&hit) {
        if h {
            *o = fill;
        }
    }
    hit.iter().all(|&h| h)
}

/// How a slot is named in errors and explanations.
pub(crate) fn slot_name(table: &ColumnTable, s: usize) -> String {
    match table.slots().get(s) {
        Some(Slot::Input(name)) => name.clone(),
        Some(Slot::Read(r)) => r.describe(),
        None => format!("slot {s}"),
    }
}

/// The first slot of `row` that is missing for a reader, with that reader.
fn first_missing(row: &[f64], readers: &Readers) -> Option<(usize, NodeId)> {
    row.iter()
        .zip(readers)
        .enumerate()
        .find_map(|(s, (x, r))| match r {
            Some(id) if x.is_nan() => Some((s, id.clone())),
            _ => None,
        })
}

/// The nodes a graph evaluates in `mode` (before any relay).
fn evaluated_nodes(g: &CausalGraph, mode: &Mode) -> Option<Vec<bool>> {
    match mode {
        Mode::Roots => None,
        Mode::From(s) => Some(g.reachable(*s)),
        Mode::Path(path) => {
            let mut e = vec![false; g.len()];
            for &i in path {
                if let Some(x) = e.get_mut(i as usize) {
                    *x = true;
                }
            }
            Some(e)
        }
    }
}

/// Whether `row` holds a missing input of `member` evaluated in `mode`
/// (`None` for a member evaluated whole); the slot and its reader.
pub(crate) fn row_missing(
    member: &Member,
    mode: Option<&Mode>,
    row: &[f64],
) -> Option<(usize, NodeId)> {
    // The common case: no NaN at all, one pass over a few cells.
    if !row.iter().any(|x| x.is_nan()) {
        return None;
    }
    let evaluated = match (member, mode) {
        (Member::Graph(g), Some(m)) => evaluated_nodes(g, m),
        _ => None,
    };
    first_missing(row, &readers(member, evaluated.as_deref()))
}

/// A missing input of the nodes a relay to node `target` evaluates (the
/// sub-graph from it, which the check before the evaluation may not have
/// covered): the first slot with a NaN such a node reads, and that reader.
pub(crate) fn relay_missing(g: &CausalGraph, target: u32, row: &[f64]) -> Option<(usize, NodeId)> {
    if !row.iter().any(|x| x.is_nan()) {
        return None;
    }
    let evaluated = g.reachable(target);
    let fz = g.frozen().ok()?;
    let mut out = vec![None; fz.table.len()];
    for (i, (m, l)) in g.nodes().iter().zip(&fz.links).enumerate() {
        if evaluated.get(i).copied().unwrap_or(false) {
            mark_link(m, l, &mut out);
        }
    }
    first_missing(row, &out)
}

/// The error for a missing input in slot `s` of `member`'s table.
pub(crate) fn missing_error(
    member: &Member,
    s: usize,
    id: NodeId,
    row: Option<usize>,
) -> CausalError {
    CausalError::MissingInput {
        column: slot_name(member.table(), s),
        row,
        id,
    }
}

/// Whether any value of `cols` is NaN: a branch-free pass the compiler
/// vectorises, blocks at a time in parallel, stopping once one has one.
pub(crate) fn any_nan(cols: &[&[f64]]) -> bool {
    use rayon::prelude::*;
    cols.iter().any(|c| {
        c.par_chunks(1 << 14)
            .any(|b| b.iter().fold(false, |acc, &x| acc | x.is_nan()))
    })
}

/// A missing input of an evaluation on uncertain inputs (its sample columns
/// `cols`, the full layout): the first slot with a NaN that a causaloid
/// evaluated in `mode` reads, and that reader. Such evaluations raise.
pub(crate) fn sampled_missing(
    member: &Member,
    mode: &super::sampled::SampledMode,
    cols: &[&[f64]],
) -> Result<Option<(usize, NodeId)>, CausalError> {
    use super::sampled::SampledMode as S;
    if !any_nan(cols) {
        return Ok(None);
    }
    let evaluated = match (member, mode) {
        (Member::Graph(g), S::From(s)) => Some(g.reachable(g.index_of(s)?)),
        (Member::Graph(g), S::Path(a, b)) => {
            evaluated_nodes(g, &Mode::Path(g.shortest_path(a, b)?))
        }
        (Member::Graph(g), S::Single(n)) => evaluated_nodes(g, &Mode::Path(vec![g.index_of(n)?])),
        _ => None,
    };
    let readers = readers(member, evaluated.as_deref());
    Ok(cols
        .iter()
        .zip(&readers)
        .enumerate()
        .find_map(|(s, (c, r))| match r {
            Some(id) if c.iter().any(|x| x.is_nan()) => Some((s, id.clone())),
            _ => None,
        }))
}

/// The missing inputs of a batch: for each row that has one, its first
/// (slot, reader). `cols` is the full layout (inputs and reads).
pub(crate) fn batch_missing(
    member: &Member,
    cols: &[&[f64]],
    len: usize,
) -> Vec<(usize, usize, NodeId)> {
    if !any_nan(cols) {
        return Vec::new();
    }
    let readers = readers(member, None);
    let mut rows: Vec<(usize, usize, NodeId)> = Vec::new();
    let mut seen = vec![false; len];
    for (s, (c, r)) in cols.iter().zip(&readers).enumerate() {
        let Some(id) = r else { continue };
        for (i, x) in c.iter().enumerate().take(len) {
            if x.is_nan() && !seen[i] {
                seen[i] = true;
                rows.push((i, s, id.clone()));
            }
        }
    }
    rows.sort_by_key(|r| r.0);
    rows
}

// ---- the row evaluator for rows with missing inputs -------------------------------

/// What one row with missing inputs decided: a value (maybe unknown) and,
/// in words, the missing inputs met.
pub(crate) struct Run {
    pub policy: Missing,
    pub notes: Vec<String>,
    /// Whether the notes are wanted (an explanation); a batch row needs only
    /// the values, so it writes none.
    pub explain: bool,
    /// A batch row: host callables are called on row `r` of the batch's
    /// host (see [`super::causaloid::CausalFunction::call_at`]).
    pub batch_row: Option<usize>,
}

impl Run {
    pub fn new(policy: Missing) -> Run {
        Run {
            policy,
            notes: Vec::new(),
            explain: true,
            batch_row: None,
        }
    }

    fn note(&mut self, text: impl FnOnce() -> String) {
        if !self.explain {
            return;
        }
        let text = text();
        if !self.notes.contains(&text) {
            self.notes.push(text);
        }
    }

    /// What a causaloid that met a missing input decides under `False` / `True`.
    fn decided(&self) -> Option<Tri> {
        match self.policy {
            Missing::False => Some(Tri::known(Kind::Bool, 0.0)),
            Missing::True => Some(Tri::known(Kind::Bool, 1.0)),
            _ => None,
        }
    }
}

pub(crate) enum TriStep {
    Value(Tri),
    Relay(NodeId, Value),
}

fn outcome(t: Tri) -> Outcome {
    match t.value() {
        Some(v) => Outcome::Decided(v),
        None => Outcome::Unknown,
    }
}

/// Evaluates `member` (member `idx` of the structure in `scope`, laid into
/// its parent's `table` by `link`) on one row, three-valued.
#[allow(clippy::too_many_arguments)]
pub(crate) fn eval_member(
    member: &Member,
    link: &Link,
    table: &ColumnTable,
    value: Option<Tri>,
    row: &[f64],
    host: Option<&HostRow>,
    scope: u32,
    idx: u32,
    ctx: &mut Ctx,
    run: &mut Run,
) -> Result<TriStep, CausalError> {
    let input = value.and_then(Tri::value);
    match member {
        Member::Causaloid(c) => {
            let step = eval_causaloid(c, link, table, value, row, &[], host, run);
            push_step(ctx, scope, idx, input, &step);
            step
        }
        Member::Collection(coll) => {
            let inner = ctx.trace.enter(scope, idx, input);
            let sub = link.gather(row);
            let r = eval_collection(coll, value, &sub, host, inner, ctx, run);
            leave(ctx, scope, idx, input, &r);
            r.map(TriStep::Value)
        }
        Member::Graph(g) => {
            let inner = ctx.trace.enter(scope, idx, input);
            let sub = link.gather(row);
            let r = run_graph(g, Mode::Roots, value, &sub, host, inner, ctx, run);
            leave(ctx, scope, idx, input, &r);
            r.map(TriStep::Value)
        }
    }
}

fn push_step(
    ctx: &mut Ctx,
    scope: u32,
    idx: u32,
    input: Option<Value>,
    step: &Result<TriStep, CausalError>,
) {
    let o = match step {
        Ok(TriStep::Value(t)) => outcome(*t),
        Ok(TriStep::Relay(_, v)) => Outcome::Relayed {
            target: u32::MAX,
            value: *v,
        },
        Err(_) => Outcome::Failed,
    };
    ctx.trace.push(scope, idx, input, o);
}

fn leave(ctx: &mut Ctx, scope: u32, idx: u32, input: Option<Value>, r: &Result<Tri, CausalError>) {
    let o = match r {
        Ok(t) => outcome(*t),
        Err(_) => Outcome::Failed,
    };
    ctx.trace.push(scope, idx, input, o);
}

#[allow(clippy::too_many_arguments)]
fn eval_causaloid(
    c: &Causaloid,
    link: &Link,
    table: &ColumnTable,
    value: Option<Tri>,
    row: &[f64],
    nodes: &[Tri],
    host: Option<&HostRow>,
    run: &mut Run,
) -> Result<TriStep, CausalError> {
    match (c.function(), &link.program) {
        (Function::Expr { .. }, Some(p)) => {
            eval_program(c.id(), p, table, value, row, nodes, run).map(TriStep::Value)
        }
        (Function::Callable(f), _) => {
            if value.is_some_and(|v| !v.known) {
                // A host function cannot be handed an unknown value.
                return Ok(TriStep::Value(Tri::unknown(Kind::Bool)));
            }
            let given = value.and_then(Tri::value);
            let called = match run.batch_row {
                Some(r) => f.call_at(given, host, r),
                None => f.call(given, host),
            };
            match called {
                Ok(Output::Value(v)) if v.num().is_nan() => {
                    run.note(|| format!("causaloid {} returned NaN", c.id()));
                    Ok(TriStep::Value(
                        run.decided().unwrap_or(Tri::unknown(Kind::Bool)),
                    ))
                }
                Ok(Output::Value(v)) => Ok(TriStep::Value(Tri::of(v))),
                Ok(Output::Relay(t, v)) => Ok(TriStep::Relay(t, v)),
                Err(e) => Err(call_error(c.id(), e, None)),
            }
        }
        (Function::Expr { .. }, None) => Err(CausalError::InvalidArgument {
            name: "causaloid",
            message: format!("causaloid {} has no compiled program", c.id()),
        }),
    }
}

/// An expression laid onto `table`'s row, on one row, three-valued under
/// `run`'s policy: a causaloid's, a state machine's expression state's.
#[allow(clippy::too_many_arguments)]
pub(crate) fn eval_program(
    id: &NodeId,
    p: &Program,
    table: &ColumnTable,
    value: Option<Tri>,
    row: &[f64],
    nodes: &[Tri],
    run: &mut Run,
) -> Result<Tri, CausalError> {
    if p.reads_value() && value.is_none() {
        return Err(CausalError::MissingValue { id: id.clone() });
    }
    if let Some(target) = p.nodes().get(nodes.len()) {
        return Err(CausalError::NodeRead {
            id: id.clone(),
            target: target.clone(),
            reason: "is not a parent of it in a graph (node reads need a graph around them)",
        });
    }
    let handles = handles_missing(p);
    let mut missing_here = false;
    if !handles {
        program_slots(p, |s| {
            if row.get(s as usize).is_some_and(|x| x.is_nan()) {
                missing_here = true;
                run.note(|| format!("{:?} read by {}", slot_name(table, s as usize), id));
            }
        });
    }
    if missing_here {
        if let Some(t) = run.decided() {
            return Ok(t);
        }
    }
    let unknown_in =
        (p.reads_value() && value.is_some_and(|v| !v.known)) || nodes.iter().any(|n| !n.known);
    if handles || (!missing_here && !unknown_in) {
        let v = value.map_or((Kind::Num, f64::NAN), |v| (v.kind, v.x));
        let known: Vec<(Kind, f64)> = nodes.iter().map(|n| (n.kind, n.x)).collect();
        let (k, x) = p.eval(row, v, &known, &mut Vec::new());
        return Ok(Tri::known(k, x));
    }
    let v = value.unwrap_or(Tri::unknown(Kind::Num));
    Ok(kleene(p, row, v, nodes))
}

/// An expression laid onto `table`'s row (a state machine's expression
/// state) on a row with a missing input, under `policy` (not `Raise`): its
/// value (`None` when unknown) and the missing inputs met, in words.
pub(crate) fn program_row(
    id: &NodeId,
    p: &Program,
    table: &ColumnTable,
    value: Option<Value>,
    row: &[f64],
    policy: Missing,
) -> Result<(Option<Value>, Vec<String>), CausalError> {
    let mut run = Run::new(policy);
    let t = eval_program(id, p, table, value.map(Tri::of), row, &[], &mut run)?;
    Ok((t.value(), run.notes))
}

/// A program on one row whose leaves may be unknown: an operator with an
/// unknown operand is unknown, except `and` / `or` / `min` / `max` when
/// their value is the same whatever the unknown operand is.
fn kleene(p: &Program, row: &[f64], value: Tri, nodes: &[Tri]) -> Tri {
    let load = |a: Operand, stack: &mut Vec<Tri>| -> Tri {
        match a {
            Operand::Stack => stack.pop().unwrap_or(Tri::unknown(Kind::Num)),
            Operand::Col(s) => {
                let x = row.get(s as usize).copied().unwrap_or(f64::NAN);
                if x.is_nan() {
                    Tri::unknown(Kind::Num)
                } else {
                    Tri::known(Kind::Num, x)
                }
            }
            Operand::Value => value,
            Operand::Node(k) => nodes
                .get(k as usize)
                .copied()
                .unwrap_or(Tri::unknown(Kind::Num)),
            Operand::Lit(k, x) => Tri::known(k, x),
        }
    };
    let mut stack: Vec<Tri> = Vec::with_capacity(8);
    for op in p.ops() {
        let t = match *op {
            Op::Push(a) => load(a, &mut stack),
            Op::Unary(u, a) => {
                let t = load(a, &mut stack);
                let k = unary_kind(u, t.kind);
                if t.known {
                    Tri::known(k, apply_unary(u, t.x))
                } else {
                    Tri::unknown(k)
                }
            }
            Op::Binary(b, x, y) => {
                let ty = load(y, &mut stack);
                let tx = load(x, &mut stack);
                binary(b, tx, ty)
            }
            Op::Between => {
                let hi = stack.pop().unwrap_or(Tri::unknown(Kind::Num));
                let lo = stack.pop().unwrap_or(Tri::unknown(Kind::Num));
                let x = stack.pop().unwrap_or(Tri::unknown(Kind::Num));
                if x.known && lo.known && hi.known {
                    Tri::known(Kind::Bool, between(x.x, lo.x, hi.x))
                } else {
                    Tri::unknown(Kind::Bool)
                }
            }
            Op::BetweenLit(a, lo, hi) => {
                let x = load(a, &mut stack);
                if x.known {
                    Tri::known(Kind::Bool, between(x.x, lo, hi))
                } else {
                    Tri::unknown(Kind::Bool)
                }
            }
        };
        stack.push(t);
    }
    stack.pop().unwrap_or(Tri::unknown(Kind::Num))
}

/// A binary operator, three-valued. `and` / `or` / `min` / `max` are
/// monotone: the result is known when it is the same at both bounds of the
/// unknown operands.
fn binary(b: BinaryOp, x: Tri, y: Tri) -> Tri {
    let k = binary_kind(b, x.kind, y.kind);
    if x.known && y.known {
        return Tri::known(k, apply_binary(b, x.x, y.x));
    }
    use BinaryOp::*;
    if matches!(b, And | Or | Min | Max) {
        let (xl, xh) = x.bounds(false);
        let (yl, yh) = y.bounds(false);
        let lo = apply_binary(b, xl, yl);
        let hi = apply_binary(b, xh, yh);
        if lo == hi {
            return Tri::known(k, lo);
        }
    }
    Tri::unknown(k)
}

/// The join of verdicts (their or / max), three-valued.
fn join(values: &[Tri]) -> Option<Tri> {
    let first = values.first()?;
    let kind = values.iter().fold(first.kind, |k, v| k.both(v.kind));
    let lo = values
        .iter()
        .map(|v| v.bounds(true).0)
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = values
        .iter()
        .map(|v| v.bounds(true).1)
        .fold(f64::NEG_INFINITY, f64::max);
    Some(if lo == hi {
        Tri::known(kind, lo)
    } else {
        Tri::unknown(kind)
    })
}

/// A collection's logic on verdicts, three-valued: every logic is monotone,
/// so the result is known when it is the same with the unknown members
/// false and with them true.
pub(crate) fn aggregate(logic: Logic, values: &[Tri]) -> Tri {
    let at = |pick: fn((f64, f64)) -> f64| -> (Kind, f64) {
        let v: Vec<(Kind, f64)> = values
            .iter()
            .map(|t| (t.kind, pick(t.bounds(true))))
            .collect();
        logic.aggregate(&v, &mut Vec::new())
    };
    let (k, lo) = at(|b| b.0);
    let (_, hi) = at(|b| b.1);
    if lo == hi {
        Tri::known(k, lo)
    } else {
        Tri::unknown(k)
    }
}

fn check(id: &NodeId, t: Tri) -> Result<Tri, CausalError> {
    if t.known {
        let v = check_verdict(id, t.kind, t.x, None)?;
        Ok(Tri::known(v.kind(), v.degree()))
    } else {
        Ok(t)
    }
}

fn eval_collection(
    coll: &Collection,
    value: Option<Tri>,
    row: &[f64],
    host: Option<&HostRow>,
    scope: u32,
    ctx: &mut Ctx,
    run: &mut Run,
) -> Result<Tri, CausalError> {
    let mut values = Vec::with_capacity(coll.members.len());
    for (i, (m, link)) in coll.members.iter().zip(&coll.links).enumerate() {
        match eval_member(
            m,
            link,
            &coll.table,
            value,
            row,
            host,
            scope,
            i as u32,
            ctx,
            run,
        )? {
            TriStep::Value(t) => values.push(check(m.id(), t)?),
            TriStep::Relay(..) => {
                return Err(CausalError::RelayNotAllowed {
                    id: m.id().clone(),
                    reason: "is not allowed inside a collection (relays continue within a graph)",
                })
            }
        }
    }
    check(&coll.id, aggregate(coll.logic, &values))
}

/// Evaluates a graph on one row three-valued, in `mode`, following relays.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_graph(
    g: &CausalGraph,
    mode: Mode,
    value: Option<Tri>,
    row: &[f64],
    host: Option<&HostRow>,
    scope: u32,
    ctx: &mut Ctx,
    run: &mut Run,
) -> Result<Tri, CausalError> {
    let mut mode = mode;
    let mut value = value;
    let mut relays = 0usize;
    loop {
        match graph_once(g, &mode, value, row, host, scope, ctx, run)? {
            Ok(t) => return Ok(t),
            Err((target, v)) => {
                relays += 1;
                if relays > g.max_relays {
                    return Err(CausalError::RelayLimit {
                        limit: g.max_relays,
                        target,
                    });
                }
                let t = g.index_of(&target)?;
                ctx.trace.set_relay_target(t);
                mode = Mode::From(t);
                value = Some(Tri::of(v));
            }
        }
    }
}

type Once = Result<Tri, (NodeId, Value)>;

#[allow(clippy::too_many_arguments)]
fn graph_once(
    g: &CausalGraph,
    mode: &Mode,
    value: Option<Tri>,
    row: &[f64],
    host: Option<&HostRow>,
    scope: u32,
    ctx: &mut Ctx,
    run: &mut Run,
) -> Result<Once, CausalError> {
    let fz = g.frozen()?;
    let nodes = g.nodes();
    let mut out: Vec<Option<Tri>> = vec![None; g.len()];
    let table = &fz.table;
    let node_reads = |iu: usize, out: &[Option<Tri>]| -> Result<Vec<Tri>, CausalError> {
        let step = &fz.plan[fz.step_of[iu] as usize];
        fz.node_reads[step.reads.0 as usize..step.reads.1 as usize]
            .iter()
            .map(|&t| {
                out[t as usize].ok_or_else(|| CausalError::NodeRead {
                    id: nodes[iu].id().clone(),
                    target: nodes[t as usize].id().clone(),
                    reason: "was not evaluated (it lies outside the part of the graph evaluated)",
                })
            })
            .collect()
    };
    let eval_node = |i: u32,
                     incoming: Option<Tri>,
                     out: &[Option<Tri>],
                     ctx: &mut Ctx,
                     run: &mut Run|
     -> Result<TriStep, CausalError> {
        let iu = i as usize;
        match &nodes[iu] {
            Member::Causaloid(c) => {
                let reads = node_reads(iu, out)?;
                let step =
                    eval_causaloid(c, &fz.links[iu], table, incoming, row, &reads, host, run);
                push_step(ctx, scope, i, incoming.and_then(Tri::value), &step);
                step
            }
            m => eval_member(
                m,
                &fz.links[iu],
                table,
                incoming,
                row,
                host,
                scope,
                i,
                ctx,
                run,
            ),
        }
    };
    if let Mode::Path(path) = mode {
        let mut incoming = value;
        for &i in path {
            match eval_node(i, incoming, &out, ctx, run)? {
                TriStep::Value(t) => {
                    out[i as usize] = Some(t);
                    incoming = Some(t);
                }
                TriStep::Relay(t, v) => return Ok(Err((t, v))),
            }
        }
        ctx.trace
            .conclude(scope, path.last().copied().into_iter().collect());
        return Ok(Ok(incoming.unwrap_or(Tri::known(Kind::Bool, 0.0))));
    }
    let reach = match mode {
        Mode::From(s) => Some(g.reachable(*s)),
        _ => None,
    };
    for step in &fz.plan {
        let i = step.node;
        let iu = i as usize;
        if reach.as_ref().is_some_and(|r| !r[iu]) {
            continue;
        }
        let parents = &fz.parents[step.parents.0 as usize..step.parents.1 as usize];
        let got: Vec<(u32, Tri)> = parents
            .iter()
            .filter_map(|&p| out[p as usize].map(|t| (p, t)))
            .collect();
        let incoming = match got.as_slice() {
            [] => value,
            [(_, t)] => Some(*t),
            several => {
                let mut vs = Vec::with_capacity(several.len());
                for (p, t) in several {
                    vs.push(if step.needs_value {
                        check(nodes[*p as usize].id(), *t)?
                    } else {
                        *t
                    });
                }
                join(&vs)
            }
        };
        match eval_node(i, incoming, &out, ctx, run)? {
            TriStep::Value(t) => out[iu] = Some(t),
            TriStep::Relay(t, v) => return Ok(Err((t, v))),
        }
    }
    let mut sinks = Vec::new();
    for &i in &fz.order {
        let iu = i as usize;
        let is_sink = match reach {
            None => g.children[iu].is_empty(),
            Some(_) => {
                out[iu].is_some() && !g.children[iu].iter().any(|&c| out[c as usize].is_some())
            }
        };
        if is_sink {
            sinks.push(i);
        }
    }
    let result = if let [only] = sinks.as_slice() {
        out[*only as usize].unwrap_or(Tri::known(Kind::Bool, 0.0))
    } else {
        let mut vs = Vec::with_capacity(sinks.len());
        for &s in &sinks {
            let t = out[s as usize].unwrap_or(Tri::known(Kind::Bool, 0.0));
            vs.push(check(nodes[s as usize].id(), t)?);
        }
        join(&vs).unwrap_or(Tri::known(Kind::Bool, 0.0))
    };
    ctx.trace.conclude(scope, sinks);
    Ok(Ok(result))
}

/// Ends a row evaluated here: the evaluation, noting the missing inputs met
/// and whether the verdict is unknown.
fn finish(
    ctx: Ctx,
    top: Member,
    input: &Input<'_>,
    row: Vec<f64>,
    r: Result<Tri, CausalError>,
    note: String,
    run: Run,
) -> Evaluation {
    let unknown = matches!(r, Ok(t) if !t.known);
    // An unknown verdict's value is never read: `is_unknown` says so.
    let result = r.map(|t| t.value().unwrap_or(Value::Bool(false)));
    ctx.finish(top, input, row, result, note)
        .with_missing(run.notes, unknown)
}

/// Evaluates a graph's row that has a missing input, in `mode`, under `policy`.
pub(crate) fn graph_row(
    g: &Arc<CausalGraph>,
    mode: Mode,
    input: &Input<'_>,
    row: Vec<f64>,
    policy: Missing,
    note: String,
) -> Evaluation {
    let mut ctx = Ctx::new(g.len());
    let mut run = Run::new(policy);
    let scope = ctx.trace.enter(0, 0, input.value);
    let r = run_graph(
        g,
        mode,
        input.value.map(Tri::of),
        &row,
        input.host,
        scope,
        &mut ctx,
        &mut run,
    );
    leave(&mut ctx, 0, 0, input.value, &r);
    finish(ctx, Member::Graph(Arc::clone(g)), input, row, r, note, run)
}

/// Evaluates a member's row that has a missing input under `policy`.
pub(crate) fn member_row(
    member: &Member,
    input: &Input<'_>,
    row: Vec<f64>,
    policy: Missing,
) -> Evaluation {
    let mut ctx = Ctx::new(member.size());
    // Its notes name the missing inputs (an explanation, a state's unknown).
    let mut run = Run::new(policy);
    let link = Link::identity(member);
    let r = eval_member(
        member,
        &link,
        member.table(),
        input.value.map(Tri::of),
        &row,
        input.host,
        0,
        0,
        &mut ctx,
        &mut run,
    )
    .and_then(|step| match step {
        TriStep::Value(t) => Ok(t),
        TriStep::Relay(..) => Err(CausalError::RelayNotAllowed {
            id: member.id().clone(),
            reason: "has no graph around it to relay within",
        }),
    });
    finish(ctx, member.clone(), input, row, r, String::new(), run)
}

/// One batch row (the full layout: inputs and reads) with a missing input,
/// under `policy`: its value (`None` when unknown) and the value of each
/// member of the top structure (by index; `None` when unknown).
pub(crate) fn batch_row(
    member: &Member,
    value: Option<Value>,
    row: &[f64],
    policy: Missing,
) -> Result<RowValues, CausalError> {
    batch_row_at(member, value, row, policy, None, 0)
}

/// [`batch_row`] for row `r` of a batch whose host callables read `host`
/// (the batch's host, as `call_batch` receives it): each callable is called
/// on that row alone, as evaluating the row alone calls it.
pub(crate) fn batch_row_at(
    member: &Member,
    value: Option<Value>,
    row: &[f64],
    policy: Missing,
    host: Option<&HostRow>,
    r: usize,
) -> Result<RowValues, CausalError> {
    let mut ctx = Ctx::new(member.size());
    let mut run = Run::new(policy);
    run.explain = false;
    run.batch_row = host.map(|_| r);
    let link = Link::identity(member);
    let t = match eval_member(
        member,
        &link,
        member.table(),
        value.map(Tri::of),
        row,
        host,
        0,
        0,
        &mut ctx,
        &mut run,
    )? {
        TriStep::Value(t) => t,
        TriStep::Relay(..) => {
            return Err(CausalError::RelayNotAllowed {
                id: member.id().clone(),
                reason: "is not allowed in a batch",
            })
        }
    };
    // A lone causaloid is its own member (scope 0); a structure's members
    // are in the scope it entered (1).
    let inner = u32::from(!matches!(member, Member::Causaloid(_)));
    let nodes = ctx
        .trace
        .decoded()
        .filter(|e| e.scope == inner)
        .filter_map(|e| match e.outcome {
            Outcome::Decided(v) => Some((e.member, Some(v))),
            Outcome::Unknown => Some((e.member, None)),
            _ => None,
        })
        .collect();
    Ok((t.value(), nodes))
}

/// A row's value and its members' values (see [`batch_row`]).
pub(crate) type RowValues = (Option<Value>, Vec<(u32, Option<Value>)>);

#[cfg(test)]
mod tests {
    use super::*;

    const T: Tri = Tri {
        kind: Kind::Bool,
        x: 1.0,
        known: true,
    };
    const F: Tri = Tri {
        kind: Kind::Bool,
        x: 0.0,
        known: true,
    };
    const U: Tri = Tri {
        kind: Kind::Bool,
        x: f64::NAN,
        known: false,
    };

    fn same(a: Tri, b: Tri) -> bool {
        a.known == b.known && (!a.known || a.x == b.x)
    }

    #[test]
    fn kleene_and_or_truth_tables() {
        let vals = [T, F, U];
        for a in vals {
            for b in vals {
                let and = binary(BinaryOp::And, a, b);
                let or = binary(BinaryOp::Or, a, b);
                let expect_and = if (a.known && a.x == 0.0) || (b.known && b.x == 0.0) {
                    F
                } else if a.known && b.known {
                    T
                } else {
                    U
                };
                let expect_or = if (a.known && a.x == 1.0) || (b.known && b.x == 1.0) {
                    T
                } else if a.known && b.known {
                    F
                } else {
                    U
                };
                assert!(same(and, expect_and), "{a:?} and {b:?}");
                assert!(same(or, expect_or), "{a:?} or {b:?}");
            }
        }
    }

    #[test]
    fn aggregates_decide_only_when_the_unknown_cannot_change_them() {
        assert!(same(aggregate(Logic::Any, &[U, T]), T));
        assert!(same(aggregate(Logic::Any, &[U, F]), U));
        assert!(same(aggregate(Logic::All, &[U, F]), F));
        assert!(same(aggregate(Logic::All, &[U, T]), U));
        assert!(same(aggregate(Logic::None, &[U, T]), F));
        assert!(same(aggregate(Logic::AtLeast(2), &[T, T, U]), T));
        assert!(same(aggregate(Logic::AtLeast(2), &[T, F, U]), U));
        assert!(same(aggregate(Logic::AtLeast(2), &[F, F, U]), F));
    }

    #[test]
    fn policy_names_round_trip_and_unknown_names_are_refused() {
        for p in [
            Missing::Raise,
            Missing::False,
            Missing::True,
            Missing::Propagate,
        ] {
            assert_eq!(Missing::from_name(p.name()).ok(), Some(p));
        }
        assert!(matches!(
            Missing::from_name("drop"),
            Err(CausalError::InvalidArgument {
                name: "missing",
                ..
            })
        ));
    }
}
