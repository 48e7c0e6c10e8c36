//! Package for the end-to-end suite; the tests live in `it/`.
