//! Does some loaded plugin write the jobs of every security database? A pure check run before
//! any plugin renders, so a fleet with an ACF2 or Top Secret database fails with a clear
//! diagnostic instead of building a bundle without that database's security jobs.

use std::collections::BTreeSet;

use zat_plugin_api::model::{Diagnostic, Esm, Fleet};

/// Code of the "no emitter for this ESM" error.
pub const CODE_NO_ESM_EMITTER: &str = "ZAT0390";

/// The capability a plugin declares (`PROVIDES`) to write the jobs of a security manager.
pub fn esm_capability(esm: &Esm) -> String {
    esm.capability()
}

/// One error per security database in the run whose ESM no plugin provides: the database,
/// its origin, the ESM, and how to load a plugin for it. `only_lpars` limits the run as
/// `--only` does (an empty list means the whole fleet); `provided` is the union of the
/// loaded plugins' capabilities.
pub fn esm_coverage(
    fleet: &Fleet,
    only_lpars: &[String],
    provided: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    fleet
        .security_databases
        .iter()
        .filter(|db| {
            only_lpars.is_empty()
                || fleet.lpars_of(&db.name).any(|lpar| only_lpars.contains(&lpar.name))
        })
        .filter(|db| !provided.contains(&esm_capability(&db.esm)))
        .map(|db| {
            let capability = esm_capability(&db.esm);
            Diagnostic::error(
                CODE_NO_ESM_EMITTER,
                format!(
                    "no loaded plugin writes the jobs of security database {}: its ESM is {} \
                     and no plugin provides `{capability}`",
                    db.name,
                    db.esm.as_str()
                ),
            )
            .object(format!("security database {}", db.name))
            .at(&db.origin)
            .help(how_to_load(&db.esm))
        })
        .collect()
}

/// What to do about a missing ESM emitter, naming the library that provides it when zat ships
/// one, and what a site plugin must declare otherwise.
fn how_to_load(esm: &Esm) -> String {
    let shipped = match esm.as_str() {
        Esm::RACF => Some(("zat-emit-racf-cdylib", "zat_racf")),
        Esm::ACF2 => Some(("zat-emit-acf2-cdylib", "zat_acf2")),
        Esm::TSS => Some(("zat-emit-top-secret-cdylib", "zat_top_secret")),
        _ => None,
    };
    let Some((package, crate_name)) = shipped else {
        return format!(
            "load the site plugin that writes {esm} jobs (its info must list `{}` in \
             provides) with `--plugin-dir DIR` or {}; `zat plugins list` shows what is loaded",
            esm.capability(),
            crate::PLUGIN_PATH_ENV
        );
    };
    let library =
        format!("{}{crate_name}{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    let builtin = if esm == Esm::RACF {
        "the RACF emitter is built into zat: do not turn it off (--no-builtin, --plugin racf=off), or "
    } else {
        ""
    };
    format!(
        "{builtin}put the plugin library {library} (cargo build --release -p {package}) into a \
         folder and pass `--plugin-dir DIR`, or add the folder to {}; `zat plugins list` shows \
         what is loaded",
        crate::PLUGIN_PATH_ENV
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use zat_plugin_api::model::{
        Fleet, JobCard, Lpar, Origin, PagentSettings, SecurityDatabase, SiteDefaults,
        SyslogSettings,
    };

    use super::*;

    fn database(name: &str, esm: Esm, line: u32) -> SecurityDatabase {
        SecurityDatabase {
            name: name.into(),
            esm,
            certificates: Vec::new(),
            keyrings: Vec::new(),
            ring_access: Vec::new(),
            discovered: None,
            origin: Origin::new("fleet.rhai", line, 1),
        }
    }

    pub(crate) fn lpar(name: &str, database: &str) -> Lpar {
        Lpar {
            name: name.into(),
            security_database: database.into(),
            pagent: PagentSettings {
                jobname: "PAGENT".into(),
                userid: "PAGENT".into(),
                config_dir: "/etc/pagent".into(),
                log_level: 31,
                flush: true,
                purge: false,
                refresh_interval: 1800,
                release: None,
            },
            syslog: SyslogSettings {
                jobname: "SYSLOGD".into(),
                config_path: "/etc/syslog.conf".into(),
                attls_log: "/var/log/attls".into(),
                attls_level: "info".into(),
                pagent_log: "/var/log/pagent".into(),
                pagent_level: "info".into(),
                error_log: None,
            },
            stacks: Vec::new(),
            origin: Origin::default(),
        }
    }

    pub(crate) fn fleet() -> Fleet {
        Fleet {
            name: "F".into(),
            defaults: SiteDefaults {
                job: JobCard {
                    name_prefix: "ZAT".into(),
                    accounting: String::new(),
                    programmer: String::new(),
                    class: "A".into(),
                    msgclass: "H".into(),
                    notify: None,
                },
                hlq: "ATTLS".into(),
                pagent_dir: "/etc/pagent".into(),
                tcpparms: "SYS1.TCPPARMS".into(),
                program_conditional_permits: false,
                activate_classes: false,
                explicit: Vec::new(),
                origin: None,
            },
            security_databases: vec![
                database("PLEXR", Esm::racf(), 3),
                database("PLEXA", Esm::new(Esm::ACF2), 4),
                database("PLEXT", Esm::new(Esm::TSS), 5),
            ],
            security_levels: Vec::new(),
            zos_connect_servers: Vec::new(),
            lpars: vec![lpar("SYSR", "PLEXR"), lpar("SYSA", "PLEXA"), lpar("SYST", "PLEXT")],
            origin: Origin::default(),
        }
    }

    fn provided(caps: &[&str]) -> BTreeSet<String> {
        caps.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn every_esm_provided_is_fine() {
        let all = provided(&["esm:racf", "esm:acf2", "esm:tss", "other"]);
        assert!(esm_coverage(&fleet(), &[], &all).is_empty());
    }

    #[test]
    fn a_missing_esm_names_the_database_the_esm_and_the_library() {
        let found = esm_coverage(&fleet(), &[], &provided(&["esm:racf"]));
        assert_eq!(found.len(), 2);
        let acf2 = &found[0];
        assert_eq!(acf2.code, CODE_NO_ESM_EMITTER);
        assert!(acf2.is_error());
        assert!(acf2.message.contains("PLEXA") && acf2.message.contains("acf2"), "{acf2}");
        assert!(acf2.message.contains("`esm:acf2`"), "{acf2}");
        assert_eq!(acf2.origin, Some(Origin::new("fleet.rhai", 4, 1)));
        assert_eq!(acf2.object, "security database PLEXA");
        let help = acf2.help.as_deref().unwrap_or("");
        assert!(help.contains("--plugin-dir") && help.contains("ZAT_PLUGIN_PATH"), "{help}");
        assert!(help.contains("zat_acf2"), "{help}");
        assert!(found[1].message.contains("PLEXT"));
        assert!(found[1].help.as_deref().unwrap_or("").contains("zat_top_secret"));
    }

    #[test]
    fn a_site_esm_is_covered_by_whatever_plugin_provides_it() {
        let mut fleet = fleet();
        fleet.security_databases[2].esm = Esm::new("sitesec");
        let all = provided(&["esm:racf", "esm:acf2"]);
        let found = esm_coverage(&fleet, &[], &all);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`esm:sitesec`"), "{}", found[0]);
        let help = found[0].help.as_deref().unwrap_or("");
        assert!(help.contains("site plugin") && help.contains("`esm:sitesec`"), "{help}");
        let with_site = provided(&["esm:racf", "esm:acf2", "esm:sitesec"]);
        assert!(esm_coverage(&fleet, &[], &with_site).is_empty());
    }

    #[test]
    fn racf_without_its_builtin_is_reported_too() {
        let found = esm_coverage(&fleet(), &[], &provided(&["esm:acf2", "esm:tss"]));
        assert_eq!(found.len(), 1);
        assert!(found[0].help.as_deref().unwrap_or("").contains("built into zat"));
    }

    #[test]
    fn only_the_databases_of_the_selected_lpars_count() {
        let none = provided(&[]);
        let found = esm_coverage(&fleet(), &["SYST".to_owned()], &none);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("PLEXT"));
        assert!(esm_coverage(&fleet(), &["SYSR".to_owned()], &provided(&["esm:racf"])).is_empty());
    }
}
