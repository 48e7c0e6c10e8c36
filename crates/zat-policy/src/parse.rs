//! The tolerant parser: any text in, a statement tree and every problem found out.
//!
//! It never panics and never stops at the first problem. It reads the way Policy Agent does:
//! one attribute per line, `#` starts a comment, keywords in any case, words after a value
//! ignored (but reported). It recovers from a missing `}` when a rule or action starts inside
//! another block, since those can never be nested.
//! The parser is iterative (no recursion), and nesting deeper than [`MAX_DEPTH`] is flattened,
//! so hostile input cannot exhaust the stack.

use crate::diagnostic::{DiagnosticKind as Kind, ParseDiagnostic};
use crate::keywords::{self, Arity, Form, StatementSpec};
use crate::tree::{Attribute, Entry, Span, Statement};

/// Deepest nesting kept in the tree; real policies nest at most three levels.
const MAX_DEPTH: usize = 16;

/// A token: words and comments are slices of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Open,
    Close,
    Comment(&'a str),
    Newline,
}

#[derive(Debug)]
struct Token<'a> {
    tok: Tok<'a>,
    span: Span,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Splits `text` into words, braces, comments and line ends. A word is a run of characters
/// other than white space, braces and `#`, taken from the line in one piece.
fn lex<'a>(text: &'a str, diagnostics: &mut Vec<ParseDiagnostic>) -> Vec<Token<'a>> {
    // A generated policy has about one token per eight bytes: fewer copies as the list grows.
    let mut tokens = Vec::with_capacity(text.len() / 8);
    for (index, raw) in text.split('\n').enumerate() {
        let line_no = to_u32(index + 1);
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let bytes = line.as_bytes();
        // The word being read: its first byte in the line, and its span.
        let mut word: Option<(usize, Span)> = None;
        let end_word =
            |word: &mut Option<(usize, Span)>, end: usize, tokens: &mut Vec<Token<'a>>| {
                if let Some((start, span)) = word.take() {
                    let text = line.get(start..end).unwrap_or_default();
                    tokens.push(Token { tok: Tok::Word(text), span });
                }
            };
        let mut reported_bad = false;
        // `at` is the byte offset of the next character, `col` the characters before it.
        let (mut at, mut col) = (0, 0);
        while let Some(&byte) = bytes.get(at) {
            let c = if byte.is_ascii() {
                char::from(byte)
            } else {
                match line.get(at..).and_then(|rest| rest.chars().next()) {
                    Some(c) => c,
                    None => break,
                }
            };
            let span = Span::new(line_no, to_u32(col + 1));
            let next = at + c.len_utf8();
            if !reported_bad && ((c.is_control() && c != '\t') || u32::from(c) > 0xFF) {
                reported_bad = true;
                diagnostics.push(ParseDiagnostic::warning(
                    Kind::BadCharacter,
                    span,
                    format!(
                        "character U+{:04X} is a control character or not in code page IBM-1047",
                        u32::from(c)
                    ),
                ));
            }
            match c {
                '#' => {
                    end_word(&mut word, at, &mut tokens);
                    let rest = line.get(next..).unwrap_or_default();
                    tokens.push(Token { tok: Tok::Comment(rest.trim()), span });
                    break;
                }
                '{' | '}' => {
                    end_word(&mut word, at, &mut tokens);
                    let tok = if c == '{' { Tok::Open } else { Tok::Close };
                    tokens.push(Token { tok, span });
                }
                c if c.is_whitespace() => end_word(&mut word, at, &mut tokens),
                _ => {
                    word.get_or_insert((at, span));
                }
            }
            at = next;
            col += 1;
            // What follows in the same run needs no look: printable ASCII other than `#` and
            // braces continues a word, and blanks after one only end it. Neither is reported.
            let rest = bytes.get(at..).unwrap_or_default();
            let run = if word.is_some() {
                rest.iter().position(|&b| !PLAIN[usize::from(b)])
            } else {
                rest.iter().position(|&b| b != b' ' && b != b'\t')
            };
            let run = run.unwrap_or(rest.len());
            at += run;
            col += run;
        }
        end_word(&mut word, line.len(), &mut tokens);
        tokens.push(Token { tok: Tok::Newline, span: Span::new(line_no, to_u32(line.len() + 1)) });
    }
    tokens
}

/// The bytes that are characters of a word and never reported: printable ASCII other than `#`
/// and braces. A table, since the lexer asks for every byte of every word.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_graphic() && !matches!(b, b'#' | b'{' | b'}');
        byte += 1;
    }
    table
};

#[derive(Debug)]
struct Frame {
    statement: Statement,
    /// What the keyword table says of the statement's type, looked up once when it opens:
    /// every line inside is checked against it.
    spec: Option<&'static StatementSpec>,
    /// A `{` with no header: its entries are merged into the enclosing block when it closes.
    anonymous: bool,
    open: Span,
}

struct Parser<'t> {
    tokens: &'t [Token<'t>],
    pos: usize,
    stack: Vec<Frame>,
    top: Vec<Statement>,
    pending: Vec<String>,
    diagnostics: Vec<ParseDiagnostic>,
    /// Blocks opened below [`MAX_DEPTH`] and not closed yet: counted, not stacked, so that
    /// their content goes straight into the deepest kept block (moving it up one level per
    /// `}` would cost the square of the depth).
    flattened: usize,
}

/// Parses Policy Agent text (main file, image file or AT-TLS policy) into statements, with
/// every problem found. Never panics.
///
/// Comments before a statement or attribute are kept with it; comments after the last
/// statement of the text are dropped.
pub fn parse(text: &str) -> (Vec<Statement>, Vec<ParseDiagnostic>) {
    let mut diagnostics = Vec::new();
    let tokens = lex(text, &mut diagnostics);
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        stack: Vec::new(),
        top: Vec::new(),
        pending: Vec::new(),
        diagnostics,
        flattened: 0,
    };
    parser.run();
    (parser.top, parser.diagnostics)
}

fn describe(statement: &Statement) -> String {
    match &statement.name {
        Some(name) => format!("{} {name}", statement.keyword),
        None => statement.keyword.clone(),
    }
}

/// The text of a word token; a line's words are a run of word tokens, so the empty text of
/// any other token is never read.
fn text<'t>(token: &Token<'t>) -> &'t str {
    match token.tok {
        Tok::Word(word) => word,
        _ => "",
    }
}

impl<'t> Parser<'t> {
    fn peek(&self, at: usize) -> Option<&'t Tok<'t>> {
        self.tokens.get(at).map(|t| &t.tok)
    }

    fn run(&mut self) {
        while let Some(token) = self.tokens.get(self.pos) {
            let span = token.span;
            match &token.tok {
                Tok::Newline => self.pos += 1,
                Tok::Comment(text) => {
                    self.pending.push((*text).to_owned());
                    self.pos += 1;
                }
                Tok::Close => {
                    self.pos += 1;
                    self.close(span);
                    self.skip_trailing_comment();
                }
                Tok::Open => {
                    self.pos += 1;
                    self.diagnostics.push(ParseDiagnostic::error(
                        Kind::StrayOpen,
                        span,
                        "'{' does not follow a statement header; put the statement type and name on the line before it",
                    ));
                    self.open(Statement::block("", None), None, true, span);
                    self.skip_trailing_comment();
                }
                Tok::Word(_) => self.line(),
            }
        }
        self.finish();
    }

    fn skip_trailing_comment(&mut self) {
        if let Some(Tok::Comment(text)) = self.peek(self.pos) {
            self.pending.push((*text).to_owned());
            self.pos += 1;
        }
    }

    fn open(
        &mut self,
        statement: Statement,
        spec: Option<&'static StatementSpec>,
        anonymous: bool,
        open: Span,
    ) {
        if self.stack.len() >= MAX_DEPTH {
            // Reported once per run of deep blocks, not once per level.
            if self.flattened == 0 {
                self.diagnostics.push(ParseDiagnostic::error(
                    Kind::UnclosedBlock,
                    open,
                    format!("blocks nest more than {MAX_DEPTH} deep; a '}}' is probably missing"),
                ));
            }
            self.flattened += 1;
            return;
        }
        self.stack.push(Frame { statement, spec, anonymous, open });
    }

    /// Closes the innermost block at a `}`.
    fn close(&mut self, span: Span) {
        if self.flattened > 0 {
            self.flattened -= 1;
            return;
        }
        let Some(mut frame) = self.stack.pop() else {
            self.diagnostics.push(ParseDiagnostic::error(
                Kind::UnmatchedClose,
                span,
                "'}' has no matching '{'; remove it or add the missing statement header",
            ));
            self.pending.clear();
            return;
        };
        frame.statement.end_comments.append(&mut self.pending);
        self.attach(frame);
    }

    fn attach(&mut self, frame: Frame) {
        let Frame { statement, anonymous, .. } = frame;
        if anonymous {
            let entries = statement.body.unwrap_or_default();
            match self.stack.last_mut() {
                Some(parent) => parent.statement.body.get_or_insert_with(Vec::new).extend(entries),
                None => {
                    for entry in entries {
                        if let Entry::Statement(s) = entry {
                            self.top.push(s);
                        }
                    }
                }
            }
            return;
        }
        match self.stack.last_mut() {
            Some(parent) => {
                parent
                    .statement
                    .body
                    .get_or_insert_with(Vec::new)
                    .push(Entry::Statement(statement));
            }
            None => self.top.push(statement),
        }
    }

    /// Closes every open block with a diagnostic naming each.
    fn close_all(&mut self, before: Option<(&str, Span)>) {
        self.flattened = 0;
        while let Some(frame) = self.stack.pop() {
            if !frame.anonymous {
                let what = describe(&frame.statement);
                let message = match before {
                    Some((keyword, at)) => format!(
                        "'{what}' opened at line {} is not closed before '{keyword}' at line {}; add '}}'",
                        frame.open.line, at.line
                    ),
                    None => format!(
                        "'{what}' opened at line {} is not closed at the end of the text; add '}}'",
                        frame.open.line
                    ),
                };
                self.diagnostics.push(ParseDiagnostic::error(
                    Kind::UnclosedBlock,
                    frame.open,
                    message,
                ));
            }
            self.attach(frame);
        }
    }

    fn finish(&mut self) {
        if let Some(frame) = self.stack.last_mut() {
            frame.statement.end_comments.append(&mut self.pending);
        }
        self.close_all(None);
    }

    /// One line that starts with a word: a statement header, a one-line statement or an
    /// attribute.
    fn line(&mut self) {
        let tokens = self.tokens;
        let first = self.pos;
        while let Some(Tok::Word(_)) = self.peek(self.pos) {
            self.pos += 1;
        }
        // The words stay slices of the text; only what goes into the tree is copied.
        let words = tokens.get(first..self.pos).unwrap_or_default();
        let Some(head) = words.first() else {
            return;
        };
        let (keyword, at) = (text(head), head.span);
        let mut trailing = None;
        let mut open_at = None;
        match self.peek(self.pos) {
            Some(Tok::Open) => open_at = Some(self.pos),
            Some(Tok::Comment(text)) => {
                trailing = Some((*text).to_owned());
                self.pos += 1;
            }
            _ => {}
        }
        if open_at.is_none() {
            // A header's '{' may sit on a later line, after blank or comment lines.
            let mut q = self.pos;
            while matches!(self.peek(q), Some(Tok::Newline | Tok::Comment(_))) {
                q += 1;
            }
            if matches!(self.peek(q), Some(Tok::Open)) {
                open_at = Some(q);
            }
        }
        let comments = std::mem::take(&mut self.pending);
        match open_at {
            Some(q) => {
                // Comments between the header and its '{' go to the first entry.
                for token in tokens.get(self.pos..q).unwrap_or_default() {
                    if let Tok::Comment(text) = &token.tok {
                        self.pending.push((*text).to_owned());
                    }
                }
                self.pos = q + 1;
                self.header(keyword, words, comments, trailing, at);
                self.skip_trailing_comment();
            }
            None => self.flat(words, comments, trailing, keyword, at),
        }
    }

    fn header(
        &mut self,
        keyword: &str,
        words: &[Token<'_>],
        comments: Vec<String>,
        trailing: Option<String>,
        at: Span,
    ) {
        let spec = keywords::statement_spec(keyword);
        if spec.is_some_and(|s| s.global_only) && !self.stack.is_empty() {
            self.close_all(Some((keyword, at)));
        }
        match self.stack.last().map(|f| f.spec) {
            None => {
                if spec.is_none() {
                    self.diagnostics.push(ParseDiagnostic::warning(
                        Kind::UnknownStatement,
                        at,
                        format!("unknown statement type '{keyword}'; Policy Agent may ignore it"),
                    ));
                }
            }
            Some(parent) => self.check_inline(parent, keyword, at),
        }
        if let Some(s) = spec.filter(|s| s.form == Form::Line) {
            self.diagnostics.push(ParseDiagnostic::error(
                Kind::MissingBraces,
                at,
                format!("'{}' is a one-line statement and takes no braces", s.name),
            ));
        }
        let name = words.get(1).map(|w| text(w).to_owned());
        if let Some(extra) = words.get(2) {
            self.diagnostics.push(ParseDiagnostic::warning(
                Kind::ExtraWords,
                extra.span,
                format!("words after the name are ignored, starting at '{}'; names cannot contain blanks", text(extra)),
            ));
        }
        if name.is_none() && self.stack.is_empty() {
            self.diagnostics.push(ParseDiagnostic::error(
                Kind::MissingName,
                at,
                format!(
                    "global '{keyword}' statement needs a name (only inline statements may omit it)"
                ),
            ));
        }
        let mut statement = Statement::block(keyword, name);
        statement.comments = comments;
        statement.trailing_comment = trailing;
        statement.span = Some(at);
        self.open(statement, spec, false, at);
    }

    /// Checks that `keyword` may be nested inside a block whose type the table says `parent`.
    fn check_inline(&mut self, parent: Option<&StatementSpec>, keyword: &str, at: Span) {
        let Some(parent_spec) = parent else {
            return;
        };
        if parent_spec.attrs.is_none() {
            return;
        }
        match keywords::attr_spec(parent_spec, keyword) {
            Some(attr) if attr.arity == Arity::Inline => {}
            Some(attr) => self.diagnostics.push(ParseDiagnostic::error(
                Kind::UnknownStatement,
                at,
                format!(
                    "'{}' is an attribute of {}, not a statement; remove the braces",
                    attr.name, parent_spec.name
                ),
            )),
            None => self.diagnostics.push(ParseDiagnostic::warning(
                Kind::UnknownStatement,
                at,
                format!(
                    "'{keyword}' cannot be nested in {}; Policy Agent may ignore it",
                    parent_spec.name
                ),
            )),
        }
    }

    /// A line without braces: an attribute inside a block, or a one-line statement.
    fn flat(
        &mut self,
        words: &[Token<'_>],
        comments: Vec<String>,
        trailing: Option<String>,
        keyword: &str,
        at: Span,
    ) {
        let values: Vec<String> = words.iter().skip(1).map(|w| text(w).to_owned()).collect();
        let Some(parent) = self.stack.last().map(|f| f.spec) else {
            self.top_line(words, keyword, values, comments, trailing, at);
            return;
        };
        if let Some(parent_spec) = parent.filter(|s| s.attrs.is_some()) {
            match keywords::attr_spec(parent_spec, keyword) {
                None if keywords::form(keyword) == Some(Form::Block) => {
                    self.missing_braces(keyword, at);
                }
                None => self.diagnostics.push(ParseDiagnostic::warning(
                    Kind::UnknownAttribute,
                    at,
                    format!(
                        "'{keyword}' is not an attribute of {}; Policy Agent ignores it silently and uses the default",
                        parent_spec.name
                    ),
                )),
                Some(attr) => match attr.arity {
                    Arity::Inline => self.missing_braces(attr.name, at),
                    Arity::One => self.check_words(words, 1, 1, attr.name),
                    Arity::Range => self.check_words(words, 1, 2, attr.name),
                    Arity::MaybeEmpty => {
                        if words.len() == 1 {
                            self.diagnostics.push(ParseDiagnostic::warning(
                                Kind::MissingValue,
                                at,
                                format!("'{}' has no value; whether Policy Agent accepts an empty value is unconfirmed", attr.name),
                            ));
                        }
                        self.check_words(words, 0, 1, attr.name);
                    }
                },
            }
        }
        let attribute = Attribute {
            keyword: keyword.to_owned(),
            values,
            comments,
            trailing_comment: trailing,
            span: Some(at),
        };
        if let Some(frame) = self.stack.last_mut() {
            frame.statement.body.get_or_insert_with(Vec::new).push(Entry::Attribute(attribute));
        }
    }

    fn top_line(
        &mut self,
        words: &[Token<'_>],
        keyword: &str,
        values: Vec<String>,
        comments: Vec<String>,
        trailing: Option<String>,
        at: Span,
    ) {
        match keywords::statement_spec(keyword) {
            Some(spec) if spec.form == Form::Line => {
                let (least, most) = spec.words;
                self.check_words(words, least, most, spec.name);
            }
            Some(spec) => self.missing_braces(spec.name, at),
            None => {
                let is_attribute =
                    keywords::statements().any(|s| keywords::canonical(s, keyword).is_some());
                if is_attribute {
                    self.diagnostics.push(ParseDiagnostic::error(
                        Kind::AttributeOutsideBlock,
                        at,
                        format!("attribute '{keyword}' is outside any statement; a '{{' or an extra '}}' is probably misplaced"),
                    ));
                } else {
                    self.diagnostics.push(ParseDiagnostic::warning(
                        Kind::UnknownStatement,
                        at,
                        format!("unknown statement '{keyword}'; Policy Agent may ignore it"),
                    ));
                }
            }
        }
        let mut statement = Statement::line(keyword, values);
        statement.comments = comments;
        statement.trailing_comment = trailing;
        statement.span = Some(at);
        self.top.push(statement);
    }

    fn missing_braces(&mut self, keyword: &str, at: Span) {
        self.diagnostics.push(ParseDiagnostic::error(
            Kind::MissingBraces,
            at,
            format!("'{keyword}' is a statement: its attributes go between '{{' and '}}' on the lines after it"),
        ));
    }

    /// Checks the number of words after the keyword.
    fn check_words(&mut self, words: &[Token<'_>], least: usize, most: usize, name: &str) {
        let count = words.len().saturating_sub(1);
        if count < least {
            let at = words.first().map(|w| w.span).unwrap_or_default();
            self.diagnostics.push(ParseDiagnostic::error(
                Kind::MissingValue,
                at,
                format!("'{name}' needs a value"),
            ));
        } else if let Some(extra) = words.get(most + 1) {
            let kept: Vec<&str> = words.iter().skip(1).take(most).map(text).collect();
            let takes =
                if most == 1 { "one value".to_owned() } else { format!("at most {most} values") };
            self.diagnostics.push(ParseDiagnostic::warning(
                Kind::ExtraWords,
                extra.span,
                format!(
                    "'{name}' takes {takes}; Policy Agent ignores the words from '{}' on and reads '{}'",
                    text(extra),
                    kept.join(" ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Tok, lex};

    fn tokens(text: &str) -> Vec<(Tok<'_>, u32, u32)> {
        let mut diagnostics = Vec::new();
        lex(text, &mut diagnostics)
            .into_iter()
            .map(|t| (t.tok, t.span.line, t.span.column))
            .collect()
    }

    fn word(text: &str) -> Tok<'_> {
        Tok::Word(text)
    }

    /// Words end at white space, braces and `#`; columns count characters, not bytes; a
    /// comment takes the rest of its line, braces included; a line end is at the line's length
    /// in bytes plus one.
    #[test]
    fn a_line_splits_into_words_braces_and_comments_at_their_columns() {
        assert_eq!(
            tokens("TTLSRule r1{a\tbé}c # x { y }\r\n  é{ #"),
            [
                (word("TTLSRule"), 1, 1),
                (word("r1"), 1, 10),
                (Tok::Open, 1, 12),
                (word("a"), 1, 13),
                (word("bé"), 1, 15),
                (Tok::Close, 1, 17),
                (word("c"), 1, 18),
                (Tok::Comment("x { y }"), 1, 20),
                (Tok::Newline, 1, 30),
                (word("é"), 2, 3),
                (Tok::Open, 2, 4),
                (Tok::Comment(""), 2, 6),
                (Tok::Newline, 2, 8),
            ]
        );
    }

    /// One warning per line for a character outside code page 1047, at its column; none for
    /// what follows a `#`.
    #[test]
    fn a_bad_character_is_reported_once_per_line_at_its_column() {
        let mut diagnostics = Vec::new();
        lex("a\u{1}b\u{2}\nok # \u{3}\n\u{20ac}", &mut diagnostics);
        let at: Vec<(u32, u32)> =
            diagnostics.iter().map(|d| (d.span.line, d.span.column)).collect();
        assert_eq!(at, [(1, 2), (3, 1)]);
    }
}
