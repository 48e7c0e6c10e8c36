//! `zat why`: which AT-TLS rule a connection gets on a stack, which rules it beats and why, and
//! the settings the handshake would use. The stack comes from a fleet script, policy files or
//! a `pasearch -t` report; with `--fleet`, every rule of the fleet is checked with a
//! connection it is meant for.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use zat_policy::effective::{Origin, effective};
use zat_policy::matcher::{Mismatch, Verdict, match_connection, matches, shadowed_by};
use zat_policy::{
    Collation, Connection, EffectivePolicy, EffectiveRule, Options, PolicyFile, Precedence, Side,
    pasearch,
};

use zat_policy_tools::lint::{LintOptions, lint_with};

use crate::{Exit, common, lint, report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DirectionArg {
    /// Accepted by a listening socket on the stack.
    Inbound,
    /// Opened by connect on the stack.
    Outbound,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The fleet script whose stack is asked about (or use --policy / --pasearch).
    #[arg(value_name = "FLEET.rhai")]
    pub(crate) script: Option<PathBuf>,
    /// Policy files of one stack (a CommonTTLSConfig file and the stack's file), instead of a
    /// fleet.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["script", "pasearch"])]
    pub(crate) policy: Vec<PathBuf>,
    /// A `pasearch -t` report of a live stack, instead of a fleet.
    #[arg(long, value_name = "FILE", conflicts_with = "script")]
    pub(crate) pasearch: Option<PathBuf>,
    /// LPAR of the stack (fleet), when the fleet has more than one.
    #[arg(long, value_name = "NAME")]
    pub(crate) lpar: Option<String>,
    /// TCP/IP stack (fleet), or image (report), when there is more than one.
    #[arg(long, value_name = "NAME")]
    pub(crate) stack: Option<String>,
    /// Set a script parameter (repeatable), as for `zat check`.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = common::parse_key_value, requires = "script")]
    pub(crate) set: Vec<(String, String)>,
    /// Also resolve the script's `import` from this folder (repeatable).
    #[arg(long = "lib", value_name = "DIR", requires = "script")]
    pub(crate) lib: Vec<PathBuf>,
    /// List every setting, also those at their default.
    #[arg(long)]
    pub(crate) all: bool,
    /// Check every rule of the fleet with a connection it is meant for.
    #[arg(long, requires = "script")]
    pub(crate) fleet: bool,
    /// Which side opened the connection.
    #[arg(long, value_enum, required_unless_present = "fleet")]
    pub(crate) direction: Option<DirectionArg>,
    /// Local (z/OS) address.
    #[arg(long, value_name = "ADDR")]
    pub(crate) local_addr: Option<IpAddr>,
    /// Local (z/OS) port.
    #[arg(long, value_name = "PORT")]
    pub(crate) local_port: Option<u16>,
    /// Address of the partner.
    #[arg(long, value_name = "ADDR")]
    pub(crate) remote_addr: Option<IpAddr>,
    /// Port of the partner.
    #[arg(long, value_name = "PORT")]
    pub(crate) remote_port: Option<u16>,
    /// Job name of the application that owns the socket.
    #[arg(long, value_name = "NAME")]
    pub(crate) jobname: Option<String>,
    /// User ID of the process that owns the socket.
    #[arg(long, value_name = "USER")]
    pub(crate) userid: Option<String>,
    #[command(flatten)]
    pub(crate) engine: lint::EngineArgs,
}

pub(crate) fn run(args: &Args) -> Exit {
    let options = args.engine.options();
    if args.fleet {
        return fleet(args, &options);
    }
    let (policy, refused) = match stack_policy(args, &options) {
        Ok(found) => found,
        Err(exit) => return exit,
    };
    let Some(direction) = args.direction else {
        report::usage_error("give --direction inbound or outbound");
        return Exit::Failure;
    };
    let connection = Connection {
        side: match direction {
            DirectionArg::Inbound => Side::Inbound,
            DirectionArg::Outbound => Side::Outbound,
        },
        local_addr: args.local_addr,
        local_port: args.local_port,
        remote_addr: args.remote_addr,
        remote_port: args.remote_port,
        jobname: args.jobname.as_ref().map(|j| j.to_ascii_uppercase()),
        userid: args.userid.as_ref().map(|u| u.to_ascii_uppercase()),
    };
    let mut out = refusal(&refused);
    let source = if args.pasearch.is_some() { Source::Report } else { Source::Text };
    let answer = explain(&policy, &connection, &options, args.all, source);
    out.push_str(&answer.text);
    let written = common::write_stdout(&out);
    if written == Exit::Ok && !refused.is_empty() {
        tracing::warn!(
            "Policy Agent would not install these policy files: `zat lint` lists {} errors",
            refused.len()
        );
        return Exit::InputErrors;
    }
    if written == Exit::Ok && answer.unknown {
        tracing::warn!(
            "the rule the connection gets is not known in full: its handshake settings are not all known"
        );
        return Exit::InputErrors;
    }
    written
}

/// What Policy Agent does with policy files `zat lint` finds errors in, said before the
/// answer: the answer is then only what the text would do, not what the stack does.
///
/// IBM: "For AT-TLS policies, if errors are detected during parsing, no new policies are
/// installed" (TTLSConfig statement), and the IBM sample `pagent.conf` adds that the
/// previously installed policy stays. Whether a missing required parameter (a rule without a
/// condition or TTLSGroupActionRef, a group without TTLSEnabled) rejects the whole policy or
/// only discards the statement is not documented; a rule whose reference does not resolve is
/// discarded. Either way the answer below is not what the stack does, so both are said.
fn refusal(errors: &[zat_model::Diagnostic]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "policy: not installable as written: `zat lint` finds {} error{}\n",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for error in errors {
        let at = error.origin.as_ref().map(|o| format!("{}:{}: ", o.file, o.line));
        let _ = writeln!(out, "  {}{} {}", at.unwrap_or_default(), error.code, error.message);
    }
    out.push_str(
        "  Policy Agent installs no new AT-TLS policy for a stack whose files have an error (for a\n  \
         missing required parameter IBM does not say whether it rejects the whole policy or only\n  \
         discards the statement): the stack keeps the AT-TLS policy installed before, and with none\n  \
         makes connections without AT-TLS. What follows is what the text would do if installed.\n",
    );
    out
}

/// The stack's effective policy from whichever source was given, with the errors `zat lint`
/// finds in policy files (none for a fleet, whose policy zat writes, or a report of what a
/// stack installed).
fn stack_policy(
    args: &Args,
    options: &Options,
) -> Result<(EffectivePolicy, Vec<zat_model::Diagnostic>), Exit> {
    if let Some(path) = &args.pasearch {
        let text = read(path)?;
        let name = path.display().to_string();
        let report = pasearch::read_image(&name, &text, args.stack.as_deref(), options);
        if args.stack.is_some() && report.image.is_none() {
            report::usage_error(&format!(
                "the report shows no image {}; it has {}",
                args.stack.as_deref().unwrap_or_default(),
                report.images.join(", ")
            ));
            return Err(Exit::Failure);
        }
        return Ok((report.policy, Vec::new()));
    }
    if !args.policy.is_empty() {
        let texts = lint::read_files(&args.policy)?;
        let files: Vec<PolicyFile<'_>> =
            texts.iter().map(|(path, text)| PolicyFile { path, text }).collect();
        // Read as one stack's files, as the effective policy reads them.
        let lint_options = LintOptions { separate: false, effective: *options };
        let errors: Vec<zat_model::Diagnostic> =
            lint_with(&files, &lint_options).into_iter().filter(|d| d.is_error()).collect();
        return Ok((effective(&files, options), errors));
    }
    let Some(script) = &args.script else {
        report::usage_error("give a fleet script, --policy FILE... or --pasearch FILE");
        return Err(Exit::Failure);
    };
    let prepared = common::prepare(&script_args(args, script))?;
    let choice = zat_driver::Choice { lpar: args.lpar.as_deref(), stack: args.stack.as_deref() };
    zat_driver::pick(&prepared, options, choice).map(|i| (i.policy, Vec::new())).map_err(
        |message| {
            report::usage_error(&message);
            Exit::Failure
        },
    )
}

fn script_args(args: &Args, script: &std::path::Path) -> common::ScriptArgs {
    common::ScriptArgs {
        script: script.to_path_buf(),
        set: args.set.clone(),
        lib: args.lib.clone(),
        timeout: 10.0,
        today: None,
        expiry_warning: 90,
        config_params: None,
    }
}

fn read(path: &PathBuf) -> Result<String, Exit> {
    std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).map_err(|err| {
        report::usage_error(&format!("cannot read {}: {err}", path.display()));
        Exit::Failure
    })
}

fn show<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "any".to_owned(), |v| v.to_string())
}

fn priority(rule: &EffectiveRule, options: &Options) -> String {
    match rule.priority {
        Some(p) => format!("priority {p}"),
        None => format!("no priority (ranked as {})", options.unprioritised),
    }
}

fn mismatches(list: &[Mismatch]) -> String {
    list.iter()
        .map(|m| format!("{} is {}, the rule wants {}", m.condition, m.connection, m.rule))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where the policy asked about comes from, for what to do about a rule not known in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A fleet script or policy files.
    Text,
    /// A `pasearch -t` report.
    Report,
}

/// The answer for one connection.
struct Answer {
    text: String,
    /// The rule the connection gets is not known in full (a report cut short): its settings
    /// are not all known.
    unknown: bool,
}

/// The answer for one connection, as text.
fn explain(
    policy: &EffectivePolicy,
    connection: &Connection,
    options: &Options,
    all: bool,
    source: Source,
) -> Answer {
    let text = |text: String| Answer { text, unknown: false };
    let mut out = String::new();
    let side = if connection.side == Side::Inbound { "inbound" } else { "outbound" };
    let _ = writeln!(
        out,
        "connection: {side}, local {}:{} remote {}:{}, job {}, user {}",
        show(connection.local_addr),
        show(connection.local_port),
        show(connection.remote_addr),
        show(connection.remote_port),
        show(connection.jobname.as_deref()),
        show(connection.userid.as_deref()),
    );
    let result = match_connection(policy, connection, options);
    let Some(matched) = result.matched else {
        // A rule that could match, given what the connection leaves out, is not guessed away:
        // the verdict says the answer waits for it.
        let undecided = result.outcomes.iter().any(|o| matches!(o.verdict, Verdict::Unknown(_)));
        out.push_str(if undecided {
            "undecided: no rule matches for certain; a rule below matches if the values it names \
             match (without it, the stack makes the connection without AT-TLS, in clear text)\n"
        } else {
            "no rule matches: the stack makes the connection without AT-TLS (clear text)\n"
        });
        for outcome in &result.outcomes {
            let rule = &policy.rules[outcome.rule];
            match &outcome.verdict {
                Verdict::Fails(why) => {
                    let _ = writeln!(
                        out,
                        "  {} ({}): {}",
                        rule.name,
                        priority(rule, options),
                        mismatches(why)
                    );
                }
                Verdict::Unknown(fields) => {
                    let _ = writeln!(
                        out,
                        "  {} ({}): matches if {} match; give them to decide",
                        rule.name,
                        priority(rule, options),
                        fields.join(", ")
                    );
                }
                Verdict::Matches => {}
            }
        }
        return text(out);
    };
    let rule = &policy.rules[matched];
    let _ = writeln!(out, "rule: {} ({})", rule.name, priority(rule, options));
    if let Some(time) = &rule.conditions.time_condition {
        out.push_str(&in_effect(policy, &result, matched, time, options));
    }
    let mut before = Vec::new();
    for outcome in &result.outcomes {
        if outcome.rule == matched {
            break;
        }
        let other = &policy.rules[outcome.rule];
        match &outcome.verdict {
            Verdict::Fails(why) => before.push(format!(
                "  {} ({}): does not match: {}",
                other.name,
                priority(other, options),
                mismatches(why)
            )),
            Verdict::Unknown(fields) => before.push(format!(
                "  {} ({}): would take the connection first if {} match; give them to decide",
                other.name,
                priority(other, options),
                fields.join(", ")
            )),
            Verdict::Matches => {}
        }
    }
    if !before.is_empty() {
        out.push_str("compared first:\n");
        for line in before {
            out.push_str(&line);
            out.push('\n');
        }
    }
    let beaten: Vec<(usize, Precedence)> = result.beaten(policy, options).collect();
    if !beaten.is_empty() {
        out.push_str("beats (they match too):\n");
        for (at, why) in beaten {
            let loser = &policy.rules[at];
            let reason = match why {
                Precedence::Priority { winner, loser } => {
                    format!("priority {winner} is higher than {loser}")
                }
                Precedence::Name { priority, collation } => format!(
                    "same priority {priority}; Policy Agent orders equal priorities by name ({} order) and {} comes first",
                    if collation == Collation::Ebcdic { "EBCDIC" } else { "ASCII" },
                    rule.name
                ),
            };
            let _ = writeln!(out, "  {}: {reason}", loser.name);
        }
    }
    let known = |s: &zat_policy::effective::Setting| {
        !matches!(s.origin, Origin::Default | Origin::SystemSsl)
    };
    // A rule not known in full has TTLSEnabled Off only when its source shows it.
    let clear = rule.settings.get("TTLSEnabled").is_some_and(|s| s.value == "Off" && known(s));
    if !rule.enabled() && (rule.complete || clear) {
        out.push_str("TTLSEnabled Off: the connection is in clear text, by this rule\n");
        return text(out);
    }
    let unknown = !rule.complete;
    if unknown {
        // What a source does not show is not known: no default stands in for it.
        let why: Vec<&str> = policy
            .findings
            .iter()
            .filter(|f| f.rule.as_deref() == Some(rule.name.as_str()))
            .filter(|f| f.kind == zat_policy::FindingKind::Unresolved)
            .map(|f| f.message.as_str())
            .collect();
        out.push_str("handshake settings: not known in full:\n");
        for message in why {
            let _ = writeln!(out, "  {message}");
        }
        out.push_str(match source {
            Source::Report => {
                "  only the settings the report shows follow, and no default stands in for the others (a report cut short, as a truncated SYSOUT is, lacks the end of the policy: run `pasearch -t` again and keep all of its output)\n"
            }
            Source::Text => {
                "  only the settings written follow, and no default stands in for the others (`zat lint` says what is missing)\n"
            }
        });
    } else {
        out.push_str("handshake settings:\n");
    }
    let shown: Vec<(&String, &zat_policy::effective::Setting)> = rule
        .settings
        .iter()
        .filter(|(key, setting)| {
            if unknown {
                return known(setting);
            }
            all || known(setting) || ALWAYS.contains(&key.as_str())
        })
        .collect();
    let hidden = rule.settings.len() - shown.len();
    let width = shown.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, setting) in shown {
        let from = match &setting.origin {
            Origin::Written { statement, place } => match place.span {
                Some(span) => format!(
                    "{statement}, {}:{}",
                    policy.files.get(place.file).map_or("", String::as_str),
                    span.line
                ),
                None => statement.clone(),
            },
            Origin::Reported => "pasearch report".to_owned(),
            Origin::Default => format!("default, z/OS {}", policy.release.label()),
            Origin::SystemSsl => "System SSL default".to_owned(),
        };
        let _ = writeln!(out, "  {key:<width$}  {}  ({from})", setting.value);
    }
    if hidden > 0 && !unknown {
        let _ = writeln!(
            out,
            "  and {hidden} more at their documented or System SSL default (--all lists them)"
        );
    }
    Answer { text: out, unknown }
}

/// When a rule with a time condition takes the connection, and what the connection gets at
/// other times. zat does not know the date and time on the LPAR, so it says both and decides
/// neither.
fn in_effect(
    policy: &EffectivePolicy,
    result: &zat_policy::MatchResult,
    matched: usize,
    time: &str,
    options: &Options,
) -> String {
    let mut out = format!(
        "  only when its time condition holds: {time}\n  \
         (zat does not know the date and time on the LPAR, so it does not say whether the rule is in effect now)\n"
    );
    let after = result.outcomes.iter().skip_while(|o| o.rule != matched).skip(1);
    let next = after.filter(|o| !matches!(o.verdict, Verdict::Fails(_))).find_map(|o| {
        let rule = policy.rules.get(o.rule)?;
        let also = if rule.conditions.time_condition.is_some() {
            ", itself only when its time condition holds"
        } else {
            ""
        };
        Some(match &o.verdict {
            Verdict::Unknown(fields) => format!(
                "{} ({}) takes it if {} match{also}",
                rule.name,
                priority(rule, options),
                fields.join(", ")
            ),
            _ => format!("it gets {} ({}){also}", rule.name, priority(rule, options)),
        })
    });
    let _ = writeln!(
        out,
        "  at other times the stack compares the rules after it: {}",
        next.unwrap_or_else(|| {
            "no other rule matches, and the connection is made without AT-TLS (clear text)"
                .to_owned()
        })
    );
    out
}

/// Settings shown even at their default: what decides whether a handshake succeeds.
const ALWAYS: &[&str] = &[
    "SSLv3",
    "TLSv1",
    "TLSv1.1",
    "TLSv1.2",
    "TLSv1.3",
    "V3CipherSuites",
    "ClientAuthType",
    "ApplicationControlled",
    "HandshakeTimeout",
];

/// Every rule of every stack of the fleet, checked with a connection it is meant for.
fn fleet(args: &Args, options: &Options) -> Exit {
    let Some(script) = &args.script else { return Exit::Failure };
    let prepared = match common::prepare(&script_args(args, script)) {
        Ok(prepared) => prepared,
        Err(exit) => return exit,
    };
    let mut out = String::new();
    let mut wrong = 0;
    // One LPAR's policies at a time: a fleet of thousands of LPARs has tens of thousands.
    let choice = zat_driver::Choice { lpar: args.lpar.as_deref(), stack: args.stack.as_deref() };
    let checked = zat_driver::each_installed(&prepared, options, choice, |stack| {
        for (at, rule) in stack.policy.rules.iter().enumerate() {
            let sides: &[Side] = match rule.conditions.direction {
                Some(zat_policy::effective::Direction::Inbound) => &[Side::Inbound],
                Some(zat_policy::effective::Direction::Outbound) => &[Side::Outbound],
                _ => &[Side::Inbound, Side::Outbound],
            };
            for side in sides {
                let connection = zat_policy::matcher::written_for(rule, *side);
                let result = match_connection(&stack.policy, &connection, options);
                let got = result.matched.map(|at| stack.policy.rules[at].name.as_str());
                // The connection is one of many the rule is written for: another rule taking
                // it is wrong only if that side of the rule is taken whole (a narrower rule
                // compared first is an exception, and the rest still reach the rule).
                let shadowed = || {
                    shadowed_by(&stack.policy, at, Some(*side), options)
                        .map(|wide| stack.policy.rules[wide].name.as_str())
                };
                let taken = rule.complete && matches(rule, &connection);
                let verdict = match got {
                    Some(name) if name == rule.name => "ok".to_owned(),
                    Some(name) if taken => match shadowed() {
                        Some(wide) => {
                            wrong += 1;
                            format!("lands on {wide} instead")
                        }
                        None => format!("ok ({name} takes some first)"),
                    },
                    Some(name) => {
                        wrong += 1;
                        format!("lands on {name} instead")
                    }
                    None => {
                        wrong += 1;
                        "matches no rule".to_owned()
                    }
                };
                let _ = writeln!(
                    out,
                    "{}/{}  {:<32} {:<8} {verdict}",
                    stack.lpar,
                    stack.stack,
                    rule.name,
                    format!("{side:?}").to_lowercase()
                );
            }
        }
    });
    if let Err(message) = checked {
        report::usage_error(&message);
        return Exit::Failure;
    }
    let written = common::write_stdout(&out);
    if written != Exit::Ok {
        return written;
    }
    if wrong > 0 {
        tracing::warn!("{wrong} connections do not reach the rule written for them");
        Exit::InputErrors
    } else {
        Exit::Ok
    }
}
