//! The ethos resolves conflicts defeasibly: lex superior, then lex specialis,
//! then lex posterior; each test below holds a conflict only one rule decides.

use causaloid_core::ethos::{ActionContext, Ethos, EthosError, Modality, Norm, OwnedContext, Rule};
use causaloid_core::expr::{BinaryOp, Expr};
use causaloid_core::NodeId;

fn gt(col: &str, x: f64) -> Expr {
    Expr::col(col).binary(BinaryOp::Gt, Expr::lit(x))
}

#[test]
fn lex_superior_decides_against_a_more_specific_and_later_norm() {
    // The loser is more specific and more recent: only priority can make it lose.
    let ethos = Ethos::with_norms([
        Norm::new("safety", "evacuate", Modality::Obligatory)
            .priority(10)
            .specificity(1)
            .time(1.0),
        Norm::new("quiet", "evacuate", Modality::Impermissible)
            .priority(1)
            .specificity(5)
            .time(9.0),
    ])
    .unwrap();
    let v = ethos
        .evaluate("evacuate", &ActionContext::empty(), None)
        .unwrap();
    assert_eq!(v.modality, Modality::Obligatory);
    assert_eq!(v.decided_by, Some(NodeId::from("safety")));
    assert_eq!(v.defeated.len(), 1);
    assert_eq!(v.defeated[0].rule, Rule::LexSuperior);
    assert_eq!(v.defeated[0].norm, NodeId::from("quiet"));
    assert_eq!(v.defeated[0].reason, "priority 10 > 1");
    assert!(v
        .justification()
        .contains("norm \"quiet\" defeated by norm \"safety\": lex superior"));
}

#[test]
fn lex_specialis_decides_between_equal_priorities() {
    // Same priority; the specific norm is older, so only specificity makes it win.
    let ethos = Ethos::with_norms([
        Norm::new("general", "evacuate", Modality::Obligatory)
            .priority(5)
            .specificity(1)
            .time(9.0),
        Norm::new("reactor", "evacuate", Modality::Impermissible)
            .priority(5)
            .specificity(3)
            .time(1.0),
    ])
    .unwrap();
    let v = ethos
        .evaluate("evacuate", &ActionContext::empty(), None)
        .unwrap();
    assert_eq!(v.modality, Modality::Impermissible);
    assert!(!v.permitted());
    assert_eq!(v.defeated[0].rule, Rule::LexSpecialis);
    assert_eq!(v.defeated[0].norm, NodeId::from("general"));
    assert_eq!(v.defeated[0].reason, "specificity 3 > 1");
}

#[test]
fn lex_posterior_decides_between_equal_priority_and_specificity() {
    let ethos = Ethos::with_norms([
        Norm::new("new", "sell", Modality::Optional)
            .priority(2)
            .specificity(2)
            .time(2024.0),
        Norm::new("old", "sell", Modality::Impermissible)
            .priority(2)
            .specificity(2)
            .time(2001.0),
    ])
    .unwrap();
    let v = ethos
        .evaluate("sell", &ActionContext::empty(), None)
        .unwrap();
    assert_eq!(v.modality, Modality::Optional);
    assert_eq!(v.defeated[0].rule, Rule::LexPosterior);
    assert_eq!(v.defeated[0].by, NodeId::from("new"));
}

#[test]
fn norms_enacted_later_than_now_are_not_in_force() {
    let ethos = Ethos::with_norms([
        Norm::new("new", "sell", Modality::Optional).time(2024.0),
        Norm::new("old", "sell", Modality::Impermissible).time(2001.0),
    ])
    .unwrap();
    let v = ethos
        .evaluate("sell", &ActionContext::empty(), Some(2010.0))
        .unwrap();
    assert_eq!(v.modality, Modality::Impermissible);
    assert!(v.defeated.is_empty());
}

#[test]
fn predicates_read_the_context_and_select_the_applicable_norms() {
    let ethos = Ethos::with_norms([
        Norm::new("no-evac-single", "evacuate", Modality::Impermissible)
            .when(Expr::col("sensors_agreeing").binary(BinaryOp::Lt, Expr::lit(2.0)))
            .priority(10),
        Norm::new("evac-on-fire", "evacuate", Modality::Obligatory).when(gt("heat", 80.0)),
    ])
    .unwrap();
    let one = OwnedContext::new()
        .with("heat", 95.0)
        .with("sensors_agreeing", 1.0);
    let v = ethos.evaluate("evacuate", &one.view(), None).unwrap();
    assert!(!v.permitted());
    assert_eq!(v.applicable.len(), 2);
    let two = OwnedContext::new()
        .with("heat", 95.0)
        .with("sensors_agreeing", 2.0);
    let v = ethos.evaluate("evacuate", &two.view(), None).unwrap();
    assert_eq!(v.modality, Modality::Obligatory);
    assert!(v.defeated.is_empty());
    // Another action is governed by no norm: optional.
    let v = ethos.evaluate("alert", &two.view(), None).unwrap();
    assert_eq!(v.modality, Modality::Optional);
    assert_eq!(v.decided_by, None);
}

#[test]
fn a_tie_no_rule_decides_refuses_when_either_side_forbids() {
    let ethos = Ethos::with_norms([
        Norm::new("a", "go", Modality::Obligatory),
        Norm::new("b", "go", Modality::Impermissible),
    ])
    .unwrap();
    let v = ethos.evaluate("go", &ActionContext::empty(), None).unwrap();
    assert_eq!(v.modality, Modality::Impermissible);
    // The forbidding norm is named as deciding, whatever the insertion order.
    assert_eq!(v.decided_by, Some(NodeId::from("b")));
    assert_eq!(v.unresolved, vec![NodeId::from("a")]);
    assert!(v.justification().contains("no rule decides"));
}

#[test]
fn concurring_norms_are_not_defeated() {
    let ethos = Ethos::with_norms([
        Norm::new("a", "go", Modality::Impermissible).priority(3),
        Norm::new("b", "go", Modality::Impermissible).priority(1),
        Norm::new("c", "*", Modality::Optional),
    ])
    .unwrap();
    let v = ethos.evaluate("go", &ActionContext::empty(), None).unwrap();
    assert_eq!(v.concurring, vec![NodeId::from("b")]);
    assert_eq!(v.defeated.len(), 1);
    assert_eq!(v.defeated[0].norm, NodeId::from("c"));
}

#[test]
fn bad_norms_and_contexts_are_precise_errors_and_change_nothing() {
    let mut ethos =
        Ethos::with_norms([Norm::new("a", "go", Modality::Obligatory).when(gt("x", 1.0))]).unwrap();
    assert!(matches!(
        ethos.add(Norm::new("a", "go", Modality::Optional)),
        Err(EthosError::DuplicateNorm { .. })
    ));
    assert!(matches!(
        Modality::from_name("mandatory"),
        Err(EthosError::UnknownModality { .. })
    ));
    assert_eq!(
        Modality::from_name(" Obligatory ").unwrap(),
        Modality::Obligatory
    );
    let bad_time = Norm::new("b", "go", Modality::Optional).time(f64::NAN);
    assert!(matches!(
        ethos.add(bad_time),
        Err(EthosError::InvalidNorm { name: "time", .. })
    ));
    let reads_value = Norm::new("c", "go", Modality::Optional).when(Expr::value());
    assert!(matches!(
        ethos.add(reads_value),
        Err(EthosError::InvalidNorm {
            name: "predicate",
            ..
        })
    ));
    assert_eq!(ethos.len(), 1);
    let err = ethos
        .evaluate("go", &OwnedContext::new().with("y", 1.0).view(), None)
        .unwrap_err();
    assert!(err.to_string().contains("reads \"x\""), "{err}");
    let nan = OwnedContext::new().with("x", f64::NAN);
    // A missing value is not "false": it raises by default (docs/missing.md),
    // and the caller's policy decides it.
    assert!(matches!(
        ethos.evaluate("go", &nan.view(), None),
        Err(EthosError::MissingValue { .. })
    ));
    assert!(ethos
        .evaluate_tagged_with(
            "go",
            &[],
            &nan.view(),
            None,
            causaloid_core::graph::Missing::False
        )
        .is_ok());
    let degree =
        Ethos::with_norms([Norm::new("d", "go", Modality::Optional).when(Expr::col("x"))]).unwrap();
    let err = degree
        .evaluate("go", &OwnedContext::new().with("x", 3.0).view(), None)
        .unwrap_err();
    assert!(matches!(err, EthosError::InvalidPredicate { .. }));
    assert!(matches!(
        ethos.remove(&NodeId::from("zz")),
        Err(EthosError::UnknownNorm { .. })
    ));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn modality(k: u8) -> Modality {
        Modality::ALL[(k % 3) as usize]
    }

    proptest! {
        /// With distinct ranks the verdict does not depend on the order the
        /// norms were added, and the winner outranks every defeated norm.
        #[test]
        fn the_verdict_is_independent_of_insertion_order(
            specs in proptest::collection::vec((0i64..4, 0i64..4, 0u8..3), 1..7)
        ) {
            let norms: Vec<Norm> = specs
                .iter()
                .enumerate()
                .map(|(i, &(p, s, m))| {
                    Norm::new(i as i64, "act", modality(m)).priority(p).specificity(s).time(i as f64)
                })
                .collect();
            let forward = Ethos::with_norms(norms.clone()).unwrap();
            let backward = Ethos::with_norms(norms.iter().rev().cloned()).unwrap();
            let a = forward.evaluate("act", &ActionContext::empty(), None).unwrap();
            let b = backward.evaluate("act", &ActionContext::empty(), None).unwrap();
            prop_assert_eq!(a.modality, b.modality);
            prop_assert_eq!(&a.decided_by, &b.decided_by);
            let mut da: Vec<_> = a.defeated.iter().map(|d| (d.norm.clone(), d.rule)).collect();
            let mut db: Vec<_> = b.defeated.iter().map(|d| (d.norm.clone(), d.rule)).collect();
            da.sort();
            db.sort();
            prop_assert_eq!(da, db);
            let winner = a.decided_by.clone().unwrap();
            let w = forward.get(&winner).unwrap();
            for d in &a.defeated {
                let l = forward.get(&d.norm).unwrap();
                prop_assert!((w.priority, w.specificity, w.time) > (l.priority, l.specificity, l.time));
                prop_assert!(l.modality != w.modality);
            }
            prop_assert!(a.unresolved.is_empty());
        }
    }
}
