//! Compact records of firings. A batch keeps its firings as columns (row,
//! state position, verdict, outcome) over one shared buffer of the rows that
//! fired; a full [`Firing`] is built only when someone reads it. The machine's
//! log holds such batches as ranges, so a busy table costs a few words per
//! firing instead of an allocation each.

use super::state::{Action, Firing, Observation, Outcome};
use crate::ethos::DeonticVerdict;
use crate::graph::NodeId;
use crate::value::{Value, Verdict};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

/// What a batch needs to know of each state, as the machine was when it ran.
#[derive(Clone)]
pub struct SlotInfo {
    pub id: NodeId,
    pub action: Action,
    pub value: Option<Value>,
}

/// The firings of one batch, in firing order (rows ascending, then states).
pub struct BatchFirings {
    /// The event number of the batch's first row.
    pub first: u64,
    pub(crate) slots: Arc<[SlotInfo]>,
    pub(crate) names: Arc<Vec<String>>,
    pub(crate) arena: Arc<[f64]>,
    rows: Vec<usize>,
    offsets: Vec<usize>,
    positions: Vec<u32>,
    verdicts: Vec<Verdict>,
    outcomes: Vec<Outcome>,
    /// One per firing when the machine has an ethos, else empty.
    vettings: Vec<Option<Box<DeonticVerdict>>>,
}

impl BatchFirings {
    pub(crate) fn new(first: u64, slots: Arc<[SlotInfo]>, names: Arc<Vec<String>>) -> BatchFirings {
        BatchFirings {
            first,
            slots,
            names,
            arena: Arc::from(Vec::new()),
            rows: Vec::new(),
            offsets: Vec::new(),
            positions: Vec::new(),
            verdicts: Vec::new(),
            outcomes: Vec::new(),
            vettings: Vec::new(),
        }
    }

    /// Room for `n` more firings.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.rows.reserve(n);
        self.offsets.reserve(n);
        self.positions.reserve(n);
        self.verdicts.reserve(n);
        self.outcomes.reserve(n);
    }

    pub(crate) fn push(
        &mut self,
        row: usize,
        offset: usize,
        position: usize,
        verdict: Verdict,
        vetting: Option<Box<DeonticVerdict>>,
        has_ethos: bool,
    ) {
        let outcome = match &vetting {
            Some(v) if !v.permitted() => Outcome::Refused,
            _ => Outcome::Pending,
        };
        self.rows.push(row);
        self.offsets.push(offset);
        self.positions.push(position as u32);
        self.verdicts.push(verdict);
        self.outcomes.push(outcome);
        if has_ethos {
            self.vettings.push(vetting);
        }
    }

    pub(crate) fn set_arena(&mut self, arena: Vec<f64>) {
        self.arena = arena.into();
    }

    /// Sets every firing's outcome (a batch read back from its binary form).
    pub(crate) fn set_outcomes(&mut self, outcomes: Vec<Outcome>) {
        if outcomes.len() == self.outcomes.len() {
            self.outcomes = outcomes;
        }
    }

    /// Forgets the vetting column (a batch no ethos vetted).
    pub(crate) fn drop_vettings(&mut self) {
        self.vettings.clear();
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row (within the batch) of each firing.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// The state position of each firing.
    pub fn positions(&self) -> &[u32] {
        &self.positions
    }

    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// The action of firing `k`.
    pub fn action(&self, k: usize) -> Option<&Action> {
        let p = *self.positions.get(k)? as usize;
        self.slots.get(p).map(|s| &s.action)
    }

    /// Firing `k` as a full log entry.
    pub fn firing(&self, k: usize) -> Option<Firing> {
        let p = *self.positions.get(k)? as usize;
        let s = self.slots.get(p)?;
        Some(Firing {
            event: self.first + *self.rows.get(k)? as u64,
            state: s.id.clone(),
            position: p,
            action: s.action.name().clone(),
            value: s.value,
            input: Observation::new(
                self.names.clone(),
                self.arena.clone(),
                *self.offsets.get(k)?,
            ),
            verdict: *self.verdicts.get(k)?,
            vetting: self.vettings.get(k).cloned().flatten(),
            outcome: self.outcomes.get(k)?.clone(),
        })
    }

    /// Runs the action of every pending firing in order. Record-only actions
    /// just mark the firing; a host action's firing is built in full and
    /// handed to `run_host`, which runs it (an `Err` stops the walk).
    pub fn execute<E>(
        &mut self,
        mut run_host: impl FnMut(&Action, &mut Firing) -> Result<(), E>,
    ) -> Result<(), E> {
        for k in 0..self.outcomes.len() {
            if self.outcomes[k] != Outcome::Pending {
                continue;
            }
            let action = match self.action(k) {
                Some(Action::Record(_)) => {
                    self.outcomes[k] = Outcome::Recorded;
                    continue;
                }
                Some(a) => a.clone(),
                None => continue,
            };
            let Some(mut f) = self.firing(k) else {
                continue;
            };
            run_host(&action, &mut f)?;
            self.outcomes[k] = f.outcome;
        }
        Ok(())
    }

    /// Firings `start..end` as a batch of their own, holding only their rows.
    fn slice(&self, start: usize, end: usize) -> BatchFirings {
        let width = self.names.len();
        let mut out = BatchFirings::new(self.first, self.slots.clone(), self.names.clone());
        let mut arena = Vec::new();
        let mut last = None;
        for k in start..end.min(self.len()) {
            let off = self.offsets[k];
            if last != Some(off) {
                last = Some(off);
                arena.extend_from_slice(self.arena.get(off..off + width).unwrap_or(&[]));
            }
            out.rows.push(self.rows[k]);
            out.offsets.push(arena.len().saturating_sub(width));
            out.positions.push(self.positions[k]);
            out.verdicts.push(self.verdicts[k]);
            out.outcomes.push(self.outcomes[k].clone());
            if let Some(v) = self.vettings.get(k) {
                out.vettings.push(v.clone());
            }
        }
        out.set_arena(arena);
        out
    }

    /// Every firing with its action (the form of a [`super::Decision`]).
    pub fn into_firings(self) -> Vec<(Firing, Action)> {
        (0..self.len())
            .filter_map(|k| Some((self.firing(k)?, self.action(k)?.clone())))
            .collect()
    }
}

#[derive(Clone)]
enum Chunk {
    One(Arc<Firing>),
    /// Firings `start..end` of a batch.
    Batch(Arc<BatchFirings>, usize, usize),
}

/// The machine's firing log, oldest first.
#[derive(Clone, Default)]
pub struct FiringLog {
    chunks: VecDeque<Chunk>,
    len: usize,
}

impl FiringLog {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn push(&mut self, f: Arc<Firing>) {
        self.chunks.push_back(Chunk::One(f));
        self.len += 1;
    }

    pub(crate) fn push_batch(&mut self, b: &Arc<BatchFirings>) {
        if !b.is_empty() {
            self.len += b.len();
            self.chunks.push_back(Chunk::Batch(b.clone(), 0, b.len()));
        }
    }

    /// Drops the oldest entries until at most `limit` remain. A batch of
    /// which only a small part is left is cut down to that part, so a short
    /// log never keeps a huge batch alive.
    pub(crate) fn trim(&mut self, limit: usize) {
        self.drop_oldest(limit);
        if let Some(Chunk::Batch(b, start, end)) = self.chunks.front_mut() {
            if b.len() > 4096 && (*end - *start) * 4 < b.len() {
                *b = Arc::new(b.slice(*start, *end));
                (*start, *end) = (0, b.len());
            }
        }
    }

    fn drop_oldest(&mut self, limit: usize) {
        while self.len > limit {
            let excess = self.len - limit;
            match self.chunks.front_mut() {
                None => break,
                Some(Chunk::Batch(_, start, end)) if *end - *start > excess => {
                    *start += excess;
                    self.len -= excess;
                }
                Some(Chunk::One(_)) => {
                    self.chunks.pop_front();
                    self.len -= 1;
                }
                Some(Chunk::Batch(_, start, end)) => {
                    self.len -= *end - *start;
                    self.chunks.pop_front();
                }
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        self.chunks.clear();
        self.len = 0;
    }

    /// The entries, oldest first (those of a batch built as they are read).
    pub fn iter(&self) -> impl Iterator<Item = Arc<Firing>> + '_ {
        self.chunks.iter().flat_map(|c| {
            let (one, batch) = match c {
                Chunk::One(f) => (Some(f.clone()), None),
                Chunk::Batch(b, s, e) => (
                    None,
                    Some((*s..*e).filter_map(move |k| b.firing(k).map(Arc::new))),
                ),
            };
            one.into_iter().chain(batch.into_iter().flatten())
        })
    }
}

impl PartialEq for FiringLog {
    fn eq(&self, other: &FiringLog) -> bool {
        self.len == other.len && self.iter().zip(other.iter()).all(|(a, b)| *a == *b)
    }
}

impl fmt::Debug for FiringLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
