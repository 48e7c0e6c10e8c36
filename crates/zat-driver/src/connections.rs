//! The fleet-wide connection check: every intended connection of the fleet is mapped to a rule
//! with the same engine that describes what Policy Agent installs (`zat_policy::matcher` on the
//! effective policy of the policy file the build wrote), and must land on its own rule.
//!
//! Intended connections: each API requester's call to its server (outbound, the server's
//! address and BAQPORT, the requester's job and user), each in-fleet z/OS Connect server's
//! listener with an inbound AT-TLS policy, and each rule the script wrote, with a connection
//! built from its own conditions (so a rule that a higher-priority rule always takes first is
//! found). A connection that lands on another rule, or on none, is an error at the line that
//! declared it: the policy would not protect it as the script says.
//!
//! A script rule's connection, and a listener's or an API requester's whose job name is a
//! pattern, is one of many it is written for, not one the fleet names: when it lands on another
//! rule, the rule is in error only if a rule compared before it matches every connection it
//! matches (`matcher::shadowed_by`). A narrower rule at a higher priority
//! (an exception, such as one port of a range in clear text) takes part of them, and the rest
//! still reach the rule.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use zat_core::BundleFile;
use zat_model::{
    ByName, Diagnostic, Direction, Fleet, Lpar, Origin, PortRange, Rule, RuleSource, Stack,
};
use zat_plugin_api::layout;
use zat_policy::effective::{AddrRange, EffectiveRule, effective};
use zat_policy::matcher::{Connection, Side, first_match, matches, shadowed_by};
use zat_policy::{EffectivePolicy, Options, PolicyFile};

/// A connection lands on another rule than the one zat wrote for it, or on none.
pub const CODE_WRONG_RULE: &str = "ZAT0320";

/// The new policy of a stack leaves in clear text a connection the policy it replaces
/// protects.
pub const CODE_PROTECTION_REMOVED: &str = "ZAT0323";

/// The Policy Agent main file on disk has a refresh timer: a Policy Agent started with it
/// installs placed files on its own.
pub const CODE_REFRESH_TIMER: &str = "ZAT0324";

/// One connection the fleet means, and the rule it must get.
struct Intended {
    what: String,
    connection: Connection,
    rule: String,
    origin: Origin,
    /// The connection stands for every connection `rule` is written for (a script rule's
    /// own, or one of the jobs a job name pattern names), rather than being one the fleet means
    /// exactly (a requester's or a listener's one job), so `every` words all of them.
    sample: bool,
    /// All the connections the sample stands for, as the error says them when a rule compared
    /// first takes every one.
    every: String,
}

/// What the connection check did.
#[derive(Debug, Default)]
pub struct Checked {
    /// Intended connections mapped to a rule.
    pub connections: usize,
    /// Stacks whose policy file was read.
    pub stacks: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks every TTLS stack whose policy file is in `files` (a stack whose policy no plugin
/// wrote is not checked: there is nothing to read). The findings come in fleet order.
pub fn check(fleet: &Fleet, files: &[BundleFile]) -> Checked {
    let stacks = policy_paths(fleet);
    let names = ByName::new(fleet);
    let mut found: Vec<((usize, usize), Checked)> = files
        .iter()
        .filter_map(|file| {
            let &(l, s) = stacks.get(file.path.as_str())?;
            let lpar = &fleet.lpars[l];
            Some(((l, s), check_stack(&names, lpar, &lpar.stacks[s], &file.content)))
        })
        .collect();
    found.sort_by_key(|(at, _)| *at);
    let mut checked = Checked::default();
    for (_, part) in found {
        checked.connections += part.connections;
        checked.stacks += part.stacks;
        checked.diagnostics.extend(part.diagnostics);
    }
    checked
}

/// The path of every TTLS stack's policy file, with the stack's place in the fleet (LPAR
/// index, stack index): how a policy file that a unit just wrote finds its stack.
pub(crate) fn policy_paths(fleet: &Fleet) -> HashMap<String, (usize, usize)> {
    let mut paths = HashMap::new();
    for (l, lpar) in fleet.lpars.iter().enumerate() {
        for (s, stack) in lpar.stacks.iter().enumerate().filter(|(_, stack)| stack.ttls) {
            paths.insert(layout::pagent_policy(&lpar.name, &stack.name), (l, s));
        }
    }
    paths
}

/// Maps every connection `stack` is meant to carry on the policy file `content` written for
/// it, with the defaults of the LPAR's release (3.1 unless the script says). `names` is of the
/// whole fleet: a requester's server is looked up in it.
pub(crate) fn check_stack(
    names: &ByName<'_>,
    lpar: &Lpar,
    stack: &Stack,
    content: &[u8],
) -> Checked {
    let options = selecting(lpar);
    let path = layout::pagent_policy(&lpar.name, &stack.name);
    let text = text_of(content);
    let policy = effective(&[PolicyFile { path: &path, text: &text }], &options);
    let mut checked = Checked { stacks: 1, ..Checked::default() };
    for intended in intended(names, &lpar.name, stack) {
        checked.connections += 1;
        if let Some(diagnostic) = verify(&policy, &intended, &options, &lpar.name, &stack.name) {
            checked.diagnostics.push(diagnostic);
        }
    }
    checked
}

/// A policy file's bytes as text, as `String::from_utf8_lossy` reads them. The emitter writes
/// ASCII, which the standard validation checks several bytes at a time; the lossy reader goes
/// byte by byte, and is needed only for bytes that are not UTF-8.
fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), Cow::Borrowed)
}

/// The object of a ZAT0320 error: the rule its connections do not reach, which the fleet
/// report looks up to mark them.
pub fn wrong_rule_object(lpar: &str, stack: &str, rule: &str) -> String {
    format!("lpar {lpar} / stack {stack} / rule {rule}")
}

fn verify(
    policy: &EffectivePolicy,
    intended: &Intended,
    options: &Options,
    lpar: &str,
    stack: &str,
) -> Option<Diagnostic> {
    let matched = first_match(policy, &intended.connection, options);
    let got = matched.and_then(|at| policy.rules.get(at)).map(|r| r.name.as_str());
    if got == Some(intended.rule.as_str()) {
        return None;
    }
    let message = match got {
        Some(other) => match intended.sample.then(|| shadowing(policy, intended, options)) {
            // A rule compared first takes part of the rule's connections; the rest reach it.
            Some(Shadowing::Partly) => return None,
            Some(Shadowing::All(wide)) => format!(
                "{every} lands on rule {wide}, not on rule {rule}: rule {wide} matches all of them and Policy Agent compares it first, so rule {rule} never protects any",
                every = intended.every,
                rule = intended.rule
            ),
            Some(Shadowing::Unread) | None => format!(
                "{} lands on rule {other}, not on rule {}: Policy Agent takes the first matching rule by priority, so rule {} never protects it",
                intended.what, intended.rule, intended.rule
            ),
        },
        None => format!(
            "{} matches no rule of the installed policy, so it is made without TLS (rule {} does not match it)",
            intended.what, intended.rule
        ),
    };
    Some(
        Diagnostic::error(CODE_WRONG_RULE, message)
            .object(wrong_rule_object(lpar, stack, &intended.rule))
            .at(&intended.origin)
            .help("make the rules differ (job name, user ID, port or address), or give the intended rule a higher priority; `zat why` shows the comparison"),
    )
}

/// How the rules compared before a rule take the connections it is written for.
enum Shadowing<'p> {
    /// Some of them: the others reach the rule.
    Partly,
    /// All of them, by this rule.
    All(&'p str),
    /// Unknown: the rule is not in the policy as the script wrote it (missing, conditions that
    /// cannot be read, or that do not match its own connection), so its own connection landing
    /// elsewhere is reported as it is.
    Unread,
}

/// For a script rule whose own connection another rule took: whether that rule takes every
/// connection the rule is written for.
fn shadowing<'p>(
    policy: &'p EffectivePolicy,
    intended: &Intended,
    options: &Options,
) -> Shadowing<'p> {
    let Some(at) = policy.rules.iter().position(|r| r.name == intended.rule) else {
        return Shadowing::Unread;
    };
    let rule = &policy.rules[at];
    if !rule.complete || !matches(rule, &intended.connection) {
        return Shadowing::Unread;
    }
    match shadowed_by(policy, at, None, options).and_then(|wide| policy.rules.get(wide)) {
        Some(wide) => Shadowing::All(&wide.name),
        None => Shadowing::Partly,
    }
}

/// The connections one stack is meant to carry.
fn intended(names: &ByName<'_>, lpar: &str, stack: &Stack) -> Vec<Intended> {
    let mut out = Vec::new();
    for requester in &stack.api_requesters {
        let (Some(expansion), Some(server)) =
            (&requester.expansion, names.zos_connect_server(&requester.server))
        else {
            continue;
        };
        out.push(Intended {
            what: format!(
                "the call of api requester {} (job {}) to {}:{}",
                requester.name, requester.jobname, server.host, expansion.baqport
            ),
            every: format!(
                "every call of api requester {} (jobs {}) to {}:{}",
                requester.name, requester.jobname, server.host, expansion.baqport
            ),
            connection: Connection {
                side: Side::Outbound,
                local_addr: None,
                local_port: None,
                remote_addr: server.ip.as_deref().and_then(|ip| ip.parse().ok()),
                remote_port: u16::try_from(expansion.baqport).ok(),
                jobname: Some(concrete(&requester.jobname)),
                userid: Some(requester.userid.to_string()),
            },
            rule: expansion.rule.to_string(),
            origin: requester.origin.clone(),
            // A job name pattern (`APP*`) says which jobs may make the call, as a listener's
            // does: the connection built from it (`APP`) is one of them, so it is wrong only if
            // a rule compared first takes every one, not just the name the pattern reads as.
            sample: requester.jobname.contains('*'),
        });
    }
    for rule in &stack.rules {
        match &rule.source {
            RuleSource::Script => out.push(Intended {
                what: format!("a connection rule {} is written for", rule.name),
                every: format!("every connection rule {} is written for", rule.name),
                connection: own_connection(rule),
                rule: rule.name.to_string(),
                origin: rule.origin.clone(),
                sample: true,
            }),
            RuleSource::ZosConnectServer(name) => {
                let Some(server) = names.zos_connect_server(name) else { continue };
                if server.lpar.as_deref() != Some(lpar) {
                    continue;
                }
                out.push(Intended {
                    what: format!(
                        "a request to z/OS Connect server {} on port {}",
                        server.name, server.http_port
                    ),
                    every: format!("every connection rule {} is written for", rule.name),
                    connection: Connection {
                        side: Side::Inbound,
                        local_addr: None,
                        local_port: u16::try_from(server.http_port).ok(),
                        remote_addr: None,
                        remote_port: None,
                        jobname: server.jobname.as_deref().map(concrete),
                        userid: server.userid.as_deref().map(concrete),
                    },
                    rule: rule.name.to_string(),
                    origin: server.origin.clone(),
                    // A listener is one started task, a concrete connection when the script
                    // names its job. A job name pattern (`ZCEE*`) says only which jobs the
                    // server may run as: the connection built from it (`ZCEE`) is one of
                    // those, so, as for a script rule, it is wrong only if a rule compared
                    // first takes every one of them, not just the name the pattern reads as.
                    sample: server.jobname.as_deref().is_some_and(|job| job.contains('*')),
                });
            }
            RuleSource::ApiRequester(_) => {}
        }
    }
    out
}

/// How the checks read an LPAR's policy: with the defaults of its release (3.1 unless the
/// script says), conditions and group actions only (what selects a rule, and whether it
/// protects), since they map connections and read no handshake setting.
fn selecting(lpar: &Lpar) -> Options {
    let release = lpar.pagent.release.as_deref().and_then(zat_policy::Release::parse);
    Options { release: release.unwrap_or_default(), conditions_only: true, ..Options::default() }
}

/// Connections the policy it replaces (`old`, the bundle on disk) protects and the new policy
/// of the stack leaves in clear text: each rule of the old policy with `TTLSEnabled On`, tried
/// with the connections [`samples`] gives (each side of a rule of both directions), when one of
/// them lands on it in the old policy and gets no rule of the new policy, one with
/// `TTLSEnabled Off`, or one with `ApplicationControlled On` where the old rule has it Off (AT-TLS
/// then waits for the application to start TLS, which most applications, Liberty and z/OS
/// Connect among them, never do). A port or address that moves is such a change: once Policy
/// Agent reads the new policy, the applications still on the old port talk in clear text until
/// they move.
pub(crate) fn unprotected(lpar: &Lpar, stack: &Stack, old: &[u8], new: &[u8]) -> Vec<Diagnostic> {
    let options = selecting(lpar);
    let path = layout::pagent_policy(&lpar.name, &stack.name);
    let read = |bytes: &[u8]| {
        let text = text_of(bytes);
        effective(&[PolicyFile { path: &path, text: &text }], &options)
    };
    let (old, new) = (read(old), read(new));
    let on = |rule: &EffectiveRule, name: &str| {
        rule.value(name).is_some_and(|v| v.eq_ignore_ascii_case("On"))
    };
    let edges = Edges::of(&[&old, &new]);
    let mut out = Vec::new();
    for (at, rule) in old.rules.iter().enumerate().filter(|(_, rule)| on(rule, "TTLSEnabled")) {
        // A rule that already waits for the application loses nothing when the new one does.
        let by_application = on(rule, "ApplicationControlled");
        let sides = match rule.conditions.direction {
            Some(zat_policy::effective::Direction::Inbound) => &[Side::Inbound][..],
            Some(zat_policy::effective::Direction::Outbound) => &[Side::Outbound][..],
            _ => &[Side::Inbound, Side::Outbound][..],
        };
        for &side in sides {
            // The first connection the old policy gives this rule and the new one leaves in
            // clear text: one warning per rule and side says what to look at.
            let lost = samples(rule, side, &edges).into_iter().find_map(|connection| {
                if first_match(&old, &connection, &options) != Some(at) {
                    return None;
                }
                let now = first_match(&new, &connection, &options).and_then(|at| new.rules.get(at));
                let lost = match now {
                    None => Lost::NoRule,
                    Some(other) if !on(other, "TTLSEnabled") => Lost::Clear(&other.name),
                    Some(other) if on(other, "ApplicationControlled") && !by_application => {
                        Lost::ByApplication(&other.name)
                    }
                    Some(_) => return None,
                };
                Some((connection, lost))
            });
            let Some((connection, lost)) = lost else { continue };
            let protected = format!(
                "{} is protected by rule {} of the policy on disk",
                say(&connection),
                rule.name
            );
            let (message, help) = match lost {
                Lost::NoRule => {
                    (format!("{protected}, but matches no rule in the new one: {CLEAR}"), MOVED)
                }
                Lost::Clear(other) => (
                    format!(
                        "{protected}, but lands on rule {other}, with TTLSEnabled Off in the new one: {CLEAR}"
                    ),
                    MOVED,
                ),
                Lost::ByApplication(other) => (
                    format!(
                        "{protected}, but in the new one it lands on rule {other}, with ApplicationControlled On: AT-TLS waits for the application to start TLS (SIOCTTLSCTL), so from the Policy Agent refresh it goes in clear text unless the application does"
                    ),
                    "unless the application starts TLS itself (as FTP and TN3270 can; Liberty and z/OS Connect do not), give its rule a security level without application_controlled; `zat explain ZAT0323`",
                ),
            };
            out.push(
                Diagnostic::warning(CODE_PROTECTION_REMOVED, message)
                    .object(format!("lpar {} / stack {}", lpar.name, stack.name))
                    .at(&stack.origin)
                    .help(help),
            );
        }
    }
    out
}

/// What a ZAT0323 warning says of a connection that no rule, or one with `TTLSEnabled Off`,
/// now takes, and what to do about it.
const CLEAR: &str =
    "from the Policy Agent refresh until the applications stop using it, it goes in clear text";
const MOVED: &str = "when a protected port or address moves, keep a rule for the old one until the applications have moved (deploy twice), or stop them first; `zat explain ZAT0323`";

/// How the new policy leaves in clear text a connection the old one protects.
enum Lost<'p> {
    /// It matches no rule.
    NoRule,
    /// It lands on this rule, with `TTLSEnabled Off`.
    Clear(&'p str),
    /// It lands on this rule, with `ApplicationControlled On`.
    ByApplication(&'p str),
}

/// What replacing an LPAR's Policy Agent main file does that its policy files do not show: a
/// stack the old file names (`TcpImage`) and the new one does not loses its AT-TLS policy at
/// the refresh (ZAT0323), and a Policy Agent started with an old file that has a refresh timer
/// re-reads changed files on its own (ZAT0324), so files placed ahead of the runbook's refresh
/// are installed before its checks, whatever the new file says.
pub(crate) fn main_file_changes(lpar: &Lpar, old: &[u8], new: &[u8]) -> Vec<Diagnostic> {
    let (old, new) = (images(old), images(new));
    let warning = |code: &str, message: String, help: &str| {
        Diagnostic::warning(code, message)
            .object(format!("lpar {}", lpar.name))
            .at(&lpar.origin)
            .help(help)
    };
    let mut out = Vec::new();
    for (stack, _) in &old {
        if !new.iter().any(|(s, _)| s.eq_ignore_ascii_case(stack)) {
            out.push(warning(
                CODE_PROTECTION_REMOVED,
                format!(
                    "stack {stack} has a TcpImage in the Policy Agent main file on disk but none in the new one: at the refresh Policy Agent removes its AT-TLS policy (EZZ8773I), and while the stack keeps TTLS on its connections go in clear text"
                ),
                "turn TTLS off in the stack's profile first (runbook back-out), or keep the stack's AT-TLS rules; `zat explain ZAT0323`",
            ));
        }
    }
    let timer = |images: &[(String, i64)]| images.iter().map(|(_, i)| *i).min();
    if let Some(seconds) = timer(&old).filter(|&s| s < zat_model::NO_REFRESH_TIMER)
        && timer(&new).is_none_or(|s| s >= zat_model::NO_REFRESH_TIMER)
    {
        out.push(warning(
            CODE_REFRESH_TIMER,
            format!(
                "the Policy Agent main file on disk re-reads changed files every {seconds} seconds: a Policy Agent started with it installs the files of runbook step 3 within that time, before the checks of steps 5 and 6, though the new main file turns the timer off"
            ),
            "place this bundle's files in a change window; from the first refresh with the new main file, placed files wait for the runbook's refresh; `zat explain ZAT0324`",
        ));
    }
    out
}

/// The `TcpImage` (or `PEPInstance`) statements of a main file: each stack with its refresh
/// interval (1800 seconds, Policy Agent's default, when none is written).
fn images(bytes: &[u8]) -> Vec<(String, i64)> {
    let text = String::from_utf8_lossy(bytes);
    let (statements, _) = zat_policy::parse(&text);
    statements
        .iter()
        .filter(|s| s.is("TcpImage") || s.is("PEPInstance"))
        .filter_map(|s| {
            let stack = s.values.first()?.clone();
            let interval = s.values.iter().skip(1).find_map(|v| v.parse::<i64>().ok());
            Some((stack, interval.unwrap_or(1800)))
        })
        .collect()
}

/// Connections a rule is written for, to try on the old and the new policy: the one of
/// [`zat_policy::matcher::written_for`] (the first port and address of each range), then the
/// same with one port or address condition changed at a time: to the first and last value of
/// its first and last range (a narrowed range loses its ends), then to each of the `edges` that
/// falls inside its ranges. An edge is where a rule of either policy starts or ends a range,
/// and the values just outside it, so a hole cut inside a range (a rule at a higher priority
/// that takes one port of it, or the range split in two around the port) is tried at the
/// hole; so are the ports next to an exception the old policy has. At most [`EDGES`] edges
/// per condition, spread over its ranges. What sets a hole by job name or user ID, or by two
/// conditions at once (a port of one address), is not tried.
fn samples(rule: &zat_policy::EffectiveRule, side: Side, edges: &Edges) -> Vec<Connection> {
    let base = zat_policy::matcher::written_for(rule, side);
    let c = &rule.conditions;
    let port = |r: &zat_policy::effective::PortRange, p: u16| r.from <= p && p <= r.to;
    let addr = |r: &AddrRange, a: IpAddr| r.contains(a);
    // Each sample differs from `base` in one condition, by a value `tried` gives once and
    // never at `base`'s: no two are the same connection.
    let mut out = vec![base.clone()];
    for value in tried(&c.local_port, &edges.local_port, base.local_port, |r| (r.from, r.to), port)
    {
        out.push(Connection { local_port: Some(value), ..base.clone() });
    }
    for value in
        tried(&c.remote_port, &edges.remote_port, base.remote_port, |r| (r.from, r.to), port)
    {
        out.push(Connection { remote_port: Some(value), ..base.clone() });
    }
    for value in tried(&c.local_addr, &edges.local_addr, base.local_addr, |r| (r.from, r.to), addr)
    {
        out.push(Connection { local_addr: Some(value), ..base.clone() });
    }
    for value in
        tried(&c.remote_addr, &edges.remote_addr, base.remote_addr, |r| (r.from, r.to), addr)
    {
        out.push(Connection { remote_addr: Some(value), ..base.clone() });
    }
    out
}

/// How many edges [`samples`] tries in one condition of a rule: each sample is matched against
/// both policies, and the check runs for every changed policy of the fleet. A range that holds
/// more (hundreds of exceptions inside one rule) is tried at edges spread evenly over it.
const EDGES: usize = 64;

/// The values of one condition [`samples`] tries besides `base` (the one the base connection
/// has), each once: the first and last value of the first and last of `ranges`, then the
/// `edges` inside `ranges`, at most [`EDGES`] of them. Every value is in a range, so every
/// sample is a connection the rule is written for.
fn tried<R, T: Copy + Ord>(
    ranges: &[R],
    edges: &BTreeSet<T>,
    base: Option<T>,
    bounds: impl Fn(&R) -> (T, T),
    contains: impl Fn(&R, T) -> bool,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for range in ranges.first().into_iter().chain(ranges.last()) {
        let (from, to) = bounds(range);
        for value in [from, to] {
            if Some(value) != base && !out.contains(&value) {
                out.push(value);
            }
        }
    }
    let mut inside = BTreeSet::new();
    for range in ranges {
        let (from, to) = bounds(range);
        // `range` panics on reversed bounds; `contains` keeps an address of another family out.
        if from <= to {
            inside.extend(edges.range(from..=to).filter(|&&v| contains(range, v)));
        }
    }
    let inside: Vec<T> = inside.into_iter().collect();
    let n = inside.len().min(EDGES);
    for value in (0..n).map(|i| inside[i * inside.len() / n]) {
        if Some(value) != base && !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// Where the rules of some policies start and end their port and address ranges, with the
/// value before and after each end: for each condition, the values at which a connection may
/// change rules.
#[derive(Default)]
struct Edges {
    local_port: BTreeSet<u16>,
    remote_port: BTreeSet<u16>,
    local_addr: BTreeSet<IpAddr>,
    remote_addr: BTreeSet<IpAddr>,
}

impl Edges {
    fn of(policies: &[&EffectivePolicy]) -> Edges {
        let mut edges = Edges::default();
        let ports = |set: &mut BTreeSet<u16>, ranges: &[zat_policy::effective::PortRange]| {
            for r in ranges {
                set.extend(
                    [r.from.checked_sub(1), Some(r.from), Some(r.to), r.to.checked_add(1)]
                        .into_iter()
                        .flatten(),
                );
            }
        };
        let addrs = |set: &mut BTreeSet<IpAddr>, ranges: &[AddrRange]| {
            for r in ranges {
                set.extend(
                    [step(r.from, false), Some(r.from), Some(r.to), step(r.to, true)]
                        .into_iter()
                        .flatten(),
                );
            }
        };
        for rule in policies.iter().flat_map(|p| &p.rules) {
            let c = &rule.conditions;
            ports(&mut edges.local_port, &c.local_port);
            ports(&mut edges.remote_port, &c.remote_port);
            addrs(&mut edges.local_addr, &c.local_addr);
            addrs(&mut edges.remote_addr, &c.remote_addr);
        }
        edges
    }
}

/// The address after (`up`) or before `addr`, in its family; `None` past either end.
fn step(addr: IpAddr, up: bool) -> Option<IpAddr> {
    match addr {
        IpAddr::V4(a) => {
            let n = u32::from(a);
            let n = if up { n.checked_add(1) } else { n.checked_sub(1) }?;
            Some(IpAddr::V4(n.into()))
        }
        IpAddr::V6(a) => {
            let n = u128::from(a);
            let n = if up { n.checked_add(1) } else { n.checked_sub(1) }?;
            Some(IpAddr::V6(n.into()))
        }
    }
}

/// `an outbound connection to port 8080 of 198.51.100.2 by job A1S01`.
fn say(c: &Connection) -> String {
    let mut text = match c.side {
        Side::Inbound => "an inbound connection".to_owned(),
        Side::Outbound => "an outbound connection".to_owned(),
    };
    match (c.side, c.local_port, c.remote_port) {
        (Side::Inbound, Some(port), _) => text += &format!(" to local port {port}"),
        (_, _, Some(port)) => text += &format!(" to port {port}"),
        (_, Some(port), None) => text += &format!(" from local port {port}"),
        _ => {}
    }
    if let Some(addr) = c.remote_addr {
        text += &format!(" of {addr}");
    }
    if let Some(job) = &c.jobname {
        text += &format!(" by job {job}");
    }
    if let Some(user) = &c.userid {
        text += &format!(" of user {user}");
    }
    text
}

/// A connection a rule is written for: its own conditions, the first address and port of each
/// range, the name a wildcard pattern stands for. One of many: landing elsewhere is an error
/// only if every other lands there too (see [`shadowing`]).
fn own_connection(rule: &Rule) -> Connection {
    let port = |range: &Option<PortRange>| range.and_then(|r| u16::try_from(r.low).ok());
    Connection {
        side: if rule.direction == Direction::Outbound { Side::Outbound } else { Side::Inbound },
        local_addr: rule.local_addr.as_deref().and_then(first_address),
        local_port: port(&rule.local_port),
        remote_addr: rule.remote_addr.as_deref().and_then(first_address),
        remote_port: port(&rule.remote_port),
        jobname: rule.jobname.as_deref().map(concrete),
        userid: rule.userid.as_deref().map(concrete),
    }
}

/// A name a job or user filter matches: the filter itself, a trailing `*` standing for no
/// further characters (z/OS Communications Server: a `*` matches zero or more characters).
fn concrete(filter: &str) -> String {
    filter.trim_end_matches('*').to_owned()
}

/// The first address of `addr`, `addr/prefix` or `addr-addr`.
fn first_address(text: &str) -> Option<IpAddr> {
    let first = text.split(['/', '-']).next()?.trim();
    first.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The actions the test policies name: `ON` and `OFF` groups, a plain environment `ENV`, one
    /// with `ApplicationControlled On` (`APPENV`), and connection actions that set it `On`
    /// (`APPCONN`) or `Off` (`ATTLSCONN`) over the environment's.
    const ACTIONS: &str = "TTLSGroupAction ON\n{\n TTLSEnabled On\n}\n\
        TTLSGroupAction OFF\n{\n TTLSEnabled Off\n}\n\
        TTLSEnvironmentAction ENV\n{\n HandshakeRole Server\n TTLSKeyringParms\n {\n  Keyring SRV/RING\n }\n}\n\
        TTLSEnvironmentAction APPENV\n{\n HandshakeRole Server\n TTLSKeyringParms\n {\n  Keyring SRV/RING\n }\n TTLSEnvironmentAdvancedParmsRef APPADV\n}\n\
        TTLSEnvironmentAdvancedParms APPADV\n{\n TLSv1.2 On\n ApplicationControlled On\n}\n\
        TTLSConnectionAction APPCONN\n{\n TTLSConnectionAdvancedParms\n {\n  ApplicationControlled On\n }\n}\n\
        TTLSConnectionAction ATTLSCONN\n{\n TTLSConnectionAdvancedParms\n {\n  ApplicationControlled Off\n }\n}\n";

    /// A policy of `rules`, each `name priority direction condition-lines actions`, where the
    /// condition lines are separated by `;` and the actions are the group (`ON`/`OFF`), then
    /// optionally the environment and connection action.
    fn policy(rules: &[(&str, u32, &str, &str, &str)]) -> String {
        let mut text = String::new();
        for (name, priority, direction, conditions, actions) in rules {
            let mut actions = actions.split(' ');
            let group = actions.next().unwrap_or("ON");
            text += &format!(
                "TTLSRule {name}\n{{\n Direction {direction}\n Priority {priority}\n TTLSGroupActionRef {group}\n"
            );
            if group == "ON" {
                text += &format!(" TTLSEnvironmentActionRef {}\n", actions.next().unwrap_or("ENV"));
            }
            if let Some(connection) = actions.next() {
                text += &format!(" TTLSConnectionActionRef {connection}\n");
            }
            for line in conditions.split(';') {
                text += &format!(" {}\n", line.trim());
            }
            text += "}\n";
        }
        text + ACTIONS
    }

    /// The ZAT0323 messages a rebuild from `old` to `new` gives.
    fn lost(
        old: &[(&str, u32, &str, &str, &str)],
        new: &[(&str, u32, &str, &str, &str)],
    ) -> Vec<String> {
        let fleet = zat_core::fixtures::multi().fleet;
        let lpar = &fleet.lpars[0];
        let found =
            unprotected(lpar, &lpar.stacks[0], policy(old).as_bytes(), policy(new).as_bytes());
        assert!(found.iter().all(|d| d.code == CODE_PROTECTION_REMOVED), "{found:?}");
        found.into_iter().map(|d| d.message).collect()
    }

    fn one(found: &[String], wanted: &[&str]) {
        assert_eq!(found.len(), 1, "{found:#?}");
        for text in wanted {
            assert!(found[0].contains(text), "`{text}` not in {found:#?}");
        }
    }

    const RANGE: (&str, u32, &str, &str, &str) =
        ("R", 100, "Inbound", "LocalPortRange 8000-8100", "ON");

    #[test]
    fn an_unchanged_policy_and_an_exception_it_keeps_lose_nothing() {
        assert_eq!(lost(&[RANGE], &[RANGE]), Vec::<String>::new());
        let hole = ("HOLE", 200, "Inbound", "LocalPortRange 8050", "OFF");
        assert_eq!(lost(&[RANGE, hole], &[RANGE, hole]), Vec::<String>::new());
        // The hole moves: its old port is protected now, its new one is not.
        let moved = ("HOLE", 200, "Inbound", "LocalPortRange 8060", "OFF");
        one(
            &lost(&[RANGE, hole], &[RANGE, moved]),
            &["local port 8060", "rule HOLE, with TTLSEnabled Off"],
        );
    }

    /// An exception at a higher priority that takes one port inside the range, and the range
    /// split in two around it: the port between goes in clear text either way.
    #[test]
    fn a_hole_cut_inside_a_port_range_is_seen() {
        let hole = ("HOLE", 200, "Inbound", "LocalPortRange 8050", "OFF");
        one(
            &lost(&[RANGE], &[RANGE, hole]),
            &[
                "inbound connection to local port 8050",
                "protected by rule R",
                "lands on rule HOLE, with TTLSEnabled Off",
            ],
        );
        let split = [
            ("R_LOW", 100, "Inbound", "LocalPortRange 8000-8049", "ON"),
            ("R_HIGH", 100, "Inbound", "LocalPortRange 8051-8100", "ON"),
        ];
        one(&lost(&[RANGE], &split), &["local port 8050", "matches no rule"]);
        // A remote port range too, of an outbound rule.
        let out = ("OUT", 100, "Outbound", "RemotePortRange 9000-9999", "ON");
        let hole = ("HOLE", 200, "Outbound", "RemotePortRange 9500-9510", "OFF");
        one(&lost(&[out], &[out, hole]), &["outbound connection to port 9500", "rule HOLE"]);
    }

    #[test]
    fn a_hole_cut_inside_an_address_range_is_seen() {
        let out = ("OUT", 100, "Outbound", "RemoteAddr 10.1.0.0/16; RemotePortRange 443", "ON");
        let hole = ("HOLE", 200, "Outbound", "RemoteAddr 10.1.7.7; RemotePortRange 443", "OFF");
        one(&lost(&[out], &[out, hole]), &["to port 443 of 10.1.7.7", "rule HOLE"]);
        let split = [
            ("LOW", 100, "Outbound", "RemoteAddr 10.1.0.0-10.1.7.6; RemotePortRange 443", "ON"),
            (
                "HIGH",
                100,
                "Outbound",
                "RemoteAddr 10.1.7.8-10.1.255.255; RemotePortRange 443",
                "ON",
            ),
        ];
        one(&lost(&[out], &split), &["of 10.1.7.7", "matches no rule"]);
        let v6 = ("V6", 100, "Inbound", "LocalAddr 2001:db8::/32", "ON");
        let hole = ("HOLE", 200, "Inbound", "LocalAddr 2001:db8::5-2001:db8::9", "OFF");
        one(&lost(&[v6], &[v6, hole]), &["rule HOLE"]);
    }

    /// Ranges that reach the ends of the port and address spaces: the values next to them do
    /// not exist, and nothing panics.
    #[test]
    fn edges_at_the_ends_of_the_port_and_address_spaces_are_tried() {
        let all = ("ALL", 100, "Both", "LocalAddr 0.0.0.0/0; LocalPortRange 1-65535", "ON");
        let top = ("TOP", 200, "Both", "LocalAddr 255.255.255.255; LocalPortRange 65535", "OFF");
        let bottom = ("BOTTOM", 200, "Both", "LocalAddr 0.0.0.0; LocalPortRange 1", "OFF");
        let v6 = ("V6", 100, "Outbound", "RemoteAddr ffff::/16", "ON");
        let kept = [all, top, bottom, v6];
        assert_eq!(lost(&kept, &kept), Vec::<String>::new());
        let hole = ("HOLE", 200, "Both", "LocalPortRange 65534", "OFF");
        let found = lost(&[all], &[all, hole]);
        assert_eq!(found.len(), 2, "one per side: {found:#?}");
        assert!(found.iter().all(|m| m.contains("port 65534") && m.contains("rule HOLE")));
        let top = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        let hole = ("HOLE", 200, "Outbound", &*format!("RemoteAddr {top}"), "OFF");
        one(&lost(&[v6], &[v6, hole]), &["rule HOLE"]);
        let (low, high): (IpAddr, IpAddr) =
            ("::".parse().expect("v6"), top[40..].parse().expect("v6"));
        assert_eq!(step(low, false), None);
        assert_eq!(step(high, true), None);
        assert_eq!(step(IpAddr::from([255, 255, 255, 255]), true), None);
        assert_eq!(step(IpAddr::from([0, 0, 0, 0]), false), None);
        assert_eq!(step(IpAddr::from([10, 0, 0, 255]), true), Some(IpAddr::from([10, 0, 1, 0])));
        let zero = zat_policy::effective::PortRange { from: 0, to: u16::MAX };
        let mut edges = Edges::default();
        edges.local_port.extend([0, 1, 65534, u16::MAX]);
        let tried = tried(&[zero], &edges.local_port, None, |r| (r.from, r.to), |_, _| true);
        assert_eq!(tried, [0, u16::MAX, 1, 65534]);
    }

    /// Many exceptions inside one range: at most `EDGES` of them are tried, spread over it.
    #[test]
    fn edges_inside_a_range_are_capped() {
        let wide = ("WIDE", 100, "Inbound", "LocalPortRange 1-65535", "ON");
        let rules: Vec<String> = (0..500).map(|n| format!("E{n:03}")).collect();
        let ports: Vec<String> =
            (0..500).map(|n| format!("LocalPortRange {}", 1000 + 100 * n)).collect();
        let exceptions: Vec<_> = rules
            .iter()
            .zip(&ports)
            .map(|(name, port)| (name.as_str(), 200, "Inbound", port.as_str(), "ON"))
            .collect();
        let policy = effective(
            &[PolicyFile { path: "p", text: &policy(&[&[wide][..], &exceptions].concat()) }],
            &Options::default(),
        );
        let edges = Edges::of(&[&policy]);
        let wide = policy.rule("WIDE").expect("the wide rule");
        let tried = samples(wide, Side::Inbound, &edges);
        assert!(tried.len() <= 1 + 2 + EDGES, "{}", tried.len());
        assert!(tried.len() > EDGES, "{}", tried.len());
        let high = tried.iter().filter_map(|c| c.local_port).max();
        assert_eq!(high, Some(65535));
        assert!(
            tried.iter().any(|c| c.local_port.is_some_and(|p| p > 40000 && p < 60000)),
            "spread over the range"
        );
    }

    /// A connection that lands on a rule with `ApplicationControlled On` waits for the
    /// application to start TLS: from the environment's advanced parameters or the connection
    /// action's, which override them.
    #[test]
    fn application_controlled_arriving_is_seen() {
        let by_application = ("R", 100, "Inbound", "LocalPortRange 8000-8100", "ON APPENV");
        one(
            &lost(&[RANGE], &[by_application]),
            &[
                "local port 8000",
                "protected by rule R",
                "lands on rule R, with ApplicationControlled On: AT-TLS waits for the application to start TLS",
            ],
        );
        let by_connection = ("R", 100, "Inbound", "LocalPortRange 8000-8100", "ON ENV APPCONN");
        one(&lost(&[RANGE], &[by_connection]), &["with ApplicationControlled On"]);
        // The connection action sets it Off over the environment's On.
        let overridden = ("R", 100, "Inbound", "LocalPortRange 8000-8100", "ON APPENV ATTLSCONN");
        assert_eq!(lost(&[RANGE], &[overridden]), Vec::<String>::new());
        // A hole of it inside the range.
        let hole = ("HOLE", 200, "Inbound", "LocalPortRange 8040-8059", "ON APPENV");
        one(
            &lost(&[RANGE], &[RANGE, hole]),
            &["local port 8040", "lands on rule HOLE, with ApplicationControlled On"],
        );
        // An old rule that waits for the application already loses nothing.
        assert_eq!(lost(&[by_application], &[by_connection]), Vec::<String>::new());
        assert_eq!(lost(&[by_application], &[RANGE]), Vec::<String>::new());
    }
}
