//! TCPIP PROFILE emitter: TCPCONFIG TTLS snippets and OBEYFILE members per stack.
//!
//! For every stack with TTLS on, on every LPAR of the run, two members of the site's TCP/IP
//! parameter data set (`SiteDefaults.tcpparms`):
//! - the PROFILE snippet ([`layout::tcpip_profile`]): `TCPCONFIG TTLS`, optionally
//!   `AUTOLOG` of Policy Agent and the syslogd `PORT` reservation, to include in the stack's
//!   initial profile once the SERVAUTH job ran;
//! - the OBEYFILE member ([`layout::tcpip_obeyfile`]): `TCPCONFIG TTLS` alone, with the
//!   `V TCPIP,...,SYNTAXCHECK` and `V TCPIP,...,OBEYFILE` commands that apply it.
//!
//! The templates lay the text out; [`format_profile`] then upper-cases it, wraps long comments
//! and refuses any statement that would pass column 71.

use minijinja::{Environment, context};
use zat_plugin_api::layout;
use zat_plugin_api::model::{Diagnostic, Fleet, Lpar, Stack};
use zat_plugin_api::templates::error as template_error;
use zat_plugin_api::{EmitError, Emitter, OutputFile, RenderRequest, RenderResponse};
use zat_zos as zos;

/// Last column a TCP/IP profile statement may use.
pub const PROFILE_COLUMNS: usize = 71;

const PROFILE_TEMPLATE: &str = include_str!("../templates/profile.txt");
const OBEYFILE_TEMPLATE: &str = include_str!("../templates/obeyfile.txt");

/// Diagnostic: two stacks of the fleet derive the same member name.
const MEMBER_CLASH: &str = "ZAT0350";

/// The TCPIP PROFILE emitter (`tcpip`).
#[derive(Debug, Default)]
pub struct TcpipEmitter;

impl Emitter for TcpipEmitter {
    const NAME: &'static str = "tcpip";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const OPTIONS: Option<&'static [&'static str]> = Some(&[]);
    const PROVIDES: &'static [&'static str] =
        &[zat_plugin_api::UNIT_LPAR, zat_plugin_api::UNIT_FLEET];

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let env = TEMPLATES.get(compile)?;
        let fleet = &request.fleet;
        let mut response = RenderResponse::default();
        // Across LPARs: in the fleet's own call (every LPAR's stacks are there, as outlines).
        if request.writes_fleet_files() {
            check_member_clashes(fleet, &mut response.diagnostics);
        }
        for lpar in fleet.lpars.iter().filter(|lpar| request.includes_lpar(&lpar.name)) {
            for stack in lpar.stacks.iter().filter(|stack| stack.ttls) {
                render_stack(env, fleet, lpar, stack, &mut response.files)?;
            }
        }
        Ok(response)
    }
}

/// The compiled templates, built once per process (not once per unit).
static TEMPLATES: zat_plugin_api::BuiltOnce<Environment<'static>> =
    zat_plugin_api::BuiltOnce::new();

fn compile() -> Result<Environment<'static>, EmitError> {
    let mut env = zat_plugin_api::templates::environment(true);
    env.add_template("profile", PROFILE_TEMPLATE).map_err(template_error)?;
    env.add_template("obeyfile", OBEYFILE_TEMPLATE).map_err(template_error)?;
    Ok(env)
}

fn render_stack(
    env: &Environment<'_>,
    fleet: &Fleet,
    lpar: &Lpar,
    stack: &Stack,
    files: &mut Vec<OutputFile>,
) -> Result<(), EmitError> {
    // Member names are hashes of the LPAR and stack names: made once, used for the target,
    // the view and the placement.
    let profile_member = layout::tcpip_profile_member(&lpar.name, &stack.name);
    let obey_member = layout::tcpip_obeyfile_member(&lpar.name, &stack.name);
    let profile_target = layout::tcpparms_target(&fleet.defaults, &profile_member);
    let obey_target = layout::tcpparms_target(&fleet.defaults, &obey_member);
    // The users expansion permits to EZB.INITSTACK (Policy Agent first, no repeats): the same
    // list every security emitter writes.
    let users = stack.initstack.as_ref().map(|access| access.users.join(", ")).unwrap_or_default();
    let view = context! {
        fleet => fleet.name,
        lpar => lpar.name,
        stack => stack.name,
        profile_target => profile_target,
        obey_target => obey_target,
        initstack_users => users,
        autolog => stack.autolog_pagent,
        pagent_job => lpar.pagent.jobname,
        syslogd_port => stack.syslogd_port,
        syslogd_job => lpar.syslog.jobname,
    };
    for (template, path, target, member) in [
        (
            "profile",
            layout::tcpip_profile(&lpar.name, &stack.name),
            profile_target.clone(),
            profile_member,
        ),
        (
            "obeyfile",
            layout::tcpip_obeyfile(&lpar.name, &stack.name),
            obey_target.clone(),
            obey_member,
        ),
    ] {
        let text =
            env.get_template(template).and_then(|t| t.render(&view)).map_err(template_error)?;
        let content = format_profile(&text).map_err(|line| {
            EmitError::Message(format!(
                "line in {path} does not fit in column {PROFILE_COLUMNS} or has a character unsafe in code page 1047: {line}"
            ))
        })?;
        let placement = Some(layout::tcpparms_placement(&fleet.defaults, &member));
        files.push(OutputFile { path, content, target: Some(target), placement });
    }
    Ok(())
}

/// Upper-cases rendered profile text and keeps every line in columns 1-71 and in the code
/// page 1047 safe set ([`zos::is_safe_char`], which also excludes tabs): a long `;` comment
/// is wrapped at a blank or after a comma onto further `;`
/// lines with the same indentation. A statement longer than 71 columns is returned as `Err`.
pub fn format_profile(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    for line in text.to_ascii_uppercase().lines() {
        let line = line.trim_end();
        // By bytes, without decoding characters: a byte of a multi-byte character becomes a
        // character in U+0080..U+00FF, which is never safe, so the answer is the same.
        if !line.bytes().all(|byte| zos::is_safe_char(char::from(byte))) {
            return Err(line.to_owned());
        }
        // Every safe character is ASCII: the length in bytes is the number of columns.
        if line.len() <= PROFILE_COLUMNS {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        // Wrapping works on bytes; anything but ASCII cannot go to z/OS safely anyway.
        let Some(body) = line.strip_prefix(';').filter(|_| line.is_ascii()) else {
            return Err(line.to_owned());
        };
        // The wrapped lines are written straight into `out`: `;` and the comment's own
        // indentation (one to eight blanks), two more blanks on every further line.
        let indent = (body.len() - body.trim_start().len()).clamp(1, 8);
        let mut rest = body.trim_start();
        let mut line_start = out.len();
        out.push(';');
        out.extend(std::iter::repeat_n(' ', indent));
        loop {
            let room = PROFILE_COLUMNS - (out.len() - line_start);
            if rest.len() <= room {
                out.push_str(rest);
                break;
            }
            // Break at the later of the last blank and the last comma that fit: the comma
            // stays on the line, so a console command reads as one when joined again.
            let window = &rest[..=room];
            let at_blank = window.rfind(' ').map(|at| (at, at + 1));
            let at_comma = window[..room].rfind(',').map(|at| (at + 1, at + 1));
            let split = at_blank.max(at_comma).filter(|(end, _)| *end > 0);
            let Some((end, next)) = split else {
                return Err(line.to_owned());
            };
            out.push_str(rest[..end].trim_end());
            out.push('\n');
            rest = rest[next..].trim_start();
            line_start = out.len();
            out.push(';');
            out.extend(std::iter::repeat_n(' ', indent + 2));
        }
        out.push('\n');
    }
    Ok(out)
}

/// Member names are hashes: report two stacks of the fleet that would overwrite each other's
/// member in the shared data set.
fn check_member_clashes(fleet: &Fleet, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for lpar in &fleet.lpars {
        for stack in lpar.stacks.iter().filter(|stack| stack.ttls) {
            let member = layout::tcpip_profile_member(&lpar.name, &stack.name);
            let object = format!("lpar {} / stack {}", lpar.name, stack.name);
            if let Some(first) = seen.get(&member) {
                diagnostics.push(
                    Diagnostic::error(
                        MEMBER_CLASH,
                        format!("stack gets the same tcpparms member {member} as {first}"),
                    )
                    .object(object)
                    .at(&stack.origin)
                    .help("rename the stack or the lpar; member names are derived from both"),
                );
            } else {
                seen.insert(member, object);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_comments_wrap_within_71_columns() {
        let long = format!("; {}\n", "WORD ".repeat(30));
        let out = format_profile(&long).expect("wraps");
        assert!(out.lines().count() > 1);
        assert!(out.lines().all(|line| line.len() <= PROFILE_COLUMNS && line.starts_with(';')));
    }

    #[test]
    fn long_commands_break_after_a_comma() {
        let text = format!(";   V TCPIP,TCPIP,OBEYFILE,DSN={}.X(M)\n", "A2345678.".repeat(5));
        let out = format_profile(&text).expect("wraps");
        let first = out.lines().next().expect("a line");
        assert!(first.ends_with(','), "{out}");
        assert!(out.lines().all(|line| line.len() <= PROFILE_COLUMNS));
    }

    #[test]
    fn long_statements_are_refused() {
        let text = format!("PORT {}\n", "9".repeat(80));
        assert!(format_profile(&text).is_err());
    }
}
