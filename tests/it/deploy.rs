//! The bundle's deploy scripts end to end: `deploy/zowe.sh` run against a stub `zowe` that
//! records its calls (every file uploaded to its manifest placement, every job submitted in
//! runbook order, a stop at the first failure, one LPAR alone, no credentials), and
//! `deploy/playbook.yml` checked for the same order, and by `ansible-playbook --syntax-check`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::plugins::{fleet_script, text, zat};

/// The fleet script's bundle, built by the real binary into a fresh folder.
fn bundle() -> (tempfile::TempDir, PathBuf) {
    bundle_of(&fleet_script())
}

fn bundle_of(script: &Path) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("bundle with space");
    let output = zat(&["build", &script.to_string_lossy(), "-o", &out.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    (work, out)
}

/// A `zowe` that appends its arguments (one call per line) to `$STUB_LOG` and answers a job
/// submission with condition code 0, or 8 for the file named by `$STUB_FAIL`.
const STUB: &str = r#"#!/bin/sh
printf '%s\n' "$*" >> "$STUB_LOG"
if [ "$1 $2 $3" = "zos-jobs submit local-file" ]; then
    cc="CC 0000"
    if [ -n "$STUB_FAIL" ]; then
        case "$4" in *"$STUB_FAIL") cc="CC 0008" ;; esac
    fi
    printf '{\n  "success": true,\n  "data": {\n    "jobid": "JOB00042",\n    "retcode": "%s"\n  }\n}\n' "$cc"
fi
exit 0
"#;

/// Runs `sh deploy/zowe.sh ARGS` with the stub first on PATH; returns its output and the
/// recorded calls.
fn deploy(out: &Path, args: &[&str], fail: &str) -> (Output, Vec<String>) {
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
    let path = format!("{}:{}", stub_dir.display(), std::env::var("PATH").unwrap_or_default());
    let output = Command::new("sh")
        .arg(out.join("deploy/zowe.sh"))
        .args(args)
        .env("PATH", path)
        .env("STUB_LOG", &log)
        .env("STUB_FAIL", fail)
        .env_remove("ZAT_ZOWE_PROFILE")
        .output()
        .expect("run sh");
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    (output, calls.lines().map(str::to_owned).collect())
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
        let destination = match placement["kind"].as_str() {
            Some("uss_file") => placement["path"].as_str().expect("path").to_owned(),
            Some("pds_member") => format!(
                "{}({})",
                placement["dataset"].as_str().expect("dataset"),
                placement["member"].as_str().expect("member")
            ),
            _ => continue,
        };
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
    // Jobs and uploads only: no credential on any command line, no other zowe command.
    for call in &calls {
        assert!(!call.contains("--password") && !call.contains("--user"), "{call}");
        assert!(
            call.starts_with("zos-jobs submit") || call.starts_with("zos-files upload"),
            "{call}"
        );
    }
    // What cannot be uploaded is listed for a person.
    let stderr = text(&output.stderr);
    assert!(stderr.contains("put these in place by hand"), "{stderr}");
    assert!(stderr.contains("lpars/SYS1/zosconnect/ZCEE1.server.xml"), "{stderr}");
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
    let (output, calls) = deploy(&out, &["--lpar", "NOPE"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(calls.is_empty());
    assert!(text(&output.stderr).contains("no LPAR NOPE"), "{}", text(&output.stderr));
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
    let playbook = std::fs::read_to_string(out.join("deploy/playbook.yml")).expect("playbook");
    let jobs: Vec<&str> = playbook
        .lines()
        .filter_map(|line| line.trim().strip_prefix("src: \"{{ zat_bundle }}/"))
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
    syntax_check(&out);
}

fn syntax_check(out: &Path) {
    let available = Command::new("ansible-playbook")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs ansible-core; ansible-playbook is missing"
        );
        eprintln!("ansible-playbook is not installed: --syntax-check not run (CI runs it)");
        return;
    }
    // The ibm.ibm_zos_core collection comes from Ansible Galaxy, which this project's machines
    // cannot reach: a collection with the two module names (and nothing else) lets Ansible
    // resolve them, so that the check covers the playbook's YAML, plays and task keywords.
    let collections = out.parent().expect("parent").join("collections");
    let modules = collections.join("ansible_collections/ibm/ibm_zos_core/plugins/modules");
    std::fs::create_dir_all(&modules).expect("collection");
    std::fs::write(
        collections.join("ansible_collections/ibm/ibm_zos_core/galaxy.yml"),
        "namespace: ibm\nname: ibm_zos_core\nversion: 0.0.0\n",
    )
    .expect("galaxy.yml");
    for module in ["zos_copy", "zos_job_submit"] {
        std::fs::write(modules.join(format!("{module}.py")), "# stand-in for the real module\n")
            .expect("module");
    }
    let inventory = out.parent().expect("parent").join("inventory.ini");
    std::fs::write(&inventory, "[zos]\nSYS1\nSYS2\nSYS3\n").expect("inventory");
    let output = Command::new("ansible-playbook")
        .arg("-i")
        .arg(&inventory)
        .arg(out.join("deploy/playbook.yml"))
        .arg("--syntax-check")
        .env("ANSIBLE_COLLECTIONS_PATH", &collections)
        .env("ANSIBLE_LOCAL_TEMP", out.parent().expect("parent").join("ansible-tmp"))
        .output()
        .expect("run ansible-playbook");
    assert!(output.status.success(), "{}\n{}", text(&output.stdout), text(&output.stderr));
}
