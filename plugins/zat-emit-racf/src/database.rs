//! The jobs of one RACF security database: SETUP, BACKOUT and the one-time CLASSES job.

use std::collections::BTreeMap;

use zat_plugin_api::layout;
use zat_plugin_api::model::{
    CertSource, Certificate, Diagnostic, Esm, Fleet, Keyring, Origin, RingAccess, SecurityDatabase,
};
use zat_plugin_api::security::{self, Class};

use crate::job::{Command, Job, Mode, Step};
use crate::{Options, codes, racdcert};

/// One access-list entry SETUP adds (and BACKOUT removes).
struct Grant {
    class: &'static str,
    profile: String,
    id: String,
    access: &'static str,
    object: String,
    origin: Origin,
}

/// Ring access of a database: the profiles to define and the entries to permit.
struct Access {
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
/// emitters write too (RACF Callable Services, R_datalib authorization checks): who gets which level is decided there, only the order of
/// the commands here. The jobs list FACILITY `LISTRING` before `LIST`, then one RDATALIB profile
/// per ring; within a profile the users come in the order the rings name them (owner, then
/// readers), one PERMIT per user.
fn access(db: &SecurityDatabase) -> Access {
    let mut grants = security::ring_grants(db);
    // A profile's place: FACILITY LISTRING, then LIST, then each RDATALIB profile at its first
    // ring (the ring of its owner's grant, which that ring adds first).
    let mut first_ring: BTreeMap<String, usize> = BTreeMap::new();
    for grant in &grants {
        let ring = first_ring.entry(grant.resource.clone()).or_insert(grant.ring);
        *ring = (*ring).min(grant.ring);
    }
    let profile_place = |grant: &security::Grant| match grant.class {
        Class::Facility => usize::from(grant.resource != security::LISTRING),
        Class::Rdatalib => first_ring.get(&grant.resource).copied().unwrap_or_default(),
    };
    // A user's place in a profile: where the fleet script first names them, the ring's owner
    // before its readers.
    let user_place = |grant: &security::Grant| {
        let ring = &db.keyrings[grant.ring];
        let within = if grant.user == ring.owner {
            0
        } else {
            // A grant's ring always names its user as owner or reader.
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
    Access { profiles, grants }
}

/// Certificates SETUP creates, in creation order: generated CAs, then imports, then the
/// certificates they sign. Within each group the model's order holds (a signer before what it
/// signs). Existing certificates are not among them: SETUP only connects them, BACKOUT never
/// deletes them.
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

fn refresh_steps(options: &Options, classes: &[(&'static str, &[&'static str])]) -> Vec<Step> {
    let mut steps = Vec::new();
    for (name, wanted) in classes {
        let raclisted: Vec<&str> =
            wanted.iter().copied().filter(|c| options.raclisted.contains(*c)).collect();
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

/// The SETUP job and its BACKOUT.
pub(crate) fn jobs(
    fleet: &Fleet,
    db: &SecurityDatabase,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Job> {
    if db.certificates.is_empty() && db.keyrings.is_empty() {
        return Vec::new();
    }
    let prefix = &fleet.defaults.job.name_prefix;
    let setup_name = format!("{prefix}RS").to_ascii_uppercase();
    let backout_name = format!("{prefix}RB").to_ascii_uppercase();
    let access = access(db);
    vec![
        setup(fleet, db, &access, options, &setup_name, &backout_name, diagnostics),
        backout(fleet, db, &access, options, &setup_name, &backout_name),
    ]
}

fn setup(
    fleet: &Fleet,
    db: &SecurityDatabase,
    access: &Access,
    options: &Options,
    name: &str,
    backout_name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Job {
    let mut steps = Vec::new();

    // Phase 1: certificates.
    let mut certs = Step::new(
        "CERTS",
        Mode::Strict,
        "STEP CERTS (STRICT): CREATE THE CERTIFICATE AUTHORITIES, ADD PARTNER CAS, THEN \
         CREATE THE CERTIFICATES THEY SIGN.",
    );
    let mut last_group = None;
    for cert in creation_order(db) {
        let (group, command) = match &cert.source {
            CertSource::Generate if cert.is_ca() => {
                ("CERTIFICATE AUTHORITIES", racdcert::gencert(db, cert))
            }
            CertSource::Import { dsn } => {
                ("PARTNER CERTIFICATES, ADDED AS TRUSTED", racdcert::add(cert, dsn))
            }
            CertSource::Generate => {
                ("CERTIFICATES SIGNED BY THE CAS ABOVE", racdcert::gencert(db, cert))
            }
            CertSource::Existing => continue,
        };
        let mut command = Command::new(command).from(cert_object(db, cert), &cert.origin);
        if last_group != Some(group) {
            command = command.comment(group);
            last_group = Some(group);
        }
        certs.commands.push(command);
    }
    if !certs.commands.is_empty() {
        steps.push(certs);
    }

    // Phase 2: rings and connections.
    let mut rings = Step::new(
        "RINGS",
        Mode::Strict,
        "STEP RINGS (STRICT): ADD EACH KEY RING AND CONNECT ITS CERTIFICATES (AT MOST ONE \
         DEFAULT PER RING).",
    );
    for ring in &db.keyrings {
        let object = ring_object(db, ring);
        rings.commands.push(
            Command::new(racdcert::addring(&ring.owner, &ring.name))
                .from(object.clone(), &ring.origin)
                .comment(format!("KEY RING {}/{}", ring.owner, ring.name)),
        );
        let mut has_default = false;
        for connection in &ring.connections {
            let mut default = connection.default;
            if default && has_default {
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
                default = false;
            }
            has_default |= default;
            rings.commands.push(
                Command::new(racdcert::connect(
                    &ring.owner,
                    &ring.name,
                    &connection.cert_owner,
                    &connection.label,
                    connection.usage,
                    default,
                ))
                .from(object.clone(), &connection.origin),
            );
        }
    }
    if !rings.commands.is_empty() {
        steps.push(rings);
    }

    // Phase 3: exports the model asks for.
    let mut export = Step::new(
        "EXPORT",
        Mode::Strict,
        "STEP EXPORT (STRICT): EXPORT CERTIFICATES TO DATA SETS. RACDCERT ALLOCATES EACH DATA \
         SET AND FAILS IF IT EXISTS: DELETE OLD COPIES FIRST.",
    );
    let mut placeholders = Vec::new();
    // Model order; an existing certificate is never exported (validation refuses it too).
    for cert in db.certificates.iter().filter(|c| c.source.is_created_by_zat()) {
        let Some(exp) = &cert.export else { continue };
        let password = exp.format.has_private_key().then(|| {
            let placeholder = match &exp.password_env {
                Some(env) => format!("<<SET-FROM-ENV:{env}>>"),
                None => "<<SET-PASSWORD>>".to_owned(),
            };
            let source = match &exp.password_env {
                Some(env) => format!("the value of environment variable {env} where you fill in the job"),
                None => "a password you choose (the fleet names no environment variable)".to_owned(),
            };
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
            placeholder
        });
        export.commands.push(
            Command::new(racdcert::export(
                cert,
                &exp.dsn,
                exp.format.keyword(),
                password.as_deref(),
            ))
            .from(cert_object(db, cert), &cert.origin),
        );
    }
    let stop = (!placeholders.is_empty()).then(|| {
        (
            "EXPORT",
            format!(
                "STOP: A PKCS#12 EXPORT IN STEP EXPORT NEEDS A PASSWORD THAT ZAT NEVER WRITES. \
                 REPLACE {} IN STEP EXPORT, THEN DELETE THE NEXT LINE: IT STOPS THE WHOLE JOB \
                 WITH A JCL ERROR SO THAT NO KEY IS EXPORTED UNDER A KNOWN PLACEHOLDER.",
                placeholders.join(" AND ")
            ),
            "//ZATSTOP  EDIT-THE-PKCS12-PASSWORDS-THEN-DELETE-THIS-LINE".to_owned(),
        )
    });
    let exports = !export.commands.is_empty();
    if exports {
        steps.push(export);
    }

    // Phase 4: ring access.
    let mut define = Step::new(
        "DEFINE",
        Mode::Tolerant,
        "STEP DEFINE (TOLERANT): DEFINE THE RING ACCESS PROFILES IF THEY ARE MISSING. A \
         PROFILE THAT EXISTS ALREADY GIVES ICH10102I AND A NON-ZERO RC: HARMLESS, IT IS KEPT \
         AS IT IS.",
    );
    for (class, profile) in &access.profiles {
        define.commands.push(Command::new(racdcert::rdefine(class, profile)));
    }
    let mut permit = Step::new(
        "PERMIT",
        Mode::Strict,
        "STEP PERMIT (STRICT): LET THE RING OWNERS AND READERS OPEN THEIR RINGS: FACILITY \
         IRR.DIGTCERT.LIST/LISTRING READ FOR AN OWNER'S OWN RING, UPDATE FOR ANOTHER USER'S; \
         RDATALIB OWNER.RING.LST READ. PERMIT SETS THE LEVEL: AN ID THAT HAD ANOTHER LEVEL \
         BEFORE NOW HAS THIS ONE.",
    );
    for grant in &access.grants {
        permit.commands.push(
            Command::new(racdcert::permit(
                grant.class,
                &grant.profile,
                &grant.id,
                grant.access,
                None,
            ))
            .from(grant.object.clone(), &grant.origin),
        );
    }
    if !define.commands.is_empty() {
        steps.push(define);
        steps.push(permit);
    }

    // Phase 5: refreshes, each its own step.
    let mut refresh_classes: Vec<(&'static str, &[&'static str])> =
        vec![("REFRCERT", &["DIGTCERT", "DIGTRING"])];
    if uses(db, RingAccess::Facility) {
        refresh_classes.push(("REFRFAC", &["FACILITY"]));
    }
    if uses(db, RingAccess::Rdatalib) {
        refresh_classes.push(("REFRDLIB", &["RDATALIB"]));
    }
    steps.extend(refresh_steps(options, &refresh_classes));

    // Verification: always runs, so the listing shows what exists even after a failure.
    let mut verify = Step::new(
        "VERIFY",
        Mode::Tolerant,
        "STEP VERIFY (ALWAYS RUNS): LIST WHAT THE JOB CREATED. CHECK THE RINGS, THEIR \
         DEFAULT CERTIFICATE AND THE ACCESS LISTS IN SYSTSPRT.",
    );
    for cert in creation_order(db).into_iter().chain(existing(db)) {
        verify.commands.push(Command::new(racdcert::list(cert)));
    }
    for ring in &db.keyrings {
        verify.commands.push(Command::new(racdcert::listring(&ring.owner, &ring.name)));
    }
    for (class, profile) in &access.profiles {
        verify.commands.push(Command::new(racdcert::rlist(class, profile)));
    }

    let mut changes = Vec::new();
    let created = creation_order(db);
    if !created.is_empty() {
        let labels: Vec<&str> = created.iter().map(|c| c.label.as_str()).collect();
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
    if !db.keyrings.is_empty() {
        let rings: Vec<String> =
            db.keyrings.iter().map(|r| format!("{}/{}", r.owner, r.name)).collect();
        changes
            .push(format!("ADDS KEY RINGS {} AND CONNECTS THEIR CERTIFICATES", rings.join(", ")));
    }
    if exports {
        let dsns: Vec<String> = db
            .certificates
            .iter()
            .filter(|c| c.source.is_created_by_zat())
            .filter_map(|c| c.export.as_ref())
            .map(|e| e.dsn.to_ascii_uppercase())
            .collect();
        changes.push(format!("WRITES DATA SETS {}", dsns.join(", ")));
    }
    if !access.profiles.is_empty() {
        let profiles: Vec<String> =
            access.profiles.iter().map(|(c, p)| format!("{c} {p}")).collect();
        changes.push(format!("DEFINES IF MISSING AND PERMITS {}", profiles.join(", ")));
    }
    changes.push("REFRESHES THE RACLISTED CLASSES IT CHANGED".to_owned());

    Job {
        path: layout::security_setup_job(&db.name, Esm::RACF),
        name: name.to_owned(),
        target: "submit as a batch job (RACF security administrator)".to_owned(),
        header: vec![
            format!(
                "ZAT RACF SETUP FOR SECURITY DATABASE {} OF FLEET {} (LPARS {}). GENERATED BY \
                 ZAT: DO NOT EDIT, CHANGE THE FLEET SCRIPT AND BUILD AGAIN.",
                db.name,
                fleet.name,
                lpar_list(fleet, db)
            ),
            format!("WHAT IT CHANGES: {}.", changes.join("; ")),
            "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE (SETROPTS REFRESH NEEDS IT; \
             RACDCERT CERTAUTH AND OTHER USERS' FUNCTIONS NEED SPECIAL OR CONTROL ON FACILITY \
             IRR.DIGTCERT.*)."
                .to_owned(),
            strict_note(options),
            format!(
                "HOW TO UNDO: SUBMIT JOB {backout_name} (BACKOUT IN THE SAME FOLDER). TO RUN THIS \
                 JOB AGAIN AFTER A FAILURE, RUN {backout_name} FIRST: GENCERT AND ADDRING FAIL \
                 ON OBJECTS THAT EXIST."
            ),
        ],
        steps,
        tail: vec![verify],
        stop,
    }
}

fn backout(
    fleet: &Fleet,
    db: &SecurityDatabase,
    access: &Access,
    options: &Options,
    setup_name: &str,
    name: &str,
) -> Job {
    let mut steps = Vec::new();
    let mut permits = Step::new(
        "PERMDEL",
        Mode::Tolerant,
        "STEP PERMDEL: REMOVE THE ACCESS-LIST ENTRIES SETUP ADDED. THE PROFILES STAY: THEY \
         MAY HAVE EXISTED BEFORE AND PROTECT MORE THAN ZAT'S RINGS.",
    );
    for grant in &access.grants {
        permits.commands.push(Command::new(racdcert::permit_delete(
            grant.class,
            &grant.profile,
            &grant.id,
            None,
        )));
    }
    if !permits.commands.is_empty() {
        steps.push(permits);
    }
    let mut rings = Step::new(
        "RINGDEL",
        Mode::Tolerant,
        "STEP RINGDEL: DELETE THE KEY RINGS SETUP ADDED (THEIR CONNECTIONS GO WITH THEM).",
    );
    for ring in db.keyrings.iter().rev() {
        rings.commands.push(Command::new(racdcert::delring(&ring.owner, &ring.name)));
    }
    if !rings.commands.is_empty() {
        steps.push(rings);
    }
    let mut certs = Step::new(
        "CERTDEL",
        Mode::Tolerant,
        "STEP CERTDEL: DELETE THE CERTIFICATES SETUP CREATED OR ADDED, SIGNED ONES FIRST, \
         THEN THE CAS. CERTIFICATES ZAT ONLY CONNECTED ARE NOT TOUCHED.",
    );
    for cert in creation_order(db).into_iter().rev() {
        certs.commands.push(Command::new(racdcert::delete(cert)));
    }
    if !certs.commands.is_empty() {
        steps.push(certs);
    }
    let mut refresh_classes: Vec<(&'static str, &[&'static str])> =
        vec![("REFRCERT", &["DIGTCERT", "DIGTRING"])];
    if uses(db, RingAccess::Facility) {
        refresh_classes.push(("REFRFAC", &["FACILITY"]));
    }
    if uses(db, RingAccess::Rdatalib) {
        refresh_classes.push(("REFRDLIB", &["RDATALIB"]));
    }
    steps.extend(refresh_steps(options, &refresh_classes));
    let mut verify = Step::new(
        "VERIFY",
        Mode::Tolerant,
        "STEP VERIFY: LIST THE RINGS LEFT FOR EACH OWNER AND THE ACCESS LISTS.",
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
    for (class, profile) in &access.profiles {
        verify.commands.push(Command::new(racdcert::rlist(class, profile)));
    }
    let mut kept = vec![
        "PROFILES FACILITY IRR.DIGTCERT.* AND RDATALIB (ONLY THE ENTRIES ARE REMOVED)".to_owned(),
    ];
    let existing = existing(db);
    if !existing.is_empty() {
        let labels: Vec<&str> = existing.iter().map(|c| c.label.as_str()).collect();
        kept.push(format!(
            "EXISTING CERTIFICATES {} (SETUP ONLY CONNECTED THEM; DELRING DISCONNECTS THEM)",
            labels.join(", ")
        ));
    }
    let dsns: Vec<String> = db
        .certificates
        .iter()
        .filter(|c| c.source.is_created_by_zat())
        .filter_map(|c| c.export.as_ref())
        .map(|e| e.dsn.to_ascii_uppercase())
        .collect();
    if !dsns.is_empty() {
        kept.push(format!(
            "EXPORTED DATA SETS {} (DELETE THEM BY HAND IF NO PARTNER NEEDS THEM)",
            dsns.join(", ")
        ));
    }
    kept.push("CLASS SETTINGS (ZAT NEVER DEACTIVATES A CLASS)".to_owned());
    Job {
        path: layout::security_backout_job(&db.name, Esm::RACF),
        name: name.to_owned(),
        target: "submit as a batch job (RACF security administrator)".to_owned(),
        header: vec![
            format!(
                "ZAT RACF BACKOUT FOR SECURITY DATABASE {} OF FLEET {} (LPARS {}): UNDOES JOB \
                 {setup_name} (SETUP). GENERATED BY ZAT: DO NOT EDIT.",
                db.name,
                fleet.name,
                lpar_list(fleet, db)
            ),
            "WHAT IT CHANGES: REMOVES THE ACCESS-LIST ENTRIES, KEY RINGS AND CERTIFICATES SETUP \
             CREATED, IN THAT ORDER, THEN REFRESHES. AN ID THAT HAD ACCESS TO A PROFILE BEFORE \
             SETUP LOSES IT: RESTORE IT BY HAND. RUN IT ONLY WHEN NO AT-TLS POLICY, SERVER OR \
             APPLICATION STILL USES THESE RINGS."
                .to_owned(),
            format!("WHAT IT KEEPS: {}.", kept.join("; ")),
            "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE.".to_owned(),
            "HOW IT RUNS: EVERY STEP RUNS (IKJEFT01) SO THAT A PARTIAL SETUP IS UNDONE TOO; AN \
             OBJECT SETUP NEVER CREATED GIVES A NOT-FOUND MESSAGE AND A NON-ZERO RC. READ \
             SYSTSPRT OF EVERY STEP WITH RC ABOVE 0."
                .to_owned(),
            format!("HOW TO UNDO: SUBMIT JOB {setup_name} (SETUP) AGAIN."),
        ],
        steps,
        tail: vec![verify],
        stop: None,
    }
}

/// The one-time job with site-wide class switches, when the fleet asks for it.
pub(crate) fn classes_job(fleet: &Fleet, db: &SecurityDatabase) -> Job {
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
        name: format!("{}RC", fleet.defaults.job.name_prefix).to_ascii_uppercase(),
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
