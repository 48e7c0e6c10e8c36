//! `zat build --state DB=FILE` as a user runs it: a DISCOVER listing of a site that followed
//! IBM's seed page gives jobs with only the change; an unreadable listing names its line; and
//! adding one requester to scripts/fleet.rhai changes only what that requester needs.

use std::path::{Path, PathBuf};

use crate::plugins::{text, zat};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

const SEED: &str = "examples/zos-connect-requester/requester-side.rhai";
const FIXTURE: &str = "crates/zat-racf-sim/tests/fixtures/ibm-page-site.systsprt";

fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn the_ibm_page_site_gets_only_the_change() {
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    let state = format!("PLEX1={}", utf8(&repo(FIXTURE)));
    let output = zat(&["build", utf8(&repo(SEED)), "-o", utf8(&out), "--state", &state]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("ZAT0347"), "{stderr}");
    let read = |p: &str| std::fs::read_to_string(out.join(p)).expect(p);
    let setup = read("security/PLEX1/racf/SETUP.jcl");
    assert!(!setup.contains("GENCERT"), "{setup}");
    assert!(!setup.contains("ID(OMVSADM) ACCESS("), "{setup}");
    assert!(setup.contains("PLANNED AGAINST THE STATE"), "{setup}");
    let backout = read("security/PLEX1/racf/BACKOUT.jcl");
    for word in ["DELRING", "DELETE(LABEL", "RDELETE", "PERMIT IRR"] {
        assert!(!backout.contains(word), "{word}: {backout}");
    }
    // Without --state the same build says what it assumes.
    let plain = work.path().join("plain");
    let output = zat(&["build", utf8(&repo(SEED)), "-o", utf8(&plain)]);
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stderr).contains("ZAT0347"), "{}", text(&output.stderr));
}

#[test]
fn an_unreadable_listing_names_file_and_line() {
    let work = tempfile::tempdir().expect("temp dir");
    let listing = work.path().join("discover.txt");
    let mut content = std::fs::read_to_string(repo(FIXTURE)).expect("fixture");
    content.push_str("SOMETHING ZAT CANNOT READ\n");
    let line = content.lines().count();
    std::fs::write(&listing, content).expect("write");
    let state = format!("PLEX1={}", utf8(&listing));
    let out = work.path().join("out");
    let output = zat(&["build", utf8(&repo(SEED)), "-o", utf8(&out), "--state", &state]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ZAT0345") && stderr.contains(&format!("discover.txt:{line}")),
        "{stderr}"
    );
    assert!(!out.exists());
    let output = zat(&["build", utf8(&repo(SEED)), "-o", utf8(&out), "--state", "NOSUCHDB=x"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}

/// Both databases of the example: PLEX1, whose state the fixture lists, and ZCEEPLEX.
const FLEET: &str = "examples/zos-connect-requester/fleet.rhai";

/// `zat build FLEET -o out --state state`, with the warnings the example always gives allowed.
fn build_fleet(command: &[&str], out: &Path, state: &str) -> std::process::Output {
    let script = repo(FLEET);
    let mut args = command.to_vec();
    args.extend([utf8(&script), "-o", utf8(out), "--state", state]);
    args.extend(["--allow", "ZAT0342", "--allow", "ZAT0347"]);
    zat(&args)
}

/// A listing that stops before the `RACDCERT ID(OMVSADM) LISTRING` block of the site's ring,
/// or after its SETROPTS LIST, shows nothing about the ring or the profiles: planned against
/// it, BACKOUT deleted the site's ring and CA. `zat build`, `zat build --check` and `zat diff`
/// stop with an error that names the database, the file and the first unanswered commands,
/// and write nothing.
#[test]
fn a_cut_off_listing_stops_the_build_and_writes_nothing() {
    let work = tempfile::tempdir().expect("temp dir");
    let full = std::fs::read_to_string(repo(FIXTURE)).expect("fixture");
    let ring = full.find("RACDCERT ID(OMVSADM) LISTRING").expect("the ring's command");
    let setropts = full.find("RACDCERT").expect("the first RACDCERT");
    let listing = work.path().join("discover.txt");
    let state = format!("PLEX1={}", utf8(&listing));
    for (cut, first) in [
        (ring, "`RACDCERT ID(OMVSADM) LISTRING(ZOSCONN-APIR-KEYRING)`"),
        (setropts, "`RACDCERT CERTAUTH LIST(LABEL('IMSCA'))`"),
    ] {
        std::fs::write(&listing, &full[..cut]).expect("write");
        let out = work.path().join("out");
        for command in [&["build"][..], &["build", "--check"], &["diff"]] {
            let output = build_fleet(command, &out, &state);
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{command:?}: {stderr}");
            for part in [
                "ZAT0345",
                "discover.txt: the listing does not answer",
                "DISCOVER job of security database PLEX1",
                first,
                "run security/PLEX1/racf/DISCOVER.jcl again and give its whole SYSTSPRT",
            ] {
                assert!(stderr.contains(part), "{command:?}: {part}: {stderr}");
            }
            assert!(!out.exists(), "{command:?} wrote a bundle");
        }
    }
}

/// PLEX1's listing given for ZCEEPLEX answers commands ZCEEPLEX's job does not run and not
/// those of ZCEEPLEX's own server certificate and ring: refused, saying why.
#[test]
fn another_databases_listing_is_refused() {
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    let state = format!("ZCEEPLEX={}", utf8(&repo(FIXTURE)));
    let output = build_fleet(&["build"], &out, &state);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for part in [
        "DISCOVER job of security database ZCEEPLEX",
        "`RACDCERT ID(ZCEESRV) LISTRING(ZCEE-KEYRING)`",
        "it may be another database's listing",
        "run security/ZCEEPLEX/racf/DISCOVER.jcl again",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    assert!(!out.exists());
}

/// The whole listing answers every command: the build plans against it, and BACKOUT deletes
/// neither the ring nor the CA the listing shows.
#[test]
fn a_whole_listing_builds_and_backout_keeps_what_it_shows() {
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    let state = format!("PLEX1={}", utf8(&repo(FIXTURE)));
    let output = build_fleet(&["build"], &out, &state);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let read = |p: &str| std::fs::read_to_string(out.join(p)).expect(p);
    let backout = read("security/PLEX1/racf/BACKOUT.jcl");
    assert!(backout.contains("PLANNED AGAINST THE STATE"), "{backout}");
    for shown in
        ["DELRING(ZOSCONN-APIR-KEYRING)", "DELETE(LABEL('IMSCA'))", "DELETE(LABEL('ZCEECA'))"]
    {
        assert!(!backout.contains(shown), "{shown}: {backout}");
    }
    let setup = read("security/PLEX1/racf/SETUP.jcl");
    assert!(!setup.contains("ADDRING(ZOSCONN-APIR-KEYRING)"), "{setup}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// One more requester on SYS1: `zat diff` shows only SYS1's policy, CEEOPTS and runbook
/// lines, and no existing rule's priority moves.
#[test]
fn one_more_requester_changes_only_what_it_needs() {
    let work = tempfile::tempdir().expect("temp dir");
    let scripts = work.path().join("scripts");
    copy_dir(&repo("scripts"), &scripts);
    let script = scripts.join("fleet.rhai");
    let out = work.path().join("out");
    let output = zat(&["build", utf8(&script), "-o", utf8(&out)]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let original = std::fs::read_to_string(&script).expect("script");
    let anchor = "    if n == 1 {\n";
    assert!(original.contains(anchor));
    let changed = original.replacen(
        anchor,
        &format!(
            "{anchor}        tcpip.api_requester(\"BILLING\", #{{ jobname: \"BIL*\", userid: \"PAYUSR\", \
             server: zcee1, keyring: rings[plex_name], level: modern }});\n"
        ),
        1,
    );
    std::fs::write(&script, changed).expect("write");
    let output = zat(&["diff", utf8(&script), "-o", utf8(&out)]);
    let diff = text(&output.stdout);
    assert!(output.status.success() || output.status.code() == Some(1), "{}", text(&output.stderr));
    let files: Vec<&str> = diff
        .lines()
        .filter_map(|l| l.strip_prefix("+++ "))
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert!(!files.is_empty(), "{diff}");
    for file in &files {
        // The deploy scripts list the new CEEOPTS among the files to put in place by hand.
        assert!(
            file.contains("SYS1") || file.ends_with("MANIFEST.json") || file.contains("/deploy/"),
            "{file} changed:\n{diff}"
        );
    }
    // Removed lines are never an existing rule's priority.
    let removed: Vec<&str> =
        diff.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).collect();
    assert!(!removed.iter().any(|l| l.contains("Priority")), "{removed:#?}");
    assert!(diff.lines().any(|l| l.starts_with('+') && l.contains("BILLING")), "{diff}");
}

/// `zat.toml` beside the script names the DISCOVER listing of a database, so CI need not
/// repeat `--state`: the build plans against it as with the flag.
#[test]
fn the_state_can_come_from_zat_toml() {
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::copy(repo(SEED), work.path().join("fleet.rhai")).expect("copy the script");
    std::fs::copy(repo(FIXTURE), work.path().join("plex1.systsprt")).expect("copy the listing");
    std::fs::write(work.path().join("zat.toml"), "[state]\nPLEX1 = \"plex1.systsprt\"\n")
        .expect("write zat.toml");
    let out = work.path().join("out");
    let script = work.path().join("fleet.rhai");
    let output = zat(&["build", utf8(&script), "-o", utf8(&out)]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("ZAT0347"), "{stderr}");
    let setup = std::fs::read_to_string(out.join("security/PLEX1/racf/SETUP.jcl")).expect("setup");
    assert!(setup.contains("PLANNED AGAINST THE STATE") && !setup.contains("GENCERT"), "{setup}");
}
