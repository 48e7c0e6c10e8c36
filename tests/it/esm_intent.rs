//! One fleet, three security managers: a RACF, an ACF2 and a Top Secret database carrying the
//! same certificates, rings and access build with the ACF2 and Top Secret plugins loaded from
//! a plugin folder, and the three jobs say the same thing. Each job is parsed back into a small
//! intent record (labels, owners, signers, rings, connections with usage and default, permits);
//! the records are compared, never the raw text. Without the plugin folder the same build
//! fails with ZAT0390 and writes nothing.
//!
//! Needs `zat` and the two cdylibs built next to the test binary (see `plugins.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::plugins::{plugin_dir, text, zat};

/// Every database gets the same objects; only the ESM and the LPAR name differ.
const SCRIPT: &str = r#"
let site = fleet("TRIO");
let zcee = site.zos_connect_server("ZCEE", #{
    host: "zcee.example.com",
    http_port: 9080,
    https_port: 9443,
    inbound_attls: false,
});

fn plex(site, name, esm, sysname, zcee) {
    let db = site.security_database(name, #{ esm: esm });
    let ca = db.certificate_authority("ATTLSCA", #{
        subject: #{ CN: "ATTLS Root CA", O: "EXAMPLE", C: "US" },
        key_usage: ["certsign"],
        not_after: "2035-12-31",
    });
    let srv = db.certificate("APPSRV", "APPSRVCERT", #{
        subject: #{ CN: "sysa.example.com", OU: "ZCEE", O: "EXAMPLE", L: "SANJOSE", SP: "CALIFORNIA", C: "US" },
        signed_by: ca,
        alt_domain: "sysa.example.com",
        not_after: "2027-12-31",
    });
    let cli = db.certificate("APPCLI", "APPCLICERT", #{
        subject: #{ CN: "APPCLI", O: "EXAMPLE", C: "US" },
        signed_by: ca,
        not_after: "2027-12-31",
    });
    let partner = db.import_ca("PARTNERCA", #{ dsn: "ATTLS.PARTNER.CA" });
    let srv_ring = db.keyring("APPSRV", "ATTLSRING", #{ access: "rdatalib", readers: ["APPRDR"] });
    srv_ring.connect(ca);
    srv_ring.connect_default(srv);
    // PAYUSR reads the ring's certificates (FACILITY UPDATE); the requester runs as the owner,
    // whose private key the client certificate needs.
    let cli_ring = db.keyring("APPCLI", "CliRing", #{ readers: ["PAYUSR"] });
    cli_ring.connect(ca);
    cli_ring.connect(partner);
    cli_ring.connect_default(cli);
    let lpar = site.lpar(sysname, #{ security_database: db });
    let tcpip = lpar.stack("TCPIP", #{ ttls: true, initstack_users: ["OMPROUTE"] });
    tcpip.api_requester("PAYROLL", #{
        jobname: "PAY*",
        userid: "APPCLI",
        server: zcee,
        keyring: cli_ring,
    });
}

plex(site, "PLEXR", "racf", "SYSR", zcee);
plex(site, "PLEXA", "acf2", "SYSA", zcee);
plex(site, "PLEXT", "tss", "SYST", zcee);
"#;

/// What a security job asks for, independent of the ESM's syntax.
#[derive(Debug, Default, PartialEq, Eq)]
struct Intent {
    /// (owner, label, signer label); owner `CERTAUTH`, `SITE` or a user ID.
    certificates: BTreeSet<(String, String, Option<String>)>,
    /// (label, key usage keywords) of each certificate a job generates.
    key_usage: BTreeSet<(String, String)>,
    /// (owner, ring name).
    rings: BTreeSet<(String, String)>,
    /// (ring owner, ring name, certificate owner, label, usage, default).
    connections: BTreeSet<(String, String, String, String, String, bool)>,
    /// (class, resource, user, access); the LPAR name in a resource is replaced by `<LPAR>`.
    permits: BTreeSet<(String, String, String, String)>,
}

/// The logical TSO commands of a job's in-stream data: comment lines (`/* */`, and ACF2's
/// `*` in column 1) and JCL skipped; `-` joins the next line as it is, `+` joins it without
/// its leading blanks; runs of blanks outside apostrophes become one.
fn commands(job: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut in_data = false;
    for line in job.lines() {
        if line.starts_with("//") {
            in_data = line.contains("DD DATA");
            continue;
        }
        if line.starts_with("$$") {
            in_data = false;
            continue;
        }
        if !in_data || line.starts_with('*') || line.trim_start().starts_with("/*") {
            continue;
        }
        let trimmed = line.trim_end();
        let piece = if pending.ends_with('+') { trimmed.trim_start() } else { trimmed };
        if pending.ends_with('+') || pending.ends_with('-') {
            pending.pop();
        }
        pending.push_str(piece);
        if !(trimmed.ends_with('-') || trimmed.ends_with('+')) {
            out.push(collapse(&pending));
            pending.clear();
        }
    }
    out
}

fn collapse(text: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for ch in text.trim().chars() {
        if ch == '\'' {
            quoted = !quoted;
        }
        if ch == ' ' && !quoted && out.ends_with(' ') {
            continue;
        }
        out.push(ch);
    }
    out
}

/// The text inside `KEYWORD(...)` where the keyword starts a token (after a blank, `(` or
/// at the start), with nested parentheses and apostrophes respected.
fn arg(command: &str, keyword: &str) -> Option<String> {
    let pattern = format!("{keyword}(");
    let mut from = 0;
    while let Some(found) = command[from..].find(&pattern) {
        let at = from + found;
        let boundary = at == 0 || matches!(command.as_bytes()[at - 1], b' ' | b'(');
        if boundary {
            let start = at + pattern.len();
            let mut depth = 1;
            let mut quoted = false;
            for (offset, ch) in command[start..].char_indices() {
                match ch {
                    '\'' => quoted = !quoted,
                    '(' if !quoted => depth += 1,
                    ')' if !quoted => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(command[start..start + offset].to_owned());
                        }
                    }
                    _ => {}
                }
            }
            return None;
        }
        from = at + pattern.len();
    }
    None
}

fn unquote(value: &str) -> String {
    let inner = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).unwrap_or(value);
    inner.replace("''", "'")
}

fn has_word(command: &str, word: &str) -> bool {
    command.split(' ').any(|w| w == word)
}

fn lpar_free(resource: &str) -> String {
    ["SYSR", "SYSA", "SYST"]
        .iter()
        .fold(resource.to_owned(), |r, sys| r.replace(&format!(".{sys}."), ".<LPAR>."))
}

/// `CERTAUTH`, `SITE` or `ID(x)` as the intent's owner.
fn racf_owner(token: &str) -> String {
    arg(token, "ID").unwrap_or_else(|| token.to_owned())
}

fn racf(jobs: &[String]) -> Intent {
    let mut intent = Intent::default();
    for command in jobs.iter().flat_map(|job| commands(job)) {
        let words: Vec<&str> = command.splitn(3, ' ').collect();
        if words[0] == "PERMIT" {
            let class = arg(&command, "CLASS").expect("PERMIT has CLASS");
            let access = arg(&command, "ACCESS").expect("PERMIT has ACCESS");
            for user in arg(&command, "ID").expect("PERMIT has ID").split(' ') {
                intent.permits.insert((
                    class.clone(),
                    lpar_free(words[1]),
                    user.to_owned(),
                    access.clone(),
                ));
            }
            continue;
        }
        if words[0] != "RACDCERT" || words.len() < 3 {
            continue;
        }
        let owner = racf_owner(words[1]);
        let rest = words[2];
        if rest.starts_with("GENCERT") || rest.starts_with("ADD(") {
            let label = unquote(&arg(rest, "WITHLABEL").expect("a label"));
            let signer = arg(rest, "SIGNWITH").and_then(|s| arg(&s, "LABEL")).map(|l| unquote(&l));
            if let Some(usage) = arg(rest, "KEYUSAGE") {
                intent.key_usage.insert((label.clone(), usage));
            }
            intent.certificates.insert((owner, label, signer));
        } else if let Some(ring) = arg(rest, "ADDRING") {
            intent.rings.insert((owner, ring));
        } else if let Some(inner) = arg(rest, "CONNECT") {
            let cert_owner = racf_owner(inner.split(' ').next().unwrap_or_default());
            intent.connections.insert((
                owner,
                arg(&inner, "RING").expect("RING"),
                cert_owner,
                unquote(&arg(&inner, "LABEL").expect("LABEL")),
                arg(&inner, "USAGE").expect("USAGE"),
                has_word(&inner, "DEFAULT"),
            ));
        }
    }
    intent
}

fn acf2(jobs: &[String]) -> Intent {
    let mut intent = Intent::default();
    let mut division = String::new();
    let mut resource_type = String::new();
    let mut certs: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut rings: BTreeMap<String, (String, String)> = BTreeMap::new();
    let owner_of = |record: &str| match record.split('.').next().unwrap_or_default() {
        "SITECERT" => "SITE".to_owned(),
        other => other.to_owned(),
    };
    let class_of = |code: &str| match code {
        "FAC" => "FACILITY",
        "RDA" => "RDATALIB",
        "SER" => "SERVAUTH",
        other => panic!("unexpected resource type {other}"),
    };
    for command in jobs.iter().flat_map(|job| commands(job)) {
        let words: Vec<&str> = command.split(' ').collect();
        match words[0] {
            "SET" => {
                if let Some(d) = arg(&command, "DIVISION") {
                    division = d;
                }
                if let Some(r) = arg(&command, "RESOURCE") {
                    resource_type = r;
                }
            }
            "INSERT" if division == "KEYRING" => {
                let ring = arg(&command, "RINGNAME").expect("RINGNAME");
                rings.insert(words[1].to_owned(), (owner_of(words[1]), ring.clone()));
                intent.rings.insert((owner_of(words[1]), ring));
            }
            "INSERT" | "GENCERT" => {
                let label = arg(&command, "LABEL").expect("LABEL");
                let signer = arg(&command, "SIGNWITH")
                    .map(|record| certs.get(&record).expect("signer made before").1.clone());
                certs.insert(words[1].to_owned(), (owner_of(words[1]), label.clone()));
                if let Some(usage) = arg(&command, "KEYUSAGE") {
                    intent.key_usage.insert((label.clone(), usage));
                }
                intent.certificates.insert((owner_of(words[1]), label, signer));
            }
            "CONNECT" => {
                let (cert_owner, label) = certs
                    .get(&arg(&command, "CERTDATA").expect("CERTDATA"))
                    .expect("certificate made before")
                    .clone();
                let (ring_owner, ring) = rings
                    .get(&arg(&command, "KEYRING").expect("KEYRING"))
                    .expect("ring made before")
                    .clone();
                intent.connections.insert((
                    ring_owner,
                    ring,
                    cert_owner,
                    label,
                    arg(&command, "USAGE").expect("USAGE"),
                    has_word(&command, "DEFAULT"),
                ));
            }
            "RECKEY" => {
                let Some(entry) = arg(&command, "ADD") else { continue };
                let rest = entry.split(' ').next().unwrap_or_default();
                intent.permits.insert((
                    class_of(&resource_type).to_owned(),
                    lpar_free(&format!("{}.{rest}", words[1])),
                    arg(&entry, "UID").expect("UID"),
                    arg(&entry, "SERVICE").expect("SERVICE"),
                ));
            }
            _ => {}
        }
    }
    intent
}

fn tss(jobs: &[String]) -> Intent {
    let mut intent = Intent::default();
    let mut certs: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut rings: BTreeMap<(String, String), String> = BTreeMap::new();
    let owner_of = |acid: String| if acid == "CERTSITE" { "SITE".to_owned() } else { acid };
    for command in jobs.iter().flat_map(|job| commands(job)) {
        if !command.starts_with("TSS ") {
            continue;
        }
        if let Some(acid) = arg(&command, "GENCERT") {
            let digicert = arg(&command, "DIGICERT").expect("DIGICERT");
            let label = arg(&command, "LABLCERT").expect("LABLCERT");
            let signer = arg(&command, "SIGNWITH").map(|s| {
                let (a, d) = s.split_once(',').expect("SIGNWITH(acid,digicert)");
                certs.get(&(a.to_owned(), d.to_owned())).expect("signer made before").clone()
            });
            certs.insert((acid.clone(), digicert), label.clone());
            if let Some(usage) = arg(&command, "KEYUSAGE") {
                intent.key_usage.insert((label.clone(), usage.trim_matches('\'').to_owned()));
            }
            intent.certificates.insert((owner_of(acid), label, signer));
        } else if let Some(acid) = arg(&command, "ADD") {
            if let Some(digicert) = arg(&command, "DIGICERT") {
                let label = arg(&command, "LABLCERT").expect("LABLCERT");
                certs.insert((acid.clone(), digicert), label.clone());
                intent.certificates.insert((owner_of(acid), label, None));
            } else if let Some(data) = arg(&command, "RINGDATA") {
                let keyring = arg(&command, "KEYRING").expect("KEYRING");
                let ring = rings.get(&(acid.clone(), keyring)).expect("ring made before").clone();
                let (a, d) = data.split_once(',').expect("RINGDATA(acid,digicert)");
                let label =
                    certs.get(&(a.to_owned(), d.to_owned())).expect("cert made before").clone();
                intent.connections.insert((
                    acid,
                    ring,
                    owner_of(a.to_owned()),
                    label,
                    arg(&command, "USAGE").expect("USAGE"),
                    has_word(&command, "DEFAULT"),
                ));
            } else if let Some(ring) = arg(&command, "LABLRING") {
                let keyring = arg(&command, "KEYRING").expect("KEYRING");
                rings.insert((acid.clone(), keyring), ring.clone());
                intent.rings.insert((acid, ring));
            }
        } else if let Some(user) = arg(&command, "PERMIT") {
            let access = arg(&command, "ACCESS").expect("ACCESS");
            for (keyword, class) in
                [("IBMFAC", "FACILITY"), ("RDATALIB", "RDATALIB"), ("SERVAUTH", "SERVAUTH")]
            {
                if let Some(resource) = arg(&command, keyword) {
                    intent.permits.insert((
                        class.to_owned(),
                        lpar_free(&resource),
                        user.clone(),
                        access.clone(),
                    ));
                }
            }
        }
    }
    intent
}

fn read(out: &Path, paths: &[&str]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            std::fs::read_to_string(out.join(p))
                .unwrap_or_else(|e| panic!("{p} in the bundle: {e}"))
        })
        .collect()
}

#[test]
fn racf_acf2_and_top_secret_jobs_carry_the_same_intent() {
    let work = tempfile::tempdir().expect("temp dir");
    let script = work.path().join("trio.rhai");
    std::fs::write(&script, SCRIPT).expect("write the script");
    let plugins = plugin_dir(&["zat_acf2", "zat_top_secret"]);
    let out = work.path().join("out");
    let output = zat(&[
        "build",
        script.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
        "--plugin-dir",
        plugins.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    // RACF adds partner CAs in their own job, run after their delivery.
    let racf = racf(&read(
        &out,
        &[
            "security/PLEXR/racf/SETUP.jcl",
            "security/PLEXR/racf/IMPORT.jcl",
            "lpars/SYSR/racf/SERVAUTH.jcl",
        ],
    ));
    let acf2 =
        acf2(&read(&out, &["security/PLEXA/acf2/SETUP.jcl", "lpars/SYSA/acf2/SERVAUTH.jcl"]));
    let tss = tss(&read(&out, &["security/PLEXT/tss/SETUP.jcl", "lpars/SYST/tss/SERVAUTH.jcl"]));

    // The RACF record is what the fleet says; check a few facts so that an empty parse
    // cannot make all three equal.
    assert_eq!(racf.certificates.len(), 4, "{racf:#?}");
    assert!(racf.certificates.contains(&(
        "APPSRV".into(),
        "APPSRVCERT".into(),
        Some("ATTLSCA".into())
    )));
    assert!(racf.certificates.contains(&("CERTAUTH".into(), "PARTNERCA".into(), None)));
    assert!(racf.key_usage.contains(&("APPSRVCERT".into(), "HANDSHAKE".into())), "{racf:#?}");
    assert!(racf.key_usage.contains(&("ATTLSCA".into(), "CERTSIGN".into())), "{racf:#?}");
    assert!(racf.rings.contains(&("APPCLI".into(), "CliRing".into())));
    assert!(racf.connections.contains(&(
        "APPCLI".into(),
        "CliRing".into(),
        "APPCLI".into(),
        "APPCLICERT".into(),
        "PERSONAL".into(),
        true
    )));
    for permit in [
        ("FACILITY", "IRR.DIGTCERT.LIST", "APPCLI", "READ"),
        ("FACILITY", "IRR.DIGTCERT.LISTRING", "PAYUSR", "UPDATE"),
        ("RDATALIB", "APPSRV.ATTLSRING.LST", "APPRDR", "READ"),
        ("SERVAUTH", "EZB.INITSTACK.<LPAR>.TCPIP", "PAGENT", "READ"),
        ("SERVAUTH", "EZB.INITSTACK.<LPAR>.TCPIP", "OMPROUTE", "READ"),
    ] {
        let permit =
            (permit.0.to_owned(), permit.1.to_owned(), permit.2.to_owned(), permit.3.to_owned());
        assert!(racf.permits.contains(&permit), "{permit:?} in {:#?}", racf.permits);
    }

    for (name, other) in [("acf2", &acf2), ("tss", &tss)] {
        assert_eq!(other.certificates, racf.certificates, "{name}: certificates");
        assert_eq!(other.key_usage, racf.key_usage, "{name}: key usage of each certificate");
        assert_eq!(other.rings, racf.rings, "{name}: rings");
        assert_eq!(other.connections, racf.connections, "{name}: connections");
        assert_eq!(other.permits, racf.permits, "{name}: permits");
    }
}

#[test]
fn without_the_plugins_the_build_names_the_missing_esm_and_writes_nothing() {
    let work = tempfile::tempdir().expect("temp dir");
    let script = work.path().join("trio.rhai");
    std::fs::write(&script, SCRIPT).expect("write the script");
    let out = work.path().join("out");
    let output =
        zat(&["build", script.to_str().expect("utf-8"), "-o", out.to_str().expect("utf-8")]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for needle in [
        "ZAT0390",
        "security database PLEXA",
        "acf2",
        "esm:acf2",
        "security database PLEXT",
        "esm:tss",
        "--plugin-dir",
        "ZAT_PLUGIN_PATH",
        "zat_acf2",
        "zat_top_secret",
        "trio.rhai",
    ] {
        assert!(stderr.contains(needle), "`{needle}` missing from:\n{stderr}");
    }
    assert!(!stderr.contains("security database PLEXR:"), "RACF is built in:\n{stderr}");
    assert!(!out.exists(), "nothing may be written");
    let siblings: Vec<_> = std::fs::read_dir(work.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(siblings.len(), 1, "only the script: {siblings:?}");

    // With only the ACF2 plugin, the Top Secret database alone is reported.
    let plugins = plugin_dir(&["zat_acf2"]);
    let output = zat(&[
        "build",
        script.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
        "--plugin-dir",
        plugins.path().to_str().expect("utf-8"),
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("PLEXT") && !stderr.contains("no plugin provides `esm:acf2`"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn plugins_test_passes_on_both_esm_libraries() {
    for name in ["zat_acf2", "zat_top_secret"] {
        let lib = crate::plugins::library(name);
        let output = zat(&["plugins", "test", lib.to_str().expect("utf-8")]);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{name}: {stdout}{}", text(&output.stderr));
        assert!(stdout.contains("conformance: passed"), "{stdout}");
    }
}
