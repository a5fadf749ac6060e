//! The effect monad of the engine: a value or an error, with an ordered log.
//!
//! `bind` short-circuits on error and keeps the log; `intervene` replaces the
//! value (Pearl's do-operator) and records that it did.

use std::fmt::Display;

/// An immutable carrier of a causal value, its error and its audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect<T, E = String> {
    value: Option<T>,
    error: Option<E>,
    log: Vec<String>,
}

impl<T, E> Effect<T, E> {
    /// The unit of the monad: a value and an empty log.
    pub fn pure(value: T) -> Self {
        Effect {
            value: Some(value),
            error: None,
            log: Vec::new(),
        }
    }

    /// A failed effect.
    pub fn fail(error: E) -> Self {
        Effect {
            value: None,
            error: Some(error),
            log: Vec::new(),
        }
    }

    pub fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }

    pub fn error(&self) -> Option<&E> {
        self.error.as_ref()
    }

    pub fn log(&self) -> &[String] {
        &self.log
    }

    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// Appends a log entry.
    pub fn logged(mut self, entry: impl Into<String>) -> Self {
        self.log.push(entry.into());
        self
    }

    /// Monadic bind: runs `f` on the value unless an earlier step failed. The
    /// logs are concatenated, in order.
    pub fn bind<U>(self, f: impl FnOnce(T) -> Effect<U, E>) -> Effect<U, E> {
        match (self.value, self.error) {
            (Some(v), None) => {
                let next = f(v);
                let mut log = self.log;
                log.extend(next.log);
                Effect {
                    value: next.value,
                    error: next.error,
                    log,
                }
            }
            (_, error) => Effect {
                value: None,
                error,
                log: self.log,
            },
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Effect<U, E> {
        self.bind(|v| Effect::pure(f(v)))
    }
}

impl<T: Display, E> Effect<T, E> {
    /// Replaces the value, whatever it was, and records the intervention.
    /// A failed effect stays failed: there is no value to intervene on.
    pub fn intervene(self, value: T) -> Self {
        if self.error.is_some() {
            return self.logged("intervention skipped: an earlier step failed");
        }
        let entry = match &self.value {
            Some(old) => format!("intervention: value set to {value} (was {old})"),
            None => format!("intervention: value set to {value}"),
        };
        Effect {
            value: Some(value),
            error: None,
            log: self.log,
        }
        .logged(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_short_circuits_and_keeps_the_log() {
        let e: Effect<f64> = Effect::pure(2.0)
            .bind(|x| Effect::pure(x * 3.0).logged("tripled"))
            .bind(|_| Effect::fail("boom".to_string()).logged("failed"))
            .bind(|x: f64| Effect::pure(x + 1.0).logged("never"));
        assert_eq!(e.error().map(String::as_str), Some("boom"));
        assert_eq!(e.log(), ["tripled", "failed"]);
    }

    #[test]
    fn intervention_replaces_the_value_and_is_logged() {
        let e: Effect<f64> = Effect::pure(1.0).intervene(3.0);
        assert_eq!(e.value(), Some(&3.0));
        assert_eq!(e.log(), ["intervention: value set to 3 (was 1)"]);
    }
}
