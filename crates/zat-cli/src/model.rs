//! `zat model`: print the expanded fleet model as pretty JSON on stdout.

use crate::Exit;
use crate::common::{self, ScriptArgs};
use crate::report;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
}

pub(crate) fn run(args: &Args) -> Exit {
    let fleet = match common::prepare(&args.script) {
        Ok(fleet) => fleet,
        Err(exit) => return exit,
    };
    match serde_json::to_string_pretty(&fleet) {
        Ok(json) => common::write_stdout(&(json + "\n")),
        Err(err) => {
            report::usage_error(&format!("cannot serialise the model: {err}"));
            Exit::Failure
        }
    }
}
