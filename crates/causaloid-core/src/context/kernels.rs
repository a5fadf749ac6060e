//! Vectorised reads of a context used by native expressions: for each row
//! timestamp, aggregate a field over time nodes counted from the latest node at
//! or before that time.
//!
//! The aggregate depends only on that anchor node, so it is computed once per
//! node of the time index (a few hundred months, say) and each row is then one
//! anchor search plus one gather. Rows are split into chunks that each find
//! their first anchor by binary search and walk forward while the times
//! ascend; each row is independent, so the split never changes a result.

use super::error::ContextError;
use super::frame::Aggregation;
use super::store::{Context, TimeKey};
use rayon::prelude::*;

const CHUNK: usize = 16_384;

/// One aggregate read: `agg` of `field` over nodes `anchor + start .. anchor + stop`.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowRead {
    pub field: String,
    pub aggregation: Aggregation,
    pub start: i64,
    pub stop: i64,
}

// Anchor of each row: the position of the latest node at or before floor(t),
// or -1 (before the first node, or NaN time).
fn anchors(index: &[(i64, u32)], at: &[f64], out: &mut [i64]) {
    let search = |t: f64| index.partition_point(|(ts, _)| (*ts as f64) <= t) as i64 - 1;
    let mut prev = f64::NAN;
    let mut pos: i64 = -1;
    for (o, &t) in out.iter_mut().zip(at) {
        if t.is_nan() {
            *o = -1;
            continue;
        }
        let t = t.floor();
        // Times ascending: walk forward a few nodes from the last anchor, and
        // search only when the walk would be long (sparse rows, dense index).
        let mut found = false;
        if t >= prev {
            let mut p = pos;
            for _ in 0..8 {
                if ((p + 1) as usize) < index.len() && (index[(p + 1) as usize].0 as f64) <= t {
                    p += 1;
                } else {
                    found = true;
                    break;
                }
            }
            pos = p;
        }
        if !found {
            pos = search(t);
        }
        prev = t;
        *o = pos;
    }
}

impl Context {
    /// The per-node table of a read: entry `p` is the aggregate over nodes
    /// `p + start .. p + stop` of the time index (clipped; NaN when empty).
    fn read_table(&self, scale: TimeKey, read: &WindowRead) -> Result<Vec<f64>, ContextError> {
        let col = &self.columns[self.field_slot(&read.field)? as usize];
        let idx = self.time_index(scale);
        let n = idx.len() as i64;
        Ok((0..n)
            .map(|p| {
                let lo = p.saturating_add(read.start).clamp(0, n) as usize;
                let hi = p.saturating_add(read.stop).clamp(0, n) as usize;
                if lo >= hi {
                    f64::NAN
                } else {
                    read.aggregation
                        .apply(idx[lo..hi].iter().map(|(_, s)| col[*s as usize]))
                }
            })
            .collect())
    }

    /// Several reads anchored at the same times `at` (seconds; NaN gives NaN),
    /// sharing one anchor search. Returns one column per read.
    pub fn window_aggregates(
        &self,
        scale: TimeKey,
        at: &[f64],
        reads: &[WindowRead],
    ) -> Result<Vec<Vec<f64>>, ContextError> {
        let tables = reads
            .iter()
            .map(|r| self.read_table(scale, r))
            .collect::<Result<Vec<_>, _>>()?;
        let idx = self.time_index(scale);
        let mut anchor = vec![-1i64; at.len()];
        anchor
            .par_chunks_mut(CHUNK)
            .zip(at.par_chunks(CHUNK))
            .for_each(|(o, a)| anchors(idx, a, o));
        Ok(tables
            .iter()
            .map(|table| {
                let mut out = vec![f64::NAN; at.len()];
                out.par_chunks_mut(CHUNK)
                    .zip(anchor.par_chunks(CHUNK))
                    .for_each(|(o, a)| {
                        for (o, &p) in o.iter_mut().zip(a) {
                            if p >= 0 {
                                *o = table[p as usize];
                            }
                        }
                    });
                out
            })
            .collect())
    }

    /// For each `at[i]` (seconds; NaN gives NaN), `agg` of `field` over the time
    /// nodes of `scale` at positions `anchor + start .. anchor + stop`, where
    /// `anchor` is the latest node at or before `at[i]`. Positions outside the
    /// index are dropped; an empty window gives NaN. `start = -1, stop = 0`
    /// reads the previous node alone; `start = -12, stop = 0` the twelve before.
    #[allow(clippy::too_many_arguments)]
    pub fn window_aggregate(
        &self,
        scale: TimeKey,
        field: &str,
        agg: Aggregation,
        at: &[f64],
        start: i64,
        stop: i64,
        out: &mut [f64],
    ) -> Result<(), ContextError> {
        if out.len() != at.len() {
            return Err(ContextError::Shape {
                what: "output".to_owned(),
                expected: at.len(),
                found: out.len(),
            });
        }
        let read = WindowRead {
            field: field.to_owned(),
            aggregation: agg,
            start,
            stop,
        };
        let mut cols = self.window_aggregates(scale, at, std::slice::from_ref(&read))?;
        if let Some(col) = cols.pop() {
            out.copy_from_slice(&col);
        }
        Ok(())
    }

    /// One read anchored at time `t` (seconds; +inf: the latest node; NaN
    /// gives NaN), computed over its window alone: the single-row form of
    /// [`Context::window_aggregates`], with the same result.
    pub fn window_aggregate_at(
        &self,
        scale: TimeKey,
        t: f64,
        read: &WindowRead,
    ) -> Result<f64, ContextError> {
        let col = &self.columns[self.field_slot(&read.field)? as usize];
        let idx = self.time_index(scale);
        let mut anchor = [-1i64];
        anchors(idx, &[t], &mut anchor);
        let p = anchor[0];
        if p < 0 {
            return Ok(f64::NAN);
        }
        let n = idx.len() as i64;
        let lo = p.saturating_add(read.start).clamp(0, n) as usize;
        let hi = p.saturating_add(read.stop).clamp(0, n) as usize;
        if lo >= hi {
            return Ok(f64::NAN);
        }
        Ok(read
            .aggregation
            .apply(idx[lo..hi].iter().map(|(_, s)| col[*s as usize])))
    }

    /// The same aggregate anchored at the latest node of `scale`.
    pub fn latest_aggregate(
        &self,
        scale: TimeKey,
        field: &str,
        agg: Aggregation,
        start: i64,
        stop: i64,
    ) -> Result<f64, ContextError> {
        let mut out = [f64::NAN];
        let at = match self.time_index(scale).last() {
            Some((t, _)) => *t as f64,
            None => f64::NAN,
        };
        self.window_aggregate(scale, field, agg, &[at], start, stop, &mut out)?;
        Ok(out[0])
    }
}
