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
    let out = zat_in(&dir(), &[&["why", "fleet.rhai"][..], &PAYROLL_CALL].concat());
    out.expect_code(0);
    assert!(out.stdout.contains("rule: PayrollToZcee (priority 800)"), "{}", out.stdout);
    assert!(
        out.stdout.contains("LoopbackClear (priority 900): does not match: RemoteAddr"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("V3CipherSuites         1301 1302 C02F C030"), "{}", out.stdout);
    // The same question asked of the live stack's report.
    let out = why_ledger(&dir(), "TCPIP.pasearch");
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

/// The fixture report with `edit` applied, written to a temp folder as `name`.
fn report_in(tmp: &tempfile::TempDir, name: &str, edit: impl Fn(&str) -> String) -> String {
    let report = std::fs::read_to_string(dir().join("TCPIP.pasearch")).expect("fixture");
    let edited = edit(&report);
    assert_ne!(edited, report, "the edit changes the report");
    std::fs::write(tmp.path().join(name), edited).expect("write report");
    name.to_owned()
}

fn fleet_path() -> String {
    dir().join("fleet.rhai").to_str().expect("utf-8").to_owned()
}

/// A report cut short after LedgerListener's condition summary, as a truncated SYSOUT is: the
/// blocks of its environment and connection actions are missing. verify says so and exits 1,
/// never "no drift" and never the defaults filled in for what the report lacks; why says the
/// settings are not known and shows no default; import leaves the rule out, saying why.
#[test]
fn a_report_cut_short_is_said_and_never_filled_with_defaults() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cut = report_in(&tmp, "cut.pasearch", |report| {
        let rule = report.find("policyRule:             LedgerListener").expect("server rule");
        let end = rule + report[rule..].find("  TTLS Action:").expect("its first action");
        report[..end].to_owned()
    });
    let fleet = fleet_path();
    let out = zat_in(tmp.path(), &["verify", &fleet, "--pasearch", &cut]);
    out.expect_code(1);
    assert!(
        out.stdout.starts_with("unknown  rule LedgerListener: the report names action env_srvca_SERVER_LedgerRing for rule LedgerListener but shows no `TTLS Action: env_srvca_SERVER_LedgerRing` block; the report names action con_LEDGERSRV"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("run `pasearch -t` again"), "{}", out.stdout);
    // Nothing about settings the report does not show: no default presented as the stack's.
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(!out.stderr.contains("no drift"), "{}", out.stderr);
    let why = why_ledger(tmp.path(), &cut);
    why.expect_code(1);
    assert!(why.stdout.contains("rule: LedgerListener (priority 700)\n"), "{}", why.stdout);
    assert!(why.stdout.contains("handshake settings: not known in full:\n  the report names action env_srvca_SERVER_LedgerRing"), "{}", why.stdout);
    assert!(why.stdout.contains("  TTLSEnabled      On  (pasearch report)\n"), "{}", why.stdout);
    for invented in ["(default, z/OS", "TLSv1 ", "ClientAuthType", "System SSL default"] {
        assert!(!why.stdout.contains(invented), "{invented}: {}", why.stdout);
    }
    let import = zat_in(tmp.path(), &["import", &cut, "-o", "imported.rhai"]);
    import.expect_code(0);
    assert!(
        import
            .stderr
            .contains("rule LedgerListener is left out: Policy Agent cannot resolve it as written")
            && import.stderr.contains("shows no `TTLS Action: env_srvca_SERVER_LedgerRing` block"),
        "{}",
        import.stderr
    );
    let script = std::fs::read_to_string(tmp.path().join("imported.rhai")).expect("script");
    assert!(!script.contains("stack.rule(\"LedgerListener\""), "{script}");
}

/// PayrollToZcee in effect only on weekdays from 08:00 to 17:00 until the end of January
/// 2026. zat does not know the time on the LPAR: verify reports the window the fleet's rule
/// lacks as drift, why says the rule applies only within it and what the connection gets at
/// other times, and import leaves the rule out, as it does an IpTimeCondition in policy text.
#[test]
fn a_rule_in_effect_part_of_the_time_is_never_taken_for_one_always_in_effect() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let timed = report_in(&tmp, "timed.pasearch", |report| {
        let rule = report.find("policyRule:             PayrollToZcee").expect("requester rule");
        let end = rule + report[rule..].find("  TTLS Condition Summary:").expect("summary");
        let window = report[rule..end]
            .replace("1111111  (Sunday", "0111110  (Sunday")
            .replace("End Date Time:       None", "End Date Time:       2026/01/31 00:00:00")
            .replace(
                "Fr TimeOfDay:        00:00             To TimeOfDay:      24:00",
                "Fr TimeOfDay:        08:00             To TimeOfDay:      17:00",
            );
        format!("{}{window}{}", &report[..rule], &report[end..])
    });
    let window = "Day of Week Mask 0111110 (Sunday - Saturday), End Date Time 2026/01/31 00:00:00, TimeOfDay 08:00 to 17:00, TimeZone Local";
    let fleet = fleet_path();
    let out = zat_in(tmp.path(), &["verify", &fleet, "--pasearch", &timed]);
    out.expect_code(1);
    assert_eq!(
        out.stdout.trim(),
        format!(
            "differs  rule PayrollToZcee: time condition is {window} on the stack, the fleet says none (in effect at all times)"
        )
    );
    let why = zat_in(tmp.path(), &[&["why", "--pasearch", &timed][..], &PAYROLL_CALL].concat());
    why.expect_code(0);
    assert!(
        why.stdout.contains(&format!(
            "rule: PayrollToZcee (priority 800)\n  only when its time condition holds: {window}\n  (zat does not know the date and time on the LPAR"
        )),
        "{}",
        why.stdout
    );
    assert!(
        why.stdout.contains("  at other times the stack compares the rules after it: no other rule matches, and the connection is made without AT-TLS (clear text)\n"),
        "{}",
        why.stdout
    );
    let import = zat_in(tmp.path(), &["import", &timed, "-o", "imported.rhai"]);
    import.expect_code(0);
    assert!(
        import.stderr.contains(&format!(
            "rule PayrollToZcee is left out: it is in effect only part of the time ({window})"
        )),
        "{}",
        import.stderr
    );
    let script = std::fs::read_to_string(tmp.path().join("imported.rhai")).expect("script");
    assert!(!script.contains("stack.rule(\"PayrollToZcee\""), "{script}");
}

/// The same rule written in policy text: why says when it applies and what is compared after
/// it; import leaves it out.
#[test]
fn why_says_when_a_rule_with_an_ip_time_condition_applies() {
    let text = "TTLSRule Weekdays\n{\n  LocalPortRange 7000\n  Direction Inbound\n  Priority 20\n  IpTimeCondition\n  {\n    DayOfWeekMask 0111110\n  }\n  TTLSGroupActionRef gOff\n}\nTTLSRule Always\n{\n  LocalPortRange 7000-7010\n  Direction Inbound\n  Priority 10\n  TTLSGroupActionRef gOff\n}\nTTLSGroupAction gOff\n{\n  TTLSEnabled Off\n}\n";
    let out = why_policy(text, &[]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("rule: Weekdays (priority 20)\n  only when its time condition holds: IpTimeCondition: DayOfWeekMask 0111110\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "  at other times the stack compares the rules after it: it gets Always (priority 10)\n"
        ),
        "{}",
        out.stdout
    );
}

/// A report of another stack is no report of this one: an error (exit 2) naming the stacks it
/// holds, as `zat import --stack` refuses a report none of whose stacks is the one named. A
/// report that names no image at all is compared, with a warning.
#[test]
fn verify_refuses_a_report_of_another_stack() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let other = report_in(&tmp, "other.pasearch", |report| {
        report.replace("Image Name: TCPIP ", "Image Name: TCPIPX")
    });
    let fleet = fleet_path();
    for quiet in [false, true] {
        let mut args = vec!["verify", &fleet, "--pasearch", &other, "--stack", "TCPIP"];
        if quiet {
            args.insert(0, "-q");
        }
        let out = zat_in(tmp.path(), &args);
        out.expect_code(2);
        out.stderr_has("error: the report holds the policy of stack TCPIPX, not TCPIP; ");
        assert!(!out.stderr.contains("no drift"), "{}", out.stderr);
        assert_eq!(out.stdout, "");
    }
    // Without --stack the fleet's one stack is the one asked.
    let out = zat_in(tmp.path(), &["verify", &fleet, "--pasearch", &other]);
    out.expect_code(2);
    out.stderr_has("not TCPIP");
    // Several stacks, none of them this one.
    let report = std::fs::read_to_string(dir().join("TCPIP.pasearch")).expect("fixture");
    let two = format!(
        "{}\n{}",
        report.replace("Image Name: TCPIP ", "Image Name: TCPIPA"),
        report.replace("Image Name: TCPIP ", "Image Name: TCPIPB")
    );
    std::fs::write(tmp.path().join("two.pasearch"), two).expect("write report");
    let out = zat_in(tmp.path(), &["verify", &fleet, "--pasearch", "two.pasearch"]);
    out.expect_code(2);
    out.stderr_has("the report holds the policy of 2 stacks (TCPIPA, TCPIPB), none of them TCPIP");
    // No `Image Name:` line: nothing says whose it is; compared, with a warning.
    let bare = report_in(&tmp, "bare.pasearch", |report| {
        report.lines().filter(|l| !l.contains("Image Name:")).collect::<Vec<_>>().join("\n")
    });
    let out = zat_in(tmp.path(), &["verify", &fleet, "--pasearch", &bare]);
    out.expect_code(0);
    out.stderr_has("the report names no image");
    // import reads a report of one stack under another name, and says whose it is.
    let out = zat_in(tmp.path(), &["import", &other, "--stack", "TCPIP", "-o", "i.rhai"]);
    out.expect_code(0);
    out.stderr_has("the report is of stack TCPIPX; import reads it and the script puts its rules on stack TCPIP");
}

/// The payroll job's outbound call that `zat why` is asked about.
const PAYROLL_CALL: [&str; 8] = [
    "--direction",
    "outbound",
    "--remote-addr",
    "10.1.1.5",
    "--remote-port",
    "9080",
    "--jobname",
    "PAYROLL",
];

/// `zat why` of the ledger job's inbound connection to port 8443 from 10.2.2.2, asked of the
/// pasearch report `report` in `folder`.
fn why_ledger(folder: &std::path::Path, report: &str) -> crate::Output {
    zat_in(
        folder,
        &[
            "why",
            "--pasearch",
            report,
            "--direction",
            "inbound",
            "--local-port",
            "8443",
            "--jobname",
            "LEDGER1",
            "--remote-addr",
            "10.2.2.2",
        ],
    )
}
