//! Top Secret emitter (site plugin): batch TSO jobs that create certificates, key rings,
//! ring access permits and stack-initialisation permits in a CA Top Secret security database.
//!
//! Loaded only from a plugin folder (`--plugin-dir`, `ZAT_PLUGIN_PATH`), never linked into
//! zat. For every security database with ESM `tss` it writes `SETUP.jcl` and `BACKOUT.jcl`
//! under `security/<DB>/tss/`, and for every LPAR on such a database with TTLS stacks
//! `lpars/<LPAR>/tss/SERVAUTH.jcl` and its back-out. Command syntax follows the project's
//! Top Secret command reference (TSS ADD/PERMIT with DIGICERT and KEYRING, Broadcom documentation); what is not confirmed is either written in
//! the safe form or configurable through `--plugin-option tss.KEY=VALUE` (see README.md).

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

/// Two labels or two rings of one ACID would get the same DIGICERT or KEYRING name.
const CODE_COLLISION: &str = "ZAT0380";
/// A PKCS#12 export needs a password zat never writes: the command is left for a person.
const CODE_PASSWORD: &str = "ZAT0382";
/// A label, ring name or DN value Top Secret may not take as written.
const CODE_NAME: &str = "ZAT0383";
/// A `tss.*` plugin option has a value the emitter cannot use.
const CODE_OPTION: &str = "ZAT0384";
/// An existing certificate is connected by a DIGICERT name zat assumes (warning).
const CODE_EXISTING: &str = "ZAT0385";

/// The Top Secret emitter. Stateless: every call renders from the request alone.
#[derive(Debug, Default)]
pub struct TssEmitter;

impl Emitter for TssEmitter {
    const NAME: &'static str = "tss";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const PROVIDES: &'static [&'static str] =
        &["esm:tss", zat_plugin_api::UNIT_DATABASE, zat_plugin_api::UNIT_LPAR];

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
        for db in security::databases_of(request, Esm::TSS) {
            render_database(fleet, db, &settings, &mut response);
        }
        for lpar in security::lpars_on(request, Esm::TSS) {
            render_lpar(fleet, lpar, &settings, &mut response);
        }
        Ok(response)
    }
}

/// Site-dependent choices, from `RenderRequest.options` (`tss.KEY`).
#[derive(Debug)]
struct Settings {
    /// `NBDATE`/`NADATE` format; the samples show `mm/dd/yy`, other formats unconfirmed.
    date_format: String,
    /// Department ACID that owns the `EZB.` SERVAUTH prefix. Resources must be owned before
    /// they can be permitted; ownership is a one-time site decision, so `TSS ADDTO(dept)
    /// SERVAUTH(EZB.)` is written only when this option names the department.
    servauth_owner: Option<String>,
}

impl Settings {
    fn from_request(request: &RenderRequest) -> Result<Settings, Box<Diagnostic>> {
        let option = |key: &str| request.options.get(&format!("tss.{key}")).cloned();
        let bad = |key: &str, value: &str, why: &str| {
            Box::new(
                Diagnostic::error(CODE_OPTION, format!("plugin option tss.{key}=`{value}` {why}"))
                    .help("see the README of the tss plugin for its options"),
            )
        };
        let date_format = option("date_format").unwrap_or_else(|| "mm/dd/yy".to_owned());
        if let Err(why) = zos::format_date("2000-01-01", &date_format) {
            return Err(bad("date_format", &date_format, &why.to_string()));
        }
        let servauth_owner = option("servauth_owner").map(|v| v.to_ascii_uppercase());
        if let Some(dept) = &servauth_owner
            && !zos::is_valid_name(dept)
        {
            return Err(bad("servauth_owner", dept, "must be an ACID of 1-8 characters"));
        }
        Ok(Settings { date_format, servauth_owner })
    }

    /// A model date in the `NBDATE`/`NADATE` format (checked when the settings were read).
    fn date(&self, date: &str) -> Result<String, String> {
        zos::format_date(date, &self.date_format).map_err(|e| e.to_string())
    }
}

/// The ACID that owns a certificate: Top Secret's `CERTAUTH` and `CERTSITE`, or the user.
fn acid(owner: &CertOwner) -> &str {
    match owner {
        CertOwner::Certauth => "CERTAUTH",
        CertOwner::Site => "CERTSITE",
        CertOwner::User(id) => id,
    }
}

fn db_object(db: &SecurityDatabase) -> String {
    format!("security database {}", db.name)
}

/// A record as Top Secret names it in `DIGICERT()` and `KEYRING()`: the name alone, the ACID
/// is a separate operand.
fn record_name(_acid: &str, name: &str) -> String {
    name.to_owned()
}

/// How TSS names certificate and key ring records.
const NAMING: RecordNaming<'static> =
    RecordNaming { cert_owner: acid, record_name, collision_code: CODE_COLLISION, check_name };

/// `LABLCERT()` and `LABLRING()` are written unquoted: a blank cannot be (the published samples show
/// only blank-free labels; how to quote a blank is not confirmed). Mixed case is
/// kept (LABLRING is case-sensitive, KB 255344) with a warning, as a tool that upper-cases
/// the job would break it.
fn check_name(what: &str, name: &str, object: &str, origin: &Origin, out: &mut Vec<Diagnostic>) {
    if name.contains(' ') || name.contains('\'') {
        out.push(
            Diagnostic::error(
                CODE_NAME,
                format!("{what} `{name}` has a blank or an apostrophe, which the tss emitter cannot write"),
            )
            .object(object)
            .at(origin)
            .help("use a blank-free name such as ATTLSCA; it must match byte for byte everywhere it is used"),
        );
    } else if name.chars().any(|c| c.is_ascii_lowercase()) {
        out.push(
            Diagnostic::warning(
                CODE_NAME,
                format!("{what} `{name}` is in mixed case; it is written as is and must stay so"),
            )
            .object(object)
            .at(origin)
            .help("upper-case names avoid mismatches when a tool upper-cases the job"),
        );
    }
}

fn p(text: impl Into<String>) -> String {
    text.into()
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
    setup.comment(&format!(
        "Key rings of security database {}: KEYRING is the Top Secret name (8 characters), LABLRING the real, case-sensitive ring name AT-TLS and Liberty use.",
        db.name
    ));
    for ring in &db.keyrings {
        if let Some(name) = records.ring(&ring.owner, &ring.name) {
            setup.command(
                &[
                    p("TSS"),
                    format!("ADD({})", ring.owner),
                    format!("KEYRING({name})"),
                    format!("LABLRING({})", ring.name),
                ],
                &object,
                &ring.origin,
            );
        }
    }
    setup.comment("Certificates, in creation order (a signer before what it signs).");
    let mut exports = Vec::new();
    let mut existing = Vec::new();
    for cert in &db.certificates {
        let Some(name) = records.certificate(&cert.owner, &cert.label) else { continue };
        let cert_object = format!("{object} / certificate {}", cert.label);
        if !cert.source.is_created_by_zat() {
            // Never added, exported or removed: only connected (and listed) below.
            let owner = acid(&cert.owner);
            existing.push(format!("{owner} DIGICERT({name}) (label {})", cert.label));
            response.diagnostics.push(
                Diagnostic::warning(
                    CODE_EXISTING,
                    format!(
                        "existing certificate `{}` is connected as {owner} DIGICERT({name}), a name zat assumes",
                        cert.label
                    ),
                )
                .object(&cert_object)
                .at(&cert.origin)
                .help(format!(
                    "check the name with TSS LIST({owner}) DIGICERT(ALL) and edit the RINGDATA before you submit"
                )),
            );
            continue;
        }
        match certificate_command(cert, name, db, &records, settings) {
            Ok(pieces) => setup.command(&pieces, &cert_object, &cert.origin),
            Err(why) => response
                .diagnostics
                .push(Diagnostic::error(CODE_TEXT, why).object(&cert_object).at(&cert.origin)),
        }
        if let Some(export) = &cert.export {
            exports.push((cert, name, export));
        }
    }
    if !existing.is_empty() {
        setup.comment(&format!(
            "Existing certificates, not created here and never removed by the back-out, only connected: {}. zat assumes these DIGICERT names: check each with TSS LIST(acid) DIGICERT(ALL) before you submit.",
            existing.join(", ")
        ));
    }
    setup.comment("Connect certificates to the rings (USAGE and DEFAULT as in the fleet).");
    for ring in &db.keyrings {
        let Some(ring_name) = records.ring(&ring.owner, &ring.name) else { continue };
        for connection in &ring.connections {
            let conn_object =
                format!("{object} / keyring {}/{} / {}", ring.owner, ring.name, connection.label);
            let subject =
                Subject { code: CODE_TEXT, object: &conn_object, origin: &connection.origin };
            let cert_name = match records.connected(db, connection, subject) {
                Ok(record) => record,
                Err(diagnostic) => {
                    response.diagnostics.push(*diagnostic);
                    continue;
                }
            };
            let mut pieces = vec![
                p("TSS"),
                format!("ADD({})", ring.owner),
                format!("KEYRING({ring_name})"),
                format!("RINGDATA({},{cert_name})", acid(&connection.cert_owner)),
                format!("USAGE({})", connection.usage.keyword()),
            ];
            if connection.default {
                pieces.push(p("DEFAULT"));
            }
            setup.command(&pieces, &conn_object, &connection.origin);
        }
    }
    for (cert, name, export) in &exports {
        let cert_object = format!("{object} / certificate {}", cert.label);
        let mut pieces = vec![
            p("TSS"),
            format!("EXPORT({})", acid(&cert.owner)),
            format!("DIGICERT({name})"),
            format!("DCDSN({})", export.dsn.to_ascii_uppercase()),
            format!("FORMAT({})", export.format.keyword()),
        ];
        if export.format.has_private_key() {
            // Never a password in clear: the command is written as comments with the RACF
            // emitter's visible placeholder, so the job cannot export the key under a known
            // password; a person edits it in.
            let (placeholder, from) = security::password_placeholder(export);
            pieces.push(format!("PKCSPASS({placeholder})"));
            setup.comment(&format!(
                "PKCS#12 export, not run: to run it, write this command without the comment marks and with {from} in place of {placeholder}:"
            ));
            setup.comment(&pieces.join(" "));
            response.diagnostics.push(
                Diagnostic::warning(
                    CODE_PASSWORD,
                    format!(
                        "the PKCS#12 export of `{}` is written as a comment with the placeholder {placeholder} instead of a password",
                        cert.label
                    ),
                )
                .object(&cert_object)
                .at(&cert.origin)
                .help(format!(
                    "zat never writes passwords: edit the job on z/OS and write the TSS EXPORT command with {from}"
                )),
            );
        } else {
            setup.command(&pieces, &cert_object, &cert.origin);
        }
    }
    for class in [Class::Facility, Class::Rdatalib] {
        let of_class: Vec<&Grant> = grants.iter().filter(|g| g.class == class).collect();
        if of_class.is_empty() {
            continue;
        }
        let keyword = match class {
            Class::Facility => {
                setup.comment("Ring access: READ for the ring owner, UPDATE for other readers.");
                "IBMFAC"
            }
            Class::Rdatalib => {
                setup.comment("Per-ring access (RDATALIB OWNER.RING.LST): READ. RDATALIB must be defined to Top Secret once (TSS ADD(RDT) RESCLASS(RDATALIB) ...); that site-wide step is not in this job.");
                "RDATALIB"
            }
        };
        for grant in of_class {
            setup.command(
                &[
                    p("TSS"),
                    format!("PERMIT({})", grant.user),
                    format!("{keyword}({})", grant.resource),
                    format!("ACCESS({})", grant.access.keyword()),
                ],
                &object,
                &db.origin,
            );
        }
    }
    setup.comment("List what was built (the step condition code is that of the last listing).");
    for ring in &db.keyrings {
        if let Some(name) = records.ring(&ring.owner, &ring.name) {
            setup.command(
                &[
                    p("TSS"),
                    format!("LIST({})", ring.owner),
                    format!("KEYRING({name})"),
                    format!("LABLRING({})", ring.name),
                ],
                &object,
                &ring.origin,
            );
        }
    }
    for cert in &db.certificates {
        if let Some(name) = records.certificate(&cert.owner, &cert.label) {
            setup.command(
                &[p("TSS"), format!("LIST({})", acid(&cert.owner)), format!("DIGICERT({name})")],
                &object,
                &cert.origin,
            );
        }
    }

    let mut backout = Stream::default();
    if !grants.is_empty() {
        backout.comment("Revoke the permits the setup job gave (an ACID that had the access before loses it: check first).");
    }
    for grant in &grants {
        let keyword = if grant.class == Class::Facility { "IBMFAC" } else { "RDATALIB" };
        backout.command(
            &[
                p("TSS"),
                format!("REVOKE({})", grant.user),
                format!("{keyword}({})", grant.resource),
            ],
            &object,
            &db.origin,
        );
    }
    if !db.keyrings.is_empty() {
        backout.comment("Remove the key rings the setup job added.");
    }
    for ring in &db.keyrings {
        if let Some(name) = records.ring(&ring.owner, &ring.name) {
            backout.command(
                &[p("TSS"), format!("REM({})", ring.owner), format!("KEYRING({name})")],
                &object,
                &ring.origin,
            );
        }
    }
    backout.comment("Remove the certificates, signed ones before their signers.");
    if !existing.is_empty() {
        backout.comment(&format!(
            "Kept: the existing certificates {} (the setup job only connected them; removing the key rings above disconnects them).",
            existing.join(", ")
        ));
    }
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
        if let Some(name) = records.certificate(&cert.owner, &cert.label) {
            backout.command(
                &[p("TSS"), format!("REM({})", acid(&cert.owner)), format!("DIGICERT({name})")],
                &object,
                &cert.origin,
            );
        }
    }

    let setup_header = vec![
        format!("Top Secret certificates, key rings and ring access permits for security database {} of fleet {}. Generated by zat (tss plugin {}); do not edit, change the fleet script instead.", db.name, fleet.name, TssEmitter::VERSION),
        "Run by: a Top Secret security administrator whose scope covers the ACIDs and resources below (CERTAUTH certificates need central authority), once per security database.".to_owned(),
        format!("Undo: submit {} in the same folder.", batch::file_name(&layout::security_backout_job(&db.name, Esm::TSS))),
        "Result: the step condition code is the return code of the last command only; read SYSTSPRT for the TSS messages of every command. A re-run reports what exists already. Changes take effect without a refresh command (unconfirmed for every class); applications reopen their rings to see them.".to_owned(),
    ];
    let backout_header = vec![
        format!("Back-out of {} for security database {} of fleet {}: revokes its permits and removes the key rings and certificates it added. Generated by zat (tss plugin {}).", batch::file_name(&layout::security_setup_job(&db.name, Esm::TSS)), db.name, fleet.name, TssEmitter::VERSION),
        "Run by: a Top Secret security administrator with the same scope. Stop the applications that use these rings first.".to_owned(),
    ];
    let jobs = vec![
        setup.job(layout::security_setup_job(&db.name, Esm::TSS), "TKS", setup_header),
        backout.job(layout::security_backout_job(&db.name, Esm::TSS), "TKB", backout_header),
    ];
    let subject = Subject { code: CODE_TEXT, object: &object, origin: &db.origin };
    batch::emit_jobs(jobs, &fleet.defaults.job, "TSS", subject, response);
}

/// The GENCERT (or, for an imported certificate, ADD ... DCDSN) pieces of one certificate.
fn certificate_command(
    cert: &Certificate,
    name: &str,
    db: &SecurityDatabase,
    records: &Records,
    settings: &Settings,
) -> Result<Vec<String>, String> {
    let owner = acid(&cert.owner);
    if let CertSource::Import { dsn } = &cert.source {
        return Ok(vec![
            p("TSS"),
            format!("ADD({owner})"),
            format!("DIGICERT({name})"),
            format!("DCDSN({})", dsn.to_ascii_uppercase()),
            format!("LABLCERT({})", cert.label),
            p("TRUST"),
        ]);
    }
    let mut pieces = vec![p("TSS"), format!("GENCERT({owner})"), format!("DIGICERT({name})")];
    let subject = &cert.subject;
    let mut parts: Vec<String> = Vec::new();
    let mut part = |key: &str, value: &str| -> Result<(), String> {
        if value.contains('"') {
            return Err(format!(
                "subject value `{value}` contains a double quote, which SUBJECTN cannot carry"
            ));
        }
        // Inside SUBJECTN('...') an apostrophe is doubled.
        parts.push(format!("{key}=\"{}\"", value.replace('\'', "''")));
        Ok(())
    };
    if let Some(v) = &subject.cn {
        part("CN", v)?;
    }
    if let Some(v) = &subject.t {
        part("T", v)?;
    }
    for ou in &subject.ou {
        part("OU", ou)?;
    }
    if let Some(v) = &subject.o {
        part("O", v)?;
    }
    if let Some(v) = &subject.l {
        part("L", v)?;
    }
    if let Some(v) = &subject.sp {
        part("SP", v)?;
    }
    if let Some(v) = &subject.c {
        part("C", v)?;
    }
    // SUBJECTN('CN="a" OU="b"'): one piece per DN part, so a long subject can be broken
    // between parts (see text.rs for why that is safe with `+`).
    let count = parts.len();
    for (index, part) in parts.into_iter().enumerate() {
        let head = if index == 0 { "SUBJECTN('" } else { "" };
        let tail = if index + 1 == count { "')" } else { "" };
        pieces.push(format!("{head}{part}{tail}"));
    }
    pieces.push(format!("KEYSIZE({})", cert.size));
    match cert.algorithm {
        KeyAlgorithm::Rsa => {}
        KeyAlgorithm::Nistecc => pieces.push(p("NISTECC")),
        KeyAlgorithm::Bpecc => pieces.push(p("BPECC")),
    }
    if let Some(date) = &cert.not_before {
        pieces.push(format!("NBDATE({})", settings.date(date)?));
    }
    if let Some(date) = &cert.not_after {
        pieces.push(format!("NADATE({})", settings.date(date)?));
    }
    pieces.push(format!("LABLCERT({})", cert.label));
    // The default RACF's job writes too, so that the certificate is the same on every ESM.
    let usages: Vec<&str> = cert.key_usage_or_default().iter().map(|u| u.keyword()).collect();
    pieces.push(format!("KEYUSAGE('{}')", usages.join(" ")));
    let mut alt = Vec::new();
    if let Some(ip) = &cert.alt_name.ip {
        alt.push(format!("IP={ip}"));
    }
    if let Some(domain) = &cert.alt_name.domain {
        alt.push(format!("DOMAIN={domain}"));
    }
    if !alt.is_empty() {
        pieces.push(format!("ALTNAME('{}')", alt.join(" ")));
    }
    if let Some(signer) = &cert.signer {
        let signer_cert = db.certificate(signer).ok_or_else(|| {
            format!("signer `{signer}` is not a certificate of security database {}", db.name)
        })?;
        let signer_name = records
            .certificate(&signer_cert.owner, signer)
            .ok_or_else(|| format!("signer `{signer}` has no DIGICERT name"))?;
        pieces.push(format!("SIGNWITH({},{signer_name})", acid(&signer_cert.owner)));
    }
    Ok(pieces)
}

fn render_lpar(fleet: &Fleet, lpar: &Lpar, settings: &Settings, response: &mut RenderResponse) {
    let grants = security::initstack_grants(lpar);
    if grants.is_empty() {
        return;
    }
    let object = format!("lpar {}", lpar.name);
    let mut setup = Stream::default();
    let mut backout = Stream::default();
    setup.comment(&format!(
        "Stack initialisation access on {}: without it every socket of a stack with TTLS in its initial profile fails until policy is installed.",
        lpar.name
    ));
    match &settings.servauth_owner {
        Some(dept) => {
            setup.comment("Ownership of the EZB. prefix (an error if it is owned already: harmless).");
            setup.command(&[p("TSS"), format!("ADDTO({dept})"), p("SERVAUTH(EZB.)")], &object, &lpar.origin);
        }
        None => setup.comment(
            "The EZB. SERVAUTH prefix must be owned by a department (TSS ADDTO(dept) SERVAUTH(EZB.)); set the tss.servauth_owner plugin option to have it written here.",
        ),
    }
    for (profile, users) in &grants {
        for user in users {
            setup.command(
                &[
                    p("TSS"),
                    format!("PERMIT({user})"),
                    format!("SERVAUTH({profile})"),
                    p("ACCESS(READ)"),
                ],
                &object,
                &lpar.origin,
            );
            backout.command(
                &[p("TSS"), format!("REVOKE({user})"), format!("SERVAUTH({profile})")],
                &object,
                &lpar.origin,
            );
        }
    }
    setup.comment("List who has access (the step condition code is that of the last listing).");
    for (profile, _) in &grants {
        for stream in [&mut setup, &mut backout] {
            stream.command(
                &[p("TSS"), p("WHOHAS"), format!("SERVAUTH({profile})")],
                &object,
                &lpar.origin,
            );
        }
    }
    let setup_header = vec![
        format!("Top Secret SERVAUTH permits for the TCP/IP stacks of LPAR {} of fleet {}. Generated by zat (tss plugin {}); do not edit. Run it before TTLS goes into a stack's initial profile.", lpar.name, fleet.name, TssEmitter::VERSION),
        "Run by: a Top Secret security administrator whose scope covers the SERVAUTH resources below.".to_owned(),
        format!("Undo: submit {} in the same folder.", batch::file_name(&layout::lpar_security_backout_job(&lpar.name, Esm::TSS))),
    ];
    let backout_header = vec![
        format!(
            "Back-out of {} for LPAR {}: revokes the permits that job gave. Generated by zat (tss plugin {}). Take TTLS out of the initial profile first.",
            batch::file_name(&layout::lpar_security_job(&lpar.name, Esm::TSS)),
            lpar.name,
            TssEmitter::VERSION
        ),
        "Run by: a Top Secret security administrator with the same scope.".to_owned(),
    ];
    let jobs = vec![
        setup.job(layout::lpar_security_job(&lpar.name, Esm::TSS), "TSV", setup_header),
        backout.job(layout::lpar_security_backout_job(&lpar.name, Esm::TSS), "TSB", backout_header),
    ];
    let subject = Subject { code: CODE_TEXT, object: &object, origin: &lpar.origin };
    batch::emit_jobs(jobs, &fleet.defaults.job, "TSS", subject, response);
}
