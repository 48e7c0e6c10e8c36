//! Output for CI: `--format json` of check, build, diff and lint validated against the schema
//! `zat schema --output` prints, `--format sarif` of check and lint validated against the
//! OASIS SARIF 2.1.0 schema, `--allow`, `--deny-warnings`, `diff --exit-code`, `-q`, the
//! success line and `-v`.

use std::path::Path;

use serde_json::Value;

use crate::{repo, zat_in};

/// The example fleet: valid, with one warning (ZAT0342, at its PKCS#12 certificate).
const EXAMPLE: &str = "examples/zos-connect-requester/fleet.rhai";

/// The line of the example where the PKCS#12 certificate is made.
fn certificate_line() -> u64 {
    let text = std::fs::read_to_string(repo().join(EXAMPLE)).expect("example");
    let index = text.lines().position(|l| l.contains("\"ZOSCONNCERT\", #{")).expect("certificate");
    u64::try_from(index + 1).expect("small")
}

fn run(args: &[&str]) -> crate::Output {
    zat_in(&repo(), args)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Validates `document` against `schema`, listing every violation.
fn validate(schema: &Value, document: &Value) {
    let validator = jsonschema::validator_for(schema).expect("a valid schema");
    let errors: Vec<String> =
        validator.iter_errors(document).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{document:#}");
}

fn output_schema(command: &str) -> Value {
    let out = run(&["schema", "--output", command]);
    out.expect_code(0);
    json(&out.stdout)
}

fn sarif_schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    json(&std::fs::read_to_string(path).expect("vendored SARIF schema"))
}

#[test]
fn check_json_is_the_diagnostics_array_of_its_schema() {
    let out = run(&["check", EXAMPLE, "--format", "json"]);
    out.expect_code(0);
    let document = json(&out.stdout);
    validate(&output_schema("check"), &document);
    let codes: Vec<&str> =
        document.as_array().expect("array").iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["ZAT0342", "ZAT0347", "ZAT0347"]);
    assert_eq!(document[0]["origin"]["line"], certificate_line());
    // The schema is not a rubber stamp: a diagnostic without a code fails it.
    let validator = jsonschema::validator_for(&output_schema("check")).expect("schema");
    assert!(!validator.is_valid(&serde_json::json!([{ "severity": "error", "message": "m" }])));
}

#[test]
fn check_sarif_validates_and_points_at_the_script_line() {
    let out = run(&["check", EXAMPLE, "--format", "sarif"]);
    out.expect_code(0);
    let log = json(&out.stdout);
    validate(&sarif_schema(), &log);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "zat");
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "ZAT0342");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "ZAT0342");
    assert_eq!(result["level"], "warning");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], EXAMPLE);
    assert_eq!(location["region"]["startLine"], certificate_line());
}

#[test]
fn lint_json_and_sarif_validate() {
    let dir = repo().join("crates/zat-cli/tests/fixtures/policies");
    let out = zat_in(&dir, &["lint", "broken.policy", "messy.policy", "--format", "json"]);
    out.expect_code(1);
    let document = json(&out.stdout);
    validate(&output_schema("lint"), &document);
    assert!(document.as_array().is_some_and(|a| a.len() > 1));
    let out = zat_in(&dir, &["lint", "broken.policy", "messy.policy", "--format", "sarif"]);
    out.expect_code(1);
    let log = json(&out.stdout);
    validate(&sarif_schema(), &log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), document.as_array().map_or(0, Vec::len));
    assert!(results.iter().any(|r| r["level"] == "error"));
    for result in results {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str();
        assert!(matches!(uri, Some("broken.policy" | "messy.policy")), "{result:#}");
    }
}

#[test]
fn allow_acknowledges_a_warning_and_deny_warnings_fails_on_one() {
    // ZAT0347: the jobs assume an empty security database (no --state).
    let out =
        run(&["check", EXAMPLE, "--allow", "ZAT0342", "--allow", "ZAT0347", "--format", "json"]);
    out.expect_code(0);
    assert_eq!(json(&out.stdout), serde_json::json!([]));
    let out = run(&["check", EXAMPLE, "--deny-warnings"]);
    out.expect_code(1).stderr_has("ZAT0342");
    let out =
        run(&["check", EXAMPLE, "--deny-warnings", "--allow", "ZAT0342", "--allow", "ZAT0347"]);
    out.expect_code(0);
    assert!(!out.stderr.contains("ZAT0342"), "{}", out.stderr);
}

#[test]
fn build_and_diff_json_validate_and_diff_exit_code_tells_changes() {
    let work = tempfile::tempdir().expect("temp dir");
    let bundle = work.path().join("out");
    let bundle_arg = bundle.to_string_lossy().into_owned();
    let out = run(&["build", EXAMPLE, "-o", &bundle_arg, "--format", "json"]);
    out.expect_code(0);
    let document = json(&out.stdout);
    validate(&output_schema("build"), &document);
    assert_eq!(document["ok"], true);
    let files: Vec<&str> =
        document["files"].as_array().expect("files").iter().filter_map(Value::as_str).collect();
    assert!(files.contains(&"deploy/zowe.sh"), "{files:?}");
    assert!(bundle.join("deploy/zowe.sh").is_file());

    let out = run(&["build", EXAMPLE, "-o", &bundle_arg, "--check", "--format", "json"]);
    out.expect_code(0);
    validate(&output_schema("build"), &json(&out.stdout));

    let out = run(&["diff", EXAMPLE, "-o", &bundle_arg, "--exit-code", "--format", "json"]);
    out.expect_code(0);
    let document = json(&out.stdout);
    validate(&output_schema("diff"), &document);
    assert_eq!(document["changes"], serde_json::json!([]));

    let readme = bundle.join("README.md");
    let text = std::fs::read_to_string(&readme).expect("readme");
    std::fs::write(&readme, format!("{text}edited by hand\n")).expect("edit");
    let out = run(&["diff", EXAMPLE, "-o", &bundle_arg, "--exit-code", "--format", "json"]);
    out.expect_code(1);
    let document = json(&out.stdout);
    validate(&output_schema("diff"), &document);
    assert_eq!(document["changes"][0]["path"], "README.md");
    assert_eq!(document["changes"][0]["change"], "changed");
    assert!(
        document["changes"][0]["patch"].as_str().is_some_and(|p| p.contains("-edited by hand"))
    );
    // Without --exit-code, changes are not a failure; the diff is on stdout.
    let out = run(&["diff", EXAMPLE, "-o", &bundle_arg]);
    out.expect_code(0);
    assert!(out.stdout.contains("diff a/README.md b/README.md"), "{}", out.stdout);
    let out = run(&["build", EXAMPLE, "-o", &bundle_arg, "--check", "--format", "json"]);
    out.expect_code(1);
    let document = json(&out.stdout);
    // The drift lists files without their diff, as its schema allows.
    validate(&output_schema("build"), &document);
    assert_eq!(document["drift"][0]["path"], "README.md");
    // SARIF is for check and lint.
    run(&["build", EXAMPLE, "-o", &bundle_arg, "--format", "sarif"]).expect_code(2);
}

#[test]
fn quiet_prints_nothing_but_errors_and_success_is_one_line() {
    let work = tempfile::tempdir().expect("temp dir");
    let bundle = work.path().join("out").to_string_lossy().into_owned();
    let out = run(&["-q", "build", EXAMPLE, "-o", &bundle]);
    out.expect_code(0);
    assert_eq!(out.stderr, "", "a warning and the summary are not errors");
    let out = run(&["build", EXAMPLE, "-o", &bundle]);
    out.expect_code(0);
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("zat: wrote ") && last.ends_with("(3 warnings)"), "{}", out.stderr);
    let out = run(&["check", "scripts/fleet.rhai", "--allow", "ZAT0347", "--allow", "ZAT0363"]);
    out.expect_code(0);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("zat: fleet MYCOM is ready: 3 LPARs"), "{}", out.stderr);
    // Errors still show under -q.
    let out = zat_in(&crate::fixtures(), &["-q", "check", "three_errors.rhai"]);
    out.expect_code(1);
    assert!(out.stderr.contains("error"), "{}", out.stderr);
}

#[test]
fn verbose_shows_plugin_folders_and_plugin_times() {
    let plugins = tempfile::tempdir().expect("plugin dir");
    let out = run(&["-v", "check", EXAMPLE, "--plugin-dir", &plugins.path().to_string_lossy()]);
    out.expect_code(0);
    out.stderr_has("plugin folder").stderr_has("(--plugin-dir)");
    for plugin in ["racf", "pagent", "tcpip", "runbook"] {
        out.stderr_has(&format!("plugin {plugin} rendered in "));
    }
}

#[test]
fn a_parameter_the_script_never_reads_is_a_warning_with_the_nearest_name() {
    let out = run(&["check", "scripts/fleet.rhai", "--set", "lpar=5", "--format", "json"]);
    out.expect_code(0);
    let document = json(&out.stdout);
    assert_eq!(document[0]["code"], "ZAT0012", "{document:#}");
    assert_eq!(document[0]["help"], "did you mean `lpars`?");
    let out = run(&[
        "check",
        "scripts/fleet.rhai",
        "--set",
        "lpars=2",
        "--format",
        "json",
        "--allow",
        "ZAT0347",
        "--allow",
        "ZAT0363",
    ]);
    out.expect_code(0);
    assert_eq!(json(&out.stdout), serde_json::json!([]));
}

#[test]
fn plugin_options_are_checked_against_what_plugins_declare() {
    let out = run(&[
        "check",
        EXAMPLE,
        "--plugin-option",
        "racf.strict_tpm=IKJEFT01",
        "--allow",
        "ZAT0342",
    ]);
    out.expect_code(1).stderr_has("ZAT0392").stderr_has("plugin `racf` has no option `strict_tpm`");
    out.stderr_has("strict_tmp, raclisted");
    let out = run(&["check", EXAMPLE, "--plugin-option", "nosuch.key=1", "--allow", "ZAT0342"]);
    out.expect_code(0).stderr_has("ZAT0391");
    let out = run(&[
        "check",
        EXAMPLE,
        "--plugin-option",
        "racf.strict_tmp=IKJEFT01",
        "--allow",
        "ZAT0342",
    ]);
    out.expect_code(0);
    assert!(!out.stderr.contains("ZAT039"), "{}", out.stderr);
}
