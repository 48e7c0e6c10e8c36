//! The sandbox: endless loops, unbounded recursion, huge strings and imports from outside.

use crate::zat;

#[test]
fn an_endless_loop_ends_with_a_clear_error() {
    let out = zat(&["check", "endless_loop.rhai", "--timeout", "0.5"]);
    out.expect_code(1).stderr_has("the script ran too long").stderr_has("endless_loop.rhai:");
    assert!(out.stderr.contains("ZAT0021") || out.stderr.contains("ZAT0020"), "{}", out.stderr);
}

#[test]
fn unbounded_recursion_ends_with_a_clear_error() {
    let out = zat(&["check", "recursion.rhai", "--timeout", "5"]);
    out.expect_code(1).stderr_has("ZAT0022").stderr_has("unbounded recursion");
}

#[test]
fn a_gigabyte_string_is_refused() {
    let out = zat(&["check", "huge_string.rhai", "--timeout", "5"]);
    out.expect_code(1).stderr_has("ZAT0023").stderr_has("huge_string.rhai:5:");
}

#[test]
fn imports_from_outside_the_script_folder_are_refused() {
    let out = zat(&["check", "import_escape.rhai"]);
    out.expect_code(1)
        .stderr_has("ZAT0030")
        .stderr_has("import \"../it/main\" is refused")
        .stderr_has("import_escape.rhai:2:");
}
