//! Rendering by unit: every plugin is called once per unit it declares (a security database,
//! an LPAR, the fleet's own files) or once for the whole fleet, units run on all cores, and
//! each answer goes to a [`Sink`] as soon as it comes (to memory, or to disk through
//! [`BundleWriter`], which also carries units over from the last build).
//!
//! The order of work: first the fleet-wide calls of the render pass, then every database unit
//! (render pass, then its index pass), then every LPAR unit (render pass, then its index pass,
//! which sees the LPAR's files, its database's and the fleet-wide ones under its folder), then
//! the fleet-wide calls of the index pass, which see every file of the render pass. Results
//! are put back in plugin order, so nothing depends on how threads interleave.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::{self, BufWriter, Read as _, Seek as _, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use zat_core::digest::digest;
use zat_core::{BundleFile, BundleWriter, UnitRecord};
use zat_model::Diagnostic;
use zat_plugin_api::{
    INDEX_OUTLINE, INDEX_PASS, IndexedFile, RenderRequest, UNIT_DATABASE, UNIT_FLEET, UNIT_LPAR,
    Unit, in_outline,
};
use zat_plugin_host::{Plugin, PluginSet};

/// Where the files of each answer go.
pub(crate) trait Sink: Sync {
    /// What the last build recorded under `key`, when it can be carried over.
    fn cached(&self, key: &str) -> Option<UnitRecord>;
    /// Carries a file of a cached answer over; its index entry.
    fn carry(&self, path: &str) -> Option<IndexedFile>;
    /// Takes a rendered file.
    fn add(&self, file: BundleFile);
    /// Remembers an answer for the next build.
    fn record(&self, key: String, record: UnitRecord);
    /// The bytes the bundle on disk holds at `path`, when they differ from `content`: what a
    /// changed file replaces. None where nothing is on disk to compare with.
    fn replaced(&self, _path: &str, _content: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// A carried file's entry, as an index plugin sees it.
fn indexed(record: zat_core::FileRecord) -> IndexedFile {
    IndexedFile {
        path: record.path,
        emitter: record.emitter.to_string(),
        target: record.target,
        placement: record.placement,
    }
}

/// Keeps every file in memory (for the tests).
#[derive(Debug, Default)]
pub(crate) struct MemorySink {
    pub(crate) files: Mutex<Vec<BundleFile>>,
}

impl Sink for MemorySink {
    fn cached(&self, _key: &str) -> Option<UnitRecord> {
        None
    }
    fn carry(&self, _path: &str) -> Option<IndexedFile> {
        None
    }
    fn add(&self, file: BundleFile) {
        lock(&self.files).push(file);
    }
    fn record(&self, _key: String, _record: UnitRecord) {}
}

/// Compares each file with the bundle on disk (`--check`, `diff`, `check`); a unit the
/// bundle's state recorded, whose files are still on disk as written, is taken as it is.
impl Sink for zat_core::Comparer<'_> {
    fn cached(&self, key: &str) -> Option<UnitRecord> {
        self.cached_unit(key)
    }
    fn carry(&self, path: &str) -> Option<IndexedFile> {
        zat_core::Comparer::carry(self, path).map(indexed)
    }
    fn add(&self, file: BundleFile) {
        zat_core::Comparer::add(self, file);
    }
    fn record(&self, _key: String, _record: UnitRecord) {}
    fn replaced(&self, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        zat_core::Comparer::replaced(self, path, content)
    }
}

impl Sink for BundleWriter {
    fn cached(&self, key: &str) -> Option<UnitRecord> {
        self.cached_unit(key)
    }
    fn carry(&self, path: &str) -> Option<IndexedFile> {
        self.carry(path).map(indexed)
    }
    fn add(&self, file: BundleFile) {
        BundleWriter::add(self, file);
    }
    fn record(&self, key: String, record: UnitRecord) {
        self.record_unit(key, record);
    }
    fn replaced(&self, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        BundleWriter::replaced(self, path, content)
    }
}

/// Passes every file on to another sink and checks each Policy Agent policy file as it is
/// written: every connection its stack is meant to carry is mapped on it (see
/// [`crate::connections`]). The check runs on the thread of the unit that wrote the policy, so
/// it spreads over the cores with the rendering and no policy is held for later. A policy
/// carried over from the last build is not checked again: its unit's request, which holds
/// everything the check reads, is the one the last build checked, with the same program (the
/// key holds it), and a build with an error is never written.
pub(crate) struct Checking<'a> {
    inner: &'a dyn Sink,
    fleet: &'a zat_model::Fleet,
    names: zat_model::ByName<'a>,
    stacks: std::collections::HashMap<String, (usize, usize)>,
    /// Each LPAR's Policy Agent main file, by bundle path.
    mains: std::collections::HashMap<String, usize>,
    found: Mutex<Vec<Found>>,
}

/// What the check found on one stack, at (LPAR index, 1 + stack index), or on an LPAR's Policy
/// Agent main file, at (LPAR index, 0).
type Found = ((usize, usize), Vec<Diagnostic>);

impl<'a> Checking<'a> {
    pub(crate) fn new(inner: &'a dyn Sink, fleet: &'a zat_model::Fleet) -> Self {
        let stacks = crate::connections::policy_paths(fleet);
        let names = zat_model::ByName::new(fleet);
        let mains = fleet
            .lpars
            .iter()
            .enumerate()
            .map(|(at, lpar)| (zat_plugin_api::layout::pagent_main(&lpar.name), at))
            .collect();
        Checking { inner, fleet, names, stacks, mains, found: Mutex::new(Vec::new()) }
    }

    /// What the check found, in fleet order (whatever order the units finished in).
    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        let mut found = self.found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        found.sort_by_key(|(at, _)| *at);
        found.into_iter().flat_map(|(_, diagnostics)| diagnostics).collect()
    }
}

impl Sink for Checking<'_> {
    fn cached(&self, key: &str) -> Option<UnitRecord> {
        self.inner.cached(key)
    }
    fn carry(&self, path: &str) -> Option<IndexedFile> {
        self.inner.carry(path)
    }
    fn add(&self, file: BundleFile) {
        if let Some(&l) = self.mains.get(file.path.as_str())
            && let Some(old) = self.inner.replaced(&file.path, &file.content)
        {
            let lpar = &self.fleet.lpars[l];
            let found = crate::connections::main_file_changes(lpar, &old, &file.content);
            if !found.is_empty() {
                // Before the LPAR's stacks (theirs are 1 on) in the fleet's order.
                lock(&self.found).push(((l, 0), found));
            }
        }
        if let Some(&(l, s)) = self.stacks.get(file.path.as_str()) {
            let lpar = &self.fleet.lpars[l];
            let stack = &lpar.stacks[s];
            let mut checked =
                crate::connections::check_stack(&self.names, lpar, stack, &file.content);
            // What the policy it replaces protected and this one leaves in clear text.
            if let Some(old) = self.inner.replaced(&file.path, &file.content) {
                checked.diagnostics.extend(crate::connections::unprotected(
                    lpar,
                    stack,
                    &old,
                    &file.content,
                ));
            }
            if !checked.diagnostics.is_empty() {
                lock(&self.found).push(((l, s + 1), checked.diagnostics));
            }
        }
        self.inner.add(file);
    }
    fn record(&self, key: String, record: UnitRecord) {
        self.inner.record(key, record);
    }
    fn replaced(&self, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        self.inner.replaced(path, content)
    }
}

/// A plugin of the run and how it wants to be called.
struct Member<'a> {
    plugin: &'a Plugin,
    /// Position in the run's order: render-pass plugins by name, then index-pass ones.
    order: usize,
    index: bool,
    database: bool,
    lpar: bool,
    fleet: bool,
    /// Its fleet call of the index pass needs only the outline of the bundle.
    outline: bool,
    /// Hash of everything about the plugin an answer depends on besides the request: the
    /// plugin, and the zat program that hosts it (see [`crate::program`]).
    identity: [u8; 32],
}

impl Member<'_> {
    fn whole(&self) -> bool {
        !(self.database || self.lpar || self.fleet)
    }

    /// A fleet-wide call of the index pass, which sees the files of every unit.
    fn indexes_fleet(&self) -> bool {
        self.index && (self.whole() || self.fleet)
    }
}

/// What the fleet-wide calls of the index pass need of the units' files, and so what the
/// host keeps of them once a unit is done: every file, the outline of the bundle (every such
/// call declares [`INDEX_OUTLINE`]), or nothing (there is no such call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needed {
    All,
    Outline,
    Nothing,
}

impl Needed {
    fn of(members: &[Member<'_>]) -> Self {
        let mut calls = members.iter().filter(|m| m.indexes_fleet()).peekable();
        if calls.peek().is_none() {
            Needed::Nothing
        } else if calls.all(|m| m.outline && !m.whole()) {
            Needed::Outline
        } else {
            Needed::All
        }
    }

    fn keeps(self, file: &IndexedFile) -> bool {
        match self {
            Needed::All => true,
            Needed::Outline => in_outline(file),
            Needed::Nothing => false,
        }
    }
}

fn identity(plugin: &Plugin) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"zat-plugin\0");
    hasher.update(crate::program::digest());
    hasher.update(plugin.name().as_bytes());
    hasher.update(b"\0");
    hasher.update(plugin.version().as_bytes());
    hasher.update(b"\0");
    hasher.update(plugin.origin().to_string().as_bytes());
    // A library rebuilt without a new version still renders anew: the hash is that of the
    // bytes loaded, which the file may no longer hold.
    hasher.update(plugin.sha256().unwrap_or_default().as_bytes());
    hasher.finalize().into()
}

/// One plugin's answer for one request, as far as the run cares.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    pub(crate) order: (usize, usize),
    pub(crate) plugin: String,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) output: String,
    pub(crate) elapsed: Duration,
    pub(crate) failure: Option<String>,
    /// The failure is only that the call was never made: the plugin's worker had stopped at
    /// an earlier call's failure.
    pub(crate) not_called: bool,
    pub(crate) files: Vec<IndexedFile>,
    /// Where [`Held`] put this answer's diagnostics, which `diagnostics` then leaves out.
    pub(crate) held: Option<Span>,
    /// Carried over from the last build, not rendered.
    pub(crate) carried: bool,
}

/// Everything the units rendered.
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    /// In plugin order, then unit order.
    pub(crate) answers: Vec<Answer>,
    /// The answers' warnings and notes, on disk until [`Self::take_diagnostics`].
    pub(crate) held: Held,
}

impl Rendered {
    /// Every failure, in answer order, then one line per plugin whose later calls were not
    /// made (a worker that hung on one LPAR is not reported again for each of a thousand).
    pub(crate) fn failures(&self) -> Vec<String> {
        let mut failures: Vec<String> = self
            .answers
            .iter()
            .filter(|a| !a.not_called)
            .filter_map(|a| a.failure.clone())
            .collect();
        let mut not_called: Vec<(&str, usize)> = Vec::new();
        for answer in self.answers.iter().filter(|a| a.not_called) {
            let Some(message) = &answer.failure else { continue };
            match not_called.iter_mut().find(|(first, _)| first == message) {
                Some((_, count)) => *count += 1,
                None => not_called.push((message, 1)),
            }
        }
        for (message, count) in not_called {
            let calls = if count == 1 { "1 call" } else { &format!("{count} calls") };
            failures.push(format!("{message} ({calls} not made)"));
        }
        failures
    }

    /// Whether an answer has an error (those are never held).
    pub(crate) fn has_error(&self) -> bool {
        self.answers.iter().any(|a| a.diagnostics.iter().any(Diagnostic::is_error))
    }

    /// Every answer's diagnostics, in plugin order then unit order, read back from disk where
    /// they were held, without repeated diagnostics of a plugin (an option warning comes once,
    /// not once per unit); and a message when some could not be read back.
    ///
    /// A diagnostic is known by the digest of its plugin and itself, not by its text: a fleet
    /// whose requesters each get a note has tens of thousands of them (at 4,000 LPARs, the
    /// texts of that set took 80 MB).
    pub(crate) fn take_diagnostics(&mut self) -> (Vec<Diagnostic>, Option<String>) {
        let mut seen: HashSet<[u8; 32]> = HashSet::new();
        let mut all = Vec::new();
        let mut lost = None;
        for answer in &mut self.answers {
            let mut list = std::mem::take(&mut answer.diagnostics);
            if let Some(span) = answer.held.take() {
                match self.held.get(span) {
                    Ok(read) => list = read,
                    Err(error) => {
                        lost = Some(format!(
                            "the warnings and notes of plugin `{}` could not be read back from \
                             their scratch file: {error}",
                            answer.plugin
                        ));
                    }
                }
            }
            let plugin = answer.plugin.as_str();
            list.retain(|d| seen.insert(digest(&(plugin, d))));
            all.extend(list);
        }
        (all, lost)
    }
}

/// `mutex`'s value, also after a panic elsewhere (what it guards stays consistent).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where an answer's diagnostics are in [`Held`]'s scratch file: offset and length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span(u64, usize);

/// The warnings and notes of the answers, as JSON in a nameless scratch file while units
/// render (it goes with the process, even a killed one): a fleet whose API requesters each
/// get a note has 160,000 of them at 4,000 LPARs, about 70 MB held beside the fleet
/// otherwise. They are read back once the run no longer holds its fleet
/// ([`Rendered::take_diagnostics`]). An answer with an error keeps its diagnostics in memory
/// (the run stops on it at once), and so does every answer when the scratch file cannot be
/// made or written.
#[derive(Debug, Default)]
pub(crate) struct Held {
    file: Mutex<Option<(BufWriter<fs::File>, u64)>>,
}

impl Held {
    /// A scratch file in the temporary folder; without one, diagnostics stay in memory.
    pub(crate) fn new() -> Held {
        let file = tempfile::tempfile().ok().map(|f| (BufWriter::with_capacity(1 << 16, f), 0));
        Held { file: Mutex::new(file) }
    }

    /// Moves `answer`'s diagnostics to the scratch file, unless there are none or one is an
    /// error.
    fn hold(&self, answer: &mut Answer) {
        if answer.diagnostics.is_empty() || answer.diagnostics.iter().any(Diagnostic::is_error) {
            return;
        }
        let Ok(text) = serde_json::to_vec(&answer.diagnostics) else { return };
        let mut file = lock(&self.file);
        let Some((out, len)) = file.as_mut() else { return };
        // A failed write may have lost what the buffer held of earlier answers too: nothing
        // more is held, and reading any span back then fails, which ends the run with that
        // message rather than losing a diagnostic without a word.
        if out.write_all(&text).is_err() {
            *file = None;
            return;
        }
        answer.held = Some(Span(*len, text.len()));
        *len += text.len() as u64;
        answer.diagnostics = Vec::new();
    }

    fn get(&self, Span(at, len): Span) -> io::Result<Vec<Diagnostic>> {
        let mut file = lock(&self.file);
        let (out, _) = file.as_mut().ok_or_else(|| io::Error::other("a write to it failed"))?;
        out.flush()?;
        let file = out.get_mut();
        file.seek(io::SeekFrom::Start(at))?;
        let mut text = vec![0; len];
        file.read_exact(&mut text)?;
        file.seek(io::SeekFrom::End(0))?;
        serde_json::from_slice(&text).map_err(io::Error::other)
    }
}

/// How far the build is: units done and units in all.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

struct Context<'a> {
    whole: &'a RenderRequest,
    sink: &'a dyn Sink,
    /// The files the fleet's origins name, listed the first time a diagnostic needs them.
    origin_files: OnceLock<BTreeSet<String>>,
    keys: Keys<'a>,
    /// Codes of warnings and notes dropped from answers ([`crate::Inputs::allowed_codes`]).
    allowed_codes: &'a [String],
    held: &'a Held,
}

impl Context<'_> {
    /// `diagnostics` without the warnings and notes whose code the run allows.
    fn shown(&self, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        if !self.allowed_codes.is_empty() {
            diagnostics.retain(|d| {
                d.is_error() || !self.allowed_codes.iter().any(|c| c.eq_ignore_ascii_case(&d.code))
            });
        }
        diagnostics
    }
}

/// Renders every unit of the run through `sink`, on up to `jobs` threads, putting the answers'
/// warnings and notes in `held`.
pub(crate) fn render(
    set: &PluginSet,
    whole: &RenderRequest,
    jobs: usize,
    sink: &dyn Sink,
    progress: Option<Progress<'_>>,
    allowed_codes: &[String],
    held: Held,
) -> Rendered {
    let is =
        |plugin: &Plugin, capability: &str| plugin.info().provides.iter().any(|p| p == capability);
    let mut members: Vec<Member<'_>> = set
        .plugins()
        .iter()
        .map(|plugin| Member {
            plugin,
            order: 0,
            index: is(plugin, INDEX_PASS),
            database: is(plugin, UNIT_DATABASE),
            lpar: is(plugin, UNIT_LPAR),
            fleet: is(plugin, UNIT_FLEET),
            outline: is(plugin, INDEX_OUTLINE),
            identity: identity(plugin),
        })
        .collect();
    members.sort_by_key(|m| (m.index, m.plugin.name().to_owned()));
    for (order, member) in members.iter_mut().enumerate() {
        member.order = order;
    }
    let needed = Needed::of(&members);
    let context = Context {
        whole,
        sink,
        origin_files: OnceLock::new(),
        keys: Keys::new(whole),
        allowed_codes,
        held: &held,
    };
    let fleet = &whole.fleet;
    let databases: Vec<&str> = fleet
        .security_databases
        .iter()
        .filter(|db| whole.run_has_database(&db.name))
        .map(|db| db.name.as_str())
        .collect();
    let lpars: Vec<&str> = fleet
        .lpars
        .iter()
        .filter(|l| whole.run_has_lpar(&l.name))
        .map(|l| l.name.as_str())
        .collect();
    let total = databases.len() + lpars.len() + 2;
    let done = AtomicUsize::new(0);
    let tick = || {
        let now = done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(progress) = progress {
            progress(now, total);
        }
    };
    let mut rendered = Rendered::default();
    let mut sequence = 0;
    // Every answer is made by the time `finish` takes the scratch file over.
    let finish = |mut rendered: Rendered| {
        rendered.answers.sort_by_key(|a| a.order);
        let file = std::mem::take(&mut *lock(&held.file));
        rendered.held = Held { file: Mutex::new(file) };
        rendered
    };

    // Fleet-wide calls of the render pass.
    let calls: Vec<&Member<'_>> =
        members.iter().filter(|m| !m.index && (m.whole() || m.fleet)).collect();
    let fleet_unit = OnceLock::new();
    let answers = parallel(&calls, jobs, |_, member| {
        // The whole request is passed as it is, never copied.
        if member.whole() {
            call(&context, member, &Prepared::of(whole), sequence)
        } else {
            let request = fleet_unit.get_or_init(|| whole.for_unit(Unit::Fleet));
            call(&context, member, &Prepared::of(request), sequence)
        }
    });
    tick();
    let fleet_files: Vec<IndexedFile> =
        answers.iter().flat_map(|a| a.files.iter().cloned()).collect();
    rendered.answers.extend(answers);
    if !rendered.failures().is_empty() {
        return finish(rendered);
    }

    // Database units, then LPAR units.
    sequence += 1;
    let mut database_answers = parallel(&databases, jobs, |i, name| {
        let answers = unit(
            &context,
            &members,
            |m| m.database,
            Unit::Database { name: (*name).to_owned() },
            sequence + i,
            |own| own.to_vec(),
        );
        tick();
        answers
    });
    sequence += databases.len();
    let database_files = |name: &str| -> Vec<IndexedFile> {
        databases
            .iter()
            .position(|db| *db == name)
            .map(|i| {
                database_answers[i]
                    .iter()
                    .filter(|a| !members[a.order.0].index)
                    .flat_map(|a| a.files.iter().cloned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut lpar_answers = parallel(&lpars, jobs, |i, name| {
        let folder = format!("{}/", zat_plugin_api::layout::lpar_dir(name));
        let database = context
            .keys
            .index
            .lpar(fleet, name)
            .map(|l| l.security_database.clone())
            .unwrap_or_default();
        let mut answers = unit(
            &context,
            &members,
            |m| m.lpar,
            Unit::Lpar { name: (*name).to_owned() },
            sequence + i,
            |own| {
                let mut bundle = own.to_vec();
                bundle.extend(database_files(&database));
                bundle.extend(
                    fleet_files.iter().filter(|f| sees(&f.path, &folder, &database)).cloned(),
                );
                bundle
            },
        );
        // Once the LPAR is done, only what the fleet's index calls will read stays.
        if needed != Needed::All {
            for answer in &mut answers {
                let render = !members[answer.order.0].index;
                answer.files.retain(|f| render && needed.keeps(f));
                // Collected or retained in place, the list would keep its room for every file.
                answer.files.shrink_to_fit();
            }
        }
        tick();
        answers
    });
    sequence += lpars.len();
    // Every file of the render pass, moved out of the answers (never copied: at thousands of
    // LPARs this list is the largest thing a build holds besides the fleet). The answers'
    // lists are taken whole, as a list emptied in place would keep its room.
    let lists: Vec<Vec<IndexedFile>> = database_answers
        .iter_mut()
        .chain(&mut lpar_answers)
        .flatten()
        .filter(|a| !members[a.order.0].index)
        .map(|a| std::mem::take(&mut a.files))
        .collect();
    let mut all_files = fleet_files;
    all_files.reserve_exact(lists.iter().map(Vec::len).sum());
    for list in lists {
        all_files.extend(list);
    }
    rendered.answers.extend(database_answers.into_iter().flatten());
    rendered.answers.extend(lpar_answers.into_iter().flatten());
    if !rendered.failures().is_empty() {
        return finish(rendered);
    }

    // Fleet-wide calls of the index pass, with every file of the render pass, or the outline
    // of the bundle for those that ask for no more.
    let calls: Vec<&Member<'_>> = members.iter().filter(|m| m.indexes_fleet()).collect();
    if !calls.is_empty() {
        all_files.sort_by(|a, b| a.path.cmp(&b.path));
        all_files.dedup_by(|a, b| a.path == b.path);
        if needed == Needed::Outline {
            all_files.retain(in_outline);
        }
        let wholes: Vec<&Member<'_>> = calls.iter().copied().filter(|m| m.whole()).collect();
        let (outlines, units): (Vec<&Member<'_>>, Vec<&Member<'_>>) =
            calls.iter().copied().filter(|m| !m.whole()).partition(|m| m.outline);
        let mut answers = Vec::new();
        // A whole-fleet call gets the list beside the whole request, serialised from borrowed
        // parts; the fleet unit's request owns its list.
        if !wholes.is_empty() {
            let prepared = bytes_with_bundle(whole, &all_files);
            answers.extend(parallel(&wholes, jobs, |_, member| {
                call(&context, member, &prepared, sequence)
            }));
        }
        let fleet_call = |files: Vec<IndexedFile>, members: &[&Member<'_>]| {
            let request = whole.for_unit(Unit::Fleet).with_bundle(files);
            let prepared = Prepared::of(&request);
            parallel(members, jobs, |_, member| call(&context, member, &prepared, sequence))
        };
        if !outlines.is_empty() && needed == Needed::All {
            let outline = all_files.iter().filter(|f| in_outline(f)).cloned().collect();
            answers.extend(fleet_call(outline, &outlines));
        }
        if needed == Needed::Outline {
            answers.extend(fleet_call(all_files, &outlines));
        } else if !units.is_empty() {
            answers.extend(fleet_call(all_files, &units));
        }
        rendered.answers.extend(answers);
    }
    tick();
    finish(rendered)
}

/// Whether an LPAR unit's index pass sees a file of a fleet-wide call: one under the LPAR's
/// own folder, or one that belongs to no other LPAR and no other security database (a job
/// order, a site plugin's inventory), but not another LPAR's or another database's files.
fn sees(path: &str, folder: &str, database: &str) -> bool {
    if path.starts_with("lpars/") {
        return path.starts_with(folder);
    }
    match path.strip_prefix("security/").and_then(|rest| rest.split_once('/')) {
        Some((owner, _)) => owner == database,
        None => true,
    }
}

/// The render pass of one unit, then its index pass with the files `bundle` makes of the
/// render pass's.
fn unit(
    context: &Context<'_>,
    members: &[Member<'_>],
    wants: impl Fn(&Member<'_>) -> bool,
    unit: Unit,
    sequence: usize,
    bundle: impl FnOnce(&[IndexedFile]) -> Vec<IndexedFile>,
) -> Vec<Answer> {
    let (render, index): (Vec<&Member<'_>>, Vec<&Member<'_>>) =
        members.iter().filter(|m| wants(m)).partition(|m| !m.index);
    if render.is_empty() && index.is_empty() {
        return Vec::new();
    }
    // The unit's request is built only if a plugin has to render it: on a rebuild, a unit
    // whose answers are all carried over is known by its key alone.
    let key = context.keys.of(&unit);
    let mut answers = Vec::new();
    let mut built = None;
    if !render.is_empty() {
        let of_unit = unit.clone();
        let prepared = Prepared::lazy(
            key,
            Some(unit.clone()),
            Box::new(move || context.whole.for_unit_indexed(of_unit, &context.keys.index)),
        );
        answers.extend(render.iter().map(|m| call(context, m, &prepared, sequence)));
        built = prepared.built.into_inner();
    }
    if !index.is_empty() && answers.iter().all(|a| a.failure.is_none()) {
        let own: Vec<IndexedFile> = answers.iter().flat_map(|a| a.files.iter().cloned()).collect();
        let mut files = bundle(&own);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        let mut hasher = Sha256::new();
        hasher.update(b"zat-index\0");
        hasher.update(key);
        hasher.update(digest(&files));
        let of_unit = Some(unit.clone());
        let make = move || {
            built
                .unwrap_or_else(|| context.whole.for_unit_indexed(unit, &context.keys.index))
                .with_bundle(files)
        };
        let prepared = Prepared::lazy(hasher.finalize().into(), of_unit, Box::new(make));
        answers.extend(index.iter().map(|m| call(context, m, &prepared, sequence)));
    }
    answers
}

/// The keys of unit requests, computed from digests of their parts, so that a part many units
/// share (the run's header, site defaults and security levels, which every unit holds; a
/// database with its partners, which each of its LPARs holds; an LPAR's outline, which each of
/// its siblings holds; a z/OS Connect server, which the units that run or call it hold) is
/// serialised and hashed once per build, and a unit whose answers are all carried over is
/// never built. A key digests exactly the parts [`RenderRequest::for_unit`] puts in the
/// request, in its order, so it changes when the request would.
struct Keys<'a> {
    whole: &'a RenderRequest,
    /// Where each unit's parts are (made once, used for every unit's key and request).
    index: zat_plugin_api::UnitIndex,
    shared: OnceLock<[u8; 32]>,
    databases: Mutex<HashMap<String, [u8; 32]>>,
    outlines: Mutex<HashMap<String, [u8; 32]>>,
    /// Each server's digest, by its place in the fleet's list.
    servers: Vec<OnceLock<[u8; 32]>>,
}

impl<'a> Keys<'a> {
    fn new(whole: &'a RenderRequest) -> Self {
        Keys {
            whole,
            index: zat_plugin_api::UnitIndex::new(&whole.fleet),
            shared: OnceLock::new(),
            databases: Mutex::new(HashMap::new()),
            outlines: Mutex::new(HashMap::new()),
            servers: whole.fleet.zos_connect_servers.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// Everything but the databases, the LPARs, the servers and the unit, the same in every
    /// unit: the request with those emptied. Written as full struct literals, so that a field
    /// added to the request or the fleet fails to compile here instead of being left out of
    /// the key.
    fn shared(&self) -> [u8; 32] {
        *self.shared.get_or_init(|| {
            let (w, f) = (self.whole, &self.whole.fleet);
            digest(&RenderRequest {
                abi_version: w.abi_version,
                model_version: w.model_version,
                zat_version: w.zat_version.clone(),
                fleet: zat_model::Fleet {
                    name: f.name.clone(),
                    defaults: f.defaults.clone(),
                    security_databases: Vec::new(),
                    security_levels: f.security_levels.clone(),
                    zos_connect_servers: Vec::new(),
                    lpars: Vec::new(),
                    origin: f.origin.clone(),
                },
                unit: None,
                only_lpars: w.only_lpars.clone(),
                options: w.options.clone(),
                bundle: Vec::new(),
            })
        })
    }

    fn memo(
        map: &Mutex<HashMap<String, [u8; 32]>>,
        name: &str,
        make: impl FnOnce() -> [u8; 32],
    ) -> [u8; 32] {
        if let Some(found) = lock(map).get(name) {
            return *found;
        }
        let made = make();
        lock(map).insert(name.to_owned(), made);
        made
    }

    /// A database with its partners, as the units of that database hold them.
    fn database(&self, name: &str) -> [u8; 32] {
        Self::memo(&self.databases, name, || digest(&self.index.databases(&self.whole.fleet, name)))
    }

    fn outline(&self, lpar: &zat_model::Lpar) -> [u8; 32] {
        Self::memo(&self.outlines, &lpar.name, || digest(&zat_plugin_api::outline(lpar)))
    }

    /// The servers of the unit, as `for_unit` cuts them, each by its digest.
    fn servers(&self, unit: &Unit, hasher: &mut Sha256) {
        let fleet = &self.whole.fleet;
        hasher.update(b"servers");
        for at in self.index.servers_of(fleet, unit) {
            let (Some(server), Some(memo)) =
                (fleet.zos_connect_servers.get(at), self.servers.get(at))
            else {
                continue;
            };
            hasher.update(memo.get_or_init(|| digest(server)));
        }
    }

    fn of(&self, unit: &Unit) -> [u8; 32] {
        let fleet = &self.whole.fleet;
        let mut hasher = Sha256::new();
        hasher.update(b"zat-unit\0");
        hasher.update(self.shared());
        hasher.update(digest(unit));
        if *unit != Unit::Fleet {
            self.servers(unit, &mut hasher);
        }
        match unit {
            Unit::Lpar { name } => {
                let database = self
                    .index
                    .lpar(fleet, name)
                    .map(|l| l.security_database.as_str())
                    .unwrap_or_default();
                hasher.update(self.database(database));
                for lpar in self.index.lpars_of(fleet, database) {
                    if lpar.name == *name {
                        hasher.update(b"full");
                        hasher.update(digest(lpar));
                    } else {
                        hasher.update(b"outline");
                        hasher.update(self.outline(lpar));
                    }
                }
            }
            Unit::Database { name } => {
                hasher.update(self.database(name));
                for lpar in self.index.lpars_of(fleet, name) {
                    hasher.update(self.outline(lpar));
                }
            }
            Unit::Fleet => hasher.update(digest(&self.whole.for_unit(Unit::Fleet))),
        }
        hasher.finalize().into()
    }
}

/// `request` with `bundle` as the bytes of an index call, serialised from borrowed parts (a
/// [`RenderRequest`] with the same members), so that neither the fleet nor the file list is
/// copied. Only its bytes exist: every plugin gets them, a linked-in one too.
fn bytes_with_bundle<'r>(request: &RenderRequest, bundle: &[IndexedFile]) -> Prepared<'r> {
    #[derive(serde::Serialize)]
    struct View<'a> {
        abi_version: u32,
        model_version: u32,
        zat_version: &'a str,
        fleet: &'a zat_model::Fleet,
        unit: &'a Option<Unit>,
        only_lpars: &'a [String],
        options: &'a std::collections::BTreeMap<String, String>,
        bundle: &'a [IndexedFile],
    }
    let view = View {
        abi_version: request.abi_version,
        model_version: request.model_version,
        zat_version: &request.zat_version,
        fleet: &request.fleet,
        unit: &request.unit,
        only_lpars: &request.only_lpars,
        options: &request.options,
        bundle,
    };
    let bytes = serde_json::to_vec(&view).unwrap_or_default();
    let sha256 = Sha256::digest(&bytes).into();
    Prepared {
        sha256,
        unit: request.unit.clone(),
        borrowed: None,
        make: Mutex::new(None),
        built: OnceLock::new(),
        bytes: OnceLock::from(bytes),
    }
}

/// A request ready for every plugin of a call: the request itself for the emitters linked into
/// zat, its JSON bytes (made only when a plugin from a library needs them) for the others, and
/// the key of its answers for the next build (the sha256 of those bytes, or for a unit the
/// digest of its parts, see [`Keys`]). A unit's request is built only when a plugin renders
/// it.
struct Prepared<'r> {
    sha256: [u8; 32],
    /// The unit the request is for (`None` for the whole fleet), known without building it.
    unit: Option<Unit>,
    borrowed: Option<&'r RenderRequest>,
    make: Mutex<Option<MakeRequest<'r>>>,
    built: OnceLock<RenderRequest>,
    bytes: OnceLock<Vec<u8>>,
}

type MakeRequest<'r> = Box<dyn FnOnce() -> RenderRequest + Send + 'r>;

impl<'r> Prepared<'r> {
    /// A request there is: its key is its digest.
    fn of(request: &'r RenderRequest) -> Self {
        Prepared {
            sha256: digest(request),
            unit: request.unit.clone(),
            borrowed: Some(request),
            make: Mutex::new(None),
            built: OnceLock::new(),
            bytes: OnceLock::new(),
        }
    }

    /// A request known by its key, built by `make` the first time a plugin needs it.
    fn lazy(sha256: [u8; 32], unit: Option<Unit>, make: MakeRequest<'r>) -> Self {
        Prepared {
            sha256,
            unit,
            borrowed: None,
            make: Mutex::new(Some(make)),
            built: OnceLock::new(),
            bytes: OnceLock::new(),
        }
    }

    fn request(&self) -> Option<&RenderRequest> {
        if let Some(request) = self.borrowed.or_else(|| self.built.get()) {
            return Some(request);
        }
        let make = lock(&self.make).take()?;
        Some(self.built.get_or_init(make))
    }

    fn bytes(&self) -> &[u8] {
        self.bytes.get_or_init(|| {
            self.request().and_then(|r| serde_json::to_vec(r).ok()).unwrap_or_default()
        })
    }
}

/// Calls one plugin with one request, or carries its last answer over when neither changed.
fn call(
    context: &Context<'_>,
    member: &Member<'_>,
    request: &Prepared<'_>,
    sequence: usize,
) -> Answer {
    let name = member.plugin.name().to_owned();
    let mut hasher = Sha256::new();
    hasher.update(member.identity);
    hasher.update(request.sha256);
    let key: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let mut answer =
        Answer { order: (member.order, sequence), plugin: name.clone(), ..Answer::default() };
    if let Some(record) = context.sink.cached(&key) {
        answer.diagnostics =
            context.shown(serde_json::from_str(&record.diagnostics).unwrap_or_default());
        answer.files = record.paths.iter().filter_map(|p| context.sink.carry(p)).collect();
        answer.carried = true;
        context.sink.record(key, record);
        context.held.hold(&mut answer);
        return answer;
    }
    let started = Instant::now();
    let (result, output) = match request.request() {
        Some(parsed) => member.plugin.render_request(parsed, || request.bytes()),
        None => member.plugin.render_with_output(request.bytes()),
    };
    answer.elapsed = started.elapsed();
    answer.output = output;
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            answer.not_called = matches!(error, zat_plugin_host::PluginError::NotCalled { .. });
            answer.failure = Some(error.to_string());
            return answer;
        }
    };
    // An illegal path is the plugin's failure whatever call gave it, before any rule about
    // which unit may write it (ZAT0394 is about a legal path in the wrong unit).
    if let Some(failure) = illegal_path(member.plugin, &response) {
        answer.failure = Some(failure);
        return answer;
    }
    // The files of the fleet script are listed only when an origin names another file than
    // the script itself (listing them serialises the whole fleet).
    let script = &context.whole.fleet.origin.file;
    let just_script = BTreeSet::from([script.to_string()]);
    let elsewhere = |d: &Diagnostic| d.origin.as_ref().is_some_and(|o| o.file != *script);
    let allowed = if response.diagnostics.iter().any(elsewhere) {
        context.origin_files.get_or_init(|| zat_plugin_host::origin_files(&context.whole.fleet))
    } else {
        &just_script
    };
    zat_plugin_host::sanitize_diagnostics(&mut response, allowed);
    if matches!(member.plugin.origin(), zat_plugin_host::PluginOrigin::Library(_)) {
        check_jobs(&name, &mut response);
    }
    if let Some(unit) = &request.unit {
        check_unit(&name, unit, &mut response);
    }
    let (diagnostics, files) = crate::bundle_files(&name, response);
    answer.files = files
        .iter()
        .map(|f| IndexedFile {
            path: f.path.clone(),
            emitter: name.clone(),
            target: f.target.clone(),
            placement: f.placement.clone(),
        })
        .collect();
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    for file in files {
        context.sink.add(file);
    }
    if !diagnostics.iter().any(Diagnostic::is_error)
        && let Ok(text) = serde_json::to_string(&diagnostics)
    {
        context.sink.record(key, UnitRecord { diagnostics: text, paths });
    }
    answer.diagnostics = context.shown(diagnostics);
    context.held.hold(&mut answer);
    answer
}

/// The failure of an answer that holds a path [`zat_core::check_path`] refuses (absolute,
/// `..`, a control character, the manifest's name), worded as the bundle words it, with the
/// plugin's file.
fn illegal_path(plugin: &Plugin, response: &zat_plugin_api::RenderResponse) -> Option<String> {
    let mut refused = response
        .files
        .iter()
        .filter_map(|file| zat_core::check_path(&file.path).err().map(|problem| (file, problem)));
    let (file, problem) = refused.next()?;
    let error = zat_core::BundleError::BadPath {
        emitter: plugin.name().to_owned(),
        path: file.path.clone(),
        problem,
    };
    // Every refused path is named (a plugin's author fixes them all at once), up to a bound.
    const NAMED: usize = 20;
    let mut more = String::new();
    let mut left = 0;
    for (i, (file, problem)) in refused.enumerate() {
        if i < NAMED {
            more.push_str(&format!("; the path {:?} is refused too: {problem}", file.path));
        } else {
            left += 1;
        }
    }
    if left > 0 {
        more.push_str(&format!("; and {left} more of its paths"));
    }
    Some(format!("{error} (plugin `{}`: {}){more}", plugin.name(), plugin.origin()))
}

/// Diagnostic code of a plugin's job that z/OS would reject.
pub(crate) const CODE_PLUGIN_JOB: &str = "ZAT0393";

/// Checks each job a plugin library wrote against the batch rules (columns, tabs, code page
/// 1047), as `zat plugins test` does: an error naming the file and line, so that a site that
/// never ran the conformance test does not submit a job z/OS rejects. The built-in emitters
/// check their jobs as they write them.
fn check_jobs(plugin: &str, response: &mut zat_plugin_api::RenderResponse) {
    use zat_zos::{CheckOptions, TextKind, check};
    for file in response.files.iter().filter(|f| f.path.ends_with(".jcl")) {
        for finding in check(&file.content, TextKind::Job, &CheckOptions::default()) {
            response.diagnostics.push(
                Diagnostic::error(
                    CODE_PLUGIN_JOB,
                    format!("{} breaks a batch rule: {finding}", file.path),
                )
                .object(format!("plugin {plugin}"))
                .help("the plugin wrote a job z/OS would reject; `zat plugins test LIBRARY` shows every such line"),
            );
        }
    }
}

/// Diagnostic code of a file a plugin wrote outside the unit it was called for.
pub(crate) const CODE_PLUGIN_UNIT: &str = "ZAT0394";

/// Keeps a unit's call to its unit's files ([`zat_plugin_api::layout::unit_writes`]): a file
/// of another unit is an error naming the plugin, the unit and the path, and is dropped, so
/// that no file is carried over with, or recorded as written by, a unit that does not own it.
/// Every plugin is checked, the built-in emitters too: they hold the same contract.
fn check_unit(plugin: &str, unit: &Unit, response: &mut zat_plugin_api::RenderResponse) {
    let (own, foreign): (Vec<_>, Vec<_>) = std::mem::take(&mut response.files)
        .into_iter()
        .partition(|file| zat_plugin_api::layout::unit_writes(unit, &file.path));
    response.files = own;
    for file in foreign {
        response.diagnostics.push(
            Diagnostic::error(
                CODE_PLUGIN_UNIT,
                format!(
                    "plugin {plugin} wrote {} in its call for {unit}, which may write only that unit's files",
                    file.path
                ),
            )
            .object(format!("plugin {plugin}"))
            .help("each unit call writes only its unit's paths (docs/plugins.md, section 3a): fix the plugin, or declare no `unit:` capability to be called once with the whole fleet"),
        );
    }
}

/// `f` over every item on up to `jobs` threads; results in item order. (A panic in `f` would
/// end the scope with that panic, so every slot is filled when the scope returns.)
fn parallel<T: Sync, R: Send + Default>(
    items: &[T],
    jobs: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let jobs = jobs.clamp(1, items.len().max(1));
    if jobs == 1 {
        return items.iter().enumerate().map(|(i, item)| f(i, item)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(i, item);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    slots.into_iter().map(|slot| slot.into_inner().ok().flatten().unwrap_or_default()).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use zat_plugin_api::Emitter as _;
    use zat_plugin_host::PluginSet;

    use super::*;

    /// An index plugin that writes, in its fleet call, the paths it was given.
    fn listed(request: &RenderRequest, name: &str) -> zat_plugin_api::RenderResponse {
        let mut response = zat_plugin_api::RenderResponse::default();
        if request.writes_fleet_files() {
            let paths: Vec<&str> = request.bundle.iter().map(|f| f.path.as_str()).collect();
            response.files.push(zat_plugin_api::OutputFile {
                path: format!("index/{name}.txt"),
                content: paths.join("\n"),
                target: None,
                placement: None,
            });
        }
        response
    }

    #[derive(Debug, Default)]
    struct OutlineIndex;

    impl zat_plugin_api::Emitter for OutlineIndex {
        const NAME: &'static str = "outlineindex";
        const VERSION: &'static str = "0.1.0";
        const PROVIDES: &'static [&'static str] = &[INDEX_PASS, INDEX_OUTLINE, UNIT_FLEET];
        fn render(
            &self,
            request: &RenderRequest,
        ) -> Result<zat_plugin_api::RenderResponse, zat_plugin_api::EmitError> {
            Ok(listed(request, Self::NAME))
        }
    }

    #[derive(Debug, Default)]
    struct EveryFileIndex;

    impl zat_plugin_api::Emitter for EveryFileIndex {
        const NAME: &'static str = "everyfileindex";
        const VERSION: &'static str = "0.1.0";
        const PROVIDES: &'static [&'static str] = &[INDEX_PASS, UNIT_FLEET];
        fn render(
            &self,
            request: &RenderRequest,
        ) -> Result<zat_plugin_api::RenderResponse, zat_plugin_api::EmitError> {
            Ok(listed(request, Self::NAME))
        }
    }

    /// A fleet index call that declares `index:outline` is given exactly the files outside
    /// the LPAR folders and the jobs inside them, whether or not another fleet index call
    /// needs every file; one that does not declare it is given every file of the render pass.
    #[test]
    fn a_fleet_index_call_gets_the_outline_it_asks_for_and_the_others_every_file() {
        let request = RenderRequest::new(zat_core::fixtures::multi().fleet, "test");
        let render_with = |builder: zat_plugin_host::PluginSetBuilder| {
            let set = builder.build().expect("plugins");
            let sink = MemorySink::default();
            let rendered = render(&set, &request, 2, &sink, None, &[], Held::new());
            assert!(rendered.failures().is_empty(), "{:?}", rendered.failures());
            let files = sink.files.into_inner().expect("files");
            files.into_iter().map(|f| (f.path.clone(), f)).collect::<BTreeMap<_, _>>()
        };
        let builder = || crate::builtins(PluginSet::builder()).builtin::<OutlineIndex>();
        let both = render_with(builder().builtin::<EveryFileIndex>());
        let alone = render_with(builder());
        let index = ["runbook", OutlineIndex::NAME, EveryFileIndex::NAME];
        let rendered: Vec<&BundleFile> =
            both.values().filter(|f| !index.contains(&f.emitter.as_str())).collect();
        let every: Vec<&str> = rendered.iter().map(|f| f.path.as_str()).collect();
        let is_job = |f: &BundleFile| {
            f.placement.as_ref().is_some_and(|p| p.destination == zat_model::Destination::Job)
        };
        let outline: Vec<&str> = rendered
            .iter()
            .filter(|f| !f.path.starts_with("lpars/") || is_job(f))
            .map(|f| f.path.as_str())
            .collect();
        // The outline holds the LPARs' jobs and leaves their other files out.
        assert!(outline.iter().any(|p| p.starts_with("lpars/")), "{outline:?}");
        assert!(outline.len() < every.len());
        let listed = |files: &BTreeMap<String, BundleFile>, name: &str| -> Vec<String> {
            let file = &files[&format!("index/{name}.txt")];
            String::from_utf8_lossy(&file.content).lines().map(str::to_owned).collect()
        };
        assert_eq!(listed(&both, EveryFileIndex::NAME), every);
        assert_eq!(listed(&both, OutlineIndex::NAME), outline);
        assert_eq!(listed(&alone, OutlineIndex::NAME), outline);
        // The runbook, which asks for the outline, writes the same fleet files either way.
        for path in ["README.md", "deploy/zowe.sh", "deploy/playbook.yml"] {
            assert_eq!(both[path].content, alone[path].content, "{path}");
        }
    }

    fn units(fleet: &zat_model::Fleet) -> Vec<Unit> {
        let databases =
            fleet.security_databases.iter().map(|db| Unit::Database { name: db.name.clone() });
        let lpars = fleet.lpars.iter().map(|l| Unit::Lpar { name: l.name.clone() });
        databases.chain(lpars).collect()
    }

    /// A unit's key is computed from digests of its parts, without building its request: it
    /// must change exactly when the request `for_unit` builds changes, whatever part of the
    /// fleet an edit touches.
    #[test]
    fn a_unit_key_changes_exactly_when_its_request_does() {
        let base = zat_core::fixtures::multi().fleet;
        type Edit = fn(&mut zat_model::Fleet);
        let edits: [(&str, Edit); 8] = [
            ("an LPAR's Policy Agent log level", |f| f.lpars[0].pagent.log_level += 1),
            ("a certificate of a database", |f| f.security_databases[0].certificates[0].size += 1),
            ("a ring of the other database", |f| {
                let db = f.security_databases.len() - 1;
                f.security_databases[db].keyrings[0].name.push('X');
            }),
            ("a z/OS Connect server", |f| f.zos_connect_servers[0].http_port += 1),
            ("where a server runs", |f| f.zos_connect_servers[1].lpar = Some("SYSB".into())),
            ("the server a requester calls", |f| {
                f.lpars[2].stacks[0].api_requesters[0].server = "ZCEEA".into();
            }),
            ("a site default", |f| f.defaults.job.name_prefix.push('Z')),
            ("a rule of the last LPAR", |f| {
                let lpar = f.lpars.len() - 1;
                let rule = &mut f.lpars[lpar].stacks[0].rules[0];
                rule.name = format!("{}X", rule.name).into();
            }),
        ];
        let request = |fleet: &zat_model::Fleet| RenderRequest::new(fleet.clone(), "test");
        let old = request(&base);
        let old_keys = Keys::new(&old);
        for (what, edit) in edits {
            let mut fleet = base.clone();
            edit(&mut fleet);
            let new = request(&fleet);
            let new_keys = Keys::new(&new);
            let mut changed = 0;
            for unit in units(&base) {
                let by_request =
                    digest(&old.for_unit(unit.clone())) != digest(&new.for_unit(unit.clone()));
                let by_key = old_keys.of(&unit) != new_keys.of(&unit);
                assert_eq!(by_key, by_request, "{what}: {unit}");
                changed += usize::from(by_key);
            }
            assert!(changed > 0, "{what} changes some unit");
        }
    }

    /// A unit holds the z/OS Connect servers that run on its LPARs and those its requesters
    /// call, not every server of the fleet: a server changed elsewhere renders none of it
    /// again.
    #[test]
    fn a_unit_holds_the_servers_its_lpars_run_or_call() {
        // ZCEEA runs on SYSA (PLEXA), which SYSA and SYSB call; ZCEEB runs on SYSC (PLEXB),
        // which SYSC calls.
        let base = zat_core::fixtures::multi().fleet;
        let whole = RenderRequest::new(base.clone(), "test");
        let servers = |unit: Unit| -> Vec<String> {
            let request = whole.for_unit(unit);
            request.fleet.zos_connect_servers.iter().map(|s| s.name.clone()).collect()
        };
        let database = |name: &str| Unit::Database { name: name.to_owned() };
        let lpar = |name: &str| Unit::Lpar { name: name.to_owned() };
        assert_eq!(servers(database("PLEXA")), ["ZCEEA"]);
        assert_eq!(servers(database("PLEXB")), ["ZCEEB"]);
        assert_eq!(servers(lpar("SYSA")), ["ZCEEA"]);
        assert_eq!(servers(lpar("SYSB")), ["ZCEEA"], "it calls ZCEEA, which its sibling runs");
        assert_eq!(servers(lpar("SYSC")), ["ZCEEB"]);
        assert_eq!(servers(Unit::Fleet), ["ZCEEA", "ZCEEB"]);
        // A server outside the fleet is in the units that call it only.
        let mut outside = base.clone();
        outside.zos_connect_servers[1].lpar = None;
        let whole = RenderRequest::new(outside, "test");
        let servers = |unit: Unit| whole.for_unit(unit).fleet.zos_connect_servers.len();
        assert_eq!(servers(database("PLEXB")), 0);
        assert_eq!(servers(lpar("SYSC")), 1);

        let mut edited = base.clone();
        edited.zos_connect_servers[1].http_port += 1;
        let (old, new) = (RenderRequest::new(base, "test"), RenderRequest::new(edited, "test"));
        let (old_keys, new_keys) = (Keys::new(&old), Keys::new(&new));
        let changed: Vec<String> = units(&old.fleet)
            .into_iter()
            .filter(|unit| old_keys.of(unit) != new_keys.of(unit))
            .map(|unit| unit.to_string())
            .collect();
        assert_eq!(changed, ["database PLEXB", "lpar SYSC"]);
    }

    /// The answers' warnings and notes go to disk while units render, and come back as they
    /// would have been in memory: the same diagnostics, in the same order, repeated ones once.
    #[test]
    fn held_diagnostics_come_back_as_they_were_in_memory() {
        let request = RenderRequest::new(zat_core::fixtures::multi().fleet, "test");
        let set = crate::builtins(PluginSet::builder()).build().expect("plugins");
        let run = |held: Held| {
            let sink = MemorySink::default();
            let mut rendered = render(&set, &request, 2, &sink, None, &[], held);
            let held = rendered.answers.iter().filter(|a| a.held.is_some()).count();
            let in_memory: usize = rendered.answers.iter().map(|a| a.diagnostics.len()).sum();
            let (all, lost) = rendered.take_diagnostics();
            assert!(lost.is_none(), "{lost:?}");
            (all, held, in_memory)
        };
        let (kept, none_held, _) = run(Held::default());
        let (read_back, held, left) = run(Held::new());
        assert_eq!(none_held, 0);
        assert!(held > 0, "no answer was held");
        assert_eq!(left, 0, "a held answer keeps no diagnostic in memory");
        assert!(!kept.is_empty());
        assert_eq!(read_back, kept);
    }

    /// A scratch file that cannot take what was held is never a silent loss: reading back
    /// says which plugin's warnings and notes are gone.
    #[test]
    fn held_diagnostics_that_cannot_be_read_back_are_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("scratch");
        std::fs::write(&path, "").expect("write");
        // Open for reading only: the buffered write succeeds, its flush fails.
        let file = std::fs::File::open(&path).expect("open");
        let held = Held { file: Mutex::new(Some((BufWriter::new(file), 0))) };
        let mut answer = Answer {
            plugin: "p".to_owned(),
            diagnostics: vec![Diagnostic::warning("ZAT0363", "a note")],
            ..Answer::default()
        };
        held.hold(&mut answer);
        assert!(answer.held.is_some() && answer.diagnostics.is_empty());
        let mut rendered = Rendered { answers: vec![answer], held };
        let (all, lost) = rendered.take_diagnostics();
        assert!(all.is_empty());
        let lost = lost.expect("the loss is reported");
        assert!(lost.contains("plugin `p`"), "{lost}");
    }
}
