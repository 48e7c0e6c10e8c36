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
//! - [`lint::lint`] checks a set of parsed files the way Policy Agent reads them and returns
//!   `zat_model::Diagnostic`s (codes ZAT0600-ZAT0649).
//! - [`import::import`] reads AT-TLS policy into the rules, security levels and key rings the
//!   fleet builders take, listing what it cannot carry over (codes ZAT0650-ZAT0699).
//!
//! Emitters build a tree and print it, never concatenate policy text; `zat lint` and
//! `zat import` parse with the same rules.

mod diagnostic;
pub mod import;
mod index;
pub mod keywords;
pub mod lint;
mod parse;
mod print;
mod tree;

pub use diagnostic::{DiagnosticKind, ParseDiagnostic, Severity};
pub use parse::parse;
pub use print::{print, print_with_header};
pub use tree::{Attribute, Entry, Span, Statement};
