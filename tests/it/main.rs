//! End-to-end suite: one test binary, one module per area.
mod pagent;
mod bundle;
mod plugins;
mod artefacts;
