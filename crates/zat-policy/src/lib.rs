//! Policy Agent policy syntax: statement tree, printer, parser and keyword whitelist; no I/O.
