//! Tests of the tcpip emitter: snapshots over the fixture fleets and z/OS text checks.

use zat_emit_tcpip::{PROFILE_COLUMNS, TcpipEmitter};
use zat_plugin_api::layout;
use zat_test_support::{fixture, render, request, snapshot_all, zos_findings};

#[test]
fn seed_snapshots() {
    snapshot_all!("seed", &render::<TcpipEmitter>(&request(fixture("seed"))));
}

#[test]
fn multi_snapshots() {
    snapshot_all!("multi", &render::<TcpipEmitter>(&request(fixture("multi"))));
}

#[test]
fn syslogd_port_and_no_autolog() {
    let mut fleet = fixture("seed");
    let stack = &mut fleet.lpars[0].stacks[0];
    stack.syslogd_port = true;
    stack.autolog_pagent = false;
    let response = render::<TcpipEmitter>(&request(fleet));
    let profile = &response.files[0];
    assert!(profile.content.contains("PORT\n   514 UDP SYSLOGD\n"), "{}", profile.content);
    assert!(!profile.content.contains("AUTOLOG"), "{}", profile.content);
}

#[test]
fn stacks_without_ttls_get_nothing_and_only_limits_lpars() {
    let mut fleet = fixture("multi");
    fleet.lpars[1].stacks[1].ttls = false;
    let mut request = request(fleet);
    request.only_lpars = vec!["SYSB".to_owned()];
    let paths: Vec<String> =
        render::<TcpipEmitter>(&request).files.into_iter().map(|file| file.path).collect();
    assert_eq!(
        paths,
        [layout::tcpip_profile("SYSB", "TCPIP"), layout::tcpip_obeyfile("SYSB", "TCPIP")]
    );
}

#[test]
fn every_line_fits_z_os() {
    for name in ["seed", "multi"] {
        for file in render::<TcpipEmitter>(&request(fixture(name))).files {
            let findings = zos_findings(&file.content, PROFILE_COLUMNS);
            assert!(findings.is_empty(), "{}: {findings:?}", file.path);
            assert_eq!(file.content, file.content.to_ascii_uppercase(), "{}", file.path);
        }
    }
}

#[test]
fn members_are_valid_names_in_tcpparms() {
    for name in ["seed", "multi"] {
        for file in render::<TcpipEmitter>(&request(fixture(name))).files {
            let target = file.target.expect("target");
            let member = target
                .strip_prefix("SYS1.TCPPARMS(")
                .and_then(|rest| rest.strip_suffix(')'))
                .expect("DSN(MEMBER)");
            assert!(zat_zos::is_valid_name(member), "{member}");
            assert!(file.content.contains(&target), "{}", file.path);
        }
    }
}

#[test]
fn obeyfile_names_the_commands() {
    let response = render::<TcpipEmitter>(&request(fixture("seed")));
    let obey = &response.files[1];
    let target = obey.target.as_deref().expect("target");
    assert!(obey.content.contains(&format!("V TCPIP,TCPIP,SYNTAXCHECK,DSN={target}")));
    assert!(obey.content.contains(&format!("V TCPIP,TCPIP,OBEYFILE,DSN={target}")));
}
