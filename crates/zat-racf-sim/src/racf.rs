//! The in-memory RACF database and the RACF commands it executes (RACDCERT, RDEFINE, RALTER,
//! RDELETE, PERMIT, RLIST, SETROPTS), with the messages and return codes RACF documents.
//!
//! Return codes follow "Return codes from RACF commands" (RACF Command Language Reference):
//! 0 done, 4 user error and processing went on, 8 user error and processing stopped. IBM does
//! not map each RACDCERT situation to a code; where the code or message is not confirmed
//! (marked UNCONFIRMED) the simulator uses 4 for "not found" and "already exists" and 8 for a
//! failure that stops the command, and messages it cannot cite start with `ZATSIM`.

use std::collections::{BTreeMap, BTreeSet};

use zat_racf_state::{
    Access, CertOwner, CertRef, Certificate, Command, Condition, Connection, Operand, Profile,
    ProfileRef, RacfState, Ring, RingRef, RingUsage, Setropts, TrustStatus, is_generic_name,
    parse_command,
};

use crate::listing;

/// A data set written by RACDCERT EXPORT, or delivered by someone else, that RACDCERT ADD reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSet {
    /// The certificate it holds (with `private_key` true for a PKCS#12 export).
    pub certificate: Certificate,
    /// `FORMAT(...)` of the export, e.g. `CERTB64` or `PKCS12DER`.
    pub format: String,
    /// The job that wrote it, or `None` for a data set that was there before any job ran.
    pub written_by: Option<String>,
}

/// The catalog of data sets every simulated database shares (a data set written on one system
/// is the file a partner receives).
pub type DataSets = BTreeMap<String, DataSet>;

/// Settings of the simulated system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The user ID that submits the jobs: owner of what it defines, the prefix of unquoted data
    /// set names. Assumed to have the SPECIAL attribute (no authorization checks are made).
    pub issuer: String,
    /// RDEFINE puts the issuer on the new profile's access list with ALTER, as RACF does unless
    /// SETROPTS NOADDCREATOR is in effect.
    pub add_creator: bool,
    /// The `Start Date:` of certificates created with no NOTBEFORE (the simulated today).
    pub today: String,
    /// The `End Date:` of certificates created with no NOTAFTER.
    pub default_end: String,
    /// RC when the object a command would create exists already (RDEFINE ICH10102I, ADDRING,
    /// GENCERT or ADD of a label in use, ADD of a certificate RACF has, IRRD109I). IBM's table
    /// gives 4 for an error after which processing goes on; UNCONFIRMED for RACDCERT.
    pub rc_exists: u16,
    /// RC of `SETROPTS RACLIST(class) REFRESH` for a class that is not RACLISTed (ICH14070I);
    /// UNCONFIRMED.
    pub rc_refresh_not_raclisted: u16,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            issuer: "SECADM".into(),
            add_creator: true,
            today: "2026/01/01 00:00:00".into(),
            default_end: "2027/01/01 23:59:59".into(),
            rc_exists: 4,
            rc_refresh_not_raclisted: 4,
        }
    }
}

/// What a command did besides changing the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// RACDCERT ADD read a data set (`found` false: it did not exist).
    ReadDataSet { dsn: String, found: bool },
    /// RACDCERT EXPORT wrote a data set.
    WroteDataSet { dsn: String },
}

/// One command as executed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    /// The logical command (continuations joined).
    pub text: String,
    pub rc: u16,
    /// The lines it printed to SYSTSPRT.
    pub output: Vec<String>,
    pub effects: Vec<Effect>,
}

/// The simulated RACF database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Racf {
    state: RacfState,
    pub config: Config,
    /// RACLISTed classes changed since their last refresh.
    pending_refresh: BTreeSet<String>,
    /// Certificates generated so far: each GENCERT without NOTBEFORE starts one second after
    /// the previous one, so that a certificate generated again (a new key) differs from the
    /// one it replaces, as it would on a real system.
    generated: u32,
}

const RC_NOT_FOUND: u16 = 4;
const RC_STOP: u16 = 8;
/// TSO could not parse the command (IKJ messages); in batch nobody can answer the prompt.
const RC_TSO: u16 = 12;

fn has_generic(state: &RacfState, class: &str) -> bool {
    state.class(class).generic
}

impl Racf {
    /// A database in `state` (settings default to no class active when it has none).
    pub fn new(mut state: RacfState, config: Config) -> Racf {
        state.setropts.get_or_insert_with(Setropts::default);
        state.sync_associations();
        // Certificates generated on the simulated day before: the next one starts after them.
        let day = config.today.split(' ').next().unwrap_or_default().to_owned();
        let generated = state.certificates.values().filter(|c| c.start.starts_with(&day)).count();
        let generated = u32::try_from(generated).unwrap_or(u32::MAX);
        Racf { state, config, pending_refresh: BTreeSet::new(), generated }
    }

    /// The database as it is now, with every certificate's ring associations up to date.
    pub fn state(&self) -> RacfState {
        let mut state = self.state.clone();
        state.sync_associations();
        state
    }

    /// RACLISTed classes changed and not refreshed since.
    pub fn pending_refresh(&self) -> &BTreeSet<String> {
        &self.pending_refresh
    }

    fn changed(&mut self, class: &str, out: &mut Vec<String>, what: &str) {
        if self.state.class(class).raclisted {
            self.pending_refresh.insert(class.to_owned());
            if !what.is_empty() {
                out.push(format!(
                    "{what} RACLISTED PROFILES FOR {class} WILL NOT REFLECT THE {} UNTIL A SETROPTS REFRESH IS ISSUED",
                    match what {
                        "ICH10006I" => "ADDITION(S)",
                        "ICH12002I" => "DELETION(S)",
                        _ => "UPDATE(S)",
                    }
                ));
            }
        }
    }

    /// Executes one logical command and returns its RC and output.
    pub fn execute(&mut self, text: &str, data_sets: &mut DataSets, job: &str) -> CommandRun {
        let mut out = Vec::new();
        let mut effects = Vec::new();
        let rc = match parse_command(text) {
            Err(reason) => {
                out.push(format!("IKJ56701I INVALID SYNTAX, {reason}"));
                RC_TSO
            }
            Ok(None) => 0,
            Ok(Some(cmd)) => match self.command(&cmd, data_sets, job, &mut out, &mut effects) {
                Ok(rc) => rc,
                Err(Unsupported(what)) => {
                    out.push(format!("IKJ56712I INVALID KEYWORD, {what}"));
                    RC_TSO
                }
            },
        };
        CommandRun { text: text.to_owned(), rc, output: out, effects }
    }

    fn command(
        &mut self,
        cmd: &Command,
        ds: &mut DataSets,
        job: &str,
        out: &mut Vec<String>,
        effects: &mut Vec<Effect>,
    ) -> Result<u16, Unsupported> {
        match cmd.verb.as_str() {
            "RACDCERT" => self.racdcert(cmd, ds, job, out, effects),
            "RDEFINE" | "RDEF" => self.rdefine(cmd, out),
            "RALTER" | "RALT" => self.ralter(cmd, out),
            "RDELETE" | "RDEL" => self.rdelete(cmd, out),
            "PERMIT" | "PE" => self.permit(cmd, out),
            "RLIST" | "RL" => self.rlist(cmd, out),
            "SETROPTS" | "SETR" => self.setropts(cmd, out),
            "DELETE" | "DEL" => Ok(Self::delete_data_set(cmd, ds, out, &self.config.issuer)),
            "ADDSD" | "AD" => self.addsd(cmd, out),
            "DELDSD" | "DD" => self.deldsd(cmd, out),
            "END" => Ok(0),
            other => Err(Unsupported(format!("COMMAND {other} NOT FOUND"))),
        }
    }

    // ---------------------------------------------------------------- data sets

    /// TSO `DELETE 'dsn'` of a cataloged data set: IDC0550I and RC 0 when it was there,
    /// IDC3012I and RC 8 when it was not (Access Method Services messages).
    fn delete_data_set(
        cmd: &Command,
        ds: &mut DataSets,
        out: &mut Vec<String>,
        issuer: &str,
    ) -> u16 {
        let Some(op) = cmd.operands.first() else {
            out.push("IKJ56700A ENTER DATA SET NAME -".into());
            return RC_TSO;
        };
        let dsn = if op.quoted {
            op.word.to_ascii_uppercase()
        } else {
            format!("{issuer}.{}", op.word.to_ascii_uppercase())
        };
        if ds.remove(&dsn).is_some() {
            out.push(format!("IDC0550I ENTRY (A) {dsn} DELETED"));
            0
        } else {
            out.push(format!("IDC3012I ENTRY {dsn} NOT FOUND"));
            RC_STOP
        }
    }

    fn data_set_profile(cmd: &Command) -> Result<ProfileRef, Unsupported> {
        let op = cmd
            .operands
            .first()
            .ok_or_else(|| Unsupported(format!("{} WITHOUT A DATA SET NAME", cmd.verb)))?;
        Ok(ProfileRef::new("DATASET", op.word.to_ascii_uppercase()))
    }

    /// `ADDSD 'dsn' UACC(...)`: a discrete data set profile (kept among the profiles, class
    /// `DATASET`). An existing one gives ICH09005I-like text (UNCONFIRMED) and RC 4.
    fn addsd(&mut self, cmd: &Command, out: &mut Vec<String>) -> Result<u16, Unsupported> {
        let key = Self::data_set_profile(cmd)?;
        if self.state.profiles.contains_key(&key) {
            out.push(format!("ZATSIM05I {} ALREADY DEFINED TO RACF. (UNCONFIRMED TEXT)", key.name));
            return Ok(self.config.rc_exists);
        }
        let uacc = match cmd.find("UACC").and_then(Operand::single) {
            Some(u) => Access::parse(u).ok_or_else(|| Unsupported(format!("UACC({u})")))?,
            None => Access::None,
        };
        let mut p = Profile::new(false, self.config.issuer.clone(), uacc);
        if self.config.add_creator {
            p.access.insert(self.config.issuer.clone(), Access::Alter);
        }
        self.state.profiles.insert(key, p);
        Ok(0)
    }

    fn deldsd(&mut self, cmd: &Command, out: &mut Vec<String>) -> Result<u16, Unsupported> {
        let key = Self::data_set_profile(cmd)?;
        if self.state.profiles.remove(&key).is_none() {
            out.push(format!("ICH09006I {} NOT DEFINED TO RACF", key.name));
            return Ok(RC_NOT_FOUND);
        }
        Ok(0)
    }

    // ---------------------------------------------------------------- RACDCERT

    fn owner(&self, cmd: &Command) -> CertOwner {
        if cmd.has("CERTAUTH") {
            CertOwner::Certauth
        } else if cmd.has("SITE") {
            CertOwner::Site
        } else {
            CertOwner::User(
                cmd.find("ID")
                    .and_then(Operand::single)
                    .unwrap_or(&self.config.issuer)
                    .to_ascii_uppercase(),
            )
        }
    }

    fn racdcert(
        &mut self,
        cmd: &Command,
        ds: &mut DataSets,
        job: &str,
        out: &mut Vec<String>,
        effects: &mut Vec<Effect>,
    ) -> Result<u16, Unsupported> {
        let owner = self.owner(cmd);
        let rc = if let Some(op) = cmd.find("GENCERT") {
            self.gencert(cmd, op, owner, out)?
        } else if let Some(op) = cmd.find("ADD") {
            self.add(cmd, op, owner, ds, out, effects)?
        } else if let Some(op) = cmd.find("ADDRING") {
            self.addring(op, owner, out)?
        } else if let Some(op) = cmd.find("CONNECT") {
            self.connect(op, owner, out)?
        } else if let Some(op) = cmd.find("REMOVE") {
            self.remove(op, owner, out)?
        } else if let Some(op) = cmd.find("DELRING") {
            self.delring(op, owner, out)?
        } else if let Some(op) = cmd.find("DELETE") {
            self.delete_cert(op, owner, out)?
        } else if let Some(op) = cmd.find("EXPORT") {
            self.export(cmd, op, owner, ds, job, out, effects)?
        } else if let Some(op) = cmd.find("LIST") {
            self.list(op, owner, out)
        } else if let Some(op) = cmd.find("LISTRING") {
            self.listring(op, owner, out)?
        } else {
            return Err(Unsupported("RACDCERT FUNCTION".into()));
        };
        Ok(rc)
    }

    fn label_of(op: &Operand) -> Result<String, Unsupported> {
        op.find("LABEL")
            .and_then(Operand::single)
            .map(str::to_owned)
            .ok_or_else(|| Unsupported(format!("{op} WITHOUT LABEL")))
    }

    /// The certificate owner named inside CONNECT(...), REMOVE(...), SIGNWITH(...); `default`
    /// when none is named.
    fn inner_owner(op: &Operand, default: &CertOwner) -> CertOwner {
        if op.find("CERTAUTH").is_some() {
            CertOwner::Certauth
        } else if op.find("SITE").is_some() {
            CertOwner::Site
        } else if let Some(id) = op.find("ID").and_then(Operand::single) {
            CertOwner::User(id.to_ascii_uppercase())
        } else {
            default.clone()
        }
    }

    fn not_found_cert(out: &mut Vec<String>) -> u16 {
        out.push("IRRD107I No matching certificate was found for this user.".into());
        RC_NOT_FOUND
    }

    fn gencert(
        &mut self,
        cmd: &Command,
        op: &Operand,
        owner: CertOwner,
        out: &mut Vec<String>,
    ) -> Result<u16, Unsupported> {
        if op.values.is_some() {
            return Err(Unsupported("GENCERT FROM A REQUEST DATA SET".into()));
        }
        let label = match cmd.find("WITHLABEL").and_then(Operand::single) {
            Some(l) => l.to_owned(),
            None => return Err(Unsupported("GENCERT WITHOUT WITHLABEL".into())),
        };
        let key = CertRef::new(owner.clone(), label.clone());
        if self.state.certificates.contains_key(&key) {
            // UNCONFIRMED message and RC.
            out.push(format!("ZATSIM01I Label '{label}' is already in use for {owner}. The certificate is not generated."));
            return Ok(self.config.rc_exists);
        }
        let subject = match cmd.find("SUBJECTSDN") {
            Some(dn) => distinguished_name(dn),
            None => format!("CN={label}"),
        };
        let (issuer, serial) = match cmd.find("SIGNWITH") {
            Some(sign) => {
                let signer = CertRef::new(Self::inner_owner(sign, &owner), Self::label_of(sign)?);
                let Some(signer_cert) = self.state.certificates.get(&signer) else {
                    return Ok(Self::not_found_cert(out));
                };
                if !signer_cert.private_key {
                    out.push("IRRD128I GENCERT requires a certificate with an associated private key. The request is not processed.".into());
                    return Ok(RC_STOP);
                }
                let issued = self
                    .state
                    .certificates
                    .values()
                    .filter(|c| c.issuer == signer_cert.subject && c.subject != signer_cert.subject)
                    .count();
                (signer_cert.subject.clone(), format!("{:02X}", issued + 1))
            }
            None => (subject.clone(), "00".to_owned()),
        };
        let start =
            match cmd.find("NOTBEFORE").and_then(|o| o.find("DATE")).and_then(Operand::single) {
                Some(d) => format!("{} 00:00:00", d.replace('-', "/")),
                None => {
                    let n = self.generated;
                    let day = self.config.today.split(' ').next().unwrap_or_default();
                    format!("{day} {:02}:{:02}:{:02}", n / 3600 % 24, n / 60 % 60, n % 60)
                }
            };
        self.generated = self.generated.saturating_add(1);
        let end = match cmd.find("NOTAFTER").and_then(|o| o.find("DATE")).and_then(Operand::single)
        {
            Some(d) => format!("{} 23:59:59", d.replace('-', "/")),
            None => self.config.default_end.clone(),
        };
        let key_usage = cmd.find("KEYUSAGE").map(|k| {
            k.list().iter().map(|v| v.word.to_ascii_uppercase()).collect::<Vec<_>>().join(", ")
        });
        let key_size =
            cmd.find("SIZE").and_then(Operand::single).and_then(|s| s.parse().ok()).unwrap_or(2048);
        self.state.certificates.insert(
            key,
            Certificate {
                status: TrustStatus::Trust,
                start,
                end,
                serial,
                issuer,
                subject,
                key_usage,
                key_size: Some(key_size),
                private_key: true,
                rings: BTreeSet::new(),
            },
        );
        self.changed("DIGTCERT", out, "");
        Ok(0)
    }

    fn dsn(&self, op: &Operand) -> Option<String> {
        resolve_dsn(op, &self.config.issuer)
    }

    fn add(
        &mut self,
        cmd: &Command,
        op: &Operand,
        owner: CertOwner,
        ds: &DataSets,
        out: &mut Vec<String>,
        effects: &mut Vec<Effect>,
    ) -> Result<u16, Unsupported> {
        let dsn = self.dsn(op).ok_or_else(|| Unsupported("ADD WITHOUT A DATA SET NAME".into()))?;
        let label = cmd
            .find("WITHLABEL")
            .and_then(Operand::single)
            .map(str::to_owned)
            .ok_or_else(|| Unsupported("ADD WITHOUT WITHLABEL".into()))?;
        let Some(data_set) = ds.get(&dsn) else {
            effects.push(Effect::ReadDataSet { dsn: dsn.clone(), found: false });
            // UNCONFIRMED message: the dynamic allocation of the data set fails.
            out.push(format!("ZATSIM02I Data set '{dsn}' could not be allocated: not found. The certificate is not added."));
            return Ok(RC_STOP);
        };
        effects.push(Effect::ReadDataSet { dsn: dsn.clone(), found: true });
        let mut cert = data_set.certificate.clone();
        if let Some((existing, _)) = self
            .state
            .certificates
            .iter()
            .find(|(_, c)| c.serial == cert.serial && c.issuer == cert.issuer)
        {
            out.push(format!(
                "IRRD109I The certificate cannot be added. Profile {}.{} is already defined. (It is {existing}.)",
                cert.serial, cert.issuer
            ));
            return Ok(self.config.rc_exists);
        }
        let key = CertRef::new(owner.clone(), label.clone());
        if self.state.certificates.contains_key(&key) {
            out.push(format!("ZATSIM01I Label '{label}' is already in use for {owner}. The certificate is not added."));
            return Ok(self.config.rc_exists);
        }
        cert.status = if cmd.has("NOTRUST") {
            TrustStatus::NoTrust
        } else if cmd.has("HIGHTRUST") {
            TrustStatus::HighTrust
        } else {
            TrustStatus::Trust
        };
        cert.rings.clear();
        self.state.certificates.insert(key, cert);
        self.changed("DIGTCERT", out, "");
        Ok(0)
    }

    #[allow(clippy::too_many_arguments)]
    fn export(
        &mut self,
        cmd: &Command,
        op: &Operand,
        owner: CertOwner,
        ds: &mut DataSets,
        job: &str,
        out: &mut Vec<String>,
        effects: &mut Vec<Effect>,
    ) -> Result<u16, Unsupported> {
        let label = Self::label_of(op)?;
        let dsn = cmd
            .find("DSN")
            .and_then(|d| self.dsn(d))
            .ok_or_else(|| Unsupported("EXPORT WITHOUT DSN".into()))?;
        let format = cmd
            .find("FORMAT")
            .and_then(Operand::single)
            .map(str::to_ascii_uppercase)
            .unwrap_or_else(|| "CERTB64".into());
        let Some(cert) = self.state.certificates.get(&CertRef::new(owner, label)) else {
            return Ok(Self::not_found_cert(out));
        };
        let pkcs12 = format.starts_with("PKCS12");
        if pkcs12 && (!cert.private_key || !cmd.has("PASSWORD")) {
            out.push("ZATSIM03I A PKCS#12 export needs a certificate with a private key and a PASSWORD. The request is not processed.".into());
            return Ok(RC_STOP);
        }
        if ds.contains_key(&dsn) {
            // UNCONFIRMED message: RACDCERT allocates the data set new.
            out.push(format!(
                "ZATSIM04I Data set '{dsn}' already exists. The certificate is not exported."
            ));
            return Ok(RC_STOP);
        }
        let mut exported = cert.clone();
        exported.private_key = pkcs12;
        exported.rings.clear();
        ds.insert(
            dsn.clone(),
            DataSet { certificate: exported, format, written_by: Some(job.to_owned()) },
        );
        effects.push(Effect::WroteDataSet { dsn });
        Ok(0)
    }

    fn ring_owner(&self, owner: CertOwner, out: &mut Vec<String>) -> Result<String, u16> {
        match owner {
            CertOwner::User(id) => Ok(id),
            CertOwner::Certauth | CertOwner::Site => {
                out.push("IRRD120I Incorrect use of CERTAUTH. A Certificate Authority cannot own a key ring.".into());
                Err(RC_STOP)
            }
        }
    }

    fn addring(
        &mut self,
        op: &Operand,
        owner: CertOwner,
        out: &mut Vec<String>,
    ) -> Result<u16, Unsupported> {
        let name = op
            .single()
            .ok_or_else(|| Unsupported("ADDRING WITHOUT A RING NAME".into()))?
            .to_owned();
        let owner = match self.ring_owner(owner, out) {
            Ok(o) => o,
            Err(rc) => return Ok(rc),
        };
        let key = RingRef::new(owner, name.clone());
        if self.state.rings.contains_key(&key) {
            // UNCONFIRMED text; the ID is the one a community tool maps to "ring exists".
            out.push(format!("IRRD122I Ring {name} already exists."));
            return Ok(self.config.rc_exists);
        }
        self.state.rings.insert(key, Ring::default());
        self.changed("DIGTRING", out, "");
        Ok(0)
    }

    fn no_ring(out: &mut Vec<String>, name: &str) -> u16 {
        out.push(format!("IRRD114I Ring {name} does not exist."));
        RC_NOT_FOUND
    }

    fn connect(
        &mut self,
        op: &Operand,
        owner: CertOwner,
        out: &mut Vec<String>,
    ) -> Result<u16, Unsupported> {
        let label = Self::label_of(op)?;
        let ring = op
            .find("RING")
            .and_then(Operand::single)
            .ok_or_else(|| Unsupported("CONNECT WITHOUT RING".into()))?
            .to_owned();
        let ring_owner = match self.ring_owner(owner, out) {
            Ok(o) => o,
            Err(rc) => return Ok(rc),
        };
        let cert_owner = Self::inner_owner(op, &CertOwner::User(ring_owner.clone()));
        let cert = CertRef::new(cert_owner.clone(), label);
        let ring_key = RingRef::new(ring_owner, ring.clone());
        if !self.state.rings.contains_key(&ring_key) {
            return Ok(Self::no_ring(out, &ring));
        }
        if !self.state.certificates.contains_key(&cert) {
            return Ok(Self::not_found_cert(out));
        }
        let usage = match op.find("USAGE").and_then(Operand::single) {
            Some(u) => RingUsage::parse(u).ok_or_else(|| Unsupported(format!("USAGE({u})")))?,
            None => match cert_owner {
                CertOwner::Certauth => RingUsage::Certauth,
                CertOwner::Site => RingUsage::Site,
                CertOwner::User(_) => RingUsage::Personal,
            },
        };
        let default = op.find("DEFAULT").is_some();
        let Some(r) = self.state.rings.get_mut(&ring_key) else {
            return Ok(Self::no_ring(out, &ring));
        };
        if default {
            for c in r.connections.values_mut() {
                c.default = false;
            }
        }
        // A certificate already in the ring gets the new usage and default (UNCONFIRMED:
        // IBM does not say what CONNECT does to a connected certificate).
        r.connections.insert(cert, Connection { usage, default });
        self.changed("DIGTRING", out, "");
        Ok(0)
    }

    fn remove(
        &mut self,
        op: &Operand,
        owner: CertOwner,
        out: &mut Vec<String>,
    ) -> Result<u16, Unsupported> {
        let label = Self::label_of(op)?;
        let ring = op
            .find("RING")
            .and_then(Operand::single)
            .ok_or_else(|| Unsupported("REMOVE WITHOUT RING".into()))?
            .to_owned();
        let ring_owner = match self.ring_owner(owner, out) {
            Ok(o) => o,
            Err(rc) => return Ok(rc),
        };
        let cert = CertRef::new(
            Self::inner_owner(op, &CertOwner::User(ring_owner.clone())),
            label.clone(),
        );
        let Some(r) = self.state.rings.get_mut(&RingRef::new(ring_owner.clone(), ring.clone()))
        else {
            return Ok(Self::no_ring(out, &ring));
        };
        if r.connections.remove(&cert).is_none() {
            out.push(format!(
                "IRRD116I Label {label} does not exist in ring {ring} for user {ring_owner}."
            ));
            return Ok(RC_NOT_FOUND);
        }
        self.changed("DIGTRING", out, "");
        Ok(0)
    }

    fn delring(
        &mut self,
        op: &Operand,
        owner: CertOwner,
        out: &mut Vec<String>,
    ) -> Result<u16, Unsupported> {
        let name = op
            .single()
            .ok_or_else(|| Unsupported("DELRING WITHOUT A RING NAME".into()))?
            .to_owned();
        let owner = match self.ring_owner(owner, out) {
            Ok(o) => o,
            Err(rc) => return Ok(rc),
        };
        if self.state.rings.remove(&RingRef::new(owner, name.clone())).is_none() {
            return Ok(Self::no_ring(out, &name));
        }
        self.changed("DIGTRING", out, "");
        Ok(0)
    }

    fn delete_cert(
        &mut self,
        op: &Operand,
        owner: CertOwner,
        out: &mut Vec<String>,
    ) -> Result<u16, Unsupported> {
        let key = CertRef::new(owner, Self::label_of(op)?);
        if self.state.certificates.remove(&key).is_none() {
            return Ok(Self::not_found_cert(out));
        }
        // Deleting a certificate removes it from every ring it was connected to.
        for ring in self.state.rings.values_mut() {
            ring.connections.remove(&key);
        }
        self.changed("DIGTCERT", out, "");
        self.changed("DIGTRING", out, "");
        Ok(0)
    }

    fn list(&self, op: &Operand, owner: CertOwner, out: &mut Vec<String>) -> u16 {
        let state = self.state();
        let wanted = op.find("LABEL").and_then(Operand::single);
        let certs: Vec<_> = state
            .certificates
            .iter()
            .filter(|(k, _)| k.owner == owner && wanted.is_none_or(|l| k.label == l))
            .collect();
        if certs.is_empty() {
            return Self::not_found_cert(out);
        }
        out.push(listing::cert_header(&owner));
        for (k, c) in certs {
            listing::cert_block(out, k, c);
        }
        out.push(String::new());
        0
    }

    fn listring(
        &self,
        op: &Operand,
        owner: CertOwner,
        out: &mut Vec<String>,
    ) -> Result<u16, Unsupported> {
        let name = op.single().ok_or_else(|| Unsupported("LISTRING WITHOUT A RING NAME".into()))?;
        let owner = match self.ring_owner(owner, out) {
            Ok(o) => o,
            Err(rc) => return Ok(rc),
        };
        let rings: Vec<_> = self
            .state
            .rings
            .iter()
            .filter(|(k, _)| k.owner == owner && (name == "*" || k.name == name))
            .collect();
        if rings.is_empty() {
            if name == "*" || !self.state.rings.keys().any(|k| k.owner == owner) {
                out.push(format!("IRRD115I User {owner} has no rings."));
            } else {
                out.push(format!("IRRD114I Ring {name} does not exist."));
            }
            return Ok(RC_NOT_FOUND);
        }
        out.push(format!("Digital ring information for user {owner}:"));
        for (k, r) in rings {
            listing::ring_block(out, k, r);
        }
        out.push(String::new());
        Ok(0)
    }

    // ---------------------------------------------------------------- profiles

    fn class_and_names(cmd: &Command) -> Result<(String, Vec<String>), Unsupported> {
        let mut ops = cmd.operands.iter();
        let class = ops
            .next()
            .filter(|o| !o.quoted && o.values.is_none())
            .ok_or_else(|| Unsupported(format!("{} WITHOUT A CLASS", cmd.verb)))?
            .word
            .to_ascii_uppercase();
        let names = match ops.next() {
            Some(o) if o.word.is_empty() => {
                o.list().iter().map(|v| v.word.to_ascii_uppercase()).collect()
            }
            Some(o) if o.values.is_none() && !o.quoted => vec![o.word.to_ascii_uppercase()],
            _ => return Err(Unsupported(format!("{} WITHOUT A PROFILE NAME", cmd.verb))),
        };
        Ok((class, names))
    }

    fn rdefine(&mut self, cmd: &Command, out: &mut Vec<String>) -> Result<u16, Unsupported> {
        let (class, names) = Self::class_and_names(cmd)?;
        let uacc = match cmd.find("UACC").and_then(Operand::single) {
            Some(u) => Some(Access::parse(u).ok_or_else(|| Unsupported(format!("UACC({u})")))?),
            None => None,
        };
        let model = match cmd.find("FROM").and_then(Operand::single) {
            Some(from) => {
                let fclass = cmd
                    .find("FCLASS")
                    .and_then(Operand::single)
                    .unwrap_or(&class)
                    .to_ascii_uppercase();
                match self.state.profiles.get(&ProfileRef::new(fclass, from.to_ascii_uppercase())) {
                    Some(p) => Some(p.clone()),
                    None => {
                        out.push(format!("ICH10103I PROFILE {from} NOT FOUND. FROM MODEL IGNORED. (UNCONFIRMED TEXT)"));
                        return Ok(RC_STOP);
                    }
                }
            }
            None => None,
        };
        let mut rc = 0;
        for name in names {
            let key = ProfileRef::new(class.clone(), name.clone());
            if self.state.profiles.contains_key(&key) {
                out.push(format!("ICH10102I {name} ALREADY DEFINED TO CLASS {class}."));
                rc = rc.max(self.config.rc_exists);
                continue;
            }
            let generic = is_generic_name(&name) && has_generic(&self.state, &class);
            let owner = cmd
                .find("OWNER")
                .and_then(Operand::single)
                .unwrap_or(&self.config.issuer)
                .to_ascii_uppercase();
            let profile = match &model {
                // FROM copies the model's UACC, WARNING and access lists (RACF "Profile
                // modeling"); whether the creator is added too is UNCONFIRMED: it is not.
                Some(m) => Profile {
                    generic,
                    owner,
                    uacc: uacc.unwrap_or(m.uacc),
                    warning: m.warning || cmd.has("WARNING"),
                    access: m.access.clone(),
                    conditional: m.conditional.clone(),
                },
                None => {
                    let mut p = Profile::new(generic, owner, uacc.unwrap_or(Access::None));
                    p.warning = cmd.has("WARNING");
                    if self.config.add_creator {
                        p.access.insert(self.config.issuer.clone(), Access::Alter);
                    }
                    p
                }
            };
            self.state.profiles.insert(key, profile);
            self.changed(&class, out, "ICH10006I");
        }
        Ok(rc)
    }

    fn ralter(&mut self, cmd: &Command, out: &mut Vec<String>) -> Result<u16, Unsupported> {
        let (class, names) = Self::class_and_names(cmd)?;
        let mut rc = 0;
        for name in names {
            let Some(p) =
                self.state.profiles.get_mut(&ProfileRef::new(class.clone(), name.clone()))
            else {
                out.push(format!(
                    "ICH11009I? PROFILE {name} NOT FOUND IN CLASS {class}. (UNCONFIRMED TEXT)"
                ));
                rc = rc.max(RC_NOT_FOUND);
                continue;
            };
            if let Some(u) = cmd.find("UACC").and_then(Operand::single) {
                p.uacc = Access::parse(u).ok_or_else(|| Unsupported(format!("UACC({u})")))?;
            }
            if cmd.has("WARNING") {
                p.warning = true;
            }
            if cmd.has("NOWARNING") {
                p.warning = false;
            }
            if let Some(o) = cmd.find("OWNER").and_then(Operand::single) {
                p.owner = o.to_ascii_uppercase();
            }
            self.changed(&class, out, "ICH11009I");
        }
        Ok(rc)
    }

    fn rdelete(&mut self, cmd: &Command, out: &mut Vec<String>) -> Result<u16, Unsupported> {
        let (class, names) = Self::class_and_names(cmd)?;
        let mut rc = 0;
        for name in names {
            if self.state.profiles.remove(&ProfileRef::new(class.clone(), name.clone())).is_none() {
                out.push(format!(
                    "ICH12102I {name} NOT FOUND IN CLASS {class}. (UNCONFIRMED TEXT)"
                ));
                rc = rc.max(RC_NOT_FOUND);
                continue;
            }
            self.changed(&class, out, "ICH12002I");
        }
        Ok(rc)
    }

    fn permit(&mut self, cmd: &Command, out: &mut Vec<String>) -> Result<u16, Unsupported> {
        let names: Vec<String> = match cmd.operands.first() {
            Some(o) if o.word.is_empty() => {
                o.list().iter().map(|v| v.word.to_ascii_uppercase()).collect()
            }
            Some(o) if o.values.is_none() && !o.quoted => vec![o.word.to_ascii_uppercase()],
            _ => return Err(Unsupported("PERMIT WITHOUT A PROFILE NAME".into())),
        };
        let class =
            cmd.find("CLASS").and_then(Operand::single).map(str::to_ascii_uppercase).ok_or_else(
                || Unsupported("PERMIT WITHOUT CLASS (DATASET PROFILES ARE NOT SIMULATED)".into()),
            )?;
        let ids: Vec<String> = cmd
            .find("ID")
            .map(|o| o.list().iter().map(|v| v.word.to_ascii_uppercase()).collect())
            .unwrap_or_default();
        let access = match cmd.find("ACCESS").and_then(Operand::single) {
            Some(a) => Access::parse(a).ok_or_else(|| Unsupported(format!("ACCESS({a})")))?,
            None => Access::Read,
        };
        let delete = cmd.has("DELETE");
        let reset =
            cmd.find("RESET").map(|r| r.single().unwrap_or("STANDARD").to_ascii_uppercase());
        let programs: Option<Vec<String>> = match cmd.find("WHEN") {
            Some(w) => match w.find("PROGRAM") {
                Some(p) => Some(p.list().iter().map(|v| v.word.to_ascii_uppercase()).collect()),
                None => {
                    return Err(Unsupported(format!("{w}: ONLY WHEN(PROGRAM(...)) IS SIMULATED")));
                }
            },
            None => None,
        };
        let from = match cmd.find("FROM").and_then(Operand::single) {
            Some(f) => {
                let fclass = cmd
                    .find("FCLASS")
                    .and_then(Operand::single)
                    .unwrap_or(&class)
                    .to_ascii_uppercase();
                match self.state.profiles.get(&ProfileRef::new(fclass, f.to_ascii_uppercase())) {
                    Some(p) => Some(p.access.clone()),
                    None => {
                        out.push(format!("ICH06004I {f} NOT DEFINED TO RACF"));
                        return Ok(RC_STOP);
                    }
                }
            }
            None => None,
        };
        if !self.state.class(&class).active {
            out.push(format!("ICH06019I WARNING: Class {class} is not currently active."));
        }
        let mut rc = 0;
        for name in names {
            let key = ProfileRef::new(class.clone(), name.clone());
            let wants_generic = cmd.has("GENERIC") || is_generic_name(&name);
            let Some(p) = self.state.profiles.get_mut(&key).filter(|p| p.generic == wants_generic)
            else {
                out.push(format!("ICH06004I {name} NOT DEFINED TO RACF"));
                return Ok(RC_STOP.max(rc));
            };
            if let Some(reset) = &reset {
                if delete {
                    out.push(
                        "ICH06009I RESET OPTION IGNORED, CONFLICTS WITH DELETE REQUEST".into(),
                    );
                } else {
                    if reset == "STANDARD" || reset == "ALL" {
                        p.access.clear();
                    }
                    if reset == "WHEN" || reset == "ALL" {
                        p.conditional.clear();
                    }
                }
            }
            if let Some(list) = &from {
                for (id, a) in list {
                    p.access.insert(id.clone(), *a);
                }
            }
            for id in &ids {
                match &programs {
                    None if delete => {
                        if p.access.remove(id).is_none() {
                            out.push(format!("ICH06002I {id} NOT AUTHORIZED, DELETE IGNORED"));
                            rc = rc.max(4);
                        }
                    }
                    None => {
                        // ACCESS sets the level: a different level before is replaced.
                        p.access.insert(id.clone(), access);
                    }
                    Some(programs) => {
                        for program in programs {
                            let c = Condition {
                                id: id.clone(),
                                class: "PROGRAM".into(),
                                entity: program.clone(),
                            };
                            if delete {
                                if p.conditional.remove(&c).is_none() {
                                    out.push(format!(
                                        "ICH06002I {id} NOT AUTHORIZED, DELETE IGNORED"
                                    ));
                                    rc = rc.max(4);
                                }
                            } else {
                                p.conditional.insert(c, access);
                            }
                        }
                    }
                }
            }
            self.changed(&class, out, "ICH06011I");
        }
        Ok(rc)
    }

    fn rlist(&mut self, cmd: &Command, out: &mut Vec<String>) -> Result<u16, Unsupported> {
        let (class, names) = Self::class_and_names(cmd)?;
        let generic = cmd.has("GENERIC");
        let mut rc = 0;
        for name in names {
            let found = if is_generic_name(&name) {
                self.state
                    .profiles
                    .get_key_value(&ProfileRef::new(class.clone(), name.clone()))
                    .filter(|(_, p)| p.generic)
            } else if generic {
                self.state.best_generic(&class, &name)
            } else {
                // Without GENERIC, a name with no discrete profile lists the generic that
                // protects it (UNCONFIRMED for RLIST; documented for LISTDSD).
                self.state.protecting_profile(&class, &name)
            };
            match found {
                Some((k, p)) => listing::profile_block(out, k, p, "ALTER"),
                None => {
                    out.push(format!("ICH13003I {name} NOT FOUND"));
                    rc = RC_NOT_FOUND;
                }
            }
        }
        Ok(rc)
    }

    fn setropts(&mut self, cmd: &Command, out: &mut Vec<String>) -> Result<u16, Unsupported> {
        // TSO lets a blank stand between a keyword and its value list (`RACLIST (SERVAUTH)`, as
        // IBM's EZARACF sample writes it): the list is then the next operand.
        let ops = &cmd.operands;
        let classes = |kw: &str| -> Vec<String> {
            let Some(at) = ops.iter().position(|o| o.is(kw)) else {
                return Vec::new();
            };
            let values = match (&ops[at].values, ops.get(at + 1)) {
                (Some(v), _) => v.as_slice(),
                (None, Some(next)) if next.word.is_empty() => next.list(),
                _ => &[],
            };
            values.iter().map(|v| v.word.to_ascii_uppercase()).collect()
        };
        let when_program = cmd.find("WHEN").is_some_and(|w| w.find("PROGRAM").is_some());
        let mut rc = 0;
        for op in &cmd.operands {
            let known = [
                "CLASSACT",
                "NOCLASSACT",
                "RACLIST",
                "NORACLIST",
                "GENERIC",
                "NOGENERIC",
                "GENCMD",
                "WHEN",
                "NOWHEN",
                "REFRESH",
                "LIST",
            ];
            let value_list = op.word.is_empty() && op.values.is_some();
            if !value_list && !known.iter().any(|k| op.is(k)) {
                return Err(Unsupported(format!("SETROPTS {op}")));
            }
        }
        let s = self.state.setropts.get_or_insert_with(Setropts::default);
        if cmd.has("REFRESH") {
            let raclist = classes("RACLIST");
            let generic = classes("GENERIC");
            if raclist.is_empty() && generic.is_empty() && !when_program {
                out.push("ICH14013I REFRESH IGNORED. NO RELATED KEYWORDS SPECIFIED.".into());
                return Ok(4);
            }
            for class in raclist {
                if s.raclist.contains(&class) {
                    self.pending_refresh.remove(&class);
                } else {
                    // Text from community code, RC UNCONFIRMED.
                    out.push(format!(
                        "ICH14070I SETROPTS RACLIST REFRESH had no effect on class {class}"
                    ));
                    rc = self.config.rc_refresh_not_raclisted;
                }
            }
            return Ok(rc);
        }
        for class in classes("CLASSACT") {
            s.active.insert(class);
        }
        for class in classes("NOCLASSACT") {
            s.active.remove(&class);
        }
        for class in classes("RACLIST") {
            s.raclist.insert(class.clone());
            self.pending_refresh.remove(&class);
        }
        for class in classes("NORACLIST") {
            s.raclist.remove(&class);
            self.pending_refresh.remove(&class);
        }
        for class in classes("GENERIC").into_iter().chain(classes("GENCMD")) {
            s.generic.insert(class);
        }
        for class in classes("NOGENERIC") {
            s.generic.remove(&class);
        }
        if when_program {
            s.when_program = true;
        }
        if cmd.find("NOWHEN").is_some_and(|w| w.find("PROGRAM").is_some()) {
            s.when_program = false;
        }
        if cmd.has("LIST") {
            listing::setropts(out, s);
        }
        Ok(0)
    }
}

/// The data set name of `ADD(...)` or `DSN(...)`: a quoted name as it is, an unquoted one
/// under the issuer's prefix (TSO's rule for data set names).
fn resolve_dsn(op: &Operand, issuer: &str) -> Option<String> {
    let [v] = op.list() else { return None };
    Some(if v.quoted {
        v.word.to_ascii_uppercase()
    } else {
        format!("{issuer}.{}", v.word.to_ascii_uppercase())
    })
}

/// Whether a command reads or writes a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSetUse {
    /// RACDCERT ADD reads it.
    Read,
    /// RACDCERT EXPORT writes it.
    Write,
}

/// The data set a command reads or writes, read from its text alone (without running it).
pub fn data_set_use(text: &str, issuer: &str) -> Option<(DataSetUse, String)> {
    let cmd = parse_command(text).ok()??;
    if cmd.verb != "RACDCERT" {
        return None;
    }
    if let Some(add) = cmd.find("ADD") {
        return resolve_dsn(add, issuer).map(|d| (DataSetUse::Read, d));
    }
    if cmd.has("EXPORT") {
        return cmd
            .find("DSN")
            .and_then(|d| resolve_dsn(d, issuer))
            .map(|d| (DataSetUse::Write, d));
    }
    None
}

/// A command or operand the simulator does not know: TSO rejects it (RC 12), which makes any
/// gap in the simulator visible in a test instead of passing silently.
struct Unsupported(String);

/// The display form of SUBJECTSDN(...): `CN=...` components in RACF's order, separated by `.`.
fn distinguished_name(op: &Operand) -> String {
    let order = ["CN", "T", "OU", "O", "L", "SP", "C"];
    let mut parts = Vec::new();
    for key in order {
        for v in op.list().iter().filter(|v| v.is(key)) {
            for value in v.list() {
                parts.push(format!("{key}={}", value.word));
            }
        }
    }
    parts.join(".")
}
