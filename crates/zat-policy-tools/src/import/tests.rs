//! Unit tests of import: what each policy shape becomes, and what is noted or left out.

use super::*;

fn read(text: &str) -> Imported {
    import(&[PolicyFile { path: "p.policy", text }])
}

const POLICY: &str = "\
TTLSRule PAY_OUT
{
  RemotePortRange 9443
  Jobname pay*
  Direction Outbound
  Priority 500
  TTLSGroupActionRef grp
  TTLSEnvironmentActionRef envClient
}
TTLSRule LEDGER_IN
{
  LocalPortRange 8443
  LocalAddr All
  Jobname LEDGER1
  Direction Inbound
  Priority 400
  TTLSGroupActionRef grp
  TTLSEnvironmentActionRef envServer
  TTLSConnectionActionRef con
}
TTLSRule LOOP
{
  RemoteAddr 127.0.0.1
  Direction Both
  Priority 900
  TTLSGroupActionRef off
}
TTLSGroupAction grp
{
  TTLSEnabled On
  Trace 6
}
TTLSGroupAction off
{
  TTLSEnabled Off
}
TTLSEnvironmentAction envClient
{
  HandshakeRole Client
  TTLSKeyringParms
  {
    Keyring payusr/PayRing
  }
  TTLSEnvironmentAdvancedParmsRef modern
  TTLSCipherParms
  {
    V3CipherSuites4Char 13021301C030
  }
}
TTLSEnvironmentAction envServer
{
  HandshakeRole ServerWithClientAuth
  EnvironmentUserInstance 0
  TTLSKeyringParms
  {
    Keyring LEDGER/LedgerRing
  }
  TTLSEnvironmentAdvancedParmsRef modern
  TTLSCipherParms
  {
    V3CipherSuites4Char 13021301C030
  }
}
TTLSConnectionAction con
{
  TTLSConnectionAdvancedParms
  {
    CertificateLabel LEDGERSRV
    ApplicationControlled On
    SecondaryMap Off
  }
}
TTLSEnvironmentAdvancedParms modern
{
  SSLv2 Off
  SSLv3 Off
  TLSv1 Off
  TLSv1.1 Off
  TLSv1.2 On
  TLSv1.3 On
  HandshakeTimeout 15
}
";

#[test]
fn rules_keep_direction_ports_jobs_priorities_rings_and_labels() {
    let imported = read(POLICY);
    // In the order the stack compares them: priority descending.
    let names: Vec<&str> = imported.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["LOOP", "PAY_OUT", "LEDGER_IN"]);
    let pay = &imported.rules[1];
    assert_eq!(pay.direction, "outbound");
    assert_eq!(pay.remote_port, Some((9443, 9443)));
    assert_eq!(pay.jobname.as_deref(), Some("PAY*"));
    assert_eq!(pay.priority, Some(500));
    assert_eq!(pay.role, Some("client"));
    assert_eq!(pay.trace, Some(6));
    let ring = &imported.rings[pay.ring.expect("ring")];
    assert_eq!((ring.owner.as_str(), ring.name.as_str()), ("PAYUSR", "PayRing"));
    let ledger = &imported.rules[2];
    assert_eq!(ledger.local_addr, None, "All is no condition");
    assert_eq!(ledger.role, Some("server_with_client_auth"));
    assert_eq!(ledger.label.as_deref(), Some("LEDGERSRV"));
    let ring = &imported.rings[ledger.ring.expect("ring")];
    assert_eq!(ring.labels, ["LEDGERSRV"]);
    assert!(!ring.needs_default);
    let clear = &imported.rules[0];
    assert!(!clear.enabled);
    assert_eq!(clear.remote_addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(clear.ring, None);
}

#[test]
fn levels_carry_what_the_environment_and_connection_set() {
    let imported = read(POLICY);
    assert_eq!(imported.levels.len(), 2, "{:#?}", imported.levels);
    let client = &imported.levels[imported.rules[1].level.expect("level")];
    assert_eq!(client.name, "envClient");
    assert_eq!(client.protocols, [false, false, false, false, true, true]);
    assert_eq!(
        client.ciphers.as_deref(),
        Some(&["1302".to_owned(), "1301".to_owned(), "C030".to_owned()][..])
    );
    assert_eq!(client.handshake_timeout, Some(15));
    let server = &imported.levels[imported.rules[2].level.expect("level")];
    assert_eq!(server.application_controlled, Some(true));
    assert_eq!(server.environment_user_instance, Some(0));
    assert_eq!(server.client_auth_type, None, "Required is the default");
}

#[test]
fn what_the_model_cannot_hold_is_noted_and_warned() {
    let text =
        POLICY.replace("    SecondaryMap Off\n", "    SecondaryMap On\n    CtraceClearText On\n");
    let imported = read(&text);
    let ledger = &imported.rules[2];
    assert!(
        ledger.not_carried.iter().any(|n| n.starts_with("SecondaryMap On")),
        "{:?}",
        ledger.not_carried
    );
    let warned: Vec<_> = imported.diagnostics.iter().filter(|d| d.code == NOT_CARRIED).collect();
    assert_eq!(warned.len(), 2, "{warned:#?}");
    // CtraceClearText is not a parameter of TTLSConnectionAdvancedParms: Policy Agent ignores
    // it, and import says so rather than carrying it.
    assert!(warned[1].message.contains("has no parameter CtraceClearText"), "{warned:#?}");
    // A value equal to the default is not worth a note.
    let imported = read(POLICY);
    assert!(imported.rules.iter().all(|r| r.not_carried.is_empty()), "{:#?}", imported.rules);
    // The lower-case job name was made upper case, with a warning.
    assert!(imported.diagnostics.iter().any(|d| d.code == ASSUMED && d.message.contains("`pay*`")));
}

/// The policy reference documents the lists System SSL uses when TTLSSignatureParms leaves
/// them out; a report that shows them (codes apart) says nothing the rebuilt policy does not.
#[test]
fn signature_lists_equal_to_their_documented_values_are_not_noted() {
    let with = |lines: &str| {
        POLICY.replacen(
            "  TTLSEnvironmentAdvancedParmsRef modern\n",
            &format!("  TTLSEnvironmentAdvancedParmsRef modern\n  TTLSSignatureParms\n  {{\n{lines}  }}\n"),
            1,
        )
    };
    let documented = with(
        "    ServerKexECurves 0023 0024 0025 0021 0019\n    ClientKeyShareGroups 0023\n    ServerKeyShareGroups 0023 0024 0025 0029 0030\n",
    );
    let imported = read(&documented);
    assert!(imported.rules.iter().all(|r| r.not_carried.is_empty()), "{:#?}", imported.rules);
    assert!(
        imported.diagnostics.iter().all(|d| d.code != NOT_CARRIED),
        "{:#?}",
        imported.diagnostics
    );
    let imported = read(&with("    ServerKexECurves 0023\n"));
    let noted: Vec<_> = imported.rules.iter().flat_map(|r| &r.not_carried).collect();
    assert!(noted.iter().any(|n| n.starts_with("ServerKexECurves 0023")), "{noted:?}");
}

#[test]
fn unset_settings_take_the_effective_values_without_noise() {
    let text = POLICY.replace("  TLSv1 Off\n  TLSv1.1 Off\n", "");
    let imported = read(&text);
    assert_eq!(imported.levels[0].protocols, [false, false, true, true, true, true]);
    assert!(imported.diagnostics.iter().all(|d| d.code != ASSUMED || !d.message.contains("TLSv1")));
}

#[test]
fn no_cipher_statement_stays_system_ssl_default() {
    let text =
        POLICY.replace("  TTLSCipherParms\n  {\n    V3CipherSuites4Char 13021301C030\n  }\n", "");
    let imported = read(&text);
    assert!(imported.levels.iter().all(|l| l.ciphers.is_none()), "{:#?}", imported.levels);
}

#[test]
fn cipher_names_and_two_character_codes_become_four_character_codes() {
    let text = POLICY.replacen(
        "V3CipherSuites4Char 13021301C030",
        "V3CipherSuites TLS_AES_256_GCM_SHA384\n    V3CipherSuites 9C9D\n    V3CipherSuites TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
        1,
    );
    let imported = read(&text);
    let level = &imported.levels[imported.rules[1].level.expect("level")];
    assert_eq!(
        level.ciphers.as_deref(),
        Some(&["1302".to_owned(), "009C".to_owned(), "009D".to_owned(), "00A3".to_owned()][..])
    );
}

#[test]
fn unprioritised_rules_keep_their_place_below_explicit_priorities() {
    let text = POLICY.replace("  Priority 500\n", "").replace("  Priority 400\n", "");
    let imported = read(&text);
    let priorities: Vec<(&str, Option<i64>)> =
        imported.rules.iter().map(|r| (r.name.as_str(), r.priority)).collect();
    // EBCDIC order within the unprioritised: LEDGER_IN before PAY_OUT; both below 900.
    assert_eq!(priorities, [("LOOP", Some(900)), ("LEDGER_IN", Some(899)), ("PAY_OUT", Some(898))]);
    assert!(
        imported
            .diagnostics
            .iter()
            .any(|d| d.code == ASSUMED && d.message.contains("keeps its place"))
    );
}

/// A `Priority 1` leaves no number below it: the explicit priorities are raised together
/// rather than the unprioritised rule being tied with it (where the name would decide).
#[test]
fn unprioritised_rules_stay_below_a_priority_of_1() {
    let text = POLICY
        .replace("  Priority 500\n", "")
        .replace("  Priority 400\n", "  Priority 1\n")
        .replace("Priority 900", "Priority 2000000000");
    let imported = read(&text);
    let priorities: Vec<(&str, Option<i64>)> =
        imported.rules.iter().map(|r| (r.name.as_str(), r.priority)).collect();
    // No room to raise 2000000000: tied at 1, and said so.
    assert_eq!(
        priorities,
        [("LOOP", Some(2_000_000_000)), ("LEDGER_IN", Some(1)), ("PAY_OUT", Some(1))]
    );
    assert!(imported.diagnostics.iter().any(|d| d.message.contains("tied with the rules at 1")));

    let text = text.replace("Priority 2000000000", "Priority 900");
    let imported = read(&text);
    let priorities: Vec<(&str, Option<i64>)> =
        imported.rules.iter().map(|r| (r.name.as_str(), r.priority)).collect();
    assert_eq!(priorities, [("LOOP", Some(901)), ("LEDGER_IN", Some(2)), ("PAY_OUT", Some(1))]);
    assert!(imported.diagnostics.iter().any(|d| d.code == ASSUMED
        && d.message.contains("rule LEDGER_IN has Priority 1; the script gives it 2 (1 more)")));
}

#[test]
fn rules_the_model_cannot_state_are_left_out_not_broadened() {
    let text = POLICY.replace("  RemotePortRange 9443\n", "  RemotePortGroupRef ports\n")
        + "PortGroup ports\n{\n  PortRange\n  {\n    Port 9443\n  }\n  PortRange\n  {\n    Port 9444\n  }\n}\n";
    let imported = read(&text);
    assert!(imported.rules.iter().all(|r| r.name != "PAY_OUT"));
    assert_eq!(imported.left_out.len(), 1);
    assert!(imported.left_out[0].reason.contains("2 ranges"), "{:?}", imported.left_out);
    assert!(imported.diagnostics.iter().any(|d| d.code == RULE_LEFT_OUT));
    let text = POLICY.replace("payusr/PayRing", "*AUTH*/*");
    let imported = read(&text);
    assert!(
        imported.left_out.iter().any(|l| l.name == "PAY_OUT" && l.reason.contains("virtual ring"))
    );
}

#[test]
fn rings_without_owner_take_the_user_id_or_a_placeholder() {
    let text = POLICY.replace("payusr/PayRing", "PayRing");
    let imported = read(&text);
    let ring = &imported.rings[imported.rules[1].ring.expect("ring")];
    assert_eq!(ring.owner, PLACEHOLDER_OWNER);
    let text = text.replace("  Jobname pay*\n", "  Jobname pay*\n  Userid PAYUSR\n");
    let imported = read(&text);
    let ring = &imported.rings[imported.rules[1].ring.expect("ring")];
    assert_eq!(ring.owner, "PAYUSR");
}

#[test]
fn a_lower_case_ring_owner_is_made_upper_case_with_a_warning() {
    let imported = read(POLICY);
    let ring = &imported.rings[imported.rules[1].ring.expect("ring")];
    assert_eq!((ring.owner.as_str(), ring.name.as_str()), ("PAYUSR", "PayRing"));
    let said: Vec<_> = imported
        .diagnostics
        .iter()
        .filter(|d| d.code == ASSUMED && d.message.contains("key ring owner `payusr`"))
        .collect();
    assert_eq!(said.len(), 1, "{:#?}", imported.diagnostics);
    assert!(said[0].message.contains("`PAYUSR`"), "{}", said[0].message);
    assert!(said[0].message.contains("PAYUSR/PayRing"), "{}", said[0].message);
    // An owner already in upper case is not worth a note.
    let imported = read(&POLICY.replace("payusr/PayRing", "PAYUSR/PayRing"));
    assert!(imported.diagnostics.iter().all(|d| !d.message.contains("key ring owner")));
}

#[test]
fn server_rules_without_a_label_need_the_ring_default() {
    let text = POLICY.replace("    CertificateLabel LEDGERSRV\n", "");
    let imported = read(&text);
    let ring = &imported.rings[imported.rules[2].ring.expect("ring")];
    assert!(ring.needs_default);
}

#[test]
fn files_without_policy_are_skipped_with_a_warning() {
    let imported = import(&[
        PolicyFile { path: "pagent.conf", text: "TcpImage TCPIP /etc/x\n" },
        PolicyFile { path: "p.policy", text: POLICY },
    ]);
    assert_eq!(imported.sources, ["p.policy"]);
    assert!(imported.diagnostics.iter().any(|d| d.code == NO_POLICY));
}

#[test]
fn names_are_made_acceptable() {
    assert_eq!(sanitize("gAct1~ZSS"), "gAct1_ZSS");
    assert_eq!(sanitize(&"x".repeat(40)).len(), 32);
}

#[test]
fn hostile_input_never_panics() {
    for text in [
        "}{",
        "TTLSRule\n{\nDirection Both\n}\n",
        "TTLSRule r\n{\nDirection Outbound\nTTLSGroupActionRef g\nTTLSEnvironmentActionRef e\n}\nTTLSGroupAction g\n{\nTTLSEnabled On\n}\nTTLSEnvironmentAction e\n{\nHandshakeRole Client\nTTLSKeyringParms\n{\nKeyring /\n}\n}\n",
    ] {
        let _ = read(text);
    }
}

#[test]
fn curves_written_as_any_keep_the_default_list_with_a_warning() {
    let text = POLICY.replace(
        "  TTLSEnvironmentAdvancedParmsRef modern\n  TTLSCipherParms\n  {\n    V3CipherSuites4Char 13021301C030\n  }\n}\nTTLSEnvironmentAction envServer",
        "  TTLSEnvironmentAdvancedParmsRef modern\n  TTLSCipherParms\n  {\n    V3CipherSuites4Char 13021301C030\n  }\n  TTLSSignatureParms\n  {\n    ClientECurves Any\n    SignaturePairs 06010401\n  }\n}\nTTLSEnvironmentAction envServer",
    );
    let imported = read(&text);
    let level = &imported.levels[imported.rules[1].level.expect("level")];
    assert!(level.curves.is_empty());
    assert_eq!(level.signature_pairs, ["0601", "0401"]);
    assert!(
        imported
            .diagnostics
            .iter()
            .any(|d| d.code == ASSUMED && d.message.contains("ClientECurves Any"))
    );
    assert!(imported.rules[1].not_carried.iter().any(|n| n.starts_with("ClientECurves Any")));
}
