//! The script reference, rendered from the builder table in `spec.rs`: Markdown for
//! `docs/dsl.md`, plain text for `zat docs`, and a rhai definitions file for editors.
//!
//! Nothing here is written by hand per builder: a new builder or option appears in every
//! rendering as soon as it has its row.

use std::fmt::Write as _;

use crate::diagnose;
use crate::spec::{self, Absent, BUILDERS, Builder, Kind, Opt, PROPERTIES, TYPES};

/// The command that regenerates `docs/dsl.md`.
pub const MARKDOWN_COMMAND: &str =
    "cargo run -q -p zat-cli -- docs --format markdown > docs/dsl.md";

/// The command that regenerates `docs/zat.d.rhai`.
pub const DEFINITIONS_COMMAND: &str =
    "cargo run -q -p zat-cli -- docs --format rhai > docs/zat.d.rhai";

/// The name of every builder and function, in reference order.
pub fn builder_names() -> Vec<&'static str> {
    BUILDERS.iter().map(|builder| builder.name).collect()
}

fn default_text(default: &Absent) -> String {
    match default {
        Absent::Required => "required".to_owned(),
        Absent::Unset => "not set".to_owned(),
        Absent::Derived(text) => (*text).to_owned(),
        Absent::Text(text) => format!("`\"{text}\"`"),
        Absent::Int(number) => format!("`{number}`"),
        Absent::Bool(flag) => format!("`{flag}`"),
        Absent::Word(word) => format!("`\"{word}\"`"),
    }
}

fn allowed_text(kind: &Kind) -> String {
    if let Kind::Name { expected } = kind {
        return (*expected).to_owned();
    }
    kind.words()
        .map(|words| words.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

fn signature(builder: &Builder) -> String {
    let mut args: Vec<String> =
        builder.args.iter().map(|arg| format!("{}: {}", arg.name, arg.ty)).collect();
    if builder.takes_options {
        args.push("#{ options }".to_owned());
    }
    let receiver = builder.receiver.map(|ty| format!("{ty}.")).unwrap_or_default();
    let returns =
        if builder.returns == "()" { String::new() } else { format!(" -> {}", builder.returns) };
    format!("{receiver}{}({}){returns}", builder.name, args.join(", "))
}

/// Escapes a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// `docs/dsl.md`: every type, builder, option and diagnostic.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str("# The fleet script reference\n\n");
    let _ = writeln!(
        out,
        "<!-- Generated from the builder table of zat-script (crates/zat-script/src/spec.rs); do not edit.\n     Refresh with: {MARKDOWN_COMMAND} -->\n"
    );
    out.push_str("A fleet script calls `fleet(name)` once and builds everything from the handle it returns.\n");
    out.push_str("Builders take positional arguments and, last, an optional options map `#{ key: value, ... }`.\n");
    out.push_str("Keys are checked: a key a builder does not take, a value of the wrong type or a word not allowed is reported at the key or value, and the script goes on so that one run shows every such mistake.\n");
    out.push_str("Words are case-insensitive.\n");
    out.push_str("`zat docs BUILDER` prints one builder in the terminal; `docs/zat.d.rhai` gives editors completion.\n\n");

    out.push_str("## Contents\n\n");
    for builder in BUILDERS {
        let receiver =
            builder.receiver.map(|ty| format!("{}.", spec::variable(ty))).unwrap_or_default();
        let mut args: Vec<&str> = builder.args.iter().map(|arg| arg.name).collect();
        if !builder.options.is_empty() {
            args.push("#{ ... }");
        }
        let short = format!("{receiver}{}({})", builder.name, args.join(", "));
        let _ = writeln!(out, "- [`{short}`](#{}): {}", builder.name, first_sentence(builder.doc));
    }
    out.push('\n');

    out.push_str("## Types\n\n| Type | What it is | Properties |\n| --- | --- | --- |\n");
    for (ty, doc) in TYPES {
        let properties: Vec<String> = PROPERTIES
            .iter()
            .filter(|(owner, _, _)| owner == ty)
            .map(|(_, name, doc)| format!("`.{name}`: {doc}"))
            .collect();
        let _ = writeln!(out, "| `{ty}` | {} | {} |", cell(doc), cell(&properties.join("<br>")));
    }
    out.push('\n');

    out.push_str("## Builders\n");
    for builder in BUILDERS {
        builder_markdown(&mut out, builder);
    }

    out.push_str("\n## Diagnostics\n\n");
    out.push_str("Codes the builders raise; `zat explain CODE` tells more.\n\n| Code | Meaning |\n| --- | --- |\n");
    let mut codes: Vec<&str> = BUILDERS.iter().flat_map(spec::raises).collect();
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        let _ = writeln!(out, "| {code} | {} |", cell(diagnose::title(code)));
    }
    out
}

fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(end) => &text[..=end],
        None => text,
    }
}

fn builder_markdown(out: &mut String, builder: &Builder) {
    let _ = write!(out, "\n<a id=\"{}\"></a>\n### `{}`\n\n", builder.name, builder.name);
    let _ = writeln!(out, "```rhai\n{}\n```\n", signature(builder));
    let _ = writeln!(out, "{}\n", builder.doc);
    if !builder.args.is_empty() {
        out.push_str("| Argument | Type | What it is |\n| --- | --- | --- |\n");
        for arg in builder.args {
            let _ = writeln!(out, "| `{}` | `{}` | {} |", arg.name, cell(arg.ty), cell(arg.doc));
        }
        out.push('\n');
    }
    let rows = spec::flatten(builder.options);
    if rows.is_empty() {
        if builder.takes_options {
            out.push_str("It takes no options.\n\n");
        }
    } else {
        out.push_str("| Option | Type | Default | Allowed | What it does |\n| --- | --- | --- | --- | --- |\n");
        for (key, opt) in rows {
            let _ = writeln!(
                out,
                "| `{key}` | `{}` | {} | {} | {} |",
                cell(opt.kind.shape()),
                cell(&default_text(&opt.default)),
                allowed_text(&opt.kind),
                cell(opt.doc)
            );
        }
        out.push('\n');
    }
    let codes: Vec<String> = spec::raises(builder)
        .into_iter()
        .map(|code| format!("{code} ({})", diagnose::title(code)))
        .collect();
    if !codes.is_empty() {
        let _ = writeln!(out, "Diagnostics: {}.\n", codes.join("; "));
    }
    let _ = writeln!(out, "```rhai\n{}\n```", builder.example);
}

/// Plain text for the terminal: the overview, or one builder in full.
/// `None` when `name` is not a builder.
pub fn text(name: Option<&str>) -> Option<String> {
    let mut out = String::new();
    let Some(name) = name else {
        out.push_str("Builders of a fleet script (`zat docs BUILDER` shows one in full):\n\n");
        let width = BUILDERS.iter().map(|b| b.name.len()).max().unwrap_or(0);
        for builder in BUILDERS {
            let _ = writeln!(out, "  {:width$}  {}", builder.name, spec::usage(builder));
        }
        out.push_str("\nTypes: ");
        out.push_str(&TYPES.iter().map(|(ty, _)| *ty).collect::<Vec<_>>().join(", "));
        out.push_str("\nThe whole reference: docs/dsl.md\n");
        return Some(out);
    };
    let builder = spec::builder(name)?;
    let _ = writeln!(out, "{}\n", signature(builder));
    let _ = writeln!(out, "{}\n", builder.doc);
    if !builder.args.is_empty() {
        out.push_str("Arguments:\n");
        for arg in builder.args {
            let _ = writeln!(out, "  {}: {}\n      {}", arg.name, arg.ty, arg.doc);
        }
        out.push('\n');
    }
    let rows = spec::flatten(builder.options);
    if !rows.is_empty() {
        out.push_str("Options:\n");
        for (key, opt) in rows {
            option_text(&mut out, &key, opt);
        }
        out.push('\n');
    } else if builder.takes_options {
        out.push_str("It takes no options.\n\n");
    }
    let codes: Vec<String> = spec::raises(builder)
        .into_iter()
        .map(|code| format!("  {code}  {}", diagnose::title(code)))
        .collect();
    if !codes.is_empty() {
        let _ = writeln!(out, "Diagnostics:\n{}\n", codes.join("\n"));
    }
    let _ = writeln!(out, "Example:\n  {}", builder.example);
    Some(out)
}

fn option_text(out: &mut String, key: &str, opt: &Opt) {
    let default = default_text(&opt.default).replace('`', "");
    let _ = writeln!(out, "  {key}: {}  (default: {default})", opt.kind.shape());
    if let Some(words) = opt.kind.words() {
        let _ = writeln!(out, "      one of: {}", words.join(", "));
    }
    if let Kind::Name { expected } = opt.kind {
        let _ = writeln!(out, "      allowed: {expected}");
    }
    let _ = writeln!(out, "      {}", opt.doc.replace('`', ""));
}

/// Type names as rhai definition files write them.
fn definition_type(ty: &str) -> String {
    match ty {
        "string" => "String".to_owned(),
        "()" => "()".to_owned(),
        other if other.contains('|') => "?".to_owned(),
        other => other.to_owned(),
    }
}

/// `docs/zat.d.rhai`: a rhai definitions file (`module static;`) that editors with a rhai
/// language server read for completion and hover help.
pub fn definitions() -> String {
    let mut out = String::new();
    out.push_str("module static;\n\n");
    let _ = writeln!(
        out,
        "// Generated from the builder table of zat-script; do not edit.\n// Refresh with: {DEFINITIONS_COMMAND}\n"
    );
    for builder in BUILDERS {
        let mut lines: Vec<String> = builder.doc.split(". ").map(str::to_owned).collect();
        let last = lines.len().saturating_sub(1);
        for (index, line) in lines.iter_mut().enumerate() {
            if index != last {
                line.push('.');
            }
        }
        let rows = spec::flatten(builder.options);
        if !rows.is_empty() {
            lines.push(String::new());
            lines.push("Options:".to_owned());
            for (key, opt) in rows {
                let mut line = format!(
                    "- `{key}` ({}; default {}): {}",
                    opt.kind.shape(),
                    default_text(&opt.default),
                    opt.doc
                );
                if let Some(words) = opt.kind.words() {
                    let _ = write!(line, " One of: {}.", words.join(", "));
                }
                lines.push(line);
            }
        }
        lines.push(String::new());
        lines.push("```rhai".to_owned());
        lines.push(builder.example.to_owned());
        lines.push("```".to_owned());
        let mut params: Vec<String> = Vec::new();
        if let Some(receiver) = builder.receiver {
            params.push(format!("this: {receiver}"));
        }
        params
            .extend(builder.args.iter().map(|a| format!("{}: {}", a.name, definition_type(a.ty))));
        let returns = definition_type(builder.returns);
        write_fn(&mut out, &lines, builder.name, &params, &returns);
        if builder.takes_options {
            params.push("options: Map".to_owned());
            write_fn(&mut out, &lines, builder.name, &params, &returns);
        }
    }
    for (ty, name, doc) in PROPERTIES {
        let _ = writeln!(out, "/// {doc}\nfn get {name}(this: {ty}) -> String;\n");
    }
    out
}

fn write_fn(out: &mut String, doc: &[String], name: &str, params: &[String], returns: &str) {
    for line in doc {
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {line}");
        }
    }
    let _ = writeln!(out, "fn {name}({}) -> {returns};\n", params.join(", "));
}
