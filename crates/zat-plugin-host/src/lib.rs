//! Finds, checks and loads emitter plugins (linked-in and dlopen'ed) and calls them through the plugin ABI.
