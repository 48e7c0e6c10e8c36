//! The bundle's deploy scripts end to end: `deploy/zowe.sh` run against a stub `zowe` that
//! records its calls (every file uploaded to its manifest placement, every job submitted in
//! runbook order, a stop at the first failure, one LPAR alone, no credentials), and
//! `deploy/playbook.yml` checked for the same order, by `ansible-playbook --syntax-check`, and
//! run against stand-in collection modules that check their options and record their calls.
//!
//! The bundles put their z/OS UNIX files under `uss/` beside the bundle (the fleet's Policy
//! Agent folder is moved there), which stands for the LPAR's file system: the stub makes
//! folders and files there as z/OSMF would (one folder level at a time, no file in a folder
//! that is missing), and the playbook's `ansible.builtin.file` makes its folders there for
//! real, so that no run touches the test machine's `/etc`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::plugins::{fleet_script, text, zat};

/// The fleet script's bundle, built by the real binary into a fresh folder, with the Policy
/// Agent files under `uss/etc/pagent` beside it ([`rooted_fleet`]).
fn bundle() -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().expect("temp dir");
    let script = work.path().join("fleet.rhai");
    std::fs::write(&script, rooted_fleet(work.path())).expect("fleet script");
    let out = work.path().join("bundle with space");
    let scripts = fleet_script().parent().expect("scripts").to_string_lossy().into_owned();
    let output =
        zat(&["build", &script.to_string_lossy(), "--lib", &scripts, "-o", &out.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    (work, out)
}

/// `scripts/fleet.rhai` with the Policy Agent folder of every LPAR in `work/uss/etc/pagent`:
/// `work/uss` is the LPAR's `/`, a fresh one, which has no `etc` yet.
fn rooted_fleet(work: &Path) -> String {
    let original = std::fs::read_to_string(fleet_script()).expect("fleet script");
    let folder =
        format!("hlq: \"SYS2.ZAT\", pagent_dir: \"{}/etc/pagent\",", uss_root(work).display());
    let rooted = original.replacen("hlq: \"SYS2.ZAT\",", &folder, 1);
    assert_ne!(
        rooted, original,
        "scripts/fleet.rhai no longer sets hlq: move its Policy Agent folder otherwise"
    );
    rooted
}

/// The folder that stands for the LPAR's `/` beside a bundle.
fn uss_root(work: &Path) -> PathBuf {
    work.join("uss")
}

fn bundle_of(script: &Path) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("bundle with space");
    let output = zat(&["build", &script.to_string_lossy(), "-o", &out.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    (work, out)
}

/// A `zowe` that appends its arguments (one call per line) to `$STUB_LOG` and answers a job
/// submission with condition code 0, or 8 for the file named by `$STUB_FAIL`. On z/OS UNIX
/// paths under `$STUB_ROOT` it acts as z/OSMF does: a listing fails on a path that is not
/// there (EDC5129I), a folder is made one level at a time, an upload or a new folder needs
/// its folder, a download copies the file; any other path is taken as there.
const STUB: &str = r#"#!/bin/sh
printf '%s\n' "$*" >> "$STUB_LOG"
if [ -n "${STUB_WAIT:-}" ]; then
    while [ ! -e "$STUB_WAIT" ]; do sleep 0.05; done
fi
ours() { [ -n "${STUB_ROOT:-}" ] && case "$1" in "$STUB_ROOT"/*) return 0 ;; esac; return 1; }
missing() { printf 'EDC5129I No such file or directory: %s\n' "$1" >&2; exit 1; }
case "$1 $2 $3" in
    "zos-jobs submit local-file")
        cc="CC 0000"
        if [ -n "$STUB_FAIL" ]; then
            case "$4" in *"$STUB_FAIL") cc="CC 0008" ;; esac
        fi
        printf '{\n  "success": true,\n  "data": {\n    "jobid": "JOB00042",\n    "retcode": "%s"\n  }\n}\n' "$cc" ;;
    "zos-files list uss-files")
        if [ -n "${STUB_ZOSMF_DOWN:-}" ]; then echo "connect ECONNREFUSED" >&2; exit 1; fi
        if ours "$4" && [ ! -e "$4" ]; then missing "$4"; fi ;;
    "zos-files create uss-directory")
        if ours "$4"; then mkdir -- "$4" 2>/dev/null || missing "$(dirname -- "$4")"; fi ;;
    "zos-files upload file-to-uss")
        if ours "$5"; then cp -- "$4" "$5" 2>/dev/null || missing "$(dirname -- "$5")"; fi ;;
    "zos-files download uss-file")
        if ours "$4"; then
            [ "$5" = --file ] || { echo "stub: download without --file" >&2; exit 1; }
            mkdir -p -- "$(dirname -- "$6")" && cp -- "$4" "$6" || missing "$4"
        fi ;;
esac
exit 0
"#;

/// Runs `sh deploy/zowe.sh ARGS` with the stub first on PATH; returns its output and the
/// recorded calls.
fn deploy(out: &Path, args: &[&str], fail: &str) -> (Output, Vec<String>) {
    run_script(out, "deploy/zowe.sh", args, fail)
}

/// Runs `sh SCRIPT ARGS` of the bundle with the stub first on PATH.
fn run_script(out: &Path, script: &str, args: &[&str], fail: &str) -> (Output, Vec<String>) {
    let (mut command, log) = script_command(out, script, args, fail);
    let output = command.output().expect("run sh");
    (output, calls(&log))
}

/// `sh SCRIPT ARGS` of the bundle with the stub first on PATH, and the stub's log.
fn script_command(out: &Path, script: &str, args: &[&str], fail: &str) -> (Command, PathBuf) {
    let stub_dir = out.parent().expect("parent").join("stub");
    std::fs::create_dir_all(&stub_dir).expect("stub dir");
    let stub = stub_dir.join("zowe");
    std::fs::write(&stub, STUB).expect("write stub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let log = stub_dir.join("calls.log");
    let _ = std::fs::remove_file(&log);
    let root = uss_root(out.parent().expect("parent"));
    std::fs::create_dir_all(&root).expect("the LPAR's /");
    let path = format!("{}:{}", stub_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut command = Command::new("sh");
    command
        .arg(out.join(script))
        .args(args)
        .env("PATH", path)
        .env("STUB_LOG", &log)
        .env("STUB_FAIL", fail)
        .env("STUB_ROOT", &root)
        .env_remove("STUB_WAIT")
        .env_remove("ZAT_ZOWE_PROFILE");
    (command, log)
}

/// The calls the stub recorded.
fn calls(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log).unwrap_or_default().lines().map(str::to_owned).collect()
}

/// Polls `ready` for up to a minute.
fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The manifest's files with a placement, as (path, placement).
fn placements(out: &Path) -> Vec<(String, serde_json::Value)> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("MANIFEST.json")).expect("manifest"))
            .expect("manifest is JSON");
    manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|file| !file["placement"].is_null())
        .map(|file| (file["path"].as_str().expect("path").to_owned(), file["placement"].clone()))
        .collect()
}

/// The bundle paths of the jobs submitted, in call order.
fn submitted(out: &Path, calls: &[String]) -> Vec<String> {
    let prefix = format!("zos-jobs submit local-file {}/", out.display());
    calls
        .iter()
        .filter_map(|call| call.strip_prefix(&prefix))
        .map(|rest| rest.split(' ').next().expect("a path").to_owned())
        .collect()
}

/// The position of the call that uploads `path`, if any.
fn upload_index(out: &Path, calls: &[String], path: &str) -> Option<usize> {
    let needle = format!(" {}/{path} ", out.display());
    calls.iter().position(|call| call.starts_with("zos-files upload") && call.contains(&needle))
}

/// The runbook order of scripts/fleet.rhai (3 LPARs): each database's setup job before the
/// first LPAR that uses it, then that LPAR's SERVAUTH job.
const JOB_ORDER: [&str; 5] = [
    "security/PLEX1/racf/SETUP.jcl",
    "lpars/SYS1/racf/SERVAUTH.jcl",
    "security/PLEX2/racf/SETUP.jcl",
    "lpars/SYS2/racf/SERVAUTH.jcl",
    "lpars/SYS3/racf/SERVAUTH.jcl",
];

#[test]
fn zowe_script_uploads_every_file_to_its_placement_and_submits_jobs_in_runbook_order() {
    let (_work, out) = bundle();
    let (output, calls) = deploy(&out, &[], "");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(submitted(&out, &calls), JOB_ORDER, "{calls:#?}");
    let mut uploads = 0;
    for (path, placement) in placements(&out) {
        let Some(destination) = destination(&placement) else { continue };
        let command =
            if placement["kind"] == "uss_file" { "file-to-uss" } else { "file-to-data-set" };
        let expected = format!(
            "zos-files upload {command} {}/{path} {destination} --encoding IBM-1047 --zosmf-profile {}",
            out.display(),
            path.split('/').nth(1).expect("an LPAR folder")
        );
        assert!(calls.contains(&expected), "no call {expected} in {calls:#?}");
        uploads += 1;
        // Each LPAR's files go up after its SERVAUTH job and before the next LPAR's jobs.
        let lpar = path.split('/').nth(1).expect("lpar");
        let at = upload_index(&out, &calls, &path).expect("uploaded");
        let servauth = format!("lpars/{lpar}/racf/SERVAUTH.jcl");
        let servauth_at = calls.iter().position(|c| c.contains(&servauth)).expect("servauth");
        assert!(servauth_at < at, "{path} uploaded before {servauth}");
        if lpar == "SYS1" {
            let next =
                calls.iter().position(|c| c.contains("PLEX2/racf/SETUP.jcl")).expect("PLEX2");
            assert!(at < next, "{path} uploaded after the next LPAR's jobs");
        }
    }
    // Per LPAR: pagent.conf, and per stack an image, a policy, a profile and an obey member
    // (syslog.conf is a snippet a person merges, never uploaded over the site's file).
    assert!(uploads >= 19, "only {uploads} uploads");
    // Jobs, uploads and what they need (a look for what is there, folders made, a copy of a
    // file replaced): no credential on any command line, no other zowe command.
    for call in &calls {
        assert!(!call.contains("--password") && !call.contains("--user"), "{call}");
        assert!(
            ["zos-jobs submit", "zos-files upload", "zos-files list uss-files"]
                .iter()
                .chain(&["zos-files create uss-directory", "zos-files download uss-file"])
                .any(|command| call.starts_with(command)),
            "{call}"
        );
    }
    // What cannot be uploaded is listed for a person.
    let stderr = text(&output.stderr);
    assert!(stderr.contains("left to do by hand"), "{stderr}");
    assert!(stderr.contains("lpars/SYS1/zosconnect/ZCEE1.server.xml"), "{stderr}");
    // So are the database jobs a person runs (a password to put in, partners' CA data sets
    // to wait for), each once: never submitted, never forgotten.
    let by_hand = by_hand_jobs(&out);
    assert!(by_hand.iter().any(|j| j.ends_with("/IMPORT.jcl")), "{by_hand:?}");
    for job in &by_hand {
        assert_eq!(stderr.matches(job.as_str()).count(), 1, "{job} listed once: {stderr}");
        assert!(!calls.iter().any(|c| c.contains(job.as_str())), "{job} submitted");
    }
}

/// The security jobs of the bundle that a person runs: KEY.jcl and IMPORT.jcl.
fn by_hand_jobs(out: &Path) -> Vec<String> {
    let mut jobs = Vec::new();
    for database in std::fs::read_dir(out.join("security")).expect("security").flatten() {
        for job in ["KEY.jcl", "IMPORT.jcl"] {
            let path = database.path().join("racf").join(job);
            if path.is_file() {
                let name = database.file_name().to_string_lossy().into_owned();
                jobs.push(format!("security/{name}/racf/{job}"));
            }
        }
    }
    jobs
}

#[test]
fn zowe_script_stops_at_the_first_failing_job() {
    let (_work, out) = bundle();
    let (output, calls) = deploy(&out, &[], "lpars/SYS2/racf/SERVAUTH.jcl");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(submitted(&out, &calls), JOB_ORDER[..4], "{calls:#?}");
    let last = calls.last().expect("calls");
    assert!(last.contains("lpars/SYS2/racf/SERVAUTH.jcl"), "nothing after the failure: {last}");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("ended with CC 0008"), "{stderr}");
    // It says how to go on: the listing and a build against it, or skipping the database's
    // jobs when they ended with 0 before.
    for way_on in [
        "submit security/PLEX2/racf/DISCOVER.jcl (read-only)",
        "zat build --state PLEX2=FILE",
        "run this script again with --skip-database-jobs",
    ] {
        assert!(stderr.contains(way_on), "{way_on}: {stderr}");
    }
    // With a higher limit, the same condition code lets it go on.
    let (output, calls) = deploy(&out, &["--max-cc", "8"], "lpars/SYS2/racf/SERVAUTH.jcl");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(submitted(&out, &calls), JOB_ORDER);
}

#[test]
fn zowe_script_runs_one_lpar_with_its_database_jobs() {
    let (_work, out) = bundle();
    let (output, calls) = deploy(&out, &["--lpar", "SYS3"], "");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        submitted(&out, &calls),
        ["security/PLEX1/racf/SETUP.jcl", "lpars/SYS3/racf/SERVAUTH.jcl"]
    );
    assert!(
        calls
            .iter()
            .filter(|c| c.starts_with("zos-files upload"))
            .all(|c| c.contains("/lpars/SYS3/"))
    );
    assert!(calls.iter().all(|c| c.ends_with("--zosmf-profile SYS3")), "{calls:#?}");
    let (output, calls) = deploy(&out, &["--lpar", "SYS3", "--skip-database-jobs"], "");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(submitted(&out, &calls), ["lpars/SYS3/racf/SERVAUTH.jcl"]);
    // The jobs a person runs are still theirs to run when this run skips the database's.
    let said = text(&output.stderr);
    let by_hand = said.split_once("left to do by hand:").map_or("", |(_, rest)| rest);
    assert!(by_hand.contains("security/PLEX1/racf/IMPORT.jcl"), "{said}");
    let (output, calls) = deploy(&out, &["--lpar", "NOPE"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(calls.is_empty());
    assert!(text(&output.stderr).contains("no LPAR NOPE"), "{}", text(&output.stderr));
}

/// An LPAR's part of the script, run by itself, calls nothing and names the command to run.
#[test]
fn an_lpar_part_run_alone_does_nothing_and_says_what_to_run() {
    let (_work, out) = bundle();
    let (output, calls) = run_script(&out, "deploy/lpars/SYS2.sh", &[], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(calls.is_empty(), "{calls:#?}");
    let said = text(&output.stderr);
    assert!(said.contains("sh deploy/zowe.sh --lpar SYS2"), "{said}");
}

/// The PKCS#12 export waits for its password in KEY.jcl, a job of its own that the deploy
/// script never submits: the setup jobs and files deploy, and KEY stays for the person who
/// types the password.
#[test]
fn zowe_script_never_submits_the_job_waiting_for_a_pkcs12_password() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/zos-connect-requester/fleet.rhai");
    let (_work, out) = bundle_of(&example);
    assert!(out.join("security/PLEX1/racf/KEY.jcl").is_file());
    let (output, calls) = deploy(&out, &[], "");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let jobs = submitted(&out, &calls);
    assert!(jobs.iter().any(|job| job.ends_with("PLEX1/racf/SETUP.jcl")), "{jobs:?}");
    assert!(!jobs.iter().any(|job| job.ends_with("KEY.jcl")), "{jobs:?}");
}

/// The playbook names the same jobs in the same order, and copies every uploaded file to the
/// same place. Without a YAML parser in the workspace, its structure is checked line by line;
/// `ansible-playbook --syntax-check` checks it for real when Ansible is installed (CI installs
/// it: there, its absence fails the test).
#[test]
fn playbook_follows_the_same_order() {
    let (_work, out) = bundle();
    let playbook = playbook_with_parts(&out);
    let jobs: Vec<&str> = playbook
        .lines()
        .filter_map(|line| line.trim().strip_prefix("zat_file: !unsafe \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .filter(|path| path.ends_with(".jcl"))
        .collect();
    // The database plays come first for their database, run once.
    assert_eq!(jobs, JOB_ORDER, "{playbook}");
    for (path, placement) in placements(&out) {
        if let Some(dest) = placement["path"].as_str() {
            let line = format!("copy {path} to {dest}\"");
            assert!(playbook.contains(&line), "no task {line}");
        }
    }
    assert!(playbook.contains("any_errors_fatal: true"));
    assert!(!playbook.contains('\t'), "YAML has no tabs");
    // The database jobs a person runs are told in the database's play, never submitted.
    for job in by_hand_jobs(&out) {
        let told = format!("msg: !unsafe \"{job}: ");
        assert!(playbook.contains(&told), "{job} not told: {playbook}");
        assert!(!playbook.contains(&format!("zat_file: !unsafe \"{job}\"")), "{job} submitted");
    }
    if let Some(output) = ansible(&out, &["--syntax-check"], "") {
        assert!(output.status.success(), "{}\n{}", text(&output.stdout), text(&output.stderr));
    }
}

/// The playbook run for real, every LPAR a local host, against stand-in modules that accept
/// exactly the options of the real `ibm.ibm_zos_core` 2.x modules (so a misspelt or retired
/// option fails the run as it would on z/OS) and record each call: the jobs go in runbook
/// order, every file to its placement, with a replace and a backup, and the first failing job
/// stops the whole run.
#[test]
fn playbook_runs_against_modules_that_record_their_calls() {
    let (_work, out) = bundle();
    let Some((output, calls)) = ansible_run(&out, "") else { return };
    assert!(output.status.success(), "{}\n{}", text(&output.stdout), text(&output.stderr));
    let jobs: Vec<String> = calls
        .iter()
        .filter(|c| c["module"] == "zos_job_submit")
        .map(|c| bundle_relative(&out, &c["src"]))
        .collect::<Vec<_>>();
    assert_eq!(jobs, JOB_ORDER, "{calls:#?}");
    for call in calls.iter().filter(|c| c["module"] == "zos_job_submit") {
        assert_eq!(call["remote_src"], false, "the JCL is on the controller: {call}");
        assert!(call["wait_time"].as_u64().is_some_and(|t| t > 0), "waits for the job: {call}");
        assert_eq!(call["max_rc"], 0, "{call}");
    }
    let copies: Vec<(String, String)> = calls
        .iter()
        .filter(|c| c["module"] == "zos_copy")
        .map(|c| {
            assert_eq!(call_flag(c, "force"), Some(true), "replaces what is there: {c}");
            assert_eq!(call_flag(c, "backup"), Some(true), "keeps the old file: {c}");
            let dest = c["dest"].as_str().expect("dest").to_owned();
            (bundle_relative(&out, &c["src"]), dest)
        })
        .collect();
    let mut expected = Vec::new();
    for (path, placement) in placements(&out) {
        if let Some(dest) = destination(&placement) {
            expected.push((path, dest));
        }
    }
    let mut sorted = copies.clone();
    sorted.sort();
    expected.sort();
    assert!(!expected.is_empty());
    assert_eq!(sorted, expected, "every uploadable file copied once, to its placement");
    assert_eq!(copies_left(&out), Vec::<String>::new(), "the last play removed the run's copy");

    // A job that ends above max_rc stops every later play and task.
    let (output, calls) = ansible_run(&out, "lpars/SYS2/racf/SERVAUTH.jcl").expect("ran before");
    assert!(!output.status.success());
    let last = calls.last().expect("calls");
    assert_eq!(bundle_relative(&out, &last["src"]), "lpars/SYS2/racf/SERVAUTH.jcl", "{calls:#?}");
    let jobs = calls.iter().filter(|c| c["module"] == "zos_job_submit").count();
    assert_eq!(jobs, 4, "{calls:#?}");
    // The failing play's rescue removed the run's copy before it stopped the run.
    assert_eq!(copies_left(&out), Vec::<String>::new(), "the failed run removed its copy");
    assert!(text(&output.stdout).contains("stop the run"), "{}", text(&output.stdout));
    assert!(
        text(&output.stdout).contains("zat build --state PLEX2=FILE"),
        "{}",
        text(&output.stdout)
    );
    assert!(text(&output.stdout).contains("with --skip-tags database"), "{}", text(&output.stdout));
    // The script removes a copy it made, and nothing else.
    let snapshot = out.join("deploy/snapshot.sh");
    let made = Command::new("sh").arg(&snapshot).output().expect("sh");
    assert!(made.status.success(), "{}", text(&made.stderr));
    let copy = PathBuf::from(text(&made.stdout).trim_end());
    let remove = |folder: &Path| {
        Command::new("sh").arg(&snapshot).arg("--remove").arg(folder).output().expect("sh")
    };
    let refused = remove(&out.join("lpars"));
    assert!(!refused.status.success() && out.join("lpars").is_dir(), "{}", text(&refused.stderr));
    let refused = remove(&out);
    assert!(!refused.status.success() && out.is_dir(), "{}", text(&refused.stderr));
    let removed = remove(&copy);
    assert!(removed.status.success(), "{}", text(&removed.stderr));
    assert_eq!(copies_left(&out), Vec::<String>::new());
}

/// Where an uploadable file goes on z/OS: its z/OS UNIX path or `DATA.SET(MEMBER)`.
fn destination(placement: &serde_json::Value) -> Option<String> {
    match placement["kind"].as_str() {
        Some("uss_file") => Some(placement["path"].as_str().expect("path").to_owned()),
        Some("pds_member") => Some(format!(
            "{}({})",
            placement["dataset"].as_str().expect("dataset"),
            placement["member"].as_str().expect("member")
        )),
        _ => None,
    }
}

fn call_flag(call: &serde_json::Value, key: &str) -> Option<bool> {
    call[key].as_bool()
}

/// A module's `src` as a path of the bundle: every play reads the run's copy of the bundle,
/// the folder `.NAME.zat-deploy.XXXXXX` beside it that `deploy/snapshot.sh` made (and the last
/// play removed).
fn bundle_relative(out: &Path, src: &serde_json::Value) -> String {
    let src = src.as_str().expect("src");
    let name = out.file_name().expect("name").to_str().expect("UTF-8");
    let beside = format!("{}/.{name}.zat-deploy.", out.parent().expect("parent").display());
    let rest = src.strip_prefix(&beside).unwrap_or_else(|| panic!("{src} is not in a copy"));
    let (copy, relative) = rest.split_once('/').unwrap_or_else(|| panic!("{src}"));
    assert_eq!(copy.len(), 6, "mktemp's six characters: {src}");
    relative.to_owned()
}

/// The copies of `out` the playbook's runs left beside it.
fn copies_left(out: &Path) -> Vec<String> {
    let name = out.file_name().expect("name").to_str().expect("UTF-8");
    let prefix = format!(".{name}.zat-deploy.");
    std::fs::read_dir(out.parent().expect("parent"))
        .expect("list")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|file| file.starts_with(&prefix))
        .collect()
}

/// `deploy/playbook.yml` with each LPAR's play it imports in place of the import.
fn playbook_with_parts(out: &Path) -> String {
    let main = std::fs::read_to_string(out.join("deploy/playbook.yml")).expect("playbook");
    let mut whole = String::new();
    let mut imports = 0;
    for line in main.lines() {
        match line.trim().strip_prefix("ansible.builtin.import_playbook: ") {
            Some(part) => {
                let part = part.trim_start_matches("!unsafe ").trim_matches('"');
                let text = std::fs::read_to_string(out.join("deploy").join(part))
                    .unwrap_or_else(|e| panic!("imported {part}: {e}"));
                whole.push_str(&text);
                imports += 1;
            }
            None => {
                whole.push_str(line);
                whole.push('\n');
            }
        }
    }
    assert!(imports > 0, "the playbook imports each LPAR's play: {main}");
    whole
}

/// Runs the playbook with every LPAR on the local connection and returns the recorded module
/// calls; None where Ansible is not installed (outside CI).
fn ansible_run(out: &Path, fail: &str) -> Option<(Output, Vec<serde_json::Value>)> {
    let log = out.parent().expect("parent").join("modules.log");
    let _ = std::fs::remove_file(&log);
    let output = ansible(out, &[], fail)?;
    let calls = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("call is JSON"))
        .collect();
    Some((output, calls))
}

/// The two module options the playbook may use, as the collection's 2.x documentation lists
/// them (name, Ansible type), for the stand-ins' argument specs.
const JOB_SUBMIT_OPTIONS: &str = "src=str remote_src=bool wait_time=int max_rc=int \
    return_output=bool volume=str encoding=dict";
const COPY_OPTIONS: &str = "src=str dest=str remote_src=bool force=bool force_lock=bool \
    backup=bool backup_name=str mode=str owner=str group=str is_binary=bool executable=bool \
    aliases=bool asa_text=bool local_follow=bool content=str tmp_hlq=str volume=str \
    ignore_sftp_stderr=bool encoding=dict";

/// A module that accepts exactly `options` (an unknown one fails it, as AnsibleModule fails
/// the real one), appends its parameters and the SHA-256 of its source file as one JSON line
/// to `log`, checks the local source file exists, and fails a job whose source ends with
/// `fail`. While a file `pause` is beside `log`, it first writes `paused` there and waits.
fn stand_in_module(name: &str, options: &str, log: &Path, fail: &str) -> String {
    let spec: Vec<String> = options
        .split_whitespace()
        .map(|option| {
            let (key, kind) = option.split_once('=').expect("name=type");
            format!("{key:?}: dict(type={kind:?}),")
        })
        .collect();
    format!(
        r#"#!/usr/bin/python
import hashlib, json, os, time
from ansible.module_utils.basic import AnsibleModule

def main():
    module = AnsibleModule(argument_spec={{ {spec} }})
    params = {{k: v for k, v in module.params.items() if v is not None}}
    params["module"] = {name:?}
    beside = os.path.dirname({log:?})
    if os.path.exists(os.path.join(beside, "pause")):
        open(os.path.join(beside, "paused"), "w").close()
        while os.path.exists(os.path.join(beside, "pause")):
            time.sleep(0.05)
    if os.path.isfile(params["src"]):
        with open(params["src"], "rb") as source:
            params["sha256"] = hashlib.sha256(source.read()).hexdigest()
    with open({log:?}, "a") as log:
        log.write(json.dumps(params) + "\n")
    if not os.path.isfile(params["src"]):
        module.fail_json(msg="no such local file: " + params["src"])
    dest = params.get("dest", "")
    if dest.startswith("/") and not os.path.isdir(os.path.dirname(dest)):
        module.fail_json(msg="EDC5129I No such file or directory: " + os.path.dirname(dest))
    if {fail:?} and params["src"].endswith({fail:?}):
        module.fail_json(msg="the job ended with RC 8, above max_rc")
    module.exit_json(changed=True)

main()
"#,
        spec = spec.join(" "),
        log = log.display().to_string(),
    )
}

/// Runs `ansible-playbook` on the bundle's playbook with `args`, every LPAR a local host and
/// the stand-in `ibm.ibm_zos_core` collection (Ansible Galaxy is out of reach here); None
/// where Ansible is not installed, which only CI may not allow.
fn ansible(out: &Path, args: &[&str], fail: &str) -> Option<Output> {
    let mut command = ansible_command(out, args, fail)?;
    Some(command.output().expect("run ansible-playbook"))
}

/// The command [`ansible`] runs, ready to start.
fn ansible_command(out: &Path, args: &[&str], fail: &str) -> Option<Command> {
    let available = Command::new("ansible-playbook")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs ansible-core; ansible-playbook is missing"
        );
        eprintln!("ansible-playbook is not installed: the playbook is not run (CI runs it)");
        return None;
    }
    let work = out.parent().expect("parent");
    let collections = work.join("collections");
    let modules = collections.join("ansible_collections/ibm/ibm_zos_core/plugins/modules");
    std::fs::create_dir_all(&modules).expect("collection");
    std::fs::write(
        collections.join("ansible_collections/ibm/ibm_zos_core/galaxy.yml"),
        "namespace: ibm\nname: ibm_zos_core\nversion: 2.0.0\n",
    )
    .expect("galaxy.yml");
    let log = work.join("modules.log");
    for (module, options) in [("zos_copy", COPY_OPTIONS), ("zos_job_submit", JOB_SUBMIT_OPTIONS)] {
        let source = stand_in_module(module, options, &log, fail);
        std::fs::write(modules.join(format!("{module}.py")), source).expect("module");
    }
    let inventory = work.join("inventory.ini");
    std::fs::write(
        &inventory,
        "[zos]\nSYS1\nSYS2\nSYS3\n\n[zos:vars]\nansible_connection=local\n\
         ansible_python_interpreter=\"{{ ansible_playbook_python }}\"\n",
    )
    .expect("inventory");
    let mut command = Command::new("ansible-playbook");
    command
        .arg("-i")
        .arg(&inventory)
        .arg(out.join("deploy/playbook.yml"))
        .args(args)
        .env("ANSIBLE_COLLECTIONS_PATH", &collections)
        .env("ANSIBLE_LOCAL_TEMP", work.join("ansible-tmp"))
        .env("ANSIBLE_REMOTE_TEMP", work.join("ansible-remote-tmp"))
        .env("ANSIBLE_NOCOLOR", "1");
    Some(command)
}

/// A playbook run takes minutes on z/OS, and a CI job may rebuild the bundle meanwhile. The
/// run deploys from its own copy of the bundle: paused at its first module call, it lets two
/// rebuilds finish (the copy was made under the lock, which it then let go), and every file it
/// sends, before and after them, has the bytes of the bundle it started with, although the
/// new bundle differs in files it sends. Reading the bundle in place instead, the calls
/// after the pause send the new bundle's files: the test fails.
#[test]
fn playbook_deploys_one_bundle_while_a_build_replaces_it() {
    let (work, out) = bundle();
    let before = zat_core::read_tree(&out).expect("the bundle");
    let pause = work.path().join("pause");
    std::fs::write(&pause, "").expect("pause");
    let Some(mut command) = ansible_command(&out, &[], "") else { return };
    let log = work.path().join("modules.log");
    let playbook = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start");
    let paused = work.path().join("paused");
    wait_until("the playbook's first module call", || paused.exists());
    // The fleet edited twice: every LPAR's Policy Agent log level and the z/OS Connect
    // server's port. The second rebuild starts from the base the first kept, which holds the
    // inodes of the bundle the run copied: it must not write into them either.
    let original = rooted_fleet(work.path());
    let scripts = fleet_script().parent().expect("scripts").to_owned();
    for port in ["9081", "9082"] {
        let edited = original.replace("log_level: 15", "log_level: 31").replace("9080", port);
        assert_ne!(edited, original);
        let script = work.path().join("edited.rhai");
        std::fs::write(&script, edited).expect("edited script");
        let build = Command::new(crate::plugins::zat_binary())
            .args(["build", &script.to_string_lossy(), "-o", &out.to_string_lossy(), "-q"])
            .arg("--lib")
            .arg(&scripts)
            .stderr(Stdio::piped())
            .spawn()
            .expect("zat build");
        let build = std::cell::RefCell::new(build);
        wait_until("the rebuild, beside the paused playbook", || {
            build.borrow_mut().try_wait().expect("wait").is_some()
        });
        let built = build.into_inner().wait_with_output().expect("build");
        assert_eq!(built.status.code(), Some(0), "{}", text(&built.stderr));
    }
    assert!(out.with_file_name(".bundle with space.zat-base").is_dir(), "built from a base");
    let after = zat_core::read_tree(&out).expect("the new bundle");
    std::fs::remove_file(&pause).expect("resume");
    let output = playbook.wait_with_output().expect("the playbook");
    assert!(output.status.success(), "{}\n{}", text(&output.stdout), text(&output.stderr));
    let calls: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .expect("calls")
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    let mut sent_changed = 0;
    for call in &calls {
        let path = bundle_relative(&out, &call["src"]);
        let sent = call["sha256"].as_str().expect("the module read its source");
        let old = zat_core::sha256_hex(before.get(&path).expect("in the old bundle"));
        assert_eq!(sent, old, "{path} was not sent as the run's bundle had it");
        if after.get(&path).is_some_and(|new| zat_core::sha256_hex(new) != old) {
            sent_changed += 1;
        }
    }
    assert!(sent_changed >= 3, "the rebuild changed {sent_changed} of the files sent");
    assert_eq!(copies_left(&out), Vec::<String>::new(), "the copy is gone after the run");
}

#[test]
fn zowe_script_and_a_build_of_its_bundle_take_turns() {
    // A build swaps a new bundle in at its end; a deploy that ran across it would send z/OS
    // half of one bundle and half of the next. The script holds the bundle's lock shared.
    if flock_missing("the script deploys without the lock") {
        return;
    }
    let (work, out) = bundle();
    let name = out.file_name().expect("a name").to_string_lossy().into_owned();
    let lock = work.path().join(format!(".{name}.zat-lock"));
    let pause = std::time::Duration::from_millis(500);

    // A build holds the lock (`flock` stands in for it): the deploy waits, and calls nothing.
    let mut build = stand_in_build(work.path(), &lock);
    let (mut command, log) = script_command(&out, "deploy/zowe.sh", &[], "");
    let deploy = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("sh");
    std::thread::sleep(pause);
    assert!(calls(&log).is_empty(), "the deploy called zowe while a build held the bundle");
    let _ = build.kill();
    let _ = build.wait();
    ended_after_waiting(deploy, "waiting for a zat build of");
    assert!(!calls(&log).is_empty(), "the deploy ran once the build let go");
    assert!(!lock.exists(), "the last to let go removes the lock");

    // A dry run waits too: what it prints is one bundle's steps, not half of the next's.
    let mut build = stand_in_build(work.path(), &lock);
    let (mut command, _) = script_command(&out, "deploy/zowe.sh", &["--dry-run"], "");
    let mut dry = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("sh");
    std::thread::sleep(pause);
    assert!(dry.try_wait().expect("the dry run").is_none(), "the dry run went during a build");
    let _ = build.kill();
    let _ = build.wait();
    let output = ended_after_waiting(dry, "waiting for a zat build of");
    assert!(text(&output.stdout).contains("zowe zos-jobs submit"), "{}", text(&output.stdout));
    assert!(!lock.exists(), "the dry run let the lock go");

    // The deploy holds the lock (its first zowe call waits for a word): a build of the bundle
    // waits for it, then goes.
    let go = work.path().join("go");
    let (mut command, log) = script_command(&out, "deploy/zowe.sh", &[], "");
    let deploy = command.env("STUB_WAIT", &go).stderr(Stdio::piped()).spawn().expect("sh");
    wait_until("the deploy's first zowe call", || !calls(&log).is_empty());
    let script = fleet_script();
    let mut build = Command::new(crate::plugins::zat_binary())
        .args(["build", &script.to_string_lossy(), "-o", &out.to_string_lossy()])
        .env_remove("ZAT_PLUGIN_PATH")
        .stderr(Stdio::piped())
        .spawn()
        .expect("zat");
    std::thread::sleep(pause);
    assert!(build.try_wait().expect("the build").is_none(), "the build went during the deploy");
    assert_eq!(calls(&log).len(), 1, "the deploy is still at its first call");
    std::fs::write(&go, "").expect("go");
    let deployed = deploy.wait_with_output().expect("the deploy");
    assert_eq!(deployed.status.code(), Some(0), "{}", text(&deployed.stderr));
    ended_after_waiting(build, "waiting for another zat run");
    assert!(!lock.exists(), "no lock file stays");
}

/// A build holding the bundle's lock, as `flock` stands in for it: returned once it holds it.
fn stand_in_build(work: &Path, lock: &Path) -> std::process::Child {
    let held = work.join("held");
    let _ = std::fs::remove_file(&held);
    let build = Command::new("flock")
        .args(["-o", "-x"])
        .arg(lock)
        .args(["-c", "touch held; sleep 60"])
        .current_dir(work)
        .spawn()
        .expect("flock");
    wait_until("the stand-in build took the lock", || held.exists());
    build
}

/// Waits for `child`, which must end well and have said on stderr that it waited (`said`);
/// its output.
fn ended_after_waiting(child: std::process::Child, said: &str) -> Output {
    let output = child.wait_with_output().expect("wait");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(said), "it did not say it waited: {stderr}");
    output
}

/// Whether this machine lacks flock(1) (util-linux), which the scripts' lock needs; says what
/// the scripts then do, and that the test is skipped.
fn flock_missing(then: &str) -> bool {
    let missing = Command::new("flock").arg("--version").output().is_err();
    if missing {
        eprintln!("skipped: no flock(1) on this machine; {then}");
    }
    missing
}

/// `deploy/snapshot.sh` waits while a build holds the bundle's lock, then copies the bundle by
/// hard links (the same bytes, the same inodes, no room taken) beside it and prints where.
#[test]
fn snapshot_script_waits_for_a_build_and_links_the_bundle_beside_it() {
    use std::os::unix::fs::MetadataExt as _;
    if flock_missing("the copy is made without the lock") {
        return;
    }
    let (work, out) = bundle();
    let lock = work.path().join(".bundle with space.zat-lock");
    let held = work.path().join("held");
    // A stand-in build: the lock taken alone, for as long as `held` is there (made first, so
    // that the stand-in cannot find it missing and let go at once).
    std::fs::write(&held, "").expect("hold");
    let build = Command::new("flock")
        .arg("-x")
        .arg(&lock)
        .args(["sh", "-c", r#": > "$1.taken"; while [ -e "$1" ]; do sleep 0.05; done"#, "sh"])
        .arg(&held)
        .spawn()
        .expect("flock");
    let taken = held.with_extension("taken");
    wait_until("the stand-in build's lock", || taken.exists());
    let snapshot = Command::new("sh")
        .arg(out.join("deploy/snapshot.sh"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(copies_left(&out).is_empty(), "no copy while a build holds the lock");
    std::fs::remove_file(&held).expect("let go");
    let output = ended_after_waiting(snapshot, "waiting for a zat build of");
    let mut build = build;
    build.wait().expect("the stand-in build");
    let copy = PathBuf::from(text(&output.stdout).trim_end());
    assert_eq!(copies_left(&out).len(), 1);
    let mut copied = zat_core::read_tree(&copy).expect("copy");
    assert_eq!(copied.remove(".gitignore").as_deref(), Some(&b"*\n"[..]), "kept out of git");
    assert!(copied == zat_core::read_tree(&out).expect("bundle"), "the copy is the bundle");
    let inode = |root: &Path| std::fs::metadata(root.join("MANIFEST.json")).expect("stat").ino();
    assert_eq!(inode(&copy), inode(&out), "a hard link, not a copy of the bytes");
    assert!(!lock.exists(), "the last to let go removed the lock file");
    // In a repository, a copy left by a failed run is not a change to commit; the bundle is.
    let git = |args: &[&str]| {
        Command::new("git").args(args).current_dir(work.path()).output().expect("git")
    };
    if git(&["init", "-q"]).status.success() {
        let status = text(&git(&["status", "--porcelain", "--untracked-files=normal"]).stdout);
        assert!(status.contains("bundle with space/"), "{status}");
        assert!(!status.contains("zat-deploy"), "the copy shows in git: {status}");
    }
}

/// A fresh LPAR has no `/etc/pagent`: the script makes every folder above a file, one level
/// at a time as z/OSMF does, before the first upload into it (without them the upload fails
/// with EDC5129I). Run again over a Policy Agent main file that is there, it downloads that
/// file first, beside the bundle, and says where, so that the back-out can give Policy Agent
/// its previous main file.
#[test]
fn zowe_script_makes_the_folders_of_a_fresh_lpar_and_keeps_the_files_it_replaces() {
    let (work, out) = bundle();
    let root = uss_root(work.path());
    let (output, calls) = deploy(&out, &["--lpar", "SYS1"], "");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let main = root.join("etc/pagent/pagent.conf");
    let sent = std::fs::read(out.join("lpars/SYS1/pagent/pagent.conf")).expect("bundle file");
    assert_eq!(std::fs::read(&main).expect("the main file on the LPAR"), sent);
    let made = |folder: &Path| {
        let call = format!("zos-files create uss-directory {} ", folder.display());
        calls.iter().position(|c| c.starts_with(&call))
    };
    let first_upload = calls.iter().position(|c| c.starts_with("zos-files upload file-to-uss"));
    let (etc, pagent) = (made(&root.join("etc")), made(&root.join("etc/pagent")));
    assert!(etc.is_some() && etc < pagent && pagent < first_upload, "{calls:#?}");
    assert!(!text(&output.stderr).contains("kept the files"), "nothing was there to keep");

    // The site's own main file, there before the next run.
    std::fs::write(&main, "the site's main file\n").expect("the site's main file");
    let (output, calls) = deploy(&out, &["--lpar", "SYS1", "--skip-database-jobs"], "");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(calls.iter().all(|c| !c.starts_with("zos-files create")), "{calls:#?}");
    assert_eq!(std::fs::read(&main).expect("main file"), sent, "replaced");
    let backups = PathBuf::from(format!("{}-backup", out.display()));
    let runs: Vec<PathBuf> = std::fs::read_dir(&backups)
        .unwrap_or_else(|e| panic!("no backup folder {}: {e}\n{stderr}", backups.display()))
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(runs.len(), 1, "one folder for the run that kept a file: {runs:?}");
    let copy = runs[0].join(format!("SYS1{}", main.display()));
    let kept = std::fs::read_to_string(&copy).unwrap_or_else(|e| panic!("{}: {e}", copy.display()));
    assert_eq!(kept, "the site's main file\n");
    assert!(stderr.contains(&format!("{} in {}", main.display(), copy.display())), "{stderr}");
}

/// A listing that fails for another reason than "no such file" (z/OSMF down) is not taken for
/// a file that is not there: the run stops before it uploads over a file it could not copy.
#[test]
fn zowe_script_stops_when_it_cannot_tell_whether_a_file_is_there() {
    let (_work, out) = bundle();
    let (mut command, log) =
        script_command(&out, "deploy/zowe.sh", &["--lpar", "SYS1", "--skip-database-jobs"], "");
    let output = command.env("STUB_ZOSMF_DOWN", "1").output().expect("run sh");
    let stderr = text(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("cannot tell whether") && stderr.contains("ECONNREFUSED"), "{stderr}");
    let calls = calls(&log);
    assert!(calls.iter().all(|c| !c.starts_with("zos-files upload")), "{calls:#?}");
}

/// `--dry-run` prints each command as it would run, its profile included and every word
/// quoted for a shell (the bundle's folder has a blank): run by `sh`, the lines make the
/// same calls as the deploy itself, on a fresh LPAR.
#[test]
fn zowe_dry_run_prints_the_commands_as_they_run() {
    let (work, out) = bundle();
    let (output, calls) = deploy(&out, &["--dry-run", "--chmod"], "");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(calls.is_empty(), "a dry run calls nothing: {calls:#?}");
    let printed = text(&output.stdout);
    for line in printed.lines() {
        assert!(line.starts_with("zowe "), "{line}");
        assert!(line.contains("-profile SYS"), "no profile: {line}");
    }
    assert!(printed.contains("zos-uss issue ssh 'chmod 0644 "), "{printed}");
    // The ssh calls need an SSH profile: run without --chmod, the two lists compare.
    let (output, _) = deploy(&out, &["--dry-run"], "");
    std::fs::write(work.path().join("dry-run.sh"), &output.stdout).expect("dry run");
    let (pasted, pasted_calls) = run_script(&out, "../dry-run.sh", &[], "");
    assert!(pasted.status.success(), "{}", text(&pasted.stderr));
    std::fs::remove_dir_all(uss_root(work.path())).expect("a fresh LPAR again");
    let (real, real_calls) = deploy(&out, &[], "");
    assert!(real.status.success(), "{}", text(&real.stderr));
    assert!(real_calls.len() > 20, "{real_calls:#?}");
    // The one difference: the name of the run's backup folder, made when it keeps a file (the
    // LPARs of this fleet share a Policy Agent folder here, so each replaces the one before's).
    let run_folder = |calls: Vec<String>| -> Vec<String> {
        calls
            .into_iter()
            .map(|call| match call.split_once("-backup/") {
                Some((head, tail)) => {
                    let rest = tail.split_once('/').map_or("", |(_, rest)| rest);
                    format!("{head}-backup/RUN/{rest}")
                }
                None => call,
            })
            .collect()
    };
    assert_eq!(run_folder(pasted_calls), run_folder(real_calls));
}

/// A placement is a plugin's text. A `mode` that is not octal permission bits never reaches
/// the remote shell of `--chmod` (it would run `rm -rf $HOME` there) nor the playbook: the
/// file is uploaded without it and the mode is left to a person. No file name, destination
/// or instruction is read as a template by Ansible: `{{`, `{%` and `{#` reach the modules as
/// written (before, only `{{` was broken, so a `{% for %}` ran and a `{# #}` vanished).
#[test]
fn hostile_placements_reach_neither_a_shell_nor_a_template() {
    let (work, out) = bundle();
    let root = uss_root(work.path());
    let jinja = "a{%for x in range(3)%}B{%endfor%}{#c#}{{x}}";
    let file = format!("lpars/SYS1/hunt/{jinja}.txt");
    let dest = format!("{}/etc/hunt/{jinja}.conf", root.display());
    let pwned = work.path().join("pwned");
    let mode = format!("0644 /dev/null; touch {}; echo", pwned.display());
    let manual = "lpars/SYS1/hunt/manual.txt";
    let instructions = "paste it {%raw%}here{%endraw%}{#, not there#}";
    let placement = |destination: serde_json::Value| {
        serde_json::from_value::<zat_plugin_api::model::Placement>(destination).expect("placement")
    };
    let hostile = [
        (
            file.as_str(),
            placement(serde_json::json!({"kind": "uss_file", "path": dest, "mode": mode,
                "transfer": "text", "code_page": "IBM-1047"})),
        ),
        (
            manual,
            placement(serde_json::json!({"kind": "manual", "instructions": instructions,
                "transfer": "text", "code_page": "IBM-1047"})),
        ),
    ];
    rerender_with(&work, &out, &hostile);

    let (output, calls) = deploy(&out, &["--lpar", "SYS1", "--chmod"], "");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let ssh: Vec<&String> = calls.iter().filter(|c| c.starts_with("zos-uss issue ssh")).collect();
    assert!(!ssh.is_empty(), "the other files get their mode: {calls:#?}");
    assert!(ssh.iter().all(|c| !c.contains(';') && !c.contains("/dev/null")), "{ssh:#?}");
    assert!(stderr.contains("is not three or four octal digits"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&dest).expect("uploaded as named"), "hostile\n");
    assert!(!pwned.exists());

    let Some((output, calls)) = ansible_run(&out, "") else { return };
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", text(&output.stderr));
    let copy = calls
        .iter()
        .find(|c| c["module"] == "zos_copy" && c["dest"] == dest.as_str())
        .unwrap_or_else(|| panic!("no copy to {dest} as written: {calls:#?}"));
    assert_eq!(bundle_relative(&out, &copy["src"]), file);
    assert!(copy.get("mode").is_none(), "{copy}");
    assert!(stdout.contains(&format!("copy {file} to {dest}")), "{stdout}");
    assert!(stdout.contains(instructions), "{stdout}");
}

/// The bundle `out` with `files` added (each holds `hostile\n`), and the runbook emitter's
/// deploy scripts rendered again over its index, as the host's index pass would render them
/// with those files in it: a plugin's placements reach the scripts as the host hands them on.
fn rerender_with(
    work: &tempfile::TempDir,
    out: &Path,
    files: &[(&str, zat_plugin_api::model::Placement)],
) {
    use zat_plugin_api::Emitter as _;
    let scripts = fleet_script().parent().expect("scripts").to_string_lossy().into_owned();
    let script = work.path().join("fleet.rhai");
    let model = zat(&["model", &script.to_string_lossy(), "--lib", &scripts]);
    assert!(model.status.success(), "{}", text(&model.stderr));
    let fleet: zat_plugin_api::model::Fleet =
        serde_json::from_slice(&model.stdout).expect("the model is a fleet");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("MANIFEST.json")).expect("manifest"))
            .expect("manifest is JSON");
    let mut index: Vec<zat_plugin_api::IndexedFile> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|file| zat_plugin_api::IndexedFile {
            path: file["path"].as_str().expect("path").to_owned(),
            emitter: file["emitter"].as_str().expect("emitter").to_owned(),
            target: file["target"].as_str().map(str::to_owned),
            placement: serde_json::from_value(file["placement"].clone()).expect("placement"),
        })
        .collect();
    for (path, placement) in files {
        let written = out.join(path);
        std::fs::create_dir_all(written.parent().expect("folder")).expect("folder");
        std::fs::write(&written, "hostile\n").expect("file");
        index.push(zat_plugin_api::IndexedFile {
            path: (*path).to_owned(),
            emitter: "hostile".to_owned(),
            target: placement.zos_name(),
            placement: Some(placement.clone()),
        });
    }
    index.sort_by(|a, b| a.path.cmp(&b.path));
    let request = zat_test_support::request(fleet).with_bundle(index);
    let response = zat_emit_runbook::RunbookEmitter.render(&request).expect("renders");
    for file in response.files.iter().filter(|f| f.path.starts_with("deploy/")) {
        std::fs::write(out.join(&file.path), &file.content).expect("deploy file");
    }
}
