//! Names of generated policy objects: deterministic, at most 32 characters, never shared by
//! two objects.
//!
//! A readable name is derived from what the object stands for (`kr_OMVSADM_RING`). When that is
//! too long or already taken, it is cut and given a hash of the object's full identity, so the
//! same fleet always gives the same names and two objects never meet under one name.
//! Uniqueness is checked ignoring case: Policy Agent's treatment of names that differ only in
//! case is not documented, so zat never relies on it.

use std::collections::BTreeMap;

/// Longest AT-TLS object name Policy Agent accepts.
pub(crate) const MAX_NAME: usize = 32;

/// Hex digits of the hash suffix.
const HASH_DIGITS: usize = 8;

#[derive(Debug, Default)]
pub(crate) struct Namer {
    /// Lower-cased name to the identity that owns it.
    taken: BTreeMap<String, String>,
    /// Identity to its name.
    names: BTreeMap<String, String>,
}

/// Keeps letters, digits, `_`, `.` and `-`; everything else becomes `_`. `#` would start a
/// comment and a blank would end the name, so neither may reach the policy.
fn sanitize(readable: &str) -> String {
    readable
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') { c } else { '_' })
        .collect()
}

impl Namer {
    /// Claims a name given in the model (a rule name). Returns `false` when another identity
    /// already holds it.
    pub(crate) fn reserve(&mut self, name: &str, identity: &str) -> bool {
        let folded = name.to_ascii_lowercase();
        match self.taken.get(&folded) {
            Some(owner) => owner == identity,
            None => {
                self.taken.insert(folded, identity.to_owned());
                self.names.insert(identity.to_owned(), name.to_owned());
                true
            }
        }
    }

    /// Whether an identity already has a name.
    pub(crate) fn knows(&self, identity: &str) -> bool {
        self.names.contains_key(identity)
    }

    /// The name of the object with this identity: the same on every call, derived from
    /// `readable` when that fits and is free, else cut and suffixed with a hash.
    pub(crate) fn name(&mut self, identity: &str, readable: &str) -> String {
        if let Some(name) = self.names.get(identity) {
            return name.clone();
        }
        let base = sanitize(readable);
        let mut candidate = base.clone();
        let mut salt: u32 = 0;
        while candidate.len() > MAX_NAME
            || candidate.is_empty()
            || self.taken.contains_key(&candidate.to_ascii_lowercase())
        {
            let hash = zat_zos::hash::fnv1a_32(format!("{identity}\u{0}{salt}").as_bytes());
            let room = MAX_NAME - HASH_DIGITS - 1;
            let stem: String = base.chars().take(room).collect();
            candidate = format!("{stem}_{hash:08X}");
            salt = salt.wrapping_add(1);
        }
        self.taken.insert(candidate.to_ascii_lowercase(), identity.to_owned());
        self.names.insert(identity.to_owned(), candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept_and_stable() {
        let mut namer = Namer::default();
        assert_eq!(namer.name("a", "kr_OMVSADM_RING"), "kr_OMVSADM_RING");
        assert_eq!(namer.name("a", "ignored the second time"), "kr_OMVSADM_RING");
    }

    #[test]
    fn long_and_clashing_names_get_a_hash() {
        let mut namer = Namer::default();
        let long = "env_cli_MODERN_ZOSCONN-APIR-KEYRING";
        let first = namer.name("one", long);
        assert_eq!(first.len(), MAX_NAME);
        assert!(first.starts_with("env_cli_MODERN_ZOSCONN-"), "{first}");
        // Same readable name, other identity: another name, still at most 32.
        let second = namer.name("two", long);
        assert_ne!(first, second);
        assert!(second.len() <= MAX_NAME);
        // A name already reserved (case ignored) is not handed out again.
        assert!(namer.reserve("GRP_OFF", "rule"));
        let group = namer.name("group", "grp_off");
        assert_ne!(group.to_ascii_lowercase(), "grp_off");
        assert!(!namer.reserve("grp_OFF", "other rule"));
        // Characters that would break the policy are replaced.
        assert_eq!(namer.name("x", "kr_A#B C/D"), "kr_A_B_C_D");
    }
}
