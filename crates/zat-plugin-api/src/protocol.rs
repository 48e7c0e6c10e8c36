//! The JSON messages between host and plugin.

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use zat_model::{
    Certificate, Diagnostic, Fleet, Lpar, MODEL_VERSION, Placement, SecurityDatabase, Stack,
};

/// What the host sends to a plugin: the same bytes for every plugin that renders one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RenderRequest {
    /// ABI version the host speaks ([`crate::ABI_VERSION`]).
    pub abi_version: u32,
    /// [`zat_model::MODEL_VERSION`] of `fleet`.
    pub model_version: u32,
    /// Version of the zat host, for plugins that want to print it.
    pub zat_version: String,
    /// The expanded, validated fleet; for a [`Unit`], the part of it the unit needs (see
    /// [`RenderRequest::for_unit`]).
    pub fleet: Fleet,
    /// What this call renders: one security database, one LPAR, or the fleet's own files.
    /// Absent (null) for a plugin that renders the whole fleet in one call (one that declares
    /// no `unit:` capability).
    #[serde(default)]
    pub unit: Option<Unit>,
    /// When not empty, render only these LPARs (and the security databases they use).
    #[serde(default)]
    pub only_lpars: Vec<String>,
    /// Free-form options for plugins (`--plugin-option name.key=value`), sorted by key.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// The files every other plugin rendered, sorted by path: filled only for plugins that
    /// provide [`INDEX_PASS`], which the host calls in a second pass after all others, so that
    /// an index (a runbook, a README) names exactly the files the bundle holds. Empty for
    /// every other plugin.
    #[serde(default)]
    pub bundle: Vec<IndexedFile>,
}

/// The messages of the protocol in one document, for the JSON Schema: what `render` receives
/// and returns, and what `info` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProtocolMessages {
    pub render_request: RenderRequest,
    pub render_response: RenderResponse,
    pub plugin_info: PluginInfo,
}

/// The JSON Schema of the plugin protocol (ABI [`crate::ABI_VERSION`]), generated from the
/// types: `zat schema --protocol` prints it, and `docs/plugin-protocol.schema.json` is this
/// text (a test fails when they drift).
pub fn protocol_schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(ProtocolMessages);
    schema.insert(
        "title".to_owned(),
        format!(
            "zat plugin protocol, ABI version {}, model version {MODEL_VERSION}",
            crate::ABI_VERSION
        )
        .into(),
    );
    schema.insert(
        "description".to_owned(),
        "The JSON a zat plugin receives from render (RenderRequest) and returns from render \
         (RenderResponse) and info (PluginInfo), generated from the types of zat-plugin-api and \
         zat-model. Readers must ignore object members they do not know."
            .into(),
    );
    schema
}

/// The capability of a plugin that renders security databases one at a time: it is called
/// once per database of the run with [`Unit::Database`].
pub const UNIT_DATABASE: &str = "unit:database";

/// The capability of a plugin that renders LPARs one at a time: it is called once per LPAR of
/// the run with [`Unit::Lpar`].
pub const UNIT_LPAR: &str = "unit:lpar";

/// The capability of a plugin that also writes files about the fleet as a whole (an index, a
/// summary) or checks across LPARs: it is called once with [`Unit::Fleet`].
pub const UNIT_FLEET: &str = "unit:fleet";

/// One piece of a build. Units render independently (in parallel, and not at all when their
/// request did not change since the last build); a plugin renders the units it declares with
/// `unit:` capabilities, and a plugin that declares none renders the whole fleet in one call.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unit {
    /// One security database: its jobs. The request's fleet holds the database, its partners
    /// (see [`RenderRequest::for_unit`]) and the LPARs that use it as outlines.
    Database { name: String },
    /// One LPAR with its stacks: everything written for it. The request's fleet holds the
    /// LPAR in full, the other LPARs of its security database as outlines, the database and
    /// its partners.
    Lpar { name: String },
    /// The fleet's own files: the request's fleet holds every LPAR as an outline.
    Fleet,
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unit::Database { name } => write!(f, "database {name}"),
            Unit::Lpar { name } => write!(f, "lpar {name}"),
            Unit::Fleet => f.write_str("fleet"),
        }
    }
}

/// The data sets a database's certificates are imported from.
fn imports(db: &SecurityDatabase) -> impl Iterator<Item = &str> {
    db.certificates.iter().filter_map(Certificate::imported_from)
}

/// The data sets a database's certificates are exported to.
fn exports(db: &SecurityDatabase) -> impl Iterator<Item = &str> {
    db.certificates.iter().filter_map(Certificate::exported_to)
}

fn sorted<'a>(sets: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut sets: Vec<&str> = sets.collect();
    sets.sort_unstable();
    sets.dedup();
    sets
}

/// Where each unit's parts are in one fleet: LPARs by name, the LPARs of each database, the
/// databases that export to or import from each certificate data set, and z/OS Connect
/// servers by name and by the LPAR they run on. Cutting every unit of a fleet with it costs
/// time in proportion to the units' own size; without it each unit would search the whole
/// fleet (quadratic on thousands of LPARs).
#[derive(Debug, Default)]
pub struct UnitIndex {
    lpars: HashMap<String, usize>,
    lpars_of: HashMap<String, Vec<usize>>,
    servers: HashMap<String, usize>,
    servers_on: HashMap<String, Vec<usize>>,
    databases: HashMap<String, usize>,
    exporters: HashMap<String, Vec<usize>>,
    importers: HashMap<String, Vec<usize>>,
}

impl UnitIndex {
    pub fn new(fleet: &Fleet) -> Self {
        let mut index = UnitIndex::default();
        for (at, lpar) in fleet.lpars.iter().enumerate() {
            index.lpars.entry(lpar.name.clone()).or_insert(at);
            index.lpars_of.entry(lpar.security_database.clone()).or_default().push(at);
        }
        for (at, server) in fleet.zos_connect_servers.iter().enumerate() {
            index.servers.entry(server.name.clone()).or_insert(at);
            if let Some(lpar) = &server.lpar {
                index.servers_on.entry(lpar.clone()).or_default().push(at);
            }
        }
        for (at, db) in fleet.security_databases.iter().enumerate() {
            index.databases.entry(db.name.clone()).or_insert(at);
            for (sets, by_set) in [
                (sorted(exports(db)), &mut index.exporters),
                (sorted(imports(db)), &mut index.importers),
            ] {
                for set in sets {
                    by_set.entry(set.to_owned()).or_default().push(at);
                }
            }
        }
        index
    }

    /// The first LPAR named `name`, as [`Fleet::lpar`] finds it.
    pub fn lpar<'f>(&self, fleet: &'f Fleet, name: &str) -> Option<&'f Lpar> {
        self.lpars.get(name).and_then(|&at| fleet.lpars.get(at))
    }

    /// Where the z/OS Connect servers of `unit` are in the fleet's list, in fleet order (see
    /// [`RenderRequest::for_unit`]): every server for [`Unit::Fleet`]; otherwise the servers
    /// that run on one of the unit's LPARs (its database's LPARs, in full or in outline), and
    /// those that the requesters of an LPAR unit's LPAR call.
    pub fn servers_of(&self, fleet: &Fleet, unit: &Unit) -> Vec<usize> {
        let (database, full) = match unit {
            Unit::Fleet => return (0..fleet.zos_connect_servers.len()).collect(),
            Unit::Database { name } => (name.as_str(), None),
            Unit::Lpar { name } => {
                let database = self
                    .lpar(fleet, name)
                    .map(|l| l.security_database.as_str())
                    .unwrap_or_default();
                (database, Some(name.as_str()))
            }
        };
        let mut places = Vec::new();
        for lpar in self.lpars_of(fleet, database) {
            places.extend(self.servers_on.get(&lpar.name).into_iter().flatten());
            if full == Some(lpar.name.as_str()) {
                let called = lpar.stacks.iter().flat_map(|stack| &stack.api_requesters);
                places.extend(called.filter_map(|r| self.servers.get(r.server.as_str())));
            }
        }
        places.sort_unstable();
        places.dedup();
        places
    }

    /// The LPARs of database `name`, in fleet order, as [`Fleet::lpars_of`] gives them.
    pub fn lpars_of<'f>(&self, fleet: &'f Fleet, name: &str) -> impl Iterator<Item = &'f Lpar> {
        self.lpars_of.get(name).into_iter().flatten().filter_map(|&at| fleet.lpars.get(at))
    }

    /// The databases of a unit of database `name` (its own unit, or one of its LPARs'): the
    /// database in full, then each partner (see [`RenderRequest::for_unit`]) with only the
    /// certificates that travel between the two, in fleet order.
    pub fn databases(&self, fleet: &Fleet, name: &str) -> Vec<SecurityDatabase> {
        let Some(own) = self.databases.get(name).and_then(|&at| fleet.security_databases.get(at))
        else {
            return Vec::new();
        };
        let (reads, writes) = (sorted(imports(own)), sorted(exports(own)));
        // Who writes what this database reads, and who reads what it writes.
        let mut partners: Vec<usize> = reads
            .iter()
            .filter_map(|set| self.exporters.get(*set))
            .chain(writes.iter().filter_map(|set| self.importers.get(*set)))
            .flatten()
            .copied()
            .filter(|&at| fleet.security_databases.get(at).is_some_and(|db| db.name != name))
            .collect();
        partners.sort_unstable();
        partners.dedup();
        let mut databases = vec![own.clone()];
        databases.extend(
            partners
                .into_iter()
                .map(|at| partner_outline(&fleet.security_databases[at], &reads, &writes)),
        );
        databases
    }
}

/// A partner database as a unit sees it: its name, ESM and origin, and only the certificates
/// that travel between it and the unit's database, which reads the data sets `reads` (sorted)
/// and writes `writes` (sorted): those the partner exports to a data set in `reads`, and those
/// it imports from one in `writes`. No rings, no ring access, no discovered state.
fn partner_outline(db: &SecurityDatabase, reads: &[&str], writes: &[&str]) -> SecurityDatabase {
    let has = |sets: &[&str], dsn: &str| sets.binary_search(&dsn).is_ok();
    let travels = |cert: &&Certificate| {
        cert.imported_from().is_some_and(|dsn| has(writes, dsn))
            || cert.exported_to().is_some_and(|dsn| has(reads, dsn))
    };
    SecurityDatabase {
        name: db.name.clone(),
        esm: db.esm.clone(),
        certificates: db.certificates.iter().filter(travels).cloned().collect(),
        keyrings: Vec::new(),
        ring_access: Vec::new(),
        discovered: None,
        origin: db.origin.clone(),
    }
}

/// The fleet of `unit`'s request cut from `source` (see [`RenderRequest::for_unit`]), with an
/// index of `source`: what a unit's request holds, for a caller that has the fleet but no
/// whole-fleet request (and so need not copy the fleet to make one).
pub fn unit_fleet(source: &Fleet, unit: &Unit, index: &UnitIndex) -> Fleet {
    let (databases, lpars) = match unit {
        Unit::Lpar { name } => {
            let database =
                index.lpar(source, name).map(|l| l.security_database.as_str()).unwrap_or_default();
            // The LPAR in full among the other LPARs of its database, in fleet order.
            let lpars = index
                .lpars_of(source, database)
                .map(|l| if l.name == *name { l.clone() } else { outline(l) })
                .collect();
            (index.databases(source, database), lpars)
        }
        Unit::Database { name } => {
            (index.databases(source, name), index.lpars_of(source, name).map(outline).collect())
        }
        Unit::Fleet => {
            (source.security_databases.clone(), source.lpars.iter().map(outline).collect())
        }
    };
    Fleet {
        name: source.name.clone(),
        defaults: source.defaults.clone(),
        security_databases: databases,
        security_levels: source.security_levels.clone(),
        zos_connect_servers: index
            .servers_of(source, unit)
            .into_iter()
            .filter_map(|at| source.zos_connect_servers.get(at).cloned())
            .collect(),
        lpars,
        origin: source.origin.clone(),
    }
}

/// An LPAR without the bulk of its stacks: names, flags and stack initialisation access stay,
/// rules and API requesters go. What a unit sees of LPARs it does not render.
pub fn outline(lpar: &Lpar) -> Lpar {
    // Field by field: cloning the LPAR and then dropping its rules would copy them for nothing.
    Lpar {
        name: lpar.name.clone(),
        security_database: lpar.security_database.clone(),
        pagent: lpar.pagent.clone(),
        syslog: lpar.syslog.clone(),
        stacks: lpar
            .stacks
            .iter()
            .map(|stack| Stack {
                name: stack.name.clone(),
                ttls: stack.ttls,
                initstack_users: stack.initstack_users.clone(),
                autolog_pagent: stack.autolog_pagent,
                syslogd_port: stack.syslogd_port,
                rules: Vec::new(),
                api_requesters: Vec::new(),
                initstack: stack.initstack.clone(),
                origin: stack.origin.clone(),
            })
            .collect(),
        origin: lpar.origin.clone(),
    }
}

/// The capability of a plugin that indexes the bundle: the host renders it after every other
/// plugin and hands it their files in [`RenderRequest::bundle`].
pub const INDEX_PASS: &str = "pass:index";

/// The capability of an index plugin whose fleet call ([`UNIT_FLEET`]) needs only an outline
/// of the bundle: every file outside the LPAR folders (the databases', the fleet's), and the
/// jobs (placement `job`) inside them. Its fleet call's [`RenderRequest::bundle`] then lists
/// exactly those, and the host does not hold every LPAR file's entry until the end of the
/// build (at thousands of LPARs, the largest thing it would hold besides the fleet). Its LPAR
/// and database calls see what they always do. A host that does not know it gives every
/// file, a superset, so declaring it needs no new ABI version.
pub const INDEX_OUTLINE: &str = "index:outline";

/// Whether `file` is in the outline of the bundle that [`INDEX_OUTLINE`] asks for.
pub fn in_outline(file: &IndexedFile) -> bool {
    let in_lpar =
        file.path.strip_prefix(crate::layout::LPARS_DIR).is_some_and(|r| r.starts_with('/'));
    !in_lpar
        || file.placement.as_ref().is_some_and(|p| p.destination == crate::model::Destination::Job)
}

/// A file of the bundle as the index pass sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IndexedFile {
    /// Bundle-relative path.
    pub path: String,
    /// Name of the plugin that wrote it.
    pub emitter: String,
    /// Where it goes on z/OS, as that plugin said.
    #[serde(default)]
    pub target: Option<String>,
    /// The same, structured, when the plugin gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
}

impl RenderRequest {
    /// A request for the whole fleet with no plugin options, speaking this crate's
    /// [`crate::ABI_VERSION`] and [`MODEL_VERSION`].
    ///
    /// `zat_version` is what the host calls itself (`env!("CARGO_PKG_VERSION")` in `zat`,
    /// a fixed word in tests so that snapshots do not move with releases).
    pub fn new(fleet: Fleet, zat_version: impl Into<String>) -> Self {
        Self {
            abi_version: crate::ABI_VERSION,
            model_version: MODEL_VERSION,
            zat_version: zat_version.into(),
            fleet,
            unit: None,
            only_lpars: Vec::new(),
            options: BTreeMap::new(),
            bundle: Vec::new(),
        }
    }

    /// The request of one unit of this (whole-fleet) request: the same options and `--only`
    /// list, and a fleet cut to what the unit needs, so that a unit's request, and so what the
    /// plugin writes for it, changes only when the unit's own input changes.
    ///
    /// - [`Unit::Lpar`]: the LPAR in full, the other LPARs of its security database as
    ///   [`outline`]s (for "shared with" notes), its database, then its partners;
    /// - [`Unit::Database`]: the database, then its partners, the LPARs that use it as
    ///   outlines;
    /// - [`Unit::Fleet`]: every database, every LPAR as an outline.
    ///
    /// A database's partners are the other databases that write a certificate data set it
    /// reads, or read one it writes (two that only read the same data set, say a partner's CA
    /// from outside the fleet, are not partners), each with only the certificates that travel
    /// between the two, without rings, access or discovered state: for the CA hand-off
    /// notes of a runbook. Only the unit's own database is rendered
    /// ([`RenderRequest::includes_database`] is false for a partner).
    ///
    /// Site defaults and security levels are kept whole in every unit. z/OS Connect servers
    /// are cut to those the unit's LPARs run or call ([`UnitIndex::servers_of`]): a fleet may
    /// run a server on each of thousands of LPARs, and a copy of every server in every unit
    /// would be quadratic, and would render every unit again when any server changes.
    pub fn for_unit(&self, unit: Unit) -> RenderRequest {
        self.for_unit_indexed(unit, &UnitIndex::new(&self.fleet))
    }

    /// [`RenderRequest::for_unit`] with an index of this request's fleet, made once for all
    /// the units of a build.
    pub fn for_unit_indexed(&self, unit: Unit, index: &UnitIndex) -> RenderRequest {
        RenderRequest {
            abi_version: self.abi_version,
            model_version: self.model_version,
            zat_version: self.zat_version.clone(),
            fleet: unit_fleet(&self.fleet, &unit, index),
            unit: Some(unit),
            only_lpars: self.only_lpars.clone(),
            options: self.options.clone(),
            bundle: Vec::new(),
        }
    }

    /// Hands an index plugin the files of the bundle (see [`INDEX_PASS`]).
    #[must_use]
    pub fn with_bundle(mut self, bundle: Vec<IndexedFile>) -> Self {
        self.bundle = bundle;
        self
    }

    /// Whether the bundle of an index pass holds `path`.
    pub fn bundle_has(&self, path: &str) -> bool {
        self.bundle.binary_search_by(|f| f.path.as_str().cmp(path)).is_ok()
    }

    /// Limits the run to these LPARs (`--only`); an empty list means every LPAR.
    #[must_use]
    pub fn with_only(mut self, only_lpars: Vec<String>) -> Self {
        self.only_lpars = only_lpars;
        self
    }

    /// Sets the plugin options (`--plugin-option name.key=value`), replacing any before.
    #[must_use]
    pub fn with_options(mut self, options: BTreeMap<String, String>) -> Self {
        self.options = options;
        self
    }

    /// Whether this call writes the files of an LPAR: it is the call's [`Unit::Lpar`], or, in
    /// a whole-fleet call, it is part of the run (`--only`). False in any other unit.
    pub fn includes_lpar(&self, name: &str) -> bool {
        match &self.unit {
            None => self.run_has_lpar(name),
            Some(Unit::Lpar { name: unit }) => unit == name,
            Some(Unit::Database { .. } | Unit::Fleet) => false,
        }
    }

    /// Whether this call writes the files of a security database: it is the call's
    /// [`Unit::Database`], or, in a whole-fleet call, it is part of the run. False in any other
    /// unit.
    pub fn includes_database(&self, name: &str) -> bool {
        match &self.unit {
            None => self.run_has_database(name),
            Some(Unit::Database { name: unit }) => unit == name,
            Some(Unit::Lpar { .. } | Unit::Fleet) => false,
        }
    }

    /// Whether this call writes the fleet's own files (an index, a summary): a whole-fleet call
    /// or the [`Unit::Fleet`] call.
    pub fn writes_fleet_files(&self) -> bool {
        matches!(self.unit, None | Some(Unit::Fleet))
    }

    /// Whether an LPAR is part of the run (`--only`), whatever this call renders: for the
    /// fleet's own files, which list what the bundle holds.
    pub fn run_has_lpar(&self, name: &str) -> bool {
        self.only_lpars.is_empty() || self.only_lpars.iter().any(|l| l == name)
    }

    /// Whether a security database is part of the run: used by an LPAR of the run, or every
    /// database when the run is not limited.
    pub fn run_has_database(&self, name: &str) -> bool {
        self.only_lpars.is_empty()
            || self
                .fleet
                .lpars
                .iter()
                .any(|l| l.security_database == name && self.run_has_lpar(&l.name))
    }
}

/// One file a plugin wants in the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutputFile {
    /// Bundle-relative path with `/` separators (see [`crate::layout`]).
    pub path: String,
    /// Text content; UTF-8 here, the transfer to z/OS translates it to IBM-1047.
    pub content: String,
    /// Where the file goes on z/OS: a z/OS UNIX path, `DSN(MEMBER)`, or a note such as
    /// `submit as a batch job`. Goes into the manifest.
    #[serde(default)]
    pub target: Option<String>,
    /// The same, structured (see [`crate::layout`] for the built-in emitters' placements):
    /// what deploy scripts are generated from. Goes into the manifest as `placement`; a file
    /// without one stays in the bundle (a runbook) or is left to the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
}

/// What a plugin sends back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RenderResponse {
    pub files: Vec<OutputFile>,
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
}

/// What a plugin says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    /// Capabilities, e.g. `esm:racf` for an emitter that writes a security manager's jobs.
    pub provides: Vec<String>,
    /// The option keys the plugin reads (`KEY` of `--plugin-option NAME.KEY=VALUE`), when it
    /// declares them: the host then refuses any other key of this plugin. Absent: the plugin
    /// checks its options itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use zat_model::{JobCard, Origin, SiteDefaults};

    use super::*;

    /// The smallest fleet the type allows: nothing in it but its name and site defaults.
    fn empty_fleet() -> Fleet {
        Fleet {
            name: "EMPTY".to_owned(),
            defaults: SiteDefaults {
                job: JobCard {
                    name_prefix: "UNIT".to_owned(),
                    accounting: "0000".to_owned(),
                    programmer: "PROTOCOL TEST".to_owned(),
                    class: "B".to_owned(),
                    msgclass: "H".to_owned(),
                    notify: None,
                },
                hlq: "ATTLS".to_owned(),
                pagent_dir: "/etc/pagent".to_owned(),
                tcpparms: "TCPIP.TCPPARMS".to_owned(),
                program_conditional_permits: false,
                activate_classes: false,
                explicit: Vec::new(),
                origin: None,
            },
            security_databases: Vec::new(),
            security_levels: Vec::new(),
            zos_connect_servers: Vec::new(),
            lpars: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn new_speaks_the_current_versions_for_the_whole_fleet() {
        let request = RenderRequest::new(empty_fleet(), "9.9.9");
        assert_eq!(
            request,
            RenderRequest {
                abi_version: crate::ABI_VERSION,
                model_version: MODEL_VERSION,
                zat_version: "9.9.9".to_owned(),
                fleet: empty_fleet(),
                unit: None,
                only_lpars: Vec::new(),
                options: BTreeMap::new(),
                bundle: Vec::new(),
            }
        );
        assert!(request.includes_lpar("SYSA"));
    }

    #[test]
    fn builders_set_only_and_options() {
        let options = BTreeMap::from([("racf.owner".to_owned(), "SYS1".to_owned())]);
        let request = RenderRequest::new(empty_fleet(), String::from("test"))
            .with_only(vec!["SYSB".to_owned()])
            .with_options(options.clone());
        assert_eq!(request.only_lpars, ["SYSB"]);
        assert_eq!(request.options, options);
        assert!(request.includes_lpar("SYSB"));
        assert!(!request.includes_lpar("SYSA"));
    }
}
