//! Errors in scripts are reported with their code, file, line and a source excerpt.

use crate::zat;

#[test]
fn a_misspelt_method_is_reported_at_its_line_with_an_excerpt() {
    let out = zat(&["check", "misspelt.rhai"]);
    out.expect_code(1)
        .stderr_has("ZAT0003")
        .stderr_has("misspelt.rhai:4:")
        .stderr_has("let ca = db.certificate_authorty(\"IMSCA\");")
        .stderr_has("^")
        .stderr_has("did you mean `certificate_authority`");
}

#[test]
fn an_unknown_option_key_is_reported_at_its_line() {
    let out = zat(&["check", "unknown_key.rhai"]);
    out.expect_code(1)
        .stderr_has("ZAT0004")
        .stderr_has("unknown_key.rhai:5:5")
        .stderr_has("`pagnet`")
        .stderr_has("did you mean `pagent`");
}

#[test]
fn three_mistakes_in_options_maps_are_all_reported_at_the_key_or_value() {
    let out = zat(&["check", "three_mistakes.rhai"]);
    out.expect_code(1);
    out.stderr_has("three_mistakes.rhai:5:54").stderr_has("`public`");
    out.stderr_has("three_mistakes.rhai:8:5").stderr_has("`pagnet`");
    out.stderr_has("three_mistakes.rhai:11:73").stderr_has("`trace`");
    out.stderr_has("found 3 errors and 0 warnings");
    // Nothing else: exactly three diagnostics, and carets under the key and values.
    let headers = out.stderr.lines().filter(|line| line.starts_with("ZAT00")).count();
    assert_eq!(headers, 3, "{}", out.stderr);
    assert!(out.stderr.contains("    ^^^|^^"), "a caret under `pagnet`:\n{}", out.stderr);
    assert!(out.stdout.is_empty());
}

/// Needs the core's validation: system name length, port range and duplicate rule names.
#[test]
fn three_independent_model_errors_are_all_reported() {
    let out = zat(&["check", "three_errors.rhai"]);
    out.expect_code(1);
    out.stderr_has("three_errors.rhai:6:").stderr_has("SYSTEMTOOLONG");
    out.stderr_has("three_errors.rhai:9:").stderr_has("70000");
    out.stderr_has("three_errors.rhai:11:").stderr_has("DUP");
    assert!(out.stdout.is_empty());
}

#[test]
fn warnings_are_shown_but_do_not_change_the_exit_code() {
    let out = zat(&["check", "warning_only.rhai"]);
    out.expect_code(0).stderr_has("warning_only.rhai:5:").stderr_has("TLSv1.0");
    assert!(!out.stderr.contains(" x "), "no error expected:\n{}", out.stderr);
}

/// `cics.prot` for `cics.port` reads as `()`: taken as "not set", the rule would protect
/// every inbound port of its user. It is a mistake at the value, and only that one.
#[test]
fn an_option_whose_value_is_nothing_is_a_mistake_at_the_value() {
    let out = zat(&["check", "unit_option.rhai"]);
    out.expect_code(1);
    out.stderr_has("unit_option.rhai:7:56").stderr_has("option `local_port` of rule()");
    out.stderr_has("unit_option.rhai:8:33").stderr_has("option `direction` of rule()");
    out.stderr_has("a map key that does not exist reads as `()`");
    // Written, so not also "needs the option `direction`".
    assert!(!out.stderr.contains("needs the option"), "{}", out.stderr);
    out.stderr_has("found 2 errors and 0 warnings");
}

/// A server placed on an LPAR or stack the fleet lacks is an error whether or not AT-TLS
/// fronts it (without it, its server.xml silently went nowhere), and a mistake in the fleet
/// defaults is shown at the `defaults` call, not at `fleet()`.
#[test]
fn a_misplaced_server_and_bad_defaults_are_shown_where_they_were_written() {
    let out = zat(&["check", "misplaced.rhai", "--allow", "ZAT0347"]);
    out.expect_code(1);
    out.stderr_has("misplaced.rhai:7:6").stderr_has("lpar SYSZ stack TCPIP, which the fleet");
    out.stderr_has("misplaced.rhai:11:6").stderr_has("lpar SYSA stack NOSTACK, which the fleet");
    out.stderr_has("misplaced.rhai:12:6").stderr_has("high-level qualifier `SYS2.ZAT(X)`");
    assert!(!out.stderr.contains("misplaced.rhai:2:"), "nothing at fleet(): {}", out.stderr);
}

/// The codes of the diagnostics a run shows, in order (each starts a line of its own).
fn codes(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|line| line.starts_with("ZAT")).map(str::trim).collect()
}

/// A bad port on a server three requesters call is one mistake: reported at the server's
/// line, not again at each requester's derived `_OUT` rule.
#[test]
fn a_bad_server_port_is_one_error_at_the_server_however_many_requesters_call_it() {
    let out = zat(&["check", "one_mistake_server_port.rhai"]);
    out.expect_code(1)
        .stderr_has("one_mistake_server_port.rhai:10:")
        .stderr_has("https_port 0 is not a port");
    assert_eq!(codes(&out.stderr), ["ZAT0110"], "{}", out.stderr);
    assert!(!out.stderr.contains("_OUT"), "{}", out.stderr);
}

/// A lower-case ring owner is reported at the ring, not also as a private key that the rules'
/// user (APPUSR, which `appusr` is not) could not read.
#[test]
fn a_lower_case_ring_owner_is_one_error_at_the_ring() {
    let out = zat(&["check", "one_mistake_ring_owner.rhai"]);
    out.expect_code(1)
        .stderr_has("one_mistake_ring_owner.rhai:7:")
        .stderr_has("key ring owner `appusr`");
    assert_eq!(codes(&out.stderr), ["ZAT0101"], "{}", out.stderr);
    assert!(!out.stderr.contains("EZD1286I"), "{}", out.stderr);
}

/// Requester names that differ only past the 28 characters a derived rule name keeps do not
/// meet under one rule name the script never wrote.
#[test]
fn long_requester_names_that_differ_late_derive_distinct_rules() {
    let out = zat(&["check", "long_requester_names.rhai"]);
    out.expect_code(0);
    assert!(!out.stderr.contains("defined twice"), "{}", out.stderr);
    assert!(!out.stderr.contains(" x "), "no error expected:\n{}", out.stderr);
}

/// A JOB card value the emitters cannot write is one error at `site.defaults(..)`, found by
/// validation, not one per job from the plugin with no place in the script.
#[test]
fn an_accounting_field_too_long_for_a_job_card_is_one_error_at_the_defaults() {
    let out = zat(&["check", "long_accounting.rhai"]);
    out.expect_code(1);
    out.stderr_has("ZAT0101").stderr_has("long_accounting.rhai:3:");
    out.stderr_has("cannot write the JOB card").stderr_has("found 1 error and");
    assert!(!out.stderr.contains("ZAT0340"), "{}", out.stderr);
    assert!(!out.stderr.contains("origin is dropped"), "{}", out.stderr);
}

/// The longest ring name validation takes builds, with an RDATALIB profile and the policy
/// line in 72 columns; one character more is one error at the ring's line, not a build
/// that fails in the jobs.
#[test]
fn a_ring_name_is_refused_at_its_line_exactly_when_the_jobs_could_not_hold_it() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let script = crate::fixtures().join("long_ring.rhai");
    let script = script.to_str().expect("a UTF-8 path");
    let longest = format!("ring={}", "R".repeat(42));
    let out = crate::zat_in(dir.path(), &["build", script, "-o", "out", "--set", &longest]);
    out.expect_code(0);
    assert!(!out.stderr.contains("ZAT0543"), "{}", out.stderr);
    let out = zat(&["check", "long_ring.rhai", "--set", &format!("ring={}", "R".repeat(43))]);
    out.expect_code(1).stderr_has("ZAT0105").stderr_has("long_ring.rhai:7:");
    out.stderr_has("at most 42");
    let headers = out.stderr.lines().filter(|line| line.starts_with("ZAT")).count();
    assert_eq!(headers, 1, "{}", out.stderr);
}

/// A script saved in another encoding is an input error (exit 1) at the line and column of
/// its first invalid byte; a byte order mark is skipped and the excerpt's columns stay right.
#[test]
fn encoding_mistakes_are_input_errors_at_their_place() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("latin1.rhai"),
        b"let site = fleet(\"A\");\nlet x = \"caf\xe9\";\n",
    )
    .expect("written");
    let out = crate::zat_in(dir.path(), &["check", "latin1.rhai"]);
    out.expect_code(1).stderr_has("ZAT0002").stderr_has("latin1.rhai:2:13");
    out.stderr_has("is not valid UTF-8");
    assert!(!out.stderr.contains("check the path"), "{}", out.stderr);
    std::fs::write(dir.path().join("bom.rhai"), b"\xef\xbb\xbflet y = 1 +;\n").expect("written");
    let out = crate::zat_in(dir.path(), &["check", "bom.rhai"]);
    out.expect_code(1).stderr_has("bom.rhai:1:12").stderr_has("unexpected ';'");
    assert!(!out.stderr.contains("feff"), "{}", out.stderr);
}
