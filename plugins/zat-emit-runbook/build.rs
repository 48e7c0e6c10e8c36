//! Build script: lets this crate's test binary link several emitters' exported symbol.
//!
//! The runbook tests link the real RACF and Policy Agent emitters (and this crate's siblings)
//! as rlibs to compare paths; each defines the C symbol `zat_plugin_entry` for its cdylib. The
//! tests never call that symbol from the executable, so any one copy may win. Same reason and
//! same flag as `crates/zat-cli/build.rs` and `tests/build.rs`, limited to test binaries.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(os.as_str(), "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "illumos") {
        println!("cargo:rustc-link-arg-tests=-Wl,--allow-multiple-definition");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
