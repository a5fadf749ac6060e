//! Edge transforms, graph state threaded through a sequence, node edits.

mod common;
use causaloid_core::expr::BinaryOp;
use causaloid_core::graph::BatchInput;
use causaloid_core::*;
use common::*;
use std::sync::Arc;

fn mul(a: Expr, b: Expr) -> Expr {
    a.binary(BinaryOp::Mul, b)
}

fn add(a: Expr, b: Expr) -> Expr {
    a.binary(BinaryOp::Add, b)
}

fn id(i: i64) -> NodeId {
    NodeId::Int(i)
}

/// 1 reads x; 2 reads its parent's value (times 2 on the edge); 3 reads node(1).
fn transformed() -> CausalGraph {
    let mut g = CausalGraph::new("g", "");
    g.add(causaloid(1, col("x"))).unwrap();
    g.add(causaloid(2, gt(Expr::value(), lit(5.0)))).unwrap();
    g.add(causaloid(3, gt(Expr::node(1), lit(5.0)))).unwrap();
    g.link_with(&id(1), &id(2), Some(mul(Expr::value(), lit(2.0))))
        .unwrap();
    g.link_with(&id(1), &id(3), Some(add(Expr::value(), lit(3.0))))
        .unwrap();
    g.freeze().unwrap();
    g
}

#[test]
fn an_edge_transform_changes_what_the_child_joins_and_reads() {
    let g = Arc::new(transformed());
    // x = 3: node 2 sees 6 > 5, node 3 reads 1's value through its edge: 6 > 5.
    let e = g
        .evaluate(&Input {
            value: None,
            row: &[3.0],
            host: None,
        })
        .unwrap();
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(true)));
    // x = 2: 4 > 5 is false, 5 > 5 is false.
    let e = g
        .evaluate(&Input {
            value: None,
            row: &[2.0],
            host: None,
        })
        .unwrap();
    assert_eq!(e.verdict().ok(), Some(Verdict::Bool(false)));
    let text = e.lines().join("\n");
    assert!(text.contains("1 -> 2"), "{text}");
}

#[test]
fn transform_nodes_stay_hidden_from_the_declared_structure() {
    let mut g = transformed();
    assert_eq!(g.declared_nodes().len(), 3);
    assert_eq!(g.edges(), vec![(id(1), id(2)), (id(1), id(3))]);
    assert_eq!(g.children_of(&id(1)).unwrap(), vec![id(2), id(3)]);
    g.unfreeze();
    assert_eq!(g.len(), 3);
    assert_eq!(g.transforms().len(), 2);
    g.freeze().unwrap();
    assert_eq!(g.len(), 5);
}

#[test]
fn batch_with_transforms_equals_rows() {
    let g = Arc::new(transformed());
    let xs = [0.0, 1.0, 2.0, 2.6, 3.0, 9.0];
    let m = Member::Graph(Arc::clone(&g));
    let out = m
        .evaluate_batch(
            &BatchInput {
                columns: vec![&xs],
                len: xs.len(),
                value: None,
                host: None,
            },
            false,
        )
        .unwrap();
    for (r, x) in xs.iter().enumerate() {
        let e = g
            .evaluate(&Input {
                value: None,
                row: &[*x],
                host: None,
            })
            .unwrap();
        assert_eq!(
            e.result().ok().map(|v| v.num()),
            Some(out.verdicts[r]),
            "{:?}",
            e.error()
        );
    }
}

#[test]
fn json_keeps_edge_transforms() {
    let g = transformed();
    let text = g.to_json().unwrap();
    assert!(text.contains("transforms"));
    let back = CausalGraph::from_json(&text).unwrap();
    assert_eq!(back.to_json().unwrap(), text);
    assert_eq!(back.transforms(), g.transforms());
}

#[test]
fn a_transform_reading_another_node_is_refused() {
    let mut g = CausalGraph::new("g", "");
    g.add(causaloid(1, col("x"))).unwrap();
    g.add(causaloid(2, Expr::value())).unwrap();
    let err = g
        .link_with(&id(1), &id(2), Some(Expr::node(1)))
        .unwrap_err();
    assert!(matches!(err, CausalError::EdgeTransform { .. }), "{err}");
    assert!(g.edges().is_empty());
}

#[test]
fn a_node_named_like_a_transform_is_refused_at_freeze() {
    let mut g = CausalGraph::new("g", "");
    g.add(causaloid(1, col("x"))).unwrap();
    g.add(causaloid(2, Expr::value())).unwrap();
    g.add(Member::Causaloid(Arc::new(
        Causaloid::from_expr("1 -> 2", "", col("y")).unwrap(),
    )))
    .unwrap();
    g.link_with(&id(1), &id(2), Some(Expr::value())).unwrap();
    let err = g.freeze().unwrap_err();
    assert!(matches!(err, CausalError::EdgeTransform { .. }), "{err}");
    assert!(!g.is_frozen());
    assert_eq!(g.len(), 3);
}

/// A counter: `count` = previous count + x; the graph decides count > 2.
fn counter() -> CausalGraph {
    let mut g = CausalGraph::new("c", "counter");
    g.add(causaloid(1, add(col("state:count"), col("x"))))
        .unwrap();
    g.add(causaloid(2, gt(Expr::value(), lit(2.0)))).unwrap();
    g.link(&id(1), &id(2)).unwrap();
    g.add_state("count", 0.0).unwrap();
    g.write_state("count", &id(1)).unwrap();
    g.freeze().unwrap();
    g
}

#[test]
fn state_is_carried_from_row_to_row() {
    let g = Arc::new(counter());
    assert_eq!(g.sequence_columns(), vec!["x".to_owned()]);
    let xs = [1.0, 1.0, 1.0, 0.5];
    let out = g
        .evaluate_sequence(
            &BatchInput {
                columns: vec![&xs],
                len: 4,
                value: None,
                host: None,
            },
            None,
            &[],
        )
        .unwrap();
    assert_eq!(out.states[0], vec![1.0, 2.0, 3.0, 3.5]);
    assert_eq!(out.values, vec![0.0, 0.0, 1.0, 1.0]);
    assert_eq!(out.final_state, vec![3.5]);
    // Starting from a given state.
    let out = g
        .evaluate_sequence(
            &BatchInput {
                columns: vec![&xs[..1]],
                len: 1,
                value: None,
                host: None,
            },
            Some(&[10.0]),
            &[],
        )
        .unwrap();
    assert_eq!(out.final_state, vec![11.0]);
}

#[test]
fn two_writers_of_one_state_are_refused_at_freeze() {
    let mut g = counter();
    g.unfreeze();
    g.write_state("count", &id(2)).unwrap();
    let err = g.freeze().unwrap_err();
    assert!(
        matches!(&err, CausalError::State { name, message } if name == "count" && message.contains("2 writers")),
        "{err}"
    );
}

#[test]
fn reading_an_undeclared_state_is_refused_at_freeze() {
    let mut g = CausalGraph::new("c", "");
    g.add(causaloid(1, col("state:nope"))).unwrap();
    let err = g.freeze().unwrap_err();
    assert!(matches!(err, CausalError::State { .. }), "{err}");
}

#[test]
fn json_keeps_states_and_writers() {
    let g = counter();
    let text = g.to_json().unwrap();
    let back = CausalGraph::from_json(&text).unwrap();
    assert_eq!(back.states(), g.states());
    assert_eq!(back.writers(), g.writers());
}

#[test]
fn removing_a_node_drops_its_edges_and_reindexes() {
    let mut g = CausalGraph::new("g", "");
    for i in 1..=3 {
        g.add(causaloid(i, col("x"))).unwrap();
    }
    g.link(&id(1), &id(2)).unwrap();
    g.link(&id(2), &id(3)).unwrap();
    g.link(&id(1), &id(3)).unwrap();
    g.remove(&id(2)).unwrap();
    assert_eq!(g.edges(), vec![(id(1), id(3))]);
    assert_eq!(g.parents_of(&id(3)).unwrap(), vec![id(1)]);
    assert!(matches!(
        g.remove(&id(2)),
        Err(CausalError::UnknownNode { .. })
    ));
    g.replace(&id(3), causaloid(3, col("y"))).unwrap();
    g.freeze().unwrap();
    assert_eq!(g.columns(), ["x".to_owned(), "y".to_owned()]);
}
