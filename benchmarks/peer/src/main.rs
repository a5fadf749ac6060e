//! Benchmark peer: runs the Rust library `deep_causality` on models the Python
//! suites describe, times it natively and prints JSON. One subcommand per suite.

mod graph;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("graph") => graph::run(&args[1..]),
        Some(other) => Err(format!("unknown subcommand {other:?} (known: graph)")),
        None => Err("usage: causaloid-bench-peer <graph> [args]".to_string()),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
