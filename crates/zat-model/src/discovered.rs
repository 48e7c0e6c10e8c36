//! What a read-only discovery job showed of a security database before zat changes it: the
//! fleet's certificates, key rings, resource profiles and class settings as they are.
//!
//! The shape is the same for every ESM (an ESM plugin reads what its ESM can show); the driver
//! fills it from the listing the user downloaded (`zat build --state DB=FILE`), and emitters
//! plan against it: create what is missing, raise access that is lower, never lower or remove.
//! `None` on a [`crate::SecurityDatabase`] means nothing was discovered: the jobs then assume
//! that none of the fleet's objects exists yet, and say so.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{CertOwner, Usage};

/// The discovered state of one security database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DiscoveredState {
    /// The listing it was read from, as the user named it (for job headers; never a path of
    /// the build machine beyond what the user typed).
    pub source: String,
    pub certificates: Vec<DiscoveredCertificate>,
    pub keyrings: Vec<DiscoveredRing>,
    /// Resource profiles, discrete and generic, with their access lists.
    pub profiles: Vec<DiscoveredProfile>,
    /// Class settings, when the listing showed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<DiscoveredClasses>,
}

/// A certificate that exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DiscoveredCertificate {
    pub owner: CertOwner,
    pub label: String,
    /// The subject's distinguished name as the ESM prints it.
    pub subject: String,
    pub private_key: bool,
}

/// A key ring that exists, with the certificates connected to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DiscoveredRing {
    pub owner: String,
    pub name: String,
    pub connections: Vec<DiscoveredConnection>,
}

/// One certificate in a discovered ring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DiscoveredConnection {
    pub cert_owner: CertOwner,
    pub label: String,
    pub usage: Usage,
    pub default: bool,
}

/// An access level of a resource profile, lowest first (RACF's order: NONE < EXECUTE < READ <
/// UPDATE < CONTROL < ALTER).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ResourceAccess {
    None,
    Execute,
    Read,
    Update,
    Control,
    Alter,
}

impl ResourceAccess {
    /// The keyword every ESM command writes.
    pub fn keyword(self) -> &'static str {
        match self {
            ResourceAccess::None => "NONE",
            ResourceAccess::Execute => "EXECUTE",
            ResourceAccess::Read => "READ",
            ResourceAccess::Update => "UPDATE",
            ResourceAccess::Control => "CONTROL",
            ResourceAccess::Alter => "ALTER",
        }
    }
}

/// A resource profile that exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DiscoveredProfile {
    pub class: String,
    /// The name as the ESM keeps it, generic characters included.
    pub name: String,
    pub generic: bool,
    /// Universal access.
    pub uacc: ResourceAccess,
    /// The standard access list; `*` stands for every defined user.
    pub access: Vec<DiscoveredEntry>,
    /// The conditional access list (`WHEN(PROGRAM(...))` and the like).
    #[serde(default)]
    pub conditional: Vec<DiscoveredCondition>,
}

/// One entry of a standard access list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DiscoveredEntry {
    pub id: String,
    pub access: ResourceAccess,
}

/// One entry of a conditional access list: `id` gets `access` while `class(entity)` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DiscoveredCondition {
    pub id: String,
    /// The condition's class, e.g. `PROGRAM`.
    pub class: String,
    pub entity: String,
    pub access: ResourceAccess,
}

/// Class settings (RACF: SETROPTS LIST).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DiscoveredClasses {
    pub active: Vec<String>,
    pub raclisted: Vec<String>,
    /// Classes whose generic profiles are used for checking.
    pub generic: Vec<String>,
    /// Program-conditional access (`WHEN(PROGRAM)`) is in effect.
    pub when_program: bool,
}

impl DiscoveredState {
    /// Whether a certificate of `owner` labelled `label` exists.
    pub fn has_certificate(&self, owner: &CertOwner, label: &str) -> bool {
        self.certificates.iter().any(|c| &c.owner == owner && c.label == label)
    }

    /// The discovered ring `owner`/`name`.
    pub fn keyring(&self, owner: &str, name: &str) -> Option<&DiscoveredRing> {
        self.keyrings.iter().find(|r| r.owner == owner && r.name == name)
    }

    /// The discovered profile `class` `name` (exact name, generic characters included).
    pub fn profile(&self, class: &str, name: &str) -> Option<&DiscoveredProfile> {
        self.profiles.iter().find(|p| p.class == class && p.name == name)
    }
}
