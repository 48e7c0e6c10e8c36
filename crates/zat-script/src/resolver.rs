//! The import resolver: `import "lib/x" as x;` loads `lib/x.rhai` from the script's own folder
//! or a `--lib` folder, and nowhere else.
//!
//! Paths are refused when absolute or when they use `..`; a file found under a root is
//! canonicalised and refused when it lies outside that root (a symbolic link pointing out).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use rhai::module_resolvers::ModuleResolver;
use rhai::{Engine, EvalAltResult, Module, Position, Scope, Shared};

type SharedModule = Shared<Module>;

use crate::error::BuilderError;
use crate::handles::lock;
use crate::options::Mistakes;

/// A folder imports may come from: as the user named it (for messages and origins), and
/// canonicalised (for containment checks). `canonical` is `None` when the folder is missing.
struct Root {
    shown: PathBuf,
    canonical: Option<PathBuf>,
}

pub(crate) struct SandboxResolver {
    roots: Vec<Root>,
    /// Modules already loaded, by canonical path: each library runs once per script run.
    cache: Mutex<BTreeMap<PathBuf, SharedModule>>,
    /// Receives the text of every library loaded, so builders can point into it.
    mistakes: Arc<Mistakes>,
    /// The files being loaded right now, outermost first (the script itself when its path is
    /// known), canonical and as shown: an import of one of them is a cycle, which would
    /// otherwise recurse until the stack overflows.
    loading: Mutex<Vec<(PathBuf, String)>>,
    /// Largest library read, in bytes.
    max_size: u64,
}

impl SandboxResolver {
    /// `script` is the script as its origins name it, `folder` its own folder; `libs` are the
    /// `--lib` folders, in order.
    pub(crate) fn new(
        script: &str,
        folder: &Path,
        libs: &[PathBuf],
        max_size: usize,
        mistakes: &Arc<Mistakes>,
    ) -> Self {
        let roots = std::iter::once(folder)
            .chain(libs.iter().map(PathBuf::as_path))
            .map(|dir| Root { shown: dir.to_path_buf(), canonical: dir.canonicalize().ok() })
            .collect();
        let loading = Path::new(script)
            .canonicalize()
            .ok()
            .map(|file| (file, script.to_owned()))
            .into_iter()
            .collect();
        SandboxResolver {
            roots,
            cache: Mutex::new(BTreeMap::new()),
            mistakes: Arc::clone(mistakes),
            loading: Mutex::new(loading),
            max_size: max_size as u64,
        }
    }

    fn relative(path: &str) -> Result<PathBuf, BuilderError> {
        let refuse = |reason: &str| BuilderError::ImportRefused {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let mut relative = PathBuf::new();
        for component in Path::new(path).components() {
            match component {
                Component::Normal(part) => relative.push(part),
                Component::CurDir => {}
                Component::ParentDir => {
                    return Err(refuse("`..` may not be used in an import path"));
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(refuse("absolute paths may not be imported"));
                }
            }
        }
        if relative.as_os_str().is_empty() {
            return Err(refuse("the path is empty"));
        }
        if relative.extension().is_none() {
            relative.set_extension("rhai");
        }
        Ok(relative)
    }

    fn find(&self, path: &str) -> Result<(PathBuf, String), BuilderError> {
        let relative = Self::relative(path)?;
        for root in &self.roots {
            let Some(canonical_root) = &root.canonical else { continue };
            let candidate = canonical_root.join(&relative);
            if !candidate.is_file() {
                continue;
            }
            let file = candidate.canonicalize().map_err(|err| BuilderError::ImportUnreadable {
                file: candidate.display().to_string(),
                reason: err.to_string(),
            })?;
            if !file.starts_with(canonical_root) {
                return Err(BuilderError::ImportRefused {
                    path: path.to_owned(),
                    reason: format!(
                        "`{}` is a link to `{}`, outside `{}`",
                        root.shown.join(&relative).display(),
                        file.display(),
                        root.shown.display()
                    ),
                });
            }
            let shown = if root.shown == Path::new(".") {
                relative.clone()
            } else {
                root.shown.join(&relative)
            };
            return Ok((file, shown.display().to_string()));
        }
        let looked = self
            .roots
            .iter()
            .map(|root| format!("`{}`", root.shown.join(&relative).display()))
            .collect::<Vec<_>>()
            .join(", ");
        Err(BuilderError::ImportNotFound { path: path.to_owned(), looked })
    }
}

impl ModuleResolver for SandboxResolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        position: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        let (file, shown) = self.find(path).map_err(|err| err.into_rhai(position))?;
        if let Some(module) = lock(&self.cache).get(&file) {
            return Ok(Arc::clone(module));
        }
        {
            let mut loading = lock(&self.loading);
            if let Some(start) = loading.iter().position(|(f, _)| *f == file) {
                let mut cycle: Vec<&str> =
                    loading[start..].iter().map(|(_, s)| s.as_str()).collect();
                cycle.push(&shown);
                let cycle = cycle.join(" -> ");
                return Err(BuilderError::ImportCycle { cycle }.into_rhai(position));
            }
            loading.push((file.clone(), shown.clone()));
        }
        let loaded = self.load(engine, &file, &shown, position);
        lock(&self.loading).pop();
        let module = loaded?;
        lock(&self.cache).insert(file, Arc::clone(&module));
        Ok(module)
    }
}

impl SandboxResolver {
    fn load(
        &self,
        engine: &Engine,
        file: &Path,
        shown: &str,
        position: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        if let Ok(meta) = std::fs::metadata(file)
            && meta.len() > self.max_size
        {
            let reason =
                format!("it is {} bytes, more than the limit of {}", meta.len(), self.max_size);
            return Err(BuilderError::ImportUnreadable { file: shown.to_owned(), reason }
                .into_rhai(position));
        }
        let bytes = std::fs::read(file).map_err(|err| {
            BuilderError::ImportUnreadable { file: shown.to_owned(), reason: err.to_string() }
                .into_rhai(position)
        })?;
        let text = crate::script_text(bytes).map_err(|at| {
            BuilderError::ImportUnreadable { file: shown.to_owned(), reason: at.message() }
                .into_rhai(position)
        })?;
        let in_module = |err: Box<EvalAltResult>| {
            Box::new(EvalAltResult::ErrorInModule(shown.to_owned(), err, position))
        };
        self.mistakes.add_source(shown, &text);
        let mut ast = engine.compile(&text).map_err(|err| in_module(err.into()))?;
        ast.set_source(shown);
        Ok(Arc::new(Module::eval_ast_as_new(Scope::new(), &ast, engine).map_err(in_module)?))
    }
}
