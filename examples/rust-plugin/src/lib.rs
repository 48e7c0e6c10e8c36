//! A complete minimal zat plugin: writes `lpars/<LPAR>/stacks.txt` with the LPAR's TCP/IP
//! stacks and whether AT-TLS is on, for every LPAR in the run.

use zat_plugin_api::model::Diagnostic;
use zat_plugin_api::{
    EmitError, Emitter, OutputFile, RenderRequest, RenderResponse, export_emitter, layout,
};

#[derive(Debug, Default)]
pub struct StacksEmitter;

impl Emitter for StacksEmitter {
    const NAME: &'static str = "stacks";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const PROVIDES: &'static [&'static str] = &[zat_plugin_api::UNIT_LPAR];

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let mut response = RenderResponse::default();
        for lpar in request.fleet.lpars.iter().filter(|l| request.includes_lpar(&l.name)) {
            let mut text = String::new();
            for stack in &lpar.stacks {
                let ttls = if stack.ttls { "on" } else { "off" };
                text.push_str(&format!("{} TTLS {ttls}\n", stack.name));
            }
            if lpar.stacks.is_empty() {
                // A warning does not stop the build; an error would (and nothing is written).
                response.diagnostics.push(
                    Diagnostic::warning("SITE0001", "this LPAR has no TCP/IP stack")
                        .object(format!("lpar {}", lpar.name))
                        .at(&lpar.origin),
                );
            }
            response.files.push(OutputFile {
                path: format!("{}/stacks.txt", layout::lpar_dir(&lpar.name)),
                content: text,
                target: Some("not installed: for the site inventory".to_owned()),
                placement: None,
            });
        }
        Ok(response)
    }
}

export_emitter!(StacksEmitter);
