//! `missing="drop"` in discovery: listwise deletion in the engine. Dropping
//! equals running on the table of complete rows (complete windows for the
//! time-lagged methods), the counts say how many rows were used and dropped,
//! and a drop that leaves too few rows says so.

use causaloid_core::discover::{
    complete_windows, learn_graph, mrmr, mrmr_missing, pc, pc_lagged, pcmci, pcmci_with,
    root_cause_scores, root_cause_scores_missing, surd_from_columns, surd_from_columns_missing,
    BinSpec, CiTest, Column, DiscoverError, GesOptions, GesScore, Learned, Learner, MissingRows,
    PcColumn, PcError, PcOptions, PcmciOptions, Relevance, RowsUsed,
};
use proptest::prelude::*;

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*seed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// Three autocorrelated series (x drives y a step later, y drives z), with
/// NaN holes where `hole(seed)` says.
fn series(rows: usize, seed: u64, holes: u64) -> Vec<Vec<f64>> {
    let mut s = seed | 1;
    let mut data = vec![vec![0.0; rows]; 3];
    for t in 1..rows {
        for v in 0..3 {
            let mut x = 0.4 * data[v][t - 1] + lcg(&mut s) - 0.5;
            if v > 0 {
                x += 0.8 * data[v - 1][t - 1];
            }
            data[v][t] = x;
        }
    }
    let mut h = seed ^ 0x9e37_79b9;
    for c in data.iter_mut() {
        for x in c.iter_mut() {
            if holes > 0 && (lcg(&mut h) * 1000.0) as u64 % holes == 0 {
                *x = f64::NAN;
            }
        }
    }
    data
}

const NAMES: [&str; 3] = ["x", "y", "z"];

fn complete(data: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let refs: Vec<&[f64]> = data.iter().map(Vec::as_slice).collect();
    let keep = complete_windows(&refs, data[0].len(), 0).unwrap();
    data.iter()
        .map(|c| keep.iter().map(|&k| c[k]).collect())
        .collect()
}

fn pc_cols(data: &[Vec<f64>]) -> Vec<PcColumn<'_>> {
    data.iter()
        .zip(NAMES)
        .map(|(v, name)| PcColumn { name, values: v })
        .collect()
}

const PC: PcOptions = PcOptions {
    alpha: 0.05,
    test: CiTest::FisherZ,
    max_depth: None,
};

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn dropping_equals_discovering_on_the_complete_rows(
        seed in any::<u64>(),
        holes in prop_oneof![Just(0u64), Just(7), Just(23)],
    ) {
        let data = series(400, seed, holes);
        let clean = complete(&data);
        let n = data[0].len();
        let used = clean[0].len();
        let rows = RowsUsed { used, dropped: n - used };
        // PC, GES, BOSS
        let (learned, counted) =
            learn_graph(&pc_cols(&data), Learner::Pc(&PC, None), MissingRows::Drop).unwrap();
        prop_assert_eq!(counted, rows);
        let Learned::Pc(r) = learned else { panic!("pc") };
        prop_assert_eq!(r, pc(&pc_cols(&clean), &PC).unwrap());
        let ges_opts = GesOptions { penalty: 1.0, max_subset: 10, score: GesScore::Bic };
        let (learned, counted) =
            learn_graph(&pc_cols(&data), Learner::Ges(&ges_opts), MissingRows::Drop).unwrap();
        prop_assert_eq!(counted, rows);
        let Learned::Ges(g) = learned else { panic!("ges") };
        prop_assert_eq!(g, causaloid_core::discover::ges(&pc_cols(&clean), &ges_opts).unwrap());
        // mRMR
        let names: Vec<String> = NAMES[..2].iter().map(|s| s.to_string()).collect();
        let feats: Vec<&[f64]> = data[..2].iter().map(Vec::as_slice).collect();
        let (m, counted) = mrmr_missing(
            &names, &feats, "z", &data[2], 2, Relevance::FRegression, MissingRows::Drop,
        ).unwrap();
        prop_assert_eq!(counted, rows);
        let cf: Vec<&[f64]> = clean[..2].iter().map(Vec::as_slice).collect();
        prop_assert_eq!(m, mrmr(&names, &cf, "z", &clean[2], 2, Relevance::FRegression).unwrap());
        // SURD, lag 0: the complete rows.
        let col = |name, values| Column { name, values, bins: BinSpec::EqualWidth(3) };
        let (s, _, counted) = surd_from_columns_missing(
            &col("z", &data[2]), &[col("x", &data[0]), col("y", &data[1])],
            0, None, 0, 0, MissingRows::Drop,
        ).unwrap();
        prop_assert_eq!(counted, rows);
        let direct = surd_from_columns(
            &col("z", &clean[2]), &[col("x", &clean[0]), col("y", &clean[1])], 0, None,
        ).unwrap();
        prop_assert_eq!(s, direct);
        // Root causes: each period its complete rows.
        let half = n / 2;
        let normal: Vec<&[f64]> = data.iter().map(|c| &c[..half]).collect();
        let anomalous: Vec<&[f64]> = data.iter().map(|c| &c[half..]).collect();
        let all: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
        let parents = vec![vec![], vec![0], vec![1]];
        let (scores, counted) =
            root_cause_scores_missing(&all, &normal, &anomalous, &parents, MissingRows::Drop)
                .unwrap();
        let cn = complete(&normal.iter().map(|c| c.to_vec()).collect::<Vec<_>>());
        let ca = complete(&anomalous.iter().map(|c| c.to_vec()).collect::<Vec<_>>());
        prop_assert_eq!(counted.used, cn[0].len() + ca[0].len());
        prop_assert_eq!(counted.used + counted.dropped, n);
        let cnr: Vec<&[f64]> = cn.iter().map(Vec::as_slice).collect();
        let car: Vec<&[f64]> = ca.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(scores, root_cause_scores(&all, &cnr, &car, &parents).unwrap());
    }

    #[test]
    fn time_lagged_methods_drop_the_windows_that_read_a_missing_cell(
        seed in any::<u64>(),
        holes in prop_oneof![Just(0u64), Just(37)],
        lag in 1usize..3,
    ) {
        let data = series(500, seed, holes);
        let n = data[0].len();
        let refs: Vec<&[f64]> = data.iter().map(Vec::as_slice).collect();
        // SURD: sample t pairs the agents at t with the target at t + lag.
        let col = |name, values| Column { name, values, bins: BinSpec::EqualWidth(3) };
        let (s, _, counted) = surd_from_columns_missing(
            &col("y", &data[1]), &[col("x", &data[0])], lag, None, 0, 0, MissingRows::Drop,
        ).unwrap();
        let keep: Vec<usize> = (0..n - lag)
            .filter(|&t| !data[0][t].is_nan() && !data[1][t + lag].is_nan())
            .collect();
        prop_assert_eq!(counted, RowsUsed { used: keep.len(), dropped: n - lag - keep.len() });
        let xs: Vec<f64> = keep.iter().map(|&t| data[0][t]).collect();
        let ys: Vec<f64> = keep.iter().map(|&t| data[1][t + lag]).collect();
        let direct = surd_from_columns(&col("y", &ys), &[col("x", &xs)], 0, None).unwrap();
        prop_assert_eq!(s.result, direct.result);
        // Lagged PC: windows of lag + 1 rows.
        let windows = complete_windows(&refs, n, lag).unwrap();
        let (learned, counted) =
            learn_graph(&pc_cols(&data), Learner::Pc(&PC, Some(lag)), MissingRows::Drop).unwrap();
        prop_assert_eq!(counted, RowsUsed { used: windows.len(), dropped: n - lag - windows.len() });
        if holes == 0 {
            let Learned::Pc(r) = learned else { panic!("pc") };
            prop_assert_eq!(r, pc_lagged(&pc_cols(&data), lag, &PC).unwrap());
        }
        // PCMCI: windows of 2 * max_lag + 1 rows.
        let opts = PcmciOptions {
            alpha: 0.05, pc_alpha: 0.2, test: CiTest::FisherZ,
            max_lag: lag, max_conds: None, contemporaneous: true,
        };
        let (r, counted) = pcmci_with(&pc_cols(&data), &opts, MissingRows::Drop).unwrap();
        let span = 2 * lag;
        let windows = complete_windows(&refs, n, span).unwrap();
        prop_assert_eq!(counted, RowsUsed { used: windows.len(), dropped: n - span - windows.len() });
        if holes == 0 {
            prop_assert_eq!(r, pcmci(&pc_cols(&data), &opts).unwrap());
        }
    }
}

#[test]
fn the_default_still_raises_naming_the_row() {
    let data = series(100, 3, 0);
    let mut x = data[0].clone();
    x[17] = f64::NAN;
    let cols = vec![
        PcColumn {
            name: "x",
            values: &x,
        },
        PcColumn {
            name: "y",
            values: &data[1],
        },
    ];
    match learn_graph(&cols, Learner::Pc(&PC, None), MissingRows::Raise) {
        Err(PcError::NonFinite { column, row, .. }) => {
            assert_eq!((column.as_str(), row), ("x", 17))
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn an_infinity_is_still_non_finite_at_its_row_in_the_callers_table() {
    let data = series(100, 5, 0);
    let mut x = data[0].clone();
    x[3] = f64::NAN;
    x[40] = f64::INFINITY;
    let cols = vec![
        PcColumn {
            name: "x",
            values: &x,
        },
        PcColumn {
            name: "y",
            values: &data[1],
        },
    ];
    match learn_graph(&cols, Learner::Pc(&PC, None), MissingRows::Drop) {
        Err(PcError::NonFinite { row, value, .. }) => {
            assert_eq!(row, 40);
            assert!(value.is_infinite());
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_drop_that_leaves_too_few_rows_says_so() {
    let data = series(60, 9, 0);
    let mut x = data[0].clone();
    for v in x.iter_mut().skip(2) {
        *v = f64::NAN;
    }
    let cols = vec![
        PcColumn {
            name: "x",
            values: &x,
        },
        PcColumn {
            name: "y",
            values: &data[1],
        },
    ];
    match learn_graph(&cols, Learner::Pc(&PC, None), MissingRows::Drop) {
        Err(
            e @ PcError::TooFewAfterDrop {
                used: 2,
                dropped: 58,
                ..
            },
        ) => {
            assert!(e.to_string().contains("missing=\"drop\""), "{e}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let col = |name, values| Column {
        name,
        values,
        bins: BinSpec::EqualWidth(4),
    };
    match surd_from_columns_missing(
        &col("y", &data[1]),
        &[col("x", &x)],
        0,
        None,
        0,
        0,
        MissingRows::Drop,
    ) {
        Err(DiscoverError::TooFewAfterDrop {
            used: 2,
            dropped: 58,
            ..
        }) => {}
        other => panic!("unexpected {other:?}"),
    }
    let all_nan = vec![f64::NAN; 60];
    match surd_from_columns_missing(
        &col("y", &data[1]),
        &[col("x", &all_nan)],
        0,
        None,
        0,
        0,
        MissingRows::Drop,
    ) {
        Err(DiscoverError::TooFewAfterDrop {
            used: 0,
            dropped: 60,
            ..
        }) => {}
        other => panic!("unexpected {other:?}"),
    }
}
