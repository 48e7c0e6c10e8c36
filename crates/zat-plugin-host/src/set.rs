//! The set of plugins a run uses: built-ins, libraries from plugin folders, explicit choices.
//!
//! Plugin folders are absolute and not open to other users, nor is any folder above them; a
//! library must belong to the user or root and be writable by nobody else (the rules ssh
//! applies to its key files), otherwise it is refused before it is opened. With a lock, a
//! library must also hash to an entry of the lock file.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zat_plugin_api::{Emitter, RenderRequest, RenderResponse};

use crate::image::Image;
use crate::plugin::{is_bidi_control, printable};
use crate::{HostError, HostErrors, Lock, Plugin, PluginError, PluginOrigin, WorkerConfig};

/// Which of several plugins with one name to use (`--plugin NAME=builtin|off|PATH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// The one linked into zat.
    Builtin,
    /// The library at this path (loaded even when it is not in a plugin folder).
    Library(PathBuf),
    /// None: the plugin does not run.
    Off,
}

/// Parses `NAME=builtin`, `NAME=off` or `NAME=PATH`.
pub fn parse_choice(spec: &str) -> Result<(String, Choice), String> {
    let (name, value) = spec
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=builtin, NAME=off or NAME=PATH, got `{spec}`"))?;
    if name.is_empty() || value.is_empty() {
        return Err(format!("expected NAME=builtin, NAME=off or NAME=PATH, got `{spec}`"));
    }
    let choice = match value {
        "builtin" => Choice::Builtin,
        "off" => Choice::Off,
        path => Choice::Library(PathBuf::from(path)),
    };
    Ok((name.to_owned(), choice))
}

/// Collects where plugins come from, then [`build`](PluginSetBuilder::build)s the set.
#[derive(Debug, Default)]
pub struct PluginSetBuilder {
    builtins: Vec<Result<Plugin, PluginError>>,
    /// Each folder, whether it must exist, and where it was named.
    folders: Vec<(PathBuf, bool, &'static str)>,
    choices: BTreeMap<String, Choice>,
    worker: Option<WorkerConfig>,
    lock: Option<Result<Lock, HostError>>,
}

impl PluginSetBuilder {
    pub fn new() -> Self {
        PluginSetBuilder::default()
    }

    /// Adds a linked-in emitter.
    #[must_use]
    pub fn builtin<E: Emitter>(mut self) -> Self {
        self.builtins.push(Plugin::builtin::<E>());
        self
    }

    /// Adds a plugin folder given on the command line; a missing folder is an error, and so
    /// is a relative one.
    #[must_use]
    pub fn plugin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.folders.push((dir.into(), true, "--plugin-dir"));
        self
    }

    /// Adds the folders of a `ZAT_PLUGIN_PATH` value. Empty entries are skipped (they would
    /// mean the current directory, which is never searched), and so are missing folders; a
    /// relative entry is an error.
    #[must_use]
    pub fn plugin_path(mut self, value: Option<&OsStr>) -> Self {
        if let Some(value) = value {
            for dir in std::env::split_paths(value) {
                if !dir.as_os_str().is_empty() {
                    self.folders.push((dir, false, crate::PLUGIN_PATH_ENV));
                }
            }
        }
        self
    }

    /// Chooses which plugin named `name` runs when several are found (or turns it off). A
    /// library path is made absolute against the current directory, so that the system's
    /// library search never applies to it.
    #[must_use]
    pub fn choose(mut self, name: impl Into<String>, choice: Choice) -> Self {
        let choice = match choice {
            Choice::Library(path) => Choice::Library(std::path::absolute(&path).unwrap_or(path)),
            other => other,
        };
        self.choices.insert(name.into(), choice);
        self
    }

    /// Runs every plugin library in a worker process made by `config` instead of in this
    /// process; built-in emitters stay here.
    #[must_use]
    pub fn isolate(mut self, config: WorkerConfig) -> Self {
        self.worker = Some(config);
        self
    }

    /// Accepts only libraries whose sha256 is in the lock (checked before a library is
    /// opened), with the name and version the lock gives; every locked plugin must be found.
    /// An `Err` (the lock file could not be read) fails the build with that error.
    #[must_use]
    pub fn locked(mut self, lock: Result<Lock, HostError>) -> Self {
        self.lock = Some(lock);
        self
    }

    /// Loads every library and checks it, without resolving name clashes: every candidate
    /// (sorted by name, then origin) and every problem. `zat plugins lock` locks this.
    pub fn load_all(self) -> (Vec<Plugin>, Vec<HostError>) {
        let (mut candidates, errors) = self.load();
        candidates.sort_by(|a, b| (a.name(), a.origin()).cmp(&(b.name(), b.origin())));
        (candidates, errors)
    }

    fn load(&self) -> (Vec<Plugin>, Vec<HostError>) {
        let mut errors = Vec::new();
        let mut candidates: Vec<Plugin> = Vec::new();
        for builtin in &self.builtins {
            match builtin {
                Ok(plugin) => candidates.push(plugin.clone()),
                Err(e) => errors.push(HostError::Plugin(e.clone())),
            }
        }
        let lock = match &self.lock {
            None => None,
            Some(Ok(lock)) => Some(lock),
            Some(Err(e)) => {
                // The lock could not be read: load no library at all.
                errors.push(match e {
                    HostError::LockFile { path, message } => {
                        HostError::LockFile { path: path.clone(), message: message.clone() }
                    }
                    other => {
                        HostError::LockFile { path: PathBuf::new(), message: other.to_string() }
                    }
                });
                return (candidates, errors);
            }
        };
        let mut files = Vec::new();
        for (dir, required, from) in &self.folders {
            if !dir.is_absolute() {
                errors.push(HostError::RelativeFolder { path: dir.clone(), from });
                continue;
            }
            match library_files(dir) {
                Ok(found) => {
                    if let Some(reason) = folder_problem(dir) {
                        errors.push(HostError::UnsafeFolder { path: dir.clone(), reason });
                        continue;
                    }
                    files.extend(found);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {}
                Err(e) => {
                    errors.push(HostError::Folder { path: dir.clone(), message: e.to_string() })
                }
            }
        }
        for choice in self.choices.values() {
            if let Choice::Library(path) = choice
                && !files.contains(path)
            {
                files.push(path.clone());
            }
        }
        let mut locked_seen = BTreeSet::new();
        for file in files {
            if candidates.iter().any(|p| p.origin() == &PluginOrigin::Library(file.clone())) {
                continue;
            }
            if let Some(reason) = path_problem(&file) {
                errors.push(HostError::UnsafeLibrary { path: file, reason });
                continue;
            }
            // The file is read once, and everything below (owner and mode, the lock's hash,
            // the load) uses those bytes: a library put at the path meanwhile is never run.
            let image = match Image::read(&file) {
                Ok(image) => image,
                Err(e) => {
                    let message = e.to_string();
                    errors.push(PluginError::Open { path: file, message }.into());
                    continue;
                }
            };
            if let Some(reason) = image.metadata().and_then(|meta| file_problem(&file, meta)) {
                errors.push(HostError::UnsafeLibrary { path: file, reason });
                continue;
            }
            let entry = match lock {
                None => None,
                Some(lock) => match lock.find(image.sha256()) {
                    Some(entry) => Some(entry),
                    None => {
                        errors.push(HostError::NotLocked {
                            path: file,
                            sha256: image.sha256().to_owned(),
                            lock: lock.path().to_owned(),
                        });
                        continue;
                    }
                },
            };
            let loaded = match &self.worker {
                Some(config) => Plugin::spawn_image(&image, config),
                None => Plugin::load_image(&image),
            };
            match loaded {
                Ok(plugin) => {
                    if let Some(entry) = entry {
                        locked_seen.insert(entry.sha256.clone());
                        if entry.name != plugin.name() || entry.version != plugin.version() {
                            errors.push(HostError::LockMismatch {
                                path: file,
                                locked: format!("{} {}", entry.name, entry.version),
                                found: format!("{} {}", plugin.name(), plugin.version()),
                            });
                            continue;
                        }
                    }
                    candidates.push(plugin);
                }
                Err(e) => errors.push(e.into()),
            }
        }
        if let Some(lock) = lock {
            for entry in lock.entries() {
                if !locked_seen.contains(&entry.sha256) {
                    errors.push(HostError::LockedMissing {
                        name: entry.name.clone(),
                        version: entry.version.clone(),
                        lock: lock.path().to_owned(),
                    });
                }
            }
        }
        (candidates, errors)
    }

    /// Loads every library, checks it, and resolves name clashes. Reports every problem.
    pub fn build(self) -> Result<PluginSet, HostErrors> {
        let (plugins, errors) = self.resolve();
        if errors.is_empty() { Ok(PluginSet { plugins }) } else { Err(HostErrors(errors)) }
    }

    /// What [`build`](PluginSetBuilder::build) does, without stopping at a problem: the
    /// plugins that would run (sorted by name; none of a name that clashes or is turned off),
    /// and every problem, each of which fails a build. `zat plugins list` shows this, so that
    /// it lists what a build runs and refuses what a build refuses.
    pub fn resolve(self) -> (Vec<Plugin>, Vec<HostError>) {
        let (candidates, mut errors) = self.load();
        let mut by_name: BTreeMap<String, Vec<Plugin>> = BTreeMap::new();
        for plugin in candidates {
            by_name.entry(plugin.name().to_owned()).or_default().push(plugin);
        }
        for (name, choice) in &self.choices {
            if let Choice::Library(path) = choice {
                let loaded_as = by_name.iter().find(|(_, ps)| {
                    ps.iter().any(|p| p.origin() == &PluginOrigin::Library(path.clone()))
                });
                if let Some((found, _)) = loaded_as
                    && found != name
                {
                    errors.push(HostError::ChoiceNameMismatch {
                        name: name.clone(),
                        path: path.clone(),
                        found: found.clone(),
                    });
                }
            } else if !by_name.contains_key(name) {
                errors.push(match choice {
                    Choice::Builtin => HostError::NoBuiltin { name: name.clone() },
                    _ => HostError::UnknownChoice { name: name.clone() },
                });
            }
        }

        let mut plugins = Vec::new();
        for (name, mut group) in by_name {
            match self.choices.get(&name) {
                Some(Choice::Off) => {}
                Some(Choice::Builtin) => {
                    match group.into_iter().find(|p| p.origin() == &PluginOrigin::Builtin) {
                        Some(p) => plugins.push(p),
                        None => errors.push(HostError::NoBuiltin { name }),
                    }
                }
                Some(Choice::Library(path)) => {
                    let wanted = PluginOrigin::Library(path.clone());
                    if let Some(p) = group.into_iter().find(|p| p.origin() == &wanted) {
                        plugins.push(p);
                    }
                }
                None if group.len() == 1 => plugins.extend(group.pop()),
                None => {
                    group.sort_by(|a, b| a.origin().cmp(b.origin()));
                    errors.push(HostError::Clash {
                        name,
                        origins: group.iter().map(|p| p.origin().clone()).collect(),
                    });
                }
            }
        }
        (plugins, errors)
    }
}

/// Write access for other users than the owner: its group (0o020) or everyone (0o002).
#[cfg(unix)]
const OTHERS_WRITE: u32 = 0o022;

/// Who besides the owner may write a file of `mode`, and the `chmod` that takes it away.
#[cfg(unix)]
fn others_write(mode: u32) -> (&'static str, &'static str) {
    match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => ("by its group and by every user", "go-w"),
        (true, false) => ("by its group", "g-w"),
        _ => ("by every user", "o-w"),
    }
}

/// Why a plugin folder is refused, if it is: it is writable by its group or by every user, or
/// it belongs to another user; or a folder above it, up to `/`, is one that another user could
/// replace it in (see [`above_problem`]). Like ssh's check of the folders above its key files.
#[cfg(unix)]
fn folder_problem(dir: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(dir).ok()?;
    if meta.mode() & OTHERS_WRITE != 0 {
        let (who, chmod) = others_write(meta.mode());
        return Some(format!(
            "it is writable {who} (mode {:o}), so another user could put a library there; plugin folders must be writable by no other user, as ssh requires of its key folders: run `chmod {chmod} {}`",
            meta.mode() & 0o7777,
            dir.display()
        ));
    }
    if let Some(reason) = owner_problem(meta.uid()) {
        return Some(reason);
    }
    // The folders above the path as given and above the folder it resolves to: a link on the
    // way can be replaced by whoever may write the folder that holds the link.
    let real = std::fs::canonicalize(dir).ok()?;
    let mut seen = BTreeSet::new();
    let me = rustix::process::geteuid().as_raw();
    let problems: Vec<String> = dir
        .ancestors()
        .skip(1)
        .chain(real.ancestors().skip(1))
        .filter(|above| seen.insert(*above))
        .filter_map(|above| {
            let meta = std::fs::metadata(above).ok()?;
            above_problem(above, meta.mode(), meta.uid(), me)
        })
        .collect();
    (!problems.is_empty()).then(|| {
        format!(
            "{}; every folder above a plugin folder, up to `/`, must belong to you or root and be writable by no other user unless it has the sticky bit (like `/tmp`), as ssh requires of the folders above its key files",
            problems.join("; ")
        )
    })
}

/// Why the folder `above` (of `mode` and owner `uid`) would let another user than `me` replace
/// a plugin folder below it, if it would: it belongs to another user than `me` or root, or its
/// group or every user may write it and it has no sticky bit. The sticky bit (`/tmp`) excuses
/// write access of the group and of everyone: in such a folder only the owner of an entry (who
/// must be `me` or root, as the folders below are checked too), of the folder, or root may
/// rename or remove it.
#[cfg(unix)]
fn above_problem(above: &Path, mode: u32, uid: u32, me: u32) -> Option<String> {
    let shown = above.display();
    if uid != me && uid != 0 {
        return Some(format!(
            "the folder {shown} above it belongs to user id {uid}, neither you (user id {me}) nor root, who could replace the plugin folder; move the plugins, or `chown` that folder"
        ));
    }
    if mode & OTHERS_WRITE != 0 && mode & 0o1000 == 0 {
        let (who, chmod) = others_write(mode);
        return Some(format!(
            "the folder {shown} above it is writable {who} without the sticky bit (mode {:o}), so another user could replace the plugin folder: run `chmod {chmod} {shown}`",
            mode & 0o7777
        ));
    }
    None
}

#[cfg(not(unix))]
fn folder_problem(_dir: &Path) -> Option<String> {
    None
}

/// Why a library path is refused, if it is: a control or bidirectional formatting character
/// in its name.
fn path_problem(path: &Path) -> Option<String> {
    let name = path.to_string_lossy();
    name.chars().any(|c| c.is_control() || is_bidi_control(c)).then(|| {
        "its path contains a control or bidirectional formatting character, which can disguise what is loaded"
            .to_owned()
    })
}

/// Why a library file is refused, if it is, from the metadata of the open file (the file a
/// link points at, which is what is read): an owner other than the user or root, or write
/// access for every user.
fn file_problem(path: &Path, meta: &std::fs::Metadata) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if meta.mode() & OTHERS_WRITE != 0 {
            let (who, chmod) = others_write(meta.mode());
            return Some(format!(
                "it is writable {who} (mode {:o}), so another user could change what zat runs; plugin libraries must be writable by no other user: run `chmod {chmod} {}`",
                meta.mode() & 0o7777,
                path.display()
            ));
        }
        if let Some(reason) = owner_problem(meta.uid()) {
            return Some(reason);
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta);
    None
}

/// Plugin files and folders must belong to the user running zat or to root.
#[cfg(unix)]
fn owner_problem(uid: u32) -> Option<String> {
    let me = rustix::process::geteuid().as_raw();
    (uid != me && uid != 0).then(|| {
        format!("it belongs to user id {uid}, neither you (user id {me}) nor root; check who put it there, then `chown` it")
    })
}

/// Library files of one folder: regular files with this platform's dynamic-library suffix,
/// sorted, so that the order of loading (and of any error) does not depend on the file system.
fn library_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_library = path
            .file_name()
            .and_then(OsStr::to_str)
            .is_some_and(|n| n.ends_with(std::env::consts::DLL_SUFFIX) && !n.starts_with('.'));
        if is_library && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The plugins of one run, sorted by name; each name at most once.
#[derive(Debug, Clone, Default)]
pub struct PluginSet {
    plugins: Vec<Plugin>,
}

/// One plugin's answer to a render request.
#[derive(Debug)]
pub struct Rendered<'a> {
    pub plugin: &'a Plugin,
    pub result: Result<RenderResponse, PluginError>,
    /// What the plugin printed during the call (captured in its worker; control characters
    /// replaced), to be shown as the plugin's. Empty for a plugin in this process.
    pub output: String,
    /// How long the plugin took to answer.
    pub elapsed: Duration,
}

impl PluginSet {
    pub fn builder() -> PluginSetBuilder {
        PluginSetBuilder::new()
    }

    pub fn plugins(&self) -> &[Plugin] {
        &self.plugins
    }

    pub fn is_empty(&self) -> bool {
        self.plugins.is_empty()
    }

    /// The plugins for which `first` holds, and the others, each in name order.
    pub fn split(&self, first: impl Fn(&Plugin) -> bool) -> (PluginSet, PluginSet) {
        let (a, b) = self.plugins.iter().cloned().partition(|p| first(p));
        (PluginSet { plugins: a }, PluginSet { plugins: b })
    }

    /// Serialises `request` once and sends the same bytes to every plugin, on up to `jobs`
    /// threads. Answers come back in plugin (name) order whatever the threads did.
    ///
    /// A diagnostic origin a plugin returns must name a file of the fleet's script (one that
    /// appears as an origin in the request); any other is dropped, so that a plugin cannot
    /// make zat show lines of an unrelated file.
    pub fn render_all(
        &self,
        request: &RenderRequest,
        jobs: usize,
    ) -> Result<Vec<Rendered<'_>>, HostError> {
        let bytes = serde_json::to_vec(request).map_err(|e| HostError::Request(e.to_string()))?;
        let jobs = jobs.clamp(1, self.plugins.len().max(1));
        type Slot = Mutex<Option<(Result<RenderResponse, PluginError>, String, Duration)>>;
        let slots: Vec<Slot> = self.plugins.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let work = || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(plugin) = self.plugins.get(i) else { break };
                let started = Instant::now();
                let (result, output) = plugin.render_with_output(&bytes);
                let answer = (result, output, started.elapsed());
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(answer);
                }
            }
        };
        if jobs == 1 {
            work();
        } else {
            std::thread::scope(|scope| {
                for _ in 0..jobs {
                    scope.spawn(work);
                }
            });
        }
        let mut allowed: Option<BTreeSet<String>> = None;
        Ok(self
            .plugins
            .iter()
            .zip(slots)
            .map(|(plugin, slot)| {
                let (mut result, output, elapsed) =
                    slot.into_inner().ok().flatten().unwrap_or_else(|| {
                        let error = PluginError::Failed {
                            name: plugin.name().to_owned(),
                            origin: plugin.origin().clone(),
                            status: zat_plugin_api::abi::STATUS_INTERNAL,
                            message: "the render thread stopped before it answered".to_owned(),
                        };
                        (Err(error), String::new(), Duration::ZERO)
                    });
                if let Ok(response) = &mut result {
                    if response.diagnostics.iter().any(|d| d.origin.is_some()) {
                        let allowed = allowed.get_or_insert_with(|| origin_files(&request.fleet));
                        sanitize_diagnostics(response, allowed);
                    } else {
                        sanitize_diagnostics(response, &BTreeSet::new());
                    }
                }
                Rendered { plugin, result, output, elapsed }
            })
            .collect())
    }
}

/// Makes a plugin's diagnostics safe to show: control and bidirectional characters escaped,
/// and an origin outside `allowed` (the files of the fleet script, [`origin_files`]) dropped
/// with a note, so that a plugin cannot make zat show lines of an unrelated file.
pub fn sanitize_diagnostics(response: &mut RenderResponse, allowed: &BTreeSet<String>) {
    for diagnostic in &mut response.diagnostics {
        diagnostic.code = printable(&diagnostic.code);
        diagnostic.message = printable(&diagnostic.message);
        diagnostic.object = printable(&diagnostic.object);
        diagnostic.help = diagnostic.help.as_deref().map(printable);
        let Some(origin) = &diagnostic.origin else { continue };
        // `Origin::default()` (no file) is a plugin saying "nowhere", not a misplaced origin.
        if origin.file.is_empty() {
            diagnostic.origin = None;
        } else if !allowed.contains(&*origin.file) {
            diagnostic.message = format!(
                "{} (the plugin placed this at {:?}, which is not a file of the fleet script; that origin is dropped)",
                diagnostic.message, origin.file
            );
            diagnostic.origin = None;
        }
    }
}

/// Every file named by an origin in the fleet: the fleet script and its imports. The fleet's
/// strings are visited, not formatted as JSON (tens of MB at thousands of LPARs), and the
/// `file` of each `Origin` kept.
pub fn origin_files(fleet: &zat_plugin_api::model::Fleet) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    zat_plugin_api::model::strings::any_string(fleet, |place, text| {
        if place.container == "Origin" && place.field == "file" && !files.contains(text) {
            files.insert(text.to_owned());
        }
        false
    });
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::{name_problem, plugin_name_problem};

    /// A plugin with no place for a finding (`Origin::default()`) gets no origin, and no note
    /// that it placed the finding outside the script; a real file outside it still does.
    #[test]
    fn an_empty_origin_is_no_origin_and_no_note() {
        use zat_plugin_api::model::{Diagnostic, Origin};
        let mut response = RenderResponse::default();
        response.diagnostics.push(Diagnostic::error("ZAT0340", "bad card").at(&Origin::default()));
        response
            .diagnostics
            .push(Diagnostic::error("ZAT0340", "elsewhere").at(&Origin::new("/etc/x", 1, 1)));
        sanitize_diagnostics(&mut response, &BTreeSet::new());
        assert_eq!(response.diagnostics[0].message, "bad card");
        assert_eq!(response.diagnostics[0].origin, None);
        assert!(response.diagnostics[1].message.contains("that origin is dropped"));
        assert_eq!(response.diagnostics[1].origin, None);
    }

    /// The files of the fleet's origins, whichever object holds them, as a walk of the
    /// fleet's JSON finds them; a value that spells an origin in its text is not one.
    #[test]
    fn origin_files_are_the_files_of_the_fleets_origins() {
        use zat_plugin_api::model::Origin;
        fn walk(value: &serde_json::Value, files: &mut BTreeSet<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(file) = map.get("origin").and_then(|o| o.get("file")) {
                        files.insert(file.as_str().expect("a file name").to_owned());
                    }
                    map.values().for_each(|v| walk(v, files));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, files)),
                _ => {}
            }
        }
        let at = |file: &str| Origin::new(std::sync::Arc::from(file), 1, 1);
        let mut fleet = crate::coverage::tests::fleet();
        fleet.name = r#""origin":{"file":"fake.rhai"}"#.to_owned();
        fleet.origin = at("fleet.rhai");
        let mut lpar = crate::coverage::tests::lpar("SYS1", "PLEXR");
        lpar.origin = at("lib/a \"b\" \\c.rhai");
        fleet.lpars = vec![lpar];
        let mut expected = BTreeSet::new();
        walk(&serde_json::to_value(&fleet).expect("json"), &mut expected);
        assert!(expected.contains("lib/a \"b\" \\c.rhai") && !expected.contains("fake.rhai"));
        assert_eq!(origin_files(&fleet), expected);
    }

    #[test]
    fn choices_parse() {
        assert_eq!(parse_choice("racf=builtin"), Ok(("racf".to_owned(), Choice::Builtin)));
        assert_eq!(parse_choice("acf2=off"), Ok(("acf2".to_owned(), Choice::Off)));
        assert_eq!(
            parse_choice("acf2=site/libacf2.so"),
            Ok(("acf2".to_owned(), Choice::Library(PathBuf::from("site/libacf2.so"))))
        );
        assert!(parse_choice("acf2").is_err());
        assert!(parse_choice("=builtin").is_err());
        assert!(parse_choice("acf2=").is_err());
    }

    #[test]
    fn a_missing_plugin_dir_is_an_error_but_a_missing_path_entry_is_not() {
        let missing = std::env::temp_dir().join("zat-no-such-plugin-folder");
        let errors = PluginSetBuilder::new().plugin_dir(&missing).build().expect_err("missing");
        assert!(matches!(errors.0.as_slice(), [HostError::Folder { .. }]));
        let set = PluginSetBuilder::new()
            .plugin_path(Some(missing.as_os_str()))
            .build()
            .expect("a stale ZAT_PLUGIN_PATH entry is skipped");
        assert!(set.is_empty());
    }

    #[test]
    fn relative_plugin_folders_are_refused() {
        let errors = PluginSetBuilder::new().plugin_dir("site/plugins").build().expect_err("rel");
        assert!(errors.to_string().contains("--plugin-dir"), "{errors}");
        let errors = PluginSetBuilder::new()
            .plugin_path(Some(OsStr::new("plugins")))
            .build()
            .expect_err("relative");
        assert!(errors.to_string().contains("ZAT_PLUGIN_PATH"), "{errors}");
        assert!(errors.to_string().contains("must be absolute"), "{errors}");
    }

    #[cfg(unix)]
    #[test]
    fn a_world_writable_folder_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
        let errors = PluginSetBuilder::new().plugin_dir(dir.path()).build().expect_err("o+w");
        assert!(errors.to_string().contains("writable by its group and by every user"), "{errors}");
        assert!(errors.to_string().contains("chmod go-w"), "{errors}");
    }

    /// "Writable by no other user" holds for the group too, as ssh requires: a member of the
    /// folder's or the library's group could otherwise put in or change a library.
    #[cfg(unix)]
    #[test]
    fn a_group_writable_folder_or_library_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |path: &Path, mode: u32| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
        };
        let dir = tempfile::tempdir().expect("temp dir");
        mode(dir.path(), 0o775);
        let errors = PluginSetBuilder::new().plugin_dir(dir.path()).build().expect_err("g+w");
        let text = errors.to_string();
        assert!(text.contains("writable by its group (mode 775)"), "{text}");
        assert!(text.contains(&format!("chmod g-w {}", dir.path().display())), "{text}");

        mode(dir.path(), 0o755);
        let library = dir.path().join(format!("libx{}", std::env::consts::DLL_SUFFIX));
        std::fs::write(&library, b"not even a library").expect("write");
        mode(&library, 0o664);
        let errors = PluginSetBuilder::new().plugin_dir(dir.path()).build().expect_err("g+w");
        let text = errors.to_string();
        assert!(text.contains("refusing plugin library"), "{text}");
        assert!(text.contains("writable by its group (mode 664)"), "{text}");
        assert!(text.contains(&format!("chmod g-w {}", library.display())), "{text}");
    }

    /// Every folder above a plugin folder, up to `/`, is checked as ssh checks the folders
    /// above its key files: one that its group or every user may write, without the sticky bit,
    /// lets another user replace the plugin folder. A link's folder counts as one above.
    #[cfg(unix)]
    #[test]
    fn a_folder_above_that_others_may_write_is_refused_unless_sticky() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |path: &Path, mode: u32| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
        };
        let top = tempfile::tempdir().expect("temp dir");
        let shared = top.path().join("shared");
        let plugins = shared.join("plugins");
        std::fs::create_dir_all(&plugins).expect("mkdir");
        mode(&plugins, 0o755);
        let refusal = |dir: &Path| {
            PluginSetBuilder::new().plugin_dir(dir).build().expect_err("refused").to_string()
        };
        for (bits, who, chmod) in [
            (0o775, "by its group", "g-w"),
            (0o757, "by every user", "o-w"),
            (0o777, "by its group and by every user", "go-w"),
        ] {
            mode(&shared, bits);
            let text = refusal(&plugins);
            let said = format!(
                "the folder {} above it is writable {who} without the sticky bit (mode {bits:o})",
                shared.display()
            );
            assert!(text.contains(&said), "{text}");
            assert!(text.contains(&format!("chmod {chmod} {}", shared.display())), "{text}");
            assert!(text.contains("up to `/`"), "{text}");
        }
        // In a sticky folder only an entry's owner (here: you) may rename or remove it.
        for bits in [0o1775, 0o1777, 0o755] {
            mode(&shared, bits);
            let set = PluginSetBuilder::new().plugin_dir(&plugins).build();
            assert!(set.is_ok_and(|s| s.is_empty()), "mode {bits:o}");
        }

        // A link to the plugin folder in a group-writable folder: its folder could be given
        // another link.
        let links = top.path().join("links");
        std::fs::create_dir(&links).expect("mkdir");
        mode(&links, 0o775);
        std::os::unix::fs::symlink(&plugins, links.join("plugins")).expect("symlink");
        let text = refusal(&links.join("plugins"));
        assert!(text.contains(&format!("the folder {} above it", links.display())), "{text}");
        assert!(text.contains(&format!("chmod g-w {}", links.display())), "{text}");
    }

    /// A folder above that belongs to another user than you or root is refused (tested on the
    /// rule, since only root can give a folder away), and so is one that others may write.
    #[cfg(unix)]
    #[test]
    fn a_folder_above_of_another_user_is_refused() {
        let at = Path::new("/srv/zat");
        let theirs = above_problem(at, 0o755, 4242, 1000).expect("another user's folder");
        assert!(theirs.contains("/srv/zat above it belongs to user id 4242"), "{theirs}");
        assert!(theirs.contains("neither you (user id 1000) nor root"), "{theirs}");
        assert_eq!(above_problem(at, 0o755, 0, 1000), None);
        assert_eq!(above_problem(at, 0o755, 1000, 1000), None);
        assert_eq!(above_problem(at, 0o1777, 0, 1000), None);
        assert_eq!(above_problem(at, 0o1770, 1000, 1000), None);
        let open = above_problem(at, 0o770, 0, 1000).expect("group-writable");
        assert!(open.contains("writable by its group without the sticky bit"), "{open}");
        // Another user's sticky folder is still theirs: its owner may replace what it holds.
        assert!(above_problem(at, 0o1777, 4242, 1000).is_some());
    }

    #[test]
    fn names_with_control_or_bidi_characters_are_refused() {
        assert_eq!(name_problem("acf2"), None);
        assert!(name_problem("a\nb").is_some());
        assert!(name_problem("a\u{202E}b").is_some());
        assert!(name_problem("").is_some());
        assert!(path_problem(Path::new("/x/lib\u{202E}os.so")).is_some());
        // A version has dots; a name may not: it ends at the first `.` of a plugin option.
        assert_eq!(name_problem("1.0.0"), None);
        assert_eq!(plugin_name_problem("site-inventory_2"), None);
        let dot = plugin_name_problem("a.b").expect("a dot in a name is refused");
        assert!(dot.contains("--plugin-option NAME.KEY=VALUE"), "{dot}");
    }

    #[test]
    fn choosing_an_unknown_plugin_is_an_error() {
        let errors =
            PluginSetBuilder::new().choose("nope", Choice::Off).build().expect_err("unknown");
        assert!(errors.to_string().contains("`--plugin nope=…` names no plugin"), "{errors}");
    }
}
