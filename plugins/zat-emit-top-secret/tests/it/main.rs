//! Tests of the Top Secret emitter over the shared fixture fleets, switched to Top Secret.

mod render;
