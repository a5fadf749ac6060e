//! SURD straight from numeric columns: shift the target `lag` steps ahead of
//! its agents, bin every column, then decompose. This is the path the Python
//! `surd()` takes.

use super::binning::{bin_column, BinSpec};
use super::error::{DiscoverError, Result};
use super::surd::{surd_from_states, SurdResult};
use rayon::prelude::*;

/// One named column and how to bin it.
#[derive(Clone, Debug)]
pub struct Column<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
    pub bins: BinSpec,
}

/// The decomposition and the bin edges used for the target and each agent.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnsSurd {
    pub result: SurdResult,
    pub target_edges: Vec<f64>,
    pub agent_edges: Vec<Vec<f64>>,
    pub samples: usize,
}

/// SURD of `target` (taken `lag` samples after its agents) on `agents`.
pub fn surd_from_columns(target: &Column<'_>, agents: &[Column<'_>], lag: usize, max_order: Option<usize>) -> Result<ColumnsSurd> {
    let n = target.values.len();
    for agent in agents {
        if agent.values.len() != n {
            return Err(DiscoverError::Length { column: agent.name.to_string(), expected: n, found: agent.values.len() });
        }
    }
    if lag >= n {
        return Err(DiscoverError::InvalidArgument {
            parameter: "lag",
            reason: format!("lag {lag} leaves no samples out of {n}"),
        });
    }
    let samples = n - lag;
    let columns: Vec<(&Column<'_>, &[f64])> = std::iter::once((target, &target.values[lag..]))
        .chain(agents.iter().map(|a| (a, &a.values[..samples])))
        .collect();
    let binned = columns
        .par_iter()
        .enumerate()
        .map(|(index, (column, values))| {
            // Rows in errors count from the start of the column, not of the shifted window.
            let offset = if index == 0 { lag } else { 0 };
            let binned = bin_column(column.name, values, &column.bins).map_err(|e| shift_row(e, offset))?;
            if samples < binned.n_states {
                return Err(DiscoverError::TooFewSamples { column: column.name.to_string(), samples, bins: binned.n_states });
            }
            Ok(binned)
        })
        .collect::<Result<Vec<_>>>()?;
    let (target_binned, agent_binned) = binned.split_first().ok_or(DiscoverError::InvalidArgument {
        parameter: "agents",
        reason: "give at least one agent".into(),
    })?;
    let states: Vec<&[u32]> = agent_binned.iter().map(|b| b.states.as_slice()).collect();
    let n_states: Vec<usize> = agent_binned.iter().map(|b| b.n_states).collect();
    let result = surd_from_states(&target_binned.states, target_binned.n_states, &states, &n_states, max_order)?;
    Ok(ColumnsSurd {
        result,
        target_edges: target_binned.edges.clone(),
        agent_edges: agent_binned.iter().map(|b| b.edges.clone()).collect(),
        samples,
    })
}

fn shift_row(err: DiscoverError, offset: usize) -> DiscoverError {
    match err {
        DiscoverError::NonFinite { column, row, value } => DiscoverError::NonFinite { column, row: row + offset, value },
        DiscoverError::OutOfRange { column, row, value, low, high } => {
            DiscoverError::OutOfRange { column, row: row + offset, value, low, high }
        }
        other => other,
    }
}
