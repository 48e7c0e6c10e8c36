//! TSO command text as RACF commands use it: a verb, then operands that are words, quoted
//! strings or keywords with a parenthesised value list, separated by blanks or commas.

use std::fmt;

/// One operand: a keyword (`CLASS`), a keyword with values (`CLASS(FACILITY)`), a bare word
/// (`FACILITY`), a quoted string (`'A B'`, with `''` read as one apostrophe) or a bare
/// parenthesised list (`(A B)`, whose `word` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operand {
    /// The word as written (keywords are compared without regard to case), or the text of a
    /// quoted string.
    pub word: String,
    pub quoted: bool,
    /// The parenthesised values that follow the word, if any.
    pub values: Option<Vec<Operand>>,
}

impl Operand {
    /// True when this operand is the unquoted keyword `keyword` (any case).
    pub fn is(&self, keyword: &str) -> bool {
        !self.quoted && self.word.eq_ignore_ascii_case(keyword)
    }

    /// The values, or an empty slice.
    pub fn list(&self) -> &[Operand] {
        self.values.as_deref().unwrap_or(&[])
    }

    /// The first value's text when there is exactly one value.
    pub fn single(&self) -> Option<&str> {
        match self.list() {
            [one] if one.values.is_none() => Some(one.word.as_str()),
            _ => None,
        }
    }

    /// The keyword operand `keyword` among the values.
    pub fn find(&self, keyword: &str) -> Option<&Operand> {
        self.list().iter().find(|o| o.is(keyword))
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.quoted {
            write!(f, "'{}'", self.word.replace('\'', "''"))?;
        } else {
            f.write_str(&self.word)?;
        }
        if let Some(values) = &self.values {
            f.write_str("(")?;
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A command: its verb (upper case) and operands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub verb: String,
    pub operands: Vec<Operand>,
}

impl Command {
    /// The first keyword operand `keyword` (any case).
    pub fn find(&self, keyword: &str) -> Option<&Operand> {
        self.operands.iter().find(|o| o.is(keyword))
    }

    /// True when keyword `keyword` is present, with or without values.
    pub fn has(&self, keyword: &str) -> bool {
        self.find(keyword).is_some()
    }

    /// The command as one compares it with another: blanks and commas as one blank, the verb
    /// and its short forms (`RL`, `SETR`, `AU`) as the long ones, and every keyword and
    /// top-level word in upper case. Quoted strings and the values in parentheses stay as
    /// written: certificate labels and ring names are case-sensitive, so `LISTRING(Ring1)` does
    /// not answer for `LISTRING(RING1)`. User IDs and class names are not (RACF folds them to
    /// upper case), so the values of `ID(...)` and `CLASS(...)` are compared in upper case: a
    /// listing whose echoes were typed `id(omvsadm)` answers for `ID(OMVSADM)`.
    pub(crate) fn key(&self) -> String {
        fn operand(o: &Operand, top: bool, fold: bool, out: &mut String) {
            if o.quoted {
                out.push_str(&quote(&o.word));
            } else if top || fold || o.values.is_some() {
                let word = o.word.to_ascii_uppercase();
                out.push_str(if top && word == "AU" { "AUTHUSER" } else { &word });
            } else {
                out.push_str(&o.word);
            }
            if let Some(values) = &o.values {
                let fold = o.is("ID") || o.is("CLASS");
                out.push('(');
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    operand(v, false, fold, out);
                }
                out.push(')');
            }
        }
        let mut out = match self.verb.as_str() {
            "RL" => "RLIST".to_owned(),
            "SETR" => "SETROPTS".to_owned(),
            verb => verb.to_owned(),
        };
        for o in &self.operands {
            out.push(' ');
            operand(o, true, false, &mut out);
        }
        out
    }
}

/// Removes `/* ... */` comments outside quoted strings. An unclosed comment runs to the end.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if !quoted && c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut prev = ' ';
            for c in chars.by_ref() {
                if prev == '*' && c == '/' {
                    break;
                }
                prev = c;
            }
            out.push(' ');
            continue;
        }
        if c == '\'' {
            quoted = !quoted;
        }
        out.push(c);
    }
    out
}

/// Reads one logical command (continuations already joined, comments allowed). `Ok(None)` for
/// a line with nothing but blanks and comments.
pub fn parse_command(text: &str) -> Result<Option<Command>, String> {
    let clean = strip_comments(text);
    let mut parser = Parser { chars: clean.chars().collect(), pos: 0 };
    let operands = parser.list(false)?;
    let mut operands = operands.into_iter();
    let Some(verb) = operands.next() else {
        return Ok(None);
    };
    if verb.quoted || verb.values.is_some() || verb.word.is_empty() {
        return Err(format!("`{verb}` is not a command name"));
    }
    Ok(Some(Command { verb: verb.word.to_ascii_uppercase(), operands: operands.collect() }))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn list(&mut self, nested: bool) -> Result<Vec<Operand>, String> {
        let mut out = Vec::new();
        loop {
            while matches!(self.peek(), Some(c) if c.is_whitespace() || c == ',') {
                self.pos += 1;
            }
            match self.peek() {
                None if nested => return Err("a parenthesis is not closed".into()),
                None => return Ok(out),
                Some(')') if nested => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(')') => return Err("a closing parenthesis has no opening one".into()),
                Some(_) => out.push(self.operand()?),
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let (word, quoted) = if self.peek() == Some('\'') {
            self.pos += 1;
            let mut word = String::new();
            loop {
                match self.peek() {
                    None => return Err("a quoted string is not closed".into()),
                    Some('\'') if self.chars.get(self.pos + 1) == Some(&'\'') => {
                        word.push('\'');
                        self.pos += 2;
                    }
                    Some('\'') => {
                        self.pos += 1;
                        break;
                    }
                    Some(c) => {
                        word.push(c);
                        self.pos += 1;
                    }
                }
            }
            (word, true)
        } else {
            let start = self.pos;
            while matches!(self.peek(), Some(c) if !c.is_whitespace() && !matches!(c, ',' | '(' | ')' | '\''))
            {
                self.pos += 1;
            }
            (self.chars[start..self.pos].iter().collect(), false)
        };
        let values = if self.peek() == Some('(') {
            self.pos += 1;
            Some(self.list(true)?)
        } else {
            None
        };
        Ok(Operand { word, quoted, values })
    }
}

/// Quotes a RACDCERT label or data set name: `'A''B'`.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_operands_quotes_and_comments() {
        let cmd = parse_command(
            "RACDCERT ID(U1) CONNECT(CERTAUTH LABEL('IT''S CA') RING(R1) USAGE(CERTAUTH)) /* c */",
        )
        .expect("parses")
        .expect("a command");
        assert_eq!(cmd.verb, "RACDCERT");
        assert_eq!(cmd.find("id").and_then(Operand::single), Some("U1"));
        let connect = cmd.find("CONNECT").expect("connect");
        assert_eq!(connect.find("LABEL").and_then(Operand::single), Some("IT'S CA"));
        assert!(connect.find("CERTAUTH").is_some());
        assert_eq!(
            connect.to_string(),
            "CONNECT(CERTAUTH LABEL('IT''S CA') RING(R1) USAGE(CERTAUTH))"
        );
    }

    #[test]
    fn keys_ignore_layout_and_keyword_case_but_not_names() {
        let key = |text: &str| parse_command(text).expect("parses").expect("a command").key();
        assert_eq!(
            key("racdcert  certauth,list(label('IMSCA'))"),
            "RACDCERT CERTAUTH LIST(LABEL('IMSCA'))"
        );
        assert_eq!(
            key("RL FACILITY IRR.DIGTCERT.LIST AU"),
            key("RLIST facility irr.digtcert.list AUTHUSER")
        );
        assert_eq!(key("SETR LIST"), "SETROPTS LIST");
        assert_ne!(key("RACDCERT ID(U1) LISTRING(Ring1)"), key("RACDCERT ID(U1) LISTRING(RING1)"));
        // User IDs and classes are folded by RACF: an echo typed in lower case answers.
        assert_eq!(
            key("racdcert id(omvsadm) listring(Ring1)"),
            key("RACDCERT ID(OMVSADM) LISTRING(Ring1)")
        );
        assert_eq!(
            key("rlist facility x class(digtring)"),
            key("RLIST FACILITY X CLASS(DIGTRING)")
        );
        assert_ne!(
            key("RACDCERT CERTAUTH LIST(LABEL('ca'))"),
            key("RACDCERT CERTAUTH LIST(LABEL('CA'))")
        );
    }

    #[test]
    fn comment_lines_are_empty_and_bad_text_is_an_error() {
        assert_eq!(parse_command(" /* CERTIFICATE AUTHORITIES */"), Ok(None));
        assert!(parse_command("PERMIT X CLASS(FACILITY").is_err());
        assert!(parse_command("RACDCERT LIST(LABEL('A))").is_err());
        assert!(parse_command("PERMIT X)").is_err());
    }
}
