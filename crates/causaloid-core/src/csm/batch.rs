//! A table through the state machine in one call. The states' causaloids are
//! evaluated natively over blocks of rows (expression states straight on the
//! columns, in parallel across states); then rows are walked in order, so the
//! firings, their vetting and the errors come out exactly as if each row had
//! gone through `decide` on its own.

use super::error::CsmError;
use super::machine::{Decision, EventError, Kernel, StateMachine};
use crate::expr::{BlockScratch, Scratch};
use crate::graph::{BatchInput, HostRow};
use crate::value::{Kind, Verdict};
use rayon::prelude::*;
use std::sync::Arc;

/// Rows evaluated together before walking them in order; bounds memory to
/// `BLOCK x states` verdicts.
const BLOCK: usize = 2048;

/// One state's verdicts over a block: per row a verdict, or an error to record.
type StateColumn = Vec<Result<Verdict, CsmError>>;

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
        if columns.len() != self.inputs().len() {
            return Err(CsmError::Shape { what: "columns".into(), expected: self.inputs().len(), found: columns.len() });
        }
        for (name, c) in self.inputs().iter().zip(columns) {
            if c.len() != len {
                return Err(CsmError::Shape { what: format!("column {name:?}"), expected: len, found: c.len() });
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
        let first = self.events;
        let mut firings = Vec::new();
        let mut errors = Vec::new();
        let parallel = !self.slots.iter().any(|s| s.state.member.has_callables());
        let mut start = 0;
        while start < len {
            let end = (start + BLOCK).min(len);
            let block: Vec<&[f64]> = full.iter().map(|c| if c.is_empty() { *c } else { &c[start..end] }).collect();
            let eval = |i: usize| self.block_verdicts(i, &block, end - start, host);
            let cols: Vec<StateColumn> = if parallel {
                (0..self.slots.len()).into_par_iter().map(eval).collect()
            } else {
                (0..self.slots.len()).map(eval).collect()
            };
            let mut row = vec![f64::NAN; self.table.len()];
            for r in 0..end - start {
                let event = first + (start + r) as u64;
                let mut shared: Option<Arc<[f64]>> = None;
                let mut active = Vec::new();
                for (i, col) in cols.iter().enumerate() {
                    match &col[r] {
                        Ok(v) if v.is_active() => active.push((i, *v)),
                        Ok(_) => {}
                        Err(e) => errors.push(EventError {
                            event,
                            state: Some(self.slots[i].state.id.clone()),
                            error: e.clone(),
                        }),
                    }
                }
                for (i, v) in active {
                    let values = shared.get_or_insert_with(|| {
                        for (o, c) in row.iter_mut().zip(&full) {
                            *o = c.get(start + r).copied().unwrap_or(f64::NAN);
                        }
                        row.clone().into()
                    });
                    match self.vet(i, event, values.clone(), self.slots[i].state.data, v) {
                        Ok(f) => firings.push(f),
                        Err(e) => errors.push(EventError { event, state: Some(self.slots[i].state.id.clone()), error: e }),
                    }
                }
            }
            start = end;
        }
        self.events += len as u64;
        Ok(Decision { event: first, firings, errors })
    }

    /// Verdicts of state `i` over a block of full-row columns. A block that
    /// fails is redone row by row, so each bad row gets the error that row
    /// would get on its own and the good rows still decide.
    fn block_verdicts(&self, i: usize, block: &[&[f64]], len: usize, host: Option<&HostRow>) -> StateColumn {
        let s = &self.slots[i];
        let value = s.state.data;
        let value_col: Vec<f64> = value.map(|v| vec![v.num(); len]).unwrap_or_default();
        let value_arg = value.map(|v| (v.kind(), value_col.as_slice()));
        let fast: Option<(Kind, Vec<f64>)> = match &s.kernel {
            Kernel::Expr(program) if !(program.reads_value() && value.is_none()) => {
                let mut out = Vec::with_capacity(len);
                let kind = program.eval_block(block, value_arg, len, &mut BlockScratch::default(), &mut out);
                Some((kind, out))
            }
            Kernel::Member(map) => {
                let sub: Vec<&[f64]> = map.iter().map(|&k| block.get(k as usize).copied().unwrap_or(&[])).collect();
                let input = BatchInput { columns: sub, len, value: value_arg, host };
                s.state.member.evaluate_batch(&input, false).ok().map(|o| (o.kind, o.verdicts))
            }
            Kernel::Expr(_) => None,
        };
        if let Some((kind, out)) = fast {
            let checked: Option<Vec<Verdict>> = out.iter().map(|&x| Verdict::from_raw(kind, x).ok()).collect();
            if let Some(vs) = checked {
                return vs.into_iter().map(Ok).collect();
            }
        }
        let mut stack = Scratch::new();
        let mut row = vec![f64::NAN; block.len()];
        (0..len)
            .map(|r| {
                for (o, c) in row.iter_mut().zip(block) {
                    *o = c.get(r).copied().unwrap_or(f64::NAN);
                }
                // Row-by-row fallback has no per-row host view; callables that
                // read the row see none here, only their incoming value.
                self.verdict_of(i, &row, value, None, &mut stack)
            })
            .collect()
    }
}

