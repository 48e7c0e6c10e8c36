//! Test plugin: an emitter that returns paths outside the bundle (`../escape`, an absolute path).

use zat_plugin_api::{
    EmitError, Emitter, OutputFile, RenderRequest, RenderResponse, export_emitter,
};

#[derive(Debug, Default)]
pub struct EscapeEmitter;

impl Emitter for EscapeEmitter {
    const NAME: &'static str = "testplug-escape";
    const VERSION: &'static str = "0.1.0";

    fn render(&self, _request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let file = |path: &str| OutputFile {
            path: path.to_owned(),
            content: "escaped\n".to_owned(),
            target: None,
            placement: None,
        };
        Ok(RenderResponse {
            files: vec![file("../escape"), file("/tmp/zat-escape")],
            diagnostics: Vec::new(),
        })
    }
}

export_emitter!(EscapeEmitter);
