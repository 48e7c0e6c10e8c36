//! `zat check`: everything `zat build` checks, writing nothing: the script, the model, the
//! coverage of every security database by a plugin, and every plugin's diagnostics (the
//! plugins render, and each file is checked and counted, none kept).

use crate::build::{RunArgs, compare_bundle, comparer};
use crate::common::ScriptArgs;
use crate::output::{self, FindingArgs, Format};
use crate::{Exit, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
    #[command(flatten)]
    pub(crate) run: RunArgs,
    #[command(flatten)]
    pub(crate) findings: FindingArgs,
}

pub(crate) fn run(args: &Args) -> Exit {
    if let Err(exit) = args.findings.require(true, "check") {
        return exit;
    }
    let script = args.script.script.display().to_string();
    // Every file is checked and counted as it renders; none is kept.
    let comparer = match comparer(None, None) {
        Ok(comparer) => comparer,
        Err(exit) => return exit,
    };
    match compare_bundle(&args.script, &args.run, &args.findings, comparer) {
        Ok(rendered) => {
            // The human form was shown as the run reported it; the others are one document.
            let exit = if args.findings.format == Format::Human {
                args.findings.exit_for(&rendered.diagnostics)
            } else {
                output::write_findings(&args.findings, &rendered.diagnostics, &script)
            };
            if exit == Exit::Ok && args.findings.format == Format::Human {
                let fleet = &rendered.fleet;
                report::success(&format!(
                    "fleet {} is ready: {} LPARs, {} security databases, {} files to build, {}",
                    fleet.name,
                    fleet.lpars,
                    fleet.databases,
                    rendered.compared.files.len(),
                    report::count(&rendered.diagnostics)
                ));
            }
            exit
        }
        Err((exit, diagnostics)) => {
            if args.findings.format != Format::Human {
                let written = output::write_findings(&args.findings, &diagnostics, &script);
                if written == Exit::Failure {
                    return written;
                }
            }
            exit
        }
    }
}
