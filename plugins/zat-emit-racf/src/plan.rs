//! Planning against a discovered state: what exists already, which access must be raised, and
//! how to give it without shadowing a generic profile the site relies on.
//!
//! The discovered state (`SecurityDatabase::discovered`, from `zat build --state DB=FILE`) is
//! turned back into [`RacfState`], so that RACF's own rules decide (z/OS Security Server RACF
//! Security Administrator's Guide, "Profile names for general resources" and "Authorization
//! checking"): a discrete profile wins over every generic one, the most specific generic wins
//! among generics, a user's own entry wins over `ID(*)`, which wins over UACC.
//! Without a discovered state, [`Plan::of`] takes nothing as existing: the jobs are
//! written as for an empty database and say so.

use zat_plugin_api::model::{self, CertOwner, DiscoveredState, ResourceAccess, Usage};
use zat_racf_state::{
    Access, CertRef, Condition, Connection, Profile, ProfileRef, RacfState, Ring, RingRef,
    RingUsage, Setropts, TrustStatus, generic_matches,
};

/// How to give access through a generic profile that covers the resource (`racf.generic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GenericMode {
    /// `RDEFINE class resource FROM(generic)`: a discrete copy of the generic (its UACC and
    /// access lists), so nobody the generic allowed loses this resource, then PERMIT on it.
    /// The new access is limited to this one resource.
    Copy,
    /// PERMIT on the generic profile itself: the user gets the level for every resource the
    /// generic covers.
    Permit,
}

/// A planned profile definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Define {
    /// `RDEFINE class name UACC(NONE)`: no profile covers the resource.
    Plain,
    /// `RDEFINE class name FROM(generic)`: copy the covering generic.
    From(String),
}

/// What the plan does for one (resource, user, level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccessStep {
    /// The user has at least the level already, through `via` (a profile name, or `UACC`,
    /// `ID(*)`, a conditional entry).
    Matches { via: String },
    /// PERMIT on `profile` (the resource itself, or a covering generic), defining it first
    /// when `define` says so; `before` is the user's own entry on that profile before the
    /// plan (`None`: no entry), which BACKOUT puts back.
    Permit { profile: String, define: Option<Define>, before: Option<Access> },
}

/// The discovered state of one database, or the assumption that nothing exists.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    state: Option<RacfState>,
    pub(crate) source: Option<String>,
    pub(crate) generic: GenericMode,
}

fn access(a: ResourceAccess) -> Access {
    match a {
        ResourceAccess::None => Access::None,
        ResourceAccess::Execute => Access::Execute,
        ResourceAccess::Read => Access::Read,
        ResourceAccess::Update => Access::Update,
        ResourceAccess::Control => Access::Control,
        ResourceAccess::Alter => Access::Alter,
    }
}

pub(crate) fn cert_owner(owner: &CertOwner) -> zat_racf_state::CertOwner {
    match owner {
        CertOwner::Certauth => zat_racf_state::CertOwner::Certauth,
        CertOwner::Site => zat_racf_state::CertOwner::Site,
        CertOwner::User(id) => zat_racf_state::CertOwner::User(id.clone()),
    }
}

fn usage(u: Usage) -> RingUsage {
    match u {
        Usage::Personal => RingUsage::Personal,
        Usage::Certauth => RingUsage::Certauth,
        Usage::Site => RingUsage::Site,
    }
}

/// The model's discovered state as RACF state.
pub(crate) fn to_racf(discovered: &DiscoveredState) -> RacfState {
    let mut state = RacfState::default();
    for cert in &discovered.certificates {
        state.certificates.insert(
            CertRef::new(cert_owner(&cert.owner), cert.label.clone()),
            zat_racf_state::Certificate {
                status: TrustStatus::Trust,
                start: String::new(),
                end: String::new(),
                serial: String::new(),
                issuer: String::new(),
                subject: cert.subject.clone(),
                key_usage: None,
                key_size: None,
                private_key: cert.private_key,
                rings: Default::default(),
            },
        );
    }
    for ring in &discovered.keyrings {
        let mut r = Ring::default();
        for c in &ring.connections {
            r.connections.insert(
                CertRef::new(cert_owner(&c.cert_owner), c.label.clone()),
                Connection { usage: usage(c.usage), default: c.default },
            );
        }
        state.rings.insert(RingRef::new(ring.owner.clone(), ring.name.clone()), r);
    }
    for p in &discovered.profiles {
        let mut profile = Profile::new(p.generic, "", access(p.uacc));
        for e in &p.access {
            profile.access.insert(e.id.clone(), access(e.access));
        }
        for c in &p.conditional {
            profile.conditional.insert(
                Condition { id: c.id.clone(), class: c.class.clone(), entity: c.entity.clone() },
                access(c.access),
            );
        }
        state.profiles.insert(ProfileRef::new(p.class.clone(), p.name.clone()), profile);
    }
    state.setropts = discovered.classes.as_ref().map(|c| Setropts {
        active: c.active.iter().cloned().collect(),
        raclist: c.raclisted.iter().cloned().collect(),
        generic: c.generic.iter().cloned().collect(),
        when_program: c.when_program,
    });
    state
}

impl Plan {
    /// The plan of `db`: against its discovered state, or assuming nothing exists.
    pub(crate) fn of(db: &model::SecurityDatabase, generic: GenericMode) -> Plan {
        Plan {
            state: db.discovered.as_ref().map(to_racf),
            source: db.discovered.as_ref().map(|d| d.source.clone()),
            generic,
        }
    }

    /// Whether the plan knows the state (`--state` was given).
    pub(crate) fn discovered(&self) -> bool {
        self.state.is_some()
    }

    pub(crate) fn has_certificate(&self, owner: &CertOwner, label: &str) -> bool {
        self.state.as_ref().is_some_and(|s| {
            s.certificates.contains_key(&CertRef::new(cert_owner(owner), label.to_owned()))
        })
    }

    pub(crate) fn has_ring(&self, owner: &str, name: &str) -> bool {
        self.state
            .as_ref()
            .is_some_and(|s| s.rings.contains_key(&RingRef::new(owner.to_owned(), name.to_owned())))
    }

    /// The connection of a certificate to a ring, as discovered.
    pub(crate) fn connection(
        &self,
        ring_owner: &str,
        ring: &str,
        owner: &CertOwner,
        label: &str,
    ) -> Option<(RingUsage, bool)> {
        let state = self.state.as_ref()?;
        let ring = state.rings.get(&RingRef::new(ring_owner.to_owned(), ring.to_owned()))?;
        ring.connections
            .get(&CertRef::new(cert_owner(owner), label.to_owned()))
            .map(|c| (c.usage, c.default))
    }

    /// The label of the ring's DEFAULT certificate, as discovered.
    pub(crate) fn default_of(&self, ring_owner: &str, ring: &str) -> Option<String> {
        let state = self.state.as_ref()?;
        let ring = state.rings.get(&RingRef::new(ring_owner.to_owned(), ring.to_owned()))?;
        ring.connections.iter().find(|(_, c)| c.default).map(|(k, _)| k.label.clone())
    }

    /// Whether a class is active, RACLISTed; `None` when the listing had no SETROPTS LIST.
    pub(crate) fn class(&self, class: &str) -> Option<(bool, bool)> {
        let state = self.state.as_ref()?;
        state.setropts.as_ref()?;
        let c = state.class(class);
        Some((c.active, c.raclisted))
    }

    /// Whether generic profiles of `class` are used for checking (assumed when unknown).
    fn generic_in_effect(state: &RacfState, class: &str) -> bool {
        state.setropts.as_ref().is_none_or(|s| s.generic.contains(class))
    }

    /// The profile RACF checks `resource` against: a discrete one, else the most specific
    /// generic when generics are in effect.
    fn protecting<'a>(
        state: &'a RacfState,
        class: &str,
        resource: &str,
    ) -> Option<(&'a ProfileRef, &'a Profile)> {
        let key = ProfileRef::new(class, resource);
        if let Some((k, p)) = state.profiles.get_key_value(&key)
            && !p.generic
        {
            return Some((k, p));
        }
        if Self::generic_in_effect(state, class) {
            state.best_generic(class, resource)
        } else {
            None
        }
    }

    /// The level `id` has on `profile` (its own entry, else `ID(*)`, else UACC) and, running
    /// `program`, through a conditional entry, with where it comes from.
    fn level(profile: &Profile, id: &str, program: Option<&str>, when: bool) -> (Access, String) {
        let (mut level, mut via) = match (profile.access.get(id), profile.access.get("*")) {
            (Some(a), _) => (*a, format!("ID({id})")),
            (None, Some(a)) => (*a, "ID(*)".to_owned()),
            (None, None) => (profile.uacc, "UACC".to_owned()),
        };
        if let (Some(program), true) = (program, when) {
            for (c, a) in &profile.conditional {
                if (c.id == id || c.id == "*")
                    && c.class == "PROGRAM"
                    && generic_matches(&c.entity, program)
                    && *a > level
                {
                    level = *a;
                    via = format!("ID({}) WHEN(PROGRAM({}))", c.id, c.entity);
                }
            }
        }
        (level, via)
    }

    /// What the plan does so that `id` has at least `needed` on `resource` of `class`. A user
    /// that always runs `program` (the Policy Agent) also counts a matching conditional entry.
    /// `conditional`: the permit to write is `WHEN(PROGRAM(...))`, so `before` is its
    /// conditional entry.
    pub(crate) fn access(
        &self,
        class: &str,
        resource: &str,
        id: &str,
        needed: Access,
        program: Option<&str>,
        conditional: bool,
    ) -> AccessStep {
        let Some(state) = &self.state else {
            return AccessStep::Permit {
                profile: resource.to_owned(),
                define: Some(Define::Plain),
                before: None,
            };
        };
        let when = state.setropts.as_ref().is_none_or(|s| s.when_program);
        let Some((key, profile)) = Self::protecting(state, class, resource) else {
            return AccessStep::Permit {
                profile: resource.to_owned(),
                define: Some(Define::Plain),
                before: None,
            };
        };
        let (level, via) = Self::level(profile, id, program, when);
        if level >= needed {
            return AccessStep::Matches { via: format!("{} {via} {level}", key.name) };
        }
        let before = |p: &Profile| {
            if conditional {
                program.and_then(|prog| {
                    p.conditional
                        .iter()
                        .find(|(c, _)| c.id == id && c.class == "PROGRAM" && c.entity == prog)
                        .map(|(_, a)| *a)
                })
            } else {
                p.access.get(id).copied()
            }
        };
        if !profile.generic {
            return AccessStep::Permit {
                profile: key.name.clone(),
                define: None,
                before: before(profile),
            };
        }
        match self.generic {
            GenericMode::Copy => AccessStep::Permit {
                profile: resource.to_owned(),
                define: Some(Define::From(key.name.clone())),
                // The copy carries the generic's entries: putting back means deleting the copy.
                before: before(profile),
            },
            GenericMode::Permit => AccessStep::Permit {
                profile: key.name.clone(),
                define: None,
                before: before(profile),
            },
        }
    }
}
