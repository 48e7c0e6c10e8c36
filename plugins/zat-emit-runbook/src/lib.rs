//! Runbook emitter: the ordered operator steps per LPAR and the fleet index.
