//! Benchmark peer: `causaloid-peer <suite> ...` runs one suite's workloads with
//! DeepCausality's crates and prints its timings as JSON on stdout. Each suite
//! owns one module; this file only dispatches.

mod uncertain;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("uncertain") => uncertain::run(&args[1..]),
        _ => Err("usage: causaloid-peer uncertain <ev|sprt> [options]".to_string()),
    };
    match result {
        Ok(json) => println!("{json}"),
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    }
}
