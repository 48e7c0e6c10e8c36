//! Streaming, incremental bundle writing: files go to disk as units render, unchanged files
//! are carried over from the previous bundle by hard link, and the whole tree still switches
//! atomically.
//!
//! [`BundleWriter::begin`] checks the output folder exactly as [`crate::Bundle::write`] does
//! (an existing folder must be a bundle zat wrote, unchanged, or empty) and opens a temporary
//! sibling. Each file then goes in as it comes ([`BundleWriter::add`]): a file whose bytes the
//! old bundle already holds is linked to the old file (same inode, same mtime), any other is
//! written. Each file's manifest entry is written as it comes too, to a nameless scratch file
//! beside the bundle (`crate::spill`), and so is its line of the next state once it is
//! written; only its path, plugin and change stay in memory.
//! [`BundleWriter::finish`] writes the manifest from the scratch file in path order and the
//! state behind its header, syncs, swaps the new tree in and removes the old, or keeps it.
//!
//! The old tree is kept beside the bundle as the next build's base (`.NAME.zat-base`) when
//! the two share most files: then the next build does not start from an empty temporary tree
//! but renames the base into it. The base already holds the old bundle's inode at every path
//! whose file did not change since the build before, so a kept file needs no link at all; a
//! written file is unlinked first and created anew (an inode of the base may be the old
//! bundle's, so none is opened for writing); and one walk of the tree's folders at the end
//! removes what the new bundle does not list and links every kept file whose inode is not the
//! old bundle's. The walk trusts nothing in the base, so any base gives the same tree.
//!
//! At the bundle root, `.zat-state` ([`STATE_FILE`]) remembers what the build wrote: each
//! file's inode, mtime and size (so the next build trusts an untouched file without reading
//! it) and, per plugin and unit, the hash of the request and the files it gave (so the next
//! build does not render that unit again). A stamp vouches for a file only when the file's
//! ctime is also earlier than the state's own time, which the build sets after its last change
//! to an inode of the bundle ([`vouches`]): an edit in place with its mtime put back keeps the
//! stamp but moves the ctime. It is written into the new tree before the swap,
//! so it always describes the bundle it sits in; it is not a file of the bundle (not in the
//! manifest, skipped by [`crate::read_tree`]). It is an accelerator only: it is also bound to
//! the manifest's hash, and when it is missing, stale or unreadable every file is checked by
//! its bytes and every unit renders, with the same result.
//!
//! Invariants: the bundle on disk is always the old one or the new one; the bundle written
//! does not depend on the state, on the order files come in, or on how many threads add them
//! (only the order of the state's own lines does, which its reader ignores).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::{self, BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use sha2::{Digest, Sha256};

use crate::bundle::STATE_FILE;
use crate::bundle::{
    Existing, enclosing_bundle, folders_of, inspect_existing, io_error, mount_point, output_folder,
    path_clashes, remove_stale, split_output, swap, sync_dir, sync_tree, temp_name,
    write_file_stat,
};
use crate::lock::{OutputLock, lock_output};
use crate::manifest::{Files, ManifestFile, Near};
use crate::spill::{Listed, Listing};
use crate::{BundleError, BundleFile, MANIFEST_FILE};

/// First line of a state file; another first line means another format, which is ignored.
const STATE_HEADER: &str = "zat-state 1";

/// A file of the bundle as the writer records it: what the manifest needs, without the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub path: String,
    pub size: u64,
    pub sha256: [u8; 32],
    pub target: Option<String>,
    pub placement: Option<zat_model::Placement>,
    pub emitter: Arc<str>,
}

/// What became of one file compared with the old bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Not in the old bundle.
    Added,
    /// In the old bundle with other bytes: written anew.
    Changed,
    /// Same bytes as in the old bundle: carried over by hard link, not written.
    Kept,
    /// Same bytes as in the old bundle, which is also in the base the new tree was made from:
    /// nothing done yet. [`BundleWriter::reconcile`] sees that the new tree holds the old
    /// file's inode at this path (the one its stamp names), and links it when it does not.
    KeptInBase,
}

/// How a written bundle differs from the one it replaced (files only, the manifest aside).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files in the new bundle.
    pub files: usize,
    pub added: usize,
    pub changed: usize,
    /// In the old bundle, not in the new one.
    pub removed: usize,
    pub kept: usize,
    /// Files of the old bundle read by their bytes before the build, as the state did not
    /// vouch for them (none after a build with nothing changed since on disk, but for those
    /// zat changed in the clock tick it ended in: see `vouches`).
    pub read: usize,
}

/// One plugin's answer for one unit, as the last build recorded it: the files it gave and its
/// diagnostics as JSON, under a key that hashes everything the answer depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRecord {
    /// Diagnostics as a JSON array (one line).
    pub diagnostics: String,
    pub paths: Vec<String>,
}

/// A unit's answer as the old state recorded it, its files by their place in the old
/// manifest (a path of its own for each would hold every path of the bundle once more).
#[derive(Debug)]
pub(crate) struct OldUnit {
    diagnostics: OldDiagnostics,
    files: Box<[u32]>,
}

impl OldUnit {
    /// The places of the unit's files in the old manifest.
    pub(crate) fn files(&self) -> &[u32] {
        &self.files
    }

    /// The unit's diagnostics as JSON, read from the old state `file` when there are any;
    /// `None` when they no longer read as diagnostics there (the state is an accelerator: one
    /// changed since it was read only costs the unit a render).
    pub(crate) fn diagnostics(&self, file: Option<&mut fs::File>) -> Option<String> {
        use std::io::{Read as _, Seek as _};
        let OldDiagnostics::At { offset, len } = self.diagnostics else {
            return Some("[]".to_owned());
        };
        let file = file?;
        file.seek(io::SeekFrom::Start(offset)).ok()?;
        let mut bytes = vec![0; usize::try_from(len).ok()?];
        file.read_exact(&mut bytes).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        serde_json::from_str::<Vec<zat_model::Diagnostic>>(&text).ok()?;
        Some(text)
    }
}

/// Where an old unit's diagnostics are: none, or a span of the old state, read only when the
/// unit is carried (a fleet whose requesters each get a note has a few KB of them per LPAR:
/// held for every unit, 64 MB at 4,000 LPARs).
#[derive(Debug)]
enum OldDiagnostics {
    None,
    At { offset: u64, len: u32 },
}

/// The old units of a state and the state file, open, to read their diagnostics from.
pub(crate) type OldState = (HashMap<String, OldUnit>, Option<fs::File>);

/// The old bundle's file as its manifest lists it, with its stamp from the old state.
#[derive(Debug)]
struct OldFile {
    was: Was,
    target: Option<Arc<str>>,
    placement: Option<Arc<zat_model::Placement>>,
    emitter: Arc<str>,
}

/// What decides whether a file is carried over: the old file's size and hash, and its stamp
/// (a linked file keeps the inode and mtime the old state recorded).
#[derive(Debug, Clone, Copy)]
struct Was {
    size: u64,
    sha256: [u8; 32],
    stamp: Option<Stamp>,
}

/// What the state file says about one file: (inode, mtime in ns since 1970, size). An mtime
/// outside what 64 bits of nanoseconds hold (before 1678 or after 2262) gives no stamp.
pub(crate) type Stamp = (u64, i64, u64);

/// The old bundle's files, in path order, each taken at most once: when the new bundle takes
/// its path (written anew or carried over), so what is left at the end was removed. The
/// manifest's entries themselves, searched by bisection, with no second copy of the list.
struct OldFiles {
    files: Files,
    taken: Vec<bool>,
}

impl std::fmt::Debug for OldFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OldFiles({} of {} left)", self.left(), self.files.len())
    }
}

impl OldFiles {
    fn new(files: Files) -> Self {
        OldFiles { taken: vec![false; files.len()], files }
    }

    /// How many no new file has taken.
    fn left(&self) -> usize {
        self.taken.iter().filter(|taken| !**taken).count()
    }

    /// The old file at `path`, and whether a file of the new bundle took that path already;
    /// `None` when the old bundle does not hold it.
    fn take(&mut self, path: &str) -> Option<(OldFile, bool)> {
        let files = &self.files;
        let at = files.position(path)?;
        let again = std::mem::replace(&mut self.taken[at], true);
        let file = files.get(at);
        if file.missing {
            // Taken (it is not a removed file) but nothing to carry: written as added.
            return None;
        }
        let old = OldFile {
            was: Was { size: file.size, sha256: file.sha256, stamp: files.stamp(at) },
            target: files.target(at).cloned(),
            placement: files.placement(at).cloned(),
            emitter: files.emitter(at),
        };
        Some((old, again))
    }
}

/// The lines of the next state, written as they are known (each file's stamp once it is
/// written, each answer once it is recorded) to a nameless scratch file beside the bundle, and
/// copied behind the state's header at the end: the state is an accelerator, so a line that
/// cannot be written only leaves the state out.
#[derive(Debug)]
struct StateLines {
    file: Option<BufWriter<fs::File>>,
}

impl StateLines {
    fn new(beside: &Path) -> StateLines {
        let file = tempfile::tempfile_in(beside).ok().map(|f| BufWriter::with_capacity(1 << 16, f));
        StateLines { file }
    }

    /// Writes one line; after a failure, no more.
    fn line(&mut self, write: impl FnOnce(&mut BufWriter<fs::File>) -> io::Result<()>) {
        if let Some(file) = &mut self.file
            && write(file).is_err()
        {
            self.file = None;
        }
    }

    fn stamp(&mut self, path: &str, (ino, mtime, size): Stamp) {
        self.line(|out| writeln!(out, "file\t{ino}\t{mtime}\t{size}\t{path}"));
    }

    fn unit(&mut self, key: &str, unit: &UnitRecord) {
        // Diagnostics are one line of JSON; one that is not cannot be a field.
        if unit.diagnostics.contains(['\t', '\n']) {
            return;
        }
        self.line(|out| {
            write!(out, "unit\t{key}\t{}", unit.diagnostics)?;
            for path in &unit.paths {
                write!(out, "\t{path}")?;
            }
            writeln!(out)
        });
    }
}

/// Writes one bundle, file by file, from several threads at once.
#[derive(Debug)]
pub struct BundleWriter {
    out: PathBuf,
    parent: PathBuf,
    /// The parent folder, when this build made it.
    made_parent: Option<PathBuf>,
    temp: PathBuf,
    old_kind: Existing,
    /// Files of the old bundle read by their bytes when it was inspected.
    read: usize,
    /// sha256 of the old bundle's `MANIFEST.json`.
    old_manifest: Option<[u8; 32]>,
    /// The old bundle's files, each taken once when the new bundle takes its path, so what is
    /// left at the end was removed (the old manifest's entries, small: see `manifest.rs`).
    old: Mutex<OldFiles>,
    /// The last build's answers not carried yet (each is carried once, then goes).
    old_units: Mutex<HashMap<String, OldUnit>>,
    /// The old state, where the old units' diagnostics are.
    old_state: Mutex<Option<fs::File>>,
    /// Folders made in the new tree (with a base: folders known to be real folders in it).
    dirs: Mutex<HashSet<String>>,
    /// The new tree was made from the base (the bundle before the old one, kept beside it by
    /// the last build), not empty: it holds that bundle's files until [`Self::reconcile`].
    based: bool,
    /// Keep the old bundle beside the new one as the next build's base (see [`base_name`]).
    keep_previous: bool,
    /// Each file's change from the old bundle, besides its plugin and manifest entry.
    listing: Listing<Change>,
    state: Mutex<StateLines>,
    errors: Mutex<Vec<BundleError>>,
    /// Writing or listing a file failed (see [`Self::put`]).
    io_failed: AtomicBool,
    /// The output folder's lock, let go when the writer is dropped: after the swap and the
    /// base, or once the new tree is removed.
    _lock: Option<OutputLock>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The I/O errors of a failed build, the first of each cause only (what was done, and the
/// error the system gave): a full disk fails every file the threads were writing at that
/// moment, and one line says it. Other errors stay as they are.
fn once_per_cause(errors: Vec<BundleError>) -> Vec<BundleError> {
    let mut seen = HashSet::new();
    errors
        .into_iter()
        .filter(|error| match error {
            BundleError::Io { action, source, .. } => {
                seen.insert((*action, source.kind(), source.raw_os_error()))
            }
            _ => true,
        })
        .collect()
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub(crate) fn hex(bytes: &[u8; 32]) -> String {
    let mut text = String::with_capacity(64);
    for byte in bytes {
        text.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        text.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    text
}

pub(crate) fn unhex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        out[i] = u8::try_from(high * 16 + low).ok()?;
    }
    Some(out)
}

/// What vouches for a file: its inode, mtime and size. None on a file system whose clock is
/// coarse (whole seconds: an edit in the second zat wrote the file would keep all three), so
/// such files are always checked by their bytes.
#[cfg(unix)]
pub(crate) fn stamp(meta: &fs::Metadata) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt as _;
    if meta.mtime_nsec() == 0 {
        return None;
    }
    let mtime = meta.mtime().checked_mul(1_000_000_000)?.checked_add(meta.mtime_nsec())?;
    Some((meta.ino(), mtime, meta.len()))
}

/// Without inode numbers nothing is vouched for: every file is checked by its bytes.
#[cfg(not(unix))]
pub(crate) fn stamp(_meta: &fs::Metadata) -> Option<Stamp> {
    None
}

/// When a file's inode last changed (its ctime, in ns since 1970): any write, any change of
/// its times, names or link count moves it to the file system's "now", and no user can set it
/// back. `touch -d` puts an mtime back; it cannot put this back.
#[cfg(unix)]
fn changed_at(meta: &fs::Metadata) -> Option<i64> {
    use std::os::unix::fs::MetadataExt as _;
    meta.ctime().checked_mul(1_000_000_000)?.checked_add(meta.ctime_nsec())
}

/// The time a state vouches up to (see [`vouches`]): the state file's mtime, which the build
/// set to the file system's "now" once it had changed the bundle for the last time (see
/// [`mark_state`]), capped by the state's own ctime, so that an mtime set by hand (`touch -d`
/// into the future) cannot widen the trust. Anyone who writes the state can make it vouch for
/// anything (its stamps are only text); this bounds what it vouches for by when it was last
/// changed.
#[cfg(unix)]
pub(crate) fn vouched_before(state: &fs::Metadata) -> Option<i64> {
    use std::os::unix::fs::MetadataExt as _;
    let mtime = state.mtime().checked_mul(1_000_000_000)?.checked_add(state.mtime_nsec())?;
    Some(mtime.min(changed_at(state)?))
}

#[cfg(not(unix))]
pub(crate) fn vouched_before(_state: &fs::Metadata) -> Option<i64> {
    None
}

/// Whether a file on disk (`meta`) is the one a state recorded as `recorded`, without reading
/// it: the same stamp (inode, mtime, size), and an inode not changed since `before`, the
/// state's time (see [`vouched_before`]).
///
/// The stamp alone is not enough: an edit in place that keeps the size, with the mtime put
/// back (`touch -d`, or `cp -p` of an older copy over the file, which keeps the inode), keeps
/// all three. Its ctime moves, though, and cannot be put back. Recording each file's ctime
/// would need a `stat` of every file after the build's last link or unlink (zat's own links
/// move ctimes: the kept base, the old tree removed after the swap), 63,504 of them at 1,000
/// LPARs; instead one time is taken after that last change and every file changed before it
/// qualifies. An edit after it gives the file a ctime at or after it. Strictly before, since
/// timestamps are coarse (a clock tick holds many changes): a file zat itself changed in the
/// tick the time was taken in is only read by its bytes, like one whose stamp moved.
///
/// What is left: an edit with its mtime put back while a build runs (after its read of the
/// old bundle, before its end) is as trusted as before; so is any edit if the system clock is
/// set back past it.
pub(crate) fn vouches(recorded: Option<Stamp>, before: Option<i64>, meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    let unchanged = before.zip(changed_at(meta)).is_some_and(|(before, at)| at < before);
    #[cfg(not(unix))]
    let unchanged = {
        let _ = (before, meta);
        false
    };
    recorded.is_some() && unchanged && stamp(meta) == recorded
}

/// Sets the state's mtime to the file system's "now" (its own clock, as ctimes take it, not
/// the process's: a finer process clock could be ahead of the ctime a coarse file-system clock
/// gives an edit made after it), once the build has made its last change to any inode of the
/// bundle: the time the state vouches up to (see [`vouches`]).
///
/// Set twice, so that it lies past the clock tick of the build's last changes: the first time
/// is at or after every change the build made; the second, strictly after the first (at once
/// where the file system gives a fine time to an inode whose time was just read, as Linux does
/// since 6.13; within a tick of a coarse clock elsewhere), is strictly after every one of them,
/// so that the next build reads none of them. Where it does not get past within
/// [`MARK_WAIT`], the files changed in that tick are read by their bytes, which only costs
/// time. A state not marked at all (a build killed after the swap) keeps the time it was
/// written at: the files zat linked or unlinked after that are read by their bytes once.
#[cfg(unix)]
fn mark_state(state: &Path) {
    use rustix::fs::{AtFlags, CWD, Timespec, Timestamps, UTIME_NOW, UTIME_OMIT, utimensat};
    let times = Timestamps {
        last_access: Timespec { tv_sec: 0, tv_nsec: UTIME_OMIT },
        last_modification: Timespec { tv_sec: 0, tv_nsec: UTIME_NOW },
    };
    // An accelerator: a state whose time is not moved on only vouches for less.
    let mark = || {
        utimensat(CWD, state, &times, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        vouched_before(&fs::symlink_metadata(state).ok()?)
    };
    let Some(first) = mark() else { return };
    // Whole seconds: stamps vouch for nothing there (see `stamp`), no use waiting.
    if first % 1_000_000_000 == 0 {
        return;
    }
    let started = std::time::Instant::now();
    while mark().is_some_and(|now| now <= first) && started.elapsed() < MARK_WAIT {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// How long [`mark_state`] waits at most for the file system's clock to tick (a tick is 1 to
/// 10 ms where timestamps are coarse).
#[cfg(unix)]
const MARK_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

#[cfg(not(unix))]
fn mark_state(_state: &Path) {}

impl BundleWriter {
    /// Checks `out` (see [`crate::Bundle::write`] for what is refused) and opens the
    /// temporary tree beside it. An existing bundle's files become candidates to carry over.
    pub fn begin(out: &Path) -> Result<BundleWriter, BundleError> {
        BundleWriter::inspect(out)?.open()
    }

    /// The read-only half of [`BundleWriter::begin`]: checks `out` and reads the old bundle
    /// (its manifest, its state, every file's stamp), changing nothing on disk, so that it can
    /// run beside the fleet script; [`Inspected::open`] then opens the temporary tree.
    pub fn inspect(out: &Path) -> Result<Inspected, BundleError> {
        let out = &output_folder(out);
        let (parent, name) = split_output(out)?;
        // Refused before anything is read or made: the swap at the end could not happen.
        if mount_point(out, &parent) {
            return Err(BundleError::MountPoint { path: out.to_owned() });
        }
        // A folder inside a bundle is refused below; nothing is made there, not even a lock.
        let enclosing = enclosing_bundle(&parent);
        // Held from here until the new bundle and the base are in place (see `lock.rs`).
        let lock = match enclosing {
            Some(_) => None,
            None => lock_output(&parent, &name, out)?,
        };
        // The old manifest's hash binds the state to it, and tells whether the new manifest is
        // the same bytes; read once.
        let old_manifest = old_manifest_sha(out);
        // The state's stamps go straight onto the manifest's entries.
        let mut units = (HashMap::new(), None);
        let (old_kind, manifest, read) = inspect_existing(out, &mut |files| {
            if let Some(sha) = old_manifest {
                units = read_state(&out.join(STATE_FILE), &sha, files).unwrap_or_default();
            }
        })?;
        if let Some(bundle) = enclosing {
            return Err(BundleError::InsideBundle { path: out.to_owned(), bundle });
        }
        let (units, old_state) = units;
        Ok(Inspected {
            out: out.to_owned(),
            parent,
            name,
            old_manifest,
            units,
            old_state,
            old_kind,
            manifest,
            read,
            keep_previous: true,
            lock,
        })
    }
}

/// An output folder checked and its old bundle read by [`BundleWriter::inspect`]; nothing
/// written yet.
pub struct Inspected {
    out: PathBuf,
    parent: PathBuf,
    name: String,
    old_manifest: Option<[u8; 32]>,
    units: HashMap<String, OldUnit>,
    old_state: Option<fs::File>,
    old_kind: Existing,
    manifest: Option<ManifestFile>,
    /// Files of the old bundle read by their bytes.
    read: usize,
    keep_previous: bool,
    /// The output folder's lock, taken before the old bundle was read.
    lock: Option<OutputLock>,
}

impl Inspected {
    /// Whether the build keeps the bundle it replaces beside the new one, as the base of the
    /// next build (default: yes). Without it, the old bundle is removed at the end, and a base
    /// an earlier build kept is removed at once.
    #[must_use]
    pub fn keep_previous(mut self, keep: bool) -> Self {
        self.keep_previous = keep;
        self
    }

    /// Opens the temporary tree beside the output folder: the write half of
    /// [`BundleWriter::begin`].
    ///
    /// When the last build kept a base (`.NAME.zat-base` beside the bundle) and the old
    /// bundle is one zat wrote, the base becomes the temporary tree: most of its files are the
    /// old bundle's (hard links of the same inodes), so only what differs is written, linked
    /// or removed (by one walk of its folders at the end). Nothing in the base is ever written
    /// into: a file is replaced by a new one, never opened for writing, since its inode may be
    /// the old bundle's too.
    pub fn open(self) -> Result<BundleWriter, BundleError> {
        let (parent, name, old_kind, keep_previous) =
            (self.parent, self.name, self.old_kind, self.keep_previous);
        // A folder made for this build goes again when it fails.
        let made_parent = !parent.exists();
        fs::create_dir_all(&parent).map_err(io_error("create", &parent))?;
        remove_stale(&parent, &name);
        let temp = parent.join(temp_name(&name, "new"));
        if fs::symlink_metadata(&temp).is_ok() {
            fs::remove_dir_all(&temp).map_err(io_error("remove", &temp))?;
        }
        let base = parent.join(base_name(&name));
        let has_base = fs::symlink_metadata(&base).is_ok_and(|meta| meta.is_dir());
        let usable = cfg!(unix)
            && keep_previous
            && matches!(old_kind, Existing::Bundle)
            && self.manifest.as_ref().is_some_and(|m| m.files.len() > 0);
        let based = has_base && usable && fs::rename(&base, &temp).is_ok();
        if !based {
            // A base that cannot serve (no old bundle, or keeping is off) only takes room.
            // Anything else by that name (a link, a file) is removed itself: a link is never
            // followed, so what it points at stays.
            if has_base {
                let _ = remove_tree(&base);
            } else {
                clear(&base);
            }
            fs::create_dir(&temp).map_err(io_error("create", &temp))?;
        }
        let listing = match Listing::new(Some(&parent)) {
            Ok(listing) => listing,
            Err(error) => {
                let _ = fs::remove_dir_all(&temp);
                return Err(error);
            }
        };
        let state_lines = StateLines::new(&parent);
        let old = OldFiles::new(self.manifest.map(|m| m.files).unwrap_or_default());
        Ok(BundleWriter {
            out: self.out,
            made_parent: made_parent.then(|| parent.clone()),
            parent,
            temp,
            old_kind,
            read: self.read,
            old_manifest: self.old_manifest,
            old: Mutex::new(old),
            old_units: Mutex::new(self.units),
            old_state: Mutex::new(self.old_state),
            dirs: Mutex::new(HashSet::new()),
            based,
            keep_previous,
            listing,
            state: Mutex::new(state_lines),
            errors: Mutex::new(Vec::new()),
            io_failed: AtomicBool::new(false),
            _lock: self.lock,
        })
    }
}

impl BundleWriter {
    /// What the last build recorded under `key`, when every file of it can be carried over.
    /// Taken: asked again for the same key, it gives `None`.
    pub fn cached_unit(&self, key: &str) -> Option<UnitRecord> {
        let unit = lock(&self.old_units).remove(key)?;
        let paths = {
            let old = lock(&self.old);
            // A file of it was removed by hand: the unit renders again to write it.
            if unit.files.iter().any(|&at| old.files.get(at as usize).missing) {
                return None;
            }
            unit.files.iter().map(|&at| old.files.path(at as usize).to_owned()).collect()
        };
        let diagnostics = unit.diagnostics(lock(&self.old_state).as_mut())?;
        Some(UnitRecord { diagnostics, paths })
    }

    /// Records a plugin's answer for a unit, for the next build's [`Self::cached_unit`].
    pub fn record_unit(&self, key: String, record: UnitRecord) {
        lock(&self.state).unit(&key, &record);
    }

    /// Takes one file: its path is checked, a second file at the same path is refused, and the
    /// file is linked from the old bundle when its bytes are there, written otherwise.
    /// Problems are collected and returned by [`Self::finish`].
    pub fn add(&self, file: BundleFile) {
        let (record, content) = match self.listing.record(file) {
            Ok(taken) => taken,
            Err(error) => return self.fail(error),
        };
        // A path taken already is a second file there: written as new (which fails, the path
        // being in the new tree), and refused once every file is listed.
        let taken = lock(&self.old).take(&record.path);
        let was = taken.filter(|(_, again)| !again).map(|(old, _)| old.was);
        self.put(&record, Some(&content), was);
    }

    /// The old bundle's bytes at `path`, when its manifest lists a file there whose size or
    /// hash differs from `content`: what a changed file replaces (read from the bundle on
    /// disk, which stays whole until the switch).
    pub fn replaced(&self, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        let (size, sha) = {
            let old = lock(&self.old);
            let at = old.files.position(path)?;
            let file = old.files.get(at);
            if file.missing {
                return None;
            }
            (file.size, file.sha256)
        };
        if size == content.len() as u64 && sha == sha256(content) {
            return None;
        }
        fs::read(self.out.join(path)).ok()
    }

    /// Carries `path` of the old bundle over as it is (its unit did not change); the caller
    /// got it from [`Self::cached_unit`]. Returns the record, or `None` when the old bundle
    /// does not hold it, or when another file of this bundle took that path already: then the
    /// path is listed once more and nothing is linked, and the build is refused for the path
    /// given twice, as a build from empty would be.
    pub fn carry(&self, path: &str) -> Option<FileRecord> {
        let (old, again) = lock(&self.old).take(path)?;
        let record = FileRecord {
            path: path.to_owned(),
            size: old.was.size,
            sha256: old.was.sha256,
            target: old.target.as_deref().map(str::to_owned),
            placement: old.placement.as_deref().cloned(),
            emitter: self.listing.emitter(&old.emitter),
        };
        if again {
            if let Err(error) = self.listing.take(&record, Change::Kept) {
                self.fail(error);
            }
            return None;
        }
        self.put(&record, None, Some(old.was));
        Some(record)
    }

    fn fail(&self, error: BundleError) {
        if matches!(error, BundleError::Io { .. }) {
            self.io_failed.store(true, Ordering::Relaxed);
        }
        lock(&self.errors).push(error);
    }

    /// Records and writes one file; `was` is the old bundle's file at its path, if any. Once
    /// writing failed (a full disk, a folder it may not write into), the build cannot end
    /// well: the files that come after are listed (every path problem is still found) but
    /// not written, so that the failure is told once rather than once per file.
    fn put(&self, record: &FileRecord, content: Option<&[u8]>, was: Option<Was>) {
        let change = match was {
            None => Change::Added,
            Some(old) if old.size == record.size && old.sha256 == record.sha256 => {
                match (self.based, old.stamp) {
                    // The inode the old bundle holds, and most likely the base too.
                    (true, Some(_)) => Change::KeptInBase,
                    _ => Change::Kept,
                }
            }
            Some(_) => Change::Changed,
        };
        if let Err(error) = self.listing.take(record, change) {
            self.fail(error);
            return;
        }
        if self.io_failed.load(Ordering::Relaxed) {
            return;
        }
        if let (Change::KeptInBase, Some(stamp)) = (change, was.and_then(|w| w.stamp)) {
            // Once reconciled, the path holds the old file itself: its stamp stays.
            lock(&self.state).stamp(&record.path, stamp);
            return;
        }
        let written = self.make_parents(&record.path).and_then(|()| {
            let to = self.temp.join(&record.path);
            if self.based {
                clear(&to);
            }
            match (change, content) {
                (Change::Kept | Change::KeptInBase, _) => {
                    self.link_old(&record.path, &to, content, was.and_then(|w| w.stamp))
                }
                (_, Some(bytes)) => write_file_stat(&to, bytes).map(|meta| stamp(&meta)),
                (_, None) => Err(BundleError::Io {
                    action: "carry over",
                    path: to,
                    source: io::Error::other("the old bundle no longer holds these bytes"),
                }),
            }
        });
        match written {
            Ok(Some(stamp)) => lock(&self.state).stamp(&record.path, stamp),
            Ok(None) => {}
            Err(error) => self.fail(error),
        }
    }

    /// Links the old file into the new tree; copies it when the file system cannot link.
    /// Returns its stamp for the next state: a link keeps the inode and mtime the old state
    /// recorded (a stale one only costs the next build a read of the file).
    fn link_old(
        &self,
        path: &str,
        to: &Path,
        content: Option<&[u8]>,
        old_stamp: Option<Stamp>,
    ) -> Result<Option<Stamp>, BundleError> {
        let from = self.out.join(path);
        match fs::hard_link(&from, to) {
            Ok(()) => match old_stamp {
                Some(stamp) => Ok(Some(stamp)),
                None => {
                    fs::symlink_metadata(to).map(|m| stamp(&m)).map_err(io_error("inspect", to))
                }
            },
            Err(_) => {
                let bytes = match content {
                    Some(bytes) => bytes.to_vec(),
                    None => fs::read(&from).map_err(io_error("read", &from))?,
                };
                write_file_stat(to, &bytes).map(|meta| stamp(&meta))
            }
        }
    }

    /// Removes the new tree of a build that fails; one made from the base becomes the base
    /// again (the next build's walk trusts nothing in a base, so whatever this build did to
    /// it does no harm), so that a failed build does not cost the next one its base.
    fn drop_tree(&self) {
        if !(self.based && self.keep_as_base()) {
            let _ = fs::remove_dir_all(&self.temp);
        }
    }

    fn make_parents(&self, path: &str) -> Result<(), BundleError> {
        let Some((dir, _)) = path.rsplit_once('/') else { return Ok(()) };
        if lock(&self.dirs).contains(dir) {
            return Ok(());
        }
        let full = self.temp.join(dir);
        if self.based {
            // The base's folders are taken only once seen to be folders: whatever else is
            // where a folder goes now (a file, a link) is removed, never followed.
            let mut at = self.temp.clone();
            for part in dir.split('/') {
                at.push(part);
                match fs::symlink_metadata(&at) {
                    Ok(meta) if meta.is_dir() => continue,
                    Ok(_) => clear(&at),
                    Err(_) => {}
                }
                match fs::create_dir(&at) {
                    Ok(()) => {}
                    // Made by another thread meanwhile.
                    Err(e)
                        if e.kind() == io::ErrorKind::AlreadyExists
                            && fs::symlink_metadata(&at).is_ok_and(|m| m.is_dir()) => {}
                    Err(e) => return Err(io_error("create", &at)(e)),
                }
            }
        } else {
            fs::create_dir_all(&full).map_err(io_error("create", &full))?;
        }
        let mut dirs = lock(&self.dirs);
        let mut rest = dir;
        loop {
            dirs.insert(rest.to_owned());
            match rest.rsplit_once('/') {
                Some((up, _)) => rest = up,
                None => break,
            }
        }
        Ok(())
    }

    /// Drops the new tree: nothing of it stays, the old bundle is untouched.
    pub fn abort(self) {
        self.drop_tree();
        if let Some(parent) = &self.made_parent {
            // Only if empty: nothing but this build can have put anything there.
            let _ = fs::remove_dir(parent);
        }
    }

    /// Checks that no file sits where another needs a folder, writes the manifest, syncs, and
    /// swaps the new tree in; then removes the old one and writes the state. On any error the
    /// new tree is removed and the old bundle stays as it was; every path problem is listed.
    pub fn finish(self) -> Result<WriteSummary, Vec<BundleError>> {
        self.finish_listed().map(|(summary, _)| summary)
    }

    /// [`Self::finish`], with the path of every file of the new bundle, sorted (the manifest
    /// aside).
    pub fn finish_listed(self) -> Result<(WriteSummary, Vec<String>), Vec<BundleError>> {
        // Every unit has answered: the old state is closed before the old tree moves (some
        // systems refuse to move a folder that holds an open file).
        drop(lock(&self.old_state).take());
        let mut errors = std::mem::take(&mut *lock(&self.errors));
        let entries = match self.listing.take_entries() {
            Ok((entries, duplicates)) => {
                errors.extend(duplicates);
                entries
            }
            Err(error) => {
                errors.push(error);
                BTreeMap::new()
            }
        };
        let (mut path_errors, rest): (Vec<BundleError>, Vec<BundleError>) =
            std::mem::take(&mut errors).into_iter().partition(|e| {
                matches!(e, BundleError::BadPath { .. } | BundleError::Duplicate { .. })
            });
        errors = rest;
        let names = self.listing.emitters();
        let clashes = |entries: &BTreeMap<String, Listed<Change>>| {
            path_clashes(entries, |entry| entry.emitter(&names).to_owned())
        };
        if !path_errors.is_empty() || !errors.is_empty() {
            path_errors.extend(clashes(&entries));
            self.abort();
            // A path problem explains any I/O error it caused (a file where a folder must go).
            return Err(if path_errors.is_empty() { once_per_cause(errors) } else { path_errors });
        }
        // The clashes of paths are found while the tree is mended and the manifest written
        // (they take a fifth of the end of a build of 63,505 files): nothing is swapped in
        // before both are done, and a clash still stops the build, its tree left as a failed
        // build leaves it.
        let (staged, path_errors) = std::thread::scope(|scope| {
            let found = scope.spawn(|| clashes(&entries));
            let staged = self.stage(&entries);
            (staged, found.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        });
        if !path_errors.is_empty() {
            self.abort();
            return Err(path_errors);
        }
        let summary = match staged.and_then(|summary| {
            self.swap_in()?;
            Ok(summary)
        }) {
            Ok(summary) => summary,
            Err(error) => {
                // A partial new tree; if removing it fails, the next run removes it as stale.
                self.drop_tree();
                return Err(vec![error]);
            }
        };
        match self.publish(summary) {
            Ok(summary) => Ok((summary, entries.into_keys().collect())),
            Err(error) => Err(vec![error]),
        }
    }

    /// Counts what became of each file, mends the tree made from the base, and writes the
    /// manifest and the state into the new tree.
    fn stage(
        &self,
        entries: &BTreeMap<String, Listed<Change>>,
    ) -> Result<WriteSummary, BundleError> {
        let mut summary =
            WriteSummary { files: entries.len(), read: self.read, ..WriteSummary::default() };
        for entry in entries.values() {
            match entry.more {
                Change::Added => summary.added += 1,
                Change::Changed => summary.changed += 1,
                Change::Kept | Change::KeptInBase => summary.kept += 1,
            }
        }
        // Every path the new bundle took went from the old list: what is left was removed.
        summary.removed = lock(&self.old).left();
        // The walk goes first: it removes the base's own `MANIFEST.json` and `.zat-state`
        // (which may be the old bundle's inodes), so that writing them makes new files rather
        // than truncating the old bundle's. Run side by side, the two would race on them.
        if self.based {
            self.reconcile(entries)?;
        }
        let manifest = self.write_manifest(entries)?;
        // The state describes this tree: it goes in before the swap. It only speeds the next
        // build up, so failing to write it is no error.
        let lines = std::mem::replace(&mut *lock(&self.state), StateLines { file: None });
        let written = fs::symlink_metadata(self.temp.join(MANIFEST_FILE)).ok();
        let manifest_stamp = written.as_ref().and_then(stamp);
        let _ = write_state(&self.temp.join(STATE_FILE), &manifest, manifest_stamp, lines);
        Ok(summary)
    }

    /// Makes the new tree durable and swaps it in where the old bundle was.
    fn swap_in(&self) -> Result<(), BundleError> {
        sync_tree(&self.temp)?;
        // On Linux `syncfs` made every folder durable too; elsewhere sync each one, children
        // before parents.
        if cfg!(not(target_os = "linux")) {
            let folders: BTreeSet<String> = lock(&self.dirs).iter().cloned().collect();
            for dir in folders.iter().rev() {
                sync_dir(&self.temp.join(dir));
            }
        }
        sync_dir(&self.temp);
        match self.old_kind {
            Existing::Missing => fs::rename(&self.temp, &self.out)
                .map_err(io_error("move the new bundle into place at", &self.out)),
            Existing::Bundle => swap(&self.temp, &self.out),
        }
    }

    /// After the swap: keeps the old bundle as the next build's base or removes it, and marks
    /// the state's time.
    fn publish(self, summary: WriteSummary) -> Result<WriteSummary, BundleError> {
        sync_dir(&self.parent);
        // After a swap `temp` holds the old bundle: kept as the next build's base when the
        // two share most files (what it holds besides is the old bytes of the files this build
        // wrote), removed otherwise.
        let kept = cfg!(unix)
            && self.keep_previous
            && matches!(self.old_kind, Existing::Bundle)
            && (summary.added + summary.changed + summary.removed) * KEEP_WHEN_WRITTEN_AT_MOST
                <= summary.files
            && self.keep_as_base();
        let cleaned = if kept { Ok(()) } else { remove_tree(&self.temp) };
        // The last change this build made to an inode of the bundle is behind it: removing the
        // old tree unlinked a name of most of them (their ctimes moved), and so may writing
        // the base's `.gitignore`. The state vouches up to now.
        mark_state(&self.out.join(STATE_FILE));
        match cleaned {
            Ok(()) => Ok(summary),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(summary),
            Err(source) => Err(BundleError::Leftover {
                out: self.out.clone(),
                leftover: self.temp.clone(),
                source,
            }),
        }
    }

    /// Makes the tree made from the base exactly the new bundle, by one walk of its folders
    /// (names and inode numbers as the folder lists them, no `stat`), on a few threads: a file
    /// the new bundle does not hold, or a folder it does not need, is removed; a kept file
    /// must be the old bundle's inode, and is linked from it when the base holds anything else
    /// there (or nothing); a file this build wrote must be where it was written. Links are
    /// never followed.
    #[cfg(unix)]
    fn reconcile(&self, entries: &BTreeMap<String, Listed<Change>>) -> Result<(), BundleError> {
        let folders = folders_of(entries.keys().map(String::as_str));
        // The old bundle's stamps name the inode each kept file must be.
        let old = lock(&self.old);
        let walk = Walk { root: &self.temp, entries, folders: &folders, old: &old.files };
        // The first two levels here (a bundle's top folders, then its LPARs and databases),
        // the folders below them on threads.
        let mut found = Vec::with_capacity(entries.len());
        let mut queue = Vec::new();
        walk.folder("", &mut found, &mut queue)?;
        let mut second = Vec::new();
        for folder in queue {
            walk.folder(&folder, &mut found, &mut second)?;
        }
        let chunk = chunk_for(second.len());
        let parts: Vec<Result<Vec<&str>, BundleError>> = std::thread::scope(|scope| {
            let walk = &walk;
            let handles: Vec<_> = second
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        let mut found = Vec::new();
                        let mut pending = part.to_vec();
                        while let Some(folder) = pending.pop() {
                            walk.folder(&folder, &mut found, &mut pending)?;
                        }
                        Ok(found)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(walk.error("the walk panicked"))))
                .collect()
        });
        for part in parts {
            found.extend(part?);
        }
        found.sort_unstable();
        // Both in path order: what the walk did not find is linked now.
        let mut found = found.into_iter().peekable();
        for (path, entry) in entries {
            if found.next_if(|f| *f == path.as_str()).is_some() {
                continue;
            }
            let to = self.temp.join(path);
            match entry.more {
                Change::KeptInBase => {
                    self.make_parents(path)?;
                    self.link_old(path, &to, None, None)?;
                }
                Change::Added | Change::Changed | Change::Kept => {
                    return Err(BundleError::Io {
                        action: "find in the new tree",
                        path: to,
                        source: io::Error::other("a file written by this build is missing"),
                    });
                }
            }
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn reconcile(&self, _: &BTreeMap<String, Listed<Change>>) -> Result<(), BundleError> {
        Ok(())
    }

    /// Moves the old bundle (in `temp` after the swap) to the base's name, with a
    /// `.gitignore` that keeps it out of a repository the bundle's folder is in. False when
    /// it cannot be moved.
    fn keep_as_base(&self) -> bool {
        let Some(name) = self.out.file_name().and_then(|n| n.to_str()) else { return false };
        let base = self.parent.join(base_name(name));
        if fs::rename(&self.temp, &base).is_err() {
            return false;
        }
        // Written anew: a `.gitignore` of the old bundle may share its inode with the new one.
        let ignore = base.join(".gitignore");
        clear(&ignore);
        let _ =
            fs::write(&ignore, "# zat's copy of the previous bundle; see `zat build --help`\n*\n");
        true
    }

    /// Writes `MANIFEST.json` (byte for byte what [`crate::Bundle::manifest`] gives for the
    /// same files): the spilled entries in path order, straight into the file and hashed on
    /// the way; when it equals the old manifest, the old one is linked instead. Returns its
    /// sha256.
    fn write_manifest(
        &self,
        entries: &BTreeMap<String, Listed<Change>>,
    ) -> Result<[u8; 32], BundleError> {
        let to = self.temp.join(MANIFEST_FILE);
        let file = fs::File::create(&to).map_err(io_error("create", &to))?;
        // The manifest's SHA-256 is taken on a second thread as its chunks are written: tens of
        // MB at a large fleet, and hashing them after writing was a fifth of a rebuild's end.
        let (file, digest) = std::thread::scope(|scope| {
            let (send, chunks) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
            let hashing = scope.spawn(move || {
                let mut hasher = Sha256::new();
                for chunk in chunks {
                    hasher.update(&chunk);
                }
                <[u8; 32]>::from(hasher.finalize())
            });
            let mut writer = HashedChunks { file, chunk: Vec::with_capacity(CHUNK), send };
            let written =
                self.listing.write_manifest(&mut writer, entries).and_then(|()| writer.flush());
            let HashedChunks { file, send, .. } = writer;
            // Without a sender the hashing thread ends once it has hashed every chunk sent.
            drop(send);
            let digest = hashing.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (written.map(|()| file), digest)
        });
        let file = file.map_err(io_error("write", &to))?;
        #[cfg(not(target_os = "linux"))]
        file.sync_all().map_err(io_error("sync", &to))?;
        drop(file);
        let old = self.out.join(MANIFEST_FILE);
        if self.old_manifest == Some(digest) {
            let _ = fs::remove_file(&to).and_then(|()| fs::hard_link(&old, &to));
            if fs::symlink_metadata(&to).is_err() {
                // The link failed: write the same bytes again the slow way.
                let bytes = fs::read(&old).map_err(io_error("read", &old))?;
                write_file_stat(&to, &bytes)?;
            }
        }
        Ok(digest)
    }
}

/// One walk of a tree made from a base ([`BundleWriter::reconcile`]): what it must hold.
#[cfg(unix)]
struct Walk<'a> {
    root: &'a Path,
    entries: &'a BTreeMap<String, Listed<Change>>,
    /// Every folder of the new bundle.
    folders: &'a HashSet<&'a str>,
    /// The old bundle's files, with their stamps.
    old: &'a Files,
}

#[cfg(unix)]
impl<'a> Walk<'a> {
    /// Looks at what `folder` holds: keeps what is right (files in `found`, folders of the
    /// bundle in `pending`, to look into next) and removes the rest.
    fn folder(
        &self,
        folder: &str,
        found: &mut Vec<&'a str>,
        pending: &mut Vec<String>,
    ) -> Result<(), BundleError> {
        use std::os::unix::fs::DirEntryExt as _;
        let real = self.root.join(folder);
        let mut near = Near::default();
        let mut path = String::from(folder);
        if !path.is_empty() {
            path.push('/');
        }
        let stem = path.len();
        for entry in fs::read_dir(&real).map_err(io_error("read", &real))? {
            let entry = entry.map_err(io_error("read", &real))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                clear(&entry.path());
                continue;
            };
            path.truncate(stem);
            path.push_str(name);
            let kind = entry.file_type().map_err(io_error("inspect", &entry.path()))?;
            if kind.is_dir() {
                if self.folders.contains(path.as_str()) {
                    pending.push(path.clone());
                } else {
                    clear(&entry.path());
                }
                continue;
            }
            let listed = self.entries.get_key_value(path.as_str());
            let right = listed.filter(|(_, listed)| {
                kind.is_file()
                    && match listed.more {
                        Change::KeptInBase => self.old_inode(&path, &mut near) == Some(entry.ino()),
                        Change::Added | Change::Changed | Change::Kept => true,
                    }
            });
            match right {
                Some((path, _)) => found.push(path.as_str()),
                None => clear(&entry.path()),
            }
        }
        Ok(())
    }

    /// The inode the old bundle's file at `path` has, as its stamp says.
    fn old_inode(&self, path: &str, near: &mut Near) -> Option<u64> {
        let at = self.old.find(path, near)?;
        self.old.stamp(at).map(|(ino, _, _)| ino)
    }

    fn error(&self, message: &str) -> BundleError {
        BundleError::Io {
            action: "walk",
            path: self.root.to_owned(),
            source: io::Error::other(message.to_owned()),
        }
    }
}

/// A kept base is worth its room when the build that replaced it wrote (added or changed) or
/// removed at most one file for this many files of the new bundle: it then holds little
/// besides hard links of the new bundle's files (the old bytes of those written, and those
/// removed, are all it keeps alive).
const KEEP_WHEN_WRITTEN_AT_MOST: usize = 4;

/// The name of the base beside the bundle `name`: the bundle a build replaced, kept so that
/// the next build starts from a tree that already holds most files (hard links, so it takes
/// the room of the files that changed). Hidden, and without a process number, so that
/// [`remove_stale`] leaves it.
pub(crate) fn base_name(name: &str) -> String {
    format!(".{name}.zat-base")
}

/// Removes whatever is at `path` (a file, a link, a folder with all it holds; links are not
/// followed); nothing there is fine.
fn clear(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Passes bytes on and hashes them.
/// The size of the chunks [`HashedChunks`] writes and hands to its hashing thread.
const CHUNK: usize = 1 << 18;

/// Writes to `file` in chunks, and sends each chunk, once written, to the thread that hashes
/// them in order.
struct HashedChunks {
    file: fs::File,
    chunk: Vec<u8>,
    send: std::sync::mpsc::SyncSender<Vec<u8>>,
}

impl HashedChunks {
    fn write_chunk(&mut self) -> io::Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        io::Write::write_all(&mut self.file, &self.chunk)?;
        let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        // The hashing thread ends only when this sender is dropped.
        self.send.send(full).map_err(|_| io::Error::other("the manifest's hashing thread ended"))
    }
}

impl io::Write for HashedChunks {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.chunk.extend_from_slice(buf);
        if self.chunk.len() >= CHUNK {
            self.write_chunk()?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.write_chunk()?;
        self.file.flush()
    }
}

pub(crate) struct HashingWriter<W> {
    pub(crate) inner: W,
    pub(crate) hasher: Sha256,
}

impl<W: io::Write> io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// How many of `len` folders (or folder entries) each of a few threads takes in the walks of
/// a tree, which are bound by file-system latency: one share per core, up to 8, at least 16.
fn chunk_for(len: usize) -> usize {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    len.div_ceil(threads).max(16)
}

/// Removes a tree on a few threads, one folder of the second level at a time (the LPAR
/// folders of a bundle): unlinking tens of thousands of files is bound by file-system latency.
/// Links are removed, never followed.
fn remove_tree(dir: &Path) -> io::Result<()> {
    let mut parts = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            for inner in fs::read_dir(entry.path())? {
                let inner = inner?;
                parts.push((inner.path(), inner.file_type()?.is_dir()));
            }
        }
    }
    let chunk = chunk_for(parts.len());
    std::thread::scope(|scope| {
        for part in parts.chunks(chunk) {
            scope.spawn(move || {
                for (path, is_dir) in part {
                    let _ = if *is_dir { fs::remove_dir_all(path) } else { fs::remove_file(path) };
                }
            });
        }
    });
    // Whatever the threads left (or could not remove) goes here, with its error.
    fs::remove_dir_all(dir)
}

/// sha256 of `out/MANIFEST.json` when it is a regular file zat could have written.
/// The sha256 the state recorded is taken when the manifest's stamp is still the one recorded
/// beside it, as a file's stamp vouches for its bytes (hashing the manifest of 1,000 LPARs, 28
/// MB, took 25 ms of a rebuild's reading of the old bundle).
pub(crate) fn old_manifest_sha(out: &Path) -> Option<[u8; 32]> {
    let path = out.join(MANIFEST_FILE);
    let meta = fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > 256 << 20 {
        return None;
    }
    if let Some((sha, recorded, before)) = recorded_manifest(&out.join(STATE_FILE))
        && vouches(Some(recorded), before, &meta)
    {
        return Some(sha);
    }
    file_sha256(&path).ok()
}

/// The manifest's sha256 and stamp as the state's header records them, if it does, and the
/// time the state vouches up to ([`vouched_before`]).
fn recorded_manifest(state: &Path) -> Option<([u8; 32], Stamp, Option<i64>)> {
    use std::io::BufRead as _;
    let meta = fs::symlink_metadata(state).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut lines = io::BufReader::new(fs::File::open(state).ok()?).lines();
    if lines.next()?.ok()? != STATE_HEADER {
        return None;
    }
    let (sha, stamp) = manifest_line(&lines.next()?.ok()?)?;
    Some((sha, stamp?, vouched_before(&meta)))
}

/// `manifest<TAB>sha256[<TAB>inode<TAB>mtime<TAB>size]`: the manifest the state belongs to,
/// and the stamp it had when the state was written (a state of zat 0.1.0 before this has none).
fn manifest_line(line: &str) -> Option<([u8; 32], Option<Stamp>)> {
    let mut fields = line.strip_prefix("manifest\t")?.split('\t');
    let sha = unhex(fields.next()?)?;
    let stamp = match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (None, ..) => None,
        (Some(ino), Some(mtime), Some(size), None) => {
            Some((ino.parse().ok()?, mtime.parse().ok()?, size.parse().ok()?))
        }
        _ => return None,
    };
    Some((sha, stamp))
}

/// The SHA-256 of a file, read in pieces (a manifest of a large fleet is tens of MB).
pub(crate) fn file_sha256(path: &Path) -> Result<[u8; 32], BundleError> {
    use std::io::Read as _;
    let read = |source| BundleError::Io { action: "read", path: path.to_owned(), source };
    let mut file = fs::File::open(path).map_err(read)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read(e)),
        }
    }
    Ok(hasher.finalize().into())
}

/// Reads the state of a bundle: each file's stamp onto its entry of `files` (the old
/// manifest's, in path order), and the recorded answers. `None`, with no stamp given, when the
/// state is missing, unreadable, of another format, or written for another manifest than
/// `manifest_sha` (the sha256 of the one the bundle holds).
pub(crate) fn read_state(
    file: &Path,
    manifest_sha: &[u8; 32],
    files: &mut Files,
) -> Option<OldState> {
    let units = read_state_lines(file, manifest_sha, files);
    if units.is_none() {
        files.clear_stamps();
    }
    units
}

fn read_state_lines(file: &Path, manifest_sha: &[u8; 32], files: &mut Files) -> Option<OldState> {
    let meta = fs::symlink_metadata(file).ok()?;
    // A state is a few lines per file; one larger than this was not written by zat.
    if !meta.is_file() || meta.len() > 1 << 30 {
        return None;
    }
    // Taken before the state is read: a state changed since only vouches for less.
    files.set_vouched_before(vouched_before(&meta));
    // Line by line into one buffer (the state of a large fleet is several MB), counting
    // bytes, so that a unit's diagnostics are kept as where they are.
    let mut reader = io::BufReader::new(fs::File::open(file).ok()?);
    let (mut line, mut offset) = (String::new(), 0_u64);
    next_line(&mut reader, &mut line, &mut offset)??;
    if line != STATE_HEADER {
        return None;
    }
    next_line(&mut reader, &mut line, &mut offset)??;
    if manifest_line(&line)?.0 != *manifest_sha {
        return None;
    }
    let mut units = HashMap::new();
    // The lines come unit by unit, so their paths come folder by folder.
    let (mut near_file, mut near_unit) = (Near::default(), Near::default());
    while let Some(start) = next_line(&mut reader, &mut line, &mut offset)? {
        let mut fields = line.split('\t');
        match fields.next()? {
            "file" => {
                let ino = fields.next()?.parse().ok()?;
                let mtime = fields.next()?.parse().ok()?;
                let size = fields.next()?.parse().ok()?;
                let path = fields.next()?;
                // A stamp of a file the manifest does not list vouches for nothing.
                if let Some(at) = files.find(path, &mut near_file) {
                    files.set_stamp(at, (ino, mtime, size));
                }
            }
            "unit" => {
                let key = fields.next()?;
                let text = fields.next()?;
                let diagnostics = if text == "[]" {
                    OldDiagnostics::None
                } else {
                    // `unit`, a tab, the key, a tab.
                    let within = u64::try_from("unit\t".len() + key.len() + 1).ok()?;
                    OldDiagnostics::At {
                        offset: start + within,
                        len: u32::try_from(text.len()).ok()?,
                    }
                };
                // A unit is carried only when every file it gave is still there, unchanged
                // (the old manifest lists it, and the old tree was checked against that).
                let listed: Option<Box<[u32]>> = fields
                    .map(|path| {
                        files.find(path, &mut near_unit).and_then(|at| u32::try_from(at).ok())
                    })
                    .collect();
                if let Some(files) = listed {
                    units.insert(key.to_owned(), OldUnit { diagnostics, files });
                }
            }
            _ => return None,
        }
    }
    Some((units, Some(reader.into_inner())))
}

/// Reads the next line of `reader` into `line`, without its line break, and moves `offset`
/// past it: `Some(Some(start))` with where the line starts, `Some(None)` at the end, `None`
/// when the file cannot be read.
fn next_line(
    reader: &mut impl io::BufRead,
    line: &mut String,
    offset: &mut u64,
) -> Option<Option<u64>> {
    line.clear();
    let read = reader.read_line(line).ok()?;
    if read == 0 {
        return Some(None);
    }
    let start = *offset;
    *offset += u64::try_from(read).ok()?;
    if line.ends_with('\n') {
        line.pop();
    }
    Some(Some(start))
}

/// Writes the state (into the new tree, which is swapped in whole): its header, the hash of
/// the manifest it belongs to, then the lines written as the build went. Bundle paths hold no
/// tab or line break ([`check_path`](crate::bundle::check_path) refuses control characters) and diagnostics are one line
/// of JSON, so tabs and newlines separate fields and records; the lines' order does not matter.
fn write_state(
    file: &Path,
    manifest: &[u8; 32],
    manifest_stamp: Option<Stamp>,
    lines: StateLines,
) -> io::Result<()> {
    use std::io::{Seek as _, SeekFrom};
    let result = (|| {
        let mut lines = lines.file.ok_or_else(|| io::Error::other("a state line failed"))?;
        lines.flush()?;
        let mut scratch = lines.into_inner().map_err(io::IntoInnerError::into_error)?;
        scratch.seek(SeekFrom::Start(0))?;
        let mut writer = BufWriter::new(fs::File::create(file)?);
        writeln!(writer, "{STATE_HEADER}")?;
        write!(writer, "manifest\t{}", hex(manifest))?;
        if let Some((ino, mtime, size)) = manifest_stamp {
            write!(writer, "\t{ino}\t{mtime}\t{size}")?;
        }
        writeln!(writer)?;
        io::copy(&mut scratch, &mut writer)?;
        writer.into_inner().map_err(io::IntoInnerError::into_error)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(file);
    }
    result
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Bundle, read_tree};

    pub(crate) fn file(path: &str, content: &str, emitter: &str) -> BundleFile {
        BundleFile {
            path: path.to_owned(),
            content: content.as_bytes().to_vec(),
            target: Some(format!("target of {path}")),
            placement: None,
            emitter: emitter.to_owned(),
        }
    }

    fn write(out: &Path, files: &[BundleFile]) -> Result<WriteSummary, Vec<BundleError>> {
        let writer = BundleWriter::begin(out).map_err(|e| vec![e])?;
        for f in files {
            writer.add(f.clone());
        }
        writer.finish()
    }

    /// A bundle `out` built twice over `many`, so that its base sits beside it: the folder
    /// that holds both, `out` and the base's path.
    #[cfg(unix)]
    fn rebuilt_with_base() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let base = dir.path().join(base_name("out"));
        build_checked(&out, &many(&[]), true);
        build_checked(&out, &many(&[]), true);
        (dir, out, base)
    }

    #[test]
    fn hex_round_trips() {
        let bytes = sha256(b"zat");
        assert_eq!(unhex(&hex(&bytes)), Some(bytes));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(&"g".repeat(64)), None);
    }

    /// The manifest is hashed on a second thread chunk by chunk; the state records that hash,
    /// and the next build trusts it to tell whether the manifest changed: it must be the
    /// SHA-256 of the file as written, over many chunks.
    #[test]
    fn the_state_records_the_sha256_of_the_manifest_as_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let files: Vec<BundleFile> =
            (0..3_000).map(|n| file(&format!("lpars/SYS{n}/f.txt"), "x", "e")).collect();
        write(&out, &files).expect("written");
        let manifest = out.join(MANIFEST_FILE);
        let size = fs::metadata(&manifest).expect("a manifest").len();
        assert!(size > 2 * CHUNK as u64, "the manifest spans chunks ({size} bytes)");
        let (recorded, _, _) = recorded_manifest(&out.join(STATE_FILE)).expect("recorded");
        assert_eq!(recorded, sha256(&fs::read(&manifest).expect("read")));
    }

    #[test]
    fn the_streamed_tree_is_the_tree_of_the_same_bundle_in_memory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let files = [file("b/two.txt", "2", "e"), file("a/one.txt", "1", "f"), file("z", "", "e")];
        let summary = write(&out, &files).expect("written");
        assert_eq!(summary, WriteSummary { files: 3, added: 3, ..WriteSummary::default() });
        let bundle = Bundle::new(files.clone()).expect("legal");
        assert_eq!(read_tree(&out).expect("read"), bundle.tree());
        assert!(out.join(STATE_FILE).is_file());
    }

    #[test]
    fn the_manifest_written_from_the_spill_is_the_manifest_of_the_bundle_in_memory() {
        // Enough entries, with placements, to pass through several windows of the spill
        // reader, added from four threads in an order far from the path order.
        let files: Vec<BundleFile> = (0..6000_u32)
            .map(|i| {
                let n = i.wrapping_mul(7919) % 6000;
                let mut f = file(&format!("lpars/SYS{}/pagent/f{n:05}.conf", n % 97), "x", "e");
                f.placement = Some(if n % 2 == 0 {
                    zat_model::Placement::uss_text(format!("/etc/pagent/f{n}"), "0644")
                } else {
                    zat_model::Placement::member_text("SYS1.TCPPARMS", format!("M{n}"))
                });
                f
            })
            .collect();
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let writer = BundleWriter::begin(&out).expect("begun");
        std::thread::scope(|scope| {
            for part in files.chunks(1500) {
                let writer = &writer;
                scope.spawn(move || part.iter().for_each(|f| writer.add(f.clone())));
            }
        });
        writer.finish().expect("written");
        let bundle = Bundle::new(files).expect("legal");
        assert_eq!(fs::read(out.join(MANIFEST_FILE)).expect("manifest"), bundle.manifest());

        let empty = dir.path().join("empty");
        write(&empty, &[]).expect("written");
        let none = Bundle::new(Vec::new()).expect("legal");
        assert_eq!(fs::read(empty.join(MANIFEST_FILE)).expect("manifest"), none.manifest());
    }

    #[test]
    fn duplicates_and_file_folder_clashes_are_all_reported_and_nothing_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let errors = write(
            &out,
            &[file("a", "1", "x"), file("a", "2", "y"), file("b", "", "x"), file("b/c", "", "y")],
        )
        .expect_err("refused");
        assert!(
            errors.iter().any(|e| matches!(e, BundleError::Duplicate { path, .. } if path == "a"))
        );
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, BundleError::FileIsFolder { path, .. } if path == "b"))
        );
        let names: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
        assert!(names.is_empty(), "nothing left: {names:?}");
    }

    #[test]
    fn a_write_that_fails_is_told_once_and_nothing_is_written_after_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let writer = BundleWriter::begin(&out).expect("begin");
        // A file stands where the bundle's folder goes (as a full disk, every file under it
        // fails to be written).
        let temp = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").path())
            .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains("zat-new")))
            .expect("the new tree");
        fs::write(temp.join("lpars"), b"in the way").expect("write");
        for n in 0..50 {
            writer.add(file(&format!("lpars/SYS{n}/pagent.conf"), "x", "pagent"));
        }
        writer.add(file("README.md", "after the failure", "runbook"));
        assert!(!temp.join("README.md").exists(), "nothing is written once writing failed");
        let errors = writer.finish().expect_err("refused");
        assert_eq!(errors.len(), 1, "told once: {errors:?}");
        assert!(
            matches!(&errors[0], BundleError::Io { action: "create", path, .. } if path.ends_with("lpars/SYS0")),
            "{errors:?}"
        );
        let names: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
        assert!(names.is_empty(), "nothing left: {names:?}");
    }

    #[test]
    fn io_errors_are_told_once_per_cause() {
        let io = |action, path: &str, code| BundleError::Io {
            action,
            path: PathBuf::from(path),
            source: io::Error::from_raw_os_error(code),
        };
        // Two threads meet a full disk (ENOSPC, 28) at once; one folder may not be written
        // into (EACCES, 13).
        let errors = once_per_cause(vec![
            io("write", "a", 28),
            io("write", "b", 28),
            io("write", "c", 13),
            io("create", "d", 28),
            BundleError::BadOutput { path: PathBuf::from("/") },
        ]);
        let told: Vec<String> = errors
            .iter()
            .map(|e| match e {
                BundleError::Io { action, path, .. } => format!("{action} {}", path.display()),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(told.len(), 4, "{told:?}");
        assert_eq!(told[..3], ["write a", "write c", "create d"]);
    }

    #[test]
    fn removed_changed_and_kept_are_counted_and_units_are_remembered() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let writer = BundleWriter::begin(&out).expect("begin");
        writer.add(file("a", "1", "e"));
        writer.add(file("b", "2", "e"));
        writer.add(file("c", "3", "e"));
        let unit = UnitRecord { diagnostics: "[]".to_owned(), paths: vec!["a".to_owned()] };
        writer.record_unit("k1".to_owned(), unit.clone());
        writer.finish().expect("first");

        let writer = BundleWriter::begin(&out).expect("begin");
        assert_eq!(writer.cached_unit("k1"), Some(unit));
        assert_eq!(writer.cached_unit("k1"), None, "a unit is carried once");
        assert_eq!(writer.cached_unit("k2"), None);
        assert_eq!(writer.carry("a").map(|r| r.size), Some(1));
        writer.add(file("b", "changed", "e"));
        writer.add(file("d", "4", "e"));
        let summary = writer.finish().expect("second");
        let expected =
            WriteSummary { files: 3, added: 1, changed: 1, removed: 1, kept: 1, read: 0 };
        assert_eq!(summary, expected);
    }

    /// A carried file and a new one at the same path `a`, in the order `carry_first` says:
    /// the rebuild is refused for the path given twice (the first giver named first), and the
    /// old bundle keeps its bytes.
    fn a_path_given_twice_in_a_rebuild(carry_first: bool) {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let writer = BundleWriter::begin(&out).expect("begin");
        writer.add(file("a", "old", "e"));
        writer.finish().expect("first");

        let writer = BundleWriter::begin(&out).expect("begin");
        if carry_first {
            assert!(writer.carry("a").is_some(), "linked from the old bundle");
            writer.add(file("a", "other bytes", "f"));
        } else {
            writer.add(file("a", "other bytes", "f"));
            assert!(writer.carry("a").is_none(), "nothing linked over the new file");
        }
        let (first, second) = if carry_first { ("e", "f") } else { ("f", "e") };
        let errors = writer.finish().expect_err("refused");
        assert!(errors.iter().any(|e| matches!(
            e,
            BundleError::Duplicate { path, first: one, second: two }
                if path == "a" && one == first && two == second
        )));
        assert_eq!(fs::read(out.join("a")).expect("still there"), b"old");
    }

    #[test]
    fn a_second_file_at_a_carried_path_is_refused_and_the_old_bundle_keeps_its_bytes() {
        a_path_given_twice_in_a_rebuild(true);
    }

    #[test]
    fn a_carried_file_at_a_path_a_new_file_took_is_refused_as_twice_given() {
        a_path_given_twice_in_a_rebuild(false);
    }

    /// Two paths one case-insensitive file system would take for one are refused, in a
    /// build from empty and in a rebuild where one of them is carried over from the old
    /// bundle; both paths and both plugins are named, and the old bundle stays.
    #[test]
    fn paths_that_differ_only_in_case_are_refused_also_when_one_is_carried() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let errors = write(
            &out,
            &[file("lpars/SYS1/m/A.txt", "1", "e"), file("lpars/SYS1/m/a.txt", "2", "f")],
        )
        .expect_err("refused from empty");
        let text = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
        assert!(
            text.contains("\"lpars/SYS1/m/A.txt\" (from `e`) and \"lpars/SYS1/m/a.txt\" (from `f`) differ only in case"),
            "{text}"
        );
        assert!(!out.exists(), "nothing written");

        write(&out, &[file("lpars/SYS1/README.md", "old", "e"), file("x", "x", "e")])
            .expect("first");
        let writer = BundleWriter::begin(&out).expect("begin");
        assert!(writer.carry("lpars/SYS1/README.md").is_some(), "carried from the old bundle");
        writer.add(file("LPARS/sys1/readme.MD", "new", "f"));
        let errors = writer.finish().expect_err("refused in a rebuild");
        assert!(
            errors.iter().any(|e| matches!(
                e,
                BundleError::CaseDuplicate { path, first_path, first, second, .. }
                    if path == "lpars/SYS1/README.md" && first_path == "LPARS/sys1/readme.MD"
                        && first == "f" && second == "e"
            )),
            "{errors:?}"
        );
        assert_eq!(fs::read(out.join("lpars/SYS1/README.md")).expect("kept"), b"old");
        // Unicode folds as a case-insensitive file system folds it; other paths are fine.
        let errors = write(&out, &[file("Ärger.txt", "1", "e"), file("ärger.txt", "2", "e")])
            .expect_err("refused");
        assert!(matches!(errors.as_slice(), [BundleError::CaseDuplicate { .. }]), "{errors:?}");
        write(&out, &[file("a/b", "1", "e"), file("a/c", "2", "e"), file("ab", "3", "e")])
            .expect("no clash");
    }

    /// A unit's diagnostics stay in the old state until the unit is carried, then come back
    /// whole; bytes that are no longer diagnostics there (the state changed since it was read)
    /// make the unit render again rather than lose them.
    #[test]
    fn a_carried_unit_gets_its_diagnostics_back_from_the_old_state() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let notes = serde_json::to_string(&vec![
            zat_model::Diagnostic::warning("ZAT0363", "a note\twith a tab and \u{e9}"),
            zat_model::Diagnostic::warning("ZAT0347", "another"),
        ])
        .expect("json");
        let record = |key: &str| UnitRecord {
            diagnostics: if key == "quiet" { "[]".to_owned() } else { notes.clone() },
            paths: vec![format!("{key}.txt")],
        };
        let writer = BundleWriter::begin(&out).expect("begin");
        for key in ["quiet", "noisy", "spoilt"] {
            writer.add(file(&format!("{key}.txt"), key, "e"));
            writer.record_unit(key.to_owned(), record(key));
        }
        writer.finish().expect("first");
        let writer = BundleWriter::begin(&out).expect("begin");
        // Spoil the span of one unit's diagnostics in the old state, after it was read.
        let state = out.join(STATE_FILE);
        let text = fs::read_to_string(&state).expect("state");
        let at = text.find("unit\tspoilt\t").expect("the spoilt unit") + "unit\tspoilt\t".len();
        let mut bytes = text.into_bytes();
        bytes[at] = b'{';
        fs::write(&state, bytes).expect("spoil");
        assert_eq!(writer.cached_unit("quiet"), Some(record("quiet")));
        assert_eq!(writer.cached_unit("noisy"), Some(record("noisy")));
        assert_eq!(writer.cached_unit("spoilt"), None);
        writer.abort();
    }

    #[test]
    fn a_unit_with_a_file_the_old_manifest_does_not_list_is_not_carried() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let writer = BundleWriter::begin(&out).expect("begin");
        writer.add(file("a", "1", "e"));
        writer.add(file("b/c", "2", "e"));
        let record = |paths: &[&str]| UnitRecord {
            diagnostics: "[]".to_owned(),
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        };
        writer.record_unit("whole".to_owned(), record(&["b/c", "a"]));
        writer.record_unit("gone".to_owned(), record(&["a", "b/gone"]));
        writer.finish().expect("first");

        let writer = BundleWriter::begin(&out).expect("begin");
        assert_eq!(writer.cached_unit("whole"), Some(record(&["b/c", "a"])));
        assert_eq!(writer.cached_unit("gone"), None);
        writer.abort();
    }

    /// The state records the manifest's sha256 with its stamp; a rebuild takes the recorded
    /// sha256 while the state vouches for the manifest (shown here by another sha256 recorded,
    /// which only the record can give), and hashes the manifest as soon as its stamp moves, or
    /// its bytes change under a stamp put back (its ctime moved).
    #[test]
    fn the_manifest_is_hashed_again_only_when_the_state_no_longer_vouches_for_it() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let writer = BundleWriter::begin(&out).expect("begin");
        writer.add(file("a", "1", "e"));
        writer.finish().expect("written");
        let path = out.join(MANIFEST_FILE);
        let bytes = fs::read(&path).expect("manifest");
        let state = out.join(STATE_FILE);
        let (sha, recorded, _) = recorded_manifest(&state).expect("recorded");
        assert_eq!(sha, sha256(&bytes));
        let meta = fs::symlink_metadata(&path).expect("stat");
        if stamp(&meta).is_none() {
            return; // A file system with a coarse clock: nothing is vouched for.
        }
        assert_eq!(Some(recorded), stamp(&meta));
        assert_eq!(old_manifest_sha(&out), Some(sha));
        // Another sha256 recorded: taken as it is, the manifest is not read.
        let text = fs::read_to_string(&state).expect("state");
        let other_sha = sha256(b"another manifest");
        fs::write(&state, text.replacen(&hex(&sha), &hex(&other_sha), 1)).expect("write");
        assert_eq!(old_manifest_sha(&out), Some(other_sha), "the state vouches");
        fs::write(&state, &text).expect("write");
        // Other bytes of the same length, in place, with the old mtime put back: hashed.
        let other = String::from_utf8(bytes.clone()).expect("text").replacen("\"e\"", "\"f\"", 1);
        assert_eq!(other.len(), bytes.len());
        let mut handle = fs::OpenOptions::new().write(true).open(&path).expect("open");
        handle.write_all(other.as_bytes()).expect("write");
        handle.set_modified(meta.modified().expect("mtime")).expect("put the mtime back");
        drop(handle);
        assert_eq!(stamp(&fs::symlink_metadata(&path).expect("stat")), Some(recorded));
        assert_eq!(old_manifest_sha(&out), Some(sha256(other.as_bytes())), "the ctime moved");
        // A new mtime: hashed.
        let handle = fs::OpenOptions::new().write(true).open(&path).expect("open");
        let later = meta.modified().expect("mtime") + std::time::Duration::from_secs(1);
        handle.set_modified(later).expect("a new mtime");
        drop(handle);
        assert_eq!(old_manifest_sha(&out), Some(sha256(other.as_bytes())));
    }

    #[test]
    fn a_state_for_another_manifest_is_ignored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let writer = BundleWriter::begin(&out).expect("begin");
        writer.add(file("a", "1", "e"));
        writer.record_unit(
            "k".to_owned(),
            UnitRecord { diagnostics: "[]".to_owned(), paths: vec!["a".to_owned()] },
        );
        writer.finish().expect("written");
        let sha = old_manifest_sha(&out).expect("a manifest");
        let state = out.join(STATE_FILE);
        let mut files =
            crate::manifest::read_manifest(&out.join(MANIFEST_FILE)).expect("read").files;
        assert!(read_state(&state, &sha, &mut files).is_some());
        assert!(files.get(0).stamp.is_some(), "the state vouches for its file");
        assert!(read_state(&state, &sha256(b"another"), &mut files).is_none());
        assert!(files.get(0).stamp.is_none(), "a state refused vouches for nothing");
        // A state that goes wrong after its stamps gives none of them either.
        assert!(read_state(&state, &sha, &mut files).is_some());
        let mut text = fs::read_to_string(&state).expect("state");
        text.push_str("nonsense\n");
        fs::write(&state, text).expect("write");
        assert!(read_state(&state, &sha, &mut files).is_none());
        assert!(files.get(0).stamp.is_none(), "a broken state vouches for nothing");
    }

    /// Builds `files` into `out` (keeping the old bundle as the next base when `keep`), and
    /// checks that the tree is exactly the bundle's.
    fn build_checked(out: &Path, files: &[BundleFile], keep: bool) -> WriteSummary {
        let writer =
            BundleWriter::inspect(out).and_then(|i| i.keep_previous(keep).open()).expect("begin");
        for f in files {
            writer.add(f.clone());
        }
        let summary = writer.finish().expect("written");
        let bundle = Bundle::new(files.to_vec()).expect("legal");
        assert_eq!(read_tree(out).expect("read"), bundle.tree(), "the tree is the bundle");
        summary
    }

    /// Whether files on this file system get stamps at all (not where the clock is coarse).
    fn stamped(out: &Path) -> bool {
        stamp(&fs::symlink_metadata(out.join(MANIFEST_FILE)).expect("stat")).is_some()
    }

    /// A bundle left alone since zat wrote it is vouched for file by file, none read: after
    /// a first build, a rebuild into an empty tree (every file linked), rebuilds from the
    /// base, rebuilds that keep no base (the old tree, removed after the swap, held a name of
    /// every kept file: their ctimes moved) and rebuilds that write some files.
    #[cfg(unix)]
    #[test]
    fn a_bundle_left_alone_is_vouched_for_without_a_read_whatever_the_build_did() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let builds: [(&[usize], bool); 8] = [
            (&[], true),
            (&[], true),
            (&[], true),
            (&[3], false),
            (&[], false),
            (&[3, 4], true),
            (&[3, 4], true),
            (&[], true),
        ];
        for (n, (changed, keep)) in builds.into_iter().enumerate() {
            let summary = build_checked(&out, &many(changed), keep);
            if !stamped(&out) {
                return; // A file system with a coarse clock: nothing is vouched for.
            }
            if n > 0 {
                assert_eq!(summary.read, 0, "build {n} read files the build before wrote");
            }
            let inspected = BundleWriter::inspect(&out).expect("inspect");
            assert_eq!(inspected.read, 0, "after build {n}");
        }
    }

    /// An edit in place that keeps the size, with the mtime put back, keeps the stamp; its
    /// ctime moved, so the next build reads the file and refuses the edit, whether the bundle
    /// was built from a base or not.
    #[cfg(unix)]
    #[test]
    fn an_edit_in_place_with_its_mtime_put_back_is_found() {
        use std::io::Write as _;
        for keep in [false, true] {
            let dir = tempfile::tempdir().expect("temp dir");
            let out = dir.path().join("out");
            build_checked(&out, &many(&[]), keep);
            build_checked(&out, &many(&[]), keep);
            if !stamped(&out) {
                return;
            }
            let path = out.join("lpars/SYS1/f1.txt");
            let meta = fs::symlink_metadata(&path).expect("stat");
            let mut handle = fs::OpenOptions::new().write(true).open(&path).expect("open");
            handle.write_all(b"X").expect("edit in place");
            handle.set_modified(meta.modified().expect("mtime")).expect("put the mtime back");
            drop(handle);
            let edited = fs::symlink_metadata(&path).expect("stat");
            assert_eq!(stamp(&edited), stamp(&meta), "inode, mtime and size are the old ones");
            match BundleWriter::inspect(&out) {
                Err(BundleError::NotABundle { in_the_way, .. }) => {
                    assert_eq!(in_the_way, ["lpars/SYS1/f1.txt (changed since zat wrote it)"]);
                }
                Err(other) => panic!("refused for another reason: {other}"),
                Ok(_) => panic!("an edited bundle was taken as zat wrote it (keep: {keep})"),
            }
            assert_eq!(fs::read(&path).expect("read"), b"X", "the edit is left alone");
        }
    }

    /// `out/.`, `out/`, `./out` and `out/./` are the folder `out`: built into as it is (its
    /// base used and kept), not refused at the end after all the work, the base lost.
    #[cfg(unix)]
    #[test]
    fn an_output_folder_spelled_with_a_dot_or_a_slash_is_the_folder_itself() {
        let (dir, out, base) = rebuilt_with_base();
        let kept = inode(&out.join("lpars/SYS3/f3.txt"));
        let spelled = [
            out.join("."),
            PathBuf::from(format!("{}/", out.display())),
            dir.path().join("./out/./"),
        ];
        for (n, spelled) in spelled.iter().enumerate() {
            let summary = build_checked(spelled, &many(&[n]), true);
            let changed = if n == 0 { 1 } else { 2 }; // file n, and file n - 1 back
            assert_eq!((summary.changed, summary.kept), (changed, 40 - changed));
            assert!(base.is_dir(), "the base is kept: {}", spelled.display());
            assert_eq!(inode(&out.join("lpars/SYS3/f3.txt")), kept);
            let mut names: Vec<String> = fs::read_dir(dir.path())
                .expect("list")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_eq!(names, [".out.zat-base", "out"], "{}", spelled.display());
        }
    }

    /// A build that fails after it took the base as its tree gives it back.
    #[cfg(unix)]
    #[test]
    fn a_failed_build_keeps_the_base() {
        let (_dir, out, base) = rebuilt_with_base();
        let mut files = many(&[1]);
        files.push(file("lpars/SYS1/f1.txt", "again", "f"));
        write(&out, &files).expect_err("a path given twice");
        assert!(base.join("lpars/SYS2/f2.txt").is_file(), "the base is still there");
        let summary = build_checked(&out, &many(&[1]), true);
        assert_eq!((summary.changed, summary.kept), (1, 39));
    }

    #[cfg(unix)]
    fn inode(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt as _;
        fs::symlink_metadata(path).expect("stat").ino()
    }

    /// Forty files in a few folders, `changed` of them with other bytes.
    fn many(changed: &[usize]) -> Vec<BundleFile> {
        (0..40)
            .map(|i| {
                let text = if changed.contains(&i) { format!("{i} new") } else { format!("{i}") };
                file(&format!("lpars/SYS{}/f{i}.txt", i % 4), &text, "e")
            })
            .collect()
    }

    /// Path clashes are found beside the mending of the base and the manifest: a clash still
    /// stops a rebuild made from a base, the old bundle stays as it was, and the base stays
    /// for the next build.
    #[cfg(unix)]
    #[test]
    fn a_clash_stops_a_rebuild_from_the_base_after_it_was_mended() {
        let (_dir, out, base) = rebuilt_with_base();
        let before = read_tree(&out).expect("read");
        let mut files = many(&[1, 2]);
        files.push(file("lpars/SYS1/F1.TXT", "clash", "f"));
        let writer =
            BundleWriter::inspect(&out).and_then(|i| i.keep_previous(true).open()).expect("begin");
        for f in &files {
            writer.add(f.clone());
        }
        let errors = writer.finish().expect_err("refused");
        assert!(
            errors.iter().any(|e| matches!(e, BundleError::CaseDuplicate { .. })),
            "{errors:?}"
        );
        assert_eq!(read_tree(&out).expect("read"), before, "the old bundle stays");
        assert!(base.is_dir(), "the base stays");
        build_checked(&out, &many(&[1, 2]), true);
    }

    #[cfg(unix)]
    #[test]
    fn a_rebuild_from_the_base_is_the_bundle_and_keeps_the_old_inodes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let base = dir.path().join(base_name("out"));
        build_checked(&out, &many(&[]), true);
        assert!(!base.exists(), "a first build has nothing to keep");
        let kept = inode(&out.join("lpars/SYS1/f1.txt"));
        build_checked(&out, &many(&[]), true);
        assert!(base.join("lpars/SYS1/f1.txt").is_file(), "the replaced bundle is the base");
        assert!(base.join(".gitignore").is_file());
        // Built from the base: one file changed, one added, one removed, a file where a
        // folder was and a folder where a file was.
        let mut files = many(&[5]);
        files.retain(|f| f.path != "lpars/SYS2/f6.txt");
        files.retain(|f| !f.path.starts_with("lpars/SYS3/"));
        files.push(file("lpars/SYS3", "now a file", "e"));
        files.push(file("lpars/SYS0/f0.txt/inner", "now a folder", "e"));
        files.retain(|f| f.path != "lpars/SYS0/f0.txt");
        files.push(file("new/one.txt", "added", "e"));
        let summary = build_checked(&out, &files, true);
        assert_eq!(summary.changed, 1);
        assert_eq!(summary.added, 3);
        assert_eq!(summary.removed, 12);
        assert_eq!(inode(&out.join("lpars/SYS1/f1.txt")), kept, "a kept file is the old one");
        // And back: the base is now the first tree's, two builds old.
        let summary = build_checked(&out, &many(&[]), true);
        assert_eq!((summary.added, summary.changed, summary.kept), (12, 1, 27));
        assert_eq!(inode(&out.join("lpars/SYS1/f1.txt")), kept);
        build_checked(&out, &many(&[]), true);
        assert_eq!(inode(&out.join("lpars/SYS1/f1.txt")), kept);
    }

    #[cfg(unix)]
    #[test]
    fn a_base_changed_by_hand_is_mended_and_nothing_is_written_through_its_links() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let base = dir.path().join(base_name("out"));
        let outside = dir.path().join("outside");
        fs::create_dir(&outside).expect("mkdir");
        build_checked(&out, &many(&[]), true);
        build_checked(&out, &many(&[]), true);
        // A kept file gone, one replaced by other bytes, a stray file, a stray folder, a link
        // where a folder goes, and a file where a folder goes.
        fs::remove_file(base.join("lpars/SYS1/f1.txt")).expect("rm");
        fs::remove_file(base.join("lpars/SYS1/f5.txt")).expect("rm");
        fs::write(base.join("lpars/SYS1/f5.txt"), "not 5").expect("write");
        fs::write(base.join("lpars/stray.txt"), "stray").expect("write");
        fs::create_dir_all(base.join("stray/deep")).expect("mkdir");
        fs::remove_dir_all(base.join("lpars/SYS2")).expect("rm");
        std::os::unix::fs::symlink(&outside, base.join("lpars/SYS2")).expect("link");
        fs::remove_dir_all(base.join("lpars/SYS3")).expect("rm");
        fs::write(base.join("lpars/SYS3"), "in the way").expect("write");
        // SYS2 and SYS3 get new bytes, so they are written into the base's folders.
        let files = many(&[2, 3]);
        build_checked(&out, &files, true);
        assert_eq!(fs::read_dir(&outside).expect("list").count(), 0, "nothing went through");
        assert!(fs::symlink_metadata(out.join("lpars/SYS2")).expect("stat").is_dir());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_copied_back_over_a_shared_one_is_taken_from_the_bundle_not_the_base() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        build_checked(&out, &many(&[]), true);
        build_checked(&out, &many(&[]), true);
        // An edit in place reaches the base too (the same inode); the right bytes copied back
        // as a new file leave the base with the edit, at the inode the state recorded.
        let path = out.join("lpars/SYS1/f1.txt");
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"X"))
            .expect("edit in place");
        let fresh = dir.path().join("fresh");
        fs::write(&fresh, "1").expect("write");
        fs::rename(&fresh, &path).expect("copy back");
        build_checked(&out, &many(&[]), true);
        assert_eq!(fs::read_to_string(&path).expect("read"), "1");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_by_the_bases_name_is_removed_and_never_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let base = dir.path().join(base_name("out"));
        let outside = dir.path().join("outside");
        fs::create_dir_all(outside.join("deep")).expect("mkdir");
        fs::write(outside.join("keep.txt"), "mine").expect("write");
        fs::write(outside.join("deep/keep.txt"), "mine").expect("write");
        build_checked(&out, &many(&[]), true);
        for keep in [true, false] {
            std::os::unix::fs::symlink(&outside, &base).expect("link");
            build_checked(&out, &many(&[]), keep);
            assert_eq!(fs::read_to_string(outside.join("keep.txt")).expect("kept"), "mine");
            assert_eq!(fs::read_to_string(outside.join("deep/keep.txt")).expect("kept"), "mine");
            let left = fs::symlink_metadata(&base);
            assert!(left.is_err() || left.is_ok_and(|m| m.is_dir()), "the link is gone");
            clear(&base);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_base_is_kept_only_when_it_shares_most_files_and_only_when_asked() {
        let (_dir, out, base) = rebuilt_with_base();
        assert!(base.is_dir());
        // Half the files written: the old bundle would take as much room again.
        let half: Vec<usize> = (0..20).collect();
        build_checked(&out, &many(&half), true);
        assert!(!base.exists(), "not kept when most files changed");
        build_checked(&out, &many(&half), true);
        assert!(base.is_dir());
        build_checked(&out, &many(&half), false);
        assert!(!base.exists(), "removed when keeping is off");
        // A base without its bundle is removed by the next build.
        build_checked(&out, &many(&half), true);
        assert!(base.is_dir());
        fs::remove_dir_all(&out).expect("rm");
        build_checked(&out, &many(&[]), true);
        assert!(!base.exists(), "a base with no bundle beside it goes");
    }
}
