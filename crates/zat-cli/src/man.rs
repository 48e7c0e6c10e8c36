//! `zat man`: the manual pages, generated from the same clap definitions that parse the
//! command line, so that they list exactly the commands and flags zat has.

use std::path::PathBuf;

use clap::CommandFactory;

use crate::{Cli, Exit, common, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Write one page per command (zat.1, zat-build.1, …) into DIR instead of zat.1 on stdout.
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> Exit {
    let command = Cli::command();
    if let Some(dir) = &args.dir {
        // The folder is made when missing, as `install -d` would.
        let written =
            std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(command, dir));
        return match written {
            Ok(()) => Exit::Ok,
            Err(error) => {
                report::usage_error(&format!(
                    "cannot write the pages to {}: {error}",
                    dir.display()
                ));
                Exit::Failure
            }
        };
    }
    let mut page = Vec::new();
    match clap_mangen::Man::new(command).render(&mut page) {
        Ok(()) => common::write_stdout(&String::from_utf8_lossy(&page)),
        Err(error) => {
            report::usage_error(&format!("cannot render the page: {error}"));
            Exit::Failure
        }
    }
}
