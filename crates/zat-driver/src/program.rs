//! The identity of the running zat program, part of every unit's key.
//!
//! A unit is carried over from the last build when its key is the one the last build
//! recorded. The key holds the unit's request and each plugin's name, version and (for a
//! library) the digest of its file; but the built-in emitters, the connection check and the
//! host's handling of answers are compiled into zat itself, and a zat built from newer sources
//! keeps its version number until a release. Without the program in the key, a site that
//! rebuilt zat (a `git pull` and `cargo build`, an image with a newer build) kept every file of
//! its last bundle, and `zat build --check` said the bundle was current, although the new
//! program would have written other bytes. With it, a new program renders every unit once;
//! the same program carries them as before.

use std::sync::OnceLock;

use sha2::{Digest as _, Sha256};

/// SHA-256 of the running program's file, read once per process (about 15 ms for a 25 MB
/// release binary), or a value no other run has when the file cannot be read: then no unit is
/// carried over, which costs a full render and never keeps a stale file.
pub(crate) fn digest() -> [u8; 32] {
    static DIGEST: OnceLock<[u8; 32]> = OnceLock::new();
    *DIGEST.get_or_init(|| match read() {
        Ok(digest) => digest,
        Err(error) => {
            tracing::info!(
                "cannot read the zat program to tell it from other builds ({error}): every unit \
                 renders anew"
            );
            unique()
        }
    })
}

/// Starts reading the program on a thread of its own, so that the first unit does not wait for
/// it (callers start it beside the script).
pub(crate) fn prefetch() {
    if std::thread::Builder::new().name("zat-program".into()).spawn(digest).is_err() {
        // No thread: the first unit reads it.
    }
}

fn read() -> std::io::Result<[u8; 32]> {
    let hex = zat_plugin_host::sha256_file(&path()?)?;
    let mut hasher = Sha256::new();
    hasher.update(b"zat-program\0");
    hasher.update(hex.as_bytes());
    Ok(hasher.finalize().into())
}

/// The file the process runs. On Linux `/proc/self/exe` opens the image that was started even
/// when a newer build has since replaced the file at its path (which `current_exe` names).
fn path() -> std::io::Result<std::path::PathBuf> {
    let running = std::path::Path::new("/proc/self/exe");
    if cfg!(target_os = "linux") && running.exists() {
        return Ok(running.to_owned());
    }
    std::env::current_exe()
}

/// A value of this run alone.
fn unique() -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"zat-program-unread\0");
    hasher.update(std::process::id().to_le_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    hasher.update(now.to_le_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_is_read_and_told_apart_from_an_unread_one() {
        let read = read().expect("the test binary is readable");
        assert_eq!(digest(), read, "the digest is the program's, read once");
        assert_eq!(digest(), digest());
        assert_ne!(unique(), read);
    }
}
