//! Expansion: the seed's port rule, derived rules, ring readers, CA exchange, priorities.

use zat_core::{fixtures, prepare};
use zat_model::{Direction, RuleSource, Usage};

fn requester_rule_port(fleet: &zat_model::Fleet) -> (i64, i64) {
    let stack = &fleet.lpars[0].stacks[0];
    let requester = &stack.api_requesters[0];
    let expansion = requester.expansion.as_ref().expect("expansion fills every requester");
    let rule = stack.rules.iter().find(|r| r.name == expansion.rule).expect("derived rule exists");
    assert_eq!(rule.direction, Direction::Outbound);
    assert_eq!(rule.source, RuleSource::ApiRequester(requester.name.clone()));
    (expansion.baqport, rule.remote_port.expect("outbound rule has a remote port").low)
}

#[test]
fn seed_baqport_is_http_port_with_inbound_attls_and_equals_rule_port() {
    let prepared = fixtures::seed();
    assert!(!prepared.has_errors(), "{:#?}", prepared.diagnostics);
    assert_eq!(requester_rule_port(&prepared.fleet), (9080, 9080));
}

#[test]
fn flipping_inbound_attls_flips_both_ports_to_https() {
    let mut raw = fixtures::seed_raw();
    raw.zos_connect_servers[0].inbound_attls = false;
    let prepared = prepare(raw);
    assert_eq!(requester_rule_port(&prepared.fleet), (9443, 9443));
}

#[test]
fn seed_baquri_is_the_server_host() {
    let prepared = fixtures::seed();
    let requester = &prepared.fleet.lpars[0].stacks[0].api_requesters[0];
    assert_eq!(
        requester.expansion.as_ref().map(|e| e.baquri.as_str()),
        Some("zceeserver.mycom.com")
    );
}

#[test]
fn server_with_inbound_attls_in_the_fleet_gets_an_inbound_rule_on_its_stack() {
    let prepared = fixtures::multi();
    let sysa = prepared.fleet.lpar("SYSA").expect("SYSA");
    let inbound = sysa.stacks[0]
        .rules
        .iter()
        .find(|r| r.source == RuleSource::ZosConnectServer("ZCEEA".into()))
        .expect("inbound rule for ZCEEA");
    assert_eq!(inbound.direction, Direction::Inbound);
    assert_eq!(inbound.local_port.map(|p| p.low), Some(9080));
    // ZCEEB does TLS in Liberty: no inbound rule anywhere.
    assert!(
        prepared
            .fleet
            .lpars
            .iter()
            .flat_map(|l| &l.stacks)
            .flat_map(|s| &s.rules)
            .all(|r| { r.source != RuleSource::ZosConnectServer("ZCEEB".into()) })
    );
}

/// A server in the fleet behind AT-TLS must name its stack: without one, no stack's policy
/// gets its inbound rule while its server.xml opens the HTTP port in clear text.
#[test]
fn a_server_behind_attls_on_a_fleet_lpar_without_a_stack_is_an_error() {
    let mut raw = fixtures::multi_raw();
    let server = raw.zos_connect_servers.iter_mut().find(|s| s.name == "ZCEEA").expect("ZCEEA");
    server.stack = None;
    let prepared = prepare(raw.clone());
    let error = prepared
        .diagnostics
        .iter()
        .find(|d| d.code == "ZAT0131" && d.is_error())
        .unwrap_or_else(|| panic!("ZAT0131 expected: {:#?}", prepared.diagnostics));
    assert!(error.message.contains("names no stack"), "{}", error.message);
    assert!(error.help.as_deref().is_some_and(|h| h.contains("TCPIP")), "{error:?}");
    // Without AT-TLS in front of it, Liberty does TLS itself: no stack is needed.
    let server = raw.zos_connect_servers.iter_mut().find(|s| s.name == "ZCEEA").expect("ZCEEA");
    server.inbound_attls = false;
    let prepared = prepare(raw);
    assert!(
        !prepared.diagnostics.iter().any(|d| d.code == "ZAT0131"),
        "{:#?}",
        prepared.diagnostics
    );
}

#[test]
fn cas_are_exchanged_between_requester_and_server_rings_in_one_database() {
    let prepared = fixtures::multi();
    let db = prepared.fleet.security_database("PLEXA").expect("PLEXA");
    let server_ring = db.keyring("ZCSRV", "ZCSRVRING").expect("server ring");
    assert!(
        server_ring.connections.iter().any(|c| c.label == "PLEXACA" && c.usage == Usage::Certauth),
        "server ring trusts the requester's CA: {:#?}",
        server_ring.connections
    );
}

#[test]
fn every_rule_gets_a_unique_priority_per_stack() {
    let prepared = fixtures::multi();
    for lpar in &prepared.fleet.lpars {
        for stack in &lpar.stacks {
            let mut priorities: Vec<i64> =
                stack.rules.iter().map(|r| r.priority.expect("assigned")).collect();
            let count = priorities.len();
            priorities.sort_unstable();
            priorities.dedup();
            assert_eq!(priorities.len(), count, "ties on {}/{}", lpar.name, stack.name);
        }
    }
}

#[test]
fn a_more_specific_rule_outranks_a_general_one() {
    let prepared = fixtures::multi();
    let sysa = prepared.fleet.lpar("SYSA").expect("SYSA");
    let rules = &sysa.stacks[0].rules;
    let inbound = rules.iter().find(|r| r.direction == Direction::Inbound).expect("inbound");
    let outbound = rules.iter().find(|r| r.direction == Direction::Outbound).expect("outbound");
    // The outbound rule names job, user, address and port; the inbound one job and port.
    assert!(outbound.priority > inbound.priority);
}

/// Ring access is derived once, in the model: the highest level any ring asks for, the first
/// ring that asks, owners READ and other readers UPDATE on FACILITY, READ on RDATALIB.
#[test]
fn ring_access_takes_the_highest_level_and_the_first_ring() {
    use zat_model::{AccessLevel, GrantClass, RingAccess, profiles};
    let mut raw = fixtures::seed_raw();
    let db = &mut raw.security_databases[0];
    let owner = db.keyrings[0].owner.clone();
    let mut second = db.keyrings[0].clone();
    second.name = "Second".to_owned();
    second.readers = vec!["CLI".to_owned()];
    let mut shared = db.keyrings[0].clone();
    shared.name = "Shared".to_owned();
    shared.access = RingAccess::Rdatalib;
    shared.readers = vec!["APP".to_owned()];
    db.keyrings[0].readers = vec!["CLI".to_owned()];
    db.keyrings.push(second);
    db.keyrings.push(shared);
    let prepared = prepare(raw);
    let db = &prepared.fleet.security_databases[0];
    let first = db.keyrings[0].reference();
    let find = |profile: &str, user: &str| {
        db.ring_access
            .iter()
            .find(|g| g.profile == profile && g.user == user)
            .map(|g| (g.class, g.access, g.ring.clone()))
    };
    assert_eq!(
        find(profiles::LIST, "CLI"),
        Some((GrantClass::Facility, AccessLevel::Update, first.clone()))
    );
    assert_eq!(
        find(profiles::LISTRING, &owner),
        Some((GrantClass::Facility, AccessLevel::Read, first))
    );
    let lst = profiles::rdatalib(&owner, "Shared");
    assert_eq!(lst, format!("{}.SHARED.LST", owner.to_ascii_uppercase()));
    assert_eq!(
        find(&lst, "APP").map(|g| (g.0, g.1)),
        Some((GrantClass::Rdatalib, AccessLevel::Read))
    );
    assert_eq!(find(&lst, &owner).map(|g| g.1), Some(AccessLevel::Read));
    // One grant per (profile, user), sorted.
    let keys: Vec<_> = db.ring_access.iter().map(|g| (g.class, &g.profile, &g.user)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted);
}

/// Every TTLS stack gets its EZB.INITSTACK profile with the Policy Agent user first and no
/// repeats; a stack without TTLS gets none.
#[test]
fn initstack_access_is_expanded_per_ttls_stack() {
    let mut raw = fixtures::seed_raw();
    let pagent = raw.lpars[0].pagent.userid.clone();
    raw.lpars[0].stacks[0].initstack_users =
        vec!["OMPROUTE".to_owned(), pagent.clone(), "OMPROUTE".to_owned()];
    let mut plain = raw.lpars[0].stacks[0].clone();
    plain.name = "TCPB".to_owned();
    plain.ttls = false;
    plain.rules.clear();
    plain.api_requesters.clear();
    raw.lpars[0].stacks.push(plain);
    let prepared = prepare(raw);
    let lpar = &prepared.fleet.lpars[0];
    let access = lpar.stacks[0].initstack.as_ref().expect("a TTLS stack has INITSTACK access");
    assert_eq!(access.profile, format!("EZB.INITSTACK.{}.{}", lpar.name, lpar.stacks[0].name));
    assert_eq!(access.users, vec![pagent, "OMPROUTE".to_owned()]);
    assert_eq!(lpar.stacks[1].initstack, None);
}
