//! `zat lint FILE…`: check existing Policy Agent files (main, image, AT-TLS policy) the way
//! Policy Agent reads them, and report what it would reject or silently ignore.

use std::path::PathBuf;

use zat_policy::lint::{PolicyFile, lint};

use crate::output::{self, FindingArgs, Format};
use crate::{Exit, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Policy Agent files: main (`TcpImage`), image (`TTLSConfig`) or AT-TLS policy. Files
    /// given together share one name space, as a CommonTTLSConfig file and a stack's policy do.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) findings: FindingArgs,
}

/// Reads every file as text; bytes that are not UTF-8 become U+FFFD, which the linter
/// reports as characters outside code page IBM-1047.
pub(crate) fn read_files(files: &[PathBuf]) -> Result<Vec<(String, String)>, Exit> {
    let mut texts = Vec::new();
    for path in files {
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
    let diagnostics = args.findings.filter(lint(&files));
    let first = texts.first().map_or("", |(path, _)| path.as_str());
    let exit = output::write_findings(&args.findings, &diagnostics, first);
    if args.findings.format == Format::Human && exit == Exit::Ok {
        report::success(&format!("{} files: {}", files.len(), report::count(&diagnostics)));
    }
    exit
}
