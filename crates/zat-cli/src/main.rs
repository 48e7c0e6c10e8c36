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
mod config;
mod diff;
mod docs;
mod explain;
mod fleet_report;
mod import;
mod lint;
mod man;
mod model;
mod output;
mod plugins;
mod report;
mod schema;
mod verify;
mod why;
mod worker;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A build allocates and frees millions of small strings (every unit's request is parsed by
/// every plugin); mimalloc does that markedly faster than the system allocator. `main` tunes it
/// first (`zat_driver::tune_mimalloc`).
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
        after_help = "Examples:\n  zat completions bash > /etc/bash_completion.d/zat\n  zat completions zsh > ~/.zfunc/_zat\n\nThe script calls zat back to complete LPAR names (--only, from the script on the line) and diagnostic codes."
    )]
    Completions(completions::Args),
    /// Show the fleet script reference: every builder, option, default and diagnostic.
    #[command(
        after_help = "Examples:\n  zat docs\n  zat docs rule\n  zat docs --format markdown > docs/dsl.md\n  zat docs --format rhai > docs/zat.d.rhai"
    )]
    Docs(docs::Args),
    /// Print the manual page (roff), generated from these very definitions.
    #[command(
        after_help = "Examples:\n  zat man | man -l -\n  zat man --dir /usr/local/share/man/man1"
    )]
    Man(man::Args),
    /// Explain a diagnostic code in detail.
    #[command(after_help = "Examples:\n  zat explain ZAT0003\n  zat explain --list")]
    Explain(explain::Args),
    /// Write one self-contained HTML page about the fleet: LPARs, connections, rules,
    /// certificate expiry and diagnostics.
    #[command(
        after_help = "Examples:\n  zat report fleet.rhai -o report.html\n  zat report fleet.rhai -o report.html --today 2027-01-01\n\nExit codes: 0 written, 1 written but the fleet has errors (or the script failed: nothing written), 2 usage or I/O failure."
    )]
    Report(fleet_report::Args),
    /// Run the script, call every plugin, and write the bundle atomically (or check it).
    #[command(
        after_help = "Examples:\n  zat build fleet.rhai -o out\n  zat build fleet.rhai -o out --check\n  zat build fleet.rhai -o out --only SYSA --plugin-dir /opt/zat/plugins --plugin acf2=site/plugins/libacf2.so\n\nExit codes: 0 ok (or no drift), 1 errors in the input or drift (--check), 2 usage error, plugin failure or I/O failure."
    )]
    Build(build::Args),
    /// Show, as a unified diff, what `zat build` would change in the bundle on disk.
    #[command(
        after_help = "Examples:\n  zat diff fleet.rhai -o out\n  zat diff fleet.rhai -o out --only SYSA | less"
    )]
    Diff(diff::Args),
    /// List the plugins a build would run, lock the plugin libraries, or run a plugin library
    /// through the conformance checks.
    Plugins(plugins::Args),
    /// Check existing Policy Agent files: what Policy Agent would reject or silently ignore.
    #[command(
        after_help = "Examples:\n  zat lint /etc/pagent/TCPIP.ttls.policy\n  zat lint common.policy TCPIP.policy --format json\n\nExit codes: 0 no errors (warnings allowed), 1 errors found, 2 a file cannot be read."
    )]
    Lint(lint::Args),
    /// Turn existing AT-TLS policy into a fleet script that rebuilds it.
    #[command(
        after_help = "Examples:\n  zat import /etc/pagent/TCPIP.ttls.policy -o fleet.rhai\n  zat import common.policy TCPIP.policy --lpar SYS1 --stack TCPIP --database PLEX1 > fleet.rhai\n\nExit codes: 0 script written (warnings allowed), 1 no rule imported (none found, or every one left out): nothing written, 2 a file cannot be read or written."
    )]
    Import(import::Args),
    /// Internal: runs one plugin library on behalf of a zat process (not for people).
    #[command(name = "__plugin-worker", hide = true)]
    PluginWorker(worker::Args),
    /// Compare a live stack's `pasearch -t` report with what the fleet would install on it.
    #[command(
        after_help = "Examples:\n  zat verify fleet.rhai --pasearch TCPIP.pasearch --lpar SYSA --stack TCPIP\n\nExit codes: 0 no drift, 1 drift, a rule the report does not show in full (a report cut short) or errors in the script, 2 usage error, a report of another stack or a file cannot be read."
    )]
    Verify(verify::Args),
    /// Show which AT-TLS rule a connection gets, which rules it beats and why, and the
    /// settings its handshake uses.
    #[command(
        after_help = "Examples:\n  zat why fleet.rhai --lpar SYSA --direction outbound --remote-addr 10.1.1.5 --remote-port 9080 --jobname PAYROLL\n  zat why --policy TCPIP.policy --direction inbound --local-port 8443 --jobname LEDGER1\n  zat why --pasearch TCPIP.pasearch --direction inbound --local-port 8443\n  zat why fleet.rhai --fleet\n\nExit codes: 0 answered (with --fleet: no rule has all of its connections taken by a rule compared first), 1 errors in the script, errors in the --policy files (Policy Agent would not install them as written: the answer is printed after saying so) or (--fleet) a rule's connections land on another rule, or the rule the connection gets is not known in full (a --pasearch report cut short: only the settings it shows are listed), 2 usage error."
    )]
    Why(why::Args),
}

fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Model(args) => model::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Docs(args) => docs::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Man(args) => man::run(&args),
        Command::Build(args) => build::run(&args, cli.log.quiet),
        Command::Report(args) => fleet_report::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Plugins(args) => plugins::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Import(args) => import::run(&args),
        Command::PluginWorker(args) => worker::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Why(args) => why::run(&args),
    }
}

fn main() -> ExitCode {
    zat_driver::tune_mimalloc();
    // A shell asking for completions (`COMPLETE=bash zat …`) is answered here, and zat exits.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command)
        .var(completions::VAR)
        .complete();
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version on stdout with exit 0, usage errors on stderr with 2.
            let code = if err.use_stderr() { Exit::Failure } else { Exit::Ok };
            let _ = err.print();
            return code.into();
        }
    };
    common::init_logging(&cli.log);
    report::set_quiet(cli.log.quiet);
    report::install_hook();
    if let Err(exit) = config::apply(&mut cli.command) {
        return exit.into();
    }
    run(cli).into()
}
