//! The real fleet scripts through zat-script, `zat_core::prepare` and the Policy Agent
//! emitter: snapshots of every file, each of which must parse cleanly with zat-policy.

use zat_emit_pagent::PagentEmitter;

use crate::support::{SCRIPTS, render, request};

#[test]
fn pagent_files_of_every_script() {
    for (name, script) in SCRIPTS {
        let response = render::<PagentEmitter>(&request(script));
        assert!(response.diagnostics.is_empty(), "{script}: {:#?}", response.diagnostics);
        assert!(response.files.iter().any(|f| f.path.ends_with(".policy")), "{script}");
        for file in &response.files {
            let (_, diagnostics) = zat_policy::parse(&file.content);
            assert!(diagnostics.is_empty(), "{script} {}: {diagnostics:#?}", file.path);
            let snapshot = format!("{name}__{}", file.path.replace('/', "__"));
            insta::assert_snapshot!(snapshot, file.content);
        }
    }
}

/// What `zat lint` would say about the files zat writes: nothing. That covers keywords
/// outside the whitelist or in the wrong statement, dangling references, duplicate names,
/// priority ties and protocol switches left to defaults; the scan adds columns, tabs and
/// code page 1047.
#[test]
fn pagent_files_of_every_script_lint_clean() {
    use zat_zos::{self as zos, CheckOptions, Problem, TextKind};
    for (_, script) in SCRIPTS {
        let response = render::<PagentEmitter>(&request(script));
        for file in &response.files {
            // Each file on its own: every policy file is complete, nothing comes from a
            // common file.
            let findings = zat_policy_tools::lint::lint(&[zat_policy_tools::lint::PolicyFile {
                path: &file.path,
                text: &file.content,
            }]);
            assert!(findings.is_empty(), "{script} {}: {findings:#?}", file.path);
            // Braces are policy syntax; Policy Agent reads the files as IBM-1047, where they
            // exist (they only move between EBCDIC code pages, a transfer setting).
            let problems: Vec<_> =
                zos::check(&file.content, TextKind::TsoData, &CheckOptions::default())
                    .into_iter()
                    .filter(|f| !matches!(f.problem, Problem::UnsafeCharacter('{' | '}')))
                    .collect();
            assert!(problems.is_empty(), "{script} {}: {problems:#?}", file.path);
        }
    }
}

/// The files of one LPAR's Policy Agent folder linted together, as `zat lint DIR/*` reads
/// them: each stack's policy file is its own name space, so two stacks that name their
/// actions alike are not duplicates of each other.
#[test]
fn each_pagent_folder_lints_clean_as_a_whole() {
    use std::collections::BTreeMap;
    use zat_policy_tools::lint::{LintOptions, PolicyFile, lint_with};
    let mut checked = 0;
    for (_, script) in SCRIPTS {
        let response = render::<PagentEmitter>(&request(script));
        let mut folders: BTreeMap<&str, Vec<PolicyFile<'_>>> = BTreeMap::new();
        for file in &response.files {
            let folder = file.path.rsplit_once('/').map_or("", |(folder, _)| folder);
            folders
                .entry(folder)
                .or_default()
                .push(PolicyFile { path: &file.path, text: &file.content });
        }
        for (folder, files) in &folders {
            checked += usize::from(files.iter().filter(|f| f.path.ends_with(".image")).count() > 1);
            for separate in [false, true] {
                let options = LintOptions { separate, ..LintOptions::default() };
                let findings = lint_with(files, &options);
                assert!(
                    findings.is_empty(),
                    "{script} {folder} separate {separate}: {findings:#?}"
                );
            }
        }
    }
    assert!(checked > 0, "no script writes an LPAR with two stacks");
}
