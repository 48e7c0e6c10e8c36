//! The output folder as a user meets it: an edit zat must find even with its mtime put back,
//! a folder named as `out/.`, and a folder of the user's that `--check` and `diff` refuse as
//! `zat build` does.

use std::io::Write as _;
use std::path::Path;

use crate::{repo, zat_in};

/// The example fleet; its one warning (ZAT0342) is allowed.
const EXAMPLE: &str = "examples/zos-connect-requester/fleet.rhai";

fn zat(args: &[&str]) -> crate::Output {
    let mut all = args.to_vec();
    all.extend(["--allow", "ZAT0342"]);
    zat_in(&repo(), &all)
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// An edit in place that keeps the size, with the old mtime put back (as `touch -d`, or `cp -p`
/// of an older copy over the file, give), keeps the file's inode, mtime and size: the ctime
/// tells. `--check` and `diff` show it, `zat build` refuses to replace it.
#[test]
fn an_edit_with_its_mtime_put_back_is_found_by_check_diff_and_build() {
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    zat(&["build", EXAMPLE, "-o", text(&out), "-q"]).expect_code(0);
    zat(&["build", EXAMPLE, "-o", text(&out), "-q"]).expect_code(0);
    let path = "lpars/SYSA/pagent/TCPIP.policy";
    let file = out.join(path);
    let bytes = std::fs::read(&file).expect("policy");
    let at = bytes.windows(2).position(|w| w == b"On").expect("an On in the policy");
    let mtime = std::fs::metadata(&file).and_then(|m| m.modified()).expect("mtime");
    let mut handle = std::fs::OpenOptions::new().write(true).open(&file).expect("open");
    std::io::Seek::seek(&mut handle, std::io::SeekFrom::Start(at as u64)).expect("seek");
    handle.write_all(b"Of").expect("edit in place");
    handle.set_modified(mtime).expect("put the mtime back");
    drop(handle);
    let check = zat(&["build", EXAMPLE, "-o", text(&out), "--check"]);
    check.expect_code(1);
    assert!(check.stdout.contains(path), "{}", check.stdout);
    let diff = zat(&["diff", EXAMPLE, "-o", text(&out), "--exit-code"]);
    diff.expect_code(1);
    assert!(diff.stdout.contains(&format!("diff a/{path} b/{path}")), "{}", diff.stdout);
    zat(&["build", EXAMPLE, "-o", text(&out)])
        .expect_code(2)
        .stderr_has(&format!("{path} (changed since zat wrote it)"));
    let kept = std::fs::read(&file).expect("policy");
    assert_eq!(&kept[at..at + 2], b"Of", "the edit is left where it is");
}

/// `-o out/.` names the folder `out`: the build replaces it and keeps its base, as `-o out`.
#[test]
fn an_output_folder_named_with_a_trailing_dot_is_the_folder() {
    let work = tempfile::tempdir().expect("temp dir");
    let out = work.path().join("out");
    zat(&["build", EXAMPLE, "-o", text(&out), "-q"]).expect_code(0);
    zat(&["build", EXAMPLE, "-o", text(&out), "-q"]).expect_code(0);
    let base = work.path().join(".out.zat-base");
    assert!(base.is_dir(), "a rebuild keeps a base");
    let dotted = format!("{}/.", text(&out));
    zat(&["build", EXAMPLE, "-o", &dotted, "-q"]).expect_code(0);
    assert!(base.is_dir(), "the base is kept");
    zat(&["build", EXAMPLE, "-o", &dotted, "--check", "-q"]).expect_code(0);
    zat(&["diff", EXAMPLE, "-o", &dotted, "--exit-code", "-q"]).expect_code(0);
    let mut names: Vec<String> = std::fs::read_dir(work.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".out.zat-base", "out"]);
}

/// A folder of the user's (no MANIFEST.json) is one no build replaces: `--check` and `diff`
/// refuse it as `zat build` does, with the same message and exit 2, rather than describe
/// a build that would remove the user's file.
#[test]
fn check_and_diff_refuse_a_folder_that_is_not_a_bundle_as_build_does() {
    let work = tempfile::tempdir().expect("temp dir");
    let mine = work.path().join("mine");
    std::fs::create_dir(&mine).expect("mkdir");
    std::fs::write(mine.join("a"), "notes\n").expect("write");
    let build = zat(&["build", EXAMPLE, "-o", text(&mine), "-q"]);
    build.expect_code(2).stderr_has("it has no MANIFEST.json");
    let refusal = build.stderr.lines().find(|l| l.contains("MANIFEST.json")).expect("the reason");
    for args in [vec!["build", "--check"], vec!["diff", "--exit-code"], vec!["diff"]] {
        let mut args = args;
        args.splice(1..1, [EXAMPLE, "-o", text(&mine)]);
        let out = zat(&args);
        out.expect_code(2).stderr_has(refusal);
        assert!(!out.stdout.contains("removed"), "{args:?}: {}", out.stdout);
    }
    // A file given as the output folder too.
    let file = work.path().join("file");
    std::fs::write(&file, "mine\n").expect("write");
    for args in [
        vec!["build", EXAMPLE, "-o", text(&file), "--check"],
        vec!["diff", EXAMPLE, "-o", text(&file)],
    ] {
        zat(&args).expect_code(2).stderr_has("it is a file, not a folder");
    }
    assert_eq!(std::fs::read_to_string(mine.join("a")).expect("kept"), "notes\n");
}
