//! Operation programs: atomic application, logs, replay, diff, JSON.

mod common;
use causaloid_core::context::{
    Context, Contextoid, ContextoidKind, Operation as CtxOp, SharedContext,
};
use causaloid_core::expr::{BinaryOp, Contexts};
use causaloid_core::model_ops::*;
use causaloid_core::*;
use common::*;
use std::sync::Arc;

fn id(i: i64) -> NodeId {
    NodeId::Int(i)
}

fn base() -> ModelCore {
    let mut g = CausalGraph::new("g", "");
    g.add(causaloid(1, gt(col("x"), lit(0.5)))).unwrap();
    g.add(causaloid(2, Expr::value())).unwrap();
    g.link(&id(1), &id(2)).unwrap();
    g.freeze().unwrap();
    let mut contexts = Contexts::new();
    let mut c = Context::new(0, "limits");
    c.add(Contextoid {
        id: id(1),
        kind: ContextoidKind::Data,
        fields: vec![("value".into(), 30.0)],
    })
    .unwrap();
    contexts.insert("limits".into(), Arc::new(SharedContext::new(c)));
    ModelCore {
        root: Member::graph(g).unwrap(),
        contexts,
        ethos: None,
    }
}

fn json(m: &ModelCore) -> String {
    let ctx: Vec<String> = m
        .contexts
        .values()
        .map(|c| c.snapshot().to_json().unwrap())
        .collect();
    format!("{}|{}", m.root.to_json().unwrap(), ctx.join("|"))
}

fn program() -> Vec<Operation> {
    vec![
        Operation::AddCausaloid {
            node: causaloid(3, gt(col("y"), lit(1.0))),
            parents: vec![],
            children: vec![id(2)],
        },
        Operation::SetTransform {
            from: id(1),
            to: id(2),
            transform: Some(Expr::value().binary(BinaryOp::Mul, lit(1.0))),
        },
        Operation::UpdateContext {
            name: "limits".into(),
            ops: vec![CtxOp::SetField {
                id: id(1),
                field: "value".into(),
                value: 35.0,
            }],
        },
    ]
}

#[test]
fn a_program_changes_a_copy_and_logs_each_operation() {
    let m = base();
    let before = json(&m);
    let (changed, log) = m.apply(&program()).unwrap();
    assert_eq!(json(&m), before, "the model given is unchanged");
    assert_eq!(log.entries.len(), 3);
    let text = log.explain().join("\n");
    assert!(text.contains("added causaloid 3"), "{text}");
    assert!(text.contains("set value of contextoid 1 to 35"), "{text}");
    let Member::Graph(g) = &changed.root else {
        panic!("a graph")
    };
    assert_eq!(g.declared_nodes().len(), 3);
}

#[test]
fn a_failing_operation_names_its_index_and_changes_nothing() {
    let m = base();
    let before = json(&m);
    let mut ops = program();
    ops.push(Operation::RemoveCausaloid { id: id(99) });
    match m.apply(&ops) {
        Err(CausalError::ModelOperation { index, op, source }) => {
            assert_eq!(index, 3);
            assert_eq!(op, "remove_causaloid");
            assert!(matches!(*source, CausalError::UnknownNode { .. }));
        }
        other => panic!("expected a ModelOperation error, got {:?}", other.err()),
    }
    assert_eq!(json(&m), before);
}

#[test]
fn a_cycle_is_refused_at_the_edge_that_makes_it() {
    let ops = vec![Operation::AddEdge {
        from: id(2),
        to: id(1),
        transform: None,
    }];
    match base().apply(&ops) {
        Err(CausalError::ModelOperation {
            index: 0, source, ..
        }) => {
            assert!(matches!(*source, CausalError::Cycle { .. }))
        }
        other => panic!("expected a cycle, got {:?}", other.err()),
    }
}

#[test]
fn replaying_a_log_gives_an_equal_model() {
    let m = base();
    let (changed, log) = m.apply(&program()).unwrap();
    let (replayed, _) = base().replay(&log).unwrap();
    assert_eq!(json(&replayed), json(&changed));
    let text = log.to_json().unwrap();
    let back = ModificationLog::from_json(&text).unwrap();
    assert_eq!(back.to_json().unwrap(), text);
    let (again, _) = base().replay(&back).unwrap();
    assert_eq!(json(&again), json(&changed));
}

#[test]
fn the_diff_of_two_models_turns_one_into_the_other() {
    let m = base();
    let (changed, _) = m.apply(&program()).unwrap();
    let ops = diff(&m, &changed).unwrap();
    assert!(!ops.is_empty());
    let (rebuilt, _) = m.apply(&ops).unwrap();
    assert_eq!(json(&rebuilt), json(&changed));
    assert!(diff(&changed, &changed).unwrap().is_empty());
    // And back.
    let (undone, _) = changed.apply(&diff(&changed, &m).unwrap()).unwrap();
    assert_eq!(json(&undone), json(&m));
}

#[test]
fn logs_are_compared_operation_by_operation() {
    let (_, a) = base().apply(&program()).unwrap();
    let (_, b) = base().apply(&program()[..2]).unwrap();
    let d = diff_logs(&a, &b);
    assert_eq!(d.common, 2);
    assert_eq!(d.only_left, vec![2]);
    assert!(d.only_right.is_empty());
}

#[test]
fn node_operations_on_a_lone_causaloid_are_refused() {
    let m = ModelCore {
        root: causaloid(1, col("x")),
        contexts: Contexts::new(),
        ethos: None,
    };
    let err = m
        .apply(&[Operation::RemoveCausaloid { id: id(1) }])
        .err()
        .unwrap();
    assert!(matches!(err, CausalError::ModelOperation { index: 0, .. }));
    let (m2, _) = m
        .apply(&[Operation::UpdateCausaloid {
            node: causaloid(1, col("y")),
        }])
        .unwrap();
    assert_eq!(m2.root.columns(), ["y".to_owned()]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn op_strategy() -> impl Strategy<Value = Operation> {
        (0u8..5, 1i64..5, 1i64..5, 0.0f64..1.0).prop_map(|(kind, a, b, k)| match kind {
            0 => Operation::AddCausaloid {
                node: causaloid(a + 10, gt(col("x"), lit(k))),
                parents: vec![],
                children: vec![],
            },
            1 => Operation::UpdateCausaloid {
                node: causaloid(a % 2 + 1, gt(lit(k), col("x"))),
            },
            2 => Operation::RemoveCausaloid { id: id(a + 9) },
            3 => Operation::AddEdge {
                from: id(a % 2 + 1),
                to: id(b + 9),
                transform: (k > 0.5).then(|| Expr::value().binary(BinaryOp::Mul, lit(k))),
            },
            _ => Operation::RemoveEdge {
                from: id(1),
                to: id(b % 2 + 1),
            },
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Applying a program either fails at one operation leaving the model
        /// as it was, or gives a model that its log replays to and that the
        /// diff from the start rebuilds.
        #[test]
        fn replay_and_diff_rebuild_the_applied_model(
            ops in proptest::collection::vec(op_strategy(), 0..10)
        ) {
            let m = base();
            let before = json(&m);
            match m.apply(&ops) {
                Ok((applied, log)) => {
                    prop_assert_eq!(log.entries.len(), ops.len());
                    let (replayed, _) = m.replay(&log).unwrap();
                    prop_assert_eq!(json(&replayed), json(&applied));
                    let (rebuilt, _) = m.apply(&diff(&m, &applied).unwrap()).unwrap();
                    prop_assert_eq!(json(&rebuilt), json(&applied));
                }
                Err(CausalError::ModelOperation { index, .. }) => {
                    prop_assert!(index < ops.len());
                }
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
            prop_assert_eq!(json(&m), before);
        }
    }
}
