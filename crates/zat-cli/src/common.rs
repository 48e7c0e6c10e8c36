//! Arguments and helpers shared by commands: logging flags, script inputs, stdout writing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tracing_subscriber::EnvFilter;
use zat_model::Diagnostic;
use zat_script::ScriptOptions;

use crate::{Exit, report};

/// Verbosity flags, global to every command. `RUST_LOG` overrides them.
#[derive(Debug, clap::Args)]
pub(crate) struct LogArgs {
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
}

/// The fleet script and how to run it; shared by every command that runs a script.
#[derive(Debug, clap::Args)]
pub(crate) struct ScriptArgs {
    /// The fleet script, e.g. fleet.rhai.
    #[arg(value_name = "FLEET.rhai")]
    pub(crate) script: PathBuf,
    /// Set a script parameter, visible as `params.KEY` and `param("KEY", default)` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) set: Vec<(String, String)>,
    /// Also resolve `import` from this folder (repeatable; the script's own folder always is).
    #[arg(long = "lib", value_name = "DIR")]
    pub(crate) lib: Vec<PathBuf>,
    /// The date certificate expiry is checked against, YYYY-MM-DD (default: today, UTC).
    /// Give it in CI so that a check does not change on a calendar day with no change.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) today: Option<(i32, u32, u32)>,
    /// Warn about certificates that expire within this many days of --today.
    #[arg(long = "expiry-warning", value_name = "DAYS", default_value_t = 90)]
    pub(crate) expiry_warning: u32,
    /// Wall-clock limit for running the script, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub(crate) timeout: f64,
    /// The `zat.toml` whose `[params]` are the first entries of `set`, and how many they are
    /// (filled in by `config`), so that a warning about a parameter says where it was given.
    #[arg(skip)]
    pub(crate) config_params: Option<(PathBuf, usize)>,
}

impl ScriptArgs {
    pub(crate) fn options(&self) -> Result<ScriptOptions, String> {
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 86_400.0) {
            return Err(format!(
                "--timeout must be a number of seconds above 0 and at most 86400, not {}",
                self.timeout
            ));
        }
        let mut options = ScriptOptions {
            lib_dirs: self.lib.clone(),
            timeout: Duration::from_secs_f64(self.timeout),
            ..ScriptOptions::default()
        };
        for (key, value) in &self.set {
            options.params.insert(key.clone(), value.clone());
        }
        Ok(options)
    }
}

pub(crate) fn parse_date(text: &str) -> Result<(i32, u32, u32), String> {
    zat_core::Checks::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date: write YYYY-MM-DD, e.g. 2026-12-01"))
}

pub(crate) fn parse_key_value(text: &str) -> Result<(String, String), String> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(format!("expected KEY=VALUE, got `{text}`"));
    };
    let key = key.trim();
    let valid = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if !valid {
        return Err(format!(
            "parameter name `{key}` must be letters, digits and `_`, not starting with a digit"
        ));
    }
    // A value is one line of printable text: a line break or a control character would reach
    // a generated file as a new line if the script used it in a name (the model's checks
    // would stop it too, but here the user learns which `--set` it was).
    if let Some(bad) = value.chars().find(|c| c.is_control() || is_invisible_format(*c)) {
        return Err(format!(
            "the value of `{key}` holds U+{:04X} ({}); a --set value must be one line of printable text",
            u32::from(bad),
            if matches!(bad, '\n' | '\r') {
                "a line break"
            } else {
                "a control or format character"
            }
        ));
    }
    Ok((key.to_owned(), value.to_owned()))
}

/// Bidirectional overrides and other invisible format characters, which can make a value read
/// differently from what it holds.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Sets up `tracing` on stderr: `RUST_LOG` wins, else `-v`/`-q` pick the level.
pub(crate) fn init_logging(args: &LogArgs) {
    let default = if args.quiet {
        "error"
    } else {
        match args.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // On a failed write tracing would report it with `eprintln!`, which panics when
        // stderr is full or closed: the log line is dropped instead.
        .log_internal_errors(false)
        .with_ansi(report::use_color())
        .with_target(false)
        .without_time()
        .try_init();
}

impl ScriptArgs {
    /// The pipeline's inputs for this script (the whole fleet, built-in defaults otherwise).
    pub(crate) fn inputs(&self) -> Result<zat_driver::Inputs, Exit> {
        let options = self.options().map_err(|message| {
            report::usage_error(&message);
            Exit::Failure
        })?;
        for dir in self.lib.iter().filter(|dir| !dir.is_dir()) {
            let what = if dir.exists() { "is not a folder" } else { "does not exist" };
            report::usage_warning(&format!(
                "library folder {} (--lib or zat.toml) {what}: imports are not looked up there",
                dir.display()
            ));
        }
        let mut inputs = zat_driver::Inputs::new(&self.script);
        inputs.script_options = options;
        if let Some(today) = self.today {
            inputs.checks.today = today;
        }
        inputs.checks.expiry_window_days = i64::from(self.expiry_warning);
        Ok(inputs)
    }
}

/// Runs the script and the core's expansion and validation ([`zat_driver::prepare`]),
/// reporting every diagnostic on stderr. Returns the expanded fleet when there is one (even
/// with warnings) and no errors.
pub(crate) fn prepare(args: &ScriptArgs) -> Result<zat_model::Fleet, Exit> {
    let inputs = args.inputs()?;
    let run = zat_driver::prepare(&inputs);
    report::diagnostics(&args.unread_params());
    report::diagnostics(&run.diagnostics);
    run.result.map_err(|failure| report_failure(&failure))
}

/// Reports a pipeline failure's messages and gives its exit code.
pub(crate) fn report_failure(failure: &zat_driver::Failure) -> Exit {
    match failure {
        zat_driver::Failure::Input | zat_driver::Failure::Refused => Exit::InputErrors,
        zat_driver::Failure::Usage(messages) | zat_driver::Failure::Plugins(messages) => {
            for message in messages {
                report::usage_error(message);
            }
            Exit::Failure
        }
    }
}

/// Reports a pipeline failure as [`report_failure`] does and then, when a plugin failed, what
/// the command left on disk (`left`): the plugin host's messages cannot say it, as they serve
/// every command (a build leaves the old bundle, a report the old page, a check writes
/// nothing at all).
pub(crate) fn report_failure_leaving(failure: &zat_driver::Failure, left: &str) -> Exit {
    let exit = report_failure(failure);
    if matches!(failure, zat_driver::Failure::Plugins(_)) {
        report::usage_error(left);
    }
    exit
}

/// Writes data to stdout; a closed pipe (`zat model x | head`) ends quietly with success.
pub(crate) fn write_stdout(text: &str) -> Exit {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Exit::Ok,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(err) => {
            report::usage_error(&format!("cannot write to stdout: {err}"));
            Exit::Failure
        }
    }
}

/// The most `.rhai` files searched for parameter names, so that a script in a huge folder
/// does not make every command slow.
const PARAM_SCAN_LIMIT: usize = 2_000;

impl ScriptArgs {
    /// Warning ZAT0012 for each parameter (`--set` or `[params]` of `zat.toml`) that appears
    /// nowhere in the script, the other scripts of its folder (and below) or the library
    /// folders: a misspelt parameter would otherwise leave the script on its default without a
    /// word.
    pub(crate) fn unread_params(&self) -> Vec<Diagnostic> {
        if self.set.is_empty() {
            return Vec::new();
        }
        let folder = self.script.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let folder = if folder.as_os_str().is_empty() { PathBuf::from(".") } else { folder };
        let mut texts = Vec::new();
        if let Ok(text) = std::fs::read_to_string(&self.script) {
            texts.push(text);
        }
        let mut pending: Vec<PathBuf> =
            std::iter::once(folder).chain(self.lib.iter().cloned()).collect();
        let mut seen = 0;
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else { continue };
                if kind.is_dir() && !entry.file_name().to_string_lossy().starts_with('.') {
                    pending.push(path);
                } else if kind.is_file() && path.extension().is_some_and(|e| e == "rhai") {
                    seen += 1;
                    if seen > PARAM_SCAN_LIMIT {
                        return Vec::new();
                    }
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        texts.push(text);
                    }
                }
            }
        }
        let mut keys: Vec<&str> = self.set.iter().map(|(key, _)| key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        // A script that names parameters at run time (`param(name, ..)`, `params[name]`, the
        // `params` map passed around) cannot be checked by reading it.
        if texts.iter().any(|text| reads_params_dynamically(text)) {
            return Vec::new();
        }
        let known = param_names(&texts);
        keys.into_iter()
            .filter(|key| !known.iter().any(|name| name == key))
            .map(|key| {
                let help = match closest(key, &known) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None if known.is_empty() => "the script reads no parameters".to_owned(),
                    None => format!("the script reads: {}", known.join(", ")),
                };
                Diagnostic::warning(
                    "ZAT0012",
                    format!("parameter `{key}` is read nowhere in the script or its libraries"),
                )
                .object(self.param_source(key))
                .help(help)
            })
            .collect()
    }
}

impl ScriptArgs {
    /// Where parameter `key` was given: `--set KEY` when the command line gave it (it wins),
    /// else `[params] KEY in PATH/zat.toml`.
    fn param_source(&self, key: &str) -> String {
        let from_file = self.config_params.as_ref().filter(|(_, count)| {
            !self.set[(*count).min(self.set.len())..].iter().any(|(k, _)| k == key)
        });
        match from_file {
            Some((file, _)) => format!("[params] {key} in {}", file.display()),
            None => format!("--set {key}"),
        }
    }
}

/// Whether `text` names a parameter other than literally: `param(` not followed by a string,
/// or `params` not followed by `.NAME` or `["NAME"]`.
fn reads_params_dynamically(text: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices("param").any(|(at, _)| {
        if text[..at].chars().next_back().is_some_and(is_ident) {
            return false;
        }
        let rest = &text[at + "param".len()..];
        if let Some(call) = rest.strip_prefix('(') {
            !call.trim_start().starts_with('"')
        } else if let Some(map) = rest.strip_prefix('s') {
            if map.chars().next().is_some_and(is_ident) {
                return false;
            }
            !(map.starts_with('.') || map.starts_with("[\""))
        } else {
            false
        }
    })
}

/// The names scripts read with `param("NAME"` or `params.NAME`, sorted.
fn param_names(texts: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for text in texts {
        for (marker, end) in [("param(\"", '"'), ("params[\"", '"'), ("params.", ' ')] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| {
                        if end == '"' { *c != '"' } else { c.is_ascii_alphanumeric() || *c == '_' }
                    })
                    .collect();
                if !name.is_empty() && name.len() < 64 {
                    names.push(name);
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The name nearest `key` within two edits, if any.
fn closest<'a>(key: &str, names: &'a [String]) -> Option<&'a str> {
    names
        .iter()
        .map(|name| (edit_distance(key, name), name))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, name)| name.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

/// What is at `output`, for a command that writes a file there: `Ok(None)` when nothing is,
/// `Ok(Some(meta))` for a regular file, `Err` for a link (`command` never writes through one,
/// nor replaces it), a folder, FIFO or device (as root, `-o /dev/null` would replace the
/// device with a file), or a path it cannot inspect.
pub(crate) fn output_file(
    output: &std::path::Path,
    command: &str,
) -> Result<Option<std::fs::Metadata>, String> {
    let shown = output.display();
    let meta = match std::fs::symlink_metadata(output) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot inspect {shown}: {e}")),
    };
    if meta.file_type().is_symlink() {
        return Err(format!(
            "{shown} is a symbolic link; {command} never writes through a link, name the file itself"
        ));
    }
    if !meta.is_file() {
        return Err(format!(
            "{shown} exists and is not a regular file (a folder, FIFO or device); choose another -o"
        ));
    }
    Ok(Some(meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_names_and_nearest() {
        assert!(!reads_params_dynamically(
            "let n = param(\"lpars\", 3) + params.x + params[\"y\"];"
        ));
        assert!(reads_params_dynamically("let n = param(name, 3);"));
        assert!(reads_params_dynamically("f(params);"));
        assert!(!reads_params_dynamically("let paramsx = 1; myparam(1);"));
        let texts = vec!["param(\"lpars\", 1); params.name + params.region".to_owned()];
        assert_eq!(param_names(&texts), ["lpars", "name", "region"]);
        assert_eq!(closest("lpar", &param_names(&texts)), Some("lpars"));
        assert_eq!(closest("zzzzzz", &param_names(&texts)), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
