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

pub use emitter::{EmitError, Emitter};
pub use protocol::{
    INDEX_PASS, IndexedFile, OutputFile, PluginInfo, RenderRequest, RenderResponse,
};
pub use zat_model as model;

/// Version of the C ABI and of the JSON protocol carried over it.
/// The host refuses a plugin whose table carries another version.
pub const ABI_VERSION: u32 = 1;
