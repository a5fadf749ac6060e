//! A model's ethos: norm operations applied atomically, logged, replayed,
//! diffed and written as JSON; vetting a proposed action.

mod common;
use causaloid_core::ethos::{ActionContext, Ethos, Modality, Norm};
use causaloid_core::expr::Contexts;
use causaloid_core::model_ops::*;
use causaloid_core::*;
use common::*;
use proptest::prelude::*;
use std::sync::Arc;

fn nid(s: &str) -> NodeId {
    NodeId::Str(s.into())
}

fn model(ethos: Option<Ethos>) -> ModelCore {
    ModelCore {
        root: causaloid(1, gt(col("smoke"), lit(0.5))),
        contexts: Contexts::new(),
        ethos: ethos.map(Arc::new),
    }
}

fn duty() -> Norm {
    Norm::new("duty", "evacuate", Modality::Obligatory)
}

fn ban() -> Norm {
    Norm::new("ban", "evacuate", Modality::Impermissible)
        .when(gt(lit(2.0), col("agreeing")))
        .priority(10)
}

fn modality(m: &ModelCore, agreeing: f64) -> Modality {
    let names = vec!["agreeing".to_string()];
    let values = vec![agreeing];
    m.ethos
        .as_ref()
        .unwrap()
        .evaluate("evacuate", &ActionContext::new(&names, &values), None)
        .unwrap()
        .modality
}

#[test]
fn norm_operations_change_a_copy_and_are_logged_in_words() {
    let m = model(None);
    let (m2, log) = m
        .apply(&[
            Operation::AddNorm { norm: duty() },
            Operation::AddNorm { norm: ban() },
        ])
        .unwrap();
    assert!(m.ethos.is_none());
    assert_eq!(m2.ethos.as_ref().unwrap().len(), 2);
    assert_eq!(modality(&m2, 1.0), Modality::Impermissible);
    assert_eq!(modality(&m2, 3.0), Modality::Obligatory);
    let words = log.explain();
    assert!(words[0].contains("added norm \"duty\""), "{words:?}");
    assert!(words[0].contains("now has one"), "{words:?}");
    assert!(words[1].contains("priority 10"), "{words:?}");
    let (m3, log3) = m2
        .apply(&[
            Operation::UpdateNorm {
                norm: ban().priority(-1),
            },
            Operation::RemoveNorm { id: nid("duty") },
        ])
        .unwrap();
    assert_eq!(m2.ethos.as_ref().unwrap().len(), 2);
    assert_eq!(m3.ethos.as_ref().unwrap().len(), 1);
    assert!(log3.explain()[0].starts_with("1. updated norm \"ban\""));
    assert!(log3.explain()[1].contains("removed norm \"duty\""));
}

#[test]
fn a_failing_norm_operation_leaves_the_model_unchanged_and_names_its_cause() {
    let m = model(Some(Ethos::with_norms([duty()]).unwrap()));
    let err = m
        .apply(&[
            Operation::AddNorm { norm: ban() },
            Operation::AddNorm {
                norm: Norm::new("x", "evacuate", Modality::Optional).defeats([nid("nowhere")]),
            },
        ])
        .err()
        .unwrap();
    match err {
        CausalError::ModelOperation { index, op, source } => {
            assert_eq!((index, op), (1, "add_norm"));
            assert!(matches!(*source, CausalError::Ethos { .. }), "{source:?}");
            assert_eq!(source.kind(), "UnknownNormError");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.ethos.as_ref().unwrap().len(), 1);
    let err = model(None)
        .apply(&[Operation::RemoveNorm { id: nid("duty") }])
        .err()
        .unwrap();
    assert_eq!(err.kind(), "UnknownNormError");
}

#[test]
fn a_norm_log_replays_diffs_and_round_trips_as_json() {
    let m = model(None);
    let program = vec![
        Operation::AddNorm {
            norm: duty().tags(["people"]),
        },
        Operation::AddNorm {
            norm: ban().defeats([nid("duty")]),
        },
    ];
    let (m2, log) = m.apply(&program).unwrap();
    let back = ModificationLog::from_json(&log.to_json().unwrap()).unwrap();
    assert_eq!(back.explain(), log.explain());
    let (m3, _) = m.replay(&back).unwrap();
    assert_eq!(m3.to_json().unwrap(), m2.to_json().unwrap());
    assert_eq!(diff_logs(&log, &back).common, 2);
    // diff: from m2 to m and back.
    let there = diff(&m2, &m).unwrap();
    assert_eq!(
        m2.apply(&there).unwrap().0.to_json().unwrap(),
        m.to_json().unwrap()
    );
    let back_again = diff(&m, &m2).unwrap();
    assert_eq!(
        m.apply(&back_again).unwrap().0.to_json().unwrap(),
        m2.to_json().unwrap()
    );
    // The model's JSON carries its ethos.
    let read = ModelCore::from_json(&m2.to_json().unwrap()).unwrap();
    assert_eq!(read.to_json().unwrap(), m2.to_json().unwrap());
    assert_eq!(modality(&read, 1.0), Modality::Impermissible);
}

#[test]
fn vetting_judges_only_an_active_verdict_and_sees_it_as_verdict() {
    let e = Ethos::with_norms([
        duty(),
        Norm::new("weak", "evacuate", Modality::Impermissible)
            .when(gt(lit(0.9), col("verdict")))
            .priority(5),
    ])
    .unwrap();
    let names = vec!["agreeing".to_string()];
    let values = vec![3.0];
    let ctx = ActionContext::new(&names, &values);
    assert!(e
        .vet("evacuate", &[], Verdict::Bool(false), &ctx, None)
        .unwrap()
        .is_none());
    let strong = e
        .vet("evacuate", &[], Verdict::Bool(true), &ctx, None)
        .unwrap()
        .unwrap();
    assert_eq!(strong.modality, Modality::Obligatory);
    let weak = e
        .vet("evacuate", &[], Verdict::Degree(0.6), &ctx, None)
        .unwrap()
        .unwrap();
    assert_eq!(weak.modality, Modality::Impermissible);
}

fn arb_norms() -> impl Strategy<Value = Vec<Norm>> {
    // Up to five norms over three ids; relations only to earlier norms.
    prop::collection::vec((0usize..3, 0i64..3, any::<bool>(), any::<bool>()), 0..5).prop_map(
        |spec| {
            let mut out: Vec<Norm> = Vec::new();
            for (k, prio, forbid, relate) in spec {
                let id = format!("n{}", out.len());
                let modality = if forbid {
                    Modality::Impermissible
                } else {
                    Modality::Obligatory
                };
                let mut n = Norm::new(id.as_str(), ["a", "b", "*"][k], modality).priority(prio);
                if relate && !out.is_empty() {
                    n = n.defeats([out[out.len() - 1].id.clone()]);
                }
                out.push(n);
            }
            out
        },
    )
}

proptest! {
    /// `a.apply(diff(a, b))` equals `b`, for any two ethe of related norms.
    #[test]
    fn applying_the_diff_of_two_ethe_gives_the_second(a in arb_norms(), b in arb_norms()) {
        let ma = model(Some(Ethos::with_norms(a).unwrap()));
        let mb = model(Some(Ethos::with_norms(b).unwrap()));
        let ops = diff(&ma, &mb).unwrap();
        let (got, _) = ma.apply(&ops).unwrap();
        prop_assert_eq!(got.to_json().unwrap(), mb.to_json().unwrap());
    }
}
