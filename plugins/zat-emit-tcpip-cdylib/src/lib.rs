//! The tcpip emitter as a plugin library (`zat_tcpip`): zat loads it from a plugin folder like any site plugin.
//!
//! The emitter itself lives in the `zat-emit-tcpip` rlib; this crate only exports it, so no executable that links the
//! rlib ever meets the exported symbol.

zat_plugin_api::export_emitter!(zat_emit_tcpip::TcpipEmitter);
