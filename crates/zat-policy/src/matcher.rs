//! Which rule a connection gets: the stack compares the installed rules in order (priority
//! descending, then name) and "when a match is found, policy lookup stops" (z/OS
//! Communications Server: IP Configuration Guide, AT-TLS rules). No most-specific match.
//!
//! A connection may leave a field unknown (`None`): a rule that has a condition on it can then
//! neither be counted as matching nor as failing, and says so.

use std::cmp::Ordering;
use std::net::IpAddr;

use crate::effective::{
    AddrRange, Collation, Conditions, Direction, EffectivePolicy, EffectiveRule, Options,
    PortRange, compare_names,
};

/// Which side opened the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// Accepted by a listening socket (a rule's `Direction Inbound` or `Both`).
    Inbound,
    /// Opened with connect (a rule's `Direction Outbound` or `Both`).
    Outbound,
}

/// A connection as the stack sees it when it maps policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub side: Side,
    pub local_addr: Option<IpAddr>,
    pub local_port: Option<u16>,
    pub remote_addr: Option<IpAddr>,
    pub remote_port: Option<u16>,
    /// Job name of the application that owns the socket.
    pub jobname: Option<String>,
    /// User ID of the process that owns the socket.
    pub userid: Option<String>,
}

/// One condition of a rule that a connection does not meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// `Direction`, `LocalAddr`, `RemotePortRange`, `Jobname`, ...
    pub condition: &'static str,
    /// The rule's value, as ranges or a pattern.
    pub rule: String,
    /// The connection's value.
    pub connection: String,
}

/// How one rule compares with the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Matches,
    /// Every condition the connection does not meet.
    Fails(Vec<Mismatch>),
    /// The rule's conditions on these fields cannot be decided: the connection leaves them
    /// unknown.
    Unknown(Vec<&'static str>),
}

/// Why the rule that matched is compared before another rule that matches too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    /// A higher priority.
    Priority { winner: u32, loser: u32 },
    /// The same priority: Policy Agent orders rules "in alphabetical order within priority".
    Name { priority: u32, collation: Collation },
}

/// Every rule with its verdict, in the order the stack compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Index into [`EffectivePolicy::rules`].
    pub rule: usize,
    pub verdict: Verdict,
}

/// The result of mapping one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchResult {
    /// Index of the rule the connection gets; `None` when no rule matches (the connection is
    /// then made without AT-TLS).
    pub matched: Option<usize>,
    /// Every rule, in compare order.
    pub outcomes: Vec<Outcome>,
}

impl MatchResult {
    /// Rules after the matched one that match the connection too, each with why it loses.
    pub fn beaten<'p>(
        &'p self,
        policy: &'p EffectivePolicy,
        options: &'p Options,
    ) -> impl Iterator<Item = (usize, Precedence)> + 'p {
        let winner = self.matched;
        self.outcomes
            .iter()
            .filter(move |o| Some(o.rule) != winner && o.verdict == Verdict::Matches)
            .filter_map(move |o| {
                // `get`: a result of another policy yields nothing rather than a panic.
                let w = policy.rules.get(winner?)?;
                Some((o.rule, precedence(w, policy.rules.get(o.rule)?, options)))
            })
    }

    /// Rules compared before the matched one whose verdict depends on what the connection
    /// leaves unknown: any of them may take the connection instead.
    pub fn undecided(&self) -> impl Iterator<Item = &Outcome> {
        let stop = self.matched.and_then(|m| self.outcomes.iter().position(|o| o.rule == m));
        self.outcomes
            .iter()
            .take(stop.unwrap_or(self.outcomes.len()))
            .filter(|o| matches!(o.verdict, Verdict::Unknown(_)))
    }
}

/// Why `winner` is compared before `loser`.
pub fn precedence(winner: &EffectiveRule, loser: &EffectiveRule, options: &Options) -> Precedence {
    let (w, l) = (winner.rank(options), loser.rank(options));
    if w != l {
        Precedence::Priority { winner: w, loser: l }
    } else {
        Precedence::Name { priority: w, collation: options.collation }
    }
}

/// Maps a connection to a rule of the policy, whose rules are in compare order.
pub fn match_connection(
    policy: &EffectivePolicy,
    connection: &Connection,
    options: &Options,
) -> MatchResult {
    let mut outcomes: Vec<Outcome> = policy
        .rules
        .iter()
        .enumerate()
        .map(|(at, rule)| Outcome { rule: at, verdict: verdict(rule, connection) })
        .collect();
    // `effective` returns rules in compare order; sorting again keeps a policy a caller
    // assembled in another order correct.
    outcomes.sort_by(|a, b| order(&policy.rules[a.rule], &policy.rules[b.rule], options));
    let matched = outcomes.iter().find(|o| o.verdict == Verdict::Matches).map(|o| o.rule);
    MatchResult { matched, outcomes }
}

/// The rules (indices into [`EffectivePolicy::rules`]) that none of the results matched: with
/// one result per intended connection of a stack, the rules no connection reaches.
pub fn unreached(policy: &EffectivePolicy, results: &[MatchResult]) -> Vec<usize> {
    (0..policy.rules.len()).filter(|at| !results.iter().any(|r| r.matched == Some(*at))).collect()
}

fn order(a: &EffectiveRule, b: &EffectiveRule, options: &Options) -> Ordering {
    b.rank(options)
        .cmp(&a.rank(options))
        .then_with(|| compare_names(&a.name, &b.name, options.collation))
}

/// The conditions a rule sets besides its direction, in the order they are reported.
#[derive(Clone, Copy)]
enum Condition {
    LocalAddr,
    RemoteAddr,
    LocalPort,
    RemotePort,
    Jobname,
    Userid,
}

impl Condition {
    const ALL: [Condition; 6] = [
        Condition::LocalAddr,
        Condition::RemoteAddr,
        Condition::LocalPort,
        Condition::RemotePort,
        Condition::Jobname,
        Condition::Userid,
    ];

    fn keyword(self) -> &'static str {
        match self {
            Condition::LocalAddr => "LocalAddr",
            Condition::RemoteAddr => "RemoteAddr",
            Condition::LocalPort => "LocalPortRange",
            Condition::RemotePort => "RemotePortRange",
            Condition::Jobname => "Jobname",
            Condition::Userid => "Userid",
        }
    }

    /// `None` when the rule does not set this condition; otherwise whether the connection
    /// meets it, `None` inside when the connection leaves the field unknown.
    fn test(self, c: &Conditions, connection: &Connection) -> Option<Option<bool>> {
        let addr = |list: &[AddrRange], addr: Option<IpAddr>| {
            (!list.is_empty()).then(|| addr.map(|a| list.iter().any(|r| r.contains(a))))
        };
        let port = |list: &[PortRange], port: Option<u16>| {
            (!list.is_empty()).then(|| port.map(|p| in_ports(list, p)))
        };
        let name = |pattern: &Option<String>, name: &Option<String>| {
            pattern.as_deref().map(|p| name.as_deref().map(|n| wildcard(p, n)))
        };
        match self {
            Condition::LocalAddr => addr(&c.local_addr, connection.local_addr),
            Condition::RemoteAddr => addr(&c.remote_addr, connection.remote_addr),
            Condition::LocalPort => port(&c.local_port, connection.local_port),
            Condition::RemotePort => port(&c.remote_port, connection.remote_port),
            Condition::Jobname => name(&c.jobname, &connection.jobname),
            Condition::Userid => name(&c.userid, &connection.userid),
        }
    }

    /// The rule's value and the connection's, as a report shows them.
    fn mismatch(self, c: &Conditions, connection: &Connection) -> Mismatch {
        let (rule, conn) = match self {
            Condition::LocalAddr => (ranges(&c.local_addr), opt(connection.local_addr)),
            Condition::RemoteAddr => (ranges(&c.remote_addr), opt(connection.remote_addr)),
            Condition::LocalPort => (ranges(&c.local_port), opt(connection.local_port)),
            Condition::RemotePort => (ranges(&c.remote_port), opt(connection.remote_port)),
            Condition::Jobname => {
                (c.jobname.clone().unwrap_or_default(), opt(connection.jobname.as_deref()))
            }
            Condition::Userid => {
                (c.userid.clone().unwrap_or_default(), opt(connection.userid.as_deref()))
            }
        };
        Mismatch { condition: self.keyword(), rule, connection: conn }
    }
}

/// Whether the rule's direction takes connections of this side (a rule without one is
/// incomplete and takes none).
fn takes_side(direction: Option<Direction>, side: Side) -> bool {
    match direction {
        Some(Direction::Both) => true,
        Some(Direction::Inbound) => side == Side::Inbound,
        Some(_) => side == Side::Outbound,
        None => false,
    }
}

/// How one rule compares with a connection.
pub fn verdict(rule: &EffectiveRule, connection: &Connection) -> Verdict {
    let c = &rule.conditions;
    let mut fails = Vec::new();
    let mut unknown = Vec::new();
    if !takes_side(c.direction, connection.side) {
        fails.push(Mismatch {
            condition: "Direction",
            rule: c.direction.map_or_else(|| "(none)".to_owned(), |d| d.keyword().to_owned()),
            connection: format!("{:?}", connection.side).to_lowercase(),
        });
    }
    for condition in Condition::ALL {
        match condition.test(c, connection) {
            None | Some(Some(true)) => {}
            Some(Some(false)) => fails.push(condition.mismatch(c, connection)),
            Some(None) => unknown.push(condition.keyword()),
        }
    }
    if !fails.is_empty() {
        Verdict::Fails(fails)
    } else if !unknown.is_empty() {
        Verdict::Unknown(unknown)
    } else {
        Verdict::Matches
    }
}

/// Whether `verdict(rule, connection)` is [`Verdict::Matches`], without describing the
/// conditions that fail.
pub fn matches(rule: &EffectiveRule, connection: &Connection) -> bool {
    let c = &rule.conditions;
    takes_side(c.direction, connection.side)
        && Condition::ALL
            .iter()
            .all(|condition| matches!(condition.test(c, connection), None | Some(Some(true))))
}

/// A connection that `rule` is written for, on one side: the first address and port of each
/// range, and the job name and user ID with their wildcards taken as written (`PAY*` stands
/// for `PAY`, a `*` matching no character).
pub fn written_for(rule: &EffectiveRule, side: Side) -> Connection {
    let c = &rule.conditions;
    let name = |v: &Option<String>| v.as_ref().map(|n| n.replace('*', ""));
    Connection {
        side,
        local_addr: c.local_addr.first().map(|r| r.from),
        local_port: c.local_port.first().map(|p| p.from),
        remote_addr: c.remote_addr.first().map(|r| r.from),
        remote_port: c.remote_port.first().map(|p| p.from),
        jobname: name(&c.jobname),
        userid: name(&c.userid),
    }
}

/// The rule the connection gets: `match_connection(..).matched`, without a verdict on every
/// rule (what the build's connection check needs for thousands of connections).
pub fn first_match(
    policy: &EffectivePolicy,
    connection: &Connection,
    options: &Options,
) -> Option<usize> {
    // The first in compare order among the rules that match; `min_by` keeps the first of
    // equals, as the stable sort of `match_connection` does.
    policy
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| matches(rule, connection))
        .min_by(|(_, a), (_, b)| order(a, b, options))
        .map(|(at, _)| at)
}

fn opt(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(|| "(unknown)".to_owned(), |v| v.to_string())
}

fn ranges<T: std::fmt::Display>(list: &[T]) -> String {
    list.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn in_ports(list: &[PortRange], port: u16) -> bool {
    list.iter().any(|r| r.from <= port && port <= r.to)
}

/// A job name or user ID against a rule's value, where `*` stands for any characters.
/// Compared without regard to case, since z/OS names are upper case (UNCONFIRMED how Policy
/// Agent compares a lower-case rule value).
pub fn wildcard(pattern: &str, name: &str) -> bool {
    if pattern.is_ascii() && name.is_ascii() {
        return glob(pattern.as_bytes(), name.as_bytes(), |p, n| p.eq_ignore_ascii_case(&n));
    }
    let pattern: Vec<char> = pattern.to_ascii_uppercase().chars().collect();
    let name: Vec<char> = name.to_ascii_uppercase().chars().collect();
    glob(&pattern, &name, |p, n| p == n)
}

/// Two-pointer glob with backtracking to the last `*`.
fn glob<T: Copy + PartialEq + From<u8>>(
    pattern: &[T],
    name: &[T],
    same: impl Fn(T, T) -> bool,
) -> bool {
    let star = T::from(b'*');
    let (mut p, mut n) = (0, 0);
    let mut last: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && pattern[p] == star {
            last = Some((p, n));
            p += 1;
        } else if p < pattern.len() && same(pattern[p], name[n]) {
            p += 1;
            n += 1;
        } else if let Some((sp, sn)) = last {
            p = sp + 1;
            n = sn + 1;
            last = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == star)
}

/// Whether every name `narrow` matches is matched by `wide` (both may hold `*`). Exact for
/// patterns with at most a trailing `*`; otherwise only equal patterns count.
pub fn pattern_covers(wide: &str, narrow: &str) -> bool {
    let (wide, narrow) = (wide.to_ascii_uppercase(), narrow.to_ascii_uppercase());
    if wide == narrow || wide == "*" {
        return true;
    }
    match wide.strip_suffix('*') {
        Some(prefix) if !prefix.contains('*') => {
            let literal = narrow.split('*').next().unwrap_or_default();
            literal.starts_with(prefix)
        }
        _ => !wide.contains('*') && !narrow.contains('*') && wide == narrow,
    }
}

/// Whether rule `wide` matches every connection rule `narrow` matches; a rule with a time
/// condition covers nothing, since it is not always in effect.
pub fn covers(wide: &EffectiveRule, narrow: &EffectiveRule) -> bool {
    covers_on(wide, narrow, None)
}

/// [`covers`] for the connections of one side only (all of them for `None`): a `Direction
/// Both` rule whose inbound connections an `Inbound` rule takes still has its outbound ones.
/// Neither rule covers on a side `narrow` does not take, so that a rule is never reported as
/// losing connections it was not written for.
pub fn covers_on(wide: &EffectiveRule, narrow: &EffectiveRule, side: Option<Side>) -> bool {
    let (w, n) = (&wide.conditions, &narrow.conditions);
    if w.time_condition.is_some() || !wide.complete || !narrow.complete {
        return false;
    }
    let direction = match (side, w.direction, n.direction) {
        (Some(side), _, _) => takes_side(n.direction, side) && takes_side(w.direction, side),
        (None, Some(Direction::Both), Some(_)) => true,
        (None, Some(a), Some(b)) => a == b,
        _ => false,
    };
    let addr = |w: &[AddrRange], n: &[AddrRange]| {
        w.is_empty() || (!n.is_empty() && n.iter().all(|r| w.iter().any(|x| x.covers(r))))
    };
    let ports = |w: &[PortRange], n: &[PortRange]| {
        w.is_empty()
            || (!n.is_empty()
                && n.iter().all(|r| w.iter().any(|x| x.from <= r.from && r.to <= x.to)))
    };
    let name = |w: &Option<String>, n: &Option<String>| match (w, n) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => pattern_covers(a, b),
    };
    direction
        && addr(&w.local_addr, &n.local_addr)
        && addr(&w.remote_addr, &n.remote_addr)
        && ports(&w.local_port, &n.local_port)
        && ports(&w.remote_port, &n.remote_port)
        && name(&w.jobname, &n.jobname)
        && name(&w.userid, &n.userid)
}

/// The rule that takes every connection rule `at` matches (of `side` only, when given) before
/// it does: the first rule in compare order that is compared before it and [`covers_on`] it.
/// `None` when no single rule does, so that an exception carved out of a wider rule (a
/// narrower rule at a higher priority) does not count as shadowing it; rules that cover it
/// only together are not found either.
pub fn shadowed_by(
    policy: &EffectivePolicy,
    at: usize,
    side: Option<Side>,
    options: &Options,
) -> Option<usize> {
    let rule = policy.rules.get(at)?;
    policy
        .rules
        .iter()
        .enumerate()
        .filter(|(i, wide)| {
            *i != at && order(wide, rule, options) == Ordering::Less && covers_on(wide, rule, side)
        })
        .min_by(|(_, a), (_, b)| order(a, b, options))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_job_name_masks() {
        assert!(wildcard("AZF*", "AZFSRV1"));
        assert!(wildcard("AZF*", "AZF"));
        assert!(!wildcard("AZF*", "AZ"));
        assert!(wildcard("*", "ANY"));
        assert!(wildcard("A*C", "ABBC"));
        assert!(!wildcard("A*C", "ABBD"));
        assert!(wildcard("PAYROLL", "payroll"));
        assert!(!wildcard("PAYROLL", "PAYROLL2"));
    }

    #[test]
    fn patterns_cover_narrower_patterns() {
        assert!(pattern_covers("BIL*", "BIL*"));
        assert!(pattern_covers("BIL*", "BILLING"));
        assert!(pattern_covers("BIL*", "BILL*"));
        assert!(!pattern_covers("BILL*", "BIL*"));
        assert!(!pattern_covers("BILLING", "BIL*"));
        assert!(pattern_covers("*", "X*Y"));
    }
}
