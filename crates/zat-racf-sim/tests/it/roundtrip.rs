//! DISCOVER listings written by the simulator read back by the parser: for the starting states
//! of the issue, for the state the seed's jobs leave, and for random states.

use proptest::prelude::*;
use zat_racf_sim::{Config, Racf};
use zat_racf_state::{
    Access, CertOwner, CertRef, Certificate, Condition, Connection, Listed, Profile, ProfileRef,
    RacfState, Ring, RingRef, RingUsage, Setropts, Targets, TrustStatus, discover_commands, parse,
    parse_listing,
};

use crate::support::{
    World, bundle, delivered, empty, existing_generics, followed_ibm_page, setup_order,
};

fn round_trip(state: &RacfState) {
    let mut racf = Racf::new(state.clone(), Config::default());
    let expected = racf.state();
    let text = racf.listing(&discover_commands(&Targets::of_state(&expected)));
    match parse(&text) {
        Ok(parsed) => assert_eq!(parsed, expected, "listing:\n{text}"),
        Err(e) => panic!("{e}\nlisting:\n{text}"),
    }
}

#[test]
fn starting_states_read_back_as_they_are() {
    for state in [empty(), followed_ibm_page(), existing_generics()] {
        round_trip(&state);
    }
}

#[test]
fn the_state_the_seed_leaves_reads_back_as_it_is() {
    let bundle = bundle("examples/zos-connect-requester/requester-side.rhai");
    let mut world = World::new(&bundle, &empty(), delivered());
    world.run(&bundle, &setup_order(&bundle));
    let state = world.state("PLEX1");
    assert!(state.certificates.len() >= 3 && !state.rings.is_empty());
    round_trip(&state);
}

/// Objects that do not exist answer with RACF's not-found messages, which the parser reads as
/// "absent", not as an error; a generic profile answers for a resource without its own.
#[test]
fn absent_objects_and_covering_generics_are_answered() {
    let mut racf = Racf::new(existing_generics(), Config::default());
    let targets = Targets {
        certificates: [CertRef::new(CertOwner::Certauth, "IMSCA")].into(),
        rings: [RingRef::new("OMVSADM", "ZOSCONN-APIR-KEYRING")].into(),
        resources: [
            ProfileRef::new("FACILITY", "IRR.DIGTCERT.LIST"),
            ProfileRef::new("RDATALIB", "OMVSADM.RING.LST"),
        ]
        .into(),
        setropts: true,
    };
    let text = racf.listing(&discover_commands(&targets));
    let listing = parse_listing(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let answers: Vec<(&str, &Listed)> =
        listing.answers.iter().map(|a| (a.command.as_str(), &a.listed)).collect();
    let generic = ProfileRef::new("FACILITY", "IRR.DIGTCERT.**");
    assert_eq!(
        answers,
        vec![
            (" SETROPTS LIST", &Listed::Setropts),
            (" RACDCERT CERTAUTH LIST(LABEL('IMSCA'))", &Listed::NotFound),
            (" RACDCERT ID(OMVSADM) LISTRING(ZOSCONN-APIR-KEYRING)", &Listed::NotFound),
            (
                " RLIST FACILITY IRR.DIGTCERT.LIST AUTHUSER",
                &Listed::Profiles(vec![generic.clone()])
            ),
            (
                " RLIST FACILITY IRR.DIGTCERT.LIST GENERIC AUTHUSER",
                &Listed::Profiles(vec![generic])
            ),
            (" RLIST RDATALIB OMVSADM.RING.LST AUTHUSER", &Listed::NotFound),
            (" RLIST RDATALIB OMVSADM.RING.LST GENERIC AUTHUSER", &Listed::NotFound),
        ]
        .into_iter()
        .map(|(c, l)| (c.trim_start(), l))
        .collect::<Vec<_>>()
    );
    assert_eq!(listing.state.profiles.len(), 1);
    assert!(listing.state.certificates.is_empty() && listing.state.rings.is_empty());
}

// ------------------------------------------------------------------ random states

const USERS: [&str; 4] = ["OMVSADM", "PAYUSR", "ZCEESRV", "CICSUSR"];
const CLASSES: [&str; 6] = ["DIGTCERT", "DIGTRING", "FACILITY", "RDATALIB", "SERVAUTH", "STARTED"];

fn owner() -> impl Strategy<Value = CertOwner> {
    prop_oneof![
        Just(CertOwner::Certauth),
        Just(CertOwner::Site),
        proptest::sample::select(&USERS[..]).prop_map(|u| CertOwner::User(u.to_owned())),
    ]
}

fn label() -> impl Strategy<Value = String> {
    // Labels hold blanks and apostrophes; they neither start nor end with a blank.
    "[A-Za-z0-9][A-Za-z0-9 '.#-]{0,30}[A-Za-z0-9]"
}

fn access() -> impl Strategy<Value = Access> {
    proptest::sample::select(&Access::ALL[..])
}

fn certificate() -> impl Strategy<Value = Certificate> {
    (
        proptest::sample::select(
            &[TrustStatus::Trust, TrustStatus::NoTrust, TrustStatus::HighTrust][..],
        ),
        "[0-9A-F]{2,16}",
        "CN=[A-Z0-9 .=,]{1,90}",
        "CN=[A-Z0-9 .=,]{1,90}",
        proptest::option::of(proptest::sample::select(
            &["CERTSIGN", "HANDSHAKE", "HANDSHAKE, DATAENCRYPT"][..],
        )),
        proptest::option::of(proptest::sample::select(&[1024u32, 2048, 4096][..])),
        any::<bool>(),
        (2000u32..2099, 1u32..13),
    )
        .prop_map(|(status, serial, issuer, subject, usage, key_size, private_key, (y, m))| {
            Certificate {
                status,
                start: format!("{y}/{m:02}/01 00:00:00"),
                end: format!("{}/{m:02}/01 23:59:59", y + 1),
                serial,
                issuer,
                subject,
                key_usage: usage.map(str::to_owned),
                key_size,
                private_key,
                rings: Default::default(),
            }
        })
}

fn profile_name() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![4 => "[A-Z][A-Z0-9]{0,7}", 1 => Just("*".to_owned()), 1 => Just("**".to_owned()), 1 => "[A-Z]{1,3}[%*]"],
        1..5,
    )
    .prop_map(|q| q.join("."))
    .prop_filter("RACF allows `**` once per name", |n| n.matches("**").count() <= 1)
}

fn profile(generic: bool) -> impl Strategy<Value = Profile> {
    (
        proptest::sample::select(&USERS[..]),
        access(),
        any::<bool>(),
        proptest::collection::btree_map(
            prop_oneof![
                proptest::sample::select(&USERS[..]).prop_map(str::to_owned),
                Just("*".to_owned())
            ],
            access(),
            0..4,
        ),
        proptest::collection::btree_map(
            (proptest::sample::select(&USERS[..]), "[A-Z][A-Z0-9]{0,7}").prop_map(
                |(id, entity)| Condition { id: id.to_owned(), class: "PROGRAM".into(), entity },
            ),
            access(),
            0..3,
        ),
    )
        .prop_map(move |(owner, uacc, warning, access, conditional)| Profile {
            generic,
            owner: owner.to_owned(),
            uacc,
            warning,
            access,
            conditional,
        })
}

fn state() -> impl Strategy<Value = RacfState> {
    let certs = proptest::collection::btree_map(
        (owner(), label()).prop_map(|(o, l)| CertRef::new(o, l)),
        certificate(),
        0..6,
    );
    let ring_names = proptest::collection::btree_set(
        (proptest::sample::select(&USERS[..]), "[A-Za-z][A-Za-z0-9.#-]{0,40}")
            .prop_map(|(o, n)| RingRef::new(o, n)),
        0..4,
    );
    let profiles = proptest::collection::vec(
        (proptest::sample::select(&["FACILITY", "SERVAUTH", "RDATALIB"][..]), profile_name()),
        0..6,
    );
    let classes = proptest::collection::btree_set(
        proptest::sample::select(&CLASSES[..]).prop_map(str::to_owned),
        0..6,
    );
    (
        certs,
        ring_names,
        profiles,
        classes.clone(),
        classes.clone(),
        classes,
        any::<bool>(),
        any::<u64>(),
    )
        .prop_flat_map(|(certs, rings, names, active, raclist, generic, when_program, seed)| {
            let profiles = names
                .into_iter()
                .map(|(class, name)| {
                    let g = zat_racf_state::is_generic_name(&name);
                    profile(g).prop_map(move |p| (ProfileRef::new(class, name.clone()), p))
                })
                .collect::<Vec<_>>();
            (Just((certs, rings, active, raclist, generic, when_program, seed)), profiles)
        })
        .prop_map(
            |((certs, rings, active, raclist, generic, when_program, seed), profiles)| {
                let cert_keys: Vec<CertRef> = certs.keys().cloned().collect();
                let mut state = RacfState {
                    certificates: certs,
                    profiles: profiles.into_iter().collect(),
                    setropts: Some(Setropts { active, raclist, generic, when_program }),
                    ..RacfState::default()
                };
                // Connect a pseudo-random choice of certificates to each ring, at most one default.
                let mut bits = seed;
                for ring in rings {
                    let mut r = Ring::default();
                    let mut has_default = false;
                    for cert in &cert_keys {
                        bits = bits.rotate_left(7) ^ 0x9E37_79B9_7F4A_7C15;
                        if bits & 1 == 0 {
                            continue;
                        }
                        let usage = [RingUsage::Personal, RingUsage::Certauth, RingUsage::Site]
                            [(bits >> 3) as usize % 3];
                        let default = !has_default && bits & 4 != 0;
                        has_default |= default;
                        r.connections.insert(cert.clone(), Connection { usage, default });
                    }
                    state.rings.insert(ring, r);
                }
                state.sync_associations();
                state
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_states_read_back_as_they_are(state in state()) {
        let mut racf = Racf::new(state.clone(), Config::default());
        prop_assert_eq!(&racf.state(), &state);
        let text = racf.listing(&discover_commands(&Targets::of_state(&state)));
        let parsed = parse(&text);
        prop_assert_eq!(parsed, Ok(state), "listing:\n{}", text);
    }
}

/// What the seed's DISCOVER job lists: its certificates, its ring, the FACILITY and SERVAUTH
/// resources it permits, and the class settings.
fn seed_targets() -> Targets {
    let owner = CertOwner::User("OMVSADM".into());
    Targets {
        certificates: [
            CertRef::new(CertOwner::Certauth, "IMSCA"),
            CertRef::new(CertOwner::Certauth, "ZCEECA"),
            CertRef::new(owner, "ZOSCONNCERT"),
        ]
        .into(),
        rings: [RingRef::new("OMVSADM", "ZOSCONN-APIR-KEYRING")].into(),
        resources: [
            ProfileRef::new("FACILITY", "IRR.DIGTCERT.LIST"),
            ProfileRef::new("FACILITY", "IRR.DIGTCERT.LISTRING"),
            ProfileRef::new("SERVAUTH", "EZB.INITSTACK.SYSA.TCPIP"),
        ]
        .into(),
        setropts: true,
    }
}

/// `tests/fixtures/ibm-page-site.systsprt` is the SYSTSPRT of the seed's DISCOVER job at a site
/// that followed IBM's page by hand (for `zat build --state`): it is what the simulator prints
/// today, and it reads back as that site's state.
#[test]
fn the_ibm_page_site_fixture_is_current_and_reads_back() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ibm-page-site.systsprt");
    let mut racf = Racf::new(followed_ibm_page(), Config::default());
    let text = racf.listing(&discover_commands(&seed_targets()));
    if std::env::var_os("ZAT_UPDATE_FIXTURES").is_some() {
        std::fs::write(path, &text).expect("writes the fixture");
    }
    let stored = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(stored, text, "run with ZAT_UPDATE_FIXTURES=1 to write {path}");
    assert_eq!(parse(&stored), Ok(followed_ibm_page()));
}

/// RLIST of several names answers each one; the listing reads the profiles that exist.
#[test]
fn rlist_of_several_names_reads_back() {
    let mut racf = Racf::new(existing_generics(), Config::default());
    let text = racf.listing(&[
        "RLIST FACILITY (IRR.DIGTCERT.** NOT.THERE) AUTHUSER".to_owned(),
        "RLIST SERVAUTH (NOPE EZB.INITSTACK.**) AUTHUSER".to_owned(),
    ]);
    let state = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(state.profiles, existing_generics().profiles);
}
