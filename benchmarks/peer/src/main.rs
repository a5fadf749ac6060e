//! Benchmark peer: `causaloid-peer <suite> ...` runs one suite's workloads with
//! DeepCausality's crates on the models the Python suites describe, times them
//! natively and prints JSON on stdout. Each suite owns one module; this file
//! only dispatches.

mod graph;
mod uncertain;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("graph") => graph::run(&args[1..]),
        Some("uncertain") => uncertain::run(&args[1..]),
        Some(other) => Err(format!(
            "unknown subcommand {other:?} (known: graph, uncertain)"
        )),
        None => Err("usage: causaloid-peer <graph|uncertain> [args]".to_string()),
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
