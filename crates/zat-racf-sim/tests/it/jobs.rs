//! The RACF emitter's jobs, executed: what they reach from an empty database, and that every
//! command they contain is one the simulator executes.

use zat_racf_sim::{DataSets, diff, lowered_access, missing, order_waits, removed};

use crate::support::{World, backout_order, bundle, delivered, empty, setup_order};

const SEED: &str = "examples/zos-connect-requester/requester-side.rhai";
const FLEET: &str = "scripts/fleet.rhai";

/// No command of any generated job is rejected as unknown syntax: a TSO parse error (IKJ) in
/// the simulator means the job uses a command or operand it does not model.
#[test]
fn every_generated_command_is_simulated() {
    for script in [SEED, FLEET] {
        let bundle = bundle(script);
        for (path, text) in bundle.files.iter().filter(|(p, _)| p.ends_with(".jcl")) {
            let mut racf = zat_racf_sim::Racf::new(empty(), Default::default());
            let run = racf.run_job(&crate::support::as_submitted(text), &mut delivered());
            assert_eq!(run.jcl_error, None, "{script} {path}");
            assert!(!run.steps.is_empty(), "{script} {path}: no step");
            for (step, command) in run.commands() {
                assert!(
                    command.rc != 12,
                    "{script} {path} step {step}: `{}` -> {:?}",
                    command.text.trim(),
                    command.output
                );
            }
        }
    }
}

/// The seed on an empty database, with the z/OS Connect CA delivered: every step runs, every
/// command ends with RC 0, and the database holds what the fleet asks for.
#[test]
fn seed_from_empty_reaches_the_intended_state() {
    let bundle = bundle(SEED);
    let mut world = World::new(&bundle, &empty(), delivered());
    for db in bundle.databases() {
        let expected = bundle.expected(&db);
        assert!(
            expected.grants.len() >= 3 && !expected.connections.is_empty(),
            "{db}: {expected:?}"
        );
        assert_eq!(
            missing(&world.state(&db), &expected).len(),
            expected.certificates.len()
                + expected.rings.len()
                + expected.connections.len()
                + expected.grants.len(),
            "{db}: before the jobs nothing is there"
        );
    }
    let runs = world.run(&bundle, &setup_order(&bundle));
    assert_eq!(runs.len(), 4, "SETUP, the SERVAUTH job of SYSA, KEY and IMPORT");
    for run in &runs {
        assert!(crate::support::completed(run), "{}: {:#?}", run.job, run.steps);
        // The job's condition code (its highest step RC, JES's default) is 0: the deploy
        // scripts stop on any code above `--max-cc`, 0 unless a site says otherwise. The export
        // data set an earlier run would have left is not there, and that must not count.
        assert_eq!(run.max_rc(), Some(0), "{}: {:#?}", run.job, run.steps);
    }
    for db in bundle.databases() {
        let after = world.state(&db);
        assert_eq!(missing(&after, &bundle.expected(&db)), Vec::<String>::new(), "{db}");
        assert_eq!(lowered_access(&empty(), &after), vec![], "{db}");
        assert_eq!(removed(&empty(), &after), vec![], "{db}");
        assert!(world.dbs[&db].pending_refresh().is_empty(), "{db}: changes not refreshed");
        let key = zat_racf_state::ProfileRef::new("DATASET", "ZAT.ZCONN.CERT.P12DER");
        assert_eq!(after.profiles.get(&key).map(|p| p.uacc), Some(zat_racf_state::Access::None));
    }
    // The CA export is written for the partner, under the site's high-level qualifier, and the
    // PKCS#12 export has a data set profile.
    assert!(world.data_sets.contains_key("ZAT.CERTAUTH.CERT"), "{:?}", world.data_sets.keys());
    assert!(world.data_sets.contains_key("ZAT.ZCONN.CERT.P12DER"));
}

/// A job with the `//ZATSTOP` line still in place is a JCL error: nothing runs, nothing changes.
#[test]
fn the_pkcs12_stop_line_keeps_the_whole_job_from_running() {
    let bundle = bundle(SEED);
    assert!(!bundle.files["security/PLEX1/racf/SETUP.jcl"].contains("PKCS12"));
    let setup = &bundle.files["security/PLEX1/racf/KEY.jcl"];
    assert!(setup.contains("//ZATSTOP "), "the seed exports a PKCS#12 file");
    assert!(setup.contains("//SYSTSPRT DD DUMMY"), "the password is never echoed");
    let mut racf = zat_racf_sim::Racf::new(empty(), Default::default());
    let mut ds = DataSets::new();
    let run = racf.run_job(setup, &mut ds);
    assert!(run.jcl_error.is_some());
    assert!(run.steps.is_empty());
    assert_eq!(diff(&empty(), &racf.state()), vec![]);
}

/// From an empty database and without a discovered state, the back-out jobs take away every
/// certificate SETUP generated, every ring and access entry the setup gave the fleet's users,
/// and the exports; the partner CA, imported from elsewhere, stays.
#[test]
fn seed_backout_from_empty_removes_what_setup_created() {
    let bundle = bundle(SEED);
    let mut world = World::new(&bundle, &empty(), delivered());
    world.run(&bundle, &setup_order(&bundle));
    let runs = world.run(&bundle, &backout_order(&bundle));
    assert_eq!(runs.len(), 2, "SERVAUTH-BACKOUT of SYSA and BACKOUT");
    assert!(world.data_sets.keys().all(|k| !k.starts_with("ZAT.")), "{:?}", world.data_sets.keys());
    for run in &runs {
        assert!(run.jcl_error.is_none() && run.steps.iter().all(|s| s.executed), "{}", run.job);
    }
    for db in bundle.databases() {
        let after = world.state(&db);
        let left: Vec<&str> = after.certificates.keys().map(|c| c.label.as_str()).collect();
        assert_eq!(left, ["ZCEECA"], "{db}");
        assert!(after.rings.is_empty(), "{db}: {:?}", after.rings.keys());
        let expected = bundle.expected(&db);
        for grant in &expected.grants {
            let entry = after
                .profiles
                .get(&zat_racf_state::ProfileRef::new(grant.class.clone(), grant.resource.clone()))
                .and_then(|p| p.access.get(&grant.id));
            assert_eq!(entry, None, "{db}: {grant:?}");
        }
    }
}

/// Read from the JCL alone: with the z/OS Connect CA delivered, no job of the seed reads a data
/// set that nobody has written yet; without it, the one read is that delivery.
#[test]
fn seed_job_order_reads_only_what_exists() {
    let bundle = bundle(SEED);
    let jobs: Vec<(String, String)> = setup_order(&bundle)
        .into_iter()
        .map(|(_, path)| (path.clone(), bundle.jcl(&path)))
        .collect();
    assert_eq!(order_waits(&jobs, &delivered(), "SECADM"), vec![]);
    let found = order_waits(&jobs, &DataSets::new(), "SECADM");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].dsn.as_str(), found[0].writers.len()), ("ZCEE.CA.CERT", 0));
}

/// IBM's page, typed by hand, runs in the simulator: every command ends with RC 0 but the
/// RDELETE of profiles that do not exist yet, and the site then has what the page promises.
#[test]
fn ibm_page_by_hand_runs_clean() {
    let (runs, state) = crate::support::follow_ibm_page();
    let failing: Vec<(&str, u16)> =
        runs.iter().filter(|r| r.rc != 0).map(|r| (r.text.trim(), r.rc)).collect();
    assert_eq!(failing, vec![("RDELETE FACILITY (IRR.DIGTCERT.LIST    IRR.DIGTCERT.LISTRING)", 4)]);
    let bundle = bundle(SEED);
    let mut expected = bundle.expected("PLEX1");
    // The page gives OMVSADM ALTER and PAGENT its access through ID(*) WHEN(PROGRAM(...)).
    expected.grants.retain(|g| g.class != "SERVAUTH");
    assert_eq!(missing(&state, &expected), Vec::<String>::new());
    let when = state.decide("SERVAUTH", "EZB.INITSTACK.SYSA.TCPIP", "PAGENT", Some("PAGENT"));
    assert_eq!(when, zat_racf_state::Decision::Granted(zat_racf_state::Access::Read));
    assert!(state.class("SERVAUTH").active && state.class("SERVAUTH").raclisted);
}

/// The shared fixture fleets, with every switch on (class job, conditional Policy Agent
/// permits): the jobs parse, every command is one the simulator executes, and from an empty
/// database with every class inactive they reach the intended state.
#[test]
fn fixture_fleets_with_every_switch_reach_the_intended_state() {
    for (name, prepared) in [
        ("seed", zat_core::fixtures::seed()),
        ("multi", zat_core::fixtures::multi()),
        ("existing", zat_core::fixtures::existing()),
    ] {
        assert!(!prepared.has_errors(), "{name}");
        let mut fleet = prepared.fleet;
        fleet.defaults.activate_classes = true;
        fleet.defaults.program_conditional_permits = true;
        let bundle = crate::support::bundle_of(fleet);
        let mut start = empty();
        if let Some(s) = start.setropts.as_mut() {
            *s = Default::default();
        }
        let start = crate::support::with_existing(&bundle, start);
        let mut world = World::new(&bundle, &start, delivered());
        let runs = world.run(&bundle, &setup_order(&bundle));
        for run in &runs {
            assert_eq!(run.jcl_error, None, "{name} {}", run.job);
            for (step, c) in run.commands() {
                assert!(
                    c.rc != 12,
                    "{name} {} {step}: {} -> {:?}",
                    run.job,
                    c.text.trim(),
                    c.output
                );
            }
        }
        for db in bundle.databases() {
            let after = world.state(&db);
            assert_eq!(
                missing(&after, &bundle.expected(&db)),
                Vec::<String>::new(),
                "{name} {db}: {runs:#?}"
            );
        }
    }
}

/// Built without a discovered state, the SERVAUTH job of an LPAR ends with condition code 0
/// from an empty database and again when it runs a second time, its profile there (a deploy
/// run again after a later step failed), and so does SETUP on a system whose ring access
/// profiles are there already (IRR.DIGTCERT.LIST and LISTRING are on most systems): the
/// deploy scripts' `--max-cc 0` stops them only where a command failed. A PERMIT that fails
/// still ends the job above 0.
#[test]
fn a_job_run_again_or_over_profiles_that_are_there_ends_with_condition_code_0() {
    let bundle = bundle(SEED);
    let servauth = "lpars/SYSA/racf/SERVAUTH.jcl";
    let setup = "security/PLEX1/racf/SETUP.jcl";
    let mut world = World::new(&bundle, &empty(), delivered());
    let first = world.run(&bundle, &[("PLEX1".to_owned(), servauth.to_owned())]);
    assert_eq!(first[0].max_rc(), Some(0), "{:#?}", first[0].steps);
    let defined = world.state("PLEX1");
    let again = world.run(&bundle, &[("PLEX1".to_owned(), servauth.to_owned())]);
    let define = again[0].steps.iter().find(|s| s.name == "DEFINE").expect("a DEFINE step");
    assert!(
        define.commands.iter().any(|c| c.rc != 0),
        "the profile is there: the RDEFINE fails, harmlessly: {define:#?}"
    );
    assert_eq!(again[0].max_rc(), Some(0), "{:#?}", again[0].steps);
    assert_eq!(world.state("PLEX1"), defined, "the second run changes nothing");

    // The ring access profiles there before SETUP, with the access the site gave.
    let mut start = empty();
    for resource in ["IRR.DIGTCERT.LIST", "IRR.DIGTCERT.LISTRING"] {
        start.profiles.insert(
            zat_racf_state::ProfileRef::new("FACILITY", resource),
            crate::support::profile(
                false,
                zat_racf_state::Access::None,
                &[("SYSADM", zat_racf_state::Access::Read)],
            ),
        );
    }
    let mut world = World::new(&bundle, &start, delivered());
    let runs = world.run(&bundle, &[("PLEX1".to_owned(), setup.to_owned())]);
    assert!(runs[0].steps.iter().all(|s| s.executed), "{:#?}", runs[0].steps);
    assert_eq!(runs[0].max_rc(), Some(0), "{:#?}", runs[0].steps);
    let after = world.state("PLEX1");
    for resource in ["IRR.DIGTCERT.LIST", "IRR.DIGTCERT.LISTRING"] {
        let key = zat_racf_state::ProfileRef::new("FACILITY", resource);
        let kept = after.profiles.get(&key).and_then(|p| p.access.get("SYSADM")).copied();
        assert_eq!(kept, Some(zat_racf_state::Access::Read), "{resource} kept as it was");
    }

    // A PERMIT that fails (its profile was deleted between the steps, as a failed RDEFINE
    // leaves it) is not hidden: the job ends above 0.
    let text = bundle.jcl(servauth).replace(" RDEFINE SERVAUTH", " RLIST SERVAUTH");
    let mut racf = zat_racf_sim::Racf::new(empty(), Default::default());
    let run = racf.run_job(&text, &mut delivered());
    assert!(run.max_rc().is_some_and(|rc| rc > 0), "{:#?}", run.steps);
}
