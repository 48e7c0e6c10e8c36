//! The statement tree: statements, their attributes and nested inline statements, with the
//! comments that go with them and, when parsed, where each was written.

/// A position in the parsed text: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub line: u32,
    pub column: u32,
}

impl Span {
    pub fn new(line: u32, column: u32) -> Self {
        Span { line, column }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One statement: a braced block (`TTLSRule name { ... }`) or a one-line statement of the
/// main or image file (`TcpImage TCPIP /etc/pagent/TCPIP.image FLUSH NOPURGE 1800`).
///
/// Keywords keep the spelling they were written in; compare them with [`Statement::is`].
/// Names and values are data and keep their case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Statement {
    pub keyword: String,
    /// Name of a block statement; inline statements may have none.
    pub name: Option<String>,
    /// Words after the keyword of a one-line statement; empty for blocks.
    pub values: Vec<String>,
    /// `Some` for a braced block (possibly empty), `None` for a one-line statement.
    pub body: Option<Vec<Entry>>,
    /// Full-line comments written just before the statement (text after `#`).
    pub comments: Vec<String>,
    /// Comment at the end of the header line.
    pub trailing_comment: Option<String>,
    /// Full-line comments just before the closing brace.
    pub end_comments: Vec<String>,
    /// Where the keyword was written; `None` for a tree built in code.
    pub span: Option<Span>,
}

/// One line inside a block: an attribute or a nested inline statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Attribute(Attribute),
    Statement(Statement),
}

/// `Keyword value` inside a block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attribute {
    pub keyword: String,
    /// Usually one word; none when the value was left empty, two for a blank-separated range.
    pub values: Vec<String>,
    /// Full-line comments written just before the attribute.
    pub comments: Vec<String>,
    /// Comment at the end of the attribute's line.
    pub trailing_comment: Option<String>,
    pub span: Option<Span>,
}

impl Attribute {
    /// An attribute with one value.
    pub fn new(keyword: impl Into<String>, value: impl Into<String>) -> Self {
        Attribute { keyword: keyword.into(), values: vec![value.into()], ..Attribute::default() }
    }

    /// Whether the keyword is `keyword`, ignoring case as Policy Agent does.
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword.eq_ignore_ascii_case(keyword)
    }

    /// The values joined by one blank, as they would be printed.
    pub fn value(&self) -> String {
        self.values.join(" ")
    }

    /// Adds a comment at the end of the line.
    #[must_use]
    pub fn with_trailing_comment(mut self, comment: impl Into<String>) -> Self {
        self.trailing_comment = Some(comment.into());
        self
    }

    /// Adds full-line comments before the attribute.
    #[must_use]
    pub fn with_comments(mut self, comments: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.comments.extend(comments.into_iter().map(Into::into));
        self
    }
}

impl Statement {
    /// A braced block with an optional name and an empty body.
    pub fn block(keyword: impl Into<String>, name: Option<String>) -> Self {
        Statement { keyword: keyword.into(), name, body: Some(Vec::new()), ..Statement::default() }
    }

    /// A one-line statement such as `LogLevel 31`.
    pub fn line(
        keyword: impl Into<String>,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Statement {
            keyword: keyword.into(),
            values: values.into_iter().map(Into::into).collect(),
            body: None,
            ..Statement::default()
        }
    }

    /// Whether the keyword is `keyword`, ignoring case as Policy Agent does.
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword.eq_ignore_ascii_case(keyword)
    }

    /// Appends an attribute (turning a one-line statement into a block).
    pub fn push(&mut self, attribute: Attribute) -> &mut Self {
        self.body.get_or_insert_with(Vec::new).push(Entry::Attribute(attribute));
        self
    }

    /// Appends `keyword value`.
    pub fn attr(&mut self, keyword: &str, value: impl Into<String>) -> &mut Self {
        self.push(Attribute::new(keyword, value))
    }

    /// Appends a nested inline statement.
    pub fn push_statement(&mut self, statement: Statement) -> &mut Self {
        self.body.get_or_insert_with(Vec::new).push(Entry::Statement(statement));
        self
    }

    /// Adds full-line comments before the statement.
    #[must_use]
    pub fn with_comments(mut self, comments: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.comments.extend(comments.into_iter().map(Into::into));
        self
    }

    /// The entries of a block; empty for a one-line statement.
    pub fn entries(&self) -> &[Entry] {
        self.body.as_deref().unwrap_or(&[])
    }

    /// The attributes of a block in order, without nested statements.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.entries().iter().filter_map(|entry| match entry {
            Entry::Attribute(attribute) => Some(attribute),
            Entry::Statement(_) => None,
        })
    }

    /// The nested inline statements of a block in order.
    pub fn statements(&self) -> impl Iterator<Item = &Statement> {
        self.entries().iter().filter_map(|entry| match entry {
            Entry::Statement(statement) => Some(statement),
            Entry::Attribute(_) => None,
        })
    }

    /// The attribute Policy Agent would use: the last one with this keyword (repeats of a
    /// single-valued attribute are silently replaced by the last).
    pub fn attribute(&self, keyword: &str) -> Option<&Attribute> {
        // Searched from the end: the first found is the last written.
        self.entries().iter().rev().find_map(|entry| match entry {
            Entry::Attribute(attribute) if attribute.is(keyword) => Some(attribute),
            _ => None,
        })
    }
}
