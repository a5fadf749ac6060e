use causaloid_core::csm::{Action, State, StateMachine};
use causaloid_core::expr::{BinaryOp, Expr};
use causaloid_core::{Causaloid, Member};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let n_states: usize = std::env::var("NS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let base: f64 = std::env::var("BASE").ok().and_then(|v| v.parse().ok()).unwrap_or(0.98);
    let n = 20000;
    let states = (0..n_states)
        .map(|i| {
            let e = Expr::col(format!("x{}", i % 10)).binary(BinaryOp::Gt, Expr::lit(base + 0.02 * ((i * 7919) % 1000) as f64 / 1000.0));
            (State::new(i as i64, "", Member::Causaloid(Arc::new(Causaloid::from_expr(i as i64, "", e)))), Action::record("fire"))
        })
        .collect();
    let mut m = StateMachine::new(states, None, None).unwrap();
    m.set_log_limit(0);
    let mut seed = 1u64;
    let cols: Vec<Vec<f64>> = (0..10)
        .map(|_| (0..n).map(|_| { seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (seed >> 11) as f64 / (1u64 << 53) as f64 }).collect())
        .collect();
    let slices: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    for _ in 0..3 {
        let t = Instant::now();
        let d = m.decide_batch(&slices, n, None).unwrap();
        let t1 = t.elapsed();
        let k = d.firings.len();
        let out = m.complete(d);
        println!("decide {:?} complete {:?} firings {k} {}", t1, t.elapsed() - t1, out.len());
    }
}
