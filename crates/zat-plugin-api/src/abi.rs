//! The C ABI between the host and a plugin library: one entry symbol, one table, JSON bytes.
//!
//! A plugin library exports [`ENTRY_SYMBOL`], a function without arguments that returns a
//! pointer to a static [`PluginTable`]. The table's first field is the ABI version; the host
//! reads it before anything else and refuses any other version, so later versions may change
//! everything after it. Only bytes cross the boundary: a [`RenderRequest`] as JSON in, a
//! [`RenderResponse`] as JSON (or an error message) out, in a buffer the plugin allocated and
//! the plugin frees. No Rust type with a destructor crosses `extern "C"`.
//!
//! `include/zat_plugin.h` is the same contract for plugins written in C.
//!
//! This module and [`export_emitter!`](crate::export_emitter) are the only places of the plugin
//! API with `unsafe` code.

#![allow(unsafe_code)]

use std::any::Any;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::{Emitter, RenderRequest, RenderResponse};

/// Name of the one symbol a plugin library exports (without the trailing NUL).
pub const ENTRY_SYMBOL: &str = "zat_plugin_entry";

/// The call succeeded; the buffer holds JSON.
pub const STATUS_OK: i32 = 0;
/// The emitter returned an error; the buffer holds a UTF-8 message.
pub const STATUS_EMIT_ERROR: i32 = 1;
/// The request could not be read (not JSON, wrong shape, wrong ABI); the buffer holds a message.
pub const STATUS_BAD_REQUEST: i32 = 2;
/// The plugin panicked; the buffer holds the panic message.
pub const STATUS_PANIC: i32 = 3;
/// Anything else went wrong inside the plugin (e.g. its response did not serialise); message.
pub const STATUS_INTERNAL: i32 = 4;

/// A byte buffer allocated by the plugin. The host copies it, then hands it back to the
/// plugin's `free`; the host never frees it itself, because each library has its own allocator.
#[repr(C)]
#[derive(Debug)]
pub struct ZatBuffer {
    pub ptr: *mut u8,
    pub len: usize,
}

impl ZatBuffer {
    /// An empty buffer, what the host passes in before a call.
    pub const fn empty() -> Self {
        ZatBuffer { ptr: std::ptr::null_mut(), len: 0 }
    }
}

/// Writes the plugin's [`PluginInfo`](crate::PluginInfo) as JSON into `*out`; returns a status.
pub type InfoFn = unsafe extern "C" fn(out: *mut ZatBuffer) -> i32;
/// Reads a [`RenderRequest`] from `request[..request_len]` and writes a
/// [`RenderResponse`] as JSON (status 0) or an error message into `*out`.
pub type RenderFn =
    unsafe extern "C" fn(request: *const u8, request_len: usize, out: *mut ZatBuffer) -> i32;
/// Frees a buffer this same plugin wrote into an `out` parameter.
pub type FreeFn = unsafe extern "C" fn(buffer: ZatBuffer);

/// What [`ENTRY_SYMBOL`] returns a pointer to. The layout after `abi_version` belongs to
/// [`crate::ABI_VERSION`]; the host reads nothing past the version when it does not match.
#[repr(C)]
#[derive(Debug)]
pub struct PluginTable {
    /// Must equal the host's [`crate::ABI_VERSION`].
    pub abi_version: u32,
    /// Static, NUL-terminated UTF-8 name, e.g. `racf`.
    pub name: *const c_char,
    /// Static, NUL-terminated UTF-8 version of the plugin.
    pub version: *const c_char,
    pub info: Option<InfoFn>,
    pub render: Option<RenderFn>,
    pub free: Option<FreeFn>,
}

// SAFETY: a table is immutable once made: it holds pointers to static (or leaked) immutable
// strings and plain function pointers, so sharing it between threads cannot race.
unsafe impl Sync for PluginTable {}
// SAFETY: as above; nothing in the table is tied to the thread that made it.
unsafe impl Send for PluginTable {}

/// Type of the entry symbol.
pub type EntryFn = unsafe extern "C" fn() -> *const PluginTable;

/// The table of a linked-in emitter: the same functions `export_emitter!` exports, so that a
/// built-in is called through exactly the bytes path a loaded library is. Leaks two small
/// strings and the table; call it once per emitter and process.
pub fn builtin_table<E: Emitter>() -> Result<&'static PluginTable, String> {
    let name =
        CString::new(E::NAME).map_err(|_| format!("emitter name {:?} contains NUL", E::NAME))?;
    let version = CString::new(E::VERSION)
        .map_err(|_| format!("emitter {} has a version containing NUL", E::NAME))?;
    let table = PluginTable {
        abi_version: crate::ABI_VERSION,
        name: name.into_raw(),
        version: version.into_raw(),
        info: Some(info_impl::<E>),
        render: Some(render_impl::<E>),
        free: Some(free_impl),
    };
    Ok(Box::leak(Box::new(table)))
}

/// Copies `s` into a NUL-terminated array of exactly `N = s.len() + 1` bytes at compile time.
/// Used by `export_emitter!` for the table's static name and version.
#[doc(hidden)]
pub const fn c_string<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    assert!(bytes.len() + 1 == N, "c_string: N must be the string length plus one");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i] != 0, "emitter NAME and VERSION must not contain NUL");
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// `info` of an emitter type.
///
/// # Safety
/// `out` must be null or point to a writable [`ZatBuffer`].
#[doc(hidden)]
pub unsafe extern "C" fn info_impl<E: Emitter>(out: *mut ZatBuffer) -> i32 {
    let result = catch_unwind(|| {
        serde_json::to_vec(&E::info())
            .map_err(|e| (STATUS_INTERNAL, format!("plugin info did not serialise: {e}")))
    });
    // SAFETY: the caller promises `out` is null or writable.
    unsafe { finish(result, out) }
}

/// `render` of an emitter type: parses the request, renders, serialises the response.
///
/// # Safety
/// `request` must point to `request_len` readable bytes (or be null with length 0), and `out`
/// must be null or point to a writable [`ZatBuffer`].
#[doc(hidden)]
pub unsafe extern "C" fn render_impl<E: Emitter>(
    request: *const u8,
    request_len: usize,
    out: *mut ZatBuffer,
) -> i32 {
    let bytes: &[u8] = if request.is_null() || request_len == 0 {
        &[]
    } else {
        // SAFETY: the caller promises `request` points to `request_len` readable bytes that
        // stay valid and unchanged for the duration of this call.
        unsafe { std::slice::from_raw_parts(request, request_len) }
    };
    let result = catch_unwind(AssertUnwindSafe(|| render_bytes::<E>(bytes)));
    // SAFETY: the caller promises `out` is null or writable.
    unsafe { finish(result, out) }
}

/// Frees a buffer made by [`info_impl`] or [`render_impl`].
///
/// # Safety
/// `buffer` must have been written by this library's `info` or `render` and not freed before.
#[doc(hidden)]
pub unsafe extern "C" fn free_impl(buffer: ZatBuffer) {
    if buffer.ptr.is_null() {
        return;
    }
    // Dropping cannot panic for a byte slice, but an extern "C" body must never unwind.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let slice = std::ptr::slice_from_raw_parts_mut(buffer.ptr, buffer.len);
        // SAFETY: `into_buffer` made this pointer and length from a `Box<[u8]>` of this
        // library's allocator, and the caller promises it is freed only once.
        drop(unsafe { Box::from_raw(slice) });
    }));
}

/// What a guarded call produced: bytes, a (status, message) failure, or a panic payload.
type Guarded = std::thread::Result<Result<Vec<u8>, (i32, String)>>;

/// The safe part of `render`: bytes in, JSON bytes or (status, message) out.
fn render_bytes<E: Emitter>(bytes: &[u8]) -> Result<Vec<u8>, (i32, String)> {
    let request: RenderRequest = serde_json::from_slice(bytes)
        .map_err(|e| (STATUS_BAD_REQUEST, format!("request is not a valid render request: {e}")))?;
    if request.abi_version != crate::ABI_VERSION {
        return Err((
            STATUS_BAD_REQUEST,
            format!(
                "request speaks ABI {} but this plugin speaks ABI {}",
                request.abi_version,
                crate::ABI_VERSION
            ),
        ));
    }
    let response = E::default().render(&request).map_err(|e| (STATUS_EMIT_ERROR, e.to_string()))?;
    serde_json::to_vec(&response)
        .map_err(|e| (STATUS_INTERNAL, format!("response did not serialise: {e}")))
}

/// Renders `request` with an emitter linked into the host, without the bytes in between: the
/// same guard and the same outcomes as [`render_impl`] (a panic is [`STATUS_PANIC`] with its
/// message, an [`crate::EmitError`] is [`STATUS_EMIT_ERROR`]), on a request the host has
/// already built. The host uses it for its built-in emitters, which then skip parsing a
/// request and serialising a response per call; a test checks that a build through the
/// libraries, which go through [`render_impl`], writes the same bytes.
pub fn render_direct<E: Emitter>(request: &RenderRequest) -> Result<RenderResponse, (i32, String)> {
    match catch_unwind(AssertUnwindSafe(|| E::default().render(request))) {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(error)) => Err((STATUS_EMIT_ERROR, error.to_string())),
        Err(payload) => Err((STATUS_PANIC, panic_message(payload.as_ref()))),
    }
}

/// Turns the outcome of a guarded call into a status code and a buffer in `*out`.
///
/// # Safety
/// `out` must be null or point to a writable [`ZatBuffer`].
unsafe fn finish(result: Guarded, out: *mut ZatBuffer) -> i32 {
    let (status, bytes) = match result {
        Ok(Ok(bytes)) => (STATUS_OK, bytes),
        Ok(Err((status, message))) => (status, message.into_bytes()),
        Err(payload) => (STATUS_PANIC, panic_message(payload.as_ref()).into_bytes()),
    };
    if out.is_null() {
        return STATUS_INTERNAL;
    }
    // SAFETY: `out` is not null and the caller promises it points to a writable buffer.
    unsafe { out.write(into_buffer(bytes)) };
    status
}

fn into_buffer(bytes: Vec<u8>) -> ZatBuffer {
    let boxed = bytes.into_boxed_slice();
    let len = boxed.len();
    let ptr = Box::into_raw(boxed).cast::<u8>();
    ZatBuffer { ptr, len }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked with a non-string payload".to_owned()
    }
}

/// Exports an [`Emitter`] type as a plugin library: generates the static [`PluginTable`] and
/// the `zat_plugin_entry` symbol. Put it once in the crate root of a `cdylib`:
///
/// ```text
/// zat_plugin_api::export_emitter!(MyEmitter);
/// ```
///
/// Every function in the table runs its body inside `catch_unwind`, so a panicking emitter
/// returns [`STATUS_PANIC`] with the message instead of aborting the host.
#[macro_export]
macro_rules! export_emitter {
    ($emitter:ty) => {
        $crate::export_emitter!(@abi_version $crate::ABI_VERSION; $emitter);
    };
    // Hidden form for conformance tests that need a library announcing another ABI version.
    (@abi_version $abi:expr; $emitter:ty) => {
        const _: () = {
            const NAME_LEN: usize = <$emitter as $crate::Emitter>::NAME.len() + 1;
            const VERSION_LEN: usize = <$emitter as $crate::Emitter>::VERSION.len() + 1;
            static NAME: [u8; NAME_LEN] =
                $crate::abi::c_string::<NAME_LEN>(<$emitter as $crate::Emitter>::NAME);
            static VERSION: [u8; VERSION_LEN] =
                $crate::abi::c_string::<VERSION_LEN>(<$emitter as $crate::Emitter>::VERSION);
            static TABLE: $crate::abi::PluginTable = $crate::abi::PluginTable {
                abi_version: $abi,
                name: (&raw const NAME).cast::<::std::ffi::c_char>(),
                version: (&raw const VERSION).cast::<::std::ffi::c_char>(),
                info: ::std::option::Option::Some($crate::abi::info_impl::<$emitter>),
                render: ::std::option::Option::Some($crate::abi::render_impl::<$emitter>),
                free: ::std::option::Option::Some($crate::abi::free_impl),
            };

            /// The plugin's entry point: a pointer to its static table.
            // SAFETY: `no_mangle` is unsafe because the symbol name must be unique in the
            // final library. The macro belongs in the root of a thin `cdylib` crate and
            // nowhere else: emitter crates are rlibs without it, so an executable that links
            // several emitters never meets the symbol, and a plugin library holds it once.
            // The function takes nothing, cannot panic, and returns a pointer to immutable
            // static data that lives as long as the library.
            #[allow(unsafe_code)]
            #[unsafe(no_mangle)]
            pub extern "C" fn zat_plugin_entry() -> *const $crate::abi::PluginTable {
                &TABLE
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EmitError, OutputFile, RenderResponse};

    #[derive(Default)]
    struct Echo;

    impl Emitter for Echo {
        const NAME: &'static str = "echo";
        const VERSION: &'static str = "1.2.3";
        fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
            if request.fleet.name == "PANIC" {
                panic!("boom");
            }
            if request.fleet.name == "FAIL" {
                return Err(EmitError::Message("cannot".into()));
            }
            Ok(RenderResponse {
                files: vec![OutputFile {
                    path: "a.txt".into(),
                    content: request.fleet.name.clone(),
                    target: None,
                    placement: None,
                }],
                diagnostics: vec![],
            })
        }
    }

    /// The C header states the same contract as this module.
    #[test]
    fn c_header_agrees_with_the_rust_constants() {
        let header = include_str!("../include/zat_plugin.h");
        let define = |name: &str| -> String {
            header
                .lines()
                .find_map(|l| l.strip_prefix(&format!("#define {name} ")))
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("{name} is not defined in zat_plugin.h"))
                .to_owned()
        };
        assert_eq!(define("ZAT_ABI_VERSION"), format!("{}u", crate::ABI_VERSION));
        assert_eq!(define("ZAT_ENTRY_SYMBOL"), format!("\"{ENTRY_SYMBOL}\""));
        for (name, value) in [
            ("ZAT_STATUS_OK", STATUS_OK),
            ("ZAT_STATUS_EMIT_ERROR", STATUS_EMIT_ERROR),
            ("ZAT_STATUS_BAD_REQUEST", STATUS_BAD_REQUEST),
            ("ZAT_STATUS_PANIC", STATUS_PANIC),
            ("ZAT_STATUS_INTERNAL", STATUS_INTERNAL),
        ] {
            assert_eq!(define(name), value.to_string(), "{name}");
        }
        let fields: Vec<&str> = header
            .split("typedef struct zat_plugin_table {")
            .nth(1)
            .and_then(|rest| rest.split('}').next())
            .expect("the table struct")
            .lines()
            .filter_map(|l| l.split(';').next()?.split_whitespace().last())
            .map(|f| f.trim_start_matches('*'))
            .collect();
        assert_eq!(fields, ["abi_version", "name", "version", "info", "render", "free"]);
    }

    #[derive(Default)]
    struct Boom;

    impl Emitter for Boom {
        const NAME: &'static str = "boom";
        const VERSION: &'static str = "0";
        fn render(&self, _: &RenderRequest) -> Result<RenderResponse, EmitError> {
            Ok(RenderResponse::default())
        }
        #[allow(clippy::panic)]
        fn info() -> crate::PluginInfo {
            panic!("boom in info")
        }
    }

    #[test]
    fn panics_become_a_status_and_a_message() {
        let mut out = ZatBuffer::empty();
        // SAFETY: `out` is a valid local buffer.
        let status = unsafe { info_impl::<Boom>(&mut out) };
        assert_eq!(status, STATUS_PANIC);
        // SAFETY: the buffer was just written by info_impl.
        let message = unsafe { std::slice::from_raw_parts(out.ptr, out.len) }.to_vec();
        // SAFETY: written by this module, freed once.
        unsafe { free_impl(out) };
        assert_eq!(String::from_utf8_lossy(&message), "panicked: boom in info");
    }

    #[test]
    fn c_string_appends_nul() {
        assert_eq!(c_string::<4>("abc"), *b"abc\0");
    }

    #[test]
    fn info_round_trips() {
        let mut out = ZatBuffer::empty();
        // SAFETY: `out` is a valid local buffer.
        let status = unsafe { info_impl::<Echo>(&mut out) };
        assert_eq!(status, STATUS_OK);
        // SAFETY: the buffer was just written by info_impl.
        let bytes = unsafe { std::slice::from_raw_parts(out.ptr, out.len) }.to_vec();
        // SAFETY: written by this module, freed once.
        unsafe { free_impl(out) };
        let info: crate::PluginInfo = serde_json::from_slice(&bytes).expect("info is json");
        assert_eq!(info.name, "echo");
        assert_eq!(info.version, "1.2.3");
    }

    #[test]
    fn bad_request_is_reported() {
        let mut out = ZatBuffer::empty();
        let req = b"not json";
        // SAFETY: valid pointers for the duration of the call.
        let status = unsafe { render_impl::<Echo>(req.as_ptr(), req.len(), &mut out) };
        assert_eq!(status, STATUS_BAD_REQUEST);
        // SAFETY: written by this module, freed once.
        unsafe { free_impl(out) };
    }

    #[test]
    fn null_out_is_refused() {
        // SAFETY: null is allowed for `out`.
        let status = unsafe { info_impl::<Echo>(std::ptr::null_mut()) };
        assert_eq!(status, STATUS_INTERNAL);
    }
}
