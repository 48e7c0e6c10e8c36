//! `zat verify FLEET.rhai --pasearch FILE`: compare what a live stack runs (its `pasearch -t`
//! report) with what the fleet would install on it, rule by rule and setting by setting.
//!
//! stdout lists every difference, one per line; exit 1 on drift, and on a rule the report
//! does not show in full (`unknown`): what it does not show is not known, so never no drift.
//! A report of other stacks only is an error (exit 2).

use std::path::PathBuf;

use zat_policy::{Difference, compare, pasearch};

use crate::{Exit, common, lint, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: common::ScriptArgs,
    /// The `pasearch -t` report of the live stack.
    #[arg(long, value_name = "FILE")]
    pub(crate) pasearch: PathBuf,
    /// LPAR of the stack (needed when the fleet has more than one).
    #[arg(long, value_name = "NAME")]
    pub(crate) lpar: Option<String>,
    /// TCP/IP stack (needed when the LPAR has more than one); also the report's image.
    #[arg(long, value_name = "NAME")]
    pub(crate) stack: Option<String>,
    #[command(flatten)]
    pub(crate) engine: lint::EngineArgs,
}

pub(crate) fn run(args: &Args) -> Exit {
    let prepared = match common::prepare(&args.script) {
        Ok(prepared) => prepared,
        Err(exit) => return exit,
    };
    let options = args.engine.options();
    let choice = zat_driver::Choice { lpar: args.lpar.as_deref(), stack: args.stack.as_deref() };
    let intended = match zat_driver::pick(&prepared, &options, choice) {
        Ok(intended) => intended,
        Err(message) => {
            report::usage_error(&message);
            return Exit::Failure;
        }
    };
    let text = match std::fs::read(&args.pasearch) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) => {
            report::usage_error(&format!("cannot read {}: {err}", args.pasearch.display()));
            return Exit::Failure;
        }
    };
    let path = args.pasearch.display().to_string();
    if !pasearch::is_report(&text) {
        report::usage_error(&format!("{path} is not a `pasearch -t` report"));
        return Exit::Failure;
    }
    let mut live = pasearch::read_image(&path, &text, Some(&intended.stack), &options);
    if live.image.is_none() {
        // A report of other stacks only: comparing the fleet's stack with another stack's
        // policy says nothing about this one (IBM: "ensure that pasearch is reporting on the
        // stack you are interested in"), so it is an error, as for `zat import --stack`.
        if !live.images.is_empty() {
            let held = match live.images.as_slice() {
                [one] => {
                    format!("the report holds the policy of stack {one}, not {}", intended.stack)
                }
                all => format!(
                    "the report holds the policy of {} stacks ({}), none of them {}",
                    all.len(),
                    all.join(", "),
                    intended.stack
                ),
            };
            report::usage_error(&format!(
                "{held}; verify compares a stack only with a report of it: run `pasearch -t -p {}` on {}, or give --lpar and --stack of the fleet's stack the report is of",
                intended.stack, intended.lpar,
            ));
            return Exit::Failure;
        }
        // No `Image Name:` at all (the title lines cut off, or pasted without them): nothing
        // says which stack it is of, so it is read as this stack's, and the warning says so.
        tracing::warn!(
            "the report names no image (no `Image Name:` line); it is compared as the report of {}/{}",
            intended.lpar,
            intended.stack
        );
        live = pasearch::read(&path, &text, &options);
    }
    let differences = compare(&intended.policy, &live.policy);
    let mut out = String::new();
    for difference in &differences {
        out.push_str(&describe(difference));
        out.push('\n');
    }
    let written = common::write_stdout(&out);
    if written != Exit::Ok {
        return written;
    }
    if differences.is_empty() {
        // A run that succeeds says so in one line, as every command does (not under -q).
        crate::report::success(&format!(
            "{}/{}: no drift: the stack has the fleet's {} rules as the fleet says",
            intended.lpar,
            intended.stack,
            intended.policy.rules.len()
        ));
        Exit::Ok
    } else {
        tracing::warn!(
            "{}/{}: {} differences between the fleet and the live stack",
            intended.lpar,
            intended.stack,
            differences.len()
        );
        Exit::InputErrors
    }
}

/// One line per difference: what the fleet expects and what the stack has.
fn describe(difference: &Difference) -> String {
    match difference {
        Difference::Missing { rule } => {
            format!("missing  rule {rule}: the fleet has it, the stack does not")
        }
        Difference::Extra { rule } => {
            format!("extra    rule {rule}: the stack has it, the fleet does not")
        }
        Difference::Condition { rule, condition, expected, actual } => {
            format!(
                "differs  rule {rule}: {condition} is {actual} on the stack, the fleet says {expected}"
            )
        }
        Difference::Setting { rule, setting, expected, actual } => {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not set)".to_owned());
            format!(
                "differs  rule {rule}: {setting} is {} on the stack, the fleet says {}",
                show(actual),
                show(expected)
            )
        }
        Difference::Unreadable { rule, why } => {
            format!(
                "unknown  rule {rule}: {}; the settings the report does not show are not compared (a report cut short, as a truncated SYSOUT is, lacks the end of the policy: run `pasearch -t` again and keep all of its output)",
                why.join("; ")
            )
        }
    }
}
