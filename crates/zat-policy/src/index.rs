//! The objects of a set of parsed policy files, by statement type and name, and the helpers
//! that follow `...Ref` attributes to them: shared by `lint` and `import`.
//!
//! All AT-TLS policy files given together share one name space, as a `CommonTTLSConfig` file
//! and a stack's `TTLSConfig` file do on z/OS (the common file is prepended). When a name is
//! defined twice, the last definition wins, as it does for Policy Agent.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use crate::keywords::{self, FileKind};
use crate::{Attribute, Statement};

/// A parsed file: where it came from, its statements and what kind of file it looks like.
#[derive(Debug)]
pub struct Parsed<'a> {
    pub path: &'a str,
    pub statements: Vec<Statement>,
    pub kind: Option<FileKind>,
}

/// One definition of a named global statement.
#[derive(Debug, Clone, Copy)]
pub struct Defined<'a> {
    pub file: usize,
    pub statement: &'a Statement,
}

/// Every named top-level statement of the policy files, keyed by canonical type and name
/// (names are case-sensitive), every definition kept in order.
#[derive(Debug, Default)]
pub struct Index<'a> {
    objects: BTreeMap<(&'static str, &'a str), Vec<Defined<'a>>>,
    /// The names of each type by their lower-case spelling, in the order of `objects`: made
    /// the first time [`Self::other_case`] is asked, so that a file with thousands of
    /// references to missing names does not scan every name for each.
    folded: OnceLock<HashMap<(&'static str, String), Vec<&'a str>>>,
}

/// What kind of file the statements look like: the kind most of its top-level statements
/// belong to (policy first on a tie); `None` when none is known.
pub fn detect_kind(statements: &[Statement]) -> Option<FileKind> {
    let mut counts = [0usize; 3];
    for statement in statements {
        match keywords::file_kind(&statement.keyword) {
            Some(FileKind::Policy) => counts[0] += 1,
            Some(FileKind::Main) => counts[1] += 1,
            Some(FileKind::Image) => counts[2] += 1,
            None => {}
        }
    }
    let kinds = [FileKind::Policy, FileKind::Main, FileKind::Image];
    let best = counts.iter().copied().max().unwrap_or(0);
    if best == 0 {
        return None;
    }
    counts.iter().position(|&count| count == best).map(|at| kinds[at])
}

impl<'a> Index<'a> {
    pub fn new(files: &'a [Parsed<'a>]) -> Self {
        let mut index = Index::default();
        for (file, parsed) in files.iter().enumerate() {
            for statement in &parsed.statements {
                if statement.body.is_none() {
                    continue;
                }
                let (Some(kind), Some(name)) =
                    (keywords::canonical_statement(&statement.keyword), statement.name.as_deref())
                else {
                    continue;
                };
                index.objects.entry((kind, name)).or_default().push(Defined { file, statement });
            }
        }
        index
    }

    /// The definition Policy Agent uses: the last one.
    pub fn get(&self, kind: &str, name: &str) -> Option<Defined<'a>> {
        let kind = keywords::canonical_statement(kind)?;
        self.objects.get(&(kind, name)).and_then(|all| all.last().copied())
    }

    /// Every name defined more than once, with all its definitions in order.
    pub fn duplicates(&self) -> impl Iterator<Item = (&'static str, &[Defined<'a>])> {
        self.objects
            .iter()
            .filter(|(_, all)| all.len() > 1)
            .map(|((kind, _), all)| (*kind, all.as_slice()))
    }

    /// Whether any definition of this type exists under another spelling of the name.
    pub fn other_case(&self, kind: &str, name: &str) -> Option<&'a str> {
        let kind = keywords::canonical_statement(kind)?;
        let folded = self.folded.get_or_init(|| {
            let mut folded: HashMap<(&'static str, String), Vec<&'a str>> = HashMap::new();
            for (kind, name) in self.objects.keys() {
                folded.entry((kind, name.to_ascii_lowercase())).or_default().push(name);
            }
            folded
        });
        folded.get(&(kind, name.to_ascii_lowercase()))?.iter().find(|n| **n != name).copied()
    }

    /// The statement type a `...Ref` attribute refers to, e.g. `LocalPortRangeRef` →
    /// `PortRange`; `None` when the attribute is not a reference.
    pub fn target_of(attribute: &str) -> Option<&'static str> {
        let stem = attribute.get(..attribute.len().checked_sub(3)?)?;
        if !attribute[stem.len()..].eq_ignore_ascii_case("ref") {
            return None;
        }
        if let Some(kind) = keywords::canonical_statement(stem) {
            return Some(kind);
        }
        let lower = stem.to_ascii_lowercase();
        let rest = lower.strip_prefix("local").or_else(|| lower.strip_prefix("remote"))?;
        match rest {
            "addr" => Some("IpAddr"),
            "addrset" => Some("IpAddrSet"),
            "addrgroup" => Some("IpAddrGroup"),
            "portrange" => Some("PortRange"),
            "portgroup" => Some("PortGroup"),
            _ => None,
        }
    }

    /// A parameter statement of `parent`, written inline (`TTLSKeyringParms { ... }`) or as a
    /// reference (`TTLSKeyringParmsRef name`); the last one written wins. `Err` carries the
    /// reference attribute when it names nothing.
    pub fn param(
        &self,
        parent: &'a Statement,
        kind: &str,
    ) -> Result<Option<&'a Statement>, &'a Attribute> {
        let mut found = Ok(None);
        for entry in parent.entries() {
            match entry {
                crate::Entry::Statement(inner) if inner.is(kind) => found = Ok(Some(inner)),
                crate::Entry::Attribute(attr) if is_reference(&attr.keyword, kind) => {
                    found = match attr.values.first() {
                        Some(name) => match self.get(kind, name) {
                            Some(defined) => Ok(Some(defined.statement)),
                            None => Err(attr),
                        },
                        None => Ok(None),
                    };
                }
                _ => {}
            }
        }
        found
    }

    /// The statement a reference attribute (`TTLSGroupActionRef name`) names, if defined.
    pub fn follow(&self, statement: &Statement, reference: &str) -> Option<Defined<'a>> {
        self.follow_attribute(statement.attribute(reference)?)
    }

    /// The statement a reference attribute names, if defined: [`Index::follow`] for a caller
    /// that holds the attribute already.
    pub(crate) fn follow_attribute(&self, attr: &Attribute) -> Option<Defined<'a>> {
        let kind = Self::target_of(&attr.keyword)?;
        self.get(kind, attr.values.first()?)
    }
}

/// Whether `keyword` is `{kind}Ref`, ASCII case ignored (as [`Attribute::is`] compares), without
/// building the reference's name.
pub(crate) fn is_reference(keyword: &str, kind: &str) -> bool {
    let (keyword, kind) = (keyword.as_bytes(), kind.as_bytes());
    keyword.len() == kind.len() + 3
        && keyword.get(..kind.len()).is_some_and(|stem| stem.eq_ignore_ascii_case(kind))
        && keyword.get(kind.len()..).is_some_and(|end| end.eq_ignore_ascii_case(b"Ref"))
}

/// The first value of an attribute, when there is one.
pub fn value<'s>(statement: &'s Statement, keyword: &str) -> Option<&'s str> {
    statement.attribute(keyword).and_then(|attr| attr.values.first()).map(String::as_str)
}

/// `On`/`Off` (any case) as a boolean; `None` for anything else.
pub fn on_off(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("on") {
        Some(true)
    } else if text.eq_ignore_ascii_case("off") {
        Some(false)
    } else {
        None
    }
}

/// A port range as Policy Agent writes it: `n`, `n-m`, `n:m`, or the two words `n m`.
/// `0` alone means any port; `None` when the text is not a port range.
pub fn port_range(values: &[String]) -> Option<(u32, u32)> {
    let parse = |s: &str| s.trim().parse::<u32>().ok().filter(|p| *p <= 65535);
    match values {
        [one] => match one.split_once(['-', ':']) {
            Some((low, high)) => Some((parse(low)?, parse(high)?)),
            None => parse(one).map(|p| (p, p)),
        },
        [low, high] => Some((parse(low)?, parse(high)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_their_statement_type() {
        assert_eq!(Index::target_of("TTLSGroupActionRef"), Some("TTLSGroupAction"));
        assert_eq!(Index::target_of("ttlskeyringparmsref"), Some("TTLSKeyringParms"));
        assert_eq!(Index::target_of("LocalPortRangeRef"), Some("PortRange"));
        assert_eq!(Index::target_of("RemoteAddrGroupRef"), Some("IpAddrGroup"));
        assert_eq!(Index::target_of("IpAddrSetRef"), Some("IpAddrSet"));
        assert_eq!(Index::target_of("Keyring"), None);
        assert_eq!(Index::target_of("Ref"), None);
        assert_eq!(Index::target_of("é"), None);
    }

    #[test]
    fn another_spelling_of_a_name_is_found_among_its_own_type_only() {
        let text = "TTLSGroupAction GA1 { TTLSEnabled On }\n\
                    TTLSGroupAction Ga1 { TTLSEnabled On }\n\
                    TTLSGroupAction gA1 { TTLSEnabled On }\n\
                    TTLSEnvironmentAction ga2 { HandshakeRole Client }\n";
        let (statements, _) = crate::parse(text);
        let parsed = [Parsed { path: "p", statements, kind: Some(FileKind::Policy) }];
        let index = Index::new(&parsed);
        // The first other spelling in name order (upper case sorts first), never the name
        // itself, asked by any spelling of the type.
        assert_eq!(index.other_case("TTLSGroupAction", "ga1"), Some("GA1"));
        assert_eq!(index.other_case("ttlsgroupaction", "GA1"), Some("Ga1"));
        assert_eq!(index.other_case("TTLSGroupAction", "GA2"), None);
        assert_eq!(index.other_case("TTLSEnvironmentAction", "GA2"), Some("ga2"));
        assert_eq!(index.other_case("TTLSEnvironmentAction", "ga2"), None);
        assert_eq!(index.other_case("NoSuchStatement", "GA1"), None);
    }

    #[test]
    fn port_ranges_take_every_delimiter() {
        let v = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(port_range(&v(&["443"])), Some((443, 443)));
        assert_eq!(port_range(&v(&["7552-7558"])), Some((7552, 7558)));
        assert_eq!(port_range(&v(&["1024:65535"])), Some((1024, 65535)));
        assert_eq!(port_range(&v(&["1024", "2048"])), Some((1024, 2048)));
        assert_eq!(port_range(&v(&["70000"])), None);
        assert_eq!(port_range(&v(&["http"])), None);
    }
}
