//! `zat.toml`: the project configuration next to the fleet script, so that commands need not
//! repeat their flags: library folders, script parameters, plugin folders, plugin options,
//! acknowledged warnings, `deny_warnings` and `no_base`.
//!
//! It is merged under the command line: lists add up (the file's entries first), and a
//! parameter or plugin option given on the command line wins over the file's. Paths in the
//! file are relative to its folder. An unknown key is an error, as a misspelt script key is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::common::ScriptArgs;
use crate::{Command, Exit, report};

/// The file's name, looked for in the fleet script's folder.
pub(crate) const FILE: &str = "zat.toml";

/// What `zat.toml` may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// Folders `import` also resolves from (as `--lib`).
    #[serde(default)]
    lib: Vec<PathBuf>,
    /// Script parameters (as `--set KEY=VALUE`); strings, numbers or booleans.
    #[serde(default)]
    params: BTreeMap<String, Scalar>,
    /// Plugin folders (as `--plugin-dir`).
    #[serde(default)]
    plugin_dirs: Vec<PathBuf>,
    /// Plugin options by plugin, then key (as `--plugin-option PLUGIN.KEY=VALUE`).
    #[serde(default)]
    plugin_options: BTreeMap<String, BTreeMap<String, Scalar>>,
    /// Warnings acknowledged (as `--allow CODE`).
    #[serde(default)]
    allow: Vec<String>,
    /// Fail on any warning (as `--deny-warnings`).
    #[serde(default)]
    deny_warnings: bool,
    /// Keep no base beside the bundle (as `zat build --no-base`).
    #[serde(default)]
    no_base: bool,
    /// Discovered state by security database: the DISCOVER job's SYSTSPRT (as
    /// `--state DB=FILE`), relative to the folder of `zat.toml`.
    #[serde(default)]
    state: BTreeMap<String, PathBuf>,
}

/// A TOML value that becomes the text a flag would have given.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
    Flag(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(text) => text.clone(),
            Scalar::Integer(n) => n.to_string(),
            Scalar::Float(x) => x.to_string(),
            Scalar::Flag(b) => b.to_string(),
        }
    }
}

/// The path of the `zat.toml` beside `script`, as the user would write it (`t2/zat.toml`).
fn file_beside(script: &Path) -> PathBuf {
    let folder = script.parent().unwrap_or(Path::new(""));
    let folder = if folder.as_os_str().is_empty() { Path::new(".") } else { folder };
    folder.join(FILE)
}

/// Reads `zat.toml` beside `script`, if there is one.
fn load(script: &Path) -> Result<Option<(PathBuf, Config)>, String> {
    let path = file_beside(script);
    let folder = path.parent().unwrap_or(Path::new("."));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
    };
    let config: Config = toml::from_str(&text).map_err(|error| {
        format!("{}: {}", path.display(), error.to_string().trim_end().replace('\n', "\n  "))
    })?;
    for key in config.params.keys() {
        if !valid_name(key) {
            return Err(format!(
                "{}: parameter name `{key}` must be letters, digits and `_`, not starting with a digit",
                path.display()
            ));
        }
    }
    let folder = std::path::absolute(folder).unwrap_or_else(|_| folder.to_owned());
    Ok(Some((folder, config)))
}

fn valid_name(key: &str) -> bool {
    !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit())
}

/// The `allow` list of the `zat.toml` beside `script` (empty when there is none or it does not
/// read: the error is reported by [`apply`]).
fn config_allow(script: &Path) -> Vec<String> {
    load(script).ok().flatten().map(|(_, config)| config.allow).unwrap_or_default()
}

/// Merges the `zat.toml` beside the command's script into its arguments, under what the
/// command line gave. Commands without a fleet script are left alone.
pub(crate) fn apply(command: &mut Command) -> Result<(), Exit> {
    if let Command::Plugins(args) = command {
        return apply_plugins(args);
    }
    let (script, run, findings) = match command {
        Command::Check(args) => (&mut args.script, Some(&mut args.run), Some(&mut args.findings)),
        Command::Build(args) => (&mut args.script, Some(&mut args.run), Some(&mut args.findings)),
        Command::Diff(args) => (&mut args.script, Some(&mut args.run), Some(&mut args.findings)),
        Command::Report(args) => {
            args.allow.splice(0..0, config_allow(&args.script.script));
            (&mut args.script, Some(&mut args.run), None)
        }
        Command::Model(args) => (&mut args.script, None, None),
        _ => return Ok(()),
    };
    let Some((folder, config)) = beside(&script.script)? else { return Ok(()) };
    let resolve = |path: &PathBuf| resolve_in(&folder, path);
    merge_script(script, &folder, &config);
    if let Some(run) = run {
        run.plugins.plugin_dir.splice(0..0, config.plugin_dirs.iter().map(resolve));
        let options = config.plugin_options.iter().flat_map(|(plugin, keys)| {
            keys.iter().map(move |(key, value)| (format!("{plugin}.{key}"), value.text()))
        });
        run.options.splice(0..0, options);
        // A database the command line names keeps the command line's file.
        let given: Vec<String> = run.states.iter().map(|(db, _)| db.clone()).collect();
        let states = config
            .state
            .iter()
            .filter(|(db, _)| !given.iter().any(|g| g.eq_ignore_ascii_case(db)))
            .map(|(db, file)| (db.to_ascii_uppercase(), resolve(file)));
        run.states.splice(0..0, states);
    }
    if let Some(findings) = findings {
        findings.allow.splice(0..0, config.allow.iter().cloned());
        findings.deny_warnings |= config.deny_warnings;
    }
    if let Command::Build(args) = command {
        args.no_base |= config.no_base;
    }
    Ok(())
}

/// Puts the library folders and parameters of `config` (the `zat.toml` in `folder`) under
/// those `script` was given, remembering which parameters came from the file.
fn merge_script(script: &mut ScriptArgs, folder: &Path, config: &Config) {
    script.lib.splice(0..0, config.lib.iter().map(|path| resolve_in(folder, path)));
    script.set.splice(0..0, config.params.iter().map(|(k, v)| (k.clone(), v.text())));
    if !config.params.is_empty() {
        script.config_params = Some((file_beside(&script.script), config.params.len()));
    }
}

/// `script` with the library folders and parameters of the `zat.toml` beside it, as a
/// command's [`apply`] would merge them, but quietly: a shell completing a word must not be
/// written to, so a file that cannot be read adds nothing.
pub(crate) fn merge_quietly(script: &mut ScriptArgs) {
    if let Ok(Some((folder, config))) = load(&script.script) {
        merge_script(script, &folder, &config);
    }
}

/// The `zat.toml` beside `script` and its folder, when there is one (logged); a file that
/// cannot be used is a usage error.
fn beside(script: &Path) -> Result<Option<(PathBuf, Config)>, Exit> {
    let found = load(script).map_err(|message| {
        report::usage_error(&message);
        Exit::Failure
    })?;
    if let Some((folder, _)) = &found {
        tracing::info!("using {}", folder.join(FILE).display());
    }
    Ok(found)
}

/// `path` of the `zat.toml` in `folder`: relative paths are relative to that folder.
fn resolve_in(folder: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() { path.to_path_buf() } else { folder.join(path) }
}

/// `zat plugins lock|list FLEET.rhai` see the plugin folders of the `zat.toml` beside the
/// script, as `zat build` of that script does: otherwise the lock would leave out the libraries
/// a build loads, and `zat build --locked` would refuse them however often the lock were
/// written. (The file holds no plugin choices, and plugin options play no part in loading.)
fn apply_plugins(args: &mut crate::plugins::Args) -> Result<(), Exit> {
    use crate::plugins::PluginsCommand;
    let (script, plugins) = match &mut args.command {
        PluginsCommand::Lock(lock) => (lock.script.as_deref(), &mut lock.plugins),
        PluginsCommand::List(list) => (list.script.as_deref(), &mut list.plugins),
        PluginsCommand::Test(_) => return Ok(()),
    };
    let Some(script) = script else { return Ok(()) };
    let Some((folder, config)) = beside(script)? else { return Ok(()) };
    let resolve = |path: &PathBuf| resolve_in(&folder, path);
    plugins.plugin_dir.splice(0..0, config.plugin_dirs.iter().map(resolve));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses_and_unknown_keys_are_refused() {
        let config: Config = toml::from_str(
            "lib = [\"lib\"]\nplugin_dirs = [\"/opt/zat\"]\nallow = [\"ZAT0342\"]\ndeny_warnings = true\nno_base = true\n\
             [params]\nlpars = 12\nname = \"X\"\n[plugin_options.racf]\nstrict_tmp = \"IKJEFT01\"\n",
        )
        .expect("parses");
        assert_eq!(config.params["lpars"].text(), "12");
        assert_eq!(config.plugin_options["racf"]["strict_tmp"].text(), "IKJEFT01");
        assert!(config.deny_warnings);
        assert!(config.no_base);
        let error = toml::from_str::<Config>("plugin_dir = [\"x\"]\n").expect_err("unknown key");
        assert!(error.to_string().contains("plugin_dirs"), "{error}");
    }
}
