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
