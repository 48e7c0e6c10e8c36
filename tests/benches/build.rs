//! Benchmark of a whole build on scaled fleets: `cargo bench -p zat-tests`.
//!
//! Each size runs the same pipeline as `zat build` ([`zat_driver::build`]: the script, expansion
//! and validation, ESM coverage, every built-in emitter through the plugin host's byte path in
//! two passes, bundle assembly) on `scripts/fleet.rhai --set lpars=N`, then the atomic write
//! into a temporary folder, and prints the best of three wall times per phase.

use std::path::Path;
use std::time::Instant;

fn main() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/fleet.rhai");
    for lpars in [10, 100, 1000] {
        let mut best = [f64::INFINITY; 4];
        let mut files = 0;
        let mut rules = 0;
        for _ in 0..3 {
            let out = tempfile::tempdir().expect("temporary folder");
            let mut inputs = zat_driver::Inputs::new(&script);
            inputs.script_options.params.insert("lpars".to_owned(), lpars.to_string());
            inputs.zat_version = "bench".to_owned();
            let start = Instant::now();
            let outcome = zat_driver::build(
                &inputs,
                zat_driver::builtins(zat_plugin_host::PluginSet::builder()),
            );
            let built = outcome.result.expect("the benchmark fleet builds");
            let built_at = start.elapsed().as_secs_f64();
            rules = built.fleet.lpars.iter().flat_map(|l| &l.stacks).map(|s| s.rules.len()).sum();
            files = built.bundle.len();
            built.bundle.write(&out.path().join("out")).expect("write the bundle");
            let written_at = start.elapsed().as_secs_f64();
            let timings = &outcome.timings;
            for (slot, value) in best.iter_mut().zip([
                timings.script.as_secs_f64(),
                timings.prepare.as_secs_f64(),
                timings.render.as_secs_f64(),
                written_at - built_at,
            ]) {
                *slot = slot.min(value);
            }
        }
        println!(
            "build: {lpars:>5} lpars, {rules:>6} rules, {files:>6} files: script {:>7.1} ms, prepare {:>7.1} ms, render {:>7.1} ms, write {:>7.1} ms",
            best[0] * 1000.0,
            best[1] * 1000.0,
            best[2] * 1000.0,
            best[3] * 1000.0
        );
    }
}
