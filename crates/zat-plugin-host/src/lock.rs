//! The plugin lock file (`zat.lock`): which plugin libraries a site trusts, by name, version
//! and sha256, so that `zat build --locked` refuses a library that changed or appeared.
//!
//! The check runs on the file's bytes before the library is opened (opening runs its code),
//! and what is then opened is a private copy of those very bytes, never the file again (see
//! `image.rs`); built-in emitters are part of the zat binary and are not listed.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{HostError, Plugin, PluginOrigin};

/// Version of the lock file format.
const FORMAT: u32 = 1;

/// The largest lock file read (a lock lists a handful of plugins).
const LOCK_LIMIT: u64 = 1 << 20;

/// One locked plugin library.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockEntry {
    pub name: String,
    pub version: String,
    /// The library's file name when it was locked (for people; the match is by sha256).
    pub file: String,
    /// Lower-case hex sha256 of the library file.
    pub sha256: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LockFile {
    zat_lock: u32,
    plugins: Vec<LockEntry>,
}

/// A lock file, read or made from the plugins of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    path: PathBuf,
    entries: Vec<LockEntry>,
}

impl Lock {
    /// Reads and checks a lock file.
    pub fn read(path: &Path) -> Result<Lock, HostError> {
        let failed = |message: String| HostError::LockFile { path: path.to_owned(), message };
        // Never a blocking open: a FIFO named as the lock is refused, not waited on.
        let (file, _) = crate::image::open_regular(path).map_err(|e| failed(e.to_string()))?;
        let mut bytes = Vec::new();
        file.take(LOCK_LIMIT + 1).read_to_end(&mut bytes).map_err(|e| failed(e.to_string()))?;
        if bytes.len() as u64 > LOCK_LIMIT {
            return Err(failed(format!("it is larger than {LOCK_LIMIT} bytes")));
        }
        let parsed: LockFile = serde_json::from_slice(&bytes)
            .map_err(|e| failed(format!("it is not a zat lock file: {e}")))?;
        if parsed.zat_lock != FORMAT {
            return Err(failed(format!(
                "it has format {}, this zat reads format {FORMAT}",
                parsed.zat_lock
            )));
        }
        if let Some(bad) = parsed.plugins.iter().find(|e| !is_sha256(&e.sha256)) {
            return Err(failed(format!("the sha256 of `{}` is not 64 hex digits", bad.name)));
        }
        Ok(Lock { path: path.to_owned(), entries: parsed.plugins })
    }

    /// The lock of the library plugins among `plugins` (built-ins are left out), to be
    /// written at `path`. Each library's hash is that of the bytes that were loaded and
    /// reported the name and version locked, not of what its file holds now.
    pub fn of(path: &Path, plugins: &[Plugin]) -> Lock {
        let mut entries = Vec::new();
        for plugin in plugins {
            let (PluginOrigin::Library(file), Some(sha256)) = (plugin.origin(), plugin.sha256())
            else {
                continue;
            };
            entries.push(LockEntry {
                name: plugin.name().to_owned(),
                version: plugin.version().to_owned(),
                file: file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256: sha256.to_owned(),
            });
        }
        entries.sort_by(|a, b| (&a.name, &a.sha256).cmp(&(&b.name, &b.sha256)));
        Lock { path: path.to_owned(), entries }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn entries(&self) -> &[LockEntry] {
        &self.entries
    }

    /// The entry whose library has this sha256.
    pub fn find(&self, sha256: &str) -> Option<&LockEntry> {
        self.entries.iter().find(|e| e.sha256 == sha256)
    }

    /// The lock file's bytes: sorted, pretty JSON ending in a newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let file = LockFile { zat_lock: FORMAT, plugins: self.entries.clone() };
        let mut bytes = serde_json::to_vec_pretty(&file)
            .expect("a lock file holds only strings and numbers, which always serialise");
        bytes.push(b'\n');
        bytes
    }
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Lower-case hex sha256 of a file's bytes.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        hasher.update(&chunk[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_file_round_trips_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("zat.lock");
        let lock = Lock {
            path: path.clone(),
            entries: vec![LockEntry {
                name: "acf2".into(),
                version: "0.1.0".into(),
                file: "libacf2.so".into(),
                sha256: "ab".repeat(32),
            }],
        };
        std::fs::write(&path, lock.to_bytes()).expect("write");
        assert_eq!(Lock::read(&path).expect("read"), lock);
        assert!(lock.find(&"ab".repeat(32)).is_some());
        assert!(lock.find(&"cd".repeat(32)).is_none());

        for (text, expected) in [
            ("{}", "not a zat lock file"),
            ("{\"zat_lock\": 2, \"plugins\": []}", "format 2"),
            (
                "{\"zat_lock\": 1, \"plugins\": [{\"name\": \"x\", \"version\": \"1\", \"file\": \"f\", \"sha256\": \"XYZ\"}]}",
                "not 64 hex digits",
            ),
        ] {
            std::fs::write(&path, text).expect("write");
            let error = Lock::read(&path).expect_err(text).to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_fifo_is_refused_without_waiting() {
        let error = crate::image::error_reading_a_fifo("zat.lock", Lock::read);
        assert!(error.contains("cannot read the lock file"), "{error}");
        assert!(error.contains("it is a FIFO (named pipe), not a regular file"), "{error}");
    }

    #[test]
    fn sha256_of_a_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, "abc").expect("write");
        assert_eq!(
            sha256_file(&path).expect("hash"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
