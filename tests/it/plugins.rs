//! Plugins end to end: real libraries built by the workspace, loaded with dlopen, called by
//! the real `zat` binary; every bad plugin fails cleanly and leaves the bundle untouched.
//!
//! These tests need the workspace's cdylibs and the `zat` binary next to the test binary:
//! run `cargo build --workspace` before `cargo test`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use zat_plugin_api::Emitter as _;
use zat_plugin_host::{Plugin, PluginOrigin, PluginSetBuilder};
use zat_testplug_inventory::InventoryEmitter;

/// `target/<profile>`, where cargo puts the workspace's binaries and cdylibs.
pub(crate) fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its own path");
    // target/<profile>/deps/it-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps")
        .to_owned()
}

fn built(path: PathBuf) -> PathBuf {
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --workspace` first (with the same profile as the tests)",
        path.display()
    );
    if let Some(stale) = newer_source(&path) {
        panic!(
            "{} is older than its source {}: run `cargo build --workspace` before `cargo test` \
             (the end-to-end suite never runs against stale binaries or libraries)",
            path.display(),
            stale.display()
        );
    }
    path
}

/// A source file the artefact was built from that changed after it, read from the dep-info
/// file cargo writes beside it (`target/<profile>/zat.d`: `artefact: source source ...`).
fn newer_source(artefact: &Path) -> Option<PathBuf> {
    let built = std::fs::metadata(artefact).and_then(|m| m.modified()).ok()?;
    let stem = artefact.file_name()?.to_str()?;
    let stem = stem
        .strip_suffix(std::env::consts::DLL_SUFFIX)
        .or_else(|| {
            stem.strip_suffix(std::env::consts::EXE_SUFFIX)
                .filter(|_| !std::env::consts::EXE_SUFFIX.is_empty())
        })
        .unwrap_or(stem);
    let info = std::fs::read_to_string(artefact.with_file_name(format!("{stem}.d"))).ok()?;
    let (_, sources) = info.lines().next()?.split_once(": ")?;
    // Paths with blanks are escaped as `\ `; the workspace's have none.
    sources.split(' ').filter(|s| !s.is_empty()).map(PathBuf::from).find(|source| {
        std::fs::metadata(source).and_then(|m| m.modified()).is_ok_and(|changed| changed > built)
    })
}

/// A plugin library of this workspace by crate name, e.g. `zat_testplug_inventory`.
pub(crate) fn library(crate_name: &str) -> PathBuf {
    let file =
        format!("{}{crate_name}{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    built(target_dir().join(file))
}

/// The `zat` binary of this build.
pub(crate) fn zat_binary() -> PathBuf {
    built(target_dir().join(format!("zat{}", std::env::consts::EXE_SUFFIX)))
}

/// The multi-LPAR fleet script.
pub(crate) fn fleet_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/fleet.rhai")
}

/// A fresh plugin folder holding copies of the named libraries.
pub(crate) fn plugin_dir(crate_names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in crate_names {
        let from = library(name);
        let to = dir.path().join(from.file_name().expect("a library has a file name"));
        std::fs::copy(&from, &to).expect("copy the plugin library");
    }
    dir
}

/// `zat ARGS` with a clean environment for plugins (no ZAT_PLUGIN_PATH, no colour).
pub(crate) fn zat(args: &[&str]) -> Output {
    Command::new(zat_binary())
        .args(args)
        .env_remove("ZAT_PLUGIN_PATH")
        .env("NO_COLOR", "1")
        .output()
        .expect("run zat")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Everything under `dir` as path -> bytes, plus the names beside it (to spot new siblings).
fn snapshot(out: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let tree = zat_core::read_tree(out).expect("read the bundle");
    let parent = out.parent().expect("the output folder has a parent");
    let mut names: Vec<String> = std::fs::read_dir(parent)
        .expect("list the parent")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    (tree, names)
}

fn inventory_request() -> Vec<u8> {
    let prepared = zat_core::fixtures::multi();
    let request = zat_plugin_api::RenderRequest::new(prepared.fleet, "test");
    serde_json::to_vec(&request).expect("the request serialises")
}

#[test]
fn loaded_library_gives_the_same_files_as_the_linked_in_emitter() {
    let loaded = Plugin::load(&library("zat_testplug_inventory_lib")).expect("load the cdylib");
    let linked = Plugin::builtin::<InventoryEmitter>().expect("register the rlib");
    assert_eq!(loaded.name(), InventoryEmitter::NAME);
    assert_eq!(loaded.info(), linked.info());
    assert!(matches!(loaded.origin(), PluginOrigin::Library(_)));
    let request = inventory_request();
    let from_library = loaded.render(&request).expect("render through dlopen");
    let from_rlib = linked.render(&request).expect("render linked in");
    assert!(!from_library.files.is_empty());
    assert_eq!(from_library, from_rlib);
    // And the same as calling the Rust type directly, without any bytes in between.
    let parsed: zat_plugin_api::RenderRequest = serde_json::from_slice(&request).expect("json");
    let direct = InventoryEmitter.render(&parsed).expect("render directly");
    assert_eq!(from_library, direct);
}

#[test]
fn a_builtin_and_a_library_with_one_name_clash_unless_one_is_chosen() {
    let dir = plugin_dir(&["zat_testplug_inventory_lib"]);
    let builder = || PluginSetBuilder::new().builtin::<InventoryEmitter>().plugin_dir(dir.path());
    let error = builder().build().expect_err("two plugins named inventory").to_string();
    assert!(error.contains("two plugins are named `inventory`"), "{error}");
    assert!(
        error.contains("built-in") && error.contains("libzat_testplug_inventory_lib"),
        "{error}"
    );

    let set = builder()
        .choose("inventory", zat_plugin_host::Choice::Builtin)
        .build()
        .expect("the choice resolves the clash");
    assert_eq!(set.plugins().len(), 1);
    assert_eq!(set.plugins()[0].origin(), &PluginOrigin::Builtin);
}

#[test]
fn two_libraries_with_one_name_clash_in_zat_unless_chosen() {
    let dir = plugin_dir(&["zat_testplug_inventory_lib"]);
    let original =
        dir.path().join(library("zat_testplug_inventory_lib").file_name().expect("name"));
    let copy = dir.path().join(format!("libcopy_of_inventory{}", std::env::consts::DLL_SUFFIX));
    std::fs::copy(&original, &copy).expect("copy");
    let out = tempfile::tempdir().expect("temp dir");
    let out_dir = out.path().join("out");
    let script = fleet_script();
    let base = |extra: &[&str]| {
        let mut args = vec![
            "build",
            script.to_str().expect("utf-8 path"),
            "-o",
            out_dir.to_str().expect("utf-8 path"),
            "--plugin-dir",
            dir.path().to_str().expect("utf-8 path"),
        ];
        args.extend_from_slice(extra);
        zat(&args)
    };
    let clash = base(&[]);
    assert_eq!(clash.status.code(), Some(2), "stderr: {}", text(&clash.stderr));
    let stderr = text(&clash.stderr);
    assert!(stderr.contains("two plugins are named `inventory`"), "{stderr}");
    assert!(stderr.contains("--plugin inventory="), "the message says how to choose: {stderr}");
    assert!(!out_dir.exists());

    let choice = format!("inventory={}", copy.display());
    let chosen = base(&["--plugin", &choice]);
    assert_eq!(chosen.status.code(), Some(0), "stderr: {}", text(&chosen.stderr));
    assert!(out_dir.join("MANIFEST.json").is_file());
}

/// Each bad plugin: (crate, words the error must contain).
const BAD_PLUGINS: &[(&str, &[&str])] = &[
    (
        "zat_testplug_panic",
        &["plugin `testplug-panic`", "libzat_testplug_panic", "panicked", "always panics"],
    ),
    ("zat_testplug_badabi", &["libzat_testplug_badabi", "ABI 999", "ABI 2"]),
    (
        "zat_testplug_badjson",
        &["plugin `testplug-badjson`", "libzat_testplug_badjson", "malformed JSON"],
    ),
    (
        "zat_testplug_escape",
        &[
            "`testplug-escape`",
            "\"../escape\"",
            "\"/tmp/zat-escape\"",
            "refused",
            "libzat_testplug_escape",
        ],
    ),
    (
        "zat_testplug_dupe",
        &["\"dupe/same.txt\"", "written twice", "`testplug-dupe`", "libzat_testplug_dupe"],
    ),
];

#[test]
fn every_bad_plugin_fails_cleanly_and_leaves_the_bundle_untouched() {
    let script = fleet_script();
    let script = script.to_str().expect("utf-8 path");
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    let out_arg = out.to_str().expect("utf-8 path");
    let good = plugin_dir(&["zat_testplug_inventory_lib"]);
    let first = zat(&[
        "build",
        script,
        "-o",
        out_arg,
        "--plugin-dir",
        good.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(first.status.code(), Some(0), "stderr: {}", text(&first.stderr));
    let before = snapshot(&out);
    assert!(before.0.contains_key("MANIFEST.json"));

    for (name, expected) in BAD_PLUGINS {
        let dir = plugin_dir(&["zat_testplug_inventory_lib", name]);
        let output = zat(&[
            "build",
            script,
            "-o",
            out_arg,
            "--plugin-dir",
            dir.path().to_str().expect("utf-8"),
        ]);
        let stderr = text(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name} must fail with exit 2, not crash; stderr: {stderr}"
        );
        for word in *expected {
            assert!(
                stderr.contains(word),
                "{name}: the error should mention {word:?}; stderr: {stderr}"
            );
        }
        // A panic inside zat itself would exit with 101; the plugin's own panic message on
        // stderr (its panic hook) is expected.
        assert_eq!(snapshot(&out), before, "{name}: the bundle and its folder must be untouched");
    }
}

/// The library name of every emitter's cdylib crate (`plugins/zat-emit-*-cdylib`).
const EMITTER_LIBRARIES: &[&str] = &[
    "zat_racf",
    "zat_pagent",
    "zat_tcpip",
    "zat_syslog",
    "zat_ceeopts",
    "zat_zosconnect",
    "zat_runbook",
    "zat_acf2",
    "zat_top_secret",
];

#[test]
fn plugins_test_passes_every_good_plugin_and_fails_every_bad_one() {
    let mut good: Vec<PathBuf> =
        vec![library("zat_testplug_inventory_lib"), library("zat_example_plugin")];
    // Every emitter library of this workspace (the thin cdylib crates under plugins/).
    for emitter in EMITTER_LIBRARIES {
        good.push(library(emitter));
    }
    for lib in &good {
        let output = zat(&["plugins", "test", lib.to_str().expect("utf-8 path")]);
        let stdout = text(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {stdout}\n{}",
            lib.display(),
            text(&output.stderr)
        );
        assert!(stdout.contains("conformance: passed"), "{stdout}");
        // An ESM plugin is tried on the fixture with its ESM, where it must write something.
        let lib_name = lib.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        for (plugin, esm) in [("acf2", "acf2"), ("top_secret", "tss")] {
            if lib_name.contains(&format!("zat_{plugin}.")) {
                let line = stdout
                    .lines()
                    .find(|l| l.contains(&format!("multi on {esm}: render:")))
                    .unwrap_or_else(|| panic!("{lib_name} not tried on {esm}: {stdout}"));
                assert!(!line.contains("render: 0 files"), "{line}");
            }
        }
    }
    for (name, _) in BAD_PLUGINS {
        let lib = library(name);
        let output = zat(&["plugins", "test", lib.to_str().expect("utf-8 path")]);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{name}: {stdout}\n{}", text(&output.stderr));
        assert!(
            stdout.contains("FAIL") && stdout.contains("conformance: FAILED"),
            "{name}: {stdout}"
        );
    }
}

#[test]
fn plugins_list_names_version_abi_and_source() {
    let dir = plugin_dir(&["zat_testplug_inventory_lib"]);
    let output = zat(&[
        "plugins",
        "list",
        "--no-builtin",
        "--plugin-dir",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let line = stdout.lines().find(|l| l.starts_with("inventory\t")).unwrap_or_default();
    assert!(line.starts_with("inventory\t0.1.0\t2\t"), "{stdout}");
    assert!(line.contains("libzat_testplug_inventory_lib"), "{stdout}");
}

#[test]
fn the_current_directory_is_never_searched() {
    let dir = plugin_dir(&["zat_testplug_inventory_lib"]);
    let output = Command::new(zat_binary())
        .args(["plugins", "list", "--no-builtin"])
        .current_dir(dir.path())
        .env_remove("ZAT_PLUGIN_PATH")
        .output()
        .expect("run zat");
    assert_eq!(output.status.code(), Some(0));
    assert!(!text(&output.stdout).contains("inventory"), "{}", text(&output.stdout));
    // An empty ZAT_PLUGIN_PATH entry would mean the current directory; it is skipped.
    let output = Command::new(zat_binary())
        .args(["plugins", "list", "--no-builtin"])
        .current_dir(dir.path())
        .env("ZAT_PLUGIN_PATH", ":")
        .output()
        .expect("run zat");
    assert!(!text(&output.stdout).contains("inventory"), "{}", text(&output.stdout));
    // A folder named in ZAT_PLUGIN_PATH is searched.
    let output = Command::new(zat_binary())
        .args(["plugins", "list", "--no-builtin"])
        .env("ZAT_PLUGIN_PATH", dir.path())
        .output()
        .expect("run zat");
    assert!(text(&output.stdout).contains("inventory\t"), "{}", text(&output.stdout));
}

#[test]
fn plugin_options_reach_the_plugins() {
    let out = tempfile::tempdir().expect("temp dir");
    let bundle = out.path().join("out");
    let script = fleet_script();
    let build = |extra: &[&str]| {
        let mut args = vec!["build", script.to_str().expect("utf-8"), "-o"];
        args.push(bundle.to_str().expect("utf-8"));
        args.extend_from_slice(extra);
        let output = zat(&args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        std::fs::read_to_string(bundle.join("security/PLEX1/racf/SETUP.jcl")).expect("setup job")
    };
    assert!(build(&[]).contains("PGM=IKJEFT1B"));
    let tolerant = build(&["--plugin-option", "racf.strict_tmp=IKJEFT01"]);
    assert!(!tolerant.contains("PGM=IKJEFT1B"), "{tolerant}");
    // Every option the racf emitter's README documents is taken, and does what it says.
    let servauth =
        || std::fs::read_to_string(bundle.join("lpars/SYS1/racf/SERVAUTH.jcl")).expect("servauth");
    build(&[]);
    assert!(servauth().contains("ID(PAGENT)"), "{}", servauth());
    build(&["--plugin-option", "racf.pagent_id=*", "--plugin-option", "racf.generic=permit"]);
    assert!(servauth().contains("WHEN(PROGRAM(PAGENT,EZAPAGEN))"), "{}", servauth());
    assert!(!servauth().contains("ID(PAGENT)"), "{}", servauth());
    let refused = zat(&["build", script.to_str().expect("utf-8"), "--plugin-option", "no-equals"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("PLUGIN.KEY=VALUE"), "{}", text(&refused.stderr));
}

/// The emitters linked into zat are called with the request itself, not its JSON bytes (the
/// bytes cost a third of a large build). The same emitters as libraries go through the C
/// table and the worker process: both builds of the multi-LPAR fleet and of the seed example
/// must write the same bytes, file for file.
#[test]
fn linked_in_emitters_write_what_their_libraries_write() {
    let libraries: Vec<&str> = EMITTER_LIBRARIES
        .iter()
        .copied()
        .filter(|l| !matches!(*l, "zat_acf2" | "zat_top_secret"))
        .collect();
    let dir = plugin_dir(&libraries);
    let seed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/zos-connect-requester/fleet.rhai");
    for script in [fleet_script(), seed] {
        let work = tempfile::tempdir().expect("temp dir");
        let linked = work.path().join("linked");
        let loaded = work.path().join("loaded");
        let script = script.to_str().expect("utf-8 path");
        let common = ["-q", "build", script, "--today", "2026-12-01"];
        let output = zat(&[&common[..], &["-o", linked.to_str().expect("utf-8")]].concat());
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let plugin_dir = dir.path().to_str().expect("utf-8 path");
        let args = [
            &common[..],
            &["-o", loaded.to_str().expect("utf-8"), "--no-builtin", "--plugin-dir", plugin_dir],
        ]
        .concat();
        let output = zat(&args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let linked = zat_core::read_tree(&linked).expect("read");
        let loaded = zat_core::read_tree(&loaded).expect("read");
        assert!(linked.len() > 20, "{script}: {} files", linked.len());
        assert_eq!(
            linked.keys().collect::<Vec<_>>(),
            loaded.keys().collect::<Vec<_>>(),
            "{script}"
        );
        for (path, bytes) in &linked {
            assert!(loaded.get(path) == Some(bytes), "{script}: {path} differs");
        }
    }
}
