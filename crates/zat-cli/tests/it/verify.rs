//! `zat verify` and `zat why` as a user runs them, over a small fleet and a `pasearch -t`
//! report of its stack written in IBM's layout.

use std::path::PathBuf;

use crate::{fixtures, zat_in};

fn dir() -> PathBuf {
    fixtures().join("verify")
}

#[test]
fn verify_finds_no_drift_when_the_report_matches_the_fleet() {
    let out = zat_in(&dir(), &["verify", "fleet.rhai", "--pasearch", "TCPIP.pasearch"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "", "{}", out.stdout);
    // It says so, in one line on stderr, as every command that succeeds does; -q keeps quiet.
    let said = out.stderr.lines().filter(|l| l.starts_with("zat: ") && l.contains(": no drift: "));
    assert_eq!(said.count(), 1, "{}", out.stderr);
    let quiet = zat_in(&dir(), &["-q", "verify", "fleet.rhai", "--pasearch", "TCPIP.pasearch"]);
    assert!(!quiet.stderr.contains("no drift"), "{}", quiet.stderr);
}

#[test]
fn verify_names_the_rule_and_setting_that_drifted() {
    let report = std::fs::read_to_string(dir().join("TCPIP.pasearch")).expect("fixture");
    // The server rule's environment: TLSv1.2 turned off on the live stack.
    let env = report.find("TTLS Action:                  env_srvca").expect("server environment");
    let at = env + report[env..].find("TLSv1.2:").expect("TLSv1.2 line");
    let drifted = format!("{}{}", &report[..at], report[at..].replacen("On ", "Off", 1));
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("drift.pasearch");
    std::fs::write(&path, drifted).expect("write report");
    let fleet = dir().join("fleet.rhai");
    let out = zat_in(
        tmp.path(),
        &["verify", fleet.to_str().expect("utf-8"), "--pasearch", "drift.pasearch"],
    );
    out.expect_code(1);
    assert_eq!(
        out.stdout.trim(),
        "differs  rule LedgerListener: TLSv1.2 is Off on the stack, the fleet says On"
    );
    // A rule the stack does not have.
    let missing = report
        .replace("policyRule:             LedgerListener", "policyRule:             OtherRule");
    std::fs::write(&path, missing).expect("write report");
    let out = zat_in(
        tmp.path(),
        &["verify", fleet.to_str().expect("utf-8"), "--pasearch", "drift.pasearch"],
    );
    out.expect_code(1);
    assert!(out.stdout.contains("missing  rule LedgerListener"), "{}", out.stdout);
    assert!(out.stdout.contains("extra    rule OtherRule"), "{}", out.stdout);
}

/// A report prints every value with Policy Agent's defaults filled in: the user instances the
/// fleet does not set show as 0 and are no drift; another value is.
#[test]
fn verify_reads_an_unset_user_instance_as_the_stacks_zero() {
    let report = std::fs::read_to_string(dir().join("TCPIP.pasearch")).expect("fixture");
    let filled = report
        .replace(
            "    FIPS140:                Off\n",
            "    FIPS140:                Off\n    GroupUserInstance:      0\n",
        )
        .replace(
            "    SuiteBProfile:          Off\n",
            "    SuiteBProfile:          Off\n    EnvironmentUserInstance: 0\n",
        )
        .replace(
            "    Scope:                      Connection\n",
            "    Scope:                      Connection\n    ConnectionUserInstance: 0\n",
        );
    assert_eq!(
        filled.matches("UserInstance: ").count(),
        5,
        "both rules' group and environment, one connection"
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let fleet = dir().join("fleet.rhai");
    let fleet = fleet.to_str().expect("utf-8");
    std::fs::write(tmp.path().join("filled.pasearch"), &filled).expect("write report");
    let out = zat_in(tmp.path(), &["verify", fleet, "--pasearch", "filled.pasearch"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
    // The server rule's environment runs in its own System SSL environment on the live stack.
    let env = filled.find("TTLS Action:                  env_srvca").expect("server environment");
    let at = env + filled[env..].find("EnvironmentUserInstance: 0").expect("instance line");
    let drifted = format!(
        "{}{}",
        &filled[..at],
        filled[at..].replacen("EnvironmentUserInstance: 0", "EnvironmentUserInstance: 2", 1)
    );
    std::fs::write(tmp.path().join("drift.pasearch"), drifted).expect("write report");
    let out = zat_in(tmp.path(), &["verify", fleet, "--pasearch", "drift.pasearch"]);
    out.expect_code(1);
    assert_eq!(
        out.stdout.trim(),
        "differs  rule LedgerListener: EnvironmentUserInstance is 2 on the stack, the fleet says (not set)"
    );
}

#[test]
fn why_names_the_rule_the_rules_compared_first_and_the_settings() {
    let out = zat_in(
        &dir(),
        &[
            "why",
            "fleet.rhai",
            "--direction",
            "outbound",
            "--remote-addr",
            "10.1.1.5",
            "--remote-port",
            "9080",
            "--jobname",
            "PAYROLL",
        ],
    );
    out.expect_code(0);
    assert!(out.stdout.contains("rule: PayrollToZcee (priority 800)"), "{}", out.stdout);
    assert!(
        out.stdout.contains("LoopbackClear (priority 900): does not match: RemoteAddr"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("V3CipherSuites         1301 1302 C02F C030"), "{}", out.stdout);
    // The same question asked of the live stack's report.
    let out = zat_in(
        &dir(),
        &[
            "why",
            "--pasearch",
            "TCPIP.pasearch",
            "--direction",
            "inbound",
            "--local-port",
            "8443",
            "--jobname",
            "LEDGER1",
            "--remote-addr",
            "10.2.2.2",
        ],
    );
    out.expect_code(0);
    assert!(out.stdout.contains("rule: LedgerListener (priority 700)"), "{}", out.stdout);
    assert!(out.stdout.contains("ClientAuthType"), "{}", out.stdout);
    // Unknown fields leave a rule undecided, and say so.
    let out = zat_in(
        &dir(),
        &["why", "--pasearch", "TCPIP.pasearch", "--direction", "inbound", "--local-port", "8443"],
    );
    // Not guessed as clear text: the verdict waits for the rule that could match.
    assert!(out.stdout.contains("undecided: no rule matches for certain"), "{}", out.stdout);
    assert!(!out.stdout.contains("no rule matches: the stack"), "{}", out.stdout);
    assert!(
        out.stdout.contains("LedgerListener (priority 700): matches if Jobname match"),
        "{}",
        out.stdout
    );
}

#[test]
fn why_over_the_fleet_checks_every_rule_with_its_own_connection() {
    let out = zat_in(&dir(), &["why", "fleet.rhai", "--fleet"]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("SYSA/TCPIP  LedgerListener                   inbound  ok"),
        "{}",
        out.stdout
    );
    // A wider rule at a higher priority takes the requester's connections.
    let script = std::fs::read_to_string(dir().join("fleet.rhai")).expect("fixture");
    let shadowed = script.replace("    remote_addr: \"127.0.0.1\",\n", "    remote_port: 9080,\n");
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("fleet.rhai"), shadowed).expect("write script");
    let out = zat_in(tmp.path(), &["why", "fleet.rhai", "--fleet"]);
    out.expect_code(1);
    assert!(
        out.stdout
            .contains("PayrollToZcee                    outbound lands on LoopbackClear instead"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_fleet_imported_from_a_report_verifies_against_it_without_drift() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let report = dir().join("TCPIP.pasearch");
    let report = report.to_str().expect("utf-8");
    zat_in(tmp.path(), &["import", report, "-o", "fleet.rhai"]).expect_code(0);
    let script = std::fs::read_to_string(tmp.path().join("fleet.rhai")).expect("script written");
    assert!(script.contains("client_auth: \"full\""), "{script}");
    let out = zat_in(tmp.path(), &["verify", "fleet.rhai", "--pasearch", report]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
}

/// A report of two stacks: `--stack` names the one imported, as it names the one `zat verify`
/// compares; a name the report does not hold imports nothing rather than another stack's rules.
#[test]
fn import_reads_the_stack_of_a_report_that_holds_several() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let one = std::fs::read_to_string(dir().join("TCPIP.pasearch")).expect("fixture");
    let other =
        one.replace("Image Name: TCPIP ", "Image Name: TCPIPB").replace("LoopbackClear", "OnlyOnB");
    assert_ne!(one, other);
    std::fs::write(tmp.path().join("two.pasearch"), format!("{one}\n{other}")).expect("written");
    let out = zat_in(tmp.path(), &["import", "two.pasearch", "--stack", "tcpipb", "-o", "b.rhai"]);
    out.expect_code(0);
    assert!(out.stderr.contains("import reads TCPIPB"), "{}", out.stderr);
    let b = std::fs::read_to_string(tmp.path().join("b.rhai")).expect("script written");
    assert!(b.contains("OnlyOnB") && !b.contains("LoopbackClear"), "{b}");
    zat_in(tmp.path(), &["import", "two.pasearch", "-o", "a.rhai"]).expect_code(0);
    let a = std::fs::read_to_string(tmp.path().join("a.rhai")).expect("script written");
    assert!(a.contains("LoopbackClear") && !a.contains("OnlyOnB"), "{a}");
    let none = zat_in(tmp.path(), &["import", "two.pasearch", "--stack", "TCPIPC", "-o", "c.rhai"]);
    none.expect_code(1);
    assert!(
        none.stderr.contains("ZAT0653") && none.stderr.contains("none of them TCPIPC"),
        "{}",
        none.stderr
    );
    assert!(!tmp.path().join("c.rhai").exists());
}

#[test]
fn explain_prints_the_parameter_table_the_engine_reads_with() {
    let out = crate::zat(&["explain", "--defaults"]);
    out.expect_code(0);
    assert!(
        out.stdout.lines().any(|l| l.starts_with("TTLSEnvironmentAdvancedParms\tTLSv1.2\tOff\t")
            && l.ends_with("TTLSEnvironmentAdvancedParms statement")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("TTLSCipherParms\tV3CipherSuites\t(System SSL default)"));
}

/// Runs `zat why --policy p.policy` over `text` for an inbound connection to port 7000.
fn why_policy(text: &str, extra: &[&str]) -> crate::Output {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("p.policy"), text).expect("write policy");
    let mut args =
        vec!["why", "--policy", "p.policy", "--direction", "inbound", "--local-port", "7000"];
    args.extend_from_slice(extra);
    zat_in(tmp.path(), &args)
}

#[test]
fn why_says_first_when_policy_agent_would_not_install_the_policy() {
    let good = "TTLSRule r\n{\n  LocalPortRange 7000\n  Direction Inbound\n  Priority 10\n  TTLSGroupActionRef gOff\n}\nTTLSGroupAction gOff\n{\n  TTLSEnabled Off\n}\n";
    let out = why_policy(good, &[]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("connection: inbound"), "{}", out.stdout);
    for (broken, code) in [
        (good.replace("  LocalPortRange 7000\n", ""), "ZAT0624"),
        (good.replace("  TTLSGroupActionRef gOff\n", ""), "ZAT0625"),
        (good.replace("  TTLSEnabled Off\n", ""), "ZAT0634"),
    ] {
        let out = why_policy(&broken, &[]);
        out.expect_code(1);
        assert!(
            out.stdout
                .starts_with("policy: not installable as written: `zat lint` finds 1 error\n"),
            "{code}: {}",
            out.stdout
        );
        assert!(out.stdout.contains("\n  p.policy:"), "{}", out.stdout);
        assert!(out.stdout.contains(code), "{code}: {}", out.stdout);
        assert!(
            out.stdout.contains("the stack keeps the AT-TLS policy installed before"),
            "{}",
            out.stdout
        );
        // The warning comes before the answer, which still follows.
        let warned = out.stdout.find(code).expect("code shown");
        let answer = out.stdout.find("connection: inbound").expect("answer shown");
        assert!(warned < answer, "{}", out.stdout);
    }
}

#[test]
fn why_orders_equal_priorities_by_the_collation_given() {
    let text = "TTLSRule zeta\n{\n  LocalPortRange 7000\n  Direction Inbound\n  Priority 100\n  TTLSGroupActionRef gOff\n}\nTTLSRule ZETA1\n{\n  LocalPortRange 7000\n  Direction Inbound\n  Priority 100\n  TTLSGroupActionRef gOff\n}\nTTLSGroupAction gOff\n{\n  TTLSEnabled Off\n}\n";
    let out = why_policy(text, &[]);
    out.expect_code(0);
    assert!(out.stdout.contains("rule: zeta (priority 100)"), "{}", out.stdout);
    let out = why_policy(text, &["--collation", "ascii"]);
    out.expect_code(0);
    assert!(out.stdout.contains("rule: ZETA1 (priority 100)"), "{}", out.stdout);
}
