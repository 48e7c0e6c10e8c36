//! Test plugin: a hand-written C-ABI plugin whose `render` returns malformed JSON.
//!
//! Written against `zat_plugin_api::abi` without `export_emitter!`, the way a plugin in C
//! written against `include/zat_plugin.h` would be.

use zat_plugin_api::abi::{PluginTable, STATUS_OK, ZatBuffer};

static TABLE: PluginTable = PluginTable {
    abi_version: zat_plugin_api::ABI_VERSION,
    name: c"testplug-badjson".as_ptr(),
    version: c"0.1.0".as_ptr(),
    info: Some(info),
    render: Some(render),
    free: Some(free),
};

/// The entry symbol.
// SAFETY: the symbol is unique in this library; the function takes nothing and returns a
// pointer to immutable static data.
#[unsafe(no_mangle)]
pub extern "C" fn zat_plugin_entry() -> *const PluginTable {
    &TABLE
}

fn write(out: *mut ZatBuffer, bytes: &'static [u8]) -> i32 {
    if out.is_null() {
        return zat_plugin_api::abi::STATUS_INTERNAL;
    }
    // The buffer points at static data; `free` below therefore does nothing.
    let buffer = ZatBuffer { ptr: bytes.as_ptr().cast_mut(), len: bytes.len() };
    // SAFETY: `out` is not null and the host passes a writable buffer.
    unsafe { out.write(buffer) };
    STATUS_OK
}

/// Valid info, so that the host gets as far as calling `render`.
unsafe extern "C" fn info(out: *mut ZatBuffer) -> i32 {
    write(out, br#"{"name":"testplug-badjson","version":"0.1.0","provides":[]}"#)
}

/// Claims success but writes something that is not a render response.
unsafe extern "C" fn render(_request: *const u8, _len: usize, out: *mut ZatBuffer) -> i32 {
    write(out, b"{\"files\": [ this is not json")
}

/// Nothing to free: every buffer is static.
unsafe extern "C" fn free(_buffer: ZatBuffer) {}
