//! The AT-TLS policy of one stack as a zat-policy statement tree: one `TTLSRule` per rule,
//! then the actions and parameter objects they share, each emitted once and referenced by name.

use std::borrow::Cow;
use std::collections::BTreeMap;

use zat_plugin_api::model::{
    Diagnostic, Fleet, HandshakeRole, Lpar, Rule, RuleSource, SecurityLevel, Stack,
};
use zat_policy::{Attribute, Release, Statement};

use crate::names::{MAX_NAME, Namer};

/// Codes must stay stable: `zat explain` documents them.
pub(crate) const SKIPPED_RULE: &str = "ZAT0540";
pub(crate) const DERIVED_PRIORITY: &str = "ZAT0541";
pub(crate) const UNSAFE_VALUE: &str = "ZAT0542";

/// Codes per `V3CipherSuites4Char` / `SignaturePairs` / `ClientECurves` line. Repeated lines of
/// these attributes are concatenated by Policy Agent (IP Configuration Reference, TTLSCipherParms
/// and TTLSSignatureParms statements), so a long list is
/// split to keep every line within 72 columns: 8 codes are 32 characters after a value column
/// of at most 34.
const CODES_PER_LINE: usize = 8;

/// Groups valid in a TLS 1.3 key share (secp256r1, secp384r1, secp521r1, x25519, x448).
const TLS13_GROUPS: &[&str] = &["0023", "0024", "0025", "0029", "0030"];

/// Lowest and highest priority Policy Agent accepts.
const PRIORITY_RANGE: (i64, i64) = (1, 2_000_000_000);

/// The kinds of shared object, in the order they are written after the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Group,
    Environment,
    Connection,
    Keyring,
    Cipher,
    Signature,
    Advanced,
}

/// Shared objects of one policy file, each made once.
#[derive(Debug, Default)]
struct Objects {
    namer: Namer,
    made: BTreeMap<Kind, Vec<Statement>>,
    /// The name of every object made, by kind and identity: most rules of a stack share their
    /// objects, and finding one here needs neither the namer's key nor its readable name.
    named: BTreeMap<Kind, BTreeMap<String, String>>,
}

impl Objects {
    /// The name of the object with this identity, building it on first use; `readable` is
    /// asked for only then.
    fn get(
        &mut self,
        kind: Kind,
        identity: &str,
        readable: impl FnOnce() -> String,
        build: impl FnOnce(&mut Self, &str) -> Statement,
    ) -> String {
        if let Some(name) = self.named.get(&kind).and_then(|named| named.get(identity)) {
            return name.clone();
        }
        let key = format!("{kind:?}\u{0}{identity}");
        let fresh = !self.namer.knows(&key);
        let name = self.namer.name(&key, &readable());
        if fresh {
            let statement = build(self, &name);
            self.made.entry(kind).or_default().push(statement);
        }
        self.named.entry(kind).or_default().insert(identity.to_owned(), name.clone());
        name
    }
}

/// The parts written one after the other into one string of the exact length: a policy is
/// built for every stack of a fleet, and `format!` costs several times as much for these
/// names and comments.
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Whether [`unsafe_value`] refuses a character.
fn unsafe_char(c: char) -> bool {
    !c.is_ascii_graphic() || matches!(c, '#' | '{' | '}')
}

/// What the emitter found wrong with one rule; the rule is left out of the policy.
fn skip(lpar: &Lpar, stack: &Stack, rule: &Rule, why: impl Into<String>) -> Diagnostic {
    Diagnostic::error(SKIPPED_RULE, why)
        .object(format!("lpar {} / stack {} / rule {}", lpar.name, stack.name, rule.name))
        .at(&rule.origin)
}

/// Whether a value can be written as one policy word: not empty, printable ASCII (which
/// exists in IBM-1047), no blank (Policy Agent reads only the first word; whether quotes would
/// help is unconfirmed, so zat refuses the value instead of quoting it), no `#` (starts a
/// comment, even inside a RACF user ID), no brace (opens or closes a block).
fn unsafe_value(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("is empty".into());
    }
    value
        .chars()
        .find(|&c| unsafe_char(c))
        .map(|c| if c == ' ' { "contains a blank".into() } else { format!("contains {c:?}") })
}

/// The labels a rule's connection action writes on the LPAR's release: the certificate this
/// side presents (`CertificateLabel`) and the server certificate (`ServerCertificateLabel`).
/// A release older than `ServerCertificateLabel` (2.4: the parameter came with 2.5) ignores
/// that line, so a server rule's server label is written as its `CertificateLabel`, which
/// names the server certificate for the server role (attls-policy.md §4.10, §5). `Err` when
/// the rule names two different labels for the server role, which that release cannot say.
fn labels<'a>(
    rule: &'a Rule,
    target: &Target,
) -> Result<(Option<&'a str>, Option<&'a str>), String> {
    let label = rule.certificate_label.as_deref();
    let server = rule.server_certificate_label.as_deref();
    let known = target.server_label_known;
    let release = target.release;
    let server_role =
        matches!(rule.role, HandshakeRole::Server | HandshakeRole::ServerWithClientAuth);
    match (known, server_role, label, server) {
        (false, true, None, Some(server)) => Ok((Some(server), None)),
        (false, true, Some(label), Some(server)) if label == server => Ok((Some(label), None)),
        (false, true, Some(label), Some(server)) => Err(format!(
            "z/OS {} has no ServerCertificateLabel (it came with 2.5), and the server role takes one label: certificate label `{label}` and server certificate label `{server}` differ",
            release.label()
        )),
        _ => Ok((label, server)),
    }
}

/// The release an LPAR's policy is written for, and what it knows: looked up once per policy
/// rather than per rule, as both mean searching a table (and parsing the release).
struct Target {
    release: Release,
    /// Whether the release reads `ServerCertificateLabel` (see [`labels`]).
    server_label_known: bool,
}

impl Target {
    /// The release of an LPAR's policy (3.1 unless the script says).
    fn of(lpar: &Lpar) -> Self {
        let release = lpar.pagent.release.as_deref().and_then(Release::parse).unwrap_or_default();
        let server_label_known = zat_policy::effective::parameter("ServerCertificateLabel")
            .is_none_or(|row| row.since <= release);
        Target { release, server_label_known }
    }
}

/// What keeps a rule out of the policy, if anything: checks every value it would write.
fn rule_problem(
    fleet: &Fleet,
    target: &Target,
    lpar: &Lpar,
    stack: &Stack,
    rule: &Rule,
) -> Option<Diagnostic> {
    if rule.name.len() > MAX_NAME {
        return Some(skip(lpar, stack, rule, "rule name is longer than 32 characters"));
    }
    if let Err(why) = labels(rule, target) {
        return Some(skip(lpar, stack, rule, why).help(
            "give the rule one label for the server certificate on this release (`server_label`), or build for 2.5 or later",
        ));
    }
    // Borrowed where the model holds the text: only the key ring's is made.
    let mut values: Vec<(&str, Cow<'_, str>)> = vec![("rule name", Cow::Borrowed(&rule.name))];
    for (what, value) in [
        ("local address", &rule.local_addr),
        ("remote address", &rule.remote_addr),
        ("job name", &rule.jobname),
        ("user ID", &rule.userid),
        ("certificate label", &rule.certificate_label),
        ("server certificate label", &rule.server_certificate_label),
    ] {
        if let Some(value) = value {
            values.push((what, Cow::Borrowed(value)));
        }
    }
    if rule.enabled {
        let Some(ring) = &rule.keyring else {
            return Some(skip(
                lpar,
                stack,
                rule,
                "an enabled rule needs a key ring (TTLSKeyringParms is required)",
            )
            .help(
                "give the rule `keyring: <ring>`, or set `enabled: false` for a clear-text rule",
            ));
        };
        // `owner/name` is never empty and `/` is safe: the text is made only to be reported.
        if ring.owner.chars().chain(ring.name.chars()).any(unsafe_char) {
            values.push(("key ring", Cow::Owned(ring.to_string())));
        }
        let Some(level) = fleet.security_level(&rule.level) else {
            return Some(skip(
                lpar,
                stack,
                rule,
                format!("security level `{}` is not defined", rule.level),
            ));
        };
        let settings = &level.settings;
        let extra = [&settings.client_auth_type, &settings.renegotiation];
        for code in level
            .ciphers
            .iter()
            .chain(&level.signature_pairs)
            .chain(&level.curves)
            .chain(&settings.key_share_groups)
            .chain(&settings.server_key_share_groups)
            .chain(extra.into_iter().flatten())
        {
            values.push(("code of the security level", Cow::Borrowed(code)));
        }
    }
    for (what, value) in values {
        if let Some(why) = unsafe_value(&value) {
            return Some(
                Diagnostic::error(
                    UNSAFE_VALUE,
                    format!("{what} `{value}` {why}; Policy Agent cannot read it as one value"),
                )
                .object(format!("lpar {} / stack {} / rule {}", lpar.name, stack.name, rule.name))
                .at(&rule.origin)
                .help(
                    "use printable characters without blanks, `#` or braces; the rule is left out",
                ),
            );
        }
    }
    None
}

/// Rules with their effective priority, highest first (ties by name, as Policy Agent orders
/// them). The core assigns priorities; a rule that still has none gets one here, below every
/// explicit priority on the stack, in model order, and a warning says so.
fn prioritise<'a>(
    lpar: &Lpar,
    stack: &Stack,
    rules: Vec<&'a Rule>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(&'a Rule, i64, bool)> {
    let mut used: std::collections::BTreeSet<i64> =
        rules.iter().filter_map(|r| r.priority).collect();
    let mut next = used.first().copied().unwrap_or(1_000_000).saturating_sub(10);
    let mut out = Vec::new();
    for rule in rules {
        let (priority, derived) = match rule.priority {
            Some(p) => (p, false),
            None => {
                while used.contains(&next) && next > PRIORITY_RANGE.0 {
                    next -= 1;
                }
                let p = next.max(PRIORITY_RANGE.0);
                used.insert(p);
                next = p.saturating_sub(10);
                diagnostics.push(
                    Diagnostic::warning(
                        DERIVED_PRIORITY,
                        format!("rule has no priority; the policy gives it {p}, below every explicit priority on the stack"),
                    )
                    .object(format!("lpar {} / stack {} / rule {}", lpar.name, stack.name, rule.name))
                    .at(&rule.origin)
                    .help("give the rule an explicit `priority`; Policy Agent takes the first matching rule, not the most specific"),
                );
                (p, true)
            }
        };
        out.push((rule, priority, derived));
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    out
}

fn on_off(on: bool) -> &'static str {
    if on { "On" } else { "Off" }
}

fn role_code(role: HandshakeRole) -> &'static str {
    match role {
        HandshakeRole::Client => "cli",
        HandshakeRole::Server => "srv",
        HandshakeRole::ServerWithClientAuth => "srvca",
    }
}

/// `keyword` lines holding `codes` concatenated, at most [`CODES_PER_LINE`] codes per line.
fn code_lines(statement: &mut Statement, keyword: &str, codes: &[String]) {
    for chunk in codes.chunks(CODES_PER_LINE) {
        let joined: String = chunk.iter().map(|c| c.to_ascii_uppercase()).collect();
        statement.attr(keyword, joined);
    }
}

fn group_action(name: &str, enabled: bool, trace: i64, fips: bool) -> Statement {
    let mut group = Statement::block("TTLSGroupAction", Some(name.to_owned()));
    if !enabled {
        // Explicit clear text: nothing else belongs here.
        group.attr("TTLSEnabled", "Off");
        return group;
    }
    group.attr("TTLSEnabled", "On").attr("Trace", trace.to_string());
    if fips {
        group.attr("FIPS140", "On");
    }
    group
}

fn advanced_parms(name: &str, level: &SecurityLevel) -> Statement {
    let p = level.protocols;
    let mut advanced = Statement::block("TTLSEnvironmentAdvancedParms", Some(name.to_owned()));
    // Every switch is written: the defaults differ by release and maintenance level.
    advanced
        .attr("SSLv2", on_off(p.sslv2))
        .attr("SSLv3", on_off(p.sslv3))
        .attr("TLSv1", on_off(p.tlsv1))
        .attr("TLSv1.1", on_off(p.tlsv1_1))
        .attr("TLSv1.2", on_off(p.tlsv1_2))
        .attr("TLSv1.3", on_off(p.tlsv1_3));
    if let Some(timeout) = level.handshake_timeout {
        advanced.attr("HandshakeTimeout", timeout.to_string());
    }
    // Only what the level sets: the rest keeps Policy Agent's documented default.
    let settings = &level.settings;
    if let Some(on) = settings.application_controlled {
        advanced.attr("ApplicationControlled", on_off(on));
    }
    if let Some(renegotiation) = &settings.renegotiation {
        advanced.attr("Renegotiation", renegotiation.clone());
    }
    if let Some(client_auth) = &settings.client_auth_type {
        advanced.attr("ClientAuthType", client_auth.clone());
    }
    advanced
}

fn cipher_parms(name: &str, level: &SecurityLevel) -> Statement {
    let mut ciphers = Statement::block("TTLSCipherParms", Some(name.to_owned()));
    code_lines(&mut ciphers, "V3CipherSuites4Char", &level.ciphers);
    ciphers
}

fn signature_parms(name: &str, level: &SecurityLevel) -> Statement {
    let mut signature = Statement::block("TTLSSignatureParms", Some(name.to_owned()));
    code_lines(&mut signature, "SignaturePairs", &level.signature_pairs);
    code_lines(&mut signature, "ClientECurves", &level.curves);
    let settings = &level.settings;
    if !settings.server_key_share_groups.is_empty() {
        signature.attr("ServerKeyShareGroups", settings.server_key_share_groups.concat());
    }
    if !settings.key_share_groups.is_empty() {
        // Given explicitly: written as given, on one line (see below).
        signature.attr("ClientKeyShareGroups", settings.key_share_groups.concat());
    } else if level.protocols.tlsv1_3 {
        // Whether repeated ClientKeyShareGroups lines concatenate is unconfirmed, so the
        // groups go on one line, and only those TLS 1.3 allows in a key share.
        let groups: String = level
            .curves
            .iter()
            .filter(|c| TLS13_GROUPS.contains(&c.as_str()))
            .map(String::as_str)
            .collect();
        if !groups.is_empty() {
            signature.attr("ClientKeyShareGroups", groups);
        }
    }
    signature
}

fn source_comment(rule: &Rule) -> String {
    match &rule.source {
        RuleSource::Script => concat(&[rule.direction.keyword(), " rule ", &rule.name]),
        RuleSource::ApiRequester(name) => concat(&["from API requester ", name]),
        RuleSource::ZosConnectServer(name) => concat(&["from z/OS Connect server ", name]),
    }
}

/// The statements of one stack's policy, and every problem found on the way.
pub(crate) fn stack_policy(
    fleet: &Fleet,
    lpar: &Lpar,
    stack: &Stack,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Statement> {
    let mut objects = Objects::default();
    let mut rules = Vec::new();
    let target = Target::of(lpar);
    for rule in &stack.rules {
        if let Some(diagnostic) = rule_problem(fleet, &target, lpar, stack, rule) {
            diagnostics.push(diagnostic);
            continue;
        }
        let twin = rules.iter().find(|r: &&&Rule| r.name.eq_ignore_ascii_case(&rule.name));
        if twin.is_some() || !objects.namer.reserve(&rule.name, &concat(&["rule\u{0}", &rule.name]))
        {
            // Names that differ only in case are distinct names if Policy Agent's names are
            // case-sensitive, as IBM documents for its IPSec files and as lint and why read
            // them; that is unconfirmed for AT-TLS files, so zat does not rely on either
            // reading, and says so rather than claiming the last one wins.
            let why = match twin {
                Some(other) if other.name != rule.name => format!(
                    "rule {} on this stack has the same name but for case; user-defined names are case-sensitive for Policy Agent (documented for IPSec files, unconfirmed for AT-TLS), so zat does not write two rules whose names differ only in case: rename one",
                    other.name
                ),
                _ => "another rule on this stack has the same name; Policy Agent would keep only the last".to_owned(),
            };
            diagnostics.push(skip(lpar, stack, rule, why));
            continue;
        }
        rules.push(rule);
    }

    let mut statements = Vec::new();
    for (rule, priority, derived) in prioritise(lpar, stack, rules, diagnostics) {
        statements.push(rule_statement(fleet, &target, rule, priority, derived, &mut objects));
    }
    for (_, made) in objects.made {
        statements.extend(made);
    }
    statements
}

fn rule_statement(
    fleet: &Fleet,
    target: &Target,
    rule: &Rule,
    priority: i64,
    derived: bool,
    objects: &mut Objects,
) -> Statement {
    let mut statement = Statement::block("TTLSRule", Some(rule.name.as_str().to_owned()))
        .with_comments([source_comment(rule)]);
    if let Some(addr) = &rule.local_addr {
        statement.attr("LocalAddr", addr.clone());
    }
    if let Some(addr) = &rule.remote_addr {
        statement.attr("RemoteAddr", addr.clone());
    }
    if let Some(port) = &rule.local_port {
        statement.attr("LocalPortRange", port.to_string());
    }
    if let Some(port) = &rule.remote_port {
        statement.attr("RemotePortRange", port.to_string());
    }
    if let Some(jobname) = &rule.jobname {
        statement.attr("Jobname", jobname.clone());
    }
    if let Some(userid) = &rule.userid {
        statement.attr("Userid", userid.clone());
    }
    statement.attr("Direction", rule.direction.keyword());
    let mut priority_attr = Attribute::new("Priority", priority.to_string());
    if derived {
        priority_attr = priority_attr.with_trailing_comment("derived by zat: none given");
    }
    statement.push(priority_attr);

    let level = fleet.security_level(&rule.level).filter(|_| rule.enabled);
    let fips = level.is_some_and(|l| l.fips);
    let group = if rule.enabled {
        let trace = rule.trace.to_string();
        let readable = concat(&["grp_on_t", &trace, if fips { "_fips" } else { "" }]);
        objects.get(
            Kind::Group,
            &readable,
            || readable.clone(),
            |_, name| group_action(name, true, rule.trace, fips),
        )
    } else {
        objects.get(
            Kind::Group,
            "off",
            || "grp_off".to_owned(),
            |_, name| group_action(name, false, 0, false),
        )
    };
    statement.attr("TTLSGroupActionRef", group);

    // `rule_problem` has made sure an enabled rule has a ring and a level.
    let (Some(level), Some(ring)) = (level, rule.keyring.as_ref()) else {
        return statement;
    };
    let role = rule.role;
    let env_identity = [role.keyword(), &level.name, &ring.owner, &ring.name].join("\u{0}");
    let env_readable = || format!("env_{}_{}_{}", role_code(role), level.name, ring.name);
    let environment =
        objects.get(Kind::Environment, &env_identity, env_readable, |objects, name| {
            let mut env = Statement::block("TTLSEnvironmentAction", Some(name.to_owned()));
            env.attr("HandshakeRole", role.keyword());
            let ring_identity = format!("{}\u{0}{}", ring.owner, ring.name);
            let ring_readable = || format!("kr_{}_{}", ring.owner, ring.name);
            let keyring = objects.get(Kind::Keyring, &ring_identity, ring_readable, |_, name| {
                let mut parms = Statement::block("TTLSKeyringParms", Some(name.to_owned()));
                parms.attr("Keyring", ring.to_string());
                parms
            });
            env.attr("TTLSKeyringParmsRef", keyring);
            if !level.ciphers.is_empty() {
                let cipher = objects.get(
                    Kind::Cipher,
                    &level.name,
                    || format!("cip_{}", level.name),
                    |_, n| cipher_parms(n, level),
                );
                env.attr("TTLSCipherParmsRef", cipher);
            }
            let settings = &level.settings;
            if !level.signature_pairs.is_empty()
                || !level.curves.is_empty()
                || !settings.key_share_groups.is_empty()
                || !settings.server_key_share_groups.is_empty()
            {
                let signature = objects.get(
                    Kind::Signature,
                    &level.name,
                    || format!("sig_{}", level.name),
                    |_, n| signature_parms(n, level),
                );
                env.attr("TTLSSignatureParmsRef", signature);
            }
            let advanced = objects.get(
                Kind::Advanced,
                &level.name,
                || format!("adv_{}", level.name),
                |_, n| advanced_parms(n, level),
            );
            env.attr("TTLSEnvironmentAdvancedParmsRef", advanced);
            if let Some(instance) = settings.environment_user_instance {
                env.attr("EnvironmentUserInstance", instance.to_string());
            }
            env
        });
    statement.attr("TTLSEnvironmentActionRef", environment);

    // Checked by `rule_problem`: a rule whose labels this release cannot write is left out.
    let (label, server) = labels(rule, target).unwrap_or_default();
    if label.is_some() || server.is_some() {
        // The connection action is named after the label alone when only that is given, so
        // existing policies keep their names.
        let identity: Cow<'_, str> = match (label, server) {
            (Some(label), None) => Cow::Borrowed(label),
            (label, server) => {
                concat(&[label.unwrap_or_default(), "\u{0}", server.unwrap_or_default()]).into()
            }
        };
        // Asked for only when the action is new: most rules of a stack share it.
        let readable = || match (label, server) {
            (Some(label), None) => concat(&["con_", label]),
            (label, server) => {
                concat(&["con_", label.unwrap_or_default(), "_", server.unwrap_or_default()])
            }
        };
        let connection = objects.get(Kind::Connection, &identity, readable, |_, name| {
            let mut connection = Statement::block("TTLSConnectionAction", Some(name.to_owned()));
            let mut advanced = Statement::block("TTLSConnectionAdvancedParms", None);
            // The label of the certificate this side presents: the client certificate for a
            // client, the server certificate for a server.
            if let Some(label) = label {
                advanced.attr("CertificateLabel", label.to_owned());
            }
            if let Some(server) = server {
                advanced.attr("ServerCertificateLabel", server.to_owned());
            }
            connection.push_statement(advanced);
            connection
        });
        statement.attr("TTLSConnectionActionRef", connection);
    }
    statement
}
