//! Tidy checks of the workspace's structure, the invariants ARCHITECTURE.md states:
//! plugins depend only on the plugin API (and the z/OS text and Policy Agent syntax crates),
//! no crate is both an rlib and a cdylib, every package states the MSRV, `unsafe` lives in two
//! modules, and only the CLI prints.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(root())
        .output()
        .expect("run cargo metadata");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

fn packages(metadata: &serde_json::Value) -> &Vec<serde_json::Value> {
    metadata["packages"].as_array().expect("packages")
}

fn relative_dir(package: &serde_json::Value) -> String {
    let manifest = PathBuf::from(package["manifest_path"].as_str().expect("manifest path"));
    let root = root().canonicalize().expect("root");
    let dir = manifest.parent().expect("manifest folder").to_owned();
    dir.strip_prefix(&root).map_or_else(|_| dir.display().to_string(), |d| d.display().to_string())
}

/// The zat crates an emitter (`plugins/*`) may use: the protocol, the z/OS text rules, the
/// Policy Agent syntax and the RACF state rules; a thin cdylib crate also its own emitter.
#[test]
fn plugins_depend_only_on_the_plugin_api_and_the_text_crates() {
    let metadata = metadata();
    let mut checked = 0;
    for package in packages(&metadata) {
        let dir = relative_dir(package);
        if !dir.starts_with("plugins/") {
            continue;
        }
        checked += 1;
        let name = package["name"].as_str().expect("name");
        let own_emitter = name.strip_suffix("-cdylib");
        for dependency in package["dependencies"].as_array().expect("dependencies") {
            let dep = dependency["name"].as_str().expect("dependency name");
            let normal = dependency["kind"].is_null();
            if !normal || !dep.starts_with("zat-") {
                continue;
            }
            // zat-racf-state is RACF's syntax and access rules as zat-policy is Policy Agent's:
            // pure, no I/O; the RACF emitter plans with it against a discovered state.
            let allowed =
                matches!(dep, "zat-plugin-api" | "zat-zos" | "zat-policy" | "zat-racf-state")
                    || Some(dep) == own_emitter;
            assert!(
                allowed,
                "{name} depends on {dep}: a plugin may use only zat-plugin-api, zat-zos, zat-policy and zat-racf-state"
            );
        }
    }
    assert!(checked >= 18, "found only {checked} plugin packages");
}

#[test]
fn no_crate_is_both_rlib_and_cdylib_and_every_package_states_the_msrv() {
    let metadata = metadata();
    for package in packages(&metadata) {
        let name = package["name"].as_str().expect("name");
        for target in package["targets"].as_array().expect("targets") {
            let kinds: Vec<&str> = target["crate_types"]
                .as_array()
                .expect("crate types")
                .iter()
                .filter_map(|k| k.as_str())
                .collect();
            assert!(
                !(kinds.contains(&"cdylib") && kinds.len() > 1),
                "{name} is {kinds:?}: give the loadable form its own thin cdylib crate"
            );
        }
        // Let-chains (edition 2024) need Rust 1.88; cargo refuses older compilers when the
        // package says so, and clippy's incompatible_msrv lint reads the same number.
        assert_eq!(
            package["rust_version"].as_str(),
            Some("1.88"),
            "{name} must state rust-version 1.88"
        );
    }
}

/// Every `.rs` file under `dir`, recursively, skipping `target`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "target") {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source of a library or binary without its `#[cfg(test)]` module (by convention the
/// last item of a file).
fn shipped(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

/// Source files of shipped code: the `src` folders of `crates/` and `plugins/`, not tests,
/// benches or examples, and not the test-only crates.
fn shipped_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for group in ["crates", "plugins"] {
        for entry in std::fs::read_dir(root().join(group)).expect("list").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if matches!(name.as_str(), "zat-test-support" | "zat-racf-sim") {
                continue;
            }
            rust_files(&entry.path().join("src"), &mut files);
        }
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    files
}

#[test]
fn unsafe_lives_in_the_export_macro_the_loader_and_the_allocator_settings_only() {
    let allowed = [
        "crates/zat-plugin-api/src/abi.rs",
        "crates/zat-plugin-host/src/plugin.rs",
        // Two calls into mimalloc's option table, which take no pointer.
        "crates/zat-driver/src/allocator.rs",
    ];
    let mut found = Vec::new();
    for file in shipped_sources() {
        let text = std::fs::read_to_string(&file).expect("read");
        let uses = [
            "unsafe {",
            "unsafe fn",
            "unsafe impl",
            "unsafe extern",
            "#[unsafe(",
            "allow(unsafe_code)",
        ]
        .iter()
        .any(|needle| text.contains(needle));
        if uses {
            found.push(file.strip_prefix(root()).unwrap_or(&file).display().to_string());
        }
    }
    found.sort();
    for file in &found {
        assert!(allowed.iter().any(|a| file.ends_with(a)), "`unsafe` in {file}");
    }
    assert_eq!(found.len(), allowed.len(), "{found:?}");
}

#[test]
fn only_the_cli_prints() {
    let macros = ["println!", "eprintln!", "print!(", "eprint!(", "dbg!("];
    for file in shipped_sources() {
        let shown = file.strip_prefix(root()).unwrap_or(&file).display().to_string();
        if shown.contains("zat-cli/src") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        let code = shipped(&text);
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for needle in macros {
                assert!(!line.contains(needle), "{shown} prints: {line}");
            }
            // The plugin worker's own protocol pipes are not printing: it serves the host
            // over stdin/stdout from inside the zat binary (crates/zat-plugin-host/src/worker.rs).
            if !shown.ends_with("zat-plugin-host/src/worker.rs") {
                assert!(
                    !line.contains("io::stdout()") && !line.contains("io::stderr()"),
                    "{shown} writes to the terminal: {line}"
                );
            }
        }
    }
}
