//! Typed errors raised by builders, parameters and the import resolver while a script runs.
//!
//! They travel through rhai inside `EvalAltResult::ErrorRuntime` (with the call position) and
//! come out as diagnostics with a stable code in `diagnose.rs`.

use rhai::{Dynamic, EvalAltResult, Position};

use crate::diagnose;

#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum BuilderError {
    #[error("{builder}() has no option `{key}`")]
    UnknownOption { builder: String, key: String, accepted: Vec<&'static str> },

    #[error("option `{key}` of {builder}() must be {expected}, not {found}")]
    WrongType { builder: String, key: String, expected: &'static str, found: &'static str },

    #[error("option `{key}` of {builder}() is `{found}`, which is not one of: {allowed}")]
    NotAllowed { builder: String, key: String, found: String, allowed: String },

    #[error("{builder}() needs the option `{key}`")]
    Missing { builder: String, key: String },

    #[error("fleet() is called a second time; the fleet was already created at {first}")]
    SecondFleet { first: String },

    #[error("parameter `{name}` is `{value}`, which is not {expected}")]
    BadParam { name: String, value: String, expected: &'static str },

    #[error("{what} belongs to security database {theirs}, not to {ours}")]
    OtherDatabase { what: String, theirs: String, ours: String },

    #[error("import \"{path}\" is refused: {reason}")]
    ImportRefused { path: String, reason: String },

    #[error("import \"{path}\" not found; looked for {looked}")]
    ImportNotFound { path: String, looked: String },

    #[error("import cycle: {cycle}")]
    ImportCycle { cycle: String },

    #[error("cannot read library `{file}`: {reason}")]
    ImportUnreadable { file: String, reason: String },

    /// A builder and its reference row disagree: a bug in zat, not in the script.
    #[error("internal error: {message}")]
    Internal { message: String },
}

impl BuilderError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            BuilderError::UnknownOption { .. } => diagnose::UNKNOWN_OPTION,
            BuilderError::WrongType { .. } => diagnose::WRONG_TYPE,
            BuilderError::NotAllowed { .. } => diagnose::NOT_ALLOWED,
            BuilderError::Missing { .. } => diagnose::MISSING,
            BuilderError::SecondFleet { .. } => diagnose::SECOND_FLEET,
            BuilderError::BadParam { .. } => diagnose::BAD_PARAM,
            BuilderError::OtherDatabase { .. } => diagnose::OTHER_DATABASE,
            BuilderError::ImportRefused { .. } => diagnose::IMPORT_REFUSED,
            BuilderError::ImportCycle { .. } => diagnose::IMPORT_CYCLE,
            BuilderError::ImportNotFound { .. } | BuilderError::ImportUnreadable { .. } => {
                diagnose::IMPORT_NOT_FOUND
            }
            BuilderError::Internal { .. } => diagnose::SCRIPT_ERROR,
        }
    }

    pub(crate) fn help(&self) -> Option<String> {
        match self {
            BuilderError::UnknownOption { key, accepted, .. } => {
                let mut help = String::new();
                if key.contains("password") {
                    help.push_str(
                        "zat never sees a password: name the environment variable that holds it where the job is filled in, with `password_env`\n",
                    );
                } else if let Some(near) = crate::diagnose::closest(key, accepted.iter().copied()) {
                    help.push_str(&format!("did you mean `{near}`?\n"));
                }
                if accepted.is_empty() {
                    help.push_str("it takes no options: leave the options map out");
                } else {
                    help.push_str(&format!("accepted options: {}", accepted.join(", ")));
                }
                Some(help)
            }
            BuilderError::WrongType { found, .. } if found.contains("()") => Some(
                "a map key that does not exist reads as `()`: check the name of the key the value comes from; to leave the option unset, leave it out of the map"
                    .to_owned(),
            ),
            BuilderError::SecondFleet { .. } => Some(
                "create the fleet once with `let site = fleet(\"NAME\");` and pass `site` to your functions"
                    .to_owned(),
            ),
            BuilderError::BadParam { .. } => {
                Some("fix the value given with `--set`, or the default given to param()".to_owned())
            }
            BuilderError::OtherDatabase { .. } => Some(
                "connect only certificates of the ring's own database; to trust another database's CA, add it here with import_ca(label, #{ dsn: ... })"
                    .to_owned(),
            ),
            BuilderError::ImportRefused { .. } => Some(
                "imports resolve only inside the script's folder and the --lib folders; move the library there or pass its folder with --lib DIR"
                    .to_owned(),
            ),
            BuilderError::ImportNotFound { .. } => Some(
                "check the name (without .rhai), or pass the library's folder with --lib DIR".to_owned(),
            ),
            BuilderError::ImportCycle { .. } => Some(
                "a library cannot import, directly or through others, a file that imports it: move what both need into a third library that imports neither"
                    .to_owned(),
            ),
            BuilderError::Internal { .. } => {
                Some("please report this as a bug in zat, with the script that shows it".to_owned())
            }
            _ => None,
        }
    }

    /// Wraps the error for rhai, at the position of the call that raised it.
    pub(crate) fn into_rhai(self, position: Position) -> Box<EvalAltResult> {
        Box::new(EvalAltResult::ErrorRuntime(Dynamic::from(self), position))
    }
}
