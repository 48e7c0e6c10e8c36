//! Names of the security profiles AT-TLS depends on, the same for every ESM (each writes them in
//! its own syntax).
//!
//! From z/OS Security Server RACF Callable Services (R_datalib) and the z/OS Communications
//! Server IP Configuration Guide (stack initialisation access).

/// FACILITY profile that guards reading certificates through R_datalib.
pub const LIST: &str = "IRR.DIGTCERT.LIST";
/// FACILITY profile that guards reading key rings through R_datalib.
pub const LISTRING: &str = "IRR.DIGTCERT.LISTRING";

/// RDATALIB profile of one ring, `OWNER.RING.LST`, upper case as RDATALIB profile names are.
pub fn rdatalib(owner: &str, ring: &str) -> String {
    format!("{owner}.{ring}.LST").to_ascii_uppercase()
}

/// SERVAUTH profile checked while stack `tcpname` on system `sysname` initialises:
/// `EZB.INITSTACK.<sysname>.<tcpname>`, upper case.
pub fn initstack(sysname: &str, tcpname: &str) -> String {
    format!("EZB.INITSTACK.{sysname}.{tcpname}").to_ascii_uppercase()
}
