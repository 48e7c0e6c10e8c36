//! `zat explain CODE`: the long help of every diagnostic code, kept in one table.
//!
//! To add a code, add one row to [`CODES`] (keep it sorted by code). Script runtime codes are
//! ZAT0001-ZAT0099; the core uses ZAT01xx-ZAT03xx.

use crate::Exit;
use crate::common;
use crate::report;

/// One diagnostic code: its short title and its long explanation (plain text).
pub(crate) struct Code {
    pub(crate) code: &'static str,
    pub(crate) title: &'static str,
    pub(crate) explanation: &'static str,
}

const fn row(code: &'static str, title: &'static str, explanation: &'static str) -> Code {
    Code { code, title, explanation }
}

/// Every code zat emits, sorted.
pub(crate) const CODES: &[Code] = &[
    // ---- script runtime (zat-script) ----
    row(
        "ZAT0001",
        "cannot read the fleet script",
        "zat could not open or read the script file named on the command line.\n\
         Check the path and the file's permissions. This is a usage failure (exit code 2).",
    ),
    row(
        "ZAT0002",
        "syntax error in the script",
        "The script, or a library it imports, is not valid rhai.\n\
         The caret points at the first token rhai could not parse; the mistake is often just\n\
         before it (a missing `;`, `)` or `}`). `eval` is disabled in fleet scripts and is\n\
         reported here too, as is a script that is not UTF-8 text (saved in another encoding):\n\
         the place is its first invalid byte. A UTF-8 byte order mark at the start is skipped.",
    ),
    row(
        "ZAT0003",
        "unknown function or method, or wrong argument types",
        "The script calls a function or method that does not exist for the value it is\n\
         called on, or passes arguments of the wrong type (for example a number where a\n\
         name is expected, or a key ring where a certificate is expected).\n\
         Check the spelling against the builder API: fleet(), defaults(), security_database(),\n\
         certificate_authority(), certificate(), import_ca(), existing_certificate(),\n\
         export_to(), keyring(), connect(), connect_default(),\n\
         security_level(), zos_connect_server(), lpar(), stack(), rule(), api_requester().",
    ),
    row(
        "ZAT0004",
        "unknown option key",
        "An options map (`#{ ... }`) passed to a builder contains a key that builder does not\n\
         accept. Every key is checked so that a typo cannot silently drop a setting.\n\
         The message lists the keys the builder accepts.",
    ),
    row(
        "ZAT0005",
        "option value has the wrong type",
        "An option has a value of the wrong type, for example a string where a number is\n\
         expected (`http_port: \"9080\"`), or a name where a handle is expected.\n\
         Numbers are checked for range later (ZAT01xx); only the type is checked here.",
    ),
    row(
        "ZAT0006",
        "option value is not one of the allowed words",
        "An option that takes one of a fixed set of words (esm, direction, role, usage,\n\
         format, key_usage, algorithm, access, TLS versions) has another value.\n\
         The message lists the allowed words; case does not matter.",
    ),
    row(
        "ZAT0007",
        "required option missing",
        "A builder needs an option that the options map does not give, for example `host`\n\
         for a z/OS Connect server or `dsn` for an imported CA.",
    ),
    row(
        "ZAT0008",
        "the script never calls fleet()",
        "A fleet script must create its fleet with `let site = fleet(\"NAME\");` exactly once.",
    ),
    row(
        "ZAT0009",
        "fleet() called more than once",
        "A fleet script describes one fleet. Create it once and pass the handle to your\n\
         functions and libraries instead of calling fleet() again.",
    ),
    row(
        "ZAT0010",
        "bad script parameter",
        "A `--set KEY=VALUE` value cannot be read as the type of the default given to\n\
         `param(\"KEY\", default)`: an integer default needs an integer, a boolean default\n\
         needs true or false.",
    ),
    row(
        "ZAT0011",
        "object from another security database",
        "Certificates and key rings belong to one security database. A ring can only connect\n\
         certificates of its own database, and a certificate can only be signed by a CA of\n\
         its own database. To trust a CA of another database, export it there and add it\n\
         here with import_ca(label, #{ dsn: ... }).",
    ),
    row(
        "ZAT0012",
        "script parameter read nowhere",
        "A `--set KEY=VALUE` (or `[params]` in zat.toml) names a parameter that appears nowhere\n\
         in the script, the other scripts of its folder or the library folders: it is most\n\
         likely misspelt, and the script runs with its default. zat finds parameters by their\n\
         name in the text (`param(\"KEY\", ...)`, `params.KEY`), so a name the script builds\n\
         at run time is reported too (warning; `--allow ZAT0012` acknowledges it).",
    ),
    row(
        "ZAT0020",
        "too many operations",
        "The script ran more operations than the sandbox allows; it probably loops forever.\n\
         Check loop conditions; fleet scripts only need to build objects.",
    ),
    row(
        "ZAT0021",
        "the script ran past its deadline",
        "The script ran longer than the wall-clock deadline (10 s unless `--timeout` says\n\
         otherwise); it probably loops forever. Raise `--timeout` only for very large fleets.",
    ),
    row(
        "ZAT0022",
        "calls nested too deeply",
        "Function calls nested deeper than the sandbox allows, usually unbounded recursion:\n\
         a function that calls itself without a condition that stops it.",
    ),
    row(
        "ZAT0023",
        "value too large",
        "A string, array or object map grew beyond the sandbox's size limit. The limits count\n\
         one value in all, with the values nested in it: 16 MiB of text, 100000 array items\n\
         and 200000 map entries. An inventory of thousands of LPARs fits; a loop that only\n\
         grows a value does not.",
    ),
    row(
        "ZAT0024",
        "expression nested too deeply",
        "An expression or block is nested deeper than the sandbox allows (64 levels). Each operator\n\
         counts as a level, as do the calls, indexes and brackets around it: a flat sum `1 + 1 + ... + 1`\n\
         of more than 64 terms is as deep as 64 nested brackets. Split it with `let` variables or\n\
         functions, or add up an array's items in a loop.",
    ),
    row("ZAT0025", "too many modules", "The script imports more modules than the sandbox allows."),
    row(
        "ZAT0026",
        "script too large",
        "The fleet script is larger than 16 MiB and is refused before it is read. A fleet script\n\
         is far smaller; a script that large is usually a generated one or a mistake.\n\
         A library larger than the limit is refused at its import (ZAT0031).",
    ),
    row(
        "ZAT0030",
        "import refused",
        "Imports are resolved only inside the script's own folder and the `--lib` folders.\n\
         Absolute paths, `..` that leaves those folders, and symbolic links that point out of\n\
         them are refused. Copy the library into one of the folders, or pass its folder\n\
         with `--lib DIR`.",
    ),
    row(
        "ZAT0031",
        "import not found",
        "No `NAME.rhai` was found for an `import \"NAME\"` in the script's folder or the\n\
         `--lib` folders. The message lists where zat looked.",
    ),
    row(
        "ZAT0032",
        "import cycle",
        "A library imports, directly or through other libraries, a file that is still being\n\
         loaded: the script itself (`import \"fleet\"` in fleet.rhai) or a library on the way to\n\
         it (a.rhai imports b.rhai, which imports a.rhai). The message names the whole cycle.\n\
         Move what both files need into a third library that imports neither.",
    ),
    row(
        "ZAT0040",
        "script error",
        "The script failed at run time: an undefined variable, an operation on values of the\n\
         wrong type, a division by zero, an index out of range.",
    ),
    row(
        "ZAT0041",
        "the script threw an error",
        "The script (or a site library) ran `throw`. The message is the thrown value: a string in\n\
         quotes (control characters shown as `?`), a builder's handle by what it stands for\n\
         (`a fleet`, `a key ring`), anything else as rhai writes it.",
    ),
    // ---- model validation (zat-core) ----
    row(
        "ZAT0101",
        "name is not a valid z/OS name",
        "System names, job names, user IDs, security database names and the job name prefix are\n\
         1-8 characters (the prefix 1-5) from A-Z 0-9 @ # $, not starting with a digit, in upper case.\n\
         Job name and user ID filters in rules may end with `*`. JOB card CLASS and MSGCLASS must be\n\
         upper-case letters or digits, and the programmer name at most 20 characters.",
    ),
    row(
        "ZAT0103",
        "certificate label is not usable",
        "A label is 1-32 characters A-Z a-z 0-9 _ - . @ # $. Blanks between words are allowed in\n\
         the label of a RACF certificate that no AT-TLS rule or z/OS Connect server names (zat\n\
         quotes every label in its RACDCERT commands, and real sites have labels like `Site Root\n\
         CA`). A label a policy names must have no blank: Policy Agent reads only the first word of\n\
         a value, so it would silently name another certificate. ACF2 and Top Secret labels have\n\
         no blanks either: their plugins write labels unquoted.",
    ),
    row(
        "ZAT0104",
        "policy name is not usable",
        "Rule, security level and API requester names become Policy Agent object names: 1-32\n\
         characters A-Z a-z 0-9 _ - . @ # $, no blanks. Longer AT-TLS names make Policy Agent\n\
         reject the whole policy.",
    ),
    row(
        "ZAT0105",
        "key ring name is not usable",
        "A ring name is 1-42 characters; zat accepts A-Z a-z 0-9 _ - . @ # $ so that the same name\n\
         works in RACDCERT, in an RDATALIB profile, in `Keyring owner/ring` and in `safkeyring://`.\n\
         RACF allows 237 characters, but the jobs never split a name across lines: 42 is what fits\n\
         on one 71-column TSO line with an 8-character owner in the longest command that holds it\n\
         (`RDATALIB(OWNER.RING.LST)` of a Top Secret permit).",
    ),
    row(
        "ZAT0106",
        "a value a generated file cannot hold",
        "Every text value of the fleet ends up in a generated file: a policy statement, a syslog\n\
         rule, a CEEOPTS record, a TSO command in a job. A line break would start a new statement\n\
         there (an injected one), a control character or a character outside code page 1047's\n\
         safe set ([ ] { } | ! ^ ~ \\ and backtick change code points between EBCDIC code pages)\n\
         would arrive differently on z/OS. Such a value is refused at the script line of the object\n\
         that holds it, as is a value longer than 1023 characters or a fleet name longer than 64.",
    ),
    row(
        "ZAT0107",
        "a password where the name of a variable belongs",
        "`password_env` names the environment variable that holds a PKCS#12 password, and\n\
         `basic_auth.password_from` the JCL symbol or variable that supplies BAQPASSWORD: zat\n\
         writes that name into the job or CEEOPTS, never a password. A value that is not a name\n\
         (letters, digits, `_`; `@ # $` for JCL symbols; not starting with a digit; at most 64\n\
         characters), or one that mixes lower case with upper case or digits without an `_`\n\
         (`Secr3tpw`, `hunter2`), looks like the password itself and is refused. Put the password\n\
         in the variable, write the variable's name in the script, and change the password if the\n\
         script was ever committed.",
    ),
    row("ZAT0110", "port out of range", "Ports are 1-65535; a range must run from low to high."),
    row(
        "ZAT0111",
        "not an IP address an AT-TLS rule can hold",
        "Addresses are written as `a.b.c.d`, an IPv6 address, `address/prefix` or `low-high`\n\
         (AT-TLS accepts only `-` in address ranges). An AT-TLS policy may not hold an\n\
         IPv4-mapped IPv6 address (`::ffff:10.1.1.1`: write `10.1.1.1`) nor one in the\n\
         reserved prefix `::/96` (`::10.1.1.1`, and `::1`): Policy Agent logs an error for it\n\
         and installs no new AT-TLS policy for the stack.",
    ),
    row(
        "ZAT0112",
        "host name is not usable",
        "A z/OS Connect host name must not be empty or contain blanks; it goes into BAQURI.",
    ),
    row(
        "ZAT0113",
        "Policy Agent setting out of range",
        "LogLevel is a sum of 1, 2, 4 ... 256 (0-511); the refresh interval is 1-2147483647 seconds.",
    ),
    row(
        "ZAT0114",
        "not a valid data set name",
        "Data set names are qualifiers of 1-8 characters A-Z 0-9 @ # $ (not starting with a\n\
         digit), separated by dots, at most 44 characters, optionally with a (MEMBER).",
    ),
    row(
        "ZAT0115",
        "not a usable z/OS UNIX path",
        "Policy Agent and syslogd paths must be absolute z/OS UNIX paths without blanks.",
    ),
    row(
        "ZAT0116",
        "unknown syslog priority",
        "syslogd priorities are emerg, alert, crit, err, warning, notice, info or debug: the\n\
         lowest priority of the messages the LPAR's syslogd writes to the file.",
    ),
    row(
        "ZAT0117",
        "`#` in a value of a Policy Agent main or image file",
        "The Policy Agent main file names each stack with AT-TLS (`TcpImage TCPIP ...`) and its\n\
         image file, and the image file names the policy (`TTLSConfig ...`), both in the\n\
         Policy Agent folder. In those files `#` starts a comment: `TcpImage TCPIP#1 ...` is\n\
         read as `TcpImage TCPIP`, with no image file, and the stack gets no AT-TLS policy.\n\
         Whether a quoted value would keep the `#` is not known, so zat refuses the value.",
    ),
    row(
        "ZAT0120",
        "defined twice",
        "Two objects of the same kind share a name in the same scope. Policy Agent keeps the last\n\
         of two AT-TLS statements with one name, silently; RACF fails on the second GENCERT or\n\
         ADDRING. The help line points at the first definition. A rule that an API requester or a\n\
         z/OS Connect server derives is reported in the script's terms: a requester defined\n\
         twice is reported once, as a requester, and a script rule that takes a derived rule's\n\
         name is reported with the requester or server that derives it. Derived names that\n\
         would pass 32 characters are cut and given a hash of the whole name, so two long\n\
         names never derive one rule.",
    ),
    row(
        "ZAT0130",
        "reference to something not defined",
        "An LPAR names a security database, a rule or requester names a security level, or a\n\
         requester names a z/OS Connect server that the fleet does not define.",
    ),
    row(
        "ZAT0131",
        "z/OS Connect server placed on an unknown or unnamed stack",
        "The server says it runs on an LPAR and stack the fleet does not define, or on an LPAR\n\
         of the fleet behind AT-TLS (`inbound_attls: true`) without naming its stack, so its\n\
         inbound AT-TLS rule has nowhere to go while its server.xml opens the HTTP port in clear\n\
         text. Define them and name the stack, or leave `lpar`/`stack` out for a server outside\n\
         the fleet.",
    ),
    row(
        "ZAT0132",
        "inbound AT-TLS server without a security level",
        "A z/OS Connect server with `inbound_attls: true` in the fleet gets an inbound rule, which\n\
         needs a security level.",
    ),
    row(
        "ZAT0133",
        "certificate signer is not usable",
        "A certificate's signer must be a certificate authority (owner CERTAUTH) of the same\n\
         security database, created before the certificate it signs.",
    ),
    row(
        "ZAT0134",
        "ring connects a certificate the database does not have",
        "Every certificate connected to a ring must be defined (or imported) in the same security\n\
         database.",
    ),
    row(
        "ZAT0140",
        "rule without a condition",
        "A rule needs at least one of: local or remote address, local or remote port, job name,\n\
         user ID. Without one it would catch every connection of the stack.",
    ),
    row("ZAT0141", "priority out of range", "Rule priorities are 1-2000000000; higher wins."),
    row("ZAT0142", "trace out of range", "The AT-TLS trace mask is 0-255."),
    row(
        "ZAT0143",
        "AT-TLS rule without a key ring",
        "A rule that turns AT-TLS on needs a key ring.",
    ),
    row(
        "ZAT0144",
        "priority tie between overlapping rules",
        "Policy Agent takes the first matching rule in priority order and orders equal priorities\n\
         alphabetically by name, so two rules that can match the same connection with one\n\
         priority depend on their names. Give the more specific rule the higher priority.",
    ),
    row(
        "ZAT0150",
        "no TLS version is on",
        "A security level must turn at least one protocol version on.",
    ),
    row(
        "ZAT0151",
        "obsolete protocol version on",
        "SSLv2, SSLv3, TLSv1.0 and TLSv1.1 are insecure; this is a warning so a site can still\n\
         reach an old peer on purpose.",
    ),
    row(
        "ZAT0152",
        "cipher suite list is not usable",
        "Cipher suites are System SSL 4-character codes in upper-case hex (C02F, 1301), in order\n\
         of preference; a level needs at least one.",
    ),
    row(
        "ZAT0153",
        "cipher suites and TLS versions disagree",
        "TLS 1.3 suites (13xx) need TLSv1.3 on; the others need TLSv1.2 or older on. A version\n\
         with no suite of its own cannot be negotiated (warning).",
    ),
    row(
        "ZAT0154",
        "cipher not allowed in FIPS mode",
        "In FIPS 140 mode CHACHA20 (1303) is not available.",
    ),
    row(
        "ZAT0155",
        "signature pair or curve code is not usable",
        "Signature pairs and curves are 4-digit codes (0401, 0023).",
    ),
    row(
        "ZAT0156",
        "handshake timeout or environment instance out of range",
        "The handshake timeout is 0-600 seconds; `environment_user_instance` is 0-4294967295,\n\
         the largest number Policy Agent takes.",
    ),
    row(
        "ZAT0160",
        "key size not valid for the key type",
        "RSA keys are 1024-4096 bits (2048 or more recommended); NIST ECC keys 192, 224, 256, 384\n\
         or 521; Brainpool keys 160-512.",
    ),
    row("ZAT0161", "weak RSA key", "RSA keys shorter than 2048 bits are weak (warning)."),
    row(
        "ZAT0162",
        "certificate dates are not usable",
        "Dates are yyyy-mm-dd and not_before must be earlier than not_after.",
    ),
    row(
        "ZAT0163",
        "certificate already expired",
        "not_after lies in the past; the certificate would be useless on arrival.",
    ),
    row(
        "ZAT0164",
        "certificate valid past 2049",
        "Whether RACF accepts a NOTAFTER past 2049-12-31 is unconfirmed; check on a test system\n\
         (warning).",
    ),
    row(
        "ZAT0165",
        "key usage not valid",
        "RSA keys allow HANDSHAKE, DOCSIGN, CERTSIGN, DATAENCRYPT; ECC keys HANDSHAKE, DOCSIGN,\n\
         CERTSIGN, KEYAGREE. A certificate authority needs CERTSIGN.",
    ),
    row(
        "ZAT0166",
        "self-signed end-entity certificate",
        "A certificate with no signer is self-signed; peers will not trust it unless they hold it\n\
         (warning). Give it `signed_by` a CA.",
    ),
    row(
        "ZAT0167",
        "PKCS#12 export without a password source",
        "A PKCS#12 package carries the private key and needs a password. zat never writes one in\n\
         clear: name the environment variable with `password_env`, or the job carries a visible\n\
         placeholder to replace by hand (warning).",
    ),
    row(
        "ZAT0168",
        "subject name part is not usable",
        "Subject parts are 1-64 characters from A-Z a-z 0-9 blank ' ( ) + , - . / : = ? (characters\n\
         that survive code page 1047 jobs); C is a two-letter upper-case country code.",
    ),
    row(
        "ZAT0169",
        "export of an existing certificate",
        "A certificate declared with existing_certificate() is already in the security database;\n\
         zat never creates, exports or deletes it, only connects it to rings. Export it by hand,\n\
         or let zat generate the certificate instead.",
    ),
    row(
        "ZAT0170",
        "more than one DEFAULT certificate in a ring",
        "A ring has at most one DEFAULT certificate.",
    ),
    row(
        "ZAT0171",
        "DEFAULT certificate without its private key",
        "The DEFAULT certificate of a ring is what AT-TLS presents; it must be a personal\n\
         certificate with its private key, not a CA or an imported certificate.",
    ),
    row(
        "ZAT0172",
        "server rule without a certificate to present",
        "A rule with a server role uses a ring that has no DEFAULT certificate and names no label,\n\
         so the handshake would fail.",
    ),
    row(
        "ZAT0173",
        "a default the fleet never uses",
        "`site.defaults(...)` sets a value no object takes: `pagent_dir` when every LPAR with a\n\
         TTLS stack names its own config_dir, `tcpparms` when no stack has TTLS on, RACF switches\n\
         when the fleet has no RACF database. Like a misspelt key, it would change nothing\n\
         (warning).",
    ),
    row(
        "ZAT0180",
        "BAQPORT does not follow the server's AT-TLS setting",
        "BAQPORT must be the server's HTTP port when it has an inbound AT-TLS policy (AT-TLS does\n\
         the TLS and Liberty listens in clear), otherwise its HTTPS port. That the requester's\n\
         outbound rule has the same remote port is checked as ZAT0309.",
    ),
    row(
        "ZAT0181",
        "a side cannot verify the certificate the other side presents",
        "An API requester and the z/OS Connect server it calls are both in the fleet, and one\n\
         side's key ring holds no CA of the chain of the certificate the other side presents:\n\
         the requester's ring none that signed the server's certificate (its label, or its ring's\n\
         DEFAULT), or, when the server asks for client certificates (`client_auth`), the\n\
         server's ring none that signed the requester's (its `client_label`, or its ring's\n\
         DEFAULT). Every handshake fails. A CA counts when it is connected to the ring as\n\
         CERTAUTH (or SITE), at any step of the chain up to the root. When both rings are in one\n\
         security database, zat connects the CAs itself; across databases, the script exports\n\
         the CA (`export_to`), imports it into the other database (`import_ca` from that data\n\
         set) and connects it with `ring.connect(...)`. An import is the certificate whose\n\
         export it reads: its label alone proves nothing, as labels are names within one\n\
         database. zat says nothing when it cannot tell: a CA imported from a data set the fleet\n\
         does not write, a certificate that exists already (its signer is unknown), or a server\n\
         whose AT-TLS level passes client certificates through unchecked (`ClientAuthType\n\
         PassThru`). A server that asks for a client certificate (Liberty's\n\
         `clientAuthentication`, AT-TLS's `Required` or `SAFCheck`) from a requester that has\n\
         none to present is reported too.",
    ),
    row(
        "ZAT0182",
        "two AT-TLS ends share no TLS version or cipher suite",
        "An API requester and the z/OS Connect server it calls are both in the fleet and both\n\
         use AT-TLS (the server has `inbound_attls`), and the requester's security level and the\n\
         server's share no TLS version, or share versions but, for none of them, a cipher suite\n\
         usable with it: 13xx suites for TLSv1.3, the others for TLSv1.2, and for TLSv1.1 and\n\
         older the others less those of TLS 1.2 only (C023-C030, 009C-00A5 and the like).\n\
         Every handshake fails. It is an error, not a warning: a migration that changes levels\n\
         keeps the two ends in step (widen the server, move the requesters, then narrow), and a\n\
         fleet whose two ends share nothing describes a connection that never works. A level\n\
         that leaves its suites to System SSL (`system_ssl_ciphers`) is compared by versions\n\
         only, and a server that does TLS in Liberty is not compared (its protocols and suites\n\
         are Liberty's).",
    ),
    // ---- consistency (zat-core) and emitters ----
    row(
        "ZAT0301",
        "a rule's key ring is not in the LPAR's security database",
        "A rule names a key ring (owner/name) that the security database of its LPAR does not\n\
         define, so the RACF job would not create it and AT-TLS could not open it (System SSL\n\
         RC 202). Define the ring in that database, or point the rule at a ring that exists.",
    ),
    row(
        "ZAT0302",
        "a rule's certificate label is not in its ring",
        "The label a rule presents is not connected to the rule's key ring. Connect the\n\
         certificate to the ring, or use the label of a certificate that is connected.",
    ),
    row(
        "ZAT0303",
        "an API requester's key ring is not in the LPAR's security database",
        "The requester's ring (owner/name) is not defined in the security database of the LPAR\n\
         the requester runs on.",
    ),
    row(
        "ZAT0304",
        "an API requester's client label is not in its ring",
        "The client certificate label of the requester is not connected to its key ring.",
    ),
    row(
        "ZAT0305",
        "a z/OS Connect server's key ring is not in its LPAR's security database",
        "The ring named for the server (server.xml keyStore, or its inbound rule) is not defined\n\
         in the security database of the LPAR it runs on.",
    ),
    row(
        "ZAT0306",
        "a z/OS Connect server's label is not in its ring",
        "The server's certificate label (serverKeyAlias) is not connected to its key ring.",
    ),
    row(
        "ZAT0307",
        "an API requester was not expanded",
        "The requester has no derived outbound rule and no CEEOPTS values although its server is\n\
         defined. A requester of an unknown server is reported once, as ZAT0130, not again here.",
    ),
    row(
        "ZAT0308",
        "an API requester's outbound rule is missing or not usable",
        "The outbound rule derived for the requester is missing from its stack, or is not an\n\
         enabled outbound rule, so the call would go out in clear text.",
    ),
    row(
        "ZAT0309",
        "BAQPORT differs from the outbound rule's remote port",
        "The CEEOPTS BAQPORT of a requester and the remote port of its outbound AT-TLS rule must\n\
         be the same port, or the connection is not protected by the rule.",
    ),
    row(
        "ZAT0310",
        "an API requester's stack has TTLS off",
        "The requester's stack does not run AT-TLS (TCPCONFIG NOTTLS), so its outbound rule never\n\
         applies and the call goes out in clear text. Turn TTLS on for that stack.",
    ),
    row(
        "ZAT0311",
        "a stack with TTLS on has no rules",
        "Policy Agent installs an empty policy (EZZ4249I) and every connection of the stack runs\n\
         without AT-TLS (warning).",
    ),
    row(
        "ZAT0312",
        "no Policy Agent user to permit to EZB.INITSTACK",
        "A stack has TTLS on but the LPAR's Policy Agent has no user ID, so no one can be\n\
         permitted to EZB.INITSTACK and the stack would wait for a policy forever (EZZ4248E).",
    ),
    row(
        "ZAT0313",
        "an inbound AT-TLS server runs on a stack with TTLS off",
        "The server relies on an inbound AT-TLS rule, but its stack has TTLS off: clients would\n\
         send TLS to a clear-text listener.",
    ),
    row(
        "ZAT0314",
        "a Liberty-TLS server has no key ring or label",
        "A z/OS Connect server that does TLS in Liberty (no inbound AT-TLS) needs its key ring and\n\
         server certificate label for the server.xml keyStore.",
    ),
    row(
        "ZAT0315",
        "the LPAR's security database is not defined",
        "No longer reported: an LPAR that names a security database the fleet does not define is\n\
         reported once, as ZAT0130 at the LPAR, and nothing it names is checked against it.",
    ),
    row(
        "ZAT0316",
        "a rule's key ring cannot be opened by its user",
        "AT-TLS opens a rule's key ring as the user of the job that owns the socket. This user is\n\
         not the ring's owner and the rule's role needs the owner's private key, but the ring\n\
         gives other users FACILITY access, which reads certificates only: the handshake fails\n\
         with EZD1286I. Give the ring RDATALIB access (zat then permits the user READ to\n\
         OWNER.RING.LST) or use a ring the user owns.",
    ),
    row(
        "ZAT0317",
        "a rule's key ring is opened by a user zat cannot know",
        "The rule has no exact `userid`, so any user of a matching job opens its ring, and zat can\n\
         neither check nor permit that user's access (warning). Give the rule the job's user ID.",
    ),
    row(
        "ZAT0318",
        "an outbound requester rule covers every host",
        "The server has no `ip`, so the requester's rule has no RemoteAddr: every connection of\n\
         its jobs to that port, to any host, becomes a TLS client with its ring (warning).",
    ),
    row(
        "ZAT0319",
        "a requester of an inbound AT-TLS server cannot authenticate",
        "With an inbound AT-TLS policy, TLS ends in the stack and Liberty never sees a client\n\
         certificate, so z/OS Connect cannot authenticate a requester by one (IBM: client\n\
         certificate authentication cannot be used with an inbound AT-TLS policy). Give the\n\
         requester basic authentication, or let the server do TLS itself (warning).",
    ),
    row(
        "ZAT0320",
        "a connection lands on another rule, or none",
        "Mapped with the rules Policy Agent installs from the generated policy (highest priority\n\
         first, the first match wins), an intended connection of the fleet (an API requester's\n\
         call or a z/OS Connect listener) gets another rule than the one zat wrote for it, or\n\
         none, so it is not protected as the script says; or a rule compared before a script\n\
         rule matches every connection that rule is written for, so the rule never protects\n\
         any. A requester or listener whose job name is a pattern (`APP*`) is checked like a\n\
         script rule: it is this error only when a rule compared first takes every job the\n\
         pattern names. A narrower rule at a higher priority that takes only part of a rule's\n\
         connections (an exception, such as one port of a range or one job of a pattern) is not\n\
         this error: the rest still reach the rule. `zat why` shows the comparison.",
    ),
    row(
        "ZAT0321",
        "an IPv6 address as a z/OS Connect server's host",
        "A requester's CEEOPTS give the server's host as `BAQURI`, exactly as the script writes\n\
         it. A URL needs an IPv6 address in brackets (`[2001:db8::10]`), brackets are not safe\n\
         in code page 1047 text, and how the requester stub reads BAQURI (a host alone, or\n\
         part of a URL) is not documented in what zat knows. Give the server a host name that\n\
         resolves to the address, and keep the address in `ip` for its rules.",
    ),
    row(
        "ZAT0322",
        "a certificate expires soon",
        "The certificate's not_after falls within the expiry window (90 days unless\n\
         --expiry-warning says otherwise) of the check's date (today, or --today) (warning).",
    ),
    row(
        "ZAT0323",
        "the new policy leaves in clear text what the policy on disk protects",
        "A stack's new policy replaces one in the bundle on disk (a rebuild, `zat diff`, `zat build\n\
         --check`), and a rule of the old policy with TTLSEnabled On, tried with connections it\n\
         is written for, gets no rule of the new policy, or one with TTLSEnabled Off. It is what a\n\
         moved port or address does: once Policy Agent reads the new policy (the runbook's refresh\n\
         step), the applications still on the old port talk in clear text until they move (their\n\
         CEEOPTS, server.xml or start). Roll such a change out in two builds: first keep a rule for\n\
         the old port beside the new one (a `stack.rule(..)` in the script), deploy, move the\n\
         applications, then remove it and deploy again; or stop the applications for the change.\n\
         Removing a requester or server on purpose gives it too. Each rule is tried at the first\n\
         and last port and address of its ranges, so a narrowed range is found, and at every place\n\
         inside them where a rule of either policy starts or ends a range (up to 64 a condition),\n\
         so a hole cut inside a range is found too: an exception at a higher priority, or the range\n\
         split in two. One condition is moved at a time: a hole that only a job name, a user ID or\n\
         two conditions together make is not tried. A connection that now lands on a rule with\n\
         ApplicationControlled On, where the old rule had it Off, gives it as well: AT-TLS then\n\
         waits for the application to start TLS (SIOCTTLSCTL), which Liberty and z/OS Connect never\n\
         do. A stack whose TcpImage leaves Policy Agent's main file gives it too: at the refresh\n\
         Policy Agent removes the stack's AT-TLS policy (EZZ8773I) while the stack may keep TTLS\n\
         on (warning).",
    ),
    row(
        "ZAT0324",
        "the main file on disk has a refresh timer",
        "The Policy Agent main file the new one replaces has a TcpImage refresh interval (1800\n\
         seconds unless written), and the new one has none (zat's default, 2147483647). A Policy\n\
         Agent started with the old file re-reads changed files at that interval, so the files\n\
         placed in runbook step 3 are installed within that time, before the checks of steps 5\n\
         and 6 and without the refresh. Place them in a change window this once; after the first\n\
         refresh with the new main file, placed files wait for the runbook's refresh (warning).",
    ),
    row(
        "ZAT0340",
        "JOB card cannot be written",
        "The site defaults do not give a valid JOB card (job name prefix, class, message class,\n\
         programmer name). Fix `site.defaults(#{ job: ... })`.",
    ),
    row(
        "ZAT0341",
        "a RACF command cannot be laid out",
        "A value is too long for a 71-column line or holds a character that is not safe in code\n\
         page 1047, so the command cannot be written. Shorten the value or drop the character.",
    ),
    row(
        "ZAT0342",
        "PKCS#12 export password left as a placeholder",
        "zat never reads, writes or sends a PKCS#12 password. The export's `password_env` names the\n\
         environment variable that holds it where the security administrator fills in the setup\n\
         job; the job carries <<SET-FROM-ENV:NAME>> (<<SET-PASSWORD>> without a name) and a line\n\
         //ZATSTOP that stops it with a JCL error until the placeholder is replaced and the line\n\
         deleted, so no key is ever exported under a known string. deploy/zowe.sh stops before\n\
         such a job. Once your procedure fills the password in, acknowledge the warning with\n\
         `--allow ZAT0342` (or `allow = [\"ZAT0342\"]` in zat.toml).",
    ),
    row(
        "ZAT0343",
        "a key ring has more than one DEFAULT certificate",
        "The RACF emitter connects only the first; a ring has at most one DEFAULT.",
    ),
    row(
        "ZAT0344",
        "unknown or invalid racf option",
        "A `racf.*` plugin option has a name or value the RACF emitter does not know.",
    ),
    row(
        "ZAT0345",
        "a DISCOVER listing cannot be used",
        "The file given with `zat build --state DB=FILE` (or in zat.toml) is not the whole state\n\
         of the database. Either a line fits none of RACF's documented displays (RACDCERT LIST and\n\
         LISTRING, RLIST, SETROPTS LIST), and the message names it; zat never guesses what a line\n\
         means. Or the listing does not answer every command that the database's DISCOVER job\n\
         runs: it was cut off (only the SETROPTS LIST part, or the download stopped before a\n\
         RACDCERT or RLIST block; a command with no READY after its output counts as cut off\n\
         too), or it is another database's listing. Each command must be echoed and followed by\n\
         its display or RACF's not-found message (IRRD107I, IRRD114I, IRRD115I, ICH13003I); the\n\
         message names the first commands that have no answer. A plan would take what the listing\n\
         does not show as absent (SETUP would add it again, BACKOUT would delete it), so the build\n\
         stops and writes nothing (`zat build --check` and `zat diff` stop the same way).\n\
         Run security/DB/racf/DISCOVER.jcl again and give its whole SYSTSPRT, exactly as\n\
         downloaded. Commands the site added to the job are fine.",
    ),
    row(
        "ZAT0346",
        "a class the fleet needs is not active",
        "The discovered state shows a class (DIGTCERT, DIGTRING, FACILITY, RDATALIB, SERVAUTH)\n\
         that the jobs rely on as inactive or not RACLISTed. Activate it, or set\n\
         `defaults.activate_classes` so that zat writes the CLASSES job, and discover again.",
    ),
    row(
        "ZAT0347",
        "the jobs assume an empty security database",
        "No `--state` was given for the database: SETUP creates every object and fails on the\n\
         first one that exists. Run the DISCOVER job and build with `--state DB=FILE` (warning).",
    ),
    row(
        "ZAT0348",
        "two jobs get the same job name",
        "Job names are the site prefix, a letter per job kind and two characters derived from the\n\
         database or LPAR name; two names gave the same characters. Rename one of them.",
    ),
    row(
        "ZAT0349",
        "a discovered ring connection differs from the fleet",
        "The certificate is in the ring with another usage or DEFAULT flag than the script asks\n\
         for. zat never changes a connection the site made; change it by hand or in the script.",
    ),
    row(
        "ZAT0350",
        "two stacks derive the same TCPIP member name",
        "The member names of PROFILE and OBEYFILE snippets are derived from LPAR and stack names\n\
         by a hash; two stacks got the same one. Rename one stack, or set another tcpparms data set.",
    ),
    row(
        "ZAT0355",
        "syslog priority not known",
        "syslogd priorities are emerg, alert, crit, err, warning, notice, info, debug or none.",
    ),
    row(
        "ZAT0356",
        "syslog log file path not usable",
        "A log file path must be an absolute z/OS UNIX path without blanks.",
    ),
    row(
        "ZAT0360",
        "CEEOPTS without expansion",
        "The requester was not expanded, so there is no BAQURI or BAQPORT to write.",
    ),
    row(
        "ZAT0361",
        "value cannot go into a CEEOPTS ENVAR string",
        "The value holds a quote or a character that is not safe in code page 1047.",
    ),
    row(
        "ZAT0362",
        "CEEOPTS ENVAR string longer than one record",
        "LE reads CEEOPTS records up to column 72 and a quoted value must not be split; shorten it.",
    ),
    row(
        "ZAT0363",
        "BAQPASSWORD comes from a JCL symbol",
        "The CEEOPTS carry `&NAME.` for the password; the job must set that symbol and use\n\
         SYMBOLS=JCLONLY on the CEEOPTS DD (note).",
    ),
    row(
        "ZAT0364",
        "BAQPASSWORD is a placeholder",
        "The CEEOPTS carry a visible placeholder for the password, to be replaced by hand on z/OS\n\
         (warning).",
    ),
    row(
        "ZAT0365",
        "z/OS Connect server without TLS settings",
        "A server without inbound AT-TLS needs a key ring and a label for its server.xml TLS\n\
         snippet; none is written until it has them.",
    ),
    row(
        "ZAT0370",
        "ACF2 record names collide",
        "Two labels or two rings of one owner would get the same ACF2 record name (logonid.suffix).",
    ),
    row(
        "ZAT0371",
        "an ACF2 command cannot be written",
        "A value is too long for a line or holds an unsafe character.",
    ),
    row(
        "ZAT0372",
        "ACF2 PKCS#12 export left for a person",
        "zat never writes a password, so the export is written as a comment to complete by hand\n\
         (warning).",
    ),
    row(
        "ZAT0373",
        "name ACF2 may not take as written",
        "A label or ring name in mixed case or with special characters; ACF2's handling is\n\
         unconfirmed, check on a test system (warning).",
    ),
    row(
        "ZAT0374",
        "invalid acf2 option",
        "An `acf2.*` plugin option has a value the ACF2 emitter cannot use.",
    ),
    row(
        "ZAT0375",
        "ACF2 record name of an existing certificate assumed",
        "A certificate that exists already is connected by its CERTDATA record name, which zat\n\
         cannot know: it assumes logonid.label when the label is a valid record suffix, else the\n\
         name zat would give it. Check the name with CHKCERT logonid LABEL(label) and edit the\n\
         CONNECT before you submit (warning).",
    ),
    row(
        "ZAT0380",
        "Top Secret record names collide",
        "Two labels or two rings of one ACID would get the same DIGICERT or KEYRING name.",
    ),
    row(
        "ZAT0381",
        "a Top Secret command cannot be written",
        "A value is too long for a line or holds an unsafe character.",
    ),
    row(
        "ZAT0382",
        "Top Secret PKCS#12 export left for a person",
        "zat never writes a password, so the export is written as a comment to complete by hand\n\
         (warning).",
    ),
    row(
        "ZAT0383",
        "name Top Secret may not take as written",
        "A label, ring name or DN value Top Secret may not accept as written (warning).",
    ),
    row(
        "ZAT0384",
        "invalid tss option",
        "A `tss.*` plugin option has a value the Top Secret emitter cannot use.",
    ),
    row(
        "ZAT0385",
        "Top Secret DIGICERT name of an existing certificate assumed",
        "A certificate that exists already is connected by its DIGICERT name, which zat cannot\n\
         know: it assumes the label when the label is a valid name, else the name zat would give\n\
         it. Check it with TSS LIST(acid) DIGICERT(ALL) and edit the RINGDATA before you submit\n\
         (warning).",
    ),
    row(
        "ZAT0390",
        "no emitter for a security database's ESM",
        "A security database uses ACF2 or Top Secret, and no loaded plugin provides `esm:acf2` or\n\
         `esm:tss`. Load one with `--plugin-dir DIR` or ZAT_PLUGIN_PATH (the libraries are\n\
         libzat_acf2 and libzat_top_secret). Nothing is written.",
    ),
    row(
        "ZAT0391",
        "plugin option for a plugin not in the run",
        "A `--plugin-option NAME.KEY=VALUE` (or `[plugin_options.NAME]` in zat.toml) names no\n\
         plugin of this run: the name is misspelt, or the plugin is turned off or not found. The\n\
         option is ignored (warning); `zat plugins list` shows the plugins.",
    ),
    row(
        "ZAT0392",
        "unknown plugin option",
        "The plugin declares the options it reads, and this key is not one of them: a misspelt\n\
         option would otherwise be silently ignored. The help lists the keys the plugin reads.",
    ),
    row(
        "ZAT0393",
        "a plugin's job breaks a batch rule",
        "A plugin library wrote a job (`.jcl`) with a line z/OS would reject: past column 71,\n\
         a tab, or a character outside code page 1047. The build fails and names the file and\n\
         line; `zat plugins test LIBRARY` runs the same check. Fix the plugin.",
    ),
    row(
        "ZAT0394",
        "a plugin wrote a file outside its unit",
        "A plugin that renders by unit wrote, in its call for one LPAR, database or the fleet, a\n\
         file that is not that unit's: an LPAR call writes only under lpars/NAME/ and\n\
         deploy/lpars/NAME.*, a database call only under security/DB/, the fleet call only\n\
         outside those (docs/plugins.md, section 3a). Such a file would be carried over with the\n\
         wrong unit. The build fails, names the plugin, the unit and the path, and writes\n\
         nothing; `zat plugins test LIBRARY` runs the same check. Fix the plugin, or let it\n\
         declare no `unit:` capability to be called once with the whole fleet.",
    ),
    row(
        "ZAT0540",
        "AT-TLS rule left out of the policy",
        "A rule could not be written (a missing level or ring, an unsafe value, or a second rule of\n\
         the same name on the stack), so the emitter left it out and reports why. Policy Agent would\n\
         reject the whole file otherwise. Two names that differ only in case are distinct names\n\
         (user-defined names are case-sensitive: documented for IPSec files, unconfirmed for AT-TLS),\n\
         but zat does not write both, so that the policy does not depend on it: rename one.",
    ),
    row(
        "ZAT0541",
        "rule priority derived by the emitter",
        "The rule had no priority; the emitter gave it one below every explicit priority (warning).",
    ),
    row(
        "ZAT0542",
        "value not safe in a policy file",
        "A value holds a blank, `#`, a brace or a non-ASCII character; Policy Agent would read it\n\
         differently, so it is refused.",
    ),
    row("ZAT0543", "policy line too long", "A generated line is longer than 72 columns."),
    row(
        "ZAT0545",
        "rules on a stack with TTLS off",
        "The stack has rules but TTLS is off, so none of them applies (warning).",
    ),
    row(
        "ZAT0546",
        "text not safe for code page 1047",
        "A generated policy text holds a character that does not survive code page 1047.",
    ),
    // ---- zat lint (policy files) ----
    row(
        "ZAT0600",
        "'}' without a matching '{'",
        "A closing brace closes no open block. Policy Agent reports a syntax error and installs no new\n\
         AT-TLS policy for the stack (EZZ8438I); the previous policy stays. Remove the brace or add the\n\
         missing statement header.",
    ),
    row(
        "ZAT0601",
        "block not closed",
        "A statement's block is still open at the end of the file, or when a rule or action starts\n\
         (those cannot be nested, so a '}' is missing). Policy Agent rejects the policy (EZZ8438I).",
    ),
    row(
        "ZAT0602",
        "'{' without a statement header",
        "A '{' does not follow a statement type and name. Put `StatementType name` on the line before it.",
    ),
    row(
        "ZAT0603",
        "braces in the wrong place",
        "A block statement is written without braces, or a one-line statement (TcpImage, LogLevel,\n\
         TTLSConfig) or an attribute is followed by braces. Put braces and attributes on their own lines,\n\
         and only after statements that take a block.",
    ),
    row(
        "ZAT0604",
        "statement without a name",
        "A global statement (one not nested in another) needs a name; only inline statements may omit\n\
         it. Policy Agent rejects the policy.",
    ),
    row(
        "ZAT0605",
        "value missing",
        "An attribute or one-line statement has no value where one is required.",
    ),
    row(
        "ZAT0606",
        "words after the value are ignored",
        "Policy Agent reads one value per attribute and ignores the rest of the line silently:\n\
         `CertificateLabel Zowe Server` uses the label `Zowe`. Values cannot contain blanks; put\n\
         comments after a `#`.",
    ),
    row(
        "ZAT0607",
        "unknown statement type",
        "A statement type Policy Agent does not know, or one that cannot be nested where it is. Policy\n\
         Agent may ignore it. The help suggests the closest known statement.",
    ),
    row(
        "ZAT0608",
        "unknown keyword (misspelt)",
        "No statement accepts this keyword. Policy Agent ignores unknown keywords silently and uses the\n\
         default, so a typo such as `MiddleboxCompatibilityMode` (for `MiddleBoxCompatMode`) changes\n\
         behaviour without any message. The help suggests the closest keyword of the statement.",
    ),
    row(
        "ZAT0609",
        "keyword in the wrong statement",
        "The keyword exists, but in another statement: for example `ClientAuthType` belongs in\n\
         TTLSEnvironmentAdvancedParms, not in TTLSEnvironmentAction. Policy Agent ignores it where it is\n\
         and uses the default.",
    ),
    row(
        "ZAT0610",
        "attribute outside any block",
        "An attribute appears at the top level of the file, usually after a misplaced '}'.",
    ),
    row(
        "ZAT0611",
        "character outside code page IBM-1047",
        "Policy Agent reads files in IBM-1047 (unless a Codepage statement says otherwise). A control\n\
         character or a character with no IBM-1047 code point will not survive the transfer to z/OS.\n\
         Bytes that are not UTF-8 show up as U+FFFD.",
    ),
    row(
        "ZAT0612",
        "empty value",
        "An attribute is written without a value (a published example does this for CertificateLabel).\n\
         Whether Policy Agent accepts it or flags it is unconfirmed; leave the attribute out instead.",
    ),
    row(
        "ZAT0613",
        "statement in the wrong kind of file",
        "Main file statements (TcpImage, LogLevel, CommonTTLSConfig) belong in the file given to\n\
         `pagent -c`; TTLSConfig belongs in a stack's image file (or in the main file only when TcpImage\n\
         names no image file); AT-TLS statements belong in the file TTLSConfig names. Elsewhere Policy\n\
         Agent ignores them.",
    ),
    row(
        "ZAT0614",
        "nothing recognisable in the file",
        "The file holds no statement Policy Agent knows; it would log a warning and skip the file.",
    ),
    row(
        "ZAT0620",
        "name defined twice",
        "Two statements of the same type have the same name. For AT-TLS the last definition wins\n\
         silently, so the earlier one is ignored. Each stack linked from the main and image files given\n\
         is its own name space (its TTLSConfig file after the CommonTTLSConfig file), so two stacks'\n\
         files may use the same names. Other policy files given to one `zat lint` share a name space,\n\
         as a CommonTTLSConfig file and a stack's policy file do; `--separate` gives each its own, for\n\
         several stacks' files linted in one run.",
    ),
    row(
        "ZAT0621",
        "reference to an undefined name",
        "A `...Ref` attribute names nothing of that type in the files given. Policy Agent discards a\n\
         rule whose actions do not resolve. Objects may live in the CommonTTLSConfig file: lint the common\n\
         file and the stack's file together (`zat lint common.policy TCPIP.policy`, without\n\
         `--separate`), as Policy Agent reads the common file before each stack's. It is an error when\n\
         the name differs only in case (names are case-sensitive) or when the main file given has no\n\
         CommonTTLSConfig.",
    ),
    row(
        "ZAT0622",
        "rule indeterminate",
        "Something the rule needs resolves to nothing as Policy Agent reads it (an address that is not an\n\
         address, a reference to an address or port object that is not defined), so what the rule matches\n\
         or does cannot be known from the files. Define the object or correct the value.",
    ),
    row(
        "ZAT0623",
        "rule without Direction",
        "Every TTLSRule needs `Direction Inbound`, `Outbound` or `Both`.",
    ),
    row(
        "ZAT0624",
        "rule without a condition",
        "A rule needs at least one condition: local or remote address, local or remote port, job name\n\
         or user ID. Without one it catches every connection of its direction.",
    ),
    row("ZAT0625", "rule without a group action", "Every TTLSRule needs a TTLSGroupActionRef."),
    row(
        "ZAT0626",
        "environment action missing",
        "The rule's group action has `TTLSEnabled On`, so the rule needs a TTLSEnvironmentActionRef\n\
         (key ring, handshake role, protocols). For explicit clear text use a group with TTLSEnabled Off.",
    ),
    row(
        "ZAT0627",
        "rules tie on priority",
        "Two rules can match the same connection and have the same priority (or neither sets one).\n\
         Policy Agent takes the first matching rule, not the most specific, and orders equal priorities\n\
         by name, so the later name only gets what the earlier does not match. Give specific rules\n\
         higher priorities and leave gaps.",
    ),
    row(
        "ZAT0628",
        "name longer than 32 characters",
        "AT-TLS rule, action and parameter names are limited to 32 characters; a longer name is an\n\
         error and the policy is not installed.",
    ),
    row(
        "ZAT0629",
        "PortRange with more than one Port",
        "A PortRange holds exactly one Port (IBM fixed its own sample for this, APAR PI40723); only\n\
         the last Port is used. Use a PortGroup with one PortRange per port, or a range `low-high`.",
    ),
    row(
        "ZAT0630",
        "IP address range written with ':'",
        "Port ranges accept `-`, `:` or a blank as delimiter; IP address ranges accept only `-`.\n\
         Write `10.1.1.1-10.1.1.9`.",
    ),
    row(
        "ZAT0631",
        "TLS 1.3 cipher suites that cannot be used",
        "The cipher list has TLS 1.3 suites (13xx, TLS_AES_*, TLS_CHACHA20_*) but TLSv1.3 is Off, or\n\
         not set (it defaults to Off), in the environment and connection advanced parms of the rule.",
    ),
    row(
        "ZAT0632",
        "protocol switches left to defaults",
        "SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2 and TLSv1.3 are not all written for an environment\n\
         (its advanced parms and the connection's). Defaults differ by release and maintenance level;\n\
         TLSv1.2 defaults to Off. Write every switch explicitly.",
    ),
    row(
        "ZAT0633",
        "single-valued keyword written twice",
        "Most attributes take one value; when one is repeated, Policy Agent silently keeps the last.\n\
         Cipher, curve and signature lists concatenate and are not reported.",
    ),
    row(
        "ZAT0634",
        "required attribute missing",
        "A TTLSGroupAction needs TTLSEnabled; a TTLSEnvironmentAction needs HandshakeRole and a key\n\
         ring (TTLSKeyringParms or TTLSKeyringParmsRef); a TTLSKeyringParms needs Keyring.",
    ),
    row(
        "ZAT0635",
        "one setting written twice, one wins",
        "A statement gives the same parameter statement both inline and by reference (for example a\n\
         TTLSCipherParms block and a TTLSCipherParmsRef in one environment action). The syntax offers them\n\
         as alternatives; Policy Agent uses one of them (zat reads the last written). Keep one.",
    ),
    row(
        "ZAT0636",
        "rule never matches",
        "A rule compared earlier (higher priority, or the same priority and a name that sorts first)\n\
         matches every connection this rule matches, so the stack never reaches it: Policy Agent takes the\n\
         first matching rule, not the most specific. Give the narrower rule a higher Priority, narrow the\n\
         wider rule, or delete the rule that never matches.",
    ),
    row(
        "ZAT0637",
        "value not accepted",
        "The value is not one Policy Agent accepts for the keyword: Direction, HandshakeRole,\n\
         ClientAuthType, On/Off switches, Priority 1-2000000000, Trace 0-255, ports 0-65535, TcpImage\n\
         options, LogLevel.",
    ),
    row(
        "ZAT0638",
        "value read differently",
        "Policy Agent installs the value as something else than it looks: a plain number as an address\n\
         (`RemoteAddr 6793` is the IPv4 address 0.0.26.137), a 4-character cipher code on a V3CipherSuites\n\
         line (read as two 2-character codes). Write the value in the form meant.",
    ),
    row(
        "ZAT0639",
        "value ignored",
        "Policy Agent ignores the value: a cipher name on a V3CipherSuites4Char line, a cipher that is\n\
         already in the list (the first instance is used), a name that is not a cipher, a parameter the\n\
         selected z/OS release does not have, a value that is not one of the parameter's values. The\n\
         inherited or default value applies instead.",
    ),
    row(
        "ZAT0641",
        "handshake cannot work as written",
        "The rule is installed but its settings contradict each other: TLSv1.3 On with a cipher list that\n\
         has no TLS 1.3 suite (13xx), or only TLS 1.3 suites with TLSv1.3 Off. Add the suites or switch\n\
         the protocol.",
    ),
    row(
        "ZAT0650",
        "not carried over by zat import",
        "The policy sets something the fleet model has no place for (for example SNI, GSK or OCSP\n\
         parameters, CtraceClearText, ServerCertificateLabel), or the policy zat rebuilds from the imported\n\
         script gives a setting another value than the input: import runs the script as `zat build` would,\n\
         reads both policies the way Policy Agent installs them and names the rule, the setting, the old and\n\
         the new value. The script notes each in a `// zat import:` comment above the rule. Values equal to\n\
         Policy Agent's documented default are not reported.",
    ),
    row(
        "ZAT0651",
        "rule left out by zat import",
        "The rule uses something the fleet model cannot state: an address or port group, a time\n\
         condition (an IpTimeCondition, or in a pasearch report Time Periods other than all days at all\n\
         hours), a virtual ring (*AUTH*/*, *SITE*/*), a key database or token, no valid Direction or\n\
         handshake role, or actions not in the files given (or, in a pasearch report cut short, as a\n\
         truncated SYSOUT is, actions it names without their `TTLS Action:` blocks). Importing it without\n\
         that condition would make it match more connections than before, and without its actions would\n\
         invent its settings, so it is left out, with a comment in its place. When every rule is left out,\n\
         import writes no script and exits 1: a fleet without rules protects nothing.",
    ),
    row(
        "ZAT0652",
        "value assumed by zat import",
        "A value was filled in or changed so the fleet model accepts it: a rule without Priority gets one\n\
         below every explicit priority that keeps its place in Policy Agent's order (when a `Priority 1`\n\
         leaves no room, every explicit priority is raised by the same amount, which keeps their order;\n\
         only when that would pass 2000000000 is the rule tied at 1, and said so), a key ring without an\n\
         owner gets the rule's user ID or RINGOWNR, job names, user IDs and key ring owners are written in\n\
         upper case (RACF user IDs are upper case; the ring name keeps its case), names with characters\n\
         zat does not accept have them replaced by `_`, and the rules of a `pasearch -t` report of one stack\n\
         whose name is not --stack are put on --stack.",
    ),
    row(
        "ZAT0653",
        "file without AT-TLS policy given to zat import",
        "A main or image file holds no rules; import skips it. Give the file TTLSConfig or\n\
         CommonTTLSConfig names. A `pasearch -t` report of several stacks is read for the stack\n\
         --stack names; when none of its stacks has that name, import reads none of them (an error)\n\
         rather than put another stack's rules on this one. (A report of one stack under another name\n\
         is read, with ZAT0652 saying whose it is: --stack also names where the rules go. `zat verify`\n\
         refuses a report none of whose stacks is the one it compares, exit 2.)",
    ),
    row(
        "ZAT0654",
        "imported script does not pass zat check",
        "zat import runs the script it wrote through the same checks as `zat check`, and the fleet model\n\
         refuses something the input has (for example two rules with equal priorities that can match the\n\
         same connection, or a value zat does not accept). The message names what; fix the script at that\n\
         rule, or change the input.",
    ),
];

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The diagnostic code, e.g. ZAT0003 (case does not matter).
    #[arg(required_unless_present_any = ["list", "defaults"], add = clap_complete::engine::ArgValueCompleter::new(crate::completions::codes))]
    pub(crate) code: Option<String>,
    /// List every code with its title.
    #[arg(long, conflicts_with = "code")]
    pub(crate) list: bool,
    /// Print the AT-TLS parameter table zat reads policies with: statement, parameter, the
    /// default Policy Agent uses when it is not written, and the IBM document.
    #[arg(long, conflicts_with_all = ["code", "list"])]
    pub(crate) defaults: bool,
}

pub(crate) fn find(code: &str) -> Option<&'static Code> {
    let code = code.trim().to_ascii_uppercase();
    CODES.iter().find(|row| row.code == code)
}

pub(crate) fn run(args: &Args) -> Exit {
    if args.defaults {
        return common::write_stdout(&defaults());
    }
    if args.list {
        let text: String =
            CODES.iter().map(|row| format!("{}  {}\n", row.code, row.title)).collect();
        return common::write_stdout(&text);
    }
    let code = args.code.as_deref().unwrap_or_default();
    match find(code) {
        Some(row) => common::write_stdout(&format!(
            "{}: {}\n\n{}\n",
            row.code,
            row.title,
            unindent(row.explanation)
        )),
        None => {
            report::usage_error(&format!(
                "unknown diagnostic code `{code}`; `zat explain --list` shows every code"
            ));
            Exit::Failure
        }
    }
}

/// The parameter table of the effective-policy engine, one parameter per line.
fn defaults() -> String {
    use zat_policy::effective::{DefaultValue, PARAMETERS};
    let mut out = String::from("statement\tparameter\tdefault\tsince\tdocument\n");
    for row in PARAMETERS {
        let default = match row.default {
            DefaultValue::Value(v) => v.to_owned(),
            DefaultValue::Required => "(required)".to_owned(),
            DefaultValue::Unset => "(not set)".to_owned(),
            DefaultValue::SystemSsl => "(System SSL default)".to_owned(),
        };
        out.push_str(&format!(
            "{}\t{}\t{default}\tz/OS {}\t{}\n",
            row.statement,
            row.name,
            row.since.label(),
            row.document
        ));
    }
    out
}

/// Rust string continuations keep no leading blanks, so lines come out as written; this only
/// trims stray spaces at line ends.
fn unindent(text: &str) -> String {
    text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_and_unique() {
        for pair in CODES.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} before {}", pair[0].code, pair[1].code);
        }
    }

    /// Every `"ZATnnnn"` literal in the sources of the crates and plugins has a row, so a
    /// user who meets a code can always ask `zat explain` about it. ZAT99xx is kept for
    /// unit tests and never emitted.
    #[test]
    fn every_code_in_the_sources_is_explained() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut missing = Vec::new();
        for top in ["crates", "plugins"] {
            for krate in std::fs::read_dir(root.join(top)).expect("workspace folder") {
                let src = krate.expect("entry").path().join("src");
                let Ok(files) = std::fs::read_dir(&src) else { continue };
                for file in files {
                    let path = file.expect("entry").path();
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    for (index, _) in text.match_indices("\"ZAT") {
                        let code = &text[index + 1..text.len().min(index + 8)];
                        let numeric = code[3..].chars().all(|c| c.is_ascii_digit());
                        if code.len() == 7
                            && numeric
                            && !code.starts_with("ZAT99")
                            && find(code).is_none()
                        {
                            missing.push(format!("{code} in {}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "codes without a row in explain.rs: {missing:#?}");
    }

    #[test]
    fn every_lint_code_is_explained() {
        for code in
            zat_policy_tools::lint::codes::ALL.iter().chain(zat_policy_tools::import::codes::ALL)
        {
            assert!(find(code).is_some(), "{code} has no row in explain.rs");
        }
    }

    #[test]
    fn every_script_code_is_explained() {
        for code in zat_script::CODES {
            assert!(find(code).is_some(), "{code} has no row in explain.rs");
        }
    }
}
