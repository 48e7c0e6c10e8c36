//! The per-LPAR jobs: SERVAUTH `EZB.INITSTACK.<sysname>.<tcpname>` and its back-out.

use zat_plugin_api::layout;
use zat_plugin_api::model::{Esm, Fleet, Lpar, Origin};

use crate::job::{Command, Job, Mode, Step};
use crate::{Options, racdcert};

/// The condition of program-conditional permits (the seed's form, off by default).
const PAGENT_PROGRAMS: &str = "PROGRAM(PAGENT,EZAPAGEN)";

struct Permit {
    profile: String,
    id: String,
    when: Option<&'static str>,
    object: String,
    origin: Origin,
}

/// The INITSTACK profiles and their permits from [`security::initstack_grants`], the intent
/// the ACF2 and Top Secret emitters write too (§1.12): one PERMIT per user, Policy Agent first.
fn permits(fleet: &Fleet, lpar: &Lpar) -> (Vec<String>, Vec<Permit>) {
    let mut profiles = Vec::new();
    let mut permits = Vec::new();
    // One entry per TTLS stack, in the stacks' order.
    for stack in lpar.stacks.iter().filter(|s| s.ttls) {
        let Some(access) = &stack.initstack else { continue };
        let (profile, ids) = (access.profile.clone(), access.users.clone());
        let object = format!("lpar {} / stack {}", lpar.name, stack.name);
        for (index, id) in ids.into_iter().enumerate() {
            // Only the Policy Agent's own permit is made conditional on its programs.
            let when = (index == 0 && fleet.defaults.program_conditional_permits)
                .then_some(PAGENT_PROGRAMS);
            permits.push(Permit {
                profile: profile.clone(),
                id,
                when,
                object: object.clone(),
                origin: stack.origin.clone(),
            });
        }
        profiles.push(profile);
    }
    (profiles, permits)
}

/// SERVAUTH and SERVAUTH-BACKOUT for one LPAR; none when no stack has TTLS on.
pub(crate) fn jobs(fleet: &Fleet, lpar: &Lpar, options: &Options) -> Vec<Job> {
    let (profiles, permits) = permits(fleet, lpar);
    if profiles.is_empty() {
        return Vec::new();
    }
    let prefix = &fleet.defaults.job.name_prefix;
    let setup_name = format!("{prefix}RA").to_ascii_uppercase();
    let backout_name = format!("{prefix}RX").to_ascii_uppercase();
    let conditional = fleet.defaults.program_conditional_permits;

    let mut define = Step::new(
        "DEFINE",
        Mode::Tolerant,
        "STEP DEFINE (TOLERANT): DEFINE EZB.INITSTACK FOR EVERY STACK WITH AT-TLS IF IT IS \
         MISSING. A PROFILE THAT EXISTS ALREADY GIVES ICH10102I AND A NON-ZERO RC: HARMLESS.",
    );
    for profile in &profiles {
        define.commands.push(Command::new(racdcert::rdefine("SERVAUTH", profile)));
    }
    let mut permit = Step::new(
        "PERMIT",
        Mode::Strict,
        "STEP PERMIT (STRICT): READ FOR THE POLICY AGENT USER AND THE USERS THAT MUST RUN \
         BEFORE AT-TLS POLICY IS INSTALLED.",
    );
    for p in &permits {
        permit.commands.push(
            Command::new(racdcert::permit("SERVAUTH", &p.profile, &p.id, "READ", p.when))
                .from(p.object.clone(), &p.origin),
        );
    }
    // One refresh per step, so that each step's RC is its refresh's.
    let mut refresh_steps = Vec::new();
    if options.raclisted.contains("SERVAUTH") {
        let mut step = Step::new(
            "REFRSERV",
            Mode::Tolerant,
            "STEP REFRSERV: REFRESH THE IN-STORAGE SERVAUTH PROFILES.",
        );
        step.commands.push(Command::new(racdcert::refresh(&["SERVAUTH"])));
        refresh_steps.push(step);
    }
    if conditional {
        let mut step = Step::new(
            "REFRPGM",
            Mode::Tolerant,
            "STEP REFRPGM: REFRESH PROGRAM-CONDITIONAL ACCESS (WHEN(PROGRAM)).",
        );
        step.commands.push(Command::new("SETROPTS WHEN(PROGRAM) REFRESH"));
        refresh_steps.push(step);
    }
    let mut verify = Step::new(
        "VERIFY",
        Mode::Tolerant,
        "STEP VERIFY (ALWAYS RUNS): LIST THE PROFILES WITH THEIR ACCESS LISTS.",
    );
    for profile in &profiles {
        verify.commands.push(Command::new(racdcert::rlist("SERVAUTH", profile)));
    }
    let mut steps = vec![define, permit];
    steps.extend(refresh_steps.iter().cloned());
    let stacks: Vec<&str> =
        lpar.stacks.iter().filter(|s| s.ttls).map(|s| s.name.as_str()).collect();
    let mut users: Vec<&str> = Vec::new();
    for p in &permits {
        if !users.contains(&p.id.as_str()) {
            users.push(&p.id);
        }
    }
    let when_note = if conditional {
        format!(
            " THE POLICY AGENT USER'S PERMIT HOLDS ONLY WHILE IT RUNS {PAGENT_PROGRAMS}: \
             PROGRAM CONTROL (SETROPTS WHEN(PROGRAM)) MUST BE ACTIVE."
        )
    } else {
        String::new()
    };
    let setup = Job {
        path: layout::lpar_security_job(&lpar.name, Esm::RACF),
        name: setup_name.clone(),
        target: "submit as a batch job before TCPCONFIG TTLS is in the stack's profile (RACF security administrator)"
            .to_owned(),
        header: vec![
            format!(
                "ZAT RACF SERVAUTH SETUP FOR LPAR {} (SECURITY DATABASE {}) OF FLEET {}. \
                 GENERATED BY ZAT: DO NOT EDIT, CHANGE THE FLEET SCRIPT AND BUILD AGAIN.",
                lpar.name, lpar.security_database, fleet.name
            ),
            format!(
                "WHAT IT CHANGES: DEFINES IF MISSING SERVAUTH {} WITH UACC(NONE) AND PERMITS \
                 READ TO {}.{when_note} RUN IT BEFORE TCPCONFIG TTLS IS IN THE INITIAL PROFILE \
                 OF STACKS {}: WITHOUT THESE PROFILES EVERY SOCKET ON THE STACK WAITS FOR \
                 POLICY THAT POLICY AGENT CANNOT INSTALL.",
                profiles.join(", "),
                users.join(" "),
                stacks.join(" ")
            ),
            "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE (OR CLAUTH(SERVAUTH) AND \
             OWNERSHIP OF THE PROFILES, PLUS SPECIAL FOR THE REFRESH)."
                .to_owned(),
            format!(
                "HOW IT RUNS: STEP PERMIT RUNS UNDER {} AND STOPS AT THE FIRST FAILING \
                 COMMAND; THE REFRESHES RUN ONLY IF IT ENDED WITH RC 0, ONE PER STEP SO \
                 EACH STEP RC IS ITS OWN. VERIFY ALWAYS RUNS.",
                options.strict_tmp
            ),
            format!("HOW TO UNDO: SUBMIT JOB {backout_name} (SERVAUTH-BACKOUT IN THE SAME FOLDER)."),
        ],
        steps,
        tail: vec![verify.clone()],
        stop: None,
    };

    let mut delete = Step::new(
        "PERMDEL",
        Mode::Tolerant,
        "STEP PERMDEL: REMOVE THE ACCESS-LIST ENTRIES SERVAUTH SETUP ADDED. THE PROFILES STAY \
         (DELETING ONE WOULD BLOCK EVERY SOCKET ON A STACK WITH AT-TLS IN ITS INITIAL PROFILE).",
    );
    for p in &permits {
        delete
            .commands
            .push(Command::new(racdcert::permit_delete("SERVAUTH", &p.profile, &p.id, p.when)));
    }
    let mut steps = vec![delete];
    steps.extend(refresh_steps);
    let backout = Job {
        path: layout::lpar_security_backout_job(&lpar.name, Esm::RACF),
        name: backout_name,
        target: "submit as a batch job only after TTLS is off on the LPAR's stacks (RACF security administrator)"
            .to_owned(),
        header: vec![
            format!(
                "ZAT RACF SERVAUTH BACKOUT FOR LPAR {} (SECURITY DATABASE {}) OF FLEET {}: \
                 UNDOES JOB {setup_name}. GENERATED BY ZAT: DO NOT EDIT.",
                lpar.name, lpar.security_database, fleet.name
            ),
            format!(
                "WHAT IT CHANGES: REMOVES THE PERMITS OF {} TO {}. THE PROFILES STAY. RUN IT \
                 ONLY AFTER TCPCONFIG TTLS IS OUT OF THE INITIAL PROFILE OF STACKS {}: \
                 OTHERWISE POLICY AGENT CANNOT REACH THE STACK AT ITS NEXT START AND EVERY \
                 SOCKET WAITS.",
                users.join(" "),
                profiles.join(", "),
                stacks.join(" ")
            ),
            "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE.".to_owned(),
            "HOW IT RUNS: EVERY STEP RUNS (IKJEFT01); A PERMIT THAT IS NOT THERE GIVES A \
             MESSAGE AND A NON-ZERO RC. READ SYSTSPRT OF EVERY STEP WITH RC ABOVE 0."
                .to_owned(),
            format!("HOW TO UNDO: SUBMIT JOB {setup_name} (SERVAUTH) AGAIN."),
        ],
        steps,
        tail: vec![verify],
        stop: None,
    };
    vec![setup, backout]
}
