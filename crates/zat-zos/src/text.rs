//! z/OS text of batch jobs: JOB cards, TSO command wrapping, MVS names, and a checker.
//!
//! Every ESM emitter (RACF here, ACF2 and Top Secret as site plugins) writes batch TSO jobs
//! whose text must survive a transfer to an 80-byte, code page 1047 data set and parse the same
//! way on z/OS. The rules, from the JCL reference (ieab600) and the TSO/E guide (ikjc400):
//!
//! - JCL statements end by column 71 ([`JCL_COLUMNS`]); a JOB card is continued after a complete
//!   operand and its comma, on a `//` line whose text starts in column 16.
//! - In-stream data may use 72 columns ([`DATA_COLUMNS`]), but TSO commands are wrapped at 71
//!   ([`TSO_COLUMNS`]): column 72 is the JCL continuation column, editors with sequence numbers
//!   and some transfer tools treat it specially, and nothing is lost by keeping it blank.
//! - A TSO command is continued by `-` as the last non-blank character ([`TSO_CONTINUATION`]).
//!   `-` is chosen over `+` because the next line is then appended exactly as written (blanks
//!   included): the logical command is the plain concatenation of its lines, which is easy to
//!   read back and to test, and `-` is also the continuation ACF2 command mode accepts, so one
//!   formatter serves every ESM. `+` would strip leading blanks *and commas* from the next line,
//!   a silent rewrite we do not want.
//! - Lines break only between blank-separated tokens, never inside an apostrophe-quoted value;
//!   a token that cannot fit on one line is refused, not split.
//! - Text is limited to a safe subset of printable EBCDIC 1047 ([`is_safe_char`]).
//!
//! Nothing here does I/O; every function is pure and deterministic.

use zat_model::JobCard;

/// Last column a JCL statement may use (column 72 is the continuation indicator).
pub const JCL_COLUMNS: usize = 71;
/// Last column in-stream data may use (columns 73-80 are left blank).
pub const DATA_COLUMNS: usize = 72;
/// Width TSO commands are wrapped to: one less than [`DATA_COLUMNS`], see the module docs.
pub const TSO_COLUMNS: usize = 71;
/// The TSO continuation character this module writes.
pub const TSO_CONTINUATION: char = '-';
/// The in-stream delimiter emitters use: `//SYSTSIN DD DATA,DLM=$$`.
pub const DLM: &str = "$$";

/// Why a piece of z/OS text could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZosError {
    #[error("`{name}` is not a valid {what}: use 1-8 of A-Z 0-9 @ # $, not starting with a digit")]
    InvalidName { what: &'static str, name: String },
    #[error("{field} `{value}` is too long: at most {max} characters")]
    TooLong { field: &'static str, value: String, max: usize },
    #[error("{field} `{value}` contains `{ch}`, which is not safe in code page 1047 text")]
    UnsafeCharacter { field: &'static str, value: String, ch: char },
    #[error("{field} `{value}` is not valid: {reason}")]
    InvalidValue { field: &'static str, value: String, reason: &'static str },
    #[error(
        "`{token}` does not fit on a {width}-column line; shorten the value (it is never split)"
    )]
    TokenTooLong { token: String, width: usize },
    #[error("command ends with `{token}`: a trailing - or + would continue it into the next one")]
    TrailingContinuation { token: String },
    #[error("unbalanced apostrophes in `{text}`")]
    UnbalancedApostrophes { text: String },
    #[error("date `{date}` is not yyyy-mm-dd")]
    InvalidDate { date: String },
    #[error("date format `{format}` {reason}")]
    InvalidDateFormat { format: String, reason: &'static str },
}

/// Whether a character is safe in text bound for code page 1047: printable ASCII except the
/// characters whose code points differ between IBM-037 and IBM-1047 or that common transfer
/// tables map inconsistently (`[ ] { } | ! ^ ~ \` and backtick). `@ # $` stay: they are the
/// national characters of MVS names and have the same code points in 037 and 1047.
pub fn is_safe_char(ch: char) -> bool {
    SAFE_BYTES.get(ch as usize).is_some_and(|safe| *safe)
}

/// The safe set of [`is_safe_char`] as a table of every byte: every file of a bundle is
/// checked character by character, and one load is cheaper than the ranges and the list. A
/// byte of a multi-byte UTF-8 character is never safe, since no character outside ASCII is.
static SAFE_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut code = b' ';
    while code <= b'~' {
        table[code as usize] =
            !matches!(code, b'[' | b']' | b'{' | b'}' | b'|' | b'!' | b'^' | b'~' | b'\\' | b'`');
        code += 1;
    }
    table
};

/// [`is_safe_char`] of one byte of UTF-8 text.
fn is_safe_byte(byte: u8) -> bool {
    SAFE_BYTES[usize::from(byte)]
}

/// The first character of `text` that [`is_safe_char`] refuses. Scans bytes: every byte before
/// the first unsafe one is ASCII, so that one starts a character.
fn first_unsafe(text: &str) -> Option<char> {
    let at = text.bytes().position(|byte| !is_safe_byte(byte))?;
    text[at..].chars().next()
}

/// Whether `name` is a valid MVS name (job, step, DD, user ID, system): 1-8 of A-Z 0-9 @ # $,
/// not starting with a digit. Upper case only.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return false };
    name.len() <= 8
        && (first.is_ascii_uppercase() || matches!(first, '@' | '#' | '$'))
        && chars
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '@' | '#' | '$'))
}

/// A data set name: qualifiers of 1-8 characters, 44 in all, optionally with a `(MEMBER)`.
pub fn is_valid_dsn(dsn: &str) -> bool {
    dsn_problem(dsn).is_none()
}

/// What makes `dsn` not a data set name, in words that say what to change; `None` when it
/// is one: qualifiers of 1-8 of A-Z 0-9 @ # $ not starting with a digit, 44 characters in all
/// (the member not counted), optionally with a `(MEMBER)` named the same way.
pub fn dsn_problem(dsn: &str) -> Option<String> {
    let (name, member) = match dsn.split_once('(') {
        Some((name, rest)) => match rest.strip_suffix(')') {
            Some(member) => (name, Some(member)),
            None => return Some("the member name has no closing `)` at the end".to_owned()),
        },
        None => (dsn, None),
    };
    if let Some(member) = member
        && let Some(why) = name_problem(member)
    {
        return Some(format!("member `{member}` {why}"));
    }
    if name.is_empty() {
        return Some("the name is empty".to_owned());
    }
    let length = name.chars().count();
    if length > 44 {
        return Some(format!("it is {length} characters long, more than 44"));
    }
    name.split('.').find_map(|qualifier| {
        if qualifier.is_empty() {
            Some("it has an empty qualifier: two dots together, or a dot at an end".to_owned())
        } else {
            name_problem(qualifier).map(|why| format!("qualifier `{qualifier}` {why}"))
        }
    })
}

/// Why `name` is not an MVS name ([`is_valid_name`]), as the end of a sentence about it.
fn name_problem(name: &str) -> Option<String> {
    let length = name.chars().count();
    let national = |c: char| matches!(c, '@' | '#' | '$');
    if let Some(bad) =
        name.chars().find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || national(*c)))
    {
        return Some(if bad.is_ascii_lowercase() {
            format!("holds lower-case `{bad}`: write it in upper case")
        } else {
            format!("holds `{bad}`, which is not one of A-Z 0-9 @ # $")
        });
    }
    match name.chars().next() {
        None => Some("is empty".to_owned()),
        Some(first) if first.is_ascii_digit() => {
            Some(format!("starts with the digit `{first}`: start it with A-Z @ # $"))
        }
        Some(_) if length > 8 => Some(format!("is {length} characters long, more than 8")),
        Some(_) => None,
    }
}

/// A job name from the site prefix and an emitter's suffix, upper-cased and checked.
pub fn job_name(prefix: &str, suffix: &str) -> Result<String, ZosError> {
    let name = format!("{prefix}{suffix}").to_ascii_uppercase();
    if is_valid_name(&name) {
        Ok(name)
    } else {
        Err(ZosError::InvalidName { what: "job name", name })
    }
}

/// A value in apostrophes with embedded apostrophes doubled: `O'Brien` becomes `'O''Brien'`.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The JOB statement for `card`, as lines of at most [`JCL_COLUMNS`] columns.
///
/// `//NAME     JOB (ACCT),'PROGRAMMER',CLASS=A,MSGCLASS=H,MSGLEVEL=(1,1),NOTIFY=&SYSUID`,
/// continued after a comma onto `//` lines whose text starts in column 16. There is never a
/// `PASSWORD=` or `USER=`: the job runs under the identity of whoever submits it.
/// Accounting subparameters and the programmer name are upper-cased (JCL is upper case; a
/// site that needs mixed case there can post-process). Accounting subparameters that are not
/// plain A-Z 0-9 @ # $ - are put in apostrophes.
pub fn job_card(card: &JobCard, name: &str) -> Result<Vec<String>, ZosError> {
    if !is_valid_name(name) {
        return Err(ZosError::InvalidName { what: "job name", name: name.to_owned() });
    }
    // Each operand is a list of pieces; a line may break after any piece (the accounting
    // field between its subparameters, which JCL allows, every other operand whole).
    let mut operands: Vec<Vec<String>> = Vec::new();
    let accounting = accounting_field(&card.accounting)?;
    let programmer = programmer_field(&card.programmer)?;
    match (accounting, programmer) {
        (Some(acct), Some(pgmr)) => {
            operands.push(acct);
            operands.push(vec![pgmr]);
        }
        (Some(acct), None) => operands.push(acct),
        // A programmer name without accounting needs the leading comma of the empty positional.
        (None, Some(pgmr)) => operands.push(vec![format!(",{pgmr}")]),
        (None, None) => {}
    }
    let class = card.class.trim().to_ascii_uppercase();
    if !class.is_empty() {
        if class.len() > 8 || !class.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ZosError::InvalidValue {
                field: "job class",
                value: card.class.clone(),
                reason: "use 1-8 of A-Z 0-9",
            });
        }
        operands.push(vec![format!("CLASS={class}")]);
    }
    let msgclass = card.msgclass.trim().to_ascii_uppercase();
    if !msgclass.is_empty() {
        if msgclass.len() != 1 || !msgclass.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ZosError::InvalidValue {
                field: "message class",
                value: card.msgclass.clone(),
                reason: "use one of A-Z 0-9",
            });
        }
        operands.push(vec![format!("MSGCLASS={msgclass}")]);
    }
    operands.push(vec!["MSGLEVEL=(1,1)".to_owned()]);
    if let Some(notify) = &card.notify {
        let notify = notify.trim().to_ascii_uppercase();
        if notify != "&SYSUID" && !is_valid_name(&notify) {
            return Err(ZosError::InvalidName { what: "NOTIFY user ID", name: notify });
        }
        operands.push(vec![format!("NOTIFY={notify}")]);
    }

    let first = format!("//{name:<8} JOB ");
    let continuation = format!("//{:13}", "");
    let mut lines = Vec::new();
    let mut line = first;
    let mut at_start = true;
    let count = operands.len();
    for (index, operand) in operands.into_iter().enumerate() {
        let pieces = operand.len();
        for (at, mut piece) in operand.into_iter().enumerate() {
            let token = piece.clone();
            if at + 1 == pieces && index + 1 < count {
                piece.push(',');
            }
            if !at_start && line.len() + piece.len() > JCL_COLUMNS {
                lines.push(line);
                line = continuation.clone();
            }
            if line.len() + piece.len() > JCL_COLUMNS {
                return Err(ZosError::TokenTooLong { token, width: JCL_COLUMNS });
            }
            line.push_str(&piece);
            at_start = false;
        }
    }
    lines.push(line.trim_end().to_owned());
    Ok(lines)
}

/// The accounting field as the pieces a JOB statement may be continued between: `(A,`,
/// `B,`, `C)` (JCL continues the accounting information after a complete subparameter and
/// its comma), none for an empty field.
fn accounting_field(accounting: &str) -> Result<Option<Vec<String>>, ZosError> {
    let trimmed = accounting.trim();
    let inner = trimmed
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(trimmed)
        .to_ascii_uppercase();
    if inner.is_empty() {
        return Ok(None);
    }
    check_safe("accounting", &inner)?;
    if inner.contains('\'') {
        return Err(ZosError::InvalidValue {
            field: "accounting",
            value: accounting.to_owned(),
            reason: "apostrophes are not allowed; zat quotes subparameters itself",
        });
    }
    let plain = |s: &str| {
        s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '#' | '$' | '-'))
    };
    let parts: Vec<String> = inner
        .split(',')
        .map(|part| if plain(part) { part.to_owned() } else { quote(part) })
        .collect();
    // JCL limits the accounting information to 142 characters between the parentheses.
    let field = format!("({})", parts.join(","));
    if field.len() > 144 {
        return Err(ZosError::TooLong {
            field: "accounting",
            value: accounting.to_owned(),
            max: 142,
        });
    }
    let last = parts.len() - 1;
    let pieces = parts
        .into_iter()
        .enumerate()
        .map(|(index, part)| {
            let open = if index == 0 { "(" } else { "" };
            let close = if index == last { ")" } else { "," };
            format!("{open}{part}{close}")
        })
        .collect();
    Ok(Some(pieces))
}

fn programmer_field(programmer: &str) -> Result<Option<String>, ZosError> {
    let name = programmer.trim().to_ascii_uppercase();
    if name.is_empty() {
        return Ok(None);
    }
    check_safe("programmer name", &name)?;
    let quoted = quote(&name);
    // Counted with the doubled apostrophes, which is the stricter reading of the 20 limit.
    if quoted.len() - 2 > 20 {
        return Err(ZosError::TooLong { field: "programmer name", value: name, max: 20 });
    }
    Ok(Some(quoted))
}

fn check_safe(field: &'static str, value: &str) -> Result<(), ZosError> {
    match first_unsafe(value) {
        Some(ch) => Err(ZosError::UnsafeCharacter { field, value: value.to_owned(), ch }),
        None => Ok(()),
    }
}

/// JCL comment lines (`//* text`) for a paragraph, wrapped at word boundaries to
/// [`JCL_COLUMNS`]. A word longer than a line is left whole (the checker will flag it).
/// An empty `text` gives one bare `//*` line.
pub fn jcl_comment(text: &str) -> Vec<String> {
    comment_lines("//*", text, JCL_COLUMNS)
}

/// Comment lines of at most `width` columns, each `lead`, a blank and words of `text`: how
/// JCL (`//*`) and ACF2 command mode (`*`) write comments. An empty `text` gives one bare
/// `lead` line; a word longer than a line is left whole (the checker will flag it).
pub fn comment_lines(lead: &str, text: &str, width: usize) -> Vec<String> {
    // The lines are built with their lead in place rather than wrapped first and framed after:
    // every header paragraph and step comment of every job comes through here.
    let room = width.saturating_sub(lead.len() + 1);
    let new_line = || {
        let mut line = String::with_capacity(lead.len() + 1 + room);
        line.push_str(lead);
        line
    };
    let mut lines = Vec::new();
    let mut line = new_line();
    // Length of the words on `line` with the blanks between them (the text after `lead `).
    let mut used = 0;
    for word in words(text) {
        if used > 0 && used + 1 + word.len() > room {
            lines.push(std::mem::replace(&mut line, new_line()));
            used = 0;
        }
        if used > 0 {
            used += 1;
        }
        line.push(' ');
        line.push_str(word);
        used += word.len();
    }
    lines.push(line);
    lines
}

/// Wraps `text` at blanks into lines of at most `width` characters, words joined by one
/// blank. A word longer than `width` stays whole on a line of its own; an empty `text` gives
/// one empty line. For comment formats that frame the text themselves (`/* ... */`).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in words(text) {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// The words of `text` as [`str::split_whitespace`] gives them. ASCII text without a vertical
/// tab (the one ASCII character that is white space to `char` but not to `u8`) is split by
/// bytes, which is the same split without decoding characters.
fn words(text: &str) -> impl Iterator<Item = &str> {
    let ascii = text.is_ascii() && !text.contains('\x0b');
    let (by_bytes, by_chars) = if ascii {
        (Some(text.split_ascii_whitespace()), None)
    } else {
        (None, Some(text.split_whitespace()))
    };
    by_bytes.into_iter().flatten().chain(by_chars.into_iter().flatten())
}

/// A model date (`yyyy-mm-dd`) in a site date format made of the fields `yyyy`, `yy`, `mm`
/// and `dd` (either case) with separators between them, e.g. `mm/dd/yy` gives `12/31/35`.
/// ESMs other than RACF take dates in a format each site chooses (ACF2 `ACTIVE`/`EXPIRE`,
/// Top Secret `NBDATE`/`NADATE`), so the format is data, not code. A separator must be a
/// code-page-safe, non-blank, non-alphanumeric character, and there must be exactly three
/// fields (meant as one year, one month and one day; a repeated field is not caught).
pub fn format_date(date: &str, format: &str) -> Result<String, ZosError> {
    let parts: Vec<&str> = date.split('-').collect();
    let valid = parts.len() == 3
        && [4, 2, 2].iter().zip(&parts).all(|(n, p)| p.len() == *n)
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()));
    if !valid {
        return Err(ZosError::InvalidDate { date: date.to_owned() });
    }
    let bad = |reason| ZosError::InvalidDateFormat { format: format.to_owned(), reason };
    let lower = format.to_ascii_lowercase();
    let mut out = String::new();
    let mut rest = lower.as_str();
    let mut fields = 0;
    while let Some(ch) = rest.chars().next() {
        let (value, len) = if rest.starts_with("yyyy") {
            (parts[0], 4)
        } else if rest.starts_with("yy") {
            (&parts[0][2..], 2)
        } else if rest.starts_with("mm") {
            (parts[1], 2)
        } else if rest.starts_with("dd") {
            (parts[2], 2)
        } else {
            if ch.is_ascii_alphanumeric() || !is_safe_char(ch) || ch == ' ' {
                return Err(bad("may only hold yyyy, yy, mm, dd and separators"));
            }
            out.push(ch);
            rest = &rest[ch.len_utf8()..];
            continue;
        };
        out.push_str(value);
        rest = &rest[len..];
        fields += 1;
    }
    if fields != 3 {
        return Err(bad("needs a year, a month and a day"));
    }
    Ok(out)
}

/// Wraps logical TSO commands into in-stream lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TsoFormatter {
    /// Maximum columns of a line, continuation character included.
    pub width: usize,
    /// Blanks before the first line of a command.
    pub indent: usize,
    /// Blanks before each continuation line.
    pub continuation_indent: usize,
}

impl Default for TsoFormatter {
    fn default() -> Self {
        TsoFormatter { width: TSO_COLUMNS, indent: 1, continuation_indent: 3 }
    }
}

impl TsoFormatter {
    /// Lays out one logical command. Tokens are separated by blanks outside apostrophes and
    /// re-joined with single blanks; a line that continues ends with ` -`. Fails on a token
    /// that cannot fit, on unbalanced apostrophes, on a character outside the safe set, and
    /// on a command whose last character is `-` or `+` (TSO would continue it).
    pub fn format(&self, command: &str) -> Result<Vec<String>, ZosError> {
        let mut lines = Vec::new();
        self.lay_out(command, |line| lines.push(line.to_owned()))?;
        Ok(lines)
    }

    /// [`format`](TsoFormatter::format), handing each line to `emit` as it is complete, so that
    /// [`wrap_job`](TsoFormatter::wrap_job) writes them into the job without a `String` each.
    /// On an error, the lines handed out so far are to be dropped.
    fn lay_out(&self, command: &str, mut emit: impl FnMut(&str)) -> Result<(), ZosError> {
        let tokens = tokens(command)?;
        if let Some(ch) = first_unsafe(command) {
            return Err(ZosError::UnsafeCharacter {
                field: "command",
                value: command.to_owned(),
                ch,
            });
        }
        let Some(last) = tokens.last() else { return Ok(()) };
        if last.ends_with('-') || last.ends_with('+') {
            return Err(ZosError::TrailingContinuation { token: (*last).to_owned() });
        }
        let mut line = String::with_capacity(self.width.max(self.indent) + 2);
        line.extend(std::iter::repeat_n(' ', self.indent));
        let mut empty = true;
        for (index, token) in tokens.iter().enumerate() {
            let is_last = index + 1 == tokens.len();
            // Room needed on this line: the token, plus " -" unless it ends the command.
            let tail = if is_last { 0 } else { 2 };
            let sep = usize::from(!empty);
            if !empty && line.len() + sep + token.len() + tail > self.width {
                line.push(' ');
                line.push(TSO_CONTINUATION);
                emit(&line);
                line.clear();
                line.extend(std::iter::repeat_n(' ', self.continuation_indent));
                empty = true;
            }
            let sep = usize::from(!empty);
            if line.len() + sep + token.len() + tail > self.width {
                return Err(ZosError::TokenTooLong {
                    token: (*token).to_owned(),
                    width: self.width,
                });
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(token);
            empty = false;
        }
        emit(&line);
        Ok(())
    }

    /// Re-wraps every TSO command in the in-stream data of a rendered job: templates write
    /// each command on one line, this lays them out. Only data of `DD DATA`/`DD *` statements
    /// is touched; blank lines and `/* ... */` comment lines are kept as they are.
    pub fn wrap_job(&self, jcl: &str) -> Result<String, ZosError> {
        let mut out = String::with_capacity(jcl.len() + jcl.len() / 8);
        for (kind, line) in classify(jcl) {
            let trimmed = line.trim_start();
            if kind == LineKind::Data && !trimmed.is_empty() && !trimmed.starts_with("/*") {
                self.lay_out(line, |wrapped| {
                    out.push_str(wrapped);
                    out.push('\n');
                })?;
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        Ok(out)
    }
}

/// Splits a command into blank-separated tokens, keeping apostrophe-quoted blanks inside.
/// Works on bytes: a blank and an apostrophe are never part of a multi-byte character.
fn tokens(command: &str) -> Result<Vec<&str>, ZosError> {
    let mut tokens = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (index, byte) in command.bytes().enumerate() {
        if byte == b'\'' {
            quoted = !quoted;
        }
        if byte == b' ' && !quoted {
            if let Some(s) = start.take() {
                tokens.push(&command[s..index]);
            }
        } else if start.is_none() {
            start = Some(index);
        }
    }
    if quoted {
        return Err(ZosError::UnbalancedApostrophes { text: command.trim().to_owned() });
    }
    if let Some(s) = start {
        tokens.push(&command[s..]);
    }
    Ok(tokens)
}

/// One logical TSO command read back from the in-stream data of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsoCommand {
    /// Name of the step whose `SYSTSIN` holds the command (empty if unnamed).
    pub step: String,
    /// 1-based line where the command starts.
    pub line: usize,
    /// The command with continuations joined and runs of blanks outside apostrophes
    /// collapsed to one.
    pub text: String,
}

/// Reads the TSO commands of every in-stream data block of a job back into logical commands,
/// the way the TSO parser joins them (`-` keeps the next line as is, `+` drops its leading
/// blanks). Comment lines and blank lines are skipped. For tests and checks.
pub fn tso_commands(jcl: &str) -> Vec<TsoCommand> {
    let mut commands = Vec::new();
    let mut step = String::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, (kind, line)) in classify(jcl).into_iter().enumerate() {
        if kind == LineKind::Jcl
            && let Some(name) = exec_step_name(line)
        {
            step = name;
        }
        if kind != LineKind::Data {
            if let Some((start, text)) = pending.take() {
                commands.push(TsoCommand {
                    step: step.clone(),
                    line: start,
                    text: normalise(&text),
                });
            }
            continue;
        }
        let trimmed = line.trim_end();
        if pending.is_none()
            && (trimmed.trim_start().is_empty() || trimmed.trim_start().starts_with("/*"))
        {
            continue;
        }
        let (start, mut text) = pending.take().unwrap_or((index + 1, String::new()));
        match trimmed.chars().last() {
            Some('-') => {
                text.push_str(&trimmed[..trimmed.len() - 1]);
                pending = Some((start, text));
            }
            Some('+') => {
                text.push_str(&trimmed[..trimmed.len() - 1]);
                text.push(' ');
                pending = Some((start, text));
            }
            _ => {
                text.push_str(trimmed);
                commands.push(TsoCommand {
                    step: step.clone(),
                    line: start,
                    text: normalise(&text),
                });
            }
        }
    }
    if let Some((start, text)) = pending {
        commands.push(TsoCommand { step, line: start, text: normalise(&text) });
    }
    commands
}

fn normalise(text: &str) -> String {
    tokens(text).map(|t| t.join(" ")).unwrap_or_else(|_| text.trim().to_owned())
}

fn exec_step_name(line: &str) -> Option<String> {
    let rest = line.strip_prefix("//")?;
    if rest.starts_with('*') || rest.starts_with(' ') {
        return None;
    }
    let mut fields = rest.split_whitespace();
    let name = fields.next()?;
    (fields.next()? == "EXEC").then(|| name.to_owned())
}

/// What a line of a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    /// A JCL statement or continuation (`//`, not a comment).
    Jcl,
    /// A JCL comment (`//*`) or a JES/JCL delimiter line (`/*`, `$$`).
    Comment,
    /// In-stream data.
    Data,
    /// The line that ended in-stream data.
    Delimiter,
    /// Outside in-stream data but not JCL: stray data.
    Stray,
}

/// Classifies every line of a job, following `DD *` and `DD DATA[,DLM=xx]` statements.
fn classify(jcl: &str) -> Vec<(LineKind, &str)> {
    // Sized once for lines of 32 characters on average, at most what a job has: growing the
    // list line by line copied it several times over.
    let mut out = Vec::with_capacity(jcl.len() / 32 + 1);
    // Some(dlm, data_kind) while in data; `star` = DD * (also ends at `//`).
    let mut data: Option<(String, bool)> = None;
    let mut pending_data: Option<(String, bool)> = None;
    for line in jcl.lines() {
        if let Some((dlm, star)) = &data {
            let ends = line.starts_with(dlm.as_str()) || (*star && line.starts_with("//"));
            if ends {
                let was_dlm = line.starts_with(dlm.as_str()) && dlm != "//";
                data = None;
                if was_dlm {
                    out.push((LineKind::Delimiter, line));
                    continue;
                }
            } else {
                out.push((LineKind::Data, line));
                continue;
            }
        }
        if line.starts_with("//*") {
            out.push((LineKind::Comment, line));
        } else if line.starts_with("//") {
            out.push((LineKind::Jcl, line));
            if let Some(found) = instream_dd(line) {
                pending_data = Some(found);
            }
            let operands_continue = line.trim_end().ends_with(',');
            if !operands_continue && let Some(found) = pending_data.take() {
                data = Some(found);
            }
        } else if line.starts_with("/*") {
            out.push((LineKind::Comment, line));
        } else {
            out.push((LineKind::Stray, line));
        }
    }
    out
}

/// `Some((delimiter, is_star))` when a JCL line is a `DD *` or `DD DATA` statement (or the
/// continuation that carries `DLM=`). Keywords are matched in any case and the delimiter comes
/// back upper-cased, as if the line had been upper-cased first; only the delimiter is, since
/// every JCL line of every job comes through here.
fn instream_dd(line: &str) -> Option<(String, bool)> {
    let mut fields = line[2..].split_whitespace();
    let first = fields.next()?;
    // `//NAME DD operands` or `// DD operands` (a concatenation without a name).
    let operands = if first.eq_ignore_ascii_case("DD") || fields.next()?.eq_ignore_ascii_case("DD")
    {
        fields.next()?
    } else {
        return None;
    };
    let star = operands == "*" || operands.starts_with("*,");
    let data = operands.eq_ignore_ascii_case("DATA") || starts_with_ignore_case(operands, "DATA,");
    if !star && !data {
        return None;
    }
    let dlm = operands
        .split(',')
        .find(|op| starts_with_ignore_case(op, "DLM="))
        .map(|op| op[4..].trim_matches('\'').to_ascii_uppercase());
    Some(match dlm {
        Some(d) => (d, false),
        None => ("/*".to_owned(), star),
    })
}

/// Whether `text` starts with the ASCII `prefix` in any case.
fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// What kind of text [`check`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A whole job: JCL statements with in-stream data.
    Job,
    /// In-stream TSO data on its own, to be placed under `DD DATA,DLM=$$`.
    TsoData,
}

/// Limits for [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    pub jcl_columns: usize,
    pub data_columns: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { jcl_columns: JCL_COLUMNS, data_columns: DATA_COLUMNS }
    }
}

/// One problem [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line number.
    pub line: usize,
    pub problem: Problem,
}

/// The problems [`check`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The line is longer than the limit for its kind.
    TooLong { columns: usize, max: usize },
    /// A tab character.
    Tab,
    /// A character outside the code page 1047 safe set ([`is_safe_char`]).
    UnsafeCharacter(char),
    /// A data line that starts with the delimiter: the data would end there.
    DelimiterInData,
    /// A line outside in-stream data that is not JCL (often: data ended early).
    NotJcl,
    /// The last non-blank is `-` or `+` but the line is not a deliberate continuation:
    /// glued to a value (`ABC-`), or nothing follows that could continue it.
    DanglingContinuation,
    /// Lower case in a JCL statement outside apostrophes.
    LowerCaseJcl,
    /// An odd number of apostrophes in a JCL statement or logical TSO command.
    UnbalancedApostrophes,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.problem {
            Problem::TooLong { columns, max } => {
                write!(f, "{columns} columns, more than {max}")
            }
            Problem::Tab => f.write_str("tab character"),
            Problem::UnsafeCharacter(ch) => {
                write!(f, "character {ch:?} is not safe in code page 1047")
            }
            Problem::DelimiterInData => f.write_str("data line starts with the delimiter"),
            Problem::NotJcl => f.write_str("not a JCL statement and not in-stream data"),
            Problem::DanglingContinuation => {
                f.write_str("last non-blank character continues the command by accident")
            }
            Problem::LowerCaseJcl => f.write_str("lower case in a JCL statement"),
            Problem::UnbalancedApostrophes => f.write_str("unbalanced apostrophes"),
        }
    }
}

/// Scans text for what breaks on z/OS: long lines, tabs, unsafe characters, a delimiter line
/// inside in-stream data, accidental TSO continuations, lower-case JCL and unbalanced
/// apostrophes. Returns every finding, in line order.
pub fn check(text: &str, kind: TextKind, options: &CheckOptions) -> Vec<Finding> {
    let lines: Vec<(LineKind, &str)> = match kind {
        TextKind::Job => classify(text),
        TextKind::TsoData => text
            .lines()
            .map(|l| (if l.starts_with(DLM) { LineKind::Delimiter } else { LineKind::Data }, l))
            .collect(),
    };
    let mut findings = Vec::new();
    let mut push = |line: usize, problem| findings.push(Finding { line: line + 1, problem });
    let mut command_start: Option<(usize, usize)> = None; // (line, apostrophes so far)
    for (index, (line_kind, line)) in lines.iter().enumerate() {
        let max =
            if *line_kind == LineKind::Data { options.data_columns } else { options.jcl_columns };
        // Nearly every line is all safe ASCII: one pass over its bytes settles its width, tabs
        // and characters; only a line with something else is read again character by character.
        let all_safe = line.bytes().all(is_safe_byte);
        let columns = if all_safe { line.len() } else { line.chars().count() };
        if columns > max {
            push(index, Problem::TooLong { columns, max });
        }
        if !all_safe {
            if line.contains('\t') {
                push(index, Problem::Tab);
            }
            if let Some(ch) = line.chars().find(|c| *c != '\t' && !is_safe_char(*c)) {
                push(index, Problem::UnsafeCharacter(ch));
            }
        }
        match line_kind {
            LineKind::Jcl => {
                if has_lower_outside_quotes(line) {
                    push(index, Problem::LowerCaseJcl);
                }
                if apostrophes(line) % 2 == 1 {
                    push(index, Problem::UnbalancedApostrophes);
                }
            }
            LineKind::Delimiter => {
                let next = lines.get(index + 1);
                let premature = match kind {
                    TextKind::TsoData => true,
                    TextKind::Job => matches!(next, Some((LineKind::Stray, _))),
                };
                if premature {
                    push(index, Problem::DelimiterInData);
                }
            }
            LineKind::Stray => {
                // Stray lines right after a delimiter are the rest of data that ended early:
                // the delimiter line already carries the finding.
                let explained = (0..index)
                    .rev()
                    .map(|i| lines[i].0)
                    .find(|k| *k != LineKind::Stray)
                    .is_some_and(|k| k == LineKind::Delimiter);
                if !explained {
                    push(index, Problem::NotJcl);
                }
            }
            LineKind::Data => {
                let trimmed = line.trim_end();
                let body = trimmed.trim_start();
                if body.starts_with("/*") || body.is_empty() {
                    if let Some((start, _)) = command_start.take() {
                        push(start, Problem::UnbalancedApostrophes);
                    }
                    continue;
                }
                let quotes = apostrophes(body);
                let (start, so_far) = command_start.take().unwrap_or((index, 0));
                let total = so_far + quotes;
                let continues = trimmed.ends_with('-') || trimmed.ends_with('+');
                if continues {
                    let before = trimmed[..trimmed.len() - 1].chars().last();
                    let next_is_command = matches!(
                        lines.get(index + 1),
                        Some((LineKind::Data, next))
                            if !next.trim().is_empty() && !next.trim_start().starts_with("/*")
                    );
                    if before != Some(' ') || !next_is_command {
                        push(index, Problem::DanglingContinuation);
                    }
                    if next_is_command {
                        command_start = Some((start, total));
                        continue;
                    }
                }
                if total % 2 == 1 {
                    push(start, Problem::UnbalancedApostrophes);
                }
            }
            LineKind::Comment => {}
        }
    }
    if let Some((start, _)) = command_start {
        push(start, Problem::UnbalancedApostrophes);
    }
    findings.sort_by_key(|f| f.line);
    findings
}

/// Works on bytes: an apostrophe and an ASCII letter are never part of a multi-byte character.
fn has_lower_outside_quotes(line: &str) -> bool {
    let mut quoted = false;
    for byte in line.bytes() {
        if byte == b'\'' {
            quoted = !quoted;
        } else if !quoted && byte.is_ascii_lowercase() {
            return true;
        }
    }
    false
}

fn apostrophes(text: &str) -> usize {
    text.bytes().filter(|byte| *byte == b'\'').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> JobCard {
        JobCard {
            name_prefix: "ZAT".into(),
            accounting: "ACCT".into(),
            programmer: "ZAT ATTLS SETUP".into(),
            class: "A".into(),
            msgclass: "H".into(),
            notify: Some("&SYSUID".into()),
        }
    }

    fn fmt(command: &str) -> Vec<String> {
        TsoFormatter::default().format(command).expect("formats")
    }

    fn problems(text: &str, kind: TextKind) -> Vec<(usize, Problem)> {
        check(text, kind, &CheckOptions::default())
            .into_iter()
            .map(|f| (f.line, f.problem))
            .collect()
    }

    #[test]
    fn names() {
        for good in ["A", "ZATRS", "$AB#@12", "@", "ABCDEFGH"] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in ["", "1ABC", "ABCDEFGHI", "abc", "AB-C", "AB C", "ÄB"] {
            assert!(!is_valid_name(bad), "{bad}");
        }
        assert_eq!(job_name("zat", "rs"), Ok("ZATRS".into()));
        assert!(job_name("ZATLONG", "RS").is_err());
        assert!(job_name("9AT", "RS").is_err());
    }

    #[test]
    fn quoting_doubles_apostrophes() {
        assert_eq!(quote("IMSCA"), "'IMSCA'");
        assert_eq!(quote("O'Brien Ltd"), "'O''Brien Ltd'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("''"), "''''''");
    }

    #[test]
    fn job_card_fits_on_one_line_or_continues_after_a_comma() {
        let lines = job_card(&card(), "ZATRS").unwrap();
        assert_eq!(
            lines,
            [
                "//ZATRS    JOB (ACCT),'ZAT ATTLS SETUP',CLASS=A,MSGCLASS=H,",
                "//             MSGLEVEL=(1,1),NOTIFY=&SYSUID",
            ]
        );
        for line in &lines {
            assert!(line.len() <= JCL_COLUMNS);
        }
        assert!(lines[0].ends_with(','));
        assert_eq!(&lines[1][..15], "//             ");
    }

    /// JCL continues the accounting information after a subparameter and its comma: a field
    /// of up to 142 characters fits; a subparameter longer than a line does not.
    #[test]
    fn long_accounting_continues_between_subparameters() {
        let mut c = card();
        let part = "A".repeat(30);
        c.accounting = [part.as_str(); 4].join(",");
        let lines = job_card(&c, "ZATRS").unwrap();
        assert!(lines.iter().all(|l| l.len() <= JCL_COLUMNS), "{lines:#?}");
        assert!(lines.iter().all(|l| l.ends_with(',') || l == lines.last().unwrap()));
        // Both the JOB statement and its continuations put the operands in column 16.
        let joined: String = lines.iter().map(|l| &l[15..]).collect();
        assert!(joined.starts_with(&format!("({part},{part},{part},{part}),")), "{joined}");
        c.accounting = "A".repeat(120);
        assert!(matches!(job_card(&c, "ZATRS"), Err(ZosError::TokenTooLong { .. })));
        c.accounting = [part.as_str(); 5].join(",");
        assert!(matches!(job_card(&c, "ZATRS"), Err(ZosError::TooLong { max: 142, .. })));
    }

    #[test]
    fn job_card_fields() {
        let mut c = card();
        c.programmer = "o'brien".into();
        c.accounting = "(D123,room 4)".into();
        c.notify = None;
        let lines = job_card(&c, "ZATRS").unwrap();
        assert_eq!(
            lines,
            [
                "//ZATRS    JOB (D123,'ROOM 4'),'O''BRIEN',CLASS=A,MSGCLASS=H,",
                "//             MSGLEVEL=(1,1)"
            ]
        );
        c.accounting = String::new();
        let lines = job_card(&c, "ZATRS").unwrap();
        assert!(lines[0].starts_with("//ZATRS    JOB ,'O''BRIEN',CLASS=A"), "{lines:?}");
        c.programmer = String::new();
        let lines = job_card(&c, "ZATRS").unwrap();
        assert_eq!(lines[0], "//ZATRS    JOB CLASS=A,MSGCLASS=H,MSGLEVEL=(1,1)");
    }

    #[test]
    fn job_card_never_has_a_password_and_refuses_bad_fields() {
        let text = job_card(&card(), "ZATRS").unwrap().join("\n");
        assert!(!text.contains("PASSWORD") && !text.contains("USER="));
        let mut c = card();
        c.programmer = "A VERY LONG PROGRAMMER NAME".into();
        assert!(matches!(job_card(&c, "ZATRS"), Err(ZosError::TooLong { .. })));
        let mut c = card();
        c.programmer = "ABCDEFGHIJ'KLMNOPQR".into(); // 19 raw, 20 doubled: fits
        assert!(job_card(&c, "ZATRS").is_ok());
        c.programmer = "ABCDEFGHIJ'KLMNOPQRS".into(); // 20 raw, 21 doubled
        assert!(job_card(&c, "ZATRS").is_err());
        let mut c = card();
        c.msgclass = "HH".into();
        assert!(job_card(&c, "ZATRS").is_err());
        let mut c = card();
        c.notify = Some("1USER".into());
        assert!(job_card(&c, "ZATRS").is_err());
        let mut c = card();
        c.programmer = "A[B]".into();
        assert!(matches!(job_card(&c, "ZATRS"), Err(ZosError::UnsafeCharacter { .. })));
        assert!(job_card(&card(), "zatrs").is_err());
        assert!(job_card(&card(), "TOOLONGNAME").is_err());
    }

    #[test]
    fn dates_follow_the_site_format() {
        assert_eq!(format_date("2035-12-31", "mm/dd/yy"), Ok("12/31/35".into()));
        assert_eq!(format_date("2035-12-31", "DD/MM/YY"), Ok("31/12/35".into()));
        assert_eq!(format_date("2035-01-02", "yyyy-mm-dd"), Ok("2035-01-02".into()));
        assert_eq!(format_date("2035-01-02", "yy.mm.dd"), Ok("35.01.02".into()));
        assert_eq!(format_date("2035-01-02", "yyyymmdd"), Ok("20350102".into()));
        assert_eq!(
            format_date("2035-1-2", "mm/dd/yy"),
            Err(ZosError::InvalidDate { date: "2035-1-2".into() })
        );
        let needs = |format: &str| ZosError::InvalidDateFormat {
            format: format.into(),
            reason: "needs a year, a month and a day",
        };
        assert_eq!(format_date("2035-12-31", "mm/yy"), Err(needs("mm/yy")));
        assert_eq!(format_date("2035-12-31", "yy/mm/dd/yy"), Err(needs("yy/mm/dd/yy")));
        for bad in ["mm dd yy", "qq/mm/dd/yy", "mm[dd]yy"] {
            let err = format_date("2035-12-31", bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("date format `{bad}` may only hold yyyy, yy, mm, dd and separators")
            );
        }
        assert_eq!(
            format_date("2035-12-31", "mm/yy").unwrap_err().to_string(),
            "date format `mm/yy` needs a year, a month and a day"
        );
    }

    #[test]
    fn words_wrap_and_comment_lines_carry_their_lead() {
        assert_eq!(wrap_words("aa bb  cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap_words("", 5), [""]);
        assert_eq!(wrap_words("toolongword x", 5), ["toolongword", "x"]);
        assert_eq!(comment_lines("*", "aa bb cc", 7), ["* aa bb", "* cc"]);
        assert_eq!(comment_lines("*", "  ", 7), ["*"]);
        let lines = comment_lines("*", &"word ".repeat(30), TSO_COLUMNS);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= TSO_COLUMNS && l.starts_with("* ")));
        // Exactly full lines are kept: `* ` plus 69 characters is 71 columns.
        let word = "w".repeat(TSO_COLUMNS - 2);
        assert_eq!(comment_lines("*", &word, TSO_COLUMNS), [format!("* {word}")]);
    }

    #[test]
    fn comments_wrap_to_71_columns() {
        let text = "word ".repeat(40);
        let lines = jcl_comment(&text);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(line.len() <= JCL_COLUMNS && line.starts_with("//* "), "{line}");
        }
        assert_eq!(jcl_comment(""), ["//*"]);
    }

    #[test]
    fn short_command_stays_on_one_line() {
        assert_eq!(
            fmt("RACDCERT ID(OMVSADM)   ADDRING(RING)"),
            [" RACDCERT ID(OMVSADM) ADDRING(RING)"]
        );
        assert!(fmt("   ").is_empty());
    }

    #[test]
    fn long_command_breaks_between_tokens_with_a_blank_dash() {
        let command = "RACDCERT CERTAUTH GENCERT SUBJECTSDN(CN('IMSCA') OU('ZCEE') O('US IBM SVL') \
                       C('US')) SIZE(2048) NOTAFTER(DATE(2035-12-31)) WITHLABEL('IMSCA') KEYUSAGE(CERTSIGN)";
        let lines = fmt(command);
        assert!(lines.len() > 1);
        for (i, line) in lines.iter().enumerate() {
            assert!(line.len() <= TSO_COLUMNS, "{line}");
            if i + 1 < lines.len() {
                assert!(line.ends_with(" -"), "{line}");
            } else {
                assert!(!line.ends_with('-'));
            }
        }
        assert!(lines[1].starts_with("   ") && !lines[1].starts_with("    "));
        // The quoted value with blanks stays whole on one line.
        assert!(lines.iter().any(|l| l.contains("O('US IBM SVL')")));
        let joined = tso_commands(&format!(
            "//S EXEC PGM=X\n//IN DD DATA,DLM=$$\n{}\n$$\n",
            lines.join("\n")
        ));
        assert_eq!(joined.len(), 1);
        assert_eq!(joined[0].text, command);
        assert_eq!(joined[0].step, "S");
    }

    #[test]
    fn never_splits_a_quoted_value() {
        let label = "'A B C D E F G H I J K L M N O P Q R S T U V W X'";
        let command = format!("RACDCERT ID(USER1) LIST(LABEL({label}))");
        let lines = fmt(&command);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].contains(label));
    }

    #[test]
    fn long_labels_up_to_the_limit_fit_and_longer_tokens_are_refused() {
        // A 32-character label with a long keyword around it always fits.
        let label = quote(&"L".repeat(32));
        let lines =
            fmt(&format!("RACDCERT ID(USER1) CONNECT(ID(USER1) LABEL({label}) RING(R) DEFAULT)"));
        assert!(lines.iter().all(|l| l.len() <= TSO_COLUMNS));
        // A token of exactly width - indent - 2 fits on a continued line ...
        let fits = format!("X({})", "Y".repeat(TSO_COLUMNS - 3 - 2 - 3));
        assert!(TsoFormatter::default().format(&format!("CMD {fits} END")).is_ok());
        // ... one more character does not, and the token is named in the error.
        let too_long = format!("X({})", "Y".repeat(TSO_COLUMNS - 3 - 2 - 2));
        let err = TsoFormatter::default().format(&format!("CMD {too_long} END")).unwrap_err();
        assert_eq!(err, ZosError::TokenTooLong { token: too_long, width: TSO_COLUMNS });
        // The last token needs no room for the continuation.
        let last = format!("X({})", "Y".repeat(TSO_COLUMNS - 3 - 3));
        assert!(TsoFormatter::default().format(&format!("CMD {last}")).is_ok());
    }

    #[test]
    fn apostrophes_inside_values() {
        let lines = fmt(
            "RACDCERT CERTAUTH GENCERT SUBJECTSDN(O('O''Brien Ltd') C('US')) WITHLABEL('A''B')",
        );
        assert_eq!(
            lines,
            [
                " RACDCERT CERTAUTH GENCERT SUBJECTSDN(O('O''Brien Ltd') C('US')) -",
                "   WITHLABEL('A''B')"
            ]
        );
        let err = TsoFormatter::default().format("RACDCERT LIST(LABEL('ABC))").unwrap_err();
        assert!(matches!(err, ZosError::UnbalancedApostrophes { .. }));
    }

    #[test]
    fn a_value_ending_with_a_dash() {
        // Quoted: the apostrophe ends the line, so a dash inside is harmless anywhere.
        let lines = fmt("RACDCERT ID(U) LIST(LABEL('CERT-'))");
        assert_eq!(lines, [" RACDCERT ID(U) LIST(LABEL('CERT-'))"]);
        // Unquoted at the end of the command: refused.
        let err = TsoFormatter::default().format("PERMIT X CLASS(C) ID(ABC) ACCESS-").unwrap_err();
        assert_eq!(err, ZosError::TrailingContinuation { token: "ACCESS-".into() });
        assert!(TsoFormatter::default().format("LISTCAT ENT+").is_err());
        // Unquoted in the middle, at a line end: the continuation follows it after a blank,
        // so TSO keeps the dash as data.
        let long = format!("CMD {} VALUE- {}", "A".repeat(56), "B".repeat(20));
        let lines = fmt(&long);
        assert!(lines[0].ends_with("VALUE- -"), "{lines:?}");
        let back = tso_commands(&format!(
            "//S EXEC PGM=X\n//IN DD DATA,DLM=$$\n{}\n$$\n",
            lines.join("\n")
        ));
        assert_eq!(back[0].text, long);
        assert!(problems(&lines.join("\n"), TextKind::TsoData).is_empty());
    }

    #[test]
    fn unsafe_characters_are_refused() {
        for bad in ["LIST(LABEL('A[1]'))", "X\tY", "LABEL('é')", "A|B"] {
            assert!(TsoFormatter::default().format(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn other_widths_and_indents() {
        let formatter = TsoFormatter { width: 20, indent: 0, continuation_indent: 1 };
        let lines = formatter.format("AAAA BBBB CCCC DDDD EEEE FFFF").unwrap();
        assert_eq!(lines, ["AAAA BBBB CCCC -", " DDDD EEEE FFFF"]);
    }

    #[test]
    fn wrap_job_touches_only_data_commands() {
        let long = format!("RACDCERT ID(A) {}", "K(V) ".repeat(20));
        let job = format!(
            "//J JOB\n//* {c}\n//S EXEC PGM=IKJEFT01\n//SYSTSIN DD DATA,DLM=$$\n /* {c} */\n\n {long}\n$$\n",
            c = "comment"
        );
        let wrapped = TsoFormatter::default().wrap_job(&job).unwrap();
        assert!(wrapped.contains("\n /* comment */\n\n RACDCERT ID(A) K(V)"));
        assert!(wrapped.lines().all(|l| l.len() <= TSO_COLUMNS));
        assert!(wrapped.ends_with("\n$$\n"));
        assert_eq!(tso_commands(&wrapped)[0].text, long.trim());
        assert!(problems(&wrapped, TextKind::Job).is_empty());
    }

    #[test]
    fn checker_long_lines_tabs_and_characters() {
        let job = format!(
            "//J JOB\n//{}\n//S EXEC PGM=X\n//IN DD DATA,DLM=$$\n{}\n{}\nA\tB\nA~B\n$$\n",
            "X".repeat(70),
            "D".repeat(72),
            "D".repeat(73)
        );
        assert_eq!(
            problems(&job, TextKind::Job),
            [
                (2, Problem::TooLong { columns: 72, max: 71 }),
                (6, Problem::TooLong { columns: 73, max: 72 }),
                (7, Problem::Tab),
                (8, Problem::UnsafeCharacter('~')),
            ]
        );
        let options = CheckOptions { jcl_columns: 71, data_columns: 71 };
        assert_eq!(check(&job, TextKind::Job, &options).len(), 5);
    }

    /// A line that is not all safe ASCII is counted in characters, and a tab is one finding,
    /// not also an unsafe character.
    #[test]
    fn checker_counts_characters_not_bytes() {
        let job = format!(
            "//J JOB\n//S EXEC PGM=X\n//IN DD DATA,DLM=$$\n{}\n{}\n\t{}\n$$\n",
            "é".repeat(72),
            "é".repeat(73),
            "D".repeat(71)
        );
        assert_eq!(
            problems(&job, TextKind::Job),
            [
                (4, Problem::UnsafeCharacter('é')),
                (5, Problem::TooLong { columns: 73, max: 72 }),
                (5, Problem::UnsafeCharacter('é')),
                (6, Problem::Tab),
            ]
        );
    }

    /// The table and the byte scans agree with the definition for every character: printable
    /// ASCII but the ten that code pages map differently.
    #[test]
    fn safe_characters_by_table_and_by_bytes() {
        for ch in (0..0x3_0000).filter_map(char::from_u32) {
            let defined = matches!(ch, ' '..='~') && !"[]{}|!^~\\`".contains(ch);
            assert_eq!(is_safe_char(ch), defined, "{ch:?}");
            assert_eq!(first_unsafe(&format!("AB{ch}C")), (!defined).then_some(ch), "{ch:?}");
        }
    }

    #[test]
    fn words_are_those_of_split_whitespace() {
        for text in ["a b", " a\tb\n c\r\n", "a\x0bb", "a\x0cb", "a\u{a0}b", "é b", "", "  "] {
            let expected: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(words(text).collect::<Vec<_>>(), expected, "{text:?}");
        }
    }

    #[test]
    fn in_stream_statements_in_any_case() {
        assert_eq!(instream_dd("//IN DD DATA,DLM=$$"), Some(("$$".to_owned(), false)));
        assert_eq!(instream_dd("//in dd data,dlm='ab'"), Some(("AB".to_owned(), false)));
        assert_eq!(instream_dd("// dd *"), Some(("/*".to_owned(), true)));
        assert_eq!(instream_dd("//IN DD *,DLM=@@"), Some(("@@".to_owned(), false)));
        assert_eq!(instream_dd("//IN DD DATAX"), None);
        assert_eq!(instream_dd("//S EXEC PGM=X"), None);
    }

    #[test]
    fn checker_delimiter_inside_data() {
        let job = "//J JOB\n//S EXEC PGM=X\n//IN DD DATA,DLM=$$\n CMD1\n$$ VALUE\n CMD2\n$$\n";
        let found = problems(job, TextKind::Job);
        assert!(found.contains(&(5, Problem::DelimiterInData)), "{found:?}");
        assert!(!found.iter().any(|(_, p)| *p == Problem::NotJcl), "{found:?}");
        assert_eq!(problems(" CMD\n$$X\n", TextKind::TsoData), [(2, Problem::DelimiterInData)]);
        // A stray line that does not follow a delimiter.
        assert_eq!(problems("//J JOB\nOOPS\n", TextKind::Job), [(2, Problem::NotJcl)]);
        // `/*` and `//` in column 1 are data under DLM=$$ ...
        assert!(
            problems("//S EXEC PGM=X\n//IN DD DATA,DLM=$$\n/* C */\n//X\n$$\n", TextKind::Job)
                .is_empty()
        );
        // ... but end `DD *` data, so what follows is data that ended early.
        let star = problems("//S EXEC PGM=X\n//IN DD *\n CMD\n/*\n CMD2\n", TextKind::Job);
        assert_eq!(star, [(4, Problem::DelimiterInData)]);
        assert!(
            problems("//S EXEC PGM=X\n//IN DD *\n CMD\n/*\n//T EXEC PGM=Y\n", TextKind::Job)
                .is_empty()
        );
    }

    #[test]
    fn checker_accidental_continuations() {
        let data = " CMD A -\n   B\n CMD ABC-\n   D\n CMD E -\n\n CMD F +\n /* x */\n CMD G -";
        assert_eq!(
            problems(data, TextKind::TsoData),
            [
                (3, Problem::DanglingContinuation),
                (5, Problem::DanglingContinuation),
                (7, Problem::DanglingContinuation),
                (9, Problem::DanglingContinuation),
            ]
        );
        assert!(problems(" CMD A +\n   B\n", TextKind::TsoData).is_empty());
        // A JCL line ending with a dash is not a TSO continuation.
        assert!(problems("//* A -\n", TextKind::Job).is_empty());
    }

    #[test]
    fn checker_case_and_apostrophes() {
        let job = "//J JOB (A),'Mixed Name',CLASS=A\n//s exec pgm=x\n//T EXEC PGM=X,PARM='A\n";
        assert_eq!(
            problems(job, TextKind::Job),
            [(2, Problem::LowerCaseJcl), (3, Problem::UnbalancedApostrophes)]
        );
        let data = " CMD LABEL('A -\n   B')\n CMD LABEL('C)\n";
        assert_eq!(problems(data, TextKind::TsoData), [(3, Problem::UnbalancedApostrophes)]);
    }

    #[test]
    fn findings_display() {
        let f = Finding { line: 3, problem: Problem::TooLong { columns: 80, max: 71 } };
        assert_eq!(f.to_string(), "line 3: 80 columns, more than 71");
    }
}
