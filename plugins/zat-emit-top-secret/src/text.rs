//! The TSS command stream of a job: commands wrapped with `+` and TSO comments. The JCL frame
//! around it is [`zat_plugin_api::batch`]'s.
//!
//! Continuation is `+` (reference 2.2, as the Top Secret samples write it), not the `-` of the
//! shared [`zos::TsoFormatter`]: a `SUBJECTN('CN="..." OU="..." ...')` value is often longer
//! than a line and must be broken *inside* its apostrophes. With `+` TSO drops the leading
//! blanks of the next line and keeps the blank written before the `+`, so breaking between two
//! DN parts gives exactly one blank between them; with `-` the indentation would become part
//! of the value. Commands are therefore built from explicit pieces that may be broken between.

use zat_plugin_api::batch::{PlannedJob, Subject, TmpStep};
use zat_plugin_api::model::Origin;
use zat_zos as zos;

/// Code of every "cannot write this" error of this emitter.
pub const CODE_TEXT: &str = "ZAT0381";

/// Blanks before a command and before each continuation line.
const INDENT: usize = 1;
const CONTINUATION_INDENT: usize = 4;

/// The TSS command stream of one job: the lines of its TMP step `TSS`, and the
/// diagnostics of the commands that could not be written.
#[derive(Debug)]
pub struct Stream(TmpStep);

impl Default for Stream {
    fn default() -> Self {
        Stream(TmpStep::new("TSS"))
    }
}

impl Stream {
    /// The job at `path` (job name suffix `suffix`) that runs this stream.
    pub fn job(self, path: String, suffix: &str, header: Vec<String>) -> PlannedJob {
        PlannedJob::new(path, suffix, header, self.0)
    }

    /// One command from pieces; see [`layout`].
    pub fn command(&mut self, pieces: &[String], object: &str, origin: &Origin) {
        match layout(pieces, zos::TSO_COLUMNS) {
            Ok(lines) => self.0.extend(lines),
            Err(why) => self.0.report(
                Subject { code: CODE_TEXT, object, origin }
                    .error(format!("cannot write a TSS command: {why}")),
            ),
        }
    }

    /// TSO comment lines ` /* text */`, each closed on its own line.
    pub fn comment(&mut self, text: &str) {
        let width = zos::TSO_COLUMNS - " /* ".len() - " */".len();
        for line in zos::wrap_words(text, width) {
            self.0.push(format!(" /* {line:<width$} */"));
        }
    }
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
        assert!(stream.0.lines().len() > 1);
        for line in stream.0.lines() {
            assert!(
                line.starts_with(" /* ") && line.ends_with(" */") && line.len() <= 71,
                "{line}"
            );
        }
    }
}
