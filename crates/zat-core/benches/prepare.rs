//! Benchmark of `prepare` (expansion + validation) on scaled fleets: `cargo bench -p zat-core`.
//!
//! A plain harness so the project needs no benchmarking framework: each size is run a few
//! times and the best wall time is printed with the number of rules it produced. Each size
//! runs three times: with the z/OS Connect servers on the first two LPARs; on the last two,
//! where a lookup of a server's LPAR by a scan of the fleet costs the most; and with a server
//! on every LPAR, called by that LPAR's requesters, where a lookup of a requester's server by
//! a scan of the servers would cost LPARs times requesters.

use std::time::Instant;

use zat_core::{fixtures, prepare};
use zat_model::Fleet;

#[derive(Clone, Copy)]
enum Servers {
    First,
    Last,
    Each,
}

fn fleet(lpars: usize, servers: Servers) -> Fleet {
    let mut fleet = fixtures::scaled_raw(lpars);
    match servers {
        Servers::First => {}
        Servers::Last => {
            let hosts = [lpars.saturating_sub(2), lpars.saturating_sub(1)];
            for (server, host) in fleet.zos_connect_servers.iter_mut().zip(hosts) {
                server.lpar = Some(format!("S{host:05}"));
            }
        }
        Servers::Each => {
            // The fixture's two servers, one on each database, as templates: LPAR n runs a
            // copy of its database's server, and its requesters call that copy.
            let templates = std::mem::take(&mut fleet.zos_connect_servers);
            for (index, lpar) in fleet.lpars.iter_mut().enumerate() {
                let mut server = templates[index % templates.len()].clone();
                server.name = format!("Z{index:05}");
                server.lpar = Some(lpar.name.clone());
                for requester in lpar.stacks.iter_mut().flat_map(|s| &mut s.api_requesters) {
                    requester.server = server.name.clone().into();
                }
                fleet.zos_connect_servers.push(server);
            }
        }
    }
    fleet
}

fn main() {
    for lpars in [10, 100, 1000, 4000] {
        for (servers, on) in [
            (Servers::First, "the first two LPARs"),
            (Servers::Last, "the last two LPARs"),
            (Servers::Each, "every LPAR"),
        ] {
            let mut best = f64::INFINITY;
            let mut rules = 0;
            for _ in 0..3 {
                let fleet = fleet(lpars, servers);
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
                let errors: Vec<_> =
                    prepared.diagnostics.iter().filter(|d| d.is_error()).take(3).collect();
                assert!(errors.is_empty(), "the scaled fleet must validate: {errors:#?}");
            }
            println!(
                "prepare: {lpars:>5} lpars, {rules:>6} rules, servers on {on:<19}: {:>8.1} ms",
                best * 1000.0
            );
        }
    }
}
