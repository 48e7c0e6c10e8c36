//! z/OS text rules shared by the core and the emitters: MVS names, JOB cards, TSO continuation,
//! column and code-page checks, and the stable hashes that make member and record names.
//!
//! The core validates names with the same rule the emitters write them by, and every emitter
//! (built in, or a site plugin in Rust) formats jobs with the same helpers. Nothing here does
//! I/O; every function is pure and deterministic.

pub mod hash;
mod text;

pub use text::*;
