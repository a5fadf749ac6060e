//! An uncertain data contextoid read in a batch (row by row on samples, each
//! row as one evaluation with the same seed), by a state machine's state and
//! by a norm's predicate.

mod common;

use causaloid_core::context::*;
use causaloid_core::csm::{Action, State, StateMachine};
use causaloid_core::ethos::{ActionContext, Ethos, Modality, Norm};
use causaloid_core::expr::{BinaryOp, ContextRead, ReadKind};
use causaloid_core::graph::{BatchInput, Sampled, SampledInput, SampledMode};
use causaloid_core::*;
use proptest::prelude::*;
use std::sync::Arc;

fn road() -> Arc<SharedContext> {
    let mut ctx = Context::new(1, "road");
    ctx.add(Contextoid {
        id: "speed".into(),
        kind: ContextoidKind::UncertainData {
            dist: Distribution::Normal {
                mean: 29.0,
                std: 3.0,
            },
        },
        fields: Vec::new(),
    })
    .expect("a valid contextoid");
    Arc::new(SharedContext::new(ctx))
}

fn speeding(ctx: &Arc<SharedContext>) -> Member {
    let speed = Expr::Read(ContextRead {
        context: String::new(),
        read: ReadKind::Node {
            id: "speed".into(),
            field: "value".into(),
        },
    });
    let e = speed.binary(BinaryOp::Gt, Expr::col("limit"));
    let c = Causaloid::from_expr_in("speeding", "", e, &[Arc::clone(ctx)]).expect("builds");
    Member::Causaloid(Arc::new(c))
}

fn one(m: &Member, limit: f64, seed: u64) -> f64 {
    let input = SampledInput {
        value: None,
        row: vec![Sampled::Certain(Value::Num(limit))],
        host: None,
        seed,
        samples: 10_000,
    };
    m.evaluate_sampled(&input, &SampledMode::Roots)
        .unwrap()
        .result()
        .clone()
        .unwrap()
        .num()
}

#[test]
fn a_batch_reads_an_uncertain_contextoid_row_by_row_on_samples() {
    let m = speeding(&road());
    assert!(m.reads_uncertain_context().unwrap());
    let limits = [20.0, 35.0, 22.0, 40.0];
    let input = BatchInput {
        columns: vec![&limits],
        len: limits.len(),
        value: None,
        host: None,
    };
    let out = m.evaluate_batch(&input, true).unwrap();
    assert_eq!(out.kind, Kind::Bool);
    assert_eq!(out.verdicts, vec![1.0, 0.0, 1.0, 0.0]);
    assert_eq!(out.activations[0].2, out.verdicts);
    assert!(m.evaluate_batch_packed(&input).unwrap().is_none());
}

#[test]
fn a_state_and_a_norm_read_an_uncertain_contextoid_on_samples() {
    let ctx = road();
    let state = State::new("fast", "", speeding(&ctx));
    let mut sm = StateMachine::new(vec![(state, Action::record("ticket"))], None, None).unwrap();
    let d = sm.decide_batch(&[&[20.0, 35.0]], 2, None).unwrap();
    let rows: Vec<u64> = d.firings.iter().map(|f| f.0.event - d.event).collect();
    assert_eq!(rows, vec![0]);
    let mut norm = Norm::new("no-overtaking", "overtake", Modality::Impermissible);
    norm.predicate = causaloid_core::ethos::Predicate::Member(speeding(&ctx));
    let ethos = Ethos::with_norms([norm]).unwrap();
    let names = vec!["limit".to_string()];
    let judge = |limit: f64| {
        let values = vec![limit];
        ethos
            .evaluate("overtake", &ActionContext::new(&names, &values), None)
            .unwrap()
    };
    assert_eq!(judge(20.0).modality, Modality::Impermissible);
    assert!(!judge(20.0).decisions.is_empty());
    assert_eq!(judge(35.0).modality, Modality::Optional);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// Row i of a sampled batch equals evaluating row i alone with the seed.
    #[test]
    fn row_i_of_a_sampled_batch_equals_evaluating_row_i(
        limits in prop::collection::vec(15.0f64..45.0, 0..6),
        seed in any::<u64>(),
    ) {
        let m = speeding(&road());
        let input = BatchInput { columns: vec![&limits], len: limits.len(), value: None, host: None };
        let out = m.evaluate_batch_sampled(&input, false, seed, 10_000).unwrap();
        let rows: Vec<f64> = limits.iter().map(|&l| one(&m, l, seed)).collect();
        prop_assert_eq!(out.verdicts, rows);
    }
}
