//! The zat plugin contract: the only crate a Rust emitter plugin depends on.
//!
//! A plugin implements [`Emitter`], and `export_emitter!` turns it into a `cdylib` with the C
//! entry point the host loads. Data crosses the boundary only as JSON bytes: a
//! [`RenderRequest`] in, a [`RenderResponse`] out. This crate does no I/O.

pub mod abi;
pub mod batch;
mod emitter;
pub mod layout;
mod protocol;
pub mod security;

#[cfg(feature = "templates")]
pub use emitter::templates;
pub use emitter::{BuiltOnce, EmitError, Emitter};
pub use protocol::{
    INDEX_OUTLINE, INDEX_PASS, IndexedFile, OutputFile, PluginInfo, ProtocolMessages,
    RenderRequest, RenderResponse, UNIT_DATABASE, UNIT_FLEET, UNIT_LPAR, Unit, UnitIndex,
    in_outline, outline, protocol_schema, unit_fleet,
};
pub use zat_model as model;

/// Version of the C ABI and of the JSON protocol carried over it.
/// The host refuses a plugin whose table carries another version.
///
/// Version 2 renders by unit: a request may name a [`Unit`] (one database, one LPAR, or the
/// fleet's own files), and `includes_lpar` / `includes_database` answer for that unit only.
pub const ABI_VERSION: u32 = 2;
