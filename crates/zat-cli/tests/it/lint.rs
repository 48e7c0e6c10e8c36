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
    // The flag of the time when sharing had to be asked for still works.
    let out = lint(&["--one-image", "common.policy", "messy.policy"]);
    out.expect_code(0);
    assert!(!out.stderr.contains("ZAT0621"), "{}", out.stderr);
    // With --separate, each policy file is its own name space.
    let out = lint(&["--separate", "common.policy", "messy.policy"]);
    out.expect_code(0).stderr_has("ZAT0621");
}

#[test]
fn a_common_file_and_a_stack_file_share_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write =
        |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    write("common.policy", "TTLSGroupAction gOff\n{\n  TTLSEnabled Off\n}\n");
    write(
        "stack.policy",
        "TTLSRule r\n{\n  LocalPortRange 7000\n  Direction Inbound\n  Priority 10\n  TTLSGroupActionRef gOff\n}\n",
    );
    let out = zat_in(dir.path(), &["lint", "common.policy", "stack.policy"]);
    out.expect_code(0);
    assert!(!out.stderr.contains("discards a rule"), "{}", out.stderr);
    assert!(!out.stderr.contains("ZAT06"), "{}", out.stderr);
}

/// One LPAR's folder: a main file with two stacks, their image files, a common file and each
/// stack's policy file, where both stacks name their actions alike; `TCPAPP.policy` gets
/// `extra` appended.
fn two_stacks(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write =
        |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    write(
        "pagent.conf",
        "TcpImage TCPIP /etc/pagent/TCPIP.image FLUSH NOPURGE 1800\n\
         TcpImage TCPAPP /etc/pagent/TCPAPP.image FLUSH NOPURGE 1800\n\
         CommonTTLSConfig /etc/pagent/common.policy\n",
    );
    write("TCPIP.image", "TTLSConfig /etc/pagent/TCPIP.policy\n");
    write("TCPAPP.image", "TTLSConfig /etc/pagent/TCPAPP.policy\n");
    // The group lives in the common file, which Policy Agent puts before each stack's file.
    write("common.policy", "TTLSGroupAction gOff\n{\n  TTLSEnabled Off\n}\n");
    let stack = "TTLSRule r\n{\n  LocalPortRange 7000\n  Direction Inbound\n  Priority 10\n  TTLSGroupActionRef gOff\n  TTLSConnectionActionRef conn\n}\n\
                 TTLSConnectionAction conn\n{\n  Trace 2\n}\n";
    write("TCPIP.policy", stack);
    write("TCPAPP.policy", &format!("{stack}{extra}"));
    dir
}

const FILES: [&str; 6] = [
    "pagent.conf",
    "TCPIP.image",
    "TCPAPP.image",
    "common.policy",
    "TCPIP.policy",
    "TCPAPP.policy",
];

#[test]
fn two_stacks_files_linked_from_one_main_file_have_their_own_names() {
    let dir = two_stacks("");
    for separate in [&[][..], &["--separate"]] {
        let mut args = vec!["lint"];
        args.extend_from_slice(separate);
        args.extend_from_slice(&FILES);
        let out = zat_in(dir.path(), &args);
        out.expect_code(0);
        assert!(!out.stderr.contains("ZAT06"), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn a_name_defined_twice_in_one_stacks_file_is_still_reported() {
    let dir = two_stacks("TTLSConnectionAction conn\n{\n  Trace 3\n}\n");
    for separate in [&[][..], &["--separate"]] {
        let mut args = vec!["lint"];
        args.extend_from_slice(separate);
        args.extend_from_slice(&FILES);
        let out = zat_in(dir.path(), &args);
        out.expect_code(0)
            .stderr_has("ZAT0620")
            .stderr_has("[TCPAPP.policy:9:1]")
            .stderr_has("TCPAPP.policy:13:1")
            .stderr_has("zat: 6 files: 1 warning");
    }
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

/// What a rule must keep through import and build.
fn rule_facts(text: &str, path: &str) -> Vec<String> {
    let imported =
        zat_policy_tools::import::import(&[zat_policy_tools::lint::PolicyFile { path, text }]);
    let mut facts: Vec<String> = imported
        .rules
        .iter()
        .map(|r| {
            let ring = r.ring.map(|at| {
                let ring = &imported.rings[at];
                format!("{}/{}", ring.owner, ring.name)
            });
            format!(
                "{} {} local={:?} remote={:?} job={:?} user={:?} addr={:?}/{:?} priority={:?} enabled={} role={:?} ring={ring:?} label={:?}",
                r.name,
                r.direction,
                r.local_port,
                r.remote_port,
                r.jobname,
                r.userid,
                r.local_addr,
                r.remote_addr,
                r.priority,
                r.enabled,
                r.role,
                r.label
            )
        })
        .collect();
    facts.sort();
    facts
}

#[test]
fn import_check_build_round_trip_keeps_the_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("fleet.rhai");
    let script_arg = script.to_str().expect("utf-8 path");
    let out = zat_in(&policies(), &["import", "payroll.policy", "-o", script_arg]);
    out.expect_code(0);
    let text = std::fs::read_to_string(&script).expect("script written");
    assert!(
        text.contains("// zat import: not carried over:") || !out.stderr.contains("ZAT0650"),
        "notes in the script match the warnings:\n{text}"
    );
    assert!(text.contains("db.keyring(\"PAYUSR\", \"PayRing\")"), "{text}");
    // The rings' certificates exist on z/OS: declared as existing, never generated.
    assert!(text.contains("db.existing_certificate(\"LEDGER\", \"LEDGERSRV\")"), "{text}");
    assert!(!text.contains("db.certificate("), "{text}");
    zat_in(dir.path(), &["check", "fleet.rhai"]).expect_code(0);
    zat_in(dir.path(), &["build", "fleet.rhai", "-o", "out"]).expect_code(0);
    let setup = std::fs::read_to_string(dir.path().join("out/security/PLEX1/racf/SETUP.jcl"))
        .expect("racf setup built");
    let commands: Vec<&str> = setup.lines().filter(|l| l.starts_with(" RACDCERT")).collect();
    assert!(commands.iter().any(|c| c.contains(" CONNECT(")), "{setup}");
    assert!(!commands.iter().any(|c| c.contains(" GENCERT") || c.contains(" ADD(")), "{setup}");
    let backout = std::fs::read_to_string(dir.path().join("out/security/PLEX1/racf/BACKOUT.jcl"))
        .expect("racf backout built");
    assert!(!backout.contains("DELETE(LABEL("), "{backout}");
    let regenerated = dir.path().join("out/lpars/SYSA/pagent/TCPIP.policy");
    let regenerated = std::fs::read_to_string(&regenerated).expect("policy built");
    let (_, problems) = zat_policy::parse(&regenerated);
    assert!(problems.is_empty(), "{problems:?}");
    let original =
        std::fs::read_to_string(policies().join("payroll.policy")).expect("fixture readable");
    assert_eq!(rule_facts(&regenerated, "TCPIP.policy"), rule_facts(&original, "payroll.policy"));
}

/// A port of a range exempted by a rule at a higher priority: the imported fleet checks and
/// builds, and `zat why --fleet` says the range's rule still gets the rest. A rule the range
/// covers whole, compared after it, is an error.
#[test]
fn an_exception_carved_out_of_a_range_survives_import_and_build() {
    let policy = |exempt: u32, range: u32| {
        format!(
            "TTLSRule Exempt5000\n{{\n  LocalPortRange 5000\n  Direction Inbound\n  Priority {exempt}\n  TTLSGroupActionRef gOff\n}}\n\
             TTLSRule Range\n{{\n  LocalPortRange 5000-5010\n  Direction Inbound\n  Priority {range}\n  TTLSGroupActionRef gOff\n}}\n\
             TTLSGroupAction gOff\n{{\n  TTLSEnabled Off\n}}\n"
        )
    };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("sh.policy"), policy(100, 90)).expect("write policy");
    zat_in(dir.path(), &["import", "sh.policy", "-o", "sh.rhai"]).expect_code(0);
    let check = zat_in(dir.path(), &["check", "sh.rhai"]);
    check.expect_code(0);
    assert!(!check.stderr.contains("ZAT0320"), "{}", check.stderr);
    zat_in(dir.path(), &["build", "sh.rhai", "-o", "o"]).expect_code(0);
    let why = zat_in(dir.path(), &["why", "sh.rhai", "--fleet"]);
    why.expect_code(0);
    assert!(
        why.stdout
            .contains("Range                            inbound  ok (Exempt5000 takes some first)"),
        "{}",
        why.stdout
    );

    std::fs::write(dir.path().join("full.policy"), policy(90, 100)).expect("write policy");
    zat_in(dir.path(), &["import", "full.policy", "-o", "full.rhai"]).expect_code(0);
    let out = zat_in(dir.path(), &["build", "full.rhai", "-o", "full"]);
    out.expect_code(1).stderr_has(
        "every connection rule Exempt5000 is written for lands on rule Range, not on rule Exempt5000",
    );
    let why = zat_in(dir.path(), &["why", "full.rhai", "--fleet"]);
    why.expect_code(1);
    assert!(
        why.stdout.contains("Exempt5000                       inbound  lands on Range instead"),
        "{}",
        why.stdout
    );
}

/// A rule without `Priority` is compared after one with `Priority 1`: after import and build,
/// `zat why` still picks the prioritised rule for a connection both match, although the
/// unprioritised one comes first by name.
#[test]
fn an_unprioritised_rule_stays_after_a_priority_1_rule_through_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("p.policy"),
        "TTLSRule Exact5000\n{\n  LocalPortRange 5000\n  Direction Inbound\n  Priority 1\n  TTLSGroupActionRef gOff\n}\n\
         TTLSRule AnyPort\n{\n  LocalPortRange 5000-5010\n  Direction Inbound\n  TTLSGroupActionRef gOff\n}\n\
         TTLSGroupAction gOff\n{\n  TTLSEnabled Off\n}\n",
    )
    .expect("write policy");
    let connection = ["--direction", "inbound", "--local-port", "5000", "--jobname", "JOB1"];
    let why = |policy: &str| {
        let mut args = vec!["why", "--policy", policy];
        args.extend_from_slice(&connection);
        let out = zat_in(dir.path(), &args);
        out.expect_code(0);
        out.stdout
    };
    // The rule picked: `rule: NAME (priority N)`.
    let picked = |text: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix("rule: "))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default()
            .to_owned()
    };
    let original = why("p.policy");
    assert_eq!(picked(&original), "Exact5000", "{original}");
    zat_in(dir.path(), &["import", "p.policy", "-o", "fleet.rhai"]).expect_code(0);
    zat_in(dir.path(), &["build", "fleet.rhai", "-o", "out"]).expect_code(0);
    let built = why("out/lpars/SYSA/pagent/TCPIP.policy");
    assert_eq!(picked(&built), "Exact5000", "{built}");
}

#[test]
fn import_notes_what_it_cannot_carry_and_uses_the_names_given() {
    let out = zat_in(
        &policies(),
        &[
            "import",
            "common.policy",
            "messy.policy",
            "--lpar",
            "SYS9",
            "--stack",
            "TCPAPP",
            "--database",
            "PLEX9",
        ],
    );
    out.expect_code(0).stderr_has("ZAT0650").stderr_has("[messy.policy:");
    assert!(out.stdout.contains("site.lpar(\"SYS9\""), "{}", out.stdout);
    assert!(out.stdout.contains("lpar.stack(\"TCPAPP\")"), "{}", out.stdout);
    assert!(out.stdout.contains("security_database(\"PLEX9\""), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "// zat import: not carried over: TTLSEnvironmentAction has no parameter ClientAuthType"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("db.keyring(\"INVUSR\", \"InvRing\")"), "{}", out.stdout);
}

#[test]
fn import_without_rules_exits_1() {
    zat_in(&policies(), &["import", "pagent.conf"]).expect_code(1).stderr_has("ZAT0653");
    zat_in(&policies(), &["import", "missing.policy"]).expect_code(2);
}

/// Rules that are all left out leave nothing to import: a script without rules would build a
/// policy that protects no connection. Import exits 1 and writes no script, neither to stdout
/// nor at -o, and leaves a file it was asked to replace as it was.
#[test]
fn import_with_every_rule_left_out_exits_1_and_writes_nothing() {
    let policy = policies().join("virtual-ring.policy");
    let policy = policy.to_str().expect("utf-8 path");
    let dir = tempfile::tempdir().expect("temp dir");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let out = zat_in(dir.path(), &["import", policy]);
    out.expect_code(1).stderr_has("ZAT0651").stderr_has("no rule imported");
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let out = zat_in(dir.path(), &["import", policy, "-o", "fleet.rhai"]);
    out.expect_code(1).stderr_has("no rule imported");
    assert!(listing().is_empty(), "import left {:?}", listing());
    std::fs::write(dir.path().join("fleet.rhai"), "// the site's script\n").expect("old script");
    zat_in(dir.path(), &["import", policy, "-o", "fleet.rhai", "--force"]).expect_code(1);
    assert_eq!(listing(), ["fleet.rhai"]);
    let kept = std::fs::read_to_string(dir.path().join("fleet.rhai")).expect("old script");
    assert_eq!(kept, "// the site's script\n");
}

#[test]
fn import_rebuilds_the_effective_policy_and_names_every_difference() {
    // payroll.policy uses only what the fleet model carries: the rebuilt policy installs the
    // same rules with the same settings, so import has no difference to report.
    let out = zat_in(&policies(), &["import", "-v", "payroll.policy"]);
    out.expect_code(0).stderr_has("settings equal, 0 differ");
    assert!(!out.stdout.contains("the rebuilt policy differs"), "{}", out.stdout);
    // messy.policy's rule has no Priority: the rebuilt one has, and the script says so.
    let out = zat_in(&policies(), &["import", "-v", "common.policy", "messy.policy"]);
    out.expect_code(0);
    assert!(
        out.stdout.contains(
            "// zat import: the rebuilt policy differs: Priority: (none) in the input, 999 rebuilt"
        ),
        "{}",
        out.stdout
    );
}
