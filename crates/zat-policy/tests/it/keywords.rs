//! The whitelist: canonical spellings, unknown keywords, forms and files.

use zat_policy::keywords::{self, FileKind, Form};

#[test]
fn canonical_spelling_ignores_case() {
    assert_eq!(keywords::canonical_statement("ttlsrule"), Some("TTLSRule"));
    assert_eq!(keywords::canonical_statement("TTLSKEYRINGPARMS"), Some("TTLSKeyringParms"));
    assert_eq!(keywords::canonical("TTLSRule", "JOBNAME"), Some("Jobname"));
    assert_eq!(keywords::canonical("ttlsrule", "userid"), Some("Userid"));
    assert_eq!(keywords::canonical("TTLSEnvironmentAdvancedParms", "tlsv1.3"), Some("TLSv1.3"));
    assert_eq!(
        keywords::canonical("TTLSEnvironmentAdvancedParms", "3DESKEYCHECK"),
        Some("3DesKeyCheck")
    );
    assert_eq!(
        keywords::canonical("TTLSEnvironmentAdvancedParms", "middleboxcompatmode"),
        Some("MiddleBoxCompatMode")
    );
    assert_eq!(
        keywords::canonical("TTLSCipherParms", "v3ciphersuites4char"),
        Some("V3CipherSuites4Char")
    );
    assert_eq!(
        keywords::canonical("TTLSEnvironmentAction", "ttlskeyringparms"),
        Some("TTLSKeyringParms")
    );
}

#[test]
fn unknown_keywords() {
    // Names the reference calls out as wrong.
    assert_eq!(
        keywords::canonical("TTLSEnvironmentAdvancedParms", "MiddleboxCompatibilityMode"),
        None
    );
    assert_eq!(keywords::canonical_statement("IpGroup"), None);
    assert_eq!(keywords::canonical("TTLSRule", "Status"), None);
    assert_eq!(keywords::canonical("TTLSEnvironmentAction", "ClientAuthType"), None);
    assert_eq!(keywords::canonical("TTLSConnectionAdvancedParms", "ClientAuthType"), None);
    assert_eq!(
        keywords::canonical("TTLSEnvironmentAdvancedParms", "ClientAuthType"),
        Some("ClientAuthType")
    );
    assert_eq!(keywords::canonical("NoSuchStatement", "Direction"), None);
    // Attributes belong to their statement only.
    assert_eq!(keywords::canonical("TTLSGroupAction", "Direction"), None);
}

#[test]
fn forms_files_and_inline_statements() {
    assert_eq!(keywords::form("tcpimage"), Some(Form::Line));
    assert_eq!(keywords::form("TTLSRule"), Some(Form::Block));
    assert_eq!(keywords::file_kind("TcpImage"), Some(FileKind::Main));
    assert_eq!(keywords::file_kind("CommonTTLSConfig"), Some(FileKind::Main));
    assert_eq!(keywords::file_kind("TTLSConfig"), Some(FileKind::Image));
    assert_eq!(keywords::file_kind("PortGroup"), Some(FileKind::Policy));
    assert!(keywords::is_inline("TTLSEnvironmentAction", "TTLSKeyringParms"));
    assert!(!keywords::is_inline("TTLSEnvironmentAction", "TTLSKeyringParmsRef"));
    assert!(keywords::is_inline("IpAddrGroup", "IpAddrSet"));
    let statements: Vec<&str> = keywords::statements().collect();
    for required in [
        "TTLSRule",
        "TTLSGroupAction",
        "TTLSEnvironmentAction",
        "TTLSConnectionAction",
        "TTLSKeyringParms",
        "TTLSCipherParms",
        "TTLSSignatureParms",
        "TTLSEnvironmentAdvancedParms",
        "TTLSConnectionAdvancedParms",
        "TTLSGroupAdvancedParms",
        "TTLSGskAdvancedParms",
        "IpAddr",
        "IpAddrSet",
        "IpAddrGroup",
        "PortRange",
        "PortGroup",
        "TcpImage",
        "LogLevel",
        "CommonTTLSConfig",
        "TTLSConfig",
    ] {
        assert!(statements.contains(&required), "{required}");
    }
    let advanced: Vec<&str> =
        keywords::attributes("TTLSEnvironmentAdvancedParms").expect("known").collect();
    for switch in ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "HandshakeTimeout"] {
        assert!(advanced.contains(&switch), "{switch}");
    }
    assert!(keywords::attributes("TTLSGskLdapParms").is_none());
}
