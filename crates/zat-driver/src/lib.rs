//! The zat build pipeline as one library function: script → expansion and validation → ESM
//! coverage → plugins by unit (a render pass, then an index pass) → bundle.
//!
//! `zat build` and the benchmark call [`build_into`], which streams each unit's files into
//! the new bundle as it renders (carrying unchanged units over from the last one); `zat check`,
//! `zat diff`, `zat build --check` and `zat report` call [`compare`], which hands each file to
//! a [`Comparer`] that checks it and compares it with the bundle on disk (taking a unit the
//! bundle's state vouches for as it is), writing nothing and holding no bundle; the tests call
//! [`build`], which renders into memory. All three render every unit the same way, so what
//! `check` accepts is exactly what `build` writes. None prints: they return every diagnostic and a typed [`Failure`], and the caller
//! reports them (the CLI is the one place that prints).
//!
//! The emitters linked into zat are listed once, in [`builtins`].

#[cfg(feature = "mimalloc")]
mod allocator;
mod connections;
mod installed;
mod program;

#[cfg(feature = "mimalloc")]
pub use allocator::tune_mimalloc;

pub use connections::{CODE_WRONG_RULE, Checked, check as check_connections, wrong_rule_object};
pub use installed::{Choice, Installed, each_installed, installed, pick};
mod units;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use units::Progress;
use zat_core::{
    Bundle, BundleError, BundleFile, BundleWriter, CompareFailure, Compared, Comparer, WriteSummary,
};
use zat_model::{Diagnostic, Fleet};
use zat_plugin_api::{RenderRequest, RenderResponse};
use zat_plugin_host::{PluginSet, PluginSetBuilder};
use zat_script::ScriptOptions;

mod state;

pub use state::{CODE_STATE, from_racf};

/// Registers every emitter linked into the zat binary, in one place. Each is called with the
/// request as a Rust value (its library form, `libzat_<name>`, goes through the C table with
/// JSON bytes, and writes the same bytes). The ACF2 and Top Secret emitters are site plugins:
/// loaded from a plugin folder, never linked in.
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
    /// How many units render at once.
    pub jobs: usize,
    /// The zat version plugins are told (a fixed word in tests, so snapshots do not move).
    pub zat_version: String,
    /// Discovered states, `(security database, DISCOVER listing file)`: the jobs of those
    /// databases plan against what the listing shows (`zat build --state DB=FILE`).
    pub states: Vec<(String, PathBuf)>,
    /// The date and window of the time-dependent checks (certificate expiry).
    pub checks: zat_core::Checks,
    /// Codes of warnings and notes a plugin's answers drop at once (`--allow`, which the user
    /// never sees again): a fleet can have one note per API requester, tens of thousands,
    /// each held to the end otherwise. Errors are never dropped. The state still records a
    /// unit's every diagnostic, so a later run without the allowance shows them.
    pub allowed_codes: Vec<String>,
    /// Keep the bundle a build replaces beside the new one (`.NAME.zat-base`, hard links of
    /// the files the two share) as the base of the next build, which then writes, links and
    /// removes only what differs (see [`zat_core::Inspected::keep_previous`]).
    pub keep_previous: bool,
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
            allowed_codes: Vec::new(),
            keep_previous: true,
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
    /// The caller's look at the diagnostics ([`build_into_if`]) refused the write (warnings
    /// denied): nothing changed on disk.
    Refused,
}

/// Where the time went, for `-v` and the benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    /// Running the script.
    pub script: Duration,
    /// Expansion, validation and consistency checks.
    pub prepare: Duration,
    /// Every unit's render, both passes, and (in [`build_into`]) writing each unit's files.
    pub render: Duration,
    /// [`build_into`]: the manifest, syncing, and swapping the new tree in.
    pub write: Duration,
    /// [`build_into`]: reading the old bundle (every file's stamp, the manifest, the state),
    /// beside the script and the expansion.
    pub inspect: Duration,
    /// [`build_into`]: how long rendering waited for that reading once the fleet was ready.
    pub waited: Duration,
    /// Per plugin, its own render time (both passes), by name.
    pub plugins: BTreeMap<String, Duration>,
    /// Plugin calls that rendered.
    pub rendered_calls: usize,
    /// Plugin calls carried over from the last build unrendered (their unit's key, program
    /// included, was the one recorded).
    pub carried_calls: usize,
}

/// A bundle ready to write (or compare), with the fleet it came from.
#[derive(Debug)]
pub struct Built {
    pub fleet: Fleet,
    pub bundle: Bundle,
}

/// Everything a build found out.
#[derive(Debug)]
pub struct Outcome<T = Built> {
    /// Every diagnostic, in the order found: script, model, coverage, then plugins by name.
    pub diagnostics: Vec<Diagnostic>,
    pub timings: Timings,
    /// What plugins running in a worker process printed, by plugin name, for the caller to
    /// show as theirs (never mixed into zat's own output).
    pub plugin_output: Vec<(String, String)>,
    pub result: Result<T, Failure>,
}

impl<T> Outcome<T> {
    fn failed(diagnostics: Vec<Diagnostic>, timings: Timings, failure: Failure) -> Self {
        Outcome { diagnostics, timings, plugin_output: Vec::new(), result: Err(failure) }
    }
}

impl Outcome {
    /// A run that ended before it had a result, as the outcome of another kind of run.
    fn retyped<U>(self: Box<Self>) -> Outcome<U> {
        let Outcome { diagnostics, timings, plugin_output, result } = *self;
        let failure = result.err().unwrap_or(Failure::Input);
        Outcome { diagnostics, timings, plugin_output, result: Err(failure) }
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

/// The whole pipeline, writing nothing: script, expansion and validation, ESM coverage, every
/// plugin by unit (render pass, then index pass), and the checked bundle in memory. `plugins`
/// says where plugins come from (start from [`builtins`] for the emitters linked into zat).
pub fn build(inputs: &Inputs, plugins: PluginSetBuilder) -> Outcome {
    let started = match start(inputs, plugins) {
        Ok(started) => started,
        Err(outcome) => return *outcome,
    };
    let sink = units::MemorySink::default();
    let Rendering { request, set, findings, timings, plugin_output } =
        match render_through(inputs, started, &sink, None) {
            Ok(rendering) => rendering,
            Err(outcome) => return *outcome,
        };
    let (diagnostics, lost) = findings.all();
    let files = sink.files.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let result = match lost {
        Some(message) => Err(Failure::Usage(vec![message])),
        None => Bundle::new(files)
            .map(|bundle| Built { fleet: request.fleet, bundle })
            .map_err(|errors| Failure::Plugins(bundle_errors(&errors, &origins(&set)))),
    };
    Outcome { diagnostics, timings, plugin_output, result }
}

/// What [`compare`] found: the fleet (or what [`compare_keeping`] kept of it), and the
/// comparison.
#[derive(Debug)]
pub struct Comparison<F = Fleet> {
    pub fleet: F,
    /// The new bundle's files and how it differs from the one on disk.
    pub compared: Compared,
}

/// The whole pipeline, writing nothing and holding no bundle: every file is handed to
/// `comparer` as its unit renders, which checks its path and compares it with the bundle on
/// disk at once (see [`zat_core::Comparer`]); what `zat build --check`, `zat diff` and
/// `zat check` run. A bundle on disk that cannot be read is a [`Failure::Usage`].
pub fn compare(
    inputs: &Inputs,
    plugins: PluginSetBuilder,
    comparer: Comparer<'_>,
) -> Outcome<Comparison> {
    compare_keeping(inputs, plugins, comparer, |fleet| fleet)
}

/// [`compare`], keeping only what `keep` makes of the fleet once every unit has rendered: the
/// rest of the fleet is gone before the plugins' warnings and notes are read back from disk,
/// so that a run that needs no fleet afterwards (`zat build --check`, `zat diff`) holds the
/// two one after the other, not at once.
pub fn compare_keeping<F>(
    inputs: &Inputs,
    plugins: PluginSetBuilder,
    comparer: Comparer<'_>,
    keep: impl FnOnce(Fleet) -> F,
) -> Outcome<Comparison<F>> {
    let started = match start(inputs, plugins) {
        Ok(started) => started,
        Err(outcome) => return outcome.retyped(),
    };
    let Rendering { request, set, findings, timings, plugin_output } =
        match render_through(inputs, started, &comparer, None) {
            Ok(rendering) => rendering,
            Err(outcome) => return outcome.retyped(),
        };
    let kept = keep(request.fleet);
    let (diagnostics, lost) = findings.all();
    let result = match comparer.finish() {
        Ok(_) if lost.is_some() => Err(Failure::Usage(lost.into_iter().collect())),
        Ok(compared) => Ok(Comparison { fleet: kept, compared }),
        Err(CompareFailure::Paths(errors)) => {
            Err(Failure::Plugins(bundle_errors(&errors, &origins(&set))))
        }
        Err(CompareFailure::Disk(error)) => Err(Failure::Usage(vec![error.to_string()])),
    };
    Outcome { diagnostics, timings, plugin_output, result }
}

/// What [`build_into`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Files added, changed, removed and kept compared with the bundle it replaced.
    pub summary: WriteSummary,
    /// Every file of the bundle, sorted (the manifest aside).
    pub files: Vec<String>,
}

/// The whole pipeline, writing the bundle to `out` as units render: each unit's files go to a
/// temporary sibling of `out` as soon as the unit is done (memory holds one unit at a time and
/// a small record per file), units whose request did not change since the last build are not
/// rendered again and their files are carried over by hard link, and the new tree replaces
/// `out` atomically at the end (see [`zat_core::BundleWriter`]). On any failure nothing
/// changes on disk. `progress` hears of every finished unit (done, total).
///
/// A bundle that cannot be written (`out` is not a bundle, I/O) is a [`Failure::Usage`] with
/// the message.
pub fn build_into(
    inputs: &Inputs,
    plugins: PluginSetBuilder,
    out: &Path,
    progress: Option<units::Progress<'_>>,
) -> Outcome<Written> {
    build_into_if(inputs, plugins, out, progress, &|_| true)
}

/// [`build_into`], asking `accept` with every diagnostic once every unit has rendered and
/// before the new tree replaces the old one: when it says no (`--deny-warnings` and a
/// warning), the new tree goes, nothing changes on disk, and the result is
/// [`Failure::Refused`].
pub fn build_into_if(
    inputs: &Inputs,
    plugins: PluginSetBuilder,
    out: &Path,
    progress: Option<units::Progress<'_>>,
    accept: &dyn Fn(&[Diagnostic]) -> bool,
) -> Outcome<Written> {
    // The old bundle is read (every file's stamp, the manifest, the state) while the script
    // runs: reading changes nothing on disk, and the temporary tree is opened only once the
    // fleet is known to build.
    let (started, (inspected, inspect), waited) = std::thread::scope(|scope| {
        let inspecting = scope.spawn(|| {
            let begun = Instant::now();
            (BundleWriter::inspect(out), begun.elapsed())
        });
        let started = start(inputs, plugins);
        let ready = Instant::now();
        let inspected = inspecting.join().unwrap_or_else(|_| {
            let error = BundleError::Io {
                action: "inspect",
                path: out.to_owned(),
                source: std::io::Error::other("the inspection of the old bundle panicked"),
            };
            (Err(error), Duration::ZERO)
        });
        (started, inspected, ready.elapsed())
    });
    let mut started = match started {
        Ok(started) => started,
        Err(outcome) => return outcome.retyped(),
    };
    started.1.inspect = inspect;
    started.1.waited = waited;
    let writer = match inspected.and_then(|i| i.keep_previous(inputs.keep_previous).open()) {
        Ok(writer) => writer,
        Err(error) => {
            let (diagnostics, timings) = (started.0, started.1);
            return Outcome::failed(diagnostics, timings, Failure::Usage(vec![error.to_string()]));
        }
    };
    // Every intended connection on its own rule, read from each policy file as it is written
    // (one carried over unchanged was checked by the build that wrote it), before the new tree
    // replaces the old one.
    let Rendering { set, findings, mut timings, plugin_output, .. } =
        match render_through(inputs, started, &writer, progress) {
            Ok(rendering) => rendering,
            Err(outcome) => {
                writer.abort();
                return outcome.retyped();
            }
        };
    // The fleet is gone: the plugins' warnings and notes come back from disk now.
    let (diagnostics, lost) = findings.all();
    if let Some(message) = lost {
        writer.abort();
        return Outcome::failed(diagnostics, timings, Failure::Usage(vec![message]));
    }
    if !accept(&diagnostics) {
        writer.abort();
        return Outcome { diagnostics, timings, plugin_output, result: Err(Failure::Refused) };
    }
    let started = Instant::now();
    let finished = writer.finish_listed();
    timings.write = started.elapsed();
    let origins = origins(&set);
    let result = finished.map(|(summary, files)| Written { summary, files }).map_err(|errors| {
        let paths = errors.iter().any(|e| {
            matches!(
                e,
                BundleError::BadPath { .. }
                    | BundleError::Duplicate { .. }
                    | BundleError::CaseDuplicate { .. }
                    | BundleError::FileIsFolder { .. }
            )
        });
        let messages = bundle_errors(&errors, &origins);
        if paths { Failure::Plugins(messages) } else { Failure::Usage(messages) }
    });
    Outcome { diagnostics, timings, plugin_output, result }
}

type Started = (Vec<Diagnostic>, Timings, Fleet, PluginSet);

/// A run whose units all rendered without an error.
struct Rendering {
    request: RenderRequest,
    set: PluginSet,
    findings: Findings,
    timings: Timings,
    plugin_output: PluginOutput,
}

/// A run's diagnostics, in the order they are shown: the script's, the model's and the run's
/// own, then the plugins' answers (their warnings and notes on disk while the fleet is held,
/// see [`units::Held`]), then the connection check's.
struct Findings {
    before: Vec<Diagnostic>,
    rendered: units::Rendered,
    after: Vec<Diagnostic>,
}

impl Findings {
    fn has_error(&self) -> bool {
        self.before.iter().chain(&self.after).any(Diagnostic::is_error) || self.rendered.has_error()
    }

    /// Every diagnostic, and a message when some could not be read back from disk.
    fn all(self) -> (Vec<Diagnostic>, Option<String>) {
        let Findings { mut before, mut rendered, after } = self;
        let (answers, lost) = rendered.take_diagnostics();
        before.extend(answers);
        before.extend(after);
        (before, lost)
    }

    /// The outcome that ends a run with `failure`, holding every diagnostic.
    fn failed<T>(
        self,
        timings: Timings,
        failure: Failure,
        output: PluginOutput,
    ) -> Box<Outcome<T>> {
        let (diagnostics, lost) = self.all();
        // What could not be read back is said beside the failure, never dropped.
        let failure = match (lost, failure) {
            (None, failure) => failure,
            (Some(message), Failure::Plugins(mut messages)) => {
                messages.push(message);
                Failure::Plugins(messages)
            }
            (Some(message), Failure::Usage(mut messages)) => {
                messages.push(message);
                Failure::Usage(messages)
            }
            (Some(message), _) => Failure::Usage(vec![message]),
        };
        let mut outcome = Outcome::failed(diagnostics, timings, failure);
        outcome.plugin_output = output;
        Box::new(outcome)
    }
}

/// Renders every unit into `sink`, checking each policy file's connections on the way: the
/// run, or the outcome that ends it (a plugin failure, an error diagnostic).
fn render_through(
    inputs: &Inputs,
    (diagnostics, mut timings, fleet, set): Started,
    sink: &dyn units::Sink,
    progress: Option<units::Progress<'_>>,
) -> Result<Rendering, Box<Outcome>> {
    let request = request_of(inputs, fleet);
    let started = Instant::now();
    let checking = units::Checking::new(sink, &request.fleet);
    let rendered = units::render(
        &set,
        &request,
        inputs.jobs.max(1),
        &checking,
        progress,
        &inputs.allowed_codes,
        units::Held::new(),
    );
    timings.render = started.elapsed();
    let checked = checking.into_diagnostics();
    let (plugin_output, failures) = collect(&rendered, &mut timings);
    let mut findings = Findings { before: diagnostics, rendered, after: Vec::new() };
    if !failures.is_empty() {
        return Err(findings.failed(timings, Failure::Plugins(failures), plugin_output));
    }
    if findings.has_error() {
        return Err(findings.failed(timings, Failure::Input, plugin_output));
    }
    findings.after = checked;
    if findings.has_error() {
        return Err(findings.failed(timings, Failure::Input, plugin_output));
    }
    Ok(Rendering { request, set, findings, timings, plugin_output })
}

/// Each plugin's origin by name, for messages about its files.
fn origins(set: &PluginSet) -> BTreeMap<&str, String> {
    set.plugins().iter().map(|p| (p.name(), p.origin().to_string())).collect()
}

/// What plugins in worker processes printed, by plugin name.
type PluginOutput = Vec<(String, String)>;

/// Everything before the plugins render: the prepared fleet and the plugin set, or the
/// outcome that ends the build.
fn start(inputs: &Inputs, plugins: PluginSetBuilder) -> Result<Started, Box<Outcome>> {
    // Every unit's key holds the program's digest; it is read beside the script.
    program::prefetch();
    let PreparedRun { mut diagnostics, timings, result } = prepare(inputs);
    let fleet = match result {
        Ok(fleet) => fleet,
        Err(failure) => return Err(Box::new(Outcome::failed(diagnostics, timings, failure))),
    };
    let unknown: Vec<&str> =
        inputs.only.iter().filter(|name| fleet.lpar(name).is_none()).map(String::as_str).collect();
    if !unknown.is_empty() {
        let message = format!(
            "--only names no LPAR of the fleet: {}; `zat model` lists the LPARs",
            unknown.join(", ")
        );
        return Err(Box::new(Outcome::failed(diagnostics, timings, Failure::Usage(vec![message]))));
    }
    let set = match plugins.build() {
        Ok(set) => set,
        Err(errors) => {
            let messages = errors.0.iter().map(ToString::to_string).collect();
            return Err(Box::new(Outcome::failed(diagnostics, timings, Failure::Usage(messages))));
        }
    };
    // Every security database needs a plugin that provides `esm:<its ESM>` (ZAT0390).
    let provided: BTreeSet<String> =
        set.plugins().iter().flat_map(|p| p.info().provides.iter().cloned()).collect();
    let uncovered = zat_plugin_host::esm_coverage(&fleet, &inputs.only, &provided);
    if !uncovered.is_empty() {
        diagnostics.extend(uncovered);
        return Err(Box::new(Outcome::failed(diagnostics, timings, Failure::Input)));
    }
    diagnostics.extend(option_diagnostics(&set, &inputs.plugin_options));
    if set.is_empty() {
        let message = "no plugins to run; give --plugin-dir DIR or set ZAT_PLUGIN_PATH".to_owned();
        return Err(Box::new(Outcome::failed(diagnostics, timings, Failure::Usage(vec![message]))));
    }
    Ok((diagnostics, timings, fleet, set))
}

fn request_of(inputs: &Inputs, fleet: Fleet) -> RenderRequest {
    RenderRequest::new(fleet, inputs.zat_version.clone())
        .with_only(inputs.only.clone())
        .with_options(inputs.plugin_options.clone())
}

/// Takes the answers' timings and output, and their failures (a failure ends the build).
fn collect(rendered: &units::Rendered, timings: &mut Timings) -> (PluginOutput, Vec<String>) {
    let mut output = Vec::new();
    for answer in &rendered.answers {
        *timings.plugins.entry(answer.plugin.clone()).or_default() += answer.elapsed;
        if answer.carried {
            timings.carried_calls += 1;
        } else {
            timings.rendered_calls += 1;
        }
        if !answer.output.is_empty() {
            output.push((answer.plugin.clone(), answer.output.clone()));
        }
    }
    (output, rendered.failures())
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
                BundleError::CaseDuplicate { second, .. } => Some(second),
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
