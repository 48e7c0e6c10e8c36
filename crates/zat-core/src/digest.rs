//! The digest of a model value: SHA-256 over a compact encoding of what the value serialises,
//! fed to the hash as it is visited. It keys the units of an incremental build, so it must
//! change whenever the value does; formatting the value as JSON first (the first way) cost
//! twice as much, on every unit of every build.
//!
//! The encoding is unambiguous for values of one type: every value starts with a tag of its
//! shape, a string or byte run with its length, a sequence or map ends with a tag no member
//! starts with, and a struct field left out when empty keeps its place with a tag of its own
//! (serde reports it), so the fields need no names. The encoding may change between versions
//! of zat: a key in the state of a build made with another encoding is another SHA-256 input
//! and never matches, so that state costs one full render and never carries a stale unit.

use serde::Serialize;
use serde::ser;
use sha2::{Digest as _, Sha256};

use zat_model::strings::Stop;

/// The SHA-256 of `value`'s encoding.
pub fn digest<T: Serialize + ?Sized>(value: &T) -> [u8; 32] {
    let mut feed = Feed { hasher: Sha256::new(), buffer: Vec::with_capacity(BUFFER) };
    // Nothing here stops a visit, and model values serialise without error; one that failed
    // would hash what came before it.
    let _ = value.serialize(&mut feed);
    feed.hasher.update(&feed.buffer);
    feed.hasher.finalize().into()
}

/// Bytes go to the hash in pieces of this size: SHA-256 costs per call as well as per byte.
const BUFFER: usize = 1 << 14;

mod tag {
    pub(super) const FALSE: u8 = 0;
    pub(super) const TRUE: u8 = 1;
    pub(super) const SIGNED: u8 = 2;
    pub(super) const UNSIGNED: u8 = 3;
    pub(super) const FLOAT: u8 = 4;
    pub(super) const TEXT: u8 = 5;
    pub(super) const BYTES: u8 = 6;
    pub(super) const NONE: u8 = 7;
    pub(super) const SOME: u8 = 8;
    pub(super) const UNIT: u8 = 9;
    pub(super) const VARIANT: u8 = 10;
    pub(super) const SEQUENCE: u8 = 11;
    pub(super) const MAP: u8 = 12;
    pub(super) const STRUCT: u8 = 13;
    /// Before each member of a sequence, map or struct.
    pub(super) const MEMBER: u8 = 14;
    /// After the last.
    pub(super) const END: u8 = 15;
    /// A struct field left out.
    pub(super) const SKIPPED: u8 = 16;
    /// A 128-bit unsigned number, in 16 bytes (a 64-bit one is in seven-bit groups).
    pub(super) const WIDE: u8 = 17;
}

struct Feed {
    hasher: Sha256,
    buffer: Vec<u8>,
}

impl Feed {
    fn put(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() > BUFFER {
            self.hasher.update(&self.buffer);
            self.buffer.clear();
            if bytes.len() > BUFFER {
                self.hasher.update(bytes);
                return;
            }
        }
        self.buffer.extend_from_slice(bytes);
    }

    fn tag(&mut self, tag: u8) {
        self.buffer.push(tag);
        if self.buffer.len() >= BUFFER {
            self.hasher.update(&self.buffer);
            self.buffer.clear();
        }
    }

    /// A length or an index, in seven-bit groups (one byte below 128).
    fn number(&mut self, mut n: u64) {
        let mut bytes = [0_u8; 10];
        let mut len = 0;
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                bytes[len] = low;
                len += 1;
                break;
            }
            bytes[len] = low | 0x80;
            len += 1;
        }
        self.put(&bytes[..len]);
    }

    fn run(&mut self, tag: u8, bytes: &[u8]) {
        self.tag(tag);
        self.number(bytes.len() as u64);
        self.put(bytes);
    }

    fn variant(&mut self, index: u32) {
        self.tag(tag::VARIANT);
        self.number(u64::from(index));
    }
}

type Done = Result<(), Stop>;

impl ser::Serializer for &mut Feed {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Done {
        self.tag(if v { tag::TRUE } else { tag::FALSE });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Done {
        self.serialize_i128(v.into())
    }
    fn serialize_i128(self, v: i128) -> Done {
        self.tag(tag::SIGNED);
        self.put(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Done {
        self.tag(tag::UNSIGNED);
        self.number(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Done {
        self.tag(tag::WIDE);
        self.put(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Done {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Done {
        self.tag(tag::FLOAT);
        self.put(&v.to_bits().to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Done {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Done {
        self.run(tag::TEXT, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Done {
        self.run(tag::BYTES, v);
        Ok(())
    }
    fn serialize_none(self) -> Done {
        self.tag(tag::NONE);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        self.tag(tag::SOME);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.tag(tag::UNIT);
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, index: u32, _: &'static str) -> Done {
        self.variant(index);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        value: &T,
    ) -> Done {
        self.variant(index);
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Stop> {
        self.tag(tag::SEQUENCE);
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, Stop> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Self, Stop> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        len: usize,
    ) -> Result<Self, Stop> {
        self.variant(index);
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Stop> {
        self.tag(tag::MAP);
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        self.tag(tag::STRUCT);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        len: usize,
    ) -> Result<Self, Stop> {
        self.variant(index);
        self.serialize_struct("", len)
    }
}

/// Sequences and tuples: each element after a member tag, an end tag after the last.
macro_rules! elements {
    ($($part:ident :: $member:ident),*) => {$(
        impl ser::$part for &mut Feed {
            type Ok = ();
            type Error = Stop;
            fn $member<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
                self.tag(tag::MEMBER);
                value.serialize(&mut **self)
            }
            fn end(self) -> Done {
                self.tag(tag::END);
                Ok(())
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Structs: each field in its place, a field left out (`skip_serializing_if`) as a tag of its
/// own, so that the fields after it keep their places without their names.
macro_rules! fields {
    ($($part:ident),*) => {$(
        impl ser::$part for &mut Feed {
            type Ok = ();
            type Error = Stop;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                _: &'static str,
                value: &T,
            ) -> Done {
                self.tag(tag::MEMBER);
                value.serialize(&mut **self)
            }
            fn skip_field(&mut self, _: &'static str) -> Done {
                self.tag(tag::SKIPPED);
                Ok(())
            }
            fn end(self) -> Done {
                self.tag(tag::END);
                Ok(())
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for &mut Feed {
    type Ok = ();
    type Error = Stop;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        self.tag(tag::MEMBER);
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(&mut **self)
    }
    fn end(self) -> Done {
        self.tag(tag::END);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::digest;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize, Clone, Default)]
    struct Shape {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<String>,
        items: Vec<Vec<String>>,
        map: BTreeMap<String, u32>,
        number: i64,
        choice: Choice,
    }

    #[derive(Serialize, Clone, Default)]
    enum Choice {
        #[default]
        One,
        Two,
        With(String),
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    /// Values that JSON-free encodings easily confuse each get a digest of their own; the
    /// same value always gets the same one.
    #[test]
    fn values_that_differ_have_different_digests() {
        let base = Shape::default();
        let variants: Vec<(&str, Shape)> = vec![
            ("base", base.clone()),
            ("a set", Shape { a: Some("x".into()), ..base.clone() }),
            ("b set", Shape { b: Some("x".into()), ..base.clone() }),
            ("a empty", Shape { a: Some(String::new()), ..base.clone() }),
            ("ab|c", Shape { items: vec![strings(&["ab", "c"])], ..base.clone() }),
            ("a|bc", Shape { items: vec![strings(&["a", "bc"])], ..base.clone() }),
            ("[a][b]", Shape { items: vec![strings(&["a"]), strings(&["b"])], ..base.clone() }),
            ("[a,b]", Shape { items: vec![strings(&["a", "b"])], ..base.clone() }),
            ("[[]]", Shape { items: vec![Vec::new()], ..base.clone() }),
            ("map k1", Shape { map: [("k".into(), 1)].into(), ..base.clone() }),
            ("map k2", Shape { map: [("k".into(), 2)].into(), ..base.clone() }),
            ("number", Shape { number: -1, ..base.clone() }),
            ("number big", Shape { number: i64::MAX, ..base.clone() }),
            ("two", Shape { choice: Choice::Two, ..base.clone() }),
            ("with", Shape { choice: Choice::With(String::new()), ..base.clone() }),
            ("with x", Shape { choice: Choice::With("x".into()), ..base.clone() }),
        ];
        let mut seen = BTreeMap::new();
        for (name, value) in &variants {
            assert_eq!(digest(value), digest(&value.clone()), "{name} is stable");
            if let Some(other) = seen.insert(digest(value), *name) {
                panic!("{name} and {other} have the same digest");
            }
        }
    }

    /// A long string (more than the hash's buffer) counts in full.
    #[test]
    fn a_long_string_counts_to_its_last_byte() {
        let long = "x".repeat(100_000);
        let mut other = long.clone();
        other.replace_range(99_999.., "y");
        assert_ne!(digest(&long), digest(&other));
    }
}
