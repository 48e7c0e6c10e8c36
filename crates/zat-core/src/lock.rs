//! The lock that keeps two builds of one output folder apart.
//!
//! A build links every file it keeps from the bundle in place when it gets to it. Two builds
//! of one folder at once (two CI jobs on one checkout, a build started twice) would each link
//! from the bundle the other one had just swapped in, whose bytes may differ, under a manifest
//! that names the old ones: a bundle that no longer matches its own manifest, which every
//! later build refuses. So a build holds `.NAME.zat-lock` beside the folder, exclusively, from
//! before it reads the old bundle until the new one and the base are in place, and a second
//! build waits for it (and says so on stderr).
//!
//! `zat build --check` and `zat diff` read the bundle file by file while they render, so they
//! hold the same lock shared: any number of them at once, none while a build writes, so that
//! none reads half the old bundle and half the new one. One that cannot make the file (a
//! folder it may not write into) reads without it.
//!
//! The file is there only while someone holds it: a build removes it before it lets go, and
//! so does the last reader (one that can take it alone as it leaves). Whoever waited on a file
//! removed meanwhile finds that the path no longer names the file it locked, and takes the
//! lock again on the file there now (made anew if need be). A killed process's lock goes with
//! it; the file it leaves is taken by the next one.

use std::fs;
use std::path::{Path, PathBuf};

use crate::BundleError;

/// Name of the lock of the output folder `name`, beside it.
pub(crate) fn lock_name(name: &str) -> String {
    format!(".{name}.zat-lock")
}

/// The output folder's lock, held until dropped; dropping it removes the file (a shared one
/// only when no one else holds it), then lets go.
#[derive(Debug)]
pub(crate) struct OutputLock {
    path: PathBuf,
    file: fs::File,
    shared: bool,
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still held alone: whoever waits on this file then sees that the path
        // no longer names it, and takes the lock on a new one.
        if !self.shared || alone(&self.file) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Whether a reader's lock can become exclusive at once: no one else holds or shares it.
#[cfg(unix)]
fn alone(file: &fs::File) -> bool {
    rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
}

#[cfg(not(unix))]
fn alone(_file: &fs::File) -> bool {
    false
}

/// Takes the lock of the output folder `name` in `parent`, waiting while another build holds
/// it. `None` when there is nothing to lock with: `parent` does not exist yet (a build that
/// makes it cannot be raced into a bundle, as the second rename into place fails), or the file
/// system has no locks, or the platform has no `flock`.
pub(crate) fn lock_output(
    parent: &Path,
    name: &str,
    out: &Path,
) -> Result<Option<OutputLock>, BundleError> {
    if !parent.is_dir() {
        return Ok(None);
    }
    take(&parent.join(lock_name(name)), out, false)
}

/// Takes the lock of the output folder `name` in `parent` shared, to read the bundle while no
/// build writes it, waiting while a build holds it. `None` when there is no lock to take: as
/// for [`lock_output`], or when the file cannot be made (reading never fails for the lock).
pub(crate) fn lock_output_shared(parent: &Path, name: &str, out: &Path) -> Option<OutputLock> {
    if !parent.is_dir() {
        return None;
    }
    take(&parent.join(lock_name(name)), out, true).ok().flatten()
}

#[cfg(unix)]
fn take(path: &Path, out: &Path, shared: bool) -> Result<Option<OutputLock>, BundleError> {
    use rustix::fs::{AtFlags, CWD, FlockOperation, Mode, OFlags};
    use rustix::io::Errno;
    use std::io::Write as _;

    let (at_once, waiting) = if shared {
        (FlockOperation::NonBlockingLockShared, FlockOperation::LockShared)
    } else {
        (FlockOperation::NonBlockingLockExclusive, FlockOperation::LockExclusive)
    };
    let mut told = false;
    // Each turn ends with the lock held, or finds its file removed by a holder that let go;
    // a path that keeps naming another file than the one locked (never seen) is given up on.
    for _ in 0..TURNS {
        // Never through a link: a link by this name is an error, not a way to lock elsewhere.
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let opened = rustix::fs::open(path, flags, Mode::from_raw_mode(0o644)).or_else(|e| {
            // Left by another user (a killed build of theirs): a lock needs no write access.
            let read_only = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            // When there is none to open either, the first error is the one to tell.
            if e == Errno::ACCESS {
                rustix::fs::open(path, read_only, Mode::empty()).map_err(|_| e)
            } else {
                Err(e)
            }
        });
        let fd = opened.map_err(|e| BundleError::Io {
            action: "create the lock of the output folder",
            path: path.to_owned(),
            source: e.into(),
        })?;
        match rustix::fs::flock(&fd, at_once) {
            Ok(()) => {}
            Err(Errno::WOULDBLOCK) => {
                if !told {
                    let holder =
                        holder(&fd).map(|pid| format!(", process {pid}")).unwrap_or_default();
                    tracing::warn!(
                        "waiting for another zat run that uses {} to finish (it holds {}{holder})",
                        out.display(),
                        path.display()
                    );
                    told = true;
                }
                loop {
                    match rustix::fs::flock(&fd, waiting) {
                        Ok(()) => break,
                        Err(Errno::INTR) => {}
                        // Someone else holds this file: it stays theirs.
                        Err(_) => return Ok(None),
                    }
                }
            }
            Err(_) => return Ok(unlocked(path)),
        }
        // The holder this build waited on removed the file as it let go: the lock is taken
        // on whatever file the path names now.
        let held = rustix::fs::fstat(&fd);
        let named = rustix::fs::statat(CWD, path, AtFlags::SYMLINK_NOFOLLOW);
        if let (Ok(held), Ok(named)) = (held, named)
            && (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)
        {
            let file = fs::File::from(fd);
            if !shared {
                // Who holds it, for whoever waits (readers, several at once, write nothing).
                let _ = file
                    .set_len(0)
                    .and_then(|()| (&file).write_all(std::process::id().to_string().as_bytes()));
            }
            return Ok(Some(OutputLock { path: path.to_owned(), file, shared }));
        }
    }
    Ok(None)
}

/// How many times [`take`] tries before it goes on without the lock.
#[cfg(unix)]
const TURNS: usize = 1000;

/// The process that holds the lock as a build, when the file names one still running (a
/// killed build's number may stay in a file a reader took over after it).
#[cfg(unix)]
fn holder(fd: &rustix::fd::OwnedFd) -> Option<u32> {
    let mut text = [0u8; 16];
    let read = rustix::io::pread(fd, &mut text, 0).ok()?;
    let pid: u32 = std::str::from_utf8(text.get(..read)?).ok()?.trim().parse().ok()?;
    crate::bundle::process_alive(pid).then_some(pid)
}

/// A file system without locks (no one can hold one there): the file just made goes, and the
/// run goes on unlocked, as it did before there was a lock.
#[cfg(unix)]
fn unlocked(path: &Path) -> Option<OutputLock> {
    let _ = fs::remove_file(path);
    None
}

#[cfg(not(unix))]
fn take(_path: &Path, _out: &Path, _shared: bool) -> Result<Option<OutputLock>, BundleError> {
    Ok(None)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// A build takes the lock of `dir/out` on a thread of its own only once `holders` let go,
    /// and the file goes with it.
    fn a_build_waits_for(dir: &Path, holders: Vec<OutputLock>) {
        let (sent, got) = mpsc::channel();
        let parent = dir.to_owned();
        let building = std::thread::spawn(move || {
            let build = lock_output(&parent, "out", &parent.join("out")).expect("lock");
            assert!(build.is_some(), "held");
            sent.send(()).expect("send");
        });
        assert!(
            got.recv_timeout(Duration::from_millis(300)).is_err(),
            "a build took the lock while another held it"
        );
        drop(holders);
        got.recv_timeout(Duration::from_secs(10)).expect("the build goes once the lock is free");
        building.join().expect("the building thread");
        assert!(!dir.join(lock_name("out")).exists(), "the lock file goes with the last holder");
    }

    #[test]
    fn a_second_build_waits_until_the_first_lets_go_and_no_file_stays() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = lock_output(dir.path(), "out", &dir.path().join("out")).expect("lock");
        let path = dir.path().join(lock_name("out"));
        assert!(path.is_file(), "the lock file is there while held");
        // It names the build that holds it, for the message of whoever waits.
        let named = fs::read_to_string(&path).expect("read the lock");
        assert_eq!(named, std::process::id().to_string());
        let fd = rustix::fs::open(&path, rustix::fs::OFlags::RDONLY, rustix::fs::Mode::empty())
            .expect("open the lock");
        assert_eq!(holder(&fd), Some(std::process::id()));
        a_build_waits_for(dir.path(), first.into_iter().collect());
    }

    #[test]
    fn readers_share_the_lock_a_build_waits_for_them_and_the_last_removes_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let one = lock_output_shared(dir.path(), "out", &out).expect("shared");
        let two = lock_output_shared(dir.path(), "out", &out).expect("shared with the first");
        drop(one);
        assert!(dir.path().join(lock_name("out")).is_file(), "a reader leaves it to another");
        a_build_waits_for(dir.path(), vec![two]);
    }

    #[test]
    fn a_lock_file_left_by_a_killed_build_is_taken_and_a_link_is_never_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let path = dir.path().join(lock_name("out"));
        fs::write(&path, b"").expect("a leftover lock file");
        let lock = lock_output(dir.path(), "out", &out).expect("lock").expect("held");
        drop(lock);
        assert!(!path.exists());
        let elsewhere = dir.path().join("elsewhere");
        fs::write(&elsewhere, b"the user's").expect("write");
        std::os::unix::fs::symlink(&elsewhere, &path).expect("link");
        let refused = lock_output(dir.path(), "out", &out).expect_err("a link is refused");
        assert!(refused.to_string().contains(".out.zat-lock"), "{refused}");
        assert_eq!(fs::read(&elsewhere).expect("read"), b"the user's");
        assert!(
            lock_output(&dir.path().join("missing"), "out", &out).expect("no error").is_none(),
            "no parent yet: nothing to lock"
        );
    }
}
