//! The simulator's RACF commands one at a time (effects, messages, return codes), the TSO/E
//! step rules of IKJEFT01 and IKJEFT1B, JCL IF logic, and the checks over runs.

use zat_racf_sim::{
    Change, CommandRun, Config, DataSets, Effect, Object, Racf, diff, lowered_access, removed,
    waits,
};
use zat_racf_state::{
    Access, CertOwner, CertRef, Condition, Decision, ProfileRef, RacfState, RingRef, RingUsage,
    TrustStatus,
};

use crate::support::{empty, existing_generics, followed_ibm_page};

fn db(state: RacfState) -> Racf {
    Racf::new(state, Config::default())
}

fn exec(racf: &mut Racf, ds: &mut DataSets, text: &str) -> CommandRun {
    racf.execute(text, ds, "TESTJOB")
}

/// Runs each command and returns their RCs.
fn rcs(racf: &mut Racf, ds: &mut DataSets, commands: &[&str]) -> Vec<u16> {
    commands.iter().map(|c| exec(racf, ds, c).rc).collect()
}

fn first_message(run: &CommandRun) -> &str {
    run.output.first().map(String::as_str).unwrap_or("")
}

const CA: &str = "RACDCERT CERTAUTH GENCERT SUBJECTSDN(CN('MY CA') O('MYCOM') C('US')) KEYUSAGE(CERTSIGN) SIZE(2048) NOTAFTER(DATE(2035-12-31)) WITHLABEL('MYCA')";
const SERVER: &str = "RACDCERT ID(SRV) GENCERT SUBJECTSDN(CN('SRV.MYCOM.COM')) KEYUSAGE(HANDSHAKE) WITHLABEL('SRVCERT') SIGNWITH(CERTAUTH LABEL('MYCA'))";

#[test]
fn gencert_creates_self_signed_and_signed_certificates() {
    let mut racf = db(empty());
    let mut ds = DataSets::new();
    assert_eq!(rcs(&mut racf, &mut ds, &[CA, SERVER]), vec![0, 0]);
    let state = racf.state();
    let ca = &state.certificates[&CertRef::new(CertOwner::Certauth, "MYCA")];
    assert_eq!(ca.subject, "CN=MY CA.O=MYCOM.C=US");
    assert_eq!(ca.issuer, ca.subject);
    assert_eq!(ca.end, "2035/12/31 23:59:59");
    assert!(ca.private_key);
    let srv = &state.certificates[&CertRef::new(CertOwner::User("SRV".into()), "SRVCERT")];
    assert_eq!(srv.issuer, ca.subject);
    assert_eq!(srv.key_usage.as_deref(), Some("HANDSHAKE"));
    assert_eq!(srv.serial, "01");
    // The same label again, and a signer that does not exist.
    let again = exec(&mut racf, &mut ds, CA);
    assert_eq!(again.rc, 4);
    let orphan =
        exec(&mut racf, &mut ds, &SERVER.replace("SRVCERT", "OTHER").replace("MYCA", "NOCA"));
    assert_eq!((orphan.rc, first_message(&orphan).get(..8)), (4, Some("IRRD107I")));
    assert_eq!(racf.state().certificates.len(), 2);
}

#[test]
fn signing_needs_a_private_key() {
    let mut racf = db(empty());
    let mut ds = DataSets::new();
    exec(&mut racf, &mut ds, CA);
    exec(&mut racf, &mut ds, "RACDCERT CERTAUTH EXPORT(LABEL('MYCA')) DSN('X.CA') FORMAT(CERTB64)");
    exec(&mut racf, &mut ds, "RACDCERT CERTAUTH ADD('X.CA') WITHLABEL('COPY') TRUST");
    // ADD of the same certificate under another label: IRRD109I.
    let state = racf.state();
    assert_eq!(state.certificates.len(), 1, "IRRD109I: the certificate is in RACF already");
    let mut other = db(empty());
    assert_eq!(
        rcs(&mut other, &mut ds, &["RACDCERT CERTAUTH ADD('X.CA') WITHLABEL('COPY') NOTRUST"]),
        vec![0]
    );
    let copy = &other.state().certificates[&CertRef::new(CertOwner::Certauth, "COPY")];
    assert!(!copy.private_key, "a CERTB64 export holds no key");
    assert_eq!(copy.status, TrustStatus::NoTrust);
    let sign = exec(&mut other, &mut ds, &SERVER.replace("MYCA", "COPY"));
    assert_eq!((sign.rc, first_message(&sign).get(..8)), (8, Some("IRRD128I")));
}

#[test]
fn export_writes_once_and_add_reads_what_exists() {
    let mut racf = db(empty());
    let mut ds = DataSets::new();
    exec(&mut racf, &mut ds, CA);
    let export = "RACDCERT CERTAUTH EXPORT(LABEL('MYCA')) DSN('ATTLS.MYCA.PEM') FORMAT(CERTB64)";
    let first = exec(&mut racf, &mut ds, export);
    assert_eq!(first.rc, 0);
    assert_eq!(first.effects, vec![Effect::WroteDataSet { dsn: "ATTLS.MYCA.PEM".into() }]);
    assert_eq!(ds["ATTLS.MYCA.PEM"].written_by.as_deref(), Some("TESTJOB"));
    assert_eq!(exec(&mut racf, &mut ds, export).rc, 8, "RACDCERT allocates the data set new");
    let missing =
        exec(&mut racf, &mut ds, "RACDCERT CERTAUTH ADD('NOT.THERE') WITHLABEL('X') TRUST");
    assert_eq!(missing.rc, 8);
    assert_eq!(
        missing.effects,
        vec![Effect::ReadDataSet { dsn: "NOT.THERE".into(), found: false }]
    );
    // Unquoted names get the issuer's prefix; PKCS#12 needs a password.
    let p12 = exec(
        &mut racf,
        &mut ds,
        "RACDCERT CERTAUTH EXPORT(LABEL('MYCA')) DSN(CA.P12) FORMAT(PKCS12DER)",
    );
    assert_eq!(p12.rc, 8);
    let p12 = exec(
        &mut racf,
        &mut ds,
        "RACDCERT CERTAUTH EXPORT(LABEL('MYCA')) DSN(CA.P12) FORMAT(PKCS12DER) PASSWORD('PW')",
    );
    assert_eq!(p12.rc, 0);
    assert!(ds["SECADM.CA.P12"].certificate.private_key);
}

#[test]
fn rings_connect_remove_and_go() {
    let mut racf = db(empty());
    let mut ds = DataSets::new();
    exec(&mut racf, &mut ds, CA);
    exec(&mut racf, &mut ds, SERVER);
    let ring = RingRef::new("SRV", "Ring1");
    assert_eq!(
        rcs(
            &mut racf,
            &mut ds,
            &[
                "RACDCERT ID(SRV) ADDRING(Ring1)",
                "RACDCERT ID(SRV) ADDRING(Ring1)",
                "RACDCERT CERTAUTH ADDRING(Ring2)",
                "RACDCERT ID(SRV) CONNECT(CERTAUTH LABEL('MYCA') RING(Ring1) USAGE(CERTAUTH))",
                "RACDCERT ID(SRV) CONNECT(ID(SRV) LABEL('SRVCERT') RING(Ring1) USAGE(PERSONAL) DEFAULT)",
                "RACDCERT ID(SRV) CONNECT(LABEL('SRVCERT') RING(ring1))",
                "RACDCERT ID(SRV) CONNECT(LABEL('NOCERT') RING(Ring1))",
            ]
        ),
        vec![0, 4, 8, 0, 0, 4, 4],
        "exists, CERTAUTH owns no ring, ring names are case-sensitive, unknown label"
    );
    let state = racf.state();
    let connections = &state.rings[&ring].connections;
    assert_eq!(connections.len(), 2);
    assert!(connections[&CertRef::new(CertOwner::User("SRV".into()), "SRVCERT")].default);
    assert_eq!(connections[&CertRef::new(CertOwner::Certauth, "MYCA")].usage, RingUsage::Certauth);
    assert_eq!(
        state.certificates[&CertRef::new(CertOwner::Certauth, "MYCA")].rings,
        [ring.clone()].into()
    );

    let listring = exec(&mut racf, &mut ds, "RACDCERT ID(SRV) LISTRING(Ring1)");
    assert_eq!(listring.rc, 0);
    assert!(
        listring
            .output
            .iter()
            .any(|l| l.contains("SRVCERT") && l.contains("ID(SRV)") && l.ends_with("YES"))
    );
    assert_eq!(
        rcs(
            &mut racf,
            &mut ds,
            &[
                "RACDCERT ID(SRV) REMOVE(CERTAUTH LABEL('MYCA') RING(Ring1))",
                "RACDCERT ID(SRV) REMOVE(CERTAUTH LABEL('MYCA') RING(Ring1))",
                "RACDCERT ID(SRV) DELETE(LABEL('SRVCERT'))",
            ]
        ),
        vec![0, 4, 0]
    );
    assert!(
        racf.state().rings[&ring].connections.is_empty(),
        "DELETE takes the certificate out of its rings"
    );
    assert_eq!(
        rcs(
            &mut racf,
            &mut ds,
            &["RACDCERT ID(SRV) DELRING(Ring1)", "RACDCERT ID(SRV) DELRING(Ring1)"]
        ),
        vec![0, 4]
    );
    let none = exec(&mut racf, &mut ds, "RACDCERT ID(SRV) LISTRING(*)");
    assert_eq!((none.rc, first_message(&none)), (4, "IRRD115I User SRV has no rings."));
    assert_eq!(exec(&mut racf, &mut ds, "RACDCERT CERTAUTH LIST(LABEL('GONE'))").rc, 4);
}

#[test]
fn rdefine_ralter_rdelete_keep_what_exists() {
    let mut racf = db(empty());
    let mut ds = DataSets::new();
    let define = exec(&mut racf, &mut ds, "RDEFINE FACILITY IRR.DIGTCERT.LIST UACC(NONE)");
    assert_eq!(define.rc, 0);
    assert!(
        first_message(&define).starts_with("ICH10006I"),
        "FACILITY is RACLISTed: {:?}",
        define.output
    );
    assert!(racf.pending_refresh().contains("FACILITY"));
    let key = ProfileRef::new("FACILITY", "IRR.DIGTCERT.LIST");
    let p = &racf.state().profiles[&key];
    assert_eq!(
        (p.uacc, p.access.get("SECADM")),
        (Access::None, Some(&Access::Alter)),
        "the creator gets ALTER"
    );
    let again = exec(&mut racf, &mut ds, "RDEFINE FACILITY IRR.DIGTCERT.LIST UACC(READ)");
    assert_eq!(
        (again.rc, first_message(&again)),
        (4, "ICH10102I IRR.DIGTCERT.LIST ALREADY DEFINED TO CLASS FACILITY.")
    );
    assert_eq!(
        racf.state().profiles[&key].uacc,
        Access::None,
        "RDEFINE of an existing profile changes nothing"
    );
    assert_eq!(
        exec(&mut racf, &mut ds, "RALTER FACILITY IRR.DIGTCERT.LIST UACC(READ) WARNING").rc,
        0
    );
    assert!(racf.state().profiles[&key].warning);
    assert_eq!(exec(&mut racf, &mut ds, "SETROPTS RACLIST(FACILITY) REFRESH").rc, 0);
    assert!(racf.pending_refresh().is_empty());
    assert_eq!(
        rcs(
            &mut racf,
            &mut ds,
            &["RDELETE FACILITY IRR.DIGTCERT.LIST", "RDELETE FACILITY IRR.DIGTCERT.LIST"]
        ),
        vec![0, 4]
    );
    // A generic profile copied with FROM keeps the model's access list, without the creator.
    let mut racf = db(existing_generics());
    assert_eq!(
        exec(
            &mut racf,
            &mut ds,
            "RDEFINE FACILITY IRR.DIGTCERT.LISTRING FROM(IRR.DIGTCERT.**) FGENERIC"
        )
        .rc,
        0
    );
    let copy = &racf.state().profiles[&ProfileRef::new("FACILITY", "IRR.DIGTCERT.LISTRING")];
    assert_eq!(copy.access.get("CICSUSR"), Some(&Access::Read));
    assert!(!copy.generic);
}

#[test]
fn permit_sets_deletes_resets_and_copies() {
    let mut racf = db(followed_ibm_page());
    let mut ds = DataSets::new();
    let list = ProfileRef::new("FACILITY", "IRR.DIGTCERT.LIST");
    let level = |racf: &Racf, id: &str| racf.state().profiles[&list].access.get(id).copied();
    // ACCESS sets the level, lower or higher.
    assert_eq!(
        exec(
            &mut racf,
            &mut ds,
            "PERMIT IRR.DIGTCERT.LIST CLASS(FACILITY) ID(OMVSADM) ACCESS(READ)"
        )
        .rc,
        0
    );
    assert_eq!(level(&racf, "OMVSADM"), Some(Access::Read));
    assert_eq!(
        exec(
            &mut racf,
            &mut ds,
            "PERMIT IRR.DIGTCERT.LIST CLASS(FACILITY) ID(A B *) ACCESS(UPDATE)"
        )
        .rc,
        0
    );
    assert_eq!(
        (level(&racf, "A"), level(&racf, "*")),
        (Some(Access::Update), Some(Access::Update))
    );
    let del =
        exec(&mut racf, &mut ds, "PERMIT IRR.DIGTCERT.LIST CLASS(FACILITY) ID(A NOBODY) DELETE");
    assert_eq!(
        (del.rc, first_message(&del)),
        (4, "ICH06002I NOBODY NOT AUTHORIZED, DELETE IGNORED")
    );
    assert_eq!(level(&racf, "A"), None);
    let undefined =
        exec(&mut racf, &mut ds, "PERMIT IRR.DIGTCERT.ADD CLASS(FACILITY) ID(A) ACCESS(READ)");
    assert_eq!(
        (undefined.rc, first_message(&undefined)),
        (8, "ICH06004I IRR.DIGTCERT.ADD NOT DEFINED TO RACF")
    );
    assert_eq!(exec(&mut racf, &mut ds, "PERMIT IRR.DIGTCERT.LIST CLASS(FACILITY) RESET").rc, 0);
    assert!(racf.state().profiles[&list].access.is_empty());
    assert_eq!(
        exec(
            &mut racf,
            &mut ds,
            "PERMIT IRR.DIGTCERT.LIST CLASS(FACILITY) FROM(IRR.DIGTCERT.LISTRING) FCLASS(FACILITY)"
        )
        .rc,
        0
    );
    assert_eq!(level(&racf, "OMVSADM"), Some(Access::Alter));
    // Conditional entries, one per program, and their deletion.
    let stack = ProfileRef::new("SERVAUTH", "EZB.INITSTACK.SYSA.TCPIP");
    let when = "PERMIT EZB.INITSTACK.SYSA.TCPIP CLASS(SERVAUTH) ID(PAGENT) ACCESS(READ) WHEN(PROGRAM(PAGENT,EZAPAGEN))";
    assert_eq!(exec(&mut racf, &mut ds, when).rc, 0);
    let cond = |entity: &str| Condition {
        id: "PAGENT".into(),
        class: "PROGRAM".into(),
        entity: entity.into(),
    };
    assert_eq!(
        racf.state().profiles[&stack].conditional.get(&cond("EZAPAGEN")),
        Some(&Access::Read)
    );
    assert_eq!(
        racf.state().decide("SERVAUTH", "EZB.INITSTACK.SYSA.TCPIP", "PAGENT", Some("PAGENT")),
        Decision::Granted(Access::Read)
    );
    assert_eq!(exec(&mut racf, &mut ds, &when.replace("ACCESS(READ)", "DELETE")).rc, 0);
    assert_eq!(racf.state().profiles[&stack].conditional.get(&cond("PAGENT")), None);
    // A generic profile is reached with its own name or GENERIC.
    let mut racf = db(existing_generics());
    assert_eq!(
        exec(&mut racf, &mut ds, "PERMIT IRR.DIGTCERT.** CLASS(FACILITY) ID(OMVSADM) ACCESS(READ)")
            .rc,
        0
    );
    assert_eq!(
        exec(
            &mut racf,
            &mut ds,
            "PERMIT IRR.DIGTCERT.LIST CLASS(FACILITY) ID(OMVSADM) ACCESS(READ)"
        )
        .rc,
        8
    );
}

#[test]
fn rlist_shows_discrete_then_generic_and_says_not_found() {
    let mut racf = db(existing_generics());
    let mut ds = DataSets::new();
    let generic = exec(&mut racf, &mut ds, "RLIST FACILITY IRR.DIGTCERT.LISTRING GENERIC AUTHUSER");
    assert_eq!(generic.rc, 0);
    assert!(
        generic.output.iter().any(|l| l == "FACILITY   IRR.DIGTCERT.** (G)"),
        "{:?}",
        generic.output
    );
    let none = exec(&mut racf, &mut ds, "RLIST RDATALIB X.Y.LST AUTHUSER");
    assert_eq!((none.rc, first_message(&none)), (4, "ICH13003I X.Y.LST NOT FOUND"));
}

#[test]
fn setropts_switches_classes_and_refreshes() {
    let mut racf = db(RacfState::default());
    let mut ds = DataSets::new();
    assert_eq!(
        rcs(
            &mut racf,
            &mut ds,
            &[
                "SETROPTS CLASSACT(SERVAUTH) RACLIST(SERVAUTH)",
                "SETROPTS GENERIC(SERVAUTH)",
                "SETROPTS WHEN(PROGRAM)",
                "SETROPTS RACLIST(SERVAUTH) REFRESH",
                "SETROPTS RACLIST(RDATALIB) REFRESH",
                "SETROPTS REFRESH",
                "SETROPTS GENERIC(SERVAUTH) REFRESH",
                "SETROPTS WHEN(PROGRAM) REFRESH",
            ]
        ),
        vec![0, 0, 0, 0, 4, 4, 0, 0]
    );
    let class = racf.state().class("SERVAUTH");
    assert!(class.active && class.raclisted && class.generic);
    assert!(racf.state().setropts.is_some_and(|s| s.when_program));
    assert_eq!(exec(&mut racf, &mut ds, "SETROPTS NOCLASSACT(SERVAUTH)").rc, 0);
    assert!(!racf.state().class("SERVAUTH").active);
    let unknown = exec(&mut racf, &mut ds, "SETROPTS PASSWORD(INTERVAL(30))");
    assert_eq!(unknown.rc, 12, "what the simulator does not model is refused, never ignored");
}

const JOB: &str = "\
//TESTJ    JOB (ACCT),'T',CLASS=A,MSGCLASS=X,
//             NOTIFY=&SYSUID
//*  A COMMENT
//FIRST    EXEC PGM=IKJEFT1B,REGION=0M
//SYSTSPRT DD SYSOUT=*
//SYSTSIN  DD DATA,DLM=$$
 RDEFINE FACILITY A.ONE UACC(NONE)
 RDEFINE FACILITY A.ONE UACC(NONE)
 RDEFINE FACILITY A.TWO UACC(NONE)
$$
// IF (FIRST.RC = 0) THEN
//SKIPPED  EXEC PGM=IKJEFT01
//SYSTSIN  DD *
 RDEFINE FACILITY A.THREE
/*
// ELSE
//TOLERANT EXEC PGM=IKJEFT01
//SYSTSIN  DD *
 RDEFINE FACILITY A.ONE -
   UACC(NONE)
 RDEFINE FACILITY A.FOUR +
      UACC(READ)
/*
// ENDIF
// IF (SKIPPED.RC = 0 | RC > 4) THEN
//NEVER    EXEC PGM=IKJEFT01
//SYSTSIN  DD *
 RDEFINE FACILITY A.FIVE
/*
// ENDIF
//LAST     EXEC PGM=IKJEFT01
//SYSTSIN  DD *
 RDEFINE FACILITY A.ONE
/*
";

#[test]
fn step_rules_of_ikjeft1b_and_ikjeft01_and_if_logic() {
    let mut racf = db(empty());
    let mut ds = DataSets::new();
    let run = racf.run_job(JOB, &mut ds);
    assert_eq!(run.jcl_error, None);
    assert_eq!(run.job, "TESTJ");
    let steps: Vec<(&str, bool, Option<u16>, usize)> =
        run.steps.iter().map(|s| (s.name.as_str(), s.executed, s.rc, s.commands.len())).collect();
    assert_eq!(
        steps,
        vec![
            ("FIRST", true, Some(4), 2),
            ("SKIPPED", false, None, 0),
            ("TOLERANT", true, Some(0), 2),
            ("NEVER", false, None, 0),
            ("LAST", true, Some(4), 1),
        ],
        "IKJEFT1B stops at the first RC 4; IKJEFT01 takes the last command's RC"
    );
    let names: Vec<String> = racf.state().profiles.keys().map(|k| k.name.clone()).collect();
    assert_eq!(names, vec!["A.FOUR", "A.ONE"]);
    assert_eq!(racf.state().profiles[&ProfileRef::new("FACILITY", "A.FOUR")].uacc, Access::Read);
    assert_eq!(run.max_rc(), Some(4));
    assert!(!run.clean());
    let printed = &run.steps[0].systsprt;
    assert_eq!(printed[0], "READY");
    assert_eq!(printed[1], " RDEFINE FACILITY A.ONE UACC(NONE)");
    assert!(printed.iter().any(|l| l.starts_with("ICH10102I")));
    assert_eq!(printed.last().map(String::as_str), Some("END"));
}

#[test]
fn checks_find_lowered_access_removals_and_waits() {
    let before = followed_ibm_page();
    let mut racf = db(before.clone());
    let mut ds = DataSets::new();
    exec(&mut racf, &mut ds, "PERMIT IRR.DIGTCERT.LIST CLASS(FACILITY) ID(OMVSADM) ACCESS(READ)");
    exec(&mut racf, &mut ds, "RACDCERT ID(OMVSADM) DELRING(ZOSCONN-APIR-KEYRING)");
    let after = racf.state();
    let lowered = lowered_access(&before, &after);
    assert_eq!(lowered.len(), 1, "{lowered:?}");
    assert_eq!((lowered[0].before, lowered[0].after), (Access::Alter, Access::Read));
    let gone = removed(&before, &after);
    assert!(gone.contains(&Object::Ring(RingRef::new("OMVSADM", "ZOSCONN-APIR-KEYRING"))));
    assert_eq!(gone.len(), 4, "the ring and its three connections: {gone:?}");
    assert!(diff(&before, &after).contains(&Change::Changed(Object::AccessEntry(
        ProfileRef::new("FACILITY", "IRR.DIGTCERT.LIST"),
        "OMVSADM".into()
    ))));
    // A discrete profile under a generic one cuts off the generic's users.
    let before = existing_generics();
    let mut racf = db(before.clone());
    exec(&mut racf, &mut ds, "RDEFINE SERVAUTH EZB.INITSTACK.SYSA.TCPIP UACC(NONE)");
    let cut: Vec<String> =
        lowered_access(&before, &racf.state()).iter().map(|l| l.id.clone()).collect();
    assert_eq!(cut, vec!["OMPROUTE", "PAGENT", "SYSLOGD", "TN3270"]);

    // Job A reads what job B writes later.
    let reader = "//A JOB (1)\n//S EXEC PGM=IKJEFT01\n//SYSTSIN DD *\n RACDCERT CERTAUTH ADD('X.CA') WITHLABEL('X') TRUST\n/*\n";
    let writer = "//B JOB (1)\n//S EXEC PGM=IKJEFT01\n//SYSTSIN DD *\n RACDCERT CERTAUTH GENCERT SUBJECTSDN(CN('X')) WITHLABEL('Y')\n RACDCERT CERTAUTH EXPORT(LABEL('Y')) DSN('X.CA')\n/*\n";
    let mut ds = DataSets::new();
    let mut one = db(empty());
    let mut two = db(empty());
    let runs = vec![one.run_job(reader, &mut ds), two.run_job(writer, &mut ds)];
    let found = waits(&runs, &["A".into(), "B".into()], &DataSets::new());
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].job.as_str(), found[0].written_later_by.as_deref()), ("A", Some("B")));
    assert!(waits(&runs[1..], &[], &DataSets::new()).is_empty());
}

mod never_panics {
    use proptest::prelude::*;
    use zat_racf_sim::{Config, DataSets, Racf};

    use crate::support::followed_ibm_page;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any command text gets an RC and output, never a panic.
        #[test]
        fn on_any_command(text in "(RACDCERT|PERMIT|RDEFINE|RLIST|SETROPTS|RALTER|RDELETE|X) [A-Z()' ,*.%-]{0,60}") {
            let mut racf = Racf::new(followed_ibm_page(), Config::default());
            let run = racf.execute(&text, &mut DataSets::new(), "J");
            prop_assert!(run.rc <= 12);
        }

        /// Any JCL-like text runs or is a JCL error, never a panic.
        #[test]
        fn on_any_jcl(lines in proptest::collection::vec("(//[A-Z ]{0,9}(JOB|EXEC PGM=IKJEFT01|DD DATA,DLM=\\$\\$|DD \\*|IF \\(A\\.RC = 0\\) THEN|ENDIF|ELSE)| [A-Z ()']{0,30}|\\$\\$|/\\*|//)", 0..12)) {
            let mut racf = Racf::new(followed_ibm_page(), Config::default());
            let run = racf.run_job(&lines.join("\n"), &mut DataSets::new());
            prop_assert!(run.jcl_error.is_some() || run.steps.iter().all(|s| s.rc.is_none_or(|rc| rc <= 12)));
        }
    }
}

/// A trailing comment record does not reset an IKJEFT01 step's RC, and a comment after the
/// operands of an EXEC statement is not part of them.
#[test]
fn comments_change_neither_rc_nor_operands() {
    let jcl = "//J JOB (1)\n//S EXEC PGM=IKJEFT01,REGION=0M   A COMMENT\n//SYSTSIN DD *\n RLIST FACILITY NOT.THERE AUTHUSER\n /* A COMMENT */\n/*\n";
    let mut racf = db(empty());
    let run = racf.run_job(jcl, &mut DataSets::new());
    assert_eq!(run.jcl_error, None);
    assert_eq!(run.steps[0].rc, Some(4));
}

/// END ends the step: the records after it are not commands.
#[test]
fn end_ends_the_step() {
    let jcl = "//J JOB (1)\n//S EXEC PGM=IKJEFT01\n//SYSTSIN DD *\n RDEFINE FACILITY A.ONE\n END\n RDEFINE FACILITY A.TWO\n/*\n";
    let mut racf = db(empty());
    let run = racf.run_job(jcl, &mut DataSets::new());
    assert_eq!(run.steps[0].commands.len(), 2);
    assert_eq!(racf.state().profiles.len(), 1);
}
