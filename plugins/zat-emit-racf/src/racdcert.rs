//! RACF command text: one function per command form (z/OS Security Server RACF Command
//! Language Reference: RACDCERT, RDEFINE, PERMIT, SETROPTS).
//!
//! Each returns the logical command on one line; wrapping is done after rendering.
//! Labels, DN values and data set names are quoted with apostrophes (embedded ones doubled);
//! ring names go unquoted in parentheses, case kept.

use zat_plugin_api::model::{
    AltName, CertOwner, Certificate, DistinguishedName, KeyAlgorithm, SecurityDatabase, Usage,
};
use zat_zos::quote;

/// `CERTAUTH`, `SITE` or `ID(user)`: always explicit, never the issuer's own certificates.
pub(crate) fn owner(owner: &CertOwner) -> String {
    match owner {
        CertOwner::Certauth => "CERTAUTH".to_owned(),
        CertOwner::Site => "SITE".to_owned(),
        CertOwner::User(id) => format!("ID({id})"),
    }
}

fn subject(dn: &DistinguishedName) -> Option<String> {
    let mut parts = Vec::new();
    let mut one = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            parts.push(format!("{key}({})", quote(v)));
        }
    };
    one("CN", &dn.cn);
    one("T", &dn.t);
    if !dn.ou.is_empty() {
        let ous: Vec<String> = dn.ou.iter().map(|ou| quote(ou)).collect();
        parts.push(format!("OU({})", ous.join(",")));
    }
    let mut one = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            parts.push(format!("{key}({})", quote(v)));
        }
    };
    one("O", &dn.o);
    one("L", &dn.l);
    one("SP", &dn.sp);
    one("C", &dn.c);
    (!parts.is_empty()).then(|| format!("SUBJECTSDN({})", parts.join(" ")))
}

fn alt_name(alt: &AltName) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(domain) = &alt.domain {
        parts.push(format!("DOMAIN({})", quote(domain)));
    }
    if let Some(ip) = &alt.ip {
        parts.push(format!("IP({ip})"));
    }
    (!parts.is_empty()).then(|| format!("ALTNAME({})", parts.join(" ")))
}

fn key_usage(cert: &Certificate) -> String {
    let usages: Vec<&str> = cert.key_usage_or_default().iter().map(|u| u.keyword()).collect();
    format!("KEYUSAGE({})", usages.join(" "))
}

/// `SIGNWITH(...)` naming the signer's owner as the database holds it; a signer that is not in
/// the database is taken as a CERTAUTH certificate (the validator reports it).
fn sign_with(db: &SecurityDatabase, signer: &str) -> String {
    let label = quote(signer);
    match db.certificate(signer).map(|c| &c.owner) {
        Some(CertOwner::Site) => format!("SIGNWITH(SITE LABEL({label}))"),
        Some(CertOwner::User(_)) => format!("SIGNWITH(LABEL({label}))"),
        Some(CertOwner::Certauth) | None => format!("SIGNWITH(CERTAUTH LABEL({label}))"),
    }
}

/// `RACDCERT <owner> GENCERT ...`: SIZE always; RSA is the default key type and is not named
/// (the `RSA` keyword is missing on older releases), ECC types are.
pub(crate) fn gencert(db: &SecurityDatabase, cert: &Certificate) -> String {
    let mut words = vec!["RACDCERT".to_owned(), owner(&cert.owner), "GENCERT".to_owned()];
    words.extend(subject(&cert.subject));
    words.push(key_usage(cert));
    words.push(format!("SIZE({})", cert.size));
    match cert.algorithm {
        KeyAlgorithm::Rsa => {}
        KeyAlgorithm::Nistecc => words.push("NISTECC".to_owned()),
        KeyAlgorithm::Bpecc => words.push("BPECC".to_owned()),
    }
    if let Some(date) = &cert.not_before {
        words.push(format!("NOTBEFORE(DATE({date}))"));
    }
    if let Some(date) = &cert.not_after {
        words.push(format!("NOTAFTER(DATE({date}))"));
    }
    words.push(format!("WITHLABEL({})", quote(&cert.label)));
    if let Some(signer) = &cert.signer {
        words.push(sign_with(db, signer));
    }
    words.extend(alt_name(&cert.alt_name));
    words.join(" ")
}

/// `RACDCERT <owner> ADD('dsn') WITHLABEL('label') TRUST`.
pub(crate) fn add(cert: &Certificate, dsn: &str) -> String {
    format!(
        "RACDCERT {} ADD({}) WITHLABEL({}) TRUST",
        owner(&cert.owner),
        quote(&dsn.to_ascii_uppercase()),
        quote(&cert.label)
    )
}

/// `RACDCERT <owner> EXPORT(LABEL('label')) DSN('dsn') FORMAT(f) [PASSWORD('placeholder')]`.
pub(crate) fn export(
    cert: &Certificate,
    dsn: &str,
    format: &str,
    password: Option<&str>,
) -> String {
    let mut text = format!(
        "RACDCERT {} EXPORT(LABEL({})) DSN({}) FORMAT({format})",
        owner(&cert.owner),
        quote(&cert.label),
        quote(&dsn.to_ascii_uppercase()),
    );
    if let Some(password) = password {
        text.push_str(&format!(" PASSWORD({})", quote(password)));
    }
    text
}

pub(crate) fn addring(ring_owner: &str, ring: &str) -> String {
    format!("RACDCERT ID({ring_owner}) ADDRING({ring})")
}

pub(crate) fn connect(
    ring_owner: &str,
    ring: &str,
    cert_owner: &CertOwner,
    label: &str,
    usage: Usage,
    default: bool,
) -> String {
    format!(
        "RACDCERT ID({ring_owner}) CONNECT({} LABEL({}) RING({ring}) USAGE({}){})",
        owner(cert_owner),
        quote(label),
        usage.keyword(),
        if default { " DEFAULT" } else { "" }
    )
}

pub(crate) fn delring(ring_owner: &str, ring: &str) -> String {
    format!("RACDCERT ID({ring_owner}) DELRING({ring})")
}

pub(crate) fn delete(cert: &Certificate) -> String {
    format!("RACDCERT {} DELETE(LABEL({}))", owner(&cert.owner), quote(&cert.label))
}

pub(crate) fn list(cert: &Certificate) -> String {
    format!("RACDCERT {} LIST(LABEL({}))", owner(&cert.owner), quote(&cert.label))
}

pub(crate) fn listring(ring_owner: &str, ring: &str) -> String {
    format!("RACDCERT ID({ring_owner}) LISTRING({ring})")
}

pub(crate) fn rdefine(class: &str, profile: &str) -> String {
    format!("RDEFINE {class} {profile} UACC(NONE)")
}

pub(crate) fn permit(
    class: &str,
    profile: &str,
    id: &str,
    access: &str,
    when: Option<&str>,
) -> String {
    let mut text = format!("PERMIT {profile} CLASS({class}) ID({id}) ACCESS({access})");
    if let Some(when) = when {
        text.push_str(&format!(" WHEN({when})"));
    }
    text
}

pub(crate) fn permit_delete(class: &str, profile: &str, id: &str, when: Option<&str>) -> String {
    let mut text = format!("PERMIT {profile} CLASS({class}) ID({id}) DELETE");
    if let Some(when) = when {
        text.push_str(&format!(" WHEN({when})"));
    }
    text
}

pub(crate) fn rlist(class: &str, profile: &str) -> String {
    format!("RLIST {class} {profile} AUTHUSER")
}

/// `RLIST class profile`: the profile without its access list, to end a step with its RC.
pub(crate) fn rlist_profile(class: &str, profile: &str) -> String {
    format!("RLIST {class} {profile}")
}

pub(crate) fn refresh(classes: &[&str]) -> String {
    format!("SETROPTS RACLIST({}) REFRESH", classes.join(" "))
}

/// `RDEFINE class profile FROM(generic)`: a discrete copy of the covering generic profile
/// (UACC, access lists), so that nobody it allowed loses the resource.
pub(crate) fn rdefine_from(class: &str, profile: &str, generic: &str) -> String {
    format!("RDEFINE {class} {profile} FROM({generic})")
}

pub(crate) fn rdelete(class: &str, profile: &str) -> String {
    format!("RDELETE {class} {profile}")
}

/// `RACDCERT ID(owner) REMOVE(<cert owner> LABEL('label') RING(ring))`.
pub(crate) fn remove(ring_owner: &str, ring: &str, cert_owner: &CertOwner, label: &str) -> String {
    format!(
        "RACDCERT ID({ring_owner}) REMOVE({} LABEL({}) RING({ring}))",
        owner(cert_owner),
        quote(label)
    )
}

/// `RLIST class name GENERIC AUTHUSER`: the generic profile that covers `name`.
pub(crate) fn rlist_generic(class: &str, profile: &str) -> String {
    format!("RLIST {class} {profile} GENERIC AUTHUSER")
}

/// The IDCAMS commands that delete `dsn` when it is there, and leave the step's condition
/// code at 0 when it is not (IDC3012I, code 8): `DELETE dsn NONVSAM`, then
/// `IF LASTCC = 8 THEN SET MAXCC = 0`. Any other failure (code 12, an enqueued data set) keeps
/// its code. IDCAMS names are fully qualified and written without apostrophes.
pub(crate) fn idcams_delete(dsn: &str) -> [String; 2] {
    [
        format!("DELETE {} NONVSAM", dsn.to_ascii_uppercase()),
        "IF LASTCC = 8 THEN SET MAXCC = 0".to_owned(),
    ]
}

/// TSO `DELETE 'dsn'`: removes a data set zat wrote.
pub(crate) fn delete_data_set(dsn: &str) -> String {
    format!("DELETE {}", quote(&dsn.to_ascii_uppercase()))
}

/// `ADDSD 'dsn' UACC(NONE)`: a discrete data set profile, so that only its owner and the
/// administrators can read an export that holds a private key.
pub(crate) fn addsd(dsn: &str) -> String {
    format!("ADDSD {} UACC(NONE)", quote(&dsn.to_ascii_uppercase()))
}

pub(crate) fn deldsd(dsn: &str) -> String {
    format!("DELDSD {}", quote(&dsn.to_ascii_uppercase()))
}
