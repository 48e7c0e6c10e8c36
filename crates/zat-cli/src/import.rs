//! `zat import FILE… [-o fleet.rhai]`: turn existing AT-TLS policy into a fleet script that
//! rebuilds it with the builder API, noting in comments whatever it cannot carry over.
//!
//! A policy file names no LPAR, stack or security database, so the script is a skeleton
//! around the rules: those names come from options. Key rings the rules use are declared, and
//! the certificates the rules present from them are declared with
//! `db.existing_certificate(...)`: they exist on z/OS already, so the jobs only connect them
//! and never create or delete them, and `zat check` can follow every reference.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use zat_model::Diagnostic;
use zat_policy::Difference;
use zat_policy_tools::import::{Imported, Level, Rule, codes, import_stack};
use zat_policy_tools::lint::PolicyFile;

use crate::{Exit, common, lint, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// AT-TLS policy files (a CommonTTLSConfig file and a stack's policy file may be given
    /// together; main and image files are skipped), or one `pasearch -t` report.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Write the script here instead of stdout. An existing file is replaced only with
    /// --force; a symbolic link or one of the input files never is.
    #[arg(short, long, value_name = "FLEET.rhai")]
    pub(crate) output: Option<PathBuf>,
    /// Replace the file named by -o when it exists.
    #[arg(long, requires = "output")]
    pub(crate) force: bool,
    /// Name of the fleet in the script.
    #[arg(long, value_name = "NAME", default_value = "IMPORTED")]
    pub(crate) fleet: String,
    /// LPAR the rules go to.
    #[arg(long, value_name = "NAME", default_value = "SYSA")]
    pub(crate) lpar: String,
    /// TCP/IP stack the rules go to; of a `pasearch -t` report of several stacks, also the
    /// one read.
    #[arg(long, value_name = "NAME", default_value = "TCPIP")]
    pub(crate) stack: String,
    /// Security database that holds the key rings.
    #[arg(long, value_name = "NAME", default_value = "PLEX1")]
    pub(crate) database: String,
    #[command(flatten)]
    pub(crate) engine: lint::EngineArgs,
}

pub(crate) fn run(args: &Args) -> Exit {
    if let Some(output) = &args.output
        && let Err(message) = output_allowed(output, &args.files, args.force)
    {
        report::usage_error(&message);
        return Exit::Failure;
    }
    let texts = match lint::read_files(&args.files) {
        Ok(texts) => texts,
        Err(exit) => return exit,
    };
    let files: Vec<PolicyFile<'_>> =
        texts.iter().map(|(path, text)| PolicyFile { path, text }).collect();
    let options = args.engine.options();
    let mut imported = import_stack(&files, &options, Some(&args.stack));
    // A script without rules would build a policy that protects no connection, so rules that
    // were all left out are no more an import than no rules at all. This is decided before
    // anything is written: no script, and no file at -o.
    if imported.rules.is_empty() {
        report::diagnostics(&imported.diagnostics);
        let message = if imported.left_out.is_empty() {
            "no TTLSRule found in the files given; nothing to import".to_owned()
        } else {
            format!(
                "no rule imported: every TTLSRule found ({}) was left out, so the script would protect no connection; write them by hand, or import a policy with rules zat can state",
                imported.left_out.len()
            )
        };
        report::usage_error(&message);
        return Exit::InputErrors;
    }
    let first = script(&imported, args, &BTreeMap::new());
    let name = args
        .output
        .as_ref()
        .map_or_else(|| "imported.rhai".to_owned(), |p| p.display().to_string());
    let differences = match round_trip(&name, &first, args, &imported, &options) {
        Ok(trip) => {
            tracing::info!(
                "import: {} rules ({} left out); rebuilt policy: {} settings equal, {} differ",
                imported.rules.len(),
                imported.left_out.len(),
                trip.equal,
                trip.notes.values().map(Vec::len).sum::<usize>()
            );
            for (rule, notes) in &trip.notes {
                for note in notes {
                    if covered(&imported, rule, note) {
                        continue;
                    }
                    imported.diagnostics.push(
                        Diagnostic::warning(
                            codes::NOT_CARRIED,
                            format!("rule {rule}: the rebuilt policy differs: {note}"),
                        )
                        .object(format!("TTLSRule {rule}")),
                    );
                }
            }
            trip.notes
        }
        Err(problems) => {
            for problem in problems {
                imported.diagnostics.push(
                    Diagnostic::warning(
                        codes::NOT_CHECKED,
                        format!("the imported script does not pass `zat check`: {}", problem.message),
                    )
                    .object(problem.object.clone())
                    .help("the input has something the fleet model refuses; fix the script by hand at that rule"),
                );
            }
            BTreeMap::new()
        }
    };
    report::diagnostics(&imported.diagnostics);
    let script = script(&imported, args, &differences);
    match &args.output {
        None => common::write_stdout(&script),
        Some(path) => match write_output(path, script.as_bytes(), args.force) {
            Ok(()) => {
                tracing::info!(
                    "wrote {} with {} rules ({} left out)",
                    path.display(),
                    imported.rules.len(),
                    imported.left_out.len()
                );
                Exit::Ok
            }
            Err(err) => {
                report::usage_error(&format!("cannot write {}: {err}", path.display()));
                Exit::Failure
            }
        },
    }
}

/// Why the script may not be written to `output`, if it may not: it is a link, not a regular
/// file, one of the inputs, or it exists and `force` is off.
fn output_allowed(output: &Path, inputs: &[PathBuf], force: bool) -> Result<(), String> {
    let shown = output.display();
    if crate::common::output_file(output, "zat import")?.is_none() {
        return Ok(());
    }
    if let Some(input) = inputs.iter().find(|input| same_file(input, output)) {
        return Err(format!(
            "{shown} is the input file {}; writing the script there would destroy the policy, choose another -o",
            input.display()
        ));
    }
    if !force {
        return Err(format!("{shown} exists; give --force to replace it, or choose another -o"));
    }
    Ok(())
}

/// True when both paths name one file (hard links and links among the inputs included).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
    }
}

/// Writes `bytes` to `path`. Without `force` the file must not exist (`O_EXCL`, which also
/// refuses a link that appeared meanwhile). With it, the script goes to a new sibling that
/// is renamed over `path`, which replaces a link itself rather than what it points at.
fn write_output(path: &Path, bytes: &[u8], force: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let target = if force {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        path.with_file_name(format!(".{name}.zat-import-{}", std::process::id()))
    } else {
        path.to_owned()
    };
    // Fails, creating nothing, when `target` exists; so anything there after a failure below
    // is this call's own partial file.
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&target)?;
    let mut result = file.write_all(bytes).and_then(|()| file.sync_all());
    if force && result.is_ok() {
        result = std::fs::rename(&target, path);
    }
    if result.is_err() {
        let _ = std::fs::remove_file(&target);
    }
    result
}

/// What the rebuilt policy does differently from the input, rule by rule.
struct Trip {
    /// Settings and conditions equal in both, over the rules imported.
    equal: usize,
    notes: BTreeMap<String, Vec<String>>,
}

/// Runs the script as `zat build` would, renders the stack's policy and compares what Policy
/// Agent would install from it with what it installs from the input. `Err` carries the
/// errors that keep the script from passing `zat check`.
fn round_trip(
    name: &str,
    script: &str,
    args: &Args,
    imported: &Imported,
    options: &zat_policy::Options,
) -> Result<Trip, Vec<Diagnostic>> {
    let fleet = zat_script::run_source(
        name,
        script,
        std::path::Path::new("."),
        &zat_script::ScriptOptions::default(),
    )?;
    let prepared = zat_core::prepare(fleet);
    if prepared.has_errors() {
        return Err(prepared.diagnostics.into_iter().filter(Diagnostic::is_error).collect());
    }
    let choice = zat_driver::Choice { lpar: Some(&args.lpar), stack: Some(&args.stack) };
    let rebuilt = zat_driver::pick(&prepared.fleet, options, choice)
        .map_err(|e| vec![Diagnostic::error(codes::NOT_CHECKED, e)])?;
    let mut trip = Trip { equal: 0, notes: BTreeMap::new() };
    for rule in &imported.rules {
        // The input's rule under the name the script gave it.
        let Some(original) =
            imported.policy.rules.iter().find(|r| import_name(&r.name) == rule.name)
        else {
            continue;
        };
        let Some(new) = rebuilt.policy.rule(&rule.name) else {
            trip.notes
                .entry(rule.name.clone())
                .or_default()
                .push("the rule is not in the rebuilt policy".to_owned());
            continue;
        };
        let mut original = original.clone();
        original.name.clone_from(&rule.name);
        let mut differences = Vec::new();
        zat_policy::compare::compare_rule(&original, new, &mut differences);
        let keys: std::collections::BTreeSet<&String> =
            original.settings.keys().chain(new.settings.keys()).collect();
        // Eight conditions (the time condition among them) and the priority, then every
        // setting.
        trip.equal += (9 + keys.len()).saturating_sub(differences.len());
        for difference in differences {
            let note = match difference {
                Difference::Setting { setting, expected, actual, .. } => format!(
                    "{setting}: {} in the input, {} rebuilt",
                    expected.unwrap_or_else(|| "(not set)".to_owned()),
                    actual.unwrap_or_else(|| "(not set)".to_owned())
                ),
                Difference::Condition { condition, expected, actual, .. } => {
                    format!("{condition}: {expected} in the input, {actual} rebuilt")
                }
                other => other.to_string(),
            };
            trip.notes.entry(rule.name.clone()).or_default().push(note);
        }
    }
    Ok(trip)
}

/// Whether a difference of the rebuilt policy is already said by a warning of import about
/// the same rule and setting (not carried over, a priority given, a ring owner assumed).
fn covered(imported: &Imported, rule: &str, note: &str) -> bool {
    let setting = note.split(':').next().unwrap_or_default();
    let words = match setting {
        "Keyring" => "key ring",
        other => other,
    };
    let object = format!("TTLSRule {rule}");
    imported.rules.iter().any(|r| {
        r.name == rule && r.not_carried.iter().any(|n| n.starts_with(&format!("{setting} ")))
    }) || imported.diagnostics.iter().any(|d| d.object == object && d.message.contains(words))
}

/// The name import gives a rule (the fleet model's character set and length).
fn import_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_-.@#$".contains(c) { c } else { '_' })
        .collect();
    cleaned.chars().take(32).collect()
}

/// A rhai string literal. Control characters and bidirectional formatting characters are
/// written as `\uXXXX` escapes, which rhai reads back (it has no `\u{…}` form).
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() || is_bidi_control(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters that reorder how text is displayed (Unicode bidirectional controls).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text inside a `//` comment: one line, without characters that could hide code.
fn comment(text: &str) -> String {
    text.chars().map(|c| if c.is_control() || is_bidi_control(c) { ' ' } else { c }).collect()
}

fn port(range: (u32, u32)) -> String {
    if range.0 == range.1 {
        range.0.to_string()
    } else {
        quote(&format!("{}-{}", range.0, range.1))
    }
}

fn level_script(out: &mut String, var: &str, level: &Level) {
    const VERSIONS: [&str; 6] = ["sslv2", "sslv3", "1.0", "1.1", "1.2", "1.3"];
    let on: Vec<String> =
        VERSIONS.iter().zip(level.protocols).filter(|(_, on)| *on).map(|(v, _)| quote(v)).collect();
    let list = |items: &[String]| items.iter().map(|i| quote(i)).collect::<Vec<_>>().join(", ");
    let _ = writeln!(out, "let {var} = site.security_level({}, #{{", quote(&level.name));
    let _ = writeln!(out, "    tls: [{}],", on.join(", "));
    match &level.ciphers {
        Some(ciphers) => {
            let _ = writeln!(out, "    ciphers: [{}],", list(ciphers));
        }
        // The policy gives no list: AT-TLS passes none and System SSL uses its own.
        None => out.push_str("    system_ssl_ciphers: true,\n"),
    }
    for (key, codes) in [
        ("signature_pairs", &level.signature_pairs),
        ("curves", &level.curves),
        ("key_share_groups", &level.key_share_groups),
        ("server_key_share_groups", &level.server_key_share_groups),
    ] {
        if !codes.is_empty() {
            let _ = writeln!(out, "    {key}: [{}],", list(codes));
        }
    }
    if let Some(timeout) = level.handshake_timeout {
        let _ = writeln!(out, "    handshake_timeout: {timeout},");
    }
    if level.fips {
        out.push_str("    fips: true,\n");
    }
    if let Some(client_auth) = &level.client_auth_type {
        let _ = writeln!(out, "    client_auth: {},", quote(&client_auth.to_ascii_lowercase()));
    }
    if let Some(on) = level.application_controlled {
        let _ = writeln!(out, "    application_controlled: {on},");
    }
    if let Some(renegotiation) = &level.renegotiation {
        let _ = writeln!(out, "    renegotiation: {},", quote(&renegotiation.to_ascii_lowercase()));
    }
    if let Some(instance) = level.environment_user_instance {
        let _ = writeln!(out, "    environment_user_instance: {instance},");
    }
    out.push_str("});\n");
}

fn rule_script(out: &mut String, rule: &Rule, differences: &[String]) {
    let _ = writeln!(out, "// from {}:{}", comment(&rule.origin.file), rule.origin.line);
    for note in &rule.not_carried {
        let _ = writeln!(out, "// zat import: not carried over: {}", comment(note));
    }
    for note in differences {
        let _ = writeln!(out, "// zat import: the rebuilt policy differs: {}", comment(note));
    }
    let _ = writeln!(out, "stack.rule({}, #{{", quote(&rule.name));
    let _ = writeln!(out, "    direction: {},", quote(rule.direction));
    let strings = [
        ("local_addr", &rule.local_addr),
        ("remote_addr", &rule.remote_addr),
        ("jobname", &rule.jobname),
        ("userid", &rule.userid),
    ];
    for (key, value) in strings {
        if let Some(value) = value {
            let _ = writeln!(out, "    {key}: {},", quote(value));
        }
    }
    if let Some(range) = rule.local_port {
        let _ = writeln!(out, "    local_port: {},", port(range));
    }
    if let Some(range) = rule.remote_port {
        let _ = writeln!(out, "    remote_port: {},", port(range));
    }
    if let Some(priority) = rule.priority {
        let _ = writeln!(out, "    priority: {priority},");
    }
    if !rule.enabled {
        out.push_str("    enabled: false,\n");
    }
    if let Some(role) = rule.role {
        let _ = writeln!(out, "    role: {},", quote(role));
    }
    if let Some(ring) = rule.ring {
        let _ = writeln!(out, "    keyring: ring_{},", ring + 1);
    }
    if let Some(label) = &rule.label {
        let _ = writeln!(out, "    label: {},", quote(label));
    }
    if let Some(label) = &rule.server_label {
        let _ = writeln!(out, "    server_label: {},", quote(label));
    }
    if let Some(level) = rule.level {
        let _ = writeln!(out, "    level: level_{},", level + 1);
    }
    if let Some(trace) = rule.trace.filter(|t| *t != 2) {
        let _ = writeln!(out, "    trace: {trace},");
    }
    out.push_str("});\n");
}

/// The fleet script for what was imported, with the differences the rebuilt policy has,
/// rule by rule.
pub(crate) fn script(
    imported: &Imported,
    args: &Args,
    differences: &BTreeMap<String, Vec<String>>,
) -> String {
    let mut out = String::new();
    out.push_str("// Generated by `zat import` from:\n");
    for source in &imported.sources {
        let _ = writeln!(out, "//   {}", comment(source));
    }
    out.push_str(
        "// A policy file names no LPAR, stack or security database: they come from --lpar,\n\
         // --stack and --database. Review every `zat import:` comment, then run `zat check`.\n\n",
    );
    let _ = writeln!(out, "let site = fleet({});", quote(&args.fleet));
    let _ = writeln!(
        out,
        "let db = site.security_database({}, #{{ esm: \"racf\" }});\n",
        quote(&args.database)
    );
    if !imported.levels.is_empty() {
        out.push_str("// Security levels: one per distinct set of TLS settings in the policy.\n");
        for (at, level) in imported.levels.iter().enumerate() {
            level_script(&mut out, &format!("level_{}", at + 1), level);
        }
        out.push('\n');
    }
    if !imported.rings.is_empty() {
        out.push_str(
            "// Key rings the rules use. They exist on z/OS already; zat needs to know what they hold.\n\
             // zat import: connect each ring's certificates (its CA certificates, and the personal\n\
             // certificates it presents) with ring.connect(...) and ring.connect_default(...).\n",
        );
    }
    let mut certificates: Vec<String> = Vec::new();
    for (at, ring) in imported.rings.iter().enumerate() {
        let var = format!("ring_{}", at + 1);
        let _ =
            writeln!(out, "let {var} = db.keyring({}, {});", quote(&ring.owner), quote(&ring.name));
        for label in &ring.labels {
            let cert = match certificates.iter().position(|l| l == label) {
                Some(found) => format!("cert_{}", found + 1),
                None => {
                    certificates.push(label.clone());
                    let cert = format!("cert_{}", certificates.len());
                    let _ = writeln!(
                        out,
                        "// zat import: certificate {} that rules present from this ring is expected to exist\n\
                         // on z/OS; zat will only connect it (never create or delete it). Its owner is taken\n\
                         // to be the ring's owner: change it to \"CERTAUTH\", \"SITE\" or the right user ID.\n\
                         let {cert} = db.existing_certificate({}, {});",
                        comment(label),
                        quote(&ring.owner),
                        quote(label),
                    );
                    cert
                }
            };
            let _ = writeln!(out, "{var}.connect({cert});");
        }
        if ring.needs_default {
            let label = format!("DEFAULT-{}", ring.name);
            let label: String = label.chars().take(32).collect();
            let label = zat_label(&label);
            certificates.push(label.clone());
            let cert = format!("cert_{}", certificates.len());
            let _ = writeln!(
                out,
                "// zat import: the DEFAULT certificate of ring {}, which server rules present, is expected\n\
                 // to exist on z/OS; zat will only connect it (never create or delete it). The policy does\n\
                 // not name it: replace the label (and the owner, if not the ring's) with the real ones.\n\
                 let {cert} = db.existing_certificate({}, {});\n\
                 {var}.connect_default({cert});",
                comment(&ring.name),
                quote(&ring.owner),
                quote(&label),
            );
        }
    }
    if !imported.rings.is_empty() {
        out.push('\n');
    }
    let _ =
        writeln!(out, "let lpar = site.lpar({}, #{{ security_database: db }});", quote(&args.lpar));
    let _ = writeln!(out, "let stack = lpar.stack({});", quote(&args.stack));
    for rule in &imported.rules {
        out.push('\n');
        let notes = differences.get(&rule.name).map_or(&[][..], Vec::as_slice);
        rule_script(&mut out, rule, notes);
    }
    for left in &imported.left_out {
        let _ = writeln!(
            out,
            "\n// zat import: left out rule {} ({}:{}): {}",
            comment(&left.name),
            comment(&left.origin.file),
            left.origin.line,
            comment(&left.reason)
        );
    }
    out
}

/// A label of characters the fleet model accepts.
fn zat_label(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_-.@#$".contains(c) { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_for_rhai() {
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("x\u{1}"), "\"x\\u0001\"");
        assert_eq!(quote("a\u{202E}b"), "\"a\\u202Eb\"");
        assert_eq!(comment("a\rb\u{2066}c"), "a b c");
    }

    #[test]
    fn ports_are_numbers_or_ranges() {
        assert_eq!(port((443, 443)), "443");
        assert_eq!(port((7552, 7558)), "\"7552-7558\"");
    }

    #[test]
    fn labels_become_acceptable_names() {
        assert_eq!(zat_label("DEFAULT-ring/x"), "DEFAULT-ring_x");
    }
}
