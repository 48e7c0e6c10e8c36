//! Integration tests of zat-policy: parser, printer and whitelist over the fixtures in
//! `tests/fixtures` (written for these tests) and generated hostile input.

mod effective;
mod keywords;
mod matcher;
mod parse;
mod pasearch;
mod print;
mod robust;

/// A fixture file's text.
fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The tree without source positions, for comparing a parsed tree with a re-parsed one.
fn strip_spans(statements: &mut [zat_policy::Statement]) {
    for statement in statements {
        statement.span = None;
        if let Some(body) = &mut statement.body {
            for entry in body {
                match entry {
                    zat_policy::Entry::Attribute(a) => a.span = None,
                    zat_policy::Entry::Statement(s) => strip_spans(std::slice::from_mut(s)),
                }
            }
        }
    }
}
