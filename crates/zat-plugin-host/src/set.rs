//! The set of plugins a run uses: built-ins, libraries from plugin folders, explicit choices.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zat_plugin_api::{Emitter, RenderRequest, RenderResponse};

use crate::{HostError, HostErrors, Plugin, PluginError, PluginOrigin};

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
    folders: Vec<(PathBuf, bool)>,
    choices: BTreeMap<String, Choice>,
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

    /// Adds a plugin folder given on the command line; a missing folder is an error.
    #[must_use]
    pub fn plugin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.folders.push((dir.into(), true));
        self
    }

    /// Adds the folders of a `ZAT_PLUGIN_PATH` value. Empty entries are skipped (they would
    /// mean the current directory, which is never searched), and so are missing folders.
    #[must_use]
    pub fn plugin_path(mut self, value: Option<&OsStr>) -> Self {
        if let Some(value) = value {
            for dir in std::env::split_paths(value) {
                if !dir.as_os_str().is_empty() {
                    self.folders.push((dir, false));
                }
            }
        }
        self
    }

    /// Chooses which plugin named `name` runs when several are found (or turns it off).
    #[must_use]
    pub fn choose(mut self, name: impl Into<String>, choice: Choice) -> Self {
        self.choices.insert(name.into(), choice);
        self
    }

    /// Loads every library and checks it, without resolving name clashes: every candidate
    /// (sorted by name, then origin) and every problem. `zat plugins list` shows this.
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
        let mut files = Vec::new();
        for (dir, required) in &self.folders {
            match library_files(dir) {
                Ok(found) => files.extend(found),
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
        for file in files {
            if candidates.iter().any(|p| p.origin() == &PluginOrigin::Library(file.clone())) {
                continue;
            }
            match Plugin::load(&file) {
                Ok(plugin) => candidates.push(plugin),
                Err(e) => errors.push(e.into()),
            }
        }

        (candidates, errors)
    }

    /// Loads every library, checks it, and resolves name clashes. Reports every problem.
    pub fn build(self) -> Result<PluginSet, HostErrors> {
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
        if errors.is_empty() { Ok(PluginSet { plugins }) } else { Err(HostErrors(errors)) }
    }
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
    /// How long the plugin took to answer.
    pub elapsed: Duration,
}

/// Renders with one plugin and times it.
fn timed(plugin: &Plugin, bytes: &[u8]) -> (Result<RenderResponse, PluginError>, Duration) {
    let started = Instant::now();
    let result = plugin.render(bytes);
    (result, started.elapsed())
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
    pub fn render_all(
        &self,
        request: &RenderRequest,
        jobs: usize,
    ) -> Result<Vec<Rendered<'_>>, HostError> {
        let bytes = serde_json::to_vec(request).map_err(|e| HostError::Request(e.to_string()))?;
        let jobs = jobs.clamp(1, self.plugins.len().max(1));
        if jobs == 1 {
            return Ok(self
                .plugins
                .iter()
                .map(|plugin| {
                    let (result, elapsed) = timed(plugin, &bytes);
                    Rendered { plugin, result, elapsed }
                })
                .collect());
        }
        let next = AtomicUsize::new(0);
        type Slot = Mutex<Option<(Result<RenderResponse, PluginError>, Duration)>>;
        let slots: Vec<Slot> = self.plugins.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(plugin) = self.plugins.get(i) else { break };
                        let answer = timed(plugin, &bytes);
                        if let Ok(mut slot) = slots[i].lock() {
                            *slot = Some(answer);
                        }
                    }
                });
            }
        });
        Ok(self
            .plugins
            .iter()
            .zip(slots)
            .map(|(plugin, slot)| {
                let (result, elapsed) = slot.into_inner().ok().flatten().unwrap_or_else(|| {
                    let error = PluginError::Failed {
                        name: plugin.name().to_owned(),
                        origin: plugin.origin().clone(),
                        status: zat_plugin_api::abi::STATUS_INTERNAL,
                        message: "the render thread stopped before it answered".to_owned(),
                    };
                    (Err(error), Duration::ZERO)
                });
                Rendered { plugin, result, elapsed }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn choosing_an_unknown_plugin_is_an_error() {
        let errors =
            PluginSetBuilder::new().choose("nope", Choice::Off).build().expect_err("unknown");
        assert!(errors.to_string().contains("`--plugin nope=…` names no plugin"), "{errors}");
    }
}
