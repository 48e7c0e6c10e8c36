//! Policy Agent emitter: main, image and AT-TLS policy files per LPAR and stack.
