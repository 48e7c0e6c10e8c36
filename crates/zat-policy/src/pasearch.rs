//! A `pasearch -t` report of a live stack read into the same effective form as policy text,
//! so that `zat verify` compares like with like and `zat import` can start from what runs.
//!
//! The layout follows the report z/OS Communications Server prints ("The z/OS UNIX pasearch
//! command: Display policies", z/OS Communications Server: IP System Administrator's
//! Commands): an image header (`Image Name:`), then per rule a `policyRule:` block with its
//! actions by name and type and a `TTLS Condition Summary`, then one `TTLS Action:` block per
//! action with every parameter resolved, defaults included. Lines are read as `Label: value`
//! pairs separated by runs of blanks, never by column, so extra blanks and trailing spaces do
//! not matter. Only the condition summary is read: the per-range lines IBM documents for
//! non-contiguous groups were not seen in a sample (UNCONFIRMED layout), so a rule with a
//! group compares by its summary range. A rule's `Time Periods` are read for whether it is in
//! effect at all times: any other window becomes its time condition, in the report's words.
//! A report cut short (a truncated SYSOUT) is told by what it lacks: an action a rule names
//! without its `TTLS Action:` block, fewer actions than `No. Policy Action` says, no group
//! action or no `ServiceDirection`; each is a finding, and the rule is not complete.

use std::collections::BTreeMap;

use crate::effective::{
    AddrRange, Conditions, Direction, EffectivePolicy, EffectiveRule, Finding, FindingKind,
    Options, Origin, Place, Setting, canonical_value, documents, fill_defaults, numeric, port,
    sort_rules,
};
use crate::{Span, keywords};

/// What a report holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Every image (stack) the report shows, in order.
    pub images: Vec<String>,
    /// The image read into `policy`.
    pub image: Option<String>,
    /// The image's active rules with their resolved settings.
    pub policy: EffectivePolicy,
}

/// Whether a text is a `pasearch -t` report rather than policy text.
pub fn is_report(text: &str) -> bool {
    let header = text.lines().take(20).any(|l| l.contains("pasearch") && l.contains("Image Name:"));
    let rule = text.lines().any(|l| l.trim_start().starts_with("policyRule:"));
    header || (rule && text.contains("Rule Type:"))
}

/// Reads the first image of a report.
pub fn read(path: &str, text: &str, options: &Options) -> Report {
    read_image(path, text, None, options)
}

#[derive(Debug, Default)]
struct RawRule {
    name: String,
    line: u32,
    priority: Option<u32>,
    active: bool,
    actions: Vec<(String, String)>,
    conditions: Conditions,
    side: Option<&'static str>,
    from: Option<String>,
    /// `No. Policy Action`: how many actions the report says the rule has.
    declared: Option<usize>,
    /// The parts of `Time Periods` that are not all days at all hours, as the report says them.
    time: Vec<String>,
    day_from: Option<String>,
    zone: Option<String>,
}

#[derive(Debug, Default)]
struct RawAction {
    scope: String,
    settings: BTreeMap<String, Setting>,
}

/// Reads one image of a report (`None`: the first).
pub fn read_image(path: &str, text: &str, image: Option<&str>, options: &Options) -> Report {
    let mut report = Report::default();
    report.policy.release = options.release;
    report.policy.files.push(path.to_owned());
    let mut rules: Vec<RawRule> = Vec::new();
    let mut actions: BTreeMap<String, RawAction> = BTreeMap::new();
    let mut current_image: Option<String> = None;
    let mut wanted = true;
    let mut rule: Option<RawRule> = None;
    let mut action: Option<String> = None;
    // The parameter statement a nested line belongs to, and the list being read.
    let mut section: Option<(usize, String)> = None;
    let mut list: Option<(usize, String)> = None;
    for (at, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(at + 1).unwrap_or(u32::MAX);
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let pairs = pairs(line);
        if let Some(name) = pairs.iter().find(|(l, _)| *l == "Image Name").map(|(_, v)| v.clone()) {
            report.images.push(name.clone());
            wanted = match image {
                Some(want) => want.eq_ignore_ascii_case(&name),
                None => report.images.len() == 1,
            };
            if wanted {
                current_image = Some(name);
            }
            finish(&mut rule, &mut rules);
            action = None;
            continue;
        }
        if !wanted {
            continue;
        }
        let Some((label, value)) = pairs.first().cloned() else {
            // A list entry: `C02F  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.
            if let (Some((list_indent, key)), Some(name)) = (&list, &action)
                && indent > *list_indent
                && let Some(code) = line.split_whitespace().next()
                && let Some(found) = actions.get_mut(name)
            {
                let entry = found
                    .settings
                    .entry(key.clone())
                    .or_insert(Setting { value: String::new(), origin: Origin::Reported });
                let code = code.to_ascii_uppercase();
                if !entry.value.split(' ').any(|c| c == code) {
                    if !entry.value.is_empty() {
                        entry.value.push(' ');
                    }
                    entry.value.push_str(&code);
                }
            }
            continue;
        };
        if label == "policyRule" {
            finish(&mut rule, &mut rules);
            action = None;
            rule = Some(RawRule { name: value, line: line_no, active: true, ..RawRule::default() });
            continue;
        }
        if label == "TTLS Action" {
            finish(&mut rule, &mut rules);
            section = None;
            list = None;
            action = Some(value.clone());
            // Each rule repeats its actions; the first block of a name is kept.
            if let std::collections::btree_map::Entry::Vacant(slot) = actions.entry(value) {
                slot.insert(RawAction::default());
            } else {
                action = None;
            }
            continue;
        }
        if let Some(r) = rule.as_mut() {
            read_rule_line(r, &pairs);
            continue;
        }
        let Some(name) = action.clone() else { continue };
        let Some(found) = actions.get_mut(&name) else { continue };
        if section.as_ref().is_some_and(|(i, _)| indent <= *i) {
            section = None;
        }
        if list.as_ref().is_some_and(|(i, _)| indent <= *i) {
            list = None;
        }
        for (label, value) in pairs {
            if label == "Scope" {
                found.scope = value;
                continue;
            }
            if matches!(label.as_str(), "Version" | "Status" | "Policy created" | "Policy updated")
            {
                continue;
            }
            if value.is_empty() {
                if keywords::canonical_statement(&label).is_some() {
                    section = Some((indent, label));
                } else if let Some(key) = list_key(&label) {
                    list = Some((indent, key.to_owned()));
                }
                continue;
            }
            let statement = section.as_ref().map_or("", |(_, s)| s.as_str());
            if let Some((key, value)) = setting(statement, &label, &value) {
                found.settings.insert(key, Setting { value, origin: Origin::Reported });
            }
        }
    }
    finish(&mut rule, &mut rules);
    report.image = current_image;
    for raw in rules {
        if !raw.active {
            continue;
        }
        report.policy.rules.push(assemble(raw, &actions, &mut report.policy.findings, options));
    }
    sort_rules(&mut report.policy.rules, options);
    report
}

fn finish(rule: &mut Option<RawRule>, rules: &mut Vec<RawRule>) {
    if let Some(done) = rule.take() {
        rules.push(done);
    }
}

/// The list parameters a report prints one code per line.
fn list_key(label: &str) -> Option<&'static str> {
    [
        "V3CipherSuites",
        "V2CipherSuites",
        "SignaturePairs",
        "SignaturePairsCert",
        "ClientECurves",
        "ClientKeyShareGroups",
        "ServerKexECurves",
        "ServerKeyShareGroups",
    ]
    .into_iter()
    .find(|k| k.eq_ignore_ascii_case(label))
}

/// A reported parameter as an effective setting: canonical name and value.
fn setting(statement: &str, label: &str, value: &str) -> Option<(String, String)> {
    let scopes = [statement, "TTLSEnvironmentAction", "TTLSGroupAction", "TTLSConnectionAction"];
    let name = scopes.iter().find_map(|s| keywords::canonical(s, label))?;
    if name.ends_with("Ref") || list_key(name).is_some() {
        return None;
    }
    let value = value.split_whitespace().next().unwrap_or_default();
    let value = match canonical_value(name, value) {
        Some(v) => v.to_owned(),
        None if numeric(name) => value.parse::<u64>().ok()?.to_string(),
        None => value.to_owned(),
    };
    Some((name.to_owned(), value))
}

/// `Label: value` pairs of one report line, split at runs of two or more blanks.
fn pairs(line: &str) -> Vec<(String, String)> {
    let mut chunks: Vec<&str> = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let cut = rest.find("  ").unwrap_or(rest.len());
        let (chunk, tail) = rest.split_at(cut);
        if !chunk.trim().is_empty() {
            chunks.push(chunk.trim());
        }
        rest = tail.trim_start();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chunks.len() {
        let chunk = chunks[i];
        if let Some(label) = chunk.strip_suffix(':') {
            let value = chunks.get(i + 1).filter(|v| !v.ends_with(':')).copied();
            out.push((label.trim().to_owned(), value.unwrap_or_default().to_owned()));
            i += if value.is_some() { 2 } else { 1 };
        } else if let Some((label, value)) = chunk.split_once(": ") {
            out.push((label.trim().to_owned(), value.trim().to_owned()));
            i += 1;
        } else {
            // Not a pair: a title (`TCP/IP pasearch CS 3.1`) or a list entry (`C02F  TLS_...`);
            // a line with no pair at all is read as a list entry by the caller.
            i += 1;
        }
    }
    out
}

fn read_rule_line(rule: &mut RawRule, pairs: &[(String, String)]) {
    for (label, value) in pairs {
        match label.as_str() {
            "Priority" => rule.priority = value.parse().ok(),
            "Status" => rule.active = value.eq_ignore_ascii_case("active"),
            "policyAction" => rule.actions.push((value.clone(), String::new())),
            "ActionType" => {
                if let Some(last) = rule.actions.last_mut() {
                    last.1 = value.clone();
                }
            }
            "Local Address" => rule.side = Some("Local"),
            "Remote Address" => rule.side = Some("Remote"),
            "FromAddr" => rule.from = Some(value.clone()),
            "ToAddr" => {
                let from = rule.from.take().unwrap_or_default();
                let range = address_range(&from, value);
                match (rule.side, range) {
                    (Some("Local"), Some(r)) => rule.conditions.local_addr = vec![r],
                    (Some("Remote"), Some(r)) => rule.conditions.remote_addr = vec![r],
                    _ => {}
                }
            }
            "LocalPortFrom" | "RemotePortFrom" => rule.from = Some(value.clone()),
            "LocalPortTo" | "RemotePortTo" => {
                let from = rule.from.take().and_then(|f| f.parse::<u32>().ok()).unwrap_or(0);
                let to = value.parse::<u32>().unwrap_or(0);
                let ports = if from == 0 && to == 0 { Vec::new() } else { vec![port(from, to)] };
                if label.starts_with("Local") {
                    rule.conditions.local_port = ports;
                } else {
                    rule.conditions.remote_port = ports;
                }
            }
            "No. Policy Action" => rule.declared = value.parse().ok(),
            // `Time Periods`: the masks with a 0, a start or end date, a time of day other
            // than 00:00 to 24:00 restrict when the rule is in effect. The UTC line is the
            // same window converted (IBM: "time of day ranges in UTC format, as well as the
            // specified time zone"), so it is not read: an always rule on an LPAR west or
            // east of UTC could show another pair there.
            "First to Last" | "Last to First" if !all_ones(value) => {
                rule.time.push(format!("Day of Month Mask {label} {value}"));
            }
            "Month of Yr Mask" if !all_ones(value) => {
                rule.time.push(format!("Month of Yr Mask {value}"));
            }
            "Day of Week Mask" if !all_ones(value) => {
                rule.time.push(format!("Day of Week Mask {value} (Sunday - Saturday)"));
            }
            "Start Date Time" | "End Date Time"
                if !value.is_empty() && !value.eq_ignore_ascii_case("none") =>
            {
                rule.time.push(format!("{label} {value}"));
            }
            "Fr TimeOfDay" => rule.day_from = Some(value.clone()),
            "To TimeOfDay" => {
                let from = rule.day_from.take().unwrap_or_default();
                if !(from == "00:00" && value == "24:00") {
                    rule.time.push(format!("TimeOfDay {from} to {value}"));
                }
            }
            "TimeZone" => rule.zone = Some(value.clone()).filter(|v| !v.is_empty()),
            "JobName" => rule.conditions.jobname = Some(value.clone()).filter(|v| !v.is_empty()),
            "UserId" => rule.conditions.userid = Some(value.clone()).filter(|v| !v.is_empty()),
            "ServiceDirection" => rule.conditions.direction = Direction::parse(value),
            _ => {}
        }
    }
}

/// A mask that selects every day or month; an empty or unreadable one does not.
fn all_ones(mask: &str) -> bool {
    !mask.is_empty() && mask.chars().all(|c| c == '1')
}

fn address_range(from: &str, to: &str) -> Option<AddrRange> {
    if from.eq_ignore_ascii_case("all") || from.is_empty() {
        return None;
    }
    Some(AddrRange { from: from.parse().ok()?, to: to.parse().ok()? })
}

/// A rule with its actions' settings merged as Policy Agent applies them: group, then
/// environment, then connection.
fn assemble(
    raw: RawRule,
    actions: &BTreeMap<String, RawAction>,
    findings: &mut Vec<Finding>,
    options: &Options,
) -> EffectiveRule {
    let mut settings = BTreeMap::new();
    let mut names = crate::effective::Actions::default();
    let mut complete = raw.conditions.direction.is_some();
    for scope in ["Group", "Environment", "Connection"] {
        for (name, kind) in &raw.actions {
            if !kind.ends_with(scope) {
                continue;
            }
            match scope {
                "Group" => names.group = Some(name.clone()),
                "Environment" => names.environment = Some(name.clone()),
                _ => names.connection = Some(name.clone()),
            }
            match actions.get(name) {
                Some(action) => settings.extend(action.settings.clone()),
                None => {
                    complete = false;
                    findings.push(Finding {
                        kind: FindingKind::Unresolved,
                        place: Some(Place { file: 0, span: Some(Span::new(raw.line, 1)) }),
                        rule: Some(raw.name.clone()),
                        message: format!("the report names action {name} for rule {} but shows no `TTLS Action: {name}` block", raw.name),
                        document: documents::PASEARCH,
                    });
                }
            }
        }
    }
    // What a report cut short (a truncated SYSOUT) leaves out: the rule's last actions, or
    // the end of its condition summary. Each is said, so that no one takes the rule's
    // defaults for what the stack runs.
    let mut missing = |message: String| {
        complete = false;
        findings.push(Finding {
            kind: FindingKind::Unresolved,
            place: Some(Place { file: 0, span: Some(Span::new(raw.line, 1)) }),
            rule: Some(raw.name.clone()),
            message,
            document: documents::PASEARCH,
        });
    };
    if let Some(declared) = raw.declared
        && raw.actions.len() < declared
    {
        missing(format!(
            "the report says rule {} has {declared} actions (`No. Policy Action`) but names {}",
            raw.name,
            raw.actions.len()
        ));
    }
    if names.group.is_none() {
        missing(format!("the report names no TTLS Group action for rule {}", raw.name));
    }
    if raw.conditions.direction.is_none() {
        missing(format!(
            "the report shows no ServiceDirection for rule {} (its `TTLS Condition Summary` is missing or cut short)",
            raw.name
        ));
    }
    if settings.get("TTLSEnabled").is_some_and(|s| s.value == "On") {
        fill_defaults(&mut settings, options.release);
    }
    let mut conditions = raw.conditions;
    let mut time = raw.time;
    if !time.is_empty()
        && let Some(zone) = raw.zone
    {
        time.push(format!("TimeZone {zone}"));
    }
    conditions.time_condition = (!time.is_empty()).then(|| time.join(", "));
    EffectiveRule {
        name: raw.name,
        priority: raw.priority,
        conditions,
        actions: names,
        settings,
        place: Some(Place { file: 0, span: Some(Span::new(raw.line, 1)) }),
        complete,
    }
}
