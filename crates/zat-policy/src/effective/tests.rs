//! One test per precedence and default rule of the engine, each naming the IBM document it
//! follows.

use super::*;

fn run(text: &str) -> EffectivePolicy {
    effective(&[PolicyFile { path: "p.policy", text }], &Options::default())
}

fn with(text: &str, options: Options) -> EffectivePolicy {
    effective(&[PolicyFile { path: "p.policy", text }], &options)
}

/// A complete enabled rule around the given environment-action and rule lines.
fn policy(rule_lines: &str, environment_lines: &str, extra: &str) -> String {
    format!(
        "TTLSRule R1\n{{\n Direction Outbound\n RemotePortRange 443\n TTLSGroupActionRef G\n TTLSEnvironmentActionRef E\n{rule_lines}}}\n\
         TTLSGroupAction G\n{{\n TTLSEnabled On\n}}\n\
         TTLSEnvironmentAction E\n{{\n HandshakeRole Client\n TTLSKeyringParms\n {{\n  Keyring SRV/RING\n }}\n{environment_lines}}}\n{extra}"
    )
}

fn value<'p>(policy: &'p EffectivePolicy, rule: &str, name: &str) -> Option<&'p str> {
    policy.rule(rule).and_then(|r| r.value(name))
}

fn kinds(policy: &EffectivePolicy) -> Vec<FindingKind> {
    policy.findings.iter().map(|f| f.kind).collect()
}

// IP Configuration Guide, AT-TLS rules: "Policy Agent orders rules in alphabetical order
// within priority", highest priority first.
#[test]
fn rules_are_ordered_by_priority_then_name() {
    let text = "TTLSRule b\n{\n Direction Both\n Jobname X\n Priority 5\n TTLSGroupActionRef G\n}\n\
                TTLSRule A\n{\n Direction Both\n Jobname X\n Priority 5\n TTLSGroupActionRef G\n}\n\
                TTLSRule Z\n{\n Direction Both\n Jobname X\n Priority 9\n TTLSGroupActionRef G\n}\n\
                TTLSGroupAction G\n{\n TTLSEnabled Off\n}\n";
    let names = |p: &EffectivePolicy| p.rules.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    // EBCDIC: lower case sorts before upper case.
    assert_eq!(names(&run(text)), ["Z", "b", "A"]);
    let ascii = Options { collation: Collation::Ascii, ..Options::default() };
    assert_eq!(names(&with(text, ascii)), ["Z", "A", "b"]);
}

// IP Configuration Guide, AT-TLS rules: priorities are 1-2000000000; the rule without one is
// placed by the option (UNCONFIRMED default: below every explicit priority).
#[test]
fn unprioritised_rules_rank_below_explicit_priorities_by_default() {
    let text = "TTLSRule AAA\n{\n Direction Both\n Jobname X\n TTLSGroupActionRef G\n}\n\
                TTLSRule ZZZ\n{\n Direction Both\n Jobname X\n Priority 1\n TTLSGroupActionRef G\n}\n\
                TTLSGroupAction G\n{\n TTLSEnabled Off\n}\n";
    let p = run(text);
    assert_eq!(p.rules[0].name, "ZZZ");
    assert_eq!(p.rules[1].priority, None);
    let as_one = Options { unprioritised: 1, ..Options::default() };
    assert_eq!(with(text, as_one).rules[0].name, "AAA", "a tie at 1 is ordered by name");
}

// TTLSEnvironmentAdvancedParms statement: the documented defaults of the protocol switches.
#[test]
fn protocol_switches_take_the_documented_defaults() {
    let p = run(&policy("", "", ""));
    assert_eq!(value(&p, "R1", "SSLv3"), Some("Off"));
    assert_eq!(value(&p, "R1", "TLSv1"), Some("On"));
    assert_eq!(value(&p, "R1", "TLSv1.2"), Some("Off"));
    assert_eq!(value(&p, "R1", "TLSv1.3"), Some("Off"));
    assert_eq!(value(&p, "R1", "HandshakeTimeout"), Some("10"));
    assert_eq!(value(&p, "R1", "ClientAuthType"), Some("Required"));
    assert_eq!(value(&p, "R1", "ApplicationControlled"), Some("Off"));
    assert_eq!(p.rule("R1").map(|r| &r.settings["TLSv1"].origin), Some(&Origin::Default));
}

// TTLSEnvironmentAdvancedParms statement: ServerCertificateLabel is documented from z/OS 2.5
// on; the 2.4 table has no row, so a 2.4 stack ignores it.
#[test]
fn the_release_selects_the_default_table() {
    let text =
        policy("", " TTLSEnvironmentAdvancedParms\n {\n  ServerCertificateLabel SRV\n }\n", "");
    let old = with(&text, Options { release: Release::V2R4, ..Options::default() });
    assert_eq!(value(&old, "R1", "ServerCertificateLabel"), None);
    assert!(
        old.findings
            .iter()
            .any(|f| f.kind == FindingKind::Ignored && f.message.contains("ServerCertificateLabel"))
    );
    assert_eq!(value(&run(&text), "R1", "ServerCertificateLabel"), Some("SRV"));
}

// The policy reference gives TLSv1.3 from z/OS 2.4 on: a 2.4 stack keeps it (and an import of
// its policy keeps TLS 1.3 on).
#[test]
fn a_2_4_stack_keeps_tls_1_3() {
    let text = policy(
        "",
        " TTLSEnvironmentAdvancedParms\n {\n  TLSv1.3 On\n  MiddleBoxCompatMode On\n }\n",
        "",
    );
    let old = with(&text, Options { release: Release::V2R4, ..Options::default() });
    assert_eq!(value(&old, "R1", "TLSv1.3"), Some("On"));
    assert_eq!(value(&old, "R1", "MiddleBoxCompatMode"), Some("On"));
    assert!(!old.findings.iter().any(|f| f.kind == FindingKind::Ignored));
}

// IP Configuration Guide, AT-TLS cipher suite: "AT-TLS does not pass any cipher suites to
// System SSL by default".
#[test]
fn no_cipher_statement_leaves_the_list_to_system_ssl() {
    let p = run(&policy("", "", ""));
    let setting = &p.rules[0].settings["V3CipherSuites"];
    assert_eq!(setting.origin, Origin::SystemSsl);
    assert_eq!(setting.value, SYSTEM_SSL_DEFAULT);
}

// TTLSGroupAction statement: "The default Trace value is 2"; the environment and connection
// actions override the group (TTLSConnectionAction statement).
#[test]
fn trace_defaults_to_two_and_lower_scopes_override() {
    assert_eq!(value(&run(&policy("", "", "")), "R1", "Trace"), Some("2"));
    let text = policy(
        " TTLSConnectionActionRef C\n",
        " Trace 6\n",
        "TTLSConnectionAction C\n{\n Trace 255\n HandshakeRole Server\n}\n",
    );
    let p = run(&text);
    assert_eq!(value(&p, "R1", "Trace"), Some("255"));
    // TTLSConnectionAction statement: HandshakeRole "is used instead of the value from the
    // TTLSEnvironmentAction statement".
    assert_eq!(value(&p, "R1", "HandshakeRole"), Some("Server"));
}

// TTLSConnectionAdvancedParms statement: no defaults; an unset value inherits the environment.
#[test]
fn connection_advanced_parms_override_and_inherit() {
    let text = policy(
        " TTLSConnectionActionRef C\n",
        " TTLSEnvironmentAdvancedParms\n {\n  TLSv1.2 On\n  HandshakeTimeout 30\n }\n",
        "TTLSConnectionAction C\n{\n TTLSConnectionAdvancedParms\n {\n  TLSv1.2 Off\n  TLSv1.3 On\n }\n}\n",
    );
    let p = run(&text);
    assert_eq!(value(&p, "R1", "TLSv1.2"), Some("Off"));
    assert_eq!(value(&p, "R1", "TLSv1.3"), Some("On"));
    assert_eq!(value(&p, "R1", "HandshakeTimeout"), Some("30"));
}

// General syntax rules for Policy Agent: statement and attribute names are not case
// sensitive; enumerated values are read in any case (IBM samples write ON and On).
#[test]
fn keywords_and_values_are_read_in_any_case() {
    let text = policy(
        "",
        " ttlsenvironmentadvancedparms\n {\n  TLSV1.2 ON\n  clientauthtype full\n }\n",
        "",
    );
    let p = run(&text);
    assert_eq!(value(&p, "R1", "TLSv1.2"), Some("On"));
    assert_eq!(value(&p, "R1", "ClientAuthType"), Some("Full"));
}

// General syntax rules for Policy Agent: a repeated single-valued attribute — the last one is
// used (as TTLSConfig statement documents for its own repeats).
#[test]
fn the_last_of_a_repeated_attribute_is_used() {
    let text = policy(
        "",
        " TTLSEnvironmentAdvancedParms\n {\n  HandshakeTimeout 5\n  HandshakeTimeout 60\n }\n",
        "",
    );
    let p = run(&text);
    assert_eq!(value(&p, "R1", "HandshakeTimeout"), Some("60"));
    assert!(kinds(&p).contains(&FindingKind::Replaced));
}

// General syntax rules for Policy Agent: of duplicate statements zat reads the last
// (UNCONFIRMED; the rule's text was cut off in the pages read).
#[test]
fn the_last_definition_of_a_name_wins() {
    let text = policy("", "", "TTLSGroupAction G\n{\n TTLSEnabled Off\n}\n");
    let p = run(&text);
    assert_eq!(value(&p, "R1", "TTLSEnabled"), Some("Off"));
    assert!(
        p.findings
            .iter()
            .any(|f| f.kind == FindingKind::Replaced && f.message.contains("TTLSGroupAction G"))
    );
}

// TTLSEnvironmentAction statement: the inline statement and the ...Ref are alternatives of one
// choice; when both are written zat reads the last and says so.
#[test]
fn an_inline_statement_and_a_reference_in_one_action_are_reported() {
    let text = policy(
        "",
        " TTLSEnvironmentAdvancedParms\n {\n  TLSv1.2 On\n }\n TTLSEnvironmentAdvancedParmsRef Adv\n",
        "TTLSEnvironmentAdvancedParms Adv\n{\n TLSv1.2 Off\n}\n",
    );
    let p = run(&text);
    assert_eq!(value(&p, "R1", "TLSv1.2"), Some("Off"));
    assert!(
        p.findings
            .iter()
            .any(|f| f.kind == FindingKind::Replaced && f.message.contains("more than once"))
    );
}

// TTLSCipherParms statement: repeated lines are concatenated; "if duplicate ciphers are
// specified, the first instance is used"; names and 2- and 4-character codes are all read.
#[test]
fn cipher_lines_concatenate_and_drop_duplicates() {
    let text = policy(
        "",
        " TTLSCipherParms\n {\n  V3CipherSuites TLS_AES_128_GCM_SHA256\n  V3CipherSuites4Char C02FC030\n  V3CipherSuites 352F\n  V3CipherSuites TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n }\n",
        "",
    );
    let p = run(&text);
    assert_eq!(value(&p, "R1", "V3CipherSuites"), Some("1301 C02F C030 0035 002F"));
    assert!(
        p.findings.iter().any(|f| f.kind == FindingKind::Ignored && f.message.contains("C02F"))
    );
}

// TTLSCipherParms statement: V3CipherSuites4Char takes 4-character codes; a cipher name there
// is not read (zat reads it as ignored).
#[test]
fn a_cipher_name_on_a_four_character_line_is_ignored() {
    let text = policy(
        "",
        " TTLSCipherParms\n {\n  V3CipherSuites4Char TLS_AES_256_GCM_SHA384\n  V3CipherSuites4Char 1301\n }\n",
        "",
    );
    let p = run(&text);
    assert_eq!(value(&p, "R1", "V3CipherSuites"), Some("1301"));
    assert!(
        p.findings
            .iter()
            .any(|f| f.kind == FindingKind::Ignored && f.message.contains("V3CipherSuites4Char"))
    );
}

// TTLSRule statement: address forms; a plain number is read as a 32-bit IPv4 address (as a
// z/OS 3.1 pasearch report shows RemoteAddr 6793 as 0.0.26.137).
#[test]
fn a_numeric_address_is_read_as_ipv4() {
    let text = policy(" RemoteAddr 6793\n", "", "");
    let p = run(&text);
    let expected: IpAddr = "0.0.26.137".parse().unwrap();
    assert_eq!(p.rules[0].conditions.remote_addr, vec![AddrRange { from: expected, to: expected }]);
    assert!(kinds(&p).contains(&FindingKind::ReadDifferently));
}

#[test]
fn addresses_prefixes_and_ranges_parse() {
    let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
    assert_eq!(parse_address("All"), Ok(None));
    assert_eq!(
        parse_address("10.1.0.0/16"),
        Ok(Some(AddrRange { from: v4("10.1.0.0"), to: v4("10.1.255.255") }))
    );
    assert_eq!(
        parse_address("10.1.1.1-10.1.1.9"),
        Ok(Some(AddrRange { from: v4("10.1.1.1"), to: v4("10.1.1.9") }))
    );
    assert_eq!(parse_address("::1"), Ok(Some(AddrRange { from: v4("::1"), to: v4("::1") })));
    assert_eq!(parse_address("10.1.1.9-10.1.1.1"), Err(AddressError::Invalid));
    assert_eq!(parse_address("host.example"), Err(AddressError::Invalid));
}

// IP Configuration Guide, AT-TLS policy (policy types): members of a group are ORed.
#[test]
fn groups_become_lists_of_ranges() {
    let text = policy(
        " LocalPortGroupRef Ports\n RemoteAddrGroupRef Hosts\n",
        "",
        "PortGroup Ports\n{\n PortRange\n {\n  Port 80\n }\n PortRangeRef High\n}\nPortRange High\n{\n Port 8000-8010\n}\n\
         IpAddrGroup Hosts\n{\n IpAddr\n {\n  Addr 10.0.0.1\n }\n IpAddrSet\n {\n  Prefix 192.168.0.0/24\n }\n}\n",
    );
    let p = run(&text);
    let c = &p.rules[0].conditions;
    assert_eq!(
        c.local_port,
        vec![PortRange { from: 80, to: 80 }, PortRange { from: 8000, to: 8010 }]
    );
    assert_eq!(c.remote_addr.len(), 2);
    assert!(p.rules[0].complete);
}

// IP Configuration Guide, AT-TLS actions: a reference to nothing leaves the rule indeterminate.
#[test]
fn a_dangling_reference_makes_the_rule_incomplete() {
    let text = policy(" TTLSConnectionActionRef Nowhere\n", "", "");
    let p = run(&text);
    assert!(!p.rules[0].complete);
    assert!(kinds(&p).contains(&FindingKind::Unresolved));
}

// TTLSConfig statement: "if errors are detected during parsing, no new policies are installed".
#[test]
fn a_syntax_error_rejects_the_policy() {
    let p = run("TTLSRule R\n{\n Direction Inbound\n");
    assert!(p.rejected());
}

// TTLSEnvironmentAction statement: SuiteBProfile other than Off ignores TTLSCipherParms.
#[test]
fn suite_b_ignores_cipher_parms() {
    let text =
        policy("", " SuiteBProfile 128\n TTLSCipherParms\n {\n  V3CipherSuites 35\n }\n", "");
    let p = run(&text);
    assert!(p.findings.iter().any(|f| f.message.contains("SuiteBProfile 128")));
    assert_eq!(value(&p, "R1", "V3CipherSuites"), Some("(Suite B 128)"));
}

// TTLSConnectionAction statement: the connection's TTLSSignatureParms and TTLSCipherParms
// replace the environment's as a whole (UNCONFIRMED: replacement, not a merge).
#[test]
fn a_connection_list_statement_replaces_the_environments() {
    let text = policy(
        " TTLSConnectionActionRef C\n",
        " TTLSSignatureParms\n {\n  SignaturePairs 0601\n  ClientECurves 0023\n }\n",
        "TTLSConnectionAction C\n{\n TTLSSignatureParms\n {\n  SignaturePairs 0401\n }\n}\n",
    );
    let p = run(&text);
    assert_eq!(value(&p, "R1", "SignaturePairs"), Some("0401"));
    assert_eq!(value(&p, "R1", "ClientECurves"), Some(SYSTEM_SSL_DEFAULT));
}

#[test]
fn tls13_on_without_a_tls13_suite_is_unusable() {
    let text = policy(
        "",
        " TTLSEnvironmentAdvancedParms\n {\n  TLSv1.3 On\n }\n TTLSCipherParms\n {\n  V3CipherSuites4Char C02F\n }\n",
        "",
    );
    assert!(kinds(&run(&text)).contains(&FindingKind::Unusable));
}

#[test]
fn every_table_row_names_an_ibm_document_and_a_whitelisted_keyword() {
    for row in PARAMETERS {
        assert!(row.document.starts_with("z/OS Communications Server"), "{}", row.name);
        assert_eq!(
            crate::keywords::canonical(row.statement, row.name),
            Some(row.name),
            "{} must be a parameter of {} in the whitelist",
            row.name,
            row.statement
        );
    }
    assert_eq!(parameter("tlsv1.2").map(|p| p.default), Some(DefaultValue::Value("Off")));
    assert_eq!(cipher_code("tls_aes_128_gcm_sha256"), Some("1301"));
    assert_eq!(cipher_name("C02F"), Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    assert_eq!(Release::parse("v2r5"), Some(Release::V2R5));
    assert_eq!(Release::parse("3.1"), Some(Release::V3R1));
}

#[test]
fn a_disabled_rule_carries_only_group_settings() {
    let text = "TTLSRule Clear\n{\n Direction Both\n LocalAddr 127.0.0.1\n TTLSGroupActionRef Off\n}\nTTLSGroupAction Off\n{\n TTLSEnabled Off\n}\n";
    let p = run(text);
    assert!(!p.rules[0].enabled());
    assert!(!p.rules[0].settings.contains_key("TLSv1.2"));
    assert!(p.findings.is_empty(), "{:?}", p.findings);
}

#[test]
fn objects_that_refer_to_themselves_end_without_overflow() {
    let text = policy(
        " RemoteAddrGroupRef Loop\n LocalPortGroupRef Ports\n",
        "",
        "IpAddrGroup Loop\n{\n IpAddrRef Loop\n}\nIpAddr Loop\n{\n IpAddrRef Loop\n}\n\
         PortGroup Ports\n{\n PortRangeRef Ports\n}\nPortRange Ports\n{\n PortRangeRef Ports\n}\n",
    );
    let p = run(&text);
    assert!(!p.rules[0].complete);
    let ports_only = policy(
        " LocalPortGroupRef Ports\n",
        "",
        "PortGroup Ports\n{\n PortRangeRef Ports\n}\nPortRange Ports\n{\n PortRangeRef Ports\n}\n",
    );
    let p = run(&ports_only);
    assert!(!p.rules[0].complete, "a loop is not every port");
}

// IpAddr statement, rules for AT-TLS policies: IPv4-mapped IPv6 addresses and the reserved
// prefix `::/96` are errors, so the policy is not installed.
#[test]
fn ipv4_mapped_and_reserved_ipv6_addresses_reject_the_policy() {
    use crate::effective::refused_address;
    assert!(refused_address("::ffff:10.1.1.1").is_some_and(|m| m.contains("of 10.1.1.1")));
    assert!(refused_address("::10.1.1.1").is_some_and(|m| m.contains("::/96")));
    assert!(refused_address(" ::ffff:10.0.0.0/104 ").is_some());
    assert!(refused_address("fd00::1-::1").is_some());
    for ok in ["10.1.1.1", "fd00::1", "2001:db8::/32", "fd00::1-fd00::9", "All", "nonsense"] {
        assert_eq!(refused_address(ok), None, "{ok}");
    }
    let p = run(&policy("  RemoteAddr ::ffff:10.1.1.1\n", "", ""));
    assert!(p.rejected());
    assert!(!run(&policy("  RemoteAddr fd00::1\n", "", "")).rejected());
}

// TTLSEnvironmentAdvancedParms statement: ApplicationControlled defaults to Off;
// TTLSConnectionAdvancedParms: a parameter it does not give keeps the environment's value. A
// conditions-only reading reads it for a rule with TTLSEnabled On as the full reading does.
#[test]
fn a_conditions_only_reading_gives_application_controlled_as_the_full_one() {
    let connection = |value: &str| {
        format!(
            "TTLSConnectionAction C\n{{\n TTLSConnectionAdvancedParms\n {{\n  {value}\n }}\n}}\n"
        )
    };
    let environment = |lines: &str| {
        format!(
            " TTLSEnvironmentAdvancedParmsRef A\n}}\nTTLSEnvironmentAdvancedParms A\n{{\n{lines}\n"
        )
    };
    let uses = " TTLSConnectionActionRef C\n";
    let cases = [
        (policy("", "", ""), "Off"),
        (policy("", &environment(" ApplicationControlled on"), ""), "On"),
        (
            policy("", &environment(" ApplicationControlled On\n ApplicationControlled Maybe"), ""),
            "On",
        ),
        (
            policy(
                uses,
                &environment(" ApplicationControlled On"),
                &connection("ApplicationControlled Off"),
            ),
            "Off",
        ),
        (policy(uses, "", &connection("ApplicationControlled On")), "On"),
        (policy(uses, &environment(" ApplicationControlled On"), &connection("TLSv1.2 On")), "On"),
    ];
    let quick = Options { conditions_only: true, ..Options::default() };
    for (text, wanted) in &cases {
        let (full, fast) = (run(text), with(text, quick));
        assert_eq!(value(&full, "R1", "ApplicationControlled"), Some(*wanted), "{text}");
        assert_eq!(value(&fast, "R1", "ApplicationControlled"), Some(*wanted), "{text}");
        let origin = |p: &EffectivePolicy| {
            p.rule("R1").map(|r| r.settings["ApplicationControlled"].origin.clone())
        };
        assert_eq!(origin(&full), origin(&fast), "{text}");
        assert_eq!(value(&fast, "R1", "HandshakeRole"), None, "nothing else is read: {text}");
    }
    // A rule that does not protect has none, in either reading.
    let off = policy("", "", "").replace(" TTLSEnabled On", " TTLSEnabled Off");
    assert_eq!(value(&with(&off, quick), "R1", "ApplicationControlled"), None);
    assert_eq!(value(&run(&off), "R1", "ApplicationControlled"), None);
}
