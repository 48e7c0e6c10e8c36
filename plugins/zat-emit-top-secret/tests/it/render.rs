//! Snapshots of the Top Secret jobs, the batch-rule scan of every line, and the error cases.

use zat_core::fixtures;
use zat_emit_top_secret::TssEmitter;
use zat_plugin_api::model::{CertExport, Esm, ExportFormat, Fleet, Severity};
use zat_plugin_api::{Emitter, RenderRequest, RenderResponse};
use zat_zos::{self as zos, CheckOptions, TextKind};

fn request(fleet: Fleet) -> RenderRequest {
    RenderRequest::new(fleet, "test")
}

/// A raw fixture with every database switched to Top Secret, prepared like the host does.
fn tss(mut raw: Fleet) -> Fleet {
    for db in &mut raw.security_databases {
        db.esm = Esm::new(Esm::TSS);
    }
    let prepared = zat_core::prepare(raw);
    assert!(!prepared.has_errors(), "{:?}", prepared.diagnostics);
    prepared.fleet
}

fn render(request: &RenderRequest) -> RenderResponse {
    TssEmitter.render(request).expect("renders")
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
    let response = render(&request(tss(fixtures::seed_raw())));
    assert_eq!(errors(&response), Vec::<String>::new());
    insta::assert_snapshot!("seed", files(&response));
}

#[test]
fn multi_jobs() {
    let response = render(&request(tss(fixtures::multi_raw())));
    assert_eq!(errors(&response), Vec::<String>::new());
    insta::assert_snapshot!("multi", files(&response));
}

/// Existing certificates: connected and listed, never added, exported or removed; their
/// DIGICERT names are assumed, so each gets a warning.
#[test]
fn existing_certificates_jobs() {
    let response = render(&request(tss(fixtures::existing_raw())));
    assert_eq!(errors(&response), Vec::<String>::new());
    insta::assert_snapshot!("existing", files(&response));
    let warnings = response.diagnostics.iter().filter(|d| d.code == "ZAT0385").count();
    assert_eq!(warnings, 2, "{:?}", response.diagnostics);
    let setup = &response.files[0].content;
    let backout = &response.files[1].content;
    for (acid, name) in [("CERTAUTH", "SITE"), ("OMVSADM", "SRVEXIST")] {
        let ringdata = format!("RINGDATA({acid},{name}");
        assert!(setup.contains(&ringdata), "no {ringdata}");
        let mentions: Vec<&str> = setup
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("/*") && l.contains(&format!("({name}")))
            .collect();
        assert!(
            mentions.iter().all(|l| l.contains("RINGDATA(") || l.starts_with("TSS LIST(")),
            "{mentions:?}"
        );
        assert!(
            !backout
                .lines()
                .any(|l| !l.trim().starts_with("/*") && l.contains(&format!("DIGICERT({name}"))),
            "backout removes {name}"
        );
    }
    assert!(setup.contains("TSS GENCERT(CERTAUTH) DIGICERT(IMSCA)"));
    assert!(backout.contains("TSS REM(CERTAUTH) DIGICERT(IMSCA)"));
}

#[test]
fn every_line_follows_the_batch_rules() {
    for raw in [fixtures::seed_raw(), fixtures::multi_raw(), fixtures::existing_raw()] {
        let response = render(&request(tss(raw)));
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
    let mut req = request(tss(fixtures::multi_raw()));
    req.only_lpars = vec!["SYSC".into()];
    let paths: Vec<String> = render(&req).files.into_iter().map(|f| f.path).collect();
    assert_eq!(
        paths,
        [
            "security/PLEXB/tss/SETUP.jcl",
            "security/PLEXB/tss/BACKOUT.jcl",
            "lpars/SYSC/tss/SERVAUTH.jcl",
            "lpars/SYSC/tss/SERVAUTH-BACKOUT.jcl",
        ]
    );
}

#[test]
fn deterministic() {
    let req = request(tss(fixtures::multi_raw()));
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
    let response = render(&request(tss(raw)));
    assert_eq!(errors(&response), Vec::<String>::new());
    let setup = &response.files[0].content;
    let commands: Vec<&str> = setup.lines().filter(|l| l.starts_with(" TSS ")).collect();
    assert!(!commands.iter().any(|l| l.contains("EXPORT(OMVSADM)")), "not run: {commands:?}");
    let comment: Vec<&str> = setup.lines().filter(|l| l.starts_with(" /*")).collect();
    assert!(comment.join(" ").contains("PKCSPASS(<<SET-FROM-ENV:P12PW>>)"), "{comment:?}");
    let warning = response.diagnostics.iter().find(|d| d.code == "ZAT0382").expect("warning");
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
    let fleet = tss_unchecked(raw);
    let response = render(&request(fleet));
    let error = response.diagnostics.iter().find(|d| d.code == "ZAT0380").expect("collision");
    assert_eq!(error.origin.as_ref().map(|o| o.line), Some(99));
}

fn tss_unchecked(mut raw: Fleet) -> Fleet {
    for db in &mut raw.security_databases {
        db.esm = Esm::new(Esm::TSS);
    }
    zat_core::prepare(raw).fleet
}

#[test]
fn date_format_and_options() {
    let mut req = request(tss(fixtures::multi_raw()));
    req.options.insert("tss.date_format".into(), "yyyy/mm/dd".into());
    req.options.insert("tss.servauth_owner".into(), "secdept".into());
    let response = render(&req);
    assert_eq!(errors(&response), Vec::<String>::new());
    let setup = &response.files[0].content;
    assert!(setup.contains("NADATE(2035/12/31)"), "{setup}");
    let servauth = response.files.iter().find(|f| f.path == "lpars/SYSA/tss/SERVAUTH.jcl").unwrap();
    assert!(
        servauth.content.contains(" TSS ADDTO(SECDEPT) SERVAUTH(EZB.)\n"),
        "{}",
        servauth.content
    );

    let mut bad = request(tss(fixtures::seed_raw()));
    bad.options.insert("tss.date_format".into(), "mm/yy".into());
    let response = render(&bad);
    assert!(response.files.is_empty());
    assert_eq!(response.diagnostics[0].code, "ZAT0384");
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
    let response = render(&request(tss_unchecked(raw)));
    assert!(response.diagnostics.iter().any(|d| d.code == "ZAT0383" && d.is_error()));
    assert!(
        response
            .diagnostics
            .iter()
            .any(|d| d.code == "ZAT0383" && !d.is_error() && d.message.contains("PayRing"))
    );
}

/// A partner CA is imported from elsewhere: the back-out never removes it (nor an existing
/// certificate), whatever the state of the database.
#[test]
fn backout_never_removes_a_partner_ca() {
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
    let response = render(&RenderRequest::new(tss(raw), "test"));
    let backout = response
        .files
        .iter()
        .find(|f| f.path.ends_with("BACKOUT.jcl") && f.path.starts_with("security/"))
        .expect("a back-out job");
    assert!(backout.content.contains("Kept: the partner CAs PARTNER"), "{}", backout.content);
    assert!(!backout.content.contains("DIGICERT(PARTNER)"), "{}", backout.content);
    assert!(backout.content.contains("DIGICERT(IMSCA)"), "{}", backout.content);
}
