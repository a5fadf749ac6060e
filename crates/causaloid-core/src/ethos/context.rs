//! The context a proposed action is judged in: named numeric values (the
//! observation that triggered it, say) plus an optional opaque host object
//! that host-language predicates receive unchanged.

use crate::uncertain::Uncertain;
use std::any::Any;

/// The seed uncertain context values are sampled with unless one is given.
pub const DEFAULT_SEED: u64 = 0;

/// A borrowed view of named values. Booleans are carried as 0.0 / 1.0.
/// Uncertain values ride beside the certain ones: a norm whose predicate reads
/// one is decided on seeded samples by the sequential probability ratio test.
#[derive(Clone, Copy)]
pub struct ActionContext<'a> {
    names: &'a [String],
    values: &'a [f64],
    host: Option<&'a (dyn Any + Send + Sync)>,
    uncertain: &'a [(String, Uncertain)],
    seed: u64,
}

impl<'a> ActionContext<'a> {
    /// Pairs `names[i]` with `values[i]`; extra entries of the longer slice are ignored.
    pub fn new(names: &'a [String], values: &'a [f64]) -> ActionContext<'a> {
        ActionContext {
            names,
            values,
            host: None,
            uncertain: &[],
            seed: DEFAULT_SEED,
        }
    }

    pub fn empty() -> ActionContext<'static> {
        ActionContext {
            names: &[],
            values: &[],
            host: None,
            uncertain: &[],
            seed: DEFAULT_SEED,
        }
    }

    /// Adds uncertain named values, sampled with `seed` when a norm reads them.
    pub fn with_uncertain(
        mut self,
        uncertain: &'a [(String, Uncertain)],
        seed: u64,
    ) -> ActionContext<'a> {
        self.uncertain = uncertain;
        self.seed = seed;
        self
    }

    /// The uncertain value of `name`, if the context holds one.
    pub fn uncertain(&self, name: &str) -> Option<&'a Uncertain> {
        self.uncertain
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, u)| u)
    }

    /// Whether the context holds any uncertain value.
    pub fn has_uncertain(&self) -> bool {
        !self.uncertain.is_empty()
    }

    /// The sampling seed for uncertain values.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Attaches the host's own representation of the context (for example the
    /// Python mapping it came from), handed to host predicates as is.
    pub fn with_host(mut self, host: &'a (dyn Any + Send + Sync)) -> ActionContext<'a> {
        self.host = Some(host);
        self
    }

    /// Runs `f` on this context with `name = value` in front of its certain
    /// values (shadowing an entry of that name); uncertain values, seed and
    /// host carry over.
    pub fn with_leading<R>(
        &self,
        name: &str,
        value: f64,
        f: impl FnOnce(&ActionContext<'_>) -> R,
    ) -> R {
        let n = self.len();
        let mut names = Vec::with_capacity(n + 1);
        let mut values = Vec::with_capacity(n + 1);
        names.push(name.to_owned());
        values.push(value);
        for (k, v) in self.names.iter().zip(self.values) {
            if k != name {
                names.push(k.clone());
                values.push(*v);
            }
        }
        let view = ActionContext {
            names: &names,
            values: &values,
            host: self.host,
            uncertain: self.uncertain,
            seed: self.seed,
        };
        f(&view)
    }

    pub fn host(&self) -> Option<&'a (dyn Any + Send + Sync)> {
        self.host
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.names
            .iter()
            .position(|n| n == name)
            .and_then(|i| self.values.get(i).copied())
    }

    /// The names of the certain values, then of the uncertain ones.
    pub fn names(&self) -> Vec<String> {
        self.names
            .iter()
            .take(self.values.len())
            .cloned()
            .chain(self.uncertain.iter().map(|(n, _)| n.clone()))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.names.len().min(self.values.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An owned context, for callers that build one entry by entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OwnedContext {
    names: Vec<String>,
    values: Vec<f64>,
}

impl OwnedContext {
    pub fn new() -> OwnedContext {
        OwnedContext::default()
    }

    /// Sets `name` to `value`, replacing an earlier entry of that name.
    pub fn set(&mut self, name: impl Into<String>, value: f64) -> &mut OwnedContext {
        let name = name.into();
        match self.names.iter().position(|n| *n == name) {
            Some(i) => {
                if let Some(v) = self.values.get_mut(i) {
                    *v = value;
                }
            }
            None => {
                self.names.push(name);
                self.values.push(value);
            }
        }
        self
    }

    pub fn with(mut self, name: impl Into<String>, value: f64) -> OwnedContext {
        self.set(name, value);
        self
    }

    pub fn view(&self) -> ActionContext<'_> {
        ActionContext::new(&self.names, &self.values)
    }
}
