//! `zat schema`: print the JSON Schema of the fleet model on stdout.

use crate::Exit;
use crate::common;
use crate::report;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: &Args) -> Exit {
    match serde_json::to_string_pretty(&zat_model::json_schema()) {
        Ok(json) => common::write_stdout(&(json + "\n")),
        Err(err) => {
            report::usage_error(&format!("cannot serialise the schema: {err}"));
            Exit::Failure
        }
    }
}
