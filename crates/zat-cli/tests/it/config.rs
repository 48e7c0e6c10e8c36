//! `zat.toml` beside the script: parameters, library folders, allowed warnings and
//! deny_warnings come from it, the command line wins, and an unknown key is an error.

use crate::{fixtures, zat_in};

/// A project folder with `script` as fleet.rhai, the fixtures' site library under `lib/`, and
/// `config` as zat.toml.
fn project(script: &str, config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(fixtures().join(script), dir.path().join("fleet.rhai")).expect("script");
    std::fs::create_dir(dir.path().join("lib")).expect("lib");
    std::fs::copy(fixtures().join("site-lib/levels.rhai"), dir.path().join("lib/levels.rhai"))
        .expect("library");
    std::fs::write(dir.path().join("zat.toml"), config).expect("zat.toml");
    dir
}

fn fleet_name(dir: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec!["model", "fleet.rhai"];
    args.extend_from_slice(extra);
    let out = zat_in(dir, &args);
    out.expect_code(0);
    let model: serde_json::Value = serde_json::from_str(&out.stdout).expect("model JSON");
    model["name"].as_str().expect("name").to_owned()
}

#[test]
fn parameters_and_libraries_come_from_zat_toml_and_the_command_line_wins() {
    let dir = project("small.rhai", "[params]\nname = \"FROMTOML\"\n");
    assert_eq!(fleet_name(dir.path(), &[]), "FROMTOML");
    assert_eq!(fleet_name(dir.path(), &["--set", "name=FROMCLI"]), "FROMCLI");
    // Run from elsewhere: the file is found beside the script.
    let out = zat_in(&fixtures(), &["model", &dir.path().join("fleet.rhai").to_string_lossy()]);
    out.expect_code(0);
    assert!(out.stdout.contains("FROMTOML"));

    let dir = project("import_lib.rhai", "lib = [\"lib\"]\n");
    zat_in(dir.path(), &["check", "fleet.rhai"]).expect_code(0);
    let dir = project("import_lib.rhai", "");
    zat_in(dir.path(), &["check", "fleet.rhai"]).expect_code(1);
}

#[test]
fn allow_and_deny_warnings_come_from_zat_toml() {
    let dir = project("warning_only.rhai", "deny_warnings = true\n");
    zat_in(dir.path(), &["check", "fleet.rhai"]).expect_code(1);
    let out = zat_in(dir.path(), &["check", "fleet.rhai", "--format", "json"]);
    out.expect_code(1);
    let code = serde_json::from_str::<serde_json::Value>(&out.stdout).expect("json")[0]["code"]
        .as_str()
        .expect("code")
        .to_owned();
    std::fs::write(
        dir.path().join("zat.toml"),
        // ZAT0347 (jobs planned without a discovered state) is acknowledged too.
        format!("deny_warnings = true\nallow = [\"{code}\", \"ZAT0347\"]\n"),
    )
    .expect("rewrite");
    zat_in(dir.path(), &["check", "fleet.rhai"]).expect_code(0);
}

/// A `[params]` entry no script reads is reported as coming from the file that holds it, not
/// from a `--set` the user never typed; a `--set` of the same key is the command line's.
#[test]
fn an_unread_parameter_of_zat_toml_names_the_file() {
    let dir = project("small.rhai", "[params]\nlpar = 5\n");
    let out = zat_in(dir.path(), &["check", "fleet.rhai"]);
    out.expect_code(0).stderr_has("ZAT0012").stderr_has("[params] lpar in ./zat.toml");
    assert!(!out.stderr.contains("--set lpar"), "{}", out.stderr);
    let out = zat_in(dir.path(), &["check", "fleet.rhai", "--set", "lpar=6"]);
    out.expect_code(0).stderr_has("--set lpar");
    let sub = dir.path().join("t2");
    std::fs::create_dir(&sub).expect("t2");
    std::fs::copy(dir.path().join("fleet.rhai"), sub.join("fleet.rhai")).expect("script");
    std::fs::copy(dir.path().join("zat.toml"), sub.join("zat.toml")).expect("zat.toml");
    let out = zat_in(dir.path(), &["check", "t2/fleet.rhai"]);
    out.expect_code(0).stderr_has("[params] lpar in t2/zat.toml");
}

#[test]
fn an_unknown_key_is_an_error_that_names_the_file_and_the_keys() {
    let dir = project("small.rhai", "plugin_dir = [\"/opt\"]\n");
    let out = zat_in(dir.path(), &["check", "fleet.rhai"]);
    out.expect_code(2).stderr_has("zat.toml").stderr_has("plugin_dirs");
    let dir = project("small.rhai", "[params]\n\"9x\" = 1\n");
    zat_in(dir.path(), &["check", "fleet.rhai"]).expect_code(2).stderr_has("parameter name `9x`");
}

/// `zat build --deny-warnings` streams like any build: a warning stops it before the new tree
/// replaces the old one (nothing written, an old bundle untouched), and with the warnings
/// allowed it writes incrementally, `--format json` listing every file.
#[test]
fn a_denied_warning_leaves_the_bundle_as_it_was_and_an_allowed_one_builds_incrementally() {
    let dir = project("warning_only.rhai", "");
    let out = zat_in(dir.path(), &["build", "fleet.rhai", "-o", "out", "--deny-warnings"]);
    out.expect_code(1).stderr_has("nothing written");
    assert!(!dir.path().join("out").exists(), "a denied build writes nothing");
    let names = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert!(!names(dir.path()).iter().any(|n| n.contains(".zat-")), "{:?}", names(dir.path()));

    zat_in(dir.path(), &["build", "fleet.rhai", "-o", "out"]).expect_code(0);
    let manifest = dir.path().join("out/MANIFEST.json");
    let before = std::fs::read(&manifest).expect("manifest");
    // Denied over an existing bundle: the bundle stays, byte for byte.
    let out = zat_in(dir.path(), &["build", "fleet.rhai", "-o", "out", "--deny-warnings"]);
    out.expect_code(1).stderr_has("nothing written");
    assert_eq!(std::fs::read(&manifest).expect("manifest"), before);

    let out = zat_in(dir.path(), &["build", "fleet.rhai", "-o", "out", "--format", "json"]);
    out.expect_code(0);
    let document: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(document["ok"], true);
    let files = document["files"].as_array().expect("files");
    let listed: Vec<&str> = files.iter().filter_map(serde_json::Value::as_str).collect();
    let manifest: serde_json::Value = serde_json::from_slice(&before).expect("manifest JSON");
    let paths: Vec<&str> = manifest["files"]
        .as_array()
        .expect("manifest files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(listed, paths, "every file of the bundle, in path order");
    // The JSON build is incremental too: nothing changed, so the state stays and so does
    // every file.
    assert!(dir.path().join("out/.zat-state").is_file());
    assert_eq!(std::fs::read(dir.path().join("out/MANIFEST.json")).expect("manifest"), before);
}

#[test]
fn no_base_comes_from_zat_toml() {
    let dir = project("small.rhai", "");
    let base = dir.path().join(".out.zat-base");
    for _ in 0..2 {
        zat_in(dir.path(), &["build", "fleet.rhai", "-o", "out"]).expect_code(0);
    }
    assert!(base.is_dir(), "a rebuild keeps a base by default");
    std::fs::write(dir.path().join("zat.toml"), "no_base = true\n").expect("rewrite");
    zat_in(dir.path(), &["build", "fleet.rhai", "-o", "out"]).expect_code(0);
    assert!(!base.exists(), "no_base in zat.toml keeps none");
}

/// An allowed code that no diagnostic has (a typo) is said to be unknown, from zat.toml as
/// from `--allow`; a known code is taken without a word.
#[test]
fn an_allowed_code_that_does_not_exist_is_a_warning() {
    let dir = project("small.rhai", "allow = [\"ZAT9999\"]\n");
    let out = zat_in(dir.path(), &["check", "fleet.rhai"]);
    out.expect_code(0).stderr_has("`ZAT9999`").stderr_has("no known diagnostic code");
    let dir = project("small.rhai", "");
    let out = zat_in(dir.path(), &["check", "fleet.rhai", "--allow", "ZAT9998"]);
    out.expect_code(0).stderr_has("`ZAT9998`").stderr_has("no known diagnostic code");
    let out = zat_in(dir.path(), &["check", "fleet.rhai", "--allow", "zat0311"]);
    assert!(!out.stderr.contains("no known diagnostic code"), "{}", out.stderr);
}
