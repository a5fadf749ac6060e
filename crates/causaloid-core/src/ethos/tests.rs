//! Behaviour of tags, relations, costs, calculi and uncertain predicates.

use super::*;
use crate::expr::{BinaryOp, Expr};
use crate::graph::NodeId;
use crate::uncertain::Uncertain;
use proptest::prelude::*;

fn id(s: &str) -> NodeId {
    NodeId::Str(s.into())
}

fn gt(col: &str, x: f64) -> Expr {
    Expr::col(col).binary(BinaryOp::Gt, Expr::lit(x))
}

fn judge(e: &Ethos, action: &str) -> DeonticVerdict {
    e.evaluate(action, &ActionContext::empty(), None).unwrap()
}

#[test]
fn a_tagged_norm_vets_only_actions_sharing_a_tag_and_an_untagged_one_vets_all() {
    let mut e = Ethos::with_norms([
        Norm::new("no-harm", ANY_ACTION, Modality::Impermissible).tags(["people"]),
        Norm::new("log", ANY_ACTION, Modality::Obligatory),
    ])
    .unwrap();
    e.set_action_tags("evacuate", vec!["people".into(), "safety".into()])
        .unwrap();
    let v = judge(&e, "evacuate");
    assert_eq!(v.modality, Modality::Impermissible);
    assert_eq!(v.applicable, vec![id("no-harm"), id("log")]);
    assert_eq!(v.tags, vec!["people".to_string(), "safety".to_string()]);
    let v = judge(&e, "vent");
    assert_eq!(v.modality, Modality::Obligatory);
    assert_eq!(v.applicable, vec![id("log")]);
    // Tags given with the call add to the declared ones.
    let v = e
        .evaluate_tagged("vent", &["people".into()], &ActionContext::empty(), None)
        .unwrap();
    assert_eq!(v.modality, Modality::Impermissible);
}

#[test]
fn an_explicit_defeat_overrides_rank_and_a_defeated_norm_defeats_nothing() {
    let e = Ethos::with_norms([
        Norm::new("a", "go", Modality::Optional).defeats([id("b")]),
        Norm::new("b", "go", Modality::Impermissible)
            .priority(10)
            .defeats([id("c")]),
        Norm::new("c", "go", Modality::Obligatory).priority(5),
    ])
    .unwrap();
    let v = judge(&e, "go");
    // b is out (a defeats it), so b's defeat of c does not count; c then
    // outranks a by lex superior.
    assert_eq!(v.modality, Modality::Obligatory);
    assert_eq!(v.decided_by, Some(id("c")));
    assert_eq!(v.defeated[0].norm, id("b"));
    assert_eq!(v.defeated[0].by, id("a"));
    assert_eq!(v.defeated[0].rule, Rule::Explicit);
    assert!(v.justification().contains("explicit defeat"));
}

#[test]
fn relations_to_unknown_norms_and_loops_fail_at_build_and_change_nothing() {
    let err = Ethos::with_norms([Norm::new("a", "go", Modality::Optional).defeats([id("x")])])
        .unwrap_err();
    assert!(matches!(err, EthosError::UnknownRelation { ref target, .. } if *target == id("x")));
    assert_eq!(
        err.to_string(),
        "norm \"a\" defeats norm \"x\", which the ethos does not hold"
    );
    let err = Ethos::with_norms([
        Norm::new("a", "go", Modality::Optional).defeats([id("b")]),
        Norm::new("b", "go", Modality::Optional).defeats([id("c")]),
        Norm::new("c", "go", Modality::Optional).defeats([id("a")]),
    ])
    .unwrap_err();
    assert!(
        matches!(err, EthosError::RelationCycle { relation: "defeat", ref cycle } if cycle.len() == 3)
    );
    let err = Ethos::with_norms([
        Norm::new("a", "go", Modality::Optional).inherits("b"),
        Norm::new("b", "go", Modality::Optional).inherits("a"),
    ])
    .unwrap_err();
    assert!(matches!(
        err,
        EthosError::RelationCycle {
            relation: "specialization",
            ..
        }
    ));
    let mut e = Ethos::with_norms([Norm::new("a", "go", Modality::Optional)]).unwrap();
    assert!(e
        .add(Norm::new("b", "go", Modality::Optional).inherits("zz"))
        .is_err());
    assert_eq!(e.len(), 1);
    e.add(Norm::new("b", "go", Modality::Optional).defeats([id("a")]))
        .unwrap();
    assert!(e
        .update(Norm::new("a", "go", Modality::Optional).defeats([id("b")]))
        .is_err());
    assert!(e.get(&id("a")).unwrap().defeats.is_empty());
    assert!(matches!(
        e.remove(&id("a")),
        Err(EthosError::NormInUse { .. })
    ));
    assert_eq!(e.len(), 2);
}

#[test]
fn a_specialization_applies_only_where_its_parent_does_and_ranks_more_specific() {
    let e = Ethos::with_norms([
        Norm::new("hot", "vent", Modality::Obligatory)
            .when(gt("heat", 50.0))
            .specificity(3)
            .tags(["air"]),
        Norm::new("reactor-hot", "vent", Modality::Impermissible)
            .when(gt("room", 0.5))
            .inherits("hot"),
    ])
    .unwrap();
    let mut e = e;
    e.set_action_tags("vent", vec!["air".into()]).unwrap();
    assert_eq!(
        e.effective(&id("reactor-hot")),
        Some((&["air".to_string()][..], 4))
    );
    let ctx = OwnedContext::new().with("heat", 20.0).with("room", 1.0);
    let v = e.evaluate("vent", &ctx.view(), None).unwrap();
    assert!(v.applicable.is_empty(), "the parent does not hold");
    let untagged = e.evaluate("cool", &ctx.view(), None).unwrap();
    assert!(untagged.applicable.is_empty());
    let ctx = OwnedContext::new().with("heat", 90.0).with("room", 1.0);
    let v = e.evaluate("vent", &ctx.view(), None).unwrap();
    assert_eq!(v.modality, Modality::Impermissible);
    assert_eq!(v.defeated[0].rule, Rule::LexSpecialis);
    assert_eq!(v.defeated[0].reason, "specificity 4 > 3");
}

#[test]
fn optional_norms_carry_costs_and_choose_picks_the_cheapest_permitted() {
    let e = Ethos::with_norms([
        Norm::new("walk", "walk", Modality::Optional).cost(2.0),
        Norm::new("walk-rain", "walk", Modality::Optional).cost(1.5),
        Norm::new("drive", "drive", Modality::Optional).cost(3.0),
        Norm::new("fly", "fly", Modality::Impermissible),
    ])
    .unwrap();
    assert_eq!(judge(&e, "walk").cost, 3.5);
    assert!(judge(&e, "walk")
        .justification()
        .contains("at a cost of 3.5"));
    let actions: Vec<String> = ["fly", "drive", "walk"].map(String::from).to_vec();
    let c = e.choose(&actions, &ActionContext::empty(), None).unwrap();
    assert_eq!(c.chosen, Some(1));
    assert!(c.reason.contains("refused: \"fly\""), "{}", c.reason);
    let only_fly = vec!["fly".to_string()];
    assert_eq!(
        e.choose(&only_fly, &ActionContext::empty(), None)
            .unwrap()
            .chosen,
        None
    );
    assert!(e.choose(&[], &ActionContext::empty(), None).is_err());
    let err = Norm::new("x", "go", Modality::Obligatory)
        .cost(1.0)
        .validate();
    assert!(matches!(
        err,
        Err(EthosError::InvalidNorm { name: "cost", .. })
    ));
    let err = Norm::new("x", "go", Modality::Optional)
        .cost(f64::NAN)
        .validate();
    assert!(err.is_err());
}

#[test]
fn the_calculi_differ_on_a_low_priority_prohibition() {
    let norms = [
        Norm::new("must", "go", Modality::Obligatory).priority(10),
        Norm::new("must-not", "go", Modality::Impermissible).priority(1),
    ];
    let mut e = Ethos::with_norms(norms.clone()).unwrap();
    let v = judge(&e, "go");
    assert_eq!(
        (v.modality, v.decided_by.clone()),
        (Modality::Obligatory, Some(id("must")))
    );
    e.set_calculus(Calculus::DeepCausality);
    let v = judge(&e, "go");
    assert_eq!(v.modality, Modality::Impermissible);
    assert_eq!(v.decided_by, Some(id("must-not")));
    assert_eq!(v.defeated[0].rule, Rule::ModalPrecedence);
    assert!(v.justification().contains("[deepcausality calculus]"));
}

#[test]
fn in_the_deepcausality_calculus_a_defeat_needs_the_defeater_to_outrank() {
    let norms = [
        Norm::new("allow", "go", Modality::Optional).defeats([id("ban")]),
        Norm::new("ban", "go", Modality::Impermissible).priority(3),
    ];
    let mut e = Ethos::with_norms(norms).unwrap();
    assert_eq!(judge(&e, "go").modality, Modality::Optional);
    e.set_calculus(Calculus::DeepCausality);
    assert_eq!(judge(&e, "go").modality, Modality::Impermissible);
    e.update(
        Norm::new("allow", "go", Modality::Optional)
            .defeats([id("ban")])
            .time(1.0),
    )
    .unwrap();
    let v = judge(&e, "go");
    assert_eq!(v.modality, Modality::Optional);
    assert!(v.defeated[0]
        .reason
        .contains("enacted 1970-01-01T00:00:01Z > 1970-01-01"));
}

#[test]
fn a_predicate_on_an_uncertain_value_is_decided_by_the_sequential_test() {
    let e =
        Ethos::with_norms([Norm::new("hot", "vent", Modality::Obligatory).when(gt("heat", 50.0))])
            .unwrap();
    let names: Vec<String> = vec![];
    let values: Vec<f64> = vec![];
    let clear = vec![("heat".to_string(), Uncertain::normal(56.0, 5.0).unwrap())];
    let ctx = ActionContext::new(&names, &values).with_uncertain(&clear, 7);
    let v = e.evaluate("vent", &ctx, None).unwrap();
    assert_eq!(v.modality, Modality::Obligatory);
    assert_eq!(v.decisions.len(), 1);
    let (norm, d) = &v.decisions[0];
    assert_eq!(*norm, id("hot"));
    assert!(d.outcome && d.samples < 1000 && d.seed == 7);
    assert!(v.justification().contains("decided on uncertain values"));
    let cold = vec![("heat".to_string(), Uncertain::normal(45.0, 5.0).unwrap())];
    let ctx = ActionContext::new(&names, &values).with_uncertain(&cold, 7);
    let v = e.evaluate("vent", &ctx, None).unwrap();
    assert!(v.applicable.is_empty() && v.decisions.len() == 1);
    // The same seed decides the same way.
    assert_eq!(e.evaluate("vent", &ctx, None).unwrap(), v);
}

fn norm_strategy() -> impl Strategy<Value = Vec<(u8, i64, i64, u8, bool)>> {
    prop::collection::vec((0u8..3, 0i64..3, 0i64..3, 0u8..4, any::<bool>()), 1..7)
}

fn build(spec: &[(u8, i64, i64, u8, bool)], order: &[usize], calculus: Calculus) -> Ethos {
    let norms: Vec<Norm> = spec
        .iter()
        .enumerate()
        .map(|(i, &(m, p, s, cost, tagged))| {
            let modality = Modality::ALL[m as usize];
            let mut n = Norm::new(i as i64, "go", modality)
                .priority(p)
                .specificity(s);
            if modality == Modality::Optional {
                n = n.cost(cost as f64);
            }
            if tagged {
                n = n.tags(["t"]);
            }
            // Each norm defeats its successor by index when both are optional-free.
            if i % 3 == 0 && i + 1 < spec.len() {
                n = n.defeats([NodeId::Int(i as i64 + 1)]);
            }
            n
        })
        .collect();
    let mut e = Ethos::with_norms(order.iter().map(|&k| norms[k].clone())).unwrap();
    e.set_calculus(calculus);
    e.set_action_tags("go", vec!["t".into()]).unwrap();
    e
}

fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v
}

proptest! {
    #[test]
    fn resolution_does_not_depend_on_insertion_order(
        spec in norm_strategy(),
        seed in any::<u64>(),
        dc in any::<bool>(),
    ) {
        let calculus = if dc { Calculus::DeepCausality } else { Calculus::Priority };
        let forward: Vec<usize> = (0..spec.len()).collect();
        let mut shuffled = forward.clone();
        // A seeded Fisher-Yates shuffle.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let a = judge(&build(&spec, &forward, calculus), "go");
        let b = judge(&build(&spec, &shuffled, calculus), "go");
        prop_assert_eq!(a.modality, b.modality);
        prop_assert_eq!(&a.decided_by, &b.decided_by);
        prop_assert_eq!(a.cost, b.cost);
        prop_assert_eq!(sorted(&a.applicable), sorted(&b.applicable));
        prop_assert_eq!(sorted(&a.concurring), sorted(&b.concurring));
        prop_assert_eq!(sorted(&a.unresolved), sorted(&b.unresolved));
        let key = |v: &DeonticVerdict| sorted(&v.defeated.iter().map(|d| (d.norm.clone(), d.by.clone(), d.rule)).collect::<Vec<_>>());
        prop_assert_eq!(key(&a), key(&b));
    }
}
