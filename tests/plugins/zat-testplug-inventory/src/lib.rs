//! Test plugin: a well-behaved emitter that writes one CSV per LPAR listing its AT-TLS rules.
//!
//! It stands in for a site plugin (a CMDB export) in the end-to-end tests: the same type is
//! linked in as a built-in and loaded from its `cdylib`, and both must give the same files.

use std::fmt::Write as _;

use zat_plugin_api::model::PortRange;
use zat_plugin_api::{EmitError, Emitter, OutputFile, RenderRequest, RenderResponse};

/// Writes `lpars/<LPAR>/inventory/rules.csv` for every LPAR in the run.
#[derive(Debug, Default)]
pub struct InventoryEmitter;

impl Emitter for InventoryEmitter {
    const NAME: &'static str = "inventory";
    const VERSION: &'static str = "0.1.0";

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let mut files = Vec::new();
        for lpar in request.fleet.lpars.iter().filter(|l| request.includes_lpar(&l.name)) {
            let mut csv =
                String::from("lpar,stack,rule,direction,local_port,remote_port,jobname,userid\n");
            for stack in &lpar.stacks {
                for rule in &stack.rules {
                    writeln!(
                        csv,
                        "{},{},{},{},{},{},{},{}",
                        lpar.name,
                        stack.name,
                        rule.name,
                        rule.direction.keyword(),
                        ports(rule.local_port.as_ref()),
                        ports(rule.remote_port.as_ref()),
                        rule.jobname.as_deref().unwrap_or(""),
                        rule.userid.as_deref().unwrap_or(""),
                    )
                    .map_err(|e| EmitError::Message(e.to_string()))?;
                }
            }
            files.push(OutputFile {
                path: format!(
                    "{}/inventory/rules.csv",
                    zat_plugin_api::layout::lpar_dir(&lpar.name)
                ),
                content: csv,
                target: Some("not installed: load into the site CMDB".to_owned()),
                placement: None,
            });
        }
        Ok(RenderResponse { files, diagnostics: Vec::new() })
    }
}

fn ports(range: Option<&PortRange>) -> String {
    match range {
        None => String::new(),
        Some(r) if r.low == r.high => r.low.to_string(),
        Some(r) => format!("{}-{}", r.low, r.high),
    }
}
