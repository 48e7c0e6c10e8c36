//! Cross-artefact consistency: what one emitter's file names must exist in another's.
//!
//! The emitters render independently, so a name that one file uses and another file must
//! create is checked here, once, before anything is written:
//! - a key ring or certificate label named by an AT-TLS rule (policy file), an API requester
//!   (its outbound rule) or a z/OS Connect server (`server.xml`) exists in the security
//!   database of the LPAR that uses it: the ring with that owner, the label connected to it
//!   (the security job creates exactly those);
//! - the BAQPORT written to CEEOPTS is the remote port of the requester's outbound rule on
//!   the same stack, and that rule is outbound and enabled on a stack with TTLS on;
//! - a stack with TTLS on has rules (else Policy Agent installs an empty policy, EZZ4249I),
//!   and a Policy Agent user exists to be permitted to its `EZB.INITSTACK` profile;
//! - a z/OS Connect server protected by inbound AT-TLS runs on a stack with TTLS on, and one
//!   without it has what Liberty needs for its own TLS.
//!
//! Codes ZAT0301-ZAT0349; each diagnostic carries the object path and the origin of the object
//! that names the missing thing (the rule, the requester or the server).

use zat_model::{
    ApiRequester, ByName, Diagnostic, Direction, Fleet, Lpar, PortRange, RingRef, Rule, RuleSource,
    SecurityDatabase, Stack, ZosConnectServer,
};

/// A rule's key ring is not in the LPAR's security database.
const RULE_RING: &str = "ZAT0301";
/// A rule's certificate label is not connected to its ring.
const RULE_LABEL: &str = "ZAT0302";
/// An API requester's key ring is not in the LPAR's security database.
const REQUESTER_RING: &str = "ZAT0303";
/// An API requester's client label is not connected to its ring.
const REQUESTER_LABEL: &str = "ZAT0304";
/// A z/OS Connect server's key ring is not in its LPAR's security database.
const SERVER_RING: &str = "ZAT0305";
/// A z/OS Connect server's label is not connected to its ring.
const SERVER_LABEL: &str = "ZAT0306";
/// An API requester has no expansion: no outbound rule, no CEEOPTS values.
const NOT_EXPANDED: &str = "ZAT0307";
/// The requester's outbound rule is missing from its stack, or is not an enabled outbound rule.
const REQUESTER_RULE: &str = "ZAT0308";
/// BAQPORT differs from the outbound rule's remote port.
const BAQPORT_MISMATCH: &str = "ZAT0309";
/// A requester's stack has TTLS off: its outbound rule never applies, traffic goes in clear.
const REQUESTER_NO_TTLS: &str = "ZAT0310";
/// A stack with TTLS on has no rules (warning).
const STACK_NO_RULES: &str = "ZAT0311";
/// A stack with TTLS on, but the LPAR's Policy Agent has no user to permit to EZB.INITSTACK.
const NO_PAGENT_USER: &str = "ZAT0312";
/// A z/OS Connect server with inbound AT-TLS runs on a stack with TTLS off.
const SERVER_NO_TTLS: &str = "ZAT0313";
/// A z/OS Connect server without inbound AT-TLS has no ring or label for Liberty's TLS.
const SERVER_NO_TLS: &str = "ZAT0314";

pub(crate) fn check(fleet: &Fleet, diagnostics: &mut Vec<Diagnostic>) {
    // Every LPAR and server looks its database up: by hash, not a scan of the fleet.
    let names = ByName::new(fleet);
    for lpar in &fleet.lpars {
        // Looked up once for the LPAR's rules and requesters. An undefined database is
        // reported by validation (ZAT0130, at the LPAR); nothing the LPAR names can be
        // checked against it, and saying so again would report one mistake twice.
        let Some(db) = names.security_database(&lpar.security_database) else { continue };
        let ttls_stacks = lpar.stacks.iter().filter(|stack| stack.ttls).count();
        if ttls_stacks > 0 && lpar.pagent.userid.trim().is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    NO_PAGENT_USER,
                    "a stack has TTLS on but Policy Agent has no user ID to permit to EZB.INITSTACK",
                )
                .object(format!("lpar {}", lpar.name))
                .at(&lpar.origin)
                .help("give the lpar's Policy Agent a user ID"),
            );
        }
        for stack in &lpar.stacks {
            check_stack(&names, lpar, db, stack, diagnostics);
        }
    }
    for server in &fleet.zos_connect_servers {
        check_server(&names, server, diagnostics);
    }
}

fn check_stack(
    fleet: &ByName<'_>,
    lpar: &Lpar,
    db: &SecurityDatabase,
    stack: &Stack,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let object = format!("lpar {} / stack {}", lpar.name, stack.name);
    if stack.ttls && stack.rules.is_empty() {
        diagnostics.push(
            Diagnostic::warning(
                STACK_NO_RULES,
                "stack has TTLS on but no AT-TLS rules: Policy Agent installs an empty policy (EZZ4249I) and nothing is protected",
            )
            .object(object.clone())
            .at(&stack.origin)
            .help("add rules or API requesters to the stack, or turn TTLS off"),
        );
    }
    for rule in &stack.rules {
        let Some(ring) = &rule.keyring else { continue };
        let object = format!("{object} / rule {}", rule.name);
        let (ring_code, label_code) = match rule.source {
            // Derived rules carry the requester's or server's origin; their own checks
            // below report the ring, so a derived rule adds nothing twice.
            RuleSource::ApiRequester(_) | RuleSource::ZosConnectServer(_) => continue,
            RuleSource::Script => (RULE_RING, RULE_LABEL),
        };
        let names = Names { ring, label: rule.certificate_label.as_deref(), object: &object };
        names.check(db, lpar, (ring_code, label_code), &rule.origin, diagnostics);
    }
    for requester in &stack.api_requesters {
        check_requester(fleet, lpar, db, stack, requester, diagnostics);
    }
}

fn check_requester(
    fleet: &ByName<'_>,
    lpar: &Lpar,
    db: &SecurityDatabase,
    stack: &Stack,
    requester: &ApiRequester,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let object =
        format!("lpar {} / stack {} / api_requester {}", lpar.name, stack.name, requester.name);
    let origin = &requester.origin;
    let names = Names {
        ring: &requester.keyring,
        label: requester.client_label.as_deref(),
        object: &object,
    };
    names.check(db, lpar, (REQUESTER_RING, REQUESTER_LABEL), origin, diagnostics);
    if !stack.ttls {
        diagnostics.push(
            Diagnostic::error(
                REQUESTER_NO_TTLS,
                format!("api requester's stack {} has TTLS off: its outbound rule never applies and the call goes in clear text", stack.name),
            )
            .object(object.clone())
            .at(origin)
            .help("turn TTLS on for the stack"),
        );
    }
    let Some(expansion) = &requester.expansion else {
        if fleet.zos_connect_server(&requester.server).is_none() {
            // Not expanded because its server is not defined: reported by expansion
            // (ZAT0130); no rule or CEEOPTS values is that mistake's consequence, not another.
            return;
        }
        diagnostics.push(
            Diagnostic::error(
                NOT_EXPANDED,
                "api requester has no outbound rule and no CEEOPTS values",
            )
            .object(object)
            .at(origin)
            .help("check the earlier diagnostics of this requester (its server must be defined)"),
        );
        return;
    };
    let mut named = stack.rules.iter().filter(|rule| rule.name == expansion.rule);
    let rule = named.next();
    if named.next().is_some() {
        // Two rules of that name: validation reports the clash (ZAT0120) with the requester.
        return;
    }
    let Some(rule) = rule.filter(|rule| is_enabled_outbound(rule)) else {
        diagnostics.push(
            Diagnostic::error(
                REQUESTER_RULE,
                format!(
                    "CEEOPTS relies on outbound rule `{}`, which stack {} does not have as an enabled outbound rule",
                    expansion.rule, stack.name
                ),
            )
            .object(object)
            .at(origin)
            .help("do not define a rule of the same name by hand; let the requester derive it"),
        );
        return;
    };
    if rule.remote_port != Some(PortRange::single(expansion.baqport)) {
        let port = rule.remote_port.map_or_else(|| "any".to_owned(), |port| port.to_string());
        diagnostics.push(
            Diagnostic::error(
                BAQPORT_MISMATCH,
                format!(
                    "CEEOPTS BAQPORT {} differs from remote port {port} of outbound rule `{}`",
                    expansion.baqport, rule.name
                ),
            )
            .object(object)
            .at(origin)
            .help("AT-TLS would not protect the call: BAQPORT and the rule's remote port must be the same single port"),
        );
    }
}

fn is_enabled_outbound(rule: &Rule) -> bool {
    rule.enabled && matches!(rule.direction, Direction::Outbound | Direction::Both)
}

fn check_server(names: &ByName<'_>, server: &ZosConnectServer, diagnostics: &mut Vec<Diagnostic>) {
    let Some(lpar) = server.lpar.as_deref().and_then(|name| names.lpar(name)) else {
        // Outside the fleet, or an unknown LPAR (reported by validation).
        return;
    };
    let Some(db) = names.security_database(&lpar.security_database) else {
        return;
    };
    let object = format!("zos_connect_server {}", server.name);
    let origin = &server.origin;
    if let Some(ring) = &server.keyring {
        let names = Names { ring, label: server.server_label.as_deref(), object: &object };
        names.check(db, lpar, (SERVER_RING, SERVER_LABEL), origin, diagnostics);
    }
    let stack =
        server.stack.as_deref().and_then(|name| lpar.stacks.iter().find(|s| s.name == name));
    if server.inbound_attls {
        if let Some(stack) = stack.filter(|stack| !stack.ttls) {
            diagnostics.push(
                Diagnostic::error(
                    SERVER_NO_TTLS,
                    format!("server relies on inbound AT-TLS but stack {} on {} has TTLS off: Liberty would serve clear text", stack.name, lpar.name),
                )
                .object(object)
                .at(origin)
                .help("turn TTLS on for the server's stack"),
            );
        }
    } else if server.keyring.is_none() || server.server_label.is_none() {
        diagnostics.push(
            Diagnostic::error(
                SERVER_NO_TLS,
                "server has no inbound AT-TLS policy, so Liberty does TLS and needs a key ring and a server label for server.xml",
            )
            .object(object)
            .at(origin)
            .help("give the server `keyring` and `server_label`, or set `inbound_attls`"),
        );
    }
}

/// A ring and an optional label that some object names, checked against the database of the
/// LPAR that uses them.
struct Names<'a> {
    ring: &'a RingRef,
    label: Option<&'a str>,
    object: &'a str,
}

impl Names<'_> {
    /// `db` is the database `lpar` uses.
    fn check(
        &self,
        db: &SecurityDatabase,
        lpar: &Lpar,
        (ring_code, label_code): (&str, &str),
        origin: &zat_model::Origin,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let database = &lpar.security_database;
        let Some(ring) = db.keyring(&self.ring.owner, &self.ring.name) else {
            let other_owner = db.keyrings.iter().find(|ring| ring.name == self.ring.name);
            let help = match other_owner {
                Some(found) => format!(
                    "security database {database} has ring {} with owner {}: ring owner and name must both match, case included",
                    found.name, found.owner
                ),
                None => format!(
                    "define the ring in security database {database}, which lpar {} uses",
                    lpar.name
                ),
            };
            diagnostics.push(
                Diagnostic::error(
                    ring_code,
                    format!("key ring {} is not in security database {database}", self.ring),
                )
                .object(self.object)
                .at(origin)
                .help(help),
            );
            return;
        };
        if let Some(label) = self.label
            && !ring.connections.iter().any(|connection| connection.label == label)
        {
            diagnostics.push(
                Diagnostic::error(
                    label_code,
                    format!("certificate `{label}` is not connected to key ring {}", self.ring),
                )
                .object(self.object)
                .at(origin)
                .help("connect the certificate to the ring (labels are case-sensitive)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn codes(fleet: &Fleet) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        check(fleet, &mut diagnostics);
        diagnostics
    }

    /// Exactly one diagnostic, with this code, at this line of this fixture file.
    fn assert_one(fleet: &Fleet, code: &str, file: &str, line: u32) {
        let diagnostics = codes(fleet);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
        let found = &diagnostics[0];
        assert_eq!(found.code, code, "{found}");
        let origin = found.origin.as_ref().expect("origin");
        assert_eq!((&*origin.file, origin.line), (file, line), "{found}");
        assert!(!found.object.is_empty(), "{found}");
    }

    fn seed() -> Fleet {
        fixtures::seed().fleet
    }

    fn multi() -> Fleet {
        fixtures::multi().fleet
    }

    #[test]
    fn fixtures_are_consistent() {
        assert_eq!(codes(&seed()), []);
        assert_eq!(codes(&multi()), []);
    }

    #[test]
    fn rule_ring_missing() {
        let mut fleet = seed();
        let mut rule = fleet.lpars[0].stacks[0].rules[0].clone();
        rule.name = "HANDMADE".into();
        rule.source = RuleSource::Script;
        rule.priority = Some(1);
        rule.keyring =
            Some(RingRef { owner: "OMVSADM".into(), name: "zoscONN-APIR-KEYRING".into() });
        rule.origin = zat_model::Origin::new("seed.rhai", 30, 5);
        fleet.lpars[0].stacks[0].rules.push(rule);
        assert_one(&fleet, RULE_RING, "seed.rhai", 30);
    }

    #[test]
    fn rule_label_not_connected() {
        let mut fleet = seed();
        let mut rule = fleet.lpars[0].stacks[0].rules[0].clone();
        rule.source = RuleSource::Script;
        rule.certificate_label = Some("NOSUCHCERT".into());
        rule.origin = zat_model::Origin::new("seed.rhai", 31, 5);
        fleet.lpars[0].stacks[0].rules[0] = rule;
        assert_one(&fleet, RULE_LABEL, "seed.rhai", 31);
    }

    #[test]
    fn requester_ring_in_another_database() {
        // PLEXB's ring exists, but SYSA uses PLEXA: rings are per security database.
        let mut fleet = multi();
        fleet.security_databases[0].keyrings.retain(|ring| ring.name != "PayRing");
        let diagnostics = codes(&fleet);
        let requester: Vec<_> = diagnostics.iter().filter(|d| d.code == REQUESTER_RING).collect();
        // SYSA has one requester, SYSB two: each names the missing ring at its own line.
        let lines: Vec<u32> =
            requester.iter().filter_map(|d| d.origin.as_ref().map(|o| o.line)).collect();
        assert_eq!(lines, [52, 62, 64], "{diagnostics:#?}");
        assert!(requester[0].object.ends_with("api_requester PAYROLL"));
    }

    #[test]
    fn requester_label_not_connected() {
        let mut fleet = seed();
        fleet.lpars[0].stacks[0].api_requesters[0].client_label = Some("zosconncert".into());
        assert_one(&fleet, REQUESTER_LABEL, "seed.rhai", 21);
    }

    #[test]
    fn server_ring_missing() {
        let mut fleet = multi();
        fleet.zos_connect_servers[1].keyring =
            Some(RingRef { owner: "ZCSRV".into(), name: "OTHERRING".into() });
        assert_one(&fleet, SERVER_RING, "multi.rhai", 45);
    }

    #[test]
    fn server_label_not_connected() {
        let mut fleet = multi();
        fleet.zos_connect_servers[1].server_label = Some("PAYCLIENT".into());
        assert_one(&fleet, SERVER_LABEL, "multi.rhai", 45);
    }

    #[test]
    fn requester_not_expanded() {
        let mut fleet = seed();
        fleet.lpars[0].stacks[0].api_requesters[0].expansion = None;
        assert_one(&fleet, NOT_EXPANDED, "seed.rhai", 21);
    }

    #[test]
    fn requester_rule_gone() {
        let mut fleet = seed();
        fleet.lpars[0].stacks[0].rules[0].direction = Direction::Inbound;
        assert_one(&fleet, REQUESTER_RULE, "seed.rhai", 21);
    }

    #[test]
    fn baqport_differs_from_rule() {
        let mut fleet = seed();
        let requester = &mut fleet.lpars[0].stacks[0].api_requesters[0];
        requester.expansion.as_mut().expect("expanded").baqport = 9443;
        assert_one(&fleet, BAQPORT_MISMATCH, "seed.rhai", 21);
    }

    #[test]
    fn requester_on_stack_without_ttls() {
        let mut fleet = seed();
        fleet.lpars[0].stacks[0].ttls = false;
        assert_one(&fleet, REQUESTER_NO_TTLS, "seed.rhai", 21);
    }

    #[test]
    fn ttls_stack_without_rules() {
        let mut fleet = seed();
        let mut empty = fleet.lpars[0].stacks[0].clone();
        empty.name = "TCPIPX".into();
        empty.rules.clear();
        empty.api_requesters.clear();
        empty.origin = zat_model::Origin::new("seed.rhai", 40, 1);
        fleet.lpars[0].stacks.push(empty);
        assert_one(&fleet, STACK_NO_RULES, "seed.rhai", 40);
    }

    #[test]
    fn ttls_without_pagent_user() {
        let mut fleet = seed();
        fleet.lpars[0].pagent.userid = String::new();
        assert_one(&fleet, NO_PAGENT_USER, "seed.rhai", 19);
    }

    #[test]
    fn attls_server_on_stack_without_ttls() {
        let mut fleet = multi();
        let stack = &mut fleet.lpars[0].stacks[0];
        stack.ttls = false;
        // Keep only the server's own check: the requester on that stack is moved away.
        stack.api_requesters.clear();
        assert_one(&fleet, SERVER_NO_TTLS, "multi.rhai", 40);
    }

    #[test]
    fn liberty_tls_server_without_ring() {
        let mut fleet = multi();
        fleet.zos_connect_servers[1].keyring = None;
        assert_one(&fleet, SERVER_NO_TLS, "multi.rhai", 45);
    }

    #[test]
    fn lpar_on_undefined_database_is_left_to_validation() {
        let mut fleet = seed();
        fleet.lpars[0].security_database = "NOPE".into();
        let mut found = Vec::new();
        check(&fleet, &mut found);
        assert_eq!(found, Vec::new());
    }
}
