//! `zat completions SHELL` and what the completions know: the registration script of a shell,
//! and dynamic candidates for LPAR names (`--only`, from the fleet script on the command line)
//! and diagnostic codes (`zat explain`, `--allow`).
//!
//! The shell calls `zat` back with `COMPLETE=<shell>` to complete a word (clap_complete's
//! dynamic completion); `main` answers those calls before anything else runs.

use std::ffi::OsStr;
use std::path::Path;
use std::time::Duration;

use clap_complete::engine::CompletionCandidate;
use clap_complete::env::Shells;

use crate::Exit;

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
/// completed, whose script runs with a short time limit (nothing when it cannot run).
pub(crate) fn lpars(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy().to_ascii_uppercase();
    let Some(script) = std::env::args_os()
        .skip(1)
        .map(std::path::PathBuf::from)
        .find(|arg| arg.extension() == Some(OsStr::new("rhai")) && arg.is_file())
    else {
        return Vec::new();
    };
    lpar_names(&script)
        .into_iter()
        .filter(|name| name.to_ascii_uppercase().starts_with(&prefix))
        .map(CompletionCandidate::new)
        .collect()
}

fn lpar_names(script: &Path) -> Vec<String> {
    let options =
        zat_script::ScriptOptions { timeout: Duration::from_secs(2), ..Default::default() };
    match zat_script::run_file(script, &options) {
        Ok(fleet) => fleet.lpars.into_iter().map(|lpar| lpar.name).collect(),
        Err(_) => Vec::new(),
    }
}
