//! Every string a value would serialise, visited without serialising it, with the struct
//! field that holds it: what the value check and the list of a fleet's origin files need.
//! Formatting a fleet of thousands of LPARs as JSON only to look at its strings (tens of MB)
//! cost four times as much as visiting them.

use std::fmt;

use serde::Serialize;
use serde::ser;

/// Where a visited string is: the struct and the field that hold it, the nearest ones (a
/// string in a list or map of a field is that field's). Empty outside any struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    pub container: &'static str,
    pub field: &'static str,
}

/// Whether `value` serialises a string for which `found` is true. The strings are those JSON
/// would write as strings: values, map keys and the names of unit variants (struct field
/// names, which are the model's own identifiers, are not visited). Stops at the first one; a
/// value that fails to serialise counts as found, so that the caller takes its careful path.
pub fn any_string<T, F>(value: &T, found: F) -> bool
where
    T: Serialize + ?Sized,
    F: FnMut(Place, &str) -> bool,
{
    value.serialize(&mut Strings { found, place: Place::default(), outer: Vec::new() }).is_err()
}

struct Strings<F> {
    found: F,
    place: Place,
    /// The places of the structs that hold the one being visited.
    outer: Vec<Place>,
}

impl<F: FnMut(Place, &str) -> bool> Strings<F> {
    fn text(&mut self, text: &str) -> Result<(), Stop> {
        if (self.found)(self.place, text) { Err(Stop) } else { Ok(()) }
    }

    fn enter(&mut self, container: &'static str) {
        self.outer.push(self.place);
        self.place = Place { container, field: "" };
    }

    fn leave(&mut self) {
        self.place = self.outer.pop().unwrap_or_default();
    }
}

/// A visit of a value's parts (here, or in `zat_core`'s digest) stopped: a string was found,
/// or the value could not be serialised.
#[derive(Debug)]
pub struct Stop;

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

impl<F: FnMut(Place, &str) -> bool> ser::Serializer for &mut Strings<F> {
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
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Self, Stop> {
        self.enter(name);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        self.text(variant)?;
        self.enter(name);
        Ok(self)
    }
}

/// The compound parts whose members are visited as they come: elements, tuple fields.
macro_rules! members {
    ($($part:ident :: $member:ident),*) => {$(
        impl<F: FnMut(Place, &str) -> bool> ser::$part for &mut Strings<F> {
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

impl<F: FnMut(Place, &str) -> bool> ser::SerializeMap for &mut Strings<F> {
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
        impl<F: FnMut(Place, &str) -> bool> ser::$part for &mut Strings<F> {
            type Ok = ();
            type Error = Stop;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                field: &'static str,
                value: &T,
            ) -> Result<(), Stop> {
                self.place.field = field;
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Stop> {
                self.leave();
                Ok(())
            }
        }
    )*};
}

named_fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::{Place, any_string};
    use serde::Serialize;

    #[test]
    fn the_visit_stops_at_the_first_string_found() {
        let value = serde_json::json!({ "a": ["x", "y", "z"], "b": "w" });
        let mut seen = Vec::new();
        assert!(any_string(&value, |_, text| {
            seen.push(text.to_owned());
            text == "y"
        }));
        assert_eq!(seen, ["a", "x", "y"]);
    }

    #[derive(Serialize)]
    struct Outer {
        name: String,
        inner: Inner,
        after: Vec<String>,
    }

    #[derive(Serialize)]
    struct Inner {
        file: String,
    }

    /// Each string comes with the nearest struct and field that hold it, and the field of an
    /// outer struct comes back after an inner struct ends.
    #[test]
    fn each_string_comes_with_its_struct_and_field() {
        let value =
            Outer { name: "n".into(), inner: Inner { file: "f".into() }, after: vec!["a".into()] };
        let mut seen = Vec::new();
        assert!(!any_string(&value, |place, text| {
            seen.push((place, text.to_owned()));
            false
        }));
        let at = |container, field| Place { container, field };
        assert_eq!(
            seen,
            [
                (at("Outer", "name"), "n".to_owned()),
                (at("Inner", "file"), "f".to_owned()),
                (at("Outer", "after"), "a".to_owned()),
            ]
        );
    }
}
