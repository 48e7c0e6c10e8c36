//! The JSON messages between host and plugin.

use serde::{Deserialize, Serialize};
use zat_model::{Diagnostic, Fleet};

/// What the host sends to every plugin: the same bytes for each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderRequest {
    /// ABI version the host speaks ([`crate::ABI_VERSION`]).
    pub abi_version: u32,
    /// [`zat_model::MODEL_VERSION`] of `fleet`.
    pub model_version: u32,
    /// Version of the zat host, for plugins that want to print it.
    pub zat_version: String,
    /// The expanded, validated fleet.
    pub fleet: Fleet,
    /// When not empty, render only these LPARs (and the security databases they use).
    #[serde(default)]
    pub only_lpars: Vec<String>,
    /// Free-form options for plugins (`--plugin-option name.key=value`), sorted by key.
    #[serde(default)]
    pub options: std::collections::BTreeMap<String, String>,
}

impl RenderRequest {
    /// Whether an LPAR is part of this run (`--only`).
    pub fn includes_lpar(&self, name: &str) -> bool {
        self.only_lpars.is_empty() || self.only_lpars.iter().any(|l| l == name)
    }

    /// Whether a security database is part of this run: used by an included LPAR, or every
    /// database when the run is not limited.
    pub fn includes_database(&self, name: &str) -> bool {
        self.only_lpars.is_empty()
            || self
                .fleet
                .lpars
                .iter()
                .any(|l| l.security_database == name && self.includes_lpar(&l.name))
    }
}

/// One file a plugin wants in the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// Bundle-relative path with `/` separators (see [`crate::layout`]).
    pub path: String,
    /// Text content; UTF-8 here, the transfer to z/OS translates it to IBM-1047.
    pub content: String,
    /// Where the file goes on z/OS: a z/OS UNIX path, `DSN(MEMBER)`, or a note such as
    /// `submit as a batch job`. Goes into the manifest.
    #[serde(default)]
    pub target: Option<String>,
}

/// What a plugin sends back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RenderResponse {
    pub files: Vec<OutputFile>,
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
}

/// What a plugin says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    /// Capabilities, e.g. `esm:racf` for an emitter that writes a security manager's jobs.
    pub provides: Vec<String>,
}
