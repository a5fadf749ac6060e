//! The context hypergraph: look-ups, relations, time windows against a brute
//! force filter, atomic updates that leave the context as it was on failure.

use causaloid_core::context::*;
use causaloid_core::NodeId;
use proptest::prelude::*;

fn day(d: i64) -> i64 {
    d * 86_400
}

fn market() -> Context {
    let mut ctx = Context::new(1, "market");
    let ops = vec![
        Operation::Add(Contextoid::time(1, TimeScale::Day, day(0)).with_field("close", 10.0)),
        Operation::Add(Contextoid::time(2, TimeScale::Day, day(1)).with_field("close", 12.0)),
        Operation::Add(Contextoid::data("threshold", 11.0)),
        Operation::Add(Contextoid::space("sensor", 1.0, 2.0, 0.0)),
        Operation::Add(Contextoid::symbolic("regime", "bull")),
        Operation::Link(Relation {
            from: 1.into(),
            to: 2.into(),
            kind: RelationKind::Temporal,
        }),
        Operation::Link(Relation {
            from: "threshold".into(),
            to: 2.into(),
            kind: RelationKind::Data,
        }),
    ];
    ctx.apply(ops).unwrap();
    ctx
}

#[test]
fn looks_up_by_id_relation_and_time() {
    let ctx = market();
    assert_eq!(ctx.len(), 5);
    assert_eq!(ctx.value(&2.into(), "close").unwrap(), 12.0);
    assert_eq!(ctx.value(&"threshold".into(), "value").unwrap(), 11.0);
    assert!(ctx.value(&1.into(), "value").unwrap().is_nan());
    assert_eq!(
        ctx.neighbours(&2.into(), None, Direction::Incoming)
            .unwrap(),
        vec![NodeId::Int(1), "threshold".into()]
    );
    assert_eq!(
        ctx.neighbours(&2.into(), Some(&RelationKind::Temporal), Direction::Both)
            .unwrap(),
        vec![NodeId::Int(1)]
    );
    assert_eq!(ctx.relations(Some(&RelationKind::Data)).len(), 1);
    assert_eq!(
        ctx.window(Some(TimeScale::Day), day(1), day(5)),
        vec![NodeId::Int(2)]
    );
    assert_eq!(ctx.at(Some(TimeScale::Day), None, 0), Some(NodeId::Int(2)));
    assert_eq!(
        ctx.at(Some(TimeScale::Day), Some(day(1) - 1), 0),
        Some(NodeId::Int(1))
    );
    assert_eq!(
        ctx.region([0.0, 0.0, -1.0], [1.0, 2.0, 1.0]).unwrap(),
        vec![NodeId::from("sensor")]
    );
    assert!(ctx
        .region([1.5, 0.0, -1.0], [3.0, 2.0, 1.0])
        .unwrap()
        .is_empty());
}

#[test]
fn bad_input_names_the_offending_id() {
    let mut ctx = market();
    assert_eq!(
        ctx.add(Contextoid::data(1, 0.0)),
        Err(ContextError::DuplicateId { id: 1.into() })
    );
    let err = ctx
        .relate(Relation {
            from: 1.into(),
            to: 99.into(),
            kind: RelationKind::Spatial,
        })
        .unwrap_err();
    assert_eq!(err.id(), Some(&NodeId::Int(99)));
    let err = ctx
        .relate(Relation {
            from: 2.into(),
            to: 1.into(),
            kind: RelationKind::Temporal,
        })
        .unwrap_err();
    assert!(matches!(err, ContextError::TimeOrder { .. }), "{err}");
    let err = ctx
        .add(Contextoid::space("p", f64::NAN, 0.0, 0.0))
        .unwrap_err();
    assert!(matches!(
        err,
        ContextError::InvalidCoordinate { field: "x", .. }
    ));
    let err = ctx
        .add(Contextoid::time("ms", TimeScale::Second, 1_700_000_000_000))
        .unwrap_err();
    assert!(matches!(err, ContextError::TimestampUnit { .. }));
    assert_eq!(ctx.len(), 5);
}

#[test]
fn failed_update_leaves_the_context_as_it_was() {
    let mut ctx = market();
    let before = ctx.to_json().unwrap();
    let ops = vec![
        Operation::SetField {
            id: 1.into(),
            field: "close".into(),
            value: 99.0,
        },
        Operation::SetField {
            id: 1.into(),
            field: "brand_new".into(),
            value: 1.0,
        },
        Operation::Remove(2.into()),
        Operation::Add(Contextoid::time(2, TimeScale::Day, day(7))),
        Operation::Replace(Contextoid::time(1, TimeScale::Day, day(3))),
        Operation::Link(Relation {
            from: 1.into(),
            to: "nowhere".into(),
            kind: RelationKind::parse("custom"),
        }),
    ];
    let err = ctx.apply(ops).unwrap_err();
    assert_eq!(err.index, 5);
    assert_eq!(ctx.to_json().unwrap(), before);
    assert_eq!(ctx.field_names(), ["close", "value"]);
    assert_eq!(
        ctx.window(Some(TimeScale::Day), 0, day(10)),
        vec![NodeId::Int(1), NodeId::Int(2)]
    );
}

#[test]
fn replace_must_keep_temporal_relations_forward() {
    let mut ctx = market();
    let err = ctx
        .apply(vec![Operation::Replace(Contextoid::time(
            1,
            TimeScale::Day,
            day(5),
        ))])
        .unwrap_err();
    assert!(matches!(err.error, ContextError::TimeOrder { .. }));
    assert_eq!(ctx.get(&1.into()).unwrap().kind.timestamp(), Some(0));
}

#[test]
fn json_round_trips() {
    let ctx = market();
    let back = Context::from_json(&ctx.to_json().unwrap()).unwrap();
    assert_eq!(back.to_json().unwrap(), ctx.to_json().unwrap());
    assert_eq!(back.relations(None), ctx.relations(None));
}

#[test]
fn frame_builds_rows_and_aggregated_parents() {
    // 2021-01-01 .. 2021-03-10, one row a day.
    let start = days_from_civil(2021, 1, 1);
    let times: Vec<i64> = (0..69).map(|d| (start + d) * 86_400).collect();
    let high: Vec<f64> = (0..69).map(|d| d as f64).collect();
    let mut ctx = Context::new(0, "btc");
    ctx.extend_from_frame(Frame {
        times: &times,
        scale: TimeScale::Day,
        fields: vec![("high".into(), &high)],
        ids: RowIds::Labels,
        coarser: vec![TimeScale::Month, TimeScale::Year],
        aggregations: vec![("high".into(), Aggregation::Max)],
    })
    .unwrap();
    assert_eq!(ctx.len(), 69 + 3 + 1);
    assert_eq!(ctx.value(&"month:2021-02".into(), "high").unwrap(), 58.0);
    assert_eq!(ctx.value(&"year:2021".into(), "high").unwrap(), 68.0);
    assert_eq!(ctx.value(&"day:2021-03-10".into(), "high").unwrap(), 68.0);
    let part_of = RelationKind::Named("part_of".into());
    assert_eq!(
        ctx.neighbours(
            &"day:2021-02-03".into(),
            Some(&part_of),
            Direction::Outgoing
        )
        .unwrap(),
        vec![NodeId::from("month:2021-02"), "year:2021".into()]
    );
    // previous month's high, as seen from each day of March
    let at: Vec<f64> = times[59..].iter().map(|&t| t as f64).collect();
    let mut out = vec![0.0; at.len()];
    ctx.window_aggregate(
        Some(TimeScale::Month),
        "high",
        Aggregation::Max,
        &at,
        -1,
        0,
        &mut out,
    )
    .unwrap();
    assert!(out.iter().all(|&v| v == 58.0));
    // out-of-order rows are refused before anything is added
    let mut bad = times.clone();
    bad.swap(3, 4);
    let err = Context::new(0, "x")
        .extend_from_frame(Frame {
            times: &bad,
            scale: TimeScale::Day,
            fields: vec![],
            ids: RowIds::Positions { offset: 0 },
            coarser: vec![],
            aggregations: vec![],
        })
        .unwrap_err();
    assert!(
        matches!(err, ContextError::RowsOutOfOrder { row: 4, .. }),
        "{err}"
    );
}

#[test]
fn snapshots_do_not_see_later_updates() {
    let shared = SharedContext::new(market());
    let before = shared.snapshot();
    shared
        .update(|c| c.add(Contextoid::data("late", 1.0)))
        .unwrap();
    assert_eq!(before.len(), 5);
    assert_eq!(shared.snapshot().len(), 6);
}

proptest! {
    #[test]
    fn time_window_equals_brute_force(
        mut times in proptest::collection::vec(-1_000_000i64..1_000_000, 0..200),
        start in -1_100_000i64..1_100_000,
        len in 0i64..1_000_000,
        removals in proptest::collection::vec(0usize..200, 0..20),
    ) {
        times.sort_unstable();
        let mut ctx = Context::new(0, "w");
        let ops = times.iter().enumerate()
            .map(|(i, &t)| Operation::Add(Contextoid::time(i as i64, TimeScale::Second, t)))
            .collect();
        ctx.apply(ops).unwrap();
        let mut alive: Vec<bool> = vec![true; times.len()];
        for r in removals {
            if r < times.len() && alive[r] {
                ctx.apply(vec![Operation::Remove(NodeId::Int(r as i64))]).unwrap();
                alive[r] = false;
            }
        }
        let end = start + len;
        let mut expected: Vec<(i64, i64)> = times.iter().enumerate()
            .filter(|(i, &t)| alive[*i] && start <= t && t < end)
            .map(|(i, &t)| (t, i as i64)).collect();
        expected.sort_unstable();
        let expected: Vec<NodeId> = expected.into_iter().map(|(_, i)| NodeId::Int(i)).collect();
        prop_assert_eq!(ctx.window(Some(TimeScale::Second), start, end), expected);
    }

    #[test]
    fn window_aggregate_equals_brute_force(
        steps in proptest::collection::vec(1i64..1000, 1..60),
        at in proptest::collection::vec(-500.0f64..70_000.0, 1..40),
        start in -5i64..2,
        width in 0i64..6,
    ) {
        let times: Vec<i64> = steps.iter().scan(0, |acc, s| { *acc += s; Some(*acc) }).collect();
        let vals: Vec<f64> = (0..times.len()).map(|i| (i * 7 % 13) as f64).collect();
        let mut ctx = Context::new(0, "w");
        ctx.extend_from_frame(Frame { times: &times, scale: TimeScale::Second, fields: vec![("v".into(), &vals)],
            ids: RowIds::Positions { offset: 0 }, coarser: vec![], aggregations: vec![] }).unwrap();
        let stop = start + width;
        let mut out = vec![0.0; at.len()];
        ctx.window_aggregate(Some(TimeScale::Second), "v", Aggregation::Max, &at, start, stop, &mut out).unwrap();
        for (i, &t) in at.iter().enumerate() {
            let anchor = times.iter().filter(|&&x| (x as f64) <= t.floor()).count() as i64 - 1;
            let picked: Vec<f64> = (anchor + start..anchor + stop)
                .filter(|&p| anchor >= 0 && p >= 0 && (p as usize) < times.len())
                .map(|p| vals[p as usize]).collect();
            let want = picked.iter().copied().reduce(f64::max).unwrap_or(f64::NAN);
            prop_assert!(out[i] == want || (out[i].is_nan() && want.is_nan()), "row {} got {} want {}", i, out[i], want);
        }
    }
}

#[test]
fn shared_anchor_reads_and_batch_lookups() {
    let times: Vec<i64> = (0..10).map(|d| d * 100).collect();
    let vals: Vec<f64> = (0..10).map(|d| d as f64).collect();
    let mut ctx = Context::new(0, "r");
    ctx.extend_from_frame(Frame {
        times: &times,
        scale: TimeScale::Second,
        fields: vec![("v".into(), &vals)],
        ids: RowIds::Positions { offset: 0 },
        coarser: vec![],
        aggregations: vec![],
    })
    .unwrap();
    let reads = [
        WindowRead {
            field: "v".into(),
            aggregation: Aggregation::Last,
            start: -1,
            stop: 0,
        },
        WindowRead {
            field: "v".into(),
            aggregation: Aggregation::Sum,
            start: -3,
            stop: 0,
        },
    ];
    // unsorted, NaN and before-the-start times
    let at = [950.0, 250.0, f64::NAN, -5.0, 100.0, 99.9];
    let cols = ctx
        .window_aggregates(Some(TimeScale::Second), &at, &reads)
        .unwrap();
    let show = |v: &[f64]| {
        v.iter()
            .map(|x| if x.is_nan() { -1.0 } else { *x })
            .collect::<Vec<_>>()
    };
    assert_eq!(show(&cols[0]), vec![8.0, 1.0, -1.0, -1.0, 0.0, -1.0]);
    assert_eq!(show(&cols[1]), vec![21.0, 1.0, -1.0, -1.0, 0.0, -1.0]);
    assert_eq!(
        ctx.values_int(&[3, 9, 0], "v").unwrap(),
        vec![3.0, 9.0, 0.0]
    );
    assert_eq!(
        ctx.values_int(&[3, 42, 77], "v"),
        Err(ContextError::UnknownId { id: 42.into() })
    );
    let many: Vec<i64> = (0..100_000).map(|i| i % 10).collect();
    assert_eq!(ctx.values_int(&many, "v").unwrap()[99_999], 9.0);
    assert!(matches!(
        ctx.values_int(&[1], "nope"),
        Err(ContextError::UnknownField { .. })
    ));
    assert!(ctx.region([f64::NAN, 0.0, 0.0], [1.0, 1.0, 1.0]).is_err());
}

#[test]
fn a_field_holding_nan_survives_json_and_stays_apart_from_an_absent_one() {
    let mut ctx = Context::new(0, "nan");
    ctx.apply(vec![
        Operation::Add(Contextoid::data(1, f64::NAN)),
        Operation::Add(
            Contextoid::data(2, f64::INFINITY)
                .with_field("gap", f64::NAN)
                .with_field("low", f64::NEG_INFINITY),
        ),
    ])
    .unwrap();
    let back = Context::from_json(&ctx.to_json().unwrap()).unwrap();
    let one = back.get(&NodeId::from(1)).unwrap();
    assert_eq!(one.fields.len(), 1);
    assert!(one.field("value").unwrap().is_nan());
    assert!(one.field("gap").is_none(), "absent stays absent");
    let two = back.get(&NodeId::from(2)).unwrap();
    assert!(two.field("gap").unwrap().is_nan());
    assert_eq!(two.field("low"), Some(f64::NEG_INFINITY));
    assert_eq!(back.to_json().unwrap(), ctx.to_json().unwrap());
}
