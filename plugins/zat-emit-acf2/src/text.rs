//! The ACF command stream of a job: subcommands wrapped with `-`, `*` comment lines, and
//! commands left as comments for a person to complete. The JCL frame around it is
//! [`zat_plugin_api::batch`]'s.

use zat_plugin_api::batch::{PlannedJob, Subject, TmpStep};
use zat_plugin_api::model::Origin;
use zat_zos::{self as zos, TsoFormatter};

/// Code of every "cannot write this" error of this emitter.
pub const CODE_TEXT: &str = "ZAT0371";

/// The ACF command stream of one job: the lines of its TMP step `ACF2`, and the
/// diagnostics of the commands that could not be written.
#[derive(Debug)]
pub struct Stream(TmpStep);

impl Default for Stream {
    fn default() -> Self {
        Stream(TmpStep::new("ACF2"))
    }
}

impl Stream {
    /// The job at `path` (job name suffix `suffix`) that runs this stream.
    pub fn job(self, path: String, suffix: &str, header: Vec<String>) -> PlannedJob {
        PlannedJob::new(path, suffix, header, self.0)
    }

    /// One ACF subcommand, wrapped with `-` continuations (ACF2 accepts `-`; reference 2.1).
    /// A command that cannot be written becomes an error diagnostic for `object`.
    pub fn command(&mut self, command: &str, object: &str, origin: &Origin) {
        match TsoFormatter::default().format(command) {
            Ok(lines) => self.0.extend(lines),
            Err(error) => self.cannot_write(&error, object, origin),
        }
    }

    /// A command written as comment lines: wrapped one column narrower, each line prefixed
    /// with `*`, so that deleting the `*` gives the runnable command back.
    pub fn commented(&mut self, command: &str, object: &str, origin: &Origin) {
        let narrower = TsoFormatter { width: zos::TSO_COLUMNS - 1, ..TsoFormatter::default() };
        match narrower.format(command) {
            Ok(lines) => self.0.extend(lines.into_iter().map(|l| format!("*{l}"))),
            Err(error) => self.cannot_write(&error, object, origin),
        }
    }

    /// A literal line (`ACF`, `END`).
    pub fn raw(&mut self, line: &str) {
        self.0.push(line.to_owned());
    }

    /// ACF2 comment lines: `*` in column 1, whole lines only (inline comments are unconfirmed).
    pub fn comment(&mut self, text: &str) {
        self.0.extend(zos::comment_lines("*", text, zos::TSO_COLUMNS));
    }

    fn cannot_write(&mut self, error: &zos::ZosError, object: &str, origin: &Origin) {
        let subject = Subject { code: CODE_TEXT, object, origin };
        self.0.report(subject.error(format!("cannot write an ACF2 command: {error}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_wrap_at_71() {
        let mut stream = Stream::default();
        stream.comment(&"word ".repeat(30));
        assert!(stream.0.lines().len() > 1);
        assert!(stream.0.lines().iter().all(|l| l.len() <= 71 && l.starts_with("* ")));
    }

    #[test]
    fn commented_commands_give_the_command_back_without_the_star() {
        let origin = Origin::new("f.rhai", 1, 1);
        let mut stream = Stream::default();
        let command = format!("EXPORT {} PASSWORD(<<SET-PASSWORD>>)", "X".repeat(60));
        stream.commented(&command, "o", &origin);
        assert_eq!(stream.0.lines().len(), 2, "{:?}", stream.0.lines());
        assert!(stream.0.lines().iter().all(|l| l.starts_with("* ") && l.len() <= 71));
        stream.command("LIST A[1]", "o", &origin);
        assert_eq!(stream.0.diagnostics().len(), 1);
        assert!(stream.0.diagnostics()[0].message.starts_with("cannot write an ACF2 command: "));
    }
}
