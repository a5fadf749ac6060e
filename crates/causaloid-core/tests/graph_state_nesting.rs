//! A stateful graph carries its state as a state machine's state, and is
//! refused (at build) where its state would be ill-defined: nested in a
//! graph or a collection.

mod common;
use causaloid_core::csm::{Action, State, StateMachine};
use causaloid_core::expr::BinaryOp;
use causaloid_core::*;
use common::*;

fn id(i: i64) -> NodeId {
    NodeId::Int(i)
}

/// level' = level / 2 + inflow; "full" when level > 3.
fn tank() -> CausalGraph {
    let mut g = CausalGraph::new("tank", "");
    let level = col("state:level")
        .binary(BinaryOp::Mul, lit(0.5))
        .binary(BinaryOp::Add, col("inflow"));
    g.add(causaloid(1, level)).unwrap();
    g.add(causaloid(2, gt(Expr::value(), lit(3.0)))).unwrap();
    g.link(&id(1), &id(2)).unwrap();
    g.add_state("level", 0.0).unwrap();
    g.write_state("level", &id(1)).unwrap();
    g.freeze().unwrap();
    g
}

#[test]
fn a_state_machine_carries_a_stateful_graphs_state_between_observations() {
    let state = State::new("full", "the tank is full", Member::graph(tank()).unwrap());
    let mut m = StateMachine::new(vec![(state, Action::record("drain"))], None, None).unwrap();
    assert_eq!(m.inputs(), ["inflow".to_string()]);
    // Levels 1, 2.5, 4.25, 3.125 + 0: full on rows 2 and 3 only.
    let inflow = [1.0, 2.0, 3.0, 1.0];
    let d = m.decide_batch(&[&inflow], inflow.len(), None).unwrap();
    let rows: Vec<u64> = d.firings.iter().map(|f| f.0.event - d.event).collect();
    assert_eq!(rows, vec![2, 3]);
    // The state carries on into the next call: 3.125 / 2 + 0 = 1.56 (not full).
    let d = m.decide_batch(&[&[0.0, 9.0]], 2, None).unwrap();
    let rows: Vec<u64> = d.firings.iter().map(|f| f.0.event - d.event).collect();
    assert_eq!(rows, vec![1]);
}

#[test]
fn a_stateful_graph_nested_in_a_graph_or_a_collection_is_refused_at_build() {
    let nested = Member::graph(tank()).unwrap();
    let mut outer = CausalGraph::new("outer", "");
    let err = outer.add(nested.clone()).unwrap_err();
    assert!(matches!(err, CausalError::State { ref name, .. } if name == "level"));
    assert!(err.to_string().contains("cannot be nested"), "{err}");
    let err = Collection::new("c", "", vec![nested], Logic::All)
        .err()
        .unwrap();
    assert!(matches!(err, CausalError::State { .. }), "{err}");
}
