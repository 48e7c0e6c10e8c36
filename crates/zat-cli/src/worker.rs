//! `zat __plugin-worker`: the hidden subcommand a plugin library runs in, so that a plugin that
//! crashes, exits, hangs or prints cannot take zat down or write to its stdout. zat starts it
//! itself (`std::env::current_exe()`); the protocol is `zat_plugin_host::serve_worker`'s.

use std::ffi::OsString;

use crate::{Exit, report};

/// The subcommand's name, as `zat_plugin_host::WorkerConfig` passes it.
pub(crate) const SUBCOMMAND: &str = "__plugin-worker";

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The worker's own arguments, passed through untouched.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub(crate) args: Vec<OsString>,
}

/// How zat runs each plugin library: this binary with the hidden subcommand. When the binary
/// cannot name itself, the command stays empty and starting a worker fails with that reason.
pub(crate) fn config(timeout: std::time::Duration) -> zat_plugin_host::WorkerConfig {
    let exe = std::env::current_exe().unwrap_or_default();
    let mut config = zat_plugin_host::WorkerConfig::new(exe, vec![SUBCOMMAND.into()]);
    config.timeout = timeout;
    config
}

pub(crate) fn run(args: &Args) -> Exit {
    match zat_plugin_host::serve_worker(&args.args) {
        Ok(()) => Exit::Ok,
        Err(error) => {
            report::usage_error(&error.to_string());
            Exit::Failure
        }
    }
}
