//! Context reads: expression leaves that read a named context — one
//! contextoid's field, or an aggregate over time contextoids counted from the
//! row's time. The engine fills them from the contexts a structure holds, in
//! single rows and in blocks, so every consumer sees the same value.

use crate::context::{Aggregation, TimeScale};
use crate::graph::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a context read reads.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ReadKind {
    /// `field` of the contextoid `id` (a Data node's `"value"` by default).
    Node { id: NodeId, field: String },
    /// `how` of `field` over the time contextoids of `scale` at positions
    /// `anchor + start .. anchor + stop`, where `anchor` is the latest one at
    /// or before the row's column `at` (seconds since 1970 UTC; the latest of
    /// all when `at` is None). `scale` None reads the space-time index.
    Window {
        scale: Option<TimeScale>,
        field: String,
        how: Aggregation,
        start: i64,
        stop: i64,
        #[serde(default)]
        at: Option<String>,
    },
    /// The distance between two spatial contextoids, each kind in its own
    /// geometry (see `Context::distance`): geodesic metres between Geo points.
    Distance { from: NodeId, to: NodeId },
}

/// A read of the context named `context`; an empty name means "the context of
/// the causaloid that holds the expression", bound when the causaloid is built.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextRead {
    pub context: String,
    pub read: ReadKind,
}

impl ContextRead {
    /// The anchor column the read needs from the row, if any.
    pub fn anchor(&self) -> Option<&str> {
        match &self.read {
            ReadKind::Window { at, .. } => at.as_deref(),
            ReadKind::Node { .. } | ReadKind::Distance { .. } => None,
        }
    }

    /// What the read means, in words, for explanations: "max of high over the
    /// 12 months before (anchored at time), context btc".
    pub fn describe(&self) -> String {
        let ctx = if self.context.is_empty() {
            String::new()
        } else {
            format!(", context {}", self.context)
        };
        match &self.read {
            ReadKind::Node { id, field } => format!("{field} of contextoid {id}{ctx}"),
            ReadKind::Distance { from, to } => {
                format!("distance from contextoid {from} to {to}{ctx}")
            }
            ReadKind::Window {
                scale,
                field,
                how,
                start,
                stop,
                at,
            } => {
                let unit = scale.map_or("space-time node", |s| s.name());
                let span = match (start, stop) {
                    (0, 1) => format!("the current {unit}"),
                    (s, e) if *e == s + 1 && *s < 0 => {
                        let back = -s;
                        if back == 1 {
                            format!("the previous {unit}")
                        } else {
                            format!("the {unit} {back} back")
                        }
                    }
                    (s, 0) if *s < 0 => format!("the {} {unit}s before", -s),
                    (s, e) => format!("{unit}s {s}..{e} from the current"),
                };
                let anchor = at
                    .as_deref()
                    .map_or(" (latest)".to_owned(), |a| format!(" (as of {a})"));
                if (start, stop) == (&0, &1) || *stop == start + 1 {
                    format!("{field} of {span}{anchor}{ctx}")
                } else {
                    format!("{} of {field} over {span}{anchor}{ctx}", how.name())
                }
            }
        }
    }
}

impl ContextRead {
    /// The read as a reader would say it, without the context's name: "the
    /// previous month's high", "the max high over the 12 months before", "temperature
    /// of contextoid 7". Explanations put the value and the period beside it.
    pub fn phrase(&self) -> String {
        match &self.read {
            ReadKind::Node { id, field } => format!("{field} of contextoid {}", quote_id(id)),
            ReadKind::Distance { from, to } => {
                format!(
                    "the distance from contextoid {} to {}",
                    quote_id(from),
                    quote_id(to)
                )
            }
            ReadKind::Window {
                scale,
                field,
                how,
                start,
                stop,
                ..
            } => {
                let unit = scale.map_or("space-time node", |s| s.name());
                if *stop == start + 1 {
                    return match start {
                        0 => format!("the current {unit}'s {field}"),
                        -1 => format!("the previous {unit}'s {field}"),
                        s if *s < 0 => format!("the {field} {} {unit}s back", -s),
                        s => format!("the {field} {s} {unit}s ahead"),
                    };
                }
                let span = match (start, stop) {
                    (s, 0) if *s < 0 => format!("the {} {unit}s before", -s),
                    (0, e) if *e > 0 => format!("the {e} {unit}s from the current one"),
                    (s, e) => format!("{unit}s {s} to {e} from the current one"),
                };
                format!("the {} {field} over {span}", how.name())
            }
        }
    }
}

fn quote_id(id: &NodeId) -> String {
    match id {
        NodeId::Int(i) => i.to_string(),
        NodeId::Str(s) => format!("{s:?}"),
    }
}

impl fmt::Display for ContextRead {
    /// The Python builder call that makes this read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = if self.context.is_empty() {
            String::new()
        } else {
            format!(", context={:?}", self.context)
        };
        match &self.read {
            ReadKind::Node { id, field } => {
                write!(f, "ctx_value({}, {field:?}{ctx})", quote_id(id))
            }
            ReadKind::Distance { from, to } => {
                write!(f, "ctx_distance({}, {}{ctx})", quote_id(from), quote_id(to))
            }
            ReadKind::Window {
                scale,
                field,
                how,
                start,
                stop,
                at,
            } => {
                let scale = scale.map_or("None".to_owned(), |s| format!("{:?}", s.name()));
                let at = at
                    .as_deref()
                    .map_or(String::new(), |a| format!(", at={a:?}"));
                write!(
                    f,
                    "ctx_window({scale}, {field:?}, {:?}, {start}, {stop}{at}{ctx})",
                    how.name()
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_reads_in_words() {
        let r = ContextRead {
            context: "btc".into(),
            read: ReadKind::Window {
                scale: Some(TimeScale::Month),
                field: "high".into(),
                how: Aggregation::Last,
                start: -1,
                stop: 0,
                at: Some("time".into()),
            },
        };
        assert_eq!(
            r.describe(),
            "high of the previous month (as of time), context btc"
        );
        assert_eq!(
            r.to_string(),
            r#"ctx_window("month", "high", "last", -1, 0, at="time", context="btc")"#
        );
        assert_eq!(r.phrase(), "the previous month's high");
        let year = ContextRead {
            context: "btc".into(),
            read: ReadKind::Window {
                scale: Some(TimeScale::Month),
                field: "high".into(),
                how: Aggregation::Max,
                start: -12,
                stop: 0,
                at: Some("time".into()),
            },
        };
        assert_eq!(year.phrase(), "the max high over the 12 months before");
    }
}
