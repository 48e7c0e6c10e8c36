//! The printer: layout, alignment, comments, and parse/print round trips.

use zat_policy::{Attribute, Statement, parse, print, print_with_header};

use crate::{fixture, strip_spans};

#[test]
fn prints_blocks_with_aligned_values() {
    let mut rule =
        Statement::block("TTLSRule", Some("R1".into())).with_comments(["generated for a test", ""]);
    rule.attr("Direction", "Inbound")
        .push(Attribute::new("Priority", "10").with_trailing_comment("highest"));
    let mut env = Statement::block("TTLSEnvironmentAction", Some("E1".into()));
    let mut ring = Statement::block("TTLSKeyringParms", None);
    ring.attr("Keyring", "OWNER/RING");
    env.attr("HandshakeRole", "Server").push_statement(ring);
    let main = [Statement::line("LogLevel", ["31"]), Statement::line("TcpImage", ["TCPIP", "/x"])];

    let text = print(&[rule, env]);
    let expected = "\
# generated for a test
#
TTLSRule              R1
{
  Direction           Inbound
  Priority            10  # highest
}

TTLSEnvironmentAction E1
{
  HandshakeRole       Server
  TTLSKeyringParms
  {
    Keyring           OWNER/RING
  }
}
";
    assert_eq!(text, expected);
    assert_eq!(print(&main), "LogLevel 31\nTcpImage TCPIP /x\n");
    assert_eq!(print(&[]), "");
    let header = ["generated".to_owned(), String::new()];
    assert_eq!(
        print_with_header(&header, &main),
        "# generated\n#\n\nLogLevel 31\nTcpImage TCPIP /x\n"
    );
    assert_eq!(print_with_header(&header, &[]), "# generated\n#\n");
}

fn round_trip(name: &str) {
    let (mut first, diagnostics) = parse(&fixture(name));
    let printed = print(&first);
    let (mut second, again) = parse(&printed);
    assert_eq!(
        diagnostics,
        again
            .iter()
            .map(|d| {
                // Positions move when the text is re-laid out; kinds and messages must not.
                let mut d = d.clone();
                d.span = diagnostics
                    .iter()
                    .find(|o| o.kind == d.kind && o.message == d.message)
                    .map_or(d.span, |o| o.span);
                d
            })
            .collect::<Vec<_>>(),
        "{name}"
    );
    strip_spans(&mut first);
    strip_spans(&mut second);
    assert_eq!(first, second, "{name}:\n{printed}");
    assert_eq!(print(&second), printed, "{name}: printing is not stable");
}

#[test]
fn round_trips_keep_the_tree() {
    for name in ["client.policy", "main.conf", "image.conf"] {
        round_trip(name);
    }
}

#[test]
fn printed_fixture_reads_as_a_table() {
    let printed = print(&parse(&fixture("client.policy")).0);
    assert!(printed.contains("\n  TTLSEnvironmentAdvancedParmsRef BillingAdvanced\n"), "{printed}");
    assert!(printed.contains(&format!("\n{:<34}BillingToGateway\n", "TTLSRule")), "{printed}");
    assert!(printed.contains(&format!("\n{:<34}BATCHADM/Billing.Ring\n", "    Keyring")));
    assert!(!printed.contains('\t'));
    assert!(printed.lines().all(|l| l == l.trim_end()), "trailing blanks");
}

/// A value that would end past column 72 in the value column gets one blank instead, so a
/// long key ring name still fits a fixed 80-byte record; short values stay aligned.
#[test]
fn a_long_value_leaves_the_column_to_fit_72() {
    let mut env = Statement::block("TTLSEnvironmentAction", Some("E1".into()));
    let mut ring = Statement::block("TTLSKeyringParms", Some("K1".into()));
    let long = format!("APPSRVXX/{}", "R".repeat(42));
    ring.attr("Keyring", long.as_str());
    ring.attr("Stash", "x");
    env.push_statement(ring);
    let text = print(&[env]);
    assert!(text.contains(&format!("\n    Keyring {long}\n")), "{text}");
    assert!(text.contains("\n    Stash             x\n"), "{text}");
    assert!(text.lines().all(|l| l.len() <= 72), "{text}");
}
