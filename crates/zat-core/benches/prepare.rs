//! Benchmark of `prepare` (expansion + validation) on scaled fleets: `cargo bench -p zat-core`.
//!
//! A plain harness so the project needs no benchmarking framework: each size is run a few
//! times and the best wall time is printed with the number of rules it produced. Each size
//! runs twice: with the z/OS Connect servers on the first two LPARs, and on the last two, where
//! a lookup of a server's LPAR by a scan of the fleet costs the most.

use std::time::Instant;

use zat_core::{fixtures, prepare};

fn main() {
    for lpars in [10, 100, 1000, 4000] {
        for last in [false, true] {
            let mut best = f64::INFINITY;
            let mut rules = 0;
            for _ in 0..3 {
                let mut fleet = fixtures::scaled_raw(lpars);
                if last {
                    let hosts = [lpars.saturating_sub(2), lpars.saturating_sub(1)];
                    for (server, host) in fleet.zos_connect_servers.iter_mut().zip(hosts) {
                        server.lpar = Some(format!("S{host:05}"));
                    }
                }
                let start = Instant::now();
                let prepared = prepare(fleet);
                best = best.min(start.elapsed().as_secs_f64());
                rules = prepared
                    .fleet
                    .lpars
                    .iter()
                    .flat_map(|l| &l.stacks)
                    .map(|s| s.rules.len())
                    .sum();
                assert!(!prepared.has_errors(), "scaled fleet must validate");
            }
            let servers = if last { "last" } else { "first" };
            println!(
                "prepare: {lpars:>5} lpars, {rules:>6} rules, servers on the {servers:<5} LPARs: {:>8.1} ms",
                best * 1000.0
            );
        }
    }
}
