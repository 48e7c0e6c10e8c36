//! Every string a value would serialise, visited without serialising it: the fast path of the
//! value check (see [`crate::values`]). Formatting the model as JSON only to look at its
//! strings cost four times as much as visiting them, and was the longest step of `prepare`.

use std::fmt;

use serde::Serialize;
use serde::ser;

/// Whether `value` serialises a string for which `found` is true. The strings are those JSON
/// would write as strings: values, map keys and the names of unit variants (struct field
/// names, which are the model's own identifiers, are not visited). Stops at the first one; a
/// value that fails to serialise counts as found, so that the caller takes its careful path.
pub(crate) fn any_string<T, F>(value: &T, found: F) -> bool
where
    T: Serialize + ?Sized,
    F: FnMut(&str) -> bool,
{
    value.serialize(&mut Strings { found }).is_err()
}

struct Strings<F> {
    found: F,
}

impl<F: FnMut(&str) -> bool> Strings<F> {
    fn text(&mut self, text: &str) -> Result<(), Stop> {
        if (self.found)(text) { Err(Stop) } else { Ok(()) }
    }
}

/// A visit of a value's parts (here, or in [`crate::digest`]) stopped: a string was found, or
/// the value could not be serialised.
#[derive(Debug)]
pub(crate) struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the visit of a value stopped")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<F: FnMut(&str) -> bool> ser::Serializer for &mut Strings<F> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, _: bool) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_i128(self, _: i128) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_u128(self, _: u128) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_char(self, c: char) -> Result<(), Stop> {
        self.text(c.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, text: &str) -> Result<(), Stop> {
        self.text(text)
    }
    /// JSON writes bytes as an array of numbers.
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Stop> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.text(variant)?;
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        self.text(variant)?;
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        self.text(variant)?;
        Ok(self)
    }
}

/// The compound parts whose members are visited as they come: elements, tuple fields.
macro_rules! members {
    ($($part:ident :: $member:ident),*) => {$(
        impl<F: FnMut(&str) -> bool> ser::$part for &mut Strings<F> {
            type Ok = ();
            type Error = Stop;
            fn $member<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        }
    )*};
}

members!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<F: FnMut(&str) -> bool> ser::SerializeMap for &mut Strings<F> {
    type Ok = ();
    type Error = Stop;
    /// A key is visited as JSON writes it: a string, whatever its type.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

/// The compound parts whose fields are visited without their names.
macro_rules! named_fields {
    ($($part:ident),*) => {$(
        impl<F: FnMut(&str) -> bool> ser::$part for &mut Strings<F> {
            type Ok = ();
            type Error = Stop;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                _: &'static str,
                value: &T,
            ) -> Result<(), Stop> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        }
    )*};
}

named_fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::any_string;
    use serde_json::Value;

    /// Every string of a value's JSON, map keys included (struct field names are keys in JSON
    /// too, so the visit's strings are compared with the JSON's string values and keys apart).
    fn json_strings(value: &Value, values: &mut Vec<String>, keys: &mut Vec<String>) {
        match value {
            Value::String(text) => values.push(text.clone()),
            Value::Array(items) => items.iter().for_each(|v| json_strings(v, values, keys)),
            Value::Object(map) => {
                for (key, v) in map {
                    keys.push(key.clone());
                    json_strings(v, values, keys);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// The visit sees every string JSON writes as a value, as often as JSON writes it; what
    /// else it sees (map keys, variant names) JSON writes as keys or values too.
    #[test]
    fn the_visit_sees_every_string_of_the_json() {
        let fleet = crate::prepare(crate::fixtures::scaled_raw(3)).fleet;
        let mut visited = Vec::new();
        assert!(!any_string(&fleet, |text| {
            visited.push(text.to_owned());
            false
        }));
        let (mut values, mut keys) = (Vec::new(), Vec::new());
        json_strings(&serde_json::to_value(&fleet).expect("json"), &mut values, &mut keys);
        assert!(values.len() > 1000, "the fixture has strings: {}", values.len());
        let mut rest = visited.clone();
        rest.sort();
        for value in &values {
            let at = rest.binary_search(value).unwrap_or_else(|_| panic!("{value:?} not visited"));
            rest.remove(at);
        }
        keys.sort();
        for extra in &rest {
            assert!(keys.binary_search(extra).is_ok(), "{extra:?} is neither a value nor a key");
        }
    }

    #[test]
    fn the_visit_stops_at_the_first_string_found() {
        let value = serde_json::json!({ "a": ["x", "y", "z"], "b": "w" });
        let mut seen = Vec::new();
        assert!(any_string(&value, |text| {
            seen.push(text.to_owned());
            text == "y"
        }));
        assert_eq!(seen, ["a", "x", "y"]);
    }
}
