//! Typed errors of plugin loading and calling; each names the plugin and its file.

use std::fmt;
use std::path::PathBuf;

use crate::PluginOrigin;

/// What went wrong with one plugin.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PluginError {
    #[error("cannot open plugin library {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error(
        "{path} is not a zat plugin: it does not export `zat_plugin_entry`; remove it from the plugin folder"
    )]
    NoEntry { path: PathBuf },
    #[error("plugin library {path} returned no plugin table; the plugin is broken")]
    NullTable { path: PathBuf },
    #[error(
        "plugin library {path} speaks plugin ABI {found}, this zat speaks ABI {expected}; rebuild the plugin against zat-plugin-api with ABI {expected}"
    )]
    AbiMismatch { path: PathBuf, found: u32, expected: u32 },
    #[error("plugin library {origin} has a broken plugin table: {problem}")]
    BadTable { origin: PluginOrigin, problem: String },
    #[error("plugin `{name}` ({origin}) panicked: {message}")]
    Panicked { name: String, origin: PluginOrigin, message: String },
    #[error("plugin `{name}` ({origin}) failed (status {status}): {message}")]
    Failed { name: String, origin: PluginOrigin, status: i32, message: String },
    #[error(
        "plugin `{name}` ({origin}) returned malformed JSON: {error}; the plugin is broken, report it to its author"
    )]
    Malformed { name: String, origin: PluginOrigin, error: String },
    #[error(
        "plugin `{name}` ({origin}) calls itself `{info_name}` in its info; name and info must agree"
    )]
    NameMismatch { name: String, origin: PluginOrigin, info_name: String },
}

/// A problem assembling the plugin set.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error("cannot read plugin folder {path}: {message}")]
    Folder { path: PathBuf, message: String },
    #[error(
        "two plugins are named `{name}`: {}; choose one with `--plugin {name}=builtin`, `--plugin {name}=PATH` or `--plugin {name}=off`",
        list(origins)
    )]
    Clash { name: String, origins: Vec<PluginOrigin> },
    #[error(
        "`--plugin {name}=…` names no plugin that was found; `zat plugins list` shows what is there"
    )]
    UnknownChoice { name: String },
    #[error("`--plugin {name}=builtin` but `{name}` is not built into zat")]
    NoBuiltin { name: String },
    #[error("`--plugin {name}={}` but that library is a plugin named `{found}`", path.display())]
    ChoiceNameMismatch { name: String, path: PathBuf, found: String },
    #[error("cannot serialise the render request: {0}")]
    Request(String),
}

fn list(origins: &[PluginOrigin]) -> String {
    origins.iter().map(ToString::to_string).collect::<Vec<_>>().join(" and ")
}

/// Every problem found while assembling a plugin set, not just the first.
#[derive(Debug)]
pub struct HostErrors(pub Vec<HostError>);

impl fmt::Display for HostErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for HostErrors {}
