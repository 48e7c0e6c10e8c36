//! The rhai script runtime: a sandboxed engine with typed builders that turns fleet.rhai into the fleet model.
//!
//! A script calls `fleet(name)` once and builds everything from the handle it returns
//! (`site.security_database(...)`, `site.lpar(...)`, `lpar.stack(...)`, ...). Builders are
//! typed: a misspelt method or an argument of the wrong type fails at the line it was written,
//! and every key of an options map is checked against the keys that builder accepts.
//! Every object records the script position it was made at, so later validation can point there.
//!
//! One table (`spec.rs`) lists every builder, argument and option with its kind, default and
//! description: the runtime checks options maps against it, and [`dsl_markdown`],
//! [`dsl_text`] and [`dsl_definitions`] render it as the reference (`docs/dsl.md`, `zat docs`,
//! `docs/zat.d.rhai`), so the reference cannot drift from what scripts may write.
//! A mistake in an options map does not stop the script: it is recorded at the key or value at
//! fault, the option takes its default, and the run fails at the end with every such mistake.
//!
//! The engine is a sandbox: explicit limits (the same in debug and release builds), a
//! wall-clock deadline, no `eval`, no file or network access, and `import` only from the
//! script's own folder and the configured library folders.

mod builders;
mod diagnose;
mod engine;
mod error;
mod handles;
mod locate;
mod options;
mod params;
mod reference;
mod resolver;
mod spec;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use zat_model::{Diagnostic, Fleet, Origin};

pub use diagnose::CODES;
pub use reference::{
    DEFINITIONS_COMMAND, MARKDOWN_COMMAND, builder_names as dsl_builders,
    definitions as dsl_definitions, markdown as dsl_markdown, text as dsl_text,
};

/// Code of the diagnostic reported when the script file cannot be read (a usage failure, not
/// an error in the script).
pub const CODE_CANNOT_READ: &str = diagnose::CANNOT_READ;

/// Sandbox limits. [`Limits::default`] is what `zat` uses; every value is set explicitly on the
/// engine so debug and release builds accept the same scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Operations (roughly: expressions evaluated) before the script is stopped.
    pub max_operations: u64,
    /// Nesting of function calls (stops unbounded recursion).
    pub max_call_depth: usize,
    /// Nesting of expressions at the top level.
    pub max_expr_depth: usize,
    /// Nesting of expressions inside functions.
    pub max_function_expr_depth: usize,
    /// Bytes of text in one value: a string, or every string an array or map holds, nested
    /// ones included (rhai adds them up).
    pub max_string_size: usize,
    /// Items in one value: an array's, and those of every array it holds, nested in maps too.
    pub max_array_size: usize,
    /// Entries in one value: a map's, and those of every map it holds, nested in arrays too.
    pub max_map_size: usize,
    /// Modules imported in one run.
    pub max_modules: usize,
    /// Variables alive at once.
    pub max_variables: usize,
    /// Functions defined by the script and its libraries.
    pub max_functions: usize,
    /// Bytes of the script and of each library it imports: reading and parsing is linear, but
    /// a 50 MB script still takes many seconds to refuse for its literals.
    pub max_script_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 200_000_000,
            max_call_depth: 64,
            max_expr_depth: 64,
            max_function_expr_depth: 64,
            // Totals of one value, sized for an inventory of the largest fleets: a site that
            // keeps its 4,000 LPARs as maps of a dozen settings holds 48,000 entries and 4,000
            // items in one array, and a few MB of text. Bounded so that a loop that only grows
            // a value stops within seconds and a few hundred MB (rhai measures a whole array
            // at each push, so a larger array limit would leave such a loop to the deadline).
            max_string_size: 16 << 20,
            max_array_size: 100_000,
            max_map_size: 200_000,
            max_modules: 64,
            max_variables: 10_000,
            max_functions: 1_000,
            max_script_size: 16 << 20,
        }
    }
}

/// How to run a fleet script.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptOptions {
    /// `--set KEY=VALUE` parameters, as given; the script reads them with `param(KEY, default)`
    /// or `params.KEY`.
    pub params: BTreeMap<String, String>,
    /// Extra folders `import` may resolve from (after the script's own folder).
    pub lib_dirs: Vec<PathBuf>,
    /// Wall-clock deadline for running the script.
    pub timeout: Duration,
    pub limits: Limits,
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions {
            params: BTreeMap::new(),
            lib_dirs: Vec::new(),
            timeout: Duration::from_secs(10),
            limits: Limits::default(),
        }
    }
}

/// Runs the fleet script at `path` and returns the fleet it describes (not yet expanded or
/// validated: pass it to `zat_core::prepare`). Origins name the file as `path` spells it.
///
/// On failure, the diagnostics say what went wrong and where (codes ZAT0001-ZAT0099).
pub fn run_file(path: &Path, options: &ScriptOptions) -> Result<Fleet, Vec<Diagnostic>> {
    let name = path.display().to_string();
    if let Ok(meta) = std::fs::metadata(path) {
        // A FIFO or a device would block the read or never end it.
        if !meta.is_file() {
            return Err(vec![
                Diagnostic::error(
                    diagnose::CANNOT_READ,
                    format!("`{name}` is not a regular file (a folder, FIFO or device)"),
                )
                .help("give the path of the fleet script"),
            ]);
        }
        if meta.len() > options.limits.max_script_size as u64 {
            let limit = options.limits.max_script_size;
            return Err(vec![diagnose::too_large(&name, meta.len(), limit)]);
        }
    }
    let bytes = std::fs::read(path).map_err(|err| {
        vec![
            Diagnostic::error(diagnose::CANNOT_READ, format!("cannot read `{name}`: {err}"))
                .help("check the path of the fleet script"),
        ]
    })?;
    let source = script_text(bytes).map_err(|at| {
        vec![
            Diagnostic::error(diagnose::SYNTAX, at.message())
                .at(&Origin::new(name.as_str(), at.line, at.column))
                .help("save the script as UTF-8: zat reads fleet scripts as UTF-8 text"),
        ]
    })?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    run_source(&name, &source, &folder, options)
}

/// Runs a script given as text. `name` is used in origins and diagnostics; `folder` is the
/// script's own folder, the first root for `import`.
pub fn run_source(
    name: &str,
    source: &str,
    folder: &Path,
    options: &ScriptOptions,
) -> Result<Fleet, Vec<Diagnostic>> {
    // Windows editors may start a UTF-8 file with a byte order mark: not part of the script.
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if source.len() > options.limits.max_script_size {
        let size = source.len() as u64;
        return Err(vec![diagnose::too_large(name, size, options.limits.max_script_size)]);
    }
    engine::run(name, source, folder, options)
}

/// Where a script file stops being UTF-8: the first byte that is not, at a 1-based line and
/// column (counted in characters, as rhai counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotUtf8 {
    pub(crate) byte: u8,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl NotUtf8 {
    pub(crate) fn message(self) -> String {
        format!(
            "the script is not UTF-8 text: byte 0x{:02X} at line {}, column {} is not valid UTF-8",
            self.byte, self.line, self.column
        )
    }
}

/// The text of a script file, without the byte order mark some editors put first (so that
/// columns of line 1 count from the first character of the script), or where it is not
/// UTF-8.
pub(crate) fn script_text(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let bytes = err.as_bytes();
        // Valid by construction: `valid_up_to` is the length of the longest UTF-8 prefix.
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let line_start = prefix.rfind('\n').map_or(0, |i| i + 1);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        NotUtf8 {
            byte: bytes[valid],
            line: count(prefix.matches('\n').count() + 1),
            column: count(prefix[line_start..].chars().count() + 1),
        }
    })
}

#[cfg(test)]
mod tests;
