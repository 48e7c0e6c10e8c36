//! A batch TSO job as a flat, ordered view, and its rendering: template, wrapping, checking.
//!
//! The emitter decides what goes in which step and how steps are gated; the template only lays
//! the view out; [`TsoFormatter::wrap_job`] then wraps the commands, and [`zos::check`] refuses
//! any line that would break on z/OS.

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use zat_plugin_api::model::{Diagnostic, JobCard, Origin};
use zat_plugin_api::{EmitError, OutputFile};
use zat_zos::{self as zos, CheckOptions, TextKind, TsoFormatter};

use crate::codes;

const JOB_TEMPLATE: &str = include_str!("../templates/job.jcl");

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
}

/// One IKJEFT01/IKJEFT1B step.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub(crate) name: &'static str,
    pub(crate) mode: Mode,
    pub(crate) about: String,
    pub(crate) commands: Vec<Command>,
}

impl Step {
    pub(crate) fn new(name: &'static str, mode: Mode, about: impl Into<String>) -> Self {
        Step { name, mode, about: about.into(), commands: Vec::new() }
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

/// Shared rendering context.
pub(crate) struct Renderer {
    env: Environment<'static>,
    formatter: TsoFormatter,
    /// Program of strict steps (`IKJEFT1B` unless the site chose otherwise).
    pub(crate) strict_tmp: String,
}

impl Renderer {
    pub(crate) fn new(strict_tmp: String) -> Result<Self, EmitError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(true);
        env.add_template("job", JOB_TEMPLATE).map_err(|e| EmitError::Template(e.to_string()))?;
        Ok(Renderer { env, formatter: TsoFormatter::default(), strict_tmp })
    }

    /// Renders a job; problems with the user's data become diagnostics (and no file), a
    /// generated line that breaks a z/OS rule is an internal error.
    pub(crate) fn render(
        &self,
        card: &JobCard,
        job: &Job,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Option<OutputFile>, EmitError> {
        let mut ok = true;
        let card_lines = match zos::job_card(card, &job.name) {
            Ok(lines) => lines,
            Err(error) => {
                diagnostics.push(
                    Diagnostic::error(
                        codes::JOB_CARD,
                        format!("cannot write the JOB card: {error}"),
                    )
                    .object(format!("job {}", job.path))
                    .help("fix the site defaults (`defaults.job`) in the fleet script"),
                );
                ok = false;
                Vec::new()
            }
        };
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
                diagnostics.push(diagnostic);
                ok = false;
            }
        }
        if !ok {
            return Ok(None);
        }

        let header: Vec<Value> =
            job.header.iter().map(|p| Value::from(zos::jcl_comment(p))).collect();
        let items = self.items(job);
        let context = Value::from_iter([
            ("card", Value::from(card_lines)),
            ("header", Value::from(header)),
            ("items", Value::from(items)),
        ]);
        let template =
            self.env.get_template("job").map_err(|e| EmitError::Template(e.to_string()))?;
        let text = template.render(context).map_err(|e| EmitError::Template(e.to_string()))?;
        let text = self
            .formatter
            .wrap_job(&text)
            .map_err(|e| EmitError::Message(format!("{}: {e}", job.path)))?;
        let findings = zos::check(&text, TextKind::Job, &CheckOptions::default());
        if let Some(finding) = findings.first() {
            return Err(EmitError::Message(format!(
                "{}: generated text breaks a z/OS rule at {finding}",
                job.path
            )));
        }
        Ok(Some(OutputFile {
            path: job.path.clone(),
            content: text,
            target: Some(job.target.clone()),
        }))
    }

    fn items(&self, job: &Job) -> Vec<Value> {
        let mut items = Vec::new();
        let mut open = 0;
        let count = job.steps.len();
        for (index, step) in job.steps.iter().enumerate() {
            if let Some((before, about, statement)) = &job.stop
                && *before == step.name
            {
                items.push(Value::from_iter([
                    ("kind", Value::from("stop")),
                    ("about", Value::from(zos::jcl_comment(about))),
                    ("statement", Value::from(statement.as_str())),
                ]));
            }
            items.push(self.step_item(step));
            if step.mode == Mode::Strict && index + 1 < count {
                items.push(Value::from_iter([
                    ("kind", Value::from("if")),
                    ("condition", Value::from(format!("{}.RC = 0", step.name))),
                ]));
                open += 1;
            }
        }
        for _ in 0..open {
            items.push(Value::from_iter([("kind", Value::from("endif"))]));
        }
        items.extend(job.tail.iter().map(|step| self.step_item(step)));
        items
    }

    fn step_item(&self, step: &Step) -> Value {
        let program = match step.mode {
            Mode::Strict => self.strict_tmp.as_str(),
            Mode::Tolerant => "IKJEFT01",
        };
        let commands: Vec<Value> = step
            .commands
            .iter()
            .map(|c| {
                let mut map = BTreeMap::new();
                map.insert(
                    "comment",
                    c.comment.clone().map(Value::from).unwrap_or(Value::from(())),
                );
                map.insert("text", Value::from(c.text.as_str()));
                Value::from(map)
            })
            .collect();
        Value::from_iter([
            ("kind", Value::from("step")),
            ("name_field", Value::from(format!("{:<8}", step.name))),
            ("program", Value::from(program)),
            ("about", Value::from(zos::jcl_comment(&step.about))),
            ("commands", Value::from(commands)),
        ])
    }
}
