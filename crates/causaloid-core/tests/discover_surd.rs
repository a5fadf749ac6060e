//! SURD on exact distributions whose decomposition is known analytically, and
//! the invariants that hold on any distribution.

use causaloid_core::discover::{surd_from_pdf, surd_from_states, DiscoverError};
use proptest::prelude::*;

const TOL: f64 = 1e-9;

/// A joint pdf over (target, x1, x2) from a rule on two fair bits.
fn two_bit_pdf(rule: impl Fn(usize, usize) -> usize) -> Vec<f64> {
    let mut p = vec![0.0; 8];
    for x1 in 0..2 {
        for x2 in 0..2 {
            p[rule(x1, x2) * 4 + x1 * 2 + x2] += 0.25;
        }
    }
    p
}

#[test]
fn a_target_copying_one_agent_is_all_unique() {
    let r = surd_from_pdf(&two_bit_pdf(|x1, _| x1), &[2, 2, 2], None).unwrap();
    assert!((r.unique[0] - 1.0).abs() < TOL);
    assert!(r.unique[1].abs() < TOL);
    assert!(r.redundant.values().all(|v| v.abs() < TOL));
    assert!(r.synergistic.values().all(|v| v.abs() < TOL));
    assert!(r.info_leak.abs() < TOL);
}

#[test]
fn two_identical_agents_copied_by_the_target_are_all_redundant() {
    // x2 == x1 == target.
    let mut p = vec![0.0; 8];
    p[0] = 0.5;
    p[7] = 0.5;
    let r = surd_from_pdf(&p, &[2, 2, 2], None).unwrap();
    assert!((r.redundant[&vec![0, 1]] - 1.0).abs() < TOL);
    assert!(r.unique.iter().all(|v| v.abs() < TOL));
    assert!(r.synergistic.values().all(|v| v.abs() < TOL));
}

#[test]
fn xor_of_two_fair_bits_is_one_bit_of_synergy() {
    let r = surd_from_pdf(&two_bit_pdf(|x1, x2| x1 ^ x2), &[2, 2, 2], None).unwrap();
    assert!((r.synergistic[&vec![0, 1]] - 1.0).abs() < TOL);
    assert!(r.unique.iter().all(|v| v.abs() < TOL));
    assert!(r.redundant.values().all(|v| v.abs() < TOL));
    assert!((r.mutual_info - 1.0).abs() < TOL);
}

#[test]
fn independent_noise_leaks_everything() {
    let p = vec![1.0 / 8.0; 8];
    let r = surd_from_pdf(&p, &[2, 2, 2], None).unwrap();
    assert!(r.total().abs() < TOL);
    assert!((r.info_leak - 1.0).abs() < TOL);
    assert!((r.target_entropy - 1.0).abs() < TOL);
}

#[test]
fn samples_and_their_pdf_give_the_same_decomposition() {
    let target = [0u32, 1, 1, 0, 1, 0, 0, 1, 1, 1];
    let a = [0u32, 1, 1, 0, 0, 0, 1, 1, 1, 0];
    let b = [1u32, 0, 1, 1, 0, 0, 1, 0, 1, 1];
    let from_states = surd_from_states(&target, 2, &[&a, &b], &[2, 2], None).unwrap();
    let mut p = vec![0.0; 8];
    for i in 0..target.len() {
        p[target[i] as usize * 4 + a[i] as usize * 2 + b[i] as usize] += 1.0;
    }
    let from_pdf = surd_from_pdf(&p, &[2, 2, 2], None).unwrap();
    assert!((from_states.total() - from_pdf.total()).abs() < TOL);
    for (x, y) in from_states.unique.iter().zip(&from_pdf.unique) {
        assert!((x - y).abs() < TOL);
    }
}

#[test]
fn results_are_bit_identical_on_one_thread_or_many() {
    let n = 20_000;
    let mut state = 12345u64;
    let mut next = |m: u32| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as u32) % m
    };
    let agents: Vec<Vec<u32>> = (0..4).map(|_| (0..n).map(|_| next(6)).collect()).collect();
    let target: Vec<u32> = (0..n)
        .map(|i| (agents[0][i] + agents[1][i] * agents[2][i] + next(2)) % 6)
        .collect();
    let refs: Vec<&[u32]> = agents.iter().map(Vec::as_slice).collect();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| surd_from_states(&target, 6, &refs, &[6; 4], None).unwrap())
    };
    assert_eq!(run(1), run(4));
}

#[test]
fn max_order_limits_the_combinations() {
    let p = two_bit_pdf(|x1, x2| x1 ^ x2);
    let r = surd_from_pdf(&p, &[2, 2, 2], Some(1)).unwrap();
    assert!(r.synergistic.is_empty());
    // Single agents know nothing of a XOR: everything is unexplained at order 1.
    assert!(r.total().abs() < TOL);
    assert!((r.mutual_info - 1.0).abs() < TOL);
}

#[test]
fn bad_distributions_are_rejected() {
    assert!(matches!(
        surd_from_pdf(&[0.5, -0.1, 0.3, 0.3], &[2, 2], None),
        Err(DiscoverError::BadDistribution { .. })
    ));
    assert!(matches!(
        surd_from_pdf(&[0.5, 0.5], &[2], None),
        Err(DiscoverError::BadDistribution { .. })
    ));
    assert!(matches!(
        surd_from_pdf(&[0.5; 3], &[2, 2], None),
        Err(DiscoverError::BadDistribution { .. })
    ));
    assert!(matches!(
        surd_from_pdf(&[0.25; 4], &[2, 2], Some(0)),
        Err(DiscoverError::InvalidArgument { .. })
    ));
}

proptest! {
    #[test]
    fn components_sum_to_the_mutual_information(
        weights in proptest::collection::vec(0.0f64..1.0, 27),
        zeros in proptest::collection::vec(any::<bool>(), 27),
    ) {
        let p: Vec<f64> = weights.iter().zip(&zeros).map(|(w, z)| if *z { 0.0 } else { *w }).collect();
        prop_assume!(p.iter().sum::<f64>() > 0.0);
        let r = surd_from_pdf(&p, &[3, 3, 3], None).unwrap();
        prop_assert!((r.total() - r.mutual_info).abs() < 1e-9);
        prop_assert!((r.mutual_info + r.info_leak - r.target_entropy).abs() < 1e-9);
        prop_assert!(r.unique.iter().chain(r.redundant.values()).chain(r.synergistic.values()).all(|v| *v >= -1e-12));
    }
}

proptest! {
    #[test]
    fn garbage_columns_give_errors_not_panics(
        target in proptest::collection::vec(prop_oneof![any::<f64>(), -3.0f64..3.0], 0..30),
        agent in proptest::collection::vec(prop_oneof![any::<f64>(), -3.0f64..3.0], 0..30),
        lag in 0usize..4,
        bins in 0usize..6,
        max_order in proptest::option::of(0usize..3),
    ) {
        use causaloid_core::discover::{surd_from_columns, BinSpec, Column};
        let t = Column { name: "y", values: &target, bins: BinSpec::EqualWidth(bins) };
        let a = Column { name: "x", values: &agent, bins: BinSpec::Edges(vec![-3.0, 0.0, 3.0]) };
        if let Ok(r) = surd_from_columns(&t, &[a], lag, max_order) {
            prop_assert!(r.result.mutual_info.is_finite() && r.result.info_leak.is_finite());
        }
    }

    #[test]
    fn garbage_states_give_errors_not_panics(
        target in proptest::collection::vec(0u32..5, 0..20),
        agent in proptest::collection::vec(0u32..5, 0..20),
        n_target in 0usize..5,
        n_states in 0usize..5,
    ) {
        let _ = surd_from_states(&target, n_target, &[&agent], &[n_states], None);
    }
}

/// Adds a per-state vector in state order, as the aggregation does.
fn in_order(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, b| a + b)
}

#[test]
fn an_xor_target_is_synergistic_in_every_state() {
    let r = surd_from_pdf(&two_bit_pdf(|x1, x2| x1 ^ x2), &[2, 2, 2], None).unwrap();
    let s = &r.states;
    assert_eq!(s.target_probability, vec![0.5, 0.5]);
    for t in 0..2 {
        assert!((s.synergistic[&vec![0, 1]][t] - 0.5).abs() < TOL);
        assert!(s.unique.iter().all(|u| u[t].abs() < TOL));
        assert!(s.leak[t].abs() < TOL);
    }
}

proptest! {
    #[test]
    fn state_maps_sum_back_to_the_aggregated_components(
        weights in proptest::collection::vec(0.0f64..1.0, 27),
        zeros in proptest::collection::vec(any::<bool>(), 27),
        max_order in 1usize..3,
    ) {
        let p: Vec<f64> = weights.iter().zip(&zeros).map(|(w, z)| if *z { 0.0 } else { *w }).collect();
        prop_assume!(p.iter().sum::<f64>() > 0.0);
        for order in [Some(max_order), None] {
            let r = surd_from_pdf(&p, &[3, 3, 3], order).unwrap();
            let s = &r.states;
            prop_assert_eq!(s.unique.len(), r.unique.len());
            for (u, by_state) in r.unique.iter().zip(&s.unique) {
                prop_assert_eq!(in_order(by_state), *u);
            }
            for (combo, v) in &r.redundant {
                prop_assert_eq!(in_order(&s.redundant[combo]), *v);
            }
            for (combo, v) in &r.synergistic {
                prop_assert_eq!(in_order(&s.synergistic[combo]), *v);
            }
            prop_assert!((in_order(&s.leak) - r.info_leak).abs() < 1e-9);
            prop_assert!(s.leak.iter().all(|v| *v >= 0.0));
            if order.is_none() {
                // Each state's causal parts and leak make up its share of H(target).
                for (t, &pt) in s.target_probability.iter().enumerate() {
                    let causal: f64 = s.unique.iter().map(|u| u[t]).sum::<f64>()
                        + s.redundant.values().map(|v| v[t]).sum::<f64>()
                        + s.synergistic.values().map(|v| v[t]).sum::<f64>();
                    let share = if pt > 0.0 { -pt * pt.log2() } else { 0.0 };
                    prop_assert!((causal + s.leak[t] - share).abs() < 1e-9, "state {}", t);
                }
            }
        }
    }
}
