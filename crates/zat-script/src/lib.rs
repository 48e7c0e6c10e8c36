//! The rhai script runtime: a sandboxed engine with typed builders that turns fleet.rhai into the fleet model.
