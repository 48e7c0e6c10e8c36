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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    #[error("{0}")]
    Message(String),
    #[error("template error: {0}")]
    Template(String),
}

/// A value built once per process and handed out after: an emitter's compiled templates,
/// which would otherwise be compiled again for every unit it renders (thousands on a large
/// fleet). A failure is kept as well, and returned on every call.
///
/// ```text
/// static TEMPLATES: BuiltOnce<Environment<'static>> = BuiltOnce::new();
/// let env = TEMPLATES.get(compile)?;
/// ```
#[derive(Debug)]
pub struct BuiltOnce<T>(std::sync::OnceLock<Result<T, EmitError>>);

impl<T> BuiltOnce<T> {
    pub const fn new() -> Self {
        BuiltOnce(std::sync::OnceLock::new())
    }

    /// The value, built by `build` on the first call.
    pub fn get(&self, build: impl FnOnce() -> Result<T, EmitError>) -> Result<&T, EmitError> {
        self.0.get_or_init(build).as_ref().map_err(Clone::clone)
    }
}

impl<T> Default for BuiltOnce<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Text templates as the built-in emitters write them (feature `templates`).
#[cfg(feature = "templates")]
pub mod templates {
    use minijinja::{AutoEscape, Environment, UndefinedBehavior};

    use super::EmitError;

    /// An environment for plain-text templates: a missing value is an error (never an empty
    /// string in a job or a policy), nothing is escaped, a template's last newline is kept,
    /// and with `trim_blocks` a block tag's own line end is dropped.
    pub fn environment(trim_blocks: bool) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(trim_blocks);
        env
    }

    /// A template failure as an emitter reports it.
    pub fn error(error: minijinja::Error) -> EmitError {
        EmitError::Template(error.to_string())
    }
}
