//! `zat lint`: what Policy Agent would reject in a set of policy files, and what it would
//! silently ignore or get wrong. Pure: text in, [`Diagnostic`]s out, codes ZAT0600-ZAT0699.
//!
//! Errors are what makes Policy Agent refuse the whole AT-TLS policy of a stack (EZZ8438I),
//! or a rule that can never work. Warnings are what it accepts without a word but reads
//! differently from what the author meant: a misspelt keyword (the default is used), a word
//! after a value (dropped), a duplicate name (the last one wins), equal priorities (ordered
//! by name), protocol switches left to release-dependent defaults.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use zat_model::{Diagnostic, Origin};

pub use zat_policy::PolicyFile;
use zat_policy::effective::{self, EffectivePolicy, FindingKind, Options};
use zat_policy::index::{self, Defined, Index, Parsed, detect_kind, on_off, port_range};
use zat_policy::keywords::{self, FileKind, Form};
use zat_policy::{DiagnosticKind, Entry, ParseDiagnostic, Severity, Span, Statement, matcher};

/// The stable codes of `zat lint`, one per rule.
pub mod codes {
    /// A `}` with no open block.
    pub const UNMATCHED_CLOSE: &str = "ZAT0600";
    /// A block not closed.
    pub const UNCLOSED_BLOCK: &str = "ZAT0601";
    /// A `{` that follows no statement header.
    pub const STRAY_OPEN: &str = "ZAT0602";
    /// A statement without braces, or braces after a one-line statement or an attribute.
    pub const BRACES: &str = "ZAT0603";
    /// A global statement without a name.
    pub const MISSING_NAME: &str = "ZAT0604";
    /// An attribute or statement without the value it needs.
    pub const MISSING_VALUE: &str = "ZAT0605";
    /// Words after a single value, ignored by Policy Agent.
    pub const EXTRA_WORDS: &str = "ZAT0606";
    /// A statement type Policy Agent does not know.
    pub const UNKNOWN_STATEMENT: &str = "ZAT0607";
    /// An attribute no statement accepts (a misspelling).
    pub const UNKNOWN_ATTRIBUTE: &str = "ZAT0608";
    /// An attribute that belongs in another statement.
    pub const WRONG_STATEMENT: &str = "ZAT0609";
    /// An attribute outside any block.
    pub const OUTSIDE_BLOCK: &str = "ZAT0610";
    /// A character outside code page IBM-1047, or a control character.
    pub const BAD_CHARACTER: &str = "ZAT0611";
    /// An attribute written with no value.
    pub const EMPTY_VALUE: &str = "ZAT0612";
    /// A statement in a kind of file where Policy Agent ignores it.
    pub const WRONG_FILE: &str = "ZAT0613";
    /// A file with no statement Policy Agent recognises.
    pub const NOTHING_RECOGNISED: &str = "ZAT0614";
    /// A name defined twice; the last definition wins.
    pub const DUPLICATE_NAME: &str = "ZAT0620";
    /// A reference to a name nothing defines.
    pub const DANGLING_REFERENCE: &str = "ZAT0621";
    /// A rule without `Direction`.
    pub const NO_DIRECTION: &str = "ZAT0623";
    /// A rule without any condition.
    pub const NO_CONDITION: &str = "ZAT0624";
    /// A rule without `TTLSGroupActionRef`.
    pub const NO_GROUP: &str = "ZAT0625";
    /// A rule whose group has `TTLSEnabled On` but that has no environment action.
    pub const NO_ENVIRONMENT: &str = "ZAT0626";
    /// Two rules that can match the same connection with the same priority.
    pub const PRIORITY_TIE: &str = "ZAT0627";
    /// A name longer than 32 characters.
    pub const NAME_TOO_LONG: &str = "ZAT0628";
    /// A `PortRange` with more than one `Port`.
    pub const PORT_RANGE_PORTS: &str = "ZAT0629";
    /// An IP address range written with `:`.
    pub const ADDRESS_RANGE_COLON: &str = "ZAT0630";
    /// TLS 1.3 cipher suites while TLSv1.3 is off or not set.
    pub const TLS13_SUITES_UNUSED: &str = "ZAT0631";
    /// Protocol switches left to their defaults.
    pub const PROTOCOL_DEFAULTS: &str = "ZAT0632";
    /// A single-valued attribute written twice; the last one wins.
    pub const REPEATED_ATTRIBUTE: &str = "ZAT0633";
    /// A required attribute missing from an action or parameter statement.
    pub const REQUIRED_MISSING: &str = "ZAT0634";
    /// A value Policy Agent does not accept for its keyword.
    pub const BAD_VALUE: &str = "ZAT0637";
    /// Something Policy Agent resolves to nothing: what the rule does is indeterminate.
    pub const INDETERMINATE: &str = "ZAT0622";
    /// An inline statement and a reference of the same kind in one statement; one wins.
    pub const REPLACED: &str = "ZAT0635";
    /// A rule a higher-ranked rule always takes the connections of: it never matches.
    pub const SHADOWED_RULE: &str = "ZAT0636";
    /// A value Policy Agent installs as something else than it looks.
    pub const READ_DIFFERENTLY: &str = "ZAT0638";
    /// A value Policy Agent ignores (cipher names on a 4-character line, duplicates,
    /// parameters the release does not have).
    pub const IGNORED_VALUE: &str = "ZAT0639";
    /// A rule whose handshake cannot work as written (TLSv1.3 On, no TLS 1.3 suite).
    pub const UNUSABLE: &str = "ZAT0641";

    /// Every code, sorted.
    pub const ALL: &[&str] = &[
        UNMATCHED_CLOSE,
        UNCLOSED_BLOCK,
        STRAY_OPEN,
        BRACES,
        MISSING_NAME,
        MISSING_VALUE,
        EXTRA_WORDS,
        UNKNOWN_STATEMENT,
        UNKNOWN_ATTRIBUTE,
        WRONG_STATEMENT,
        OUTSIDE_BLOCK,
        BAD_CHARACTER,
        EMPTY_VALUE,
        WRONG_FILE,
        NOTHING_RECOGNISED,
        DUPLICATE_NAME,
        DANGLING_REFERENCE,
        INDETERMINATE,
        NO_DIRECTION,
        NO_CONDITION,
        NO_GROUP,
        NO_ENVIRONMENT,
        PRIORITY_TIE,
        NAME_TOO_LONG,
        PORT_RANGE_PORTS,
        ADDRESS_RANGE_COLON,
        TLS13_SUITES_UNUSED,
        PROTOCOL_DEFAULTS,
        REPEATED_ATTRIBUTE,
        REQUIRED_MISSING,
        REPLACED,
        SHADOWED_RULE,
        BAD_VALUE,
        READ_DIFFERENTLY,
        IGNORED_VALUE,
        UNUSABLE,
    ];
}

use codes::*;

/// Policy Agent limits rule, action and parameter names to 32 characters.
const MAX_NAME: usize = 32;

/// Misspellings seen in real files or documentation, and what they mean.
const KNOWN_MISSPELLINGS: &[(&str, &str)] = &[
    ("MiddleboxCompatibilityMode", "MiddleBoxCompatMode"),
    ("MiddleBoxCompatibilityMode", "MiddleBoxCompatMode"),
    ("IpGroup", "IpAddrGroup"),
    ("IpGroupRef", "IpAddrGroupRef"),
    ("JobName", "Jobname"),
    ("KeyRing", "Keyring"),
    ("TLSv1.0", "TLSv1"),
];

/// Attributes Policy Agent concatenates (or that a statement may hold several of): writing
/// them twice is not a mistake.
const REPEATABLE: &[&str] = &[
    "V2CipherSuites",
    "V3CipherSuites",
    "V3CipherSuites4Char",
    "ClientECurves",
    "ClientKeyShareGroups",
    "ServerKexECurves",
    "ServerKeyShareGroups",
    "SignaturePairs",
    "SignaturePairsCert",
    "ServerCertificateLabel",
    "ClientHandshakeSNIList",
    "ServerHandshakeSNIList",
    "IpAddr",
    "IpAddrRef",
    "IpAddrSet",
    "IpAddrSetRef",
    "PortRange",
    "PortRangeRef",
];

/// The rule attributes that are conditions (an unset condition matches anything).
const CONDITIONS: &[&str] = &[
    "LocalAddr",
    "LocalAddrRef",
    "LocalAddrSetRef",
    "LocalAddrGroupRef",
    "RemoteAddr",
    "RemoteAddrRef",
    "RemoteAddrSetRef",
    "RemoteAddrGroupRef",
    "LocalPortRange",
    "LocalPortRangeRef",
    "LocalPortGroupRef",
    "RemotePortRange",
    "RemotePortRangeRef",
    "RemotePortGroupRef",
    "Jobname",
    "Userid",
    "IpTimeCondition",
    "IpTimeConditionRef",
];

const PROTOCOLS: &[&str] = &["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/// How files given together are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct LintOptions {
    /// Each AT-TLS policy file no main or image file given links is a stack's own policy and
    /// has its own name space: for linting several stacks' files in one run. By default such
    /// files are one image's policy and share one name space, as a `CommonTTLSConfig` file
    /// and the stack's `TTLSConfig` file do, and as `zat why --policy` reads them. Either way,
    /// each stack a main or image file given links (its `TTLSConfig` file after the main
    /// file's `CommonTTLSConfig` file) is its own name space.
    pub separate: bool,
    /// Release, collation and the rank of unprioritised rules for the effective policy.
    pub effective: Options,
}

/// Lints a set of files with the default [`LintOptions`].
pub fn lint(files: &[PolicyFile<'_>]) -> Vec<Diagnostic> {
    lint_with(files, &LintOptions::default())
}

/// Lints a set of files: the AT-TLS policy files share one name space, as one image's
/// policy does on z/OS ("the CommonTTLSConfig file is processed before the TTLSConfig policy
/// file"), unless [`LintOptions::separate`] makes each its own. Returns every finding, file by
/// file in line order.
pub fn lint_with(files: &[PolicyFile<'_>], options: &LintOptions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut parsed = Vec::new();
    for file in files {
        if zat_policy::pasearch::is_report(file.text) {
            out.push(
                Diagnostic::warning(
                    NOTHING_RECOGNISED,
                    "this is a `pasearch -t` report, not policy text: lint skips it",
                )
                .at(&origin(file.path, Some(Span::new(1, 1))))
                .help("compare it with a fleet with `zat verify`, or turn it into a fleet script with `zat import`"),
            );
            continue;
        }
        let (statements, diagnostics) = zat_policy::parse(file.text);
        let kind = detect_kind(&statements);
        // Split once: finding the line of each of thousands of findings by scanning the text
        // from its start would cost the square of the file's size.
        let lines: Vec<&str> = file.text.split('\n').collect();
        for diagnostic in &diagnostics {
            if let Some(finding) = from_parser(file, &lines, diagnostic) {
                out.push(finding);
            }
        }
        parsed.push(Parsed { path: file.path, statements, kind });
    }
    let common_known_absent = parsed.iter().any(|p| {
        p.kind == Some(FileKind::Main)
            && !p.statements.iter().any(|s| s.is("CommonTTLSConfig") && s.body.is_none())
    });
    for group in name_spaces(&parsed, options.separate) {
        let members: Vec<Parsed<'_>> = group
            .iter()
            .filter_map(|&at| parsed.get(at))
            .map(|p| Parsed { path: p.path, statements: p.statements.clone(), kind: p.kind })
            .collect();
        let index = Index::new(&members);
        let mut linter = Linter {
            index: &index,
            files: &members,
            out: Vec::new(),
            covered: BTreeSet::new(),
            common_known_absent,
            options: &options.effective,
        };
        for (at, file) in members.iter().enumerate() {
            linter.file(at, file);
        }
        linter.duplicates();
        linter.priority_ties();
        let mut seen = BTreeSet::new();
        for file in &members {
            for rule in file.statements.iter().filter(|s| s.is("TTLSRule") && s.body.is_some()) {
                linter.protocols(rule, &mut seen);
            }
        }
        let texts: Vec<PolicyFile<'_>> = group
            .iter()
            .filter_map(|&at| parsed.get(at))
            .filter(|p| p.kind == Some(FileKind::Policy))
            // `parsed` leaves out `pasearch -t` reports, so its indices are not those of `files`.
            .filter_map(|p| files.iter().find(|f| f.path == p.path))
            .copied()
            .collect();
        if !texts.is_empty() {
            let policy = effective::effective(&texts, &options.effective);
            let parser: BTreeSet<(Arc<str>, u32)> = out
                .iter()
                .filter_map(|d: &Diagnostic| d.origin.as_ref().map(|o| (o.file.clone(), o.line)))
                .collect();
            linter.effective(&policy, &texts, parser);
        }
        out.extend(linter.out);
    }
    // Rules that share an action would report it once each.
    let mut seen = BTreeSet::new();
    out.retain(|d| seen.insert((d.code.clone(), d.message.clone(), d.origin.clone())));
    sort(&mut out, files);
    out
}

/// Groups of files that share one name space.
///
/// Each stack is one: the policy file an image file's `TTLSConfig` names (or a main file's,
/// when it is also the image file), after the `CommonTTLSConfig` file the main file names,
/// which Policy Agent prepends to every stack's file and nothing else; two stacks' files never
/// share names. The policy files no main or image file given links are read as before: all
/// together (after any common file), or with `separate` each alone (after any common file).
/// Main and image files are each alone.
fn name_spaces(parsed: &[Parsed<'_>], separate: bool) -> Vec<Vec<usize>> {
    let policies: Vec<usize> =
        (0..parsed.len()).filter(|&at| parsed[at].kind == Some(FileKind::Policy)).collect();
    let mut groups: Vec<Vec<usize>> =
        (0..parsed.len()).filter(|at| !policies.contains(at)).map(|at| vec![at]).collect();
    let mains: Vec<usize> =
        (0..parsed.len()).filter(|&at| parsed[at].kind == Some(FileKind::Main)).collect();
    let images: Vec<usize> =
        (0..parsed.len()).filter(|&at| parsed[at].kind == Some(FileKind::Image)).collect();
    // The common files of each main file given: the last `CommonTTLSConfig` counts.
    let common_of = |main: usize| -> Vec<usize> {
        last_path(&parsed[main], "CommonTTLSConfig")
            .flatten()
            .map(|named| resolve(parsed, &policies, main, named))
            .unwrap_or_default()
    };
    let all_commons: Vec<usize> = dedup(mains.iter().flat_map(|&main| common_of(main)));
    // Each stack's files: its common files first, then its own.
    let mut stacks: Vec<Vec<usize>> = Vec::new();
    for (at, file) in parsed.iter().enumerate() {
        let commons = match file.kind {
            Some(FileKind::Image) => {
                // The common files of the main files that name this image; of every main
                // file given when none names it.
                let naming: Vec<usize> = mains
                    .iter()
                    .copied()
                    .filter(|&main| {
                        parsed[main].statements.iter().filter(|s| s.is("TcpImage")).any(|s| {
                            image_path(s).is_some_and(|named| {
                                resolve(parsed, &images, main, named).contains(&at)
                            })
                        })
                    })
                    .collect();
                if naming.is_empty() {
                    all_commons.clone()
                } else {
                    dedup(naming.into_iter().flat_map(common_of))
                }
            }
            // The main file is also the image file when a `TcpImage` names none, or there is
            // no `TcpImage`; otherwise its `TTLSConfig` is ignored.
            Some(FileKind::Main)
                if file
                    .statements
                    .iter()
                    .filter(|s| s.is("TcpImage"))
                    .all(|s| image_path(s).is_none()) =>
            {
                common_of(at)
            }
            _ => continue,
        };
        let Some(named) = last_path(file, "TTLSConfig") else { continue };
        // `TTLSConfig` without a path: the common file is the stack's policy.
        let own = named.map(|named| resolve(parsed, &policies, at, named)).unwrap_or_default();
        let group = dedup(commons.into_iter().chain(own));
        if !group.is_empty() {
            stacks.push(group);
        }
    }
    let linked: BTreeSet<usize> = stacks.iter().flatten().chain(&all_commons).copied().collect();
    let unlinked: Vec<usize> = policies.iter().copied().filter(|at| !linked.contains(at)).collect();
    let mut spaces = stacks;
    if separate {
        spaces.extend(unlinked.iter().map(|&at| dedup(all_commons.iter().copied().chain([at]))));
    } else if !unlinked.is_empty() {
        spaces.push(dedup(all_commons.iter().copied().chain(unlinked.iter().copied())));
    }
    // A common file no stack reads is still linted, on its own.
    if spaces.is_empty() && !all_commons.is_empty() {
        spaces.push(all_commons);
    }
    for space in spaces {
        if !groups.contains(&space) {
            groups.push(space);
        }
    }
    groups
}

/// The path of the last `keyword` statement of a file (`Some(None)` when it has none), or
/// `None` without one: the last occurrence is the one Policy Agent uses.
fn last_path<'p>(file: &'p Parsed<'_>, keyword: &str) -> Option<Option<&'p str>> {
    file.statements
        .iter()
        .rev()
        .find(|s| s.is(keyword) && s.body.is_none())
        .map(|s| s.values.first().map(String::as_str))
}

/// The image file path of a `TcpImage stack [path] [FLUSH|NOFLUSH] [PURGE|NOPURGE]
/// [interval]` statement, if it names one.
fn image_path(statement: &Statement) -> Option<&str> {
    let word = statement.values.get(1)?;
    let option =
        ["FLUSH", "NOFLUSH", "PURGE", "NOPURGE"].iter().any(|o| word.eq_ignore_ascii_case(o))
            || word.chars().all(|c| c.is_ascii_digit());
    (!option).then_some(word.as_str())
}

/// The files among `candidates` that the path `named`, written in file `from`, refers to: the
/// file given with that path, else those with its base name in the folder of `from` (a bundle
/// copied off z/OS keeps the base names, not the folders), else those with its base name
/// anywhere.
fn resolve(parsed: &[Parsed<'_>], candidates: &[usize], from: usize, named: &str) -> Vec<usize> {
    let split = |path: &str| -> (String, String) {
        let path = path.replace('\\', "/");
        match path.rsplit_once('/') {
            Some((folder, base)) => (folder.to_owned(), base.to_owned()),
            None => (String::new(), path),
        }
    };
    let exact: Vec<usize> =
        candidates.iter().copied().filter(|&at| parsed[at].path == named).collect();
    if !exact.is_empty() {
        return exact;
    }
    let (_, base) = split(named);
    let same_base: Vec<usize> =
        candidates.iter().copied().filter(|&at| split(parsed[at].path).1 == base).collect();
    let (folder, _) = split(parsed[from].path);
    let near: Vec<usize> =
        same_base.iter().copied().filter(|&at| split(parsed[at].path).0 == folder).collect();
    if near.is_empty() { same_base } else { near }
}

/// The indices in their first order, each once.
fn dedup(indices: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    indices.into_iter().filter(|&at| seen.insert(at)).collect()
}

/// Orders findings by file (in the order given), then line and column; stable otherwise.
fn sort(out: &mut [Diagnostic], files: &[PolicyFile<'_>]) {
    let position = |d: &Diagnostic| {
        d.origin.as_ref().map(|o| {
            let file = files.iter().position(|f| *f.path == *o.file).unwrap_or(usize::MAX);
            (file, o.line, o.column)
        })
    };
    out.sort_by_key(|d| position(d));
}

fn origin(path: &str, span: Option<Span>) -> Origin {
    let span = span.unwrap_or_default();
    Origin::new(path, span.line, span.column)
}

fn describe(statement: &Statement) -> String {
    let keyword = keywords::canonical_statement(&statement.keyword).unwrap_or(&statement.keyword);
    match &statement.name {
        Some(name) => format!("{keyword} {name}"),
        None => keyword.to_owned(),
    }
}

/// The word of the text (split into `lines`) that starts at `span`.
fn word_at<'t>(lines: &[&'t str], span: Span) -> Option<&'t str> {
    let line = *lines.get(usize::try_from(span.line).ok()?.checked_sub(1)?)?;
    let start = line
        .char_indices()
        .nth(usize::try_from(span.column).ok()?.checked_sub(1)?)
        .map(|(at, _)| at)?;
    let rest = &line[start..];
    let end = rest.find(|c: char| c.is_whitespace() || c == '{' || c == '}' || c == '#');
    Some(&rest[..end.unwrap_or(rest.len())])
}

/// A parser diagnostic as a lint finding; unknown attributes are left to the linter, which
/// knows where they belong.
fn from_parser(
    file: &PolicyFile<'_>,
    lines: &[&str],
    diagnostic: &ParseDiagnostic,
) -> Option<Diagnostic> {
    let code = match diagnostic.kind {
        DiagnosticKind::UnmatchedClose => UNMATCHED_CLOSE,
        DiagnosticKind::UnclosedBlock => UNCLOSED_BLOCK,
        DiagnosticKind::StrayOpen => STRAY_OPEN,
        DiagnosticKind::MissingBraces => BRACES,
        DiagnosticKind::MissingName => MISSING_NAME,
        DiagnosticKind::MissingValue if diagnostic.severity == Severity::Warning => EMPTY_VALUE,
        DiagnosticKind::MissingValue => MISSING_VALUE,
        DiagnosticKind::ExtraWords => EXTRA_WORDS,
        // An attribute written with braces is an error of form, not an unknown word.
        DiagnosticKind::UnknownStatement if diagnostic.severity == Severity::Error => BRACES,
        DiagnosticKind::UnknownStatement => UNKNOWN_STATEMENT,
        DiagnosticKind::UnknownAttribute => return None,
        DiagnosticKind::AttributeOutsideBlock => OUTSIDE_BLOCK,
        DiagnosticKind::BadCharacter => BAD_CHARACTER,
    };
    let mut finding = match diagnostic.severity {
        Severity::Error => Diagnostic::error(code, diagnostic.message.clone()),
        Severity::Warning => Diagnostic::warning(code, diagnostic.message.clone()),
    }
    .at(&origin(file.path, Some(diagnostic.span)));
    if code == UNKNOWN_STATEMENT
        && let Some(word) = word_at(lines, diagnostic.span)
        // A known statement in the wrong place needs no spelling suggestion.
        && keywords::canonical_statement(word).is_none()
        && let Some(suggestion) = suggest(word, keywords::statements())
    {
        finding = finding.help(format!("did you mean `{suggestion}`?"));
    }
    if code == EXTRA_WORDS {
        finding = finding.help(
            "values cannot contain blanks: rename the label or ring so it has none, or move the comment after a `#`",
        );
    }
    Some(finding)
}

/// The closest candidate to a misspelt keyword, if one is close enough to be what was meant.
fn suggest<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let candidates: Vec<&str> = candidates.collect();
    for (wrong, right) in KNOWN_MISSPELLINGS {
        if wrong.eq_ignore_ascii_case(word)
            && let Some(found) = candidates.iter().find(|c| c.eq_ignore_ascii_case(right))
        {
            return Some(found);
        }
    }
    zat_model::closest(word, candidates)
}

/// What one rule can match, for priority ties: `None` in a field means any.
#[derive(Debug)]
struct Match<'a> {
    name: &'a str,
    file: usize,
    span: Option<Span>,
    /// `Priority` when it is one Policy Agent accepts (1-2000000000).
    priority: Option<u32>,
    /// The priority the stack compares the rule at: its own, or `--unprioritised`.
    rank: u32,
    direction: Option<String>,
    local_ports: Option<Vec<(u32, u32)>>,
    remote_ports: Option<Vec<(u32, u32)>>,
    jobname: Option<String>,
    userid: Option<String>,
    local_addr: Option<String>,
    remote_addr: Option<String>,
}

struct Linter<'i, 'a> {
    index: &'i Index<'a>,
    files: &'a [Parsed<'a>],
    out: Vec<Diagnostic>,
    /// Lines a diagnostic reported at another line already speaks for (the first of a
    /// repeated attribute): the effective policy's finding there is not said again.
    covered: BTreeSet<(Arc<str>, u32)>,
    common_known_absent: bool,
    /// Collation and the rank of unprioritised rules, as the effective policy uses them.
    options: &'i Options,
}

impl<'a> Linter<'_, 'a> {
    fn at(&self, file: usize, span: Option<Span>) -> Origin {
        origin(self.files.get(file).map_or("", |f| f.path), span)
    }

    fn push(
        &mut self,
        diagnostic: Diagnostic,
        file: usize,
        span: Option<Span>,
        statement: &Statement,
    ) {
        let origin = self.at(file, span);
        self.out.push(diagnostic.at(&origin).object(describe(statement)));
    }

    fn file(&mut self, at: usize, file: &'a Parsed<'a>) {
        let Some(kind) = file.kind else {
            self.out.push(
                Diagnostic::warning(
                    NOTHING_RECOGNISED,
                    "no statement Policy Agent recognises: it would skip this file with a warning in its log",
                )
                .at(&self.at(at, Some(Span::new(1, 1))))
                .help("check that this is a Policy Agent main, image or AT-TLS policy file"),
            );
            return;
        };
        let main_is_image = kind == FileKind::Main
            && !file.statements.iter().any(|s| {
                (s.is("TcpImage") || s.is("PEPInstance"))
                    && s.values.get(1).is_some_and(|v| v.starts_with('/'))
            });
        for statement in &file.statements {
            self.placement(at, kind, main_is_image, statement);
            match keywords::form(&statement.keyword) {
                Some(Form::Line) => self.line_statement(at, statement),
                Some(Form::Block) => self.block(at, statement, statement, true),
                None => {}
            }
        }
    }

    /// Statements in a kind of file where Policy Agent does not read them.
    fn placement(&mut self, at: usize, kind: FileKind, main_is_image: bool, statement: &Statement) {
        let Some(belongs) = keywords::file_kind(&statement.keyword) else { return };
        let message = match (kind, belongs) {
            (FileKind::Policy, FileKind::Main | FileKind::Image) => format!(
                "`{}` belongs in the Policy Agent {} file; in an AT-TLS policy file it is ignored",
                keywords::canonical_statement(&statement.keyword).unwrap_or_default(),
                if belongs == FileKind::Main { "main" } else { "image" },
            ),
            (FileKind::Main, FileKind::Image) if !main_is_image => "`TTLSConfig` in the main file is ignored because `TcpImage` names an image file; put it in that image file".to_owned(),
            (FileKind::Image, FileKind::Main) => format!(
                "`{}` belongs in the main file; in an image file it is ignored",
                keywords::canonical_statement(&statement.keyword).unwrap_or_default(),
            ),
            (FileKind::Main | FileKind::Image, FileKind::Policy) => format!(
                "AT-TLS policy statements belong in the file `TTLSConfig` names, not in the {} file",
                if kind == FileKind::Main { "main" } else { "image" },
            ),
            _ => return,
        };
        self.push(Diagnostic::warning(WRONG_FILE, message), at, statement.span, statement);
    }

    fn line_statement(&mut self, at: usize, statement: &Statement) {
        if statement.is("TcpImage") || statement.is("PEPInstance") {
            if let Some(stack) = statement.values.first()
                && (stack.len() > 8 || stack.starts_with('/'))
            {
                let d = Diagnostic::error(
                    BAD_VALUE,
                    format!(
                        "`{stack}` is not a TCP/IP stack name (1-8 characters); Policy Agent rejects the TcpImage (EZZ8779I)"
                    ),
                );
                self.push(d, at, statement.span, statement);
            }
            for word in statement.values.iter().skip(1) {
                let known = word.starts_with('/')
                    || ["FLUSH", "NOFLUSH", "PURGE", "NOPURGE"]
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(word))
                    || word.parse::<u32>().is_ok();
                if !known {
                    let d = Diagnostic::error(
                        BAD_VALUE,
                        format!(
                            "`{word}` is not an image file path, FLUSH, NOFLUSH, PURGE, NOPURGE or a refresh interval; Policy Agent rejects the TcpImage (EZZ8779I)"
                        ),
                    );
                    self.push(d, at, statement.span, statement);
                }
            }
        }
        if statement.is("LogLevel")
            && let Some(level) = statement.values.first()
            && level.parse::<u32>().is_err()
        {
            let d = Diagnostic::error(BAD_VALUE, format!("LogLevel `{level}` is not a number"));
            self.push(d, at, statement.span, statement);
        }
    }

    /// Checks one block statement and, through it, its inline statements.
    fn block(&mut self, at: usize, statement: &Statement, top: &Statement, global: bool) {
        if let Some(name) = &statement.name
            && name.chars().count() > MAX_NAME
        {
            let d = Diagnostic::error(
                NAME_TOO_LONG,
                format!(
                    "name `{name}` has {} characters; Policy Agent allows at most {MAX_NAME} and rejects the policy",
                    name.chars().count()
                ),
            )
            .help("shorten the name, and every reference to it");
            self.push(d, at, statement.span, statement);
        }
        self.attributes(at, statement, top);
        self.repeats(at, statement);
        self.required(at, statement);
        if global && statement.is("TTLSRule") {
            self.rule(at, statement);
        }
        for inner in statement.statements() {
            self.block(at, inner, top, false);
        }
    }

    /// Unknown and misplaced attributes, values, references and address ranges.
    fn attributes(&mut self, at: usize, statement: &Statement, top: &Statement) {
        let Some(kind) = keywords::canonical_statement(&statement.keyword) else { return };
        let Some(accepted) = keywords::attributes(kind) else { return };
        let accepted: Vec<&str> = accepted.collect();
        for attr in statement.attributes() {
            if keywords::canonical(kind, &attr.keyword).is_none() {
                if keywords::form(&attr.keyword) != Some(Form::Block) {
                    self.unknown_attribute(at, statement, kind, &accepted, attr);
                }
                continue;
            }
            self.value(at, statement, attr);
            if let Some(target) = Index::target_of(&attr.keyword)
                && let Some(name) = attr.values.first()
            {
                self.reference(at, top, attr, target, name);
            }
        }
    }

    fn unknown_attribute(
        &mut self,
        at: usize,
        statement: &Statement,
        kind: &str,
        accepted: &[&str],
        attr: &zat_policy::Attribute,
    ) {
        let homes: Vec<&str> = keywords::statements()
            .filter(|s| keywords::canonical(s, &attr.keyword).is_some())
            .collect();
        let diagnostic = if let Some(home) = homes.first() {
            let canonical = keywords::canonical(home, &attr.keyword).unwrap_or(&attr.keyword);
            let also = if homes.len() > 1 {
                format!(" (or {})", homes[1..].join(", "))
            } else {
                String::new()
            };
            Diagnostic::warning(
                WRONG_STATEMENT,
                format!("`{canonical}` belongs in {home}{also}, not in {kind}; Policy Agent ignores it here and uses the default"),
            )
            .help(format!("move it into the {home} this {kind} uses"))
        } else {
            let mut d = Diagnostic::warning(
                UNKNOWN_ATTRIBUTE,
                format!(
                    "`{}` is not a {kind} keyword; Policy Agent ignores it silently and uses the default",
                    attr.keyword
                ),
            );
            if let Some(suggestion) = suggest(&attr.keyword, accepted.iter().copied()) {
                d = d.help(format!("did you mean `{suggestion}`?"));
            }
            d
        };
        self.push(diagnostic, at, attr.span, statement);
    }

    /// Values Policy Agent does not accept for the keyword.
    fn value(&mut self, at: usize, statement: &Statement, attr: &zat_policy::Attribute) {
        let Some(first) = attr.values.first() else { return };
        let canonical = keywords::canonical(&statement.keyword, &attr.keyword).unwrap_or_default();
        let one_of = |words: &[&str]| {
            (!words.iter().any(|w| w.eq_ignore_ascii_case(first))).then(|| words.join(", "))
        };
        let problem = match canonical {
            "Direction" => one_of(&["Inbound", "Outbound", "Both"]),
            "HandshakeRole" => one_of(&["Client", "Server", "ServerWithClientAuth"]),
            "ClientAuthType" => one_of(&["Required", "PassThru", "Full", "SAFCheck"]),
            "TTLSEnabled"
            | "CtraceClearText"
            | "SSLv2"
            | "SSLv3"
            | "TLSv1"
            | "TLSv1.1"
            | "TLSv1.2"
            | "TLSv1.3"
            | "MiddleBoxCompatMode"
            | "ApplicationControlled"
            | "SecondaryMap"
            | "3DesKeyCheck"
            | "RenegotiationCertCheck" => one_of(&["On", "Off"]),
            "Priority" => first
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=2_000_000_000).contains(p))
                .is_none()
                .then(|| "a number from 1 to 2000000000".to_owned()),
            "Trace" => first
                .parse::<u32>()
                .ok()
                .filter(|t| *t <= 255)
                .is_none()
                .then(|| "a number from 0 to 255".to_owned()),
            "LocalPortRange" | "RemotePortRange" | "Port" => port_range(&attr.values)
                .filter(|(low, high)| low <= high)
                .is_none()
                .then(|| "a port 0-65535 or a range `low-high`".to_owned()),
            "LocalAddr" | "RemoteAddr" | "Range" | "Addr" | "Prefix" => {
                if let Some(message) = effective::refused_address(first) {
                    let d = Diagnostic::error(BAD_VALUE, message);
                    self.push(d, at, attr.span, statement);
                }
                if canonical != "Addr" && canonical != "Prefix" {
                    self.address_range(at, statement, attr, first);
                }
                None
            }
            _ => None,
        };
        if let Some(expected) = problem {
            let d = Diagnostic::error(
                BAD_VALUE,
                format!("`{first}` is not a valid value of {canonical}: expected {expected}"),
            );
            self.push(d, at, attr.span, statement);
        }
    }

    /// `10.1.1.1:10.1.1.9`: ports take `:` as a range delimiter, IP addresses do not.
    fn address_range(
        &mut self,
        at: usize,
        statement: &Statement,
        attr: &zat_policy::Attribute,
        text: &str,
    ) {
        let Some((low, high)) = text.split_once(':') else { return };
        if low.parse::<Ipv4Addr>().is_ok() && high.parse::<Ipv4Addr>().is_ok() {
            let d = Diagnostic::error(
                ADDRESS_RANGE_COLON,
                format!("address range `{text}` uses `:`; IP address ranges accept only `-`"),
            )
            .help(format!("write `{low}-{high}`"));
            self.push(d, at, attr.span, statement);
        }
    }

    fn reference(
        &mut self,
        at: usize,
        top: &Statement,
        attr: &zat_policy::Attribute,
        target: &str,
        name: &str,
    ) {
        if self.index.get(target, name).is_some() {
            return;
        }
        let keyword = keywords::statements()
            .find_map(|s| keywords::canonical(s, &attr.keyword))
            .unwrap_or(&attr.keyword);
        let message = format!(
            "`{keyword} {name}` names no {target} in the files given; Policy Agent discards a rule whose reference does not resolve"
        );
        let diagnostic = if let Some(other) = self.index.other_case(target, name) {
            Diagnostic::error(DANGLING_REFERENCE, message)
                .help(format!("names are case-sensitive: {target} `{other}` is defined"))
        } else if self.common_known_absent {
            Diagnostic::error(DANGLING_REFERENCE, message).help(format!(
                "define {target} {name}; the main file given has no CommonTTLSConfig that could define it"
            ))
        } else {
            Diagnostic::warning(DANGLING_REFERENCE, message).help(format!(
                "if {target} {name} is defined in the CommonTTLSConfig file, lint both together: `zat lint COMMON-FILE THIS-FILE`"
            ))
        };
        self.push(diagnostic, at, attr.span, top);
    }

    /// Single-valued attributes written twice: the last one wins, silently.
    fn repeats(&mut self, at: usize, statement: &Statement) {
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        for attr in statement.attributes() {
            let Some(canonical) = keywords::canonical(&statement.keyword, &attr.keyword) else {
                continue;
            };
            if REPEATABLE.contains(&canonical) {
                continue;
            }
            let span = attr.span.unwrap_or_default();
            let Some(first) = seen.insert(canonical.to_owned(), span) else { continue };
            self.covered.insert((self.at(at, Some(first)).file, first.line));
            let d = if statement.is("PortRange") {
                Diagnostic::warning(
                    PORT_RANGE_PORTS,
                    "a PortRange holds exactly one Port; Policy Agent uses only the last one",
                )
                .help("use a PortGroup with one PortRange per port, or one range `low-high`")
            } else {
                Diagnostic::warning(
                    REPEATED_ATTRIBUTE,
                    format!(
                        "{canonical} is written again; Policy Agent keeps only this last value (the one at line {} is ignored)",
                        first.line
                    ),
                )
            };
            self.push(d, at, attr.span, statement);
        }
    }

    /// Attributes without which an action or parameter statement cannot work.
    fn required(&mut self, at: usize, statement: &Statement) {
        let missing: Vec<&str> = match keywords::canonical_statement(&statement.keyword) {
            Some("TTLSGroupAction") if statement.attribute("TTLSEnabled").is_none() => {
                vec!["TTLSEnabled"]
            }
            Some("TTLSEnvironmentAction") => {
                let mut missing = Vec::new();
                if statement.attribute("HandshakeRole").is_none() {
                    missing.push("HandshakeRole");
                }
                let ring = statement.attribute("TTLSKeyringParmsRef").is_some()
                    || statement.statements().any(|s| s.is("TTLSKeyringParms"));
                if !ring {
                    missing.push("TTLSKeyringParms or TTLSKeyringParmsRef");
                }
                missing
            }
            Some("TTLSKeyringParms") if statement.attribute("Keyring").is_none() => {
                vec!["Keyring"]
            }
            _ => Vec::new(),
        };
        for attribute in missing {
            let d = Diagnostic::error(
                REQUIRED_MISSING,
                format!(
                    "{} needs {attribute}; Policy Agent rejects it without",
                    describe(statement)
                ),
            );
            self.push(d, at, statement.span, statement);
        }
    }

    fn rule(&mut self, at: usize, rule: &Statement) {
        if rule.attribute("Direction").is_none() {
            let d = Diagnostic::error(
                NO_DIRECTION,
                "the rule has no Direction; Policy Agent requires Inbound, Outbound or Both",
            )
            .help("add `Direction Inbound` for a server (listening) socket, `Direction Outbound` for a client");
            self.push(d, at, rule.span, rule);
        }
        let has_condition = CONDITIONS
            .iter()
            .any(|c| rule.attribute(c).is_some() || rule.statements().any(|s| s.is(c)));
        if !has_condition {
            let d = Diagnostic::error(
                NO_CONDITION,
                "the rule has no condition (address, port, job name or user ID); it would catch every connection of its direction",
            )
            .help("add at least a LocalPortRange, RemotePortRange or Jobname");
            self.push(d, at, rule.span, rule);
        }
        let Some(group_ref) = rule.attribute("TTLSGroupActionRef") else {
            let d = Diagnostic::error(
                NO_GROUP,
                "the rule has no TTLSGroupActionRef; Policy Agent requires one",
            );
            self.push(d, at, rule.span, rule);
            return;
        };
        let Some(group) = self.index.follow(rule, "TTLSGroupActionRef") else { return };
        let enabled = index::value(group.statement, "TTLSEnabled").and_then(on_off);
        if enabled == Some(true) && rule.attribute("TTLSEnvironmentActionRef").is_none() {
            let d = Diagnostic::error(
                NO_ENVIRONMENT,
                format!(
                    "group action {} has TTLSEnabled On, but the rule names no TTLSEnvironmentActionRef",
                    group_ref.value()
                ),
            )
            .help("add a TTLSEnvironmentActionRef with the key ring and handshake role, or use a group with TTLSEnabled Off for clear text");
            self.push(d, at, rule.span, rule);
        }
    }

    /// The rule's protocol switches and cipher lists as the stack sees them: the environment
    /// action's, overridden by the connection action's. Reports TLS 1.3 suites that cannot be
    /// used and switches left to their defaults, once per environment and connection pair.
    fn protocols(&mut self, rule: &Statement, seen: &mut BTreeSet<(usize, usize)>) {
        let Some(environment) = self.index.follow(rule, "TTLSEnvironmentActionRef") else {
            return;
        };
        let connection = self.index.follow(rule, "TTLSConnectionActionRef");
        let pair = (
            std::ptr::from_ref(environment.statement) as usize,
            connection.map_or(0, |c| std::ptr::from_ref(c.statement) as usize),
        );
        if !seen.insert(pair) {
            return;
        }
        let mut switches: BTreeMap<&str, bool> = BTreeMap::new();
        let mut ciphers: Option<(usize, &Statement)> = None;
        for action in std::iter::once(environment).chain(connection) {
            let advanced = if action.statement.is("TTLSEnvironmentAction") {
                "TTLSEnvironmentAdvancedParms"
            } else {
                "TTLSConnectionAdvancedParms"
            };
            if let Ok(Some(parms)) = self.index.param(action.statement, advanced) {
                for protocol in PROTOCOLS {
                    if let Some(on) = index::value(parms, protocol).and_then(on_off) {
                        switches.insert(protocol, on);
                    }
                }
            }
            if let Ok(Some(parms)) = self.index.param(action.statement, "TTLSCipherParms") {
                ciphers = Some((self.defining_file(action, parms), parms));
            }
        }
        // Only defaults a reader would act on: TLSv1 and TLSv1.1 default to On, TLSv1.2 to
        // Off. SSLv2, SSLv3 and TLSv1.3 default to Off, which is what a policy means when it
        // leaves them out.
        let unset: Vec<&str> = ["TLSv1", "TLSv1.1", "TLSv1.2"]
            .into_iter()
            .filter(|p| !switches.contains_key(p))
            .collect();
        if !unset.is_empty()
            && self.index.param(environment.statement, "TTLSEnvironmentAdvancedParms").is_ok()
        {
            let old: Vec<&str> = unset.iter().copied().filter(|p| *p != "TLSv1.2").collect();
            let mut defaults = Vec::new();
            match old.as_slice() {
                [] => {}
                [one] => defaults.push(format!("{one} defaults to On")),
                _ => defaults.push(format!("{} default to On", old.join(" and "))),
            }
            if unset.contains(&"TLSv1.2") {
                defaults.push("TLSv1.2 defaults to Off".to_owned());
            }
            let tls12 = format!(" ({})", defaults.join("; "));
            let left = if unset.len() == 1 {
                "is left to its default"
            } else {
                "are left to their defaults"
            };
            let d = Diagnostic::warning(
                PROTOCOL_DEFAULTS,
                format!(
                    "{} {left}{tls12} for environment action {}; defaults differ by release and maintenance level",
                    unset.join(", "),
                    environment.statement.name.as_deref().unwrap_or_default()
                ),
            )
            .help("write every protocol switch in the TTLSEnvironmentAdvancedParms: SSLv2, SSLv3, TLSv1, TLSv1.1 Off, TLSv1.2 On, TLSv1.3 as wanted");
            self.push(d, environment.file, environment.statement.span, environment.statement);
        }
        let tls13 = switches.get("TLSv1.3").copied();
        if tls13 == Some(true) {
            return;
        }
        let Some((file, parms)) = ciphers else { return };
        let Some(attr) =
            parms.attributes().find(|a| a.values.iter().any(|v| has_tls13_suite(&a.keyword, v)))
        else {
            return;
        };
        // Several rules may share the cipher parms: one finding per place.
        let place = self.at(file, attr.span);
        if self
            .out
            .iter()
            .any(|d| d.code == TLS13_SUITES_UNUSED && d.origin.as_ref() == Some(&place))
        {
            return;
        }
        let state = if tls13 == Some(false) { "off" } else { "not set (it defaults to Off)" };
        let d = Diagnostic::warning(
            TLS13_SUITES_UNUSED,
            format!(
                "TLS 1.3 cipher suites are listed but TLSv1.3 is {state} for rule {}, so they are never used",
                rule.name.as_deref().unwrap_or_default()
            ),
        )
        .help("set `TLSv1.3 On` in the TTLSEnvironmentAdvancedParms, or drop the 13xx suites");
        self.push(d, file, attr.span, parms);
    }

    /// The file a parameter statement was written in: its own definition when global,
    /// otherwise the action's.
    fn defining_file(&self, action: Defined<'a>, parms: &Statement) -> usize {
        parms
            .name
            .as_deref()
            .and_then(|name| self.index.get(&parms.keyword, name))
            .filter(|d| std::ptr::eq(d.statement, parms))
            .map_or(action.file, |d| d.file)
    }

    fn duplicates(&mut self) {
        let mut found = Vec::new();
        for (kind, all) in self.index.duplicates() {
            let Some((last, earlier)) = all.split_last() else { continue };
            for first in earlier {
                let kept = self.at(last.file, last.statement.span);
                found.push((
                    Diagnostic::warning(
                        DUPLICATE_NAME,
                        format!(
                            "{kind} {} is defined again later; Policy Agent keeps only the last definition and ignores this one",
                            first.statement.name.as_deref().unwrap_or_default()
                        ),
                    )
                    .help(format!("the definition used is at {kept}; rename or delete one")),
                    first.file,
                    first.statement,
                ));
            }
        }
        for (d, file, statement) in found {
            self.push(d, file, statement.span, statement);
        }
    }

    fn rule_match(&self, file: usize, rule: &'a Statement) -> Match<'a> {
        // As the effective policy reads it: a value out of range ranks as no priority.
        let priority = index::value(rule, "Priority")
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| (1..=2_000_000_000).contains(p));
        let upper = |k: &str| index::value(rule, k).map(str::to_ascii_uppercase);
        Match {
            name: rule.name.as_deref().unwrap_or_default(),
            file,
            span: rule.span,
            priority,
            rank: priority.unwrap_or(self.options.unprioritised),
            direction: upper("Direction"),
            local_ports: self.ports(rule, "Local"),
            remote_ports: self.ports(rule, "Remote"),
            jobname: upper("Jobname"),
            userid: upper("Userid"),
            local_addr: index::value(rule, "LocalAddr").map(str::to_owned),
            remote_addr: index::value(rule, "RemoteAddr").map(str::to_owned),
        }
    }

    /// The ports a rule's local or remote condition allows; `None` for any (or unknown).
    fn ports(&self, rule: &Statement, side: &str) -> Option<Vec<(u32, u32)>> {
        let any = |range: (u32, u32)| range == (0, 0);
        if let Some(attr) = rule.attribute(&format!("{side}PortRange")) {
            return port_range(&attr.values).filter(|r| !any(*r)).map(|r| vec![r]);
        }
        let single = |statement: &Statement| {
            statement.attribute("Port").and_then(|attr| port_range(&attr.values))
        };
        if let Some(found) = self.index.follow(rule, &format!("{side}PortRangeRef")) {
            return single(found.statement).filter(|r| !any(*r)).map(|r| vec![r]);
        }
        let group = self.index.follow(rule, &format!("{side}PortGroupRef"))?;
        let mut ranges = Vec::new();
        for entry in group.statement.entries() {
            let range = match entry {
                Entry::Statement(inline) if inline.is("PortRange") => single(inline),
                Entry::Attribute(attr) if attr.is("PortRangeRef") => attr
                    .values
                    .first()
                    .and_then(|n| self.index.get("PortRange", n))
                    .and_then(|d| single(d.statement)),
                _ => continue,
            };
            match range {
                Some(range) if !any(range) => ranges.push(range),
                _ => return None,
            }
        }
        Some(ranges)
    }

    /// Rules that can match the same connection with the same priority: Policy Agent orders
    /// them by name, so the later name only gets what the earlier one does not match. Rank and
    /// name order are the effective policy's (`--unprioritised`, `--collation`), so that this
    /// agrees with the shadowed-rule finding and with `zat why` on which rule comes first.
    fn priority_ties(&mut self) {
        let mut rules: BTreeMap<&str, Match<'a>> = BTreeMap::new();
        for (file, parsed) in self.files.iter().enumerate() {
            for statement in &parsed.statements {
                if statement.is("TTLSRule")
                    && let Some(name) = statement.name.as_deref()
                {
                    // The last definition of a name is the one Policy Agent keeps.
                    rules.insert(name, self.rule_match(file, statement));
                }
            }
        }
        // Only equal ranks tie: rules are compared within one rank (in name order), and
        // within it a rule on one local port only with rules on that port or on no single
        // port. Thousands of rules on their own ports or priorities stay linear; the budget
        // bounds what is left (thousands of rules with nothing to tell them apart).
        let mut groups: BTreeMap<std::cmp::Reverse<u32>, Vec<&Match<'a>>> = BTreeMap::new();
        for rule in rules.values() {
            groups.entry(std::cmp::Reverse(rule.rank)).or_default().push(rule);
        }
        let collation = self.options.collation;
        for group in groups.values_mut() {
            group.sort_by(|a, b| effective::compare_names(a.name, b.name, collation));
        }
        let mut budget = TIE_BUDGET;
        for group in groups.values() {
            let mut on_port: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
            let mut elsewhere: Vec<usize> = Vec::new();
            for (i, b) in group.iter().enumerate() {
                let port = single_port(b);
                let candidates: Box<dyn Iterator<Item = usize>> = match port {
                    Some(p) => {
                        Box::new(merged(on_port.get(&p).map_or(&[][..], Vec::as_slice), &elsewhere))
                    }
                    None => Box::new(0..i),
                };
                let mut earlier: Vec<&Match<'a>> = Vec::new();
                for a in candidates {
                    if budget == 0 {
                        break;
                    }
                    budget -= 1;
                    if overlap(group[a], b) {
                        earlier.push(group[a]);
                        if earlier.len() > NAMED_TIES {
                            break;
                        }
                    }
                }
                match port {
                    Some(p) => on_port.entry(p).or_default().push(i),
                    None => elsewhere.push(i),
                }
                if let Some(first) = earlier.first() {
                    self.tie(b, first, &earlier);
                }
                if budget == 0 {
                    self.out.push(
                        Diagnostic::warning(
                            PRIORITY_TIE,
                            format!(
                                "priority ties were checked up to rule {}: {TIE_BUDGET} comparisons between {} rules sharing one priority; later ties are not reported",
                                b.name,
                                group.len()
                            ),
                        )
                        .help("give rules distinct priorities, or split the policy")
                        .object(format!("TTLSRule {}", b.name))
                        .at(&self.at(b.file, b.span)),
                    );
                    return;
                }
            }
        }
    }

    fn tie(&mut self, b: &Match<'a>, first: &Match<'a>, earlier: &[&Match<'a>]) {
        let names: Vec<&str> = earlier.iter().take(NAMED_TIES).map(|a| a.name).collect();
        let others = if earlier.len() > NAMED_TIES { " and others" } else { "" };
        let unset: Vec<&str> = std::iter::once(b)
            .chain(earlier.iter().take(NAMED_TIES).copied())
            .filter(|r| r.priority.is_none())
            .map(|r| r.name)
            .collect();
        let priority = if unset.is_empty() {
            format!("priority {}", b.rank)
        } else {
            // Say where a rank no Priority line shows comes from.
            format!(
                "priority {} ({} no Priority and {} compared at {}, the rank given to rules without one)",
                b.rank,
                if unset.len() == 1 {
                    format!("{} has", unset[0])
                } else {
                    format!("{} have", unset.join(", "))
                },
                if unset.len() == 1 { "is" } else { "are" },
                b.rank,
            )
        };
        let d = Diagnostic::warning(
            PRIORITY_TIE,
            format!(
                "rule {} can match the same connections as {}{others} with {priority}; Policy Agent orders equal priorities by name, so {} only gets what they do not match",
                b.name,
                names.join(", "),
                b.name,
            ),
        )
        .help(format!(
            "give the more specific rule a higher Priority ({} is at {})",
            first.name,
            self.at(first.file, first.span)
        ))
        .object(format!("TTLSRule {}", b.name));
        self.out.push(d.at(&self.at(b.file, b.span)));
    }
}

/// Earlier rules a tie message names; more are "others".
const NAMED_TIES: usize = 3;

/// Rule comparisons for priority ties in one lint run: every pair of 2,800 rules on one
/// priority with nothing else to tell them apart, far above any real policy, and a bound on
/// what a hostile one costs.
const TIE_BUDGET: usize = 4_000_000;

/// The one local port a rule is limited to, if it is limited to exactly one.
fn single_port(rule: &Match<'_>) -> Option<u32> {
    match rule.local_ports.as_deref() {
        Some([(low, high)]) if low == high => Some(*low),
        _ => None,
    }
}

/// Two ascending index lists merged into one ascending sequence.
fn merged<'s>(a: &'s [usize], b: &'s [usize]) -> impl Iterator<Item = usize> + 's {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if x <= y => a.next().copied(),
        (Some(_), Some(_)) | (None, Some(_)) => b.next().copied(),
        (Some(_), None) => a.next().copied(),
        (None, None) => None,
    })
}

impl Linter<'_, '_> {
    /// What the effective policy shows: values Policy Agent ignores, reads differently or
    /// replaces, rules that cannot work, and rules a higher-ranked rule shadows. A place the
    /// syntax checks already reported is not reported again.
    fn effective(
        &mut self,
        policy: &EffectivePolicy,
        files: &[PolicyFile<'_>],
        mut reported: BTreeSet<(Arc<str>, u32)>,
    ) {
        let path = |file: usize| policy.files.get(file).map_or("", String::as_str);
        reported.extend(
            self.out.iter().filter_map(|d| d.origin.as_ref().map(|o| (o.file.clone(), o.line))),
        );
        reported.extend(std::mem::take(&mut self.covered));
        let mut found = Vec::new();
        for finding in &policy.findings {
            let code = match finding.kind {
                FindingKind::ReadDifferently => READ_DIFFERENTLY,
                FindingKind::Ignored => IGNORED_VALUE,
                FindingKind::Replaced => REPLACED,
                FindingKind::Unusable => UNUSABLE,
                FindingKind::Unresolved => INDETERMINATE,
                // The parser's own findings say it with a span.
                FindingKind::Rejected => continue,
            };
            let Some(place) = finding.place else { continue };
            let at = origin(path(place.file), place.span);
            if reported.contains(&(at.file.clone(), at.line)) {
                continue;
            }
            let mut d = Diagnostic::warning(code, finding.message.clone())
                .at(&at)
                .help(format!("see {}", finding.document));
            if let Some(rule) = &finding.rule {
                d = d.object(format!("TTLSRule {rule}"));
            }
            found.push(d);
        }
        // A rule can only be shadowed by an earlier rule whose LocalPortRange covers its own:
        // index the earlier rules by their single local port, so that policies with thousands
        // of one-port rules are checked in linear time rather than pairwise.
        let mut any_port: Vec<usize> = Vec::new();
        let mut by_port: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
        let mut ranged: Vec<usize> = Vec::new();
        for (i, rule) in policy.rules.iter().enumerate() {
            let single = match rule.conditions.local_port.as_slice() {
                [r] if r.from == r.to => Some(u32::from(r.from)),
                _ => None,
            };
            let wide = match single {
                Some(port) => {
                    let mut candidates: Vec<usize> = any_port
                        .iter()
                        .chain(by_port.get(&port).into_iter().flatten())
                        .chain(&ranged)
                        .copied()
                        .collect();
                    candidates.sort_unstable();
                    candidates
                        .into_iter()
                        .map(|c| &policy.rules[c])
                        .find(|w| matcher::covers(w, rule))
                }
                None => policy.rules[..i].iter().find(|w| matcher::covers(w, rule)),
            };
            match rule.conditions.local_port.as_slice() {
                [] => any_port.push(i),
                [r] if r.from == r.to => by_port.entry(u32::from(r.from)).or_default().push(i),
                _ => ranged.push(i),
            }
            let Some(wide) = wide else {
                continue;
            };
            // A rank no Priority line shows is named as such: `--unprioritised` gave it.
            let rank = |r: &zat_policy::EffectiveRule, value: u32| match r.priority {
                Some(_) => format!("{value}"),
                None => format!("{value}, the rank of a rule without Priority"),
            };
            let why = match matcher::precedence(wide, rule, self.options) {
                zat_policy::Precedence::Priority { winner, loser } => {
                    let winner = rank(wide, winner);
                    let comma = if wide.priority.is_none() { "," } else { "" };
                    format!("its priority {winner}{comma} is higher than {}", rank(rule, loser))
                }
                zat_policy::Precedence::Name { .. }
                    if wide.priority.is_none() && rule.priority.is_none() =>
                {
                    "neither has a Priority and its name sorts first".to_owned()
                }
                zat_policy::Precedence::Name { priority, .. }
                    if wide.priority.is_none() || rule.priority.is_none() =>
                {
                    format!(
                        "both are compared at priority {priority}, one for want of a Priority, and its name sorts first"
                    )
                }
                zat_policy::Precedence::Name { priority, .. } => {
                    format!("both have priority {priority} and its name sorts first")
                }
            };
            let at = rule.place.map_or_else(
                || origin(files.first().map_or("", |f| f.path), None),
                |p| origin(path(p.file), p.span),
            );
            found.push(
                Diagnostic::warning(
                    SHADOWED_RULE,
                    format!(
                        "rule {} never matches: rule {} matches every connection it matches and is compared first ({why})",
                        rule.name, wide.name
                    ),
                )
                .at(&at)
                .object(format!("TTLSRule {}", rule.name))
                .help(format!(
                    "give {} a higher Priority than {}, narrow {}, or delete the rule that never matches",
                    rule.name, wide.name, wide.name
                )),
            );
        }
        self.out.extend(found);
    }
}

/// Whether a cipher attribute value lists a TLS 1.3 suite (13xx, or its name).
fn has_tls13_suite(keyword: &str, value: &str) -> bool {
    let upper = value.to_ascii_uppercase();
    if upper.starts_with("TLS_AES_") || upper.starts_with("TLS_CHACHA20_") {
        return true;
    }
    if keyword.eq_ignore_ascii_case("V3CipherSuites4Char") {
        let codes: Vec<char> = upper.chars().collect();
        let mut chunks = codes.chunks_exact(4);
        let whole = chunks.remainder().is_empty();
        return whole && chunks.any(|c| c.starts_with(&['1', '3']));
    }
    false
}

/// Whether two rules can match one connection.
fn overlap(a: &Match<'_>, b: &Match<'_>) -> bool {
    let directions = !matches!(
        (a.direction.as_deref(), b.direction.as_deref()),
        (Some("INBOUND"), Some("OUTBOUND")) | (Some("OUTBOUND"), Some("INBOUND"))
    );
    let ports = |x: &Option<Vec<(u32, u32)>>, y: &Option<Vec<(u32, u32)>>| match (x, y) {
        (Some(x), Some(y)) => {
            x.iter().any(|(xl, xh)| y.iter().any(|(yl, yh)| xl <= yh && yl <= xh))
        }
        _ => true,
    };
    let names = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => zat_model::name_filters_overlap(x, y),
        _ => true,
    };
    let addrs = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => {
            let plain = |s: &str| !s.eq_ignore_ascii_case("all") && !s.contains(['/', '-', ':']);
            x == y || !plain(x) || !plain(y)
        }
        _ => true,
    };
    directions
        && ports(&a.local_ports, &b.local_ports)
        && ports(&a.remote_ports, &b.remote_ports)
        && names(&a.jobname, &b.jobname)
        && names(&a.userid, &b.userid)
        && addrs(&a.local_addr, &b.local_addr)
        && addrs(&a.remote_addr, &b.remote_addr)
}

#[cfg(test)]
mod tests;
