//! `zat completions SHELL` and what the completions know: the registration script of a shell,
//! and dynamic candidates for LPAR names (`--only`, from the fleet script on the command line)
//! and diagnostic codes (`zat explain`, `--allow`).
//!
//! The shell calls `zat` back with `COMPLETE=<shell>` to complete a word (clap_complete's
//! dynamic completion); `main` answers those calls before anything else runs.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::Duration;

use clap_complete::engine::CompletionCandidate;
use clap_complete::env::Shells;

use crate::Exit;
use crate::common::ScriptArgs;

/// The shells zat completes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: Shell,
}

/// The variable the shell sets when it asks zat to complete a word.
pub(crate) const VAR: &str = "COMPLETE";

pub(crate) fn run(args: &Args) -> Exit {
    let name = match args.shell {
        Shell::Bash => "bash",
        Shell::Zsh => "zsh",
        Shell::Fish => "fish",
        Shell::Elvish => "elvish",
        Shell::Powershell => "powershell",
    };
    let shells = Shells::builtins();
    let Some(shell) = shells.completer(name) else {
        crate::report::usage_error(&format!("no completion for {name}"));
        return Exit::Failure;
    };
    let mut buffer = Vec::new();
    if let Err(error) = shell.write_registration(VAR, "zat", "zat", "zat", &mut buffer) {
        crate::report::usage_error(&format!("cannot write the completion script: {error}"));
        return Exit::Failure;
    }
    crate::common::write_stdout(&String::from_utf8_lossy(&buffer))
}

/// Candidates for a diagnostic code: every code `zat explain` knows, with its title.
pub(crate) fn codes(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy().to_ascii_uppercase();
    crate::explain::CODES
        .iter()
        .filter(|code| code.code.starts_with(&prefix))
        .map(|code| CompletionCandidate::new(code.code).help(Some(code.title.into())))
        .collect()
}

/// Candidates for an LPAR name: the LPARs of the first `*.rhai` file on the command line being
/// completed, whose script runs with a short time limit (nothing when it cannot run) and with
/// the options the command would give it: its `--set` and `--lib`, over the `zat.toml` beside
/// the script.
pub(crate) fn lpars(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy().to_ascii_uppercase();
    let words: Vec<String> =
        std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned()).collect();
    let Some(script) = words
        .iter()
        .map(PathBuf::from)
        .find(|arg| arg.extension() == Some(OsStr::new("rhai")) && arg.is_file())
    else {
        return Vec::new();
    };
    lpar_names(&script_args(script, &words))
        .into_iter()
        .filter(|name| name.to_ascii_uppercase().starts_with(&prefix))
        .map(CompletionCandidate::new)
        .collect()
}

/// The script arguments of the command line being completed: `script`, each `--set` and
/// `--lib` among `words` (a value that does not parse is left out), and the `zat.toml` beside
/// the script under them.
fn script_args(script: PathBuf, words: &[String]) -> ScriptArgs {
    let mut args = ScriptArgs {
        script,
        set: Vec::new(),
        lib: Vec::new(),
        today: None,
        expiry_warning: 0,
        timeout: 2.0,
        config_params: None,
    };
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (word.as_str(), None),
        };
        if flag != "--set" && flag != "--lib" {
            continue;
        }
        let Some(value) = inline.or_else(|| words.next().cloned()) else { break };
        if flag == "--lib" {
            args.lib.push(PathBuf::from(value));
        } else if let Ok(pair) = crate::common::parse_key_value(&value) {
            args.set.push(pair);
        }
    }
    crate::config::merge_quietly(&mut args);
    args
}

fn lpar_names(args: &ScriptArgs) -> Vec<String> {
    let Ok(mut options) = args.options() else { return Vec::new() };
    // Completion must answer while the user waits, whatever `--timeout` the command has.
    options.timeout = Duration::from_secs(2);
    match zat_script::run_file(&args.script, &options) {
        Ok(fleet) => fleet.lpars.into_iter().map(|lpar| lpar.name).collect(),
        Err(_) => Vec::new(),
    }
}
