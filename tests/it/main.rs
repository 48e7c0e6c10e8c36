//! End-to-end suite: one test binary, one module per area.
mod artefacts;
mod bundle;
mod c_plugin;
mod esm_intent;
#[cfg(unix)]
mod hostile;
#[cfg(unix)]
mod incremental;
mod index;
mod pagent;
mod plugins;
mod racf;
mod support;
mod zos_text;
