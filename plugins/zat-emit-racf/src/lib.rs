//! RACF emitter: batch TSO jobs for certificates, key rings, ring access and SERVAUTH profiles.
//!
//! Per RACF security database of the run ([`layout::security_dir`]):
//! - `SETUP.jcl`: CA certificates, partner CA imports, the certificates they sign, key rings and
//!   CONNECTs, exports, FACILITY or RDATALIB ring access, refreshes and listings;
//! - `BACKOUT.jcl`: undoes SETUP in the safe order, never deleting a site-wide profile;
//! - `CLASSES.jcl`: one-time class switches, only when `defaults.activate_classes`.
//!
//! Per LPAR of the run on a RACF database: `SERVAUTH.jcl` (`EZB.INITSTACK.<sys>.<tcp>` for
//! every stack with TTLS on) and `SERVAUTH-BACKOUT.jcl`.
//!
//! Databases whose ESM is not RACF get nothing. The README explains the job structure.
//!
//! Options (`--plugin-option racf.KEY=VALUE`):
//! - `racf.strict_tmp`: program of the strict steps, `IKJEFT1B` (default), `IKJEFT1A` or
//!   `IKJEFT01`. The exact condition codes of IKJEFT1A/1B are unconfirmed in the reference;
//!   the jobs test only `RC = 0`, which holds for every variant.
//! - `racf.raclisted`: comma-separated classes the site RACLISTs
//!   (default `DIGTCERT,DIGTRING,FACILITY,RDATALIB,SERVAUTH`); refreshes are written only for
//!   these, since refreshing a class that is not RACLISTed gives a warning RC (unconfirmed).

mod database;
mod job;
mod lpar;
mod racdcert;

use std::collections::BTreeSet;

use zat_plugin_api::model::{Diagnostic, Esm};
use zat_plugin_api::security;
use zat_plugin_api::{EmitError, Emitter, RenderRequest, RenderResponse};

use crate::job::Renderer;

/// Diagnostic codes of this emitter (ZAT034x).
mod codes {
    /// The JOB card cannot be written from the site defaults.
    pub(crate) const JOB_CARD: &str = "ZAT0340";
    /// A command cannot be laid out (a value too long for a line, an unsafe character).
    pub(crate) const COMMAND_LAYOUT: &str = "ZAT0341";
    /// A PKCS#12 export carries a password placeholder (warning).
    pub(crate) const PKCS12_PASSWORD: &str = "ZAT0342";
    /// A key ring has more than one DEFAULT connection.
    pub(crate) const SECOND_DEFAULT: &str = "ZAT0343";
    /// An unknown or invalid `racf.*` option.
    pub(crate) const OPTION: &str = "ZAT0344";
}

/// The RACF emitter (`racf`, provides `esm:racf`).
#[derive(Debug, Default)]
pub struct RacfEmitter;

/// Site choices from `RenderRequest.options`.
pub(crate) struct Options {
    pub(crate) strict_tmp: String,
    pub(crate) raclisted: BTreeSet<String>,
}

const DEFAULT_RACLISTED: &str = "DIGTCERT,DIGTRING,FACILITY,RDATALIB,SERVAUTH";

impl Options {
    fn from_request(request: &RenderRequest, diagnostics: &mut Vec<Diagnostic>) -> Options {
        let mut options =
            Options { strict_tmp: "IKJEFT1B".to_owned(), raclisted: classes(DEFAULT_RACLISTED) };
        for (key, value) in &request.options {
            let Some(name) = key.strip_prefix("racf.") else { continue };
            match name {
                "strict_tmp" => {
                    let program = value.trim().to_ascii_uppercase();
                    if matches!(program.as_str(), "IKJEFT01" | "IKJEFT1A" | "IKJEFT1B") {
                        options.strict_tmp = program;
                    } else {
                        diagnostics.push(
                            Diagnostic::error(
                                codes::OPTION,
                                format!("option racf.strict_tmp `{value}` is not a batch TMP"),
                            )
                            .help("use IKJEFT1B, IKJEFT1A or IKJEFT01"),
                        );
                    }
                }
                "raclisted" => options.raclisted = classes(value),
                _ => diagnostics.push(
                    Diagnostic::warning(codes::OPTION, format!("unknown option `{key}` ignored"))
                        .help("the racf emitter knows racf.strict_tmp and racf.raclisted"),
                ),
            }
        }
        options
    }
}

fn classes(list: &str) -> BTreeSet<String> {
    list.split([',', ' '])
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect()
}

impl Emitter for RacfEmitter {
    const NAME: &'static str = "racf";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const PROVIDES: &'static [&'static str] =
        &["esm:racf", zat_plugin_api::UNIT_DATABASE, zat_plugin_api::UNIT_LPAR];

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let mut response = RenderResponse::default();
        let options = Options::from_request(request, &mut response.diagnostics);
        let renderer = Renderer::new(options.strict_tmp.clone());
        let fleet = &request.fleet;
        let mut jobs = Vec::new();
        for db in security::databases_of(request, Esm::RACF) {
            if fleet.defaults.activate_classes {
                jobs.push(database::classes_job(fleet, db));
            }
            jobs.extend(database::jobs(fleet, db, &options, &mut response.diagnostics));
        }
        for lpar in security::lpars_on(request, Esm::RACF) {
            jobs.extend(lpar::jobs(fleet, lpar, &options));
        }
        for job in &jobs {
            renderer.render(&fleet.defaults.job, job, &mut response);
        }
        Ok(response)
    }
}
