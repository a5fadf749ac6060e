//! A tagged ethos with relations and costs vets a state machine's actions,
//! under either calculus, and its verdicts travel in the firing's binary form.

mod common;

use causaloid_core::csm::{Action, Firing, Outcome, State, StateMachine};
use causaloid_core::ethos::{Calculus, Ethos, Modality, Norm, Rule, ANY_ACTION};
use causaloid_core::*;
use common::*;
use std::sync::Arc;

fn state(id: &str, expr: Expr) -> State {
    State::new(
        id,
        id,
        Member::Causaloid(Arc::new(
            Causaloid::from_expr(id, id, expr).expect("a valid expression"),
        )),
    )
}

fn machine(calculus: Calculus) -> StateMachine {
    let mut ethos = Ethos::with_norms([
        Norm::new("crowd", ANY_ACTION, Modality::Impermissible)
            .when(gt(col("people"), lit(10.0)))
            .priority(5)
            .tags(["people"]),
        Norm::new("drill", "evacuate", Modality::Optional)
            .when(gt(col("drill"), lit(0.0)))
            .cost(1.5)
            .defeats([NodeId::from("crowd")]),
        Norm::new("duty", "vent", Modality::Obligatory).priority(9),
        Norm::new("quiet", "vent", Modality::Impermissible).priority(1),
    ])
    .unwrap();
    ethos.set_calculus(calculus);
    ethos
        .set_action_tags("evacuate", vec!["people".into()])
        .unwrap();
    StateMachine::new(
        vec![
            (
                state("fire", gt(col("smoke"), lit(0.5))),
                Action::record("evacuate"),
            ),
            (
                state("warm", gt(col("heat"), lit(30.0))),
                Action::record("vent"),
            ),
        ],
        Some(ethos),
        None,
    )
    .unwrap()
}

fn row(m: &StateMachine, values: &[(&str, f64)]) -> Vec<f64> {
    m.inputs()
        .iter()
        .map(|c| values.iter().find(|(n, _)| n == c).map_or(0.0, |(_, v)| *v))
        .collect()
}

#[test]
fn tags_defeats_and_costs_vet_the_machine_and_survive_the_binary_form() {
    let mut m = machine(Calculus::Priority);
    let crowd = row(&m, &[("smoke", 0.9), ("heat", 40.0), ("people", 20.0)]);
    let fired = m.step(&crowd, None).unwrap();
    let outcome = |f: &[Arc<Firing>], s: &str| {
        f.iter()
            .find(|x| x.state == NodeId::from(s))
            .map(|x| x.outcome.clone())
    };
    assert_eq!(outcome(&fired, "fire"), Some(Outcome::Refused));
    // The vent is not tagged "people": the crowd norm does not vet it.
    assert_eq!(outcome(&fired, "warm"), Some(Outcome::Recorded));
    let drill = row(
        &m,
        &[
            ("smoke", 0.9),
            ("heat", 0.0),
            ("people", 20.0),
            ("drill", 1.0),
        ],
    );
    let fired = m.step(&drill, None).unwrap();
    assert_eq!(fired[0].outcome, Outcome::Recorded);
    let v = fired[0].vetting.as_ref().unwrap();
    assert_eq!((v.modality, v.cost), (Modality::Optional, 1.5));
    assert_eq!(v.defeated[0].rule, Rule::Explicit);
    let back = Firing::from_bytes(&fired[0].to_bytes()).unwrap();
    assert_eq!(back.vetting, fired[0].vetting);
}

#[test]
fn the_deepcausality_calculus_refuses_what_the_priority_calculus_allows() {
    let warm = |m: &StateMachine| row(m, &[("heat", 40.0)]);
    let mut ours = machine(Calculus::Priority);
    let w = warm(&ours);
    assert_eq!(ours.step(&w, None).unwrap()[0].outcome, Outcome::Recorded);
    let mut theirs = machine(Calculus::DeepCausality);
    let w = warm(&theirs);
    let fired = theirs.step(&w, None).unwrap();
    assert_eq!(fired[0].outcome, Outcome::Refused);
    let v = fired[0].vetting.as_ref().unwrap();
    assert_eq!(v.decided_by, Some(NodeId::from("quiet")));
    assert_eq!(v.defeated[0].rule, Rule::ModalPrecedence);
    // There the drill (priority 0) does not outrank the crowd norm (priority 5).
    let drill = row(&theirs, &[("smoke", 0.9), ("people", 20.0), ("drill", 1.0)]);
    assert_eq!(
        theirs.step(&drill, None).unwrap()[0].outcome,
        Outcome::Refused
    );
}
