//! Missing values in state machines and ethos norms: the `missing=` policy of
//! graphs (see graph/missing.rs) decides a state's verdict and a norm's
//! predicate, the same way for one observation, a stream and a batch.

mod common;

use causaloid_core::csm::{Action, CsmError, Outcome, State, StateMachine};
use causaloid_core::ethos::{ActionContext, Ethos, EthosError, Modality, Norm};
use causaloid_core::expr::BinaryOp;
use causaloid_core::graph::{Collection, Logic, Missing};
use causaloid_core::*;
use common::*;
use proptest::prelude::*;
use std::sync::Arc;

const POLICIES: [Missing; 4] = [
    Missing::Raise,
    Missing::False,
    Missing::True,
    Missing::Propagate,
];

fn state(id: &str, expr: Expr) -> State {
    State::new(
        id,
        id,
        Member::Causaloid(Arc::new(
            Causaloid::from_expr(id, id, expr).expect("a valid expression"),
        )),
    )
}

/// Three states: a comparison (the tight pass), an `or` of two columns (an
/// expression state), and a collection (a member evaluated by the graph
/// engine).
fn machine() -> StateMachine {
    let any = Collection::new(
        "any",
        "any sensor",
        vec![
            causaloid(10, gt(col("smoke"), lit(0.5))),
            causaloid(11, gt(col("temp"), lit(50.0))),
        ],
        Logic::Any,
    )
    .expect("a valid collection");
    StateMachine::new(
        vec![
            (
                state("smoky", gt(col("smoke"), lit(0.5))),
                Action::record("evacuate"),
            ),
            (
                state(
                    "either",
                    gt(col("smoke"), lit(0.5)).binary(BinaryOp::Or, gt(col("temp"), lit(50.0))),
                ),
                Action::record("alert"),
            ),
            (
                State::new("any", "any", Member::Collection(Arc::new(any))),
                Action::record("log"),
            ),
        ],
        None,
        None,
    )
    .expect("a valid machine")
}

/// What one row decided, per state: Some(fired) or None (unknown), or the
/// error's kind.
fn outcomes(d: &causaloid_core::csm::Decision, m: &StateMachine) -> Vec<String> {
    m.states()
        .map(|(s, _)| {
            if d.firings.iter().any(|(f, _)| f.state == s.id) {
                "fired".to_owned()
            } else if d.unknown.iter().any(|u| u.state == s.id) {
                "unknown".to_owned()
            } else if d.errors.iter().any(|e| e.state.as_ref() == Some(&s.id)) {
                "error".to_owned()
            } else {
                "quiet".to_owned()
            }
        })
        .collect()
}

#[test]
fn a_missing_input_raises_by_default_naming_the_column_and_the_state() {
    let mut m = machine();
    let smoke = m.inputs().iter().position(|c| c == "smoke").unwrap();
    let mut row = vec![0.0; m.inputs().len()];
    row[smoke] = f64::NAN;
    let d = m.decide(&row, None, None).unwrap();
    assert!(d.firings.is_empty());
    assert_eq!(d.errors.len(), 3);
    let e = &d.errors[0];
    assert_eq!(e.state, Some(NodeId::Str("smoky".into())));
    match &e.error {
        CsmError::Evaluation {
            source: CausalError::MissingInput { column, .. },
            ..
        } => assert_eq!(column, "smoke"),
        other => panic!("expected a missing input, got {other:?}"),
    }
}

#[test]
fn false_true_and_propagate_decide_a_state_that_reads_a_missing_input() {
    let m0 = machine();
    let cols: Vec<String> = m0.inputs().to_vec();
    let row: Vec<f64> = cols
        .iter()
        .map(|c| if c == "smoke" { f64::NAN } else { 20.0 })
        .collect();
    let hot: Vec<f64> = cols
        .iter()
        .map(|c| if c == "smoke" { f64::NAN } else { 90.0 })
        .collect();
    let run = |policy: Missing, row: &[f64]| {
        let mut m = machine();
        let d = m.decide_with(row, None, None, policy).unwrap();
        outcomes(&d, &m)
    };
    assert_eq!(run(Missing::False, &row), ["quiet", "quiet", "quiet"]);
    assert_eq!(run(Missing::True, &row), ["fired", "fired", "fired"]);
    assert_eq!(
        run(Missing::Propagate, &row),
        ["unknown", "unknown", "unknown"]
    );
    // Kleene logic: a true operand decides an `or` and an `any`.
    assert_eq!(run(Missing::Propagate, &hot), ["unknown", "fired", "fired"]);
    let mut m = machine();
    let d = m.decide_with(&row, None, None, Missing::Propagate).unwrap();
    assert_eq!(d.unknown[0].missing, ["\"smoke\" read by \"smoky\""]);
    let _ = m.complete(d);
    assert_eq!(m.unknown().len(), 3);
    m.clear_log();
    assert!(m.unknown().is_empty());
}

#[test]
fn one_state_alone_follows_the_policy() {
    let mut m = machine();
    let nan = vec![f64::NAN; m.inputs().len()];
    let id = NodeId::Str("smoky".into());
    assert!(m
        .decide_one(&id, Some(&nan), None, None, None, Missing::Raise)
        .is_err());
    let d = m
        .decide_one(&id, Some(&nan), None, None, None, Missing::True)
        .unwrap();
    assert_eq!(d.firings.len(), 1);
    let d = m
        .decide_one(&id, Some(&nan), None, None, None, Missing::Propagate)
        .unwrap();
    assert!(d.firings.is_empty());
    assert_eq!(d.unknown.len(), 1);
}

fn cell() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => 0.0f64..100.0,
        1 => Just(f64::NAN),
        1 => Just(0.9),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A batch decides exactly what a stream of its rows decides, under
    /// every policy: the same firings, errors and unknown states.
    #[test]
    fn a_batch_equals_its_rows_one_by_one_under_every_policy(
        rows in prop::collection::vec((cell(), cell()), 0..40),
        p in 0usize..4,
    ) {
        let policy = POLICIES[p];
        let mut stream = machine();
        let names = stream.inputs().to_vec();
        let mut expected = Vec::new();
        for &(smoke, temp) in &rows {
            let row: Vec<f64> = names
                .iter()
                .map(|c| if c == "smoke" { smoke } else { temp })
                .collect();
            let d = stream.decide_with(&row, None, None, policy).unwrap();
            expected.push((
                d.firings.iter().map(|(f, _)| (f.event, f.state.clone())).collect::<Vec<_>>(),
                d.errors.iter().map(|e| (e.event, e.state.clone())).collect::<Vec<_>>(),
                d.unknown.clone(),
            ));
        }
        let cols: Vec<Vec<f64>> = names
            .iter()
            .map(|c| rows.iter().map(|r| if c == "smoke" { r.0 } else { r.1 }).collect())
            .collect();
        let slices: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let mut batch = machine();
        let d = batch.decide_batch_with(&slices, rows.len(), None, policy).unwrap();
        let firings: Vec<_> = d.firings.iter().map(|(f, _)| (f.event, f.state.clone())).collect();
        let errors: Vec<_> = d.errors.iter().map(|e| (e.event, e.state.clone())).collect();
        prop_assert_eq!(firings, expected.iter().flat_map(|e| e.0.clone()).collect::<Vec<_>>());
        prop_assert_eq!(errors, expected.iter().flat_map(|e| e.1.clone()).collect::<Vec<_>>());
        prop_assert_eq!(d.unknown, expected.iter().flat_map(|e| e.2.clone()).collect::<Vec<_>>());
    }
}

// ---- ethos --------------------------------------------------------------------------

fn no_spark() -> Ethos {
    Ethos::with_norms([
        Norm::new("gas", "weld", Modality::Impermissible).when(gt(col("gas"), lit(0.1))),
        Norm::new("job", "weld", Modality::Obligatory).priority(-1),
    ])
    .unwrap()
}

fn judge(e: &Ethos, gas: f64, policy: Missing) -> Result<ethos::DeonticVerdict, EthosError> {
    let names = vec!["gas".to_owned()];
    let values = vec![gas];
    e.evaluate_tagged_with(
        "weld",
        &[],
        &ActionContext::new(&names, &values),
        None,
        policy,
    )
}

#[test]
fn a_norm_reading_a_missing_value_raises_by_default() {
    let err = judge(&no_spark(), f64::NAN, Missing::Raise).unwrap_err();
    assert_eq!(err.kind(), "MissingValueError");
    assert!(err.to_string().contains("\"gas\""), "{err}");
}

#[test]
fn an_unknown_prohibition_does_not_silently_permit() {
    let e = no_spark();
    let v = judge(&e, f64::NAN, Missing::False).unwrap();
    assert!(v.permitted());
    assert_eq!(v.missing, ["\"gas\" read by \"gas\""]);
    let v = judge(&e, f64::NAN, Missing::True).unwrap();
    assert!(!v.permitted());
    let v = judge(&e, f64::NAN, Missing::Propagate).unwrap();
    assert!(!v.permitted());
    assert!(v.undecided);
    assert_eq!(v.modality, Modality::Impermissible);
    assert_eq!(v.unknown, [NodeId::Str("gas".into())]);
    assert!(v.justification().contains("refused by caution"), "{v}");
    // A known value decides as before, with nothing unknown.
    let v = judge(&e, 0.0, Missing::Propagate).unwrap();
    assert!(v.permitted() && !v.undecided && v.unknown.is_empty());
}

#[test]
fn an_unknown_norm_that_cannot_change_the_status_leaves_it_decided() {
    // A prohibition of higher priority than the unknown one already forbids.
    let e = Ethos::with_norms([
        Norm::new("gas", "weld", Modality::Impermissible).when(gt(col("gas"), lit(0.1))),
        Norm::new("ban", "weld", Modality::Impermissible).priority(5),
    ])
    .unwrap();
    let v = judge(&e, f64::NAN, Missing::Propagate).unwrap();
    assert!(!v.undecided);
    assert_eq!(v.modality, Modality::Impermissible);
    assert_eq!(v.decided_by, Some(NodeId::Str("ban".into())));
    assert_eq!(v.unknown, [NodeId::Str("gas".into())]);
}

#[test]
fn a_machine_vets_its_firings_under_its_policy() {
    let ethos = Ethos::with_norms([
        Norm::new("two-sensors", "evacuate", Modality::Impermissible)
            .when(col("sensors").binary(BinaryOp::Lt, lit(2.0))),
    ])
    .unwrap();
    let mut m = StateMachine::new(
        vec![(
            state("smoky", gt(col("smoke"), lit(0.5))),
            Action::record("evacuate"),
        )],
        Some(ethos),
        None,
    )
    .unwrap();
    // Default: the ethos's missing value is the firing's error.
    let d = m.decide(&[0.9, f64::NAN], None, None).unwrap();
    assert!(d.firings.is_empty());
    assert!(matches!(
        d.errors[0].error,
        CsmError::Ethos {
            source: EthosError::MissingValue { .. },
            ..
        }
    ));
    // Propagate: the unknown prohibition refuses the action.
    let d = m
        .decide_with(&[0.9, f64::NAN], None, None, Missing::Propagate)
        .unwrap();
    assert_eq!(d.firings[0].0.outcome, Outcome::Refused);
    let d = m
        .decide_with(&[0.9, f64::NAN], None, None, Missing::False)
        .unwrap();
    assert_eq!(d.firings[0].0.outcome, Outcome::Pending);
}
