//! The one frame of every batch TSO job an ESM plugin writes (RACF, ACF2, Top Secret or a
//! third party's): JOB card, header comments, TMP steps of in-stream commands in phases,
//! rendered, checked against the batch rules and added to a response.
//!
//! A plugin writes its commands in its own syntax (continuation character, comment form, an
//! `ACF` ... `END` frame) and hands the finished in-stream lines to a [`TmpStep`]; this module
//! owns the frame around them:
//!
//! ```text
//! //ZATRS    JOB (ACCT),'PROGRAMMER',CLASS=A,MSGCLASS=H,MSGLEVEL=(1,1)   <- zos::job_card
//! //*-------------------------------------------------------------------
//! //* What the job changes, wrapped prose.                             <- one paragraph each,
//! //*-------------------------------------------------------------------   a rule after each
//! //*
//! //* STEP CERTS (STRICT): what the step does.                         <- the step's `about`
//! //CERTS    EXEC PGM=IKJEFT1B,REGION=0M,DYNAMNBR=20                    <- strict: IKJEFT1B
//! //SYSTSPRT DD SYSOUT=*
//! //SYSTSIN  DD DATA,DLM=$$
//!  ...the plugin's lines...
//! $$
//! // IF (CERTS.RC = 0) THEN                                           <- after a strict step
//!  ...later phases...
//! // ENDIF
//!  ...tail steps, which always run (listings, verification)...
//! ```
//!
//! - A strict step runs under IKJEFT1B (configurable: [`BatchJob::strict_program`]), which
//!   stops at the first command that fails; every later step runs only if it ended with RC 0.
//!   A tolerant step runs under IKJEFT01, which runs every command (its RC is the last
//!   command's), for define-if-missing, refreshes and listings.
//! - `DD DATA,DLM=$$` rather than `DD *`, so that a `/*` or `//` in column 1 of the commands
//!   cannot end the data early.
//! - Further lines of a header paragraph are copied one per comment line and never wrapped, so
//!   that an operator can copy a command whole.
//! - [`BatchJob::emit`] renders, optionally wraps TSO commands at column 71 with `-`
//!   ([`BatchJob::wrap_tso`]), runs [`zos::check`] over every line and turns every finding into
//!   an error diagnostic: a job that breaks a batch rule would not run as shown.

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
    #[error("cannot wrap the TSO commands: {0}")]
    Layout(ZosError),
    #[error("`{0}` is not a TSO terminal monitor program (IKJEFT01, IKJEFT1A or IKJEFT1B)")]
    Program(String),
    #[error(
        "cannot write step `{0}`: a step name is 1-8 of A-Z 0-9 @ # $, not starting with a digit"
    )]
    StepName(String),
}

/// How a step treats a failing command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMode {
    /// Every command must work: the strict TMP stops at the first non-zero RC, and later
    /// phases run only if the step ends with RC 0.
    Strict,
    /// Failures are expected or independent (define-if-missing, refreshes, listings,
    /// back-out): IKJEFT01 runs every command and nothing later depends on the RC.
    Tolerant,
    /// Access Method Services commands (`PGM=IDCAMS`, `SYSIN`), for data set housekeeping
    /// whose expected failure must not become the job's condition code: IDCAMS can test
    /// each command's code (`IF LASTCC = 8 THEN SET MAXCC = 0` after a `DELETE` of a data set
    /// that may not be there), which a TMP step cannot. A job's condition code is its highest
    /// step RC, and deploy scripts stop on any code above 0.
    Idcams,
}

/// One TMP step being written: its name and mode, what it does (a comment above it), the
/// in-stream lines of its `SYSTSIN` as the plugin writes them (in its ESM's syntax), and the
/// diagnostics of what the plugin could not write into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmpStep {
    name: String,
    mode: StepMode,
    quiet: bool,
    about: Option<String>,
    lines: Vec<String>,
    diagnostics: Vec<Diagnostic>,
}

impl TmpStep {
    /// An empty tolerant step named `name` (an MVS name, checked when the job is rendered).
    pub fn new(name: impl Into<String>) -> Self {
        TmpStep {
            name: name.into(),
            mode: StepMode::Tolerant,
            quiet: false,
            about: None,
            lines: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// An empty strict step named `name`.
    pub fn strict(name: impl Into<String>) -> Self {
        TmpStep { mode: StepMode::Strict, ..TmpStep::new(name) }
    }

    /// An empty IDCAMS step named `name` ([`StepMode::Idcams`]): its lines are Access
    /// Method Services commands.
    pub fn idcams(name: impl Into<String>) -> Self {
        TmpStep { mode: StepMode::Idcams, ..TmpStep::new(name) }
    }

    /// Writes `//SYSTSPRT DD DUMMY`: the TMP echoes every command it reads, so a step whose
    /// commands carry a secret (a PKCS#12 password) must not print them to the spool.
    #[must_use]
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// What the step does, written as wrapped comment lines above its EXEC statement.
    #[must_use]
    pub fn about(mut self, text: impl Into<String>) -> Self {
        self.about = Some(text.into());
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn mode(&self) -> StepMode {
        self.mode
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

/// A JCL statement that stops the whole job with a JCL error until a person edits the job
/// (for a value zat never writes, such as a password), placed before the step it protects.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stop {
    before: String,
    about: String,
    statement: String,
}

/// A batch job being built: `BatchJob::new(name).paragraph(..).step(..)`, then
/// [`render`](BatchJob::render) or [`emit`](BatchJob::emit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchJob {
    name: String,
    header: Vec<String>,
    steps: Vec<TmpStep>,
    tail: Vec<TmpStep>,
    stop: Option<Stop>,
    strict_program: String,
    wrap_tso: bool,
    target: String,
}

impl BatchJob {
    /// A job named `name` (see [`zos::job_name`]) with no header and no steps yet.
    pub fn new(name: impl Into<String>) -> Self {
        BatchJob {
            name: name.into(),
            header: Vec::new(),
            steps: Vec::new(),
            tail: Vec::new(),
            stop: None,
            strict_program: "IKJEFT1B".to_owned(),
            wrap_tso: false,
            target: "submit as a batch job".to_owned(),
        }
    }

    /// Adds a step that always runs, after every phase and outside their `IF` blocks.
    #[must_use]
    pub fn tail(mut self, step: TmpStep) -> Self {
        self.tail.push(step);
        self
    }

    /// Puts `statement` (with the comment `about`) before the step named `before`: a JCL
    /// statement that makes the job fail until a person edits it.
    #[must_use]
    pub fn stop_before(
        mut self,
        before: impl Into<String>,
        about: impl Into<String>,
        statement: impl Into<String>,
    ) -> Self {
        self.stop =
            Some(Stop { before: before.into(), about: about.into(), statement: statement.into() });
        self
    }

    /// The program of strict steps: IKJEFT1B (the default) stops at the first failing
    /// command; a site may choose IKJEFT1A or IKJEFT01.
    #[must_use]
    pub fn strict_program(mut self, program: impl Into<String>) -> Self {
        self.strict_program = program.into();
        self
    }

    /// Wraps TSO commands at column 71 with `-` after rendering ([`zos::TsoFormatter`]): for
    /// plugins that write one logical command per line.
    #[must_use]
    pub fn wrap_tso(mut self) -> Self {
        self.wrap_tso = true;
        self
    }

    /// The manifest target of the job file (default "submit as a batch job").
    #[must_use]
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = target.into();
        self
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
        if let Some(step) =
            self.steps.iter().chain(&self.tail).find(|s| !zos::is_valid_name(&s.name))
        {
            return Err(JobError::StepName(step.name.clone()));
        }
        if !matches!(self.strict_program.as_str(), "IKJEFT01" | "IKJEFT1A" | "IKJEFT1B") {
            return Err(JobError::Program(self.strict_program.clone()));
        }
        // The text is written line by line into one string: a job is rendered for every
        // database and LPAR of a fleet, and a `String` per line joined at the end cost as much
        // again as the text itself.
        let mut out = Lines(String::with_capacity(self.size_hint()));
        for line in zos::job_card(card, &self.name).map_err(JobError::Card)? {
            out.push(&line);
        }
        // 70 columns: a rule that stays clear of column 71 in every editor.
        let rule = format!("//*{}", "-".repeat(zos::JCL_COLUMNS - 4));
        out.push(&rule);
        for paragraph in &self.header {
            let mut lines = paragraph.lines();
            out.extend(zos::jcl_comment(lines.next().unwrap_or("")));
            for command in lines {
                out.push_parts(&["//*   ", command]);
            }
            out.push(&rule);
        }
        let mut open = 0;
        for (index, step) in self.steps.iter().enumerate() {
            if let Some(stop) = self.stop.as_ref().filter(|stop| stop.before == step.name) {
                out.push("//*");
                out.extend(zos::jcl_comment(&stop.about));
                out.push(&stop.statement);
            }
            self.step_lines(step, &mut out);
            if step.mode == StepMode::Strict && index + 1 < self.steps.len() {
                out.push_parts(&["// IF (", &step.name, ".RC = 0) THEN"]);
                open += 1;
            }
        }
        for _ in 0..open {
            out.push("// ENDIF");
        }
        for step in &self.tail {
            self.step_lines(step, &mut out);
        }
        let mut text = out.0;
        if self.wrap_tso {
            text = zos::TsoFormatter::default().wrap_job(&text).map_err(JobError::Layout)?;
        }
        Ok(text)
    }

    /// About the length of the rendered text, so that it is written without growing its string.
    fn size_hint(&self) -> usize {
        let lines = |step: &TmpStep| {
            step.lines.iter().map(|line| line.len() + 1).sum::<usize>()
                + step.about.as_ref().map_or(0, |about| about.len() + about.len() / 8 + 80)
                + 160
        };
        let header: usize =
            self.header.iter().map(|text| text.len() + text.len() / 8 + 80).sum::<usize>();
        512 + header + self.steps.iter().chain(&self.tail).map(lines).sum::<usize>()
    }

    fn step_lines(&self, step: &TmpStep, out: &mut Lines) {
        if let Some(about) = &step.about {
            out.push("//*");
            out.extend(zos::jcl_comment(about));
        }
        let name = format!("//{:<8}", step.name);
        let program = match step.mode {
            StepMode::Strict => self.strict_program.as_str(),
            StepMode::Tolerant => "IKJEFT01",
            StepMode::Idcams => {
                out.push_parts(&[&name, " EXEC PGM=IDCAMS"]);
                out.push(if step.quiet { "//SYSPRINT DD DUMMY" } else { "//SYSPRINT DD SYSOUT=*" });
                out.push_parts(&["//SYSIN    DD DATA,DLM=", zos::DLM]);
                for line in &step.lines {
                    out.push(line);
                }
                out.push(zos::DLM);
                return;
            }
        };
        out.push_parts(&[&name, " EXEC PGM=", program, ",REGION=0M,DYNAMNBR=20"]);
        out.push(if step.quiet { "//SYSTSPRT DD DUMMY" } else { "//SYSTSPRT DD SYSOUT=*" });
        out.push_parts(&["//SYSTSIN  DD DATA,DLM=", zos::DLM]);
        for line in &step.lines {
            out.push(line);
        }
        out.push(zos::DLM);
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
        let target = self.target;
        for step in self.steps.into_iter().chain(self.tail) {
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
                    target: Some(target),
                    placement: Some(crate::layout::job_placement()),
                });
            }
            Err(error) => response.diagnostics.push(subject.error(error.to_string())),
        }
    }
}

/// Text being written one line at a time, each line ending with a newline.
struct Lines(String);

impl Lines {
    fn push(&mut self, line: &str) {
        self.0.push_str(line);
        self.0.push('\n');
    }

    /// One line made of `parts`, without formatting them into a string of their own first.
    fn push_parts(&mut self, parts: &[&str]) {
        for part in parts {
            self.0.push_str(part);
        }
        self.0.push('\n');
    }

    fn extend(&mut self, lines: Vec<String>) {
        for line in lines {
            self.push(&line);
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

    /// A quiet step prints nothing it reads: its SYSTSPRT is DUMMY, the others' are not.
    #[test]
    fn a_quiet_step_has_a_dummy_systsprt() {
        let job = BatchJob::new("ZATK")
            .step(step("PROTECT", &[" ADDSD 'A.B' UACC(NONE)"]))
            .step(TmpStep::strict("EXPORT").quiet())
            .render(&card())
            .expect("renders");
        let lines: Vec<&str> = job.lines().collect();
        let at = |name: &str| lines.iter().position(|l| l.starts_with(name)).expect("step");
        assert_eq!(lines[at("//PROTECT ") + 1], "//SYSTSPRT DD SYSOUT=*");
        assert_eq!(lines[at("//EXPORT ") + 1], "//SYSTSPRT DD DUMMY");
    }

    #[test]
    fn renders_the_frame_around_each_step() {
        let job = BatchJob::new("ZATAKS")
            .paragraph("What the job does.")
            .paragraphs(["Operator steps:\nF ACF2,REBUILD(FAC)\nF ACF2,REBUILD(RDA)"])
            .step(step("ACF2", &["ACF", " LIST X", "END"]))
            .step(step("CHECK", &[" LISTCAT"]));
        let rule = format!("//*{}", "-".repeat(67));
        let expected = [
            "//ZATAKS   JOB (ACCT),'ZAT',CLASS=A,MSGCLASS=H,MSGLEVEL=(1,1)",
            &rule,
            "//* What the job does.",
            &rule,
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

    /// Strict steps run under the strict program and gate every later phase with IF/THEN;
    /// tolerant steps do not; tail steps run outside the IF blocks; a stop statement comes
    /// before its step; TSO commands are wrapped when asked.
    #[test]
    fn phases_gate_later_steps_and_the_tail_always_runs() {
        let long = format!(" RACDCERT ID(A) {}", "KEYWORD(VALUE) ".repeat(6));
        let mut certs = TmpStep::strict("CERTS").about("STEP CERTS: create.");
        certs.push(long.trim_end());
        let mut rings = TmpStep::strict("RINGS");
        rings.push(" RACDCERT ID(A) ADDRING(R)");
        let mut define = TmpStep::new("DEFINE");
        define.push(" RDEFINE FACILITY X UACC(NONE)");
        let mut verify = TmpStep::new("VERIFY");
        verify.push(" RACDCERT ID(A) LISTRING(R)");
        let job = BatchJob::new("ZATRS")
            .step(certs)
            .step(rings)
            .step(define)
            .tail(verify)
            .stop_before("RINGS", "Edit the password first.", "//ZATSTOP EXEC PGM=NOTEDITED")
            .wrap_tso();
        let text = job.render(&card()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let at = |needle: &str| {
            lines.iter().position(|l| l.starts_with(needle)).unwrap_or_else(|| panic!("{needle}"))
        };
        assert!(lines[at("//CERTS")].contains("PGM=IKJEFT1B"));
        assert!(lines[at("//DEFINE")].contains("PGM=IKJEFT01"));
        assert!(at("// IF (CERTS.RC = 0) THEN") < at("//ZATSTOP"));
        assert!(at("//ZATSTOP") < at("//RINGS"));
        assert!(at("// IF (RINGS.RC = 0) THEN") < at("//DEFINE"));
        assert_eq!(lines.iter().filter(|l| **l == "// ENDIF").count(), 2);
        assert!(at("// ENDIF") < at("//VERIFY"));
        assert!(text.contains("//* STEP CERTS: create."), "{text}");
        assert!(lines.iter().any(|l| l.ends_with(" -")), "long commands are wrapped: {text}");
        assert!(zos::check(&text, TextKind::Job, &CheckOptions::default()).is_empty(), "{text}");
        let strict01 = BatchJob::new("ZATRS").step(TmpStep::strict("A")).strict_program("IKJEFT01");
        assert!(strict01.render(&card()).unwrap().contains("//A        EXEC PGM=IKJEFT01"));
        let bad = BatchJob::new("ZATRS").strict_program("IEFBR14");
        assert_eq!(bad.render(&card()), Err(JobError::Program("IEFBR14".into())));
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
                "a/B.jcl breaks a batch rule: line 7: 81 columns, more than 72",
                "a/B.jcl breaks a batch rule: line 8: data line starts with the delimiter",
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
