//! `zat check`: everything `zat build` checks, writing nothing: the script, the model, the
//! coverage of every security database by a plugin, and every plugin's diagnostics (the
//! plugins render in memory).

use crate::build::RunArgs;
use crate::common::{self, ScriptArgs};
use crate::{Exit, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

pub(crate) fn run(args: &Args) -> Exit {
    let inputs = match args.run.inputs(&args.script) {
        Ok(inputs) => inputs,
        Err(exit) => return exit,
    };
    let outcome = zat_driver::build(&inputs, args.run.plugins.builder());
    report::diagnostics(&outcome.diagnostics);
    match outcome.result {
        Ok(built) => {
            let fleet = &built.fleet;
            let warnings = outcome.diagnostics.len();
            tracing::info!(
                "fleet {}: {} lpars, {} security databases, {} files, {} warnings",
                fleet.name,
                fleet.lpars.len(),
                fleet.security_databases.len(),
                built.bundle.len(),
                warnings
            );
            Exit::Ok
        }
        Err(failure) => common::report_failure(&failure),
    }
}
