//! Build script of the `zat` binary: lets the linked-in emitters share one exported symbol.
//!
//! Every emitter crate is both an rlib (linked into zat) and a cdylib whose `export_emitter!`
//! defines the C symbol `zat_plugin_entry`. Linking several such rlibs into one executable
//! therefore meets that symbol several times. zat never calls it (built-ins are called
//! through `zat_plugin_api::abi::builtin_table`), so any one copy may win.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(os.as_str(), "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "illumos") {
        println!("cargo:rustc-link-arg=-Wl,--allow-multiple-definition");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
