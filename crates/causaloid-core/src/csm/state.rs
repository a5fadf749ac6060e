//! States, their actions, and the record of one firing.

use crate::error::ErrorPayload;
use crate::ethos::DeonticVerdict;
use crate::graph::{HostRow, Member, NodeId};
use crate::value::{Value, Verdict};
use std::fmt;
use std::sync::Arc;

/// One state: a causaloid (of any form) whose activity fires the state's action.
#[derive(Clone)]
pub struct State {
    pub id: NodeId,
    pub description: String,
    pub member: Member,
    /// The incoming value the causaloid receives (read by `value()`), if any.
    pub data: Option<Value>,
}

impl State {
    pub fn new(id: impl Into<NodeId>, description: impl Into<String>, member: Member) -> State {
        State {
            id: id.into(),
            description: description.into(),
            member,
            data: None,
        }
    }

    pub fn with_data(mut self, data: Value) -> State {
        self.data = Some(data);
        self
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "State({}, {:?}, {})",
            self.id,
            self.description,
            self.member.kind_name()
        )
    }
}

/// An action implemented in a host language (a Python callable).
pub trait ActionFn: Send + Sync {
    /// Carries the action out. `Err` holds the message and the host's error.
    fn fire(
        &self,
        firing: &Firing,
        host: Option<&HostRow>,
    ) -> Result<(), (String, Option<ErrorPayload>)>;
}

/// What a state does when it fires.
#[derive(Clone)]
pub enum Action {
    /// A named action that only records that it fired.
    Record(Arc<str>),
    /// A named host-language action.
    Host(Arc<str>, Arc<dyn ActionFn>),
}

impl Action {
    pub fn record(name: impl Into<String>) -> Action {
        let name: String = name.into();
        Action::Record(name.into())
    }

    /// A named host-language action.
    pub fn host(name: impl Into<String>, function: Arc<dyn ActionFn>) -> Action {
        let name: String = name.into();
        Action::Host(name.into(), function)
    }

    /// The name the ethos judges the action by.
    pub fn name(&self) -> &Arc<str> {
        match self {
            Action::Record(n) | Action::Host(n, _) => n,
        }
    }

    /// Runs the action for `firing` and sets its outcome, unless the ethos
    /// refused it (then nothing runs).
    pub fn execute(&self, firing: &mut Firing, host: Option<&HostRow>) {
        if firing.outcome != Outcome::Pending {
            return;
        }
        firing.outcome = match self {
            Action::Record(_) => Outcome::Recorded,
            Action::Host(_, f) => match f.fire(firing, host) {
                Ok(()) => Outcome::Fired,
                Err((message, payload)) => Outcome::Failed { message, payload },
            },
        };
    }
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Record(n) => write!(f, "Record({n:?})"),
            Action::Host(n, _) => write!(f, "Host({n:?})"),
        }
    }
}

/// What became of a firing.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Decided and vetted; the action has not run yet.
    Pending,
    /// A record-only action: logged, nothing else to do.
    Recorded,
    /// The host action ran and returned.
    Fired,
    /// The ethos forbade the action; it did not run.
    Refused,
    /// The host action raised.
    Failed {
        message: String,
        payload: Option<ErrorPayload>,
    },
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Recorded => "recorded",
            Outcome::Fired => "fired",
            Outcome::Refused => "refused",
            Outcome::Failed { .. } => "failed",
        }
    }
}

impl PartialEq for Outcome {
    fn eq(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Failed { message: a, .. }, Outcome::Failed { message: b, .. }) => a == b,
            _ => self.name() == other.name(),
        }
    }
}

/// The observation a firing saw: the machine's column names (shared by every
/// firing until the states change) and this event's values — a slice of a
/// buffer that a batch shares between all its rows.
#[derive(Clone, Debug)]
pub struct Observation {
    pub names: Arc<Vec<String>>,
    buffer: Arc<[f64]>,
    start: usize,
}

impl Observation {
    /// The values at `buffer[start..start + names.len()]`.
    pub fn new(names: Arc<Vec<String>>, buffer: Arc<[f64]>, start: usize) -> Observation {
        Observation {
            names,
            buffer,
            start,
        }
    }

    /// The values, in `names` order.
    pub fn values(&self) -> &[f64] {
        self.buffer
            .get(self.start..self.start + self.names.len())
            .unwrap_or(&[])
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.names
            .iter()
            .position(|n| n == name)
            .and_then(|i| self.values().get(i).copied())
    }
}

impl PartialEq for Observation {
    fn eq(&self, other: &Observation) -> bool {
        self.names == other.names && self.values() == other.values()
    }
}

/// One entry of the firing log: a state whose causaloid was active.
#[derive(Clone, Debug, PartialEq)]
pub struct Firing {
    /// The number of the observation (0, 1, ... over the machine's life).
    pub event: u64,
    pub state: NodeId,
    /// The state's place in the machine when it fired (states fire in this order).
    pub position: usize,
    pub action: Arc<str>,
    pub value: Option<Value>,
    pub input: Observation,
    pub verdict: Verdict,
    /// The ethos's judgement, when the machine has an ethos.
    pub vetting: Option<Box<DeonticVerdict>>,
    pub outcome: Outcome,
}
