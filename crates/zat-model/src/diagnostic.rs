//! Diagnostics: what is wrong, where the user wrote it, and under which stable code.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Origin;

/// How bad a diagnostic is. Errors stop a build; warnings and notes do not.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

/// One problem found in a script, the model, a plugin's output or a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Diagnostic {
    /// Stable code such as `ZAT0101`; `zat explain CODE` gives the long help.
    pub code: String,
    pub severity: Severity,
    /// Lower-case sentence saying what is wrong.
    pub message: String,
    /// The object the problem belongs to, e.g. `lpar SYSA / stack TCPIP / rule PAY_OUT`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub object: String,
    /// Where the user wrote the object, when it came from a script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub fn warning(code: &str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    fn new(code: &str, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.to_owned(),
            severity,
            message: message.into(),
            object: String::new(),
            origin: None,
            help: None,
        }
    }

    #[must_use]
    pub fn at(mut self, origin: &Origin) -> Self {
        self.origin = Some(origin.clone());
        self
    }

    #[must_use]
    pub fn object(mut self, object: impl Into<String>) -> Self {
        self.object = object.into();
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        write!(f, "{level}[{}]: {}", self.code, self.message)?;
        if !self.object.is_empty() {
            write!(f, " ({})", self.object)?;
        }
        if let Some(origin) = &self.origin {
            write!(f, " at {origin}")?;
        }
        Ok(())
    }
}
