//! Structure learning runs in parallel (PC over pairs, GES over moves, BOSS
//! over positions, PCMCI over variables and links) and its results do not
//! depend on the number of threads: same graph, same p-values bit for bit,
//! same score.

use causaloid_core::discover::{
    boss, ges, pc, pcmci, CiTest, GesOptions, GesScore, PcColumn, PcOptions, PcmciOptions,
};

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*seed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

fn normal(seed: &mut u64) -> f64 {
    let (u, v) = (lcg(seed), lcg(seed));
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Eight autocorrelated series, each driven by the previous one a step before.
fn series(rows: usize) -> Vec<Vec<f64>> {
    let mut seed = 11;
    let vars = 8;
    let mut data = vec![vec![0.0; rows]; vars];
    for t in 1..rows {
        for v in 0..vars {
            let mut x = 0.5 * data[v][t - 1] + normal(&mut seed);
            if v > 0 {
                x += 0.6 * data[v - 1][t - 1];
            }
            data[v][t] = x;
        }
    }
    data
}

fn on<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool")
        .install(f)
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let data = series(1500);
    let names: Vec<String> = (0..data.len()).map(|i| format!("x{i}")).collect();
    let cols: Vec<PcColumn<'_>> = data
        .iter()
        .zip(&names)
        .map(|(values, name)| PcColumn { name, values })
        .collect();
    let pc_opts = PcOptions {
        alpha: 0.05,
        test: CiTest::FisherZ,
        max_depth: None,
    };
    let mci_opts = PcmciOptions {
        alpha: 0.05,
        pc_alpha: 0.2,
        test: CiTest::FisherZ,
        max_lag: 2,
        max_conds: None,
        contemporaneous: true,
    };
    let run = || {
        let p = pc(&cols, &pc_opts).expect("pc");
        let g = ges(&cols, &GesOptions::default()).expect("ges");
        let m = pcmci(&cols, &mci_opts).expect("pcmci");
        let b = boss(&cols, &GesOptions::default()).expect("boss");
        (p, g, m, b)
    };
    let (pc1, ges1, mci1, boss1) = on(1, run);
    let (pc4, ges4, mci4, boss4) = on(4, run);
    assert_eq!(boss1, boss4);
    assert_eq!(pc1, pc4);
    assert_eq!(ges1.graph, ges4.graph);
    assert_eq!(ges1.score.to_bits(), ges4.score.to_bits());
    assert_eq!(mci1.marks, mci4.marks);
    let bits = |r: &causaloid_core::discover::PcmciResult| -> Vec<u64> {
        r.links.iter().map(|l| l.p_value.to_bits()).collect()
    };
    assert_eq!(bits(&mci1), bits(&mci4));
    // The chain x0 -> x1 -> ... one step apart is what PCMCI finds.
    let (directed, _) = mci1.marks.edges();
    for v in 1..8 {
        assert!(
            directed.contains(&(8 + v - 1, v)),
            "x{}(t-1) -> x{v}(t)",
            v - 1
        );
    }
}

#[test]
fn bdeu_search_is_deterministic_on_categorical_columns() {
    let mut seed = 5;
    let rows = 3000;
    let a: Vec<f64> = (0..rows).map(|_| (lcg(&mut seed) * 3.0).floor()).collect();
    let b: Vec<f64> = a
        .iter()
        .map(|&x| {
            if lcg(&mut seed) < 0.8 {
                x
            } else {
                (lcg(&mut seed) * 3.0).floor()
            }
        })
        .collect();
    let c: Vec<f64> = (0..rows).map(|_| (lcg(&mut seed) * 2.0).floor()).collect();
    let cols = [
        PcColumn {
            name: "a",
            values: &a,
        },
        PcColumn {
            name: "b",
            values: &b,
        },
        PcColumn {
            name: "c",
            values: &c,
        },
    ];
    let opts = GesOptions {
        score: GesScore::Bdeu {
            sample_prior: 1.0,
            structure_prior: 1.0,
        },
        ..GesOptions::default()
    };
    let one = on(1, || ges(&cols, &opts).expect("ges"));
    let four = on(4, || ges(&cols, &opts).expect("ges"));
    assert_eq!(one, four);
    // a and b are dependent (one undirected edge), c is independent of both.
    assert_eq!(one.graph.edges(), (vec![], vec![(0, 1)]));
}
