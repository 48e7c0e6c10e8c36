//! z/OS Connect emitter: Liberty server.xml TLS snippets that match the key rings.
