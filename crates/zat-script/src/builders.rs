//! The typed builder API a fleet script calls: `fleet()`, `site.lpar()`, `db.certificate()`, ...
//!
//! Each builder is a Rust function taking the call's [`Origin`], the handle it is called on,
//! its positional arguments and a checked options map. Every builder is registered twice,
//! with and without the options map, so `lpar.stack("TCPIP")` and
//! `lpar.stack("TCPIP", #{ ttls: true })` both work. Which options a builder takes, their
//! kinds and defaults are in its row of `spec.rs`; the builder reads them through [`Options`],
//! which records mistakes and hands back the default, so a builder always makes its object.

use std::sync::Arc;

use rhai::{Engine, ImmutableString, Map, NativeCallContext};
use zat_model::{
    AltName, ApiRequester, BasicAuth, CertExport, CertOwner, CertSource, Certificate, Direction,
    DistinguishedName, Esm, ExportFormat, Fleet, HandshakeRole, JobCard, KeyAlgorithm, KeyUsage,
    Keyring, Lpar, Origin, PagentSettings, PortRange, RingAccess, RingConnection, RingRef, Rule,
    RuleSource, SecurityDatabase, SiteDefaults, Stack, SyslogSettings, Text, Usage,
    ZosConnectServer,
};

use crate::error::BuilderError;
use crate::handles::{
    CertificateHandle, DatabaseHandle, DatabaseNode, FleetHandle, FleetNode, KeyringHandle,
    LevelHandle, LparHandle, LparNode, ServerHandle, Shared, StackHandle, default_level, lock,
    shared,
};
use crate::options::{Call, Mistakes, Options};
use crate::spec;

/// Registers `$name` twice: with a trailing options map, and without (an empty map). The
/// options are those of the builder's row in `spec.rs`.
macro_rules! register {
    ($engine:expr, $mistakes:expr, $name:literal, $builder:expr, ($($arg:ident: $ty:ty),*)) => {{
        let builder = $builder;
        let with_map = builder.clone();
        let options = spec::builder($name).map_or(&[][..], |row| row.options);
        let mistakes = Arc::clone($mistakes);
        $engine.register_fn($name, move |ctx: NativeCallContext, $($arg: $ty,)* map: Map| {
            let call = Call::new(&ctx, &mistakes);
            let opts = Options::new(&call, $name, options, map);
            with_map(call.origin, $($arg,)* opts)
                .map_err(|e: BuilderError| e.into_rhai(ctx.call_position()))
        });
        let mistakes = Arc::clone($mistakes);
        $engine.register_fn($name, move |ctx: NativeCallContext, $($arg: $ty),*| {
            let call = Call::new(&ctx, &mistakes);
            let opts = Options::new(&call, $name, options, Map::new());
            builder(call.origin, $($arg,)* opts)
                .map_err(|e: BuilderError| e.into_rhai(ctx.call_position()))
        });
    }};
}

/// Registers the handle types and every builder on `engine`. `slot` receives the fleet the
/// script creates; `mistakes` the mistakes builders record.
pub(crate) fn register(
    engine: &mut Engine,
    slot: Shared<Option<(FleetHandle, Origin)>>,
    mistakes: &Arc<Mistakes>,
) {
    engine
        .register_type_with_name::<FleetHandle>("Fleet")
        .register_type_with_name::<DatabaseHandle>("SecurityDatabase")
        .register_type_with_name::<CertificateHandle>("Certificate")
        .register_type_with_name::<KeyringHandle>("Keyring")
        .register_type_with_name::<LevelHandle>("SecurityLevel")
        .register_type_with_name::<ServerHandle>("ZosConnectServer")
        .register_type_with_name::<LparHandle>("Lpar")
        .register_type_with_name::<StackHandle>("Stack");

    let fleet_mistakes = Arc::clone(mistakes);
    engine.register_fn("fleet", move |ctx: NativeCallContext, name: ImmutableString| {
        let call = Call::new(&ctx, &fleet_mistakes);
        new_fleet(&slot, &call, &name).map_err(|e| e.into_rhai(ctx.call_position()))
    });
    register!(engine, mistakes, "defaults", defaults, (site: FleetHandle));
    register!(engine, mistakes, "security_database", security_database, (site: FleetHandle, name: ImmutableString));
    register!(engine, mistakes, "security_level", security_level, (site: FleetHandle, name: ImmutableString));
    register!(engine, mistakes, "zos_connect_server", zos_connect_server, (site: FleetHandle, name: ImmutableString));
    register!(engine, mistakes, "lpar", lpar, (site: FleetHandle, name: ImmutableString));
    register!(engine, mistakes, "certificate_authority", certificate_authority, (db: DatabaseHandle, label: ImmutableString));
    register!(engine, mistakes, "certificate", certificate, (db: DatabaseHandle, owner: ImmutableString, label: ImmutableString));
    register!(engine, mistakes, "import_ca", import_ca, (db: DatabaseHandle, label: ImmutableString));
    register!(engine, mistakes, "existing_certificate", existing_certificate, (db: DatabaseHandle, owner: ImmutableString, label: ImmutableString));
    register!(engine, mistakes, "keyring", keyring, (db: DatabaseHandle, owner: ImmutableString, name: ImmutableString));
    register!(engine, mistakes, "export_to", export, (cert: CertificateHandle));
    register!(engine, mistakes, "connect", connect, (ring: KeyringHandle, cert: CertificateHandle));
    register!(engine, mistakes, "connect_default", connect_default, (ring: KeyringHandle, cert: CertificateHandle));
    register!(engine, mistakes, "stack", stack, (lpar: LparHandle, name: ImmutableString));
    register!(engine, mistakes, "rule", rule, (stack: StackHandle, name: ImmutableString));
    register!(engine, mistakes, "api_requester", api_requester, (stack: StackHandle, name: ImmutableString));

    register_getters(engine);
}

/// Read-only properties, handy in loops and `print`: `site.name`, `cert.label`, `ring.owner`.
/// Each has a row in `spec::PROPERTIES`.
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

/// Creates the fleet. A second call is recorded and answered with the first fleet, so the
/// rest of the script still runs against one fleet.
fn new_fleet(
    slot: &Shared<Option<(FleetHandle, Origin)>>,
    call: &Call,
    name: &str,
) -> Result<FleetHandle, BuilderError> {
    let mut slot = lock(slot);
    if let Some((first, at)) = slot.as_ref() {
        call.report(&BuilderError::SecondFleet { first: at.to_string() }, &[], None);
        return Ok(first.clone());
    }
    let fleet = Fleet {
        name: name.to_owned(),
        defaults: site_defaults(call)?,
        security_databases: Vec::new(),
        security_levels: Vec::new(),
        zos_connect_servers: Vec::new(),
        lpars: Vec::new(),
        origin: call.origin.clone(),
    };
    let node = FleetNode {
        fleet,
        databases: Vec::new(),
        levels: Vec::new(),
        servers: Vec::new(),
        lpars: Vec::new(),
    };
    let handle = FleetHandle(shared(node));
    *slot = Some((handle.clone(), call.origin.clone()));
    Ok(handle)
}

/// The site defaults before any `site.defaults(..)`: the defaults of that builder's row.
fn site_defaults(call: &Call) -> Result<SiteDefaults, BuilderError> {
    let rows = spec::builder("defaults").map_or(&[][..], |row| row.options);
    let mut opts = Options::new(call, "defaults", rows, Map::new());
    let mut job = opts.nested("job")?;
    let notify = job.text_or("notify")?;
    Ok(SiteDefaults {
        job: JobCard {
            name_prefix: job.text_or("name_prefix")?,
            accounting: job.text_or("accounting")?,
            programmer: job.text_or("programmer")?,
            class: job.text_or("class")?,
            msgclass: job.text_or("msgclass")?,
            notify: (!notify.is_empty()).then_some(notify),
        },
        hlq: opts.text_or("hlq")?,
        pagent_dir: opts.text_or("pagent_dir")?,
        tcpparms: opts.text_or("tcpparms")?,
        program_conditional_permits: opts.flag_or("program_conditional_permits")?,
        activate_classes: opts.flag_or("activate_classes")?,
        explicit: Vec::new(),
        origin: None,
    })
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

/// Changes only the options given: `defaults` may be called several times.
fn defaults(
    origin: Origin,
    site: FleetHandle,
    mut opts: Options,
) -> Result<FleetHandle, BuilderError> {
    let given = |opts: &Options, key: &str| opts.has(key);
    let explicit: Vec<String> =
        ["hlq", "pagent_dir", "tcpparms", "program_conditional_permits", "activate_classes"]
            .into_iter()
            .filter(|key| given(&opts, key))
            .map(str::to_owned)
            .collect();
    let mut job = opts.nested("job")?;
    let text = |opts: &mut Options, key: &str| -> Result<Option<String>, BuilderError> {
        Ok(if given(opts, key) { Some(opts.text_or(key)?) } else { None })
    };
    let card = [
        text(&mut job, "name_prefix")?,
        text(&mut job, "accounting")?,
        text(&mut job, "programmer")?,
        text(&mut job, "class")?,
        text(&mut job, "msgclass")?,
        text(&mut job, "notify")?,
    ];
    let hlq = text(&mut opts, "hlq")?;
    let pagent_dir = text(&mut opts, "pagent_dir")?;
    let tcpparms = text(&mut opts, "tcpparms")?;
    let flag = |opts: &mut Options, key: &str| -> Result<Option<bool>, BuilderError> {
        Ok(if given(opts, key) { Some(opts.flag_or(key)?) } else { None })
    };
    let conditional = flag(&mut opts, "program_conditional_permits")?;
    let activate = flag(&mut opts, "activate_classes")?;
    let mut node = lock(&site.0);
    let defaults = &mut node.fleet.defaults;
    let [name_prefix, accounting, programmer, class, msgclass, notify] = card;
    let job = &mut defaults.job;
    set(&mut job.name_prefix, name_prefix);
    set(&mut job.accounting, accounting);
    set(&mut job.programmer, programmer);
    set(&mut job.class, class);
    set(&mut job.msgclass, msgclass);
    if let Some(notify) = notify {
        job.notify = (!notify.is_empty()).then_some(notify);
    }
    set(&mut defaults.hlq, hlq);
    set(&mut defaults.pagent_dir, pagent_dir);
    set(&mut defaults.tcpparms, tcpparms);
    set(&mut defaults.program_conditional_permits, conditional);
    set(&mut defaults.activate_classes, activate);
    for key in explicit {
        if !defaults.explicit.contains(&key) {
            defaults.explicit.push(key);
        }
    }
    defaults.origin = Some(origin);
    drop(node);
    Ok(site)
}

fn security_database(
    origin: Origin,
    site: FleetHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<DatabaseHandle, BuilderError> {
    // The set of ESMs is open: any name a plugin provides as `esm:<name>` (racf is built in,
    // acf2 and tss ship as site plugins); the build says when no loaded plugin provides it.
    let name_given = opts.text_or("esm")?;
    let esm = if Esm::is_valid_name(&name_given.to_ascii_lowercase()) {
        Esm::new(&name_given)
    } else {
        opts.refuse("esm", &name_given);
        Esm::racf()
    };
    let database = SecurityDatabase {
        name: name.to_string(),
        esm,
        certificates: Vec::new(),
        keyrings: Vec::new(),
        ring_access: Vec::new(),
        discovered: None,
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
    let mut parts = opts.nested("subject")?;
    Ok(DistinguishedName {
        cn: parts.text("CN")?,
        t: parts.text("T")?,
        ou: parts.texts("OU")?.unwrap_or_default(),
        o: parts.text("O")?,
        l: parts.text("L")?,
        sp: parts.text("SP")?,
        c: parts.text("C")?,
    })
}

/// `signed_by`: a CA handle of the same database, or the label of one.
fn signer(opts: &mut Options, database: &str) -> Result<Option<String>, BuilderError> {
    let Some(value) = opts.raw("signed_by")? else { return Ok(None) };
    if let Some(ca) = value.read_lock::<CertificateHandle>() {
        let label = lock(&ca.cert).label.clone();
        if ca.database != database {
            let err = BuilderError::OtherDatabase {
                what: format!("signer {label}"),
                theirs: ca.database.clone(),
                ours: database.to_owned(),
            };
            opts.fault_value("signed_by", &err);
            return Ok(None);
        }
        return Ok(Some(label));
    }
    if value.is_string() {
        return Ok(Some(value.to_string()));
    }
    opts.reject("signed_by", &value);
    Ok(None)
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
        alt_name: AltName { domain: opts.text("alt_domain")?, ip: opts.text("alt_ip")? },
        algorithm: opts.word_or::<KeyAlgorithm>("algorithm")?,
        size: opts.int_or("size")?,
        not_before: opts.text("not_before")?,
        not_after: opts.text("not_after")?,
        signer: signer(opts, &database)?,
        key_usage: opts.words::<KeyUsage>("key_usage")?.unwrap_or(default_usage),
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
    let dsn = opts.text("dsn")?;
    let dsn = opts.required("dsn", dsn)?.unwrap_or_default();
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
    let dsn = opts.text("dsn")?;
    let dsn = opts.required("dsn", dsn)?.unwrap_or_default();
    let format = opts.word_or::<ExportFormat>("format")?;
    let password_env = opts.text("password_env")?;
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
        access: opts.word_or::<RingAccess>("access")?,
        readers: opts.texts("readers")?.unwrap_or_default(),
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
    mut opts: Options,
) -> Result<KeyringHandle, BuilderError> {
    let default = opts.flag_or("default")?;
    connect_as(origin, ring, cert, opts, default)
}

/// Connects `cert` to `ring`; a certificate of another database is recorded and left out.
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
    let usage = opts.word::<Usage>("usage")?;
    if cert.database != ring.database {
        let ring_name = lock(&ring.ring).name.clone();
        opts.report(&BuilderError::OtherDatabase {
            what: format!("certificate {label} (connected to ring {ring_name})"),
            theirs: cert.database.clone(),
            ours: ring.database.clone(),
        });
        return Ok(ring);
    }
    let default_usage = match owner {
        CertOwner::Certauth => Usage::Certauth,
        CertOwner::Site => Usage::Site,
        CertOwner::User(_) => Usage::Personal,
    };
    let connection = RingConnection {
        label,
        cert_owner: owner,
        usage: usage.unwrap_or(default_usage),
        default,
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
    if let Some(versions) = opts.words::<usize>("tls")? {
        switches = [false; 6];
        for index in versions {
            if let Some(switch) = switches.get_mut(index) {
                *switch = true;
            }
        }
    }
    for (index, key) in
        ["sslv2", "sslv3", "tlsv1", "tlsv1_1", "tlsv1_2", "tlsv1_3"].into_iter().enumerate()
    {
        set(&mut switches[index], opts.flag(key)?);
    }
    let [sslv2, sslv3, tlsv1, tlsv1_1, tlsv1_2, tlsv1_3] = switches;
    level.protocols = zat_model::Protocols { sslv2, sslv3, tlsv1, tlsv1_1, tlsv1_2, tlsv1_3 };
    // The default suites, keeping only those the switched-on versions can use.
    let tls13 = level.protocols.tlsv1_3;
    let older = sslv2 || sslv3 || tlsv1 || tlsv1_1 || tlsv1_2;
    level.ciphers.retain(|suite| if suite.starts_with("13") { tls13 } else { older });
    set(&mut level.ciphers, opts.texts("ciphers")?);
    set(&mut level.signature_pairs, opts.texts("signature_pairs")?);
    set(&mut level.curves, opts.texts("curves")?);
    level.handshake_timeout = opts.int("handshake_timeout")?;
    level.fips = opts.flag_or("fips")?;
    let settings = &mut level.settings;
    if opts.flag("system_ssl_ciphers")? == Some(true) {
        // No list at all: the derived list above would otherwise be written.
        settings.system_ssl_ciphers = true;
        level.ciphers.clear();
        set(&mut level.ciphers, opts.texts("ciphers")?);
    }
    settings.client_auth_type = opts.word::<&str>("client_auth")?.map(str::to_owned);
    settings.application_controlled = opts.flag("application_controlled")?;
    settings.renegotiation = opts.word::<&str>("renegotiation")?.map(str::to_owned);
    set(&mut settings.key_share_groups, opts.texts("key_share_groups")?);
    set(&mut settings.server_key_share_groups, opts.texts("server_key_share_groups")?);
    settings.environment_user_instance = opts.int("environment_user_instance")?;
    lock(&site.0).levels.push(level);
    Ok(LevelHandle { name: name.to_string() })
}

/// A key ring given as a handle, or as `"OWNER/NAME"` for a ring outside the fleet.
fn ring_ref(opts: &mut Options, key: &str) -> Result<Option<RingRef>, BuilderError> {
    let Some(value) = opts.raw(key)? else { return Ok(None) };
    if let Some(ring) = value.read_lock::<KeyringHandle>() {
        return Ok(Some(lock(&ring.ring).reference()));
    }
    if value.is_string() {
        let text = value.to_string();
        if let Some((owner, name)) = text.split_once('/') {
            return Ok(Some(RingRef { owner: owner.into(), name: name.into() }));
        }
        opts.refuse(key, &text);
        return Ok(None);
    }
    opts.reject(key, &value);
    Ok(None)
}

fn level_name(level: &LevelHandle) -> String {
    level.name.clone()
}

fn zos_connect_server(
    origin: Origin,
    site: FleetHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<ServerHandle, BuilderError> {
    let host = opts.text("host")?;
    let host = opts.required("host", host)?.unwrap_or_default();
    let lpar = opts.handle_or_name::<LparHandle>("lpar", |lpar| lock(&lpar.0).lpar.name.clone())?;
    let (stack, stack_lpar) = match opts.raw("stack")? {
        None => (None, None),
        Some(value) => {
            if let Some(stack) = value.read_lock::<StackHandle>() {
                (Some(lock(&stack.stack).name.clone()), Some(stack.lpar.clone()))
            } else if value.is_string() {
                (Some(value.to_string()), None)
            } else {
                opts.reject("stack", &value);
                (None, None)
            }
        }
    };
    let server = ZosConnectServer {
        name: name.to_string(),
        host,
        ip: opts.text("ip")?,
        http_port: opts.int_or("http_port")?,
        https_port: opts.int_or("https_port")?,
        inbound_attls: opts.flag_or("inbound_attls")?,
        lpar: lpar.or(stack_lpar),
        stack,
        jobname: opts.text("jobname")?,
        userid: opts.text("userid")?,
        keyring: ring_ref(&mut opts, "keyring")?,
        server_label: opts.text("server_label")?,
        client_auth: opts.flag_or("client_auth")?,
        level: opts.handle_or_name::<LevelHandle>("level", level_name)?,
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
    let database = opts.handle_or_name::<DatabaseHandle>("security_database", database_name)?;
    let database = match database {
        Some(database) => database,
        // With a single database, LPARs need not name it.
        None => {
            let only = match lock(&site.0).databases.as_slice() {
                [only] => Some(database_name(only)),
                _ => None,
            };
            if only.is_none() {
                opts.missing("security_database");
            }
            only.unwrap_or_default()
        }
    };
    let mut p = opts.nested("pagent")?;
    let config_dir = p.text("config_dir")?;
    let pagent = PagentSettings {
        jobname: p.text_or("jobname")?,
        userid: p.text_or("userid")?,
        config_dir: config_dir.clone().unwrap_or_default(),
        log_level: p.int_or("log_level")?,
        flush: p.flag_or("flush")?,
        purge: p.flag_or("purge")?,
        refresh_interval: p.int_or("refresh_interval")?,
        release: p.word::<&str>("release")?.map(str::to_owned),
    };
    let mut s = opts.nested("syslog")?;
    let syslog = SyslogSettings {
        jobname: s.text_or("jobname")?,
        config_path: s.text_or("config_path")?,
        attls_log: s.text_or("attls_log")?,
        attls_level: s.text_or("attls_level")?,
        pagent_log: s.text_or("pagent_log")?,
        pagent_level: s.text_or("pagent_level")?,
        error_log: s.text("error_log")?,
    };
    let lpar = Lpar {
        name: name.to_string(),
        security_database: database,
        pagent,
        syslog,
        stacks: Vec::new(),
        origin,
    };
    let config_dir_given = config_dir.is_some();
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
        ttls: opts.flag_or("ttls")?,
        initstack_users: opts.texts("initstack_users")?.unwrap_or_default(),
        autolog_pagent: opts.flag_or("autolog_pagent")?,
        syslogd_port: opts.flag_or("syslogd_port")?,
        rules: Vec::new(),
        api_requesters: Vec::new(),
        initstack: None,
        origin,
    };
    let mut node = lock(&lpar.0);
    let handle = StackHandle { stack: shared(stack), lpar: node.lpar.name.clone() };
    node.stacks.push(handle.clone());
    Ok(handle)
}

/// A port: `9443`, `[9000, 9010]` or `"9000-9010"`.
fn port(opts: &mut Options, key: &str) -> Result<Option<PortRange>, BuilderError> {
    let Some(value) = opts.raw(key)? else { return Ok(None) };
    if let Ok(port) = value.as_int() {
        return Ok(Some(PortRange::single(port)));
    }
    if let Some(items) = value.read_lock::<rhai::Array>() {
        if let [low, high] = items.as_slice()
            && let (Ok(low), Ok(high)) = (low.as_int(), high.as_int())
        {
            return Ok(Some(PortRange { low, high }));
        }
    } else if value.is_string() {
        let text = value.to_string();
        let parse = |s: &str| s.trim().parse::<i64>().ok();
        let range = match text.split_once('-') {
            Some((low, high)) => {
                parse(low).zip(parse(high)).map(|(low, high)| PortRange { low, high })
            }
            None => parse(&text).map(PortRange::single),
        };
        if range.is_none() {
            opts.refuse(key, &text);
        }
        return Ok(range);
    }
    opts.reject(key, &value);
    Ok(None)
}

fn rule(
    origin: Origin,
    stack: StackHandle,
    name: ImmutableString,
    mut opts: Options,
) -> Result<(), BuilderError> {
    let direction = opts.word::<Direction>("direction")?;
    // A rule without a direction is still made (as inbound), so the script goes on; the
    // missing direction is reported and the run fails.
    let direction = opts.required("direction", direction)?.unwrap_or(Direction::Inbound);
    let default_role = match direction {
        Direction::Outbound => HandshakeRole::Client,
        Direction::Inbound | Direction::Both => HandshakeRole::Server,
    };
    let rule = Rule {
        name: name.as_str().into(),
        direction,
        local_addr: opts.text("local_addr")?.map(Text::from),
        remote_addr: opts.text("remote_addr")?.map(Text::from),
        local_port: port(&mut opts, "local_port")?,
        remote_port: port(&mut opts, "remote_port")?,
        jobname: opts.text("jobname")?.map(Text::from),
        userid: opts.text("userid")?.map(Text::from),
        priority: opts.int("priority")?,
        enabled: opts.flag_or("enabled")?,
        role: opts.word::<HandshakeRole>("role")?.unwrap_or(default_role),
        keyring: ring_ref(&mut opts, "keyring")?,
        certificate_label: opts.text("label")?.map(Text::from),
        server_certificate_label: opts.text("server_label")?.map(Text::from),
        level: opts.handle_or_name_or::<LevelHandle>("level", level_name)?.into(),
        trace: opts.int_or("trace")?,
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
    let jobname = opts.text("jobname")?;
    let jobname = opts.required("jobname", jobname)?.unwrap_or_default();
    let userid = opts.text("userid")?;
    let userid = opts.required("userid", userid)?.unwrap_or_default();
    let server = opts.handle_or_name::<ServerHandle>("server", |server| server.name.clone())?;
    let server = opts.required("server", server)?.unwrap_or_default();
    let keyring = ring_ref(&mut opts, "keyring")?;
    let keyring = opts
        .required("keyring", keyring)?
        .unwrap_or_else(|| RingRef { owner: Text::default(), name: Text::default() });
    let mut auth = opts.nested("basic_auth")?;
    let basic_auth = if auth.given() {
        let username = auth.text("username")?;
        let password_from = auth.text("password_from")?;
        Some(BasicAuth {
            username: auth.required("username", username)?.unwrap_or_default().into(),
            password_from: auth
                .required("password_from", password_from)?
                .unwrap_or_default()
                .into(),
        })
    } else {
        None
    };
    let requester = ApiRequester {
        name: name.as_str().into(),
        jobname: jobname.into(),
        userid: userid.into(),
        server: server.into(),
        keyring,
        level: opts.handle_or_name_or::<LevelHandle>("level", level_name)?.into(),
        client_label: opts.text("client_label")?.map(Text::from),
        priority: opts.int("priority")?,
        posix: opts.flag_or("posix")?,
        basic_auth,
        expansion: None,
        origin,
    };
    lock(&stack.stack).api_requesters.push(requester);
    Ok(())
}
