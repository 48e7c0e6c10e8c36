//! Tests of the Policy Agent emitter over the shared fixture fleets: snapshots of every file,
//! and checks that parse the output back with zat-policy.

mod behaviour;
mod checks;
mod snapshots;

use zat_emit_pagent::PagentEmitter;
use zat_plugin_api::model::{Diagnostic, Fleet};
use zat_plugin_api::{Emitter, OutputFile, RenderRequest, RenderResponse};

/// Renders a fleet the way the host would send it.
fn render(fleet: &Fleet) -> RenderResponse {
    render_only(fleet, &[])
}

fn render_only(fleet: &Fleet, only: &[&str]) -> RenderResponse {
    let request = RenderRequest::new(fleet.clone(), "test")
        .with_only(only.iter().map(|s| (*s).to_owned()).collect());
    PagentEmitter.render(&request).expect("render")
}

/// The seed and multi fixtures, expanded by the core; they must prepare without errors.
fn fixtures() -> Vec<(&'static str, Fleet)> {
    let mut out = Vec::new();
    for (name, prepared) in
        [("seed", zat_core::fixtures::seed()), ("multi", zat_core::fixtures::multi())]
    {
        let errors: Vec<&Diagnostic> =
            prepared.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        out.push((name, prepared.fleet));
    }
    out
}

fn policies(response: &RenderResponse) -> impl Iterator<Item = &OutputFile> {
    response.files.iter().filter(|f| f.path.ends_with(".policy"))
}

fn file<'a>(response: &'a RenderResponse, path: &str) -> &'a OutputFile {
    response.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no file {path}"))
}
