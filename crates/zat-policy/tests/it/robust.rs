//! The parser, the effective-policy engine and the report reader never panic, whatever they
//! are given, and always return.

use zat_policy::effective::effective;
use zat_policy::{Options, PolicyFile, parse, pasearch, print};

/// Every reader over one text.
fn read_all(text: &str) {
    let options = Options::default();
    let _ = effective(&[PolicyFile { path: "p", text }], &options);
    let _ = pasearch::read("r", text, &options);
}

/// A small deterministic generator (xorshift), so the test is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn hostile_shapes() {
    let deep_open = "{".repeat(100_000);
    let deep_named = "TTLSKeyringParms k\n{\n".repeat(10_000);
    let deep_close = "}\n".repeat(10_000);
    let inputs = [
        "",
        "\n\n\n",
        "#",
        "# only a comment",
        "{",
        "}",
        "{}{}}}{{",
        deep_open.as_str(),
        deep_named.as_str(),
        deep_close.as_str(),
        "\u{feff}TTLSRule R\n{\n}\n",
        "\0\0\0",
        "TTLSRule R { Direction Inbound } TTLSRule S { }",
        "TcpImage {",
        "LogLevel {\n}",
        "\r\r\r{\r}",
    ];
    for input in inputs {
        let (statements, _) = parse(input);
        let _ = print(&statements);
        read_all(input);
    }
}

#[test]
fn random_token_soup_never_panics() {
    let vocabulary = [
        "TTLSRule",
        "TTLSGroupAction",
        "TTLSEnvironmentAction",
        "TTLSKeyringParms",
        "IpAddrGroup",
        "IpAddr",
        "Direction",
        "Keyring",
        "Port",
        "LogLevel",
        "TcpImage",
        "TTLSConfig",
        "{",
        "}",
        "{",
        "}",
        "#",
        "\n",
        "\n",
        "\n",
        " ",
        "\t",
        "name",
        "1-2",
        "TTLSGroupActionRef",
        "TTLSEnvironmentActionRef",
        "LocalPortGroupRef",
        "PortGroup",
        "PortRangeRef",
        "RemoteAddr",
        "6793",
        "10.0.0.0/99",
        "V3CipherSuites4Char",
        "C02F13",
        "policyRule:",
        "TTLS Action:",
        "Scope:",
        "FromAddr:",
        "ToAddr:",
        "v3CipherSuites:",
        "ActionType:",
        "TTLS Environment",
        "  ",
        "\u{e9}",
        "\u{2603}",
        "\r",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2_000 {
        let length = (rng.next() % 60) as usize;
        let mut text = String::new();
        for _ in 0..length {
            text.push_str(rng.pick(&vocabulary));
            text.push(' ');
        }
        let (statements, _) = parse(&text);
        // Whatever was parsed prints, and the print parses again without panicking.
        let printed = print(&statements);
        let _ = parse(&printed);
        read_all(&text);
    }
}
