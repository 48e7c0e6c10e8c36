//! How findings leave a command: the shared flags (`--format`, `--allow`, `--deny-warnings`),
//! the JSON documents of `check`, `build`, `diff` and `lint`, SARIF 2.1.0 for code scanning,
//! and the exit code the findings give.
//!
//! JSON and SARIF go to stdout; human output (miette) and the one-line summary to stderr.
//! The JSON shapes are Rust types with a JSON Schema (`zat schema --output KIND`), so that
//! what is written and what is documented cannot drift.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use zat_model::{Diagnostic, Severity};

use crate::{Exit, common, report};

/// How a command writes its findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Diagnostics with source excerpts on stderr, and a one-line summary.
    #[default]
    Human,
    /// One JSON document on stdout (`zat schema --output COMMAND` is its schema).
    Json,
    /// SARIF 2.1.0 on stdout, for code scanning (check and lint).
    Sarif,
}

/// The finding flags of `check`, `build`, `diff`, `report` and `lint`.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct FindingArgs {
    /// Output format: human (stderr), json or sarif (stdout; sarif for check and lint).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// Exit 1 when a warning remains (after --allow), as for an error.
    #[arg(long)]
    pub(crate) deny_warnings: bool,
    /// Acknowledge a warning: leave out every warning or note with this code (repeatable),
    /// e.g. `--allow ZAT0342` once the PKCS#12 password procedure is in place. An error
    /// cannot be allowed.
    #[arg(long = "allow", value_name = "CODE", add = clap_complete::engine::ArgValueCompleter::new(crate::completions::codes))]
    pub(crate) allow: Vec<String>,
}

impl FindingArgs {
    /// Fails with a usage error when the command cannot write `format`; warns about each
    /// allowed code that no diagnostic has.
    pub(crate) fn require(&self, sarif_ok: bool, command: &str) -> Result<(), Exit> {
        warn_unknown_codes(&self.allow);
        if self.format == Format::Sarif && !sarif_ok {
            report::usage_error(&format!(
                "--format sarif is for check and lint; `zat {command}` writes human or json"
            ));
            return Err(Exit::Failure);
        }
        Ok(())
    }

    /// The diagnostics without the allowed warnings and notes (errors always stay).
    pub(crate) fn filter(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter(|d| {
                d.is_error() || !self.allow.iter().any(|code| code.eq_ignore_ascii_case(&d.code))
            })
            .collect()
    }

    /// Exit 1 when the findings hold an error, or a warning under `--deny-warnings`.
    pub(crate) fn exit_for(&self, diagnostics: &[Diagnostic]) -> Exit {
        let denied =
            self.deny_warnings && diagnostics.iter().any(|d| d.severity == Severity::Warning);
        if denied || diagnostics.iter().any(Diagnostic::is_error) {
            Exit::InputErrors
        } else {
            Exit::Ok
        }
    }

    /// Human format: every diagnostic on stderr (errors only under `-q`).
    pub(crate) fn human(&self, diagnostics: &[Diagnostic]) {
        if self.format == Format::Human {
            report::diagnostics(diagnostics);
        }
    }
}

/// What `zat build --format json` writes.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct BuildOutput {
    /// Whether the bundle was written (or, with `--check`, is up to date).
    pub(crate) ok: bool,
    /// The bundle folder.
    pub(crate) output: String,
    /// With `--check`: what differs on disk; otherwise empty.
    pub(crate) drift: Vec<Change>,
    /// The bundle's files (without the manifest), sorted; empty when nothing was built.
    pub(crate) files: Vec<String>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// What `zat diff --format json` writes.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DiffOutput {
    /// The bundle folder compared with.
    pub(crate) output: String,
    /// Every file a build would add, remove or change, sorted by path.
    pub(crate) changes: Vec<Change>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// One file that differs between a build and the bundle on disk.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Change {
    pub(crate) path: String,
    pub(crate) change: ChangeKind,
    /// The unified diff of the file; left out for a file that is not text, and by
    /// `build --check`, which lists the files only (`default` makes the schema say so).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) patch: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// The documents `zat schema --output` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Document {
    /// `zat check --format json` and `zat lint --format json`: an array of diagnostics.
    Check,
    /// `zat lint --format json` (the same array).
    Lint,
    /// `zat build --format json`.
    Build,
    /// `zat diff --format json`.
    Diff,
}

/// The JSON Schema of a command's JSON output.
pub(crate) fn schema(document: Document) -> schemars::Schema {
    let mut schema = match document {
        Document::Check | Document::Lint => schemars::schema_for!(Vec<Diagnostic>),
        Document::Build => schemars::schema_for!(BuildOutput),
        Document::Diff => schemars::schema_for!(DiffOutput),
    };
    let name = format!("{document:?}").to_lowercase();
    schema.insert("title".to_owned(), format!("zat {name} --format json").into());
    schema
}

/// Writes `value` as pretty JSON on stdout.
pub(crate) fn write_json(value: &impl Serialize) -> Exit {
    match serde_json::to_string_pretty(value) {
        Ok(json) => common::write_stdout(&format!("{json}\n")),
        Err(err) => {
            report::usage_error(&format!("cannot write JSON: {err}"));
            Exit::Failure
        }
    }
}

/// Writes the findings of `check` or `lint` in `format` (JSON: the diagnostics array; SARIF:
/// one run of tool `zat`), then gives the exit the findings call for.
pub(crate) fn write_findings(
    args: &FindingArgs,
    diagnostics: &[Diagnostic],
    fallback_file: &str,
) -> Exit {
    let written = match args.format {
        Format::Human => {
            report::diagnostics(diagnostics);
            Exit::Ok
        }
        Format::Json => write_json(&diagnostics),
        Format::Sarif => write_json(&sarif(diagnostics, fallback_file)),
    };
    if written == Exit::Ok { args.exit_for(diagnostics) } else { written }
}

/// A SARIF 2.1.0 log of `diagnostics`: one run, one rule per code (its `zat explain` title
/// and text), one result per diagnostic located at its script line and column. A diagnostic
/// without a position is located at `fallback_file` (code scanning needs a location).
pub(crate) fn sarif(diagnostics: &[Diagnostic], fallback_file: &str) -> serde_json::Value {
    use serde_json::json;
    let codes: Vec<&str> = {
        let mut codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    };
    let index: BTreeMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|code| {
            let known = crate::explain::find(code);
            let title = known.map_or(*code, |k| k.title);
            let mut rule = json!({
                "id": code,
                "name": code,
                "shortDescription": { "text": title },
            });
            if let Some(known) = known {
                rule["fullDescription"] = json!({ "text": known.explanation.replace('\n', " ") });
                rule["help"] = json!({ "text": format!("zat explain {code}") });
            }
            rule
        })
        .collect();
    let results: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            };
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!(" ({help})"));
            }
            let location = match &d.origin {
                Some(origin) if origin.line > 0 => {
                    let mut region = json!({ "startLine": origin.line });
                    if origin.column > 0 {
                        region["startColumn"] = json!(origin.column);
                    }
                    json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri(&origin.file) },
                            "region": region,
                        }
                    })
                }
                Some(origin) => json!({
                    "physicalLocation": { "artifactLocation": { "uri": uri(&origin.file) } }
                }),
                None => json!({
                    "physicalLocation": { "artifactLocation": { "uri": uri(fallback_file) } }
                }),
            };
            let mut result = json!({
                "ruleId": d.code,
                "ruleIndex": index.get(d.code.as_str()).copied().unwrap_or(0),
                "level": level,
                "message": { "text": text },
                "locations": [location],
            });
            if !d.object.is_empty() {
                result["locations"][0]["logicalLocations"] = json!([{ "name": d.object }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "zat",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// A file name as a SARIF URI reference: a relative path with `/` (relative to where zat ran,
/// which for CI is the repository root), percent-encoding what a URI cannot hold.
fn uri(file: &str) -> String {
    let path = file.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A warning for each code in `allow` (`--allow` or zat.toml's `allow`) that `zat explain`
/// does not know: a misspelt code would otherwise allow nothing without a word. A site
/// plugin's own code is not in the table, so this is a warning, not an error.
pub(crate) fn warn_unknown_codes(allow: &[String]) {
    for code in allow.iter().filter(|code| crate::explain::find(code).is_none()) {
        report::usage_warning(&format!(
            "allow `{code}` (--allow or zat.toml) is no known diagnostic code, so it allows nothing zat reports; `zat explain --list` shows every code"
        ));
    }
}

#[cfg(test)]
mod tests {
    use zat_model::Origin;

    use super::*;

    #[test]
    fn uris_are_relative_slash_paths_with_escapes() {
        assert_eq!(uri("./scripts/fleet.rhai"), "scripts/fleet.rhai");
        assert_eq!(uri("a b\\c.rhai"), "a%20b/c.rhai");
        assert_eq!(uri("/abs/x.rhai"), "file:///abs/x.rhai");
    }

    #[test]
    fn allowed_warnings_go_errors_stay_and_deny_warnings_fails() {
        let warning = Diagnostic::warning("ZAT0342", "w");
        let error = Diagnostic::error("ZAT0342", "e");
        let args = FindingArgs { allow: vec!["zat0342".to_owned()], ..FindingArgs::default() };
        let kept = args.filter(vec![warning.clone(), error.clone()]);
        assert_eq!(kept, vec![error]);
        let deny = FindingArgs { deny_warnings: true, ..FindingArgs::default() };
        assert_eq!(deny.exit_for(std::slice::from_ref(&warning)), Exit::InputErrors);
        assert_eq!(FindingArgs::default().exit_for(&[warning]), Exit::Ok);
    }

    #[test]
    fn sarif_results_point_at_the_script_line() {
        let d =
            Diagnostic::warning("ZAT0342", "m").at(&Origin::new("s/f.rhai", 7, 3)).object("cert X");
        let log = sarif(&[d], "s/f.rhai");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 7);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "s/f.rhai"
        );
        assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][0]["id"], "ZAT0342");
        assert_eq!(result["level"], "warning");
    }
}
