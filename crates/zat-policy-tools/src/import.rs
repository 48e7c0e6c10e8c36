//! `zat import`: existing AT-TLS policy read into a small model of what the fleet builders can
//! say (rules, security levels, key rings), and everything else listed as not carried over.
//!
//! Pure: text in, [`Imported`] out. Each rule is resolved the way the stack sees it (the
//! environment action's values, overridden by the connection action's). A rule with a
//! condition the model cannot state is left out rather than imported broader than it was;
//! every attribute the model has no place for becomes a note and a warning, never silence.

use std::collections::BTreeMap;

use zat_model::{Diagnostic, Origin};

use crate::lint::PolicyFile;
use zat_policy::index::{self, Index, Parsed, detect_kind, on_off, port_range};
use zat_policy::keywords::{self, FileKind};
use zat_policy::{Attribute, Entry, Statement};

/// The stable codes of `zat import`.
pub mod codes {
    /// An attribute the fleet model has no place for.
    pub const NOT_CARRIED: &str = "ZAT0650";
    /// A rule left out because the model cannot state one of its conditions or its key ring.
    pub const RULE_LEFT_OUT: &str = "ZAT0651";
    /// A value filled in or changed so the fleet model accepts it.
    pub const ASSUMED: &str = "ZAT0652";
    /// A file given to import that holds no AT-TLS policy.
    pub const NO_POLICY: &str = "ZAT0653";

    /// Every code, sorted.
    pub const ALL: &[&str] = &[NOT_CARRIED, RULE_LEFT_OUT, ASSUMED, NO_POLICY];
}

use codes::*;

/// Owner used for a ring written without one when the rule names no exact user ID.
pub const PLACEHOLDER_OWNER: &str = "RINGOWNR";

/// System SSL's cipher list when a policy configures none (z/OS 3.1, as `pasearch` shows it).
const SYSTEM_SSL_DEFAULT_CIPHERS: &[&str] =
    &["C023", "C024", "C027", "C028", "C02B", "C02C", "C02F"];

/// Cipher suite names accepted in `V3CipherSuites`, with their 4-character codes.
const CIPHER_NAMES: &[(&str, &str)] = &[
    ("TLS_AES_128_GCM_SHA256", "1301"),
    ("TLS_AES_256_GCM_SHA384", "1302"),
    ("TLS_CHACHA20_POLY1305_SHA256", "1303"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "C02B"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "C02C"),
    ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "C02F"),
    ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "C030"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "C023"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "C024"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "C027"),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "C028"),
    ("TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256", "C02D"),
    ("TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384", "C02E"),
    ("TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", "C031"),
    ("TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384", "C032"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "C009"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "C00A"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "C013"),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "C014"),
    ("TLS_RSA_WITH_AES_128_GCM_SHA256", "009C"),
    ("TLS_RSA_WITH_AES_256_GCM_SHA384", "009D"),
    ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "009E"),
    ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "009F"),
    ("TLS_RSA_WITH_AES_128_CBC_SHA256", "003C"),
    ("TLS_RSA_WITH_AES_256_CBC_SHA256", "003D"),
    ("TLS_RSA_WITH_AES_128_CBC_SHA", "002F"),
    ("TLS_RSA_WITH_AES_256_CBC_SHA", "0035"),
    ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "000A"),
];

/// The six protocol switches with their documented defaults when a policy leaves them out.
const PROTOCOLS: [(&str, bool); 6] = [
    ("SSLv2", false),
    ("SSLv3", false),
    ("TLSv1", true),
    ("TLSv1.1", true),
    ("TLSv1.2", false),
    ("TLSv1.3", false),
];

/// TLS settings shared by rules: one per distinct combination found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// Name for the script, from the policy object it came from, unique.
    pub name: String,
    /// SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3.
    pub protocols: [bool; 6],
    pub ciphers: Vec<String>,
    pub signature_pairs: Vec<String>,
    pub curves: Vec<String>,
    pub handshake_timeout: Option<i64>,
    pub fips: bool,
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
    pub priority: Option<i64>,
    pub enabled: bool,
    /// `client`, `server` or `server_with_client_auth`; `None` for a clear-text rule.
    pub role: Option<&'static str>,
    /// Index into [`Imported::rings`].
    pub ring: Option<usize>,
    pub label: Option<String>,
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
}

/// Reads the AT-TLS policy of the files given together (a common file and a stack's file
/// share one name space). Main and image files are skipped with a warning. Rules keep the
/// order they were written in.
pub fn import(files: &[PolicyFile<'_>]) -> Imported {
    let mut parsed = Vec::new();
    let mut imported = Imported::default();
    for file in files {
        let (statements, _) = zat_policy::parse(file.text);
        let kind = detect_kind(&statements);
        if kind != Some(FileKind::Policy) {
            imported.diagnostics.push(
                Diagnostic::warning(NO_POLICY, "no AT-TLS policy in this file; import skips it")
                    .at(&Origin::new(file.path, 1, 1))
                    .help("give the file that TTLSConfig (or CommonTTLSConfig) names"),
            );
            continue;
        }
        imported.sources.push(file.path.to_owned());
        parsed.push(Parsed { path: file.path, statements, kind });
    }
    let index = Index::new(&parsed);
    let mut importer = Importer { index: &index, files: &parsed, out: imported, noted: Vec::new() };
    // The last definition of a rule name is the one Policy Agent keeps.
    let mut rules: BTreeMap<&str, (usize, &Statement)> = BTreeMap::new();
    let mut order = Vec::new();
    for (file, p) in parsed.iter().enumerate() {
        for statement in &p.statements {
            if statement.is("TTLSRule")
                && statement.body.is_some()
                && let Some(name) = statement.name.as_deref()
                && rules.insert(name, (file, statement)).is_none()
            {
                order.push(name);
            }
        }
    }
    for name in order {
        if let Some((file, rule)) = rules.get(name) {
            importer.rule(*file, rule);
        }
    }
    importer.out
}

struct Importer<'i, 'a> {
    index: &'i Index<'a>,
    files: &'a [Parsed<'a>],
    out: Imported,
    /// Origins of the notes already reported, so a shared action is reported once.
    noted: Vec<Origin>,
}

/// The values a rule takes from its actions, lowest scope last.
#[derive(Default)]
struct Effective {
    protocols: [Option<bool>; 6],
    ciphers: Option<Vec<String>>,
    signature_pairs: Vec<String>,
    curves: Vec<String>,
    handshake_timeout: Option<i64>,
    role: Option<String>,
    label: Option<String>,
    trace: Option<u32>,
}

impl<'a> Importer<'_, 'a> {
    fn origin(&self, file: usize, span: Option<zat_policy::Span>) -> Origin {
        let span = span.unwrap_or_default();
        Origin::new(self.files.get(file).map_or("", |f| f.path), span.line, span.column)
    }

    fn leave_out(&mut self, file: usize, rule: &Statement, reason: String) {
        let origin = self.origin(file, rule.span);
        let name = rule.name.clone().unwrap_or_default();
        self.out.diagnostics.push(
            Diagnostic::warning(RULE_LEFT_OUT, format!("rule {name} is left out: {reason}"))
                .at(&origin)
                .object(format!("TTLSRule {name}"))
                .help("the script carries a comment in its place; write the rule by hand if you need it"),
        );
        self.out.left_out.push(LeftOut { name, reason, origin });
    }

    fn assumed(&mut self, file: usize, rule: &Statement, message: String) {
        let origin = self.origin(file, rule.span);
        let name = rule.name.clone().unwrap_or_default();
        self.out.diagnostics.push(
            Diagnostic::warning(ASSUMED, message).at(&origin).object(format!("TTLSRule {name}")),
        );
    }

    /// Notes every attribute of `statement` not in `mapped`, on the rule and (once per place)
    /// as a warning.
    fn not_carried(
        &mut self,
        file: usize,
        statement: &Statement,
        mapped: &[&str],
        notes: &mut Vec<String>,
    ) {
        let owner = describe(statement);
        for entry in statement.entries() {
            let (keyword, text, span) = match entry {
                Entry::Attribute(attr) => (attr.keyword.as_str(), attr.value(), attr.span),
                Entry::Statement(inner) => {
                    (inner.keyword.as_str(), "{ ... }".to_owned(), inner.span)
                }
            };
            if mapped.iter().any(|m| m.eq_ignore_ascii_case(keyword)) {
                continue;
            }
            // A value equal to Policy Agent's default says nothing the regenerated policy
            // does not: dropping it loses nothing.
            if AS_DEFAULT
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(keyword) && v.eq_ignore_ascii_case(&text))
            {
                continue;
            }
            let canonical = keywords::canonical(&statement.keyword, keyword).unwrap_or(keyword);
            let note = format!("{canonical} {text} ({owner})").replace("  ", " ");
            if !notes.contains(&note) {
                notes.push(note.clone());
            }
            let origin = self.origin(file, span);
            if !self.noted.contains(&origin) {
                self.noted.push(origin.clone());
                self.out.diagnostics.push(
                    Diagnostic::warning(
                        NOT_CARRIED,
                        format!("{canonical} {text} is not carried over: the fleet model has no place for it"),
                    )
                    .at(&origin)
                    .object(owner.clone())
                    .help("the script notes it in a `// zat import: not carried over` comment; check whether the fleet needs it"),
                );
            }
        }
    }

    /// The file a global statement was defined in (for positions), or `fallback`.
    fn file_of(&self, statement: &Statement, fallback: usize) -> usize {
        statement
            .name
            .as_deref()
            .and_then(|name| self.index.get(&statement.keyword, name))
            .filter(|d| std::ptr::eq(d.statement, statement))
            .map_or(fallback, |d| d.file)
    }

    fn rule(&mut self, file: usize, rule: &'a Statement) {
        let written = rule.name.clone().unwrap_or_default();
        let name = sanitize(&written);
        if name != written {
            self.assumed(file, rule, format!("rule name `{written}` becomes `{name}`: zat names are 1-32 characters A-Z a-z 0-9 _ - . @ # $"));
        }
        let origin = self.origin(file, rule.span);
        let direction = match index::value(rule, "Direction").map(str::to_ascii_lowercase) {
            Some(d) if d == "inbound" => "inbound",
            Some(d) if d == "outbound" => "outbound",
            Some(d) if d == "both" => "both",
            _ => return self.leave_out(file, rule, "it has no valid Direction".to_owned()),
        };
        let mut notes = Vec::new();
        // Conditions: a condition the model cannot state would make the rule broader.
        let mut conditions = Conditions::default();
        if let Err(reason) = self.conditions(rule, &mut conditions) {
            return self.leave_out(file, rule, reason);
        }
        self.not_carried(file, rule, RULE_MAPPED, &mut notes);
        let priority = index::value(rule, "Priority").and_then(|p| p.parse::<i64>().ok());
        let Some(group) = self.index.follow(rule, "TTLSGroupActionRef") else {
            return self.leave_out(
                file,
                rule,
                "its TTLSGroupActionRef names no group action in the files given".to_owned(),
            );
        };
        let enabled =
            index::value(group.statement, "TTLSEnabled").and_then(on_off).unwrap_or(false);
        let mut effective = Effective {
            trace: index::value(group.statement, "Trace").and_then(|t| t.parse().ok()),
            ..Effective::default()
        };
        let fips = match index::value(group.statement, "FIPS140") {
            Some(v) => on_off(v).unwrap_or(true),
            None => false,
        };
        if enabled {
            self.not_carried(
                group.file,
                group.statement,
                &["TTLSEnabled", "Trace", "FIPS140"],
                &mut notes,
            );
        }
        let mut imported = Rule {
            name: name.clone(),
            direction,
            local_addr: conditions.local_addr,
            remote_addr: conditions.remote_addr,
            local_port: conditions.local_port,
            remote_port: conditions.remote_port,
            jobname: conditions.jobname,
            userid: conditions.userid,
            priority,
            enabled,
            role: None,
            ring: None,
            label: None,
            level: None,
            trace: effective.trace,
            not_carried: Vec::new(),
            origin,
        };
        for (field, what) in
            [(&mut imported.jobname, "job name"), (&mut imported.userid, "user ID")]
        {
            if let Some(value) = field
                && *value != value.to_ascii_uppercase()
            {
                let upper = value.to_ascii_uppercase();
                self.assumed(file, rule, format!("{what} filter `{value}` is written in upper case, `{upper}`, as z/OS names are"));
                *value = upper;
            }
        }
        if !enabled {
            imported.not_carried = notes;
            self.out.rules.push(imported);
            return;
        }
        let Some(environment) = self.index.follow(rule, "TTLSEnvironmentActionRef") else {
            return self.leave_out(
                file,
                rule,
                "its group has TTLSEnabled On but it has no environment action in the files given"
                    .to_owned(),
            );
        };
        let connection = self.index.follow(rule, "TTLSConnectionActionRef");
        let ring_text = match self.index.param(environment.statement, "TTLSKeyringParms") {
            Ok(Some(parms)) => {
                let at = self.file_of(parms, environment.file);
                self.not_carried(at, parms, &["Keyring"], &mut notes);
                index::value(parms, "Keyring").map(str::to_owned)
            }
            _ => None,
        };
        let Some(ring_text) = ring_text else {
            return self.leave_out(
                file,
                rule,
                "its environment action has no key ring in the files given".to_owned(),
            );
        };
        for action in std::iter::once(environment).chain(connection) {
            self.action(action.file, action.statement, &mut effective, &mut notes);
        }
        imported.trace = effective.trace;
        let ring = match self.ring(file, rule, &ring_text, imported.userid.as_deref()) {
            Ok(ring) => ring,
            Err(reason) => return self.leave_out(file, rule, reason),
        };
        imported.role =
            Some(match effective.role.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("client") => "client",
                Some("serverwithclientauth") => "server_with_client_auth",
                Some("server") => "server",
                _ => {
                    return self.leave_out(
                        file,
                        rule,
                        "its environment action has no valid HandshakeRole".to_owned(),
                    );
                }
            });
        let level = self.level(file, rule, environment.statement, &effective, fips);
        imported.level = Some(level);
        imported.label = effective.label.clone();
        let ring_entry = &mut self.out.rings[ring];
        match &imported.label {
            Some(label) if !ring_entry.labels.contains(label) => {
                ring_entry.labels.push(label.clone());
            }
            Some(_) => {}
            None if imported.role != Some("client") => ring_entry.needs_default = true,
            None => {}
        }
        imported.ring = Some(ring);
        imported.not_carried = notes;
        self.out.rules.push(imported);
    }

    /// The rule's conditions as the model states them; `Err` when one cannot be.
    fn conditions(&self, rule: &Statement, out: &mut Conditions) -> Result<(), String> {
        if let Some(statement) = rule.statements().next() {
            return Err(format!("its inline {} condition cannot be imported", describe(statement)));
        }
        for attr in rule.attributes() {
            let Some(keyword) = keywords::canonical("TTLSRule", &attr.keyword) else { continue };
            let first = attr.values.first().map(String::as_str).unwrap_or_default();
            match keyword {
                "LocalAddr" => out.local_addr = address(first),
                "RemoteAddr" => out.remote_addr = address(first),
                "LocalAddrRef" | "RemoteAddrRef" | "LocalAddrSetRef" | "RemoteAddrSetRef" => {
                    let resolved = self.address_ref(attr)?;
                    if keyword.starts_with("Local") {
                        out.local_addr = resolved;
                    } else {
                        out.remote_addr = resolved;
                    }
                }
                "LocalPortRange" | "RemotePortRange" => {
                    let range = port_range(&attr.values).ok_or_else(|| {
                        format!("{keyword} `{}` is not a port range", attr.value())
                    })?;
                    let range = (range != (0, 0)).then_some(range);
                    if keyword.starts_with("Local") {
                        out.local_port = range
                    } else {
                        out.remote_port = range
                    }
                }
                "LocalPortRangeRef" | "RemotePortRangeRef" => {
                    let found = self
                        .index
                        .get("PortRange", first)
                        .and_then(|d| d.statement.attribute("Port"))
                        .and_then(|p| port_range(&p.values))
                        .ok_or_else(|| {
                            format!("{keyword} {first} names no PortRange with a Port")
                        })?;
                    let range = (found != (0, 0)).then_some(found);
                    if keyword.starts_with("Local") {
                        out.local_port = range
                    } else {
                        out.remote_port = range
                    }
                }
                "Jobname" => out.jobname = Some(first.to_owned()),
                "Userid" => out.userid = Some(first.to_owned()),
                "LocalAddrGroupRef" | "RemoteAddrGroupRef" | "LocalPortGroupRef"
                | "RemotePortGroupRef" | "IpTimeConditionRef" => {
                    return Err(format!(
                        "the fleet model has one address and one port range per side, so {keyword} {first} cannot be stated (importing the rule without it would make it broader)"
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn address_ref(&self, attr: &Attribute) -> Result<Option<String>, String> {
        let first = attr.values.first().map(String::as_str).unwrap_or_default();
        let kind = Index::target_of(&attr.keyword).unwrap_or("IpAddr");
        let found = self.index.get(kind, first).ok_or_else(|| {
            format!("{} {first} names no {kind} in the files given", attr.keyword)
        })?;
        let value = ["Addr", "Prefix", "Range"]
            .iter()
            .find_map(|k| index::value(found.statement, k))
            .ok_or_else(|| format!("{kind} {first} has no address"))?;
        Ok(address(value))
    }

    /// Reads one action's values into `effective` (a later call overrides).
    fn action(
        &mut self,
        file: usize,
        action: &Statement,
        effective: &mut Effective,
        notes: &mut Vec<String>,
    ) {
        let environment = action.is("TTLSEnvironmentAction");
        let mapped: &[&str] = if environment { ENVIRONMENT_MAPPED } else { CONNECTION_MAPPED };
        self.not_carried(file, action, mapped, notes);
        if let Some(role) = index::value(action, "HandshakeRole") {
            effective.role = Some(role.to_owned());
        }
        if let Some(trace) = index::value(action, "Trace").and_then(|t| t.parse().ok()) {
            effective.trace = Some(trace);
        }
        let advanced = if environment {
            "TTLSEnvironmentAdvancedParms"
        } else {
            "TTLSConnectionAdvancedParms"
        };
        if let Ok(Some(parms)) = self.index.param(action, advanced) {
            let at = self.file_of(parms, file);
            self.not_carried(at, parms, ADVANCED_MAPPED, notes);
            for (slot, (keyword, _)) in PROTOCOLS.iter().enumerate() {
                if let Some(on) = index::value(parms, keyword).and_then(on_off) {
                    effective.protocols[slot] = Some(on);
                }
            }
            if let Some(timeout) =
                index::value(parms, "HandshakeTimeout").and_then(|t| t.parse().ok())
            {
                effective.handshake_timeout = Some(timeout);
            }
            let label = ["CertificateLabel", "ServerCertificateLabel"]
                .iter()
                .find_map(|k| index::value(parms, k));
            if let Some(label) = label {
                effective.label = Some(label.to_owned());
            }
        }
        if let Ok(Some(parms)) = self.index.param(action, "TTLSCipherParms") {
            let at = self.file_of(parms, file);
            self.not_carried(at, parms, &["V3CipherSuites", "V3CipherSuites4Char"], notes);
            let mut codes = Vec::new();
            for attr in parms.attributes() {
                for value in &attr.values {
                    for code in cipher_codes(&attr.keyword, value) {
                        if !codes.contains(&code) {
                            codes.push(code);
                        }
                    }
                }
            }
            if !codes.is_empty() {
                effective.ciphers = Some(codes);
            }
        }
        if let Ok(Some(parms)) = self.index.param(action, "TTLSSignatureParms") {
            let at = self.file_of(parms, file);
            self.not_carried(
                at,
                parms,
                &["SignaturePairs", "ClientECurves", "ClientKeyShareGroups"],
                notes,
            );
            let mut odd = Vec::new();
            let mut four = |keyword: &str| -> Vec<String> {
                let mut codes = Vec::new();
                for attr in parms.attributes().filter(|a| a.is(keyword)) {
                    for value in &attr.values {
                        let hex = value.chars().all(|c| c.is_ascii_hexdigit());
                        let whole = value.as_bytes().chunks_exact(4).remainder().is_empty();
                        if hex && whole && !value.is_empty() {
                            codes.extend(chunks(value, 4));
                        } else {
                            odd.push(format!("{keyword} {value} ({})", describe(parms)));
                        }
                    }
                }
                codes
            };
            effective.signature_pairs = four("SignaturePairs");
            effective.curves = four("ClientECurves");
            for note in odd {
                // `Any` and names are not codes: the level keeps System SSL's default list.
                self.assumed(at, parms, format!("{note} is not a list of 4-digit codes; the security level uses System SSL's default list instead"));
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
    }

    fn ring(
        &mut self,
        file: usize,
        rule: &Statement,
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
            Some((owner, name)) => (owner.to_ascii_uppercase(), name.to_owned()),
            None => {
                let owner = match userid {
                    Some(user) if !user.contains('*') => user.to_owned(),
                    _ => PLACEHOLDER_OWNER.to_owned(),
                };
                self.assumed(
                    file,
                    rule,
                    format!("key ring `{text}` has no owner (on z/OS the connection's user ID owns it); the script names {owner} as its owner, which the regenerated policy writes as {owner}/{text}"),
                );
                (owner, text.to_owned())
            }
        };
        if let Some(at) = self.out.rings.iter().position(|r| r.owner == owner && r.name == name) {
            return Ok(at);
        }
        self.out.rings.push(Ring { owner, name, labels: Vec::new(), needs_default: false });
        Ok(self.out.rings.len() - 1)
    }

    fn level(
        &mut self,
        file: usize,
        rule: &Statement,
        environment: &Statement,
        effective: &Effective,
        fips: bool,
    ) -> usize {
        let mut protocols = [false; 6];
        let mut defaulted = Vec::new();
        for (slot, (keyword, default)) in PROTOCOLS.iter().enumerate() {
            protocols[slot] = effective.protocols[slot].unwrap_or_else(|| {
                defaulted.push(format!("{keyword} {}", if *default { "On" } else { "Off" }));
                *default
            });
        }
        let ciphers = match &effective.ciphers {
            Some(ciphers) => ciphers.clone(),
            None => {
                defaulted.push("the System SSL default cipher list".to_owned());
                SYSTEM_SSL_DEFAULT_CIPHERS.iter().map(|c| (*c).to_owned()).collect()
            }
        };
        let candidate = Level {
            name: String::new(),
            protocols,
            ciphers,
            signature_pairs: effective.signature_pairs.clone(),
            curves: effective.curves.clone(),
            handshake_timeout: effective.handshake_timeout,
            fips,
        };
        if let Some(at) = self
            .out
            .levels
            .iter()
            .position(|l| Level { name: String::new(), ..l.clone() } == candidate)
        {
            return at;
        }
        let base = self
            .index
            .param(environment, "TTLSEnvironmentAdvancedParms")
            .ok()
            .flatten()
            .and_then(|p| p.name.clone())
            .or_else(|| environment.name.clone())
            .map(|n| sanitize(&n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "LEVEL".to_owned());
        let mut name = base.clone();
        let mut n = 2;
        while self.out.levels.iter().any(|l| l.name == name) {
            let suffix = format!("_{n}");
            name = format!("{}{suffix}", truncate(&base, 32 - suffix.len()));
            n += 1;
        }
        if !defaulted.is_empty() {
            self.assumed(
                file,
                rule,
                format!(
                    "security level {name} takes what the policy leaves unset from the documented defaults: {}; check them against your release",
                    defaulted.join(", ")
                ),
            );
        }
        self.out.levels.push(Level { name, ..candidate });
        self.out.levels.len() - 1
    }
}

/// Attributes written with the value Policy Agent uses anyway (reference §4).
const AS_DEFAULT: &[(&str, &str)] = &[
    ("ClientAuthType", "Required"),
    ("ApplicationControlled", "Off"),
    ("CtraceClearText", "Off"),
    ("MiddleBoxCompatMode", "Off"),
    ("SecondaryMap", "Off"),
    ("SuiteBProfile", "Off"),
    ("TruncatedHMAC", "Off"),
];

const RULE_MAPPED: &[&str] = &[
    "LocalAddr",
    "RemoteAddr",
    "LocalAddrRef",
    "RemoteAddrRef",
    "LocalAddrSetRef",
    "RemoteAddrSetRef",
    "LocalPortRange",
    "RemotePortRange",
    "LocalPortRangeRef",
    "RemotePortRangeRef",
    "Jobname",
    "Userid",
    "Direction",
    "Priority",
    "TTLSGroupActionRef",
    "TTLSEnvironmentActionRef",
    "TTLSConnectionActionRef",
];

const ENVIRONMENT_MAPPED: &[&str] = &[
    "HandshakeRole",
    "Trace",
    "TTLSKeyringParms",
    "TTLSKeyringParmsRef",
    "TTLSCipherParms",
    "TTLSCipherParmsRef",
    "TTLSSignatureParms",
    "TTLSSignatureParmsRef",
    "TTLSEnvironmentAdvancedParms",
    "TTLSEnvironmentAdvancedParmsRef",
];

const CONNECTION_MAPPED: &[&str] = &[
    "HandshakeRole",
    "Trace",
    "TTLSCipherParms",
    "TTLSCipherParmsRef",
    "TTLSSignatureParms",
    "TTLSSignatureParmsRef",
    "TTLSConnectionAdvancedParms",
    "TTLSConnectionAdvancedParmsRef",
];

const ADVANCED_MAPPED: &[&str] = &[
    "SSLv2",
    "SSLv3",
    "TLSv1",
    "TLSv1.1",
    "TLSv1.2",
    "TLSv1.3",
    "HandshakeTimeout",
    "CertificateLabel",
    "ServerCertificateLabel",
];

#[derive(Default)]
struct Conditions {
    local_addr: Option<String>,
    remote_addr: Option<String>,
    local_port: Option<(u32, u32)>,
    remote_port: Option<(u32, u32)>,
    jobname: Option<String>,
    userid: Option<String>,
}

fn describe(statement: &Statement) -> String {
    let keyword = keywords::canonical_statement(&statement.keyword).unwrap_or(&statement.keyword);
    match &statement.name {
        Some(name) => format!("{keyword} {name}"),
        None => format!("inline {keyword}"),
    }
}

/// An address condition: `All` is no condition; an IPv4 range written with `:` (which Policy
/// Agent refuses) is written with `-`.
fn address(text: &str) -> Option<String> {
    if text.is_empty() || text.eq_ignore_ascii_case("all") {
        return None;
    }
    if let Some((low, high)) = text.split_once(':')
        && low.parse::<std::net::Ipv4Addr>().is_ok()
        && high.parse::<std::net::Ipv4Addr>().is_ok()
    {
        return Some(format!("{low}-{high}"));
    }
    Some(text.to_owned())
}

/// `text` cut into pieces of `size` characters (a shorter tail is kept as it is).
fn chunks(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(size).map(|c| c.iter().collect::<String>().to_ascii_uppercase()).collect()
}

/// The 4-character codes of one cipher attribute value.
fn cipher_codes(keyword: &str, value: &str) -> Vec<String> {
    if let Some((_, code)) = CIPHER_NAMES.iter().find(|(name, _)| name.eq_ignore_ascii_case(value))
    {
        return vec![(*code).to_owned()];
    }
    let hex = value.chars().all(|c| c.is_ascii_hexdigit());
    if keyword.eq_ignore_ascii_case("V3CipherSuites4Char") && hex {
        return chunks(value, 4);
    }
    if keyword.eq_ignore_ascii_case("V3CipherSuites") && hex {
        return chunks(value, 2).into_iter().map(|c| format!("00{c}")).collect();
    }
    Vec::new()
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
