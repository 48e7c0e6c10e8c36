//! Which rule a connection gets, ties included, and which rules a rule shadows.

use zat_policy::effective::effective;
use zat_policy::matcher::{covers, match_connection, shadowed_by, unreached};
use zat_policy::{Collation, Connection, Options, PolicyFile, Precedence, Side, Verdict};

const POLICY: &str = "\
TTLSRule PayOut
{
 Direction Outbound
 Jobname PAY*
 RemotePortRange 9443
 Priority 200
 TTLSGroupActionRef Clear
}
TTLSRule AnyOut
{
 Direction Outbound
 RemotePortRange 9443
 Priority 100
 TTLSGroupActionRef Clear
}
TTLSRule bTie
{
 Direction Both
 RemotePortRange 9443
 Priority 100
 TTLSGroupActionRef Clear
}
TTLSRule Server
{
 Direction Inbound
 LocalPortRange 8000-8100
 LocalAddr 10.1.1.0/24
 Priority 50
 TTLSGroupActionRef Clear
}
TTLSGroupAction Clear
{
 TTLSEnabled Off
}
";

fn outbound(job: &str, port: u16) -> Connection {
    Connection {
        side: Side::Outbound,
        local_addr: None,
        local_port: None,
        remote_addr: Some("10.9.9.9".parse().expect("an address")),
        remote_port: Some(port),
        jobname: Some(job.to_owned()),
        userid: Some("PAYUSER".to_owned()),
    }
}

#[test]
fn the_highest_priority_match_wins_and_beats_the_others() {
    let options = Options::default();
    let policy = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    let result = match_connection(&policy, &outbound("PAYROLL", 9443), &options);
    let name = |at: usize| policy.rules[at].name.as_str();
    assert_eq!(result.matched.map(name), Some("PayOut"));
    let beaten: Vec<(&str, Precedence)> =
        result.beaten(&policy, &options).map(|(at, why)| (name(at), why)).collect();
    assert_eq!(beaten.len(), 2);
    assert!(beaten.contains(&("AnyOut", Precedence::Priority { winner: 200, loser: 100 })));
}

// IP Configuration Guide, AT-TLS rules: equal priorities are ordered by name; EBCDIC puts
// lower case first, ASCII upper case first.
#[test]
fn ties_are_decided_by_name_in_the_chosen_collation() {
    let ebcdic = Options::default();
    let policy = effective(&[PolicyFile { path: "p", text: POLICY }], &ebcdic);
    let result = match_connection(&policy, &outbound("OTHER", 9443), &ebcdic);
    assert_eq!(result.matched.map(|at| policy.rules[at].name.as_str()), Some("bTie"));
    let beaten: Vec<Precedence> = result.beaten(&policy, &ebcdic).map(|(_, p)| p).collect();
    assert_eq!(beaten, [Precedence::Name { priority: 100, collation: Collation::Ebcdic }]);

    let ascii = Options { collation: Collation::Ascii, ..Options::default() };
    let policy = effective(&[PolicyFile { path: "p", text: POLICY }], &ascii);
    let result = match_connection(&policy, &outbound("OTHER", 9443), &ascii);
    assert_eq!(result.matched.map(|at| policy.rules[at].name.as_str()), Some("AnyOut"));
}

#[test]
fn no_match_is_reported_with_every_failing_condition() {
    let options = Options::default();
    let policy = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    let connection = Connection {
        side: Side::Inbound,
        local_addr: Some("10.1.2.3".parse().unwrap()),
        local_port: Some(8080),
        remote_addr: None,
        remote_port: None,
        jobname: None,
        userid: None,
    };
    let result = match_connection(&policy, &connection, &options);
    assert_eq!(result.matched, None);
    let server = result.outcomes.iter().find(|o| policy.rules[o.rule].name == "Server").unwrap();
    match &server.verdict {
        Verdict::Fails(why) => assert_eq!(why[0].condition, "LocalAddr"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_fields_leave_a_rule_undecided() {
    let options = Options::default();
    let policy = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    let mut connection = outbound("PAYROLL", 9443);
    connection.jobname = None;
    let result = match_connection(&policy, &connection, &options);
    assert_eq!(result.matched.map(|at| policy.rules[at].name.as_str()), Some("bTie"));
    assert_eq!(result.undecided().count(), 1, "PayOut may take the connection");
}

#[test]
fn a_wider_rule_covers_a_narrower_one() {
    let options = Options::default();
    let policy = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    let rule = |n: &str| policy.rule(n).unwrap();
    assert!(covers(rule("AnyOut"), rule("PayOut")));
    assert!(!covers(rule("PayOut"), rule("AnyOut")));
    assert!(covers(rule("bTie"), rule("AnyOut")), "Both covers Outbound");
    assert!(!covers(rule("AnyOut"), rule("bTie")));
}

/// An exception at a higher priority takes part of a wider rule's connections, not all of
/// them: only a rule that matches every connection of another, and is compared first, shadows
/// it; on one side only when the question is about that side.
#[test]
fn only_a_rule_that_takes_all_of_anothers_connections_shadows_it() {
    const EXCEPTIONS: &str = "\
TTLSRule Exempt
{
 Direction Inbound
 LocalPortRange 5000
 Priority 100
 TTLSGroupActionRef Clear
}
TTLSRule Range
{
 Direction Inbound
 LocalPortRange 5000-5010
 Priority 90
 TTLSGroupActionRef Clear
}
TTLSRule Inside
{
 Direction Inbound
 LocalPortRange 5002-5003
 Priority 80
 TTLSGroupActionRef Clear
}
TTLSRule In7000
{
 Direction Inbound
 LocalPortRange 7000
 Priority 75
 TTLSGroupActionRef Clear
}
TTLSRule Both7000
{
 Direction Both
 LocalPortRange 7000
 Priority 70
 TTLSGroupActionRef Clear
}
TTLSGroupAction Clear
{
 TTLSEnabled Off
}
";
    let options = Options::default();
    let policy = effective(&[PolicyFile { path: "p", text: EXCEPTIONS }], &options);
    let at = |n: &str| policy.rules.iter().position(|r| r.name == n).unwrap();
    let shadow = |n: &str, side: Option<Side>| {
        shadowed_by(&policy, at(n), side, &options).map(|w| policy.rules[w].name.as_str())
    };
    assert_eq!(shadow("Exempt", None), None);
    assert_eq!(shadow("Range", None), None, "Exempt takes port 5000 only");
    assert_eq!(shadow("Inside", None), Some("Range"));
    assert_eq!(shadow("Both7000", None), None, "its outbound connections reach it");
    assert_eq!(shadow("Both7000", Some(Side::Inbound)), Some("In7000"));
    assert_eq!(shadow("Both7000", Some(Side::Outbound)), None);
    assert_eq!(shadow("In7000", Some(Side::Outbound)), None, "not written for that side");
}

#[test]
fn rules_no_connection_reaches_are_listed() {
    let options = Options::default();
    let policy = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    let results: Vec<_> = [outbound("PAYROLL", 9443), outbound("OTHER", 9443)]
        .iter()
        .map(|c| match_connection(&policy, c, &options))
        .collect();
    let names: Vec<&str> =
        unreached(&policy, &results).into_iter().map(|at| policy.rules[at].name.as_str()).collect();
    // AnyOut ties with bTie and loses on the name; Server is inbound.
    assert_eq!(names, ["AnyOut", "Server"]);
}

/// The connection check reads policies with `conditions_only`: every connection must get the
/// same rule, in the same order of comparison, as from the full reading.
#[test]
fn reading_conditions_only_selects_the_same_rules() {
    let full = Options::default();
    let quick = Options { conditions_only: true, ..Options::default() };
    let files = [PolicyFile { path: "p", text: POLICY }];
    let (a, b) = (effective(&files, &full), effective(&files, &quick));
    let names = |p: &zat_policy::EffectivePolicy| -> Vec<String> {
        p.rules.iter().map(|r| r.name.clone()).collect()
    };
    assert_eq!(names(&a), names(&b));
    // Only the group's settings are read, and they are the full reading's.
    for (full, quick) in a.rules.iter().zip(&b.rules) {
        assert_eq!(full.value("TTLSEnabled"), quick.value("TTLSEnabled"), "{}", full.name);
        assert!(quick.value("TTLSEnabled").is_some(), "{}", quick.name);
        assert!(quick.value("HandshakeRole").is_none(), "no environment settings are read");
        assert!(
            quick.settings.len() < full.settings.len() || full.value("TTLSEnabled") == Some("Off")
        );
    }
    let mut inbound = outbound("SERVER", 0);
    inbound.side = Side::Inbound;
    inbound.local_addr = Some("10.1.1.7".parse().expect("an address"));
    inbound.local_port = Some(8050);
    for connection in
        [outbound("PAYROLL", 9443), outbound("OTHER", 9443), outbound("PAYROLL", 80), inbound]
    {
        let (x, y) =
            (match_connection(&a, &connection, &full), match_connection(&b, &connection, &quick));
        assert_eq!(x.matched, y.matched, "{connection:?}");
        assert_eq!(x.outcomes, y.outcomes, "{connection:?}");
    }
}

mod quick {
    //! The connection check's quick path (`first_match`, `matches`, the ASCII `wildcard`)
    //! against the full comparison, on random policies and connections.

    use proptest::prelude::*;
    use zat_policy::effective::effective;
    use zat_policy::matcher::{first_match, match_connection, matches, verdict, wildcard};
    use zat_policy::{Collation, Connection, Options, PolicyFile, Side, Verdict};

    const JOBS: [&str; 6] = ["PAYROLL", "PAY*", "*", "P*L", "API1", "api1"];

    /// One rule's text: a direction (or none), some conditions, a priority (or none).
    fn rule() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["Inbound", "Outbound", "Both", ""]),
            prop::option::of(prop::sample::select(JOBS.to_vec())),
            prop::option::of((1u16..6, 0u16..3)),
            prop::option::of(1u16..4),
            prop::option::of(0u8..4),
            prop::option::of(prop::sample::select(vec![100u32, 200, 300])),
        )
            .prop_map(|(direction, job, remote, local, addr, priority)| {
                let mut text = String::new();
                if !direction.is_empty() {
                    text += &format!(" Direction {direction}\n");
                }
                if let Some(job) = job {
                    text += &format!(" Jobname {job}\n");
                }
                if let Some((from, span)) = remote {
                    text += &format!(" RemotePortRange {}-{}\n", from * 100, (from + span) * 100);
                }
                if let Some(port) = local {
                    text += &format!(" LocalPortRange {}\n", port * 100);
                }
                if let Some(addr) = addr {
                    text += &format!(" RemoteAddr 10.0.{addr}.0/24\n");
                }
                if let Some(priority) = priority {
                    text += &format!(" Priority {priority}\n");
                }
                text
            })
    }

    fn connection() -> impl Strategy<Value = Connection> {
        (
            any::<bool>(),
            prop::option::of(1u16..9),
            prop::option::of(1u16..5),
            prop::option::of(0u8..5),
            prop::option::of(prop::sample::select(vec!["PAYROLL", "PAYX", "API1", "PL", "X"])),
        )
            .prop_map(|(inbound, remote, local, addr, job)| Connection {
                side: if inbound { Side::Inbound } else { Side::Outbound },
                local_addr: None,
                local_port: local.map(|p| p * 100),
                remote_addr: addr.map(|a| format!("10.0.{a}.7").parse().expect("an address")),
                remote_port: remote.map(|p| p * 100),
                jobname: job.map(str::to_owned),
                userid: Some("USER".to_owned()),
            })
    }

    /// The reference glob: recursive, on upper-cased characters.
    fn reference(pattern: &[char], name: &[char]) -> bool {
        match pattern.split_first() {
            None => name.is_empty(),
            Some(('*', rest)) => (0..=name.len()).any(|skip| reference(rest, &name[skip..])),
            Some((p, rest)) => name.first() == Some(p) && reference(rest, &name[1..]),
        }
    }

    proptest! {
        #[test]
        fn the_first_match_is_the_rule_the_full_comparison_selects(
            rules in prop::collection::vec(rule(), 1..9),
            // Upper- and lower-case names: at equal priority the collation orders them.
            upper in prop::collection::vec(any::<bool>(), 9),
            connections in prop::collection::vec(connection(), 1..6),
            ascii in any::<bool>(),
        ) {
            let text: String = rules
                .iter()
                .enumerate()
                .map(|(i, body)| {
                    let name = if upper[i] { format!("R{}", i / 2) } else { format!("r{}", i / 2) };
                    format!("TTLSRule {name}{i}\n{{\n{body} TTLSGroupActionRef A\n}}\n")
                })
                .collect::<String>()
                + "TTLSGroupAction A\n{\n TTLSEnabled Off\n}\n";
            let collation = if ascii { Collation::Ascii } else { Collation::Ebcdic };
            let options = Options { collation, ..Options::default() };
            let policy = effective(&[PolicyFile { path: "p", text: &text }], &options);
            prop_assert_eq!(policy.rules.len(), rules.len());
            for connection in &connections {
                let full = match_connection(&policy, connection, &options);
                prop_assert_eq!(first_match(&policy, connection, &options), full.matched);
                for rule in &policy.rules {
                    let verdict = verdict(rule, connection);
                    prop_assert_eq!(matches(rule, connection), verdict == Verdict::Matches);
                }
            }
        }

        #[test]
        fn wildcard_agrees_with_a_plain_glob(
            pattern in "[aAbB*é]{0,6}",
            name in "[aAbBé]{0,6}",
        ) {
            let upper = |t: &str| t.to_ascii_uppercase().chars().collect::<Vec<char>>();
            prop_assert_eq!(wildcard(&pattern, &name), reference(&upper(&pattern), &upper(&name)));
        }
    }
}
