//! Job text: TSS commands wrapped with `+`, TSO comments, the JCL frame, dates, and the final
//! column and code-page check of every line.
//!
//! Continuation is `+` (reference 2.2, as the Top Secret samples write it), not the `-` of the
//! shared [`zos::TsoFormatter`]: a `SUBJECTN('CN="..." OU="..." ...')` value is often longer
//! than a line and must be broken *inside* its apostrophes. With `+` TSO drops the leading
//! blanks of the next line and keeps the blank written before the `+`, so breaking between two
//! DN parts gives exactly one blank between them; with `-` the indentation would become part
//! of the value. Commands are therefore built from explicit pieces that may be broken between.

use zat_plugin_api::model::{Diagnostic, JobCard, Origin};
use zat_plugin_api::zos::{self, CheckOptions, TextKind};

/// Code of every "cannot write this" error of this emitter.
pub const CODE_TEXT: &str = "ZAT0381";

/// Blanks before a command and before each continuation line.
const INDENT: usize = 1;
const CONTINUATION_INDENT: usize = 4;

/// The TSS command stream of one job, with the diagnostics found while writing it.
#[derive(Debug, Default)]
pub struct Stream {
    pub lines: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Stream {
    /// One command from pieces; see [`layout`].
    pub fn command(&mut self, pieces: &[String], object: &str, origin: &Origin) {
        match layout(pieces, zos::TSO_COLUMNS) {
            Ok(lines) => self.lines.extend(lines),
            Err(why) => self.diagnostics.push(
                Diagnostic::error(CODE_TEXT, format!("cannot write a TSS command: {why}"))
                    .object(object)
                    .at(origin),
            ),
        }
    }

    /// TSO comment lines ` /* text */`, each closed on its own line.
    pub fn comment(&mut self, text: &str) {
        let width = zos::TSO_COLUMNS - " /* ".len() - " */".len();
        for line in wrap(text, width) {
            self.lines.push(format!(" /* {line:<width$} */"));
        }
    }
}

/// Wraps `text` at word boundaries into lines of at most `width` characters (a longer word
/// stays whole; the final check reports it).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// Lays out a command: pieces joined by one blank, a line broken before a piece that would
/// not fit, ending with ` +`; continuation lines indented (TSO drops those blanks). A piece
/// may end inside apostrophes (`SUBJECTN('CN="A"`): the blank before `+` is what separates
/// it from the next. Refuses a piece that does not fit a line, a character outside the
/// code-page-safe set, and a command ending in `-` or `+`.
pub fn layout(pieces: &[String], width: usize) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    let mut line = " ".repeat(INDENT);
    let mut empty = true;
    for (index, piece) in pieces.iter().enumerate() {
        if let Some(ch) = piece.chars().find(|c| !zos::is_safe_char(*c)) {
            return Err(format!("`{piece}` contains `{ch}`, which is not safe in code page 1047"));
        }
        let tail = if index + 1 == pieces.len() { 0 } else { 2 };
        let sep = usize::from(!empty);
        if !empty && line.len() + sep + piece.len() + tail > width {
            line.push_str(" +");
            lines.push(std::mem::replace(&mut line, " ".repeat(CONTINUATION_INDENT)));
            empty = true;
        }
        let sep = usize::from(!empty);
        if line.len() + sep + piece.len() + tail > width {
            return Err(format!("`{piece}` does not fit on a {width}-column line; shorten it"));
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(piece);
        empty = false;
    }
    if line.ends_with('-') || line.ends_with('+') {
        return Err(format!("`{line}` ends with - or +, which would continue it"));
    }
    lines.push(line);
    Ok(lines)
}

/// A whole job: JOB card, header comment paragraphs (the first line of each is prose and
/// wrapped, further lines are copied one per comment line), and one IKJEFT01 step whose
/// SYSTSIN is `stream` under `DD DATA,DLM=$$`.
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
        let mut lines = paragraph.lines();
        out.extend(zos::jcl_comment(lines.next().unwrap_or("")));
        out.extend(lines.map(|line| format!("//*   {line}")));
    }
    out.push(rule);
    out.push("//TSS      EXEC PGM=IKJEFT01,REGION=0M,DYNAMNBR=20".to_owned());
    out.push("//SYSTSPRT DD SYSOUT=*".to_owned());
    out.push(format!("//SYSTSIN  DD DATA,DLM={}", zos::DLM));
    out.extend(stream.iter().cloned());
    out.push(zos::DLM.to_owned());
    let mut text = out.join("\n");
    text.push('\n');
    Ok(text)
}

/// Every line of a finished job against the batch rules; any finding is an error.
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

/// A model date (`yyyy-mm-dd`) in a date format made of `yyyy`, `yy`, `mm` and `dd` with
/// separators, e.g. `mm/dd/yy`.
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
    while let Some(ch) = rest.chars().next() {
        let (value, len) = if rest.starts_with("yyyy") {
            (parts[0], 4)
        } else if rest.starts_with("yy") {
            (&parts[0][2..], 2)
        } else if rest.starts_with("mm") {
            (parts[1], 2)
        } else if rest.starts_with("dd") {
            (parts[2], 2)
        } else {
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

    fn pieces(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn short_commands_stay_on_one_line() {
        let lines = layout(&pieces(&["TSS", "ADD(U)", "KEYRING(R)"]), 71).unwrap();
        assert_eq!(lines, [" TSS ADD(U) KEYRING(R)"]);
    }

    #[test]
    fn breaks_with_a_blank_plus_and_inside_quotes_between_pieces() {
        let words = pieces(&[
            "TSS",
            "GENCERT(CERTAUTH)",
            "DIGICERT(IMSCA)",
            "SUBJECTN('CN=\"A LONG NAME FOR A CA\"",
            "OU=\"UNIT\"",
            "O=\"ORG\"",
            "C=\"US\"')",
            "KEYSIZE(2048)",
        ]);
        let lines = layout(&words, 50).unwrap();
        assert!(lines.len() > 2, "{lines:?}");
        for (i, line) in lines.iter().enumerate() {
            assert!(line.len() <= 50, "{line}");
            assert_eq!(line.ends_with(" +"), i + 1 < lines.len(), "{line}");
        }
        // Joined the way TSO joins `+`: drop the `+`, keep the blank before it, drop the
        // next line's leading blanks.
        let mut joined = String::new();
        for line in &lines {
            match line.strip_suffix('+') {
                Some(head) => joined.push_str(head.trim_start()),
                None => joined.push_str(line.trim_start()),
            }
        }
        assert_eq!(joined, words.join(" "));
    }

    #[test]
    fn refuses_what_cannot_be_written() {
        assert!(layout(&pieces(&["TSS", &"X".repeat(80)]), 71).is_err());
        assert!(layout(&pieces(&["TSS", "LIST(A[1])"]), 71).is_err());
        assert!(layout(&pieces(&["TSS", "ADD(A)", "X-"]), 71).is_err());
    }

    #[test]
    fn comments_are_closed_on_each_line() {
        let mut stream = Stream::default();
        stream.comment(&"word ".repeat(30));
        assert!(stream.lines.len() > 1);
        for line in &stream.lines {
            assert!(
                line.starts_with(" /* ") && line.ends_with(" */") && line.len() <= 71,
                "{line}"
            );
        }
    }

    #[test]
    fn dates() {
        assert_eq!(format_date("2035-12-31", "mm/dd/yy"), Ok("12/31/35".into()));
        assert!(format_date("2035-12-31", "mm/yy").is_err());
    }
}
