//! The happy paths: check, model, schema, explain, help, --set and --lib.

use crate::{repo, zat, zat_in};

#[test]
fn check_passes_on_the_seed_example() {
    let out = zat_in(&repo(), &["check", "examples/zos-connect-requester/fleet.rhai"]);
    out.expect_code(0);
    assert!(out.stdout.is_empty(), "check writes nothing on stdout: {}", out.stdout);
    let errors = out.stderr.lines().filter(|l| l.trim_start().starts_with(['x', '\u{d7}']));
    assert_eq!(errors.count(), 0, "no error diagnostic: {}", out.stderr);
    // check runs the plugins in memory, so it reports the RACF emitter's warning about the
    // PKCS#12 password placeholder, as build does.
    assert!(out.stderr.contains("ZAT0342"), "{}", out.stderr);
    // Each finding, and the count, once: not once as the run reports and again at the end.
    assert_eq!(out.stderr.matches("found 0 errors and").count(), 1, "{}", out.stderr);
    let warnings = out.stderr.lines().filter(|l| l.contains("! the PKCS#12 export")).count();
    assert!(warnings == 1, "ZAT0342 shown {warnings} times:\n{}", out.stderr);
}

#[test]
fn check_passes_on_the_fleet_script_at_any_size() {
    zat_in(&repo(), &["check", "scripts/fleet.rhai"]).expect_code(0);
    zat_in(&repo(), &["check", "scripts/fleet.rhai", "--set", "lpars=40"]).expect_code(0);
}

#[test]
fn model_prints_the_expanded_model_as_json() {
    let out = zat_in(&repo(), &["model", "examples/zos-connect-requester/fleet.rhai"]);
    out.expect_code(0);
    let model: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(model["name"], "MYCOM");
    assert_eq!(model["lpars"][0]["name"], "SYSA");
    let ring = &model["security_databases"][0]["keyrings"][0];
    assert_eq!(ring["name"], "ZOSCONN-APIR-KEYRING");
    assert_eq!(ring["owner"], "OMVSADM");
    // The seed's rule: without inbound AT-TLS, BAQPORT is the HTTPS port.
    let requester = &model["lpars"][0]["stacks"][0]["api_requesters"][0];
    assert_eq!(requester["expansion"]["baqport"], 9443);
    assert!(!out.stdout.contains("imsmobile"), "no PKCS#12 password in the model");
}

#[test]
fn set_reaches_the_script() {
    let out = zat(&["model", "small.rhai", "--set", "name=FROMCLI"]);
    out.expect_code(0);
    let model: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(model["name"], "FROMCLI");
    let out = zat(&["model", "small.rhai"]);
    let model: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(model["name"], "SMALL");
}

#[test]
fn scaled_fleet_has_the_lpars_asked_for() {
    let out = zat_in(&repo(), &["model", "scripts/fleet.rhai", "--set", "lpars=7"]);
    out.expect_code(0);
    let model: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(model["lpars"].as_array().map(Vec::len), Some(7));
}

#[test]
fn lib_folders_are_import_roots() {
    zat(&["check", "import_lib.rhai", "--lib", "site-lib"]).expect_code(0);
    zat(&["check", "import_lib.rhai"]).expect_code(1).stderr_has("ZAT0031");
}

#[test]
fn schema_prints_a_json_schema() {
    let out = zat(&["schema"]);
    out.expect_code(0);
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(schema["title"], "Fleet");
    assert!(schema["properties"]["lpars"].is_object());
}

#[test]
fn help_lists_the_commands_with_examples() {
    let out = zat(&["--help"]);
    out.expect_code(0);
    for command in ["check", "model", "schema", "completions", "explain", "Exit codes"] {
        assert!(out.stdout.contains(command), "--help lacks {command}:\n{}", out.stdout);
    }
    let out = zat(&["check", "--help"]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("--set")
            && out.stdout.contains("--timeout")
            && out.stdout.contains("Examples")
    );
}

#[test]
fn usage_errors_exit_2() {
    zat(&["check"]).expect_code(2);
    zat(&["check", "small.rhai", "--set", "novalue"]).expect_code(2);
    zat(&["check", "does-not-exist.rhai"]).expect_code(2).stderr_has("ZAT0001");
}

#[test]
fn explain_gives_the_long_help_of_a_code() {
    let out = zat(&["explain", "zat0004"]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("ZAT0004: unknown option key"), "{}", out.stdout);
    zat(&["explain", "ZAT9999"]).expect_code(2);
    let out = zat(&["explain", "--list"]);
    out.expect_code(0);
    assert!(out.stdout.contains("ZAT0030"));
}

#[test]
fn completions_are_generated() {
    let out = zat(&["completions", "bash"]);
    out.expect_code(0);
    assert!(out.stdout.contains("zat"));
}

/// `check` catches everything `build` would: a security database whose ESM no loaded plugin
/// writes is an error (ZAT0390), as in `build`, though nothing is written either way.
#[test]
fn check_fails_on_a_database_whose_esm_no_plugin_provides() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = std::fs::read_to_string(repo().join("examples/zos-connect-requester/fleet.rhai"))
        .expect("read the seed example");
    let acf2 = seed.replace("esm: \"racf\"", "esm: \"acf2\"");
    assert_ne!(acf2, seed, "the example names its ESM");
    std::fs::write(dir.path().join("fleet.rhai"), acf2).expect("write the script");
    let out = zat_in(dir.path(), &["check", "fleet.rhai"]);
    out.expect_code(1);
    assert!(out.stderr.contains("ZAT0390") && out.stderr.contains("`esm:acf2`"), "{}", out.stderr);
    assert!(out.stderr.contains("--plugin-dir"), "{}", out.stderr);
}

/// The committed JSON Schema of the plugin protocol is what the types generate: a change to
/// the protocol's types without `zat schema --protocol > docs/plugin-protocol.schema.json`
/// fails here.
#[test]
fn the_committed_protocol_schema_is_generated_from_the_types() {
    let out = zat_in(&repo(), &["schema", "--protocol"]);
    out.expect_code(0);
    let committed = std::fs::read_to_string(repo().join("docs/plugin-protocol.schema.json"))
        .expect("read docs/plugin-protocol.schema.json");
    assert!(
        out.stdout == committed,
        "docs/plugin-protocol.schema.json drifted from the types: run \
         `cargo run -p zat-cli -- schema --protocol > docs/plugin-protocol.schema.json`"
    );
}

/// An existing site CA whose label has blanks is connected to a ring: the build works and
/// every RACDCERT command has the label in apostrophes.
#[test]
fn a_label_with_blanks_builds_and_is_quoted_in_the_racf_commands() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let script = crate::fixtures().join("blank_labels.rhai");
    let script = script.to_str().expect("a UTF-8 path");
    zat_in(dir.path(), &["build", script, "-o", "out"]).expect_code(0);
    let setup = std::fs::read_to_string(dir.path().join("out/security/PLEX1/racf/SETUP.jcl"))
        .expect("the RACF setup job");
    assert!(setup.contains("CONNECT(CERTAUTH LABEL('Site Root CA')"), "{setup}");
    assert!(setup.contains("WITHLABEL('MYCOM CA')"), "{setup}");
    for line in setup.lines().filter(|l| l.contains("Root CA") && !l.starts_with("//*")) {
        assert!(line.contains("'Site Root CA'"), "unquoted label: {line}");
    }
}

/// Command-line values that are wrong, or do nothing, are said to be: the range of
/// --timeout as it is checked, --today only as YYYY-MM-DD, a --lib folder that is not there.
#[test]
fn arguments_that_cannot_work_are_reported_as_they_are() {
    let out = zat(&["check", "small.rhai", "--timeout", "0"]);
    out.expect_code(2).stderr_has("above 0 and at most 86400, not 0");
    assert!(!out.stderr.contains("between 0 and"), "{}", out.stderr);
    zat(&["check", "small.rhai", "--today", "2030-2-3"]).expect_code(2).stderr_has("not a date");
    zat(&["check", "small.rhai", "--today", "2030-02-03"]).expect_code(0);
    let out = zat(&["check", "small.rhai", "--lib", "no-such-folder"]);
    out.expect_code(0).stderr_has("no-such-folder").stderr_has("does not exist");
    let out = zat(&["check", "small.rhai"]);
    assert!(!out.stderr.contains("does not exist"), "{}", out.stderr);
}

/// A thrown value is described as the script knows it, and a thrown string's terminal
/// escapes never reach the terminal.
#[test]
fn what_a_script_throws_is_shown_in_script_terms_and_without_escapes() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let script = "let site = fleet(\"A\");\nif params.what == \"site\" { throw site; }\nthrow \"bad \\x1b[2J\\x1b]0;title\\x07 end\";\n";
    std::fs::write(dir.path().join("throw.rhai"), script).expect("written");
    let out = zat_in(dir.path(), &["check", "throw.rhai", "--set", "what=site"]);
    out.expect_code(1).stderr_has("the script threw a fleet").stderr_has("throw.rhai:2:");
    assert!(!out.stderr.contains("FleetHandle"), "{}", out.stderr);
    let out = zat_in(dir.path(), &["check", "throw.rhai", "--set", "what=text"]);
    out.expect_code(1).stderr_has("the script threw \"bad ?[2J?]0;title? end\"");
    assert!(!out.stderr.contains('\u{1b}') && !out.stderr.contains('\u{7}'), "{:?}", out.stderr);
}

/// A fleet whose `--set v=N` changes what one LPAR's stacks protect (see each case below), and
/// whose `--set timer=1` gives Policy Agent's main file a refresh timer.
const PROTECTED: &str = r#"
let v = param("v", 0);
let site = fleet("PROT");
let db = site.security_database("PLEX1", #{ esm: "racf" });
let ca = db.certificate_authority("HCA", #{ subject: #{ CN: "H CA", O: "H", C: "US" }, not_after: "2035-12-31" });
let srv = db.certificate("SRVU", "SRV-CERT", #{ subject: #{ CN: "SRV.H.COM", O: "H", C: "US" }, signed_by: ca, key_usage: ["handshake"], not_after: "2030-12-31" });
let ring = db.keyring("SRVU", "SRV-RING");
ring.connect(ca);
ring.connect_default(srv);
let pagent = if param("timer", 0) == 1 { #{ refresh_interval: 1800 } } else { #{} };
let lpar = site.lpar("SYSA", #{ security_database: db, pagent: pagent });
let st = lpar.stack("TCPIP");
st.rule("EXC_CLEAR", #{ direction: "inbound", local_port: 8000, enabled: false, priority: 900 });
if v != 2 {
    let range = #{ direction: "inbound", local_port: if v == 1 { "8000-8004" } else { "8000-8010" }, keyring: ring, priority: 100 };
    if v == 5 {
        range.level = site.security_level("APPCTL", #{ application_controlled: true });
    }
    st.rule("RANGE_IN", range);
}
if v == 6 {
    st.rule("HOLE", #{ direction: "inbound", local_port: 8005, enabled: false, priority: 900 });
}
st.rule("ADDR_OUT", #{ direction: "outbound", remote_addr: if v == 3 { "10.1.0.0/24" } else { "10.1.0.0/16" }, remote_port: 9000, keyring: ring });
if v != 4 {
    lpar.stack("TCPIPB").rule("B_IN", #{ direction: "inbound", local_port: 9400, keyring: ring });
}
"#;

/// A rebuild says what the policy on disk protects and the new one leaves in clear text
/// (ZAT0323): a narrowed port or address range (the ends it lost), a removed rule whose first
/// port an exception at a higher priority takes (its other ports), a rule that now waits for
/// the application to start TLS (ApplicationControlled On), a hole cut inside a range by a new
/// exception, a stack dropped from Policy Agent's main file; and (ZAT0324) a main file on disk with a refresh timer, which installs
/// placed files before the runbook's checks. An unchanged rebuild says nothing.
#[test]
fn a_rebuild_names_what_the_new_policy_stops_protecting() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("f.rhai"), PROTECTED).expect("script written");
    let warned = |args: &[&str]| {
        let out = zat_in(tmp.path(), &[&["build", "f.rhai", "-o", "out"], args].concat());
        out.expect_code(0);
        out.stderr
    };
    let first = warned(&[]);
    assert!(!first.contains("ZAT0323") && !first.contains("ZAT0324"), "{first}");
    let same = warned(&[]);
    assert!(!same.contains("ZAT0323"), "{same}");
    let narrowed = warned(&["--set", "v=1"]);
    assert!(
        narrowed.contains("inbound connection to local port 8010")
            && narrowed.contains("rule RANGE_IN"),
        "{narrowed}"
    );
    warned(&[]);
    let removed = warned(&["--set", "v=2"]);
    assert!(
        removed.contains("rule RANGE_IN of the policy on disk, but matches no rule"),
        "{removed}"
    );
    warned(&[]);
    let address = warned(&["--set", "v=3"]);
    assert!(address.contains("of 10.1.255.255") && address.contains("rule ADDR_OUT"), "{address}");
    warned(&[]);
    let waits = warned(&["--set", "v=5"]);
    assert!(
        waits.contains("is protected by rule RANGE_IN of the policy on disk, but in the new one it lands on rule RANGE_IN, with ApplicationControlled On: AT-TLS waits for the application to start TLS"),
        "{waits}"
    );
    warned(&[]);
    let hole = warned(&["--set", "v=6"]);
    assert!(
        hole.contains("inbound connection to local port 8005 is protected by rule RANGE_IN of the policy on disk, but lands on rule HOLE, with TTLSEnabled Off"),
        "{hole}"
    );
    warned(&[]);
    let stack = warned(&["--set", "v=4"]);
    assert!(stack.contains("stack TCPIPB has a TcpImage in the Policy Agent main file on disk but none in the new one"), "{stack}");
    warned(&["--set", "timer=1"]);
    let timer = warned(&[]);
    assert!(timer.contains("ZAT0324") && timer.contains("every 1800 seconds"), "{timer}");
    assert!(!warned(&[]).contains("ZAT0324"));
}
