//! The `zat` binary.
fn main() {}
