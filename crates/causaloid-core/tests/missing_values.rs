//! Missing values: one policy for single rows and batches (see graph/missing.rs).

mod common;
use causaloid_core::expr::{BinaryOp, UnaryOp};
use causaloid_core::graph::{Collection, Logic, Missing, SampledMode};
use causaloid_core::*;
use common::*;
use proptest::prelude::*;
use std::sync::Arc;

fn or(a: Expr, b: Expr) -> Expr {
    a.binary(BinaryOp::Or, b)
}

/// smoke > 0.5 -> alarm, temp > 50 -> alarm; alarm = the join of its parents.
fn alarm() -> Arc<CausalGraph> {
    graph(
        vec![
            causaloid(0, gt(col("smoke"), lit(0.5))),
            causaloid(1, gt(col("temp"), lit(50.0))),
            causaloid(2, Expr::Value),
        ],
        &[(0, 2), (1, 2)],
    )
}

fn input(row: &[f64]) -> Input<'_> {
    Input {
        value: None,
        row,
        host: None,
    }
}

fn row(g: &CausalGraph, smoke: f64, temp: f64) -> Vec<f64> {
    g.columns()
        .iter()
        .map(|c| if c == "smoke" { smoke } else { temp })
        .collect()
}

#[test]
fn a_missing_input_raises_naming_the_column_and_the_reader() {
    let g = alarm();
    let e = g
        .evaluate(&input(&row(&g, f64::NAN, 20.0)))
        .expect("the evaluation carries the error");
    let err = e
        .error()
        .cloned()
        .expect("a missing smoke reading is not 'no fire'");
    match &err {
        CausalError::MissingInput { column, row, id } => {
            assert_eq!(column, "smoke");
            assert_eq!(*row, None);
            assert_eq!(*id, NodeId::Int(0));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.kind(), "MissingValueError");
    assert!(err.to_string().contains("missing="));
}

#[test]
fn false_and_true_decide_the_reading_node() {
    let g = alarm();
    let r = row(&g, f64::NAN, 20.0);
    let f = g
        .evaluate_with(&SampledMode::Roots, &input(&r), Missing::False)
        .expect("decided");
    assert_eq!(f.result().ok(), Some(Value::Bool(false)));
    let t = g
        .evaluate_with(&SampledMode::Roots, &input(&r), Missing::True)
        .expect("decided");
    assert_eq!(t.result().ok(), Some(Value::Bool(true)));
    assert!(t.missing_inputs()[0].contains("smoke"));
}

#[test]
fn propagate_is_unknown_unless_the_known_inputs_decide() {
    let g = alarm();
    let cold = g
        .evaluate_with(
            &SampledMode::Roots,
            &input(&row(&g, f64::NAN, 20.0)),
            Missing::Propagate,
        )
        .expect("evaluated");
    assert!(cold.is_unknown());
    let text = cold.lines().join("\n");
    assert!(text.contains("unknown"), "{text}");
    assert!(text.contains("smoke"), "{text}");
    // true OR unknown = true
    let hot = g
        .evaluate_with(
            &SampledMode::Roots,
            &input(&row(&g, f64::NAN, 90.0)),
            Missing::Propagate,
        )
        .expect("evaluated");
    assert!(!hot.is_unknown());
    assert_eq!(hot.result().ok(), Some(Value::Bool(true)));
}

#[test]
fn a_column_outside_the_evaluated_part_may_be_missing() {
    let g = alarm();
    // From node 1: node 0 (which reads smoke) is not evaluated.
    let e = g
        .evaluate_from(&NodeId::Int(1), &input(&row(&g, f64::NAN, 90.0)))
        .expect("smoke is not read");
    assert_eq!(e.result().ok(), Some(Value::Bool(true)));
}

#[test]
fn a_node_testing_is_nan_handles_missing_values_itself() {
    let c = causaloid(0, col("a").unary(UnaryOp::IsNan));
    let e = c.evaluate(&input(&[f64::NAN]));
    assert_eq!(e.result().ok(), Some(Value::Bool(true)));
}

#[test]
fn collections_any_and_all_follow_kleene() {
    let members = vec![
        causaloid(0, gt(col("a"), lit(0.0))),
        causaloid(1, gt(col("b"), lit(0.0))),
    ];
    let any = Member::Collection(Arc::new(
        Collection::new("any", "", members.clone(), Logic::Any).expect("valid"),
    ));
    let all = Member::Collection(Arc::new(
        Collection::new("all", "", members, Logic::All).expect("valid"),
    ));
    // a missing, b true: any = true, all = unknown.
    let r = [f64::NAN, 1.0];
    let e = any.evaluate_with(&input(&r), Missing::Propagate);
    assert_eq!(
        (e.is_unknown(), e.result().ok()),
        (false, Some(Value::Bool(true)))
    );
    assert!(all
        .evaluate_with(&input(&r), Missing::Propagate)
        .is_unknown());
    // a missing, b false: all = false.
    let r = [f64::NAN, -1.0];
    let e = all.evaluate_with(&input(&r), Missing::Propagate);
    assert_eq!(
        (e.is_unknown(), e.result().ok()),
        (false, Some(Value::Bool(false)))
    );
    // the default raises, even though `any` could skip the member.
    let e = any.evaluate(&input(&[f64::NAN, 1.0]));
    assert!(matches!(e.error(), Some(CausalError::MissingInput { .. })));
}

#[test]
fn a_host_function_returning_nan_follows_the_same_policy() {
    let g = graph(
        vec![
            callable(0, |_| Ok(Output::Value(Value::Num(f64::NAN)))),
            causaloid(1, Expr::Value),
        ],
        &[(0, 1)],
    );
    let e = g.evaluate(&input(&[])).expect("evaluated");
    assert!(
        matches!(e.error(), Some(CausalError::MissingOutput { .. })),
        "{:?}",
        e.error()
    );
    let t = g
        .evaluate_with(&SampledMode::Roots, &input(&[]), Missing::True)
        .expect("decided");
    assert_eq!(t.result().ok(), Some(Value::Bool(true)));
    let u = g
        .evaluate_with(&SampledMode::Roots, &input(&[]), Missing::Propagate)
        .expect("decided");
    assert!(u.is_unknown());
}

fn batch(cols: &[Vec<f64>]) -> BatchInput<'_> {
    BatchInput {
        columns: cols.iter().map(Vec::as_slice).collect(),
        len: cols.first().map_or(0, Vec::len),
        value: None,
        host: None,
    }
}

#[test]
fn batches_raise_at_the_first_missing_row_on_both_paths() {
    let g = alarm();
    let m = Member::Graph(g.clone());
    let n = 5000;
    let mut cols: Vec<Vec<f64>> = g.columns().iter().map(|_| vec![1.0; n]).collect();
    let temp = g.columns().iter().position(|c| c == "temp").expect("temp");
    cols[temp][4100] = f64::NAN;
    cols[temp][4500] = f64::NAN;
    for activations in [false, true] {
        match m.evaluate_batch(&batch(&cols), activations) {
            Err(CausalError::MissingInput { column, row, .. }) => {
                assert_eq!((column.as_str(), row), ("temp", Some(4100)));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Row-by-row under a policy: (value, unknown).
fn alone(m: &Member, cols: &[Vec<f64>], i: usize, policy: Missing) -> (f64, bool) {
    let r: Vec<f64> = cols.iter().map(|c| c[i]).collect();
    let e = m.evaluate_with(&input(&r), policy);
    if e.is_unknown() {
        (f64::NAN, true)
    } else {
        (e.result().expect("evaluated").num(), false)
    }
}

fn expr_strategy() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (0usize..3, -1.0f64..1.0).prop_map(|(c, t)| gt(col(["a", "b", "c"][c]), lit(t))),
        any::<bool>().prop_map(Expr::lit),
    ];
    leaf.prop_recursive(3, 10, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| and(a, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| or(a, b)),
            inner.prop_map(not),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn batch_rows_equal_single_rows_under_every_policy(
        exprs in proptest::collection::vec(expr_strategy(), 1..5),
        seed in any::<u64>(),
        rows in 1usize..300,
    ) {
        let nodes = exprs.into_iter().enumerate().map(|(i, e)| causaloid(i as i64, e)).collect();
        let edges: Vec<(i64, i64)> = Vec::new();
        let g = graph(nodes, &edges);
        prop_assume!(!g.columns().is_empty());
        let m = Member::Graph(g.clone());
        let mut s = seed | 1;
        let cols: Vec<Vec<f64>> = g.columns().iter().map(|_| (0..rows).map(|_| {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            if s % 7 == 0 { f64::NAN } else { (s % 2000) as f64 / 1000.0 - 1.0 }
        }).collect()).collect();
        for policy in [Missing::False, Missing::True, Missing::Propagate] {
            let out = m.evaluate_batch_with(&batch(&cols), false, policy).expect("decided");
            for i in 0..rows {
                let (v, unknown) = alone(&m, &cols, i, policy);
                let bu = out.unknown.get(i).copied().unwrap_or(false);
                prop_assert_eq!(bu, unknown, "row {} {:?}", i, policy);
                if !unknown {
                    prop_assert_eq!(out.verdicts[i], v, "row {} {:?}", i, policy);
                }
            }
        }
        let any_missing = cols.iter().any(|c| c.iter().any(|x| x.is_nan()));
        let raised = m.evaluate_batch(&batch(&cols), false);
        prop_assert_eq!(raised.is_err(), any_missing && !g.columns().is_empty());
    }
}

/// A host function after two expression nodes: it returns NaN when its
/// incoming value is a number above `nan_above`, else whether it is positive.
fn with_host_function(ta: f64, tb: f64, nan_above: f64) -> Arc<CausalGraph> {
    graph(
        vec![
            causaloid(0, gt(col("a"), lit(ta))),
            causaloid(1, gt(col("b"), lit(tb))),
            callable(2, move |v| {
                let x = v.map_or(0.0, Value::num);
                Ok(Output::Value(if x > nan_above {
                    Value::Num(f64::NAN)
                } else {
                    Value::Bool(x > 0.0)
                }))
            }),
            causaloid(3, or(Expr::Value, gt(col("b"), lit(0.9)))),
        ],
        &[(0, 2), (1, 2), (2, 3)],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn batches_with_host_functions_equal_single_rows_under_every_policy(
        ta in -1.0f64..1.0,
        tb in -1.0f64..1.0,
        nan_above in prop_oneof![Just(0.5f64), Just(2.0)],
        seed in any::<u64>(),
        rows in 1usize..120,
    ) {
        let g = with_host_function(ta, tb, nan_above);
        let m = Member::Graph(g.clone());
        let mut s = seed | 1;
        let cols: Vec<Vec<f64>> = g.columns().iter().map(|_| (0..rows).map(|_| {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            if s % 6 == 0 { f64::NAN } else { (s % 2000) as f64 / 1000.0 - 1.0 }
        }).collect()).collect();
        for policy in [Missing::False, Missing::True, Missing::Propagate] {
            for activations in [false, true] {
                let out = m.evaluate_batch_with(&batch(&cols), activations, policy).expect("decided");
                for i in 0..rows {
                    let (v, unknown) = alone(&m, &cols, i, policy);
                    let bu = out.unknown.get(i).copied().unwrap_or(false);
                    prop_assert_eq!(bu, unknown, "row {} {:?}", i, policy);
                    if !unknown {
                        prop_assert_eq!(out.verdicts[i], v, "row {} {:?}", i, policy);
                    }
                }
            }
        }
    }
}

#[test]
fn a_host_function_returning_nan_in_a_batch_propagates_unknown_rows_only() {
    // The join of both parents is a bool, so the callable sees 0/1: NaN above 0.5
    // means "NaN whenever the parents are active".
    let g = with_host_function(0.0, 0.0, 0.5);
    let m = Member::Graph(g.clone());
    let a = g.columns().iter().position(|c| c == "a").expect("a");
    let mut cols: Vec<Vec<f64>> = g.columns().iter().map(|_| vec![-0.5; 4]).collect();
    cols[a] = vec![-0.5, 0.5, -0.5, 0.5];
    let out = m
        .evaluate_batch_with(&batch(&cols), false, Missing::Propagate)
        .expect("propagate decides the rest");
    assert_eq!(out.unknown, vec![false, true, false, true]);
    assert_eq!(out.verdicts[0], 0.0);
    assert!(matches!(
        m.evaluate_batch_with(&batch(&cols), false, Missing::Raise),
        Err(CausalError::MissingOutput { row: Some(1), .. })
    ));
}
