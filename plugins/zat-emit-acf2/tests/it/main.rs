//! Tests of the ACF2 emitter over the shared fixture fleets, switched to ACF2.

mod render;
