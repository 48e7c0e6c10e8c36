//! Policy Agent policy syntax, and what Policy Agent installs from it; no I/O.
//!
//! Syntax:
//! - [`parse()`] reads any text (main file, image file or AT-TLS policy) into [`Statement`]s plus
//!   every [`ParseDiagnostic`], and never panics.
//! - [`print()`] writes statements back: one attribute per line, braces on their own lines,
//!   values aligned in one column, `#` comments; [`print_with_header`] puts a comment block
//!   first, as generated files have.
//! - [`keywords`] is the whitelist: per statement type the attributes Policy Agent accepts, in
//!   canonical spelling (`keywords::canonical("TTLSRule", "jobname") == Some("Jobname")`).
//! - [`index`] resolves names: every named global statement of a set of parsed files, and the
//!   helpers that follow `...Ref` attributes the way Policy Agent does.
//!
//! What Policy Agent installs:
//! - [`effective::effective`] turns one stack's policy files into an [`EffectivePolicy`]: the
//!   rules in the order the stack compares them (priority descending, then name), each with
//!   its conditions as ranges and every setting with its value and where it came from
//!   (written, inherited, the documented default of the chosen [`Release`], or System SSL's).
//!   What Policy Agent ignores, reads differently or replaces is a [`Finding`].
//!   [`effective::PARAMETERS`] is the table behind it: statement, parameter, default and the
//!   IBM document for each.
//! - [`pasearch::read`] reads a `pasearch -t` report of a live stack into the same form, and
//!   [`compare()`] lists the differences of two effective policies, rule by rule and setting by
//!   setting.
//! - [`matcher::match_connection`] maps a [`Connection`] (side, local and remote address and
//!   port, job name, user ID; any of them may be unknown) to the rule the stack gives it:
//!
//! ```
//! use zat_policy::{effective, matcher, Connection, Options, PolicyFile, Side};
//! let text = "TTLSRule Out\n{\n Direction Outbound\n RemotePortRange 443\n Priority 10\n \
//!             TTLSGroupActionRef G\n}\nTTLSGroupAction G\n{\n TTLSEnabled Off\n}\n";
//! let options = Options::default();
//! let policy = effective::effective(&[PolicyFile { path: "p", text }], &options);
//! let connection = Connection {
//!     side: Side::Outbound,
//!     local_addr: None,
//!     local_port: None,
//!     remote_addr: None,
//!     remote_port: Some(443),
//!     jobname: Some("PAYROLL".into()),
//!     userid: None,
//! };
//! let result = matcher::match_connection(&policy, &connection, &options);
//! assert_eq!(result.matched.map(|at| policy.rules[at].name.as_str()), Some("Out"));
//! ```
//!
//!   [`MatchResult::beaten`] lists the rules that match too and lose, each with its
//!   [`Precedence`] (a higher priority, or the name order within one priority);
//!   [`matcher::covers`] says whether one rule matches every connection another matches, and
//!   [`matcher::shadowed_by`] which rule compared first does;
//!   [`matcher::unreached`] lists the rules none of a set of connections reaches.
//!
//! Emitters build a tree and print it, never concatenate policy text; `zat lint` and
//! `zat import` (crate `zat-policy-tools`) parse with the same rules.

pub mod compare;
mod diagnostic;
pub mod effective;
pub mod index;
pub mod keywords;
pub mod matcher;
mod parse;
pub mod pasearch;
mod print;
mod tree;

pub use compare::{Difference, compare};
pub use diagnostic::{DiagnosticKind, ParseDiagnostic, Severity};
pub use effective::{
    Collation, EffectivePolicy, EffectiveRule, Finding, FindingKind, Options, PolicyFile, Release,
};
pub use matcher::{Connection, MatchResult, Precedence, Side, Verdict};
pub use parse::parse;
pub use print::{print, print_with_header};
pub use tree::{Attribute, Entry, Span, Statement};
