//! The row layout of a compiled structure: every slot is an input column the
//! observation provides, or a context read the engine fills from the contexts
//! the structure holds. One layout serves single rows and blocks, so a read
//! gives the same value in every consumer.

use super::read::{ContextRead, ReadKind};
use crate::context::{Context, SharedContext, WindowRead};
use crate::error::CausalError;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One slot of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Slot {
    Input(String),
    Read(ContextRead),
}

/// The contexts a structure holds, by name.
pub type Contexts = BTreeMap<String, Arc<SharedContext>>;

/// Column names and context reads mapped to dense slots, in first-use order.
#[derive(Clone, Debug, Default)]
pub struct ColumnTable {
    slots: Vec<Slot>,
    /// Input names in input order, and the slot of each.
    names: Vec<String>,
    input_slots: Vec<u32>,
    by_name: HashMap<String, u32>,
    by_read: HashMap<ContextRead, u32>,
    /// Slots of the reads, in slot order.
    reads: Vec<u32>,
    contexts: Contexts,
}

impl ColumnTable {
    pub fn new() -> ColumnTable {
        ColumnTable::default()
    }

    /// The slot of input column `name`, adding it when new.
    pub fn slot(&mut self, name: &str) -> u32 {
        if let Some(&s) = self.by_name.get(name) {
            return s;
        }
        let s = self.slots.len() as u32;
        self.slots.push(Slot::Input(name.to_owned()));
        self.names.push(name.to_owned());
        self.input_slots.push(s);
        self.by_name.insert(name.to_owned(), s);
        s
    }

    /// The slot of a context read, adding it (and its anchor column) when new.
    pub fn read_slot(&mut self, read: &ContextRead) -> u32 {
        if let Some(&s) = self.by_read.get(read) {
            return s;
        }
        if let Some(at) = read.anchor() {
            self.slot(at);
        }
        let s = self.slots.len() as u32;
        self.slots.push(Slot::Read(read.clone()));
        self.reads.push(s);
        self.by_read.insert(read.clone(), s);
        s
    }

    /// The slot of input column `name`.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    /// The slot of a context read.
    pub fn get_read(&self, read: &ContextRead) -> Option<u32> {
        self.by_read.get(read).copied()
    }

    /// The input columns an observation must hold, in input order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The slot of each input column, in input order.
    pub fn input_slots(&self) -> &[u32] {
        &self.input_slots
    }

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The full width of a row: inputs and reads.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn has_reads(&self) -> bool {
        !self.reads.is_empty()
    }

    pub fn contexts(&self) -> &Contexts {
        &self.contexts
    }

    /// Holds `context` under its name; a different context already held
    /// under the same name is refused.
    pub fn add_context(&mut self, context: &Arc<SharedContext>) -> Result<(), CausalError> {
        let name = context.snapshot().name().to_owned();
        match self.contexts.get(&name) {
            Some(held) if !Arc::ptr_eq(held, context) => Err(CausalError::ContextConflict { name }),
            Some(_) => Ok(()),
            None => {
                self.contexts.insert(name, Arc::clone(context));
                Ok(())
            }
        }
    }

    /// Holds `context` under its name, replacing any held under that name.
    pub fn hold_context(&mut self, context: &Arc<SharedContext>) {
        let name = context.snapshot().name().to_owned();
        self.contexts.insert(name, Arc::clone(context));
    }

    /// Takes in every slot and context of `other`; returns where each of
    /// `other`'s slots lands in this table.
    pub fn absorb(&mut self, other: &ColumnTable) -> Result<Vec<u32>, CausalError> {
        for c in other.contexts.values() {
            self.add_context(c)?;
        }
        Ok(other
            .slots
            .iter()
            .map(|s| match s {
                Slot::Input(name) => self.slot(name),
                Slot::Read(read) => self.read_slot(read),
            })
            .collect())
    }

    /// The snapshot of each context a read names: one consistent version for
    /// a whole evaluation, whatever another thread updates meanwhile.
    fn snapshots(&self) -> Result<HashMap<&str, Arc<Context>>, CausalError> {
        let mut out = HashMap::new();
        for &s in &self.reads {
            if let Some(Slot::Read(r)) = self.slots.get(s as usize) {
                if out.contains_key(r.context.as_str()) {
                    continue;
                }
                let ctx =
                    self.contexts
                        .get(&r.context)
                        .ok_or_else(|| CausalError::UnknownContext {
                            name: r.context.clone(),
                            known: self.contexts.keys().cloned().collect(),
                        })?;
                out.insert(r.context.as_str(), ctx.snapshot());
            }
        }
        Ok(out)
    }

    /// The full row from the inputs (in input order): the inputs themselves
    /// when the layout has no reads, else a new row with every read filled.
    pub fn expand_row<'r>(&self, inputs: &'r [f64]) -> Result<Cow<'r, [f64]>, CausalError> {
        if !self.has_reads() {
            return Ok(Cow::Borrowed(inputs));
        }
        let mut row = vec![f64::NAN; self.len()];
        for (&s, &x) in self.input_slots.iter().zip(inputs) {
            row[s as usize] = x;
        }
        self.fill_row(&mut row)?;
        Ok(Cow::Owned(row))
    }

    /// Fills the read slots of a full row (anchors are read from the row).
    pub fn fill_row(&self, row: &mut [f64]) -> Result<(), CausalError> {
        if !self.has_reads() {
            return Ok(());
        }
        let snaps = self.snapshots()?;
        for &s in &self.reads {
            let Some(Slot::Read(r)) = self.slots.get(s as usize) else {
                continue;
            };
            let Some(ctx) = snaps.get(r.context.as_str()) else {
                continue;
            };
            let at = r
                .anchor()
                .and_then(|a| self.get(a))
                .and_then(|a| row.get(a as usize).copied());
            let x = read_one(ctx, r, at)?;
            if let Some(o) = row.get_mut(s as usize) {
                *o = x;
            }
        }
        Ok(())
    }

    /// As [`ColumnTable::fill_row`], but the value of an uncertain data
    /// contextoid is left NaN instead of refused; returns whether one was
    /// left (a consumer then decides the structures reading it on samples).
    pub fn fill_row_certain(&self, row: &mut [f64]) -> Result<bool, CausalError> {
        if !self.has_reads() {
            return Ok(false);
        }
        let snaps = self.snapshots()?;
        let mut uncertain = false;
        for &s in &self.reads {
            let Some(Slot::Read(r)) = self.slots.get(s as usize) else {
                continue;
            };
            let Some(ctx) = snaps.get(r.context.as_str()) else {
                continue;
            };
            if let ReadKind::Node { id, field } = &r.read {
                if ctx.uncertain_value(id, field).is_some() {
                    uncertain = true;
                    if let Some(o) = row.get_mut(s as usize) {
                        *o = f64::NAN;
                    }
                    continue;
                }
            }
            let at = r
                .anchor()
                .and_then(|a| self.get(a))
                .and_then(|a| row.get(a as usize).copied());
            let x = read_one(ctx, r, at)?;
            if let Some(o) = row.get_mut(s as usize) {
                *o = x;
            }
        }
        Ok(uncertain)
    }

    /// The read columns of a block: `cols` holds the block's full-width
    /// columns (read slots may be empty); returns (slot, column) per read.
    pub fn read_columns(
        &self,
        cols: &[&[f64]],
        len: usize,
    ) -> Result<Vec<(u32, Vec<f64>)>, CausalError> {
        self.read_columns_with(cols, len, None)
    }

    /// Whether some read is the value of an uncertain data contextoid (so an
    /// evaluation must go through the sampled path).
    pub fn reads_uncertain(&self) -> Result<bool, CausalError> {
        if !self.has_reads() {
            return Ok(false);
        }
        let snaps = self.snapshots()?;
        Ok(self
            .reads
            .iter()
            .any(|&s| match self.slots.get(s as usize) {
                Some(Slot::Read(r)) => match (&r.read, snaps.get(r.context.as_str())) {
                    (ReadKind::Node { id, field }, Some(ctx)) => {
                        ctx.uncertain_value(id, field).is_some()
                    }
                    _ => false,
                },
                _ => false,
            }))
    }

    /// As [`ColumnTable::read_columns`] for a block of `len` samples: the
    /// value of an uncertain data contextoid is drawn as a column of seeded
    /// samples (its own stream per read slot), not read as a number.
    pub fn read_columns_sampled(
        &self,
        cols: &[&[f64]],
        len: usize,
        seed: u64,
    ) -> Result<Vec<(u32, Vec<f64>)>, CausalError> {
        self.read_columns_with(cols, len, Some(seed))
    }

    fn read_columns_with(
        &self,
        cols: &[&[f64]],
        len: usize,
        sample: Option<u64>,
    ) -> Result<Vec<(u32, Vec<f64>)>, CausalError> {
        if !self.has_reads() {
            return Ok(Vec::new());
        }
        let snaps = self.snapshots()?;
        // Window reads of one context, scale and anchor share one anchor search.
        type Key<'k> = (&'k str, Option<crate::context::TimeScale>, Option<&'k str>);
        let mut groups: Vec<(Key<'_>, Vec<(u32, WindowRead)>)> = Vec::new();
        let mut out = Vec::with_capacity(self.reads.len());
        for &s in &self.reads {
            let Some(Slot::Read(r)) = self.slots.get(s as usize) else {
                continue;
            };
            let Some(ctx) = snaps.get(r.context.as_str()) else {
                continue;
            };
            match &r.read {
                ReadKind::Node { id, field } => {
                    if let (Some(seed), Some(dist)) = (sample, ctx.uncertain_value(id, field)) {
                        let wrap = |source| CausalError::ContextRead {
                            read: r.to_string(),
                            source,
                        };
                        let u = dist.to_uncertain(id).map_err(wrap)?;
                        // A stream of its own, apart from the inputs' streams.
                        let stream = seed
                            ^ (0xC0DE_u64 << 32 | u64::from(s)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
                        let xs =
                            u.sample(len, stream)
                                .map_err(|e| CausalError::InvalidArgument {
                                    name: "uncertain contextoid",
                                    message: e.to_string(),
                                })?;
                        out.push((s, xs));
                        continue;
                    }
                    let x = read_one(ctx, r, None)?;
                    out.push((s, vec![x; len]));
                }
                ReadKind::Distance { .. } => {
                    let x = read_one(ctx, r, None)?;
                    out.push((s, vec![x; len]));
                }
                ReadKind::Window {
                    scale,
                    field,
                    how,
                    start,
                    stop,
                    at,
                } => {
                    let key = (r.context.as_str(), *scale, at.as_deref());
                    let read = WindowRead {
                        field: field.clone(),
                        aggregation: *how,
                        start: *start,
                        stop: *stop,
                    };
                    match groups.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, v)) => v.push((s, read)),
                        None => groups.push((key, vec![(s, read)])),
                    }
                }
            }
        }
        for ((context, scale, at), reads) in groups {
            let Some(ctx) = snaps.get(context) else {
                continue;
            };
            let latest;
            let at_col: &[f64] = match at.and_then(|a| self.get(a)) {
                Some(slot) => cols.get(slot as usize).copied().unwrap_or(&[]),
                None => {
                    latest = vec![f64::INFINITY; len];
                    &latest
                }
            };
            let specs: Vec<WindowRead> = reads.iter().map(|(_, r)| r.clone()).collect();
            let columns = ctx
                .window_aggregates(scale, at_col, &specs)
                .map_err(|source| CausalError::ContextRead {
                    read: format!("context {context}"),
                    source,
                })?;
            for ((s, _), c) in reads.iter().zip(columns) {
                out.push((*s, c));
            }
        }
        Ok(out)
    }
}

/// One read on one row; `at` is the anchor time (None: the latest node).
fn read_one(ctx: &Context, r: &ContextRead, at: Option<f64>) -> Result<f64, CausalError> {
    let wrap = |source| CausalError::ContextRead {
        read: r.to_string(),
        source,
    };
    match &r.read {
        ReadKind::Node { id, field } => ctx.value(id, field).map_err(wrap),
        ReadKind::Distance { from, to } => ctx.distance(from, to).map_err(wrap),
        ReadKind::Window {
            scale,
            field,
            how,
            start,
            stop,
            ..
        } => {
            let read = WindowRead {
                field: field.clone(),
                aggregation: *how,
                start: *start,
                stop: *stop,
            };
            ctx.window_aggregate_at(*scale, at.unwrap_or(f64::INFINITY), &read)
                .map_err(wrap)
        }
    }
}
