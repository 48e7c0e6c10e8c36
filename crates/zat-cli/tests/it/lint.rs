//! `zat lint` and `zat import` on hand-written policy files, as a user runs them: exit codes,
//! file:line in stderr, JSON on stdout, and an import → check → build round trip.

use std::path::{Path, PathBuf};

use crate::{fixtures, zat_in};

fn policies() -> PathBuf {
    fixtures().join("policies")
}

fn lint(args: &[&str]) -> crate::Output {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    zat_in(&policies(), &all)
}

#[test]
fn a_clean_set_of_files_exits_0_quietly() {
    let out = lint(&["pagent.conf", "TCPIP.image", "common.policy", "payroll.policy"]);
    out.expect_code(0);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(!out.stderr.contains("ZAT06"), "{}", out.stderr);
}

#[test]
fn warnings_alone_exit_0_and_point_at_the_line() {
    let out = lint(&["messy.policy"]);
    out.expect_code(0)
        .stderr_has("ZAT0608")
        .stderr_has("did you mean `MiddleBoxCompatMode`?")
        .stderr_has("[messy.policy:25:5]")
        .stderr_has("ZAT0609")
        .stderr_has("ZAT0606")
        .stderr_has("reads 'Inventory'")
        .stderr_has("ZAT0621")
        .stderr_has("CommonTTLSConfig")
        .stderr_has("found 0 errors and 5 warnings");
}

#[test]
fn the_common_file_resolves_references() {
    let out = lint(&["common.policy", "messy.policy"]);
    out.expect_code(0);
    assert!(!out.stderr.contains("ZAT0621"), "{}", out.stderr);
}

#[test]
fn errors_exit_1_with_an_excerpt_and_a_caret() {
    let out = lint(&["broken.policy"]);
    out.expect_code(1)
        .stderr_has("ZAT0600")
        .stderr_has("[broken.policy:8:1]")
        .stderr_has("ZAT0623")
        .stderr_has("[broken.policy:2:1]")
        .stderr_has("^");
}

#[test]
fn json_goes_to_stdout() {
    let out = lint(&["--format", "json", "broken.policy", "messy.policy"]);
    out.expect_code(1);
    let found: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    let found = found.as_array().expect("an array");
    assert!(found.iter().all(|d| d["code"].as_str().is_some_and(|c| c.starts_with("ZAT06"))));
    let first = &found[0];
    assert_eq!(first["origin"]["file"], "broken.policy");
    assert_eq!(first["origin"]["line"], 2);
    assert_eq!(first["severity"], "error");
    assert!(
        found.iter().any(|d| d["origin"]["file"] == "messy.policy" && d["severity"] == "warning")
    );
    assert!(!out.stderr.contains("ZAT06"), "JSON mode writes diagnostics only to stdout");
}

#[test]
fn unreadable_files_exit_2() {
    lint(&["no-such.policy"]).expect_code(2).stderr_has("cannot read no-such.policy");
    lint(&[]).expect_code(2);
}

#[test]
fn every_lint_code_is_explained() {
    let out = zat_in(Path::new("."), &["explain", "ZAT0629"]);
    out.expect_code(0);
    assert!(out.stdout.contains("PortRange"), "{}", out.stdout);
}
