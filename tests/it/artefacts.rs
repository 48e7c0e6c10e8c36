//! Snapshots of the tcpip, syslog, ceeopts, zosconnect and runbook artefacts over the real
//! example fleet and the multi-LPAR script, run through the script runtime and the core.

use std::path::Path;

/// Every file of the five emitters, one snapshot each, plus the list with targets and the
/// diagnostics. Built by the pipeline `zat build` runs ([`zat_driver::build`]), so the
/// runbook is rendered in the index pass with the real bundle.
fn check(name: &str, script: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(script);
    let mut inputs = zat_driver::Inputs::new(path);
    inputs.zat_version = zat_test_support::ZAT_VERSION.to_owned();
    let outcome =
        zat_driver::build(&inputs, zat_driver::builtins(zat_plugin_host::PluginSet::builder()));
    let built =
        outcome.result.unwrap_or_else(|f| panic!("{script}: {f:?} {:#?}", outcome.diagnostics));
    let mut listing = String::new();
    for emitter in ["tcpip", "syslog", "ceeopts", "zosconnect", "runbook"] {
        for file in built.bundle.files().filter(|f| f.emitter == emitter) {
            let target = file.target.as_deref().unwrap_or("-");
            listing.push_str(&format!("{} -> {target}\n", file.path));
            insta::assert_snapshot!(
                format!("{name}__{}", file.path.replace('/', "__")),
                String::from_utf8_lossy(&file.content)
            );
        }
        for diagnostic in
            outcome.diagnostics.iter().filter(|d| d.object == format!("plugin {emitter}"))
        {
            listing.push_str(&format!("{diagnostic}\n"));
        }
    }
    insta::assert_snapshot!(format!("{name}__files"), listing);
}

#[test]
fn zos_connect_requester_example() {
    check("example", "examples/zos-connect-requester/fleet.rhai");
}

#[test]
fn multi_lpar_script() {
    check("script", "scripts/fleet.rhai");
}
