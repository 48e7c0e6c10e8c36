//! The zat fleet model: plain serde data that a script produces and every emitter reads.
//!
//! The model does no I/O and holds only ordered collections (`Vec`), so whatever is rendered
//! from it comes out in the same order every time.
//! Every object records the script position where it was made ([`Origin`]), so that any later
//! diagnostic can point at the line the user wrote.

mod diagnostic;
mod discovered;
mod fleet;
mod placement;
mod text;

pub mod profiles;
pub mod strings;
mod suggest;

pub use diagnostic::{Diagnostic, Severity};
pub use discovered::{
    DiscoveredCertificate, DiscoveredClasses, DiscoveredCondition, DiscoveredConnection,
    DiscoveredEntry, DiscoveredProfile, DiscoveredRing, DiscoveredState, ResourceAccess,
};
pub use fleet::{
    AccessGrant, AccessLevel, AltName, ApiRequester, BasicAuth, ByName, CertExport, CertOwner,
    CertSource, Certificate, Direction, DistinguishedName, Esm, ExportFormat, Fleet, GrantClass,
    HandshakeRole, InitstackAccess, JobCard, KeyAlgorithm, KeyUsage, Keyring, LevelSettings, Lpar,
    NO_REFRESH_TIMER, PagentSettings, PortRange, Protocols, RequesterExpansion, RingAccess,
    RingConnection, RingRef, Rule, RuleSource, SecurityDatabase, SecurityLevel, SiteDefaults,
    Stack, SyslogSettings, Usage, ZosConnectServer, places_by_name,
};
pub use placement::{Destination, Placement, TEXT_CODE_PAGE, Transfer, is_permission_bits};
pub use suggest::closest;
pub use text::Text;

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of the model's JSON shape; part of every plugin request.
pub const MODEL_VERSION: u32 = 2;

/// Where in a script an object was made: file as the user named it, 1-based line and column.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, JsonSchema,
)]
pub struct Origin {
    // Shared: every object a script makes names one of a few files, and a fleet of thousands
    // of LPARs has hundreds of thousands of objects (a copy of the name in each was a tenth of
    // the model's memory). Serialised as a plain string.
    #[schemars(with = "String")]
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl Origin {
    pub fn new(file: impl Into<Arc<str>>, line: u32, column: u32) -> Self {
        Origin { file: file.into(), line, column }
    }
}

/// A few names (files, plugins) shared by many values: each name is allocated once.
#[derive(Debug, Default)]
pub struct SharedNames(std::sync::Mutex<Vec<Arc<str>>>);

impl SharedNames {
    /// `name` as the one shared copy of it.
    pub fn get(&self, name: &str) -> Arc<str> {
        self.find(name).1
    }

    /// Where `name` is in [`Self::all`] (a number that stays its own).
    pub fn index(&self, name: &str) -> usize {
        self.find(name).0
    }

    /// Every name so far, each at its [`Self::index`].
    pub fn all(&self) -> Vec<Arc<str>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn find(&self, name: &str) -> (usize, Arc<str>) {
        let mut names = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = names.iter().position(|known| **known == *name) {
            return (at, Arc::clone(&names[at]));
        }
        let new: Arc<str> = Arc::from(name);
        names.push(Arc::clone(&new));
        (names.len() - 1, new)
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Whether two job name or user ID filters (a trailing `*` is a wildcard) can match one
/// name: AT-TLS rule matching and `zat lint` both need it to find rules that overlap.
pub fn name_filters_overlap(a: &str, b: &str) -> bool {
    match (a.strip_suffix('*'), b.strip_suffix('*')) {
        (Some(x), Some(y)) => x.starts_with(y) || y.starts_with(x),
        (Some(x), None) => b.starts_with(x),
        (None, Some(y)) => a.starts_with(y),
        (None, None) => a == b,
    }
}

/// The JSON Schema of [`Fleet`], as `zat schema` prints it.
pub fn json_schema() -> schemars::Schema {
    schemars::schema_for!(Fleet)
}

#[cfg(test)]
mod tests {
    use super::name_filters_overlap;

    #[test]
    fn name_filters_overlap_by_prefix() {
        assert!(name_filters_overlap("PAY*", "PAYROLL"));
        assert!(name_filters_overlap("PAYROLL", "PAY*"));
        assert!(name_filters_overlap("PAY*", "P*"));
        assert!(!name_filters_overlap("PAY*", "BILL*"));
        assert!(!name_filters_overlap("PAYA", "PAYB"));
        assert!(name_filters_overlap("PAYA", "PAYA"));
    }
}
