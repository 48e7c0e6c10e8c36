//! Snapshots of the ACF2 jobs, the batch-rule scan of every line, and the error cases.

use zat_core::fixtures;
use zat_emit_acf2::Acf2Emitter;
use zat_plugin_api::model::{CertExport, Esm, ExportFormat, Fleet, Severity};
use zat_plugin_api::{Emitter, RenderRequest, RenderResponse};
use zat_zos::{self as zos, CheckOptions, TextKind};

fn request(fleet: Fleet) -> RenderRequest {
    RenderRequest::new(fleet, "test")
}

/// A raw fixture with every database switched to ACF2, prepared like the host does.
fn acf2(mut raw: Fleet) -> Fleet {
    for db in &mut raw.security_databases {
        db.esm = Esm::new(Esm::ACF2);
    }
    let prepared = zat_core::prepare(raw);
    assert!(!prepared.has_errors(), "{:?}", prepared.diagnostics);
    prepared.fleet
}

fn render(request: &RenderRequest) -> RenderResponse {
    Acf2Emitter.render(request).expect("renders")
}

fn files(response: &RenderResponse) -> String {
    let mut out = String::new();
    for file in &response.files {
        out.push_str(&format!(
            "==> {} ({})\n{}",
            file.path,
            file.target.as_deref().unwrap_or(""),
            file.content
        ));
    }
    out
}

fn errors(response: &RenderResponse) -> Vec<String> {
    response
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn seed_jobs() {
    let response = render(&request(acf2(fixtures::seed_raw())));
    assert_eq!(errors(&response), Vec::<String>::new());
    insta::assert_snapshot!("seed", files(&response));
}

#[test]
fn multi_jobs() {
    let response = render(&request(acf2(fixtures::multi_raw())));
    assert_eq!(errors(&response), Vec::<String>::new());
    insta::assert_snapshot!("multi", files(&response));
}

/// Existing certificates: connected and checked, never inserted, exported or deleted; their
/// record names are assumed, so each gets a warning.
#[test]
fn existing_certificates_jobs() {
    let response = render(&request(acf2(fixtures::existing_raw())));
    assert_eq!(errors(&response), Vec::<String>::new());
    insta::assert_snapshot!("existing", files(&response));
    let warnings: Vec<&str> = response
        .diagnostics
        .iter()
        .filter(|d| d.code == "ZAT0375")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    let setup = &response.files[0].content;
    let backout = &response.files[1].content;
    let records: Vec<String> = ["SITEROOTCA", "SRVEXIST"]
        .iter()
        .map(|label| {
            let line = setup
                .lines()
                .find(|l| {
                    l.contains("CONNECT CERTDATA(") && l.contains(&format!(".{}", &label[..4]))
                })
                .unwrap_or_else(|| panic!("no CONNECT of {label}"));
            line.split("CERTDATA(").nth(1).and_then(|r| r.split(')').next()).unwrap().to_owned()
        })
        .collect();
    assert_eq!(records[1], "OMVSADM.SRVEXIST");
    for record in &records {
        let commands: Vec<&str> = setup
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('*') && l.contains(record.as_str()))
            .collect();
        assert!(
            commands.iter().all(|c| c.starts_with("CONNECT ") || c.starts_with("CHKCERT ")),
            "{commands:?}"
        );
        assert!(!backout.lines().any(|l| !l.starts_with('*') && l.contains(record.as_str())));
    }
    assert!(setup.contains("GENCERT CERTAUTH.IMSCA"));
    assert!(backout.contains("DELETE CERTAUTH.IMSCA"));
}

#[test]
fn every_line_follows_the_batch_rules() {
    for raw in [fixtures::seed_raw(), fixtures::multi_raw(), fixtures::existing_raw()] {
        let response = render(&request(acf2(raw)));
        assert!(!response.files.is_empty());
        for file in &response.files {
            let findings = zos::check(&file.content, TextKind::Job, &CheckOptions::default());
            assert!(findings.is_empty(), "{}: {findings:?}", file.path);
            for (n, line) in file.content.lines().enumerate() {
                let limit = if line.starts_with("//") { 71 } else { 72 };
                assert!(line.len() <= limit, "{}:{}: {line}", file.path, n + 1);
                assert!(!line.contains('\t'), "{}:{}", file.path, n + 1);
                assert!(line.chars().all(zos::is_safe_char), "{}:{}: {line}", file.path, n + 1);
            }
            assert!(!file.content.contains("PASSWORD="), "{}", file.path);
        }
    }
}

#[test]
fn racf_databases_get_nothing() {
    let response = render(&request(fixtures::seed().fleet));
    assert!(response.files.is_empty());
    assert!(response.diagnostics.is_empty());
}

#[test]
fn only_lpars_limits_the_output() {
    let mut req = request(acf2(fixtures::multi_raw()));
    req.only_lpars = vec!["SYSC".into()];
    let paths: Vec<String> = render(&req).files.into_iter().map(|f| f.path).collect();
    assert_eq!(
        paths,
        [
            "security/PLEXB/acf2/SETUP.jcl",
            "security/PLEXB/acf2/BACKOUT.jcl",
            "lpars/SYSC/acf2/SERVAUTH.jcl",
            "lpars/SYSC/acf2/SERVAUTH-BACKOUT.jcl",
        ]
    );
}

#[test]
fn deterministic() {
    let req = request(acf2(fixtures::multi_raw()));
    assert_eq!(render(&req), render(&req));
}

#[test]
fn pkcs12_export_has_a_placeholder_and_a_warning() {
    let mut raw = fixtures::seed_raw();
    raw.security_databases[0].certificates[1].export = Some(CertExport {
        dsn: "ATTLS.SERVER.P12".into(),
        format: ExportFormat::Pkcs12b64,
        password_env: Some("P12PW".into()),
    });
    let response = render(&request(acf2(raw)));
    assert_eq!(errors(&response), Vec::<String>::new());
    let setup = &response.files[0].content;
    let at = setup.lines().position(|l| l.contains("EXPORT OMVSADM.")).expect("export line");
    let lines: Vec<&str> = setup.lines().skip(at).take(2).collect();
    assert!(lines.iter().all(|l| l.starts_with('*')), "commented out: {lines:?}");
    assert!(lines.join(" ").contains("PASSWORD(<<SET-FROM-ENV:P12PW>>)"), "{lines:?}");
    assert!(!setup.lines().any(|l| l.starts_with(" EXPORT OMVSADM.")));
    let warning = response.diagnostics.iter().find(|d| d.code == "ZAT0372").expect("warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(warning.help.as_deref().unwrap_or("").contains("P12PW"));
    assert!(warning.origin.is_some());
}

#[test]
fn record_name_collisions_are_errors_with_the_origin() {
    let mut raw = fixtures::seed_raw();
    let db = &mut raw.security_databases[0];
    // A CA labelled with exactly the hashed record name of IMSCA's sibling would collide.
    let hashed = zat_plugin_api::security::record_suffix("ZOSCONNCERT");
    let mut twin = db.certificates[1].clone();
    twin.label = hashed;
    twin.origin = zat_plugin_api::model::Origin::new("seed.rhai", 99, 1);
    db.certificates.push(twin);
    let fleet = acf2_unchecked(raw);
    let response = render(&request(fleet));
    let error = response.diagnostics.iter().find(|d| d.code == "ZAT0370").expect("collision");
    assert_eq!(error.origin.as_ref().map(|o| o.line), Some(99));
}

fn acf2_unchecked(mut raw: Fleet) -> Fleet {
    for db in &mut raw.security_databases {
        db.esm = Esm::new(Esm::ACF2);
    }
    zat_core::prepare(raw).fleet
}

#[test]
fn date_format_and_options() {
    let raw = fixtures::seed_raw();
    let mut req = request(acf2(raw));
    req.options.insert("acf2.date_format".into(), "dd/mm/yyyy".into());
    req.options.insert("acf2.uid_template".into(), "****{logonid}".into());
    req.options.insert("acf2.rebuild".into(), "operator".into());
    let response = render(&req);
    let setup = &response.files[0].content;
    assert!(setup.contains("EXPIRE(31/12/2035)"), "{setup}");
    assert!(setup.contains("UID(****OMVSADM)"), "{setup}");
    let data: Vec<&str> =
        setup.lines().filter(|l| !l.starts_with("//") && !l.starts_with('*')).collect();
    assert!(!data.iter().any(|l| l.contains("F ACF2")), "{data:?}");
    assert!(setup.contains("//*") && setup.contains("F ACF2,REBUILD(FAC)"));

    let mut bad = request(acf2(fixtures::seed_raw()));
    bad.options.insert("acf2.rebuild".into(), "never".into());
    let response = render(&bad);
    assert!(response.files.is_empty());
    assert_eq!(response.diagnostics[0].code, "ZAT0374");
}

#[test]
fn blanks_in_labels_are_refused_and_mixed_case_warned() {
    let mut raw = fixtures::multi_raw();
    raw.security_databases[0].certificates[0].label = "PLEXA CA".into();
    for ring in &mut raw.security_databases[0].keyrings {
        for c in &mut ring.connections {
            if c.label == "PLEXACA" {
                c.label = "PLEXA CA".into();
            }
        }
    }
    for cert in &mut raw.security_databases[0].certificates {
        if cert.signer.as_deref() == Some("PLEXACA") {
            cert.signer = Some("PLEXA CA".into());
        }
    }
    let response = render(&request(acf2_unchecked(raw)));
    assert!(response.diagnostics.iter().any(|d| d.code == "ZAT0373" && d.is_error()));
    assert!(
        response
            .diagnostics
            .iter()
            .any(|d| d.code == "ZAT0373" && !d.is_error() && d.message.contains("PayRing"))
    );
}

/// A partner CA is imported from elsewhere: the back-out never deletes it (nor an existing
/// certificate), whatever the state of the database.
#[test]
fn backout_never_deletes_a_partner_ca() {
    let mut raw = fixtures::seed_raw();
    let mut partner = raw.security_databases[0]
        .certificates
        .iter()
        .find(|c| c.is_ca())
        .cloned()
        .expect("the seed has a CA");
    partner.label = "PARTNER".into();
    partner.export = None;
    partner.source = zat_plugin_api::model::CertSource::Import { dsn: "PARTNER.CA.CERT".into() };
    raw.security_databases[0].certificates.insert(0, partner);
    let response = render(&request(acf2(raw)));
    let backout =
        response.files.iter().find(|f| f.path.ends_with("BACKOUT.jcl")).expect("a back-out job");
    assert!(backout.content.contains("Kept: the partner CAs PARTNER"), "{}", backout.content);
    assert!(!backout.content.contains("DELETE CERTAUTH.PARTNER"), "{}", backout.content);
    assert!(backout.content.contains("DELETE CERTAUTH.IMSCA"), "{}", backout.content);
}
