//! Fuzzing with proptest, bounded by a fixed number of cases so CI stays within seconds: the
//! script builders under random option maps, the Policy Agent parser, lint and import under
//! random policy text, and the z/OS text parsers (TSO command layout, job checks). None may
//! panic; each keeps the property it promises.

use std::path::Path;

use proptest::prelude::*;
use zat_policy_tools::lint::PolicyFile;

/// A fixed number of cases from a fixed seed: the same inputs on every run, as every test of
/// the suite is deterministic. `PROPTEST_RNG_SEED=N` explores others.
pub(crate) fn config(cases: u32) -> ProptestConfig {
    let seed = std::env::var("PROPTEST_RNG_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        ..ProptestConfig::default()
    }
}

// ---- script builders -------------------------------------------------------------------

/// A rhai value literal of any type a script could pass: strings (with line breaks, quotes,
/// escapes), numbers at the edges, booleans, arrays, maps, unit.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[A-Z][A-Z0-9]{0,9}".prop_map(|s| format!("\"{s}\"")),
        "[ -~]{0,12}".prop_map(|s| format!("{s:?}")),
        prop::sample::select(vec![
            "\"\"",
            "\"a\\nb\"",
            "\"\\u{202e}\"",
            "\"SYS1.TCPPARMS(ABC)\"",
            "\"Secr3tpw\"",
            "0",
            "-1",
            "65536",
            "9223372036854775807",
            "1.5",
            "true",
            "false",
            "()",
            "[]",
            "#{}",
            "\"racf\"",
            "\"inbound\"",
            "\"pkcs12der\"",
            "\"2030-12-31\"",
        ])
        .prop_map(str::to_owned),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((key(), inner), 0..3).prop_map(|v| {
                let entries: Vec<String> =
                    v.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("#{{ {} }}", entries.join(", "))
            }),
        ]
    })
}

/// Option keys: the real ones of the builders (so values reach the model) and a few not.
fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "esm",
        "subject",
        "CN",
        "O",
        "C",
        "OU",
        "signed_by",
        "size",
        "key_usage",
        "not_after",
        "dsn",
        "format",
        "password_env",
        "host",
        "http_port",
        "https_port",
        "inbound_attls",
        "client_auth",
        "security_database",
        "ttls",
        "jobname",
        "userid",
        "server",
        "keyring",
        "direction",
        "local_port",
        "remote_port",
        "priority",
        "level",
        "ciphers",
        "tlsv1_3",
        "hlq",
        "tcpparms",
        "job",
        "name_prefix",
        "accounting",
        "basic_auth",
        "username",
        "password_from",
        "pagent",
        "syslog",
        "config_dir",
        "nope",
        "password",
    ])
    .prop_map(str::to_owned)
}

fn options() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), value()), 0..5).prop_map(|v| {
        let entries: Vec<String> = v.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("#{{ {} }}", entries.join(", "))
    })
}

/// A script that calls every builder once, each with a random options map (and a random
/// name where one is taken).
fn script() -> impl Strategy<Value = String> {
    (prop::collection::vec(options(), 9), prop::collection::vec(value(), 3)).prop_map(|(o, n)| {
        format!(
            "let site = fleet({n0});\n\
             site.defaults({o0});\n\
             let db = site.security_database(\"PLEX1\", {o1});\n\
             let ca = db.certificate_authority(\"CA1\", {o2});\n\
             let cert = db.certificate(\"OWNER\", {n1}, {o3});\n\
             let ring = db.keyring(\"OWNER\", \"RING\");\n\
             ring.connect(ca);\n\
             let level = site.security_level(\"L\", {o4});\n\
             let server = site.zos_connect_server({n2}, {o5});\n\
             let lpar = site.lpar(\"SYSA\", {o6});\n\
             let stack = lpar.stack(\"TCPIP\", {o7});\n\
             stack.rule(\"R1\", {o8});\n",
            n0 = n[0],
            n1 = n[1],
            n2 = n[2],
            o0 = o[0],
            o1 = o[1],
            o2 = o[2],
            o3 = o[3],
            o4 = o[4],
            o5 = o[5],
            o6 = o[6],
            o7 = o[7],
            o8 = o[8],
        )
    })
}

proptest! {
    #![proptest_config(config(150))]

    /// Random option maps: the script runs or fails with diagnostics, each with a code and
    /// an origin in the script; the fleet it makes prepares without panicking.
    #[test]
    fn builders_take_any_options_without_panicking(source in script()) {
        let options = zat_script::ScriptOptions {
            timeout: std::time::Duration::from_secs(5),
            ..zat_script::ScriptOptions::default()
        };
        match zat_script::run_source("fuzz.rhai", &source, Path::new("."), &options) {
            Ok(fleet) => {
                let prepared = zat_core::prepare(fleet);
                for d in &prepared.diagnostics {
                    prop_assert!(d.code.starts_with("ZAT"), "{d:?}");
                }
            }
            Err(diagnostics) => {
                prop_assert!(!diagnostics.is_empty());
                for d in &diagnostics {
                    prop_assert!(d.code.starts_with("ZAT0"), "{d:?}");
                }
            }
        }
    }
}

// ---- Policy Agent text -----------------------------------------------------------------

/// Policy-shaped text: real statement and attribute words, braces (balanced or not),
/// comments, values, control characters and junk, one per line or run together.
fn policy_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => prop::sample::select(vec![
            "TTLSRule", "TTLSGroupAction", "TTLSEnvironmentAction", "TTLSConnectionAction",
            "TTLSKeyringParms", "TTLSCipherParms", "TTLSEnvironmentAdvancedParms", "PortRange",
            "TTLSConfig", "TcpImage", "CommonTTLSConfig", "LocalPortRange", "RemotePortRange",
            "Jobname", "Userid", "Direction", "Priority", "Keyring", "TTLSEnabled", "HandshakeRole",
            "TTLSGroupActionRef", "TTLSEnvironmentActionRef", "TTLSKeyringParmsRef",
            "V3CipherSuites4Char", "TLSv1.3", "On", "Off", "Inbound", "Outbound", "Both", "Server",
            "Client", "1301C02F", "443", "9000-9500", "0", "-1", "99999999999", "U/R", "R1", "G",
        ])
        .prop_map(str::to_owned),
        2 => prop::sample::select(vec!["{", "}", "\n", "\n", "# c", "\t", "\r\n", " "]).prop_map(str::to_owned),
        1 => "[ -~]{1,8}",
        1 => prop::sample::select(vec!["\u{0}", "\u{1b}[2J", "\u{202e}", "é", "\u{feff}"]).prop_map(str::to_owned),
    ];
    prop::collection::vec(token, 0..120).prop_map(|tokens| {
        let mut text = String::new();
        for token in tokens {
            if !text.is_empty() && !text.ends_with('\n') && token != "\n" {
                text.push(' ');
            }
            text.push_str(&token);
        }
        text
    })
}

proptest! {
    #![proptest_config(config(400))]

    /// The parser never panics; what it prints parses back to the same statements, and
    /// printing that again gives the same text.
    #[test]
    fn policy_parse_print_round_trips(text in policy_text()) {
        let (statements, _) = zat_policy::parse(&text);
        let printed = zat_policy::print(&statements);
        let (again, _) = zat_policy::parse(&printed);
        let reprinted = zat_policy::print(&again);
        prop_assert_eq!(&printed, &reprinted);
    }

    /// Lint and import take any text, alone or with a second file, and every finding points
    /// into one of the files given.
    #[test]
    fn policy_lint_and_import_take_any_text(a in policy_text(), b in policy_text()) {
        let files = [PolicyFile { path: "a.policy", text: &a }, PolicyFile { path: "b.policy", text: &b }];
        for d in zat_policy_tools::lint::lint(&files) {
            prop_assert!(d.code.starts_with("ZAT06"), "{d:?}");
            if let Some(origin) = &d.origin {
                prop_assert!(&*origin.file == "a.policy" || &*origin.file == "b.policy", "{d:?}");
            }
        }
        let imported = zat_policy_tools::import::import(&files[..1]);
        for d in &imported.diagnostics {
            prop_assert!(d.code.starts_with("ZAT06"), "{d:?}");
        }
    }
}

// ---- z/OS text -------------------------------------------------------------------------

fn jcl_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        prop::sample::select(vec![
            "//ZATJOB   JOB (ACCT),'NAME',CLASS=A",
            "//STEP1    EXEC PGM=IKJEFT01",
            "//SYSTSIN  DD DATA,DLM=$$",
            "//SYSTSIN  DD *",
            "$$",
            "/*",
            "//",
            "  RACDCERT ID(OMVSADM) LIST -",
            "  RACDCERT ID(OMVSADM) +",
            "  SETROPTS RACLIST(DIGTCERT) REFRESH",
            "  PERMIT 'O''BRIEN' CLASS(FACILITY) -",
            "//* comment",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,90}",
        "[ -~\t\u{80}-\u{ff}]{0,20}",
    ];
    prop::collection::vec(line, 0..30).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(config(400))]

    /// The job readers take any text.
    #[test]
    fn jcl_readers_take_any_text(text in jcl_text()) {
        let _ = zat_zos::tso_commands(&text);
        let _ = zat_zos::check(&text, zat_zos::TextKind::Job, &zat_zos::CheckOptions::default());
        let _ = zat_zos::check(&text, zat_zos::TextKind::TsoData, &zat_zos::CheckOptions::default());
        let _ = zat_zos::TsoFormatter::default().wrap_job(&text);
    }

    /// A TSO command is refused or laid out in lines within the width, and reading the lines
    /// back (continuations joined) gives the command's tokens again.
    #[test]
    fn tso_layout_keeps_the_command(words in prop::collection::vec("[A-Z(')]{1,20}", 1..15)) {
        let command = words.join(" ");
        let formatter = zat_zos::TsoFormatter::default();
        if let Ok(lines) = formatter.format(&command) {
            for line in &lines {
                prop_assert!(line.len() <= formatter.width, "{line:?}");
            }
            let joined: Vec<&str> = lines
                .iter()
                .map(|l| l.trim().strip_suffix(" -").unwrap_or(l.trim()))
                .flat_map(str::split_whitespace)
                .collect();
            let expected: Vec<&str> = command.split_whitespace().collect();
            // Blanks inside apostrophes are not split: compare the text without blanks.
            prop_assert_eq!(joined.concat(), expected.concat());
        }
    }
}
