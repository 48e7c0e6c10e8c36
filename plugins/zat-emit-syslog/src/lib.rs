//! syslogd emitter: syslog.conf per LPAR for Policy Agent and AT-TLS messages.
