//! The acf2 emitter as a plugin library (`zat_acf2`): zat loads it from a plugin folder like any site plugin.
//!
//! The emitter itself lives in the `zat-emit-acf2` rlib; this crate only exports it, so no executable that links the
//! rlib ever meets the exported symbol.

zat_plugin_api::export_emitter!(zat_emit_acf2::Acf2Emitter);
