//! Uncertain data contextoids: a data node whose value is a distribution
//! (normal, uniform, Bernoulli or a point mass). A certain evaluation that
//! reads its value is an error naming it (never a silent mean); an
//! evaluation on uncertain inputs draws it as one more seeded sample column,
//! through the same uncertain path as an uncertain input.

use super::contextoid::ContextoidKind;
use super::error::ContextError;
use super::store::Context;
use crate::graph::NodeId;
use crate::uncertain::Uncertain;
use serde::{Deserialize, Serialize};

/// The distribution of an uncertain data contextoid.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    Point { value: f64 },
    Normal { mean: f64, std: f64 },
    Uniform { low: f64, high: f64 },
    Bernoulli { p: f64 },
}

impl Distribution {
    pub fn name(&self) -> &'static str {
        match self {
            Distribution::Point { .. } => "point",
            Distribution::Normal { .. } => "normal",
            Distribution::Uniform { .. } => "uniform",
            Distribution::Bernoulli { .. } => "bernoulli",
        }
    }

    /// The two parameters as stored in the binary form (unused ones 0).
    pub fn params(&self) -> [f64; 2] {
        match *self {
            Distribution::Point { value } => [value, 0.0],
            Distribution::Normal { mean, std } => [mean, std],
            Distribution::Uniform { low, high } => [low, high],
            Distribution::Bernoulli { p } => [p, 0.0],
        }
    }

    pub fn tag(&self) -> u8 {
        match self {
            Distribution::Point { .. } => 0,
            Distribution::Normal { .. } => 1,
            Distribution::Uniform { .. } => 2,
            Distribution::Bernoulli { .. } => 3,
        }
    }

    pub fn from_tag(tag: u8, p: [f64; 2]) -> Option<Distribution> {
        Some(match tag {
            0 => Distribution::Point { value: p[0] },
            1 => Distribution::Normal {
                mean: p[0],
                std: p[1],
            },
            2 => Distribution::Uniform {
                low: p[0],
                high: p[1],
            },
            3 => Distribution::Bernoulli { p: p[0] },
            _ => return None,
        })
    }

    /// The distribution of an uncertain value that is a single numeric point,
    /// normal, uniform or Bernoulli leaf; `None` for anything else (a
    /// computed value, samples, a mixture, a boolean point).
    pub fn of(u: &Uncertain) -> Option<Distribution> {
        use crate::uncertain::Part;
        use crate::value::Kind;
        Some(match u.part() {
            Part::Point(value) if u.kind() == Kind::Num => Distribution::Point { value },
            Part::Normal { mean, std } => Distribution::Normal { mean, std },
            Part::Uniform { low, high } => Distribution::Uniform { low, high },
            Part::Bernoulli { p } => Distribution::Bernoulli { p },
            _ => return None,
        })
    }

    /// The engine's uncertain value of this distribution, validated.
    pub fn to_uncertain(&self, id: &NodeId) -> Result<Uncertain, ContextError> {
        let bad = |message: String| ContextError::InvalidDistribution {
            id: id.clone(),
            message,
        };
        match *self {
            Distribution::Point { value } if value.is_finite() => Ok(Uncertain::point(value)),
            Distribution::Point { value } => Err(bad(format!(
                "a point mass needs a finite value; got {value}"
            ))),
            Distribution::Normal { mean, std } => {
                Uncertain::normal(mean, std).map_err(|e| bad(e.to_string()))
            }
            Distribution::Uniform { low, high } => {
                Uncertain::uniform(low, high).map_err(|e| bad(e.to_string()))
            }
            Distribution::Bernoulli { p } => {
                Uncertain::bernoulli(p).map_err(|e| bad(e.to_string()))
            }
        }
    }
}

impl Context {
    /// The uncertain value of an uncertain data contextoid.
    pub fn uncertain(&self, id: &NodeId) -> Result<Uncertain, ContextError> {
        match self.kind_at(self.slot(id)?) {
            ContextoidKind::UncertainData { dist } => dist.to_uncertain(id),
            other => Err(ContextError::KindMismatch {
                id: id.clone(),
                operation: "an uncertain read",
                found: other.name(),
                expected: "an uncertain data contextoid",
            }),
        }
    }

    /// The uncertain value behind a read of `field` at `id`, if that read is
    /// the value of an uncertain data contextoid.
    pub(crate) fn uncertain_value(&self, id: &NodeId, field: &str) -> Option<&Distribution> {
        let slot = *self.index.get(id)?;
        match self.kind_at(slot) {
            ContextoidKind::UncertainData { dist } if field == "value" => Some(dist),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Contextoid;

    fn uncertain(id: &str, dist: Distribution) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::UncertainData { dist },
            fields: Vec::new(),
        }
    }

    #[test]
    fn a_plain_read_of_an_uncertain_value_is_an_error_and_a_bad_one_is_refused() {
        let mut c = Context::new(0, "road");
        c.add(uncertain(
            "speed",
            Distribution::Normal {
                mean: 29.0,
                std: 3.0,
            },
        ))
        .unwrap();
        c.add(Contextoid::data("limit", 27.8)).unwrap();
        assert!(matches!(
            c.value(&"speed".into(), "value"),
            Err(ContextError::UncertainValue { .. })
        ));
        assert!(matches!(
            c.values(&["limit".into(), "speed".into()], "value"),
            Err(ContextError::UncertainValue { .. })
        ));
        let u = c.uncertain(&"speed".into()).unwrap();
        let m = u.expected_value(100_000, 1).unwrap();
        assert!((m - 29.0).abs() < 0.05, "{m}");
        assert!(matches!(
            c.add(uncertain(
                "bad",
                Distribution::Normal {
                    mean: 0.0,
                    std: -1.0
                }
            )),
            Err(ContextError::InvalidDistribution { .. })
        ));
        assert!(matches!(
            c.add(uncertain("p", Distribution::Bernoulli { p: 1.5 })),
            Err(ContextError::InvalidDistribution { .. })
        ));
        assert!(matches!(
            c.uncertain(&"limit".into()),
            Err(ContextError::KindMismatch { .. })
        ));
    }

    #[test]
    fn only_single_distribution_leaves_can_be_held() {
        use crate::uncertain::BinaryOp;
        let n = Uncertain::normal(1.0, 2.0).unwrap();
        assert_eq!(
            Distribution::of(&n),
            Some(Distribution::Normal {
                mean: 1.0,
                std: 2.0
            })
        );
        assert_eq!(Distribution::of(&Uncertain::point_bool(true)), None);
        let sum = n.binary(BinaryOp::Add, &Uncertain::point(1.0)).unwrap();
        assert_eq!(Distribution::of(&sum), None);
    }
}
