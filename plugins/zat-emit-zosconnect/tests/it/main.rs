//! Tests of the zosconnect emitter: snapshots, rings and labels that match the security
//! database, and no password but Liberty's documented dummy.

use zat_emit_zosconnect::ZosConnectEmitter;
use zat_plugin_api::layout;
use zat_test_support::{fixture, render, request, snapshot_all, zos_findings};

#[test]
fn seed_snapshots() {
    // The seed's server is outside the fleet: nothing to write.
    let response = render::<ZosConnectEmitter>(&request(fixture("seed")));
    assert!(response.files.is_empty());
    assert!(response.diagnostics.is_empty());
    snapshot_all!("seed", &response);
}

#[test]
fn multi_snapshots() {
    snapshot_all!("multi", &render::<ZosConnectEmitter>(&request(fixture("multi"))));
}

#[test]
fn liberty_tls_matches_the_ring_and_label() {
    let fleet = fixture("multi");
    let response = render::<ZosConnectEmitter>(&request(fleet.clone()));
    let file = response
        .files
        .iter()
        .find(|f| f.path == layout::zosconnect_server_xml("SYSC", "ZCEEB"))
        .expect("ZCEEB");
    let server = fleet.zos_connect_server("ZCEEB").expect("server");
    let ring = server.keyring.as_ref().expect("ring");
    let label = server.server_label.as_deref().expect("label");
    let db = fleet.security_database("PLEXB").expect("db");
    let found = db.keyring(&ring.owner, &ring.name).expect("ring in the server's database");
    assert!(found.connections.iter().any(|c| c.label == label));
    let xml = &file.content;
    assert!(
        xml.contains(&format!("location=\"safkeyring://{}/{}\"", ring.owner, ring.name)),
        "{xml}"
    );
    assert!(xml.contains(&format!("serverKeyAlias=\"{label}\"")), "{xml}");
    for attr in
        ["type=\"JCERACFKS\"", "fileBased=\"false\"", "readOnly=\"true\"", "httpsPort=\"9443\""]
    {
        assert!(xml.contains(attr), "{attr} missing in {xml}");
    }
    assert!(!xml.contains("clientAuthentication"), "{xml}");
}

#[test]
fn attls_server_listens_in_clear() {
    let response = render::<ZosConnectEmitter>(&request(fixture("multi")));
    let file = response
        .files
        .iter()
        .find(|f| f.path == layout::zosconnect_server_xml("SYSA", "ZCEEA"))
        .expect("ZCEEA");
    let xml = &file.content;
    assert!(xml.contains("httpPort=\"9080\" httpsPort=\"-1\""), "{xml}");
    assert!(!xml.contains("keyStore") || xml.contains("do not add keyStore"), "{xml}");
    assert!(!xml.contains("<ssl"), "{xml}");
    assert!(xml.contains("ZCEEA_IN"), "{xml}");
}

#[test]
fn client_auth_and_no_real_password() {
    let mut fleet = fixture("multi");
    fleet.zos_connect_servers[1].client_auth = true;
    let response = render::<ZosConnectEmitter>(&request(fleet));
    for file in &response.files {
        let passwords: Vec<&str> = file
            .content
            .match_indices("password=\"")
            .map(|(at, _)| &file.content[at..at + 19])
            .collect();
        assert!(passwords.iter().all(|p| *p == "password=\"password\""), "{passwords:?}");
    }
    let tls = response.files.iter().find(|f| f.path.contains("ZCEEB")).expect("ZCEEB");
    assert!(tls.content.contains("clientAuthentication=\"true\""));
}

#[test]
fn only_included_lpars() {
    let mut request = request(fixture("multi"));
    request.only_lpars = vec!["SYSB".to_owned()];
    assert!(render::<ZosConnectEmitter>(&request).files.is_empty());
}

#[test]
fn a_liberty_tls_server_without_ring_is_reported() {
    let mut fleet = fixture("multi");
    fleet.zos_connect_servers[1].keyring = None;
    let response = render::<ZosConnectEmitter>(&request(fleet));
    assert_eq!(response.files.len(), 1);
    assert_eq!(response.diagnostics[0].code, "ZAT0365");
    assert_eq!(response.diagnostics[0].origin.as_ref().map(|o| o.line), Some(45));
}

#[test]
fn no_tabs_and_only_safe_characters() {
    for file in render::<ZosConnectEmitter>(&request(fixture("multi"))).files {
        // `!` is a variant character, but XML comments need it; the include declares UTF-8
        // and is copied in binary (the runbook says so), so only `<!--` may hold it.
        let content = file.content.replace("<!--", "<--");
        let findings = zos_findings(&content, 255);
        assert!(findings.is_empty(), "{}: {findings:?}", file.path);
    }
}
