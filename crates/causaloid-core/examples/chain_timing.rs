//! Times single-row evaluation of a long chain inside the engine (no Python),
//! to tell engine cost from binding cost: `cargo run --release --example chain_timing`.

use causaloid_core::expr::BinaryOp;
use causaloid_core::*;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    sizes();
    for &n in &[10usize, 1_000, 10_000] {
        let mut g = CausalGraph::new("chain", "");
        let Ok(root) = Causaloid::from_expr(
            0,
            "root",
            Expr::value().binary(BinaryOp::Gt, Expr::lit(0.5)),
        ) else {
            return;
        };
        g.add(Member::Causaloid(Arc::new(root))).ok();
        for i in 1..n {
            let e = Expr::value().binary(
                BinaryOp::And,
                Expr::col(format!("x{}", i % 10)).binary(BinaryOp::Lt, Expr::lit(0.99)),
            );
            if let Ok(c) = Causaloid::from_expr(i as i64, "step", e) {
                g.add(Member::Causaloid(Arc::new(c))).ok();
            }
            g.link(&NodeId::Int(i as i64 - 1), &NodeId::Int(i as i64))
                .ok();
        }
        if g.freeze().is_err() {
            return;
        }
        let g = Arc::new(g);
        let row = vec![0.5; 10];
        let input = Input {
            value: Some(Value::Num(0.9)),
            row: &row,
            host: None,
        };
        let reps: usize = std::env::var("REPS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(2_000_000)
            / n;
        let mut ok = 0;
        let mut per = f64::INFINITY;
        for _round in 0..5 {
            let start = Instant::now();
            for _ in 0..reps.max(1) {
                if let Ok(e) = g.evaluate(&input) {
                    ok += usize::from(e.verdict().is_ok());
                }
            }
            per = per.min(start.elapsed().as_secs_f64() / reps.max(1) as f64);
        }
        println!(
            "{n:>6} nodes: {:8.2} us/eval, {:6.2} ns/node ({ok} ok)",
            per * 1e6,
            per / n as f64 * 1e9
        );
    }
}

#[allow(dead_code)]
fn sizes() {
    use std::mem::size_of;
    println!(
        "CausalError {} Entry {} Verdict {} Value {} Result<Verdict> {}",
        size_of::<CausalError>(),
        size_of::<graph::Entry>(),
        size_of::<Verdict>(),
        size_of::<Value>(),
        size_of::<Result<Verdict, CausalError>>()
    );
}
