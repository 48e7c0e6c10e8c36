//! Job names: distinct per database and per LPAR, the same on every build.
//!
//! The rule (documented in the README): the site's prefix (`defaults.job.name_prefix`), one
//! letter for the kind of job, then a tag for the database or LPAR that fills the name up to
//! eight characters. The tag is the database or LPAR name itself when it fits and is a valid
//! name part (`SYSA` with prefix `ZAT` gives `ZATASYSA`); otherwise as many characters
//! `A-Z 0-9` of a 64-bit FNV-1a hash of the name as there is room for. Two jobs that still get
//! one name (a short prefix leaves room for enough hash characters; a hash can meet another
//! name) are reported as an error, never written.

/// The letter of each kind of job.
pub(crate) mod kind {
    pub(crate) const DISCOVER: char = 'D';
    pub(crate) const CLASSES: char = 'C';
    pub(crate) const SETUP: char = 'S';
    pub(crate) const IMPORT: char = 'I';
    pub(crate) const KEY: char = 'K';
    pub(crate) const KEY_CLEANUP: char = 'L';
    pub(crate) const BACKOUT: char = 'B';
    pub(crate) const SERVAUTH: char = 'A';
    pub(crate) const SERVAUTH_BACKOUT: char = 'X';
}

/// The job name of kind `kind` for the database or LPAR `scope`.
pub(crate) fn job_name(prefix: &str, kind: char, scope: &str) -> String {
    let prefix = prefix.to_ascii_uppercase();
    let room = 8usize.saturating_sub(prefix.len() + 1);
    let scope_upper = scope.to_ascii_uppercase();
    let fits = !scope_upper.is_empty()
        && scope_upper.len() <= room
        && scope_upper.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '#' | '$'));
    let tag = if fits { scope_upper } else { zat_zos::hash::base36_suffix(scope, room) };
    format!("{prefix}{kind}{tag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_and_differ() {
        assert_eq!(job_name("ZAT", kind::SETUP, "SYSA"), "ZATSSYSA");
        assert_eq!(job_name("zat", kind::SERVAUTH, "SYSB"), "ZATASYSB");
        let a = job_name("ZAT", kind::SETUP, "PLEX1");
        let b = job_name("ZAT", kind::SETUP, "PLEX2");
        assert_ne!(a, b);
        assert_eq!(a.len(), 8);
        assert!(zat_zos::is_valid_name(&a), "{a}");
        assert_eq!(a, job_name("ZAT", kind::SETUP, "PLEX1"), "stable");
        assert_eq!(job_name("ABCDE", kind::BACKOUT, "PLEX1").len(), 8);
        assert!(zat_zos::is_valid_name(&job_name("ABCDEFG", kind::BACKOUT, "PLEX1")));
    }
}
