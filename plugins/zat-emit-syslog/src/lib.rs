//! syslogd emitter: syslog.conf per LPAR for Policy Agent and AT-TLS messages.
//!
//! One `syslog.conf` per LPAR of the run that has a stack with TTLS on
//! ([`layout::syslog_conf`], installed at `SyslogSettings.config_path`). It routes:
//! - AT-TLS messages, which each stack writes to facility `daemon` under its own job name,
//!   with the z/OS `userid.jobname.facility.priority` selector, one line per TTLS stack;
//! - Policy Agent messages, selected by the PAGENT job name, any facility (the facility
//!   Policy Agent uses is not confirmed, so the selector does not depend on it);
//! - optionally every `err` message to a catch-all file.
//!
//! Job names are matched exactly by default, so two stacks never write the same message
//! twice. A site whose jobs run under generated names (started from the z/OS UNIX shell)
//! sets the option `syslog.wildcard_jobnames=true` to append `*` to every job name.

use minijinja::{Environment, context};
use zat_plugin_api::layout;
use zat_plugin_api::model::{Diagnostic, Fleet, Lpar};
use zat_plugin_api::templates::error as template_error;
use zat_plugin_api::{EmitError, Emitter, OutputFile, RenderRequest, RenderResponse};

const TEMPLATE: &str = include_str!("../templates/syslog.conf");

/// Diagnostic: a priority that syslogd does not know.
const BAD_PRIORITY: &str = "ZAT0355";
/// Diagnostic: a log file path syslogd cannot use.
const BAD_LOG_PATH: &str = "ZAT0356";

/// Option that appends `*` to every job name in a selector.
pub const WILDCARD_OPTION: &str = "syslog.wildcard_jobnames";

/// Priorities from most to least severe, as z/OS syslogd spells them.
const PRIORITIES: [&str; 8] =
    ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

/// Modes of log files and directories syslogd creates.
const CREATE_MODES: &str = "-F 640 -D 750";

/// The syslogd emitter (`syslog`).
#[derive(Debug, Default)]
pub struct SyslogEmitter;

impl Emitter for SyslogEmitter {
    const NAME: &'static str = "syslog";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const OPTIONS: Option<&'static [&'static str]> = Some(&["wildcard_jobnames"]);
    const PROVIDES: &'static [&'static str] = &[zat_plugin_api::UNIT_LPAR];

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let env = TEMPLATES.get(compile)?;
        let wildcard = request.options.get(WILDCARD_OPTION).is_some_and(|v| v == "true");
        let mut response = RenderResponse::default();
        for lpar in request.fleet.lpars.iter().filter(|lpar| request.includes_lpar(&lpar.name)) {
            if !lpar.stacks.iter().any(|stack| stack.ttls) {
                continue;
            }
            if !check_settings(lpar, &mut response.diagnostics) {
                continue;
            }
            let content = render_lpar(env, &request.fleet, lpar, wildcard)?;
            response.files.push(OutputFile {
                path: layout::syslog_conf(&lpar.name),
                content,
                // A snippet: the site's syslogd configuration holds other lines too, so a person
                // merges it; deploy scripts never overwrite the whole file.
                target: Some(format!("lines to merge into {}", layout::syslog_conf_target(lpar))),
                placement: Some(zat_plugin_api::model::Placement::manual_text(format!(
                    "merge these lines into {}",
                    layout::syslog_conf_target(lpar)
                ))),
            });
        }
        Ok(response)
    }
}

/// The compiled templates, built once per process (not once per unit).
static TEMPLATES: zat_plugin_api::BuiltOnce<Environment<'static>> =
    zat_plugin_api::BuiltOnce::new();

fn compile() -> Result<Environment<'static>, EmitError> {
    let mut env = zat_plugin_api::templates::environment(true);
    env.add_template("syslog.conf", TEMPLATE).map_err(template_error)?;
    Ok(env)
}

fn render_lpar(
    env: &Environment<'_>,
    fleet: &Fleet,
    lpar: &Lpar,
    wildcard: bool,
) -> Result<String, EmitError> {
    let settings = &lpar.syslog;
    let job = |name: &str| {
        let name = name.to_ascii_uppercase();
        if wildcard { format!("{name}*") } else { name }
    };
    let attls: Vec<(String, String)> = lpar
        .stacks
        .iter()
        .filter(|stack| stack.ttls)
        .map(|stack| {
            (
                format!("*.{}.daemon.{}", job(&stack.name), settings.attls_level),
                format!("{} {CREATE_MODES}", settings.attls_log),
            )
        })
        .collect();
    let pagent = (
        format!("*.{}.*.{}", job(&lpar.pagent.jobname), settings.pagent_level),
        format!("{} {CREATE_MODES}", settings.pagent_log),
    );
    let error = settings
        .error_log
        .as_ref()
        .map(|path| ("*.err".to_owned(), format!("{path} {CREATE_MODES}")));
    // Align the destinations in one column: selectors padded to the longest one.
    let width = attls
        .iter()
        .chain(std::iter::once(&pagent))
        .chain(error.iter())
        .map(|(selector, _)| selector.len())
        .max()
        .unwrap_or(0)
        + 2;
    let line =
        |(selector, destination): &(String, String)| format!("{selector:<width$}{destination}");
    let view = context! {
        fleet => fleet.name,
        lpar => lpar.name,
        target => layout::syslog_conf_target(lpar),
        syslogd_job => settings.jobname,
        pagent_job => lpar.pagent.jobname,
        attls => attls.iter().map(line).collect::<Vec<_>>(),
        pagent => line(&pagent),
        error => error.as_ref().map(line),
    };
    env.get_template("syslog.conf").and_then(|t| t.render(view)).map_err(template_error)
}

/// Reports settings syslogd would reject or misread; false when the file cannot be written.
fn check_settings(lpar: &Lpar, diagnostics: &mut Vec<Diagnostic>) -> bool {
    let settings = &lpar.syslog;
    let object = format!("lpar {} / syslog", lpar.name);
    let mut ok = true;
    for (what, level) in
        [("attls_level", &settings.attls_level), ("pagent_level", &settings.pagent_level)]
    {
        if !PRIORITIES.contains(&level.as_str()) {
            ok = false;
            diagnostics.push(
                Diagnostic::error(
                    BAD_PRIORITY,
                    format!("{what} `{level}` is not a syslogd priority"),
                )
                .object(object.clone())
                .at(&lpar.origin)
                .help(format!("use one of {}", PRIORITIES.join(", "))),
            );
        }
    }
    let paths =
        [("attls_log", Some(&settings.attls_log)), ("pagent_log", Some(&settings.pagent_log))];
    for (what, path) in paths.into_iter().chain([("error_log", settings.error_log.as_ref())]) {
        let Some(path) = path else { continue };
        if !path.starts_with('/')
            || path.chars().any(|c| c.is_whitespace() || !c.is_ascii_graphic())
        {
            ok = false;
            diagnostics.push(
                Diagnostic::error(
                    BAD_LOG_PATH,
                    format!("{what} `{path}` is not an absolute z/OS UNIX path without blanks"),
                )
                .object(object.clone())
                .at(&lpar.origin)
                .help("give the full path of the log file, e.g. /var/log/attls.log"),
            );
        }
    }
    ok
}
