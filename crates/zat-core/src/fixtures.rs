//! Fixture fleets built in Rust: the seed scenario and a small multi-LPAR fleet.
//!
//! Emitter tests and `zat plugins test` use them so that they need no script runtime.
//! Both come back expanded and validated through [`crate::prepare`], as plugins see them.

use zat_model::{
    AltName, ApiRequester, CertExport, CertOwner, CertSource, Certificate, DistinguishedName, Esm,
    ExportFormat, Fleet, JobCard, KeyAlgorithm, KeyUsage, Keyring, Lpar, Origin, PagentSettings,
    Protocols, RingAccess, RingConnection, RingRef, SecurityDatabase, SecurityLevel, SiteDefaults,
    Stack, SyslogSettings, Usage, ZosConnectServer,
};

use crate::{Prepared, prepare};

/// The seed scenario: CA IMSCA, server certificate ZOSCONNCERT signed by it, ring
/// ZOSCONN-APIR-KEYRING owned by OMVSADM, a z/OS Connect server at zceeserver.mycom.com with
/// an inbound AT-TLS policy, and one application calling it as API requester.
pub fn seed() -> Prepared {
    prepare(seed_raw())
}

/// A fleet with three LPARs on two security databases, two stacks on one LPAR, two levels.
pub fn multi() -> Prepared {
    prepare(multi_raw())
}

/// The seed scenario at a site that has certificates already: besides the generated IMSCA,
/// the ring connects an existing CA (`SITEROOTCA`) and uses an existing personal
/// certificate (`SRVEXIST` of OMVSADM) as its DEFAULT instead of a generated one.
pub fn existing() -> Prepared {
    prepare(existing_raw())
}

/// A large fleet for benchmarks and stress tests: the multi fleet's databases, levels and
/// servers, with `lpars` LPARs of four stacks each and ten API requesters per stack
/// (1,000 LPARs give about 40,000 rules, the size of a large site).
pub fn scaled_raw(lpars: usize) -> Fleet {
    let mut fleet = multi_raw();
    let template = fleet.lpars[0].clone();
    fleet.lpars.clear();
    for index in 0..lpars {
        let mut lpar = template.clone();
        lpar.name = format!("S{index:05}");
        lpar.security_database = if index % 2 == 0 { "PLEXA" } else { "PLEXB" }.into();
        let requester = template.stacks[0].api_requesters[0].clone();
        lpar.stacks = (0..4)
            .map(|s| {
                let mut stack = template.stacks[0].clone();
                stack.name = format!("TCPIP{s}");
                stack.api_requesters = (0..10)
                    .map(|r| {
                        let mut requester = requester.clone();
                        requester.name = format!("APP{s}{r}").into();
                        requester.jobname = format!("APP{r}*").into();
                        requester.server = if index % 2 == 0 { "ZCEEA" } else { "ZCEEB" }.into();
                        requester
                    })
                    .collect();
                stack
            })
            .collect();
        fleet.lpars.push(lpar);
    }
    // The servers run on the first two LPARs of the scaled fleet.
    for (server, lpar) in fleet.zos_connect_servers.iter_mut().zip(["S00000", "S00001"]) {
        server.lpar = Some(lpar.into());
        server.stack = Some("TCPIP0".into());
    }
    fleet
}

/// The seed scenario before expansion.
pub fn seed_raw() -> Fleet {
    let o = |line| Origin::new("seed.rhai", line, 1);
    let mut db = database("PLEX1", Esm::racf(), o(3));
    db.certificates.push(ca("IMSCA", dn("IMSCA", &["ZCEE"], "US IBM SVL"), o(4)));
    db.certificates[0].export = Some(CertExport {
        dsn: "CERTAUTH.CERT".into(),
        format: ExportFormat::Certder,
        password_env: None,
    });
    let mut server_cert = personal(
        "OMVSADM",
        "ZOSCONNCERT",
        DistinguishedName {
            cn: Some("ZCEESERVER.MYCOM.COM".into()),
            t: Some("MY ZCEE SERVER".into()),
            ou: vec!["ZCEE".into()],
            o: Some("US MYCOM COM".into()),
            l: Some("SANJOSE".into()),
            sp: Some("SANJOSE".into()),
            c: Some("US".into()),
        },
        "IMSCA",
        o(8),
    );
    server_cert.not_after = None;
    db.certificates.push(server_cert);
    let mut ring = keyring("OMVSADM", "ZOSCONN-APIR-KEYRING", o(12));
    ring.connections.push(connect_ca("IMSCA", o(13)));
    ring.connections.push(connect_personal("OMVSADM", "ZOSCONNCERT", true, o(14)));
    db.keyrings.push(ring);

    let server = ZosConnectServer {
        name: "ZCEE1".into(),
        host: "zceeserver.mycom.com".into(),
        ip: None,
        http_port: 9080,
        https_port: 9443,
        inbound_attls: true,
        lpar: None,
        stack: None,
        jobname: None,
        userid: None,
        keyring: None,
        server_label: None,
        client_auth: false,
        level: None,
        origin: o(16),
    };
    let mut stack = stack("TCPIP", o(20));
    stack.api_requesters.push(requester(
        "ZCEEAPP",
        "ZCEEAPP*",
        "OMVSADM",
        "ZCEE1",
        RingRef { owner: "OMVSADM".into(), name: "ZOSCONN-APIR-KEYRING".into() },
        "MODERN",
        o(21),
    ));
    let mut lpar = lpar("SYSA", "PLEX1", o(19));
    lpar.stacks.push(stack);
    Fleet {
        name: "MYCOM".into(),
        defaults: defaults(),
        security_databases: vec![db],
        security_levels: vec![modern(o(2))],
        zos_connect_servers: vec![server],
        lpars: vec![lpar],
        origin: o(1),
    }
}

/// The existing-certificates scenario before expansion.
pub fn existing_raw() -> Fleet {
    let o = |line| Origin::new("existing.rhai", line, 1);
    let mut fleet = seed_raw();
    let db = &mut fleet.security_databases[0];
    db.certificates.truncate(1);
    db.certificates.push(existing_cert(CertOwner::Certauth, "SITEROOTCA", o(5)));
    db.certificates.push(existing_cert(CertOwner::User("OMVSADM".into()), "SRVEXIST", o(6)));
    let ring = &mut db.keyrings[0];
    ring.connections = vec![
        connect_ca("IMSCA", o(13)),
        connect_ca("SITEROOTCA", o(14)),
        connect_personal("OMVSADM", "SRVEXIST", true, o(15)),
    ];
    fleet
}

/// The multi-LPAR fleet before expansion.
pub fn multi_raw() -> Fleet {
    let o = |line| Origin::new("multi.rhai", line, 1);
    let mut levels = vec![modern(o(2))];
    let mut strict = modern(o(3));
    strict.name = "TLS13ONLY".into();
    strict.protocols.tlsv1_2 = false;
    strict.ciphers = vec!["1301".into(), "1302".into()];
    levels.push(strict);

    let mut databases = Vec::new();
    for (index, name) in ["PLEXA", "PLEXB"].into_iter().enumerate() {
        let line = 10 + 10 * index as u32;
        let mut db = database(name, Esm::racf(), o(line));
        let ca_label = format!("{name}CA");
        db.certificates.push(ca(&ca_label, dn(&ca_label, &["ATTLS"], "MYCOM"), o(line + 1)));
        db.certificates.push(personal(
            "PAYUSR",
            "PAYCLIENT",
            dn("PAYUSR", &[], "MYCOM"),
            &ca_label,
            o(line + 2),
        ));
        db.certificates.push(personal(
            "ZCSRV",
            "ZCSRVCERT",
            dn("zcee.mycom.com", &["ZCEE"], "MYCOM"),
            &ca_label,
            o(line + 3),
        ));
        let mut client_ring = keyring("PAYUSR", "PayRing", o(line + 4));
        client_ring.connections.push(connect_ca(&ca_label, o(line + 5)));
        client_ring.connections.push(connect_personal("PAYUSR", "PAYCLIENT", true, o(line + 5)));
        let mut server_ring = keyring("ZCSRV", "ZCSRVRING", o(line + 6));
        server_ring.access = RingAccess::Rdatalib;
        server_ring.connections.push(connect_personal("ZCSRV", "ZCSRVCERT", true, o(line + 7)));
        db.keyrings.push(client_ring);
        db.keyrings.push(server_ring);
        databases.push(db);
    }
    databases[0].certificates[2].alt_name =
        AltName { domain: Some("zcee.mycom.com".into()), ip: Some("10.1.1.10".into()) };

    let servers = vec![
        ZosConnectServer {
            name: "ZCEEA".into(),
            host: "zcee.mycom.com".into(),
            ip: Some("10.1.1.10".into()),
            http_port: 9080,
            https_port: 9443,
            inbound_attls: true,
            lpar: Some("SYSA".into()),
            stack: Some("TCPIP".into()),
            jobname: Some("ZCSRV*".into()),
            userid: Some("ZCSRV".into()),
            keyring: Some(RingRef { owner: "ZCSRV".into(), name: "ZCSRVRING".into() }),
            server_label: Some("ZCSRVCERT".into()),
            client_auth: true,
            level: Some("MODERN".into()),
            origin: o(40),
        },
        ZosConnectServer {
            name: "ZCEEB".into(),
            host: "zceeb.mycom.com".into(),
            ip: None,
            http_port: 9080,
            https_port: 9443,
            inbound_attls: false,
            lpar: Some("SYSC".into()),
            stack: Some("TCPIP".into()),
            jobname: Some("ZCSRV*".into()),
            userid: Some("ZCSRV".into()),
            keyring: Some(RingRef { owner: "ZCSRV".into(), name: "ZCSRVRING".into() }),
            server_label: Some("ZCSRVCERT".into()),
            client_auth: false,
            level: Some("MODERN".into()),
            origin: o(45),
        },
    ];

    let mut lpars = Vec::new();
    for (index, (name, db, server)) in
        [("SYSA", "PLEXA", "ZCEEA"), ("SYSB", "PLEXA", "ZCEEA"), ("SYSC", "PLEXB", "ZCEEB")]
            .into_iter()
            .enumerate()
    {
        let line = 50 + 10 * index as u32;
        let mut lpar = lpar(name, db, o(line));
        let mut tcpip = stack("TCPIP", o(line + 1));
        tcpip.initstack_users = vec!["OMPROUTE".into()];
        tcpip.api_requesters.push(requester(
            "PAYROLL",
            "PAY*",
            "PAYUSR",
            server,
            RingRef { owner: "PAYUSR".into(), name: "PayRing".into() },
            "MODERN",
            o(line + 2),
        ));
        lpar.stacks.push(tcpip);
        if index == 1 {
            let mut second = stack("TCPIPB", o(line + 3));
            second.autolog_pagent = false;
            second.api_requesters.push(requester(
                "BILLING",
                "BILL*",
                "PAYUSR",
                server,
                RingRef { owner: "PAYUSR".into(), name: "PayRing".into() },
                "TLS13ONLY",
                o(line + 4),
            ));
            lpar.stacks.push(second);
        }
        lpars.push(lpar);
    }
    Fleet {
        name: "MULTI".into(),
        defaults: defaults(),
        security_databases: databases,
        security_levels: levels,
        zos_connect_servers: servers,
        lpars,
        origin: o(1),
    }
}

fn defaults() -> SiteDefaults {
    SiteDefaults {
        job: JobCard {
            name_prefix: "ZAT".into(),
            accounting: "ACCT".into(),
            programmer: "ZAT ATTLS SETUP".into(),
            class: "A".into(),
            msgclass: "H".into(),
            notify: Some("&SYSUID".into()),
        },
        hlq: "ATTLS".into(),
        pagent_dir: "/etc/pagent".into(),
        tcpparms: "SYS1.TCPPARMS".into(),
        program_conditional_permits: false,
        activate_classes: false,
        explicit: Vec::new(),
        origin: None,
    }
}

fn modern(origin: Origin) -> SecurityLevel {
    SecurityLevel {
        name: "MODERN".into(),
        protocols: Protocols {
            sslv2: false,
            sslv3: false,
            tlsv1: false,
            tlsv1_1: false,
            tlsv1_2: true,
            tlsv1_3: true,
        },
        ciphers: ["1301", "1302", "C02F", "C030", "C02B", "C02C"].map(String::from).to_vec(),
        signature_pairs: Vec::new(),
        curves: Vec::new(),
        handshake_timeout: None,
        fips: false,
        settings: zat_model::LevelSettings::default(),
        origin,
    }
}

fn database(name: &str, esm: Esm, origin: Origin) -> SecurityDatabase {
    SecurityDatabase {
        name: name.into(),
        esm,
        certificates: Vec::new(),
        keyrings: Vec::new(),
        ring_access: Vec::new(),
        discovered: None,
        origin,
    }
}

fn dn(cn: &str, ou: &[&str], o: &str) -> DistinguishedName {
    DistinguishedName {
        cn: Some(cn.into()),
        ou: ou.iter().map(|s| (*s).to_owned()).collect(),
        o: Some(o.into()),
        c: Some("US".into()),
        ..DistinguishedName::default()
    }
}

fn ca(label: &str, subject: DistinguishedName, origin: Origin) -> Certificate {
    Certificate {
        label: label.into(),
        owner: CertOwner::Certauth,
        subject,
        alt_name: AltName::default(),
        algorithm: KeyAlgorithm::Rsa,
        size: 2048,
        not_before: None,
        not_after: Some("2035-12-31".into()),
        signer: None,
        key_usage: vec![KeyUsage::Certsign],
        source: CertSource::Generate,
        export: None,
        origin,
    }
}

fn personal(
    owner: &str,
    label: &str,
    subject: DistinguishedName,
    signer: &str,
    origin: Origin,
) -> Certificate {
    Certificate {
        label: label.into(),
        owner: CertOwner::User(owner.into()),
        subject,
        alt_name: AltName::default(),
        algorithm: KeyAlgorithm::Rsa,
        size: 2048,
        not_before: None,
        not_after: Some("2028-12-31".into()),
        signer: Some(signer.into()),
        key_usage: vec![KeyUsage::Handshake],
        source: CertSource::Generate,
        export: None,
        origin,
    }
}

/// A certificate that exists on z/OS, as `db.existing_certificate(owner, label)` makes it.
fn existing_cert(owner: CertOwner, label: &str, origin: Origin) -> Certificate {
    Certificate {
        label: label.into(),
        owner,
        subject: DistinguishedName::default(),
        alt_name: AltName::default(),
        algorithm: KeyAlgorithm::Rsa,
        size: 2048,
        not_before: None,
        not_after: None,
        signer: None,
        key_usage: Vec::new(),
        source: CertSource::Existing,
        export: None,
        origin,
    }
}

fn keyring(owner: &str, name: &str, origin: Origin) -> Keyring {
    Keyring {
        owner: owner.into(),
        name: name.into(),
        connections: Vec::new(),
        access: RingAccess::Facility,
        readers: Vec::new(),
        origin,
    }
}

fn connect_ca(label: &str, origin: Origin) -> RingConnection {
    RingConnection {
        label: label.into(),
        cert_owner: CertOwner::Certauth,
        usage: Usage::Certauth,
        default: false,
        origin,
    }
}

fn connect_personal(owner: &str, label: &str, default: bool, origin: Origin) -> RingConnection {
    RingConnection {
        label: label.into(),
        cert_owner: CertOwner::User(owner.into()),
        usage: Usage::Personal,
        default,
        origin,
    }
}

fn lpar(name: &str, database: &str, origin: Origin) -> Lpar {
    Lpar {
        name: name.into(),
        security_database: database.into(),
        pagent: PagentSettings {
            jobname: "PAGENT".into(),
            userid: "PAGENT".into(),
            config_dir: "/etc/pagent".into(),
            log_level: 31,
            flush: true,
            purge: false,
            refresh_interval: 1800,
            release: None,
        },
        syslog: SyslogSettings {
            jobname: "SYSLOGD".into(),
            config_path: "/etc/syslog.conf".into(),
            attls_log: "/var/log/attls.log".into(),
            attls_level: "info".into(),
            pagent_log: "/var/log/pagent.log".into(),
            pagent_level: "info".into(),
            error_log: Some("/var/log/syslog.err".into()),
        },
        stacks: Vec::new(),
        origin,
    }
}

fn stack(name: &str, origin: Origin) -> Stack {
    Stack {
        name: name.into(),
        ttls: true,
        initstack_users: Vec::new(),
        autolog_pagent: true,
        syslogd_port: false,
        rules: Vec::new(),
        api_requesters: Vec::new(),
        initstack: None,
        origin,
    }
}

fn requester(
    name: &str,
    jobname: &str,
    userid: &str,
    server: &str,
    keyring: RingRef,
    level: &str,
    origin: Origin,
) -> ApiRequester {
    ApiRequester {
        name: name.into(),
        jobname: jobname.into(),
        userid: userid.into(),
        server: server.into(),
        keyring,
        level: level.into(),
        client_label: None,
        priority: None,
        posix: true,
        basic_auth: None,
        expansion: None,
        origin,
    }
}
