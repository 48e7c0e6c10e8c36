//! Reads the SYSTSPRT of a DISCOVER job (batch TSO: `READY`, the echo of each command, its
//! output) into a [`RacfState`]. Formats follow IBM's RACDCERT LIST/LISTRING, RLIST and SETROPTS
//! LIST displays (RACF Command Language Reference); a line that fits none of them is an error
//! naming its line number, never skipped.

use std::collections::{BTreeMap, BTreeSet};

use crate::command::{Command, Operand, parse_command};
use crate::model::{
    Access, CertOwner, CertRef, Certificate, Condition, Connection, Profile, ProfileRef, RacfState,
    Ring, RingRef, RingUsage, Setropts, TrustStatus,
};

/// A line of the listing that the parser cannot read, or objects listed twice with different
/// content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}: `{text}`")]
pub struct ParseError {
    /// 1-based line number in the listing.
    pub line: usize,
    /// The line as read (trailing blanks removed).
    pub text: String,
    pub reason: String,
}

/// What one listed command showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    Certificates(Vec<CertRef>),
    Rings(Vec<RingRef>),
    Profiles(Vec<ProfileRef>),
    Setropts,
    /// RACF said the certificate, ring or profile does not exist (IRRD107I, IRRD114I,
    /// IRRD115I, ICH13003I).
    NotFound,
    /// A comment line: no output.
    Nothing,
}

/// One command of the listing and what it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Line of the command's echo.
    pub line: usize,
    /// The echoed command, continuations joined.
    pub command: String,
    pub listed: Listed,
}

/// The state and, command by command, what the listing answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub state: RacfState,
    /// The commands whose whole output the listing shows: the output of a command that the
    /// file ends in, with no `READY` after it, may be cut off, so that command has no answer.
    pub answers: Vec<Answer>,
}

impl Listing {
    /// The commands of `commands` (a DISCOVER job's, one logical command each) that the listing
    /// does not answer, in their order. The state shows only what was listed: an object whose
    /// command has no answer is not known to be absent, so a plan must not take it as absent.
    /// Commands are compared without regard to blanks, commas, short forms (`RL`, `SETR`) and
    /// the case of keywords, but labels and ring names must match as written, since RACF tells
    /// them apart by case. Answers to other commands (a site's own additions) change nothing.
    pub fn unanswered<'c>(&self, commands: &'c [String]) -> Vec<&'c str> {
        let answered: BTreeSet<String> = self.listed().filter_map(|a| key(&a.command)).collect();
        commands
            .iter()
            // A command that does not parse cannot have been answered.
            .filter(|text| key(text).is_none_or(|k| !answered.contains(&k)))
            .map(String::as_str)
            .collect()
    }

    /// The commands the listing answers that are not among `commands`, as echoed: a site's own
    /// additions, or, when commands of the job are unanswered too, a sign that the listing is
    /// another database's.
    pub fn unasked(&self, commands: &[String]) -> Vec<&str> {
        let asked: BTreeSet<String> = commands.iter().filter_map(|c| key(c)).collect();
        self.listed()
            .filter(|a| key(&a.command).is_none_or(|k| !asked.contains(&k)))
            .map(|a| a.command.as_str())
            .collect()
    }

    fn listed(&self) -> impl Iterator<Item = &Answer> {
        self.answers.iter().filter(|a| a.listed != Listed::Nothing)
    }
}

fn key(text: &str) -> Option<String> {
    parse_command(text).ok().flatten().map(|c| c.key())
}

/// Reads a DISCOVER job's SYSTSPRT into the state it shows.
pub fn parse(text: &str) -> Result<RacfState, ParseError> {
    parse_listing(text).map(|listing| listing.state)
}

/// Reads a DISCOVER job's SYSTSPRT into the state and the answer of every command.
pub fn parse_listing<'a>(text: &'a str) -> Result<Listing, ParseError> {
    // A SYSOUT data set downloaded with its ASA carriage-control column shows it as the first
    // character of every line; a `READY` under a page eject or a skip says it is there.
    let asa = text.lines().any(|l| matches!(l.trim_end(), "1READY" | "0READY" | "-READY"));
    let column = |l: &'a str| -> &'a str {
        if asa { l.char_indices().nth(1).map_or("", |(at, _)| &l[at..]) } else { l }
    };
    let lines: Vec<Line<'_>> = text
        .lines()
        .enumerate()
        .map(|(i, l)| Line { no: i + 1, text: column(l).trim_end() })
        .collect();
    let mut out = Listing { state: RacfState::default(), answers: Vec::new() };
    // Lines before the first READY (IKJ56644I and the like) are the TMP's own.
    let Some(first) = lines.iter().position(|l| l.text.trim() == "READY") else {
        return Err(ParseError {
            line: lines.len().max(1),
            text: String::new(),
            reason: "no `READY` line: this is not the SYSTSPRT of a batch TSO step".into(),
        });
    };
    let mut i = first + 1;
    while i < lines.len() {
        if lines[i].text.trim().is_empty() || lines[i].text.trim() == "READY" {
            i += 1;
            continue;
        }
        // The echo of the command, with its continuation records.
        let echo_line = lines[i];
        let mut command = String::new();
        loop {
            let t = lines[i].text.trim();
            i += 1;
            match t.strip_suffix('-').or_else(|| t.strip_suffix('+')) {
                Some(head) if i < lines.len() => {
                    command.push_str(head);
                    command.push(' ');
                }
                _ => {
                    command.push_str(t);
                    break;
                }
            }
        }
        let start = i;
        while i < lines.len() && lines[i].text.trim() != "READY" {
            i += 1;
        }
        // The TMP prints `READY` after every command, the last one too; a file that ends in a
        // command's output was cut off somewhere in it.
        let whole = i < lines.len();
        let output = &lines[start..i];
        let parsed = parse_command(&command).map_err(|reason| echo_line.error(&reason))?;
        let Some(cmd) = parsed else {
            if let Some(l) = output.iter().find(|l| !l.text.trim().is_empty()) {
                return Err(l.error("output after a comment line"));
            }
            out.answers.push(Answer { line: echo_line.no, command, listed: Listed::Nothing });
            continue;
        };
        if cmd.verb == "END" {
            if let Some(l) = lines[start..].iter().find(|l| !l.text.trim().is_empty()) {
                return Err(l.error("a line after END"));
            }
            break;
        }
        let listed = match cmd.verb.as_str() {
            "RACDCERT" => racdcert(&cmd, echo_line, output, &mut out.state)?,
            "RLIST" | "RL" => rlist(&cmd, echo_line, output, &mut out.state)?,
            "SETROPTS" | "SETR" => setropts(&cmd, echo_line, output, &mut out.state)?,
            _ => return Err(echo_line.error("not a command a DISCOVER job lists")),
        };
        if whole {
            out.answers.push(Answer { line: echo_line.no, command, listed });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    no: usize,
    text: &'a str,
}

impl Line<'_> {
    fn error(&self, reason: &str) -> ParseError {
        ParseError { line: self.no, text: self.text.to_owned(), reason: reason.to_owned() }
    }

    fn t(&self) -> &str {
        self.text.trim()
    }
}

fn message_id(text: &str) -> Option<&str> {
    let word = text.split_whitespace().next()?;
    let b = word.as_bytes();
    let ok = b.len() >= 8
        && (word.starts_with("IRR") || word.starts_with("ICH") || word.starts_with("IKJ"))
        && b[3..b.len() - 1].iter().all(u8::is_ascii_alphanumeric)
        && matches!(b[b.len() - 1], b'I' | b'E' | b'W' | b'A');
    ok.then_some(word)
}

/// Messages that say "this object does not exist", per command.
fn not_found(output: &[Line<'_>], ids: &[&str]) -> Option<Result<(), ParseError>> {
    let first = output.iter().find(|l| !l.t().is_empty())?;
    let id = message_id(first.t())?;
    if !ids.contains(&id) {
        return Some(Err(
            first.error("RACF reported an error: the listing does not show the state")
        ));
    }
    if let Some(extra) = output.iter().skip_while(|l| l.no <= first.no).find(|l| !l.t().is_empty())
    {
        return Some(Err(extra.error("unexpected line after a not-found message")));
    }
    Some(Ok(()))
}

fn owner_of(cmd: &Command, echo: Line<'_>) -> Result<CertOwner, ParseError> {
    if cmd.has("CERTAUTH") {
        Ok(CertOwner::Certauth)
    } else if cmd.has("SITE") {
        Ok(CertOwner::Site)
    } else if let Some(id) = cmd.find("ID").and_then(Operand::single) {
        Ok(CertOwner::User(id.to_ascii_uppercase()))
    } else {
        Err(echo.error("RACDCERT without CERTAUTH, SITE or ID(user): the owner is the job's user, which the listing does not name"))
    }
}

fn racdcert(
    cmd: &Command,
    echo: Line<'_>,
    output: &[Line<'_>],
    state: &mut RacfState,
) -> Result<Listed, ParseError> {
    if cmd.has("LIST") {
        if let Some(r) = not_found(output, &["IRRD107I", "IRRD105I"]) {
            r?;
            return Ok(Listed::NotFound);
        }
        let owner = owner_of(cmd, echo)?;
        let certs = cert_list(&owner, echo, output)?;
        let mut refs = Vec::new();
        for (line, key, cert) in certs {
            merge(&mut state.certificates, key.clone(), cert, line)?;
            refs.push(key);
        }
        Ok(Listed::Certificates(refs))
    } else if cmd.has("LISTRING") {
        if let Some(r) = not_found(output, &["IRRD114I", "IRRD115I"]) {
            r?;
            return Ok(Listed::NotFound);
        }
        let rings = ring_list(echo, output)?;
        let mut refs = Vec::new();
        for (line, key, ring) in rings {
            merge(&mut state.rings, key.clone(), ring, line)?;
            refs.push(key);
        }
        Ok(Listed::Rings(refs))
    } else {
        Err(echo.error("a DISCOVER job lists with RACDCERT LIST or LISTRING only"))
    }
}

fn merge<K: Ord, V: PartialEq>(
    map: &mut BTreeMap<K, V>,
    key: K,
    value: V,
    line: Line<'_>,
) -> Result<(), ParseError> {
    match map.get(&key) {
        Some(old) if *old != value => {
            Err(line.error("listed again with other content than an earlier listing"))
        }
        Some(_) => Ok(()),
        None => {
            map.insert(key, value);
            Ok(())
        }
    }
}

/// A `>value<` line's value.
fn bracketed(line: &Line<'_>) -> Option<String> {
    let t = line.t();
    t.strip_prefix('>').and_then(|t| t.strip_suffix('<')).map(str::to_owned)
}

fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.strip_prefix(name).and_then(|rest| rest.strip_prefix(':')).map(str::trim)
}

fn is_fingerprint(text: &str) -> bool {
    let text = text.trim_end_matches(':');
    !text.is_empty()
        && text.split(':').all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn cert_header(text: &str) -> Option<CertOwner> {
    let who = text.strip_prefix("Digital certificate information for ")?.strip_suffix(':')?;
    match who {
        "CERTAUTH" => Some(CertOwner::Certauth),
        "SITE" => Some(CertOwner::Site),
        _ => who.strip_prefix("user ").map(|u| CertOwner::User(u.trim().to_owned())),
    }
}

#[derive(Default)]
struct CertDraft {
    label: Option<String>,
    status: Option<TrustStatus>,
    start: Option<String>,
    end: Option<String>,
    serial: Option<String>,
    issuer: Option<String>,
    subject: Option<String>,
    key_usage: Option<String>,
    key_size: Option<u32>,
    private_key: Option<bool>,
    rings: Vec<RingRef>,
}

impl CertDraft {
    fn finish(self, line: Line<'_>) -> Result<(String, Certificate), ParseError> {
        let missing = |what: &str| line.error(&format!("the certificate has no `{what}` line"));
        Ok((
            self.label.ok_or_else(|| missing("Label:"))?,
            Certificate {
                status: self.status.ok_or_else(|| missing("Status:"))?,
                start: self.start.ok_or_else(|| missing("Start Date:"))?,
                end: self.end.ok_or_else(|| missing("End Date:"))?,
                serial: self.serial.ok_or_else(|| missing("Serial Number:"))?,
                issuer: self.issuer.ok_or_else(|| missing("Issuer's Name:"))?,
                subject: self.subject.ok_or_else(|| missing("Subject's Name:"))?,
                key_usage: self.key_usage,
                key_size: self.key_size,
                private_key: self.private_key.ok_or_else(|| missing("Private Key:"))?,
                rings: self.rings.into_iter().collect(),
            },
        ))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum CertCtx {
    Fields,
    Serial,
    Issuer,
    Subject,
    AltNames,
    Fingerprint,
    Rings,
    RingName,
}

type Found<'a, K, V> = Vec<(Line<'a>, K, V)>;

fn cert_list<'a>(
    asked: &CertOwner,
    echo: Line<'a>,
    output: &[Line<'a>],
) -> Result<Found<'a, CertRef, Certificate>, ParseError> {
    let mut out = Vec::new();
    let mut owner: Option<CertOwner> = None;
    let mut draft: Option<(Line<'a>, CertDraft)> = None;
    let mut ctx = CertCtx::Fields;
    let mut ring_owner: Option<String> = None;
    let flush = |draft: &mut Option<(Line<'a>, CertDraft)>,
                 owner: &Option<CertOwner>,
                 out: &mut Found<'a, CertRef, Certificate>|
     -> Result<(), ParseError> {
        if let Some((line, d)) = draft.take() {
            let (label, cert) = d.finish(line)?;
            let owner = owner.clone().ok_or_else(|| {
                line.error("a certificate before the `Digital certificate information for` line")
            })?;
            out.push((line, CertRef::new(owner, label), cert));
        }
        Ok(())
    };
    for line in output {
        let t = line.t();
        if t.is_empty() || t == "***" {
            continue;
        }
        if let Some(o) = cert_header(t) {
            if &o != asked {
                return Err(line.error("the listing names another owner than the command"));
            }
            flush(&mut draft, &owner, &mut out)?;
            owner = Some(o);
            ctx = CertCtx::Fields;
            continue;
        }
        if let Some(label) = field(t, "Label") {
            flush(&mut draft, &owner, &mut out)?;
            draft =
                Some((*line, CertDraft { label: Some(label.to_owned()), ..CertDraft::default() }));
            ctx = CertCtx::Fields;
            continue;
        }
        let Some((_, d)) = draft.as_mut() else {
            return Err(line.error("a certificate field before its `Label:` line"));
        };
        if let Some(value) = bracketed(line) {
            let slot = match ctx {
                CertCtx::Serial => &mut d.serial,
                CertCtx::Issuer => &mut d.issuer,
                CertCtx::Subject => &mut d.subject,
                CertCtx::RingName => {
                    let owner = ring_owner
                        .take()
                        .ok_or_else(|| line.error("a ring name without `Ring Owner:`"))?;
                    d.rings.push(RingRef::new(owner, value));
                    ctx = CertCtx::Rings;
                    continue;
                }
                _ => return Err(line.error("a `>...<` value line where no field takes one")),
            };
            slot.get_or_insert_with(String::new).push_str(&value);
            continue;
        }
        if ctx == CertCtx::Fingerprint && is_fingerprint(t) {
            continue;
        }
        if ctx == CertCtx::AltNames
            && ["IP:", "EMail:", "Domain:", "URI:", "Email:"].iter().any(|p| t.starts_with(p))
        {
            continue;
        }
        if ctx == CertCtx::Rings || ctx == CertCtx::RingName {
            if t == "*** No rings associated ***" {
                continue;
            }
            if let Some(o) = field(t, "Ring Owner") {
                ring_owner = Some(o.to_owned());
                continue;
            }
            if t == "Ring:" {
                ctx = CertCtx::RingName;
                continue;
            }
        }
        ctx = CertCtx::Fields;
        if field(t, "Certificate ID").is_some()
            || field(t, "Signing Algorithm").is_some()
            || field(t, "Key Type").is_some()
            || field(t, "PKDS Label").is_some()
            || field(t, "TKDS Label").is_some()
        {
            continue;
        }
        if let Some(v) = field(t, "Status") {
            d.status = Some(TrustStatus::parse(v).ok_or_else(|| line.error("unknown status"))?);
        } else if let Some(v) = field(t, "Start Date") {
            d.start = Some(v.to_owned());
        } else if let Some(v) = field(t, "End Date") {
            d.end = Some(v.to_owned());
        } else if t == "Serial Number:" {
            ctx = CertCtx::Serial;
        } else if t == "Issuer's Name:" {
            ctx = CertCtx::Issuer;
        } else if t == "Subject's Name:" {
            ctx = CertCtx::Subject;
        } else if t == "Subject's AltNames:" {
            ctx = CertCtx::AltNames;
        } else if t.starts_with("Certificate Fingerprint") && t.ends_with(':') {
            ctx = CertCtx::Fingerprint;
        } else if t == "Ring Associations:" {
            ctx = CertCtx::Rings;
        } else if let Some(v) = field(t, "Key Usage") {
            d.key_usage = Some(v.to_owned());
        } else if let Some(v) = field(t, "Key Size") {
            d.key_size = Some(v.parse().map_err(|_| line.error("key size is not a number"))?);
        } else if let Some(v) = field(t, "Private Key") {
            d.private_key = Some(match v.to_ascii_uppercase().as_str() {
                "YES" => true,
                "NO" => false,
                _ => return Err(line.error("`Private Key:` is neither YES nor NO")),
            });
        } else {
            return Err(line.error("not a line of a RACDCERT LIST display"));
        }
    }
    flush(&mut draft, &owner, &mut out)?;
    if out.is_empty() {
        return Err(echo.error("RACDCERT LIST shows no certificate and no not-found message"));
    }
    Ok(out)
}

fn ring_list<'a>(
    echo: Line<'a>,
    output: &[Line<'a>],
) -> Result<Found<'a, RingRef, Ring>, ParseError> {
    let mut out: Found<'a, RingRef, Ring> = Vec::new();
    let mut owner: Option<String> = None;
    let mut expect_name = false;
    let mut current: Option<(Line<'a>, RingRef, Ring)> = None;
    let mut table = false;
    for line in output {
        let t = line.t();
        if t.is_empty() || t == "***" {
            continue;
        }
        if let Some(who) =
            t.strip_prefix("Digital ring information for user ").and_then(|w| w.strip_suffix(':'))
        {
            owner = Some(who.trim().to_owned());
            continue;
        }
        if t == "Ring:" {
            out.extend(current.take());
            expect_name = true;
            table = false;
            continue;
        }
        if expect_name {
            let name =
                bracketed(line).ok_or_else(|| line.error("expected the ring name as `>name<`"))?;
            let owner = owner.clone().ok_or_else(|| {
                line.error("a ring before the `Digital ring information for user` line")
            })?;
            current = Some((*line, RingRef::new(owner, name), Ring::default()));
            expect_name = false;
            continue;
        }
        let Some((_, _, ring)) = current.as_mut() else {
            return Err(line.error("a line before the first `Ring:`"));
        };
        if t.starts_with("Certificate Label Name") {
            table = true;
            continue;
        }
        if t == "*** No certificates connected ***" {
            continue;
        }
        if table && t.bytes().all(|b| b == b'-' || b == b' ') {
            continue;
        }
        if !table {
            return Err(line.error("not a line of a RACDCERT LISTRING display"));
        }
        let (cert, connection) =
            ring_row(t).ok_or_else(|| line.error("not a row of the ring's certificate table"))?;
        if ring.connections.insert(cert, connection).is_some() {
            return Err(line.error("a certificate listed twice in one ring"));
        }
    }
    out.extend(current);
    if expect_name {
        return Err(echo.error("the listing ends after `Ring:` without a name"));
    }
    if out.is_empty() {
        return Err(echo.error("RACDCERT LISTRING shows no ring and no not-found message"));
    }
    Ok(out)
}

/// `<label>   <owner>   <usage>   <default>`: the label may hold blanks, so the row is read from
/// the right.
fn ring_row(t: &str) -> Option<(CertRef, Connection)> {
    let (rest, default) = t.rsplit_once(char::is_whitespace)?;
    let (rest, usage) = rest.trim_end().rsplit_once(char::is_whitespace)?;
    let (label, owner) = rest.trim_end().rsplit_once(char::is_whitespace)?;
    let default = match default {
        "YES" => true,
        "NO" => false,
        _ => return None,
    };
    let usage = RingUsage::parse(usage)?;
    let owner = match owner {
        "CERTAUTH" => CertOwner::Certauth,
        "SITE" => CertOwner::Site,
        o => CertOwner::User(o.strip_prefix("ID(")?.strip_suffix(')')?.to_owned()),
    };
    let label = label.trim();
    if label.is_empty() {
        return None;
    }
    Some((CertRef::new(owner, label), Connection { usage, default }))
}

fn is_rule(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b == b'-' || b == b' ')
}

fn rlist(
    cmd: &Command,
    echo: Line<'_>,
    output: &[Line<'_>],
    state: &mut RacfState,
) -> Result<Listed, ParseError> {
    if !(cmd.has("AUTHUSER") || cmd.has("AU") || cmd.has("ALL")) {
        return Err(echo.error("RLIST without AUTHUSER does not show the access lists"));
    }
    let class = cmd
        .operands
        .first()
        .filter(|o| o.values.is_none() && !o.quoted)
        .map(|o| o.word.to_ascii_uppercase())
        .ok_or_else(|| echo.error("RLIST without a class"))?;
    let shown: Vec<&Line<'_>> = output.iter().filter(|l| !l.t().is_empty()).collect();
    if !shown.is_empty() && shown.iter().all(|l| message_id(l.t()) == Some("ICH13003I")) {
        return Ok(Listed::NotFound);
    }
    if let Some(first) = shown.first()
        && message_id(first.t()).is_some_and(|id| id != "ICH13003I")
    {
        return Err(first.error("RACF reported an error: the listing does not show the state"));
    }
    let mut refs = Vec::new();
    let mut i = 0;
    let body: Vec<Line<'_>> = output.to_vec();
    let header = |t: &str| {
        t.starts_with("CLASS") && t.ends_with("NAME") && t.split_whitespace().count() == 2
    };
    // RLIST of several names answers each: a display or ICH13003I.
    let missing = |t: &str| message_id(t) == Some("ICH13003I");
    while i < body.len() {
        let t = body[i].t();
        if t.is_empty() || missing(t) {
            i += 1;
            continue;
        }
        if !header(t) {
            return Err(body[i].error("expected the `CLASS      NAME` header of an RLIST display"));
        }
        let start = i;
        i += 1;
        let end = (i..body.len())
            .find(|&j| header(body[j].t()) || missing(body[j].t()))
            .unwrap_or(body.len());
        let (key, profile) = profile_block(&class, &body[start..end])?;
        merge(&mut state.profiles, key.clone(), profile, body[start])?;
        refs.push(key);
        i = end;
    }
    if refs.is_empty() {
        return Err(echo.error("RLIST shows no profile and no not-found message"));
    }
    Ok(Listed::Profiles(refs))
}

fn profile_block(class: &str, block: &[Line<'_>]) -> Result<(ProfileRef, Profile), ParseError> {
    // Non-blank lines only: sections are a title, a dash rule and value lines.
    let lines: Vec<Line<'_>> = block.iter().copied().filter(|l| !l.t().is_empty()).collect();
    let Some(&header) = lines.first() else {
        return Err(ParseError {
            line: 0,
            text: String::new(),
            reason: "an empty RLIST display".into(),
        });
    };
    let rule = lines
        .get(1)
        .filter(|l| is_rule(l.t()))
        .ok_or_else(|| header.error("no dash rule under the header"))?;
    let name_line = lines.get(2).ok_or_else(|| rule.error("no class and name under the header"))?;
    let mut words = name_line.t().split_whitespace();
    let listed_class = words.next().unwrap_or_default();
    let name = words.next().ok_or_else(|| name_line.error("no profile name"))?;
    let generic = match words.next() {
        None => false,
        Some("(G)") => true,
        Some(_) => return Err(name_line.error("expected `class name` or `class name (G)`")),
    };
    if words.next().is_some() || listed_class != class {
        return Err(name_line.error("expected the class the command lists and one profile name"));
    }
    let mut profile: Option<Profile> = None;
    let mut access: Option<BTreeMap<String, Access>> = None;
    let mut conditional: Option<BTreeMap<Condition, Access>> = None;
    let mut i = 3;
    while i < lines.len() {
        let line = lines[i];
        let t = line.t();
        let ruled = lines.get(i + 1).is_some_and(|l| is_rule(l.t()));
        if t == "NO USERS IN ACCESS LIST" {
            access.get_or_insert_with(BTreeMap::new);
            i += 1;
            continue;
        }
        if t == "NO ENTRIES IN CONDITIONAL ACCESS LIST" {
            conditional.get_or_insert_with(BTreeMap::new);
            i += 1;
            continue;
        }
        if !ruled {
            return Err(line.error("not a line of an RLIST display"));
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        i += 2;
        let rows_end = (i..lines.len())
            .find(|&j| {
                lines.get(j + 1).is_some_and(|l| is_rule(l.t()))
                    || matches!(
                        lines[j].t(),
                        "NO USERS IN ACCESS LIST" | "NO ENTRIES IN CONDITIONAL ACCESS LIST"
                    )
            })
            .unwrap_or(lines.len());
        let rows = &lines[i..rows_end];
        i = rows_end;
        match words.as_slice() {
            ["LEVEL", "OWNER", "UNIVERSAL", "ACCESS", "YOUR", "ACCESS", "WARNING"] => {
                let [row] = rows else {
                    return Err(line.error("expected one row under the LEVEL header"));
                };
                let v: Vec<&str> = row.t().split_whitespace().collect();
                let [_level, owner, uacc, _yours, warning] = v.as_slice() else {
                    return Err(row.error("expected level, owner, UACC, your access and warning"));
                };
                let uacc = Access::parse(uacc).ok_or_else(|| row.error("unknown UACC"))?;
                let warning = match *warning {
                    "YES" => true,
                    "NO" => false,
                    _ => return Err(row.error("WARNING is neither YES nor NO")),
                };
                let mut p = Profile::new(generic, *owner, uacc);
                p.warning = warning;
                profile = Some(p);
            }
            ["USER", "ACCESS", "ACCESS", "COUNT"] => {
                let list = access.get_or_insert_with(BTreeMap::new);
                for row in rows {
                    let v: Vec<&str> = row.t().split_whitespace().collect();
                    let [id, level, count] = v.as_slice() else {
                        return Err(row.error("expected user, access and access count"));
                    };
                    let level =
                        Access::parse(level).ok_or_else(|| row.error("unknown access level"))?;
                    if !count.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(row.error("the access count is not a number"));
                    }
                    if list.insert((*id).to_owned(), level).is_some() {
                        return Err(row.error("an ID listed twice"));
                    }
                }
            }
            ["ID", "ACCESS", "ACCESS", "COUNT", "CLASS", "ENTITY", "NAME"] => {
                let list = conditional.get_or_insert_with(BTreeMap::new);
                for row in rows {
                    let v: Vec<&str> = row.t().split_whitespace().collect();
                    let [id, level, count, cond_class, entity] = v.as_slice() else {
                        return Err(row.error("expected ID, access, count, class and entity"));
                    };
                    let level =
                        Access::parse(level).ok_or_else(|| row.error("unknown access level"))?;
                    if !count.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(row.error("the access count is not a number"));
                    }
                    let key = Condition {
                        id: (*id).to_owned(),
                        class: (*cond_class).to_owned(),
                        entity: (*entity).to_owned(),
                    };
                    if list.insert(key, level).is_some() {
                        return Err(row.error("a conditional entry listed twice"));
                    }
                }
            }
            // Installation data, application data, auditing, notify, security level,
            // categories, seclabel and any other section: nothing a plan reads.
            _ => {}
        }
    }
    let mut profile = profile
        .ok_or_else(|| header.error("the profile has no LEVEL/OWNER/UNIVERSAL ACCESS line"))?;
    profile.access = access.ok_or_else(|| {
        header.error("the profile shows no access list (USER ACCESS ACCESS COUNT)")
    })?;
    profile.conditional = conditional.unwrap_or_default();
    Ok((ProfileRef::new(class, name), profile))
}

const CLASS_LISTS: [&str; 4] = [
    "ACTIVE CLASSES",
    "GENERIC PROFILE CLASSES",
    "SETR RACLIST CLASSES",
    "GLOBAL=YES RACLIST ONLY",
];

fn setropts(
    cmd: &Command,
    echo: Line<'_>,
    output: &[Line<'_>],
    state: &mut RacfState,
) -> Result<Listed, ParseError> {
    if !(cmd.operands.len() == 1 && cmd.has("LIST")) {
        return Err(echo.error("a DISCOVER job runs SETROPTS LIST and no other SETROPTS"));
    }
    // SETROPTS LIST prints many sentences a plan does not read (password rules, statistics
    // and so on); only `NAME = list` lines, and the blank-led continuations of class lists,
    // are read.
    let mut lists: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut current: Option<&str> = None;
    let mut attributes: Option<Vec<String>> = None;
    for line in output {
        let raw = line.text;
        let t = line.t();
        if t.is_empty() {
            current = None;
            continue;
        }
        if let Some((name, value)) = t.split_once(" = ") {
            let name = name.trim();
            current = CLASS_LISTS.iter().copied().find(|n| *n == name);
            let words: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
            if let Some(n) = current {
                if lists.insert(n, words).is_some() {
                    return Err(line.error("a class list printed twice"));
                }
            } else if name == "ATTRIBUTES" {
                attributes = Some(words);
            }
            continue;
        }
        if let Some(n) = current
            && raw.starts_with(' ')
            && !t.contains('=')
        {
            lists.entry(n).or_default().extend(t.split_whitespace().map(str::to_owned));
            continue;
        }
        current = None;
    }
    let mut take = |name: &str| -> Result<Vec<String>, ParseError> {
        let words = lists
            .remove(name)
            .ok_or_else(|| echo.error(&format!("SETROPTS LIST shows no `{name} =` line")))?;
        Ok(words.into_iter().filter(|w| w != "NONE").collect())
    };
    let active = take("ACTIVE CLASSES")?;
    let generic = take("GENERIC PROFILE CLASSES")?;
    let mut raclist = take("SETR RACLIST CLASSES")?;
    raclist.extend(
        lists
            .remove("GLOBAL=YES RACLIST ONLY")
            .unwrap_or_default()
            .into_iter()
            .filter(|w| w != "NONE"),
    );
    let attributes =
        attributes.ok_or_else(|| echo.error("SETROPTS LIST shows no `ATTRIBUTES =` line"))?;
    let setropts = Setropts {
        active: active.into_iter().collect(),
        raclist: raclist.into_iter().collect(),
        generic: generic.into_iter().collect(),
        when_program: attributes.iter().any(|w| w == "WHEN(PROGRAM)"),
    };
    match &state.setropts {
        Some(old) if *old != setropts => {
            return Err(echo.error("SETROPTS LIST listed twice with different settings"));
        }
        _ => state.setropts = Some(setropts),
    }
    Ok(Listed::Setropts)
}
