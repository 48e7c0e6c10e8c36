//! Unit tests of the lint rules: each rule fires on a small text and stays quiet on its
//! corrected form, so a broken rule fails one of the pair.

use super::*;
use zat_policy::Collation;

/// A complete, clean client policy; tests break one thing in it at a time.
const GOOD: &str = "\
TTLSRule PAY_OUT
{
  RemotePortRange 9443
  Jobname PAY*
  Direction Outbound
  Priority 500
  TTLSGroupActionRef grpOn
  TTLSEnvironmentActionRef envClient
}
TTLSGroupAction grpOn
{
  TTLSEnabled On
}
TTLSEnvironmentAction envClient
{
  HandshakeRole Client
  TTLSKeyringParmsRef ring
  TTLSEnvironmentAdvancedParmsRef adv
  TTLSCipherParmsRef cip
}
TTLSKeyringParms ring
{
  Keyring PAYUSR/PAYRING
}
TTLSEnvironmentAdvancedParms adv
{
  SSLv2 Off
  SSLv3 Off
  TLSv1 Off
  TLSv1.1 Off
  TLSv1.2 On
  TLSv1.3 On
}
TTLSCipherParms cip
{
  V3CipherSuites4Char 13021301C030
}
";

fn run(text: &str) -> Vec<Diagnostic> {
    lint(&[PolicyFile { path: "p.policy", text }])
}

/// The findings with `code`, as (line, severity is error, message).
fn with(text: &str, code: &str) -> Vec<(u32, bool, String)> {
    run(text)
        .into_iter()
        .filter(|d| d.code == code)
        .map(|d| (d.origin.as_ref().map_or(0, |o| o.line), d.is_error(), d.message))
        .collect()
}

/// `GOOD` with one line replaced.
fn good_with(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from:?} not in GOOD");
    GOOD.replacen(from, to, 1)
}

#[test]
fn the_good_policy_is_clean() {
    assert_eq!(run(GOOD), Vec::new());
}

#[test]
fn every_code_is_in_range_and_listed_once() {
    for pair in codes::ALL.windows(2) {
        assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
    }
    for code in codes::ALL {
        assert!(("ZAT0600"..="ZAT0699").contains(code), "{code}");
    }
}

#[test]
fn syntax_errors_keep_their_place() {
    let text = good_with("TTLSGroupAction grpOn\n{", "TTLSGroupAction grpOn\n{\n}");
    let found = with(&text, UNMATCHED_CLOSE);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1);
    let text = good_with("  TTLSEnabled On\n}", "  TTLSEnabled On\n");
    assert_eq!(with(&text, UNCLOSED_BLOCK).len(), 1);
    let text = good_with("TTLSGroupAction grpOn", "TTLSGroupAction");
    let found = with(&text, MISSING_NAME);
    assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), vec![10]);
    let text = good_with("Direction Outbound", "Direction");
    assert_eq!(with(&text, MISSING_VALUE).len(), 1);
    let text = good_with("TTLSEnabled On", "TTLSEnabled On\n  {\n  }");
    let found = with(&text, BRACES);
    assert_eq!(found.len(), 1, "{:?}", run(&text));
    assert!(found[0].2.contains("remove the braces"));
    assert_eq!(with(&format!("{GOOD}{{\n}}\n"), STRAY_OPEN).len(), 1);
    assert_eq!(with("LogLevel 31\n{\n}\n", BRACES).len(), 1);
    assert_eq!(with("Jobname PAY\n", OUTSIDE_BLOCK).len(), 1);
}

#[test]
fn extra_words_after_a_single_value() {
    let text = good_with("Keyring PAYUSR/PAYRING", "Keyring PAYUSR/PAYRING Zowe Server");
    let found = with(&text, EXTRA_WORDS);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].2.contains("reads 'PAYUSR/PAYRING'"), "{}", found[0].2);
    assert!(!found[0].1, "a warning: Policy Agent reads the first word");
    assert!(
        with(&good_with("Keyring PAYUSR/PAYRING", "Keyring PAYUSR/PAYRING # ok"), EXTRA_WORDS)
            .is_empty()
    );
}

#[test]
fn unknown_keywords_get_a_suggestion() {
    let text = good_with("TLSv1.3 On", "TLSv1.3 On\n  MiddleboxCompatibilityMode On");
    let found = run(&text);
    let unknown: Vec<_> = found.iter().filter(|d| d.code == UNKNOWN_ATTRIBUTE).collect();
    assert_eq!(unknown.len(), 1, "{found:#?}");
    assert_eq!(unknown[0].help.as_deref(), Some("did you mean `MiddleBoxCompatMode`?"));
    assert!(!unknown[0].is_error());
    let text = good_with("Direction Outbound", "Direction Outbound\n  Prority 5");
    let found = run(&text);
    let help = found.iter().find(|d| d.code == UNKNOWN_ATTRIBUTE).and_then(|d| d.help.clone());
    assert_eq!(help.as_deref(), Some("did you mean `Priority`?"));
    let text = good_with("TTLSRule PAY_OUT", "TTLSRules PAY_OUT");
    let found = run(&text);
    let help = found.iter().find(|d| d.code == UNKNOWN_STATEMENT).and_then(|d| d.help.clone());
    assert_eq!(help.as_deref(), Some("did you mean `TTLSRule`?"));
    // Keywords in any case are what Policy Agent accepts: no finding.
    assert_eq!(run(&GOOD.replace("Jobname", "JOBNAME").replace("TLSv1.2", "tlsv1.2")), Vec::new());
}

#[test]
fn attributes_in_the_wrong_statement() {
    let text = good_with("HandshakeRole Client", "HandshakeRole Client\n  ClientAuthType Required");
    let found = with(&text, WRONG_STATEMENT);
    assert_eq!(found.len(), 1);
    assert!(found[0].2.contains("belongs in TTLSEnvironmentAdvancedParms"), "{}", found[0].2);
    let text = good_with("TLSv1.3 On", "TLSv1.3 On\n  ClientAuthType Required");
    assert!(with(&text, WRONG_STATEMENT).is_empty());
}

#[test]
fn empty_values_are_flagged() {
    let text = good_with("TLSv1.3 On", "TLSv1.3 On\n  CertificateLabel # keep empty");
    let found = with(&text, EMPTY_VALUE);
    assert_eq!(found.len(), 1);
    assert!(!found[0].1);
    assert!(
        with(&good_with("TLSv1.3 On", "TLSv1.3 On\n  CertificateLabel PAYCERT"), EMPTY_VALUE)
            .is_empty()
    );
}

#[test]
fn duplicate_names_report_the_one_ignored() {
    let text = format!("{GOOD}TTLSGroupAction grpOn\n{{\n  TTLSEnabled Off\n}}\n");
    let found = run(&text);
    let dups: Vec<_> = found.iter().filter(|d| d.code == DUPLICATE_NAME).collect();
    assert_eq!(dups.len(), 1, "{found:#?}");
    assert_eq!(dups[0].origin.as_ref().map(|o| o.line), Some(10));
    assert!(
        dups[0].help.as_deref().is_some_and(|h| h.contains("p.policy:38")),
        "{:?}",
        dups[0].help
    );
    // Same name, another statement type: no duplicate.
    let text = format!("{GOOD}TTLSConnectionAction grpOn\n{{\n  Trace 2\n}}\n");
    assert!(with(&text, DUPLICATE_NAME).is_empty());
}

#[test]
fn dangling_references_are_warnings_unless_no_common_file_can_exist() {
    let text = good_with("TTLSCipherParmsRef cip", "TTLSCipherParmsRef ciphers");
    let found = run(&text);
    let dangling: Vec<_> = found.iter().filter(|d| d.code == DANGLING_REFERENCE).collect();
    assert_eq!(dangling.len(), 1, "{found:#?}");
    assert!(!dangling[0].is_error());
    assert!(dangling[0].help.as_deref().is_some_and(|h| h.contains("CommonTTLSConfig")));
    // The common file given too: one image's policy, resolved.
    let common = "TTLSCipherParms ciphers\n{\n  V3CipherSuites4Char 1301\n}\n";
    let files = [
        PolicyFile { path: "common.policy", text: common },
        PolicyFile { path: "p.policy", text: &text },
    ];
    let both = lint(&files);
    assert!(both.iter().all(|d| d.code != DANGLING_REFERENCE), "{both:#?}");
    // Said to be separate stacks' files, each file is its own name space.
    let separate = LintOptions { separate: true, ..LintOptions::default() };
    assert!(lint_with(&files, &separate).iter().any(|d| d.code == DANGLING_REFERENCE));
    // An image file and a main file naming them make them one image's policy even then.
    let image = "TTLSConfig /etc/pagent/p.policy\n";
    let main =
        "TcpImage TCPIP /etc/pagent/TCPIP.image\nCommonTTLSConfig /etc/pagent/common.policy\n";
    let named = lint_with(
        &[
            PolicyFile { path: "pagent.conf", text: main },
            PolicyFile { path: "TCPIP.image", text: image },
            files[0],
            files[1],
        ],
        &separate,
    );
    assert!(named.iter().all(|d| d.code != DANGLING_REFERENCE), "{named:#?}");
    // A main file without CommonTTLSConfig: nothing else can define it.
    let main = "TcpImage TCPIP /etc/pagent/TCPIP.image\n";
    let with_main = lint(&[
        PolicyFile { path: "pagent.conf", text: main },
        PolicyFile { path: "p.policy", text: &text },
    ]);
    assert!(with_main.iter().any(|d| d.code == DANGLING_REFERENCE && d.is_error()));
    // Names are case-sensitive.
    let text = good_with("TTLSCipherParmsRef cip", "TTLSCipherParmsRef CIP");
    let found = run(&text);
    let d = found.iter().find(|d| d.code == DANGLING_REFERENCE);
    assert!(
        d.is_some_and(|d| d.is_error() && d.help.as_deref().is_some_and(|h| h.contains("`cip`")))
    );
}

#[test]
fn rules_need_direction_a_condition_and_a_group() {
    let found = with(&good_with("  Direction Outbound\n", ""), NO_DIRECTION);
    assert_eq!(found, vec![(1, true, found[0].2.clone())]);
    let text = good_with("  RemotePortRange 9443\n  Jobname PAY*\n", "");
    assert_eq!(with(&text, NO_CONDITION).len(), 1);
    let text = good_with("  RemotePortRange 9443\n  Jobname PAY*\n", "  LocalAddr 10.1.1.1\n");
    assert!(with(&text, NO_CONDITION).is_empty());
    let text = good_with("  TTLSGroupActionRef grpOn\n", "");
    assert_eq!(with(&text, NO_GROUP).len(), 1);
}

#[test]
fn enabled_group_needs_an_environment() {
    let text = good_with("  TTLSEnvironmentActionRef envClient\n", "");
    assert_eq!(with(&text, NO_ENVIRONMENT).len(), 1);
    let text = good_with("  TTLSEnvironmentActionRef envClient\n", "")
        .replace("TTLSEnabled On", "TTLSEnabled Off");
    assert!(with(&text, NO_ENVIRONMENT).is_empty());
}

#[test]
fn priority_ties_between_overlapping_rules() {
    let second = "TTLSRule PAY_OUT2\n{\n  RemotePortRange 9000-9500\n  Jobname PAYR*\n  Direction Both\n  Priority 500\n  TTLSGroupActionRef grpOn\n  TTLSEnvironmentActionRef envClient\n}\n";
    let text = format!("{GOOD}{second}");
    let found = with(&text, PRIORITY_TIE);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 38);
    assert!(found[0].2.contains("PAY_OUT2 can match the same connections as PAY_OUT"));
    // Another priority, another job, another direction or disjoint ports: no tie.
    for (from, to) in [
        (
            "Priority 500\n  TTLSGroupActionRef grpOn\n  TTLSEnvironmentActionRef envClient\n}\n",
            "Priority 400\n  TTLSGroupActionRef grpOn\n  TTLSEnvironmentActionRef envClient\n}\n",
        ),
        ("Jobname PAYR*", "Jobname ORD*"),
        ("Direction Both", "Direction Inbound"),
        ("9000-9500", "9000:9100"),
    ] {
        let other = second.replacen(from, to, 1);
        let text = format!("{GOOD}{other}");
        assert!(with(&text, PRIORITY_TIE).is_empty(), "{to}");
    }
}

#[test]
fn names_longer_than_32_characters() {
    let long = "A".repeat(33);
    let text = GOOD.replace("grpOn", &long);
    let found = with(&text, NAME_TOO_LONG);
    assert_eq!(found.len(), 1);
    assert!(found[0].1);
    assert!(with(&GOOD.replace("grpOn", &"A".repeat(32)), NAME_TOO_LONG).is_empty());
}

#[test]
fn port_range_with_two_ports() {
    let text = format!("{GOOD}PortRange pr\n{{\n  Port 8080\n  Port 8081\n}}\n");
    assert_eq!(with(&text, PORT_RANGE_PORTS).len(), 1);
    let text = format!("{GOOD}PortRange pr\n{{\n  Port 8080-8081\n}}\n");
    assert!(with(&text, PORT_RANGE_PORTS).is_empty());
}

#[test]
fn address_ranges_with_a_colon() {
    let text = good_with("Jobname PAY*", "Jobname PAY*\n  RemoteAddr 10.1.1.1:10.1.1.9");
    let found = with(&text, ADDRESS_RANGE_COLON);
    assert_eq!(found.len(), 1);
    assert!(found[0].1);
    for ok in ["10.1.1.1-10.1.1.9", "fd00::1", "10.0.0.0/8", "All"] {
        let text = good_with("Jobname PAY*", &format!("Jobname PAY*\n  RemoteAddr {ok}"));
        assert!(with(&text, ADDRESS_RANGE_COLON).is_empty(), "{ok}");
    }
}

/// IpAddr statement, rules for AT-TLS policies: an IPv4-mapped IPv6 address or one in the
/// reserved prefix `::/96` is an error, wherever an address is written.
#[test]
fn ipv4_mapped_and_reserved_ipv6_addresses_are_errors() {
    let line = good_with("Jobname PAY*", "Jobname PAY*\n  RemoteAddr ::ffff:10.1.1.1");
    let found = with(&line, BAD_VALUE);
    assert_eq!(found.len(), 1, "{found:?}");
    let jobname = GOOD.lines().position(|l| l.contains("Jobname PAY*")).expect("in GOOD");
    assert_eq!(found[0].0 as usize, jobname + 2);
    assert!(found[0].1);
    assert!(found[0].2.contains("IPv4-mapped") && found[0].2.contains("10.1.1.1"), "{found:?}");
    for refused in ["::10.1.1.2", "::a01:102/120", "fd00::1-::ffff:10.0.0.1", "::1"] {
        let text = good_with("Jobname PAY*", &format!("Jobname PAY*\n  LocalAddr {refused}"));
        assert_eq!(with(&text, BAD_VALUE).len(), 1, "{refused}");
    }
    let named = format!("{GOOD}IpAddr mapped\n{{\n  Addr ::ffff:192.0.2.1\n}}\n");
    assert_eq!(with(&named, BAD_VALUE).len(), 1);
    for ok in ["fd00::1", "2001:db8::/32", "10.1.1.1-10.1.1.9", "fd00::1-fd00::9", "All"] {
        let text = good_with("Jobname PAY*", &format!("Jobname PAY*\n  RemoteAddr {ok}"));
        assert!(with(&text, BAD_VALUE).is_empty(), "{ok}");
    }
}

#[test]
fn tls13_suites_need_tls13_on() {
    let off = good_with("TLSv1.3 On", "TLSv1.3 Off");
    let found = with(&off, TLS13_SUITES_UNUSED);
    assert_eq!(found.len(), 1);
    assert!(found[0].2.contains("TLSv1.3 is off"));
    let unset = good_with("  TLSv1.3 On\n", "");
    assert!(with(&unset, TLS13_SUITES_UNUSED)[0].2.contains("not set"));
    let names =
        off.replace("V3CipherSuites4Char 13021301C030", "V3CipherSuites TLS_AES_128_GCM_SHA256");
    assert_eq!(with(&names, TLS13_SUITES_UNUSED).len(), 1);
    let tls12 = off.replace("13021301C030", "C030C02F");
    assert!(with(&tls12, TLS13_SUITES_UNUSED).is_empty());
}

#[test]
fn protocol_switches_left_to_defaults() {
    let text = good_with("  TLSv1.2 On\n", "");
    let found = with(&text, PROTOCOL_DEFAULTS);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].2.starts_with("TLSv1.2 is left to its default (TLSv1.2 defaults to Off)"),
        "{}",
        found[0].2
    );
    // A connection action may set what the environment leaves out.
    let text = good_with("  TLSv1.2 On\n", "").replace(
        "  TTLSEnvironmentActionRef envClient\n",
        "  TTLSEnvironmentActionRef envClient\n  TTLSConnectionActionRef con\n",
    ) + "TTLSConnectionAction con\n{\n  TTLSConnectionAdvancedParms\n  {\n    TLSv1.2 On\n  }\n}\n";
    assert!(with(&text, PROTOCOL_DEFAULTS).is_empty(), "{:?}", run(&text));
}

#[test]
fn repeated_single_valued_attributes() {
    let text = good_with("Priority 500", "Priority 500\n  Priority 600");
    let found = with(&text, REPEATED_ATTRIBUTE);
    assert_eq!(found.len(), 1);
    assert!(found[0].2.contains("line 6"));
    // Said once: not again as the effective policy's replaced line.
    assert!(with(&text, REPLACED).is_empty(), "{:#?}", run(&text));
    assert_eq!(run(&text).len(), 1, "{:#?}", run(&text));
    let text = good_with(
        "V3CipherSuites4Char 13021301C030",
        "V3CipherSuites4Char 1302\n  V3CipherSuites4Char 1301",
    );
    assert!(with(&text, REPEATED_ATTRIBUTE).is_empty());
}

#[test]
fn required_attributes_of_actions() {
    assert_eq!(with(&good_with("  TTLSEnabled On\n", ""), REQUIRED_MISSING).len(), 1);
    assert_eq!(with(&good_with("  HandshakeRole Client\n", ""), REQUIRED_MISSING).len(), 1);
    assert_eq!(with(&good_with("  Keyring PAYUSR/PAYRING\n", ""), REQUIRED_MISSING).len(), 1);
    let inline =
        good_with("  TTLSKeyringParmsRef ring\n", "  TTLSKeyringParms\n  {\n    Keyring R\n  }\n");
    assert!(with(&inline, REQUIRED_MISSING).is_empty());
}

#[test]
fn values_policy_agent_rejects() {
    for (from, to) in [
        ("Direction Outbound", "Direction Out"),
        ("Priority 500", "Priority 0"),
        ("RemotePortRange 9443", "RemotePortRange 99443"),
        ("TTLSEnabled On", "TTLSEnabled Yes"),
        ("HandshakeRole Client", "HandshakeRole Both"),
    ] {
        let found = with(&good_with(from, to), BAD_VALUE);
        assert_eq!(found.len(), 1, "{to}");
        assert!(found[0].1);
    }
    let text = "TcpImage TCPIP /etc/pagent/TCPIP.image FLUSH NOPURGE 1800\nLogLevel 127\n";
    assert!(run(text).is_empty(), "{:#?}", run(text));
    assert_eq!(with("TcpImage TCPIP /etc/x FLUSHH\n", BAD_VALUE).len(), 1);
}

#[test]
fn statements_in_the_wrong_kind_of_file() {
    let text = format!("{GOOD}TcpImage TCPIP /etc/pagent/TCPIP.image\n");
    assert_eq!(with(&text, WRONG_FILE).len(), 1);
    let main = "TcpImage TCPIP /etc/pagent/TCPIP.image\nTTLSConfig /etc/pagent/TCPIP.policy\n";
    assert_eq!(with(main, WRONG_FILE).len(), 1);
    // The main file is also the image file when TcpImage names none.
    let main = "TcpImage TCPIP FLUSH\nTTLSConfig /etc/pagent/TCPIP.policy\n";
    assert!(with(main, WRONG_FILE).is_empty());
    assert!(run("TTLSConfig /etc/pagent/TCPIP.policy FLUSH\n").is_empty());
}

#[test]
fn files_with_nothing_recognised() {
    assert_eq!(with("", NOTHING_RECOGNISED).len(), 1);
    assert_eq!(with("# only a comment\n", NOTHING_RECOGNISED).len(), 1);
    assert!(with("LogLevel 31\n", NOTHING_RECOGNISED).is_empty());
}

#[test]
fn bad_characters() {
    let text = good_with("Jobname PAY*", "Jobname PAY\u{2217}");
    assert_eq!(with(&text, BAD_CHARACTER).len(), 1);
}

#[test]
fn findings_carry_file_line_and_column() {
    let text = good_with("Direction Outbound", "Direction Outbund");
    let found = run(&text);
    let d = found.iter().find(|d| d.code == BAD_VALUE).expect("bad value");
    let origin = d.origin.as_ref().expect("origin");
    assert_eq!((&*origin.file, origin.line, origin.column), ("p.policy", 5, 3));
    assert_eq!(d.object, "TTLSRule PAY_OUT");
}

#[test]
fn hostile_input_never_panics() {
    let inputs = [
        "}}}}{{{{".to_owned(),
        "TTLSRule\n{\n".repeat(100),
        "TTLSRule x\n{\nLocalPortRangeRef\nTTLSGroupActionRef\n}".to_owned(),
        "\u{0}\u{1}\u{ffff}".to_owned(),
        "PortGroup g\n{\n PortRangeRef a\n}\nTTLSRule r\n{\n LocalPortGroupRef g\n Direction Both\n}\n".to_owned(),
    ];
    for input in &inputs {
        let _ = lint(&[PolicyFile { path: "x", text: input }]);
    }
}

#[test]
fn suggestions_of_misspelt_keywords() {
    assert_eq!(suggest("Jobnme", ["Jobname", "Userid"].into_iter()), Some("Jobname"));
    assert_eq!(suggest("Xyzzy", ["Jobname", "Userid"].into_iter()), None);
}

#[test]
fn a_rule_a_wider_rule_always_takes_first_is_shadowed() {
    // A second rule for the same job and port at a lower priority never matches.
    let second = "TTLSRule PAY_OUT2\n{\n  RemotePortRange 9443\n  Jobname PAYROLL\n  Direction Outbound\n  Priority 400\n  TTLSGroupActionRef grpOn\n  TTLSEnvironmentActionRef envClient\n}\n";
    let text = format!("{GOOD}{second}");
    let found = with(&text, SHADOWED_RULE);
    assert_eq!(found.len(), 1, "{:#?}", run(&text));
    assert!(found[0].2.contains("rule PAY_OUT2 never matches: rule PAY_OUT"), "{}", found[0].2);
    // Ranked above the wider rule, it is reached.
    let text = format!("{GOOD}{}", second.replace("Priority 400", "Priority 600"));
    assert!(with(&text, SHADOWED_RULE).is_empty());
}

#[test]
fn a_numeric_address_is_reported_as_read_differently() {
    let text = good_with("Jobname PAY*", "RemoteAddr 6793");
    let found = with(&text, READ_DIFFERENTLY);
    assert_eq!(found.len(), 1, "{:#?}", run(&text));
    assert!(found[0].2.contains("0.0.26.137"));
    assert!(with(&good_with("Jobname PAY*", "RemoteAddr 10.1.1.1"), READ_DIFFERENTLY).is_empty());
}

#[test]
fn cipher_names_on_a_four_character_line_are_ignored() {
    let text = GOOD.replace(
        "V3CipherSuites4Char",
        "V3CipherSuites4Char TLS_AES_128_GCM_SHA256\n  V3CipherSuites4Char",
    );
    let found = with(&text, IGNORED_VALUE);
    assert_eq!(found.len(), 1, "{:#?}", run(&text));
    assert!(found[0].2.contains("V3CipherSuites4Char"));
}

#[test]
fn an_inline_statement_beside_its_reference_is_reported() {
    let text = good_with(
        "TTLSCipherParmsRef cip",
        "TTLSCipherParmsRef cip\n  TTLSCipherParms\n  {\n    V3CipherSuites4Char C02F\n  }",
    );
    let found = with(&text, REPLACED);
    assert_eq!(found.len(), 1, "{:#?}", run(&text));
    assert!(found[0].2.contains("more than once"));
}

#[test]
fn two_stacks_policy_files_have_their_own_names_when_separate() {
    let files =
        [PolicyFile { path: "a.policy", text: GOOD }, PolicyFile { path: "b.policy", text: GOOD }];
    // Given together, the files are one image's policy: the same names are duplicates.
    assert!(lint(&files).iter().any(|d| d.code == DUPLICATE_NAME));
    // As two stacks' files, they are not.
    let separate = LintOptions { separate: true, ..LintOptions::default() };
    let found = lint_with(&files, &separate);
    assert!(found.iter().all(|d| d.code != DUPLICATE_NAME), "{found:#?}");
}

#[test]
fn a_common_file_given_first_serves_the_stack_file() {
    // The CommonTTLSConfig file holds the group; the stack's file only the rule.
    let common = "TTLSGroupAction gOff\n{\n  TTLSEnabled Off\n}\n";
    let stack = "TTLSRule r\n{\n  LocalPortRange 7000\n  Direction Inbound\n  Priority 10\n  TTLSGroupActionRef gOff\n}\n";
    let found = lint(&[
        PolicyFile { path: "common.policy", text: common },
        PolicyFile { path: "stack.policy", text: stack },
    ]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn defaults_that_are_safe_are_not_reported() {
    // SSLv2, SSLv3 and TLSv1.3 default to Off: leaving them out is not worth a finding.
    let text = good_with("  SSLv2 Off\n", "").replace("  SSLv3 Off\n", "");
    assert!(with(&text, PROTOCOL_DEFAULTS).is_empty(), "{:#?}", run(&text));
    let text = good_with("  TLSv1 Off\n", "");
    let found = with(&text, PROTOCOL_DEFAULTS);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].2.starts_with("TLSv1 is left to its default (TLSv1 defaults to On)"),
        "{}",
        found[0].2
    );
}

#[test]
fn a_pasearch_report_is_recognised_and_skipped() {
    let report =
        "\nTCP/IP pasearch CS 3.1     Image Name: TCPIP\n\npolicyRule:   R\n  Rule Type:   TTLS\n";
    let found = run(report);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("pasearch -t"));
}

/// Two rules for one port and direction at one priority, whose names order differently in
/// EBCDIC (lower case first) and ASCII (upper case first).
const COLLATED: &str = "\
TTLSRule zeta
{
  LocalPortRange 7000
  Direction Inbound
  Priority 100
  TTLSGroupActionRef gOff
}
TTLSRule ZETA1
{
  LocalPortRange 7000
  Direction Inbound
  Priority 100
  TTLSGroupActionRef gOff
}
TTLSGroupAction gOff
{
  TTLSEnabled Off
}
";

fn lint_as(text: &str, effective: Options) -> Vec<Diagnostic> {
    lint_with(
        &[PolicyFile { path: "p.policy", text }],
        &LintOptions { effective, ..LintOptions::default() },
    )
}

#[test]
fn priority_ties_blame_the_rule_the_collation_puts_second() {
    for (collation, first, second) in
        [(Collation::Ebcdic, "zeta", "ZETA1"), (Collation::Ascii, "ZETA1", "zeta")]
    {
        let found = lint_as(COLLATED, Options { collation, ..Options::default() });
        let ties: Vec<_> = found.iter().filter(|d| d.code == PRIORITY_TIE).collect();
        assert_eq!(ties.len(), 1, "{found:#?}");
        assert!(
            ties[0].message.starts_with(&format!(
                "rule {second} can match the same connections as {first} with priority 100"
            )),
            "{collation:?}: {}",
            ties[0].message
        );
        assert_eq!(ties[0].object, format!("TTLSRule {second}"));
        // The shadowed-rule finding names the same order.
        let shadowed: Vec<_> = found.iter().filter(|d| d.code == SHADOWED_RULE).collect();
        assert_eq!(shadowed.len(), 1, "{found:#?}");
        assert!(
            shadowed[0].message.starts_with(&format!("rule {second} never matches: rule {first}")),
            "{collation:?}: {}",
            shadowed[0].message
        );
    }
}

#[test]
fn rules_without_priority_tie_at_the_unprioritised_rank() {
    let text = COLLATED.replacen("  Priority 100\n", "", 1).replace("Priority 100", "Priority 5");
    // Ranked at 0, the rule without a priority comes after ZETA1: no tie.
    assert!(lint_as(&text, Options::default()).iter().all(|d| d.code != PRIORITY_TIE));
    let found = lint_as(&text, Options { unprioritised: 5, ..Options::default() });
    let ties: Vec<_> = found.iter().filter(|d| d.code == PRIORITY_TIE).collect();
    assert_eq!(ties.len(), 1, "{found:#?}");
    assert!(
        ties[0].message.starts_with(
            "rule ZETA1 can match the same connections as zeta with priority 5 (zeta has no Priority"
        ),
        "{}",
        ties[0].message
    );
}

#[test]
fn a_shadowed_rule_is_explained_with_the_ranks_given() {
    // zeta has no priority; ranked at 5 it is still below ZETA1's 100.
    let text = COLLATED.replacen("  Priority 100\n", "", 1);
    let found = lint_as(&text, Options { unprioritised: 5, ..Options::default() });
    let shadowed: Vec<_> = found.iter().filter(|d| d.code == SHADOWED_RULE).collect();
    assert_eq!(shadowed.len(), 1, "{found:#?}");
    assert!(
        shadowed[0]
            .message
            .contains("(its priority 100 is higher than 5, the rank of a rule without Priority)"),
        "{}",
        shadowed[0].message
    );
}

/// A main file with two stacks, each image file naming its own policy file.
const TWO_STACKS_MAIN: &str = "\
TcpImage TCPIP /etc/pagent/TCPIP.image FLUSH NOPURGE 1800
TcpImage TCPAPP /etc/pagent/TCPAPP.image FLUSH NOPURGE 1800
";

fn two_stacks(main: &str, tcpip: &str, tcpapp: &str, separate: bool) -> Vec<Diagnostic> {
    let files = [
        PolicyFile { path: "pagent/pagent.conf", text: main },
        PolicyFile { path: "pagent/TCPIP.image", text: "TTLSConfig /etc/pagent/TCPIP.policy\n" },
        PolicyFile { path: "pagent/TCPAPP.image", text: "TTLSConfig /etc/pagent/TCPAPP.policy\n" },
        PolicyFile { path: "pagent/TCPAPP.policy", text: tcpapp },
        PolicyFile { path: "pagent/TCPIP.policy", text: tcpip },
    ];
    lint_with(&files, &LintOptions { separate, ..LintOptions::default() })
}

#[test]
fn two_stacks_linked_from_one_main_file_have_their_own_names() {
    for separate in [false, true] {
        let found = two_stacks(TWO_STACKS_MAIN, GOOD, GOOD, separate);
        assert!(found.is_empty(), "separate {separate}: {found:#?}");
    }
}

#[test]
fn a_name_defined_twice_in_one_stacks_file_is_still_a_duplicate() {
    let twice = format!("{GOOD}TTLSGroupAction grpOn\n{{\n  TTLSEnabled Off\n}}\n");
    for separate in [false, true] {
        let found = two_stacks(TWO_STACKS_MAIN, GOOD, &twice, separate);
        let dups: Vec<_> = found.iter().filter(|d| d.code == DUPLICATE_NAME).collect();
        assert_eq!(dups.len(), 1, "separate {separate}: {found:#?}");
        let origin = dups[0].origin.as_ref().map(|o| (o.file.to_string(), o.line));
        assert_eq!(origin, Some(("pagent/TCPAPP.policy".to_owned(), 10)));
        assert!(dups[0].help.as_deref().is_some_and(|h| h.contains("pagent/TCPAPP.policy:38")));
    }
}

#[test]
fn each_stack_sees_the_common_files_names() {
    // The common file holds the cipher list both stacks' files refer to.
    let common = "TTLSCipherParms cip\n{\n  V3CipherSuites4Char 13021301C030\n}\n";
    let stack = GOOD.replace("TTLSCipherParms cip\n{\n  V3CipherSuites4Char 13021301C030\n}\n", "");
    assert_ne!(stack, GOOD);
    let main = format!("{TWO_STACKS_MAIN}CommonTTLSConfig /etc/pagent/common.policy\n");
    for separate in [false, true] {
        let found = lint_with(
            &[
                PolicyFile { path: "pagent/pagent.conf", text: &main },
                PolicyFile {
                    path: "pagent/TCPIP.image",
                    text: "TTLSConfig /etc/pagent/TCPIP.policy\n",
                },
                PolicyFile {
                    path: "pagent/TCPAPP.image",
                    text: "TTLSConfig /etc/pagent/TCPAPP.policy\n",
                },
                PolicyFile { path: "pagent/common.policy", text: common },
                PolicyFile { path: "pagent/TCPAPP.policy", text: &stack },
                PolicyFile { path: "pagent/TCPIP.policy", text: &stack },
            ],
            &LintOptions { separate, ..LintOptions::default() },
        );
        assert!(found.is_empty(), "separate {separate}: {found:#?}");
    }
    // Without the common file's name in the main file, the references dangle.
    let found = two_stacks(TWO_STACKS_MAIN, &stack, &stack, false);
    assert!(found.iter().any(|d| d.code == DANGLING_REFERENCE), "{found:#?}");
}

#[test]
fn a_main_file_that_is_also_the_image_file_links_its_policy() {
    // No path on `TcpImage`: the main file's own `TTLSConfig` names the stack's file, which
    // is then one stack apart from the unlinked file given with it.
    let main = "TcpImage TCPIP FLUSH\nTTLSConfig /etc/pagent/TCPIP.policy\n";
    let found = lint(&[
        PolicyFile { path: "pagent.conf", text: main },
        PolicyFile { path: "TCPIP.policy", text: GOOD },
        PolicyFile { path: "other.policy", text: GOOD },
    ]);
    assert!(found.iter().all(|d| d.code != DUPLICATE_NAME), "{found:#?}");
}
