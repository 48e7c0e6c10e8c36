//! `zat build`: run the script, call every plugin, check their paths, and write the bundle
//! atomically; with `--check`, compare with the bundle on disk instead and write nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use zat_core::{Bundle, BundleError, Drift};

use crate::common::{self, ScriptArgs};
use crate::plugins::{self, PluginArgs};
use crate::{Exit, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
    /// The bundle folder. It is replaced as a whole, atomically; an existing folder must be
    /// an earlier bundle (it has a MANIFEST.json) or empty.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub(crate) output: PathBuf,
    /// Write nothing: exit 1 and list what differs (added, removed, changed files) when the
    /// bundle on disk is not what this build would write, 0 when it is identical.
    #[arg(long)]
    pub(crate) check: bool,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

/// What a run renders and with what; shared by `build` and `diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Render only this LPAR and the security databases it uses (repeatable). The bundle then
    /// holds only those LPARs.
    #[arg(long = "only", value_name = "LPAR")]
    pub(crate) only: Vec<String>,
    /// How many plugins render at once (default: the number of CPUs).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) jobs: Option<u16>,
    /// An option for a plugin, `PLUGIN.KEY=VALUE` (repeatable), e.g.
    /// `--plugin-option racf.strict_tmp=IKJEFT01`; each plugin's README lists its options.
    #[arg(long = "plugin-option", value_name = "PLUGIN.KEY=VALUE", value_parser = parse_option)]
    pub(crate) options: Vec<(String, String)>,
    #[command(flatten)]
    pub(crate) plugins: PluginArgs,
}

/// `PLUGIN.KEY=VALUE` into (`PLUGIN.KEY`, `VALUE`).
fn parse_option(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not PLUGIN.KEY=VALUE: the `=` is missing"))?;
    let valid = |part: &str| {
        !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    match key.split_once('.') {
        Some((plugin, name)) if valid(plugin) && valid(name) => {
            Ok((key.to_owned(), value.to_owned()))
        }
        _ => Err(format!("`{key}` is not PLUGIN.KEY (for example racf.strict_tmp)")),
    }
}

pub(crate) fn run(args: &Args) -> Exit {
    let bundle = match render_bundle(&args.script, &args.run) {
        Ok(bundle) => bundle,
        Err(exit) => return exit,
    };
    if args.check {
        return check(&bundle, args);
    }
    match bundle.write(&args.output) {
        Ok(()) => {
            tracing::info!("wrote {} files to {}", bundle.len() + 1, args.output.display());
            Exit::Ok
        }
        Err(error) => {
            report::usage_error(&error.to_string());
            Exit::Failure
        }
    }
}

fn check(bundle: &Bundle, args: &Args) -> Exit {
    let on_disk = match zat_core::read_tree(&args.output) {
        Ok(tree) => tree,
        Err(error) => {
            report::usage_error(&error.to_string());
            return Exit::Failure;
        }
    };
    let drift = zat_core::drift(&bundle.tree(), &on_disk);
    if drift.is_empty() {
        tracing::info!("{} is up to date", args.output.display());
        return Exit::Ok;
    }
    let exit = common::write_stdout(&drift_listing(&drift));
    eprintln!(
        "error: {} differs from what `zat build` would write ({} added, {} removed, {} changed); run `zat build` or `zat diff` to see why",
        args.output.display(),
        drift.added.len(),
        drift.removed.len(),
        drift.changed.len()
    );
    if exit == Exit::Failure { exit } else { Exit::InputErrors }
}

fn drift_listing(drift: &Drift) -> String {
    let mut text = String::new();
    for (mark, paths) in
        [("added", &drift.added), ("removed", &drift.removed), ("changed", &drift.changed)]
    {
        for path in paths {
            text.push_str(&format!("{mark}\t{path}\n"));
        }
    }
    text
}

/// Runs the script, stops on any error before a plugin runs, calls every plugin with the same
/// request, reports every diagnostic and plugin failure, and checks the returned paths.
///
/// Errors in the script or the model, and error diagnostics from plugins, give exit 1; a
/// plugin that cannot be loaded or fails (panic, error status, malformed JSON, illegal
/// paths) gives exit 2. Nothing is written either way.
pub(crate) fn render_bundle(script: &ScriptArgs, run: &RunArgs) -> Result<Bundle, Exit> {
    let prepared = common::prepare(script)?;
    let unknown: Vec<&str> = run
        .only
        .iter()
        .filter(|name| prepared.fleet.lpar(name).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        report::usage_error(&format!(
            "--only names no LPAR of the fleet: {}; `zat model` lists the LPARs",
            unknown.join(", ")
        ));
        return Err(Exit::Failure);
    }
    let set = match run.plugins.builder_for(Some(&script.script)).build() {
        Ok(set) => set,
        Err(errors) => {
            for error in &errors.0 {
                report::usage_error(&error.to_string());
            }
            return Err(Exit::Failure);
        }
    };
    // Every security database needs a plugin that provides `esm:<its ESM>` (ZAT0390).
    let provided = set.plugins().iter().flat_map(|p| p.info().provides.iter().cloned()).collect();
    let uncovered = zat_plugin_host::esm_coverage(&prepared.fleet, &run.only, &provided);
    if !uncovered.is_empty() {
        report::diagnostics(&uncovered);
        return Err(Exit::InputErrors);
    }
    if set.is_empty() {
        report::usage_error("no plugins to run; give --plugin-dir DIR or set ZAT_PLUGIN_PATH");
        return Err(Exit::Failure);
    }
    let options: BTreeMap<String, String> = run.options.iter().cloned().collect();
    let request = plugins::request(prepared.fleet, run.only.clone(), options);
    let jobs = run.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        usize::from,
    );
    let rendered = match set.render_all(&request, jobs) {
        Ok(rendered) => rendered,
        Err(error) => {
            report::usage_error(&error.to_string());
            return Err(Exit::Failure);
        }
    };
    let mut failures = Vec::new();
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    for answer in rendered {
        report::plugin_output(answer.plugin.name(), &answer.output);
        match answer.result {
            Ok(mut response) => {
                for diagnostic in &mut response.diagnostics {
                    if diagnostic.object.is_empty() {
                        diagnostic.object = format!("plugin {}", answer.plugin.name());
                    }
                }
                diagnostics.append(&mut response.diagnostics);
                files.extend(plugins::bundle_files(answer.plugin.name(), response));
            }
            Err(error) => failures.push(error.to_string()),
        }
    }
    report::diagnostics(&diagnostics);
    for failure in &failures {
        report::usage_error(failure);
    }
    if !failures.is_empty() {
        return Err(Exit::Failure);
    }
    if diagnostics.iter().any(zat_model::Diagnostic::is_error) {
        return Err(Exit::InputErrors);
    }
    let origins: BTreeMap<&str, String> =
        set.plugins().iter().map(|p| (p.name(), p.origin().to_string())).collect();
    Bundle::new(files).map_err(|errors| {
        for error in &errors {
            let emitter = match error {
                BundleError::BadPath { emitter, .. } => Some(emitter),
                BundleError::Duplicate { second, .. } => Some(second),
                BundleError::FileIsFolder { emitter, .. } => Some(emitter),
                _ => None,
            };
            match emitter.and_then(|e| origins.get(e.as_str()).map(|o| (e, o))) {
                Some((name, origin)) => {
                    report::usage_error(&format!("{error} (plugin `{name}`: {origin})"))
                }
                None => report::usage_error(&error.to_string()),
            }
        }
        Exit::Failure
    })
}
