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
//! bundle and each file's structured placement; the templates only lay it out, but for an
//! LPAR's two parts, which [`zowe_part_of`] and [`playbook_part_of`] write (their comments say
//! why; the fleet playbook's database plays keep the `play.yml` template). Values that
//! reach a shell or YAML are quoted here, never in the templates: a shell word in single
//! quotes, a YAML value tagged `!unsafe`, which Ansible never reads as a template. A
//! placement is a plugin's text, so its mode is passed on only when it is octal permission
//! bits.

use std::collections::BTreeSet;

use minijinja::{Environment, Value};
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
    /// How to go on when a security job stops: the words of [`Resume`], without the command
    /// that skips the database's jobs, which each script names its own way.
    resume: Resume,
}

/// What a person does when a security job of the LPAR stops, in both scripts' words.
struct Resume {
    /// The read-only listing job of the database, when its plugin wrote one, and the database.
    discover: Option<String>,
    database: String,
}

impl Resume {
    /// The sentence that follows "read its SYSTSPRT" in a script's message; `skip` is how the
    /// script skips the database's jobs (`--skip-database-jobs`, `--skip-tags database`) and
    /// `again` how it is run again.
    fn text(&self, skip: &str, again: &str) -> String {
        let database = &self.database;
        let skip = format!(
            "if the jobs of security database {database} all ended with condition code 0 on an \
             earlier run, {again} with {skip}"
        );
        match &self.discover {
            // A job without a discovered state assumes an empty database and stops at the
            // first object that is there (CC 8): the documented way on is the listing and a
            // build against it, whose jobs hold only what is missing.
            Some(discover) => format!(
                "if it stopped at an object that is there already (an earlier run's, or the \
                 site's), submit {discover} (read-only), build the bundle again with zat build \
                 --state {database}=FILE (FILE being its SYSTSPRT) and {again}: the jobs then \
                 hold only what is missing; {skip}"
            ),
            None => format!("{skip}; else remove what an earlier run created and {again}"),
        }
    }
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

/// The plan both deploy scripts' parts of an LPAR follow: made once per LPAR, from the LPAR's
/// files in the bundle ([`crate::lpar_bundle_files`]).
pub(crate) fn lpar_plan<'a>(
    request: &'a RenderRequest,
    lpar: &'a Lpar,
    files: &[&'a IndexedFile],
) -> LparPlan<'a> {
    let esm = crate::esm_of(&request.fleet, lpar);
    let database_jobs = database_jobs(request, lpar);
    let mut steps = Vec::new();
    if let Some(job) = indexed(request, &layout::lpar_security_job(&lpar.name, esm.as_str())) {
        steps.push(Step::Submit(&job.path));
    }
    for file in files {
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
    LparPlan { database_jobs, database_by_hand, steps, resume: resume(request, lpar) }
}

/// How to go on when a security job of `lpar` stops.
fn resume(request: &RenderRequest, lpar: &Lpar) -> Resume {
    let esm = crate::esm_of(&request.fleet, lpar);
    let discover =
        indexed(request, &layout::security_discover_job(&lpar.security_database, esm.as_str()))
            .map(|file| file.path.clone());
    Resume { discover, database: lpar.security_database.clone() }
}

/// `mode` when it is permission bits in octal. A placement is a plugin's text: a `mode` of
/// `0644 x; rm -rf $HOME` would otherwise reach the remote shell of `zowe zos-uss issue ssh`
/// as a command.
fn octal_mode(mode: &str) -> Option<&str> {
    zat_plugin_api::model::is_permission_bits(mode).then_some(mode)
}

/// What a person is told about a file whose placement's mode is not octal permission bits.
fn mode_refused(mode: &str) -> String {
    format!(
        "its placement's mode `{mode}` is not three or four octal digits, so the deploy scripts \
         did not set it: set the file's mode by hand"
    )
}

/// The folders above a z/OS UNIX path, the top first, without `/`: `/etc/pagent/x.conf` gives
/// `/etc` and `/etc/pagent`. z/OSMF (and so `zowe zos-files upload`) makes no folder, and on
/// a fresh LPAR the Policy Agent's `/etc/pagent` is not there yet.
fn folders_above(path: &str) -> Vec<&str> {
    if !path.starts_with('/') {
        return Vec::new();
    }
    path.match_indices('/')
        .skip(1)
        .map(|(at, _)| &path[..at])
        .filter(|folder| !folder.ends_with('/'))
        .collect()
}

/// `text` as one shell word: single quotes, with each `'` closed, escaped and reopened.
pub(crate) fn sh_quote(text: &str) -> String {
    // One allocation, sized for the common word without a quote: `format!` and
    // `str::replace` cost several times the copy, on every file of every LPAR.
    let mut word = String::with_capacity(text.len() + 2);
    word.push('\'');
    for (at, part) in text.split('\'').enumerate() {
        if at > 0 {
            word.push_str(r"'\''");
        }
        word.push_str(part);
    }
    word.push('\'');
    word
}

/// `text` as a YAML double-quoted scalar (JSON string syntax is valid YAML) tagged `!unsafe`:
/// Ansible never reads such a value as a template, so no `{{`, `{%` or `{#` in a file name,
/// a destination or a plugin's instructions is run or dropped. (Breaking only `{{` left
/// `{% for %}` blocks to run and `{# #}` comments to vanish.)
fn yaml_quote(text: &str) -> String {
    yaml_quote_all(&[text])
}

/// [`yaml_quote`] of the parts written one after the other, without making the text first.
fn yaml_quote_all(parts: &[&str]) -> String {
    const TAG: &str = "!unsafe ";
    // JSON escapes only `"`, `\` and the control characters (serde_json's table): without
    // them the scalar is the text in quotes, and no JSON writer is needed.
    // (A fold without an early exit, which the compiler turns into wide compares.)
    let plain = |part: &&str| {
        !part.bytes().fold(false, |escaped, b| escaped | (b < 0x20) | (b == b'"') | (b == b'\\'))
    };
    if parts.iter().all(plain) {
        let len = parts.iter().map(|part| part.len()).sum::<usize>();
        let mut scalar = String::with_capacity(TAG.len() + len + 2);
        scalar.push_str(TAG);
        scalar.push('"');
        parts.iter().for_each(|part| scalar.push_str(part));
        scalar.push('"');
        return scalar;
    }
    let json = serde_json::Value::String(parts.concat()).to_string();
    [TAG, &json].concat()
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
    let view = fields! {
        fleet => &request.fleet.name,
        known => sh_quote(&format!(" {} ", names.join(" "))),
        parts => parts,
    };
    env.get_template("zowe").and_then(|t| t.render(view)).map_err(crate::template_error)
}

/// `deploy/lpars/<LPAR>.sh`: the LPAR's steps, and its database's jobs when no earlier LPAR
/// of the run submitted them.
pub(crate) fn zowe_part(lpar: &Lpar, plan: &LparPlan<'_>) -> String {
    zowe_part_of(&lpar.name, &lpar.security_database, plan)
}

/// One line of a writer's output: its parts, then a new line.
fn push_line(out: &mut String, parts: &[&str]) {
    parts.iter().for_each(|part| out.push_str(part));
    out.push('\n');
}

/// [`zowe_part`] of the LPAR `name` on security database `database`.
///
/// Written here, not by a template: the part is a header and one to four shell lines per file
/// of the LPAR, each a command and its quoted words, and it is one of the two files every LPAR
/// call writes; laid out by minijinja it cost ten times this writer, a fifth of the plugin's
/// work. The quoting is beside the words it quotes, and the lines read as in the script.
fn zowe_part_of(name: &str, database: &str, plan: &LparPlan<'_>) -> String {
    let lpar = sh_quote(name);
    let database = sh_quote(database);
    let resume = sh_quote(&plan.resume.text("--skip-database-jobs", "run this script again"));
    let mut out = String::with_capacity(1024 + 160 * plan.steps.len());
    let mut line = |parts: &[&str]| push_line(&mut out, parts);
    line(&[
        "# Steps 1 to 3 of LPAR ",
        name,
        " for deploy/zowe.sh, generated by zat: do not edit, change the",
    ]);
    line(&[
        "# fleet script and rebuild the bundle. deploy/zowe.sh reads this file, with its options and",
    ]);
    line(&["# functions; run alone, it only says so: sh deploy/zowe.sh --lpar ", name]);
    line(&["command -v submit >/dev/null 2>&1 || {"]);
    line(&[
        r#"    printf '%s\n' "this part of deploy/zowe.sh does nothing alone: sh deploy/zowe.sh --lpar ""#,
        &lpar,
        " >&2",
    ]);
    line(&["    exit 1"]);
    line(&["}"]);
    line(&[""]);
    line(&["if selected ", &lpar, "; then"]);
    line(&["    lpar=", &lpar]);
    line(&["    profile=${", &profile_variable(name), ":-${ZAT_ZOWE_PROFILE:-", &lpar, "}}"]);
    line(&["    resume=", &resume]);
    if !plan.database_jobs.is_empty() {
        line(&[r#"    case "$databases_done" in"#]);
        line(&[r#"        *" ""#, &database, r#"" "*) ;;"#]);
        line(&["        *)"]);
        line(&[r#"            if [ "$skip_database_jobs" = 0 ]; then"#]);
        for job in &plan.database_jobs {
            line(&["                submit ", &sh_quote(job)]);
        }
        line(&["            fi"]);
        line(&[
            "            # Left to a person whether or not this run submits the database's other jobs.",
        ]);
        for (path, what) in &plan.database_by_hand {
            line(&["            note_by_hand ", &sh_quote(path), " ", &sh_quote(what)]);
        }
        line(&[r#"            databases_done="$databases_done""#, &database, r#"" " ;;"#]);
        line(&["    esac"]);
    }
    // The folders above each upload to z/OS UNIX that no earlier step of the LPAR made.
    let mut made = BTreeSet::new();
    for step in &plan.steps {
        match step {
            Step::Submit(path) => line(&["    submit ", &sh_quote(path)]),
            Step::Upload(path, placement) => {
                let path = sh_quote(path);
                let transfer = match placement.transfer {
                    Transfer::Text => ["--encoding ", &sh_quote(&placement.code_page)].concat(),
                    Transfer::Binary => "--binary".to_owned(),
                };
                let Destination::UssFile { path: destination, mode } = &placement.destination
                else {
                    let destination = sh_quote(&placement.zos_name().unwrap_or_default());
                    line(&[
                        "    upload file-to-data-set ",
                        &path,
                        " ",
                        &destination,
                        " ",
                        &transfer,
                    ]);
                    continue;
                };
                for folder in folders_above(destination) {
                    if made.insert(folder) {
                        line(&["    make_folder ", &sh_quote(folder)]);
                    }
                }
                let destination = sh_quote(destination);
                // A copy of the file that is there, before the upload replaces it.
                line(&["    keep_copy ", &destination, " ", &transfer]);
                line(&["    upload file-to-uss ", &path, " ", &destination, " ", &transfer]);
                // A mode is passed to the remote shell only when it is octal digits; the
                // command is one word for `zowe zos-uss issue ssh`, its path quoted in it.
                match octal_mode(mode) {
                    Some(mode) => line(&[
                        "    chmod_file ",
                        &sh_quote(&["chmod ", mode, " ", &destination].concat()),
                    ]),
                    None => {
                        line(&["    note_by_hand ", &path, " ", &sh_quote(&mode_refused(mode))])
                    }
                }
            }
            Step::ByHand(path, what) => {
                line(&["    note_by_hand ", &sh_quote(path), " ", &sh_quote(what)]);
            }
        }
    }
    line(&["fi"]);
    line(&[""]);
    out
}

/// `deploy/snapshot.sh`: the copy of the bundle that `deploy/playbook.yml` deploys from.
pub(crate) fn snapshot(
    env: &Environment<'_>,
    request: &RenderRequest,
) -> Result<String, EmitError> {
    let view = fields! { fleet => &request.fleet.name };
    env.get_template("snapshot").and_then(|t| t.render(view)).map_err(crate::template_error)
}

/// Registers the deploy scripts' templates.
pub(crate) fn add_templates(env: &mut Environment<'static>) -> Result<(), EmitError> {
    for (name, source) in [
        ("lock", include_str!("../templates/lock.sh")),
        ("snapshot", include_str!("../templates/snapshot.sh")),
        ("zowe", include_str!("../templates/zowe.sh")),
        ("playbook", include_str!("../templates/playbook.yml")),
        ("play", include_str!("../templates/play.yml")),
    ] {
        env.add_template(name, source).map_err(crate::template_error)?;
    }
    Ok(())
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
            let by_hand = database_by_hand(request, lpar)
                .into_iter()
                .map(|(path, what)| by_hand_task(path, what));
            plays.push(fields! {
                import => None::<String>,
                name => yaml_quote(&format!("security database {database}: setup jobs")),
                hosts => yaml_quote(&hosts),
                run_once => true,
                tags => "[database]",
                root => "..",
                resume => playbook_resume(&resume(request, lpar)),
                tasks => jobs.iter().map(|job| submit_task(job)).chain(by_hand).collect::<Vec<_>>(),
            });
        }
        plays.push(fields! {
            import => yaml_quote(part_name(&layout::deploy_playbook_part(&lpar.name))),
            name => yaml_quote(&format!("LPAR {}", lpar.name)),
        });
    }
    let view = fields! { fleet => &request.fleet.name, plays => plays };
    env.get_template("playbook").and_then(|t| t.render(view)).map_err(crate::template_error)
}

/// How to go on when a job of a play stops, in the playbook's words.
fn playbook_resume(resume: &Resume) -> String {
    yaml_quote(&resume.text("--skip-tags database", "run the playbook again"))
}

/// `deploy/lpars/<LPAR>.yml`: the LPAR's play (its steps; the database's jobs are the fleet
/// playbook's).
pub(crate) fn playbook_part(lpar: &Lpar, plan: &LparPlan<'_>) -> String {
    playbook_part_of(&lpar.name, plan)
}

/// [`playbook_part`] of the LPAR `name`: the play that `templates/play.yml` lays out for the
/// fleet playbook's database plays, with the header of `templates/playbook_lpar.yml`.
///
/// Written here, not by the templates, for the reason [`zowe_part_of`] gives: the part is a
/// header and four to fifteen YAML lines per file of the LPAR, one of the two files every LPAR
/// call writes, and minijinja laying it out (a record per task, a lookup per field, a branch
/// per kind) cost several times this writer. The lines are the template's, in its order; a
/// test holds the two to the same bytes (`tests/fixtures/playbook_part.yml`, which the
/// template rendered), so a change to `play.yml` shows up there too.
fn playbook_part_of(name: &str, plan: &LparPlan<'_>) -> String {
    let play = yaml_quote_all(&["LPAR ", name]);
    let mut out = String::with_capacity(3072 + 640 * plan.steps.len());
    let mut line = |parts: &[&str]| push_line(&mut out, parts);
    line(&[
        "# The play of LPAR ",
        name,
        " for deploy/playbook.yml, generated by zat: do not edit, change the",
    ]);
    line(&[
        "# fleet script and rebuild the bundle. deploy/playbook.yml imports it after the jobs of the",
    ]);
    line(&["# LPAR's security database; run alone, it does not run them."]);
    line(&[""]);
    line(&["- name: ", &play]);
    line(&["  hosts: ", &yaml_quote(name)]);
    line(&["  gather_facts: false"]);
    line(&["  any_errors_fatal: true"]);
    line(&["  tags: [lpar]"]);
    line(&["  vars:"]);
    line(&[
        "    # The run's copy of the bundle (deploy/playbook.yml makes it), or the bundle itself.",
    ]);
    // The part is in deploy/lpars/: Ansible sets playbook_dir to an imported playbook's own
    // folder, so the bundle is two folders up.
    line(&[
        r#"    zat_bundle: "{{ zat_snapshot.stdout if zat_snapshot.stdout is defined else playbook_dir ~ '/../..' }}""#,
    ]);
    line(&["    # What to do when a job stops, told by the rescue below."]);
    line(&["    zat_resume: ", &playbook_resume(&plan.resume)]);
    line(&["  tasks:"]);
    line(&[
        "    # A failure stops the whole run (any_errors_fatal); the rescue first removes the run's",
    ]);
    line(&["    # copy of the bundle, which the last play would otherwise have removed."]);
    line(&["    - name: ", &play]);
    line(&["      block:"]);
    let file_var = |line: &mut dyn FnMut(&[&str]), file: &str| {
        line(&["          vars:"]);
        line(&[
            "            # The file's path in the bundle, never templated (!unsafe): only zat_bundle is.",
        ]);
        line(&["            zat_file: ", &yaml_quote(file)]);
    };
    let by_hand = |line: &mut dyn FnMut(&[&str]), path: &str, what: &str| {
        line(&["        - name: ", &yaml_quote_all(&["by hand: ", path])]);
        line(&["          ansible.builtin.debug:"]);
        line(&["            msg: ", &yaml_quote_all(&[path, ": ", what])]);
    };
    let mut made = BTreeSet::new();
    for step in &plan.steps {
        match step {
            Step::Submit(path) => {
                line(&["        - name: ", &yaml_quote_all(&["submit ", path])]);
                file_var(&mut line, path);
                line(&["          ibm.ibm_zos_core.zos_job_submit:"]);
                line(&[r#"            src: "{{ zat_bundle }}/{{ zat_file }}""#]);
                line(&["            remote_src: false"]);
                line(&["            wait_time: 1800"]);
                line(&[r#"            max_rc: "{{ zat_max_rc | default(0) }}""#]);
            }
            Step::Upload(path, placement) => {
                // zos_copy makes no folder above a z/OS UNIX file; `file` makes the folder and
                // every one above it, once per folder.
                if let Destination::UssFile { path: destination, .. } = &placement.destination
                    && let Some(folder) = folders_above(destination).pop()
                    && made.insert(folder)
                {
                    line(&["        - name: ", &yaml_quote_all(&["folder ", folder])]);
                    line(&[
                        "          # zos_copy makes no folder above a z/OS UNIX file; this makes the folder and the",
                    ]);
                    line(&["          # ones above it when they are missing."]);
                    line(&["          ansible.builtin.file:"]);
                    line(&["            path: ", &yaml_quote(folder)]);
                    line(&["            state: directory"]);
                }
                let destination = placement.zos_name().unwrap_or_default();
                line(&[
                    "        - name: ",
                    &yaml_quote_all(&["copy ", path, " to ", &destination]),
                ]);
                file_var(&mut line, path);
                line(&["          ibm.ibm_zos_core.zos_copy:"]);
                line(&[r#"            src: "{{ zat_bundle }}/{{ zat_file }}""#]);
                line(&["            dest: ", &yaml_quote(&destination)]);
                line(&["            force: true"]);
                line(&["            backup: true"]);
                let refused = match &placement.destination {
                    Destination::UssFile { mode, .. } => match octal_mode(mode) {
                        Some(mode) => {
                            line(&["            mode: ", &yaml_quote(mode)]);
                            None
                        }
                        None => Some(mode),
                    },
                    _ => None,
                };
                match placement.transfer {
                    Transfer::Binary => line(&["            is_binary: true"]),
                    Transfer::Text => {
                        line(&["            encoding:"]);
                        line(&["              from: UTF-8"]);
                        line(&["              to: ", &yaml_quote(&placement.code_page)]);
                    }
                }
                if let Some(mode) = refused {
                    by_hand(&mut line, path, &mode_refused(mode));
                }
            }
            Step::ByHand(path, what) => by_hand(&mut line, path, what),
        }
    }
    line(&["      rescue:"]);
    line(&[
        r#"        - name: "remove the run's copy of the bundle (deploy/snapshot.sh --remove)""#,
    ]);
    line(&["          ansible.builtin.command:"]);
    line(&[
        r#"            argv: [sh, "{{ playbook_dir }}/../../deploy/snapshot.sh", --remove, "{{ zat_snapshot.stdout }}"]"#,
    ]);
    line(&["          delegate_to: localhost"]);
    line(&["          run_once: true"]);
    line(&["          when: zat_snapshot.stdout is defined"]);
    line(&[r#"        - name: "stop the run""#]);
    line(&["          ansible.builtin.fail:"]);
    line(&[
        r#"            msg: "{{ ansible_failed_task.name | default('a step') }} failed: {{ ansible_failed_result.msg | default('see above') }}. If a job stopped, read its SYSTSPRT: {{ zat_resume }}""#,
    ]);
    out
}

/// A file left to a person, and what to do with it.
fn by_hand_task(path: &str, what: &str) -> Value {
    fields! {
        kind => "by_hand",
        name => yaml_quote_all(&["by hand: ", path]),
        file => None::<String>,
        msg => yaml_quote_all(&[path, ": ", what]),
    }
}

/// A job to submit; its path under the bundle is a task variable (`zat_file`, `!unsafe`), so
/// that only `zat_bundle` is templated in `src`.
fn submit_task(path: &str) -> Value {
    fields! {
        kind => "submit",
        name => yaml_quote_all(&["submit ", path]),
        file => yaml_quote(path),
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
    fn yaml_scalars_are_json_strings_ansible_never_templates() {
        assert_eq!(yaml_quote("a\"b"), r#"!unsafe "a\"b""#);
        assert_eq!(yaml_quote("x{{y{%z{#"), r#"!unsafe "x{{y{%z{#""#);
    }

    #[test]
    fn only_octal_modes_are_passed_on() {
        for good in ["644", "0644", "0755", "7777"] {
            assert_eq!(octal_mode(good), Some(good));
        }
        for bad in ["", "64", "06444", "0648", "u+rw", "0644 /dev/null; rm -rf $HOME; echo"] {
            assert_eq!(octal_mode(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_folders_above_a_file_top_first() {
        assert_eq!(folders_above("/etc/pagent/pagent.conf"), ["/etc", "/etc/pagent"]);
        assert_eq!(folders_above("/x"), Vec::<&str>::new());
        assert_eq!(folders_above("//a//b"), ["//a"]);
        assert_eq!(folders_above("relative/x"), Vec::<&str>::new());
    }

    /// A plan with every kind of step, quotes in its words and a mode that is not octal.
    fn every_step<'a>(placements: &'a [Placement; 4]) -> LparPlan<'a> {
        LparPlan {
            database_jobs: vec!["security/DB'1/racf/SETUP.jcl"],
            database_by_hand: vec![(
                "security/DB'1/racf/IMPORT.jcl",
                "submit it (runbook's step 1)",
            )],
            steps: vec![
                Step::Submit("lpars/SYS'1/racf/SERVAUTH.jcl"),
                Step::Upload("lpars/SYS'1/pagent/pagent.conf", &placements[0]),
                Step::Upload("lpars/SYS'1/pagent/x.policy", &placements[1]),
                Step::Upload("lpars/SYS'1/tcpip/TCPIP.profile", &placements[2]),
                Step::Upload("lpars/SYS'1/zosconnect/key.p12", &placements[3]),
                Step::ByHand(
                    "lpars/SYS'1/apps/A.ceeopts",
                    "in-stream after //CEEOPTS DD *".to_owned(),
                ),
            ],
            resume: Resume {
                discover: Some("security/DB'1/racf/DISCOVER.jcl".to_owned()),
                database: "DB'1".to_owned(),
            },
        }
    }

    fn placements() -> [Placement; 4] {
        let mut binary = Placement::uss_text("/etc/zc/key'.p12", "0600");
        binary.transfer = Transfer::Binary;
        [
            Placement::uss_text("/etc/pagent/pagent.conf", "0644"),
            Placement::uss_text("/etc/pagent/x.policy", "0644; rm -rf $HOME"),
            Placement::member_text("SYS1.TCPPARMS", "TP'X"),
            binary,
        ]
    }

    #[test]
    fn an_lpars_zowe_part_lays_out_every_kind_of_step() {
        let placements = placements();
        let plan = every_step(&placements);
        let part = zowe_part_of("SYS'1", "DB'1", &plan);
        assert_eq!(part, include_str!("../tests/fixtures/zowe_part.sh"));
    }

    /// [`every_step`] and steps whose words a YAML scalar escapes: `"`, `\\`, a tab, a new line
    /// and Ansible's template marks.
    fn odd_steps<'a>(placements: &'a [Placement; 4], odd: &'a Placement) -> LparPlan<'a> {
        let mut plan = every_step(placements);
        plan.steps.push(Step::Upload("lpars/SYS'1/x/\"q\".conf", odd));
        plan.steps
            .push(Step::ByHand("lpars/SYS'1/x/{{ y }}", "a\tb\nc \\ {% d %} {# e #}".to_owned()));
        plan.steps.push(Step::Submit("lpars/SYS'1/x/\"J\".jcl"));
        plan
    }

    /// An LPAR's part as `templates/playbook_lpar.yml` lays it out around `templates/play.yml`,
    /// from records like those of the fleet playbook's plays: what [`playbook_part_of`] writes.
    fn playbook_part_by_template(
        env: &Environment<'_>,
        name: &str,
        plan: &LparPlan<'_>,
    ) -> Result<String, EmitError> {
        let mut made = BTreeSet::new();
        let mut tasks: Vec<Value> = Vec::with_capacity(plan.steps.len() + 8);
        for step in &plan.steps {
            match step {
                Step::Submit(path) => tasks.push(submit_task(path)),
                Step::Upload(path, placement) => {
                    if let Destination::UssFile { path: destination, .. } = &placement.destination
                        && let Some(folder) = folders_above(destination).pop()
                        && made.insert(folder)
                    {
                        tasks.push(fields! {
                            kind => "folder",
                            name => yaml_quote_all(&["folder ", folder]),
                            file => None::<String>,
                            dest => yaml_quote(folder),
                        });
                    }
                    tasks.push(copy_task(path, placement));
                    if let Destination::UssFile { mode, .. } = &placement.destination
                        && octal_mode(mode).is_none()
                    {
                        tasks.push(by_hand_task(path, &mode_refused(mode)));
                    }
                }
                Step::ByHand(path, what) => tasks.push(by_hand_task(path, what)),
            }
        }
        let play = fields! {
            name => yaml_quote_all(&["LPAR ", name]),
            hosts => yaml_quote(name),
            run_once => false,
            tags => "[lpar]",
            root => "../..",
            resume => playbook_resume(&plan.resume),
            tasks => tasks,
        };
        let view = fields! { label => name, play => play };
        env.get_template("playbook_lpar")
            .and_then(|t| t.render(view))
            .map_err(crate::template_error)
    }

    fn copy_task(path: &str, placement: &Placement) -> Value {
        let mode = match &placement.destination {
            Destination::UssFile { mode, .. } => octal_mode(mode).map(yaml_quote),
            _ => None,
        };
        let destination = placement.zos_name().unwrap_or_default();
        fields! {
            kind => "copy",
            name => yaml_quote_all(&["copy ", path, " to ", &destination]),
            file => yaml_quote(path),
            dest => yaml_quote(&destination),
            mode => mode,
            binary => placement.transfer == Transfer::Binary,
            code_page => yaml_quote(&placement.code_page),
        }
    }

    /// The fixture is what `templates/playbook_lpar.yml` and `templates/play.yml` rendered for
    /// this plan before the writer replaced them for an LPAR's part.
    #[test]
    fn an_lpars_playbook_part_is_the_templates_play() {
        let placements = placements();
        let odd = Placement::uss_text("/u/\"a\"/b\\c/{{d}}.conf", "755");
        let plan = odd_steps(&placements, &odd);
        let part = playbook_part_of("SYS'1\"{{x}}", &plan);
        assert_eq!(part, include_str!("../tests/fixtures/playbook_part.yml"));
    }

    /// The writer follows the templates as they are now: a change to `play.yml`, which the
    /// fleet playbook's database plays still use, must be made in the writer too.
    #[test]
    fn an_lpars_playbook_part_follows_the_templates() {
        let placements = placements();
        let odd = Placement::uss_text("/u/\"a\"/b\\c/{{d}}.conf", "755");
        let mut env = crate::compile().expect("the templates compile");
        env.add_template("playbook_lpar", include_str!("../templates/playbook_lpar.yml"))
            .expect("the part's template compiles");
        let mut plan = odd_steps(&placements, &odd);
        for name in ["SYSA", "SYS'1\"{{x}}"] {
            let by_template = playbook_part_by_template(&env, name, &plan).expect("renders");
            assert_eq!(playbook_part_of(name, &plan), by_template, "{name}");
        }
        // Without a listing job, the resume's other sentence.
        plan.resume.discover = None;
        let by_template = playbook_part_by_template(&env, "SYSB", &plan).expect("renders");
        assert_eq!(playbook_part_of("SYSB", &plan), by_template);
    }

    #[test]
    fn profile_variables_are_shell_names() {
        assert_eq!(profile_variable("SYS@1"), "ZAT_ZOWE_PROFILE_SYS_1");
    }
}
