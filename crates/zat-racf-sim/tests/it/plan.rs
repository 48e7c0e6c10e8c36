//! The jobs planned against a discovered state, executed: from every starting state of the
//! issue (empty, a site that followed IBM's page by hand, existing generic profiles, random
//! sites) the DISCOVER job's listing is parsed as `zat build --state` parses it, the jobs are
//! planned against it and run in the order file's order. Each scenario checks that the intended
//! state is reached, no access is lowered, nothing that existed is removed, a new plan from the
//! state they leave changes nothing, BACKOUT returns the database to the start exactly, and no
//! job waits on a data set that a later job writes.

use proptest::prelude::*;
use zat_racf_sim::{Change, DataSets, JobRun, diff, lowered_access, missing, removed, waits};
use zat_racf_state::{CertRef, RacfState, RingRef};

use crate::support::{
    Bundle, World, completed, delivered, empty, existing_generics, fleet, followed_ibm_page,
    planned,
};

const SEED: &str = "examples/zos-connect-requester/requester-side.rhai";
const FLEET: &str = "scripts/fleet.rhai";

/// Commands that change a RACF database.
const CHANGING: [&str; 9] = [
    "GENCERT",
    "ADDRING",
    "CONNECT",
    " ADD(",
    "PERMIT",
    "RDEFINE",
    "RDELETE",
    "DELRING",
    "DELETE(LABEL",
];

fn changing_commands(bundle: &Bundle, paths: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (_, path) in paths {
        let Ok(job) = zat_racf_sim::parse_job(&bundle.jcl(path)) else { continue };
        for (step, records) in job.steps() {
            if step == "VERIFY" {
                continue;
            }
            for (text, _) in zat_racf_sim::logical_commands(records) {
                if CHANGING.iter().any(|w| text.contains(w)) {
                    out.push(format!("{path} {step}: {text}"));
                }
            }
        }
    }
    out
}

/// What one scenario found; every list must be empty.
#[derive(Debug, Default)]
struct Findings {
    not_completed: Vec<String>,
    missing: Vec<String>,
    lowered: Vec<String>,
    removed: Vec<String>,
    waits_on_later_jobs: Vec<String>,
    rerun_plan_changes: Vec<String>,
    rerun_changes: Vec<String>,
    same_jobs_again_changes: Vec<String>,
    backout_differences: Vec<String>,
}

impl Findings {
    fn is_clean(&self) -> bool {
        self.not_completed.is_empty()
            && self.missing.is_empty()
            && self.lowered.is_empty()
            && self.removed.is_empty()
            && self.waits_on_later_jobs.is_empty()
            && self.rerun_plan_changes.is_empty()
            && self.rerun_changes.is_empty()
            && self.same_jobs_again_changes.is_empty()
            && self.backout_differences.is_empty()
    }
}

/// The connections a site had with another usage or DEFAULT flag than the fleet asks for: the
/// plan leaves them as the site made them (and warns), so they are not "missing".
fn kept_as_the_site_made_them(start: &RacfState, line: &str) -> bool {
    start.rings.iter().any(|(ring, r)| {
        r.connections
            .keys()
            .any(|cert: &CertRef| line.starts_with(&format!("{cert} is in ring {ring}")))
    })
}

fn labels(bundle: &Bundle, order: &[(String, String)]) -> Vec<String> {
    let _ = bundle;
    order.iter().map(|(db, path)| format!("{db}:{path}")).collect()
}

/// Plans `script` against `start` (every database in that state, `data` catalogued), runs
/// the setup jobs, plans again, runs the same jobs again, and backs out.
fn scenario(script: &str, start: &RacfState, data: &DataSets) -> (Findings, Bundle, Vec<JobRun>) {
    scenario_with(script, start, data, true)
}

fn scenario_with(
    script: &str,
    start: &RacfState,
    data: &DataSets,
    discover: bool,
) -> (Findings, Bundle, Vec<JobRun>) {
    scenario_options(script, start, data, discover, &[])
}

/// [`scenario`], planned against the DISCOVER listing (`discover`) or without a state, with
/// `racf.*` options.
fn scenario_options(
    script: &str,
    start: &RacfState,
    data: &DataSets,
    discover: bool,
    options: &[(&str, &str)],
) -> (Findings, Bundle, Vec<JobRun>) {
    let fleet = fleet(script);
    let plan = |world: &World| {
        if discover {
            crate::support::planned_with(&fleet, world, options)
        } else {
            crate::support::bundle_with(fleet.clone(), options)
        }
    };
    let mut f = Findings::default();
    let world = World::new(&crate::support::bundle_of(fleet.clone()), start, data.clone());
    let bundle = plan(&world);
    let order = bundle.setup_order();
    let mut after_world = World { dbs: world.dbs.clone(), data_sets: world.data_sets.clone() };
    let runs = after_world.run(&bundle, &order);
    for run in &runs {
        if !completed(run) {
            f.not_completed.push(format!(
                "{}: {:?}",
                run.job,
                run.steps.iter().map(|s| (&s.name, s.rc, s.executed)).collect::<Vec<_>>()
            ));
        }
    }
    for w in waits(&runs, &labels(&bundle, &order), data) {
        if w.written_later_by.is_some() {
            f.waits_on_later_jobs.push(format!("{w:?}"));
        }
    }
    for db in bundle.databases() {
        let after = after_world.state(&db);
        f.missing.extend(
            missing(&after, &bundle.expected(&db))
                .into_iter()
                .filter(|m| !kept_as_the_site_made_them(start, m))
                .map(|m| format!("{db}: {m}")),
        );
        f.lowered.extend(lowered_access(start, &after).iter().map(|l| format!("{db}: {l}")));
        f.removed.extend(removed(start, &after).iter().map(|o| format!("{db}: {o}")));
    }
    // Plan again from the state the jobs left: nothing to change.
    let again = plan(&after_world);
    f.rerun_plan_changes = changing_commands(&again, &again.setup_order());
    let mut rerun_world =
        World { dbs: after_world.dbs.clone(), data_sets: after_world.data_sets.clone() };
    rerun_world.run(&again, &again.setup_order());
    let mut same_world =
        World { dbs: after_world.dbs.clone(), data_sets: after_world.data_sets.clone() };
    same_world.run(&bundle, &order);
    for db in bundle.databases() {
        let after = after_world.state(&db);
        f.rerun_changes
            .extend(diff(&after, &rerun_world.state(&db)).iter().map(|c| format!("{db}: {c}")));
        f.same_jobs_again_changes
            .extend(diff(&after, &same_world.state(&db)).iter().map(|c| format!("{db}: {c}")));
    }
    // Back out: exactly the start again.
    after_world.run(&bundle, &bundle.backout_order());
    for db in bundle.databases() {
        f.backout_differences.extend(
            diff(start, &after_world.state(&db)).iter().map(|c: &Change| format!("{db}: {c}")),
        );
    }
    (f, bundle, runs)
}

fn assert_clean(script: &str, name: &str, start: &RacfState) {
    let (findings, _, _) = scenario(script, start, &delivered());
    assert!(findings.is_clean(), "{script} / {name}: {findings:#?}");
}

/// The seed with both sides in one fleet (two databases that exchange their CAs).
const BOTH_SIDES: &str = "examples/zos-connect-requester/fleet.rhai";

#[test]
fn from_empty() {
    assert_clean(SEED, "empty", &empty());
    assert_clean(FLEET, "empty", &empty());
    assert_clean(BOTH_SIDES, "empty", &empty());
}

/// Both sides of the seed in one fleet: the job order completes for both databases, with no
/// job waiting on a data set only a later job writes, from an empty database and from one with
/// the generic profiles a site has. (The "IBM page by hand" state is the application side's
/// database; the server's database never holds its own CA as a trust-only import.)
#[test]
fn the_seed_with_both_sides_completes_in_the_job_order() {
    assert_clean(BOTH_SIDES, "existing generics", &existing_generics());
}

#[test]
fn from_a_site_that_followed_ibm_s_page() {
    assert_clean(SEED, "IBM page by hand", &followed_ibm_page());
    assert_clean(FLEET, "IBM page by hand", &followed_ibm_page());
}

#[test]
fn from_existing_generic_profiles() {
    assert_clean(SEED, "existing generics", &existing_generics());
    assert_clean(FLEET, "existing generics", &existing_generics());
}

/// The site that followed IBM's page: SETUP creates nothing that is there, lowers nobody,
/// shadows nothing, and BACKOUT deletes nothing the site had.
#[test]
fn the_ibm_page_site_gets_only_the_change() {
    let (findings, bundle, _) = scenario(SEED, &followed_ibm_page(), &delivered());
    assert!(findings.is_clean(), "{findings:#?}");
    let setup = &bundle.files["security/PLEX1/racf/SETUP.jcl"];
    assert!(!setup.contains("GENCERT"), "{setup}");
    assert!(!setup.contains("ADDRING"), "{setup}");
    assert!(!setup.contains("PERMIT IRR.DIGTCERT"), "{setup}");
    assert!(setup.contains("ALREADY MATCHES"), "{setup}");
    let backout = &bundle.files["security/PLEX1/racf/BACKOUT.jcl"];
    for word in ["DELRING", "DELETE(LABEL", "RDELETE", "PERMIT IRR"] {
        assert!(!backout.contains(word), "{word} in {backout}");
    }
    // The Policy Agent's access comes through the page's ID(*) WHEN(PROGRAM(...)): untouched.
    let servauth = &bundle.files["lpars/SYSA/racf/SERVAUTH.jcl"];
    assert!(!servauth.contains("PERMIT EZB"), "{servauth}");
    let servauth_backout = &bundle.files["lpars/SYSA/racf/SERVAUTH-BACKOUT.jcl"];
    assert!(!servauth_backout.contains("PERMIT EZB"), "{servauth_backout}");
    // Whoever decides whether to run a back-out reads in its header what was there before:
    // at least what the jobs it undoes found (BACKOUT undoes IMPORT too), never "nothing".
    for (change, undo) in [(setup, backout), (servauth, servauth_backout)] {
        let found = already_matches(change);
        assert!(!found.is_empty(), "{change}");
        let kept = already_matches(undo);
        for phrase in &found {
            assert!(kept.contains(phrase), "{phrase} missing from {undo}");
        }
        assert!(!header(undo).contains("NOTHING THE FLEET NEEDS WAS THERE"), "{undo}");
    }
}

/// The comment lines of a job's header as one line of text (the formatter wraps them).
fn header(jcl: &str) -> String {
    let words: Vec<&str> = jcl
        .lines()
        .take_while(|l| !l.contains(" EXEC "))
        .filter_map(|l| l.strip_prefix("//*"))
        .flat_map(str::split_whitespace)
        .collect();
    words.join(" ")
}

/// The phrases of a job header's `ALREADY MATCHES: ...;  ....` sentence.
fn already_matches(jcl: &str) -> Vec<String> {
    let header = header(jcl);
    let Some((_, rest)) = header.split_once("ALREADY MATCHES: ") else { return Vec::new() };
    let sentence = rest.split(". ").next().unwrap_or(rest).trim_end_matches('.');
    sentence.split("; ").map(str::to_owned).collect()
}

/// Generic profiles that the site relies on are copied, never shadowed by a bare discrete one.
#[test]
fn covering_generics_are_copied_not_shadowed() {
    let (findings, bundle, _) = scenario(SEED, &existing_generics(), &delivered());
    assert!(findings.is_clean(), "{findings:#?}");
    let setup = &bundle.files["security/PLEX1/racf/SETUP.jcl"];
    assert!(setup.contains("RDEFINE FACILITY IRR.DIGTCERT.LIST FROM(IRR.DIGTCERT.**)"), "{setup}");
    assert!(!setup.contains("UACC(NONE)"), "{setup}");
    // PAGENT has READ through EZB.INITSTACK.**: nothing to do on SYSA.
    let servauth = &bundle.files["lpars/SYSA/racf/SERVAUTH.jcl"];
    assert!(!servauth.contains("RDEFINE"), "{servauth}");
}

/// The site's choices: permits on the covering generic itself (`racf.generic=permit`), and the
/// seed page's `ID(*) WHEN(PROGRAM(PAGENT,EZAPAGEN))` for the Policy Agent
/// (`racf.pagent_id=*`); both still keep every property.
#[test]
fn site_options_keep_the_properties() {
    let options = [("racf.generic", "permit"), ("racf.pagent_id", "*")];
    let (findings, bundle, _) =
        scenario_options(SEED, &existing_generics(), &delivered(), true, &options);
    assert!(findings.is_clean(), "{findings:#?}");
    let setup = &bundle.files["security/PLEX1/racf/SETUP.jcl"];
    assert!(setup.contains("PERMIT IRR.DIGTCERT.** CLASS(FACILITY) ID(OMVSADM)"), "{setup}");
    assert!(!setup.contains("RDEFINE"), "{setup}");
    let (findings, bundle, _) = scenario_options(SEED, &empty(), &delivered(), true, &options);
    assert!(findings.is_clean(), "{findings:#?}");
    let servauth =
        changing_commands(&bundle, &[(String::new(), "lpars/SYSA/racf/SERVAUTH.jcl".into())]);
    assert!(
        servauth.iter().any(|c| {
            let words: Vec<&str> = c.split_whitespace().collect();
            words.ends_with(&["ID(*)", "ACCESS(READ)", "WHEN(PROGRAM(PAGENT,EZAPAGEN))"])
        }),
        "{servauth:#?}"
    );
}

/// The seed's own CA is exported even when the z/OS Connect CA has not been delivered: only
/// the IMPORT job waits for it, and it changes nothing until then.
#[test]
fn the_seed_exports_its_ca_before_the_partner_delivers() {
    let mut data = delivered();
    data.remove("ZCEE.CA.CERT");
    let fleet = fleet(SEED);
    let world = World::new(&crate::support::bundle_of(fleet.clone()), &empty(), data.clone());
    let bundle = planned(&fleet, &world);
    let mut world = World { dbs: world.dbs.clone(), data_sets: data.clone() };
    let runs = world.run(&bundle, &bundle.setup_order());
    let setup =
        runs.iter().find(|r| r.job == "ZATSDYGO" || r.steps.iter().any(|s| s.name == "CERTS"));
    assert!(setup.is_some_and(completed), "{runs:#?}");
    assert!(world.data_sets.contains_key("ZAT.CERTAUTH.CERT"));
    let import = runs.last().unwrap_or_else(|| panic!("no runs"));
    assert!(import.steps.iter().any(|s| s.name == "ADD" && s.rc == Some(8)), "{import:#?}");
    let found = waits(&runs, &labels(&bundle, &bundle.setup_order()), &data);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].dsn.as_str(), &found[0].written_later_by), ("ZCEE.CA.CERT", &None));
}

/// scripts/fleet.rhai: each database's SETUP exports its CA before either IMPORT reads the
/// other's, in the order file's order; no job waits on a later one.
#[test]
fn fleet_order_exports_before_imports() {
    let (findings, bundle, runs) = scenario(FLEET, &empty(), &delivered());
    assert!(findings.is_clean(), "{findings:#?}");
    let order = bundle.setup_order();
    let first_import = order.iter().position(|(_, p)| p.ends_with("IMPORT.jcl"));
    let last_setup = order.iter().rposition(|(_, p)| p.ends_with("SETUP.jcl"));
    assert!(first_import > last_setup, "{order:?}");
    assert!(runs.iter().all(completed));
}

/// The checks are not blind: the jobs planned without a state, run at the site that followed
/// IBM's page, stop at the first GENCERT and back out the site's own CA; at a site with generic
/// profiles, they shadow them and lower access.
#[test]
fn without_state_the_checks_find_what_the_issue_describes() {
    let (findings, _, _) = scenario_with(SEED, &followed_ibm_page(), &delivered(), false);
    assert!(!findings.not_completed.is_empty(), "{findings:#?}");
    assert!(findings.backout_differences.iter().any(|d| d.contains("IMSCA")), "{findings:#?}");
    let (findings, _, _) = scenario_with(SEED, &existing_generics(), &delivered(), false);
    assert!(!findings.lowered.is_empty(), "{findings:#?}");
}

/// Without a discovered state the jobs say loudly what they assume, and the back-out never
/// deletes a partner CA or a certificate the script declares as existing.
#[test]
fn without_state_the_assumption_is_loud() {
    let bundle = crate::support::bundle(SEED);
    let setup = &bundle.files["security/PLEX1/racf/SETUP.jcl"];
    assert!(setup.contains("ASSUMPTION: NO DISCOVERED STATE WAS GIVEN"), "{setup}");
    assert!(bundle.diagnostics.iter().any(|d| d.code == "ZAT0347"), "{:?}", bundle.diagnostics);
    let backout = &bundle.files["security/PLEX1/racf/BACKOUT.jcl"];
    assert!(!backout.contains("LABEL('ZCEECA')"), "{backout}");
    assert!(backout.contains("PARTNER CAS ZCEECA"), "{backout}");
}

/// The acceptance fixture: the DISCOVER output of a site that followed the seed page, written
/// in IBM's documented formats, read the way `zat build --state` reads it.
#[test]
fn the_fixture_listing_gives_a_setup_without_gencert_and_a_harmless_backout() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ibm-page-site.systsprt");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let state = zat_racf_state::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut fleet = fleet(SEED);
    fleet.security_databases[0].discovered =
        Some(zat_driver::from_racf(&state, std::path::Path::new(path)));
    let bundle = crate::support::bundle_of(fleet);
    let setup = &bundle.files["security/PLEX1/racf/SETUP.jcl"];
    assert!(!setup.contains("GENCERT"), "{setup}");
    assert!(!setup.contains("ID(OMVSADM) ACCESS("), "{setup}");
    let backout = &bundle.files["security/PLEX1/racf/BACKOUT.jcl"];
    for word in ["DELRING", "DELETE(LABEL", "RDELETE", "PERMIT IRR"] {
        assert!(!backout.contains(word), "{word} in {backout}");
    }
    assert!(!bundle.diagnostics.iter().any(|d| d.code == "ZAT0347"));
}

/// A DISCOVER job changes nothing and lists everything the plan needs: planned against its
/// listing, the seed on the IBM-page site plans exactly as against the state itself.
#[test]
fn discover_is_read_only_and_complete() {
    let fleet = fleet(SEED);
    let world =
        World::new(&crate::support::bundle_of(fleet.clone()), &followed_ibm_page(), delivered());
    let bundle = crate::support::bundle_of(fleet.clone());
    let text = world.discover(&bundle, "PLEX1");
    let state = zat_racf_state::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let start = followed_ibm_page();
    for cert in start.certificates.keys() {
        assert!(state.certificates.contains_key(cert), "{cert} not listed");
    }
    for ring in start.rings.keys() {
        assert!(state.rings.contains_key::<RingRef>(ring), "{ring} not listed");
    }
    assert!(state.setropts.is_some());
}

fn random_start() -> impl Strategy<Value = RacfState> {
    crate::random::site_state()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the site had, the planned jobs reach the fleet's state without lowering or
    /// removing anything, a new plan changes nothing, and BACKOUT returns exactly to the start.
    #[test]
    fn from_random_sites(start in random_start()) {
        let (findings, _, _) = scenario(SEED, &start, &delivered());
        prop_assert!(findings.is_clean(), "{:#?}", findings);
        let (findings, _, _) = scenario(FLEET, &start, &delivered());
        prop_assert!(findings.is_clean(), "{:#?}", findings);
    }
}

/// Prerequisites are checked, not assumed: a class the fleet needs that DISCOVER shows
/// inactive stops the build with a clear message, unless the fleet asks zat to activate
/// classes; then the CLASSES job switches it on and the plan completes.
#[test]
fn an_inactive_class_stops_the_plan_unless_the_fleet_activates_it() {
    let start = crate::support::system();
    assert!(!start.class("SERVAUTH").active);
    let fleet = fleet(SEED);
    let world = World::new(&crate::support::bundle_of(fleet.clone()), &start, delivered());
    let bundle = planned(&fleet, &world);
    let inactive: Vec<&str> = bundle
        .diagnostics
        .iter()
        .filter(|d| d.code == "ZAT0346" && d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(inactive.len(), 1, "{:?}", bundle.diagnostics);
    assert!(inactive[0].contains("SERVAUTH"), "{inactive:?}");

    let mut fleet = fleet;
    fleet.defaults.activate_classes = true;
    let bundle = planned(&fleet, &world);
    assert!(!bundle.diagnostics.iter().any(|d| d.is_error()), "{:?}", bundle.diagnostics);
    let mut world = World { dbs: world.dbs.clone(), data_sets: world.data_sets.clone() };
    let runs = world.run(&bundle, &bundle.setup_order());
    assert!(runs.iter().all(completed), "{runs:#?}");
    let after = world.state("PLEX1");
    assert!(after.class("SERVAUTH").active);
    assert_eq!(missing(&after, &bundle.expected("PLEX1")), Vec::<String>::new());
}
