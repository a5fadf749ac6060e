use super::*;
use crate::expr::{BinaryOp, UnaryOp};
use crate::scm::kernel::EVAL_BLOCK;
use proptest::prelude::*;

fn node(name: &str, parents: &[&str], equation: EquationSpec, noise: Noise) -> NodeSpec {
    NodeSpec {
        name: name.into(),
        parents: parents.iter().map(|s| s.to_string()).collect(),
        equation,
        noise,
    }
}

fn normal(std: f64) -> Noise {
    Noise::Normal { mean: 0.0, std }
}

fn lin(intercept: f64, coefs: &[f64]) -> EquationSpec {
    EquationSpec::Linear {
        intercept,
        coefs: coefs.to_vec(),
    }
}

/// z -> x -> y, z -> y; linear Gaussian.
fn linear_model() -> Scm {
    Scm::new(vec![
        node("z", &[], lin(1.0, &[]), normal(1.0)),
        node("x", &["z"], lin(0.5, &[2.0]), normal(0.5)),
        node("y", &["x", "z"], lin(-1.0, &[3.0, -1.5]), normal(2.0)),
    ])
    .unwrap()
}

/// x -> y with y = x * |x| / (1 + |x|) + U_y, an expression.
fn nonlinear_model() -> Scm {
    let x = Expr::col("x");
    let ax = x.clone().unary(UnaryOp::Abs);
    let expr = x
        .binary(BinaryOp::Mul, ax.clone())
        .binary(BinaryOp::Div, Expr::lit(1.0).binary(BinaryOp::Add, ax));
    Scm::new(vec![
        node(
            "x",
            &[],
            lin(0.0, &[]),
            Noise::Uniform {
                low: -2.0,
                high: 2.0,
            },
        ),
        node("y", &["x"], EquationSpec::Expr(expr), normal(0.3)),
    ])
    .unwrap()
}

fn g(x: f64) -> f64 {
    x * x.abs() / (1.0 + x.abs())
}

#[test]
fn linear_counterfactual_equals_the_closed_form() {
    let m = linear_model();
    let (z, x, y) = (0.7, 2.9, 4.1);
    let cf = m
        .counterfactual(
            &[("z", &[z]), ("x", &[x]), ("y", &[y])],
            &[("x".into(), Action::Set(-1.0))],
        )
        .unwrap();
    let uy = y - (-1.0 + 3.0 * x - 1.5 * z);
    let want = -1.0 + 3.0 * -1.0 - 1.5 * z + uy;
    assert!((cf.values[2][0] - want).abs() < 1e-12);
    assert_eq!(cf.values[0][0], z);
    assert_eq!(cf.values[1][0], -1.0);
    assert!((cf.noise[2][0] - uy).abs() < 1e-12);
    assert_eq!(cf.path, vec![1, 2]);
    assert_eq!(
        cf.model.interventions()[0].cut,
        vec![("z".to_string(), "x".to_string())]
    );
}

#[test]
fn nonlinear_counterfactual_equals_the_closed_form() {
    let m = nonlinear_model();
    let (x, y) = (1.3, 0.2);
    let cf = m
        .counterfactual(
            &[("x", &[x]), ("y", &[y])],
            &[("x".into(), Action::Set(-0.4))],
        )
        .unwrap();
    let want = g(-0.4) + (y - g(x));
    assert!((cf.values[1][0] - want).abs() < 1e-12);
}

#[test]
fn soft_intervention_maps_the_old_value() {
    let m = linear_model();
    let shifted = m
        .intervene(&[(
            "x".into(),
            Action::Shift(Expr::value().binary(BinaryOp::Add, Expr::lit(1.0))),
        )])
        .unwrap();
    let cf = m
        .counterfactual(
            &[("z", &[0.0]), ("x", &[1.0]), ("y", &[2.0])],
            &[(
                "x".into(),
                Action::Shift(Expr::value().binary(BinaryOp::Add, Expr::lit(1.0))),
            )],
        )
        .unwrap();
    assert!((cf.values[1][0] - 2.0).abs() < 1e-12);
    assert!((cf.values[2][0] - 5.0).abs() < 1e-12);
    assert!(shifted.interventions()[0].cut.is_empty());
    let s = shifted.sample(10, 3).unwrap();
    let base = m.sample(10, 3).unwrap();
    for i in 0..10 {
        assert_eq!(s[1][i], base[1][i] + 1.0);
    }
}

#[test]
fn do_on_the_observed_value_returns_the_observation() {
    let m = nonlinear_model();
    let obs_x = [0.1, -1.7, 1.9];
    let obs_y = [0.4, -0.2, 1.0];
    for i in 0..3 {
        let cf = m
            .counterfactual(
                &[("x", &obs_x[i..=i]), ("y", &obs_y[i..=i])],
                &[("x".into(), Action::Set(obs_x[i]))],
            )
            .unwrap();
        assert_eq!(cf.values[1][0], obs_y[i]);
    }
}

#[test]
fn sampling_is_bit_identical_across_thread_counts() {
    let m = nonlinear_model();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| m.sample(3 * BLOCK + 17, 9).unwrap())
    };
    let one = run(1);
    let four = run(4);
    assert_eq!(one, four);
    assert_ne!(one, m.sample(3 * BLOCK + 17, 10).unwrap());
}

#[test]
fn interventional_sample_has_the_expected_moments() {
    let m = linear_model()
        .intervene(&[("x".into(), Action::Set(2.0))])
        .unwrap();
    let s = m.sample(200_000, 1).unwrap();
    let mean_y = s[2].iter().sum::<f64>() / 200_000.0;
    // E[y | do(x=2)] = -1 + 6 - 1.5 * E[z] = 3.5
    assert!((mean_y - 3.5).abs() < 0.02, "{mean_y}");
    assert!(s[1].iter().all(|&v| v == 2.0));
}

#[test]
fn effect_matches_the_linear_coefficient() {
    let e = linear_model().effect("x", "y", 1.0, 0.0, 1000, 4).unwrap();
    // Paired arms share the noise, so a linear effect is exact.
    assert!((e.effect - 3.0).abs() < 1e-9);
    assert!(e.std_error < 1e-9);
}

#[test]
fn fit_recovers_linear_coefficients_and_residual_noise() {
    let truth = linear_model();
    let s = truth.sample(20_000, 7).unwrap();
    let blank = Scm::new(vec![
        node("z", &[], EquationSpec::Unfitted, Noise::None),
        node("x", &["z"], EquationSpec::Unfitted, Noise::None),
        node("y", &["x", "z"], EquationSpec::Unfitted, Noise::None),
    ])
    .unwrap();
    assert!(matches!(
        blank.sample(5, 1),
        Err(ScmError::NotFitted { .. })
    ));
    let fitted = blank
        .fit(&[("z", &s[0]), ("x", &s[1]), ("y", &s[2])])
        .unwrap();
    match fitted.equation("y").unwrap() {
        Equation::Linear { intercept, coefs } => {
            assert!((intercept + 1.0).abs() < 0.1, "{intercept}");
            assert!((coefs[0] - 3.0).abs() < 0.05 && (coefs[1] + 1.5).abs() < 0.1);
        }
        _ => panic!("y should be linear"),
    }
    // Counterfactuals of the fitted model reproduce the data exactly when
    // nothing changes.
    let cf = fitted
        .counterfactual(&[("z", &s[0]), ("x", &s[1]), ("y", &s[2])], &[])
        .unwrap();
    assert_eq!(cf.values[2], s[2]);
}

#[test]
fn least_squares_is_exact_on_noise_free_data() {
    let x1: Vec<f64> = (0..50).map(|i| i as f64 * 0.1).collect();
    let x2: Vec<f64> = (0..50).map(|i| ((i * 7) % 11) as f64).collect();
    let y: Vec<f64> = x1
        .iter()
        .zip(&x2)
        .map(|(a, b)| 2.0 - 0.5 * a + 4.0 * b)
        .collect();
    let (b0, b) = fit::least_squares(&[&x1, &x2], &y, 50).unwrap();
    assert!((b0 - 2.0).abs() < 1e-12 && (b[0] + 0.5).abs() < 1e-12 && (b[1] - 4.0).abs() < 1e-12);
    assert!(fit::least_squares(&[&x1, &x1], &y, 50).is_err());
}

#[test]
fn bad_input_is_a_precise_error() {
    let m = linear_model();
    assert!(matches!(
        m.intervene(&[("w".into(), Action::Set(1.0))]),
        Err(ScmError::UnknownVariable { .. })
    ));
    let cyc = Scm::new(vec![
        node("a", &["c"], lin(0.0, &[1.0]), Noise::None),
        node("b", &["a"], lin(0.0, &[1.0]), Noise::None),
        node("c", &["b"], lin(0.0, &[1.0]), Noise::None),
    ]);
    match cyc {
        Err(ScmError::Cycle { path }) => {
            assert_eq!(path.first(), path.last());
            assert_eq!(path.len(), 4);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        m.counterfactual(
            &[("z", &[0.0]), ("x", &[f64::NAN]), ("y", &[0.0])],
            &[("x".into(), Action::Set(1.0))]
        ),
        Err(ScmError::MissingObservation { row: 0, .. })
    ));
    assert!(matches!(
        Scm::new(vec![
            node("a", &[], lin(0.0, &[]), Noise::None),
            node("b", &[], EquationSpec::Expr(Expr::col("a")), Noise::None),
        ]),
        Err(ScmError::NotAParent { .. })
    ));
    let det = Scm::new(vec![
        node("a", &[], lin(0.0, &[]), normal(1.0)),
        node("b", &["a"], lin(0.0, &[2.0]), Noise::None),
    ])
    .unwrap();
    assert!(matches!(
        det.counterfactual(&[("a", &[1.0]), ("b", &[5.0])], &[]),
        Err(ScmError::Inconsistent { row: 0, .. })
    ));
    assert!(matches!(
        Scm::new(vec![node("a", &[], lin(0.0, &[]), normal(-1.0))]),
        Err(ScmError::InvalidArgument { .. })
    ));
    // Graph-node reads are not structural equations.
    assert!(matches!(
        Scm::new(vec![node(
            "a",
            &[],
            EquationSpec::Expr(Expr::node("b")),
            Noise::None
        )]),
        Err(ScmError::InvalidArgument {
            name: "equation",
            ..
        })
    ));
}

#[test]
fn an_observation_outside_the_uniform_noise_support_is_refused_with_its_row() {
    let m = nonlinear_model();
    let xs = [0.5, 2.5];
    let ys = [0.0, 0.0];
    let err = m
        .counterfactual(&[("x", &xs), ("y", &ys)], &[("x".into(), Action::Set(0.0))])
        .unwrap_err();
    match err {
        ScmError::NoiseOutOfRange {
            node,
            row,
            noise,
            low,
            high,
        } => {
            assert_eq!((node.as_str(), row), ("x", 1));
            assert_eq!((noise, low, high), (2.5, -2.0, 2.0));
        }
        other => panic!("{other:?}"),
    }
    // The bounds themselves are inside the support.
    let edge = [2.0];
    assert!(m
        .counterfactual(
            &[("x", &edge), ("y", &[0.0])],
            &[("x".into(), Action::Set(0.0))]
        )
        .is_ok());
}

#[test]
fn seeded_samples_do_not_depend_on_the_number_of_threads() {
    let m = nonlinear_model();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| m.sample(3 * BLOCK + 17, 5).unwrap());
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap()
        .install(|| m.sample(3 * BLOCK + 17, 5).unwrap());
    for (a, b) in one.iter().zip(&three) {
        assert!(a.iter().zip(b).all(|(p, q)| p.to_bits() == q.to_bits()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn batch_row_equals_the_single_row(
        rows in proptest::collection::vec((-2.0f64..2.0, -5.0f64..5.0), 1..40),
        set in -3.0f64..3.0,
    ) {
        let m = nonlinear_model();
        let xs: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let ys: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let act = [("x".to_string(), Action::Set(set))];
        let batch = m.counterfactual(&[("x", &xs), ("y", &ys)], &act).unwrap();
        for i in 0..xs.len() {
            let one = m.counterfactual(&[("x", &xs[i..=i]), ("y", &ys[i..=i])], &act).unwrap();
            prop_assert_eq!(one.values[1][0].to_bits(), batch.values[1][i].to_bits());
            prop_assert_eq!(one.noise[1][0].to_bits(), batch.noise[1][i].to_bits());
            prop_assert!((batch.values[1][i] - (g(set) + ys[i] - g(xs[i]))).abs() < 1e-12);
        }
    }
}

/// `2 · parent` as a host function, to run the column-wise path.
struct Double;

impl BlockEquation for Double {
    fn call(
        &self,
        parents: &[&[f64]],
        _noise: Option<&[f64]>,
        len: usize,
    ) -> Result<Vec<f64>, EquationFailure> {
        Ok(parents[0][..len].iter().map(|x| 2.0 * x).collect())
    }
    fn name(&self) -> String {
        "double".into()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[test]
fn block_wise_and_column_wise_paths_give_the_same_bits() {
    let make = |host: bool| {
        let eq = if host {
            EquationSpec::External {
                function: std::sync::Arc::new(Double),
                takes_noise: false,
            }
        } else {
            EquationSpec::Expr(Expr::lit(2.0).binary(BinaryOp::Mul, Expr::col("x")))
        };
        Scm::new(vec![
            node("x", &[], lin(0.0, &[]), normal(1.0)),
            node("y", &["x"], eq, normal(0.5)),
            node(
                "w",
                &["y"],
                lin(1.0, &[-0.5]),
                Noise::Uniform {
                    low: 0.0,
                    high: 1.0,
                },
            ),
        ])
        .unwrap()
    };
    let (native, host) = (make(false), make(true));
    let n = 2 * BLOCK + 5;
    let a = native.sample(n, 11).unwrap();
    assert_eq!(a, host.sample(n, 11).unwrap());
    let obs = [("x", &a[0][..]), ("y", &a[1][..]), ("w", &a[2][..])];
    let act = [("x".to_string(), Action::Set(0.25))];
    let (p, q) = (
        native.counterfactual(&obs, &act).unwrap(),
        host.counterfactual(&obs, &act).unwrap(),
    );
    assert_eq!(p.values, q.values);
    assert_eq!(p.noise, q.noise);
}

/// x -> y, y = 2x + U_y with U_y empirical on [-1, 0.5]; `host` runs the
/// equation of y as a host function (the column-wise path).
fn empirical_model(host: bool) -> Scm {
    let eq = if host {
        EquationSpec::External {
            function: std::sync::Arc::new(Double),
            takes_noise: false,
        }
    } else {
        EquationSpec::Expr(Expr::lit(2.0).binary(BinaryOp::Mul, Expr::col("x")))
    };
    Scm::new(vec![
        node("x", &[], lin(0.0, &[]), normal(1.0)),
        node(
            "y",
            &["x"],
            eq,
            Noise::empirical(vec![0.5, -1.0, 0.0, 0.25]),
        ),
    ])
    .unwrap()
}

#[test]
fn noise_abducted_outside_the_empirical_range_is_flagged_per_row() {
    for host in [false, true] {
        let m = empirical_model(host);
        let n = 2 * EVAL_BLOCK + 3;
        let xs: Vec<f64> = (0..n).map(|i| i as f64 * 0.001).collect();
        // U_y = y − 2x: inside [-1, 0.5] except rows 7 (0.75) and n − 1 (−1.5);
        // the range's ends themselves are inside.
        let mut ys: Vec<f64> = xs.iter().map(|x| 2.0 * x + 0.1).collect();
        ys[7] = 2.0 * xs[7] + 0.75;
        ys[n - 1] = 2.0 * xs[n - 1] - 1.5;
        ys[9] = 2.0 * xs[9] + 0.5;
        ys[10] = 2.0 * xs[10] - 1.0;
        let act = [("x".to_string(), Action::Set(1.0))];
        let cf = m.counterfactual(&[("x", &xs), ("y", &ys)], &act).unwrap();
        let outside: Vec<usize> = (0..n).filter(|&i| !cf.in_support[i]).collect();
        assert_eq!(outside, vec![7, n - 1], "host {host}");
        assert_eq!(cf.outside, vec![0, 2]);
        // The flag changes nothing about the answer.
        assert!((cf.values[1][7] - (2.0 + 0.75)).abs() < 1e-12);
        let err = m
            .counterfactual_checked(&[("x", &xs), ("y", &ys)], &act, true)
            .unwrap_err();
        match err {
            ScmError::NoiseOutOfSupport {
                node,
                row,
                noise,
                low,
                high,
                values,
            } => {
                assert_eq!(
                    (node.as_str(), row, low, high, values),
                    ("y", 7, -1.0, 0.5, 4)
                );
                assert!((noise - 0.75).abs() < 1e-12);
            }
            other => panic!("{other:?}"),
        }
        // Strict mode accepts data whose noise stays in range.
        let ok = m
            .counterfactual_checked(&[("x", &xs[..5]), ("y", &ys[..5])], &act, true)
            .unwrap();
        assert!(ok.in_support.iter().all(|&f| f));
    }
}

#[test]
fn a_fitted_model_sees_its_own_data_in_support() {
    let m = linear_model();
    let data = m.sample(5000, 3).unwrap();
    let cols = [
        ("z", &data[0][..]),
        ("x", &data[1][..]),
        ("y", &data[2][..]),
    ];
    let fitted = m.fit(&cols).unwrap();
    let cf = fitted
        .counterfactual_checked(&cols, &[("x".into(), Action::Set(0.0))], true)
        .unwrap();
    assert!(cf.in_support.iter().all(|&f| f));
    assert_eq!(cf.outside, vec![0, 0, 0]);
    assert_eq!(
        fitted.noise("y").unwrap().support(),
        match fitted.noise("y").unwrap() {
            Noise::Empirical(e) => Some((
                e.iter().copied().fold(f64::INFINITY, f64::min),
                e.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            )),
            _ => None,
        }
    );
}

#[test]
fn caller_buffers_of_the_wrong_shape_are_refused() {
    let m = nonlinear_model();
    let mut short = vec![0.0; 3];
    let mut other = vec![0.0; 4];
    let err = m
        .sample_into(&mut [&mut short[..], &mut other[..]], 1)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ScmError::Shape {
                expected: 3,
                found: 4,
                ..
            }
        ),
        "{err:?}"
    );
    let err = m.sample_into(&mut [&mut short[..]], 1).unwrap_err();
    assert!(
        matches!(
            err,
            ScmError::Shape {
                expected: 2,
                found: 1,
                ..
            }
        ),
        "{err:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn batch_support_flags_equal_the_single_rows(
        rows in proptest::collection::vec((-2.0f64..2.0, -6.0f64..6.0), 1..30),
    ) {
        let m = empirical_model(false);
        let xs: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let ys: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let act = [("x".to_string(), Action::Set(0.5))];
        let batch = m.counterfactual(&[("x", &xs), ("y", &ys)], &act).unwrap();
        for i in 0..xs.len() {
            let one = m.counterfactual(&[("x", &xs[i..=i]), ("y", &ys[i..=i])], &act).unwrap();
            prop_assert_eq!(one.in_support[0], batch.in_support[i]);
            let u = ys[i] - 2.0 * xs[i];
            prop_assert_eq!(batch.in_support[i], (-1.0..=0.5).contains(&u));
        }
    }
}
