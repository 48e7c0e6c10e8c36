//! The typed RACF state: certificates, key rings, general resource profiles and the class
//! settings of SETROPTS, with RACF's rules for generic profiles and access decisions.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// An access level, in RACF's ascending order (NONE < EXECUTE < READ < UPDATE < CONTROL < ALTER).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    None,
    Execute,
    Read,
    Update,
    Control,
    Alter,
}

impl Access {
    /// Every level, lowest first.
    pub const ALL: [Access; 6] = [
        Access::None,
        Access::Execute,
        Access::Read,
        Access::Update,
        Access::Control,
        Access::Alter,
    ];

    /// The keyword RACF prints and accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::None => "NONE",
            Access::Execute => "EXECUTE",
            Access::Read => "READ",
            Access::Update => "UPDATE",
            Access::Control => "CONTROL",
            Access::Alter => "ALTER",
        }
    }

    /// Reads a level as RACF prints it (any case); `None` for anything else.
    pub fn parse(word: &str) -> Option<Access> {
        Access::ALL.into_iter().find(|a| a.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who owns a certificate: a certificate authority (`irrcerta`), a site certificate (`irrsitec`)
/// or a user ID.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CertOwner {
    Certauth,
    Site,
    User(String),
}

impl CertOwner {
    /// The operand that names this owner on RACDCERT: `CERTAUTH`, `SITE` or `ID(user)`.
    pub fn operand(&self) -> String {
        match self {
            CertOwner::Certauth => "CERTAUTH".into(),
            CertOwner::Site => "SITE".into(),
            CertOwner::User(id) => format!("ID({id})"),
        }
    }
}

impl fmt::Display for CertOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.operand())
    }
}

/// A certificate by its owner and label (labels are case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CertRef {
    pub owner: CertOwner,
    pub label: String,
}

impl CertRef {
    pub fn new(owner: CertOwner, label: impl Into<String>) -> CertRef {
        CertRef { owner, label: label.into() }
    }
}

impl fmt::Display for CertRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} LABEL('{}')", self.owner, self.label)
    }
}

/// A key ring by its owner (a user ID) and its case-sensitive name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RingRef {
    pub owner: String,
    pub name: String,
}

impl RingRef {
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> RingRef {
        RingRef { owner: owner.into(), name: name.into() }
    }
}

impl fmt::Display for RingRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// The trust status RACF keeps for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TrustStatus {
    Trust,
    NoTrust,
    HighTrust,
}

impl TrustStatus {
    /// As printed on the `Status:` line of RACDCERT LIST. `HIGHTRUST` is the spelling of the
    /// RACDCERT keyword; its printed form is not confirmed by IBM's samples.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustStatus::Trust => "TRUST",
            TrustStatus::NoTrust => "NOTRUST",
            TrustStatus::HighTrust => "HIGHTRUST",
        }
    }

    pub fn parse(word: &str) -> Option<TrustStatus> {
        [TrustStatus::Trust, TrustStatus::NoTrust, TrustStatus::HighTrust]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(word))
    }
}

/// One certificate as RACDCERT LIST shows it (the fields a plan needs; the display-only fields
/// such as the certificate ID, signing algorithm and fingerprint are not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub status: TrustStatus,
    /// `Start Date:` as printed, `yyyy/mm/dd hh:mm:ss`.
    pub start: String,
    /// `End Date:` as printed.
    pub end: String,
    /// Serial number as printed between `>` and `<`.
    pub serial: String,
    /// Issuer's distinguished name as printed (components separated by `.`).
    pub issuer: String,
    /// Subject's distinguished name as printed.
    pub subject: String,
    /// `Key Usage:` as printed (`CERTSIGN`, `HANDSHAKE`, ...), absent when RACF prints none.
    pub key_usage: Option<String>,
    pub key_size: Option<u32>,
    pub private_key: bool,
    /// The rings RACF lists under `Ring Associations:`.
    pub rings: BTreeSet<RingRef>,
}

/// How a certificate is used in a ring (the USAGE column of LISTRING).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RingUsage {
    Personal,
    Certauth,
    Site,
}

impl RingUsage {
    pub fn as_str(self) -> &'static str {
        match self {
            RingUsage::Personal => "PERSONAL",
            RingUsage::Certauth => "CERTAUTH",
            RingUsage::Site => "SITE",
        }
    }

    pub fn parse(word: &str) -> Option<RingUsage> {
        [RingUsage::Personal, RingUsage::Certauth, RingUsage::Site]
            .into_iter()
            .find(|u| u.as_str().eq_ignore_ascii_case(word))
    }
}

/// A certificate's place in a ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection {
    pub usage: RingUsage,
    pub default: bool,
}

/// A key ring and the certificates connected to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ring {
    pub connections: BTreeMap<CertRef, Connection>,
}

/// A general resource profile by class and name (the name as RACF keeps it, generic characters
/// included).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileRef {
    pub class: String,
    pub name: String,
}

impl ProfileRef {
    pub fn new(class: impl Into<String>, name: impl Into<String>) -> ProfileRef {
        ProfileRef { class: class.into(), name: name.into() }
    }
}

impl fmt::Display for ProfileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.class, self.name)
    }
}

/// One entry of a conditional access list: `PERMIT ... ID(id) WHEN(class(entity))`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Condition {
    pub id: String,
    /// The condition's class: `PROGRAM`, `TERMINAL`, `CONSOLE`, ...
    pub class: String,
    pub entity: String,
}

/// A general resource profile as RLIST ... AUTHUSER shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// RLIST marks it `(G)`.
    pub generic: bool,
    pub owner: String,
    pub uacc: Access,
    pub warning: bool,
    /// The standard access list; `*` stands for every RACF-defined user.
    pub access: BTreeMap<String, Access>,
    /// The conditional access list.
    pub conditional: BTreeMap<Condition, Access>,
}

impl Profile {
    /// A profile with an empty access list.
    pub fn new(generic: bool, owner: impl Into<String>, uacc: Access) -> Profile {
        Profile {
            generic,
            owner: owner.into(),
            uacc,
            warning: false,
            access: BTreeMap::new(),
            conditional: BTreeMap::new(),
        }
    }
}

/// The class settings of SETROPTS LIST.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Setropts {
    /// `ACTIVE CLASSES`.
    pub active: BTreeSet<String>,
    /// `SETR RACLIST CLASSES` (and `GLOBAL=YES RACLIST ONLY`).
    pub raclist: BTreeSet<String>,
    /// `GENERIC PROFILE CLASSES`: generic profiles are used for checking.
    pub generic: BTreeSet<String>,
    /// `WHEN(PROGRAM)` on the ATTRIBUTES line: program-conditional access is active.
    pub when_program: bool,
}

/// How a class stands, from SETROPTS LIST.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassStatus {
    pub active: bool,
    pub raclisted: bool,
    pub generic: bool,
}

/// What RACF decides for an access request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    /// No profile protects the resource, or the class is not active: RACF does not decide and
    /// the caller applies its own default.
    NotProtected,
    /// The access the protecting profile grants this user.
    Granted(Access),
}

/// The RACF objects a DISCOVER job listed (or a simulator holds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RacfState {
    pub certificates: BTreeMap<CertRef, Certificate>,
    pub rings: BTreeMap<RingRef, Ring>,
    pub profiles: BTreeMap<ProfileRef, Profile>,
    /// `None` when SETROPTS LIST was not part of the listing.
    pub setropts: Option<Setropts>,
}

impl RacfState {
    /// How `class` stands; every flag is false when SETROPTS LIST was not listed.
    pub fn class(&self, class: &str) -> ClassStatus {
        match &self.setropts {
            Some(s) => ClassStatus {
                active: s.active.contains(class),
                raclisted: s.raclist.contains(class),
                generic: s.generic.contains(class),
            },
            None => ClassStatus::default(),
        }
    }

    /// Sets every certificate's ring associations from the rings' connections, as RACF keeps
    /// them in step: call after changing rings.
    pub fn sync_associations(&mut self) {
        let mut links: BTreeMap<CertRef, BTreeSet<RingRef>> = BTreeMap::new();
        for (ring_ref, ring) in &self.rings {
            for cert in ring.connections.keys() {
                links.entry(cert.clone()).or_default().insert(ring_ref.clone());
            }
        }
        for (cert_ref, cert) in &mut self.certificates {
            cert.rings = links.remove(cert_ref).unwrap_or_default();
        }
    }

    /// The profile RACF uses to check `resource` in `class`: a discrete profile of that name,
    /// else (when generic profiles are active for the class) the most specific matching generic.
    pub fn protecting_profile(
        &self,
        class: &str,
        resource: &str,
    ) -> Option<(&ProfileRef, &Profile)> {
        let discrete = ProfileRef::new(class, resource);
        if let Some((key, profile)) = self.profiles.get_key_value(&discrete)
            && !profile.generic
        {
            return Some((key, profile));
        }
        if !self.class(class).generic {
            return None;
        }
        self.best_generic(class, resource)
    }

    /// The most specific generic profile of `class` that matches `resource`, whether or not
    /// generic checking is active (what `RLIST class resource GENERIC` shows).
    pub fn best_generic(&self, class: &str, resource: &str) -> Option<(&ProfileRef, &Profile)> {
        self.profiles
            .iter()
            .filter(|(key, profile)| {
                profile.generic && key.class == class && generic_matches(&key.name, resource)
            })
            .max_by(|a, b| specificity(&a.0.name, &b.0.name))
    }

    /// What RACF decides when `id` asks for `resource` in `class`, running `program` when given
    /// (for conditional `WHEN(PROGRAM(...))` entries). The user's own entry wins over `ID(*)`,
    /// which wins over UACC; a conditional entry can only add to that. Groups are not modelled:
    /// an ID is looked up as it is written.
    pub fn decide(&self, class: &str, resource: &str, id: &str, program: Option<&str>) -> Decision {
        if !self.class(class).active {
            return Decision::NotProtected;
        }
        let Some((_, profile)) = self.protecting_profile(class, resource) else {
            return Decision::NotProtected;
        };
        let standard = profile
            .access
            .get(id)
            .or_else(|| profile.access.get("*"))
            .copied()
            .unwrap_or(profile.uacc);
        let when_program = self.setropts.as_ref().is_some_and(|s| s.when_program);
        let conditional = match program {
            Some(program) if when_program => profile
                .conditional
                .iter()
                .filter(|(c, _)| {
                    (c.id == id || c.id == "*")
                        && c.class == "PROGRAM"
                        && generic_matches(&c.entity, program)
                })
                .map(|(_, a)| *a)
                .max(),
            _ => None,
        };
        Decision::Granted(conditional.map_or(standard, |c| c.max(standard)))
    }
}

/// True when `name` holds a generic character of general resource profiles (`*`, `%`).
pub fn is_generic_name(name: &str) -> bool {
    name.contains('*') || name.contains('%')
}

/// Whether the generic profile name `pattern` covers `resource`, with RACF's rules for general
/// resources (Command Language Reference, "Profile names for general resources"): `%` is one
/// character; `*` as a whole qualifier is exactly one qualifier, as the last qualifier one or
/// more; `*` at the end of a qualifier is any characters and any further qualifiers; `*` inside a
/// qualifier is any characters of that qualifier; `**` is zero or more qualifiers. A name without
/// generic characters matches only itself.
pub fn generic_matches(pattern: &str, resource: &str) -> bool {
    let p: Vec<&str> = pattern.split('.').collect();
    let r: Vec<&str> = resource.split('.').collect();
    match_qualifiers(&p, &r)
}

fn match_qualifiers(p: &[&str], r: &[&str]) -> bool {
    let Some((first, rest)) = p.split_first() else {
        return r.is_empty();
    };
    match *first {
        "**" => (0..=r.len()).any(|skip| match_qualifiers(rest, &r[skip..])),
        "*" if rest.is_empty() => !r.is_empty(),
        "*" => !r.is_empty() && match_qualifiers(rest, &r[1..]),
        q if rest.is_empty() && q.len() > 1 && q.ends_with('*') => {
            !r.is_empty() && match_chars(q.as_bytes(), r[0].as_bytes())
        }
        q => {
            !r.is_empty()
                && match_chars(q.as_bytes(), r[0].as_bytes())
                && match_qualifiers(rest, &r[1..])
        }
    }
}

fn match_chars(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|skip| match_chars(rest, &s[skip..])),
        Some((b'%', rest)) => !s.is_empty() && match_chars(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && match_chars(rest, &s[1..]),
    }
}

/// Orders two generic names by how specific they are (greater = more specific). IBM says the
/// most specific profile is used; its exact ranking is not spelled out, so this compares the
/// names character by character, a plain character beating `%`, `%` beating `*`, `*` beating
/// `**`, and a longer name beating its own prefix. Ties cannot occur between distinct names.
pub fn specificity(a: &str, b: &str) -> Ordering {
    let ra = ranks(a);
    let rb = ranks(b);
    ra.cmp(&rb).then_with(|| a.cmp(b))
}

fn ranks(name: &str) -> Vec<u8> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'*' if bytes.get(i + 1) == Some(&b'*') => {
                out.push(0);
                i += 2;
            }
            b'*' => {
                out.push(1);
                i += 1;
            }
            b'%' => {
                out.push(2);
                i += 1;
            }
            _ => {
                out.push(3);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_names_match_as_racf_documents() {
        let cases = [
            ("**", "A.B.C", true),
            ("IRR.DIGTCERT.**", "IRR.DIGTCERT.LIST", true),
            ("IRR.DIGTCERT.**", "IRR.DIGTCERT", true),
            ("IRR.DIGTCERT.**", "IRR.OTHER", false),
            ("EZB.INITSTACK.*.TCPIP", "EZB.INITSTACK.SYSA.TCPIP", true),
            ("EZB.INITSTACK.*.TCPIP", "EZB.INITSTACK.SYSA.B.TCPIP", false),
            ("EZB.INITSTACK.*", "EZB.INITSTACK.SYSA.TCPIP", true),
            ("EZB.INITSTACK.*", "EZB.INITSTACK", false),
            ("EZB.INIT*", "EZB.INITSTACK.SYSA", true),
            ("EZB.INIT*", "EZB.INIT", true),
            ("EZB.IN%T.X", "EZB.INIT.X", true),
            ("EZB.IN%T.X", "EZB.INT.X", false),
            ("A.B*C.D", "A.BXYC.D", true),
            ("A.B*C.D", "A.BXYC.E", false),
            ("A.**.D", "A.D", true),
            ("A.**.D", "A.B.C.D", true),
            ("PLAIN.NAME", "PLAIN.NAME", true),
            ("PLAIN.NAME", "PLAIN.NAMES", false),
        ];
        for (pattern, resource, expected) in cases {
            assert_eq!(generic_matches(pattern, resource), expected, "{pattern} vs {resource}");
        }
    }

    #[test]
    fn the_more_specific_generic_wins() {
        assert_eq!(specificity("CEDA*", "CE*"), Ordering::Greater);
        assert_eq!(specificity("C*", "**"), Ordering::Greater);
        assert_eq!(specificity("EZB.INITSTACK.SYSA.*", "EZB.INITSTACK.**"), Ordering::Greater);
        assert_eq!(specificity("EZB.%", "EZB.*"), Ordering::Greater);
    }

    type Entries<'a> = &'a [(&'a str, Access)];

    fn state_with(profiles: &[(&str, Access, Entries<'_>)]) -> RacfState {
        let mut state = RacfState {
            setropts: Some(Setropts {
                active: ["FACILITY".to_owned()].into(),
                raclist: BTreeSet::new(),
                generic: ["FACILITY".to_owned()].into(),
                when_program: true,
            }),
            ..RacfState::default()
        };
        for (name, uacc, list) in profiles {
            let mut profile = Profile::new(is_generic_name(name), "SECADM", *uacc);
            for (id, a) in *list {
                profile.access.insert((*id).to_owned(), *a);
            }
            state.profiles.insert(ProfileRef::new("FACILITY", *name), profile);
        }
        state
    }

    #[test]
    fn discrete_beats_generic_and_user_entry_beats_id_star() {
        let state = state_with(&[
            ("IRR.DIGTCERT.**", Access::None, &[("CICSUSR", Access::Read), ("*", Access::Update)]),
            ("IRR.DIGTCERT.LIST", Access::None, &[("OMVSADM", Access::Alter)]),
        ]);
        let d = |r: &str, id: &str| state.decide("FACILITY", r, id, None);
        assert_eq!(d("IRR.DIGTCERT.LISTRING", "CICSUSR"), Decision::Granted(Access::Read));
        assert_eq!(d("IRR.DIGTCERT.LISTRING", "ANYONE"), Decision::Granted(Access::Update));
        assert_eq!(d("IRR.DIGTCERT.LIST", "CICSUSR"), Decision::Granted(Access::None));
        assert_eq!(d("IRR.DIGTCERT.LIST", "OMVSADM"), Decision::Granted(Access::Alter));
        assert_eq!(d("OTHER", "OMVSADM"), Decision::NotProtected);
    }

    #[test]
    fn conditional_entries_count_only_with_program_control() {
        let mut state = state_with(&[("EZB.X", Access::None, &[])]);
        let condition =
            Condition { id: "PAGENT".into(), class: "PROGRAM".into(), entity: "PAGENT".into() };
        if let Some(p) = state.profiles.get_mut(&ProfileRef::new("FACILITY", "EZB.X")) {
            p.conditional.insert(condition, Access::Read);
        }
        assert_eq!(
            state.decide("FACILITY", "EZB.X", "PAGENT", Some("PAGENT")),
            Decision::Granted(Access::Read)
        );
        assert_eq!(
            state.decide("FACILITY", "EZB.X", "PAGENT", None),
            Decision::Granted(Access::None)
        );
        if let Some(s) = state.setropts.as_mut() {
            s.when_program = false;
        }
        assert_eq!(
            state.decide("FACILITY", "EZB.X", "PAGENT", Some("PAGENT")),
            Decision::Granted(Access::None)
        );
    }
}
