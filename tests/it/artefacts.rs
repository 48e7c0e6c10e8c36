//! Snapshots of the tcpip, syslog, ceeopts, zosconnect and runbook artefacts over the real
//! example fleet and the multi-LPAR script, run through the script runtime and the core.

use std::collections::BTreeMap;
use std::path::Path;

use zat_plugin_api::model::MODEL_VERSION;
use zat_plugin_api::{ABI_VERSION, Emitter, RenderRequest, RenderResponse};

fn request(script: &str) -> RenderRequest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(script);
    let fleet = zat_script::run_file(&path, &zat_script::ScriptOptions::default())
        .unwrap_or_else(|diagnostics| panic!("{script}: {diagnostics:#?}"));
    let prepared = zat_core::prepare(fleet);
    assert!(!prepared.has_errors(), "{script}: {:#?}", prepared.diagnostics);
    RenderRequest {
        abi_version: ABI_VERSION,
        model_version: MODEL_VERSION,
        zat_version: "test".to_owned(),
        fleet: prepared.fleet,
        only_lpars: Vec::new(),
        options: BTreeMap::new(),
    }
}

fn render<E: Emitter>(request: &RenderRequest) -> RenderResponse {
    E::default().render(request).expect("renders")
}

/// Every file of the five emitters, one snapshot each, plus the list with targets and the
/// diagnostics.
fn check(name: &str, script: &str) {
    let request = request(script);
    let responses = [
        render::<zat_emit_tcpip::TcpipEmitter>(&request),
        render::<zat_emit_syslog::SyslogEmitter>(&request),
        render::<zat_emit_ceeopts::CeeoptsEmitter>(&request),
        render::<zat_emit_zosconnect::ZosConnectEmitter>(&request),
        render::<zat_emit_runbook::RunbookEmitter>(&request),
    ];
    let mut listing = String::new();
    for response in &responses {
        for file in &response.files {
            let target = file.target.as_deref().unwrap_or("-");
            listing.push_str(&format!("{} -> {target}\n", file.path));
            insta::assert_snapshot!(
                format!("{name}__{}", file.path.replace('/', "__")),
                file.content
            );
        }
        for diagnostic in &response.diagnostics {
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
