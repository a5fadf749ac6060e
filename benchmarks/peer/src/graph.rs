//! `graph` subcommand: builds a deep_causality CausaloidGraph with the topology and node rules
//! read from stdin, evaluates it from the root with `evaluate_subgraph_from_cause`, and reports
//! the median wall time of one evaluation plus the verdicts, so the Python suite can check both
//! engines decide the same thing before comparing their speed.
//!
//! Input (whitespace-separated numbers on stdin):
//!   n_nodes n_edges n_inputs budget_ms max_reps
//!   n_inputs incoming values (the first one is the one timed)
//!   n_nodes rules "op level": op 0 = `x >= T[level]`, 1 = `x < T[level]`
//!   n_edges edges "source target" (node 0 is the only root)
//! Each node outputs 1.0 (true) or 0.0 (false); several parents are joined by max (= or).

use deep_causality::*;
use std::hint::black_box;
use std::time::Instant;

/// Threshold levels a rule picks from; must match `THRESHOLDS` in benchmarks/suites/graph.py.
const THRESHOLDS: [f64; 8] = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75];

fn verdict(holds: bool) -> PropagatingEffect<f64> {
    PropagatingEffect::from_value(if holds { 1.0 } else { 0.0 })
}

// deep_causality takes plain `fn` pointers, so each (operator, threshold) pair is its own item.
fn ge<const L: usize>(x: f64) -> PropagatingEffect<f64> {
    verdict(x >= THRESHOLDS[L])
}

fn lt<const L: usize>(x: f64) -> PropagatingEffect<f64> {
    verdict(x < THRESHOLDS[L])
}

const GE: [CausalFn<f64, f64>; 8] = [
    ge::<0>, ge::<1>, ge::<2>, ge::<3>, ge::<4>, ge::<5>, ge::<6>, ge::<7>,
];
const LT: [CausalFn<f64, f64>; 8] = [
    lt::<0>, lt::<1>, lt::<2>, lt::<3>, lt::<4>, lt::<5>, lt::<6>, lt::<7>,
];

struct Spec {
    rules: Vec<(usize, usize)>,
    edges: Vec<(usize, usize)>,
    inputs: Vec<f64>,
    budget_ms: u64,
    max_reps: usize,
}

fn read_spec(text: &str) -> Result<Spec, String> {
    let mut it = text.split_ascii_whitespace();
    let mut next = |what: &str| -> Result<&str, String> {
        it.next()
            .ok_or_else(|| format!("input ended before {what}"))
    };
    let int = |s: &str| s.parse::<usize>().map_err(|e| format!("{s:?}: {e}"));
    let n_nodes = int(next("n_nodes")?)?;
    let n_edges = int(next("n_edges")?)?;
    let n_inputs = int(next("n_inputs")?)?;
    let budget_ms = int(next("budget_ms")?)? as u64;
    let max_reps = int(next("max_reps")?)?;
    let mut inputs = Vec::with_capacity(n_inputs);
    for _ in 0..n_inputs {
        let s = next("an input")?;
        inputs.push(s.parse::<f64>().map_err(|e| format!("{s:?}: {e}"))?);
    }
    let mut rules = Vec::with_capacity(n_nodes);
    for _ in 0..n_nodes {
        let op = int(next("a rule")?)?;
        let level = int(next("a rule level")?)?;
        if op > 1 || level >= THRESHOLDS.len() {
            return Err(format!("bad rule {op} {level}"));
        }
        rules.push((op, level));
    }
    let mut edges = Vec::with_capacity(n_edges);
    for _ in 0..n_edges {
        let a = int(next("an edge")?)?;
        let b = int(next("an edge")?)?;
        if a >= n_nodes || b >= n_nodes {
            return Err(format!("edge {a}->{b} outside 0..{n_nodes}"));
        }
        edges.push((a, b));
    }
    if n_nodes == 0 || n_inputs == 0 {
        return Err("need at least one node and one input".into());
    }
    Ok(Spec {
        rules,
        edges,
        inputs,
        budget_ms,
        max_reps,
    })
}

fn build(spec: &Spec) -> Result<CausaloidGraph<BaseCausaloid<f64, f64>>, String> {
    let mut g = CausaloidGraph::<BaseCausaloid<f64, f64>>::new(0);
    for (i, &(op, level)) in spec.rules.iter().enumerate() {
        let f = if op == 0 { GE[level] } else { LT[level] };
        let c = Causaloid::new(i as IdentificationValue, f, "threshold rule");
        let idx = if i == 0 {
            g.add_root_causaloid(c)
        } else {
            g.add_causaloid(c)
        };
        let idx = idx.map_err(|e| format!("add node {i}: {e:?}"))?;
        if idx != i {
            return Err(format!("node {i} got index {idx}"));
        }
    }
    for &(a, b) in &spec.edges {
        g.add_edge(a, b)
            .map_err(|e| format!("add edge {a}->{b}: {e:?}"))?;
    }
    g.freeze();
    Ok(g)
}

fn value_of(effect: PropagatingEffect<f64>) -> Result<f64, String> {
    if effect.is_err() {
        return Err(format!("evaluation failed: {:?}", effect.error()));
    }
    effect
        .value()
        .copied()
        .ok_or_else(|| "evaluation returned no value".to_string())
}

pub fn run(args: &[String]) -> Result<String, String> {
    if !args.is_empty() {
        return Err(format!(
            "graph takes its model on stdin, not arguments {args:?}"
        ));
    }
    let text = std::io::read_to_string(std::io::stdin()).map_err(|e| e.to_string())?;
    let spec = read_spec(&text)?;
    let t0 = Instant::now();
    let g = build(&spec)?;
    let build_ns = t0.elapsed().as_nanos();

    // Time one evaluation at a time until the budget is spent (at least once, at most
    // max_reps); the first timed run also gives the verdict of the first input.
    let x = PropagatingEffect::from_value(spec.inputs[0]);
    let budget = std::time::Duration::from_millis(spec.budget_ms);
    let mut samples: Vec<u128> = Vec::new();
    let mut first = None;
    let start = Instant::now();
    while samples.is_empty() || (start.elapsed() < budget && samples.len() < spec.max_reps) {
        let t = Instant::now();
        let effect = black_box(g.evaluate_subgraph_from_cause(0, black_box(&x)));
        samples.push(t.elapsed().as_nanos());
        if first.is_none() {
            first = Some(effect);
        }
    }
    let mut verdicts = Vec::with_capacity(spec.inputs.len());
    if let Some(effect) = first {
        verdicts.push(value_of(effect)?);
    }
    for &x in &spec.inputs[1..] {
        verdicts.push(value_of(
            g.evaluate_subgraph_from_cause(0, &PropagatingEffect::from_value(x)),
        )?);
    }
    samples.sort_unstable();
    let median = samples[samples.len() / 2];
    let verdicts_json: Vec<String> = verdicts.iter().map(|v| format!("{v}")).collect();
    Ok(format!(
        "{{\"peer\": \"deep_causality 0.15.1\", \"nodes\": {}, \"edges\": {}, \"reps\": {}, \
         \"median_ns\": {}, \"min_ns\": {}, \"build_ns\": {}, \"verdicts\": [{}]}}",
        spec.rules.len(),
        spec.edges.len(),
        samples.len(),
        median,
        samples[0],
        build_ns,
        verdicts_json.join(", ")
    ))
}
