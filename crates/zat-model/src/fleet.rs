//! The fleet and everything in it, from security databases down to AT-TLS rules.
//!
//! Names of z/OS objects keep the case the user wrote: labels and ring names are
//! case-sensitive in RACF, and the validator, not the model, decides what is legal.
//! Numbers that a script can get wrong (ports, sizes) are wide integers here so that the
//! validator can report an out-of-range value at the line it was written, instead of the
//! script runtime failing on a conversion.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Origin, Text};

/// A whole fleet: site defaults, security databases, reusable security levels, z/OS Connect
/// servers and LPARs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Fleet {
    pub name: String,
    pub defaults: SiteDefaults,
    pub security_databases: Vec<SecurityDatabase>,
    pub security_levels: Vec<SecurityLevel>,
    pub zos_connect_servers: Vec<ZosConnectServer>,
    pub lpars: Vec<Lpar>,
    pub origin: Origin,
}

impl Fleet {
    pub fn security_database(&self, name: &str) -> Option<&SecurityDatabase> {
        self.security_databases.iter().find(|db| db.name == name)
    }

    pub fn security_level(&self, name: &str) -> Option<&SecurityLevel> {
        self.security_levels.iter().find(|level| level.name == name)
    }

    pub fn zos_connect_server(&self, name: &str) -> Option<&ZosConnectServer> {
        self.zos_connect_servers.iter().find(|server| server.name == name)
    }

    pub fn lpar(&self, name: &str) -> Option<&Lpar> {
        self.lpars.iter().find(|lpar| lpar.name == name)
    }

    /// The LPARs that use the named security database, in fleet order.
    pub fn lpars_of<'a>(&'a self, database: &'a str) -> impl Iterator<Item = &'a Lpar> + 'a {
        self.lpars.iter().filter(move |lpar| lpar.security_database == database)
    }
}

/// Where the first item of each name is in `items`: [`ByName`] for code that changes the fleet
/// while it looks names up, or keeps the places beyond a borrow of it.
pub fn places_by_name<T>(items: &[T], name: impl Fn(&T) -> &str) -> HashMap<String, usize> {
    let mut places = HashMap::with_capacity(items.len());
    for (at, item) in items.iter().enumerate() {
        places.entry(name(item).to_owned()).or_insert(at);
    }
    places
}

/// The fleet's named objects by name, for code that looks a name up per rule, requester or
/// server. [`Fleet::zos_connect_server`] and its siblings scan their list, and a fleet with a
/// z/OS Connect server on each of thousands of LPARs, looked up once per requester, would
/// make that quadratic. Each name finds the first object of that name, as the scans do.
#[derive(Debug, Clone, Default)]
pub struct ByName<'f> {
    databases: HashMap<&'f str, &'f SecurityDatabase>,
    levels: HashMap<&'f str, &'f SecurityLevel>,
    servers: HashMap<&'f str, &'f ZosConnectServer>,
    lpars: HashMap<&'f str, &'f Lpar>,
}

impl<'f> ByName<'f> {
    pub fn new(fleet: &'f Fleet) -> Self {
        fn first<'f, T>(
            items: &'f [T],
            name: impl Fn(&'f T) -> &'f str,
        ) -> HashMap<&'f str, &'f T> {
            let mut map = HashMap::with_capacity(items.len());
            for item in items {
                map.entry(name(item)).or_insert(item);
            }
            map
        }
        ByName {
            databases: first(&fleet.security_databases, |db| &db.name),
            levels: first(&fleet.security_levels, |level| &level.name),
            servers: first(&fleet.zos_connect_servers, |server| &server.name),
            lpars: first(&fleet.lpars, |lpar| &lpar.name),
        }
    }

    /// As [`Fleet::security_database`].
    pub fn security_database(&self, name: &str) -> Option<&'f SecurityDatabase> {
        self.databases.get(name).copied()
    }

    /// As [`Fleet::security_level`].
    pub fn security_level(&self, name: &str) -> Option<&'f SecurityLevel> {
        self.levels.get(name).copied()
    }

    /// As [`Fleet::zos_connect_server`].
    pub fn zos_connect_server(&self, name: &str) -> Option<&'f ZosConnectServer> {
        self.servers.get(name).copied()
    }

    /// As [`Fleet::lpar`].
    pub fn lpar(&self, name: &str) -> Option<&'f Lpar> {
        self.lpars.get(name).copied()
    }
}

/// Site-wide settings every emitter may use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SiteDefaults {
    pub job: JobCard,
    /// High-level qualifier for data sets zat names (exports, OBEYFILE members).
    pub hlq: String,
    /// z/OS UNIX directory for Policy Agent files when an LPAR does not name its own.
    pub pagent_dir: String,
    /// Data set that holds TCP/IP profile members (`TCPCONFIG TTLS` snippet, OBEYFILE member).
    pub tcpparms: String,
    /// Emit `WHEN(PROGRAM(PAGENT,EZAPAGEN))` conditional permits. Off by default: a conditional
    /// permit needs the PROGRAM class and WHEN(PROGRAM) active, which a site may not have.
    pub program_conditional_permits: bool,
    /// Emit the one-time job with site-wide switches (`SETROPTS CLASSACT(...)`, `GENERIC`).
    pub activate_classes: bool,
    /// The keys the script set in `site.defaults(...)`, and where: validation warns about a
    /// default the fleet never uses, as about a misspelt key.
    #[serde(default)]
    pub explicit: Vec<String>,
    #[serde(default)]
    pub origin: Option<Origin>,
}

/// Fields of the JOB card. There is never a password: the card carries no `PASSWORD=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JobCard {
    /// Prefix of generated job names (1-5 characters; emitters add a suffix up to 8).
    pub name_prefix: String,
    pub accounting: String,
    pub programmer: String,
    pub class: String,
    pub msgclass: String,
    /// `NOTIFY=` value, e.g. `&SYSUID`; none when absent.
    pub notify: Option<String>,
}

/// The external security manager of a security database, by the name its plugin provides as
/// the capability `esm:<name>`: `racf` (built into zat), `acf2` and `tss` (the example site
/// plugins), or any name a site's own plugin provides. The set is open: a fourth ESM needs a
/// plugin, not a change to zat. ESM-specific settings are that plugin's options.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct Esm(String);

impl Esm {
    /// IBM RACF, written by the built-in `racf` emitter.
    pub const RACF: &'static str = "racf";
    /// CA ACF2 (example site plugin).
    pub const ACF2: &'static str = "acf2";
    /// CA Top Secret (example site plugin).
    pub const TSS: &'static str = "tss";

    /// An ESM by name; the name is lower-cased. [`Esm::is_valid_name`] says whether a plugin
    /// can provide it.
    pub fn new(name: &str) -> Self {
        Esm(name.to_ascii_lowercase())
    }

    pub fn racf() -> Self {
        Esm(Esm::RACF.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The capability a plugin declares to write this ESM's jobs: `esm:<name>`.
    pub fn capability(&self) -> String {
        format!("esm:{}", self.0)
    }

    /// 1-16 of `a-z 0-9 _ -`, starting with a letter: the name is a bundle folder name too.
    pub fn is_valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && name.len() <= 16
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
    }
}

impl PartialEq<str> for Esm {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Esm {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::fmt::Display for Esm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A security database (RACF, ACF2 or Top Secret). Certificates and key rings belong here:
/// LPARs that share a database share them, and their jobs are emitted once per database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecurityDatabase {
    pub name: String,
    pub esm: Esm,
    /// Certificate authorities and end-entity certificates, in creation order (a signer comes
    /// before what it signs).
    pub certificates: Vec<Certificate>,
    pub keyrings: Vec<Keyring>,
    /// Who needs which access to open the rings, filled in by expansion from the rings' owners,
    /// readers and access kind: one grant per (profile, user) with the highest level any ring
    /// asks for, sorted by class, profile and user. Every ESM emitter writes this list; none
    /// computes it.
    #[serde(default)]
    pub ring_access: Vec<AccessGrant>,
    /// What a discovery job showed of this database before the plan (`zat build --state`),
    /// or `None`: then the jobs assume that none of the fleet's objects exists yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered: Option<crate::DiscoveredState>,
    pub origin: Origin,
}

/// The resource class of a derived grant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum GrantClass {
    /// FACILITY `IRR.DIGTCERT.LIST` / `IRR.DIGTCERT.LISTRING`.
    Facility,
    /// RDATALIB `OWNER.RING.LST`.
    Rdatalib,
}

/// An access level; `Update` includes `Read`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum AccessLevel {
    Read,
    Update,
}

impl AccessLevel {
    /// `READ` or `UPDATE`, as every ESM spells the level.
    pub fn keyword(self) -> &'static str {
        match self {
            AccessLevel::Read => "READ",
            AccessLevel::Update => "UPDATE",
        }
    }
}

/// One user's access to one profile, derived by expansion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccessGrant {
    pub class: GrantClass,
    /// Full profile name, e.g. `IRR.DIGTCERT.LIST` or `ZCSRV.ZCSRVRING.LST`.
    pub profile: String,
    pub user: String,
    pub access: AccessLevel,
    /// The first ring (in the database's order) that asks for this grant.
    pub ring: RingRef,
}

/// The stack-initialisation profile of a TTLS stack and who is permitted READ to it, filled in
/// by expansion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InitstackAccess {
    /// `EZB.INITSTACK.<sysname>.<tcpname>`, upper case.
    pub profile: String,
    /// The Policy Agent user first, then the stack's `initstack_users`, without repeats.
    pub users: Vec<String>,
}

impl SecurityDatabase {
    pub fn certificate(&self, label: &str) -> Option<&Certificate> {
        self.certificates.iter().find(|cert| cert.label == label)
    }

    pub fn keyring(&self, owner: &str, name: &str) -> Option<&Keyring> {
        self.keyrings.iter().find(|ring| ring.owner == owner && ring.name == name)
    }
}

/// Who owns a certificate in the security database.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum CertOwner {
    Certauth,
    Site,
    User(String),
}

impl std::fmt::Display for CertOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertOwner::Certauth => f.write_str("CERTAUTH"),
            CertOwner::Site => f.write_str("SITE"),
            CertOwner::User(id) => f.write_str(id),
        }
    }
}

/// Subject distinguished name parts, as RACDCERT `SUBJECTSDN` takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DistinguishedName {
    pub cn: Option<String>,
    pub t: Option<String>,
    pub ou: Vec<String>,
    pub o: Option<String>,
    pub l: Option<String>,
    pub sp: Option<String>,
    pub c: Option<String>,
}

/// Subject alternative name: RACDCERT takes at most one DOMAIN and one IP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AltName {
    pub domain: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyAlgorithm {
    Rsa,
    Nistecc,
    Bpecc,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum KeyUsage {
    Handshake,
    Dataencrypt,
    Docsign,
    Certsign,
    Keyagree,
}

impl KeyUsage {
    pub fn keyword(self) -> &'static str {
        match self {
            KeyUsage::Handshake => "HANDSHAKE",
            KeyUsage::Dataencrypt => "DATAENCRYPT",
            KeyUsage::Docsign => "DOCSIGN",
            KeyUsage::Certsign => "CERTSIGN",
            KeyUsage::Keyagree => "KEYAGREE",
        }
    }
}

/// Where a certificate comes from: generated on z/OS, added from a data set (a partner's CA),
/// or already in the security database.
///
/// In JSON: `"generate"`, `{ "import": { "dsn": "..." } }` or `"existing"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CertSource {
    Generate,
    Import {
        dsn: String,
    },
    /// The certificate is already in the security database (the site made it, or an AT-TLS
    /// policy that `zat import` read uses it). zat never creates, exports or deletes it: the
    /// jobs only connect it to rings (and list it). Its label, owner and so whether it is a CA
    /// are known; subject, key, dates and signer are not, so they are not checked. A personal
    /// certificate that exists has its private key on z/OS and may be a ring's DEFAULT.
    Existing,
}

impl CertSource {
    /// True when zat creates the certificate (GENCERT or ADD) and so may also delete it.
    pub fn is_created_by_zat(&self) -> bool {
        !matches!(self, CertSource::Existing)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Certder,
    Certb64,
    Pkcs7der,
    Pkcs7b64,
    Pkcs12der,
    Pkcs12b64,
}

impl ExportFormat {
    pub fn keyword(self) -> &'static str {
        match self {
            ExportFormat::Certder => "CERTDER",
            ExportFormat::Certb64 => "CERTB64",
            ExportFormat::Pkcs7der => "PKCS7DER",
            ExportFormat::Pkcs7b64 => "PKCS7B64",
            ExportFormat::Pkcs12der => "PKCS12DER",
            ExportFormat::Pkcs12b64 => "PKCS12B64",
        }
    }

    /// PKCS#12 packages carry the private key and need a password.
    pub fn has_private_key(self) -> bool {
        matches!(self, ExportFormat::Pkcs12der | ExportFormat::Pkcs12b64)
    }
}

/// An export of a certificate to a data set. A PKCS#12 password is never in the model: only the
/// name of the environment variable that holds it at build time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CertExport {
    pub dsn: String,
    pub format: ExportFormat,
    pub password_env: Option<String>,
}

/// A certificate authority or end-entity certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Certificate {
    /// Label, at most 32 characters, case kept.
    pub label: String,
    pub owner: CertOwner,
    pub subject: DistinguishedName,
    pub alt_name: AltName,
    pub algorithm: KeyAlgorithm,
    pub size: i64,
    /// `yyyy-mm-dd`.
    pub not_before: Option<String>,
    /// `yyyy-mm-dd`.
    pub not_after: Option<String>,
    /// Label of the CERTAUTH certificate that signs this one; none for a self-signed CA.
    pub signer: Option<String>,
    pub key_usage: Vec<KeyUsage>,
    pub source: CertSource,
    pub export: Option<CertExport>,
    pub origin: Origin,
}

impl Certificate {
    pub fn is_ca(&self) -> bool {
        self.owner == CertOwner::Certauth
    }

    /// The data set this certificate is imported from, for an imported one.
    pub fn imported_from(&self) -> Option<&str> {
        match &self.source {
            CertSource::Import { dsn } => Some(dsn),
            _ => None,
        }
    }

    /// The data set this certificate is exported to, when it is.
    pub fn exported_to(&self) -> Option<&str> {
        self.export.as_ref().map(|export| export.dsn.as_str())
    }

    /// The key usage the certificate is made with: the script's, or when it names none,
    /// CERTSIGN for a CA and HANDSHAKE for anything else (a TLS end entity). Every ESM's job
    /// writes this, so that one fleet gives the same certificate on RACF, ACF2 and Top Secret.
    pub fn key_usage_or_default(&self) -> Vec<KeyUsage> {
        if !self.key_usage.is_empty() {
            return self.key_usage.clone();
        }
        vec![if self.is_ca() { KeyUsage::Certsign } else { KeyUsage::Handshake }]
    }
}

/// How users other than the ring owner get at a ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RingAccess {
    /// FACILITY `IRR.DIGTCERT.LIST` / `IRR.DIGTCERT.LISTRING`.
    Facility,
    /// RDATALIB `OWNER.RING.LST` (lets readers use the owner's private key).
    Rdatalib,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Usage {
    Personal,
    Certauth,
    Site,
}

impl Usage {
    pub fn keyword(self) -> &'static str {
        match self {
            Usage::Personal => "PERSONAL",
            Usage::Certauth => "CERTAUTH",
            Usage::Site => "SITE",
        }
    }
}

/// A certificate connected to a key ring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RingConnection {
    pub label: String,
    pub cert_owner: CertOwner,
    pub usage: Usage,
    pub default: bool,
    pub origin: Origin,
}

/// A key ring owned by a user ID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Keyring {
    pub owner: String,
    /// Ring name, case kept.
    pub name: String,
    pub connections: Vec<RingConnection>,
    pub access: RingAccess,
    /// User IDs other than the owner that open this ring (expansion adds API requesters' users).
    pub readers: Vec<String>,
    pub origin: Origin,
}

impl Keyring {
    pub fn reference(&self) -> RingRef {
        RingRef { owner: self.owner.as_str().into(), name: self.name.as_str().into() }
    }

    /// The personal certificate connected as DEFAULT, if any.
    pub fn default_connection(&self) -> Option<&RingConnection> {
        self.connections.iter().find(|c| c.default)
    }
}

/// A reference to a key ring: `owner/name` as AT-TLS and Liberty write it.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct RingRef {
    pub owner: Text,
    pub name: Text,
}

impl std::fmt::Display for RingRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// An LPAR: one z/OS system image with its Policy Agent, syslogd and TCP/IP stacks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Lpar {
    /// MVS system name (&SYSNAME), 1-8 characters.
    pub name: String,
    pub security_database: String,
    pub pagent: PagentSettings,
    pub syslog: SyslogSettings,
    pub stacks: Vec<Stack>,
    pub origin: Origin,
}

/// Policy Agent settings of one LPAR (one PAGENT serves every stack).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PagentSettings {
    pub jobname: String,
    pub userid: String,
    /// z/OS UNIX directory for the main, image and policy files.
    pub config_dir: String,
    pub log_level: i64,
    pub flush: bool,
    pub purge: bool,
    /// File-change check interval in seconds; [`NO_REFRESH_TIMER`] (the default) leaves the
    /// files to be read at start and `MODIFY PAGENT,REFRESH` only.
    pub refresh_interval: i64,
    /// The z/OS release of the LPAR (`2.4`, `2.5`, `3.1`): whose documented Policy Agent
    /// defaults apply when zat reads the policy it installs (connection check, `zat verify`,
    /// `zat why`). None: 3.1.
    #[serde(default)]
    pub release: Option<String>,
}

/// The largest `TcpImage` refresh interval (seconds), which Policy Agent documents as turning
/// its timer-driven refresh off: files placed for the next change are read only when Policy
/// Agent starts or is told to refresh, the runbook's step. The default of zat's main file,
/// where Policy Agent's own is 1800: with a timer, a file placed ahead of the change window is
/// installed within that time, without the checks that come before the refresh.
pub const NO_REFRESH_TIMER: i64 = 2_147_483_647;

/// syslogd settings of one LPAR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SyslogSettings {
    pub jobname: String,
    /// z/OS UNIX path of the configuration file.
    pub config_path: String,
    /// File that receives AT-TLS messages (daemon facility, TCP/IP job names).
    pub attls_log: String,
    /// Priority for AT-TLS messages (`emerg` ... `debug`).
    pub attls_level: String,
    /// File that receives Policy Agent messages.
    pub pagent_log: String,
    pub pagent_level: String,
    /// Optional catch-all file for `*.err`.
    pub error_log: Option<String>,
}

/// A TCP/IP stack on an LPAR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stack {
    /// TCP/IP procedure / job name, 1-8 characters.
    pub name: String,
    pub ttls: bool,
    /// Users permitted READ to `EZB.INITSTACK.<sysname>.<tcpname>` besides the Policy Agent user.
    pub initstack_users: Vec<String>,
    /// Emit `AUTOLOG PAGENT` in the profile snippet.
    pub autolog_pagent: bool,
    /// Emit a `PORT 514 UDP <syslogd job>` reservation.
    pub syslogd_port: bool,
    pub rules: Vec<Rule>,
    pub api_requesters: Vec<ApiRequester>,
    /// Filled in by expansion for a stack with TTLS on: the profile SAF checks while the stack
    /// starts and the users every ESM emitter permits to it (and the TCP/IP profile and runbook
    /// name).
    #[serde(default)]
    pub initstack: Option<InitstackAccess>,
    pub origin: Origin,
}

/// TLS protocol switches; every one is written explicitly to the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Protocols {
    pub sslv2: bool,
    pub sslv3: bool,
    pub tlsv1: bool,
    pub tlsv1_1: bool,
    pub tlsv1_2: bool,
    pub tlsv1_3: bool,
}

/// A reusable set of TLS settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecurityLevel {
    pub name: String,
    pub protocols: Protocols,
    /// Cipher suites as System SSL 4-character codes, in order of preference.
    pub ciphers: Vec<String>,
    /// Signature algorithm pairs as 4-hex-digit codes (`0401`); empty = System SSL default.
    pub signature_pairs: Vec<String>,
    /// Client elliptic curves / key share groups as 4-digit codes (`0023`); empty = default.
    pub curves: Vec<String>,
    pub handshake_timeout: Option<i64>,
    pub fips: bool,
    /// What else the level sets; all empty by default, which writes nothing.
    #[serde(default, flatten)]
    pub settings: LevelSettings,
    pub origin: Origin,
}

/// Settings a security level may give beyond protocols and suites. Each one left `None` or
/// empty is not written, so Policy Agent's documented default (or System SSL's) applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LevelSettings {
    /// No cipher list at all: AT-TLS then passes none and System SSL uses its own default
    /// (`ciphers` must be empty).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub system_ssl_ciphers: bool,
    /// `ClientAuthType`: `PassThru`, `Full`, `Required` or `SAFCheck`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_auth_type: Option<String>,
    /// `ApplicationControlled`: the application starts TLS itself (STARTTLS, TN3270).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_controlled: Option<bool>,
    /// `Renegotiation`: `Default`, `Disabled`, `All` or `Abbreviated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renegotiation: Option<String>,
    /// `ClientKeyShareGroups` as 4-digit codes; empty derives them from `curves` with TLSv1.3.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_share_groups: Vec<String>,
    /// `ServerKeyShareGroups` as 4-digit codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_key_share_groups: Vec<String>,
    /// `EnvironmentUserInstance`: a separate System SSL environment per value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_user_instance: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
    Both,
}

impl Direction {
    pub fn keyword(self) -> &'static str {
        match self {
            Direction::Inbound => "Inbound",
            Direction::Outbound => "Outbound",
            Direction::Both => "Both",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandshakeRole {
    Client,
    Server,
    ServerWithClientAuth,
}

impl HandshakeRole {
    pub fn keyword(self) -> &'static str {
        match self {
            HandshakeRole::Client => "Client",
            HandshakeRole::Server => "Server",
            HandshakeRole::ServerWithClientAuth => "ServerWithClientAuth",
        }
    }
}

/// An inclusive port range; a single port has `low == high`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct PortRange {
    pub low: i64,
    pub high: i64,
}

impl PortRange {
    pub fn single(port: i64) -> Self {
        PortRange { low: port, high: port }
    }

    pub fn overlaps(&self, other: &PortRange) -> bool {
        self.low <= other.high && other.low <= self.high
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)
        } else {
            write!(f, "{}-{}", self.low, self.high)
        }
    }
}

/// Why a rule exists: written in the script, or derived by expansion from a higher-level object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleSource {
    Script,
    ApiRequester(Text),
    ZosConnectServer(Text),
}

/// An AT-TLS rule on a stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rule {
    /// Rule name, at most 32 characters.
    pub name: Text,
    pub direction: Direction,
    /// Address, `addr/prefix` or `addr-addr`; none means any.
    pub local_addr: Option<Text>,
    pub remote_addr: Option<Text>,
    pub local_port: Option<PortRange>,
    pub remote_port: Option<PortRange>,
    /// Job name filter, trailing `*` allowed.
    pub jobname: Option<Text>,
    /// User ID filter, trailing `*` allowed.
    pub userid: Option<Text>,
    /// Explicit priority (higher wins); expansion assigns one when the script did not.
    pub priority: Option<i64>,
    /// `TTLSEnabled On`; a rule with `false` makes clear text explicit.
    pub enabled: bool,
    pub role: HandshakeRole,
    pub keyring: Option<RingRef>,
    /// Certificate label to present instead of the ring's DEFAULT.
    pub certificate_label: Option<Text>,
    /// `ServerCertificateLabel`: the certificate a server presents (z/OS 2.5 and later),
    /// written beside `certificate_label` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate_label: Option<Text>,
    /// Name of the security level.
    pub level: Text,
    /// AT-TLS trace mask (0-255).
    pub trace: i64,
    pub source: RuleSource,
    pub origin: Origin,
}

/// A z/OS Connect server that API requesters call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ZosConnectServer {
    pub name: String,
    pub host: String,
    pub ip: Option<String>,
    pub http_port: i64,
    pub https_port: i64,
    /// An inbound AT-TLS policy protects the server's HTTP port (Liberty sees plain HTTP).
    pub inbound_attls: bool,
    /// LPAR and stack the server runs on, when it is in the fleet.
    pub lpar: Option<String>,
    pub stack: Option<String>,
    /// Server job name and user ID (for its inbound rule and ring access).
    pub jobname: Option<String>,
    pub userid: Option<String>,
    /// The server's own ring (server.xml keyStore/trustStore, or its inbound rule).
    pub keyring: Option<RingRef>,
    /// Label of the server's certificate in its ring (`serverKeyAlias`).
    pub server_label: Option<String>,
    /// Ask clients for a certificate (`ServerWithClientAuth`, Liberty `clientAuthentication`).
    pub client_auth: bool,
    /// Security level for the inbound rule.
    pub level: Option<String>,
    pub origin: Origin,
}

impl ZosConnectServer {
    /// BAQPORT for a requester, by the seed's rule: with an inbound AT-TLS policy the server's
    /// HTTP port (AT-TLS does TLS, Liberty listens in clear), otherwise its HTTPS port.
    pub fn requester_port(&self) -> i64 {
        if self.inbound_attls { self.http_port } else { self.https_port }
    }
}

/// Where a requester's basic-auth credentials come from; never the password itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BasicAuth {
    /// User name sent as `BAQUSERNAME` (not a secret).
    pub username: Text,
    /// Name of the JCL symbol or variable that supplies `BAQPASSWORD` at run time.
    pub password_from: Text,
}

/// A z/OS application that calls a z/OS Connect server as an API requester.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApiRequester {
    pub name: Text,
    pub jobname: Text,
    pub userid: Text,
    /// Name of the z/OS Connect server it calls.
    pub server: Text,
    pub keyring: RingRef,
    pub level: Text,
    /// Client certificate to present when the server asks for one.
    pub client_label: Option<Text>,
    pub priority: Option<i64>,
    /// Emit `POSIX(ON)` in CEEOPTS.
    pub posix: bool,
    pub basic_auth: Option<BasicAuth>,
    /// Filled in by expansion: the derived rule and the CEEOPTS values.
    pub expansion: Option<RequesterExpansion>,
    pub origin: Origin,
}

/// What expansion derived from an API requester; the same numbers reach every emitter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequesterExpansion {
    /// Name of the outbound rule on the requester's stack.
    pub rule: Text,
    pub baquri: Text,
    /// Equals the outbound rule's remote port.
    pub baqport: i64,
}
