//! Finds where an option key or its value was written, from the position of the builder call.
//!
//! rhai gives a native function the position of the call only (the method name in
//! `site.lpar("X", #{ ... })`), not of the map's keys. When the options map is written in the
//! call, a small scanner walks from the call through the argument list to the key, skipping
//! strings and comments. When the map is a variable, or anything looks unexpected, there is no
//! answer and the caller points at the call.

/// What to point at for an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The key, `pagnet` in `pagnet: #{ }`.
    Key,
    /// The start of the value.
    Value,
    /// One element of an array value.
    Item(usize),
}

/// The 1-based line and column (in characters) of `part` of the option at `path` (outer keys
/// first) in the options map of the call at `line`:`column` of `source`.
pub(crate) fn locate(
    source: &str,
    line: usize,
    column: usize,
    path: &[&str],
    part: Part,
) -> Option<(usize, usize)> {
    let text: Vec<char> = source.chars().collect();
    let start = index_of(&text, line, column)?;
    let found = Scanner { text: &text }.find(start, path, part)?;
    Some(line_column(&text, found))
}

fn index_of(text: &[char], line: usize, column: usize) -> Option<usize> {
    let mut current = 1;
    let mut index = 0;
    while current < line {
        index += text.get(index..)?.iter().position(|c| *c == '\n')? + 1;
        current += 1;
    }
    let index = index + column.checked_sub(1)?;
    (index < text.len()).then_some(index)
}

fn line_column(text: &[char], index: usize) -> (usize, usize) {
    let before = &text[..index.min(text.len())];
    let line = before.iter().filter(|c| **c == '\n').count() + 1;
    let column = before.iter().rev().take_while(|c| **c != '\n').count() + 1;
    (line, column)
}

struct Scanner<'a> {
    text: &'a [char],
}

impl Scanner<'_> {
    fn at(&self, index: usize) -> Option<char> {
        self.text.get(index).copied()
    }

    fn starts(&self, index: usize, with: &str) -> bool {
        with.chars().enumerate().all(|(offset, c)| self.at(index + offset) == Some(c))
    }

    fn find(&self, call: usize, path: &[&str], part: Part) -> Option<usize> {
        // The builder name, then its argument list.
        let mut index = call;
        while self.at(index).is_some_and(|c| c.is_alphanumeric() || c == '_') {
            index += 1;
        }
        index = self.skip_blank(index);
        if self.at(index) != Some('(') {
            return None;
        }
        let map = self.last_argument(index + 1)?;
        let (last, outer) = path.split_last()?;
        let mut map = map;
        for key in outer {
            let (_, value) = self.entry(map, key)?;
            if !self.starts(value, "#{") {
                return None;
            }
            map = value;
        }
        let (key, value) = self.entry(map, last)?;
        match part {
            Part::Key => Some(key),
            Part::Value => Some(value),
            Part::Item(n) => {
                if self.at(value) != Some('[') {
                    return Some(value);
                }
                self.items(value + 1).into_iter().nth(n).or(Some(value))
            }
        }
    }

    /// The start of the last argument of a list that starts at `index` (just after `(`),
    /// when it is a map literal.
    fn last_argument(&self, index: usize) -> Option<usize> {
        let items = self.items(index);
        let last = *items.last()?;
        self.starts(last, "#{").then_some(last)
    }

    /// Start of every element of a comma-separated list beginning at `index` and ending at
    /// the closing bracket of its level.
    fn items(&self, mut index: usize) -> Vec<usize> {
        let mut items = Vec::new();
        loop {
            index = self.skip_blank(index);
            match self.at(index) {
                None | Some(')' | ']' | '}') => return items,
                _ => {}
            }
            items.push(index);
            let Some(end) = self.skip_value(index) else { return items };
            index = end;
            if self.at(index) == Some(',') {
                index += 1;
            } else {
                return items;
            }
        }
    }

    /// The key and value positions of `key` in the map literal at `map` (`#{`).
    fn entry(&self, map: usize, key: &str) -> Option<(usize, usize)> {
        let mut index = map + 2;
        loop {
            index = self.skip_blank(index);
            let key_at = index;
            let (name, after) = self.key(index)?;
            index = self.skip_blank(after);
            if self.at(index) != Some(':') {
                return None;
            }
            let value = self.skip_blank(index + 1);
            if name == key {
                return Some((key_at, value));
            }
            index = self.skip_value(value)?;
            if self.at(index) != Some(',') {
                return None;
            }
            index += 1;
        }
    }

    /// A map key: an identifier or a quoted string; its text and the index after it.
    fn key(&self, index: usize) -> Option<(String, usize)> {
        match self.at(index)? {
            '"' => {
                let end = self.skip_string(index, '"')?;
                Some((self.text[index + 1..end - 1].iter().collect(), end))
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut end = index;
                while self.at(end).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    end += 1;
                }
                Some((self.text[index..end].iter().collect(), end))
            }
            _ => None,
        }
    }

    /// The index just after one value: stops at a `,` or closing bracket of its own level.
    fn skip_value(&self, mut index: usize) -> Option<usize> {
        let mut depth = 0_usize;
        loop {
            match self.at(index)? {
                '"' | '\'' | '`' => index = self.skip_string(index, self.at(index)?)?,
                '/' if matches!(self.at(index + 1), Some('/' | '*')) => {
                    index = self.skip_blank(index);
                }
                '(' | '[' | '{' => {
                    depth += 1;
                    index += 1;
                }
                ')' | ']' | '}' => {
                    if depth == 0 {
                        return Some(index);
                    }
                    depth -= 1;
                    index += 1;
                }
                ',' if depth == 0 => return Some(index),
                _ => index += 1,
            }
        }
    }

    /// The index after a string literal that opens at `index` with `quote`. Backtick strings
    /// may hold `${ ... }` with strings inside.
    fn skip_string(&self, index: usize, quote: char) -> Option<usize> {
        let mut index = index + 1;
        loop {
            match self.at(index)? {
                '\\' => index += 2,
                '$' if quote == '`' && self.at(index + 1) == Some('{') => {
                    index = self.skip_value(index + 2)? + 1;
                }
                c if c == quote => return Some(index + 1),
                _ => index += 1,
            }
        }
    }

    /// Skips white space and comments (`//` to the end of the line, nested `/* */`).
    fn skip_blank(&self, mut index: usize) -> usize {
        loop {
            match self.at(index) {
                Some(c) if c.is_whitespace() => index += 1,
                Some('/') if self.at(index + 1) == Some('/') => {
                    while self.at(index).is_some_and(|c| c != '\n') {
                        index += 1;
                    }
                }
                Some('/') if self.at(index + 1) == Some('*') => {
                    let mut depth = 0_usize;
                    while index < self.text.len() {
                        if self.starts(index, "/*") {
                            depth += 1;
                            index += 2;
                        } else if self.starts(index, "*/") {
                            depth -= 1;
                            index += 2;
                            if depth == 0 {
                                break;
                            }
                        } else {
                            index += 1;
                        }
                    }
                }
                _ => return index,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(source: &str, path: &[&str], part: Part) -> Option<(usize, usize)> {
        // The call is the first `lpar` of the source.
        let offset = source.find("lpar")?;
        let (line, column) = line_column(&source.chars().collect::<Vec<_>>(), offset);
        locate(source, line, column, path, part)
    }

    #[test]
    fn keys_and_values_are_found_in_nested_maps_across_lines() {
        let source = "let x = site.lpar(\"SYSA\", #{\n  // a comment, with: a colon\n  security_database: db,\n  pagent: #{ jobname: \"P\", log_level: \"x\" },\n});\n";
        assert_eq!(at(source, &["security_database"], Part::Key), Some((3, 3)));
        assert_eq!(at(source, &["security_database"], Part::Value), Some((3, 22)));
        assert_eq!(at(source, &["pagent", "log_level"], Part::Key), Some((4, 28)));
        assert_eq!(at(source, &["pagent", "log_level"], Part::Value), Some((4, 39)));
        assert_eq!(at(source, &["syslog"], Part::Key), None);
    }

    #[test]
    fn strings_with_brackets_and_quoted_keys_do_not_confuse_it() {
        let source =
            "site.lpar(\"a,}b\", #{ \"default\": 1, t: `x${ \"}\" }y`, u: [\"a\", 'b', \"c\"] })";
        assert_eq!(at(source, &["default"], Part::Key), Some((1, 22)));
        assert_eq!(at(source, &["u"], Part::Item(2)), Some((1, 67)));
        assert_eq!(at(source, &["u"], Part::Item(7)), Some((1, 56)));
    }

    #[test]
    fn a_map_held_in_a_variable_has_no_position() {
        assert_eq!(at("site.lpar(\"SYSA\", opts);", &["pagent"], Part::Key), None);
        assert_eq!(at("site.lpar(\"SYSA\", #{ a: 1 }", &["b"], Part::Key), None);
        assert_eq!(at("lpar", &["b"], Part::Key), None);
    }
}
