//! Whether an API requester and the z/OS Connect server it calls, both in the fleet, can ever
//! complete a handshake: each side trusts a CA of the certificate the other presents
//! (ZAT0181), and two AT-TLS ends share a TLS version and a cipher suite usable with it
//! (ZAT0182).
//!
//! Expansion connects the CAs each side needs when both rings are in one security database
//! (`link_cas`); across databases the script imports and connects them itself, and nothing
//! else would notice a missing one before every handshake failed. Both checks stay quiet when
//! the fleet cannot prove the failure: a CA imported from a data set the fleet does not
//! write, a certificate that exists already (its signer is unknown), a server outside the
//! fleet, or a server whose TLS Liberty does (its protocols and suites are not in the model).

use std::collections::{HashMap, HashSet};

use zat_model::{
    ApiRequester, ByName, CertSource, Diagnostic, Fleet, Keyring, Lpar, Protocols,
    SecurityDatabase, SecurityLevel, Stack, Usage, ZosConnectServer,
};

/// A side cannot verify the certificate the other side presents.
const UNTRUSTED: &str = "ZAT0181";
/// Two AT-TLS ends share no TLS version, or no cipher suite for a version they share.
const NO_AGREEMENT: &str = "ZAT0182";

pub(crate) fn check(fleet: &Fleet, names: &ByName<'_>, out: &mut Vec<Diagnostic>) {
    let identities = Identities::new(fleet);
    // One ring pair (or level pair) repeats for each requester that shares it, and a large
    // fleet has thousands: one mistake is reported once, at the first requester, as
    // `link_cas` connects it once.
    let mut trust_done: HashSet<(String, String, Option<String>, String)> = HashSet::new();
    let mut levels_done: HashSet<(String, String)> = HashSet::new();
    for lpar in &fleet.lpars {
        for stack in &lpar.stacks {
            for requester in &stack.api_requesters {
                let Some(server) = names.zos_connect_server(&requester.server) else { continue };
                let Some(server_lpar) = server.lpar.as_deref().and_then(|l| names.lpar(l)) else {
                    continue;
                };
                let pair = Pair { lpar, stack, requester, server, server_lpar };
                if trust_done.insert((
                    lpar.security_database.clone(),
                    requester.keyring.to_string(),
                    requester.client_label.as_deref().map(str::to_owned),
                    server.name.clone(),
                )) {
                    check_trust(names, &identities, &pair, out);
                }
                // A stack with TTLS off applies no rule (ZAT0310): its requesters say nothing
                // of the level pair.
                if stack.ttls
                    && levels_done.insert((requester.level.to_string(), server.name.clone()))
                {
                    check_levels(names, &pair, out);
                }
            }
        }
    }
}

/// A requester and its server, both in the fleet.
struct Pair<'f> {
    lpar: &'f Lpar,
    stack: &'f Stack,
    requester: &'f ApiRequester,
    server: &'f ZosConnectServer,
    server_lpar: &'f Lpar,
}

impl Pair<'_> {
    fn object(&self) -> String {
        format!(
            "lpar {} / stack {} / api_requester {}",
            self.lpar.name, self.stack.name, self.requester.name
        )
    }
}

/// A certificate of the fleet: database and certificate by position.
type CertId = (usize, usize);

/// What a certificate is, across databases.
///
/// A CA imported into a second database (`import_ca`) is known by its label and the data set
/// it is added from; the model keeps no subject, key or signer for it. Its label proves
/// nothing: a label is a name within one database, so the same certificate may carry another
/// label elsewhere, and two different CAs may share one. What the model does link is the data
/// set: a certificate of the fleet exported to the data set an import reads is the certificate
/// that import adds (the jobs write it there, and the import's job reads it back; expansion
/// has already put both names under the site's qualifier). So an import is the certificate
/// whose export it reads, followed through further imports; an import of a data set the
/// fleet does not write is unknown, and so is one that several certificates are exported to.
/// A generated certificate is itself. One that exists already is itself within its database
/// (a database holds a certificate under one label), but may be a copy of any certificate of
/// another database, which the fleet cannot tell.
struct Identities<'f> {
    databases: &'f [SecurityDatabase],
    positions: HashMap<&'f str, usize>,
    /// Data set name (upper case) to the certificates exported to it.
    exports: HashMap<String, Vec<CertId>>,
}

/// Whether two certificates are the same one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Same {
    Yes,
    No,
    Unknown,
}

impl<'f> Identities<'f> {
    fn new(fleet: &'f Fleet) -> Self {
        let mut positions = HashMap::new();
        let mut exports: HashMap<String, Vec<CertId>> = HashMap::new();
        for (d, db) in fleet.security_databases.iter().enumerate() {
            positions.entry(db.name.as_str()).or_insert(d);
            for (c, cert) in db.certificates.iter().enumerate() {
                if let Some(dsn) = cert.exported_to() {
                    exports.entry(dsn.to_ascii_uppercase()).or_default().push((d, c));
                }
            }
        }
        Identities { databases: &fleet.security_databases, positions, exports }
    }

    fn database(&self, name: &str) -> Option<usize> {
        self.positions.get(name).copied()
    }

    fn cert(&self, (d, c): CertId) -> &'f zat_model::Certificate {
        &self.databases[d].certificates[c]
    }

    fn find(&self, database: usize, label: &str) -> Option<CertId> {
        let at = self.databases[database].certificates.iter().position(|c| c.label == label)?;
        Some((database, at))
    }

    /// The certificate `label` of `database` is, followed through imports; `None` when that
    /// cannot be known (see [`Identities`]).
    fn origin(&self, database: usize, label: &str) -> Option<CertId> {
        let mut id = self.find(database, label)?;
        let mut seen = vec![id];
        while let CertSource::Import { dsn } = &self.cert(id).source {
            let [from] = self.exports.get(&dsn.to_ascii_uppercase())?.as_slice() else {
                return None;
            };
            if seen.contains(from) {
                return None;
            }
            seen.push(*from);
            id = *from;
        }
        Some(id)
    }

    fn same(&self, a: CertId, b: CertId) -> Same {
        if a == b {
            return Same::Yes;
        }
        let existing = |id| matches!(self.cert(id).source, CertSource::Existing);
        if a.0 != b.0 && (existing(a) || existing(b)) {
            return Same::Unknown;
        }
        Same::No
    }

    /// The CAs that signed `id`, nearest first, and whether the chain is known up to its
    /// root: a CA that exists already has an unknown signer, and so does an import the fleet
    /// cannot follow.
    fn signers(&self, id: CertId) -> (Vec<CertId>, bool) {
        let mut chain: Vec<CertId> = Vec::new();
        let mut at = id;
        loop {
            let cert = self.cert(at);
            if matches!(cert.source, CertSource::Existing) {
                return (chain, false);
            }
            let Some(signer) = &cert.signer else { return (chain, true) };
            let Some(next) = self.origin(at.0, signer) else { return (chain, false) };
            if next == id || chain.contains(&next) {
                // A loop in the model: reported where the signer is checked.
                return (chain, false);
            }
            chain.push(next);
            at = next;
        }
    }

    /// The label and database of a certificate, as a message names it.
    fn name(&self, (d, c): CertId) -> String {
        format!(
            "{} of database {}",
            self.databases[d].certificates[c].label, self.databases[d].name
        )
    }
}

/// Whether a ring trusts a certificate whose signers are `chain` (closed: known to its root).
enum Trust {
    Yes,
    No,
    /// The fleet cannot tell: say nothing.
    Unknown,
}

fn trusts(
    ids: &Identities<'_>,
    database: usize,
    ring: &Keyring,
    chain: &[CertId],
    closed: bool,
) -> Trust {
    let mut unknown = !closed;
    for connection in &ring.connections {
        let Some(anchor) = ids.origin(database, &connection.label) else {
            // An import of a data set the fleet does not write: it may be any CA.
            unknown = true;
            continue;
        };
        for &member in chain {
            match (ids.same(anchor, member), connection.usage) {
                // RACF trusts what a ring holds as CERTAUTH or SITE.
                (Same::Yes, Usage::Certauth | Usage::Site) => return Trust::Yes,
                // A CA of the chain connected as PERSONAL: whether System SSL takes it as a
                // trust anchor is not what this check is for.
                (Same::Yes, Usage::Personal) | (Same::Unknown, _) => unknown = true,
                (Same::No, _) => {}
            }
        }
    }
    if unknown { Trust::Unknown } else { Trust::No }
}

/// The certificate a side presents: the label it names, else its ring's DEFAULT.
fn presented<'r>(ring: &'r Keyring, label: Option<&'r str>) -> Option<&'r str> {
    label.or_else(|| ring.default_connection().map(|c| c.label.as_str()))
}

fn check_trust(
    names: &ByName<'_>,
    ids: &Identities<'_>,
    pair: &Pair<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let (requester, server) = (pair.requester, pair.server);
    let Some(server_ring_ref) = &server.keyring else { return };
    // Databases, rings and labels that do not exist are reported by their own checks
    // (ZAT0130, ZAT0303-ZAT0306, ZAT0314): nothing to say here.
    let (Some(req_db), Some(srv_db)) = (
        names.security_database(&pair.lpar.security_database),
        names.security_database(&pair.server_lpar.security_database),
    ) else {
        return;
    };
    let (Some(req_at), Some(srv_at)) = (ids.database(&req_db.name), ids.database(&srv_db.name))
    else {
        return;
    };
    let (Some(req_ring), Some(srv_ring)) = (
        req_db.keyring(&requester.keyring.owner, &requester.keyring.name),
        srv_db.keyring(&server_ring_ref.owner, &server_ring_ref.name),
    ) else {
        return;
    };
    let object = pair.object();

    // The requester verifies the server's certificate.
    if let Some(label) = presented(srv_ring, server.server_label.as_deref())
        && let Some(cert) = ids.find(srv_at, label)
        && ids.cert(cert).signer.is_some()
    {
        let (chain, closed) = ids.signers(cert);
        if let Trust::No = trusts(ids, req_at, req_ring, &chain, closed) {
            out.push(
                Diagnostic::error(
                    UNTRUSTED,
                    format!(
                        "ring {} (database {}) holds no CA of the chain of {}, the certificate z/OS Connect server `{}` presents from ring {} ({}): the requester cannot verify the server, so every handshake fails",
                        requester.keyring,
                        req_db.name,
                        label,
                        server.name,
                        server_ring_ref,
                        chain_names(ids, &chain),
                    ),
                )
                .object(object.clone())
                .at(&requester.origin)
                .help(connect_help(ids, req_at, &requester.keyring.to_string(), &chain)),
            );
        }
    }

    // The server verifies the requester's certificate, when it asks for one.
    if !server.client_auth || !verifies_clients(names, server) {
        return;
    }
    let Some(label) = presented(req_ring, requester.client_label.as_deref()) else {
        if requires_client_certificate(names, server) {
            out.push(
                Diagnostic::error(
                    UNTRUSTED,
                    format!(
                        "z/OS Connect server `{}` asks for a client certificate (client_auth), but ring {} has no DEFAULT certificate and the requester names no client_label: every handshake fails",
                        server.name, requester.keyring,
                    ),
                )
                .object(object)
                .at(&requester.origin)
                .help("connect the requester's certificate to its ring as DEFAULT (`ring.connect_default(cert)`) or name it with `client_label`"),
            );
        }
        return;
    };
    let Some(cert) = ids.find(req_at, label) else { return };
    if ids.cert(cert).signer.is_none() {
        // Self-signed: ZAT0166 says a peer trusts it only if it holds it.
        return;
    }
    let (chain, closed) = ids.signers(cert);
    if let Trust::No = trusts(ids, srv_at, srv_ring, &chain, closed) {
        out.push(
            Diagnostic::error(
                UNTRUSTED,
                format!(
                    "ring {} of z/OS Connect server `{}` (database {}) holds no CA of the chain of {}, the client certificate the requester presents from ring {} ({}): the server asks for client certificates (client_auth) and cannot verify this one, so every handshake fails",
                    server_ring_ref,
                    server.name,
                    srv_db.name,
                    label,
                    requester.keyring,
                    chain_names(ids, &chain),
                ),
            )
            .object(object)
            .at(&requester.origin)
            .help(connect_help(ids, srv_at, &server_ring_ref.to_string(), &chain)),
        );
    }
}

/// `signed by A (database X)`, then the CAs above it, up to the root.
fn chain_names(ids: &Identities<'_>, chain: &[CertId]) -> String {
    let names: Vec<String> = chain.iter().map(|&id| ids.name(id)).collect();
    match names.split_first() {
        Some((first, [])) => format!("signed by {first}"),
        Some((first, rest)) => format!("signed by {first}, then {}", rest.join(", ")),
        None => String::new(),
    }
}

/// Which `ring.connect(...)` adds a CA of `chain` to `ring` in database `target`: one of the
/// chain already in that database, else an import from the data set one is exported to,
/// else the export and import that make it travel.
fn connect_help(ids: &Identities<'_>, target: usize, ring: &str, chain: &[CertId]) -> String {
    let database = &ids.databases[target].name;
    let here = ids.databases[target].certificates.iter().find(|cert| {
        cert.is_ca()
            && ids
                .origin(target, &cert.label)
                .is_some_and(|id| chain.iter().any(|&member| ids.same(id, member) == Same::Yes))
    });
    if let Some(cert) = here {
        let made = match &cert.source {
            CertSource::Import { .. } => format!("db.import_ca(\"{}\", ...)", cert.label),
            CertSource::Generate => format!("db.certificate_authority(\"{}\", ...)", cert.label),
            CertSource::Existing => {
                format!("db.existing_certificate(\"CERTAUTH\", \"{}\")", cert.label)
            }
        };
        return format!(
            "database {database} has CA `{}` already: connect it to ring {ring} with `ring.connect(ca)`, where `ca` is what `{made}` returned",
            cert.label
        );
    }
    let exported = chain.iter().find_map(|&id| {
        let cert = ids.cert(id);
        cert.exported_to().map(|dsn| (cert.label.as_str(), dsn))
    });
    if let Some((label, dsn)) = exported {
        return format!(
            "import CA `{label}` into database {database} from the data set it is exported to and connect it to ring {ring}: `let ca = db.import_ca(\"{label}\", #{{ dsn: \"{dsn}\" }}); ring.connect(ca);`"
        );
    }
    let root = chain.last().map_or_else(String::new, |&id| ids.name(id));
    format!(
        "export CA {root} (`ca.export_to(#{{ dsn: ... }})`), import it into database {database} (`db.import_ca(label, #{{ dsn: ... }})`) and connect it to ring {ring} with `ring.connect(...)`"
    )
}

/// Whether the server checks a client certificate it receives: AT-TLS with `ClientAuthType
/// PassThru` takes it unchecked; Liberty's `clientAuthentication` and every other AT-TLS type
/// check it.
fn verifies_clients(names: &ByName<'_>, server: &ZosConnectServer) -> bool {
    !server.inbound_attls || !client_auth_type(names, server).eq_ignore_ascii_case("PassThru")
}

/// Whether the server refuses a client that presents none: Liberty's `clientAuthentication`,
/// and AT-TLS's `Required` (its default) and `SAFCheck`; `Full` and `PassThru` let it in.
fn requires_client_certificate(names: &ByName<'_>, server: &ZosConnectServer) -> bool {
    if !server.inbound_attls {
        return true;
    }
    let kind = client_auth_type(names, server);
    kind.eq_ignore_ascii_case("Required") || kind.eq_ignore_ascii_case("SAFCheck")
}

fn client_auth_type<'f>(names: &ByName<'f>, server: &ZosConnectServer) -> &'f str {
    server
        .level
        .as_deref()
        .and_then(|level| names.security_level(level))
        .and_then(|level| level.settings.client_auth_type.as_deref())
        .unwrap_or("Required")
}

/// A group of TLS versions that use the same cipher suites.
struct Version {
    name: &'static str,
    on: fn(&Protocols) -> bool,
    takes: fn(&str) -> bool,
}

/// SSLv2 is left out: its suites are a list of their own, which zat does not write and whose
/// System SSL default the model does not know. Two levels that share it are not reported.
const VERSIONS: [Version; 5] = [
    Version { name: "TLSv1.3", on: |p| p.tlsv1_3, takes: |s| s.starts_with("13") },
    Version { name: "TLSv1.2", on: |p| p.tlsv1_2, takes: |s| !s.starts_with("13") },
    Version { name: "TLSv1.1", on: |p| p.tlsv1_1, takes: before_tls12 },
    Version { name: "TLSv1.0", on: |p| p.tlsv1, takes: before_tls12 },
    Version { name: "SSLv3", on: |p| p.sslv3, takes: before_tls12 },
];

/// A suite a version older than TLS 1.2 can use: not TLS 1.3's, and not one of those the
/// cipher table (attls-effective.md §4.3) marks "TLS 1.2 only". A suite the table does not
/// list counts as usable, so that the check never reports a pair that might agree.
fn before_tls12(suite: &str) -> bool {
    let Ok(code) = u16::from_str_radix(suite, 16) else { return false };
    let tls12_only =
        matches!(code, 0x003B..=0x0040 | 0x0067..=0x006B | 0x009C..=0x00A5 | 0xC023..=0xC030);
    !suite.starts_with("13") && !tls12_only
}

fn versions_of(p: &Protocols) -> String {
    let on: Vec<&str> = VERSIONS.iter().filter(|v| (v.on)(p)).map(|v| v.name).collect();
    if on.is_empty() { "none".to_owned() } else { on.join(", ") }
}

/// Why two levels can never agree, or `None` when they can (or the model cannot tell).
fn disagreement(client: &SecurityLevel, server: &SecurityLevel) -> Option<String> {
    let (a, b) = (&client.protocols, &server.protocols);
    if a.sslv2 && b.sslv2 {
        return None;
    }
    let shared: Vec<&Version> = VERSIONS.iter().filter(|v| (v.on)(a) && (v.on)(b)).collect();
    if shared.is_empty() {
        return Some(format!(
            "share no TLS version (the requester's level {} has {}, the server's level {} has {})",
            client.name,
            versions_of(a),
            server.name,
            versions_of(b)
        ));
    }
    // A level that leaves the suites to System SSL has a release-dependent list the model
    // does not know.
    if client.settings.system_ssl_ciphers || server.settings.system_ssl_ciphers {
        return None;
    }
    let agree = shared.iter().any(|version| {
        client.ciphers.iter().any(|suite| (version.takes)(suite) && server.ciphers.contains(suite))
    });
    if agree {
        return None;
    }
    let names: Vec<&str> = shared.iter().map(|v| v.name).collect();
    Some(format!(
        "share {} but no cipher suite usable with it (the requester's level {} lists {}, the server's level {} lists {})",
        names.join(", "),
        client.name,
        client.ciphers.join(" "),
        server.name,
        server.ciphers.join(" ")
    ))
}

fn check_levels(names: &ByName<'_>, pair: &Pair<'_>, out: &mut Vec<Diagnostic>) {
    let (requester, server) = (pair.requester, pair.server);
    // Liberty's TLS settings are not in the model, and a server whose inbound rule has no
    // stack to go on (ZAT0131) or no level (ZAT0132) is reported by those checks.
    if !server.inbound_attls || server.stack.is_none() {
        return;
    }
    let (Some(client), Some(inbound)) = (
        names.security_level(&requester.level),
        server.level.as_deref().and_then(|level| names.security_level(level)),
    ) else {
        return;
    };
    let Some(why) = disagreement(client, inbound) else { return };
    out.push(
        Diagnostic::error(
            NO_AGREEMENT,
            format!(
                "the requester's outbound AT-TLS rule and the inbound rule of z/OS Connect server `{}` {why}: every handshake fails",
                server.name
            ),
        )
        .object(pair.object())
        .at(&requester.origin)
        .help(format!(
            "give levels {} and {} a TLS version in common and, for it, a cipher suite in common (13xx for TLSv1.3, the others for TLSv1.2 and older)",
            client.name, inbound.name
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::before_tls12;

    #[test]
    fn suites_of_tls12_only_are_not_usable_before_it() {
        for suite in ["C02F", "C030", "009C", "003C", "006B"] {
            assert!(!before_tls12(suite), "{suite}");
        }
        for suite in ["002F", "0035", "C013", "C014", "000A"] {
            assert!(before_tls12(suite), "{suite}");
        }
        assert!(!before_tls12("1301"));
    }
}
