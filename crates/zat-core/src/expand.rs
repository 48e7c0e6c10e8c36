//! Expansion: API requesters and z/OS Connect servers become rules, ring readers and CEEOPTS data.

use zat_model::{Diagnostic, Fleet};

pub(crate) fn expand(fleet: Fleet, _diagnostics: &mut Vec<Diagnostic>) -> Fleet {
    fleet
}
