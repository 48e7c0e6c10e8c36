//! The parser on well-formed and broken input: tree shape and diagnostics with positions.

use zat_policy::{DiagnosticKind as K, Severity, Span, Statement, parse};

use crate::fixture;

/// Parses `text` and compares the diagnostics as `(kind, line, column)`.
fn check(text: &str, expected: &[(K, u32, u32)]) {
    let (_, diagnostics) = parse(text);
    let got: Vec<(K, u32, u32)> =
        diagnostics.iter().map(|d| (d.kind, d.span.line, d.span.column)).collect();
    assert_eq!(got, expected, "diagnostics: {diagnostics:#?}");
}

fn only(text: &str) -> Statement {
    let (mut statements, diagnostics) = parse(text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    assert_eq!(statements.len(), 1);
    statements.remove(0)
}

#[test]
fn clean_policy_has_no_diagnostics() {
    let (statements, diagnostics) = parse(&fixture("client.policy"));
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let kinds: Vec<&str> = statements.iter().map(|s| s.keyword.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "TTLSRule",
            "ttlsrule",
            "TTLSGroupAction",
            "TTLSGroupAction",
            "TTLSEnvironmentAction",
            "TTLSEnvironmentAdvancedParms",
            "TTLSCipherParms",
            "PortRange",
            "IpAddrGroup"
        ]
    );
    let rule = &statements[0];
    assert_eq!(rule.name.as_deref(), Some("BillingToGateway"));
    assert_eq!(rule.span, Some(Span::new(3, 1)));
    assert_eq!(
        rule.comments,
        [
            "Outbound TLS for the nightly billing batch job.",
            "Hand-written test input for zat-policy; not a policy from any real site."
        ]
    );
    let priority = rule.attribute("priority").expect("priority");
    assert_eq!(priority.values, ["250"]);
    assert_eq!(priority.trailing_comment.as_deref(), Some("above the catch-all rules"));
    assert_eq!(priority.span, Some(Span::new(9, 3)));

    // Keywords in any case, names keep theirs.
    let clear = &statements[1];
    assert!(clear.is("TTLSRule"));
    assert_eq!(clear.attribute("Direction").map(|a| a.value()), Some("both".to_owned()));

    let env = &statements[4];
    let ring = env.statements().next().expect("inline keyring parms");
    assert!(ring.is("TTLSKeyringParms"));
    assert_eq!(ring.name, None);
    assert_eq!(ring.comments, ["the ring is shared by every batch user"]);
    assert_eq!(ring.attribute("Keyring").map(|a| a.value()), Some("BATCHADM/Billing.Ring".into()));

    let group = &statements[8];
    assert_eq!(group.statements().count(), 2);
}

#[test]
fn main_and_image_files() {
    let (statements, diagnostics) = parse(&fixture("main.conf"));
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    assert_eq!(statements.len(), 4);
    assert!(statements.iter().all(|s| s.body.is_none()));
    assert_eq!(
        statements[1].values,
        ["TCPIPA", "/u/test/pagent/TCPIPA.image", "FLUSH", "NOPURGE", "900"]
    );
    let image = only(&fixture("image.conf"));
    assert!(image.is("TTLSConfig"));
    assert_eq!(image.values, ["/u/test/pagent/TCPIPA.policy"]);
    assert_eq!(image.trailing_comment.as_deref(), Some("the stack's policy"));
}

#[test]
fn broken_policy_reports_everything_with_positions() {
    check(
        &fixture("broken.policy"),
        &[
            (K::ExtraWords, 2, 17),
            (K::ExtraWords, 4, 24),
            (K::MissingValue, 5, 3),
            (K::ExtraWords, 6, 16),
            (K::UnknownAttribute, 7, 3),
            (K::UnclosedBlock, 2, 1),
            (K::UnmatchedClose, 13, 1),
            (K::MissingName, 14, 1),
            (K::MissingBraces, 17, 3),
            (K::UnknownAttribute, 18, 5),
        ],
    );
    let (statements, diagnostics) = parse(&fixture("broken.policy"));
    // Recovery: the group action after the unclosed rule is a statement of its own.
    let names: Vec<Option<&str>> = statements.iter().map(|s| s.name.as_deref()).collect();
    assert_eq!(names, [Some("Broken"), Some("grp"), None]);
    let unclosed = diagnostics.iter().find(|d| d.kind == K::UnclosedBlock).expect("unclosed");
    assert_eq!(unclosed.severity, Severity::Error);
    assert!(unclosed.message.contains("TTLSRule Broken"), "{}", unclosed.message);
    let extra = diagnostics.iter().find(|d| d.span == Span::new(6, 16)).expect("extra");
    assert!(extra.message.contains("reads 'FTP*'"), "{}", extra.message);
}

#[test]
fn braces_and_comments_in_odd_places() {
    // Brace on the header line, a comment between header and brace, '}' after a value.
    let s = only("IpAddr Home {\n  Addr 10.0.0.1 }\n");
    assert_eq!(s.attribute("Addr").map(|a| a.value()), Some("10.0.0.1".into()));
    let s = only("PortRange P\n# why\n\n{\nPort 80\n}\n");
    assert_eq!(s.attributes().next().map(|a| a.comments.clone()), Some(vec!["why".to_owned()]));
    let s = only("TTLSGroupAction G { TTLSEnabled On#no blank before the comment\n}");
    let enabled = s.attribute("TTLSEnabled").expect("enabled");
    assert_eq!(enabled.values, ["On"]);
    assert_eq!(enabled.trailing_comment.as_deref(), Some("no blank before the comment"));
    // CRLF line ends and tabs are whitespace.
    let s = only("TTLSRule\tR\r\n{\r\n\tDirection\tInbound\r\n}\r\n");
    assert_eq!(s.attribute("direction").map(|a| a.value()), Some("Inbound".into()));
    // A two-word port range is legal, a trailing comment on '}' is kept nowhere but harmless.
    check("PortRange P\n{\n  Port 80 81\n} # end\n", &[]);
}

#[test]
fn single_diagnostics() {
    check("}\n", &[(K::UnmatchedClose, 1, 1)]);
    check("{\n}\n", &[(K::StrayOpen, 1, 1)]);
    check("TTLSRule R\n{\n", &[(K::UnclosedBlock, 1, 1)]);
    check("TTLSRule\n{\n}\n", &[(K::MissingName, 1, 1)]);
    check("TTLSRule R\n", &[(K::MissingBraces, 1, 1)]);
    check("Direction Inbound\n", &[(K::AttributeOutsideBlock, 1, 1)]);
    check("Frobnicate x\n", &[(K::UnknownStatement, 1, 1)]);
    check("LogLevel\n", &[(K::MissingValue, 1, 1)]);
    check("LogLevel 31 63\n", &[(K::ExtraWords, 1, 13)]);
    check("TcpImage A /p FLUSH PURGE 60 more\n", &[(K::ExtraWords, 1, 30)]);
    check("TTLSConfig\n", &[]);
    check("TTLSConnectionAdvancedParms C\n{\n  CertificateLabel\n}\n", &[(K::MissingValue, 3, 3)]);
    check(
        "TTLSConnectionAdvancedParms C\n{\n  CertificateLabel Zowe Server\n}\n",
        &[(K::ExtraWords, 3, 25)],
    );
    check("TTLSRule R\n{\n  Direction { }\n}\n", &[(K::UnknownStatement, 3, 3)]);
    check(
        "TTLSGroupAction G\n{\n  TTLSEnabled On\n  Status Active\n}\n",
        &[(K::UnknownAttribute, 4, 3)],
    );
    check("TTLSRule R\n{\n  Jobname caf\u{e9}\n}\n", &[]);
    check("TTLSRule R\n{\n  Jobname \u{2603}\n}\n", &[(K::BadCharacter, 3, 11)]);
    check("TTLSRule R\n{\n  Jobname A\u{7}\n}\n", &[(K::BadCharacter, 3, 12)]);
    // Unknown statements' bodies are kept and not checked.
    check("TTLSGskLdapParms L\n{\n  Anything goes\n}\n", &[]);
}

#[test]
fn diagnostics_display_with_position() {
    let (_, diagnostics) = parse("\n  }\n");
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].to_string().starts_with("2:3: '}' has no matching '{'"));
    assert!(diagnostics[0].is_error());
}
