//! Record names of at most eight characters, derived from labels and ring names.
//!
//! Top Secret names a certificate `DIGICERT(name)` and a key ring `KEYRING(name)` with at most
//! eight characters per ACID, while labels (`LABLCERT`) have up to 32 and ring names
//! (`LABLRING`) up to 237. (The ACF2 plugin uses the same scheme for its record suffixes; the
//! two plugins share no crate but the plugin API, so the file is duplicated.) The name must be the same
//! on every build (re-runs and back-out jobs refer to it) and must differ for different names
//! of the same owner. The scheme:
//!
//! - a name that already is a valid suffix (1-8 of `A-Z 0-9 @ # $`, not starting with a
//!   digit, upper case) is used as it is: `IMSCA` stays `IMSCA`;
//! - any other name becomes up to four of its letters and digits (upper-cased, leading digits
//!   skipped, `R` when none is left) followed by four characters of a 64-bit FNV-1a hash of
//!   the exact name, case kept: `ZOSCONNCERT` becomes `ZOSC` plus four hash characters, and
//!   `PayRing` and `PAYRING` get different suffixes.
//!
//! Two different names can still meet (a verbatim name equal to another's hashed form, or a
//! hash collision); [`Registry`] finds that and the emitter reports it as an error.

use std::collections::BTreeMap;

use zat_plugin_api::model::{Diagnostic, Origin};
use zat_plugin_api::zos::is_valid_name;

/// The record name for a label or ring name (see the module documentation).
pub fn record_suffix(name: &str) -> String {
    if is_valid_name(name) {
        return name.to_owned();
    }
    let mut prefix: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .skip_while(char::is_ascii_digit)
        .take(4)
        .collect();
    if prefix.is_empty() {
        prefix.push('R');
    }
    prefix.push_str(&hash4(name));
    prefix
}

/// Four characters `A-Z0-9` of a 64-bit FNV-1a hash: the same on every platform and build.
fn hash4(name: &str) -> String {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (0..4)
        .map(|_| {
            let digit = (hash % 36) as usize;
            hash /= 36;
            char::from(ALPHABET[digit])
        })
        .collect()
}

/// Record names handed out so far, per owner, in one name space (certificates or rings).
#[derive(Debug, Default)]
pub struct Registry {
    taken: BTreeMap<(String, String), String>,
}

impl Registry {
    /// The record suffix of `name` owned by `owner`; an error diagnostic (with `code`, the
    /// object and its origin) when another name of the same owner already has that suffix.
    pub fn assign(
        &mut self,
        owner: &str,
        name: &str,
        what: &str,
        code: &str,
        object: &str,
        origin: &Origin,
    ) -> Result<String, Box<Diagnostic>> {
        let suffix = record_suffix(name);
        let key = (owner.to_owned(), suffix.clone());
        match self.taken.get(&key) {
            Some(existing) if existing != name => Err(Box::new(
                Diagnostic::error(
                    code,
                    format!(
                        "{what} `{name}` of `{owner}` gets record name `{suffix}`, \
                     which `{existing}` already has"
                    ),
                )
                .object(object)
                .at(origin)
                .help("rename one of the two so that they differ in their first four letters"),
            )),
            Some(_) => Ok(suffix),
            None => {
                self.taken.insert(key, name.to_owned());
                Ok(suffix)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_are_kept() {
        assert_eq!(record_suffix("IMSCA"), "IMSCA");
        assert_eq!(record_suffix("ABCDEFGH"), "ABCDEFGH");
        assert_eq!(record_suffix("$A#1"), "$A#1");
    }

    #[test]
    fn other_names_are_truncated_and_hashed() {
        let suffix = record_suffix("ZOSCONN-APIR-KEYRING");
        assert_eq!(suffix.len(), 8);
        assert!(suffix.starts_with("ZOSC"));
        assert!(is_valid_name(&suffix));
        assert_eq!(suffix, record_suffix("ZOSCONN-APIR-KEYRING"), "deterministic");
        assert_ne!(record_suffix("PayRing"), record_suffix("PAYRING"));
        assert_ne!(record_suffix("ZOSCONNCERT"), record_suffix("ZOSCONNCERT2"));
        let digits = record_suffix("123");
        assert!(digits.starts_with('R') && digits.len() == 5 && is_valid_name(&digits));
        assert!(is_valid_name(&record_suffix("9abc-def")));
        assert!(is_valid_name(&record_suffix("é")));
    }

    #[test]
    fn collisions_are_reported_with_the_origin() {
        let mut registry = Registry::default();
        let origin = Origin::new("f.rhai", 3, 1);
        let hashed = record_suffix("ABCDEFGHIJ");
        assert!(registry.assign("U", "ABCDEFGHIJ", "label", "ZAT0380", "x", &origin).is_ok());
        assert!(registry.assign("U", "ABCDEFGHIJ", "label", "ZAT0380", "x", &origin).is_ok());
        assert!(registry.assign("V", &hashed, "label", "ZAT0380", "x", &origin).is_ok());
        let err = registry.assign("U", &hashed, "label", "ZAT0380", "x", &origin).unwrap_err();
        assert_eq!(err.code, "ZAT0380");
        assert_eq!(err.origin, Some(origin));
        assert!(err.message.contains("ABCDEFGHIJ"), "{}", err.message);
    }
}
