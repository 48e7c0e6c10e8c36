//! Benchmark of a whole build on scaled fleets: `cargo bench -p zat-tests`.
//!
//! Each size runs prepare (expansion and validation), every built-in emitter through the
//! plugin host's byte path, bundle assembly and the atomic write into a temporary folder,
//! and prints the best of three wall times per phase. DESIGN §10 sets the target: 1,000 LPARs
//! (about 40,000 rules) in a couple of seconds on 2 cores.

use std::time::Instant;

use zat_core::{Bundle, BundleFile, fixtures, prepare};
use zat_plugin_api::RenderRequest;
use zat_plugin_host::PluginSetBuilder;

fn main() {
    let set = PluginSetBuilder::new()
        .builtin::<zat_emit_racf::RacfEmitter>()
        .builtin::<zat_emit_pagent::PagentEmitter>()
        .builtin::<zat_emit_tcpip::TcpipEmitter>()
        .builtin::<zat_emit_syslog::SyslogEmitter>()
        .builtin::<zat_emit_ceeopts::CeeoptsEmitter>()
        .builtin::<zat_emit_zosconnect::ZosConnectEmitter>()
        .builtin::<zat_emit_runbook::RunbookEmitter>()
        .build()
        .expect("the built-in emitters always form a plugin set");
    let jobs = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    for lpars in [10, 100, 1000] {
        let mut best = [f64::INFINITY; 3];
        let mut files = 0;
        let mut rules = 0;
        for _ in 0..3 {
            let out = tempfile::tempdir().expect("temporary folder");
            let start = Instant::now();
            let prepared = prepare(fixtures::scaled_raw(lpars));
            assert!(!prepared.has_errors(), "the scaled fleet validates");
            rules =
                prepared.fleet.lpars.iter().flat_map(|l| &l.stacks).map(|s| s.rules.len()).sum();
            let prepared_at = start.elapsed().as_secs_f64();
            let request = RenderRequest::new(prepared.fleet, "bench");
            let rendered = set.render_all(&request, jobs).expect("renders");
            let mut bundle_files = Vec::new();
            for answer in rendered {
                let response = answer.result.expect("every built-in emitter answers");
                bundle_files.extend(response.files.into_iter().map(|f| BundleFile {
                    path: f.path,
                    content: f.content.into_bytes(),
                    target: f.target,
                    emitter: answer.plugin.name().to_owned(),
                }));
            }
            let bundle = Bundle::new(bundle_files).expect("legal paths");
            files = bundle.len();
            let rendered_at = start.elapsed().as_secs_f64();
            bundle.write(&out.path().join("out")).expect("write the bundle");
            let written_at = start.elapsed().as_secs_f64();
            for (slot, value) in best.iter_mut().zip([
                prepared_at,
                rendered_at - prepared_at,
                written_at - rendered_at,
            ]) {
                *slot = slot.min(value);
            }
        }
        println!(
            "build: {lpars:>5} lpars, {rules:>6} rules, {files:>6} files: prepare {:>7.1} ms, render {:>7.1} ms, write {:>7.1} ms",
            best[0] * 1000.0,
            best[1] * 1000.0,
            best[2] * 1000.0
        );
    }
}
