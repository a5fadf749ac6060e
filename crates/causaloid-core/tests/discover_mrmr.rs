//! mRMR selection: order, determinism and clean errors.

use causaloid_core::discover::{mrmr, DiscoverError, Relevance};

fn data(n: usize, m: usize) -> (Vec<String>, Vec<Vec<f64>>, Vec<f64>) {
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let features: Vec<Vec<f64>> = (0..m).map(|_| (0..n).map(|_| next()).collect()).collect();
    let target = (0..n)
        .map(|i| 3.0 * features[0][i] + 2.0 * features[1][i] + features[2][i] + 0.1 * next())
        .collect();
    ((0..m).map(|j| format!("x{j}")).collect(), features, target)
}

#[test]
fn the_strongest_drivers_come_first_in_order_of_strength() {
    let (names, features, target) = data(2000, 12);
    let refs: Vec<&[f64]> = features.iter().map(Vec::as_slice).collect();
    for kind in [
        Relevance::FRegression,
        Relevance::MutualInfo {
            bins: 8,
            discrete_target: false,
        },
    ] {
        let r = mrmr(&names, &refs, "y", &target, 3, kind).unwrap();
        assert_eq!(r.selected, vec![0, 1, 2], "{kind:?}");
        assert_eq!(r.scores.len(), 3);
    }
}

#[test]
fn results_are_bit_identical_on_one_thread_or_many() {
    let (names, features, target) = data(5000, 30);
    let refs: Vec<&[f64]> = features.iter().map(Vec::as_slice).collect();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| mrmr(&names, &refs, "y", &target, 10, Relevance::FRegression).unwrap())
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn constant_and_non_finite_columns_are_named() {
    let (names, mut features, target) = data(100, 3);
    features[1] = vec![2.0; 100];
    let refs: Vec<&[f64]> = features.iter().map(Vec::as_slice).collect();
    let err = mrmr(&names, &refs, "y", &target, 2, Relevance::FRegression).unwrap_err();
    assert_eq!(
        err,
        DiscoverError::Constant {
            column: "x1".into(),
            value: 2.0
        }
    );
    features[1][5] = f64::NAN;
    let refs: Vec<&[f64]> = features.iter().map(Vec::as_slice).collect();
    assert!(matches!(
        mrmr(&names, &refs, "y", &target, 2, Relevance::FClassif),
        Err(DiscoverError::NonFinite { row: 5, .. })
    ));
}
