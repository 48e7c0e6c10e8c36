//! Where each built-in emitter puts its files in the bundle, and where they go on z/OS.
//!
//! One place for the layout, so that the runbook (and any plugin that refers to another
//! emitter's files) names exactly the paths the other emitters write.
//! Paths are bundle-relative and use `/`.

use zat_model::{ApiRequester, Lpar, Placement, SiteDefaults, Stack, ZosConnectServer};

use crate::Unit;

/// The parts written one after the other into one string of the exact length: the paths of
/// every file of a fleet come through here (tens of thousands at scale), and `format!` over
/// a `format!`ed folder made two strings per path and went through the formatting machinery.
fn join(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Folder of one security database's jobs for its ESM: `security/<DB>/<esm>`.
pub fn security_dir(database: &str, esm: &str) -> String {
    join(&["security/", database, "/", esm])
}

/// The folder of the LPAR folders.
pub const LPARS_DIR: &str = "lpars";

/// Folder of one LPAR: `lpars/<LPAR>`.
pub fn lpar_dir(lpar: &str) -> String {
    join(&[LPARS_DIR, "/", lpar])
}

/// The security setup job of a database (certificates, rings, connects, ring access).
pub fn security_setup_job(database: &str, esm: &str) -> String {
    join(&["security/", database, "/", esm, "/SETUP.jcl"])
}

/// The back-out job that undoes [`security_setup_job`].
pub fn security_backout_job(database: &str, esm: &str) -> String {
    join(&["security/", database, "/", esm, "/BACKOUT.jcl"])
}

/// The read-only job that lists a database's state for `zat build --state`.
pub fn security_discover_job(database: &str, esm: &str) -> String {
    join(&["security/", database, "/", esm, "/DISCOVER.jcl"])
}

/// The job that adds partner CAs once their data sets are delivered.
pub fn security_import_job(database: &str, esm: &str) -> String {
    join(&["security/", database, "/", esm, "/IMPORT.jcl"])
}

/// The job that exports certificates with their private keys (PKCS#12).
pub fn security_key_job(database: &str, esm: &str) -> String {
    join(&["security/", database, "/", esm, "/KEY.jcl"])
}

/// The job that deletes what [`security_key_job`] wrote.
pub fn security_key_cleanup_job(database: &str, esm: &str) -> String {
    join(&["security/", database, "/", esm, "/KEY-CLEANUP.jcl"])
}

/// The order in which an ESM's jobs of the whole bundle run, one job per line.
pub fn security_job_order(esm: &str) -> String {
    format!("security/{esm}-ORDER.txt")
}

/// The one-time job with site-wide class switches (only when the fleet asks for it).
pub fn security_classes_job(database: &str, esm: &str) -> String {
    join(&["security/", database, "/", esm, "/CLASSES.jcl"])
}

/// The per-LPAR security job (SERVAUTH `EZB.INITSTACK` for the LPAR's stacks).
pub fn lpar_security_job(lpar: &str, esm: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/", esm, "/SERVAUTH.jcl"])
}

/// The per-LPAR back-out of [`lpar_security_job`].
pub fn lpar_security_backout_job(lpar: &str, esm: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/", esm, "/SERVAUTH-BACKOUT.jcl"])
}

/// Policy Agent main configuration file.
pub fn pagent_main(lpar: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/pagent/pagent.conf"])
}

/// Policy Agent image file of one stack.
pub fn pagent_image(lpar: &str, stack: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/pagent/", stack, ".image"])
}

/// AT-TLS policy file of one stack.
pub fn pagent_policy(lpar: &str, stack: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/pagent/", stack, ".policy"])
}

/// z/OS UNIX path of the Policy Agent main file.
pub fn pagent_main_target(lpar: &Lpar) -> String {
    join(&[lpar.pagent.config_dir.trim_end_matches('/'), "/pagent.conf"])
}

/// z/OS UNIX path of a stack's image file.
pub fn pagent_image_target(lpar: &Lpar, stack: &Stack) -> String {
    join(&[lpar.pagent.config_dir.trim_end_matches('/'), "/", &stack.name, ".image"])
}

/// z/OS UNIX path of a stack's AT-TLS policy file.
pub fn pagent_policy_target(lpar: &Lpar, stack: &Stack) -> String {
    join(&[lpar.pagent.config_dir.trim_end_matches('/'), "/", &stack.name, ".policy"])
}

/// TCPIP PROFILE snippet of one stack (`TCPCONFIG TTLS`, to include in the initial profile).
pub fn tcpip_profile(lpar: &str, stack: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/tcpip/", stack, ".profile"])
}

/// OBEYFILE member of one stack (turns TTLS on without a restart).
pub fn tcpip_obeyfile(lpar: &str, stack: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/tcpip/", stack, ".obey"])
}

/// Member name, in `SiteDefaults.tcpparms`, of a stack's PROFILE snippet: `TP` and six
/// characters derived from the LPAR and stack names.
///
/// One data set holds the members of the whole fleet, so the name must differ per LPAR and
/// stack, stay stable when LPARs are added, and fit 8 characters: a hash does all three.
/// The TCP/IP emitter reports the (unlikely) case of two stacks getting the same name.
pub fn tcpip_profile_member(lpar: &str, stack: &str) -> String {
    format!("TP{}", member_hash(lpar, stack))
}

/// Member name, in `SiteDefaults.tcpparms`, of a stack's OBEYFILE member: `TO` and the same
/// six characters as [`tcpip_profile_member`].
pub fn tcpip_obeyfile_member(lpar: &str, stack: &str) -> String {
    format!("TO{}", member_hash(lpar, stack))
}

/// `DSN(MEMBER)` of a member in the site's TCP/IP parameter data set.
pub fn tcpparms_target(defaults: &SiteDefaults, member: &str) -> String {
    format!("{}({member})", defaults.tcpparms.to_ascii_uppercase())
}

/// Six characters `A-Z0-9` from the stable hash of `LPAR.STACK` (upper-cased), so the same
/// names give the same member on every build and every platform.
fn member_hash(lpar: &str, stack: &str) -> String {
    let key = format!("{}.{}", lpar.to_ascii_uppercase(), stack.to_ascii_uppercase());
    zat_zos::hash::base36_suffix(&key, 6)
}

/// syslogd configuration of one LPAR.
pub fn syslog_conf(lpar: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/syslog/syslog.conf"])
}

/// CEEOPTS in-stream data of one API requester.
pub fn ceeopts(lpar: &str, requester: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/apps/", requester, ".ceeopts"])
}

/// z/OS target of [`syslog_conf`]: the LPAR's configured syslogd configuration path.
pub fn syslog_conf_target(lpar: &Lpar) -> String {
    lpar.syslog.config_path.clone()
}

/// Where [`ceeopts`] goes: the records follow `//CEEOPTS DD *` in the requester's job.
pub fn ceeopts_target(requester: &ApiRequester) -> String {
    join(&["in-stream after //CEEOPTS DD * in the JCL of job ", &requester.jobname])
}

/// Liberty `server.xml` snippet of one z/OS Connect server.
pub fn zosconnect_server_xml(lpar: &str, server: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/zosconnect/", server, ".server.xml"])
}

/// Where [`zosconnect_server_xml`] goes: included from the Liberty server's `server.xml`.
pub fn zosconnect_server_xml_target(server: &ZosConnectServer) -> String {
    format!("include from the server.xml of z/OS Connect server {}", server.name)
}

/// Permission bits of the configuration files zat puts on z/OS UNIX (Policy Agent, syslogd):
/// the owner writes, everyone reads. The files hold no secret (key rings stay in the
/// security manager), and Policy Agent and syslogd run under their own user IDs, which must
/// read them (z/OS Communications Server: IP Configuration Guide, Policy Agent and syslogd
/// chapters).
pub const CONFIG_FILE_MODE: &str = "0644";

/// Placement of a configuration file on z/OS UNIX at `path` (Policy Agent files, syslogd).
pub fn uss_config_placement(path: &str) -> Placement {
    Placement::uss_text(path, CONFIG_FILE_MODE)
}

/// Placement of a member of the site's TCP/IP parameter data set (see [`tcpparms_target`]).
pub fn tcpparms_placement(defaults: &SiteDefaults, member: &str) -> Placement {
    Placement::member_text(defaults.tcpparms.to_ascii_uppercase(), member)
}

/// Placement of a batch job: submitted, never stored on z/OS.
pub fn job_placement() -> Placement {
    Placement::job()
}

/// Placement of [`ceeopts`]: pasted by hand into the requester's job ([`ceeopts_target`]).
pub fn ceeopts_placement(requester: &ApiRequester) -> Placement {
    Placement::manual_text(ceeopts_target(requester))
}

/// Placement of [`zosconnect_server_xml`]: included by hand, copied in binary because the
/// file declares UTF-8 and Liberty reads it as written.
pub fn zosconnect_server_xml_placement(server: &ZosConnectServer) -> Placement {
    Placement::manual_utf8(zosconnect_server_xml_target(server))
}

/// The deploy script for Zowe CLI, written by the index pass (the runbook emitter).
pub const DEPLOY_ZOWE: &str = "deploy/zowe.sh";

/// The deploy playbook for Ansible's `ibm.ibm_zos_core`, written by the index pass.
pub const DEPLOY_PLAYBOOK: &str = "deploy/playbook.yml";

/// The script [`DEPLOY_PLAYBOOK`] runs first on the controller: a copy of the bundle beside it,
/// made under the bundle's lock, that the run's plays read from (written with it).
pub const DEPLOY_SNAPSHOT: &str = "deploy/snapshot.sh";

/// One LPAR's steps of [`DEPLOY_ZOWE`], which reads it: written in the LPAR's own index call,
/// so that the fleet's script stays a few lines per LPAR.
pub fn deploy_zowe_part(lpar: &str) -> String {
    format!("deploy/lpars/{lpar}.sh")
}

/// One LPAR's play of [`DEPLOY_PLAYBOOK`], which imports it (written as [`deploy_zowe_part`]).
pub fn deploy_playbook_part(lpar: &str) -> String {
    format!("deploy/lpars/{lpar}.yml")
}

/// Whether a call for `unit` may write the bundle file `path`. The units share the bundle out,
/// so that each file is one unit's: carried over with that unit when it does not change, and
/// recorded in the manifest as written in that unit's call.
///
/// - An LPAR unit writes under its folder, `lpars/<LPAR>/`, and its parts of the deploy
///   scripts, `deploy/lpars/<LPAR>.<extension>` ([`deploy_zowe_part`], [`deploy_playbook_part`]).
/// - A database unit writes under its folder, `security/<DB>/` ([`security_dir`]).
/// - The fleet unit writes everything else: any path outside `lpars/`, `deploy/lpars/` and
///   every folder of `security/` ([`FLEET_README`], [`DEPLOY_ZOWE`], [`security_job_order`]).
///
/// Names compare exactly, as [`lpar_dir`] and [`security_dir`] write them. A path with an
/// empty, `.` or `..` part is no unit's. A call for the whole fleet (no unit) is not bound by
/// this: it may write any legal path.
pub fn unit_writes(unit: &Unit, path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.iter().any(|part| part.is_empty() || *part == "." || *part == "..") {
        return false;
    }
    match (unit, parts.as_slice()) {
        (Unit::Lpar { name }, [LPARS_DIR, lpar, _, ..]) => lpar == name,
        (Unit::Lpar { name }, ["deploy", "lpars", file]) => {
            file.split_once('.').is_some_and(|(lpar, _)| lpar == name)
        }
        (Unit::Database { name }, ["security", database, _, ..]) => database == name,
        (Unit::Lpar { .. } | Unit::Database { .. }, _) => false,
        (Unit::Fleet, [LPARS_DIR, ..] | ["deploy", "lpars", ..] | ["security", _, _, ..]) => false,
        (Unit::Fleet, _) => true,
    }
}

/// The operator runbook of one LPAR.
pub fn runbook(lpar: &str) -> String {
    join(&[LPARS_DIR, "/", lpar, "/RUNBOOK.md"])
}

/// The fleet-level index at the bundle root.
pub const FLEET_README: &str = "README.md";

/// The manifest at the bundle root (written by the host, never by a plugin).
pub const MANIFEST: &str = "MANIFEST.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unit_writes_its_own_paths_only() {
        let lpar = Unit::Lpar { name: "SYS1".to_owned() };
        let database = Unit::Database { name: "PLEX1".to_owned() };
        let fleet = Unit::Fleet;
        let rows: &[(&str, [bool; 3])] = &[
            // path: [lpar SYS1, database PLEX1, fleet]
            ("lpars/SYS1/pagent/TCPIP.policy", [true, false, false]),
            ("lpars/SYS1/racf/SERVAUTH.jcl", [true, false, false]),
            ("lpars/SYS1/RUNBOOK.md", [true, false, false]),
            ("deploy/lpars/SYS1.sh", [true, false, false]),
            ("deploy/lpars/SYS1.yml", [true, false, false]),
            ("lpars/SYS2/foreign.txt", [false, false, false]),
            ("lpars/SYS10/x.txt", [false, false, false]),
            ("lpars/SYS1", [false, false, false]),
            ("lpars/SYS1/../SYS2/x.txt", [false, false, false]),
            ("deploy/lpars/SYS2.sh", [false, false, false]),
            ("deploy/lpars/SYS1", [false, false, false]),
            ("security/PLEX1/racf/SETUP.jcl", [false, true, false]),
            ("security/PLEX2/racf/EXTRA.jcl", [false, false, false]),
            ("security/racf-ORDER.txt", [false, false, true]),
            ("README.md", [false, false, true]),
            ("deploy/zowe.sh", [false, false, true]),
            ("inventory/rules.csv", [false, false, true]),
        ];
        for (path, [by_lpar, by_database, by_fleet]) in rows {
            assert_eq!(unit_writes(&lpar, path), *by_lpar, "lpar: {path}");
            assert_eq!(unit_writes(&database, path), *by_database, "database: {path}");
            assert_eq!(unit_writes(&fleet, path), *by_fleet, "fleet: {path}");
        }
    }
}
