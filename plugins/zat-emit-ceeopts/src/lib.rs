//! CEEOPTS emitter: BAQURI/BAQPORT in-stream data for API requesters.
//!
//! For every API requester on an LPAR of the run, the records that follow `//CEEOPTS DD *` in
//! the application's JCL ([`layout::ceeopts`]): `POSIX(ON)` when asked for, then
//! `ENVAR("BAQURI=...","BAQPORT=...")` with the values expansion derived (BAQPORT is never
//! recomputed here: expansion made it equal to the remote port of the outbound rule).
//!
//! Language Environment concatenates CEEOPTS records with no implied blank and ignores
//! columns 73-80, so the layout is fixed by code, not a template: one option or one ENVAR
//! string per record, a break only after the comma that separates them, every record at most
//! 72 columns, and a quoted string never split. A string that cannot fit is refused.
//!
//! Basic authentication: `BAQUSERNAME` is written, the password never is. `BAQPASSWORD` is a
//! JCL symbol reference `&NAME.` when `BasicAuth.password_from` is a valid symbol name: the
//! job supplies the value (the DD needs `SYMBOLS=JCLONLY`); without that the literal `&NAME.`
//! is sent and the server refuses it, so a mistake fails closed and leaks nothing. Otherwise,
//! or with the option `ceeopts.password_form=placeholder`, the value is the visible
//! placeholder `<NAME>`, which must be replaced by hand, and a warning says so.

use zat_plugin_api::layout;
use zat_plugin_api::model::{ApiRequester, BasicAuth, Diagnostic, Lpar, Severity, Stack};
use zat_plugin_api::{EmitError, Emitter, OutputFile, RenderRequest, RenderResponse};
use zat_zos as zos;

/// Last column of CEEOPTS data Language Environment reads.
pub const CEEOPTS_COLUMNS: usize = zos::DATA_COLUMNS;

/// Option choosing how `BAQPASSWORD` is written: `symbol` (default) or `placeholder`.
pub const PASSWORD_FORM_OPTION: &str = "ceeopts.password_form";
/// Option that drops the `*` comment records (`ceeopts.comments=false`).
pub const COMMENTS_OPTION: &str = "ceeopts.comments";

/// Diagnostic: the requester was not expanded (no outbound rule, no BAQURI/BAQPORT).
const NOT_EXPANDED: &str = "ZAT0360";
/// Diagnostic: a value that cannot go into a quoted ENVAR string.
const BAD_VALUE: &str = "ZAT0361";
/// Diagnostic: a quoted ENVAR string longer than one record.
const TOO_LONG: &str = "ZAT0362";
/// Diagnostic (note): BAQPASSWORD comes from a JCL symbol the job must set.
const PASSWORD_SYMBOL: &str = "ZAT0363";
/// Diagnostic (warning): BAQPASSWORD is a placeholder to replace by hand.
const PASSWORD_PLACEHOLDER: &str = "ZAT0364";

/// The CEEOPTS emitter (`ceeopts`).
#[derive(Debug, Default)]
pub struct CeeoptsEmitter;

impl Emitter for CeeoptsEmitter {
    const NAME: &'static str = "ceeopts";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const OPTIONS: Option<&'static [&'static str]> = Some(&["password_form", "comments"]);
    const PROVIDES: &'static [&'static str] = &[zat_plugin_api::UNIT_LPAR];

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let settings = Settings {
            placeholder: request
                .options
                .get(PASSWORD_FORM_OPTION)
                .is_some_and(|v| v == "placeholder"),
            comments: request.options.get(COMMENTS_OPTION).is_none_or(|v| v != "false"),
        };
        let mut response = RenderResponse::default();
        for lpar in request.fleet.lpars.iter().filter(|lpar| request.includes_lpar(&lpar.name)) {
            for stack in &lpar.stacks {
                for requester in &stack.api_requesters {
                    let mut diagnostics = Vec::new();
                    let content =
                        render_requester(&settings, lpar, stack, requester, &mut diagnostics);
                    response.diagnostics.extend(diagnostics);
                    if let Some(content) = content {
                        response.files.push(OutputFile {
                            path: layout::ceeopts(&lpar.name, &requester.name),
                            content,
                            target: Some(layout::ceeopts_target(requester)),
                            placement: Some(layout::ceeopts_placement(requester)),
                        });
                    }
                }
            }
        }
        Ok(response)
    }
}

struct Settings {
    placeholder: bool,
    comments: bool,
}

/// The CEEOPTS records of one requester, or `None` (with an error diagnostic) when they
/// cannot be written correctly.
fn render_requester(
    settings: &Settings,
    lpar: &Lpar,
    stack: &Stack,
    requester: &ApiRequester,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<String> {
    // Only a diagnostic names the object: it is not made for the requesters that have none.
    let object =
        || format!("lpar {} / stack {} / api requester {}", lpar.name, stack.name, requester.name);
    let Some(expansion) = &requester.expansion else {
        diagnostics.push(
            Diagnostic::error(NOT_EXPANDED, "api requester has no derived rule, baquri or baqport")
                .object(object())
                .at(&requester.origin)
                .help("run the fleet through zat-core expansion before rendering"),
        );
        return None;
    };
    let port = expansion.baqport.to_string();
    // The comment records go straight into the text; it is dropped if a value cannot be
    // written. Each comment is put together in `text` first, to be wrapped.
    let mut out = String::with_capacity(512);
    let mut text = String::with_capacity(128);
    let mut comment = |out: &mut String, parts: &[&str]| {
        if settings.comments {
            text.clear();
            parts.iter().for_each(|part| text.push_str(part));
            push_comment(out, &text);
        }
    };
    comment(
        &mut out,
        &[
            "CEEOPTS of API requester ",
            &requester.name,
            " (job ",
            &requester.jobname,
            ", user ",
            &requester.userid,
            ")",
        ],
    );
    comment(
        &mut out,
        &["on ", &lpar.name, "/", &stack.name, ", generated by zat: do not edit, rebuild."],
    );
    comment(&mut out, &["Put these records after //CEEOPTS DD * in the job's JCL."]);
    comment(
        &mut out,
        &[
            "Outbound AT-TLS rule ",
            &expansion.rule,
            " protects port ",
            &port,
            " of server ",
            &requester.server,
            ".",
        ],
    );
    let mut strings = vec![("BAQURI", expansion.baquri.as_str().to_owned()), ("BAQPORT", port)];
    if let Some(auth) = &requester.basic_auth {
        strings.push(("BAQUSERNAME", auth.username.to_string()));
        let (value, note) = password_value(settings, auth, &object(), requester, diagnostics);
        strings.push(("BAQPASSWORD", value));
        for line in &note {
            comment(&mut out, &[line]);
        }
    }
    let mut ok = true;
    for (name, value) in &strings {
        if value.is_empty() || value.chars().any(|c| c == '"' || !zos::is_safe_char(c)) {
            ok = false;
            diagnostics.push(
                Diagnostic::error(
                    BAD_VALUE,
                    format!("{name} value `{value}` cannot go into a quoted CEEOPTS string"),
                )
                .object(object())
                .at(&requester.origin)
                .help("use characters safe in code page 1047, without double quotes"),
            );
        }
    }
    let records = layout_records(requester.posix, &strings);
    for record in records.iter().filter(|record| record.len() > CEEOPTS_COLUMNS) {
        ok = false;
        diagnostics.push(
            Diagnostic::error(
                TOO_LONG,
                format!("CEEOPTS record `{record}` is longer than {CEEOPTS_COLUMNS} columns and a quoted string cannot be split"),
            )
            .object(object())
            .at(&requester.origin)
            .help("shorten the value (e.g. a shorter host name or an IP address)"),
        );
    }
    if !ok {
        return None;
    }
    for record in records {
        out.push_str(&record);
        out.push('\n');
    }
    Some(out)
}

/// The records: `POSIX(ON),` then `ENVAR(` with one quoted string per record, each but the
/// last ending in the comma that separates it from the next, the last closing the ENVAR.
fn layout_records(posix: bool, strings: &[(&str, String)]) -> Vec<String> {
    let mut records = Vec::new();
    if posix {
        records.push("POSIX(ON),".to_owned());
    }
    let last = strings.len().saturating_sub(1);
    for (index, (name, value)) in strings.iter().enumerate() {
        let open = if index == 0 { "ENVAR(" } else { "" };
        let close = if index == last { ")" } else { "," };
        // Put together by hand: a record per string of every requester of a fleet.
        let mut record = String::with_capacity(open.len() + name.len() + value.len() + 4);
        for part in [open, "\"", name, "=", value, "\"", close] {
            record.push_str(part);
        }
        records.push(record);
    }
    records
}

/// How `BAQPASSWORD` is written, plus comment lines for the operator.
fn password_value(
    settings: &Settings,
    auth: &BasicAuth,
    object: &str,
    requester: &ApiRequester,
    diagnostics: &mut Vec<Diagnostic>,
) -> (String, Vec<String>) {
    let name = auth.password_from.to_ascii_uppercase();
    if !settings.placeholder && is_jcl_symbol(&name) {
        let value = format!("&{name}.");
        // The record `"BAQPASSWORD=&NAME.")` must still fit after substitution.
        let room = CEEOPTS_COLUMNS - "\"BAQPASSWORD=\")".len();
        let mut note = Diagnostic::warning(
            PASSWORD_SYMBOL,
            format!("BAQPASSWORD is JCL symbol &{name}.: the job must set it and code SYMBOLS=JCLONLY on the CEEOPTS DD"),
        )
        .object(object)
        .at(&requester.origin)
        .help(format!("// EXPORT SYMLIST=({name}) and // SET {name}=... from a member only the job's owner can read; with MSGLEVEL=(1,..) JES lists that SET, password included, in the job's JESJCL, so give the job MSGLEVEL=(0,..) or let only its owner read its output"));
        note.severity = Severity::Note;
        diagnostics.push(note);
        let lines = vec![
            format!("BAQPASSWORD is JCL symbol &{name}., which the job supplies. Code"),
            "  //CEEOPTS DD *,SYMBOLS=JCLONLY".to_owned(),
            "and set the symbol in a member only the job's owner can read:".to_owned(),
            format!("  // EXPORT SYMLIST=({name}) and // SET {name}=..."),
            // JES lists every JCL statement, those of INCLUDE groups too, under MSGLEVEL=(1,..).
            "With MSGLEVEL=(1,..) JES lists that SET, password included, in".to_owned(),
            "the job's JESJCL: give the job MSGLEVEL=(0,..), or let only its".to_owned(),
            "owner read its output (JESSPOOL profiles).".to_owned(),
            format!("Passwords up to {room} characters keep the record within 72 columns."),
        ];
        return (value, lines);
    }
    let value = format!("<{}>", auth.password_from);
    diagnostics.push(
        Diagnostic::warning(
            PASSWORD_PLACEHOLDER,
            format!("BAQPASSWORD is the placeholder {value}: replace it by hand with the password from {}", auth.password_from),
        )
        .object(object)
        .at(&requester.origin)
        .help("name a JCL symbol (1-8 characters) in password_from to have the job supply it instead"),
    );
    let lines =
        vec![format!("Replace {value} with the password from {} before use.", auth.password_from)];
    (value, lines)
}

/// A JCL symbol name: 1-8 characters, A-Z, 0-9 and national `@ # $`, not starting with a digit.
fn is_jcl_symbol(name: &str) -> bool {
    let national = |c: char| matches!(c, '@' | '#' | '$');
    let mut chars = name.chars();
    (1..=8).contains(&name.len())
        && chars.next().is_some_and(|c| c.is_ascii_uppercase() || national(c))
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || national(c))
}

/// Appends `*` comment records: `text` as written when it fits, else word-wrapped to 72
/// columns.
fn push_comment(out: &mut String, text: &str) {
    if text.len() + 2 <= CEEOPTS_COLUMNS {
        out.push_str("* ");
        out.push_str(text);
        out.push('\n');
        return;
    }
    // Length of the record being written: `*`, then a blank and a word for each word.
    let mut current = 1;
    out.push('*');
    for word in text.split_whitespace() {
        if current > 1 && current + 1 + word.len() > CEEOPTS_COLUMNS {
            out.push_str("\n*");
            current = 1;
        }
        out.push(' ');
        out.push_str(word);
        current += 1 + word.len();
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_break_only_after_commas() {
        let records = layout_records(
            true,
            &[("BAQURI", "host.example.com".to_owned()), ("BAQPORT", "9080".to_owned())],
        );
        assert_eq!(
            records,
            ["POSIX(ON),", "ENVAR(\"BAQURI=host.example.com\",", "\"BAQPORT=9080\")"]
        );
    }

    #[test]
    fn jcl_symbols() {
        assert!(is_jcl_symbol("PAYPW"));
        assert!(is_jcl_symbol("#PW1"));
        assert!(!is_jcl_symbol("1PW"));
        assert!(!is_jcl_symbol("PAY_PASSWORD"));
        assert!(!is_jcl_symbol(""));
    }
}
