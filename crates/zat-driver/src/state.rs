//! `zat build --state DB=FILE`: the listing of a database's DISCOVER job, read and attached to
//! the database as [`DiscoveredState`], so that every ESM emitter plans against it.

use std::path::Path;

use zat_model::{
    CertOwner, Diagnostic, DiscoveredCertificate, DiscoveredClasses, DiscoveredCondition,
    DiscoveredConnection, DiscoveredEntry, DiscoveredProfile, DiscoveredRing, DiscoveredState, Esm,
    Fleet, ResourceAccess, Usage,
};
use zat_plugin_api::layout;
use zat_racf_state as racf;

/// Diagnostic code of a listing that cannot be used: a line that cannot be read, or a command
/// of the database's DISCOVER job that it does not answer. One code for both, since the remedy
/// is the same: the whole SYSTSPRT of that database's DISCOVER job.
pub const CODE_STATE: &str = "ZAT0345";

/// How many unanswered commands a diagnostic names; the job has them all.
const NAMED: usize = 3;

/// Reads each `(database, file)` listing and attaches it to its database. A database the fleet
/// does not have, or whose ESM has no documented listing reader, is a usage message; a file
/// that cannot be read is a usage message; a line of a listing that cannot be parsed, or a
/// command of the database's DISCOVER job that the listing does not answer, is an error
/// diagnostic naming the file.
pub(crate) fn attach(
    fleet: &mut Fleet,
    states: &[(String, std::path::PathBuf)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(), Vec<String>> {
    let mut usage = Vec::new();
    for (name, path) in states {
        let Some(at) = fleet.security_databases.iter().position(|d| &d.name == name) else {
            usage.push(format!(
                "--state names security database `{name}`, which the fleet does not define"
            ));
            continue;
        };
        let db = &fleet.security_databases[at];
        if db.esm != Esm::RACF {
            usage.push(format!(
                "--state {name}: zat reads discovery listings of RACF only, and `{name}` is {}; \
                 its jobs follow the script's declarations",
                db.esm
            ));
            continue;
        }
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(error) => {
                usage.push(format!("cannot read --state file {}: {error}", path.display()));
                continue;
            }
        };
        match racf::parse_listing(&text) {
            Ok(listing) => {
                let commands = zat_emit_racf::discover_commands(fleet, db);
                match unanswered(name, path, &listing, &commands) {
                    None => {
                        fleet.security_databases[at].discovered =
                            Some(from_racf(&listing.state, path));
                    }
                    Some(diagnostic) => diagnostics.push(diagnostic),
                }
            }
            Err(error) => diagnostics.push(
                Diagnostic::error(
                    CODE_STATE,
                    format!("{}:{}: cannot read the DISCOVER listing: {}", path.display(), error.line, error.reason),
                )
                .object(format!("security database {name}"))
                .help(format!(
                    "the line reads `{}`; give the SYSTSPRT of the DISCOVER job exactly as downloaded",
                    error.text
                )),
            ),
        }
    }
    if usage.is_empty() { Ok(()) } else { Err(usage) }
}

/// The error for a listing that does not answer every command of the database's DISCOVER job,
/// or `None` when it answers them all. The plan takes whatever the listing does not show as
/// absent: SETUP would add it again and BACKOUT would delete it, the site's own ring or CA
/// included. So a listing cut off before the end, or another database's, is refused whole.
fn unanswered(
    name: &str,
    path: &Path,
    listing: &racf::Listing,
    commands: &[String],
) -> Option<Diagnostic> {
    let missing = listing.unanswered(commands);
    if missing.is_empty() {
        return None;
    }
    let named: Vec<String> = missing.iter().take(NAMED).map(|c| format!("`{c}`")).collect();
    let more = match missing.len() - named.len() {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let why = match listing.unasked(commands).first() {
        Some(other) => format!(
            "it answers commands the job does not run, such as `{other}`: it may be another \
             database's listing"
        ),
        None => "it may be cut off".to_owned(),
    };
    Some(
        Diagnostic::error(
            CODE_STATE,
            format!(
                "{}: the listing does not answer {} of the {} commands of the DISCOVER job of \
                 security database {name}: {}{more}; {why}",
                path.display(),
                missing.len(),
                commands.len(),
                named.join(", "),
            ),
        )
        .object(format!("security database {name}"))
        .help(format!(
            "zat takes what a listing does not show as absent, so SETUP would add it again and \
             BACKOUT would delete it; run {} again and give its whole SYSTSPRT with --state \
             {name}=FILE",
            layout::security_discover_job(name, Esm::RACF)
        )),
    )
}

fn owner(owner: &racf::CertOwner) -> CertOwner {
    match owner {
        racf::CertOwner::Certauth => CertOwner::Certauth,
        racf::CertOwner::Site => CertOwner::Site,
        racf::CertOwner::User(id) => CertOwner::User(id.clone()),
    }
}

fn access(access: racf::Access) -> ResourceAccess {
    match access {
        racf::Access::None => ResourceAccess::None,
        racf::Access::Execute => ResourceAccess::Execute,
        racf::Access::Read => ResourceAccess::Read,
        racf::Access::Update => ResourceAccess::Update,
        racf::Access::Control => ResourceAccess::Control,
        racf::Access::Alter => ResourceAccess::Alter,
    }
}

/// The RACF state as the ESM-neutral model shape.
pub fn from_racf(state: &racf::RacfState, source: &Path) -> DiscoveredState {
    let certificates = state
        .certificates
        .iter()
        .map(|(key, cert)| DiscoveredCertificate {
            owner: owner(&key.owner),
            label: key.label.clone(),
            subject: cert.subject.clone(),
            private_key: cert.private_key,
        })
        .collect();
    let keyrings = state
        .rings
        .iter()
        .map(|(key, ring)| DiscoveredRing {
            owner: key.owner.clone(),
            name: key.name.clone(),
            connections: ring
                .connections
                .iter()
                .map(|(cert, c)| DiscoveredConnection {
                    cert_owner: owner(&cert.owner),
                    label: cert.label.clone(),
                    usage: match c.usage {
                        racf::RingUsage::Personal => Usage::Personal,
                        racf::RingUsage::Certauth => Usage::Certauth,
                        racf::RingUsage::Site => Usage::Site,
                    },
                    default: c.default,
                })
                .collect(),
        })
        .collect();
    let profiles = state
        .profiles
        .iter()
        .map(|(key, p)| DiscoveredProfile {
            class: key.class.clone(),
            name: key.name.clone(),
            generic: p.generic,
            uacc: access(p.uacc),
            access: p
                .access
                .iter()
                .map(|(id, a)| DiscoveredEntry { id: id.clone(), access: access(*a) })
                .collect(),
            conditional: p
                .conditional
                .iter()
                .map(|(c, a)| DiscoveredCondition {
                    id: c.id.clone(),
                    class: c.class.clone(),
                    entity: c.entity.clone(),
                    access: access(*a),
                })
                .collect(),
        })
        .collect();
    let classes = state.setropts.as_ref().map(|s| DiscoveredClasses {
        active: s.active.iter().cloned().collect(),
        raclisted: s.raclist.iter().cloned().collect(),
        generic: s.generic.iter().cloned().collect(),
        when_program: s.when_program,
    });
    let source = source
        .file_name()
        .map_or_else(|| source.display().to_string(), |name| name.to_string_lossy().into_owned());
    DiscoveredState { source, certificates, keyrings, profiles, classes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path, text: &str) -> std::path::PathBuf {
        let path = dir.join("discover.txt");
        std::fs::write(&path, text).expect("write");
        path
    }

    const SETROPTS: &str = "READY\nSETROPTS LIST\nATTRIBUTES = INITSTATS WHEN(PROGRAM)\n\
                            ACTIVE CLASSES = DIGTCERT SERVAUTH\nGENERIC PROFILE CLASSES = SERVAUTH\n\
                            GENERIC COMMAND CLASSES = SERVAUTH\nSETR RACLIST CLASSES = SERVAUTH\n\
                            GLOBAL=YES RACLIST ONLY = NONE\nREADY\n";

    /// The SYSTSPRT of PLEX1's DISCOVER job on a database that has none of the seed's objects:
    /// the class settings, then RACF's not-found answer to every other command.
    fn empty_database_listing(fleet: &Fleet) -> String {
        let mut text = SETROPTS.to_owned();
        for command in zat_emit_racf::discover_commands(fleet, &fleet.security_databases[0]) {
            let answer = if command.starts_with("SETROPTS") {
                continue;
            } else if command.starts_with("RLIST") {
                let name = command.split_whitespace().nth(2).expect("RLIST's profile name");
                format!("ICH13003I {name} NOT FOUND")
            } else if command.contains("LISTRING") {
                "IRRD114I Ring does not exist.".to_owned()
            } else {
                "IRRD107I No matching certificate was found for this user.".to_owned()
            };
            text.push_str(&format!(" {command}\n{answer}\nREADY\n"));
        }
        text.push_str("END\n");
        text
    }

    #[test]
    fn a_listing_is_attached_to_its_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut fleet = zat_core::fixtures::seed().fleet;
        let path = listing(dir.path(), &empty_database_listing(&fleet));
        let mut diagnostics = Vec::new();
        let states = [("PLEX1".to_owned(), path)];
        assert_eq!(attach(&mut fleet, &states, &mut diagnostics), Ok(()));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let discovered = fleet.security_databases[0].discovered.as_ref().expect("attached");
        assert_eq!(discovered.source, "discover.txt");
        let classes = discovered.classes.as_ref().expect("class settings");
        assert_eq!(classes.active, ["DIGTCERT", "SERVAUTH"]);
    }

    /// A listing that answers only some of the job's commands shows nothing about the rest:
    /// planning against it would take them as absent, so it is refused and not attached.
    #[test]
    fn a_listing_that_leaves_a_command_of_the_job_unanswered_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut fleet = zat_core::fixtures::seed().fleet;
        let commands = zat_emit_racf::discover_commands(&fleet, &fleet.security_databases[0]);
        assert!(commands.len() > 4, "{commands:?}");
        let full = empty_database_listing(&fleet);
        let last = commands.last().expect("a command");
        // Only the class settings; and the whole listing with the last command's output cut
        // off (no READY after it).
        let cut = &full[..full.rfind("READY").expect("the last READY")];
        for (text, first, more) in [
            (SETROPTS, &commands[1], format!(" and {} more", commands.len() - 4)),
            (cut, last, String::new()),
        ] {
            let path = listing(dir.path(), text);
            let mut diagnostics = Vec::new();
            let states = [("PLEX1".to_owned(), path)];
            assert_eq!(attach(&mut fleet, &states, &mut diagnostics), Ok(()));
            let [d] = diagnostics.as_slice() else { panic!("{diagnostics:#?}") };
            assert!(d.is_error());
            assert_eq!(d.code, CODE_STATE);
            assert_eq!(d.object, "security database PLEX1");
            for part in ["discover.txt: ", "security database PLEX1", &format!("`{first}`"), &more]
            {
                assert!(d.message.contains(part), "{part}: {}", d.message);
            }
            let help = d.help.as_deref().unwrap_or_default();
            assert!(
                help.contains("run security/PLEX1/racf/DISCOVER.jcl again")
                    && help.contains("whole SYSTSPRT"),
                "{help}"
            );
            assert!(fleet.security_databases[0].discovered.is_none());
        }
    }

    #[test]
    fn other_esms_unknown_databases_and_bad_lines_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = listing(dir.path(), "READY\nNOT A RACF DISPLAY\n");
        let mut fleet = zat_core::fixtures::seed().fleet;
        let mut diagnostics = Vec::new();
        let states = [("PLEX1".to_owned(), path.clone())];
        assert_eq!(attach(&mut fleet, &states, &mut diagnostics), Ok(()));
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, CODE_STATE);
        assert!(diagnostics[0].message.contains("discover.txt:2"), "{}", diagnostics[0].message);
        assert!(fleet.security_databases[0].discovered.is_none());

        let states = [("NOPE".to_owned(), path.clone())];
        let errors = attach(&mut fleet, &states, &mut Vec::new()).expect_err("unknown database");
        assert!(errors[0].contains("`NOPE`"), "{errors:?}");
        fleet.security_databases[0].esm = Esm::new(Esm::ACF2);
        let states = [("PLEX1".to_owned(), path)];
        let errors = attach(&mut fleet, &states, &mut Vec::new()).expect_err("not RACF");
        assert!(errors[0].contains("RACF only"), "{errors:?}");
    }
}
