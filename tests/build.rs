//! Build script of the end-to-end suite: lets linked-in emitters share one exported symbol.
//!
//! The suite links several emitter crates as rlibs (e.g. the inventory test plugin, to
//! compare it with its own cdylib); each defines the C symbol `zat_plugin_entry` for its
//! cdylib. The tests never call that symbol from the executable, so any one copy may win.
//! Same reason and same flag as `crates/zat-cli/build.rs`.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(os.as_str(), "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "illumos") {
        println!("cargo:rustc-link-arg=-Wl,--allow-multiple-definition");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
