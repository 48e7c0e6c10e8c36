//! The one table of the script API: every builder, its arguments, its options (key, type,
//! default, allowed words) and the diagnostics it raises.
//!
//! The runtime reads this table to check options maps (`options.rs` accepts only the keys listed
//! here, checks each value against its [`Kind`], and takes defaults from [`Absent`]), and the
//! reference generator (`reference.rs`) renders the same rows into `docs/dsl.md`, `zat docs`
//! and the rhai definitions file. A builder reading an option this table does not declare, or
//! reading it as another kind, is an internal error that the tests catch.

use std::any::Any;

use zat_model::{
    Direction, ExportFormat, HandshakeRole, KeyAlgorithm, KeyUsage, RingAccess, Usage,
};

use crate::diagnose;

/// One builder (or plain function) a script calls.
pub(crate) struct Builder {
    pub(crate) name: &'static str,
    /// The type the builder is called on (`site.lpar(..)` is called on a `Fleet`); none for a
    /// plain function such as `fleet(name)`.
    pub(crate) receiver: Option<&'static str>,
    /// Positional arguments after the receiver.
    pub(crate) args: &'static [Arg],
    /// What the call returns, as a rhai type name (`()` for nothing).
    pub(crate) returns: &'static str,
    /// What the builder is for: one or more sentences.
    pub(crate) doc: &'static str,
    /// The keys of the trailing options map; empty when the builder takes no map.
    pub(crate) options: &'static [Opt],
    /// Whether the builder takes a trailing options map at all.
    pub(crate) takes_options: bool,
    /// Diagnostics the builder raises besides those every options map can raise.
    pub(crate) raises: &'static [&'static str],
    pub(crate) example: &'static str,
}

/// A positional argument.
pub(crate) struct Arg {
    pub(crate) name: &'static str,
    /// rhai type name (`string`, `Certificate`, ...).
    pub(crate) ty: &'static str,
    pub(crate) doc: &'static str,
}

/// One key of an options map.
pub(crate) struct Opt {
    pub(crate) key: &'static str,
    pub(crate) kind: Kind,
    pub(crate) default: Absent,
    pub(crate) doc: &'static str,
}

/// What values an option takes.
pub(crate) enum Kind {
    /// A string.
    Text,
    /// An integer.
    Int,
    /// `true` or `false`.
    Bool,
    /// An array of strings; one string is taken as an array of one.
    Texts,
    /// One word out of a fixed list, case-insensitive.
    Word(&'static dyn WordList),
    /// A name out of an open set (such as the ESMs plugins provide): a string of a fixed
    /// shape, which `expected` describes.
    Name { expected: &'static str },
    /// Several words out of a fixed list, case-insensitive.
    Words(&'static dyn WordList),
    /// A nested options map with its own keys.
    Map(&'static [Opt]),
    /// A port: `9443`, `[9000, 9010]` or `"9000-9010"`.
    Port,
    /// A handle of one of the script's types, or a string naming one. `expected` is how an
    /// error message says it; `shape` how the reference writes its type.
    Handle { shape: &'static str, expected: &'static str },
}

/// What an option is when the script leaves it out.
pub(crate) enum Absent {
    /// The builder fails without it.
    Required,
    /// Nothing: the model field stays empty.
    Unset,
    /// A value computed from something else; the text says from what.
    Derived(&'static str),
    Text(&'static str),
    Int(i64),
    Bool(bool),
    /// One word of the option's [`Kind::Word`] list.
    Word(&'static str),
}

/// A word list of an enumerated option, with the value each word stands for. The trait object
/// lets one table hold lists of different value types; `options.rs` gets the typed list back
/// with [`WordList::as_any`].
pub(crate) trait WordList: Sync {
    fn words(&self) -> Vec<&'static str>;
    fn as_any(&self) -> &dyn Any;
}

impl<T: Sync + Send + 'static> WordList for &'static [(&'static str, T)] {
    fn words(&self) -> Vec<&'static str> {
        self.iter().map(|(word, _)| *word).collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The typed word list behind an option of kind [`Kind::Word`] or [`Kind::Words`].
pub(crate) type Words<T> = &'static [(&'static str, T)];

pub(crate) const ALGORITHM_WORDS: Words<KeyAlgorithm> = &[
    ("rsa", KeyAlgorithm::Rsa),
    ("nistecc", KeyAlgorithm::Nistecc),
    ("bpecc", KeyAlgorithm::Bpecc),
];
pub(crate) const KEY_USAGE_WORDS: Words<KeyUsage> = &[
    ("handshake", KeyUsage::Handshake),
    ("dataencrypt", KeyUsage::Dataencrypt),
    ("docsign", KeyUsage::Docsign),
    ("certsign", KeyUsage::Certsign),
    ("keyagree", KeyUsage::Keyagree),
];
pub(crate) const FORMAT_WORDS: Words<ExportFormat> = &[
    ("certder", ExportFormat::Certder),
    ("certb64", ExportFormat::Certb64),
    ("pkcs7der", ExportFormat::Pkcs7der),
    ("pkcs7b64", ExportFormat::Pkcs7b64),
    ("pkcs12der", ExportFormat::Pkcs12der),
    ("pkcs12b64", ExportFormat::Pkcs12b64),
];
pub(crate) const ACCESS_WORDS: Words<RingAccess> =
    &[("facility", RingAccess::Facility), ("rdatalib", RingAccess::Rdatalib)];
pub(crate) const USAGE_WORDS: Words<Usage> =
    &[("personal", Usage::Personal), ("certauth", Usage::Certauth), ("site", Usage::Site)];
pub(crate) const DIRECTION_WORDS: Words<Direction> = &[
    ("inbound", Direction::Inbound),
    ("outbound", Direction::Outbound),
    ("both", Direction::Both),
];
pub(crate) const ROLE_WORDS: Words<HandshakeRole> = &[
    ("client", HandshakeRole::Client),
    ("server", HandshakeRole::Server),
    ("server_with_client_auth", HandshakeRole::ServerWithClientAuth),
];
/// TLS versions as a `tls: [...]` list may name them; the number is the switch it turns on
/// (0 SSLv2 ... 5 TLSv1.3).
/// `ClientAuthType` values, spelled as the policy writes them.
pub(crate) const CLIENT_AUTH_WORDS: Words<&'static str> = &[
    ("passthru", "PassThru"),
    ("full", "Full"),
    ("required", "Required"),
    ("safcheck", "SAFCheck"),
];
/// `Renegotiation` values, spelled as the policy writes them.
pub(crate) const RENEGOTIATION_WORDS: Words<&'static str> = &[
    ("default", "Default"),
    ("disabled", "Disabled"),
    ("all", "All"),
    ("abbreviated", "Abbreviated"),
];
/// z/OS releases whose Policy Agent defaults zat knows.
pub(crate) const RELEASE_WORDS: Words<&'static str> =
    &[("2.4", "2.4"), ("2.5", "2.5"), ("3.1", "3.1")];
pub(crate) const TLS_WORDS: Words<usize> = &[
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

const fn opt(key: &'static str, kind: Kind, default: Absent, doc: &'static str) -> Opt {
    Opt { key, kind, default, doc }
}

const fn arg(name: &'static str, ty: &'static str, doc: &'static str) -> Arg {
    Arg { name, ty, doc }
}

const KEYRING_REF: Kind = Kind::Handle {
    shape: "Keyring or \"OWNER/RING\"",
    expected: "a key ring or \"OWNER/RINGNAME\"",
};
const LEVEL_REF: Kind =
    Kind::Handle { shape: "SecurityLevel or string", expected: "a security level or its name" };

use Absent::{Bool, Derived, Int, Required, Text, Unset, Word};
use Kind::{Handle, Map, Port, Texts, Words as WordsOf};

const JOB_OPTIONS: &[Opt] = &[
    opt(
        "name_prefix",
        Kind::Text,
        Text("ZAT"),
        "Prefix of generated job names, 1-5 characters; emitters add a suffix up to 8.",
    ),
    opt("accounting", Kind::Text, Text("ACCT"), "Accounting information of the JOB card."),
    opt("programmer", Kind::Text, Text("ZAT"), "Programmer name of the JOB card."),
    opt("class", Kind::Text, Text("A"), "`CLASS=` of the JOB card."),
    opt("msgclass", Kind::Text, Text("X"), "`MSGCLASS=` of the JOB card."),
    opt(
        "notify",
        Kind::Text,
        Text("&SYSUID"),
        "`NOTIFY=` of the JOB card; an empty string leaves it out.",
    ),
];

const DEFAULTS_OPTIONS: &[Opt] = &[
    opt(
        "job",
        Map(JOB_OPTIONS),
        Derived("the JOB card below"),
        "Fields of the JOB card of every generated job; a card never carries a password.",
    ),
    opt(
        "hlq",
        Kind::Text,
        Text("ZAT"),
        "High-level qualifier of the data sets zat names (exports, OBEYFILE members): an `export_to` data set is put under it unless its name starts with it; an `import_ca` data set is not.",
    ),
    opt(
        "pagent_dir",
        Kind::Text,
        Text("/etc/pagent"),
        "z/OS UNIX folder of the Policy Agent files of LPARs that name none.",
    ),
    opt(
        "tcpparms",
        Kind::Text,
        Text("SYS1.TCPPARMS"),
        "Data set that holds the TCP/IP profile members.",
    ),
    opt(
        "program_conditional_permits",
        Kind::Bool,
        Bool(false),
        "Permit the Policy Agent through `WHEN(PROGRAM(...))` conditional access.",
    ),
    opt(
        "activate_classes",
        Kind::Bool,
        Bool(false),
        "Also write the one-time job with site-wide switches (`SETROPTS CLASSACT(...)`).",
    ),
];

const SUBJECT_OPTIONS: &[Opt] = &[
    opt("CN", Kind::Text, Unset, "Common name."),
    opt("T", Kind::Text, Unset, "Title."),
    opt("OU", Texts, Unset, "Organisational units, most specific first."),
    opt("O", Kind::Text, Unset, "Organisation."),
    opt("L", Kind::Text, Unset, "Locality."),
    opt("SP", Kind::Text, Unset, "State or province."),
    opt("C", Kind::Text, Unset, "Country, two letters."),
];

const CERT_OPTIONS: &[Opt] = &[
    opt("subject", Map(SUBJECT_OPTIONS), Unset, "Subject distinguished name."),
    opt("algorithm", Kind::Word(&ALGORITHM_WORDS), Word("rsa"), "Key algorithm."),
    opt("size", Kind::Int, Int(2048), "Key size in bits."),
    opt("not_before", Kind::Text, Unset, "First day of validity, `yyyy-mm-dd`."),
    opt("not_after", Kind::Text, Unset, "Last day of validity, `yyyy-mm-dd`."),
    opt(
        "key_usage",
        WordsOf(&KEY_USAGE_WORDS),
        Derived("`[\"certsign\"]` for a certificate authority, none otherwise"),
        "Key usages written into the certificate.",
    ),
    opt(
        "signed_by",
        Handle { shape: "Certificate or string", expected: "a certificate authority or its label" },
        Unset,
        "The certificate authority of the same database that signs it; self-signed when unset.",
    ),
    opt("alt_domain", Kind::Text, Unset, "Subject alternative name: one DNS name."),
    opt("alt_ip", Kind::Text, Unset, "Subject alternative name: one IP address."),
];

const IMPORT_OPTIONS: &[Opt] = &[opt(
    "dsn",
    Kind::Text,
    Required,
    "Data set that holds the certificate to add (for example a partner's CA), used as written: it is not put under the fleet's `hlq`, except when it names a data set an `export_to` of the fleet writes, which it follows. Qualifiers of 1-8 of A-Z 0-9 @ # $ (not starting with a digit), 44 characters in all.",
)];

const EXPORT_OPTIONS: &[Opt] = &[
    opt(
        "dsn",
        Kind::Text,
        Required,
        "Data set the certificate is exported to, put under the fleet's `hlq` (`defaults.hlq`, `ZAT` unless set) unless it starts with it: `SYS1.CA.CERT` becomes `ZAT.SYS1.CA.CERT`, so that a site with PROTECTALL can write it. Qualifiers of 1-8 of A-Z 0-9 @ # $ (not starting with a digit), 44 characters in all with the `hlq`.",
    ),
    opt("format", Kind::Word(&FORMAT_WORDS), Word("certb64"), "Export format."),
    opt(
        "password_env",
        Kind::Text,
        Unset,
        "Name of the environment variable that holds the PKCS#12 password where the security administrator fills in the setup job; zat never reads, writes or sends the password (the job carries <<SET-FROM-ENV:NAME>> and stops until it is replaced: warning ZAT0342, acknowledged with --allow ZAT0342).",
    ),
];

const KEYRING_OPTIONS: &[Opt] = &[
    opt(
        "access",
        Kind::Word(&ACCESS_WORDS),
        Word("facility"),
        "How other users get at the ring: FACILITY `IRR.DIGTCERT.LISTRING`, or an RDATALIB profile (which lets readers use the owner's private key).",
    ),
    opt("readers", Texts, Unset, "User IDs besides the owner that open the ring."),
];

const USAGE_OPTION: Opt = opt(
    "usage",
    Kind::Word(&USAGE_WORDS),
    Derived("from the certificate's owner: certauth, site, or personal for a user ID"),
    "Usage of the certificate in the ring.",
);

const CONNECT_OPTIONS: &[Opt] = &[
    opt(
        "default",
        Kind::Bool,
        Bool(false),
        "Connect as the ring's DEFAULT certificate (`default` is a rhai keyword: quote the key, or call `connect_default`).",
    ),
    USAGE_OPTION,
];

const CONNECT_DEFAULT_OPTIONS: &[Opt] = &[USAGE_OPTION];

const LEVEL_OPTIONS: &[Opt] = &[
    opt(
        "tls",
        WordsOf(&TLS_WORDS),
        Derived("`[\"1.2\", \"1.3\"]`"),
        "The TLS versions switched on; every other version is off.",
    ),
    opt("sslv2", Kind::Bool, Derived("from `tls`"), "Switch SSLv2 on or off."),
    opt("sslv3", Kind::Bool, Derived("from `tls`"), "Switch SSLv3 on or off."),
    opt("tlsv1", Kind::Bool, Derived("from `tls`"), "Switch TLSv1.0 on or off."),
    opt("tlsv1_1", Kind::Bool, Derived("from `tls`"), "Switch TLSv1.1 on or off."),
    opt("tlsv1_2", Kind::Bool, Derived("from `tls`"), "Switch TLSv1.2 on or off."),
    opt("tlsv1_3", Kind::Bool, Derived("from `tls`"), "Switch TLSv1.3 on or off."),
    opt(
        "ciphers",
        Texts,
        Derived(
            "those of 1302 1301 1303 C030 C02F C02C C02B that the versions switched on can use",
        ),
        "Cipher suites as System SSL 4-character codes, in order of preference.",
    ),
    opt(
        "signature_pairs",
        Texts,
        Derived("the System SSL default"),
        "Signature algorithm pairs as 4-hex-digit codes such as `0401`.",
    ),
    opt(
        "curves",
        Texts,
        Derived("the System SSL default"),
        "Elliptic curves and key share groups as 4-digit codes such as `0023`.",
    ),
    opt(
        "handshake_timeout",
        Kind::Int,
        Derived("the AT-TLS default"),
        "Seconds a handshake may take.",
    ),
    opt("fips", Kind::Bool, Bool(false), "Run System SSL in FIPS 140-2 mode."),
    opt(
        "system_ssl_ciphers",
        Kind::Bool,
        Unset,
        "Write no cipher list unless `ciphers` gives one, so that System SSL's default list applies (as in a policy without a cipher statement).",
    ),
    opt(
        "client_auth",
        Kind::Word(&CLIENT_AUTH_WORDS),
        Unset,
        "`ClientAuthType` of a server with client authentication (Policy Agent's default when unset).",
    ),
    opt(
        "application_controlled",
        Kind::Bool,
        Unset,
        "`ApplicationControlled`: the application starts TLS itself (STARTTLS, TN3270); Policy Agent's default when unset.",
    ),
    opt(
        "renegotiation",
        Kind::Word(&RENEGOTIATION_WORDS),
        Unset,
        "`Renegotiation` (Policy Agent's default when unset).",
    ),
    opt(
        "key_share_groups",
        Texts,
        Unset,
        "`ClientKeyShareGroups` as 4-digit codes (the System SSL default when unset).",
    ),
    opt(
        "server_key_share_groups",
        Texts,
        Unset,
        "`ServerKeyShareGroups` as 4-digit codes (the System SSL default when unset).",
    ),
    opt(
        "environment_user_instance",
        Kind::Int,
        Unset,
        "`EnvironmentUserInstance` (Policy Agent's default when unset).",
    ),
];

const SERVER_OPTIONS: &[Opt] = &[
    opt("host", Kind::Text, Required, "Host name requesters connect to."),
    opt("ip", Kind::Text, Unset, "IP address of the server, for rules that filter on it."),
    opt("http_port", Kind::Int, Int(9080), "HTTP port."),
    opt("https_port", Kind::Int, Int(9443), "HTTPS port."),
    opt(
        "inbound_attls",
        Kind::Bool,
        Bool(false),
        "An inbound AT-TLS rule protects the HTTP port (the server listens in clear text).",
    ),
    opt(
        "lpar",
        Handle { shape: "Lpar or string", expected: "an LPAR or its name" },
        Derived("the LPAR of `stack` when it is a handle"),
        "The LPAR the server runs on, when it is in the fleet.",
    ),
    opt(
        "stack",
        Handle { shape: "Stack or string", expected: "a TCP/IP stack or its name" },
        Unset,
        "The TCP/IP stack the server runs on, when it is in the fleet.",
    ),
    opt("jobname", Kind::Text, Unset, "Job name of the server (its inbound rule filters on it)."),
    opt("userid", Kind::Text, Unset, "User ID of the server (it reads the server's ring)."),
    opt("keyring", KEYRING_REF, Unset, "The server's own key ring."),
    opt("server_label", Kind::Text, Unset, "Label of the server's certificate in its ring."),
    opt("client_auth", Kind::Bool, Bool(false), "Ask clients for a certificate."),
    opt("level", LEVEL_REF, Unset, "Security level of the server's inbound rule."),
];

const PAGENT_OPTIONS: &[Opt] = &[
    opt("jobname", Kind::Text, Text("PAGENT"), "Job name of the Policy Agent."),
    opt("userid", Kind::Text, Text("PAGENT"), "User ID of the Policy Agent."),
    opt(
        "config_dir",
        Kind::Text,
        Derived("`pagent_dir` of `site.defaults(..)`"),
        "z/OS UNIX folder of the main, image and policy files.",
    ),
    opt("log_level", Kind::Int, Int(31), "Policy Agent `LogLevel`."),
    opt("flush", Kind::Bool, Bool(true), "`FLUSH` (or `NOFLUSH`) on the `TcpImage` statement."),
    opt("purge", Kind::Bool, Bool(false), "`PURGE` (or `NOPURGE`) on the `TcpImage` statement."),
    opt(
        "refresh_interval",
        Kind::Int,
        Int(zat_model::NO_REFRESH_TIMER),
        "Seconds between Policy Agent's checks for changed policy files (`TcpImage` refresh interval); the default, 2147483647, turns the timer off, so placed files take effect only at the runbook's refresh (Policy Agent's own default is 1800).",
    ),
    opt(
        "release",
        Kind::Word(&RELEASE_WORDS),
        Unset,
        "z/OS release of the LPAR, whose documented Policy Agent defaults zat applies when it reads the installed policy (3.1 when unset).",
    ),
];

const SYSLOG_OPTIONS: &[Opt] = &[
    opt("jobname", Kind::Text, Text("SYSLOGD"), "Job name of syslogd."),
    opt("config_path", Kind::Text, Text("/etc/syslog.conf"), "Path of the configuration file."),
    opt("attls_log", Kind::Text, Text("/var/log/attls.log"), "File that receives AT-TLS messages."),
    opt(
        "attls_level",
        Kind::Text,
        Text("info"),
        "Priority of AT-TLS messages (`emerg` ... `debug`).",
    ),
    opt(
        "pagent_log",
        Kind::Text,
        Text("/var/log/pagent.log"),
        "File that receives Policy Agent messages.",
    ),
    opt("pagent_level", Kind::Text, Text("info"), "Priority of Policy Agent messages."),
    opt("error_log", Kind::Text, Unset, "Catch-all file for `*.err`."),
];

const LPAR_OPTIONS: &[Opt] = &[
    opt(
        "security_database",
        Handle { shape: "SecurityDatabase or string", expected: "a security database or its name" },
        Derived("the fleet's only security database; required when there are several"),
        "The security database the LPAR uses.",
    ),
    opt("pagent", Map(PAGENT_OPTIONS), Derived("the settings below"), "Policy Agent settings."),
    opt("syslog", Map(SYSLOG_OPTIONS), Derived("the settings below"), "syslogd settings."),
];

const STACK_OPTIONS: &[Opt] = &[
    opt("ttls", Kind::Bool, Bool(true), "AT-TLS on for this stack (`TCPCONFIG TTLS`)."),
    opt(
        "initstack_users",
        Texts,
        Unset,
        "Users permitted to `EZB.INITSTACK` besides the Policy Agent.",
    ),
    opt(
        "autolog_pagent",
        Kind::Bool,
        Bool(false),
        "Write `AUTOLOG PAGENT` in the profile snippet.",
    ),
    opt("syslogd_port", Kind::Bool, Bool(false), "Reserve UDP port 514 for syslogd."),
];

const RULE_OPTIONS: &[Opt] = &[
    opt("direction", Kind::Word(&DIRECTION_WORDS), Required, "Direction of the connections."),
    opt(
        "local_addr",
        Kind::Text,
        Unset,
        "Local address, `addr/prefix` or `addr-addr`; any when unset.",
    ),
    opt(
        "remote_addr",
        Kind::Text,
        Unset,
        "Remote address, `addr/prefix` or `addr-addr`; any when unset.",
    ),
    opt("local_port", Port, Unset, "Local port or port range; any when unset."),
    opt("remote_port", Port, Unset, "Remote port or port range; any when unset."),
    opt("jobname", Kind::Text, Unset, "Job name filter; a trailing `*` is a wildcard."),
    opt("userid", Kind::Text, Unset, "User ID filter; a trailing `*` is a wildcard."),
    opt(
        "priority",
        Kind::Int,
        Derived("assigned by expansion, most specific rule highest"),
        "Rule priority; the higher wins.",
    ),
    opt("enabled", Kind::Bool, Bool(true), "`TTLSEnabled On`; `false` makes clear text explicit."),
    opt(
        "role",
        Kind::Word(&ROLE_WORDS),
        Derived("client for outbound rules, server otherwise"),
        "Handshake role.",
    ),
    opt("keyring", KEYRING_REF, Unset, "Key ring of the connection."),
    opt("label", Kind::Text, Unset, "Certificate label to present instead of the ring's DEFAULT."),
    opt(
        "server_label",
        Kind::Text,
        Unset,
        "`ServerCertificateLabel`: the certificate a server rule presents (instead of the ring's DEFAULT).",
    ),
    opt("level", LEVEL_REF, Text("DEFAULT"), "Security level of the rule."),
    opt("trace", Kind::Int, Int(2), "AT-TLS trace mask, 0-255."),
];

const BASIC_AUTH_OPTIONS: &[Opt] = &[
    opt("username", Kind::Text, Required, "User name sent as `BAQUSERNAME` (not a secret)."),
    opt(
        "password_from",
        Kind::Text,
        Required,
        "Name of the JCL symbol or variable that supplies `BAQPASSWORD` at run time.",
    ),
];

const REQUESTER_OPTIONS: &[Opt] = &[
    opt("jobname", Kind::Text, Required, "Job name of the application."),
    opt("userid", Kind::Text, Required, "User ID of the application."),
    opt(
        "server",
        Handle {
            shape: "ZosConnectServer or string",
            expected: "a z/OS Connect server or its name",
        },
        Required,
        "The z/OS Connect server it calls.",
    ),
    opt("keyring", KEYRING_REF, Required, "Key ring of the outbound connection."),
    opt("level", LEVEL_REF, Text("DEFAULT"), "Security level of the derived outbound rule."),
    opt(
        "client_label",
        Kind::Text,
        Unset,
        "Client certificate to present when the server asks for one.",
    ),
    opt(
        "priority",
        Kind::Int,
        Derived("assigned by expansion"),
        "Priority of the derived outbound rule.",
    ),
    opt("posix", Kind::Bool, Bool(true), "Write `POSIX(ON)` in CEEOPTS."),
    opt(
        "basic_auth",
        Map(BASIC_AUTH_OPTIONS),
        Unset,
        "Where the basic-auth credentials come from; never the password itself.",
    ),
];

/// Every builder and function of the script API, in the order the reference lists them.
pub(crate) const BUILDERS: &[Builder] = &[
    Builder {
        name: "fleet",
        receiver: None,
        args: &[arg("name", "string", "Name of the fleet (the site).")],
        returns: "Fleet",
        doc: "Creates the fleet; a script calls it exactly once and builds everything from the handle it returns.",
        options: &[],
        takes_options: false,
        raises: &[diagnose::SECOND_FLEET],
        example: "let site = fleet(\"MYCOM\");",
    },
    Builder {
        name: "param",
        receiver: None,
        args: &[
            arg("name", "string", "Parameter name, as `--set NAME=VALUE` gives it."),
            arg(
                "default",
                "string | int | bool | float",
                "Value when the parameter is not set; its type is the type of the result.",
            ),
        ],
        returns: "string | int | bool | float",
        doc: "A `--set` parameter converted to the type of its default, or the default when it is not set. The `params` map holds every parameter as given.",
        options: &[],
        takes_options: false,
        raises: &[diagnose::BAD_PARAM],
        example: "for i in 1..=param(\"lpars\", 2) { site.lpar(`SYS${i}`); }",
    },
    Builder {
        name: "defaults",
        receiver: Some("Fleet"),
        args: &[],
        returns: "Fleet",
        doc: "Site-wide settings. Options left out keep their value, so it may be called several times, before or after the LPARs.",
        options: DEFAULTS_OPTIONS,
        takes_options: true,
        raises: &[],
        example: "site.defaults(#{ hlq: \"SYS2.ZAT\", job: #{ class: \"B\", notify: \"\" } });",
    },
    Builder {
        name: "security_database",
        receiver: Some("Fleet"),
        args: &[arg("name", "string", "Name of the security database.")],
        returns: "SecurityDatabase",
        doc: "A security database (RACF, ACF2, Top Secret, or another ESM a plugin writes jobs for). Certificates and key rings belong to it; LPARs that share it share them.",
        options: &[opt(
            "esm",
            Kind::Name {
                expected: "racf, acf2, tss, or the name a site plugin provides as esm:<name> (1-16 of a-z 0-9 _ -, starting with a letter)",
            },
            Text("racf"),
            "External security manager: `racf` (built in), `acf2` or `tss` (site plugins), or the name another plugin provides as `esm:<name>`.",
        )],
        takes_options: true,
        raises: &[],
        example: "let db = site.security_database(\"PLEX1\", #{ esm: \"racf\" });",
    },
    Builder {
        name: "security_level",
        receiver: Some("Fleet"),
        args: &[arg(
            "name",
            "string",
            "Name of the level, which rules and requesters give as `level`.",
        )],
        returns: "SecurityLevel",
        doc: "A reusable set of TLS settings that rules and API requesters name. Rules that name none use `DEFAULT`, created with the defaults below unless the script defines it.",
        options: LEVEL_OPTIONS,
        takes_options: true,
        raises: &[],
        example: "let modern = site.security_level(\"MODERN\", #{ tls: [\"1.3\"] });",
    },
    Builder {
        name: "zos_connect_server",
        receiver: Some("Fleet"),
        args: &[arg("name", "string", "Name of the server, which requesters give as `server`.")],
        returns: "ZosConnectServer",
        doc: "A z/OS Connect server that API requesters call, in the fleet or outside it.",
        options: SERVER_OPTIONS,
        takes_options: true,
        raises: &[],
        example: "let zc = site.zos_connect_server(\"ZCEE1\", #{ host: \"zcee.example.com\", https_port: 9443 });",
    },
    Builder {
        name: "lpar",
        receiver: Some("Fleet"),
        args: &[arg("name", "string", "MVS system name (&SYSNAME), 1-8 characters.")],
        returns: "Lpar",
        doc: "An LPAR: one z/OS image with its Policy Agent, syslogd and TCP/IP stacks.",
        options: LPAR_OPTIONS,
        takes_options: true,
        raises: &[diagnose::MISSING],
        example: "let sysa = site.lpar(\"SYSA\", #{ security_database: db, pagent: #{ log_level: 15 } });",
    },
    Builder {
        name: "certificate_authority",
        receiver: Some("SecurityDatabase"),
        args: &[arg(
            "label",
            "string",
            "Certificate label, 1-32 characters, case kept: A-Z a-z 0-9 _ - . @ # $; blanks between words only in a RACF label that no AT-TLS rule or z/OS Connect server names.",
        )],
        returns: "Certificate",
        doc: "A certificate authority (owner CERTAUTH) that zat generates on z/OS.",
        options: CERT_OPTIONS,
        takes_options: true,
        raises: &[diagnose::OTHER_DATABASE],
        example: "let ca = db.certificate_authority(\"MYCOM CA\", #{ subject: #{ CN: \"MYCOM CA\", O: \"MYCOM\" }, size: 4096 });",
    },
    Builder {
        name: "certificate",
        receiver: Some("SecurityDatabase"),
        args: &[
            arg("owner", "string", "A user ID, or `CERTAUTH` or `SITE`."),
            arg(
                "label",
                "string",
                "Certificate label, 1-32 characters, case kept: A-Z a-z 0-9 _ - . @ # $; blanks between words only in a RACF label that no AT-TLS rule or z/OS Connect server names.",
            ),
        ],
        returns: "Certificate",
        doc: "A certificate that zat generates on z/OS, usually signed by a certificate authority of the same database.",
        options: CERT_OPTIONS,
        takes_options: true,
        raises: &[diagnose::OTHER_DATABASE],
        example: "let cert = db.certificate(\"OMVSADM\", \"SERVER1\", #{ signed_by: ca, alt_domain: \"sysa.example.com\" });",
    },
    Builder {
        name: "import_ca",
        receiver: Some("SecurityDatabase"),
        args: &[arg(
            "label",
            "string",
            "Label the certificate gets, 1-32 characters, case kept: A-Z a-z 0-9 _ - . @ # $; blanks between words only in a RACF label that no AT-TLS rule or z/OS Connect server names.",
        )],
        returns: "Certificate",
        doc: "A certificate authority added from a data set (owner CERTAUTH), such as a partner's CA.",
        options: IMPORT_OPTIONS,
        takes_options: true,
        raises: &[],
        example: "let partner = db.import_ca(\"PARTNER CA\", #{ dsn: \"SYS2.PARTNER.CACERT\" });",
    },
    Builder {
        name: "existing_certificate",
        receiver: Some("SecurityDatabase"),
        args: &[
            arg("owner", "string", "A user ID, or `CERTAUTH` or `SITE`."),
            arg(
                "label",
                "string",
                "Its label in the security database, 1-32 characters: A-Z a-z 0-9 _ - . @ # $; blanks between words only in a RACF label that no AT-TLS rule or z/OS Connect server names.",
            ),
        ],
        returns: "Certificate",
        doc: "A certificate already in the security database: rings connect it, the jobs never create, export or delete it. It takes no options.",
        options: &[],
        takes_options: true,
        raises: &[],
        example: "let root = db.existing_certificate(\"CERTAUTH\", \"Site Root CA\");",
    },
    Builder {
        name: "keyring",
        receiver: Some("SecurityDatabase"),
        args: &[
            arg("owner", "string", "User ID that owns the ring."),
            arg(
                "name",
                "string",
                "Ring name, case kept: 1-42 of A-Z a-z 0-9 _ - . @ # $ (RACF allows 237, but every job writes the name whole on one 71-column line).",
            ),
        ],
        returns: "Keyring",
        doc: "A key ring owned by a user ID.",
        options: KEYRING_OPTIONS,
        takes_options: true,
        raises: &[],
        example: "let ring = db.keyring(\"OMVSADM\", \"ATTLS\", #{ readers: [\"ZCUSER\"] });",
    },
    Builder {
        name: "export_to",
        receiver: Some("Certificate"),
        args: &[],
        returns: "Certificate",
        doc: "Exports the certificate to a data set under the fleet's `hlq`.",
        options: EXPORT_OPTIONS,
        takes_options: true,
        raises: &[],
        example: "ca.export_to(#{ dsn: \"ZAT.CA.CERT\", format: \"certb64\" });",
    },
    Builder {
        name: "connect",
        receiver: Some("Keyring"),
        args: &[arg("cert", "Certificate", "A certificate of the ring's own database.")],
        returns: "Keyring",
        doc: "Connects a certificate to the ring.",
        options: CONNECT_OPTIONS,
        takes_options: true,
        raises: &[diagnose::OTHER_DATABASE],
        example: "ring.connect(ca);",
    },
    Builder {
        name: "connect_default",
        receiver: Some("Keyring"),
        args: &[arg("cert", "Certificate", "A certificate of the ring's own database.")],
        returns: "Keyring",
        doc: "Connects a certificate as the ring's DEFAULT.",
        options: CONNECT_DEFAULT_OPTIONS,
        takes_options: true,
        raises: &[diagnose::OTHER_DATABASE],
        example: "ring.connect_default(cert);",
    },
    Builder {
        name: "stack",
        receiver: Some("Lpar"),
        args: &[arg("name", "string", "TCP/IP procedure (job) name, 1-8 characters.")],
        returns: "Stack",
        doc: "A TCP/IP stack on the LPAR.",
        options: STACK_OPTIONS,
        takes_options: true,
        raises: &[],
        example: "let tcpip = sysa.stack(\"TCPIP\", #{ autolog_pagent: true });",
    },
    Builder {
        name: "rule",
        receiver: Some("Stack"),
        args: &[arg("name", "string", "Rule name, at most 32 characters.")],
        returns: "()",
        doc: "An AT-TLS rule on the stack.",
        options: RULE_OPTIONS,
        takes_options: true,
        raises: &[],
        example: "tcpip.rule(\"CICS_IN\", #{ direction: \"inbound\", local_port: 3000, keyring: ring, level: modern });",
    },
    Builder {
        name: "api_requester",
        receiver: Some("Stack"),
        args: &[arg("name", "string", "Name of the application.")],
        returns: "()",
        doc: "A z/OS application that calls a z/OS Connect server; expansion derives its outbound rule and CEEOPTS.",
        options: REQUESTER_OPTIONS,
        takes_options: true,
        raises: &[],
        example: "tcpip.api_requester(\"PAYAPP\", #{ jobname: \"PAY*\", userid: \"PAYUSER\", server: zc, keyring: ring });",
    },
];

/// The handle types a script holds, with what each is.
pub(crate) const TYPES: &[(&str, &str)] = &[
    ("Fleet", "The whole fleet, returned by `fleet(name)`."),
    ("SecurityDatabase", "A security database, returned by `site.security_database(..)`."),
    ("Certificate", "A certificate of one security database."),
    ("Keyring", "A key ring of one security database."),
    ("SecurityLevel", "A named set of TLS settings."),
    ("ZosConnectServer", "A z/OS Connect server."),
    ("Lpar", "An LPAR of the fleet."),
    ("Stack", "A TCP/IP stack of an LPAR."),
];

/// Read-only properties of the handle types: (type, property, what it is).
pub(crate) const PROPERTIES: &[(&str, &str, &str)] = &[
    ("Fleet", "name", "Name of the fleet."),
    ("SecurityDatabase", "name", "Name of the database."),
    ("Certificate", "label", "Label of the certificate."),
    ("Certificate", "owner", "Owner: a user ID, `CERTAUTH` or `SITE`."),
    ("Keyring", "name", "Name of the ring."),
    ("Keyring", "owner", "User ID that owns the ring."),
    ("SecurityLevel", "name", "Name of the level."),
    ("ZosConnectServer", "name", "Name of the server."),
    ("Lpar", "name", "System name of the LPAR."),
    ("Stack", "name", "Name of the stack."),
];

/// The row of a builder.
pub(crate) fn builder(name: &str) -> Option<&'static Builder> {
    BUILDERS.iter().find(|b| b.name == name)
}

impl Kind {
    /// How an error message names the values this kind accepts.
    pub(crate) fn expected(&self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Int => "an integer",
            Kind::Bool => "true or false",
            Kind::Texts | Kind::Words(_) => "an array of strings",
            Kind::Word(_) => "a string",
            Kind::Name { expected } => expected,
            Kind::Map(_) => "an object map `#{ ... }`",
            Kind::Port => "a port number, [low, high] or \"low-high\"",
            Kind::Handle { expected, .. } => expected,
        }
    }

    /// How the reference writes the type.
    pub(crate) fn shape(&self) -> &'static str {
        match self {
            Kind::Text | Kind::Word(_) | Kind::Name { .. } => "string",
            Kind::Int => "int",
            Kind::Bool => "bool",
            Kind::Texts => "[string] or string",
            Kind::Words(_) => "[string]",
            Kind::Map(_) => "map",
            Kind::Port => "int, [int, int] or \"low-high\"",
            Kind::Handle { shape, .. } => shape,
        }
    }

    /// The allowed words, for enumerated kinds.
    pub(crate) fn words(&self) -> Option<Vec<&'static str>> {
        match self {
            Kind::Word(list) | Kind::Words(list) => Some(list.words()),
            _ => None,
        }
    }
}

/// The variable a script usually holds a handle of type `ty` in, for usage lines.
pub(crate) fn variable(ty: &str) -> &'static str {
    match ty {
        "Fleet" => "site",
        "SecurityDatabase" => "db",
        "Certificate" => "cert",
        "Keyring" => "ring",
        "SecurityLevel" => "level",
        "ZosConnectServer" => "server",
        "Lpar" => "lpar",
        _ => "stack",
    }
}

/// How a call is written: `site.lpar(name, #{ security_database, pagent, syslog })`.
pub(crate) fn usage(builder: &Builder) -> String {
    let receiver = builder.receiver.map(|ty| format!("{}.", variable(ty))).unwrap_or_default();
    let mut args: Vec<String> = builder.args.iter().map(|arg| arg.name.to_owned()).collect();
    if !builder.options.is_empty() {
        let keys: Vec<&str> = builder.options.iter().map(|opt| opt.key).collect();
        args.push(format!("#{{ {} }}", keys.join(", ")));
    }
    format!("{receiver}{}({})", builder.name, args.join(", "))
}

/// Every option of `options`, nested maps flattened: (`pagent.jobname`, row).
pub(crate) fn flatten(options: &'static [Opt]) -> Vec<(String, &'static Opt)> {
    let mut all = Vec::new();
    for opt in options {
        all.push((opt.key.to_owned(), opt));
        if let Kind::Map(inner) = opt.kind {
            all.extend(
                flatten(inner).into_iter().map(|(key, row)| (format!("{}.{key}", opt.key), row)),
            );
        }
    }
    all
}

/// The diagnostics a builder may raise: those of its options map (from the kinds of its
/// options), then its own.
pub(crate) fn raises(builder: &Builder) -> Vec<&'static str> {
    let mut codes = Vec::new();
    let rows = flatten(builder.options);
    if builder.takes_options {
        codes.push(diagnose::UNKNOWN_OPTION);
    }
    if !rows.is_empty() {
        codes.push(diagnose::WRONG_TYPE);
    }
    // Words, ports and a handle whose string form has a shape (quoted in its message) can be
    // of the right type and still not allowed.
    let shaped = |kind: &Kind| match kind {
        Kind::Word(_) | Kind::Words(_) | Kind::Name { .. } | Kind::Port => true,
        Kind::Handle { expected, .. } => expected.contains('"'),
        _ => false,
    };
    if rows.iter().any(|(_, opt)| shaped(&opt.kind)) {
        codes.push(diagnose::NOT_ALLOWED);
    }
    if rows.iter().any(|(_, opt)| matches!(opt.default, Absent::Required)) {
        codes.push(diagnose::MISSING);
    }
    for code in builder.raises {
        if !codes.contains(code) {
            codes.push(code);
        }
    }
    codes
}
