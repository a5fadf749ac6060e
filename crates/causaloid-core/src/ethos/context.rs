//! The context a proposed action is judged in: named numeric values (the
//! observation that triggered it, say) plus an optional opaque host object
//! that host-language predicates receive unchanged.

use std::any::Any;

/// A borrowed view of named values. Booleans are carried as 0.0 / 1.0.
#[derive(Clone, Copy)]
pub struct ActionContext<'a> {
    names: &'a [String],
    values: &'a [f64],
    host: Option<&'a (dyn Any + Send + Sync)>,
}

impl<'a> ActionContext<'a> {
    /// Pairs `names[i]` with `values[i]`; extra entries of the longer slice are ignored.
    pub fn new(names: &'a [String], values: &'a [f64]) -> ActionContext<'a> {
        ActionContext {
            names,
            values,
            host: None,
        }
    }

    pub fn empty() -> ActionContext<'static> {
        ActionContext {
            names: &[],
            values: &[],
            host: None,
        }
    }

    /// Attaches the host's own representation of the context (for example the
    /// Python mapping it came from), handed to host predicates as is.
    pub fn with_host(mut self, host: &'a (dyn Any + Send + Sync)) -> ActionContext<'a> {
        self.host = Some(host);
        self
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

    pub fn names(&self) -> Vec<String> {
        self.names.iter().take(self.values.len()).cloned().collect()
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
