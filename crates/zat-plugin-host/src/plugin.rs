//! One plugin, linked in or loaded from a library, called through its C table with JSON bytes.
//!
//! This file is the only place on the host side with `unsafe` code.

#![allow(unsafe_code)]

use std::ffi::CStr;
use std::fmt;
use std::path::{Path, PathBuf};

use zat_plugin_api::abi::{self, EntryFn, PluginTable, ZatBuffer};
use zat_plugin_api::{ABI_VERSION, Emitter, PluginInfo, RenderResponse};

use crate::PluginError;

/// Where a plugin came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PluginOrigin {
    /// Linked into the zat binary.
    Builtin,
    /// Loaded from this library file.
    Library(PathBuf),
}

impl fmt::Display for PluginOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginOrigin::Builtin => f.write_str("built-in"),
            PluginOrigin::Library(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A checked plugin: its table carries this host's ABI version, a name, a version and all
/// three functions, and its `info` agrees with the table.
#[derive(Debug, Clone)]
pub struct Plugin {
    name: String,
    version: String,
    info: PluginInfo,
    origin: PluginOrigin,
    table: &'static PluginTable,
}

impl Plugin {
    /// A linked-in emitter, called through the same table functions a library exports.
    pub fn builtin<E: Emitter>() -> Result<Plugin, PluginError> {
        let table = abi::builtin_table::<E>()
            .map_err(|problem| PluginError::BadTable { origin: PluginOrigin::Builtin, problem })?;
        Plugin::from_table(table, PluginOrigin::Builtin)
    }

    /// Opens a plugin library, checks its ABI version before anything else, then its table.
    /// The library is never unloaded: unloading code that may still run (thread-local
    /// destructors, threads it started) is unsound on most platforms.
    pub fn load(path: &Path) -> Result<Plugin, PluginError> {
        // SAFETY: opening a library runs its initialisers, which is as safe as calling an
        // unknown foreign function. That is the contract of a plugin folder: only libraries
        // the user put there (or named) are opened, never anything from the current directory.
        let library = unsafe { libloading::Library::new(path) }
            .map_err(|e| PluginError::Open { path: path.to_owned(), message: e.to_string() })?;
        // Leak the library: it stays mapped for the life of the process, so the `'static`
        // table and function pointers below stay valid.
        let library: &'static libloading::Library = Box::leak(Box::new(library));
        let symbol = format!("{}\0", abi::ENTRY_SYMBOL);
        // SAFETY: the symbol's type is fixed by the plugin ABI (`EntryFn`); a library that
        // exports this name with another type breaks the contract the name stands for.
        let entry: libloading::Symbol<'static, EntryFn> = unsafe { library.get(symbol.as_bytes()) }
            .map_err(|_| PluginError::NoEntry { path: path.to_owned() })?;
        // SAFETY: `entry` takes no arguments and returns a pointer; the library stays loaded.
        let table = unsafe { entry() };
        if table.is_null() {
            return Err(PluginError::NullTable { path: path.to_owned() });
        }
        // SAFETY: every ABI version starts its table with the version as a `u32`, so reading
        // the first four bytes is valid whatever the rest of the layout is. The table is
        // static data of a library that is never unloaded.
        let found = unsafe { table.cast::<u32>().read() };
        if found != ABI_VERSION {
            return Err(PluginError::AbiMismatch {
                path: path.to_owned(),
                found,
                expected: ABI_VERSION,
            });
        }
        // SAFETY: the version matches, so the table has this host's `PluginTable` layout; it
        // is immutable static data in a library that is never unloaded, hence `'static`.
        let table: &'static PluginTable = unsafe { &*table };
        Plugin::from_table(table, PluginOrigin::Library(path.to_owned()))
    }

    fn from_table(
        table: &'static PluginTable,
        origin: PluginOrigin,
    ) -> Result<Plugin, PluginError> {
        let bad = |problem: &str| PluginError::BadTable {
            origin: origin.clone(),
            problem: problem.to_owned(),
        };
        if table.abi_version != ABI_VERSION {
            return Err(bad("the table's ABI version changed after it was read"));
        }
        if table.info.is_none() || table.render.is_none() || table.free.is_none() {
            return Err(bad("a function pointer (info, render or free) is null"));
        }
        let name = static_str(table.name).ok_or_else(|| bad("the name is null or not UTF-8"))?;
        let version =
            static_str(table.version).ok_or_else(|| bad("the version is null or not UTF-8"))?;
        if name.is_empty() {
            return Err(bad("the name is empty"));
        }
        let mut plugin = Plugin {
            name: name.to_owned(),
            version: version.to_owned(),
            info: PluginInfo {
                name: name.to_owned(),
                version: version.to_owned(),
                provides: Vec::new(),
            },
            origin,
            table,
        };
        let info: PluginInfo = plugin.call_json(|out| {
            // SAFETY: `info` is non-null (checked above) and has the ABI's signature; `out` is
            // a valid local buffer.
            table.info.map_or(abi::STATUS_INTERNAL, |f| unsafe { f(out) })
        })?;
        if info.name != plugin.name {
            return Err(PluginError::NameMismatch {
                name: plugin.name,
                origin: plugin.origin,
                info_name: info.name,
            });
        }
        plugin.info = info;
        Ok(plugin)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The ABI version of the table (always this host's, or the plugin was refused).
    pub fn abi_version(&self) -> u32 {
        self.table.abi_version
    }

    pub fn origin(&self) -> &PluginOrigin {
        &self.origin
    }

    /// What the plugin said about itself when it was loaded.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// Calls `render` with a serialised [`zat_plugin_api::RenderRequest`] and parses the answer.
    pub fn render(&self, request: &[u8]) -> Result<RenderResponse, PluginError> {
        let table = self.table;
        self.call_json(|out| {
            // SAFETY: `render` is non-null (checked at load) with the ABI's signature; the
            // request slice is valid for the whole call and `out` is a valid local buffer.
            table.render.map_or(abi::STATUS_INTERNAL, |f| unsafe {
                f(request.as_ptr(), request.len(), out)
            })
        })
    }

    /// Runs one table call, copies the plugin's buffer, frees it through the plugin, and
    /// turns the status into a result.
    fn call_json<T: serde::de::DeserializeOwned>(
        &self,
        call: impl FnOnce(*mut ZatBuffer) -> i32,
    ) -> Result<T, PluginError> {
        let mut out = ZatBuffer::empty();
        let status = call(&mut out);
        let bytes = self.take(out);
        let message = || String::from_utf8_lossy(&bytes).into_owned();
        match status {
            abi::STATUS_OK => serde_json::from_slice(&bytes).map_err(|e| PluginError::Malformed {
                name: self.name.clone(),
                origin: self.origin.clone(),
                error: e.to_string(),
            }),
            abi::STATUS_PANIC => Err(PluginError::Panicked {
                name: self.name.clone(),
                origin: self.origin.clone(),
                message: message(),
            }),
            status => Err(PluginError::Failed {
                name: self.name.clone(),
                origin: self.origin.clone(),
                status,
                message: if bytes.is_empty() { "no message".to_owned() } else { message() },
            }),
        }
    }

    /// Copies a plugin-made buffer and hands it back to the plugin's `free`.
    fn take(&self, buffer: ZatBuffer) -> Vec<u8> {
        if buffer.ptr.is_null() {
            return Vec::new();
        }
        // SAFETY: the plugin wrote `ptr`/`len` as a buffer of `len` readable bytes that stays
        // valid until it is passed to its `free`, which happens just below.
        let bytes = unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) }.to_vec();
        if let Some(free) = self.table.free {
            // SAFETY: the buffer came from this plugin and is freed exactly once.
            unsafe { free(buffer) };
        }
        bytes
    }
}

/// Reads a static NUL-terminated UTF-8 string from a plugin table.
fn static_str(ptr: *const std::ffi::c_char) -> Option<&'static str> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the ABI requires a NUL-terminated string in static data of a library that is
    // never unloaded (or a leaked string for a built-in), hence valid for `'static`.
    let cstr: &'static CStr = unsafe { CStr::from_ptr(ptr) };
    cstr.to_str().ok()
}
