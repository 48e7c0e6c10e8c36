//! The `zat` binary: AT-TLS configuration as code for z/OS fleets.
//!
//! One module per command (`check.rs`, `model.rs`, ...); each parses its own arguments with
//! clap derive and returns an [`Exit`]. Diagnostics are rendered in one place, `report.rs`.
//!
//! Exit codes:
//! - 0: success (warnings do not change it);
//! - 1: errors in the input: the script failed, or the model (or a plugin) has diagnostics of
//!   severity error; `build --check` also exits 1 when the bundle on disk drifted;
//! - 2: usage error (bad arguments) or internal failure (I/O, a bug), including a plugin that
//!   cannot be loaded or fails (wrong ABI, panic, error status, malformed JSON, illegal paths).

mod build;
mod check;
mod common;
mod completions;
mod diff;
mod docs;
mod explain;
mod import;
mod lint;
mod model;
mod plugins;
mod report;
mod schema;
mod worker;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A build allocates and frees millions of small strings (every unit's request is parsed by
/// every plugin); mimalloc does that markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How a command ended; `main` turns it into the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Everything went fine (warnings allowed).
    Ok,
    /// The input has errors (script or model diagnostics of severity error).
    InputErrors,
    /// Usage error or internal failure.
    Failure,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Ok => ExitCode::SUCCESS,
            Exit::InputErrors => ExitCode::from(1),
            Exit::Failure => ExitCode::from(2),
        }
    }
}

/// AT-TLS configuration as code for z/OS fleets.
///
/// Describe your fleet once in a rhai script (fleet.rhai); zat checks it and generates
/// RACF jobs, Policy Agent files, TCP/IP profile snippets, syslogd configuration and CEEOPTS.
#[derive(Debug, Parser)]
#[command(
    name = "zat",
    version,
    propagate_version = true,
    after_help = "Examples:\n  zat check fleet.rhai\n  zat model fleet.rhai --set lpars=40 > model.json\n  zat explain ZAT0003\n\nExit codes: 0 ok, 1 errors in the input, 2 usage or internal failure."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) log: common::LogArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Every `zat` subcommand; add yours here and in `run`.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the fleet script and validate the model; write nothing.
    #[command(
        after_help = "Examples:\n  zat check fleet.rhai\n  zat check scripts/fleet.rhai --lib site/lib --set lpars=12"
    )]
    Check(check::Args),
    /// Print the expanded fleet model as JSON (what plugins receive).
    #[command(
        after_help = "Examples:\n  zat model fleet.rhai\n  zat model fleet.rhai --set lpars=3 | jq '.lpars[].name'"
    )]
    Model(model::Args),
    /// Print the JSON Schema of the fleet model.
    #[command(after_help = "Example:\n  zat schema > zat-model.schema.json")]
    Schema(schema::Args),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  zat completions bash > /etc/bash_completion.d/zat\n  zat completions zsh > ~/.zfunc/_zat"
    )]
    Completions(completions::Args),
    /// Show the fleet script reference: every builder, option, default and diagnostic.
    #[command(
        after_help = "Examples:\n  zat docs\n  zat docs rule\n  zat docs --format markdown > docs/dsl.md\n  zat docs --format rhai > docs/zat.d.rhai"
    )]
    Docs(docs::Args),
    /// Explain a diagnostic code in detail.
    #[command(after_help = "Examples:\n  zat explain ZAT0003\n  zat explain --list")]
    Explain(explain::Args),
    /// Run the script, call every plugin, and write the bundle atomically (or check it).
    #[command(
        after_help = "Examples:\n  zat build fleet.rhai -o out\n  zat build fleet.rhai -o out --check\n  zat build fleet.rhai -o out --only SYSA --plugin-dir site/plugins --plugin acf2=site/plugins/libacf2.so\n\nExit codes: 0 ok (or no drift), 1 errors in the input or drift (--check), 2 usage error, plugin failure or I/O failure."
    )]
    Build(build::Args),
    /// Show, as a unified diff, what `zat build` would change in the bundle on disk.
    #[command(
        after_help = "Examples:\n  zat diff fleet.rhai -o out\n  zat diff fleet.rhai -o out --only SYSA | less"
    )]
    Diff(diff::Args),
    /// List the plugins zat would use, or run a plugin library through the conformance checks.
    Plugins(plugins::Args),
    /// Check existing Policy Agent files: what Policy Agent would reject or silently ignore.
    #[command(
        after_help = "Examples:\n  zat lint /etc/pagent/TCPIP.ttls.policy\n  zat lint common.policy TCPIP.policy --format json\n\nExit codes: 0 no errors (warnings allowed), 1 errors found, 2 a file cannot be read."
    )]
    Lint(lint::Args),
    /// Turn existing AT-TLS policy into a fleet script that rebuilds it.
    #[command(
        after_help = "Examples:\n  zat import /etc/pagent/TCPIP.ttls.policy -o fleet.rhai\n  zat import common.policy TCPIP.policy --lpar SYS1 --stack TCPIP --database PLEX1 > fleet.rhai\n\nExit codes: 0 script written (warnings allowed), 1 no rule found, 2 a file cannot be read or written."
    )]
    Import(import::Args),
    /// Internal: runs one plugin library on behalf of a zat process (not for people).
    #[command(name = "__plugin-worker", hide = true)]
    PluginWorker(worker::Args),
}

fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Model(args) => model::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Docs(args) => docs::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Build(args) => build::run(&args, cli.log.quiet),
        Command::Diff(args) => diff::run(&args),
        Command::Plugins(args) => plugins::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Import(args) => import::run(&args),
        Command::PluginWorker(args) => worker::run(&args),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version on stdout with exit 0, usage errors on stderr with 2.
            let code = if err.use_stderr() { Exit::Failure } else { Exit::Ok };
            let _ = err.print();
            return code.into();
        }
    };
    common::init_logging(&cli.log);
    report::install_hook();
    run(cli).into()
}
