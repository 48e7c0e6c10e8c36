//! `zat completions`: print a completion script for a shell.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::{Cli, Exit};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: Shell,
}

pub(crate) fn run(args: &Args) -> Exit {
    let mut command = Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(args.shell, &mut command, "zat", &mut buffer);
    crate::common::write_stdout(&String::from_utf8_lossy(&buffer))
}
