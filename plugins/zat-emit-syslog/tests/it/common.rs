//! Shared helpers of this test binary: requests over the fixture fleets, snapshots, z/OS checks.

use std::collections::BTreeMap;

use zat_core::{Prepared, fixtures};
use zat_plugin_api::model::{Fleet, MODEL_VERSION};
use zat_plugin_api::zos::{self, CheckOptions, Problem, TextKind};
use zat_plugin_api::{ABI_VERSION, Emitter, RenderRequest, RenderResponse};

pub fn request(fleet: Fleet) -> RenderRequest {
    RenderRequest {
        abi_version: ABI_VERSION,
        model_version: MODEL_VERSION,
        zat_version: "test".to_owned(),
        fleet,
        only_lpars: Vec::new(),
        options: BTreeMap::new(),
    }
}

/// A fixture after expansion, with no error diagnostics.
pub fn fixture(name: &str) -> Fleet {
    let prepared: Prepared = match name {
        "seed" => fixtures::seed(),
        "multi" => fixtures::multi(),
        other => panic!("no fixture {other}"),
    };
    assert!(!prepared.has_errors(), "{name}: {:#?}", prepared.diagnostics);
    prepared.fleet
}

pub fn render<E: Emitter>(request: &RenderRequest) -> RenderResponse {
    E::default().render(request).expect("renders")
}

/// One snapshot per file, plus one of the file list with targets and the diagnostics.
pub fn snapshot_all(fixture: &str, response: &RenderResponse) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    let _guard = settings.bind_to_scope();
    let mut listing = String::new();
    for file in &response.files {
        listing.push_str(&format!("{} -> {}\n", file.path, file.target.as_deref().unwrap_or("-")));
        insta::assert_snapshot!(
            format!("{fixture}__{}", file.path.replace('/', "__")),
            file.content
        );
    }
    for diagnostic in &response.diagnostics {
        listing.push_str(&format!("{diagnostic}\n"));
    }
    insta::assert_snapshot!(format!("{fixture}__files"), listing);
}

/// Column limit, tabs and characters outside the code page 1047 safe set, line by line.
pub fn zos_findings(text: &str, columns: usize) -> Vec<String> {
    let options = CheckOptions { jcl_columns: columns, data_columns: columns };
    zos::check(text, TextKind::TsoData, &options)
        .into_iter()
        .filter(|finding| {
            matches!(
                finding.problem,
                Problem::TooLong { .. } | Problem::Tab | Problem::UnsafeCharacter(_)
            )
        })
        .map(|finding| finding.to_string())
        .collect()
}
