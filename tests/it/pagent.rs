//! The real fleet scripts through zat-script, `zat_core::prepare` and the Policy Agent
//! emitter: snapshots of every file, each of which must parse cleanly with zat-policy.

use zat_emit_pagent::PagentEmitter;

use crate::support::{SCRIPTS, render, request};

#[test]
fn pagent_files_of_every_script() {
    for (name, script) in SCRIPTS {
        let response = render::<PagentEmitter>(&request(script));
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
