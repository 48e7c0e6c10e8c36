//! Reading back the manifest of a bundle zat wrote: what a rebuild knows of the old bundle's
//! files (path, size, hash, target, placement, plugin), and what tells a bundle of zat's from
//! any other folder.
//!
//! A rebuild holds every entry while the fleet script runs and the units render, so an entry
//! is kept small (88 bytes and its path): the paths sit one after another in one string, and
//! each target, placement and plugin name is kept once and numbered (a fleet's files have few
//! of each: 63,504 files of 1,000 LPARs have 8,062 targets and six plugins). The text is
//! parsed entry by entry, not into a document first.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use zat_model::Placement;

use crate::bundle::check_path;
use crate::writer::Stamp;

/// The largest manifest zat reads; a bundle of thousands of LPARs stays far below it.
const MANIFEST_LIMIT: u64 = 256 << 20;

/// A manifest as zat writes it; anything else (another tool's `MANIFEST.json`, a field zat
/// does not write) does not parse.
pub(crate) struct ManifestFile {
    zat_version: String,
    pub(crate) files: Files,
}

/// The entries of a manifest, in path order (sorted when read, should a hand-edited manifest
/// not be), each known by its place.
#[derive(Debug, Default)]
pub(crate) struct Files {
    entries: Vec<ManifestRead>,
    /// Every entry's path, one after another.
    paths: String,
    shared: Shared,
    /// The time the state that gave the stamps vouches up to (see
    /// [`crate::writer::vouches`]); `None` vouches for nothing.
    vouched_before: Option<i64>,
}

/// A manifest entry as read back, with what the old state says of its file.
#[derive(Debug)]
pub(crate) struct ManifestRead {
    /// Where its path is in [`Files::paths`].
    path_at: u32,
    path_len: u32,
    pub(crate) size: u64,
    /// Parsed from its hex text as it is read.
    pub(crate) sha256: [u8; 32],
    /// Numbers in [`Shared`]; [`NONE`] when the entry has none.
    target: u32,
    placement: u32,
    emitter: u32,
    /// The file's inode and mtime in the old state, when the state vouches for it (its size is
    /// the entry's); not in the manifest.
    pub(crate) stamp: Option<(u64, i64)>,
    /// The old bundle no longer holds its file (removed by hand since it was written): it is
    /// not there to carry over, so the new build writes it anew.
    pub(crate) missing: bool,
}

/// The folders [`Files::find`] looked in last, with their entries: a few, as the state's lines
/// come from units rendered side by side.
#[derive(Debug, Default)]
pub(crate) struct Near {
    folders: Vec<(String, std::ops::Range<usize>)>,
    /// The slot the next folder takes.
    next: usize,
}

const NEAR_FOLDERS: usize = 4;

/// The number of a target or placement an entry does not have.
const NONE: u32 = u32::MAX;

impl Files {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Where the entry of `path` is, found by bisection.
    pub(crate) fn position(&self, path: &str) -> Option<usize> {
        self.entries.binary_search_by(|f| self.path_of(f).cmp(path)).ok()
    }

    /// [`Self::position`] for paths that come folder by folder (a walk of the tree, the state's
    /// lines): the entries of a folder lie together in path order, so the bisection runs over
    /// the entries of a folder `near` keeps, rather than over all of them (at 63,504 files, 6
    /// comparisons of paths near each other instead of 16 across the list).
    pub(crate) fn find(&self, path: &str, near: &mut Near) -> Option<usize> {
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
        let range = match near.folders.iter().find(|(kept, _)| kept == folder) {
            Some((_, range)) => range.clone(),
            None => {
                let range = self.under(folder);
                let slot = near.next % NEAR_FOLDERS;
                near.next = slot + 1;
                if let Some(kept) = near.folders.get_mut(slot) {
                    *kept = (folder.to_owned(), range.clone());
                } else {
                    near.folders.push((folder.to_owned(), range.clone()));
                }
                range
            }
        };
        let within = self.entries.get(range.clone())?;
        within.binary_search_by(|f| self.path_of(f).cmp(path)).ok().map(|at| range.start + at)
    }

    /// The entries under `folder` (all of them for the root): those from `folder/` up to, not
    /// including, `folder0` (`0` follows `/`).
    fn under(&self, folder: &str) -> std::ops::Range<usize> {
        if folder.is_empty() {
            return 0..self.entries.len();
        }
        let bound = |last: char| {
            let bound = format!("{folder}{last}");
            self.entries.partition_point(|f| self.path_of(f) < bound.as_str())
        };
        bound('/')..bound('0')
    }

    pub(crate) fn get(&self, at: usize) -> &ManifestRead {
        &self.entries[at]
    }

    pub(crate) fn path(&self, at: usize) -> &str {
        self.path_of(&self.entries[at])
    }

    /// Every path, in order.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|f| self.path_of(f))
    }

    pub(crate) fn target(&self, at: usize) -> Option<&Arc<str>> {
        self.shared.texts.get(self.entries[at].target as usize)
    }

    pub(crate) fn placement(&self, at: usize) -> Option<&Arc<Placement>> {
        self.shared.placements.get(self.entries[at].placement as usize)
    }

    pub(crate) fn emitter(&self, at: usize) -> Arc<str> {
        self.shared
            .texts
            .get(self.entries[at].emitter as usize)
            .map_or_else(|| Arc::from(""), Arc::clone)
    }

    /// Gives the entry at `at` the stamp (inode, mtime, size) the state recorded for its file;
    /// a stamp of another size than the entry's vouches for nothing.
    pub(crate) fn set_stamp(&mut self, at: usize, (ino, mtime, size): Stamp) {
        let entry = &mut self.entries[at];
        entry.stamp = (size == entry.size).then_some((ino, mtime));
    }

    pub(crate) fn any_stamped(&self) -> bool {
        self.entries.iter().any(|f| f.stamp.is_some())
    }

    /// Forgets the stamp of the entry at `at`: its file is no longer the one it vouched for.
    pub(crate) fn clear_stamp(&mut self, at: usize) {
        self.entries[at].stamp = None;
    }

    /// Marks the entry at `at` as a file the old bundle no longer holds.
    pub(crate) fn set_missing(&mut self, at: usize) {
        let entry = &mut self.entries[at];
        entry.missing = true;
        entry.stamp = None;
    }

    pub(crate) fn clear_stamps(&mut self) {
        for entry in &mut self.entries {
            entry.stamp = None;
        }
        self.vouched_before = None;
    }

    pub(crate) fn set_vouched_before(&mut self, before: Option<i64>) {
        self.vouched_before = before;
    }

    /// The time the state vouches up to, as [`crate::writer::vouches`] takes it.
    pub(crate) fn vouched_before(&self) -> Option<i64> {
        self.vouched_before
    }

    /// Whether the file on disk (`meta`) at the entry `at` is the one the state vouches for,
    /// without reading it (see [`crate::writer::vouches`]).
    pub(crate) fn vouches(&self, at: usize, meta: &fs::Metadata) -> bool {
        crate::writer::vouches(self.stamp(at), self.vouched_before, meta)
    }

    /// The stamp of the entry at `at` as the state wrote it.
    pub(crate) fn stamp(&self, at: usize) -> Option<Stamp> {
        let entry = &self.entries[at];
        entry.stamp.map(|(ino, mtime)| (ino, mtime, entry.size))
    }

    fn path_of(&self, entry: &ManifestRead) -> &str {
        path_in(&self.paths, entry)
    }
}

/// `entry`'s path in `paths` (see [`Files::paths`]).
fn path_in<'p>(paths: &'p str, entry: &ManifestRead) -> &'p str {
    let at = entry.path_at as usize;
    paths.get(at..at + entry.path_len as usize).unwrap_or("")
}

/// Reads `path` as a zat manifest without following a link; `None` when it is not one.
pub(crate) fn read_manifest(path: &Path) -> Option<ManifestFile> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MANIFEST_LIMIT {
        return None;
    }
    // Read whole and parsed from the bytes (a third faster than from a reader); the text goes
    // as soon as its entries are parsed.
    let bytes = fs::read(path).ok()?;
    let mut manifest = parse(&bytes)?;
    drop(bytes);
    let sound = !manifest.zat_version.is_empty()
        && manifest.files.paths().all(|path| check_path(path).is_ok());
    let files = &mut manifest.files;
    if !files.paths().is_sorted() {
        let Files { entries, paths, .. } = files;
        entries.sort_by(|a, b| path_in(paths, a).cmp(path_in(paths, b)));
    }
    sound.then_some(manifest)
}

/// The manifest in `bytes`, or `None` when they are not one.
fn parse(bytes: &[u8]) -> Option<ManifestFile> {
    let mut from = serde_json::Deserializer::from_slice(bytes);
    let manifest = de::Deserializer::deserialize_map(&mut from, Document).ok()?;
    from.end().ok()?;
    Some(manifest)
}

/// The top of a manifest: its two fields, each once, and nothing else.
struct Document;

impl<'de> Visitor<'de> for Document {
    type Value = ManifestFile;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a zat manifest")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ManifestFile, A::Error> {
        let (mut zat_version, mut files) = (None, None);
        while let Some(key) = map.next_key::<JsonStr<'de>>()? {
            match &*key.0 {
                "zat_version" if zat_version.is_none() => zat_version = Some(map.next_value()?),
                "files" if files.is_none() => files = Some(map.next_value_seed(Entries)?),
                other => return Err(de::Error::custom(format!("field {other} not expected"))),
            }
        }
        Ok(ManifestFile {
            zat_version: zat_version.ok_or_else(|| de::Error::missing_field("zat_version"))?,
            files: files.ok_or_else(|| de::Error::missing_field("files"))?,
        })
    }
}

/// The list of entries, each made small as it is parsed.
struct Entries;

impl<'de> DeserializeSeed<'de> for Entries {
    type Value = Files;

    fn deserialize<D: de::Deserializer<'de>>(self, from: D) -> Result<Self::Value, D::Error> {
        from.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries {
    type Value = Files;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of files")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Files, A::Error> {
        let mut files = Files::default();
        let too_long = || de::Error::custom("the paths are too long");
        while let Some(entry) = seq.next_element::<EntryText<'de>>()? {
            let path = &*entry.path.0;
            let path_at = u32::try_from(files.paths.len()).map_err(|_| too_long())?;
            let path_len = u32::try_from(path.len()).map_err(|_| too_long())?;
            files.paths.push_str(path);
            let shared = &mut files.shared;
            files.entries.push(ManifestRead {
                path_at,
                path_len,
                size: entry.size,
                sha256: entry.sha256,
                target: entry.target.map_or(NONE, |t| shared.text(&t.0)),
                placement: match entry.placement {
                    Some(raw) => shared.placement(raw).map_err(de::Error::custom)?,
                    None => NONE,
                },
                emitter: shared.text(&entry.emitter.0),
                stamp: None,
                missing: false,
            });
        }
        files.entries.shrink_to_fit();
        files.paths.shrink_to_fit();
        files.shared.done();
        Ok(files)
    }
}

/// One entry as its text has it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryText<'a> {
    #[serde(borrow)]
    path: JsonStr<'a>,
    size: u64,
    #[serde(deserialize_with = "sha256_of_hex")]
    sha256: [u8; 32],
    #[serde(borrow)]
    target: Option<JsonStr<'a>>,
    /// Its text, parsed only the first time it comes (a placement is an internally tagged
    /// enum, which serde reads through a buffer of its own).
    #[serde(default, borrow)]
    placement: Option<&'a RawValue>,
    #[serde(borrow)]
    emitter: JsonStr<'a>,
}

/// A string of the text, borrowed from it unless it holds an escape.
struct JsonStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for JsonStr<'a> {
    fn deserialize<D: de::Deserializer<'de>>(from: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = JsonStr<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<JsonStr<'de>, E> {
                Ok(JsonStr(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<JsonStr<'de>, E> {
                Ok(JsonStr(Cow::Owned(text.to_owned())))
            }
        }
        from.deserialize_str(Visit)
    }
}

/// A sha256 in hex (64 digits) as its bytes; anything else does not parse.
fn sha256_of_hex<'de, D: de::Deserializer<'de>>(from: D) -> Result<[u8; 32], D::Error> {
    struct Hex;
    impl Visitor<'_> for Hex {
        type Value = [u8; 32];
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sha256 in 64 hex digits")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<[u8; 32], E> {
            crate::writer::unhex(text).ok_or_else(|| E::custom("not a sha256 in hex"))
        }
    }
    from.deserialize_str(Hex)
}

/// One copy of each target, placement and plugin name of a manifest, numbered.
#[derive(Debug, Default)]
struct Shared {
    texts: Vec<Arc<str>>,
    placements: Vec<Arc<Placement>>,
    /// The number of each text, and of each placement by its text, while the manifest is read.
    text_numbers: HashMap<Arc<str>, u32>,
    placement_numbers: HashMap<Box<str>, u32>,
}

impl Shared {
    fn text(&mut self, text: &str) -> u32 {
        if let Some(&at) = self.text_numbers.get(text) {
            return at;
        }
        let (text, at) = (Arc::<str>::from(text), number(self.texts.len()));
        self.texts.push(Arc::clone(&text));
        self.text_numbers.insert(text, at);
        at
    }

    fn placement(&mut self, raw: &RawValue) -> serde_json::Result<u32> {
        if let Some(&at) = self.placement_numbers.get(raw.get()) {
            return Ok(at);
        }
        let placement: Placement = serde_json::from_str(raw.get())?;
        let at = number(self.placements.len());
        self.placements.push(Arc::new(placement));
        self.placement_numbers.insert(raw.get().into(), at);
        Ok(at)
    }

    /// Drops what only reading needs.
    fn done(&mut self) {
        self.text_numbers = HashMap::new();
        self.placement_numbers = HashMap::new();
    }
}

/// The number of the next text or placement (a manifest has far fewer than 2^32).
fn number(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(NONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "62346dc1d5ea622844a7df2b7a02ff87fd840df66c7c55f949317e234439ce59";

    fn entry(path: &str, target: &str, emitter: &str) -> String {
        format!(
            r#"{{"path": "{path}", "size": 3, "sha256": "{SHA}", "target": "{target}", "emitter": "{emitter}"}}"#
        )
    }

    fn manifest(entries: &[String]) -> String {
        format!(r#"{{"zat_version": "0.1.0", "files": [{}]}}"#, entries.join(", "))
    }

    #[test]
    fn entries_of_the_same_target_and_plugin_share_one_copy() {
        let text = manifest(&[
            entry("a/one.conf", "/etc/one", "pagent"),
            entry("a/two.conf", "/etc/one", "pagent"),
            entry("b/three.conf", "/etc/three", "tcpip"),
        ]);
        let files = parse(text.as_bytes()).expect("a manifest").files;
        let target = |at: usize| files.target(at).expect("a target");
        assert!(Arc::ptr_eq(target(0), target(1)));
        assert!(Arc::ptr_eq(&files.emitter(0), &files.emitter(1)));
        assert_eq!(&**target(2), "/etc/three");
        assert_eq!(&*files.emitter(2), "tcpip");
        assert_eq!(files.get(1).sha256[..2], [0x62, 0x34]);
        assert_eq!(files.paths().collect::<Vec<_>>(), ["a/one.conf", "a/two.conf", "b/three.conf"]);
        assert_eq!(files.position("a/two.conf"), Some(1));
        assert_eq!(files.position("a/two"), None);
    }

    /// Paths whose order puts a folder's neighbours (`a/b-c`, `a/b0`, `a/b.txt`) around its
    /// entries: a search by folder finds exactly what a search of the whole list finds, in any
    /// order of asking, for listed paths and others.
    #[test]
    fn a_search_by_folder_finds_what_a_search_of_the_whole_list_finds() {
        let listed = [
            "MANIFEST.x",
            "a/b",
            "a/b-c/d",
            "a/b.txt",
            "a/b/c",
            "a/b/d/e",
            "a/b/d/f",
            "a/b/e",
            "a/b0",
            "a/c",
            "z",
            "zz/y",
        ];
        let text = manifest(&listed.iter().map(|p| entry(p, "t", "e")).collect::<Vec<_>>());
        let files = parse(text.as_bytes()).expect("a manifest").files;
        let mut asked: Vec<&str> = listed.to_vec();
        asked.extend(["a/b/x", "a/b/d", "a", "a/b/d/e/f", "b", "zz/a", "a/b-c", "", "/", "a/"]);
        for round in 0..3 {
            let mut near = Near::default();
            // Forwards, backwards, then interleaved from both ends.
            let order: Vec<&str> = match round {
                0 => asked.clone(),
                1 => asked.iter().rev().copied().collect(),
                _ => asked.iter().zip(asked.iter().rev()).flat_map(|(a, b)| [*a, *b]).collect(),
            };
            for path in order {
                assert_eq!(files.find(path, &mut near), files.position(path), "{path:?}");
            }
            assert_eq!(files.find("a/b/d/f", &mut near).map(|at| files.path(at)), Some("a/b/d/f"));
        }
    }

    #[test]
    fn a_string_with_an_escape_reads_as_its_text() {
        let text = manifest(&[entry(r"a/q\u0041.conf", r#"say \"hi\""#, "x")]);
        let files = parse(text.as_bytes()).expect("a manifest").files;
        assert_eq!(files.paths().next(), Some("a/qA.conf"));
        assert_eq!(files.target(0).map(|t| &**t), Some(r#"say "hi""#));
    }

    #[test]
    fn the_same_placement_is_shared_and_a_missing_one_is_none() {
        let placement = r#""placement": {"kind": "manual", "instructions": "by hand", "transfer": "text", "code_page": "IBM-1047"}"#;
        let with = |path: &str| {
            format!(
                r#"{{"path": "{path}", "size": 1, "sha256": "{SHA}", {placement}, "emitter": "c"}}"#
            )
        };
        let text = manifest(&[with("a"), with("b"), entry("c", "t", "c")]);
        let files = parse(text.as_bytes()).expect("a manifest").files;
        assert!(Arc::ptr_eq(files.placement(0).expect("one"), files.placement(1).expect("one")));
        assert_eq!(files.placement(0).map(|p| p.code_page.as_str()), Some("IBM-1047"));
        assert!(files.placement(2).is_none());
        let null = manifest(&[
            entry("a", "t", "e").replace(r#""emitter""#, r#""placement": null, "emitter""#)
        ]);
        let files = parse(null.as_bytes()).expect("a manifest").files;
        assert!(files.placement(0).is_none());
    }

    #[test]
    fn anything_zat_does_not_write_is_not_a_manifest() {
        let good = manifest(&[entry("a", "t", "e")]);
        assert!(parse(good.as_bytes()).is_some());
        for bad in [
            // An unknown field, at the top or in an entry.
            good.replace(r#""zat_version""#, r#""other": 1, "zat_version""#),
            good.replace(r#""size": 3"#, r#""size": 3, "mode": "644""#),
            // A field twice, or missing.
            good.replace(r#""files""#, r#""zat_version": "2", "files""#),
            good.replace(r#""zat_version": "0.1.0", "#, ""),
            good.replace(r#""emitter": "e""#, r#""size": 4"#),
            // A hash that is not one, a size that is not a number, trailing text.
            good.replace(SHA, "xyz"),
            good.replace(r#""size": 3"#, r#""size": "3""#),
            format!("{good} []"),
            "[]".to_owned(),
            // A placement that is not one.
            good.replace(
                r#""emitter": "e""#,
                r#""placement": {"kind": "nowhere"}, "emitter": "e""#,
            ),
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_manifest_out_of_order_is_read_in_path_order_each_entry_whole() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("MANIFEST.json");
        let text = manifest(&[entry("b/two", "/t/two", "e2"), entry("a/one", "/t/one", "e1")]);
        fs::write(&path, text).expect("write");
        let files = read_manifest(&path).expect("a manifest").files;
        assert_eq!(files.paths().collect::<Vec<_>>(), ["a/one", "b/two"]);
        let two = files.position("b/two").expect("listed");
        assert_eq!((files.target(two).map(|t| &**t), &*files.emitter(two)), (Some("/t/two"), "e2"));
    }

    #[test]
    fn a_stamp_of_another_size_than_the_entry_vouches_for_nothing() {
        let mut files = parse(manifest(&[entry("a", "t", "e")]).as_bytes()).expect("one").files;
        files.set_stamp(0, (7, 100, 3));
        assert_eq!(files.stamp(0), Some((7, 100, 3)));
        assert!(files.any_stamped());
        files.set_stamp(0, (7, 100, 4));
        assert_eq!(files.stamp(0), None);
        files.set_stamp(0, (7, 100, 3));
        files.clear_stamps();
        assert!(!files.any_stamped());
    }
}
