//! Contextoids, the nodes of a context, and the kinds of relation between them.

use super::error::ContextError;
use super::time::{TimeScale, MAX_ABS_SECONDS};
use crate::graph::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a contextoid is. Every kind may also carry named numeric fields (the
/// OHLC prices of a day, the reading of a sensor); a `Data` node's number is
/// its field `"value"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextoidKind {
    Data,
    Time {
        scale: TimeScale,
        timestamp: i64,
    },
    Space {
        x: f64,
        y: f64,
        z: f64,
    },
    SpaceTime {
        x: f64,
        y: f64,
        z: f64,
        timestamp: i64,
    },
    Symbolic {
        symbol: String,
    },
}

impl ContextoidKind {
    pub fn name(&self) -> &'static str {
        match self {
            ContextoidKind::Data => "data",
            ContextoidKind::Time { .. } => "time",
            ContextoidKind::Space { .. } => "space",
            ContextoidKind::SpaceTime { .. } => "space_time",
            ContextoidKind::Symbolic { .. } => "symbolic",
        }
    }

    pub fn timestamp(&self) -> Option<i64> {
        match self {
            ContextoidKind::Time { timestamp, .. }
            | ContextoidKind::SpaceTime { timestamp, .. } => Some(*timestamp),
            _ => None,
        }
    }

    /// The time-index key: the scale of a Time node, `None` for SpaceTime.
    pub fn time_key(&self) -> Option<(Option<TimeScale>, i64)> {
        match self {
            ContextoidKind::Time { scale, timestamp } => Some((Some(*scale), *timestamp)),
            ContextoidKind::SpaceTime { timestamp, .. } => Some((None, *timestamp)),
            _ => None,
        }
    }

    pub fn position(&self) -> Option<[f64; 3]> {
        match self {
            ContextoidKind::Space { x, y, z } | ContextoidKind::SpaceTime { x, y, z, .. } => {
                Some([*x, *y, *z])
            }
            _ => None,
        }
    }
}

/// One node of a context: an id, a kind and named numeric fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contextoid {
    pub id: NodeId,
    pub kind: ContextoidKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "field_values")]
    pub fields: Vec<(String, f64)>,
}

// JSON has no infinities: write them as the strings "inf" and "-inf" (and NaN,
// should one reach here, as "nan") so every context round-trips.
mod field_values {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Number {
        Finite(f64),
        Text(String),
    }

    pub fn serialize<S: Serializer>(fields: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
        let out: Vec<(&str, Number)> = fields
            .iter()
            .map(|(name, v)| {
                let n = if v.is_finite() {
                    Number::Finite(*v)
                } else if v.is_nan() {
                    Number::Text("nan".to_owned())
                } else if *v > 0.0 {
                    Number::Text("inf".to_owned())
                } else {
                    Number::Text("-inf".to_owned())
                };
                (name.as_str(), n)
            })
            .collect();
        out.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
        let raw: Vec<(String, Number)> = Vec::deserialize(d)?;
        raw.into_iter()
            .map(|(name, n)| {
                let v = match n {
                    Number::Finite(v) => v,
                    Number::Text(t) => match t.as_str() {
                        "inf" => f64::INFINITY,
                        "-inf" => f64::NEG_INFINITY,
                        "nan" => f64::NAN,
                        other => {
                            return Err(serde::de::Error::custom(format!(
                                "field {name:?}: {other:?} is not a number"
                            )))
                        }
                    },
                };
                Ok((name, v))
            })
            .collect()
    }
}

impl Contextoid {
    pub fn data(id: impl Into<NodeId>, value: f64) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::Data,
            fields: vec![("value".to_owned(), value)],
        }
    }

    pub fn time(id: impl Into<NodeId>, scale: TimeScale, timestamp: i64) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::Time { scale, timestamp },
            fields: Vec::new(),
        }
    }

    pub fn space(id: impl Into<NodeId>, x: f64, y: f64, z: f64) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::Space { x, y, z },
            fields: Vec::new(),
        }
    }

    pub fn space_time(id: impl Into<NodeId>, x: f64, y: f64, z: f64, timestamp: i64) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::SpaceTime { x, y, z, timestamp },
            fields: Vec::new(),
        }
    }

    pub fn symbolic(id: impl Into<NodeId>, symbol: impl Into<String>) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::Symbolic {
                symbol: symbol.into(),
            },
            fields: Vec::new(),
        }
    }

    pub fn with_field(mut self, name: impl Into<String>, value: f64) -> Contextoid {
        let name = name.into();
        match self.fields.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name, value)),
        }
        self
    }

    pub fn field(&self, name: &str) -> Option<f64> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// Checks what a contextoid must satisfy on its own: finite coordinates
    /// and timestamps in seconds.
    pub fn validate(&self) -> Result<(), ContextError> {
        if let Some(p) = self.kind.position() {
            for (field, v) in ["x", "y", "z"].into_iter().zip(p) {
                if !v.is_finite() {
                    return Err(ContextError::InvalidCoordinate {
                        id: self.id.clone(),
                        field,
                        found: v,
                    });
                }
            }
        }
        if let Some(t) = self.kind.timestamp() {
            if !(-MAX_ABS_SECONDS..=MAX_ABS_SECONDS).contains(&t) {
                return Err(ContextError::TimestampUnit {
                    id: self.id.clone(),
                    found: t,
                });
            }
        }
        Ok(())
    }
}

/// The type of a relation between two contextoids.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// Earlier to later: both ends carry a time and the order is checked.
    Temporal,
    Spatial,
    SpaceTemporal,
    Data,
    /// A relation the user names ("part_of", "sensor_of" ...).
    Named(String),
}

impl RelationKind {
    /// Parses `temporal`, `spatial`, `space_temporal`, `data`; anything else is
    /// a user-named relation.
    pub fn parse(name: &str) -> RelationKind {
        match name {
            "temporal" => RelationKind::Temporal,
            "spatial" => RelationKind::Spatial,
            "space_temporal" | "spatiotemporal" => RelationKind::SpaceTemporal,
            "data" => RelationKind::Data,
            other => RelationKind::Named(other.to_owned()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            RelationKind::Temporal => "temporal",
            RelationKind::Spatial => "spatial",
            RelationKind::SpaceTemporal => "space_temporal",
            RelationKind::Data => "data",
            RelationKind::Named(n) => n,
        }
    }
}

impl fmt::Display for RelationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A directed, typed relation between two contextoids.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Relation {
    pub from: NodeId,
    pub to: NodeId,
    pub kind: RelationKind,
}
