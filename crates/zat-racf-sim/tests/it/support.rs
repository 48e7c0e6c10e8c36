//! Rendering a fleet script's RACF jobs in process, the order they are submitted in, what they
//! must reach, and the starting states of the issue.

use std::collections::BTreeMap;
use std::path::PathBuf;

use zat_emit_racf::RacfEmitter;
use zat_plugin_api::model::{self, Esm, Fleet, RingAccess, Usage};
use zat_plugin_api::{Emitter, RenderRequest};
use zat_racf_sim::{Config, DataSet, DataSets, Expected, Grant, JobRun, Racf};
use zat_racf_state::{
    Access, CertOwner, CertRef, Certificate, Profile, ProfileRef, RacfState, RingRef, RingUsage,
    Setropts, TrustStatus,
};

/// A fleet script's RACF jobs, by bundle path.
pub struct Bundle {
    pub fleet: Fleet,
    pub files: BTreeMap<String, String>,
    /// Warnings and errors of the emitter.
    pub diagnostics: Vec<model::Diagnostic>,
}

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

/// Runs the script and prepares the fleet, as `zat build` does.
pub fn fleet(script: &str) -> Fleet {
    let fleet = zat_script::run_file(&repo(script), &zat_script::ScriptOptions::default())
        .unwrap_or_else(|d| panic!("{script} does not run: {d:#?}"));
    let prepared = zat_core::prepare(fleet);
    assert!(!prepared.has_errors(), "{script}: {:#?}", prepared.diagnostics);
    prepared.fleet
}

/// Runs the script, prepares the fleet and renders the RACF emitter, as `zat build` does
/// without `--state`.
pub fn bundle(script: &str) -> Bundle {
    bundle_of(fleet(script))
}

pub fn bundle_of(fleet: Fleet) -> Bundle {
    bundle_with(fleet, &[])
}

/// [`bundle_of`] with `racf.*` plugin options.
pub fn bundle_with(fleet: Fleet, options: &[(&str, &str)]) -> Bundle {
    let options = options.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let response = RacfEmitter
        .render(&RenderRequest::new(fleet.clone(), "test").with_options(options))
        .unwrap_or_else(|e| panic!("the RACF emitter refuses the fleet: {e}"));
    let files = response.files.into_iter().map(|f| (f.path, f.content)).collect();
    Bundle { fleet, files, diagnostics: response.diagnostics }
}

/// What `zat build --state DB=FILE` does for every database of `fleet`: each database's
/// DISCOVER job runs against the world (read-only), its SYSTSPRT is parsed as the driver parses
/// the downloaded file, and the RACF emitter renders against those states.
pub fn planned(fleet: &Fleet, world: &World) -> Bundle {
    planned_with(fleet, world, &[])
}

/// [`planned`] with `racf.*` plugin options.
pub fn planned_with(fleet: &Fleet, world: &World, options: &[(&str, &str)]) -> Bundle {
    let first = bundle_of(fleet.clone());
    let mut fleet = fleet.clone();
    for db in &mut fleet.security_databases {
        if db.esm != Esm::RACF {
            continue;
        }
        let text = world.discover(&first, &db.name);
        let state = zat_racf_state::parse(&text).unwrap_or_else(|e| {
            panic!("the DISCOVER listing of {} does not parse: {e}\n{text}", db.name)
        });
        db.discovered = Some(zat_driver::from_racf(&state, std::path::Path::new("discover.txt")));
    }
    bundle_with(fleet, options)
}

/// What the security administrator does before submitting, as the job's own comments ask:
/// delete the `//ZATSTOP` line and type the PKCS#12 passwords over their placeholders.
pub fn as_submitted(jcl: &str) -> String {
    let mut out = String::new();
    for line in jcl.lines() {
        if line.starts_with("//ZATSTOP ") {
            continue;
        }
        let mut line = line.to_owned();
        while let Some(start) = line.find("<<SET-FROM-ENV:") {
            let Some(len) = line[start..].find(">>") else { break };
            line.replace_range(start..start + len + 2, "SECRET");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Sections of the job order file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Discover,
    Classes,
    Setup,
    Key,
    Import,
    Cleanup,
    Backout,
}

impl Bundle {
    pub fn databases(&self) -> Vec<String> {
        self.fleet
            .security_databases
            .iter()
            .filter(|d| d.esm == Esm::RACF)
            .map(|d| d.name.clone())
            .collect()
    }

    /// The database a job path belongs to.
    pub fn database_of(&self, path: &str) -> String {
        let mut parts = path.split('/');
        match (parts.next(), parts.next()) {
            (Some("security"), Some(db)) => db.to_owned(),
            (Some("lpars"), Some(lpar)) => self
                .fleet
                .lpar(lpar)
                .map(|l| l.security_database.clone())
                .unwrap_or_else(|| panic!("no LPAR {lpar}")),
            _ => panic!("{path} is not a job of a database or an LPAR"),
        }
    }

    /// The jobs of the order file (`security/racf-ORDER.txt`) by section, as (database, path).
    pub fn order(&self) -> Vec<(Section, String, String)> {
        let text = self.files.get("security/racf-ORDER.txt").expect("the bundle has a job order");
        let mut section = Section::Discover;
        let mut out = Vec::new();
        for line in text.lines() {
            if let Some(title) = line.strip_prefix("# ") {
                section = match title {
                    t if t.starts_with("read-only") => Section::Discover,
                    t if t.starts_with("one-time") => Section::Classes,
                    t if t.starts_with("set up") => Section::Setup,
                    t if t.starts_with("PKCS#12") => Section::Key,
                    t if t.starts_with("partner") => Section::Import,
                    t if t.starts_with("after the keys") => Section::Cleanup,
                    t if t.starts_with("back-out") => Section::Backout,
                    _ => section,
                };
                continue;
            }
            let Some(path) = line.split_whitespace().nth(2) else { continue };
            out.push((section, self.database_of(path), path.to_owned()));
        }
        out
    }

    /// The jobs that set the bundle up, in the order file's order: class switches, setups,
    /// PKCS#12 exports, imports.
    pub fn setup_order(&self) -> Vec<(String, String)> {
        self.order()
            .into_iter()
            .filter(|(s, _, _)| {
                matches!(s, Section::Classes | Section::Setup | Section::Key | Section::Import)
            })
            .map(|(_, db, path)| (db, path))
            .collect()
    }

    /// The back-out jobs, in the order file's order.
    pub fn backout_order(&self) -> Vec<(String, String)> {
        self.order()
            .into_iter()
            .filter(|(s, _, _)| *s == Section::Backout)
            .map(|(_, db, path)| (db, path))
            .collect()
    }

    pub fn jcl(&self, path: &str) -> String {
        as_submitted(self.files.get(path).unwrap_or_else(|| panic!("no {path} in the bundle")))
    }

    /// What the fleet asks of a database: its certificates, rings, connections, the ring access
    /// grants and the INITSTACK grants of its LPARs.
    pub fn expected(&self, db_name: &str) -> Expected {
        let mut out = Expected::default();
        let Some(db) = self.fleet.security_database(db_name) else {
            return out;
        };
        for cert in &db.certificates {
            out.certificates.push(CertRef::new(owner(&cert.owner), cert.label.clone()));
        }
        for ring in &db.keyrings {
            let r = RingRef::new(ring.owner.clone(), ring.name.clone());
            out.rings.push(r.clone());
            for c in &ring.connections {
                let usage = match c.usage {
                    Usage::Personal => RingUsage::Personal,
                    Usage::Certauth => RingUsage::Certauth,
                    Usage::Site => RingUsage::Site,
                };
                out.connections.push((
                    r.clone(),
                    CertRef::new(owner(&c.cert_owner), c.label.clone()),
                    usage,
                    c.default,
                ));
            }
            let grant = |class: &str, resource: &str, id: &str, access| Grant {
                class: class.into(),
                resource: resource.into(),
                id: id.into(),
                access,
                program: None,
            };
            match ring.access {
                RingAccess::Facility => {
                    for resource in ["IRR.DIGTCERT.LIST", "IRR.DIGTCERT.LISTRING"] {
                        out.grants.push(grant("FACILITY", resource, &ring.owner, Access::Read));
                        for reader in ring.readers.iter().filter(|r| **r != ring.owner) {
                            out.grants.push(grant("FACILITY", resource, reader, Access::Update));
                        }
                    }
                }
                RingAccess::Rdatalib => {
                    let resource = format!("{}.{}.LST", ring.owner, ring.name).to_ascii_uppercase();
                    out.grants.push(grant("RDATALIB", &resource, &ring.owner, Access::Read));
                    for reader in &ring.readers {
                        out.grants.push(grant("RDATALIB", &resource, reader, Access::Read));
                    }
                }
            }
        }
        for lpar in self.fleet.lpars.iter().filter(|l| l.security_database == db_name) {
            for stack in lpar.stacks.iter().filter(|s| s.ttls) {
                let resource = format!("EZB.INITSTACK.{}.{}", lpar.name, stack.name);
                // The Policy Agent always runs its own program: a conditional permit counts.
                let program = Some("PAGENT".to_owned());
                out.grants.push(Grant {
                    class: "SERVAUTH".into(),
                    resource: resource.clone(),
                    id: lpar.pagent.userid.clone(),
                    access: Access::Read,
                    program,
                });
                for user in &stack.initstack_users {
                    out.grants.push(Grant {
                        class: "SERVAUTH".into(),
                        resource: resource.clone(),
                        id: user.clone(),
                        access: Access::Read,
                        program: None,
                    });
                }
            }
        }
        out
    }
}

/// `state` plus the certificates the fleet declares as existing (the site has them; no job
/// creates them).
pub fn with_existing(bundle: &Bundle, mut state: RacfState) -> RacfState {
    for db in &bundle.fleet.security_databases {
        for c in db.certificates.iter().filter(|c| matches!(c.source, model::CertSource::Existing))
        {
            let dn = format!("CN={}.O=SITE", c.label);
            state.certificates.insert(
                CertRef::new(owner(&c.owner), c.label.clone()),
                cert(&dn, &dn, "07", "HANDSHAKE", true),
            );
        }
    }
    state
}

pub fn owner(o: &model::CertOwner) -> CertOwner {
    match o {
        model::CertOwner::Certauth => CertOwner::Certauth,
        model::CertOwner::Site => CertOwner::Site,
        model::CertOwner::User(id) => CertOwner::User(id.clone()),
    }
}

/// Security databases by name and the catalog they share.
pub struct World {
    pub dbs: BTreeMap<String, Racf>,
    pub data_sets: DataSets,
}

impl World {
    /// Every database of `bundle` in `state`, with `data_sets` catalogued.
    pub fn new(bundle: &Bundle, state: &RacfState, data_sets: DataSets) -> World {
        let dbs = bundle
            .databases()
            .into_iter()
            .map(|db| (db, Racf::new(state.clone(), Config::default())))
            .collect();
        World { dbs, data_sets }
    }

    /// Submits `jobs` (database, bundle path) in order; returns the runs.
    pub fn run(&mut self, bundle: &Bundle, jobs: &[(String, String)]) -> Vec<JobRun> {
        jobs.iter()
            .map(|(db, path)| {
                let racf = self.dbs.get_mut(db).unwrap_or_else(|| panic!("no database {db}"));
                racf.run_job(&bundle.jcl(path), &mut self.data_sets)
            })
            .collect()
    }

    pub fn state(&self, db: &str) -> RacfState {
        self.dbs[db].state()
    }

    /// The SYSTSPRT of `db`'s DISCOVER job from `bundle`, run on a copy (it changes nothing).
    pub fn discover(&self, bundle: &Bundle, db: &str) -> String {
        let mut racf = self.dbs[db].clone();
        let mut ds = self.data_sets.clone();
        let path = format!("security/{db}/racf/DISCOVER.jcl");
        let run = racf.run_job(&bundle.jcl(&path), &mut ds);
        assert_eq!(run.jcl_error, None, "{path}");
        assert_eq!(racf.state(), self.dbs[db].state(), "{path} changed the database");
        let mut text = run
            .steps
            .iter()
            .flat_map(|s| s.systsprt.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n");
        text.push('\n');
        text
    }
}

/// A job that ran to its end: no JCL error, every step ran, and the only failing commands are
/// deletions of an earlier export copy that is not there (IDC3012I, harmless).
pub fn completed(run: &JobRun) -> bool {
    run.jcl_error.is_none()
        && run.steps.iter().all(|s| s.executed)
        && run.commands().all(|(_, c)| c.rc == 0 || c.text.trim_start().starts_with("DELETE "))
}

/// Every database's setup jobs, in the order file's order.
pub fn setup_order(bundle: &Bundle) -> Vec<(String, String)> {
    bundle.setup_order()
}

pub fn backout_order(bundle: &Bundle) -> Vec<(String, String)> {
    bundle.backout_order()
}

// ------------------------------------------------------------------ starting states

fn set(words: &[&str]) -> std::collections::BTreeSet<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// No certificates, rings or profiles; the classes the fleet needs active and RACLISTed,
/// generic profiles enabled for FACILITY and SERVAUTH, program control on.
pub fn empty() -> RacfState {
    RacfState {
        setropts: Some(Setropts {
            active: set(&["DATASET", "DIGTCERT", "DIGTRING", "FACILITY", "RDATALIB", "SERVAUTH"]),
            raclist: set(&["DIGTCERT", "DIGTRING", "FACILITY", "RDATALIB", "SERVAUTH"]),
            generic: set(&["FACILITY", "SERVAUTH", "RDATALIB"]),
            when_program: true,
        }),
        ..RacfState::default()
    }
}

pub fn cert(subject: &str, issuer: &str, serial: &str, usage: &str, key: bool) -> Certificate {
    Certificate {
        status: TrustStatus::Trust,
        start: "2024/01/01 00:00:00".into(),
        end: "2034/12/31 23:59:59".into(),
        serial: serial.into(),
        issuer: issuer.into(),
        subject: subject.into(),
        key_usage: Some(usage.into()),
        key_size: Some(2048),
        private_key: key,
        rings: Default::default(),
    }
}

pub fn profile(generic: bool, uacc: Access, list: &[(&str, Access)]) -> Profile {
    let mut p = Profile::new(generic, "SECADM", uacc);
    for (id, a) in list {
        p.access.insert((*id).to_owned(), *a);
    }
    p
}

/// The commands of IBM's page "AT-TLS from z/OS applications" as a security administrator
/// typed them (SYSNAME SYSA, TCPNAME TCPIP), with the CA exchange of its step 3: the z/OS
/// Connect CA added from the data set its administrator delivered and connected to the ring.
pub const IBM_PAGE: &str = "\
 RACDCERT ADDRING(ZOSCONN-APIR-KEYRING) ID(OMVSADM)
 RACDCERT CERTAUTH GENCERT -
  SUBJECTSDN(CN('IMSCA') OU('ZCEE') O('US IBM SVL') C('US')) -
  KEYUSAGE(CERTSIGN) WITHLABEL('IMSCA')
 RACDCERT CERTAUTH EXPORT(LABEL('IMSCA')) DSN(CERTAUTH.CERT)
 RACDCERT CONNECT(CERTAUTH LABEL('IMSCA') -
  RING(ZOSCONN-APIR-KEYRING)) ID(OMVSADM)
 RACDCERT GENCERT -
  SUBJECTSDN(CN('ZCEESERVER.MYCOM.COM') T('MY ZCEE SERVER') -
  OU('ZCEE') O('US MYCOM COM') L('SANJOSE') SP('SANJOSE') C('US'))-
  SIZE(2048) WITHLABEL('ZOSCONNCERT') -
  SIGNWITH(CERTAUTH LABEL('IMSCA')) ID(OMVSADM)
 RACDCERT EXPORT(LABEL('ZOSCONNCERT')) DSN(ZCONN.CERT.P12DER) -
  FORMAT(PKCS12DER) PASSWORD('SECRET') ID(OMVSADM)
 RACDCERT CONNECT(LABEL('ZOSCONNCERT') -
  DEFAULT RING(ZOSCONN-APIR-KEYRING)) -
  ID(OMVSADM)
 SETROPTS RACLIST(DIGTCERT) REFRESH
 RDELETE FACILITY (IRR.DIGTCERT.LIST    IRR.DIGTCERT.LISTRING)
 RDEFINE  FACILITY  IRR.DIGTCERT.LISTRING   UACC(NONE)
 RDEFINE  FACILITY  IRR.DIGTCERT.LIST       UACC(NONE)
 PERMIT   IRR.DIGTCERT.LISTRING CLASS(FACILITY) ID(OMVSADM) ACCESS(ALTER)
 PERMIT   IRR.DIGTCERT.LIST     CLASS(FACILITY) ID(OMVSADM) ACCESS(ALTER)
 SETROPTS CLASSACT(FACILITY)
 SETROPTS RACLIST(FACILITY) REFRESH
 RACDCERT CERTAUTH ADD('ZCEE.CA.CERT') WITHLABEL('ZCEECA') TRUST
 RACDCERT ID(OMVSADM) CONNECT(CERTAUTH LABEL('ZCEECA') RING(ZOSCONN-APIR-KEYRING))
 SETROPTS RACLIST(DIGTCERT DIGTRING) REFRESH
 SETROPTS RACLIST (SERVAUTH)
 SETROPTS CLASSACT(SERVAUTH)
 SETROPTS GENERIC (SERVAUTH)
 RDEFINE SERVAUTH EZB.INITSTACK.SYSA.TCPIP UACC(NONE)
 PERMIT EZB.INITSTACK.SYSA.TCPIP CLASS(SERVAUTH) ID(*) ACCESS(READ) -
        WHEN(PROGRAM(PAGENT,EZAPAGEN))
 SETROPTS GENERIC(SERVAUTH) REFRESH
 SETROPTS RACLIST(SERVAUTH) REFRESH
 SETROPTS WHEN(PROGRAM) REFRESH
";

/// A system before AT-TLS: certificates and FACILITY classes in use, SERVAUTH not yet.
pub fn system() -> RacfState {
    RacfState {
        setropts: Some(Setropts {
            active: set(&["DATASET", "DIGTCERT", "DIGTRING", "FACILITY"]),
            raclist: set(&["DIGTCERT", "DIGTRING", "FACILITY"]),
            generic: set(&["FACILITY"]),
            when_program: true,
        }),
        ..RacfState::default()
    }
}

/// Runs [`IBM_PAGE`] on [`system`]: the runs of each command and the state it leaves.
pub fn follow_ibm_page() -> (Vec<zat_racf_sim::CommandRun>, RacfState) {
    let mut racf = Racf::new(system(), Config::default());
    let mut ds = delivered();
    let records: Vec<String> = IBM_PAGE.lines().map(str::to_owned).collect();
    let runs = zat_racf_sim::logical_commands(&records)
        .into_iter()
        .map(|(text, _)| racf.execute(&text, &mut ds, "BYHAND"))
        .collect();
    (runs, racf.state())
}

/// The site that followed IBM's page by hand before zat: the CA IMSCA and the server
/// certificate, the ring with both and the partner CA, ALTER permits for OMVSADM to
/// IRR.DIGTCERT.LIST and LISTRING, and the INITSTACK profile with `ID(*)
/// WHEN(PROGRAM(PAGENT,EZAPAGEN))`.
pub fn followed_ibm_page() -> RacfState {
    follow_ibm_page().1
}

/// A site protecting certificate functions and stack initialisation with generic profiles:
/// `IRR.DIGTCERT.**` lets CICS, MQ and Liberty read their rings, `EZB.INITSTACK.**` lets
/// OMPROUTE, syslogd and TN3270 start before policy is installed.
pub fn existing_generics() -> RacfState {
    let mut s = empty();
    s.profiles.insert(
        ProfileRef::new("FACILITY", "IRR.DIGTCERT.**"),
        profile(
            true,
            Access::None,
            &[
                ("SECADM", Access::Alter),
                ("CICSUSR", Access::Read),
                ("MQUSR", Access::Read),
                ("LIBERTY", Access::Update),
            ],
        ),
    );
    s.profiles.insert(
        ProfileRef::new("SERVAUTH", "EZB.INITSTACK.**"),
        profile(
            true,
            Access::None,
            &[
                ("SECADM", Access::Alter),
                ("OMPROUTE", Access::Read),
                ("SYSLOGD", Access::Read),
                ("TN3270", Access::Read),
                ("PAGENT", Access::Read),
            ],
        ),
    );
    s
}

/// The data sets other people deliver: the z/OS Connect CA of the seed and the partner CA of
/// scripts/fleet.rhai.
pub fn delivered() -> DataSets {
    let mut ds = DataSets::new();
    let zcee = "CN=ZCEE CA.O=PARTNER.C=US";
    ds.insert(
        "ZCEE.CA.CERT".into(),
        DataSet {
            certificate: cert(zcee, zcee, "00", "CERTSIGN", false),
            format: "CERTB64".into(),
            written_by: None,
        },
    );
    let partner = "CN=PARTNER ROOT.O=PARTNER.C=US";
    ds.insert(
        "SYS2.ZAT.PARTNER.CA".into(),
        DataSet {
            certificate: cert(partner, partner, "00", "CERTSIGN", false),
            format: "CERTB64".into(),
            written_by: None,
        },
    );
    ds
}
