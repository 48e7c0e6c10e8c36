//! Test plugin: an emitter that returns the same path twice.

use zat_plugin_api::{
    EmitError, Emitter, OutputFile, RenderRequest, RenderResponse, export_emitter,
};

#[derive(Debug, Default)]
pub struct DupeEmitter;

impl Emitter for DupeEmitter {
    const NAME: &'static str = "testplug-dupe";
    const VERSION: &'static str = "0.1.0";

    fn render(&self, _request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let file = |content: &str| OutputFile {
            path: "dupe/same.txt".to_owned(),
            content: content.to_owned(),
            target: None,
            placement: None,
        };
        Ok(RenderResponse {
            files: vec![file("first\n"), file("second\n")],
            diagnostics: Vec::new(),
        })
    }
}

export_emitter!(DupeEmitter);
