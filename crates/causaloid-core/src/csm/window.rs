//! A sliding window over the most recent observations, kept in the engine so
//! that causaloids can read summaries of the recent past (`temp.mean`,
//! `temp.delta`, ...) as if they were columns of the current observation.
//!
//! Every summary is recomputed from the window's contents in one fixed order,
//! so a stream fed row by row and a batch rolled in one call agree bit for bit.

use crate::diagnostic::{Area, Detail, DetailSink, Diagnostic};
use std::collections::VecDeque;

/// Errors of a window.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WindowError {
    #[error("invalid window size {size}: it must be at least 1")]
    Size { size: usize },
    #[error("the observation has no value for window column {column:?}")]
    MissingColumn { column: String },
    #[error("unknown window column {column:?} (the window keeps: {})", .known.join(", "))]
    UnknownColumn { column: String, known: Vec<String> },
    #[error("duplicate window column {column:?}")]
    DuplicateColumn { column: String },
    #[error("unknown window statistic {name:?}; expected one of {}", STATS.join(", "))]
    UnknownStat { name: String },
}

/// The summaries a window exposes for each column, as `"<column>.<stat>"`.
pub const STATS: [&str; 7] = ["mean", "min", "max", "sum", "std", "delta", "count"];

/// How many observations a new window makes room for before it grows.
const INITIAL_CAPACITY: usize = 1024;

/// The most recent `size` values of a fixed set of columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    size: usize,
    columns: Vec<String>,
    buffers: Vec<VecDeque<f64>>,
}

impl Window {
    pub fn new(size: usize, columns: Vec<String>) -> Result<Window, WindowError> {
        if size == 0 {
            return Err(WindowError::Size { size });
        }
        for (i, c) in columns.iter().enumerate() {
            if columns[..i].contains(c) {
                return Err(WindowError::DuplicateColumn { column: c.clone() });
            }
        }
        // The buffers grow as observations arrive: a window's size is a
        // limit, not an allocation, so any size a caller passes is safe.
        let buffers = columns
            .iter()
            .map(|_| VecDeque::with_capacity(size.min(INITIAL_CAPACITY)))
            .collect();
        Ok(Window {
            size,
            columns,
            buffers,
        })
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// How many observations the window holds (at most `size`).
    pub fn len(&self) -> usize {
        self.buffers.first().map_or(0, VecDeque::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_full(&self) -> bool {
        self.len() == self.size
    }

    pub fn clear(&mut self) {
        self.buffers.iter_mut().for_each(VecDeque::clear);
    }

    /// Adds an observation, looking each window column up with `get`; the
    /// oldest observation drops out once the window is full. All-or-nothing:
    /// a missing column leaves the window unchanged.
    pub fn push_with(&mut self, get: impl Fn(&str) -> Option<f64>) -> Result<(), WindowError> {
        let mut row = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            row.push(get(c).ok_or_else(|| WindowError::MissingColumn { column: c.clone() })?);
        }
        self.push_row(&row);
        Ok(())
    }

    /// Adds an observation given in window-column order (missing trailing values are NaN).
    pub fn push_row(&mut self, row: &[f64]) {
        for (i, buf) in self.buffers.iter_mut().enumerate() {
            if buf.len() == self.size {
                buf.pop_front();
            }
            buf.push_back(row.get(i).copied().unwrap_or(f64::NAN));
        }
    }

    fn index(&self, column: &str) -> Result<usize, WindowError> {
        self.columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| WindowError::UnknownColumn {
                column: column.to_owned(),
                known: self.columns.clone(),
            })
    }

    /// The kept values of `column`, oldest first.
    pub fn values(&self, column: &str) -> Result<Vec<f64>, WindowError> {
        let i = self.index(column)?;
        Ok(self
            .buffers
            .get(i)
            .map(|b| b.iter().copied().collect())
            .unwrap_or_default())
    }

    /// One statistic of one column (NaN for an empty window, except count).
    pub fn stat(&self, column: &str, name: &str) -> Result<f64, WindowError> {
        let i = self.index(column)?;
        let k = STATS
            .iter()
            .position(|s| *s == name)
            .ok_or_else(|| WindowError::UnknownStat {
                name: name.to_owned(),
            })?;
        let mut out = [0.0; STATS.len()];
        if let Some(buf) = self.buffers.get(i) {
            summarise(buf, &mut out);
        }
        Ok(out[k])
    }

    /// Names of the features, `"<column>.<stat>"`, column by column.
    pub fn feature_names(&self) -> Vec<String> {
        self.columns
            .iter()
            .flat_map(|c| STATS.iter().map(move |s| format!("{c}.{s}")))
            .collect()
    }

    /// Writes every feature, in [`Window::feature_names`] order, into `out`.
    pub fn features_into(&self, out: &mut Vec<f64>) {
        out.clear();
        let mut stats = [0.0; STATS.len()];
        for buf in &self.buffers {
            summarise(buf, &mut stats);
            out.extend_from_slice(&stats);
        }
    }

    /// Pushes every row of a block (`cols[i]` is window column `i`) and
    /// returns the features after each row, one feature column at a time: the
    /// same numbers a stream of `push_row` + `features_into` gives.
    pub fn roll(&mut self, cols: &[&[f64]], len: usize) -> Vec<Vec<f64>> {
        let width = self.columns.len() * STATS.len();
        let mut out = vec![Vec::with_capacity(len); width];
        let mut row = vec![f64::NAN; self.columns.len()];
        let mut feats = Vec::with_capacity(width);
        for r in 0..len {
            for (slot, col) in row.iter_mut().zip(cols) {
                *slot = col.get(r).copied().unwrap_or(f64::NAN);
            }
            self.push_row(&row);
            self.features_into(&mut feats);
            for (o, f) in out.iter_mut().zip(&feats) {
                o.push(*f);
            }
        }
        out
    }
}

// Fixed summation order (oldest first) keeps streams and batches identical;
// min / max propagate NaN so a missing reading never looks like a calm one.
fn summarise(buf: &VecDeque<f64>, out: &mut [f64; STATS.len()]) {
    let n = buf.len();
    if n == 0 {
        *out = [f64::NAN, f64::NAN, f64::NAN, 0.0, f64::NAN, f64::NAN, 0.0];
        return;
    }
    let mut sum = 0.0;
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut nan = false;
    for &x in buf {
        sum += x;
        nan |= x.is_nan();
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if nan {
        lo = f64::NAN;
        hi = f64::NAN;
    }
    let mean = sum / n as f64;
    let mut sq = 0.0;
    for &x in buf {
        sq += (x - mean) * (x - mean);
    }
    let first = buf.front().copied().unwrap_or(f64::NAN);
    let last = buf.back().copied().unwrap_or(f64::NAN);
    *out = [
        mean,
        lo,
        hi,
        sum,
        (sq / n as f64).sqrt(),
        last - first,
        n as f64,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent_values_and_summarises_them() {
        let mut w = Window::new(3, vec!["t".into()]).unwrap();
        for x in [1.0, 2.0, 3.0, 10.0] {
            w.push_row(&[x]);
        }
        assert_eq!(w.values("t").unwrap(), vec![2.0, 3.0, 10.0]);
        assert_eq!(w.stat("t", "mean").unwrap(), 5.0);
        assert_eq!(w.stat("t", "delta").unwrap(), 8.0);
        assert_eq!(w.stat("t", "count").unwrap(), 3.0);
        assert!(w.stat("t", "median").is_err());
        assert!(w.values("u").is_err());
    }

    #[test]
    fn rolling_a_block_equals_pushing_row_by_row() {
        let xs = [0.1, 0.7, f64::NAN, 0.3, 0.9, 0.2, 0.4];
        let mut a = Window::new(3, vec!["x".into()]).unwrap();
        let mut b = a.clone();
        let rolled = a.roll(&[&xs], xs.len());
        let mut feats = Vec::new();
        for (r, &x) in xs.iter().enumerate() {
            b.push_row(&[x]);
            b.features_into(&mut feats);
            for (k, f) in feats.iter().enumerate() {
                assert_eq!(f.to_bits(), rolled[k][r].to_bits());
            }
        }
        assert_eq!(a, b);
    }

    #[test]
    fn bad_windows_are_refused() {
        assert_eq!(Window::new(0, vec![]), Err(WindowError::Size { size: 0 }));
        // A huge size is a limit, not an allocation.
        let mut huge = Window::new(usize::MAX, vec!["x".into()]).unwrap();
        huge.push_row(&[1.0]);
        assert_eq!(huge.len(), 1);
        assert!(Window::new(2, vec!["a".into(), "a".into()]).is_err());
        let mut w = Window::new(2, vec!["a".into()]).unwrap();
        assert!(w.push_with(|_| None).is_err());
        assert!(w.is_empty());
    }
}

impl Diagnostic for WindowError {
    fn area(&self) -> Area {
        Area::StateMachine
    }

    fn kind(&self) -> &'static str {
        "WindowError"
    }

    fn detail(&self, out: &mut DetailSink<'_>) {
        match self {
            WindowError::MissingColumn { column }
            | WindowError::UnknownColumn { column, .. }
            | WindowError::DuplicateColumn { column } => out("column", Detail::Text(column)),
            WindowError::Size { size } => out("size", Detail::int(*size)),
            WindowError::UnknownStat { name } => out("stat", Detail::Text(name)),
        }
    }
}
