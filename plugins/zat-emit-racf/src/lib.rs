//! RACF emitter: batch TSO jobs for certificates, key rings, ring access and SERVAUTH profiles.
//!
//! Per RACF security database of the run ([`layout::security_dir`]):
//! - `DISCOVER.jcl`: read-only listing of everything the jobs touch; its SYSTSPRT is the state
//!   that `zat build --state DB=FILE` plans against (`SecurityDatabase::discovered`);
//! - `SETUP.jcl`: the change from that state (or, without one, everything): CAs and the
//!   certificates they sign, key rings and CONNECTs, public exports, ring access;
//! - `IMPORT.jcl`: partner CAs, added once their data sets are delivered;
//! - `KEY.jcl` and `KEY-CLEANUP.jcl`: PKCS#12 exports, protected, and their removal;
//! - `BACKOUT.jcl`: back to the discovered state (or, without one, undoes SETUP without
//!   deleting profiles, partner CAs or existing certificates);
//! - `CLASSES.jcl`: one-time class switches, only when `defaults.activate_classes`.
//!
//! Per LPAR of the run on a RACF database: `SERVAUTH.jcl` (`EZB.INITSTACK.<sys>.<tcp>` for
//! every stack with TTLS on) and `SERVAUTH-BACKOUT.jcl`, planned the same way. And once per
//! run, `security/racf-ORDER.txt`: every job in the order that completes.
//!
//! Databases whose ESM is not RACF get nothing. The README explains the job structure.
//!
//! Options (`--plugin-option racf.KEY=VALUE`):
//! - `racf.strict_tmp`: program of the strict steps, `IKJEFT1B` (default), `IKJEFT1A` or
//!   `IKJEFT01`. The exact condition codes of IKJEFT1A/1B are unconfirmed in the reference;
//!   the jobs test only `RC = 0`, which holds for every variant.
//! - `racf.raclisted`: comma-separated classes the site RACLISTs
//!   (default `DIGTCERT,DIGTRING,FACILITY,RDATALIB,SERVAUTH`); refreshes are written only for
//!   these, since refreshing a class that is not RACLISTed gives a warning RC (unconfirmed).
//!   A discovered state's SETROPTS LIST takes its place.
//! - `racf.generic`: `copy` (default) defines a discrete copy of a covering generic profile
//!   (`RDEFINE ... FROM`) before permitting; `permit` permits on the generic itself.
//! - `racf.pagent_id`: `*` writes the Policy Agent's INITSTACK permit as the seed page does,
//!   `ID(*) WHEN(PROGRAM(PAGENT,EZAPAGEN))`; default: the LPAR's Policy Agent user.

mod access;
mod database;
mod job;
mod lpar;
mod names;
mod plan;
mod racdcert;

use std::collections::BTreeSet;

use zat_plugin_api::model::{Diagnostic, Esm, SecurityDatabase};
use zat_plugin_api::{EmitError, Emitter, RenderRequest, RenderResponse, Unit};
use zat_plugin_api::{layout, security};

use crate::database::{DbPlan, Names};
use crate::job::{Job, Renderer};
use crate::plan::{GenericMode, Plan};

// The driver checks a `--state` listing against the job that lists it before anything plans
// against it; one function gives both, so the check and the job cannot drift apart.
pub use crate::database::discover_commands;

/// Diagnostic codes of this emitter (ZAT034x).
mod codes {
    /// The JOB card cannot be written from the site defaults.
    pub(crate) const JOB_CARD: &str = "ZAT0340";
    /// A command cannot be laid out (a value too long for a line, an unsafe character).
    pub(crate) const COMMAND_LAYOUT: &str = "ZAT0341";
    /// A PKCS#12 export carries a password placeholder (warning).
    pub(crate) const PKCS12_PASSWORD: &str = "ZAT0342";
    /// A key ring has more than one DEFAULT connection.
    pub(crate) const SECOND_DEFAULT: &str = "ZAT0343";
    /// An unknown or invalid `racf.*` option.
    pub(crate) const OPTION: &str = "ZAT0344";
    /// A class the fleet needs is not active in the discovered state.
    pub(crate) const CLASS_INACTIVE: &str = "ZAT0346";
    /// No discovered state: the jobs assume an empty database (warning).
    pub(crate) const NO_STATE: &str = "ZAT0347";
    /// Two jobs get the same job name.
    pub(crate) const JOB_NAME: &str = "ZAT0348";
    /// The discovered state contradicts the fleet (a connection, an existing certificate).
    pub(crate) const DIFFERS: &str = "ZAT0349";
}

/// The RACF emitter (`racf`, provides `esm:racf`).
#[derive(Debug, Default)]
pub struct RacfEmitter;

/// Site choices from `RenderRequest.options`.
pub(crate) struct Options {
    pub(crate) strict_tmp: String,
    pub(crate) raclisted: BTreeSet<String>,
    pub(crate) generic: GenericMode,
    /// The Policy Agent's INITSTACK permit is `ID(*) WHEN(PROGRAM(PAGENT,EZAPAGEN))`.
    pub(crate) pagent_any_id: bool,
}

const DEFAULT_RACLISTED: &str = "DIGTCERT,DIGTRING,FACILITY,RDATALIB,SERVAUTH";

impl Options {
    fn from_request(request: &RenderRequest, diagnostics: &mut Vec<Diagnostic>) -> Options {
        let mut options = Options {
            strict_tmp: "IKJEFT1B".to_owned(),
            raclisted: classes(DEFAULT_RACLISTED),
            generic: GenericMode::Copy,
            pagent_any_id: false,
        };
        for (key, value) in &request.options {
            let Some(name) = key.strip_prefix("racf.") else { continue };
            match name {
                "strict_tmp" => {
                    let program = value.trim().to_ascii_uppercase();
                    if matches!(program.as_str(), "IKJEFT01" | "IKJEFT1A" | "IKJEFT1B") {
                        options.strict_tmp = program;
                    } else {
                        diagnostics.push(
                            Diagnostic::error(
                                codes::OPTION,
                                format!("option racf.strict_tmp `{value}` is not a batch TMP"),
                            )
                            .help("use IKJEFT1B, IKJEFT1A or IKJEFT01"),
                        );
                    }
                }
                "raclisted" => options.raclisted = classes(value),
                "generic" => match value.trim().to_ascii_lowercase().as_str() {
                    "copy" => options.generic = GenericMode::Copy,
                    "permit" => options.generic = GenericMode::Permit,
                    _ => diagnostics.push(
                        Diagnostic::error(
                            codes::OPTION,
                            format!("option racf.generic `{value}` is not copy or permit"),
                        )
                        .help("copy defines a discrete copy of the generic (RDEFINE FROM); permit permits on the generic"),
                    ),
                },
                "pagent_id" => match value.trim() {
                    "*" => options.pagent_any_id = true,
                    "user" => options.pagent_any_id = false,
                    _ => diagnostics.push(
                        Diagnostic::error(
                            codes::OPTION,
                            format!("option racf.pagent_id `{value}` is not * or user"),
                        )
                        .help("* permits ID(*) WHEN(PROGRAM(PAGENT,EZAPAGEN)); user permits the LPAR's Policy Agent user"),
                    ),
                },
                _ => diagnostics.push(
                    Diagnostic::warning(codes::OPTION, format!("unknown option `{key}` ignored"))
                        .help("the racf emitter knows racf.strict_tmp, racf.raclisted, racf.generic and racf.pagent_id"),
                ),
            }
        }
        options
    }
}

fn classes(list: &str) -> BTreeSet<String> {
    list.split([',', ' '])
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect()
}

impl Emitter for RacfEmitter {
    const NAME: &'static str = "racf";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const OPTIONS: Option<&'static [&'static str]> =
        Some(&["strict_tmp", "raclisted", "generic", "pagent_id"]);
    // By unit: a database's jobs in its unit, an LPAR's SERVAUTH jobs in the LPAR's (planned
    // against the same discovered state, which the LPAR's request carries with its database),
    // and in the fleet's own call the job order across databases (racf-ORDER.txt) and the
    // job-name collision check, which plan every job again but render none.
    const PROVIDES: &'static [&'static str] = &[
        "esm:racf",
        zat_plugin_api::UNIT_DATABASE,
        zat_plugin_api::UNIT_LPAR,
        zat_plugin_api::UNIT_FLEET,
    ];

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let mut response = RenderResponse::default();
        let options = Options::from_request(request, &mut response.diagnostics);
        let renderer = Renderer::new(options.strict_tmp.clone());
        let fleet = &request.fleet;
        match &request.unit {
            Some(Unit::Lpar { .. }) => {
                for lpar in security::lpars_on(request, Esm::RACF) {
                    let Some(db) = fleet.security_database(&lpar.security_database) else {
                        continue;
                    };
                    let plan = Plan::of(db, options.generic);
                    for job in lpar::jobs(fleet, lpar, &options, &plan) {
                        renderer.render(&fleet.defaults, &job, &mut response);
                    }
                }
            }
            Some(Unit::Database { .. }) => {
                let planned = plan_jobs(
                    request,
                    security::databases_of(request, Esm::RACF),
                    &options,
                    &mut response.diagnostics,
                    Keep::DatabaseStatements,
                );
                for (_, job) in planned.jobs.iter().filter(|(lpar, _)| !lpar) {
                    renderer.render(&fleet.defaults, job, &mut response);
                }
            }
            Some(Unit::Fleet) => {
                // What planning finds is reported by the database units.
                let databases = fleet
                    .security_databases
                    .iter()
                    .filter(|db| db.esm == Esm::RACF && request.run_has_database(&db.name));
                let planned = plan_jobs(request, databases, &options, &mut Vec::new(), Keep::Names);
                check_names(&planned.all(), &mut response.diagnostics);
                planned.order_file(&mut response);
            }
            None => {
                let planned = plan_jobs(
                    request,
                    security::databases_of(request, Esm::RACF),
                    &options,
                    &mut response.diagnostics,
                    Keep::Statements,
                );
                let jobs = planned.all();
                check_names(&jobs, &mut response.diagnostics);
                for job in jobs {
                    renderer.render(&fleet.defaults, job, &mut response);
                }
                planned.order_file(&mut response);
            }
        }
        Ok(response)
    }
}

/// The jobs of some databases, each database's own then its LPARs' SERVAUTH jobs (marked
/// `true`), and the order they run in.
struct Planned {
    jobs: Vec<(bool, Job)>,
    order: Order,
}

impl Planned {
    fn all(&self) -> Vec<&Job> {
        self.jobs.iter().map(|(_, job)| job).collect()
    }

    /// `security/racf-ORDER.txt`, when there is any job.
    fn order_file(&self, response: &mut RenderResponse) {
        if self.jobs.is_empty() {
            return;
        }
        response.files.push(zat_plugin_api::OutputFile {
            path: layout::security_job_order(Esm::RACF),
            content: self.order.text(),
            target: Some("read: the order in which the RACF jobs of this bundle run".to_owned()),
            placement: Some(zat_plugin_api::model::Placement::manual_text(
                "read by the security administrator; stays in the bundle",
            )),
        });
    }
}

/// What [`plan_jobs`] keeps of each job.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Everything, to render it.
    Statements,
    /// Everything of the databases' own jobs, the name and path of their LPARs' jobs: a
    /// database's call renders only its own jobs, and needs of its LPARs' only whether there
    /// are any (with none at all, the database gets no jobs).
    DatabaseStatements,
    /// Its name and path, for the job order and the name check: the fleet's call plans every
    /// job of the fleet and renders none, and the statements of thousands of LPARs' jobs held
    /// at once were the largest thing it made.
    Names,
}

/// Plans every job of `databases` and of the LPARs of the run that use them.
fn plan_jobs<'a>(
    request: &'a RenderRequest,
    databases: impl Iterator<Item = &'a SecurityDatabase>,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
    keep: Keep,
) -> Planned {
    let kept = |job: Job| match keep {
        Keep::Statements | Keep::DatabaseStatements => job,
        Keep::Names => {
            Job { header: Vec::new(), steps: Vec::new(), tail: Vec::new(), stop: None, ..job }
        }
    };
    let fleet = &request.fleet;
    let mut planned = Planned { jobs: Vec::new(), order: Order::default() };
    for db in databases {
        let names = Names::of(fleet, &db.name);
        let plan = DbPlan::new(fleet, db, options, diagnostics);
        database::check_classes(fleet, db, &plan.plan, diagnostics);
        let lpars = fleet.lpars_of(&db.name).filter(|lpar| request.run_has_lpar(&lpar.name));
        let lpar_jobs: Vec<Job> = match keep {
            Keep::Statements => {
                lpars.flat_map(|lpar| lpar::jobs(fleet, lpar, options, &plan.plan)).collect()
            }
            Keep::DatabaseStatements | Keep::Names => {
                lpars.flat_map(|lpar| lpar::named_jobs(fleet, lpar)).collect()
            }
        };
        let db_jobs: Vec<Job> = plan.jobs(diagnostics).into_iter().map(kept).collect();
        if db_jobs.is_empty() && lpar_jobs.is_empty() {
            continue;
        }
        if !plan.plan.discovered() {
            diagnostics.push(
                Diagnostic::warning(
                    codes::NO_STATE,
                    format!(
                        "the RACF jobs of security database {} assume that none of the fleet's certificates, rings and profiles exists yet",
                        db.name
                    ),
                )
                .object(format!("security database {}", db.name))
                .at(&db.origin)
                .help(format!(
                    "on a system that has any of them, run {} first and build with --state {}=FILE",
                    layout::security_discover_job(&db.name, Esm::RACF),
                    db.name
                )),
            );
        }
        let discover = kept(database::discover_job(fleet, db, &names));
        Entry::push(&mut planned.order.discover, &discover);
        planned.jobs.push((false, discover));
        if fleet.defaults.activate_classes {
            let classes = kept(database::classes_job(fleet, db, &names));
            Entry::push(&mut planned.order.first, &classes);
            planned.jobs.push((false, classes));
        }
        for job in db_jobs {
            planned.order.place(&job);
            planned.jobs.push((false, job));
        }
        for job in lpar_jobs {
            planned.order.place(&job);
            planned.jobs.push((true, job));
        }
    }
    planned
}

/// The jobs of a bundle in the order that completes: every database's setup first (so each
/// CA is exported before anyone imports it), then the PKCS#12 exports, then every import, and
/// the back-outs in reverse.
#[derive(Default)]
struct Order {
    discover: Vec<(String, String)>,
    first: Vec<(String, String)>,
    setup: Vec<(String, String)>,
    key: Vec<(String, String)>,
    import: Vec<(String, String)>,
    backout: Vec<(String, String)>,
    cleanup: Vec<(String, String)>,
}

trait Entry {
    fn push(&mut self, job: &Job);
}

impl Entry for Vec<(String, String)> {
    fn push(&mut self, job: &Job) {
        Vec::push(self, (job.name.clone(), job.path.clone()));
    }
}

impl Order {
    fn place(&mut self, job: &Job) {
        let file = job.path.rsplit('/').next().unwrap_or_default();
        let list = match file {
            "SETUP.jcl" | "SERVAUTH.jcl" => &mut self.setup,
            "IMPORT.jcl" => &mut self.import,
            "KEY.jcl" => &mut self.key,
            "KEY-CLEANUP.jcl" => &mut self.cleanup,
            _ => &mut self.backout,
        };
        Entry::push(list, job);
    }

    fn text(&self) -> String {
        let mut out = String::from(
            "# The RACF jobs of this bundle, in the order that completes (generated by zat).\n\
             # No job reads a data set that a later job writes: each database's SETUP exports its\n\
             # own CA before any IMPORT reads a partner's. Run IMPORT after the partners' data\n\
             # sets arrived (a partner in this fleet writes its own with its SETUP).\n",
        );
        let mut n = 0;
        let mut section = |out: &mut String, title: &str, jobs: &[(String, String)]| {
            if jobs.is_empty() {
                return;
            }
            out.push_str(&format!("\n# {title}\n"));
            for (name, path) in jobs {
                n += 1;
                out.push_str(&format!("{n:>3}  {name:<8}  {path}\n"));
            }
        };
        section(
            &mut out,
            "read-only: list the state, then build with --state DB=FILE",
            &self.discover,
        );
        section(&mut out, "one-time class switches", &self.first);
        section(&mut out, "set up: certificates, rings, exports, access", &self.setup);
        section(&mut out, "PKCS#12 exports (edit the password first)", &self.key);
        section(&mut out, "partner CAs, after their delivery", &self.import);
        section(&mut out, "after the keys are installed where they go", &self.cleanup);
        let mut backout: Vec<(String, String)> = self.backout.clone();
        // SERVAUTH back-outs before the database back-outs.
        backout.sort_by_key(|(_, path)| !path.ends_with("SERVAUTH-BACKOUT.jcl"));
        section(&mut out, "back-out, only to undo", &backout);
        out
    }
}

/// Two jobs with one name would be confused in the job log and by automation: an error.
fn check_names(jobs: &[&Job], diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for job in jobs {
        if let Some(other) = seen.insert(&job.name, &job.path)
            && other != job.path
        {
            diagnostics.push(
                Diagnostic::error(
                    codes::JOB_NAME,
                    format!("jobs {other} and {} get the same job name {}", job.path, job.name),
                )
                .object(format!("job {}", job.path))
                .help("rename one of the two databases or LPARs, or use a shorter job name prefix"),
            );
        }
    }
}
