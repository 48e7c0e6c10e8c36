//! Expansion, validation and bundle assembly: turns a scripted fleet into what every emitter
//! sees, and writes bundles atomically.

mod bundle;
mod consistency;
mod expand;
pub mod fixtures;
mod validate;
mod writer;

pub use bundle::{
    Bundle, BundleError, BundleFile, Drift, MANIFEST_FILE, PathProblem, STATE_FILE, check_path,
    drift, read_tree, sha256_hex, special_entry,
};
pub use writer::{BundleWriter, FileRecord, UnitRecord, WriteSummary};
use zat_model::{Diagnostic, Fleet};

/// A fleet after expansion, with every diagnostic validation found.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub fleet: Fleet,
    pub diagnostics: Vec<Diagnostic>,
}

impl Prepared {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Expands high-level objects (API requesters, z/OS Connect servers) into rules and ring
/// access once, then validates the result. Every problem is reported, not just the first.
pub fn prepare(fleet: Fleet) -> Prepared {
    let mut diagnostics = Vec::new();
    let fleet = expand::expand(fleet, &mut diagnostics);
    validate::validate(&fleet, &mut diagnostics);
    consistency::check(&fleet, &mut diagnostics);
    Prepared { fleet, diagnostics }
}
