//! Tests of the runbook emitter: snapshots, and that every bundle path it names is a file the
//! real emitters write (and every file they write for an LPAR is named in its runbook).

use std::collections::BTreeMap;

use zat_emit_runbook::RunbookEmitter;
use zat_plugin_api::model::Fleet;
use zat_plugin_api::{Emitter, IndexedFile, OutputFile, RenderRequest, layout};
use zat_test_support::{fixture, mentioned_paths, render, request, snapshot_all};

#[test]
fn seed_snapshots() {
    let request = indexed(&request(fixture("seed")), &ALL).0;
    snapshot_all!("seed", &render::<RunbookEmitter>(&request));
}

#[test]
fn multi_snapshots() {
    let request = indexed(&request(fixture("multi")), &ALL).0;
    snapshot_all!("multi", &render::<RunbookEmitter>(&request));
}

/// The render pass of the built-in emitters other than the runbook, by name.
type Pass = fn(&RenderRequest) -> (&'static str, Vec<OutputFile>);
const ALL: [Pass; 6] = [
    |r| ("racf", render::<zat_emit_racf::RacfEmitter>(r).files),
    |r| ("pagent", render::<zat_emit_pagent::PagentEmitter>(r).files),
    |r| ("tcpip", render::<zat_emit_tcpip::TcpipEmitter>(r).files),
    |r| ("syslog", render::<zat_emit_syslog::SyslogEmitter>(r).files),
    |r| ("ceeopts", render::<zat_emit_ceeopts::CeeoptsEmitter>(r).files),
    |r| ("zosconnect", render::<zat_emit_zosconnect::ZosConnectEmitter>(r).files),
];

/// What the host's index pass hands the runbook: the request with the files of the render
/// pass of `emitters`, and those files.
fn indexed(request: &RenderRequest, emitters: &[Pass]) -> (RenderRequest, Vec<OutputFile>) {
    let mut files = Vec::new();
    let mut index = Vec::new();
    for pass in emitters {
        let (name, written) = pass(request);
        for file in written {
            index.push(IndexedFile {
                path: file.path.clone(),
                emitter: name.to_owned(),
                target: file.target.clone(),
                placement: file.placement.clone(),
            });
            files.push(file);
        }
    }
    index.sort_by(|a, b| a.path.cmp(&b.path));
    (request.clone().with_bundle(index), files)
}

/// Every file of the emitters' render pass and the runbook's index pass, by bundle path.
fn bundle_of(request: &RenderRequest, emitters: &[Pass]) -> BTreeMap<String, OutputFile> {
    let (request, mut files) = indexed(request, emitters);
    files.extend(RunbookEmitter.render(&request).expect("renders").files);
    files.into_iter().map(|file| (file.path.clone(), file)).collect()
}

fn check_paths(fleet: Fleet, only: &[&str]) {
    check_paths_with(fleet, only, &ALL);
}

fn check_paths_with(fleet: Fleet, only: &[&str], emitters: &[Pass]) {
    let mut request = request(fleet);
    request.only_lpars = only.iter().map(|s| (*s).to_owned()).collect();
    let files = bundle_of(&request, emitters);
    let fleet = &request.fleet;
    for lpar in fleet.lpars.iter().filter(|lpar| request.includes_lpar(&lpar.name)) {
        let path = layout::runbook(&lpar.name);
        let runbook = &files.get(&path).expect("runbook").content;
        let mentioned = mentioned_paths(runbook, &layout::lpar_dir(&lpar.name));
        for mention in &mentioned {
            assert!(files.contains_key(mention), "{path} names {mention}, which no emitter writes");
        }
        // And the other way round: every file of this LPAR and its database is named,
        // with the target its emitter gave it.
        let esm = fleet.security_database(&lpar.security_database).expect("db").esm.as_str();
        let database_dir = layout::security_dir(&lpar.security_database, esm);
        for (file_path, file) in &files {
            let ours = file_path.starts_with(&format!("{}/", layout::lpar_dir(&lpar.name)))
                || file_path.starts_with(&format!("{database_dir}/"));
            if !ours || *file_path == path {
                continue;
            }
            assert!(mentioned.contains(file_path), "{path} does not name {file_path}");
            // Jobs are submitted (steps 1 and 2), every other file is copied (step 3).
            let copied = file_path.starts_with("lpars/") && !file_path.ends_with(".jcl");
            if let Some(target) = file.target.as_deref().filter(|_| copied) {
                let row = runbook
                    .lines()
                    .find(|line| line.starts_with(&format!("| [`{file_path}`]")))
                    .unwrap_or_else(|| panic!("{path} has no copy row for {file_path}"));
                assert!(row.ends_with(&format!("| {target} |")), "{row} vs {target}");
            }
        }
    }
    let readme = &files.get(layout::FLEET_README).expect("fleet readme").content;
    for mention in mentioned_paths(readme, "") {
        assert!(files.contains_key(&mention), "README.md names {mention}, which no emitter writes");
    }
}

#[test]
fn runbook_paths_are_bundle_files_seed() {
    check_paths(fixture("seed"), &[]);
}

#[test]
fn runbook_paths_are_bundle_files_multi() {
    check_paths(fixture("multi"), &[]);
    check_paths(fixture("multi"), &["SYSB"]);
}

#[test]
fn runbook_paths_with_a_stack_without_ttls() {
    let mut fleet = fixture("multi");
    fleet.lpars[1].stacks[1].ttls = false;
    fleet.lpars[1].stacks[1].api_requesters.clear();
    check_paths(fleet, &[]);
}

/// With an emitter turned off (`--plugin syslog=off`) or left out, the runbook names none of
/// its files and still names every file that is there.
#[test]
fn runbook_paths_follow_the_bundle_when_emitters_are_off() {
    for off in ["syslog", "racf", "pagent", "tcpip"] {
        let emitters: Vec<Pass> =
            ALL.iter().copied().filter(|pass| pass(&request(fixture("seed"))).0 != off).collect();
        check_paths_with(fixture("multi"), &[], &emitters);
        check_paths_with(fixture("seed"), &[], &emitters);
    }
    let emitters: Vec<Pass> =
        ALL.iter().copied().filter(|pass| pass(&request(fixture("seed"))).0 != "syslog").collect();
    let files = bundle_of(&request(fixture("seed")), &emitters);
    let runbook = &files[&layout::runbook("SYSA")].content;
    assert!(!runbook.contains("syslog.conf`"), "{runbook}");
    assert!(runbook.contains("no syslogd configuration"), "{runbook}");
}

/// A site plugin's file in an LPAR folder is in the copy table with the target it gave, and a
/// file outside the LPAR and database folders is in the README.
#[test]
fn site_plugin_files_are_indexed() {
    let (mut request, _) = indexed(&request(fixture("seed")), &ALL);
    request.bundle.push(IndexedFile {
        path: "lpars/SYSA/site/inventory.csv".to_owned(),
        emitter: "inventory".to_owned(),
        target: Some("/u/site/inventory.csv".to_owned()),
        placement: None,
    });
    request.bundle.push(IndexedFile {
        path: "site/fleet.csv".to_owned(),
        emitter: "inventory".to_owned(),
        target: None,
        placement: None,
    });
    request.bundle.sort_by(|a, b| a.path.cmp(&b.path));
    let response = render::<RunbookEmitter>(&request);
    let runbook = &response.files[0].content;
    assert!(
        runbook.contains("| [`lpars/SYSA/site/inventory.csv`](../../lpars/SYSA/site/inventory.csv) | /u/site/inventory.csv |"),
        "{runbook}"
    );
    let readme = &response
        .files
        .iter()
        .find(|file| file.path == layout::FLEET_README)
        .expect("readme")
        .content;
    assert!(readme.contains("[`site/fleet.csv`](site/fleet.csv) | inventory |"), "{readme}");
}

#[test]
fn shared_database_names_the_other_lpars() {
    let response = render::<RunbookEmitter>(&request(fixture("multi")));
    let sysa = &response.files[0].content;
    assert!(
        sysa.contains("The job is shared: LPAR SYSB uses the same security database PLEXA"),
        "{sysa}"
    );
    let runbook = |lpar: &str| {
        let path = zat_plugin_api::layout::runbook(lpar);
        let file = response.files.iter().find(|f| f.path == path);
        file.map(|f| f.content.as_str()).unwrap_or_else(|| panic!("no {path}"))
    };
    assert_eq!(sysa, runbook("SYSA"));
    assert!(runbook("SYSB").contains("LPAR SYSA uses the same"));
    let sysc = runbook("SYSC");
    assert!(sysc.contains("No other LPAR of the fleet uses security database PLEXB."), "{sysc}");
}

#[test]
fn one_sentence_per_line_and_deterministic() {
    let request = indexed(&request(fixture("multi")), &ALL).0;
    let first = render::<RunbookEmitter>(&request);
    let second = render::<RunbookEmitter>(&request);
    assert_eq!(first, second);
    // The prose: the Markdown files (the deploy scripts' `. FILE` is a shell command).
    for file in first.files.iter().filter(|f| f.path.ends_with(".md")) {
        let prose = |l: &&str| !l.starts_with('|') && !l.starts_with('#');
        for line in file.content.lines().filter(prose) {
            // An ordered list item's marker (`1. `) is not a sentence end.
            let line = line.trim_start();
            let line = line
                .split_once(". ")
                .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                .map_or(line, |(_, rest)| rest);
            // A sentence end followed by another sentence on the same line.
            assert!(!line.contains(". ") || line.contains("e.g. "), "{}: {line}", file.path);
        }
    }
}

/// The rollout never opens a window in clear: the policy is verified before TTLS goes on,
/// and the applications switch only after both; the back-out reverses that order.
#[test]
fn the_rollout_switches_applications_only_after_the_policy_is_enforced() {
    let request = indexed(&request(fixture("seed")), &ALL).0;
    let response = render::<RunbookEmitter>(&request);
    let runbook = &response.files[0].content;
    let at = |needle: &str| {
        runbook.find(needle).unwrap_or_else(|| panic!("the runbook lacks {needle}:\n{runbook}"))
    };
    let order = [
        "## 0. Before you start",
        "## 1. Security setup job",
        "## 2. SERVAUTH job",
        "## 3. Place the policy files",
        "PAGENT_CONFIG_FILE=",
        "F PAGENT,REFRESH",
        "pasearch -t -p TCPIP",
        "V TCPIP,TCPIP,OBEYFILE",
        "## 8. Switch the applications",
        "ZCEEAPP.ceeopts",
        "NETSTAT,TTLS,CONN=<id>,DETAIL",
        "## 10. Lower the trace level",
        "1. Switch the applications back",
        "2. Turn TTLS off",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{} must come before {}", pair[0], pair[1]);
    }
    // The CEEOPTS are not placed with the policy files.
    let policy_step = &runbook[at("## 3.")..at("## 4.")];
    assert!(!policy_step.contains("ceeopts"), "{policy_step}");
    // The CA hand-off names the data set that goes to the other side.
    assert!(
        runbook.contains("data set `ATTLS.CERTAUTH.CERT` (certificate IMSCA) goes to"),
        "{runbook}"
    );
}

/// A requester's server on another LPAR: each runbook orders only its own end, so both say
/// to switch the two ends in one window. An LPAR without a TTLS stack (the server's, with
/// Liberty doing TLS) is not told to repoint Policy Agent, nor that a job must precede a
/// step 7 it does not have.
#[test]
fn connections_between_lpars_and_an_lpar_without_ttls() {
    // The seed, with its server on an LPAR of the fleet whose stack has TTLS off.
    let mut fleet = fixture("seed");
    let mut sysz = fleet.lpars[0].clone();
    sysz.name = "SYSZ".into();
    for stack in &mut sysz.stacks {
        stack.ttls = false;
        stack.rules.clear();
        stack.api_requesters.clear();
    }
    fleet.lpars.push(sysz);
    fleet.zos_connect_servers[0].lpar = Some("SYSZ".into());
    let response = render::<RunbookEmitter>(&request(fleet));
    let runbook = |lpar: &str| {
        let path = zat_plugin_api::layout::runbook(lpar);
        let file = response.files.iter().find(|f| f.path == path);
        file.map(|f| f.content.as_str()).unwrap_or_else(|| panic!("no {path}"))
    };
    let (sysa, sysz) = (runbook("SYSA"), runbook("SYSZ"));
    assert!(sysa.contains("The requesters of SYSA call z/OS Connect servers on SYSZ."), "{sysa}");
    for text in [sysa, sysz] {
        assert!(text.contains("in one change window, the server's LPAR first"), "{text}");
    }
    assert!(sysz.contains("Policy Agent needs nothing for AT-TLS"), "{sysz}");
    assert!(!sysz.contains("PAGENT_CONFIG_FILE"), "{sysz}");
    assert!(!sysz.contains("must run before step 7"), "{sysz}");
    assert!(sysa.contains("PAGENT_CONFIG_FILE"), "{sysa}");
    // No stack to enforce a policy, nothing to place in step 3, and no TTLS to be on in
    // step 8: the text says what happens on such an LPAR instead.
    let step = |runbook: &str, number: &str| -> String {
        let start = runbook.find(&format!("## {number}. ")).expect("step");
        let rest = &runbook[start + 3..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_owned()
    };
    assert!(!sysz.contains("after the stack enforces the verified policy"), "{sysz}");
    assert!(sysz.contains("No stack of SYSZ has TTLS on, so AT-TLS protects none"), "{sysz}");
    assert!(!step(sysz, "3").contains("| Bundle file |"), "{}", step(sysz, "3"));
    assert!(step(sysz, "3").contains("No policy file goes to SYSZ"), "{}", step(sysz, "3"));
    assert!(!step(sysz, "8").contains("TTLS on, place"), "{}", step(sysz, "8"));
    assert!(!step(sysz, "6").contains("turning TTLS on"), "{}", step(sysz, "6"));
    // Nothing of AT-TLS to check before, nor to undo after: no SERVAUTH prerequisite, no
    // back-out of a policy, a TTLS setting or the EZB.INITSTACK access of a step 2 that has
    // no job.
    let back_out = &sysz[sysz.find("## Back out").expect("back-out")..];
    assert!(!sysz.contains("The SERVAUTH class is active"), "{sysz}");
    assert!(!back_out.contains("EZB.INITSTACK access of step 2"), "{back_out}");
    assert!(!back_out.contains("TCPCONFIG NOTTLS"), "{back_out}");
    assert!(back_out.contains("3. Run the back-out job of step 1 last"), "{back_out}");
    assert!(sysa.contains("The SERVAUTH class is active"), "{sysa}");
    assert!(sysa.contains("after the stack enforces the verified policy"), "{sysa}");
    assert!(step(sysa, "8").contains("with the policy verified and TTLS on"), "{sysa}");
}

/// The shell lines step 4 tells the operator to type quote every path as the deploy scripts
/// do: a log path with `$(id)`, a quote, `;`, `&` or `*` is one word, read back by `sh` as
/// written, never a command.
#[test]
fn runbook_shell_commands_quote_their_paths() {
    let mut fleet = fixture("seed");
    let syslog = &mut fleet.lpars[0].syslog;
    syslog.attls_log = "/var/log/attls$(id).log".to_owned();
    syslog.error_log = Some("/var/log/o'k;rm&x*/p.log".to_owned());
    let request = indexed(&request(fleet.clone()), &ALL).0;
    let response = render::<RunbookEmitter>(&request);
    let runbook = &response.files[0].content;
    let mut typed = Vec::new();
    for line in runbook.lines() {
        let Some(words) =
            line.strip_prefix("mkdir -p -- ").or_else(|| line.strip_prefix("touch -- "))
        else {
            continue;
        };
        let read = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s\\n' {words}"))
            .output()
            .expect("sh");
        assert!(read.status.success(), "{line}");
        let words = String::from_utf8(read.stdout).expect("UTF-8");
        assert_eq!(words.lines().count(), 1, "one word: {line}");
        typed.push(words.trim_end_matches('\n').to_owned());
    }
    for path in ["/var/log/attls$(id).log", "/var/log/o'k;rm&x*/p.log", "/var/log/o'k;rm&x*"] {
        assert!(typed.iter().any(|word| word == path), "{path} not typed as one word: {typed:?}");
    }
}

/// The `/etc/rc` line of step 4 starts syslogd under the job name the runbook's own
/// `F SYSLOGD,RESTART` uses (emitters.md §5.2: `_BPX_JOBNAME`): run by `sh` with a stand-in
/// for syslogd, the stand-in sees the job name, `$` and all, and the configuration file.
#[test]
fn the_etc_rc_line_starts_syslogd_under_its_job_name() {
    let mut fleet = fixture("seed");
    fleet.lpars[0].syslog.jobname = "SYS$LOG".to_owned();
    let request = indexed(&request(fleet.clone()), &ALL).0;
    let response = render::<RunbookEmitter>(&request);
    let runbook = &response.files[0].content;
    let line = runbook
        .split('`')
        .find(|part| part.contains("/usr/sbin/syslogd"))
        .unwrap_or_else(|| panic!("no syslogd start line: {runbook}"));
    assert!(runbook.contains("F SYS$LOG,RESTART"), "{runbook}");
    let scratch = tempfile::tempdir().expect("temp dir");
    let stub = scratch.path().join("syslogd");
    std::fs::write(&stub, "#!/bin/sh\nprintf '%s|%s\\n' \"$_BPX_JOBNAME\" \"$2\"\n").expect("stub");
    let mut mode = std::fs::metadata(&stub).expect("stub").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    std::fs::set_permissions(&stub, mode).expect("chmod");
    let line = line.replace("/usr/sbin/syslogd", &stub.display().to_string());
    let ran = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{line} wait"))
        .env_remove("_BPX_JOBNAME")
        .output()
        .expect("sh");
    assert!(ran.status.success(), "{line}: {ran:?}");
    let seen = String::from_utf8(ran.stdout).expect("UTF-8");
    let conf = layout::syslog_conf_target(&fleet.lpars[0]);
    assert_eq!(seen.trim_end(), format!("SYS$LOG|{conf}"), "{line}");
}

/// ACF2 and Top Secret runbooks give the real commands: the ring listing of step 9 in each
/// ESM's syntax, with the record names their plugins give, and for ACF2 the `F ACF2,REBUILD`
/// operator steps after the database's job and the SERVAUTH job (emitters.md §2.1: whether
/// ACF2 takes them inside a batch ACF session is unconfirmed).
#[test]
fn acf2_and_top_secret_runbooks_give_their_own_commands() {
    for esm in ["acf2", "tss"] {
        let mut fleet = fixture("seed");
        for db in &mut fleet.security_databases {
            db.esm = zat_plugin_api::model::Esm::new(esm);
        }
        let ring = fleet.security_databases[0].keyrings[0].clone();
        let record = zat_plugin_api::security::record_suffix(&ring.name);
        let response = render::<RunbookEmitter>(&request(fleet));
        let runbook = &response.files[0].content;
        assert!(!runbook.contains("command to list ring"), "{runbook}");
        let listing = match esm {
            "acf2" => format!(
                "`LIST {}.{record}`, in a TSO `ACF` session after `SET PROFILE(USER) DIVISION(KEYRING)`, lists key ring {}/{}",
                ring.owner, ring.owner, ring.name
            ),
            _ => format!(
                "`TSS LIST({}) KEYRING({record}) LABLRING({})` lists key ring",
                ring.owner, ring.name
            ),
        };
        assert!(runbook.contains(&listing), "{listing}:\n{runbook}");
        let rebuilds = ["F ACF2,REBUILD(USR),CLASS(P),DIVISION(KEYRING)", "F ACF2,REBUILD(SER)"];
        for rebuild in rebuilds {
            assert_eq!(runbook.contains(&format!("\n{rebuild}\n")), esm == "acf2", "{rebuild}");
        }
    }
}

/// An LPAR without application files, or without any file to place, gets the tables' empty
/// forms, each followed by the next step as when it has rows.
#[test]
fn empty_file_tables_say_so() {
    let without = |off: &[&str]| -> Vec<Pass> {
        ALL.iter()
            .copied()
            .filter(|pass| !off.contains(&pass(&request(fixture("seed"))).0))
            .collect()
    };
    let runbook_of = |emitters: &[Pass]| {
        bundle_of(&request(fixture("seed")), emitters)[&layout::runbook("SYSA")].content.clone()
    };
    let runbook = runbook_of(&without(&["ceeopts", "zosconnect"]));
    assert!(
        runbook.contains(
            "| Bundle file | Where it goes on SYSA |\n|---|---|\n\
             | (none) | no application of SYSA changes |\n\n## 9. "
        ),
        "{runbook}"
    );
    assert!(runbook.contains(".policy) | /etc/pagent/TCPIP.policy |\n| "), "{runbook}");
    let runbook = runbook_of(&without(&["ceeopts", "zosconnect", "pagent", "tcpip", "syslog"]));
    assert!(
        runbook.contains(
            "## 3. Place the policy files\n\nNo policy file goes to SYSA.\n\
             The application files of step 8 are not placed now.\n\n## 4. "
        ),
        "{runbook}"
    );
}
