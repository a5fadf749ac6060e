//! Building a time-indexed context from table columns: one Time node per row,
//! temporal relations between consecutive rows, and (on request) coarser
//! scales as aggregated parent nodes linked to their rows by `part_of`.

use super::contextoid::RelationKind;
use super::error::ContextError;
use super::store::Context;
use super::time::{period_label, TimeScale, MAX_ABS_SECONDS};
use crate::graph::NodeId;
use serde::{Deserialize, Serialize};

/// A period of a coarser scale: its start and the rows `first..end` inside it.
type Period = (i64, usize, usize);

/// How a field of the rows becomes the field of an aggregated parent node.
/// NaN readings are skipped; a period with none gives NaN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    First,
    Last,
    Min,
    Max,
    Sum,
    Mean,
}

impl Aggregation {
    pub const ALL: [Aggregation; 6] = [
        Aggregation::First,
        Aggregation::Last,
        Aggregation::Min,
        Aggregation::Max,
        Aggregation::Sum,
        Aggregation::Mean,
    ];

    pub fn parse(name: &str) -> Result<Aggregation, ContextError> {
        Aggregation::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| ContextError::UnknownAggregation {
                name: name.to_owned(),
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            Aggregation::First => "first",
            Aggregation::Last => "last",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
            Aggregation::Sum => "sum",
            Aggregation::Mean => "mean",
        }
    }

    /// Aggregates `values`, skipping NaN.
    pub fn apply(self, values: impl Iterator<Item = f64>) -> f64 {
        let mut vals = values.filter(|v| !v.is_nan());
        match self {
            Aggregation::First => vals.next().unwrap_or(f64::NAN),
            Aggregation::Last => vals.last().unwrap_or(f64::NAN),
            Aggregation::Min => vals.reduce(f64::min).unwrap_or(f64::NAN),
            Aggregation::Max => vals.reduce(f64::max).unwrap_or(f64::NAN),
            Aggregation::Sum => vals.reduce(|a, b| a + b).unwrap_or(f64::NAN),
            Aggregation::Mean => {
                let (n, s) = vals.fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
                if n == 0 {
                    f64::NAN
                } else {
                    s / n as f64
                }
            }
        }
    }
}

/// How the rows of a frame are named.
#[derive(Clone, Debug, PartialEq)]
pub enum RowIds {
    /// Row `i` gets the integer id `offset + i`.
    Positions { offset: i64 },
    /// Row ids are period labels of the frame's scale (`day:2021-03-15`).
    Labels,
    /// Ids given by the caller, one per row.
    Given(Vec<NodeId>),
}

/// The columns of a time-indexed table.
#[derive(Clone, Debug)]
pub struct Frame<'a> {
    /// Seconds since 1970-01-01 UTC, strictly increasing.
    pub times: &'a [i64],
    pub scale: TimeScale,
    pub fields: Vec<(String, &'a [f64])>,
    pub ids: RowIds,
    /// Coarser scales to add as aggregated parents.
    pub coarser: Vec<TimeScale>,
    /// Aggregation per field; fields not listed use `Last`.
    pub aggregations: Vec<(String, Aggregation)>,
}

/// Largest UTC offset of a time zone, in seconds (UTC-12 .. UTC+14, with margin).
pub const MAX_UTC_OFFSET: i64 = 18 * 3600;

impl Context {
    /// Adds a frame's rows (and aggregated parents) to the context, all or
    /// nothing: every check runs before anything is added. Periods follow the
    /// UTC calendar; see [`Context::extend_from_frame_in_zone`] for another.
    pub fn extend_from_frame(&mut self, frame: Frame<'_>) -> Result<(), ContextError> {
        self.extend_from_frame_in_zone(frame, &[])
    }

    /// Like [`Context::extend_from_frame`], with each row's UTC offset in
    /// seconds (`utc_offsets[i]`, east positive; empty for UTC): periods and
    /// labels follow that local calendar, so a Berlin bar at 2021-03-01 00:00
    /// (+01:00) belongs to March. Times stay UTC instants; a coarser period's
    /// time is its local start, taken with the offset of its first row.
    pub fn extend_from_frame_in_zone(
        &mut self,
        frame: Frame<'_>,
        utc_offsets: &[i64],
    ) -> Result<(), ContextError> {
        let n = frame.times.len();
        if !utc_offsets.is_empty() && utc_offsets.len() != n {
            return Err(ContextError::Shape {
                what: "utc offsets".to_owned(),
                expected: n,
                found: utc_offsets.len(),
            });
        }
        if let Some(bad) = utc_offsets.iter().find(|o| o.abs() > MAX_UTC_OFFSET) {
            return Err(ContextError::InvalidArgument {
                name: "utc_offsets",
                message: format!("a UTC offset of {bad} s is beyond +/-18 hours"),
            });
        }
        let offset = |row: usize| utc_offsets.get(row).copied().unwrap_or(0);
        for (name, col) in &frame.fields {
            if col.len() != n {
                return Err(ContextError::Shape {
                    what: format!("column {name:?}"),
                    expected: n,
                    found: col.len(),
                });
            }
        }
        for (name, _) in &frame.aggregations {
            if !frame.fields.iter().any(|(f, _)| f == name) {
                let known = frame.fields.iter().map(|(f, _)| f.clone()).collect();
                return Err(ContextError::UnknownField {
                    name: name.clone(),
                    known,
                });
            }
        }
        for &s in std::iter::once(&frame.scale).chain(&frame.coarser) {
            if !s.is_calendar() {
                return Err(ContextError::NotCalendar {
                    scale: s.to_string(),
                    operation: "a time table",
                });
            }
        }
        for &c in &frame.coarser {
            if c <= frame.scale {
                return Err(ContextError::ScaleNotCoarser {
                    finer: frame.scale.to_string(),
                    coarser: c.to_string(),
                });
            }
        }
        let ids: Vec<NodeId> = match frame.ids {
            RowIds::Positions { offset } => {
                (0..n as i64).map(|i| NodeId::Int(offset + i)).collect()
            }
            RowIds::Labels => frame
                .times
                .iter()
                .enumerate()
                .map(|(row, &t)| {
                    NodeId::Str(period_label(frame.scale, t.saturating_add(offset(row))))
                })
                .collect(),
            RowIds::Given(ids) if ids.len() != n => {
                return Err(ContextError::Shape {
                    what: "ids".to_owned(),
                    expected: n,
                    found: ids.len(),
                })
            }
            RowIds::Given(ids) => ids,
        };
        for (row, &t) in frame.times.iter().enumerate() {
            if !(-MAX_ABS_SECONDS..=MAX_ABS_SECONDS).contains(&t) {
                return Err(ContextError::TimestampUnit {
                    id: ids[row].clone(),
                    found: t,
                });
            }
            if row > 0 && frame.times[row - 1] >= t {
                return Err(ContextError::RowsOutOfOrder {
                    row,
                    id: ids[row].clone(),
                    previous: frame.times[row - 1],
                    found: t,
                });
            }
        }
        // Parents: one per period of each coarser scale, over contiguous rows.
        let mut parents: Vec<(TimeScale, Vec<Period>)> = Vec::new();
        for &scale in &frame.coarser {
            let mut groups: Vec<Period> = Vec::new();
            for (row, &t) in frame.times.iter().enumerate() {
                // The period in the local calendar; stored as its local start.
                let p = scale.floor(t.saturating_add(offset(row)));
                match groups.last_mut() {
                    Some(g) if g.0 == p => g.2 = row + 1,
                    _ => groups.push((p, row, row + 1)),
                }
            }
            parents.push((scale, groups));
        }
        let parent_ids: Vec<Vec<NodeId>> = parents
            .iter()
            .map(|(s, groups)| {
                groups
                    .iter()
                    .map(|g| NodeId::Str(period_label(*s, g.0)))
                    .collect()
            })
            .collect();
        let mut seen = std::collections::HashSet::with_capacity(n);
        for id in ids.iter().chain(parent_ids.iter().flatten()) {
            if self.contains(id) || !seen.insert(id) {
                return Err(ContextError::DuplicateId { id: id.clone() });
            }
        }
        // Everything is valid: append in bulk.
        let start = self.ids.len();
        self.append_sorted_times(frame.scale, ids, frame.times);
        for (name, col) in &frame.fields {
            self.set_column(name, start, col);
        }
        for row in 1..n {
            self.link_unchecked(
                (start + row - 1) as u32,
                (start + row) as u32,
                &RelationKind::Temporal,
            );
        }
        let part_of = RelationKind::Named("part_of".to_owned());
        for ((scale, groups), pids) in parents.into_iter().zip(parent_ids) {
            let base = self.ids.len();
            // The period's instant: its local start moved back to UTC.
            let times: Vec<i64> = groups.iter().map(|g| g.0 - offset(g.1)).collect();
            self.append_sorted_times(scale, pids, &times);
            for (name, col) in &frame.fields {
                let agg = frame
                    .aggregations
                    .iter()
                    .find(|(f, _)| f == name)
                    .map(|(_, a)| *a)
                    .unwrap_or(Aggregation::Last);
                let vals: Vec<f64> = groups
                    .iter()
                    .map(|g| agg.apply(col[g.1..g.2].iter().copied()))
                    .collect();
                self.set_column(name, base, &vals);
            }
            for (gi, g) in groups.iter().enumerate() {
                let p = (base + gi) as u32;
                if gi > 0 {
                    self.link_unchecked(p - 1, p, &RelationKind::Temporal);
                }
                for row in g.1..g.2 {
                    self.link_unchecked((start + row) as u32, p, &part_of);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::time::days_from_civil;

    /// Daily bars at local midnight in Berlin (UTC+1 in winter): 2021-02-27 ..
    /// 2021-03-02, stored as the UTC instants 23:00 of the day before.
    fn berlin_days() -> (Vec<i64>, Vec<i64>) {
        let start = days_from_civil(2021, 2, 27);
        let times = (0..4).map(|d| (start + d) * 86_400 - 3600).collect();
        (times, vec![3600; 4])
    }

    fn frame(times: &[i64]) -> Frame<'_> {
        Frame {
            times,
            scale: TimeScale::Day,
            fields: vec![],
            ids: RowIds::Labels,
            coarser: vec![TimeScale::Month],
            aggregations: vec![],
        }
    }

    #[test]
    fn local_offsets_keep_the_calendar_of_the_zone() {
        let (times, offsets) = berlin_days();
        let mut ctx = Context::new(0, "berlin");
        ctx.extend_from_frame_in_zone(frame(&times), &offsets)
            .unwrap();
        assert!(ctx.contains(&"day:2021-03-01".into()));
        assert!(ctx.contains(&"month:2021-03".into()));
        // March starts at local midnight, 23:00 UTC on 2021-02-28.
        let march = days_from_civil(2021, 3, 1) * 86_400 - 3600;
        assert_eq!(
            ctx.at(Some(TimeScale::Month), Some(march), 0),
            Some("month:2021-03".into())
        );
        assert_eq!(
            ctx.at(Some(TimeScale::Month), Some(march - 1), 0),
            Some("month:2021-02".into())
        );
    }

    #[test]
    fn without_offsets_the_same_instants_fall_in_the_utc_calendar() {
        let (times, _) = berlin_days();
        let mut ctx = Context::new(0, "utc");
        ctx.extend_from_frame(frame(&times)).unwrap();
        assert!(ctx.contains(&"day:2021-02-28".into()));
        assert!(!ctx.contains(&"day:2021-03-02".into()));
    }

    #[test]
    fn offsets_of_the_wrong_length_or_size_are_refused() {
        let (times, _) = berlin_days();
        let mut ctx = Context::new(0, "x");
        let err = ctx
            .extend_from_frame_in_zone(frame(&times), &[3600])
            .unwrap_err();
        assert!(matches!(err, ContextError::Shape { .. }));
        let err = ctx
            .extend_from_frame_in_zone(frame(&times), &[MAX_UTC_OFFSET + 1; 4])
            .unwrap_err();
        assert!(matches!(err, ContextError::InvalidArgument { .. }));
        assert_eq!(ctx.len(), 0);
    }
}
