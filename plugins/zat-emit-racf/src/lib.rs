//! RACF emitter: batch TSO jobs for certificates, key rings, ring access and SERVAUTH profiles.
