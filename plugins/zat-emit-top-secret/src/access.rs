//! Who gets which access to key rings and stacks: the same intent the RACF emitter writes as
//! PERMITs, computed once here so the Top Secret permits follow it exactly. (Same file as in
//! the ACF2 plugin: the two share no crate but the plugin API.)
//!
//! - A ring with FACILITY access: its owner gets READ on `IRR.DIGTCERT.LIST` and
//!   `IRR.DIGTCERT.LISTRING` (own ring, own private keys); every other reader gets UPDATE
//!   (another user's ring, certificates only).
//! - A ring with RDATALIB access: owner and readers get READ on `OWNER.RING.LST` (upper case);
//!   READ lets them use the private key of a certificate owned by the ring owner. The FACILITY
//!   checks are not made when that profile exists, so the owner needs it too.
//! - Per LPAR and TTLS stack: the Policy Agent user and the stack's `initstack_users` get READ
//!   on `EZB.INITSTACK.<sysname>.<tcpname>`.

use std::collections::BTreeMap;

use zat_plugin_api::model::{Lpar, RingAccess, SecurityDatabase};

/// Access level of a grant; `Update` includes `Read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Read,
    Update,
}

impl Access {
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
}

pub const LIST: &str = "IRR.DIGTCERT.LIST";
pub const LISTRING: &str = "IRR.DIGTCERT.LISTRING";

/// Ring access grants of a database, sorted by class, resource and user, one per
/// (resource, user) with the highest access any ring asks for.
pub fn ring_grants(db: &SecurityDatabase) -> Vec<Grant> {
    let mut grants: BTreeMap<(Class, String, String), Access> = BTreeMap::new();
    let mut add = |class, resource: &str, user: &str, access| {
        let entry = grants.entry((class, resource.to_owned(), user.to_owned())).or_insert(access);
        *entry = (*entry).max(access);
    };
    for ring in &db.keyrings {
        match ring.access {
            RingAccess::Facility => {
                for profile in [LIST, LISTRING] {
                    add(Class::Facility, profile, &ring.owner, Access::Read);
                    for reader in ring.readers.iter().filter(|r| **r != ring.owner) {
                        add(Class::Facility, profile, reader, Access::Update);
                    }
                }
            }
            RingAccess::Rdatalib => {
                let profile = rdatalib_profile(&ring.owner, &ring.name);
                add(Class::Rdatalib, &profile, &ring.owner, Access::Read);
                for reader in &ring.readers {
                    add(Class::Rdatalib, &profile, reader, Access::Read);
                }
            }
        }
    }
    grants
        .into_iter()
        .map(|((class, resource, user), access)| Grant { class, resource, user, access })
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
            (format!("EZB.INITSTACK.{}.{}", lpar.name, stack.name), users)
        })
        .collect()
}
