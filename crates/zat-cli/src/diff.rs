//! `zat diff`: a unified diff of what `zat build` would change in the bundle on disk.

use std::path::PathBuf;

use similar::TextDiff;

use crate::build::{RunArgs, render_bundle};
use crate::common::{self, ScriptArgs};
use crate::{Exit, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
    /// The bundle folder to compare with.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub(crate) output: PathBuf,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

/// Prints the diff on stdout; exits 0 whether or not there are differences (`zat build
/// --check` is the command that fails on drift).
pub(crate) fn run(args: &Args) -> Exit {
    let bundle = match render_bundle(&args.script, &args.run) {
        Ok(bundle) => bundle,
        Err(exit) => return exit,
    };
    let on_disk = match zat_core::read_tree(&args.output) {
        Ok(tree) => tree,
        Err(error) => {
            report::usage_error(&error.to_string());
            return Exit::Failure;
        }
    };
    let new = bundle.tree();
    let empty = Vec::new();
    let mut text = String::new();
    let mut paths: Vec<&String> = new.keys().chain(on_disk.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let old = on_disk.get(path);
        let current = new.get(path);
        if old == current {
            continue;
        }
        let old_name = if old.is_some() { format!("a/{path}") } else { "/dev/null".to_owned() };
        let new_name = if current.is_some() { format!("b/{path}") } else { "/dev/null".to_owned() };
        // A link or a FIFO in the bundle is described, never read through (`read_tree`).
        if let Some(what) = old.and_then(|bytes| zat_core::special_entry(bytes)) {
            text.push_str(&format!("diff a/{path} b/{path}\n"));
            let verdict = if current.is_some() { "a regular file" } else { "nothing" };
            text.push_str(&format!("a/{path} is a {what}; zat build would put {verdict} there\n"));
            continue;
        }
        let old_text = String::from_utf8_lossy(old.unwrap_or(&empty));
        let new_text = String::from_utf8_lossy(current.unwrap_or(&empty));
        let diff = TextDiff::from_lines(old_text.as_ref(), new_text.as_ref());
        text.push_str(&format!("diff a/{path} b/{path}\n"));
        text.push_str(
            &diff.unified_diff().context_radius(3).header(&old_name, &new_name).to_string(),
        );
    }
    if text.is_empty() {
        tracing::info!("{} is up to date", args.output.display());
        return Exit::Ok;
    }
    common::write_stdout(&text)
}
