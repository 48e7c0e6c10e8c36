//! `zat diff`: a unified diff of what `zat build` would change in the bundle on disk.

use std::path::PathBuf;

use similar::TextDiff;
use zat_core::DriftKind;

use crate::build::{RunArgs, compare_bundle, comparer};
use crate::common::{self, ScriptArgs};
use crate::output::{self, Change, ChangeKind, DiffOutput, FindingArgs, Format};
use crate::{Exit, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
    /// The bundle folder to compare with.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub(crate) output: PathBuf,
    /// Exit 1 when a build would change the bundle, 0 when it would not (as `git diff
    /// --exit-code`).
    #[arg(long)]
    pub(crate) exit_code: bool,
    #[command(flatten)]
    pub(crate) run: RunArgs,
    #[command(flatten)]
    pub(crate) findings: FindingArgs,
}

/// Prints the diff on stdout; exits 0 whether or not there are differences unless
/// `--exit-code` (`zat build --check` also fails on drift).
pub(crate) fn run(args: &Args) -> Exit {
    if let Err(exit) = args.findings.require(false, "diff") {
        return exit;
    }
    let json = args.findings.format == Format::Json;
    // Each file is compared with the one on disk as it renders, and only the patches stay.
    let comparer = match comparer(Some(&args.output), Some(&patch)) {
        Ok(comparer) => comparer,
        Err(exit) => return exit,
    };
    let rendered = match compare_bundle(&args.script, &args.run, &args.findings, comparer) {
        Ok(rendered) => rendered,
        Err((exit, diagnostics)) => {
            if json {
                let document = DiffOutput {
                    output: args.output.display().to_string(),
                    changes: Vec::new(),
                    diagnostics,
                };
                let written = output::write_json(&document);
                if written == Exit::Failure {
                    return written;
                }
            }
            return exit;
        }
    };
    let changes: Vec<Change> = rendered
        .compared
        .differences
        .into_iter()
        .map(|d| Change {
            change: match d.kind {
                DriftKind::Added => ChangeKind::Added,
                DriftKind::Removed => ChangeKind::Removed,
                DriftKind::Changed => ChangeKind::Changed,
            },
            patch: d.patch.unwrap_or_default(),
            path: d.path,
        })
        .collect();
    let changed = !changes.is_empty();
    let exit = if changed && args.exit_code { Exit::InputErrors } else { Exit::Ok };
    if json {
        let document = DiffOutput {
            output: args.output.display().to_string(),
            changes,
            diagnostics: rendered.diagnostics,
        };
        let written = output::write_json(&document);
        return if written == Exit::Ok { exit } else { written };
    }
    if !changed {
        report::success(&format!("{} is up to date", args.output.display()));
        return exit;
    }
    let text: String = changes.iter().map(|c| c.patch.as_str()).collect();
    let written = common::write_stdout(&text);
    report::success(&format!("{} files of {} would change", changes.len(), args.output.display()));
    if written == Exit::Ok { exit } else { written }
}

/// The patch of one path: a unified diff of the bytes on disk (as `read_tree` gives them) and
/// the new bytes, `/dev/null` for the side that has no file.
fn patch(path: &str, old: Option<&[u8]>, new: Option<&[u8]>) -> String {
    let old_name = if old.is_some() { format!("a/{path}") } else { "/dev/null".to_owned() };
    let new_name = if new.is_some() { format!("b/{path}") } else { "/dev/null".to_owned() };
    let mut patch = format!("diff a/{path} b/{path}\n");
    // A link or a FIFO in the bundle is described, never read through (`read_tree`).
    if let Some(what) = old.and_then(zat_core::special_entry) {
        let verdict = if new.is_some() { "a regular file" } else { "nothing" };
        patch.push_str(&format!("a/{path} is a {what}; zat build would put {verdict} there\n"));
    } else {
        let old_text = String::from_utf8_lossy(old.unwrap_or_default());
        let new_text = String::from_utf8_lossy(new.unwrap_or_default());
        let diff = TextDiff::from_lines(old_text.as_ref(), new_text.as_ref());
        patch.push_str(
            &diff.unified_diff().context_radius(3).header(&old_name, &new_name).to_string(),
        );
    }
    patch
}
