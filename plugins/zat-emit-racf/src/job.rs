//! A RACF batch job as a flat, ordered plan, rendered in the plugin API's one batch frame.
//!
//! The emitter decides what goes in which step and how steps are gated; the frame
//! ([`zat_plugin_api::batch`]) lays the job out, wraps the commands and refuses any line that
//! would break on z/OS, as it does for every ESM plugin.

use zat_plugin_api::RenderResponse;
use zat_plugin_api::batch::{BatchJob, Subject, TmpStep};
use zat_plugin_api::model::{Diagnostic, Origin, SiteDefaults};
use zat_zos::TsoFormatter;

use crate::codes;

/// One TSO command with the object it came from (for diagnostics).
#[derive(Debug, Clone)]
pub(crate) struct Command {
    /// A short `/* ... */` comment written on its own line before the command.
    pub(crate) comment: Option<String>,
    pub(crate) text: String,
    pub(crate) origin: Option<Origin>,
    pub(crate) object: String,
}

impl Command {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Command { comment: None, text: text.into(), origin: None, object: String::new() }
    }

    pub(crate) fn from(mut self, object: impl Into<String>, origin: &Origin) -> Self {
        self.object = object.into();
        self.origin = Some(origin.clone());
        self
    }

    pub(crate) fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

/// How a step treats failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every command must work: the step runs under the strict TMP (stops at the first
    /// non-zero RC) and later phases run only if it ends with RC 0.
    Strict,
    /// Failures are expected or independent (define-if-missing, refreshes, listings,
    /// back-out): IKJEFT01 runs every command and nothing later depends on the RC.
    Tolerant,
    /// IDCAMS commands: deleting a data set that may not be there without making the job's
    /// condition code 8 (see `StepMode::Idcams`).
    Idcams,
}

/// One IKJEFT01/IKJEFT1B step.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub(crate) name: &'static str,
    pub(crate) mode: Mode,
    pub(crate) about: String,
    pub(crate) commands: Vec<Command>,
    /// SYSTSPRT is `DD DUMMY`: nothing the step reads is echoed (a PKCS#12 password).
    pub(crate) quiet: bool,
}

impl Step {
    pub(crate) fn new(name: &'static str, mode: Mode, about: impl Into<String>) -> Self {
        Step { name, mode, about: about.into(), commands: Vec::new(), quiet: false }
    }
}

/// A job: header paragraphs, then phases. A strict step opens an `IF (step.RC = 0)` block
/// around everything after it, except the `tail` steps, which always run.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) path: String,
    pub(crate) name: String,
    pub(crate) target: String,
    pub(crate) header: Vec<String>,
    pub(crate) steps: Vec<Step>,
    pub(crate) tail: Vec<Step>,
    /// A JCL statement that stops the whole job with a JCL error until an operator edits the
    /// job (placed before the step named here), with the comment that explains it.
    pub(crate) stop: Option<(&'static str, String, String)>,
}

/// Renders RACF jobs in the one batch frame of the plugin API ([`zat_plugin_api::batch::BatchJob`]).
pub(crate) struct Renderer {
    formatter: TsoFormatter,
    /// Program of strict steps (`IKJEFT1B` unless the site chose otherwise).
    pub(crate) strict_tmp: String,
}

impl Renderer {
    pub(crate) fn new(strict_tmp: String) -> Self {
        Renderer { formatter: TsoFormatter::default(), strict_tmp }
    }

    /// Renders a job into `response`; problems with the user's data (a JOB card the site's
    /// values cannot make, a command that cannot be laid out) become diagnostics and no file,
    /// and a generated line that breaks a batch rule is an error naming the file and line.
    pub(crate) fn render(&self, defaults: &SiteDefaults, job: &Job, response: &mut RenderResponse) {
        let mut ok = true;
        for command in job.steps.iter().chain(&job.tail).flat_map(|s| &s.commands) {
            if let Err(error) = self.formatter.format(&command.text) {
                let mut diagnostic = Diagnostic::error(
                    codes::COMMAND_LAYOUT,
                    format!("cannot write a RACF command for this object: {error}"),
                )
                .object(command.object.clone())
                .help("shorten or simplify the value; RACF commands are never split inside a quoted value");
                if let Some(origin) = &command.origin {
                    diagnostic = diagnostic.at(origin);
                }
                response.diagnostics.push(diagnostic);
                ok = false;
            }
        }
        if !ok {
            return;
        }
        let mut batch = BatchJob::new(&job.name)
            .paragraphs(job.header.iter().cloned())
            .strict_program(&self.strict_tmp)
            .wrap_tso()
            .target(&job.target);
        for step in &job.steps {
            batch = batch.step(tmp_step(step));
        }
        for step in &job.tail {
            batch = batch.tail(tmp_step(step));
        }
        if let Some((before, about, statement)) = &job.stop {
            batch = batch.stop_before(*before, about, statement);
        }
        // The JOB card comes from `site.defaults(..)`: its problems are placed there. A fleet
        // without that call has no place to name, and the diagnostics get none (an empty
        // origin would be dropped by the host with a note that the plugin misplaced it).
        let origin = defaults.origin.clone().unwrap_or_default();
        let object = format!("job {}", job.path);
        let subject = Subject { code: codes::JOB_CARD, object: &object, origin: &origin };
        let before = response.diagnostics.len();
        batch.emit(&defaults.job, job.path.clone(), subject, response);
        if defaults.origin.is_none() {
            for diagnostic in &mut response.diagnostics[before..] {
                if diagnostic.origin.as_ref() == Some(&origin) {
                    diagnostic.origin = None;
                }
            }
        }
    }
}

/// A RACF step as a TMP step of the batch frame: comments as ` /* ... */` lines, one logical
/// command per line (the frame wraps them).
fn tmp_step(step: &Step) -> TmpStep {
    let mut tmp = match step.mode {
        Mode::Strict => TmpStep::strict(step.name),
        Mode::Tolerant => TmpStep::new(step.name),
        Mode::Idcams => TmpStep::idcams(step.name),
    }
    .about(&step.about);
    if step.quiet {
        tmp = tmp.quiet();
    }
    for command in &step.commands {
        if let Some(comment) = &command.comment {
            tmp.push(format!(" /* {comment} */"));
        }
        tmp.push(format!(" {}", command.text));
    }
    tmp
}
