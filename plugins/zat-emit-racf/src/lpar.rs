//! The per-LPAR jobs: SERVAUTH `EZB.INITSTACK.<sysname>.<tcpname>` and its back-out.

use zat_plugin_api::layout;
use zat_plugin_api::model::{Esm, Fleet, Lpar, Origin};
use zat_racf_state::Access;

use crate::access::{AccessPlan, Need};
use crate::database::{Does, refresh_steps, state_note};
use crate::job::{Command, Job, Mode, Step};
use crate::names::{job_name, kind};
use crate::plan::Plan;
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

/// The INITSTACK profiles and their permits from [`zat_plugin_api::security::initstack_grants`], the intent
/// the ACF2 and Top Secret emitters write too (IP Configuration Guide, stack initialization access
/// control): one PERMIT per user, Policy Agent first. With `racf.pagent_id=*` the Policy
/// Agent's permit is the seed page's `ID(*) WHEN(PROGRAM(PAGENT,EZAPAGEN))`: any user, but
/// only while running the Policy Agent's programs.
fn permits(fleet: &Fleet, lpar: &Lpar, options: &Options) -> (Vec<String>, Vec<Permit>) {
    let mut profiles = Vec::new();
    let mut permits = Vec::new();
    // One entry per TTLS stack, in the stacks' order.
    for stack in lpar.stacks.iter().filter(|s| s.ttls) {
        let Some(access) = &stack.initstack else { continue };
        let (profile, ids) = (access.profile.clone(), access.users.clone());
        let object = format!("lpar {} / stack {}", lpar.name, stack.name);
        for (index, id) in ids.into_iter().enumerate() {
            // Only the Policy Agent's own permit is made conditional on its programs.
            let pagent = index == 0;
            let when = (pagent
                && (fleet.defaults.program_conditional_permits || options.pagent_any_id))
                .then_some(PAGENT_PROGRAMS);
            let id = if pagent && options.pagent_any_id { "*".to_owned() } else { id };
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

/// Whether [`jobs`] writes any job for `lpar`: some stack with TTLS on has stack
/// initialisation access to give (what [`permits`] makes a profile of).
fn has_jobs(lpar: &Lpar) -> bool {
    lpar.stacks.iter().any(|stack| stack.ttls && stack.initstack.is_some())
}

/// A job of `lpar` with its path and name only: `backout` is SERVAUTH-BACKOUT, else SERVAUTH.
fn named(fleet: &Fleet, lpar: &Lpar, backout: bool) -> Job {
    let prefix = &fleet.defaults.job.name_prefix;
    let (path, kind) = if backout {
        (layout::lpar_security_backout_job(&lpar.name, Esm::RACF), kind::SERVAUTH_BACKOUT)
    } else {
        (layout::lpar_security_job(&lpar.name, Esm::RACF), kind::SERVAUTH)
    };
    Job {
        path,
        name: job_name(prefix, kind, &lpar.name),
        target: String::new(),
        header: Vec::new(),
        steps: Vec::new(),
        tail: Vec::new(),
        stop: None,
    }
}

/// The jobs [`jobs`] writes for `lpar`, with their paths and names only: what the job order and
/// the name check need, for calls that render no LPAR's jobs and would otherwise plan every
/// statement of them to throw it away.
pub(crate) fn named_jobs(fleet: &Fleet, lpar: &Lpar) -> Vec<Job> {
    if !has_jobs(lpar) {
        return Vec::new();
    }
    vec![named(fleet, lpar, false), named(fleet, lpar, true)]
}

/// SERVAUTH and SERVAUTH-BACKOUT for one LPAR; none when no stack has TTLS on. `plan` is the
/// discovered state of the LPAR's security database (or the assumption that nothing exists).
pub(crate) fn jobs(fleet: &Fleet, lpar: &Lpar, options: &Options, plan: &Plan) -> Vec<Job> {
    let (profiles, wanted) = permits(fleet, lpar, options);
    if profiles.is_empty() {
        return Vec::new();
    }
    let prefix = &fleet.defaults.job.name_prefix;
    let (setup_job, backout_job) = (named(fleet, lpar, false), named(fleet, lpar, true));
    let setup_name = setup_job.name.clone();
    let backout_name = backout_job.name.clone();
    let discover_name = job_name(prefix, kind::DISCOVER, &lpar.security_database);
    let conditional = wanted.iter().any(|p| p.when.is_some());
    let needs: Vec<Need> = wanted
        .iter()
        .enumerate()
        .map(|(i, p)| Need {
            class: "SERVAUTH",
            resource: p.profile.clone(),
            id: p.id.clone(),
            access: Access::Read,
            // The Policy Agent always runs its own program: a conditional entry for it counts.
            program: (i == 0 || p.when.is_some()).then_some("PAGENT"),
            when: p.when,
            object: p.object.clone(),
            origin: p.origin.clone(),
        })
        .collect();
    let access = AccessPlan::of(plan, &needs);

    let mut define = if plan.discovered() {
        Step::new(
            "DEFINE",
            Mode::Strict,
            "STEP DEFINE (STRICT): DEFINE EZB.INITSTACK FOR THE STACKS WITH AT-TLS THAT NO              PROFILE PROTECTS YET; WHERE A GENERIC PROFILE COVERS ONE, THE NEW PROFILE IS A COPY              OF IT (FROM), SO EVERY USER IT LETS START (OMPROUTE, SYSLOGD, TN3270) STILL CAN.",
        )
    } else {
        Step::new(
            "DEFINE",
            Mode::Tolerant,
            "STEP DEFINE (TOLERANT): DEFINE EZB.INITSTACK FOR EVERY STACK WITH AT-TLS IF IT IS \
             MISSING. A PROFILE THAT EXISTS ALREADY GIVES ICH10102I AND IS KEPT AS IT IS; THE \
             LISTINGS AFTER THE DEFINES END THE STEP, WITH RC 0 WHEN THE PROFILES ARE THERE, SO \
             THAT A RERUN, OR A PROFILE THE SITE HAS ALREADY, ENDS WITH CC 0000. A GENERIC \
             PROFILE THAT COVERS ONE IS NOT SEEN: THE NEW DISCRETE PROFILE TAKES ITS PLACE FOR \
             THAT NAME, WITH ONLY THE ACCESS THIS JOB GIVES. WHERE THE SITE HAS SUCH PROFILES, \
             RUN DISCOVER AND BUILD WITH --STATE.",
        )
    };
    define.commands = if plan.discovered() {
        access.define_commands()
    } else {
        access.tolerant_define_commands()
    };
    let mut permit = Step::new(
        "PERMIT",
        Mode::Strict,
        "STEP PERMIT (STRICT): READ FOR THE POLICY AGENT USER AND THE USERS THAT MUST RUN          BEFORE AT-TLS POLICY IS INSTALLED.",
    );
    permit.commands = access.permit_commands();
    // One refresh per step, so that each step's RC is its refresh's.
    let mut refresh = Vec::new();
    if !access.permits.is_empty() {
        refresh = refresh_steps(options, plan, &[("REFRSERV", &["SERVAUTH"])]);
    }
    if conditional && !access.permits.is_empty() {
        let mut step = Step::new(
            "REFRPGM",
            Mode::Tolerant,
            "STEP REFRPGM: REFRESH PROGRAM-CONDITIONAL ACCESS (WHEN(PROGRAM)).",
        );
        step.commands.push(Command::new("SETROPTS WHEN(PROGRAM) REFRESH"));
        refresh.push(step);
    }
    let refresh_steps = refresh;
    let mut verify = Step::new(
        "VERIFY",
        Mode::Tolerant,
        "STEP VERIFY (ALWAYS RUNS): LIST THE PROFILES WITH THEIR ACCESS LISTS.",
    );
    for (_, profile) in &access.profiles {
        verify.commands.push(Command::new(racdcert::rlist("SERVAUTH", profile)));
    }
    let mut steps = Vec::new();
    if !define.commands.is_empty() {
        steps.push(define);
    }
    if !permit.commands.is_empty() {
        steps.push(permit);
    }
    steps.extend(refresh_steps.iter().cloned());
    let stacks: Vec<&str> =
        lpar.stacks.iter().filter(|s| s.ttls).map(|s| s.name.as_str()).collect();
    let mut users: Vec<&str> = Vec::new();
    for p in &wanted {
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
    let mut changes = Vec::new();
    if !access.defines.is_empty() {
        let names: Vec<&str> = access.defines.iter().map(|(_, p, _)| p.as_str()).collect();
        changes.push(format!("DEFINES SERVAUTH {}", names.join(", ")));
    }
    if !access.permits.is_empty() {
        let list: Vec<String> = access
            .permits
            .iter()
            .map(|p| match p.when {
                Some(when) => format!("{} {} READ WHEN({when})", p.profile, p.id),
                None => format!("{} {} READ", p.profile, p.id),
            })
            .collect();
        changes.push(format!("PERMITS {}", list.join(", ")));
    }
    if changes.is_empty() {
        changes.push("NOTHING: EVERY USER HAS THE ACCESS IT NEEDS".to_owned());
    }
    let setup = Job {
        target: "submit as a batch job before TCPCONFIG TTLS is in the stack's profile (RACF security administrator)"
            .to_owned(),
        header: vec![
            format!(
                "ZAT RACF SERVAUTH SETUP FOR LPAR {} (SECURITY DATABASE {}) OF FLEET {}. \
                 GENERATED BY ZAT: DO NOT EDIT, CHANGE THE FLEET SCRIPT AND BUILD AGAIN.",
                lpar.name, lpar.security_database, fleet.name
            ),
            state_note(plan, &discover_name, &access.matches, Does::Change),
            format!(
                "WHAT IT CHANGES: {}. THE USERS THAT NEED READ ON {} ARE {}.{when_note} RUN IT \
                 BEFORE TCPCONFIG TTLS IS IN THE INITIAL PROFILE OF STACKS {}: WITHOUT THIS \
                 ACCESS EVERY SOCKET ON THE STACK WAITS FOR POLICY THAT POLICY AGENT CANNOT \
                 INSTALL.",
                changes.join("; "),
                profiles.join(", "),
                users.join(" "),
                stacks.join(" ")
            ),
            format!(
                "THE POLICY AGENT USER IS {} (FROM THE FLEET SCRIPT: LPAR PAGENT USERID); CHECK \
                 IT AGAINST THE USER OF THE PAGENT STARTED TASK (STARTED CLASS).",
                lpar.pagent.userid
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
        ..setup_job
    };

    let discovered = plan.discovered();
    let (permit_back, profile_dels) = access.backout_commands(discovered);
    let mut delete = Step::new(
        "PERMDEL",
        Mode::Tolerant,
        if discovered {
            "STEP PERMDEL: PUT EACH ACCESS-LIST ENTRY SERVAUTH SETUP CHANGED BACK TO ITS LEVEL \
             BEFORE; AN ENTRY IT ADDED IS DELETED."
        } else {
            "STEP PERMDEL: REMOVE THE ACCESS-LIST ENTRIES SERVAUTH SETUP ADDED. THE PROFILES \
             STAY (DELETING ONE WOULD BLOCK EVERY SOCKET ON A STACK WITH AT-TLS IN ITS INITIAL \
             PROFILE)."
        },
    );
    delete.commands = permit_back;
    let mut steps = Vec::new();
    if !delete.commands.is_empty() {
        steps.push(delete);
    }
    if !profile_dels.is_empty() {
        let mut step = Step::new(
            "PROFDEL",
            Mode::Tolerant,
            "STEP PROFDEL: DELETE THE PROFILES SERVAUTH SETUP DEFINED (THEY DID NOT EXIST \
             BEFORE).",
        );
        step.commands = profile_dels;
        steps.push(step);
    }
    steps.extend(refresh_steps);
    let what = if discovered {
        format!(
            "WHAT IT CHANGES: PUTS THE ACCESS LISTS OF {} BACK AS THE DISCOVERED STATE HAD \
             THEM. RUN IT ONLY AFTER TCPCONFIG TTLS IS OUT OF THE INITIAL PROFILE OF STACKS {} \
             OR WHEN THE SITE RAN AT-TLS BEFORE ZAT (THEN THE ACCESS IT HAD STAYS).",
            profiles.join(", "),
            stacks.join(" ")
        )
    } else {
        format!(
            "WHAT IT CHANGES: REMOVES THE PERMITS OF {} TO {}. THE PROFILES STAY. IT WAS \
             PLANNED WITHOUT A DISCOVERED STATE: ON A SITE THAT RAN AT-TLS BEFORE, THE POLICY \
             AGENT LOSES ACCESS IT HAD. RUN IT ONLY AFTER TCPCONFIG TTLS IS OUT OF THE INITIAL \
             PROFILE OF STACKS {}: OTHERWISE POLICY AGENT CANNOT REACH THE STACK AT ITS NEXT \
             START AND EVERY SOCKET WAITS.",
            users.join(" "),
            profiles.join(", "),
            stacks.join(" ")
        )
    };
    let backout = Job {
        target: "submit as a batch job only after TTLS is off on the LPAR's stacks (RACF security administrator)"
            .to_owned(),
        header: vec![
            format!(
                "ZAT RACF SERVAUTH BACKOUT FOR LPAR {} (SECURITY DATABASE {}) OF FLEET {}: \
                 UNDOES JOB {setup_name}. GENERATED BY ZAT: DO NOT EDIT.",
                lpar.name, lpar.security_database, fleet.name
            ),
            // What SERVAUTH found already there is what this job leaves as it was.
            state_note(plan, &discover_name, &access.matches, Does::Undo),
            what,
            "WHO RUNS IT: A USER WITH THE RACF SPECIAL ATTRIBUTE.".to_owned(),
            "HOW IT RUNS: EVERY STEP RUNS (IKJEFT01); A PERMIT THAT IS NOT THERE GIVES A \
             MESSAGE AND A NON-ZERO RC. READ SYSTSPRT OF EVERY STEP WITH RC ABOVE 0."
                .to_owned(),
            format!("HOW TO UNDO: SUBMIT JOB {setup_name} (SERVAUTH) AGAIN."),
        ],
        steps,
        tail: vec![Step {
            about: "STEP VERIFY (ALWAYS RUNS): LIST THE PROFILES WITH THEIR ACCESS LISTS. A \
                    PROFILE THIS JOB DELETED LISTS AS NOT FOUND (ICH13003I), THE LAST LISTING \
                    GIVES THE STEP ITS RC, SO RC 4 HERE IS THE BACK-OUT DONE, NOT A FAILURE."
                .to_owned(),
            ..verify
        }],
        ..backout_job
    };
    vec![setup, backout]
}
