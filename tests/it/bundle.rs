//! Bundles end to end: byte-identical rebuilds, `build --check` and `diff` on drift, and
//! atomic replacement under SIGKILL at random moments.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::plugins::{fleet_script, plugin_dir, text, zat, zat_binary};

/// `zat build` of the fleet script with the built-in emitters and the inventory plugin.
fn build_args(out: &Path, plugins: &Path, lpars: usize, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "build".into(),
        fleet_script().to_string_lossy().into_owned(),
        "-o".into(),
        out.to_string_lossy().into_owned(),
        "--plugin-dir".into(),
        plugins.to_string_lossy().into_owned(),
        "--set".into(),
        format!("lpars={lpars}"),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn run(args: &[String]) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    zat(&args)
}

#[test]
fn two_builds_of_one_fleet_are_byte_identical() {
    let plugins = plugin_dir(&["zat_testplug_inventory_lib"]);
    let work = tempfile::tempdir().expect("temp dir");
    let (one, two) = (work.path().join("one"), work.path().join("two"));
    for out in [&one, &two, &one] {
        let output = run(&build_args(out, plugins.path(), 5, &[]));
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    }
    let tree = zat_core::read_tree(&one).expect("read");
    assert_eq!(tree, zat_core::read_tree(&two).expect("read"));
    assert_eq!(tree.keys().filter(|p| p.ends_with("rules.csv")).count(), 5);
    let mut names: Vec<_> = std::fs::read_dir(work.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // `one` was built twice: the bundle it replaced stays beside it as the next build's base.
    assert_eq!(names, [".one.zat-base", "one", "two"], "no temporary folder is left behind");
    // A build from that base gives the same bundle; with --no-base none is kept.
    let output = run(&build_args(&one, plugins.path(), 5, &[]));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(zat_core::read_tree(&one).expect("read"), tree);
    let output = run(&build_args(&one, plugins.path(), 5, &["--no-base"]));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(zat_core::read_tree(&one).expect("read"), tree);
    assert!(!work.path().join(".one.zat-base").exists(), "--no-base keeps no base");
}

#[test]
fn check_is_clean_after_a_build_and_fails_after_one_byte_changes() {
    let plugins = plugin_dir(&["zat_testplug_inventory_lib"]);
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    let before = run(&build_args(&out, plugins.path(), 3, &["--check"]));
    assert_eq!(before.status.code(), Some(1), "no bundle yet is drift: {}", text(&before.stderr));
    assert!(!out.exists(), "--check writes nothing");

    let build = run(&build_args(&out, plugins.path(), 3, &[]));
    assert_eq!(build.status.code(), Some(0), "{}", text(&build.stderr));
    let check = run(&build_args(&out, plugins.path(), 3, &["--check"]));
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert_eq!(text(&check.stdout), "");

    let file = out.join("lpars/SYS2/inventory/rules.csv");
    let mut bytes = std::fs::read(&file).expect("read");
    bytes[0] ^= 0x20;
    std::fs::write(&file, &bytes).expect("write");
    let check = run(&build_args(&out, plugins.path(), 3, &["--check"]));
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    assert_eq!(text(&check.stdout), "changed\tlpars/SYS2/inventory/rules.csv\n");
    assert!(text(&check.stderr).contains("differs"), "{}", text(&check.stderr));

    let mut diff_args = build_args(&out, plugins.path(), 3, &[]);
    diff_args[0] = "diff".into();
    let diff = run(&diff_args);
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff.stderr));
    let diff = text(&diff.stdout);
    assert!(diff.contains("--- a/lpars/SYS2/inventory/rules.csv"), "{diff}");
    assert!(diff.contains("+++ b/lpars/SYS2/inventory/rules.csv"), "{diff}");
    assert!(diff.contains("\n-Lpar,") && diff.contains("\n+lpar,"), "{diff}");

    // A removed LPAR shows up as removed files; --only limits the run.
    let only = run(&build_args(&out, plugins.path(), 3, &["--check", "--only", "SYS1"]));
    assert_eq!(only.status.code(), Some(1));
    assert!(
        text(&only.stdout).contains("removed\tlpars/SYS3/inventory/rules.csv"),
        "{}",
        text(&only.stdout)
    );
}

/// The new tree a build is writing beside the bundle, if there is one right now.
fn temp_dir(parent: &Path) -> Option<std::path::PathBuf> {
    let entries = std::fs::read_dir(parent).ok()?;
    entries
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with(".out.zat-new-"))
        .map(|e| e.path())
}

/// Polls `ready` until it holds, the child exits, or `limit` passes.
fn wait_for(child: &mut std::process::Child, limit: Duration, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() && Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_micros(50));
    }
}

/// Reads a bundle and checks it against its own manifest: every listed file exists with its
/// size and sha256, and nothing else is there. Returns the manifest bytes.
fn verified_manifest(out: &Path) -> Vec<u8> {
    let tree = zat_core::read_tree(out).expect("read the bundle");
    let manifest = tree.get("MANIFEST.json").unwrap_or_else(|| {
        panic!("no manifest in {}: {:?}", out.display(), tree.keys().collect::<Vec<_>>())
    });
    let parsed: serde_json::Value = serde_json::from_slice(manifest).expect("the manifest is JSON");
    let files = parsed["files"].as_array().expect("a file list");
    let mut listed = BTreeMap::new();
    for file in files {
        let path = file["path"].as_str().expect("a path");
        let bytes =
            tree.get(path).unwrap_or_else(|| panic!("{path} is in the manifest but not on disk"));
        assert_eq!(file["size"].as_u64(), Some(bytes.len() as u64), "{path}: size");
        assert_eq!(
            file["sha256"].as_str(),
            Some(zat_core::sha256_hex(bytes).as_str()),
            "{path}: sha256"
        );
        listed.insert(path.to_owned(), ());
    }
    for path in tree.keys() {
        assert!(
            path == "MANIFEST.json" || listed.contains_key(path),
            "{path} is on disk but not in the manifest"
        );
    }
    manifest.clone()
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_or_the_new_bundle() {
    let plugins = plugin_dir(&["zat_testplug_inventory_lib"]);
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    // Two fleets of different sizes give two different bundles, A and B.
    let sizes = [30, 32];
    let mut manifests = Vec::new();
    let mut duration = Duration::ZERO;
    for lpars in sizes {
        let started = Instant::now();
        let output = run(&build_args(&out, plugins.path(), lpars, &[]));
        duration = duration.max(started.elapsed());
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        manifests.push(verified_manifest(&out));
    }
    assert_ne!(manifests[0], manifests[1]);
    // How long a build runs once its new tree has appeared (writing, syncing, swapping).
    let mut tail = Duration::ZERO;
    for lpars in [sizes[0], sizes[1]] {
        let mut child = Command::new(zat_binary())
            .args(build_args(&out, plugins.path(), lpars, &[]))
            .env_remove("ZAT_PLUGIN_PATH")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start zat");
        wait_for(&mut child, duration * 4, || temp_dir(work.path()).is_some());
        let appeared = Instant::now();
        let status = child.wait().expect("wait for zat");
        assert!(status.success());
        tail = tail.max(appeared.elapsed());
    }
    let mut on_disk = 1; // B is in place now.
    // A third of the rounds kill after a delay spread over the whole build; the others wait
    // for the new tree to appear beside the bundle (or for its manifest, written just before
    // the swap) and kill shortly after, where a non-atomic writer would leave a mix.
    let rounds = 18u32;
    let mut saw_old = 0;
    let mut saw_new = 0;
    // Kills that hit a build while its new tree stood beside the bundle: the window where a
    // non-atomic writer would leave a mix. Without some, the rounds proved nothing.
    let mut mid_write = 0;
    for round in 0..rounds {
        let target = 1 - on_disk;
        let args = build_args(&out, plugins.path(), sizes[target], &[]);
        let mut child = Command::new(zat_binary())
            .args(&args)
            .env_remove("ZAT_PLUGIN_PATH")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start zat");
        if round % 3 == 0 {
            let fraction = f64::from(round) / f64::from(rounds) * 1.5;
            std::thread::sleep(duration.mul_f64(fraction));
        } else {
            // From the moment the new tree appears, kill at 40% to 115% of the time the rest
            // of a build takes: through writing, syncing and the swap at its end.
            wait_for(&mut child, duration * 4, || temp_dir(work.path()).is_some());
            let fraction = 0.4 + 0.75 * f64::from(round) / f64::from(rounds);
            std::thread::sleep(tail.mul_f64(fraction));
        }
        if temp_dir(work.path()).is_some() && matches!(child.try_wait(), Ok(None)) {
            mid_write += 1;
        }
        let _ = child.kill(); // SIGKILL on Unix; it may have finished already.
        let _ = child.wait();
        let manifest = verified_manifest(&out);
        if manifest == manifests[target] {
            on_disk = target;
            saw_new += 1;
        } else {
            assert_eq!(
                manifest, manifests[on_disk],
                "round {round}: neither the old nor the new bundle"
            );
            saw_old += 1;
        }
    }
    // Which side each round lands on depends on timing; the verdict above is what counts.
    eprintln!(
        "{saw_old} kills left the old bundle, {saw_new} the new one; {mid_write} hit a build mid-write"
    );
    assert!(mid_write > 0, "no kill hit a build while it wrote; the rounds tested nothing");
    assert!(
        saw_old > 0,
        "every build finished before the kill; the fleet is too small to test anything"
    );
    // A later build cleans up whatever the killed runs left beside the bundle.
    let output = run(&build_args(&out, plugins.path(), sizes[0], &[]));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let names: Vec<_> = std::fs::read_dir(work.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    // The base the last build may keep is no temporary folder.
    let names: Vec<_> = names.into_iter().filter(|n| n != ".out.zat-base").collect();
    assert_eq!(names, vec!["out".to_owned()], "stale temporary folders are removed");
}

/// `zat build` of the bench fleet of `lpars` LPARs with LPAR `touch` changed.
fn bench_args(out: &Path, lpars: usize, touch: usize) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench/fleet.rhai");
    ["build", &script.to_string_lossy(), "-o", &out.to_string_lossy(), "-q"]
        .into_iter()
        .map(str::to_owned)
        .chain(["--set".to_owned(), format!("lpars={lpars}")])
        .chain(["--set".to_owned(), format!("touch={touch}")])
        .collect()
}

#[test]
fn two_builds_of_one_folder_at_once_leave_one_of_their_bundles_whole() {
    // Each build links the files it keeps from the bundle in place. Without the output's
    // lock, the second to swap linked them from the bundle the first had just put there, and
    // the folder ended with files that did not match its manifest, refused by every later
    // build.
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    let lpars = 100;
    // Three variants, each with one LPAR changed; the manifest of each, built alone.
    let touches = [1, 2, 3];
    let manifests: Vec<Vec<u8>> = touches
        .iter()
        .map(|&touch| {
            let alone = work.path().join(format!("alone{touch}"));
            let output = run(&bench_args(&alone, lpars, touch));
            assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
            verified_manifest(&alone)
        })
        .collect();
    let output = run(&bench_args(&out, lpars, touches[0]));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    for round in 0..6 {
        let pair = [touches[round % 3], touches[(round + 1) % 3]];
        let children: Vec<std::process::Child> = pair
            .iter()
            .map(|&touch| {
                Command::new(zat_binary())
                    .args(bench_args(&out, lpars, touch))
                    .env_remove("ZAT_PLUGIN_PATH")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("start zat")
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().expect("wait for zat");
            assert_eq!(output.status.code(), Some(0), "round {round}: {}", text(&output.stderr));
        }
        let manifest = verified_manifest(&out);
        // `touches` are 1, 2, 3: the manifest of `touch` is at `touch - 1`.
        assert!(
            pair.iter().any(|touch| manifest == manifests[touch - 1]),
            "round {round}: the bundle is neither of the two builds'"
        );
    }
    // The lock goes with the last build; what stays beside the bundle is its base.
    let mut names: Vec<_> = std::fs::read_dir(work.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("alone"))
        .collect();
    names.sort();
    assert_eq!(names, [".out.zat-base", "out"]);
}

#[test]
fn a_check_beside_a_build_compares_with_one_whole_bundle() {
    // `zat build --check` reads the bundle file by file while it renders. Without the shared
    // lock, a build that swapped its bundle in meanwhile left it half the old bundle and half
    // the new one: a difference list that is neither "none" nor the two bundles' difference.
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    let lpars = 100;
    let every = ["MANIFEST.json", "lpars/SYS1/pagent/pagent.conf", "lpars/SYS2/pagent/pagent.conf"];
    let output = run(&bench_args(&out, lpars, 1));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let mut saw = [0; 2];
    for round in 0..6 {
        // The bundle in place is LPAR 1's change or LPAR 2's; the build writes the other,
        // and the check asks about the one being built.
        let (from, to) = if round % 2 == 0 { (1, 2) } else { (2, 1) };
        let spawn = |extra: &[&str]| {
            Command::new(zat_binary())
                .args(bench_args(&out, lpars, to))
                .args(extra)
                .env_remove("ZAT_PLUGIN_PATH")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start zat")
        };
        let build = spawn(&[]);
        let check = spawn(&["--check"]);
        let checked = check.wait_with_output().expect("wait for the check");
        let built = build.wait_with_output().expect("wait for the build");
        assert_eq!(built.status.code(), Some(0), "round {round}: {}", text(&built.stderr));
        let listed: Vec<String> = text(&checked.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("changed\t").map(str::to_owned))
            .collect();
        match checked.status.code() {
            // It saw the new bundle whole, or the old one whole.
            Some(0) => saw[1] += 1,
            Some(1) => {
                assert_eq!(listed, every, "round {round} from {from}: {}", text(&checked.stdout));
                saw[0] += 1;
            }
            other => {
                panic!("round {round}: --check ended with {other:?}: {}", text(&checked.stderr))
            }
        }
    }
    eprintln!("the check saw the old bundle {} times, the new one {} times", saw[0], saw[1]);
}
