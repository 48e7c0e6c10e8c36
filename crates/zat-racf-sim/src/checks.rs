//! Checks over a run: (state before, state after, job traces). Each returns what it found, so
//! that a test can assert "none" or count them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use zat_racf_state::{
    Access, CertRef, Condition, Decision, ProfileRef, RacfState, RingRef, RingUsage,
};

use crate::jcl::{JobRun, logical_commands, parse_job};
use crate::racf::{DataSetUse, DataSets, Effect, data_set_use};

/// An access a plan must give: `id` gets at least `access` to `resource` of `class` (while
/// running `program`, for a conditional permit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    pub class: String,
    pub resource: String,
    pub id: String,
    pub access: Access,
    pub program: Option<String>,
}

/// What a plan must reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    pub certificates: Vec<CertRef>,
    pub rings: Vec<RingRef>,
    /// (ring, certificate, usage, default)
    pub connections: Vec<(RingRef, CertRef, RingUsage, bool)>,
    pub grants: Vec<Grant>,
}

/// Everything of `expected` that `after` lacks, one sentence each.
pub fn missing(after: &RacfState, expected: &Expected) -> Vec<String> {
    let mut out = Vec::new();
    for c in &expected.certificates {
        if !after.certificates.contains_key(c) {
            out.push(format!("certificate {c} does not exist"));
        }
    }
    for r in &expected.rings {
        if !after.rings.contains_key(r) {
            out.push(format!("ring {r} does not exist"));
        }
    }
    for (ring, cert, usage, default) in &expected.connections {
        match after.rings.get(ring).and_then(|r| r.connections.get(cert)) {
            None => out.push(format!("{cert} is not connected to ring {ring}")),
            Some(c) if c.usage != *usage || c.default != *default => out.push(format!(
                "{cert} is in ring {ring} with usage {} default {}, not {} default {default}",
                c.usage.as_str(),
                c.default,
                usage.as_str()
            )),
            Some(_) => {}
        }
    }
    for g in &expected.grants {
        let decision = after.decide(&g.class, &g.resource, &g.id, g.program.as_deref());
        if decision < Decision::Granted(g.access) {
            out.push(format!(
                "{} has {decision:?} to {} {}, needs {}",
                g.id, g.class, g.resource, g.access
            ));
        }
    }
    out
}

/// An ID that had more access before than after.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lowered {
    pub class: String,
    pub resource: String,
    pub id: String,
    pub program: Option<String>,
    pub before: Access,
    pub after: Access,
}

impl fmt::Display for Lowered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}: {} -> {}",
            self.class, self.resource, self.id, self.before, self.after
        )?;
        if let Some(p) = &self.program {
            write!(f, " (running {p})")?;
        }
        Ok(())
    }
}

/// Resources, and (ID, program) pairs, to probe in one class.
type Probes = (BTreeSet<String>, BTreeSet<(String, Option<String>)>);

/// A resource name that a generic profile name covers, for probing its access.
fn sample_of(pattern: &str) -> String {
    pattern.replace("**", "ZATX").replace(['*', '%'], "Z")
}

/// Every (class, resource, ID, program) whose access RACF decides lower after than before. The
/// probes are the names of every profile before or after (a generic name probed with a sample
/// resource it covers), every ID on any of their access lists, `*` for any other user, and every
/// program of a conditional entry. A resource that was not protected before and is now is not
/// counted as lowered.
pub fn lowered_access(before: &RacfState, after: &RacfState) -> Vec<Lowered> {
    let mut probes: BTreeMap<String, Probes> = BTreeMap::new();
    for state in [before, after] {
        for (key, p) in &state.profiles {
            let entry = probes.entry(key.class.clone()).or_default();
            entry.0.insert(if p.generic { sample_of(&key.name) } else { key.name.clone() });
            entry.1.insert(("*".into(), None));
            for id in p.access.keys() {
                entry.1.insert((id.clone(), None));
            }
            for c in p.conditional.keys() {
                entry.1.insert((c.id.clone(), None));
                entry.1.insert((c.id.clone(), Some(c.entity.clone())));
            }
        }
    }
    let mut out = Vec::new();
    for (class, (resources, ids)) in &probes {
        for resource in resources {
            for (id, program) in ids {
                let b = before.decide(class, resource, id, program.as_deref());
                let a = after.decide(class, resource, id, program.as_deref());
                if let (Decision::Granted(b), Decision::Granted(a)) = (b, a)
                    && a < b
                {
                    out.push(Lowered {
                        class: class.clone(),
                        resource: resource.clone(),
                        id: id.clone(),
                        program: program.clone(),
                        before: b,
                        after: a,
                    });
                }
            }
        }
    }
    out
}

/// A RACF object, for reporting differences.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Object {
    Certificate(CertRef),
    Ring(RingRef),
    Connection(RingRef, CertRef),
    Profile(ProfileRef),
    AccessEntry(ProfileRef, String),
    ConditionalEntry(ProfileRef, Condition),
    ClassSettings,
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Object::Certificate(c) => write!(f, "certificate {c}"),
            Object::Ring(r) => write!(f, "ring {r}"),
            Object::Connection(r, c) => write!(f, "connection of {c} to ring {r}"),
            Object::Profile(p) => write!(f, "profile {p}"),
            Object::AccessEntry(p, id) => write!(f, "access entry {id} on {p}"),
            Object::ConditionalEntry(p, c) => {
                write!(f, "conditional entry {} WHEN({}({})) on {p}", c.id, c.class, c.entity)
            }
            Object::ClassSettings => f.write_str("class settings"),
        }
    }
}

/// One difference between two states.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Added(Object),
    Removed(Object),
    /// Present in both, with other content (status, UACC, access level, usage, ...).
    Changed(Object),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added(o) => write!(f, "added {o}"),
            Change::Removed(o) => write!(f, "removed {o}"),
            Change::Changed(o) => write!(f, "changed {o}"),
        }
    }
}

fn diff_maps<K: Ord + Clone, V: PartialEq>(
    before: &BTreeMap<K, V>,
    after: &BTreeMap<K, V>,
    object: impl Fn(&K) -> Object,
    out: &mut Vec<Change>,
) {
    for (k, v) in before {
        match after.get(k) {
            None => out.push(Change::Removed(object(k))),
            Some(w) if w != v => out.push(Change::Changed(object(k))),
            Some(_) => {}
        }
    }
    for k in after.keys() {
        if !before.contains_key(k) {
            out.push(Change::Added(object(k)));
        }
    }
}

/// Every difference from `before` to `after`. Certificates compare without their ring
/// associations (connections are compared on their own).
pub fn diff(before: &RacfState, after: &RacfState) -> Vec<Change> {
    let mut out = Vec::new();
    let strip = |s: &RacfState| {
        s.certificates
            .iter()
            .map(|(k, c)| {
                let mut c = c.clone();
                c.rings.clear();
                (k.clone(), c)
            })
            .collect::<BTreeMap<_, _>>()
    };
    diff_maps(&strip(before), &strip(after), |k| Object::Certificate(k.clone()), &mut out);
    let empty = Default::default();
    diff_maps(
        &before.rings.keys().map(|k| (k.clone(), ())).collect(),
        &after.rings.keys().map(|k| (k.clone(), ())).collect(),
        |k: &RingRef| Object::Ring(k.clone()),
        &mut out,
    );
    let rings: BTreeSet<&RingRef> = before.rings.keys().chain(after.rings.keys()).collect();
    for ring in rings {
        diff_maps(
            before.rings.get(ring).map_or(&empty, |r| &r.connections),
            after.rings.get(ring).map_or(&empty, |r| &r.connections),
            |c| Object::Connection(ring.clone(), c.clone()),
            &mut out,
        );
    }
    let strip_lists = |s: &RacfState| {
        s.profiles
            .iter()
            .map(|(k, p)| {
                let mut p = p.clone();
                p.access.clear();
                p.conditional.clear();
                (k.clone(), p)
            })
            .collect::<BTreeMap<_, _>>()
    };
    diff_maps(&strip_lists(before), &strip_lists(after), |k| Object::Profile(k.clone()), &mut out);
    let profiles: BTreeSet<&ProfileRef> =
        before.profiles.keys().chain(after.profiles.keys()).collect();
    let (no_access, no_cond) = (BTreeMap::new(), BTreeMap::new());
    for key in profiles {
        let b = before.profiles.get(key);
        let a = after.profiles.get(key);
        diff_maps(
            b.map_or(&no_access, |p| &p.access),
            a.map_or(&no_access, |p| &p.access),
            |id| Object::AccessEntry(key.clone(), id.clone()),
            &mut out,
        );
        diff_maps(
            b.map_or(&no_cond, |p| &p.conditional),
            a.map_or(&no_cond, |p| &p.conditional),
            |c| Object::ConditionalEntry(key.clone(), c.clone()),
            &mut out,
        );
    }
    if before.setropts != after.setropts {
        out.push(Change::Changed(Object::ClassSettings));
    }
    out
}

/// Objects that existed before and do not after (entries of access lists included).
pub fn removed(before: &RacfState, after: &RacfState) -> Vec<Object> {
    diff(before, after)
        .into_iter()
        .filter_map(|c| match c {
            Change::Removed(o) => Some(o),
            _ => None,
        })
        .collect()
}

/// A job that reads a data set which is not there when it runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wait {
    pub job: String,
    pub dsn: String,
    /// The job later in the order that writes it, or `None` when no job of the run does (it has
    /// to come from someone else).
    pub written_later_by: Option<String>,
}

/// Every read of a data set that no earlier job (nor the starting catalog) wrote, given the
/// jobs' runs in the order they were submitted. Runs are identified by position: `labels[i]`
/// names `runs[i]` in the report.
pub fn waits(runs: &[JobRun], labels: &[String], initial: &DataSets) -> Vec<Wait> {
    let mut available: BTreeSet<&str> = initial.keys().map(String::as_str).collect();
    let label = |i: usize| labels.get(i).cloned().unwrap_or_else(|| runs[i].job.clone());
    let mut out = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        for (_, command) in run.commands() {
            for effect in &command.effects {
                match effect {
                    Effect::ReadDataSet { dsn, .. } if !available.contains(dsn.as_str()) => {
                        let later = runs.iter().enumerate().skip(i + 1).find(|(_, r)| {
                            r.commands().any(|(_, c)| {
                                c.effects.iter().any(
                                    |e| matches!(e, Effect::WroteDataSet { dsn: d } if d == dsn),
                                )
                            })
                        });
                        out.push(Wait {
                            job: label(i),
                            dsn: dsn.clone(),
                            written_later_by: later.map(|(j, _)| label(j)),
                        });
                    }
                    Effect::WroteDataSet { dsn } => {
                        available.insert(dsn.as_str());
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// A read of a data set that, in the given job order, nobody has written yet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrderWait {
    /// The job (its label) and step that read it.
    pub job: String,
    pub step: String,
    pub dsn: String,
    /// Jobs later in the order, or steps later in the same job, that write it (`job step`);
    /// empty when only someone outside the run can deliver it.
    pub writers: Vec<String>,
}

/// Reads the jobs' JCL (without running it) and returns every RACDCERT ADD of a data set that
/// neither the starting catalog nor an earlier step of the order writes. `jobs` are
/// (label, JCL) in submission order; `issuer` prefixes unquoted names. A job whose JCL does not
/// parse is skipped (running it reports the JCL error).
pub fn order_waits(jobs: &[(String, String)], initial: &DataSets, issuer: &str) -> Vec<OrderWait> {
    let mut flow: Vec<(usize, String, DataSetUse, String)> = Vec::new();
    for (i, (_, jcl)) in jobs.iter().enumerate() {
        let Ok(job) = parse_job(jcl) else { continue };
        for (step, records) in job.steps() {
            for (text, _) in logical_commands(records) {
                if let Some((usage, dsn)) = data_set_use(&text, issuer) {
                    flow.push((i, step.to_owned(), usage, dsn));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (at, (job, step, usage, dsn)) in flow.iter().enumerate() {
        if *usage != DataSetUse::Read || initial.contains_key(dsn) {
            continue;
        }
        let written_before =
            flow[..at].iter().any(|(_, _, u, d)| *u == DataSetUse::Write && d == dsn);
        if written_before {
            continue;
        }
        let writers = flow[at + 1..]
            .iter()
            .filter(|(_, _, u, d)| *u == DataSetUse::Write && d == dsn)
            .map(|(j, s, _, _)| format!("{} {s}", jobs[*j].0))
            .collect();
        out.push(OrderWait {
            job: jobs[*job].0.clone(),
            step: step.clone(),
            dsn: dsn.clone(),
            writers,
        });
    }
    out
}
