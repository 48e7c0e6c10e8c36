//! `zat plugins list|test` and the plugin flags shared by `build` and `diff`: which plugins
//! run (built-ins, plugin folders, explicit choices) and the conformance checks.

use std::path::{Path, PathBuf};
use std::time::Duration;

use zat_core::Bundle;
use zat_plugin_api::{RenderRequest, Unit};
use zat_plugin_host::{Choice, Lock, Plugin, PluginSetBuilder, parse_choice};
use zat_zos::{self as zos, CheckOptions, TextKind};

use crate::{Exit, common, report};

/// Where plugins come from; shared by `build`, `diff`, `report` and `plugins list|lock`.
#[derive(Debug, clap::Args)]
pub(crate) struct PluginArgs {
    /// Also load plugin libraries (*.so, *.dylib, *.dll) from DIR (repeatable). Folders in
    /// ZAT_PLUGIN_PATH (separated by `:`) are searched too; the current directory never is.
    #[arg(long = "plugin-dir", value_name = "DIR")]
    pub(crate) plugin_dir: Vec<PathBuf>,
    /// Pick one of several plugins with the same name, or turn one off: NAME=builtin,
    /// NAME=off or NAME=PATH (a library, loaded even outside the plugin folders). Repeatable.
    /// Without it, two plugins with one name are an error.
    #[arg(long = "plugin", value_name = "NAME=CHOICE", value_parser = parse_choice)]
    pub(crate) plugin: Vec<(String, Choice)>,
    /// Leave out the emitters built into zat: run only plugin libraries.
    #[arg(long = "no-builtin")]
    pub(crate) no_builtin: bool,
    /// Deadline of each call of a plugin library, in seconds. Each library runs in its own
    /// process; one that has not answered by then is stopped and the build fails.
    #[arg(long = "plugin-timeout", value_name = "SECS", default_value = "60", value_parser = parse_timeout)]
    pub(crate) plugin_timeout: Duration,
    /// Load only plugin libraries listed, unchanged, in the lock file (see `zat plugins lock`).
    #[arg(long)]
    pub(crate) locked: bool,
    /// The lock file (default: zat.lock beside the fleet script).
    #[arg(long, value_name = "FILE")]
    pub(crate) lock: Option<PathBuf>,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => {
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err(format!("`{text}` is not a number of seconds above 0 and at most 86400")),
    }
}

impl PluginArgs {
    /// The lock file these arguments name: `--lock`, else `zat.lock` beside the script.
    pub(crate) fn lock_path(&self, script: Option<&Path>) -> Option<PathBuf> {
        self.lock
            .clone()
            .or_else(|| script.map(|s| s.parent().unwrap_or(Path::new("")).join("zat.lock")))
    }

    /// The plugins of a run of `script` (whose folder holds the default lock file).
    pub(crate) fn builder_for(&self, script: Option<&Path>) -> PluginSetBuilder {
        let mut builder = self.builder();
        if self.locked {
            let lock = match self.lock_path(script) {
                Some(path) => Lock::read(&path),
                None => Err(zat_plugin_host::HostError::LockFile {
                    path: PathBuf::from("zat.lock"),
                    message: "--locked needs --lock FILE here".to_owned(),
                }),
            };
            builder = builder.locked(lock);
        }
        builder
    }

    /// The plugins, without a lock; every library runs in a worker process.
    pub(crate) fn builder(&self) -> PluginSetBuilder {
        let mut builder =
            PluginSetBuilder::new().isolate(crate::worker::config(self.plugin_timeout));
        if !self.no_builtin {
            builder = zat_driver::builtins(builder);
        }
        for dir in &self.plugin_dir {
            tracing::info!("plugin folder {} (--plugin-dir)", dir.display());
            builder = builder.plugin_dir(dir);
        }
        let path = std::env::var_os(zat_plugin_host::PLUGIN_PATH_ENV);
        for dir in path.iter().flat_map(std::env::split_paths).filter(|d| !d.as_os_str().is_empty())
        {
            tracing::info!(
                "plugin folder {} ({})",
                dir.display(),
                zat_plugin_host::PLUGIN_PATH_ENV
            );
        }
        if self.plugin_dir.is_empty() && path.is_none() {
            tracing::info!("no plugin folder: built-in emitters only");
        }
        builder = builder.plugin_path(path.as_deref());
        for (name, choice) in &self.plugin {
            builder = builder.choose(name, choice.clone());
        }
        builder
    }
}

/// What `zat plugins` does.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: PluginsCommand,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum PluginsCommand {
    /// List the plugins a build would run: name, version, ABI, and built-in or the library's
    /// path. The same folders, choices (--plugin), lock (--locked) and checks as `zat build`
    /// apply: what a build refuses (a clash of names, a library not in the lock) is an error here.
    #[command(
        after_help = "Examples:\n  zat plugins list\n  zat plugins list fleet.rhai\n  zat plugins list --plugin-dir /opt/zat/plugins --locked --lock site/zat.lock"
    )]
    List(ListArgs),
    /// Run a plugin library through the conformance checks: it loads, its table is sound,
    /// it renders a fixture fleet twice with identical output and only legal paths.
    #[command(after_help = "Examples:\n  zat plugins test site/plugins/libzat_acf2.so")]
    Test(TestArgs),
    /// Write the lock file: name, version and sha256 of every plugin library found, which
    /// `zat build --locked` then requires.
    #[command(
        after_help = "Examples:\n  zat plugins lock fleet.rhai --plugin-dir /opt/zat/plugins\n  zat plugins lock --lock site/zat.lock --plugin-dir /opt/zat/plugins"
    )]
    Lock(LockArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct LockArgs {
    /// The fleet script; the lock goes to zat.lock beside it (or to --lock FILE), and the
    /// zat.toml beside it adds its plugin folders.
    #[arg(value_name = "FLEET.rhai", required_unless_present = "lock")]
    pub(crate) script: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) plugins: PluginArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// The fleet script the plugins are for: the zat.toml beside it adds its plugin folders,
    /// and --locked reads zat.lock beside it (unless --lock FILE).
    #[arg(value_name = "FLEET.rhai")]
    pub(crate) script: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) plugins: PluginArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct TestArgs {
    /// The plugin library to check.
    #[arg(value_name = "LIB")]
    pub(crate) library: PathBuf,
    /// Deadline of each call, in seconds.
    #[arg(long = "plugin-timeout", value_name = "SECS", default_value = "60", value_parser = parse_timeout)]
    pub(crate) plugin_timeout: Duration,
}

pub(crate) fn run(args: &Args) -> Exit {
    match &args.command {
        PluginsCommand::List(list) => run_list(list),
        PluginsCommand::Test(test) => run_test(test),
        PluginsCommand::Lock(lock) => run_lock(lock),
    }
}

fn run_lock(args: &LockArgs) -> Exit {
    let Some(path) = args.plugins.lock_path(args.script.as_deref()) else {
        report::usage_error("give the fleet script or --lock FILE");
        return Exit::Failure;
    };
    let (plugins, errors) = args.plugins.builder().load_all();
    for error in &errors {
        report::usage_error(&error.to_string());
    }
    if !errors.is_empty() {
        report::usage_error(&format!("{} not written", path.display()));
        return Exit::Failure;
    }
    let lock = Lock::of(&path, &plugins);
    // A new file beside the lock, renamed over it: a reader sees the old lock or the new one.
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.zat-{}", std::process::id()));
    let written =
        std::fs::write(&temp, lock.to_bytes()).and_then(|()| std::fs::rename(&temp, &path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        report::usage_error(&format!("cannot write {}: {error}", path.display()));
        return Exit::Failure;
    }
    tracing::info!("locked {} plugin libraries in {}", lock.entries().len(), path.display());
    let mut text = String::new();
    for entry in lock.entries() {
        text.push_str(&format!("{}\t{}\t{}\n", entry.name, entry.version, entry.sha256));
    }
    common::write_stdout(&text)
}

/// The plugins a build would run, resolved as a build resolves them; every problem a build
/// would stop at fails the listing too.
fn run_list(args: &ListArgs) -> Exit {
    let (plugins, errors) = args.plugins.builder_for(args.script.as_deref()).resolve();
    let mut text = String::from("NAME\tVERSION\tABI\tSOURCE\n");
    for plugin in &plugins {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            plugin.name(),
            plugin.version(),
            plugin.abi_version(),
            plugin.origin()
        ));
    }
    let exit = common::write_stdout(&text);
    for error in &errors {
        report::usage_error(&error.to_string());
    }
    if errors.is_empty() { exit } else { Exit::Failure }
}

/// Conformance checks of one library, run in a worker process (so a crash, an exit or a hang
/// is a verdict too); prints one line per check on stdout.
fn run_test(args: &TestArgs) -> Exit {
    let path = args.library.as_path();
    let config = crate::worker::config(args.plugin_timeout);
    let mut lines = Vec::new();
    let passed = conformance(path, &config, &mut lines);
    let mut text = lines.join("\n");
    text.push('\n');
    text.push_str(if passed { "conformance: passed\n" } else { "conformance: FAILED\n" });
    let exit = common::write_stdout(&text);
    if passed {
        exit
    } else {
        report::usage_error(&format!(
            "{} does not pass the plugin conformance checks; see the FAIL lines above",
            path.display()
        ));
        Exit::InputErrors
    }
}

fn conformance(
    path: &Path,
    config: &zat_plugin_host::WorkerConfig,
    lines: &mut Vec<String>,
) -> bool {
    let ok = |lines: &mut Vec<String>, what: String| lines.push(format!("ok    {what}"));
    let fail = |lines: &mut Vec<String>, what: String| lines.push(format!("FAIL  {what}"));

    let plugin = match Plugin::spawn(&std::path::absolute(path).unwrap_or(path.to_owned()), config)
    {
        Ok(plugin) => plugin,
        Err(error) => {
            fail(lines, format!("load: {error}"));
            return false;
        }
    };
    ok(lines, format!("load: {} exports zat_plugin_entry", path.display()));
    ok(
        lines,
        format!(
            "table: ABI {}, name `{}`, version `{}`, info agrees",
            plugin.abi_version(),
            plugin.name(),
            plugin.version()
        ),
    );

    let mut passed = true;
    let (answer, output) = plugin.render_with_output(b"this is not a render request");
    if !output.is_empty() {
        ok(
            lines,
            format!(
                "output: the plugin printed {} lines (shown on stderr, never on stdout)",
                output.lines().count()
            ),
        );
        report::plugin_output(plugin.name(), &output);
    }
    match answer {
        Err(zat_plugin_host::PluginError::Failed { status, .. }) => {
            ok(lines, format!("bad request: refused with status {status}"));
        }
        Err(error) => {
            fail(lines, format!("bad request: expected an error status, got: {error}"));
            passed = false;
        }
        Ok(_) => {
            fail(lines, "bad request: answered a malformed request with success".to_owned());
            passed = false;
        }
    }

    for (fixture, fleet) in fixtures(&plugin.info().provides) {
        passed &= render_fixture(&plugin, &fixture, fleet, lines);
    }
    passed
}

/// The fleets a plugin is tried on: the multi-LPAR fixture, and for every `esm:<name>` the
/// plugin provides, the same fleet with every security database on that ESM (otherwise an
/// ESM plugin would render nothing and pass without being tried).
fn fixtures(provides: &[String]) -> Vec<(String, zat_model::Fleet)> {
    let mut fleets = vec![("multi".to_owned(), zat_core::fixtures::multi().fleet)];
    for esm in provides.iter().filter_map(|p| p.strip_prefix("esm:")) {
        let esm = zat_model::Esm::new(esm);
        let mut raw = zat_core::fixtures::multi_raw();
        for db in &mut raw.security_databases {
            db.esm = esm.clone();
        }
        fleets.push((format!("multi on {}", esm.as_str()), zat_core::prepare(raw).fleet));
    }
    fleets
}

/// Renders one fixture twice: both answers must succeed and agree, every path must be legal
/// and distinct, and every job must pass the z/OS text checks.
fn render_fixture(
    plugin: &Plugin,
    fixture: &str,
    fleet: zat_model::Fleet,
    lines: &mut Vec<String>,
) -> bool {
    let ok = |lines: &mut Vec<String>, what: String| lines.push(format!("ok    {fixture}: {what}"));
    let fail =
        |lines: &mut Vec<String>, what: String| lines.push(format!("FAIL  {fixture}: {what}"));
    let mut passed = true;
    let request = RenderRequest::new(fleet, env!("CARGO_PKG_VERSION"));
    let bytes = match serde_json::to_vec(&request) {
        Ok(bytes) => bytes,
        Err(error) => {
            fail(lines, format!("fixture: cannot serialise the request: {error}"));
            return false;
        }
    };
    let (first, printed) = plugin.render_with_output(&bytes);
    let (second, again) = plugin.render_with_output(&bytes);
    if !printed.is_empty() || !again.is_empty() {
        let count = printed.lines().count() + again.lines().count();
        ok(
            lines,
            format!("output: the plugin printed {count} lines (shown on stderr, never on stdout)"),
        );
        report::plugin_output(plugin.name(), &printed);
        report::plugin_output(plugin.name(), &again);
    }
    let (first, second) = match (first, second) {
        (Ok(first), Ok(second)) => (first, second),
        (Err(error), _) | (_, Err(error)) => {
            fail(lines, format!("render: {error}"));
            return false;
        }
    };
    ok(
        lines,
        format!("render: {} files, {} diagnostics", first.files.len(), first.diagnostics.len()),
    );
    if first == second {
        ok(lines, "deterministic: two renders gave identical output".to_owned());
    } else {
        let differing =
            first.files.iter().zip(&second.files).find(|(a, b)| a != b).map_or_else(
                || "the file lists or diagnostics".to_owned(),
                |(a, _)| a.path.clone(),
            );
        fail(lines, format!("deterministic: two renders differ (first at {differing})"));
        passed = false;
    }
    for file in first.files.iter().filter(|f| f.path.ends_with(".jcl")) {
        let findings = zos::check(&file.content, TextKind::Job, &CheckOptions::default());
        if let Some(finding) = findings.first() {
            fail(lines, format!("jcl: {} line {}: {:?}", file.path, finding.line, finding.problem));
            passed = false;
        }
    }
    let whole: Vec<(String, String)> =
        first.files.iter().map(|f| (f.path.clone(), f.content.clone())).collect();
    match Bundle::new(zat_driver::bundle_files(plugin.name(), first).1) {
        Ok(bundle) => ok(lines, format!("paths: all {} paths legal and distinct", bundle.len())),
        Err(errors) => {
            for error in errors {
                fail(lines, format!("paths: {error}"));
            }
            passed = false;
        }
    }
    match by_units(plugin, &request, whole) {
        None => {}
        Some(Ok(calls)) => {
            ok(lines, format!("units: {calls} unit calls give the files of one whole-fleet call"));
        }
        Some(Err(problem)) => {
            fail(lines, format!("units: {problem}"));
            passed = false;
        }
    }
    passed
}

/// For a plugin that renders by unit: every unit it declares, rendered on its own, must write
/// only that unit's files, and give together exactly the files of the whole-fleet call, each
/// once. `None` for a plugin that
/// declares no unit; otherwise how many calls it took, or what went wrong.
fn by_units(
    plugin: &Plugin,
    request: &RenderRequest,
    mut whole: Vec<(String, String)>,
) -> Option<Result<usize, String>> {
    let provides = |capability: &str| plugin.info().provides.iter().any(|p| p == capability);
    let mut units = Vec::new();
    if provides(zat_plugin_api::UNIT_DATABASE) {
        units.extend(
            request
                .fleet
                .security_databases
                .iter()
                .map(|db| Unit::Database { name: db.name.clone() }),
        );
    }
    if provides(zat_plugin_api::UNIT_LPAR) {
        units.extend(request.fleet.lpars.iter().map(|l| Unit::Lpar { name: l.name.clone() }));
    }
    if provides(zat_plugin_api::UNIT_FLEET) {
        units.push(Unit::Fleet);
    }
    if units.is_empty() {
        return None;
    }
    let calls = units.len();
    let mut parts = Vec::new();
    for unit in units {
        let label = unit.to_string();
        let bytes = match serde_json::to_vec(&request.for_unit(unit.clone())) {
            Ok(bytes) => bytes,
            Err(error) => return Some(Err(format!("cannot serialise the request: {error}"))),
        };
        match plugin.render(&bytes) {
            Ok(response) => {
                // The rule `zat build` holds each unit call to (error ZAT0394).
                if let Some(file) = response
                    .files
                    .iter()
                    .find(|f| !zat_plugin_api::layout::unit_writes(&unit, &f.path))
                {
                    return Some(Err(format!(
                        "{label} wrote {}, which is not that unit's (docs/plugins.md, section 3a)",
                        file.path
                    )));
                }
                parts.extend(response.files.into_iter().map(|f| (f.path, f.content)));
            }
            Err(error) => return Some(Err(format!("{label}: {error}"))),
        }
    }
    parts.sort();
    whole.sort();
    if let Some(pair) = parts.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Some(Err(format!("{} is written by two units", pair[0].0)));
    }
    if parts == whole {
        return Some(Ok(calls));
    }
    let by_unit: std::collections::BTreeSet<&(String, String)> = parts.iter().collect();
    let by_whole: std::collections::BTreeSet<&(String, String)> = whole.iter().collect();
    let first = by_unit
        .symmetric_difference(&by_whole)
        .next()
        .map_or_else(String::new, |(path, _)| path.clone());
    Some(Err(format!(
        "rendered unit by unit, the files differ from one whole-fleet call (first at {first})"
    )))
}
