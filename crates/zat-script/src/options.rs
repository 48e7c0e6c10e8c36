//! Checked options maps: every key a script passes in `#{ ... }` must be one the builder's row
//! in `spec.rs` declares, and every value must have the declared kind.
//!
//! A mistake in an options map does not stop the script: it is recorded as a diagnostic at the
//! key or value at fault (found in the source by `locate.rs`), the option takes its default,
//! and the script goes on, so one run reports every independent mistake. A key that was at
//! fault is remembered, so that the builder does not add a second diagnostic about it ("needs
//! the option") when the defaulted value leaves it empty.
//!
//! Accessors return `Err` only for internal errors: a builder reading an option its row does
//! not declare, or as another kind. The tests read every declared option, so these never reach
//! a user.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use rhai::{Dynamic, Map, NativeCallContext};
use zat_model::{Diagnostic, Origin};

use crate::diagnose::closest;
use crate::error::BuilderError;
use crate::handles::{
    CertificateHandle, DatabaseHandle, FleetHandle, KeyringHandle, LevelHandle, LparHandle,
    ServerHandle, StackHandle, lock,
};
use crate::locate::{Part, locate};
use crate::spec::{Absent, Kind, Opt, Words};

/// The mistakes recorded during one script run, and the text of every file the run read (the
/// main script and its libraries), to find keys in.
#[derive(Default)]
pub(crate) struct Mistakes {
    diagnostics: Mutex<Vec<Diagnostic>>,
    sources: Mutex<BTreeMap<String, Arc<str>>>,
    /// One shared name per file the run's calls come from, for every origin.
    files: zat_model::SharedNames,
}

impl Mistakes {
    pub(crate) fn add_source(&self, name: &str, text: &str) {
        lock(&self.sources).insert(name.to_owned(), Arc::from(text));
    }

    fn source(&self, name: &str) -> Option<Arc<str>> {
        lock(&self.sources).get(name).cloned()
    }

    pub(crate) fn record(&self, diagnostic: Diagnostic) {
        lock(&self.diagnostics).push(diagnostic);
    }

    /// Every recorded diagnostic once (a function called in a loop repeats its mistakes), by
    /// file in the order files first appear, then by line and column.
    pub(crate) fn take(&self, fatal: Option<Diagnostic>) -> Vec<Diagnostic> {
        let mut all = std::mem::take(&mut *lock(&self.diagnostics));
        all.extend(fatal);
        let mut seen = BTreeSet::new();
        let mut unique: Vec<Diagnostic> = Vec::new();
        for diagnostic in all {
            let origin = diagnostic.origin.as_ref().map(|o| (o.file.clone(), o.line, o.column));
            if seen.insert((diagnostic.code.clone(), diagnostic.message.clone(), origin)) {
                unique.push(diagnostic);
            }
        }
        let mut files: Vec<Arc<str>> = Vec::new();
        for origin in unique.iter().filter_map(|d| d.origin.as_ref()) {
            if !files.contains(&origin.file) {
                files.push(origin.file.clone());
            }
        }
        let key = |d: &Diagnostic| {
            d.origin.as_ref().map(|o| {
                (files.iter().position(|f| *f == o.file).unwrap_or(usize::MAX), o.line, o.column)
            })
        };
        unique.sort_by_key(|d| key(d).unwrap_or((usize::MAX, u32::MAX, u32::MAX)));
        unique
    }
}

/// One builder call: where it was written, and where its mistakes go.
#[derive(Clone)]
pub(crate) struct Call {
    pub(crate) origin: Origin,
    mistakes: Arc<Mistakes>,
}

impl Call {
    /// The call's position in the file that holds the call (a library's functions report
    /// their own file). The engine's tag holds the main script's name for calls without a
    /// source.
    pub(crate) fn new(ctx: &NativeCallContext, mistakes: &Arc<Mistakes>) -> Self {
        let position = ctx.call_position();
        let file = match ctx.call_source() {
            Some(source) => mistakes.files.get(source),
            None => {
                let tag = ctx.tag().and_then(|tag| tag.clone().into_immutable_string().ok());
                mistakes.files.get(tag.as_deref().unwrap_or(""))
            }
        };
        let number = |n: Option<usize>| n.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
        let origin = Origin::new(file, number(position.line()), number(position.position()));
        Call { origin, mistakes: Arc::clone(mistakes) }
    }

    /// Records `err` at `part` of the option at `path` when the source shows it, else at the
    /// call.
    pub(crate) fn report(&self, err: &BuilderError, path: &[&str], part: Option<Part>) {
        let origin = part
            .and_then(|part| {
                let source = self.mistakes.source(&self.origin.file)?;
                let line = usize::try_from(self.origin.line).ok()?;
                let column = usize::try_from(self.origin.column).ok()?;
                let (line, column) = locate(&source, line, column, path, part)?;
                let number = |n: usize| u32::try_from(n).ok();
                Some(Origin::new(Arc::clone(&self.origin.file), number(line)?, number(column)?))
            })
            .unwrap_or_else(|| self.origin.clone());
        let mut diagnostic = Diagnostic::error(err.code(), err.to_string()).at(&origin);
        if let Some(help) = err.help() {
            diagnostic = diagnostic.help(help);
        }
        self.mistakes.record(diagnostic);
    }
}

/// How a value reads in an error message ("a string", "a key ring", ...).
pub(crate) fn describe(value: &Dynamic) -> &'static str {
    if value.is_unit() {
        "nothing (`()`)"
    } else if value.is_string() || value.is_char() {
        "a string"
    } else if value.is_int() {
        "an integer"
    } else if value.is_float() {
        "a decimal number"
    } else if value.is_bool() {
        "a boolean"
    } else if value.is_array() {
        "an array"
    } else if value.is_map() {
        "an object map"
    } else if value.is::<FleetHandle>() {
        "a fleet"
    } else if value.is::<DatabaseHandle>() {
        "a security database"
    } else if value.is::<CertificateHandle>() {
        "a certificate"
    } else if value.is::<KeyringHandle>() {
        "a key ring"
    } else if value.is::<LevelHandle>() {
        "a security level"
    } else if value.is::<ServerHandle>() {
        "a z/OS Connect server"
    } else if value.is::<LparHandle>() {
        "an LPAR"
    } else if value.is::<StackHandle>() {
        "a TCP/IP stack"
    } else if value.is_fnptr() {
        "a function pointer"
    } else {
        "a value of another type"
    }
}

/// The options map of one builder call (or one nested map of it), consumed key by key.
pub(crate) struct Options {
    /// How messages name the builder: `lpar`, or `lpar.pagent` for a nested map.
    builder: String,
    /// Keys from the call's map down to this one (empty for the call's own map).
    path: Vec<&'static str>,
    spec: &'static [Opt],
    map: Map,
    call: Call,
    /// Keys whose value was at fault (and so took its default).
    faulty: BTreeSet<&'static str>,
    /// False for a nested map the script left out or wrote as something else.
    given: bool,
}

fn is_literal(default: &Absent) -> bool {
    matches!(default, Absent::Text(_) | Absent::Int(_) | Absent::Bool(_) | Absent::Word(_))
}

impl Options {
    /// Checks every key against the declared options; each unknown key is recorded at the key.
    pub(crate) fn new(call: &Call, builder: &str, spec: &'static [Opt], map: Map) -> Self {
        Self::at(call.clone(), builder.to_owned(), Vec::new(), spec, map, true)
    }

    fn at(
        call: Call,
        builder: String,
        path: Vec<&'static str>,
        spec: &'static [Opt],
        map: Map,
        given: bool,
    ) -> Self {
        let mut options =
            Options { builder, path, spec, map, call, faulty: BTreeSet::new(), given };
        let unknown: Vec<String> = options
            .map
            .keys()
            .filter(|key| !spec.iter().any(|opt| opt.key == key.as_str()))
            .map(|key| key.to_string())
            .collect();
        for key in unknown {
            let mut path: Vec<&str> = options.path.clone();
            path.push(&key);
            let err = BuilderError::UnknownOption {
                builder: options.builder.clone(),
                key: key.clone(),
                accepted: spec.iter().map(|opt| opt.key).collect(),
            };
            options.call.report(&err, &path, Some(Part::Key));
            // A misspelt key is the option it was meant to be: that option is not missing
            // too (`hots: "h"` is one mistake, not also "needs the option `host`").
            if let Some(meant) = closest(&key, spec.iter().map(|opt| opt.key)) {
                options.faulty.insert(meant);
            }
        }
        options
    }

    /// Records a mistake about option `key` at `part` of it (at the call for `None`).
    fn fault(&mut self, key: &'static str, err: &BuilderError, part: Option<Part>) {
        self.faulty.insert(key);
        let mut path = self.path.clone();
        path.push(key);
        self.call.report(err, &path, part);
    }

    /// Records a mistake that is not about one option (another database's certificate, ...).
    pub(crate) fn report(&self, err: &BuilderError) {
        self.call.report(err, &[], None);
    }

    /// The declared option `key`, when its kind and default suit the accessor reading it.
    fn declared(
        &self,
        key: &str,
        reading: &str,
        kind: fn(&Kind) -> bool,
        default: fn(&Absent) -> bool,
    ) -> Result<&'static Opt, BuilderError> {
        self.spec
            .iter()
            .find(|opt| opt.key == key && kind(&opt.kind) && default(&opt.default))
            .ok_or_else(|| BuilderError::Internal {
                message: format!(
                    "{}() reads option `{key}` as {reading}, which its reference row does not declare",
                    self.builder
                ),
            })
    }

    /// The value of option `key`, taken out of the map. A value of `()` is a mistake: it is
    /// what rhai gives for a map key that does not exist (`ports.cisc` for `ports.cics`), so
    /// leaving the option out silently could widen a rule to every port.
    fn take(&mut self, key: &str) -> Option<Dynamic> {
        let value = self.map.remove(key)?;
        if !value.is_unit() {
            return Some(value);
        }
        if let Some(opt) = self.spec.iter().find(|opt| opt.key == key) {
            let err = self.wrong(opt, &value);
            self.fault(opt.key, &err, Some(Part::Value));
        }
        None
    }

    fn wrong(&self, opt: &Opt, found: &Dynamic) -> BuilderError {
        BuilderError::WrongType {
            builder: self.builder.clone(),
            key: opt.key.to_owned(),
            expected: opt.kind.expected(),
            found: describe(found),
        }
    }

    fn not_allowed(&self, opt: &Opt, found: &str, allowed: String) -> BuilderError {
        BuilderError::NotAllowed {
            builder: self.builder.clone(),
            key: opt.key.to_owned(),
            found: found.to_owned(),
            allowed,
        }
    }

    /// Records that the required option `key` is missing, unless the script wrote it with a
    /// value at fault (already reported).
    pub(crate) fn missing(&mut self, key: &'static str) {
        if self.faulty.contains(key) {
            return;
        }
        let err = BuilderError::Missing { builder: self.builder.clone(), key: key.to_owned() };
        // Point at the nested map's key when the option belongs to one, else at the call.
        if self.path.is_empty() {
            self.call.report(&err, &[], None);
        } else {
            self.call.report(&err, &self.path, Some(Part::Key));
        }
    }

    /// A required option: `value` as read, or `None` after recording that it is missing.
    pub(crate) fn required<T>(
        &mut self,
        key: &'static str,
        value: Option<T>,
    ) -> Result<Option<T>, BuilderError> {
        self.declared(key, "a required option", |_| true, |d| matches!(d, Absent::Required))?;
        if value.is_none() {
            self.missing(key);
        }
        Ok(value)
    }

    fn text_value(&mut self, opt: &'static Opt) -> Option<String> {
        match self.take(opt.key) {
            None => None,
            Some(value) if value.is_string() || value.is_char() => Some(value.to_string()),
            Some(value) => {
                let err = self.wrong(opt, &value);
                self.fault(opt.key, &err, Some(Part::Value));
                None
            }
        }
    }

    /// A string without a literal default.
    pub(crate) fn text(&mut self, key: &str) -> Result<Option<String>, BuilderError> {
        let opt = self.declared(
            key,
            "a string",
            |k| matches!(k, Kind::Text | Kind::Name { .. }),
            |d| !is_literal(d),
        )?;
        Ok(self.text_value(opt))
    }

    /// A string, or its declared default.
    pub(crate) fn text_or(&mut self, key: &str) -> Result<String, BuilderError> {
        let opt = self.declared(
            key,
            "a string with a default",
            |k| matches!(k, Kind::Text | Kind::Name { .. }),
            |d| matches!(d, Absent::Text(_)),
        )?;
        let Absent::Text(default) = opt.default else { return Ok(String::new()) };
        Ok(self.text_value(opt).unwrap_or_else(|| default.to_owned()))
    }

    fn int_value(&mut self, opt: &'static Opt) -> Option<i64> {
        let value = self.take(opt.key)?;
        match value.as_int() {
            Ok(number) => Some(number),
            Err(_) => {
                let err = self.wrong(opt, &value);
                self.fault(opt.key, &err, Some(Part::Value));
                None
            }
        }
    }

    /// An integer without a literal default.
    pub(crate) fn int(&mut self, key: &str) -> Result<Option<i64>, BuilderError> {
        let opt =
            self.declared(key, "an integer", |k| matches!(k, Kind::Int), |d| !is_literal(d))?;
        Ok(self.int_value(opt))
    }

    /// An integer, or its declared default.
    pub(crate) fn int_or(&mut self, key: &str) -> Result<i64, BuilderError> {
        let opt = self.declared(
            key,
            "an integer with a default",
            |k| matches!(k, Kind::Int),
            |d| matches!(d, Absent::Int(_)),
        )?;
        let Absent::Int(default) = opt.default else { return Ok(0) };
        Ok(self.int_value(opt).unwrap_or(default))
    }

    fn flag_value(&mut self, opt: &'static Opt) -> Option<bool> {
        let value = self.take(opt.key)?;
        match value.as_bool() {
            Ok(flag) => Some(flag),
            Err(_) => {
                let err = self.wrong(opt, &value);
                self.fault(opt.key, &err, Some(Part::Value));
                None
            }
        }
    }

    /// `true` or `false` without a literal default.
    pub(crate) fn flag(&mut self, key: &str) -> Result<Option<bool>, BuilderError> {
        let opt =
            self.declared(key, "a boolean", |k| matches!(k, Kind::Bool), |d| !is_literal(d))?;
        Ok(self.flag_value(opt))
    }

    /// `true` or `false`, or its declared default.
    pub(crate) fn flag_or(&mut self, key: &str) -> Result<bool, BuilderError> {
        let opt = self.declared(
            key,
            "a boolean with a default",
            |k| matches!(k, Kind::Bool),
            |d| matches!(d, Absent::Bool(_)),
        )?;
        let Absent::Bool(default) = opt.default else { return Ok(false) };
        Ok(self.flag_value(opt).unwrap_or(default))
    }

    /// The strings of an array (one string is an array of one); each item of another type is
    /// recorded at the item.
    fn strings_value(&mut self, opt: &'static Opt) -> Option<Vec<String>> {
        let value = self.take(opt.key)?;
        if value.is_string() {
            return Some(vec![value.to_string()]);
        }
        let Some(items) = value.clone().try_cast::<rhai::Array>() else {
            let err = self.wrong(opt, &value);
            self.fault(opt.key, &err, Some(Part::Value));
            return None;
        };
        let mut strings = Vec::new();
        let mut good = true;
        for (index, item) in items.iter().enumerate() {
            if item.is_string() || item.is_char() {
                strings.push(item.to_string());
            } else {
                let err = self.wrong(opt, item);
                self.fault(opt.key, &err, Some(Part::Item(index)));
                good = false;
            }
        }
        good.then_some(strings)
    }

    /// An array of strings.
    pub(crate) fn texts(&mut self, key: &str) -> Result<Option<Vec<String>>, BuilderError> {
        let opt =
            self.declared(key, "strings", |k| matches!(k, Kind::Texts), |d| !is_literal(d))?;
        Ok(self.strings_value(opt))
    }

    fn word_list<T: 'static>(
        &self,
        key: &str,
        many: bool,
    ) -> Result<(&'static Opt, Words<T>), BuilderError> {
        let opt = if many {
            self.declared(key, "words", |k| matches!(k, Kind::Words(_)), |d| !is_literal(d))?
        } else {
            self.declared(key, "a word", |k| matches!(k, Kind::Word(_)), |_| true)?
        };
        let (Kind::Word(list) | Kind::Words(list)) = &opt.kind else {
            return Err(BuilderError::Internal { message: format!("`{key}` has no word list") });
        };
        let words = list.as_any().downcast_ref::<Words<T>>().copied().ok_or_else(|| {
            BuilderError::Internal {
                message: format!("the words of `{key}` are not of the type {} reads", self.builder),
            }
        })?;
        Ok((opt, words))
    }

    fn pick<T: Copy>(words: Words<T>, found: &str) -> Option<T> {
        words.iter().find(|(word, _)| word.eq_ignore_ascii_case(found.trim())).map(|(_, v)| *v)
    }

    fn allowed<T>(words: Words<T>) -> String {
        words.iter().map(|(word, _)| *word).collect::<Vec<_>>().join(", ")
    }

    fn word_value<T: Copy + 'static>(&mut self, opt: &'static Opt, words: Words<T>) -> Option<T> {
        let found = self.text_value(opt)?;
        let picked = Self::pick(words, &found);
        if picked.is_none() {
            let err = self.not_allowed(opt, &found, Self::allowed(words));
            self.fault(opt.key, &err, Some(Part::Value));
        }
        picked
    }

    /// One word out of the declared list, case-insensitive, without a literal default.
    pub(crate) fn word<T: Copy + 'static>(&mut self, key: &str) -> Result<Option<T>, BuilderError> {
        let (opt, words) = self.word_list::<T>(key, false)?;
        if is_literal(&opt.default) {
            return Err(BuilderError::Internal {
                message: format!("`{key}` of {}() has a default its builder ignores", self.builder),
            });
        }
        Ok(self.word_value(opt, words))
    }

    /// One word out of the declared list, or the declared default word.
    pub(crate) fn word_or<T: Copy + 'static>(&mut self, key: &str) -> Result<T, BuilderError> {
        let (opt, words) = self.word_list::<T>(key, false)?;
        let default = match opt.default {
            Absent::Word(word) => Self::pick(words, word),
            _ => None,
        };
        let default = default.ok_or_else(|| BuilderError::Internal {
            message: format!("`{key}` of {}() has no default word of its list", self.builder),
        })?;
        Ok(self.word_value(opt, words).unwrap_or(default))
    }

    /// Several words out of the declared list; every word at fault is recorded at its item.
    pub(crate) fn words<T: Copy + 'static>(
        &mut self,
        key: &str,
    ) -> Result<Option<Vec<T>>, BuilderError> {
        let (opt, words) = self.word_list::<T>(key, true)?;
        let Some(found) = self.strings_value(opt) else { return Ok(None) };
        let mut picked = Vec::new();
        let mut good = true;
        for (index, word) in found.iter().enumerate() {
            match Self::pick(words, word) {
                Some(value) => picked.push(value),
                None => {
                    let err = self.not_allowed(opt, word, Self::allowed(words));
                    self.fault(opt.key, &err, Some(Part::Item(index)));
                    good = false;
                }
            }
        }
        Ok(good.then_some(picked))
    }

    /// A nested options map, itself checked against its own declared keys; an empty one when
    /// the script left it out (or wrote something else there), so its defaults apply.
    pub(crate) fn nested(&mut self, key: &str) -> Result<Options, BuilderError> {
        let opt = self.declared(key, "a map", |k| matches!(k, Kind::Map(_)), |_| true)?;
        let Kind::Map(spec) = opt.kind else {
            return Err(BuilderError::Internal { message: format!("`{key}` is not a map") });
        };
        let (map, given) = match self.take(key) {
            None => (Map::new(), false),
            Some(value) => match value.clone().try_cast::<Map>() {
                Some(map) => (map, true),
                None => {
                    let err = self.wrong(opt, &value);
                    self.fault(opt.key, &err, Some(Part::Value));
                    (Map::new(), false)
                }
            },
        };
        let mut path = self.path.clone();
        path.push(opt.key);
        let builder = format!("{}.{key}", self.builder);
        Ok(Options::at(self.call.clone(), builder, path, spec, map, given))
    }

    /// Whether the script wrote this map (false for a nested map left out or at fault).
    pub(crate) fn given(&self) -> bool {
        self.given
    }

    /// Whether the script wrote option `key` (read before the option is; a value of `()` is
    /// reported when the option is read).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The raw value of an option of several shapes (a port, a handle or a name).
    pub(crate) fn raw(&mut self, key: &str) -> Result<Option<Dynamic>, BuilderError> {
        self.declared(
            key,
            "a handle, a name or a port",
            |k| matches!(k, Kind::Port | Kind::Handle { .. }),
            |d| !matches!(d, Absent::Int(_) | Absent::Bool(_) | Absent::Word(_)),
        )?;
        Ok(self.take(key))
    }

    /// Records that the value of `key` has a type its option does not take.
    pub(crate) fn reject(&mut self, key: &str, value: &Dynamic) {
        if let Some(opt) = self.spec.iter().find(|opt| opt.key == key) {
            let err = self.wrong(opt, value);
            self.fault(opt.key, &err, Some(Part::Value));
        }
    }

    /// Records that the value of `key` is a string its option does not take.
    pub(crate) fn refuse(&mut self, key: &str, found: &str) {
        if let Some(opt) = self.spec.iter().find(|opt| opt.key == key) {
            let err = self.not_allowed(opt, found, opt.kind.expected().to_owned());
            self.fault(opt.key, &err, Some(Part::Value));
        }
    }

    /// Records a mistake about the value of `key` that is neither its type nor a word.
    pub(crate) fn fault_value(&mut self, key: &str, err: &BuilderError) {
        if let Some(opt) = self.spec.iter().find(|opt| opt.key == key) {
            self.fault(opt.key, err, Some(Part::Value));
        }
    }

    /// A handle of type `T` (turned into its name), or a name given as a string.
    pub(crate) fn handle_or_name<T: Clone + 'static>(
        &mut self,
        key: &str,
        name_of: impl Fn(&T) -> String,
    ) -> Result<Option<String>, BuilderError> {
        let Some(value) = self.raw(key)? else { return Ok(None) };
        if let Some(handle) = value.read_lock::<T>() {
            return Ok(Some(name_of(&handle)));
        }
        if value.is_string() {
            return Ok(Some(value.to_string()));
        }
        self.reject(key, &value);
        Ok(None)
    }

    /// Like [`Options::handle_or_name`], with the declared default name.
    pub(crate) fn handle_or_name_or<T: Clone + 'static>(
        &mut self,
        key: &str,
        name_of: impl Fn(&T) -> String,
    ) -> Result<String, BuilderError> {
        let opt = self.declared(
            key,
            "a handle with a default name",
            |k| matches!(k, Kind::Handle { .. }),
            |d| matches!(d, Absent::Text(_)),
        )?;
        let Absent::Text(default) = opt.default else { return Ok(String::new()) };
        Ok(self.handle_or_name(key, name_of)?.unwrap_or_else(|| default.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{BUILDERS, Builder};

    fn spec(name: &str) -> &'static Builder {
        BUILDERS.iter().find(|b| b.name == name).expect("declared builder")
    }

    fn call(mistakes: &Arc<Mistakes>) -> Call {
        Call { origin: Origin::new("t.rhai", 1, 1), mistakes: Arc::clone(mistakes) }
    }

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs.iter().map(|(k, v)| ((*k).into(), v.clone())).collect()
    }

    fn messages(mistakes: &Mistakes) -> Vec<String> {
        mistakes.take(None).into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn unknown_keys_are_recorded_with_the_key_named() {
        let mistakes = Arc::new(Mistakes::default());
        let _ = Options::new(
            &call(&mistakes),
            "lpar",
            spec("lpar").options,
            map(&[("secrity", Dynamic::from(1_i64))]),
        );
        assert_eq!(messages(&mistakes), ["lpar() has no option `secrity`"]);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_recorded_and_the_default_used() {
        let mistakes = Arc::new(Mistakes::default());
        let mut opts = Options::new(
            &call(&mistakes),
            "zos_connect_server",
            spec("zos_connect_server").options,
            map(&[("http_port", Dynamic::from("9080"))]),
        );
        assert_eq!(opts.int_or("http_port").ok(), Some(9080));
        assert_eq!(
            messages(&mistakes),
            ["option `http_port` of zos_connect_server() must be an integer, not a string"]
        );
    }

    #[test]
    fn words_are_case_insensitive_and_checked() {
        let mistakes = Arc::new(Mistakes::default());
        let mut opts = Options::new(
            &call(&mistakes),
            "rule",
            spec("rule").options,
            map(&[("direction", Dynamic::from("Inbound")), ("role", Dynamic::from("sideways"))]),
        );
        assert_eq!(
            opts.word::<zat_model::Direction>("direction").ok(),
            Some(Some(zat_model::Direction::Inbound))
        );
        assert_eq!(opts.word::<zat_model::HandshakeRole>("role").ok(), Some(None));
        assert_eq!(
            messages(&mistakes),
            [
                "option `role` of rule() is `sideways`, which is not one of: client, server, server_with_client_auth"
            ]
        );
    }

    #[test]
    fn reading_an_undeclared_option_or_kind_is_an_internal_error() {
        let mistakes = Arc::new(Mistakes::default());
        let mut opts = Options::new(&call(&mistakes), "stack", spec("stack").options, Map::new());
        assert!(matches!(opts.text("nope"), Err(BuilderError::Internal { .. })));
        assert!(matches!(opts.text("ttls"), Err(BuilderError::Internal { .. })));
        // `ttls` has a literal default: reading it without the default would hide it.
        assert!(matches!(opts.flag("ttls"), Err(BuilderError::Internal { .. })));
        assert!(matches!(opts.word::<usize>("ttls"), Err(BuilderError::Internal { .. })));
        assert_eq!(opts.flag_or("ttls").ok(), Some(true));
    }

    #[test]
    fn a_missing_option_is_not_reported_when_its_value_was_at_fault() {
        let mistakes = Arc::new(Mistakes::default());
        let mut opts = Options::new(
            &call(&mistakes),
            "import_ca",
            spec("import_ca").options,
            map(&[("dsn", Dynamic::from(1_i64))]),
        );
        let dsn = opts.text("dsn").ok().flatten();
        assert_eq!(opts.required("dsn", dsn).ok(), Some(None));
        assert_eq!(messages(&mistakes).len(), 1);
        let mut empty =
            Options::new(&call(&mistakes), "import_ca", spec("import_ca").options, Map::new());
        let dsn = empty.text("dsn").ok().flatten();
        let _ = empty.required("dsn", dsn);
        assert_eq!(messages(&mistakes), ["import_ca() needs the option `dsn`"]);
    }
}
