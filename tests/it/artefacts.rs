//! Snapshots of the tcpip, syslog, ceeopts, zosconnect and runbook artefacts over the real
//! example fleet and the multi-LPAR script, run through the script runtime and the core.

use crate::support::{render, request};

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
