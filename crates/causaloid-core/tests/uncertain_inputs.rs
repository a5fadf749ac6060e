//! Uncertain inputs go through the same compiled programs as batches: point
//! masses give exactly the certain result, bools are decided by the SPRT,
//! the same seed decides the same way every time.

mod common;

use causaloid_core::expr::BinaryOp;
use causaloid_core::graph::{Sampled, SampledInput, SampledMode};
use causaloid_core::uncertain::Uncertain;
use causaloid_core::*;
use common::*;
use proptest::prelude::*;
use std::sync::Arc;

fn road() -> Arc<CausalGraph> {
    graph(
        vec![
            causaloid(1, gt(col("speed"), lit(60.0))),
            causaloid(2, gt(col("rain"), lit(0.5))),
            causaloid(3, Expr::value()),
        ],
        &[(1, 3), (2, 3)],
    )
}

fn sampled(row: Vec<Sampled>, seed: u64) -> SampledInput<'static> {
    SampledInput {
        value: None,
        row,
        host: None,
        seed,
        samples: 10_000,
    }
}

#[test]
fn an_uncertain_speed_is_decided_and_explained() {
    let g = road();
    let speed = Uncertain::normal(70.0, 4.0).expect("normal");
    let input = sampled(
        vec![Sampled::Uncertain(speed), Sampled::Certain(Value::Num(0.2))],
        0,
    );
    let e = g
        .evaluate_sampled(&input, &SampledMode::Roots)
        .expect("runs");
    assert_eq!(e.result().ok(), Some(Value::Bool(true)));
    assert_eq!(e.decisions().len(), 1);
    let text = e.lines().join("\n");
    assert!(text.contains("speed ~ normal"), "{text}");
    assert!(text.contains("1: P(true) > 0.5 ? yes"), "{text}");
    // The same seed decides the same way, with the same number of samples.
    let again = g
        .evaluate_sampled(&input, &SampledMode::Roots)
        .expect("runs");
    assert_eq!(again.decisions()[0].1, e.decisions()[0].1);
}

#[test]
fn numbers_on_uncertain_inputs_end_as_their_mean() {
    let c = causaloid(1, col("x").binary(BinaryOp::Mul, lit(2.0)));
    let x = Uncertain::uniform(0.0, 1.0).expect("uniform");
    let e = c
        .evaluate_sampled(
            &sampled(vec![Sampled::Uncertain(x)], 3),
            &SampledMode::Roots,
        )
        .expect("runs");
    let v = e.result().ok().map(Value::num).unwrap_or(f64::NAN);
    assert!((v - 1.0).abs() < 0.05, "{v}");
}

#[test]
fn one_uncertain_value_given_twice_is_one_random_variable() {
    // a - b is exactly 0 when both columns hold the same Uncertain, and a
    // value built on it moves with it; an independent copy does not.
    let c = causaloid(1, col("a").binary(BinaryOp::Sub, col("b")));
    let x = Uncertain::normal(0.0, 1.0).expect("normal");
    let run = |a: Uncertain, b: Uncertain| {
        c.evaluate_sampled(
            &sampled(vec![Sampled::Uncertain(a), Sampled::Uncertain(b)], 5),
            &SampledMode::Roots,
        )
        .expect("runs")
        .result()
        .ok()
        .map(Value::num)
        .unwrap_or(f64::NAN)
    };
    assert_eq!(run(x.clone(), x.clone()), 0.0);
    let shifted = x
        .binary(BinaryOp::Add, &Uncertain::point(1.0))
        .expect("add");
    assert_eq!(run(shifted, x.clone()), 1.0);
    let other = Uncertain::normal(0.0, 1.0).expect("normal");
    assert_ne!(run(x, other), 0.0);
}

#[test]
fn node_reads_work_along_a_path_on_uncertain_inputs() {
    // 3 reads node 1 by id; the shortest path 1 -> 3 is the direct edge, so
    // 3 sees node(1) = 3 and value() = 3. A point mass gives exactly that.
    let g = graph(
        vec![
            causaloid(1, col("dose").binary(BinaryOp::Mul, lit(2.0))),
            causaloid(2, Expr::value().binary(BinaryOp::Add, lit(1.0))),
            causaloid(3, Expr::node(1).binary(BinaryOp::Add, Expr::value())),
        ],
        &[(1, 2), (2, 3), (1, 3)],
    );
    let (a, b) = (NodeId::Int(1), NodeId::Int(3));
    let certain = g
        .evaluate_path(
            &a,
            &b,
            &Input {
                value: None,
                row: &[1.5],
                host: None,
            },
        )
        .expect("frozen")
        .result()
        .ok();
    let point = g
        .evaluate_sampled(
            &sampled(vec![Sampled::Uncertain(Uncertain::point(1.5))], 1),
            &SampledMode::Path(a.clone(), b.clone()),
        )
        .expect("runs")
        .result()
        .ok();
    assert_eq!(certain, Some(Value::Num(6.0)));
    assert_eq!(point, certain);
    // From node 2, node 1 is outside the evaluated part: a precise error.
    let mut from_two = sampled(vec![Sampled::Uncertain(Uncertain::point(1.5))], 1);
    from_two.value = Some(Sampled::Certain(Value::Num(1.0)));
    let err = g.evaluate_sampled(&from_two, &SampledMode::Path(NodeId::Int(2), b));
    assert!(
        matches!(err, Err(CausalError::NodeRead { .. })),
        "{:?}",
        err.map(|e| e.result().ok())
    );
}

proptest! {
    #[test]
    fn a_point_mass_gives_exactly_the_certain_result(speed in -100.0f64..200.0, rain in -1.0f64..2.0) {
        let g = road();
        let certain = g
            .evaluate(&Input { value: None, row: &[speed, rain], host: None })
            .expect("frozen");
        let point = g
            .evaluate_sampled(
                &sampled(vec![Sampled::Uncertain(Uncertain::point(speed)), Sampled::Certain(Value::Num(rain))], 1),
                &SampledMode::Roots,
            )
            .expect("runs");
        prop_assert_eq!(certain.result().ok(), point.result().ok());
        prop_assert!(point.decisions().is_empty());
        let from = g
            .evaluate_sampled(
                &sampled(vec![Sampled::Uncertain(Uncertain::point(speed)), Sampled::Certain(Value::Num(rain))], 1),
                &SampledMode::From(NodeId::Int(1)),
            )
            .expect("runs");
        let certain_from = g
            .evaluate_from(&NodeId::Int(1), &Input { value: None, row: &[speed, rain], host: None })
            .expect("frozen");
        prop_assert_eq!(certain_from.result().ok(), from.result().ok());
    }
}

/// The road graph's row (columns in its order) from speed and rain cells.
fn road_row(g: &CausalGraph, speed: Sampled, rain: Sampled) -> Vec<Sampled> {
    g.columns()
        .iter()
        .map(|c| {
            if c == "speed" {
                speed.clone()
            } else {
                rain.clone()
            }
        })
        .collect()
}

#[test]
fn a_missing_certain_cell_on_uncertain_inputs_follows_the_policy() {
    use causaloid_core::graph::Missing;
    let g = road();
    let speed = Sampled::Uncertain(Uncertain::normal(70.0, 4.0).expect("normal"));
    let rain = Sampled::Certain(Value::Num(f64::NAN));
    let input = sampled(road_row(&g, speed, rain), 0);
    match g.evaluate_sampled(&input, &SampledMode::Roots) {
        Err(CausalError::MissingInput { column, .. }) => assert_eq!(column, "rain"),
        other => panic!("unexpected {:?}", other.map(|e| e.result().ok())),
    }
    // Speeding decides the join whatever rain decides: true either way.
    for policy in [Missing::False, Missing::True] {
        let e = g
            .evaluate_sampled_with(&input, &SampledMode::Roots, policy)
            .expect("decided");
        assert_eq!(e.result().ok(), Some(Value::Bool(true)), "{policy:?}");
    }
    match g.evaluate_sampled_with(&input, &SampledMode::Roots, Missing::Propagate) {
        Err(CausalError::InvalidArgument { name, .. }) => assert_eq!(name, "missing"),
        other => panic!("unexpected {:?}", other.map(|e| e.result().ok())),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Point masses give exactly the certain result under every deciding
    /// policy, a missing cell included.
    #[test]
    fn point_masses_with_a_missing_cell_equal_the_certain_evaluation(
        speed in prop_oneof![Just(f64::NAN), 0.0f64..120.0],
        rain in prop_oneof![Just(f64::NAN), 0.0f64..1.0],
        policy in prop_oneof![
            Just(causaloid_core::graph::Missing::False),
            Just(causaloid_core::graph::Missing::True),
        ],
    ) {
        let g = road();
        let cell = |x: f64| Sampled::Uncertain(Uncertain::point(x));
        let input = sampled(road_row(&g, cell(speed), Sampled::Certain(Value::Num(rain))), 5);
        let got = g.evaluate_sampled_with(&input, &SampledMode::Roots, policy).expect("decided");
        let row: Vec<f64> = g
            .columns()
            .iter()
            .map(|c| if c == "speed" { speed } else { rain })
            .collect();
        let plain = Input { value: None, row: &row, host: None };
        let want = g.evaluate_with(&SampledMode::Roots, &plain, policy).expect("decided");
        prop_assert_eq!(got.result().ok(), want.result().ok());
    }
}
