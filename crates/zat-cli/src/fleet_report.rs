//! `zat report`: one self-contained HTML page about a fleet, for people: its LPARs and stacks,
//! every requester → server connection with the rule that protects it, every AT-TLS rule, the
//! certificate expiry calendar and every diagnostic.
//!
//! The page loads nothing from the network: styles and the small filter script are inline.
//! What it shows is computed here; `templates/report.html` only lays it out (minijinja with
//! HTML auto-escaping, so no name from a script can inject markup).
//!
//! A fleet of thousands of LPARs has hundreds of thousands of connections and rules: their
//! rows are made as the template reaches them ([`Rows`]) and the page is written to its file
//! as it is laid out, so the report holds the fleet and little more, whatever the page's size.
//! The plugins render as for `zat check` (every file checked, none kept).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use zat_model::{CertSource, Diagnostic, Fleet, Protocols, Severity, places_by_name};

use crate::build::RunArgs;
use crate::common::ScriptArgs;
use crate::{Exit, report};

const TEMPLATE: &str = include_str!("../templates/report.html");

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
    /// The HTML file to write.
    #[arg(short, long, value_name = "FILE", default_value = "report.html")]
    pub(crate) output: PathBuf,
    /// Leave out every warning or note with this code (repeatable), as for `zat check`.
    #[arg(long = "allow", value_name = "CODE", add = clap_complete::engine::ArgValueCompleter::new(crate::completions::codes))]
    pub(crate) allow: Vec<String>,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

/// A calendar day as days since 1970-01-01 (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Day(i64);

impl Day {
    /// Today in UTC, from the system clock.
    fn today() -> Day {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        Day(i64::try_from(seconds / 86_400).unwrap_or(0))
    }

    /// `YYYY-MM-DD` when it is a real date.
    fn parse(text: &str) -> Option<Day> {
        let mut parts = text.splitn(3, '-');
        let year: i64 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day < 1 {
            return None;
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let length = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (day <= length).then(|| Day(days_from_civil(year, month, day)))
    }

    fn text(self) -> String {
        let (year, month, day) = civil_from_days(self.0);
        format!("{year:04}-{month:02}-{day:02}")
    }
}

/// Days since 1970-01-01 of a Gregorian date (the era-based method: 400-year eras of 146097
/// days, years counted from March so that the leap day ends the year).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
}

pub(crate) fn run(args: &Args) -> Exit {
    crate::output::warn_unknown_codes(&args.allow);
    // Before any work: a page that could not go there is said at once.
    if let Err(message) = output_allowed(&args.output) {
        report::usage_error(&message);
        return Exit::Failure;
    }
    let inputs = match args.run.inputs(&args.script, &args.allow) {
        Ok(inputs) => inputs,
        Err(exit) => return exit,
    };
    // Every file is checked as it renders, and none is kept: the page needs the fleet and the
    // diagnostics only.
    let comparer = match crate::build::comparer(None, None) {
        Ok(comparer) => comparer,
        Err(exit) => return exit,
    };
    let plugins = args.run.plugins.builder_for(Some(&args.script.script));
    let mut outcome = zat_driver::compare(&inputs, plugins, comparer);
    outcome.diagnostics.splice(0..0, args.script.unread_params());
    outcome.diagnostics.retain(|d| {
        d.is_error() || !args.allow.iter().any(|code| code.eq_ignore_ascii_case(&d.code))
    });
    report::diagnostics(&outcome.diagnostics);
    let fleet = match outcome.result {
        Ok(compared) => compared.fleet,
        // Errors in the model or from a plugin: report the fleet as the script and the core
        // left it, errors included, so that the page shows what to fix.
        Err(zat_driver::Failure::Input) => match zat_driver::prepare(&inputs).result {
            Ok(fleet) => fleet,
            Err(_) => match zat_script::run_file(&inputs.script, &inputs.script_options) {
                Ok(fleet) => zat_core::prepare(fleet).fleet,
                Err(_) => return Exit::InputErrors,
            },
        },
        Err(failure) => {
            let left = format!("no report was written: {} is as it was", args.output.display());
            return crate::common::report_failure_leaving(&failure, &left);
        }
    };
    // The expiry calendar counts from the same day as the checks (`--today`, else today).
    let today = args.script.today.map_or_else(Day::today, |(year, month, day)| {
        Day(days_from_civil(i64::from(year), month, day))
    });
    let errors = outcome.diagnostics.iter().any(Diagnostic::is_error);
    if let Err(message) = write_page(&args.output, fleet, outcome.diagnostics, today) {
        report::usage_error(&message);
        return Exit::Failure;
    }
    tracing::info!("wrote {}", args.output.display());
    if errors { Exit::InputErrors } else { Exit::Ok }
}

/// What every page starts with, up to the fleet's name: a file that does not is not one this
/// command wrote, and is never replaced.
const PAGE_START: &str = "<!DOCTYPE html>";
const PAGE_TITLE: &str = "<title>zat report: fleet ";

/// Why the page may not be written to `output`, if it may not. The page replaces only an
/// earlier page: not a link (the link would be replaced, not what it names), a folder, FIFO or
/// device (as root, `-o /dev/null` would replace the device with a file), nor any other file,
/// such as the fleet script named by mistake (`-o fleet.rhai`).
fn output_allowed(output: &Path) -> Result<(), String> {
    use std::io::Read as _;
    let shown = output.display();
    if crate::common::output_file(output, "zat report")?.is_none() {
        return Ok(());
    }
    let mut head = Vec::with_capacity(1024);
    std::fs::File::open(output)
        .and_then(|file| file.take(1024).read_to_end(&mut head))
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    let head = String::from_utf8_lossy(&head);
    if !(head.starts_with(PAGE_START) && head.contains(PAGE_TITLE)) {
        return Err(format!(
            "{shown} exists and is not a page zat report wrote; it is left as it is: remove it or choose another -o"
        ));
    }
    Ok(())
}

/// Lays the page out into a new file beside `output` and puts it in place when it is whole: a
/// report that fails half-way leaves the last one as it was.
fn write_page(
    output: &Path,
    fleet: Fleet,
    diagnostics: Vec<Diagnostic>,
    today: Day,
) -> Result<(), String> {
    let folder = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let cannot_write =
        |error: &dyn std::fmt::Display| format!("cannot write {}: {error}", output.display());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zat-report-");
    // Made as any new file is (0666 less the umask, not only for its owner as a temporary file
    // is); a page that replaces another asks for that one's permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let permissions = std::fs::metadata(output)
            .map_or_else(|_| std::fs::Permissions::from_mode(0o666), |meta| meta.permissions());
        builder.permissions(permissions);
    }
    let file = builder.tempfile_in(folder).map_err(|error| cannot_write(&error))?;
    let mut writer = std::io::BufWriter::new(file);
    render(Arc::new(fleet), diagnostics.into(), today, &mut writer)
        .map_err(|error| format!("cannot lay out the report: {error}"))?;
    let file = writer.into_inner().map_err(|error| cannot_write(error.error()))?;
    file.persist(output).map_err(|error| cannot_write(&error.error))?;
    Ok(())
}

/// Writes the page for `fleet` with `diagnostics` to `out`, counting certificate lifetimes
/// from `today`.
pub(crate) fn render(
    fleet: Arc<Fleet>,
    diagnostics: Arc<[Diagnostic]>,
    today: Day,
    out: &mut impl Write,
) -> Result<(), minijinja::Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.add_template("report", TEMPLATE)?;
    env.get_template("report")?.render_captured_to(view(fleet, diagnostics, today), out)?;
    Ok(())
}

/// The TLS versions a level allows, newest first.
fn protocols(protocols: &Protocols) -> String {
    let names = [
        (protocols.tlsv1_3, "TLS 1.3"),
        (protocols.tlsv1_2, "TLS 1.2"),
        (protocols.tlsv1_1, "TLS 1.1"),
        (protocols.tlsv1, "TLS 1.0"),
        (protocols.sslv3, "SSL 3"),
        (protocols.sslv2, "SSL 2"),
    ];
    let on: Vec<&str> = names.iter().filter(|(on, _)| *on).map(|(_, name)| *name).collect();
    if on.is_empty() { "none".to_owned() } else { on.join(", ") }
}

/// A level's name with the TLS versions it allows.
fn level_text(levels: &HashMap<String, String>, level: &str) -> String {
    match levels.get(level) {
        Some(found) => format!("{level} ({found})"),
        None => level.to_owned(),
    }
}

/// Which expiry band a certificate falls in, from `today` (also its CSS class).
fn band(days_left: i64) -> &'static str {
    match days_left {
        ..0 => "expired",
        0..=30 => "d30",
        31..=90 => "d90",
        91..=365 => "d365",
        _ => "later",
    }
}

/// The names the rows look up, found once: each connection looks up its server, database and
/// level, and a fleet may have a z/OS Connect server on each of thousands of LPARs.
#[derive(Debug)]
struct Lookups {
    fleet: Arc<Fleet>,
    /// The first server and database of each name, by place in the fleet's lists.
    servers: HashMap<String, usize>,
    databases: HashMap<String, usize>,
    /// Each level's TLS versions (the first level of each name).
    levels: HashMap<String, String>,
    /// Rules that the connections they are written for do not reach (ZAT0320), by their
    /// diagnostic's object ([`zat_driver::wrong_rule_object`]): the page does not name them as the
    /// rule that protects a connection.
    missed: HashSet<String>,
}

impl Lookups {
    fn new(fleet: Arc<Fleet>, diagnostics: &[Diagnostic]) -> Self {
        let mut levels = HashMap::new();
        for level in &fleet.security_levels {
            levels.entry(level.name.clone()).or_insert_with(|| protocols(&level.protocols));
        }
        let missed = diagnostics
            .iter()
            .filter(|d| d.code == zat_driver::CODE_WRONG_RULE)
            .map(|d| d.object.clone())
            .collect();
        Lookups {
            servers: places_by_name(&fleet.zos_connect_servers, |s| &s.name),
            databases: places_by_name(&fleet.security_databases, |d| &d.name),
            levels,
            missed,
            fleet,
        }
    }

    /// Whether the connections rule `rule` of `stack` is written for land on another rule.
    fn missed(&self, lpar: &str, stack: &str, rule: &str) -> bool {
        !self.missed.is_empty()
            && self.missed.contains(&zat_driver::wrong_rule_object(lpar, stack, rule))
    }

    fn database(&self, name: &str) -> Option<&zat_model::SecurityDatabase> {
        self.databases.get(name).and_then(|&at| self.fleet.security_databases.get(at))
    }

    fn server(&self, name: &str) -> Option<&zat_model::ZosConnectServer> {
        self.servers.get(name).and_then(|&at| self.fleet.zos_connect_servers.get(at))
    }
}

/// A table of the page whose rows are made one at a time as the template reaches them: `len`
/// rows, row `i` made by `row`.
struct Rows {
    len: usize,
    row: Box<dyn Fn(usize) -> Option<Value> + Send + Sync>,
}

impl Rows {
    fn value(len: usize, row: impl Fn(usize) -> Option<Value> + Send + Sync + 'static) -> Value {
        Value::from_object(Rows { len, row: Box::new(row) })
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rows({})", self.len)
    }
}

impl Object for Rows {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        (self.row)(key.as_usize()?)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.len)
    }
}

/// Where each of `count(stack)` objects of every stack is in the fleet: (LPAR, stack, index).
fn places(fleet: &Fleet, count: impl Fn(&zat_model::Stack) -> usize) -> Vec<(u32, u32, u32)> {
    let index = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut places = Vec::new();
    for (l, lpar) in fleet.lpars.iter().enumerate() {
        for (s, stack) in lpar.stacks.iter().enumerate() {
            places.extend((0..count(stack)).map(|i| (index(l), index(s), index(i))));
        }
    }
    places
}

/// A row per object `count` counts in each stack, made by `make` from the LPAR, the stack and
/// the object's index.
fn stack_rows(
    lookups: &Arc<Lookups>,
    count: impl Fn(&zat_model::Stack) -> usize,
    make: impl Fn(&Lookups, &zat_model::Lpar, &zat_model::Stack, usize) -> Option<Value>
    + Send
    + Sync
    + 'static,
) -> Value {
    let places = places(&lookups.fleet, count);
    let lookups = Arc::clone(lookups);
    Rows::value(places.len(), move |at| {
        let &(l, s, i) = places.get(at)?;
        let lpar = lookups.fleet.lpars.get(l as usize)?;
        let stack = lpar.stacks.get(s as usize)?;
        make(&lookups, lpar, stack, i as usize)
    })
}

fn diagnostic(d: &Diagnostic) -> Value {
    context! {
        severity => match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        },
        code => d.code,
        message => d.message,
        object => d.object,
        at => d.origin.as_ref().map(ToString::to_string),
    }
}

fn connection(
    lookups: &Lookups,
    lpar: &zat_model::Lpar,
    stack: &zat_model::Stack,
    requester: &zat_model::ApiRequester,
) -> Value {
    let (target, server_lpar) = match lookups.server(&requester.server) {
        // The port the requester calls: its BAQPORT, as CEEOPTS has it, from the expansion (the
        // server's HTTPS port unless an inbound AT-TLS policy does TLS in front of its HTTP
        // port), never the HTTP port alone.
        Some(s) => (
            format!(
                "{}:{}",
                s.host,
                requester.expansion.as_ref().map_or_else(|| s.requester_port(), |e| e.baqport)
            ),
            s.lpar.clone().unwrap_or_else(|| "outside the fleet".to_owned()),
        ),
        None => ("unknown".to_owned(), "unknown".to_owned()),
    };
    let ring = lookups
        .database(&lpar.security_database)
        .and_then(|db| db.keyring(&requester.keyring.owner, &requester.keyring.name));
    let certificate = requester.client_label.as_deref().map(str::to_owned).or_else(|| {
        ring.and_then(|r| r.connections.iter().find(|c| c.default).map(|c| c.label.clone()))
    });
    context! {
        requester => requester.name,
        job => requester.jobname,
        lpar => lpar.name,
        stack => stack.name,
        server => requester.server,
        target => target,
        server_lpar => server_lpar,
        rule => requester.expansion.as_ref().map_or_else(|| "none".to_owned(), |e| e.rule.to_string()),
        // The check that maps it on the written policy found it lands elsewhere (ZAT0320).
        missed => requester.expansion.as_ref().is_some_and(|e| lookups.missed(&lpar.name, &stack.name, &e.rule)),
        ring => requester.keyring.to_string(),
        certificate => certificate.unwrap_or_else(|| "none (no client certificate)".to_owned()),
        level => level_text(&lookups.levels, &requester.level),
    }
}

fn rule(
    lookups: &Lookups,
    lpar: &zat_model::Lpar,
    stack: &zat_model::Stack,
    rule: &zat_model::Rule,
) -> Value {
    let port = |range: &Option<zat_model::PortRange>| {
        range.as_ref().map_or_else(|| "any".to_owned(), port_text)
    };
    context! {
        lpar => lpar.name,
        stack => stack.name,
        name => rule.name,
        direction => format!("{:?}", rule.direction).to_lowercase(),
        local_port => port(&rule.local_port),
        remote => match (&rule.remote_addr, &rule.remote_port) {
            (None, None) => "any".to_owned(),
            (address, range) => format!(
                "{}, port {}",
                address.as_deref().unwrap_or("any address"),
                port(range)
            ),
        },
        job => rule.jobname.as_deref().unwrap_or("any"),
        enabled => rule.enabled,
        ring => rule.keyring.as_ref().map_or_else(|| "none".to_owned(), ToString::to_string),
        // A clear-text rule makes no handshake: its level's versions would say it does.
        level => if rule.enabled { level_text(&lookups.levels, &rule.level) } else { "none (clear text)".to_owned() },
        missed => lookups.missed(&lpar.name, &stack.name, &rule.name),
    }
}

fn view(fleet: Arc<Fleet>, diagnostics: Arc<[Diagnostic]>, today: Day) -> Value {
    let lookups = Arc::new(Lookups::new(fleet, &diagnostics));
    let fleet = &lookups.fleet;
    let lpars: Vec<Value> = fleet
        .lpars
        .iter()
        .map(|lpar| {
            let stacks: Vec<Value> = lpar
                .stacks
                .iter()
                .map(|stack| {
                    context! {
                        name => stack.name,
                        ttls => stack.ttls,
                        rules => stack.rules.len(),
                        requesters => stack.api_requesters.len(),
                    }
                })
                .collect();
            let esm = lookups
                .database(&lpar.security_database)
                .map_or_else(String::new, |db| db.esm.as_str().to_ascii_uppercase());
            context! {
                name => lpar.name,
                database => lpar.security_database,
                esm => esm,
                pagent_dir => lpar.pagent.config_dir,
                stacks => stacks,
            }
        })
        .collect();
    let mut certificates = Vec::new();
    for database in &fleet.security_databases {
        for certificate in &database.certificates {
            let expires = certificate.not_after.as_deref().and_then(Day::parse);
            let days_left = expires.map(|day| day.0 - today.0);
            let source = match &certificate.source {
                CertSource::Generate => "generated".to_owned(),
                CertSource::Import { dsn } => format!("imported from {dsn}"),
                CertSource::Existing => "already in the database".to_owned(),
            };
            certificates.push((
                days_left.unwrap_or(i64::MAX),
                context! {
                    database => database.name,
                    label => certificate.label,
                    owner => certificate.owner.to_string(),
                    source => source,
                    not_after => expires.map_or_else(|| "unknown".to_owned(), Day::text),
                    days_left => days_left,
                    // Counted here, as all the page shows: minijinja reads `-cert.days_left` as
                    // `(-cert).days_left`, which failed every page with an expired certificate.
                    days_ago => days_left.filter(|days| *days < 0).map(|days| -days),
                    band => days_left.map_or("unknown", band),
                },
            ));
        }
    }
    certificates.sort_by_key(|(days, _)| *days);
    let count = |name: &str| {
        certificates.iter().filter(|(days, _)| *days != i64::MAX && band(*days) == name).count()
    };
    // Still valid and ending within `limit` days: an expired certificate has its own card.
    let within =
        |limit: i64| certificates.iter().filter(|(days, _)| (0..=limit).contains(days)).count();
    let calendar = context! {
        expired => count("expired"),
        d30 => within(30),
        d90 => within(90),
        d365 => within(365),
        unknown => certificates.iter().filter(|(days, _)| *days == i64::MAX).count(),
    };
    let certificates: Vec<Value> = certificates.into_iter().map(|(_, view)| view).collect();
    context! {
        fleet => fleet.name,
        today => today.text(),
        lpars => lpars,
        connections => stack_rows(&lookups, |s| s.api_requesters.len(), |lookups, lpar, stack, i| {
            Some(connection(lookups, lpar, stack, stack.api_requesters.get(i)?))
        }),
        rules => stack_rows(&lookups, |s| s.rules.len(), |lookups, lpar, stack, i| {
            Some(rule(lookups, lpar, stack, stack.rules.get(i)?))
        }),
        certificates => certificates,
        calendar => calendar,
        diagnostics => Rows::value(diagnostics.len(), move |at| diagnostics.get(at).map(diagnostic)),
    }
}

fn port_text(range: &zat_model::PortRange) -> String {
    range.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_through_the_calendar() {
        for text in ["1970-01-01", "2000-02-29", "2024-12-31", "2030-03-01", "1969-12-31"] {
            let day = Day::parse(text).expect(text);
            assert_eq!(day.text(), text);
        }
        assert_eq!(Day::parse("1970-01-02"), Some(Day(1)));
        assert_eq!(
            Day::parse("2026-12-01").map(|d| d.0 - Day::parse("2026-11-01").unwrap().0),
            Some(30)
        );
        for bad in ["2023-02-29", "2024-13-01", "2024-00-10", "x", "2024-1", "2024-04-31"] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn bands_split_at_30_90_and_365_days() {
        assert_eq!(band(-1), "expired");
        assert_eq!(band(0), "d30");
        assert_eq!(band(30), "d30");
        assert_eq!(band(31), "d90");
        assert_eq!(band(365), "d365");
        assert_eq!(band(366), "later");
    }
}
