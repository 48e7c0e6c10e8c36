//! The zat build pipeline as one library function: script → expansion and validation → ESM
//! coverage → plugins (a render pass, then an index pass) → bundle.
//!
//! `zat build`, `zat check`, `zat diff`, the benchmarks and the end-to-end tests all call
//! [`build`], so that what `check` accepts is exactly what `build` would write. The function
//! prints nothing and writes nothing: it returns every diagnostic and a typed [`Failure`], and
//! the caller reports them (the CLI is the one place that prints) and writes the bundle.
//!
//! The emitters linked into zat are listed once, in [`builtins`].

mod connections;
mod installed;

pub use connections::{CODE_WRONG_RULE, Checked, check as check_connections};
pub use installed::{Installed, installed, pick};

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use zat_core::{Bundle, BundleError, BundleFile};
use zat_model::{Diagnostic, Fleet};
use zat_plugin_api::{INDEX_PASS, IndexedFile, RenderRequest, RenderResponse};
use zat_plugin_host::{PluginSet, PluginSetBuilder};
use zat_script::ScriptOptions;

mod state;

pub use state::{CODE_STATE, from_racf};

/// Registers every emitter linked into the zat binary, in one place. Each is called through
/// its C table with JSON bytes, exactly as a library from a plugin folder is. The ACF2 and Top
/// Secret emitters are site plugins: loaded from a plugin folder, never linked in.
pub fn builtins(builder: PluginSetBuilder) -> PluginSetBuilder {
    builder
        .builtin::<zat_emit_racf::RacfEmitter>()
        .builtin::<zat_emit_pagent::PagentEmitter>()
        .builtin::<zat_emit_tcpip::TcpipEmitter>()
        .builtin::<zat_emit_syslog::SyslogEmitter>()
        .builtin::<zat_emit_ceeopts::CeeoptsEmitter>()
        .builtin::<zat_emit_zosconnect::ZosConnectEmitter>()
        .builtin::<zat_emit_runbook::RunbookEmitter>()
}

/// What to build.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The fleet script.
    pub script: PathBuf,
    /// Parameters, library folders and limits of the script run.
    pub script_options: ScriptOptions,
    /// Render only these LPARs and the security databases they use (empty: all).
    pub only: Vec<String>,
    /// Plugin options, `PLUGIN.KEY` to value.
    pub plugin_options: BTreeMap<String, String>,
    /// How many plugins render at once.
    pub jobs: usize,
    /// The zat version plugins are told (a fixed word in tests, so snapshots do not move).
    pub zat_version: String,
    /// Discovered states, `(security database, DISCOVER listing file)`: the jobs of those
    /// databases plan against what the listing shows (`zat build --state DB=FILE`).
    pub states: Vec<(String, PathBuf)>,
    /// The date and window of the time-dependent checks (certificate expiry).
    pub checks: zat_core::Checks,
}

impl Inputs {
    /// The whole fleet of `script`, default script options, no plugin options, one job per
    /// CPU.
    pub fn new(script: impl Into<PathBuf>) -> Self {
        Inputs {
            script: script.into(),
            script_options: ScriptOptions::default(),
            only: Vec::new(),
            plugin_options: BTreeMap::new(),
            jobs: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            zat_version: env!("CARGO_PKG_VERSION").to_owned(),
            states: Vec::new(),
            checks: zat_core::Checks::default(),
        }
    }
}

/// Why a build produced no bundle. Every diagnostic is in [`Outcome::diagnostics`] either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The script could not be read, or an argument is wrong (`--only` names no LPAR, no
    /// plugin to run, a plugin folder cannot be read): exit 2. The messages say what and how
    /// to fix it.
    Usage(Vec<String>),
    /// Errors in the input: the script, the model, the ESM coverage or a plugin's error
    /// diagnostics: exit 1.
    Input,
    /// A plugin could not be loaded or failed (panic, error status, malformed answer,
    /// illegal or duplicate paths): exit 2. Each message names the plugin and its file.
    Plugins(Vec<String>),
}

/// Where the time went, for `-v` and the benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    /// Running the script.
    pub script: Duration,
    /// Expansion, validation and consistency checks.
    pub prepare: Duration,
    /// Every plugin's render, both passes, and assembling the bundle.
    pub render: Duration,
    /// Per plugin, its own render time (both passes), by name.
    pub plugins: BTreeMap<String, Duration>,
}

/// A bundle ready to write (or compare), with the fleet it came from.
#[derive(Debug)]
pub struct Built {
    pub fleet: Fleet,
    pub bundle: Bundle,
}

/// Everything a build found out.
#[derive(Debug)]
pub struct Outcome {
    /// Every diagnostic, in the order found: script, model, coverage, then plugins by name.
    pub diagnostics: Vec<Diagnostic>,
    pub timings: Timings,
    /// What plugins running in a worker process printed, by plugin name, for the caller to
    /// show as theirs (never mixed into zat's own output).
    pub plugin_output: Vec<(String, String)>,
    pub result: Result<Built, Failure>,
}

impl Outcome {
    fn failed(diagnostics: Vec<Diagnostic>, timings: Timings, failure: Failure) -> Self {
        Outcome { diagnostics, timings, plugin_output: Vec::new(), result: Err(failure) }
    }
}

/// The fleet after the script and the core's expansion and validation, or why there is none.
#[derive(Debug)]
pub struct PreparedRun {
    pub diagnostics: Vec<Diagnostic>,
    pub timings: Timings,
    pub result: Result<Fleet, Failure>,
}

/// Runs the script and the core's expansion and validation: what `zat model` shows and the
/// first half of [`build`].
pub fn prepare(inputs: &Inputs) -> PreparedRun {
    let mut timings = Timings::default();
    let started = Instant::now();
    let fleet = zat_script::run_file(&inputs.script, &inputs.script_options);
    timings.script = started.elapsed();
    let fleet = match fleet {
        Ok(fleet) => fleet,
        Err(diagnostics) => {
            let unreadable = diagnostics.iter().any(|d| d.code == zat_script::CODE_CANNOT_READ);
            let failure = if unreadable { Failure::Usage(Vec::new()) } else { Failure::Input };
            return PreparedRun { diagnostics, timings, result: Err(failure) };
        }
    };
    let started = Instant::now();
    let prepared = zat_core::prepare_with(fleet, &inputs.checks);
    timings.prepare = started.elapsed();
    let has_errors = prepared.has_errors();
    let (mut diagnostics, mut fleet) = (prepared.diagnostics, prepared.fleet);
    if let Err(messages) = state::attach(&mut fleet, &inputs.states, &mut diagnostics) {
        return PreparedRun { diagnostics, timings, result: Err(Failure::Usage(messages)) };
    }
    let result = if has_errors || diagnostics.iter().any(Diagnostic::is_error) {
        Err(Failure::Input)
    } else {
        Ok(fleet)
    };
    PreparedRun { diagnostics, timings, result }
}

/// The whole pipeline, writing nothing: script, expansion and validation, ESM coverage, the
/// render pass of every plugin, the index pass, and the checked bundle. `plugins` says where
/// plugins come from (start from [`builtins`] for the emitters linked into zat).
pub fn build(inputs: &Inputs, plugins: PluginSetBuilder) -> Outcome {
    let PreparedRun { mut diagnostics, mut timings, result } = prepare(inputs);
    let fleet = match result {
        Ok(fleet) => fleet,
        Err(failure) => return Outcome::failed(diagnostics, timings, failure),
    };
    let unknown: Vec<&str> =
        inputs.only.iter().filter(|name| fleet.lpar(name).is_none()).map(String::as_str).collect();
    if !unknown.is_empty() {
        let message = format!(
            "--only names no LPAR of the fleet: {}; `zat model` lists the LPARs",
            unknown.join(", ")
        );
        return Outcome::failed(diagnostics, timings, Failure::Usage(vec![message]));
    }
    let set = match plugins.build() {
        Ok(set) => set,
        Err(errors) => {
            let messages = errors.0.iter().map(ToString::to_string).collect();
            return Outcome::failed(diagnostics, timings, Failure::Usage(messages));
        }
    };
    // Every security database needs a plugin that provides `esm:<its ESM>` (ZAT0390).
    let provided: BTreeSet<String> =
        set.plugins().iter().flat_map(|p| p.info().provides.iter().cloned()).collect();
    let uncovered = zat_plugin_host::esm_coverage(&fleet, &inputs.only, &provided);
    if !uncovered.is_empty() {
        diagnostics.extend(uncovered);
        return Outcome::failed(diagnostics, timings, Failure::Input);
    }
    diagnostics.extend(option_diagnostics(&set, &inputs.plugin_options));
    if set.is_empty() {
        let message = "no plugins to run; give --plugin-dir DIR or set ZAT_PLUGIN_PATH".to_owned();
        return Outcome::failed(diagnostics, timings, Failure::Usage(vec![message]));
    }
    let started = Instant::now();
    let request = RenderRequest::new(fleet, inputs.zat_version.clone())
        .with_only(inputs.only.clone())
        .with_options(inputs.plugin_options.clone());
    let mut plugin_output = Vec::new();
    let rendered = render(&set, request, inputs.jobs.max(1), &mut timings, &mut plugin_output);
    timings.render = started.elapsed();
    let (request, files) = match rendered {
        Ok(rendered) => rendered,
        Err((plugin_diagnostics, failures)) => {
            diagnostics.extend(plugin_diagnostics);
            let failure =
                if failures.is_empty() { Failure::Input } else { Failure::Plugins(failures) };
            let mut outcome = Outcome::failed(diagnostics, timings, failure);
            outcome.plugin_output = plugin_output;
            return outcome;
        }
    };
    let (plugin_diagnostics, files) = files;
    diagnostics.extend(plugin_diagnostics);
    // Every intended connection on its own rule, read from the policy files just rendered.
    diagnostics.extend(connections::check(&request.fleet, &files).diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        let mut outcome = Outcome::failed(diagnostics, timings, Failure::Input);
        outcome.plugin_output = plugin_output;
        return outcome;
    }
    let origins: BTreeMap<&str, String> =
        set.plugins().iter().map(|p| (p.name(), p.origin().to_string())).collect();
    let result = Bundle::new(files)
        .map(|bundle| Built { fleet: request.fleet, bundle })
        .map_err(|errors| Failure::Plugins(bundle_errors(&errors, &origins)));
    Outcome { diagnostics, timings, plugin_output, result }
}

/// A plugin option for no plugin of the run is a warning (ZAT0391: it may be turned off); a
/// key that a plugin which declares its options does not know is an error (ZAT0392), as a
/// misspelt key in a script is.
fn option_diagnostics(set: &PluginSet, options: &BTreeMap<String, String>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for key in options.keys() {
        let Some((name, option)) = key.split_once('.') else { continue };
        let object = format!("--plugin-option {key}");
        match set.plugins().iter().find(|plugin| plugin.name() == name) {
            None => {
                let names: Vec<&str> = set.plugins().iter().map(|p| p.name()).collect();
                found.push(
                    Diagnostic::warning(
                        "ZAT0391",
                        format!("no plugin `{name}` in this run: option `{key}` is ignored"),
                    )
                    .object(object)
                    .help(format!("the plugins of this run: {}", names.join(", "))),
                );
            }
            Some(plugin) => {
                let Some(known) = &plugin.info().options else { continue };
                if !known.iter().any(|k| k == option) {
                    let help = if known.is_empty() {
                        format!("plugin `{name}` reads no options")
                    } else {
                        format!("plugin `{name}` reads: {}", known.join(", "))
                    };
                    found.push(
                        Diagnostic::error(
                            "ZAT0392",
                            format!("plugin `{name}` has no option `{option}`"),
                        )
                        .object(object)
                        .help(help),
                    );
                }
            }
        }
    }
    found
}

type Rendered = (RenderRequest, (Vec<Diagnostic>, Vec<BundleFile>));

/// The render pass (every plugin but the index plugins), then the index pass with the files of
/// the first. Diagnostics without an object are attributed to their plugin.
fn render(
    set: &PluginSet,
    request: RenderRequest,
    jobs: usize,
    timings: &mut Timings,
    output: &mut Vec<(String, String)>,
) -> Result<Rendered, (Vec<Diagnostic>, Vec<String>)> {
    let is_index =
        |info: &zat_plugin_api::PluginInfo| info.provides.iter().any(|p| p == INDEX_PASS);
    let (first, second) = set.split(|plugin| !is_index(plugin.info()));
    let mut sink =
        Sink { diagnostics: Vec::new(), failures: Vec::new(), files: Vec::new(), output };
    collect(&first, &request, jobs, timings, &mut sink);
    if !sink.failures.is_empty() {
        return Err((sink.diagnostics, sink.failures));
    }
    let request = if second.is_empty() {
        request
    } else {
        let mut index: Vec<IndexedFile> = sink
            .files
            .iter()
            .map(|f: &BundleFile| IndexedFile {
                path: f.path.clone(),
                emitter: f.emitter.clone(),
                target: f.target.clone(),
                placement: f.placement.clone(),
            })
            .collect();
        index.sort_by(|a, b| a.path.cmp(&b.path));
        let request = request.with_bundle(index);
        collect(&second, &request, jobs, timings, &mut sink);
        if !sink.failures.is_empty() {
            return Err((sink.diagnostics, sink.failures));
        }
        request.with_bundle(Vec::new())
    };
    Ok((request, (sink.diagnostics, sink.files)))
}

/// Where the answers of a pass go.
struct Sink<'a> {
    diagnostics: Vec<Diagnostic>,
    failures: Vec<String>,
    files: Vec<BundleFile>,
    output: &'a mut Vec<(String, String)>,
}

fn collect(
    set: &PluginSet,
    request: &RenderRequest,
    jobs: usize,
    timings: &mut Timings,
    sink: &mut Sink<'_>,
) {
    if set.is_empty() {
        return;
    }
    let answers = match set.render_all(request, jobs) {
        Ok(answers) => answers,
        Err(error) => {
            sink.failures.push(error.to_string());
            return;
        }
    };
    for answer in answers {
        let name = answer.plugin.name().to_owned();
        *timings.plugins.entry(name.clone()).or_default() += answer.elapsed;
        if !answer.output.is_empty() {
            sink.output.push((name.clone(), answer.output));
        }
        match answer.result {
            Ok(response) => {
                let (mut found, mut written) = bundle_files(&name, response);
                sink.diagnostics.append(&mut found);
                sink.files.append(&mut written);
            }
            Err(error) => sink.failures.push(error.to_string()),
        }
    }
}

/// One plugin's answer as bundle files tagged with the plugin's name, and its diagnostics
/// (those without an object are attributed to the plugin).
pub fn bundle_files(plugin: &str, response: RenderResponse) -> (Vec<Diagnostic>, Vec<BundleFile>) {
    let mut diagnostics = response.diagnostics;
    for diagnostic in &mut diagnostics {
        if diagnostic.object.is_empty() {
            diagnostic.object = format!("plugin {plugin}");
        }
    }
    let files = response
        .files
        .into_iter()
        .map(|f| BundleFile {
            path: f.path,
            content: f.content.into_bytes(),
            target: f.target,
            placement: f.placement,
            emitter: plugin.to_owned(),
        })
        .collect();
    (diagnostics, files)
}

/// Bundle errors with the plugin (and its file) that caused them.
fn bundle_errors(errors: &[BundleError], origins: &BTreeMap<&str, String>) -> Vec<String> {
    errors
        .iter()
        .map(|error| {
            let emitter = match error {
                BundleError::BadPath { emitter, .. } => Some(emitter),
                BundleError::Duplicate { second, .. } => Some(second),
                BundleError::FileIsFolder { emitter, .. } => Some(emitter),
                _ => None,
            };
            match emitter.and_then(|e| origins.get(e.as_str()).map(|o| (e, o))) {
                Some((name, origin)) => format!("{error} (plugin `{name}`: {origin})"),
                None => error.to_string(),
            }
        })
        .collect()
}
