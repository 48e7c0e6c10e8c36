//! End-to-end suite: one test binary, one module per area.
mod artefacts;
mod bundle;
mod c_plugin;
mod connections;
#[cfg(unix)]
mod deploy;
mod esm_intent;
mod fuzz;
#[cfg(unix)]
mod hostile;
#[cfg(unix)]
mod incremental;
mod index;
mod inject;
mod pagent;
mod plugins;
mod racf;
mod state;
mod support;
mod tidy;
mod zos_text;
