//! What a fleet would install on each stack: the prepared fleet rendered by the built-in
//! Policy Agent emitter in process, and each stack's policy file read into the effective form
//! Policy Agent would install. `zat verify`, `zat why`, `zat import` and the connection check
//! of `zat check` share it.

use zat_emit_pagent::PagentEmitter;
use zat_model::{Diagnostic, Fleet};
use zat_plugin_api::{Emitter, RenderRequest, layout};
use zat_policy::effective::effective;
use zat_policy::{EffectivePolicy, Options, PolicyFile};

/// One stack's policy as the fleet writes it and as Policy Agent would install it.
#[derive(Debug)]
pub struct Installed {
    pub lpar: String,
    pub stack: String,
    pub policy: EffectivePolicy,
}

/// Every stack of a prepared fleet, in model order, with the emitter's diagnostics. `Err` when
/// the emitter refuses the request.
pub fn installed(
    fleet: &Fleet,
    options: &Options,
) -> Result<(Vec<Installed>, Vec<Diagnostic>), String> {
    let request = RenderRequest::new(fleet.clone(), env!("CARGO_PKG_VERSION"));
    let response = PagentEmitter.render(&request).map_err(|e| format!("pagent emitter: {e}"))?;
    let mut out = Vec::new();
    for lpar in &fleet.lpars {
        for stack in &lpar.stacks {
            let path = layout::pagent_policy(&lpar.name, &stack.name);
            let Some(file) = response.files.iter().find(|f| f.path == path) else { continue };
            // The fleet chooses its LPARs' releases (`pagent: #{ release }`); `options`
            // decides for an LPAR that names none.
            let release = lpar.pagent.release.as_deref().and_then(zat_policy::Release::parse);
            let options = Options { release: release.unwrap_or(options.release), ..*options };
            let policy =
                effective(&[PolicyFile { path: &file.path, text: &file.content }], &options);
            out.push(Installed { lpar: lpar.name.clone(), stack: stack.name.clone(), policy });
        }
    }
    Ok((out, response.diagnostics))
}

/// The one stack `--lpar` and `--stack` pick (either may be left out when only one fits).
pub fn pick(
    all: Vec<Installed>,
    lpar: Option<&str>,
    stack: Option<&str>,
) -> Result<Installed, String> {
    let fits = |i: &Installed| {
        lpar.is_none_or(|l| i.lpar.eq_ignore_ascii_case(l))
            && stack.is_none_or(|s| i.stack.eq_ignore_ascii_case(s))
    };
    let names: Vec<String> = all.iter().map(|i| format!("{}/{}", i.lpar, i.stack)).collect();
    let mut found: Vec<Installed> = all.into_iter().filter(fits).collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!(
            "no stack with an AT-TLS policy matches; the fleet has: {}",
            if names.is_empty() { "none".to_owned() } else { names.join(", ") }
        )),
        _ => Err(format!(
            "more than one stack matches; pick one with --lpar and --stack: {}",
            found.iter().map(|i| format!("{}/{}", i.lpar, i.stack)).collect::<Vec<_>>().join(", ")
        )),
    }
}
