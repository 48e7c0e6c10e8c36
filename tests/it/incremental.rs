//! Rendering by unit and incremental rebuilds: parallel and sequential builds give the same
//! bytes, a rebuild with nothing changed rewrites no file, a one-LPAR change rewrites only the
//! files whose bytes change, and `zat build` says so in one line.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use crate::plugins::{text, zat};

/// The benchmark fleet: 12 LPARs on two RACF databases, LPAR `touch` (1-based) edited.
fn inputs(lpars: usize, touch: usize, jobs: usize) -> zat_driver::Inputs {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench/fleet.rhai");
    let mut inputs = zat_driver::Inputs::new(script);
    inputs.script_options.params.insert("lpars".to_owned(), lpars.to_string());
    inputs.script_options.params.insert("touch".to_owned(), touch.to_string());
    inputs.zat_version = "test".to_owned();
    inputs.jobs = jobs;
    inputs
}

/// The bench fleet of 12 LPARs with its servers in the fleet (`--set hosted=1`), LPAR SYS`touch`
/// changed, and the other `--set` parameters given.
fn hosted(touch: usize, params: &[(&str, String)]) -> zat_driver::Inputs {
    let mut inputs = inputs(12, touch, 2);
    let set = &mut inputs.script_options.params;
    set.insert("hosted".to_owned(), "1".to_owned());
    set.extend(params.iter().map(|(key, value)| ((*key).to_owned(), value.clone())));
    inputs
}

fn build_into(out: &Path, touch: usize, jobs: usize) -> zat_core::WriteSummary {
    let plugins = zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let outcome = zat_driver::build_into(&inputs(12, touch, jobs), plugins, out, None);
    outcome.result.expect("the benchmark fleet builds").summary
}

/// Every file of a tree on disk: (inode, mtime in ns) by path.
fn stamps(dir: &Path) -> BTreeMap<String, (u64, i128)> {
    let mut stamps = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("list") {
            let entry = entry.expect("entry");
            let meta = entry.metadata().expect("stat");
            if meta.is_dir() {
                folders.push(entry.path());
                continue;
            }
            let path = entry.path();
            let rel = path.strip_prefix(dir).expect("inside").to_string_lossy().into_owned();
            let mtime = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
            stamps.insert(rel, (meta.ino(), mtime));
        }
    }
    stamps
}

/// The paths whose bytes differ between two reads of a bundle, a path in only one of them
/// included, the manifest aside.
fn changed_paths(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let paths: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    paths
        .into_iter()
        .filter(|p| *p != zat_core::MANIFEST_FILE && before.get(*p) != after.get(*p))
        .cloned()
        .collect()
}

fn out_dir() -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    (work, out)
}

#[test]
fn parallel_and_sequential_builds_are_byte_identical() {
    let (_work, one) = out_dir();
    let two = one.with_file_name("two");
    build_into(&one, 0, 1);
    build_into(&two, 0, 4);
    let tree = zat_core::read_tree(&one).expect("read");
    assert_eq!(tree, zat_core::read_tree(&two).expect("read"));
    // The in-memory build (`zat report`) renders the same units to the same bytes.
    let plugins = zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let built = zat_driver::build(&inputs(12, 0, 3), plugins).result.expect("builds");
    assert_eq!(tree, built.bundle.tree());
    // The comparison of `--check` and `diff` finds the written bundle up to date, and one
    // LPAR's edit as that LPAR's policy and the manifest.
    let compare = |touch: usize| {
        let plugins = zat_driver::builtins(zat_plugin_host::PluginSet::builder());
        let comparer = zat_core::Comparer::new(Some(&one), None).expect("listed");
        let outcome = zat_driver::compare(&inputs(12, touch, 2), plugins, comparer);
        let compared = outcome.result.expect("compares").compared;
        assert_eq!(compared.files.len() + 1, tree.len());
        compared.drift()
    };
    assert!(compare(0).is_empty(), "{:?}", compare(0));
    let drift = compare(7);
    assert_eq!(drift.changed, ["MANIFEST.json", "lpars/SYS7/pagent/pagent.conf"]);
    assert!(drift.added.is_empty() && drift.removed.is_empty(), "{drift:?}");
    // 61 files per LPAR and its two parts of the deploy scripts; per database SETUP,
    // BACKOUT, DISCOVER and IMPORT; the RACF job order, the fleet README, two deploy scripts
    // with the playbook's snapshot script, and the manifest.
    assert_eq!(
        tree.len(),
        12 * (61 + 2) + 2 * 4 + 6,
        "{:?}",
        tree.keys().take(5).collect::<Vec<_>>()
    );
}

#[test]
fn a_rebuild_with_nothing_changed_rewrites_no_file() {
    let (_work, out) = out_dir();
    let first = build_into(&out, 0, 2);
    assert_eq!((first.added, first.changed, first.removed, first.kept), (first.files, 0, 0, 0));
    let before = stamps(&out);
    let again = build_into(&out, 0, 2);
    assert_eq!((again.added, again.changed, again.removed), (0, 0, 0));
    assert_eq!(again.kept, again.files);
    assert_eq!(again.read, 0, "the state vouches for every file the first build wrote");
    let after = stamps(&out);
    let files: Vec<&String> = before.keys().filter(|p| *p != zat_core::STATE_FILE).collect();
    assert_eq!(files.len(), first.files + 1, "every file and the manifest");
    for path in files {
        assert_eq!(before.get(path), after.get(path), "{path} was rewritten");
    }
    // From the base that rebuild kept: still nothing rewritten, and the reading of the old
    // bundle is timed for `-v`.
    let plugins = zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let outcome = zat_driver::build_into(&inputs(12, 0, 2), plugins, &out, None);
    assert!(!outcome.timings.inspect.is_zero(), "the old bundle was read");
    let summary = outcome.result.expect("rebuilt").summary;
    assert_eq!((summary.added, summary.changed, summary.removed), (0, 0, 0));
    assert_eq!(summary.read, 0, "nor the files a rebuild linked");
    let again = stamps(&out);
    for (path, stamp) in &before {
        if path != zat_core::STATE_FILE {
            assert_eq!(again.get(path), Some(stamp), "{path} was rewritten from the base");
        }
    }
    // Keeping no base (`--no-base`): the old tree removed after the swap held a name of every
    // file, whose ctime moved then; the state vouches past that, so nothing is read either.
    for _ in 0..2 {
        let mut inputs = inputs(12, 0, 2);
        inputs.keep_previous = false;
        let plugins = zat_driver::builtins(zat_plugin_host::PluginSet::builder());
        let summary = zat_driver::build_into(&inputs, plugins, &out, None).result.expect("built");
        assert_eq!((summary.summary.kept, summary.summary.read), (summary.summary.files, 0));
    }
}

/// Edits `file` in place, the same size, and puts its mtime back (what `touch -d` or `cp -p`
/// of an older copy give): only its ctime tells. Returns the bytes it now holds.
fn edit_keeping_mtime(file: &Path) -> Vec<u8> {
    let mtime = std::fs::metadata(file).and_then(|m| m.modified()).expect("mtime");
    let mut bytes = std::fs::read(file).expect("read");
    bytes[0] ^= 0x20;
    let mut handle = std::fs::OpenOptions::new().write(true).open(file).expect("open");
    std::io::Write::write_all(&mut handle, &bytes).expect("edit in place");
    handle.set_modified(mtime).expect("put the mtime back");
    bytes
}

/// A build over a bundle whose `file` was edited to `bytes` refuses it, and leaves the edit.
fn assert_edit_refused(out: &Path, file: &Path, bytes: &[u8]) {
    let plugins = zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let outcome = zat_driver::build_into(&inputs(12, 0, 2), plugins, out, None);
    match outcome.result {
        Err(zat_driver::Failure::Usage(messages)) => {
            let all = messages.join("\n");
            assert!(all.contains("pagent.conf (changed since zat wrote it)"), "{all}");
        }
        other => panic!("an edited bundle must be refused, got {other:?}"),
    }
    assert_eq!(std::fs::read(file).expect("kept"), bytes);
}

/// An edit in place that keeps the size, with the old mtime put back (`touch -d`; `cp -p` of an
/// older copy over the file, which keeps its inode), keeps inode, mtime and size: the ctime
/// it moved, which nobody can set back, has the file read, and the edit refused.
#[test]
fn an_edit_with_its_mtime_put_back_is_refused() {
    let (_work, out) = out_dir();
    build_into(&out, 0, 2);
    build_into(&out, 0, 2);
    let file = out.join("lpars/SYS3/pagent/pagent.conf");
    let bytes = edit_keeping_mtime(&file);
    assert_edit_refused(&out, &file, &bytes);
}

#[test]
fn a_one_lpar_change_rewrites_only_the_files_whose_bytes_change() {
    let (_work, out) = out_dir();
    build_into(&out, 0, 2);
    let old_tree = zat_core::read_tree(&out).expect("read");
    let before = stamps(&out);
    let summary = build_into(&out, 7, 2);
    let new_tree = zat_core::read_tree(&out).expect("read");
    let after = stamps(&out);
    // SYS7's Policy Agent log level: its main file, nothing else of the fleet.
    assert_eq!(changed_paths(&old_tree, &new_tree), ["lpars/SYS7/pagent/pagent.conf"]);
    assert_eq!((summary.added, summary.changed, summary.removed), (0, 1, 0));
    assert_eq!(summary.kept, summary.files - 1);
    for (path, stamp) in &after {
        if path == zat_core::STATE_FILE {
            continue;
        }
        let rewritten = before.get(path) != Some(stamp);
        let expected = path == "lpars/SYS7/pagent/pagent.conf" || path == zat_core::MANIFEST_FILE;
        assert_eq!(rewritten, expected, "{path}");
    }
    // Back to the first fleet: the same bytes as a build from empty. This rebuild and the
    // next start from the base the one before kept; they too write only SYS7's file.
    build_into(&out, 0, 2);
    assert_eq!(zat_core::read_tree(&out).expect("read"), old_tree);
    assert!(out.with_file_name(".out.zat-base").is_dir(), "a rebuild keeps a base");
    let back = stamps(&out);
    build_into(&out, 7, 2);
    assert_eq!(zat_core::read_tree(&out).expect("read"), new_tree);
    for (path, stamp) in &stamps(&out) {
        let rewritten = back.get(path) != Some(stamp);
        let expected = path == "lpars/SYS7/pagent/pagent.conf"
            || path == zat_core::MANIFEST_FILE
            || path == zat_core::STATE_FILE;
        assert_eq!(rewritten, expected, "{path}, rebuilt from the base");
    }
}

#[test]
fn an_edited_file_is_refused_even_when_the_state_vouches_for_its_size() {
    let (_work, out) = out_dir();
    build_into(&out, 0, 2);
    let file = out.join("lpars/SYS3/pagent/pagent.conf");
    let mut bytes = std::fs::read(&file).expect("read");
    bytes[0] ^= 0x20; // same size, other bytes, new mtime
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&file, &bytes).expect("edit");
    assert_edit_refused(&out, &file, &bytes);
}

/// A build from empty of the same fleet, to compare a repaired bundle with.
fn fresh_tree(touch: usize) -> BTreeMap<String, Vec<u8>> {
    let (_work, out) = out_dir();
    build_into(&out, touch, 2);
    zat_core::read_tree(&out).expect("read")
}

#[test]
fn a_file_removed_by_hand_is_written_again_and_nothing_else_is() {
    let (_work, out) = out_dir();
    build_into(&out, 0, 2);
    let whole = zat_core::read_tree(&out).expect("read");
    let removed = "lpars/SYS5/RUNBOOK.md";
    std::fs::remove_file(out.join(removed)).expect("remove");
    let before = stamps(&out);
    // Its unit renders again (it is not there to carry over): the bundle is whole again.
    let summary = build_into(&out, 0, 2);
    assert_eq!((summary.added, summary.changed, summary.removed), (1, 0, 0));
    assert_eq!(zat_core::read_tree(&out).expect("read"), whole);
    for (path, stamp) in &stamps(&out) {
        let rewritten = before.get(path) != Some(stamp);
        let expected = path == removed || path == zat_core::STATE_FILE;
        assert_eq!(rewritten, expected, "{path}");
    }
}

/// A rebuild keeps the old bundle as the next build's base, hard links of the same inodes:
/// an edit made in place in the bundle is made in the base too. The edited file is refused;
/// once it is moved away as zat asks, the next build must write the fleet's bytes there, not
/// take the base's inode, which holds the edit.
#[test]
fn an_edit_that_reached_the_base_through_a_shared_inode_is_never_shipped() {
    let (_work, out) = out_dir();
    build_into(&out, 0, 2);
    build_into(&out, 7, 2);
    let path = "lpars/SYS3/pagent/pagent.conf";
    let base = out.with_file_name(".out.zat-base").join(path);
    let ino = |file: &Path| std::fs::metadata(file).expect("stat").ino();
    assert_eq!(ino(&out.join(path)), ino(&base), "the base shares the file's inode");
    let mut file = std::fs::OpenOptions::new().append(true).open(out.join(path)).expect("open");
    std::io::Write::write_all(&mut file, b"# edited by hand\n").expect("edit");
    drop(file);
    let plugins = zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let refused = zat_driver::build_into(&inputs(12, 7, 2), plugins, &out, None);
    assert!(matches!(refused.result, Err(zat_driver::Failure::Usage(_))), "an edit is refused");
    let moved = out.with_file_name("moved.conf");
    std::fs::rename(out.join(path), &moved).expect("move away");
    let summary = build_into(&out, 7, 2);
    assert_eq!((summary.added, summary.changed, summary.removed), (1, 0, 0));
    assert_eq!(zat_core::read_tree(&out).expect("read"), fresh_tree(7));
    assert!(std::fs::read_to_string(moved).expect("moved").contains("# edited by hand"));
}

#[test]
fn a_lost_or_foreign_state_only_costs_time() {
    let (_work, out) = out_dir();
    build_into(&out, 0, 2);
    let tree = zat_core::read_tree(&out).expect("read");
    for state in ["", "zat-state 1\nmanifest\t00\n", "garbage\tline\n"] {
        std::fs::write(out.join(zat_core::STATE_FILE), state).expect("write");
        let summary = build_into(&out, 0, 2);
        assert_eq!(summary.kept, summary.files, "same bytes are still carried over");
        assert_eq!(zat_core::read_tree(&out).expect("read"), tree);
    }
}

#[test]
fn zat_build_reports_added_changed_removed_and_kept() {
    let (_work, out) = out_dir();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench/fleet.rhai");
    let script = script.to_string_lossy().into_owned();
    let out_arg = out.to_string_lossy().into_owned();
    let build = |extra: &[&str]| {
        let mut args = vec!["build", script.as_str(), "-o", out_arg.as_str(), "--set", "lpars=3"];
        args.extend(extra);
        zat(&args)
    };
    let first = build(&[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let stderr = text(&first.stderr);
    assert!(
        stderr.contains(&format!(
            "wrote 198 files to {out_arg}: 198 added, 0 changed, 0 removed, 0 kept, "
        )),
        "{stderr}"
    );
    // Not a terminal: no progress bar, nothing but the warning that the RACF jobs assume an
    // empty database (ZAT0347) and the summary.
    assert!(stderr.lines().last().is_some_and(|l| l.starts_with("zat: wrote ")), "{stderr}");
    assert!(!stderr.contains('\r'), "{stderr}");
    let second = build(&["--set", "touch=2"]);
    let stderr = text(&second.stderr);
    assert!(stderr.contains(": 0 added, 1 changed, 0 removed, 197 kept, "), "{stderr}");
    let fewer = build(&["--set", "lpars=2"]);
    let stderr = text(&fewer.stderr);
    assert!(stderr.contains("files to"), "{stderr}");
    assert!(!stderr.contains(" 0 removed"), "an LPAR less removes its files: {stderr}");
    let quiet = zat(&["-q", "build", &script, "-o", &out_arg, "--set", "lpars=2"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(text(&quiet.stderr), "", "-q prints nothing");
    assert_eq!(text(&quiet.stdout), "", "stdout is for data");
}

#[test]
fn a_unit_request_holds_what_its_unit_needs_and_answers_for_it_only() {
    use zat_plugin_api::Unit;
    // Odd LPARs on PLEX1, even ones on PLEX2.
    let whole = crate::support::request("scripts/fleet.rhai");
    let names = |request: &zat_plugin_api::RenderRequest| -> Vec<(String, usize)> {
        request
            .fleet
            .lpars
            .iter()
            .map(|l| (l.name.clone(), l.stacks.iter().map(|s| s.rules.len()).sum()))
            .collect()
    };
    let lpar = whole.for_unit(Unit::Lpar { name: "SYS3".to_owned() });
    let sys3_rules =
        whole.fleet.lpar("SYS3").map(|l| l.stacks.iter().map(|s| s.rules.len()).sum::<usize>());
    // SYS3 in full, the other LPAR of PLEX1 as an outline (no rules), its database, then its
    // partner PLEX2 (which imports the CA PLEX1 exports) with only the certificates that travel.
    assert_eq!(
        names(&lpar),
        vec![("SYS1".to_owned(), 0), ("SYS3".to_owned(), sys3_rules.unwrap_or(0))]
    );
    assert!(sys3_rules.unwrap_or(0) > 0);
    let databases: Vec<&str> =
        lpar.fleet.security_databases.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(databases, vec!["PLEX1", "PLEX2"]);
    assert_eq!(lpar.fleet.security_databases[0], whole.fleet.security_databases[0]);
    // What PLEX1 reads (imports) and writes (exports); every certificate of the partner goes
    // the other way: exported to a data set PLEX1 reads, or imported from one it writes.
    let own = &lpar.fleet.security_databases[0];
    let reads: Vec<&str> = own.certificates.iter().filter_map(|c| c.imported_from()).collect();
    let writes: Vec<&str> = own.certificates.iter().filter_map(|c| c.exported_to()).collect();
    let partner = &lpar.fleet.security_databases[1];
    assert!(partner.keyrings.is_empty() && partner.ring_access.is_empty());
    assert!(!partner.certificates.is_empty());
    for cert in &partner.certificates {
        let from_writes = cert.imported_from().is_some_and(|dsn| writes.contains(&dsn));
        let to_reads = cert.exported_to().is_some_and(|dsn| reads.contains(&dsn));
        assert!(from_writes || to_reads, "{} does not travel between PLEX1 and PLEX2", cert.label);
    }
    let whole_plex2 = whole.fleet.security_database("PLEX2").map(|d| d.certificates.len());
    assert!(whole_plex2 > Some(partner.certificates.len()), "only what travels");
    assert!(lpar.includes_lpar("SYS3") && !lpar.includes_lpar("SYS1"));
    assert!(!lpar.includes_database("PLEX1") && !lpar.includes_database("PLEX2"));
    assert!(!lpar.writes_fleet_files());

    let database = whole.for_unit(Unit::Database { name: "PLEX2".to_owned() });
    assert_eq!(names(&database), vec![("SYS2".to_owned(), 0)]);
    assert!(database.includes_database("PLEX2") && !database.includes_lpar("SYS2"));

    let fleet = whole.for_unit(Unit::Fleet);
    assert_eq!(fleet.fleet.lpars.len(), whole.fleet.lpars.len());
    assert!(fleet.writes_fleet_files() && !fleet.includes_lpar("SYS1"));
    assert!(fleet.run_has_lpar("SYS1") && fleet.run_has_database("PLEX1"));
    // The whole-fleet request of ABI 1 semantics stays as it was.
    assert!(whole.includes_lpar("SYS1") && whole.includes_database("PLEX2"));
    assert!(whole.writes_fleet_files());
}

#[test]
fn a_failing_build_leaves_no_folder_behind() {
    let plugins = crate::plugins::plugin_dir(&["zat_testplug_panic"]);
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("new/out");
    let script = crate::plugins::fleet_script();
    let output = zat(&[
        "build",
        &script.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
        "--plugin-dir",
        &plugins.path().to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("panicked"), "{}", text(&output.stderr));
    let left: Vec<_> = std::fs::read_dir(work.path()).expect("list").collect();
    assert!(left.is_empty(), "the folder made for the bundle is gone: {left:?}");
}

/// RACF renders each database and each LPAR in its own unit, so two jobs of different units
/// that get one job name (here the SERVAUTH jobs of two LPARs on two databases, whose names
/// hash to the same two characters behind a five-character prefix) can only be found by its
/// fleet call, which plans every job again: the build must fail with ZAT0348 naming both.
#[test]
fn a_job_name_shared_by_two_units_is_an_error() {
    // Nine LPAR names: the first and the last (LPARs 1 and 9, on PLEX1 and PLEX2) share a
    // hash suffix; the others share none.
    let suffix = |name: &str| zat_zos::hash::base36_suffix(name, 2);
    let candidates: Vec<String> = (1..5000).map(|k| format!("L{k}")).collect();
    let (first, last) = candidates
        .iter()
        .enumerate()
        .find_map(|(i, a)| candidates[..i].iter().find(|b| suffix(b) == suffix(a)).map(|b| (b, a)))
        .expect("two names share a suffix");
    let mut names = vec![first.clone()];
    for name in &candidates {
        if names.len() == 8 {
            break;
        }
        if name != last && names.iter().chain([last]).all(|n| suffix(n) != suffix(name)) {
            names.push(name.clone());
        }
    }
    names.push(last.clone());
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let script = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench/fleet.rhai"),
    )
    .expect("read the benchmark fleet");
    let edited = script
        .replace("name_prefix: \"ZAT\"", "name_prefix: \"ZATJB\"")
        .replace("site.lpar(`SYS${n}`", "site.lpar(NAMES[n - 1]");
    assert_ne!(edited, script);
    let edited = format!("const NAMES = [{}];\n{edited}", quoted.join(", "));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fleet.rhai");
    std::fs::write(&path, edited).expect("write the script");
    let mut inputs = zat_driver::Inputs::new(path);
    inputs.script_options.params.insert("lpars".to_owned(), "9".to_owned());
    let plugins = zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let outcome = zat_driver::build(&inputs, plugins);
    assert_eq!(outcome.result.err(), Some(zat_driver::Failure::Input));
    let clash = |d: &&zat_model::Diagnostic| {
        d.code == "ZAT0348"
            && d.message.contains(&format!("lpars/{first}/"))
            && d.message.contains(&format!("lpars/{last}/"))
    };
    assert!(
        outcome.diagnostics.iter().any(|d| clash(&d)),
        "{first} and {last}: {:#?}",
        outcome.diagnostics.iter().filter(|d| d.is_error()).collect::<Vec<_>>()
    );
}

/// The benchmark fleet with its servers on its last LPARs (`--set hosted=1`, the shape whose
/// server lookups once scanned the whole fleet per requester): it builds with no error, every
/// requester's call and every server's listener lands on its own rule (the connection check
/// maps them), the hosting LPAR's policy holds its server's inbound rule, and a one-LPAR
/// change still rewrites only the files whose bytes change.
#[test]
fn the_benchmark_fleet_with_its_servers_in_the_fleet_builds_and_rebuilds_by_lpar() {
    let (_work, out) = out_dir();
    let plugins = || zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let outcome = zat_driver::build_into(&hosted(0, &[]), plugins(), &out, None);
    let errors: Vec<_> = outcome.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    outcome.result.expect("the hosted benchmark fleet builds");
    // PART1 runs on SYS12, the last LPAR, behind AT-TLS.
    let policy = std::fs::read_to_string(out.join("lpars/SYS12/pagent/TCPIP.policy"))
        .expect("SYS12's policy");
    assert!(policy.contains("TTLSRule                          PART1_IN"), "{policy}");
    assert!(out.join("lpars/SYS12/zosconnect/PART1.server.xml").is_file());
    let before = zat_core::read_tree(&out).expect("read");
    let outcome = zat_driver::build_into(&hosted(3, &[]), plugins(), &out, None);
    let summary = outcome.result.expect("the rebuild").summary;
    let after = zat_core::read_tree(&out).expect("read");
    assert_eq!(changed_paths(&before, &after), ["lpars/SYS3/pagent/pagent.conf"]);
    assert_eq!((summary.added, summary.changed, summary.removed), (0, 1, 0));
}

/// A z/OS Connect server is in the units of the LPARs that run or call it, not in every unit
/// (a fleet may run one on each of thousands of LPARs): a change to one server rewrites the
/// files of those LPARs only, and every connection to it still lands on its own rule.
#[test]
fn a_changed_server_rewrites_only_the_files_of_the_lpars_that_run_or_call_it() {
    // 120 servers: PART1 to PART12 run on SYS12 down to SYS1, the others outside the fleet;
    // LPAR n calls servers 10 (n - 1) + 1 to 10 n, so SYS1 calls PART5, which runs on SYS8.
    let fleet = |touch_server: usize| {
        hosted(0, &[("servers", "120".to_owned()), ("touch_server", touch_server.to_string())])
    };
    let (_work, out) = out_dir();
    let plugins = || zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let outcome = zat_driver::build_into(&fleet(0), plugins(), &out, None);
    let errors: Vec<_> = outcome.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    outcome.result.expect("the build");
    let before = zat_core::read_tree(&out).expect("read");
    let outcome = zat_driver::build_into(&fleet(5), plugins(), &out, None);
    let errors: Vec<_> = outcome.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let summary = outcome.result.expect("the rebuild").summary;
    let after = zat_core::read_tree(&out).expect("read");
    let changed = changed_paths(&before, &after);
    let lpars: std::collections::BTreeSet<&str> =
        changed.iter().filter_map(|p| p.strip_prefix("lpars/")?.split('/').next()).collect();
    assert_eq!(lpars.into_iter().collect::<Vec<_>>(), ["SYS1", "SYS8"], "{changed:#?}");
    assert_eq!(changed.len(), changed.iter().filter(|p| p.starts_with("lpars/")).count());
    // The server's own file, its inbound rule, and its caller's outbound rule and BAQPORT.
    for path in [
        "lpars/SYS8/zosconnect/PART5.server.xml",
        "lpars/SYS8/pagent/TCPIP.policy",
        "lpars/SYS1/pagent/TCPIP.policy",
    ] {
        assert!(changed.iter().any(|p| p == path), "{path}: {changed:#?}");
    }
    assert!(changed.iter().any(|p| p.starts_with("lpars/SYS1/apps/")), "{changed:#?}");
    assert_eq!(summary.added + summary.changed + summary.removed, changed.len());
}

/// A protected port that moves: once Policy Agent reads the new policy, the applications still
/// on the old port talk in clear text until they move. The build says so (ZAT0323, a warning)
/// for the server's listener and for its callers, on their stacks only, and `zat diff` (the
/// comparer) says the same before anything is written; a rebuild that leaves every protection
/// in place says nothing.
#[test]
fn a_protected_port_that_moves_is_a_warning_for_the_connections_left_in_clear_text() {
    // PART5 runs on SYS8; SYS1 calls it (see the test above).
    let fleet = |touch_server: usize| {
        hosted(0, &[("servers", "120".to_owned()), ("touch_server", touch_server.to_string())])
    };
    let removed = |diagnostics: &[zat_model::Diagnostic]| -> Vec<(String, String)> {
        diagnostics
            .iter()
            .filter(|d| d.code == "ZAT0323")
            .map(|d| (d.object.clone(), d.message.clone()))
            .collect()
    };
    let (_work, out) = out_dir();
    let plugins = || zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let first = zat_driver::build_into(&fleet(0), plugins(), &out, None);
    assert_eq!(removed(&first.diagnostics), []);
    first.result.expect("the build");
    let again = zat_driver::build_into(&fleet(0), plugins(), &out, None);
    assert_eq!(removed(&again.diagnostics), []);
    again.result.expect("the unchanged rebuild");

    let comparer = zat_core::Comparer::new(Some(&out), None).expect("comparer");
    let compared = zat_driver::compare(&fleet(5), plugins(), comparer);
    let moved = zat_driver::build_into(&fleet(5), plugins(), &out, None);
    let found = removed(&moved.diagnostics);
    assert_eq!(removed(&compared.diagnostics), found);
    moved.result.expect("a warning does not stop the build");
    let stacks: std::collections::BTreeSet<&str> = found.iter().map(|(o, _)| o.as_str()).collect();
    assert!(
        stacks.iter().all(|o| o.starts_with("lpar SYS1 /") || o.starts_with("lpar SYS8 /")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|(o, m)| o == "lpar SYS8 / stack TCPIP"
            && m.starts_with("an inbound connection to local port 8080 by job ZCEE5")
            && m.contains("rule PART5_IN")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|(o, m)| o.starts_with("lpar SYS1 /")
            && m.starts_with("an outbound connection to port 8080 of")
            && m.contains("clear text")),
        "{found:#?}"
    );
    let settled = zat_driver::build_into(&fleet(5), plugins(), &out, None);
    assert_eq!(removed(&settled.diagnostics), []);
}

/// `--allow` drops a note as plugins give it (the hosted shape has one per requester), and
/// the state still records it: a rebuild without the allowance shows the carried units' notes
/// again, as many as a build from empty.
#[test]
fn allowed_notes_are_dropped_as_they_come_and_kept_in_the_state() {
    let allowing = |touch: usize, allowed: &[&str]| {
        let mut inputs = hosted(touch, &[]);
        inputs.allowed_codes = allowed.iter().map(|c| (*c).to_owned()).collect();
        inputs
    };
    let notes = |outcome: &zat_driver::Outcome<zat_driver::Written>| {
        outcome.diagnostics.iter().filter(|d| d.code == "ZAT0363").count()
    };
    let plugins = || zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    let (_fresh, out) = out_dir();
    let all = zat_driver::build_into(&allowing(0, &[]), plugins(), &out, None);
    // One per requester: 12 LPARs, 4 stacks, 10 requesters.
    assert_eq!(notes(&all), 480);
    let (_work, out) = out_dir();
    let allowed = zat_driver::build_into(&allowing(0, &["zat0363"]), plugins(), &out, None);
    assert_eq!(notes(&allowed), 0);
    allowed.result.expect("the build");
    let again = zat_driver::build_into(&allowing(5, &[]), plugins(), &out, None);
    assert_eq!(notes(&again), 480, "the carried units' notes come back from the state");
    assert_eq!(again.result.expect("the rebuild").summary.changed, 1);
}

/// Every call of it is counted, and the count written into each LPAR's file: a plugin whose
/// output shows whether it rendered (never a real plugin: output must depend on the request).
#[derive(Debug, Default)]
struct Counting;

static COUNTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl zat_plugin_api::Emitter for Counting {
    const NAME: &'static str = "counting";
    const VERSION: &'static str = "1";
    const PROVIDES: &'static [&'static str] = &[zat_plugin_api::UNIT_LPAR];

    fn render(
        &self,
        request: &zat_plugin_api::RenderRequest,
    ) -> Result<zat_plugin_api::RenderResponse, zat_plugin_api::EmitError> {
        let mut response = zat_plugin_api::RenderResponse::default();
        for lpar in request.fleet.lpars.iter().filter(|l| request.includes_lpar(&l.name)) {
            let call = COUNTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            response.files.push(zat_plugin_api::OutputFile {
                path: format!("lpars/{}/counted.txt", lpar.name),
                content: format!("call {call}\n"),
                target: None,
                placement: None,
            });
        }
        Ok(response)
    }
}

/// `zat build --check` and `zat diff` take a unit the bundle's state recorded as it is, when
/// its files are still on disk as written, instead of rendering it again; a unit whose input
/// changed, or whose files changed on disk, renders and is compared. Without the state every
/// unit renders. The counting plugin shows which: its file changes whenever it renders.
#[test]
fn a_comparison_renders_only_the_units_the_state_cannot_vouch_for() {
    let (_work, out) = out_dir();
    let plugins =
        || zat_driver::builtins(zat_plugin_host::PluginSet::builder()).builtin::<Counting>();
    zat_driver::build_into(&inputs(12, 0, 2), plugins(), &out, None).result.expect("the build");
    let differences = |touch: usize| -> Vec<String> {
        let comparer = zat_core::Comparer::new(Some(&out), None).expect("comparer");
        let outcome = zat_driver::compare(&inputs(12, touch, 2), plugins(), comparer);
        let compared = outcome.result.expect("the comparison").compared;
        compared.differences.iter().map(|d| d.path.clone()).collect()
    };
    // Nothing changed: nothing renders, nothing differs.
    assert_eq!(differences(0), Vec::<String>::new());
    // SYS3's Policy Agent log level changed: the LPARs of its database render (each one's
    // request holds SYS3's outline, settings included), with a new count each, and SYS3 shows
    // its change; the LPARs of the other database (SYS9 to SYS12) do not render.
    let mut expected = vec!["MANIFEST.json".to_owned()];
    expected.extend((1..=8).map(|n| format!("lpars/SYS{n}/counted.txt")));
    expected.push("lpars/SYS3/pagent/pagent.conf".to_owned());
    expected.sort();
    assert_eq!(differences(3), expected);
    // A file edited on disk: the plugin answer that gave it renders again (so the edit
    // shows); every other answer, the counting plugin's for SYS5 too, is taken as it is.
    let edited = out.join("lpars/SYS5/pagent/TCPIP.policy");
    let mut text = std::fs::read_to_string(&edited).expect("policy");
    text.push_str("# edited by hand\n");
    std::fs::write(&edited, text).expect("edit");
    assert_eq!(differences(0), ["lpars/SYS5/pagent/TCPIP.policy"]);
    // The same with an edit that keeps the size and puts the mtime back (the ctime tells).
    let quiet = out.join("lpars/SYS6/pagent/TCPIP.policy");
    edit_keeping_mtime(&quiet);
    assert_eq!(
        differences(0),
        ["lpars/SYS5/pagent/TCPIP.policy", "lpars/SYS6/pagent/TCPIP.policy"]
    );
    // Without the state, every unit renders: every LPAR's count moves.
    std::fs::remove_file(out.join(zat_core::STATE_FILE)).expect("remove the state");
    let all = differences(0);
    for n in 1..=12 {
        assert!(all.contains(&format!("lpars/SYS{n}/counted.txt")), "SYS{n}: {all:?}");
    }
    assert!(all.contains(&"lpars/SYS5/pagent/TCPIP.policy".to_owned()), "{all:?}");
}

/// A zat built from other sources keeps its version number until a release, and its built-in
/// emitters and connection check may write other bytes. A unit's key holds the program's
/// identity (its build ID and length), so a rebuild or a comparison by another program renders
/// every unit (the same program carries them, as before). Copies of zat stand for other
/// builds: one with bytes appended, and one of the same length whose build ID differs (as a
/// link of other sources gives).
#[test]
fn a_new_zat_program_renders_every_unit_again() {
    let (work, out) = out_dir();
    let other = work.path().join("zat-other");
    let mut program = std::fs::read(crate::plugins::zat_binary()).expect("read zat");
    program.extend_from_slice(b"\0another build of zat\0");
    std::fs::write(&other, program).expect("write the copy");
    std::fs::set_permissions(&other, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/fleet.rhai");
    let out_arg = out.to_str().expect("utf-8 path");
    let script_arg = script.to_str().expect("utf-8 path");
    // (rendered, carried) plugin calls, as `-v` tells them, and the run's stderr.
    let run = |program: &Path, check: bool| -> ((usize, usize), String) {
        let mut args = vec!["build", script_arg, "-o", out_arg, "-v"];
        if check {
            args.push("--check");
        }
        let output = std::process::Command::new(program)
            .args(&args)
            .env_remove("ZAT_PLUGIN_PATH")
            .env("NO_COLOR", "1")
            .output()
            .expect("run zat");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{}: {stderr}", program.display());
        let line = stderr.lines().find(|l| l.contains("plugin calls:")).expect("-v counts calls");
        let counts: Vec<usize> =
            line.split_whitespace().filter_map(|word| word.replace(',', "").parse().ok()).collect();
        assert_eq!(counts.len(), 2, "{line}");
        ((counts[0], counts[1]), stderr)
    };
    let zat = crate::plugins::zat_binary();
    let ((calls, none), _) = run(&zat, false);
    assert!(calls > 0 && none == 0, "a build from empty renders every call");
    assert_eq!(run(&zat, false).0, (0, calls), "the same program carries every unit");
    // The other program: its check renders everything and finds the same bytes (exit 0).
    assert_eq!(run(&other, true).0, (calls, 0), "another program's check renders anew");
    let (counts, stderr) = run(&other, false);
    assert_eq!(counts, (calls, 0), "another program's build renders anew");
    assert!(stderr.contains("0 added, 0 changed, 0 removed"), "same bytes, files kept: {stderr}");
    assert_eq!(run(&other, false).0, (0, calls), "and then carries them itself");
    assert_eq!(run(&zat, true).0, (calls, 0), "back to the first program: rendered again");
    // Another link: the same length, another build ID (found as readelf shows it).
    let Ok(notes) = std::process::Command::new("readelf").arg("-n").arg(&zat).output() else {
        eprintln!("no readelf here: the copy with another build ID is not tried");
        return;
    };
    let notes = text(&notes.stdout);
    let hex = notes.lines().find_map(|l| l.trim().strip_prefix("Build ID: ")).expect("an ID");
    let id: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    let mut program = std::fs::read(&zat).expect("read zat");
    let at = program.windows(id.len()).position(|w| w == id.as_slice()).expect("the ID's bytes");
    program[at] ^= 0xff;
    let relinked = work.path().join("zat-relinked");
    std::fs::write(&relinked, program).expect("write the copy");
    std::fs::set_permissions(&relinked, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    assert_eq!(run(&zat, false).0, (calls, 0), "the first program builds after the other");
    assert_eq!(run(&relinked, false).0, (calls, 0), "another build ID renders anew");
}
