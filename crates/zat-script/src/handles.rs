//! Handles a script holds: shared, mutable nodes of the fleet under construction.
//!
//! Each handle is an `Arc<Mutex<..>>` around the model object (rhai's `sync` feature needs
//! `Send + Sync`), so `let ring = db.keyring(..); ring.connect(ca);` changes the ring the
//! database holds. [`FleetHandle::finish`] moves the tree out into a plain [`Fleet`].

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use zat_model::{
    Certificate, Fleet, Keyring, Lpar, Origin, Protocols, SecurityDatabase, SecurityLevel, Stack,
    ZosConnectServer,
};

/// Name of the security level rules get when the script names none; created on demand with
/// the default settings unless the script defines a level of that name.
pub(crate) const DEFAULT_LEVEL: &str = "DEFAULT";

pub(crate) type Shared<T> = Arc<Mutex<T>>;

pub(crate) fn shared<T>(value: T) -> Shared<T> {
    Arc::new(Mutex::new(value))
}

/// Locks a node. A poisoned lock only means a builder panicked earlier in this run; the data
/// is still a consistent value, so keep going rather than panic again.
pub(crate) fn lock<T>(node: &Mutex<T>) -> MutexGuard<'_, T> {
    node.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone)]
pub(crate) struct FleetHandle(pub(crate) Shared<FleetNode>);

pub(crate) struct FleetNode {
    /// The fleet with empty collections; the handles below fill them at the end.
    pub(crate) fleet: Fleet,
    pub(crate) databases: Vec<DatabaseHandle>,
    pub(crate) levels: Vec<SecurityLevel>,
    pub(crate) servers: Vec<ZosConnectServer>,
    pub(crate) lpars: Vec<LparHandle>,
}

#[derive(Clone)]
pub(crate) struct DatabaseHandle(pub(crate) Shared<DatabaseNode>);

pub(crate) struct DatabaseNode {
    pub(crate) database: SecurityDatabase,
    pub(crate) certificates: Vec<CertificateHandle>,
    pub(crate) keyrings: Vec<KeyringHandle>,
}

#[derive(Clone)]
pub(crate) struct CertificateHandle {
    pub(crate) cert: Shared<Certificate>,
    pub(crate) database: String,
}

#[derive(Clone)]
pub(crate) struct KeyringHandle {
    pub(crate) ring: Shared<Keyring>,
    pub(crate) database: String,
}

/// A security level is complete when created; the handle is its name.
#[derive(Clone)]
pub(crate) struct LevelHandle {
    pub(crate) name: String,
}

/// A z/OS Connect server is complete when created; the handle is its name.
#[derive(Clone)]
pub(crate) struct ServerHandle {
    pub(crate) name: String,
}

#[derive(Clone)]
pub(crate) struct LparHandle(pub(crate) Shared<LparNode>);

pub(crate) struct LparNode {
    pub(crate) lpar: Lpar,
    /// False when the script left the Policy Agent folder to the site default, which is read
    /// at the end (the script may call `site.defaults(..)` after `site.lpar(..)`).
    pub(crate) config_dir_given: bool,
    pub(crate) stacks: Vec<StackHandle>,
}

#[derive(Clone)]
pub(crate) struct StackHandle {
    pub(crate) stack: Shared<Stack>,
    /// Name of the LPAR the stack is on.
    pub(crate) lpar: String,
}

/// The default security level: TLSv1.2 and TLSv1.3 on, everything older off, modern AEAD
/// suites (TLS 1.3 first, then ECDHE with RSA or ECDSA for TLS 1.2).
pub(crate) fn default_level(name: &str, origin: Origin) -> SecurityLevel {
    SecurityLevel {
        name: name.to_owned(),
        protocols: Protocols {
            sslv2: false,
            sslv3: false,
            tlsv1: false,
            tlsv1_1: false,
            tlsv1_2: true,
            tlsv1_3: true,
        },
        ciphers: ["1302", "1301", "1303", "C030", "C02F", "C02C", "C02B"]
            .map(str::to_owned)
            .to_vec(),
        signature_pairs: Vec::new(),
        curves: Vec::new(),
        handshake_timeout: None,
        fips: false,
        settings: zat_model::LevelSettings::default(),
        origin,
    }
}

impl FleetHandle {
    /// Moves the fleet out of the handles, in creation order, and leaves them empty: call it
    /// once, when the script has ended. The lists the script grew one item at a time are
    /// moved into lists of exactly their length, so the fleet is neither held twice at the end
    /// of the script nor left with the room of lists that doubled as they grew.
    pub(crate) fn finish(self) -> Fleet {
        let mut node = lock(&self.0);
        let mut fleet = node.fleet.clone();
        fleet.security_databases = std::mem::take(&mut node.databases)
            .into_iter()
            .map(|db| {
                let mut db = lock(&db.0);
                let mut database = db.database.clone();
                database.certificates = std::mem::take(&mut db.certificates)
                    .into_iter()
                    .map(|c| into_value(c.cert))
                    .collect();
                database.keyrings = std::mem::take(&mut db.keyrings)
                    .into_iter()
                    .map(|r| {
                        let mut ring = into_value(r.ring);
                        ring.connections = exact(std::mem::take(&mut ring.connections));
                        ring
                    })
                    .collect();
                database
            })
            .collect();
        fleet.security_levels = exact(std::mem::take(&mut node.levels));
        fleet.zos_connect_servers = exact(std::mem::take(&mut node.servers));
        fleet.lpars = std::mem::take(&mut node.lpars)
            .into_iter()
            .map(|lpar| {
                let mut lpar = lock(&lpar.0);
                let mut out = lpar.lpar.clone();
                if !lpar.config_dir_given {
                    out.pagent.config_dir = fleet.defaults.pagent_dir.clone();
                }
                out.stacks = std::mem::take(&mut lpar.stacks)
                    .into_iter()
                    .map(|s| {
                        let mut stack = into_value(s.stack);
                        stack.rules = exact(std::mem::take(&mut stack.rules));
                        stack.api_requesters = exact(std::mem::take(&mut stack.api_requesters));
                        stack
                    })
                    .collect();
                out
            })
            .collect();
        add_default_level(&mut fleet);
        fleet
    }
}

/// The value of a node: moved out when this is its last handle, copied otherwise.
fn into_value<T: Clone>(node: Shared<T>) -> T {
    match Arc::try_unwrap(node) {
        Ok(mutex) => mutex.into_inner().unwrap_or_else(PoisonError::into_inner),
        Err(node) => lock(&node).clone(),
    }
}

/// `list`'s items moved into a list with room for exactly them. (`shrink_to_fit` may keep
/// the block: an allocator is free to shrink in place.)
fn exact<T>(list: Vec<T>) -> Vec<T> {
    if list.capacity() == list.len() {
        return list;
    }
    let mut out = Vec::with_capacity(list.len());
    out.extend(list);
    out
}

fn add_default_level(fleet: &mut Fleet) {
    if fleet.security_level(DEFAULT_LEVEL).is_some() {
        return;
    }
    let rules = fleet.lpars.iter().flat_map(|l| &l.stacks).flat_map(|s| &s.rules);
    let requesters = fleet.lpars.iter().flat_map(|l| &l.stacks).flat_map(|s| &s.api_requesters);
    let used = rules.map(|r| r.level.as_str()).chain(requesters.map(|r| r.level.as_str()));
    let used = used.chain(fleet.zos_connect_servers.iter().filter_map(|s| s.level.as_deref()));
    let mut used = used;
    if used.any(|name| name == DEFAULT_LEVEL) {
        let level = default_level(DEFAULT_LEVEL, fleet.origin.clone());
        fleet.security_levels.push(level);
    }
}
