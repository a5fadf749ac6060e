//! Batch evaluation: a whole table at once, column by column; values of any
//! kind travel along the edges, as in single-row evaluation. Rows are split
//! into blocks evaluated in parallel (rayon) when every causaloid is native;
//! with host callables the batch is one block, so each callable is called once
//! with whole arrays. Every row goes through the same op table and the same
//! join and aggregation as single-row evaluation, so row i of a batch equals
//! evaluating row i alone.

use super::bits::PackedVerdicts;
use super::causal_graph::CausalGraph;
use super::causaloid::{call_error, check_verdict, Function, HostRow};
use super::id::NodeId;
use super::member::{Link, Member};
use super::missing::{self, Missing};
use crate::error::CausalError;
use crate::expr::BlockScratch;
use crate::value::Kind;
use crate::value::{Value, Verdict};
use rayon::prelude::*;

/// A batch: one slice per input column of [`Member::columns`], all of length
/// `len`, and optionally the incoming value of each row. The engine adds the
/// context reads.
pub struct BatchInput<'a> {
    pub columns: Vec<&'a [f64]>,
    pub len: usize,
    pub value: Option<(Kind, &'a [f64])>,
    pub host: Option<&'a HostRow>,
}

/// Per-row values (booleans as 0/1 when `kind` is `Bool`), and each top-level
/// node's values when asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOutput {
    pub kind: Kind,
    pub verdicts: Vec<f64>,
    pub activations: Vec<(NodeId, Kind, Vec<f64>)>,
    /// With `missing="propagate"`: per row, whether its verdict is unknown
    /// (its value is then NaN). Empty when no row is unknown.
    pub unknown: Vec<bool>,
}

type Column = (Kind, Vec<f64>);

impl Member {
    /// Evaluates every row of `input`. With `activations`, also returns the
    /// verdicts of each node of a graph (each member of a collection).
    pub fn evaluate_batch(
        &self,
        input: &BatchInput<'_>,
        activations: bool,
    ) -> Result<BatchOutput, CausalError> {
        self.evaluate_batch_with(input, activations, Missing::Raise)
    }

    /// [`Member::evaluate_batch`], deciding missing inputs by `missing`
    /// (see `missing.rs`): rows without one take the usual path, rows with
    /// one the row evaluator of `missing.rs`, so row `i` equals row `i` alone.
    /// Under `Propagate`, [`BatchOutput::unknown`] marks the unknown rows.
    pub fn evaluate_batch_with(
        &self,
        input: &BatchInput<'_>,
        activations: bool,
        missing: Missing,
    ) -> Result<BatchOutput, CausalError> {
        // A read of an uncertain data contextoid: row by row on samples.
        if self.reads_uncertain_context()? {
            let samples = match self {
                Member::Causaloid(c) => c.decide(),
                _ => None,
            }
            .unwrap_or_default()
            .max_samples;
            return self.evaluate_batch_sampled_with(
                input,
                activations,
                super::sampled::DEFAULT_BATCH_SEED,
                samples,
                missing,
            );
        }
        if !activations {
            if let Some(packed) = self.evaluate_batch_packed_with(input, missing)? {
                return Ok(BatchOutput {
                    kind: Kind::Bool,
                    verdicts: packed.to_f64(),
                    activations: Vec::new(),
                    unknown: Vec::new(),
                });
            }
        }
        self.check_batch(input)?;
        let len = input.len;
        // The full row layout: inputs where they belong, context reads filled.
        let table = self.table();
        let mut full: Vec<&[f64]> = vec![&[]; table.len()];
        for (&s, c) in table.input_slots().iter().zip(&input.columns) {
            full[s as usize] = c;
        }
        let read_cols = table.read_columns(&full, len)?;
        for (s, c) in &read_cols {
            full[*s as usize] = c;
        }
        let dirty = missing::batch_missing(self, &full, len);
        if let Some((r, s, id)) = dirty.first() {
            if missing == Missing::Raise {
                return Err(missing::missing_error(self, *s, id.clone(), Some(*r)));
            }
            return self.batch_with_missing(input, &full, &dirty, activations, missing);
        }
        let (mut out, mut redo) =
            self.run_blocks(input, &full, input.value, activations, missing)?;
        if !redo.is_empty() {
            redo.sort_unstable();
            redo.dedup();
            self.rows_alone(&mut out, &redo, &full, input, activations, missing, false)?;
        }
        Ok(out)
    }

    /// A batch with rows that miss inputs, under a policy that decides them:
    /// the other rows take the usual path (the missing rows stand in for
    /// the first complete row there), each missing row the row evaluator.
    /// Host callables see the batch's own rows (the row evaluator calls them
    /// on the missing rows alone, see `CausalFunction::call_at`).
    fn batch_with_missing(
        &self,
        input: &BatchInput<'_>,
        full: &[&[f64]],
        dirty: &[(usize, usize, NodeId)],
        activations: bool,
        policy: Missing,
    ) -> Result<BatchOutput, CausalError> {
        let len = input.len;
        let mut is_dirty = vec![false; len];
        for (r, ..) in dirty {
            is_dirty[*r] = true;
        }
        let clean = is_dirty.iter().position(|d| !d);
        let (mut out, redo) = match clean {
            Some(c) => {
                let fill = |col: &[f64]| -> Vec<f64> {
                    col.iter()
                        .zip(&is_dirty)
                        .map(|(&x, &d)| if d { col[c] } else { x })
                        .collect()
                };
                let owned: Vec<Vec<f64>> = full.iter().map(|col| fill(col)).collect();
                let cols: Vec<&[f64]> = owned.iter().map(Vec::as_slice).collect();
                let value = input.value.map(|(k, v)| (k, fill(v)));
                let value = value.as_ref().map(|(k, v)| (*k, v.as_slice()));
                self.run_blocks(input, &cols, value, activations, policy)?
            }
            None => (
                BatchOutput {
                    kind: Kind::Bool,
                    verdicts: vec![0.0; len],
                    activations: Vec::new(),
                    unknown: Vec::new(),
                },
                Vec::new(),
            ),
        };
        // Rows with a missing input, and the rows where a host callable
        // returned NaN under `Propagate`, in row order.
        let mut rows: Vec<usize> = dirty.iter().map(|d| d.0).collect();
        rows.extend(redo.into_iter().filter(|&r| !is_dirty[r]));
        rows.sort_unstable();
        rows.dedup();
        self.rows_alone(
            &mut out,
            &rows,
            full,
            input,
            activations,
            policy,
            clean.is_none(),
        )?;
        Ok(out)
    }

    /// Decides `rows` of a batch again with the row evaluator of
    /// `missing.rs` (each as if evaluated alone) and writes them into `out`.
    /// `fresh`: `out` holds no decided row yet (its kind is the first row's).
    #[allow(clippy::too_many_arguments)]
    fn rows_alone(
        &self,
        out: &mut BatchOutput,
        rows: &[usize],
        full: &[&[f64]],
        input: &BatchInput<'_>,
        activations: bool,
        policy: Missing,
        fresh: bool,
    ) -> Result<(), CausalError> {
        let len = input.len;
        let mut row = vec![0.0; full.len()];
        let mut fresh = fresh;
        for &r in rows {
            for (o, c) in row.iter_mut().zip(full) {
                *o = c.get(r).copied().unwrap_or(f64::NAN);
            }
            let value = input
                .value
                .map(|(k, v)| Value::from_raw(k, v.get(r).copied().unwrap_or(f64::NAN)));
            let (v, nodes) = missing::batch_row_at(self, value, &row, policy, input.host, r)
                .map_err(|e| at_row(e, r))?;
            match v {
                Some(v) => {
                    if fresh {
                        out.kind = v.kind();
                        fresh = false;
                    }
                    out.verdicts[r] = v.num();
                }
                None => {
                    if out.unknown.is_empty() {
                        out.unknown = vec![false; len];
                    }
                    out.unknown[r] = true;
                    out.verdicts[r] = f64::NAN;
                }
            }
            if activations && out.activations.is_empty() {
                out.activations = self
                    .children()
                    .iter()
                    .map(|m| (m.id().clone(), Kind::Bool, vec![f64::NAN; len]))
                    .collect();
            }
            // Each node's value on the row, as the row evaluator decided it;
            // an unknown one is NaN in a numeric column.
            for (k, v) in nodes {
                if let Some((_, kind, a)) = out.activations.get_mut(k as usize) {
                    match v {
                        Some(v) => a[r] = v.num(),
                        None => {
                            a[r] = f64::NAN;
                            *kind = Kind::Num;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The blocks of a batch over the full row layout `full`.
    fn run_blocks(
        &self,
        input: &BatchInput<'_>,
        full: &[&[f64]],
        value: Option<(Kind, &[f64])>,
        activations: bool,
        policy: Missing,
    ) -> Result<(BatchOutput, Vec<usize>), CausalError> {
        let len = input.len;
        let block = if self.has_callables() {
            len.max(1)
        } else {
            ((1usize << 19) / self.size().max(1)).clamp(64, 4096)
        };
        let starts: Vec<usize> = (0..len).step_by(block).collect();
        let link = Link::identity(self);
        type Block = (Column, Vec<Column>, Vec<usize>);
        let run = |&start: &usize| -> Result<Block, CausalError> {
            let end = (start + block).min(len);
            let cols: Vec<&[f64]> = full.iter().map(|c| &c[start..end]).collect();
            let value = value.map(|(k, v)| (k, &v[start..end]));
            let mut scratch = BlockScratch::default();
            scratch.missing = policy;
            let mut keep = if activations { Some(Vec::new()) } else { None };
            let out = block_member(
                self,
                &link,
                &cols,
                value,
                &[],
                end - start,
                start,
                input.host,
                &mut scratch,
                keep.as_mut(),
                &mut None,
            );
            match out {
                Ok(out) => Ok((out, keep.unwrap_or_default(), scratch.redo)),
                // A block fails at the first node that fails, which need not be
                // at the block's first failing row: find that row, as a
                // row-by-row evaluation would meet it.
                Err(e) if !self.has_callables() => {
                    Err(self.first_failure(input, start, end).unwrap_or(e))
                }
                Err(e) => Err(e),
            }
        };
        let blocks: Vec<Result<Block, CausalError>> = if self.has_callables() {
            starts.iter().map(run).collect()
        } else {
            starts.par_iter().map(run).collect()
        };
        let mut verdicts = Vec::with_capacity(len);
        let mut kind = Kind::Bool;
        let mut acts: Vec<Column> = Vec::new();
        let mut redo: Vec<usize> = Vec::new();
        for (b, result) in blocks.into_iter().enumerate() {
            // The first failing block holds the first failing row.
            let ((k, v), nodes, again) = result?;
            redo.extend(again);
            kind = if b == 0 { k } else { kind.both(k) };
            verdicts.extend_from_slice(&v);
            if activations {
                if acts.is_empty() {
                    acts = nodes.into_iter().map(|(k, v)| (k, Vec::from(v))).collect();
                } else {
                    for (a, (k, v)) in acts.iter_mut().zip(nodes) {
                        a.0 = a.0.both(k);
                        a.1.extend_from_slice(&v);
                    }
                }
            }
        }
        if len == 0 {
            kind = self.empty_kind();
        }
        let activations = self
            .children()
            .iter()
            .zip(acts)
            .map(|(m, (k, v))| (m.id().clone(), k, v))
            .collect();
        Ok((
            BatchOutput {
                kind,
                verdicts,
                activations,
                unknown: Vec::new(),
            },
            redo,
        ))
    }

    /// The verdicts of every row, bit-packed, when `self` is a graph whose
    /// every node decides a verdict from comparisons and its parents'
    /// verdicts (see `bits.rs`) and the batch has no incoming value; `None`
    /// when the general path [`Member::evaluate_batch`] is needed. Row `i`
    /// equals evaluating row `i` alone.
    pub fn evaluate_batch_packed(
        &self,
        input: &BatchInput<'_>,
    ) -> Result<Option<PackedVerdicts>, CausalError> {
        self.evaluate_batch_packed_with(input, Missing::Raise)
    }

    /// [`Member::evaluate_batch_packed`] deciding missing inputs by `missing`:
    /// a batch with a missing input raises under `Raise` and is left to the
    /// general path (`None`) otherwise.
    pub fn evaluate_batch_packed_with(
        &self,
        input: &BatchInput<'_>,
        missing: Missing,
    ) -> Result<Option<PackedVerdicts>, CausalError> {
        let Member::Graph(g) = self else {
            return Ok(None);
        };
        g.frozen()?;
        if self.reads_uncertain_context()? {
            return Ok(None);
        }
        if input.value.is_some() || input.host.is_some() {
            return Ok(None);
        }
        let Some(plan) = g.frozen()?.bits.as_deref() else {
            return Ok(None);
        };
        self.check_batch(input)?;
        let len = input.len;
        let table = self.table();
        let mut full: Vec<&[f64]> = vec![&[]; table.len()];
        for (&s, c) in table.input_slots().iter().zip(&input.columns) {
            full[s as usize] = c;
        }
        let read_cols = table.read_columns(&full, len)?;
        for (s, c) in &read_cols {
            full[*s as usize] = c;
        }
        // The kernels say whether a column they read held a NaN; only then
        // are the missing inputs looked for, precisely.
        let (packed, saw_nan) = plan.run(&full, len)?;
        if !saw_nan {
            return Ok(Some(packed));
        }
        let dirty = missing::batch_missing(self, &full, len);
        let Some((r, s, id)) = dirty.first() else {
            return Ok(Some(packed));
        };
        if missing == Missing::Raise {
            return Err(missing::missing_error(self, *s, id.clone(), Some(*r)));
        }
        // Decided rows with missing inputs: the kernels decide each row on
        // its own cells only, so every other row's bit stands; each row with
        // a missing input is decided again by the row evaluator and its bit
        // set. An unknown row (`Propagate`) needs the general path's mask.
        let mut packed = packed;
        let mut row = vec![0.0; full.len()];
        for (r, ..) in &dirty {
            for (o, c) in row.iter_mut().zip(&full) {
                *o = c.get(*r).copied().unwrap_or(f64::NAN);
            }
            let (v, _) =
                missing::batch_row(self, None, &row, missing).map_err(|e| at_row(e, *r))?;
            match v {
                Some(v) => packed.set(
                    *r,
                    Verdict::from_raw(v.kind(), v.num()).is_ok_and(Verdict::is_active),
                ),
                None => return Ok(None),
            }
        }
        Ok(Some(packed))
    }

    /// Checks the batch's shape against the member's columns.
    fn check_batch(&self, input: &BatchInput<'_>) -> Result<(), CausalError> {
        if let Member::Graph(g) = self {
            g.frozen()?;
        }
        let width = self.columns().len();
        if input.columns.len() != width {
            return Err(CausalError::Shape {
                what: "columns".into(),
                expected: width,
                found: input.columns.len(),
            });
        }
        for (name, col) in self.columns().iter().zip(&input.columns) {
            if col.len() != input.len {
                return Err(CausalError::Shape {
                    what: format!("column {name:?}"),
                    expected: input.len,
                    found: col.len(),
                });
            }
        }
        if let Some((_, v)) = input.value {
            if v.len() != input.len {
                return Err(CausalError::Shape {
                    what: "value".into(),
                    expected: input.len,
                    found: v.len(),
                });
            }
        }
        Ok(())
    }

    /// The error of the first row in `start..end` that fails on its own,
    /// with its row number.
    fn first_failure(
        &self,
        input: &BatchInput<'_>,
        start: usize,
        end: usize,
    ) -> Option<CausalError> {
        let mut row = vec![0.0; input.columns.len()];
        for r in start..end {
            for (o, c) in row.iter_mut().zip(&input.columns) {
                *o = c.get(r).copied().unwrap_or(f64::NAN);
            }
            let value = input.value.map(|(k, v)| {
                crate::value::Value::from_raw(k, v.get(r).copied().unwrap_or(f64::NAN))
            });
            let e = self.evaluate(&super::member::Input {
                value,
                row: &row,
                host: None,
            });
            if let Some(err) = e.error() {
                return Some(at_row(err.clone(), r));
            }
        }
        None
    }

    pub(crate) fn children(&self) -> &[Member] {
        match self {
            Member::Causaloid(_) => std::slice::from_ref(self),
            Member::Collection(c) => c.members(),
            Member::Graph(g) => g.nodes(),
        }
    }

    pub(crate) fn empty_kind(&self) -> Kind {
        Kind::Bool
    }
}

/// Evaluates `member` on a block of its parent's columns.
#[allow(clippy::too_many_arguments)]
pub(crate) fn block_member(
    member: &Member,
    link: &Link,
    cols: &[&[f64]],
    value: Option<(Kind, &[f64])>,
    nodes: &[(Kind, &[f64])],
    len: usize,
    row0: usize,
    host: Option<&HostRow>,
    scratch: &mut BlockScratch,
    keep: Option<&mut Vec<Column>>,
    decider: &mut Option<Decider>,
) -> Result<Column, CausalError> {
    match member {
        Member::Causaloid(c) => {
            let (kind, out) = match (c.function(), &link.program) {
                (Function::Expr { .. }, Some(program)) => {
                    if program.reads_value() && value.is_none() {
                        return Err(CausalError::MissingValue { id: c.id().clone() });
                    }
                    if let Some(target) = program.nodes().get(nodes.len()) {
                        return Err(CausalError::NodeRead {
                            id: c.id().clone(),
                            target: target.clone(),
                            reason: "is not a parent of it in a graph (node reads need a graph around them)",
                        });
                    }
                    let mut out = Vec::with_capacity(len);
                    let mut kind = program.eval_block(cols, value, nodes, len, scratch, &mut out);
                    // Samples of uncertain inputs may hold a missing certain
                    // cell (general batches never do: their rows with one go
                    // to the row evaluator); False / True decide it here.
                    let fill = match scratch.missing {
                        Missing::False => Some(0.0),
                        Missing::True => Some(1.0),
                        _ => None,
                    };
                    if let Some(fill) = fill {
                        if missing::fill_missing_reads(program, cols, &mut out, fill) {
                            kind = Kind::Bool;
                        }
                    }
                    (kind, out)
                }
                (Function::Callable(f), _) => {
                    let (kind, out) = f
                        .call_batch(value, len, host)
                        .map_err(|e| call_error(c.id(), e, None))?;
                    if out.len() != len {
                        return Err(CausalError::Shape {
                            what: format!("the batch result of causaloid {}", c.id()),
                            expected: len,
                            found: out.len(),
                        });
                    }
                    let mut out = out;
                    let kind = decide_nan(c.id(), kind, &mut out, row0, scratch)?;
                    (kind, out)
                }
                (Function::Expr { .. }, None) => {
                    return Err(CausalError::InvalidArgument {
                        name: "causaloid",
                        message: format!("causaloid {} has no compiled program", c.id()),
                    })
                }
            };
            let mut out = out;
            if let Some(d) = decider.as_mut() {
                d.decide(c, kind, &mut out)?;
            }
            if let Some(keep) = keep {
                keep.push((kind, out.clone()));
            }
            Ok((kind, out))
        }
        Member::Collection(coll) => {
            let sub: Vec<&[f64]> = link
                .map
                .iter()
                .map(|&s| cols.get(s as usize).copied().unwrap_or(&[]))
                .collect();
            let mut results: Vec<Column> = Vec::with_capacity(coll.members().len());
            for (m, l) in coll.members().iter().zip(&coll.links) {
                let r = block_member(
                    m,
                    l,
                    &sub,
                    value,
                    &[],
                    len,
                    row0,
                    host,
                    scratch,
                    None,
                    decider,
                )?;
                check_verdicts(m.id(), r.0, &r.1, row0)?;
                results.push(r);
            }
            let mut row = Vec::with_capacity(results.len());
            let mut buf = Vec::new();
            let mut out = Vec::with_capacity(len);
            let mut kind = Kind::Bool;
            for i in 0..len {
                row.clear();
                row.extend(results.iter().map(|(k, v)| (*k, v[i])));
                let (k, x) = coll.logic().aggregate(&row, &mut buf);
                kind = k;
                out.push(x);
            }
            if len == 0 {
                kind = results.iter().fold(Kind::Bool, |k, r| k.both(r.0));
            }
            if let Some(keep) = keep {
                keep.extend(results);
            }
            Ok((kind, out))
        }
        Member::Graph(g) => {
            let sub: Vec<&[f64]> = link
                .map
                .iter()
                .map(|&s| cols.get(s as usize).copied().unwrap_or(&[]))
                .collect();
            g.block_roots(&sub, value, len, row0, host, scratch, keep, decider, None)
        }
    }
}

impl CausalGraph {
    /// Evaluates a block from the roots, node by node in topological order.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn block_roots(
        &self,
        cols: &[&[f64]],
        value: Option<(Kind, &[f64])>,
        len: usize,
        row0: usize,
        host: Option<&HostRow>,
        scratch: &mut BlockScratch,
        keep: Option<&mut Vec<Column>>,
        decider: &mut Option<Decider>,
        reach: Option<(&[bool], u32)>,
    ) -> Result<Column, CausalError> {
        let fz = self.frozen()?;
        let n = self.len();
        let mut outs: Vec<Option<Column>> = vec![None; n];
        // A parent's column is freed once its last child has read it (node
        // reads are reads of parents, so they are counted the same way).
        let mut remaining_children: Vec<usize> = self.children.iter().map(Vec::len).collect();
        let keep_all = keep.is_some();
        let mut sinks: Vec<Column> = Vec::new();
        let mut sink_ids: Vec<u32> = Vec::new();
        for step in &fz.plan {
            let iu = step.node as usize;
            if reach.is_some_and(|(r, _)| !r[iu]) {
                continue;
            }
            let parents = &self.parents[iu];
            // One parent: its column in place, whatever its kind; several: the
            // join of their verdicts, built only when the node reads it.
            let joined = if parents.len() > 1 && step.needs_value {
                for &p in parents {
                    if let Some((k, x)) = &outs[p as usize] {
                        check_verdicts(self.nodes()[p as usize].id(), *k, x, row0)?;
                    }
                }
                self.join_parents(iu, &outs, len)
            } else {
                None
            };
            let single = match parents.as_slice() {
                [p] => outs[*p as usize]
                    .as_ref()
                    .map(|(k, x)| (*k, &x[..len.min(x.len())])),
                _ => None,
            };
            let is_start = match reach {
                Some((_, start)) => start == step.node,
                None => parents.is_empty(),
            };
            let v = match (&joined, single) {
                _ if is_start && reach.is_some() => value,
                (Some((k, x)), _) => Some((*k, x.as_slice())),
                (None, Some(s)) => Some(s),
                (None, None) if is_start => value,
                (None, None) => None,
            };
            let targets = &fz.node_reads[step.reads.0 as usize..step.reads.1 as usize];
            let mut reads: Vec<(Kind, &[f64])> = Vec::with_capacity(targets.len());
            for &t in targets {
                match &outs[t as usize] {
                    Some((k, x)) => reads.push((*k, x.as_slice())),
                    None => {
                        return Err(CausalError::NodeRead {
                            id: self.nodes()[iu].id().clone(),
                            target: self.nodes()[t as usize].id().clone(),
                            reason: "was not evaluated",
                        })
                    }
                }
            }
            let out = block_member(
                &self.nodes()[iu],
                &fz.links[iu],
                cols,
                v,
                &reads,
                len,
                row0,
                host,
                scratch,
                None,
                decider,
            )?;
            drop(reads);
            let is_sink = !self.children[iu]
                .iter()
                .any(|&c| reach.is_none_or(|(r, _)| r[c as usize]));
            if is_sink {
                sinks.push(out.clone());
                sink_ids.push(step.node);
            }
            outs[iu] = Some(out);
            if !keep_all {
                for &p in &self.parents[iu] {
                    remaining_children[p as usize] -= 1;
                    if remaining_children[p as usize] == 0 {
                        outs[p as usize] = None;
                    }
                }
            }
        }
        if let Some(keep) = keep {
            keep.extend(
                outs.into_iter()
                    .map(|o| o.unwrap_or((Kind::Bool, vec![0.0; len]))),
            );
        }
        if sinks.len() == 1 {
            return Ok(sinks.pop().unwrap_or((Kind::Bool, vec![0.0; len])));
        }
        // Several final nodes: the join of their verdicts.
        let mut result: Option<Column> = None;
        for (s, (k, x)) in sink_ids.iter().zip(sinks) {
            check_verdicts(self.nodes()[*s as usize].id(), k, &x, row0)?;
            result = Some(match result {
                None => (k, x),
                Some((rk, mut rx)) => {
                    for (r, &y) in rx.iter_mut().zip(&x) {
                        *r = r.max(y);
                    }
                    (rk.both(k), rx)
                }
            });
        }
        Ok(result.unwrap_or((Kind::Bool, vec![0.0; len])))
    }

    fn join_parents(&self, i: usize, outs: &[Option<Column>], len: usize) -> Option<Column> {
        let mut joined: Option<Column> = None;
        for &p in &self.parents[i] {
            if let Some((k, x)) = &outs[p as usize] {
                joined = Some(match joined {
                    None => (*k, x.clone()),
                    Some((jk, mut jx)) => {
                        for (j, &y) in jx.iter_mut().zip(x) {
                            *j = j.max(y);
                        }
                        (jk.both(*k), jx)
                    }
                });
            }
        }
        joined.map(|(k, mut x)| {
            x.truncate(len);
            (k, x)
        })
    }
}

/// A host function's NaN results are missing values: raised (naming the
/// row) under `Raise`, decided false / true under `False` / `True`; under
/// `Propagate` the rows are noted in `scratch.redo` (a placeholder `false`
/// stands in until the row evaluator decides them alone).
fn decide_nan(
    id: &NodeId,
    kind: Kind,
    out: &mut [f64],
    row0: usize,
    scratch: &mut BlockScratch,
) -> Result<Kind, CausalError> {
    let Some(i) = out.iter().position(|x| x.is_nan()) else {
        return Ok(kind);
    };
    let fill = match scratch.missing {
        Missing::False | Missing::Propagate => 0.0,
        Missing::True => 1.0,
        Missing::Raise => {
            return Err(CausalError::MissingOutput {
                id: id.clone(),
                row: Some(row0 + i),
            })
        }
    };
    for (r, x) in out.iter_mut().enumerate().skip(i) {
        if x.is_nan() {
            *x = fill;
            if scratch.missing == Missing::Propagate {
                scratch.redo.push(row0 + r);
            }
        }
    }
    Ok(kind)
}

/// A batch row's error names its row.
fn at_row(e: CausalError, r: usize) -> CausalError {
    match e {
        CausalError::InvalidVerdict { id, found, .. } => CausalError::InvalidVerdict {
            id,
            found,
            row: Some(r),
        },
        CausalError::MissingOutput { id, .. } => CausalError::MissingOutput { id, row: Some(r) },
        CausalError::MissingInput { column, id, .. } => CausalError::MissingInput {
            column,
            id,
            row: Some(r),
        },
        other => other,
    }
}

/// Checks a column where verdicts are needed: a branch-free test over the
/// block (NaN fails it too); the failing row is looked for only when there is one.
fn check_verdicts(id: &NodeId, kind: Kind, xs: &[f64], row0: usize) -> Result<(), CausalError> {
    if kind == Kind::Num && !xs.iter().fold(true, |ok, &x| ok & (x >= 0.0) & (x <= 1.0)) {
        for (i, &x) in xs.iter().enumerate() {
            check_verdict(id, kind, x, Some(row0 + i))?;
        }
    }
    Ok(())
}

/// Decides, during a pass over the samples of uncertain inputs, each bool a
/// causaloid gives by the sequential probability ratio test; the decided
/// value replaces the samples, so what follows sees a certain verdict.
pub(crate) struct Decider {
    pub default: crate::uncertain::SprtParams,
    pub seed: u64,
    pub decisions: Vec<(NodeId, crate::uncertain::Decision)>,
}

impl Decider {
    fn decide(
        &mut self,
        c: &super::causaloid::Causaloid,
        kind: Kind,
        out: &mut [f64],
    ) -> Result<(), CausalError> {
        let first = out.first().copied().unwrap_or(0.0);
        if kind != Kind::Bool || out.iter().all(|&x| x == first) {
            return Ok(());
        }
        let params = c.decide().unwrap_or(self.default);
        let decision = crate::uncertain::decide_samples(out, params, self.seed).map_err(|e| {
            CausalError::InvalidArgument {
                name: "decide",
                message: e.to_string(),
            }
        })?;
        out.fill(if decision.outcome { 1.0 } else { 0.0 });
        self.decisions.push((c.id().clone(), decision));
        Ok(())
    }
}
