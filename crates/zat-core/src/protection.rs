//! Checks that the connections the script means are really protected as it says, on the
//! expanded model (the policy-level check, which maps every connection to its rule, runs on
//! the rendered policy in `zat-driver`):
//!
//! - every rule's key ring can be opened by every user that can match the rule, with the
//!   private key where the role needs one (AT-TLS opens the ring as the user of the job that
//!   owns the socket: z/OS Communications Server IP Configuration Guide, "AT-TLS key ring");
//! - an outbound requester rule names the server's address, or it covers that port on every
//!   host;
//! - a z/OS Connect server behind an inbound AT-TLS policy cannot authenticate requesters by
//!   certificate (IBM z/OS Connect: client certificate authentication cannot be used with an
//!   inbound AT-TLS policy), so its requesters need another way;
//! - certificates that have expired, or expire within the window, against a date the caller
//!   gives (so that a check in CI does not change on a calendar day with no change).

use zat_model::{
    ByName, CertSource, Diagnostic, Fleet, HandshakeRole, Keyring, Origin, RingAccess, RuleSource,
    SecurityDatabase,
};

/// The date time-dependent checks compare with, and how far ahead expiry warnings look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    /// Today as (year, month, day).
    pub today: (i32, u32, u32),
    /// Warn about certificates that expire within this many days.
    pub expiry_window_days: i64,
}

impl Default for Checks {
    /// The system date (UTC) and a 90-day window.
    fn default() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        Checks { today: civil_from_days((secs / 86_400) as i64), expiry_window_days: 90 }
    }
}

impl Checks {
    /// `YYYY-MM-DD` as a date (four, two and two digits, as the model's dates are written);
    /// `None` when it is in another form (`2030-2-3`) or not a real date.
    pub fn parse_date(text: &str) -> Option<(i32, u32, u32)> {
        crate::validate::parse_date(text)
    }
}

/// A rule's ring cannot be opened by a user that can match the rule.
pub const CODE_RING_NOT_OPENABLE: &str = "ZAT0316";
/// A rule's ring is opened by users zat cannot know (no user ID condition).
pub const CODE_RING_USER_UNKNOWN: &str = "ZAT0317";
/// An outbound requester rule covers its port on every host.
pub const CODE_ANY_HOST: &str = "ZAT0318";
/// A requester of an inbound AT-TLS server has no way to authenticate.
pub const CODE_NO_AUTH: &str = "ZAT0319";
/// A certificate expires within the window.
pub const CODE_EXPIRES_SOON: &str = "ZAT0322";

/// A default the script set that the fleet never uses.
pub const CODE_IGNORED_DEFAULT: &str = "ZAT0173";

pub(crate) fn check(fleet: &Fleet, checks: &Checks, out: &mut Vec<Diagnostic>) {
    ignored_defaults(fleet, out);
    // Each rule and requester looks a name up: by hash, not a scan of the fleet.
    let names = ByName::new(fleet);
    rule_rings(fleet, &names, out);
    requester_rules(fleet, &names, out);
    expiry(fleet, checks, out);
}

/// A default the script set explicitly that no object of the fleet takes: as silent as a
/// misspelt key would be, so it is a warning with what would use it.
fn ignored_defaults(fleet: &Fleet, out: &mut Vec<Diagnostic>) {
    let defaults = &fleet.defaults;
    let Some(origin) = &defaults.origin else { return };
    let ttls = fleet.lpars.iter().any(|l| l.stacks.iter().any(|s| s.ttls));
    let racf = fleet.security_databases.iter().any(|db| db.esm == zat_model::Esm::RACF);
    for key in &defaults.explicit {
        let why = match key.as_str() {
            "pagent_dir"
                if !fleet.lpars.iter().any(|l| {
                    l.pagent.config_dir == defaults.pagent_dir && l.stacks.iter().any(|s| s.ttls)
                }) =>
            {
                "no LPAR with a TTLS stack takes it: each names its own `pagent: #{ config_dir }`, or none runs AT-TLS"
            }
            "tcpparms" if !ttls => "no stack has TTLS on, so no TCP/IP profile member is written",
            "program_conditional_permits" | "activate_classes" if !racf => {
                "it is a RACF switch and the fleet has no RACF database"
            }
            _ => continue,
        };
        out.push(
            Diagnostic::warning(
                CODE_IGNORED_DEFAULT,
                format!("`defaults.{key}` is set but never used: {why}"),
            )
            .object("fleet defaults")
            .at(origin)
            .help(format!("remove `{key}` from `site.defaults(...)`, or add what uses it")),
        );
    }
}

fn rule_rings(fleet: &Fleet, names: &ByName<'_>, out: &mut Vec<Diagnostic>) {
    for lpar in &fleet.lpars {
        let Some(db) = names.security_database(&lpar.security_database) else { continue };
        for stack in lpar.stacks.iter().filter(|s| s.ttls) {
            for rule in &stack.rules {
                let Some(ring_ref) = &rule.keyring else { continue };
                let Some(ring) = db.keyring(&ring_ref.owner, &ring_ref.name) else { continue };
                let object =
                    format!("lpar {} / stack {} / rule {}", lpar.name, stack.name, rule.name);
                let origin = rule_origin(names, rule);
                let needs_key =
                    needs_private_key(db, ring, rule.role, rule.certificate_label.as_deref());
                match rule.userid.as_deref() {
                    Some(user) if !user.contains('*') => {
                        // A user ID or ring owner that is not a z/OS name is reported by
                        // validation (ZAT0101) where the script wrote it; compared here, a
                        // lower-case `appusr` would differ from `APPUSR` and the rule would be
                        // told a private key is out of reach, which is not the mistake.
                        let names_valid =
                            zat_zos::is_valid_name(user) && zat_zos::is_valid_name(&ring.owner);
                        if names_valid
                            && user != ring.owner
                            && needs_key
                            && ring.access == RingAccess::Facility
                        {
                            out.push(
                                Diagnostic::error(
                                    CODE_RING_NOT_OPENABLE,
                                    format!(
                                        "rule {} runs as user {user}, but its key ring {} belongs to {} and the {} role needs the private key of {}'s certificate: FACILITY access lets another user read certificates only, so the handshake fails (EZD1286I)",
                                        rule.name, ring_ref, ring.owner, rule.role.keyword(), ring.owner
                                    ),
                                )
                                .object(object)
                                .at(&origin)
                                .help(format!(
                                    "give the ring RDATALIB access (`keyring(\"{}\", \"{}\", #{{ access: \"rdatalib\" }})`, zat then permits {user} READ to {}), or use a ring owned by {user}",
                                    ring.owner,
                                    ring.name,
                                    zat_model::profiles::rdatalib(&ring.owner, &ring.name)
                                )),
                            );
                        }
                    }
                    filter => {
                        let who = match (filter, rule.jobname.as_deref()) {
                            (Some(pattern), _) => format!("any user matching {pattern}"),
                            (None, Some(job)) => format!("the user of any job matching {job}"),
                            (None, None) => "any user".to_owned(),
                        };
                        out.push(
                            Diagnostic::warning(
                                CODE_RING_USER_UNKNOWN,
                                format!(
                                    "rule {} opens key ring {} as {who}: AT-TLS opens the ring as the user of the job that owns the socket, and zat cannot check or permit that user's access",
                                    rule.name, ring_ref
                                ),
                            )
                            .object(object)
                            .at(&origin)
                            .help("give the rule `userid` (the job's user ID): zat then permits it to the ring, or refuses when it cannot"),
                        );
                    }
                }
            }
        }
    }
}

/// Whether the handshake of a rule uses a private key from its ring: a server always
/// presents a certificate; a client does when it names one or its ring has a DEFAULT.
fn needs_private_key(
    db: &SecurityDatabase,
    ring: &Keyring,
    role: HandshakeRole,
    label: Option<&str>,
) -> bool {
    let personal = |label: &str| {
        db.certificate(label).is_none_or(|c| !c.is_ca() || c.source == CertSource::Existing)
    };
    match role {
        HandshakeRole::Server | HandshakeRole::ServerWithClientAuth => true,
        HandshakeRole::Client => {
            label.is_some_and(personal)
                || ring.default_connection().is_some_and(|c| personal(&c.label))
        }
    }
}

/// Where the script wrote what made a rule: the rule, or the requester or server behind it.
fn rule_origin(names: &ByName<'_>, rule: &zat_model::Rule) -> Origin {
    match &rule.source {
        RuleSource::ZosConnectServer(name) => {
            names.zos_connect_server(name).map_or_else(|| rule.origin.clone(), |s| s.origin.clone())
        }
        _ => rule.origin.clone(),
    }
}

fn requester_rules(fleet: &Fleet, names: &ByName<'_>, out: &mut Vec<Diagnostic>) {
    for lpar in &fleet.lpars {
        for stack in &lpar.stacks {
            for requester in &stack.api_requesters {
                let Some(server) = names.zos_connect_server(&requester.server) else { continue };
                let object = format!(
                    "lpar {} / stack {} / api_requester {}",
                    lpar.name, stack.name, requester.name
                );
                if server.ip.is_none() {
                    out.push(
                        Diagnostic::warning(
                            CODE_ANY_HOST,
                            format!(
                                "the outbound rule of api requester {} has no RemoteAddr: every connection of {} to port {} on any host becomes a TLS client of ring {}",
                                requester.name,
                                requester.jobname,
                                server.requester_port(),
                                requester.keyring
                            ),
                        )
                        .object(object.clone())
                        .at(&requester.origin)
                        .help(format!(
                            "give z/OS Connect server {} its address (`ip: \"...\"`) so the rule covers only connections to it",
                            server.name
                        )),
                    );
                }
                if server.inbound_attls && requester.basic_auth.is_none() {
                    out.push(
                        Diagnostic::warning(
                            CODE_NO_AUTH,
                            format!(
                                "z/OS Connect server {} terminates TLS with an inbound AT-TLS policy, so Liberty never sees a client certificate and cannot authenticate api requester {} by one",
                                server.name, requester.name
                            ),
                        )
                        .object(object)
                        .at(&requester.origin)
                        .help("give the requester `basic_auth: #{ username, password_from }` (BAQUSERNAME/BAQPASSWORD), or let the server do TLS itself (`inbound_attls: false`) to authenticate by certificate"),
                    );
                }
            }
        }
    }
}

fn expiry(fleet: &Fleet, checks: &Checks, out: &mut Vec<Diagnostic>) {
    let today = days_from_civil(checks.today);
    for db in &fleet.security_databases {
        for cert in &db.certificates {
            let Some(after) = cert.not_after.as_deref().and_then(Checks::parse_date) else {
                continue;
            };
            let left = days_from_civil(after) - today;
            let object = format!("security database {} / certificate {}", db.name, cert.label);
            if left < 0 {
                out.push(
                    Diagnostic::error(
                        "ZAT0163",
                        "the certificate would already have expired (not_after is in the past)",
                    )
                    .object(object)
                    .at(&cert.origin),
                );
            } else if left <= checks.expiry_window_days {
                out.push(
                    Diagnostic::warning(
                        CODE_EXPIRES_SOON,
                        format!(
                            "certificate {} expires on {} ({left} days from {:04}-{:02}-{:02}, within the {}-day window)",
                            cert.label,
                            cert.not_after.as_deref().unwrap_or_default(),
                            checks.today.0,
                            checks.today.1,
                            checks.today.2,
                            checks.expiry_window_days
                        ),
                    )
                    .object(object)
                    .at(&cert.origin)
                    .help("renew it (a later not_after) before it expires; --today and --expiry-warning set the date and the window of this check"),
                );
            }
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil((y, m, d): (i32, u32, u32)) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_round_trip() {
        for days in [-1, 0, 59, 365, 10_957, 20_000, 47_481] {
            assert_eq!(days_from_civil(civil_from_days(days)), days);
        }
        assert_eq!(days_from_civil((2026, 12, 1)) - days_from_civil((2026, 11, 1)), 30);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_781), (2026, 11, 24));
        assert_eq!(Checks::parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(Checks::parse_date("2023-02-29"), None);
        assert_eq!(Checks::parse_date("2026-13-01"), None);
        assert_eq!(Checks::parse_date("2030-2-3"), None);
        assert_eq!(Checks::parse_date("2030-02-03"), Some((2030, 2, 3)));
    }
}
