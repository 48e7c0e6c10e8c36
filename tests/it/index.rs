//! The bundle index: with any set of emitters (one turned off, site plugins added), every path a
//! runbook or the README names is a file of the bundle's manifest, and every file of an LPAR's
//! folder is named by that LPAR's runbook. Runs the real `zat build`.

use std::collections::BTreeSet;
use std::path::Path;

use zat_test_support::mentioned_paths;

use crate::plugins::{plugin_dir, text, zat};

/// Builds `script` with `extra` arguments and checks the index against the manifest.
fn check(script: &str, extra: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tempfile::tempdir().expect("temp dir");
    let bundle = out.path().join("out");
    let script_path = root.join(script);
    let mut args =
        vec!["build", script_path.to_str().expect("utf-8"), "-o", bundle.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    let output = zat(&args);
    assert_eq!(output.status.code(), Some(0), "{script} {extra:?}: {}", text(&output.stderr));
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(bundle.join(zat_core::MANIFEST_FILE)).expect("read the manifest"),
    )
    .expect("the manifest is JSON");
    let listed: BTreeSet<String> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_owned())
        .collect();
    assert!(!listed.is_empty());
    let readme = std::fs::read_to_string(bundle.join("README.md")).expect("README");
    for path in mentioned_paths(&readme, "") {
        assert!(listed.contains(&path), "{script} {extra:?}: README.md names {path}");
    }
    let lpars: BTreeSet<&str> = listed
        .iter()
        .filter_map(|p| p.strip_prefix("lpars/").and_then(|rest| rest.split('/').next()))
        .collect();
    assert!(!lpars.is_empty());
    for lpar in lpars {
        let path = format!("lpars/{lpar}/RUNBOOK.md");
        let runbook = std::fs::read_to_string(bundle.join(&path)).expect("runbook");
        let named = mentioned_paths(&runbook, &format!("lpars/{lpar}"));
        for mention in &named {
            assert!(listed.contains(mention), "{script} {extra:?}: {path} names {mention}");
        }
        for file in listed.iter().filter(|p| p.starts_with(&format!("lpars/{lpar}/"))) {
            assert!(
                *file == path || named.contains(file),
                "{script} {extra:?}: {path} does not name {file}"
            );
        }
    }
}

#[test]
fn runbooks_and_readme_name_exactly_the_bundle_of_every_example() {
    for script in ["examples/zos-connect-requester/fleet.rhai", "scripts/fleet.rhai"] {
        check(script, &[]);
        check(script, &["--plugin", "syslog=off"]);
        check(script, &["--plugin", "pagent=off", "--plugin", "tcpip=off"]);
    }
}

#[test]
fn the_multi_esm_example_builds_with_the_site_plugins_and_indexes_their_files() {
    let plugins = plugin_dir(&["zat_acf2", "zat_top_secret", "zat_testplug_inventory_lib"]);
    let dir = plugins.path().to_str().expect("utf-8").to_owned();
    check("examples/multi-esm/fleet.rhai", &["--plugin-dir", &dir]);
    check("examples/multi-esm/fleet.rhai", &["--plugin-dir", &dir, "--plugin", "syslog=off"]);
}

/// Without the site plugins, the ACF2 and Top Secret databases are refused (ZAT0390) by build
/// and by check alike.
#[test]
fn the_multi_esm_example_needs_its_site_plugins() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("examples/multi-esm/fleet.rhai");
    let script = script.to_str().expect("utf-8");
    for command in ["check", "build"] {
        let out = tempfile::tempdir().expect("temp dir");
        let bundle = out.path().join("out");
        let mut args = vec![command, script];
        if command == "build" {
            args.extend(["-o", bundle.to_str().expect("utf-8")]);
        }
        let output = zat(&args);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command}: {stderr}");
        assert!(stderr.contains("`esm:acf2`") && stderr.contains("`esm:tss`"), "{stderr}");
        assert!(!bundle.exists(), "{command} wrote nothing");
    }
}
