//! What the parser says about a text: a kind, a severity, a lower-case message and a position.

use crate::Span;

/// Errors make Policy Agent reject the whole AT-TLS policy of a stack; warnings are things it
/// accepts but ignores or treats in a way the author probably did not mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// What kind of problem the parser found; stable, so `zat lint` can map each to a code.
/// Exhaustive on purpose: a new kind must get its lint code in `zat-policy-tools`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiagnosticKind {
    /// A `}` with no open block.
    UnmatchedClose,
    /// A block still open at the end of the text, or before a statement that cannot be
    /// nested (a `}` is missing).
    UnclosedBlock,
    /// A `{` that does not follow a statement header.
    StrayOpen,
    /// A block statement type written without braces.
    MissingBraces,
    /// A global statement without a name (only inline statements may omit it).
    MissingName,
    /// An attribute or statement without the value it needs.
    MissingValue,
    /// Words after the value; Policy Agent ignores them silently.
    ExtraWords,
    /// A statement type zat does not know (Policy Agent may ignore it).
    UnknownStatement,
    /// An attribute the statement does not accept (Policy Agent ignores it silently).
    UnknownAttribute,
    /// An attribute written outside any block.
    AttributeOutsideBlock,
    /// A character that is a control character or does not exist in code page IBM-1047.
    BadCharacter,
}

/// One finding of the parser, with the position it refers to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{span}: {message}")]
pub struct ParseDiagnostic {
    pub kind: DiagnosticKind,
    pub severity: Severity,
    /// Lower-case sentence saying what is wrong and, where it helps, what to do.
    pub message: String,
    pub span: Span,
}

impl ParseDiagnostic {
    pub(crate) fn error(kind: DiagnosticKind, span: Span, message: impl Into<String>) -> Self {
        ParseDiagnostic { kind, severity: Severity::Error, message: message.into(), span }
    }

    pub(crate) fn warning(kind: DiagnosticKind, span: Span, message: impl Into<String>) -> Self {
        ParseDiagnostic { kind, severity: Severity::Warning, message: message.into(), span }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
