//! Integration tests of zat-core: expansion, validation and the fixture fleets.

mod expand;
mod validate;
