//! The jobs of one RACF security database: DISCOVER (read-only), SETUP (the change), IMPORT
//! (partner CAs, after their delivery), KEY and KEY-CLEANUP (PKCS#12 exports), BACKOUT (back
//! to what was there) and the one-time CLASSES job.

use std::collections::BTreeMap;

use zat_plugin_api::layout;
use zat_plugin_api::model::{
    CertSource, Certificate, Diagnostic, Esm, Fleet, Keyring, Origin, RingAccess, RingConnection,
    SecurityDatabase,
};
use zat_plugin_api::security::{self, Class};
use zat_racf_state::{Access, RingUsage};

use crate::access::{AccessPlan, Need};
use crate::job::{Command, Job, Mode, Step};
use crate::names::{job_name, kind};
use crate::plan::Plan;
use crate::{Options, codes, racdcert};

/// One access-list entry the fleet needs on a ring access profile.
struct Grant {
    class: &'static str,
    profile: String,
    id: String,
    access: &'static str,
    object: String,
    origin: Origin,
}

/// Ring access of a database: the profiles the fleet's access goes through and the entries.
struct RingAccessPlan {
    /// `(class, profile)` in definition order.
    profiles: Vec<(&'static str, String)>,
    grants: Vec<Grant>,
}

fn ring_object(db: &SecurityDatabase, ring: &Keyring) -> String {
    format!("security database {} / key ring {}/{}", db.name, ring.owner, ring.name)
}

fn cert_object(db: &SecurityDatabase, cert: &Certificate) -> String {
    format!("security database {} / certificate {}", db.name, cert.label)
}

/// Ring access of a database from [`security::ring_grants`], the intent the ACF2 and Top Secret
/// emitters write too (RACF Callable Services, R_datalib authorization checks): who gets which
/// level is decided there, only the order of the commands here. The jobs list FACILITY
/// `LISTRING` before `LIST`, then one RDATALIB profile per ring; within a profile the users come
/// in the order the rings name them (owner, then readers), one PERMIT per user.
fn access(db: &SecurityDatabase) -> RingAccessPlan {
    let mut grants = security::ring_grants(db);
    let mut first_ring: BTreeMap<String, usize> = BTreeMap::new();
    for grant in &grants {
        let ring = first_ring.entry(grant.resource.clone()).or_insert(grant.ring);
        *ring = (*ring).min(grant.ring);
    }
    let profile_place = |grant: &security::Grant| match grant.class {
        Class::Facility => usize::from(grant.resource != security::LISTRING),
        Class::Rdatalib => first_ring.get(&grant.resource).copied().unwrap_or_default(),
    };
    let user_place = |grant: &security::Grant| {
        let ring = &db.keyrings[grant.ring];
        let within = if grant.user == ring.owner {
            0
        } else {
            ring.readers.iter().position(|r| *r == grant.user).map_or(usize::MAX, |i| i + 1)
        };
        (grant.ring, within)
    };
    grants.sort_by_cached_key(|g| (g.class, profile_place(g), g.resource.clone(), user_place(g)));

    let mut profiles: Vec<(&'static str, String)> = Vec::new();
    let grants = grants
        .into_iter()
        .map(|grant| {
            let class = match grant.class {
                Class::Facility => "FACILITY",
                Class::Rdatalib => "RDATALIB",
            };
            if profiles.last().is_none_or(|(c, p)| *c != class || *p != grant.resource) {
                profiles.push((class, grant.resource.clone()));
            }
            let ring = &db.keyrings[grant.ring];
            Grant {
                class,
                profile: grant.resource,
                id: grant.user,
                access: grant.access.keyword(),
                object: ring_object(db, ring),
                origin: ring.origin.clone(),
            }
        })
        .collect();
    RingAccessPlan { profiles, grants }
}

/// Certificates the jobs create (SETUP generates, IMPORT adds), in creation order: generated
/// CAs, then imports, then the certificates they sign. Existing certificates are not among
/// them: the jobs only connect them, BACKOUT never deletes them.
fn creation_order(db: &SecurityDatabase) -> Vec<&Certificate> {
    let group = |cert: &Certificate| match (&cert.source, cert.is_ca()) {
        (CertSource::Generate, true) => 0,
        (CertSource::Import { .. }, _) => 1,
        (CertSource::Generate, false) => 2,
        (CertSource::Existing, _) => 3,
    };
    let mut certs: Vec<&Certificate> =
        db.certificates.iter().filter(|c| c.source.is_created_by_zat()).collect();
    certs.sort_by_key(|c| group(c));
    certs
}

/// Certificates that exist on z/OS already, in the model's order.
fn existing(db: &SecurityDatabase) -> Vec<&Certificate> {
    db.certificates.iter().filter(|c| !c.source.is_created_by_zat()).collect()
}

fn is_import(db: &SecurityDatabase, connection: &RingConnection) -> bool {
    db.certificates.iter().any(|c| {
        c.label == connection.label
            && c.owner == connection.cert_owner
            && matches!(c.source, CertSource::Import { .. })
    })
}

fn uses(db: &SecurityDatabase, access: RingAccess) -> bool {
    db.keyrings.iter().any(|r| r.access == access)
}

fn lpar_list(fleet: &Fleet, db: &SecurityDatabase) -> String {
    let lpars: Vec<&str> = fleet.lpars_of(&db.name).map(|l| l.name.as_str()).collect();
    if lpars.is_empty() { "NONE".to_owned() } else { lpars.join(" ") }
}

fn strict_note(options: &Options) -> String {
    format!(
        "HOW IT RUNS: STRICT STEPS RUN UNDER {} AND STOP AT THE FIRST FAILING COMMAND; \
         EVERYTHING AFTER A STRICT STEP RUNS ONLY IF IT ENDED WITH RC 0 (IF/THEN). \
         TOLERANT STEPS (IKJEFT01) RUN EVERY COMMAND: ONLY THE LAST RC BECOMES THE STEP RC, \
         SO READ THEIR SYSTSPRT. ANY STEP RC ABOVE 0 MEANS: READ THAT STEP'S SYSTSPRT \
         (IRRD, ICH AND IKJ MESSAGES).",
        options.strict_tmp
    )
}

/// What a job does to the state it was planned against, for its state note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Does {
    /// A setup or import job: it adds only the change.
    Change,
    /// A back-out job: it takes back only what the change added.
    Undo,
}

/// The paragraph every job of a database carries about the state it was planned against, with
/// what the listing showed already there of the objects the job touches (`matches`): a
/// back-out lists the same as the jobs it undoes, so that whoever decides whether to run it
/// sees what it leaves as it was.
pub(crate) fn state_note(plan: &Plan, discover: &str, matches: &[String], does: Does) -> String {
    match &plan.source {
        Some(source) => {
            let what = match does {
                Does::Change => {
                    "THIS JOB CONTAINS ONLY THE CHANGE FROM THAT STATE. IT NEVER LOWERS OR \
                     REMOVES ACCESS AND NEVER DELETES WHAT WAS THERE."
                }
                Does::Undo => {
                    "THIS JOB UNDOES ONLY WHAT THE SETUP JOBS CHANGED FROM THAT STATE: IT PUTS \
                     BACK THE ACCESS LEVELS THAT WERE THERE AND NEVER DELETES WHAT WAS THERE."
                }
            };
            let mut text = format!(
                "PLANNED AGAINST THE STATE JOB {discover} (DISCOVER) LISTED, READ FROM {}: {what}",
                source.to_ascii_uppercase()
            );
            if matches.is_empty() {
                text.push_str(" NOTHING THE FLEET NEEDS WAS THERE ALREADY.");
            } else {
                text.push_str(&format!(" ALREADY MATCHES: {}.", matches.join("; ")));
            }
            text
        }
        None => format!(
            "ASSUMPTION: NO DISCOVERED STATE WAS GIVEN, SO THIS JOB ASSUMES THAT NONE OF THE \
             CERTIFICATES, KEY RINGS AND PROFILES IT CREATES EXISTS YET, AND STOPS AT THE \
             FIRST ONE THAT DOES. ON A SYSTEM THAT HAS ANY OF THEM, RUN JOB {discover} \
             (DISCOVER, READ-ONLY) FIRST AND BUILD AGAIN WITH ZAT BUILD --STATE DB=FILE: THE \
             JOBS THEN CONTAIN ONLY THE CHANGE."
        ),
    }
}

/// The classes a step refreshes, when they are RACLISTed: from the discovered SETROPTS LIST
/// when there is one, else from `racf.raclisted`.
pub(crate) fn refresh_steps(
    options: &Options,
    plan: &Plan,
    classes: &[(&'static str, &[&'static str])],
) -> Vec<Step> {
    let mut steps = Vec::new();
    for (name, wanted) in classes {
        let raclisted: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|c| match plan.class(c) {
                Some((_, raclisted)) => raclisted,
                None => options.raclisted.contains(*c),
            })
            .collect();
        if raclisted.is_empty() {
            continue;
        }
        let mut step = Step::new(
            name,
            Mode::Tolerant,
            format!(
                "STEP {name}: REFRESH THE IN-STORAGE PROFILES OF {} (ONE COMMAND, SO THE STEP RC IS ITS RC).",
                raclisted.join(" AND ")
            ),
        );
        step.commands.push(Command::new(racdcert::refresh(&raclisted)));
        steps.push(step);
    }
    steps
}

/// The names of one database's jobs.
pub(crate) struct Names {
    pub(crate) discover: String,
    pub(crate) classes: String,
    pub(crate) setup: String,
    pub(crate) import: String,
    pub(crate) key: String,
    pub(crate) key_cleanup: String,
    pub(crate) backout: String,
}

impl Names {
    pub(crate) fn of(fleet: &Fleet, db: &str) -> Names {
        let prefix = &fleet.defaults.job.name_prefix;
        let name = |k| job_name(prefix, k, db);
        Names {
            discover: name(kind::DISCOVER),
            classes: name(kind::CLASSES),
            setup: name(kind::SETUP),
            import: name(kind::IMPORT),
            key: name(kind::KEY),
            key_cleanup: name(kind::KEY_CLEANUP),
            backout: name(kind::BACKOUT),
        }
    }
}

/// The classes a database's jobs need active: DIGTCERT and DIGTRING for certificates and
/// rings, FACILITY or RDATALIB for ring access, SERVAUTH for the stacks of its LPARs.
pub(crate) fn needed_classes(fleet: &Fleet, db: &SecurityDatabase) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !db.certificates.is_empty() || !db.keyrings.is_empty() {
        out.extend(["DIGTCERT", "DIGTRING"]);
    }
    if uses(db, RingAccess::Facility) {
        out.push("FACILITY");
    }
    if uses(db, RingAccess::Rdatalib) {
        out.push("RDATALIB");
    }
    let stacks =
        fleet.lpars_of(&db.name).flat_map(|l| &l.stacks).any(|s| s.ttls && s.initstack.is_some());
    if stacks {
        out.push("SERVAUTH");
    }
    out
}

/// Prerequisites checked against the discovered state: a class the fleet needs that is not
/// active is an error, unless the fleet asks zat to activate classes (then CLASSES does it).
pub(crate) fn check_classes(
    fleet: &Fleet,
    db: &SecurityDatabase,
    plan: &Plan,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if fleet.defaults.activate_classes {
        return;
    }
    for class in needed_classes(fleet, db) {
        if let Some((false, _)) = plan.class(class) {
            diagnostics.push(
                Diagnostic::error(
                    codes::CLASS_INACTIVE,
                    format!(
                        "class {class} is not active in security database {} (discovered state): \
                         the jobs rely on it",
                        db.name
                    ),
                )
                .object(format!("security database {}", db.name))
                .at(&db.origin)
                .help(format!(
                    "activate it (SETROPTS CLASSACT({class}) RACLIST({class})) and run DISCOVER again, \
                     or set `defaults.activate_classes` so that zat writes the CLASSES job"
                )),
            );
        }
    }
}

/// The commands of the DISCOVER job of `db`, in the job's order: the class settings, every
/// certificate and ring of the database, and every profile its access goes through, discrete
/// and generic. A listing given with `zat build --state` must answer each of them, since the
/// plan takes what it does not show as absent.
pub fn discover_commands(fleet: &Fleet, db: &SecurityDatabase) -> Vec<String> {
    let mut commands = vec!["SETROPTS LIST".to_owned()];
    commands.extend(db.certificates.iter().map(racdcert::list));
    commands.extend(db.keyrings.iter().map(|ring| racdcert::listring(&ring.owner, &ring.name)));
    let mut resources: Vec<(&str, String)> = access(db).profiles;
    for lpar in fleet.lpars_of(&db.name) {
        for (profile, _) in security::initstack_grants(lpar) {
            if !resources.iter().any(|(c, p)| *c == "SERVAUTH" && *p == profile) {
                resources.push(("SERVAUTH", profile));
            }
        }
    }
    for (class, profile) in &resources {
        commands.push(racdcert::rlist(class, profile));
        commands.push(racdcert::rlist_generic(class, profile));
    }
    commands
}

/// The DISCOVER job: lists every certificate, ring and profile the jobs touch and the class
/// settings, and changes nothing. Its SYSTSPRT is the state `zat build --state` reads.
pub(crate) fn discover_job(fleet: &Fleet, db: &SecurityDatabase, names: &Names) -> Job {
    let mut step = Step::new(
        "LIST",
        Mode::Tolerant,
        "STEP LIST (READ-ONLY): LIST THE CLASS SETTINGS, THE FLEET'S CERTIFICATES AND RINGS, \
         AND EVERY PROFILE ITS ACCESS GOES THROUGH, DISCRETE AND GENERIC. A NOT-FOUND MESSAGE \
         (IRRD107I, IRRD114I, ICH13003I) IS AN ANSWER TOO: THE OBJECT DOES NOT EXIST.",
    );
    step.commands = discover_commands(fleet, db).into_iter().map(Command::new).collect();
    Job {
        path: layout::security_discover_job(&db.name, Esm::RACF),
        name: names.discover.clone(),
        target: "submit as a batch job, then download its SYSTSPRT for zat build --state (RACF auditor or security administrator)".to_owned(),
        header: vec![
            format!(
                "ZAT RACF DISCOVER FOR SECURITY DATABASE {} OF FLEET {} (LPARS {}). READ-ONLY: \
                 IT CHANGES NOTHING. GENERATED BY ZAT: DO NOT EDIT.",
                db.name,
                fleet.name,
                lpar_list(fleet, db)
            ),
            "WHAT IT CHANGES: NOTHING. IT LISTS THE CLASS SETTINGS, THE FLEET'S CERTIFICATES \
             AND KEY RINGS, AND EVERY PROFILE THE FLEET'S ACCESS GOES THROUGH."
                .to_owned(),
            format!(
                "WHAT TO DO WITH IT: DOWNLOAD THE SYSTSPRT OF STEP LIST AS TEXT AND BUILD WITH \
                 ZAT BUILD --STATE {}=FILE: SETUP, IMPORT, SERVAUTH AND BACKOUT THEN CONTAIN \
                 ONLY THE CHANGE FROM WHAT IT SHOWS. RUN IT AGAIN BEFORE EVERY BUILD THAT \
                 CHANGES THE FLEET.",
                db.name
            ),
            "WHO RUNS IT: A USER WHO MAY LIST THESE PROFILES AND CERTIFICATES (AUDITOR, OR \
             SPECIAL; RACDCERT LIST OF OTHER USERS NEEDS READ ON FACILITY IRR.DIGTCERT.LIST)."
                .to_owned(),
            "HOW TO UNDO: NOTHING TO UNDO.".to_owned(),
        ],
        steps: Vec::new(),
        tail: vec![step],
        stop: None,
    }
}

/// What the plan does to the rings: the commands, and what BACKOUT must undo.
#[derive(Default)]
struct RingPlan {
    commands: Vec<Command>,
    /// Rings the plan adds (BACKOUT deletes them whole).
    added: Vec<(String, String)>,
    /// Connections the plan makes to rings that were there (BACKOUT removes them).
    connected: Vec<(String, String, zat_plugin_api::model::CertOwner, String)>,
}

/// ADDRING for missing rings (not in the import job) and CONNECT for each connection that is
/// missing, of the imported certificates (`imports`) or of all the others.
fn ring_plan(
    db: &SecurityDatabase,
    plan: &Plan,
    imports: bool,
    matches: &mut Vec<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> RingPlan {
    let mut out = RingPlan::default();
    for ring in &db.keyrings {
        let object = ring_object(db, ring);
        let exists = plan.has_ring(&ring.owner, &ring.name);
        let mut comment = Some(format!("KEY RING {}/{}", ring.owner, ring.name));
        if !imports {
            if exists {
                matches.push(format!("RING {}/{} EXISTS", ring.owner, ring.name));
            } else {
                out.commands.push(
                    Command::new(racdcert::addring(&ring.owner, &ring.name))
                        .from(object.clone(), &ring.origin)
                        .comment(comment.take().unwrap_or_default()),
                );
                out.added.push((ring.owner.clone(), ring.name.clone()));
            }
        }
        let mut has_default = false;
        for connection in &ring.connections {
            let mut default = connection.default;
            if default && has_default {
                if !imports {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::SECOND_DEFAULT,
                            format!(
                                "key ring {}/{} has more than one DEFAULT certificate; `{}` is not connected as DEFAULT",
                                ring.owner, ring.name, connection.label
                            ),
                        )
                        .object(object.clone())
                        .at(&connection.origin)
                        .help("mark only one personal certificate of the ring as default"),
                    );
                }
                default = false;
            }
            has_default |= default;
            if is_import(db, connection) != imports {
                continue;
            }
            let wanted = match connection.usage {
                zat_plugin_api::model::Usage::Personal => RingUsage::Personal,
                zat_plugin_api::model::Usage::Certauth => RingUsage::Certauth,
                zat_plugin_api::model::Usage::Site => RingUsage::Site,
            };
            match plan.connection(
                &ring.owner,
                &ring.name,
                &connection.cert_owner,
                &connection.label,
            ) {
                Some((usage, is_default)) if usage == wanted && is_default == default => {
                    matches.push(format!(
                        "{} IS IN RING {}/{}",
                        connection.label, ring.owner, ring.name
                    ));
                    continue;
                }
                Some((usage, is_default)) => {
                    diagnostics.push(
                        Diagnostic::warning(
                            codes::DIFFERS,
                            format!(
                                "`{}` is in key ring {}/{} with usage {} and DEFAULT {}, the fleet asks for {} and DEFAULT {}; zat leaves the connection as it is",
                                connection.label,
                                ring.owner,
                                ring.name,
                                usage.as_str(),
                                if is_default { "YES" } else { "NO" },
                                wanted.as_str(),
                                if default { "YES" } else { "NO" }
                            ),
                        )
                        .object(object.clone())
                        .at(&connection.origin)
                        .help("change the connection by hand (RACDCERT REMOVE, then CONNECT), or change the script to match"),
                    );
                    matches.push(format!(
                        "{} IS IN RING {}/{} (KEPT AS IT IS)",
                        connection.label, ring.owner, ring.name
                    ));
                    continue;
                }
                None => {}
            }
            if default && let Some(other) = plan.default_of(&ring.owner, &ring.name) {
                diagnostics.push(
                    Diagnostic::warning(
                        codes::DIFFERS,
                        format!(
                            "key ring {}/{} has `{other}` as its DEFAULT certificate; `{}` is connected without DEFAULT, so that the site's default stays",
                            ring.owner, ring.name, connection.label
                        ),
                    )
                    .object(object.clone())
                    .at(&connection.origin)
                    .help("make it the default by hand if that is what you want"),
                );
                default = false;
            }
            let mut command = Command::new(racdcert::connect(
                &ring.owner,
                &ring.name,
                &connection.cert_owner,
                &connection.label,
                connection.usage,
                default,
            ))
            .from(object.clone(), &connection.origin);
            if let Some(comment) = comment.take() {
                command = command.comment(comment);
            }
            out.commands.push(command);
            if exists {
                out.connected.push((
                    ring.owner.clone(),
                    ring.name.clone(),
                    connection.cert_owner.clone(),
                    connection.label.clone(),
                ));
            }
        }
    }
    out
}

/// What the plan needs of the ring access profiles.
fn ring_needs(access: &RingAccessPlan) -> Vec<Need> {
    access
        .grants
        .iter()
        .map(|g| Need {
            class: g.class,
            resource: g.profile.clone(),
            id: g.id.clone(),
            access: Access::parse(g.access).unwrap_or(Access::Read),
            program: None,
            when: None,
            object: g.object.clone(),
            origin: g.origin.clone(),
        })
        .collect()
}

/// Everything planned for one database, computed once and shared by its jobs.
pub(crate) struct DbPlan<'a> {
    fleet: &'a Fleet,
    db: &'a SecurityDatabase,
    options: &'a Options,
    pub(crate) plan: Plan,
    pub(crate) names: Names,
    access_plan: AccessPlan,
    /// Certificates SETUP generates (not there yet).
    generated: Vec<&'a Certificate>,
    /// Certificates IMPORT adds (not there yet).
    imported: Vec<&'a Certificate>,
    setup_rings: RingPlan,
    import_rings: RingPlan,
    matches: Vec<String>,
    import_matches: Vec<String>,
}

impl<'a> DbPlan<'a> {
    pub(crate) fn new(
        fleet: &'a Fleet,
        db: &'a SecurityDatabase,
        options: &'a Options,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> DbPlan<'a> {
        let plan = Plan::of(db, options.generic);
        let names = Names::of(fleet, &db.name);
        let mut matches = Vec::new();
        let mut import_matches = Vec::new();
        let mut generated = Vec::new();
        let mut imported = Vec::new();
        for cert in creation_order(db) {
            let there = plan.has_certificate(&cert.owner, &cert.label);
            let is_import = matches!(cert.source, CertSource::Import { .. });
            if there {
                let note = format!("CERTIFICATE {} EXISTS (KEPT AS IT IS)", cert.label);
                if is_import { import_matches.push(note) } else { matches.push(note) }
            } else if is_import {
                imported.push(cert);
            } else {
                generated.push(cert);
            }
        }
        if plan.discovered() {
            for cert in existing(db) {
                if !plan.has_certificate(&cert.owner, &cert.label) {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::DIFFERS,
                            format!(
                                "certificate `{}` of {} is declared as existing, but the discovered state of security database {} does not have it",
                                cert.label, cert.owner, db.name
                            ),
                        )
                        .object(cert_object(db, cert))
                        .at(&cert.origin)
                        .help("create or add it first, or declare it as a certificate zat creates"),
                    );
                }
            }
        }
        let setup_rings = ring_plan(db, &plan, false, &mut matches, diagnostics);
        let import_rings = ring_plan(db, &plan, true, &mut import_matches, diagnostics);
        let access = access(db);
        let access_plan = AccessPlan::of(&plan, &ring_needs(&access));
        matches.extend(access_plan.matches.iter().cloned());
        DbPlan {
            fleet,
            db,
            options,
            plan,
            names,
            access_plan,
            generated,
            imported,
            setup_rings,
            import_rings,
            matches,
            import_matches,
        }
    }

    /// Exports without a private key, of certificates the database has after SETUP.
    fn public_exports(&self) -> Vec<(&'a Certificate, &'a zat_plugin_api::model::CertExport)> {
        self.db
            .certificates
            .iter()
            .filter(|c| matches!(c.source, CertSource::Generate))
            .filter_map(|c| c.export.as_ref().map(|e| (c, e)))
            .filter(|(_, e)| !e.format.has_private_key())
            .collect()
    }

    fn key_exports(&self) -> Vec<(&'a Certificate, &'a zat_plugin_api::model::CertExport)> {
        self.db
            .certificates
            .iter()
            .filter(|c| matches!(c.source, CertSource::Generate))
            .filter_map(|c| c.export.as_ref().map(|e| (c, e)))
            .filter(|(_, e)| e.format.has_private_key())
            .collect()
    }

    fn has_imports(&self) -> bool {
        self.db.certificates.iter().any(|c| matches!(c.source, CertSource::Import { .. }))
    }

    /// The jobs of the database, in the order they run (CLASSES and DISCOVER first).
    pub(crate) fn jobs(&self, diagnostics: &mut Vec<Diagnostic>) -> Vec<Job> {
        let db = self.db;
        let mut jobs = Vec::new();
        if db.certificates.is_empty() && db.keyrings.is_empty() {
            return jobs;
        }
        jobs.push(self.setup());
        if self.has_imports() {
            jobs.push(self.import());
        }
        if !self.key_exports().is_empty() {
            jobs.extend(self.key(diagnostics));
        }
        jobs.push(self.backout());
        jobs
    }

    fn setup(&self) -> Job {
        let (db, options, plan) = (self.db, self.options, &self.plan);
        let mut steps = Vec::new();
        let mut certs = Step::new(
            "CERTS",
            Mode::Strict,
            "STEP CERTS (STRICT): CREATE THE CERTIFICATE AUTHORITIES, THEN THE CERTIFICATES \
             THEY SIGN. PARTNER CAS ARE ADDED BY THE IMPORT JOB, AFTER THEIR DELIVERY.",
        );
        let mut last_group = None;
        for cert in &self.generated {
            let group = if cert.is_ca() {
                "CERTIFICATE AUTHORITIES"
            } else {
                "CERTIFICATES SIGNED BY THE CAS"
            };
            let mut command =
                Command::new(racdcert::gencert(db, cert)).from(cert_object(db, cert), &cert.origin);
            if last_group != Some(group) {
                command = command.comment(group);
                last_group = Some(group);
            }
            certs.commands.push(command);
        }
        if !certs.commands.is_empty() {
            steps.push(certs);
        }
        let mut rings = Step::new(
            "RINGS",
            Mode::Strict,
            "STEP RINGS (STRICT): ADD THE MISSING KEY RINGS AND CONNECT THE CERTIFICATES THAT \
             ARE NOT CONNECTED YET (AT MOST ONE DEFAULT PER RING).",
        );
        rings.commands.extend(self.setup_rings.commands.iter().cloned());
        if !rings.commands.is_empty() {
            steps.push(rings);
        }
        let exports = self.public_exports();
        if !exports.is_empty() {
            let mut clean = Step::new(
                "EXPDEL",
                Mode::Idcams,
                "STEP EXPDEL (IDCAMS): DELETE AN EARLIER COPY OF EACH EXPORT DATA SET, WHICH \
                 RACDCERT EXPORT CANNOT OVERWRITE. A DATA SET THAT IS NOT THERE GIVES IDC3012I, \
                 HARMLESS: THE STEP THEN SETS ITS CODE BACK TO 0, SO THE JOB ENDS CC 0000.",
            );
            let mut export = Step::new(
                "EXPORT",
                Mode::Strict,
                "STEP EXPORT (STRICT): EXPORT THE CERTIFICATES (NO PRIVATE KEY) THAT PARTNERS \
                 ADD TO THEIR DATABASES.",
            );
            for (cert, exp) in &exports {
                clean.commands.extend(racdcert::idcams_delete(&exp.dsn).map(Command::new));
                export.commands.push(
                    Command::new(racdcert::export(cert, &exp.dsn, exp.format.keyword(), None))
                        .from(cert_object(db, cert), &cert.origin),
                );
            }
            steps.push(clean);
            steps.push(export);
        }
        let defines = self.access_plan.define_commands();
        let permits = self.access_plan.permit_commands();
        if !permits.is_empty() {
            if !defines.is_empty() {
                let mut define = if plan.discovered() {
                    Step::new(
                        "DEFINE",
                        Mode::Strict,
                        "STEP DEFINE (STRICT): DEFINE THE RING ACCESS PROFILES THAT ARE MISSING; \
                         WHERE A GENERIC PROFILE COVERS ONE, THE NEW PROFILE IS A COPY OF IT \
                         (FROM), SO NOBODY IT ALLOWED LOSES ACCESS.",
                    )
                } else {
                    Step::new(
                        "DEFINE",
                        Mode::Tolerant,
                        "STEP DEFINE (TOLERANT): DEFINE THE RING ACCESS PROFILES IF THEY ARE \
                         MISSING. A PROFILE THAT EXISTS ALREADY GIVES ICH10102I AND IS KEPT AS \
                         IT IS; THE LISTINGS AFTER THE DEFINES END THE STEP, WITH RC 0 WHEN THE \
                         PROFILES ARE THERE: PROFILES THE SITE HAS ALREADY DO NOT RAISE THE \
                         JOB'S CONDITION CODE. A GENERIC PROFILE THAT COVERS ONE IS NOT SEEN: \
                         THE NEW DISCRETE PROFILE TAKES ITS PLACE FOR THAT NAME, WITH ONLY THE \
                         ACCESS THIS JOB GIVES. WHERE THE SITE HAS SUCH PROFILES, RUN DISCOVER \
                         AND BUILD WITH --STATE.",
                    )
                };
                define.commands = if plan.discovered() {
                    defines
                } else {
                    self.access_plan.tolerant_define_commands()
                };
                steps.push(define);
            }
            let mut permit = Step::new(
                "PERMIT",
                Mode::Strict,
                "STEP PERMIT (STRICT): LET THE RING OWNERS AND READERS OPEN THEIR RINGS: FACILITY \
                 IRR.DIGTCERT.LIST/LISTRING READ FOR AN OWNER'S OWN RING, UPDATE FOR ANOTHER \
                 USER'S; RDATALIB OWNER.RING.LST READ.",
            );
            permit.commands = permits;
            steps.push(permit);
        }
        let changed_certs = !self.generated.is_empty() || !self.setup_rings.commands.is_empty();
        let mut refresh: Vec<(&'static str, &[&'static str])> = Vec::new();
        if changed_certs {
            refresh.push(("REFRCERT", &["DIGTCERT", "DIGTRING"]));
        }
        if self.access_plan.permits.iter().any(|p| p.class == "FACILITY") {
            refresh.push(("REFRFAC", &["FACILITY"]));
        }
        if self.access_plan.permits.iter().any(|p| p.class == "RDATALIB") {
            refresh.push(("REFRDLIB", &["RDATALIB"]));
        }
        steps.extend(refresh_steps(options, plan, &refresh));

        let mut verify = Step::new(
            "VERIFY",
            Mode::Tolerant,
            "STEP VERIFY (ALWAYS RUNS): LIST THE CERTIFICATES, RINGS AND ACCESS LISTS. CHECK \
             THE RINGS, THEIR DEFAULT CERTIFICATE AND THE ACCESS LISTS IN SYSTSPRT.",
        );
        for cert in creation_order(db)
            .into_iter()
            .filter(|c| !matches!(c.source, CertSource::Import { .. }))
            .chain(existing(db))
        {
            verify.commands.push(Command::new(racdcert::list(cert)));
        }
        for ring in &db.keyrings {
            verify.commands.push(Command::new(racdcert::listring(&ring.owner, &ring.name)));
        }
        for (class, profile) in &self.access_plan.profiles {
            verify.commands.push(Command::new(racdcert::rlist(class, profile)));
        }

        let mut changes = Vec::new();
        if !self.generated.is_empty() {
            let labels: Vec<&str> = self.generated.iter().map(|c| c.label.as_str()).collect();
            changes.push(format!("CREATES CERTIFICATES {}", labels.join(", ")));
        }
        let existing = existing(db);
        if !existing.is_empty() {
            let labels: Vec<&str> = existing.iter().map(|c| c.label.as_str()).collect();
            changes.push(format!(
                "CONNECTS EXISTING CERTIFICATES {} (IT NEVER CREATES, EXPORTS OR DELETES THEM)",
                labels.join(", ")
            ));
        }
        if !self.setup_rings.added.is_empty() {
            let rings: Vec<String> =
                self.setup_rings.added.iter().map(|(o, n)| format!("{o}/{n}")).collect();
            changes.push(format!("ADDS KEY RINGS {}", rings.join(", ")));
        }
        if !self.setup_rings.commands.is_empty() {
            changes.push("CONNECTS THE CERTIFICATES THAT ARE NOT IN THEIR RINGS YET".to_owned());
        }
        if !exports.is_empty() {
            let dsns: Vec<String> =
                exports.iter().map(|(_, e)| e.dsn.to_ascii_uppercase()).collect();
            changes.push(format!(
                "WRITES DATA SETS {} (AN EARLIER COPY IS REPLACED)",
                dsns.join(", ")
            ));
        }
        if !self.access_plan.defines.is_empty() {
            let profiles: Vec<String> =
                self.access_plan.defines.iter().map(|(c, p, _)| format!("{c} {p}")).collect();
            changes.push(format!("DEFINES {}", profiles.join(", ")));
        }
        if !self.access_plan.permits.is_empty() {
            let permits: Vec<String> = self
                .access_plan
                .permits
                .iter()
                .map(|p| format!("{} {} {}", p.profile, p.id, p.access))
                .collect();
            changes.push(format!("PERMITS {}", permits.join(", ")));
        }
        if changes.is_empty() {
            changes.push("NOTHING: EVERYTHING THE FLEET NEEDS IS THERE".to_owned());
        }
        let mut order = format!(
            "WHEN TO RUN IT: AFTER JOB {} (DISCOVER) IF YOU PLAN AGAINST THE STATE",
            self.names.discover
        );
        if self.fleet.defaults.activate_classes {
            order.push_str(&format!(" AND JOB {} (CLASSES)", self.names.classes));
        }
        order.push_str(". IT READS NO DATA SET FROM A PARTNER, SO IT NEVER WAITS FOR ONE");
        if self.has_imports() {
            order.push_str(&format!(
                "; JOB {} (IMPORT) ADDS THE PARTNER CAS AFTER THEIR DELIVERY",
                self.names.import
            ));
        }
        order.push('.');
        Job {
            path: layout::security_setup_job(&db.name, Esm::RACF),
            name: self.names.setup.clone(),
            target: "submit as a batch job (RACF security administrator)".to_owned(),
            header: vec![
                format!(
                    "ZAT RACF SETUP FOR SECURITY DATABASE {} OF FLEET {} (LPARS {}). GENERATED BY \
                     ZAT: DO NOT EDIT, CHANGE THE FLEET SCRIPT AND BUILD AGAIN.",
                    db.name,
                    self.fleet.name,
                    lpar_list(self.fleet, db)
                ),
                state_note(plan, &self.names.discover, &self.matches, Does::Change),
                format!("WHAT IT CHANGES: {}.", changes.join("; ")),
                order,
                "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE (SETROPTS REFRESH NEEDS IT; \
                 RACDCERT CERTAUTH AND OTHER USERS' FUNCTIONS NEED SPECIAL OR CONTROL ON FACILITY \
                 IRR.DIGTCERT.*)."
                    .to_owned(),
                strict_note(options),
                format!(
                    "HOW TO UNDO: SUBMIT JOB {} (BACKOUT IN THE SAME FOLDER). AFTER A CHANGE TO \
                     THE FLEET, RUN {} (DISCOVER) AGAIN AND BUILD WITH --STATE: THE NEW SETUP \
                     HOLDS ONLY THE CHANGE.",
                    self.names.backout, self.names.discover
                ),
            ],
            steps,
            tail: vec![verify],
            stop: None,
        }
    }

    fn import(&self) -> Job {
        let (db, options, plan) = (self.db, self.options, &self.plan);
        let mut steps = Vec::new();
        let mut add = Step::new(
            "ADD",
            Mode::Strict,
            "STEP ADD (STRICT): ADD THE PARTNER CAS FROM THE DATA SETS THEIR ADMINISTRATORS \
             DELIVERED, AS TRUSTED.",
        );
        let mut dsns = Vec::new();
        for cert in &self.imported {
            if let CertSource::Import { dsn } = &cert.source {
                dsns.push(dsn.to_ascii_uppercase());
                add.commands.push(
                    Command::new(racdcert::add(cert, dsn))
                        .from(cert_object(db, cert), &cert.origin),
                );
            }
        }
        if !add.commands.is_empty() {
            steps.push(add);
        }
        let mut connect = Step::new(
            "CONNECT",
            Mode::Strict,
            "STEP CONNECT (STRICT): CONNECT THE PARTNER CAS TO THE RINGS THAT TRUST THEM.",
        );
        connect.commands.extend(self.import_rings.commands.iter().cloned());
        if !connect.commands.is_empty() {
            steps.push(connect);
        }
        if !steps.is_empty() {
            steps.extend(refresh_steps(options, plan, &[("REFRCERT", &["DIGTCERT", "DIGTRING"])]));
        }
        let mut verify = Step::new(
            "VERIFY",
            Mode::Tolerant,
            "STEP VERIFY (ALWAYS RUNS): LIST THE PARTNER CAS AND THE RINGS.",
        );
        for cert in db.certificates.iter().filter(|c| matches!(c.source, CertSource::Import { .. }))
        {
            verify.commands.push(Command::new(racdcert::list(cert)));
        }
        for ring in &db.keyrings {
            verify.commands.push(Command::new(racdcert::listring(&ring.owner, &ring.name)));
        }
        let waits = if dsns.is_empty() {
            "IT READS NO DATA SET: EVERY PARTNER CA IS THERE ALREADY.".to_owned()
        } else {
            format!(
                "WHEN TO RUN IT: AFTER JOB {} (SETUP) AND AFTER THE PARTNERS DELIVERED DATA SETS \
                 {} (A PARTNER IN THIS FLEET WRITES ITS OWN WITH ITS SETUP JOB). UNTIL THEN IT \
                 STOPS AT THE FIRST MISSING DATA SET AND CHANGES NOTHING AFTER IT.",
                self.names.setup,
                dsns.join(", ")
            )
        };
        let mut changes = Vec::new();
        if !self.imported.is_empty() {
            let labels: Vec<&str> = self.imported.iter().map(|c| c.label.as_str()).collect();
            changes.push(format!("ADDS PARTNER CAS {}", labels.join(", ")));
        }
        if !self.import_rings.commands.is_empty() {
            changes.push("CONNECTS THEM TO THEIR RINGS".to_owned());
        }
        if changes.is_empty() {
            changes.push("NOTHING: THE PARTNER CAS ARE THERE AND CONNECTED".to_owned());
        }
        Job {
            path: layout::security_import_job(&db.name, Esm::RACF),
            name: self.names.import.clone(),
            target: "submit as a batch job after the partners' CA data sets arrived (RACF security administrator)".to_owned(),
            header: vec![
                format!(
                    "ZAT RACF IMPORT OF PARTNER CAS FOR SECURITY DATABASE {} OF FLEET {}. \
                     GENERATED BY ZAT: DO NOT EDIT.",
                    db.name, self.fleet.name
                ),
                state_note(plan, &self.names.discover, &self.import_matches, Does::Change),
                format!("WHAT IT CHANGES: {}.", changes.join("; ")),
                waits,
                "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE.".to_owned(),
                strict_note(options),
                format!("HOW TO UNDO: JOB {} (BACKOUT) UNDOES IT WITH SETUP.", self.names.backout),
            ],
            steps,
            tail: vec![verify],
            stop: None,
        }
    }

    /// The PKCS#12 export job and its cleanup job.
    fn key(&self, diagnostics: &mut Vec<Diagnostic>) -> Vec<Job> {
        let db = self.db;
        let exports = self.key_exports();
        let mut clean = Step::new(
            "EXPDEL",
            Mode::Idcams,
            "STEP EXPDEL (IDCAMS): DELETE A COPY LEFT BY AN EARLIER RUN, WHICH RACDCERT EXPORT \
             CANNOT OVERWRITE. A DATA SET THAT IS NOT THERE GIVES IDC3012I, HARMLESS: THE STEP \
             THEN SETS ITS CODE BACK TO 0.",
        );
        let mut protect = Step::new(
            "PROTECT",
            Mode::Tolerant,
            "STEP PROTECT (TOLERANT): A DISCRETE DATA SET PROFILE WITH UACC(NONE) FOR EACH \
             EXPORT, SO ONLY ITS OWNER AND THE SECURITY ADMINISTRATORS CAN READ THE PRIVATE \
             KEY. A PROFILE THAT EXISTS GIVES A MESSAGE: HARMLESS.",
        );
        let mut export = Step::new(
            "EXPORT",
            Mode::Strict,
            "STEP EXPORT (STRICT): EXPORT THE CERTIFICATES WITH THEIR PRIVATE KEYS. ITS SYSTSPRT \
             IS DUMMY, SO THAT THE ECHO OF THE COMMAND NEVER PUTS THE PASSWORD ON THE SPOOL.",
        );
        export.quiet = true;
        let mut placeholders = Vec::new();
        let mut dsns = Vec::new();
        for (cert, exp) in &exports {
            let (placeholder, source) = security::password_placeholder(exp);
            diagnostics.push(
                Diagnostic::warning(
                    codes::PKCS12_PASSWORD,
                    format!(
                        "the PKCS#12 export of `{}` has the placeholder {placeholder} instead of a password: \
                         replace it with {source} before you submit the job (it stops with a JCL error until you do)",
                        cert.label
                    ),
                )
                .object(cert_object(db, cert))
                .at(&cert.origin)
                .help("zat never reads, writes or sends a password; once your procedure fills it in, acknowledge this warning with --allow ZAT0342"),
            );
            placeholders.push(format!("{placeholder} ({})", source.to_ascii_uppercase()));
            dsns.push(exp.dsn.to_ascii_uppercase());
            clean.commands.extend(racdcert::idcams_delete(&exp.dsn).map(Command::new));
            protect.commands.push(Command::new(racdcert::addsd(&exp.dsn)));
            export.commands.push(
                Command::new(racdcert::export(
                    cert,
                    &exp.dsn,
                    exp.format.keyword(),
                    Some(&placeholder),
                ))
                .from(cert_object(db, cert), &cert.origin),
            );
        }
        let stop = (
            "EXPORT",
            format!(
                "STOP: THE PKCS#12 EXPORT NEEDS A PASSWORD THAT ZAT NEVER WRITES. REPLACE {} IN \
                 STEP EXPORT, THEN DELETE THE NEXT LINE: IT STOPS THE WHOLE JOB WITH A JCL ERROR \
                 SO THAT NO KEY IS EXPORTED UNDER A KNOWN PLACEHOLDER. PURGE THE JOB FROM THE \
                 SPOOL AFTER IT RAN: ITS IN-STREAM DATA HOLDS THE PASSWORD.",
                placeholders.join(" AND ")
            ),
            "//ZATSTOP  EDIT-THE-PKCS12-PASSWORDS-THEN-DELETE-THIS-LINE".to_owned(),
        );
        let key = Job {
            path: layout::security_key_job(&db.name, Esm::RACF),
            name: self.names.key.clone(),
            target: "edit the password, submit as a batch job after SETUP, then purge it from the spool (RACF security administrator)".to_owned(),
            header: vec![
                format!(
                    "ZAT RACF PKCS#12 EXPORT FOR SECURITY DATABASE {} OF FLEET {}. GENERATED BY \
                     ZAT: DO NOT EDIT BUT FOR THE PASSWORD.",
                    db.name, self.fleet.name
                ),
                format!(
                    "WHAT IT CHANGES: WRITES DATA SETS {} WITH PRIVATE KEYS, EACH PROTECTED BY A \
                     DATA SET PROFILE WITH UACC(NONE).",
                    dsns.join(", ")
                ),
                format!(
                    "WHEN TO RUN IT: AFTER JOB {} (SETUP). MOVE THE DATA SETS TO THEIR \
                     DESTINATION, THEN SUBMIT JOB {} (KEY-CLEANUP): A PRIVATE KEY SHOULD NOT \
                     STAY IN A DATA SET.",
                    self.names.setup, self.names.key_cleanup
                ),
                "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE.".to_owned(),
                strict_note(self.options),
                format!(
                    "HOW TO UNDO: SUBMIT JOB {} (KEY-CLEANUP), OR JOB {} (BACKOUT) WITH THE REST.",
                    self.names.key_cleanup, self.names.backout
                ),
            ],
            steps: vec![clean, protect, export],
            tail: Vec::new(),
            stop: Some(stop),
        };
        let mut delete = Step::new(
            "KEYDEL",
            Mode::Tolerant,
            "STEP KEYDEL: DELETE THE PKCS#12 DATA SETS AND THEIR DATA SET PROFILES.",
        );
        for (_, exp) in &exports {
            delete.commands.push(Command::new(racdcert::delete_data_set(&exp.dsn)));
            delete.commands.push(Command::new(racdcert::deldsd(&exp.dsn)));
        }
        let cleanup = Job {
            path: layout::security_key_cleanup_job(&db.name, Esm::RACF),
            name: self.names.key_cleanup.clone(),
            target: "submit as a batch job once the keys are installed where they go (RACF security administrator)".to_owned(),
            header: vec![
                format!(
                    "ZAT RACF PKCS#12 CLEANUP FOR SECURITY DATABASE {} OF FLEET {}: DELETES WHAT \
                     JOB {} WROTE. GENERATED BY ZAT: DO NOT EDIT.",
                    db.name, self.fleet.name, self.names.key
                ),
                format!("WHAT IT CHANGES: DELETES DATA SETS {} AND THEIR PROFILES.", dsns.join(", ")),
                "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE.".to_owned(),
                format!("HOW TO UNDO: SUBMIT JOB {} (KEY) AGAIN.", self.names.key),
            ],
            steps: vec![delete],
            tail: Vec::new(),
            stop: None,
        };
        vec![key, cleanup]
    }

    fn backout(&self) -> Job {
        let (db, options, plan) = (self.db, self.options, &self.plan);
        let discovered = plan.discovered();
        let mut steps = Vec::new();
        let (permit_cmds, profile_dels) = self.access_plan.backout_commands(discovered);
        let mut permits = Step::new(
            "PERMRST",
            Mode::Tolerant,
            if discovered {
                "STEP PERMRST: PUT EACH ACCESS-LIST ENTRY SETUP CHANGED BACK TO ITS LEVEL BEFORE \
                 SETUP; AN ENTRY SETUP ADDED IS DELETED."
            } else {
                "STEP PERMRST: REMOVE THE ACCESS-LIST ENTRIES SETUP ADDED. THE PROFILES STAY: \
                 THEY MAY HAVE EXISTED BEFORE AND PROTECT MORE THAN ZAT'S RINGS."
            },
        );
        permits.commands = permit_cmds;
        if !permits.commands.is_empty() {
            steps.push(permits);
        }
        let mut profiles = Step::new(
            "PROFDEL",
            Mode::Tolerant,
            "STEP PROFDEL: DELETE THE PROFILES SETUP DEFINED (THEY DID NOT EXIST BEFORE).",
        );
        profiles.commands = profile_dels;
        if !profiles.commands.is_empty() {
            steps.push(profiles);
        }
        let mut removes = Step::new(
            "CONNDEL",
            Mode::Tolerant,
            "STEP CONNDEL: REMOVE THE CONNECTIONS SETUP AND IMPORT MADE TO RINGS THAT EXISTED \
             BEFORE.",
        );
        for (owner, ring, cert_owner, label) in
            self.setup_rings.connected.iter().chain(&self.import_rings.connected)
        {
            removes.commands.push(Command::new(racdcert::remove(owner, ring, cert_owner, label)));
        }
        if !removes.commands.is_empty() {
            steps.push(removes);
        }
        let mut rings = Step::new(
            "RINGDEL",
            Mode::Tolerant,
            "STEP RINGDEL: DELETE THE KEY RINGS SETUP ADDED (THEIR CONNECTIONS GO WITH THEM).",
        );
        for (owner, ring) in self.setup_rings.added.iter().rev() {
            rings.commands.push(Command::new(racdcert::delring(owner, ring)));
        }
        if !rings.commands.is_empty() {
            steps.push(rings);
        }
        let mut certs = Step::new(
            "CERTDEL",
            Mode::Tolerant,
            if discovered {
                "STEP CERTDEL: DELETE THE CERTIFICATES SETUP AND IMPORT CREATED OR ADDED, SIGNED \
                 ONES FIRST, THEN THE CAS. CERTIFICATES THAT WERE THERE BEFORE ARE NOT TOUCHED."
            } else {
                "STEP CERTDEL: DELETE THE CERTIFICATES SETUP CREATED, SIGNED ONES FIRST, THEN THE \
                 CAS. PARTNER CAS AND CERTIFICATES DECLARED AS EXISTING ARE NEVER DELETED."
            },
        );
        let mut deleted: Vec<&Certificate> = self.generated.clone();
        if discovered {
            deleted.extend(self.imported.iter().copied());
        }
        // Signed certificates before their CAs: reverse creation order.
        for cert in creation_order(db)
            .into_iter()
            .rev()
            .filter(|c| deleted.iter().any(|d| d.label == c.label && d.owner == c.owner))
        {
            certs.commands.push(Command::new(racdcert::delete(cert)));
        }
        if !certs.commands.is_empty() {
            steps.push(certs);
        }
        let mut data_sets = Step::new(
            "DSDEL",
            Mode::Tolerant,
            "STEP DSDEL: DELETE THE EXPORT DATA SETS THE JOBS WROTE (AND THE PROFILES OF PKCS#12 \
             EXPORTS), SO THAT SETUP CAN WRITE THEM AGAIN.",
        );
        for (_, exp) in self.public_exports() {
            data_sets.commands.push(Command::new(racdcert::delete_data_set(&exp.dsn)));
        }
        for (_, exp) in self.key_exports() {
            data_sets.commands.push(Command::new(racdcert::delete_data_set(&exp.dsn)));
            data_sets.commands.push(Command::new(racdcert::deldsd(&exp.dsn)));
        }
        if !data_sets.commands.is_empty() {
            steps.push(data_sets);
        }
        let mut refresh: Vec<(&'static str, &[&'static str])> = Vec::new();
        if !self.generated.is_empty()
            || !self.setup_rings.commands.is_empty()
            || !self.import_rings.commands.is_empty()
            || !self.imported.is_empty()
        {
            refresh.push(("REFRCERT", &["DIGTCERT", "DIGTRING"]));
        }
        if self.access_plan.permits.iter().any(|p| p.class == "FACILITY") {
            refresh.push(("REFRFAC", &["FACILITY"]));
        }
        if self.access_plan.permits.iter().any(|p| p.class == "RDATALIB") {
            refresh.push(("REFRDLIB", &["RDATALIB"]));
        }
        steps.extend(refresh_steps(options, plan, &refresh));
        let mut verify = Step::new(
            "VERIFY",
            Mode::Tolerant,
            "STEP VERIFY: LIST THE RINGS LEFT FOR EACH OWNER AND THE ACCESS LISTS. AN OWNER \
             LEFT WITH NO RING (IRRD115I) OR A PROFILE THIS JOB DELETED (ICH13003I) GIVES RC 4, \
             AND THE LAST LISTING GIVES THE STEP ITS RC: RC 4 HERE IS THE BACK-OUT DONE, NOT A \
             FAILURE.",
        );
        let mut owners: Vec<&str> = Vec::new();
        for ring in &db.keyrings {
            if !owners.contains(&ring.owner.as_str()) {
                owners.push(&ring.owner);
            }
        }
        for owner in owners {
            verify.commands.push(Command::new(racdcert::listring(owner, "*")));
        }
        for (class, profile) in &self.access_plan.profiles {
            if !self.access_plan.defines.iter().any(|(c, p, _)| c == class && p == profile)
                || !discovered
            {
                verify.commands.push(Command::new(racdcert::rlist(class, profile)));
            }
        }
        let mut kept = Vec::new();
        if discovered {
            kept.push(
                "EVERYTHING THE DISCOVERED STATE HAD: CERTIFICATES, RINGS, CONNECTIONS, PROFILES \
                 AND ACCESS LEVELS ARE PUT BACK AS THEY WERE"
                    .to_owned(),
            );
        } else {
            kept.push(
                "PROFILES FACILITY IRR.DIGTCERT.* AND RDATALIB (ONLY THE ENTRIES ARE REMOVED)"
                    .to_owned(),
            );
            let partners: Vec<&str> = db
                .certificates
                .iter()
                .filter(|c| matches!(c.source, CertSource::Import { .. }))
                .map(|c| c.label.as_str())
                .collect();
            if !partners.is_empty() {
                kept.push(format!(
                    "PARTNER CAS {} (IMPORTED FROM ELSEWHERE; DELETE THEM BY HAND IF NO RING NEEDS THEM)",
                    partners.join(", ")
                ));
            }
        }
        let existing = existing(db);
        if !existing.is_empty() {
            let labels: Vec<&str> = existing.iter().map(|c| c.label.as_str()).collect();
            kept.push(format!("EXISTING CERTIFICATES {} (NEVER DELETED)", labels.join(", ")));
        }
        kept.push("CLASS SETTINGS (ZAT NEVER DEACTIVATES A CLASS)".to_owned());
        let what = if discovered {
            "WHAT IT CHANGES: RETURNS THE DATABASE TO THE DISCOVERED STATE: IT UNDOES ONLY WHAT \
             SETUP AND IMPORT ADDED, PUTS BACK THE ACCESS LEVELS THAT WERE THERE, THEN \
             REFRESHES. RUN IT ONLY WHEN NO AT-TLS POLICY, SERVER OR APPLICATION STILL USES WHAT \
             SETUP ADDED."
                .to_owned()
        } else {
            "WHAT IT CHANGES: REMOVES THE ACCESS-LIST ENTRIES, KEY RINGS AND CERTIFICATES SETUP \
             CREATED, IN THAT ORDER, THEN REFRESHES. IT WAS PLANNED WITHOUT A DISCOVERED STATE: \
             AN ID THAT HAD ACCESS BEFORE SETUP LOSES IT, AND A RING THAT EXISTED BEFORE IS \
             DELETED. BUILD WITH --STATE TO GET A BACK-OUT THAT RESTORES EXACTLY WHAT WAS THERE."
                .to_owned()
        };
        Job {
            path: layout::security_backout_job(&db.name, Esm::RACF),
            name: self.names.backout.clone(),
            target: "submit as a batch job (RACF security administrator)".to_owned(),
            header: vec![
                format!(
                    "ZAT RACF BACKOUT FOR SECURITY DATABASE {} OF FLEET {} (LPARS {}): UNDOES JOBS \
                     {} (SETUP) AND {} (IMPORT). GENERATED BY ZAT: DO NOT EDIT.",
                    db.name,
                    self.fleet.name,
                    lpar_list(self.fleet, db),
                    self.names.setup,
                    self.names.import
                ),
                // It undoes SETUP and IMPORT: what either found already there, it leaves.
                state_note(
                    plan,
                    &self.names.discover,
                    &[self.matches.as_slice(), self.import_matches.as_slice()].concat(),
                    Does::Undo,
                ),
                what,
                format!("WHAT IT KEEPS: {}.", kept.join("; ")),
                "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE.".to_owned(),
                "HOW IT RUNS: EVERY STEP RUNS (IKJEFT01) SO THAT A PARTIAL SETUP IS UNDONE TOO; AN \
                 OBJECT SETUP NEVER CREATED GIVES A NOT-FOUND MESSAGE AND A NON-ZERO RC. READ \
                 SYSTSPRT OF EVERY STEP WITH RC ABOVE 0."
                    .to_owned(),
                format!("HOW TO UNDO: SUBMIT JOB {} (SETUP) AGAIN.", self.names.setup),
            ],
            steps,
            tail: vec![verify],
            stop: None,
        }
    }
}

/// The one-time job with site-wide class switches, when the fleet asks for it.
pub(crate) fn classes_job(fleet: &Fleet, db: &SecurityDatabase, names: &Names) -> Job {
    let mut steps = Vec::new();
    let mut one = |name: &'static str, about: &str, command: String| {
        let mut step = Step::new(name, Mode::Tolerant, format!("STEP {name}: {about}"));
        step.commands.push(Command::new(command));
        steps.push(step);
    };
    one(
        "DIGTCLS",
        "ACTIVATE AND RACLIST THE CERTIFICATE AND KEY RING CLASSES.",
        "SETROPTS CLASSACT(DIGTCERT DIGTRING) RACLIST(DIGTCERT DIGTRING)".to_owned(),
    );
    one(
        "SERVCLS",
        "ACTIVATE AND RACLIST SERVAUTH (EZB.INITSTACK IS CHECKED ONLY WHEN IT IS ACTIVE).",
        "SETROPTS CLASSACT(SERVAUTH) RACLIST(SERVAUTH)".to_owned(),
    );
    one("SERVGEN", "ALLOW GENERIC SERVAUTH PROFILES.", "SETROPTS GENERIC(SERVAUTH)".to_owned());
    if uses(db, RingAccess::Facility) {
        one(
            "FACCLS",
            "ACTIVATE FACILITY (ACTIVE ON MOST SYSTEMS ALREADY).",
            "SETROPTS CLASSACT(FACILITY)".to_owned(),
        );
    }
    if uses(db, RingAccess::Rdatalib) {
        one(
            "RDATCLS",
            "ACTIVATE AND RACLIST RDATALIB FOR THE PER-RING PROFILES.",
            "SETROPTS CLASSACT(RDATALIB) RACLIST(RDATALIB)".to_owned(),
        );
    }
    if fleet.defaults.program_conditional_permits {
        one(
            "WHENPGM",
            "ACTIVATE PROGRAM-CONDITIONAL ACCESS (WHEN(PROGRAM)) FOR THE POLICY AGENT PERMITS.",
            "SETROPTS WHEN(PROGRAM)".to_owned(),
        );
    }
    Job {
        path: layout::security_classes_job(&db.name, Esm::RACF),
        name: names.classes.clone(),
        target: "submit once as a batch job (RACF security administrator)".to_owned(),
        header: vec![
            format!(
                "ZAT RACF ONE-TIME CLASS SWITCHES FOR SECURITY DATABASE {} OF FLEET {} (LPARS \
                 {}). RUN ONCE, BEFORE THE FIRST SETUP AND SERVAUTH JOBS. GENERATED BY ZAT: \
                 DO NOT EDIT.",
                db.name,
                fleet.name,
                lpar_list(fleet, db)
            ),
            "WHAT IT CHANGES: SITE-WIDE SETROPTS SETTINGS. A CLASS OR OPTION THAT IS ACTIVE \
             ALREADY STAYS AS IT IS. IT IS ONLY WRITTEN BECAUSE THE FLEET SETS \
             DEFAULTS.ACTIVATE_CLASSES."
                .to_owned(),
            "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE.".to_owned(),
            "HOW IT RUNS: ONE COMMAND PER STEP (IKJEFT01), SO EACH STEP RC IS THE RC OF ITS \
             SWITCH; THE SWITCHES DO NOT DEPEND ON EACH OTHER."
                .to_owned(),
            "HOW TO UNDO: THERE IS NO BACK-OUT JOB. ZAT NEVER DEACTIVATES A CLASS: THAT WOULD \
             DROP THE PROTECTION OF EVERY PROFILE IN IT. ONLY THE SECURITY ADMINISTRATOR CAN \
             DECIDE TO RUN SETROPTS NOCLASSACT OR NORACLIST."
                .to_owned(),
        ],
        steps,
        tail: Vec::new(),
        stop: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(owner: &str, name: &str, access: RingAccess, readers: &[&str]) -> Keyring {
        Keyring {
            owner: owner.to_owned(),
            name: name.to_owned(),
            connections: Vec::new(),
            access,
            readers: readers.iter().map(|r| (*r).to_owned()).collect(),
            origin: Origin::new("f.rhai", 1, 1),
        }
    }

    /// The shared grants come sorted by user; the jobs keep the order the fleet script names
    /// the users in, LISTRING before LIST, one PERMIT per user.
    #[test]
    fn permits_follow_the_rings_order() {
        // The grants come from expansion in the core, as in a real build.
        let mut raw = zat_core::fixtures::seed_raw();
        raw.security_databases[0].keyrings = vec![
            ring("SRV", "Ring1", RingAccess::Facility, &["ZED", "SRV", "APP"]),
            ring("APP", "Ring2", RingAccess::Facility, &[]),
            ring("ZED", "Shared", RingAccess::Rdatalib, &["BOB"]),
        ];
        let prepared = zat_core::prepare(raw);
        let db = prepared.fleet.security_databases[0].clone();
        let access = access(&db);
        let profiles: Vec<String> =
            access.profiles.iter().map(|(c, p)| format!("{c} {p}")).collect();
        assert_eq!(
            profiles,
            [
                "FACILITY IRR.DIGTCERT.LISTRING",
                "FACILITY IRR.DIGTCERT.LIST",
                "RDATALIB ZED.SHARED.LST"
            ]
        );
        let grants: Vec<String> =
            access.grants.iter().map(|g| format!("{} {} {}", g.profile, g.id, g.access)).collect();
        assert_eq!(
            grants,
            [
                "IRR.DIGTCERT.LISTRING SRV READ",
                "IRR.DIGTCERT.LISTRING ZED UPDATE",
                "IRR.DIGTCERT.LISTRING APP UPDATE",
                "IRR.DIGTCERT.LIST SRV READ",
                "IRR.DIGTCERT.LIST ZED UPDATE",
                "IRR.DIGTCERT.LIST APP UPDATE",
                "ZED.SHARED.LST ZED READ",
                "ZED.SHARED.LST BOB READ",
            ]
        );
    }
}
