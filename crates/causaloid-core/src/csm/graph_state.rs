//! A stateful graph as a state's causaloid: the machine carries the graph's
//! state from one observation to the next, as `evaluate_sequence` carries it
//! from row to row. The state columns (`state:<name>`) are filled from the
//! carried values, never read from the observation; after each evaluation
//! that succeeded, every state takes the value its one writer (checked when
//! the graph was frozen) decided.

use crate::error::CausalError;
use crate::graph::{last_decision, Evaluation, Member, STATE_PREFIX};
use std::sync::Mutex;

/// The sentinel input slot of a state column (filled from the carried state).
pub(crate) const STATE_SLOT: u32 = u32::MAX;

pub(crate) struct GraphState {
    /// (position among the member's columns, state index) of each state read.
    reads: Vec<(usize, usize)>,
    /// The writer of each state, as a node index of the frozen graph.
    writers: Vec<u32>,
    current: Mutex<Vec<f64>>,
}

impl Clone for GraphState {
    fn clone(&self) -> GraphState {
        GraphState {
            reads: self.reads.clone(),
            writers: self.writers.clone(),
            current: Mutex::new(self.values()),
        }
    }
}

impl GraphState {
    /// The carried state of `member` when it is a stateful graph.
    pub fn of(member: &Member) -> Result<Option<GraphState>, CausalError> {
        let Member::Graph(g) = member else {
            return Ok(None);
        };
        if g.states().is_empty() {
            return Ok(None);
        }
        let states = g.states();
        let reads = member
            .columns()
            .iter()
            .enumerate()
            .filter_map(|(pos, c)| {
                let name = c.strip_prefix(STATE_PREFIX)?;
                states.iter().position(|s| s.name == name).map(|k| (pos, k))
            })
            .collect();
        let writers = states
            .iter()
            .map(|s| {
                let w = g
                    .writers()
                    .iter()
                    .find(|(n, _)| n == &s.name)
                    .map(|(_, w)| w)
                    .ok_or_else(|| CausalError::State {
                        name: s.name.clone(),
                        message: "has no writer".into(),
                    })?;
                g.index_of(w)
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(GraphState {
            reads,
            writers,
            current: Mutex::new(states.iter().map(|s| s.initial).collect()),
        }))
    }

    /// Whether column `pos` of the member is a state read.
    pub fn is_state_column(member_column: &str) -> bool {
        member_column.starts_with(STATE_PREFIX)
    }

    /// The carried values, in the graph's declaration order.
    pub fn values(&self) -> Vec<f64> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Puts the carried values into the state columns of `sub` (the member's row).
    pub fn fill(&self, sub: &mut [f64]) {
        let current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        for &(pos, k) in &self.reads {
            if let (Some(o), Some(&x)) = (sub.get_mut(pos), current.get(k)) {
                *o = x;
            }
        }
    }

    /// Moves the state on after an evaluation: each state takes the value
    /// its writer decided (a failed evaluation, or a writer that did not run,
    /// keeps it).
    pub fn advance(&self, e: &Evaluation) {
        if e.result().is_err() {
            return;
        }
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        for (k, &w) in self.writers.iter().enumerate() {
            if let (Some(v), Some(o)) = (last_decision(e, w), current.get_mut(k)) {
                *o = v.num();
            }
        }
    }
}
