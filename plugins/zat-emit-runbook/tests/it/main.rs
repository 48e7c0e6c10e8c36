//! Tests of the runbook emitter: snapshots, and that every bundle path it names is a file the
//! real emitters write (and every file they write for an LPAR is named in its runbook).

use std::collections::{BTreeMap, BTreeSet};

use zat_emit_runbook::RunbookEmitter;
use zat_plugin_api::model::Fleet;
use zat_plugin_api::{Emitter, OutputFile, RenderRequest, layout};
use zat_test_support::{fixture, render, request, snapshot_all};

#[test]
fn seed_snapshots() {
    snapshot_all!("seed", &render::<RunbookEmitter>(&request(fixture("seed"))));
}

#[test]
fn multi_snapshots() {
    snapshot_all!("multi", &render::<RunbookEmitter>(&request(fixture("multi"))));
}

/// Every file of every built-in emitter for this request, by bundle path.
fn bundle(request: &RenderRequest) -> BTreeMap<String, OutputFile> {
    let mut files = Vec::new();
    files.extend(render::<zat_emit_racf::RacfEmitter>(request).files);
    files.extend(render::<zat_emit_pagent::PagentEmitter>(request).files);
    files.extend(render::<zat_emit_tcpip::TcpipEmitter>(request).files);
    files.extend(render::<zat_emit_syslog::SyslogEmitter>(request).files);
    files.extend(render::<zat_emit_ceeopts::CeeoptsEmitter>(request).files);
    files.extend(render::<zat_emit_zosconnect::ZosConnectEmitter>(request).files);
    files.extend(RunbookEmitter.render(request).expect("renders").files);
    files.into_iter().map(|file| (file.path.clone(), file)).collect()
}

/// Bundle paths a Markdown file mentions: code spans and link targets that start with a
/// bundle folder (link targets relative to `base`, the file's folder).
fn mentioned_paths(markdown: &str, base: &str) -> BTreeSet<String> {
    let looks_like_path = |s: &str| {
        (s.starts_with("lpars/") || s.starts_with("security/") || s == layout::FLEET_README)
            && !s.contains(' ')
    };
    let mut paths = BTreeSet::new();
    for (index, span) in markdown.split('`').enumerate() {
        if index % 2 == 1 && looks_like_path(span) {
            paths.insert(span.to_owned());
        }
    }
    for (_, rest) in markdown.match_indices("](").map(|(at, _)| ((), &markdown[at + 2..])) {
        let target = rest.split(')').next().unwrap_or_default();
        let mut resolved: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
        for part in target.split('/') {
            match part {
                ".." => {
                    resolved.pop();
                }
                part => resolved.push(part),
            }
        }
        let resolved = resolved.join("/");
        assert!(looks_like_path(&resolved), "link {target} from {base} leaves the bundle");
        paths.insert(resolved);
    }
    paths
}

fn check_paths(fleet: Fleet, only: &[&str]) {
    let mut request = request(fleet);
    request.only_lpars = only.iter().map(|s| (*s).to_owned()).collect();
    let files = bundle(&request);
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

#[test]
fn shared_database_names_the_other_lpars() {
    let response = render::<RunbookEmitter>(&request(fixture("multi")));
    let sysa = &response.files[0].content;
    assert!(
        sysa.contains("The job is shared: LPAR SYSB uses the same security database PLEXA"),
        "{sysa}"
    );
    assert!(response.files[1].content.contains("LPAR SYSA uses the same"));
    let sysc = &response.files[2].content;
    assert!(sysc.contains("No other LPAR of the fleet uses security database PLEXB."), "{sysc}");
}

#[test]
fn one_sentence_per_line_and_deterministic() {
    let first = render::<RunbookEmitter>(&request(fixture("multi")));
    let second = render::<RunbookEmitter>(&request(fixture("multi")));
    assert_eq!(first, second);
    for file in &first.files {
        let prose = |l: &&str| !l.starts_with('|') && !l.starts_with('#');
        for line in file.content.lines().filter(prose) {
            // A sentence end followed by another sentence on the same line.
            assert!(!line.contains(". ") || line.contains("e.g. "), "{}: {line}", file.path);
        }
    }
}
