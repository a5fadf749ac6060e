//! Contextoids, the nodes of a context, and the kinds of relation between them.

use super::error::ContextError;
use super::geo::{normalize_quaternion, ALT_RANGE};
use super::time::{TimeScale, MAX_ABS_SECONDS};
use super::uncertain_data::Distribution;
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
    /// A geodetic WGS84 point: latitude and longitude in degrees, altitude in
    /// metres above the ellipsoid.
    Geo {
        lat: f64,
        lon: f64,
        alt: f64,
    },
    /// An Earth-centred, Earth-fixed point (metres).
    Ecef {
        x: f64,
        y: f64,
        z: f64,
    },
    /// A point in the local north-east-down frame (metres) of a geodetic
    /// reference point (degrees, degrees, metres).
    Ned {
        north: f64,
        east: f64,
        down: f64,
        ref_lat: f64,
        ref_lon: f64,
        ref_alt: f64,
    },
    /// A Euclidean position with an orientation: the unit quaternion
    /// `qw + qx i + qy j + qz k` (normalised when the contextoid is added).
    Oriented {
        x: f64,
        y: f64,
        z: f64,
        qw: f64,
        qx: f64,
        qy: f64,
        qz: f64,
    },
    /// A named moment in an ordered sequence of labels (`"draft" < "review" <
    /// "released"`): `rank` orders it, `label` names it.
    SymbolicTime {
        label: String,
        rank: i64,
    },
    /// A data node whose value is uncertain: read through the engine's
    /// uncertain path (sampled), never as a plain number.
    UncertainData {
        dist: Distribution,
    },
}

/// What a time value counts, so that only comparable times are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeDomain {
    /// An instant since 1970-01-01 UTC (seconds and nanoseconds compare).
    Instant,
    /// A discrete step count.
    Step,
    /// The rank of a symbolic time label.
    Rank,
}

impl TimeDomain {
    pub fn name(self) -> &'static str {
        match self {
            TimeDomain::Instant => "an instant",
            TimeDomain::Step => "a step",
            TimeDomain::Rank => "a symbolic rank",
        }
    }
}

impl ContextoidKind {
    pub fn name(&self) -> &'static str {
        match self {
            ContextoidKind::Data => "data",
            ContextoidKind::Time { .. } => "time",
            ContextoidKind::Space { .. } => "space",
            ContextoidKind::SpaceTime { .. } => "space_time",
            ContextoidKind::Symbolic { .. } => "symbolic",
            ContextoidKind::Geo { .. } => "geo",
            ContextoidKind::Ecef { .. } => "ecef",
            ContextoidKind::Ned { .. } => "ned",
            ContextoidKind::Oriented { .. } => "oriented",
            ContextoidKind::SymbolicTime { .. } => "symbolic_time",
            ContextoidKind::UncertainData { .. } => "uncertain",
        }
    }

    /// The time of the contextoid on a comparable scale: instants in
    /// nanoseconds since 1970-01-01 UTC, steps and ranks as they are.
    pub fn time_point(&self) -> Option<(TimeDomain, i128)> {
        match self {
            ContextoidKind::Time { scale, timestamp } => Some(match scale {
                TimeScale::Nanosecond => (TimeDomain::Instant, i128::from(*timestamp)),
                TimeScale::Step => (TimeDomain::Step, i128::from(*timestamp)),
                TimeScale::Symbolic => (TimeDomain::Rank, i128::from(*timestamp)),
                _ => (TimeDomain::Instant, i128::from(*timestamp) * 1_000_000_000),
            }),
            ContextoidKind::SpaceTime { timestamp, .. } => {
                Some((TimeDomain::Instant, i128::from(*timestamp) * 1_000_000_000))
            }
            ContextoidKind::SymbolicTime { rank, .. } => {
                Some((TimeDomain::Rank, i128::from(*rank)))
            }
            _ => None,
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
            ContextoidKind::SymbolicTime { rank, .. } => Some((Some(TimeScale::Symbolic), *rank)),
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

    pub fn geo(id: impl Into<NodeId>, lat: f64, lon: f64, alt: f64) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::Geo { lat, lon, alt },
            fields: Vec::new(),
        }
    }

    pub fn ecef(id: impl Into<NodeId>, x: f64, y: f64, z: f64) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::Ecef { x, y, z },
            fields: Vec::new(),
        }
    }

    /// A NED point relative to the geodetic reference `(lat, lon, alt)`.
    pub fn ned(id: impl Into<NodeId>, ned: [f64; 3], reference: (f64, f64, f64)) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::Ned {
                north: ned[0],
                east: ned[1],
                down: ned[2],
                ref_lat: reference.0,
                ref_lon: reference.1,
                ref_alt: reference.2,
            },
            fields: Vec::new(),
        }
    }

    /// A position with an orientation quaternion `[w, x, y, z]`.
    pub fn oriented(id: impl Into<NodeId>, p: [f64; 3], q: [f64; 4]) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::Oriented {
                x: p[0],
                y: p[1],
                z: p[2],
                qw: q[0],
                qx: q[1],
                qy: q[2],
                qz: q[3],
            },
            fields: Vec::new(),
        }
    }

    pub fn symbolic_time(id: impl Into<NodeId>, label: impl Into<String>, rank: i64) -> Contextoid {
        Contextoid {
            id: id.into(),
            kind: ContextoidKind::SymbolicTime {
                label: label.into(),
                rank,
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
    /// in their ranges, a usable quaternion and timestamps in their unit.
    pub fn validate(&self) -> Result<(), ContextError> {
        self.kind.validate(&self.id)
    }

    /// The contextoid as stored: its quaternion, if any, scaled to unit length.
    pub fn normalized(mut self) -> Result<Contextoid, ContextError> {
        self.kind = self.kind.normalized(&self.id)?;
        Ok(self)
    }
}

impl ContextoidKind {
    /// See [`Contextoid::validate`].
    pub fn validate(&self, id: &NodeId) -> Result<(), ContextError> {
        let finite = |field: &'static str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(ContextError::InvalidCoordinate {
                    id: id.clone(),
                    field,
                    found: v,
                })
            }
        };
        let within = |field: &'static str, v: f64, lo: f64, hi: f64| {
            finite(field, v)?;
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(ContextError::CoordinateRange {
                    id: id.clone(),
                    field,
                    found: v,
                    low: lo,
                    high: hi,
                })
            }
        };
        let geodetic = |names: [&'static str; 3], lat: f64, lon: f64, alt: f64| {
            within(names[0], lat, -90.0, 90.0)?;
            within(names[1], lon, -180.0, 180.0)?;
            within(names[2], alt, ALT_RANGE.0, ALT_RANGE.1)
        };
        match self {
            ContextoidKind::Space { x, y, z } | ContextoidKind::SpaceTime { x, y, z, .. } => {
                finite("x", *x)?;
                finite("y", *y)?;
                finite("z", *z)?;
            }
            ContextoidKind::Ecef { x, y, z } => {
                finite("x", *x)?;
                finite("y", *y)?;
                finite("z", *z)?;
            }
            ContextoidKind::Geo { lat, lon, alt } => {
                geodetic(["lat", "lon", "alt"], *lat, *lon, *alt)?;
            }
            ContextoidKind::Ned {
                north,
                east,
                down,
                ref_lat,
                ref_lon,
                ref_alt,
            } => {
                finite("north", *north)?;
                finite("east", *east)?;
                finite("down", *down)?;
                geodetic(
                    ["ref_lat", "ref_lon", "ref_alt"],
                    *ref_lat,
                    *ref_lon,
                    *ref_alt,
                )?;
            }
            ContextoidKind::Oriented {
                x,
                y,
                z,
                qw,
                qx,
                qy,
                qz,
            } => {
                finite("x", *x)?;
                finite("y", *y)?;
                finite("z", *z)?;
                for (field, v) in [("qw", *qw), ("qx", *qx), ("qy", *qy), ("qz", *qz)] {
                    finite(field, v)?;
                }
                if normalize_quaternion([*qw, *qx, *qy, *qz]).is_none() {
                    return Err(ContextError::InvalidQuaternion {
                        id: id.clone(),
                        found: [*qw, *qx, *qy, *qz],
                    });
                }
            }
            ContextoidKind::Time {
                scale: TimeScale::Symbolic,
                ..
            } => {
                return Err(ContextError::WrongTimeKind {
                    id: id.clone(),
                    message: "a symbolic time has a label: build it as a symbolic_time \
                              contextoid (cl.SymbolicTime), not a time of scale symbolic"
                        .to_owned(),
                })
            }
            ContextoidKind::UncertainData { dist } => {
                dist.to_uncertain(id)?;
            }
            ContextoidKind::Time { scale, timestamp }
                if scale.is_calendar()
                    && !(-MAX_ABS_SECONDS..=MAX_ABS_SECONDS).contains(timestamp) =>
            {
                return Err(ContextError::TimestampUnit {
                    id: id.clone(),
                    found: *timestamp,
                });
            }
            _ => {}
        }
        if let ContextoidKind::SpaceTime { timestamp, .. } = self {
            if !(-MAX_ABS_SECONDS..=MAX_ABS_SECONDS).contains(timestamp) {
                return Err(ContextError::TimestampUnit {
                    id: id.clone(),
                    found: *timestamp,
                });
            }
        }
        Ok(())
    }

    /// The kind as stored (a validated kind with its quaternion normalised).
    pub fn normalized(self, id: &NodeId) -> Result<ContextoidKind, ContextError> {
        self.validate(id)?;
        Ok(match self {
            ContextoidKind::Oriented {
                x,
                y,
                z,
                qw,
                qx,
                qy,
                qz,
            } => {
                let q = normalize_quaternion([qw, qx, qy, qz]).ok_or_else(|| {
                    ContextError::InvalidQuaternion {
                        id: id.clone(),
                        found: [qw, qx, qy, qz],
                    }
                })?;
                ContextoidKind::Oriented {
                    x,
                    y,
                    z,
                    qw: q[0],
                    qx: q[1],
                    qy: q[2],
                    qz: q[3],
                }
            }
            other => other,
        })
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
