//! Runbook emitter: the ordered operator steps per LPAR and the fleet index.
//!
//! Per LPAR of the run, `RUNBOOK.md` ([`layout::runbook`]): the security setup job of the
//! LPAR's database (and which other LPARs share it), the LPAR's SERVAUTH job, every file the
//! other emitters write for the LPAR with its z/OS target, syslogd, the PROFILE/OBEYFILE
//! step, Policy Agent, verification, the console messages to expect and what the failure
//! messages mean, and the LPAR's parts of the deploy scripts. At the bundle root, `README.md`
//! ([`layout::FLEET_README`]) indexes the databases and LPARs, and `deploy/` holds the deploy
//! scripts that read each LPAR's part.
//!
//! The runbook is an index of the bundle, so it runs in the host's index pass (it provides
//! [`INDEX_PASS`]): the request then lists the files the other plugins wrote (in an LPAR's
//! call, the LPAR's and its database's; in the fleet's, the outline of the bundle, see
//! [`zat_plugin_api::INDEX_OUTLINE`]), and the runbook names exactly those. A step whose file no plugin wrote (an emitter turned off or replaced)
//! says so instead of naming a missing file, and every file of the LPAR, a site plugin's
//! included, appears in the copy table with the target its plugin gave it.

/// A template's record ([`Fields`]) from `name => value` pairs, each value turned into a
/// [`Value`] by `From` (borrow a field with `&`).
macro_rules! fields {
    ($($key:ident => $value:expr),* $(,)?) => {
        ::minijinja::Value::from_object($crate::Fields(vec![
            $((stringify!($key), ::minijinja::Value::from($value))),*
        ]))
    };
}

mod deploy;

use std::collections::BTreeSet;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ValueKind};
use minijinja::{AutoEscape, Environment, Value};
use zat_plugin_api::layout;
use zat_plugin_api::model::{Esm, Fleet, Lpar, RingRef, Stack};
use zat_plugin_api::templates::error as template_error;
use zat_plugin_api::{
    EmitError, Emitter, INDEX_PASS, IndexedFile, OutputFile, RenderRequest, RenderResponse,
};

const RUNBOOK_TEMPLATE: &str = include_str!("../templates/runbook.md");
const README_TEMPLATE: &str = include_str!("../templates/readme.md");

/// The runbook emitter (`runbook`).
#[derive(Debug, Default)]
pub struct RunbookEmitter;

impl Emitter for RunbookEmitter {
    const NAME: &'static str = "runbook";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const OPTIONS: Option<&'static [&'static str]> = Some(&[]);
    // By unit: an LPAR's runbook in the LPAR's index pass, which sees the LPAR's files, its
    // database's jobs and the job order; the CA hand-off names the partner databases the
    // LPAR's request carries; the LPAR's parts of the deploy scripts beside it. The README and
    // the fleet's deploy scripts in the fleet's own index call, which needs only the outline
    // of the bundle: the jobs, which the README links and the deploy scripts submit, and the
    // files outside the LPAR folders, which the README lists (each LPAR's files are its own
    // call's).
    const PROVIDES: &'static [&'static str] = &[
        INDEX_PASS,
        zat_plugin_api::INDEX_OUTLINE,
        zat_plugin_api::UNIT_LPAR,
        zat_plugin_api::UNIT_FLEET,
    ];

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let env = TEMPLATES.get(compile)?;
        let fleet = &request.fleet;
        let mut response = RenderResponse::default();
        for lpar in fleet.lpars.iter().filter(|lpar| request.includes_lpar(&lpar.name)) {
            // The LPAR's files, found and ordered once for the runbook and the deploy parts.
            let files = lpar_bundle_files(request, lpar);
            let view = runbook_view(request, lpar, &files);
            let content =
                env.get_template("runbook").and_then(|t| t.render(view)).map_err(template_error)?;
            response.files.push(OutputFile {
                path: layout::runbook(&lpar.name),
                content,
                target: Some("read by the operator; stays in the bundle".to_owned()),
                placement: None,
            });
            // The LPAR's parts of the deploy scripts, beside its runbook: the fleet's scripts
            // only read them.
            let plan = deploy::lpar_plan(request, lpar, &files);
            for (content, path, target) in [
                (
                    deploy::zowe_part(lpar, &plan),
                    layout::deploy_zowe_part(&lpar.name),
                    "read by deploy/zowe.sh; stays in the bundle",
                ),
                (
                    deploy::playbook_part(lpar, &plan),
                    layout::deploy_playbook_part(&lpar.name),
                    "imported by deploy/playbook.yml; stays in the bundle",
                ),
            ] {
                response.files.push(OutputFile {
                    path,
                    content,
                    target: Some(target.to_owned()),
                    placement: None,
                });
            }
        }
        // The README and the deploy scripts' fleet files index the whole bundle: written in the
        // fleet's own call (or a whole-fleet one), never in an LPAR's.
        if !request.writes_fleet_files() {
            return Ok(response);
        }
        let readme = env
            .get_template("readme")
            .and_then(|t| t.render(readme_view(request)))
            .map_err(template_error)?;
        for (content, path, target) in [
            (readme, layout::FLEET_README, "read by the fleet owner; stays in the bundle"),
            (
                deploy::zowe(env, request)?,
                layout::DEPLOY_ZOWE,
                "run on a workstation with Zowe CLI: sh deploy/zowe.sh --help",
            ),
            (
                deploy::playbook(env, request)?,
                layout::DEPLOY_PLAYBOOK,
                "run with ansible-playbook and the ibm.ibm_zos_core collection",
            ),
            (
                deploy::snapshot(env, request)?,
                layout::DEPLOY_SNAPSHOT,
                "run by deploy/playbook.yml on the controller; stays in the bundle",
            ),
        ] {
            response.files.push(OutputFile {
                path: path.to_owned(),
                content,
                target: Some(target.to_owned()),
                placement: None,
            });
        }
        Ok(response)
    }
}

/// A record of a view, as the templates read it: its fields by name, each already a [`Value`].
/// It reads as the map `minijinja::context!` makes, but that macro passes each field through
/// serde (`Value::from_serialize`), which cost more than laying out the lines that read them:
/// the deploy parts hold a record per file of the LPAR, and the fleet an LPAR per call.
#[derive(Debug)]
struct Fields(Vec<(&'static str, Value)>);

impl Object for Fields {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        // The first byte tells most names apart without a call to compare the rest: a
        // runbook's record has some fifty fields, and its template reads them hundreds of times.
        let first = key.as_bytes().first();
        self.0
            .iter()
            .find(|(name, _)| name.as_bytes().first() == first && *name == key)
            .map(|(_, value)| value.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.iter().map(|(name, _)| Value::from(*name)).collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The compiled templates, built once per process (not once per unit).
static TEMPLATES: zat_plugin_api::BuiltOnce<Environment<'static>> =
    zat_plugin_api::BuiltOnce::new();

fn compile() -> Result<Environment<'static>, EmitError> {
    let mut env = zat_plugin_api::templates::environment(true);
    // A string, most of what the templates print, goes to the output as it is: the default
    // formatter writes the same bytes through two levels of `fmt` (`write!` of the value, whose
    // `Display` is another `write!`), which cost more than the copy on every line of every
    // LPAR's files.
    env.set_formatter(|out, state, value| match value.as_str() {
        Some(text)
            if value.kind() == ValueKind::String && state.auto_escape() == AutoEscape::None =>
        {
            out.write_str(text).map_err(minijinja::Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    });
    env.add_function("link", |path: &str| markdown_link(path));
    env.add_template("runbook", RUNBOOK_TEMPLATE).map_err(template_error)?;
    env.add_template("readme", README_TEMPLATE).map_err(template_error)?;
    deploy::add_templates(&mut env)?;
    Ok(env)
}

/// `path` as a Markdown link from a runbook: `` [`path`](../../path) ``. Runbooks sit in
/// `lpars/<LPAR>/`, so links climb back to the bundle root.
fn markdown_link(path: &str) -> String {
    const UP: &str = "../../";
    let mut link = String::with_capacity(2 * path.len() + UP.len() + 6);
    for part in ["[`", path, "`](", UP, path, ")"] {
        link.push_str(part);
    }
    link
}

/// A row of a runbook's file table, `| link | target |`, after the rows of `rows`: one per
/// line, without a new line after the last.
fn table_row(rows: &mut String, path: &str, target: &str) {
    if !rows.is_empty() {
        rows.push('\n');
    }
    for part in ["| ", &markdown_link(path), " | ", target, " |"] {
        rows.push_str(part);
    }
}

fn ttls_stacks(lpar: &Lpar) -> impl Iterator<Item = &Stack> {
    lpar.stacks.iter().filter(|stack| stack.ttls)
}

fn esm_of(fleet: &Fleet, lpar: &Lpar) -> Esm {
    fleet.security_database(&lpar.security_database).map_or_else(Esm::racf, |db| db.esm.clone())
}

/// Every file of this LPAR's folder that the other plugins wrote (the index pass's bundle), as
/// the index pass gave them: the files of the built-in emitters in install order (Policy Agent,
/// syslogd, TCP/IP, CEEOPTS, server.xml), then any other in path order. The jobs that steps 1
/// and 2 submit are not among them, nor is the runbook itself.
fn lpar_bundle_files<'a>(request: &'a RenderRequest, lpar: &Lpar) -> Vec<&'a IndexedFile> {
    let fleet = &request.fleet;
    let folder = format!("{}/", layout::lpar_dir(&lpar.name));
    let esm = esm_of(fleet, lpar);
    let submitted = [
        layout::lpar_security_job(&lpar.name, esm.as_str()),
        layout::lpar_security_backout_job(&lpar.name, esm.as_str()),
    ];
    let order = install_order(fleet, lpar);
    let rank = |path: &str| order.rank(path);
    // The index is sorted by path: the LPAR's folder is one run of it (a scan of the whole
    // index per LPAR would be quadratic in the fleet's size).
    let start = request.bundle.partition_point(|file| file.path.as_str() < folder.as_str());
    let mut files: Vec<&IndexedFile> = request.bundle[start..]
        .iter()
        .take_while(|file| file.path.starts_with(&folder))
        .filter(|file| !submitted.contains(&file.path))
        .collect();
    // Stable, and the index is sorted by path: files of one rank stay in path order.
    files.sort_by_cached_key(|file| rank(&file.path));
    files
}

/// The order in which an operator installs the files the built-in emitters write for an LPAR:
/// Policy Agent, syslogd, TCP/IP, then the applications' CEEOPTS (by path) and the z/OS
/// Connect servers' server.xml; any other file after them, by path. It reads only what an
/// LPAR outline keeps (stacks, not requesters), so the runbook of an LPAR unit and the deploy
/// scripts of the fleet call list an LPAR's files in the same order.
struct InstallOrder {
    before_apps: Vec<String>,
    apps: String,
    servers: Vec<String>,
}

impl InstallOrder {
    fn rank(&self, path: &str) -> usize {
        if let Some(at) = self.before_apps.iter().position(|known| known == path) {
            return at;
        }
        let apps = self.before_apps.len();
        if path.starts_with(&self.apps) && path.ends_with(".ceeopts") {
            return apps;
        }
        match self.servers.iter().position(|known| known == path) {
            Some(at) => apps + 1 + at,
            None => apps + 1 + self.servers.len(),
        }
    }
}

fn install_order(fleet: &Fleet, lpar: &Lpar) -> InstallOrder {
    let mut paths = vec![layout::pagent_main(&lpar.name)];
    for stack in &lpar.stacks {
        paths.push(layout::pagent_image(&lpar.name, &stack.name));
        paths.push(layout::pagent_policy(&lpar.name, &stack.name));
    }
    paths.push(layout::syslog_conf(&lpar.name));
    for stack in &lpar.stacks {
        paths.push(layout::tcpip_profile(&lpar.name, &stack.name));
        paths.push(layout::tcpip_obeyfile(&lpar.name, &stack.name));
    }
    InstallOrder {
        before_apps: paths,
        apps: format!("{}/apps/", layout::lpar_dir(&lpar.name)),
        servers: fleet
            .zos_connect_servers
            .iter()
            .map(|server| layout::zosconnect_server_xml(&lpar.name, &server.name))
            .collect(),
    }
}

/// `path` when the bundle holds it.
fn present(request: &RenderRequest, path: String) -> Option<String> {
    request.bundle_has(&path).then_some(path)
}

/// Key rings this LPAR's AT-TLS rules, API requesters and z/OS Connect servers open.
/// (Borrowed: most rules of an LPAR share a few rings, and a copy per rule cost two
/// allocations each.)
fn lpar_rings<'a>(fleet: &'a Fleet, lpar: &'a Lpar) -> BTreeSet<&'a RingRef> {
    let mut rings = BTreeSet::new();
    for stack in ttls_stacks(lpar) {
        rings.extend(stack.rules.iter().filter_map(|rule| rule.keyring.as_ref()));
    }
    for stack in &lpar.stacks {
        rings.extend(stack.api_requesters.iter().map(|requester| &requester.keyring));
    }
    for server in
        fleet.zos_connect_servers.iter().filter(|s| s.lpar.as_deref() == Some(lpar.name.as_str()))
    {
        rings.extend(server.keyring.as_ref());
    }
    rings
}

fn runbook_view(request: &RenderRequest, lpar: &Lpar, lpar_files: &[&IndexedFile]) -> Value {
    let fleet = &request.fleet;
    let esm = esm_of(fleet, lpar);
    let database = &lpar.security_database;
    let shared_with: Vec<&str> = fleet
        .lpars_of(database)
        .filter(|other| other.name != lpar.name)
        .map(|other| other.name.as_str())
        .collect();
    let stacks: Vec<Value> = ttls_stacks(lpar)
        .filter(|stack| request.bundle_has(&layout::tcpip_obeyfile(&lpar.name, &stack.name)))
        .map(|stack| {
            // The list expansion derived (Policy Agent first, no repeats), as every security
            // emitter writes it.
            let users: Vec<String> = stack
                .initstack
                .iter()
                .flat_map(|access| access.users.iter())
                .map(|user| {
                    if *user == lpar.pagent.userid {
                        format!("the Policy Agent user {user}")
                    } else {
                        user.clone()
                    }
                })
                .collect();
            let profile = layout::tcpip_profile_member(&lpar.name, &stack.name);
            let obey = layout::tcpip_obeyfile_member(&lpar.name, &stack.name);
            fields! {
                name => &stack.name,
                initstack_users => join_and(&users),
                profile_target => layout::tcpparms_target(&fleet.defaults, &profile),
                obey_target => layout::tcpparms_target(&fleet.defaults, &obey),
                rules => stack.rules.iter().map(|rule| rule.name.as_str()).collect::<Vec<_>>().join(", "),
            }
        })
        .collect();
    let has_xml = lpar_files.iter().any(|file| file.path.ends_with(".xml"));
    // Application-side files (CEEOPTS, server.xml) switch the applications to TLS: they are
    // placed only after the stack's policy is verified (step 8), never with the policy files.
    let app_folders = [
        format!("{}/apps/", layout::lpar_dir(&lpar.name)),
        format!("{}/zosconnect/", layout::lpar_dir(&lpar.name)),
    ];
    let is_app = |path: &str| app_folders.iter().any(|f| path.starts_with(f.as_str()));
    // The rows of the two file tables, laid out here: a loop in the template cost a frame, two
    // lookups and a call per row, on each of the LPAR's sixty-odd files, more than the rest of
    // the runbook. The template keeps the tables' headers and what stands when one is empty.
    let mut files = String::new();
    let mut app_files = String::new();
    for file in lpar_files {
        let rows = if is_app(&file.path) { &mut app_files } else { &mut files };
        table_row(rows, &file.path, file.target.as_deref().unwrap_or("stays in the bundle"));
    }
    let syslog = &lpar.syslog;
    let log_files: BTreeSet<&str> =
        [Some(&syslog.attls_log), Some(&syslog.pagent_log), syslog.error_log.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
    let log_dirs: BTreeSet<&str> = log_files
        .iter()
        .filter_map(|file| file.rsplit_once('/').map(|(dir, _)| dir))
        .filter(|dir| !dir.is_empty())
        .collect();
    let database_model = fleet.security_database(database);
    let rings: Vec<Value> = lpar_rings(fleet, lpar)
        .into_iter()
        .map(|ring| {
            let labels: Vec<String> = database_model
                .and_then(|db| db.keyring(&ring.owner, &ring.name))
                .map(|found| found.connections.iter().map(|c| c.label.clone()).collect())
                .unwrap_or_default();
            let command = ring_listing(&esm, ring);
            fields! {
                name => ring.to_string(),
                command => command,
                labels => if labels.is_empty() { "the certificates the fleet connects to it".to_owned() } else { join_and(&labels) },
            }
        })
        .collect();
    let has_ttls = ttls_stacks(lpar).next().is_some();
    let (database_rebuilds, lpar_rebuilds) = acf2_rebuilds(fleet, lpar, &esm);
    // A connection between LPARs changes on both of its ends, which two runbooks order apart:
    // a requester here whose server the fleet runs on another LPAR, or a server here.
    let on_lpar = |server: &str| {
        fleet.zos_connect_server(server).and_then(|s| s.lpar.clone()).filter(|l| *l != lpar.name)
    };
    let mut partner_lpars: Vec<String> = lpar
        .stacks
        .iter()
        .flat_map(|stack| &stack.api_requesters)
        .filter_map(|requester| on_lpar(&requester.server))
        .collect();
    partner_lpars.sort();
    partner_lpars.dedup();
    let serves = fleet.zos_connect_servers.iter().any(|s| s.lpar.as_deref() == Some(&lpar.name));
    let handoff = handoff(fleet, lpar);
    let needs_icsf = needs_icsf(fleet, lpar);
    let has_syslog = request.bundle_has(&layout::syslog_conf(&lpar.name));
    let has_pagent = request.bundle_has(&layout::pagent_main(&lpar.name));
    fields! {
        fleet => &fleet.name,
        lpar => &lpar.name,
        database => database,
        esm_upper => esm.as_str().to_ascii_uppercase(),
        classes_job => present(request, layout::security_classes_job(database, esm.as_str())),
        discover_job => present(request, layout::security_discover_job(database, esm.as_str())),
        import_job => present(request, layout::security_import_job(database, esm.as_str())),
        key_job => present(request, layout::security_key_job(database, esm.as_str())),
        key_cleanup_job => present(request, layout::security_key_cleanup_job(database, esm.as_str())),
        order_file => present(request, layout::security_job_order(esm.as_str())),
        setup_job => present(request, layout::security_setup_job(database, esm.as_str())),
        setup_backout_job => present(request, layout::security_backout_job(database, esm.as_str())),
        shared_with => match shared_with.len() {
            0 => String::new(),
            1 => format!("LPAR {} uses", shared_with[0]),
            _ => format!("LPARs {} use", join_and(&shared_with)),
        },
        servauth_job => present(request, layout::lpar_security_job(&lpar.name, esm.as_str())),
        servauth_backout_job => present(request, layout::lpar_security_backout_job(&lpar.name, esm.as_str())),
        stacks => stacks,
        files => files,
        app_files => app_files,
        imports => handoff.0,
        exports => handoff.1,
        needs_icsf => needs_icsf,
        pagent_config => layout::pagent_main_target(lpar),
        refresh_interval => lpar.pagent.refresh_interval,
        timer_refresh => lpar.pagent.refresh_interval < zat_plugin_api::model::NO_REFRESH_TIMER,
        has_xml => has_xml,
        has_ttls => has_ttls,
        partner_lpars => join_and(&partner_lpars),
        serves => serves,
        syslog => has_syslog,
        pagent => has_pagent,
        // Shell words, quoted as the deploy scripts quote them: a path may hold `$`, `'`, `;`.
        log_dirs => log_dirs.iter().map(|dir| deploy::sh_quote(dir)).collect::<Vec<_>>(),
        log_files => log_files.iter().map(|file| deploy::sh_quote(file)).collect::<Vec<_>>(),
        syslog_conf_word => deploy::sh_quote(&layout::syslog_conf_target(lpar)),
        database_rebuilds => database_rebuilds,
        lpar_rebuilds => lpar_rebuilds,
        syslogd_job => &syslog.jobname,
        syslogd_job_word => deploy::sh_quote(&syslog.jobname),
        syslog_conf => layout::syslog_conf_target(lpar),
        attls_log => &syslog.attls_log,
        pagent_log => &syslog.pagent_log,
        pagent_job => &lpar.pagent.jobname,
        pagent_user => &lpar.pagent.userid,
        rings => rings,
    }
}

/// How the operator lists a key ring in the LPAR's ESM, as Markdown: the command in `code`.
/// RACF `RACDCERT ID() LISTRING()`; Top Secret `TSS LIST(acid) KEYRING(record) LABLRING(ring)`
/// (emitters.md §2.2), the record being the name the top-secret plugin gives the ring; ACF2
/// lists the ring's record (`logonid.suffix`, as the acf2 plugin names it) in a TSO `ACF`
/// session under `SET PROFILE(USER) DIVISION(KEYRING)` (emitters.md §2.1, racf-state.md §7.1:
/// that LIST shows a KEYRING record is the documented LIST subcommand; what its output looks
/// like is UNCONFIRMED, so the runbook says only that it lists the record).
fn ring_listing(esm: &Esm, ring: &RingRef) -> String {
    let record = zat_plugin_api::security::record_suffix(&ring.name);
    match esm.as_str() {
        Esm::RACF => format!("`RACDCERT ID({}) LISTRING({})`", ring.owner, ring.name),
        Esm::TSS => {
            format!("`TSS LIST({}) KEYRING({record}) LABLRING({})`", ring.owner, ring.name)
        }
        Esm::ACF2 => format!(
            "`LIST {}.{record}`, in a TSO `ACF` session after `SET PROFILE(USER) DIVISION(KEYRING)`,",
            ring.owner
        ),
        // A site's own ESM: its plugin knows the command, the runbook does not.
        other => format!("The {} command that lists a key ring", other.to_ascii_uppercase()),
    }
}

/// The `F ACF2,REBUILD(...)` operator commands after the LPAR's database job and after its
/// SERVAUTH job, as the acf2 plugin writes them into the jobs' headers: ACF2 makes resident
/// key ring records and resource rules current only when they are rebuilt, and whether it
/// accepts the commands inside a batch ACF session is UNCONFIRMED (emitters.md §2.1), so the
/// runbook prints them as operator steps. The resource type codes are the plugin's defaults
/// (FAC, RDA, SER); a site that sets others reads its codes in the job headers.
fn acf2_rebuilds(fleet: &Fleet, lpar: &Lpar, esm: &Esm) -> (Vec<String>, Vec<String>) {
    if esm.as_str() != Esm::ACF2 {
        return (Vec::new(), Vec::new());
    }
    let mut database = Vec::new();
    if let Some(db) = fleet.security_database(&lpar.security_database) {
        if !db.keyrings.is_empty() {
            database.push("F ACF2,REBUILD(USR),CLASS(P),DIVISION(KEYRING)".to_owned());
        }
        let grants = zat_plugin_api::security::ring_grants(db);
        for (class, code) in [
            (zat_plugin_api::security::Class::Facility, "FAC"),
            (zat_plugin_api::security::Class::Rdatalib, "RDA"),
        ] {
            if grants.iter().any(|grant| grant.class == class) {
                database.push(format!("F ACF2,REBUILD({code})"));
            }
        }
    }
    let servauth = if zat_plugin_api::security::initstack_grants(lpar).is_empty() {
        Vec::new()
    } else {
        vec!["F ACF2,REBUILD(SER)".to_owned()]
    };
    (database, servauth)
}

/// The CA hand-off of the LPAR's database: the data sets it adds (imports), each with who
/// writes it, and the data sets it exports, each with who adds it.
fn handoff(fleet: &Fleet, lpar: &Lpar) -> (Vec<Value>, Vec<Value>) {
    let Some(db) = fleet.security_database(&lpar.security_database) else {
        return (Vec::new(), Vec::new());
    };
    let exporters = |dsn: &str| -> Vec<String> {
        fleet
            .security_databases
            .iter()
            .filter(|other| other.certificates.iter().any(|c| c.exported_to() == Some(dsn)))
            .map(|other| other.name.clone())
            .collect()
    };
    let importers = |dsn: &str| -> Vec<String> {
        fleet
            .security_databases
            .iter()
            .filter(|other| other.certificates.iter().any(|c| c.imported_from() == Some(dsn)))
            .map(|other| other.name.clone())
            .collect()
    };
    let imports = db
        .certificates
        .iter()
        .filter_map(|c| c.imported_from().map(|dsn| (c, dsn)))
        .map(|(cert, dsn)| {
            let from = exporters(dsn);
            let who = if from.is_empty() {
                "the partner's administrator, outside this fleet".to_owned()
            } else {
                format!("the setup job of security database {}", join_and(&from))
            };
            fields! { label => &cert.label, dsn => dsn, who => who }
        })
        .collect();
    let exports = db
        .certificates
        .iter()
        .filter_map(|c| c.export.as_ref().map(|e| (c, e)))
        .map(|(cert, export)| {
            let to = importers(&export.dsn);
            let private = export.format.has_private_key();
            let who = if to.is_empty() && private {
                // The certificate with its key is an identity: the system that presents it
                // installs it in its own keystore or ring. A partner's truststore needs only
                // the CA that signed it.
                "the administrator of the system that presents this certificate as its own, who \
                 installs it in that system's keystore or ring"
                    .to_owned()
            } else if to.is_empty() {
                "the partner's administrator, who adds it to the other side's truststore or ring"
                    .to_owned()
            } else {
                format!("security database {}, whose setup job adds it", join_and(&to))
            };
            fields! {
                label => &cert.label,
                dsn => &export.dsn,
                who => who,
                private => private,
            }
        })
        .collect();
    (imports, exports)
}

/// Whether the LPAR's handshakes need ICSF: TLS 1.3 on a level its rules use, or an ECC key on
/// a certificate of its database.
fn needs_icsf(fleet: &Fleet, lpar: &Lpar) -> bool {
    let tls13 = ttls_stacks(lpar)
        .flat_map(|stack| &stack.rules)
        .filter_map(|rule| fleet.security_level(&rule.level))
        .any(|level| level.protocols.tlsv1_3);
    let ecc = fleet.security_database(&lpar.security_database).is_some_and(|db| {
        db.certificates.iter().any(|c| c.algorithm != zat_plugin_api::model::KeyAlgorithm::Rsa)
    });
    tls13 || ecc
}

fn readme_view(request: &RenderRequest) -> Value {
    let fleet = &request.fleet;
    let databases: Vec<Value> = fleet
        .security_databases
        .iter()
        .filter(|db| request.run_has_database(&db.name))
        .map(|db| {
            let lpars: Vec<&str> = fleet
                .lpars_of(&db.name)
                .filter(|lpar| request.run_has_lpar(&lpar.name))
                .map(|lpar| lpar.name.as_str())
                .collect();
            fields! {
                name => &db.name,
                esm => db.esm.as_str().to_ascii_uppercase(),
                lpars => lpars.join(", "),
                setup_job => present(request, layout::security_setup_job(&db.name, db.esm.as_str())),
                backout_job => present(request, layout::security_backout_job(&db.name, db.esm.as_str())),
            }
        })
        .collect();
    let lpars: Vec<Value> = fleet
        .lpars
        .iter()
        .filter(|lpar| request.run_has_lpar(&lpar.name))
        .map(|lpar| {
            let stacks: Vec<&str> = ttls_stacks(lpar).map(|stack| stack.name.as_str()).collect();
            fields! {
                name => &lpar.name,
                database => &lpar.security_database,
                stacks => if stacks.is_empty() { "none".to_owned() } else { stacks.join(", ") },
                runbook => layout::runbook(&lpar.name),
                servauth_job => present(request, layout::lpar_security_job(&lpar.name, esm_of(fleet, lpar).as_str())),
            }
        })
        .collect();
    // Files outside the LPAR folders and the databases' job folders (a site plugin's
    // inventory, say), so that the README names every file of the bundle but the runbooks'.
    // The databases' jobs, listed once (not once per file of the bundle).
    let database_jobs: BTreeSet<String> = fleet
        .security_databases
        .iter()
        .flat_map(|db| {
            let dir = format!("{}/", layout::security_dir(&db.name, db.esm.as_str()));
            [
                layout::security_setup_job(&db.name, db.esm.as_str()),
                layout::security_backout_job(&db.name, db.esm.as_str()),
            ]
            .into_iter()
            .filter(move |job| job.starts_with(&dir))
        })
        .collect();
    let named_elsewhere = |path: &str| path.starts_with("lpars/") || database_jobs.contains(path);
    let others: Vec<Value> = request
        .bundle
        .iter()
        .filter(|file| !named_elsewhere(&file.path))
        .map(|file| {
            fields! {
                path => &file.path,
                emitter => &file.emitter,
                target => file.target.as_deref().unwrap_or("stays in the bundle"),
            }
        })
        .collect();
    fields! { fleet => &fleet.name, databases => databases, lpars => lpars, others => others }
}

/// `A`, `A and B`, `A, B and C`.
fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn links_climb_from_a_runbooks_folder_to_the_bundle_root() {
        let up = "../".repeat(zat_plugin_api::layout::runbook("X").matches('/').count());
        assert_eq!(super::markdown_link("a/b.jcl"), format!("[`a/b.jcl`]({up}a/b.jcl)"));
    }
}
