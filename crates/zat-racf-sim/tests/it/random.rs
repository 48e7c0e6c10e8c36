//! Random starting states built from the names the fleets use (so that they collide with what
//! the jobs create, permit and delete), and the property every plan must keep on them: the jobs
//! change only objects the fleet names.

use std::collections::BTreeSet;

use proptest::prelude::*;
use zat_racf_sim::{Change, Object, diff};
use zat_racf_state::{
    Access, CertOwner, CertRef, Condition, Connection, ProfileRef, RacfState, Ring, RingRef,
    RingUsage,
};

use crate::support::{Bundle, World, bundle, cert, delivered, empty, profile, setup_order};

const LABELS: [(&str, Option<&str>); 6] = [
    ("IMSCA", None),
    ("ZCEECA", None),
    ("PLEX1CA", None),
    ("ZOSCONNCERT", Some("OMVSADM")),
    ("PAYUSR-CLIENT", Some("PAYUSR")),
    ("CICSCERT", Some("CICSUSR")),
];
const RINGS: [(&str, &str); 4] = [
    ("OMVSADM", "ZOSCONN-APIR-KEYRING"),
    ("PAYUSR", "APIR-KEYRING"),
    ("CICSUSR", "CICSRING"),
    ("ZCEESRV", "ZCEE-KEYRING"),
];
const PROFILES: [(&str, &str); 9] = [
    ("FACILITY", "IRR.DIGTCERT.**"),
    ("FACILITY", "IRR.DIGTCERT.LIST"),
    ("FACILITY", "IRR.DIGTCERT.LISTRING"),
    ("FACILITY", "IRR.*"),
    ("SERVAUTH", "EZB.INITSTACK.**"),
    ("SERVAUTH", "EZB.INITSTACK.*.TCPIP"),
    ("SERVAUTH", "EZB.INITSTACK.SYSA.TCPIP"),
    ("SERVAUTH", "EZB.INITSTACK.SYS1.TCPIP"),
    ("RDATALIB", "OMVSADM.ZOSCONN-APIR-KEYRING.LST"),
];
const IDS: [&str; 7] = ["OMVSADM", "PAYUSR", "ZCEESRV", "PAGENT", "OMPROUTE", "CICSUSR", "*"];

/// A database that already holds some of the fleets' certificates, rings and profiles, with
/// random access lists, on top of [`empty`]'s class settings.
pub fn site_state() -> impl Strategy<Value = RacfState> {
    let access = proptest::sample::select(&Access::ALL[..]);
    let list =
        proptest::collection::btree_map(proptest::sample::select(&IDS[..]), access.clone(), 0..4);
    let profiles = proptest::collection::btree_map(
        proptest::sample::select(&PROFILES[..]),
        (access, list, any::<bool>()),
        0..5,
    );
    let certs = proptest::collection::btree_set(0..LABELS.len(), 0..4);
    let rings = proptest::collection::btree_map(
        0..RINGS.len(),
        proptest::collection::btree_set(0..LABELS.len(), 0..3),
        0..3,
    );
    (profiles, certs, rings).prop_map(|(profiles, certs, rings)| {
        let mut s = empty();
        let cert_ref = |i: usize| {
            let (label, owner) = LABELS[i];
            CertRef::new(owner.map_or(CertOwner::Certauth, |o| CertOwner::User(o.into())), label)
        };
        for i in &certs {
            let dn = format!("CN={}.O=SITE", LABELS[*i].0);
            s.certificates.insert(cert_ref(*i), cert(&dn, &dn, "00", "CERTSIGN", true));
        }
        for (r, members) in rings {
            let mut ring = Ring::default();
            for m in members.iter().filter(|m| certs.contains(m)) {
                let usage =
                    if LABELS[*m].1.is_some() { RingUsage::Personal } else { RingUsage::Certauth };
                ring.connections.insert(cert_ref(*m), Connection { usage, default: false });
            }
            s.rings.insert(RingRef::new(RINGS[r].0, RINGS[r].1), ring);
        }
        for ((class, name), (uacc, list, pagent_when)) in profiles {
            let entries: Vec<(&str, Access)> = list.into_iter().collect();
            let mut p = profile(zat_racf_state::is_generic_name(name), uacc, &entries);
            if pagent_when && class == "SERVAUTH" {
                p.conditional.insert(
                    Condition {
                        id: "PAGENT".into(),
                        class: "PROGRAM".into(),
                        entity: "PAGENT".into(),
                    },
                    Access::Read,
                );
            }
            s.profiles.insert(ProfileRef::new(class, name), p);
        }
        s.sync_associations();
        s
    })
}

/// The names a fleet's jobs may touch: its certificates, rings and the profiles of its grants.
fn fleet_names(
    bundle: &Bundle,
    db: &str,
) -> (BTreeSet<CertRef>, BTreeSet<RingRef>, BTreeSet<ProfileRef>) {
    let e = bundle.expected(db);
    let exports = bundle
        .fleet
        .security_database(db)
        .into_iter()
        .flat_map(|d| &d.certificates)
        .filter_map(|c| c.export.as_ref())
        .map(|e| ProfileRef::new("DATASET", e.dsn.to_ascii_uppercase()));
    (
        e.certificates.into_iter().collect(),
        e.rings.into_iter().collect(),
        e.grants.into_iter().map(|g| ProfileRef::new(g.class, g.resource)).chain(exports).collect(),
    )
}

fn object_is_the_fleets(
    o: &Object,
    names: &(BTreeSet<CertRef>, BTreeSet<RingRef>, BTreeSet<ProfileRef>),
) -> bool {
    match o {
        Object::Certificate(c) => names.0.contains(c),
        Object::Ring(r) | Object::Connection(r, _) => names.1.contains(r),
        Object::Profile(p) | Object::AccessEntry(p, _) | Object::ConditionalEntry(p, _) => {
            names.2.contains(p)
        }
        Object::ClassSettings => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the site had, the seed's setup jobs change only the certificates, rings and
    /// profiles the fleet names, and run no command the simulator does not know. (The back-out
    /// jobs do not keep this today: deleting a CA takes it out of the site's own rings.)
    #[test]
    fn seed_jobs_touch_only_what_the_fleet_names(start in site_state()) {
        let bundle = bundle("examples/zos-connect-requester/requester-side.rhai");
        let names = fleet_names(&bundle, "PLEX1");
        let mut world = World::new(&bundle, &start, delivered());
        for run in world.run(&bundle, &setup_order(&bundle)) {
            prop_assert!(run.jcl_error.is_none());
            prop_assert!(run.commands().all(|(_, c)| c.rc != 12), "a command the simulator does not know");
        }
        let after = world.state("PLEX1");
        for change in diff(&start, &after) {
            let (Change::Added(o) | Change::Removed(o) | Change::Changed(o)) = &change;
            prop_assert!(object_is_the_fleets(o, &names), "{}", change);
        }
    }
}
