//! The deploy scripts of the bundle: `deploy/zowe.sh` (Zowe CLI) and `deploy/playbook.yml`
//! (Ansible, `ibm.ibm_zos_core`), which put every file in place and submit the jobs in the
//! order of each LPAR's runbook (steps 1 to 3), stopping at the first failure.
//!
//! The plan (which job, which upload, in which order) is computed here from the index pass's
//! bundle and each file's structured placement; the templates only lay it out. Values that
//! reach a shell or YAML are quoted here, never in the templates.

use std::collections::BTreeSet;

use minijinja::{Environment, Value, context};
use zat_plugin_api::layout;
use zat_plugin_api::model::{Destination, Fleet, Lpar, Placement, Transfer};
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
struct LparPlan<'a> {
    lpar: &'a Lpar,
    database_jobs: Vec<&'a str>,
    steps: Vec<Step<'a>>,
}

/// Every included LPAR's plan, in fleet order.
fn plan<'a>(request: &'a RenderRequest) -> Vec<LparPlan<'a>> {
    let fleet = &request.fleet;
    fleet
        .lpars
        .iter()
        // Written in the fleet's own call: every LPAR of the run, not just this call's.
        .filter(|lpar| request.run_has_lpar(&lpar.name))
        .map(|lpar| lpar_plan(request, fleet, lpar))
        .collect()
}

/// The bundle's copy of `path`, when it holds one.
fn indexed<'a>(request: &'a RenderRequest, path: &str) -> Option<&'a IndexedFile> {
    request
        .bundle
        .binary_search_by(|f| f.path.as_str().cmp(path))
        .ok()
        .and_then(|index| request.bundle.get(index))
}

fn lpar_plan<'a>(request: &'a RenderRequest, fleet: &Fleet, lpar: &'a Lpar) -> LparPlan<'a> {
    let esm = crate::esm_of(fleet, lpar);
    let database = &lpar.security_database;
    let database_jobs = [
        layout::security_classes_job(database, esm.as_str()),
        layout::security_setup_job(database, esm.as_str()),
    ]
    .iter()
    .filter_map(|path| indexed(request, path))
    .map(|file| file.path.as_str())
    .collect();
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
    LparPlan { lpar, database_jobs, steps }
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

/// `deploy/zowe.sh`: its head, one block per included LPAR, its tail. Each LPAR's view is
/// built, rendered and dropped in turn, so that the script of a fleet of thousands of LPARs
/// never holds every LPAR's steps as template values at once.
pub(crate) fn zowe(env: &Environment<'_>, request: &RenderRequest) -> Result<String, EmitError> {
    let plans = plan(request);
    let names: Vec<&str> = plans.iter().map(|p| p.lpar.name.as_str()).collect();
    let outer = context! {
        fleet => request.fleet.name,
        known => sh_quote(&format!(" {} ", names.join(" "))),
    };
    Looped::of(env, "zowe")?.render(&outer, plans.iter().map(|plan| {
        let steps: Vec<Value> = plan.steps.iter().map(zowe_step).collect();
        context! {
            name => sh_quote(&plan.lpar.name),
            label => plan.lpar.name,
            profile => format!(
                "${{{}:-${{ZAT_ZOWE_PROFILE:-{}}}}}",
                profile_variable(&plan.lpar.name),
                sh_quote(&plan.lpar.name)
            ),
            database => sh_quote(&plan.lpar.security_database),
            database_jobs => plan.database_jobs.iter().map(|job| sh_quote(job)).collect::<Vec<_>>(),
            steps => steps,
        }
    }))
}

/// The deploy script templates, each cut at its loop over the fleet: name, text, loop
/// variable, list. Each is registered as three templates `<name>_head`, `<name>_item` and
/// `<name>_tail` (see [`split_loop`]), so that the items are rendered one at a time.
const LOOPED: [(&str, &str, &str, &str); 2] = [
    ("zowe", include_str!("../templates/zowe.sh"), "lpar", "lpars"),
    ("playbook", include_str!("../templates/playbook.yml"), "play", "plays"),
];

/// Registers the parts of every template of [`LOOPED`].
pub(crate) fn add_templates(env: &mut Environment<'static>) -> Result<(), EmitError> {
    for (name, source, variable, list) in LOOPED {
        let (head, item, tail) = split_loop(source, variable, list).ok_or_else(|| {
            EmitError::Template(format!(
                "template {name} has no top-level `{{% for {variable} in {list} %}}`"
            ))
        })?;
        for (part, text) in [("head", head), ("item", item), ("tail", tail)] {
            env.add_template_owned(format!("{name}_{part}"), text.to_owned())
                .map_err(crate::template_error)?;
        }
    }
    Ok(())
}

/// One template of [`LOOPED`], ready to render item by item.
struct Looped<'e> {
    head: minijinja::Template<'e, 'e>,
    item: minijinja::Template<'e, 'e>,
    tail: minijinja::Template<'e, 'e>,
    /// The loop variable's name.
    variable: &'static str,
}

impl<'e> Looped<'e> {
    fn of(env: &'e Environment<'e>, name: &str) -> Result<Self, EmitError> {
        let variable = LOOPED
            .iter()
            .find(|(known, ..)| *known == name)
            .map(|(_, _, variable, _)| *variable)
            .ok_or_else(|| EmitError::Template(format!("no looped template {name}")))?;
        let get =
            |part: &str| env.get_template(&format!("{name}_{part}")).map_err(crate::template_error);
        Ok(Looped { head: get("head")?, item: get("item")?, tail: get("tail")?, variable })
    }

    fn render(
        &self,
        outer: &Value,
        items: impl Iterator<Item = Value>,
    ) -> Result<String, EmitError> {
        let mut out = self.head.render(outer).map_err(crate::template_error)?;
        for item in items {
            let own = Value::from_iter([(self.variable, item)]);
            let view = context! { ..own, ..outer.clone() };
            out.push_str(&self.item.render(view).map_err(crate::template_error)?);
        }
        out.push_str(&self.tail.render(outer).map_err(crate::template_error)?);
        Ok(out)
    }
}

/// Cuts `source` at its top-level loop `{% for <variable> in <list> %}` (alone on its line)
/// and the last `{% endfor %}` of the file: the text before, the loop body, the text after.
/// Rendering the body once per item between the other two gives what the whole template gives
/// (blocks trim their line ends, so the tags' own lines leave nothing behind).
fn split_loop<'s>(
    source: &'s str,
    variable: &str,
    list: &str,
) -> Option<(&'s str, &'s str, &'s str)> {
    let opening = format!("{{% for {variable} in {list} %}}\n");
    let start = source.find(&opening)?;
    let body_start = start + opening.len();
    let close = "{% endfor %}";
    let end = source.rfind(close)?;
    if end < body_start {
        return None;
    }
    let after = &source[end + close.len()..];
    let tail = after.strip_prefix('\n').unwrap_or(after);
    Some((&source[..start], &source[body_start..end], tail))
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

/// `deploy/playbook.yml`: per LPAR, a play for its database's jobs when it is the first
/// included LPAR of that database (hosts: every included LPAR of the database, run once, so
/// that `--limit` to any of them still runs them), then the LPAR's own play. Plays are
/// rendered one at a time, as the LPARs of [`zowe`] are.
pub(crate) fn playbook(
    env: &Environment<'_>,
    request: &RenderRequest,
) -> Result<String, EmitError> {
    let plans = plan(request);
    let mut hosts: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for plan in &plans {
        hosts
            .entry(plan.lpar.security_database.as_str())
            .or_default()
            .push(plan.lpar.name.as_str());
    }
    let mut seen = BTreeSet::new();
    let plays = plans.iter().flat_map(|plan| {
        let database = &plan.lpar.security_database;
        let mut plays = Vec::new();
        if !plan.database_jobs.is_empty() && seen.insert(database.clone()) {
            let hosts = hosts.get(database.as_str()).map(|h| h.join(":")).unwrap_or_default();
            let tasks: Vec<Value> = plan.database_jobs.iter().map(|job| submit_task(job)).collect();
            plays.push(context! {
                name => yaml_quote(&format!("security database {database}: setup jobs")),
                hosts => yaml_quote(&hosts),
                run_once => true,
                tags => "[database]",
                tasks => tasks,
            });
        }
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
        plays.push(context! {
            name => yaml_quote(&format!("LPAR {}", plan.lpar.name)),
            hosts => yaml_quote(&plan.lpar.name),
            run_once => false,
            tags => "[lpar]",
            tasks => tasks,
        });
        plays
    });
    Looped::of(env, "playbook")?.render(&context! { fleet => request.fleet.name }, plays)
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
