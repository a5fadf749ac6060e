//! Vectorised reads of a context used by native expressions: for each row
//! timestamp, aggregate a field over time nodes counted from the latest node at
//! or before that time. Each row is independent, so splitting the rows across
//! threads gives bit-identical results.

use super::error::ContextError;
use super::frame::Aggregation;
use super::store::{Context, TimeKey};
use rayon::prelude::*;

const CHUNK: usize = 16_384;

impl Context {
    /// For each `at[i]` (seconds; NaN gives NaN), `agg` of `field` over the time
    /// nodes of `scale` at positions `anchor + start .. anchor + stop`, where
    /// `anchor` is the latest node at or before `at[i]`. Positions outside the
    /// index are dropped; an empty window gives NaN. `start = -1, stop = 0`
    /// reads the previous node alone; `start = -12, stop = 0` the twelve before.
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
        let col = &self.columns[self.field_slot(field)? as usize];
        let idx = self.time_index(scale);
        let one = |t: f64| -> f64 {
            if t.is_nan() {
                return f64::NAN;
            }
            // Timestamps are whole seconds: a node at t' counts when t' <= floor(t).
            let t = t.floor();
            let anchor = idx.partition_point(|(ts, _)| (*ts as f64) <= t) as i64 - 1;
            if anchor < 0 {
                return f64::NAN;
            }
            let lo = (anchor + start).clamp(0, idx.len() as i64) as usize;
            let hi = (anchor + stop).clamp(0, idx.len() as i64) as usize;
            if lo >= hi {
                return f64::NAN;
            }
            agg.apply(idx[lo..hi].iter().map(|(_, s)| col[*s as usize]))
        };
        if at.len() >= 2 * CHUNK {
            out.par_chunks_mut(CHUNK)
                .zip(at.par_chunks(CHUNK))
                .for_each(|(o, a)| {
                    for (o, &t) in o.iter_mut().zip(a) {
                        *o = one(t);
                    }
                });
        } else {
            for (o, &t) in out.iter_mut().zip(at) {
                *o = one(t);
            }
        }
        Ok(())
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
