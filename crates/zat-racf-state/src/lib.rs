//! The RACF state that a read-only DISCOVER job shows: typed certificates, key rings, general
//! resource profiles and class settings, the parser of the job's SYSTSPRT, and the job's
//! commands. No I/O.

mod command;
mod discover;
mod model;
mod parse;

pub use command::{Command, Operand, parse_command, quote, strip_comments};
pub use discover::{Targets, discover_commands};
pub use model::{
    Access, CertOwner, CertRef, Certificate, ClassStatus, Condition, Connection, Decision, Profile,
    ProfileRef, RacfState, Ring, RingRef, RingUsage, Setropts, TrustStatus, generic_matches,
    is_generic_name, specificity,
};
pub use parse::{Answer, Listed, Listing, ParseError, parse, parse_listing};
