//! The security intent every ESM emitter writes, computed once and free of any ESM's syntax.
//! RACF PERMITs, ACF2 rules and Top Secret permits are all built from these grants, so the three emitters agree by construction.
//! It also names records for ESMs that limit certificate and ring record names to eight characters.
//!
//! Ring access (emitter reference sections 1.10 and 1.11):
//! - A ring with FACILITY access gives its owner READ on `IRR.DIGTCERT.LIST` and `IRR.DIGTCERT.LISTRING` (own ring, own private keys).
//!   Every other reader gets UPDATE (another user's ring, certificates only).
//! - A ring with RDATALIB access gives owner and readers READ on `OWNER.RING.LST`, upper case.
//!   READ lets them use the private key of a certificate owned by the ring owner.
//!   The FACILITY checks are not made when that profile exists, so the owner needs it too.
//!
//! Stack initialisation (section 1.12): per LPAR and TTLS stack, the Policy Agent user and the stack's `initstack_users` get READ on `EZB.INITSTACK.<sysname>.<tcpname>`.
//!
//! Record names (section 2): ACF2 (`logonid.suffix`) and Top Secret (`DIGICERT(name)`, `KEYRING(name)`) allow eight characters, while labels have up to 32 and ring names up to 237.
//! A name must be the same on every build, since re-runs and back-out jobs refer to it, and must differ for different names of the same owner.
//! [`record_suffix`] keeps a name that already is a valid record name (1-8 of `A-Z 0-9 @ # $`, not starting with a digit): `IMSCA` stays `IMSCA`.
//! Any other name becomes up to four of its letters and digits (upper-cased, leading digits skipped, `R` when none is left) and four characters of a 64-bit FNV-1a hash of the exact name.
//! So `ZOSCONNCERT` becomes `ZOSC` plus four hash characters, and `PayRing` and `PAYRING` get different names.
//! Two different names can still meet (a verbatim name equal to another's hashed form, or a hash collision): [`Registry`] finds that, and the emitter reports it as an error.

use std::collections::BTreeMap;

use crate::model::{Diagnostic, Lpar, Origin, RingAccess, SecurityDatabase};
use crate::zos::is_valid_name;

/// Access level of a grant; `Update` includes `Read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Read,
    Update,
}

impl Access {
    /// `READ` or `UPDATE`, as every ESM spells the level.
    pub fn keyword(self) -> &'static str {
        match self {
            Access::Read => "READ",
            Access::Update => "UPDATE",
        }
    }
}

/// The resource class of a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Facility,
    Rdatalib,
}

/// One user's access to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub class: Class,
    /// Full resource name, e.g. `IRR.DIGTCERT.LIST` or `ZCSRV.ZCSRVRING.LST`.
    pub resource: String,
    pub user: String,
    pub access: Access,
    /// Index in `SecurityDatabase::keyrings` of the first ring that asks for this grant: for
    /// diagnostics, and for emitters that write grants in ring order.
    pub ring: usize,
}

/// FACILITY profile that guards reading certificates through R_datalib.
pub const LIST: &str = "IRR.DIGTCERT.LIST";
/// FACILITY profile that guards reading key rings through R_datalib.
pub const LISTRING: &str = "IRR.DIGTCERT.LISTRING";

/// Ring access grants of a database, sorted by class, resource and user, one per
/// (resource, user) with the highest access any ring asks for.
pub fn ring_grants(db: &SecurityDatabase) -> Vec<Grant> {
    let mut grants: BTreeMap<(Class, String, String), (Access, usize)> = BTreeMap::new();
    let mut add = |class, resource: &str, user: &str, access, ring| {
        let entry =
            grants.entry((class, resource.to_owned(), user.to_owned())).or_insert((access, ring));
        entry.0 = entry.0.max(access);
    };
    for (index, ring) in db.keyrings.iter().enumerate() {
        match ring.access {
            RingAccess::Facility => {
                for profile in [LIST, LISTRING] {
                    add(Class::Facility, profile, &ring.owner, Access::Read, index);
                    for reader in ring.readers.iter().filter(|r| **r != ring.owner) {
                        add(Class::Facility, profile, reader, Access::Update, index);
                    }
                }
            }
            RingAccess::Rdatalib => {
                let profile = rdatalib_profile(&ring.owner, &ring.name);
                add(Class::Rdatalib, &profile, &ring.owner, Access::Read, index);
                for reader in &ring.readers {
                    add(Class::Rdatalib, &profile, reader, Access::Read, index);
                }
            }
        }
    }
    grants
        .into_iter()
        .map(|((class, resource, user), (access, ring))| Grant {
            class,
            resource,
            user,
            access,
            ring,
        })
        .collect()
}

/// `OWNER.RING.LST`, upper-cased as RDATALIB profile names are.
pub fn rdatalib_profile(owner: &str, ring: &str) -> String {
    format!("{owner}.{ring}.LST").to_ascii_uppercase()
}

/// The stack-initialisation profile of each TTLS stack of an LPAR with the users to permit
/// (Policy Agent user first, then the stack's own list, without repeats).
pub fn initstack_grants(lpar: &Lpar) -> Vec<(String, Vec<String>)> {
    lpar.stacks
        .iter()
        .filter(|stack| stack.ttls)
        .map(|stack| {
            let mut users = vec![lpar.pagent.userid.clone()];
            for user in &stack.initstack_users {
                if !users.contains(user) {
                    users.push(user.clone());
                }
            }
            // Validation keeps both names upper case already; folding here keeps the profile
            // the one SAF checks even for a request that skipped it.
            let profile = format!("EZB.INITSTACK.{}.{}", lpar.name, stack.name);
            (profile.to_ascii_uppercase(), users)
        })
        .collect()
}

/// The record name for a label or ring name (see the module documentation).
pub fn record_suffix(name: &str) -> String {
    if is_valid_name(name) {
        return name.to_owned();
    }
    let mut prefix: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .skip_while(char::is_ascii_digit)
        .take(4)
        .collect();
    if prefix.is_empty() {
        prefix.push('R');
    }
    prefix.push_str(&hash4(name));
    prefix
}

/// Four characters `A-Z0-9` of a 64-bit FNV-1a hash: the same on every platform and build.
fn hash4(name: &str) -> String {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (0..4)
        .map(|_| {
            let digit = (hash % 36) as usize;
            hash /= 36;
            char::from(ALPHABET[digit])
        })
        .collect()
}

/// Record names handed out so far, per owner, in one name space (certificates or rings).
#[derive(Debug)]
pub struct Registry {
    taken: BTreeMap<(String, String), String>,
    /// How the ESM writes a record name in a message: `(owner, suffix)` to e.g. `owner.suffix`.
    display: fn(&str, &str) -> String,
}

impl Registry {
    /// An empty registry; `display` writes the record name of an owner and a suffix the way the
    /// ESM's users know it (ACF2 `owner.suffix`, Top Secret the bare name).
    pub fn new(display: fn(&str, &str) -> String) -> Self {
        Registry { taken: BTreeMap::new(), display }
    }

    /// The record suffix of `name` owned by `owner`; an error diagnostic (with `code`, the
    /// object and its origin) when another name of the same owner already has that suffix.
    pub fn assign(
        &mut self,
        owner: &str,
        name: &str,
        what: &str,
        code: &str,
        object: &str,
        origin: &Origin,
    ) -> Result<String, Box<Diagnostic>> {
        let suffix = record_suffix(name);
        let key = (owner.to_owned(), suffix.clone());
        match self.taken.get(&key) {
            Some(existing) if existing != name => Err(Box::new(
                Diagnostic::error(
                    code,
                    format!(
                        "{what} `{name}` of `{owner}` gets record name `{}`, \
                     which `{existing}` already has",
                        (self.display)(owner, &suffix)
                    ),
                )
                .object(object)
                .at(origin)
                .help("rename one of the two so that they differ in their first four letters"),
            )),
            Some(_) => Ok(suffix),
            None => {
                self.taken.insert(key, name.to_owned());
                Ok(suffix)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Esm, Keyring};

    fn ring(owner: &str, name: &str, access: RingAccess, readers: &[&str]) -> Keyring {
        Keyring {
            owner: owner.to_owned(),
            name: name.to_owned(),
            connections: Vec::new(),
            access,
            readers: readers.iter().map(|r| (*r).to_owned()).collect(),
            origin: Origin::new("f.rhai", 1, 1),
        }
    }

    #[test]
    fn ring_grants_take_the_highest_level_and_the_first_ring() {
        let db = SecurityDatabase {
            name: "PLEX".to_owned(),
            esm: Esm::Racf,
            certificates: Vec::new(),
            keyrings: vec![
                ring("SRV", "Ring1", RingAccess::Facility, &["SRV", "CLI"]),
                ring("CLI", "Ring2", RingAccess::Facility, &[]),
                ring("SRV", "Shared", RingAccess::Rdatalib, &["SRV", "APP"]),
            ],
            origin: Origin::new("f.rhai", 1, 1),
        };
        let grants = ring_grants(&db);
        let grants: Vec<(Class, &str, &str, Access, usize)> = grants
            .iter()
            .map(|g| (g.class, g.resource.as_str(), g.user.as_str(), g.access, g.ring))
            .collect();
        assert_eq!(
            grants,
            vec![
                (Class::Facility, LIST, "CLI", Access::Update, 0),
                (Class::Facility, LIST, "SRV", Access::Read, 0),
                (Class::Facility, LISTRING, "CLI", Access::Update, 0),
                (Class::Facility, LISTRING, "SRV", Access::Read, 0),
                (Class::Rdatalib, "SRV.SHARED.LST", "APP", Access::Read, 2),
                (Class::Rdatalib, "SRV.SHARED.LST", "SRV", Access::Read, 2),
            ]
        );
    }

    #[test]
    fn valid_names_are_kept() {
        assert_eq!(record_suffix("IMSCA"), "IMSCA");
        assert_eq!(record_suffix("ABCDEFGH"), "ABCDEFGH");
        assert_eq!(record_suffix("$A#1"), "$A#1");
    }

    #[test]
    fn other_names_are_truncated_and_hashed() {
        let suffix = record_suffix("ZOSCONN-APIR-KEYRING");
        assert_eq!(suffix.len(), 8);
        assert!(suffix.starts_with("ZOSC"));
        assert!(is_valid_name(&suffix));
        assert_eq!(suffix, record_suffix("ZOSCONN-APIR-KEYRING"), "deterministic");
        assert_ne!(record_suffix("PayRing"), record_suffix("PAYRING"));
        assert_ne!(record_suffix("ZOSCONNCERT"), record_suffix("ZOSCONNCERT2"));
        let digits = record_suffix("123");
        assert!(digits.starts_with('R') && digits.len() == 5 && is_valid_name(&digits));
        assert!(is_valid_name(&record_suffix("9abc-def")));
        assert!(is_valid_name(&record_suffix("é")));
    }

    #[test]
    fn collisions_are_reported_with_the_origin() {
        let mut registry = Registry::new(|owner, suffix| format!("{owner}.{suffix}"));
        let origin = Origin::new("f.rhai", 3, 1);
        let hashed = record_suffix("ABCDEFGHIJ");
        assert!(registry.assign("U", "ABCDEFGHIJ", "label", "ZAT0370", "x", &origin).is_ok());
        assert!(registry.assign("U", "ABCDEFGHIJ", "label", "ZAT0370", "x", &origin).is_ok());
        assert!(registry.assign("V", &hashed, "label", "ZAT0370", "x", &origin).is_ok());
        let err = registry.assign("U", &hashed, "label", "ZAT0370", "x", &origin).unwrap_err();
        assert_eq!(err.code, "ZAT0370");
        assert_eq!(err.origin, Some(origin));
        assert!(err.message.contains("ABCDEFGHIJ"), "{}", err.message);
        assert!(err.message.contains(&format!("`U.{hashed}`")), "{}", err.message);
    }

    #[test]
    fn the_record_name_in_the_message_is_the_esm_s() {
        let mut registry = Registry::new(|_, suffix| suffix.to_owned());
        let origin = Origin::new("f.rhai", 3, 1);
        let hashed = record_suffix("ABCDEFGHIJ");
        assert!(registry.assign("U", "ABCDEFGHIJ", "label", "ZAT0380", "x", &origin).is_ok());
        let err = registry.assign("U", &hashed, "label", "ZAT0380", "x", &origin).unwrap_err();
        assert!(err.message.contains(&format!("record name `{hashed}`,")), "{}", err.message);
    }
}
