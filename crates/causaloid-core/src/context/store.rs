//! The context hypergraph: contextoids in slots, an id index, field columns,
//! typed adjacency lists, a sorted time index per scale and an x-sorted spatial
//! index. Every mutation here is a primitive that validates before it changes
//! anything and returns the record that undoes it, so a transaction of many
//! primitives can roll back exactly (see `update.rs`).

use super::contextoid::{Contextoid, ContextoidKind, Relation, RelationKind};
use super::error::ContextError;
use super::hash::{IdIndex, IdMap};
use super::time::TimeScale;
use crate::graph::NodeId;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The value of a field a contextoid does not have: a NaN with its own
/// payload, so that a field that *holds* NaN (stored as the standard NaN) is
/// kept apart from an absent one and survives JSON and pickle. Readers see
/// both as NaN.
pub(crate) const ABSENT: f64 = f64::from_bits(0x7ff8_0000_00ab_5e47);

pub(crate) fn is_absent(v: f64) -> bool {
    v.to_bits() == ABSENT.to_bits()
}

/// A value as stored for a present field (any NaN becomes the standard one).
fn present(v: f64) -> f64 {
    if v.is_nan() {
        f64::NAN
    } else {
        v
    }
}

pub(crate) type TimeKey = Option<TimeScale>;
type Edge = (u32, u32); // (other slot, relation kind index)

/// Which relations of a contextoid a neighbour query follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Outgoing,
    Incoming,
    Both,
}

/// A context: a named hypergraph of contextoids.
#[derive(Clone, Debug)]
pub struct Context {
    pub(crate) id: NodeId,
    pub(crate) name: String,
    pub(crate) ids: Vec<NodeId>,
    pub(crate) kinds: Vec<Option<ContextoidKind>>,
    pub(crate) index: IdIndex,
    pub(crate) field_names: Vec<String>,
    pub(crate) field_index: IdMap<String, u32>,
    pub(crate) columns: Vec<Vec<f64>>,
    pub(crate) relation_kinds: Vec<RelationKind>,
    pub(crate) outgoing: Vec<Vec<Edge>>,
    pub(crate) incoming: Vec<Vec<Edge>>,
    pub(crate) n_relations: usize,
    pub(crate) time: BTreeMap<TimeKey, Vec<(i64, u32)>>,
    pub(crate) space: Vec<(f64, u32)>,
}

/// What undoes one primitive mutation.
#[derive(Debug)]
pub(crate) enum Undo {
    PopSlot,
    Restore {
        slot: u32,
        kind: ContextoidKind,
    },
    Replace {
        slot: u32,
        kind: ContextoidKind,
        fields: Vec<(u32, f64)>,
    },
    SetField {
        slot: u32,
        field: u32,
        old: f64,
    },
    Unlink {
        from: u32,
        to: u32,
        kind: u32,
    },
    Link {
        from: u32,
        to: u32,
        kind: u32,
    },
}

impl Context {
    pub fn new(id: impl Into<NodeId>, name: impl Into<String>) -> Context {
        Context {
            id: id.into(),
            name: name.into(),
            ids: Vec::new(),
            kinds: Vec::new(),
            index: IdIndex::default(),
            field_names: Vec::new(),
            field_index: IdMap::default(),
            columns: Vec::new(),
            relation_kinds: Vec::new(),
            outgoing: Vec::new(),
            incoming: Vec::new(),
            n_relations: 0,
            time: BTreeMap::new(),
            space: Vec::new(),
        }
    }

    pub fn id(&self) -> &NodeId {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of contextoids.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn n_relations(&self) -> usize {
        self.n_relations
    }

    pub fn contains(&self, id: &NodeId) -> bool {
        self.index.contains_key(id)
    }

    pub fn field_names(&self) -> &[String] {
        &self.field_names
    }

    /// Ids of all contextoids, in insertion order.
    pub fn ids(&self) -> Vec<NodeId> {
        self.live_slots()
            .map(|s| self.ids[s as usize].clone())
            .collect()
    }

    pub(crate) fn live_slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| k.is_some())
            .map(|(s, _)| s as u32)
    }

    pub(crate) fn slot(&self, id: &NodeId) -> Result<u32, ContextError> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| ContextError::UnknownId { id: id.clone() })
    }

    pub(crate) fn kind_at(&self, slot: u32) -> &ContextoidKind {
        // Slots handed out by the index are always live.
        self.kinds[slot as usize]
            .as_ref()
            .unwrap_or(&ContextoidKind::Data)
    }

    /// The id stored in a slot handed out by a query.
    pub fn id_of_slot(&self, slot: u32) -> &NodeId {
        &self.ids[slot as usize]
    }

    /// The contextoid with this id, with its fields.
    pub fn get(&self, id: &NodeId) -> Result<Contextoid, ContextError> {
        let slot = self.slot(id)?;
        Ok(self.contextoid_at(slot))
    }

    pub(crate) fn contextoid_at(&self, slot: u32) -> Contextoid {
        let fields = self
            .columns
            .iter()
            .zip(&self.field_names)
            .filter_map(|(col, name)| {
                let v = col[slot as usize];
                (!is_absent(v)).then(|| (name.clone(), v))
            })
            .collect();
        Contextoid {
            id: self.ids[slot as usize].clone(),
            kind: self.kind_at(slot).clone(),
            fields,
        }
    }

    pub(crate) fn field_slot(&self, name: &str) -> Result<u32, ContextError> {
        self.field_index
            .get(name)
            .copied()
            .ok_or_else(|| ContextError::UnknownField {
                name: name.to_owned(),
                known: self.field_names.clone(),
            })
    }

    /// The value of `field` at contextoid `id` (NaN when that contextoid does
    /// not carry the field).
    pub fn value(&self, id: &NodeId, field: &str) -> Result<f64, ContextError> {
        let slot = self.slot(id)?;
        if self.uncertain_value(id, field).is_some() {
            return Err(ContextError::UncertainValue { id: id.clone() });
        }
        let f = self.field_slot(field)?;
        Ok(self.columns[f as usize][slot as usize])
    }

    /// Values of `field` at many ids at once; fails on the first unknown id.
    pub fn values(&self, ids: &[NodeId], field: &str) -> Result<Vec<f64>, ContextError> {
        let col = &self.columns[self.field_slot(field)? as usize];
        ids.iter()
            .map(|id| {
                let s = self.slot(id)?;
                if self.uncertain_value(id, field).is_some() {
                    return Err(ContextError::UncertainValue { id: id.clone() });
                }
                Ok(col[s as usize])
            })
            .collect()
    }

    /// Values of `field` at many integer ids: the fast path of [`Context::values`]
    /// (in parallel for large batches; the error names the first unknown id).
    pub fn values_int(&self, ids: &[i64], field: &str) -> Result<Vec<f64>, ContextError> {
        let col = &self.columns[self.field_slot(field)? as usize];
        let look = |&i: &i64| self.index.get_int(i).map_or(f64::NAN, |s| col[s as usize]);
        let out: Vec<f64> = if ids.len() >= 1 << 15 {
            ids.par_chunks(1 << 13)
                .flat_map_iter(|c| c.iter().map(look))
                .collect()
        } else {
            ids.iter().map(look).collect()
        };
        // A NaN may be a stored NaN: only then ask the index whether the id exists.
        for (v, &i) in out.iter().zip(ids) {
            if v.is_nan() && self.index.get_int(i).is_none() {
                return Err(ContextError::UnknownId { id: NodeId::Int(i) });
            }
            if v.is_nan() && self.uncertain_value(&NodeId::Int(i), field).is_some() {
                return Err(ContextError::UncertainValue { id: NodeId::Int(i) });
            }
        }
        Ok(out)
    }

    // ---- relations -----------------------------------------------------------

    pub(crate) fn relation_kind_slot(&self, kind: &RelationKind) -> Option<u32> {
        self.relation_kinds
            .iter()
            .position(|k| k == kind)
            .map(|p| p as u32)
    }

    fn relation_kind_slot_or_add(&mut self, kind: &RelationKind) -> u32 {
        match self.relation_kind_slot(kind) {
            Some(k) => k,
            None => {
                self.relation_kinds.push(kind.clone());
                (self.relation_kinds.len() - 1) as u32
            }
        }
    }

    pub fn has_relation(&self, from: &NodeId, to: &NodeId, kind: &RelationKind) -> bool {
        match (
            self.index.get(from),
            self.index.get(to),
            self.relation_kind_slot(kind),
        ) {
            (Some(&f), Some(&t), Some(k)) => self.outgoing[f as usize].contains(&(t, k)),
            _ => false,
        }
    }

    /// Neighbours of `id` along relations of `kind` (any kind when `None`), in
    /// insertion order of the neighbours, each once.
    pub fn neighbours(
        &self,
        id: &NodeId,
        kind: Option<&RelationKind>,
        direction: Direction,
    ) -> Result<Vec<NodeId>, ContextError> {
        let slot = self.slot(id)?;
        let want = match kind {
            Some(k) => match self.relation_kind_slot(k) {
                Some(k) => Some(k),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let mut out: Vec<u32> = Vec::new();
        let mut take = |edges: &Vec<Edge>| {
            out.extend(
                edges
                    .iter()
                    .filter(|(_, k)| want.is_none_or(|w| w == *k))
                    .map(|(o, _)| *o),
            );
        };
        if direction != Direction::Incoming {
            take(&self.outgoing[slot as usize]);
        }
        if direction != Direction::Outgoing {
            take(&self.incoming[slot as usize]);
        }
        out.sort_unstable();
        out.dedup();
        Ok(out
            .into_iter()
            .map(|s| self.ids[s as usize].clone())
            .collect())
    }

    /// All relations (of `kind` when given), ordered by source then target slot.
    pub fn relations(&self, kind: Option<&RelationKind>) -> Vec<Relation> {
        let want = kind.map(|k| self.relation_kind_slot(k));
        if want == Some(None) {
            return Vec::new();
        }
        let want = want.flatten();
        let mut out = Vec::new();
        for from in self.live_slots() {
            let mut edges: Vec<Edge> = self.outgoing[from as usize]
                .iter()
                .copied()
                .filter(|(_, k)| want.is_none_or(|w| w == *k))
                .collect();
            edges.sort_unstable();
            out.extend(edges.into_iter().map(|(to, k)| Relation {
                from: self.ids[from as usize].clone(),
                to: self.ids[to as usize].clone(),
                kind: self.relation_kinds[k as usize].clone(),
            }));
        }
        out
    }

    // ---- time and space --------------------------------------------------------

    /// Time scales present in the context, finest first.
    pub fn scales(&self) -> Vec<TimeScale> {
        self.time
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .filter_map(|(k, _)| *k)
            .collect()
    }

    pub(crate) fn time_index(&self, key: TimeKey) -> &[(i64, u32)] {
        self.time.get(&key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Slots of the time nodes of `scale` with `start <= t < end`, by time:
    /// two binary searches in the sorted index, never a scan.
    pub fn window_slots(&self, scale: TimeKey, start: i64, end: i64) -> &[(i64, u32)] {
        let idx = self.time_index(scale);
        let lo = idx.partition_point(|(t, _)| *t < start);
        let hi = idx.partition_point(|(t, _)| *t < end).max(lo);
        &idx[lo..hi]
    }

    /// Ids of the time contextoids of `scale` (SpaceTime nodes when `None`) in
    /// the half-open window `[start, end)`, ordered by time.
    pub fn window(&self, scale: TimeKey, start: i64, end: i64) -> Vec<NodeId> {
        self.window_slots(scale, start, end)
            .iter()
            .map(|(_, s)| self.ids[*s as usize].clone())
            .collect()
    }

    /// Values of `field` over a time window, ordered by time.
    pub fn window_values(
        &self,
        scale: TimeKey,
        field: &str,
        start: i64,
        end: i64,
    ) -> Result<Vec<f64>, ContextError> {
        let col = &self.columns[self.field_slot(field)? as usize];
        Ok(self
            .window_slots(scale, start, end)
            .iter()
            .map(|(_, s)| col[*s as usize])
            .collect())
    }

    /// Position in the time index of `scale` of the latest node at or before
    /// `t`, moved by `offset` nodes; `None` when that falls outside the index.
    pub fn asof_position(&self, scale: TimeKey, t: i64, offset: i64) -> Option<usize> {
        let idx = self.time_index(scale);
        let at = idx.partition_point(|(ts, _)| *ts <= t) as i64 - 1;
        let pos = at.checked_add(offset)?;
        (pos >= 0 && pos < idx.len() as i64 && at >= 0).then_some(pos as usize)
    }

    /// The id of the latest time node of `scale` at or before `t` (the latest
    /// of all when `t` is `None`), moved by `offset` nodes.
    pub fn at(&self, scale: TimeKey, t: Option<i64>, offset: i64) -> Option<NodeId> {
        let pos = self.asof_position(scale, t.unwrap_or(i64::MAX), offset)?;
        let slot = self.time_index(scale)[pos].1;
        Some(self.ids[slot as usize].clone())
    }

    /// Ids of Space and SpaceTime contextoids inside the box `low <= p <= high`.
    pub fn region(&self, low: [f64; 3], high: [f64; 3]) -> Result<Vec<NodeId>, ContextError> {
        for (axis, (l, h)) in ["x", "y", "z"].into_iter().zip(low.iter().zip(&high)) {
            if l.is_nan() || h.is_nan() {
                return Err(ContextError::InvalidArgument {
                    name: "region",
                    message: format!("{axis} bound is NaN"),
                });
            }
        }
        let lo = self.space.partition_point(|(x, _)| *x < low[0]);
        let hi = self.space.partition_point(|(x, _)| *x <= high[0]).max(lo);
        let mut slots: Vec<u32> = self.space[lo..hi]
            .iter()
            .map(|(_, s)| *s)
            .filter(|s| {
                self.kind_at(*s).position().is_some_and(|p| {
                    (low[1]..=high[1]).contains(&p[1]) && (low[2]..=high[2]).contains(&p[2])
                })
            })
            .collect();
        slots.sort_unstable();
        Ok(slots
            .into_iter()
            .map(|s| self.ids[s as usize].clone())
            .collect())
    }

    // ---- primitives (validate, then mutate, then say how to undo) ---------------

    fn field_slot_or_add(&mut self, name: &str) -> u32 {
        if let Some(&f) = self.field_index.get(name) {
            return f;
        }
        let f = self.field_names.len() as u32;
        self.field_names.push(name.to_owned());
        self.field_index.insert(name.to_owned(), f);
        self.columns.push(vec![ABSENT; self.ids.len()]);
        f
    }

    fn index_kind(&mut self, slot: u32, kind: &ContextoidKind) {
        if let Some((key, t)) = kind.time_key() {
            let idx = self.time.entry(key).or_default();
            let at = idx.partition_point(|e| *e < (t, slot));
            idx.insert(at, (t, slot));
        }
        if let Some(p) = kind.position() {
            let at = self
                .space
                .partition_point(|(x, s)| x.total_cmp(&p[0]).then(s.cmp(&slot)).is_lt());
            self.space.insert(at, (p[0], slot));
        }
    }

    fn unindex_kind(&mut self, slot: u32, kind: &ContextoidKind) {
        if let Some((key, t)) = kind.time_key() {
            if let Some(idx) = self.time.get_mut(&key) {
                if let Ok(at) = idx.binary_search(&(t, slot)) {
                    idx.remove(at);
                }
            }
        }
        if let Some(p) = kind.position() {
            let found = self
                .space
                .binary_search_by(|(x, s)| x.total_cmp(&p[0]).then(s.cmp(&slot)));
            if let Ok(at) = found {
                self.space.remove(at);
            }
        }
    }

    pub(crate) fn insert(&mut self, c: Contextoid) -> Result<Undo, ContextError> {
        let c = c.normalized()?;
        if self.index.contains_key(&c.id) {
            return Err(ContextError::DuplicateId { id: c.id });
        }
        let slot = self.ids.len() as u32;
        let fields: Vec<u32> = c
            .fields
            .iter()
            .map(|(name, _)| self.field_slot_or_add(name))
            .collect();
        for col in &mut self.columns {
            col.push(ABSENT);
        }
        for (f, (_, v)) in fields.into_iter().zip(&c.fields) {
            self.columns[f as usize][slot as usize] = present(*v);
        }
        self.index_kind(slot, &c.kind);
        self.index.insert(c.id.clone(), slot);
        self.ids.push(c.id);
        self.kinds.push(Some(c.kind));
        self.outgoing.push(Vec::new());
        self.incoming.push(Vec::new());
        Ok(Undo::PopSlot)
    }

    /// Appends contextoids already known to be valid, new and time-sorted (the
    /// bulk path of `from_frame`): no per-node sorted insertion.
    pub(crate) fn append_sorted_times(
        &mut self,
        scale: TimeScale,
        ids: Vec<NodeId>,
        times: &[i64],
    ) {
        let start = self.ids.len() as u32;
        let n = ids.len();
        for col in &mut self.columns {
            col.resize(start as usize + n, ABSENT);
        }
        self.index.reserve(n);
        for (i, id) in ids.iter().enumerate() {
            self.index.insert(id.clone(), start + i as u32);
        }
        self.ids.extend(ids);
        self.kinds.extend(
            times
                .iter()
                .map(|&timestamp| Some(ContextoidKind::Time { scale, timestamp })),
        );
        self.outgoing.resize_with(start as usize + n, Vec::new);
        self.incoming.resize_with(start as usize + n, Vec::new);
        let idx = self.time.entry(Some(scale)).or_default();
        let sorted_after = idx
            .last()
            .is_none_or(|last| times.first().is_none_or(|t| *t >= last.0));
        idx.extend(
            times
                .iter()
                .enumerate()
                .map(|(i, &t)| (t, start + i as u32)),
        );
        if !sorted_after {
            idx.sort_unstable();
        }
    }

    pub(crate) fn set_column(&mut self, name: &str, start: usize, values: &[f64]) {
        let f = self.field_slot_or_add(name) as usize;
        // A frame's missing readings (NaN) are absent fields, as before.
        let to = &mut self.columns[f][start..start + values.len()];
        for (slot, v) in to.iter_mut().zip(values) {
            *slot = if v.is_nan() { ABSENT } else { *v };
        }
    }

    /// Sets a field column exactly as given, the absent marker included (the
    /// binary form carries both a NaN field and an absent one).
    pub(crate) fn set_column_exact(&mut self, name: &str, start: usize, values: &[f64]) {
        let f = self.field_slot_or_add(name) as usize;
        self.columns[f][start..start + values.len()].copy_from_slice(values);
    }

    pub(crate) fn check_time_order(
        &self,
        from: u32,
        to: u32,
        from_k: &ContextoidKind,
        to_k: &ContextoidKind,
    ) -> Result<(), ContextError> {
        let (fid, tid) = (
            self.ids[from as usize].clone(),
            self.ids[to as usize].clone(),
        );
        match (from_k.time_point(), to_k.time_point()) {
            (Some((da, _)), Some((db, _))) if da != db => Err(ContextError::IncomparableTimes {
                from: fid,
                to: tid,
                from_domain: da.name(),
                to_domain: db.name(),
            }),
            (Some((_, a)), Some((_, b))) if a > b => Err(ContextError::TimeOrder {
                from: fid,
                to: tid,
                from_time: from_k.timestamp().unwrap_or_default(),
                to_time: to_k.timestamp().unwrap_or_default(),
            }),
            (Some(_), Some(_)) => Ok(()),
            (None, _) => Err(ContextError::NotTemporal {
                id: fid.clone(),
                from: fid,
                to: tid,
            }),
            (_, None) => Err(ContextError::NotTemporal {
                id: tid.clone(),
                from: fid,
                to: tid,
            }),
        }
    }

    pub(crate) fn replace(&mut self, c: Contextoid) -> Result<Undo, ContextError> {
        let c = c.normalized()?;
        let slot = self.slot(&c.id)?;
        // A new timestamp must keep every temporal relation pointing forward.
        if let Some(k) = self.relation_kind_slot(&RelationKind::Temporal) {
            for &(o, ek) in &self.outgoing[slot as usize] {
                if ek == k {
                    self.check_time_order(slot, o, &c.kind, self.kind_at(o))?;
                }
            }
            for &(o, ek) in &self.incoming[slot as usize] {
                if ek == k {
                    self.check_time_order(o, slot, self.kind_at(o), &c.kind)?;
                }
            }
        }
        let old_fields: Vec<(u32, f64)> = self
            .columns
            .iter()
            .enumerate()
            .map(|(f, col)| (f as u32, col[slot as usize]))
            .collect();
        for col in &mut self.columns {
            col[slot as usize] = ABSENT;
        }
        for (name, v) in &c.fields {
            let f = self.field_slot_or_add(name);
            self.columns[f as usize][slot as usize] = present(*v);
        }
        let old_kind = self.kinds[slot as usize]
            .take()
            .unwrap_or(ContextoidKind::Data);
        self.unindex_kind(slot, &old_kind);
        self.index_kind(slot, &c.kind);
        self.kinds[slot as usize] = Some(c.kind);
        Ok(Undo::Replace {
            slot,
            kind: old_kind,
            fields: old_fields,
        })
    }

    pub(crate) fn set_field(
        &mut self,
        id: &NodeId,
        field: &str,
        value: f64,
    ) -> Result<Undo, ContextError> {
        let slot = self.slot(id)?;
        let f = self.field_slot_or_add(field);
        let old = std::mem::replace(&mut self.columns[f as usize][slot as usize], present(value));
        Ok(Undo::SetField {
            slot,
            field: f,
            old,
        })
    }

    /// Removes the contextoid's relations (pushing their undo records) and
    /// then the contextoid itself.
    pub(crate) fn remove(&mut self, id: &NodeId, undo: &mut Vec<Undo>) -> Result<(), ContextError> {
        let slot = self.slot(id)?;
        let out: Vec<Edge> = self.outgoing[slot as usize].clone();
        for (to, k) in out {
            undo.push(self.unlink_slots(slot, to, k));
        }
        let inc: Vec<Edge> = self.incoming[slot as usize].clone();
        for (from, k) in inc {
            undo.push(self.unlink_slots(from, slot, k));
        }
        let kind = self.kinds[slot as usize]
            .take()
            .unwrap_or(ContextoidKind::Data);
        self.unindex_kind(slot, &kind);
        self.index.remove(id);
        undo.push(Undo::Restore { slot, kind });
        Ok(())
    }

    fn unlink_slots(&mut self, from: u32, to: u32, k: u32) -> Undo {
        self.outgoing[from as usize].retain(|e| *e != (to, k));
        self.incoming[to as usize].retain(|e| *e != (from, k));
        self.n_relations -= 1;
        Undo::Link { from, to, kind: k }
    }

    fn link_slots(&mut self, from: u32, to: u32, k: u32) -> Undo {
        self.outgoing[from as usize].push((to, k));
        self.incoming[to as usize].push((from, k));
        self.n_relations += 1;
        Undo::Unlink { from, to, kind: k }
    }

    pub(crate) fn link(&mut self, r: &Relation) -> Result<Undo, ContextError> {
        let missing = |m: &NodeId| ContextError::MissingEndpoint {
            from: r.from.clone(),
            to: r.to.clone(),
            kind: r.kind.to_string(),
            missing: m.clone(),
        };
        let from = self
            .index
            .get(&r.from)
            .copied()
            .ok_or_else(|| missing(&r.from))?;
        let to = self
            .index
            .get(&r.to)
            .copied()
            .ok_or_else(|| missing(&r.to))?;
        if self.has_relation(&r.from, &r.to, &r.kind) {
            return Err(ContextError::DuplicateRelation {
                from: r.from.clone(),
                to: r.to.clone(),
                kind: r.kind.to_string(),
            });
        }
        if r.kind == RelationKind::Temporal {
            self.check_time_order(from, to, self.kind_at(from), self.kind_at(to))?;
        }
        let k = self.relation_kind_slot_or_add(&r.kind);
        Ok(self.link_slots(from, to, k))
    }

    pub(crate) fn unlink(&mut self, r: &Relation) -> Result<Undo, ContextError> {
        let unknown = || ContextError::UnknownRelation {
            from: r.from.clone(),
            to: r.to.clone(),
            kind: r.kind.to_string(),
        };
        if !self.has_relation(&r.from, &r.to, &r.kind) {
            return Err(unknown());
        }
        let (from, to) = (self.slot(&r.from)?, self.slot(&r.to)?);
        let k = self.relation_kind_slot(&r.kind).ok_or_else(unknown)?;
        Ok(self.unlink_slots(from, to, k))
    }

    /// Links slots known to be valid (bulk path); returns nothing to undo.
    pub(crate) fn link_unchecked(&mut self, from: u32, to: u32, kind: &RelationKind) {
        let k = self.relation_kind_slot_or_add(kind);
        self.link_slots(from, to, k);
    }

    pub(crate) fn undo(&mut self, u: Undo) {
        match u {
            Undo::PopSlot => {
                if let (Some(id), Some(Some(kind))) = (self.ids.pop(), self.kinds.pop()) {
                    let slot = self.ids.len() as u32;
                    self.unindex_kind(slot, &kind);
                    self.index.remove(&id);
                }
                for col in &mut self.columns {
                    col.pop();
                }
                self.outgoing.pop();
                self.incoming.pop();
            }
            Undo::Restore { slot, kind } => {
                self.index_kind(slot, &kind);
                self.index.insert(self.ids[slot as usize].clone(), slot);
                self.kinds[slot as usize] = Some(kind);
            }
            Undo::Replace { slot, kind, fields } => {
                if let Some(new_kind) = self.kinds[slot as usize].take() {
                    self.unindex_kind(slot, &new_kind);
                }
                self.index_kind(slot, &kind);
                self.kinds[slot as usize] = Some(kind);
                for col in &mut self.columns {
                    col[slot as usize] = ABSENT;
                }
                for (f, v) in fields {
                    self.columns[f as usize][slot as usize] = v;
                }
            }
            Undo::SetField { slot, field, old } => {
                self.columns[field as usize][slot as usize] = old
            }
            Undo::Unlink { from, to, kind } => {
                self.unlink_slots(from, to, kind);
            }
            Undo::Link { from, to, kind } => {
                self.link_slots(from, to, kind);
            }
        }
    }

    /// Drops fields and relation kinds created after a savepoint.
    pub(crate) fn truncate_tables(&mut self, n_fields: usize, n_relation_kinds: usize) {
        for name in self.field_names.drain(n_fields..) {
            self.field_index.remove(&name);
        }
        self.columns.truncate(n_fields);
        self.relation_kinds.truncate(n_relation_kinds);
    }
}
