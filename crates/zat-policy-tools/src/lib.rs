//! `zat lint` and `zat import` over Policy Agent policy text: findings as `zat_model::Diagnostic`s
//! and the import model the script writer takes; no I/O.
//!
//! - [`lint::lint`] checks a set of parsed files the way Policy Agent reads them and returns
//!   `zat_model::Diagnostic`s (codes ZAT0600-ZAT0649).
//! - [`import::import`] reads AT-TLS policy into the rules, security levels and key rings the
//!   fleet builders take, listing what it cannot carry over (codes ZAT0650-ZAT0699).
//!
//! Both stand on `zat-policy`: its parser, its keyword whitelist, and its effective-policy
//! engine, which says what Policy Agent installs from the text.

pub mod import;
pub mod lint;
