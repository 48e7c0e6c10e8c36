//! Test plugin: an emitter that panics while rendering; the host must report it, not crash.

use zat_plugin_api::{EmitError, Emitter, RenderRequest, RenderResponse, export_emitter};

#[derive(Debug, Default)]
pub struct PanicEmitter;

impl Emitter for PanicEmitter {
    const NAME: &'static str = "testplug-panic";
    const VERSION: &'static str = "0.1.0";

    #[allow(clippy::panic)]
    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        panic!("testplug-panic always panics (fleet {})", request.fleet.name)
    }
}

export_emitter!(PanicEmitter);
