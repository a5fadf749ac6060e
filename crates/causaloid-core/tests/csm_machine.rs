//! The state machine fires the actions of active states, lets the ethos veto
//! them, survives bad states and bad actions, and decides a batch exactly as
//! it decides the same rows one by one.

mod common;

use causaloid_core::csm::{
    Action, ActionFn, CsmError, Firing, Outcome, State, StateMachine, Window,
};
use causaloid_core::ethos::{Ethos, Modality, Norm};
use causaloid_core::expr::BinaryOp;
use causaloid_core::graph::{HostRow, Missing};
use causaloid_core::*;
use common::*;
use proptest::prelude::*;
use std::sync::{Arc, Mutex};

fn state(id: &str, expr: Expr) -> State {
    State::new(
        id,
        id,
        Member::Causaloid(Arc::new(
            Causaloid::from_expr(id, id, expr).expect("a valid expression"),
        )),
    )
}

struct Recorder(Arc<Mutex<Vec<String>>>, bool);

impl ActionFn for Recorder {
    fn fire(
        &self,
        f: &Firing,
        _host: Option<&HostRow>,
    ) -> Result<(), (String, Option<ErrorPayload>)> {
        if self.1 {
            return Err(("pump jammed".into(), None));
        }
        self.0
            .lock()
            .unwrap()
            .push(format!("{}@{}", f.state, f.event));
        Ok(())
    }
}

fn machine() -> StateMachine {
    StateMachine::new(
        vec![
            (
                state("hot", gt(col("temp"), lit(50.0))),
                Action::record("alert"),
            ),
            (
                state("smoky", gt(col("smoke"), lit(0.5))),
                Action::record("evacuate"),
            ),
        ],
        None,
        None,
    )
    .unwrap()
}

#[test]
fn active_states_fire_and_are_logged_with_input_and_verdict() {
    let mut m = machine();
    assert_eq!(m.inputs(), ["temp", "smoke"]);
    let fired = m.step(&[60.0, 0.1], None).unwrap();
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].state, NodeId::from("hot"));
    assert_eq!(fired[0].outcome, Outcome::Recorded);
    assert_eq!(fired[0].input.get("temp"), Some(60.0));
    assert_eq!(fired[0].verdict, Verdict::Bool(true));
    assert!(m.step(&[10.0, 0.1], None).unwrap().is_empty());
    assert_eq!(m.events(), 2);
    assert_eq!(m.log().len(), 1);
}

#[test]
fn the_ethos_refuses_an_action_which_is_logged_not_executed() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let ethos = Ethos::with_norms([
        Norm::new("two-sensors", "evacuate", Modality::Impermissible)
            .when(col("sensors").binary(BinaryOp::Lt, lit(2.0))),
    ])
    .unwrap();
    let mut m = StateMachine::new(
        vec![(
            state("smoky", gt(col("smoke"), lit(0.5))),
            Action::host("evacuate", Arc::new(Recorder(seen.clone(), false))),
        )],
        Some(ethos),
        None,
    )
    .unwrap();
    assert_eq!(m.inputs(), ["smoke", "sensors"]);
    let f = m.step(&[0.9, 1.0], None).unwrap();
    assert_eq!(f[0].outcome, Outcome::Refused);
    assert!(f[0]
        .vetting
        .as_ref()
        .unwrap()
        .justification()
        .contains("impermissible"));
    let f = m.step(&[0.9, 2.0], None).unwrap();
    assert_eq!(f[0].outcome, Outcome::Fired);
    assert_eq!(*seen.lock().unwrap(), vec!["\"smoky\"@1".to_string()]);
}

#[test]
fn failing_actions_and_states_are_recorded_and_the_machine_goes_on() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut m = StateMachine::new(
        vec![
            (state("bad", col("x")), Action::record("noop")),
            (
                state("jam", gt(col("x"), lit(0.0))),
                Action::host("pump", Arc::new(Recorder(seen, true))),
            ),
        ],
        None,
        None,
    )
    .unwrap();
    let f = m.step(&[5.0], None).unwrap();
    assert!(matches!(f[0].outcome, Outcome::Failed { .. }));
    assert_eq!(m.errors().len(), 2);
    assert!(m.errors()[0]
        .error
        .to_string()
        .contains("where a verdict is needed"));
    assert!(matches!(m.errors()[1].error, CsmError::Action { .. }));
    // x = 0.7 is a fine degree for "bad" (active) and positive for "jam".
    assert_eq!(m.step(&[0.7], None).unwrap().len(), 2);
}

#[test]
fn state_changes_are_all_or_nothing() {
    let mut m = machine();
    let dup = m.add(state("hot", Expr::lit(true)), Action::record("x"));
    assert!(matches!(dup, Err(CsmError::DuplicateState { .. })));
    assert!(matches!(
        m.remove(&NodeId::from("cold")),
        Err(CsmError::UnknownState { .. })
    ));
    assert_eq!(m.len(), 2);
    m.add(
        state("wet", gt(col("rain"), lit(1.0))),
        Action::record("umbrella"),
    )
    .unwrap();
    assert_eq!(m.inputs(), ["temp", "smoke", "rain"]);
    m.update(
        state("hot", gt(col("temp"), lit(90.0))),
        Action::record("alert"),
    )
    .unwrap();
    assert!(m.step(&[60.0, 0.0, 0.0], None).unwrap().is_empty());
    m.remove(&NodeId::from("wet")).unwrap();
    assert_eq!(m.inputs(), ["temp", "smoke"]);
    assert!(matches!(m.step(&[1.0], None), Err(CsmError::Shape { .. })));
}

#[test]
fn window_features_are_columns_states_can_read() {
    let w = Window::new(3, vec!["temp".into()]).unwrap();
    let rising = state("rising", gt(col("temp.delta"), lit(5.0)));
    let mut m = StateMachine::new(vec![(rising, Action::record("warn"))], None, Some(w)).unwrap();
    assert_eq!(m.inputs(), ["temp"]);
    assert!(m.step(&[20.0], None).unwrap().is_empty());
    assert!(m.step(&[23.0], None).unwrap().is_empty());
    assert_eq!(m.step(&[27.0], None).unwrap().len(), 1);
    assert_eq!(
        m.window().unwrap().values("temp").unwrap(),
        vec![20.0, 23.0, 27.0]
    );
}

fn mixed_machine() -> StateMachine {
    let coll = Member::Collection(Arc::new(
        Collection::new(
            "both",
            "both",
            vec![
                causaloid(1, gt(col("a"), lit(0.3))),
                causaloid(2, gt(col("b"), lit(0.6))),
            ],
            Logic::All,
        )
        .unwrap(),
    ));
    let ethos = Ethos::with_norms([
        Norm::new("n1", "act-a", Modality::Impermissible).when(gt(col("b"), lit(0.9))),
        Norm::new("n2", "*", Modality::Optional)
            .when(gt(col("verdict"), lit(0.8)))
            .priority(1),
    ])
    .unwrap();
    let w = Window::new(4, vec!["a".into()]).unwrap();
    StateMachine::new(
        vec![
            (state("sa", gt(col("a"), lit(0.5))), Action::record("act-a")),
            (state("degree", col("b")), Action::record("act-b")),
            (State::new("coll", "c", coll), Action::record("act-c")),
            (
                state("mean", gt(col("a.mean"), lit(0.5))),
                Action::record("act-a"),
            ),
        ],
        Some(ethos),
        Some(w),
    )
    .unwrap()
}

proptest! {
    #[test]
    fn a_batch_fires_exactly_what_the_rows_fire_one_by_one(
        rows in proptest::collection::vec((0.0f64..1.0, -0.2f64..1.2), 0..300)
    ) {
        let a: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let b: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let mut one = mixed_machine();
        let mut all = mixed_machine();
        for r in &rows {
            one.step(&[r.0, r.1], None).unwrap();
        }
        let mut d = all.decide_batch(&[&a, &b], rows.len(), None).unwrap();
        for (f, act) in &mut d.firings {
            act.execute(f, None);
        }
        all.complete(d);
        prop_assert_eq!(one.log(), all.log());
        let e1: Vec<String> = one.errors().iter().map(|e| format!("{}{:?}{}", e.event, e.state, e.error)).collect();
        let e2: Vec<String> = all.errors().iter().map(|e| format!("{}{:?}{}", e.event, e.state, e.error)).collect();
        prop_assert_eq!(e1, e2);
        prop_assert_eq!(one.events(), all.events());
        prop_assert_eq!(one.window(), all.window());
    }
}

/// The mixed machine plus a host action that fails when `a` is high, with a
/// short log, so batches are trimmed part-way through.
fn acting_machine(calls: Arc<Mutex<Vec<String>>>, limit: usize) -> StateMachine {
    let mut m = mixed_machine();
    m.add(
        state("high", gt(col("a"), lit(0.7))),
        Action::host("pump", Arc::new(Recorder(calls.clone(), false))),
    )
    .unwrap();
    m.add(
        state("jam", gt(col("a"), lit(0.9))),
        Action::host("jam", Arc::new(Recorder(calls, true))),
    )
    .unwrap();
    m.set_log_limit(limit);
    m
}

proptest! {
    #[test]
    fn a_compact_batch_runs_and_logs_exactly_what_the_rows_do_one_by_one(
        rows in proptest::collection::vec((0.0f64..1.0, -0.2f64..1.2), 0..200),
        split in 0usize..200,
        limit in 0usize..40,
    ) {
        let a: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let b: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let (calls1, calls2) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        let mut one = acting_machine(calls1.clone(), limit);
        let mut all = acting_machine(calls2.clone(), limit);
        let mut fired = Vec::new();
        for r in &rows {
            fired.extend(one.step(&[r.0, r.1], None).unwrap());
        }
        // Two batches, so the log holds (and trims) more than one.
        let cut = split.min(rows.len());
        let mut batch = Vec::new();
        for (lo, hi) in [(0, cut), (cut, rows.len())] {
            let mut d = all.decide_batch_compact(&[&a[lo..hi], &b[lo..hi]], hi - lo, None).unwrap();
            d.firings.execute(|act, f| -> Result<(), ()> {
                act.execute(f, None);
                Ok(())
            }).unwrap();
            let (done, _) = all.complete_batch(d);
            batch.extend((0..done.len()).filter_map(|k| done.firing(k)));
        }
        let fired: Vec<Firing> = fired.iter().map(|f| (**f).clone()).collect();
        prop_assert_eq!(fired, batch);
        prop_assert_eq!(one.log(), all.log());
        prop_assert_eq!(one.log().len(), all.log().iter().count());
        let e1: Vec<String> = one.errors().iter().map(|e| format!("{}{:?}{}", e.event, e.state, e.error)).collect();
        let e2: Vec<String> = all.errors().iter().map(|e| format!("{}{:?}{}", e.event, e.state, e.error)).collect();
        prop_assert_eq!(e1, e2);
        prop_assert_eq!(calls1.lock().unwrap().clone(), calls2.lock().unwrap().clone());
        prop_assert_eq!(one.events(), all.events());
        prop_assert_eq!(one.window(), all.window());
    }
}

#[test]
fn a_short_log_keeps_only_the_tail_of_a_big_batch_and_the_same_entries() {
    let n = 9000;
    let a: Vec<f64> = (0..n).map(|i| (i % 97) as f64 / 97.0).collect();
    let b: Vec<f64> = (0..n).map(|i| (i % 13) as f64 / 13.0).collect();
    let mut one = mixed_machine();
    let mut all = mixed_machine();
    one.set_log_limit(100);
    all.set_log_limit(100);
    for i in 0..n {
        one.step(&[a[i], b[i]], None).unwrap();
    }
    let mut d = all.decide_batch_compact(&[&a, &b], n, None).unwrap();
    d.firings
        .execute(|act, f| -> Result<(), ()> {
            act.execute(f, None);
            Ok(())
        })
        .unwrap();
    let (done, _) = all.complete_batch(d);
    assert!(done.len() > 4096, "{} firings", done.len());
    assert_eq!(all.log().len(), 100);
    assert_eq!(one.log(), all.log());
}

/// Only column-versus-literal states (both ways round, every comparison), so
/// an observation takes the machine's tight pass over predecoded comparisons.
fn comparing_machine(ops: &[(usize, bool, f64)]) -> StateMachine {
    const OPS: [BinaryOp; 6] = [
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Eq,
        BinaryOp::Ne,
    ];
    let states = ops
        .iter()
        .enumerate()
        .map(|(i, &(op, lit_first, t))| {
            let c = Expr::col(if i % 2 == 0 { "a" } else { "b" });
            let e = if lit_first {
                Expr::lit(t).binary(OPS[op], c)
            } else {
                c.binary(OPS[op], Expr::lit(t))
            };
            (state(&format!("s{i}"), e), Action::record("go"))
        })
        .collect();
    StateMachine::new(states, None, None).expect("valid states")
}

proptest! {
    #[test]
    fn the_tight_comparison_pass_fires_what_the_general_pass_fires(
        ops in proptest::collection::vec(
            (0usize..6, any::<bool>(), prop::sample::select(vec![0.0, 0.5, 1.0])),
            2..12,
        ),
        rows in proptest::collection::vec(
            (
                prop::sample::select(vec![0.0, 0.5, 1.0, -0.0, f64::NAN, 0.25]),
                prop::sample::select(vec![0.0, 0.5, 1.0, f64::INFINITY, f64::NAN]),
            ),
            1..20,
        ),
    ) {
        // `present` given (every input present) takes the general pass.
        let (mut tight, mut general) = (comparing_machine(&ops), comparing_machine(&ops));
        for r in &rows {
            let a = tight.decide(&[r.0, r.1], None, None).expect("decides");
            let b = general.decide(&[r.0, r.1], Some(&[true, true]), None).expect("decides");
            let fa: Vec<String> = a.firings.iter().map(|(f, _)| format!("{f:?}")).collect();
            let fb: Vec<String> = b.firings.iter().map(|(f, _)| format!("{f:?}")).collect();
            prop_assert_eq!(fa, fb);
            // a missing input (NaN) is an error of each state reading it, on
            // both passes alike (every machine has states reading a and b)
            let ea: Vec<String> = a.errors.iter().map(|e| format!("{e:?}")).collect();
            let eb: Vec<String> = b.errors.iter().map(|e| format!("{e:?}")).collect();
            prop_assert_eq!(&ea, &eb);
            prop_assert_eq!(ea.is_empty(), !(r.0.is_nan() || r.1.is_nan()));
        }
    }
}

proptest! {
    #[test]
    fn a_quiet_event_is_decided_quietly_exactly_when_the_full_decision_is_empty(
        ops in proptest::collection::vec(
            (0usize..6, any::<bool>(), prop::sample::select(vec![0.0, 0.5, 1.0, f64::NAN])),
            2..12,
        ),
        rows in proptest::collection::vec(
            (
                prop::sample::select(vec![0.0, 0.5, 1.0, -0.0, f64::NAN, 0.25, f64::NEG_INFINITY]),
                prop::sample::select(vec![0.0, 0.5, 1.0, f64::INFINITY, f64::NAN, 5e-324]),
            ),
            1..30,
        ),
    ) {
        // One machine takes the quiet way first and the full decision only
        // when that declines; the other always decides in full. Their event
        // numbers, firings and errors agree at every row.
        let (mut quick, mut full) = (comparing_machine(&ops), comparing_machine(&ops));
        for r in &rows {
            let row = [r.0, r.1];
            let b = full.decide(&row, None, None).expect("decides");
            let empty = b.firings.is_empty() && b.errors.is_empty() && b.unknown.is_empty();
            match quick.decide_quiet(&row) {
                Some(event) => {
                    prop_assert!(empty, "quiet, yet the full decision has {:?}", b.errors);
                    prop_assert_eq!(event, b.event);
                }
                None => {
                    prop_assert!(!empty, "declined a row whose full decision is empty");
                    let a = quick.decide(&row, None, None).expect("decides");
                    prop_assert_eq!(a.event, b.event);
                    prop_assert_eq!(format!("{:?}", a.firings), format!("{:?}", b.firings));
                    prop_assert_eq!(format!("{:?}", a.errors), format!("{:?}", b.errors));
                }
            }
        }
        // The next event has the same number on both.
        prop_assert_eq!(quick.decide_quiet(&[f64::NAN, f64::NAN]), None);
        let (a, b) = (quick.decide(&[0.5, 0.5], None, None), full.decide(&[0.5, 0.5], None, None));
        prop_assert_eq!(a.expect("decides").event, b.expect("decides").event);
    }
}

#[test]
fn a_machine_with_a_collection_or_callable_state_never_decides_quietly() {
    // Collections, graphs and callables are evaluated by the graph engine
    // (they may call the host or carry state): always the full decision.
    let coll = Member::Collection(Arc::new(
        Collection::new(
            "c",
            "c",
            vec![causaloid(1, gt(col("a"), lit(10.0)))],
            Logic::All,
        )
        .expect("valid collection"),
    ));
    let cal = callable(2, |_| Ok(Output::Value(Value::Bool(false))));
    for member in [coll, cal] {
        let mut m = StateMachine::new(
            vec![
                (state("e", gt(col("a"), lit(10.0))), Action::record("go")),
                (State::new("m", "m", member), Action::record("go")),
            ],
            None,
            None,
        )
        .expect("valid states");
        assert_eq!(m.decide_quiet(&[0.0]), None);
        // Declining counted no event.
        assert_eq!(m.decide(&[0.0], None, None).expect("decides").event, 0);
    }
    // An expression that computes before it compares is decided quietly.
    let sum = col("a")
        .binary(BinaryOp::Add, lit(1.0))
        .binary(BinaryOp::Gt, lit(10.0));
    let mut m = StateMachine::new(vec![(state("s", sum), Action::record("go"))], None, None)
        .expect("valid states");
    assert_eq!(m.decide_quiet(&[0.0]), Some(0));
    assert_eq!(m.decide_quiet(&[f64::NAN]), None);
    assert_eq!(m.decide_quiet(&[10.0]), None);
    assert_eq!(m.decide(&[10.0], None, None).expect("decides").event, 1);
}

/// States over columns a and b: comparisons, sums, conjunctions, negations,
/// plain degrees (a column as the verdict) and `between`.
fn expression_machine(kinds: &[(u8, f64)]) -> StateMachine {
    let states = kinds
        .iter()
        .enumerate()
        .map(|(i, &(k, t))| {
            let e = match k % 6 {
                0 => gt(col("a"), lit(t)),
                1 => col("a")
                    .binary(BinaryOp::Add, col("b"))
                    .binary(BinaryOp::Ge, lit(t)),
                2 => and(gt(col("a"), lit(t)), gt(col("b"), lit(t))),
                3 => not(gt(col("b"), lit(t))),
                4 => col("b"),
                _ => col("a").binary(BinaryOp::Eq, lit(t)),
            };
            (state(&format!("s{i}"), e), Action::record("go"))
        })
        .collect();
    StateMachine::new(states, None, None).expect("valid states")
}

proptest! {
    #[test]
    fn any_expression_machine_decides_quietly_exactly_when_the_full_decision_is_empty(
        kinds in proptest::collection::vec(
            (0u8..6, prop::sample::select(vec![0.0, 0.5, 1.0, f64::NAN, f64::INFINITY])),
            1..8,
        ),
        rows in proptest::collection::vec(
            (
                prop::sample::select(vec![0.0, 0.5, 1.0, -0.0, f64::NAN, 2.0, -1.0]),
                prop::sample::select(vec![0.0, 0.5, 1.0, 0.3, f64::NAN, 7.0, -2.0]),
            ),
            1..30,
        ),
    ) {
        let (mut quick, mut full) = (expression_machine(&kinds), expression_machine(&kinds));
        let width = quick.inputs().len();
        for r in &rows {
            let row = [r.0, r.1];
            let row = &row[..width];
            let b = full.decide(row, None, None);
            let a = match quick.decide_quiet(row) {
                Some(event) => {
                    let b = b.as_ref().expect("a quiet event decides");
                    prop_assert!(b.firings.is_empty() && b.errors.is_empty() && b.unknown.is_empty());
                    prop_assert_eq!(event, b.event);
                    continue;
                }
                None => quick.decide(row, None, None),
            };
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    prop_assert!(!(b.firings.is_empty() && b.errors.is_empty()), "declined an empty decision");
                    prop_assert_eq!(a.event, b.event);
                    prop_assert_eq!(format!("{:?}", a.firings), format!("{:?}", b.firings));
                    prop_assert_eq!(format!("{:?}", a.errors), format!("{:?}", b.errors));
                }
                (a, b) => prop_assert_eq!(format!("{:?}", a.err()), format!("{:?}", b.err())),
            }
        }
        prop_assert_eq!(quick.events(), full.events());
    }
}

proptest! {
    #[test]
    fn a_batch_of_comparisons_fires_and_fails_what_the_rows_do_one_by_one(
        ops in proptest::collection::vec(
            (
                0usize..6,
                any::<bool>(),
                prop::sample::select(vec![0.0, 0.5, 1.0, -0.0, f64::INFINITY, f64::NAN]),
            ),
            2..8,
        ),
        rows in proptest::collection::vec(
            (
                prop::sample::select(vec![0.0, 0.5, 1.0, -0.0, 0.25, f64::NEG_INFINITY, 5e-324]),
                prop::sample::select(vec![0.0, 0.5, 1.0, f64::INFINITY, 0.75]),
            ),
            1..300,
        ),
        gap in proptest::option::of((0usize..300, any::<bool>())),
        policy in 0usize..4,
    ) {
        // Blocks without a missing value take the straight column scan, a
        // block with one the general path: both must decide as the rows do.
        let missing = [Missing::Raise, Missing::False, Missing::True, Missing::Propagate][policy];
        let mut a: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let b: Vec<f64> = rows.iter().map(|r| r.1).collect();
        if let Some((at, _)) = gap {
            let n = a.len();
            a[at % n] = f64::NAN;
        }
        let (mut one, mut all) = (comparing_machine(&ops), comparing_machine(&ops));
        let mut fired = Vec::new();
        let mut errors = Vec::new();
        let mut unknown = Vec::new();
        for (x, y) in a.iter().zip(&b) {
            let d = one.decide_with(&[*x, *y], None, None, missing).expect("decides");
            fired.extend(d.firings.into_iter().map(|(f, _)| f));
            errors.extend(d.errors.iter().map(|e| format!("{}{:?}{}", e.event, e.state, e.error)));
            unknown.extend(d.unknown.iter().map(|u| format!("{u:?}")));
        }
        let d = all
            .decide_batch_compact_with(&[&a, &b], a.len(), None, missing)
            .expect("decides");
        let batch: Vec<Firing> = (0..d.firings.len()).filter_map(|k| d.firings.firing(k)).collect();
        // Every field, the input by its bits (a missing input is NaN, which
        // `==` never equals).
        let entry = |f: &Firing| {
            let bits: Vec<u64> = f.input.values().iter().map(|x| x.to_bits()).collect();
            format!(
                "{} {} {} {} {:?} {:?} {:?} {:?} {:?}",
                f.event, f.state, f.position, f.action, f.value, f.verdict, f.vetting, f.outcome, bits
            )
        };
        let f1: Vec<String> = fired.iter().map(entry).collect();
        let f2: Vec<String> = batch.iter().map(entry).collect();
        prop_assert_eq!(f1, f2);
        let e2: Vec<String> = d.errors.iter().map(|e| format!("{}{:?}{}", e.event, e.state, e.error)).collect();
        prop_assert_eq!(errors, e2);
        let u2: Vec<String> = d.unknown.iter().map(|u| format!("{u:?}")).collect();
        prop_assert_eq!(unknown, u2);
    }
}

/// A firing with its observation's values as bits, so that `-0.0` and `0.0`
/// differ.
fn exact(f: &Firing) -> (Firing, Vec<u64>) {
    let bits = f.input.values().iter().map(|x| x.to_bits()).collect();
    (f.clone(), bits)
}

/// What one step of `the_log_keeps_exactly_the_newest_firings` does.
#[derive(Clone, Debug)]
enum Op {
    Row(f64, f64),
    Batch(Vec<(f64, f64)>),
    /// Replaces state "sa" (a new action, a new threshold).
    Update(f64),
    /// Adds (or, when present, removes) state "extra".
    Toggle,
    Limit(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let x = prop_oneof![Just(-0.0f64), Just(0.0f64), -0.2f64..1.2];
    prop_oneof![
        8 => (x.clone(), x.clone()).prop_map(|(a, b)| Op::Row(a, b)),
        1 => proptest::collection::vec((x.clone(), x), 0..20).prop_map(Op::Batch),
        1 => (0.0f64..1.0).prop_map(Op::Update),
        1 => Just(Op::Toggle),
        1 => (0usize..30).prop_map(Op::Limit),
    ]
}

proptest! {
    #[test]
    fn the_log_keeps_exactly_the_newest_firings_as_they_were_returned(
        ops in proptest::collection::vec(op(), 0..120),
        limit in 0usize..30,
        with_ethos: bool,
    ) {
        let mut m = mixed_machine();
        if !with_ethos {
            m.set_ethos(None).unwrap();
        }
        m.add(state("zero", col("a").binary(BinaryOp::Eq, lit(0.0))), Action::record("act-z")).unwrap();
        // A host action that fails: its outcome carries the message.
        let calls = Arc::new(Mutex::new(Vec::new()));
        m.add(state("jam", gt(col("a"), lit(0.9))), Action::host("jam", Arc::new(Recorder(calls, true)))).unwrap();
        m.set_log_limit(limit);
        let mut limit = limit;
        // The model: every firing returned joins the log (unless the limit
        // is 0), and the oldest beyond the limit leave it for good.
        let mut kept: std::collections::VecDeque<(Firing, Vec<u64>)> = Default::default();
        for op in ops {
            let mut returned = Vec::new();
            match op {
                Op::Row(a, b) => {
                    returned.extend(m.step(&[a, b], None).unwrap().iter().map(|f| exact(f)));
                }
                Op::Batch(rows) => {
                    let a: Vec<f64> = rows.iter().map(|r| r.0).collect();
                    let b: Vec<f64> = rows.iter().map(|r| r.1).collect();
                    let mut d = m.decide_batch_compact(&[&a, &b], rows.len(), None).unwrap();
                    d.firings.execute(|act, f| -> Result<(), ()> {
                        act.execute(f, None);
                        Ok(())
                    }).unwrap();
                    let (done, _) = m.complete_batch(d);
                    returned.extend((0..done.len()).filter_map(|k| done.firing(k)).map(|f| exact(&f)));
                }
                Op::Update(t) => {
                    m.update(state("sa", gt(col("a"), lit(t))), Action::record(format!("act-{t}"))).unwrap();
                }
                Op::Toggle => {
                    let id = NodeId::from("extra");
                    if m.state(&id).is_ok() {
                        m.remove(&id).unwrap();
                    } else {
                        m.add(state("extra", gt(col("b"), lit(0.2))), Action::record("act-x")).unwrap();
                    }
                }
                Op::Limit(n) => {
                    limit = n;
                    m.set_log_limit(n);
                }
            }
            if limit > 0 {
                kept.extend(returned);
            }
            while kept.len() > limit {
                kept.pop_front();
            }
            let logged: Vec<(Firing, Vec<u64>)> = m.log().iter().map(|f| exact(&f)).collect();
            prop_assert_eq!(m.log().len(), kept.len());
            prop_assert_eq!(logged, Vec::from(kept.clone()));
        }
    }
}

#[test]
fn an_action_that_replaces_its_state_leaves_the_firing_logged_as_decided() {
    let mut m = machine();
    let mut d = m.decide(&[60.0, 0.9], None, None).unwrap();
    // An action may change the machine before the firings are logged.
    m.update(
        state("hot", gt(col("temp"), lit(90.0))),
        Action::record("cool"),
    )
    .unwrap();
    for (f, a) in &mut d.firings {
        a.execute(f, None);
    }
    let fired = m.complete(d);
    assert_eq!(fired.len(), 2);
    assert_eq!(&*fired[0].action, "alert");
    let logged: Vec<Firing> = m.log().iter().map(|f| (*f).clone()).collect();
    let fired: Vec<Firing> = fired.iter().map(|f| (**f).clone()).collect();
    assert_eq!(logged, fired);
    // The next observation fires the new action; both are kept.
    let next = m.step(&[95.0, 0.0], None).unwrap();
    assert_eq!(&*next[0].action, "cool");
    assert_eq!(m.log().len(), 3);
    assert_eq!(&*m.log().iter().last().unwrap().action, "cool");
}
