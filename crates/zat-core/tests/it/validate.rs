//! Validation: each rule breaks once and is reported with its code and script origin.

use zat_core::{fixtures, prepare};
use zat_model::{Diagnostic, Fleet, PortRange, Rule};

/// Applies `change` to the raw seed fleet and returns the error diagnostics.
fn errors_after(change: impl FnOnce(&mut Fleet)) -> Vec<Diagnostic> {
    let mut fleet = fixtures::seed_raw();
    change(&mut fleet);
    prepare(fleet).diagnostics.into_iter().filter(Diagnostic::is_error).collect()
}

#[track_caller]
fn check(change: impl FnOnce(&mut Fleet), code: &str, line: u32) {
    let errors = errors_after(change);
    assert!(
        errors.iter().any(|d| d.code == code && d.origin.as_ref().map(|o| o.line) == Some(line)),
        "expected {code} at line {line}, got {errors:#?}"
    );
}

fn extra_rule<'a>(fleet: &'a mut Fleet, name: &str, line: u32) -> &'a mut Rule {
    let stack = &mut fleet.lpars[0].stacks[0];
    stack.rules.push(Rule {
        name: name.into(),
        direction: zat_model::Direction::Inbound,
        local_addr: None,
        remote_addr: None,
        local_port: Some(PortRange::single(8443)),
        remote_port: None,
        jobname: None,
        userid: None,
        priority: Some(500),
        enabled: true,
        role: zat_model::HandshakeRole::Server,
        keyring: Some(zat_model::RingRef {
            owner: "OMVSADM".into(),
            name: "ZOSCONN-APIR-KEYRING".into(),
        }),
        certificate_label: None,
        server_certificate_label: None,
        level: "MODERN".into(),
        trace: 2,
        source: zat_model::RuleSource::Script,
        origin: zat_model::Origin::new("seed.rhai", line, 5),
    });
    stack.rules.last_mut().expect("just pushed")
}

#[test]
fn seed_is_clean() {
    assert_eq!(errors_after(|_| {}), Vec::new());
}

#[test]
fn existing_certificates_are_clean_and_never_exported() {
    // An existing CA and an existing DEFAULT personal certificate: no subject, key, dates or
    // signer to check, and the DEFAULT has its private key on z/OS.
    let prepared = fixtures::existing();
    let problems: Vec<&Diagnostic> =
        prepared.diagnostics.iter().filter(|d| d.code.starts_with("ZAT01")).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(!prepared.has_errors(), "{:#?}", prepared.diagnostics);
    let mut fleet = fixtures::existing_raw();
    fleet.security_databases[0].certificates[2].export = Some(zat_model::CertExport {
        dsn: "ATTLS.SRV.P12".into(),
        format: zat_model::ExportFormat::Pkcs12der,
        password_env: Some("PW".into()),
    });
    let errors = prepare(fleet).diagnostics;
    assert!(
        errors.iter().any(|d| d.code == "ZAT0169" && d.origin.as_ref().map(|o| o.line) == Some(6)),
        "{errors:#?}"
    );
}

#[test]
fn system_name_longer_than_8() {
    check(|f| f.lpars[0].name = "SYSTEMABC".into(), "ZAT0101", 19);
}

/// `#` starts a comment in the Policy Agent main and image files: a stack named `TCPIP#1`
/// would be read as `TcpImage TCPIP` with no image file, and get no AT-TLS policy.
#[test]
fn a_hash_in_what_the_policy_agent_main_file_names_is_an_error() {
    check(|f| f.lpars[0].stacks[0].name = "TCPIP#1".into(), "ZAT0117", 20);
    check(|f| f.lpars[0].pagent.config_dir = "/etc/pagent/#1".into(), "ZAT0117", 19);
    // A stack without AT-TLS is not named in those files.
    let errors = errors_after(|f| {
        let stack = &mut f.lpars[0].stacks[0];
        stack.name = "TCPIP#1".into();
        stack.ttls = false;
    });
    assert!(!errors.iter().any(|d| d.code == "ZAT0117"), "{errors:#?}");
}

/// BAQURI takes the host as written; an IPv6 address there is a warning, a host name or an
/// IPv4 address is not.
#[test]
fn an_ipv6_server_host_is_a_warning_for_baquri() {
    let warned = |host: &str| {
        let mut fleet = fixtures::seed_raw();
        fleet.zos_connect_servers[0].host = host.into();
        let prepared = prepare(fleet);
        assert!(!prepared.has_errors(), "{:#?}", prepared.diagnostics);
        prepared.diagnostics.iter().any(|d| d.code == "ZAT0321")
    };
    assert!(warned("2001:db8::10"));
    assert!(!warned("10.1.1.1"));
    assert!(!warned("zceeserver.mycom.com"));
}

#[test]
fn environment_user_instance_out_of_range() {
    for instance in [-5, 4_294_967_296] {
        check(
            |f| f.security_levels[0].settings.environment_user_instance = Some(instance),
            "ZAT0156",
            2,
        );
    }
    let errors =
        errors_after(|f| f.security_levels[0].settings.environment_user_instance = Some(0));
    assert!(!errors.iter().any(|d| d.code == "ZAT0156"), "{errors:#?}");
}

/// The syslog emitter writes only the eight syslogd priorities; `none` would pass the check
/// and fail the build.
#[test]
fn syslog_priority_none_is_refused_at_check() {
    check(|f| f.lpars[0].syslog.attls_level = "none".into(), "ZAT0116", 19);
}

#[test]
fn port_out_of_range() {
    check(|f| f.zos_connect_servers[0].http_port = 70000, "ZAT0110", 16);
}

#[test]
fn duplicate_rule_name() {
    check(
        |f| {
            extra_rule(f, "DUP", 30);
            extra_rule(f, "DUP", 31).local_port = Some(PortRange::single(8444));
        },
        "ZAT0120",
        31,
    );
}

#[test]
fn three_independent_errors_are_all_reported() {
    let errors = errors_after(|f| {
        f.lpars[0].name = "SYSTEMABC".into();
        f.zos_connect_servers[0].https_port = 0;
        f.security_databases[0].certificates[0].size = 1000;
    });
    let codes: Vec<&str> = errors.iter().map(|d| d.code.as_str()).collect();
    for code in ["ZAT0101", "ZAT0110", "ZAT0160"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}

#[test]
fn rule_without_condition() {
    check(
        |f| {
            let rule = extra_rule(f, "CATCHALL", 33);
            rule.local_port = None;
        },
        "ZAT0140",
        33,
    );
}

#[test]
fn priority_tie_between_overlapping_rules() {
    check(
        |f| {
            extra_rule(f, "FIRST", 34);
            extra_rule(f, "SECOND", 35);
        },
        "ZAT0144",
        35,
    );
}

#[test]
fn no_tie_when_ports_differ() {
    let errors = errors_after(|f| {
        extra_rule(f, "FIRST", 34);
        extra_rule(f, "SECOND", 35).local_port = Some(PortRange::single(9000));
    });
    assert!(errors.iter().all(|d| d.code != "ZAT0144"), "{errors:#?}");
}

#[test]
fn unknown_security_level() {
    check(|f| f.lpars[0].stacks[0].api_requesters[0].level = "NOPE".into(), "ZAT0130", 21);
}

#[test]
fn unknown_server() {
    check(|f| f.lpars[0].stacks[0].api_requesters[0].server = "NOPE".into(), "ZAT0130", 21);
}

#[test]
fn tls13_cipher_with_tls13_off() {
    check(|f| f.security_levels[0].protocols.tlsv1_3 = false, "ZAT0153", 2);
}

#[test]
fn bad_cipher_code() {
    check(|f| f.security_levels[0].ciphers.push("c02f".into()), "ZAT0152", 2);
}

#[test]
fn two_default_certificates_in_a_ring() {
    check(
        |f| {
            let ring = &mut f.security_databases[0].keyrings[0];
            ring.connections[0].default = true;
        },
        "ZAT0170",
        14,
    );
}

#[test]
fn signer_must_be_a_ca_defined_first() {
    check(|f| f.security_databases[0].certificates[1].signer = Some("NOCA".into()), "ZAT0133", 8);
    check(|f| f.security_databases[0].certificates.swap(0, 1), "ZAT0133", 8);
}

#[test]
fn an_imported_ca_cannot_sign() {
    // The seed's CA, added from a data set instead of generated: no private key to sign the
    // server certificate with.
    let import = |f: &mut Fleet| {
        f.security_databases[0].certificates[0].source =
            zat_model::CertSource::Import { dsn: "SYS2.PARTNER.CA".into() };
    };
    check(import, "ZAT0133", 8);
    let errors = errors_after(import);
    assert!(errors.iter().any(|d| d.message.contains("no private key")), "{errors:#?}");
}

/// A label an AT-TLS rule names has no blank: Policy Agent would read only its first word.
#[test]
fn label_with_blank() {
    check(
        |f| {
            f.security_databases[0].certificates[1].label = "Zowe Server".into();
            extra_rule(f, "NAMED", 30).certificate_label = Some("Zowe Server".into());
        },
        "ZAT0103",
        8,
    );
}

#[test]
fn expired_certificate() {
    check(
        |f| f.security_databases[0].certificates[0].not_after = Some("2001-01-01".into()),
        "ZAT0163",
        4,
    );
}

#[test]
fn server_rule_needs_default_or_label() {
    check(
        |f| {
            f.security_databases[0].keyrings[0].connections[1].default = false;
            extra_rule(f, "SRV", 36);
        },
        "ZAT0172",
        36,
    );
}

#[test]
fn bad_address() {
    check(|f| extra_rule(f, "ADDR", 37).remote_addr = Some("10.1.1.300".into()), "ZAT0111", 37);
}

/// An AT-TLS policy may not hold an IPv4-mapped IPv6 address nor one in `::/96` (the IpAddr
/// statement's rules): Policy Agent would install no new policy for the stack.
#[test]
fn ipv6_addresses_an_attls_rule_may_not_hold() {
    check(
        |f| extra_rule(f, "MAPPED", 37).remote_addr = Some("::ffff:10.1.1.1".into()),
        "ZAT0111",
        37,
    );
    check(|f| extra_rule(f, "COMPAT", 37).local_addr = Some("::10.1.1.2".into()), "ZAT0111", 37);
    check(
        |f| extra_rule(f, "RANGE", 37).local_addr = Some("fd00::1-::ffff:10.0.0.1".into()),
        "ZAT0111",
        37,
    );
    let mut fleet = fixtures::seed_raw();
    extra_rule(&mut fleet, "V6", 37).remote_addr = Some("fd00::1/64".into());
    assert!(!prepare(fleet).has_errors());
}

#[test]
fn obsolete_protocol_is_a_warning_not_an_error() {
    let mut fleet = fixtures::seed_raw();
    fleet.security_levels[0].protocols.tlsv1 = true;
    let prepared = prepare(fleet);
    assert!(!prepared.has_errors());
    assert!(prepared.diagnostics.iter().any(|d| d.code == "ZAT0151"));
}

#[test]
fn multi_is_clean() {
    let prepared = fixtures::multi();
    let errors: Vec<_> = prepared.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn scaled_fleet_is_clean_and_has_the_expected_size() {
    let prepared = prepare(fixtures::scaled_raw(3));
    let errors: Vec<_> = prepared.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let rules: usize =
        prepared.fleet.lpars.iter().flat_map(|l| &l.stacks).map(|s| s.rules.len()).sum();
    // 3 LPARs x 4 stacks x 10 requesters, plus the inbound rule of the one server with AT-TLS.
    assert_eq!(rules, 3 * 4 * 10 + 1);
}

#[test]
fn requester_names_are_unique_per_lpar_because_ceeopts_files_are() {
    let errors = errors_after(|f| {
        let mut second = f.lpars[0].stacks[0].clone();
        second.name = "TCPIPB".into();
        second.rules.clear();
        second.api_requesters[0].origin = zat_model::Origin::new("seed.rhai", 40, 3);
        f.lpars[0].stacks.push(second);
    });
    assert!(
        errors.iter().any(|d| d.code == "ZAT0120" && d.origin.as_ref().map(|o| o.line) == Some(40)),
        "{errors:#?}"
    );
}

#[test]
fn a_line_break_in_any_name_is_refused_at_its_object_once() {
    // The fleet name (line 1), a server name (16) and its reference in a requester (21).
    let errors = errors_after(|f| f.name = "MY\nPWN(1).".into());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "ZAT0106");
    assert!(errors[0].message.contains("line break"), "{}", errors[0].message);
    assert_eq!(errors[0].origin.as_ref().map(|o| o.line), Some(1));
    let errors = errors_after(|f| {
        f.zos_connect_servers[0].name = "ZC\nEVIL".into();
        f.lpars[0].stacks[0].api_requesters[0].server = "ZC\nEVIL".into();
    });
    assert_eq!(errors.iter().filter(|d| d.code == "ZAT0106").count(), 1, "{errors:#?}");
    assert!(errors.iter().all(|d| d.origin.as_ref().map(|o| o.line) == Some(16)), "{errors:#?}");
}

#[test]
fn control_bidi_and_code_page_characters_are_refused() {
    check(|f| f.zos_connect_servers[0].host = "zc\u{1}x.com".into(), "ZAT0106", 16);
    check(|f| f.lpars[0].name = "SYS\u{202e}A".into(), "ZAT0106", 19);
    check(|f| f.defaults.job.accounting = "NET!1".into(), "ZAT0106", 1);
    check(|f| f.lpars[0].syslog.attls_log = format!("/{}", "x".repeat(1100)), "ZAT0106", 19);
}

#[test]
fn tcpparms_with_a_member_is_refused() {
    let errors = errors_after(|f| f.defaults.tcpparms = "SYS1.TCPPARMS(ABC)".into());
    assert!(
        errors.iter().any(|d| d.code == "ZAT0114" && d.message.contains("names a member")),
        "{errors:#?}"
    );
    check(|f| f.defaults.hlq = "SYS2.ZAT(X)".into(), "ZAT0114", 1);
}

#[test]
fn host_names_and_server_names_have_their_shape() {
    check(|f| f.zos_connect_servers[0].host = "-bad-.com".into(), "ZAT0112", 16);
    assert_eq!(errors_after(|f| f.zos_connect_servers[0].host = "10.1.2.3".into()), Vec::new());
    check(|f| f.zos_connect_servers[0].name = "ZCEE 1".into(), "ZAT0104", 16);
}

#[test]
fn a_password_where_a_variable_name_belongs_is_refused() {
    for password in ["Secr3tpw", "hunter2", "s3cr3t!pw", "my password"] {
        check(
            |f| {
                f.security_databases[0].certificates[1].export = Some(zat_model::CertExport {
                    dsn: "ZCONN.CERT.P12".into(),
                    format: zat_model::ExportFormat::Pkcs12der,
                    password_env: Some(password.into()),
                });
            },
            "ZAT0107",
            8,
        );
        check(
            |f| {
                f.lpars[0].stacks[0].api_requesters[0].basic_auth = Some(zat_model::BasicAuth {
                    username: "PAYUSER".into(),
                    password_from: password.into(),
                });
            },
            "ZAT0107",
            21,
        );
    }
    let errors = errors_after(|f| {
        f.lpars[0].stacks[0].api_requesters[0].basic_auth = Some(zat_model::BasicAuth {
            username: "PAYUSER".into(),
            password_from: "PAYPW".into(),
        });
    });
    assert_eq!(errors, Vec::new());
}

/// One mistake, one error: after `change` the only error is `code` at `line`, whose message
/// holds `text`.
#[track_caller]
fn once(change: impl FnOnce(&mut Fleet), code: &str, line: u32, text: &str) {
    let errors = errors_after(change);
    assert_eq!(errors.len(), 1, "expected one {code} at line {line}, got {errors:#?}");
    let error = &errors[0];
    assert_eq!(error.code, code, "{error:#?}");
    assert_eq!(error.origin.as_ref().map(|o| o.line), Some(line), "{error:#?}");
    assert!(error.message.contains(text), "{text:?} missing from {error:#?}");
}

/// A second and third requester of the seed's server on the same stack, at lines 22 and 23.
fn more_requesters(fleet: &mut Fleet) {
    let stack = &mut fleet.lpars[0].stacks[0];
    for (name, line) in [("ZCEEAPP2", 22), ("ZCEEAPP3", 23)] {
        let mut requester = stack.api_requesters[0].clone();
        requester.name = name.into();
        requester.origin = zat_model::Origin::new("seed.rhai", line, 1);
        stack.api_requesters.push(requester);
    }
}

#[test]
fn a_bad_server_port_is_reported_at_the_server_not_at_each_requester_rule() {
    once(
        |f| {
            more_requesters(f);
            // The seed's server has an inbound AT-TLS policy: requesters call its HTTP port.
            f.zos_connect_servers[0].http_port = 0;
        },
        "ZAT0110",
        16,
        "http_port 0",
    );
}

#[test]
fn a_server_address_its_requesters_rules_cannot_hold_is_an_error_at_the_server() {
    once(
        |f| {
            more_requesters(f);
            f.zos_connect_servers[0].ip = Some("::ffff:10.1.1.5".into());
        },
        "ZAT0111",
        16,
        "IPv4-mapped",
    );
}

#[test]
fn a_bad_server_address_is_reported_at_the_server_not_at_each_requester_rule() {
    once(
        |f| {
            more_requesters(f);
            f.zos_connect_servers[0].ip = Some("10.1.1.500".into());
        },
        "ZAT0111",
        16,
        "10.1.1.500",
    );
}

#[test]
fn an_unknown_server_is_reported_once_not_also_as_a_requester_left_unexpanded() {
    once(
        |f| f.lpars[0].stacks[0].api_requesters[0].server = "NOSUCH".into(),
        "ZAT0130",
        21,
        "`NOSUCH`",
    );
}

#[test]
fn an_unknown_security_database_is_reported_once_at_the_lpar() {
    once(|f| f.lpars[0].security_database = "NOPE".into(), "ZAT0130", 19, "`NOPE`");
}

#[test]
fn a_requester_defined_twice_is_not_also_a_rule_defined_twice() {
    once(
        |f| {
            let stack = &mut f.lpars[0].stacks[0];
            let mut again = stack.api_requesters[0].clone();
            again.origin = zat_model::Origin::new("seed.rhai", 22, 1);
            stack.api_requesters.push(again);
        },
        "ZAT0120",
        22,
        "api requester `ZCEEAPP` is defined twice",
    );
}

#[test]
fn a_lower_case_ring_owner_is_not_also_a_private_key_out_of_reach() {
    once(
        |f| {
            f.security_databases[0].keyrings[0].owner = "omvsadm".into();
            f.lpars[0].stacks[0].api_requesters[0].keyring.owner = "omvsadm".into();
            let rule = extra_rule(f, "IN1", 30);
            rule.keyring = Some(zat_model::RingRef {
                owner: "omvsadm".into(),
                name: "ZOSCONN-APIR-KEYRING".into(),
            });
            rule.userid = Some("OMVSADM".into());
        },
        "ZAT0101",
        12,
        "key ring owner `omvsadm`",
    );
}

#[test]
fn a_bad_requester_job_name_is_reported_at_the_requester_only() {
    once(
        |f| f.lpars[0].stacks[0].api_requesters[0].jobname = "ZCEEAPPTOOLONG".into(),
        "ZAT0101",
        21,
        "job name `ZCEEAPPTOOLONG`",
    );
}

#[test]
fn an_unknown_requester_level_is_reported_at_the_requester() {
    let errors = errors_after(|f| f.lpars[0].stacks[0].api_requesters[0].level = "NOPE".into());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].object, "lpar SYSA / stack TCPIP / api_requester ZCEEAPP");
}

#[test]
fn an_unknown_server_level_is_reported_at_the_server_only() {
    once(
        |f| {
            let server = &mut f.zos_connect_servers[0];
            server.lpar = Some("SYSA".into());
            server.stack = Some("TCPIP".into());
            server.keyring = Some(zat_model::RingRef {
                owner: "OMVSADM".into(),
                name: "ZOSCONN-APIR-KEYRING".into(),
            });
            server.userid = Some("OMVSADM".into());
            server.level = Some("NOPE".into());
        },
        "ZAT0130",
        16,
        "security level `NOPE`",
    );
}

/// Names that differ only past the 28 characters a derived `_OUT` rule keeps make two
/// rules, not one name neither requester was given.
#[test]
fn requesters_whose_names_differ_past_the_cut_derive_distinct_rules() {
    let mut fleet = fixtures::seed_raw();
    more_requesters(&mut fleet);
    let requesters = &mut fleet.lpars[0].stacks[0].api_requesters;
    requesters[1].name = "ABCDEFGHIJKLMNOPQRSTUVWXYZ01A".into();
    requesters[2].name = "ABCDEFGHIJKLMNOPQRSTUVWXYZ01B".into();
    let prepared = prepare(fleet);
    let errors: Vec<&Diagnostic> = prepared.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors, Vec::<&Diagnostic>::new());
    let stack = &prepared.fleet.lpars[0].stacks[0];
    let names: Vec<&str> = stack.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|n| n.len() <= 32), "{names:?}");
    assert_ne!(names[1], names[2]);
    for requester in &stack.api_requesters {
        let expansion = requester.expansion.as_ref().expect("expanded");
        assert!(names.contains(&expansion.rule.as_str()), "{expansion:?}");
    }
}

/// A rule the script names like a requester's derived rule is one clash, told in the
/// requester's name (not also as CEEOPTS relying on a rule that is not outbound).
#[test]
fn a_script_rule_with_a_derived_rules_name_is_one_clash_naming_the_requester() {
    once(
        |f| {
            extra_rule(f, "ZCEEAPP_OUT", 30);
        },
        "ZAT0120",
        21,
        "api requester `ZCEEAPP`",
    );
}

#[test]
fn independent_mistakes_of_a_server_and_its_requester_are_both_reported() {
    let errors = errors_after(|f| {
        f.zos_connect_servers[0].http_port = 0;
        f.lpars[0].stacks[0].api_requesters[0].jobname = "ZCEEAPPTOOLONG".into();
    });
    let found: Vec<(&str, Option<u32>)> =
        errors.iter().map(|d| (d.code.as_str(), d.origin.as_ref().map(|o| o.line))).collect();
    assert_eq!(found, [("ZAT0110", Some(16)), ("ZAT0101", Some(21))], "{errors:#?}");
}

/// A JOB card the emitters cannot write is one error at `site.defaults(..)`, not one per job
/// from each emitter.
#[test]
fn job_card_accounting_that_cannot_be_laid_out_is_one_error_at_the_defaults() {
    let at = zat_model::Origin::new("seed.rhai", 3, 6);
    for accounting in ["A".repeat(120), vec!["A".repeat(40); 4].join(","), "O'BRIEN".to_owned()] {
        let errors = errors_after(|f| {
            f.defaults.job.accounting = accounting.clone();
            f.defaults.origin = Some(at.clone());
        });
        let card: Vec<_> = errors.iter().filter(|d| d.message.contains("JOB card")).collect();
        assert_eq!(card.len(), 1, "{accounting}: {errors:#?}");
        assert_eq!(card[0].code, "ZAT0101");
        assert_eq!(card[0].origin.as_ref(), Some(&at));
    }
    // Continued between subparameters, 142 characters fit.
    let long = vec!["A".repeat(34); 4].join(",");
    assert_eq!(long.len(), 139);
    assert_eq!(errors_after(|f| f.defaults.job.accounting = long), Vec::new());
    // Reported once: the code-page check already names the `!`.
    let errors = errors_after(|f| f.defaults.job.accounting = "NET!1".into());
    assert_eq!(errors.len(), 1, "{errors:#?}");
}

/// A label with blanks is a RACF label zat quotes in every command: allowed while no policy
/// names it (Policy Agent reads only its first word) and the ESM is RACF (the ACF2 and Top
/// Secret plugins write labels unquoted).
#[test]
fn blanks_in_a_label_are_refused_only_where_a_policy_or_unquoting_esm_would_read_them() {
    let label_errors = |change: &dyn Fn(&mut Fleet)| -> Vec<Diagnostic> {
        errors_after(|f| {
            f.security_databases[0].certificates[0].label = "Site Root CA".into();
            change(f);
        })
        .into_iter()
        .filter(|d| d.code == "ZAT0103")
        .collect()
    };
    let line = fixtures::seed_raw().security_databases[0].certificates[0].origin.line;
    assert_eq!(label_errors(&|_| {}), Vec::new());
    let named = label_errors(&|f| {
        extra_rule(f, "NAMED", 30).certificate_label = Some("Site Root CA".into());
    });
    assert_eq!(named.len(), 1, "{named:#?}");
    assert!(named[0].message.contains("first word"), "{named:#?}");
    assert_eq!(named[0].origin.as_ref().map(|o| o.line), Some(line));
    let acf2 = label_errors(&|f| f.security_databases[0].esm = zat_model::Esm::new("acf2"));
    assert!(acf2.iter().any(|d| d.message.contains("unquoted")), "{acf2:#?}");
    let edge = label_errors(&|f| f.security_databases[0].certificates[0].label = " Root".into());
    assert_eq!(edge.len(), 1, "{edge:#?}");
}

/// RACF allows 237 characters, but the jobs write a ring name whole on one line: a name
/// longer than 42 is refused at the ring's script line, before any emitter fails on it.
#[test]
fn a_ring_name_longer_than_every_job_can_write_is_refused_at_its_line() {
    let line = fixtures::seed_raw().security_databases[0].keyrings[0].origin.line;
    let rename = |len: usize| {
        move |f: &mut Fleet| {
            let name = "R".repeat(len);
            let db = &mut f.security_databases[0];
            let old = std::mem::replace(&mut db.keyrings[0].name, name.clone());
            for rule in f.lpars.iter_mut().flat_map(|l| &mut l.stacks).flat_map(|s| &mut s.rules) {
                if let Some(ring) = rule.keyring.as_mut().filter(|r| r.name == old) {
                    ring.name = name.clone().into();
                }
            }
            for requester in
                f.lpars.iter_mut().flat_map(|l| &mut l.stacks).flat_map(|s| &mut s.api_requesters)
            {
                if requester.keyring.name == old {
                    requester.keyring.name = name.clone().into();
                }
            }
        }
    };
    for len in [43, 237] {
        check(rename(len), "ZAT0105", line);
    }
    let errors = errors_after(rename(42));
    assert!(errors.iter().all(|d| d.code != "ZAT0105"), "{errors:#?}");
}

/// A date in the right form whose day does not exist says so, not "must be yyyy-mm-dd".
#[test]
fn a_date_that_does_not_exist_says_which_day() {
    let errors = errors_after(|f| {
        let cert = f.security_databases[0]
            .certificates
            .iter_mut()
            .find(|c| c.source == zat_model::CertSource::Generate)
            .expect("a generated certificate");
        cert.not_after = Some("2030-02-30".into());
    });
    let dates: Vec<_> = errors.iter().filter(|d| d.code == "ZAT0162").collect();
    assert_eq!(dates.len(), 1, "{errors:#?}");
    assert!(dates[0].message.contains("does not exist: day 30"), "{dates:#?}");
    assert!(!dates[0].message.contains("must be yyyy-mm-dd"), "{dates:#?}");
}

/// Policy Agent's folder must leave room for the files placed in it: a folder of 1,012 bytes
/// is a valid path, but its stacks' policy files would not be (a plugin's placement check
/// would then refuse the built-in Policy Agent emitter's answer instead of the script).
#[test]
fn the_policy_agent_folder_leaves_room_for_its_files() {
    let line = fixtures::seed_raw().lpars[0].origin.line;
    check(|f| f.lpars[0].pagent.config_dir = format!("/{}", "a".repeat(1011)), "ZAT0115", line);
    let mut fleet = fixtures::seed_raw();
    fleet.lpars[0].pagent.config_dir = format!("/{}", "a".repeat(1000));
    let prepared = prepare(fleet);
    assert!(!prepared.has_errors(), "{:#?}", prepared.diagnostics);
}

/// The multi fleet with the requester of SYSC (database PLEXB, line 72) calling server ZCEEA
/// (SYSA, database PLEXA, client certificates asked for) across databases: no CA travels.
fn across_databases() -> Fleet {
    let mut fleet = fixtures::multi_raw();
    fleet.lpars[2].stacks[0].api_requesters[0].server = "ZCEEA".into();
    fleet
}

/// Exports CA `label` of database `from` to `dsn` (as the script wrote it, before the hlq).
fn export(fleet: &mut Fleet, from: usize, label: &str, dsn: &str) {
    let db = &mut fleet.security_databases[from];
    let ca = db.certificates.iter_mut().find(|c| c.label == label).expect("the CA is defined");
    ca.export = Some(zat_model::CertExport {
        dsn: dsn.into(),
        format: zat_model::ExportFormat::Certder,
        password_env: None,
    });
}

/// Imports a CA as `label` into database `into` from `dsn`, and connects it to the ring
/// `owner/name` there as CERTAUTH.
fn import_and_connect(fleet: &mut Fleet, into: usize, label: &str, dsn: &str, ring: (&str, &str)) {
    let db = &mut fleet.security_databases[into];
    let mut ca = db.certificates[0].clone();
    ca.label = label.into();
    ca.subject = zat_model::DistinguishedName::default();
    ca.source = zat_model::CertSource::Import { dsn: dsn.into() };
    ca.export = None;
    db.certificates.push(ca);
    let origin = zat_model::Origin::new("multi.rhai", 90, 1);
    let ring = db
        .keyrings
        .iter_mut()
        .find(|r| r.owner == ring.0 && r.name == ring.1)
        .expect("the ring is defined");
    ring.connections.push(zat_model::RingConnection {
        label: label.into(),
        cert_owner: zat_model::CertOwner::Certauth,
        usage: zat_model::Usage::Certauth,
        default: false,
        origin,
    });
}

fn errors_of(fleet: Fleet, code: &str) -> Vec<Diagnostic> {
    prepare(fleet).diagnostics.into_iter().filter(|d| d.is_error() && d.code == code).collect()
}

#[test]
fn a_requester_and_its_server_in_two_databases_must_trust_each_others_certificates() {
    // Neither ring trusts the other side: the requester cannot verify ZCSRVCERT (signed by
    // PLEXACA) and the server, which asks for client certificates, cannot verify PAYCLIENT of
    // PLEXB (signed by PLEXBCA).
    let errors = errors_of(across_databases(), "ZAT0181");
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors.iter().all(|e| e.origin.as_ref().map(|o| o.line) == Some(72)), "{errors:#?}");
    let forward = &errors[0];
    assert!(forward.message.contains("ring PAYUSR/PayRing (database PLEXB)"), "{forward:#?}");
    assert!(forward.message.contains("ZCSRVCERT"), "{forward:#?}");
    assert!(forward.message.contains("PLEXACA of database PLEXA"), "{forward:#?}");
    let help = forward.help.as_deref().unwrap_or_default();
    assert!(help.contains("export CA PLEXACA") && help.contains("ring.connect"), "{help}");
    let reverse = &errors[1];
    assert!(reverse.message.contains("ring ZCSRV/ZCSRVRING of z/OS Connect server `ZCEEA`"));
    assert!(reverse.message.contains("PAYCLIENT") && reverse.message.contains("PLEXBCA"));

    // Exported and imported, but not connected: the help names the import to connect.
    let mut fleet = across_databases();
    export(&mut fleet, 0, "PLEXACA", "PLEXA.CA");
    let mut partner = fleet.security_databases[1].certificates[0].clone();
    partner.label = "PARTNER".into();
    partner.source = zat_model::CertSource::Import { dsn: "PLEXA.CA".into() };
    partner.export = None;
    fleet.security_databases[1].certificates.push(partner);
    let errors = errors_of(fleet, "ZAT0181");
    let help = errors[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("database PLEXB has CA `PARTNER` already"), "{help}");
    assert!(help.contains("import_ca(\"PARTNER\""), "{help}");

    // Each side's CA exported, imported into the other database (under another label) and
    // connected to the ring that needs it: the handshake can succeed.
    let mut fleet = across_databases();
    export(&mut fleet, 0, "PLEXACA", "PLEXA.CA");
    export(&mut fleet, 1, "PLEXBCA", "PLEXB.CA");
    import_and_connect(&mut fleet, 1, "SERVER CA", "PLEXA.CA", ("PAYUSR", "PayRing"));
    import_and_connect(&mut fleet, 0, "CLIENT CA", "PLEXB.CA", ("ZCSRV", "ZCSRVRING"));
    let errors: Vec<Diagnostic> =
        prepare(fleet).diagnostics.into_iter().filter(Diagnostic::is_error).collect();
    assert_eq!(errors, Vec::new());
}

#[test]
fn an_imported_ca_is_the_certificate_whose_export_it_reads_not_one_of_its_label() {
    // The requester's database imports a CA labelled PLEXACA, but from the data set PLEXB's
    // own CA is exported to: another certificate, whatever its label says.
    let mut fleet = across_databases();
    fleet.zos_connect_servers[0].client_auth = false;
    export(&mut fleet, 1, "PLEXBCA", "PLEXB.CA");
    import_and_connect(&mut fleet, 1, "PLEXACA", "PLEXB.CA", ("PAYUSR", "PayRing"));
    let errors = errors_of(fleet, "ZAT0181");
    assert_eq!(errors.len(), 1, "{errors:#?}");

    // Imported from a data set the fleet does not write: it may be the server's CA or not,
    // so nothing is said.
    let mut fleet = across_databases();
    fleet.zos_connect_servers[0].client_auth = false;
    import_and_connect(&mut fleet, 1, "PLEXACA", "PARTNER.CA.CERT", ("PAYUSR", "PayRing"));
    assert_eq!(errors_of(fleet, "ZAT0181"), Vec::new());
}

#[test]
fn a_server_that_passes_client_certificates_through_does_not_need_the_requesters_ca() {
    // AT-TLS with ClientAuthType PassThru does not check the client's certificate: only the
    // requester's side is missing.
    let mut fleet = across_databases();
    let mut level = fleet.security_levels[0].clone();
    level.name = "PASSTHRU".into();
    level.settings.client_auth_type = Some("PassThru".into());
    fleet.security_levels.push(level);
    fleet.zos_connect_servers[0].level = Some("PASSTHRU".into());
    let errors = errors_of(fleet, "ZAT0181");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("ring PAYUSR/PayRing"), "{errors:#?}");
}

#[test]
fn a_requester_without_a_certificate_for_a_server_that_requires_one_is_an_error() {
    let mut fleet = across_databases();
    export(&mut fleet, 0, "PLEXACA", "PLEXA.CA");
    import_and_connect(&mut fleet, 1, "SERVER CA", "PLEXA.CA", ("PAYUSR", "PayRing"));
    let ring = &mut fleet.security_databases[1].keyrings[0];
    ring.connections.retain(|c| !c.default);
    let errors = errors_of(fleet, "ZAT0181");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("has no DEFAULT certificate"), "{errors:#?}");
}

/// The multi fleet with a level `name` of the given versions and suites.
fn with_level(fleet: &mut Fleet, name: &str, tls12: bool, tls13: bool, ciphers: &[&str]) {
    let mut level = fleet.security_levels[0].clone();
    level.name = name.into();
    level.protocols.tlsv1_2 = tls12;
    level.protocols.tlsv1_3 = tls13;
    level.ciphers = ciphers.iter().map(|c| (*c).to_owned()).collect();
    fleet.security_levels.push(level);
}

#[test]
fn two_attls_ends_without_a_tls_version_in_common_are_an_error() {
    // BILLING (SYSB, line 64) calls ZCEEA, whose inbound AT-TLS level allows TLSv1.3 only,
    // with a level that allows TLSv1.2 only.
    let mut fleet = fixtures::multi_raw();
    with_level(&mut fleet, "TLS12ONLY", true, false, &["C02F", "C030"]);
    fleet.zos_connect_servers[0].level = Some("TLS13ONLY".into());
    fleet.lpars[1].stacks[1].api_requesters[0].level = "TLS12ONLY".into();
    let errors = errors_of(fleet, "ZAT0182");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].origin.as_ref().map(|o| o.line), Some(64));
    assert!(errors[0].message.contains("share no TLS version"), "{errors:#?}");
    assert!(errors[0].message.contains("TLS12ONLY has TLSv1.2"), "{errors:#?}");
}

#[test]
fn two_attls_ends_sharing_a_version_but_no_suite_for_it_are_an_error() {
    // TLSv1.3 in common, but BILLING's level offers CHACHA20 only and the server's level does
    // not: and the TLS 1.2 suites BILLING lists cannot help, as its TLSv1.2 is off.
    let mut fleet = fixtures::multi_raw();
    with_level(&mut fleet, "CHACHA", false, true, &["1303"]);
    fleet.lpars[1].stacks[1].api_requesters[0].level = "CHACHA".into();
    let errors = errors_of(fleet, "ZAT0182");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("share TLSv1.3 but no cipher suite"), "{errors:#?}");

    // Both versions in common: a TLS 1.2 suite in common is enough.
    let mut fleet = fixtures::multi_raw();
    with_level(&mut fleet, "CHACHA12", true, true, &["1303", "C02F"]);
    fleet.lpars[1].stacks[1].api_requesters[0].level = "CHACHA12".into();
    assert_eq!(errors_of(fleet, "ZAT0182"), Vec::new());
}

#[test]
fn levels_are_not_compared_when_liberty_does_the_servers_tls_or_system_ssl_picks_the_suites() {
    // The requester of SYSC calls ZCEEB, where Liberty does TLS: zat does not know its
    // protocols.
    let mut fleet = fixtures::multi_raw();
    with_level(&mut fleet, "TLS12ONLY", true, false, &["C02F"]);
    fleet.zos_connect_servers[1].level = Some("TLS13ONLY".into());
    fleet.lpars[2].stacks[0].api_requesters[0].level = "TLS12ONLY".into();
    assert_eq!(errors_of(fleet, "ZAT0182"), Vec::new());

    // System SSL's own suites are not known: versions in common are enough.
    let mut fleet = fixtures::multi_raw();
    with_level(&mut fleet, "SYSTEM", false, true, &[]);
    fleet.security_levels.last_mut().expect("just pushed").settings.system_ssl_ciphers = true;
    fleet.lpars[1].stacks[1].api_requesters[0].level = "SYSTEM".into();
    assert_eq!(errors_of(fleet, "ZAT0182"), Vec::new());
}
