//! The commands of a read-only DISCOVER job: what to list so that the job's SYSTSPRT shows the
//! state of every certificate, ring, profile and class a plan touches.

use std::collections::BTreeSet;

use crate::command::quote;
use crate::model::{CertRef, ProfileRef, RacfState, RingRef, is_generic_name};

/// What a DISCOVER job lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub certificates: BTreeSet<CertRef>,
    pub rings: BTreeSet<RingRef>,
    /// Resources (or generic profile names) by class: each is listed as the discrete profile of
    /// that name and as the generic profile that covers it.
    pub resources: BTreeSet<ProfileRef>,
    /// List the class settings (SETROPTS LIST).
    pub setropts: bool,
}

impl Targets {
    /// Everything `state` holds: listing these commands against a database in that state shows
    /// all of it.
    pub fn of_state(state: &RacfState) -> Targets {
        Targets {
            certificates: state.certificates.keys().cloned().collect(),
            rings: state.rings.keys().cloned().collect(),
            resources: state.profiles.keys().cloned().collect(),
            setropts: state.setropts.is_some(),
        }
    }
}

/// The DISCOVER job's commands, one logical command per string (TSO line splitting is the
/// caller's). Only listing commands: the job changes nothing.
pub fn discover_commands(targets: &Targets) -> Vec<String> {
    let mut out = Vec::new();
    if targets.setropts {
        out.push("SETROPTS LIST".to_owned());
    }
    for cert in &targets.certificates {
        out.push(format!("RACDCERT {} LIST(LABEL({}))", cert.owner.operand(), quote(&cert.label)));
    }
    for ring in &targets.rings {
        out.push(format!("RACDCERT ID({}) LISTRING({})", ring.owner, ring.name));
    }
    for resource in &targets.resources {
        out.push(format!("RLIST {} {} AUTHUSER", resource.class, resource.name));
        if !is_generic_name(&resource.name) {
            out.push(format!("RLIST {} {} GENERIC AUTHUSER", resource.class, resource.name));
        }
    }
    out
}
