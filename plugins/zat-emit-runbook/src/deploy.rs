//! The deploy scripts of the bundle: `deploy/zowe.sh` (Zowe CLI) and `deploy/playbook.yml`
//! (Ansible, `ibm.ibm_zos_core`), which put every file in place and submit the jobs in the
//! order of each LPAR's runbook (steps 1 to 3), stopping at the first failure.
//!
//! Each LPAR's steps are a part of their own, `deploy/lpars/<LPAR>.sh` and `.yml`, written in
//! the LPAR's index call beside its runbook; the fleet's two scripts, written in the fleet's
//! call, hold the options, the database jobs' plays and one line per LPAR that reads or
//! imports its part, in fleet order. So no call lays out every LPAR's steps, and a change to
//! one LPAR writes that LPAR's parts again, not a fleet-wide file.
//!
//! Both keep a rebuild from mixing two bundles in one deploy: `zowe.sh` holds the bundle's
//! lock shared while it runs, and the playbook's plays read a copy of the bundle that
//! `deploy/snapshot.sh` links beside it under that lock (the templates share the lock's code).
//!
//! The plan (which job, which upload, in which order) is computed here from the index pass's
//! bundle and each file's structured placement; the templates only lay it out. Values that
//! reach a shell or YAML are quoted here, never in the templates.

use std::collections::BTreeSet;

use minijinja::{Environment, Value, context};
use zat_plugin_api::layout;
use zat_plugin_api::model::{Destination, Lpar, Placement, Transfer};
use zat_plugin_api::{EmitError, IndexedFile, RenderRequest};

/// One thing to do for an LPAR, in runbook order.
enum Step<'a> {
    /// Submit a job and wait for its condition code.
    Submit(&'a str),
    /// Upload a file to where its placement says.
    Upload(&'a str, &'a Placement),
    /// Left to a person: the file and what to do with it.
    ByHand(&'a str, String),
}

/// The steps of one LPAR, and the database jobs that precede them.
pub(crate) struct LparPlan<'a> {
    database_jobs: Vec<&'a str>,
    /// The database's jobs a person runs (runbook step 1), listed with the by-hand steps.
    database_by_hand: Vec<(&'a str, &'static str)>,
    steps: Vec<Step<'a>>,
}

/// The bundle's copy of `path`, when it holds one.
fn indexed<'a>(request: &'a RenderRequest, path: &str) -> Option<&'a IndexedFile> {
    request
        .bundle
        .binary_search_by(|f| f.path.as_str().cmp(path))
        .ok()
        .and_then(|index| request.bundle.get(index))
}

/// The jobs of `lpar`'s security database that the bundle holds, in the order they run.
fn database_jobs<'a>(request: &'a RenderRequest, lpar: &Lpar) -> Vec<&'a str> {
    let esm = crate::esm_of(&request.fleet, lpar);
    let database = &lpar.security_database;
    [
        layout::security_classes_job(database, esm.as_str()),
        layout::security_setup_job(database, esm.as_str()),
    ]
    .iter()
    .filter_map(|path| indexed(request, path))
    .map(|file| file.path.as_str())
    .collect()
}

/// The jobs of `lpar`'s security database that the deploy scripts never submit, with why:
/// the PKCS#12 export waits for a password a person puts in, and the import of partner CAs
/// for the partners' data sets. Left out silently, a ring would lack a partner's CA and the
/// handshake fail, while the script said `done`.
fn database_by_hand<'a>(request: &'a RenderRequest, lpar: &Lpar) -> Vec<(&'a str, &'static str)> {
    let esm = crate::esm_of(&request.fleet, lpar);
    let database = &lpar.security_database;
    [
        (
            layout::security_key_job(database, esm.as_str()),
            "put the password in, then submit it (runbook step 1; KEY-CLEANUP.jcl once the key is installed)",
        ),
        (
            layout::security_import_job(database, esm.as_str()),
            "submit it once the partners' CA data sets are there (runbook step 1)",
        ),
    ]
    .into_iter()
    .filter_map(|(path, what)| indexed(request, &path).map(|file| (file.path.as_str(), what)))
    .collect()
}

/// The plan both deploy scripts' parts of an LPAR follow: made once per LPAR.
pub(crate) fn lpar_plan<'a>(request: &'a RenderRequest, lpar: &'a Lpar) -> LparPlan<'a> {
    let esm = crate::esm_of(&request.fleet, lpar);
    let database_jobs = database_jobs(request, lpar);
    let mut steps = Vec::new();
    if let Some(job) = indexed(request, &layout::lpar_security_job(&lpar.name, esm.as_str())) {
        steps.push(Step::Submit(&job.path));
    }
    for file in crate::lpar_bundle_files(request, lpar) {
        match &file.placement {
            Some(placement) => match &placement.destination {
                Destination::UssFile { .. } | Destination::PdsMember { .. } => {
                    steps.push(Step::Upload(&file.path, placement));
                }
                Destination::Manual { instructions } => {
                    steps.push(Step::ByHand(&file.path, instructions.clone()));
                }
                // A job of a site plugin that the runbook does not order: a person decides
                // when it runs.
                Destination::Job => steps.push(Step::ByHand(
                    &file.path,
                    "a job the runbook does not order: submit it when its plugin says".to_owned(),
                )),
            },
            None => steps.push(Step::ByHand(
                &file.path,
                file.target.clone().unwrap_or_else(|| "stays in the bundle".to_owned()),
            )),
        }
    }
    let database_by_hand = database_by_hand(request, lpar);
    LparPlan { database_jobs, database_by_hand, steps }
}

/// `text` as one shell word: single quotes, with each `'` closed, escaped and reopened.
pub(crate) fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `text` as a YAML double-quoted scalar (JSON string syntax is valid YAML), with `{{`
/// broken so that Ansible does not read a file name as a template.
fn yaml_quote(text: &str) -> String {
    let json = serde_json::Value::String(text.to_owned()).to_string();
    json.replace("{{", "{{ '{{' }}")
}

/// The variable that names an LPAR's Zowe profile: `ZAT_ZOWE_PROFILE_<LPAR>`, with any
/// character a shell variable cannot hold (`@`, `#`, `$` in system names) as `_`.
fn profile_variable(lpar: &str) -> String {
    let name: String = lpar
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect();
    format!("ZAT_ZOWE_PROFILE_{name}")
}

/// The LPARs of the run, in fleet order: those whose parts the fleet's scripts read.
fn run_lpars(request: &RenderRequest) -> impl Iterator<Item = &Lpar> {
    request.fleet.lpars.iter().filter(|lpar| request.run_has_lpar(&lpar.name))
}

/// The file name of an LPAR's part, from the folder of the fleet's scripts.
fn part_name(path: &str) -> &str {
    path.strip_prefix("deploy/").unwrap_or(path)
}

/// `deploy/zowe.sh`: the options and functions, then one line per LPAR of the run that reads
/// its part ([`zowe_part`]), then the files left to a person.
pub(crate) fn zowe(env: &Environment<'_>, request: &RenderRequest) -> Result<String, EmitError> {
    let names: Vec<&str> = run_lpars(request).map(|lpar| lpar.name.as_str()).collect();
    let parts: Vec<String> =
        names.iter().map(|name| sh_quote(part_name(&layout::deploy_zowe_part(name)))).collect();
    let view = context! {
        fleet => request.fleet.name,
        known => sh_quote(&format!(" {} ", names.join(" "))),
        parts => parts,
    };
    env.get_template("zowe").and_then(|t| t.render(view)).map_err(crate::template_error)
}

/// `deploy/lpars/<LPAR>.sh`: the LPAR's steps, and its database's jobs when no earlier LPAR
/// of the run submitted them.
pub(crate) fn zowe_part(
    env: &Environment<'_>,
    lpar: &Lpar,
    plan: &LparPlan<'_>,
) -> Result<String, EmitError> {
    let steps: Vec<Value> = plan.steps.iter().map(zowe_step).collect();
    let view = context! {
        lpar => context! {
            name => sh_quote(&lpar.name),
            label => lpar.name,
            profile => format!(
                "${{{}:-${{ZAT_ZOWE_PROFILE:-{}}}}}",
                profile_variable(&lpar.name),
                sh_quote(&lpar.name)
            ),
            database => sh_quote(&lpar.security_database),
            database_jobs => plan.database_jobs.iter().map(|job| sh_quote(job)).collect::<Vec<_>>(),
            database_by_hand => plan
                .database_by_hand
                .iter()
                .map(|(path, what)| context! { path => sh_quote(path), what => sh_quote(what) })
                .collect::<Vec<_>>(),
            steps => steps,
        },
    };
    env.get_template("zowe_lpar").and_then(|t| t.render(view)).map_err(crate::template_error)
}

/// `deploy/snapshot.sh`: the copy of the bundle that `deploy/playbook.yml` deploys from.
pub(crate) fn snapshot(
    env: &Environment<'_>,
    request: &RenderRequest,
) -> Result<String, EmitError> {
    let view = context! { fleet => request.fleet.name };
    env.get_template("snapshot").and_then(|t| t.render(view)).map_err(crate::template_error)
}

/// Registers the deploy scripts' templates.
pub(crate) fn add_templates(env: &mut Environment<'static>) -> Result<(), EmitError> {
    for (name, source) in [
        ("lock", include_str!("../templates/lock.sh")),
        ("snapshot", include_str!("../templates/snapshot.sh")),
        ("zowe", include_str!("../templates/zowe.sh")),
        ("zowe_lpar", include_str!("../templates/zowe_lpar.sh")),
        ("playbook", include_str!("../templates/playbook.yml")),
        ("playbook_lpar", include_str!("../templates/playbook_lpar.yml")),
        ("play", include_str!("../templates/play.yml")),
    ] {
        env.add_template(name, source).map_err(crate::template_error)?;
    }
    Ok(())
}

fn zowe_step(step: &Step<'_>) -> Value {
    match step {
        Step::Submit(path) => context! { kind => "submit", path => sh_quote(path) },
        Step::Upload(path, placement) => {
            let (command, destination, mode) = match &placement.destination {
                Destination::UssFile { path, mode } => ("file-to-uss", path.clone(), Some(mode)),
                _ => ("file-to-data-set", placement.zos_name().unwrap_or_default(), None),
            };
            let transfer = match placement.transfer {
                Transfer::Text => format!("--encoding {}", sh_quote(&placement.code_page)),
                Transfer::Binary => "--binary".to_owned(),
            };
            context! {
                kind => "upload",
                path => sh_quote(path),
                command => command,
                destination => sh_quote(&destination),
                transfer => transfer,
                chmod => mode.map(|mode| sh_quote(&format!("chmod {mode} {}", sh_quote(&destination)))),
            }
        }
        Step::ByHand(path, what) => context! {
            kind => "by_hand",
            path => sh_quote(path),
            what => sh_quote(what),
        },
    }
}

/// `deploy/playbook.yml`: per LPAR of the run, a play for its database's jobs when it is the
/// first LPAR of the run with that database (hosts: every LPAR of the run with the database,
/// run once, so that `--limit` to any of them still runs them), then the import of the LPAR's
/// own play ([`playbook_part`]).
pub(crate) fn playbook(
    env: &Environment<'_>,
    request: &RenderRequest,
) -> Result<String, EmitError> {
    let mut hosts: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for lpar in run_lpars(request) {
        hosts.entry(lpar.security_database.as_str()).or_default().push(lpar.name.as_str());
    }
    let mut seen = BTreeSet::new();
    let mut plays = Vec::new();
    for lpar in run_lpars(request) {
        let database = &lpar.security_database;
        let jobs = database_jobs(request, lpar);
        if !jobs.is_empty() && seen.insert(database.as_str()) {
            let hosts = hosts.get(database.as_str()).map(|h| h.join(":")).unwrap_or_default();
            let by_hand = database_by_hand(request, lpar).into_iter().map(|(path, what)| {
                context! {
                    kind => "by_hand",
                    name => yaml_quote(&format!("by hand: {path}")),
                    msg => yaml_quote(&format!("{path}: {what}")),
                }
            });
            plays.push(context! {
                import => None::<String>,
                name => yaml_quote(&format!("security database {database}: setup jobs")),
                hosts => yaml_quote(&hosts),
                run_once => true,
                tags => "[database]",
                root => "..",
                tasks => jobs.iter().map(|job| submit_task(job)).chain(by_hand).collect::<Vec<_>>(),
            });
        }
        plays.push(context! {
            import => yaml_quote(part_name(&layout::deploy_playbook_part(&lpar.name))),
            name => yaml_quote(&format!("LPAR {}", lpar.name)),
        });
    }
    let view = context! { fleet => request.fleet.name, plays => plays };
    env.get_template("playbook").and_then(|t| t.render(view)).map_err(crate::template_error)
}

/// `deploy/lpars/<LPAR>.yml`: the LPAR's play (its steps; the database's jobs are the fleet
/// playbook's).
pub(crate) fn playbook_part(
    env: &Environment<'_>,
    lpar: &Lpar,
    plan: &LparPlan<'_>,
) -> Result<String, EmitError> {
    let tasks: Vec<Value> = plan
        .steps
        .iter()
        .map(|step| match step {
            Step::Submit(path) => submit_task(path),
            Step::Upload(path, placement) => copy_task(path, placement),
            Step::ByHand(path, what) => context! {
                kind => "by_hand",
                name => yaml_quote(&format!("by hand: {path}")),
                msg => yaml_quote(&format!("{path}: {what}")),
            },
        })
        .collect();
    let play = context! {
        name => yaml_quote(&format!("LPAR {}", lpar.name)),
        hosts => yaml_quote(&lpar.name),
        run_once => false,
        tags => "[lpar]",
        // The part is in deploy/lpars/: Ansible sets playbook_dir to an imported playbook's
        // own folder.
        root => "../..",
        tasks => tasks,
    };
    let view = context! { label => lpar.name, play => play };
    env.get_template("playbook_lpar").and_then(|t| t.render(view)).map_err(crate::template_error)
}

/// `path` under the bundle folder the playbook runs from, as a YAML scalar.
fn bundle_path(path: &str) -> String {
    let quoted = yaml_quote(path);
    format!("\"{{{{ zat_bundle }}}}/{}", quoted.strip_prefix('"').unwrap_or(&quoted))
}

fn submit_task(path: &str) -> Value {
    context! {
        kind => "submit",
        name => yaml_quote(&format!("submit {path}")),
        src => bundle_path(path),
    }
}

fn copy_task(path: &str, placement: &Placement) -> Value {
    let mode = match &placement.destination {
        Destination::UssFile { mode, .. } => Some(yaml_quote(mode)),
        _ => None,
    };
    let destination = placement.zos_name().unwrap_or_default();
    context! {
        kind => "copy",
        name => yaml_quote(&format!("copy {path} to {destination}")),
        src => bundle_path(path),
        dest => yaml_quote(&destination),
        mode => mode,
        binary => placement.transfer == Transfer::Binary,
        code_page => yaml_quote(&placement.code_page),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_survive_quotes() {
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn yaml_scalars_are_json_strings_without_templates() {
        assert_eq!(yaml_quote("a\"b"), r#""a\"b""#);
        assert_eq!(yaml_quote("x{{y"), "\"x{{ '{{' }}y\"");
        assert_eq!(bundle_path("a/b c"), "\"{{ zat_bundle }}/a/b c\"");
    }

    #[test]
    fn profile_variables_are_shell_names() {
        assert_eq!(profile_variable("SYS@1"), "ZAT_ZOWE_PROFILE_SYS_1");
    }
}
