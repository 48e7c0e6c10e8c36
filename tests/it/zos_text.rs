//! What z/OS rejects, over the TCPIP PROFILE/OBEYFILE members and the CEEOPTS of every
//! example and script: lines past their column limit (71 for PROFILE statements, 72 for
//! CEEOPTS records), tabs, and characters outside the code page 1047 safe set.

use zat_plugin_api::RenderResponse;

use crate::support::{SCRIPTS, render, request};

fn scan(script: &str, response: &RenderResponse, columns: usize) -> usize {
    for file in &response.files {
        // Only columns, tabs and the code page: TSO-only findings (apostrophes,
        // continuations) do not apply to these formats.
        let findings = zat_test_support::zos_findings(&file.content, columns);
        assert!(findings.is_empty(), "{script} {}: {findings:#?}", file.path);
        for line in file.content.lines().filter(|l| !l.starts_with(';') && !l.starts_with('*')) {
            // Statements and options are upper case; only quoted ENVAR values keep theirs.
            let outside_quotes: String = line.split('"').step_by(2).collect();
            assert_eq!(
                outside_quotes,
                outside_quotes.to_ascii_uppercase(),
                "{script} {}: lower case outside quotes in `{line}`",
                file.path
            );
        }
    }
    response.files.len()
}

#[test]
fn profile_and_ceeopts_lines_fit_their_columns_and_code_page() {
    for (_, script) in SCRIPTS {
        let request = request(script);
        let members = scan(script, &render::<zat_emit_tcpip::TcpipEmitter>(&request), 71);
        let ceeopts = scan(script, &render::<zat_emit_ceeopts::CeeoptsEmitter>(&request), 72);
        assert!(members > 0 && ceeopts > 0, "{script}: nothing was scanned");
    }
}
