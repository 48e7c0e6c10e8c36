//! Comparing a bundle with the one on disk as it renders, file by file, without holding it:
//! what `zat build --check`, `zat diff` and `zat check` run.
//!
//! [`Comparer::new`] lists the bundle on disk (paths and kinds, no bytes). Each file then goes
//! in as it comes ([`Comparer::add`]): its path is checked as [`crate::Bundle::new`] checks it,
//! its manifest entry goes to a scratch file, and it is compared at once with the file on disk
//! at its path, which is read then and dropped. Only what differs is kept, with its patch when
//! the caller makes patches. [`Comparer::finish`] adds the manifest and the files on disk that
//! the new bundle does not have. The outcome is exactly [`crate::drift`] of
//! [`crate::Bundle::tree`] and [`crate::read_tree`].
//!
//! A bundle zat wrote holds its state (`.zat-state`): what each unit's answer was, under the
//! key of its request. [`Comparer::new`] parses the manifest (before the fleet script's model
//! grows: parsing holds the manifest's whole text) and reads the state beside the script; a
//! unit whose key is recorded is not rendered again when every file it gave is still on disk
//! as written (the state vouches for it, see `writer::vouches`, else by its bytes): rendered,
//! it would give those bytes, so it has no difference to show. Its files are listed from the
//! manifest, as a rebuild carries them. Any other unit renders and is compared file by file, so the outcome does not
//! depend on the state: without one, or with a stale one, it is the same, only slower.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use crate::bundle::{
    DiskList, STATE_FILE, comparable, enclosing_bundle, io_error, on_disk, output_folder,
    path_clashes, split_output,
};
use crate::lock::{OutputLock, lock_output_shared};
use crate::manifest::{Files, ManifestFile};
use crate::spill::{Listed, Listing};
use crate::trim::{Trimmed, trim_shared};
use crate::writer::{
    FileRecord, HashingWriter, OldUnit, UnitRecord, file_sha256, old_manifest_sha, read_state,
    vouches,
};
use crate::{BundleError, BundleFile, Drift, MANIFEST_FILE};

/// Makes the patch of one difference: the path, the bytes on disk (as [`crate::read_tree`]
/// gives them) and the new bytes, `None` for a file one side does not have; and how many lines
/// of both come before those bytes (0, but for the manifest, whose shared lines beyond
/// [`crate::trim::SHARED_LINES`] on either side of its changes are left out, see
/// [`crate::trim_shared`]), for numbering.
pub type Patcher<'p> = &'p (dyn Fn(&str, Option<&[u8]>, Option<&[u8]>, usize) -> String + Sync);

/// How one path differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftKind {
    /// In the new bundle, not on disk.
    Added,
    /// On disk, not in the new bundle.
    Removed,
    /// In both, with different bytes.
    Changed,
}

/// One path that differs, with its patch when the comparison makes patches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub path: String,
    pub kind: DriftKind,
    pub patch: Option<String>,
}

/// What a comparison found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Compared {
    /// Every file of the new bundle, sorted (the manifest aside).
    pub files: Vec<String>,
    /// Every path that differs, sorted.
    pub differences: Vec<Difference>,
}

impl Compared {
    /// The differences as a [`Drift`].
    pub fn drift(&self) -> Drift {
        let mut drift = Drift::default();
        for difference in &self.differences {
            let list = match difference.kind {
                DriftKind::Added => &mut drift.added,
                DriftKind::Removed => &mut drift.removed,
                DriftKind::Changed => &mut drift.changed,
            };
            list.push(difference.path.clone());
        }
        drift
    }
}

/// Why a comparison has no outcome.
#[derive(Debug)]
pub enum CompareFailure {
    /// The new bundle's paths are wrong (as [`crate::Bundle::new`] says them).
    Paths(Vec<BundleError>),
    /// The bundle on disk could not be read.
    Disk(BundleError),
}

/// What the last build recorded of the bundle on disk: its manifest's entries (with the
/// stamps the state gives them), each unit's answer, and the state file, open, to read a
/// unit's diagnostics from.
struct Recorded {
    files: Files,
    units: HashMap<String, OldUnit>,
    state: Option<fs::File>,
}

impl Recorded {
    /// The manifest of `out`, when `out` has a state to read with it.
    fn manifest(out: &Path, manifest: ManifestFile) -> Option<ManifestFile> {
        fs::symlink_metadata(out.join(STATE_FILE))
            .is_ok_and(|meta| meta.is_file())
            .then_some(manifest)
    }

    /// `None` when the state of `out` is not one of `manifest`.
    fn read(out: &Path, mut manifest: ManifestFile) -> Option<Recorded> {
        let sha = old_manifest_sha(out)?;
        let (units, state) = read_state(&out.join(STATE_FILE), &sha, &mut manifest.files)?;
        Some(Recorded { files: manifest.files, units, state })
    }
}

/// One file a recorded unit gave, as the manifest lists it: what it must still be on disk.
struct Wanted {
    real: PathBuf,
    size: u64,
    sha256: [u8; 32],
    stamp: Option<crate::writer::Stamp>,
    /// The time the state vouches up to.
    before: Option<i64>,
}

impl Wanted {
    /// Whether the file on disk is still the one written: the state vouches for it (its stamp
    /// is the one recorded, its ctime older than the state's time), or else its bytes hash to
    /// what the manifest lists.
    fn holds(&self) -> bool {
        let Ok(meta) = fs::symlink_metadata(&self.real) else { return false };
        if !meta.is_file() || meta.len() != self.size {
            return false;
        }
        if vouches(self.stamp, self.before, &meta) {
            return true;
        }
        fs::read(&self.real).is_ok_and(|bytes| Sha256::digest(&bytes)[..] == self.sha256)
    }
}

/// Compares a bundle with the one on disk as its files come, from several threads at once.
pub struct Comparer<'p> {
    /// The bundle on disk; `None` when nothing is compared (`zat check`).
    out: Option<PathBuf>,
    /// The last build's record of it: its state is read on a thread of its own until a unit
    /// asks, then kept here.
    reading: Mutex<Option<JoinHandle<Option<Recorded>>>>,
    recorded: OnceLock<Option<Mutex<Recorded>>>,
    /// Entries on disk no new file has taken yet.
    disk: Mutex<DiskList>,
    listing: Listing<()>,
    differences: Mutex<Vec<Difference>>,
    errors: Mutex<Vec<BundleError>>,
    disk_error: Mutex<Option<BundleError>>,
    patch: Option<Patcher<'p>>,
    /// The bundle's lock, shared, held until the comparison is dropped.
    _lock: Option<OutputLock>,
}

impl std::fmt::Debug for Comparer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Comparer").field("out", &self.out).finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<'p> Comparer<'p> {
    /// Lists the bundle at `out` (nothing when `out` is `None`: the files are then only
    /// checked and counted); `patch`, when given, makes the patch of each difference.
    pub fn new(out: Option<&Path>, patch: Option<Patcher<'p>>) -> Result<Self, BundleError> {
        let out = out.map(output_folder);
        let out = out.as_deref();
        // Shared with other readers, never held while a build writes the bundle (see
        // `lock.rs`); nothing is made inside another bundle.
        let lock = out.and_then(|out| {
            let (parent, name) = split_output(out).ok()?;
            enclosing_bundle(&parent).is_none().then(|| lock_output_shared(&parent, &name, out))?
        });
        // A folder no build would replace is refused as a build refuses it. The manifest is
        // parsed here, before the fleet script's model grows (parsing holds its whole text:
        // 112 MB at 4,000 LPARs); the state is read beside the script.
        let manifest = out.map(comparable).transpose()?.flatten();
        let disk = match out {
            Some(out) => DiskList::new(on_disk(out)?),
            None => DiskList::default(),
        };
        let reading = out.and_then(|out| {
            let manifest = Recorded::manifest(out, manifest?)?;
            let out = out.to_path_buf();
            let thread = std::thread::Builder::new().name("zat-recorded".to_owned());
            thread.spawn(move || Recorded::read(&out, manifest)).ok()
        });
        Ok(Comparer {
            out: out.map(Path::to_path_buf),
            reading: Mutex::new(reading),
            recorded: OnceLock::new(),
            disk: Mutex::new(disk),
            listing: Listing::new(None)?,
            differences: Mutex::new(Vec::new()),
            errors: Mutex::new(Vec::new()),
            disk_error: Mutex::new(None),
            patch,
            _lock: lock,
        })
    }

    fn recorded(&self) -> Option<&Mutex<Recorded>> {
        self.recorded
            .get_or_init(|| {
                let reading = lock(&self.reading).take()?;
                reading.join().ok().flatten().map(Mutex::new)
            })
            .as_ref()
    }

    /// What the last build recorded under `key`, when every file of it is still on disk as
    /// written (see the module's documentation); taken: asked again, it gives `None`.
    pub fn cached_unit(&self, key: &str) -> Option<UnitRecord> {
        let out = self.out.as_ref()?;
        let recorded = self.recorded()?;
        let (unit, wanted, paths) = {
            let mut recorded = lock(recorded);
            let unit = recorded.units.remove(key)?;
            let files = &recorded.files;
            let disk = lock(&self.disk);
            let mut wanted = Vec::with_capacity(unit.files().len());
            let mut paths = Vec::with_capacity(unit.files().len());
            for &at in unit.files() {
                let at = at as usize;
                let path = files.path(at);
                let entry = disk.get(path).filter(|entry| entry.is_file())?;
                let file = files.get(at);
                wanted.push(Wanted {
                    real: out.join(entry.real(path)),
                    size: file.size,
                    sha256: file.sha256,
                    stamp: files.stamp(at),
                    before: files.vouched_before(),
                });
                paths.push(path.to_owned());
            }
            (unit, wanted, paths)
        };
        if !wanted.iter().all(Wanted::holds) {
            return None;
        }
        let diagnostics = unit.diagnostics(lock(recorded).state.as_mut())?;
        Some(UnitRecord { diagnostics, paths })
    }

    /// Takes a file of a unit [`Self::cached_unit`] gave as it is on disk: listed from the
    /// manifest, with no difference. `None` when the manifest does not list it.
    pub fn carry(&self, path: &str) -> Option<FileRecord> {
        let record = {
            let recorded = lock(self.recorded()?);
            let files = &recorded.files;
            let at = files.position(path)?;
            let file = files.get(at);
            FileRecord {
                path: path.to_owned(),
                size: file.size,
                sha256: file.sha256,
                target: files.target(at).map(|target| target.to_string()),
                placement: files.placement(at).map(|placement| (**placement).clone()),
                emitter: self.listing.emitter(&files.emitter(at)),
            }
        };
        if let Err(error) = self.listing.take(&record, ()) {
            lock(&self.errors).push(error);
            return None;
        }
        lock(&self.disk).remove(path);
        Some(record)
    }

    /// Takes one file of the new bundle and compares it with the file at its path on disk.
    pub fn add(&self, file: BundleFile) {
        let (record, content) = match self.listing.record(file) {
            Ok(taken) => taken,
            Err(error) => {
                lock(&self.errors).push(error);
                return;
            }
        };
        if let Err(error) = self.listing.take(&record, ()) {
            lock(&self.errors).push(error);
            return;
        }
        let Some(out) = &self.out else { return };
        let old = lock(&self.disk).remove(&record.path);
        match old.map(|entry| entry.read(out, &record.path)).transpose() {
            Ok(old) => self.compare(&record.path, old.as_deref(), Some(&content)),
            Err(error) => {
                lock(&self.disk_error).get_or_insert(error);
            }
        }
    }

    /// The bytes on disk at `path`, when they differ from `content` (a regular file only).
    pub fn replaced(&self, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        let out = self.out.as_ref()?;
        let file = out.join(path);
        let meta = fs::symlink_metadata(&file).ok()?;
        if !meta.is_file() {
            return None;
        }
        let old = fs::read(&file).ok()?;
        (old != content).then_some(old)
    }

    /// Notes a difference between the bytes on disk and the new bytes, if there is one.
    fn compare(&self, path: &str, old: Option<&[u8]>, new: Option<&[u8]>) {
        let kind = match (old, new) {
            (None, None) => return,
            (None, Some(_)) => DriftKind::Added,
            (Some(_), None) => DriftKind::Removed,
            (Some(old), Some(new)) if old == new => return,
            (Some(_), Some(_)) => DriftKind::Changed,
        };
        let patch = self.patch.map(|make| make(path, old, new, 0));
        lock(&self.differences).push(Difference { path: path.to_owned(), kind, patch });
    }

    /// Checks that no file sits where another needs a folder, then compares the manifest and
    /// lists what is on disk and not in the new bundle.
    pub fn finish(self) -> Result<Compared, CompareFailure> {
        let (taken, duplicates) = self.listing.take_entries().map_err(CompareFailure::Disk)?;
        let mut errors = std::mem::take(&mut *lock(&self.errors));
        errors.extend(duplicates);
        let names = self.listing.emitters();
        errors.extend(path_clashes(&taken, |entry| entry.emitter(&names).to_owned()));
        if !errors.is_empty() {
            return Err(CompareFailure::Paths(errors));
        }
        if let Some(error) = lock(&self.disk_error).take() {
            return Err(CompareFailure::Disk(error));
        }
        if let Some(out) = &self.out {
            self.compare_manifest(out, &taken).map_err(CompareFailure::Disk)?;
            let left = lock(&self.disk).left();
            for (path, entry) in left {
                let old = entry.read(out, &path).map_err(CompareFailure::Disk)?;
                self.compare(&path, Some(&old), None);
            }
        }
        let mut differences = std::mem::take(&mut *lock(&self.differences));
        differences.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Compared { files: taken.into_keys().collect(), differences })
    }

    /// Compares the manifest the new bundle would get with the one on disk without holding
    /// either: by their hashes when no patch is made, else by the part of the two that differs.
    fn compare_manifest(
        &self,
        out: &Path,
        taken: &BTreeMap<String, Listed<()>>,
    ) -> Result<(), BundleError> {
        let scratch = || BundleError::Io {
            action: "read",
            path: PathBuf::from(MANIFEST_FILE),
            source: io::Error::other("the scratch file of the manifest entries failed"),
        };
        let old = lock(&self.disk).remove(MANIFEST_FILE);
        match (old, self.patch) {
            (Some(old), None) if old.is_file() => {
                let mut hashing = HashingWriter { inner: io::sink(), hasher: Sha256::new() };
                self.listing.write_manifest(&mut hashing, taken).map_err(|_| scratch())?;
                let new: [u8; 32] = hashing.hasher.finalize().into();
                if file_sha256(&out.join(old.real(MANIFEST_FILE)))? != new {
                    self.manifest_changed(None);
                }
                Ok(())
            }
            // The new manifest goes to a scratch file, and only the part of the two that
            // differs is read, with a few shared lines around it.
            (Some(old), Some(make)) if old.is_file() => {
                let path = out.join(old.real(MANIFEST_FILE));
                let mut new = tempfile::tempfile().map_err(|_| scratch())?;
                {
                    let mut writer = io::BufWriter::new(&mut new);
                    self.listing.write_manifest(&mut writer, taken).map_err(|_| scratch())?;
                    io::Write::flush(&mut writer).map_err(|_| scratch())?;
                }
                let mut old_file = std::fs::File::open(&path).map_err(io_error("read", &path))?;
                let trimmed =
                    trim_shared(&mut old_file, &mut new).map_err(io_error("read", &path))?;
                if let Some(Trimmed { skipped, old, new }) = trimmed {
                    self.manifest_changed(Some(make(
                        MANIFEST_FILE,
                        Some(&old),
                        Some(&new),
                        skipped,
                    )));
                }
                Ok(())
            }
            (old, _) => {
                let mut new = Vec::new();
                self.listing.write_manifest(&mut new, taken).map_err(|_| scratch())?;
                let old = old.map(|entry| entry.read(out, MANIFEST_FILE)).transpose()?;
                self.compare(MANIFEST_FILE, old.as_deref(), Some(&new));
                Ok(())
            }
        }
    }

    fn manifest_changed(&self, patch: Option<String>) {
        let path = MANIFEST_FILE.to_owned();
        lock(&self.differences).push(Difference { path, kind: DriftKind::Changed, patch });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::tests::file;
    use crate::{Bundle, drift, read_tree};

    fn patch(path: &str, old: Option<&[u8]>, new: Option<&[u8]>, _before: usize) -> String {
        let text =
            |b: Option<&[u8]>| b.map_or("-".to_owned(), |b| String::from_utf8_lossy(b).into());
        format!("{path}: {} => {}", text(old), text(new))
    }

    fn compare(
        out: &Path,
        files: &[BundleFile],
        patch: Option<Patcher<'_>>,
    ) -> Result<Compared, CompareFailure> {
        let comparer = Comparer::new(Some(out), patch).expect("listed");
        std::thread::scope(|scope| {
            for part in files.chunks(2) {
                let comparer = &comparer;
                scope.spawn(move || part.iter().for_each(|f| comparer.add(f.clone())));
            }
        });
        comparer.finish()
    }

    #[test]
    fn the_streamed_drift_is_the_drift_of_the_trees_in_memory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let old = [file("a/one", "1", "e"), file("a/two", "2", "e"), file("gone", "x", "f")];
        Bundle::new(old).expect("legal").write(&out).expect("written");
        // A file edited by hand, a link where a file goes, a file nobody wrote.
        std::fs::write(out.join("a/one"), "edited").expect("edit");
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/hostname", out.join("link")).expect("link");
        std::fs::write(out.join("stray"), "s").expect("stray");
        let new = [
            file("a/one", "1", "e"),
            file("a/two", "2", "e"),
            file("b/new", "n", "f"),
            file("link", "l", "f"),
        ];
        let compared = compare(&out, &new, None).expect("compared");
        let bundle = Bundle::new(new.clone()).expect("legal");
        let expected = drift(&bundle.tree(), &read_tree(&out).expect("read"));
        assert_eq!(compared.drift(), expected);
        assert!(expected.changed.contains(&MANIFEST_FILE.to_owned()), "{expected:?}");
        assert_eq!(compared.files, ["a/one", "a/two", "b/new", "link"]);
        assert!(compared.differences.iter().all(|d| d.patch.is_none()));

        // With patches: the same drift, each with the patch of its two sides.
        let with = compare(&out, &new, Some(&patch)).expect("compared");
        assert_eq!(with.drift(), expected);
        let of = |path: &str| with.differences.iter().find(|d| d.path == path).cloned();
        assert_eq!(of("a/one").and_then(|d| d.patch).as_deref(), Some("a/one: edited => 1"));
        assert_eq!(of("stray").and_then(|d| d.patch).as_deref(), Some("stray: s => -"));
        assert_eq!(of("b/new").and_then(|d| d.patch).as_deref(), Some("b/new: - => n"));
    }

    /// The manifest's patch is made of the part of the two manifests that differs, with the
    /// number of lines before it: a slice of each whole manifest, far smaller than it.
    #[test]
    fn the_manifest_patch_gets_the_part_that_differs_and_its_first_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let mut files: Vec<BundleFile> =
            (0..300).map(|i| file(&format!("f/{i:03}"), &i.to_string(), "e")).collect();
        Bundle::new(files.clone()).expect("legal").write(&out).expect("written");
        files[150] = file("f/150", "changed", "e");
        let seen: Mutex<Vec<(String, String, String, usize)>> = Mutex::new(Vec::new());
        let record = |path: &str, old: Option<&[u8]>, new: Option<&[u8]>, before: usize| {
            let text = |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into();
            lock(&seen).push((path.to_owned(), text(old), text(new), before));
            String::new()
        };
        compare(&out, &files, Some(&record)).expect("compared");
        let seen = seen.into_inner().expect("patches");
        let manifest = seen.iter().find(|(path, ..)| path == MANIFEST_FILE).expect("manifest");
        let (_, old_part, new_part, before) = manifest;
        let whole_old = std::fs::read_to_string(out.join(MANIFEST_FILE)).expect("manifest");
        let whole_new =
            String::from_utf8(Bundle::new(files).expect("legal").manifest()).expect("UTF-8");
        for (whole, part) in [(&whole_old, old_part), (&whole_new, new_part)] {
            let from: String = whole.split_inclusive('\n').skip(*before).collect();
            assert!(from.starts_with(part.as_str()), "a slice from line {before}: {part}");
            assert!(part.len() * 10 < whole.len(), "{} of {} bytes", part.len(), whole.len());
        }
        assert!(old_part.contains("\"f/150\"") && old_part != new_part, "{old_part}");
    }

    #[test]
    fn an_unchanged_bundle_has_no_drift_and_a_missing_one_is_all_added() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let files = [file("x/one", "1", "e"), file("x/two", "2", "f")];
        Bundle::new(files.clone()).expect("legal").write(&out).expect("written");
        assert_eq!(compare(&out, &files, None).expect("compared").differences, []);
        assert_eq!(compare(&out, &files, Some(&patch)).expect("compared").differences, []);
        let missing = dir.path().join("missing");
        let drift = compare(&missing, &files, None).expect("compared").drift();
        assert_eq!(drift.added, [MANIFEST_FILE, "x/one", "x/two"]);
    }

    #[test]
    fn wrong_paths_are_the_errors_bundle_new_gives() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = [
            file("a", "1", "e"),
            file("a/b", "2", "f"),
            file("../up", "3", "e"),
            file("a/b", "4", "g"),
        ];
        // One thread: which of two files at one path comes first is the order they come in.
        let comparer = Comparer::new(Some(dir.path()), None).expect("listed");
        files.iter().for_each(|f| comparer.add(f.clone()));
        let Err(CompareFailure::Paths(mut errors)) = comparer.finish() else {
            panic!("paths accepted");
        };
        let Err(mut expected) = Bundle::new(files) else { panic!("paths accepted") };
        let text = |e: &BundleError| e.to_string();
        errors.sort_by_key(text);
        expected.sort_by_key(text);
        assert_eq!(
            errors.iter().map(text).collect::<Vec<_>>(),
            expected.iter().map(text).collect::<Vec<_>>()
        );
    }
}
