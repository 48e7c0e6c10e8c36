//! The typed builder API a fleet script calls: `fleet()`, `site.lpar()`, `db.certificate()`, ...
//!
//! Each builder is a Rust function taking the call's [`Origin`], the handle it is called on,
//! its positional arguments and a checked options map. Every builder is registered twice,
//! with and without the options map, so `lpar.stack("TCPIP")` and
//! `lpar.stack("TCPIP", #{ ttls: true })` both work.

use rhai::{Engine, ImmutableString, Map, NativeCallContext};
use zat_model::{
    AltName, ApiRequester, BasicAuth, CertExport, CertOwner, CertSource, Certificate, Direction,
    DistinguishedName, Esm, ExportFormat, Fleet, HandshakeRole, JobCard, KeyAlgorithm, KeyUsage,
    Keyring, Lpar, Origin, PagentSettings, PortRange, RingAccess, RingConnection, RingRef, Rule,
    RuleSource, SecurityDatabase, SiteDefaults, Stack, SyslogSettings, Usage, ZosConnectServer,
};

use crate::error::BuilderError;
use crate::handles::{
    CertificateHandle, DEFAULT_LEVEL, DatabaseHandle, DatabaseNode, FleetHandle, FleetNode,
    KeyringHandle, LevelHandle, LparHandle, LparNode, ServerHandle, Shared, StackHandle,
    default_level, lock, shared,
};
use crate::options::Options;

/// Every builder and how it is written, for "did you mean" help and `zat explain`.
pub(crate) const USAGE: &[(&str, &str)] = &[
    ("fleet", "let site = fleet(name)"),
    ("defaults", "site.defaults(#{ job: #{ ... }, hlq, pagent_dir, tcpparms, ... })"),
    ("security_database", "site.security_database(name, #{ esm })"),
    ("security_level", "site.security_level(name, #{ tls: [\"1.2\", \"1.3\"], ciphers: [...] })"),
    (
        "zos_connect_server",
        "site.zos_connect_server(name, #{ host, http_port, https_port, inbound_attls, ... })",
    ),
    ("lpar", "site.lpar(name, #{ security_database, pagent: #{ ... }, syslog: #{ ... } })"),
    (
        "certificate_authority",
        "db.certificate_authority(label, #{ subject: #{ CN, OU, O, C }, size, ... })",
    ),
    ("certificate", "db.certificate(owner, label, #{ subject, signed_by, size, alt_domain, ... })"),
    ("import_ca", "db.import_ca(label, #{ dsn })"),
    (
        "existing_certificate",
        "db.existing_certificate(owner, label) (already on z/OS: zat only connects it)",
    ),
    ("keyring", "db.keyring(owner, name)"),
    ("export_to", "cert.export_to(#{ dsn, format, password_env })"),
    ("connect", "ring.connect(cert) or ring.connect(cert, #{ usage })"),
    ("connect_default", "ring.connect_default(cert) (connects it as the ring's DEFAULT)"),
    ("stack", "lpar.stack(name, #{ ttls, initstack_users, autolog_pagent })"),
    (
        "rule",
        "stack.rule(name, #{ direction, local_port, remote_port, role, keyring, level, ... })",
    ),
    ("api_requester", "stack.api_requester(name, #{ jobname, userid, server, keyring, level })"),
    ("param", "param(name, default)"),
];

const DEFAULTS_KEYS: &[&str] = &[
    "job",
    "hlq",
    "pagent_dir",
    "tcpparms",
    "program_conditional_permits",
    "activate_classes",
    "acf2_date_format",
];
const JOB_KEYS: &[&str] =
    &["name_prefix", "accounting", "programmer", "class", "msgclass", "notify"];
const DATABASE_KEYS: &[&str] = &["esm"];
const CA_KEYS: &[&str] = &[
    "subject",
    "algorithm",
    "size",
    "not_before",
    "not_after",
    "key_usage",
    "signed_by",
    "alt_domain",
    "alt_ip",
];
const CERT_KEYS: &[&str] = CA_KEYS;
const SUBJECT_KEYS: &[&str] = &["CN", "T", "OU", "O", "L", "SP", "C"];
const IMPORT_KEYS: &[&str] = &["dsn"];
/// An existing certificate is named, never described: nothing about it goes into a job.
const EXISTING_KEYS: &[&str] = &[];
const EXPORT_KEYS: &[&str] = &["dsn", "format", "password_env"];
const KEYRING_KEYS: &[&str] = &["access", "readers"];
// `default` is a rhai keyword: scripts write `ring.connect_default(cert)`, or quote the key.
const CONNECT_KEYS: &[&str] = &["default", "usage"];
const CONNECT_DEFAULT_KEYS: &[&str] = &["usage"];
const LEVEL_KEYS: &[&str] = &[
    "tls",
    "sslv2",
    "sslv3",
    "tlsv1",
    "tlsv1_1",
    "tlsv1_2",
    "tlsv1_3",
    "ciphers",
    "signature_pairs",
    "curves",
    "handshake_timeout",
    "fips",
    "system_ssl_ciphers",
    "client_auth",
    "application_controlled",
    "renegotiation",
    "key_share_groups",
    "server_key_share_groups",
    "environment_user_instance",
];
const SERVER_KEYS: &[&str] = &[
    "host",
    "ip",
    "http_port",
    "https_port",
    "inbound_attls",
    "lpar",
    "stack",
    "jobname",
    "userid",
    "keyring",
    "server_label",
    "client_auth",
    "level",
];
const LPAR_KEYS: &[&str] = &["security_database", "pagent", "syslog"];
const PAGENT_KEYS: &[&str] =
    &["jobname", "userid", "config_dir", "log_level", "flush", "purge", "refresh_interval"];
const SYSLOG_KEYS: &[&str] = &[
    "jobname",
    "config_path",
    "attls_log",
    "attls_level",
    "pagent_log",
    "pagent_level",
    "error_log",
];
const STACK_KEYS: &[&str] = &["ttls", "initstack_users", "autolog_pagent", "syslogd_port"];
const RULE_KEYS: &[&str] = &[
    "direction",
    "local_addr",
    "remote_addr",
    "local_port",
    "remote_port",
    "jobname",
    "userid",
    "priority",
    "enabled",
    "role",
    "keyring",
    "label",
    "server_label",
    "level",
    "trace",
];
const REQUESTER_KEYS: &[&str] = &[
    "jobname",
    "userid",
    "server",
    "keyring",
    "level",
    "client_label",
    "priority",
    "posix",
    "basic_auth",
];
const BASIC_AUTH_KEYS: &[&str] = &["username", "password_from"];

const ESM_WORDS: &[(&str, Esm)] = &[("racf", Esm::Racf), ("acf2", Esm::Acf2), ("tss", Esm::Tss)];
const ALGORITHM_WORDS: &[(&str, KeyAlgorithm)] = &[
    ("rsa", KeyAlgorithm::Rsa),
    ("nistecc", KeyAlgorithm::Nistecc),
    ("bpecc", KeyAlgorithm::Bpecc),
];
const KEY_USAGE_WORDS: &[(&str, KeyUsage)] = &[
    ("handshake", KeyUsage::Handshake),
    ("dataencrypt", KeyUsage::Dataencrypt),
    ("docsign", KeyUsage::Docsign),
    ("certsign", KeyUsage::Certsign),
    ("keyagree", KeyUsage::Keyagree),
];
const FORMAT_WORDS: &[(&str, ExportFormat)] = &[
    ("certder", ExportFormat::Certder),
    ("certb64", ExportFormat::Certb64),
    ("pkcs7der", ExportFormat::Pkcs7der),
    ("pkcs7b64", ExportFormat::Pkcs7b64),
    ("pkcs12der", ExportFormat::Pkcs12der),
    ("pkcs12b64", ExportFormat::Pkcs12b64),
];
const ACCESS_WORDS: &[(&str, RingAccess)] =
    &[("facility", RingAccess::Facility), ("rdatalib", RingAccess::Rdatalib)];
/// `ClientAuthType` values, spelled as the policy writes them.
const CLIENT_AUTH_WORDS: &[(&str, &str)] = &[
    ("passthru", "PassThru"),
    ("full", "Full"),
    ("required", "Required"),
    ("safcheck", "SAFCheck"),
];
/// `Renegotiation` values, spelled as the policy writes them.
const RENEGOTIATION_WORDS: &[(&str, &str)] = &[
    ("default", "Default"),
    ("disabled", "Disabled"),
    ("all", "All"),
    ("abbreviated", "Abbreviated"),
];
const USAGE_WORDS: &[(&str, Usage)] =
    &[("personal", Usage::Personal), ("certauth", Usage::Certauth), ("site", Usage::Site)];
const DIRECTION_WORDS: &[(&str, Direction)] = &[
    ("inbound", Direction::Inbound),
    ("outbound", Direction::Outbound),
    ("both", Direction::Both),
];
const ROLE_WORDS: &[(&str, HandshakeRole)] = &[
    ("client", HandshakeRole::Client),
    ("server", HandshakeRole::Server),
    ("server_with_client_auth", HandshakeRole::ServerWithClientAuth),
];

/// TLS versions as a `tls: [...]` list may name them; the index is the switch it turns on.
const TLS_WORDS: &[(&str, usize)] = &[
    ("sslv2", 0),
    ("sslv3", 1),
    ("tlsv1", 2),
    ("tlsv1.0", 2),
    ("1.0", 2),
    ("tlsv1.1", 3),
    ("1.1", 3),
    ("tlsv1.2", 4),
    ("1.2", 4),
    ("tlsv1.3", 5),
    ("1.3", 5),
];

/// The call's position in the file that holds the call (a library's functions report their
/// own file). The engine's tag holds the main script's name for calls without a source.
fn origin(ctx: &NativeCallContext) -> Origin {
    let position = ctx.call_position();
    let file = ctx
        .call_source()
        .map(str::to_owned)
        .or_else(|| {
            ctx.tag()
                .and_then(|tag| tag.clone().into_immutable_string().ok())
                .map(|s| s.to_string())
        })
        .unwrap_or_default();
    let number = |n: Option<usize>| n.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
    Origin::new(file, number(position.line()), number(position.position()))
}

/// Registers `$name` twice: with a trailing options map, and without (an empty map).
macro_rules! register {
    ($engine:expr, $name:literal, $builder:expr, ($($arg:ident: $ty:ty),*)) => {{
        let builder = $builder;
        let with_map = builder.clone();
        $engine.register_fn($name, move |ctx: NativeCallContext, $($arg: $ty,)* map: Map| {
            with_map(origin(&ctx), $($arg,)* Options::new($name, map, builder_keys($name))
                .map_err(|e| e.into_rhai(ctx.call_position()))?)
                .map_err(|e: BuilderError| e.into_rhai(ctx.call_position()))
        });
        $engine.register_fn($name, move |ctx: NativeCallContext, $($arg: $ty),*| {
            builder(origin(&ctx), $($arg,)* Options::new($name, Map::new(), &[])
                .map_err(|e| e.into_rhai(ctx.call_position()))?)
                .map_err(|e: BuilderError| e.into_rhai(ctx.call_position()))
        });
    }};
}

fn builder_keys(name: &str) -> &'static [&'static str] {
    match name {
        "defaults" => DEFAULTS_KEYS,
        "security_database" => DATABASE_KEYS,
        "certificate_authority" => CA_KEYS,
        "certificate" => CERT_KEYS,
        "import_ca" => IMPORT_KEYS,
        "existing_certificate" => EXISTING_KEYS,
        "export_to" => EXPORT_KEYS,
        "keyring" => KEYRING_KEYS,
        "connect" => CONNECT_KEYS,
        "connect_default" => CONNECT_DEFAULT_KEYS,
        "security_level" => LEVEL_KEYS,
        "zos_connect_server" => SERVER_KEYS,
        "lpar" => LPAR_KEYS,
        "stack" => STACK_KEYS,
        "rule" => RULE_KEYS,
        "api_requester" => REQUESTER_KEYS,
        _ => &[],
    }
}

/// Registers the handle types and every builder on `engine`. `slot` receives the fleet the
/// script creates.
pub(crate) fn register(engine: &mut Engine, slot: Shared<Option<(FleetHandle, Origin)>>) {
    engine
        .register_type_with_name::<FleetHandle>("Fleet")
        .register_type_with_name::<DatabaseHandle>("SecurityDatabase")
        .register_type_with_name::<CertificateHandle>("Certificate")
        .register_type_with_name::<KeyringHandle>("Keyring")
        .register_type_with_name::<LevelHandle>("SecurityLevel")
        .register_type_with_name::<ServerHandle>("ZosConnectServer")
        .register_type_with_name::<LparHandle>("Lpar")
        .register_type_with_name::<StackHandle>("Stack");

    engine.register_fn("fleet", move |ctx: NativeCallContext, name: ImmutableString| {
        new_fleet(&slot, origin(&ctx), &name).map_err(|e| e.into_rhai(ctx.call_position()))
    });
    register!(engine, "defaults", defaults, (site: FleetHandle));
    register!(engine, "security_database", security_database, (site: FleetHandle, name: ImmutableString));
    register!(engine, "security_level", security_level, (site: FleetHandle, name: ImmutableString));
    register!(engine, "zos_connect_server", zos_connect_server, (site: FleetHandle, name: ImmutableString));
    register!(engine, "lpar", lpar, (site: FleetHandle, name: ImmutableString));
    register!(engine, "certificate_authority", certificate_authority, (db: DatabaseHandle, label: ImmutableString));
    register!(engine, "certificate", certificate, (db: DatabaseHandle, owner: ImmutableString, label: ImmutableString));
    register!(engine, "import_ca", import_ca, (db: DatabaseHandle, label: ImmutableString));
    register!(engine, "existing_certificate", existing_certificate, (db: DatabaseHandle, owner: ImmutableString, label: ImmutableString));
    register!(engine, "keyring", keyring, (db: DatabaseHandle, owner: ImmutableString, name: ImmutableString));
    register!(engine, "export_to", export, (cert: CertificateHandle));
    register!(engine, "connect", connect, (ring: KeyringHandle, cert: CertificateHandle));
    register!(engine, "connect_default", connect_default, (ring: KeyringHandle, cert: CertificateHandle));
    register!(engine, "stack", stack, (lpar: LparHandle, name: ImmutableString));
    register!(engine, "rule", rule, (stack: StackHandle, name: ImmutableString));
    register!(engine, "api_requester", api_requester, (stack: StackHandle, name: ImmutableString));

    register_getters(engine);
}

/// Read-only properties, handy in loops and `print`: `site.name`, `cert.label`, `ring.owner`.
fn register_getters(engine: &mut Engine) {
    engine.register_get("name", |h: &mut FleetHandle| lock(&h.0).fleet.name.clone());
    engine.register_get("name", |h: &mut DatabaseHandle| lock(&h.0).database.name.clone());
    engine.register_get("label", |h: &mut CertificateHandle| lock(&h.cert).label.clone());
    engine.register_get("owner", |h: &mut CertificateHandle| lock(&h.cert).owner.to_string());
    engine.register_get("name", |h: &mut KeyringHandle| lock(&h.ring).name.clone());
    engine.register_get("owner", |h: &mut KeyringHandle| lock(&h.ring).owner.clone());
    engine.register_get("name", |h: &mut LevelHandle| h.name.clone());
    engine.register_get("name", |h: &mut ServerHandle| h.name.clone());
    engine.register_get("name", |h: &mut LparHandle| lock(&h.0).lpar.name.clone());
    engine.register_get("name", |h: &mut StackHandle| lock(&h.stack).name.clone());
    engine
        .register_fn("to_string", |h: &mut FleetHandle| format!("fleet {}", lock(&h.0).fleet.name));
    engine.register_fn("to_string", |h: &mut LparHandle| format!("lpar {}", lock(&h.0).lpar.name));
    engine.register_fn("to_string", |h: &mut StackHandle| format!("stack {}", lock(&h.stack).name));
    engine.register_fn("to_string", |h: &mut KeyringHandle| {
        let ring = lock(&h.ring);
        format!("keyring {}/{}", ring.owner, ring.name)
    });
    engine.register_fn("to_string", |h: &mut CertificateHandle| {
        format!("certificate {}", lock(&h.cert).label)
    });
}

fn new_fleet(
    slot: &Shared<Option<(FleetHandle, Origin)>>,
    origin: Origin,
    name: &str,
) -> Result<FleetHandle, BuilderError> {
    let mut slot = lock(slot);
    if let Some((_, first)) = slot.as_ref() {
        return Err(BuilderError::SecondFleet { first: first.to_string() });
    }
    let fleet = Fleet {
        name: name.to_owned(),
        defaults: site_defaults(),
        security_databases: Vec::new(),
        security_levels: Vec::new(),
        zos_connect_servers: Vec::new(),
        lpars: Vec::new(),
        origin: origin.clone(),
    };
    let node = FleetNode {
        fleet,
        databases: Vec::new(),
        levels: Vec::new(),
        servers: Vec::new(),
        lpars: Vec::new(),
    };
    let handle = FleetHandle(shared(node));
    *slot = Some((handle.clone(), origin));
    Ok(handle)
}

fn site_defaults() -> SiteDefaults {
    SiteDefaults {
        job: JobCard {
            name_prefix: "ZAT".to_owned(),
            accounting: "ACCT".to_owned(),
            programmer: "ZAT".to_owned(),
            class: "A".to_owned(),
            msgclass: "X".to_owned(),
            notify: Some("&SYSUID".to_owned()),
        },
        hlq: "ZAT".to_owned(),
        pagent_dir: "/etc/pagent".to_owned(),
        tcpparms: "SYS1.TCPPARMS".to_owned(),
        program_conditional_permits: false,
        activate_classes: false,
        acf2_date_format: "mm/dd/yy".to_owned(),
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

fn defaults(
    _origin: Origin,
    site: FleetHandle,
    mut opts: Options,
) -> Result<FleetHandle, BuilderError> {
    let job = opts.nested("job", JOB_KEYS)?;
    let hlq = opts.string("hlq")?;
    let pagent_dir = opts.string("pagent_dir")?;
    let tcpparms = opts.string("tcpparms")?;
    let conditional = opts.bool("program_conditional_permits")?;
    let activate = opts.bool("activate_classes")?;
    let date_format = opts.string("acf2_date_format")?;
    {
        let mut node = lock(&site.0);
        let defaults = &mut node.fleet.defaults;
        if let Some(mut job) = job {
            let card = &mut defaults.job;
            set(&mut card.name_prefix, job.string("name_prefix")?);
            set(&mut card.accounting, job.string("accounting")?);
            set(&mut card.programmer, job.string("programmer")?);
            set(&mut card.class, job.string("class")?);
            set(&mut card.msgclass, job.string("msgclass")?);
            if let Some(notify) = job.string("notify")? {
                card.notify = if notify.is_empty() { None } else { Some(notify) };
            }
        }
        set(&mut defaults.hlq, hlq);
        set(&mut defaults.pagent_dir, pagent_dir);
        set(&mut defaults.tcpparms, tcpparms);
        set(&mut defaults.program_conditional_permits, conditional);
        set(&mut defaults.activate_classes, activate);
        set(&mut defaults.acf2_date_format, date_format);
    }
    Ok(site)
}

fn security_database(
    origin: Origin,
    site: FleetHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<DatabaseHandle, BuilderError> {
    let esm = opts.word("esm", ESM_WORDS)?.unwrap_or(Esm::Racf);
    let database = SecurityDatabase {
        name: name.to_string(),
        esm,
        certificates: Vec::new(),
        keyrings: Vec::new(),
        origin,
    };
    let handle = DatabaseHandle(shared(DatabaseNode {
        database,
        certificates: Vec::new(),
        keyrings: Vec::new(),
    }));
    lock(&site.0).databases.push(handle.clone());
    Ok(handle)
}

fn database_name(db: &DatabaseHandle) -> String {
    lock(&db.0).database.name.clone()
}

fn subject(opts: &mut Options) -> Result<DistinguishedName, BuilderError> {
    let Some(mut parts) = opts.nested("subject", SUBJECT_KEYS)? else {
        return Ok(DistinguishedName::default());
    };
    Ok(DistinguishedName {
        cn: parts.string("CN")?,
        t: parts.string("T")?,
        ou: parts.strings("OU")?.unwrap_or_default(),
        o: parts.string("O")?,
        l: parts.string("L")?,
        sp: parts.string("SP")?,
        c: parts.string("C")?,
    })
}

/// `signed_by`: a CA handle of the same database, or the label of one.
fn signer(opts: &mut Options, database: &str) -> Result<Option<String>, BuilderError> {
    let Some(value) = opts.raw("signed_by") else { return Ok(None) };
    if let Some(ca) = value.read_lock::<CertificateHandle>() {
        let label = lock(&ca.cert).label.clone();
        if ca.database != database {
            return Err(BuilderError::OtherDatabase {
                what: format!("signer {label}"),
                theirs: ca.database.clone(),
                ours: database.to_owned(),
            });
        }
        return Ok(Some(label));
    }
    if value.is_string() {
        return Ok(Some(value.to_string()));
    }
    Err(opts.wrong_type("signed_by", "a certificate authority or its label", &value))
}

fn new_certificate(
    origin: Origin,
    db: &DatabaseHandle,
    owner: CertOwner,
    label: &str,
    opts: &mut Options,
    default_usage: Vec<KeyUsage>,
) -> Result<CertificateHandle, BuilderError> {
    let database = database_name(db);
    let cert = Certificate {
        label: label.to_owned(),
        owner,
        subject: subject(opts)?,
        alt_name: AltName { domain: opts.string("alt_domain")?, ip: opts.string("alt_ip")? },
        algorithm: opts.word("algorithm", ALGORITHM_WORDS)?.unwrap_or(KeyAlgorithm::Rsa),
        size: opts.int("size")?.unwrap_or(2048),
        not_before: opts.string("not_before")?,
        not_after: opts.string("not_after")?,
        signer: signer(opts, &database)?,
        key_usage: opts.words("key_usage", KEY_USAGE_WORDS)?.unwrap_or(default_usage),
        source: CertSource::Generate,
        export: None,
        origin,
    };
    let handle = CertificateHandle { cert: shared(cert), database };
    lock(&db.0).certificates.push(handle.clone());
    Ok(handle)
}

fn certificate_authority(
    origin: Origin,
    db: DatabaseHandle,
    label: ImmutableString,
    mut opts: Options,
) -> Result<CertificateHandle, BuilderError> {
    new_certificate(origin, &db, CertOwner::Certauth, &label, &mut opts, vec![KeyUsage::Certsign])
}

fn owner_of(owner: &str) -> CertOwner {
    match owner.trim().to_ascii_uppercase().as_str() {
        "CERTAUTH" => CertOwner::Certauth,
        "SITE" => CertOwner::Site,
        _ => CertOwner::User(owner.to_owned()),
    }
}

fn certificate(
    origin: Origin,
    db: DatabaseHandle,
    owner: ImmutableString,
    label: ImmutableString,
    mut opts: Options,
) -> Result<CertificateHandle, BuilderError> {
    new_certificate(origin, &db, owner_of(&owner), &label, &mut opts, Vec::new())
}

fn import_ca(
    origin: Origin,
    db: DatabaseHandle,
    label: ImmutableString,
    mut opts: Options,
) -> Result<CertificateHandle, BuilderError> {
    let dsn = opts.string("dsn")?;
    let dsn = opts.required("dsn", dsn)?;
    named_certificate(origin, &db, CertOwner::Certauth, &label, CertSource::Import { dsn })
}

/// A certificate already in the security database (owner `CERTAUTH`, `SITE` or a user ID):
/// rings connect it, the jobs never create, export or delete it.
fn existing_certificate(
    origin: Origin,
    db: DatabaseHandle,
    owner: ImmutableString,
    label: ImmutableString,
    _opts: Options,
) -> Result<CertificateHandle, BuilderError> {
    named_certificate(origin, &db, owner_of(&owner), &label, CertSource::Existing)
}

/// A certificate known by owner and label only (imported or existing): the rest of the
/// model's fields keep neutral values that no job writes.
fn named_certificate(
    origin: Origin,
    db: &DatabaseHandle,
    owner: CertOwner,
    label: &str,
    source: CertSource,
) -> Result<CertificateHandle, BuilderError> {
    let database = database_name(db);
    let cert = Certificate {
        label: label.to_owned(),
        owner,
        subject: DistinguishedName::default(),
        alt_name: AltName::default(),
        algorithm: KeyAlgorithm::Rsa,
        size: 2048,
        not_before: None,
        not_after: None,
        signer: None,
        key_usage: Vec::new(),
        source,
        export: None,
        origin,
    };
    let handle = CertificateHandle { cert: shared(cert), database };
    lock(&db.0).certificates.push(handle.clone());
    Ok(handle)
}

fn export(
    _origin: Origin,
    cert: CertificateHandle,
    mut opts: Options,
) -> Result<CertificateHandle, BuilderError> {
    let dsn = opts.string("dsn")?;
    let dsn = opts.required("dsn", dsn)?;
    let format = opts.word("format", FORMAT_WORDS)?.unwrap_or(ExportFormat::Certb64);
    let password_env = opts.string("password_env")?;
    lock(&cert.cert).export = Some(CertExport { dsn, format, password_env });
    Ok(cert)
}

fn keyring(
    origin: Origin,
    db: DatabaseHandle,
    owner: ImmutableString,
    name: ImmutableString,
    mut opts: Options,
) -> Result<KeyringHandle, BuilderError> {
    let ring = Keyring {
        owner: owner.to_string(),
        name: name.to_string(),
        connections: Vec::new(),
        access: opts.word("access", ACCESS_WORDS)?.unwrap_or(RingAccess::Facility),
        readers: opts.strings("readers")?.unwrap_or_default(),
        origin,
    };
    let handle = KeyringHandle { ring: shared(ring), database: database_name(&db) };
    lock(&db.0).keyrings.push(handle.clone());
    Ok(handle)
}

fn connect_default(
    origin: Origin,
    ring: KeyringHandle,
    cert: CertificateHandle,
    opts: Options,
) -> Result<KeyringHandle, BuilderError> {
    connect_as(origin, ring, cert, opts, true)
}

fn connect(
    origin: Origin,
    ring: KeyringHandle,
    cert: CertificateHandle,
    opts: Options,
) -> Result<KeyringHandle, BuilderError> {
    connect_as(origin, ring, cert, opts, false)
}

fn connect_as(
    origin: Origin,
    ring: KeyringHandle,
    cert: CertificateHandle,
    mut opts: Options,
    default: bool,
) -> Result<KeyringHandle, BuilderError> {
    let (label, owner) = {
        let cert = lock(&cert.cert);
        (cert.label.clone(), cert.owner.clone())
    };
    if cert.database != ring.database {
        let ring_name = lock(&ring.ring).name.clone();
        return Err(BuilderError::OtherDatabase {
            what: format!("certificate {label} (connected to ring {ring_name})"),
            theirs: cert.database.clone(),
            ours: ring.database.clone(),
        });
    }
    let default_usage = match owner {
        CertOwner::Certauth => Usage::Certauth,
        CertOwner::Site => Usage::Site,
        CertOwner::User(_) => Usage::Personal,
    };
    let connection = RingConnection {
        label,
        cert_owner: owner,
        usage: opts.word("usage", USAGE_WORDS)?.unwrap_or(default_usage),
        default: default || opts.bool("default")?.unwrap_or(false),
        origin,
    };
    lock(&ring.ring).connections.push(connection);
    Ok(ring)
}

fn security_level(
    origin: Origin,
    site: FleetHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<LevelHandle, BuilderError> {
    let mut level = default_level(&name, origin);
    let mut switches = [
        level.protocols.sslv2,
        level.protocols.sslv3,
        level.protocols.tlsv1,
        level.protocols.tlsv1_1,
        level.protocols.tlsv1_2,
        level.protocols.tlsv1_3,
    ];
    if let Some(versions) = opts.words("tls", TLS_WORDS)? {
        switches = [false; 6];
        for index in versions {
            switches[index] = true;
        }
    }
    for (index, key) in
        ["sslv2", "sslv3", "tlsv1", "tlsv1_1", "tlsv1_2", "tlsv1_3"].into_iter().enumerate()
    {
        set(&mut switches[index], opts.bool(key)?);
    }
    let [sslv2, sslv3, tlsv1, tlsv1_1, tlsv1_2, tlsv1_3] = switches;
    level.protocols = zat_model::Protocols { sslv2, sslv3, tlsv1, tlsv1_1, tlsv1_2, tlsv1_3 };
    // The default suites, keeping only those the switched-on versions can use.
    let tls13 = level.protocols.tlsv1_3;
    let older = sslv2 || sslv3 || tlsv1 || tlsv1_1 || tlsv1_2;
    level.ciphers.retain(|suite| if suite.starts_with("13") { tls13 } else { older });
    set(&mut level.ciphers, opts.strings("ciphers")?);
    set(&mut level.signature_pairs, opts.strings("signature_pairs")?);
    set(&mut level.curves, opts.strings("curves")?);
    level.handshake_timeout = opts.int("handshake_timeout")?;
    set(&mut level.fips, opts.bool("fips")?);
    let settings = &mut level.settings;
    if opts.bool("system_ssl_ciphers")? == Some(true) {
        // No list at all: the defaults above would otherwise be written.
        settings.system_ssl_ciphers = true;
        level.ciphers.clear();
        set(&mut level.ciphers, opts.strings("ciphers")?);
    }
    settings.client_auth_type = opts.word("client_auth", CLIENT_AUTH_WORDS)?.map(str::to_owned);
    settings.application_controlled = opts.bool("application_controlled")?;
    settings.renegotiation = opts.word("renegotiation", RENEGOTIATION_WORDS)?.map(str::to_owned);
    set(&mut settings.key_share_groups, opts.strings("key_share_groups")?);
    set(&mut settings.server_key_share_groups, opts.strings("server_key_share_groups")?);
    settings.environment_user_instance = opts.int("environment_user_instance")?;
    lock(&site.0).levels.push(level);
    Ok(LevelHandle { name: name.to_string() })
}

/// A key ring given as a handle, or as `"OWNER/NAME"` for a ring outside the fleet.
fn ring_ref(opts: &mut Options, key: &str) -> Result<Option<RingRef>, BuilderError> {
    let Some(value) = opts.raw(key) else { return Ok(None) };
    if let Some(ring) = value.read_lock::<KeyringHandle>() {
        return Ok(Some(lock(&ring.ring).reference()));
    }
    if value.is_string() {
        let text = value.to_string();
        if let Some((owner, name)) = text.split_once('/') {
            return Ok(Some(RingRef { owner: owner.to_owned(), name: name.to_owned() }));
        }
        return Err(opts.not_allowed(key, &text, "a key ring handle or \"OWNER/RINGNAME\""));
    }
    Err(opts.wrong_type(key, "a key ring or \"OWNER/RINGNAME\"", &value))
}

/// A security level given as a handle or by name.
fn level_name(opts: &mut Options, key: &str) -> Result<Option<String>, BuilderError> {
    opts.handle_or_name::<LevelHandle>(key, "a security level or its name", |level| {
        level.name.clone()
    })
}

fn zos_connect_server(
    origin: Origin,
    site: FleetHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<ServerHandle, BuilderError> {
    let host = opts.string("host")?;
    let host = opts.required("host", host)?;
    let lpar = opts.handle_or_name::<LparHandle>("lpar", "an LPAR or its name", |lpar| {
        lock(&lpar.0).lpar.name.clone()
    })?;
    let stack_value = opts.raw("stack");
    let (stack, stack_lpar) = match stack_value {
        None => (None, None),
        Some(value) => {
            if let Some(stack) = value.read_lock::<StackHandle>() {
                (Some(lock(&stack.stack).name.clone()), Some(stack.lpar.clone()))
            } else if value.is_string() {
                (Some(value.to_string()), None)
            } else {
                return Err(opts.wrong_type("stack", "a TCP/IP stack or its name", &value));
            }
        }
    };
    let server = ZosConnectServer {
        name: name.to_string(),
        host,
        ip: opts.string("ip")?,
        http_port: opts.int("http_port")?.unwrap_or(9080),
        https_port: opts.int("https_port")?.unwrap_or(9443),
        inbound_attls: opts.bool("inbound_attls")?.unwrap_or(false),
        lpar: lpar.or(stack_lpar),
        stack,
        jobname: opts.string("jobname")?,
        userid: opts.string("userid")?,
        keyring: ring_ref(&mut opts, "keyring")?,
        server_label: opts.string("server_label")?,
        client_auth: opts.bool("client_auth")?.unwrap_or(false),
        level: level_name(&mut opts, "level")?,
        origin,
    };
    lock(&site.0).servers.push(server);
    Ok(ServerHandle { name: name.to_string() })
}

fn lpar(
    origin: Origin,
    site: FleetHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<LparHandle, BuilderError> {
    let database = opts.handle_or_name::<DatabaseHandle>(
        "security_database",
        "a security database or its name",
        database_name,
    )?;
    let database = match database {
        Some(database) => database,
        // With a single database, LPARs need not name it.
        None => {
            let node = lock(&site.0);
            match node.databases.as_slice() {
                [only] => database_name(only),
                _ => return Err(opts.missing("security_database")),
            }
        }
    };
    let mut pagent = PagentSettings {
        jobname: "PAGENT".to_owned(),
        userid: "PAGENT".to_owned(),
        config_dir: String::new(),
        log_level: 31,
        flush: true,
        purge: false,
        refresh_interval: 1800,
    };
    let mut config_dir_given = false;
    if let Some(mut p) = opts.nested("pagent", PAGENT_KEYS)? {
        set(&mut pagent.jobname, p.string("jobname")?);
        set(&mut pagent.userid, p.string("userid")?);
        if let Some(dir) = p.string("config_dir")? {
            pagent.config_dir = dir;
            config_dir_given = true;
        }
        set(&mut pagent.log_level, p.int("log_level")?);
        set(&mut pagent.flush, p.bool("flush")?);
        set(&mut pagent.purge, p.bool("purge")?);
        set(&mut pagent.refresh_interval, p.int("refresh_interval")?);
    }
    let mut syslog = SyslogSettings {
        jobname: "SYSLOGD".to_owned(),
        config_path: "/etc/syslog.conf".to_owned(),
        attls_log: "/var/log/attls.log".to_owned(),
        attls_level: "info".to_owned(),
        pagent_log: "/var/log/pagent.log".to_owned(),
        pagent_level: "info".to_owned(),
        error_log: None,
    };
    if let Some(mut s) = opts.nested("syslog", SYSLOG_KEYS)? {
        set(&mut syslog.jobname, s.string("jobname")?);
        set(&mut syslog.config_path, s.string("config_path")?);
        set(&mut syslog.attls_log, s.string("attls_log")?);
        set(&mut syslog.attls_level, s.string("attls_level")?);
        set(&mut syslog.pagent_log, s.string("pagent_log")?);
        set(&mut syslog.pagent_level, s.string("pagent_level")?);
        syslog.error_log = s.string("error_log")?;
    }
    let lpar = Lpar {
        name: name.to_string(),
        security_database: database,
        pagent,
        syslog,
        stacks: Vec::new(),
        origin,
    };
    let handle = LparHandle(shared(LparNode { lpar, config_dir_given, stacks: Vec::new() }));
    lock(&site.0).lpars.push(handle.clone());
    Ok(handle)
}

fn stack(
    origin: Origin,
    lpar: LparHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<StackHandle, BuilderError> {
    let stack = Stack {
        name: name.to_string(),
        ttls: opts.bool("ttls")?.unwrap_or(true),
        initstack_users: opts.strings("initstack_users")?.unwrap_or_default(),
        autolog_pagent: opts.bool("autolog_pagent")?.unwrap_or(false),
        syslogd_port: opts.bool("syslogd_port")?.unwrap_or(false),
        rules: Vec::new(),
        api_requesters: Vec::new(),
        origin,
    };
    let mut node = lock(&lpar.0);
    let handle = StackHandle { stack: shared(stack), lpar: node.lpar.name.clone() };
    node.stacks.push(handle.clone());
    Ok(handle)
}

/// A port: `9443`, `[9000, 9010]` or `"9000-9010"`.
fn port(opts: &mut Options, key: &str) -> Result<Option<PortRange>, BuilderError> {
    const EXPECTED: &str = "a port number, [low, high] or \"low-high\"";
    let Some(value) = opts.raw(key) else { return Ok(None) };
    if let Ok(port) = value.as_int() {
        return Ok(Some(PortRange::single(port)));
    }
    if let Some(items) = value.read_lock::<rhai::Array>() {
        if let [low, high] = items.as_slice()
            && let (Ok(low), Ok(high)) = (low.as_int(), high.as_int())
        {
            return Ok(Some(PortRange { low, high }));
        }
        return Err(opts.wrong_type(key, EXPECTED, &value));
    }
    if value.is_string() {
        let text = value.to_string();
        let parse = |s: &str| s.trim().parse::<i64>().ok();
        let range = match text.split_once('-') {
            Some((low, high)) => {
                parse(low).zip(parse(high)).map(|(low, high)| PortRange { low, high })
            }
            None => parse(&text).map(PortRange::single),
        };
        return range.map(Some).ok_or_else(|| opts.not_allowed(key, &text, EXPECTED));
    }
    Err(opts.wrong_type(key, EXPECTED, &value))
}

fn rule(
    origin: Origin,
    stack: StackHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<(), BuilderError> {
    let direction = opts.word("direction", DIRECTION_WORDS)?;
    let direction = opts.required("direction", direction)?;
    let default_role = match direction {
        Direction::Outbound => HandshakeRole::Client,
        Direction::Inbound | Direction::Both => HandshakeRole::Server,
    };
    let rule = Rule {
        name: name.to_string(),
        direction,
        local_addr: opts.string("local_addr")?,
        remote_addr: opts.string("remote_addr")?,
        local_port: port(&mut opts, "local_port")?,
        remote_port: port(&mut opts, "remote_port")?,
        jobname: opts.string("jobname")?,
        userid: opts.string("userid")?,
        priority: opts.int("priority")?,
        enabled: opts.bool("enabled")?.unwrap_or(true),
        role: opts.word("role", ROLE_WORDS)?.unwrap_or(default_role),
        keyring: ring_ref(&mut opts, "keyring")?,
        certificate_label: opts.string("label")?,
        server_certificate_label: opts.string("server_label")?,
        level: level_name(&mut opts, "level")?.unwrap_or_else(|| DEFAULT_LEVEL.to_owned()),
        trace: opts.int("trace")?.unwrap_or(2),
        source: RuleSource::Script,
        origin,
    };
    lock(&stack.stack).rules.push(rule);
    Ok(())
}

fn api_requester(
    origin: Origin,
    stack: StackHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<(), BuilderError> {
    let jobname = opts.string("jobname")?;
    let jobname = opts.required("jobname", jobname)?;
    let userid = opts.string("userid")?;
    let userid = opts.required("userid", userid)?;
    let server = opts.handle_or_name::<ServerHandle>(
        "server",
        "a z/OS Connect server or its name",
        |server| server.name.clone(),
    )?;
    let server = opts.required("server", server)?;
    let keyring = ring_ref(&mut opts, "keyring")?;
    let keyring = opts.required("keyring", keyring)?;
    let basic_auth = match opts.nested("basic_auth", BASIC_AUTH_KEYS)? {
        None => None,
        Some(mut auth) => {
            let username = auth.string("username")?;
            let password_from = auth.string("password_from")?;
            Some(BasicAuth {
                username: auth.required("username", username)?,
                password_from: auth.required("password_from", password_from)?,
            })
        }
    };
    let requester = ApiRequester {
        name: name.to_string(),
        jobname,
        userid,
        server,
        keyring,
        level: level_name(&mut opts, "level")?.unwrap_or_else(|| DEFAULT_LEVEL.to_owned()),
        client_label: opts.string("client_label")?,
        priority: opts.int("priority")?,
        posix: opts.bool("posix")?.unwrap_or(true),
        basic_auth,
        expansion: None,
        origin,
    };
    lock(&stack.stack).api_requesters.push(requester);
    Ok(())
}
