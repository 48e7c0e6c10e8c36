//! Tests of the ceeopts emitter: snapshots, the seed's BAQURI/BAQPORT, fixed-format records,
//! basic authentication without a password in clear, and refusals.

use zat_emit_ceeopts::{CEEOPTS_COLUMNS, CeeoptsEmitter, PASSWORD_FORM_OPTION};
use zat_plugin_api::model::{BasicAuth, Fleet, Severity};
use zat_plugin_api::{RenderResponse, layout};
use zat_test_support::{fixture, render, request, snapshot_all, zos_findings};

#[test]
fn seed_snapshots() {
    snapshot_all!("seed", &render::<CeeoptsEmitter>(&request(fixture("seed"))));
}

#[test]
fn multi_snapshots() {
    snapshot_all!("multi", &render::<CeeoptsEmitter>(&request(fixture("multi"))));
}

#[test]
fn seed_names_the_server_and_the_outbound_rule_port() {
    let fleet = fixture("seed");
    let stack = &fleet.lpars[0].stacks[0];
    let expansion = stack.api_requesters[0].expansion.as_ref().expect("expanded");
    let rule = stack.rules.iter().find(|rule| rule.name == expansion.rule).expect("outbound rule");
    let port = rule.remote_port.expect("remote port");
    assert_eq!(port.low, port.high);
    let response = render::<CeeoptsEmitter>(&request(fleet.clone()));
    let file = &response.files[0];
    assert_eq!(file.path, layout::ceeopts("SYSA", "ZCEEAPP"));
    assert!(file.content.contains("\"BAQURI=zceeserver.mycom.com\""), "{}", file.content);
    assert!(file.content.contains(&format!("\"BAQPORT={}\"", port.low)), "{}", file.content);
    // The seed's server has an inbound AT-TLS policy: the HTTP port.
    assert_eq!(port.low, 9080);
}

/// Data records, without the `*` comments.
fn records(content: &str) -> Vec<&str> {
    content.lines().filter(|line| !line.starts_with('*')).collect()
}

#[test]
fn records_are_fixed_format() {
    for name in ["seed", "multi"] {
        for file in render::<CeeoptsEmitter>(&request(fixture(name))).files {
            let findings = zos_findings(&file.content, CEEOPTS_COLUMNS);
            assert!(findings.is_empty(), "{}: {findings:?}", file.path);
            let records = records(&file.content);
            let (last, rest) = records.split_last().expect("records");
            // Breaks only after a comma; each quoted string whole on its record.
            assert!(rest.iter().all(|record| record.ends_with(',')), "{records:?}");
            assert!(last.ends_with(')') && !last.ends_with('/'), "{records:?}");
            assert!(records.iter().all(|record| record.matches('"').count() % 2 == 0));
            assert!(!file.content.lines().any(|l| l.starts_with("//") || l.starts_with("/*")));
        }
    }
}

fn with_auth(password_from: &str) -> Fleet {
    let mut fleet = fixture("seed");
    fleet.lpars[0].stacks[0].api_requesters[0].basic_auth =
        Some(BasicAuth { username: "APPCLI".into(), password_from: password_from.into() });
    fleet
}

#[test]
fn basic_auth_password_is_a_jcl_symbol() {
    let response = render::<CeeoptsEmitter>(&request(with_auth("ZCEEPW")));
    let content = &response.files[0].content;
    assert!(content.contains("\"BAQUSERNAME=APPCLI\",\n\"BAQPASSWORD=&ZCEEPW.\")\n"), "{content}");
    assert!(content.contains("SYMBOLS=JCLONLY"), "{content}");
    assert_eq!(response.diagnostics.len(), 1);
    assert_eq!(response.diagnostics[0].severity, Severity::Note);
    insta::assert_snapshot!("seed_basic_auth_symbol", content);
}

#[test]
fn basic_auth_placeholder_warns() {
    let check = |response: &RenderResponse, placeholder: &str| {
        let content = &response.files[0].content;
        assert!(content.contains(&format!("\"BAQPASSWORD={placeholder}\")")), "{content}");
        assert_eq!(response.diagnostics.len(), 1);
        assert_eq!(response.diagnostics[0].code, "ZAT0364");
        assert_eq!(response.diagnostics[0].severity, Severity::Warning);
    };
    check(&render::<CeeoptsEmitter>(&request(with_auth("vault:zcee/app"))), "<vault:zcee/app>");
    let mut forced = request(with_auth("ZCEEPW"));
    forced.options.insert(PASSWORD_FORM_OPTION.to_owned(), "placeholder".to_owned());
    check(&render::<CeeoptsEmitter>(&forced), "<ZCEEPW>");
}

#[test]
fn a_value_that_cannot_fit_is_refused() {
    let mut fleet = fixture("seed");
    let expansion = fleet.lpars[0].stacks[0].api_requesters[0].expansion.as_mut().expect("x");
    expansion.baquri = format!("{}.mycom.com", "a".repeat(60)).into();
    let response = render::<CeeoptsEmitter>(&request(fleet));
    assert!(response.files.is_empty());
    assert_eq!(response.diagnostics.len(), 1, "{:?}", response.diagnostics);
    assert_eq!(response.diagnostics[0].code, "ZAT0362");
    assert_eq!(response.diagnostics[0].origin.as_ref().map(|o| o.line), Some(21));
}

#[test]
fn a_quote_in_a_value_is_refused() {
    let response = render::<CeeoptsEmitter>(&request(with_auth("PW")));
    assert_eq!(response.files.len(), 1);
    let mut fleet = with_auth("PW");
    if let Some(auth) = fleet.lpars[0].stacks[0].api_requesters[0].basic_auth.as_mut() {
        auth.username = "A\"B".into();
    }
    let response = render::<CeeoptsEmitter>(&request(fleet));
    assert!(response.files.is_empty());
    assert!(response.diagnostics.iter().any(|d| d.code == "ZAT0361"));
}

#[test]
fn unexpanded_requesters_are_reported() {
    let mut fleet = fixture("seed");
    fleet.lpars[0].stacks[0].api_requesters[0].expansion = None;
    let response = render::<CeeoptsEmitter>(&request(fleet));
    assert!(response.files.is_empty());
    assert_eq!(response.diagnostics[0].code, "ZAT0360");
}
