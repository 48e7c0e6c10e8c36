//! Every text value of the fleet against what a generated file can hold: one line of code
//! page 1047 safe characters of bounded length, so no value can add a statement to a policy,
//! a record to CEEOPTS or a line to a job. Also the names that stand in for secrets.
//!
//! The walk goes over the serialised model, so a field added later is covered without a line
//! here; each problem is reported at the script line of the object that holds the value.

use serde_json::Value;
use zat_model::{Diagnostic, Fleet, Origin};

/// A value holds a character or a length no generated file can hold.
pub(crate) const UNSAFE_TEXT: &str = "ZAT0106";
/// A name that stands in for a secret is not a name, or looks like the secret itself.
pub(crate) const SECRET_NAME: &str = "ZAT0107";

/// The longest value any generated file takes: a z/OS UNIX path (1023 bytes). Shorter limits
/// of particular fields (names, labels, data sets) are checked by the validator.
const MAX_VALUE: usize = 1023;

/// Fields derived by expansion from values checked elsewhere: reporting them again would
/// point at the requester for a mistake made in the server.
const DERIVED: &[&str] = &["expansion", "origin"];

/// Keys walked first, in this order: an object's own name, then the fleet's objects in the
/// order the model declares them (servers before the LPARs whose requesters name them).
const DEFINED_FIRST: &[&str] =
    &["name", "defaults", "security_databases", "security_levels", "zos_connect_servers", "lpars"];

/// Checks every string of `fleet` and returns, beside the diagnostics, the values refused for
/// their characters, so that other checks of the same values can be dropped (one mistake, one
/// diagnostic).
pub(crate) fn check(fleet: &Fleet, out: &mut Vec<Diagnostic>) -> Vec<String> {
    // Fast path: one visit of the model's strings, as they would be serialised, finds whether
    // any could be refused; only then is the JSON tree built and walked to say where (the
    // walk allocates per object, which costs hundreds of milliseconds on a fleet of thousands
    // of LPARs).
    if !any_suspect_value(fleet) {
        return Vec::new();
    }
    let Ok(tree) = serde_json::to_value(fleet) else {
        return Vec::new();
    };
    let mut walk = Walk { out, refused: Vec::new() };
    walk.value(&tree, "fleet", "name", &fleet.origin);
    walk.refused
}

/// Whether a string of `fleet` holds a character [`zat_zos::is_safe_char`] refuses or is
/// longer than [`MAX_VALUE`]: conservative (derived fields, map keys and variant names are
/// looked at too), never missing one the walk would refuse. Every character the check lets
/// through is ASCII, so looking at bytes is exact: any other character has a byte of 0x80 or
/// more, which it refuses.
fn any_suspect_value(fleet: &Fleet) -> bool {
    zat_model::strings::any_string(fleet, |_, text| {
        text.len() > MAX_VALUE || !text.bytes().all(|b| zat_zos::is_safe_char(char::from(b)))
    })
}

struct Walk<'a> {
    out: &'a mut Vec<Diagnostic>,
    refused: Vec<String>,
}

impl Walk<'_> {
    fn value(&mut self, value: &Value, object: &str, field: &str, origin: &Origin) {
        match value {
            Value::String(text) => self.text(text, object, field, origin),
            Value::Array(items) => {
                for item in items {
                    self.value(item, object, field, origin);
                }
            }
            Value::Object(map) => {
                let here = map
                    .get("origin")
                    .and_then(|o| serde_json::from_value::<Origin>(o.clone()).ok())
                    .unwrap_or_else(|| origin.clone());
                let object = match map.get("name").and_then(Value::as_str) {
                    Some(name) if object == "fleet" && field == "name" => {
                        format!("fleet {}", escaped(name))
                    }
                    Some(name) => format!("{object} / {} {}", singular(field), escaped(name)),
                    None if field == "name" => object.to_owned(),
                    None => format!("{object} / {field}"),
                };
                // Definitions before references: a refused name is reported where it is
                // defined, not where a later object names it (the JSON map is sorted by key).
                let mut keys: Vec<&String> =
                    map.keys().filter(|k| !DERIVED.contains(&k.as_str())).collect();
                keys.sort_by_key(|k| {
                    DEFINED_FIRST.iter().position(|d| d == k).unwrap_or(usize::MAX)
                });
                for key in keys {
                    self.value(&map[key], &object, key, &here);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    fn text(&mut self, text: &str, object: &str, field: &str, origin: &Origin) {
        // A name is refused where it is defined; references to it (a requester's `server`)
        // and values derived from it (`EZB.INITSTACK.<lpar>.<stack>`) are not reported again.
        if self.refused.iter().any(|r| text.contains(r.as_str())) {
            return;
        }
        if let Some(bad) = text.chars().find(|&c| !zat_zos::is_safe_char(c)) {
            self.out.push(
                Diagnostic::error(
                    UNSAFE_TEXT,
                    format!("`{field}` {} holds {}", shown(text), describe(bad)),
                )
                .object(object)
                .at(origin)
                .help(
                    "generated files are lines of z/OS text in code page 1047: use printable \
                     characters other than [ ] { } | ! ^ ~ \\ and `, with no line break or tab",
                ),
            );
            self.refused.push(text.to_owned());
        } else if text.len() > MAX_VALUE {
            self.out.push(
                Diagnostic::error(
                    UNSAFE_TEXT,
                    format!(
                        "`{field}` is {} characters long; no generated file takes more than {MAX_VALUE}",
                        text.len()
                    ),
                )
                .object(object)
                .at(origin),
            );
        }
    }
}

/// `lpars` → `lpar`, for object paths in messages.
fn singular(field: &str) -> &str {
    field.strip_suffix('s').unwrap_or(field)
}

/// A value as a message shows it: in double quotes, see [`escaped`].
pub(crate) fn shown(text: &str) -> String {
    format!("\"{}\"", escaped(text))
}

/// Every character that could break a line or a terminal escaped as `\u{..}`, and cut after
/// 60 characters.
pub(crate) fn escaped(text: &str) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == 60 {
            out.push_str("...");
            break;
        }
        if c == ' ' || c.is_ascii_graphic() {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    out
}

fn describe(c: char) -> String {
    match c {
        '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
            "a line break: it would start a new line (a new statement) in a generated file"
                .to_owned()
        }
        '\t' => "a tab, which z/OS text does not hold".to_owned(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c if c.is_ascii() => format!("`{c}`, which code page 1047 text cannot hold safely"),
        c => format!("U+{:04X}, which is not in code page 1047's safe set", u32::from(c)),
    }
}

/// The name of an environment variable or JCL symbol that holds a secret (`password_env`,
/// `password_from`): letters, digits and `_` (and `@ # $` for JCL symbols), not starting with
/// a digit, at most 64 characters; and not something that looks like the secret itself.
/// Returns what is wrong, or `None` for a plausible name.
pub(crate) fn secret_name_problem(name: &str, jcl: bool) -> Option<String> {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || c == '_' || (jcl && matches!(c, '@' | '#' | '$'));
    if name.is_empty() {
        return Some("is empty".to_owned());
    }
    if name.len() > 64 {
        return Some("is longer than 64 characters".to_owned());
    }
    if let Some(bad) = name.chars().find(|&c| !allowed(c)) {
        let what = if bad.is_ascii_graphic() {
            format!("`{bad}`")
        } else {
            format!("U+{:04X}", u32::from(bad))
        };
        return Some(format!(
            "holds {what}, which no variable name holds; it looks like the password itself"
        ));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Some("starts with a digit, as no variable name does".to_owned());
    }
    let lower = name.chars().any(|c| c.is_ascii_lowercase());
    let upper = name.chars().any(|c| c.is_ascii_uppercase());
    let digit = name.chars().any(|c| c.is_ascii_digit());
    // Variable names are words joined by `_`; a run of mixed case and digits with no `_`
    // is how passwords look (`Secr3tpw`, `hunter2`), not how names do.
    if !name.contains('_') && lower && (upper || digit) {
        return Some(
            "mixes lower case with upper case or digits and has no `_`: it looks like a \
             password, not the name of a variable"
                .to_owned(),
        );
    }
    None
}

/// Checks the names that stand in for secrets.
pub(crate) fn check_secrets(fleet: &Fleet, out: &mut Vec<Diagnostic>) {
    let mut report = |field: &str, name: &str, jcl: bool, object: String, origin: &Origin| {
        if let Some(problem) = secret_name_problem(name, jcl) {
            let what = if jcl { "JCL symbol or variable" } else { "environment variable" };
            out.push(
                Diagnostic::error(SECRET_NAME, format!("`{field}` {} {problem}", shown(name)))
                    .object(object)
                    .at(origin)
                    .help(format!(
                        "`{field}` takes the NAME of the {what} that holds the password \
                         (e.g. `{}`), never the password: put the password there and remove it \
                         from the script; if it was committed, change it",
                        if jcl { "PAYPW" } else { "ZAT_P12_PASSWORD" }
                    )),
            );
        }
    };
    for db in &fleet.security_databases {
        for cert in &db.certificates {
            if let Some(name) = cert.export.as_ref().and_then(|e| e.password_env.as_deref()) {
                let object = format!("security_database {} / certificate {}", db.name, cert.label);
                report("password_env", name, false, object, &cert.origin);
            }
        }
    }
    for lpar in &fleet.lpars {
        for stack in &lpar.stacks {
            for requester in &stack.api_requesters {
                if let Some(auth) = &requester.basic_auth {
                    let object = format!(
                        "lpar {} / stack {} / api_requester {}",
                        lpar.name, stack.name, requester.name
                    );
                    report("password_from", &auth.password_from, true, object, &requester.origin);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_passwords() {
        for name in ["ZCONN_P12_PASSWORD", "P12PW", "PW", "p12_password", "PAY#PW", "X"] {
            assert_eq!(secret_name_problem(name, true), None, "{name}");
        }
        assert_eq!(secret_name_problem("PAY#PW", false).map(|p| p.contains("`#`")), Some(true));
        for password in ["Secr3tpw", "hunter2", "Passw0rd", "s3cr3t!", "pass word", "1ABC", ""] {
            assert!(secret_name_problem(password, false).is_some(), "{password}");
        }
    }

    #[test]
    fn values_are_shown_escaped_and_cut() {
        assert_eq!(shown("A\nB"), "\"A\\u{a}B\"");
        assert_eq!(shown(&"x".repeat(100)).len(), 60 + 3 + 2);
    }

    #[test]
    fn every_kind_of_bad_character_is_named() {
        assert!(describe('\n').contains("line break"));
        assert!(describe('\u{1}').contains("U+0001"));
        assert!(describe('!').contains("`!`"));
        assert!(describe('\u{202e}').contains("U+202E"));
    }
}

#[cfg(test)]
mod fast_path {
    use super::any_suspect_value;
    use serde_json::Value;

    /// Every string of a value's JSON, map keys apart (struct field names are keys in JSON
    /// too).
    fn json_strings(value: &Value, values: &mut Vec<String>, keys: &mut Vec<String>) {
        match value {
            Value::String(text) => values.push(text.clone()),
            Value::Array(items) => items.iter().for_each(|v| json_strings(v, values, keys)),
            Value::Object(map) => {
                for (key, v) in map {
                    keys.push(key.clone());
                    json_strings(v, values, keys);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// The visit the fast path makes sees every string the fleet's JSON holds as a value, as
    /// often as JSON holds it; what else it sees (map keys, variant names) JSON writes as keys
    /// or values too.
    #[test]
    fn the_visit_sees_every_string_of_the_json() {
        let fleet = crate::prepare(crate::fixtures::scaled_raw(3)).fleet;
        let mut visited = Vec::new();
        assert!(!zat_model::strings::any_string(&fleet, |_, text| {
            visited.push(text.to_owned());
            false
        }));
        let (mut values, mut keys) = (Vec::new(), Vec::new());
        json_strings(&serde_json::to_value(&fleet).expect("json"), &mut values, &mut keys);
        assert!(values.len() > 1000, "the fixture has strings: {}", values.len());
        let mut rest = visited.clone();
        rest.sort();
        for value in &values {
            let at = rest.binary_search(value).unwrap_or_else(|_| panic!("{value:?} not visited"));
            rest.remove(at);
        }
        keys.sort();
        for extra in &rest {
            assert!(keys.binary_search(extra).is_ok(), "{extra:?} is neither a value nor a key");
        }
    }

    #[test]
    fn a_suspect_value_is_found_in_any_lpar_and_outside_the_lpars() {
        let clean = crate::fixtures::scaled_raw(5);
        assert!(!any_suspect_value(&clean));
        for lpar in 0..clean.lpars.len() {
            let mut fleet = clean.clone();
            fleet.lpars[lpar].syslog.attls_log.push('[');
            assert!(any_suspect_value(&fleet), "LPAR {lpar}");
        }
        let mut fleet = clean.clone();
        fleet.security_databases[0].name.push('{');
        assert!(any_suspect_value(&fleet), "a database");
        let mut fleet = clean;
        fleet.name.push('\u{7f}');
        assert!(any_suspect_value(&fleet), "the fleet's name");
    }
}

#[cfg(test)]
mod scan {
    use super::{MAX_VALUE, any_suspect_value};

    fn suspect(text: &str) -> bool {
        let mut fleet = crate::fixtures::scaled_raw(1);
        fleet.lpars[0].syslog.attls_log = text.to_owned();
        any_suspect_value(&fleet)
    }

    /// The fast path never misses what the walk refuses: every unsafe character and an
    /// over-long value make the fleet suspect; clean text does not.
    #[test]
    fn the_fast_path_finds_every_suspect_string() {
        for c in
            (0..=0x7f_u8).map(char::from).chain(['\u{80}', '\u{a0}', '€', '\u{feff}', '\u{202e}'])
        {
            let text = format!("a{c}b");
            assert_eq!(suspect(&text), !zat_zos::is_safe_char(c), "{c:?}");
        }
        assert!(suspect(&"x".repeat(MAX_VALUE + 1)));
        assert!(!suspect(&"x".repeat(MAX_VALUE)));
        assert!(!suspect("SYS1.TCPPARMS(TPZZ93FE) \"quoted\" @#$ a-b_c/d"));
    }
}
