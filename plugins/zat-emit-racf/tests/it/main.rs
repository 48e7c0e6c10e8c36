//! Integration tests of the RACF emitter: snapshots over the shared fixture fleets, a z/OS
//! text scan of every generated line, and the seed page's commands read back as logical
//! commands.

use std::collections::BTreeMap;

use zat_emit_racf::RacfEmitter;
use zat_plugin_api::model::{CertExport, Diagnostic, Esm, ExportFormat, Fleet, Severity, Usage};
use zat_plugin_api::{Emitter, OutputFile, RenderRequest, RenderResponse};
use zat_zos::{self as zos, CheckOptions, TextKind, TsoCommand};

fn request(fleet: Fleet, only: &[&str], options: &[(&str, &str)]) -> RenderRequest {
    RenderRequest::new(fleet, "test")
        .with_only(only.iter().map(|s| (*s).to_owned()).collect())
        .with_options(options.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

/// The response without the job order file (`security/racf-ORDER.txt`, tested on its own),
/// so that every file left is a job.
fn render_with(fleet: Fleet, options: &[(&str, &str)]) -> RenderResponse {
    let mut response = RacfEmitter.render(&request(fleet, &[], options)).expect("renders");
    response.files.retain(|f| f.path != ORDER);
    response
}

const ORDER: &str = "security/racf-ORDER.txt";

fn render(fleet: Fleet) -> RenderResponse {
    render_with(fleet, &[])
}

fn seed() -> Fleet {
    let prepared = zat_core::fixtures::seed();
    assert!(!prepared.has_errors(), "{:?}", prepared.diagnostics);
    prepared.fleet
}

fn multi() -> Fleet {
    let prepared = zat_core::fixtures::multi();
    assert!(!prepared.has_errors(), "{:?}", prepared.diagnostics);
    prepared.fleet
}

/// The seed at a site with certificates already: an existing CA and an existing DEFAULT.
fn existing() -> Fleet {
    let prepared = zat_core::fixtures::existing();
    assert!(!prepared.has_errors(), "{:?}", prepared.diagnostics);
    prepared.fleet
}

/// Every switch on: class job, conditional permits, a PKCS#12 export, an imported CA.
fn everything() -> Fleet {
    let mut fleet = multi();
    fleet.defaults.activate_classes = true;
    fleet.defaults.program_conditional_permits = true;
    let db = &mut fleet.security_databases[0];
    db.certificates[2].export = Some(CertExport {
        dsn: "ATTLS.ZCSRV.P12".into(),
        format: ExportFormat::Pkcs12der,
        password_env: Some("ZCSRV_P12_PW".into()),
    });
    db.certificates[0].export = Some(CertExport {
        dsn: "ATTLS.PLEXACA.PEM".into(),
        format: ExportFormat::Certb64,
        password_env: None,
    });
    let mut partner = db.certificates[0].clone();
    partner.label = "PARTNER CA".into();
    partner.source = zat_plugin_api::model::CertSource::Import { dsn: "ATTLS.PARTNER.CA".into() };
    partner.export = None;
    db.certificates.push(partner);
    fleet
}

fn file<'a>(response: &'a RenderResponse, path: &str) -> &'a OutputFile {
    response
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path} in {:?}", paths(response)))
}

fn paths(response: &RenderResponse) -> Vec<&str> {
    response.files.iter().map(|f| f.path.as_str()).collect()
}

/// Logical commands of a job, with blanks collapsed.
fn commands(text: &str) -> Vec<TsoCommand> {
    zos::tso_commands(text)
}

/// Splits a command (or the inside of parentheses) into its operands: blank-separated at
/// parenthesis depth 0, outside apostrophes.
fn operands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    let mut quoted = false;
    for ch in text.chars() {
        match ch {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ' ' if !quoted && depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The inside of `KEY(...)` among a command's operands.
fn inner(ops: &[String], key: &str) -> Option<Vec<String>> {
    ops.iter()
        .find_map(|op| op.strip_prefix(&format!("{key}(")).and_then(|r| r.strip_suffix(')')))
        .map(operands)
}

/// Commands whose operands include every one of `wanted`, in any order (RACF parses keyword
/// operands in any order, so this is "equivalent", not "equal as text").
fn matching<'a>(commands: &'a [TsoCommand], wanted: &[&str]) -> Vec<&'a TsoCommand> {
    commands
        .iter()
        .filter(|c| {
            let ops = operands(&c.text);
            wanted.iter().all(|w| ops.iter().any(|op| op == w))
        })
        .collect()
}

fn one<'a>(commands: &'a [TsoCommand], wanted: &[&str]) -> &'a TsoCommand {
    let found = matching(commands, wanted);
    assert_eq!(found.len(), 1, "want exactly one command with {wanted:?}, found {found:?}");
    found[0]
}

fn snapshot_all(fixture: &str, response: &RenderResponse) {
    assert!(!response.files.is_empty());
    for f in &response.files {
        let name = format!("{fixture}__{}", f.path.replace('/', "__"));
        insta::assert_snapshot!(name, &f.content);
    }
    let diagnostics: Vec<String> = response.diagnostics.iter().map(Diagnostic::to_string).collect();
    insta::assert_snapshot!(format!("{fixture}__diagnostics"), diagnostics.join("\n"));
}

#[test]
fn snapshots_seed() {
    snapshot_all("seed", &render(seed()));
}

#[test]
fn snapshots_multi() {
    snapshot_all("multi", &render(multi()));
}

#[test]
fn snapshots_everything() {
    snapshot_all("everything", &render(everything()));
}

#[test]
fn snapshots_existing() {
    snapshot_all("existing", &render(existing()));
}

#[test]
fn existing_certificates_are_connected_and_listed_never_created_or_deleted() {
    let response = render(existing());
    let setup = commands(&file(&response, "security/PLEX1/racf/SETUP.jcl").content);
    let backout = commands(&file(&response, "security/PLEX1/racf/BACKOUT.jcl").content);
    for (owner, label) in [("CERTAUTH", "'SITEROOTCA'"), ("ID(OMVSADM)", "'SRVEXIST'")] {
        let about = |c: &&TsoCommand| c.text.contains(label);
        let verbs: Vec<&str> =
            setup.iter().filter(about).filter_map(|c| c.text.split_whitespace().nth(2)).collect();
        assert!(
            verbs.iter().all(|v| v.starts_with("CONNECT(") || v.starts_with("LIST(")),
            "{verbs:?}"
        );
        one(&setup, &["RACDCERT", &format!("LIST(LABEL({label}))"), owner]);
        assert!(!backout.iter().any(|c| about(&c)), "backout names {label}");
    }
    let connects: Vec<&str> =
        setup.iter().filter(|c| c.text.contains(" CONNECT(")).map(|c| c.text.as_str()).collect();
    assert_eq!(connects.len(), 3, "{connects:?}");
    assert!(connects[1].contains("CONNECT(CERTAUTH LABEL('SITEROOTCA')"), "{connects:?}");
    assert!(connects[2].contains("CONNECT(ID(OMVSADM) LABEL('SRVEXIST')"), "{connects:?}");
    assert!(connects[2].contains("DEFAULT"), "{connects:?}");
    // The generated CA of the same fleet is still created and deleted; the rings go whole.
    one(&setup, &["RACDCERT", "CERTAUTH", "GENCERT"]);
    one(&backout, &["RACDCERT", "CERTAUTH", "DELETE(LABEL('IMSCA'))"]);
    one(&backout, &["RACDCERT", "ID(OMVSADM)", "DELRING(ZOSCONN-APIR-KEYRING)"]);
}

#[test]
fn files_per_database_and_lpar() {
    let seed = render(seed());
    assert_eq!(
        paths(&seed),
        [
            "security/PLEX1/racf/DISCOVER.jcl",
            "security/PLEX1/racf/SETUP.jcl",
            "security/PLEX1/racf/BACKOUT.jcl",
            "lpars/SYSA/racf/SERVAUTH.jcl",
            "lpars/SYSA/racf/SERVAUTH-BACKOUT.jcl",
        ]
    );
    let multi = render(multi());
    assert_eq!(multi.files.len(), 2 * 3 + 3 * 2, "{:?}", paths(&multi));
    let everything = render(everything());
    assert!(paths(&everything).contains(&"security/PLEXA/racf/CLASSES.jcl"));
    assert!(paths(&everything).contains(&"security/PLEXB/racf/CLASSES.jcl"));
    for f in &multi.files {
        assert_eq!(f.target.as_deref().map(|t| t.starts_with("submit")), Some(true));
    }
}

#[test]
fn only_lpars_limits_databases_and_lpars() {
    let mut response = RacfEmitter.render(&request(multi(), &["SYSC"], &[])).unwrap();
    response.files.retain(|f| f.path != ORDER);
    assert_eq!(
        paths(&response),
        [
            "security/PLEXB/racf/DISCOVER.jcl",
            "security/PLEXB/racf/SETUP.jcl",
            "security/PLEXB/racf/BACKOUT.jcl",
            "lpars/SYSC/racf/SERVAUTH.jcl",
            "lpars/SYSC/racf/SERVAUTH-BACKOUT.jcl",
        ]
    );
}

#[test]
fn nothing_for_other_security_managers() {
    let mut fleet = multi();
    fleet.security_databases[0].esm = Esm::new(Esm::ACF2);
    let response = render(fleet);
    for path in paths(&response) {
        assert!(
            !path.contains("PLEXA") && !path.contains("SYSA") && !path.contains("SYSB"),
            "{path}"
        );
    }
    assert!(paths(&response).contains(&"lpars/SYSC/racf/SERVAUTH.jcl"));
    let mut fleet = seed();
    fleet.security_databases[0].esm = Esm::new(Esm::TSS);
    assert!(render(fleet).files.is_empty());
}

#[test]
fn every_line_passes_the_zos_checks() {
    let fleets = [
        ("seed", seed()),
        ("multi", multi()),
        ("everything", everything()),
        ("existing", existing()),
    ];
    for (name, fleet) in fleets {
        for options in [&[][..], &[("racf.strict_tmp", "IKJEFT01")][..]] {
            let response = render_with(fleet.clone(), options);
            for f in &response.files {
                let findings = zos::check(&f.content, TextKind::Job, &CheckOptions::default());
                assert!(findings.is_empty(), "{name} {}: {findings:?}", f.path);
                for (index, line) in f.content.lines().enumerate() {
                    let at = format!("{name} {} line {}: {line}", f.path, index + 1);
                    assert!(line.is_ascii() && !line.contains('\t'), "{at}");
                    assert!(line.len() <= 72, "{at}");
                    if line.starts_with("//") {
                        assert!(line.len() <= 71, "{at}");
                    }
                    // JCL statements are upper case outside apostrophes.
                    if line.starts_with("//") && !line.starts_with("//*") {
                        let outside: String =
                            line.split('\'').step_by(2).collect::<Vec<_>>().concat();
                        assert!(!outside.chars().any(|c| c.is_ascii_lowercase()), "{at}");
                    }
                }
                assert!(f.content.ends_with("$$\n"), "{name} {}", f.path);
            }
        }
    }
}

#[test]
fn job_names_are_valid_and_distinct() {
    // Every job of every database and LPAR has its own name, the same on every build.
    let response = render(everything());
    let mut names = BTreeMap::new();
    for f in &response.files {
        let first = f.content.lines().next().unwrap();
        let name = first[2..].split_whitespace().next().unwrap();
        assert!(zos::is_valid_name(name), "{name}");
        assert_eq!(first[2..].split_whitespace().nth(1), Some("JOB"));
        assert_eq!(names.insert(name.to_owned(), f.path.clone()), None, "{name} twice");
    }
    assert!(names.len() > 10, "{names:?}");
    // Short LPAR names are written as they are; a database name that does not fit is hashed.
    assert_eq!(names.get("ZATASYSA").map(String::as_str), Some("lpars/SYSA/racf/SERVAUTH.jcl"));
    let again = render(everything());
    let again: Vec<&str> = again.files.iter().map(|f| f.content.lines().next().unwrap()).collect();
    let first: Vec<&str> =
        response.files.iter().map(|f| f.content.lines().next().unwrap()).collect();
    assert_eq!(again, first);
}

#[test]
fn seed_commands_match_the_seed_page() {
    let response = render(seed());
    let setup = commands(&file(&response, "security/PLEX1/racf/SETUP.jcl").content);
    let servauth = commands(&file(&response, "lpars/SYSA/racf/SERVAUTH.jcl").content);

    // RACDCERT ADDRING(ZOSCONN-APIR-KEYRING) ID(OMVSADM)
    let addring = one(&setup, &["RACDCERT", "ADDRING(ZOSCONN-APIR-KEYRING)", "ID(OMVSADM)"]);
    assert_eq!(addring.step, "RINGS");

    // The CA: CERTAUTH GENCERT with the seed's subject, CERTSIGN, label IMSCA.
    let ca = one(&setup, &["RACDCERT", "CERTAUTH", "GENCERT", "WITHLABEL('IMSCA')"]);
    let ops = operands(&ca.text);
    assert!(ops.contains(&"SUBJECTSDN(CN('IMSCA') OU('ZCEE') O('US IBM SVL') C('US'))".to_owned()));
    assert!(ops.contains(&"KEYUSAGE(CERTSIGN)".to_owned()));
    assert!(ops.iter().any(|o| o.starts_with("SIZE(")));
    assert!(!ops.iter().any(|o| o.starts_with("SIGNWITH")));
    assert_eq!(ca.step, "CERTS");

    // Its export (the fixture asks for CERTDER to CERTAUTH.CERT), under the site's high-level
    // qualifier, fully qualified, after the deletion of an earlier copy.
    let export = one(&setup, &["RACDCERT", "CERTAUTH", "EXPORT(LABEL('IMSCA'))"]);
    let ops = operands(&export.text);
    assert!(ops.contains(&"DSN('ATTLS.CERTAUTH.CERT')".to_owned()), "{ops:?}");
    // In an IDCAMS step, which sets its code back to 0 when there was no copy to delete.
    let delete = one(&setup, &["DELETE", "ATTLS.CERTAUTH.CERT", "NONVSAM"]);
    assert_eq!(delete.step, "EXPDEL");
    let reset = one(&setup, &["IF", "LASTCC", "=", "8", "THEN", "SET", "MAXCC", "0"]);
    assert_eq!((reset.step.as_str(), reset.line), ("EXPDEL", delete.line + 1));
    assert!(ops.iter().any(|o| o.starts_with("FORMAT(")));

    // ZOSCONNCERT: owned by OMVSADM, signed by IMSCA, SIZE(2048), the seed's subject.
    let server = one(&setup, &["RACDCERT", "ID(OMVSADM)", "GENCERT", "WITHLABEL('ZOSCONNCERT')"]);
    let ops = operands(&server.text);
    for want in [
        "SIGNWITH(CERTAUTH LABEL('IMSCA'))",
        "SIZE(2048)",
        "KEYUSAGE(HANDSHAKE)",
        "SUBJECTSDN(CN('ZCEESERVER.MYCOM.COM') T('MY ZCEE SERVER') OU('ZCEE') O('US MYCOM COM') \
         L('SANJOSE') SP('SANJOSE') C('US'))",
    ] {
        assert!(ops.contains(&want.to_owned()), "{want} not in {ops:?}");
    }
    assert!(ca.line < server.line, "the CA is created before the certificate it signs");

    // Both connected into the ring, ZOSCONNCERT as the one DEFAULT.
    let connects = matching(&setup, &["RACDCERT", "ID(OMVSADM)"])
        .into_iter()
        .filter_map(|c| inner(&operands(&c.text), "CONNECT"))
        .collect::<Vec<_>>();
    assert_eq!(connects.len(), 2, "{connects:?}");
    let has = |ops: &Vec<String>, w: &str| ops.iter().any(|o| o == w);
    let ca_connect = connects.iter().find(|c| has(c, "LABEL('IMSCA')")).unwrap();
    assert!(has(ca_connect, "CERTAUTH") && has(ca_connect, "RING(ZOSCONN-APIR-KEYRING)"));
    assert!(has(ca_connect, "USAGE(CERTAUTH)") && !has(ca_connect, "DEFAULT"));
    let cert_connect = connects.iter().find(|c| has(c, "LABEL('ZOSCONNCERT')")).unwrap();
    assert!(has(cert_connect, "ID(OMVSADM)") && has(cert_connect, "RING(ZOSCONN-APIR-KEYRING)"));
    assert!(has(cert_connect, "USAGE(PERSONAL)") && has(cert_connect, "DEFAULT"));
    for connect in setup.iter().filter(|c| c.text.contains("CONNECT(")) {
        assert!(addring.line < connect.line && server.line < connect.line);
    }

    // FACILITY IRR.DIGTCERT.LIST / LISTRING: defined before permitted, READ for the owner.
    for profile in ["IRR.DIGTCERT.LIST", "IRR.DIGTCERT.LISTRING"] {
        let define = one(&setup, &["RDEFINE", "FACILITY", profile, "UACC(NONE)"]);
        let permit =
            one(&setup, &["PERMIT", profile, "CLASS(FACILITY)", "ID(OMVSADM)", "ACCESS(READ)"]);
        assert!(define.line < permit.line);
        assert_eq!((define.step.as_str(), permit.step.as_str()), ("DEFINE", "PERMIT"));
    }

    // SERVAUTH EZB.INITSTACK for the TTLS stack, permitted to the Policy Agent user.
    let define = one(&servauth, &["RDEFINE", "SERVAUTH", "EZB.INITSTACK.SYSA.TCPIP", "UACC(NONE)"]);
    let permit = one(
        &servauth,
        &["PERMIT", "EZB.INITSTACK.SYSA.TCPIP", "CLASS(SERVAUTH)", "ID(PAGENT)", "ACCESS(READ)"],
    );
    assert!(define.line < permit.line);
    // The listing that ends the tolerant DEFINE step with its RC, and the verification's.
    let listed = one(&servauth, &["RLIST", "SERVAUTH", "EZB.INITSTACK.SYSA.TCPIP", "AUTHUSER"]);
    assert!(listed.line > permit.line);
    let ends = matching(&servauth, &["RLIST", "SERVAUTH", "EZB.INITSTACK.SYSA.TCPIP"]);
    assert!(ends.iter().any(|c| c.step == "DEFINE" && c.line > define.line), "{ends:?}");

    // The refreshes, each after the changes it publishes.
    let certs = one(&setup, &["SETROPTS", "RACLIST(DIGTCERT DIGTRING)", "REFRESH"]);
    let facility = one(&setup, &["SETROPTS", "RACLIST(FACILITY)", "REFRESH"]);
    assert!(certs.line > cert_connect_line(&setup) && facility.line > permit_line(&setup));
    let serv = one(&servauth, &["SETROPTS", "RACLIST(SERVAUTH)", "REFRESH"]);
    assert!(serv.line > permit.line);

    // Listings verify the result.
    one(&setup, &["RACDCERT", "ID(OMVSADM)", "LISTRING(ZOSCONN-APIR-KEYRING)"]);
    one(&setup, &["RACDCERT", "CERTAUTH", "LIST(LABEL('IMSCA'))"]);
    one(&setup, &["RACDCERT", "ID(OMVSADM)", "LIST(LABEL('ZOSCONNCERT'))"]);

    // What a careful site would not run blindly is not there.
    for f in &response.files {
        for command in commands(&f.content) {
            assert!(!command.text.starts_with("RDELETE"), "{}: {}", f.path, command.text);
            assert!(!command.text.contains("NOCLASSACT") && !command.text.contains("CLASSACT("));
            assert!(!command.text.contains("WHEN(PROGRAM"));
            assert!(!command.text.contains("ID(*)"));
        }
    }
}

fn cert_connect_line(setup: &[TsoCommand]) -> usize {
    setup.iter().filter(|c| c.text.contains("CONNECT(")).map(|c| c.line).max().expect("connects")
}

fn permit_line(setup: &[TsoCommand]) -> usize {
    setup.iter().filter(|c| c.text.starts_with("PERMIT")).map(|c| c.line).max().expect("permits")
}

#[test]
fn no_password_anywhere() {
    let mut fleet = seed();
    // The seed page exports ZOSCONNCERT as PKCS12DER with a password in clear.
    fleet.security_databases[0].certificates[1].export = Some(CertExport {
        dsn: "ZCONN.CERT.P12DER".into(),
        format: ExportFormat::Pkcs12der,
        password_env: Some("ZCONN_P12_PW".into()),
    });
    let response = render(fleet);
    for f in &response.files {
        let first_statement: String =
            f.content.lines().take_while(|l| !l.starts_with("//*")).collect::<Vec<_>>().join("\n");
        assert!(first_statement.contains(" JOB "), "{}", f.path);
        assert!(!first_statement.contains("PASSWORD") && !first_statement.contains("USER="));
        assert!(!f.content.contains("imsmobile"));
    }
    assert!(
        !file(&response, "security/PLEX1/racf/SETUP.jcl").content.contains("ZOSCONNCERT')) DSN")
    );
    let setup = &file(&response, "security/PLEX1/racf/KEY.jcl").content;
    let setup_commands = commands(setup);
    let export = one(&setup_commands, &["RACDCERT", "ID(OMVSADM)", "EXPORT(LABEL('ZOSCONNCERT'))"]);
    // Its own job: the data set is protected first, and SYSTSPRT never echoes the password.
    one(&setup_commands, &["ADDSD", "'ZCONN.CERT.P12DER'", "UACC(NONE)"]);
    let export_step = setup.lines().position(|l| l.starts_with("//EXPORT ")).unwrap();
    assert_eq!(setup.lines().nth(export_step + 1), Some("//SYSTSPRT DD DUMMY"));
    let cleanup = commands(&file(&response, "security/PLEX1/racf/KEY-CLEANUP.jcl").content);
    one(&cleanup, &["DELETE", "'ZCONN.CERT.P12DER'"]);
    one(&cleanup, &["DELDSD", "'ZCONN.CERT.P12DER'"]);
    let ops = operands(&export.text);
    assert!(ops.contains(&"PASSWORD('<<SET-FROM-ENV:ZCONN_P12_PW>>')".to_owned()), "{ops:?}");
    assert!(ops.contains(&"FORMAT(PKCS12DER)".to_owned()));
    // Every PASSWORD( operand in every file is a placeholder.
    for f in &response.files {
        for command in commands(&f.content) {
            for op in operands(&command.text).iter().filter(|o| o.starts_with("PASSWORD(")) {
                assert!(op.starts_with("PASSWORD('<<SET-") && op.ends_with(">>')"), "{op}");
            }
        }
    }
    // The job cannot run until the placeholder is replaced, and says so right above.
    let stop = setup.lines().position(|l| l.starts_with("//ZATSTOP ")).expect("stop line");
    let export_step = setup.lines().position(|l| l.starts_with("//EXPORT ")).unwrap();
    assert!(stop < export_step);
    assert!(setup.lines().nth(stop - 1).unwrap().starts_with("//*"));
    assert!(setup.contains("ZCONN_P12_PW"));
    let warning = response.diagnostics.iter().find(|d| d.code == "ZAT0342").expect("warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.origin.as_ref().map(|o| o.line), Some(8));
    assert!(warning.message.contains("ZCONN_P12_PW"));
    // Without an environment variable the placeholder says so.
    let mut fleet = seed();
    fleet.security_databases[0].certificates[1].export = Some(CertExport {
        dsn: "ZCONN.CERT.P12DER".into(),
        format: ExportFormat::Pkcs12b64,
        password_env: None,
    });
    let response = render(fleet);
    assert!(
        file(&response, "security/PLEX1/racf/KEY.jcl")
            .content
            .contains("PASSWORD('<<SET-PASSWORD>>')")
    );
    assert_eq!(response.diagnostics.iter().filter(|d| d.code == "ZAT0342").count(), 1);
    // A certificate-only export has no password and no stop line.
    let setup = render(seed());
    let text = &file(&setup, "security/PLEX1/racf/SETUP.jcl").content;
    assert!(!text.contains("PASSWORD") && !text.contains("ZATSTOP"));
    let codes: Vec<&str> = setup.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["ZAT0347"], "only the assumption that nothing exists yet");
}

#[test]
fn steps_are_gated_by_phase() {
    let response = render(seed());
    let setup = &file(&response, "security/PLEX1/racf/SETUP.jcl").content;
    let steps: Vec<(&str, &str)> = setup
        .lines()
        .filter(|l| l.contains(" EXEC PGM="))
        .map(|l| {
            let name = l[2..].split_whitespace().next().unwrap();
            let pgm = l.split("PGM=").nth(1).unwrap().split(',').next().unwrap();
            (name, pgm)
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("CERTS", "IKJEFT1B"),
            ("RINGS", "IKJEFT1B"),
            ("EXPDEL", "IDCAMS"),
            ("EXPORT", "IKJEFT1B"),
            ("DEFINE", "IKJEFT01"),
            ("PERMIT", "IKJEFT1B"),
            ("REFRCERT", "IKJEFT01"),
            ("REFRFAC", "IKJEFT01"),
            ("VERIFY", "IKJEFT01"),
        ]
    );
    // Each strict step is followed by an IF on its own RC around the rest; VERIFY is after
    // every ENDIF so it always runs.
    let lines: Vec<&str> = setup.lines().collect();
    for strict in ["CERTS", "RINGS", "EXPORT", "PERMIT"] {
        let at = lines.iter().position(|l| l.starts_with(&format!("//{strict} "))).unwrap();
        let next_if = lines[at..].iter().find(|l| l.starts_with("// IF ")).unwrap();
        assert_eq!(*next_if, format!("// IF ({strict}.RC = 0) THEN"));
    }
    let ifs = lines.iter().filter(|l| l.starts_with("// IF ")).count();
    let endifs = lines.iter().filter(|l| **l == "// ENDIF").count();
    assert_eq!((ifs, endifs), (4, 4));
    let last_endif = lines.iter().rposition(|l| *l == "// ENDIF").unwrap();
    let verify = lines.iter().position(|l| l.starts_with("//VERIFY ")).unwrap();
    assert!(last_endif < verify);
    // Every step has its own SYSTSIN (SYSIN for IDCAMS) with DLM=$$ and a closing delimiter.
    assert_eq!(
        lines.iter().filter(|l| **l == "//SYSTSIN  DD DATA,DLM=$$").count(),
        steps.len() - 1
    );
    assert_eq!(lines.iter().filter(|l| **l == "//SYSIN    DD DATA,DLM=$$").count(), 1);
    assert_eq!(lines.iter().filter(|l| **l == "$$").count(), steps.len());

    // A site can choose the classic TMP for strict steps; a bad value is an error.
    let classic = render_with(seed(), &[("racf.strict_tmp", "ikjeft01")]);
    assert!(!file(&classic, "security/PLEX1/racf/SETUP.jcl").content.contains("IKJEFT1B"));
    let bad = render_with(seed(), &[("racf.strict_tmp", "IEFBR14"), ("racf.colour", "red")]);
    let codes: Vec<(&str, Severity)> = bad
        .diagnostics
        .iter()
        .filter(|d| d.code != "ZAT0347")
        .map(|d| (d.code.as_str(), d.severity))
        .collect();
    assert_eq!(codes, [("ZAT0344", Severity::Warning), ("ZAT0344", Severity::Error)]);
}

#[test]
fn every_job_header_says_what_who_and_undo() {
    for f in &render(everything()).files {
        let header: String = f
            .content
            .lines()
            .skip_while(|l| !l.starts_with("//*"))
            .take_while(|l| l.starts_with("//*"))
            .collect::<Vec<_>>()
            .join(" ");
        for want in ["WHAT IT CHANGES:", "WHO RUNS IT:", "HOW TO UNDO:", "GENERATED BY ZAT"] {
            assert!(header.contains(want), "{} lacks {want}", f.path);
        }
    }
}

#[test]
fn backout_undoes_in_the_safe_order() {
    let response = render(everything());
    let backout = commands(&file(&response, "security/PLEXA/racf/BACKOUT.jcl").content);
    let setup = commands(&file(&response, "security/PLEXA/racf/SETUP.jcl").content);
    let position = |prefix: &str| backout.iter().position(|c| c.text.contains(prefix)).unwrap();
    let last = |prefix: &str| backout.iter().rposition(|c| c.text.contains(prefix)).unwrap();
    let last_permit = backout.iter().rposition(|c| c.text.starts_with("PERMIT ")).unwrap();
    assert!(last_permit < position("DELRING("), "permits go first");
    assert!(last("DELRING(") < position("DELETE(LABEL("), "rings before certificates");
    let deletes: Vec<String> = backout
        .iter()
        .filter_map(|c| inner(&operands(&c.text), "DELETE").map(|_| c.text.clone()))
        .collect();
    assert_eq!(
        deletes,
        [
            "RACDCERT ID(ZCSRV) DELETE(LABEL('ZCSRVCERT'))",
            "RACDCERT ID(PAYUSR) DELETE(LABEL('PAYCLIENT'))",
            "RACDCERT CERTAUTH DELETE(LABEL('PLEXACA'))",
        ]
    );
    // Every permit of SETUP has its PERMIT ... DELETE; no profile is deleted, no class touched.
    for permit in setup.iter().filter(|c| c.text.starts_with("PERMIT ")) {
        let ops = operands(&permit.text);
        let wanted: Vec<&str> =
            ops.iter().filter(|o| !o.starts_with("ACCESS(")).map(String::as_str).collect();
        let mut wanted = wanted;
        wanted.push("DELETE");
        one(&backout, &wanted);
    }
    for f in &response.files {
        for command in commands(&f.content) {
            assert!(!command.text.starts_with("RDELETE"), "{}", command.text);
            assert!(!command.text.contains("NOCLASSACT") && !command.text.contains("NORACLIST"));
        }
    }
    // SERVAUTH back-out removes the permits, never the profile.
    let servauth = commands(&file(&response, "lpars/SYSB/racf/SERVAUTH-BACKOUT.jcl").content);
    one(
        &servauth,
        &[
            "PERMIT",
            "EZB.INITSTACK.SYSB.TCPIP",
            "CLASS(SERVAUTH)",
            "ID(PAGENT)",
            "DELETE",
            "WHEN(PROGRAM(PAGENT,EZAPAGEN))",
        ],
    );
    one(&servauth, &["PERMIT", "EZB.INITSTACK.SYSB.TCPIP", "ID(OMPROUTE)", "DELETE"]);
}

#[test]
fn multi_rings_access_and_stacks() {
    let response = render(multi());
    let setup = commands(&file(&response, "security/PLEXA/racf/SETUP.jcl").content);
    // Ring names keep their case.
    one(&setup, &["RACDCERT", "ID(PAYUSR)", "ADDRING(PayRing)"]);
    // The server's ring is read through RDATALIB: upper-case profile, owner and readers READ.
    one(&setup, &["RDEFINE", "RDATALIB", "ZCSRV.ZCSRVRING.LST", "UACC(NONE)"]);
    one(&setup, &["PERMIT", "ZCSRV.ZCSRVRING.LST", "CLASS(RDATALIB)", "ID(ZCSRV)", "ACCESS(READ)"]);
    one(&setup, &["SETROPTS", "RACLIST(RDATALIB)", "REFRESH"]);
    // The FACILITY ring's owner gets READ (own ring).
    one(
        &setup,
        &["PERMIT", "IRR.DIGTCERT.LISTRING", "CLASS(FACILITY)", "ID(PAYUSR)", "ACCESS(READ)"],
    );
    // ALTNAME with one DOMAIN and one IP.
    let server = one(&setup, &["GENCERT", "WITHLABEL('ZCSRVCERT')"]);
    assert!(
        operands(&server.text)
            .contains(&"ALTNAME(DOMAIN('zcee.mycom.com') IP(10.1.1.10))".to_owned())
    );
    // Every DEFAULT is unique per ring.
    for ring in ["PayRing", "ZCSRVRING"] {
        let defaults = setup
            .iter()
            .filter(|c| c.text.contains(&format!("RING({ring})")) && c.text.contains(" DEFAULT)"))
            .count();
        assert_eq!(defaults, 1, "{ring}");
    }
    // Per LPAR: one profile per TTLS stack, the Policy Agent user and initstack users.
    let sysb = commands(&file(&response, "lpars/SYSB/racf/SERVAUTH.jcl").content);
    for stack in ["TCPIP", "TCPIPB"] {
        let profile = format!("EZB.INITSTACK.SYSB.{stack}");
        one(&sysb, &["RDEFINE", "SERVAUTH", &profile, "UACC(NONE)"]);
        one(&sysb, &["PERMIT", &profile, "CLASS(SERVAUTH)", "ID(PAGENT)", "ACCESS(READ)"]);
    }
    one(&sysb, &["PERMIT", "EZB.INITSTACK.SYSB.TCPIP", "ID(OMPROUTE)", "ACCESS(READ)"]);
    assert!(!sysb.iter().any(|c| c.text.contains("WHEN(")));
}

#[test]
fn reader_of_another_users_ring_gets_update() {
    // Readers are set before expansion, which derives the grants from them.
    let mut raw = zat_core::fixtures::seed_raw();
    raw.security_databases[0].keyrings[0].readers = vec!["APPUSER".into(), "OMVSADM".into()];
    let response = render(zat_core::prepare(raw).fleet);
    let setup = commands(&file(&response, "security/PLEX1/racf/SETUP.jcl").content);
    for profile in ["IRR.DIGTCERT.LIST", "IRR.DIGTCERT.LISTRING"] {
        one(&setup, &["PERMIT", profile, "ID(APPUSER)", "ACCESS(UPDATE)"]);
        one(&setup, &["PERMIT", profile, "ID(OMVSADM)", "ACCESS(READ)"]);
    }
}

#[test]
fn site_switches_only_when_asked() {
    let response = render(everything());
    let classes = commands(&file(&response, "security/PLEXA/racf/CLASSES.jcl").content);
    one(&classes, &["SETROPTS", "CLASSACT(DIGTCERT DIGTRING)", "RACLIST(DIGTCERT DIGTRING)"]);
    one(&classes, &["SETROPTS", "CLASSACT(SERVAUTH)", "RACLIST(SERVAUTH)"]);
    one(&classes, &["SETROPTS", "GENERIC(SERVAUTH)"]);
    one(&classes, &["SETROPTS", "CLASSACT(RDATALIB)", "RACLIST(RDATALIB)"]);
    one(&classes, &["SETROPTS", "WHEN(PROGRAM)"]);
    // One command per step, so each step's RC is its switch's.
    assert!(classes.windows(2).all(|w| w[0].step != w[1].step));
    let servauth = commands(&file(&response, "lpars/SYSA/racf/SERVAUTH.jcl").content);
    one(
        &servauth,
        &[
            "PERMIT",
            "EZB.INITSTACK.SYSA.TCPIP",
            "ID(PAGENT)",
            "ACCESS(READ)",
            "WHEN(PROGRAM(PAGENT,EZAPAGEN))",
        ],
    );
    // Other users' permits are plain.
    let omproute = one(&servauth, &["PERMIT", "ID(OMPROUTE)"]);
    assert!(!omproute.text.contains("WHEN("));
    one(&servauth, &["SETROPTS", "WHEN(PROGRAM)", "REFRESH"]);
    // Without the switches: no class job, no SETROPTS other than refreshes.
    for f in &render(multi()).files {
        assert!(!f.path.ends_with("CLASSES.jcl"));
        for c in commands(&f.content)
            .iter()
            .filter(|c| c.text.starts_with("SETROPTS") && c.text != "SETROPTS LIST")
        {
            assert!(c.text.ends_with(" REFRESH") && !c.text.contains("WHEN"), "{}", c.text);
        }
    }
}

#[test]
fn refreshes_follow_the_raclisted_option() {
    let response = render_with(seed(), &[("racf.raclisted", "DIGTCERT, SERVAUTH")]);
    let setup = commands(&file(&response, "security/PLEX1/racf/SETUP.jcl").content);
    let refreshes: Vec<&str> =
        setup.iter().filter(|c| c.text.ends_with("REFRESH")).map(|c| c.text.as_str()).collect();
    assert_eq!(refreshes, ["SETROPTS RACLIST(DIGTCERT) REFRESH"]);
    let response = render_with(seed(), &[("racf.raclisted", "")]);
    let servauth = commands(&file(&response, "lpars/SYSA/racf/SERVAUTH.jcl").content);
    assert!(!servauth.iter().any(|c| c.text.contains("REFRESH")));
}

#[test]
fn problems_become_diagnostics_at_the_script_line() {
    // A subject value too long for one line is refused, not split.
    let mut fleet = seed();
    fleet.security_databases[0].certificates[1].subject.o = Some("O".repeat(64));
    let response = render(fleet);
    let diagnostic =
        response.diagnostics.iter().find(|d| d.code == "ZAT0341").expect("layout error");
    assert!(diagnostic.is_error());
    assert_eq!(diagnostic.origin.as_ref().map(|o| o.line), Some(8));
    assert!(diagnostic.object.contains("ZOSCONNCERT"));
    assert!(!paths(&response).contains(&"security/PLEX1/racf/SETUP.jcl"));
    assert!(paths(&response).contains(&"lpars/SYSA/racf/SERVAUTH.jcl"));

    // A job name prefix that makes names longer than 8.
    let mut fleet = seed();
    fleet.defaults.job.name_prefix = "TOOLONGX".into();
    let response = render(fleet);
    assert!(response.files.is_empty());
    let errors: Vec<&Diagnostic> =
        response.diagnostics.iter().filter(|d| d.code != "ZAT0347").collect();
    assert!(errors.iter().all(|d| d.code == "ZAT0340" && d.is_error()), "{errors:?}");
    assert_eq!(errors.len(), 5, "DISCOVER, SETUP, BACKOUT, SERVAUTH, SERVAUTH-BACKOUT");

    // Two DEFAULT certificates in one ring: only the first is DEFAULT.
    let mut fleet = seed();
    let ring = &mut fleet.security_databases[0].keyrings[0];
    let mut second = ring.connections[1].clone();
    second.label = "OTHERCERT".into();
    second.usage = Usage::Personal;
    ring.connections.push(second);
    let response = render(fleet);
    assert!(response.diagnostics.iter().any(|d| d.code == "ZAT0343" && d.is_error()));
    let setup = commands(&file(&response, "security/PLEX1/racf/SETUP.jcl").content);
    assert_eq!(setup.iter().filter(|c| c.text.contains(" DEFAULT)")).count(), 1);
}

#[test]
fn apostrophes_in_values_are_doubled() {
    let mut fleet = seed();
    fleet.security_databases[0].certificates[0].subject.o = Some("O'Brien Ltd".into());
    let response = render(fleet);
    let setup = &file(&response, "security/PLEX1/racf/SETUP.jcl").content;
    let setup_commands = commands(setup);
    let ca = one(&setup_commands, &["CERTAUTH", "GENCERT"]);
    assert!(ca.text.contains("O('O''Brien Ltd')"), "{}", ca.text);
}

#[test]
fn deterministic() {
    assert_eq!(render(everything()), render(everything()));
}

/// A JOB card the site's values cannot make (validation refuses it first; a plugin called
/// with it anyway) is placed at `site.defaults(..)` when the script called it, and nowhere
/// when it did not: never at an empty origin the host would call misplaced.
#[test]
fn job_card_errors_are_placed_at_the_defaults_or_nowhere() {
    let mut fleet = seed();
    fleet.defaults.job.accounting = "A".repeat(120);
    let at = zat_plugin_api::model::Origin::new("seed.rhai", 2, 6);
    fleet.defaults.origin = Some(at.clone());
    let response = render(fleet.clone());
    let cards: Vec<&Diagnostic> =
        response.diagnostics.iter().filter(|d| d.code == "ZAT0340").collect();
    assert!(!cards.is_empty(), "{:?}", response.diagnostics);
    assert!(cards.iter().all(|d| d.origin.as_ref() == Some(&at)), "{cards:?}");
    fleet.defaults.origin = None;
    let response = render(fleet);
    let cards: Vec<&Diagnostic> =
        response.diagnostics.iter().filter(|d| d.code == "ZAT0340").collect();
    assert!(!cards.is_empty(), "{:?}", response.diagnostics);
    assert!(cards.iter().all(|d| d.origin.is_none()), "{cards:?}");
}
