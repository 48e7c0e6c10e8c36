//! The plugin written in C (`examples/c-plugin`): compiled here with the system C compiler
//! (`cc` from PATH) into a temporary folder, run through `zat plugins test`, and loaded by
//! `zat build --plugin-dir`; its CSV must be in the bundle and the manifest, and must list
//! exactly the rules of the fleet it was given (so it really read the request).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use zat_plugin_api::model::{Fleet, PortRange};

use crate::plugins::{fleet_script, text, zat};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compiles `examples/c-plugin/inventory.c` into `dir` and returns the library's path.
fn compile(dir: &Path) -> PathBuf {
    let library = dir.join(format!(
        "{}c_inventory{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let output = Command::new("cc")
        .args(["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-I"])
        .arg(repo().join("crates/zat-plugin-api/include"))
        .arg("-o")
        .arg(&library)
        .arg(repo().join("examples/c-plugin/inventory.c"))
        .output()
        .expect("run the system C compiler `cc` (it must be on PATH)");
    assert!(output.status.success(), "cc failed:\n{}", text(&output.stderr));
    library
}

fn ports(range: Option<&PortRange>) -> String {
    match range {
        None => String::new(),
        Some(r) if r.low == r.high => r.low.to_string(),
        Some(r) => format!("{}-{}", r.low, r.high),
    }
}

/// What the C plugin should write for one LPAR, computed from the model in Rust.
fn expected_csv(fleet: &Fleet, lpar: &str) -> String {
    let mut csv = String::from("lpar,stack,rule,direction,local_port,remote_port,priority\n");
    let lpar = fleet.lpar(lpar).expect("the LPAR exists");
    for stack in &lpar.stacks {
        for rule in &stack.rules {
            writeln!(
                csv,
                "{},{},{},{},{},{},{}",
                lpar.name,
                stack.name,
                rule.name,
                rule.direction.keyword().to_ascii_lowercase(),
                ports(rule.local_port.as_ref()),
                ports(rule.remote_port.as_ref()),
                rule.priority.unwrap_or(0)
            )
            .expect("write to a string");
        }
    }
    csv
}

#[test]
fn c_plugin_compiles_passes_the_conformance_checks_and_builds() {
    let plugins = tempfile::tempdir().expect("temp dir");
    let library = compile(plugins.path());

    let output = zat(&["plugins", "test", library.to_str().expect("utf-8")]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("name `c-inventory`"), "{stdout}");
    assert!(stdout.contains("bad request: refused"), "{stdout}");
    assert!(stdout.contains("render: 3 files"), "one CSV per fixture LPAR: {stdout}");
    assert!(stdout.contains("conformance: passed"), "{stdout}");

    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    let script = fleet_script();
    let output = zat(&[
        "build",
        script.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
        "--plugin-dir",
        plugins.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    let fleet = zat_script::run_file(&script, &zat_script::ScriptOptions::default())
        .expect("the fleet script runs");
    let fleet = zat_core::prepare(fleet).fleet;
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("MANIFEST.json")).expect("a manifest"),
    )
    .expect("the manifest is JSON");
    let entries = manifest["files"].as_array().expect("files");
    for lpar in &fleet.lpars {
        let path = format!("lpars/{}/c-inventory/rules.csv", lpar.name);
        let csv = std::fs::read_to_string(out.join(&path)).expect("the CSV is in the bundle");
        assert_eq!(csv, expected_csv(&fleet, &lpar.name), "{path}");
        assert!(csv.lines().count() > 1, "{path} lists rules");
        let entry = entries
            .iter()
            .find(|e| e["path"] == path.as_str())
            .unwrap_or_else(|| panic!("{path} is in the manifest"));
        assert_eq!(entry["emitter"], "c-inventory");
        assert_eq!(entry["size"], csv.len());
    }

    // --only reaches the plugin through the request's only_lpars.
    let only = work.path().join("only");
    let first = &fleet.lpars[0].name;
    let output = zat(&[
        "build",
        script.to_str().expect("utf-8"),
        "-o",
        only.to_str().expect("utf-8"),
        "--only",
        first,
        "--plugin-dir",
        plugins.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    for lpar in &fleet.lpars {
        let exists = only.join(format!("lpars/{}/c-inventory/rules.csv", lpar.name)).exists();
        assert_eq!(exists, &lpar.name == first, "{}", lpar.name);
    }
}
