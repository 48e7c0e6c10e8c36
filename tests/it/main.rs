//! End-to-end suite: one test binary, one module per area.
mod pagent;
mod artefacts;
