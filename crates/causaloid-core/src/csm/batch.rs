//! A table through the state machine in one call. The states' causaloids are
//! evaluated natively over blocks of rows (expression states straight on the
//! columns, in parallel across blocks or states); then rows are walked in order, so the
//! firings, their vetting and the errors come out exactly as if each row had
//! gone through `decide` on its own.

use super::error::CsmError;
use super::machine::{Decided, Decision, EventError, EventUnknown, Kernel, StateMachine};
use super::record::{BatchFirings, SlotInfo};
use crate::expr::{BlockScratch, Scratch};
use crate::graph::{BatchInput, HostRow, Missing};
use crate::value::{Kind, Verdict};
use rayon::prelude::*;
use std::sync::Arc;

/// The result of [`StateMachine::decide_batch_compact`]: the batch's firings
/// (decided and vetted, not yet run) and its errors, in row order.
pub struct BatchDecision {
    pub firings: BatchFirings,
    pub errors: Vec<EventError>,
    /// States whose verdict is unknown (`Missing::Propagate`), by row then
    /// state, as a stream of the rows would list them.
    pub unknown: Vec<EventUnknown>,
}

/// Rows of native states evaluated together, bounding the dense verdict
/// buffers to `BLOCK` rows per thread (only the sparse hits are kept).
const BLOCK: usize = 2048;

/// One state over a block, kept sparse: the rows where it is active (with
/// the verdict) and the rows where it failed, both ascending.
#[derive(Default)]
struct StateColumn {
    active: Vec<(usize, Verdict)>,
    errors: Vec<(usize, CsmError)>,
    /// Rows where the verdict is unknown, with the missing inputs met.
    unknown: Vec<(usize, Vec<String>)>,
}

impl StateColumn {
    fn push(&mut self, r: usize, v: Result<Decided, CsmError>) {
        match v {
            Ok(Decided::Verdict(v)) if v.is_active() => self.active.push((r, v)),
            Ok(Decided::Verdict(_)) => {}
            Ok(Decided::Unknown(notes)) => self.unknown.push((r, notes)),
            Err(e) => self.errors.push((r, e)),
        }
    }
}

/// Rows tested together: a boolean group that is all false (the common case
/// for alarms) is skipped after one branch.
const GROUP: usize = 8;

/// The rows of a column block (without NaN) where `x <op> lit` holds, for a
/// comparison's truth table `t` (see `graph/single.rs`) and a literal that
/// is not NaN: what the row evaluator decides, from the batch kernels' packed
/// compares (64 rows a word, the widest vector instructions the CPU has).
fn compare_hits(t: u8, c: &[f64], lit: f64) -> StateColumn {
    use crate::expr::BinaryOp;
    use crate::graph::single::compare;
    let mut col = StateColumn::default();
    // Without NaN on either side exactly one of <, ==, > holds.
    let op = match (
        compare(t, -1.0, 0.0) != 0.0,
        compare(t, 0.0, 0.0) != 0.0,
        compare(t, 1.0, 0.0) != 0.0,
    ) {
        (false, false, false) => return col,
        (true, true, true) => {
            col.active
                .extend((0..c.len()).map(|r| (r, Verdict::Bool(true))));
            return col;
        }
        (true, false, false) => BinaryOp::Lt,
        (true, true, false) => BinaryOp::Le,
        (false, false, true) => BinaryOp::Gt,
        (false, true, true) => BinaryOp::Ge,
        (false, true, false) => BinaryOp::Eq,
        (true, false, true) => BinaryOp::Ne,
    };
    let words = crate::graph::bits::compare_column(op, c, lit);
    let hits = words.iter().map(|w| w.count_ones() as usize).sum();
    col.active.reserve_exact(hits);
    for (w, &word) in words.iter().enumerate() {
        let mut m = word;
        while m != 0 {
            col.active
                .push((w * 64 + m.trailing_zeros() as usize, Verdict::Bool(true)));
            m &= m - 1;
        }
    }
    col
}

/// The active rows of one state's block of raw verdicts, or None when a raw
/// value is no verdict (the block is then redone row by row).
fn sparse(kind: Kind, out: &[f64]) -> Option<StateColumn> {
    let mut col = StateColumn::default();
    for (g, group) in out.chunks(GROUP).enumerate() {
        // Shifting out the sign bit makes 0.0 and -0.0 both zero (false);
        // anything else (1.0, NaN ...) goes through the full check.
        if kind == Kind::Bool && group.iter().fold(0u64, |a, x| a | (x.to_bits() << 1)) == 0 {
            continue;
        }
        for (j, &x) in group.iter().enumerate() {
            if kind == Kind::Bool && x == 0.0 {
                continue;
            }
            match Verdict::from_raw(kind, x) {
                Ok(v) if v.is_active() => col.active.push((g * GROUP + j, v)),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }
    Some(col)
}

/// One block, evaluated: each state's hits, the rows where any state fires,
/// and those rows' values (row after row, full width).
struct BlockOut {
    cols: Vec<StateColumn>,
    fired_rows: Vec<usize>,
    values: Vec<f64>,
}

/// The distinct rows (below `rows`) among `hits`, ascending.
fn marked_rows(rows: usize, hits: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut bits = vec![0u64; rows.div_ceil(64)];
    for r in hits {
        if let Some(w) = bits.get_mut(r / 64) {
            *w |= 1 << (r % 64);
        }
    }
    let mut out = Vec::new();
    for (w, &word) in bits.iter().enumerate() {
        let mut m = word;
        while m != 0 {
            out.push(w * 64 + m.trailing_zeros() as usize);
            m &= m - 1;
        }
    }
    out
}

/// Every hit of the states' lists as (row, state, place in that state's
/// list), ordered by row and then state. Few hits are sorted; many (more
/// than a quarter of the rows) are counted into place, in one pass over the
/// rows.
fn by_row<'a, I: ExactSizeIterator<Item = usize>>(
    cols: &'a [StateColumn],
    rows: usize,
    hit_rows: impl Fn(&'a StateColumn) -> I,
) -> Vec<(usize, usize, usize)> {
    let total: usize = cols.iter().map(|c| hit_rows(c).len()).sum();
    let all = || {
        cols.iter()
            .enumerate()
            .flat_map(|(i, c)| hit_rows(c).enumerate().map(move |(k, r)| (r, i, k)))
    };
    if total * 4 < rows {
        let mut hits: Vec<(usize, usize, usize)> = all().collect();
        hits.sort_unstable();
        return hits;
    }
    // Counting sort, stable: states stay in order within a row.
    let mut at = vec![0usize; rows + 1];
    for (r, ..) in all() {
        if let Some(n) = at.get_mut(r + 1) {
            *n += 1;
        }
    }
    for r in 0..rows {
        at[r + 1] += at[r];
    }
    let mut out = vec![(0, 0, 0); total];
    for h in all() {
        if let Some(f) = at.get_mut(h.0) {
            if let Some(o) = out.get_mut(*f) {
                *o = h;
            }
            *f += 1;
        }
    }
    out
}

impl StateMachine {
    /// Runs every row of a table (`columns` aligned with [`Self::inputs`], all
    /// of length `len`) through the machine: window, states, ethos. Nothing is
    /// executed; the returned decision lists the firings in row order, each
    /// with its event number (the row is `event - first event`).
    pub fn decide_batch(
        &mut self,
        columns: &[&[f64]],
        len: usize,
        host: Option<&HostRow>,
    ) -> Result<Decision, CsmError> {
        self.decide_batch_with(columns, len, host, Missing::Raise)
    }

    /// [`Self::decide_batch`], deciding a missing input by `missing`.
    pub fn decide_batch_with(
        &mut self,
        columns: &[&[f64]],
        len: usize,
        host: Option<&HostRow>,
        missing: Missing,
    ) -> Result<Decision, CsmError> {
        let d = self.decide_batch_compact_with(columns, len, host, missing)?;
        let event = d.firings.first;
        Ok(Decision {
            event,
            firings: d.firings.into_firings(),
            errors: d.errors,
            unknown: d.unknown,
        })
    }

    /// [`Self::decide_batch`] with the firings kept as columns: the same
    /// firings, vetting and errors, built into full entries only when read.
    pub fn decide_batch_compact(
        &mut self,
        columns: &[&[f64]],
        len: usize,
        host: Option<&HostRow>,
    ) -> Result<BatchDecision, CsmError> {
        self.decide_batch_compact_with(columns, len, host, Missing::Raise)
    }

    /// [`Self::decide_batch_compact`], deciding a missing input a state
    /// reads by `missing`, row by row exactly as [`Self::decide_with`]
    /// decides it (its unknown states in [`BatchDecision::unknown`]).
    pub fn decide_batch_compact_with(
        &mut self,
        columns: &[&[f64]],
        len: usize,
        host: Option<&HostRow>,
        missing: Missing,
    ) -> Result<BatchDecision, CsmError> {
        if columns.len() != self.inputs().len() {
            return Err(CsmError::Shape {
                what: "columns".into(),
                expected: self.inputs().len(),
                found: columns.len(),
            });
        }
        for (name, c) in self.inputs().iter().zip(columns) {
            if c.len() != len {
                return Err(CsmError::Shape {
                    what: format!("column {name:?}"),
                    expected: len,
                    found: c.len(),
                });
            }
        }
        // Window features for every row, moving the window on as a stream would.
        let features: Vec<Vec<f64>> = match &mut self.window {
            Some(w) => {
                let wcols: Vec<&[f64]> = self
                    .window_slots
                    .iter()
                    .map(|&s| {
                        let k = self.input_slots.iter().position(|&x| x == s);
                        k.and_then(|k| columns.get(k).copied()).unwrap_or(&[])
                    })
                    .collect();
                w.roll(&wcols, len)
            }
            None => Vec::new(),
        };
        let mut full: Vec<&[f64]> = vec![&[]; self.table.len()];
        for (&slot, c) in self.input_slots.iter().zip(columns) {
            full[slot as usize] = c;
        }
        for (&slot, f) in self.feature_slots.iter().zip(&features) {
            full[slot as usize] = f;
        }
        let read_cols = self
            .table
            .read_columns(&full, len)
            .map_err(|source| CsmError::Read { source })?;
        for (slot, c) in &read_cols {
            full[*slot as usize] = c;
        }
        let first = self.events;
        let slots: Arc<[SlotInfo]> = self
            .slots
            .iter()
            .map(|s| SlotInfo {
                id: s.state.id.clone(),
                action: s.action.clone(),
                value: s.state.data,
            })
            .collect();
        let mut firings = BatchFirings::new(first, slots, self.names.clone());
        let has_ethos = self.ethos.is_some();
        // One buffer holds the values of every row that fires; each firing's
        // observation is a slice of it.
        let mut arena: Vec<f64> = Vec::new();
        let mut errors = Vec::new();
        let mut unknown: Vec<(u64, usize, Vec<String>)> = Vec::new();
        // A stateful graph's state runs from row to row: one block, in order.
        let parallel = !self
            .slots
            .iter()
            .any(|s| s.state.member.has_callables() || s.graph_state.is_some());
        // Host callables see the whole table in one call, never a block of it.
        let block_len = if parallel { BLOCK } else { len.max(1) };
        let bounds: Vec<(usize, usize)> = (0..len)
            .step_by(block_len)
            .map(|start| (start, (start + block_len).min(len)))
            .collect();
        let blocks: Vec<Vec<&[f64]>> = bounds
            .iter()
            .map(|&(start, end)| {
                full.iter()
                    .map(|c| if c.is_empty() { *c } else { &c[start..end] })
                    .collect()
            })
            .collect();
        // Blocks run in parallel, each evaluating its states and copying out
        // its firing rows while the block is still in cache; with fewer blocks
        // than threads to share, a block's states run in parallel instead.
        let n_states = self.slots.len();
        let width = self.table.len();
        let split_states = parallel && bounds.len() < 2 * rayon::current_num_threads();
        let per_block = |b: usize| -> BlockOut {
            let (start, end) = bounds[b];
            let rows_n = end - start;
            let block = &blocks[b];
            let nan = crate::graph::missing::nan_columns(block);
            let eval = |scratch: &mut (BlockScratch, Vec<f64>), i: usize| {
                self.block_verdicts(i, block, &nan, rows_n, host, scratch, missing)
            };
            let cols: Vec<StateColumn> = if split_states {
                (0..n_states)
                    .into_par_iter()
                    .map_init(Default::default, eval)
                    .collect()
            } else {
                let mut scratch = Default::default();
                (0..n_states).map(|i| eval(&mut scratch, i)).collect()
            };
            let fired_rows = marked_rows(
                rows_n,
                cols.iter().flat_map(|c| c.active.iter().map(|a| a.0)),
            );
            // Filled a column at a time: each column is read forwards.
            let mut values = vec![f64::NAN; fired_rows.len() * width];
            for (j, c) in block.iter().enumerate() {
                for (n, &r) in fired_rows.iter().enumerate() {
                    if let (Some(&x), Some(o)) = (c.get(r), values.get_mut(n * width + j)) {
                        *o = x;
                    }
                }
            }
            BlockOut {
                cols,
                fired_rows,
                values,
            }
        };
        let outs: Vec<BlockOut> = if parallel {
            (0..bounds.len()).into_par_iter().map(per_block).collect()
        } else {
            (0..bounds.len()).map(per_block).collect()
        };
        for (&(start, end), out) in bounds.iter().zip(outs) {
            let BlockOut {
                mut cols,
                fired_rows,
                values,
            } = out;
            // Walk rows in order; within a row errors come first, then firings,
            // states in machine order — the order `decide` records them in.
            let rows_n = end - start;
            for (i, c) in cols.iter_mut().enumerate() {
                for (r, notes) in c.unknown.drain(..) {
                    unknown.push((first + (start + r) as u64, i, notes));
                }
            }
            // Only rows with a firing or an error are visited from here on.
            let any_errors = cols.iter().any(|c| !c.errors.is_empty());
            let errs = if any_errors {
                by_row(&cols, rows_n, |c| c.errors.iter().map(|e| e.0))
            } else {
                Vec::new()
            };
            let acts = by_row(&cols, rows_n, |c| c.active.iter().map(|a| a.0));
            firings.reserve(acts.len());
            // Cursors into the two lists: every row in them is in `busy_rows`,
            // which is ascending like them.
            let (mut next_err, mut next_act) = (0, 0);
            let busy_rows = if any_errors {
                let hits = cols.iter().flat_map(|c| {
                    c.active
                        .iter()
                        .map(|a| a.0)
                        .chain(c.errors.iter().map(|e| e.0))
                });
                marked_rows(rows_n, hits)
            } else {
                fired_rows.clone()
            };
            let mut offsets = vec![usize::MAX; rows_n];
            for (n, &r) in fired_rows.iter().enumerate() {
                offsets[r] = arena.len() + n * width;
            }
            arena.extend_from_slice(&values);
            for &r in &busy_rows {
                let event = first + (start + r) as u64;
                while let Some(&(_, i, k)) = errs.get(next_err).filter(|h| h.0 == r) {
                    next_err += 1;
                    if let Some((_, e)) = cols[i].errors.get(k) {
                        let state = Some(self.slots[i].state.id.clone());
                        errors.push(EventError {
                            event,
                            state,
                            error: e.clone(),
                        });
                    }
                }
                while let Some(&(_, i, k)) = acts.get(next_act).filter(|h| h.0 == r) {
                    next_act += 1;
                    let Some(&(_, v)) = cols[i].active.get(k) else {
                        continue;
                    };
                    let vetting = if has_ethos {
                        let values = arena.get(offsets[r]..offsets[r] + width).unwrap_or(&[]);
                        match self.judge(i, values, v, missing) {
                            Ok(x) => x,
                            Err(e) => {
                                errors.push(EventError {
                                    event,
                                    state: Some(self.slots[i].state.id.clone()),
                                    error: e,
                                });
                                continue;
                            }
                        }
                    } else {
                        None
                    };
                    firings.push(start + r, offsets[r], i, v, vetting, has_ethos);
                }
            }
        }
        self.events += len as u64;
        firings.set_arena(arena);
        // By row, then state in machine order: as `decide` lists them.
        unknown.sort_by_key(|u| (u.0, u.1));
        let unknown = unknown
            .into_iter()
            .map(|(event, i, missing)| EventUnknown {
                event,
                state: self.slots[i].state.id.clone(),
                missing,
            })
            .collect();
        Ok(BatchDecision {
            firings,
            errors,
            unknown,
        })
    }

    /// Verdicts of state `i` over a block of full-row columns. A block that
    /// fails is redone row by row, so each bad row gets the error that row
    /// would get on its own and the good rows still decide.
    #[allow(clippy::too_many_arguments)]
    fn block_verdicts(
        &self,
        i: usize,
        block: &[&[f64]],
        nan: &[bool],
        len: usize,
        host: Option<&HostRow>,
        scratch: &mut (BlockScratch, Vec<f64>),
        missing: Missing,
    ) -> StateColumn {
        let s = &self.slots[i];
        // A column compared with a literal, without a missing value: its
        // hits straight from the column.
        if let Some((t, slot, lit)) = s.cmp {
            let c = block.get(slot as usize).copied().unwrap_or(&[]);
            if c.len() == len && !lit.is_nan() && !nan.get(slot as usize).copied().unwrap_or(true) {
                return compare_hits(t, c, lit);
            }
        }
        let value = s.state.data;
        let value_col: Vec<f64> = value.map(|v| vec![v.num(); len]).unwrap_or_default();
        let value_arg = value.map(|v| (v.kind(), value_col.as_slice()));
        let (block_scratch, buf) = scratch;
        let owned: Vec<f64>;
        let fast: Option<(Kind, &[f64])> = match &s.kernel {
            // A block with a missing input goes row by row: each row raises.
            Kernel::Expr(program)
                if !((program.reads_value() && value.is_none())
                    || crate::graph::missing::flagged_missing(program, nan)) =>
            {
                let kind = program.eval_block(block, value_arg, &[], len, block_scratch, buf);
                Some((kind, buf.as_slice()))
            }
            Kernel::Member(map) if s.graph_state.is_none() => {
                let sub: Vec<&[f64]> = map
                    .iter()
                    .map(|&k| block.get(k as usize).copied().unwrap_or(&[]))
                    .collect();
                let input = BatchInput {
                    columns: sub,
                    len,
                    value: value_arg,
                    host,
                };
                match s.state.member.evaluate_batch(&input, false) {
                    Ok(o) => {
                        owned = o.verdicts;
                        Some((o.kind, owned.as_slice()))
                    }
                    Err(_) => None,
                }
            }
            Kernel::Expr(_) | Kernel::Member(_) => None,
        };
        if let Some((kind, out)) = fast {
            if let Some(col) = sparse(kind, out) {
                return col;
            }
        }
        let mut stack = Scratch::new();
        let mut row = vec![f64::NAN; block.len()];
        let mut col = StateColumn::default();
        for r in 0..len {
            for (o, c) in row.iter_mut().zip(block) {
                *o = c.get(r).copied().unwrap_or(f64::NAN);
            }
            // Row-by-row fallback has no per-row host view; callables that
            // read the row see none here, only their incoming value.
            col.push(
                r,
                self.verdict_of(i, &row, value, None, &mut stack, missing),
            );
        }
        col
    }
}
