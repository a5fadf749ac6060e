//! `uncertain` suite: the expected value of the 20-node expression graph of
//! `benchmarks/suites/uncertain.py`, and SPRT decisions by `to_bool`, run with
//! deep_causality_uncertain.
//!
//!   causaloid-peer uncertain ev --samples 1000000 --repeat 3
//!   causaloid-peer uncertain sprt --case clear|borderline --repeat 50

use deep_causality_uncertain::Uncertain;
use std::time::Instant;

fn option(args: &[String], name: &str, default: &str) -> String {
    args.windows(2)
        .find(|w| w[0] == name)
        .map(|w| w[1].clone())
        .unwrap_or_else(|| default.to_string())
}

fn number(args: &[String], name: &str, default: usize) -> Result<usize, String> {
    option(args, name, &default.to_string())
        .parse()
        .map_err(|e| format!("{name}: {e}"))
}

/// The graph of the suite (node numbers as in the Python suite).
fn graph() -> Uncertain<f64> {
    let a = Uncertain::<f64>::normal(10.0, 2.0); // 1
    let b = Uncertain::<f64>::normal(5.0, 1.0); // 2
    let c = Uncertain::<f64>::uniform(0.0, 1.0); // 3
    let d = Uncertain::<f64>::uniform(1.0, 3.0); // 4
    let e = Uncertain::<f64>::normal(0.0, 0.5); // 5
    let t1 = a.clone() + b.clone(); // 6
    let t2 = t1 * c.clone(); // 7
    let t3 = d.clone() + c.clone(); // 8
    let t4 = t2 / t3; // 9
    let t5 = a * d; // 10
    let t6 = t5 - b; // 11
    let t7 = t4 + t6; // 12
    let t8 = t7 + e; // 13
    let above = t8.greater_than(24.0); // 14 (threshold) + 15 (comparison)
    let bonus = Uncertain::conditional(
        above,
        Uncertain::<f64>::point(2.0), // 16
        Uncertain::<f64>::point(0.0), // 17
    ); // 18
    let r = t8 + bonus; // 19
    r - c // 20
}

fn best_of<T>(repeat: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<(f64, T), String> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        let out = f()?;
        best = best.min(start.elapsed().as_secs_f64());
        last = Some(out);
    }
    last.map(|v| (best, v)).ok_or_else(|| "no run".to_string())
}

fn expected_value(args: &[String]) -> Result<String, String> {
    let samples = number(args, "--samples", 1_000_000)?;
    let repeat = number(args, "--repeat", 3)?;
    let (seconds, mean) = best_of(repeat, || {
        // A fresh graph each round, so no sample cache carries over.
        graph().expected_value(samples).map_err(|e| e.to_string())
    })?;
    Ok(format!(
        "{{\"workload\": \"expected_value\", \"samples\": {samples}, \"seconds\": {seconds}, \"mean\": {mean}}}"
    ))
}

/// The case of the suite: P(true) far from the threshold, or close to it.
fn decision(case: &str) -> Result<Uncertain<bool>, String> {
    match case {
        // P(N(70, 3) > 60) ≈ 0.9996 against threshold 0.9
        "clear" => Ok(Uncertain::<f64>::normal(70.0, 3.0).greater_than(60.0)),
        // P(N(60.8, 3) > 60) ≈ 0.605 against threshold 0.6: inside the indifference region
        "borderline" => Ok(Uncertain::<f64>::normal(60.8, 3.0).greater_than(60.0)),
        other => Err(format!("--case must be clear or borderline, got {other}")),
    }
}

/// Samples `to_bool` draws, counted by replaying its rule (batches of 10,
/// checked after each batch) on the same sample indices.
fn samples_drawn(
    u: &Uncertain<bool>,
    threshold: f64,
    confidence: f64,
    epsilon: f64,
    max: usize,
) -> Result<usize, String> {
    let alpha = 1.0 - confidence;
    let lower = (alpha / (1.0 - alpha)).ln();
    let upper = ((1.0 - alpha) / alpha).ln();
    let p0 = threshold - epsilon;
    let p1 = threshold + epsilon;
    let (mut n, mut x) = (0usize, 0usize);
    while n < max {
        for _ in 0..10.min(max - n) {
            if u.sample_with_index(n as u64).map_err(|e| e.to_string())? {
                x += 1;
            }
            n += 1;
        }
        let llr = x as f64 * (p1 / p0).ln() + (n - x) as f64 * ((1.0 - p1) / (1.0 - p0)).ln();
        if llr <= lower || llr >= upper {
            break;
        }
    }
    Ok(n)
}

fn sprt(args: &[String]) -> Result<String, String> {
    let case = option(args, "--case", "clear");
    let repeat = number(args, "--repeat", 50)?;
    let max = number(args, "--max-samples", 10_000)?;
    let threshold = if case == "clear" { 0.9 } else { 0.6 };
    let (confidence, epsilon) = (0.95, 0.05);
    let mut total = 0.0;
    let mut yes = 0usize;
    let mut drawn = 0usize;
    for _ in 0..repeat.max(1) {
        let u = decision(&case)?;
        let start = Instant::now();
        let outcome = u
            .to_bool(threshold, confidence, epsilon, max)
            .map_err(|e| e.to_string())?;
        total += start.elapsed().as_secs_f64();
        yes += usize::from(outcome);
        // Outside the timing: replays hit the sample cache, so they see the same draws.
        drawn += samples_drawn(&u, threshold, confidence, epsilon, max)?;
    }
    let drawn = drawn as f64 / repeat.max(1) as f64;
    Ok(format!(
        "{{\"workload\": \"sprt\", \"case\": \"{case}\", \"seconds\": {}, \"samples\": {drawn}, \"yes\": {yes}, \"runs\": {}}}",
        total / repeat.max(1) as f64,
        repeat.max(1)
    ))
}

pub fn run(args: &[String]) -> Result<String, String> {
    match args.first().map(String::as_str) {
        Some("ev") => expected_value(&args[1..]),
        Some("sprt") => sprt(&args[1..]),
        _ => Err("usage: causaloid-peer uncertain <ev|sprt> [options]".to_string()),
    }
}
