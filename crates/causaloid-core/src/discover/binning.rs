//! Turns continuous columns into discrete states: equal-width bins between a
//! column's minimum and maximum, or explicit edges given by the user.

use super::error::{DiscoverError, Result};
use rayon::prelude::*;

const CHUNK: usize = 1 << 15;

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
        Some(row) => Err(DiscoverError::NonFinite {
            column: column.to_string(),
            row,
            value: values[row],
        }),
        None => Ok(()),
    }
}

/// Discretises `values` according to `spec`; `column` names it in errors.
pub fn bin_column(column: &str, values: &[f64], spec: &BinSpec) -> Result<Binned> {
    let binner = Binner::new(column, values, spec)?;
    let states = values
        .par_iter()
        .with_min_len(CHUNK)
        .map(|&v| binner.state(v))
        .collect();
    Ok(Binned {
        states,
        n_states: binner.n_states,
        edges: binner.edges.clone(),
    })
}

/// Minimum and maximum in one parallel pass; `None` when a value is not finite.
/// Min and max do not depend on the order of reduction, so this is deterministic.
fn finite_range(values: &[f64]) -> Option<(f64, f64)> {
    let (lo, hi, finite) = values
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            let mut nan = false;
            // Plain comparisons vectorise where f64::min does not; NaN is caught apart.
            for &v in chunk {
                lo = if v < lo { v } else { lo };
                hi = if v > hi { v } else { hi };
                nan |= v.is_nan();
            }
            (lo, hi, !nan)
        })
        .reduce(
            || (f64::INFINITY, f64::NEG_INFINITY, true),
            |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 && b.2),
        );
    (finite && lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

#[derive(Clone, Debug, PartialEq)]
enum Rule {
    EqualWidth { lo: f64, scale: f64, last: u32 },
    Edges { inner: Vec<f64> },
}

/// The binning of one column, checked against its values: maps a value to
/// its state without storing the states, so callers can fuse passes.
#[derive(Clone, Debug, PartialEq)]
pub struct Binner {
    rule: Rule,
    pub n_states: usize,
    pub edges: Vec<f64>,
}

impl Binner {
    /// Checks `values` (finite, not constant, inside explicit edges) and fixes the bins.
    pub fn new(column: &str, values: &[f64], spec: &BinSpec) -> Result<Binner> {
        Binner::build(column, values, spec, true)
    }

    /// A binner from a column's range alone (its `[min, max]`), for columns
    /// seen in parts: the caller checks the total samples against the bins.
    pub fn from_range(column: &str, lo: f64, hi: f64, spec: &BinSpec) -> Result<Binner> {
        Binner::build(column, &[lo, hi], spec, false)
    }

    fn build(column: &str, values: &[f64], spec: &BinSpec, check_samples: bool) -> Result<Binner> {
        let name = || column.to_string();
        if let BinSpec::EqualWidth(bins) = spec {
            if *bins < 2 || *bins > u32::MAX as usize {
                return Err(DiscoverError::InvalidArgument {
                    parameter: "bins",
                    reason: format!("column {column:?} asks for {bins} bins; use at least 2"),
                });
            }
        }
        if values.is_empty() {
            let bins = match spec {
                BinSpec::EqualWidth(b) => *b,
                BinSpec::Edges(e) => e.len().saturating_sub(1),
            };
            return Err(DiscoverError::TooFewSamples {
                column: name(),
                samples: 0,
                bins,
            });
        }
        let Some((lo, hi)) = finite_range(values) else {
            return Err(check_finite(column, values)
                .err()
                .unwrap_or(DiscoverError::NonFinite {
                    column: name(),
                    row: 0,
                    value: f64::NAN,
                }));
        };
        match spec {
            BinSpec::EqualWidth(bins) => {
                let bins = *bins;
                if lo == hi {
                    return Err(DiscoverError::Constant {
                        column: name(),
                        value: lo,
                    });
                }
                // More bins than samples leave most bins empty and every
                // estimate meaningless; refuse before anything is sized by `bins`.
                if check_samples && bins > values.len() {
                    return Err(DiscoverError::TooFewSamples {
                        column: name(),
                        samples: values.len(),
                        bins,
                    });
                }
                let span = hi - lo;
                // The edges are the one allocation sized by the user: fallible.
                let mut edges = Vec::new();
                edges
                    .try_reserve_exact(bins + 1)
                    .map_err(|_| DiscoverError::InvalidArgument {
                        parameter: "bins",
                        reason: format!(
                            "column {column:?}: no memory for the edges of {bins} bins"
                        ),
                    })?;
                edges.extend((0..=bins).map(|i| {
                    if i == bins {
                        hi
                    } else {
                        lo + span * i as f64 / bins as f64
                    }
                }));
                let rule = Rule::EqualWidth {
                    lo,
                    scale: bins as f64 / span,
                    last: (bins - 1) as u32,
                };
                Ok(Binner {
                    rule,
                    n_states: bins,
                    edges,
                })
            }
            BinSpec::Edges(edges) => {
                let bad = |reason: &str| DiscoverError::BadEdges {
                    column: name(),
                    reason: reason.to_string(),
                };
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
                if lo < low || hi > high {
                    let row = values
                        .iter()
                        .position(|&v| v < low || v > high)
                        .unwrap_or(0);
                    return Err(DiscoverError::OutOfRange {
                        column: name(),
                        row,
                        value: values[row],
                        low,
                        high,
                    });
                }
                let rule = Rule::Edges {
                    inner: edges[1..edges.len() - 1].to_vec(),
                };
                Ok(Binner {
                    rule,
                    n_states: edges.len() - 1,
                    edges: edges.clone(),
                })
            }
        }
    }

    /// The state of a value that passed [`Binner::new`]'s checks.
    #[inline]
    pub fn state(&self, v: f64) -> u32 {
        match &self.rule {
            // Values are at least `lo`, so truncation is the floor; the maximum
            // lands on the right edge and belongs to the last bin.
            Rule::EqualWidth { lo, scale, last } => (((v - lo) * scale) as u32).min(*last),
            Rule::Edges { inner } => inner.partition_point(|&e| e <= v) as u32,
        }
    }

    /// `codes[i] = codes[i] * n_states + state(values[i])`: one step of a
    /// mixed-radix joint code, in a loop the compiler can vectorise.
    pub fn push_code(&self, codes: &mut [u32], values: &[f64]) {
        let radix = self.n_states as u32;
        match &self.rule {
            Rule::EqualWidth { lo, scale, last } => {
                for (code, &v) in codes.iter_mut().zip(values) {
                    *code = *code * radix + (((v - lo) * scale) as u32).min(*last);
                }
            }
            Rule::Edges { inner } => {
                for (code, &v) in codes.iter_mut().zip(values) {
                    *code = *code * radix + inner.partition_point(|&e| e <= v) as u32;
                }
            }
        }
    }
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
        let b = bin_column(
            "x",
            &[0.0, 1.0, 2.0, 1.5],
            &BinSpec::Edges(vec![0.0, 1.0, 2.0]),
        )
        .unwrap();
        assert_eq!(b.states, vec![0, 1, 1, 1]);
    }

    #[test]
    fn more_bins_than_samples_are_refused_before_allocating() {
        let values: Vec<f64> = (0..2000).map(f64::from).collect();
        assert!(matches!(
            bin_column("x", &values, &BinSpec::EqualWidth(100_000_000)),
            Err(DiscoverError::TooFewSamples {
                samples: 2000,
                bins: 100_000_000,
                ..
            })
        ));
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
