//! The top-secret emitter as a plugin library (`zat_top_secret`): zat loads it from a plugin folder like any site plugin.
//!
//! The emitter itself lives in the `zat-emit-top-secret` rlib; this crate only exports it, so no executable that links the
//! rlib ever meets the exported symbol.

zat_plugin_api::export_emitter!(zat_emit_top_secret::TssEmitter);
