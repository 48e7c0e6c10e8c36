//! `zat explain CODE`: the long help of every diagnostic code, kept in one table.
//!
//! To add a code, add one row to [`CODES`] (keep it sorted by code). Script runtime codes are
//! ZAT0001-ZAT0099; the core uses ZAT01xx-ZAT03xx.

use crate::Exit;
use crate::common;
use crate::report;

/// One diagnostic code: its short title and its long explanation (plain text).
pub(crate) struct Code {
    pub(crate) code: &'static str,
    pub(crate) title: &'static str,
    pub(crate) explanation: &'static str,
}

const fn row(code: &'static str, title: &'static str, explanation: &'static str) -> Code {
    Code { code, title, explanation }
}

/// Every code zat emits, sorted.
pub(crate) const CODES: &[Code] = &[
    // ---- script runtime (zat-script) ----
    row(
        "ZAT0001",
        "cannot read the fleet script",
        "zat could not open or read the script file named on the command line.\n\
         Check the path and the file's permissions. This is a usage failure (exit code 2).",
    ),
    row(
        "ZAT0002",
        "syntax error in the script",
        "The script, or a library it imports, is not valid rhai.\n\
         The caret points at the first token rhai could not parse; the mistake is often just\n\
         before it (a missing `;`, `)` or `}`). `eval` is disabled in fleet scripts and is\n\
         reported here too.",
    ),
    row(
        "ZAT0003",
        "unknown function or method, or wrong argument types",
        "The script calls a function or method that does not exist for the value it is\n\
         called on, or passes arguments of the wrong type (for example a number where a\n\
         name is expected, or a key ring where a certificate is expected).\n\
         Check the spelling against the builder API: fleet(), defaults(), security_database(),\n\
         certificate_authority(), certificate(), import_ca(), export_to(), keyring(), connect(),
         connect_default(),\n\
         security_level(), zos_connect_server(), lpar(), stack(), rule(), api_requester().",
    ),
    row(
        "ZAT0004",
        "unknown option key",
        "An options map (`#{ ... }`) passed to a builder contains a key that builder does not\n\
         accept. Every key is checked so that a typo cannot silently drop a setting.\n\
         The message lists the keys the builder accepts.",
    ),
    row(
        "ZAT0005",
        "option value has the wrong type",
        "An option has a value of the wrong type, for example a string where a number is\n\
         expected (`http_port: \"9080\"`), or a name where a handle is expected.\n\
         Numbers are checked for range later (ZAT01xx); only the type is checked here.",
    ),
    row(
        "ZAT0006",
        "option value is not one of the allowed words",
        "An option that takes one of a fixed set of words (esm, direction, role, usage,\n\
         format, key_usage, algorithm, access, TLS versions) has another value.\n\
         The message lists the allowed words; case does not matter.",
    ),
    row(
        "ZAT0007",
        "required option missing",
        "A builder needs an option that the options map does not give, for example `host`\n\
         for a z/OS Connect server or `dsn` for an imported CA.",
    ),
    row(
        "ZAT0008",
        "the script never calls fleet()",
        "A fleet script must create its fleet with `let site = fleet(\"NAME\");` exactly once.",
    ),
    row(
        "ZAT0009",
        "fleet() called more than once",
        "A fleet script describes one fleet. Create it once and pass the handle to your\n\
         functions and libraries instead of calling fleet() again.",
    ),
    row(
        "ZAT0010",
        "bad script parameter",
        "A `--set KEY=VALUE` value cannot be read as the type of the default given to\n\
         `param(\"KEY\", default)`: an integer default needs an integer, a boolean default\n\
         needs true or false.",
    ),
    row(
        "ZAT0011",
        "object from another security database",
        "Certificates and key rings belong to one security database. A ring can only connect\n\
         certificates of its own database, and a certificate can only be signed by a CA of\n\
         its own database. To trust a CA of another database, export it there and add it\n\
         here with import_ca(label, #{ dsn: ... }).",
    ),
    row(
        "ZAT0020",
        "too many operations",
        "The script ran more operations than the sandbox allows; it probably loops forever.\n\
         Check loop conditions; fleet scripts only need to build objects.",
    ),
    row(
        "ZAT0021",
        "the script ran past its deadline",
        "The script ran longer than the wall-clock deadline (10 s unless `--timeout` says\n\
         otherwise); it probably loops forever. Raise `--timeout` only for very large fleets.",
    ),
    row(
        "ZAT0022",
        "calls nested too deeply",
        "Function calls nested deeper than the sandbox allows, usually unbounded recursion:\n\
         a function that calls itself without a condition that stops it.",
    ),
    row(
        "ZAT0023",
        "value too large",
        "A string, array or object map grew beyond the sandbox's size limit (strings 1 MiB,\n\
         arrays 100000 items, maps 10000 entries).",
    ),
    row(
        "ZAT0024",
        "expression nested too deeply",
        "An expression or block is nested deeper than the sandbox allows. Split it with\n\
         `let` variables or functions.",
    ),
    row("ZAT0025", "too many modules", "The script imports more modules than the sandbox allows."),
    row(
        "ZAT0030",
        "import refused",
        "Imports are resolved only inside the script's own folder and the `--lib` folders.\n\
         Absolute paths, `..` that leaves those folders, and symbolic links that point out of\n\
         them are refused. Copy the library into one of the folders, or pass its folder\n\
         with `--lib DIR`.",
    ),
    row(
        "ZAT0031",
        "import not found",
        "No `NAME.rhai` was found for an `import \"NAME\"` in the script's folder or the\n\
         `--lib` folders. The message lists where zat looked.",
    ),
    row(
        "ZAT0040",
        "script error",
        "The script failed at run time: an undefined variable, an operation on values of the\n\
         wrong type, a division by zero, an index out of range.",
    ),
    row(
        "ZAT0041",
        "the script threw an error",
        "The script (or a site library) ran `throw`. The message is the thrown value.",
    ),
];

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The diagnostic code, e.g. ZAT0003 (case does not matter).
    #[arg(required_unless_present = "list")]
    pub(crate) code: Option<String>,
    /// List every code with its title.
    #[arg(long, conflicts_with = "code")]
    pub(crate) list: bool,
}

pub(crate) fn find(code: &str) -> Option<&'static Code> {
    let code = code.trim().to_ascii_uppercase();
    CODES.iter().find(|row| row.code == code)
}

pub(crate) fn run(args: &Args) -> Exit {
    if args.list {
        let text: String =
            CODES.iter().map(|row| format!("{}  {}\n", row.code, row.title)).collect();
        return common::write_stdout(&text);
    }
    let code = args.code.as_deref().unwrap_or_default();
    match find(code) {
        Some(row) => common::write_stdout(&format!(
            "{}: {}\n\n{}\n",
            row.code,
            row.title,
            unindent(row.explanation)
        )),
        None => {
            report::usage_error(&format!(
                "unknown diagnostic code `{code}`; `zat explain --list` shows every code"
            ));
            Exit::Failure
        }
    }
}

/// Rust string continuations keep no leading blanks, so lines come out as written; this only
/// trims stray spaces at line ends.
fn unindent(text: &str) -> String {
    text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_and_unique() {
        for pair in CODES.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} before {}", pair[0].code, pair[1].code);
        }
    }

    #[test]
    fn every_script_code_is_explained() {
        for code in zat_script::CODES {
            assert!(find(code).is_some(), "{code} has no row in explain.rs");
        }
    }
}
