//! `zat check`: run the fleet script and validate the model, writing nothing.

use crate::Exit;
use crate::common::{self, ScriptArgs};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
}

pub(crate) fn run(args: &Args) -> Exit {
    match common::prepare(&args.script) {
        Ok(prepared) => {
            let fleet = &prepared.fleet;
            let warnings = prepared.diagnostics.len();
            tracing::info!(
                "fleet {}: {} lpars, {} security databases, {} warnings",
                fleet.name,
                fleet.lpars.len(),
                fleet.security_databases.len(),
                warnings
            );
            Exit::Ok
        }
        Err(exit) => exit,
    }
}
