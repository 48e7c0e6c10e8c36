//! Shell integration: completion scripts, dynamic completion of LPAR names and diagnostic
//! codes, and the manual pages generated from clap.

use std::process::Command;

use crate::{fixtures, repo, zat_in};

/// What zat answers when a shell asks it to complete the last of `words` (fish's protocol:
/// one candidate per line, a tab before its description).
fn complete(words: &[&str]) -> Vec<String> {
    complete_in(&repo(), words)
}

fn complete_in(dir: &std::path::Path, words: &[&str]) -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_zat"))
        .arg("--")
        .args(words)
        .current_dir(dir)
        .env("COMPLETE", "fish")
        .output()
        .expect("zat runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line.split('\t').next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn only_completes_the_lpars_of_the_script_on_the_line() {
    assert_eq!(
        complete(&["zat", "build", "scripts/fleet.rhai", "--only", "S"]),
        ["SYS1", "SYS2", "SYS3"]
    );
    assert_eq!(complete(&["zat", "diff", "scripts/fleet.rhai", "--only", "sys2"]), ["SYS2"]);
    assert!(complete(&["zat", "build", "--only", "S"]).is_empty(), "no script, no names");
}

/// The LPARs offered are those the command would build: its `--set` and `--lib` count, and
/// so do the parameters and library folders of the `zat.toml` beside the script.
#[test]
fn only_completes_with_the_scripts_parameters_and_libraries() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("t2")).expect("t2");
    std::fs::copy(fixtures().join("param_lpars.rhai"), dir.path().join("t2/fleet.rhai"))
        .expect("script");
    let lib = fixtures().join("names-lib");
    let lib = lib.to_string_lossy();
    let sys = |n: usize| (1..=n).map(|i| format!("SYS{i}")).collect::<Vec<_>>();
    let names = |words: &[&str]| complete_in(dir.path(), words);

    // The script's imports need --lib: without it there is nothing to offer.
    assert!(names(&["zat", "build", "t2/fleet.rhai", "--only", ""]).is_empty());
    assert_eq!(names(&["zat", "build", "t2/fleet.rhai", "--lib", &lib, "--only", ""]), sys(3));
    let set = ["zat", "build", "t2/fleet.rhai", "--lib", &lib, "--set", "lpars=7", "--only", ""];
    assert_eq!(names(&set), sys(7));
    let inline = format!("--lib={lib}");
    assert_eq!(
        names(&["zat", "check", "t2/fleet.rhai", &inline, "--set=lpars=2", "--only", ""]),
        sys(2)
    );

    std::fs::write(
        dir.path().join("t2/zat.toml"),
        format!("lib = [{:?}]\n[params]\nlpars = 5\n", fixtures().join("names-lib")),
    )
    .expect("zat.toml");
    assert_eq!(names(&["zat", "build", "t2/fleet.rhai", "--only", ""]), sys(5));
    assert_eq!(names(&["zat", "build", "t2/fleet.rhai", "--set", "lpars=7", "--only", ""]), sys(7));
}

#[test]
fn codes_complete_for_explain_and_allow() {
    let codes = complete(&["zat", "explain", "ZAT034"]);
    assert!(codes.contains(&"ZAT0342".to_owned()), "{codes:?}");
    assert!(codes.iter().all(|c| c.starts_with("ZAT034")), "{codes:?}");
    let codes = complete(&["zat", "check", "x.rhai", "--allow", "zat000"]);
    assert!(codes.contains(&"ZAT0001".to_owned()), "{codes:?}");
}

#[test]
fn completion_scripts_call_zat_back() {
    for shell in ["bash", "zsh", "fish"] {
        let out = zat_in(&repo(), &["completions", shell]);
        out.expect_code(0);
        assert!(out.stdout.contains("COMPLETE="), "{shell}: {}", out.stdout);
    }
}

#[test]
fn the_man_page_lists_every_command() {
    let out = zat_in(&repo(), &["man"]);
    out.expect_code(0);
    assert!(out.stdout.starts_with(".ie") || out.stdout.contains(".TH zat 1"), "{}", out.stdout);
    for command in ["check", "build", "diff", "report", "lint", "explain", "completions"] {
        assert!(out.stdout.contains(command), "the page lacks {command}");
    }
    assert!(!out.stdout.contains("__plugin\\-worker"), "hidden commands stay hidden");
    let dir = tempfile::tempdir().expect("temp dir");
    zat_in(&repo(), &["man", "--dir", &dir.path().to_string_lossy()]).expect_code(0);
    let build = std::fs::read_to_string(dir.path().join("zat-build.1")).expect("zat-build.1");
    for flag in ["deny\\-warnings", "allow", "only", "format"] {
        assert!(build.contains(flag), "zat-build.1 lacks {flag}");
    }
    // A folder that does not exist yet is made, as the help's example needs.
    let deeper = dir.path().join("share/man/man1");
    zat_in(&repo(), &["man", "--dir", &deeper.to_string_lossy()]).expect_code(0);
    assert!(deeper.join("zat-build.1").is_file());
}
