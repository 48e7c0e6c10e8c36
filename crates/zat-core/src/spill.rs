//! The manifest entries of a bundle being written or compared, kept on disk rather than in
//! memory until the manifest is put together in path order.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::bundle::{check_path, io_error};
use crate::writer::{hex, sha256};
use crate::{BundleError, BundleFile, FileRecord};

/// The manifest entries of the files taken so far, in the order they came, each already in the
/// form and indentation the manifest gives it, in a scratch file with no name (it goes with
/// the process, even a killed one). At tens of thousands of files, these entries would be the
/// largest thing a build holds besides the fleet.
#[derive(Debug)]
pub(crate) struct Spill {
    file: BufWriter<fs::File>,
    len: u64,
    /// The folder it is in, for messages (it has no name of its own).
    dir: PathBuf,
}

impl Spill {
    /// A scratch file beside `beside` (on the same file system as the bundle), or in the
    /// temporary folder.
    pub(crate) fn new(beside: Option<&Path>) -> Result<Spill, BundleError> {
        let dir = beside.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let file =
            tempfile::tempfile_in(&dir).map_err(io_error("create a scratch file in", &dir))?;
        Ok(Spill { file: BufWriter::with_capacity(1 << 16, file), len: 0, dir })
    }

    pub(crate) fn push(&mut self, text: &[u8]) -> io::Result<(u64, usize)> {
        self.file.write_all(text)?;
        let at = self.len;
        self.len += text.len() as u64;
        Ok((at, text.len()))
    }

    /// A reader of the entries spilled so far.
    fn reader(&mut self) -> io::Result<SpillReader<'_>> {
        self.file.flush()?;
        Ok(SpillReader { file: self.file.get_ref(), window: Vec::new(), start: u64::MAX })
    }

    /// Writes `MANIFEST.json` to `out`, byte for byte what [`crate::Bundle::manifest`] gives
    /// for the same files, from the entries at `spans` (in path order).
    pub(crate) fn write_manifest(
        &mut self,
        out: &mut impl Write,
        spans: &[(u64, usize)],
    ) -> io::Result<()> {
        let mut reader = self.reader()?;
        // The layout `serde_json::to_vec_pretty` gives the manifest.
        out.write_all(b"{\n  \"zat_version\": ")?;
        serde_json::to_writer(&mut *out, env!("CARGO_PKG_VERSION"))?;
        if spans.is_empty() {
            return out.write_all(b",\n  \"files\": []\n}\n");
        }
        out.write_all(b",\n  \"files\": [\n")?;
        for (i, span) in spans.iter().enumerate() {
            if i > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(reader.get_ahead(*span, &spans[i + 1..])?)?;
        }
        out.write_all(b"\n  ]\n}\n")
    }
}

/// Reads spilled entries back through a window of the scratch file.
struct SpillReader<'a> {
    file: &'a fs::File,
    window: Vec<u8>,
    start: u64,
}

impl SpillReader<'_> {
    /// Entries come back in path order for the manifest, and the units spilled them in fleet
    /// order (`SYS1`, `SYS2` … where paths go `SYS1`, `SYS10`, `SYS100` …), two units at a
    /// time: each LPAR's entries sit within a hundred KB or so, and the reader jumps from one
    /// LPAR to the next. A window of that size is read about once per LPAR; a window of 1 MB
    /// was read just as often, so the end of a build of 1,000 LPARs took 130 ms instead of 88.
    const WINDOW: usize = 1 << 17;

    /// The entry at `span`; when the window must move, a full window from it is read (the
    /// entries are read back in the order they were spilled).
    fn get(&mut self, span: (u64, usize)) -> io::Result<&[u8]> {
        self.fill(span, None)
    }

    /// The entry at `(at, len)`; when the window must move, it is filled with that entry and
    /// the run of entries asked `next` that follow it within a window's length, no more. The
    /// manifest asks for entries in path order, which jumps between units' parts of the
    /// scratch file (a runbook's deploy scripts sit under `deploy/`, apart from their LPAR's
    /// files): a full window read at each jump read the 28 MB scratch file of 1,000 LPARs 7 to
    /// 8 times over in about 1,500 reads; bounded, 2.7 to 3 times.
    fn get_ahead(&mut self, span: (u64, usize), next: &[(u64, usize)]) -> io::Result<&[u8]> {
        self.fill(span, Some(next))
    }

    /// The entry at `(at, len)`, the window moved when it does not hold it: filled up to a
    /// window's length, or only as far as the entries `next` that follow within it need.
    fn fill(
        &mut self,
        (at, len): (u64, usize),
        next: Option<&[(u64, usize)]>,
    ) -> io::Result<&[u8]> {
        use std::io::{Read as _, Seek as _};
        let end = at + len as u64;
        if at < self.start || end > self.start + self.window.len() as u64 {
            let limit = at + Self::WINDOW.max(len) as u64;
            let fill = next.map_or(limit, |next| {
                next.iter()
                    .map(|&(at, len)| (at, at + len as u64))
                    .take_while(|&(from, to)| from >= at && to <= limit)
                    .fold(end, |fill, (_, to)| fill.max(to))
            });
            let mut file = self.file;
            file.seek(io::SeekFrom::Start(at))?;
            self.window.clear();
            file.take(fill - at).read_to_end(&mut self.window)?;
            self.start = at;
            if self.window.len() < len {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "scratch file cut short"));
            }
        }
        let from = usize::try_from(at - self.start).unwrap_or(usize::MAX);
        Ok(&self.window[from..from + len])
    }
}

/// Every listed file by path, and the errors of paths listed twice.
pub(crate) type Taken<T> = (BTreeMap<String, Listed<T>>, Vec<BundleError>);

/// An error of the scratch file that holds the manifest's entries, in `dir`.
fn scratch_error<'d>(
    action: &'static str,
    dir: &'d Path,
) -> impl Fn(io::Error) -> BundleError + 'd {
    move |source| BundleError::Io { action, path: dir.to_owned(), source }
}

const WRITE_SCRATCH: &str = "write the manifest's entries to a scratch file in";
const READ_SCRATCH: &str = "read the manifest's entries back from a scratch file in";

/// The path of a spilled entry: its first member (see [`entry_text`]).
fn path_of_entry(text: &[u8]) -> Option<String> {
    const START: &[u8] = b"    {\n      \"path\": ";
    let rest = text.strip_prefix(START)?;
    // Most paths hold nothing JSON escapes: then the text between the quotes is the path.
    let body = rest.strip_prefix(b"\"")?;
    if let Some(end) = body.iter().position(|&b| b == b'"' || b == b'\\')
        && body.get(end) == Some(&b'"')
    {
        return std::str::from_utf8(body.get(..end)?).ok().map(str::to_owned);
    }
    let mut from = serde_json::Deserializer::from_slice(rest);
    serde::Deserialize::deserialize(&mut from).ok()
}

/// A manifest entry as it appears inside the manifest's file list: the bytes
/// `serde_json::to_vec_pretty` gives [`crate::bundle::ManifestEntry`], every line indented four more spaces.
/// Written field by field rather than through serde and a second pass that indents it: every
/// file of a build and every file a rebuild carries over is listed here, and at 63,505 files
/// the serde form was 4 % of a build's CPU and a third of carrying a file over. The test
/// `an_entry_is_the_pretty_json_of_its_manifest_entry` holds the two forms equal.
pub(crate) fn entry_text(record: &FileRecord) -> Vec<u8> {
    let mut text = Vec::with_capacity(256 + record.path.len());
    text.extend_from_slice(b"    {\n      \"path\": ");
    json_string(&mut text, &record.path);
    // Writing into a `Vec` cannot fail.
    let _ =
        write!(text, ",\n      \"size\": {}", usize::try_from(record.size).unwrap_or(usize::MAX));
    text.extend_from_slice(b",\n      \"sha256\": \"");
    text.extend_from_slice(hex(&record.sha256).as_bytes());
    text.extend_from_slice(b"\",\n      \"target\": ");
    match &record.target {
        Some(target) => json_string(&mut text, target),
        None => text.extend_from_slice(b"null"),
    }
    if let Some(placement) = &record.placement {
        placement_text(&mut text, placement);
    }
    text.extend_from_slice(b",\n      \"emitter\": ");
    json_string(&mut text, &record.emitter);
    text.extend_from_slice(b"\n    }");
    text
}

/// The `placement` field of an entry, as serde lays out [`zat_model::Placement`] (its
/// destination flattened, tagged by `kind`). Destructured whole, so that a field added to
/// the placement does not compile until it is written here too.
fn placement_text(text: &mut Vec<u8>, placement: &zat_model::Placement) {
    use zat_model::{Destination, Transfer};
    let zat_model::Placement { destination, transfer, code_page } = placement;
    let field = |text: &mut Vec<u8>, name: &str, value: &str| {
        text.extend_from_slice(b",\n        \"");
        text.extend_from_slice(name.as_bytes());
        text.extend_from_slice(b"\": ");
        json_string(text, value);
    };
    text.extend_from_slice(b",\n      \"placement\": {\n        \"kind\": ");
    match destination {
        Destination::UssFile { path, mode } => {
            text.extend_from_slice(b"\"uss_file\"");
            field(text, "path", path);
            field(text, "mode", mode);
        }
        Destination::PdsMember { dataset, member } => {
            text.extend_from_slice(b"\"pds_member\"");
            field(text, "dataset", dataset);
            field(text, "member", member);
        }
        Destination::Job => text.extend_from_slice(b"\"job\""),
        Destination::Manual { instructions } => {
            text.extend_from_slice(b"\"manual\"");
            field(text, "instructions", instructions);
        }
    }
    field(
        text,
        "transfer",
        match transfer {
            Transfer::Text => "text",
            Transfer::Binary => "binary",
        },
    );
    field(text, "code_page", code_page);
    text.extend_from_slice(b"\n      }");
}

/// `value` as a JSON string, escaped as serde_json escapes it (only when it must be: bundle
/// paths, targets and placements are plain text).
fn json_string(text: &mut Vec<u8>, value: &str) {
    if value.bytes().any(|byte| byte < 0x20 || byte == b'"' || byte == b'\\') {
        // Writing a string into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *text, value);
    } else {
        text.push(b'"');
        text.extend_from_slice(value.as_bytes());
        text.push(b'"');
    }
}

/// What a bundle being written or compared keeps of each file it took, in 16 bytes (at
/// hundreds of thousands of files, this list is what a build holds besides the fleet): where
/// its manifest entry sits in the spill, its plugin (a number, see [`Listing::emitters`]),
/// and `more`. Its path is in its entry, and read back from there at the end.
#[derive(Debug)]
pub(crate) struct Listed<T> {
    at: u64,
    len: u32,
    emitter: u16,
    pub(crate) more: T,
}

impl<T> Listed<T> {
    /// Its plugin's name, from what [`Listing::emitters`] gave.
    pub(crate) fn emitter<'n>(&self, names: &'n [Arc<str>]) -> &'n str {
        names.get(usize::from(self.emitter)).map_or("", |name| name)
    }
}

/// The files a bundle being written or compared has taken, with their manifest entries in a
/// [`Spill`] and every plugin name kept once. No path is held while units render (the fleet
/// is held then): [`Self::take_entries`] reads them back from the entries at the end, and
/// finds a path taken twice there.
#[derive(Debug)]
pub(crate) struct Listing<T> {
    entries: Mutex<Vec<Listed<T>>>,
    spill: Mutex<Spill>,
    emitters: zat_model::SharedNames,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<T> Listing<T> {
    /// An empty listing, its spill beside `beside` (see [`Spill::new`]).
    pub(crate) fn new(beside: Option<&Path>) -> Result<Self, BundleError> {
        Ok(Listing {
            entries: Mutex::new(Vec::new()),
            spill: Mutex::new(Spill::new(beside)?),
            emitters: zat_model::SharedNames::default(),
        })
    }

    /// `name` as the one shared copy of that plugin name.
    pub(crate) fn emitter(&self, name: &str) -> Arc<str> {
        self.emitters.get(name)
    }

    /// A rendered file's record and bytes, its path checked as [`crate::Bundle::new`] checks
    /// it.
    pub(crate) fn record(&self, file: BundleFile) -> Result<(FileRecord, Vec<u8>), BundleError> {
        if let Err(problem) = check_path(&file.path) {
            return Err(BundleError::BadPath { emitter: file.emitter, path: file.path, problem });
        }
        let record = FileRecord {
            size: file.content.len() as u64,
            sha256: sha256(&file.content),
            path: file.path,
            target: file.target,
            placement: file.placement,
            emitter: self.emitter(&file.emitter),
        };
        Ok((record, file.content))
    }

    /// Lists `record` with `more`: its manifest entry goes to the spill. A file whose entry
    /// cannot be spilled is refused; a path listed twice is found by [`Self::take_entries`].
    pub(crate) fn take(&self, record: &FileRecord, more: T) -> Result<(), BundleError> {
        let text = entry_text(record);
        let mut spill = lock(&self.spill);
        let (at, len) = spill.push(&text).map_err(scratch_error(WRITE_SCRATCH, &spill.dir))?;
        drop(spill);
        // An entry is a few hundred bytes, and a run has a few plugins.
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        let emitter = u16::try_from(self.emitters.index(&record.emitter)).unwrap_or(u16::MAX);
        lock(&self.entries).push(Listed { at, len, emitter, more });
        Ok(())
    }

    /// The plugin names of the listed files, for [`Listed::emitter`].
    pub(crate) fn emitters(&self) -> Vec<Arc<str>> {
        self.emitters.all()
    }

    /// Every listed file by path, leaving the listing empty, with an error for each path
    /// listed more than once (naming the plugin that listed it first); `Err` when the spill
    /// cannot be read back.
    pub(crate) fn take_entries(&self) -> Result<Taken<T>, BundleError> {
        let mut listed = std::mem::take(&mut *lock(&self.entries));
        // In the order the entries were spilled: the first one listed is the one kept.
        listed.sort_by_key(|entry| entry.at);
        let names = self.emitters();
        let mut spill = lock(&self.spill);
        let dir = spill.dir.clone();
        let mut reader = spill.reader().map_err(scratch_error(WRITE_SCRATCH, &dir))?;
        let (mut entries, mut duplicates) = (BTreeMap::new(), Vec::new());
        for entry in listed {
            let read_back = scratch_error(READ_SCRATCH, &dir);
            let text = reader.get((entry.at, entry.len as usize)).map_err(&read_back)?;
            let path = path_of_entry(text).ok_or_else(|| {
                read_back(io::Error::new(io::ErrorKind::InvalidData, "an entry without a path"))
            })?;
            match entries.entry(path) {
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(entry);
                }
                std::collections::btree_map::Entry::Occupied(first) => {
                    duplicates.push(BundleError::Duplicate {
                        path: first.key().clone(),
                        first: first.get().emitter(&names).to_owned(),
                        second: entry.emitter(&names).to_owned(),
                    });
                }
            }
        }
        Ok((entries, duplicates))
    }

    /// Writes the manifest of `entries` (what [`Self::take_entries`] gave) to `out`.
    pub(crate) fn write_manifest(
        &self,
        out: &mut impl Write,
        entries: &BTreeMap<String, Listed<T>>,
    ) -> io::Result<()> {
        let spans: Vec<(u64, usize)> = entries.values().map(|e| (e.at, e.len as usize)).collect();
        lock(&self.spill).write_manifest(out, &spans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::ManifestEntry;

    #[test]
    fn a_spilled_entry_gives_back_its_path_escapes_and_all() {
        for path in ["a.txt", "lpars/SYS1/pagent/pagent.conf", "odd/\"quoted\" \\ name é"] {
            let record = FileRecord {
                path: path.to_owned(),
                size: 3,
                sha256: [7; 32],
                target: Some("/etc/x".to_owned()),
                placement: None,
                emitter: Arc::from("e"),
            };
            assert_eq!(path_of_entry(&entry_text(&record)).as_deref(), Some(path));
        }
        assert_eq!(path_of_entry(b"    {\n      \"size\": 3"), None);
    }

    /// The entry as serde gives it: [`ManifestEntry`] pretty-printed, indented four spaces.
    fn serde_entry(record: &FileRecord) -> Vec<u8> {
        let entry = ManifestEntry {
            path: &record.path,
            size: usize::try_from(record.size).expect("small"),
            sha256: hex(&record.sha256),
            target: record.target.as_deref(),
            placement: record.placement.as_ref(),
            emitter: &record.emitter,
        };
        let pretty = serde_json::to_vec_pretty(&entry).expect("serialised");
        let mut text = Vec::new();
        for (i, line) in pretty.split(|&byte| byte == b'\n').enumerate() {
            text.extend_from_slice(if i == 0 { b"    " } else { b"\n    " });
            text.extend_from_slice(line);
        }
        text
    }

    #[test]
    fn an_entry_is_the_pretty_json_of_its_manifest_entry() {
        use zat_model::{Destination, Placement, Transfer};
        let placements = [
            None,
            Some(Placement::uss_text("/etc/pagent/TCPIP.policy", "0644")),
            Some(Placement {
                destination: Destination::PdsMember {
                    dataset: "SYS1.TCPPARMS".to_owned(),
                    member: "PROF\"1\\".to_owned(),
                },
                transfer: Transfer::Binary,
                code_page: "UTF-8".to_owned(),
            }),
            Some(Placement {
                destination: Destination::Job,
                transfer: Transfer::Text,
                code_page: "IBM-1047".to_owned(),
            }),
            Some(Placement {
                destination: Destination::Manual {
                    instructions: "paste\tthis\n\u{1}é".to_owned()
                },
                transfer: Transfer::Text,
                code_page: "IBM-1047".to_owned(),
            }),
        ];
        for placement in placements {
            for (path, target) in [
                ("lpars/SYS1/pagent/pagent.conf", Some("/etc/pagent.conf")),
                ("odd/\"quoted\" \\ name é\u{7f}", None),
                ("a", Some("tab\there \u{1f}")),
            ] {
                let record = FileRecord {
                    path: path.to_owned(),
                    size: 12_345,
                    sha256: std::array::from_fn(|i| u8::try_from(i * 7).expect("small")),
                    target: target.map(str::to_owned),
                    placement: placement.clone(),
                    emitter: Arc::from("pa\"gent"),
                };
                assert_eq!(
                    String::from_utf8(entry_text(&record)).expect("utf-8"),
                    String::from_utf8(serde_entry(&record)).expect("utf-8"),
                    "{path} {placement:?}"
                );
            }
        }
    }

    #[test]
    fn paths_listed_twice_are_found_at_the_end_the_first_lister_kept() {
        let listing: Listing<u8> = Listing::new(None).expect("a scratch file");
        let record = |path: &str, emitter: &str| FileRecord {
            path: path.to_owned(),
            size: 1,
            sha256: [0; 32],
            target: None,
            placement: None,
            emitter: Arc::from(emitter),
        };
        for (n, (path, emitter)) in
            [("b", "x"), ("a", "x"), ("b", "y"), ("c", "y"), ("b", "z")].into_iter().enumerate()
        {
            listing.take(&record(path, emitter), u8::try_from(n).expect("small")).expect("spilled");
        }
        let (entries, duplicates) = listing.take_entries().expect("read back");
        assert_eq!(entries.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(entries["b"].more, 0, "the first file at b is kept");
        let names = listing.emitters();
        assert_eq!(entries["c"].emitter(&names), "y");
        let found: Vec<(String, String, String)> = duplicates
            .into_iter()
            .map(|e| match e {
                BundleError::Duplicate { path, first, second } => (path, first, second),
                other => panic!("not a duplicate: {other}"),
            })
            .collect();
        let pair = |p: &str, f: &str, s: &str| (p.to_owned(), f.to_owned(), s.to_owned());
        assert_eq!(found, [pair("b", "x", "y"), pair("b", "x", "z")]);
    }

    #[test]
    fn entries_read_back_in_any_order_whatever_their_size() {
        let mut spill = Spill::new(None).expect("a scratch file");
        let sizes =
            [10, SpillReader::WINDOW + 7, 3, SpillReader::WINDOW / 2, 1, 2 * SpillReader::WINDOW];
        let texts: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(n, size)| {
                (0..*size).map(|i| b'a' + u8::try_from((i + n) % 26).expect("small")).collect()
            })
            .collect();
        let spans: Vec<(u64, usize)> =
            texts.iter().map(|text| spill.push(text).expect("spilled")).collect();
        let mut reader = spill.reader().expect("a reader");
        for at in [5, 0, 2, 4, 1, 3, 3, 0] {
            assert_eq!(reader.get(spans[at]).expect("read"), texts[at].as_slice(), "entry {at}");
        }
        // Read ahead as the manifest reads: each window holds what the entries asked next
        // need, whether they go forward, back, or past a window's length.
        for order in
            [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 0, 3, 1, 5, 4], [0, 2, 4, 1, 3, 5]]
        {
            let asked: Vec<(u64, usize)> = order.iter().map(|&at| spans[at]).collect();
            let mut reader = spill.reader().expect("a reader");
            for (i, &at) in order.iter().enumerate() {
                let got = reader.get_ahead(asked[i], &asked[i + 1..]).expect("read");
                assert_eq!(got, texts[at].as_slice(), "entry {at} in the order {order:?}");
            }
        }
    }

    #[test]
    fn a_window_read_ahead_stops_at_the_first_entry_it_cannot_hold() {
        let mut spill = Spill::new(None).expect("a scratch file");
        let spans: Vec<(u64, usize)> =
            (0..4u8).map(|n| spill.push(&[b'a' + n; 100]).expect("spilled")).collect();
        let mut reader = spill.reader().expect("a reader");
        // Entry 1, then 2 (ahead, in the window), then 3 after a jump back to 0: the window
        // holds 1 and 2 only, not what lies after them.
        reader.get_ahead(spans[1], &[spans[2], spans[0], spans[3]]).expect("read");
        assert_eq!((reader.start, reader.window.len()), (100, 200));
        assert_eq!(reader.get(spans[2]).expect("read"), &[b'c'; 100]);
        // Read back in spill order, a fill takes a whole window (up to the end here): one
        // read for many entries, not one per entry.
        let mut reader = spill.reader().expect("a reader");
        reader.get(spans[0]).expect("read");
        assert_eq!((reader.start, reader.window.len()), (0, 400));
        assert_eq!(reader.get(spans[3]).expect("read"), &[b'd'; 100]);
    }
}
