//! Bit-packed batches of verdict-only graphs: the same verdicts as the general
//! batch path and as row-by-row evaluation, at any number of rows (0, 1, word
//! and block boundaries), and the general path wherever numbers travel.

mod common;
use causaloid_core::expr::{BinaryOp, UnaryOp};
use causaloid_core::*;
use common::*;
use proptest::prelude::*;
use std::sync::Arc;

const CMP: [BinaryOp; 6] = [
    BinaryOp::Lt,
    BinaryOp::Le,
    BinaryOp::Gt,
    BinaryOp::Ge,
    BinaryOp::Eq,
    BinaryOp::Ne,
];
const ARITH: [BinaryOp; 6] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Min,
    BinaryOp::Max,
];

/// A number: columns, literals and arithmetic on them.
fn num() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        Just(Expr::col("a")),
        Just(Expr::col("b")),
        Just(Expr::col("c")),
        (-2.0f64..2.0).prop_map(Expr::lit),
    ];
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), 0usize..6, inner.clone()).prop_map(|(a, op, b)| a.binary(ARITH[op], b)),
            (inner, any::<bool>()).prop_map(|(a, neg)| a.unary(if neg {
                UnaryOp::Neg
            } else {
                UnaryOp::Abs
            })),
        ]
    })
}

/// A verdict: comparisons, ranges, NaN tests, the incoming value (when the
/// node has parents), combined with and / or / not.
fn bit(reads_value: bool) -> impl Strategy<Value = Expr> {
    let cmp = (num(), 0usize..6, num()).prop_map(|(a, op, b)| a.binary(CMP[op], b));
    let range = (num(), -1.0f64..1.0, 0.0f64..1.5)
        .prop_map(|(x, lo, w)| x.between(Expr::lit(lo), Expr::lit(lo + w)));
    let general_range = (num(), num(), num()).prop_map(|(x, lo, hi)| x.between(lo, hi));
    let nan = num().prop_map(|x| x.unary(UnaryOp::IsNan));
    let value = if reads_value {
        Just(Expr::Value).boxed()
    } else {
        any::<bool>().prop_map(Expr::lit).boxed()
    };
    let leaf = prop_oneof![3 => cmp, 1 => range, 1 => general_range, 1 => nan, 2 => value];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.binary(BinaryOp::And, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.binary(BinaryOp::Or, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.binary(BinaryOp::Min, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.binary(BinaryOp::Max, b)),
            inner.prop_map(|a| a.unary(UnaryOp::Not)),
        ]
    })
}

/// A DAG of verdict-only nodes: node `i > 0` has 1-3 parents among the
/// earlier nodes and may read its incoming value; node 0 is a root.
fn verdict_dag() -> impl Strategy<Value = (Vec<Expr>, Vec<(i64, i64)>)> {
    (1usize..7).prop_flat_map(|n| {
        let nodes: Vec<_> = (0..n)
            .map(|i| {
                let parents = if i == 0 {
                    Just(Vec::new()).boxed()
                } else {
                    proptest::collection::vec(0..i as i64, 1..4).boxed()
                };
                (bit(i > 0), parents)
            })
            .collect();
        nodes.prop_map(|nodes| {
            let mut edges = Vec::new();
            let mut exprs = Vec::new();
            for (i, (e, mut ps)) in nodes.into_iter().enumerate() {
                ps.sort();
                ps.dedup();
                edges.extend(ps.into_iter().map(|p| (p, i as i64)));
                exprs.push(e);
            }
            (exprs, edges)
        })
    })
}

fn build(exprs: &[Expr], edges: &[(i64, i64)]) -> Arc<CausalGraph> {
    let nodes = exprs
        .iter()
        .enumerate()
        .map(|(i, e)| causaloid(i as i64, e.clone()))
        .collect();
    graph(nodes, edges)
}

/// A cell: mostly in [-2, 2], sometimes an infinity (NaN is a missing value: see missing_values.rs).
fn cell(seed: u64, i: usize, j: usize) -> f64 {
    let h = (seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (j as u64) << 40)
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let h = h ^ (h >> 31);
    match h % 50 {
        0 => f64::NEG_INFINITY,
        1 => f64::INFINITY,
        2 => 0.0,
        _ => (h >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0,
    }
}

fn columns(g: &CausalGraph, rows: usize, seed: u64) -> Vec<Vec<f64>> {
    (0..g.columns().len())
        .map(|j| (0..rows).map(|i| cell(seed, i, j)).collect())
        .collect()
}

fn input(cols: &[Vec<f64>], rows: usize) -> BatchInput<'_> {
    BatchInput {
        columns: cols.iter().map(Vec::as_slice).collect(),
        len: rows,
        value: None,
        host: None,
    }
}

fn row_verdict(g: &Arc<CausalGraph>, cols: &[Vec<f64>], i: usize) -> Value {
    let row: Vec<f64> = cols.iter().map(|c| c[i]).collect();
    let e = g
        .evaluate(&Input {
            value: None,
            row: &row,
            host: None,
        })
        .expect("frozen");
    e.result().expect("verdict-only graphs never fail")
}

const SIZES: [usize; 9] = [0, 1, 2, 63, 64, 65, 2047, 2048, 4161];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn packed_batches_equal_the_general_path_and_single_rows(
        (exprs, edges) in verdict_dag(),
        size in 0usize..SIZES.len(),
        seed in any::<u64>(),
    ) {
        let g = build(&exprs, &edges);
        let member = Member::Graph(g.clone());
        let rows = SIZES[size];
        let cols = columns(&g, rows, seed);
        let packed = member
            .evaluate_batch_packed(&input(&cols, rows))
            .expect("a valid batch")
            .expect("a verdict-only graph takes the packed path");
        prop_assert_eq!(packed.len, rows);
        prop_assert_eq!(packed.words.len(), rows.div_ceil(64));
        // Bits past the last row stay clear.
        if rows % 64 != 0 {
            prop_assert_eq!(packed.words[rows / 64] >> (rows % 64), 0);
        }
        // The general path (activations force it) gives the same verdicts.
        let general = member.evaluate_batch(&input(&cols, rows), true).expect("a valid batch");
        prop_assert_eq!(packed.to_f64(), general.verdicts.clone());
        prop_assert_eq!(general.kind, Kind::Bool);
        let plain = member.evaluate_batch(&input(&cols, rows), false).expect("a valid batch");
        prop_assert_eq!(plain.verdicts, general.verdicts);
        // And every row alone, spread over the batch.
        let step = (rows / 97).max(1);
        for i in (0..rows).step_by(step) {
            let v = row_verdict(&g, &cols, i);
            prop_assert_eq!(v.kind(), Kind::Bool);
            prop_assert_eq!(packed.get(i), v.num() != 0.0, "row {}", i);
        }
    }
}

#[test]
fn a_node_reading_a_parent_by_id_takes_the_packed_path() {
    let nodes = vec![
        causaloid(0, gt(col("a"), lit(0.0))),
        causaloid(1, gt(col("b"), lit(0.5))),
        causaloid(2, and(Expr::node(0i64), not(Expr::Value))),
    ];
    let g = graph(nodes, &[(0, 2), (1, 2)]);
    let member = Member::Graph(g.clone());
    let rows = 300;
    let cols = columns(&g, rows, 7);
    let packed = member
        .evaluate_batch_packed(&input(&cols, rows))
        .expect("a valid batch")
        .expect("verdict-only");
    for i in 0..rows {
        assert_eq!(packed.get(i), row_verdict(&g, &cols, i).num() != 0.0);
    }
}

#[test]
fn numbers_on_the_wires_take_the_general_path() {
    // Node 0 decides a number that node 1 compares.
    let nodes = vec![
        causaloid(0, col("a").binary(BinaryOp::Mul, lit(2.0))),
        causaloid(1, gt(Expr::Value, lit(0.5))),
    ];
    let g = graph(nodes, &[(0, 1)]);
    let member = Member::Graph(g.clone());
    let cols = columns(&g, 100, 3);
    assert!(member
        .evaluate_batch_packed(&input(&cols, 100))
        .expect("a valid batch")
        .is_none());
    let out = member
        .evaluate_batch(&input(&cols, 100), false)
        .expect("a valid batch");
    for i in 0..100 {
        assert_eq!(
            out.verdicts[i].to_bits(),
            row_verdict(&g, &cols, i).num().to_bits()
        );
    }
}

#[test]
fn a_root_reading_the_incoming_value_takes_the_general_path() {
    let g = graph(vec![causaloid(0, gt(Expr::Value, lit(0.5)))], &[]);
    let member = Member::Graph(g);
    let out = member.evaluate_batch_packed(&BatchInput {
        columns: Vec::new(),
        len: 3,
        value: None,
        host: None,
    });
    assert!(matches!(out, Ok(None)));
}

#[test]
fn a_packed_batch_with_a_short_column_is_a_shape_error() {
    let g = graph(vec![causaloid(0, gt(col("a"), lit(0.0)))], &[]);
    let member = Member::Graph(g);
    let short = vec![1.0, 2.0];
    let out = member.evaluate_batch_packed(&BatchInput {
        columns: vec![&short],
        len: 3,
        value: None,
        host: None,
    });
    assert!(matches!(out, Err(CausalError::Shape { .. })));
}
