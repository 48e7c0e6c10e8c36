//! Finds, checks and loads emitter plugins (linked-in and dlopen'ed) and calls them through the plugin ABI.
//!
//! A plugin library is called through the ABI: the request is serialised once to JSON bytes,
//! handed to the plugin table's `render`, and the bytes that come back are parsed here. A
//! built-in emitter has the same table, and its cdylib form is a library like any other, but a
//! build calls it with the request as a Rust value ([`Plugin::render_request`]): parsing the
//! request was a third of a large build. A test builds the same fleets both ways and requires
//! the same bytes.
//!
//! A library can run in this process ([`Plugin::load`]) or, isolated, in a worker process
//! ([`Plugin::spawn`], [`PluginSetBuilder::isolate`]): there a crash, an abort, an exit, a hang
//! or an oversize answer is a [`PluginError`], and what the plugin prints is captured.
//!
//! Invariants: a library is never opened by its path: the file is read once, and the bytes
//! checked (owner, mode, the lock's sha256) are the bytes loaded, from a private copy; the
//! host checks a library's ABI version before it reads or calls anything else;
//! a library, once opened, is never unloaded; every failure of a plugin is a [`PluginError`]
//! naming the plugin and where it came from; plugin folders are absolute and not writable by
//! other users; this crate prints nothing. The only `unsafe` on the host side is in
//! `plugin.rs`.

mod coverage;
mod error;
mod image;
mod lock;
mod placement;
mod plugin;
mod set;
mod worker;

pub use coverage::{CODE_NO_ESM_EMITTER, esm_capability, esm_coverage};
pub use error::{HostError, HostErrors, PluginError};
pub use lock::{Lock, LockEntry, sha256_file};
pub use plugin::{DEFAULT_MAX_RESPONSE, Plugin, PluginOrigin};
pub use set::{
    Choice, PluginSet, PluginSetBuilder, Rendered, origin_files, parse_choice, sanitize_diagnostics,
};
pub use worker::{DEFAULT_TIMEOUT, ServeError, WorkerConfig, serve_worker};

/// The environment variable with extra plugin folders, separated by `:` (`;` on Windows).
pub const PLUGIN_PATH_ENV: &str = "ZAT_PLUGIN_PATH";
