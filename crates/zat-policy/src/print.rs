//! The printer: one attribute per line, braces on their own lines, values in one column.
//!
//! The value column is the same for the whole text: one blank after the longest indented
//! keyword, so a policy reads as a table; a value that would end past column 72 there gets
//! one blank instead, so that a long value (a key ring name) still fits a fixed-length
//! 80-byte data set where it can. Blocks are separated by a blank line.
//! Comments are written as `# text`, full-line before their statement or attribute and
//! after two blanks at the end of a line.

use crate::tree::{Attribute, Entry, Statement};

const INDENT: usize = 2;

/// Widest line that survives a copy into a fixed 80-byte data set with sequence numbers off.
const COLUMNS: usize = 72;

/// Prints statements as Policy Agent text, ending with a newline (empty text for no
/// statements). Deterministic: the same tree always gives the same bytes.
pub fn print(statements: &[Statement]) -> String {
    let mut printer = Printer { out: String::new(), column: 0 };
    printer.statements(statements);
    printer.out
}

/// Prints a block of `#` comment lines, a blank line, then the statements: the shape of a
/// generated file's header. With no statements the text is the header alone.
pub fn print_with_header(header: &[String], statements: &[Statement]) -> String {
    let mut printer = Printer { out: String::new(), column: 0 };
    printer.comments(header, 0);
    // Every statement prints at least its line, so the body is empty only without statements.
    if !statements.is_empty() && !header.is_empty() {
        printer.out.push('\n');
    }
    printer.statements(statements);
    printer.out
}

/// The widest indented keyword that has a value beside it.
fn widest(statement: &Statement, depth: usize, column: &mut usize) {
    if statement.name.is_some() || !statement.values.is_empty() {
        *column = (*column).max(depth * INDENT + statement.keyword.len());
    }
    for entry in statement.entries() {
        match entry {
            Entry::Attribute(attribute) if !attribute.values.is_empty() => {
                *column = (*column).max((depth + 1) * INDENT + attribute.keyword.len());
            }
            Entry::Attribute(_) => {}
            Entry::Statement(inner) => widest(inner, depth + 1, column),
        }
    }
}

struct Printer {
    out: String,
    column: usize,
}

/// Blanks to indent and pad with, copied in one piece rather than pushed one by one.
const BLANKS: &str = "                                                                        ";

impl Printer {
    /// The statements of a text, after what is already in `out`, in their own value column.
    fn statements(&mut self, statements: &[Statement]) {
        let mut column = 0;
        for statement in statements {
            widest(statement, 0, &mut column);
        }
        self.column = column + 1;
        let mut previous_block = false;
        for (index, statement) in statements.iter().enumerate() {
            let block = statement.body.is_some();
            if index > 0 && (block || previous_block || !statement.comments.is_empty()) {
                self.out.push('\n');
            }
            self.statement(statement, 0);
            previous_block = block;
        }
    }

    /// `count` blanks.
    fn blanks(&mut self, count: usize) {
        let mut left = count;
        while left > 0 {
            let now = left.min(BLANKS.len());
            self.out.push_str(BLANKS.get(..now).unwrap_or_default());
            left -= now;
        }
    }

    fn comments(&mut self, comments: &[String], depth: usize) {
        for comment in comments {
            self.indent(depth);
            if comment.is_empty() {
                self.out.push('#');
            } else {
                self.out.push_str("# ");
                self.out.push_str(comment);
            }
            self.out.push('\n');
        }
    }

    fn indent(&mut self, depth: usize) {
        self.blanks(depth * INDENT);
    }

    /// `keyword<pad>words  # trailing` on one line.
    fn line<'a>(
        &mut self,
        depth: usize,
        keyword: &str,
        words: impl Iterator<Item = &'a str> + Clone,
        trailing: Option<&str>,
    ) {
        let start = self.out.len();
        self.indent(depth);
        self.out.push_str(keyword);
        let mut first = true;
        // Walked twice rather than collected: a bundle prints a few hundred thousand lines.
        let value: usize = words.clone().map(|w| w.len() + 1).sum::<usize>().saturating_sub(1);
        for word in words {
            if first {
                let used = self.out.len() - start;
                let mut pad = self.column.saturating_sub(used).max(1);
                if used + pad + value > COLUMNS {
                    pad = 1;
                }
                self.blanks(pad);
                first = false;
            } else {
                self.out.push(' ');
            }
            self.out.push_str(word);
        }
        if let Some(comment) = trailing {
            self.out.push_str("  #");
            if !comment.is_empty() {
                self.out.push(' ');
                self.out.push_str(comment);
            }
        }
        self.out.push('\n');
    }

    fn statement(&mut self, statement: &Statement, depth: usize) {
        self.comments(&statement.comments, depth);
        let words = statement.name.iter().chain(statement.values.iter()).map(String::as_str);
        self.line(depth, &statement.keyword, words, statement.trailing_comment.as_deref());
        let Some(body) = &statement.body else {
            return;
        };
        self.indent(depth);
        self.out.push_str("{\n");
        for entry in body {
            match entry {
                Entry::Attribute(attribute) => self.attribute(attribute, depth + 1),
                Entry::Statement(inner) => self.statement(inner, depth + 1),
            }
        }
        self.comments(&statement.end_comments, depth + 1);
        self.indent(depth);
        self.out.push_str("}\n");
    }

    fn attribute(&mut self, attribute: &Attribute, depth: usize) {
        self.comments(&attribute.comments, depth);
        let words = attribute.values.iter().map(String::as_str);
        self.line(depth, &attribute.keyword, words, attribute.trailing_comment.as_deref());
    }
}
