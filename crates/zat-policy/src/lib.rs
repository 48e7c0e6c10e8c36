//! Policy Agent policy syntax: statement tree, printer, parser and keyword whitelist; no I/O.
//!
//! - [`parse`] reads any text (main file, image file or AT-TLS policy) into [`Statement`]s plus
//!   every [`ParseDiagnostic`], and never panics.
//! - [`print()`] writes statements back: one attribute per line, braces on their own lines,
//!   values aligned in one column, `#` comments; [`print_with_header`] puts a comment block
//!   first, as generated files have.
//! - [`keywords`] is the whitelist: per statement type the attributes Policy Agent accepts, in
//!   canonical spelling (`keywords::canonical("TTLSRule", "jobname") == Some("Jobname")`).
//!
//! - [`index`] resolves names: every named global statement of a set of parsed files, and the
//!   helpers that follow `...Ref` attributes the way Policy Agent does.
//!
//! Emitters build a tree and print it, never concatenate policy text; `zat lint` and
//! `zat import` (crate `zat-policy-tools`) parse with the same rules.

mod diagnostic;
pub mod index;
pub mod keywords;
mod parse;
mod print;
mod tree;

pub use diagnostic::{DiagnosticKind, ParseDiagnostic, Severity};
pub use parse::parse;
pub use print::{print, print_with_header};
pub use tree::{Attribute, Entry, Span, Statement};
