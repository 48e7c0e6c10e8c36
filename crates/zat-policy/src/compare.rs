//! The differences of two effective policies of one stack, rule by rule and setting by
//! setting: what `zat verify` reports as drift and what `zat import` reports as not carried.

use crate::effective::{Conditions, EffectivePolicy, EffectiveRule, FindingKind, Origin, Setting};

/// One difference between what was expected and what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A rule expected but not installed.
    Missing { rule: String },
    /// A rule installed but not expected.
    Extra { rule: String },
    /// A condition or the priority of a rule differs.
    Condition { rule: String, condition: &'static str, expected: String, actual: String },
    /// A setting differs; `None` is a setting with no value (not written, no default).
    Setting { rule: String, setting: String, expected: Option<String>, actual: Option<String> },
    /// The actual rule is not complete (a report cut short shows a rule without the blocks of
    /// its actions): its settings are known only where its source shows them, and the others
    /// are not compared. `why` lists the findings that say what is missing.
    Unreadable { rule: String, why: Vec<String> },
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not set)".to_owned());
        match self {
            Difference::Missing { rule } => write!(f, "rule {rule}: missing"),
            Difference::Extra { rule } => write!(f, "rule {rule}: not expected"),
            Difference::Condition { rule, condition, expected, actual } => {
                write!(f, "rule {rule}: {condition} is {actual}, expected {expected}")
            }
            Difference::Setting { rule, setting, expected, actual } => {
                write!(f, "rule {rule}: {setting} is {}, expected {}", show(actual), show(expected))
            }
            Difference::Unreadable { rule, why } => {
                write!(f, "rule {rule}: not known in full: {}", why.join("; "))
            }
        }
    }
}

/// Every difference, rules in the expected policy's order, then extra rules. A setting left to
/// System SSL's default on either side is not compared: its value depends on the release and
/// is not in the policy text. A setting one side leaves unset compares as the value Policy
/// Agent uses for it (the user instances: 0). An actual rule that is not complete is a
/// difference of its own ([`Difference::Unreadable`], with the actual policy's findings about
/// it), and only the settings its source shows are compared.
pub fn compare(expected: &EffectivePolicy, actual: &EffectivePolicy) -> Vec<Difference> {
    let mut out = Vec::new();
    for rule in &expected.rules {
        match actual.rule(&rule.name) {
            None => out.push(Difference::Missing { rule: rule.name.clone() }),
            Some(other) => {
                if !other.complete {
                    let why = actual
                        .findings
                        .iter()
                        .filter(|f| f.rule.as_deref() == Some(other.name.as_str()))
                        .filter(|f| f.kind == FindingKind::Unresolved)
                        .map(|f| f.message.clone())
                        .collect();
                    out.push(Difference::Unreadable { rule: rule.name.clone(), why });
                }
                compare_rule(rule, other, &mut out);
            }
        }
    }
    for rule in &actual.rules {
        if expected.rule(&rule.name).is_none() {
            out.push(Difference::Extra { rule: rule.name.clone() });
        }
    }
    out
}

/// The differences of one rule against another of the same name.
pub fn compare_rule(expected: &EffectiveRule, actual: &EffectiveRule, out: &mut Vec<Difference>) {
    let name = &expected.name;
    let show_priority = |p: Option<u32>| p.map_or_else(|| "(none)".to_owned(), |p| p.to_string());
    if expected.priority != actual.priority {
        out.push(Difference::Condition {
            rule: name.clone(),
            condition: "Priority",
            expected: show_priority(expected.priority),
            actual: show_priority(actual.priority),
        });
    }
    for (condition, e, a) in conditions(&expected.conditions, &actual.conditions) {
        if e != a {
            out.push(Difference::Condition {
                rule: name.clone(),
                condition,
                expected: e,
                actual: a,
            });
        }
    }
    // A clear-text rule has nothing but TTLSEnabled Off that matters; a report may show the
    // group's other values, which do not apply.
    let clear = |r: &EffectiveRule| r.value("TTLSEnabled") == Some("Off");
    if clear(expected) && clear(actual) {
        return;
    }
    let keys: std::collections::BTreeSet<&String> =
        expected.settings.keys().chain(actual.settings.keys()).collect();
    for key in keys {
        let (e, a) = (expected.settings.get(key), actual.settings.get(key));
        if system_ssl(e) || system_ssl(a) {
            continue;
        }
        // Of a rule not known in full, a setting its source does not show (missing, or a
        // default filled in for it) is not known, and not compared.
        if !actual.complete && a.is_none_or(|s| s.origin == Origin::Default) {
            continue;
        }
        let (e, a) = (e.map(|s| s.value.clone()), a.map(|s| s.value.clone()));
        let read = |v: &Option<String>| {
            v.as_deref().map(|v| normalise(key, v)).or_else(|| unset_reads_as(key))
        };
        if read(&e) != read(&a) {
            out.push(Difference::Setting {
                rule: name.clone(),
                setting: key.clone(),
                expected: e,
                actual: a,
            });
        }
    }
}

/// Settings the effective policy leaves unset (no default in the table) that a `pasearch -t`
/// report shows with a value anyway, since it prints every value with Policy Agent's defaults
/// filled in: the value unset compares as. IBM documents 0 as the default of the user
/// instances (UNCONFIRMED: not in the syntax diagrams read for the table), so a fleet that does
/// not set one matches a stack that shows 0, and any other value on the stack is drift.
const UNSET_READS_AS: &[(&str, &str)] = &[
    ("GroupUserInstance", "0"),
    ("EnvironmentUserInstance", "0"),
    ("ConnectionUserInstance", "0"),
];

fn unset_reads_as(key: &str) -> Option<String> {
    UNSET_READS_AS.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned())
}

/// A value as compared: the owner of a SAF key ring (`owner/ring`) without regard to case,
/// since RACF user IDs are upper case (UNCONFIRMED that System SSL folds a lower-case owner;
/// zat reads `start1/RING` and `START1/RING` as one ring). Ring names keep their case.
fn normalise(key: &str, value: &str) -> String {
    if key == "Keyring"
        && !value.starts_with(['/', '*'])
        && let Some((owner, ring)) = value.split_once('/')
    {
        return format!("{}/{ring}", owner.to_ascii_uppercase());
    }
    value.to_owned()
}

fn system_ssl(setting: Option<&Setting>) -> bool {
    setting.is_some_and(|s| s.origin == Origin::SystemSsl)
}

/// Each condition as comparable text.
fn conditions(e: &Conditions, a: &Conditions) -> Vec<(&'static str, String, String)> {
    fn list<T: std::fmt::Display + Ord + Clone>(items: &[T]) -> String {
        if items.is_empty() {
            return "All".to_owned();
        }
        let mut sorted = items.to_vec();
        sorted.sort();
        sorted.dedup();
        sorted.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
    let name =
        |v: &Option<String>| v.clone().unwrap_or_else(|| "(any)".to_owned()).to_ascii_uppercase();
    let direction = |c: &Conditions| c.direction.map_or("(none)", |d| d.keyword()).to_owned();
    let time = |c: &Conditions| {
        c.time_condition.clone().unwrap_or_else(|| "none (in effect at all times)".to_owned())
    };
    vec![
        ("Direction", direction(e), direction(a)),
        ("LocalAddr", list(&e.local_addr), list(&a.local_addr)),
        ("RemoteAddr", list(&e.remote_addr), list(&a.remote_addr)),
        ("LocalPortRange", list(&e.local_port), list(&a.local_port)),
        ("RemotePortRange", list(&e.remote_port), list(&a.remote_port)),
        ("Jobname", name(&e.jobname), name(&a.jobname)),
        ("Userid", name(&e.userid), name(&a.userid)),
        ("time condition", time(e), time(a)),
    ]
}
