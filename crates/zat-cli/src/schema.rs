//! `zat schema`: print the JSON Schema of the fleet model (or, with `--protocol`, of the
//! plugin protocol) on stdout.

use crate::Exit;
use crate::common;
use crate::report;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print the schema of the plugin protocol (render request, response, plugin info)
    /// instead of the fleet model's; docs/plugin-protocol.schema.json is this output.
    #[arg(long, conflicts_with = "output")]
    pub(crate) protocol: bool,
    /// Print the schema of a command's `--format json` output instead.
    #[arg(long, value_enum, value_name = "COMMAND")]
    pub(crate) output: Option<crate::output::Document>,
}

pub(crate) fn run(args: &Args) -> Exit {
    let schema = match (args.protocol, args.output) {
        (_, Some(document)) => crate::output::schema(document),
        (true, None) => zat_plugin_api::protocol_schema(),
        (false, None) => zat_model::json_schema(),
    };
    match serde_json::to_string_pretty(&schema) {
        Ok(json) => common::write_stdout(&(json + "\n")),
        Err(err) => {
            report::usage_error(&format!("cannot serialise the schema: {err}"));
            Exit::Failure
        }
    }
}
