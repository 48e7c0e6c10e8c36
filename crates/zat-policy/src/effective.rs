//! What Policy Agent installs from a policy text: every rule in the order the stack compares
//! them, its conditions as address and port ranges, and every setting of its actions with the
//! value the handshake uses (written, inherited or defaulted) and where it came from.
//!
//! The files given together are one name space, as a stack's `CommonTTLSConfig` file and its
//! `TTLSConfig` file are ("the CommonTTLSConfig file is processed before the TTLSConfig policy
//! file", z/OS Communications Server: IP Configuration Guide, AT-TLS policy configuration).
//! What Policy Agent ignores, reads differently or replaces becomes a [`Finding`] with the
//! place and the reason, so that lint, import, verify and why all read one model.

mod table;

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::index::{self, Index, Parsed, detect_kind};
use crate::keywords::{self, Arity, FileKind};
use crate::{Attribute, Entry, Span, Statement};

pub use table::{
    CIPHERS, DefaultValue, PARAMETERS, Parameter, Release, V2_CIPHERS, cipher_code, cipher_name,
    documents, parameter,
};
pub(crate) use table::{canonical_value, choices, numeric};

use documents as doc;

/// One policy file: the path to show in findings, and its text.
#[derive(Debug, Clone, Copy)]
pub struct PolicyFile<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

/// How rule names compare within one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Collation {
    /// EBCDIC (code page IBM-1047) byte order: lower case before upper case before digits.
    /// Policy Agent runs in EBCDIC; "alphabetical" is taken to mean this order (UNCONFIRMED).
    #[default]
    Ebcdic,
    /// ASCII byte order: digits before upper case before lower case.
    Ascii,
}

/// Choices the documentation leaves open, each with its safe default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Release whose documented defaults apply.
    pub release: Release,
    /// Order of rule names within one priority.
    pub collation: Collation,
    /// Priority a rule without `Priority` is compared at. The documentation gives none
    /// (UNCONFIRMED); 0 places such rules below every rule with a priority (1 is the lowest a
    /// policy can write), ordered by name among themselves.
    pub unprioritised: u32,
    /// Read only what selects a rule for a connection (its conditions and priority) and
    /// whether it protects it (its group action's settings, `TTLSEnabled` among them, and, for
    /// a rule with `TTLSEnabled On`, `ApplicationControlled`: whether AT-TLS starts TLS or
    /// waits for the application to), not the rest of its environment and connection actions:
    /// enough for [`crate::matcher`] and the build's protection check, and several times
    /// cheaper on a large policy (the build's connection check reads thousands). Rules then
    /// have no action names and only those settings, and only the findings about conditions
    /// and groups are made.
    pub conditions_only: bool,
}

/// `Direction` of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// Passive sockets (established by accept).
    Inbound,
    /// Active sockets (established by connect).
    Outbound,
    Both,
}

impl Direction {
    pub fn keyword(self) -> &'static str {
        match self {
            Direction::Inbound => "Inbound",
            Direction::Outbound => "Outbound",
            Direction::Both => "Both",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        [Direction::Inbound, Direction::Outbound, Direction::Both]
            .into_iter()
            .find(|d| d.keyword().eq_ignore_ascii_case(text))
    }
}

/// An inclusive range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AddrRange {
    pub from: IpAddr,
    pub to: IpAddr,
}

impl AddrRange {
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.from, self.to, addr) {
            (IpAddr::V4(a), IpAddr::V4(b), IpAddr::V4(x)) => a <= x && x <= b,
            (IpAddr::V6(a), IpAddr::V6(b), IpAddr::V6(x)) => a <= x && x <= b,
            _ => false,
        }
    }

    /// Whether every address of `other` is in this range.
    pub fn covers(&self, other: &AddrRange) -> bool {
        self.contains(other.from) && self.contains(other.to)
    }
}

impl std::fmt::Display for AddrRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// An inclusive range of ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// The conditions of a rule, ANDed; the ranges of one condition are ORed, and an empty list
/// is no condition ("If a condition is not specified, that condition is not considered",
/// z/OS Communications Server: IP Configuration Guide, AT-TLS rules).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Conditions {
    pub direction: Option<Direction>,
    pub local_addr: Vec<AddrRange>,
    pub remote_addr: Vec<AddrRange>,
    pub local_port: Vec<PortRange>,
    pub remote_port: Vec<PortRange>,
    pub jobname: Option<String>,
    pub userid: Option<String>,
    /// The rule's time condition, as its source states it (an `IpTimeCondition`, or the
    /// `Time Periods` of a report that are not all days at all hours): the rule is in effect
    /// only part of the time. zat does not know the time on the LPAR, so it never decides
    /// whether the rule is in effect now; `None`: in effect at all times.
    pub time_condition: Option<String>,
}

/// Where something was written: the file (index into [`EffectivePolicy::files`]) and position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub file: usize,
    pub span: Option<Span>,
}

/// Where an effective value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written in the policy, in this statement (`TTLSEnvironmentAdvancedParms envAdv`).
    Written { place: Place, statement: String },
    /// Read from a report of a live stack (`pasearch -t`).
    Reported,
    /// Not written: the documented default of the release.
    Default,
    /// Not written and AT-TLS passes nothing: System SSL's own default applies.
    SystemSsl,
}

/// One effective setting of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Canonical spelling; lists are space-separated codes in order.
    pub value: String,
    pub origin: Origin,
}

/// The value shown for a setting left to System SSL.
pub const SYSTEM_SSL_DEFAULT: &str = "(System SSL default)";

/// The names of the actions a rule uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actions {
    pub group: Option<String>,
    pub environment: Option<String>,
    pub connection: Option<String>,
}

/// One installed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveRule {
    pub name: String,
    /// `Priority` as written (1-2000000000); `None` when the rule has none.
    pub priority: Option<u32>,
    pub conditions: Conditions,
    pub actions: Actions,
    /// Every setting by parameter name (canonical spelling).
    pub settings: BTreeMap<String, Setting>,
    pub place: Option<Place>,
    /// Every reference resolved and every required part present; a rule that is not complete
    /// is reported, and what it would do is indeterminate.
    pub complete: bool,
}

impl EffectiveRule {
    /// The priority the stack compares this rule at.
    pub fn rank(&self, options: &Options) -> u32 {
        self.priority.unwrap_or(options.unprioritised)
    }

    /// `TTLSEnabled On`.
    pub fn enabled(&self) -> bool {
        self.value("TTLSEnabled") == Some("On")
    }

    /// The effective value of a setting.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.settings.get(name).map(|s| s.value.as_str())
    }
}

/// What kind of thing Policy Agent does with something written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// Policy Agent ignores it; the default or nothing is used instead.
    Ignored,
    /// Policy Agent reads it as something else than it looks (`RemoteAddr 6793` is
    /// `0.0.26.137`).
    ReadDifferently,
    /// A later definition, line or form replaces it.
    Replaced,
    /// A reference that names nothing, or a required part that is missing: what the rule
    /// does is indeterminate.
    Unresolved,
    /// A parse error: "if errors are detected during parsing, no new policies are installed".
    Rejected,
    /// Installed, but the handshake cannot work as written.
    Unusable,
}

/// Something Policy Agent does differently from what the text seems to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub place: Option<Place>,
    /// The rule it affects, when one.
    pub rule: Option<String>,
    /// Lower-case sentence: what Policy Agent does and why.
    pub message: String,
    /// The IBM document that says so.
    pub document: &'static str,
}

/// What Policy Agent installs for one stack.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EffectivePolicy {
    pub release: Release,
    /// The files read, in the order given (a `CommonTTLSConfig` file first).
    pub files: Vec<String>,
    /// Rules in the order the stack compares them: priority descending, then name.
    pub rules: Vec<EffectiveRule>,
    pub findings: Vec<Finding>,
}

impl EffectivePolicy {
    /// The rule with this name.
    pub fn rule(&self, name: &str) -> Option<&EffectiveRule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// Whether Policy Agent refuses this policy as a whole.
    pub fn rejected(&self) -> bool {
        self.findings.iter().any(|f| f.kind == FindingKind::Rejected)
    }
}

/// Reads the files of one stack's AT-TLS policy into what Policy Agent installs. Files that
/// hold no AT-TLS policy statement (main and image files) are skipped.
pub fn effective(files: &[PolicyFile<'_>], options: &Options) -> EffectivePolicy {
    let mut parsed = Vec::new();
    let mut out = EffectivePolicy { release: options.release, ..EffectivePolicy::default() };
    for file in files {
        let (statements, diagnostics) = crate::parse(file.text);
        if detect_kind(&statements) != Some(FileKind::Policy) {
            continue;
        }
        let at = out.files.len();
        out.files.push(file.path.to_owned());
        for diagnostic in diagnostics.iter().filter(|d| d.is_error()) {
            out.findings.push(Finding {
                kind: FindingKind::Rejected,
                place: Some(Place { file: at, span: Some(diagnostic.span) }),
                rule: None,
                message: format!(
                    "{}; Policy Agent installs no new AT-TLS policy for the stack while the text has a syntax error",
                    diagnostic.message
                ),
                document: doc::TTLS_CONFIG,
            });
        }
        parsed.push(Parsed { path: file.path, statements, kind: Some(FileKind::Policy) });
    }
    let index = Index::new(&parsed);
    let said = out.findings.iter().map(|f| (f.place, f.message.clone())).collect();
    let mut engine = Engine { index: &index, options, out, groups: Vec::new(), said };
    engine.duplicates();
    // The last definition of a rule name is the one Policy Agent keeps.
    let mut rules: BTreeMap<&str, (usize, &Statement)> = BTreeMap::new();
    for (file, p) in parsed.iter().enumerate() {
        for statement in &p.statements {
            if statement.is("TTLSRule")
                && statement.body.is_some()
                && let Some(name) = statement.name.as_deref()
            {
                rules.insert(name, (file, statement));
            }
        }
    }
    for (file, rule) in rules.into_values() {
        let rule = engine.rule(file, rule);
        engine.out.rules.push(rule);
    }
    sort_rules(&mut engine.out.rules, options);
    engine.out
}

/// Puts rules in the order the stack compares them: "Policy Agent orders rules in alphabetical
/// order within priority", highest priority first (z/OS Communications Server: IP
/// Configuration Guide, AT-TLS rules).
pub fn sort_rules(rules: &mut [EffectiveRule], options: &Options) {
    rules.sort_by(|a, b| {
        b.rank(options)
            .cmp(&a.rank(options))
            .then_with(|| compare_names(&a.name, &b.name, options.collation))
    });
}

/// Orders two names as Policy Agent does within one priority.
pub fn compare_names(a: &str, b: &str, collation: Collation) -> std::cmp::Ordering {
    match collation {
        Collation::Ascii => a.as_bytes().cmp(b.as_bytes()),
        Collation::Ebcdic => a.chars().map(ebcdic).cmp(b.chars().map(ebcdic)),
    }
}

/// The IBM-1047 code of a character that can appear in a name; characters outside the names
/// Policy Agent writes sort after them in Unicode order.
fn ebcdic(c: char) -> u16 {
    const ORDER: &[(char, char, u16)] = &[
        ('a', 'i', 0x81),
        ('j', 'r', 0x91),
        ('s', 'z', 0xA2),
        ('A', 'I', 0xC1),
        ('J', 'R', 0xD1),
        ('S', 'Z', 0xE2),
        ('0', '9', 0xF0),
    ];
    for (low, high, base) in ORDER {
        if (*low..=*high).contains(&c) {
            return base + (c as u16 - *low as u16);
        }
    }
    match c {
        ' ' => 0x40,
        '.' => 0x4B,
        '&' => 0x50,
        '$' => 0x5B,
        '*' => 0x5C,
        '-' => 0x60,
        '/' => 0x61,
        '_' => 0x6D,
        '#' => 0x7B,
        '@' => 0x7C,
        other => 0x100 + (u32::from(other).min(0xFEFF) as u16),
    }
}

struct Engine<'i, 'a> {
    index: &'i Index<'a>,
    options: &'i Options,
    out: EffectivePolicy,
    /// What each group action read so far gives: its settings, and whether it is complete.
    /// Most rules of a policy share a few group actions, and what one gives does not depend on
    /// the rule that uses it; its findings, said once, name the first rule that reads it.
    groups: Vec<(&'a Statement, BTreeMap<String, Setting>, bool)>,
    /// The place and message of every finding so far, each said once.
    said: HashSet<(Option<Place>, String)>,
}

/// The settings being gathered for one rule, with the findings about them.
struct Gather<'r> {
    /// The rule's name, as its findings name it.
    rule: &'r str,
    settings: BTreeMap<String, Setting>,
    complete: bool,
}

/// The lists of a TTLSSignatureParms statement.
const SIGNATURE_LISTS: [&str; 6] = [
    "SignaturePairs",
    "SignaturePairsCert",
    "ClientECurves",
    "ClientKeyShareGroups",
    "ServerKexECurves",
    "ServerKeyShareGroups",
];

/// How deep address and port objects may nest (group → set or range); deeper is a loop.
const MAX_NESTING: usize = 4;

/// Keywords whose repeated lines Policy Agent concatenates or keeps all of.
const LISTS: &[&str] = &[
    "V2CipherSuites",
    "V3CipherSuites",
    "V3CipherSuites4Char",
    "SignaturePairs",
    "SignaturePairsCert",
    "ClientECurves",
    "ClientKeyShareGroups",
    "ServerKexECurves",
    "ServerKeyShareGroups",
    "ServerCertificateLabel",
];

impl<'a> Engine<'_, 'a> {
    /// A finding that leaves the rule's effect unknown: recorded against the rule, which is
    /// then no longer complete.
    fn unresolved(
        &mut self,
        file: usize,
        span: Option<Span>,
        gather: &mut Gather<'_>,
        message: String,
        document: &'static str,
    ) {
        self.finding(FindingKind::Unresolved, file, span, Some(gather.rule), message, document);
        gather.complete = false;
    }

    fn finding(
        &mut self,
        kind: FindingKind,
        file: usize,
        span: Option<Span>,
        rule: Option<&str>,
        message: String,
        document: &'static str,
    ) {
        let place = Some(Place { file, span });
        // A shared action is read once per rule that uses it: say it once. Looked up in a set,
        // not by reading back every finding: a hostile file with tens of thousands of findings
        // took seconds that way.
        if self.said.insert((place, message.clone())) {
            self.out.findings.push(Finding {
                kind,
                place,
                rule: rule.map(str::to_owned),
                message,
                document,
            });
        }
    }

    fn duplicates(&mut self) {
        let mut found = Vec::new();
        for (kind, all) in self.index.duplicates() {
            let Some(last) = all.last() else { continue };
            let name = last.statement.name.clone().unwrap_or_default();
            for earlier in &all[..all.len() - 1] {
                found.push((
                    earlier.file,
                    earlier.statement.span,
                    kind,
                    name.clone(),
                    last.file,
                    last.statement.span,
                ));
            }
        }
        for (file, span, kind, name, last_file, last_span) in found {
            let at = match last_span {
                Some(s) if last_file == file => format!("line {}", s.line),
                Some(s) => format!(
                    "{}:{}",
                    self.out.files.get(last_file).map_or("", String::as_str),
                    s.line
                ),
                None => "later".to_owned(),
            };
            self.finding(
                FindingKind::Replaced,
                file,
                span,
                None,
                format!("{kind} {name} is defined again at {at}; Policy Agent uses the last definition (UNCONFIRMED which one wins; zat reads the last)"),
                doc::SYNTAX,
            );
        }
    }

    fn rule(&mut self, file: usize, rule: &'a Statement) -> EffectiveRule {
        let name = rule.name.as_deref().unwrap_or_default();
        let mut gather = Gather { rule: name, settings: BTreeMap::new(), complete: true };
        let conditions = self.conditions(file, rule, &mut gather);
        let priority = match rule.attribute("Priority") {
            None => None,
            Some(attr) => {
                let text = attr.values.first().map(String::as_str).unwrap_or_default();
                match text.parse::<u32>() {
                    Ok(p) if (1..=2_000_000_000).contains(&p) => Some(p),
                    _ => {
                        self.finding(
                            FindingKind::Ignored,
                            file,
                            attr.span,
                            Some(name),
                            format!("Priority `{text}` is not an integer 1-2000000000; the rule is ranked as one without a priority"),
                            doc::RULES,
                        );
                        None
                    }
                }
            }
        };
        self.repeats(file, rule, name);
        if self.options.conditions_only {
            // And whether it protects what it takes: its group action's TTLSEnabled.
            if let Some((at, statement)) =
                self.action(file, rule, "TTLSGroupActionRef", &mut gather)
            {
                self.shared_group(at, statement, &mut gather);
            }
            if gather.settings.get("TTLSEnabled").is_some_and(|s| s.value == "On") {
                self.application_controlled(rule, &mut gather);
            }
            return EffectiveRule {
                name: name.to_owned(),
                priority,
                conditions,
                actions: Actions::default(),
                settings: gather.settings,
                place: Some(Place { file, span: rule.span }),
                complete: gather.complete,
            };
        }
        let mut actions = Actions::default();
        let group = self.action(file, rule, "TTLSGroupActionRef", &mut gather);
        let environment = self.action(file, rule, "TTLSEnvironmentActionRef", &mut gather);
        let connection = self.action(file, rule, "TTLSConnectionActionRef", &mut gather);
        actions.group = group.and_then(|(_, s)| s.name.clone());
        actions.environment = environment.and_then(|(_, s)| s.name.clone());
        actions.connection = connection.and_then(|(_, s)| s.name.clone());
        match group {
            Some((at, statement)) => self.shared_group(at, statement, &mut gather),
            None => {
                if rule.attribute("TTLSGroupActionRef").is_none() {
                    self.finding(
                        FindingKind::Unresolved,
                        file,
                        rule.span,
                        Some(name),
                        format!("rule {name} has no TTLSGroupActionRef, which every rule needs"),
                        doc::RULE,
                    );
                }
                gather.complete = false;
            }
        }
        let enabled = gather.settings.get("TTLSEnabled").map(|s| s.value.as_str()) == Some("On");
        if enabled {
            match environment {
                Some((at, statement)) => self.environment(at, statement, &mut gather),
                None => {
                    if rule.attribute("TTLSEnvironmentActionRef").is_none() {
                        self.finding(
                            FindingKind::Unresolved,
                            file,
                            rule.span,
                            Some(name),
                            format!("rule {name} has TTLSEnabled On but no TTLSEnvironmentActionRef, which it then needs"),
                            doc::ACTIONS,
                        );
                    }
                    gather.complete = false;
                }
            }
            if let Some((at, statement)) = connection {
                self.connection(at, statement, &mut gather);
            }
            self.defaults(&mut gather);
            self.usable(file, rule, &mut gather);
        }
        EffectiveRule {
            name: name.to_owned(),
            priority,
            conditions,
            actions,
            settings: gather.settings,
            place: Some(Place { file, span: rule.span }),
            complete: gather.complete,
        }
    }

    /// `ApplicationControlled` of a rule that protects, read alone for a conditions-only
    /// reading: whether AT-TLS starts the handshake itself or waits for the application to
    /// start it (SIOCTTLSCTL), which says whether the rule protects a connection the application
    /// does not secure. As the full reading takes it: the connection action's
    /// TTLSConnectionAdvancedParms over the environment action's TTLSEnvironmentAdvancedParms
    /// ("unspecified ⇒ environment value"), the last valid line of each, else the documented
    /// default. Makes no finding: what is not resolved here the full reading reports.
    fn application_controlled(&self, rule: &'a Statement, gather: &mut Gather<'_>) {
        const NAME: &str = "ApplicationControlled";
        let Some(row) = parameter(NAME).filter(|row| row.since <= self.options.release) else {
            return;
        };
        let mut found = None;
        for (reference, kind) in [
            ("TTLSEnvironmentActionRef", "TTLSEnvironmentAdvancedParms"),
            ("TTLSConnectionActionRef", "TTLSConnectionAdvancedParms"),
        ] {
            let Some(action) = self.index.follow(rule, reference) else { continue };
            let Ok(Some(advanced)) = self.index.param(action.statement, kind) else { continue };
            let file = advanced
                .name
                .as_deref()
                .and_then(|n| self.index.get(kind, n))
                .filter(|d| std::ptr::eq(d.statement, advanced))
                .map_or(action.file, |d| d.file);
            for attr in advanced.attributes().filter(|a| a.is(NAME)) {
                if let Some(value) = attr.values.first().and_then(|v| canonical_value(NAME, v)) {
                    found = Some(Setting {
                        value: value.to_owned(),
                        origin: written(file, attr.span, advanced),
                    });
                }
            }
        }
        let setting = found.or_else(|| match row.default {
            DefaultValue::Value(value) => {
                Some(Setting { value: value.to_owned(), origin: Origin::Default })
            }
            _ => None,
        });
        if let Some(setting) = setting {
            gather.settings.insert(NAME.to_owned(), setting);
        }
    }

    /// A single-valued attribute written more than once: the last one is used.
    fn repeats(&mut self, file: usize, statement: &Statement, rule: &str) {
        let entries = statement.entries();
        let mut found = Vec::new();
        for (at, entry) in entries.iter().enumerate() {
            let Entry::Attribute(attr) = entry else { continue };
            if LISTS.iter().any(|l| l.eq_ignore_ascii_case(&attr.keyword)) {
                continue;
            }
            // The keyword's first line, looked for among the lines before this one: nothing
            // is copied or kept for a statement that repeats nothing.
            let first = entries.get(..at).unwrap_or_default().iter().find_map(|e| match e {
                Entry::Attribute(a) if a.keyword.eq_ignore_ascii_case(&attr.keyword) => {
                    Some(a.span)
                }
                _ => None,
            });
            if let Some(first) = first {
                found.push((first, attr.keyword.as_str(), attr.span));
            }
        }
        for (first, keyword, span) in found {
            let line = first.map_or(String::new(), |s| format!(" (line {})", s.line));
            self.finding(
                FindingKind::Replaced,
                file,
                first,
                Some(rule),
                format!("{keyword} is written again{} in {}; the last line is used and this one{line} is not", span.map_or(String::new(), |s| format!(" at line {}", s.line)), describe(statement)),
                doc::SYNTAX,
            );
        }
    }

    /// The action a rule reference names.
    fn action(
        &mut self,
        file: usize,
        rule: &'a Statement,
        reference: &str,
        gather: &mut Gather<'_>,
    ) -> Option<(usize, &'a Statement)> {
        let attr = rule.attribute(reference)?;
        match self.index.follow_attribute(attr) {
            Some(defined) => Some((defined.file, defined.statement)),
            None => {
                let name = attr.values.first().cloned().unwrap_or_default();
                self.unresolved(file, attr.span, gather, format!("{reference} {name} names no action in the files read; what the rule does is indeterminate"), doc::ACTIONS);
                None
            }
        }
    }

    /// The parameter statement of `parent` written inline or by reference; when both forms
    /// are written, the last one written is used (UNCONFIRMED; the syntax diagrams offer them
    /// as alternatives of one choice).
    fn param(
        &mut self,
        file: usize,
        parent: &'a Statement,
        kind: &str,
        gather: &mut Gather<'_>,
    ) -> Option<(usize, &'a Statement)> {
        let reference = || format!("{kind}Ref");
        let written = |e: &Entry| match e {
            Entry::Statement(s) if s.is(kind) => Some(s.span),
            Entry::Attribute(a) if index::is_reference(&a.keyword, kind) => Some(a.span),
            _ => None,
        };
        // Counted first: the places are gathered only for the rare statement that gives it
        // twice.
        if parent.entries().iter().filter_map(written).nth(1).is_some() {
            let written: Vec<Option<Span>> = parent.entries().iter().filter_map(written).collect();
            let reference = reference();
            let last = written.last().copied().flatten();
            for span in &written[..written.len() - 1] {
                self.finding(
                    FindingKind::Replaced,
                    file,
                    *span,
                    Some(gather.rule),
                    format!(
                        "{} gives {kind} more than once (inline or by {reference}); Policy Agent uses one, zat reads the last{} (UNCONFIRMED)",
                        describe(parent),
                        last.map_or(String::new(), |s| format!(" at line {}", s.line))
                    ),
                    doc::ENVIRONMENT,
                );
            }
        }
        match self.index.param(parent, kind) {
            Ok(Some(statement)) => {
                let at = statement
                    .name
                    .as_deref()
                    .and_then(|n| self.index.get(kind, n))
                    .filter(|d| std::ptr::eq(d.statement, statement))
                    .map_or(file, |d| d.file);
                Some((at, statement))
            }
            Ok(None) => None,
            Err(attr) => {
                let name = attr.values.first().cloned().unwrap_or_default();
                self.unresolved(file, attr.span, gather, format!("{} {name} names no {kind} in the files read; what the rule does is indeterminate", reference()), doc::ENVIRONMENT);
                None
            }
        }
    }

    /// Reads the single-valued attributes of `statement` into settings (a later scope calls
    /// this after an earlier one, so it overrides).
    fn attributes(&mut self, file: usize, statement: &Statement, gather: &mut Gather<'_>) {
        let Some(spec) = keywords::statement_spec(&statement.keyword) else { return };
        let kind = spec.name;
        self.repeats(file, statement, gather.rule);
        for attr in statement.attributes() {
            let Some(found) = keywords::attr_spec(spec, &attr.keyword) else {
                // Unknown attributes: "if an attribute is misspelled the default value is used".
                self.finding(
                    FindingKind::Ignored,
                    file,
                    attr.span,
                    Some(gather.rule),
                    format!(
                        "{kind} has no parameter {}; Policy Agent ignores it and uses the default",
                        attr.keyword
                    ),
                    doc::SYNTAX,
                );
                continue;
            };
            let name = found.name;
            if name.ends_with("Ref")
                || found.arity == Arity::Inline
                || LISTS.contains(&name) && name != "ServerCertificateLabel"
            {
                continue;
            }
            self.setting(file, kind, statement, name, attr, gather);
        }
        // ServerCertificateLabel may be repeated (an RSA and an ECDSA certificate); a release
        // that does not know it ignores every line of it (`setting` said so).
        let labels: Vec<&Attribute> =
            statement.attributes().filter(|a| a.is("ServerCertificateLabel")).collect();
        let known = || {
            parameter("ServerCertificateLabel").is_none_or(|row| row.since <= self.options.release)
        };
        if let Some(last) = labels.last()
            && known()
        {
            let value = labels
                .iter()
                .filter_map(|a| a.values.first().cloned())
                .collect::<Vec<_>>()
                .join(" ");
            gather.settings.insert(
                "ServerCertificateLabel".to_owned(),
                Setting { value, origin: written(file, last.span, statement) },
            );
        }
    }

    fn setting(
        &mut self,
        file: usize,
        kind: &str,
        statement: &Statement,
        name: &'static str,
        attr: &Attribute,
        gather: &mut Gather<'_>,
    ) {
        if let Some(row) = parameter(name)
            && row.since > self.options.release
        {
            self.finding(
                FindingKind::Ignored,
                file,
                attr.span,
                Some(gather.rule),
                format!("{name} is not a parameter of {kind} in {} (documented from {}); Policy Agent of that release ignores it", self.options.release, row.since),
                row.document,
            );
            return;
        }
        let Some(text) = attr.values.first() else {
            self.finding(
                FindingKind::Ignored,
                file,
                attr.span,
                Some(gather.rule),
                format!("{name} has no value; zat reads it as not written (UNCONFIRMED whether Policy Agent refuses it)"),
                doc::SYNTAX,
            );
            return;
        };
        let value = if let Some(canonical) = canonical_value(name, text) {
            canonical.to_owned()
        } else if choices(name).is_some() {
            self.finding(
                FindingKind::Ignored,
                file,
                attr.span,
                Some(gather.rule),
                format!("`{text}` is not a value of {name}; zat reads the line as not written, so the inherited or default value applies (UNCONFIRMED whether Policy Agent refuses the policy instead)"),
                parameter(name).map_or(doc::SYNTAX, |p| p.document),
            );
            return;
        } else if numeric(name) {
            match text.parse::<u64>() {
                Ok(n) if n <= u64::from(u32::MAX) => n.to_string(),
                _ => {
                    self.finding(
                        FindingKind::Ignored,
                        file,
                        attr.span,
                        Some(gather.rule),
                        format!("{name} `{text}` is not a number 0-4294967295; zat reads the line as not written (UNCONFIRMED whether Policy Agent refuses the policy instead)"),
                        doc::SYNTAX,
                    );
                    return;
                }
            }
        } else if name == "KeyringPw" {
            // Kept out of every report: only whether it is set matters here.
            "********".to_owned()
        } else {
            text.clone()
        };
        gather.settings.insert(
            name.to_owned(),
            Setting { value, origin: written(file, attr.span, statement) },
        );
    }

    /// [`Engine::group`] for a rule, read once per group action. The group action is the first
    /// scope a rule reads, so its settings are all the rule has so far.
    fn shared_group(&mut self, file: usize, group: &'a Statement, gather: &mut Gather<'_>) {
        debug_assert!(gather.settings.is_empty(), "the group action is read first");
        if let Some((_, settings, complete)) =
            self.groups.iter().find(|(read, ..)| std::ptr::eq(*read, group))
        {
            // Reading it again would make the same settings and only findings already made.
            gather.settings.clone_from(settings);
            gather.complete &= complete;
            return;
        }
        let mut read = Gather { rule: gather.rule, settings: BTreeMap::new(), complete: true };
        self.group(file, group, &mut read);
        self.groups.push((group, read.settings.clone(), read.complete));
        gather.settings = read.settings;
        gather.complete &= read.complete;
    }

    fn group(&mut self, file: usize, group: &'a Statement, gather: &mut Gather<'_>) {
        self.attributes(file, group, gather);
        if !gather.settings.contains_key("TTLSEnabled") {
            self.unresolved(
                file,
                group.span,
                gather,
                format!(
                    "{} has no valid TTLSEnabled, which it must give (On or Off)",
                    describe(group)
                ),
                doc::ACTIONS,
            );
        }
        if let Some((at, advanced)) = self.param(file, group, "TTLSGroupAdvancedParms", gather) {
            self.attributes(at, advanced, gather);
        }
    }

    fn environment(&mut self, file: usize, environment: &'a Statement, gather: &mut Gather<'_>) {
        self.attributes(file, environment, gather);
        match self.param(file, environment, "TTLSKeyringParms", gather) {
            Some((at, keyring)) => self.attributes(at, keyring, gather),
            None => gather.complete = false,
        }
        if let Some((at, advanced)) =
            self.param(file, environment, "TTLSEnvironmentAdvancedParms", gather)
        {
            self.attributes(at, advanced, gather);
        }
        if let Some((at, gsk)) = self.param(file, environment, "TTLSGskAdvancedParms", gather) {
            self.attributes(at, gsk, gather);
        }
        self.lists(file, environment, gather);
    }

    fn connection(&mut self, file: usize, connection: &'a Statement, gather: &mut Gather<'_>) {
        self.attributes(file, connection, gather);
        if let Some((at, advanced)) =
            self.param(file, connection, "TTLSConnectionAdvancedParms", gather)
        {
            self.attributes(at, advanced, gather);
        }
        // A connection action's cipher or signature parameters replace the environment's
        // (UNCONFIRMED: replacement, not a merge, is the reading of "attributes different
        // from those specified on the TTLSEnvironmentAction").
        self.lists(file, connection, gather);
    }

    /// Cipher and signature lists of an action.
    fn lists(&mut self, file: usize, action: &'a Statement, gather: &mut Gather<'_>) {
        if let Some((at, ciphers)) = self.param(file, action, "TTLSCipherParms", gather) {
            // The whole statement replaces an earlier scope's.
            gather.settings.remove("V2CipherSuites");
            gather.settings.remove("V3CipherSuites");
            self.ciphers(at, ciphers, gather);
        }
        if let Some((at, signature)) = self.param(file, action, "TTLSSignatureParms", gather) {
            for name in SIGNATURE_LISTS {
                gather.settings.remove(name);
            }
            for name in [
                "SignaturePairs",
                "SignaturePairsCert",
                "ClientECurves",
                "ClientKeyShareGroups",
                "ServerKexECurves",
                "ServerKeyShareGroups",
            ] {
                let lines: Vec<&Attribute> =
                    signature.attributes().filter(|a| a.is(name)).collect();
                let Some(last) = lines.last() else { continue };
                let mut codes: Vec<String> = Vec::new();
                for attr in &lines {
                    for value in &attr.values {
                        if name == "ClientECurves" && value.eq_ignore_ascii_case("any") {
                            codes.push("Any".to_owned());
                            continue;
                        }
                        let hex = !value.is_empty()
                            && value.chars().all(|c| c.is_ascii_hexdigit())
                            && value.len() % 4 == 0;
                        if hex {
                            for code in chunks(value, 4) {
                                if !codes.contains(&code) {
                                    codes.push(code);
                                }
                            }
                        } else {
                            self.finding(
                                FindingKind::Ignored,
                                at,
                                attr.span,
                                Some(gather.rule),
                                format!("{name} `{value}` is not a string of 4-character codes; zat reads it as ignored (UNCONFIRMED whether Policy Agent accepts names here)"),
                                doc::SIGNATURE,
                            );
                        }
                    }
                }
                if !codes.is_empty() {
                    gather.settings.insert(
                        name.to_owned(),
                        Setting {
                            value: codes.join(" "),
                            origin: written(at, last.span, signature),
                        },
                    );
                }
            }
        }
    }

    /// `V2CipherSuites`, `V3CipherSuites` and `V3CipherSuites4Char` of one TTLSCipherParms:
    /// repeated lines are concatenated, "if duplicate ciphers are specified, the first instance
    /// is used and all other instances are ignored" (TTLSCipherParms statement).
    fn ciphers(&mut self, file: usize, parms: &Statement, gather: &mut Gather<'_>) {
        let mut v2: Vec<String> = Vec::new();
        let mut v3: Vec<String> = Vec::new();
        let mut last_v2 = None;
        let mut last_v3 = None;
        for attr in parms.attributes() {
            let four = attr.is("V3CipherSuites4Char");
            let v3_line = attr.is("V3CipherSuites") || four;
            if !v3_line && !attr.is("V2CipherSuites") {
                continue;
            }
            let Some(value) = attr.values.first() else { continue };
            let hex = !value.is_empty() && value.chars().all(|c| c.is_ascii_hexdigit());
            let codes: Vec<String> = if !v3_line {
                last_v2 = Some(attr.span);
                if let Some((code, _)) =
                    V2_CIPHERS.iter().find(|(_, n)| n.eq_ignore_ascii_case(value))
                {
                    vec![(*code).to_owned()]
                } else if value
                    .chars()
                    .all(|c| V2_CIPHERS.iter().any(|(code, _)| code.starts_with(c)))
                {
                    value.chars().map(String::from).collect()
                } else {
                    self.ignored_cipher(
                        file,
                        attr,
                        value,
                        "not an SSL V2 cipher constant or a string of 1-character codes",
                        gather,
                    );
                    continue;
                }
            } else if four {
                last_v3 = Some(attr.span);
                if hex && value.len() % 4 == 0 {
                    chunks(value, 4)
                } else {
                    let why = if cipher_code(value).is_some() {
                        "a cipher name, but V3CipherSuites4Char takes only 4-character codes (write the name on a V3CipherSuites line)"
                    } else {
                        "not a string of 4-character codes"
                    };
                    self.ignored_cipher(file, attr, value, why, gather);
                    continue;
                }
            } else {
                last_v3 = Some(attr.span);
                if let Some(code) = cipher_code(value) {
                    vec![code.to_owned()]
                } else if hex && value.len() % 2 == 0 {
                    let codes: Vec<String> =
                        chunks(value, 2).into_iter().map(|c| format!("00{c}")).collect();
                    if value.len() == 4
                        && cipher_name(value).is_some_and(|_| value.starts_with(['C', 'c', '1']))
                    {
                        self.finding(
                            FindingKind::ReadDifferently,
                            file,
                            attr.span,
                            Some(gather.rule),
                            format!("V3CipherSuites `{value}` is read as the two 2-character codes {}, not as suite {value}; write it on a V3CipherSuites4Char line", codes.join(" and ")),
                            doc::CIPHER,
                        );
                    }
                    codes
                } else {
                    self.ignored_cipher(
                        file,
                        attr,
                        value,
                        "not a cipher name Policy Agent knows or a string of 2-character codes",
                        gather,
                    );
                    continue;
                }
            };
            let list = if v3_line { &mut v3 } else { &mut v2 };
            let mut dropped = Vec::new();
            for code in codes {
                if list.contains(&code) {
                    dropped.push(code);
                } else {
                    list.push(code);
                }
            }
            if !dropped.is_empty() {
                self.finding(
                    FindingKind::Ignored,
                    file,
                    attr.span,
                    Some(gather.rule),
                    format!("cipher {} is already in the list; Policy Agent uses the first instance and ignores this one", dropped.join(", ")),
                    doc::CIPHER,
                );
            }
        }
        for (name, list, span) in [("V2CipherSuites", v2, last_v2), ("V3CipherSuites", v3, last_v3)]
        {
            if let Some(span) = span
                && !list.is_empty()
            {
                gather.settings.insert(
                    name.to_owned(),
                    Setting { value: list.join(" "), origin: written(file, span, parms) },
                );
            }
        }
    }

    fn ignored_cipher(
        &mut self,
        file: usize,
        attr: &Attribute,
        value: &str,
        why: &str,
        gather: &Gather<'_>,
    ) {
        self.finding(
            FindingKind::Ignored,
            file,
            attr.span,
            Some(gather.rule),
            format!("{} `{value}` is {why}; zat reads it as ignored, so the suite is not offered (UNCONFIRMED whether Policy Agent refuses the policy instead)", attr.keyword),
            doc::CIPHER,
        );
    }

    fn defaults(&self, gather: &mut Gather<'_>) {
        fill_defaults(&mut gather.settings, self.options.release);
    }

    /// What makes an installed rule unable to work as written.
    fn usable(&mut self, file: usize, rule: &Statement, gather: &mut Gather<'_>) {
        let name = gather.rule;
        if !gather.settings.contains_key("HandshakeRole") && gather.complete {
            self.unresolved(file, rule.span, gather, format!("rule {name}'s environment action has no valid HandshakeRole, which it must give"), doc::ENVIRONMENT);
        }
        if !gather.settings.contains_key("Keyring") && gather.complete {
            self.unresolved(file, rule.span, gather, format!("rule {name}'s environment action has no key ring (TTLSKeyringParms with Keyring is required)"), doc::ENVIRONMENT);
        }
        let suite_b = gather
            .settings
            .get("SuiteBProfile")
            .map_or_else(|| "Off".to_owned(), |s| s.value.clone());
        if suite_b != "Off" {
            if gather.settings.get("V3CipherSuites").is_some_and(|s| s.origin != Origin::SystemSsl)
            {
                self.finding(FindingKind::Ignored, file, rule.span, Some(name), format!("rule {name} has SuiteBProfile {suite_b}: its TTLSCipherParms are ignored and only the Suite B ciphers are used"), doc::ENVIRONMENT);
            }
            // The suites are the profile's, chosen by System SSL.
            gather.settings.insert(
                "V3CipherSuites".to_owned(),
                Setting { value: format!("(Suite B {suite_b})"), origin: Origin::SystemSsl },
            );
        }
        let on = |key: &str| gather.settings.get(key).is_some_and(|s| s.value == "On");
        if let Some(list) =
            gather.settings.get("V3CipherSuites").filter(|s| s.origin != Origin::SystemSsl)
        {
            let codes: Vec<&str> = list.value.split(' ').collect();
            let tls13 = codes.iter().filter(|c| c.starts_with("13")).count();
            if on("TLSv1.3") && tls13 == 0 {
                self.finding(FindingKind::Unusable, file, rule.span, Some(name), format!("rule {name} has TLSv1.3 On but its cipher list has no TLS 1.3 suite (13xx): TLS 1.3 cannot be negotiated"), doc::CIPHER_SUITE);
            }
            if !on("TLSv1.3") && tls13 == codes.len() {
                self.finding(FindingKind::Unusable, file, rule.span, Some(name), format!("rule {name} lists only TLS 1.3 suites but has TLSv1.3 Off: no suite can be negotiated"), doc::CIPHER_SUITE);
            }
        }
    }

    /// The rule's `IpTimeCondition` (written inline or by reference), its parameters in one
    /// line as written: their meaning is not read (the parameter list is UNCONFIRMED), only
    /// that the rule is in effect part of the time.
    fn time_condition(&self, rule: &'a Statement) -> Option<String> {
        let written = rule.attribute("IpTimeConditionRef").is_some()
            || rule.statements().any(|s| s.is("IpTimeCondition"));
        if !written {
            return None;
        }
        Some(match self.index.param(rule, "IpTimeCondition") {
            Ok(Some(condition)) => {
                let parameters: Vec<String> = condition
                    .attributes()
                    .map(|a| format!("{} {}", a.keyword, a.value()).trim_end().to_owned())
                    .collect();
                let named = condition.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
                if parameters.is_empty() {
                    format!("IpTimeCondition{named} (no parameters)")
                } else {
                    format!("IpTimeCondition{named}: {}", parameters.join(", "))
                }
            }
            Ok(None) => "IpTimeCondition".to_owned(),
            Err(attr) => format!(
                "{} {} (names no IpTimeCondition in the files read)",
                attr.keyword,
                attr.value()
            ),
        })
    }

    /// The rule's conditions as ranges.
    fn conditions(
        &mut self,
        file: usize,
        rule: &'a Statement,
        gather: &mut Gather<'_>,
    ) -> Conditions {
        let name = gather.rule;
        let mut out = Conditions::default();
        match rule.attribute("Direction") {
            Some(attr) => match attr.values.first().and_then(|v| Direction::parse(v)) {
                Some(d) => out.direction = Some(d),
                None => {
                    self.unresolved(
                        file,
                        attr.span,
                        gather,
                        format!("Direction `{}` is not Inbound, Outbound or Both", attr.value()),
                        doc::RULE,
                    );
                }
            },
            None => {
                self.unresolved(
                    file,
                    rule.span,
                    gather,
                    format!("rule {name} has no Direction, which every rule needs"),
                    doc::RULES,
                );
            }
        }
        out.time_condition = self.time_condition(rule);
        let spec = keywords::statement_spec("TTLSRule");
        for side in ["Local", "Remote"] {
            let mut addresses = None;
            let mut ports = None;
            for attr in rule.attributes() {
                // Only a keyword that starts with the side's word is one of its conditions:
                // the table is searched for those alone.
                if !starts_with_ignoring_case(&attr.keyword, side) {
                    continue;
                }
                let Some(keyword) =
                    spec.and_then(|spec| keywords::attr_spec(spec, &attr.keyword)).map(|a| a.name)
                else {
                    continue;
                };
                let Some(rest) = keyword.strip_prefix(side) else { continue };
                let first = attr.values.first().map(String::as_str).unwrap_or_default();
                match rest {
                    "Addr" => {
                        addresses = Some(
                            self.address(file, attr.span, first, name, gather)
                                .into_iter()
                                .collect(),
                        )
                    }
                    "AddrRef" | "AddrSetRef" | "AddrGroupRef" => {
                        let kind = Index::target_of(keyword).unwrap_or("IpAddr");
                        addresses = Some(match self.index.get(kind, first) {
                            Some(d) => self.address_object(d.file, d.statement, name, gather, 0),
                            None => {
                                self.unresolved(file, attr.span, gather, format!("{keyword} {first} names no {kind} in the files read; what the rule matches is indeterminate"), doc::RULE);
                                Vec::new()
                            }
                        });
                    }
                    "PortRange" => {
                        ports = Some(match index::port_range(&attr.values) {
                            Some((0, 0)) => Vec::new(),
                            Some((low, high)) => vec![port(low, high)],
                            None => {
                                self.unresolved(
                                    file,
                                    attr.span,
                                    gather,
                                    format!("{keyword} `{}` is not a port range", attr.value()),
                                    doc::RULE,
                                );
                                Vec::new()
                            }
                        })
                    }
                    "PortRangeRef" | "PortGroupRef" => {
                        let kind = Index::target_of(keyword).unwrap_or("PortRange");
                        ports = Some(match self.index.get(kind, first) {
                            Some(d) => match self.port_object(d.statement, 0) {
                                Some(ports) => ports,
                                None => {
                                    self.unresolved(file, attr.span, gather, format!("{keyword} {first} refers back to itself; what the rule matches is indeterminate"), doc::RULE);
                                    Vec::new()
                                }
                            },
                            None => {
                                self.unresolved(file, attr.span, gather, format!("{keyword} {first} names no {kind} in the files read; what the rule matches is indeterminate"), doc::RULE);
                                Vec::new()
                            }
                        });
                    }
                    _ => {}
                }
            }
            let addresses = addresses.unwrap_or_default();
            let ports = ports.unwrap_or_default();
            if side == "Local" {
                out.local_addr = addresses;
                out.local_port = ports;
            } else {
                out.remote_addr = addresses;
                out.remote_port = ports;
            }
        }
        out.jobname = index::value(rule, "Jobname").map(str::to_owned);
        out.userid = index::value(rule, "Userid").map(str::to_owned);
        let any = !out.local_addr.is_empty()
            || !out.remote_addr.is_empty()
            || !out.local_port.is_empty()
            || !out.remote_port.is_empty()
            || out.jobname.is_some()
            || out.userid.is_some();
        let written = || {
            ["LocalAddr", "RemoteAddr", "LocalPort", "RemotePort", "Jobname", "Userid"]
                .iter()
                .any(|k| rule.attributes().any(|a| starts_with_ignoring_case(&a.keyword, k)))
        };
        if !any && !written() {
            self.unresolved(file, rule.span, gather, format!("rule {name} has no condition besides Direction; a rule needs at least one address, port, job name or user ID"), doc::RULE);
        }
        out
    }

    fn address_object(
        &mut self,
        file: usize,
        object: &'a Statement,
        rule: &str,
        gather: &mut Gather<'_>,
        depth: usize,
    ) -> Vec<AddrRange> {
        let mut out = Vec::new();
        // Groups hold addresses and sets, which hold no references: anything deeper is a
        // reference loop, which Policy Agent cannot resolve either.
        if depth > MAX_NESTING {
            self.finding(
                FindingKind::Unresolved,
                file,
                object.span,
                Some(rule),
                format!(
                    "{} refers back to itself; what the rule matches is indeterminate",
                    describe(object)
                ),
                doc::IP_ADDR_GROUP,
            );
            gather.complete = false;
            return out;
        }
        for entry in object.entries() {
            match entry {
                Entry::Attribute(attr) => {
                    let first = attr.values.first().map(String::as_str).unwrap_or_default();
                    if attr.is("Addr") || attr.is("Prefix") || attr.is("Range") {
                        out.extend(self.address(file, attr.span, first, rule, gather));
                    } else if attr.is("IpAddrRef") || attr.is("IpAddrSetRef") {
                        let kind = Index::target_of(&attr.keyword).unwrap_or("IpAddr");
                        match self.index.get(kind, first) {
                            Some(d) => {
                                let inner = self.address_object(
                                    d.file,
                                    d.statement,
                                    rule,
                                    gather,
                                    depth + 1,
                                );
                                out.extend(inner);
                            }
                            None => {
                                self.finding(
                                    FindingKind::Unresolved,
                                    file,
                                    attr.span,
                                    Some(rule),
                                    format!(
                                        "{} {first} names no {kind} in the files read",
                                        attr.keyword
                                    ),
                                    doc::IP_ADDR_GROUP,
                                );
                                gather.complete = false;
                            }
                        }
                    }
                }
                Entry::Statement(inner) if inner.is("IpAddr") || inner.is("IpAddrSet") => {
                    out.extend(self.address_object(file, inner, rule, gather, depth + 1));
                }
                Entry::Statement(_) => {}
            }
        }
        out
    }

    /// The port ranges of a group or range; `None` for a reference loop.
    fn port_object(&self, object: &Statement, depth: usize) -> Option<Vec<PortRange>> {
        let mut out = Vec::new();
        if depth > MAX_NESTING {
            return None;
        }
        for entry in object.entries() {
            match entry {
                Entry::Attribute(attr) if attr.is("Port") => {
                    if let Some((low, high)) = index::port_range(&attr.values) {
                        out.push(port(low, high));
                    }
                }
                Entry::Attribute(attr) if attr.is("PortRangeRef") => {
                    if let Some(found) =
                        attr.values.first().and_then(|n| self.index.get("PortRange", n))
                    {
                        out.extend(self.port_object(found.statement, depth + 1)?);
                    }
                }
                Entry::Statement(inner) if inner.is("PortRange") => {
                    out.extend(self.port_object(inner, depth + 1)?);
                }
                _ => {}
            }
        }
        // Port 0 alone stands for every port.
        Some(if out.iter().any(|p| p.from == 0 && p.to == 0) { Vec::new() } else { out })
    }

    /// One address condition value; `None` for `All`.
    fn address(
        &mut self,
        file: usize,
        span: Option<Span>,
        text: &str,
        rule: &str,
        gather: &mut Gather<'_>,
    ) -> Option<AddrRange> {
        if let Some(message) = refused_address(text) {
            self.finding(FindingKind::Rejected, file, span, Some(rule), message, doc::RULE);
        }
        match parse_address(text) {
            Ok(range) => range,
            Err(AddressError::Numeric(addr)) => {
                self.finding(
                    FindingKind::ReadDifferently,
                    file,
                    span,
                    Some(rule),
                    format!("address `{text}` is a plain number, which Policy Agent installs as the IPv4 address {addr}"),
                    doc::RULE,
                );
                Some(AddrRange { from: IpAddr::V4(addr), to: IpAddr::V4(addr) })
            }
            Err(AddressError::Invalid) => {
                self.finding(
                    FindingKind::Unresolved,
                    file,
                    span,
                    Some(rule),
                    format!("`{text}` is not an address, prefix or range"),
                    doc::RULE,
                );
                gather.complete = false;
                None
            }
        }
    }
}

/// Fills every parameter not set with its documented default for the release.
pub(crate) fn fill_defaults(settings: &mut BTreeMap<String, Setting>, release: Release) {
    for row in PARAMETERS {
        if row.since > release || settings.contains_key(row.name) {
            continue;
        }
        let setting = match row.default {
            DefaultValue::Value(value) => {
                Setting { value: value.to_owned(), origin: Origin::Default }
            }
            DefaultValue::SystemSsl => {
                Setting { value: SYSTEM_SSL_DEFAULT.to_owned(), origin: Origin::SystemSsl }
            }
            DefaultValue::Required | DefaultValue::Unset => continue,
        };
        settings.insert(row.name.to_owned(), setting);
    }
}

/// Whether `text` starts with `prefix`, ASCII case ignored.
fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

pub(crate) fn port(low: u32, high: u32) -> PortRange {
    let clamp = |p: u32| u16::try_from(p).unwrap_or(u16::MAX);
    PortRange { from: clamp(low.min(high)), to: clamp(low.max(high)) }
}

fn written(file: usize, span: Option<Span>, statement: &Statement) -> Origin {
    Origin::Written { place: Place { file, span }, statement: describe(statement) }
}

/// `TTLSEnvironmentAction name`, or `inline TTLSKeyringParms` for an unnamed one.
pub(crate) fn describe(statement: &Statement) -> String {
    let keyword = keywords::canonical_statement(&statement.keyword).unwrap_or(&statement.keyword);
    // Joined rather than formatted: every written setting names its statement.
    match &statement.name {
        Some(name) => [keyword, " ", name].concat(),
        None => ["inline ", keyword].concat(),
    }
}

/// `text` cut into upper-case pieces of `size` characters.
fn chunks(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(size).map(|c| c.iter().collect::<String>().to_ascii_uppercase()).collect()
}

/// Why an address value is not a plain address, prefix or range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressError {
    /// A plain number: Policy Agent reads it as the 32-bit IPv4 address.
    Numeric(Ipv4Addr),
    Invalid,
}

/// An address condition as Policy Agent reads it: `All` (no condition), an address, a
/// `prefix/length`, or `from-to`.
pub fn parse_address(text: &str) -> Result<Option<AddrRange>, AddressError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("all") || text.is_empty() {
        return Ok(None);
    }
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Ok(Some(AddrRange { from: addr, to: addr }));
    }
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(n) => Err(AddressError::Numeric(Ipv4Addr::from(n))),
            Err(_) => Err(AddressError::Invalid),
        };
    }
    if let Some((addr, length)) = text.split_once('/') {
        let length: u32 = length.parse().map_err(|_| AddressError::Invalid)?;
        return match addr.parse::<IpAddr>().map_err(|_| AddressError::Invalid)? {
            IpAddr::V4(a) if length <= 32 => {
                let mask = if length == 0 { 0 } else { u32::MAX << (32 - length) };
                let low = u32::from(a) & mask;
                Ok(Some(AddrRange {
                    from: IpAddr::V4(low.into()),
                    to: IpAddr::V4((low | !mask).into()),
                }))
            }
            IpAddr::V6(a) if length <= 128 => {
                let mask = if length == 0 { 0 } else { u128::MAX << (128 - length) };
                let low = u128::from(a) & mask;
                Ok(Some(AddrRange {
                    from: IpAddr::V6(Ipv6Addr::from(low)),
                    to: IpAddr::V6(Ipv6Addr::from(low | !mask)),
                }))
            }
            _ => Err(AddressError::Invalid),
        };
    }
    if let Some((low, high)) = text.split_once('-') {
        let (low, high) = (
            low.trim().parse::<IpAddr>().map_err(|_| AddressError::Invalid)?,
            high.trim().parse::<IpAddr>().map_err(|_| AddressError::Invalid)?,
        );
        if low.is_ipv4() != high.is_ipv4() || low > high {
            return Err(AddressError::Invalid);
        }
        return Ok(Some(AddrRange { from: low, to: high }));
    }
    Err(AddressError::Invalid)
}

/// Why an AT-TLS policy may not hold the address condition `text`, when it may not: an IPv6
/// address that is IPv4-mapped (`::ffff:10.1.1.1`) or in the reserved prefix `::/96`
/// (`::10.1.1.1`), written alone, as a prefix's address or as an end of a range. The IpAddr
/// statement's rules for AT-TLS policies make either an error that Policy Agent logs, and a
/// policy with an error is not installed. `::/96` is taken as written, so `::` and `::1` are
/// in it too (UNCONFIRMED whether Policy Agent exempts the loopback address; refusing it is
/// the side that cannot leave a stack on its old policy).
pub fn refused_address(text: &str) -> Option<String> {
    let text = text.trim();
    let written: Vec<&str> = match (text.split_once('/'), text.split_once('-')) {
        (Some((addr, _)), _) => vec![addr],
        (None, Some((low, high))) => vec![low.trim(), high.trim()],
        (None, None) => vec![text],
    };
    written.into_iter().find_map(|one| {
        let Ok(IpAddr::V6(addr)) = one.parse::<IpAddr>() else { return None };
        let why = if let Some(v4) = addr.to_ipv4_mapped() {
            format!("an IPv4-mapped IPv6 address (of {v4}; write the IPv4 address)")
        } else if u128::from(addr) >> 32 == 0 {
            "in the reserved IPv6 prefix ::/96".to_owned()
        } else {
            return None;
        };
        Some(format!("`{one}` is {why}, which an AT-TLS policy may not hold: Policy Agent logs an error and installs no new AT-TLS policy for the stack"))
    })
}

#[cfg(test)]
mod tests;
