//! Properties: batch == row by row, determinism, JSON round trips, monad laws.

mod common;
use causaloid_core::expr::{BinaryOp, UnaryOp};
use causaloid_core::*;
use common::*;
use proptest::prelude::*;
use std::sync::Arc;

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(Expr::col("a")),
        Just(Expr::col("b")),
        Just(Expr::Value),
        (-2.0f64..2.0).prop_map(Expr::lit),
        any::<bool>().prop_map(Expr::lit),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 16, 3, |inner| {
        prop_oneof![
            (inner.clone(), 0usize..14, inner.clone())
                .prop_map(|(a, op, b)| a.binary(BinaryOp::ALL[op], b)),
            (inner.clone(), 0usize..4).prop_map(|(a, op)| {
                a.unary([UnaryOp::Neg, UnaryOp::Not, UnaryOp::Abs, UnaryOp::IsNan][op])
            }),
            (inner.clone(), inner.clone(), inner).prop_map(|(x, lo, hi)| x.between(lo, hi)),
        ]
    })
}

/// Expressions that always give a verdict: a comparison, or a clamp to [0, 1].
fn verdict_expr() -> impl Strategy<Value = Expr> {
    (expr(), expr(), any::<bool>()).prop_map(|(a, b, compare)| {
        if compare {
            a.binary(BinaryOp::Gt, b)
        } else {
            a.binary(BinaryOp::Max, Expr::lit(0.0))
                .binary(BinaryOp::Min, Expr::lit(1.0))
        }
    })
}

fn dag() -> impl Strategy<Value = (Vec<Expr>, Vec<(i64, i64)>)> {
    (1usize..8).prop_flat_map(|n| {
        (
            proptest::collection::vec(verdict_expr(), n),
            proptest::collection::vec((0..n as i64, 0..n as i64), 0..2 * n),
        )
            .prop_map(|(exprs, pairs)| {
                let mut edges: Vec<(i64, i64)> = pairs.into_iter().filter(|(a, b)| a < b).collect();
                edges.sort();
                edges.dedup();
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

proptest! {
    #[test]
    fn batch_rows_equal_single_evaluations(
        (exprs, edges) in dag(),
        rows in proptest::collection::vec((-3.0f64..3.0, -3.0f64..3.0, 0.0f64..1.0), 1..40),
    ) {
        let g = build(&exprs, &edges);
        let member = Member::Graph(g.clone());
        let names = g.columns().to_vec();
        let column = |name: &str| -> Vec<f64> {
            rows.iter().map(|r| if name == "a" { r.0 } else { r.1 }).collect()
        };
        let cols: Vec<Vec<f64>> = names.iter().map(|n| column(n)).collect();
        let values: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let batch = member.evaluate_batch(
            &BatchInput { columns: cols.iter().map(Vec::as_slice).collect(), len: rows.len(), value: Some((Kind::Num, &values)), host: None },
            true,
        );
        let singles: Vec<Evaluation> = rows
            .iter()
            .map(|r| {
                let row: Vec<f64> = names.iter().map(|n| if n == "a" { r.0 } else { r.1 }).collect();
                g.evaluate(&Input { value: Some(Value::Num(r.2)), row: &row, host: None }).expect("frozen")
            })
            .collect();
        match &batch {
            Ok(out) => {
                for (i, single) in singles.iter().enumerate() {
                    let v = single.result();
                    prop_assert!(v.is_ok(), "row {} fails alone but not in the batch", i);
                    let v = v.expect("checked");
                    prop_assert_eq!(out.verdicts[i].to_bits(), v.num().to_bits());
                    prop_assert_eq!(out.kind, v.kind());
                }
            }
            Err(CausalError::InvalidVerdict { id, row: Some(r), .. }) => {
                // The batch names a row that fails alone too, at the same node.
                match singles[*r].error() {
                    Some(CausalError::InvalidVerdict { id: single_id, .. }) => prop_assert_eq!(single_id, id),
                    other => prop_assert!(false, "batch failed at row {} but alone it gave {:?}", r, other.map(|e| e.to_string())),
                }
            }
            Err(other) => prop_assert!(false, "unexpected batch error {}", other),
        }
    }

    #[test]
    fn evaluation_is_deterministic((exprs, edges) in dag(), a in -3.0f64..3.0, b in -3.0f64..3.0) {
        let g = build(&exprs, &edges);
        let row: Vec<f64> = g.columns().iter().map(|n| if n == "a" { a } else { b }).collect();
        let input = Input { value: Some(Value::Num(0.5)), row: &row, host: None };
        let first = g.evaluate(&input).expect("frozen");
        let second = g.evaluate(&input).expect("frozen");
        prop_assert_eq!(first.lines(), second.lines());
    }

    #[test]
    fn graphs_round_trip_through_json((exprs, edges) in dag()) {
        let g = build(&exprs, &edges);
        let text = g.to_json().expect("serialises");
        let back = CausalGraph::from_json(&text).expect("reads");
        prop_assert_eq!(back.to_json().expect("serialises"), text);
    }

    #[test]
    fn garbage_json_is_an_error_never_a_panic(text in ".{0,200}") {
        let _ = CausalGraph::from_json(&text);
        let _ = Expr::from_json(&text);
    }
}
