//! The zat fleet model: plain serde data that a script produces and every emitter reads.
//!
//! The model does no I/O and holds only ordered collections (`Vec`), so whatever is rendered
//! from it comes out in the same order every time.
//! Every object records the script position where it was made ([`Origin`]), so that any later
//! diagnostic can point at the line the user wrote.

mod diagnostic;
mod fleet;

pub use diagnostic::{Diagnostic, Severity};
pub use fleet::{
    AltName, ApiRequester, BasicAuth, CertExport, CertOwner, CertSource, Certificate, Direction,
    DistinguishedName, Esm, ExportFormat, Fleet, HandshakeRole, JobCard, KeyAlgorithm, KeyUsage,
    Keyring, Lpar, PagentSettings, PortRange, Protocols, RequesterExpansion, RingAccess,
    RingConnection, RingRef, Rule, RuleSource, SecurityDatabase, SecurityLevel, SiteDefaults,
    Stack, SyslogSettings, Usage, ZosConnectServer,
};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of the model's JSON shape; part of every plugin request.
pub const MODEL_VERSION: u32 = 1;

/// Where in a script an object was made: file as the user named it, 1-based line and column.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, JsonSchema,
)]
pub struct Origin {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Origin {
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Origin { file: file.into(), line, column }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The JSON Schema of [`Fleet`], as `zat schema` prints it.
pub fn json_schema() -> schemars::Schema {
    schemars::schema_for!(Fleet)
}
