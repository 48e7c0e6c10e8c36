//! Link setting for this crate's test binary only.
//!
//! The runbook tests link the real RACF and Policy Agent emitters to compare paths, and each
//! of those rlibs carries the `zat_plugin_entry` symbol of `export_emitter!`. Two copies of it
//! in one test executable are harmless (the test never calls it) but the linker refuses them;
//! this lets the test link until the plugin API keeps that symbol out of linked-in builds.
fn main() {
    println!("cargo:rustc-link-arg-tests=-Wl,--allow-multiple-definition");
}
