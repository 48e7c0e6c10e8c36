//! Bundle assembly: checks every path emitters return, builds the tree with its manifest in a
//! temporary sibling of the output folder, and swaps it into place atomically.
//!
//! Invariants: nothing outside the output folder's parent is ever touched; a bundle on disk is
//! always complete (the old one or the new one, even if the process is killed at any moment);
//! the same files give byte-identical trees (sorted, no timestamps, no absolute paths).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::manifest::{Files, ManifestFile, Near, read_manifest};

/// Name of the manifest at the bundle root; no emitter may write it.
pub const MANIFEST_FILE: &str = "MANIFEST.json";

/// Name of the incremental state at the bundle root (see `writer.rs`): not a file of the
/// bundle, not in the manifest, skipped by [`read_tree`]; no emitter may write it.
pub const STATE_FILE: &str = ".zat-state";

/// Prefix of the temporary siblings of an output folder `out`: `.out.zat-…`.
const TEMP_MARK: &str = ".zat-";

/// One file an emitter wants in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Bundle-relative path with `/` separators.
    pub path: String,
    pub content: Vec<u8>,
    /// Where the file goes on z/OS, for the manifest.
    pub target: Option<String>,
    /// The same, structured, for the manifest and the deploy scripts.
    pub placement: Option<zat_model::Placement>,
    /// Name of the emitter that wrote it.
    pub emitter: String,
}

/// Why a path an emitter returned is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathProblem {
    #[error("the path is empty")]
    Empty,
    #[error("the path is absolute; paths are relative to the bundle root")]
    Absolute,
    #[error("the path starts with a drive letter; paths are relative to the bundle root")]
    DriveLetter,
    #[error("the path contains a backslash; separate folders with `/`")]
    Backslash,
    #[error("the path contains a NUL or another control character")]
    Control,
    #[error("the path contains a bidirectional formatting character, which can disguise it")]
    Bidi,
    #[error("the path has an empty component (`//` or a trailing `/`)")]
    EmptyComponent,
    #[error("the path has a `{0}` component; paths must be normalised and stay inside the bundle")]
    Dot(String),
    #[error("`{MANIFEST_FILE}` is written by zat itself")]
    Manifest,
    #[error("`{STATE_FILE}` is written by zat itself")]
    State,
}

/// Unicode characters that reorder how text is displayed.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// A file name from disk as it may be printed: control and bidirectional formatting
/// characters become `\u{…}` escapes, so a name cannot forge a line of `--check` or `diff`
/// output. No bundle path holds such a character, so an escaped name never matches one.
fn printable(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() || is_bidi_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks that `path` is relative, normalised, and confined to the bundle.
pub fn check_path(path: &str) -> Result<(), PathProblem> {
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if path.chars().any(char::is_control) {
        return Err(PathProblem::Control);
    }
    if path.chars().any(is_bidi_control) {
        return Err(PathProblem::Bidi);
    }
    if path.contains('\\') {
        return Err(PathProblem::Backslash);
    }
    if path.starts_with('/') {
        return Err(PathProblem::Absolute);
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(PathProblem::DriveLetter);
    }
    for component in path.split('/') {
        match component {
            "" => return Err(PathProblem::EmptyComponent),
            "." | ".." => return Err(PathProblem::Dot(component.to_owned())),
            _ => {}
        }
    }
    // Case-insensitively, so that the bundle also unpacks on case-insensitive file systems;
    // and as a folder too (`manifest.json/x`), which would stand where zat writes its file.
    let top = path.split_once('/').map_or(path, |(top, _)| top);
    if top.eq_ignore_ascii_case(MANIFEST_FILE) {
        return Err(PathProblem::Manifest);
    }
    if top.eq_ignore_ascii_case(STATE_FILE) {
        return Err(PathProblem::State);
    }
    Ok(())
}

/// How two paths of a [`BundleError::CaseDuplicate`] clash.
fn case_clash(folder: Option<&str>) -> String {
    match folder {
        None => "differ only in case; the bundle must also unpack on case-insensitive file systems, where they are one file".to_owned(),
        Some(folder) => format!(
            "clash in case: one is a file, and the other needs the folder {folder:?}, whose name differs from the file's only in case; the bundle must also unpack on case-insensitive file systems, where a file and a folder cannot have one name"
        ),
    }
}

/// A problem with the files or with writing the bundle.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("emitter `{emitter}` returned the path {path:?}, which is refused: {problem}")]
    BadPath { emitter: String, path: String, problem: PathProblem },
    #[error(
        "the path {path:?} is written twice (by `{first}` and by `{second}`); each file needs exactly one emitter"
    )]
    Duplicate { path: String, first: String, second: String },
    /// Two files, or (with `folder`) a file and a folder of the other path, whose names
    /// differ only in case.
    #[error(
        "the paths {first_path:?} (from `{first}`) and {path:?} (from `{second}`) {}, so each file needs a path of its own whatever the case",
        case_clash(folder.as_deref())
    )]
    CaseDuplicate {
        path: String,
        second: String,
        first_path: String,
        first: String,
        /// The folder of one path that the other is but for case, if the clash is one.
        folder: Option<String>,
    },
    #[error(
        "the path {path:?} (from `{emitter}`) is a file, but `{other}` (from `{other_emitter}`) needs it to be a folder"
    )]
    FileIsFolder { path: String, emitter: String, other: String, other_emitter: String },
    #[error("cannot {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: io::Error },
    #[error(
        "{} is not a bundle zat wrote and left alone ({reason}); refusing to replace it, which would delete: {}; move those files away or choose another output folder",
        path.display(),
        list_paths(in_the_way)
    )]
    NotABundle { path: PathBuf, reason: String, in_the_way: Vec<String> },
    #[error("{} cannot be an output folder; name a folder such as `out`", path.display())]
    BadOutput { path: PathBuf },
    #[error(
        "{} is inside the zat bundle {}; a bundle inside another would make the outer one drift, choose an output folder outside it",
        path.display(),
        bundle.display()
    )]
    InsideBundle { path: PathBuf, bundle: PathBuf },
    #[error(
        "{} is a symbolic link (to {}); zat does not write or read a bundle through a link, give the folder itself: `-o {}`",
        path.display(),
        target.display(),
        target.display()
    )]
    OutputIsLink { path: PathBuf, target: PathBuf },
    #[error(
        "{} is a mount point (or on another file system than the folder that holds it), and zat replaces a bundle folder as a whole by renaming, which a mount point cannot be; build into a folder inside it (`-o {}`), or mount the folder above it",
        path.display(),
        path.join("bundle").display()
    )]
    MountPoint { path: PathBuf },
    #[error(
        "the new bundle is in place at {}, but the old one could not be removed from {}: {source}; remove it by hand",
        out.display(),
        leftover.display()
    )]
    Leftover { out: PathBuf, leftover: PathBuf, source: io::Error },
}

/// At most this many paths are named in a message; the rest are counted.
const LISTED_PATHS: usize = 20;

fn list_paths(paths: &[String]) -> String {
    let mut text =
        paths.iter().take(LISTED_PATHS).map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    if paths.len() > LISTED_PATHS {
        text.push_str(&format!(" and {} more", paths.len() - LISTED_PATHS));
    }
    text
}

pub(crate) fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> BundleError + 'a {
    move |source| BundleError::Io { action, path: path.to_owned(), source }
}

/// Checked files, sorted by path, ready to be written.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    files: BTreeMap<String, BundleFile>,
}

#[derive(Serialize)]
pub(crate) struct Manifest<'a> {
    pub(crate) zat_version: &'a str,
    pub(crate) files: Vec<ManifestEntry<'a>>,
}

#[derive(Serialize)]
pub(crate) struct ManifestEntry<'a> {
    pub(crate) path: &'a str,
    pub(crate) size: usize,
    pub(crate) sha256: String,
    pub(crate) target: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) placement: Option<&'a zat_model::Placement>,
    pub(crate) emitter: &'a str,
}

impl Bundle {
    /// Checks every path and collects every problem, not just the first.
    pub fn new(files: impl IntoIterator<Item = BundleFile>) -> Result<Bundle, Vec<BundleError>> {
        let mut errors = Vec::new();
        let mut map: BTreeMap<String, BundleFile> = BTreeMap::new();
        for file in files {
            if let Err(problem) = check_path(&file.path) {
                errors.push(BundleError::BadPath {
                    emitter: file.emitter,
                    path: file.path,
                    problem,
                });
                continue;
            }
            if let Some(first) = map.get(&file.path) {
                errors.push(BundleError::Duplicate {
                    path: file.path.clone(),
                    first: first.emitter.clone(),
                    second: file.emitter,
                });
                continue;
            }
            map.insert(file.path.clone(), file);
        }
        errors.extend(path_clashes(&map, |file| file.emitter.clone()));
        if errors.is_empty() { Ok(Bundle { files: map }) } else { Err(errors) }
    }

    /// The files, sorted by path (without the manifest).
    pub fn files(&self) -> impl Iterator<Item = &BundleFile> {
        self.files.values()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// `MANIFEST.json`: every file's path, size, sha256, z/OS target and emitter, and the zat
    /// version; sorted by path, no timestamps, ending in a newline.
    pub fn manifest(&self) -> Vec<u8> {
        let manifest = Manifest {
            zat_version: env!("CARGO_PKG_VERSION"),
            files: self
                .files
                .values()
                .map(|f| ManifestEntry {
                    path: &f.path,
                    size: f.content.len(),
                    sha256: sha256_hex(&f.content),
                    target: f.target.as_deref(),
                    placement: f.placement.as_ref(),
                    emitter: &f.emitter,
                })
                .collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&manifest)
            .expect("the manifest holds only strings and numbers, which always serialise");
        bytes.push(b'\n');
        bytes
    }

    /// The whole tree as it would be on disk: every file plus the manifest.
    pub fn tree(&self) -> BTreeMap<String, Vec<u8>> {
        let mut tree: BTreeMap<String, Vec<u8>> =
            self.files.values().map(|f| (f.path.clone(), f.content.clone())).collect();
        tree.insert(MANIFEST_FILE.to_owned(), self.manifest());
        tree
    }

    /// Writes the bundle to `out` atomically: builds it in a temporary sibling folder, syncs
    /// it, then swaps it into place, so `out` is always either the old bundle or the new one.
    ///
    /// An existing `out` is replaced only when it is empty, or a bundle zat wrote that holds
    /// exactly the files its manifest lists, unchanged; anything else is refused with the
    /// paths that would be lost, so a mistyped `-o` or a file a user added is never deleted.
    /// `out` may not be a symbolic link nor lie inside another bundle.
    pub fn write(&self, out: &Path) -> Result<(), BundleError> {
        let out = &output_folder(out);
        let (parent, name) = split_output(out)?;
        let old_kind = existing_kind(out)?;
        if let Some(bundle) = enclosing_bundle(&parent) {
            return Err(BundleError::InsideBundle { path: out.to_owned(), bundle });
        }
        fs::create_dir_all(&parent).map_err(io_error("create", &parent))?;
        remove_stale(&parent, &name);
        let temp = parent.join(temp_name(&name, "new"));
        if fs::symlink_metadata(&temp).is_ok() {
            fs::remove_dir_all(&temp).map_err(io_error("remove", &temp))?;
        }
        let result = self.write_tree(&temp).and_then(|()| match old_kind {
            Existing::Missing => {
                fs::rename(&temp, out).map_err(io_error("move the new bundle into place at", out))
            }
            Existing::Bundle => swap(&temp, out),
        });
        match result {
            Ok(()) => {
                sync_dir(&parent);
                // After a swap `temp` holds the old bundle; it must go, or say why not.
                match fs::remove_dir_all(&temp) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(source) => {
                        Err(BundleError::Leftover { out: out.to_owned(), leftover: temp, source })
                    }
                }
            }
            Err(error) => {
                // A partial new tree; if removing it fails, the next run removes it as stale.
                let _ = fs::remove_dir_all(&temp);
                Err(error)
            }
        }
    }

    fn write_tree(&self, root: &Path) -> Result<(), BundleError> {
        fs::create_dir(root).map_err(io_error("create", root))?;
        // Every folder once, parents before children (a `BTreeSet` of paths sorts that way).
        let mut dirs = BTreeSet::new();
        for file in self.files.values() {
            let mut dir = Path::new(&file.path).parent();
            while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                if !dirs.insert(d) {
                    break;
                }
                dir = d.parent();
            }
        }
        for dir in &dirs {
            let path = root.join(dir);
            fs::create_dir(&path).map_err(io_error("create", &path))?;
        }
        self.write_files(root)?;
        // The manifest last: a tree with a manifest was written completely.
        write_file(&root.join(MANIFEST_FILE), &self.manifest())?;
        sync_tree(root)?;
        for dir in dirs.iter().rev() {
            sync_dir(&root.join(dir));
        }
        sync_dir(root);
        Ok(())
    }

    /// Writes every file, on a few threads: creating thousands of small files is bound by
    /// file-system latency, not by the CPU, so they overlap well.
    fn write_files(&self, root: &Path) -> Result<(), BundleError> {
        let files: Vec<&BundleFile> = self.files.values().collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(2, 8);
        let chunk = files.len().div_ceil(threads).max(64);
        std::thread::scope(|scope| {
            let workers: Vec<_> = files
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter().try_for_each(|f| write_file(&root.join(&f.path), &f.content))
                    })
                })
                .collect();
            workers.into_iter().try_for_each(|worker| {
                worker.join().unwrap_or_else(|_| {
                    Err(BundleError::Io {
                        action: "write",
                        path: root.to_owned(),
                        source: io::Error::other("a writer thread panicked"),
                    })
                })
            })
        })
    }
}

fn write_file(path: &Path, content: &[u8]) -> Result<(), BundleError> {
    write_file_stat(path, content).map(drop)
}

/// Writes a new file and returns its metadata as written (for the incremental state). A file
/// already there is an error, never overwritten: in a new tree it can only be a second file
/// at one path (refused once every file is listed), and one carried over is a hard link to
/// the old bundle's file, which must not change.
pub(crate) fn write_file_stat(path: &Path, content: &[u8]) -> Result<fs::Metadata, BundleError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io_error("create", path))?;
    file.write_all(content).map_err(io_error("write", path))?;
    // On Linux one `syncfs` after the whole tree (see `sync_tree`) replaces thousands of
    // per-file syncs; elsewhere each file is synced as it is written.
    #[cfg(not(target_os = "linux"))]
    file.sync_all().map_err(io_error("sync", path))?;
    file.metadata().map_err(io_error("inspect", path))
}

/// Makes every file of the new tree durable before it is swapped in. A kill needs no sync
/// (the kernel keeps what was written); a power loss does, and without it the swap could
/// reach the disk before the files it points at.
#[cfg(target_os = "linux")]
pub(crate) fn sync_tree(root: &Path) -> Result<(), BundleError> {
    let handle = fs::File::open(root).map_err(io_error("open", root))?;
    rustix::fs::syncfs(&handle).map_err(|e| BundleError::Io {
        action: "sync",
        path: root.to_owned(),
        source: io::Error::from(e),
    })
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn sync_tree(_root: &Path) -> Result<(), BundleError> {
    Ok(())
}

/// Best effort: makes a folder's entries durable. Not needed for a kill (the kernel keeps
/// them), only for a power loss, and not possible on every platform.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Existing {
    Missing,
    Bundle,
}

fn existing_kind(out: &Path) -> Result<Existing, BundleError> {
    inspect_existing(out, &mut |_| {}).map(|(kind, ..)| kind)
}

/// What is at `out`, its manifest when it is a bundle zat wrote, and how many of its files were
/// read by their bytes. `vouch` may give listed files the stamp the incremental state recorded
/// for them (it is called once, before any file is looked at); a file counts as unchanged when
/// the state vouches for it (see [`crate::writer::vouches`]), and otherwise when its bytes hash
/// to what the manifest lists.
pub(crate) fn inspect_existing(
    out: &Path,
    vouch: &mut dyn FnMut(&mut Files),
) -> Result<(Existing, Option<ManifestFile>, usize), BundleError> {
    let mut manifest = match top_of(out)? {
        Top::Missing => return Ok((Existing::Missing, None, 0)),
        Top::Empty => return Ok((Existing::Bundle, None, 0)),
        Top::Bundle(manifest) => *manifest,
    };
    vouch(&mut manifest.files);
    let files = &manifest.files;
    // The walk asks about a file twice (its stamp, then its entry), folder by folder.
    let near = std::cell::RefCell::new(Near::default());
    let find = |path: &str| files.find(path, &mut near.borrow_mut());
    let trusted =
        |path: &str, meta: &fs::Metadata| find(path).is_some_and(|at| files.vouches(at, meta));
    let stamped = files.any_stamped();
    // Folders that hold a listed file; any other folder is the user's.
    let folders = folders_of(files.paths());
    // Each entry is judged as the walk finds it (a bundle of thousands of LPARs has hundreds
    // of thousands of files, and the old manifest is held beside the fleet script meanwhile).
    let mut in_the_way = Vec::new();
    // Files whose bytes are right though their stamp is not the recorded one (copied back,
    // touched): the stamp is forgotten, so that nothing takes the file for the inode it names.
    let mut restamp = Vec::new();
    // Listed files the walk finds; the others were removed since zat wrote them.
    let mut found = vec![false; files.len()];
    walk_each(out, stamped.then_some(&trusted as &Vouch<'_>), &mut |entry| {
        if entry.path == MANIFEST_FILE || is_state(&entry) {
            return Ok(());
        }
        let at = find(&entry.path);
        let listed = at.map(|at| files.get(at));
        if let (Kind::File, Some(at)) = (&entry.kind, at) {
            found[at] = true;
        }
        let ours = match (&entry.kind, listed) {
            (Kind::Dir, _) => folders.contains(entry.path.as_str()),
            (Kind::File, Some(want)) => {
                let path = out.join(&entry.real);
                entry.vouched || {
                    restamp.extend(at);
                    let bytes = fs::read(&path).map_err(io_error("read", &path))?;
                    bytes.len() as u64 == want.size && Sha256::digest(&bytes)[..] == want.sha256
                }
            }
            _ => false,
        };
        if !ours {
            let shown = if listed.is_some() {
                format!("{} (changed since zat wrote it)", entry.display())
            } else {
                entry.display()
            };
            in_the_way.push((entry.path, shown));
        }
        Ok(())
    })?;
    let read = restamp.len();
    for at in restamp {
        manifest.files.clear_stamp(at);
    }
    // A file removed by hand is in nobody's way: the new build writes it again (its unit
    // renders anew), and nothing is carried from where it was, nor from a base that may still
    // hold its inode.
    for (at, _) in found.iter().enumerate().filter(|(_, found)| !**found) {
        manifest.files.set_missing(at);
    }
    in_the_way.sort();
    let in_the_way: Vec<String> = in_the_way.into_iter().map(|(_, shown)| shown).collect();
    if in_the_way.is_empty() {
        Ok((Existing::Bundle, Some(manifest), read))
    } else {
        Err(BundleError::NotABundle {
            path: out.to_owned(),
            reason: "it holds files its MANIFEST.json does not list, or changed ones".to_owned(),
            in_the_way,
        })
    }
}

/// What the top level of an output folder says it is.
enum Top {
    Missing,
    Empty,
    /// A folder with a manifest zat wrote (what else it holds is not looked at yet).
    Bundle(Box<ManifestFile>),
}

/// Looks at the top level of `out` only: a folder that is not a bundle (a home folder, a
/// source tree) is refused without walking all of it, as a build refuses it.
fn top_of(out: &Path) -> Result<Top, BundleError> {
    let meta = match fs::symlink_metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Top::Missing),
        Err(e) => {
            return Err(BundleError::Io { action: "inspect", path: out.to_owned(), source: e });
        }
        Ok(meta) => meta,
    };
    if meta.file_type().is_symlink() {
        let target = fs::read_link(out).unwrap_or_default();
        let target = out.parent().map_or_else(|| target.clone(), |p| p.join(&target));
        return Err(BundleError::OutputIsLink { path: out.to_owned(), target });
    }
    if !meta.is_dir() {
        return Err(BundleError::NotABundle {
            path: out.to_owned(),
            reason: "it is a file, not a folder".to_owned(),
            in_the_way: vec![out.display().to_string()],
        });
    }
    let top = list(out)?;
    if top.is_empty() {
        return Ok(Top::Empty);
    }
    let not_ours = |reason: &str| BundleError::NotABundle {
        path: out.to_owned(),
        reason: reason.to_owned(),
        in_the_way: top.iter().map(Entry::display).collect(),
    };
    let manifest = match top.iter().find(|e| e.path == MANIFEST_FILE) {
        Some(Entry { kind: Kind::File, .. }) => read_manifest(&out.join(MANIFEST_FILE))
            .ok_or_else(|| not_ours("its MANIFEST.json was not written by zat"))?,
        Some(_) => return Err(not_ours("its MANIFEST.json is not a regular file")),
        None => return Err(not_ours("it has no MANIFEST.json")),
    };
    Ok(Top::Bundle(Box::new(manifest)))
}

/// What a comparison (`zat build --check`, `zat diff`) may compare with at `out`: nothing,
/// an empty folder, or a bundle zat wrote, whose manifest is given. Any other folder is
/// refused as a build refuses it, with the same message: no build would replace it, so a
/// comparison would describe a build that never runs (the user's files "removed"). A bundle
/// zat wrote whose files changed since is compared: showing that is what a comparison is for.
pub(crate) fn comparable(out: &Path) -> Result<Option<ManifestFile>, BundleError> {
    match top_of(out)? {
        Top::Missing | Top::Empty => Ok(None),
        Top::Bundle(manifest) => Ok(Some(*manifest)),
    }
}

/// An output folder as given, with what does not change where it is left out: a trailing
/// `/` or `/.`, a `.` inside (`out/./bundle`). `out/.` is `out`; taken as it is, its last
/// component `.` could never be renamed over (the swap at the end of a build would fail, after
/// all the work). A `..` is kept: it may go through a link, and `file_name` refuses it last.
pub(crate) fn output_folder(out: &Path) -> PathBuf {
    out.components().collect()
}

/// Every folder that holds one of `paths` (bundle paths, `/`-separated), at any depth.
pub(crate) fn folders_of<'a>(paths: impl IntoIterator<Item = &'a str>) -> HashSet<&'a str> {
    let mut folders = HashSet::new();
    for path in paths {
        let mut rest = path;
        // A folder met before has its parents in the set already.
        while let Some((dir, _)) = rest.rsplit_once('/') {
            if !folders.insert(dir) {
                break;
            }
            rest = dir;
        }
    }
    folders
}

/// The nearest folder at or above `dir` that is a bundle zat wrote, if any. `dir` is taken
/// as it will be resolved on disk (links in it followed), so a link cannot hide a bundle.
pub(crate) fn enclosing_bundle(dir: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(dir).ok()?;
    // The deepest existing ancestor, with its links resolved.
    let mut existing = absolute.as_path();
    let resolved = loop {
        if let Ok(real) = fs::canonicalize(existing) {
            break real;
        }
        existing = existing.parent()?;
    };
    resolved
        .ancestors()
        .find(|a| read_manifest(&a.join(MANIFEST_FILE)).is_some())
        .map(Path::to_owned)
}

/// Exchanges `new` and `out` in one step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
pub(crate) fn swap(new: &Path, out: &Path) -> Result<(), BundleError> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    renameat_with(CWD, new, CWD, out, RenameFlags::EXCHANGE).map_err(|e| match e {
        // A mount point on the same file system as its parent (a bind mount) is not seen by
        // `mount_point` before the build; the rename is refused here.
        Errno::BUSY | Errno::XDEV => BundleError::MountPoint { path: out.to_owned() },
        _ => BundleError::Io {
            action: "swap the new bundle into place at",
            path: out.to_owned(),
            source: e.into(),
        },
    })
}

/// Whether the existing folder `out` is on another device than `parent`: a mount point (a
/// container's volume, say), which no rename can replace.
#[cfg(unix)]
pub(crate) fn mount_point(out: &Path, parent: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (fs::symlink_metadata(out), fs::metadata(parent)) {
        (Ok(out), Ok(parent)) => out.is_dir() && out.dev() != parent.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
pub(crate) fn mount_point(_out: &Path, _parent: &Path) -> bool {
    false
}

/// Elsewhere there is no atomic exchange of folders: move the old one aside, then the new one
/// in. A kill between the two renames leaves the old bundle in `.NAME.zat-old-PID`.
#[cfg(not(target_os = "linux"))]
pub(crate) fn swap(new: &Path, out: &Path) -> Result<(), BundleError> {
    let (parent, name) = split_output(out)?;
    let old = parent.join(temp_name(&name, "old"));
    fs::rename(out, &old).map_err(io_error("move aside", out))?;
    fs::rename(new, out).map_err(io_error("move the new bundle into place at", out))?;
    fs::rename(&old, new).map_err(io_error("move", &old))
}

pub(crate) fn split_output(out: &Path) -> Result<(PathBuf, String), BundleError> {
    let bad = || BundleError::BadOutput { path: out.to_owned() };
    let name = out.file_name().and_then(|n| n.to_str()).ok_or_else(bad)?.to_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

pub(crate) fn temp_name(name: &str, kind: &str) -> String {
    format!(".{name}{TEMP_MARK}{kind}-{}", std::process::id())
}

/// Removes temporary siblings that earlier runs left behind when they were killed, unless
/// the process that made them is still running.
pub(crate) fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}{TEMP_MARK}");
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
        let Some(pid) = rest.strip_prefix("new-").or_else(|| rest.strip_prefix("old-")) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid != std::process::id() && process_alive(pid) {
            continue;
        }
        let _ = fs::remove_dir_all(entry.path());
    }
}

#[cfg(target_os = "linux")]
pub(crate) fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn process_alive(_pid: u32) -> bool {
    false
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    hex
}

/// What one entry of a folder on disk is; links are never followed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    /// A symbolic link, with what it points at.
    Link(PathBuf),
    /// A FIFO, socket or device: never opened (a FIFO would block).
    Other,
}

#[derive(Debug, Clone)]
struct Entry {
    /// Relative path with `/`, printable (see [`printable`]).
    path: String,
    /// The same path as it is on disk.
    real: PathBuf,
    kind: Kind,
    /// A regular file the walk's `vouch` vouched for (see [`walk`]).
    vouched: bool,
}

impl Entry {
    fn display(&self) -> String {
        match &self.kind {
            Kind::File | Kind::Other => self.path.clone(),
            Kind::Dir => format!("{}/", self.path),
            Kind::Link(target) => {
                format!("{} -> {}", self.path, printable(&target.to_string_lossy()))
            }
        }
    }
}

/// The entries of the folder `dir/real`, named `prefix/name` (just `name` at the top).
fn entries_of(
    dir: &Path,
    real: &Path,
    prefix: &str,
    vouch: Option<&Vouch<'_>>,
) -> Result<Vec<Entry>, BundleError> {
    let folder = dir.join(real);
    let mut entries = Vec::new();
    for entry in fs::read_dir(&folder).map_err(io_error("read", &folder))? {
        let entry = entry.map_err(io_error("read", &folder))?;
        let file_name = entry.file_name();
        let name = printable(&file_name.to_string_lossy());
        let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        let path = entry.path();
        let kind = entry.file_type().map_err(io_error("inspect", &path))?;
        let kind = if kind.is_symlink() {
            Kind::Link(fs::read_link(&path).unwrap_or_default())
        } else if kind.is_dir() {
            Kind::Dir
        } else if kind.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        // Looked up through the folder being read (`fstatat`), not its path from the root.
        let vouched = kind == Kind::File
            && vouch.is_some_and(|vouch| entry.metadata().is_ok_and(|meta| vouch(&rel, &meta)));
        entries.push(Entry { path: rel, real: real.join(file_name), kind, vouched });
    }
    Ok(entries)
}

/// Whether an entry is the incremental state at the root (a regular file; anything else by
/// that name is the user's).
fn is_state(entry: &Entry) -> bool {
    entry.path == STATE_FILE && entry.kind == Kind::File
}

/// The entries directly in `dir`, sorted, links not followed.
fn list(dir: &Path) -> Result<Vec<Entry>, BundleError> {
    let mut entries = entries_of(dir, Path::new(""), "", None)?;
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

/// Whether a regular file (by its path in the walk, and its metadata) is one the incremental
/// state vouches for.
type Vouch<'a> = dyn Fn(&str, &fs::Metadata) -> bool + 'a;

/// Every entry under `dir` (files, folders, links, others), each handed to `each` as its
/// folder is read (a folder before what it holds, in no set order), without following a link:
/// a link to `/` or a link loop is one entry like any other. With `vouch`, each regular file is
/// asked about as it is found. No list of the whole tree is made.
fn walk_each(
    dir: &Path,
    vouch: Option<&Vouch<'_>>,
    each: &mut dyn FnMut(Entry) -> Result<(), BundleError>,
) -> Result<(), BundleError> {
    let mut folders = vec![(PathBuf::new(), String::new())];
    while let Some((real, prefix)) = folders.pop() {
        for entry in entries_of(dir, &real, &prefix, vouch)? {
            if entry.kind == Kind::Dir {
                folders.push((entry.real.clone(), entry.path.clone()));
            }
            each(entry)?;
        }
    }
    Ok(())
}

/// Every entry under `dir`, sorted by path (see [`walk_each`]).
fn walk(dir: &Path) -> Result<Vec<Entry>, BundleError> {
    let mut entries = Vec::new();
    walk_each(dir, None, &mut |entry| {
        entries.push(entry);
        Ok(())
    })?;
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

/// First bytes of what [`read_tree`] gives for an entry that is not a regular file. They are
/// not UTF-8, so they never equal a generated file (emitters write text).
const SPECIAL_MARK: &[u8] = b"\xff\xfezat:";

/// What [`read_tree`] stood in for an entry that is not a regular file (`symbolic link to
/// /etc/shadow`), or `None` for the bytes of a regular file.
pub fn special_entry(bytes: &[u8]) -> Option<String> {
    let rest = bytes.strip_prefix(SPECIAL_MARK)?;
    Some(String::from_utf8_lossy(rest).into_owned())
}

fn special(what: String) -> Vec<u8> {
    let mut bytes = SPECIAL_MARK.to_vec();
    bytes.extend_from_slice(what.as_bytes());
    bytes
}

/// Reads a bundle on disk as path → bytes (relative paths with `/`); empty if it is missing.
///
/// Links are never followed, here or below: a symbolic link (to a file outside the bundle, or
/// a loop) and any other entry that is not a regular file or folder stand as a short
/// description (see [`special_entry`]), which differs from every generated file, so it shows
/// as drift. `dir` itself may not be a link.
pub fn read_tree(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    on_disk(dir)?
        .into_iter()
        .map(|(path, entry)| {
            let bytes = entry.read(dir, &path)?;
            Ok((path, bytes))
        })
        .collect()
}

/// Every pair of paths that cannot both be files of one bundle, in a map of the bundle's
/// files by path: a file where another needs a folder, and two paths that differ only in
/// case. `emitter` names the plugin that wrote one.
pub(crate) fn path_clashes<V>(
    files: &BTreeMap<String, V>,
    emitter: impl Fn(&V) -> String,
) -> Vec<BundleError> {
    let mut clashes = folder_clashes(files, &emitter);
    clashes.extend(case_clashes(files, &emitter));
    clashes
}

/// Paths that are one name on a case-insensitive file system (macOS, Windows): two files
/// equal once folded to lower case, or a file and a folder of another path (`A` and `a/b`).
/// [`check_path`] holds the manifest's name to that, so that the bundle unpacks anywhere;
/// every other path is held to it here, once all are known.
fn case_clashes<V>(
    files: &BTreeMap<String, V>,
    emitter: impl Fn(&V) -> String,
) -> Vec<BundleError> {
    use std::hash::{BuildHasher as _, RandomState};
    let hashing = RandomState::new();
    case_clashes_hashed(files, emitter, |folded| hashing.hash_one(folded))
}

/// [`case_clashes`] with the hash of a folded name given (a test makes every hash meet).
///
/// Each path is folded into one reused buffer and only 64-bit hashes are kept: of each folded
/// file path, and of each folded folder the first time the sorted paths enter it, so a bundle
/// of tens of thousands of files costs a hash or two per path and no copy of any; names whose
/// hashes meet are compared folded, so a collision of hashes is never taken for a clash.
///
/// A file is checked against the folders of the paths before it, and each new folder against
/// the files before it. A folder is kept in the case it is first seen in: one that other paths
/// spell otherwise is one folder on such a file system, which clashes with nothing; a file
/// it equals in that first case is a [`BundleError::FileIsFolder`] already.
fn case_clashes_hashed<V>(
    files: &BTreeMap<String, V>,
    emitter: impl Fn(&V) -> String,
    hash: impl Fn(&str) -> u64,
) -> Vec<BundleError> {
    let mut known_files = Folded::with_capacity(files.len());
    let mut known_folders = Folded::with_capacity(0);
    let mut folded = String::new();
    let mut clashes = Vec::new();
    let mut clash = |first: &str, path: &str, folder: Option<&str>| {
        clashes.push(BundleError::CaseDuplicate {
            path: path.to_owned(),
            second: emitter(&files[path]),
            first_path: first.to_owned(),
            first: emitter(&files[first]),
            folder: folder.map(str::to_owned),
        });
    };
    let mut previous = "";
    for path in files.keys() {
        fold_case(path, &mut folded);
        let hashed = hash(&folded);
        if let Some((first, _)) = known_files.insert(hashed, path, path.len()) {
            clash(first, path, None);
        }
        if let Some((other, folder)) = known_folders.find(hashed, path)
            && folder != path
        {
            clash(other, path, Some(folder));
        }
        // Sorted paths under one folder follow each other: a folder of the path before is known.
        let ascii = path.is_ascii();
        for (nth, (end, _)) in path.match_indices('/').enumerate() {
            if previous.starts_with(&path[..=end]) {
                continue;
            }
            let folded_end = if ascii {
                end
            } else {
                folded.match_indices('/').nth(nth).map(|(at, _)| at).expect(
                    "a path folded has a `/` for each of its own: no other character folds to one",
                )
            };
            let folder = &path[..end];
            let hashed = hash(&folded[..folded_end]);
            if known_folders.insert(hashed, path, end).is_none()
                && let Some((file, _)) = known_files.find(hashed, folder)
                && file != folder
            {
                clash(file, path, Some(folder));
            }
        }
        previous = path;
    }
    clashes
}

/// Names, each a prefix of a bundle path, known by the hash of their folded form; no name is
/// copied.
struct Folded<'a> {
    /// The first name under each hash, as a path and the length of the prefix meant.
    first: HashMap<u64, (&'a str, usize)>,
    /// Further names under a hash already taken by a name they do not fold equal to.
    collided: Vec<(u64, &'a str, usize)>,
}

impl<'a> Folded<'a> {
    fn with_capacity(capacity: usize) -> Folded<'a> {
        Folded { first: HashMap::with_capacity(capacity), collided: Vec::new() }
    }

    /// The known name that folds equal to `name` (whose folded form has hash `hash`), with
    /// the path it is a prefix of.
    fn find(&self, hash: u64, name: &str) -> Option<(&'a str, &'a str)> {
        let first = *self.first.get(&hash)?;
        std::iter::once(first)
            .chain(self.collided.iter().filter(|(h, ..)| *h == hash).map(|&(_, p, l)| (p, l)))
            .map(|(path, len)| (path, &path[..len]))
            .find(|(_, known)| fold_equal(known, name))
    }

    /// Adds `path[..len]`, unless a known name folds equal to it: that one is returned.
    fn insert(&mut self, hash: u64, path: &'a str, len: usize) -> Option<(&'a str, &'a str)> {
        use std::collections::hash_map::Entry;
        if let Entry::Vacant(slot) = self.first.entry(hash) {
            slot.insert((path, len));
            return None;
        }
        let known = self.find(hash, &path[..len]);
        if known.is_none() {
            self.collided.push((hash, path, len));
        }
        known
    }
}

/// `path` in lower case, into `out`: ASCII by a table, anything else as Unicode lowers it.
fn fold_case(path: &str, out: &mut String) {
    out.clear();
    if path.is_ascii() {
        out.extend(path.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.extend(path.chars().flat_map(char::to_lowercase));
    }
}

fn fold_equal(a: &str, b: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

/// Every file that sits where another file needs a folder (`a/b` and `a/b/c`).
fn folder_clashes<V>(
    files: &BTreeMap<String, V>,
    emitter: impl Fn(&V) -> String,
) -> Vec<BundleError> {
    use std::ops::Bound::{Included, Unbounded};
    let mut clashes = Vec::new();
    // One buffer for every `path/` looked for (a bundle has tens of thousands of paths).
    let mut prefix = String::new();
    for (path, file) in files {
        prefix.clear();
        prefix.push_str(path);
        prefix.push('/');
        if let Some((other, other_file)) =
            files.range::<str, _>((Included(prefix.as_str()), Unbounded)).next()
            && other.starts_with(prefix.as_str())
        {
            clashes.push(BundleError::FileIsFolder {
                path: path.clone(),
                emitter: emitter(file),
                other: other.clone(),
                other_emitter: emitter(other_file),
            });
        }
    }
    clashes
}

/// An entry of a bundle on disk that is not a folder, not read yet, under its printable path.
/// The path as it is on disk is kept only when it differs from the printable one (a bundle of
/// thousands of LPARs lists hundreds of thousands of files, none of them unprintable).
#[derive(Debug, Clone)]
pub(crate) struct OnDisk {
    real: Option<Box<Path>>,
    kind: Kind,
}

impl OnDisk {
    /// A regular file whose path on disk is its printable path: what nearly every entry is.
    fn plain() -> OnDisk {
        OnDisk { real: None, kind: Kind::File }
    }

    fn is_plain(&self) -> bool {
        self.real.is_none() && self.kind == Kind::File
    }
}

/// The entries of a bundle on disk ([`on_disk`]) no new file has taken yet, compactly: every
/// printable path in one string, in path order, found by bisection, with a flag per entry once
/// taken; only an entry that is not a plain regular file keeps an [`OnDisk`] of its own. At
/// 4,000 LPARs a bundle has 254,000 files, and a map of a `String` and a boxed entry each took
/// about 38 MB beside the fleet; this takes a third of it.
#[derive(Debug, Default)]
pub(crate) struct DiskList {
    paths: String,
    /// Where each path is in `paths`.
    entries: Vec<(u32, u32)>,
    taken: Vec<bool>,
    /// The entries that are not plain files, by place.
    special: HashMap<u32, OnDisk>,
}

impl DiskList {
    /// `list` as [`on_disk`] gives it (sorted by path, each path once).
    pub(crate) fn new(list: Vec<(String, OnDisk)>) -> DiskList {
        let mut disk = DiskList::default();
        disk.paths.reserve_exact(list.iter().map(|(path, _)| path.len()).sum());
        disk.entries.reserve_exact(list.len());
        for (path, entry) in list {
            // A bundle over 4 GB of paths is beyond any fleet; its entries would not be found.
            let (Ok(at), Ok(len)) = (u32::try_from(disk.paths.len()), u32::try_from(path.len()))
            else {
                break;
            };
            if !entry.is_plain() {
                disk.special.insert(disk.entries.len() as u32, entry);
            }
            disk.paths.push_str(&path);
            disk.entries.push((at, len));
        }
        disk.taken = vec![false; disk.entries.len()];
        disk
    }

    fn path(&self, (at, len): (u32, u32)) -> &str {
        self.paths.get(at as usize..(at + len) as usize).unwrap_or("")
    }

    fn position(&self, path: &str) -> Option<usize> {
        let at = self.entries.binary_search_by(|&e| self.path(e).cmp(path)).ok()?;
        (!self.taken[at]).then_some(at)
    }

    fn entry(&self, at: usize) -> OnDisk {
        self.special.get(&(at as u32)).cloned().unwrap_or_else(OnDisk::plain)
    }

    /// The entry at `path`, if no new file took it yet.
    pub(crate) fn get(&self, path: &str) -> Option<OnDisk> {
        self.position(path).map(|at| self.entry(at))
    }

    /// Takes the entry at `path`, if no new file took it yet.
    pub(crate) fn remove(&mut self, path: &str) -> Option<OnDisk> {
        let at = self.position(path)?;
        self.taken[at] = true;
        Some(self.entry(at))
    }

    /// Every entry no new file took, by path.
    pub(crate) fn left(&self) -> Vec<(String, OnDisk)> {
        (0..self.entries.len())
            .filter(|&at| !self.taken[at])
            .map(|at| (self.path(self.entries[at]).to_owned(), self.entry(at)))
            .collect()
    }
}

impl OnDisk {
    pub(crate) fn is_file(&self) -> bool {
        self.kind == Kind::File
    }

    /// Its path under the bundle's folder, as it is on disk; `path` is its printable path.
    pub(crate) fn real<'a>(&'a self, path: &'a str) -> &'a Path {
        self.real.as_deref().unwrap_or(Path::new(path))
    }

    /// Its bytes as [`read_tree`] gives them: a regular file's content, or the description of
    /// anything else; `path` is its printable path.
    pub(crate) fn read(&self, dir: &Path, path: &str) -> Result<Vec<u8>, BundleError> {
        match &self.kind {
            Kind::Link(target) => {
                Ok(special(format!("symbolic link to {}", printable(&target.to_string_lossy()))))
            }
            Kind::Other | Kind::Dir => {
                Ok(special("FIFO, socket or device, not a regular file".to_owned()))
            }
            Kind::File => {
                let path = dir.join(self.real(path));
                fs::read(&path).map_err(io_error("read", &path))
            }
        }
    }
}

/// Every entry of the bundle at `dir` but its folders and its state, by printable path, none
/// read: what [`read_tree`] reads. Empty if `dir` is missing; `dir` itself may not be a link.
pub(crate) fn on_disk(dir: &Path) -> Result<Vec<(String, OnDisk)>, BundleError> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(BundleError::Io { action: "inspect", path: dir.to_owned(), source: e });
        }
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = fs::read_link(dir).unwrap_or_default();
            let target = dir.parent().map_or_else(|| target.clone(), |p| p.join(&target));
            return Err(BundleError::OutputIsLink { path: dir.to_owned(), target });
        }
        Ok(_) => {}
    }
    Ok(walk(dir)?
        .into_iter()
        .filter(|entry| entry.kind != Kind::Dir && !is_state(entry))
        .map(|Entry { path, real, kind, .. }| {
            let real = (real != Path::new(&path)).then(|| real.into_boxed_path());
            (path, OnDisk { real, kind })
        })
        .collect())
}

/// How a bundle on disk differs from the one a build would write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// In the new bundle, not on disk.
    pub added: Vec<String>,
    /// On disk, not in the new bundle.
    pub removed: Vec<String>,
    /// In both, with different bytes.
    pub changed: Vec<String>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares the tree a build would write with the tree on disk.
pub fn drift(new: &BTreeMap<String, Vec<u8>>, on_disk: &BTreeMap<String, Vec<u8>>) -> Drift {
    let mut drift = Drift::default();
    for (path, bytes) in new {
        match on_disk.get(path) {
            None => drift.added.push(path.clone()),
            Some(old) if old != bytes => drift.changed.push(path.clone()),
            Some(_) => {}
        }
    }
    drift.removed = on_disk.keys().filter(|p| !new.contains_key(*p)).cloned().collect();
    drift
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content: &str, emitter: &str) -> BundleFile {
        BundleFile {
            path: path.to_owned(),
            content: content.as_bytes().to_vec(),
            target: None,
            placement: None,
            emitter: emitter.to_owned(),
        }
    }

    /// Case clashes among `paths` (each file's emitter is its path) as `(first, path, folder)`,
    /// found once with a real hash and once with one under which every name collides: the
    /// clashes must not depend on which hashes meet.
    fn case_clashes_of(paths: &[&str]) -> Vec<(String, String, Option<String>)> {
        let files: BTreeMap<String, &str> = paths.iter().map(|p| ((*p).to_owned(), *p)).collect();
        let found = |errors: Vec<BundleError>| -> Vec<_> {
            errors
                .into_iter()
                .map(|e| match e {
                    BundleError::CaseDuplicate { path, second, first_path, first, folder } => {
                        assert_eq!((&path, &first_path), (&second, &first), "emitters");
                        (first_path, path, folder)
                    }
                    other => panic!("not a case clash: {other}"),
                })
                .collect()
        };
        let hashed = found(case_clashes(&files, |p| (*p).to_owned()));
        let collided = found(case_clashes_hashed(&files, |p| (*p).to_owned(), |_| 7));
        assert_eq!(hashed, collided, "{paths:?}");
        hashed
    }

    /// A file and a folder of another path whose names differ only in case are one name on a
    /// case-insensitive file system, like two files that do; each clash is reported once.
    #[test]
    fn a_file_and_a_folder_that_differ_only_in_case_clash() {
        let check = |paths: &[&str], expected: &[(&str, &str, Option<&str>)]| {
            let expected: Vec<_> = expected
                .iter()
                .map(|(a, b, f)| ((*a).to_owned(), (*b).to_owned(), f.map(str::to_owned)))
                .collect();
            assert_eq!(case_clashes_of(paths), expected, "{paths:?}");
        };
        check(&["A", "a/b"], &[("A", "a/b", Some("a"))]);
        check(&["a", "A/b"], &[("A/b", "a", Some("A"))]);
        check(&["m/x/Y", "m/x/y/z"], &[("m/x/Y", "m/x/y/z", Some("m/x/y"))]);
        check(&["Ärger", "ärger/1.txt"], &[("Ärger", "ärger/1.txt", Some("ärger"))]);
        // `İ` folds to two characters, so the folder's `/` is further on in the folded path.
        check(
            &["i\u{307}/\u{e4}", "\u{130}/\u{c4}/x"],
            &[("i\u{307}/\u{e4}", "\u{130}/\u{c4}/x", Some("\u{130}/\u{c4}"))],
        );
        check(&["A", "a/1", "a/2", "a/b/3"], &[("A", "a/1", Some("a"))]);
        // A folder spelt two ways is one folder there; its file in either case clashes once.
        check(&["A/b", "a", "a/c"], &[("A/b", "a", Some("A"))]);
        check(&["A/x", "a/y"], &[]);
        // The same name as file and folder is a `FileIsFolder`, found by `folder_clashes`.
        check(&["a", "a/b"], &[]);
        // Two files, as before; names that only share a beginning do not clash.
        check(&["A.txt", "a.txt", "b/C", "b/c"], &[("A.txt", "a.txt", None), ("b/C", "b/c", None)]);
        check(&["a/b", "a/c", "ab", "a.b/c", "a-b", "A-b/c/d"], &[("A-b/c/d", "a-b", Some("A-b"))]);

        let errors = Bundle::new(vec![
            file("lpars/SYS1/Notes", "1", "e"),
            file("lpars/SYS1/notes/a.txt", "2", "f"),
        ])
        .expect_err("refused");
        let text = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
        assert!(
            text.contains(
                "the paths \"lpars/SYS1/Notes\" (from `e`) and \"lpars/SYS1/notes/a.txt\" (from `f`) clash in case: one is a file, and the other needs the folder \"lpars/SYS1/notes\""
            ),
            "{text}"
        );
    }

    #[test]
    fn legal_and_illegal_paths() {
        let check = |path: &str, expected: Option<PathProblem>| {
            assert_eq!(check_path(path).err(), expected, "{path:?}");
        };
        check("lpars/SYSA/pagent/pagent.conf", None);
        check("README.md", None);
        check("", Some(PathProblem::Empty));
        check("/etc/passwd", Some(PathProblem::Absolute));
        check("C:/x", Some(PathProblem::DriveLetter));
        check("c:x", Some(PathProblem::DriveLetter));
        check("a\\b", Some(PathProblem::Backslash));
        check("a\0b", Some(PathProblem::Control));
        check("a\u{202E}b", Some(PathProblem::Bidi));
        check("a//b", Some(PathProblem::EmptyComponent));
        check("a/", Some(PathProblem::EmptyComponent));
        check("../escape", Some(PathProblem::Dot("..".into())));
        check("a/../../b", Some(PathProblem::Dot("..".into())));
        check("./a", Some(PathProblem::Dot(".".into())));
        check("MANIFEST.json", Some(PathProblem::Manifest));
        check(".zat-state", Some(PathProblem::State));
        check("sub/.zat-state", None);
        check("manifest.JSON", Some(PathProblem::Manifest));
        check("manifest.json/x", Some(PathProblem::Manifest));
        check("MANIFEST.json/a/b", Some(PathProblem::Manifest));
        check(".Zat-State/x", Some(PathProblem::State));
        check("sub/MANIFEST.json", None);
    }

    #[test]
    fn duplicates_and_file_folder_clashes_are_refused() {
        let errors = Bundle::new([
            file("a", "1", "x"),
            file("a", "2", "y"),
            file("b/c", "", "x"),
            file("b", "", "y"),
        ])
        .expect_err("must be refused");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(matches!(&errors[0], BundleError::Duplicate { path, .. } if path == "a"));
        assert!(matches!(&errors[1], BundleError::FileIsFolder { path, .. } if path == "b"));
    }

    #[test]
    fn manifest_is_sorted_and_stable() {
        let bundle =
            Bundle::new([file("z.txt", "z", "e"), file("a/b.txt", "ab", "e")]).expect("legal");
        let manifest = String::from_utf8(bundle.manifest()).expect("utf-8");
        let a = manifest.find("a/b.txt").expect("listed");
        let z = manifest.find("z.txt").expect("listed");
        assert!(a < z);
        assert_eq!(bundle.manifest(), bundle.manifest());
        assert!(manifest.ends_with("}\n"));
    }

    #[test]
    fn write_replaces_and_cleans_up() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let one = Bundle::new([file("a/one.txt", "1", "e")]).expect("legal");
        let two = Bundle::new([file("b/two.txt", "2", "e")]).expect("legal");
        one.write(&out).expect("first write");
        assert_eq!(read_tree(&out).expect("read"), one.tree());
        // A stale sibling from a killed run (pid 0 is never a user process).
        fs::create_dir(dir.path().join(".out.zat-new-0")).expect("stale");
        two.write(&out).expect("second write");
        assert_eq!(read_tree(&out).expect("read"), two.tree());
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["out".to_owned()]);
    }

    #[test]
    fn refuses_to_replace_a_folder_that_is_not_a_bundle() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("precious.txt"), "keep").expect("write");
        let bundle = Bundle::new([file("a.txt", "1", "e")]).expect("legal");
        let error = bundle.write(dir.path()).expect_err("refused");
        assert!(matches!(error, BundleError::NotABundle { .. }));
        assert!(dir.path().join("precious.txt").exists());
    }

    fn in_the_way(error: &BundleError) -> Vec<String> {
        match error {
            BundleError::NotABundle { in_the_way, .. } => in_the_way.clone(),
            other => panic!("expected NotABundle, got {other}"),
        }
    }

    #[test]
    fn a_user_file_added_to_a_bundle_stops_the_rebuild() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let one = Bundle::new([file("a/one.txt", "1", "e")]).expect("legal");
        one.write(&out).expect("first write");
        fs::write(out.join("a/operator-notes.txt"), "mine").expect("write");
        fs::create_dir(out.join("empty")).expect("mkdir");
        let error = one.write(&out).expect_err("refused");
        assert_eq!(in_the_way(&error), vec!["a/operator-notes.txt", "empty/"]);
        assert!(error.to_string().contains("`a/operator-notes.txt`"), "{error}");
        assert_eq!(fs::read(out.join("a/operator-notes.txt")).expect("kept"), b"mine");
    }

    #[test]
    fn a_changed_file_or_a_foreign_manifest_stops_the_rebuild() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let one = Bundle::new([file("a.txt", "1", "e")]).expect("legal");
        one.write(&out).expect("first write");
        fs::write(out.join("a.txt"), "edited by hand").expect("write");
        let error = one.write(&out).expect_err("refused");
        assert_eq!(in_the_way(&error), vec!["a.txt (changed since zat wrote it)"]);

        let other = dir.path().join("other");
        fs::create_dir_all(other.join("src")).expect("mkdir");
        fs::write(other.join(MANIFEST_FILE), "{\"name\": \"my web app\"}").expect("write");
        fs::write(other.join("src/main.c"), "int main;").expect("write");
        let error = one.write(&other).expect_err("refused");
        assert!(error.to_string().contains("not written by zat"), "{error}");
        assert_eq!(in_the_way(&error), vec!["MANIFEST.json", "src/"]);
        assert!(other.join("src/main.c").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_bundle_inside_a_bundle_and_a_link_as_output_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let one = Bundle::new([file("a/one.txt", "1", "e")]).expect("legal");
        one.write(&out).expect("first write");
        let error = one.write(&out.join("a/inner")).expect_err("refused");
        assert!(matches!(error, BundleError::InsideBundle { .. }), "{error}");
        let error = one.write(&out.join("new/deeper")).expect_err("refused");
        assert!(matches!(error, BundleError::InsideBundle { .. }), "{error}");
        assert!(!out.join("new").exists());

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&out, &link).expect("symlink");
        let error = one.write(&link).expect_err("refused");
        assert!(matches!(error, BundleError::OutputIsLink { .. }), "{error}");
        assert!(error.to_string().contains("out"), "{error}");
        assert!(read_tree(&link).is_err());
        assert_eq!(read_tree(&out).expect("read"), one.tree());
    }

    /// The compact listing gives what the walk found, each entry once, links and files with
    /// their bytes as `read_tree` gives them.
    #[cfg(unix)]
    #[test]
    fn the_disk_list_takes_each_entry_once_and_keeps_what_is_not_a_plain_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        fs::create_dir_all(out.join("a/b")).expect("mkdir");
        fs::write(out.join("a/b/one.txt"), "1").expect("write");
        fs::write(out.join("a/two.txt"), "2").expect("write");
        fs::write(out.join("z"), "3").expect("write");
        std::os::unix::fs::symlink("/", out.join("a/root")).expect("link");
        let tree = read_tree(&out).expect("read");
        let mut disk = DiskList::new(on_disk(&out).expect("listed"));
        let read =
            |entry: Option<OnDisk>, path: &str| entry.map(|e| e.read(&out, path).expect("read"));
        assert_eq!(read(disk.get("a/root"), "a/root").as_ref(), tree.get("a/root"));
        assert!(!disk.get("a/root").expect("listed").is_file());
        assert_eq!(read(disk.remove("a/two.txt"), "a/two.txt").as_deref(), Some(&b"2"[..]));
        assert!(disk.remove("a/two.txt").is_none(), "taken once");
        assert!(disk.get("a/two.txt").is_none());
        assert!(disk.get("a/b").is_none(), "folders are not listed");
        assert!(disk.get("missing").is_none());
        let left: Vec<String> = disk.left().into_iter().map(|(path, _)| path).collect();
        assert_eq!(left, ["a/b/one.txt", "a/root", "z"]);
    }

    #[cfg(unix)]
    #[test]
    fn read_tree_never_follows_a_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        fs::create_dir(&out).expect("mkdir");
        fs::write(dir.path().join("secret"), "root:x:0:0").expect("write");
        std::os::unix::fs::symlink(dir.path().join("secret"), out.join("leak")).expect("link");
        std::os::unix::fs::symlink("loop", out.join("loop")).expect("loop");
        std::os::unix::fs::symlink("/", out.join("root")).expect("link to /");
        let tree = read_tree(&out).expect("links are drift, not errors");
        assert_eq!(tree.len(), 3);
        for bytes in tree.values() {
            let what = special_entry(bytes).expect("described");
            assert!(what.starts_with("symbolic link to"), "{what}");
            assert!(!String::from_utf8_lossy(bytes).contains("root:x"));
        }
        let d = drift(&BTreeMap::from([("leak".to_owned(), b"root:x:0:0".to_vec())]), &tree);
        assert_eq!(d.changed, vec!["leak"]);
        assert_eq!(d.removed, vec!["loop", "root"]);
    }

    #[test]
    fn names_on_disk_cannot_forge_lines() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        fs::create_dir(&out).expect("mkdir");
        fs::write(out.join("a\nchanged\tREADME.md"), "x").expect("write");
        // A plain file in a folder whose name is not printable is read where it is too.
        fs::create_dir(out.join("d\u{7}")).expect("mkdir");
        fs::write(out.join("d\u{7}").join("f"), "y").expect("write");
        let tree = read_tree(&out).expect("read");
        assert_eq!(
            tree.keys().collect::<Vec<_>>(),
            vec!["a\\u{a}changed\\u{9}README.md", "d\\u{7}/f"]
        );
        assert_eq!(tree.values().map(Vec::as_slice).collect::<Vec<_>>(), [&b"x"[..], &b"y"[..]]);
    }

    #[test]
    fn drift_lists_added_removed_changed() {
        let new: BTreeMap<_, _> =
            [("a".to_owned(), b"1".to_vec()), ("b".to_owned(), b"2".to_vec())].into();
        let old: BTreeMap<_, _> =
            [("b".to_owned(), b"x".to_vec()), ("c".to_owned(), b"3".to_vec())].into();
        let d = drift(&new, &old);
        assert_eq!(d.added, vec!["a"]);
        assert_eq!(d.changed, vec!["b"]);
        assert_eq!(d.removed, vec!["c"]);
    }
}
