//! ACF2 emitter (site plugin): batch TSO jobs that create certificates, key rings, ring access
//! rules and stack-initialisation rules in a CA ACF2 security database.
//!
//! Loaded only from a plugin folder (`--plugin-dir`, `ZAT_PLUGIN_PATH`), never linked into
//! zat. For every security database with ESM `acf2` it writes `SETUP.jcl` and `BACKOUT.jcl`
//! under `security/<DB>/acf2/`, and for every LPAR on such a database with TTLS stacks
//! `lpars/<LPAR>/acf2/SERVAUTH.jcl` and its back-out. Command syntax follows the project's
//! ACF2 command reference (CERTDATA and KEYRING records, Broadcom documentation); what is not confirmed is either written in
//! the safe form or configurable through `--plugin-option acf2.KEY=VALUE` (see README.md).

mod text;

use zat_plugin_api::batch::{self, Subject};
use zat_plugin_api::layout;
use zat_plugin_api::model::{
    CertOwner, CertSource, Certificate, Diagnostic, Esm, Fleet, KeyAlgorithm, Lpar, Origin,
    SecurityDatabase,
};
use zat_plugin_api::security::{self, Class, Grant, RecordNaming, Records};
use zat_plugin_api::{EmitError, Emitter, RenderRequest, RenderResponse};
use zat_zos as zos;

use text::{CODE_TEXT, Stream};

/// Two labels or two rings of one owner would get the same record name.
const CODE_COLLISION: &str = "ZAT0370";
/// A PKCS#12 export needs a password zat never writes: the command is left for a person.
const CODE_PASSWORD: &str = "ZAT0372";
/// A label or ring name in mixed case or with blanks: ACF2 handling unconfirmed.
const CODE_NAME: &str = "ZAT0373";
/// An `acf2.*` plugin option has a value the emitter cannot use.
const CODE_OPTION: &str = "ZAT0374";
/// An existing certificate is connected by a record name zat assumes (warning).
const CODE_EXISTING: &str = "ZAT0375";

/// The ACF2 emitter. Stateless: every call renders from the request alone.
#[derive(Debug, Default)]
pub struct Acf2Emitter;

impl Emitter for Acf2Emitter {
    const NAME: &'static str = "acf2";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const PROVIDES: &'static [&'static str] =
        &["esm:acf2", zat_plugin_api::UNIT_DATABASE, zat_plugin_api::UNIT_LPAR];

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let mut response = RenderResponse::default();
        let settings = match Settings::from_request(request) {
            Ok(settings) => settings,
            Err(diagnostic) => {
                response.diagnostics.push(*diagnostic);
                return Ok(response);
            }
        };
        let fleet = &request.fleet;
        for db in security::databases_of(request, Esm::ACF2) {
            render_database(fleet, db, &settings, &mut response);
        }
        for lpar in security::lpars_on(request, Esm::ACF2) {
            render_lpar(fleet, lpar, &settings, &mut response);
        }
        Ok(response)
    }
}

/// Site-dependent choices, from `RenderRequest.options` (`acf2.KEY`).
#[derive(Debug)]
struct Settings {
    /// How a logonid becomes the UID string of a rule entry; `{logonid}` is replaced.
    /// UID strings are built from site-chosen logonid fields, so the default (the logonid
    /// alone) only suits sites whose UID string is the logonid. Unconfirmed; configurable.
    uid_template: String,
    /// `F ACF2,REBUILD(...)` in the batch stream as well as in the header (`batch`), or only
    /// as operator steps in the header (`operator`). Whether ACF command mode accepts them in
    /// batch is unconfirmed; either way the header lists them.
    rebuild_in_batch: bool,
    /// Resource type codes: FACILITY `FAC`, SERVAUTH `SER` (Broadcom KB 52649), RDATALIB
    /// `RDA` (Broadcom KB 12462). Sites that map classes differently can override them.
    facility_type: String,
    servauth_type: String,
    rdatalib_type: String,
    date_format: String,
}

impl Settings {
    fn from_request(request: &RenderRequest) -> Result<Settings, Box<Diagnostic>> {
        let option = |key: &str, default: &str| {
            request.options.get(&format!("acf2.{key}")).cloned().unwrap_or_else(|| default.into())
        };
        let bad = |key: &str, value: &str, why: &str| {
            Box::new(
                Diagnostic::error(CODE_OPTION, format!("plugin option acf2.{key}=`{value}` {why}"))
                    .help("see the README of the acf2 plugin for its options"),
            )
        };
        let uid_template = option("uid_template", "{logonid}");
        if !uid_template.contains("{logonid}")
            || !uid_template
                .replace("{logonid}", "")
                .chars()
                .all(|c| c.is_ascii_graphic() && zos::is_safe_char(c))
        {
            return Err(bad("uid_template", &uid_template, "must contain {logonid} and no blanks"));
        }
        let rebuild = option("rebuild", "batch");
        let rebuild_in_batch = match rebuild.as_str() {
            "batch" => true,
            "operator" => false,
            _ => return Err(bad("rebuild", &rebuild, "must be `batch` or `operator`")),
        };
        let type_code = |key: &str, default: &str| {
            let value = option(key, default).to_ascii_uppercase();
            if value.len() == 3 && value.chars().all(|c| c.is_ascii_alphanumeric()) {
                Ok(value)
            } else {
                Err(bad(key, &value, "must be a three-character resource type code"))
            }
        };
        let facility_type = type_code("facility_type", "FAC")?;
        let servauth_type = type_code("servauth_type", "SER")?;
        let rdatalib_type = type_code("rdatalib_type", "RDA")?;
        // The date format of EXPIRE/ACTIVE is a site setting of ACF2 (an option of this
        // plugin, not of the fleet model); `mm/dd/yy` when the site does not say.
        let date_format = option("date_format", "mm/dd/yy");
        if let Err(why) = zos::format_date("2000-01-01", &date_format) {
            return Err(Box::new(Diagnostic::error(CODE_OPTION, why.to_string()).at(&request.fleet.origin).help(
                "set --plugin-option acf2.date_format=FORMAT to your site's ACF2 date format, e.g. mm/dd/yy",
            )));
        }
        Ok(Settings {
            uid_template,
            rebuild_in_batch,
            facility_type,
            servauth_type,
            rdatalib_type,
            date_format,
        })
    }

    fn uid(&self, logonid: &str) -> String {
        self.uid_template.replace("{logonid}", logonid)
    }

    /// A model date in the site's ACF2 date format (checked when the settings were read).
    fn date(&self, date: &str) -> Result<String, String> {
        zos::format_date(date, &self.date_format).map_err(|e| e.to_string())
    }
}

/// The logonid part of a certificate record: ACF2 names CA and site certificates with the
/// reserved ids `CERTAUTH` and `SITECERT`.
fn cert_logonid(owner: &CertOwner) -> &str {
    match owner {
        CertOwner::Certauth => "CERTAUTH",
        CertOwner::Site => "SITECERT",
        CertOwner::User(id) => id,
    }
}

fn db_object(db: &SecurityDatabase) -> String {
    format!("security database {}", db.name)
}

/// A record as ACF2 names it in commands and messages: `logonid.suffix`.
fn record_name(logonid: &str, suffix: &str) -> String {
    format!("{logonid}.{suffix}")
}

/// How ACF2 names certificate and key ring records.
const NAMING: RecordNaming<'static> = RecordNaming {
    cert_owner: cert_logonid,
    record_name,
    collision_code: CODE_COLLISION,
    check_name,
};

/// Labels and ring names go unquoted into LABEL(), RINGNAME(): a blank cannot be written
/// (how ACF2 quotes a blank is not confirmed), and mixed
/// case is kept but whether every path preserves it is unconfirmed, so it is a warning.
fn check_name(what: &str, name: &str, object: &str, origin: &Origin, out: &mut Vec<Diagnostic>) {
    if name.contains(' ') || name.contains('\'') {
        out.push(
            Diagnostic::error(CODE_NAME, format!("{what} `{name}` has a blank or an apostrophe, which the acf2 emitter cannot write"))
                .object(object)
                .at(origin)
                .help("use a blank-free name such as ATTLSCA; it must match byte for byte everywhere it is used"),
        );
    } else if name.chars().any(|c| c.is_ascii_lowercase()) {
        out.push(
            Diagnostic::warning(CODE_NAME, format!("{what} `{name}` is in mixed case; check that your ACF2 keeps the case"))
                .object(object)
                .at(origin)
                .help("upper-case names avoid mismatches with AT-TLS and Liberty when a tool upper-cases the job"),
        );
    }
}

fn render_database(
    fleet: &Fleet,
    db: &SecurityDatabase,
    settings: &Settings,
    response: &mut RenderResponse,
) {
    let object = db_object(db);
    let records = Records::assign(db, &NAMING, &mut response.diagnostics);
    let grants = security::ring_grants(db);

    let mut setup = Stream::default();
    setup.raw("ACF");
    setup.comment(&format!(
        "Key ring records (logonid.suffix) of security database {}; RINGNAME is the \
         real, case-sensitive ring name that AT-TLS and Liberty refer to.",
        db.name
    ));
    if !db.keyrings.is_empty() {
        setup.command("SET PROFILE(USER) DIVISION(KEYRING)", &object, &db.origin);
    }
    for ring in &db.keyrings {
        if let Some(record) = records.ring(&ring.owner, &ring.name) {
            setup.command(
                &format!("INSERT {record} RINGNAME({})", ring.name),
                &object,
                &ring.origin,
            );
        }
    }
    setup.comment("Certificates, in creation order (a signer before what it signs).");
    setup.command("SET PROFILE(USER) DIVISION(CERTDATA)", &object, &db.origin);
    let mut exports = Vec::new();
    let mut existing = Vec::new();
    for cert in &db.certificates {
        let Some(record) = records.certificate(&cert.owner, &cert.label) else { continue };
        let cert_object = format!("{object} / certificate {}", cert.label);
        if !cert.source.is_created_by_zat() {
            // Never inserted, exported or deleted: only connected (and checked) below.
            existing.push(format!("{record} (label {})", cert.label));
            response.diagnostics.push(
                Diagnostic::warning(
                    CODE_EXISTING,
                    format!(
                        "existing certificate `{}` is connected as record {record}, a name zat assumes",
                        cert.label
                    ),
                )
                .object(&cert_object)
                .at(&cert.origin)
                .help(format!(
                    "check the record name with CHKCERT {} LABEL({}) and edit the CONNECT before you submit",
                    cert_logonid(&cert.owner),
                    cert.label
                )),
            );
            continue;
        }
        match certificate_command(cert, record, db, &records, settings) {
            Ok(command) => setup.command(&command, &cert_object, &cert.origin),
            Err(why) => response
                .diagnostics
                .push(Diagnostic::error(CODE_TEXT, why).object(&cert_object).at(&cert.origin)),
        }
        if let Some(export) = &cert.export {
            exports.push((cert, record, export));
        }
    }
    if !existing.is_empty() {
        setup.comment(&format!(
            "Existing certificates, not created here and never deleted by the back-out, only connected: {}. zat assumes these record names: check each with CHKCERT logonid LABEL(label) before you submit.",
            existing.join(", ")
        ));
    }
    setup.comment("Connect certificates to the rings (USAGE and DEFAULT as in the fleet).");
    for ring in &db.keyrings {
        let Some(ring_record) = records.ring(&ring.owner, &ring.name) else {
            continue;
        };
        for connection in &ring.connections {
            let conn_object =
                format!("{object} / keyring {}/{} / {}", ring.owner, ring.name, connection.label);
            let subject =
                Subject { code: CODE_TEXT, object: &conn_object, origin: &connection.origin };
            let cert_record = match records.connected(db, connection, subject) {
                Ok(record) => record,
                Err(diagnostic) => {
                    response.diagnostics.push(*diagnostic);
                    continue;
                }
            };
            let default = if connection.default { " DEFAULT" } else { "" };
            setup.command(
                &format!(
                    "CONNECT CERTDATA({cert_record}) KEYRING({ring_record}) USAGE({}){default}",
                    connection.usage.keyword()
                ),
                &conn_object,
                &connection.origin,
            );
        }
    }
    for (cert, record, export) in &exports {
        let cert_object = format!("{object} / certificate {}", cert.label);
        let command = format!(
            "EXPORT {record} DSNAME({}) FORMAT({})",
            zos::quote(&export.dsn.to_ascii_uppercase()),
            export.format.keyword()
        );
        if export.format.has_private_key() {
            // Never a password in clear: the command stays a comment with a visible
            // placeholder (the RACF emitter's), so the job cannot export the key under a
            // known password; a person edits and uncomments it.
            let (placeholder, from) = security::password_placeholder(export);
            setup.comment(&format!(
                "PKCS#12 export: replace {placeholder} with {from} and remove the leading * of the next lines before you submit."
            ));
            setup.commented(
                &format!("{command} PASSWORD({placeholder})"),
                &cert_object,
                &cert.origin,
            );
            response.diagnostics.push(
                Diagnostic::warning(
                    CODE_PASSWORD,
                    format!(
                        "the PKCS#12 export of `{}` is commented out with the placeholder {placeholder} instead of a password",
                        cert.label
                    ),
                )
                .object(&cert_object)
                .at(&cert.origin)
                .help(format!(
                    "zat never writes passwords: edit the job on z/OS, put {from} in place of the placeholder, and uncomment the EXPORT"
                )),
            );
        } else {
            setup.command(&command, &cert_object, &cert.origin);
        }
    }
    setup.comment("Check what was built.");
    for cert in &db.certificates {
        if let Some(record) = records.certificate(&cert.owner, &cert.label) {
            setup.command(&format!("CHKCERT {record}"), &object, &cert.origin);
        }
    }
    let mut rebuilds = Vec::new();
    if !db.keyrings.is_empty() {
        rebuilds.push("F ACF2,REBUILD(USR),CLASS(P),DIVISION(KEYRING)".to_owned());
    }
    for class in [Class::Facility, Class::Rdatalib] {
        let of_class: Vec<&Grant> = grants.iter().filter(|g| g.class == class).collect();
        if of_class.is_empty() {
            continue;
        }
        let type_code = match class {
            Class::Facility => {
                setup.comment("Ring access: READ for the ring owner, UPDATE for other readers.");
                &settings.facility_type
            }
            Class::Rdatalib => {
                setup.comment("Per-ring access (RDATALIB OWNER.RING.LST): READ.");
                &settings.rdatalib_type
            }
        };
        setup.command(&format!("SET RESOURCE({type_code})"), &object, &db.origin);
        for grant in of_class {
            setup.command(
                &format!(
                    "RECKEY {} ADD({})",
                    rule_key(&grant.resource).0,
                    rule_entry(grant, settings)
                ),
                &object,
                &db.origin,
            );
        }
        rebuilds.push(format!("F ACF2,REBUILD({type_code})"));
    }
    push_rebuilds(&mut setup, &rebuilds, settings, &object, &db.origin);
    setup.raw("END");

    let mut backout = Stream::default();
    backout.raw("ACF");
    for class in [Class::Facility, Class::Rdatalib] {
        let of_class: Vec<&Grant> = grants.iter().filter(|g| g.class == class).collect();
        if of_class.is_empty() {
            continue;
        }
        let type_code = if class == Class::Facility {
            &settings.facility_type
        } else {
            &settings.rdatalib_type
        };
        backout.comment("Remove the rule entries the setup job added (only those).");
        backout.command(&format!("SET RESOURCE({type_code})"), &object, &db.origin);
        for grant in of_class {
            backout.command(
                &format!(
                    "RECKEY {} DEL({})",
                    rule_key(&grant.resource).0,
                    rule_entry(grant, settings)
                ),
                &object,
                &db.origin,
            );
        }
    }
    if !db.keyrings.is_empty() {
        backout.comment("Delete the key ring records the setup job inserted.");
        backout.command("SET PROFILE(USER) DIVISION(KEYRING)", &object, &db.origin);
        for ring in &db.keyrings {
            if let Some(record) = records.ring(&ring.owner, &ring.name) {
                backout.command(&format!("DELETE {record}"), &object, &ring.origin);
            }
        }
    }
    backout.comment("Delete the certificates, signed ones before their signers.");
    if !existing.is_empty() {
        backout.comment(&format!(
            "Kept: the existing certificates {} (the setup job only connected them; deleting the key ring records above disconnects them).",
            existing.join(", ")
        ));
    }
    backout.command("SET PROFILE(USER) DIVISION(CERTDATA)", &object, &db.origin);
    // Partner CAs came from elsewhere: like existing certificates, the back-out never deletes
    // them (a ring of the site may trust them too).
    let partners: Vec<&str> = db
        .certificates
        .iter()
        .filter(|c| matches!(c.source, CertSource::Import { .. }))
        .map(|c| c.label.as_str())
        .collect();
    if !partners.is_empty() {
        backout.comment(&format!(
            "Kept: the partner CAs {} (imported from elsewhere; delete them by hand if no ring needs them).",
            partners.join(", ")
        ));
    }
    for cert in db.certificates.iter().rev().filter(|c| matches!(c.source, CertSource::Generate)) {
        if let Some(record) = records.certificate(&cert.owner, &cert.label) {
            backout.command(&format!("DELETE {record}"), &object, &cert.origin);
        }
    }
    push_rebuilds(&mut backout, &rebuilds, settings, &object, &db.origin);
    backout.raw("END");

    let operator = operator_steps(&rebuilds);
    let setup_header = vec![
        format!("ACF2 certificates, key rings and ring access rules for security database {} of fleet {}. Generated by zat (acf2 plugin {}); do not edit, change the fleet script instead.", db.name, fleet.name, Acf2Emitter::VERSION),
        "Run by: a security administrator with the ACF2 SECURITY attribute (or a scope covering the logonids and rules below), once per security database.".to_owned(),
        format!("Undo: submit {} in the same folder.", batch::file_name(&layout::security_backout_job(&db.name, Esm::ACF2))),
        "Result: the step condition code is the return code of the last command only; read SYSTSPRT for the ACF messages of every command. A re-run reports records that exist already.".to_owned(),
        "UID strings below come from the acf2.uid_template plugin option (default: the logonid); check them against your site's UID format.".to_owned(),
        operator.clone(),
    ];
    let backout_header = vec![
        format!("Back-out of {} for security database {} of fleet {}: removes exactly the records and rule entries that job added. Generated by zat (acf2 plugin {}).", batch::file_name(&layout::security_setup_job(&db.name, Esm::ACF2)), db.name, fleet.name, Acf2Emitter::VERSION),
        "Run by: a security administrator with the ACF2 SECURITY attribute. Stop the applications that use these rings first.".to_owned(),
        operator,
    ];
    let jobs = vec![
        setup.job(layout::security_setup_job(&db.name, Esm::ACF2), "AKS", setup_header),
        backout.job(layout::security_backout_job(&db.name, Esm::ACF2), "AKB", backout_header),
    ];
    let subject = Subject { code: CODE_TEXT, object: &object, origin: &db.origin };
    batch::emit_jobs(jobs, &fleet.defaults.job, "ACF2", subject, response);
}

/// The GENCERT (or, for an imported certificate, INSERT) command of one certificate.
fn certificate_command(
    cert: &Certificate,
    record: &str,
    db: &SecurityDatabase,
    records: &Records,
    settings: &Settings,
) -> Result<String, String> {
    if let CertSource::Import { dsn } = &cert.source {
        return Ok(format!(
            "INSERT {record} DSNAME({}) LABEL({}) TRUST",
            zos::quote(&dsn.to_ascii_uppercase()),
            cert.label
        ));
    }
    let mut command = format!("GENCERT {record} LABEL({})", cert.label);
    let subject = &cert.subject;
    let mut parts = Vec::new();
    let mut part = |key: &str, value: &Option<String>| {
        if let Some(value) = value {
            parts.push(format!("{key}={}", zos::quote(value)));
        }
    };
    part("CN", &subject.cn);
    part("T", &subject.t);
    for ou in &subject.ou {
        part("OU", &Some(ou.clone()));
    }
    part("O", &subject.o);
    part("L", &subject.l);
    part("SP", &subject.sp);
    part("C", &subject.c);
    if !parts.is_empty() {
        command.push_str(&format!(" SUBJSDN({})", parts.join(" ")));
    }
    command.push_str(&format!(" SIZE({})", cert.size));
    match cert.algorithm {
        KeyAlgorithm::Rsa => {}
        KeyAlgorithm::Nistecc => command.push_str(" NISTECC"),
        KeyAlgorithm::Bpecc => command.push_str(" BPECC"),
    }
    if let Some(date) = &cert.not_before {
        command.push_str(&format!(" ACTIVE({})", settings.date(date)?));
    }
    if let Some(date) = &cert.not_after {
        command.push_str(&format!(" EXPIRE({})", settings.date(date)?));
    }
    if let Some(signer) = &cert.signer {
        let signer_cert = db.certificate(signer).ok_or_else(|| {
            format!("signer `{signer}` is not a certificate of security database {}", db.name)
        })?;
        let signer_record = records
            .certificate(&signer_cert.owner, signer)
            .ok_or_else(|| format!("signer `{signer}` has no record name"))?;
        command.push_str(&format!(" SIGNWITH({signer_record})"));
    }
    // The default RACF's job writes too, so that the certificate is the same on every ESM.
    let usages: Vec<&str> = cert.key_usage_or_default().iter().map(|u| u.keyword()).collect();
    command.push_str(&format!(" KEYUSAGE({})", usages.join(" ")));
    let mut alt = Vec::new();
    if let Some(ip) = &cert.alt_name.ip {
        alt.push(format!("IP={ip}"));
    }
    if let Some(domain) = &cert.alt_name.domain {
        alt.push(format!("DOMAIN={domain}"));
    }
    if !alt.is_empty() {
        command.push_str(&format!(" ALTNAME({})", alt.join(" ")));
    }
    Ok(command)
}

/// `IRR.DIGTCERT.LIST` -> (`IRR`, `DIGTCERT.LIST`): the rule key and the rest of the name.
fn rule_key(resource: &str) -> (&str, &str) {
    resource.split_once('.').unwrap_or((resource, ""))
}

/// `DIGTCERT.LIST UID(x) SERVICE(READ) ALLOW`: one resource rule entry.
fn rule_entry(grant: &Grant, settings: &Settings) -> String {
    let service = grant.access.keyword();
    format!(
        "{} UID({}) SERVICE({service}) ALLOW",
        rule_key(&grant.resource).1,
        settings.uid(&grant.user)
    )
}

fn push_rebuilds(
    stream: &mut Stream,
    rebuilds: &[String],
    settings: &Settings,
    object: &str,
    origin: &Origin,
) {
    if rebuilds.is_empty() {
        return;
    }
    if settings.rebuild_in_batch {
        stream.comment("Make resident records and rules current (also listed as operator steps in the job header).");
        for command in rebuilds {
            stream.command(command, object, origin);
        }
    } else {
        stream.comment(
            "Rebuild commands are operator steps (acf2.rebuild=operator): see the job header.",
        );
    }
}

fn operator_steps(rebuilds: &[String]) -> String {
    if rebuilds.is_empty() {
        return "Operator steps: none.".to_owned();
    }
    format!(
        "Operator steps after the job (whether F ACF2 works inside batch ACF command mode is unconfirmed; issue these from a console if SYSTSPRT shows they were not accepted):\n{}",
        rebuilds.join("\n")
    )
}

fn render_lpar(fleet: &Fleet, lpar: &Lpar, settings: &Settings, response: &mut RenderResponse) {
    let grants = security::initstack_grants(lpar);
    if grants.is_empty() {
        return;
    }
    let object = format!("lpar {}", lpar.name);
    let rebuilds = vec![format!("F ACF2,REBUILD({})", settings.servauth_type)];
    let mut setup = Stream::default();
    let mut backout = Stream::default();
    setup.raw("ACF");
    backout.raw("ACF");
    setup.comment(&format!(
        "Stack initialisation access on {}: without it every socket of a stack with TTLS in its initial profile fails until policy is installed.",
        lpar.name
    ));
    for stream in [&mut setup, &mut backout] {
        stream.command(&format!("SET RESOURCE({})", settings.servauth_type), &object, &lpar.origin);
    }
    for (profile, users) in &grants {
        let (key, rest) = rule_key(profile);
        for user in users {
            let entry = format!("{rest} UID({}) SERVICE(READ) ALLOW", settings.uid(user));
            setup.command(&format!("RECKEY {key} ADD({entry})"), &object, &lpar.origin);
            backout.command(&format!("RECKEY {key} DEL({entry})"), &object, &lpar.origin);
        }
    }
    push_rebuilds(&mut setup, &rebuilds, settings, &object, &lpar.origin);
    push_rebuilds(&mut backout, &rebuilds, settings, &object, &lpar.origin);
    setup.raw("END");
    backout.raw("END");
    let operator = operator_steps(&rebuilds);
    let setup_header = vec![
        format!(
            "ACF2 SERVAUTH (resource type {}) rules for the TCP/IP stacks of LPAR {} of fleet {}. Generated by zat (acf2 plugin {}); do not edit. Run it before TTLS goes into a stack's initial profile.",
            settings.servauth_type,
            lpar.name,
            fleet.name,
            Acf2Emitter::VERSION
        ),
        "Run by: a security administrator with the ACF2 SECURITY attribute.".to_owned(),
        format!(
            "Undo: submit {} in the same folder.",
            batch::file_name(&layout::lpar_security_backout_job(&lpar.name, Esm::ACF2))
        ),
        operator.clone(),
    ];
    let backout_header = vec![
        format!(
            "Back-out of {} for LPAR {}: removes the rule entries that job added. Generated by zat (acf2 plugin {}). Take TTLS out of the initial profile first.",
            batch::file_name(&layout::lpar_security_job(&lpar.name, Esm::ACF2)),
            lpar.name,
            Acf2Emitter::VERSION
        ),
        "Run by: a security administrator with the ACF2 SECURITY attribute.".to_owned(),
        operator,
    ];
    let jobs = vec![
        setup.job(layout::lpar_security_job(&lpar.name, Esm::ACF2), "ASV", setup_header),
        backout.job(
            layout::lpar_security_backout_job(&lpar.name, Esm::ACF2),
            "ASB",
            backout_header,
        ),
    ];
    let subject = Subject { code: CODE_TEXT, object: &object, origin: &lpar.origin };
    batch::emit_jobs(jobs, &fleet.defaults.job, "ACF2", subject, response);
}
