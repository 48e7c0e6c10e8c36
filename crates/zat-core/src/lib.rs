//! Expansion, validation and bundle assembly: turns a scripted fleet into what every emitter
//! sees, and writes bundles atomically.

mod bundle;
mod compare;
mod consistency;
pub mod digest;
mod expand;
pub mod fixtures;
mod handshake;
mod lock;
mod manifest;
mod protection;
mod spill;
pub mod trim;
mod validate;
mod values;
mod writer;

pub use bundle::{
    Bundle, BundleError, BundleFile, Drift, MANIFEST_FILE, PathProblem, STATE_FILE, check_path,
    drift, read_tree, sha256_hex, special_entry,
};
pub use compare::{CompareFailure, Compared, Comparer, Difference, DriftKind, Patcher};
pub use protection::Checks;
pub use trim::{Trimmed, trim_shared};
pub use writer::{BundleWriter, FileRecord, Inspected, UnitRecord, WriteSummary};
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
    prepare_with(fleet, &Checks::default())
}

/// [`prepare`] with the date and window of the time-dependent checks given by the caller.
pub fn prepare_with(fleet: Fleet, checks: &Checks) -> Prepared {
    let mut diagnostics = Vec::new();
    let fleet = expand::expand(fleet, &mut diagnostics);
    // Characters and lengths first: a value refused here is reported once, here, and the
    // other checks' complaints about the same value are dropped below. The checks only read
    // the fleet, so they run on two threads of about the same length (validation on one; the
    // scan of every string, the consistency and protection checks on the other), and their
    // findings are put together in the order they would have come one after another.
    let (mut text, refused, mut later) = std::thread::scope(|scope| {
        let scanning = scope.spawn(|| {
            let mut text = Vec::new();
            let refused = values::check(&fleet, &mut text);
            let mut later = Vec::new();
            consistency::check(&fleet, &mut later);
            protection::check(&fleet, checks, &mut later);
            (text, refused, later)
        });
        validate::validate(&fleet, &mut diagnostics);
        scanning.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    diagnostics.append(&mut later);
    values::check_secrets(&fleet, &mut text);
    diagnostics.retain(|d| !refused.iter().any(|value| d.message.contains(value.as_str())));
    text.append(&mut diagnostics);
    Prepared { fleet, diagnostics: text }
}
