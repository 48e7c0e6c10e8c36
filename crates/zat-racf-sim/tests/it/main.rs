//! Integration tests of the RACF simulator: its commands one by one, the DISCOVER listing
//! round trip, and the jobs the RACF emitter writes for the seed example and scripts/fleet.rhai
//! executed against the starting states of a real site.

mod commands;
mod jobs;
mod plan;
mod random;
mod roundtrip;
mod support;
