//! Tests of the syslog emitter: snapshots over the fixture fleets, options and refusals.

use zat_emit_syslog::{SyslogEmitter, WILDCARD_OPTION};
use zat_plugin_api::layout;
use zat_test_support::{fixture, render, request, snapshot_all, zos_findings};

#[test]
fn seed_snapshots() {
    snapshot_all!("seed", &render::<SyslogEmitter>(&request(fixture("seed"))));
}

#[test]
fn multi_snapshots() {
    snapshot_all!("multi", &render::<SyslogEmitter>(&request(fixture("multi"))));
}

#[test]
fn one_daemon_line_per_ttls_stack_with_exact_job_names() {
    let response = render::<SyslogEmitter>(&request(fixture("multi")));
    let sysb = response.files.iter().find(|f| f.path == layout::syslog_conf("SYSB")).expect("SYSB");
    let selectors: Vec<&str> = sysb
        .content
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(
        selectors,
        ["*.TCPIP.daemon.info", "*.TCPIPB.daemon.info", "*.PAGENT.*.info", "*.err"]
    );
    assert_eq!(sysb.target.as_deref(), Some("lines to merge into /etc/syslog.conf"));
}

#[test]
fn wildcard_option_and_no_error_log() {
    let mut fleet = fixture("seed");
    fleet.lpars[0].syslog.error_log = None;
    let mut request = request(fleet);
    request.options.insert(WILDCARD_OPTION.to_owned(), "true".to_owned());
    let content = &render::<SyslogEmitter>(&request).files[0].content;
    assert!(content.contains("*.TCPIP*.daemon.info"), "{content}");
    assert!(content.contains("*.PAGENT*.*.info"), "{content}");
    assert!(!content.contains("*.err"), "{content}");
    assert!(!content.contains('\t'));
}

#[test]
fn bad_levels_and_paths_are_refused() {
    let mut fleet = fixture("seed");
    fleet.lpars[0].syslog.attls_level = "verbose".to_owned();
    fleet.lpars[0].syslog.pagent_log = "var/log/pagent log".to_owned();
    let response = render::<SyslogEmitter>(&request(fleet));
    assert!(response.files.is_empty());
    let codes: Vec<&str> = response.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["ZAT0355", "ZAT0356"]);
    assert!(response.diagnostics.iter().all(|d| d.origin.as_ref().is_some_and(|o| o.line == 19)));
}

#[test]
fn lpars_without_ttls_get_no_file() {
    let mut fleet = fixture("seed");
    fleet.lpars[0].stacks[0].ttls = false;
    assert!(render::<SyslogEmitter>(&request(fleet)).files.is_empty());
}

#[test]
fn no_tabs_and_only_code_page_1047_safe_characters() {
    for name in ["seed", "multi"] {
        for file in render::<SyslogEmitter>(&request(fixture(name))).files {
            let findings = zos_findings(&file.content, 255);
            assert!(findings.is_empty(), "{}: {findings:?}", file.path);
        }
    }
}
