//! Job text: the JCL frame around the ACF command stream, comments, dates, and the final
//! column and code-page check of every line.

use zat_plugin_api::model::{Diagnostic, JobCard, Origin};
use zat_plugin_api::zos::{self, CheckOptions, TextKind, TsoFormatter};

/// Code of every "cannot write this" error of this emitter.
pub const CODE_TEXT: &str = "ZAT0371";

/// The ACF command stream of one job, with the diagnostics found while writing it.
#[derive(Debug, Default)]
pub struct Stream {
    pub lines: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Stream {
    /// One ACF subcommand, wrapped with `-` continuations (ACF2 accepts `-`; reference 2.1).
    /// A command that cannot be written becomes an error diagnostic for `object`.
    pub fn command(&mut self, command: &str, object: &str, origin: &Origin) {
        match TsoFormatter::default().format(command) {
            Ok(lines) => self.lines.extend(lines),
            Err(error) => self.diagnostics.push(
                Diagnostic::error(CODE_TEXT, format!("cannot write an ACF2 command: {error}"))
                    .object(object)
                    .at(origin),
            ),
        }
    }

    /// A command written as comment lines: wrapped one column narrower, each line prefixed
    /// with `*`, so that deleting the `*` gives the runnable command back.
    pub fn commented(&mut self, command: &str, object: &str, origin: &Origin) {
        let narrower = TsoFormatter { width: zos::TSO_COLUMNS - 1, ..TsoFormatter::default() };
        match narrower.format(command) {
            Ok(lines) => self.lines.extend(lines.into_iter().map(|l| format!("*{l}"))),
            Err(error) => self.diagnostics.push(
                Diagnostic::error(CODE_TEXT, format!("cannot write an ACF2 command: {error}"))
                    .object(object)
                    .at(origin),
            ),
        }
    }

    /// A literal line (`ACF`, `END`).
    pub fn raw(&mut self, line: &str) {
        self.lines.push(line.to_owned());
    }

    /// ACF2 comment lines: `*` in column 1, whole lines only (inline comments are unconfirmed).
    pub fn comment(&mut self, text: &str) {
        self.lines.extend(wrap("*", text, zos::TSO_COLUMNS));
    }
}

/// Wraps `text` at word boundaries into lines that start with `lead` and a blank.
fn wrap(lead: &str, text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = lead.to_owned();
    for word in text.split_whitespace() {
        if line.len() > lead.len() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::replace(&mut line, lead.to_owned()));
        }
        line.push(' ');
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// A whole job: JOB card, the header comment paragraphs (see the loop for their shape), one IKJEFT01 step whose SYSTSIN is
/// `stream` under `DD DATA,DLM=$$` (so a `/*` or `//` in column 1 cannot end it early).
pub fn job(
    card: &JobCard,
    name: &str,
    header: &[String],
    stream: &[String],
) -> Result<String, String> {
    let mut out = zos::job_card(card, name).map_err(|e| e.to_string())?;
    let rule = format!("//*{}", "-".repeat(zos::JCL_COLUMNS - 3));
    out.push(rule.clone());
    for (index, paragraph) in header.iter().enumerate() {
        if index > 0 {
            out.push("//*".to_owned());
        }
        // The first line of a paragraph is prose and wrapped; further lines are commands,
        // one per comment line, so that an operator can copy them whole.
        let mut lines = paragraph.lines();
        out.extend(zos::jcl_comment(lines.next().unwrap_or("")));
        out.extend(lines.map(|command| format!("//*   {command}")));
    }
    out.push(rule);
    out.push("//ACF2     EXEC PGM=IKJEFT01,REGION=0M,DYNAMNBR=20".to_owned());
    out.push("//SYSTSPRT DD SYSOUT=*".to_owned());
    out.push(format!("//SYSTSIN  DD DATA,DLM={}", zos::DLM));
    out.extend(stream.iter().cloned());
    out.push(zos::DLM.to_owned());
    let mut text = out.join("\n");
    text.push('\n');
    Ok(text)
}

/// Every line of a finished job against the batch rules (columns, tabs, code page 1047,
/// accidental continuations); any finding is an error, since the job would not run as shown.
pub fn check_job(path: &str, text: &str, object: &str, origin: &Origin) -> Vec<Diagnostic> {
    zos::check(text, TextKind::Job, &CheckOptions::default())
        .into_iter()
        .map(|finding| {
            Diagnostic::error(CODE_TEXT, format!("{path} breaks a batch rule: {finding}"))
                .object(object)
                .at(origin)
        })
        .collect()
}

/// A model date (`yyyy-mm-dd`) in a site date format made of `yyyy`, `yy`, `mm` and `dd`
/// with any separators, e.g. `mm/dd/yy` (upper or lower case).
pub fn format_date(date: &str, format: &str) -> Result<String, String> {
    let parts: Vec<&str> = date.split('-').collect();
    let valid = parts.len() == 3
        && [4, 2, 2].iter().zip(&parts).all(|(n, p)| p.len() == *n)
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()));
    if !valid {
        return Err(format!("date `{date}` is not yyyy-mm-dd"));
    }
    let lower = format.to_ascii_lowercase();
    let mut out = String::new();
    let mut rest = lower.as_str();
    let mut fields = 0;
    while !rest.is_empty() {
        let (value, len) = if rest.starts_with("yyyy") {
            (parts[0], 4)
        } else if rest.starts_with("yy") {
            (&parts[0][2..], 2)
        } else if rest.starts_with("mm") {
            (parts[1], 2)
        } else if rest.starts_with("dd") {
            (parts[2], 2)
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            if ch.is_ascii_alphanumeric() || !zos::is_safe_char(ch) || ch == ' ' {
                return Err(format!(
                    "date format `{format}` may only hold yyyy, yy, mm, dd and separators"
                ));
            }
            out.push(ch);
            rest = &rest[ch.len_utf8()..];
            continue;
        };
        out.push_str(value);
        rest = &rest[len..];
        fields += 1;
    }
    if fields != 3 {
        return Err(format!("date format `{format}` needs a year, a month and a day"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_site_format() {
        assert_eq!(format_date("2035-12-31", "mm/dd/yy"), Ok("12/31/35".into()));
        assert_eq!(format_date("2035-12-31", "DD/MM/YY"), Ok("31/12/35".into()));
        assert_eq!(format_date("2035-01-02", "yyyy-mm-dd"), Ok("2035-01-02".into()));
        assert_eq!(format_date("2035-01-02", "yy.mm.dd"), Ok("35.01.02".into()));
        assert!(format_date("2035-1-2", "mm/dd/yy").is_err());
        assert!(format_date("2035-12-31", "mm/yy").is_err());
        assert!(format_date("2035-12-31", "mm dd yy").is_err());
        assert!(format_date("2035-12-31", "qq/mm/dd/yy").is_err());
    }

    #[test]
    fn comments_wrap_at_71() {
        let lines = wrap("*", &"word ".repeat(30), 71);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= 71 && l.starts_with("* ")));
    }
}
