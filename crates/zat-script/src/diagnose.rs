//! Turns rhai errors into diagnostics with a stable code (ZAT0001-ZAT0099) and the position
//! the user wrote, unwinding calls into functions and libraries into a "called from" trail.

use rhai::{EvalAltResult, ParseErrorType, Position};
use zat_model::{Diagnostic, Origin};

use crate::ScriptOptions;
use crate::engine::DEADLINE_TOKEN;
use crate::error::BuilderError;
use crate::spec::{BUILDERS, usage};

pub(crate) const CANNOT_READ: &str = "ZAT0001";
pub(crate) const SYNTAX: &str = "ZAT0002";
pub(crate) const NO_SUCH_FUNCTION: &str = "ZAT0003";
pub(crate) const UNKNOWN_OPTION: &str = "ZAT0004";
pub(crate) const WRONG_TYPE: &str = "ZAT0005";
pub(crate) const NOT_ALLOWED: &str = "ZAT0006";
pub(crate) const MISSING: &str = "ZAT0007";
pub(crate) const NO_FLEET: &str = "ZAT0008";
pub(crate) const SECOND_FLEET: &str = "ZAT0009";
pub(crate) const BAD_PARAM: &str = "ZAT0010";
pub(crate) const OTHER_DATABASE: &str = "ZAT0011";
pub(crate) const TOO_MANY_OPERATIONS: &str = "ZAT0020";
pub(crate) const DEADLINE: &str = "ZAT0021";
pub(crate) const TOO_DEEP: &str = "ZAT0022";
pub(crate) const TOO_LARGE: &str = "ZAT0023";
pub(crate) const EXPR_TOO_DEEP: &str = "ZAT0024";
pub(crate) const TOO_MANY_MODULES: &str = "ZAT0025";
pub(crate) const SCRIPT_TOO_LARGE: &str = "ZAT0026";
pub(crate) const IMPORT_REFUSED: &str = "ZAT0030";
pub(crate) const IMPORT_NOT_FOUND: &str = "ZAT0031";
pub(crate) const IMPORT_CYCLE: &str = "ZAT0032";
pub(crate) const SCRIPT_ERROR: &str = "ZAT0040";
pub(crate) const THROWN: &str = "ZAT0041";

/// Every code the script runtime emits; `zat explain` has a row for each.
pub const CODES: &[&str] = &[
    CANNOT_READ,
    SYNTAX,
    NO_SUCH_FUNCTION,
    UNKNOWN_OPTION,
    WRONG_TYPE,
    NOT_ALLOWED,
    MISSING,
    NO_FLEET,
    SECOND_FLEET,
    BAD_PARAM,
    OTHER_DATABASE,
    TOO_MANY_OPERATIONS,
    DEADLINE,
    TOO_DEEP,
    TOO_LARGE,
    EXPR_TOO_DEEP,
    TOO_MANY_MODULES,
    SCRIPT_TOO_LARGE,
    IMPORT_REFUSED,
    IMPORT_NOT_FOUND,
    IMPORT_CYCLE,
    SCRIPT_ERROR,
    THROWN,
];

/// A few words on what a code a builder raises means, for the reference.
pub(crate) fn title(code: &str) -> &'static str {
    match code {
        UNKNOWN_OPTION => "an options map has a key the builder does not take",
        WRONG_TYPE => "an option's value has the wrong type",
        NOT_ALLOWED => "an option's value is not one the option allows",
        MISSING => "a required option is missing",
        SECOND_FLEET => "`fleet(name)` is called a second time",
        BAD_PARAM => "a `--set` value does not convert to the type of the default",
        OTHER_DATABASE => "a certificate of another security database",
        _ => "see `zat explain`",
    }
}

pub(crate) fn no_fleet(name: &str) -> Diagnostic {
    Diagnostic::error(NO_FLEET, format!("`{name}` never calls fleet(name)"))
        .at(&Origin::new(name, 1, 1))
        .help("start the script with `let site = fleet(\"NAME\");`")
}

fn origin_of(file: &str, position: Position) -> Option<Origin> {
    let line = u32::try_from(position.line()?).ok()?;
    let column = position.position().map_or(1, |c| u32::try_from(c).unwrap_or(1));
    Some(Origin::new(file, line, column))
}

/// Where rhai stops counting: it keeps a position's line and column in 16 bits, so a
/// position past them reads as 65535.
const COUNTED: usize = u16::MAX as usize;

/// What a position at rhai's cap does not say: the line or column shown is the last rhai
/// counts, and the real one may be anywhere at or beyond it.
fn beyond_count(position: Position) -> Option<String> {
    let capped = |n: Option<usize>| n == Some(COUNTED);
    let what = match (capped(position.line()), capped(position.position())) {
        (false, false) => return None,
        (true, false) => "line",
        (false, true) => "column",
        (true, true) => "line and column",
    };
    Some(format!(
        "{what} {COUNTED} or beyond: rhai counts no further, so the place shown is where it stopped counting"
    ))
}

fn at(file: &str, position: Position) -> String {
    match origin_of(file, position) {
        Some(origin) => origin.to_string(),
        None => file.to_owned(),
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a script threw, in the script's words: a string as it is (quoted), a handle by what
/// it stands for (`a fleet`), anything else as rhai writes it.
fn thrown(value: &rhai::Dynamic) -> String {
    use crate::handles::{
        CertificateHandle, DatabaseHandle, FleetHandle, KeyringHandle, LevelHandle, LparHandle,
        ServerHandle, StackHandle,
    };
    let kinds: [(bool, &str); 8] = [
        (value.is::<FleetHandle>(), "a fleet"),
        (value.is::<DatabaseHandle>(), "a security database"),
        (value.is::<CertificateHandle>(), "a certificate"),
        (value.is::<KeyringHandle>(), "a key ring"),
        (value.is::<LevelHandle>(), "a security level"),
        (value.is::<ServerHandle>(), "a z/OS Connect server"),
        (value.is::<LparHandle>(), "an LPAR"),
        (value.is::<StackHandle>(), "a TCP/IP stack"),
    ];
    if let Some((_, kind)) = kinds.iter().find(|(is, _)| *is) {
        return (*kind).to_owned();
    }
    if value.is_unit() {
        return "nothing (`()`)".to_owned();
    }
    match value.clone().into_immutable_string() {
        Ok(text) => format!("\"{text}\""),
        Err(_) => format!("`{value}`"),
    }
}

/// Text as it may be shown on a terminal: control characters other than newlines and tabs,
/// and bidirectional formatting characters, become `?` (the rule for plugin output).
pub(crate) fn printable(text: &str) -> String {
    let hidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(
                c,
                '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            )
    };
    text.chars().map(|c| if hidden(c) { '?' } else { c }).collect()
}

/// The diagnostic for a failed script run, located in the innermost file and position.
pub(crate) fn diagnostic(err: &EvalAltResult, main: &str, options: &ScriptOptions) -> Diagnostic {
    let mut file = main.to_owned();
    let mut trail = Vec::new();
    let mut outer_position = Position::NONE;
    let mut err = err;
    loop {
        match err {
            EvalAltResult::ErrorInFunctionCall(function, source, inner, position) => {
                if !position.is_none() {
                    trail.push(format!("in {function}(), called at {}", at(&file, *position)));
                    outer_position = *position;
                }
                if !source.is_empty() {
                    file = source.clone();
                }
                err = inner;
            }
            EvalAltResult::ErrorInModule(module, inner, position) => {
                if !position.is_none() {
                    trail.push(format!(
                        "in library `{module}`, imported at {}",
                        at(&file, *position)
                    ));
                    outer_position = *position;
                }
                if !module.is_empty() {
                    file = module.clone();
                }
                err = inner;
            }
            _ => break,
        }
    }
    let position = if err.position().is_none() { outer_position } else { err.position() };
    let (code, message, help) = describe(err, options);
    // Messages quote what the script wrote (a thrown string, a misspelt key): no terminal
    // escape or hidden text reaches the screen, as for plugin output.
    let help = help.map(|help| printable(&help));
    let mut message = printable(&message);
    if let Some(beyond) = beyond_count(position) {
        // rhai's own text ends in `(line L, position 65535)`, which reads as exact.
        message = message
            .replace(&format!("position {COUNTED})"), &format!("position {COUNTED} or beyond)"));
        message = format!("{message} ({beyond})");
    }
    let mut diagnostic = Diagnostic::error(code, message);
    if let Some(origin) = origin_of(&file, position) {
        diagnostic = diagnostic.at(&origin);
    }
    let mut help_lines: Vec<String> = help.into_iter().collect();
    help_lines.extend(trail.into_iter().rev());
    if !help_lines.is_empty() {
        diagnostic = diagnostic.help(help_lines.join("\n"));
    }
    diagnostic
}

fn describe(
    err: &EvalAltResult,
    options: &ScriptOptions,
) -> (&'static str, String, Option<String>) {
    let limits = &options.limits;
    match err {
        EvalAltResult::ErrorRuntime(value, _) => {
            if let Some(builder) = value.read_lock::<BuilderError>() {
                return (builder.code(), builder.to_string(), builder.help());
            }
            (THROWN, format!("the script threw {}", thrown(value)), None)
        }
        EvalAltResult::ErrorParsing(ParseErrorType::Reserved(word), _) if word == "eval" => (
            SYNTAX,
            "`eval` is disabled in fleet scripts".to_owned(),
            Some("call functions, or import a site library, instead of evaluating text".to_owned()),
        ),
        EvalAltResult::ErrorParsing(ParseErrorType::ExprTooDeep, _) => (
            EXPR_TOO_DEEP,
            // rhai counts a level for each operator, not only for brackets: `1 + 1 + … + 1`
            // is a tree as deep as it has `+`, which a user does not see as nesting.
            format!(
                "an expression is nested deeper than {} levels; each operator counts as a level, as do the calls, indexes and brackets around it, so a chain such as `a + b + c + …` of more than {} terms is too deep",
                limits.max_expr_depth, limits.max_expr_depth
            ),
            Some("split it with `let` variables (`let part = a + b; let total = part + c;`) or functions, or add up an array's items in a loop".to_owned()),
        ),
        EvalAltResult::ErrorParsing(kind, _) => (SYNTAX, format!("syntax error: {}", lower_first(&kind.to_string())), None),
        EvalAltResult::ErrorFunctionNotFound(signature, _) => not_found(signature),
        EvalAltResult::ErrorTooManyOperations(_) => (
            TOO_MANY_OPERATIONS,
            format!("the script ran too long: more than {} operations", limits.max_operations),
            Some("check for a loop that never ends".to_owned()),
        ),
        EvalAltResult::ErrorTerminated(token, _) if token.to_string() == DEADLINE_TOKEN => (
            DEADLINE,
            format!("the script ran too long: it passed its deadline of {:.1} s", options.timeout.as_secs_f64()),
            Some("check for a loop that never ends; for a very large fleet raise --timeout".to_owned()),
        ),
        EvalAltResult::ErrorStackOverflow(_) => (
            TOO_DEEP,
            format!("function calls are nested deeper than {} levels", limits.max_call_depth),
            Some("is there unbounded recursion? a function that calls itself needs a condition that stops it".to_owned()),
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => (
            TOO_LARGE,
            format!(
                "a value grew too large ({}); one value may hold {} bytes of text, {} array items and {} map entries in all, counting the values nested in it",
                lower_first(what),
                limits.max_string_size,
                limits.max_array_size,
                limits.max_map_size
            ),
            None,
        ),
        EvalAltResult::ErrorTooManyModules(_) => (
            TOO_MANY_MODULES,
            format!("the script imports more than {} modules", limits.max_modules),
            None,
        ),
        EvalAltResult::ErrorModuleNotFound(path, _) => (
            IMPORT_NOT_FOUND,
            format!("import \"{path}\" not found"),
            Some("pass the library's folder with --lib DIR".to_owned()),
        ),
        other => (SCRIPT_ERROR, lower_first(&other.to_string()), None),
    }
}

/// "no function or method ...", with a "did you mean" from the builder API.
fn not_found(signature: &str) -> (&'static str, String, Option<String>) {
    let name = signature.split(['(', ' ']).next().unwrap_or(signature).trim();
    let message = format!("no function or method `{name}` takes these arguments: {signature}");
    let help = match BUILDERS.iter().find(|builder| builder.name == name) {
        Some(builder) => Some(format!("`{name}` is written: {}", usage(builder))),
        None => closest(name, BUILDERS.iter().map(|builder| builder.name)).and_then(|near| {
            let builder = BUILDERS.iter().find(|b| b.name == near)?;
            Some(format!("did you mean `{near}`? it is written: {}", usage(builder)))
        }),
    };
    (NO_SUCH_FUNCTION, message, help)
}

/// The candidate closest to `word`, if it is close enough to be a typo ([`zat_model::closest`]).
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    zat_model::closest(word, candidates)
}

/// The script or a library is larger than [`crate::Limits::max_script_size`].
pub(crate) fn too_large(name: &str, size: u64, limit: usize) -> Diagnostic {
    Diagnostic::error(
        SCRIPT_TOO_LARGE,
        format!("`{name}` is {size} bytes, more than the limit of {limit} bytes for a script"),
    )
    .help(
        "a fleet script is far smaller: split data into libraries, or generate fewer, larger loops",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_builder_meant() {
        let builders = || BUILDERS.iter().map(|b| b.name);
        assert_eq!(closest("security_databse", builders()), Some("security_database"));
        assert_eq!(closest("stakc", builders()), Some("stack"));
        assert_eq!(closest("completely_else", builders()), None);
    }

    #[test]
    fn codes_are_unique_and_in_the_script_range() {
        let mut seen = std::collections::BTreeSet::new();
        for code in CODES {
            assert!(seen.insert(code), "{code} twice");
            assert!(code.starts_with("ZAT00") && code.len() == 7, "{code}");
        }
    }
}
