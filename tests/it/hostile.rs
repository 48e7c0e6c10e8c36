//! Hostile inputs and faults, end to end: the real `zat` binary against output folders full of
//! user files, links and foreign manifests, imports aimed at their own input, and C plugins
//! (`tests/plugins/c/hostile.c`, compiled here with `cc`) that hang, abort, crash, exit, lie
//! about lengths, print and write other units' files. Each case is a row: what to do, the exit
//! code, the fragments the output must (and must not) hold, and a check of the disk afterwards.
//!
//! The promises these rows prove are listed in RELIABILITY.md.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::plugins::{fleet_script, library, target_dir, text, zat_binary};

/// A fresh folder for one case, with helpers to make bundles, plugin folders and files in it.
struct Scene {
    dir: tempfile::TempDir,
    /// The bundle as `bundle()` left it, to compare with afterwards.
    before: RefCell<Option<BTreeMap<String, Vec<u8>>>>,
    /// Files made immutable (`chattr +i`), released when the scene ends.
    pinned: RefCell<Vec<PathBuf>>,
    /// File systems mounted in the scene, unmounted when it ends.
    mounted: RefCell<Vec<PathBuf>>,
}

impl Drop for Scene {
    fn drop(&mut self) {
        // A pinned file may have moved with the old bundle: release the whole scene.
        if !self.pinned.borrow().is_empty() {
            let _ = Command::new("chattr").arg("-R").arg("-i").arg(self.dir.path()).status();
        }
        for mounted in self.mounted.borrow().iter().rev() {
            let _ = Command::new("umount").arg(mounted).status();
        }
    }
}

thread_local! {
    /// Set by a row that cannot run on this machine (see [`skip`]).
    static SKIPPED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What a row returns when this machine cannot set it up (not root, no `chattr`): the row is
/// counted as skipped and named in the test's output, not passed.
fn skip(why: &str) -> Output {
    eprintln!("skipped: {why}");
    SKIPPED.with(|s| s.set(true));
    Command::new(zat_binary()).arg("--version").output().expect("run zat")
}

impl Scene {
    fn new() -> Scene {
        Scene {
            dir: tempfile::tempdir().expect("temp dir"),
            before: RefCell::new(None),
            pinned: RefCell::new(Vec::new()),
            mounted: RefCell::new(Vec::new()),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Makes the folder `at` and mounts there with `mount ARGS at`; false when this machine
    /// does not allow it. Unmounted when the scene ends.
    fn mount(&self, args: &[&str], at: &str) -> bool {
        std::fs::create_dir(self.path(at)).expect("mkdir");
        let status = Command::new("mount").args(args).arg(self.path(at)).status();
        let mounted = status.is_ok_and(|status| status.success());
        if mounted {
            self.mounted.borrow_mut().push(self.path(at));
        }
        mounted
    }

    /// The names in the scene's folder, sorted.
    fn names(&self) -> Vec<String> {
        let entries = std::fs::read_dir(self.dir.path()).expect("list the scene");
        let mut names: Vec<String> =
            entries.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    fn arg(&self, rel: &str) -> String {
        self.path(rel).to_string_lossy().into_owned()
    }

    /// `zat ARGS` in the scene's folder, without ZAT_PLUGIN_PATH (unless `env` sets it).
    fn zat_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(zat_binary());
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("ZAT_PLUGIN_PATH")
            .env("NO_COLOR", "1");
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().expect("run zat")
    }

    fn zat(&self, args: &[&str]) -> Output {
        self.zat_env(args, &[])
    }

    /// `zat ARGS` stopped after 60 s (`timeout`, exit 124): for a row whose fault is a hang,
    /// so that the hang fails the row instead of stopping the suite.
    fn zat_within(&self, args: &[&str]) -> Output {
        Command::new("timeout")
            .arg("60")
            .arg(zat_binary())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("ZAT_PLUGIN_PATH")
            .env("NO_COLOR", "1")
            .output()
            .expect("run zat under timeout")
    }

    /// `zat build` of the one-LPAR fleet into `out` (relative to the scene), plus `extra`.
    fn build(&self, out: &str, extra: &[&str]) -> Output {
        let script = fleet_script();
        let mut args = vec!["build", script.to_str().expect("utf-8"), "--set", "lpars=1"];
        args.extend(["-o", out]);
        args.extend(extra);
        self.zat(&args)
    }

    /// The same for `diff` and `build --check`.
    fn compare(&self, command: &str, out: &str, extra: &[&str]) -> Output {
        let script = fleet_script();
        let mut args = vec![command, script.to_str().expect("utf-8"), "--set", "lpars=1"];
        if command == "check" {
            args[0] = "build";
            args.push("--check");
        }
        args.extend(["-o", out]);
        args.extend(extra);
        self.zat(&args)
    }

    /// A bundle built at `out`, remembered for [`Scene::intact`].
    fn bundle(&self) -> PathBuf {
        let output = self.build("out", &[]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let out = self.path("out");
        *self.before.borrow_mut() = Some(zat_core::read_tree(&out).expect("read"));
        out
    }

    /// Panics unless the bundle is what [`Scene::bundle`] wrote and nothing is beside it.
    fn intact(&self) {
        let before = self.before.borrow();
        let before = before.as_ref().expect("the scene built a bundle first");
        let now = zat_core::read_tree(&self.path("out")).expect("read");
        assert!(&now == before, "the bundle changed");
        let strays: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("list")
            .filter_map(|e| {
                let name = e.expect("entry").file_name().to_string_lossy().into_owned();
                name.contains(".zat-").then_some(name)
            })
            .collect();
        assert!(strays.is_empty(), "temporary folders left: {strays:?}");
    }

    /// A private plugin folder `plugins` holding the hostile libraries of these faults.
    fn plugins(&self, faults: &[&str]) -> String {
        let dir = self.path("plugins");
        std::fs::create_dir_all(&dir).expect("mkdir");
        for fault in faults {
            let from = hostile(fault);
            std::fs::copy(&from, dir.join(from.file_name().expect("name"))).expect("copy");
        }
        dir.to_string_lossy().into_owned()
    }

    fn write(&self, rel: &str, content: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| format!("<{e}>"))
    }

    fn link(&self, target: &str, rel: &str) {
        std::os::unix::fs::symlink(target, self.path(rel)).expect("symlink");
    }

    fn chmod(&self, rel: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(self.path(rel), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
    }

    /// Gives a file or folder to user id 4242; false where this user may not (not root).
    fn give_away(&self, rel: &str) -> bool {
        std::os::unix::fs::chown(self.path(rel), Some(4242), None).is_ok()
    }

    fn fifo(&self, rel: &str) {
        let status = Command::new("mkfifo").arg(self.path(rel)).status().expect("run mkfifo");
        assert!(status.success());
    }
}

/// The faults `hostile.c` knows, with the plugin name each library gets.
const FAULTS: &[(&str, &str, &str)] = &[
    ("hang", "FAULT_HANG", "h-hang"),
    ("hang_info", "FAULT_HANG_INFO", "h-hang-info"),
    ("abort", "FAULT_ABORT", "h-abort"),
    ("segv", "FAULT_SEGV", "h-segv"),
    ("exit0", "FAULT_EXIT0", "h-exit0"),
    ("exit_info", "FAULT_EXIT_INFO", "h-exit-info"),
    ("huge", "FAULT_HUGE", "h-huge"),
    ("print", "FAULT_PRINT", "h-print"),
    ("flood", "FAULT_FLOOD", "h-flood"),
    ("origin", "FAULT_ORIGIN", "h-origin"),
    ("ansi", "FAULT_ANSI", "h-ansi"),
    ("badjcl", "FAULT_BADJCL", "h-badjcl"),
    ("foreign", "FAULT_FOREIGN", "h-foreign"),
    ("chmod", "FAULT_CHMOD", "h-chmod"),
    ("dotdot", "FAULT_DOTDOT", "h-dotdot"),
    ("dotdot_whole", "FAULT_DOTDOT_WHOLE", "h-dotdot-whole"),
    ("case", "FAULT_CASE", "h-case"),
    ("negative", "FAULT_NEGATIVE", "h-negative"),
    ("hang_unit", "FAULT_HANG_UNIT", "h-hang-unit"),
    ("dot", "FAULT_NONE", "h.dot"),
    ("none", "FAULT_NONE", "h-none"),
    ("none2", "FAULT_NONE", "h-none2"),
    // Claims to be `none` (same name and version), renders like `origin`.
    ("impostor", "FAULT_ORIGIN", "h-none"),
    ("newline", "FAULT_NONE", "h-evil\\nNAME\\t9.9\\t1\\tbuilt-in"),
    ("bidi", "FAULT_NONE", "h-\\xe2\\x80\\xae\" \"evil"),
];

/// Every hostile library, compiled once per test run into the target folder.
fn hostile_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = target_dir().join("hostile-c-plugins");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/c/hostile.c");
        let include =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/zat-plugin-api/include");
        let children: Vec<_> = FAULTS
            .iter()
            .map(|(file, fault, name)| {
                let library =
                    dir.join(format!("libhostile_{file}{}", std::env::consts::DLL_SUFFIX));
                let child = Command::new("cc")
                    .args(["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC"])
                    .arg("-D_POSIX_C_SOURCE=200809L")
                    .arg(format!("-DFAULT={fault}"))
                    .arg(format!("-DNAME=\"{name}\""))
                    .arg("-I")
                    .arg(&include)
                    .arg("-o")
                    .arg(&library)
                    .arg(&source)
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("run the system C compiler `cc` (it must be on PATH)");
                (file, child)
            })
            .collect();
        for (file, child) in children {
            let output = child.wait_with_output().expect("wait for cc");
            assert!(output.status.success(), "cc {file}: {}", text(&output.stderr));
        }
        dir
    })
}

fn hostile(fault: &str) -> PathBuf {
    hostile_dir().join(format!("libhostile_{fault}{}", std::env::consts::DLL_SUFFIX))
}

/// One row: a name, what to run, the exit code, fragments of stdout+stderr that must be there
/// and that must not, and a check of the scene afterwards.
struct Case {
    name: &'static str,
    run: fn(&Scene) -> Output,
    code: i32,
    has: &'static [&'static str],
    lacks: &'static [&'static str],
    after: fn(&Scene),
    /// Most bytes stdout and stderr may hold together: a bound on what a hostile input costs.
    most_output: usize,
}

const fn case(
    name: &'static str,
    run: fn(&Scene) -> Output,
    code: i32,
    has: &'static [&'static str],
) -> Case {
    Case { name, run, code, has, lacks: &[], after: |_| {}, most_output: usize::MAX }
}

impl Case {
    const fn lacks(mut self, lacks: &'static [&'static str]) -> Case {
        self.lacks = lacks;
        self
    }

    const fn after(mut self, after: fn(&Scene)) -> Case {
        self.after = after;
        self
    }

    const fn most_output(mut self, bytes: usize) -> Case {
        self.most_output = bytes;
        self
    }
}

/// How long one case may run before it counts as hanging.
const HANG: Duration = Duration::from_secs(240);

/// Runs every row and reports every failing one, not just the first.
fn check(category: &str, cases: &[Case]) {
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let all_started = Instant::now();
    let mut slowest = (Duration::ZERO, "");
    for case in cases {
        let scene = Scene::new();
        let started = Instant::now();
        let output = (case.run)(&scene);
        let took = started.elapsed();
        if SKIPPED.with(|s| s.replace(false)) {
            skipped.push(case.name);
            continue;
        }
        let stdout = text(&output.stdout);
        let all = format!("{stdout}{}", text(&output.stderr));
        let mut problems = Vec::new();
        if output.status.code() != Some(case.code) {
            problems.push(format!("exit {:?}, expected {}", output.status.code(), case.code));
        }
        for fragment in case.has {
            if !all.contains(fragment) {
                problems.push(format!("missing {fragment:?}"));
            }
        }
        for fragment in case.lacks {
            if all.contains(fragment) {
                problems.push(format!("must not contain {fragment:?}"));
            }
        }
        // Nothing a plugin prints ever reaches zat's stdout.
        if stdout.contains("hostile-stdout") || stdout.contains("xxxxxxxx") {
            problems.push("plugin output on zat's stdout".to_owned());
        }
        // A guard against a hang, not a speed test: debug builds on a busy two-core CI machine
        // take tens of seconds on the largest rows, so only a case no machine would finish is
        // caught here. How fast each input is handled is measured in the benches.
        if took > HANG {
            problems.push(format!("took {took:?}: hangs"));
        }
        if took > slowest.0 {
            slowest = (took, case.name);
        }
        let size = output.stdout.len() + output.stderr.len();
        if size > case.most_output {
            problems.push(format!("wrote {size} bytes, more than {}", case.most_output));
        }
        let after = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (case.after)(&scene)));
        if let Err(panic) = after {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            problems.push(format!("afterwards: {message}"));
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n--- output:\n{all}", case.name, problems.join("; ")));
        }
    }
    eprintln!(
        "{category}: {} cases, {} skipped {skipped:?}, {:.1} s (slowest {:.1} s: {})",
        cases.len(),
        skipped.len(),
        all_started.elapsed().as_secs_f64(),
        slowest.0.as_secs_f64(),
        slowest.1
    );
    assert!(
        failures.is_empty(),
        "{category}: {} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

const BUILD_FLAGS: &[&str] = &["--plugin-timeout", "2"];

/// `zat build` with the hostile libraries of `faults` in a plugin folder, over a bundle.
fn build_with(scene: &Scene, faults: &[&str]) -> Output {
    scene.bundle();
    let plugins = scene.plugins(faults);
    let mut extra = vec!["--plugin-dir", plugins.as_str()];
    extra.extend(BUILD_FLAGS);
    scene.build("out", &extra)
}

fn conformance(scene: &Scene, fault: &str) -> Output {
    let library = hostile(fault);
    scene.zat(&["plugins", "test", "--plugin-timeout", "1", library.to_str().expect("utf-8")])
}

#[test]
fn output_folders() {
    let cases = [
        case("a clean rebuild over a bundle", |s| { s.bundle(); s.build("out", &[]) }, 0, &[]),
        case("an empty folder", |s| { s.write("keep", ""); std::fs::create_dir(s.path("out")).expect("mkdir"); s.build("out", &[]) }, 0, &[]),
        case("a file the user added to a bundle", |s| { s.bundle(); s.write("out/operator-notes.txt", "mine"); s.build("out", &[]) }, 2, &["`operator-notes.txt`", "not a bundle zat wrote"])
            .after(|s| assert_eq!(s.read("out/operator-notes.txt"), "mine")),
        case("a file added deep in a bundle", |s| { s.bundle(); s.write("out/lpars/SYS1/notes/todo.txt", "mine"); s.build("out", &[]) }, 2, &["`lpars/SYS1/notes/todo.txt`"])
            .after(|s| assert_eq!(s.read("out/lpars/SYS1/notes/todo.txt"), "mine")),
        case("a generated file edited by hand", |s| { s.bundle(); s.write("out/README.md", "my edits"); s.build("out", &[]) }, 2, &["`README.md (changed since zat wrote it)`"])
            .after(|s| assert_eq!(s.read("out/README.md"), "my edits")),
        case("an empty folder added to a bundle", |s| { s.bundle(); std::fs::create_dir(s.path("out/mine")).expect("mkdir"); s.build("out", &[]) }, 2, &["`mine/`"])
            .after(|s| assert!(s.path("out/mine").is_dir())),
        case("a link added to a bundle", |s| { s.bundle(); s.link("/etc/passwd", "out/leak"); s.build("out", &[]) }, 2, &["`leak -> /etc/passwd`"])
            .lacks(&["root:x"])
            .after(|s| assert!(s.path("out/leak").symlink_metadata().is_ok())),
        case("a FIFO added to a bundle", |s| { s.bundle(); s.fifo("out/pipe"); s.build("out", &[]) }, 2, &["`pipe`"]),
        case("a folder with a MANIFEST.json of another tool", |s| {
            s.write("app/MANIFEST.json", "{\"name\": \"my-app\", \"version\": 3}");
            s.write("app/notes.txt", "notes");
            s.write("app/src/main.c", "int main(void) { return 0; }");
            s.build("app", &[])
        }, 2, &["was not written by zat", "`notes.txt`", "`src/`"])
            .after(|s| { assert_eq!(s.read("app/notes.txt"), "notes"); assert!(s.path("app/src/main.c").exists()); }),
        case("a zat-shaped manifest listing files that are not there as listed", |s| {
            s.write("app/MANIFEST.json", &format!("{{\"zat_version\": \"0.1.0\", \"files\": [{{\"path\": \"notes.txt\", \"size\": 5, \"sha256\": \"{}\", \"target\": null, \"emitter\": \"x\"}}]}}", "0".repeat(64)));
            s.write("app/notes.txt", "notes");
            s.build("app", &[])
        }, 2, &["`notes.txt (changed since zat wrote it)`"])
            .after(|s| assert_eq!(s.read("app/notes.txt"), "notes")),
        case("a manifest with a field zat never writes", |s| {
            s.bundle();
            let manifest = s.read("out/MANIFEST.json").replacen('{', "{\"tool\": \"other\",", 1);
            s.write("out/MANIFEST.json", &manifest);
            s.build("out", &[])
        }, 2, &["was not written by zat"]),
        case("a manifest listing a path outside the bundle", |s| {
            s.write("app/MANIFEST.json", &format!("{{\"zat_version\": \"0.1.0\", \"files\": [{{\"path\": \"../x\", \"size\": 0, \"sha256\": \"{}\", \"target\": null, \"emitter\": \"x\"}}]}}", "0".repeat(64)));
            s.build("app", &[])
        }, 2, &["was not written by zat"]),
        case("a folder without a manifest", |s| { s.write("docs/index.md", "# mine"); s.build("docs", &[]) }, 2, &["has no MANIFEST.json", "`index.md`"])
            .after(|s| assert_eq!(s.read("docs/index.md"), "# mine")),
        case("MANIFEST.json is a link to a real manifest", |s| {
            s.bundle();
            std::fs::rename(s.path("out/MANIFEST.json"), s.path("real.json")).expect("move");
            s.link(&s.arg("real.json"), "out/MANIFEST.json");
            s.build("out", &[])
        }, 2, &["MANIFEST.json is not a regular file"]),
        case("MANIFEST.json is a folder", |s| { std::fs::create_dir_all(s.path("app/MANIFEST.json")).expect("mkdir"); s.build("app", &[]) }, 2, &["MANIFEST.json is not a regular file"]),
        case("-o names a file", |s| { s.write("fleet.txt", "text"); s.build("fleet.txt", &[]) }, 2, &["it is a file, not a folder"])
            .after(|s| assert_eq!(s.read("fleet.txt"), "text")),
        case("-o inside an existing bundle", |s| { s.bundle(); s.build("out/lpars/inner", &[]) }, 2, &["is inside the zat bundle"])
            .after(|s| { assert!(!s.path("out/lpars/inner").exists()); s.intact(); }),
        case("-o deep inside a bundle, folders missing", |s| { s.bundle(); s.build("out/a/b/c", &[]) }, 2, &["is inside the zat bundle"])
            .after(|s| { assert!(!s.path("out/a").exists()); s.intact(); }),
        case("-o the root of a bundle's subfolder through a link", |s| { s.bundle(); s.link(&s.arg("out/lpars"), "alias"); s.build("alias/inner", &[]) }, 2, &["is inside the zat bundle"])
            .after(|s| s.intact()),
        case("-o a link to a bundle", |s| { s.bundle(); s.link(&s.arg("out"), "current"); s.build("current", &[]) }, 2, &["is a symbolic link", "give the folder itself"])
            .after(|s| s.intact()),
        case("-o a dangling link", |s| { s.link("/nonexistent/zat-out", "gone"); s.build("gone", &[]) }, 2, &["is a symbolic link"])
            .after(|_| assert!(!Path::new("/nonexistent/zat-out").exists())),
        case("-o a mount point of the system (/proc)", |s| s.build("/proc", &[]), 2, &["/proc is a mount point", "`-o /proc/bundle`"])
            .after(|_| assert!(!Path::new("/.proc.zat-lock").exists(), "nothing is made beside it")),
        case("-o a mounted folder (a container's volume)", |s| {
            if !s.mount(&["-t", "tmpfs", "-o", "size=64m", "tmpfs"], "volume") {
                return skip("mount is not allowed here (not root, or in a container without it)");
            }
            s.build("volume", &[])
        }, 2, &["volume is a mount point", "volume/bundle`"])
            .after(|s| {
                assert_eq!(s.names(), ["volume"], "nothing is made beside it");
                let output = s.build("volume/bundle", &[]);
                assert_eq!(output.status.code(), Some(0), "the way out the message gives works: {}", text(&output.stderr));
            }),
        case("-o a folder bind-mounted from the same file system", |s| {
            std::fs::create_dir(s.path("source")).expect("mkdir");
            if !s.mount(&["--bind", &s.arg("source")], "volume") {
                return skip("mount is not allowed here (not root, or in a container without it)");
            }
            // Nothing tells it from a folder before the build; the rename at the end is refused.
            s.build("volume", &[])
        }, 2, &["volume is a mount point", "volume/bundle`"])
            .after(|s| {
                assert_eq!(s.names(), ["source", "volume"], "the new tree is gone");
                assert_eq!(std::fs::read_dir(s.path("volume")).expect("list").count(), 0, "the volume is as it was");
            }),
        case("-o .", |s| s.build(".", &[]), 2, &["cannot be an output folder"]),
        case("-o /", |s| s.build("/", &[]), 2, &["cannot be an output folder"]),
        case("an old bundle that cannot be removed is reported", |s| {
            s.bundle();
            let pinned = s.path("out/README.md");
            let status = Command::new("chattr").arg("+i").arg(&pinned).status();
            if !status.is_ok_and(|st| st.success()) {
                return skip("chattr +i is not available (not root, or not ext4)");
            }
            s.pinned.borrow_mut().push(pinned);
            s.build("out", &["--set", "lpars=2"])
        }, 2, &["the new bundle is in place", "could not be removed from"])
            .after(|s| assert!(s.path("out/lpars/SYS2").exists(), "the new bundle is in place")),
    ];
    check("output folders", &cases);
}

#[test]
fn drift_and_links() {
    let cases = [
        case(
            "--check after a clean build",
            |s| {
                s.bundle();
                s.compare("check", "out", &[])
            },
            0,
            &[],
        ),
        case(
            "--check with a link in place of a generated file",
            |s| {
                s.bundle();
                std::fs::remove_file(s.path("out/README.md")).expect("rm");
                s.link("/etc/passwd", "out/README.md");
                s.compare("check", "out", &[])
            },
            1,
            &["changed\tREADME.md"],
        )
        .lacks(&["root:x"]),
        case(
            "diff with a link in place of a generated file",
            |s| {
                s.bundle();
                std::fs::remove_file(s.path("out/README.md")).expect("rm");
                s.link("/etc/passwd", "out/README.md");
                s.compare("diff", "out", &[])
            },
            0,
            &["a/README.md is a symbolic link to /etc/passwd"],
        )
        .lacks(&["root:x"]),
        case(
            "diff with an extra link to a secret",
            |s| {
                s.bundle();
                s.link("/etc/passwd", "out/shadow");
                s.compare("diff", "out", &[])
            },
            0,
            &["a/shadow is a symbolic link to /etc/passwd; zat build would put nothing there"],
        )
        .lacks(&["root:x"]),
        case(
            "--check with a link loop",
            |s| {
                s.bundle();
                s.link("loop", "out/loop");
                s.compare("check", "out", &[])
            },
            1,
            &["removed\tloop"],
        ),
        case(
            "diff with a link loop",
            |s| {
                s.bundle();
                s.link("loop", "out/loop");
                s.compare("diff", "out", &[])
            },
            0,
            &["a/loop is a symbolic link to loop"],
        ),
        case(
            "--check with a linked folder",
            |s| {
                s.bundle();
                s.link("/etc", "out/etc");
                s.compare("check", "out", &[])
            },
            1,
            &["removed\tetc"],
        )
        .lacks(&["passwd"]),
        case(
            "--check with a FIFO (never opened)",
            |s| {
                s.bundle();
                s.fifo("out/pipe");
                s.compare("check", "out", &[])
            },
            1,
            &["removed\tpipe"],
        ),
        case(
            "diff with a FIFO (never opened)",
            |s| {
                s.bundle();
                s.fifo("out/pipe");
                s.compare("diff", "out", &[])
            },
            0,
            &["a/pipe is a FIFO, socket or device"],
        ),
        case(
            "MANIFEST.json a link to a secret",
            |s| {
                s.bundle();
                std::fs::remove_file(s.path("out/MANIFEST.json")).expect("rm");
                s.link("/etc/passwd", "out/MANIFEST.json");
                s.compare("diff", "out", &[])
            },
            // No build replaces a folder whose manifest is not zat's: refused as a build
            // refuses it, never read through the link.
            2,
            &["its MANIFEST.json is not a regular file", "`MANIFEST.json -> /etc/passwd`"],
        )
        .lacks(&["root:x"]),
        case(
            "--check through a link to the bundle",
            |s| {
                s.bundle();
                s.link(&s.arg("out"), "current");
                s.compare("check", "current", &[])
            },
            2,
            &["is a symbolic link"],
        ),
        case(
            "diff through a link to the bundle",
            |s| {
                s.bundle();
                s.link(&s.arg("out"), "current");
                s.compare("diff", "current", &[])
            },
            2,
            &["is a symbolic link"],
        ),
        case(
            "a file name with a newline cannot forge --check lines",
            |s| {
                s.bundle();
                s.write("out/x\nchanged\tREADME.md", "");
                s.compare("check", "out", &[])
            },
            1,
            &["removed\tx\\u{a}changed\\u{9}README.md\n"],
        )
        .lacks(&["\nchanged\tREADME.md"]),
        case(
            "a file name with a newline is named escaped when it is in the way",
            |s| {
                s.bundle();
                s.write("out/x\nerror: forged", "");
                s.build("out", &[])
            },
            2,
            &["`x\\u{a}error: forged`"],
        )
        .lacks(&["\nerror: forged"]),
        case(
            "--check with a file the user added",
            |s| {
                s.bundle();
                s.write("out/operator-notes.txt", "mine");
                s.compare("check", "out", &[])
            },
            1,
            &["removed\toperator-notes.txt"],
        ),
    ];
    check("diff and --check", &cases);
}

fn import_policy(s: &Scene) {
    s.write(
        "in.policy",
        "TTLSRule R1\n{\n  RemotePortRange 9080\n  Direction Outbound\n  TTLSGroupActionRef g\n  TTLSEnvironmentActionRef e\n}\nTTLSGroupAction g\n{\n  TTLSEnabled On\n}\nTTLSEnvironmentAction e\n{\n  HandshakeRole Client\n  TTLSKeyringParms\n  {\n    Keyring USR/RING\u{1}X\n  }\n}\n",
    );
}

const POLICY_START: &str = "TTLSRule R1";

#[test]
fn import_output() {
    let cases = [
        case(
            "a new file",
            |s| {
                import_policy(s);
                s.zat(&["import", "in.policy", "-o", "fleet.rhai"])
            },
            0,
            &[],
        )
        .after(|s| assert!(s.read("fleet.rhai").contains("stack.rule(\"R1\""))),
        case(
            "an existing file without --force",
            |s| {
                import_policy(s);
                s.write("fleet.rhai", "mine");
                s.zat(&["import", "in.policy", "-o", "fleet.rhai"])
            },
            2,
            &["exists; give --force"],
        )
        .after(|s| assert_eq!(s.read("fleet.rhai"), "mine")),
        case(
            "an existing file with --force",
            |s| {
                import_policy(s);
                s.write("fleet.rhai", "mine");
                s.zat(&["import", "in.policy", "-o", "fleet.rhai", "--force"])
            },
            0,
            &[],
        )
        .after(|s| {
            assert!(s.read("fleet.rhai").contains("stack.rule"));
            assert_eq!(std::fs::read_dir(s.dir.path()).expect("ls").count(), 2);
        }),
        case(
            "its own input",
            |s| {
                import_policy(s);
                s.zat(&["import", "in.policy", "-o", "in.policy"])
            },
            2,
            &["is the input file"],
        )
        .after(|s| assert!(s.read("in.policy").starts_with(POLICY_START))),
        case(
            "its own input with --force",
            |s| {
                import_policy(s);
                s.zat(&["import", "in.policy", "-o", "in.policy", "--force"])
            },
            2,
            &["is the input file"],
        )
        .after(|s| assert!(s.read("in.policy").starts_with(POLICY_START))),
        case(
            "its own input by another path",
            |s| {
                import_policy(s);
                std::fs::create_dir(s.path("d")).expect("mkdir");
                s.zat(&["import", "in.policy", "-o", "d/../in.policy", "--force"])
            },
            2,
            &["is the input file"],
        )
        .after(|s| assert!(s.read("in.policy").starts_with(POLICY_START))),
        case(
            "a hard link to its input",
            |s| {
                import_policy(s);
                std::fs::hard_link(s.path("in.policy"), s.path("alias.rhai")).expect("ln");
                s.zat(&["import", "in.policy", "-o", "alias.rhai", "--force"])
            },
            2,
            &["is the input file"],
        )
        .after(|s| assert!(s.read("in.policy").starts_with(POLICY_START))),
        case(
            "a link to another file",
            |s| {
                import_policy(s);
                s.write("victim", "precious");
                s.link(&s.arg("victim"), "fleet.rhai");
                s.zat(&["import", "in.policy", "-o", "fleet.rhai"])
            },
            2,
            &["is a symbolic link"],
        )
        .after(|s| assert_eq!(s.read("victim"), "precious")),
        case(
            "a link to another file with --force",
            |s| {
                import_policy(s);
                s.write("victim", "precious");
                s.link(&s.arg("victim"), "fleet.rhai");
                s.zat(&["import", "in.policy", "-o", "fleet.rhai", "--force"])
            },
            2,
            &["is a symbolic link"],
        )
        .after(|s| assert_eq!(s.read("victim"), "precious")),
        case(
            "a dangling link",
            |s| {
                import_policy(s);
                s.link(&s.arg("created-through-link"), "fleet.rhai");
                s.zat(&["import", "in.policy", "-o", "fleet.rhai"])
            },
            2,
            &["is a symbolic link"],
        )
        .after(|s| assert!(!s.path("created-through-link").exists())),
        case(
            "a link to its input",
            |s| {
                import_policy(s);
                s.link(&s.arg("in.policy"), "fleet.rhai");
                s.zat(&["import", "in.policy", "-o", "fleet.rhai", "--force"])
            },
            2,
            &["is a symbolic link"],
        )
        .after(|s| assert!(s.read("in.policy").starts_with(POLICY_START))),
        case(
            "a folder",
            |s| {
                import_policy(s);
                std::fs::create_dir(s.path("fleet.rhai")).expect("mkdir");
                s.zat(&["import", "in.policy", "-o", "fleet.rhai", "--force"])
            },
            2,
            &["not a regular file"],
        ),
        case(
            "--force without -o",
            |s| {
                import_policy(s);
                s.zat(&["import", "in.policy", "--force"])
            },
            2,
            &["--output"],
        ),
        case(
            "a control character in a ring name stays readable by rhai",
            |s| {
                import_policy(s);
                let import = s.zat(&["import", "in.policy", "-o", "fleet.rhai"]);
                assert_eq!(import.status.code(), Some(0), "{}", text(&import.stderr));
                s.zat(&["check", "fleet.rhai"])
            },
            1,
            &[],
        )
        .lacks(&["ZAT0002"])
        .after(|s| assert!(s.read("fleet.rhai").contains("RING\\u0001X"))),
    ];
    check("import", &cases);
}

#[test]
fn plugin_faults() {
    let cases = [
        case(
            "render hangs",
            |s| build_with(s, &["hang"]),
            2,
            &["plugin `h-hang`", "libhostile_hang.so", "did not answer within 2 s"],
        )
        .after(Scene::intact),
        case(
            "info hangs while loading",
            |s| build_with(s, &["hang_info"]),
            2,
            &["libhostile_hang_info.so", "did not answer within 2 s"],
        )
        .after(Scene::intact),
        case(
            "render calls abort()",
            |s| build_with(s, &["abort"]),
            2,
            &[
                "plugin `h-abort`",
                "libhostile_abort.so",
                "SIGABRT",
                "nothing was written: the bundle at out is as it was",
            ],
        )
        .after(Scene::intact),
        // A report writes no bundle: it says what it did not write.
        case(
            "report with a crashing plugin",
            |s| {
                let plugins = s.plugins(&["segv"]);
                let script = fleet_script();
                let script = script.to_str().expect("utf-8");
                let args = ["report", script, "--set", "lpars=1", "-o", "report.html"];
                let mut args = args.to_vec();
                args.extend(["--plugin-dir", plugins.as_str()]);
                s.zat(&args)
            },
            2,
            &["plugin `h-segv`", "SIGSEGV", "no report was written: report.html is as it was"],
        )
        .lacks(&["bundle"]),
        // The deploy scripts act on a placement on z/OS: its mode must be permission bits.
        case(
            "a placement whose mode is a shell command",
            |s| build_with(s, &["chmod"]),
            2,
            &[
                "plugin `h-chmod`",
                "libhostile_chmod.so",
                "gave the file \"hostile/x.txt\" a placement that is refused",
                "\"0644 /dev/null; rm -rf $HOME; echo\" is not permission bits",
            ],
        )
        .after(Scene::intact),
        // An illegal path is the plugin's failure, from a call by unit as from a whole-fleet
        // call: the same words, the library named, exit 2; not ZAT0394 (a legal path of
        // another unit).
        case(
            "an illegal path from a plugin by LPAR",
            |s| build_with(s, &["dotdot"]),
            2,
            &[
                "emitter `h-dotdot` returned the path \"../escape.txt\", which is refused",
                "libhostile_dotdot.so",
            ],
        )
        .lacks(&["ZAT0394", "may write only"])
        .after(Scene::intact),
        case(
            "an illegal path from a whole-fleet plugin",
            |s| build_with(s, &["dotdot_whole"]),
            2,
            &[
                "emitter `h-dotdot-whole` returned the path \"../escape.txt\", which is refused",
                "libhostile_dotdot_whole.so",
            ],
        )
        .after(Scene::intact),
        case(
            "two paths that differ only in case",
            |s| build_with(s, &["case"]),
            2,
            &[
                "\"hostile/CASE.txt\" (from `h-case`) and \"hostile/Case.txt\" (from `h-case`) differ only in case",
                "libhostile_case.so",
            ],
        )
        .after(Scene::intact),
        // A status is the plugin's own, -1 too: its failure and its message.
        case(
            "render fails with status -1",
            |s| build_with(s, &["negative"]),
            2,
            &["plugin `h-negative`", "failed (status -1): the plugin says no with status -1"],
        )
        .lacks(&["more than the limit"])
        .after(Scene::intact),
        // The first call hangs and stops the worker; the calls after it are never made, and
        // are said to be so once, not reported as more hangs.
        case(
            "a plugin by unit that hangs is reported once",
            |s| {
                let output = build_with(s, &["hang_unit"]);
                let all = text(&output.stderr);
                assert_eq!(all.matches("did not answer within").count(), 1, "{all}");
                output
            },
            2,
            &[
                "plugin `h-hang-unit`",
                "did not answer within 2 s",
                "is out after the failure reported for it: its worker was stopped, and its later calls were not made (",
                " not made)",
            ],
        )
        .lacks(&["crashed"])
        .after(Scene::intact),
        // `--plugin-option NAME.KEY=VALUE` ends the name at its first `.`.
        case(
            "a name with a dot is refused",
            |s| build_with(s, &["dot"]),
            2,
            &["the name is refused", "it contains a `.`", "--plugin-option NAME.KEY=VALUE"],
        )
        .after(Scene::intact),
        case("render segfaults", |s| build_with(s, &["segv"]), 2, &["plugin `h-segv`", "SIGSEGV"])
            .after(Scene::intact),
        // A job z/OS would reject is refused, as `zat plugins test` refuses it, not written.
        case(
            "a plugin writes a job with a tab and a long line",
            |s| build_with(s, &["badjcl"]),
            1,
            &["ZAT0393", "hostile/BAD.jcl breaks a batch rule", "line 2", "line 3"],
        )
        .after(Scene::intact),
        // A unit's call writes only its unit's files: another LPAR's file, or a job in another
        // database's folder, would be carried over with the wrong unit and recorded as its.
        case(
            "a plugin by LPAR writes files of another LPAR and another database",
            |s| build_with(s, &["foreign"]),
            1,
            &[
                "ZAT0394",
                "plugin h-foreign wrote lpars/SYS2/foreign.txt in its call for lpar SYS1",
                "plugin h-foreign wrote security/PLEX2/racf/EXTRA.jcl in its call for lpar SYS1",
            ],
        )
        .after(Scene::intact),
        case(
            "render calls exit(0)",
            |s| build_with(s, &["exit0"]),
            2,
            &["plugin `h-exit0`", "exited with status 0 without answering"],
        )
        .after(Scene::intact),
        case(
            "info calls exit(3)",
            |s| build_with(s, &["exit_info"]),
            2,
            &["libhostile_exit_info.so", "exited with status 3"],
        )
        .after(Scene::intact),
        case(
            "render claims 1 TiB",
            |s| build_with(s, &["huge"]),
            2,
            &["plugin `h-huge`", "1099511627776 bytes, more than the limit"],
        )
        .after(Scene::intact),
        case(
            "two faulty plugins are both reported",
            |s| build_with(s, &["abort", "segv"]),
            2,
            &["SIGABRT", "SIGSEGV"],
        )
        .after(Scene::intact),
        case(
            "a plugin prints to stdout and stderr",
            |s| build_with(s, &["print"]),
            0,
            &["plugin `h-print` printed:", "  | hostile-stdout:", "  | hostile-stderr: ?[31mred"],
        )
        .lacks(&["\u{1b}["]),
        case(
            "-q keeps what a plugin printed off stderr",
            |s| {
                s.bundle();
                let plugins = s.plugins(&["print"]);
                let mut extra = vec!["--plugin-dir", plugins.as_str(), "-q"];
                extra.extend(BUILD_FLAGS);
                s.build("out", &extra)
            },
            0,
            &[],
        )
        .lacks(&["printed:", "hostile-stdout"]),
        case(
            "diff stdout stays clean of plugin output",
            |s| {
                s.bundle();
                let plugins = s.plugins(&["print"]);
                let diff = s.compare("diff", "out", &["--plugin-dir", plugins.as_str()]);
                assert_eq!(
                    text(&diff.stdout),
                    "",
                    "the bundle did not change, so the diff is empty"
                );
                diff
            },
            0,
            &["hostile-stdout"],
        ),
        case(
            "a plugin floods stdout",
            |s| build_with(s, &["flood"]),
            0,
            &["plugin `h-flood` printed:", "more bytes left out"],
        )
        .after(|_| {}),
        case(
            "a plugin places a diagnostic in /etc/passwd",
            |s| build_with(s, &["origin"]),
            0,
            &["look here", "is not a file of the fleet script; that origin is dropped"],
        )
        .lacks(&["root:x"]),
        case(
            "diff with a crashing plugin",
            |s| {
                s.bundle();
                let plugins = s.plugins(&["segv"]);
                s.compare("diff", "out", &["--plugin-dir", plugins.as_str()])
            },
            2,
            &["SIGSEGV"],
        )
        .after(Scene::intact),
        case(
            "--check with an aborting plugin",
            |s| {
                s.bundle();
                let plugins = s.plugins(&["abort"]);
                s.compare("check", "out", &["--plugin-dir", plugins.as_str()])
            },
            2,
            &["SIGABRT"],
        )
        .after(Scene::intact),
        case(
            "a Rust plugin that panics",
            |s| {
                s.bundle();
                let dir = s.path("plugins");
                std::fs::create_dir(&dir).expect("mkdir");
                let from = library("zat_testplug_panic");
                std::fs::copy(&from, dir.join(from.file_name().expect("name"))).expect("copy");
                s.build("out", &["--plugin-dir", dir.to_str().expect("utf-8")])
            },
            2,
            &["panicked"],
        )
        .after(Scene::intact),
        case(
            "plugins list does not render",
            |s| {
                let p = s.plugins(&["segv", "hang"]);
                s.zat(&["plugins", "list", "--plugin-dir", p.as_str()])
            },
            0,
            &["h-segv\t1.0.0", "h-hang\t1.0.0"],
        ),
        case(
            "plugins list with a library that exits while loading",
            |s| {
                let p = s.plugins(&["exit_info", "none"]);
                s.zat(&["plugins", "list", "--plugin-dir", p.as_str()])
            },
            2,
            &["h-none\t1.0.0", "exited with status 3"],
        ),
        case(
            "a name with a newline is refused",
            |s| build_with(s, &["newline"]),
            2,
            &["the name is refused", "control character"],
        )
        .after(Scene::intact),
        case(
            "plugins list cannot be forged by a name",
            |s| {
                let p = s.plugins(&["newline"]);
                s.zat(&["plugins", "list", "--plugin-dir", p.as_str()])
            },
            2,
            &["control character"],
        )
        .lacks(&["NAME\t9.9"]),
        case(
            "a name with a bidi override is refused",
            |s| build_with(s, &["bidi"]),
            2,
            &["bidirectional formatting character"],
        )
        .after(Scene::intact),
        case(
            "a library file name with a bidi override is refused",
            |s| {
                s.bundle();
                let dir = s.path("plugins");
                std::fs::create_dir(&dir).expect("mkdir");
                std::fs::copy(hostile("none"), dir.join("libevil\u{202E}os.so")).expect("copy");
                s.build("out", &["--plugin-dir", dir.to_str().expect("utf-8")])
            },
            2,
            &["refusing plugin library", "bidirectional formatting character"],
        )
        .after(Scene::intact),
        case(
            "a library file name with a newline is refused",
            |s| {
                s.bundle();
                let dir = s.path("plugins");
                std::fs::create_dir(&dir).expect("mkdir");
                std::fs::copy(hostile("none"), dir.join("libevil\nerror: forged.so"))
                    .expect("copy");
                s.build("out", &["--plugin-dir", dir.to_str().expect("utf-8")])
            },
            2,
            &["refusing plugin library", "control"],
        )
        .after(Scene::intact),
        case(
            "a failure message full of terminal escapes",
            |s| build_with(s, &["ansi"]),
            2,
            &["plugin `h-ansi`", "failed (status 1): ?[2J?[31mboom?[0m ?"],
        )
        .lacks(&["\u{1b}", "\u{202e}"])
        .after(Scene::intact),
        case("a well-behaved C plugin next to the built-ins", |s| build_with(s, &["none"]), 0, &[]),
    ];
    check("plugin faults (build, diff, list)", &cases);
}

#[test]
fn plugin_conformance_verdicts() {
    let cases = [
        case(
            "test: render hangs",
            |s| conformance(s, "hang"),
            1,
            &[
                "FAIL  multi: render: plugin `h-hang`",
                "did not answer within 1 s",
                "conformance: FAILED",
            ],
        ),
        case(
            "test: info hangs",
            |s| conformance(s, "hang_info"),
            1,
            &["FAIL  load:", "did not answer within 1 s", "conformance: FAILED"],
        ),
        case(
            "test: abort",
            |s| conformance(s, "abort"),
            1,
            &["FAIL  multi: render:", "SIGABRT", "conformance: FAILED"],
        ),
        case(
            "test: segfault",
            |s| conformance(s, "segv"),
            1,
            &["FAIL  multi: render:", "SIGSEGV", "conformance: FAILED"],
        ),
        case(
            "test: exit(0)",
            |s| conformance(s, "exit0"),
            1,
            &["FAIL  multi: render:", "exited with status 0", "conformance: FAILED"],
        ),
        case(
            "test: exit in info",
            |s| conformance(s, "exit_info"),
            1,
            &["FAIL  load:", "exited with status 3", "conformance: FAILED"],
        ),
        case(
            "test: 1 TiB answer",
            |s| conformance(s, "huge"),
            1,
            &["FAIL  multi: render:", "more than the limit", "conformance: FAILED"],
        ),
        case(
            "test: printing plugin passes, output on stderr",
            |s| conformance(s, "print"),
            0,
            &[
                "ok    multi: output: the plugin printed",
                "conformance: passed",
                "  | hostile-stdout",
            ],
        ),
        case(
            "test: name with a newline",
            |s| conformance(s, "newline"),
            1,
            &["FAIL  load:", "control character", "conformance: FAILED"],
        ),
        case(
            "test: name with a bidi override",
            |s| conformance(s, "bidi"),
            1,
            &["FAIL  load:", "bidirectional", "conformance: FAILED"],
        ),
        case(
            "test: a plugin by LPAR writes another unit's files",
            |s| conformance(s, "foreign"),
            1,
            &[
                "FAIL  multi: units: lpar",
                "wrote lpars/SYS2/foreign.txt, which is not that unit's",
                "conformance: FAILED",
            ],
        ),
        case(
            "test: a placement whose mode is a shell command",
            |s| conformance(s, "chmod"),
            1,
            &["FAIL  multi: render:", "is not permission bits", "conformance: FAILED"],
        ),
        case(
            "test: render fails with status -1",
            |s| conformance(s, "negative"),
            1,
            &["FAIL  multi: render:", "failed (status -1)", "conformance: FAILED"],
        ),
        case(
            "test: a well-behaved C plugin",
            |s| conformance(s, "none"),
            0,
            &["conformance: passed"],
        ),
    ];
    check("plugins test verdicts", &cases);
}

#[test]
fn plugin_folders() {
    let cases = [
        case(
            "a relative --plugin-dir",
            |s| {
                s.plugins(&["none"]);
                s.build("out", &["--plugin-dir", "plugins"])
            },
            2,
            &["plugin folder plugins is a relative path (from --plugin-dir)", "must be absolute"],
        ),
        case(
            "a relative ZAT_PLUGIN_PATH entry",
            |s| {
                s.plugins(&["none"]);
                let script = fleet_script();
                s.zat_env(
                    &["build", script.to_str().expect("utf-8"), "--set", "lpars=1"],
                    &[("ZAT_PLUGIN_PATH", "plugins")],
                )
            },
            2,
            &["relative path (from ZAT_PLUGIN_PATH)"],
        )
        .after(|s| assert!(!s.path("out").exists())),
        case(
            "ZAT_PLUGIN_PATH=.",
            |s| {
                std::fs::copy(hostile("none"), s.path("libhere.so")).expect("copy");
                s.zat_env(&["plugins", "list"], &[("ZAT_PLUGIN_PATH", ".")])
            },
            2,
            &["relative path (from ZAT_PLUGIN_PATH)"],
        )
        .lacks(&["h-none"]),
        case(
            "a relative entry among absolute ones",
            |s| {
                let p = s.plugins(&["none"]);
                s.zat_env(&["plugins", "list"], &[("ZAT_PLUGIN_PATH", &format!("{p}:lib"))])
            },
            2,
            &["plugin folder lib is a relative path"],
        ),
        case(
            "an empty ZAT_PLUGIN_PATH entry is skipped",
            |s| s.zat_env(&["plugins", "list"], &[("ZAT_PLUGIN_PATH", ":")]),
            0,
            &["racf"],
        ),
        case(
            "a world-writable folder",
            |s| {
                let p = s.plugins(&["none"]);
                s.chmod("plugins", 0o777);
                s.build("out", &["--plugin-dir", p.as_str()])
            },
            2,
            &[
                "refusing plugin folder",
                "writable by its group and by every user (mode 777)",
                "chmod go-w",
            ],
        ),
        // "Writable by no other user", as ssh requires: the folder's group is other users.
        case(
            "a group-writable folder",
            |s| {
                let p = s.plugins(&["none"]);
                s.chmod("plugins", 0o775);
                s.build("out", &["--plugin-dir", p.as_str()])
            },
            2,
            &["refusing plugin folder", "writable by its group (mode 775)", "chmod g-w"],
        ),
        case(
            "a group-writable library",
            |s| {
                let p = s.plugins(&["none"]);
                s.chmod("plugins/libhostile_none.so", 0o664);
                s.build("out", &["--plugin-dir", p.as_str()])
            },
            2,
            &["refusing plugin library", "writable by its group (mode 664)", "chmod g-w"],
        ),
        case(
            "a world-writable folder with the sticky bit",
            |s| {
                let p = s.plugins(&["none"]);
                s.chmod("plugins", 0o1777);
                s.build("out", &["--plugin-dir", p.as_str()])
            },
            2,
            &["writable by its group and by every user (mode 1777)"],
        ),
        case(
            "a world-writable folder in ZAT_PLUGIN_PATH",
            |s| {
                let p = s.plugins(&["none"]);
                s.chmod("plugins", 0o777);
                s.zat_env(&["plugins", "list"], &[("ZAT_PLUGIN_PATH", &p)])
            },
            2,
            &["writable by its group and by every user"],
        )
        .lacks(&["h-none"]),
        case(
            "a world-writable folder above, without the sticky bit",
            |s| {
                std::fs::create_dir(s.path("shared")).expect("mkdir");
                s.chmod("shared", 0o777);
                std::fs::create_dir(s.path("shared/plugins")).expect("mkdir");
                std::fs::copy(hostile("none"), s.path("shared/plugins/libnone.so")).expect("copy");
                s.build("out", &["--plugin-dir", &s.arg("shared/plugins")])
            },
            2,
            &[
                "shared above it is writable by its group and by every user without the sticky bit (mode 777)",
                "chmod go-w",
            ],
        ),
        // Every folder above, up to `/`, as ssh checks the folders above its key files.
        case(
            "a group-writable folder above, without the sticky bit",
            |s| {
                std::fs::create_dir_all(s.path("team/zat/plugins")).expect("mkdir");
                s.chmod("team", 0o775);
                std::fs::copy(hostile("none"), s.path("team/zat/plugins/libnone.so"))
                    .expect("copy");
                s.build("out", &["--plugin-dir", &s.arg("team/zat/plugins")])
            },
            2,
            &[
                "team above it is writable by its group without the sticky bit (mode 775)",
                "chmod g-w",
                "up to `/`",
            ],
        ),
        case(
            "a group-writable folder above, with the sticky bit",
            |s| {
                std::fs::create_dir_all(s.path("team/zat/plugins")).expect("mkdir");
                s.chmod("team", 0o1775);
                std::fs::copy(hostile("none"), s.path("team/zat/plugins/libnone.so"))
                    .expect("copy");
                s.zat(&["plugins", "list", "--plugin-dir", &s.arg("team/zat/plugins")])
            },
            0,
            &["h-none"],
        ),
        case(
            "a folder above of another user",
            |s| {
                std::fs::create_dir_all(s.path("theirs/plugins")).expect("mkdir");
                std::fs::copy(hostile("none"), s.path("theirs/plugins/libnone.so")).expect("copy");
                if !s.give_away("theirs") {
                    return skip("not root: a file of another user cannot be made here");
                }
                s.build("out", &["--plugin-dir", &s.arg("theirs/plugins")])
            },
            2,
            &["theirs above it belongs to user id 4242"],
        ),
        case(
            "a world-writable library",
            |s| {
                let p = s.plugins(&["none"]);
                s.chmod("plugins/libhostile_none.so", 0o777);
                s.build("out", &["--plugin-dir", p.as_str()])
            },
            2,
            &["refusing plugin library", "writable by its group and by every user (mode 777)"],
        ),
        case(
            "a library of another user",
            |s| {
                let p = s.plugins(&["none"]);
                if !s.give_away("plugins/libhostile_none.so") {
                    return skip("not root: a file of another user cannot be made here");
                }
                s.build("out", &["--plugin-dir", p.as_str()])
            },
            2,
            &["belongs to user id 4242"],
        ),
        case(
            "a folder of another user",
            |s| {
                let p = s.plugins(&["none"]);
                if !s.give_away("plugins") {
                    return skip("not root: a file of another user cannot be made here");
                }
                s.build("out", &["--plugin-dir", p.as_str()])
            },
            2,
            &["belongs to user id 4242"],
        ),
        case(
            "a link to a library of another user",
            |s| {
                std::fs::create_dir(s.path("plugins")).expect("mkdir");
                std::fs::copy(hostile("none"), s.path("theirs.so")).expect("copy");
                if !s.give_away("theirs.so") {
                    return skip("not root: a file of another user cannot be made here");
                }
                s.link(&s.arg("theirs.so"), "plugins/libmine.so");
                s.build("out", &["--plugin-dir", &s.arg("plugins")])
            },
            2,
            &["belongs to user id 4242"],
        ),
        // Opening a FIFO for reading waits for a writer: each is refused, never opened so.
        case(
            "a FIFO given as --plugin NAME=PATH",
            |s| {
                s.fifo("fifo.so");
                let script = fleet_script();
                let script = script.to_str().expect("utf-8");
                let choice = format!("x={}", s.arg("fifo.so"));
                s.zat_within(&[
                    "build", script, "--set", "lpars=1", "-o", "out", "--plugin", &choice,
                ])
            },
            2,
            &["fifo.so", "it is a FIFO (named pipe), not a regular file"],
        ),
        case(
            "plugins test of a FIFO",
            |s| {
                s.fifo("fifo.so");
                s.zat_within(&["plugins", "test", &s.arg("fifo.so")])
            },
            1,
            &["FAIL  load:", "it is a FIFO (named pipe), not a regular file"],
        ),
        case(
            "a lock file that is a FIFO",
            |s| {
                let p = s.plugins(&["none"]);
                s.fifo("fifo.lock");
                let script = fleet_script();
                let script = script.to_str().expect("utf-8");
                let lock = s.arg("fifo.lock");
                let args = ["build", script, "--set", "lpars=1", "-o", "out", "--plugin-dir", &p];
                let mut args = args.to_vec();
                args.extend(["--locked", "--lock", &lock]);
                s.zat_within(&args)
            },
            2,
            &["cannot read the lock file", "it is a FIFO (named pipe), not a regular file"],
        ),
        case(
            "a private folder of the user's",
            |s| {
                let p = s.plugins(&["none"]);
                s.chmod("plugins", 0o700);
                s.build("out", &["--plugin-dir", p.as_str()])
            },
            0,
            &[],
        ),
    ];
    check("plugin folders", &cases);
}

/// The plugin folder and lock of a scene: libraries `none` and `none2`, locked beside a copy
/// of the fleet script.
fn locked_scene(s: &Scene) -> String {
    let plugins = s.plugins(&["none", "none2"]);
    locked_scene_files(s);
    let lock =
        s.zat(&["plugins", "lock", "fleet.rhai", "--plugin-dir", plugins.as_str(), "--no-builtin"]);
    assert_eq!(lock.status.code(), Some(0), "{}", text(&lock.stderr));
    plugins
}

/// A copy of the fleet script and its library folder in the scene.
fn locked_scene_files(s: &Scene) {
    std::fs::copy(fleet_script(), s.path("fleet.rhai")).expect("copy");
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/lib");
    let status = Command::new("cp").arg("-r").arg(lib).arg(s.path("lib")).status().expect("cp");
    assert!(status.success());
}

fn locked_build(s: &Scene, plugins: &str) -> Output {
    s.zat(&[
        "build",
        "fleet.rhai",
        "--set",
        "lpars=1",
        "-o",
        "out",
        "--plugin-dir",
        plugins,
        "--locked",
    ])
}

#[test]
fn lock_files() {
    let cases = [
        case(
            "plugins lock writes zat.lock beside the script",
            |s| {
                let plugins = locked_scene(s);
                s.zat(&["plugins", "lock", "fleet.rhai", "--plugin-dir", plugins.as_str()])
            },
            0,
            &["h-none\t1.0.0\t", "h-none2\t1.0.0\t"],
        )
        .after(|s| {
            let lock = s.read("zat.lock");
            assert!(lock.contains("\"sha256\"") && lock.contains("libhostile_none.so"), "{lock}");
            assert!(!lock.contains("racf"), "built-ins are not locked");
        }),
        case(
            "build --locked with the locked libraries",
            |s| {
                let p = locked_scene(s);
                locked_build(s, &p)
            },
            0,
            &[],
        ),
        case(
            "build --locked after a library changed",
            |s| {
                let p = locked_scene(s);
                std::fs::copy(hostile("print"), s.path("plugins/libhostile_none.so"))
                    .expect("swap the library");
                locked_build(s, &p)
            },
            2,
            &[
                "libhostile_none.so (sha256",
                "is not in the lock file",
                "h-none` 1.0.0 is in the lock file",
            ],
        )
        .lacks(&["hostile-stdout"])
        .after(|s| assert!(!s.path("out").exists())),
        case(
            "build --locked with one byte appended to a library",
            |s| {
                let p = locked_scene(s);
                let path = s.path("plugins/libhostile_none2.so");
                let mut bytes = std::fs::read(&path).expect("read");
                bytes.push(0);
                std::fs::write(&path, bytes).expect("write");
                locked_build(s, &p)
            },
            2,
            &["libhostile_none2.so (sha256", "is not in the lock file"],
        ),
        case(
            "build --locked with a new library",
            |s| {
                let p = locked_scene(s);
                std::fs::copy(hostile("print"), s.path("plugins/libhostile_print.so"))
                    .expect("copy");
                locked_build(s, &p)
            },
            2,
            &["libhostile_print.so", "is not in the lock file"],
        ),
        case(
            "build --locked with a locked library gone",
            |s| {
                let p = locked_scene(s);
                std::fs::remove_file(s.path("plugins/libhostile_none2.so")).expect("rm");
                locked_build(s, &p)
            },
            2,
            &["plugin `h-none2` 1.0.0 is in the lock file", "but no plugin folder holds it"],
        ),
        case(
            "build --locked without a lock file",
            |s| {
                let p = locked_scene(s);
                std::fs::remove_file(s.path("zat.lock")).expect("rm");
                locked_build(s, &p)
            },
            2,
            &["cannot read the lock file", "zat.lock"],
        ),
        case(
            "build --locked with a lock file that is not one",
            |s| {
                let p = locked_scene(s);
                s.write("zat.lock", "plugins = []");
                locked_build(s, &p)
            },
            2,
            &["is not a zat lock file"],
        ),
        case(
            "build --locked with a lock that names the library otherwise",
            |s| {
                let p = locked_scene(s);
                let lock = s.read("zat.lock").replace("\"h-none2\"", "\"renamed\"");
                s.write("zat.lock", &lock);
                locked_build(s, &p)
            },
            2,
            &["is locked as `renamed 1.0.0`, but it now says it is `h-none2 1.0.0`"],
        ),
        case(
            "build --locked --lock FILE",
            |s| {
                let p = locked_scene(s);
                std::fs::rename(s.path("zat.lock"), s.path("site.lock")).expect("mv");
                s.zat(&[
                    "build",
                    "fleet.rhai",
                    "--set",
                    "lpars=1",
                    "-o",
                    "out",
                    "--plugin-dir",
                    p.as_str(),
                    "--locked",
                    "--lock",
                    "site.lock",
                ])
            },
            0,
            &[],
        ),
        case(
            "a build without --locked ignores the lock",
            |s| {
                let p = locked_scene(s);
                std::fs::copy(hostile("origin"), s.path("plugins/libhostile_none.so"))
                    .expect("swap");
                s.zat(&[
                    "build",
                    "fleet.rhai",
                    "--set",
                    "lpars=1",
                    "-o",
                    "out",
                    "--plugin-dir",
                    p.as_str(),
                ])
            },
            0,
            &["look here"],
        )
        .lacks(&["lock file"]),
        case(
            "plugins lock with nowhere to write",
            |s| s.zat(&["plugins", "lock"]),
            2,
            &["FLEET.rhai"],
        ),
    ];
    check("lock files", &cases);
}

/// A scene's plugin folder holding the racf emitter as a library, which clashes with the
/// built-in `racf`.
fn racf_library(s: &Scene) -> String {
    let dir = s.path("plugins");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let from = library("zat_racf");
    std::fs::copy(&from, dir.join(from.file_name().expect("name"))).expect("copy");
    dir.to_string_lossy().into_owned()
}

/// `zat plugins list` lists what a build would run, and refuses what a build refuses: the
/// same lock, the same choices, the same clashes.
#[test]
fn plugins_list_applies_what_build_applies() {
    let cases = [
        case(
            "list --locked --lock FILE with a library not in the lock",
            |s| {
                let p = locked_scene(s);
                std::fs::copy(hostile("print"), s.path("plugins/libhostile_print.so"))
                    .expect("copy");
                s.zat(&["plugins", "list", "--plugin-dir", &p, "--locked", "--lock", "zat.lock"])
            },
            2,
            &["libhostile_print.so (sha256", "is not in the lock file", "h-none\t1.0.0"],
        )
        .lacks(&["h-print\t"]),
        case(
            "list --locked with the lock beside the script",
            |s| {
                let p = locked_scene(s);
                s.zat(&["plugins", "list", "fleet.rhai", "--plugin-dir", &p, "--locked"])
            },
            0,
            &["h-none\t1.0.0", "h-none2\t1.0.0"],
        ),
        case(
            "list --locked without a lock file",
            |s| {
                let p = s.plugins(&["none"]);
                s.zat(&["plugins", "list", "--plugin-dir", &p, "--locked"])
            },
            2,
            &["--locked needs --lock FILE"],
        )
        .lacks(&["h-none\t"]),
        case(
            "list --locked with a lock file that is not there",
            |s| {
                let p = s.plugins(&["none"]);
                s.zat(&["plugins", "list", "--plugin-dir", &p, "--locked", "--lock", "zat.lock"])
            },
            2,
            &["cannot read the lock file"],
        )
        .lacks(&["h-none\t"]),
        case(
            "list with a library named like a built-in",
            |s| {
                let p = racf_library(s);
                s.zat(&["plugins", "list", "--plugin-dir", &p])
            },
            2,
            &["two plugins are named `racf`", "--plugin racf=builtin"],
        )
        .lacks(&["racf\t"]),
        case(
            "list --plugin racf=builtin",
            |s| {
                let p = racf_library(s);
                s.zat(&["plugins", "list", "--plugin-dir", &p, "--plugin", "racf=builtin"])
            },
            0,
            &["racf\t0.1.0\t2\tbuilt-in"],
        )
        .lacks(&["libzat_racf"]),
        case(
            "list --plugin racf=off",
            |s| {
                let p = racf_library(s);
                s.zat(&["plugins", "list", "--plugin-dir", &p, "--plugin", "racf=off"])
            },
            0,
            &["pagent\t"],
        )
        .lacks(&["racf\t"]),
        case(
            "list --plugin nosuch=off",
            |s| s.zat(&["plugins", "list", "--plugin", "nosuch=off"]),
            2,
            &["`--plugin nosuch=…` names no plugin"],
        ),
    ];
    check("plugins list", &cases);
}

/// `zat plugins lock` and `list` of a script use the plugin folders of the `zat.toml` beside
/// it, as `zat build` of that script does; so a lock written that way is the one a locked
/// build needs.
#[test]
fn plugins_lock_and_list_read_zat_toml() {
    /// A fleet script beside a `zat.toml` whose `plugin_dirs` names the scene's `plugins`
    /// folder (absolute, or as `plugins` relative to the file).
    fn project(s: &Scene, absolute: bool) {
        let p = s.plugins(&["none"]);
        locked_scene_files(s);
        let dir = if absolute { p } else { "plugins".to_owned() };
        s.write("zat.toml", &format!("plugin_dirs = [{dir:?}]\n"));
    }
    let cases = [
        case(
            "plugins lock with plugin_dirs in zat.toml",
            |s| {
                project(s, true);
                s.zat(&["plugins", "lock", "fleet.rhai"])
            },
            0,
            &["h-none\t1.0.0\t"],
        )
        .after(|s| {
            assert!(s.read("zat.lock").contains("libhostile_none.so"), "{}", s.read("zat.lock"))
        }),
        case(
            "build --locked after plugins lock with plugin_dirs in zat.toml",
            |s| {
                project(s, true);
                let lock = s.zat(&["plugins", "lock", "fleet.rhai"]);
                assert_eq!(lock.status.code(), Some(0), "{}", text(&lock.stderr));
                s.zat(&["build", "fleet.rhai", "--set", "lpars=1", "-o", "out", "--locked"])
            },
            0,
            &[],
        ),
        case(
            "plugins lock with a relative plugin_dirs entry",
            |s| {
                project(s, false);
                s.zat(&["plugins", "lock", "fleet.rhai"])
            },
            0,
            &["h-none\t1.0.0\t"],
        ),
        case(
            "plugins list of a script with plugin_dirs in zat.toml",
            |s| {
                project(s, true);
                s.zat(&["plugins", "list", "fleet.rhai"])
            },
            0,
            &["h-none\t1.0.0\t"],
        ),
    ];
    check("zat.toml for plugins", &cases);
}

/// The library a lock accepts is the library that runs. Each worker is started through a
/// shell that first replaces the checked file (rewritten in place, or renamed over) with an
/// impostor of the same name and version; the plugin that answers must still be the locked
/// one, whose render has no diagnostics (the impostor's says "look here").
#[test]
fn the_bytes_checked_against_the_lock_are_the_bytes_loaded() {
    use zat_plugin_host::{Lock, PluginSetBuilder, WorkerConfig, sha256_file};
    let request = zat_plugin_api::RenderRequest::new(zat_core::fixtures::multi().fleet, "test");
    let request = serde_json::to_vec(&request).expect("serialise the request");
    for (how, swap) in [
        ("rewritten in place", "cp '{evil}' '{lib}'"),
        ("renamed over", "cp '{evil}' '{lib}.new' && mv '{lib}.new' '{lib}'"),
    ] {
        let s = Scene::new();
        let dir = s.plugins(&["none"]);
        let lib = s.path("plugins/libhostile_none.so");
        let lock = s.path("zat.lock");
        let sha256 = sha256_file(&lib).expect("hash");
        s.write(
            "zat.lock",
            &format!(
                r#"{{"zat_lock": 1, "plugins": [{{"name": "h-none", "version": "1.0.0", "file": "libhostile_none.so", "sha256": "{sha256}"}}]}}"#
            ),
        );
        let swap = swap
            .replace("{evil}", &hostile("impostor").to_string_lossy())
            .replace("{lib}", &lib.to_string_lossy());
        let script = format!("{swap} && exec '{}' __plugin-worker \"$@\"", zat_binary().display());
        let worker = WorkerConfig::new("/bin/sh", vec!["-c".into(), script.into(), "sh".into()]);
        let set = PluginSetBuilder::new()
            .plugin_dir(&dir)
            .locked(Lock::read(&lock))
            .isolate(worker)
            .build()
            .unwrap_or_else(|e| panic!("{how}: the locked library loads: {e}"));
        assert_eq!(
            std::fs::read(&lib).expect("read"),
            std::fs::read(hostile("impostor")).expect("read"),
            "{how}: the worker's shell replaced the file"
        );
        let [plugin] = set.plugins() else { panic!("{how}: one plugin") };
        let response = plugin.render(&request).expect("render");
        assert!(
            response.diagnostics.is_empty(),
            "{how}: the impostor ran in place of the locked library: {:?}",
            response.diagnostics
        );
        assert_eq!(plugin.sha256(), Some(sha256.as_str()), "{how}");
        // `zat plugins lock` records what was loaded, not what the file holds by then.
        assert_eq!(Lock::of(&lock, set.plugins()).entries()[0].sha256, sha256, "{how}");
    }
}

// ---- scripts, policies, secrets and injection ---------------------------------------------

/// The seed example: one LPAR calling a z/OS Connect server, clean for `check` and `build`.
const SEED: &str = include_str!("../../examples/zos-connect-requester/fleet.rhai");

/// Writes `fleet.rhai` into the scene: the seed with `from` replaced by `to` (once).
fn seed_with(s: &Scene, from: &str, to: &str) -> String {
    assert!(SEED.contains(from), "the seed has no {from:?}");
    s.write("fleet.rhai", &SEED.replacen(from, to, 1));
    s.arg("fleet.rhai")
}

/// `zat build` of the seed with one replacement, into `out`.
fn build_seed(s: &Scene, from: &str, to: &str) -> Output {
    let script = seed_with(s, from, to);
    s.zat(&["build", script.as_str(), "-o", "out"])
}

fn check_script(s: &Scene, text: &str) -> Output {
    s.write("fleet.rhai", text);
    s.zat(&["check", "fleet.rhai"])
}

fn lint_text(s: &Scene, text: &str) -> Output {
    s.write("p.policy", text);
    s.zat(&["lint", "p.policy"])
}

/// Nothing was written: an injection refused means no bundle at all.
fn no_bundle(s: &Scene) {
    assert!(!s.path("out").exists(), "a bundle was written");
}

/// `zat ARGS` with stdout read for `keep` bytes and then closed, as `| head -c` does.
fn closed_stdout(s: &Scene, args: &[&str], keep: usize) -> Output {
    use std::io::Read as _;
    let mut child = Command::new(zat_binary())
        .args(args)
        .current_dir(s.dir.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run zat");
    let mut stdout = child.stdout.take().expect("piped");
    let mut kept = vec![0; keep];
    stdout.read_exact(&mut kept).expect("the first bytes");
    drop(stdout);
    let mut output = child.wait_with_output().expect("wait");
    output.stdout = kept;
    output
}

/// `zat ARGS` with stdout or stderr on `/dev/full`.
fn full(s: &Scene, args: &[&str], stderr: bool) -> Output {
    let dev_full = || std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let mut command = Command::new(zat_binary());
    command.args(args).current_dir(s.dir.path()).env("NO_COLOR", "1");
    if stderr {
        command.stderr(dev_full());
    } else {
        command.stdout(dev_full());
    }
    command.output().expect("run zat")
}

fn rules_on_one_priority(count: usize) -> String {
    let mut text = SEED.to_owned();
    text.push_str(&format!(
        "let level = site.security_level(\"TIED\", #{{ ciphers: [\"C02F\"], tlsv1_3: false }});\n\
         for i in 0..{count} {{\n    tcpip.rule(\"R\" + i, #{{ direction: \"inbound\", local_port: 3000, keyring: ring, level: level, priority: 100 }});\n}}\n"
    ));
    text
}

const POLICY_TAIL: &str = "TTLSGroupAction G\n{\n  TTLSEnabled On\n}\nTTLSEnvironmentAction E\n{\n  HandshakeRole Server\n  TTLSKeyringParms\n  {\n    Keyring U/R\n  }\n}\n";

/// `count` rules; `rule(i)` gives the lines inside rule `i`'s braces.
fn policy_rules(count: usize, rule: impl Fn(usize) -> String) -> String {
    let mut text = String::new();
    for i in 0..count {
        text.push_str(&format!(
            "TTLSRule R{i}\n{{\n{}  TTLSGroupActionRef G\n  TTLSEnvironmentActionRef E\n}}\n",
            rule(i)
        ));
    }
    text.push_str(POLICY_TAIL);
    text
}

#[test]
fn scripts() {
    let cases = [
        case(
            "a script importing itself",
            |s| check_script(s, "import \"fleet\" as me;\nlet site = fleet(\"F\");\n"),
            1,
            &["ZAT0032", "import cycle", "fleet.rhai -> fleet.rhai"],
        ),
        case(
            "an import cycle a -> b -> a",
            |s| {
                s.write("a.rhai", "import \"b\" as b;\n");
                s.write("b.rhai", "import \"a\" as a;\n");
                check_script(s, "import \"a\" as a;\nlet site = fleet(\"F\");\n")
            },
            1,
            &["ZAT0032", "a.rhai -> b.rhai -> a.rhai"],
        ),
        case(
            "a library importing itself",
            |s| {
                s.write("lib/x.rhai", "import \"lib/x\" as x;\n");
                check_script(s, "import \"lib/x\" as x;\nlet site = fleet(\"F\");\n")
            },
            1,
            &["ZAT0032", "lib/x.rhai -> lib/x.rhai"],
        ),
        case(
            "replace() amplification",
            |s| {
                check_script(
                    s,
                    "let s = \"xxxxxxxxxx\";\nloop { s.replace(\"x\", \"xxxxxxxxxx\"); }\n",
                )
            },
            1,
            &["ZAT0023", "length of string"],
        ),
        case(
            "a string doubling itself",
            |s| check_script(s, "let s = \"x\";\nloop { s += s; }\n"),
            1,
            &["ZAT0023"],
        ),
        case(
            "an array doubling itself",
            |s| check_script(s, "let a = [1];\nloop { a += a; }\n"),
            1,
            &["ZAT0023", "array"],
        ),
        case(
            "a map growing by new keys",
            |s| {
                // The size limit must stop it, not the clock: a debug build on a busy machine
                // takes seconds to grow a map to the limit.
                s.write(
                    "fleet.rhai",
                    "let m = #{};\nlet i = 0;\nloop { m[\"k\" + i] = i; i += 1; }\n",
                );
                s.zat(&["check", "fleet.rhai", "--timeout", "120"])
            },
            1,
            &["ZAT0023", "object map", "fleet.rhai:3"],
        ),
        case(
            "a nested map of large strings",
            |s| {
                check_script(
                    s,
                    "let s = \"x\";\nwhile s.len < 100000 { s += s; }\nlet m = #{ inner: #{} };\nlet i = 0;\nloop { m.inner[\"k\" + i] = s + i; i += 1; }\n",
                )
            },
            1,
            &["ZAT0023"],
        ),
        // rhai measures the whole array at each push, so in a debug build the deadline may
        // come first: either limit stops it.
        case(
            "an array of arrays pushed forever (--timeout 3)",
            |s| {
                s.write("fleet.rhai", "let a = [];\nloop { a.push([1, 2, 3, 4, 5, 6, 7, 8]); }\n");
                s.zat(&["check", "fleet.rhai", "--timeout", "3"])
            },
            1,
            &["ZAT002", "fleet.rhai:2"],
        ),
        case(
            "a loop that never ends (--timeout 1)",
            |s| {
                s.write("fleet.rhai", "let i = 0;\nloop { i += 1; }\n");
                s.zat(&["check", "fleet.rhai", "--timeout", "1"])
            },
            1,
            &["ZAT0021", "deadline"],
        ),
        case(
            "unbounded recursion",
            |s| check_script(s, "fn down(n) { down(n + 1) }\ndown(0);\n"),
            1,
            &["ZAT0022"],
        ),
        case(
            "100,000 nested parentheses",
            |s| {
                check_script(
                    s,
                    &format!("let x = {}1{};\n", "(".repeat(100_000), ")".repeat(100_000)),
                )
            },
            1,
            &["ZAT0024"],
        )
        .most_output(4_000),
        case(
            "100,000 nested blocks",
            |s| {
                check_script(
                    s,
                    &format!("{}{}\n", "if true {".repeat(100_000), "}".repeat(100_000)),
                )
            },
            1,
            &["ZAT0024"],
        )
        .most_output(4_000),
        // A literal within the limit of text (16 MiB) is read; a mistake on its line is shown
        // without the line.
        case(
            "a 2 MB string literal, then a mistake on its line (excerpt left out)",
            |s| {
                let script = format!("let s = \"{}\"; s.no_such_method();\n", "x".repeat(2 << 20));
                check_script(s, &script)
            },
            1,
            &["ZAT0003", "no_such_method", "at fleet.rhai:1:"],
        )
        .most_output(4_000),
        case(
            "a script over 16 MiB, refused unread",
            |s| check_script(s, &format!("// {}\n", "x".repeat(17 << 20))),
            1,
            &["ZAT0026", "more than the limit"],
        )
        .most_output(4_000),
        case(
            "a fleet script that is a FIFO",
            |s| {
                s.fifo("fleet.rhai");
                s.zat(&["check", "fleet.rhai"])
            },
            2,
            &["ZAT0001", "not a regular file"],
        ),
        case(
            "a fleet script that is a folder",
            |s| {
                std::fs::create_dir(s.path("fleet.rhai")).expect("mkdir");
                s.zat(&["check", "fleet.rhai"])
            },
            2,
            &["not a regular file"],
        ),
        case(
            "1,000 rules sharing a priority",
            |s| check_script(s, &rules_on_one_priority(1000)),
            1,
            &["ZAT0144", "ZAT0144: 5 shown above, and 994 more like them", "found 999 errors"],
        )
        .most_output(8_000),
        case(
            "a --set value with a line break",
            |s| s.build("out", &["--set", "name=A\nB"]),
            2,
            &["the value of `name` holds U+000A", "one line of printable text"],
        )
        .after(no_bundle),
        case(
            "a --set value with a bidi override",
            |s| s.build("out", &["--set", "name=A\u{202e}B"]),
            2,
            &["U+202E"],
        )
        .after(no_bundle),
        case(
            "diagnostics into a full stderr",
            |s| {
                s.write("fleet.rhai", "import \"fleet\" as me;\n");
                full(s, &["check", "fleet.rhai", "-vv"], true)
            },
            1,
            &[],
        )
        .lacks(&["panicked"]),
        case(
            "a clean check with -vvv into a full stderr",
            |s| full(s, &["check", seed_with(s, "MYCOM", "MYCOM").as_str(), "-vvv"], true),
            0,
            &[],
        )
        .lacks(&["panicked"]),
        case(
            "model into a full stdout",
            |s| full(s, &["model", seed_with(s, "MYCOM", "MYCOM").as_str()], false),
            2,
            &["cannot write to stdout"],
        )
        .lacks(&["panicked"]),
        case(
            "model into a closed pipe (| head -c 1)",
            |s| closed_stdout(s, &["model", seed_with(s, "MYCOM", "MYCOM").as_str()], 1),
            0,
            &[],
        )
        .lacks(&["panicked", "Broken pipe"]),
        case(
            "explain into a closed pipe",
            |s| closed_stdout(s, &["explain", "ZAT0106"], 1),
            0,
            &[],
        )
        .lacks(&["panicked"]),
        case("docs into a closed pipe", |s| closed_stdout(s, &["docs"], 1), 0, &[])
            .lacks(&["panicked"]),
    ];
    check("scripts", &cases);
}

#[test]
fn policies() {
    let cases = [
        case("100,000 nested braces", |s| lint_text(s, &format!("TTLSRule R\n{}{}", "{\n".repeat(100_000), "}\n".repeat(100_000))), 1, &["nest more than 16 deep"]).most_output(8_000),
        case("100,000 braces never closed", |s| lint_text(s, &format!("TTLSRule R\n{}", "{".repeat(100_000))), 1, &["is not closed"]).most_output(8_000),
        case("20,000 nested statements (was quadratic)", |s| lint_text(s, &format!("TTLSRule R\n{{\n{}{}", "TTLSKeyringParms\n{\n".repeat(20_000), "}\n".repeat(20_001))), 1, &["nest more than 16 deep"]).most_output(8_000),
        case("20,000 rules sharing a priority, one port each", |s| lint_text(s, &policy_rules(20_000, |i| format!("  Jobname J{i}\n  LocalPortRange {}\n  Direction Inbound\n  Priority 100\n", 1000 + i))), 0, &[]).lacks(&["ZAT0627"]).most_output(8_000),
        case("2,000 rules sharing a priority, all tied", |s| lint_text(s, &policy_rules(2_000, |_| "  Jobname PAY\n  Direction Inbound\n  Priority 100\n".to_owned())), 0, &["ZAT0627", "R0, R1, R10 and others", "ZAT0627: 5 shown above, and 1994 more like them"]).most_output(8_000),
        case("10,000 rules sharing a priority, nothing to tell them apart cheaply", |s| lint_text(s, &policy_rules(10_000, |i| format!("  Jobname J{i}\n  Direction Inbound\n  Priority 100\n"))), 0, &["later ties are not reported"]).most_output(8_000),
        case("a 5 MB policy (linear: 50 MB takes ten times as long)", |s| {
            let mut count = 0;
            let mut text = String::new();
            while text.len() < 5_000_000 {
                text.push_str(&format!("TTLSRule B{count}\n{{\n  Jobname J{count}\n  LocalPortRange {}\n  Direction Inbound\n  Priority {}\n  TTLSGroupActionRef G\n  TTLSEnvironmentActionRef E\n}}\n", 1000 + count % 60_000, count + 1));
                count += 1;
            }
            text.push_str(POLICY_TAIL);
            lint_text(s, &text)
        }, 0, &[]).most_output(8_000),
        case("a 5 MB name on one line", |s| lint_text(s, &format!("TTLSRule {}\n{{\n}}\n", "X".repeat(5_000_000))), 1, &["more bytes)"]).most_output(20_000),
        case("200,000 stray braces", |s| lint_text(s, &"}{".repeat(200_000)), 1, &["ZAT0602: 5 shown above"]).most_output(8_000),
        case("binary junk", |s| {
            let bytes: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
            std::fs::write(s.path("p.policy"), bytes).expect("write");
            s.zat(&["lint", "p.policy"])
        }, 0, &["ZAT0614"]).most_output(20_000),
        case("an empty policy", |s| lint_text(s, ""), 0, &[]),
        case("a policy that is a FIFO", |s| { s.fifo("p.policy"); s.zat(&["lint", "p.policy"]) }, 2, &["not a regular file"]),
        case("a policy that is /dev/zero", |s| s.zat(&["lint", "/dev/zero"]), 2, &["not a regular file"]),
        case("import of a FIFO", |s| { s.fifo("p.policy"); s.zat(&["import", "p.policy"]) }, 2, &["not a regular file"]),
        case("import of 2,000 rules on one priority", |s| { s.write("p.policy", &policy_rules(2_000, |_| "  Jobname PAY\n  Direction Inbound\n  Priority 100\n".to_owned())); s.zat(&["import", "p.policy", "-o", "fleet.rhai"]) }, 0, &[]).most_output(20_000),
        case("lint findings into a full stderr", |s| { s.write("p.policy", &"}{".repeat(1000)); full(s, &["lint", "p.policy"], true) }, 1, &[]).lacks(&["panicked"]),
        case("lint --format json into a closed pipe", |s| { s.write("p.policy", &"}{".repeat(1000)); closed_stdout(s, &["lint", "p.policy", "--format", "json"], 1) }, 1, &[]).lacks(&["panicked"]),
    ];
    check("policies", &cases);
}

#[test]
fn secrets() {
    const P12: &str = "password_env: \"ZCONN_P12_PASSWORD\"";
    let cases = [
        case("a mixed-case password in password_env", |s| build_seed(s, P12, "password_env: \"Secr3tpw\""), 1, &["ZAT0107", "looks like a password", "never the password"]).after(no_bundle),
        case("a password with punctuation in password_env", |s| build_seed(s, P12, "password_env: \"s3cr3t!pw\""), 1, &["ZAT0107", "`!`"]).after(no_bundle),
        case("a lower-case word with digits in password_env", |s| build_seed(s, P12, "password_env: \"hunter2\""), 1, &["ZAT0107"]).after(no_bundle),
        case("a password with a blank in password_env", |s| build_seed(s, P12, "password_env: \"my secret\""), 1, &["ZAT0107"]).after(no_bundle),
        case("a name starting with a digit in password_env", |s| build_seed(s, P12, "password_env: \"1PASSWORD\""), 1, &["ZAT0107", "starts with a digit"]).after(no_bundle),
        case("a password given with --set", |s| {
            let script = seed_with(s, P12, "password_env: param(\"pw\", \"ZCONN_P12_PASSWORD\")");
            s.zat(&["build", script.as_str(), "-o", "out", "--set", "pw=Tr0ub4dor"])
        }, 1, &["ZAT0107"]).after(no_bundle),
        case("a password in basic_auth.password_from", |s| build_seed(s, "    keyring: ring,\n});", "    keyring: ring,\n    basic_auth: #{ username: \"PAYUSER\", password_from: \"Passw0rd\" },\n});"), 1, &["ZAT0107", "`password_from`", "JCL symbol"]).after(no_bundle),
        case("a password with `=` in basic_auth.password_from", |s| build_seed(s, "    keyring: ring,\n});", "    keyring: ring,\n    basic_auth: #{ username: \"PAYUSER\", password_from: \"pw=x\" },\n});"), 1, &["ZAT0107"]).after(no_bundle),
        case("a `password` option key", |s| build_seed(s, P12, "password: \"x\""), 1, &["ZAT0004", "zat never sees a password"]).after(no_bundle),
        case("a variable name in password_env (control)", |s| build_seed(s, P12, P12), 0, &["<<SET-FROM-ENV:ZCONN_P12_PASSWORD>>"]).lacks(&["ZAT0107"]),
        case("a JCL symbol in password_from (control)", |s| build_seed(s, "    keyring: ring,\n});", "    keyring: ring,\n    basic_auth: #{ username: \"PAYUSER\", password_from: \"PAYPW\" },\n});"), 0, &[]).lacks(&["ZAT0107"])
            .after(|s| assert!(s.read("out/lpars/SYSA/apps/ZCEEAPP.ceeopts").contains("&PAYPW."))),
    ];
    check("secrets", &cases);
}

#[test]
fn injection() {
    let cases = [
        case("a line break in the fleet name", |s| build_seed(s, "fleet(\"MYCOM\")", "fleet(\"MY\\nPWN(1).\")"), 1, &["ZAT0106", "line break", "fleet.rhai:"]).after(no_bundle),
        case("a line break in a server name", |s| build_seed(s, "zos_connect_server(\"ZCEE\"", "zos_connect_server(\"ZC\\nEVIL\""), 1, &["ZAT0106", "\"ZC\\u{a}EVIL\""]).lacks(&["`server`"]).after(no_bundle),
        case("a policy statement in a server name", |s| build_seed(s, "zos_connect_server(\"ZCEE\"", "zos_connect_server(\"ZCEE\\nTTLSRule X\\n{\\n}\""), 1, &["ZAT0106"]).after(no_bundle),
        case("a control character in a host", |s| build_seed(s, "zceeserver.mycom.com", "zcee\\u0001server.mycom.com"), 1, &["ZAT0106", "U+0001"]).after(no_bundle),
        case("a blank in a host", |s| build_seed(s, "zceeserver.mycom.com", "zcee server.mycom.com"), 1, &["ZAT0112"]).after(no_bundle),
        case("a bidi override in an LPAR name", |s| build_seed(s, "site.lpar(\"SYSA\"", "site.lpar(\"SYS\\u202eA\""), 1, &["ZAT0106", "U+202E"]).after(no_bundle),
        case("a line break in a requester name", |s| build_seed(s, "api_requester(\"ZCEEAPP\"", "api_requester(\"ZCEE\\nPWN(1).\""), 1, &["ZAT0106"]).after(no_bundle),
        case("a tab in a stack name", |s| build_seed(s, "sysa.stack(\"TCPIP\"", "sysa.stack(\"TCP\\tIP\""), 1, &["ZAT0106", "a tab"]).after(no_bundle),
        case("a carriage return in a certificate CN", |s| build_seed(s, "CN: \"ZCEESERVER.MYCOM.COM\"", "CN: \"ZCEE\\rSERVER\""), 1, &["ZAT0106", "line break"]).after(no_bundle),
        case("a line break in a syslog path", |s| build_seed(s, "#{ security_database: plex }", "#{ security_database: plex, syslog: #{ attls_log: \"/var/log/a\\n*.* /etc/passwd\" } }"), 1, &["ZAT0106"]).after(no_bundle),
        case("a line break in a Policy Agent folder", |s| build_seed(s, "#{ security_database: plex }", "#{ security_database: plex, pagent: #{ config_dir: \"/etc/pagent\\nTTLSRule X\" } }"), 1, &["ZAT0106"]).after(no_bundle),
        case("a data set name with a member as tcpparms", |s| build_seed(s, "let plex =", "site.defaults(#{ tcpparms: \"SYS1.TCPPARMS(ABC)\" });\nlet plex ="), 1, &["ZAT0114", "names a member"]).lacks(&["(ABC)("]).after(no_bundle),
        case("a member in the high-level qualifier", |s| build_seed(s, "let plex =", "site.defaults(#{ hlq: \"SYS2.ZAT(X)\" });\nlet plex ="), 1, &["ZAT0114"]).after(no_bundle),
        case("a code page 1047 variant character in accounting", |s| build_seed(s, "let plex =", "site.defaults(#{ job: #{ accounting: \"NET!1\" } });\nlet plex ="), 1, &["ZAT0106", "code page 1047"]).after(no_bundle),
        case("a line break in the JOB card programmer", |s| build_seed(s, "let plex =", "site.defaults(#{ job: #{ programmer: \"A\\n//PWN EXEC PGM=IEFBR14\" } });\nlet plex ="), 1, &["ZAT0106"]).after(no_bundle),
        case("a value of 2,000 characters", |s| build_seed(s, "#{ security_database: plex }", &format!("#{{ security_database: plex, syslog: #{{ error_log: \"/{}\" }} }}", "x".repeat(2000))), 1, &["ZAT0106", "no generated file takes more than 1023"]).after(no_bundle),
        case("a line break given with --set", |s| { let script = seed_with(s, "fleet(\"MYCOM\")", "fleet(param(\"name\", \"MYCOM\"))"); s.zat(&["build", script.as_str(), "-o", "out", "--set", "name=MY\nPWN"]) }, 2, &["a --set value must be one line"]).after(no_bundle),
        case("a neutral --set value builds (control)", |s| { let script = seed_with(s, "fleet(\"MYCOM\")", "fleet(param(\"name\", \"MYCOM\"))"); s.zat(&["build", script.as_str(), "-o", "out", "--set", "name=OTHERCO"]) }, 0, &[])
            .after(|s| assert!(s.read("out/README.md").contains("OTHERCO"))),
    ];
    check("injection", &cases);
}
