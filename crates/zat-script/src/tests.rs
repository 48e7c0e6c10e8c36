//! Unit tests of the runtime: builders, option checks, origins, sandbox limits, imports, params.

use std::path::Path;
use std::time::Duration;

use zat_model::{
    CertOwner, CertSource, Diagnostic, Direction, Fleet, HandshakeRole, PortRange, Usage,
};

use crate::{ScriptOptions, run_source};

const HEADER: &str = "let site = fleet(\"MYCOM\");\nlet db = site.security_database(\"PLEX1\");\n";

fn options() -> ScriptOptions {
    ScriptOptions { timeout: Duration::from_secs(5), ..ScriptOptions::default() }
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
    assert_eq!(lpar.pagent.refresh_interval, 1800);
    assert_eq!(lpar.syslog.config_path, "/etc/syslog.conf");
    assert_eq!(lpar.syslog.attls_log, "/var/log/attls.log");
    assert_eq!(lpar.syslog.pagent_log, "/var/log/pagent.log");
    assert_eq!(
        (lpar.syslog.attls_level.as_str(), lpar.syslog.pagent_level.as_str()),
        ("info", "info")
    );
    assert!(lpar.stacks[0].ttls);
    assert_eq!(fleet.security_databases[0].esm, zat_model::Esm::Racf);
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
    assert_eq!((origin.file.as_str(), origin.line, origin.column), ("t.rhai", 4, 17));
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
        fail("let site = fleet(\"F\");\nsite.security_database(\"D\", #{ esm: \"racx\" });\n");
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

#[test]
fn a_huge_string_is_refused() {
    let (code, _, message) = fail("let s = \"x\";\nfor i in 0..40 { s += s; }\n");
    assert_eq!(code, "ZAT0023", "{message}");
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

    options.params.insert("lpars".to_owned(), "many".to_owned());
    let (code, line, message) = fail_with(script, &options);
    assert_eq!((code.as_str(), line), ("ZAT0010", 3));
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

    const LIB: &str = "fn level(site) { site.security_level(\"LIB\") }\nfn broken(site) { site.lpar(\"X\", #{ nope: 1 }) }\n";

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
        let script =
            "import \"lib/levels\" as levels;\nlet site = fleet(\"F\");\nlevels::broken(site);\n";
        let diagnostics =
            run_source("fleet.rhai", script, dir.path(), &options()).err().unwrap_or_default();
        let origin = diagnostics[0].origin.clone().expect("origin");
        assert!(origin.file.ends_with("lib/levels.rhai"), "{origin}");
        assert_eq!((diagnostics[0].code.as_str(), origin.line), ("ZAT0004", 2));
        assert!(diagnostics[0].help.as_deref().unwrap_or_default().contains("fleet.rhai:3"));
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
