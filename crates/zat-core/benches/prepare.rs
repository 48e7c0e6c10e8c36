//! Benchmark of `prepare` (expansion + validation) on scaled fleets: `cargo bench -p zat-core`.
//!
//! A plain harness so the project needs no benchmarking framework: each size is run a few
//! times and the best wall time is printed with the number of rules it produced.

use std::time::Instant;

use zat_core::{fixtures, prepare};

fn main() {
    for lpars in [10, 100, 1000] {
        let mut best = f64::INFINITY;
        let mut rules = 0;
        for _ in 0..3 {
            let fleet = fixtures::scaled_raw(lpars);
            let start = Instant::now();
            let prepared = prepare(fleet);
            best = best.min(start.elapsed().as_secs_f64());
            rules =
                prepared.fleet.lpars.iter().flat_map(|l| &l.stacks).map(|s| s.rules.len()).sum();
            assert!(!prepared.has_errors(), "scaled fleet must validate");
        }
        println!("prepare: {lpars:>5} lpars, {rules:>6} rules: {:>8.1} ms", best * 1000.0);
    }
}
