//! Prints what the simulator finds when it runs the RACF jobs of the seed example and
//! scripts/fleet.rhai against the starting states of issue 11 (`cargo run -p zat-racf-sim
//! --example findings [-v]`), once written without a state (`zat build`) and once planned
//! against the DISCOVER listing (`zat build --state`). A report for people, not a test: the
//! tests assert what must hold.

#![allow(clippy::unwrap_used, dead_code)]

#[path = "../tests/it/support.rs"]
mod support;

// Its proptest is a test there; here only its strategy is used.
#[allow(unused_imports)]
#[path = "../tests/it/random.rs"]
mod random;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use zat_racf_sim::{Change, DataSets, diff, lowered_access, missing, order_waits, removed};
use zat_racf_state::RacfState;

use support::{
    World, backout_order, bundle_of, completed, delivered, empty, existing_generics, fleet,
    followed_ibm_page, planned, setup_order,
};

/// Counts of one scenario.
#[derive(Default, Debug)]
struct Counts {
    jobs_not_clean: usize,
    steps_skipped: usize,
    failing_commands: usize,
    missing: usize,
    lowered_by_setup: usize,
    removed_by_setup: usize,
    pending_refresh: usize,
    rerun_failing: usize,
    rerun_steps_skipped: usize,
    rerun_changes: usize,
    backout_removed: usize,
    backout_lowered: usize,
    backout_left_over: usize,
    data_sets_left: usize,
    order_waits: usize,
}

fn label(order: &[(String, String)]) -> Vec<(String, String)> {
    order.iter().map(|(d, p)| (format!("{d}:{p}"), String::new())).collect()
}

fn run(script: &str, plan: bool, start: &RacfState, data: &DataSets, verbose: bool) -> Counts {
    let fleet = fleet(script);
    let world = World::new(&bundle_of(fleet.clone()), start, data.clone());
    let bundle = &if plan { planned(&fleet, &world) } else { bundle_of(fleet.clone()) };
    let mut c = Counts::default();
    let order = setup_order(bundle);
    let jobs: Vec<(String, String)> =
        order.iter().map(|(d, p)| (format!("{d}:{p}"), bundle.jcl(p))).collect();
    let waits = order_waits(&jobs, data, "SECADM");
    c.order_waits = waits.len();
    let mut world = World::new(bundle, start, data.clone());
    let runs = world.run(bundle, &order);
    for (r, (name, _)) in runs.iter().zip(label(&order)) {
        c.jobs_not_clean += usize::from(!completed(r));
        c.steps_skipped += r.steps.iter().filter(|s| !s.executed).count();
        for (step, cmd) in r
            .commands()
            .filter(|(_, cmd)| cmd.rc != 0 && !cmd.text.trim_start().starts_with("DELETE "))
        {
            c.failing_commands += 1;
            if verbose && step != "VERIFY" {
                println!(
                    "    {name} {step} RC {}: {} -> {}",
                    cmd.rc,
                    cmd.text.trim(),
                    cmd.output.first().cloned().unwrap_or_default()
                );
            }
        }
    }
    if verbose {
        for w in &waits {
            println!(
                "    wait: {} step {} reads {} written by {:?}",
                w.job, w.step, w.dsn, w.writers
            );
        }
    }
    let mut after = Vec::new();
    for db in bundle.databases() {
        let state = world.state(&db);
        let m = missing(&state, &bundle.expected(&db));
        let l = lowered_access(start, &state);
        let r = removed(start, &state);
        if verbose {
            m.iter().for_each(|x| println!("    {db} missing: {x}"));
            l.iter().for_each(|x| println!("    {db} lowered by setup: {x}"));
        }
        c.missing += m.len();
        c.lowered_by_setup += l.len();
        c.removed_by_setup += r.len();
        c.pending_refresh += world.dbs[&db].pending_refresh().len();
        after.push((db, state));
    }
    let mut again = World { dbs: world.dbs.clone(), data_sets: world.data_sets.clone() };
    // Run again: the same jobs without a state, a new plan from the state they left with one.
    let second = if plan { planned(&fleet, &world) } else { bundle_of(fleet.clone()) };
    let second_order = setup_order(&second);
    for r in again.run(&second, &second_order) {
        c.rerun_failing += r
            .commands()
            .filter(|(s, cmd)| {
                cmd.rc != 0 && *s != "VERIFY" && !cmd.text.trim_start().starts_with("DELETE ")
            })
            .count();
        c.rerun_steps_skipped += r.steps.iter().filter(|s| !s.executed).count();
    }
    for (db, state) in &after {
        c.rerun_changes += diff(state, &again.state(db)).len();
    }
    world.run(bundle, &backout_order(bundle));
    for db in bundle.databases() {
        let state = world.state(&db);
        let d = diff(start, &state);
        let l = lowered_access(start, &state);
        if verbose {
            d.iter().for_each(|x| println!("    {db} after back-out: {x}"));
            l.iter().for_each(|x| println!("    {db} lowered after back-out: {x}"));
        }
        c.backout_removed += d.iter().filter(|x| matches!(x, Change::Removed(_))).count();
        c.backout_left_over += d.iter().filter(|x| !matches!(x, Change::Removed(_))).count();
        c.backout_lowered += l.len();
    }
    c.data_sets_left = world.data_sets.keys().filter(|k| !data.contains_key(*k)).count();
    c
}

fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    let scripts = ["examples/zos-connect-requester/requester-side.rhai", "scripts/fleet.rhai"];
    let mut without_zcee = delivered();
    without_zcee.remove("ZCEE.CA.CERT");
    for script in scripts {
        for plan in [false, true] {
            let mode = if plan { "planned against DISCOVER" } else { "without a state" };
            let states: [(&str, RacfState, DataSets); 4] = [
                ("empty", empty(), delivered()),
                ("empty, ZCEE.CA.CERT not delivered yet", empty(), without_zcee.clone()),
                ("followed IBM's page", followed_ibm_page(), delivered()),
                ("existing generics", existing_generics(), delivered()),
            ];
            for (name, start, data) in states {
                println!("== {script} / {mode} / {name}");
                println!("   {:?}", run(script, plan, &start, &data, verbose));
            }
            let mut runner = TestRunner::deterministic();
            let strategy = random::site_state();
            let mut total = Counts::default();
            let mut hit = Counts::default();
            let n = 100;
            for _ in 0..n {
                let start = strategy.new_tree(&mut runner).unwrap().current();
                let c = run(script, plan, &start, &delivered(), false);
                macro_rules! add {
                    ($($f:ident),*) => {$( total.$f += c.$f; hit.$f += usize::from(c.$f > 0); )*};
                }
                add!(
                    jobs_not_clean,
                    steps_skipped,
                    failing_commands,
                    missing,
                    lowered_by_setup,
                    removed_by_setup,
                    pending_refresh,
                    rerun_failing,
                    rerun_steps_skipped,
                    rerun_changes,
                    backout_removed,
                    backout_lowered,
                    backout_left_over,
                    data_sets_left,
                    order_waits
                );
            }
            println!("== {script} / {mode} / {n} random site states");
            println!("   starts with at least one: {hit:?}");
            println!("   total:                    {total:?}");
        }
    }
}
