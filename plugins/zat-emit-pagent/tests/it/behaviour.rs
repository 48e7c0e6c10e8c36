//! Behaviour on variations of the fixtures: clear-text rules, certificate labels, long
//! names, missing priorities, rich security levels, bad values, `--only`.

use zat_plugin_api::layout;
use zat_plugin_api::model::{Fleet, Rule, RuleSource};
use zat_policy::{Statement, parse};

use crate::{file, fixtures, render, render_only};

fn seed() -> Fleet {
    fixtures().remove(0).1
}

fn seed_policy(fleet: &Fleet) -> (Vec<Statement>, Vec<zat_plugin_api::model::Diagnostic>) {
    let response = render(fleet);
    let policy = file(&response, &layout::pagent_policy("SYSA", "TCPIP"));
    (parse(&policy.content).0, response.diagnostics)
}

fn rule(fleet: &mut Fleet) -> &mut Rule {
    &mut fleet.lpars[0].stacks[0].rules[0]
}

fn find<'a>(statements: &'a [Statement], kind: &str, name: &str) -> &'a Statement {
    statements
        .iter()
        .find(|s| s.is(kind) && s.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn value(statement: &Statement, keyword: &str) -> Option<String> {
    statement.attribute(keyword).map(|a| a.value())
}

#[test]
fn a_disabled_rule_gets_a_clear_text_group_and_nothing_else() {
    let mut fleet = seed();
    let mut clear = rule(&mut fleet).clone();
    clear.name = "LOOPBACK_CLEAR".into();
    clear.enabled = false;
    clear.remote_addr = Some("127.0.0.1".into());
    clear.priority = Some(900_000_000);
    clear.source = RuleSource::Script;
    fleet.lpars[0].stacks[0].rules.push(clear);
    let (statements, diagnostics) = seed_policy(&fleet);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    // Highest priority first.
    assert_eq!(statements[0].name.as_deref(), Some("LOOPBACK_CLEAR"));
    let rule = &statements[0];
    assert_eq!(value(rule, "TTLSEnvironmentActionRef"), None);
    assert_eq!(value(rule, "TTLSConnectionActionRef"), None);
    let group =
        find(&statements, "TTLSGroupAction", &value(rule, "TTLSGroupActionRef").expect("group"));
    let keywords: Vec<&str> = group.attributes().map(|a| a.keyword.as_str()).collect();
    assert_eq!(keywords, ["TTLSEnabled"]);
    assert_eq!(value(group, "TTLSEnabled").as_deref(), Some("Off"));
    // The enabled rule's group is another one.
    assert_ne!(value(&statements[1], "TTLSGroupActionRef"), value(rule, "TTLSGroupActionRef"));
}

#[test]
fn shared_objects_are_written_once() {
    let mut fleet = seed();
    for index in 0..3 {
        let mut copy = rule(&mut fleet).clone();
        copy.name = format!("COPY{index}").into();
        copy.priority = Some(10 + index);
        fleet.lpars[0].stacks[0].rules.push(copy);
    }
    let (statements, _) = seed_policy(&fleet);
    let count = |kind: &str| statements.iter().filter(|s| s.is(kind)).count();
    assert_eq!(count("TTLSRule"), 4);
    for kind in [
        "TTLSGroupAction",
        "TTLSEnvironmentAction",
        "TTLSKeyringParms",
        "TTLSCipherParms",
        "TTLSEnvironmentAdvancedParms",
    ] {
        assert_eq!(count(kind), 1, "{kind}");
    }
    assert_eq!(count("TTLSConnectionAction"), 0);
}

#[test]
fn a_certificate_label_gets_a_connection_action() {
    let mut fleet = seed();
    rule(&mut fleet).certificate_label = Some("ZOSCONNCERT".into());
    let (statements, _) = seed_policy(&fleet);
    let rule = statements.iter().find(|s| s.is("TTLSRule")).expect("rule");
    let connection = find(
        &statements,
        "TTLSConnectionAction",
        &value(rule, "TTLSConnectionActionRef").expect("ref"),
    );
    let parms = connection.statements().next().expect("inline parms");
    assert!(parms.is("TTLSConnectionAdvancedParms"));
    assert_eq!(value(parms, "CertificateLabel").as_deref(), Some("ZOSCONNCERT"));
}

#[test]
fn long_identities_get_distinct_names_within_32() {
    let mut fleet = seed();
    let ring_name = "A-VERY-LONG-KEY-RING-NAME-FOR-PAYROLL-REQUESTERS";
    let mut other = rule(&mut fleet).clone();
    other.name = "OTHER_OUT".into();
    other.priority = Some(5);
    if let Some(ring) = &mut other.keyring {
        ring.name = format!("{ring_name}-2").into();
    }
    if let Some(ring) = &mut rule(&mut fleet).keyring {
        ring.name = format!("{ring_name}-1").into();
    }
    fleet.lpars[0].stacks[0].rules.push(other);
    let (statements, _) = seed_policy(&fleet);
    let names: Vec<&str> = statements.iter().filter_map(|s| s.name.as_deref()).collect();
    for name in &names {
        assert!(name.len() <= 32, "{name}");
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert_eq!(statements.iter().filter(|s| s.is("TTLSKeyringParms")).count(), 2);
    assert_eq!(statements.iter().filter(|s| s.is("TTLSEnvironmentAction")).count(), 2);
    // Rendering again gives the same names.
    let (again, _) = seed_policy(&fleet);
    assert_eq!(statements, again);
}

#[test]
fn a_rule_without_priority_gets_one_and_a_warning() {
    let mut fleet = seed();
    let explicit = rule(&mut fleet).priority.expect("core assigns priorities");
    rule(&mut fleet).priority = None;
    let mut second = rule(&mut fleet).clone();
    second.name = "SECOND_OUT".into();
    second.priority = Some(explicit);
    fleet.lpars[0].stacks[0].rules.push(second);
    let (statements, diagnostics) = seed_policy(&fleet);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].code, "ZAT0541");
    let derived = find(&statements, "TTLSRule", "ZCEEAPP_OUT");
    let priority = derived.attribute("Priority").expect("priority");
    let number: i64 = priority.value().parse().expect("number");
    assert!(number < explicit && number >= 1);
    assert!(priority.trailing_comment.as_deref().is_some_and(|c| c.contains("derived")));
    assert_eq!(statements[0].name.as_deref(), Some("SECOND_OUT"));
}

#[test]
fn a_rich_security_level_writes_every_setting() {
    let mut fleet = seed();
    let level = &mut fleet.security_levels[0];
    level.ciphers =
        ["1301", "1302", "1303", "C02B", "C02C", "C02F", "C030", "C023", "C024", "C027"]
            .map(String::from)
            .to_vec();
    level.signature_pairs = ["0601", "0501", "0401"].map(String::from).to_vec();
    level.curves = ["0019", "0023", "0029"].map(String::from).to_vec();
    level.handshake_timeout = Some(30);
    level.fips = true;
    let (statements, _) = seed_policy(&fleet);
    let rule = statements.iter().find(|s| s.is("TTLSRule")).expect("rule");
    let group =
        find(&statements, "TTLSGroupAction", &value(rule, "TTLSGroupActionRef").expect("g"));
    assert_eq!(value(group, "FIPS140").as_deref(), Some("On"));
    let env = find(
        &statements,
        "TTLSEnvironmentAction",
        &value(rule, "TTLSEnvironmentActionRef").expect("e"),
    );
    let ciphers =
        find(&statements, "TTLSCipherParms", &value(env, "TTLSCipherParmsRef").expect("c"));
    let lines: Vec<String> = ciphers.attributes().map(|a| a.value()).collect();
    assert_eq!(lines, ["130113021303C02BC02CC02FC030C023", "C024C027"]);
    let signature =
        find(&statements, "TTLSSignatureParms", &value(env, "TTLSSignatureParmsRef").expect("s"));
    assert_eq!(value(signature, "SignaturePairs").as_deref(), Some("060105010401"));
    assert_eq!(value(signature, "ClientECurves").as_deref(), Some("001900230029"));
    // secp192r1 is not a TLS 1.3 key share group.
    assert_eq!(value(signature, "ClientKeyShareGroups").as_deref(), Some("00230029"));
    let advanced = find(
        &statements,
        "TTLSEnvironmentAdvancedParms",
        &value(env, "TTLSEnvironmentAdvancedParmsRef").expect("a"),
    );
    assert_eq!(value(advanced, "HandshakeTimeout").as_deref(), Some("30"));
}

#[test]
fn unsafe_values_leave_the_rule_out_with_an_error() {
    for (field, bad) in [("label", "Zowe Server"), ("jobname", "PAY#1"), ("userid", "caf\u{e9}")] {
        let mut fleet = seed();
        match field {
            "label" => rule(&mut fleet).certificate_label = Some(bad.into()),
            "jobname" => rule(&mut fleet).jobname = Some(bad.into()),
            _ => rule(&mut fleet).userid = Some(bad.into()),
        }
        let (statements, diagnostics) = seed_policy(&fleet);
        assert!(statements.iter().all(|s| !s.is("TTLSRule")), "{field}");
        assert_eq!(diagnostics.len(), 1, "{field}: {diagnostics:#?}");
        assert!(diagnostics[0].is_error());
        assert!(diagnostics[0].message.contains(bad), "{}", diagnostics[0].message);
    }
}

#[test]
fn enabled_rule_without_ring_or_level_is_left_out() {
    let mut fleet = seed();
    rule(&mut fleet).keyring = None;
    let (_, diagnostics) = seed_policy(&fleet);
    assert_eq!(diagnostics[0].code, "ZAT0540");
    let mut fleet = seed();
    rule(&mut fleet).level = "NOSUCH".into();
    let (_, diagnostics) = seed_policy(&fleet);
    assert!(diagnostics[0].message.contains("NOSUCH"));
}

#[test]
fn duplicate_rule_names_are_refused() {
    let mut fleet = seed();
    let mut twin = rule(&mut fleet).clone();
    twin.name = twin.name.to_ascii_lowercase().into();
    fleet.lpars[0].stacks[0].rules.push(twin);
    let (statements, diagnostics) = seed_policy(&fleet);
    assert_eq!(statements.iter().filter(|s| s.is("TTLSRule")).count(), 1);
    assert_eq!(diagnostics.len(), 1);
}

#[test]
fn rule_names_differing_only_in_case_are_refused_as_distinct_names() {
    let mut fleet = seed();
    let name = rule(&mut fleet).name.to_string();
    let mut twin = rule(&mut fleet).clone();
    twin.name = name.to_ascii_lowercase().into();
    fleet.lpars[0].stacks[0].rules.push(twin);
    let (_, diagnostics) = seed_policy(&fleet);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let message = &diagnostics[0].message;
    // Names are case-sensitive (attls-policy §3.0): the two are not one name, and nothing
    // says Policy Agent keeps only the last of them.
    assert!(!message.contains("keep only the last"), "{message}");
    assert!(
        message.contains(&format!("rule {name} on this stack has the same name but for case")),
        "{message}"
    );
    // The same name twice is a duplicate, and the last one wins.
    let mut fleet = seed();
    let twin = rule(&mut fleet).clone();
    fleet.lpars[0].stacks[0].rules.push(twin);
    let (_, diagnostics) = seed_policy(&fleet);
    assert!(diagnostics[0].message.contains("keep only the last"), "{}", diagnostics[0].message);
}

#[test]
fn only_requested_lpars_and_ttls_stacks() {
    let (_, fleet) = fixtures().remove(1);
    let response = render_only(&fleet, &["SYSB"]);
    assert!(response.files.iter().all(|f| f.path.starts_with("lpars/SYSB/")));
    assert_eq!(response.files.len(), 1 + 2 * 2);

    // An LPAR without a TTLS stack runs no AT-TLS: no Policy Agent file at all, and a
    // warning only for rules that a stack with TTLS off would not install.
    let mut fleet = seed();
    fleet.lpars[0].stacks[0].ttls = false;
    let response = render(&fleet);
    assert!(response.files.is_empty(), "{:?}", response.files);
    let codes: Vec<&str> = response.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["ZAT0545"]);
}

#[test]
fn a_ttls_stack_without_rules_gets_a_policy_with_its_header_only() {
    let mut fleet = seed();
    fleet.lpars[0].stacks[0].rules.clear();
    let response = render(&fleet);
    let policy = file(&response, &layout::pagent_policy("SYSA", "TCPIP"));
    assert!(policy.content.lines().all(|l| l.starts_with('#')), "{}", policy.content);
}

#[test]
fn a_scaled_fleet_renders_clean_policies() {
    let prepared = zat_core::prepare(zat_core::fixtures::scaled_raw(25));
    assert!(!prepared.has_errors(), "{:#?}", prepared.diagnostics);
    let response = render(&prepared.fleet);
    assert!(response.diagnostics.is_empty(), "{:#?}", response.diagnostics);
    // Per LPAR: the main file, and an image and a policy per stack.
    assert_eq!(response.files.len(), 25 * (1 + 4 * 2));
    for lpar in &prepared.fleet.lpars {
        for stack in &lpar.stacks {
            let policy = file(&response, &layout::pagent_policy(&lpar.name, &stack.name));
            let (statements, diagnostics) = parse(&policy.content);
            assert!(diagnostics.is_empty(), "{}: {diagnostics:#?}", policy.path);
            let rules = statements.iter().filter(|s| s.is("TTLSRule")).count();
            assert_eq!(rules, stack.rules.len(), "{}", policy.path);
            assert!(rules >= 10, "{}", policy.path);
        }
    }
}

#[test]
fn level_settings_are_written_and_read_back_by_the_effective_policy() {
    let mut fleet = seed();
    let level_name = rule(&mut fleet).level.clone();
    let level =
        fleet.security_levels.iter_mut().find(|l| l.name == level_name).expect("the rule's level");
    level.ciphers.clear();
    level.settings.system_ssl_ciphers = true;
    level.settings.client_auth_type = Some("Full".into());
    level.settings.application_controlled = Some(true);
    level.settings.renegotiation = Some("Disabled".into());
    level.settings.key_share_groups = vec!["0023".into()];
    level.settings.environment_user_instance = Some(1);
    let response = render(&fleet);
    assert!(response.diagnostics.is_empty(), "{:#?}", response.diagnostics);
    let text = file(&response, &layout::pagent_policy("SYSA", "TCPIP")).content.clone();
    let options = zat_policy::Options::default();
    let policy = zat_policy::effective::effective(
        &[zat_policy::PolicyFile { path: "p", text: &text }],
        &options,
    );
    let name = fleet.lpars[0].stacks[0].rules[0].name.clone();
    let rule = policy.rule(&name).expect("the rule is installed");
    assert_eq!(rule.value("ClientAuthType"), Some("Full"));
    assert_eq!(rule.value("ApplicationControlled"), Some("On"));
    assert_eq!(rule.value("Renegotiation"), Some("Disabled"));
    assert_eq!(rule.value("ClientKeyShareGroups"), Some("0023"));
    assert_eq!(rule.value("EnvironmentUserInstance"), Some("1"));
    // No cipher list written: System SSL's default applies.
    assert_eq!(rule.value("V3CipherSuites"), Some(zat_policy::effective::SYSTEM_SSL_DEFAULT));
    assert!(!text.contains("TTLSCipherParms"), "{text}");
}

#[test]
fn a_server_certificate_label_is_written_beside_the_label() {
    let mut fleet = seed();
    rule(&mut fleet).server_certificate_label = Some("ZCEESRV".into());
    let (statements, diagnostics) = seed_policy(&fleet);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let name = value(&statements[0], "TTLSConnectionActionRef").expect("a connection action");
    let connection = find(&statements, "TTLSConnectionAction", &name);
    let advanced = connection.statements().next().expect("advanced parms");
    assert_eq!(value(advanced, "ServerCertificateLabel").as_deref(), Some("ZCEESRV"));
}

/// z/OS 2.4 has no `ServerCertificateLabel` (its Policy Agent ignores the line): a server
/// rule's server label goes into `CertificateLabel`, which names the server certificate for
/// the server role, so the policy as 2.4 reads it presents the certificate the script named.
/// Two different labels for the server role cannot be said on 2.4: the rule is left out.
#[test]
fn on_z_os_2_4_the_server_label_is_written_as_the_certificate_label() {
    use zat_plugin_api::model::HandshakeRole;
    use zat_policy::{Options, PolicyFile, Release, effective::effective};
    let mut fleet = seed();
    fleet.lpars[0].pagent.release = Some("2.4".into());
    let server = rule(&mut fleet);
    server.role = HandshakeRole::Server;
    server.certificate_label = None;
    server.server_certificate_label = Some("ZCEESRV".into());
    let name = server.name.to_string();
    let response = render(&fleet);
    assert!(response.diagnostics.is_empty(), "{:#?}", response.diagnostics);
    let path = layout::pagent_policy("SYSA", "TCPIP");
    let text = &file(&response, &path).content;
    let options = Options { release: Release::V2R4, ..Options::default() };
    let read = effective(&[PolicyFile { path: &path, text }], &options);
    let installed = read.rules.iter().find(|r| r.name == name).expect("the rule");
    assert_eq!(installed.value("CertificateLabel"), Some("ZCEESRV"), "{text}");
    assert!(!text.contains("ServerCertificateLabel"), "{text}");

    // The same label twice is one label.
    rule(&mut fleet).certificate_label = Some("ZCEESRV".into());
    let response = render(&fleet);
    assert!(response.diagnostics.is_empty(), "{:#?}", response.diagnostics);

    // Two labels: 2.4 cannot say which certificate the server presents.
    rule(&mut fleet).certificate_label = Some("OTHER".into());
    let response = render(&fleet);
    assert!(
        response.diagnostics.iter().any(|d| d.code == "ZAT0540" && d.message.contains("2.4")),
        "{:#?}",
        response.diagnostics
    );
    let text = &file(&response, &path).content;
    assert!(!text.contains(&format!("TTLSRule {name}")), "{text}");

    // 2.5 writes both, as the script says.
    fleet.lpars[0].pagent.release = Some("2.5".into());
    let response = render(&fleet);
    let text = &file(&response, &path).content;
    let says = |words: [&str; 2]| text.lines().any(|l| l.split_whitespace().eq(words));
    assert!(says(["ServerCertificateLabel", "ZCEESRV"]), "{text}");
    assert!(says(["CertificateLabel", "OTHER"]), "{text}");
}
