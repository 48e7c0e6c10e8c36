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
//! The file is there only while a build holds it: the holder removes it before it lets go.
//! A build that waited on a file removed meanwhile finds that the path no longer names the
//! file it locked, and takes the lock again on the file there now (made anew if need be). A
//! killed build's lock goes with the process; the file it leaves is taken by the next build.

use std::fs;
use std::path::{Path, PathBuf};

use crate::BundleError;

/// Name of the lock of the output folder `name`, beside it.
pub(crate) fn lock_name(name: &str) -> String {
    format!(".{name}.zat-lock")
}

/// The output folder's lock, held until dropped; dropping it removes the file, then lets go.
#[derive(Debug)]
pub(crate) struct OutputLock {
    path: PathBuf,
    _file: fs::File,
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still held: a build waiting on this file then sees that the path no
        // longer names it, and takes the lock on a new one.
        let _ = fs::remove_file(&self.path);
    }
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
    take(&parent.join(lock_name(name)), out)
}

#[cfg(unix)]
fn take(path: &Path, out: &Path) -> Result<Option<OutputLock>, BundleError> {
    use rustix::fs::{AtFlags, CWD, FlockOperation, Mode, OFlags};
    use rustix::io::Errno;

    let mut told = false;
    loop {
        // Never through a link: a link by this name is an error, not a way to lock elsewhere.
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::from_raw_mode(0o644)).map_err(|e| {
            BundleError::Io {
                action: "create the lock of the output folder",
                path: path.to_owned(),
                source: e.into(),
            }
        })?;
        match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(Errno::WOULDBLOCK) => {
                if !told {
                    tracing::warn!(
                        "waiting for another zat build of {} to finish (it holds {})",
                        out.display(),
                        path.display()
                    );
                    told = true;
                }
                loop {
                    match rustix::fs::flock(&fd, FlockOperation::LockExclusive) {
                        Ok(()) => break,
                        Err(Errno::INTR) => {}
                        Err(_) => return Ok(unlocked(path)),
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
            return Ok(Some(OutputLock { path: path.to_owned(), _file: fs::File::from(fd) }));
        }
    }
}

/// A file system without locks: the file just made goes, and the build runs unlocked, as it
/// did before there was a lock.
#[cfg(unix)]
fn unlocked(path: &Path) -> Option<OutputLock> {
    let _ = fs::remove_file(path);
    None
}

#[cfg(not(unix))]
fn take(_path: &Path, _out: &Path) -> Result<Option<OutputLock>, BundleError> {
    Ok(None)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_build_waits_until_the_first_lets_go_and_no_file_stays() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let path = dir.path().join(lock_name("out"));
        let first = lock_output(dir.path(), "out", &out).expect("lock").expect("held");
        assert!(path.is_file(), "the lock file is there while held");
        let (sent, got) = mpsc::channel();
        let waiting = std::thread::spawn({
            let (parent, out) = (dir.path().to_owned(), out.clone());
            move || {
                let second = lock_output(&parent, "out", &out).expect("lock").expect("held");
                sent.send(()).expect("send");
                drop(second);
            }
        });
        assert!(
            got.recv_timeout(Duration::from_millis(300)).is_err(),
            "the second lock was taken while the first was held"
        );
        drop(first);
        got.recv_timeout(Duration::from_secs(10)).expect("the second lock is taken once free");
        waiting.join().expect("the waiting thread");
        assert!(!path.exists(), "the lock file goes with the last holder");
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
