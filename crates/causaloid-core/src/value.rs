//! Values that flow along causal edges, and verdicts that causaloids decide.
//!
//! A value is a boolean or a number. Inside the engine both are carried as an
//! `f64` with a [`Kind`] tag (booleans as 0.0 / 1.0), so that single-row and
//! batch evaluation run literally the same arithmetic.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a value is a boolean or a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Bool,
    Num,
}

impl Kind {
    /// The kind of a combination: boolean only when both sides are.
    #[inline]
    pub fn both(self, other: Kind) -> Kind {
        if self == Kind::Bool && other == Kind::Bool {
            Kind::Bool
        } else {
            Kind::Num
        }
    }
}

/// A causal value: a boolean or a number.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Num(#[serde(with = "crate::json::float")] f64),
}

impl Value {
    #[inline]
    pub fn kind(self) -> Kind {
        match self {
            Value::Bool(_) => Kind::Bool,
            Value::Num(_) => Kind::Num,
        }
    }

    /// The value as a number (booleans are 0.0 and 1.0).
    #[inline]
    pub fn num(self) -> f64 {
        match self {
            Value::Bool(b) => f64::from(u8::from(b)),
            Value::Num(x) => x,
        }
    }

    /// Rebuilds a value from the engine's tagged representation.
    #[inline]
    pub fn from_raw(kind: Kind, x: f64) -> Value {
        match kind {
            Kind::Bool => Value::Bool(x != 0.0),
            Kind::Num => Value::Num(x),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(x) => write!(f, "{x}"),
        }
    }
}

/// What a causal function decides: a boolean, or a degree of truth in [0, 1].
///
/// Booleans combine with and / or / not; degrees with min / max / 1 - x. A
/// boolean meeting a degree is read as the degree 0 or 1, so the lattice is one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Verdict {
    Bool(bool),
    Degree(f64),
}

impl Verdict {
    /// Checks that a value can be a verdict: any boolean, or a number in [0, 1].
    ///
    /// Returns the offending number otherwise (NaN included).
    #[inline]
    pub fn from_raw(kind: Kind, x: f64) -> Result<Verdict, f64> {
        match kind {
            Kind::Bool => Ok(Verdict::Bool(x != 0.0)),
            Kind::Num if (0.0..=1.0).contains(&x) => Ok(Verdict::Degree(x)),
            Kind::Num => Err(x),
        }
    }

    #[inline]
    pub fn kind(self) -> Kind {
        match self {
            Verdict::Bool(_) => Kind::Bool,
            Verdict::Degree(_) => Kind::Num,
        }
    }

    /// The verdict as a degree: false = 0, true = 1.
    #[inline]
    pub fn degree(self) -> f64 {
        match self {
            Verdict::Bool(b) => f64::from(u8::from(b)),
            Verdict::Degree(x) => x,
        }
    }

    /// Whether the verdict counts as "active": true, or a degree of at least 0.5.
    #[inline]
    pub fn is_active(self) -> bool {
        self.degree() >= 0.5
    }

    pub fn meet(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Bool(a), Verdict::Bool(b)) => Verdict::Bool(a && b),
            (a, b) => Verdict::Degree(a.degree().min(b.degree())),
        }
    }

    pub fn join(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Bool(a), Verdict::Bool(b)) => Verdict::Bool(a || b),
            (a, b) => Verdict::Degree(a.degree().max(b.degree())),
        }
    }

    pub fn complement(self) -> Verdict {
        match self {
            Verdict::Bool(b) => Verdict::Bool(!b),
            Verdict::Degree(x) => Verdict::Degree(1.0 - x),
        }
    }

    pub fn to_value(self) -> Value {
        match self {
            Verdict::Bool(b) => Value::Bool(b),
            Verdict::Degree(x) => Value::Num(x),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Bool(b) => write!(f, "{b}"),
            Verdict::Degree(x) => write!(f, "{x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_and_degree_share_one_lattice() {
        let t = Verdict::Bool(true);
        let d = Verdict::Degree(0.3);
        assert_eq!(t.meet(d), Verdict::Degree(0.3));
        assert_eq!(t.join(d), Verdict::Degree(1.0));
        assert_eq!(d.complement(), Verdict::Degree(0.7));
        assert_eq!(t.meet(Verdict::Bool(false)), Verdict::Bool(false));
    }

    #[test]
    fn numbers_outside_unit_interval_are_not_verdicts() {
        assert_eq!(Verdict::from_raw(Kind::Num, 1.5), Err(1.5));
        assert!(Verdict::from_raw(Kind::Num, f64::NAN).is_err());
        assert_eq!(Verdict::from_raw(Kind::Bool, 1.0), Ok(Verdict::Bool(true)));
    }
}
