//! Renders diagnostics on stderr with miette: code, message, and a source excerpt with a caret
//! at the line and column recorded in the diagnostic's origin.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};

use miette::{LabeledSpan, MietteHandlerOpts, NamedSource, SourceSpan};
use zat_model::{Diagnostic, Origin, Severity};

/// True when stderr output may carry colour: a terminal, and `NO_COLOR` unset or empty.
pub(crate) fn use_color() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stderr().is_terminal()
}

/// Installs the miette handler once: colour only when [`use_color`], no line wrapping when
/// stderr is not a terminal (so logs and tests see whole messages).
pub(crate) fn install_hook() {
    let color = use_color();
    let terminal = std::io::stderr().is_terminal();
    let _ = miette::set_hook(Box::new(move |_| {
        let mut opts = MietteHandlerOpts::new().color(color).context_lines(1);
        if !color {
            opts = opts.unicode(terminal);
        }
        if !terminal {
            opts = opts.wrap_lines(false).width(200);
        }
        Box::new(opts.build())
    }));
}

/// Writes to stderr, ignoring failure: with stderr closed or full (`2>/dev/full`) there is
/// nowhere left to say anything, and the exit code still tells. `eprintln!` would panic.
pub(crate) fn to_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Set once by `-q`: diagnostics other than errors, and success lines, are not printed.
static QUIET: AtomicBool = AtomicBool::new(false);

/// `-q`: from now on print nothing but errors.
pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// The one-line summary of a command that succeeded, on stderr (not under `-q`).
pub(crate) fn success(line: &str) {
    if !quiet() {
        to_stderr(&format!("zat: {line}\n"));
    }
}

/// `no warnings`, `1 warning`, `3 warnings and 1 note`: what a successful run left.
pub(crate) fn count(diagnostics: &[Diagnostic]) -> String {
    let warnings = diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    let notes = diagnostics.iter().filter(|d| d.severity == Severity::Note).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (warnings, notes) {
        (0, 0) => "no warnings".to_owned(),
        (w, 0) => plural(w, "warning"),
        (w, n) => format!("{} and {}", plural(w, "warning"), plural(n, "note")),
    }
}

/// A usage or internal failure: one line on stderr.
pub(crate) fn usage_error(message: &str) {
    to_stderr(&format!("error: {message}\n"));
}

/// An argument that does nothing as given (a folder that is not there, an unknown code): one
/// line on stderr; the command runs on.
pub(crate) fn usage_warning(message: &str) {
    to_stderr(&format!("warning: {message}\n"));
}

/// What a plugin printed while it ran (captured in its worker process, control characters
/// already replaced): on stderr, every line marked as the plugin's, never on stdout.
pub(crate) fn plugin_output(plugin: &str, output: &str) {
    // Under -q only errors are shown; what a plugin printed is not one.
    if output.is_empty() || quiet() {
        return;
    }
    let mut text = format!("plugin `{plugin}` printed:\n");
    for line in output.lines() {
        text.push_str(&format!("  | {line}\n"));
    }
    to_stderr(&text);
}

/// How many diagnostics of one code are rendered in full; the rest are counted in one line.
/// 1,000 rules sharing a priority are one mistake repeated, and 1,000 excerpts hide the others.
const SHOWN_PER_CODE: usize = 5;

/// Renders the diagnostics, at most [`SHOWN_PER_CODE`] of each code in full and one line for
/// the rest of that code, then a one-line summary of all of them when there is more than one.
pub(crate) fn diagnostics(diagnostics: &[Diagnostic]) {
    let mut sources = SourceCache::default();
    let quiet = quiet();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for diagnostic in diagnostics.iter().filter(|d| !quiet || d.is_error()) {
        let count = seen.entry(diagnostic.code.as_str()).or_default();
        *count += 1;
        if *count > SHOWN_PER_CODE {
            continue;
        }
        let rendered = Rendered::new(diagnostic, &mut sources);
        to_stderr(&format!("{:?}\n", miette::Report::new(rendered)));
    }
    for line in held_back(&seen) {
        to_stderr(&format!("{line}\n"));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    if errors + warnings > 1 && !quiet {
        to_stderr(&format!("{}\n", summary(errors, warnings)));
    }
}

/// One line per code with more than [`SHOWN_PER_CODE`] diagnostics.
fn held_back(seen: &BTreeMap<&str, usize>) -> Vec<String> {
    seen.iter()
        .filter(|(_, count)| **count > SHOWN_PER_CODE)
        .map(|(code, count)| {
            format!(
                "{code}: {SHOWN_PER_CODE} shown above, and {} more like them",
                count - SHOWN_PER_CODE
            )
        })
        .collect()
}

fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("found {} and {}", plural(errors, "error"), plural(warnings, "warning"))
}

/// The largest source file an excerpt is taken from; a script is far smaller.
const SOURCE_LIMIT: u64 = 16 << 20;

/// Script files read once per report, keyed by the name in the origin.
///
/// Only a regular file of at most [`SOURCE_LIMIT`] bytes is read, so an origin naming a FIFO,
/// a device or a huge file cannot block or flood the report. Which files may be named at all
/// is decided before: the plugin host drops any origin a plugin returns that is not a file of
/// the fleet's own script (see `zat_plugin_host::PluginSet::render_all`).
#[derive(Default)]
struct SourceCache {
    files: BTreeMap<String, Option<String>>,
}

impl SourceCache {
    fn get(&mut self, file: &str) -> Option<String> {
        self.files.entry(file.to_owned()).or_insert_with(|| read_source(file)).clone()
    }
}

fn read_source(file: &str) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() || meta.len() > SOURCE_LIMIT {
        return None;
    }
    // As the script runtime reads a script: without a leading byte order mark (origins count
    // columns from the first character after it), and a file that is not UTF-8 shown with
    // U+FFFD for each invalid sequence, which keeps the columns before it right.
    let bytes = std::fs::read(file).ok()?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// One diagnostic in the shape miette renders.
#[derive(Debug)]
struct Rendered {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    label: Option<LabeledSpan>,
}

impl Rendered {
    fn new(diagnostic: &Diagnostic, sources: &mut SourceCache) -> Self {
        let severity = match diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        };
        let mut message = shortened(diagnostic.message.clone());
        let mut source = None;
        let mut label = None;
        if let Some(origin) = &diagnostic.origin {
            let located = sources.get(&origin.file).and_then(|text| {
                let span = span_at(&text, origin)?;
                Some((text, span))
            });
            // A line of megabytes (a huge literal, 100,000 braces) is not shown, the position
            // is: the excerpt holds the line and one on either side.
            let located = located
                .filter(|(text, span)| longest_line_near(text, span.offset()) <= LONGEST_EXCERPT);
            match located {
                Some((text, span)) => {
                    let text_label = if diagnostic.object.is_empty() {
                        "here".to_owned()
                    } else {
                        diagnostic.object.clone()
                    };
                    label = Some(LabeledSpan::new_with_span(Some(text_label), span));
                    source = Some(NamedSource::new(&origin.file, text));
                }
                // No excerpt (file gone or position outside it): still say where.
                None => message = format!("{message}\n  at {origin}"),
            }
        }
        if diagnostic.origin.is_none() && !diagnostic.object.is_empty() {
            message = format!("{message} ({})", diagnostic.object);
        }
        Rendered {
            message,
            code: diagnostic.code.clone(),
            severity,
            help: diagnostic.help.clone(),
            source,
            label,
        }
    }
}

/// The longest source line shown in an excerpt, in bytes.
const LONGEST_EXCERPT: usize = 1000;

/// The length of the longest of the line holding byte `offset` and the lines around it.
fn longest_line_near(text: &str, offset: usize) -> usize {
    let start = |at: usize| text.get(..at).and_then(|t| t.rfind('\n')).map_or(0, |n| n + 1);
    let end = |at: usize| text.get(at..).and_then(|t| t.find('\n')).map_or(text.len(), |n| at + n);
    let (line_start, line_end) = (start(offset), end(offset));
    let mut longest = line_end.saturating_sub(line_start);
    if line_start > 0 {
        longest = longest.max(line_start - 1 - start(line_start - 1));
    }
    if line_end < text.len() {
        longest = longest.max(end(line_end + 1) - (line_end + 1));
    }
    longest
}

/// The longest message shown in full, in bytes; a name of megabytes is cut.
const LONGEST_MESSAGE: usize = 2000;

fn shortened(message: String) -> String {
    if message.len() <= LONGEST_MESSAGE {
        return message;
    }
    let mut cut = LONGEST_MESSAGE;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}... ({} more bytes)", &message[..cut], message.len() - cut)
}

/// The byte span of the token that starts at the origin's 1-based line and column (columns
/// count characters). An identifier or number spans its whole length; anything else is one
/// character wide.
fn span_at(text: &str, origin: &Origin) -> Option<SourceSpan> {
    let line_index = usize::try_from(origin.line).ok()?.checked_sub(1)?;
    let mut offset = 0;
    let mut line_text = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if index == line_index {
            line_text = Some(line);
            break;
        }
        offset += line.len();
    }
    let line_text = line_text?;
    let column = usize::try_from(origin.column).ok()?.max(1) - 1;
    let (start, rest) = match line_text.char_indices().nth(column) {
        Some((byte, _)) => (byte, &line_text[byte..]),
        None => (line_text.trim_end().len(), ""),
    };
    let word: usize =
        rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').map(char::len_utf8).sum();
    let len = if word > 0 { word } else { rest.chars().next().map_or(0, char::len_utf8) };
    Some(SourceSpan::new((offset + start).into(), len))
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        // Point at `zat explain` only for codes that have a row there.
        let explain = crate::explain::find(&self.code)
            .map(|_| format!("`zat explain {}` tells more", self.code));
        let text = match (&self.help, explain) {
            (Some(help), Some(explain)) => format!("{help}\n{explain}"),
            (Some(help), None) => help.clone(),
            (None, Some(explain)) => explain,
            (None, None) => return None,
        };
        Some(Box::new(text))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label.clone().map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = _>>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, line: u32, column: u32) -> Option<(usize, usize)> {
        span_at(text, &Origin::new("f", line, column)).map(|s| (s.offset(), s.len()))
    }

    #[test]
    fn spans_cover_the_identifier_at_the_position() {
        let text = "let a = 1;\nsite.lpar(\"X\");\n";
        assert_eq!(span(text, 2, 6), Some((16, 4)));
        assert_eq!(span(text, 2, 5), Some((15, 1)));
        assert_eq!(span(text, 1, 1), Some((0, 3)));
        assert_eq!(span(text, 9, 1), None);
        assert_eq!(span(text, 0, 1), None);
    }

    #[test]
    fn a_code_seen_many_times_is_held_back_after_a_few() {
        let seen = BTreeMap::from([("ZAT0144", 1000), ("ZAT0101", 5), ("ZAT0110", 1)]);
        assert_eq!(held_back(&seen), ["ZAT0144: 5 shown above, and 995 more like them"]);
    }

    #[test]
    fn line_lengths_around_an_offset() {
        let text = "ab\ncdef\ng\nh";
        assert_eq!(longest_line_near(text, 0), 4);
        assert_eq!(longest_line_near(text, 10), 1);
        assert_eq!(longest_line_near(text, 8), 4);
        assert_eq!(longest_line_near("x\n\ny", 2), 1);
    }

    #[test]
    fn long_messages_are_cut_on_a_character() {
        assert_eq!(shortened("short".to_owned()), "short");
        let long = format!("a{}", "é".repeat(2000));
        let cut = shortened(long);
        assert!(cut.len() < 2100 && cut.ends_with("é... (2002 more bytes)"), "{cut}");
    }

    #[test]
    fn summary_counts_errors_and_warnings() {
        assert_eq!(summary(1, 2), "found 1 error and 2 warnings");
    }
}
