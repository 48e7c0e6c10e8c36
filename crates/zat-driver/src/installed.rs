//! What a fleet would install on each stack: the prepared fleet rendered by the built-in
//! Policy Agent emitter in process, and each stack's policy file read into the effective form
//! Policy Agent would install. `zat verify`, `zat why` and `zat import` share it.
//!
//! Each LPAR is rendered alone, as its unit of a build (the same bytes), and only the LPARs
//! asked about: asking about one stack of a fleet of thousands of LPARs reads one policy, and
//! going through all of them holds one LPAR's policies at a time.

use zat_emit_pagent::PagentEmitter;
use zat_model::{Diagnostic, Fleet, Lpar};
use zat_plugin_api::{Emitter, RenderRequest, Unit, UnitIndex, layout, unit_fleet};
use zat_policy::effective::effective;
use zat_policy::{EffectivePolicy, Options, PolicyFile};

/// One stack's policy as the fleet writes it and as Policy Agent would install it.
#[derive(Debug)]
pub struct Installed {
    pub lpar: String,
    pub stack: String,
    pub policy: EffectivePolicy,
}

/// The stacks `--lpar` and `--stack` choose; either may be left out, and case does not matter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choice<'a> {
    pub lpar: Option<&'a str>,
    pub stack: Option<&'a str>,
}

impl Choice<'_> {
    fn fits_lpar(&self, lpar: &str) -> bool {
        self.lpar.is_none_or(|l| lpar.eq_ignore_ascii_case(l))
    }

    fn fits(&self, lpar: &str, stack: &str) -> bool {
        self.fits_lpar(lpar) && self.stack.is_none_or(|s| stack.eq_ignore_ascii_case(s))
    }
}

/// The stacks that get a policy file: those with TTLS on.
fn policy_stacks(lpar: &Lpar) -> impl Iterator<Item = &zat_model::Stack> {
    lpar.stacks.iter().filter(|stack| stack.ttls)
}

/// Each chosen stack's policy, in model order, handed to `each` LPAR by LPAR; returns the
/// emitter's diagnostics for those LPARs. `Err` when the emitter refuses one.
pub fn each_installed(
    fleet: &Fleet,
    options: &Options,
    choice: Choice<'_>,
    mut each: impl FnMut(Installed),
) -> Result<Vec<Diagnostic>, String> {
    let index = UnitIndex::new(fleet);
    let mut diagnostics = Vec::new();
    for lpar in &fleet.lpars {
        if !policy_stacks(lpar).any(|stack| choice.fits(&lpar.name, &stack.name)) {
            continue;
        }
        let unit = Unit::Lpar { name: lpar.name.clone() };
        let mut request =
            RenderRequest::new(unit_fleet(fleet, &unit, &index), env!("CARGO_PKG_VERSION"));
        request.unit = Some(unit);
        let response =
            PagentEmitter.render(&request).map_err(|e| format!("pagent emitter: {e}"))?;
        diagnostics.extend(response.diagnostics);
        // The fleet chooses its LPARs' releases (`pagent: #{ release }`); `options` decides for
        // an LPAR that names none.
        let release = lpar.pagent.release.as_deref().and_then(zat_policy::Release::parse);
        let options = Options { release: release.unwrap_or(options.release), ..*options };
        for stack in policy_stacks(lpar).filter(|stack| choice.fits(&lpar.name, &stack.name)) {
            let path = layout::pagent_policy(&lpar.name, &stack.name);
            let Some(file) = response.files.iter().find(|f| f.path == path) else { continue };
            let policy =
                effective(&[PolicyFile { path: &file.path, text: &file.content }], &options);
            each(Installed { lpar: lpar.name.clone(), stack: stack.name.clone(), policy });
        }
    }
    Ok(diagnostics)
}

/// Every stack of a prepared fleet, in model order, with the emitter's diagnostics. `Err` when
/// the emitter refuses the request.
pub fn installed(
    fleet: &Fleet,
    options: &Options,
) -> Result<(Vec<Installed>, Vec<Diagnostic>), String> {
    let mut all = Vec::new();
    let diagnostics = each_installed(fleet, options, Choice::default(), |i| all.push(i))?;
    Ok((all, diagnostics))
}

/// The one stack `choice` picks (either part may be left out when only one stack fits), read
/// from its LPAR alone.
pub fn pick(fleet: &Fleet, options: &Options, choice: Choice<'_>) -> Result<Installed, String> {
    let names = |fits: &dyn Fn(&str, &str) -> bool| -> Vec<String> {
        fleet
            .lpars
            .iter()
            .flat_map(|lpar| policy_stacks(lpar).map(move |stack| (lpar, stack)))
            .filter(|(lpar, stack)| fits(&lpar.name, &stack.name))
            .map(|(lpar, stack)| format!("{}/{}", lpar.name, stack.name))
            .collect()
    };
    let found = names(&|lpar, stack| choice.fits(lpar, stack));
    match found.len() {
        0 => {
            let all = names(&|_, _| true);
            Err(format!(
                "no stack with an AT-TLS policy matches; the fleet has: {}",
                if all.is_empty() { "none".to_owned() } else { all.join(", ") }
            ))
        }
        1 => {
            let mut picked = None;
            each_installed(fleet, options, choice, |installed| picked = Some(installed))?;
            picked.ok_or_else(|| format!("{}: the Policy Agent emitter wrote no policy", found[0]))
        }
        _ => Err(format!(
            "more than one stack matches; pick one with --lpar and --stack: {}",
            found.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each LPAR rendered alone gives the policies the whole fleet rendered at once gives, and
    /// a choice reads the stacks it names only.
    #[test]
    fn each_lpar_alone_installs_what_the_whole_fleet_writes() {
        let fleet = zat_core::fixtures::multi().fleet;
        let options = Options::default();
        let whole = RenderRequest::new(fleet.clone(), env!("CARGO_PKG_VERSION"));
        let response = PagentEmitter.render(&whole).expect("render");
        let (all, _) = installed(&fleet, &options).expect("installed");
        let names: Vec<String> = all.iter().map(|i| format!("{}/{}", i.lpar, i.stack)).collect();
        assert_eq!(names, ["SYSA/TCPIP", "SYSB/TCPIP", "SYSB/TCPIPB", "SYSC/TCPIP"]);
        for one in &all {
            let path = layout::pagent_policy(&one.lpar, &one.stack);
            let file = response.files.iter().find(|f| f.path == path).expect("written");
            let expected =
                effective(&[PolicyFile { path: &file.path, text: &file.content }], &options);
            assert_eq!(format!("{:?}", one.policy), format!("{expected:?}"), "{path}");
        }

        let mut read = Vec::new();
        let choice = Choice { lpar: Some("sysb"), stack: None };
        each_installed(&fleet, &options, choice, |i| read.push(format!("{}/{}", i.lpar, i.stack)))
            .expect("installed");
        assert_eq!(read, ["SYSB/TCPIP", "SYSB/TCPIPB"]);
        let picked = pick(&fleet, &options, Choice { lpar: Some("SYSB"), stack: Some("TCPIPB") })
            .expect("one stack");
        assert_eq!((picked.lpar.as_str(), picked.stack.as_str()), ("SYSB", "TCPIPB"));
        let many = pick(&fleet, &options, Choice { lpar: Some("SYSB"), stack: None });
        assert_eq!(
            many.err().as_deref(),
            Some(
                "more than one stack matches; pick one with --lpar and --stack: SYSB/TCPIP, SYSB/TCPIPB"
            )
        );
        let none = pick(&fleet, &options, Choice { lpar: Some("SYSZ"), stack: None });
        assert!(
            none.is_err_and(|e| e.ends_with("SYSA/TCPIP, SYSB/TCPIP, SYSB/TCPIPB, SYSC/TCPIP"))
        );
    }
}
