//! Unit tests of the runtime: builders, option checks, origins, sandbox limits, imports, params.

use std::path::Path;
use std::time::Duration;

use zat_model::{
    CertOwner, CertSource, Diagnostic, Direction, Fleet, HandshakeRole, PortRange, Usage,
};

use crate::{ScriptOptions, run_source};

const HEADER: &str = "let site = fleet(\"MYCOM\");\nlet db = site.security_database(\"PLEX1\");\n";

/// A deadline far beyond what any test script takes: the tests must not depend on the
/// machine's speed (a debug build on two loaded cores took 5 s for the inventory test). The
/// deadline's own test sets its own.
fn options() -> ScriptOptions {
    ScriptOptions { timeout: Duration::from_secs(120), ..ScriptOptions::default() }
}

fn run(script: &str) -> Result<Fleet, Vec<Diagnostic>> {
    run_source("t.rhai", script, Path::new("."), &options())
}

fn run_ok(script: &str) -> Fleet {
    match run(script) {
        Ok(fleet) => fleet,
        Err(diagnostics) => panic!("script failed: {diagnostics:#?}"),
    }
}

/// Runs a failing script; returns the single diagnostic as (code, line, message).
fn fail(script: &str) -> (String, u32, String) {
    fail_with(script, &options())
}

fn fail_with(script: &str, options: &ScriptOptions) -> (String, u32, String) {
    match run_source("t.rhai", script, Path::new("."), options) {
        Ok(_) => panic!("script should fail:\n{script}"),
        Err(diagnostics) => {
            assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
            let d = &diagnostics[0];
            (d.code.clone(), d.origin.as_ref().map_or(0, |o| o.line), d.message.clone())
        }
    }
}

#[test]
fn a_small_fleet_gets_the_documented_defaults() {
    let fleet = run_ok(&format!("{HEADER}let l = site.lpar(\"SYSA\");\nl.stack(\"TCPIP\");\n"));
    assert_eq!(fleet.name, "MYCOM");
    let lpar = &fleet.lpars[0];
    assert_eq!(lpar.security_database, "PLEX1");
    assert_eq!((lpar.pagent.jobname.as_str(), lpar.pagent.userid.as_str()), ("PAGENT", "PAGENT"));
    assert_eq!(lpar.pagent.config_dir, "/etc/pagent");
    assert_eq!((lpar.pagent.log_level, lpar.pagent.flush, lpar.pagent.purge), (31, true, false));
    assert_eq!(lpar.pagent.refresh_interval, zat_model::NO_REFRESH_TIMER);
    assert_eq!(lpar.syslog.config_path, "/etc/syslog.conf");
    assert_eq!(lpar.syslog.attls_log, "/var/log/attls.log");
    assert_eq!(lpar.syslog.pagent_log, "/var/log/pagent.log");
    assert_eq!(
        (lpar.syslog.attls_level.as_str(), lpar.syslog.pagent_level.as_str()),
        ("info", "info")
    );
    assert!(lpar.stacks[0].ttls);
    assert_eq!(fleet.security_databases[0].esm, zat_model::Esm::RACF);
}

#[test]
fn site_defaults_apply_even_when_set_after_the_lpar() {
    let fleet = run_ok(&format!(
        "{HEADER}site.lpar(\"SYSA\");\nsite.defaults(#{{ pagent_dir: \"/u/pagent\", hlq: \"SYS2\", job: #{{ class: \"B\" }} }});\n"
    ));
    assert_eq!(fleet.lpars[0].pagent.config_dir, "/u/pagent");
    assert_eq!(fleet.defaults.hlq, "SYS2");
    assert_eq!(fleet.defaults.job.class, "B");
}

#[test]
fn every_object_records_where_it_was_written() {
    let fleet = run_ok(&format!("{HEADER}\n   let l = site.lpar(\"SYSA\");\n"));
    assert_eq!(fleet.origin.line, 1);
    let origin = &fleet.lpars[0].origin;
    assert_eq!((&*origin.file, origin.line, origin.column), ("t.rhai", 4, 17));
    assert_eq!(fleet.security_databases[0].origin.line, 2);
}

#[test]
fn handles_are_shared_so_later_calls_change_the_model() {
    let fleet = run_ok(&format!(
        "{HEADER}let ca = db.certificate_authority(\"CA1\", #{{ subject: #{{ CN: \"CA1\", OU: [\"A\", \"B\"] }} }});
let cert = db.certificate(\"OMVSADM\", \"C1\", #{{ signed_by: ca, alt_domain: \"x.example.com\" }});
let ring = db.keyring(\"OMVSADM\", \"RING\");
ring.connect(ca);
ring.connect_default(cert);
cert.export_to(#{{ dsn: \"C1.P12\", format: \"PKCS12DER\", password_env: \"P12_PW\" }});
"
    ));
    let db = &fleet.security_databases[0];
    let ring = &db.keyrings[0];
    assert_eq!(ring.connections.len(), 2);
    assert_eq!((ring.connections[0].usage, ring.connections[0].default), (Usage::Certauth, false));
    assert_eq!((ring.connections[1].usage, ring.connections[1].default), (Usage::Personal, true));
    let cert = db.certificate("C1").expect("C1 exists");
    assert_eq!(cert.owner, CertOwner::User("OMVSADM".to_owned()));
    assert_eq!(cert.signer.as_deref(), Some("CA1"));
    assert_eq!(cert.size, 2048);
    let export = cert.export.as_ref().expect("exported");
    assert_eq!(export.password_env.as_deref(), Some("P12_PW"));
    assert_eq!(
        db.certificate("CA1").map(|c| c.subject.ou.clone()),
        Some(vec!["A".to_owned(), "B".to_owned()])
    );
}

#[test]
fn existing_certificates_are_named_by_owner_and_label_and_connect_like_others() {
    let fleet = run_ok(&format!(
        "{HEADER}let root = db.existing_certificate(\"certauth\", \"Site Root CA\");
let server = db.existing_certificate(\"OMVSADM\", \"SERVER1\");
let site_cert = db.existing_certificate(\"SITE\", \"SITECERT\", #{{}});
let ring = db.keyring(\"OMVSADM\", \"RING\");
ring.connect(root);
ring.connect_default(server);
ring.connect(site_cert);
"
    ));
    let db = &fleet.security_databases[0];
    let owners: Vec<(&str, &CertOwner, &CertSource)> =
        db.certificates.iter().map(|c| (c.label.as_str(), &c.owner, &c.source)).collect();
    assert_eq!(
        owners,
        [
            ("Site Root CA", &CertOwner::Certauth, &CertSource::Existing),
            ("SERVER1", &CertOwner::User("OMVSADM".to_owned()), &CertSource::Existing),
            ("SITECERT", &CertOwner::Site, &CertSource::Existing),
        ]
    );
    assert!(db.certificates[0].is_ca() && db.certificates.iter().all(|c| c.export.is_none()));
    let usages: Vec<(Usage, bool)> =
        db.keyrings[0].connections.iter().map(|c| (c.usage, c.default)).collect();
    assert_eq!(usages, [(Usage::Certauth, false), (Usage::Personal, true), (Usage::Site, false)]);
    // Nothing about an existing certificate goes into a job, so it takes no options.
    let (code, line, message) = fail(&format!(
        "{HEADER}db.existing_certificate(\"CERTAUTH\", \"CA\", #{{ size: 4096 }});\n"
    ));
    assert_eq!((code.as_str(), line), ("ZAT0004", 3));
    assert!(message.contains("existing_certificate() has no option `size`"), "{message}");
}

#[test]
fn rules_take_ports_in_three_shapes_and_pick_a_role_from_the_direction() {
    let fleet = run_ok(&format!(
        "{HEADER}let s = site.lpar(\"SYSA\").stack(\"TCPIP\");
s.rule(\"A\", #{{ direction: \"outbound\", remote_port: 9443 }});
s.rule(\"B\", #{{ direction: \"Inbound\", local_port: [9000, 9010] }});
s.rule(\"C\", #{{ direction: \"both\", local_port: \"70000\", role: \"server_with_client_auth\" }});
"
    ));
    let rules = &fleet.lpars[0].stacks[0].rules;
    assert_eq!((rules[0].direction, rules[0].role), (Direction::Outbound, HandshakeRole::Client));
    assert_eq!(rules[0].remote_port, Some(PortRange::single(9443)));
    assert_eq!(rules[1].role, HandshakeRole::Server);
    assert_eq!(rules[1].local_port, Some(PortRange { low: 9000, high: 9010 }));
    // Out of range, but the runtime passes numbers through for validation to report.
    assert_eq!(rules[2].local_port, Some(PortRange::single(70000)));
    assert_eq!(rules[2].role, HandshakeRole::ServerWithClientAuth);
    assert_eq!(rules[0].level, "DEFAULT");
    assert!(fleet.security_level("DEFAULT").is_some(), "the default level is created when used");
}

#[test]
fn security_levels_turn_on_exactly_the_versions_listed() {
    let fleet = run_ok(&format!(
        "{HEADER}site.security_level(\"L13\", #{{ tls: [\"TLSv1.3\"] }});\nsite.security_level(\"D\");\n"
    ));
    let only13 = fleet.security_level("L13").expect("L13");
    assert!(only13.protocols.tlsv1_3 && !only13.protocols.tlsv1_2 && !only13.protocols.tlsv1);
    assert!(only13.ciphers.iter().all(|c| c.starts_with("13")), "{:?}", only13.ciphers);
    let default = fleet.security_level("D").expect("D");
    let p = default.protocols;
    assert!(p.tlsv1_2 && p.tlsv1_3 && !p.sslv2 && !p.sslv3 && !p.tlsv1 && !p.tlsv1_1);
}

#[test]
fn a_misspelt_method_is_an_error_at_its_line_with_a_suggestion() {
    let script = format!("{HEADER}\ndb.certificate_authorty(\"CA\");\n");
    let (code, line, message) = fail(&script);
    assert_eq!((code.as_str(), line), ("ZAT0003", 4));
    assert!(message.contains("certificate_authorty"), "{message}");
    let help = run(&script).err().and_then(|d| d[0].help.clone()).unwrap_or_default();
    assert!(help.contains("did you mean `certificate_authority`"), "{help}");
}

#[test]
fn an_argument_of_the_wrong_type_is_an_error_at_its_line() {
    let (code, line, _) =
        fail(&format!("{HEADER}let ring = db.keyring(\"U\", \"R\");\nring.connect(db);\n"));
    assert_eq!((code.as_str(), line), ("ZAT0003", 4));
}

#[test]
fn unknown_option_keys_are_errors_naming_the_key() {
    let (code, line, message) =
        fail(&format!("{HEADER}\n\nsite.lpar(\"SYSA\", #{{ secrity_database: db }});\n"));
    assert_eq!((code.as_str(), line), ("ZAT0004", 5));
    assert!(message.contains("`secrity_database`"), "{message}");
    let (code, _, message) =
        fail(&format!("{HEADER}site.lpar(\"SYSA\", #{{ pagent: #{{ loglevel: 1 }} }});\n"));
    assert_eq!(code, "ZAT0004");
    assert!(message.contains("lpar.pagent() has no option `loglevel`"), "{message}");
}

#[test]
fn a_password_option_is_refused_with_the_way_to_do_it() {
    let script = format!(
        "{HEADER}let c = db.certificate(\"U\", \"C\");\nc.export_to(#{{ dsn: \"X\", password: \"secret\" }});\n"
    );
    let diagnostics = run(&script).err().unwrap_or_default();
    assert_eq!(diagnostics[0].code, "ZAT0004");
    assert!(diagnostics[0].help.as_deref().unwrap_or_default().contains("password_env"));
}

#[test]
fn option_values_of_the_wrong_type_or_word_are_errors() {
    let (code, line, message) = fail(&format!(
        "{HEADER}site.zos_connect_server(\"Z\", #{{ host: \"h\", http_port: \"9080\" }});\n"
    ));
    assert_eq!((code.as_str(), line), ("ZAT0005", 3));
    assert!(message.contains("`http_port`") && message.contains("an integer"), "{message}");
    let (code, _, message) =
        fail("let site = fleet(\"F\");\nsite.security_database(\"D\", #{ esm: \"rac f\" });\n");
    assert_eq!(code, "ZAT0006");
    assert!(message.contains("racf, acf2, tss"), "{message}");
    let (code, _, message) = fail("let site = fleet(\"F\");\nsite.zos_connect_server(\"Z\");\n");
    assert_eq!(code, "ZAT0007");
    assert!(message.contains("`host`"), "{message}");
}

#[test]
fn fleet_must_be_called_exactly_once() {
    assert_eq!(fail("let x = 1;").0, "ZAT0008");
    let (code, line, _) = fail("let a = fleet(\"A\");\nlet b = fleet(\"B\");\n");
    assert_eq!((code.as_str(), line), ("ZAT0009", 2));
}

#[test]
fn certificates_of_another_database_cannot_be_connected() {
    let (code, line, _) = fail(
        "let site = fleet(\"F\");\nlet a = site.security_database(\"A\");\nlet b = site.security_database(\"B\");\n\
         let ca = a.certificate_authority(\"CA\");\nb.keyring(\"U\", \"R\").connect(ca);\n",
    );
    assert_eq!((code.as_str(), line), ("ZAT0011", 5));
}

#[test]
fn an_endless_loop_stops_at_the_deadline() {
    let options = ScriptOptions { timeout: Duration::from_millis(300), ..ScriptOptions::default() };
    let (code, line, message) = fail_with("let site = fleet(\"F\");\nloop {}\n", &options);
    assert!(code == "ZAT0021" || code == "ZAT0020", "{code}: {message}");
    assert!(message.contains("ran too long"), "{message}");
    assert_eq!(line, 2);
}

#[test]
fn an_endless_loop_stops_at_the_operation_limit() {
    let mut options = options();
    options.limits.max_operations = 10_000;
    let (code, _, message) = fail_with("loop {}", &options);
    assert_eq!(code, "ZAT0020", "{message}");
}

#[test]
fn unbounded_recursion_is_stopped() {
    let (code, _, message) = fail("fn down(n) { down(n + 1) }\ndown(0);\n");
    assert_eq!(code, "ZAT0022", "{message}");
    assert!(message.contains("nested deeper than 64"), "{message}");
}

#[test]
fn depth_limits_are_set_explicitly_so_debug_builds_allow_deep_calls() {
    // rhai's own debug-build default is 8 levels; ours is 64 in every build.
    run_ok("fn down(n) { if n > 0 { down(n - 1) } }\ndown(50);\nfleet(\"F\");\n");
}

/// rhai counts columns up to 65535: an error further along a long line says so rather than
/// giving 65535 as if it were the column.
#[test]
fn an_error_beyond_column_65535_says_so() {
    let script = format!("{HEADER}let s = \"{}\" + missing;\n", "x".repeat(200_000));
    let (code, line, message) = fail(&script);
    assert_eq!((code.as_str(), line), ("ZAT0040", 3), "{message}");
    assert!(message.contains("column 65535 or beyond"), "{message}");
    assert!(!message.contains("position 65535)"), "{message}");
    // Within the count, nothing is added.
    let (_, _, message) = fail(&format!("{HEADER}let s = \"x\" + missing;\n"));
    assert!(!message.contains("beyond"), "{message}");
}

/// A flat sum of many terms is too deep for rhai (each `+` is a level): the message says what
/// counts, since the script has no nesting a user can see.
#[test]
fn a_long_flat_sum_is_too_deep_and_the_message_says_why() {
    let sum = vec!["1"; 65].join(" + ");
    let (code, line, message) = fail(&format!("{HEADER}let n = {sum};\n"));
    assert_eq!((code.as_str(), line), ("ZAT0024", 3), "{message}");
    assert!(message.contains("each operator counts as a level"), "{message}");
    assert!(message.contains("more than 64 terms"), "{message}");
}

#[test]
fn a_huge_string_is_refused() {
    let (code, _, message) = fail("let s = \"x\";\nfor i in 0..40 { s += s; }\n");
    assert_eq!(code, "ZAT0023", "{message}");
}

#[test]
fn growth_by_replace_and_by_new_map_keys_stops_at_a_limit() {
    // `replace` amplifies a string tenfold per round.
    let (code, line, message) =
        fail("let s = \"xxxxxxxxxx\";\nloop { s.replace(\"x\", \"xxxxxxxxxx\"); }\n");
    assert_eq!((code.as_str(), line), ("ZAT0023", 2), "{message}");
    // rhai does not measure a map that grows by `m[key] = value`: zat does, while it runs.
    // (Smaller limits than zat's, so that a debug build gets there in time.)
    let mut small = options();
    small.limits.max_map_size = 20_000;
    let (code, line, message) =
        fail_with("let m = #{};\nlet i = 0;\nloop { m[\"k\" + i] = i; i += 1; }\n", &small);
    assert_eq!((code.as_str(), line), ("ZAT0023", 3), "{message}");
    assert!(message.contains("object map"), "{message}");
    // Inside an array, too.
    let (code, line, message) =
        fail_with("let a = [#{}];\nlet i = 0;\nloop { a[0][\"k\" + i] = i; i += 1; }\n", &small);
    assert_eq!((code.as_str(), line), ("ZAT0023", 3), "{message}");
    assert!(message.contains("object map"), "{message}");
    // Nested, with big values: stopped long before memory runs out.
    let (code, _, message) = fail(
        "let s = \"x\";\nwhile s.len < 100000 { s += s; }\nlet m = #{ inner: #{} };\nlet i = 0;\nloop { m.inner[\"k\" + i] = s + i; i += 1; }\n",
    );
    assert_eq!(code, "ZAT0023", "{message}");
}

/// rhai's limits count a value's totals, nested values included: a site's inventory of the
/// largest fleets, kept in one array or map, fits zat's limits.
#[test]
fn an_inventory_of_thousands_of_lpars_fits_the_limits() {
    let script = format!(
        "{HEADER}let systems = [];\nfor n in 1..=4000 {{\n    systems.push(#{{ name: `SYS${{n}}`, plex: `PLEX${{n / 8}}`, ip: `10.9.${{n / 256}}.${{n % 256}}`, owner: \"NETWORK\", notes: \"{notes}\" }});\n}}\nlet by_name = #{{}};\nfor s in systems {{ by_name[s.name] = s; }}\nfor n in 1..=4000 {{ if by_name[`SYS${{n}}`].ip == \"\" {{ throw \"lost\"; }} }}\nsite.lpar(\"SYSA\");\n",
        notes = "x".repeat(300),
    );
    assert_eq!(run_ok(&script).lpars.len(), 1);
}

/// A measurement of the values in scope visits every item they hold: the next one waits for
/// `SIZE_SPACING` reads per value that visited, so a large inventory in scope costs a fixed
/// fraction of a visit per variable read over a run, whatever its size (every 64 reads, it
/// made a script quadratic in its LPARs).
#[test]
fn the_values_in_scope_are_measured_in_proportion_to_the_reads() {
    use crate::engine::{SIZE_EVERY, SIZE_SPACING, Schedule};
    for inventory in [10, 5_000, 48_000, 1_000_000] {
        let schedule = Schedule::default();
        let (reads, mut visited, mut measurements) = (2_000_000_u64, 0_u64, 0_u64);
        for _ in 0..reads {
            if let Some(read) = schedule.due() {
                schedule.measured(read, inventory);
                visited += inventory;
                measurements += 1;
            }
        }
        assert!(
            visited <= reads / SIZE_SPACING + inventory,
            "{inventory}: {visited} visits for {reads} reads"
        );
        // Still measured regularly: at least every `SIZE_EVERY` reads, or `SIZE_SPACING` per
        // value it visits.
        let gap = (inventory * SIZE_SPACING).max(SIZE_EVERY);
        assert_eq!(measurements, reads.div_ceil(gap), "{inventory}");
    }
}

#[test]
fn eval_is_disabled() {
    let (code, _, message) = fail("eval(\"1\");");
    assert_eq!(code, "ZAT0002");
    assert!(message.contains("eval"), "{message}");
}

#[test]
fn params_reach_the_script_typed_by_their_default() {
    let mut options = options();
    options.params.insert("lpars".to_owned(), "4".to_owned());
    options.params.insert("name".to_owned(), "PROD".to_owned());
    let script = "let site = fleet(param(\"name\", \"TEST\"));\nlet db = site.security_database(\"D\");\n\
                  for i in 1..=param(\"lpars\", 1) { site.lpar(`SYS${i}`); }\n\
                  if param(\"trace\", false) { throw \"trace is off\"; }\nif params.lpars != 4 { throw \"params\"; }\n";
    let fleet = run_source("t.rhai", script, Path::new("."), &options).expect("runs");
    assert_eq!((fleet.name.as_str(), fleet.lpars.len()), ("PROD", 4));

    // A value that does not convert is reported, and the script goes on with the default
    // (here it then throws, by its own check).
    options.params.insert("lpars".to_owned(), "many".to_owned());
    let diagnostics =
        run_source("t.rhai", script, Path::new("."), &options).err().unwrap_or_default();
    let found: Vec<(&str, u32)> = diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.origin.as_ref().map_or(0, |o| o.line)))
        .collect();
    assert_eq!(found, [("ZAT0010", 3), ("ZAT0041", 5)]);
    let message = &diagnostics[0].message;
    assert!(message.contains("`lpars`") && message.contains("many"), "{message}");
}

mod imports {
    use super::*;

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    const LIB: &str = "fn level(site) { site.security_level(\"LIB\") }\nfn broken(site) { site.lpar(\"X\", #{ nope: 1 }) }\nfn fatal(site) { site.lparr(\"X\") }\n";

    #[test]
    fn libraries_load_from_the_script_folder_and_lib_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(&dir.path().join("fleet/lib/levels.rhai"), LIB);
        write(&dir.path().join("site/common.rhai"), "export const OWNER = \"OMVSADM\";\n");
        let mut options = options();
        options.lib_dirs.push(dir.path().join("site"));
        let script = "import \"lib/levels\" as levels;\nimport \"common\" as common;\n\
                      let site = fleet(\"F\");\nlevels::level(site);\nsite.security_database(\"D\").keyring(common::OWNER, \"R\");\n";
        let fleet =
            run_source("fleet.rhai", script, &dir.path().join("fleet"), &options).expect("runs");
        assert!(fleet.security_level("LIB").is_some());
        assert_eq!(fleet.security_databases[0].keyrings[0].owner, "OMVSADM");
    }

    #[test]
    fn errors_inside_a_library_point_into_the_library() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(&dir.path().join("lib/levels.rhai"), LIB);
        let script = "import \"lib/levels\" as levels;\nlet site = fleet(\"F\");\nsite.security_database(\"D\");\nlevels::broken(site);\nlevels::fatal(site);\n";
        let diagnostics =
            run_source("fleet.rhai", script, dir.path(), &options()).err().unwrap_or_default();
        assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");
        // A mistake the script goes on after points at the key in the library.
        let origin = diagnostics[0].origin.clone().expect("origin");
        assert!(origin.file.ends_with("lib/levels.rhai"), "{origin}");
        assert_eq!((diagnostics[0].code.as_str(), origin.line, origin.column), ("ZAT0004", 2, 37));
        // An error that stops the script also says where the library was called from.
        let origin = diagnostics[1].origin.clone().expect("origin");
        assert!(origin.file.ends_with("lib/levels.rhai"), "{origin}");
        assert_eq!((diagnostics[1].code.as_str(), origin.line), ("ZAT0003", 3));
        assert!(diagnostics[1].help.as_deref().unwrap_or_default().contains("fleet.rhai:5"));
    }

    fn refused(import: &str, folder: &Path) -> (String, u32, String) {
        let script = format!("let site = fleet(\"F\");\nimport \"{import}\" as x;\n");
        match run_source("fleet.rhai", &script, folder, &options()) {
            Ok(_) => panic!("import {import} should be refused"),
            Err(d) => (
                d[0].code.clone(),
                d[0].origin.as_ref().map_or(0, |o| o.line),
                d[0].message.clone(),
            ),
        }
    }

    #[test]
    fn imports_outside_the_roots_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(&dir.path().join("secret.rhai"), "const X = 1;\n");
        write(&dir.path().join("fleet/ok.rhai"), "const X = 1;\n");
        let folder = dir.path().join("fleet");
        let (code, line, message) = refused("../secret", &folder);
        assert_eq!((code.as_str(), line), ("ZAT0030", 2));
        assert!(message.contains("`..`"), "{message}");
        let absolute = dir.path().join("secret").display().to_string();
        let (code, _, message) = refused(&absolute, &folder);
        assert_eq!(code, "ZAT0030", "{message}");
        let (code, _, message) = refused("missing", &folder);
        assert_eq!(code, "ZAT0031", "{message}");
    }

    #[test]
    fn import_cycles_are_named_not_overflowed() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The script imports itself (its path is known when it runs from a file).
        let script = dir.path().join("fleet.rhai");
        write(&script, "import \"fleet\" as me;\nlet site = fleet(\"F\");\n");
        let diagnostics = crate::run_file(&script, &options()).err().unwrap_or_default();
        assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
        assert_eq!(diagnostics[0].code, "ZAT0032");
        let message = &diagnostics[0].message;
        assert!(message.contains("fleet.rhai -> ") && message.ends_with("fleet.rhai"), "{message}");
        // a -> b -> a, entered from a script that imports a.
        write(&dir.path().join("a.rhai"), "import \"b\" as b;\n");
        write(&dir.path().join("b.rhai"), "import \"a\" as a;\n");
        let (code, _, message) = refused("a", dir.path());
        assert_eq!(code, "ZAT0032", "{message}");
        let names: Vec<&str> = message.split(" -> ").map(|p| &p[p.len() - 6..]).collect();
        assert_eq!(names, ["a.rhai", "b.rhai", "a.rhai"], "{message}");
        // A library imported twice without a cycle is fine (a diamond).
        write(&dir.path().join("c.rhai"), "import \"d\" as d;\nexport const C = 1;\n");
        write(&dir.path().join("d.rhai"), "export const D = 1;\n");
        let script = "import \"c\" as c;\nimport \"d\" as d;\nlet site = fleet(\"F\");\n";
        assert!(run_source("fleet.rhai", script, dir.path(), &options()).is_ok());
    }

    #[test]
    fn a_library_over_the_size_limit_is_refused_unread() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(&dir.path().join("big.rhai"), &format!("// {}\n", "x".repeat(2000)));
        let mut options = options();
        options.limits.max_script_size = 1000;
        let script = "import \"big\" as big;\nlet site = fleet(\"F\");\n";
        let (code, _, message) = fail_with_in(script, dir.path(), &options);
        assert_eq!(code, "ZAT0031", "{message}");
        assert!(message.contains("more than the limit"), "{message}");
        let (code, _, _) = fail_with(&"// x\n".repeat(300), &options);
        assert_eq!(code, "ZAT0026");
    }

    fn fail_with_in(script: &str, folder: &Path, options: &ScriptOptions) -> (String, u32, String) {
        let d = run_source("fleet.rhai", script, folder, options).err().unwrap_or_default();
        assert_eq!(d.len(), 1, "{d:#?}");
        (d[0].code.clone(), d[0].origin.as_ref().map_or(0, |o| o.line), d[0].message.clone())
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_roots_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(&dir.path().join("secret.rhai"), "const X = 1;\n");
        std::fs::create_dir_all(dir.path().join("fleet")).expect("mkdir");
        std::os::unix::fs::symlink(
            dir.path().join("secret.rhai"),
            dir.path().join("fleet/link.rhai"),
        )
        .expect("symlink");
        let (code, _, message) = refused("link", &dir.path().join("fleet"));
        assert_eq!(code, "ZAT0030", "{message}");
        assert!(message.contains("link"), "{message}");
    }
}

/// The builder table is complete, matches what the engine registers, and is what the
/// builders read; the committed reference files are generated from it.
mod reference {
    use std::collections::BTreeSet;

    use super::*;
    use crate::handles::DEFAULT_LEVEL;
    use crate::spec::{self, Absent, BUILDERS, Builder, Kind, Opt, PROPERTIES, TYPES};

    #[test]
    fn every_builder_argument_and_option_has_a_description() {
        let described = |text: &str| text.trim().len() > 3 && text.ends_with(['.', ')']);
        let mut names = BTreeSet::new();
        for builder in BUILDERS {
            assert!(names.insert(builder.name), "{} twice", builder.name);
            assert!(described(builder.doc), "{}: no description", builder.name);
            assert!(builder.example.contains(&format!("{}(", builder.name)), "{}", builder.name);
            for arg in builder.args {
                assert!(described(arg.doc), "{}({}): no description", builder.name, arg.name);
            }
            let mut keys = BTreeSet::new();
            for (key, opt) in spec::flatten(builder.options) {
                assert!(keys.insert(key.clone()), "{}: `{key}` twice", builder.name);
                assert!(described(opt.doc), "{} option `{key}`: no description", builder.name);
                if let Some(words) = opt.kind.words() {
                    assert!(!words.is_empty(), "{key}");
                }
                if let (Absent::Word(word), Some(words)) = (&opt.default, opt.kind.words()) {
                    assert!(words.contains(word), "{key}: default `{word}` is not a word");
                }
            }
            assert!(builder.takes_options || builder.options.is_empty(), "{}", builder.name);
        }
        for (ty, doc) in TYPES {
            assert!(described(doc), "type {ty}");
        }
        for (ty, name, doc) in PROPERTIES {
            assert!(TYPES.iter().any(|(t, _)| t == ty) && described(doc), "{ty}.{name}");
        }
        let rule = spec::builder("rule").map(|b| b.options).unwrap_or_default();
        let level = rule.iter().find(|opt| opt.key == "level").map(|opt| &opt.default);
        assert!(matches!(level, Some(Absent::Text(name)) if *name == DEFAULT_LEVEL));
    }

    /// Parses `name(_: A, _: &mut B) -> R` into the name and parameter types.
    fn parse(signature: &str) -> Option<(String, Vec<String>)> {
        let (name, rest) = signature.split_once('(')?;
        let params = rest.split_once(')')?.0;
        let types = params
            .split(", ")
            .filter(|p| !p.is_empty())
            .map(|p| p.trim_start_matches("_: ").trim_start_matches("&mut ").to_owned())
            .collect();
        Some((name.to_owned(), types))
    }

    fn rhai_type(ty: &str) -> Vec<String> {
        ty.split(" | ")
            .map(|t| match t {
                "int" => "i64".to_owned(),
                "float" => "f64".to_owned(),
                other => other.to_owned(),
            })
            .collect()
    }

    /// The signatures a builder row stands for: one per type of a union argument, with and
    /// without the options map.
    fn expected(builder: &Builder) -> Vec<(String, Vec<String>)> {
        let mut lists: Vec<Vec<String>> =
            vec![builder.receiver.map(str::to_owned).into_iter().collect()];
        for arg in builder.args {
            lists = lists
                .into_iter()
                .flat_map(|list| {
                    rhai_type(arg.ty).into_iter().map(move |ty| {
                        let mut list = list.clone();
                        list.push(ty);
                        list
                    })
                })
                .collect();
        }
        let mut all = Vec::new();
        for list in lists {
            if builder.takes_options {
                let mut with = list.clone();
                with.push("map".to_owned());
                all.push((builder.name.to_owned(), with));
            }
            all.push((builder.name.to_owned(), list));
        }
        all
    }

    #[test]
    fn the_engine_registers_exactly_the_functions_of_the_table() {
        let mut engine = rhai::Engine::new();
        let mistakes = std::sync::Arc::new(crate::options::Mistakes::default());
        crate::builders::register(&mut engine, crate::handles::shared(None), &mistakes);
        crate::params::register(&mut engine, &std::collections::BTreeMap::new(), &mistakes);
        let registered: BTreeSet<(String, Vec<String>)> = engine
            .gen_fn_signatures(false)
            .iter()
            .filter_map(|s| parse(s))
            // `to_string` is rhai's own conversion, for `print` and string interpolation.
            .filter(|(name, _)| name != "to_string")
            .collect();
        let mut table: BTreeSet<(String, Vec<String>)> =
            BUILDERS.iter().flat_map(expected).collect();
        table.extend(
            PROPERTIES.iter().map(|(ty, name, _)| (format!("get${name}"), vec![(*ty).to_owned()])),
        );
        let missing: Vec<_> = registered.difference(&table).collect();
        assert!(missing.is_empty(), "registered without a row in spec.rs: {missing:?}");
        let unregistered: Vec<_> = table.difference(&registered).collect();
        assert!(unregistered.is_empty(), "rows of spec.rs the engine lacks: {unregistered:?}");
    }

    const SETUP: &str = "let site = fleet(\"F\");\nlet db = site.security_database(\"D\");\nlet ca = db.certificate_authority(\"CA\");\nlet cert = db.certificate(\"U\", \"C\", #{ signed_by: ca });\nlet ring = db.keyring(\"U\", \"R\");\nlet lpar = site.lpar(\"SYSA\");\nlet stack = lpar.stack(\"TCPIP\");\nlet level = site.security_level(\"L\");\nlet server = site.zos_connect_server(\"Z\", #{ host: \"h\" });\n";

    fn call(builder: &Builder, map: &str) -> String {
        let receiver =
            builder.receiver.map(|ty| format!("{}.", spec::variable(ty))).unwrap_or_default();
        let mut args: Vec<String> = builder
            .args
            .iter()
            .map(|arg| if arg.ty == "Certificate" { "cert".to_owned() } else { "\"X\"".to_owned() })
            .collect();
        args.push(map.to_owned());
        format!("{receiver}{}({});\n", builder.name, args.join(", "))
    }

    /// A map giving every option (nested ones too) a value from `value`.
    fn map_of(options: &[Opt], value: &dyn Fn(&Opt) -> String) -> String {
        let entries: Vec<String> = options
            .iter()
            .map(|opt| match opt.kind {
                Kind::Map(inner) => format!("\"{}\": {}", opt.key, map_of(inner, value)),
                _ => format!("\"{}\": {}", opt.key, value(opt)),
            })
            .collect();
        format!("#{{ {} }}", entries.join(", "))
    }

    /// Giving every option a function pointer (which no option takes) must give one
    /// diagnostic per option, each at its value: proof that each builder reads every option
    /// its row declares, with the kind declared, and reports the value where it is written.
    #[test]
    fn every_declared_option_is_read_and_a_wrong_value_reported_at_the_value() {
        for builder in BUILDERS.iter().filter(|b| !b.options.is_empty()) {
            let script = format!(
                "{SETUP}{}",
                call(builder, &map_of(builder.options, &|_| "Fn(\"nothing\")".to_owned()))
            );
            let diagnostics = run(&script).err().unwrap_or_default();
            let leaves = spec::flatten(builder.options)
                .iter()
                .filter(|(_, opt)| !matches!(opt.kind, Kind::Map(_)))
                .count();
            assert_eq!(diagnostics.len(), leaves, "{}: {diagnostics:#?}", builder.name);
            let last = script.lines().last().unwrap_or_default();
            for d in &diagnostics {
                let origin = d.origin.as_ref().expect("origin");
                let at: String = last.chars().skip(origin.column as usize - 1).take(3).collect();
                assert_eq!(
                    (d.code.as_str(), at.as_str()),
                    ("ZAT0005", "Fn("),
                    "{}: {d:?}",
                    builder.name
                );
            }
        }
    }

    fn sample(opt: &Opt) -> String {
        match &opt.kind {
            Kind::Text => "\"x\"".to_owned(),
            Kind::Name { .. } => "\"acf2\"".to_owned(),
            Kind::Int => "1".to_owned(),
            Kind::Bool => "true".to_owned(),
            Kind::Texts => "[\"a\", \"b\"]".to_owned(),
            Kind::Word(list) => format!("\"{}\"", list.words()[0]),
            Kind::Words(list) => format!("[\"{}\"]", list.words()[0]),
            Kind::Map(_) => "#{}".to_owned(),
            Kind::Port => "\"9000-9010\"".to_owned(),
            Kind::Handle { expected, .. } if expected.contains("OWNER/RINGNAME") => {
                "\"U/R\"".to_owned()
            }
            Kind::Handle { .. } => "\"X\"".to_owned(),
        }
    }

    /// Every option takes a value of its kind, and every word of its list.
    #[test]
    fn every_option_accepts_its_kind_and_every_allowed_word() {
        for builder in BUILDERS.iter().filter(|b| !b.options.is_empty()) {
            let mut script = format!("{SETUP}{}", call(builder, &map_of(builder.options, &sample)));
            for (key, opt) in spec::flatten(builder.options) {
                for word in opt.kind.words().unwrap_or_default() {
                    let map = map_of(builder.options, &|o: &Opt| {
                        if std::ptr::eq(o, opt) { format!("\"{word}\"") } else { sample(o) }
                    });
                    script.push_str(&format!("// {key}\n{}", call(builder, &map)));
                }
            }
            if let Err(diagnostics) = run(&script) {
                panic!("{}:\n{script}\n{diagnostics:#?}", builder.name);
            }
        }
    }

    /// Every example of the reference runs, after a prelude that makes the handles the
    /// examples use (`fleet` runs alone: a script calls it once).
    #[test]
    fn every_example_of_the_reference_runs() {
        const PRELUDE: &str = "let site = fleet(\"MYCOM\");\nlet db = site.security_database(\"PLEX1\");\nlet ca = db.certificate_authority(\"CA0\");\nlet cert = db.certificate(\"OMVSADM\", \"C0\", #{ signed_by: ca });\nlet ring = db.keyring(\"OMVSADM\", \"R0\");\nlet sysa = site.lpar(\"SYSA\");\nlet tcpip = sysa.stack(\"TCPIP\");\nlet modern = site.security_level(\"MODERN\");\nlet zc = site.zos_connect_server(\"ZCEE1\", #{ host: \"h\" });\n";
        for builder in BUILDERS {
            let script = if builder.name == "fleet" {
                builder.example.to_owned()
            } else {
                format!("{PRELUDE}{}\n", builder.example)
            };
            if let Err(diagnostics) = run(&script) {
                panic!("example of {}:\n{script}\n{diagnostics:#?}", builder.name);
            }
        }
    }

    /// Compares a committed generated file with what the table renders now; with
    /// `ZAT_UPDATE_DOCS=1` it rewrites the file instead.
    fn check_generated(relative: &str, generated: &str, command: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative);
        if std::env::var_os("ZAT_UPDATE_DOCS").is_some() {
            std::fs::write(&path, generated).expect("write the reference");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{relative} is out of date with the builder table; refresh it with:\n  {command}\n(or run the tests with ZAT_UPDATE_DOCS=1)"
        );
    }

    #[test]
    fn docs_dsl_md_is_generated_from_the_table() {
        check_generated("docs/dsl.md", &crate::dsl_markdown(), crate::MARKDOWN_COMMAND);
    }

    #[test]
    fn docs_zat_d_rhai_is_generated_from_the_table() {
        check_generated("docs/zat.d.rhai", &crate::dsl_definitions(), crate::DEFINITIONS_COMMAND);
    }

    #[test]
    fn the_reference_shows_every_option_with_type_default_and_words() {
        let markdown = crate::dsl_markdown();
        for builder in BUILDERS {
            assert!(markdown.contains(&format!("### `{}`", builder.name)), "{}", builder.name);
            for (key, _) in spec::flatten(builder.options) {
                assert!(markdown.contains(&format!("| `{key}` |")), "{}: {key}", builder.name);
            }
        }
        assert!(
            markdown.contains("| `esm` | `string` | `\"racf\"` | racf, acf2, tss, or the name")
        );
        assert!(markdown.contains("| `pagent.log_level` | `int` | `31` |"));
        let text = crate::dsl_text(Some("rule")).unwrap_or_default();
        assert!(
            text.contains("direction: string  (default: required)")
                && text.contains("one of: inbound, outbound, both"),
            "{text}"
        );
        assert!(crate::dsl_text(Some("nope")).is_none());
        assert!(
            crate::dsl_definitions()
                .contains("fn lpar(this: Fleet, name: String, options: Map) -> Lpar;")
        );
    }
}

/// Mistakes in options maps: all reported in one run, each at the key or value at fault, and
/// nothing about what the defaults that replaced them lead to.
mod mistakes {
    use super::*;

    /// (code, line, column) of every diagnostic of a failing script.
    fn found(script: &str) -> Vec<(String, u32, u32)> {
        match run(script) {
            Ok(_) => panic!("script should fail:\n{script}"),
            Err(diagnostics) => diagnostics
                .iter()
                .map(|d| {
                    let origin =
                        d.origin.clone().unwrap_or_else(|| zat_model::Origin::new("", 0, 0));
                    (d.code.clone(), origin.line, origin.column)
                })
                .collect(),
        }
    }

    fn codes(expected: &[(&str, u32, u32)]) -> Vec<(String, u32, u32)> {
        expected.iter().map(|(c, l, k)| ((*c).to_owned(), *l, *k)).collect()
    }

    #[test]
    fn three_independent_mistakes_give_three_diagnostics_at_key_and_values() {
        let script = "let site = fleet(\"MYCOM\");
let db = site.security_database(\"PLEX1\");
let ring = db.keyring(\"OMVSADM\", \"ATTLS\", #{ access: \"public\" });
let lpar = site.lpar(\"SYSA\", #{
    pagnet: #{ jobname: \"P\" },
});
let tcpip = lpar.stack(\"TCPIP\");
tcpip.rule(\"IN\", #{ direction: \"inbound\", local_port: 9443, trace: \"high\" });
";
        assert_eq!(
            found(script),
            codes(&[("ZAT0006", 3, 54), ("ZAT0004", 5, 5), ("ZAT0005", 8, 68)])
        );
        let diagnostics = run(script).err().unwrap_or_default();
        assert!(
            diagnostics[1].help.as_deref().unwrap_or_default().contains("did you mean `pagent`")
        );
    }

    #[test]
    fn a_value_at_fault_does_not_also_count_as_missing() {
        let script = "let site = fleet(\"F\");
let a = site.security_database(\"A\");
let b = site.security_database(\"B\");
site.lpar(\"SYSA\", #{ security_database: 42 }).stack(\"TCPIP\").rule(\"R\", #{ direction: \"sideways\" });
let s = site.lpar(\"SYSB\", #{ security_database: a }).stack(\"TCPIP\");
s.api_requester(\"P\", #{ jobname: \"P\", userid: 7, server: \"Z\", keyring: \"NOSLASH\", basic_auth: \"secret\" });
";
        assert_eq!(
            found(script),
            codes(&[
                ("ZAT0005", 4, 41),
                ("ZAT0006", 4, 86),
                ("ZAT0005", 6, 47),
                ("ZAT0006", 6, 72),
                ("ZAT0005", 6, 95),
            ])
        );
    }

    #[test]
    fn missing_options_are_reported_at_the_call_or_the_nested_key() {
        let script = "let site = fleet(\"F\");
let s = site.security_database(\"D\");
s.keyring(\"U\", \"R\");
let t = site.lpar(\"SYSA\").stack(\"TCPIP\");
t.api_requester(\"P\", #{ jobname: \"P\", server: \"Z\", keyring: \"U/R\", basic_auth: #{ username: \"u\" } });
";
        assert_eq!(found(script), codes(&[("ZAT0007", 5, 3), ("ZAT0007", 5, 68)]));
    }

    #[test]
    fn a_misspelt_required_key_is_one_mistake_not_also_a_missing_option() {
        let script = "let site = fleet(\"F\");\nsite.zos_connect_server(\"Z\", #{ hots: \"h\" });\nsite.zos_connect_server(\"Y\", #{ nickname: 1 });\n";
        // `hots` is `host` misspelt; `nickname` is near no option, so `host` is missing there.
        assert_eq!(
            found(script),
            codes(&[("ZAT0004", 2, 33), ("ZAT0007", 3, 6), ("ZAT0004", 3, 33)])
        );
    }

    #[test]
    fn a_map_held_in_a_variable_points_at_the_call() {
        let script = "let site = fleet(\"F\");\nsite.security_database(\"D\");\nlet opts = #{ pagnet: 1 };\nsite.lpar(\"SYSA\", opts);\n";
        assert_eq!(found(script), codes(&[("ZAT0004", 4, 6)]));
    }

    #[test]
    fn a_mistake_in_a_loop_is_reported_once() {
        let script = "let site = fleet(\"F\");\nsite.security_database(\"D\");\nfor i in 1..=3 { site.lpar(`S${i}`, #{ pagnet: 1 }); }\n";
        assert_eq!(found(script), codes(&[("ZAT0004", 3, 40)]));
    }

    #[test]
    fn a_second_fleet_and_a_foreign_certificate_do_not_stop_the_script() {
        let script = "let site = fleet(\"F\");
let again = fleet(\"G\");
let a = again.security_database(\"A\");
let b = site.security_database(\"B\");
let ca = a.certificate_authority(\"CA\");
b.keyring(\"U\", \"R\").connect(ca);
b.certificate(\"U\", \"C\", #{ signed_by: ca, size: \"big\" });
";
        assert_eq!(
            found(script),
            codes(&[
                ("ZAT0009", 2, 13),
                ("ZAT0011", 6, 21),
                ("ZAT0011", 7, 39),
                ("ZAT0005", 7, 49)
            ])
        );
    }
}

#[test]
fn security_levels_take_the_settings_import_needs() {
    let fleet = run_ok(&format!(
        "{HEADER}site.security_level(\"L\", #{{ system_ssl_ciphers: true, client_auth: \"full\", \
         application_controlled: true, renegotiation: \"disabled\", key_share_groups: [\"0023\"], \
         environment_user_instance: 0 }});\nsite.security_level(\"D\");\n"
    ));
    let level = fleet.security_level("L").expect("L");
    assert!(level.ciphers.is_empty(), "no list: System SSL's default applies");
    assert!(level.settings.system_ssl_ciphers);
    assert_eq!(level.settings.client_auth_type.as_deref(), Some("Full"));
    assert_eq!(level.settings.application_controlled, Some(true));
    assert_eq!(level.settings.renegotiation.as_deref(), Some("Disabled"));
    assert_eq!(level.settings.key_share_groups, ["0023"]);
    assert_eq!(level.settings.environment_user_instance, Some(0));
    // Left out, nothing is set.
    assert_eq!(fleet.security_level("D").expect("D").settings, zat_model::LevelSettings::default());
    let bad =
        run(&format!("{HEADER}site.security_level(\"L\", #{{ client_auth: \"sometimes\" }});\n"));
    assert!(bad.is_err());
}

/// A script file that is not UTF-8 is a mistake in the script at the first invalid byte
/// (line and column in characters), not a file zat could not read.
#[test]
fn a_script_that_is_not_utf8_is_an_error_at_the_first_invalid_byte() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("latin1.rhai");
    std::fs::write(&path, b"let site = fleet(\"A\");\nlet x = \"\xc3\xa9t\xe9\";\n")
        .expect("written");
    let diagnostics = crate::run_file(&path, &options()).expect_err("not UTF-8");
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d.code, "ZAT0002", "{d:#?}");
    let origin = d.origin.as_ref().expect("a place in the script");
    assert_eq!((origin.line, origin.column), (2, 12), "{d:#?}");
    assert!(d.message.contains("0xE9"), "{d:#?}");
}

/// A byte order mark before the script (Windows editors) is skipped, and columns of the first
/// line count from the character after it.
#[test]
fn a_leading_byte_order_mark_is_skipped_and_columns_stay_right() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("bom.rhai");
    std::fs::write(&path, b"\xef\xbb\xbflet site = fleet(\"A\"); site.lpar(\"SYSA\", 5);\n")
        .expect("written");
    let diagnostics = crate::run_file(&path, &options()).expect_err("a wrong argument");
    let origin = diagnostics[0].origin.as_ref().expect("a place in the script");
    assert_eq!((diagnostics[0].code.as_str(), origin.line, origin.column), ("ZAT0003", 1, 29));
    std::fs::write(&path, b"\xef\xbb\xbflet site = fleet(\"A\");\n").expect("written");
    assert_eq!(crate::run_file(&path, &options()).expect("runs").name, "A");
    assert_eq!(run_ok("\u{feff}let site = fleet(\"B\");\n").name, "B");
}

/// What a script throws is shown in the script's words: a handle by what it stands for, not
/// its Rust type; a string with its terminal escapes and hidden characters made visible.
#[test]
fn thrown_values_are_described_in_script_terms_and_made_printable() {
    let (code, line, message) = fail(&format!("{HEADER}throw site;\n"));
    assert_eq!((code.as_str(), line), ("ZAT0041", 3));
    assert_eq!(message, "the script threw a fleet");
    let (_, _, message) = fail(&format!("{HEADER}throw db;\n"));
    assert_eq!(message, "the script threw a security database");
    let (_, _, message) = fail(&format!("{HEADER}throw \"red \\x1b[31m \\u202e end\";\n"));
    assert_eq!(message, "the script threw \"red ?[31m ? end\"");
    assert!(!message.contains('\u{1b}'));
}

/// A builder that takes no options says so, not "accepted options: " with nothing after it.
#[test]
fn an_option_given_to_a_builder_without_options_says_it_takes_none() {
    let script = format!("{HEADER}db.existing_certificate(\"CERTAUTH\", \"ROOT\", #{{ a: 1 }});\n");
    let diagnostics = run(&script).expect_err("an unknown option");
    assert_eq!(diagnostics[0].code, "ZAT0004", "{diagnostics:#?}");
    let help = diagnostics[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("takes no options"), "{help}");
    assert!(!help.contains("accepted options"), "{help}");
}
