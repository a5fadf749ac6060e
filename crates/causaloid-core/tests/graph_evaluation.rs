//! Graph semantics: propagation, joins, relays, modes, errors, explanations.

mod common;
use causaloid_core::graph::CallError;
use causaloid_core::*;
use common::*;
use std::sync::Arc;

#[test]
fn chain_propagates_verdicts_in_topological_order() {
    // 1: value > 0.5 ; 2: passes its parent's verdict on ; 3: not of parent.
    let g = graph(
        vec![
            causaloid(1, gt(Expr::value(), lit(0.5))),
            causaloid(2, Expr::value()),
            causaloid(3, not(Expr::value())),
        ],
        &[(1, 2), (2, 3)],
    );
    let e = g.evaluate(&value_input(0.7)).expect("frozen");
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(false)));
    let e = g.evaluate(&value_input(0.2)).expect("frozen");
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(true)));
}

#[test]
fn node_with_several_parents_receives_the_join() {
    let g = graph(
        vec![
            causaloid(1, gt(Expr::value(), lit(0.9))),
            causaloid(2, gt(Expr::value(), lit(0.1))),
            causaloid(3, Expr::value()),
        ],
        &[(1, 3), (2, 3)],
    );
    let e = g.evaluate(&value_input(0.5)).expect("frozen");
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(true)));
    let recs = e.records();
    let three = recs
        .iter()
        .find(|r| r.id == NodeId::Int(3) && r.event == "decided")
        .expect("node 3 ran");
    assert_eq!(three.input, Some(Value::Bool(true)));
}

#[test]
fn degrees_join_by_maximum_and_mix_with_booleans() {
    let g = graph(
        vec![
            causaloid(1, Expr::value().binary(expr::BinaryOp::Mul, lit(0.5))),
            causaloid(2, lit(0.0).binary(expr::BinaryOp::Lt, lit(1.0))),
            causaloid(3, Expr::value()),
        ],
        &[(1, 3), (2, 3)],
    );
    let e = g.evaluate(&value_input(0.8)).expect("frozen");
    assert_eq!(e.verdict().ok(), Some(Verdict::Degree(1.0)));
}

#[test]
fn evaluate_from_runs_only_the_subgraph() {
    let g = graph(
        vec![
            causaloid(1, gt(Expr::value(), lit(0.5))),
            causaloid(2, Expr::value()),
            causaloid(3, not(Expr::value())),
        ],
        &[(1, 2), (2, 3)],
    );
    let e = g
        .evaluate_from(
            &NodeId::Int(2),
            &Input {
                value: Some(Value::Bool(true)),
                row: &[],
                host: None,
            },
        )
        .expect("ok");
    let ids: Vec<NodeId> = e
        .records()
        .iter()
        .filter(|r| r.event == "decided" && r.kind == "causaloid")
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(ids, vec![NodeId::Int(2), NodeId::Int(3)]);
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(false)));
}

#[test]
fn evaluate_path_follows_the_shortest_path() {
    let g = graph(
        vec![
            causaloid(1, gt(Expr::value(), lit(0.5))),
            causaloid(2, Expr::value()),
            causaloid(3, Expr::value()),
            causaloid(4, not(Expr::value())),
        ],
        &[(1, 2), (2, 3), (3, 4), (1, 4)],
    );
    assert_eq!(
        g.shortest_path(&NodeId::Int(1), &NodeId::Int(4)).ok(),
        Some(vec![0, 3])
    );
    let e = g
        .evaluate_path(&NodeId::Int(1), &NodeId::Int(4), &value_input(0.9))
        .expect("path");
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(false)));
    assert!(matches!(
        g.evaluate_path(&NodeId::Int(4), &NodeId::Int(1), &value_input(0.9)),
        Err(CausalError::NoPath { .. })
    ));
}

#[test]
fn evaluate_single_runs_one_node() {
    let g = graph(
        vec![
            causaloid(1, gt(Expr::value(), lit(0.5))),
            causaloid(2, not(Expr::value())),
        ],
        &[(1, 2)],
    );
    let e = g
        .evaluate_single(
            &NodeId::Int(2),
            &Input {
                value: Some(Value::Bool(true)),
                row: &[],
                host: None,
            },
        )
        .expect("ok");
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(false)));
    assert_eq!(
        e.records().iter().filter(|r| r.kind == "causaloid").count(),
        1
    );
}

#[test]
fn relay_continues_at_the_target_node() {
    // 1 relays to 3 with value 0.9, skipping 2.
    let g = graph(
        vec![
            callable(1, |_| Ok(Output::Relay(NodeId::Int(3), Value::Num(0.9)))),
            causaloid(2, Expr::lit(false)),
            causaloid(3, gt(Expr::value(), lit(0.5))),
        ],
        &[(1, 2), (2, 3)],
    );
    let e = g.evaluate(&value_input(0.1)).expect("frozen");
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(true)));
    let relayed = e
        .records()
        .into_iter()
        .find(|r| r.event == "relayed")
        .expect("relay recorded");
    assert_eq!(relayed.relay_target, Some(NodeId::Int(3)));
    assert!(e.lines().iter().any(|l| l.contains("relay to 3")));
}

#[test]
fn endless_relays_end_in_a_clear_error() {
    let g = graph(
        vec![callable(1, |_| {
            Ok(Output::Relay(NodeId::Int(1), Value::Num(0.5)))
        })],
        &[],
    );
    let e = g.evaluate(&value_input(0.1)).expect("frozen");
    assert!(matches!(
        e.error(),
        Some(CausalError::RelayLimit { limit: 64, .. })
    ));
}

#[test]
fn relay_to_unknown_node_names_it() {
    let g = graph(
        vec![callable(1, |_| {
            Ok(Output::Relay(NodeId::Int(99), Value::Num(0.5)))
        })],
        &[],
    );
    let e = g.evaluate(&value_input(0.1)).expect("frozen");
    assert!(matches!(
        e.error(),
        Some(CausalError::UnknownNode {
            id: NodeId::Int(99)
        })
    ));
}

#[test]
fn cycles_are_refused_at_freeze_and_the_graph_stays_unfrozen() {
    let mut g = CausalGraph::new("g", "");
    for i in 1..=3 {
        g.add(causaloid(i, Expr::value())).expect("add");
    }
    g.link(&NodeId::Int(1), &NodeId::Int(2)).expect("link");
    g.link(&NodeId::Int(2), &NodeId::Int(3)).expect("link");
    g.link(&NodeId::Int(3), &NodeId::Int(1)).expect("link");
    match g.freeze() {
        Err(CausalError::Cycle { path }) => {
            assert_eq!(path.len(), 4);
            assert_eq!(path.first(), path.last());
        }
        other => panic!("expected a cycle, got {:?}", other.err()),
    }
    assert!(!g.is_frozen());
    assert!(matches!(
        g.link(&NodeId::Int(1), &NodeId::Int(1)),
        Err(CausalError::Cycle { .. })
    ));
}

#[test]
fn building_errors_name_the_offending_id_and_change_nothing() {
    let mut g = CausalGraph::new("g", "");
    g.add(causaloid(1, Expr::value())).expect("add");
    assert!(matches!(
        g.add(causaloid(1, Expr::value())),
        Err(CausalError::DuplicateId { id: NodeId::Int(1) })
    ));
    assert!(matches!(
        g.link(&NodeId::Int(1), &NodeId::Int(7)),
        Err(CausalError::UnknownNode { id: NodeId::Int(7) })
    ));
    assert_eq!(g.len(), 1);
    assert!(g.edges().is_empty());
    let g = Arc::new(g);
    assert!(matches!(
        g.evaluate(&value_input(1.0)),
        Err(CausalError::NotFrozen)
    ));
    let mut g = (*g).clone();
    g.freeze().expect("freeze");
    assert!(matches!(
        g.add(causaloid(2, Expr::value())),
        Err(CausalError::Frozen)
    ));
}

#[test]
fn numbers_travel_along_edges_and_verdicts_are_checked_only_where_needed() {
    let mul = |k: f64| Expr::value().binary(expr::BinaryOp::Mul, lit(k));
    // A lone numeric causaloid decides a number.
    let g = graph(vec![causaloid(5, mul(2.0))], &[]);
    let e = g.evaluate(&value_input(0.9)).expect("frozen");
    assert_eq!(e.result().ok(), Some(Value::Num(1.8)));
    // A single parent hands its number on; node(id) reads a parent by id.
    let g = graph(
        vec![
            causaloid(1, mul(2.0)),
            causaloid(2, mul(3.0)),
            causaloid(3, Expr::node(1).binary(expr::BinaryOp::Add, Expr::node(2))),
        ],
        &[(1, 3), (2, 3)],
    );
    let e = g.evaluate(&value_input(1.0)).expect("frozen");
    assert_eq!(e.result().ok(), Some(Value::Num(5.0)));
    // The join of several parents needs verdicts: the error names the parent.
    let g = graph(
        vec![
            causaloid(1, mul(2.0)),
            causaloid(2, mul(3.0)),
            causaloid(3, gt(Expr::value(), lit(1.0))),
        ],
        &[(1, 3), (2, 3)],
    );
    let e = g.evaluate(&value_input(1.0)).expect("frozen");
    assert!(matches!(
        e.error(),
        Some(CausalError::InvalidVerdict {
            id: NodeId::Int(1),
            ..
        })
    ));
    // ... and so do several final nodes.
    let g = graph(vec![causaloid(1, mul(2.0)), causaloid(2, mul(3.0))], &[]);
    let e = g.evaluate(&value_input(1.0)).expect("frozen");
    assert!(matches!(
        e.error(),
        Some(CausalError::InvalidVerdict { .. })
    ));
    // A node read must name a parent; that is checked when freezing.
    let mut g = CausalGraph::new("g", "");
    g.add(causaloid(1, mul(2.0))).expect("add");
    g.add(causaloid(2, Expr::node(1))).expect("add");
    assert!(matches!(
        g.freeze(),
        Err(CausalError::NodeRead {
            target: NodeId::Int(1),
            ..
        })
    ));
}

#[test]
fn numeric_batches_equal_single_rows() {
    let g = graph(
        vec![
            causaloid(1, col("dose").binary(expr::BinaryOp::Mul, lit(-2.0))),
            causaloid(2, col("dose").binary(expr::BinaryOp::Add, lit(1.0))),
            causaloid(3, Expr::node(1).binary(expr::BinaryOp::Sub, Expr::node(2))),
        ],
        &[(1, 3), (2, 3)],
    );
    let dose = [0.0, 1.5, -3.0, 10.0];
    let out = Member::Graph(Arc::clone(&g))
        .evaluate_batch(
            &BatchInput {
                columns: vec![&dose],
                len: dose.len(),
                value: None,
                host: None,
            },
            false,
        )
        .expect("batch");
    assert_eq!(out.kind, Kind::Num);
    for (i, &d) in dose.iter().enumerate() {
        let row = [d];
        let e = g
            .evaluate(&Input {
                value: None,
                row: &row,
                host: None,
            })
            .expect("frozen");
        assert_eq!(e.result().ok().map(Value::num), Some(out.verdicts[i]));
        assert_eq!(out.verdicts[i], -2.0 * d - (d + 1.0));
    }
}

#[test]
fn a_failing_callable_short_circuits_and_keeps_the_trace() {
    let g = graph(
        vec![
            causaloid(1, gt(Expr::value(), lit(0.5))),
            callable(2, |_| {
                Err(CallError::Raised {
                    message: "sensor offline".into(),
                    payload: None,
                })
            }),
            causaloid(3, Expr::value()),
        ],
        &[(1, 2), (2, 3)],
    );
    let e = g.evaluate(&value_input(0.9)).expect("frozen");
    assert!(matches!(
        e.error(),
        Some(CausalError::Callable {
            id: NodeId::Int(2),
            ..
        })
    ));
    let lines = e.lines();
    assert!(lines
        .iter()
        .any(|l| l.contains("causaloid 1") && l.contains("-> true")));
    assert!(lines.iter().any(|l| l.contains("! causaloid 2")));
    assert!(!lines.iter().any(|l| l.contains("causaloid 3")));
    assert!(lines.last().is_some_and(|l| l.contains("sensor offline")));
}

#[test]
fn reading_value_without_one_is_a_clear_error() {
    let g = graph(vec![causaloid(1, gt(Expr::value(), lit(0.5)))], &[]);
    let e = g
        .evaluate(&Input {
            value: None,
            row: &[],
            host: None,
        })
        .expect("frozen");
    assert!(matches!(
        e.error(),
        Some(CausalError::MissingValue { id: NodeId::Int(1) })
    ));
}

#[test]
fn explanation_names_inputs_decisions_and_the_reason() {
    let g = graph(
        vec![
            causaloid(1, gt(col("temp"), lit(30.0))),
            causaloid(2, and(Expr::value(), gt(col("smoke"), lit(0.2)))),
        ],
        &[(1, 2)],
    );
    // columns in first-use order: temp, smoke
    assert_eq!(g.columns(), ["temp", "smoke"]);
    let e = g
        .evaluate(&Input {
            value: None,
            row: &[35.0, 0.5],
            host: None,
        })
        .expect("frozen");
    let text = e.lines().join("\n");
    assert!(
        text.contains(r#"causaloid 1 "c1": (col("temp") > 30.0) on temp=35 -> true"#),
        "{text}"
    );
    assert!(text.contains("value=true, smoke=0.5 -> true"), "{text}");
    assert!(
        text.contains(r#"decided by its last node 2 "c2" = true"#),
        "{text}"
    );
    assert!(text.contains("Final verdict: true\nWhy: "), "{text}");
    // the closing sentence follows the input back to the parent that gave it
    assert!(
        text.ends_with("2 decided true because its input is true and smoke 0.5 is above 0.2. 1 gave 2 true because temp 35 is above 30."),
        "{text}"
    );
}

#[test]
fn collections_aggregate_by_logic() {
    let members = || {
        vec![
            causaloid(1, lit(0.2).binary(expr::BinaryOp::Lt, Expr::value())),
            causaloid(2, gt(Expr::value(), lit(0.6))),
            causaloid(3, gt(Expr::value(), lit(0.9))),
        ]
    };
    let eval = |logic: Logic, x: f64| {
        let c = Member::Collection(Arc::new(
            Collection::new("c", "", members(), logic).expect("valid"),
        ));
        c.evaluate(&value_input(x)).verdict().ok()
    };
    assert_eq!(eval(Logic::All, 0.7), Some(Verdict::Bool(false)));
    assert_eq!(eval(Logic::Any, 0.7), Some(Verdict::Bool(true)));
    assert_eq!(eval(Logic::None, 0.1), Some(Verdict::Bool(true)));
    assert_eq!(eval(Logic::AtLeast(2), 0.7), Some(Verdict::Bool(true)));
    assert_eq!(eval(Logic::AtLeast(3), 0.7), Some(Verdict::Bool(false)));
    assert!(Collection::new("c", "", members(), Logic::AtLeast(4)).is_err());
    assert!(matches!(
        Collection::new("c", "", vec![], Logic::All),
        Err(CausalError::InvalidArgument { .. })
    ));
}

#[test]
fn degree_collections_take_the_kth_largest() {
    let m = vec![
        causaloid(1, Expr::value()),
        causaloid(2, Expr::value().binary(expr::BinaryOp::Mul, lit(0.5))),
        causaloid(3, lit(0.1)),
    ];
    let c = Member::Collection(Arc::new(
        Collection::new("c", "", m, Logic::AtLeast(2)).expect("valid"),
    ));
    assert_eq!(
        c.evaluate(&value_input(0.8)).verdict().ok(),
        Some(Verdict::Degree(0.4))
    );
}

#[test]
fn causaloids_collections_and_graphs_nest_recursively() {
    let inner = graph(
        vec![
            causaloid(1, gt(col("a"), lit(1.0))),
            causaloid(2, Expr::value()),
        ],
        &[(1, 2)],
    );
    let coll = Collection::new(
        "sensors",
        "inner graph or b",
        vec![Member::Graph(inner), causaloid(3, gt(col("b"), lit(1.0)))],
        Logic::Any,
    )
    .expect("valid");
    let outer = graph(
        vec![
            Member::Collection(Arc::new(coll)),
            causaloid(4, not(Expr::value())),
        ],
        &[],
    );
    let mut g = (*outer).clone();
    g.unfreeze();
    g.link(&NodeId::from("sensors"), &NodeId::Int(4))
        .expect("link");
    g.freeze().expect("freeze");
    let g = Arc::new(g);
    assert_eq!(g.columns(), ["a", "b"]);
    let e = g
        .evaluate(&Input {
            value: None,
            row: &[0.0, 2.0],
            host: None,
        })
        .expect("frozen");
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(false)));
    let text = e.lines().join("\n");
    assert!(text.contains("collection \"sensors\""), "{text}");
    assert!(text.contains("1 of 2 members active"), "{text}");
    assert!(text.contains("    causaloid 1"), "{text}");
}

#[test]
fn relays_are_refused_inside_collections() {
    let coll = Collection::new(
        "c",
        "",
        vec![callable(1, |_| {
            Ok(Output::Relay(NodeId::Int(2), Value::Num(1.0)))
        })],
        Logic::All,
    )
    .expect("valid");
    let e = Member::Collection(Arc::new(coll)).evaluate(&value_input(0.1));
    assert!(matches!(
        e.error(),
        Some(CausalError::RelayNotAllowed { .. })
    ));
}

#[test]
fn graphs_round_trip_through_json() {
    let g = graph(
        vec![
            causaloid(1, gt(col("x"), lit(0.5))),
            causaloid(2, and(Expr::value(), col("y").between(lit(0.0), lit(1.0)))),
        ],
        &[(1, 2)],
    );
    let text = g.to_json().expect("expressions serialise");
    let back = CausalGraph::from_json(&text).expect("reads back");
    assert!(back.is_frozen());
    assert_eq!(back.to_json().expect("again"), text);
    let c = callable(1, |_| Ok(Output::Value(Value::Bool(true))));
    assert!(matches!(
        c.to_json(),
        Err(CausalError::Serialization { .. })
    ));
    assert!(CausalGraph::from_json("{\"format\": \"other\"}").is_err());
}

#[test]
fn nesting_past_the_limit_is_refused_when_built() {
    let mut m = causaloid(0, gt(Expr::value(), lit(0.5)));
    for i in 1..graph::MAX_NESTING as i64 {
        m = Member::Collection(Arc::new(
            Collection::new(format!("c{i}"), "", vec![m], Logic::All).expect("within the limit"),
        ));
    }
    assert_eq!(m.depth(), graph::MAX_NESTING);
    let e = m.evaluate(&value_input(0.9));
    assert_eq!(e.result().ok(), Some(Value::Bool(true)));
    let deeper = Collection::new("deeper", "", vec![m], Logic::All);
    assert!(matches!(deeper, Err(CausalError::TooDeep { .. })));
}

#[test]
fn a_batch_error_names_the_first_failing_row_across_nodes() {
    // Node 1 fails at row 3, node 2 (evaluated later) at row 1: row 1 fails first.
    let coll = Collection::new(
        "c",
        "",
        vec![causaloid(1, col("a")), causaloid(2, col("b"))],
        Logic::All,
    )
    .expect("collection");
    let a = [0.1, 0.2, 0.3, 5.0];
    let b = [0.1, 7.0, 0.3, 0.4];
    let err = Member::Collection(Arc::new(coll))
        .evaluate_batch(
            &BatchInput {
                columns: vec![&a, &b],
                len: 4,
                value: None,
                host: None,
            },
            false,
        )
        .err();
    assert!(
        matches!(
            err,
            Some(CausalError::InvalidVerdict {
                id: NodeId::Int(2),
                row: Some(1),
                ..
            })
        ),
        "{err:?}"
    );
}
