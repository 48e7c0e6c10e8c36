//! [`Text`], the string of the model's most numerous objects.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An immutable string of the model: 16 bytes where a `String` takes 24, and no spare room
/// after its text. A fleet of thousands of LPARs has hundreds of thousands of rules and API
/// requesters, each with a dozen strings, so their size is most of the model's memory. It
/// reads as a `&str` (it derefs to one) and is a plain string in JSON and in the schema.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(Box<str>);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl JsonSchema for Text {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        String::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }

    fn inline_schema() -> bool {
        true
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(text.into_boxed_str())
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(text.into())
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Text(text.as_str().into())
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0.into_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_is_two_thirds_of_a_string_and_an_option_costs_nothing() {
        assert_eq!(size_of::<Text>(), 16);
        assert_eq!(size_of::<Option<Text>>(), 16);
    }

    #[test]
    fn it_is_a_plain_string_in_json_and_in_the_schema() {
        let text = Text::from("TTLS rule \"A\"");
        let json = serde_json::to_string(&text).expect("serialises");
        assert_eq!(json, serde_json::to_string("TTLS rule \"A\"").expect("serialises"));
        assert_eq!(serde_json::from_str::<Text>(&json).expect("parses"), text);
        assert_eq!(schemars::schema_for!(Text), schemars::schema_for!(String));
    }

    #[test]
    fn it_compares_and_prints_as_its_text() {
        let text = Text::from(String::from("SYS1"));
        assert!(text == "SYS1");
        assert!("SYS1" == text);
        assert!(text == *"SYS1");
        assert_eq!(text, String::from("SYS1"));
        assert_eq!(format!("[{text:>6}] {text:?}"), "[  SYS1] \"SYS1\"");
        assert_eq!(String::from(text.clone()), "SYS1");
        let mut sorted = vec![Text::from("B"), Text::from("A")];
        sorted.sort();
        assert_eq!(sorted, ["A", "B"]);
    }
}
