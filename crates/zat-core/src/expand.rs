//! Expansion: z/OS Connect servers and API requesters become rules, ring readers, CA
//! connections and CEEOPTS data, once, so that every emitter sees the same low-level model.
//!
//! The port rule comes from the seed page: BAQPORT is the server's HTTP port when the server
//! has an inbound AT-TLS policy (AT-TLS does the TLS, Liberty listens in clear), otherwise its
//! HTTPS port; the requester's outbound rule has that same remote port.

use std::collections::HashMap;

// Expansion looks up a server, an LPAR or a database per requester or server while it changes
// the fleet, so it keeps places by name rather than references; a scan of the list per lookup
// would be quadratic on a fleet of thousands of LPARs with a server on each.
use zat_model::places_by_name as places;
use zat_model::{
    ByName, CertOwner, Diagnostic, Direction, Fleet, HandshakeRole, PortRange, RequesterExpansion,
    RingConnection, RingRef, Rule, RuleSource, Text, Usage,
};

/// Priority bands: a rule with more conditions is more specific and must be matched first,
/// because Policy Agent takes the first matching rule, not the most specific one.
const BAND: i64 = 100_000;
/// Gap between automatically numbered rules of one band, so a site can slot rules in between.
const STEP: i64 = 10;

pub(crate) fn expand(mut fleet: Fleet, diagnostics: &mut Vec<Diagnostic>) -> Fleet {
    add_server_rules(&mut fleet, diagnostics);
    add_requester_rules(&mut fleet, diagnostics);
    add_ring_readers(&mut fleet);
    qualify_exports(&mut fleet);
    assign_priorities(&mut fleet);
    derive_access(&mut fleet);
    fleet
}

/// The access every ESM emitter writes, computed once (IBM: R_datalib callable service for
/// ring access; IP Configuration Guide, "Stack initialization access" for EZB.INITSTACK):
/// - A ring with FACILITY access gives its owner READ on `IRR.DIGTCERT.LIST` and
///   `IRR.DIGTCERT.LISTRING` (own ring, own private keys); every other reader gets UPDATE
///   (another user's ring, certificates only).
/// - A ring with RDATALIB access gives owner and readers READ on `OWNER.RING.LST`: READ lets
///   them use the private key of a certificate the ring owner owns. The FACILITY checks are
///   not made when that profile exists, so the owner needs it too.
/// - Each TTLS stack: the Policy Agent user and the stack's `initstack_users` get READ on
///   `EZB.INITSTACK.<sysname>.<tcpname>`, Policy Agent first, no repeats.
fn derive_access(fleet: &mut Fleet) {
    use std::collections::BTreeMap;
    use zat_model::{AccessGrant, AccessLevel, GrantClass, InitstackAccess, RingAccess, profiles};

    for db in &mut fleet.security_databases {
        let mut grants: BTreeMap<(GrantClass, String, String), (AccessLevel, usize)> =
            BTreeMap::new();
        let mut add = |class, profile: &str, user: &str, access, ring| {
            let entry = grants
                .entry((class, profile.to_owned(), user.to_owned()))
                .or_insert((access, ring));
            entry.0 = entry.0.max(access);
        };
        for (index, ring) in db.keyrings.iter().enumerate() {
            match ring.access {
                RingAccess::Facility => {
                    for profile in [profiles::LIST, profiles::LISTRING] {
                        add(GrantClass::Facility, profile, &ring.owner, AccessLevel::Read, index);
                        for reader in ring.readers.iter().filter(|r| **r != ring.owner) {
                            add(GrantClass::Facility, profile, reader, AccessLevel::Update, index);
                        }
                    }
                }
                RingAccess::Rdatalib => {
                    let profile = profiles::rdatalib(&ring.owner, &ring.name);
                    add(GrantClass::Rdatalib, &profile, &ring.owner, AccessLevel::Read, index);
                    for reader in &ring.readers {
                        add(GrantClass::Rdatalib, &profile, reader, AccessLevel::Read, index);
                    }
                }
            }
        }
        db.ring_access = grants
            .into_iter()
            .map(|((class, profile, user), (access, ring))| AccessGrant {
                class,
                profile,
                user,
                access,
                ring: db.keyrings[ring].reference(),
            })
            .collect();
    }
    for lpar in &mut fleet.lpars {
        let pagent = lpar.pagent.userid.clone();
        for stack in &mut lpar.stacks {
            stack.initstack = stack.ttls.then(|| {
                let mut users = vec![pagent.clone()];
                for user in &stack.initstack_users {
                    if !users.contains(user) {
                        users.push(user.clone());
                    }
                }
                InitstackAccess { profile: profiles::initstack(&lpar.name, &stack.name), users }
            });
        }
    }
}

/// A z/OS Connect server with an inbound AT-TLS policy gets its inbound rule on the stack it
/// runs on: AT-TLS terminates TLS on the HTTP port and hands Liberty clear text.
fn add_server_rules(fleet: &mut Fleet, diagnostics: &mut Vec<Diagnostic>) {
    let servers = fleet.zos_connect_servers.clone();
    let lpar_places = places(&fleet.lpars, |l| &l.name);
    // Every server placed in the fleet runs where it says, AT-TLS or not: its server.xml is
    // written for that LPAR, and a misspelt one would silently get none.
    for server in &servers {
        let Some(lpar_name) = &server.lpar else { continue };
        let lpar = lpar_places.get(lpar_name.as_str()).map(|&at| &fleet.lpars[at]);
        let found = match (&server.stack, lpar) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(stack_name), Some(lpar)) => lpar.stacks.iter().any(|s| &s.name == stack_name),
        };
        if let (true, None, true) = (found, &server.stack, server.inbound_attls) {
            // In the fleet, behind AT-TLS, on no stack: its server.xml would open the HTTP
            // port in clear text for a rule that no stack's policy holds.
            let stacks = lpar.map(|l| l.stacks.iter().map(|s| s.name.as_str()).collect::<Vec<_>>());
            diagnostics.push(
                Diagnostic::error(
                    "ZAT0131",
                    format!(
                        "z/OS Connect server runs on lpar {lpar_name} behind AT-TLS (`inbound_attls`) but names no stack: its inbound rule would go to no stack's policy, and Liberty would listen on HTTP port {} in clear text",
                        server.http_port
                    ),
                )
                .object(format!("zos_connect_server {}", server.name))
                .at(&server.origin)
                .help(format!(
                    "name the stack its listener binds to: `stack: \"{}\"` (the LPAR's stacks: {})",
                    stacks.as_ref().and_then(|s| s.first().copied()).unwrap_or("TCPIP"),
                    stacks.map(|s| s.join(", ")).unwrap_or_default()
                )),
            );
            continue;
        }
        if !found {
            let place = match &server.stack {
                Some(stack_name) => format!("lpar {lpar_name} stack {stack_name}"),
                None => format!("lpar {lpar_name}"),
            };
            diagnostics.push(
                Diagnostic::error(
                    "ZAT0131",
                    format!("z/OS Connect server runs on {place}, which the fleet does not define"),
                )
                .object(format!("zos_connect_server {}", server.name))
                .at(&server.origin)
                .help("define the LPAR and stack, or leave `lpar`/`stack` out for a server outside the fleet"),
            );
        }
    }
    for server in servers.iter().filter(|s| s.inbound_attls) {
        let object = format!("zos_connect_server {}", server.name);
        let (Some(lpar_name), Some(stack_name)) = (&server.lpar, &server.stack) else {
            // Outside the fleet: the inbound rule is the partner site's business.
            continue;
        };
        let Some(stack) = lpar_places
            .get(lpar_name.as_str())
            .and_then(|&at| fleet.lpars.get_mut(at))
            .and_then(|l| l.stacks.iter_mut().find(|s| &s.name == stack_name))
        else {
            // Reported above.
            continue;
        };
        let Some(level) = server.level.clone() else {
            diagnostics.push(
                Diagnostic::error(
                    "ZAT0132",
                    "a z/OS Connect server with an inbound AT-TLS policy needs a security level",
                )
                .object(object)
                .at(&server.origin)
                .help("give the server `level: <security level>`"),
            );
            continue;
        };
        let role = if server.client_auth {
            HandshakeRole::ServerWithClientAuth
        } else {
            HandshakeRole::Server
        };
        stack.rules.push(Rule {
            name: derived_name(&server.name, "_IN").into(),
            direction: Direction::Inbound,
            local_addr: None,
            remote_addr: None,
            local_port: Some(PortRange::single(server.http_port)),
            remote_port: None,
            jobname: server.jobname.as_deref().map(Text::from),
            // AT-TLS opens the ring as the listener's user: naming it keeps the rule to that
            // user, whose access to the ring zat then checks and permits.
            userid: server.userid.as_deref().map(Text::from),
            priority: None,
            enabled: true,
            role,
            keyring: server.keyring.clone(),
            certificate_label: server.server_label.as_deref().map(Text::from),
            server_certificate_label: None,
            level: level.into(),
            trace: 2,
            source: RuleSource::ZosConnectServer(server.name.as_str().into()),
            origin: server.origin.clone(),
        });
    }
}

/// Every API requester becomes an outbound rule on its stack plus the CEEOPTS values, and
/// when the server is in the same security database, the two sides' CAs are connected into
/// each other's rings (the trust between the two sides that the seed procedure sets up by
/// exporting and adding each side's CA).
fn add_requester_rules(fleet: &mut Fleet, diagnostics: &mut Vec<Diagnostic>) {
    let servers = fleet.zos_connect_servers.clone();
    let server_places = places(&servers, |s| &s.name);
    let mut ca_links: Vec<(String, CaLink)> = Vec::new();
    // A link repeats for each requester of the same ring and server; only the first (its
    // origin is the one kept) is held, known by the digest of what `link_cas` tells links
    // apart by. Held once per requester, the links were the largest thing the expansion made
    // and dropped (160,000 at 4,000 LPARs, about 50 MB).
    let mut linked: std::collections::HashSet<[u8; 32]> = std::collections::HashSet::new();
    for lpar in &mut fleet.lpars {
        for stack in &mut lpar.stacks {
            // The expanded fleet lives for the whole build: room for exactly these rules,
            // not the room a list doubling as it grows would leave.
            stack.rules.reserve_exact(stack.api_requesters.len());
            for requester in &mut stack.api_requesters {
                let object = format!(
                    "lpar {} / stack {} / api_requester {}",
                    lpar.name, stack.name, requester.name
                );
                let Some(server) =
                    server_places.get(requester.server.as_str()).map(|&at| &servers[at])
                else {
                    diagnostics.push(
                        Diagnostic::error(
                            "ZAT0130",
                            format!("api requester calls z/OS Connect server `{}`, which the fleet does not define", requester.server),
                        )
                        .object(object)
                        .at(&requester.origin)
                        .help("define it with `site.zos_connect_server(...)` and pass that server"),
                    );
                    continue;
                };
                let port = server.requester_port();
                let rule_name = derived_name(&requester.name, "_OUT");
                stack.rules.push(Rule {
                    name: rule_name.clone().into(),
                    direction: Direction::Outbound,
                    local_addr: None,
                    remote_addr: server.ip.as_deref().map(Text::from),
                    local_port: None,
                    remote_port: Some(PortRange::single(port)),
                    jobname: Some(requester.jobname.clone()),
                    userid: Some(requester.userid.clone()),
                    priority: requester.priority,
                    enabled: true,
                    role: HandshakeRole::Client,
                    keyring: Some(requester.keyring.clone()),
                    certificate_label: requester.client_label.clone(),
                    server_certificate_label: None,
                    level: requester.level.clone(),
                    trace: 2,
                    source: RuleSource::ApiRequester(requester.name.clone()),
                    origin: requester.origin.clone(),
                });
                requester.expansion = Some(RequesterExpansion {
                    rule: rule_name.into(),
                    baquri: server.host.as_str().into(),
                    baqport: port,
                });
                // Whether the server's ring is in this database is checked in `link_cas`.
                if let (Some(server_ring), Some(_)) = (&server.keyring, &server.lpar)
                    && linked.insert(crate::digest::digest(&(
                        &lpar.security_database,
                        &requester.keyring,
                        &requester.client_label,
                        server_ring,
                        &server.server_label,
                        server.client_auth,
                    )))
                {
                    ca_links.push((
                        lpar.security_database.clone(),
                        CaLink {
                            requester_ring: requester.keyring.clone(),
                            client_label: requester.client_label.as_deref().map(str::to_owned),
                            server_ring: server_ring.clone(),
                            server_label: server.server_label.clone(),
                            client_auth: server.client_auth,
                            origin: requester.origin.clone(),
                        },
                    ));
                }
            }
        }
    }
    link_cas(fleet, ca_links);
}

/// The trust one requester-server pair needs, when both rings are in the fleet.
struct CaLink {
    requester_ring: RingRef,
    /// The certificate the requester presents when asked (else its ring's DEFAULT).
    client_label: Option<String>,
    server_ring: RingRef,
    /// The certificate the server presents (else its ring's DEFAULT).
    server_label: Option<String>,
    /// Whether the server asks the requester for a certificate.
    client_auth: bool,
    origin: zat_model::Origin,
}

/// Connects only the signer chains each side needs, when both rings are in the same security
/// database: the chain of the server's certificate into the requester's ring (so the client
/// can verify the server), and, only when the server asks for client certificates, the chain
/// of the requester's certificate into the server's ring. No other CA of either ring crosses
/// over: a CA a ring holds for another partner must not become trusted by this one.
fn link_cas(fleet: &mut Fleet, links: Vec<(String, CaLink)>) {
    use std::collections::HashSet;
    // Found once, not per link: every requester makes a link, a fleet has thousands of LPARs
    // and hundreds of databases (and may run a server on each LPAR), and a link repeats for
    // each requester of the same ring and server (a repeat would connect nothing more: the
    // first one's origin is kept).
    // Each server ring's database is that of the first server with the ring.
    let names = ByName::new(fleet);
    let mut server_dbs: HashMap<RingRef, Option<String>> = HashMap::new();
    for server in &fleet.zos_connect_servers {
        let Some(ring) = &server.keyring else { continue };
        let database = server.lpar.as_ref().and_then(|l| names.lpar(l));
        server_dbs
            .entry(ring.clone())
            .or_insert_with(|| database.map(|l| l.security_database.clone()));
    }
    let db_places = places(&fleet.security_databases, |db| &db.name);
    let mut done = HashSet::new();
    for (database, link) in links {
        let server_db = server_dbs.get(&link.server_ring).and_then(|db| db.as_deref());
        if server_db != Some(database.as_str()) {
            continue;
        }
        let key = (
            database.clone(),
            link.requester_ring.clone(),
            link.client_label.clone(),
            link.server_ring.clone(),
            link.server_label.clone(),
            link.client_auth,
        );
        if !done.insert(key) {
            continue;
        }
        let Some(db) =
            db_places.get(&database).and_then(|&at| fleet.security_databases.get_mut(at))
        else {
            continue;
        };
        let server_cert = presented(db, &link.server_ring, link.server_label.as_deref());
        let chain = signer_chain(db, server_cert.as_deref());
        connect_all(db, &link.requester_ring, &chain, &link.origin);
        if link.client_auth {
            let client_cert = presented(db, &link.requester_ring, link.client_label.as_deref());
            let chain = signer_chain(db, client_cert.as_deref());
            connect_all(db, &link.server_ring, &chain, &link.origin);
        }
    }
}

/// The certificate a side presents: the label it names, else its ring's DEFAULT.
fn presented(
    db: &zat_model::SecurityDatabase,
    ring: &RingRef,
    label: Option<&str>,
) -> Option<String> {
    label.map(str::to_owned).or_else(|| {
        db.keyring(&ring.owner, &ring.name)
            .and_then(|r| r.default_connection())
            .map(|c| c.label.clone())
    })
}

/// The CAs that signed `label`, nearest first, up to the root (a loop in the model stops it).
fn signer_chain(db: &zat_model::SecurityDatabase, label: Option<&str>) -> Vec<String> {
    let mut chain: Vec<String> = Vec::new();
    let mut next = label.and_then(|l| db.certificate(l)).and_then(|c| c.signer.clone());
    while let Some(signer) = next {
        if chain.contains(&signer) {
            break;
        }
        next = db.certificate(&signer).and_then(|c| c.signer.clone());
        chain.push(signer);
    }
    chain
}

fn connect_all(
    db: &mut zat_model::SecurityDatabase,
    ring: &RingRef,
    labels: &[String],
    origin: &zat_model::Origin,
) {
    let known: Vec<String> =
        labels.iter().filter(|l| db.certificate(l).is_some_and(|c| c.is_ca())).cloned().collect();
    let Some(target) =
        db.keyrings.iter_mut().find(|r| r.owner == ring.owner && r.name == ring.name)
    else {
        return;
    };
    for label in known {
        if target.connections.iter().any(|c| c.label == label) {
            continue;
        }
        target.connections.push(RingConnection {
            label,
            cert_owner: CertOwner::Certauth,
            usage: Usage::Certauth,
            default: false,
            origin: origin.clone(),
        });
    }
}

/// Users other than the owner that open a ring through a rule get read access to it.
fn add_ring_readers(fleet: &mut Fleet) {
    let mut wanted: Vec<(String, RingRef, String)> = Vec::new();
    for lpar in &fleet.lpars {
        for stack in &lpar.stacks {
            for rule in &stack.rules {
                let (Some(ring), Some(user)) = (&rule.keyring, &rule.userid) else { continue };
                if user.contains('*') || user == &ring.owner {
                    continue;
                }
                wanted.push((lpar.security_database.clone(), ring.clone(), user.to_string()));
            }
        }
    }
    let names = ByName::new(fleet);
    for server in &fleet.zos_connect_servers {
        let (Some(ring), Some(user), Some(lpar)) = (&server.keyring, &server.userid, &server.lpar)
        else {
            continue;
        };
        if user != &ring.owner
            && let Some(db) = names.lpar(lpar).map(|l| l.security_database.clone())
        {
            wanted.push((db, ring.clone(), user.clone()));
        }
    }
    let db_places = places(&fleet.security_databases, |db| &db.name);
    for (database, ring, user) in wanted {
        let database =
            db_places.get(&database).and_then(|&at| fleet.security_databases.get_mut(at));
        let ring = database.and_then(|d| {
            d.keyrings.iter_mut().find(|r| r.owner == ring.owner && r.name == ring.name)
        });
        if let Some(ring) = ring
            && !ring.readers.contains(&user)
        {
            ring.readers.push(user);
        }
    }
}

/// Puts every export data set under the site's high-level qualifier (`defaults.hlq`), so that
/// a site with PROTECTALL or without an alias for an arbitrary qualifier can write it: an
/// export named `CERTAUTH.CERT` becomes `ZAT.CERTAUTH.CERT`; one that starts with the
/// qualifier already stays. An import in the fleet that reads an export by its name as the
/// script wrote it follows it. Imports of data sets that others deliver keep their names.
fn qualify_exports(fleet: &mut Fleet) {
    let hlq = fleet.defaults.hlq.trim_end_matches('.').to_ascii_uppercase();
    if hlq.is_empty() {
        return;
    }
    let mut renamed: Vec<(String, String)> = Vec::new();
    for db in &mut fleet.security_databases {
        for cert in &mut db.certificates {
            let Some(export) = cert.export.as_mut() else { continue };
            let dsn = export.dsn.to_ascii_uppercase();
            if dsn == hlq || dsn.starts_with(&format!("{hlq}.")) {
                continue;
            }
            let qualified = format!("{hlq}.{dsn}");
            renamed.push((dsn, qualified.clone()));
            export.dsn = qualified;
        }
    }
    for db in &mut fleet.security_databases {
        for cert in &mut db.certificates {
            if let zat_model::CertSource::Import { dsn } = &mut cert.source
                && let Some((_, qualified)) =
                    renamed.iter().find(|(old, _)| old.eq_ignore_ascii_case(dsn))
            {
                *dsn = qualified.clone();
            }
        }
    }
}

/// Gives every rule without an explicit priority one that is unique on its stack and that does
/// not move when other rules are added or removed: the band says how specific the rule is
/// (more conditions, higher band), and the place within the band is a stable hash of the rule's
/// name (64-bit FNV-1a), a multiple of [`STEP`] so that a site can slot its own rules in between.
/// Two names that land on one place are resolved in name order (the smaller name keeps it, the
/// other takes the next free one), never by where the script writes them. Within a band the
/// order of two rules is therefore arbitrary but fixed: a script that needs one of two
/// overlapping rules of the same specificity to win gives it an explicit priority.
fn assign_priorities(fleet: &mut Fleet) {
    for lpar in &mut fleet.lpars {
        for stack in &mut lpar.stacks {
            let mut used: std::collections::BTreeSet<i64> =
                stack.rules.iter().filter_map(|r| r.priority).collect();
            let mut order: Vec<usize> =
                (0..stack.rules.len()).filter(|i| stack.rules[*i].priority.is_none()).collect();
            order.sort_by(|a, b| stack.rules[*a].name.cmp(&stack.rules[*b].name));
            for index in order {
                let rule = &mut stack.rules[index];
                let mut priority = stable_priority(specificity(rule), &rule.name);
                while !used.insert(priority) {
                    priority += 1;
                }
                rule.priority = Some(priority);
            }
        }
    }
}

/// The priority a rule named `name` gets in band `specificity`, before collisions: the band's
/// base plus a multiple of [`STEP`] from the name's hash, never the band's edge.
fn stable_priority(specificity: i64, name: &str) -> i64 {
    let places = (BAND / STEP - 1) as u64;
    let place = zat_zos::hash::fnv1a_64(name.as_bytes()) % places + 1;
    (specificity + 1) * BAND + place as i64 * STEP
}

fn specificity(rule: &Rule) -> i64 {
    let exact = |v: &Option<Text>| match v {
        Some(s) if s.contains('*') => 1,
        Some(_) => 2,
        None => 0,
    };
    let port = |p: &Option<PortRange>| match p {
        Some(p) if p.low == p.high => 2,
        Some(_) => 1,
        None => 0,
    };
    let addr = |a: &Option<Text>| i64::from(a.is_some()) * 2;
    exact(&rule.jobname)
        + exact(&rule.userid)
        + port(&rule.local_port)
        + port(&rule.remote_port)
        + addr(&rule.local_addr)
        + addr(&rule.remote_addr)
}

/// A derived policy name: the object's name plus a suffix. When the whole would pass the 32
/// characters of a Policy Agent name, the object's name is cut and given a hash of all of it
/// (as the Policy Agent emitter names its objects: `stem_XXXXXXXX`), so two requesters whose
/// names differ only past the cut still make two rules, not one name the script never wrote.
fn derived_name(base: &str, suffix: &str) -> String {
    const MAX: usize = 32;
    const HASH: usize = 8;
    if base.chars().count() + suffix.chars().count() <= MAX {
        return format!("{base}{suffix}");
    }
    let room = MAX.saturating_sub(suffix.chars().count() + HASH + 1);
    let stem: String = base.chars().take(room).collect();
    let hash = zat_zos::hash::fnv1a_32(base.as_bytes());
    format!("{stem}_{hash:08X}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priorities(fleet: &Fleet) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for lpar in &fleet.lpars {
            for stack in &lpar.stacks {
                for rule in &stack.rules {
                    out.push((
                        format!("{}/{}/{}", lpar.name, stack.name, rule.name),
                        rule.priority.unwrap_or(0),
                    ));
                }
            }
        }
        out
    }

    /// A rule added after the others (or anywhere) leaves every other rule's priority
    /// where it was.
    #[test]
    fn adding_a_rule_moves_no_other_priority() {
        let before = crate::prepare(crate::fixtures::multi_raw()).fleet;
        let mut raw = crate::fixtures::multi_raw();
        let mut extra = before
            .lpars
            .iter()
            .flat_map(|l| &l.stacks)
            .flat_map(|s| &s.rules)
            .next()
            .cloned()
            .map(|r| Rule { source: RuleSource::Script, ..r })
            .unwrap_or_else(|| panic!("the fixture has no rule"));
        let stack = &mut raw.lpars[0].stacks[0];
        extra.name = "A_NEW_RULE".into();
        extra.priority = None;
        extra.local_port = Some(PortRange::single(4711));
        stack.rules.push(extra);
        let after = crate::prepare(raw).fleet;
        let after = priorities(&after);
        for (name, priority) in priorities(&before) {
            assert!(
                after.contains(&(name.clone(), priority)),
                "{name} moved from {priority}: {after:?}"
            );
        }
        assert_eq!(after.len(), priorities(&before).len() + 1);
    }

    #[test]
    fn derived_names_fit_and_keep_long_names_apart() {
        assert_eq!(derived_name("PAYROLL", "_OUT"), "PAYROLL_OUT");
        let exact = "A".repeat(28);
        assert_eq!(derived_name(&exact, "_OUT"), format!("{exact}_OUT"));
        let a = derived_name("ABCDEFGHIJKLMNOPQRSTUVWXYZ01A", "_OUT");
        let b = derived_name("ABCDEFGHIJKLMNOPQRSTUVWXYZ01B", "_OUT");
        assert_ne!(a, b);
        for name in [&a, &b] {
            assert_eq!(name.chars().count(), 32, "{name}");
            assert!(name.starts_with("ABCDEFGHIJKLMNOPQRS_") && name.ends_with("_OUT"), "{name}");
        }
        assert_eq!(a, derived_name("ABCDEFGHIJKLMNOPQRSTUVWXYZ01A", "_OUT"), "deterministic");
    }

    #[test]
    fn stable_priorities_stay_inside_their_band() {
        for name in ["", "A", "PAYROLL_OUT", "x".repeat(32).as_str()] {
            for band in 0..12 {
                let p = stable_priority(band, name);
                assert!(p > (band + 1) * BAND && p < (band + 2) * BAND, "{name} {band} {p}");
                assert_eq!(p % STEP, 0);
            }
        }
    }
}

#[cfg(test)]
mod ca_links {
    use crate::fixtures;
    use zat_model::Origin;

    /// Requesters of one ring calling one server make the same link again and again: every
    /// connection expansion adds carries the origin of the first requester in fleet order
    /// whose link has that ring at either end (its line is where the user looks), and some
    /// connection is added. Which CAs cross over is `trust_is_no_wider_than_the_connections_need`
    /// (tests/it/connections.rs) on the example fleet.
    #[test]
    fn a_repeated_link_connects_once_with_the_first_requesters_origin() {
        let mut raw = fixtures::scaled_raw(6);
        let mut line = 1000;
        for requester in
            raw.lpars.iter_mut().flat_map(|l| &mut l.stacks).flat_map(|s| &mut s.api_requesters)
        {
            line += 1;
            requester.origin = Origin::new("fleet.rhai", line, 1);
        }
        let before: Vec<(String, String, usize)> = rings(&raw);
        let fleet = crate::prepare(raw.clone()).fleet;
        let mut added = 0;
        for db in &fleet.security_databases {
            for ring in &db.keyrings {
                let had = before
                    .iter()
                    .find(|(d, r, _)| {
                        *d == db.name && *r == format!("{}/{}", ring.owner, ring.name)
                    })
                    .map_or(0, |(_, _, n)| *n);
                for connection in ring.connections.iter().skip(had) {
                    added += 1;
                    // The first requester of this database, in fleet order, whose link has
                    // this ring at either end: its own, or its server's.
                    let this =
                        |r: &zat_model::RingRef| r.owner == ring.owner && r.name == ring.name;
                    let first = raw
                        .lpars
                        .iter()
                        .filter(|l| l.security_database == db.name)
                        .flat_map(|l| &l.stacks)
                        .flat_map(|s| &s.api_requesters)
                        .find(|r| {
                            let server = raw.zos_connect_server(&r.server);
                            this(&r.keyring)
                                || server.and_then(|s| s.keyring.as_ref()).is_some_and(this)
                        })
                        .map(|r| r.origin.line);
                    assert_eq!(
                        Some(connection.origin.line),
                        first,
                        "{}: {}",
                        db.name,
                        connection.label
                    );
                }
            }
        }
        assert!(added > 0, "the fixture links a server's CA chain into its requesters' ring");
    }

    fn rings(fleet: &zat_model::Fleet) -> Vec<(String, String, usize)> {
        fleet
            .security_databases
            .iter()
            .flat_map(|db| {
                db.keyrings.iter().map(|r| {
                    (db.name.clone(), format!("{}/{}", r.owner, r.name), r.connections.len())
                })
            })
            .collect()
    }
}
