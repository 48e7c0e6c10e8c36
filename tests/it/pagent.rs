//! The real fleet scripts through zat-script, `zat_core::prepare` and the Policy Agent
//! emitter: snapshots of every file, each of which must parse cleanly with zat-policy.

use std::path::Path;

use zat_emit_pagent::PagentEmitter;
use zat_plugin_api::{Emitter, RenderRequest};

const SCRIPTS: &[(&str, &str)] =
    &[("example", "examples/zos-connect-requester/fleet.rhai"), ("scripts", "scripts/fleet.rhai")];

#[test]
fn pagent_files_of_every_script() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (name, script) in SCRIPTS {
        let fleet = zat_script::run_file(&root.join(script), &zat_script::ScriptOptions::default())
            .unwrap_or_else(|d| panic!("{script}: {d:#?}"));
        let prepared = zat_core::prepare(fleet);
        assert!(!prepared.has_errors(), "{script}: {:#?}", prepared.diagnostics);
        let request = RenderRequest {
            abi_version: zat_plugin_api::ABI_VERSION,
            model_version: zat_plugin_api::model::MODEL_VERSION,
            zat_version: "test".into(),
            fleet: prepared.fleet,
            only_lpars: Vec::new(),
            options: Default::default(),
        };
        let response = PagentEmitter.render(&request).expect("render");
        assert!(response.diagnostics.is_empty(), "{script}: {:#?}", response.diagnostics);
        assert!(response.files.iter().any(|f| f.path.ends_with(".policy")), "{script}");
        for file in &response.files {
            let (_, diagnostics) = zat_policy::parse(&file.content);
            assert!(diagnostics.is_empty(), "{script} {}: {diagnostics:#?}", file.path);
            let snapshot = format!("{name}__{}", file.path.replace('/', "__"));
            insta::assert_snapshot!(snapshot, file.content);
        }
    }
}
