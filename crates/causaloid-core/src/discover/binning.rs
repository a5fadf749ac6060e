//! Turns continuous columns into discrete states: equal-width bins between a
//! column's minimum and maximum, or explicit edges given by the user.

use super::error::{DiscoverError, Result};

/// How to discretise one column.
#[derive(Clone, Debug, PartialEq)]
pub enum BinSpec {
    /// `n` bins of equal width spanning `[min, max]` of the column.
    EqualWidth(usize),
    /// Explicit, strictly increasing edges; `edges.len() - 1` bins. The last
    /// bin is closed on the right, like `numpy.histogram`.
    Edges(Vec<f64>),
}

/// A discretised column: one state in `0..n_states` per sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Binned {
    pub states: Vec<u32>,
    pub n_states: usize,
    /// The edges actually used (`n_states + 1` of them).
    pub edges: Vec<f64>,
}

fn check_finite(column: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(row) => Err(DiscoverError::NonFinite { column: column.to_string(), row, value: values[row] }),
        None => Ok(()),
    }
}

/// Discretises `values` according to `spec`; `column` names it in errors.
pub fn bin_column(column: &str, values: &[f64], spec: &BinSpec) -> Result<Binned> {
    check_finite(column, values)?;
    match spec {
        BinSpec::EqualWidth(bins) => equal_width(column, values, *bins),
        BinSpec::Edges(edges) => with_edges(column, values, edges),
    }
}

fn equal_width(column: &str, values: &[f64], bins: usize) -> Result<Binned> {
    if bins < 2 || bins > u32::MAX as usize {
        return Err(DiscoverError::InvalidArgument {
            parameter: "bins",
            reason: format!("column {column:?} asks for {bins} bins; use at least 2"),
        });
    }
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if values.is_empty() {
        return Err(DiscoverError::TooFewSamples { column: column.to_string(), samples: 0, bins });
    }
    if lo == hi {
        return Err(DiscoverError::Constant { column: column.to_string(), value: lo });
    }
    let span = hi - lo;
    let scale = bins as f64 / span;
    let last = (bins - 1) as u32;
    let states = values
        .iter()
        .map(|&v| {
            // The maximum lands exactly on the right edge; it belongs to the last bin.
            let s = ((v - lo) * scale).floor();
            if s >= last as f64 { last } else { s.max(0.0) as u32 }
        })
        .collect();
    let edges = (0..=bins).map(|i| if i == bins { hi } else { lo + span * i as f64 / bins as f64 }).collect();
    Ok(Binned { states, n_states: bins, edges })
}

fn with_edges(column: &str, values: &[f64], edges: &[f64]) -> Result<Binned> {
    let bad = |reason: &str| DiscoverError::BadEdges { column: column.to_string(), reason: reason.to_string() };
    if edges.len() < 3 {
        return Err(bad("give at least 3 edges (2 bins)"));
    }
    if edges.iter().any(|e| !e.is_finite()) {
        return Err(bad("edges must be finite"));
    }
    if edges.windows(2).any(|w| w[0] >= w[1]) {
        return Err(bad("edges must be strictly increasing"));
    }
    let (low, high) = (edges[0], edges[edges.len() - 1]);
    let inner = &edges[1..edges.len() - 1];
    let mut states = Vec::with_capacity(values.len());
    for (row, &value) in values.iter().enumerate() {
        if value < low || value > high {
            return Err(DiscoverError::OutOfRange { column: column.to_string(), row, value, low, high });
        }
        states.push(inner.partition_point(|&e| e <= value) as u32);
    }
    Ok(Binned { states, n_states: edges.len() - 1, edges: edges.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_width_puts_the_maximum_in_the_last_bin() {
        let b = bin_column("x", &[0.0, 0.5, 1.0, 0.25], &BinSpec::EqualWidth(2)).unwrap();
        assert_eq!(b.states, vec![0, 1, 1, 0]);
        assert_eq!(b.edges, vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn explicit_edges_are_left_closed_and_last_bin_closed() {
        let b = bin_column("x", &[0.0, 1.0, 2.0, 1.5], &BinSpec::Edges(vec![0.0, 1.0, 2.0])).unwrap();
        assert_eq!(b.states, vec![0, 1, 1, 1]);
    }

    #[test]
    fn bad_input_is_named() {
        assert!(matches!(
            bin_column("x", &[1.0, 1.0], &BinSpec::EqualWidth(4)),
            Err(DiscoverError::Constant { .. })
        ));
        assert!(matches!(
            bin_column("x", &[1.0, f64::NAN], &BinSpec::EqualWidth(4)),
            Err(DiscoverError::NonFinite { row: 1, .. })
        ));
        assert!(matches!(
            bin_column("x", &[3.0], &BinSpec::Edges(vec![0.0, 1.0, 2.0])),
            Err(DiscoverError::OutOfRange { row: 0, .. })
        ));
        assert!(matches!(
            bin_column("x", &[1.0], &BinSpec::Edges(vec![0.0, 2.0, 1.0])),
            Err(DiscoverError::BadEdges { .. })
        ));
    }
}
