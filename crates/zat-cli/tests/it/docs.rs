//! `zat docs`: the script reference in the terminal, and the generated files it refreshes.

use crate::{repo, zat};

#[test]
fn docs_lists_every_builder_with_how_it_is_written() {
    let out = zat(&["docs"]);
    out.expect_code(0);
    for usage in [
        "fleet(name)",
        "site.lpar(name, #{ security_database, pagent, syslog })",
        "stack.rule(name, #{ direction",
    ] {
        assert!(out.stdout.contains(usage), "stdout lacks {usage:?}:\n{}", out.stdout);
    }
}

#[test]
fn docs_of_one_builder_shows_options_defaults_words_and_diagnostics() {
    let out = zat(&["docs", "lpar"]);
    out.expect_code(0);
    for text in [
        "Fleet.lpar(name: string, #{ options }) -> Lpar",
        "pagent.log_level: int  (default: 31)",
        "syslog.attls_log: string  (default: \"/var/log/attls.log\")",
        "ZAT0004",
        "ZAT0007",
    ] {
        assert!(out.stdout.contains(text), "stdout lacks {text:?}:\n{}", out.stdout);
    }
}

#[test]
fn docs_of_an_unknown_builder_is_a_usage_error_listing_the_builders() {
    let out = zat(&["docs", "lpr"]);
    out.expect_code(2).stderr_has("lpar");
}

#[test]
fn the_committed_reference_files_are_what_zat_docs_prints() {
    for (format, file) in [("markdown", "docs/dsl.md"), ("rhai", "docs/zat.d.rhai")] {
        let out = zat(&["docs", "--format", format]);
        out.expect_code(0);
        let committed = std::fs::read_to_string(repo().join(file)).unwrap_or_default();
        assert!(
            out.stdout == committed,
            "{file} differs from `zat docs --format {format}`; refresh it with:\n  cargo run -q -p zat-cli -- docs --format {format} > {file}"
        );
    }
}
