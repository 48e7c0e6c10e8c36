//! Batch TSO jobs for ESM plugins: JOB card, header comments and TMP steps of in-stream
//! commands, rendered, checked against the batch rules and added to a response.
//!
//! An ESM plugin (ACF2, Top Secret, or a third party's) writes its commands in its own syntax
//! (continuation character, comment form, an `ACF` ... `END` frame) and hands the finished
//! in-stream lines to a [`BatchJob`]; this module owns the frame around them, which every such
//! job shares:
//!
//! ```text
//! //ZATAKS   JOB (ACCT),'PROGRAMMER',CLASS=A,MSGCLASS=H,MSGLEVEL=(1,1)   <- zos::job_card
//! //*-------------------------------------------------------------------
//! //* What the job changes, wrapped prose.                             <- one paragraph each
//! //*
//! //* Operator steps after the job:                                     <- first line: prose
//! //*   F ACF2,REBUILD(FAC)                                             <- further lines: as is
//! //*-------------------------------------------------------------------
//! //ACF2     EXEC PGM=IKJEFT01,REGION=0M,DYNAMNBR=20                    <- one per TmpStep
//! //SYSTSPRT DD SYSOUT=*
//! //SYSTSIN  DD DATA,DLM=$$
//!  ...the plugin's lines...
//! $$
//! ```
//!
//! `DD DATA,DLM=$$` rather than `DD *`, so that a `/*` or `//` in column 1 of the commands
//! cannot end the data early. Further lines of a header paragraph are copied one per comment
//! line and never wrapped, so that an operator can copy a command whole.
//! [`BatchJob::emit`] renders, runs [`zos::check`] over every line and turns every problem
//! into an error diagnostic: a job that breaks a batch rule would not run as shown.

use crate::model::{Diagnostic, JobCard, Origin};
use crate::{OutputFile, RenderResponse};
use zat_zos::{self as zos, CheckOptions, TextKind, ZosError};

/// What the diagnostics about one job point at: the plugin's code for text it cannot write,
/// the model object the job (or command) is for, and where the fleet script wrote it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub code: &'a str,
    pub object: &'a str,
    pub origin: &'a Origin,
}

impl Subject<'_> {
    /// An error diagnostic with this subject's code, object and origin.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.code, message).object(self.object).at(self.origin)
    }
}

/// Why a [`BatchJob`] could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error("cannot write the JOB card: {0}")]
    Card(ZosError),
    #[error(
        "cannot write step `{0}`: a step name is 1-8 of A-Z 0-9 @ # $, not starting with a digit"
    )]
    StepName(String),
}

/// One TMP (IKJEFT01) step being written: its name, the in-stream lines of its `SYSTSIN` as
/// the plugin writes them (in its ESM's syntax), and the diagnostics of what the plugin could
/// not write into it. Under IKJEFT01 every command runs and the step condition code is the
/// return code of the last one, so plugins usually end a step with a harmless listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmpStep {
    name: String,
    lines: Vec<String>,
    diagnostics: Vec<Diagnostic>,
}

impl TmpStep {
    /// An empty step named `name` (an MVS name, checked when the job is rendered).
    pub fn new(name: impl Into<String>) -> Self {
        TmpStep { name: name.into(), lines: Vec::new(), diagnostics: Vec::new() }
    }

    /// Appends one in-stream line as it is.
    pub fn push(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    /// Appends in-stream lines as they are.
    pub fn extend(&mut self, lines: impl IntoIterator<Item = String>) {
        self.lines.extend(lines);
    }

    /// Records a problem with the step's content, typically a command that could not be
    /// written and was left out; it is reported with the job, before the job's own findings.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The in-stream lines so far.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The problems recorded so far.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// A batch job being built: `BatchJob::new(name).paragraph(..).step(..)`, then
/// [`render`](BatchJob::render) or [`emit`](BatchJob::emit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchJob {
    name: String,
    header: Vec<String>,
    steps: Vec<TmpStep>,
}

impl BatchJob {
    /// A job named `name` (see [`zos::job_name`]) with no header and no steps yet.
    pub fn new(name: impl Into<String>) -> Self {
        BatchJob { name: name.into(), header: Vec::new(), steps: Vec::new() }
    }

    /// Adds a header paragraph: its first line is prose, wrapped into `//*` comment lines;
    /// further lines (after `\n`) are commands, each copied onto one `//*   ` line.
    /// Paragraphs are separated by a bare `//*`.
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.header.push(text.into());
        self
    }

    /// Adds several header paragraphs, see [`paragraph`](BatchJob::paragraph).
    pub fn paragraphs<I: IntoIterator<Item = S>, S: Into<String>>(mut self, texts: I) -> Self {
        self.header.extend(texts.into_iter().map(Into::into));
        self
    }

    /// Adds a TMP step after the ones already added.
    pub fn step(mut self, step: TmpStep) -> Self {
        self.steps.push(step);
        self
    }

    /// The whole job text, one line per statement, ending with a newline. Fails on a JOB card
    /// the site's values cannot make and on an invalid step name; the lines themselves are
    /// checked by [`emit`](BatchJob::emit) (or [`zos::check`]).
    pub fn render(&self, card: &JobCard) -> Result<String, JobError> {
        if let Some(step) = self.steps.iter().find(|s| !zos::is_valid_name(&s.name)) {
            return Err(JobError::StepName(step.name.clone()));
        }
        let mut out = zos::job_card(card, &self.name).map_err(JobError::Card)?;
        let rule = format!("//*{}", "-".repeat(zos::JCL_COLUMNS - 3));
        out.push(rule.clone());
        for (index, paragraph) in self.header.iter().enumerate() {
            if index > 0 {
                out.push("//*".to_owned());
            }
            let mut lines = paragraph.lines();
            out.extend(zos::jcl_comment(lines.next().unwrap_or("")));
            out.extend(lines.map(|command| format!("//*   {command}")));
        }
        out.push(rule);
        for step in &self.steps {
            out.push(format!("//{:<8} EXEC PGM=IKJEFT01,REGION=0M,DYNAMNBR=20", step.name));
            out.push("//SYSTSPRT DD SYSOUT=*".to_owned());
            out.push(format!("//SYSTSIN  DD DATA,DLM={}", zos::DLM));
            out.extend(step.lines.iter().cloned());
            out.push(zos::DLM.to_owned());
        }
        let mut text = out.join("\n");
        text.push('\n');
        Ok(text)
    }

    /// Reports what its steps recorded, renders the job, checks every line, and adds it to
    /// `response` as the file `path` (target "submit as a batch job"). A job that cannot be
    /// rendered is left out with an error; every batch-rule finding becomes an error naming
    /// `path` and the line, and the file is still written so that it can be read in context.
    pub fn emit(
        self,
        card: &JobCard,
        path: String,
        subject: Subject<'_>,
        response: &mut RenderResponse,
    ) {
        let rendered = self.render(card);
        for step in self.steps {
            response.diagnostics.extend(step.diagnostics);
        }
        match rendered {
            Ok(content) => {
                response.diagnostics.extend(
                    zos::check(&content, TextKind::Job, &CheckOptions::default()).into_iter().map(
                        |finding| subject.error(format!("{path} breaks a batch rule: {finding}")),
                    ),
                );
                response.files.push(OutputFile {
                    path,
                    content,
                    target: Some("submit as a batch job".to_owned()),
                });
            }
            Err(error) => response.diagnostics.push(subject.error(error.to_string())),
        }
    }
}

/// The job name from the site prefix and a plugin's suffix ([`zos::job_name`]), or `None`
/// with an error diagnostic naming the ESM (`esm`, as the plugin's messages spell it).
pub fn job_name(
    prefix: &str,
    suffix: &str,
    esm: &str,
    subject: Subject<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<String> {
    match zos::job_name(prefix, suffix) {
        Ok(name) => Some(name),
        Err(error) => {
            diagnostics.push(
                subject
                    .error(format!("cannot name the {esm} job: {error}"))
                    .help("the job name prefix may have at most 5 characters"),
            );
            None
        }
    }
}

/// One job of a set a plugin writes for one object (typically a setup job and its back-out),
/// for [`emit_jobs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedJob {
    /// Bundle path of the file.
    pub path: String,
    /// Job name suffix after the site's prefix, see [`zos::job_name`].
    pub suffix: String,
    /// Header paragraphs, see [`BatchJob::paragraph`].
    pub header: Vec<String>,
    pub step: TmpStep,
}

impl PlannedJob {
    pub fn new(path: String, suffix: &str, header: Vec<String>, step: TmpStep) -> Self {
        PlannedJob { path, suffix: suffix.to_owned(), header, step }
    }
}

/// Writes a set of jobs for one object with the site's JOB card: names them all first (a
/// naming error is about the site's prefix, not about one job's content), then for each job
/// its step's diagnostics and the rendered, checked job ([`BatchJob::emit`]). A job that
/// cannot be named is left out (its step's diagnostics are still reported); `esm` is how the
/// plugin's messages spell the ESM.
pub fn emit_jobs(
    jobs: Vec<PlannedJob>,
    card: &JobCard,
    esm: &str,
    subject: Subject<'_>,
    response: &mut RenderResponse,
) {
    let names: Vec<Option<String>> = jobs
        .iter()
        .map(|job| {
            job_name(&card.name_prefix, &job.suffix, esm, subject, &mut response.diagnostics)
        })
        .collect();
    for (job, name) in jobs.into_iter().zip(names) {
        match name {
            Some(name) => BatchJob::new(name)
                .paragraphs(job.header)
                .step(job.step)
                .emit(card, job.path, subject, response),
            None => response.diagnostics.extend(job.step.diagnostics),
        }
    }
}

/// The file name of a bundle path (`security/DB/acf2/BACKOUT.jcl` gives `BACKOUT.jcl`), as a
/// header names the other job of a setup and back-out pair ("Undo: submit BACKOUT.jcl").
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> JobCard {
        JobCard {
            name_prefix: "ZAT".into(),
            accounting: "ACCT".into(),
            programmer: "ZAT".into(),
            class: "A".into(),
            msgclass: "H".into(),
            notify: None,
        }
    }

    fn origin() -> Origin {
        Origin::new("fleet.rhai", 7, 1)
    }

    fn step(name: &str, lines: &[&str]) -> TmpStep {
        let mut step = TmpStep::new(name);
        step.extend(lines.iter().map(|l| (*l).to_owned()));
        step
    }

    fn subject(origin: &Origin) -> Subject<'_> {
        Subject { code: "ZAT9999", object: "security database DB1", origin }
    }

    #[test]
    fn renders_the_frame_around_each_step() {
        let job = BatchJob::new("ZATAKS")
            .paragraph("What the job does.")
            .paragraphs(["Operator steps:\nF ACF2,REBUILD(FAC)\nF ACF2,REBUILD(RDA)"])
            .step(step("ACF2", &["ACF", " LIST X", "END"]))
            .step(step("CHECK", &[" LISTCAT"]));
        let rule = format!("//*{}", "-".repeat(68));
        let expected = [
            "//ZATAKS   JOB (ACCT),'ZAT',CLASS=A,MSGCLASS=H,MSGLEVEL=(1,1)",
            &rule,
            "//* What the job does.",
            "//*",
            "//* Operator steps:",
            "//*   F ACF2,REBUILD(FAC)",
            "//*   F ACF2,REBUILD(RDA)",
            &rule,
            "//ACF2     EXEC PGM=IKJEFT01,REGION=0M,DYNAMNBR=20",
            "//SYSTSPRT DD SYSOUT=*",
            "//SYSTSIN  DD DATA,DLM=$$",
            "ACF",
            " LIST X",
            "END",
            "$$",
            "//CHECK    EXEC PGM=IKJEFT01,REGION=0M,DYNAMNBR=20",
            "//SYSTSPRT DD SYSOUT=*",
            "//SYSTSIN  DD DATA,DLM=$$",
            " LISTCAT",
            "$$",
        ];
        let text = job.render(&card()).unwrap();
        assert_eq!(text, format!("{}\n", expected.join("\n")));
        assert!(zos::check(&text, TextKind::Job, &CheckOptions::default()).is_empty());
        let commands = zos::tso_commands(&text);
        assert_eq!(commands.len(), 4);
        assert_eq!((commands[3].step.as_str(), commands[3].text.as_str()), ("CHECK", "LISTCAT"));
    }

    #[test]
    fn long_header_prose_wraps_and_commands_do_not() {
        let command = "X".repeat(60);
        let job = BatchJob::new("ZATJ").paragraph(format!("{}\n{command}", "word ".repeat(30)));
        let text = job.render(&card()).unwrap();
        let comments: Vec<&str> = text.lines().filter(|l| l.starts_with("//* ")).collect();
        assert!(comments.len() > 2, "{comments:?}");
        assert!(text.lines().all(|l| l.len() <= zos::JCL_COLUMNS));
        assert!(text.contains(&format!("//*   {command}\n")));
    }

    #[test]
    fn refuses_bad_cards_and_step_names() {
        let job = BatchJob::new("zatj");
        assert!(matches!(job.render(&card()), Err(JobError::Card(ZosError::InvalidName { .. }))));
        let job = BatchJob::new("ZATJ").step(TmpStep::new("1STEP"));
        assert_eq!(job.render(&card()), Err(JobError::StepName("1STEP".into())));
        let mut bad = card();
        bad.msgclass = "HH".into();
        let message = BatchJob::new("ZATJ").render(&bad).unwrap_err().to_string();
        assert!(message.starts_with("cannot write the JOB card: message class `HH`"), "{message}");
    }

    #[test]
    fn emit_adds_the_file_and_reports_findings() {
        let origin = origin();
        let mut response = RenderResponse::default();
        let long = format!(" {}", "L".repeat(80));
        let mut tss = step("TSS", &[" OK", &long, "$$ EARLY"]);
        tss.report(subject(&origin).error("left out a command"));
        assert_eq!(tss.lines().len(), 3);
        assert_eq!(tss.diagnostics().len(), 1);
        BatchJob::new("ZATJ").step(tss).emit(
            &card(),
            "a/B.jcl".into(),
            subject(&origin),
            &mut response,
        );
        assert_eq!(response.files.len(), 1);
        assert_eq!(response.files[0].path, "a/B.jcl");
        assert_eq!(response.files[0].target.as_deref(), Some("submit as a batch job"));
        let messages: Vec<&str> = response.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "left out a command",
                "a/B.jcl breaks a batch rule: line 8: 81 columns, more than 72",
                "a/B.jcl breaks a batch rule: line 9: data line starts with the delimiter",
            ]
        );
        let first = &response.diagnostics[1];
        assert_eq!(first.code, "ZAT9999");
        assert_eq!(first.object, "security database DB1");
        assert_eq!(first.origin.as_ref().map(|o| o.line), Some(7));

        let mut response = RenderResponse::default();
        BatchJob::new("toolongname").emit(&card(), "x".into(), subject(&origin), &mut response);
        assert!(response.files.is_empty());
        assert!(response.diagnostics[0].message.starts_with("cannot write the JOB card: "));
    }

    #[test]
    fn job_names_report_what_is_wrong() {
        let origin = origin();
        let mut out = Vec::new();
        assert_eq!(
            job_name("zat", "aks", "ACF2", subject(&origin), &mut out),
            Some("ZATAKS".into())
        );
        assert!(out.is_empty());
        assert_eq!(job_name("TOOLONG", "AKS", "ACF2", subject(&origin), &mut out), None);
        assert_eq!(out.len(), 1);
        assert!(out[0].message.starts_with("cannot name the ACF2 job: `TOOLONGAKS`"), "{out:?}");
        assert_eq!(
            out[0].help.as_deref(),
            Some("the job name prefix may have at most 5 characters")
        );
    }

    #[test]
    fn job_sets_name_every_job_first_then_write_each_with_its_step_diagnostics() {
        let origin = origin();
        let planned = |suffix: &str, note: &str| {
            let mut tss = step("TSS", &[" TSS LIST(A)"]);
            tss.report(subject(&origin).error(note));
            PlannedJob::new(format!("x/{suffix}.jcl"), suffix, vec![format!("Job {suffix}.")], tss)
        };
        let mut response = RenderResponse::default();
        let jobs = vec![planned("TKS", "setup note"), planned("TKB", "backout note")];
        emit_jobs(jobs, &card(), "TSS", subject(&origin), &mut response);
        let paths: Vec<&str> = response.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["x/TKS.jcl", "x/TKB.jcl"]);
        assert!(response.files[1].content.starts_with("//ZATTKB   JOB "));
        let messages: Vec<&str> = response.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["setup note", "backout note"]);

        let mut response = RenderResponse::default();
        let mut long = card();
        long.name_prefix = "TOOLONG".into();
        let jobs = vec![planned("TKS", "setup note"), planned("TKB", "backout note")];
        emit_jobs(jobs, &long, "TSS", subject(&origin), &mut response);
        assert!(response.files.is_empty());
        let messages: Vec<&str> = response.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].starts_with("cannot name the TSS job: `TOOLONGTKS`"));
        assert!(messages[1].starts_with("cannot name the TSS job: `TOOLONGTKB`"));
        assert_eq!(messages[2..], ["setup note", "backout note"]);
    }

    #[test]
    fn file_names() {
        assert_eq!(file_name("security/DB/acf2/BACKOUT.jcl"), "BACKOUT.jcl");
        assert_eq!(file_name("SETUP.jcl"), "SETUP.jcl");
    }
}
