//! Connections that are really protected: trust no wider than asked, every rule's ring
//! openable by its users, rules no wider than the connection, every intended connection on its
//! own rule (mapped by the effective-policy engine on the policy the build wrote), no server
//! port left open in clear, and certificate expiry against a date the caller gives.

use std::path::{Path, PathBuf};

use zat_model::Diagnostic;

/// The seed with the server outside the fleet (no address for it).
const REQUESTER_SIDE: &str = "examples/zos-connect-requester/requester-side.rhai";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds a script in process with the built-in emitters, as `zat build` would.
fn build(script: &Path, today: Option<(i32, u32, u32)>) -> zat_driver::Outcome {
    let mut inputs = zat_driver::Inputs::new(script);
    inputs.zat_version = zat_test_support::ZAT_VERSION.to_owned();
    if let Some(today) = today {
        inputs.checks.today = today;
    }
    zat_driver::build(&inputs, zat_driver::builtins(zat_plugin_host::PluginSet::builder()))
}

/// The seed example as the requester's side alone sees it, with `edit` applied.
fn seed_with(edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(root().join(REQUESTER_SIDE)).expect("read the seed example");
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changes the script");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fleet.rhai");
    std::fs::write(&path, edited).expect("write");
    (dir, path)
}

fn with_code<'d>(diagnostics: &'d [Diagnostic], code: &str) -> Vec<&'d Diagnostic> {
    diagnostics.iter().filter(|d| d.code == code).collect()
}

fn line_of(script: &Path, needle: &str) -> u32 {
    let text = std::fs::read_to_string(script).expect("read");
    let at = text.lines().position(|l| l.contains(needle)).expect("needle in script");
    u32::try_from(at + 1).expect("line")
}

#[test]
fn every_intended_connection_of_every_example_lands_on_its_own_rule() {
    for script in
        ["examples/zos-connect-requester/fleet.rhai", REQUESTER_SIDE, "scripts/fleet.rhai"]
    {
        let outcome = build(&root().join(script), Some((2026, 12, 1)));
        let built =
            outcome.result.unwrap_or_else(|f| panic!("{script}: {f:?} {:#?}", outcome.diagnostics));
        let files: Vec<zat_core::BundleFile> = built.bundle.files().cloned().collect();
        let checked = zat_driver::check_connections(&built.fleet, &files);
        let requesters: usize =
            built.fleet.lpars.iter().flat_map(|l| &l.stacks).map(|s| s.api_requesters.len()).sum();
        assert!(checked.connections >= requesters && requesters > 0, "{script}: {checked:?}");
        assert!(checked.stacks > 0);
        assert!(checked.diagnostics.is_empty(), "{script}: {:#?}", checked.diagnostics);
    }
}

/// Two requesters with one job name and port give two rules with the same conditions: one of
/// them never matches. Before this check, `check` passed and its CEEOPTS claimed it. Which one
/// wins is fixed by the stable priorities (a hash of the rule name within the band, so that
/// adding a rule moves no other), not by the order of the script.
#[test]
fn a_requester_shadowed_by_another_is_an_error_at_its_line() {
    let (_dir, script) = seed_with(|s| {
        s + "tcpip.api_requester(\"BILLING\", #{ jobname: \"BIL*\", userid: \"OMVSADM\", server: zcee, keyring: ring });\n\
             tcpip.api_requester(\"BILLING2\", #{ jobname: \"BIL*\", userid: \"OMVSADM\", server: zcee, keyring: ring });\n"
    });
    let outcome = build(&script, Some((2026, 12, 1)));
    assert_eq!(outcome.result.err(), Some(zat_driver::Failure::Input));
    let found = with_code(&outcome.diagnostics, zat_driver::CODE_WRONG_RULE);
    assert_eq!(found.len(), 1, "{:#?}", outcome.diagnostics);
    let (shadowed, winner) = if found[0].message.contains("api requester BILLING2 ") {
        ("\"BILLING2\"", "BILLING_OUT")
    } else {
        ("\"BILLING\"", "BILLING2_OUT")
    };
    assert!(found[0].message.contains(&format!("lands on rule {winner}")), "{}", found[0].message);
    assert_eq!(found[0].origin.as_ref().map(|o| o.line), Some(line_of(&script, shadowed)));
}

/// A rule written narrower than a rule of higher priority is never reached.
#[test]
fn a_script_rule_that_a_wider_rule_takes_first_is_an_error() {
    let (_dir, script) = seed_with(|s| {
        s + "tcpip.rule(\"WIDE\", #{ direction: \"outbound\", remote_port: 9443, keyring: ring, priority: 900000 });\n\
             tcpip.rule(\"NARROW\", #{ direction: \"outbound\", remote_port: 9443, jobname: \"NARROW\", userid: \"OMVSADM\", keyring: ring, priority: 100 });\n"
    });
    let outcome = build(&script, Some((2026, 12, 1)));
    let found = with_code(&outcome.diagnostics, zat_driver::CODE_WRONG_RULE);
    let narrow = found.iter().find(|d| d.message.contains("rule NARROW is written for"));
    assert!(
        narrow.is_some_and(|d| d.message.contains("lands on rule WIDE")),
        "{:#?}",
        outcome.diagnostics
    );
}

/// A rule that an exception at a higher priority carves one job name out of: its own
/// connection (`PAY*` read as `PAY`) lands on the exception, but jobs `PAYROLL` and the rest
/// reach it, so it is not shadowed. With the exception as wide as the rule, it is.
#[test]
fn a_rule_an_exception_takes_part_of_is_not_shadowed() {
    let script = |exception_job: &str| {
        format!(
            "let site = fleet(\"W\");\n\
             let db = site.security_database(\"PLEX1\", #{{ esm: \"racf\" }});\n\
             let lvl = site.security_level(\"modern\", #{{ tls: [\"1.2\"], system_ssl_ciphers: true }});\n\
             let ring = db.keyring(\"PAYUSR\", \"PayRing\");\n\
             let stack = site.lpar(\"SYSA\", #{{ security_database: db }}).stack(\"TCPIP\");\n\
             stack.rule(\"PayExact\", #{{ direction: \"outbound\", jobname: \"{exception_job}\", remote_port: 9080, priority: 800, enabled: false }});\n\
             stack.rule(\"PayAll\", #{{ direction: \"outbound\", jobname: \"PAY*\", userid: \"PAYUSR\", remote_port: 9080, priority: 700, role: \"client\", keyring: ring, level: lvl }});\n"
        )
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("w.rhai");
    std::fs::write(&path, script("PAY")).expect("write");
    let outcome = build(&path, Some((2026, 12, 1)));
    assert!(
        with_code(&outcome.diagnostics, zat_driver::CODE_WRONG_RULE).is_empty(),
        "{:#?}",
        outcome.diagnostics
    );
    let built = outcome.result.expect("builds");
    let files: Vec<zat_core::BundleFile> = built.bundle.files().cloned().collect();
    let checked = zat_driver::check_connections(&built.fleet, &files);
    assert_eq!(checked.connections, 2);
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);

    std::fs::write(&path, script("PAY*")).expect("write");
    let outcome = build(&path, Some((2026, 12, 1)));
    assert_eq!(outcome.result.err(), Some(zat_driver::Failure::Input));
    let found = with_code(&outcome.diagnostics, zat_driver::CODE_WRONG_RULE);
    assert_eq!(found.len(), 1, "{:#?}", outcome.diagnostics);
    assert!(
        found[0]
            .message
            .contains("every connection rule PayAll is written for lands on rule PayExact"),
        "{}",
        found[0].message
    );
    assert_eq!(found[0].origin.as_ref().map(|o| o.line), Some(line_of(&path, "\"PayAll\"")));
}

/// The multi-LPAR script: no CA crosses into a ring unless the script connected it or a
/// connection needs it. PARTNERCA (for the partner's server) is not on ZCEE1's ring.
#[test]
fn trust_is_no_wider_than_the_connections_need() {
    let fleet = zat_script::run_file(
        &root().join("scripts/fleet.rhai"),
        &zat_script::ScriptOptions::default(),
    )
    .expect("the script runs");
    let written: Vec<(String, String, Vec<String>)> = fleet
        .security_databases
        .iter()
        .flat_map(|db| {
            db.keyrings.iter().map(move |r| {
                (
                    db.name.clone(),
                    format!("{}/{}", r.owner, r.name),
                    r.connections.iter().map(|c| c.label.clone()).collect(),
                )
            })
        })
        .collect();
    let prepared = zat_core::prepare_with(
        fleet,
        &zat_core::Checks { today: (2026, 12, 1), expiry_window_days: 90 },
    );
    let labels = |db: &str, ring: &str| -> Vec<String> {
        let db = prepared.fleet.security_database(db).expect("db");
        let (owner, name) = ring.split_once('/').expect("owner/name");
        db.keyring(owner, name).expect("ring").connections.iter().map(|c| c.label.clone()).collect()
    };
    let server_ring = labels("PLEX1", "ZCEESRV/ZCEE-KEYRING");
    assert!(!server_ring.contains(&"PARTNERCA".to_owned()), "{server_ring:?}");
    // Whatever expansion added is the chain of a certificate a connection presents.
    for (db, ring, script_labels) in written {
        for label in labels(&db, &ring) {
            let chains = ["PLEX1CA", "PLEX2CA"];
            assert!(
                script_labels.contains(&label) || chains.contains(&label.as_str()),
                "{db} {ring}: {label} was added without a connection that needs it"
            );
        }
    }
}

/// A rule whose job runs as a user that is not the ring's owner, in a role that needs the
/// owner's private key, on a ring with FACILITY access: refused at the rule's line. With
/// RDATALIB access, zat permits the user instead. Without a user ID, a warning.
#[test]
fn every_rule_ring_is_openable_by_its_users_or_refused() {
    let rule = |userid: &str| {
        format!(
            "let app = sysa.stack(\"TCPAPP\", #{{ ttls: true }});\napp.rule(\"MQ_IN\", #{{ direction: \"inbound\", local_port: 1414, jobname: \"MQ*\",{userid} keyring: ring }});\n"
        )
    };
    let (_d, script) = seed_with(|s| s + rule(" userid: \"MQSTC\",").as_str());
    let outcome = build(&script, Some((2026, 12, 1)));
    let found = with_code(&outcome.diagnostics, "ZAT0316");
    assert_eq!(found.len(), 1, "{:#?}", outcome.diagnostics);
    assert!(found[0].is_error() && found[0].message.contains("MQSTC"), "{}", found[0].message);
    assert_eq!(found[0].origin.as_ref().map(|o| o.line), Some(line_of(&script, "\"MQ_IN\"")));

    let (_d, script) = seed_with(|s| {
        s.replace(
            "plex.keyring(\"OMVSADM\", \"ZOSCONN-APIR-KEYRING\")",
            "plex.keyring(\"OMVSADM\", \"ZOSCONN-APIR-KEYRING\", #{ access: \"rdatalib\" })",
        ) + rule(" userid: \"MQSTC\",").as_str()
    });
    let outcome = build(&script, Some((2026, 12, 1)));
    assert!(with_code(&outcome.diagnostics, "ZAT0316").is_empty(), "{:#?}", outcome.diagnostics);
    let built = outcome.result.expect("builds");
    let grant = built.fleet.security_databases[0]
        .ring_access
        .iter()
        .find(|g| g.user == "MQSTC")
        .expect("MQSTC is permitted to the ring");
    assert_eq!(grant.profile, "OMVSADM.ZOSCONN-APIR-KEYRING.LST");

    let (_d, script) = seed_with(|s| s + rule("").as_str());
    let outcome = build(&script, Some((2026, 12, 1)));
    let found = with_code(&outcome.diagnostics, "ZAT0317");
    assert_eq!(found.len(), 1, "{:#?}", outcome.diagnostics);
    assert!(!found[0].is_error());
}

/// A requester whose server has no address gets a rule for that port on every host: warned
/// at the requester's line, with the fix; with the address, the rule names it.
#[test]
fn an_outbound_rule_without_the_servers_address_is_warned() {
    let (_d, script) = seed_with(|s| {
        s.replace(
            "host: \"zceeserver.mycom.com\",",
            "host: \"zceeserver.mycom.com\",\n    ip: \"192.0.2.10\",",
        )
    });
    let outcome = build(&script, Some((2026, 12, 1)));
    assert!(with_code(&outcome.diagnostics, "ZAT0318").is_empty());
    let built = outcome.result.expect("builds");
    let rule = &built.fleet.lpars[0].stacks[0].rules[0];
    assert_eq!(rule.remote_addr.as_deref(), Some("192.0.2.10"));

    let outcome = build(&root().join(REQUESTER_SIDE), Some((2026, 12, 1)));
    let found = with_code(&outcome.diagnostics, "ZAT0318");
    assert_eq!(found.len(), 1);
    assert!(found[0].help.as_deref().is_some_and(|h| h.contains("ip:")));
}

/// Expiry is checked against the date given, so a build does not change with the calendar.
#[test]
fn certificate_expiry_uses_the_date_given() {
    let script = root().join("scripts/fleet.rhai");
    // 2030-12-31 is the server certificate's not_after.
    let quiet = build(&script, Some((2026, 12, 1)));
    assert!(with_code(&quiet.diagnostics, "ZAT0322").is_empty());
    let soon = build(&script, Some((2030, 11, 1)));
    let found = with_code(&soon.diagnostics, "ZAT0322");
    assert!(
        found.iter().any(|d| d.message.contains("ZCEE1-SERVER") && d.message.contains("60 days")),
        "{found:#?}"
    );
    assert!(soon.result.is_ok(), "a warning only");
    let late = build(&script, Some((2031, 1, 1)));
    assert!(with_code(&late.diagnostics, "ZAT0163").iter().all(|d| d.is_error()));
    assert!(late.result.is_err());
}

/// With TLS in Liberty the clear-text port is closed; with an inbound AT-TLS policy the HTTP
/// port is the one the rule protects and HTTPS is closed.
#[test]
fn server_xml_leaves_no_port_open_in_clear() {
    let outcome = build(&root().join("scripts/fleet.rhai"), Some((2026, 12, 1)));
    let built = outcome.result.expect("builds");
    let xml: Vec<String> = built
        .bundle
        .files()
        .filter(|f| f.path.ends_with(".server.xml"))
        .map(|f| String::from_utf8_lossy(&f.content).into_owned())
        .collect();
    assert!(!xml.is_empty());
    for text in &xml {
        let endpoint = text.lines().find(|l| l.contains("<httpEndpoint")).expect("endpoint");
        assert!(
            endpoint.contains("httpPort=\"-1\"") || endpoint.contains("httpsPort=\"-1\""),
            "{endpoint}"
        );
    }
}

/// The seed example models both sides: the z/OS Connect server's LPAR, ring and certificate
/// are in the fleet, and its server.xml uses that ring through `safkeyring`, with Liberty doing
/// TLS on the HTTPS port that BAQPORT names.
#[test]
fn the_seed_example_builds_both_sides() {
    let outcome =
        build(&root().join("examples/zos-connect-requester/fleet.rhai"), Some((2026, 12, 1)));
    let built = outcome.result.expect("the seed example builds");
    let xml = built
        .bundle
        .files()
        .find(|f| f.path == "lpars/SYSZ/zosconnect/ZCEE.server.xml")
        .map(|f| String::from_utf8_lossy(&f.content).into_owned())
        .expect("the server's server.xml");
    assert!(xml.contains("location=\"safkeyring://ZCEESRV/ZCEE-KEYRING\""), "{xml}");
    assert!(xml.contains("serverKeyAlias=\"ZCEESERVER\""), "{xml}");
    assert!(xml.contains("httpsPort=\"9443\""), "{xml}");
    let requester = &built.fleet.lpars[0].stacks[0].api_requesters[0];
    assert_eq!(requester.expansion.as_ref().map(|e| e.baqport), Some(9443));
    // Each side trusts the other's CA through the data sets the two setups exchange.
    let ring = |db: &str, owner: &str, name: &str| -> Vec<String> {
        let db = built.fleet.security_database(db).expect("db");
        db.keyring(owner, name).expect("ring").connections.iter().map(|c| c.label.clone()).collect()
    };
    assert!(ring("ZCEEPLEX", "ZCEESRV", "ZCEE-KEYRING").contains(&"IMSCA".to_owned()));
    assert!(ring("PLEX1", "OMVSADM", "ZOSCONN-APIR-KEYRING").contains(&"ZCEECA".to_owned()));
}

/// The fleet chooses the release whose Policy Agent defaults apply to an LPAR's policy: a
/// release the script names is what `zat why` reports the defaults of.
#[test]
fn the_fleet_chooses_the_release_of_the_policy_defaults() {
    let (_d, script) = seed_with(|s| {
        s.replace(
            "let sysa = site.lpar(\"SYSA\", #{ security_database: plex });",
            "let sysa = site.lpar(\"SYSA\", #{ security_database: plex, pagent: #{ release: \"2.4\" } });",
        )
    });
    let built = build(&script, Some((2026, 12, 1))).result.expect("builds");
    assert_eq!(built.fleet.lpars[0].pagent.release.as_deref(), Some("2.4"));
    let (all, _) = zat_driver::installed(&built.fleet, &zat_policy::Options::default())
        .expect("the policy renders");
    assert_eq!(all[0].policy.release, zat_policy::Release::V2R4);
    let (_d, plain) = seed_with(|s| s + "\n");
    let built = build(&plain, Some((2026, 12, 1))).result.expect("builds");
    let (all, _) = zat_driver::installed(&built.fleet, &zat_policy::Options::default())
        .expect("the policy renders");
    assert_eq!(all[0].policy.release, zat_policy::Release::V3R1);
}

/// A default the script sets that no object takes is a warning at the `defaults` call, as a
/// misspelt key would be; a default that is used is not.
#[test]
fn a_default_the_fleet_never_uses_is_a_warning() {
    let with_own_dir = |own: bool| {
        seed_with(move |s| {
            let lpar = if own {
                "let sysa = site.lpar(\"SYSA\", #{ security_database: plex, pagent: #{ config_dir: \"/etc/own\" } });"
            } else {
                "let sysa = site.lpar(\"SYSA\", #{ security_database: plex });"
            };
            s.replace(
                "let site = fleet(\"MYCOM\");",
                "let site = fleet(\"MYCOM\");\nsite.defaults(#{ pagent_dir: \"/u/pagent\" });",
            )
            .replace("let sysa = site.lpar(\"SYSA\", #{ security_database: plex });", lpar)
        })
    };
    let (_d, script) = with_own_dir(true);
    let outcome = build(&script, Some((2026, 12, 1)));
    let found = with_code(&outcome.diagnostics, "ZAT0173");
    assert_eq!(found.len(), 1, "{:#?}", outcome.diagnostics);
    assert!(found[0].message.contains("defaults.pagent_dir"), "{}", found[0].message);
    assert_eq!(found[0].origin.as_ref().map(|o| o.line), Some(line_of(&script, "site.defaults(")));
    let (_d, script) = with_own_dir(false);
    let outcome = build(&script, Some((2026, 12, 1)));
    assert!(with_code(&outcome.diagnostics, "ZAT0173").is_empty(), "{:#?}", outcome.diagnostics);
}

/// A z/OS Connect server whose job name is a pattern (`ZCEE*`) is a listener for any job it
/// matches: an exception at a higher priority for job `ZCEE` alone (the name the pattern
/// reads as) takes part of them, and the server's rule still protects the rest. An exception
/// as wide as the pattern takes them all, and a server named by its one job (`ZCEE`) is the
/// concrete connection the exception takes.
#[test]
fn a_listener_with_a_job_name_pattern_an_exception_takes_part_of_is_not_shadowed() {
    let script = |server_job: &str, exception_job: &str| {
        format!(
            "let site = fleet(\"W\");\n\
             let db = site.security_database(\"PLEX1\", #{{ esm: \"racf\" }});\n\
             let lvl = site.security_level(\"modern\", #{{ tls: [\"1.2\"], system_ssl_ciphers: true }});\n\
             let ca = db.certificate_authority(\"ZCA\", #{{ subject: #{{ CN: \"ZCA\", O: \"W\", C: \"US\" }} }});\n\
             let cert = db.certificate(\"ZCEEUSR\", \"ZCEECERT\", #{{ subject: #{{ CN: \"ZCEE\" }}, signed_by: ca }});\n\
             let ring = db.keyring(\"ZCEEUSR\", \"ZRING\");\n\
             ring.connect(ca);\n\
             ring.connect_default(cert);\n\
             let stack = site.lpar(\"SYSA\", #{{ security_database: db }}).stack(\"TCPIP\");\n\
             stack.rule(\"ZceeExact\", #{{ direction: \"inbound\", jobname: \"{exception_job}\", local_port: 9080, priority: 1000000, enabled: false }});\n\
             let zcee = site.zos_connect_server(\"ZCEE\", #{{ host: \"zcee.w.com\", lpar: \"SYSA\", stack: \"TCPIP\", inbound_attls: true, http_port: 9080, jobname: \"{server_job}\", userid: \"ZCEEUSR\", keyring: ring, level: lvl }});\n"
        )
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("w.rhai");
    let wrong = |server_job: &str, exception_job: &str| {
        std::fs::write(&path, script(server_job, exception_job)).expect("write");
        let outcome = build(&path, Some((2026, 12, 1)));
        let found: Vec<String> = with_code(&outcome.diagnostics, zat_driver::CODE_WRONG_RULE)
            .iter()
            .filter(|d| {
                d.origin.as_ref().map(|o| o.line) == Some(line_of(&path, "zos_connect_server"))
            })
            .map(|d| d.message.clone())
            .collect();
        (found, outcome)
    };
    let (found, outcome) = wrong("ZCEE*", "ZCEE");
    assert!(found.is_empty(), "{found:#?}");
    assert!(
        with_code(&outcome.diagnostics, zat_driver::CODE_WRONG_RULE).is_empty(),
        "{:#?}",
        outcome.diagnostics
    );
    let (found, _) = wrong("ZCEE*", "ZCEE*");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("lands on rule ZceeExact"), "{}", found[0]);
    let (found, _) = wrong("ZCEE", "ZCEE");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("lands on rule ZceeExact"), "{}", found[0]);
}

/// An API requester whose job name is a pattern (`APP*`) calls from any job it matches: an
/// exception at a higher priority for job `APP` alone (the name the pattern reads as) takes
/// part of those calls, and the requester's rule still protects the rest. An exception as wide
/// as the pattern takes them all, and a requester named by its one job (`APP`) is the concrete
/// call the exception takes.
#[test]
fn a_requester_with_a_job_name_pattern_an_exception_takes_part_of_is_not_shadowed() {
    let wrong = |requester_job: &str, exception_job: &str| {
        let (dir, script) = seed_with(|s| {
            s + format!(
                "tcpip.rule(\"AppExact\", #{{ direction: \"outbound\", jobname: \"{exception_job}\", remote_port: 9443, priority: 1000000, enabled: false }});\n\
                 tcpip.api_requester(\"APPREQ\", #{{ jobname: \"{requester_job}\", userid: \"OMVSADM\", server: zcee, keyring: ring }});\n"
            )
            .as_str()
        });
        let outcome = build(&script, Some((2026, 12, 1)));
        let found: Vec<String> = with_code(&outcome.diagnostics, zat_driver::CODE_WRONG_RULE)
            .iter()
            .filter(|d| d.origin.as_ref().map(|o| o.line) == Some(line_of(&script, "\"APPREQ\"")))
            .map(|d| d.message.clone())
            .collect();
        drop(dir);
        (found, outcome)
    };
    let (found, outcome) = wrong("APP*", "APP");
    assert!(found.is_empty(), "{found:#?}");
    assert!(
        with_code(&outcome.diagnostics, zat_driver::CODE_WRONG_RULE).is_empty(),
        "{:#?}",
        outcome.diagnostics
    );
    assert!(outcome.result.is_ok(), "{:#?}", outcome.diagnostics);
    let (found, outcome) = wrong("APP*", "APP*");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("every call of api requester APPREQ (jobs APP*)"), "{}", found[0]);
    assert!(found[0].contains("lands on rule AppExact"), "{}", found[0]);
    assert_eq!(outcome.result.err(), Some(zat_driver::Failure::Input));
    let (found, _) = wrong("APP", "APP");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("the call of api requester APPREQ (job APP)"), "{}", found[0]);
    assert!(found[0].contains("lands on rule AppExact"), "{}", found[0]);
}
