//! `zat lint FILE…`: check existing Policy Agent files (main, image, AT-TLS policy) the way
//! Policy Agent reads them, and report what it would reject or silently ignore.

use std::path::PathBuf;

use zat_policy::{Collation, Options, Release};
use zat_policy_tools::lint::{LintOptions, PolicyFile, lint_with};

use crate::output::{self, FindingArgs, Format};
use crate::{Exit, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Policy Agent files: main (`TcpImage`), image (`TTLSConfig`) or AT-TLS policy. Each
    /// stack an image file (or the main file) names is its own name space: its TTLSConfig
    /// file after the main file's CommonTTLSConfig file. AT-TLS policy files no main or image
    /// file given links share one name space, as a CommonTTLSConfig file and a stack's
    /// TTLSConfig file do (give them as `zat lint COMMON STACK`).
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Each AT-TLS policy file no main or image file given links is a different stack's
    /// policy with its own name space (to lint several stacks' files in one run).
    #[arg(long)]
    pub(crate) separate: bool,
    /// Files given together are one image's policy: the default, kept so that scripts written
    /// when it was not still run.
    #[arg(long, hide = true, conflicts_with = "separate")]
    pub(crate) one_image: bool,
    #[command(flatten)]
    pub(crate) engine: EngineArgs,
    #[command(flatten)]
    pub(crate) findings: FindingArgs,
}

/// How the effective policy is read: the choices IBM's documentation leaves open.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct EngineArgs {
    /// z/OS release whose documented defaults apply (2.4, 2.5, 3.1).
    #[arg(long, value_name = "RELEASE", default_value = "3.1", value_parser = parse_release)]
    pub(crate) release: Release,
    /// Order of rule names within one priority: ebcdic (as z/OS stores them) or ascii.
    #[arg(long, value_name = "ORDER", default_value = "ebcdic", value_parser = parse_collation)]
    pub(crate) collation: Collation,
    /// Priority a rule without `Priority` is compared at; IBM does not document it, and 0
    /// ranks such rules below every rule with a priority.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) unprioritised: u32,
}

impl EngineArgs {
    pub(crate) fn options(&self) -> Options {
        Options {
            release: self.release,
            collation: self.collation,
            unprioritised: self.unprioritised,
            // lint, verify and why show actions and settings.
            conditions_only: false,
        }
    }
}

fn parse_release(text: &str) -> Result<Release, String> {
    Release::parse(text)
        .ok_or_else(|| format!("`{text}` is not a release zat knows: 2.4, 2.5 or 3.1"))
}

fn parse_collation(text: &str) -> Result<Collation, String> {
    match text.to_ascii_lowercase().as_str() {
        "ebcdic" => Ok(Collation::Ebcdic),
        "ascii" => Ok(Collation::Ascii),
        _ => Err(format!("`{text}` is not ebcdic or ascii")),
    }
}

/// The largest policy file read: Policy Agent files are far smaller, and lint is linear, so
/// this bounds its time to seconds.
const LARGEST_POLICY: u64 = 64 << 20;

/// Reads every file as text; bytes that are not UTF-8 become U+FFFD, which the linter
/// reports as characters outside code page IBM-1047.
///
/// Only regular files (links to them included) of at most [`LARGEST_POLICY`] bytes are read:
/// a FIFO or a device (`/dev/zero`) would block or never end.
pub(crate) fn read_files(files: &[PathBuf]) -> Result<Vec<(String, String)>, Exit> {
    let mut texts = Vec::new();
    for path in files {
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() => {
                report::usage_error(&format!(
                    "{} is not a regular file (a folder, FIFO or device); give a policy file",
                    path.display()
                ));
                return Err(Exit::Failure);
            }
            Ok(meta) if meta.len() > LARGEST_POLICY => {
                report::usage_error(&format!(
                    "{} is {} bytes, more than the {LARGEST_POLICY} bytes zat reads as a policy",
                    path.display(),
                    meta.len()
                ));
                return Err(Exit::Failure);
            }
            _ => {}
        }
        match std::fs::read(path) {
            Ok(bytes) => texts
                .push((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned())),
            Err(err) => {
                report::usage_error(&format!("cannot read {}: {err}", path.display()));
                return Err(Exit::Failure);
            }
        }
    }
    Ok(texts)
}

pub(crate) fn run(args: &Args) -> Exit {
    let texts = match read_files(&args.files) {
        Ok(texts) => texts,
        Err(exit) => return exit,
    };
    let files: Vec<PolicyFile<'_>> =
        texts.iter().map(|(path, text)| PolicyFile { path, text }).collect();
    let options = LintOptions { separate: args.separate, effective: args.engine.options() };
    let diagnostics = args.findings.filter(lint_with(&files, &options));
    let first = texts.first().map_or("", |(path, _)| path.as_str());
    let exit = output::write_findings(&args.findings, &diagnostics, first);
    if args.findings.format == Format::Human && exit == Exit::Ok {
        report::success(&format!("{} files: {}", files.len(), report::count(&diagnostics)));
    }
    exit
}
