//! Structures at the documented depth limits are built, compiled, evaluated,
//! printed, written and read back on a 2 MiB thread stack (a worker thread's),
//! and one level more is refused with an error, never a crash.

mod common;

use causaloid_core::expr::{BinaryOp, MAX_DEPTH};
use causaloid_core::*;
use common::*;
use std::sync::Arc;

fn chain(depth: usize) -> Expr {
    let mut e = Expr::col("x");
    for _ in 1..depth {
        e = e.binary(BinaryOp::Add, lit(1.0));
    }
    e
}

#[test]
fn the_deepest_expression_works_on_a_small_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let e = chain(MAX_DEPTH);
            assert_eq!(e.depth(), MAX_DEPTH);
            let text = e.to_json();
            let back = Expr::from_json(&text).expect("reads back");
            assert_eq!(back.to_string().len(), e.to_string().len());
            let mut g = CausalGraph::new("g", "");
            g.add(causaloid(1, e)).expect("add");
            g.freeze().expect("freeze");
            let g = Arc::new(g);
            let v = g
                .evaluate(&Input {
                    value: None,
                    row: &[0.0],
                    host: None,
                })
                .expect("frozen");
            assert_eq!(v.result().ok(), Some(Value::Num((MAX_DEPTH - 1) as f64)));
            let out = Member::Graph(Arc::clone(&g))
                .evaluate_batch(
                    &BatchInput {
                        columns: vec![&[0.0, 1.0]],
                        len: 2,
                        value: None,
                        host: None,
                    },
                    false,
                )
                .expect("batch");
            assert_eq!(out.verdicts, [(MAX_DEPTH - 1) as f64, MAX_DEPTH as f64]);
            let deeper = chain(MAX_DEPTH + 1);
            assert!(matches!(
                Causaloid::from_expr(2, "", deeper),
                Err(CausalError::TooDeep { .. })
            ));
            assert!(Expr::from_json(&chain(MAX_DEPTH + 1).to_json()).is_err());
        })
        .expect("spawn");
    worker.join().expect("no stack overflow");
}
