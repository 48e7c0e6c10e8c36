//! Typed errors of plugin loading and calling; each names the plugin and its file.

use std::fmt;
use std::path::PathBuf;

use crate::PluginOrigin;

/// What went wrong with one plugin.
///
/// Serialisable, because a worker process that loaded a library sends its load error to the
/// host as it is.
#[derive(Debug, Clone, thiserror::Error, serde::Serialize, serde::Deserialize)]
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
        "plugin `{name}` ({origin}) calls itself {info_name:?} in its info; name and info must agree"
    )]
    NameMismatch { name: String, origin: PluginOrigin, info_name: String },
    // What a failure means for the files on disk depends on the command (a build leaves the
    // old bundle, a report the old page, a check writes nothing): the command says it, once.
    #[error("{} crashed: {how}{}", who(name, origin), tail(output))]
    Crashed { name: String, origin: PluginOrigin, how: String, output: String },
    #[error(
        "{} did not answer within {seconds} s and was stopped (raise --plugin-timeout if it is only slow){}",
        who(name, origin),
        tail(output)
    )]
    TimedOut { name: String, origin: PluginOrigin, seconds: u64, output: String },
    #[error(
        "{} answered with {claimed} bytes, more than the limit of {limit}{}",
        who(name, origin),
        tail(output)
    )]
    Oversize { name: String, origin: PluginOrigin, claimed: u64, limit: u64, output: String },
    /// A call after the plugin's worker stopped (it crashed, hung or answered too much on an
    /// earlier call): never sent, so nothing is known about it but that.
    #[error(
        "{} is out after the failure reported for it: its worker was stopped, and its later calls were not made",
        who(name, origin)
    )]
    NotCalled { name: String, origin: PluginOrigin },
    #[error(
        "plugin `{name}` ({origin}) gave the file {path:?} a placement that is refused: {problem}{}; the plugin is broken, report it to its author",
        more_files(*more)
    )]
    BadPlacement { name: String, origin: PluginOrigin, path: String, problem: String, more: usize },
    #[error("cannot run plugin library {} in a worker process: {message}", path.display())]
    Worker { path: PathBuf, message: String },
}

/// `plugin `NAME` (FILE)`, or `plugin library FILE` before the name is known.
fn who(name: &str, origin: &PluginOrigin) -> String {
    if name.is_empty() {
        format!("plugin library {origin}")
    } else {
        format!("plugin `{name}` ({origin})")
    }
}

/// How many more files an error is also about, as the end of its first clause.
fn more_files(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and the placement of 1 more file)".to_owned(),
        n => format!(" (and the placements of {n} more files)"),
    }
}

/// What a plugin printed, as the end of an error message.
fn tail(output: &str) -> String {
    if output.is_empty() {
        String::new()
    } else {
        let lines: Vec<String> = output.lines().map(|l| format!("\n  | {l}")).collect();
        format!("; it printed:{}", lines.concat())
    }
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
    #[error(
        "plugin folder {} is a relative path (from {from}); plugin folders must be absolute, so that the current directory is never searched",
        path.display()
    )]
    RelativeFolder { path: PathBuf, from: &'static str },
    #[error("refusing plugin folder {}: {reason}", path.display())]
    UnsafeFolder { path: PathBuf, reason: String },
    /// The path is quoted: a name with a newline must not forge a line of output.
    #[error("refusing plugin library {path:?}: {reason}")]
    UnsafeLibrary { path: PathBuf, reason: String },
    #[error("cannot read the lock file {}: {message}", path.display())]
    LockFile { path: PathBuf, message: String },
    #[error(
        "plugin library {} (sha256 {sha256}) is not in the lock file {}; it is new or it changed. If the change is intended, run `zat plugins lock` again",
        path.display(),
        lock.display()
    )]
    NotLocked { path: PathBuf, sha256: String, lock: PathBuf },
    #[error(
        "plugin library {} is locked as `{locked}`, but it now says it is `{found}`; run `zat plugins lock` again if that is intended",
        path.display()
    )]
    LockMismatch { path: PathBuf, locked: String, found: String },
    #[error(
        "plugin `{name}` {version} is in the lock file {} but no plugin folder holds it; restore it or run `zat plugins lock` again",
        lock.display()
    )]
    LockedMissing { name: String, version: String, lock: PathBuf },
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
