//! The keyword whitelist: every statement type and, per statement, the attributes it accepts,
//! in IBM's canonical spelling.
//!
//! Policy Agent ignores an unknown attribute silently and uses the default, so a misspelt
//! keyword never fails on z/OS; this table is how zat notices it first.
//! Keywords match case-insensitively (as Policy Agent reads them); the table holds the one
//! spelling zat writes.
//! Source of every entry: z/OS Communications Server IP Configuration Reference, the Policy
//! Agent and AT-TLS policy statements (TTLSRule, TTLSGroupAction, TTLSEnvironmentAction,
//! TTLSConnectionAction and their parameter statements).

/// Whether a statement has a braced body or sits on one line with its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `Keyword [name]` then `{ ... }` on the following lines.
    Block,
    /// `Keyword value...` on one line (main and image file statements).
    Line,
}

/// Which Policy Agent file a top-level statement belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The main configuration file (`pagent -c`).
    Main,
    /// A stack's image configuration file.
    Image,
    /// An AT-TLS policy file.
    Policy,
}

/// How many words an attribute takes after its keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arity {
    /// Exactly one word.
    One,
    /// One word, or none (a published example leaves `CertificateLabel` empty; whether
    /// Policy Agent accepts that is unconfirmed, so the parser warns).
    MaybeEmpty,
    /// A range: `n`, `n-m`, `n:m` or `n m` (two words).
    Range,
    /// A nested inline statement (`TTLSKeyringParms { ... }`), never a value.
    Inline,
}

#[derive(Debug)]
pub(crate) struct AttrSpec {
    pub(crate) name: &'static str,
    pub(crate) arity: Arity,
}

#[derive(Debug)]
pub(crate) struct StatementSpec {
    pub(crate) name: &'static str,
    pub(crate) form: Form,
    pub(crate) file: FileKind,
    /// Global-only statements (rules and actions) can never be inline; a parser that meets one
    /// inside a block knows a `}` is missing.
    pub(crate) global_only: bool,
    /// Line statements: least and most words after the keyword.
    pub(crate) words: (usize, usize),
    /// Accepted attributes; `None` when the reference could not confirm the list (the body is
    /// then not checked).
    pub(crate) attrs: Option<&'static [AttrSpec]>,
}

const fn one(name: &'static str) -> AttrSpec {
    AttrSpec { name, arity: Arity::One }
}

const fn range(name: &'static str) -> AttrSpec {
    AttrSpec { name, arity: Arity::Range }
}

const fn inline(name: &'static str) -> AttrSpec {
    AttrSpec { name, arity: Arity::Inline }
}

const fn maybe_empty(name: &'static str) -> AttrSpec {
    AttrSpec { name, arity: Arity::MaybeEmpty }
}

const RULE: &[AttrSpec] = &[
    one("LocalAddr"),
    one("LocalAddrRef"),
    one("LocalAddrSetRef"),
    one("LocalAddrGroupRef"),
    one("RemoteAddr"),
    one("RemoteAddrRef"),
    one("RemoteAddrSetRef"),
    one("RemoteAddrGroupRef"),
    range("LocalPortRange"),
    one("LocalPortRangeRef"),
    one("LocalPortGroupRef"),
    range("RemotePortRange"),
    one("RemotePortRangeRef"),
    one("RemotePortGroupRef"),
    one("Jobname"),
    one("Userid"),
    one("Direction"),
    one("Priority"),
    inline("IpTimeCondition"),
    one("IpTimeConditionRef"),
    one("TTLSGroupActionRef"),
    one("TTLSEnvironmentActionRef"),
    one("TTLSConnectionActionRef"),
];

const GROUP_ACTION: &[AttrSpec] = &[
    one("TTLSEnabled"),
    one("CtraceClearText"),
    one("Trace"),
    inline("TTLSGroupAdvancedParms"),
    one("TTLSGroupAdvancedParmsRef"),
    one("FIPS140"),
    one("GroupUserInstance"),
];

const GROUP_ADVANCED: &[AttrSpec] = &[one("SecondaryMap"), one("SyslogFacility"), one("Envfile")];

const ENVIRONMENT_ACTION: &[AttrSpec] = &[
    inline("TTLSKeyringParms"),
    one("TTLSKeyringParmsRef"),
    one("HandshakeRole"),
    one("SuiteBProfile"),
    inline("TTLSCipherParms"),
    one("TTLSCipherParmsRef"),
    inline("TTLSSignatureParms"),
    one("TTLSSignatureParmsRef"),
    one("CtraceClearText"),
    one("Trace"),
    inline("TTLSEnvironmentAdvancedParms"),
    one("TTLSEnvironmentAdvancedParmsRef"),
    inline("TTLSGskAdvancedParms"),
    one("TTLSGskAdvancedParmsRef"),
    one("EnvironmentUserInstance"),
];

const CONNECTION_ACTION: &[AttrSpec] = &[
    one("HandshakeRole"),
    inline("TTLSCipherParms"),
    one("TTLSCipherParmsRef"),
    inline("TTLSSignatureParms"),
    one("TTLSSignatureParmsRef"),
    one("CtraceClearText"),
    one("Trace"),
    inline("TTLSConnectionAdvancedParms"),
    one("TTLSConnectionAdvancedParmsRef"),
    one("ConnectionUserInstance"),
];

const KEYRING_PARMS: &[AttrSpec] = &[one("Keyring"), one("KeyringPw"), one("KeyringStashFile")];

const CIPHER_PARMS: &[AttrSpec] =
    &[one("V2CipherSuites"), one("V3CipherSuites"), one("V3CipherSuites4Char")];

const SIGNATURE_PARMS: &[AttrSpec] = &[
    one("ClientECurves"),
    one("ClientKeyShareGroups"),
    one("ServerKexECurves"),
    one("ServerKeyShareGroups"),
    one("SignaturePairs"),
    one("SignaturePairsCert"),
];

const ENVIRONMENT_ADVANCED: &[AttrSpec] = &[
    one("SSLv2"),
    one("SSLv3"),
    one("TLSv1"),
    one("TLSv1.1"),
    one("TLSv1.2"),
    one("TLSv1.3"),
    one("MiddleBoxCompatMode"),
    one("ApplicationControlled"),
    one("HandshakeTimeout"),
    one("ResetCipherTimer"),
    one("Renegotiation"),
    one("RenegotiationIndicator"),
    one("RenegotiationCertCheck"),
    maybe_empty("CertificateLabel"),
    one("ServerCertificateLabel"),
    one("ClientAuthType"),
    one("SecondaryMap"),
    one("TruncatedHMAC"),
    one("CertValidationMode"),
    one("ClientMaxSSLFragment"),
    one("ClientMaxSSLFragmentLength"),
    one("ServerMaxSSLFragment"),
    one("ClientHandshakeSNI"),
    one("ClientHandshakeSNIMatch"),
    one("ClientHandshakeSNIList"),
    one("ServerHandshakeSNI"),
    one("ServerHandshakeSNIMatch"),
    one("ServerHandshakeSNIList"),
    one("3DesKeyCheck"),
    one("ClientEDHGroupSize"),
    one("ServerEDHGroupSize"),
    one("PeerMinCertVersion"),
    one("PeerMinDHKeySize"),
    one("PeerMinDsaKeySize"),
    one("PeerMinECCKeySize"),
    one("PeerMinRsaKeySize"),
    one("ServerScsv"),
    one("ClientExtendedMasterSecret"),
    one("ServerExtendedMasterSecret"),
    // Newer releases; the reference could not confirm them on an IBM page.
    one("HostReferenceIdDNS"),
    one("HostReferenceIdCN"),
    one("HostRefWildcardValidation"),
];

// Connection scope has no defaults and inherits from the environment; environment-only
// items (ClientAuthType, Renegotiation*, CertValidationMode, PeerMin*) are left out.
const CONNECTION_ADVANCED: &[AttrSpec] = &[
    one("SSLv2"),
    one("SSLv3"),
    one("TLSv1"),
    one("TLSv1.1"),
    one("TLSv1.2"),
    one("TLSv1.3"),
    one("MiddleBoxCompatMode"),
    one("ApplicationControlled"),
    one("HandshakeTimeout"),
    one("ResetCipherTimer"),
    maybe_empty("CertificateLabel"),
    one("ServerCertificateLabel"),
    one("SecondaryMap"),
    one("TruncatedHMAC"),
    one("ClientMaxSSLFragment"),
    one("ClientMaxSSLFragmentLength"),
    one("ServerMaxSSLFragment"),
    one("ClientHandshakeSNI"),
    one("ClientHandshakeSNIMatch"),
    one("ClientHandshakeSNIList"),
    one("ServerHandshakeSNI"),
    one("ServerHandshakeSNIMatch"),
    one("ServerHandshakeSNIList"),
    one("HostReferenceIdDNS"),
    one("HostReferenceIdCN"),
    one("HostRefWildcardValidation"),
];

const GSK_ADVANCED: &[AttrSpec] = &[
    inline("TTLSGskLdapParms"),
    one("TTLSGskLdapParmsRef"),
    inline("TTLSGskOcspParms"),
    one("TTLSGskOcspParmsRef"),
    inline("TTLSGskHttpCdpParms"),
    one("TTLSGskHttpCdpParmsRef"),
    one("GSK_SYSPLEX_SIDCACHE"),
    one("GSK_V2_SESSION_TIMEOUT"),
    one("GSK_V2_SIDCACHE_SIZE"),
    one("GSK_V3_SESSION_TIMEOUT"),
    one("GSK_V3_SIDCACHE_SIZE"),
    one("GSK_SESSION_TICKET_CLIENT_ENABLE"),
    one("GSK_SESSION_TICKET_CLIENT_MAXSIZE"),
    one("GSK_SESSION_TICKET_SERVER_ENABLE"),
    one("GSK_SESSION_TICKET_SERVER_ALGORITHM"),
    one("GSK_SESSION_TICKET_SERVER_COUNT"),
    one("GSK_SESSION_TICKET_SERVER_KEY_REFRESH"),
    one("GSK_SESSION_TICKET_SERVER_TIMEOUT"),
    one("AIACDPPriority"),
    one("MaxSrcRevExtLocValues"),
    one("MaxValidRevExtLocValues"),
    one("RevocationSecurityLevel"),
];

const IP_ADDR: &[AttrSpec] = &[one("Addr")];
const IP_ADDR_SET: &[AttrSpec] = &[one("Prefix"), one("Range")];
const IP_ADDR_GROUP: &[AttrSpec] =
    &[inline("IpAddr"), one("IpAddrRef"), inline("IpAddrSet"), one("IpAddrSetRef")];
const PORT_RANGE: &[AttrSpec] = &[range("Port")];
const PORT_GROUP: &[AttrSpec] = &[inline("PortRange"), one("PortRangeRef")];

const fn block(
    name: &'static str,
    global_only: bool,
    attrs: Option<&'static [AttrSpec]>,
) -> StatementSpec {
    StatementSpec {
        name,
        form: Form::Block,
        file: FileKind::Policy,
        global_only,
        attrs,
        words: (0, 1),
    }
}

const fn line(name: &'static str, file: FileKind, least: usize, most: usize) -> StatementSpec {
    StatementSpec {
        name,
        form: Form::Line,
        file,
        global_only: true,
        attrs: Some(&[]),
        words: (least, most),
    }
}

static STATEMENTS: &[StatementSpec] = &[
    // Main file: `TcpImage stack [image] [FLUSH|NOFLUSH] [PURGE|NOPURGE] [interval]`.
    line("TcpImage", FileKind::Main, 1, 5),
    line("PEPInstance", FileKind::Main, 1, 5),
    line("LogLevel", FileKind::Main, 1, 1),
    line("CommonTTLSConfig", FileKind::Main, 1, 1),
    line("Codepage", FileKind::Main, 1, 1),
    // Image file: `TTLSConfig [policy] [FLUSH|NOFLUSH] [PURGE|NOPURGE]`.
    line("TTLSConfig", FileKind::Image, 0, 3),
    block("TTLSRule", true, Some(RULE)),
    block("TTLSGroupAction", true, Some(GROUP_ACTION)),
    block("TTLSEnvironmentAction", true, Some(ENVIRONMENT_ACTION)),
    block("TTLSConnectionAction", true, Some(CONNECTION_ACTION)),
    block("TTLSGroupAdvancedParms", false, Some(GROUP_ADVANCED)),
    block("TTLSKeyringParms", false, Some(KEYRING_PARMS)),
    block("TTLSCipherParms", false, Some(CIPHER_PARMS)),
    block("TTLSSignatureParms", false, Some(SIGNATURE_PARMS)),
    block("TTLSEnvironmentAdvancedParms", false, Some(ENVIRONMENT_ADVANCED)),
    block("TTLSConnectionAdvancedParms", false, Some(CONNECTION_ADVANCED)),
    block("TTLSGskAdvancedParms", false, Some(GSK_ADVANCED)),
    // Exact keyword lists of these three are not confirmed: their bodies are not checked.
    block("TTLSGskLdapParms", false, None),
    block("TTLSGskOcspParms", false, None),
    block("TTLSGskHttpCdpParms", false, None),
    block("IpTimeCondition", false, None),
    block("IpAddr", false, Some(IP_ADDR)),
    block("IpAddrSet", false, Some(IP_ADDR_SET)),
    block("IpAddrGroup", false, Some(IP_ADDR_GROUP)),
    block("PortRange", false, Some(PORT_RANGE)),
    block("PortGroup", false, Some(PORT_GROUP)),
];

pub(crate) fn statement_spec(keyword: &str) -> Option<&'static StatementSpec> {
    STATEMENTS.iter().find(|spec| spec.name.eq_ignore_ascii_case(keyword))
}

pub(crate) fn attr_spec(statement: &StatementSpec, attribute: &str) -> Option<&'static AttrSpec> {
    statement.attrs?.iter().find(|spec| spec.name.eq_ignore_ascii_case(attribute))
}

/// Canonical spelling of a statement type (`ttlsrule` gives `TTLSRule`); `None` when Policy
/// Agent has no such statement (or zat does not know it).
pub fn canonical_statement(keyword: &str) -> Option<&'static str> {
    statement_spec(keyword).map(|spec| spec.name)
}

/// Canonical spelling of an attribute (or inline statement) inside a statement type, both
/// matched case-insensitively; `None` for an unknown keyword, which Policy Agent would ignore
/// silently. Also `None` for statements whose keyword list is unconfirmed.
pub fn canonical(statement: &str, attribute: &str) -> Option<&'static str> {
    statement_spec(statement).and_then(|spec| attr_spec(spec, attribute)).map(|spec| spec.name)
}

/// Whether `keyword` is a statement written with braces or on one line.
pub fn form(keyword: &str) -> Option<Form> {
    statement_spec(keyword).map(|spec| spec.form)
}

/// Which file a statement belongs in: `TcpImage` the main file, `TTLSConfig` the image
/// file, everything else the AT-TLS policy.
pub fn file_kind(keyword: &str) -> Option<FileKind> {
    statement_spec(keyword).map(|spec| spec.file)
}

/// Whether `attribute` inside `statement` opens a nested inline statement.
pub fn is_inline(statement: &str, attribute: &str) -> bool {
    statement_spec(statement)
        .and_then(|spec| attr_spec(spec, attribute))
        .is_some_and(|spec| spec.arity == Arity::Inline)
}

/// Every statement type, in canonical spelling.
pub fn statements() -> impl Iterator<Item = &'static str> {
    STATEMENTS.iter().map(|spec| spec.name)
}

/// The attributes (and inline statements) a statement type accepts, in canonical spelling;
/// `None` for an unknown statement or one whose keyword list is unconfirmed.
pub fn attributes(statement: &str) -> Option<impl Iterator<Item = &'static str>> {
    statement_spec(statement).and_then(|spec| spec.attrs).map(|attrs| attrs.iter().map(|a| a.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inline_attribute_is_a_known_statement() {
        for spec in STATEMENTS {
            for attr in spec.attrs.unwrap_or(&[]) {
                if attr.arity == Arity::Inline {
                    assert!(statement_spec(attr.name).is_some(), "{} in {}", attr.name, spec.name);
                }
            }
        }
    }

    #[test]
    fn names_are_unique_per_statement() {
        for spec in STATEMENTS {
            assert_eq!(
                STATEMENTS.iter().filter(|s| s.name.eq_ignore_ascii_case(spec.name)).count(),
                1
            );
            let attrs = spec.attrs.unwrap_or(&[]);
            for attr in attrs {
                let same = attrs.iter().filter(|a| a.name.eq_ignore_ascii_case(attr.name));
                assert_eq!(same.count(), 1, "{} twice in {}", attr.name, spec.name);
            }
        }
    }
}
