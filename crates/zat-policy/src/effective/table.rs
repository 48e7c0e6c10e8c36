//! The table behind the effective policy: every parameter Policy Agent installs, the statement
//! it is written in, its documented default per release, and the IBM document that says so;
//! and the cipher suites by IBM name and code.
//!
//! Defaults marked UNCONFIRMED were read from a `pasearch -t` report of z/OS Communications
//! Server 3.1 rather than from the statement's syntax diagram; they are the safe reading until
//! the diagram is checked, and the release can be chosen where a default differs.

/// The z/OS release whose documented defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Release {
    /// z/OS V2R4.
    V2R4,
    /// z/OS V2R5.
    V2R5,
    /// z/OS 3.1.
    #[default]
    V3R1,
}

impl Release {
    /// Every release the table covers, oldest first.
    pub const ALL: [Release; 3] = [Release::V2R4, Release::V2R5, Release::V3R1];

    /// The release as z/OS documentation names it (`2.4`, `2.5`, `3.1`).
    pub fn label(self) -> &'static str {
        match self {
            Release::V2R4 => "2.4",
            Release::V2R5 => "2.5",
            Release::V3R1 => "3.1",
        }
    }

    /// Reads `2.4`, `V2R4`, `3.1`, `V3R1` (any case).
    pub fn parse(text: &str) -> Option<Release> {
        let text = text.trim().to_ascii_uppercase();
        Release::ALL
            .into_iter()
            .find(|r| r.label() == text || format!("V{}", r.label().replace('.', "R")) == text)
    }
}

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "z/OS {}", self.label())
    }
}

/// What Policy Agent uses when a parameter is not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// The documented default value.
    Value(&'static str),
    /// No default: the statement is incomplete without it.
    Required,
    /// No default and nothing is passed on: the setting is simply absent.
    Unset,
    /// AT-TLS passes nothing and System SSL applies its own, release-dependent default.
    SystemSsl,
}

/// One parameter of the table.
#[derive(Debug, Clone, Copy)]
pub struct Parameter {
    /// The statement it is written in (canonical spelling).
    pub statement: &'static str,
    /// The parameter (canonical spelling); also the key of the effective setting.
    pub name: &'static str,
    /// Its default from `since` on.
    pub default: DefaultValue,
    /// First release whose documentation has the parameter.
    pub since: Release,
    /// The IBM document the parameter and its default come from.
    pub document: &'static str,
}

/// IBM document titles, cited by the table and by the engine.
pub mod documents {
    pub const RULES: &str = "z/OS Communications Server: IP Configuration Guide, AT-TLS rules";
    pub const ACTIONS: &str = "z/OS Communications Server: IP Configuration Guide, AT-TLS actions";
    pub const CIPHER_SUITE: &str =
        "z/OS Communications Server: IP Configuration Guide, AT-TLS cipher suite";
    pub const SYNTAX: &str = "z/OS Communications Server: IP Configuration Reference, General syntax rules for Policy Agent";
    pub const TTLS_CONFIG: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSConfig statement";
    pub const RULE: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSRule statement";
    pub const GROUP: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSGroupAction statement";
    pub const GROUP_ADVANCED: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSGroupAdvancedParms statement";
    pub const ENVIRONMENT: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSEnvironmentAction statement";
    pub const CONNECTION: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSConnectionAction statement";
    pub const ENVIRONMENT_ADVANCED: &str = "z/OS Communications Server: IP Configuration Reference, TTLSEnvironmentAdvancedParms statement";
    pub const CONNECTION_ADVANCED: &str = "z/OS Communications Server: IP Configuration Reference, TTLSConnectionAdvancedParms statement";
    pub const KEYRING: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSKeyringParms statement";
    pub const CIPHER: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSCipherParms statement";
    pub const SIGNATURE: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSSignatureParms statement";
    pub const GSK_ADVANCED: &str =
        "z/OS Communications Server: IP Configuration Reference, TTLSGskAdvancedParms statement";
    pub const IP_ADDR_GROUP: &str =
        "z/OS Communications Server: IP Configuration Reference, IpAddrGroup statement";
    pub const PASEARCH: &str = "z/OS Communications Server: IP System Administrator's Commands, The z/OS UNIX pasearch command: Display policies";
    pub const POLICY_TYPES: &str =
        "z/OS Communications Server: IP Configuration Guide, AT-TLS policy (policy types)";
}

use DefaultValue::{Required, SystemSsl, Unset, Value};
use documents as d;

const fn p(
    statement: &'static str,
    name: &'static str,
    default: DefaultValue,
    document: &'static str,
) -> Parameter {
    Parameter { statement, name, default, since: Release::V2R4, document }
}

const fn since(mut parameter: Parameter, release: Release) -> Parameter {
    parameter.since = release;
    parameter
}

const G: &str = "TTLSGroupAction";
const GA: &str = "TTLSGroupAdvancedParms";
const E: &str = "TTLSEnvironmentAction";
const C: &str = "TTLSConnectionAction";
const EA: &str = "TTLSEnvironmentAdvancedParms";
const K: &str = "TTLSKeyringParms";
const CP: &str = "TTLSCipherParms";
const S: &str = "TTLSSignatureParms";
const GSK: &str = "TTLSGskAdvancedParms";

/// Every parameter the engine installs, in the order `zat why` prints them.
///
/// Connection-scope statements (`TTLSConnectionAction`, `TTLSConnectionAdvancedParms`) have no
/// defaults: an unset value inherits the environment's, so they have no rows of their own.
pub static PARAMETERS: &[Parameter] = &[
    p(G, "TTLSEnabled", Required, d::GROUP),
    p(G, "CtraceClearText", Value("Off"), d::GROUP),
    // "The default Trace value is 2": error messages to syslogd. Environment and connection
    // actions may override it.
    p(G, "Trace", Value("2"), d::GROUP),
    p(G, "FIPS140", Value("Off"), d::GROUP),
    p(G, "GroupUserInstance", Unset, d::GROUP),
    // UNCONFIRMED: the two defaults below are what a z/OS 3.1 pasearch report shows.
    p(GA, "SyslogFacility", Value("Daemon"), d::GROUP_ADVANCED),
    p(E, "HandshakeRole", Required, d::ENVIRONMENT),
    p(E, "SuiteBProfile", Value("Off"), d::ENVIRONMENT),
    p(E, "EnvironmentUserInstance", Unset, d::ENVIRONMENT),
    p(C, "ConnectionUserInstance", Unset, d::CONNECTION),
    p(K, "Keyring", Required, d::KEYRING),
    p(K, "KeyringPw", Unset, d::KEYRING),
    p(K, "KeyringStashFile", Unset, d::KEYRING),
    p(EA, "SSLv2", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "SSLv3", Value("Off"), d::ENVIRONMENT_ADVANCED),
    // The 2.5 and 3.1 diagrams footnote these two; the footnote was not read, so On is kept.
    p(EA, "TLSv1", Value("On"), d::ENVIRONMENT_ADVANCED),
    p(EA, "TLSv1.1", Value("On"), d::ENVIRONMENT_ADVANCED),
    p(EA, "TLSv1.2", Value("Off"), d::ENVIRONMENT_ADVANCED),
    // The policy reference gives TLSv1.3 from V2R4 on; the 2.5 and 3.1 diagrams are the
    // first read, so 2.4 is UNCONFIRMED. Taken as known to 2.4 (with MiddleBoxCompatMode, its
    // TLS 1.3 companion): the other way, zat would call a 2.4 stack's TLS 1.3 ignored, and
    // `zat import` of its policy would drop TLS 1.3 from the fleet it writes.
    p(EA, "TLSv1.3", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "MiddleBoxCompatMode", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ApplicationControlled", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "HandshakeTimeout", Value("10"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ResetCipherTimer", Value("0"), d::ENVIRONMENT_ADVANCED),
    p(EA, "Renegotiation", Value("Default"), d::ENVIRONMENT_ADVANCED),
    p(EA, "RenegotiationIndicator", Value("Optional"), d::ENVIRONMENT_ADVANCED),
    p(EA, "RenegotiationCertCheck", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "CertificateLabel", Unset, d::ENVIRONMENT_ADVANCED),
    since(p(EA, "ServerCertificateLabel", Unset, d::ENVIRONMENT_ADVANCED), Release::V2R5),
    p(EA, "ClientAuthType", Value("Required"), d::ENVIRONMENT_ADVANCED),
    // UNCONFIRMED default (no default on the diagram; a 3.1 pasearch report shows Off).
    p(EA, "SecondaryMap", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "TruncatedHMAC", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "CertValidationMode", Value("Any"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ClientMaxSSLFragment", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ClientMaxSSLFragmentLength", Unset, d::ENVIRONMENT_ADVANCED),
    p(EA, "ServerMaxSSLFragment", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ClientHandshakeSNI", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ClientHandshakeSNIMatch", Unset, d::ENVIRONMENT_ADVANCED),
    p(EA, "ClientHandshakeSNIList", Unset, d::ENVIRONMENT_ADVANCED),
    p(EA, "ServerHandshakeSNI", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ServerHandshakeSNIMatch", Unset, d::ENVIRONMENT_ADVANCED),
    p(EA, "ServerHandshakeSNIList", Unset, d::ENVIRONMENT_ADVANCED),
    p(EA, "3DesKeyCheck", Value("Off"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ClientEDHGroupSize", Value("Legacy"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ServerEDHGroupSize", Value("Legacy"), d::ENVIRONMENT_ADVANCED),
    p(EA, "PeerMinCertVersion", Value("Any"), d::ENVIRONMENT_ADVANCED),
    p(EA, "PeerMinDHKeySize", Value("1024"), d::ENVIRONMENT_ADVANCED),
    p(EA, "PeerMinDsaKeySize", Value("1024"), d::ENVIRONMENT_ADVANCED),
    p(EA, "PeerMinECCKeySize", Value("192"), d::ENVIRONMENT_ADVANCED),
    // UNCONFIRMED defaults: beyond the readable part of the diagram; a 3.1 pasearch report
    // shows these values.
    p(EA, "PeerMinRsaKeySize", Value("1024"), d::ENVIRONMENT_ADVANCED),
    p(EA, "ServerScsv", Value("Off"), d::ENVIRONMENT_ADVANCED),
    since(p(EA, "ClientExtendedMasterSecret", Value("On"), d::ENVIRONMENT_ADVANCED), Release::V2R5),
    since(p(EA, "ServerExtendedMasterSecret", Value("On"), d::ENVIRONMENT_ADVANCED), Release::V2R5),
    p(EA, "HostReferenceIdDNS", Unset, d::ENVIRONMENT_ADVANCED),
    p(EA, "HostReferenceIdCN", Unset, d::ENVIRONMENT_ADVANCED),
    p(EA, "HostRefWildcardValidation", Unset, d::ENVIRONMENT_ADVANCED),
    // "AT-TLS does not pass any cipher suites to System SSL by default."
    p(CP, "V2CipherSuites", SystemSsl, d::CIPHER_SUITE),
    p(CP, "V3CipherSuites", SystemSsl, d::CIPHER_SUITE),
    p(S, "SignaturePairs", SystemSsl, d::SIGNATURE),
    p(S, "SignaturePairsCert", SystemSsl, d::SIGNATURE),
    p(S, "ClientECurves", SystemSsl, d::SIGNATURE),
    p(S, "ClientKeyShareGroups", SystemSsl, d::SIGNATURE),
    p(S, "ServerKexECurves", SystemSsl, d::SIGNATURE),
    p(S, "ServerKeyShareGroups", SystemSsl, d::SIGNATURE),
    p(GSK, "GSK_SYSPLEX_SIDCACHE", Unset, d::GSK_ADVANCED),
    p(GSK, "GSK_V2_SESSION_TIMEOUT", Unset, d::GSK_ADVANCED),
    p(GSK, "GSK_V2_SIDCACHE_SIZE", Unset, d::GSK_ADVANCED),
    p(GSK, "GSK_V3_SESSION_TIMEOUT", Value("86400"), d::GSK_ADVANCED),
    p(GSK, "GSK_V3_SIDCACHE_SIZE", Value("512"), d::GSK_ADVANCED),
    p(GSK, "GSK_SESSION_TICKET_CLIENT_ENABLE", Value("On"), d::GSK_ADVANCED),
    p(GSK, "GSK_SESSION_TICKET_CLIENT_MAXSIZE", Value("8192"), d::GSK_ADVANCED),
    p(GSK, "GSK_SESSION_TICKET_SERVER_ENABLE", Value("On"), d::GSK_ADVANCED),
    p(GSK, "GSK_SESSION_TICKET_SERVER_ALGORITHM", Value("AESCBC128"), d::GSK_ADVANCED),
    p(GSK, "GSK_SESSION_TICKET_SERVER_COUNT", Value("2"), d::GSK_ADVANCED),
    p(GSK, "GSK_SESSION_TICKET_SERVER_KEY_REFRESH", Value("300"), d::GSK_ADVANCED),
    p(GSK, "GSK_SESSION_TICKET_SERVER_TIMEOUT", Value("300"), d::GSK_ADVANCED),
];

/// The row of a parameter (any case), when the table has one.
pub fn parameter(name: &str) -> Option<&'static Parameter> {
    PARAMETERS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// Values of enumerated parameters, in canonical spelling; a value written in another case is
/// read as the canonical one (IBM's own samples mix `On`/`ON`, `All`/`ALL`).
pub(crate) fn canonical_value(name: &str, value: &str) -> Option<&'static str> {
    choices(name)?.iter().copied().find(|c| c.eq_ignore_ascii_case(value))
}

/// The values an enumerated parameter takes; `None` for a number or a free value.
pub(crate) fn choices(name: &str) -> Option<&'static [&'static str]> {
    const ON_OFF: &[&str] = &["On", "Off"];
    Some(match name {
        "HandshakeRole" => &["Client", "Server", "ServerWithClientAuth"],
        "ClientAuthType" => &["PassThru", "Full", "Required", "SAFCheck"],
        "Renegotiation" => &["Default", "Disabled", "All", "Abbreviated"],
        "RenegotiationIndicator" => &["Optional", "Client", "Server", "Both"],
        "SuiteBProfile" => &["Off", "128", "128Min", "192", "192Min", "All"],
        "FIPS140" => &["Off", "On", "Level1", "Level2", "Level3"],
        "TruncatedHMAC"
        | "ClientMaxSSLFragment"
        | "ServerMaxSSLFragment"
        | "ClientHandshakeSNI"
        | "ServerHandshakeSNI" => &["Off", "Required", "Optional"],
        "ClientHandshakeSNIMatch" | "ServerHandshakeSNIMatch" => &["Required", "Optional"],
        "CertValidationMode" => &["Any", "RFC2459", "RFC3280", "RFC5280"],
        "ClientEDHGroupSize" => &["Legacy", "2048"],
        "ServerEDHGroupSize" => &["Legacy", "2048", "Match"],
        "PeerMinCertVersion" => &["Any", "3"],
        "SyslogFacility" => &["Daemon", "Auth"],
        "GSK_SESSION_TICKET_SERVER_ALGORITHM" => &["AESCBC128", "AESCBC256"],
        "TTLSEnabled"
        | "CtraceClearText"
        | "SSLv2"
        | "SSLv3"
        | "TLSv1"
        | "TLSv1.1"
        | "TLSv1.2"
        | "TLSv1.3"
        | "MiddleBoxCompatMode"
        | "ApplicationControlled"
        | "RenegotiationCertCheck"
        | "SecondaryMap"
        | "3DesKeyCheck"
        | "ServerScsv"
        | "ClientExtendedMasterSecret"
        | "ServerExtendedMasterSecret"
        | "GSK_SYSPLEX_SIDCACHE"
        | "GSK_SESSION_TICKET_CLIENT_ENABLE"
        | "GSK_SESSION_TICKET_SERVER_ENABLE"
        | "HostRefWildcardValidation" => ON_OFF,
        _ => return None,
    })
}

/// Whether the parameter takes a number.
pub(crate) fn numeric(name: &str) -> bool {
    matches!(
        name,
        "Trace"
            | "GroupUserInstance"
            | "EnvironmentUserInstance"
            | "ConnectionUserInstance"
            | "HandshakeTimeout"
            | "ResetCipherTimer"
            | "PeerMinDHKeySize"
            | "PeerMinDsaKeySize"
            | "PeerMinECCKeySize"
            | "PeerMinRsaKeySize"
            | "ClientMaxSSLFragmentLength"
    ) || (name.starts_with("GSK_") && choices(name).is_none())
}

/// The SSL V2 cipher constants and their 1-character codes (TTLSCipherParms statement).
pub static V2_CIPHERS: &[(&str, &str)] = &[
    ("1", "TLS_RC4_128_WITH_MD5"),
    ("2", "TLS_RC4_128_EXPORT40_WITH_MD5"),
    ("3", "TLS_RC2_CBC_128_CBC_WITH_MD5"),
    ("4", "TLS_RC2_CBC_128_CBC_EXPORT40_WITH_MD5"),
    ("6", "TLS_DES_64_CBC_WITH_MD5"),
    ("7", "TLS_DES_192_EDE3_CBC_WITH_MD5"),
];

/// SSL V3 and TLS cipher suites: System SSL 4-character code (the IANA code point in hex) and
/// the constant name `V3CipherSuites` accepts (z/OS Cryptographic Services System SSL
/// Programming, cipher suite definitions).
pub static CIPHERS: &[(&str, &str)] = &[
    ("0000", "TLS_NULL_WITH_NULL_NULL"),
    ("0001", "TLS_RSA_WITH_NULL_MD5"),
    ("0002", "TLS_RSA_WITH_NULL_SHA"),
    ("0003", "TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
    ("0004", "TLS_RSA_WITH_RC4_128_MD5"),
    ("0005", "TLS_RSA_WITH_RC4_128_SHA"),
    ("0006", "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"),
    ("0009", "TLS_RSA_WITH_DES_CBC_SHA"),
    ("000A", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    ("000C", "TLS_DH_DSS_WITH_DES_CBC_SHA"),
    ("000D", "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"),
    ("000F", "TLS_DH_RSA_WITH_DES_CBC_SHA"),
    ("0010", "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"),
    ("0012", "TLS_DHE_DSS_WITH_DES_CBC_SHA"),
    ("0013", "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"),
    ("0015", "TLS_DHE_RSA_WITH_DES_CBC_SHA"),
    ("0016", "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    ("002F", "TLS_RSA_WITH_AES_128_CBC_SHA"),
    ("0030", "TLS_DH_DSS_WITH_AES_128_CBC_SHA"),
    ("0031", "TLS_DH_RSA_WITH_AES_128_CBC_SHA"),
    ("0032", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"),
    ("0033", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
    ("0035", "TLS_RSA_WITH_AES_256_CBC_SHA"),
    ("0036", "TLS_DH_DSS_WITH_AES_256_CBC_SHA"),
    ("0037", "TLS_DH_RSA_WITH_AES_256_CBC_SHA"),
    ("0038", "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"),
    ("0039", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    ("003B", "TLS_RSA_WITH_NULL_SHA256"),
    ("003C", "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    ("003D", "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    ("003E", "TLS_DH_DSS_WITH_AES_128_CBC_SHA256"),
    ("003F", "TLS_DH_RSA_WITH_AES_128_CBC_SHA256"),
    ("0040", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"),
    ("0067", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"),
    ("0068", "TLS_DH_DSS_WITH_AES_256_CBC_SHA256"),
    ("0069", "TLS_DH_RSA_WITH_AES_256_CBC_SHA256"),
    ("006A", "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"),
    ("006B", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"),
    ("009C", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    ("009D", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    ("009E", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    ("009F", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    ("00A0", "TLS_DH_RSA_WITH_AES_128_GCM_SHA256"),
    ("00A1", "TLS_DH_RSA_WITH_AES_256_GCM_SHA384"),
    ("00A2", "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"),
    ("00A3", "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"),
    ("00A4", "TLS_DH_DSS_WITH_AES_128_GCM_SHA256"),
    ("00A5", "TLS_DH_DSS_WITH_AES_256_GCM_SHA384"),
    ("1301", "TLS_AES_128_GCM_SHA256"),
    ("1302", "TLS_AES_256_GCM_SHA384"),
    ("1303", "TLS_CHACHA20_POLY1305_SHA256"),
    ("C001", "TLS_ECDH_ECDSA_WITH_NULL_SHA"),
    ("C002", "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"),
    ("C003", "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    ("C004", "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"),
    ("C005", "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"),
    ("C006", "TLS_ECDHE_ECDSA_WITH_NULL_SHA"),
    ("C007", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"),
    ("C008", "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    ("C009", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    ("C00A", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    ("C00B", "TLS_ECDH_RSA_WITH_NULL_SHA"),
    ("C00C", "TLS_ECDH_RSA_WITH_RC4_128_SHA"),
    ("C00D", "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"),
    ("C00E", "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"),
    ("C00F", "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"),
    ("C010", "TLS_ECDHE_RSA_WITH_NULL_SHA"),
    ("C011", "TLS_ECDHE_RSA_WITH_RC4_128_SHA"),
    ("C012", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    ("C013", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    ("C014", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    ("C023", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    ("C024", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    ("C025", "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"),
    ("C026", "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"),
    ("C027", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    ("C028", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
    ("C029", "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"),
    ("C02A", "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"),
    ("C02B", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    ("C02C", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    ("C02D", "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"),
    ("C02E", "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"),
    ("C02F", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    ("C030", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    ("C031", "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"),
    ("C032", "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"),
    ("CCA8", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    ("CCA9", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    ("CCAA", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
];

/// The 4-character code of a cipher constant name (any case).
pub fn cipher_code(name: &str) -> Option<&'static str> {
    CIPHERS.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)).map(|(code, _)| *code)
}

/// The constant name of a 4-character cipher code (any case).
pub fn cipher_name(code: &str) -> Option<&'static str> {
    CIPHERS.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)).map(|(_, name)| *name)
}
