//! One plugin, linked in or loaded from a library. A library is called through its C table with
//! JSON bytes, in this process or in a worker process (see `worker.rs`); an emitter linked into
//! zat is called with the request itself ([`Plugin::render_request`]), with the same guard and
//! the same failures.
//!
//! This file is the only place on the host side with `unsafe` code.

#![allow(unsafe_code)]

use std::ffi::CStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zat_plugin_api::abi::{self, EntryFn, PluginTable, ZatBuffer};
use zat_plugin_api::{ABI_VERSION, Emitter, PluginInfo, RenderRequest, RenderResponse};

use crate::PluginError;
use crate::image::Image;
use crate::worker::{Worker, WorkerConfig};

/// The largest answer a plugin called in this process may claim; a claim above it is an error,
/// not an allocation (1 GiB: a bundle of thousands of LPARs is a few hundred MB at most).
pub const DEFAULT_MAX_RESPONSE: usize = 1 << 30;

/// Where a plugin came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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
    abi_version: u32,
    info: PluginInfo,
    origin: PluginOrigin,
    /// For a library: lower-case hex sha256 of the bytes loaded.
    sha256: Option<String>,
    backend: Backend,
    /// For an emitter linked into zat: its render function, called with the request the host
    /// built (no JSON in between; see [`Plugin::render_request`]).
    direct: Option<DirectFn>,
}

/// [`abi::render_direct`] for one emitter type.
type DirectFn = fn(&RenderRequest) -> Result<RenderResponse, (i32, String)>;

/// How a plugin's functions are reached.
#[derive(Debug, Clone)]
enum Backend {
    /// Its table, in this process.
    Table(&'static PluginTable),
    /// A worker process that loaded the library (a crash there cannot take zat down).
    Worker(Arc<Worker>),
}

/// What one call of a plugin returned: its status and the bytes of its buffer.
pub(crate) type RawAnswer = (i32, Vec<u8>);

/// Why a name or version from a plugin table is refused, if it is: empty, too long, or
/// holding a control or bidirectional formatting character (which could forge lines or hide
/// text in `zat plugins list` and in messages).
pub(crate) fn name_problem(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        Some("it is empty")
    } else if text.len() > 128 {
        Some("it is longer than 128 bytes")
    } else if text.chars().any(char::is_control) {
        Some("it contains a control character (such as a newline)")
    } else if text.chars().any(is_bidi_control) {
        Some("it contains a bidirectional formatting character, which can disguise text")
    } else {
        None
    }
}

/// Why a plugin's name is refused, if it is: as [`name_problem`] says, or it holds a `.`,
/// which ends the plugin's name in `--plugin-option NAME.KEY=VALUE` (a plugin `a.b` could
/// never be given an option, and `a.b.c` would be ambiguous).
pub(crate) fn plugin_name_problem(name: &str) -> Option<&'static str> {
    name_problem(name).or_else(|| {
        name.contains('.').then_some(
            "it contains a `.`, which separates a plugin's name from the key in `--plugin-option NAME.KEY=VALUE`",
        )
    })
}

/// Text from a plugin as it may be shown: control characters other than newlines and tabs,
/// and bidirectional formatting characters, become `?` (no terminal escapes, no hidden text).
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(
            |c| {
                if (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c) {
                    '?'
                } else {
                    c
                }
            },
        )
        .collect()
}

/// Unicode characters that reorder how text is displayed.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

impl Plugin {
    /// A linked-in emitter, called through the same table functions a library exports.
    pub fn builtin<E: Emitter>() -> Result<Plugin, PluginError> {
        let table = abi::builtin_table::<E>()
            .map_err(|problem| PluginError::BadTable { origin: PluginOrigin::Builtin, problem })?;
        let mut plugin = Plugin::from_table(table, PluginOrigin::Builtin)?;
        plugin.direct = Some(abi::render_direct::<E>);
        Ok(plugin)
    }

    /// Reads a plugin library, opens what was read, checks its ABI version before anything
    /// else, then its table. The library is never unloaded: unloading code that may still run
    /// (thread-local destructors, threads it started) is unsound on most platforms.
    ///
    /// A plugin loaded this way runs inside this process: a crash or a hang there is zat's.
    /// [`Plugin::spawn`] is the isolated form; this one serves tests and the worker itself.
    pub fn load(path: &Path) -> Result<Plugin, PluginError> {
        let image = Image::read(path)
            .map_err(|e| PluginError::Open { path: path.to_owned(), message: e.to_string() })?;
        Plugin::load_image(&image)
    }

    /// Opens the bytes of `image` (from a private copy, never by the library's path: see
    /// `image.rs`), and checks them as [`Plugin::load`] says.
    pub(crate) fn load_image(image: &Image) -> Result<Plugin, PluginError> {
        let path = image.path();
        let open_failed = |message: String| PluginError::Open { path: path.to_owned(), message };
        let copy = image.private_copy().map_err(|e| {
            open_failed(format!("cannot make the private copy it is loaded from: {e}"))
        })?;
        // SAFETY: opening a library runs its initialisers, which is as safe as calling an
        // unknown foreign function. That is the contract of a plugin folder: only libraries
        // the user put there (or named) are opened, never anything from the current directory;
        // and what is opened is a private copy of the bytes that were checked.
        let library = unsafe { libloading::Library::new(copy.path()) }
            .map_err(|e| open_failed(e.to_string()))?;
        // The mapping holds the bytes now; the copy's name is no longer needed.
        drop(copy);
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
        let mut plugin = Plugin::from_table(table, PluginOrigin::Library(path.to_owned()))?;
        plugin.sha256 = Some(image.sha256().to_owned());
        Ok(plugin)
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
        if let Some(problem) = plugin_name_problem(name) {
            return Err(bad(&format!("the name is refused: {problem}")));
        }
        if let Some(problem) = name_problem(version) {
            return Err(bad(&format!("the version is refused: {problem}")));
        }
        let mut plugin = Plugin {
            name: name.to_owned(),
            version: version.to_owned(),
            abi_version: table.abi_version,
            info: PluginInfo {
                name: name.to_owned(),
                version: version.to_owned(),
                provides: Vec::new(),
                options: None,
            },
            origin,
            sha256: None,
            backend: Backend::Table(table),
            direct: None,
        };
        let (status, bytes) = call_table(table, None, DEFAULT_MAX_RESPONSE)
            .map_err(|claimed| plugin.oversize(claimed, DEFAULT_MAX_RESPONSE))?;
        let info: PluginInfo = plugin.decode(status, bytes)?;
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

    /// Reads the library at `path` and starts a worker process (`config.command`) that loads
    /// what was read and answers calls over pipes; the library never runs in this process.
    /// The worker applies every check [`Plugin::load`] does and sends back what it found.
    pub fn spawn(path: &Path, config: &WorkerConfig) -> Result<Plugin, PluginError> {
        let image = Image::read(path)
            .map_err(|e| PluginError::Open { path: path.to_owned(), message: e.to_string() })?;
        Plugin::spawn_image(&image, config)
    }

    /// Starts a worker for the bytes of `image`: they go to the worker over its stdin, and it
    /// loads them from a private copy, never from the library's path (see `image.rs`).
    pub(crate) fn spawn_image(image: &Image, config: &WorkerConfig) -> Result<Plugin, PluginError> {
        let (worker, hello) = Worker::start(image, config)?;
        let origin = PluginOrigin::Library(image.path().to_owned());
        let bad = |problem: String| PluginError::BadTable { origin: origin.clone(), problem };
        if let Some(problem) = plugin_name_problem(&hello.name) {
            return Err(bad(format!("the name is refused: {problem}")));
        }
        if let Some(problem) = name_problem(&hello.version) {
            return Err(bad(format!("the version is refused: {problem}")));
        }
        if hello.info.name != hello.name {
            return Err(PluginError::NameMismatch {
                name: hello.name,
                origin,
                info_name: hello.info.name,
            });
        }
        Ok(Plugin {
            name: hello.name,
            version: hello.version,
            abi_version: hello.abi_version,
            info: hello.info,
            origin,
            sha256: Some(image.sha256().to_owned()),
            backend: Backend::Worker(Arc::new(worker)),
            direct: None,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// For a library: the sha256 of the bytes that were loaded (which the file at its path
    /// may no longer hold). `None` for a built-in.
    pub fn sha256(&self) -> Option<&str> {
        self.sha256.as_deref()
    }

    /// The ABI version of the table (always this host's, or the plugin was refused).
    pub fn abi_version(&self) -> u32 {
        self.abi_version
    }

    /// True when the plugin runs in a worker process.
    pub fn is_isolated(&self) -> bool {
        matches!(self.backend, Backend::Worker(_))
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
        self.render_with_output(request).0
    }

    /// Like [`Plugin::render`], and also what the plugin printed during the call (always
    /// empty in this process, where its output is not captured).
    pub fn render_with_output(
        &self,
        request: &[u8],
    ) -> (Result<RenderResponse, PluginError>, String) {
        match &self.backend {
            Backend::Table(table) => {
                let answer = call_table(table, Some(request), DEFAULT_MAX_RESPONSE)
                    .map_err(|claimed| self.oversize(claimed, DEFAULT_MAX_RESPONSE));
                let answer = answer.and_then(|(status, bytes)| self.decode(status, bytes));
                (answer.and_then(|response| self.checked(response)), String::new())
            }
            Backend::Worker(worker) => {
                let (answer, output) = worker.call(&self.name, request);
                let answer = answer.and_then(|(status, bytes)| self.decode(status, bytes));
                (answer.and_then(|response| self.checked(response)), output)
            }
        }
    }

    /// `response` when every placement in it has the documented shape (`placement.rs`); a
    /// refused one fails the whole answer, as malformed JSON does. Built-in emitters are held
    /// to it too: the deploy scripts trust a placement whoever wrote it.
    fn checked(&self, response: RenderResponse) -> Result<RenderResponse, PluginError> {
        match crate::placement::refused_placement(&response) {
            None => Ok(response),
            Some((path, problem, more)) => Err(PluginError::BadPlacement {
                name: self.name.clone(),
                origin: self.origin.clone(),
                path: printable(&path),
                problem,
                more,
            }),
        }
    }

    /// Renders `request`, whose JSON `bytes` gives when asked: an emitter linked into zat gets
    /// the request itself (the same guard and the same failures as through its table, without
    /// parsing the request and serialising the answer), any other plugin its bytes.
    pub fn render_request<B: AsRef<[u8]>>(
        &self,
        request: &RenderRequest,
        bytes: impl FnOnce() -> B,
    ) -> (Result<RenderResponse, PluginError>, String) {
        match self.direct {
            Some(direct) => {
                let answer = direct(request).or_else(|(status, message)| {
                    self.decode::<RenderResponse>(status, message.into_bytes())
                });
                (answer.and_then(|response| self.checked(response)), String::new())
            }
            None => self.render_with_output(bytes().as_ref()),
        }
    }

    fn oversize(&self, claimed: usize, limit: usize) -> PluginError {
        PluginError::Oversize {
            name: self.name.clone(),
            origin: self.origin.clone(),
            claimed: claimed as u64,
            limit: limit as u64,
            output: String::new(),
        }
    }

    /// Turns a status and the plugin's bytes into a result.
    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        status: i32,
        bytes: Vec<u8>,
    ) -> Result<T, PluginError> {
        let message = || printable(&String::from_utf8_lossy(&bytes));
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

    /// The raw answer of this plugin's table (`info` when `request` is `None`), for the worker
    /// process, which sends it to the host unparsed. `Err` holds a claimed length above
    /// `limit`. Only for a plugin in this process.
    pub(crate) fn call_raw(
        &self,
        request: Option<&[u8]>,
        limit: usize,
    ) -> Result<RawAnswer, usize> {
        match &self.backend {
            Backend::Table(table) => call_table(table, request, limit),
            // A worker-backed plugin is never served again from a worker.
            Backend::Worker(_) => Ok((abi::STATUS_INTERNAL, b"nested worker".to_vec())),
        }
    }
}

/// Calls `info` (no request) or `render` of a table, copies the plugin's buffer and hands it
/// back to the plugin's `free`. A buffer claiming more than `limit` bytes is neither read nor
/// freed (its length is a lie, so freeing it could corrupt the heap): `Err(claimed)`.
fn call_table(
    table: &'static PluginTable,
    request: Option<&[u8]>,
    limit: usize,
) -> Result<RawAnswer, usize> {
    let mut out = ZatBuffer::empty();
    let status = match request {
        // SAFETY: `info` is non-null (checked at load) with the ABI's signature; `out` is a
        // valid local buffer.
        None => table.info.map_or(abi::STATUS_INTERNAL, |f| unsafe { f(&mut out) }),
        // SAFETY: `render` is non-null (checked at load) with the ABI's signature; the request
        // slice is valid for the whole call and `out` is a valid local buffer.
        Some(request) => table.render.map_or(abi::STATUS_INTERNAL, |f| unsafe {
            f(request.as_ptr(), request.len(), &mut out)
        }),
    };
    if out.ptr.is_null() {
        return Ok((status, Vec::new()));
    }
    if out.len > limit {
        return Err(out.len);
    }
    // SAFETY: the plugin wrote `ptr`/`len` as a buffer of `len` readable bytes that stays
    // valid until it is passed to its `free`, which happens just below.
    let bytes = unsafe { std::slice::from_raw_parts(out.ptr, out.len) }.to_vec();
    if let Some(free) = table.free {
        // SAFETY: the buffer came from this plugin and is freed exactly once.
        unsafe { free(out) };
    }
    Ok((status, bytes))
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
