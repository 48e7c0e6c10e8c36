//! Reading back the manifest of a bundle zat wrote: what a rebuild knows of the old bundle's
//! files (path, size, hash, target, placement, plugin), and what tells a bundle of zat's from
//! any other folder.
//!
//! A rebuild holds every entry while the fleet script runs and the units render, so an entry
//! is kept small: its target, placement and plugin are shared with every other entry that has
//! the same (a fleet's files have few of each: 63,504 files of 1,000 LPARs have 8,062 targets
//! and six plugins), and its text is parsed entry by entry, not into a document first.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use zat_model::Placement;

use crate::bundle::check_path;
use crate::writer::Stamp;

/// The largest manifest zat reads; a bundle of thousands of LPARs stays far below it.
const MANIFEST_LIMIT: u64 = 256 << 20;

/// A manifest as zat writes it; anything else (another tool's `MANIFEST.json`, a field zat
/// does not write) does not parse.
pub(crate) struct ManifestFile {
    zat_version: String,
    /// In path order (sorted when read, should a hand-edited one not be).
    pub(crate) files: Vec<ManifestRead>,
}

impl ManifestFile {
    /// The entry of `path`, found by bisection.
    pub(crate) fn file(&self, path: &str) -> Option<&ManifestRead> {
        position(&self.files, path).map(|at| &self.files[at])
    }
}

/// Where the entry of `path` is in `files` (in path order).
pub(crate) fn position(files: &[ManifestRead], path: &str) -> Option<usize> {
    files.binary_search_by(|f| (*f.path).cmp(path)).ok()
}

/// A manifest entry as read back, with what the old state says of its file.
#[derive(Debug)]
pub(crate) struct ManifestRead {
    pub(crate) path: Box<str>,
    pub(crate) size: u64,
    /// Parsed from its hex text as it is read.
    pub(crate) sha256: [u8; 32],
    /// Shared with every entry of the same target (see the module's comment).
    pub(crate) target: Option<Arc<str>>,
    pub(crate) placement: Option<Arc<Placement>>,
    pub(crate) emitter: Arc<str>,
    /// The file's stamp in the old state, when the state vouches for it; not in the manifest.
    pub(crate) stamp: Option<Stamp>,
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
        && manifest.files.iter().all(|f| check_path(&f.path).is_ok());
    if !manifest.files.is_sorted_by(|a, b| a.path <= b.path) {
        manifest.files.sort_by(|a, b| a.path.cmp(&b.path));
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
        while let Some(key) = map.next_key::<Text<'de>>()? {
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
    type Value = Vec<ManifestRead>;

    fn deserialize<D: de::Deserializer<'de>>(self, from: D) -> Result<Self::Value, D::Error> {
        from.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries {
    type Value = Vec<ManifestRead>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of files")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut shared = Shared::default();
        let mut files = Vec::new();
        while let Some(entry) = seq.next_element::<EntryText<'de>>()? {
            files.push(ManifestRead {
                path: entry.path.0.into(),
                size: entry.size,
                sha256: entry.sha256,
                target: entry.target.map(|t| shared.text(&t.0)),
                placement: entry.placement.map(|p| shared.placement(p)),
                emitter: shared.text(&entry.emitter.0),
                stamp: None,
            });
        }
        files.shrink_to_fit();
        Ok(files)
    }
}

/// One entry as its text has it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryText<'a> {
    #[serde(borrow)]
    path: Text<'a>,
    size: u64,
    #[serde(deserialize_with = "sha256_of_hex")]
    sha256: [u8; 32],
    #[serde(borrow)]
    target: Option<Text<'a>>,
    #[serde(default)]
    placement: Option<Placement>,
    #[serde(borrow)]
    emitter: Text<'a>,
}

/// A string of the text, borrowed from it unless it holds an escape.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: de::Deserializer<'de>>(from: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
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

/// One copy of each target, placement and plugin name of a manifest.
#[derive(Default)]
struct Shared {
    texts: HashSet<Arc<str>>,
    placements: HashSet<Arc<Placement>>,
}

impl Shared {
    fn text(&mut self, text: &str) -> Arc<str> {
        if let Some(known) = self.texts.get(text) {
            return Arc::clone(known);
        }
        let new: Arc<str> = Arc::from(text);
        self.texts.insert(Arc::clone(&new));
        new
    }

    fn placement(&mut self, placement: Placement) -> Arc<Placement> {
        if let Some(known) = self.placements.get(&placement) {
            return Arc::clone(known);
        }
        let new = Arc::new(placement);
        self.placements.insert(Arc::clone(&new));
        new
    }
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
        let target = |at: usize| files[at].target.clone().expect("a target");
        assert!(Arc::ptr_eq(&target(0), &target(1)));
        assert!(Arc::ptr_eq(&files[0].emitter, &files[1].emitter));
        assert_eq!(&*target(2), "/etc/three");
        assert_eq!(&*files[2].emitter, "tcpip");
        assert_eq!(files[1].sha256[..2], [0x62, 0x34]);
        assert_eq!(&*files[1].path, "a/two.conf");
    }

    #[test]
    fn a_string_with_an_escape_reads_as_its_text() {
        let text = manifest(&[entry(r"a/q\u0041.conf", r#"say \"hi\""#, "x")]);
        let files = parse(text.as_bytes()).expect("a manifest").files;
        assert_eq!(&*files[0].path, "a/qA.conf");
        assert_eq!(files[0].target.as_deref(), Some(r#"say "hi""#));
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
        let (a, b) =
            (files[0].placement.clone().expect("one"), files[1].placement.clone().expect("one"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(files[2].placement.is_none());
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
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad}");
        }
    }
}
