//! The DISCOVER parser over listings laid out as IBM documents them (the samples of the RACF
//! Command Language Reference and Security Administrator's Guide, without leading blanks) and as
//! real systems print them (indented, with fingerprints), and its errors.

use zat_racf_state::{
    Access, CertOwner, CertRef, Condition, Connection, Listed, ProfileRef, RingRef, RingUsage,
    Targets, TrustStatus, discover_commands, parse, parse_listing,
};

/// A DISCOVER SYSTSPRT in IBM's documented layouts, for a site that followed IBM's AT-TLS page
/// by hand: the CA, the server certificate and its ring, ALTER for OMVSADM, a generic
/// INITSTACK profile with the Policy Agent's conditional entry.
const SITE: &str = "\
IKJ56644I NO VALID TSO USERID, DEFAULT USER ATTRIBUTES USED
READY
 SETROPTS LIST
ATTRIBUTES = INITSTATS WHEN(PROGRAM) TERMINAL(READ)
STATISTICS = NONE
ACTIVE CLASSES = DATASET USER GROUP FACILITY STARTED APPL DIGTCERT
                 DIGTRING SERVAUTH
GENERIC PROFILE CLASSES = DATASET FACILITY SERVAUTH
GENERIC COMMAND CLASSES = DATASET FACILITY SERVAUTH
SETR RACLIST CLASSES = FACILITY STARTED DIGTCERT DIGTRING
GLOBAL=YES RACLIST ONLY = SERVAUTH
PASSWORD PROCESSING OPTIONS:
  PASSWORD CHANGE INTERVAL IS  30 DAYS.
READY
 RACDCERT CERTAUTH LIST(LABEL('IMSCA'))
Digital certificate information for CERTAUTH:

Label: IMSCA
Certificate ID: 2QiJmZmDhZmjganW4tTGw8FA
Status: TRUST
Start Date: 2024/03/01 00:00:00
End Date: 2034/03/01 23:59:59
Serial Number:
>00<
Issuer's Name:
>CN=IMSCA.OU=ZCEE.O=US IBM SVL.C=US<
Subject's Name:
>CN=IMSCA.OU=ZCEE.O=US IBM SVL.C=US<
Signing Algorithm: sha256RSA
Key Usage: CERTSIGN
Key Type: RSA
Key Size: 2048
Private Key: YES
Ring Associations:
Ring Owner: OMVSADM
Ring:
>ZOSCONN-APIR-KEYRING<

READY
 RACDCERT ID(OMVSADM) LIST(LABEL('ZOSCONNCERT'))
Digital certificate information for user OMVSADM:

  Label: ZOSCONNCERT
  Certificate ID: 2QfW1OLB4sXZ4tXF4tPF
  Status: TRUST
  Start Date: 2024/03/01 00:00:00
  End Date:   2026/03/01 23:59:59
  Serial Number:
       >01<
  Issuer's Name:
       >CN=IMSCA.OU=ZCEE.O=US IBM SVL.C=US<
  Subject's Name:
       >CN=ZCEESERVER.MYCOM.COM.T=MY ZCEE SERVER.OU=ZCEE.O=US MYCOM<
       > COM.L=SANJOSE.SP=SANJOSE.C=US<
  Subject's AltNames:
    Domain: zceeserver.mycom.com
    IP: 10.1.1.10
  Signing Algorithm: sha256RSA
  Key Usage: HANDSHAKE
  Key Type: RSA
  Key Size: 2048
  Private Key: YES
  Certificate Fingerprint (SHA256):
       A3:F2:E0:6F:09:94:E4:9D:68:00:48:8F:3F:4B:EF:9F:
       9F:C8:B1:50:0A:DE:57:23:AB:DC:B1:02:0B:A4:33:07
  Ring Associations:
    Ring Owner: OMVSADM
    Ring:
       >ZOSCONN-APIR-KEYRING<

READY
 RACDCERT CERTAUTH LIST(LABEL('ZCEECA'))
IRRD107I No matching certificate was found for this user.
READY
 RACDCERT ID(OMVSADM) LISTRING(ZOSCONN-APIR-KEYRING)
Digital ring information for user OMVSADM:

  Ring:
       >ZOSCONN-APIR-KEYRING<
  Certificate Label Name             Cert Owner     USAGE      DEFAULT
  --------------------------------   ------------   --------   -------
  IMSCA                              CERTAUTH       CERTAUTH     NO

  ZOSCONNCERT                        ID(OMVSADM)    PERSONAL     YES

READY
 RACDCERT ID(PAYUSR) LISTRING(APIR-KEYRING)
IRRD114I Ring APIR-KEYRING does not exist.
READY
 RLIST FACILITY IRR.DIGTCERT.LIST AUTHUSER
CLASS      NAME
-----      ----
FACILITY   IRR.DIGTCERT.LIST

LEVEL  OWNER      UNIVERSAL ACCESS  YOUR ACCESS  WARNING
-----  --------   ----------------  -----------  -------
 00    SECADM          NONE               ALTER    NO

INSTALLATION DATA
-----------------
NONE

APPLICATION DATA
----------------
NONE

AUDITING
--------
FAILURES(READ)

NOTIFY
------
NO USER TO BE NOTIFIED

USER      ACCESS   ACCESS COUNT
----      ------   ------ -----
SECADM    ALTER       000000
OMVSADM   ALTER       000003

NO ENTRIES IN CONDITIONAL ACCESS LIST
READY
 RLIST SERVAUTH EZB.INITSTACK.SYSA.TCPIP GENERIC AUTHUSER
CLASS      NAME
-----      ----
SERVAUTH   EZB.INITSTACK.** (G)

LEVEL  OWNER      UNIVERSAL ACCESS  YOUR ACCESS  WARNING
-----  --------   ----------------  -----------  -------
 00    SECADM          NONE               ALTER    NO

INSTALLATION DATA
-----------------
NONE

USER      ACCESS   ACCESS COUNT
----      ------   ------ -----
OMPROUTE  READ        000012

ID        ACCESS   ACCESS COUNT   CLASS      ENTITY NAME
--        ------   ------ -----   -----      -----------
*         READ        000000      PROGRAM    EZAPAGEN
*         READ        000000      PROGRAM    PAGENT
READY
 RLIST RDATALIB OMVSADM.ZOSCONN-APIR-KEYRING.LST AUTHUSER
ICH13003I OMVSADM.ZOSCONN-APIR-KEYRING.LST NOT FOUND
READY
END
";

#[test]
fn reads_a_site_listing_in_ibm_layouts() {
    let listing = parse_listing(SITE).unwrap_or_else(|e| panic!("{e}"));
    let state = &listing.state;
    let s = state.setropts.as_ref().expect("SETROPTS LIST was read");
    assert!(
        s.active.contains("DIGTRING") && s.active.contains("SERVAUTH"),
        "continuation line read"
    );
    assert!(s.raclist.contains("SERVAUTH"), "GLOBAL=YES RACLIST ONLY counts as RACLISTed");
    assert!(s.generic.contains("SERVAUTH") && !s.generic.contains("RDATALIB"));
    assert!(s.when_program);
    assert!(state.class("FACILITY").raclisted && !state.class("RDATALIB").active);

    let ca = &state.certificates[&CertRef::new(CertOwner::Certauth, "IMSCA")];
    assert_eq!(ca.status, TrustStatus::Trust);
    assert!(ca.private_key);
    assert_eq!(ca.key_usage.as_deref(), Some("CERTSIGN"));
    assert_eq!(ca.subject, "CN=IMSCA.OU=ZCEE.O=US IBM SVL.C=US");
    assert_eq!(ca.rings, [RingRef::new("OMVSADM", "ZOSCONN-APIR-KEYRING")].into());
    let server =
        &state.certificates[&CertRef::new(CertOwner::User("OMVSADM".into()), "ZOSCONNCERT")];
    assert_eq!(
        server.subject,
        "CN=ZCEESERVER.MYCOM.COM.T=MY ZCEE SERVER.OU=ZCEE.O=US MYCOM COM.L=SANJOSE.SP=SANJOSE.C=US",
        "value lines are concatenated"
    );
    assert_eq!(server.end, "2026/03/01 23:59:59");
    assert_eq!(state.certificates.len(), 2, "ZCEECA is absent");

    let ring = &state.rings[&RingRef::new("OMVSADM", "ZOSCONN-APIR-KEYRING")];
    assert_eq!(
        ring.connections[&CertRef::new(CertOwner::User("OMVSADM".into()), "ZOSCONNCERT")],
        Connection { usage: RingUsage::Personal, default: true }
    );
    assert_eq!(ring.connections.len(), 2);

    let list = &state.profiles[&ProfileRef::new("FACILITY", "IRR.DIGTCERT.LIST")];
    assert!(!list.generic);
    assert_eq!(list.uacc, Access::None);
    assert_eq!(list.access["OMVSADM"], Access::Alter);
    let initstack = &state.profiles[&ProfileRef::new("SERVAUTH", "EZB.INITSTACK.**")];
    assert!(initstack.generic);
    assert_eq!(
        initstack.conditional
            [&Condition { id: "*".into(), class: "PROGRAM".into(), entity: "PAGENT".into() }],
        Access::Read
    );
    // The generic protects the stack: OMPROUTE reads, the Policy Agent reads while it runs
    // PAGENT, anyone else is refused.
    use zat_racf_state::Decision::Granted;
    let decide = |id, program| state.decide("SERVAUTH", "EZB.INITSTACK.SYSA.TCPIP", id, program);
    assert_eq!(decide("OMPROUTE", None), Granted(Access::Read));
    assert_eq!(decide("PAGENT", Some("PAGENT")), Granted(Access::Read));
    assert_eq!(decide("TN3270", None), Granted(Access::None));

    let outcomes: Vec<&Listed> = listing.answers.iter().map(|a| &a.listed).collect();
    assert_eq!(outcomes.iter().filter(|l| ***l == Listed::NotFound).count(), 3);
    assert_eq!(
        listing.answers[3].line,
        line_of(SITE, "LIST(LABEL('ZCEECA'))"),
        "answers carry the line of their echo"
    );
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no {needle}"))
}

#[test]
fn reads_a_listing_with_its_carriage_control_column() {
    let asa: String = SITE
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let control = if i == 0 {
                '1'
            } else if l == "READY" && i % 3 == 0 {
                '0'
            } else {
                ' '
            };
            format!("{control}{l}\n")
        })
        .collect();
    assert!(asa.contains("\n0READY\n"));
    assert_eq!(parse(&asa), parse(SITE));
    assert!(parse(SITE).is_ok());
}

fn fails_at(text: &str) -> (usize, String) {
    match parse(text) {
        Ok(state) => panic!("parsed: {state:?}"),
        Err(e) => (e.line, e.reason),
    }
}

#[test]
fn a_line_it_cannot_read_is_an_error_naming_the_line() {
    // A field RACDCERT LIST does not print.
    let text = SITE.replace("  Key Type: RSA\n  Key Size: 2048", "  Colour: BLUE");
    assert_eq!(
        fails_at(&text),
        (line_of(&text, "Colour"), "not a line of a RACDCERT LIST display".into())
    );
    // A ring table row without a DEFAULT column.
    let text = SITE.replace("PERSONAL     YES", "PERSONAL");
    assert_eq!(fails_at(&text).0, line_of(&text, "ZOSCONNCERT                        ID(OMVSADM)"));
    // RLIST without AUTHUSER shows no access list.
    let text = SITE
        .replace("RLIST FACILITY IRR.DIGTCERT.LIST AUTHUSER", "RLIST FACILITY IRR.DIGTCERT.LIST");
    assert_eq!(fails_at(&text).0, line_of(&text, "RLIST FACILITY"));
    // An access level RACF does not have.
    let text = SITE.replace("OMVSADM   ALTER", "OMVSADM   SUPER");
    assert_eq!(fails_at(&text), (line_of(&text, "SUPER"), "unknown access level".into()));
    // An error message where a listing was expected.
    let text = SITE.replace(
        "IRRD114I Ring APIR-KEYRING does not exist.",
        "IRRD101I You are not authorized to issue the RACDCERT command.",
    );
    assert_eq!(fails_at(&text).0, line_of(&text, "IRRD101I"));
    // A command a DISCOVER job does not run.
    let text =
        SITE.replace(" RACDCERT CERTAUTH LIST(LABEL('ZCEECA'))", " PERMIT X CLASS(FACILITY) ID(Y)");
    assert_eq!(fails_at(&text).0, line_of(&text, "PERMIT X"));
    // Not batch TSO output at all.
    assert_eq!(fails_at("hello\n").0, 1);
}

/// The commands of SITE's DISCOVER job as the job writes them (SITE echoes them indented).
fn site_commands() -> Vec<String> {
    [
        "SETROPTS LIST",
        "RACDCERT CERTAUTH LIST(LABEL('IMSCA'))",
        "RACDCERT ID(OMVSADM) LIST(LABEL('ZOSCONNCERT'))",
        "RACDCERT CERTAUTH LIST(LABEL('ZCEECA'))",
        "RACDCERT ID(OMVSADM) LISTRING(ZOSCONN-APIR-KEYRING)",
        "RACDCERT ID(PAYUSR) LISTRING(APIR-KEYRING)",
        "RLIST FACILITY IRR.DIGTCERT.LIST AUTHUSER",
        "RLIST SERVAUTH EZB.INITSTACK.SYSA.TCPIP GENERIC AUTHUSER",
        "RLIST RDATALIB OMVSADM.ZOSCONN-APIR-KEYRING.LST AUTHUSER",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn a_listing_answers_each_command_it_shows_whole_and_no_other() {
    let listing = parse_listing(SITE).unwrap_or_else(|e| panic!("{e}"));
    let commands = site_commands();
    assert_eq!(listing.unanswered(&commands), Vec::<&str>::new(), "every command is answered");
    assert_eq!(listing.unasked(&commands), Vec::<&str>::new());

    // Blanks, commas, short forms and the case of keywords do not matter; a label or ring name
    // in another case is another object, so the listing does not answer for it.
    let written = [
        "setr list",
        "RACDCERT  CERTAUTH,LIST(LABEL('IMSCA'))",
        "RL FACILITY IRR.DIGTCERT.LIST AU",
        "RACDCERT ID(OMVSADM) LISTRING(zosconn-apir-keyring)",
        "RACDCERT CERTAUTH LIST(LABEL('imsca'))",
    ]
    .map(str::to_owned);
    assert_eq!(
        listing.unanswered(&written),
        [
            "RACDCERT ID(OMVSADM) LISTRING(zosconn-apir-keyring)",
            "RACDCERT CERTAUTH LIST(LABEL('imsca'))"
        ]
    );

    // A command the job runs and the listing does not show: unanswered; a command the listing
    // shows and the job does not run: a site's own, named by `unasked`.
    let mut more = commands.clone();
    more.push("RLIST FACILITY IRR.DIGTCERT.LISTRING AUTHUSER".to_owned());
    more.retain(|c| !c.contains("PAYUSR"));
    assert_eq!(listing.unanswered(&more), ["RLIST FACILITY IRR.DIGTCERT.LISTRING AUTHUSER"]);
    assert_eq!(listing.unasked(&more), ["RACDCERT ID(PAYUSR) LISTRING(APIR-KEYRING)"]);

    // Cut off before the ring's display: the ring and everything after it are unanswered.
    let cut = &SITE[..SITE.find(" RACDCERT ID(OMVSADM) LISTRING").expect("the ring's command")];
    let listing = parse_listing(cut).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listing.unanswered(&commands), &commands[4..]);

    // Cut off inside the ring's table, with no READY after it: the output may be missing rows,
    // so the ring's command has no answer either.
    let cut = &SITE[..SITE.find("  ZOSCONNCERT                        ID(OMVSADM)").expect("row")];
    let listing = parse_listing(cut).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listing.unanswered(&commands), &commands[4..]);
    assert_eq!(
        listing.state.rings.len(),
        1,
        "the state still shows what was read; the answers say it is not whole"
    );
}

#[test]
fn discover_commands_list_every_target_and_change_nothing() {
    let targets = Targets {
        certificates: [CertRef::new(CertOwner::Certauth, "PARTNER'S CA")].into(),
        rings: [RingRef::new("OMVSADM", "Ring1")].into(),
        resources: [
            ProfileRef::new("FACILITY", "IRR.DIGTCERT.LIST"),
            ProfileRef::new("SERVAUTH", "EZB.INITSTACK.**"),
        ]
        .into(),
        setropts: true,
    };
    assert_eq!(
        discover_commands(&targets),
        vec![
            "SETROPTS LIST",
            "RACDCERT CERTAUTH LIST(LABEL('PARTNER''S CA'))",
            "RACDCERT ID(OMVSADM) LISTRING(Ring1)",
            "RLIST FACILITY IRR.DIGTCERT.LIST AUTHUSER",
            "RLIST FACILITY IRR.DIGTCERT.LIST GENERIC AUTHUSER",
            "RLIST SERVAUTH EZB.INITSTACK.** AUTHUSER",
        ]
    );
}

mod never_panics {
    use proptest::prelude::*;

    use super::{SITE, parse};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any text: a state or an error on a line of the text, never a panic.
        #[test]
        fn on_any_text(text in "(READY\n|[ -~\u{e9}\u{3c0}]{0,40}\n){0,30}") {
            if let Err(e) = parse(&text) {
                prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1));
            }
        }

        /// The site listing with a line dropped, doubled or cut: the same.
        #[test]
        fn on_a_damaged_listing(at in 0usize..200, how in 0u8..3, cut in 0usize..40) {
            let mut lines: Vec<String> = SITE.lines().map(str::to_owned).collect();
            let at = at % lines.len();
            match how {
                0 => { lines.remove(at); }
                1 => { let l = lines[at].clone(); lines.insert(at, l); }
                _ => { let l: String = lines[at].chars().take(cut).collect(); lines[at] = l; }
            }
            let text = lines.join("\n");
            if let Err(e) = parse(&text) {
                prop_assert!(e.line >= 1 && e.line <= lines.len());
            }
        }
    }
}
