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

use std::collections::HashMap;
use std::net::IpAddr;

use zat_core::BundleFile;
use zat_model::{
    ByName, Diagnostic, Direction, Fleet, Lpar, Origin, PortRange, Rule, RuleSource, Stack,
};
use zat_plugin_api::layout;
use zat_policy::effective::effective;
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
    let text = String::from_utf8_lossy(content);
    let policy = effective(&[PolicyFile { path: &path, text: &text }], &options);
    let object = format!("lpar {} / stack {}", lpar.name, stack.name);
    let mut checked = Checked { stacks: 1, ..Checked::default() };
    for intended in intended(names, &lpar.name, stack) {
        checked.connections += 1;
        if let Some(diagnostic) = verify(&policy, &intended, &options, &object) {
            checked.diagnostics.push(diagnostic);
        }
    }
    checked
}

fn verify(
    policy: &EffectivePolicy,
    intended: &Intended,
    options: &Options,
    object: &str,
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
            .object(object.to_owned())
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
/// with a connection it is written for (its conditions' first address and port, the name a
/// pattern stands for; each side of a rule of both directions) when that connection lands on
/// it in the old policy, gets no rule of the new policy, or one with `TTLSEnabled Off`. A port
/// or address that moves is such a change: once Policy Agent reads the new policy, the
/// applications still on the old port talk in clear text until they move.
pub(crate) fn unprotected(lpar: &Lpar, stack: &Stack, old: &[u8], new: &[u8]) -> Vec<Diagnostic> {
    let options = selecting(lpar);
    let path = layout::pagent_policy(&lpar.name, &stack.name);
    let read = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        effective(&[PolicyFile { path: &path, text: &text }], &options)
    };
    let (old, new) = (read(old), read(new));
    let protects = |policy: &EffectivePolicy, at: Option<usize>| {
        at.and_then(|at| policy.rules.get(at)).is_some_and(|rule| {
            rule.value("TTLSEnabled").is_some_and(|v| v.eq_ignore_ascii_case("On"))
        })
    };
    let mut out = Vec::new();
    for (at, rule) in old.rules.iter().enumerate() {
        let sides = match rule.conditions.direction {
            Some(zat_policy::effective::Direction::Inbound) => &[Side::Inbound][..],
            Some(zat_policy::effective::Direction::Outbound) => &[Side::Outbound][..],
            _ => &[Side::Inbound, Side::Outbound][..],
        };
        for &side in sides {
            // The first connection the old policy gives this rule and the new one leaves in
            // clear text: one warning per rule and side says what to look at.
            let lost = samples(rule, side).into_iter().find_map(|connection| {
                let landed = first_match(&old, &connection, &options);
                if landed != Some(at) || !protects(&old, landed) {
                    return None;
                }
                let now = first_match(&new, &connection, &options);
                (!protects(&new, now)).then_some((connection, now))
            });
            let Some((connection, now)) = lost else { continue };
            let after = match now.and_then(|at| new.rules.get(at)) {
                Some(other) => format!("lands on rule {}, with TTLSEnabled Off", other.name),
                None => "matches no rule".to_owned(),
            };
            out.push(
                Diagnostic::warning(
                    CODE_PROTECTION_REMOVED,
                    format!(
                        "{} is protected by rule {} of the policy on disk, but {after} in the new one: from the Policy Agent refresh until the applications stop using it, it goes in clear text",
                        say(&connection),
                        rule.name
                    ),
                )
                .object(format!("lpar {} / stack {}", lpar.name, stack.name))
                .at(&stack.origin)
                .help("when a protected port or address moves, keep a rule for the old one until the applications have moved (deploy twice), or stop them first; `zat explain ZAT0323`"),
            );
        }
    }
    out
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
/// same with each port and address condition at the first and last value of its first and last
/// range in turn. A narrowed range loses its ends, and an exception at a higher priority that
/// takes the first port leaves the others to the rule; a hole cut in the middle of a range is
/// not seen.
fn samples(rule: &zat_policy::EffectiveRule, side: Side) -> Vec<Connection> {
    let base = zat_policy::matcher::written_for(rule, side);
    let c = &rule.conditions;
    let mut out = vec![base.clone()];
    for port in ends(&c.local_port, |r| (r.from, r.to)) {
        out.push(Connection { local_port: Some(port), ..base.clone() });
    }
    for port in ends(&c.remote_port, |r| (r.from, r.to)) {
        out.push(Connection { remote_port: Some(port), ..base.clone() });
    }
    for addr in ends(&c.local_addr, |r| (r.from, r.to)) {
        out.push(Connection { local_addr: Some(addr), ..base.clone() });
    }
    for addr in ends(&c.remote_addr, |r| (r.from, r.to)) {
        out.push(Connection { remote_addr: Some(addr), ..base.clone() });
    }
    let mut once: Vec<Connection> = Vec::with_capacity(out.len());
    for connection in out {
        if !once.contains(&connection) {
            once.push(connection);
        }
    }
    once
}

/// The first and last value of the first and last of `ranges`, each once.
fn ends<R, T: Copy + PartialEq>(ranges: &[R], bounds: impl Fn(&R) -> (T, T)) -> Vec<T> {
    let mut out = Vec::new();
    for range in ranges.first().into_iter().chain(ranges.last()) {
        let (from, to) = bounds(range);
        for value in [from, to] {
            if !out.contains(&value) {
                out.push(value);
            }
        }
    }
    out
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
