//! Validation of the expanded model: names, ports, addresses, duplicates, references,
//! certificates, rings, priorities and TLS settings. Every problem is reported, not just the
//! first, each with a stable code (ZAT01xx-ZAT02xx), the object path and the script origin.

use std::collections::BTreeMap;
use std::net::IpAddr;

use zat_model::{
    ByName, CertOwner, CertSource, Certificate, Diagnostic, Fleet, HandshakeRole, KeyAlgorithm,
    KeyUsage, Keyring, Origin, PortRange, Rule, RuleSource, SecurityDatabase, SecurityLevel, Usage,
};

pub(crate) fn validate(fleet: &Fleet, out: &mut Vec<Diagnostic>) {
    let mut v = Validator { out, named_labels: named_labels(fleet) };
    // Rules, requesters and servers each look a name up: by hash, not a scan of the fleet.
    let names = ByName::new(fleet);
    v.fleet_name(fleet);
    v.defaults(fleet);
    v.unique(
        "security database",
        fleet.security_databases.iter().map(|d| (d.name.as_str(), &d.origin)),
        "fleet",
    );
    v.unique("lpar", fleet.lpars.iter().map(|l| (l.name.as_str(), &l.origin)), "fleet");
    v.unique(
        "security level",
        fleet.security_levels.iter().map(|l| (l.name.as_str(), &l.origin)),
        "fleet",
    );
    v.unique(
        "z/OS Connect server",
        fleet.zos_connect_servers.iter().map(|s| (s.name.as_str(), &s.origin)),
        "fleet",
    );
    for db in &fleet.security_databases {
        v.database(db);
    }
    for level in &fleet.security_levels {
        v.level(level);
    }
    for server in &fleet.zos_connect_servers {
        let object = format!("zos_connect_server {}", server.name);
        // The server's name names its server.xml file and its inbound rule.
        v.policy_name(&server.name, &object, &server.origin);
        v.port(server.http_port, &object, "http_port", &server.origin);
        v.port(server.https_port, &object, "https_port", &server.origin);
        v.host(&server.host, "host", &object, &server.origin);
        if server.host.parse::<std::net::Ipv6Addr>().is_ok() {
            // BAQURI holds the host as written, and a URL needs an IPv6 address in brackets,
            // which are not safe in code page 1047 text (emitters.md §3.5); how the requester
            // stub reads BAQURI is unconfirmed.
            v.warning(
                "ZAT0321",
                &format!(
                    "host `{}` is an IPv6 address: it goes into its requesters' BAQURI as written, and whether the requester stub takes an IPv6 address there, without the brackets of a URL, is not known",
                    server.host
                ),
                &object,
                &server.origin,
            );
        }
        if let Some(ip) = &server.ip {
            // Its requesters' rules name it as their remote address.
            if ip.parse::<IpAddr>().is_ok() {
                v.policy_address(ip, &object, &server.origin);
            }
            v.ip(ip, &object, &server.origin);
        }
        if let Some(job) = &server.jobname {
            v.mvs_name(job, "job name", true, &object, &server.origin);
        }
        if let Some(user) = &server.userid {
            v.mvs_name(user, "user ID", false, &object, &server.origin);
        }
        if let Some(level) = &server.level
            && names.security_level(level).is_none()
        {
            v.missing_level(level, &object, &server.origin);
        }
    }
    for lpar in &fleet.lpars {
        let object = format!("lpar {}", lpar.name);
        v.mvs_name(&lpar.name, "system name", false, &object, &lpar.origin);
        v.mvs_name(&lpar.pagent.jobname, "Policy Agent job name", false, &object, &lpar.origin);
        v.mvs_name(&lpar.pagent.userid, "Policy Agent user ID", false, &object, &lpar.origin);
        v.mvs_name(&lpar.syslog.jobname, "syslogd job name", false, &object, &lpar.origin);
        v.unix_path(&lpar.pagent.config_dir, "Policy Agent config_dir", &object, &lpar.origin);
        // The folder is written into the main and image files, where `#` starts a comment.
        v.policy_word(&lpar.pagent.config_dir, "Policy Agent config_dir", &object, &lpar.origin);
        // The files placed in it must fit a z/OS UNIX path too: the longest is a stack's policy.
        let longest = lpar
            .stacks
            .iter()
            .map(|stack| format!("{}.policy", stack.name))
            .chain(["pagent.conf".to_owned()])
            .max_by_key(String::len)
            .unwrap_or_default();
        let dir = lpar.pagent.config_dir.trim_end_matches('/');
        if lpar.pagent.config_dir.len() <= 1023 && dir.len() + 1 + longest.len() > 1023 {
            v.error(
                "ZAT0115",
                &format!(
                    "Policy Agent config_dir is {} bytes long: {longest} in it would be a path of {} bytes, more than the 1023 of a z/OS UNIX path",
                    dir.len(),
                    dir.len() + 1 + longest.len()
                ),
                &object,
                &lpar.origin,
            );
        }
        v.unix_path(&lpar.syslog.config_path, "syslog config_path", &object, &lpar.origin);
        v.unix_path(&lpar.syslog.attls_log, "syslog attls_log", &object, &lpar.origin);
        v.unix_path(&lpar.syslog.pagent_log, "syslog pagent_log", &object, &lpar.origin);
        if let Some(path) = &lpar.syslog.error_log {
            v.unix_path(path, "syslog error_log", &object, &lpar.origin);
        }
        for level in [&lpar.syslog.attls_level, &lpar.syslog.pagent_level] {
            v.syslog_level(level, &object, &lpar.origin);
        }
        if !(0..=511).contains(&lpar.pagent.log_level) {
            v.error(
                "ZAT0113",
                "Policy Agent log level must be 0-511 (a sum of 1, 2, 4 ... 256)",
                &object,
                &lpar.origin,
            );
        }
        if !(1..=2_147_483_647).contains(&lpar.pagent.refresh_interval) {
            v.error(
                "ZAT0113",
                "Policy Agent refresh interval must be 1-2147483647 seconds",
                &object,
                &lpar.origin,
            );
        }
        // Looked up once for the LPAR's rules.
        let database = names.security_database(&lpar.security_database);
        if database.is_none() {
            v.error(
                "ZAT0130",
                &format!(
                    "lpar uses security database `{}`, which the fleet does not define",
                    lpar.security_database
                ),
                &object,
                &lpar.origin,
            );
        }
        v.unique("stack", lpar.stacks.iter().map(|s| (s.name.as_str(), &s.origin)), &object);
        // Requesters are unique per LPAR, not per stack: each gets one CEEOPTS file per LPAR.
        v.unique(
            "api requester",
            lpar.stacks
                .iter()
                .flat_map(|s| &s.api_requesters)
                .map(|r| (r.name.as_str(), &r.origin)),
            &object,
        );
        for stack in &lpar.stacks {
            let object = format!("lpar {} / stack {}", lpar.name, stack.name);
            v.mvs_name(&stack.name, "TCP/IP job name", false, &object, &stack.origin);
            if stack.ttls {
                // Its `TcpImage` line of the Policy Agent main file names it.
                v.policy_word(&stack.name, "TCP/IP job name", &object, &stack.origin);
            }
            for user in &stack.initstack_users {
                v.mvs_name(user, "EZB.INITSTACK user ID", false, &object, &stack.origin);
            }
            v.unique_rules(&stack.rules, &object);
            for requester in &stack.api_requesters {
                let object = format!("{object} / api_requester {}", requester.name);
                v.mvs_name(&requester.jobname, "job name", true, &object, &requester.origin);
                v.mvs_name(&requester.userid, "user ID", false, &object, &requester.origin);
                v.policy_name(&requester.name, &object, &requester.origin);
                // Checked here, where the script wrote it, not at the derived rule.
                if names.security_level(&requester.level).is_none() {
                    v.missing_level(&requester.level, &object, &requester.origin);
                }
                v.requester_ports(&names, requester, &object);
            }
            for rule in &stack.rules {
                v.rule(&names, database, rule, &object);
            }
            v.priority_ties(&stack.rules, &object);
        }
    }
    // Whether each requester and its server, both in the fleet, can complete a handshake.
    crate::handshake::check(fleet, &names, v.out);
}

struct Validator<'a> {
    out: &'a mut Vec<Diagnostic>,
    /// Certificate labels written into AT-TLS policy (a rule's `CertificateLabel` or
    /// `ServerCertificateLabel`, derived rules included) or Liberty's `serverKeyAlias`.
    named_labels: std::collections::BTreeSet<&'a str>,
}

impl Validator<'_> {
    fn error(&mut self, code: &str, message: &str, object: &str, origin: &Origin) {
        self.out.push(Diagnostic::error(code, message).object(object).at(origin));
    }

    fn warning(&mut self, code: &str, message: &str, object: &str, origin: &Origin) {
        self.out.push(Diagnostic::warning(code, message).object(object).at(origin));
    }

    fn defaults(&mut self, fleet: &Fleet) {
        let job = &fleet.defaults.job;
        let object = "fleet defaults";
        // Where the script set them (`site.defaults(..)`), else the fleet.
        let at = fleet.defaults.origin.as_ref().unwrap_or(&fleet.origin);
        if job.name_prefix.is_empty()
            || job.name_prefix.len() > 5
            || !zat_zos::is_valid_name(&job.name_prefix)
        {
            self.error(
                "ZAT0101",
                &format!("job name prefix `{}` must be 1-5 characters A-Z 0-9 @ # $, not starting with a digit", job.name_prefix),
                object,
                at,
            );
        }
        for (field, value, max) in [("class", &job.class, 8), ("msgclass", &job.msgclass, 1)] {
            if value.is_empty()
                || value.len() > max
                || !value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                self.error(
                    "ZAT0101",
                    &format!("job card {field} `{value}` is not valid"),
                    object,
                    at,
                );
            }
        }
        if let Some(notify) = &job.notify
            && notify != "&SYSUID"
        {
            self.mvs_name(notify, "job card notify", false, object, at);
        }
        self.unix_path(&fleet.defaults.pagent_dir, "pagent_dir", object, at);
        if job.programmer.chars().count() > 20 {
            self.error(
                "ZAT0101",
                "job card programmer name is longer than 20 characters",
                object,
                at,
            );
        }
        self.job_card_layout(job, object, at);
        // zat adds a member per stack (`DSN=TCPPARMS(member)`): a member here would give
        // `SYS1.TCPPARMS(ABC)(TOZZ93FE)`.
        if fleet.defaults.tcpparms.contains('(') {
            self.out.push(
                Diagnostic::error(
                    "ZAT0114",
                    format!(
                        "tcpparms `{}` names a member; zat adds a member for each stack",
                        fleet.defaults.tcpparms
                    ),
                )
                .object(object)
                .at(at)
                .help("give the partitioned data set only, e.g. `SYS1.TCPPARMS`"),
            );
        } else if let Some(why) = zat_zos::dsn_problem(&fleet.defaults.tcpparms) {
            self.error(
                "ZAT0114",
                &format!("`{}` is not a valid data set name: {why}", fleet.defaults.tcpparms),
                object,
                at,
            );
        }
        if fleet.defaults.hlq.contains('(') || !zat_zos::is_valid_dsn(&fleet.defaults.hlq) {
            self.error(
                "ZAT0114",
                &format!("high-level qualifier `{}` is not valid", fleet.defaults.hlq),
                object,
                at,
            );
        }
    }

    /// Whether every emitter can write the JOB statement from the site's card: the one
    /// layout of `zat_zos::job_card` decides (accounting at most 142 characters, each of its
    /// subparameters on one line, no apostrophes), so that the limit here is the limit there.
    /// Fields the checks above (and ZAT0106's code-page check) report are replaced by valid
    /// stand-ins, so a value is reported once; the job name is 8 characters, the widest.
    fn job_card_layout(&mut self, job: &zat_model::JobCard, object: &str, at: &Origin) {
        let safe = |value: &str| value.chars().all(zat_zos::is_safe_char);
        let card = zat_model::JobCard {
            name_prefix: "ZAT".to_owned(),
            accounting: if safe(&job.accounting) { job.accounting.clone() } else { String::new() },
            programmer: if safe(&job.programmer) && job.programmer.chars().count() <= 20 {
                job.programmer.clone()
            } else {
                String::new()
            },
            class: "A".to_owned(),
            msgclass: "A".to_owned(),
            notify: None,
        };
        if let Err(error) = zat_zos::job_card(&card, "ZATJOBNM") {
            self.out.push(
                Diagnostic::error("ZAT0101", format!("cannot write the JOB card: {error}"))
                    .object(object)
                    .at(at)
                    .help(
                        "JCL takes up to 142 characters of accounting information, continued \
                         between its comma-separated subparameters; no subparameter may be \
                         longer than a line (about 50 characters)",
                    ),
            );
        }
    }

    /// The fleet's name goes into a comment of nearly every generated file.
    fn fleet_name(&mut self, fleet: &Fleet) {
        if fleet.name.is_empty() || fleet.name.chars().count() > 64 {
            self.error(
                "ZAT0106",
                "the fleet name must be 1-64 characters (it is written into the comment of every generated file)",
                "fleet",
                &fleet.origin,
            );
        }
    }

    /// A host name (labels of A-Z a-z 0-9 `-` joined by `.`, at most 253 characters) or an
    /// IP address: it goes into CEEOPTS (`BAQURI`) and server.xml.
    fn host(&mut self, host: &str, what: &str, object: &str, origin: &Origin) {
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        let name_ok = !host.is_empty() && host.len() <= 253 && host.split('.').all(label_ok);
        if !name_ok && host.parse::<IpAddr>().is_err() {
            self.error(
                "ZAT0112",
                &format!("{what} `{host}` is not a host name (letters, digits and `-` between dots) or an IP address"),
                object,
                origin,
            );
        }
    }

    /// System names, job names and user IDs: 1-8 characters A-Z 0-9 @ # $, not starting
    /// with a digit; filters may end in `*`.
    fn mvs_name(&mut self, name: &str, what: &str, wildcard: bool, object: &str, origin: &Origin) {
        let core = if wildcard { name.strip_suffix('*').unwrap_or(name) } else { name };
        let ok = (!core.is_empty() || (wildcard && name == "*"))
            && name.len() <= 8
            && (core.is_empty() || zat_zos::is_valid_name(core));
        if !ok {
            let star = if wildcard { " (a trailing `*` is allowed)" } else { "" };
            self.error(
                "ZAT0101",
                &format!("{what} `{name}` must be 1-8 characters A-Z 0-9 @ # $, not starting with a digit{star}"),
                object,
                origin,
            );
        }
    }

    /// Names that become Policy Agent object names: 1-32 characters, no blanks.
    fn policy_name(&mut self, name: &str, object: &str, origin: &Origin) {
        if name.is_empty() || name.chars().count() > 32 || !name.chars().all(is_policy_char) {
            self.error(
                "ZAT0104",
                &format!("name `{name}` must be 1-32 characters A-Z a-z 0-9 _ - . @ # $ (it becomes a Policy Agent name)"),
                object,
                origin,
            );
        }
    }

    /// A certificate label of a database with ESM `esm`. RACF takes blanks in a label (zat
    /// quotes every label in its RACDCERT commands, and real sites have labels such as
    /// `Site Root CA`), but Policy Agent reads only the first word of a value, and the ACF2
    /// and Top Secret plugins write labels unquoted (their quoting of blanks is unconfirmed):
    /// blanks are allowed only in the label of a RACF certificate that no policy names.
    fn label(&mut self, label: &str, esm: &zat_model::Esm, object: &str, origin: &Origin) {
        if label.is_empty() || label.chars().count() > 32 {
            self.error(
                "ZAT0103",
                &format!("certificate label `{label}` must be 1-32 characters"),
                object,
                origin,
            );
            return;
        }
        if label.chars().all(is_policy_char) {
            return;
        }
        let blanks_only = label.chars().all(|c| c == ' ' || is_policy_char(c))
            && !label.starts_with(' ')
            && !label.ends_with(' ');
        let message = if !blanks_only {
            format!(
                "certificate label `{label}` may hold only A-Z a-z 0-9 _ - . @ # $ and, in a RACF label no policy names, blanks between words"
            )
        } else if self.named_labels.contains(label) {
            format!(
                "certificate label `{label}` is named in AT-TLS policy (or Liberty's server.xml), where a value ends at the first blank: Policy Agent would read only the first word"
            )
        } else if *esm != zat_model::Esm::RACF {
            format!(
                "certificate label `{label}` has a blank, and the {esm} plugin writes labels unquoted: use a label without blanks"
            )
        } else {
            return;
        };
        self.error("ZAT0103", &message, object, origin);
    }

    /// RACF takes ring names of up to 237 characters, but zat never splits a name across
    /// lines: the longest token that holds one, `RDATALIB(OWNER.RING.LST)` of a Top Secret
    /// permit on a 71-column TSO line, leaves room for [`MAX_RING_NAME`] characters beside
    /// an 8-character owner (RACF's `/* KEY RING OWNER/RING */` comment and `OWNER.RING.LST`
    /// profile allow a few more; the policy's `Keyring OWNER/RING` line fits in 72 columns).
    fn ring_name(&mut self, name: &str, object: &str, origin: &Origin) {
        if name.is_empty() || !name.chars().all(is_policy_char) {
            self.error(
                "ZAT0105",
                &format!("key ring name `{name}` must be 1-{MAX_RING_NAME} characters A-Z a-z 0-9 _ - . @ # $"),
                object,
                origin,
            );
        } else if name.len() > MAX_RING_NAME {
            self.out.push(
                Diagnostic::error(
                    "ZAT0105",
                    format!(
                        "key ring name `{name}` is {} characters: zat takes at most {MAX_RING_NAME}",
                        name.len()
                    ),
                )
                .object(object)
                .at(origin)
                .help("RACF allows 237, but the jobs write a ring name whole on one 71-column line, after its owner (`OWNER.RING.LST`): shorten it"),
            );
        }
    }

    fn port(&mut self, port: i64, object: &str, what: &str, origin: &Origin) {
        if !(1..=65535).contains(&port) {
            self.error(
                "ZAT0110",
                &format!("{what} {port} is not a port: use 1-65535"),
                object,
                origin,
            );
        }
    }

    fn port_range(&mut self, range: &PortRange, object: &str, what: &str, origin: &Origin) {
        self.port(range.low, object, what, origin);
        if range.high != range.low {
            self.port(range.high, object, what, origin);
        }
        if range.low > range.high {
            self.error(
                "ZAT0110",
                &format!("{what} {}-{} runs backwards", range.low, range.high),
                object,
                origin,
            );
        }
    }

    fn ip(&mut self, text: &str, object: &str, origin: &Origin) {
        if text.parse::<IpAddr>().is_err() {
            self.error("ZAT0111", &format!("`{text}` is not an IP address"), object, origin);
        }
    }

    /// `addr`, `addr/prefix` or `addr-addr` (AT-TLS accepts only `-` in address ranges).
    fn address(&mut self, text: &str, object: &str, origin: &Origin) {
        let ok = if let Some((addr, prefix)) = text.split_once('/') {
            match (addr.parse::<IpAddr>(), prefix.parse::<u8>()) {
                (Ok(IpAddr::V4(_)), Ok(p)) => p <= 32,
                (Ok(IpAddr::V6(_)), Ok(p)) => p <= 128,
                _ => false,
            }
        } else if let Some((low, high)) = text.split_once('-') {
            matches!(
                (low.parse::<IpAddr>(), high.parse::<IpAddr>()),
                (Ok(IpAddr::V4(a)), Ok(IpAddr::V4(b))) if a <= b
            ) || matches!(
                (low.parse::<IpAddr>(), high.parse::<IpAddr>()),
                (Ok(IpAddr::V6(a)), Ok(IpAddr::V6(b))) if a <= b
            )
        } else {
            text.parse::<IpAddr>().is_ok()
        };
        if !ok {
            self.error(
                "ZAT0111",
                &format!("`{text}` is not an address, `address/prefix` or `low-high` range"),
                object,
                origin,
            );
        } else {
            self.policy_address(text, object, origin);
        }
    }

    /// An address that goes into an AT-TLS rule: IPv4-mapped IPv6 addresses and the prefix
    /// `::/96` are errors there, and Policy Agent would then install no new policy at all.
    fn policy_address(&mut self, text: &str, object: &str, origin: &Origin) {
        if let Some(message) = zat_policy::effective::refused_address(text) {
            self.error("ZAT0111", &message, object, origin);
        }
    }

    fn unix_path(&mut self, path: &str, what: &str, object: &str, origin: &Origin) {
        if !path.starts_with('/') || path.contains(char::is_whitespace) || path.len() > 1023 {
            self.error(
                "ZAT0115",
                &format!("{what} `{path}` must be an absolute z/OS UNIX path without blanks"),
                object,
                origin,
            );
        }
    }

    /// A value written into a Policy Agent main or image file, where `#` starts a comment:
    /// `TcpImage TCPIP#1 ...` is read as `TcpImage TCPIP`, with no image file.
    fn policy_word(&mut self, value: &str, what: &str, object: &str, origin: &Origin) {
        if value.contains('#') {
            self.out.push(
                Diagnostic::error(
                    "ZAT0117",
                    format!(
                        "{what} `{value}` contains `#`, which starts a comment in Policy Agent files: Policy Agent would read `{}`",
                        value.split('#').next().unwrap_or_default()
                    ),
                )
                .object(object)
                .at(origin)
                .help("use a name or folder without `#` for what Policy Agent reads"),
            );
        }
    }

    fn syslog_level(&mut self, level: &str, object: &str, origin: &Origin) {
        // The priorities z/OS syslogd takes in a selector, as the syslog emitter writes them.
        const LEVELS: [&str; 8] =
            ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];
        if !LEVELS.contains(&level) {
            self.error(
                "ZAT0116",
                &format!("syslog priority `{level}` is not one of {}", LEVELS.join(", ")),
                object,
                origin,
            );
        }
    }

    fn missing_level(&mut self, level: &str, object: &str, origin: &Origin) {
        self.out.push(
            Diagnostic::error("ZAT0130", format!("security level `{level}` is not defined"))
                .object(object)
                .at(origin)
                .help("define it with `site.security_level(...)`"),
        );
    }

    fn unique<'o>(
        &mut self,
        what: &str,
        items: impl Iterator<Item = (&'o str, &'o Origin)>,
        parent: &str,
    ) {
        let mut seen: BTreeMap<&str, &Origin> = BTreeMap::new();
        for (name, origin) in items {
            if let Some(first) = seen.get(name) {
                self.out.push(
                    Diagnostic::error(
                        "ZAT0120",
                        format!("{what} `{name}` is defined twice in {parent}"),
                    )
                    .object(format!("{parent} / {what} {name}"))
                    .at(origin)
                    .help(format!("the first definition is at {first}")),
                );
            } else {
                seen.insert(name, origin);
            }
        }
    }

    /// Rule names are unique per stack. A name shared by rules that expansion derived is
    /// reported at what the script wrote, in its names: a requester or server defined twice
    /// is reported as that (its rules are not reported again), and a script rule that takes a
    /// derived rule's name is reported with the requester or server that derives it.
    fn unique_rules(&mut self, rules: &[Rule], parent: &str) {
        let mut seen: BTreeMap<&str, &Rule> = BTreeMap::new();
        for rule in rules {
            let Some(first) = seen.get(rule.name.as_str()).copied() else {
                seen.insert(&rule.name, rule);
                continue;
            };
            let name = &rule.name;
            let (message, object, help) = match (&first.source, &rule.source) {
                (RuleSource::Script, RuleSource::Script) => (
                    format!("rule `{name}` is defined twice in {parent}"),
                    format!("{parent} / rule {name}"),
                    format!("the first definition is at {}", first.origin),
                ),
                // The same requester or server twice: reported as such by `unique`.
                (a, b) if a == b => continue,
                (RuleSource::Script, derived) | (derived, RuleSource::Script) => {
                    let script = if first.source == RuleSource::Script { first } else { rule };
                    (
                        format!(
                            "rule `{name}` has the name {} gives its derived rule",
                            maker(derived)
                        ),
                        format!("{parent} / rule {name}"),
                        format!(
                            "rename the rule (at {}); zat makes `{name}` for {}",
                            script.origin,
                            maker(derived)
                        ),
                    )
                }
                (a, b) => (
                    format!("{} and {} both derive rule `{name}` in {parent}", maker(a), maker(b)),
                    maker_object(b, parent),
                    format!("rename one of them (the other is at {})", first.origin),
                ),
            };
            self.out.push(
                Diagnostic::error("ZAT0120", message).object(object).at(&rule.origin).help(help),
            );
        }
    }

    fn database(&mut self, db: &SecurityDatabase) {
        let object = format!("security_database {}", db.name);
        if db.name.is_empty() || db.name.len() > 8 || !zat_zos::is_valid_name(&db.name) {
            self.error(
                "ZAT0101",
                &format!("security database name `{}` must be 1-8 characters A-Z 0-9 @ # $ (it names bundle folders and jobs)", db.name),
                &object,
                &db.origin,
            );
        }
        self.unique(
            "certificate",
            db.certificates.iter().map(|c| (c.label.as_str(), &c.origin)),
            &object,
        );
        let rings: Vec<(String, &Origin)> =
            db.keyrings.iter().map(|r| (format!("{}/{}", r.owner, r.name), &r.origin)).collect();
        self.unique("key ring", rings.iter().map(|(n, o)| (n.as_str(), *o)), &object);
        for (index, cert) in db.certificates.iter().enumerate() {
            self.certificate(db, index, cert, &object);
        }
        for ring in &db.keyrings {
            self.keyring(db, ring, &object);
        }
    }

    fn certificate(
        &mut self,
        db: &SecurityDatabase,
        index: usize,
        cert: &Certificate,
        parent: &str,
    ) {
        let object = format!("{parent} / certificate {}", cert.label);
        let origin = &cert.origin;
        self.label(&cert.label, &db.esm, &object, origin);
        if let CertOwner::User(user) = &cert.owner {
            self.mvs_name(user, "certificate owner", false, &object, origin);
        }
        match &cert.source {
            CertSource::Import { dsn } => {
                if let Some(why) = zat_zos::dsn_problem(dsn) {
                    self.error(
                        "ZAT0114",
                        &format!("`{dsn}` is not a valid data set name: {why}"),
                        &object,
                        origin,
                    );
                }
                return;
            }
            // Subject, key, dates and signer of a certificate that exists are not in the
            // model; only what the jobs write for it (label, owner) is checked above.
            CertSource::Existing => {
                if cert.export.is_some() {
                    self.error(
                        "ZAT0169",
                        "an existing certificate is never exported by zat",
                        &object,
                        origin,
                    );
                }
                return;
            }
            CertSource::Generate => {}
        }
        let sizes: &[i64] = match cert.algorithm {
            KeyAlgorithm::Rsa => &[1024, 2048, 3072, 4096],
            KeyAlgorithm::Nistecc => &[192, 224, 256, 384, 521],
            KeyAlgorithm::Bpecc => &[160, 192, 224, 256, 320, 384, 512],
        };
        if !sizes.contains(&cert.size) {
            self.error(
                "ZAT0160",
                &format!(
                    "key size {} is not valid for this key type; use one of {sizes:?}",
                    cert.size
                ),
                &object,
                origin,
            );
        } else if cert.algorithm == KeyAlgorithm::Rsa && cert.size < 2048 {
            self.warning("ZAT0161", "RSA keys shorter than 2048 bits are weak", &object, origin);
        }
        self.subject(&cert.subject, &object, origin);
        if let Some(domain) = &cert.alt_name.domain {
            self.host(domain, "alt_domain", &object, origin);
        }
        if let Some(ip) = &cert.alt_name.ip {
            self.ip(ip, &object, origin);
        }
        let mut dates = Vec::new();
        for date in [&cert.not_before, &cert.not_after].into_iter().flatten() {
            match parse_date(date) {
                Some(d) => dates.push(d),
                None => self.error("ZAT0162", &date_problem(date), &object, origin),
            }
        }
        if let (Some(before), Some(after)) = (&cert.not_before, &cert.not_after)
            && let (Some(b), Some(a)) = (parse_date(before), parse_date(after))
            && b >= a
        {
            self.error("ZAT0162", "not_before must be earlier than not_after", &object, origin);
        }
        if let Some(after) = cert.not_after.as_deref().and_then(parse_date) {
            // Expired and soon-expiring certificates are checked against the caller's date in
            // `protection.rs`.
            if after > (2049, 12, 31) {
                // RACF's handling of dates past 2049 (UTCTime) is unconfirmed: stay safe.
                self.warning(
                    "ZAT0164",
                    "not_after past 2049-12-31 may not be accepted; check on a test system",
                    &object,
                    origin,
                );
            }
        }
        let allowed: &[KeyUsage] = match cert.algorithm {
            KeyAlgorithm::Rsa => {
                &[KeyUsage::Handshake, KeyUsage::Docsign, KeyUsage::Certsign, KeyUsage::Dataencrypt]
            }
            _ => &[KeyUsage::Handshake, KeyUsage::Docsign, KeyUsage::Certsign, KeyUsage::Keyagree],
        };
        for usage in &cert.key_usage {
            if !allowed.contains(usage) {
                self.error(
                    "ZAT0165",
                    &format!("key usage {} is not valid for this key type", usage.keyword()),
                    &object,
                    origin,
                );
            }
        }
        if cert.is_ca() && !cert.key_usage.contains(&KeyUsage::Certsign) {
            self.error(
                "ZAT0165",
                "a certificate authority needs key usage CERTSIGN",
                &object,
                origin,
            );
        }
        match &cert.signer {
            Some(signer) => {
                let position = db.certificates.iter().position(|c| &c.label == signer);
                match position.map(|p| (p, &db.certificates[p])) {
                    None => self.error(
                        "ZAT0133",
                        &format!("signer `{signer}` is not a certificate in security database {}", db.name),
                        &object,
                        origin,
                    ),
                    Some((_, ca)) if !ca.is_ca() => self.error(
                        "ZAT0133",
                        &format!("signer `{signer}` is not a certificate authority (owner CERTAUTH)"),
                        &object,
                        origin,
                    ),
                    // Added from a data set, it is a certificate alone: RACF holds no
                    // private key to sign with, and the import job runs after the one that
                    // would sign (the setup job).
                    Some((_, ca)) if ca.imported_from().is_some() => self.out.push(
                        Diagnostic::error(
                            "ZAT0133",
                            format!("signer `{signer}` is imported from a data set: RACF holds no private key of it to sign with"),
                        )
                        .object(&object)
                        .at(origin)
                        .help("sign with a certificate authority this database generates (`db.certificate_authority`), or with the site's own CA declared by `db.existing_certificate(\"CERTAUTH\", label)`"),
                    ),
                    Some((p, _)) if p > index => self.error(
                        "ZAT0133",
                        &format!("signer `{signer}` is created after the certificate it signs; define it first"),
                        &object,
                        origin,
                    ),
                    Some(_) => {}
                }
            }
            None if !cert.is_ca() => self.warning(
                "ZAT0166",
                "certificate is self-signed; peers will not trust it unless they hold it: give it `signed_by` a CA",
                &object,
                origin,
            ),
            None => {}
        }
        if let Some(export) = &cert.export {
            if let Some(why) = zat_zos::dsn_problem(&export.dsn) {
                // The expansion put the fleet's HLQ in front of the name the script wrote
                // (`qualify_exports`): a name too long now may not have been as written.
                self.error(
                    "ZAT0114",
                    &format!("export data set `{}` (the name as written, under the fleet's `hlq`) is not a valid data set name: {why}", export.dsn),
                    &object,
                    origin,
                );
            }
            if export.format.has_private_key() && export.password_env.is_none() {
                self.warning(
                    "ZAT0167",
                    "a PKCS#12 export needs a password: name the environment variable with `password_env`, or the job will carry a placeholder",
                    &object,
                    origin,
                );
            }
        }
    }

    fn subject(&mut self, dn: &zat_model::DistinguishedName, object: &str, origin: &Origin) {
        let parts = [("CN", &dn.cn), ("T", &dn.t), ("O", &dn.o), ("L", &dn.l), ("SP", &dn.sp)];
        let ous = dn.ou.iter().map(|ou| ("OU", ou));
        for (key, value) in parts.iter().filter_map(|(k, v)| v.as_ref().map(|v| (*k, v))).chain(ous)
        {
            if value.is_empty() || value.chars().count() > 64 {
                self.error(
                    "ZAT0168",
                    &format!("subject {key} must be 1-64 characters"),
                    object,
                    origin,
                );
            }
            if !value.chars().all(is_dn_char) {
                self.error(
                    "ZAT0168",
                    &format!("subject {key} `{value}` holds characters that do not survive code page 1047 jobs; use A-Z a-z 0-9 blank ' ( ) + , - . / : = ?"),
                    object,
                    origin,
                );
            }
        }
        if let Some(c) = &dn.c
            && !(c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()))
        {
            self.error(
                "ZAT0168",
                &format!("subject C `{c}` must be a two-letter country code in upper case"),
                object,
                origin,
            );
        }
    }

    fn keyring(&mut self, db: &SecurityDatabase, ring: &Keyring, parent: &str) {
        let object = format!("{parent} / keyring {}/{}", ring.owner, ring.name);
        let origin = &ring.origin;
        self.mvs_name(&ring.owner, "key ring owner", false, &object, origin);
        self.ring_name(&ring.name, &object, origin);
        for reader in &ring.readers {
            self.mvs_name(reader, "key ring reader", false, &object, origin);
        }
        let defaults: Vec<_> = ring.connections.iter().filter(|c| c.default).collect();
        if defaults.len() > 1 {
            self.error(
                "ZAT0170",
                &format!(
                    "{} certificates are connected as DEFAULT; a ring has at most one",
                    defaults.len()
                ),
                &object,
                &defaults[1].origin,
            );
        }
        self.unique(
            "connection",
            ring.connections.iter().map(|c| (c.label.as_str(), &c.origin)),
            &object,
        );
        for connection in &ring.connections {
            let Some(cert) = db.certificate(&connection.label) else {
                self.error(
                    "ZAT0134",
                    &format!(
                        "certificate `{}` is not in security database {}",
                        connection.label, db.name
                    ),
                    &object,
                    &connection.origin,
                );
                continue;
            };
            if connection.default
                && (connection.usage != Usage::Personal
                    || matches!(cert.source, CertSource::Import { .. }))
            {
                self.error(
                    "ZAT0171",
                    &format!("DEFAULT certificate `{}` must be a personal certificate with its private key", connection.label),
                    &object,
                    &connection.origin,
                );
            }
        }
    }

    fn level(&mut self, level: &SecurityLevel) {
        let object = format!("security_level {}", level.name);
        let origin = &level.origin;
        self.policy_name(&level.name, &object, origin);
        let p = &level.protocols;
        if !(p.sslv2 || p.sslv3 || p.tlsv1 || p.tlsv1_1 || p.tlsv1_2 || p.tlsv1_3) {
            self.error("ZAT0150", "every TLS protocol version is off", &object, origin);
        }
        for (on, name) in
            [(p.sslv2, "SSLv2"), (p.sslv3, "SSLv3"), (p.tlsv1, "TLSv1.0"), (p.tlsv1_1, "TLSv1.1")]
        {
            if on {
                self.warning("ZAT0151", &format!("{name} is obsolete and insecure; turn it on only if a peer cannot do better"), &object, origin);
            }
        }
        if level.settings.system_ssl_ciphers && !level.ciphers.is_empty() {
            self.error(
                "ZAT0152",
                "a security level that leaves the cipher list to System SSL lists no cipher suite",
                &object,
                origin,
            );
        }
        if level.ciphers.is_empty() && !level.settings.system_ssl_ciphers {
            self.error(
                "ZAT0152",
                "a security level needs at least one cipher suite",
                &object,
                origin,
            );
        }
        let mut usable = false;
        for cipher in &level.ciphers {
            let valid = cipher.len() == 4
                && cipher.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase());
            if !valid {
                self.error(
                    "ZAT0152",
                    &format!("cipher suite `{cipher}` must be a 4-character upper-case hex code such as C02F or 1301"),
                    &object,
                    origin,
                );
                continue;
            }
            let tls13 = cipher.starts_with("13");
            if tls13 && !p.tlsv1_3 {
                self.error(
                    "ZAT0153",
                    &format!("cipher suite {cipher} is a TLS 1.3 suite but TLSv1.3 is off"),
                    &object,
                    origin,
                );
            } else if !(tls13 || p.tlsv1_2 || p.tlsv1_1 || p.tlsv1 || p.sslv3) {
                self.error(
                    "ZAT0153",
                    &format!("cipher suite {cipher} needs TLSv1.2 (or older) on, which is off"),
                    &object,
                    origin,
                );
            } else {
                usable = true;
            }
            if level.fips && cipher == "1303" {
                self.error(
                    "ZAT0154",
                    "CHACHA20 (1303) is not allowed in FIPS 140 mode",
                    &object,
                    origin,
                );
            }
        }
        if p.tlsv1_3 && !level.ciphers.iter().any(|c| c.starts_with("13")) && usable {
            self.warning(
                "ZAT0153",
                "TLSv1.3 is on but no TLS 1.3 cipher suite (13xx) is listed, so it cannot be used",
                &object,
                origin,
            );
        }
        if p.tlsv1_2 && !level.ciphers.iter().any(|c| !c.starts_with("13")) && usable {
            self.warning(
                "ZAT0153",
                "TLSv1.2 is on but no TLS 1.2 cipher suite is listed, so it cannot be used",
                &object,
                origin,
            );
        }
        let settings = &level.settings;
        for code in level
            .signature_pairs
            .iter()
            .chain(&level.curves)
            .chain(&settings.key_share_groups)
            .chain(&settings.server_key_share_groups)
        {
            if !(code.len() == 4 && code.chars().all(|c| c.is_ascii_hexdigit())) {
                self.error("ZAT0155", &format!("`{code}` must be a 4-digit code"), &object, origin);
            }
        }
        if let Some(timeout) = level.handshake_timeout
            && !(0..=600).contains(&timeout)
        {
            // The upper bound is unconfirmed in the reference; 600 s is the safe reading.
            self.error("ZAT0156", "handshake timeout must be 0-600 seconds", &object, origin);
        }
        // A policy number is at most 4294967295 (attls-policy.md), and an instance is a count.
        if let Some(instance) = settings.environment_user_instance
            && !(0..=4_294_967_295).contains(&instance)
        {
            self.error(
                "ZAT0156",
                "environment_user_instance must be 0-4294967295",
                &object,
                origin,
            );
        }
    }

    fn rule(
        &mut self,
        names: &ByName<'_>,
        database: Option<&zat_model::SecurityDatabase>,
        rule: &Rule,
        parent: &str,
    ) {
        let object = format!("{parent} / rule {}", rule.name);
        let origin = &rule.origin;
        // A derived rule's name, filters, ports, addresses and level are copies of its
        // requester's or server's values, checked once there, where the script wrote them: a
        // bad server port is one mistake, not one more per requester that calls the server.
        let written = rule.source == RuleSource::Script;
        if written {
            self.policy_name(&rule.name, &object, origin);
            if let Some(job) = &rule.jobname {
                self.mvs_name(job, "job name filter", true, &object, origin);
            }
            if let Some(user) = &rule.userid {
                self.mvs_name(user, "user ID filter", true, &object, origin);
            }
            if let Some(range) = &rule.local_port {
                self.port_range(range, &object, "local port", origin);
            }
            if let Some(range) = &rule.remote_port {
                self.port_range(range, &object, "remote port", origin);
            }
            for addr in [&rule.local_addr, &rule.remote_addr].into_iter().flatten() {
                self.address(addr, &object, origin);
            }
        }
        let conditions = [
            rule.local_addr.is_some(),
            rule.remote_addr.is_some(),
            rule.local_port.is_some(),
            rule.remote_port.is_some(),
            rule.jobname.is_some(),
            rule.userid.is_some(),
        ];
        if !conditions.contains(&true) {
            self.error(
                "ZAT0140",
                "a rule needs at least one condition (address, port, job name or user ID); without one it would catch every connection",
                &object,
                origin,
            );
        }
        if let Some(priority) = rule.priority
            && !(1..=2_000_000_000).contains(&priority)
        {
            self.error(
                "ZAT0141",
                &format!("priority {priority} must be 1-2000000000"),
                &object,
                origin,
            );
        }
        if !(0..=255).contains(&rule.trace) {
            self.error("ZAT0142", "trace must be 0-255", &object, origin);
        }
        if !rule.enabled {
            return;
        }
        if written && names.security_level(&rule.level).is_none() {
            self.missing_level(&rule.level, &object, origin);
        }
        match &rule.keyring {
            None => self.error("ZAT0143", "an AT-TLS rule needs a key ring", &object, origin),
            Some(ring_ref) => {
                let ring = database.and_then(|db| db.keyring(&ring_ref.owner, &ring_ref.name));
                if let Some(ring) = ring {
                    let is_server = matches!(
                        rule.role,
                        HandshakeRole::Server | HandshakeRole::ServerWithClientAuth
                    );
                    if is_server
                        && rule.certificate_label.is_none()
                        && rule.server_certificate_label.is_none()
                        && ring.default_connection().is_none()
                    {
                        self.error(
                            "ZAT0172",
                            &format!("server rule uses ring {ring_ref}, which has no DEFAULT certificate and the rule names no label"),
                            &object,
                            origin,
                        );
                    }
                }
                // A ring or label missing from the database is a cross-artefact check
                // (consistency.rs), reported there with its own code.
            }
        }
    }

    /// Policy Agent orders equal priorities alphabetically, so two rules that can match the
    /// same connection must not share a priority.
    fn priority_ties(&mut self, rules: &[Rule], parent: &str) {
        // Rules are compared only within one priority, and each rule is reported once, with
        // the first earlier rule it ties with: 1,000 rules on one priority give at most 999
        // diagnostics, not half a million.
        let mut groups: BTreeMap<i64, Vec<&Rule>> = BTreeMap::new();
        for rule in rules {
            if let Some(priority) = rule.priority {
                groups.entry(priority).or_default().push(rule);
            }
        }
        for (priority, group) in groups {
            for (i, b) in group.iter().enumerate() {
                let Some(a) = group[..i].iter().find(|a| may_overlap(a, b)) else { continue };
                self.out.push(
                    Diagnostic::error(
                        "ZAT0144",
                        format!(
                            "rules `{}` and `{}` can match the same connection and share priority {priority}",
                            a.name, b.name,
                        ),
                    )
                    .object(format!("{parent} / rule {}", b.name))
                    .at(&b.origin)
                    .help(format!("give one of them another priority (the other is at {})", a.origin)),
                );
            }
        }
    }

    fn requester_ports(
        &mut self,
        names: &ByName<'_>,
        requester: &zat_model::ApiRequester,
        object: &str,
    ) {
        let (Some(expansion), Some(server)) =
            (&requester.expansion, names.zos_connect_server(&requester.server))
        else {
            return;
        };
        if expansion.baqport != server.requester_port() {
            self.error(
                "ZAT0180",
                &format!(
                    "BAQPORT {} does not follow the server's AT-TLS setting (expected {})",
                    expansion.baqport,
                    server.requester_port()
                ),
                object,
                &requester.origin,
            );
        }
        // That the outbound rule's remote port equals BAQPORT is a cross-artefact check
        // (consistency.rs, ZAT0309).
    }
}

/// What made a rule, in the script's terms.
fn maker(source: &RuleSource) -> String {
    match source {
        RuleSource::Script => "the script".to_owned(),
        RuleSource::ApiRequester(name) => format!("api requester `{name}`"),
        RuleSource::ZosConnectServer(name) => format!("z/OS Connect server `{name}`"),
    }
}

/// The object path of what made a rule on the stack `parent`.
fn maker_object(source: &RuleSource, parent: &str) -> String {
    match source {
        RuleSource::Script => parent.to_owned(),
        RuleSource::ApiRequester(name) => format!("{parent} / api_requester {name}"),
        RuleSource::ZosConnectServer(name) => format!("zos_connect_server {name}"),
    }
}

fn may_overlap(a: &Rule, b: &Rule) -> bool {
    use zat_model::Direction::{Inbound, Outbound};
    let directions =
        !matches!((a.direction, b.direction), (Inbound, Outbound) | (Outbound, Inbound));
    let ports = |x: &Option<PortRange>, y: &Option<PortRange>| match (x, y) {
        (Some(x), Some(y)) => x.overlaps(y),
        _ => true,
    };
    let names = |x: &Option<zat_model::Text>, y: &Option<zat_model::Text>| match (x, y) {
        (Some(x), Some(y)) => zat_model::name_filters_overlap(x, y),
        _ => true,
    };
    let addrs = |x: &Option<zat_model::Text>, y: &Option<zat_model::Text>| match (x, y) {
        (Some(x), Some(y)) => x == y || x.contains(['/', '-']) || y.contains(['/', '-']),
        _ => true,
    };
    directions
        && ports(&a.local_port, &b.local_port)
        && ports(&a.remote_port, &b.remote_port)
        && names(&a.jobname, &b.jobname)
        && names(&a.userid, &b.userid)
        && addrs(&a.local_addr, &b.local_addr)
        && addrs(&a.remote_addr, &b.remote_addr)
}

/// Every label a policy or Liberty configuration names ([`Validator::named_labels`]).
fn named_labels(fleet: &Fleet) -> std::collections::BTreeSet<&str> {
    let rules = fleet.lpars.iter().flat_map(|l| &l.stacks).flat_map(|s| &s.rules);
    rules
        .flat_map(|r| [r.certificate_label.as_deref(), r.server_certificate_label.as_deref()])
        .chain(fleet.zos_connect_servers.iter().map(|s| s.server_label.as_deref()))
        .flatten()
        .collect()
}

/// Longest key ring name every emitter can write, see [`Validator::ring_name`].
const MAX_RING_NAME: usize = 42;

fn is_policy_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '#' | '$')
}

fn is_dn_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
}

pub(crate) fn parse_date(text: &str) -> Option<(i32, u32, u32)> {
    let (y, m, d) = date_fields(text)?;
    (1..=12).contains(&m).then_some(())?;
    (1..=days_in_month(y, m)).contains(&d).then_some((y, m, d))
}

/// Year, month and day of text in the form `yyyy-mm-dd` (digits only), whether or not the
/// day exists.
fn date_fields(text: &str) -> Option<(i32, u32, u32)> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return None;
    }
    Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    days[month.clamp(1, 12) as usize - 1]
}

/// What is wrong with a date [`parse_date`] refuses: its form, or a month or day that does
/// not exist in a date of the right form.
fn date_problem(text: &str) -> String {
    match date_fields(text) {
        None => format!("date `{text}` must be yyyy-mm-dd"),
        Some((_, month, _)) if !(1..=12).contains(&month) => {
            format!("date `{text}` has no month {month}: months are 01-12")
        }
        Some((year, month, day)) => format!(
            "date `{text}` does not exist: day {day} is not in {year}-{month:02}, which has {} days",
            days_in_month(year, month)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_only_when_real() {
        assert_eq!(parse_date("2028-02-29"), Some((2028, 2, 29)));
        assert_eq!(parse_date("2027-02-29"), None);
        assert_eq!(parse_date("2027-13-01"), None);
        assert_eq!(parse_date("27-01-01"), None);
        assert_eq!(parse_date("+202-01-01"), None);
    }

    #[test]
    fn a_refused_date_says_whether_its_form_or_its_day_is_wrong() {
        assert_eq!(date_problem("2030-2-3"), "date `2030-2-3` must be yyyy-mm-dd");
        assert_eq!(
            date_problem("2030-02-30"),
            "date `2030-02-30` does not exist: day 30 is not in 2030-02, which has 28 days"
        );
        assert_eq!(
            date_problem("2030-13-01"),
            "date `2030-13-01` has no month 13: months are 01-12"
        );
        assert!(date_problem("2030-00-01").contains("no month 0"));
        assert!(date_problem("2030-04-00").contains("day 0 is not in 2030-04"));
    }

    #[test]
    fn data_set_names() {
        assert!(zat_zos::is_valid_dsn("SYS1.TCPPARMS"));
        assert!(zat_zos::is_valid_dsn("SYS1.TCPPARMS(TTLSON)"));
        assert!(!zat_zos::is_valid_dsn("SYS1..X"));
        assert!(!zat_zos::is_valid_dsn("1SYS.X"));
        assert!(!zat_zos::is_valid_dsn("SYS1.TOOLONGQUAL"));
        assert!(!zat_zos::is_valid_dsn("SYS1.X(MEM"));
    }

    /// A refused data set name says why: its length, the qualifier at fault, the character.
    #[test]
    fn a_refused_data_set_name_says_why() {
        let check = |dsn: &str| zat_zos::dsn_problem(dsn).unwrap_or_default();
        assert_eq!(check("SYS1.TCPPARMS(TTLSON)"), "");
        let long = "ABCDEFGH.ABCDEFGH.ABCDEFGH.ABCDEFGH.ABCDEFGH.X";
        assert_eq!(check(long), "it is 46 characters long, more than 44");
        assert_eq!(
            check("SYS1.TOOLONGQUAL"),
            "qualifier `TOOLONGQUAL` is 11 characters long, more than 8"
        );
        assert_eq!(
            check("1SYS.X"),
            "qualifier `1SYS` starts with the digit `1`: start it with A-Z @ # $"
        );
        assert_eq!(
            check("SYS1.A-B"),
            "qualifier `A-B` holds `-`, which is not one of A-Z 0-9 @ # $"
        );
        assert_eq!(check("SYS1.x"), "qualifier `x` holds lower-case `x`: write it in upper case");
        assert!(check("SYS1..X").contains("empty qualifier"));
        assert!(check("SYS1.X(MEM").contains("closing `)`"));
        assert_eq!(
            check("SYS1.X(TOOLONGMEM)"),
            "member `TOOLONGMEM` is 10 characters long, more than 8"
        );
    }
}
