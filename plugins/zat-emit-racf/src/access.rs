//! Access-list changes of a plan: from the access the fleet needs (who, which resource, which
//! level) to the profiles to define, the PERMITs to write, their back-out, and what matches.

use zat_plugin_api::model::Origin;
use zat_racf_state::Access;

use crate::job::Command;
use crate::plan::{AccessStep, Define, Plan};
use crate::racdcert;

/// Access the fleet needs.
#[derive(Debug, Clone)]
pub(crate) struct Need {
    pub(crate) class: &'static str,
    pub(crate) resource: String,
    pub(crate) id: String,
    pub(crate) access: Access,
    /// The program this user always runs (the Policy Agent): a conditional entry for it
    /// counts as access.
    pub(crate) program: Option<&'static str>,
    /// Write the permit as `WHEN(...)` with this condition.
    pub(crate) when: Option<&'static str>,
    pub(crate) object: String,
    pub(crate) origin: Origin,
}

/// One PERMIT of the plan and how to undo it.
#[derive(Debug, Clone)]
pub(crate) struct Permit {
    pub(crate) class: &'static str,
    pub(crate) profile: String,
    pub(crate) id: String,
    pub(crate) access: Access,
    pub(crate) when: Option<&'static str>,
    /// The entry before the plan (`None`: there was none).
    pub(crate) before: Option<Access>,
    /// The plan defines the profile (BACKOUT deletes it instead of undoing the entry).
    pub(crate) on_new_profile: bool,
    pub(crate) object: String,
    pub(crate) origin: Origin,
}

/// The access part of a plan.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccessPlan {
    /// `(class, profile, how)` in definition order.
    pub(crate) defines: Vec<(&'static str, String, Define)>,
    pub(crate) permits: Vec<Permit>,
    /// What already matches, one phrase each.
    pub(crate) matches: Vec<String>,
    /// Every profile the fleet's access goes through (for listings).
    pub(crate) profiles: Vec<(&'static str, String)>,
}

impl AccessPlan {
    pub(crate) fn of(plan: &Plan, needs: &[Need]) -> AccessPlan {
        let mut out = AccessPlan::default();
        for need in needs {
            let step = plan.access(
                need.class,
                &need.resource,
                &need.id,
                need.access,
                need.program,
                need.when.is_some(),
            );
            match step {
                AccessStep::Matches { via } => {
                    out.matches
                        .push(format!("{} {} HAS {} ({via})", need.id, need.resource, need.access));
                    out.list(need.class, &need.resource);
                }
                AccessStep::Permit { profile, define, before } => {
                    if let Some(define) = define
                        && !out.defines.iter().any(|(c, p, _)| *c == need.class && *p == profile)
                    {
                        out.defines.push((need.class, profile.clone(), define));
                    }
                    let on_new_profile =
                        out.defines.iter().any(|(c, p, _)| *c == need.class && *p == profile);
                    out.list(need.class, &profile);
                    if out.permits.iter().any(|p| {
                        p.class == need.class
                            && p.profile == profile
                            && p.id == need.id
                            && p.when == need.when
                    }) {
                        continue;
                    }
                    out.permits.push(Permit {
                        class: need.class,
                        profile,
                        id: need.id.clone(),
                        access: need.access,
                        when: need.when,
                        before,
                        on_new_profile,
                        object: need.object.clone(),
                        origin: need.origin.clone(),
                    });
                }
            }
        }
        out
    }

    fn list(&mut self, class: &'static str, profile: &str) {
        if !self.profiles.iter().any(|(c, p)| *c == class && p == profile) {
            self.profiles.push((class, profile.to_owned()));
        }
    }

    /// The RDEFINE commands.
    pub(crate) fn define_commands(&self) -> Vec<Command> {
        self.defines
            .iter()
            .map(|(class, profile, define)| {
                Command::new(match define {
                    Define::Plain => racdcert::rdefine(class, profile),
                    Define::From(generic) => racdcert::rdefine_from(class, profile, generic),
                })
            })
            .collect()
    }

    /// The RDEFINE commands of a tolerant step (no discovered state: a profile may be there
    /// already, ICH10102I), each followed at the end by a listing of the profile. A TMP step's
    /// RC is its last command's, and a job's condition code its highest step RC: the listing
    /// ends the step with 0 when the profile is there, whoever defined it, so that a rerun (or
    /// a system that has the profile) ends with condition code 0, which the deploy scripts'
    /// `--max-cc 0` needs; a profile that is not there ends it with the listing's RC.
    pub(crate) fn tolerant_define_commands(&self) -> Vec<Command> {
        let mut commands = self.define_commands();
        commands.extend(
            self.defines
                .iter()
                .map(|(class, profile, _)| Command::new(racdcert::rlist_profile(class, profile))),
        );
        commands
    }

    /// The PERMIT commands.
    pub(crate) fn permit_commands(&self) -> Vec<Command> {
        self.permits
            .iter()
            .map(|p| {
                Command::new(racdcert::permit(
                    p.class,
                    &p.profile,
                    &p.id,
                    p.access.as_str(),
                    p.when,
                ))
                .from(p.object.clone(), &p.origin)
            })
            .collect()
    }

    /// The back-out of the permits: with a discovered state, each entry goes back to its level
    /// before (deleted when there was none) and each profile the plan defined is deleted;
    /// without one, every entry the plan wrote is deleted and no profile is (it may predate
    /// zat). Returns (permit commands, profile deletions).
    pub(crate) fn backout_commands(&self, discovered: bool) -> (Vec<Command>, Vec<Command>) {
        let mut permits = Vec::new();
        for p in self.permits.iter().filter(|p| !(discovered && p.on_new_profile)) {
            permits.push(Command::new(match p.before {
                Some(level) if discovered => {
                    racdcert::permit(p.class, &p.profile, &p.id, level.as_str(), p.when)
                }
                _ => racdcert::permit_delete(p.class, &p.profile, &p.id, p.when),
            }));
        }
        let deletes = if discovered {
            self.defines
                .iter()
                .rev()
                .map(|(class, profile, _)| Command::new(racdcert::rdelete(class, profile)))
                .collect()
        } else {
            Vec::new()
        };
        (permits, deletes)
    }
}
