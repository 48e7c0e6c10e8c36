//! The security intent every ESM emitter writes, computed once and free of any ESM's syntax.
//! RACF PERMITs, ACF2 rules and Top Secret permits are all built from these grants, so the three emitters agree by construction.
//! It also names records for ESMs that limit certificate and ring record names to eight characters.
//!
//! Ring access (z/OS Security Server RACF Callable Services, R_datalib: "Authorization checks"; the model derives it, see `zat_model::AccessGrant`):
//! - A ring with FACILITY access gives its owner READ on `IRR.DIGTCERT.LIST` and `IRR.DIGTCERT.LISTRING` (own ring, own private keys).
//!   Every other reader gets UPDATE (another user's ring, certificates only).
//! - A ring with RDATALIB access gives owner and readers READ on `OWNER.RING.LST`, upper case.
//!   READ lets them use the private key of a certificate owned by the ring owner.
//!   The FACILITY checks are not made when that profile exists, so the owner needs it too.
//!
//! Stack initialisation (z/OS Communications Server IP Configuration Guide, "Stack initialization access control"): per LPAR and TTLS stack, the Policy Agent user and the stack's `initstack_users` get READ on `EZB.INITSTACK.<sysname>.<tcpname>`.
//!
//! Record names (CA ACF2 and CA Top Secret command references): ACF2 (`logonid.suffix`) and Top Secret (`DIGICERT(name)`, `KEYRING(name)`) allow eight characters, while labels have up to 32 and ring names up to 237.
//! A name must be the same on every build, since re-runs and back-out jobs refer to it, and must differ for different names of the same owner.
//! [`record_suffix`] keeps a name that already is a valid record name (1-8 of `A-Z 0-9 @ # $`, not starting with a digit): `IMSCA` stays `IMSCA`.
//! Any other name becomes up to four of its letters and digits (upper-cased, leading digits skipped, `R` when none is left) and four characters of a 64-bit FNV-1a hash of the exact name.
//! So `ZOSCONNCERT` becomes `ZOSC` plus four hash characters, and `PayRing` and `PAYRING` get different names.
//! Two different names can still meet (a verbatim name equal to another's hashed form, or a hash collision): [`Registry`] finds that, and the emitter reports it as an error.

use std::collections::BTreeMap;

use crate::RenderRequest;
use crate::batch::Subject;
use crate::model::{
    CertExport, CertOwner, Diagnostic, Lpar, Origin, RingConnection, SecurityDatabase,
};
use zat_zos::is_valid_name;

pub use crate::model::AccessLevel as Access;
pub use crate::model::GrantClass as Class;
pub use crate::model::profiles::{LIST, LISTRING};

/// One user's access to one resource: a view of [`crate::model::AccessGrant`] with the ring as
/// an index, for emitters that write grants in ring order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub class: Class,
    /// Full resource name, e.g. `IRR.DIGTCERT.LIST` or `ZCSRV.ZCSRVRING.LST`.
    pub resource: String,
    pub user: String,
    pub access: Access,
    /// Index in `SecurityDatabase::keyrings` of the first ring that asks for this grant.
    pub ring: usize,
}

/// The security databases with ESM `esm` that the request includes, in fleet order: the ones
/// an emitter for that ESM writes database jobs (certificates, rings, ring access) for.
pub fn databases_of<'a>(
    request: &'a RenderRequest,
    esm: &'a str,
) -> impl Iterator<Item = &'a SecurityDatabase> {
    request
        .fleet
        .security_databases
        .iter()
        .filter(move |db| db.esm == esm && request.includes_database(&db.name))
}

/// The LPARs the request includes whose security database has ESM `esm`, in fleet order: the
/// ones an emitter for that ESM writes per-LPAR jobs (stack initialisation access) for.
pub fn lpars_on<'a>(request: &'a RenderRequest, esm: &'a str) -> impl Iterator<Item = &'a Lpar> {
    let fleet = &request.fleet;
    fleet.lpars.iter().filter(move |lpar| {
        let db = fleet.security_database(&lpar.security_database);
        db.is_some_and(|d| d.esm == esm) && request.includes_lpar(&lpar.name)
    })
}

/// Ring access grants of a database as expansion derived them (`SecurityDatabase::ring_access`),
/// sorted by class, resource and user. A grant whose ring is not in the database (a request that
/// skipped expansion) is left out.
pub fn ring_grants(db: &SecurityDatabase) -> Vec<Grant> {
    db.ring_access
        .iter()
        .filter_map(|grant| {
            let ring = db
                .keyrings
                .iter()
                .position(|r| r.owner == grant.ring.owner && r.name == grant.ring.name)?;
            Some(Grant {
                class: grant.class,
                resource: grant.profile.clone(),
                user: grant.user.clone(),
                access: grant.access,
                ring,
            })
        })
        .collect()
}

/// `OWNER.RING.LST`, upper-cased as RDATALIB profile names are.
pub fn rdatalib_profile(owner: &str, ring: &str) -> String {
    crate::model::profiles::rdatalib(owner, ring)
}

/// The stack-initialisation profile of each TTLS stack of an LPAR with the users to permit, as
/// expansion derived them (`Stack::initstack`: Policy Agent user first, no repeats).
pub fn initstack_grants(lpar: &Lpar) -> Vec<(String, Vec<String>)> {
    lpar.stacks
        .iter()
        .filter(|stack| stack.ttls)
        .filter_map(|stack| stack.initstack.as_ref())
        .map(|access| (access.profile.clone(), access.users.clone()))
        .collect()
}

/// The record name for a label or ring name (see the module documentation).
pub fn record_suffix(name: &str) -> String {
    if is_valid_name(name) {
        return name.to_owned();
    }
    let mut prefix: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .skip_while(char::is_ascii_digit)
        .take(4)
        .collect();
    if prefix.is_empty() {
        prefix.push('R');
    }
    prefix.push_str(&zat_zos::hash::base36_suffix(name, 4));
    prefix
}

/// Record names handed out so far, per owner, in one name space (certificates or rings).
#[derive(Debug)]
pub struct Registry {
    taken: BTreeMap<(String, String), String>,
    /// How the ESM writes a record name in a message: `(owner, suffix)` to e.g. `owner.suffix`.
    display: fn(&str, &str) -> String,
}

impl Registry {
    /// An empty registry; `display` writes the record name of an owner and a suffix the way the
    /// ESM's users know it (ACF2 `owner.suffix`, Top Secret the bare name).
    pub fn new(display: fn(&str, &str) -> String) -> Self {
        Registry { taken: BTreeMap::new(), display }
    }

    /// The record suffix of `name` owned by `owner`; an error diagnostic (with `code`, the
    /// object and its origin) when another name of the same owner already has that suffix.
    pub fn assign(
        &mut self,
        owner: &str,
        name: &str,
        what: &str,
        code: &str,
        object: &str,
        origin: &Origin,
    ) -> Result<String, Box<Diagnostic>> {
        let suffix = record_suffix(name);
        let key = (owner.to_owned(), suffix.clone());
        match self.taken.get(&key) {
            Some(existing) if existing != name => Err(Box::new(
                Diagnostic::error(
                    code,
                    format!(
                        "{what} `{name}` of `{owner}` gets record name `{}`, \
                     which `{existing}` already has",
                        (self.display)(owner, &suffix)
                    ),
                )
                .object(object)
                .at(origin)
                .help("rename one of the two so that they differ in their first four letters"),
            )),
            Some(_) => Ok(suffix),
            None => {
                self.taken.insert(key, name.to_owned());
                Ok(suffix)
            }
        }
    }
}

/// How an ESM names certificate and key ring records, for [`Records::assign`].
#[derive(Debug, Clone, Copy)]
pub struct RecordNaming<'a> {
    /// The owner a certificate record is filed under: the user, or the ESM's reserved id for
    /// CA and site certificates (ACF2 `CERTAUTH`/`SITECERT`, Top Secret `CERTAUTH`/`CERTSITE`).
    pub cert_owner: fn(&CertOwner) -> &str,
    /// The record name of an owner and a [`record_suffix`], as commands and messages write it
    /// (ACF2 `owner.suffix`, Top Secret the suffix alone).
    pub record_name: fn(&str, &str) -> String,
    /// Code of the error for two names of one owner that get the same record name.
    pub collision_code: &'a str,
    /// Checks a label (`what` = `label`) or ring name (`ring name`) before it gets a record
    /// name, pushing what the ESM cannot take as written: `(what, name, object, origin, out)`.
    pub check_name: fn(&str, &str, &str, &Origin, &mut Vec<Diagnostic>),
}

/// The record name of every certificate and key ring of one database, for ESMs with short
/// record names (see the module documentation): what a GENCERT, a CONNECT and a back-out all
/// refer to.
#[derive(Debug, Default)]
pub struct Records {
    /// (owner as written in the model, label) -> record name.
    certificates: BTreeMap<(String, String), String>,
    /// (ring owner, ring name) -> record name.
    rings: BTreeMap<(String, String), String>,
}

impl Records {
    /// Names every certificate (in model order) and then every ring of `db`. For each, the
    /// name check's findings come first, then a collision error; a colliding name gets no
    /// record, so commands that need it are left out and the error says why. Diagnostics
    /// name the object as `security database DB / certificate LABEL` or `... / keyring
    /// OWNER/RING`.
    pub fn assign(
        db: &SecurityDatabase,
        naming: &RecordNaming<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Records {
        let mut records = Records::default();
        let mut cert_names = Registry::new(naming.record_name);
        let mut ring_names = Registry::new(naming.record_name);
        let parent = format!("security database {}", db.name);
        for cert in &db.certificates {
            let object = format!("{parent} / certificate {}", cert.label);
            (naming.check_name)("label", &cert.label, &object, &cert.origin, diagnostics);
            let owner = (naming.cert_owner)(&cert.owner);
            let code = naming.collision_code;
            match cert_names.assign(owner, &cert.label, "label", code, &object, &cert.origin) {
                Ok(suffix) => {
                    records.certificates.insert(
                        (cert.owner.to_string(), cert.label.clone()),
                        (naming.record_name)(owner, &suffix),
                    );
                }
                Err(diagnostic) => diagnostics.push(*diagnostic),
            }
        }
        for ring in &db.keyrings {
            let object = format!("{parent} / keyring {}/{}", ring.owner, ring.name);
            (naming.check_name)("ring name", &ring.name, &object, &ring.origin, diagnostics);
            let code = naming.collision_code;
            match ring_names.assign(
                &ring.owner,
                &ring.name,
                "key ring",
                code,
                &object,
                &ring.origin,
            ) {
                Ok(suffix) => {
                    records.rings.insert(
                        (ring.owner.clone(), ring.name.clone()),
                        (naming.record_name)(&ring.owner, &suffix),
                    );
                }
                Err(diagnostic) => diagnostics.push(*diagnostic),
            }
        }
        records
    }

    /// The record name of the certificate `label` of `owner`, if it got one.
    pub fn certificate(&self, owner: &CertOwner, label: &str) -> Option<&String> {
        self.certificates.get(&(owner.to_string(), label.to_owned()))
    }

    /// The record name of the certificate a ring connection refers to, or an error for
    /// `subject` (the connection) when it has none: the certificate is not defined in `db`,
    /// or its name collided and the collision was reported already.
    pub fn connected(
        &self,
        db: &SecurityDatabase,
        connection: &RingConnection,
        subject: Subject<'_>,
    ) -> Result<&String, Box<Diagnostic>> {
        self.certificate(&connection.cert_owner, &connection.label).ok_or_else(|| {
            Box::new(subject.error(format!(
                "certificate `{}` of `{}` is not defined in security database {}",
                connection.label, connection.cert_owner, db.name
            )))
        })
    }

    /// The record name of the ring `name` of `owner`, if it got one.
    pub fn ring(&self, owner: &str, name: &str) -> Option<&String> {
        self.rings.get(&(owner.to_owned(), name.to_owned()))
    }
}

/// What a job carries instead of a PKCS#12 password, and what a person puts in its place:
/// `<<SET-FROM-ENV:VAR>>` and "the value of environment variable VAR" when the fleet names
/// one, else `<<SET-PASSWORD>>` and "a password you choose". zat never writes a password; a
/// visible placeholder makes the job fail (or stay commented out) until someone edits it in.
pub fn password_placeholder(export: &CertExport) -> (String, String) {
    match &export.password_env {
        Some(var) => {
            (format!("<<SET-FROM-ENV:{var}>>"), format!("the value of environment variable {var}"))
        }
        None => ("<<SET-PASSWORD>>".to_owned(), "a password you choose".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Esm, Keyring};

    fn ring(
        owner: &str,
        name: &str,
        access: crate::model::RingAccess,
        readers: &[&str],
    ) -> Keyring {
        Keyring {
            owner: owner.to_owned(),
            name: name.to_owned(),
            connections: Vec::new(),
            access,
            readers: readers.iter().map(|r| (*r).to_owned()).collect(),
            origin: Origin::new("f.rhai", 1, 1),
        }
    }

    #[test]
    fn ring_grants_view_the_expanded_list_with_ring_indexes() {
        use crate::model::{AccessGrant, RingAccess};
        let grant =
            |class, profile: &str, user: &str, access, owner: &str, name: &str| AccessGrant {
                class,
                profile: profile.to_owned(),
                user: user.to_owned(),
                access,
                ring: crate::model::RingRef { owner: owner.into(), name: name.into() },
            };
        let db = SecurityDatabase {
            name: "PLEX".to_owned(),
            esm: Esm::racf(),
            certificates: Vec::new(),
            keyrings: vec![
                ring("SRV", "Ring1", RingAccess::Facility, &["CLI"]),
                ring("SRV", "Shared", RingAccess::Rdatalib, &["APP"]),
            ],
            ring_access: vec![
                grant(Class::Facility, LIST, "CLI", Access::Update, "SRV", "Ring1"),
                grant(Class::Rdatalib, "SRV.SHARED.LST", "APP", Access::Read, "SRV", "Shared"),
                // A grant of a ring the database does not hold is left out.
                grant(Class::Facility, LIST, "X", Access::Read, "SRV", "Gone"),
            ],
            discovered: None,
            origin: Origin::new("f.rhai", 1, 1),
        };
        let grants: Vec<(Class, String, String, Access, usize)> = ring_grants(&db)
            .into_iter()
            .map(|g| (g.class, g.resource, g.user, g.access, g.ring))
            .collect();
        assert_eq!(
            grants,
            vec![
                (Class::Facility, LIST.to_owned(), "CLI".to_owned(), Access::Update, 0),
                (Class::Rdatalib, "SRV.SHARED.LST".to_owned(), "APP".to_owned(), Access::Read, 1),
            ]
        );
    }

    #[test]
    fn valid_names_are_kept() {
        assert_eq!(record_suffix("IMSCA"), "IMSCA");
        assert_eq!(record_suffix("ABCDEFGH"), "ABCDEFGH");
        assert_eq!(record_suffix("$A#1"), "$A#1");
    }

    #[test]
    fn other_names_are_truncated_and_hashed() {
        let suffix = record_suffix("ZOSCONN-APIR-KEYRING");
        assert_eq!(suffix.len(), 8);
        assert!(suffix.starts_with("ZOSC"));
        assert!(is_valid_name(&suffix));
        assert_eq!(suffix, record_suffix("ZOSCONN-APIR-KEYRING"), "deterministic");
        assert_ne!(record_suffix("PayRing"), record_suffix("PAYRING"));
        assert_ne!(record_suffix("ZOSCONNCERT"), record_suffix("ZOSCONNCERT2"));
        let digits = record_suffix("123");
        assert!(digits.starts_with('R') && digits.len() == 5 && is_valid_name(&digits));
        assert!(is_valid_name(&record_suffix("9abc-def")));
        assert!(is_valid_name(&record_suffix("é")));
    }

    #[test]
    fn collisions_are_reported_with_the_origin() {
        let mut registry = Registry::new(|owner, suffix| format!("{owner}.{suffix}"));
        let origin = Origin::new("f.rhai", 3, 1);
        let hashed = record_suffix("ABCDEFGHIJ");
        assert!(registry.assign("U", "ABCDEFGHIJ", "label", "ZAT0370", "x", &origin).is_ok());
        assert!(registry.assign("U", "ABCDEFGHIJ", "label", "ZAT0370", "x", &origin).is_ok());
        assert!(registry.assign("V", &hashed, "label", "ZAT0370", "x", &origin).is_ok());
        let err = registry.assign("U", &hashed, "label", "ZAT0370", "x", &origin).unwrap_err();
        assert_eq!(err.code, "ZAT0370");
        assert_eq!(err.origin, Some(origin));
        assert!(err.message.contains("ABCDEFGHIJ"), "{}", err.message);
        assert!(err.message.contains(&format!("`U.{hashed}`")), "{}", err.message);
    }

    fn cert(owner: CertOwner, label: &str, line: u32) -> crate::model::Certificate {
        crate::model::Certificate {
            label: label.to_owned(),
            owner,
            subject: Default::default(),
            alt_name: Default::default(),
            algorithm: crate::model::KeyAlgorithm::Rsa,
            size: 2048,
            not_before: None,
            not_after: None,
            signer: None,
            key_usage: Vec::new(),
            source: crate::model::CertSource::Generate,
            export: None,
            origin: Origin::new("f.rhai", line, 1),
        }
    }

    fn no_blanks(what: &str, name: &str, object: &str, origin: &Origin, out: &mut Vec<Diagnostic>) {
        if name.contains(' ') {
            out.push(
                Diagnostic::error("ZAT9998", format!("{what} {name}")).object(object).at(origin),
            );
        }
    }

    #[test]
    fn records_name_certificates_and_rings_and_report_in_model_order() {
        let naming = RecordNaming {
            cert_owner: |owner| match owner {
                CertOwner::Certauth => "CERTAUTH",
                CertOwner::Site => "SITECERT",
                CertOwner::User(id) => id,
            },
            record_name: |owner, suffix| format!("{owner}.{suffix}"),
            collision_code: "ZAT9999",
            check_name: no_blanks,
        };
        let hashed = record_suffix("ZOSCONNCERT");
        let mut db = SecurityDatabase {
            name: "PLEX".to_owned(),
            esm: Esm::new(Esm::ACF2),
            certificates: vec![
                cert(CertOwner::Certauth, "IMSCA", 1),
                cert(CertOwner::User("SRV".into()), "ZOSCONNCERT", 2),
                cert(CertOwner::User("SRV".into()), &hashed, 3),
                cert(CertOwner::Site, "A B", 4),
            ],
            keyrings: vec![ring("SRV", "Ring1", crate::model::RingAccess::Facility, &[])],
            ring_access: Vec::new(),
            discovered: None,
            origin: Origin::new("f.rhai", 1, 1),
        };
        let mut out = Vec::new();
        let records = Records::assign(&db, &naming, &mut out);
        assert_eq!(
            records.certificate(&CertOwner::Certauth, "IMSCA").map(String::as_str),
            Some("CERTAUTH.IMSCA")
        );
        assert_eq!(
            records.certificate(&CertOwner::User("SRV".into()), "ZOSCONNCERT"),
            Some(&format!("SRV.{hashed}"))
        );
        assert_eq!(records.certificate(&CertOwner::User("SRV".into()), &hashed), None);
        assert_eq!(records.ring("SRV", "Ring1"), Some(&format!("SRV.{}", record_suffix("Ring1"))));
        let found: Vec<(&str, u32)> = out
            .iter()
            .map(|d| (d.code.as_str(), d.origin.as_ref().map_or(0, |o| o.line)))
            .collect();
        assert_eq!(found, [("ZAT9999", 3), ("ZAT9998", 4)]);
        assert_eq!(out[1].object, "security database PLEX / certificate A B");
        let connection = RingConnection {
            label: "IMSCA".into(),
            cert_owner: CertOwner::Certauth,
            usage: crate::model::Usage::Certauth,
            default: false,
            origin: Origin::new("f.rhai", 9, 1),
        };
        let at = Origin::new("f.rhai", 9, 1);
        let subject = Subject { code: "ZAT9997", object: "conn", origin: &at };
        assert_eq!(
            records.connected(&db, &connection, subject).map(String::as_str),
            Ok("CERTAUTH.IMSCA")
        );
        let missing = RingConnection { label: "NOPE".into(), ..connection };
        let error = records.connected(&db, &missing, subject).unwrap_err();
        assert_eq!(
            (error.code.as_str(), error.message.as_str(), error.object.as_str()),
            (
                "ZAT9997",
                "certificate `NOPE` of `CERTAUTH` is not defined in security database PLEX",
                "conn"
            )
        );
        db.certificates.clear();
        assert!(
            Records::assign(&db, &naming, &mut Vec::new())
                .certificate(&CertOwner::Certauth, "IMSCA")
                .is_none()
        );
    }

    #[test]
    fn password_placeholders() {
        let mut export = CertExport {
            dsn: "A.B".into(),
            format: crate::model::ExportFormat::Pkcs12b64,
            password_env: Some("P12PW".into()),
        };
        assert_eq!(
            password_placeholder(&export),
            ("<<SET-FROM-ENV:P12PW>>".into(), "the value of environment variable P12PW".into())
        );
        export.password_env = None;
        assert_eq!(
            password_placeholder(&export),
            ("<<SET-PASSWORD>>".into(), "a password you choose".into())
        );
    }

    #[test]
    fn the_record_name_in_the_message_is_the_esm_s() {
        let mut registry = Registry::new(|_, suffix| suffix.to_owned());
        let origin = Origin::new("f.rhai", 3, 1);
        let hashed = record_suffix("ABCDEFGHIJ");
        assert!(registry.assign("U", "ABCDEFGHIJ", "label", "ZAT0380", "x", &origin).is_ok());
        let err = registry.assign("U", &hashed, "label", "ZAT0380", "x", &origin).unwrap_err();
        assert!(err.message.contains(&format!("record name `{hashed}`,")), "{}", err.message);
    }
}
