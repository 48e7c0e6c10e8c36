//! The bytes of a plugin library, read once through one open file, and the private copy they
//! are loaded from: what the host checks (owner, mode, sha256) is what runs.
//!
//! Loading a library by its path after checking the file at that path is a race: the file
//! can be replaced (renamed over, or rewritten in place) between the check and the load, and
//! the dynamic loader maps a file lazily, so even a library already opened by its path can
//! change under it. Reading the bytes once and loading a copy that nobody else can reach
//! closes both: on Linux the copy is a sealed memory file (`memfd_create`, then
//! `dlopen("/proc/self/fd/N")`), which not even its owner can change; elsewhere it is a file
//! in a fresh folder of mode 0700 under the temporary folder, removed once it is loaded
//! (weaker: a process of the same user could change it meanwhile, but such a process can
//! already change zat itself).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A plugin library as read from its file: where it was, what it holds, its sha256, and what
/// the open file said about its owner and mode.
#[derive(Debug)]
pub(crate) struct Image {
    path: PathBuf,
    bytes: Vec<u8>,
    sha256: String,
    metadata: Option<std::fs::Metadata>,
}

impl Image {
    /// Opens `path` once and reads it whole; the metadata is that of the open file, so it
    /// describes these bytes even if the path is changed meanwhile.
    pub(crate) fn read(path: &Path) -> std::io::Result<Image> {
        let (mut file, metadata) = open_regular(path)?;
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        let mut image = Image::from_bytes(path, bytes);
        image.metadata = Some(metadata);
        Ok(image)
    }

    /// An image of bytes read elsewhere (the worker gets them from the host), named `path`
    /// in messages.
    pub(crate) fn from_bytes(path: &Path, bytes: Vec<u8>) -> Image {
        let sha256 = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        Image { path: path.to_owned(), bytes, sha256, metadata: None }
    }

    /// The library's path, for messages and the plugin's origin; never what is loaded.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Lower-case hex sha256 of the bytes.
    pub(crate) fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The open file's metadata, for an image read from a file.
    pub(crate) fn metadata(&self) -> Option<&std::fs::Metadata> {
        self.metadata.as_ref()
    }

    /// A private copy of the bytes for the dynamic loader to open, and the path to open it
    /// by. The copy lives as long as the returned [`Loadable`]; drop that once the library is
    /// loaded (the loaded mapping stays valid).
    pub(crate) fn private_copy(&self) -> std::io::Result<Loadable> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(copy) = memfd_copy(&self.bytes)? {
            return Ok(copy);
        }
        folder_copy(&self.bytes)
    }
}

/// Opens `path` for reading, and refuses it unless the open file is a regular file.
///
/// The file's type is read from the open file (never from a path that may change meanwhile),
/// and the open itself does not wait: opening a FIFO for reading blocks until someone writes
/// to it, which would hang zat for good, so it is opened without blocking (`O_NONBLOCK`,
/// which a read of a regular file ignores) and then refused, never read.
pub(crate) fn open_regular(path: &Path) -> std::io::Result<(std::fs::File, std::fs::Metadata)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let nonblock = rustix::fs::OFlags::NONBLOCK.bits();
        options.custom_flags(i32::try_from(nonblock).unwrap_or(0));
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if metadata.is_file() {
        return Ok((file, metadata));
    }
    Err(std::io::Error::other(format!(
        "it is {}, not a regular file; give the file itself",
        file_kind(&metadata.file_type())
    )))
}

/// What a file that is not a regular file is, in words.
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() { "a folder" } else { "not a file zat reads" }
}

/// A private copy of a library's bytes, opened by [`Loadable::path`].
#[derive(Debug)]
pub(crate) struct Loadable {
    path: PathBuf,
    /// The private folder to remove when the copy is dropped (none for a memory file).
    folder: Option<PathBuf>,
}

impl Loadable {
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Loadable {
    fn drop(&mut self) {
        if let Some(folder) = &self.folder {
            // Where the platform keeps a loaded library's file busy, it stays behind; the
            // folder is private and the temporary folder's cleaning takes it later.
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// A sealed memory file holding `bytes`, opened by `/proc/self/fd/N`; `None` where this
/// kernel has no memory files or `/proc` is not mounted.
///
/// The descriptor is never closed, as the library is never unloaded: the loader knows a
/// library by the name it was opened by, and a later memory file given the same descriptor
/// number would otherwise be taken for the library already loaded.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn memfd_copy(bytes: &[u8]) -> std::io::Result<Option<Loadable>> {
    use rustix::fs::{MemfdFlags, SealFlags};
    if !Path::new("/proc/self/fd").is_dir() {
        return Ok(None);
    }
    let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
    // Kernels from 6.3 on may make memory files not executable unless asked (MFD_EXEC);
    // older ones refuse the flag, and need none.
    let fd = match rustix::fs::memfd_create("zat-plugin", flags | MemfdFlags::EXEC) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::INVAL) => match rustix::fs::memfd_create("zat-plugin", flags) {
            Ok(fd) => fd,
            Err(_) => return Ok(None),
        },
        Err(_) => return Ok(None),
    };
    let mut file = std::fs::File::from(fd);
    std::io::Write::write_all(&mut file, bytes)?;
    rustix::fs::fcntl_add_seals(
        &file,
        SealFlags::WRITE | SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL,
    )?;
    let fd = std::os::fd::IntoRawFd::into_raw_fd(file);
    Ok(Some(Loadable { path: PathBuf::from(format!("/proc/self/fd/{fd}")), folder: None }))
}

/// A file holding `bytes` in a fresh folder only this user can enter.
fn folder_copy(bytes: &[u8]) -> std::io::Result<Loadable> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COPIES: AtomicU64 = AtomicU64::new(0);
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let folder = std::env::temp_dir().join(format!(
        "zat-plugin-{}-{clock:x}-{}",
        std::process::id(),
        COPIES.fetch_add(1, Ordering::Relaxed)
    ));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    // `create` fails if the folder exists: nobody else's folder is ever used.
    builder.create(&folder)?;
    let path = folder.join(format!("plugin{}", std::env::consts::DLL_SUFFIX));
    let copy = Loadable { path, folder: Some(folder) };
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&copy.path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, bytes))?;
    Ok(copy)
}

/// Runs `read` on a new FIFO named `name` on a thread of its own and gives back its error:
/// a read that opened the FIFO would wait for a writer for good, so the test fails after ten
/// seconds instead of hanging the test run.
#[cfg(all(test, unix))]
pub(crate) fn error_reading_a_fifo<T: 'static, E: std::fmt::Display + 'static>(
    name: &str,
    read: fn(&Path) -> Result<T, E>,
) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join(name);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(read(&fifo).map(|_| ()).map_err(|e| e.to_string()));
    });
    let read = receiver.recv_timeout(std::time::Duration::from_secs(10));
    read.expect("reading a FIFO must not block").expect_err("a FIFO is refused")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_is_the_bytes_read_and_its_copy_holds_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("libx.so");
        std::fs::write(&path, "abc").expect("write");
        let image = Image::read(&path).expect("read");
        assert_eq!(
            image.sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        std::fs::write(&path, "changed").expect("write");
        let copy = image.private_copy().expect("copy");
        assert_eq!(std::fs::read(copy.path()).expect("read the copy"), b"abc");
        let folder = folder_copy(b"abc").expect("folder copy");
        let inside = folder.path().to_owned();
        assert_eq!(std::fs::read(&inside).expect("read"), b"abc");
        drop(folder);
        assert!(!inside.exists(), "the private copy is removed");
    }

    /// A FIFO is refused at once, never opened for reading (which would wait for a writer
    /// for good); a folder and a device are refused too.
    #[cfg(unix)]
    #[test]
    fn only_a_regular_file_is_read_and_a_fifo_does_not_block() {
        let error = super::error_reading_a_fifo("libfifo.so", Image::read);
        assert!(error.contains("it is a FIFO (named pipe), not a regular file"), "{error}");
        let dir = tempfile::tempdir().expect("temp dir");
        let error = Image::read(dir.path()).map(|_| ()).expect_err("a folder");
        assert!(error.to_string().contains("it is a folder"), "{error}");
        let error = Image::read(Path::new("/dev/zero")).map(|_| ()).expect_err("a device");
        assert!(error.to_string().contains("it is a device"), "{error}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_memory_copy_is_sealed() {
        let copy = memfd_copy(b"abc").expect("memfd").expect("linux has memory files");
        let write = std::fs::OpenOptions::new()
            .write(true)
            .open(copy.path())
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"x"));
        assert!(write.is_err(), "a sealed copy cannot be written");
        assert_eq!(std::fs::read(copy.path()).expect("read"), b"abc");
    }
}
