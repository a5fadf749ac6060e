//! The non-calendar time kinds: nanosecond instants, discrete steps and
//! symbolic (named, ordered) times. Each has its own sorted index, keyed by
//! the scales `nanosecond`, `step` and `symbolic`, so windows, as-of look-ups
//! and window aggregations work on them as on a calendar scale; calendar
//! periods, labels and coarser aggregation do not (`NotCalendar`).

use super::contextoid::ContextoidKind;
use super::error::ContextError;
use super::store::Context;
use super::time::TimeScale;

impl Context {
    /// The rank of the symbolic time labelled `label` (the lowest rank when
    /// several contextoids share the label).
    pub fn symbolic_rank(&self, label: &str) -> Result<i64, ContextError> {
        self.time_index(Some(TimeScale::Symbolic))
            .iter()
            .find(|(_, s)| {
                matches!(self.kind_at(*s), ContextoidKind::SymbolicTime { label: l, .. } if l == label)
            })
            .map(|(rank, _)| *rank)
            .ok_or_else(|| ContextError::UnknownLabel {
                label: label.to_owned(),
            })
    }

    /// The symbolic time labels in rank order.
    pub fn symbolic_labels(&self) -> Vec<(String, i64)> {
        self.time_index(Some(TimeScale::Symbolic))
            .iter()
            .filter_map(|(rank, s)| match self.kind_at(*s) {
                ContextoidKind::SymbolicTime { label, .. } => Some((label.clone(), *rank)),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Aggregation, Contextoid, Relation, RelationKind, WindowRead};
    use crate::graph::NodeId;

    #[test]
    fn steps_and_symbolic_times_have_windows_and_aggregates() {
        let mut c = Context::new(0, "run");
        for k in 0..5 {
            c.add(Contextoid::time(k, TimeScale::Step, k * 10).with_field("x", k as f64))
                .unwrap();
        }
        for (i, l) in ["draft", "review", "released"].iter().enumerate() {
            c.add(Contextoid::symbolic_time(*l, *l, i as i64).with_field("x", i as f64))
                .unwrap();
        }
        let step = Some(TimeScale::Step);
        assert_eq!(c.window(step, 10, 30), vec![NodeId::Int(1), NodeId::Int(2)]);
        let read = WindowRead {
            field: "x".into(),
            aggregation: Aggregation::Sum,
            start: -2,
            stop: 1,
        };
        assert_eq!(c.window_aggregate_at(step, 35.0, &read).unwrap(), 6.0);
        let sym = Some(TimeScale::Symbolic);
        assert_eq!(c.symbolic_rank("review").unwrap(), 1);
        assert_eq!(c.at(sym, Some(1), 1), Some(NodeId::from("released")));
        assert!(matches!(
            c.symbolic_rank("gone"),
            Err(ContextError::UnknownLabel { .. })
        ));
    }

    #[test]
    fn a_temporal_relation_between_a_step_and_an_instant_is_refused() {
        let mut c = Context::new(0, "mixed");
        c.add(Contextoid::time("s", TimeScale::Step, 1)).unwrap();
        c.add(Contextoid::time("d", TimeScale::Day, 86_400))
            .unwrap();
        c.add(Contextoid::time(
            "ns",
            TimeScale::Nanosecond,
            86_400_000_000_001,
        ))
        .unwrap();
        let rel = |a: &str, b: &str| Relation {
            from: a.into(),
            to: b.into(),
            kind: RelationKind::Temporal,
        };
        assert!(matches!(
            c.relate(rel("s", "d")),
            Err(ContextError::IncomparableTimes { .. })
        ));
        // Seconds and nanoseconds are both instants: ordered as such.
        c.relate(rel("d", "ns")).unwrap();
        assert!(matches!(
            c.relate(rel("ns", "d")),
            Err(ContextError::TimeOrder { .. })
        ));
        assert!(matches!(
            c.add(Contextoid::time("bad", TimeScale::Symbolic, 0)),
            Err(ContextError::WrongTimeKind { .. })
        ));
    }
}
