//! `zat import`: the effective policy of existing AT-TLS policy (or of a `pasearch -t` report)
//! read into what the fleet builders say (rules, security levels, key rings), with a note for
//! every setting the fleet model cannot carry.
//!
//! Pure: text in, [`Imported`] out. Import reads what Policy Agent installs, not the text:
//! defaults, overrides, references and the rule order are resolved by
//! `zat_policy::effective` first. Nothing is invented: a cipher list that is not written stays
//! System SSL's default, a rule without `Priority` gets one only to keep its place in the
//! order, and says so. A rule with a condition the model cannot state is left out rather than
//! imported broader than it was.

use std::collections::BTreeSet;

use zat_model::{Diagnostic, Origin};
use zat_policy::effective::Direction;
use zat_policy::effective::{
    self, DefaultValue, EffectivePolicy, EffectiveRule, Origin as SettingOrigin, parameter,
};
use zat_policy::keywords::FileKind;
use zat_policy::{Options, PolicyFile, index::detect_kind, pasearch};

/// The stable codes of `zat import`.
pub mod codes {
    /// A setting the fleet model has no place for, or that the rebuilt policy gives another
    /// value (rule, setting, old and new value).
    pub const NOT_CARRIED: &str = "ZAT0650";
    /// A rule left out because the model cannot state one of its conditions or its key ring.
    pub const RULE_LEFT_OUT: &str = "ZAT0651";
    /// A value filled in or changed so the fleet model accepts it.
    pub const ASSUMED: &str = "ZAT0652";
    /// A file given to import that holds no AT-TLS policy.
    pub const NO_POLICY: &str = "ZAT0653";
    /// The imported script does not pass `zat check`.
    pub const NOT_CHECKED: &str = "ZAT0654";

    /// Every code, sorted.
    pub const ALL: &[&str] = &[NOT_CARRIED, RULE_LEFT_OUT, ASSUMED, NO_POLICY, NOT_CHECKED];
}

use codes::*;

/// Owner used for a ring written without one when the rule names no exact user ID.
pub const PLACEHOLDER_OWNER: &str = "RINGOWNR";

/// Settings the fleet model carries; every other setting written with a value other than its
/// default is noted.
const CARRIED: &[&str] = &[
    "TTLSEnabled",
    "Trace",
    "FIPS140",
    "HandshakeRole",
    "Keyring",
    "CertificateLabel",
    "ServerCertificateLabel",
    "SSLv2",
    "SSLv3",
    "TLSv1",
    "TLSv1.1",
    "TLSv1.2",
    "TLSv1.3",
    "V3CipherSuites",
    "SignaturePairs",
    "ClientECurves",
    "ClientKeyShareGroups",
    "ServerKeyShareGroups",
    "HandshakeTimeout",
    "ClientAuthType",
    "ApplicationControlled",
    "Renegotiation",
    "EnvironmentUserInstance",
];

/// TLS settings shared by rules: one per distinct combination found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Level {
    /// Name for the script, from the policy object it came from, unique.
    pub name: String,
    /// SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3.
    pub protocols: [bool; 6],
    /// 4-character codes in order; `None` when the policy gives no list (System SSL default).
    pub ciphers: Option<Vec<String>>,
    pub signature_pairs: Vec<String>,
    pub curves: Vec<String>,
    pub key_share_groups: Vec<String>,
    pub server_key_share_groups: Vec<String>,
    /// Only when it differs from the default.
    pub handshake_timeout: Option<i64>,
    pub fips: bool,
    /// Only when it differs from the default (`Required`).
    pub client_auth_type: Option<String>,
    pub application_controlled: Option<bool>,
    pub renegotiation: Option<String>,
    pub environment_user_instance: Option<i64>,
}

/// A key ring a rule uses, and the certificate labels the rules ask it for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ring {
    pub owner: String,
    pub name: String,
    /// Labels rules present from this ring (the ring must hold them).
    pub labels: Vec<String>,
    /// Whether a server rule uses the ring without a label (it presents the ring's DEFAULT).
    pub needs_default: bool,
}

/// One rule as the fleet builder `stack.rule(name, #{ ... })` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    /// `inbound`, `outbound` or `both`.
    pub direction: &'static str,
    pub local_addr: Option<String>,
    pub remote_addr: Option<String>,
    pub local_port: Option<(u32, u32)>,
    pub remote_port: Option<(u32, u32)>,
    pub jobname: Option<String>,
    pub userid: Option<String>,
    /// Always given: the policy's, or one that keeps the rule's place in the order.
    pub priority: Option<i64>,
    pub enabled: bool,
    /// `client`, `server` or `server_with_client_auth`; `None` for a clear-text rule.
    pub role: Option<&'static str>,
    /// Index into [`Imported::rings`].
    pub ring: Option<usize>,
    pub label: Option<String>,
    /// `ServerCertificateLabel`, when the policy gives one.
    pub server_label: Option<String>,
    /// Index into [`Imported::levels`].
    pub level: Option<usize>,
    pub trace: Option<u32>,
    /// What the model has no place for, as `Keyword value (Statement name)`.
    pub not_carried: Vec<String>,
    pub origin: Origin,
}

/// A rule that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub name: String,
    pub reason: String,
    pub origin: Origin,
}

/// What `zat import` read from a set of policy files.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub rules: Vec<Rule>,
    pub left_out: Vec<LeftOut>,
    pub levels: Vec<Level>,
    pub rings: Vec<Ring>,
    /// Warnings: what was not carried over, left out or assumed.
    pub diagnostics: Vec<Diagnostic>,
    /// The files the policy came from, in the order given.
    pub sources: Vec<String>,
    /// What Policy Agent installs from the input: the reference a rebuilt policy is compared
    /// with.
    pub policy: EffectivePolicy,
}

/// Reads the files with the default [`Options`].
pub fn import(files: &[PolicyFile<'_>]) -> Imported {
    import_with(files, &Options::default())
}

/// Reads the AT-TLS policy of the files given together (a common file and a stack's file
/// share one name space), or one `pasearch -t` report (its first stack). Main and image files
/// are skipped with a warning. Rules come in the order the stack compares them.
pub fn import_with(files: &[PolicyFile<'_>], options: &Options) -> Imported {
    import_stack(files, options, None)
}

/// As [`import_with`], reading the image named `stack` of a `pasearch -t` report that holds
/// several (any case). A report of one stack is read whatever its name; a report of several
/// where none is `stack` gives an error and no rule, rather than another stack's rules.
pub fn import_stack(files: &[PolicyFile<'_>], options: &Options, stack: Option<&str>) -> Imported {
    let mut imported = Imported::default();
    let mut policies = Vec::new();
    for file in files {
        if pasearch::is_report(file.text) {
            imported.sources.push(file.path.to_owned());
            let mut report = pasearch::read_image(file.path, file.text, stack, options);
            let named = |image: &String| stack.is_none_or(|s| image.eq_ignore_ascii_case(s));
            let at = Origin::new(file.path, 1, 1);
            let images = report.images.join(", ");
            if !report.images.iter().any(named) {
                if report.images.len() > 1 {
                    imported.diagnostics.push(
                        Diagnostic::error(NO_POLICY, format!("the report holds the policy of {} stacks ({images}), none of them {}; import reads none", report.images.len(), stack.unwrap_or_default()))
                            .at(&at)
                            .help("name the stack to import with --stack"),
                    );
                    continue;
                }
                // One stack under another name: `--stack` also names where the rules go (and
                // has a default), so the report is read, and the warning says whose it is.
                if let ([image], Some(stack)) = (report.images.as_slice(), stack) {
                    imported.diagnostics.push(
                        Diagnostic::warning(ASSUMED, format!("the report is of stack {image}; import reads it and the script puts its rules on stack {stack}"))
                            .at(&at)
                            .help("--stack names the stack the rules go to; check that the report is of the stack you mean"),
                    );
                }
                report = pasearch::read(file.path, file.text, options);
            } else if report.images.len() > 1 {
                let read = report.images.iter().find(|i| named(i)).cloned().unwrap_or_default();
                imported.diagnostics.push(
                    Diagnostic::warning(ASSUMED, format!("the report holds the policy of {} stacks ({images}); import reads {read}", report.images.len()))
                        .at(&at)
                        .help("--stack names the stack to read"),
                );
            }
            imported.policy = report.policy;
            continue;
        }
        let (statements, _) = zat_policy::parse(file.text);
        if detect_kind(&statements) != Some(FileKind::Policy) {
            imported.diagnostics.push(
                Diagnostic::warning(NO_POLICY, "no AT-TLS policy in this file; import skips it")
                    .at(&Origin::new(file.path, 1, 1))
                    .help("give the file that TTLSConfig (or CommonTTLSConfig) names, or a `pasearch -t` report"),
            );
            continue;
        }
        imported.sources.push(file.path.to_owned());
        policies.push(*file);
    }
    if !policies.is_empty() {
        imported.policy = effective::effective(&policies, options);
    }
    let priorities = priorities(&imported.policy, options);
    let policy = imported.policy.clone();
    let mut importer = Importer { policy: &policy, out: imported, noted: BTreeSet::new() };
    for (rule, priority) in policy.rules.iter().zip(priorities) {
        importer.rule(rule, priority);
    }
    importer.out
}

/// The highest priority Policy Agent accepts.
const MAX_PRIORITY: i64 = 2_000_000_000;

/// How an imported rule came by its priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Given {
    /// The policy's own `Priority`.
    Kept,
    /// The policy's `Priority`, raised by the given amount to make room below it.
    Raised(i64),
    /// None written: one that keeps the rule's place below every explicit priority.
    Placed,
    /// None written, and no room below the explicit priorities: 1, tied with them.
    Tied,
}

/// A priority for every rule that keeps the stack's order: the rule's own, or, for a rule
/// without one, a priority below every explicit one, in the order Policy Agent ranks them.
///
/// Policy Agent compares a rule without `Priority` after every rule with one (attls-effective
/// §1.2, read so by `options.unprioritised` 0). A script cannot write "no priority" as "lower
/// than all", so each such rule gets a number below the lowest explicit one; when the explicit
/// ones leave no room (a `Priority 1`), they are all raised by the same amount, which keeps
/// their order and their ties. Only when that would pass the highest priority is a rule left
/// tied at 1, and said so.
fn priorities(policy: &EffectivePolicy, options: &Options) -> Vec<(i64, Given)> {
    if options.unprioritised > 0 {
        // Read at a priority the site chose: writing that priority keeps the same order
        // (equal priorities are ordered by name, and names are kept).
        let at = i64::from(options.unprioritised);
        return policy
            .rules
            .iter()
            .map(|r| r.priority.map_or((at, Given::Placed), |p| (i64::from(p), Given::Kept)))
            .collect();
    }
    let explicit = || policy.rules.iter().filter_map(|r| r.priority).map(i64::from);
    let unplaced = policy.rules.iter().filter(|r| r.priority.is_none()).count();
    let unplaced = i64::try_from(unplaced).unwrap_or(MAX_PRIORITY);
    let lowest = explicit().min().unwrap_or(1000);
    let highest = explicit().max().unwrap_or(lowest);
    // The unprioritised rules need the numbers 1 ..= unplaced below the lowest explicit one.
    let raise = (unplaced + 1 - lowest).max(0);
    let raise = if highest + raise <= MAX_PRIORITY { raise } else { 0 };
    let mut next = lowest + raise;
    policy
        .rules
        .iter()
        .map(|rule| match rule.priority {
            Some(p) if raise > 0 => (i64::from(p) + raise, Given::Raised(raise)),
            Some(p) => (i64::from(p), Given::Kept),
            None if next > 1 => {
                next -= 1;
                (next, Given::Placed)
            }
            None => (1, Given::Tied),
        })
        .collect()
}

struct Importer<'p> {
    policy: &'p EffectivePolicy,
    out: Imported,
    /// Notes already reported, so a shared action is reported once.
    noted: BTreeSet<(String, String)>,
}

impl Importer<'_> {
    fn origin(&self, rule: &EffectiveRule) -> Origin {
        let place = rule.place.unwrap_or(effective::Place { file: 0, span: None });
        let span = place.span.unwrap_or_default();
        let file = self.policy.files.get(place.file).map_or("", String::as_str);
        Origin::new(file, span.line, span.column)
    }

    fn leave_out(&mut self, rule: &EffectiveRule, reason: String) {
        let origin = self.origin(rule);
        let name = rule.name.clone();
        self.out.diagnostics.push(
            Diagnostic::warning(RULE_LEFT_OUT, format!("rule {name} is left out: {reason}"))
                .at(&origin)
                .object(format!("TTLSRule {name}"))
                .help("the script carries a comment in its place; write the rule by hand if you need it"),
        );
        self.out.left_out.push(LeftOut { name, reason, origin });
    }

    fn assumed(&mut self, rule: &EffectiveRule, message: String) {
        let origin = self.origin(rule);
        self.out.diagnostics.push(
            Diagnostic::warning(ASSUMED, message)
                .at(&origin)
                .object(format!("TTLSRule {}", rule.name)),
        );
    }

    fn rule(&mut self, rule: &EffectiveRule, (priority, given): (i64, Given)) {
        let written = rule.name.clone();
        let name = sanitize(&written);
        if name != written {
            self.assumed(rule, format!("rule name `{written}` becomes `{name}`: zat names are 1-32 characters A-Z a-z 0-9 _ - . @ # $"));
        }
        if !rule.complete {
            let why: Vec<&str> = self
                .policy
                .findings
                .iter()
                .filter(|f| {
                    f.kind == effective::FindingKind::Unresolved
                        && f.rule.as_deref() == Some(rule.name.as_str())
                })
                .map(|f| f.message.as_str())
                .collect();
            let why = if why.is_empty() { "see `zat lint`".to_owned() } else { why.join("; ") };
            return self.leave_out(rule, format!("Policy Agent cannot resolve it as written, so what it does is indeterminate ({why})"));
        }
        let c = &rule.conditions;
        if let Some(time) = &c.time_condition {
            return self.leave_out(rule, format!("it is in effect only part of the time ({time}), and the fleet model cannot state a time condition (importing the rule without it would make it broader)"));
        }
        let direction = match c.direction {
            Some(Direction::Inbound) => "inbound",
            Some(Direction::Outbound) => "outbound",
            Some(Direction::Both) => "both",
            None => return self.leave_out(rule, "it has no valid Direction".to_owned()),
        };
        let mut conditions = [None, None];
        for (slot, (what, ranges)) in
            [("local address", &c.local_addr), ("remote address", &c.remote_addr)]
                .into_iter()
                .enumerate()
        {
            match ranges.as_slice() {
                [] => {}
                [one] => conditions[slot] = Some(one.to_string()),
                _ => {
                    return self.leave_out(rule, format!("its {what} condition has {} ranges, and the fleet model states one per side (importing it with one would make it narrower, without them broader)", ranges.len()));
                }
            }
        }
        let mut ports = [None, None];
        for (slot, (what, ranges)) in
            [("local port", &c.local_port), ("remote port", &c.remote_port)].into_iter().enumerate()
        {
            match ranges.as_slice() {
                [] => {}
                [one] => ports[slot] = Some((u32::from(one.from), u32::from(one.to))),
                _ => {
                    return self.leave_out(rule, format!("its {what} condition has {} ranges, and the fleet model states one per side", ranges.len()));
                }
            }
        }
        let [local_addr, remote_addr] = conditions;
        let [local_port, remote_port] = ports;
        match given {
            Given::Kept => {}
            Given::Raised(by) => self.assumed(rule, format!("rule {name} has Priority {}; the script gives it {priority} ({by} more), so that the rules without Priority fit below it and every rule keeps its place in the order Policy Agent compares rules", priority - by)),
            Given::Placed => self.assumed(rule, format!("rule {name} has no Priority; the script gives it {priority}, so that it keeps its place in the order Policy Agent compares rules (zat would otherwise derive one from the conditions)")),
            Given::Tied => self.assumed(rule, format!("rule {name} has no Priority, and the explicit priorities leave no room below them; the script gives it 1, tied with the rules at 1, and Policy Agent orders equal priorities by name, so it may be compared before them where the policy compared it after: check with `zat why`")),
        }
        let enabled = rule.enabled();
        let mut imported = Rule {
            name: name.clone(),
            direction,
            local_addr,
            remote_addr,
            local_port,
            remote_port,
            jobname: c.jobname.clone(),
            userid: c.userid.clone(),
            priority: Some(priority),
            enabled,
            role: None,
            ring: None,
            label: None,
            server_label: None,
            level: None,
            trace: rule.value("Trace").and_then(|t| t.parse().ok()),
            not_carried: Vec::new(),
            origin: self.origin(rule),
        };
        for (field, what) in
            [(&mut imported.jobname, "job name"), (&mut imported.userid, "user ID")]
        {
            if let Some(value) = field
                && *value != value.to_ascii_uppercase()
            {
                let upper = value.to_ascii_uppercase();
                let message = format!(
                    "{what} filter `{value}` is written in upper case, `{upper}`, as z/OS names are"
                );
                *value = upper;
                self.assumed(rule, message);
            }
        }
        imported.not_carried = self.not_carried(rule);
        self.ignored(rule, &mut imported.not_carried);
        if !enabled {
            self.out.rules.push(imported);
            return;
        }
        let Some(ring_text) = rule.value("Keyring").map(str::to_owned) else {
            return self.leave_out(rule, "its environment action has no key ring".to_owned());
        };
        let ring = match self.ring(rule, &ring_text, imported.userid.as_deref()) {
            Ok(ring) => ring,
            Err(reason) => return self.leave_out(rule, reason),
        };
        imported.role = Some(match rule.value("HandshakeRole") {
            Some("Client") => "client",
            Some("ServerWithClientAuth") => "server_with_client_auth",
            Some("Server") => "server",
            _ => {
                return self.leave_out(
                    rule,
                    "its environment action has no valid HandshakeRole".to_owned(),
                );
            }
        });
        if rule.value("ClientECurves").is_some_and(|v| v.split(' ').any(|c| c == "Any")) {
            let note = "ClientECurves Any (the fleet model takes curve codes; the rebuilt policy leaves the curves to System SSL's default)".to_owned();
            self.assumed(rule, format!("rule {name}: {note}"));
            imported.not_carried.push(note);
        }
        imported.level = Some(self.level(rule));
        imported.label = rule.value("CertificateLabel").map(str::to_owned);
        imported.server_label = rule.value("ServerCertificateLabel").map(str::to_owned);
        if let Some(labels) = imported.server_label.as_deref().filter(|l| l.contains(' ')) {
            // Several server certificates (RSA and ECDSA): the fleet model states one.
            let note = format!(
                "ServerCertificateLabel {labels} (the fleet model states one label; the script keeps the first)"
            );
            self.assumed(rule, format!("rule {name}: {note}"));
            imported.not_carried.push(note);
            imported.server_label = labels.split(' ').next().map(str::to_owned);
        }
        let ring_entry = &mut self.out.rings[ring];
        if let Some(server) = &imported.server_label
            && !ring_entry.labels.contains(server)
        {
            ring_entry.labels.push(server.clone());
        }
        match &imported.label {
            Some(label) if !ring_entry.labels.contains(label) => {
                ring_entry.labels.push(label.clone())
            }
            Some(_) => {}
            None if imported.role != Some("client") && imported.server_label.is_none() => {
                ring_entry.needs_default = true;
            }
            None => {}
        }
        imported.ring = Some(ring);
        self.out.rules.push(imported);
    }

    /// Every setting written with a value other than its default that the model cannot carry.
    fn not_carried(&mut self, rule: &EffectiveRule) -> Vec<String> {
        let mut notes = Vec::new();
        for (key, setting) in &rule.settings {
            if CARRIED.contains(&key.as_str()) {
                continue;
            }
            let statement = match &setting.origin {
                SettingOrigin::Written { statement, .. } => statement.clone(),
                SettingOrigin::Reported => "pasearch report".to_owned(),
                SettingOrigin::Default | SettingOrigin::SystemSsl => continue,
            };
            // A value equal to the documented default says nothing the rebuilt policy does not.
            if is_default(key, &setting.value) {
                continue;
            }
            let note = format!("{key} {} ({statement})", setting.value);
            notes.push(note.clone());
            if self.noted.insert((statement.clone(), format!("{key} {}", setting.value))) {
                let origin = match &setting.origin {
                    SettingOrigin::Written { place, .. } => {
                        let span = place.span.unwrap_or_default();
                        Origin::new(
                            self.policy.files.get(place.file).map_or("", String::as_str),
                            span.line,
                            span.column,
                        )
                    }
                    _ => self.origin(rule),
                };
                self.out.diagnostics.push(
                    Diagnostic::warning(NOT_CARRIED, format!("{key} {} is not carried over: the fleet model has no place for it", setting.value))
                        .at(&origin)
                        .object(statement)
                        .help("the script notes it in a `// zat import: not carried over` comment; check whether the fleet needs it"),
                );
            }
        }
        notes
    }

    /// What Policy Agent ignores, reads differently or replaces in this rule's statements: the
    /// rebuilt policy does not have it either, which the reader should know.
    fn ignored(&mut self, rule: &EffectiveRule, notes: &mut Vec<String>) {
        use effective::FindingKind as K;
        let policy = self.policy;
        for finding in
            policy.findings.iter().filter(|f| f.rule.as_deref() == Some(rule.name.as_str()))
        {
            if !matches!(finding.kind, K::Ignored | K::ReadDifferently | K::Replaced | K::Unusable)
            {
                continue;
            }
            notes.push(finding.message.clone());
            let place = finding.place.unwrap_or(effective::Place { file: 0, span: None });
            let span = place.span.unwrap_or_default();
            let origin = Origin::new(
                policy.files.get(place.file).map_or("", String::as_str),
                span.line,
                span.column,
            );
            if self.noted.insert((format!("{origin}"), finding.message.clone())) {
                self.out.diagnostics.push(
                    Diagnostic::warning(
                        NOT_CARRIED,
                        format!("{}; the script takes what Policy Agent installs", finding.message),
                    )
                    .at(&origin)
                    .object(format!("TTLSRule {}", rule.name))
                    .help(format!("see {}", finding.document)),
                );
            }
        }
    }

    fn ring(
        &mut self,
        rule: &EffectiveRule,
        text: &str,
        userid: Option<&str>,
    ) -> Result<usize, String> {
        let virtual_ring = text.starts_with('/')
            || text.starts_with('*')
            || text.contains("*AUTH*")
            || text.contains("*SITE*");
        if virtual_ring {
            return Err(format!(
                "its key ring `{text}` is a virtual ring, key database or token, which the fleet model cannot state"
            ));
        }
        let (owner, name) = match text.split_once('/') {
            Some((owner, name)) => {
                // The ring name keeps its case (RACF ring names are case-sensitive); the owner
                // is a RACF user ID, which RACF holds in upper case and R_datalib wants so
                // ("ringOwner must be upper case"). Changed, it is said, as for job names.
                let upper = owner.to_ascii_uppercase();
                if upper != owner {
                    self.assumed(rule, format!("key ring owner `{owner}` of `{text}` is written in upper case, `{upper}`, as RACF user IDs are; the rebuilt policy writes {upper}/{name}"));
                }
                (upper, name.to_owned())
            }
            None => {
                let owner = match userid {
                    Some(user) if !user.contains('*') => user.to_ascii_uppercase(),
                    _ => PLACEHOLDER_OWNER.to_owned(),
                };
                self.assumed(rule, format!("key ring `{text}` has no owner (on z/OS the connection's user ID owns it); the script names {owner} as its owner, which the rebuilt policy writes as {owner}/{text}"));
                (owner, text.to_owned())
            }
        };
        if let Some(at) = self.out.rings.iter().position(|r| r.owner == owner && r.name == name) {
            return Ok(at);
        }
        self.out.rings.push(Ring { owner, name, labels: Vec::new(), needs_default: false });
        Ok(self.out.rings.len() - 1)
    }

    fn level(&mut self, rule: &EffectiveRule) -> usize {
        let on = |key: &str| rule.value(key) == Some("On");
        let written = |key: &str| {
            rule.settings
                .get(key)
                .filter(|s| !matches!(s.origin, SettingOrigin::Default | SettingOrigin::SystemSsl))
        };
        let codes = |key: &str| -> Vec<String> {
            written(key)
                .map(|s| s.value.split(' ').filter(|c| *c != "Any").map(str::to_owned).collect())
                .unwrap_or_default()
        };
        let not_default =
            |key: &str| rule.value(key).filter(|v| !is_default(key, v)).map(str::to_owned);
        let candidate = Level {
            name: String::new(),
            protocols: ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"].map(on),
            ciphers: written("V3CipherSuites")
                .map(|s| s.value.split(' ').map(str::to_owned).collect()),
            signature_pairs: codes("SignaturePairs"),
            curves: codes("ClientECurves"),
            key_share_groups: codes("ClientKeyShareGroups"),
            server_key_share_groups: codes("ServerKeyShareGroups"),
            handshake_timeout: rule
                .value("HandshakeTimeout")
                .filter(|t| *t != "10")
                .and_then(|t| t.parse().ok()),
            fips: rule.value("FIPS140").is_some_and(|v| v != "Off"),
            client_auth_type: not_default("ClientAuthType"),
            application_controlled: on("ApplicationControlled").then_some(true),
            renegotiation: not_default("Renegotiation"),
            environment_user_instance: rule
                .value("EnvironmentUserInstance")
                .and_then(|v| v.parse().ok()),
        };
        if let Some(at) = self
            .out
            .levels
            .iter()
            .position(|l| Level { name: String::new(), ..l.clone() } == candidate)
        {
            return at;
        }
        let base = rule
            .actions
            .environment
            .as_deref()
            .map(sanitize)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "LEVEL".to_owned());
        let mut name = base.clone();
        let mut n = 2;
        while self.out.levels.iter().any(|l| l.name == name) {
            let suffix = format!("_{n}");
            name = format!("{}{suffix}", truncate(&base, 32 - suffix.len()));
            n += 1;
        }
        self.out.levels.push(Level { name, ..candidate });
        self.out.levels.len() - 1
    }
}

/// The values the policy reference documents for TTLSSignatureParms lists that AT-TLS leaves
/// to System SSL when they are not written, as a `pasearch -t` report shows them (codes
/// without blanks). ServerKeyShareGroups has two: the V2R5 diagram's, and what a V3R1 report
/// shows (observed).
const SYSTEM_SSL_VALUES: &[(&str, &[&str])] = &[
    ("ServerKexECurves", &["00230024002500210019"]),
    ("ClientKeyShareGroups", &["0023"]),
    ("ServerKeyShareGroups", &["0021002300240025001900290030", "00230024002500290030"]),
];

/// Whether `value` is the documented default of the parameter.
fn is_default(key: &str, value: &str) -> bool {
    if matches!(parameter(key).map(|p| p.default), Some(DefaultValue::Value(v)) if v == value) {
        return true;
    }
    let codes: String = value.split_whitespace().collect();
    SYSTEM_SSL_VALUES
        .iter()
        .any(|(name, values)| name.eq_ignore_ascii_case(key) && values.contains(&codes.as_str()))
}

/// A name the fleet model accepts (A-Z a-z 0-9 _ - . @ # $, at most 32 characters).
pub(crate) fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_-.@#$".contains(c) { c } else { '_' })
        .collect();
    truncate(&cleaned, 32).to_owned()
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

#[cfg(test)]
mod tests;
