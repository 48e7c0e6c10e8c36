//! `zat build`: run the script, call every plugin, check their paths, and write the bundle
//! atomically; with `--check`, compare with the bundle on disk instead and write nothing.
//!
//! The bundle is written as units render and only what changed is rewritten (see
//! [`zat_driver::build_into`]); stderr gets a progress bar on a terminal and a one-line
//! summary, unless `-q`.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use zat_core::{Drift, WriteSummary};
use zat_model::Diagnostic;

use crate::common::{self, ScriptArgs};
use crate::output::{self, BuildOutput, Change, ChangeKind, FindingArgs, Format};
use crate::plugins::PluginArgs;
use crate::{Exit, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
    /// The bundle folder. It is replaced as a whole, atomically; an existing folder must be
    /// an earlier bundle (it has a MANIFEST.json) or empty. A second build of the same folder
    /// waits for the first, and a check for a build (`.DIR.zat-lock` beside it, there while
    /// one of them runs).
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub(crate) output: PathBuf,
    /// Write nothing: exit 1 and list what differs (added, removed, changed files) when the
    /// bundle on disk is not what this build would write, 0 when it is identical.
    #[arg(long)]
    pub(crate) check: bool,
    /// Do not keep the replaced bundle. By default a build keeps it beside the new one, as
    /// `.DIR.zat-base` (hard links of the files the two share, so it takes only the room of
    /// the files that changed), and the next build starts from it: it writes, links and
    /// removes only what differs. It is not kept when a build wrote or removed more files than
    /// a quarter of the bundle. The base is never part of the bundle; remove it at any time.
    /// With this flag it is removed, and the old bundle too once replaced.
    #[arg(long)]
    pub(crate) no_base: bool,
    #[command(flatten)]
    pub(crate) run: RunArgs,
    #[command(flatten)]
    pub(crate) findings: FindingArgs,
}

/// What a run renders and with what; shared by `build` and `diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Render only this LPAR and the security databases it uses (repeatable). The bundle then
    /// holds only those LPARs.
    #[arg(long = "only", value_name = "LPAR", add = clap_complete::engine::ArgValueCompleter::new(crate::completions::lpars))]
    pub(crate) only: Vec<String>,
    /// How many units (LPARs, security databases) render at once (default: the number of
    /// CPUs).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) jobs: Option<u16>,
    /// An option for a plugin, `PLUGIN.KEY=VALUE` (repeatable), e.g.
    /// `--plugin-option racf.strict_tmp=IKJEFT01`; each plugin's README lists its options.
    #[arg(long = "plugin-option", value_name = "PLUGIN.KEY=VALUE", value_parser = parse_option)]
    pub(crate) options: Vec<(String, String)>,
    /// The whole SYSTSPRT of a security database's DISCOVER job, `DB=FILE` (repeatable): that
    /// database's jobs then contain only the change from what the listing shows, and its
    /// back-out restores exactly that. A listing that does not answer every command of the
    /// job (cut off, or another database's) stops the build. Without it the jobs assume
    /// nothing exists yet.
    #[arg(long = "state", value_name = "DB=FILE", value_parser = parse_state)]
    pub(crate) states: Vec<(String, PathBuf)>,
    #[command(flatten)]
    pub(crate) plugins: PluginArgs,
}

/// `DB=FILE` into (`DB`, `FILE`).
fn parse_state(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((db, file)) if !db.is_empty() && !file.is_empty() => {
            Ok((db.to_owned(), PathBuf::from(file)))
        }
        _ => Err(format!("`{text}` is not DB=FILE (for example PLEX1=discover.txt)")),
    }
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

/// A build shorter than this shows no progress bar.
const PROGRESS_AFTER: Duration = Duration::from_millis(500);

pub(crate) fn run(args: &Args, quiet: bool) -> Exit {
    if let Err(exit) = args.findings.require(false, "build") {
        return exit;
    }
    if args.check {
        return run_check(args);
    }
    let json = args.findings.format == Format::Json;
    let mut inputs = match args.run.inputs(&args.script, &args.findings.allow) {
        Ok(inputs) => inputs,
        Err(exit) => return exit,
    };
    inputs.keep_previous = !args.no_base;
    let started = Instant::now();
    let bar = (!quiet && std::io::stderr().is_terminal()).then(progress_bar);
    let shown = AtomicBool::new(false);
    let progress = |done: usize, total: usize| {
        let Some(bar) = &bar else { return };
        if !shown.load(Ordering::Relaxed) && started.elapsed() >= PROGRESS_AFTER {
            shown.store(true, Ordering::Relaxed);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let plugins = args.run.plugins.builder_for(Some(&args.script.script));
    let unread = args.script.unread_params();
    // Every diagnostic as the user sees them (`--allow` applied): with `--deny-warnings`, a
    // warning stops the build before the new tree replaces the old one.
    let shown = |found: &[Diagnostic]| {
        let mut all = unread.clone();
        all.extend(found.iter().cloned());
        args.findings.filter(all)
    };
    let accept = |found: &[Diagnostic]| args.findings.exit_for(&shown(found)) == Exit::Ok;
    let outcome =
        zat_driver::build_into_if(&inputs, plugins, &args.output, Some(&progress), &accept);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let diagnostics = shown(&outcome.diagnostics);
    args.findings.human(&diagnostics);
    log_timings(&outcome.timings);
    for (plugin, output) in &outcome.plugin_output {
        report::plugin_output(plugin, output);
    }
    let output = args.output.display().to_string();
    match outcome.result {
        Ok(written) if json => output::write_json(&BuildOutput {
            ok: true,
            output,
            drift: Vec::new(),
            files: written.files,
            diagnostics,
        }),
        Ok(written) => {
            tracing::info!(
                "{} of the old bundle's files read by their bytes (not vouched for by its state)",
                thousands(written.summary.read)
            );
            if !quiet {
                report::success(&format!(
                    "{} ({})",
                    summary_line(&written.summary, &args.output, started.elapsed()),
                    report::count(&diagnostics)
                ));
            }
            Exit::Ok
        }
        Err(zat_driver::Failure::Refused) => {
            report::usage_error("warnings are denied (--deny-warnings): nothing written");
            let exit = args.findings.exit_for(&diagnostics);
            failed(json, &output, exit, diagnostics)
        }
        Err(failure) => {
            let left = format!(
                "nothing was written: the bundle at {} is as it was",
                args.output.display()
            );
            let exit = common::report_failure_leaving(&failure, &left);
            failed(json, &output, exit, diagnostics)
        }
    }
}

/// A bar by unit, hidden until the build has taken [`PROGRESS_AFTER`].
fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} units, {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

fn log_timings(timings: &zat_driver::Timings) {
    tracing::info!(
        "script {} ms, prepare {} ms, render and write {} ms, finish {} ms",
        timings.script.as_millis(),
        timings.prepare.as_millis(),
        timings.render.as_millis(),
        timings.write.as_millis()
    );
    if !timings.inspect.is_zero() {
        tracing::info!(
            "reading the old bundle {} ms, beside the script (rendering waited {} ms for it)",
            timings.inspect.as_millis(),
            timings.waited.as_millis()
        );
    }
    log_plugins(timings);
}

/// Each plugin's time, and how many calls rendered or were carried over from the last build.
fn log_plugins(timings: &zat_driver::Timings) {
    for (plugin, took) in &timings.plugins {
        tracing::info!("plugin {plugin} rendered in {} ms", took.as_millis());
    }
    tracing::info!(
        "plugin calls: {} rendered, {} carried over from the last build",
        timings.rendered_calls,
        timings.carried_calls
    );
}

/// `wrote 61,252 files to out: 0 added, 12 changed, 0 removed, 61,240 kept, 0.4 s`.
pub(crate) fn summary_line(
    summary: &WriteSummary,
    out: &std::path::Path,
    took: Duration,
) -> String {
    format!(
        "wrote {} files to {}: {} added, {} changed, {} removed, {} kept, {:.1} s",
        thousands(summary.files),
        out.display(),
        thousands(summary.added),
        thousands(summary.changed),
        thousands(summary.removed),
        thousands(summary.kept),
        took.as_secs_f64()
    )
}

/// `61252` as `61,252`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The exit of a run whose warnings are denied (`--deny-warnings`; errors end a run before
/// this), with the message that nothing was written.
fn denied(findings: &FindingArgs, diagnostics: &[Diagnostic]) -> Option<Exit> {
    let exit = findings.exit_for(diagnostics);
    (exit != Exit::Ok).then(|| {
        report::usage_error("warnings are denied (--deny-warnings): nothing written");
        exit
    })
}

/// Ends a run that has no bundle: with `--format json`, the document says so and carries the
/// diagnostics.
fn failed(json: bool, output: &str, exit: Exit, diagnostics: Vec<Diagnostic>) -> Exit {
    if json {
        let document = BuildOutput {
            ok: false,
            output: output.to_owned(),
            drift: Vec::new(),
            files: Vec::new(),
            diagnostics,
        };
        let written = output::write_json(&document);
        if written == Exit::Failure {
            return written;
        }
    }
    exit
}

/// `--check`: every file is compared with the bundle on disk as it renders; nothing is written
/// and no file is kept.
fn run_check(args: &Args) -> Exit {
    let json = args.findings.format == Format::Json;
    let output = args.output.display().to_string();
    let failed =
        |exit: Exit, diagnostics: Vec<Diagnostic>| failed(json, &output, exit, diagnostics);
    let comparer = match comparer(Some(&args.output), None) {
        Ok(comparer) => comparer,
        Err(exit) => return exit,
    };
    let rendered = match compare_bundle(&args.script, &args.run, &args.findings, comparer) {
        Ok(rendered) => rendered,
        Err((exit, diagnostics)) => return failed(exit, diagnostics),
    };
    if let Some(exit) = denied(&args.findings, &rendered.diagnostics) {
        return failed(exit, rendered.diagnostics);
    }
    let drift = rendered.compared.drift();
    if json {
        let document = BuildOutput {
            ok: drift.is_empty(),
            output,
            drift: changes(&drift),
            files: rendered.compared.files,
            diagnostics: rendered.diagnostics,
        };
        let written = output::write_json(&document);
        if written != Exit::Ok || drift.is_empty() {
            return written;
        }
        return Exit::InputErrors;
    }
    if drift.is_empty() {
        report::success(&format!("{} is up to date", args.output.display()));
        return Exit::Ok;
    }
    let exit = common::write_stdout(&drift_listing(&drift));
    report::usage_error(&format!(
        "{} differs from what `zat build` would write ({} added, {} removed, {} changed); run `zat build` or `zat diff` to see why",
        args.output.display(),
        drift.added.len(),
        drift.removed.len(),
        drift.changed.len()
    ));
    if exit == Exit::Failure { exit } else { Exit::InputErrors }
}

/// The drift as JSON changes (no patch: `zat diff` has them).
fn changes(drift: &Drift) -> Vec<Change> {
    let mut changes: Vec<Change> = [
        (ChangeKind::Added, &drift.added),
        (ChangeKind::Removed, &drift.removed),
        (ChangeKind::Changed, &drift.changed),
    ]
    .into_iter()
    .flat_map(|(change, paths)| {
        paths.iter().map(move |path| Change { path: path.clone(), change, patch: String::new() })
    })
    .collect();
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
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

impl RunArgs {
    /// The pipeline's inputs: the script and how to run it, and this run's choices. `allow`
    /// (`--allow`) is dropped from plugins' answers as they come in, not held to the end.
    pub(crate) fn inputs(
        &self,
        script: &ScriptArgs,
        allow: &[String],
    ) -> Result<zat_driver::Inputs, Exit> {
        let mut inputs = script.inputs()?;
        inputs.allowed_codes = allow.to_vec();
        inputs.only.clone_from(&self.only);
        inputs.plugin_options = self.options.iter().cloned().collect();
        inputs.states.clone_from(&self.states);
        if let Some(jobs) = self.jobs {
            inputs.jobs = usize::from(jobs);
        }
        Ok(inputs)
    }
}

/// A rendered bundle compared with the one on disk, file by file as it rendered
/// ([`zat_driver::compare`]): no file's bytes are held beyond the one being compared.
pub(crate) struct Compared {
    pub(crate) fleet: FleetSize,
    pub(crate) compared: zat_core::Compared,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// What a comparison keeps of its fleet: its name and size, for `zat check`'s last line (the
/// fleet itself goes before the plugins' warnings and notes are read back).
pub(crate) struct FleetSize {
    pub(crate) name: String,
    pub(crate) lpars: usize,
    pub(crate) databases: usize,
}

/// Runs the whole pipeline ([`zat_driver::compare`]), handing each file to `comparer` as it
/// comes (see [`zat_core::Comparer`]), and reports every diagnostic (in the human format) and
/// failure; `-v` logs each plugin's time.
///
/// Errors in the script or the model, and error diagnostics from plugins, give exit 1; a
/// plugin that cannot be loaded or fails (panic, error status, malformed JSON, illegal
/// paths), or a bundle on disk that cannot be read, gives exit 2. Nothing is written either
/// way; the diagnostics come back for a machine-readable format to write.
pub(crate) fn compare_bundle(
    script: &ScriptArgs,
    run: &RunArgs,
    findings: &FindingArgs,
    comparer: zat_core::Comparer<'_>,
) -> Result<Compared, (Exit, Vec<Diagnostic>)> {
    let inputs = run.inputs(script, &findings.allow).map_err(|exit| (exit, Vec::new()))?;
    let plugins = run.plugins.builder_for(Some(&script.script));
    let outcome = zat_driver::compare_keeping(&inputs, plugins, comparer, |fleet| FleetSize {
        name: fleet.name,
        lpars: fleet.lpars.len(),
        databases: fleet.security_databases.len(),
    });
    let (comparison, diagnostics) = reported(outcome, script, findings)?;
    Ok(Compared { fleet: comparison.fleet, compared: comparison.compared, diagnostics })
}

/// A comparer of the bundle at `out` (nothing to compare with when `None`), or exit 2 with
/// the reason when the folder cannot be listed.
pub(crate) fn comparer<'p>(
    out: Option<&std::path::Path>,
    patch: Option<zat_core::Patcher<'p>>,
) -> Result<zat_core::Comparer<'p>, Exit> {
    zat_core::Comparer::new(out, patch).map_err(|error| {
        report::usage_error(&error.to_string());
        Exit::Failure
    })
}

/// Reports a run's diagnostics (human format), timings (`-v`), plugin output and failure.
fn reported<T>(
    outcome: zat_driver::Outcome<T>,
    script: &ScriptArgs,
    findings: &FindingArgs,
) -> Result<(T, Vec<Diagnostic>), (Exit, Vec<Diagnostic>)> {
    // In front of the run's own, moved rather than copied (a fleet can have a note per
    // API requester).
    let mut diagnostics = outcome.diagnostics;
    diagnostics.splice(0..0, script.unread_params());
    let diagnostics = findings.filter(diagnostics);
    findings.human(&diagnostics);
    let timings = &outcome.timings;
    tracing::info!(
        "script {} ms, expansion and validation {} ms, plugins and bundle {} ms",
        timings.script.as_millis(),
        timings.prepare.as_millis(),
        timings.render.as_millis()
    );
    log_plugins(timings);
    for (plugin, output) in &outcome.plugin_output {
        report::plugin_output(plugin, output);
    }
    match outcome.result {
        Ok(result) => Ok((result, diagnostics)),
        Err(failure) => {
            let exit = common::report_failure(&failure);
            Err((exit, diagnostics))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(61_252), "61,252");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_summary_names_every_count() {
        let summary = WriteSummary {
            files: 61_252,
            changed: 12,
            removed: 1,
            kept: 61_240,
            ..Default::default()
        };
        let line = summary_line(&summary, std::path::Path::new("out"), Duration::from_millis(420));
        assert_eq!(
            line,
            "wrote 61,252 files to out: 0 added, 12 changed, 1 removed, 61,240 kept, 0.4 s"
        );
    }
}
