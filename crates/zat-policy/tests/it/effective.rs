//! The effective policy over a hand-written fixture, and the property that printing a policy
//! and reading it again installs the same rules with the same settings.

use proptest::prelude::*;
use zat_policy::effective::{Origin, effective};
use zat_policy::{EffectivePolicy, Options, PolicyFile, Statement, parse, print};

use crate::fixture;

fn read(text: &str) -> EffectivePolicy {
    effective(&[PolicyFile { path: "p", text }], &Options::default())
}

/// What must not change when the same policy is printed again: rule order, conditions and
/// every setting's value and kind of origin.
fn shape(policy: &EffectivePolicy) -> Vec<String> {
    let mut out = Vec::new();
    for rule in &policy.rules {
        out.push(format!(
            "{} {:?} {:?} {}",
            rule.name, rule.priority, rule.conditions, rule.complete
        ));
        for (key, setting) in &rule.settings {
            let origin = match &setting.origin {
                Origin::Written { statement, .. } => format!("written in {statement}"),
                other => format!("{other:?}"),
            };
            out.push(format!("  {key}={} ({origin})", setting.value));
        }
    }
    out
}

#[test]
fn the_client_fixture_installs_its_rules_with_defaults_filled_in() {
    let policy = read(&fixture("client.policy"));
    assert!(!policy.rules.is_empty());
    for rule in policy.rules.iter().filter(|r| r.enabled()) {
        // Every enabled rule has every defaulted switch, so a comparison never meets a gap.
        for key in ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "HandshakeTimeout", "Trace"] {
            assert!(rule.settings.contains_key(key), "{} lacks {key}", rule.name);
        }
    }
}

const DIRECTIONS: &[&str] = &["Inbound", "Outbound", "Both"];
const SWITCHES: &[&str] = &["TLSv1.2", "TLSv1.3", "ApplicationControlled", "SSLv3"];

#[derive(Debug, Clone)]
struct Gen {
    direction: usize,
    port: Option<u16>,
    jobname: Option<String>,
    priority: Option<u32>,
    enabled: bool,
    switches: Vec<(usize, bool)>,
    timeout: Option<u32>,
    ciphers: Vec<usize>,
    connection: bool,
}

fn rule_gen() -> impl Strategy<Value = Gen> {
    (
        0..3usize,
        proptest::option::of(1..65535u16),
        proptest::option::of("[A-Z][A-Z0-9]{0,6}\\*?"),
        proptest::option::of(1..2_000_000_000u32),
        any::<bool>(),
        proptest::collection::vec((0..4usize, any::<bool>()), 0..4),
        proptest::option::of(0..600u32),
        proptest::collection::vec(0..90usize, 0..5),
        any::<bool>(),
    )
        .prop_map(
            |(
                direction,
                port,
                jobname,
                priority,
                enabled,
                switches,
                timeout,
                ciphers,
                connection,
            )| Gen {
                direction,
                port,
                jobname,
                priority,
                enabled,
                switches,
                timeout,
                ciphers,
                connection,
            },
        )
}

/// A policy built as a tree, the way emitters build one.
fn tree(rules: &[Gen]) -> Vec<Statement> {
    let mut out = Vec::new();
    for (n, g) in rules.iter().enumerate() {
        let mut rule = Statement::block("TTLSRule", Some(format!("Rule{n}")));
        rule.attr("Direction", DIRECTIONS[g.direction]);
        rule.attr("LocalPortRange", g.port.unwrap_or(0).to_string());
        if let Some(job) = &g.jobname {
            rule.attr("Jobname", job.clone());
        }
        if let Some(p) = g.priority {
            rule.attr("Priority", p.to_string());
        }
        rule.attr("TTLSGroupActionRef", format!("G{n}"));
        rule.attr("TTLSEnvironmentActionRef", format!("E{n}"));
        if g.connection {
            rule.attr("TTLSConnectionActionRef", format!("C{n}"));
        }
        out.push(rule);
        let mut group = Statement::block("TTLSGroupAction", Some(format!("G{n}")));
        group.attr("TTLSEnabled", if g.enabled { "On" } else { "Off" });
        out.push(group);
        let mut env = Statement::block("TTLSEnvironmentAction", Some(format!("E{n}")));
        env.attr("HandshakeRole", "Client");
        let mut ring = Statement::block("TTLSKeyringParms", None);
        ring.attr("Keyring", "OWNER/RING");
        env.push_statement(ring);
        let mut advanced = Statement::block("TTLSEnvironmentAdvancedParms", None);
        for (s, on) in &g.switches {
            advanced.attr(SWITCHES[*s], if *on { "On" } else { "Off" });
        }
        if let Some(t) = g.timeout {
            advanced.attr("HandshakeTimeout", t.to_string());
        }
        env.push_statement(advanced);
        if !g.ciphers.is_empty() {
            let mut ciphers = Statement::block("TTLSCipherParms", None);
            for c in &g.ciphers {
                ciphers.attr("V3CipherSuites", zat_policy::effective::CIPHERS[*c].1);
            }
            env.push_statement(ciphers);
        }
        out.push(env);
        if g.connection {
            let mut conn = Statement::block("TTLSConnectionAction", Some(format!("C{n}")));
            conn.attr("Trace", "6");
            out.push(conn);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn print_parse_effective_is_stable(rules in proptest::collection::vec(rule_gen(), 1..5)) {
        let text = print(&tree(&rules));
        let first = read(&text);
        let (statements, diagnostics) = parse(&text);
        prop_assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let again = print(&statements);
        let second = read(&again);
        prop_assert_eq!(shape(&first), shape(&second));
        prop_assert_eq!(first.rules.len(), rules.len());
        // Priority order: never a higher rank after a lower one.
        let options = Options::default();
        for pair in first.rules.windows(2) {
            prop_assert!(pair[0].rank(&options) >= pair[1].rank(&options));
        }
    }
}

/// A rule's IpTimeCondition, inline or by reference, is its time condition, with the
/// parameters as written: what says when the rule is in effect.
#[test]
fn an_ip_time_condition_is_said_with_its_parameters() {
    let rule = |condition: &str| {
        format!(
            "TTLSRule R\n{{\n  Direction Outbound\n  RemotePortRange 9080\n{condition}  TTLSGroupActionRef g\n}}\nTTLSGroupAction g\n{{\n  TTLSEnabled Off\n}}\n"
        )
    };
    let time = |text: &str| read(text).rules[0].conditions.time_condition.clone();
    assert_eq!(time(&rule("")), None);
    assert_eq!(
        time(&rule("  IpTimeCondition\n  {\n    DayOfWeekMask 0111110\n  }\n")).as_deref(),
        Some("IpTimeCondition: DayOfWeekMask 0111110")
    );
    let named = format!(
        "{}IpTimeCondition weekdays\n{{\n  DayOfWeekMask 0111110\n}}\n",
        rule("  IpTimeConditionRef weekdays\n")
    );
    assert_eq!(time(&named).as_deref(), Some("IpTimeCondition weekdays: DayOfWeekMask 0111110"));
    assert_eq!(
        time(&rule("  IpTimeConditionRef nowhere\n")).as_deref(),
        Some("IpTimeConditionRef nowhere (names no IpTimeCondition in the files read)")
    );
}
