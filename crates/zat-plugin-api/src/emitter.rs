//! The trait every emitter implements, linked in or loaded from a library.

use crate::{PluginInfo, RenderRequest, RenderResponse};

/// An emitter turns the expanded fleet into files.
///
/// It must be deterministic: the same request gives byte-identical files.
pub trait Emitter: Default + Send + Sync + 'static {
    /// Short unique name, e.g. `racf`.
    const NAME: &'static str;
    /// The emitter's own version.
    const VERSION: &'static str;
    /// Capabilities, e.g. `&["esm:racf"]`; empty for most emitters.
    const PROVIDES: &'static [&'static str] = &[];
    /// The option keys it reads (without the `NAME.` prefix), or `None` when it does not
    /// declare them (see [`PluginInfo::options`]).
    const OPTIONS: Option<&'static [&'static str]> = None;

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError>;

    fn info() -> PluginInfo {
        PluginInfo {
            name: Self::NAME.to_owned(),
            version: Self::VERSION.to_owned(),
            provides: Self::PROVIDES.iter().map(|s| (*s).to_owned()).collect(),
            options: Self::OPTIONS.map(|keys| keys.iter().map(|k| (*k).to_owned()).collect()),
        }
    }
}

/// Why an emitter could not render at all (problems in the model are diagnostics instead).
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error("{0}")]
    Message(String),
    #[error("template error: {0}")]
    Template(String),
}
