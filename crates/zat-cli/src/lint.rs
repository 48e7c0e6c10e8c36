//! `zat lint FILE…`: check existing Policy Agent files (main, image, AT-TLS policy) the way
//! Policy Agent reads them, and report what it would reject or silently ignore.

use std::path::PathBuf;

use zat_model::Diagnostic;
use zat_policy::lint::{PolicyFile, lint};

use crate::{Exit, common, report};

/// How findings are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Diagnostics with source excerpts on stderr.
    Human,
    /// A JSON array of diagnostics on stdout.
    Json,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Policy Agent files: main (`TcpImage`), image (`TTLSConfig`) or AT-TLS policy. Files
    /// given together share one name space, as a CommonTTLSConfig file and a stack's policy do.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
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
    let diagnostics = lint(&files);
    let exit =
        if diagnostics.iter().any(Diagnostic::is_error) { Exit::InputErrors } else { Exit::Ok };
    match args.format {
        Format::Human => {
            report::diagnostics(&diagnostics);
            if diagnostics.is_empty() {
                tracing::info!("{} files: nothing to report", files.len());
            }
        }
        Format::Json => match serde_json::to_string_pretty(&diagnostics) {
            Ok(json) => {
                let written = common::write_stdout(&format!("{json}\n"));
                if written != Exit::Ok {
                    return written;
                }
            }
            Err(err) => {
                report::usage_error(&format!("cannot write diagnostics as JSON: {err}"));
                return Exit::Failure;
            }
        },
    }
    exit
}
