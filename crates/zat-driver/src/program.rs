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

/// The running program's identity, read once per process: its GNU build ID (a digest of the
/// linked program that the linker writes into it, which Linux toolchains do by default) with
/// its file's length, read in microseconds; else the SHA-256 of its whole file (about 15 ms
/// for a 21 MB release binary); else, when the file cannot be read, a value no other run has:
/// then no unit is carried over, which costs a full render and never keeps a stale file.
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
/// it where the whole file is hashed (callers start it beside the script).
pub(crate) fn prefetch() {
    if std::thread::Builder::new().name("zat-program".into()).spawn(digest).is_err() {
        // No thread: the first unit reads it.
    }
}

fn read() -> std::io::Result<[u8; 32]> {
    let path = path()?;
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(&path)?;
    if let Some(id) = build_id(&mut file) {
        hasher.update(b"zat-program-build-id\0");
        hasher.update(&id);
        // A build ID survives what changes a file without linking it again (strip, bytes
        // appended): the length tells those apart, at the cost of one render.
        hasher.update(file.metadata()?.len().to_le_bytes());
    } else {
        hasher.update(b"zat-program\0");
        hasher.update(zat_plugin_host::sha256_file(&path)?.as_bytes());
    }
    Ok(hasher.finalize().into())
}

/// The GNU build ID of an ELF file (the descriptor of its `NT_GNU_BUILD_ID` note), or `None`
/// when the file is not ELF or has none.
fn build_id(file: &mut std::fs::File) -> Option<Vec<u8>> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let mut head = [0u8; 64];
    file.read_exact(&mut head).ok()?;
    let elf = Elf::of(&head)?;
    // A program has a dozen program headers of 56 bytes; anything far larger is not read.
    if elf.phnum > 4096 || elf.phentsize > 256 {
        return None;
    }
    let mut headers = vec![0u8; usize::from(elf.phentsize) * usize::from(elf.phnum)];
    file.seek(SeekFrom::Start(elf.phoff)).ok()?;
    file.read_exact(&mut headers).ok()?;
    for header in headers.chunks_exact(usize::from(elf.phentsize)) {
        const PT_NOTE: u32 = 4;
        if elf.u32(header, 0)? != PT_NOTE {
            continue;
        }
        let (offset, size) = if elf.wide {
            (elf.u64(header, 8)?, elf.u64(header, 32)?)
        } else {
            (u64::from(elf.u32(header, 4)?), u64::from(elf.u32(header, 16)?))
        };
        // Notes are small; a larger segment is not one this reads.
        let Some(size) = usize::try_from(size).ok().filter(|&n| n <= 1 << 16) else { continue };
        let mut notes = vec![0u8; size];
        file.seek(SeekFrom::Start(offset)).ok()?;
        file.read_exact(&mut notes).ok()?;
        if let Some(id) = elf.gnu_build_id(&notes) {
            return Some(id.to_vec());
        }
    }
    None
}

/// What [`build_id`] needs of an ELF header.
struct Elf {
    wide: bool,
    little: bool,
    phoff: u64,
    phentsize: u16,
    phnum: u16,
}

impl Elf {
    fn of(head: &[u8; 64]) -> Option<Elf> {
        if head[..4] != *b"\x7fELF" {
            return None;
        }
        let wide = match head[4] {
            1 => false,
            2 => true,
            _ => return None,
        };
        let little = match head[5] {
            1 => true,
            2 => false,
            _ => return None,
        };
        let mut elf = Elf { wide, little, phoff: 0, phentsize: 0, phnum: 0 };
        let (phoff, sizes) = if wide {
            (elf.u64(head, 0x20)?, 0x36)
        } else {
            (u64::from(elf.u32(head, 0x1c)?), 0x2a)
        };
        elf.phoff = phoff;
        elf.phentsize = elf.u16(head, sizes)?;
        elf.phnum = elf.u16(head, sizes + 2)?;
        let least = if wide { 56 } else { 32 };
        (usize::from(elf.phentsize) >= least).then_some(elf)
    }

    fn bytes<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
        bytes.get(at..at.checked_add(N)?)?.try_into().ok()
    }

    fn u16(&self, bytes: &[u8], at: usize) -> Option<u16> {
        let b = Self::bytes(bytes, at)?;
        Some(if self.little { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) })
    }

    fn u32(&self, bytes: &[u8], at: usize) -> Option<u32> {
        let b = Self::bytes(bytes, at)?;
        Some(if self.little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }

    fn u64(&self, bytes: &[u8], at: usize) -> Option<u64> {
        let b = Self::bytes(bytes, at)?;
        Some(if self.little { u64::from_le_bytes(b) } else { u64::from_be_bytes(b) })
    }

    /// The descriptor of the first `GNU` note of type 3 in a note segment.
    fn gnu_build_id<'n>(&self, mut notes: &'n [u8]) -> Option<&'n [u8]> {
        const NT_GNU_BUILD_ID: u32 = 3;
        let padded = |n: usize| n.checked_add(3).map(|n| n & !3);
        while notes.len() >= 12 {
            let name_size = usize::try_from(self.u32(notes, 0)?).ok()?;
            let desc_size = usize::try_from(self.u32(notes, 4)?).ok()?;
            let kind = self.u32(notes, 8)?;
            let desc_at = 12usize.checked_add(padded(name_size)?)?;
            let end = desc_at.checked_add(padded(desc_size)?)?;
            let name = notes.get(12..12 + name_size)?;
            let desc = notes.get(desc_at..desc_at.checked_add(desc_size)?)?;
            if kind == NT_GNU_BUILD_ID && name == b"GNU\0" && !desc.is_empty() {
                return Some(desc);
            }
            notes = notes.get(end..)?;
        }
        None
    }
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

    /// The build ID as `readelf -n` shows it, where binutils is installed (CI has it with gcc).
    #[test]
    fn the_build_id_is_the_one_the_linker_wrote() {
        // Named by its path: `/proc/self/exe` is readelf itself in readelf.
        let path = std::env::current_exe().expect("the test binary");
        let id = build_id(&mut std::fs::File::open(&path).expect("open"));
        let Ok(output) = std::process::Command::new("readelf").arg("-n").arg(&path).output() else {
            eprintln!("no readelf here: the build ID is not compared");
            return;
        };
        let listed = String::from_utf8_lossy(&output.stdout).into_owned();
        let shown = listed.lines().find_map(|line| line.trim().strip_prefix("Build ID: "));
        let hex = id.map(|id| id.iter().map(|b| format!("{b:02x}")).collect::<String>());
        assert_eq!(hex.as_deref(), shown, "{listed}");
    }

    #[test]
    fn notes_and_headers_of_any_shape_are_read_without_a_panic() {
        let elf = Elf { wide: true, little: true, phoff: 0, phentsize: 56, phnum: 0 };
        let mut notes = Vec::new();
        // Another vendor's note, then the build ID.
        for (name, kind, desc) in [(&b"Go\0\0"[..], 4u32, &b"xyz"[..]), (b"GNU\0", 3, b"\x01\x02")]
        {
            notes.extend((name.len() as u32).to_le_bytes());
            notes.extend((desc.len() as u32).to_le_bytes());
            notes.extend(kind.to_le_bytes());
            notes.extend(name);
            notes.extend(desc);
            notes.resize(notes.len().next_multiple_of(4), 0);
        }
        assert_eq!(elf.gnu_build_id(&notes), Some(&b"\x01\x02"[..]));
        for cut in 0..notes.len() {
            let _ = elf.gnu_build_id(&notes[..cut]);
        }
        let mut huge = notes.clone();
        huge[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(elf.gnu_build_id(&huge), None);
        let mut head = [0u8; 64];
        assert!(Elf::of(&head).is_none(), "not ELF");
        head[..6].copy_from_slice(b"\x7fELF\x02\x01");
        assert!(Elf::of(&head).is_none(), "program headers too small");
    }
}
