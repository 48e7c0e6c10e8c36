//! Test plugin: a library that announces ABI version 999 with a table of another layout.
//!
//! The host must refuse it after reading only the version, so the rest of this table is
//! deliberately not a `PluginTable`: reading past the version would be a host bug.

use std::ffi::c_char;

/// A made-up future table: the version first, as every version promises, then other fields.
#[repr(C)]
pub struct FutureTable {
    pub abi_version: u32,
    pub flags: u64,
    pub name: *const c_char,
}

// SAFETY: the table is immutable static data; its one pointer is to a static string.
unsafe impl Sync for FutureTable {}

static TABLE: FutureTable =
    FutureTable { abi_version: 999, flags: u64::MAX, name: c"testplug-badabi".as_ptr() };

/// The entry symbol, returning the future table.
// SAFETY: the symbol is unique in this library; the function takes nothing and returns a
// pointer to immutable static data.
#[unsafe(no_mangle)]
pub extern "C" fn zat_plugin_entry() -> *const FutureTable {
    &TABLE
}
