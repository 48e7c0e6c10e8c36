//! Expansion, validation and bundle assembly: turns a scripted fleet into what every emitter sees, and writes bundles atomically.
