//! Shared helpers: run a repository script through the script runtime and the core, and
//! render it with a linked-in emitter.

use std::path::Path;

use zat_plugin_api::RenderRequest;

pub(crate) use zat_test_support::render;

/// The example and the multi-LPAR script, with the names their snapshots use.
pub(crate) const SCRIPTS: &[(&str, &str)] =
    &[("example", "examples/zos-connect-requester/fleet.rhai"), ("scripts", "scripts/fleet.rhai")];

/// The request every plugin would get for a repository script (path relative to the root).
pub(crate) fn request(script: &str) -> RenderRequest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(script);
    let fleet = zat_script::run_file(&path, &zat_script::ScriptOptions::default())
        .unwrap_or_else(|diagnostics| panic!("{script}: {diagnostics:#?}"));
    let prepared = zat_core::prepare(fleet);
    assert!(!prepared.has_errors(), "{script}: {:#?}", prepared.diagnostics);
    zat_test_support::request(prepared.fleet)
}
